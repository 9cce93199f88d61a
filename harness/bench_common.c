/*
 * bench_common.c -- what the benchmarks share (bench_common.h): the cleanup
 * that die() runs, timing, files, statistics, the data pool, the work
 * directory, and the JSON of the library's stats and configuration.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "gen.h"

char *g_workdir;
int g_keep;
pid_t g_child = -1;
pid_t *g_children;
size_t g_nchildren;
volatile sig_atomic_t g_stop;
void (*g_on_die)(void);

/* What die() undoes, in this order: the processes, the s3 objects, the
 * work directory. */
static void bench_cleanup(void)
{
    if (g_child > 0) {
        kill(g_child, SIGKILL);
        waitpid(g_child, NULL, 0);
    }
    for (size_t i = 0; i < g_nchildren; i++)
        if (g_children[i] > 0)
            kill(g_children[i], SIGKILL);
    for (size_t i = 0; i < g_nchildren; i++)
        if (g_children[i] > 0)
            waitpid(g_children[i], NULL, 0);
    if (g_on_die)
        g_on_die();
    if (g_workdir && !g_keep)
        rm_rf(g_workdir);
}

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;  /* loops check it, so the data written is removed on the way out */
}

void bench_init(int signals)
{
    die_prog(PROG);
    die_atexit(bench_cleanup);
    if (!signals)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void check_stop(void)
{
    if (g_stop)
        die("interrupted", "stopping; removing the data written so far");
}

void progress(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- the command line --------------------------------------------------------- */

args bench_args(int argc, char **argv, const struct option *opts, void (*usage)(FILE *))
{
    return (args){ .argc = argc, .argv = argv, .opts = opts, .usage = usage,
                   .usage_status = DIE_USAGE_STATUS };
}

const char *store_arg(const args *a, const char *uri)
{
    if (!strncmp(uri, "file://", 7)) {
        if (uri[7] != '/')
            args_bad(a, uri, "expected a directory or file:///absolute/path");
        return uri + 7;
    }
    if (strstr(uri, "://"))
        args_bad(a, uri, "this benchmark measures a posix store: give a directory or a "
                 "file:///absolute/path URI");
    return uri;
}

void bench_unexpected(const char *word)
{
    die("arguments", "unexpected \"%s\" (see --help)", word);
}

/* ---- time, files, statistics ---------------------------------------------- */

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double cpu_s(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

double cpu_now_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return cpu_s(&ru.ru_utime) + cpu_s(&ru.ru_stime);
}

int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double median(const double *v, size_t n)
{
    double s[REPEAT_MAX * SIZES_MAX];
    if (n == 0)
        return 0;
    memcpy(s, v, n * sizeof(double));
    qsort(s, n, sizeof(double), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Percentile q (0..1) of sorted v, nearest rank. */
double pct_sorted(const double *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    double x = q * (double)n;
    size_t k = (size_t)x;
    if ((double)k < x)
        k++;
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    remove(path);
    return 0;
}

int rm_rf(const char *path)
{
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int read_all(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) {
            check_stop();
            continue;
        }
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write dirty data back and drop the page cache, so that a read that
 * follows is served by the disk.  Needs root (and a writable /proc/sys);
 * returns 1 if the kernel accepted the request. */
int drop_page_cache(void)
{
    sync();
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int ok = write(fd, "3\n", 2) == 2;
    close(fd);
    return ok;
}

/* The three load averages of /proc/loadavg, malloc()ed, or NULL. */
char *read_loadavg(void)
{
    char buf[128] = "";
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f)
        return NULL;
    double a, b, c;
    int ok = fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3;
    fclose(f);
    if (!ok)
        return NULL;
    snprintf(buf, sizeof(buf), "%.2f %.2f %.2f", a, b, c);
    return strdup(buf);
}

/* A fresh work directory of our own under parent, so that removing it
 * afterwards removes exactly what this run wrote (see g_workdir). */
char *make_workdir(const char *parent, int keep)
{
    mkdir(parent, 0777);
    char tmpl[PATH_MAX];
    snprintf(tmpl, sizeof(tmpl), "%s/lakestream-bench.XXXXXX", parent);
    if (!mkdtemp(tmpl))
        die(parent, "cannot create a work directory in it: %s", strerror(errno));
    char *dir = realpath(tmpl, NULL);
    if (!dir)
        die(tmpl, "%s", strerror(errno));
    g_workdir = dir;
    g_keep = keep;
    return dir;
}

const char *bench_exe_dir(void)
{
    static char dir[PATH_MAX];
    if (!dir[0]) {
        ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
        if (n <= 0)
            die(NULL, "readlink /proc/self/exe: %s", strerror(errno));
        dir[n] = '\0';
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
    }
    return dir;
}

void end_workdir(char *dir, int keep, const char *what)
{
    if (!keep)
        rm_rf(dir);
    else
        progress("kept the %s directory %s", what, dir);
    g_workdir = NULL;
    free(dir);
}

/* ---- deterministic data ----------------------------------------------- */

void pool_init(pool *pl, uint64_t seed, size_t max_cut)
{
    pl->len = POOL_BYTES + max_cut;
    pl->seed = seed;
    if (!(pl->data = malloc(pl->len)))
        die("data pool", "cannot allocate %zu bytes", pl->len);
    uint64_t st = seed;
    for (size_t i = 0; i + 8 <= pl->len; i += 8) {
        uint64_t x = gen_splitmix64(&st);
        memcpy(pl->data + i, &x, 8);
    }
}

/* Sample i of a stream (salt) of cuts of `size` bytes. */
const uint8_t *pool_cut(const pool *pl, uint64_t salt, uint64_t i)
{
    uint64_t st = pl->seed ^ salt ^ (i * 0xD1B54A32D192ED03ull);
    uint64_t off = (gen_splitmix64(&st) % (POOL_BYTES / 8)) * 8;
    return pl->data + off;
}

/* ---- the library ----------------------------------------------------------- */

ls_conf *conf_with(const ls_conf *base, const char *name, const char *value)
{
    ls_conf *c = ls_conf_dup(base);
    if (!c)
        die("conf", "out of memory");
    int rc = ls_conf_set(c, name, value);
    if (rc)
        die_ls(rc, name);
    return c;
}

ls_conf *conf_or_die(ls_conf *c, const char *name, const char *value)
{
    int rc = ls_conf_set(c, name, value);
    if (rc)
        die_ls(rc, name);
    return c;
}

ls_table_info table_info(ls_store *st, const char *table, const ls_conf *conf)
{
    ls_table *t;
    int rc = ls_table_open(st, table, conf, &t);
    if (rc)
        die_ls(rc, table);
    ls_table_info in;
    if ((rc = ls_table_info_get(t, &in)))
        die_ls(rc, table);
    ls_table_close(t);
    return in;
}

/* --conf NAME=VALUE: set the property in conf and record it in overrides.
 * store.fsync (and, if policy_why is given, producer.commit.policy) are
 * the benchmark's own choice: refused with the reason given. */
void conf_arg(char *arg, ls_conf *conf, json_t *overrides, const char *fsync_why,
                     const char *policy_why)
{
    char *eq = strchr(arg, '=');
    if (!eq)
        die("--conf", "expected NAME=VALUE, got \"%s\"", arg);
    *eq = '\0';
    if (!strcmp(arg, "store.fsync"))
        die("--conf", "%s", fsync_why);
    if (policy_why && !strcmp(arg, "producer.commit.policy"))
        die("--conf", "%s", policy_why);
    int rc = ls_conf_set(conf, arg, eq + 1);
    if (rc)
        die_ls(rc, "--conf");
    json_object_set_new(overrides, arg, json_string(eq + 1));
}

/* ---- JSON ----------------------------------------------------------------- */

void jset(json_t *o, const char *k, json_t *v)
{
    json_object_set_new(o, k, v);
}

json_t *jreal(double x)
{
    return json_real(x);
}

json_t *jint(uint64_t x)
{
    return json_integer((json_int_t)x);
}

/* Every property as the library sees it in conf, except `skip` (or NULL). */
json_t *conf_json(const ls_conf *conf, const char *skip)
{
    json_t *j = json_object();
    const ls_conf_prop *pr;
    for (size_t i = 0; (pr = ls_conf_describe(i)); i++)
        if (!skip || strcmp(pr->name, skip))
            jset(j, pr->name, json_string(ls_conf_get(conf, pr->name)));
    return j;
}

/* The command line, its words joined by spaces: what reproduces the run. */
json_t *command_json(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *cmd = calloc(1, len);
    if (!cmd)
        die("params", "out of memory");
    for (int i = 0; i < argc; i++) {
        strcat(cmd, argv[i]);
        if (i + 1 < argc)
            strcat(cmd, " ");
    }
    json_t *j = json_string(cmd);
    free(cmd);
    return j;
}

json_t *producer_stats_json(const ls_producer_stats *s)
{
    json_t *o = json_object();
    jset(o, "commits", jint(s->commits));
    jset(o, "commit_attempts", jint(s->commit_attempts));
    jset(o, "conflicts", jint(s->conflicts));
    jset(o, "stale_attempts", jint(s->stale_attempts));
    jset(o, "lost_replies", jint(s->lost_replies));
    jset(o, "samples_committed", jint(s->samples_committed));
    jset(o, "bytes_committed", jint(s->bytes_committed));
    jset(o, "chunks_written", jint(s->chunks_written));
    jset(o, "commit_ns_total", jint(s->commit_ns_total));
    jset(o, "chunk_write_ns_total", jint(s->chunk_write_ns_total));
    jset(o, "epoch", jint(s->epoch));
    return o;
}

json_t *read_stats_json(const ls_read_stats *s)
{
    json_t *o = json_object();
    jset(o, "bytes_fetched", jint(s->bytes_fetched));
    jset(o, "bytes_needed", jint(s->bytes_needed));
    jset(o, "bytes_delivered", jint(s->bytes_delivered));
    jset(o, "meta_bytes_fetched", jint(s->meta_bytes_fetched));
    jset(o, "requests", jint(s->requests));
    jset(o, "data_requests", jint(s->data_requests));
    jset(o, "steps", jint(s->steps));
    jset(o, "samples", jint(s->samples));
    jset(o, "wait_ns_total", jint(s->wait_ns_total));
    return o;
}

json_t *table_info_json(const ls_table_info *in)
{
    json_t *o = json_object();
    jset(o, "version", jint(in->version));
    jset(o, "total_samples", jint(in->total_samples));
    jset(o, "visible_steps", jint(in->visible_steps));
    jset(o, "snapshot_version", jint(in->snapshot_version));
    jset(o, "producers", jint(in->producers));
    jset(o, "commits", jint(in->commits));
    return o;
}

json_t *dist_json(double *v, size_t n)
{
    json_t *o = json_object();
    qsort(v, n, sizeof(double), cmp_double);
    jset(o, "n", jint(n));
    jset(o, "min", n ? jreal(v[0]) : json_null());
    jset(o, "p50", n ? jreal(pct_sorted(v, n, 0.5)) : json_null());
    jset(o, "p90", n ? jreal(pct_sorted(v, n, 0.9)) : json_null());
    jset(o, "p99", n ? jreal(pct_sorted(v, n, 0.99)) : json_null());
    jset(o, "max", n ? jreal(v[n - 1]) : json_null());
    return o;
}
