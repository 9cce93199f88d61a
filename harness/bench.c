/*
 * bench.c -- lakestream-bench: drives the library through the public
 * lakestream.h only, as a user would, and writes one JSON result whose
 * schema is documented in docs/benchmarks.md.
 *
 * `ingest` measures, in one run and on one posix store directory: raw
 * sequential write (and cold read) bandwidth of that directory's disk, the
 * ingest bandwidth of one producer for each sample size and fsync setting,
 * and the step read bandwidth of one rank.  Each ingest run is paired with
 * a raw write taken just before it, repetitions are interleaved and the
 * order of sample sizes rotates, so that a ratio compares numbers taken
 * under the same conditions of a noisy, shared machine.
 *
 * `recovery` measures, on a posix store with fsync on, the time from a
 * producer's restart after a SIGKILL to its first new commit and from a
 * reader's restart at a checkpoint to its first step, and the sizes of the
 * objects a restart reads (commit records, snapshots, checkpoint records).
 *
 * `commit` measures, on a posix store with fsync on, the ingest throughput
 * of P producer processes sharing one table under a commit policy (DAC or
 * a fixed interval), their conflicts and commit latency, optionally on a
 * log pre-grown to V versions.
 *
 * `stores` measures, in one run, the posix store (fsync on) and an S3 store:
 * ingest, the latency of small commits, step reads by W ranks, and every
 * store call counted per operation by a wrapper store (cost-model inputs).
 *
 * Layout: options, utilities, data, machine description, raw baseline,
 * ingest, read, JSON, the ingest benchmark, the recovery benchmark, the
 * commit benchmark, the stores benchmark, command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <avro.h>
#include <jansson.h>

#include "bench.h"
#include "lakestream.h"

#define PROG "lakestream-bench"

#define MIB ((uint64_t)1 << 20)
#define MB 1e6                  /* MB/s figures are 10^6 bytes per second */
#define POOL_BYTES (64 * MIB)   /* random data that samples are cut from */
#define RAW_BLOCK_BYTES MIB     /* write()/read() size of the raw baseline */
#define SIZES_MAX 8
#define REPEAT_MAX 100
#define PRODUCER_ID "bench-producer"
#define CALIBRATION_BYTES (256 * MIB)
#define RAW_SALT 0x5241575752495445ull  /* raw blocks use a stream apart from samples */

#define TARGET_INGEST_VS_RAW 0.8
#define TARGET_COMMIT_OVERHEAD 0.10
#define TARGET_SAMPLE_256K (256u * 1024u)
#define TARGET_SAMPLE_4K 4096u

/* ---- options ------------------------------------------------------------ */

typedef struct opts {
    const char *store_parent;     /* the fresh store directory is created in it */
    const char *out;
    uint64_t    seed;
    uint64_t    bytes_per_run;    /* payload bytes of one measurement */
    const char *bytes_source;     /* "default", "flag" or "duration" */
    double      duration_s;       /* > 0: size runs to take about this long */
    unsigned    repeat;
    uint32_t    batch;            /* global batch B of every table */
    size_t      sizes[SIZES_MAX];
    size_t      nsizes;
    int         fsync_modes[2];   /* in the order measured */
    size_t      nfsync;
    int         do_read, drop_caches, keep, warmup;
    int         read_timeout_ms;
    ls_conf    *conf;             /* --conf overrides; store.fsync is set per store */
    json_t     *conf_overrides;
} opts;

/* Everything that must be undone when the program stops early. */
static char *g_workdir;           /* the store directory this run created */
static int g_keep;
static pid_t g_child = -1;        /* recovery: the crashing ingest child, while it runs */
static pid_t *g_children;         /* commit: the producer processes, while they run */
static size_t g_nchildren;
static volatile sig_atomic_t g_stop;
static void (*g_on_die)(void);    /* stores: remove the run's s3 objects */

static int rm_rf(const char *path);

static void die(const char *what, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static void die(const char *what, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: %s: ", PROG, what);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
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
    exit(1);
}

/* A failed library call: its detail comes from ls_errmsg(). */
static void die_ls(int rc, const char *what)
    __attribute__((noreturn));
static void die_ls(int rc, const char *what)
{
    const char *msg = ls_errmsg();
    die(what, "%s (%s)", msg && *msg ? msg : "no detail", ls_err2str(rc));
}

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;  /* loops check it, so the data written is removed on the way out */
}

static void check_stop(void)
{
    if (g_stop)
        die("interrupted", "stopping; removing the data written so far");
}

/* ---- small utilities ---------------------------------------------------- */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_s(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, size_t n)
{
    double s[REPEAT_MAX * SIZES_MAX];
    if (n == 0)
        return 0;
    memcpy(s, v, n * sizeof(double));
    qsort(s, n, sizeof(double), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* "4096", "256K", "512M", "2G" (binary multiples). */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return -1;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k') shift = 10, end++;
    else if (*end == 'M' || *end == 'm') shift = 20, end++;
    else if (*end == 'G' || *end == 'g') shift = 30, end++;
    if (*end == 'i' && shift)
        end++;
    if (*end == 'B' && shift)
        end++;
    if (*end || (shift && x > (UINT64_MAX >> shift)))
        return -1;
    *out = (uint64_t)x << shift;
    return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    remove(path);
    return 0;
}

static int rm_rf(const char *path)
{
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int write_all(int fd, const uint8_t *p, size_t len)
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

/* Write dirty data back and drop the page cache, so that a read that
 * follows is served by the disk.  Needs root (and a writable /proc/sys);
 * returns 1 if the kernel accepted the request. */
static int drop_page_cache(void)
{
    sync();
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int ok = write(fd, "3\n", 2) == 2;
    close(fd);
    return ok;
}

/* First line of a shell command's output (trailing newline cut), or NULL
 * if it failed.  *nonempty tells whether it printed anything at all. */
static char *run_cmd(const char *cmd, int *nonempty)
{
    FILE *f = popen(cmd, "r");
    if (!f)
        return NULL;
    char line[512] = "";
    int any = fgets(line, sizeof(line), f) != NULL;
    char drain[512];
    while (fgets(drain, sizeof(drain), f))
        ;
    int st = pclose(f);
    if (st != 0)
        return NULL;
    if (nonempty)
        *nonempty = any;
    line[strcspn(line, "\n")] = '\0';
    return strdup(line);
}

/* The three load averages of /proc/loadavg, malloc()ed, or NULL. */
static char *read_loadavg(void)
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

/* ---- deterministic data ----------------------------------------------- */

/* Samples are cut from a pool of random bytes at random 8-byte aligned
 * offsets, so that producing a sample costs nothing next to the library's
 * work and the stored bytes do not compress (the tables use codec none;
 * the pool is also what the reader checks the delivered samples against). */
typedef struct pool {
    uint8_t *data;
    size_t   len;       /* POOL_BYTES + the largest block cut from it */
    uint64_t seed;
} pool;

static void pool_init(pool *pl, uint64_t seed, size_t max_cut)
{
    pl->len = POOL_BYTES + max_cut;
    pl->seed = seed;
    if (!(pl->data = malloc(pl->len)))
        die("data pool", "cannot allocate %zu bytes", pl->len);
    uint64_t st = seed;
    for (size_t i = 0; i + 8 <= pl->len; i += 8) {
        uint64_t x = splitmix64(&st);
        memcpy(pl->data + i, &x, 8);
    }
}

/* Sample i of a stream (salt) of cuts of `size` bytes. */
static const uint8_t *pool_cut(const pool *pl, uint64_t salt, uint64_t i)
{
    uint64_t st = pl->seed ^ salt ^ (i * 0xD1B54A32D192ED03ull);
    uint64_t off = (splitmix64(&st) % (POOL_BYTES / 8)) * 8;
    return pl->data + off;
}

/* ---- machine and revision ----------------------------------------------- */

static const char *fs_name(long type)
{
    switch ((unsigned long)type) {
    case 0xEF53:     return "ext2/ext3/ext4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs";
    case 0x794C7630: return "overlayfs";
    case 0x6969:     return "nfs";
    case 0x2FC12FC1: return "zfs";
    case 0x65735546: return "fuse";
    case 0x0BD00BD0: return "lustre";
    case 0x5346414F: return "afs";
    case 0xFF534D42: return "cifs";
    default:         return "unknown";
    }
}

/* true if a virtio-balloon device negotiated free page reporting
 * (feature bit 5, VIRTIO_BALLOON_F_REPORTING), false if a balloon has not,
 * null if there is no balloon. */
static json_t *balloon_reporting_json(void)
{
    glob_t g;
    if (glob("/sys/bus/virtio/drivers/virtio_balloon/virtio*/features", 0, NULL, &g) != 0)
        return json_null();
    int on = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        char bits[256] = "";
        FILE *f = fopen(g.gl_pathv[i], "r");
        if (f) {
            if (fgets(bits, sizeof(bits), f) && strlen(bits) > 5 && bits[5] == '1')
                on = 1;
            fclose(f);
        }
    }
    globfree(&g);
    return json_boolean(on);
}

json_t *machine_json(const char *dir)
{
    json_t *m = json_object();
    char host[256] = "unknown";
    if (gethostname(host, sizeof(host)) != 0)
        strcpy(host, "unknown");
    host[sizeof(host) - 1] = '\0';
    json_object_set_new(m, "hostname", json_string(host));
    struct utsname u;
    if (uname(&u) == 0) {
        char s[4 * sizeof(u.release) + 8];
        snprintf(s, sizeof(s), "%s %s %s %s", u.sysname, u.release, u.version, u.machine);
        json_object_set_new(m, "uname", json_string(s));
    }
    json_object_set_new(m, "nproc", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    char line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    json_t *cpu = json_null();
    while (f && fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "model name", 10)) {
            char *v = strchr(line, ':');
            if (v) {
                v += 1 + strspn(v + 1, " \t");
                v[strcspn(v, "\n")] = '\0';
                json_decref(cpu);
                cpu = json_string(v);
            }
            break;
        }
    }
    if (f)
        fclose(f);
    json_object_set_new(m, "cpu_model", cpu);
    json_t *mem = json_null();
    if ((f = fopen("/proc/meminfo", "r"))) {
        unsigned long long kb;
        while (fgets(line, sizeof(line), f))
            if (sscanf(line, "MemTotal: %llu kB", &kb) == 1) {
                mem = json_integer((json_int_t)(kb * 1024));
                break;
            }
        fclose(f);
    }
    json_object_set_new(m, "mem_total_bytes", mem);
    /* In a VM whose free memory the host reclaims (virtio-balloon free
     * page reporting), the first write to a reclaimed page is much slower:
     * both page cache and fresh buffers pay it, and results swing with the
     * allocation history (docs/benchmarks.md). */
    json_object_set_new(m, "balloon_free_page_reporting", balloon_reporting_json());
    json_t *order = json_null();
    if ((f = fopen("/sys/module/page_reporting/parameters/page_reporting_order", "r"))) {
        int v;
        if (fscanf(f, "%d", &v) == 1) {
            json_decref(order);
            order = json_integer(v);
        }
        fclose(f);
    }
    json_object_set_new(m, "page_reporting_order", order);
    struct statfs sf;
    if (statfs(dir, &sf) == 0) {
        char hex[32];
        snprintf(hex, sizeof(hex), "0x%lx", (unsigned long)sf.f_type);
        json_object_set_new(m, "store_fs_type", json_string(fs_name(sf.f_type)));
        json_object_set_new(m, "store_fs_magic", json_string(hex));
        json_object_set_new(m, "store_fs_free_bytes",
                            json_integer((json_int_t)((uint64_t)sf.f_bavail * sf.f_bsize)));
    }
    return m;
}

/* The revision of the source tree: asked of git in the directory of the
 * executable (a build directory usually lives in the tree), then in the
 * current directory. */
void git_json(json_t *root)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    const char *dirs[2] = { NULL, "." };
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash && !strchr(exe, '\'')) {
            *slash = '\0';
            dirs[0] = exe;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (!dirs[i])
            continue;
        char cmd[PATH_MAX + 128];
        snprintf(cmd, sizeof(cmd), "git -C '%s' rev-parse --short HEAD 2>/dev/null", dirs[i]);
        char *rev = run_cmd(cmd, NULL);
        if (!rev)
            continue;
        int dirty = 0;
        /* results/ is where runs write: a run that overwrites committed
         * results does not make the code it ran "dirty". */
        snprintf(cmd, sizeof(cmd), "git -C '%s' status --porcelain -- ':(top)' "
                 "':(top,exclude)results' 2>/dev/null", dirs[i]);
        char *st = run_cmd(cmd, &dirty);
        json_object_set_new(root, "git_rev", json_string(rev));
        json_object_set_new(root, "git_dirty", st ? json_boolean(dirty) : json_null());
        free(rev);
        free(st);
        return;
    }
    json_object_set_new(root, "git_rev", json_string("unknown"));
    json_object_set_new(root, "git_dirty", json_null());
}

/* ---- raw baseline -------------------------------------------------------- */

typedef struct raw_run {
    double seconds, mb_per_s;
    double cpu_s;          /* user + system CPU of the process meanwhile */
    int    cold_cache;     /* read only */
} raw_run;

static double cpu_now_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return cpu_s(&ru.ru_utime) + cpu_s(&ru.ru_stime);
}

/* Write `bytes` to a fresh file in dir with write() of 1 MiB blocks,
 * fsync at the end if asked; the file is left for raw_read. */
static raw_run raw_write(const pool *pl, const char *path, uint64_t bytes, int do_fsync)
{
    double c0 = cpu_now_s();
    uint64_t t0 = now_ns();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        die(path, "open: %s", strerror(errno));
    for (uint64_t k = 0, done = 0; done < bytes; k++) {
        size_t n = bytes - done < RAW_BLOCK_BYTES ? (size_t)(bytes - done) : RAW_BLOCK_BYTES;
        if (write_all(fd, pool_cut(pl, RAW_SALT, k), n) != 0)
            die(path, "write: %s", strerror(errno));
        done += n;
        if ((k & 63) == 0)
            check_stop();
    }
    if (do_fsync && fsync(fd) != 0)
        die(path, "fsync: %s", strerror(errno));
    if (close(fd) != 0)
        die(path, "close: %s", strerror(errno));
    double s = (double)(now_ns() - t0) / 1e9;
    return (raw_run){ .seconds = s, .mb_per_s = (double)bytes / MB / s,
                      .cpu_s = cpu_now_s() - c0 };
}

static raw_run raw_read(const char *path, uint64_t bytes, int drop)
{
    int cold = drop ? drop_page_cache() : 0;
    uint8_t *buf = malloc(RAW_BLOCK_BYTES);
    if (!buf)
        die("raw read", "cannot allocate %" PRIu64 " bytes", RAW_BLOCK_BYTES);
    double c0 = cpu_now_s();
    uint64_t t0 = now_ns(), got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die(path, "open: %s", strerror(errno));
    for (;;) {
        ssize_t n = read(fd, buf, RAW_BLOCK_BYTES);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die(path, "read: %s", strerror(errno));
        if (n == 0)
            break;
        got += (uint64_t)n;
    }
    close(fd);
    double s = (double)(now_ns() - t0) / 1e9;
    free(buf);
    if (got != bytes)
        die(path, "read %" PRIu64 " bytes, wrote %" PRIu64, got, bytes);
    return (raw_run){ .seconds = s, .mb_per_s = (double)bytes / MB / s,
                      .cpu_s = cpu_now_s() - c0, .cold_cache = cold };
}

/* ---- ingest -------------------------------------------------------------- */

typedef struct ingest_run {
    double seconds, mb_per_s, samples_per_s;
    double commit_overhead;       /* commit_ns_total / ingest time */
    double chunk_write_share;     /* chunk_write_ns_total / ingest time */
    double open_ms;               /* ls_producer_open (its epoch-bump commit) */
    double cpu_user_s, cpu_sys_s;
    ls_producer_stats st;
} ingest_run;

/* One producer appends n samples of `size` bytes to a new table and
 * flushes.  The time measured runs from the first append to the return of
 * flush: what a preprocessing job waits for its data to be committed. */
static ingest_run ingest_once(const opts *o, const pool *pl, ls_store *st,
                              const char *table, size_t size, uint64_t n)
{
    char what[256];
    snprintf(what, sizeof(what), "ingest into table %s", table);
    int rc = ls_table_create(st, table, o->batch, LS_CODEC_NONE);
    if (rc)
        die_ls(rc, what);
    ls_producer *p;
    uint64_t t_open = now_ns();
    if ((rc = ls_producer_open(st, table, PRODUCER_ID, o->conf, &p)))
        die_ls(rc, what);
    ingest_run r = { .open_ms = (double)(now_ns() - t_open) / 1e6 };

    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        if ((rc = ls_producer_append(p, pool_cut(pl, size, i), size, NULL)))
            die_ls(rc, what);
        if ((i & 1023) == 0)
            check_stop();
    }
    if ((rc = ls_producer_flush(p)))
        die_ls(rc, what);
    uint64_t t1 = now_ns();
    getrusage(RUSAGE_SELF, &ru1);

    ls_producer_stats_get(p, &r.st);
    ls_producer_close(p);
    if (r.st.samples_committed != n)
        die(what, "%" PRIu64 " samples committed of %" PRIu64 " appended",
            r.st.samples_committed, n);
    double ns = (double)(t1 - t0);
    r.seconds = ns / 1e9;
    r.mb_per_s = (double)n * (double)size / MB / r.seconds;
    r.samples_per_s = (double)n / r.seconds;
    r.commit_overhead = (double)r.st.commit_ns_total / ns;
    r.chunk_write_share = (double)r.st.chunk_write_ns_total / ns;
    r.cpu_user_s = cpu_s(&ru1.ru_utime) - cpu_s(&ru0.ru_utime);
    r.cpu_sys_s = cpu_s(&ru1.ru_stime) - cpu_s(&ru0.ru_stime);
    return r;
}

/* ---- read ---------------------------------------------------------------- */

typedef struct read_run {
    double seconds, mb_per_s, open_ms;
    double read_amplification;    /* (data + meta bytes fetched) / bytes needed */
    double requests_per_step;
    double cpu_user_s, cpu_sys_s;
    int    cold_cache;
    ls_read_stats st;
} read_run;

/* Rank 0 of a world of 1 reads every step of the table, timed from
 * ls_consumer_open to the last batch; every sample delivered is checked
 * against the data the producer appended (length and both ends). */
static read_run read_once(const opts *o, const pool *pl, ls_store *st,
                          const char *table, size_t size, uint64_t n)
{
    char what[256];
    snprintf(what, sizeof(what), "read table %s", table);
    read_run r = { .cold_cache = o->drop_caches ? drop_page_cache() : 0 };
    uint64_t steps = n / o->batch, check = size < 16 ? size : 16;

    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    uint64_t t0 = now_ns();
    ls_consumer *c;
    int rc = ls_consumer_open(st, table, 0, 1, o->conf, &c);
    if (rc)
        die_ls(rc, what);
    r.open_ms = (double)(now_ns() - t0) / 1e6;
    for (uint64_t s = 0; s < steps; s++) {
        ls_batch *b;
        if ((rc = ls_consumer_read_step(c, s, o->read_timeout_ms, &b)))
            die_ls(rc, what);
        if (b->count != o->batch || b->first_sample != s * o->batch)
            die(what, "step %" PRIu64 ": %zu samples from %" PRIu64 ", expected %u from %"
                PRIu64, s, b->count, b->first_sample, o->batch, s * o->batch);
        for (size_t j = 0; j < b->count; j++) {
            const uint8_t *want = pool_cut(pl, size, b->first_sample + j);
            if (b->lens[j] != size || memcmp(b->samples[j], want, check) ||
                memcmp(b->samples[j] + size - check, want + size - check, check))
                die(what, "sample %" PRIu64 " differs from the one appended",
                    b->first_sample + j);
        }
        ls_batch_destroy(b);
        check_stop();
    }
    uint64_t t1 = now_ns();
    getrusage(RUSAGE_SELF, &ru1);
    ls_consumer_stats_get(c, &r.st);
    ls_consumer_close(c);

    r.seconds = (double)(t1 - t0) / 1e9;
    r.mb_per_s = (double)r.st.bytes_delivered / MB / r.seconds;
    r.read_amplification = r.st.bytes_needed
        ? (double)(r.st.bytes_fetched + r.st.meta_bytes_fetched) / (double)r.st.bytes_needed
        : 0;
    r.requests_per_step = steps ? (double)r.st.requests / (double)steps : 0;
    r.cpu_user_s = cpu_s(&ru1.ru_utime) - cpu_s(&ru0.ru_utime);
    r.cpu_sys_s = cpu_s(&ru1.ru_stime) - cpu_s(&ru0.ru_stime);
    return r;
}

/* ---- JSON ----------------------------------------------------------------- */

static void jset(json_t *o, const char *k, json_t *v)
{
    json_object_set_new(o, k, v);
}

/* Every property as the library sees it in conf, except `skip` (or NULL). */
static json_t *conf_json(const ls_conf *conf, const char *skip)
{
    json_t *j = json_object();
    const ls_conf_prop *pr;
    for (size_t i = 0; (pr = ls_conf_describe(i)); i++)
        if (!skip || strcmp(pr->name, skip))
            jset(j, pr->name, json_string(ls_conf_get(conf, pr->name)));
    return j;
}

/* A fresh work directory of our own under parent, so that removing it
 * afterwards removes exactly what this run wrote (see g_workdir). */
static char *make_workdir(const char *parent, int keep)
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

static json_t *jreal(double x)
{
    return json_real(x);
}

static json_t *jint(uint64_t x)
{
    return json_integer((json_int_t)x);
}

/* Runs of one raw measurement; pair[k] (may be NULL) says which ingest
 * configuration run k was taken for. */
static json_t *raw_json(const raw_run *v, const size_t *pair, unsigned n, int is_read)
{
    json_t *o = json_object(), *runs = json_array();
    double mb[REPEAT_MAX * SIZES_MAX];
    int cold = 1;
    for (unsigned i = 0; i < n; i++) {
        json_t *r = json_object();
        jset(r, "run", jint(i));
        if (pair)
            jset(r, "paired_with_sample_bytes", jint(pair[i]));
        jset(r, "seconds", jreal(v[i].seconds));
        jset(r, "mb_per_s", jreal(v[i].mb_per_s));
        jset(r, "cpu_s", jreal(v[i].cpu_s));
        if (is_read)
            jset(r, "cold_cache", json_boolean(v[i].cold_cache));
        json_array_append_new(runs, r);
        mb[i] = v[i].mb_per_s;
        cold &= v[i].cold_cache;
    }
    jset(o, "mb_per_s_median", jreal(median(mb, n)));
    if (is_read)
        jset(o, "cold_cache", json_boolean(cold));
    jset(o, "runs", runs);
    return o;
}

static json_t *producer_stats_json(const ls_producer_stats *s)
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

static json_t *read_stats_json(const ls_read_stats *s)
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

/* ---- the ingest benchmark ----------------------------------------------- */

/* Every raw write is paired with the ingest run that follows it at once
 * (same fsync setting, same payload size), so that a ratio compares two
 * measurements taken under the same conditions of a noisy machine. */
typedef struct results {
    raw_run raw_w[SIZES_MAX][2][REPEAT_MAX];   /* [size][fsync index][rep] */
    raw_run raw_r[REPEAT_MAX];
    ingest_run ing[SIZES_MAX][2][REPEAT_MAX];  /* [size][fsync index][rep] */
    read_run rd[SIZES_MAX][REPEAT_MAX];
    uint64_t nsamples[SIZES_MAX];
    raw_run warmup;
    uint64_t warmup_bytes;
} results;

static ls_store *open_store(const opts *o, const char *dir, int fsync_on)
{
    ls_conf *conf = ls_conf_dup(o->conf);
    if (!conf)
        die("store", "out of memory");
    int rc = ls_conf_set(conf, "store.fsync", fsync_on ? "true" : "false");
    ls_store *st = NULL;
    if (!rc)
        rc = ls_store_open(dir, conf, &st);
    ls_conf_destroy(conf);
    if (rc)
        die_ls(rc, dir);
    return st;
}

static void table_name(char *buf, size_t cap, size_t size, int fsync_on, unsigned rep)
{
    snprintf(buf, cap, "ingest-%zu-%s-r%u", size, fsync_on ? "fsync" : "nofsync", rep);
}

static void remove_table(const char *dir, const char *table)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, table);
    rm_rf(path);
}

/* Index of the fsync mode whose tables are read (fsync on if measured:
 * the default, durable configuration). */
static size_t read_mode(const opts *o)
{
    for (size_t f = 0; f < o->nfsync; f++)
        if (o->fsync_modes[f])
            return f;
    return 0;
}

static void run_rep(const opts *o, const pool *pl, const char *dir, ls_store *stores[2],
                    unsigned rep, results *res)
{
    char rawpath[PATH_MAX], table[128];
    snprintf(rawpath, sizeof(rawpath), "%s/raw.bin", dir);
    unsigned R = o->repeat;

    /* The order of the sample sizes rotates from one repetition to the
     * next, so that no size is always measured in the same state of the
     * machine (page cache filled by the tables written before it). */
    for (size_t j = 0; j < o->nsizes; j++) {
        size_t i = (j + rep) % o->nsizes;
        for (size_t f = 0; f < o->nfsync; f++) {
            int fs = o->fsync_modes[f];
            /* Raw baseline: the same payload written as one file.  Before
             * it, write back and (if allowed) drop the page cache, so that
             * no writeback of an earlier run overlaps and both runs of the
             * pair start from an empty page cache. */
            if (o->drop_caches)
                drop_page_cache();
            else
                sync();
            raw_run *w = &res->raw_w[i][f][rep];
            *w = raw_write(pl, rawpath, o->bytes_per_run, fs);
            progress("[%u/%u] raw write, %-13s: %7.1f MB/s (%.2f s)", rep + 1, R,
                     fs ? "fsync at end" : "no fsync", w->mb_per_s, w->seconds);
            if (j == 0 && f == read_mode(o)) {
                res->raw_r[rep] = raw_read(rawpath, o->bytes_per_run, o->drop_caches);
                progress("[%u/%u] raw read, %s cache    : %7.1f MB/s (%.2f s)", rep + 1, R,
                         res->raw_r[rep].cold_cache ? "cold" : "warm",
                         res->raw_r[rep].mb_per_s, res->raw_r[rep].seconds);
            }
            unlink(rawpath);

            table_name(table, sizeof(table), o->sizes[i], fs, rep);
            sync();
            ingest_run *r = &res->ing[i][f][rep];
            *r = ingest_once(o, pl, stores[fs], table, o->sizes[i], res->nsamples[i]);
            progress("[%u/%u] ingest %7zu B samples, fsync %-3s: %7.1f MB/s (%.2f of raw), "
                     "%9.0f samples/s, %3" PRIu64 " commits, commit %4.1f%%, chunk writes "
                     "%4.1f%%", rep + 1, R, o->sizes[i], fs ? "on" : "off", r->mb_per_s,
                     r->mb_per_s / w->mb_per_s, r->samples_per_s, r->st.commits,
                     100 * r->commit_overhead, 100 * r->chunk_write_share);
        }
    }
    for (size_t i = 0; i < o->nsizes && o->do_read; i++) {
        size_t f = read_mode(o);
        table_name(table, sizeof(table), o->sizes[i], o->fsync_modes[f], rep);
        read_run *r = &res->rd[i][rep];
        *r = read_once(o, pl, stores[o->fsync_modes[f]], table, o->sizes[i],
                       res->nsamples[i]);
        progress("[%u/%u] read   %7zu B samples, %s cache: %7.1f MB/s, amplification "
                 "%.4f, %.1f requests/step", rep + 1, R, o->sizes[i],
                 r->cold_cache ? "cold" : "warm", r->mb_per_s, r->read_amplification,
                 r->requests_per_step);
    }
    if (!o->keep)
        for (size_t i = 0; i < o->nsizes; i++)
            for (size_t f = 0; f < o->nfsync; f++) {
                table_name(table, sizeof(table), o->sizes[i], o->fsync_modes[f], rep);
                remove_table(dir, table);
            }
}

static json_t *ingest_json(const opts *o, const results *res, size_t i, size_t f)
{
    unsigned R = o->repeat;
    const ingest_run *v = res->ing[i][f];
    const raw_run *w = res->raw_w[i][f];
    double mb[REPEAT_MAX], sps[REPEAT_MAX], commits[REPEAT_MAX], ov[REPEAT_MAX],
           cw[REPEAT_MAX], ap[REPEAT_MAX], ratio[REPEAT_MAX], raw_mb[REPEAT_MAX],
           cpu[REPEAT_MAX];
    json_t *e = json_object(), *runs = json_array();
    for (unsigned k = 0; k < R; k++) {
        mb[k] = v[k].mb_per_s;
        sps[k] = v[k].samples_per_s;
        commits[k] = (double)v[k].st.commits;
        ov[k] = v[k].commit_overhead;
        cw[k] = v[k].chunk_write_share;
        ap[k] = 1 - v[k].chunk_write_share - v[k].commit_overhead;
        raw_mb[k] = w[k].mb_per_s;
        ratio[k] = v[k].mb_per_s / w[k].mb_per_s;
        cpu[k] = (v[k].cpu_user_s + v[k].cpu_sys_s) / (v[k].seconds * v[k].mb_per_s / 1e3);
        json_t *r = json_object();
        jset(r, "rep", jint(k));
        jset(r, "seconds", jreal(v[k].seconds));
        jset(r, "mb_per_s", jreal(v[k].mb_per_s));
        jset(r, "samples_per_s", jreal(v[k].samples_per_s));
        jset(r, "raw_mb_per_s", jreal(w[k].mb_per_s));
        jset(r, "ratio_to_raw", jreal(ratio[k]));
        jset(r, "commit_overhead", jreal(v[k].commit_overhead));
        jset(r, "chunk_write_share", jreal(v[k].chunk_write_share));
        jset(r, "append_share", jreal(ap[k]));
        jset(r, "open_ms", jreal(v[k].open_ms));
        jset(r, "cpu_user_s", jreal(v[k].cpu_user_s));
        jset(r, "cpu_sys_s", jreal(v[k].cpu_sys_s));
        jset(r, "raw_cpu_s", jreal(w[k].cpu_s));
        jset(r, "stats", producer_stats_json(&v[k].st));
        json_array_append_new(runs, r);
    }
    double raw_cpu[REPEAT_MAX];
    for (unsigned k = 0; k < R; k++)
        raw_cpu[k] = w[k].cpu_s / ((double)o->bytes_per_run / 1e9);
    jset(e, "sample_bytes", jint(o->sizes[i]));
    jset(e, "fsync", json_boolean(o->fsync_modes[f]));
    jset(e, "codec", json_string("none"));
    jset(e, "samples", jint(res->nsamples[i]));
    jset(e, "payload_bytes", jint(res->nsamples[i] * o->sizes[i]));
    jset(e, "mb_per_s_median", jreal(median(mb, R)));
    jset(e, "samples_per_s", jreal(median(sps, R)));
    jset(e, "commits", jreal(median(commits, R)));
    jset(e, "commit_overhead", jreal(median(ov, R)));
    jset(e, "chunk_write_share", jreal(median(cw, R)));
    jset(e, "append_share", jreal(median(ap, R)));
    jset(e, "cpu_s_per_gb", jreal(median(cpu, R)));
    jset(e, "raw_cpu_s_per_gb", jreal(median(raw_cpu, R)));
    jset(e, "raw_mb_per_s_median", jreal(median(raw_mb, R)));
    jset(e, "ratio_to_raw", jreal(median(ratio, R)));
    jset(e, "ratio_of_medians", jreal(median(mb, R) / median(raw_mb, R)));
    jset(e, "runs", runs);
    return e;
}

static json_t *read_json(const opts *o, const results *res, size_t i, double raw_median)
{
    unsigned R = o->repeat;
    const read_run *v = res->rd[i];
    double mb[REPEAT_MAX], amp[REPEAT_MAX], rps[REPEAT_MAX];
    int cold = 1;
    json_t *e = json_object(), *runs = json_array();
    for (unsigned k = 0; k < R; k++) {
        mb[k] = v[k].mb_per_s;
        amp[k] = v[k].read_amplification;
        rps[k] = v[k].requests_per_step;
        cold &= v[k].cold_cache;
        json_t *r = json_object();
        jset(r, "rep", jint(k));
        jset(r, "cold_cache", json_boolean(v[k].cold_cache));
        jset(r, "seconds", jreal(v[k].seconds));
        jset(r, "mb_per_s", jreal(v[k].mb_per_s));
        jset(r, "open_ms", jreal(v[k].open_ms));
        jset(r, "read_amplification", jreal(v[k].read_amplification));
        jset(r, "requests_per_step", jreal(v[k].requests_per_step));
        jset(r, "cpu_user_s", jreal(v[k].cpu_user_s));
        jset(r, "cpu_sys_s", jreal(v[k].cpu_sys_s));
        jset(r, "stats", read_stats_json(&v[k].st));
        json_array_append_new(runs, r);
    }
    jset(e, "sample_bytes", jint(o->sizes[i]));
    jset(e, "table_fsync", json_boolean(o->fsync_modes[read_mode(o)]));
    jset(e, "rank", jint(0));
    jset(e, "world_size", jint(1));
    jset(e, "steps", jint(res->nsamples[i] / o->batch));
    jset(e, "cold_cache", json_boolean(cold));
    jset(e, "mb_per_s_median", jreal(median(mb, R)));
    jset(e, "ratio_to_raw_read", jreal(median(mb, R) / raw_median));
    jset(e, "read_amplification", jreal(median(amp, R)));
    jset(e, "requests_per_step", jreal(median(rps, R)));
    jset(e, "runs", runs);
    return e;
}

static json_t *target_json(double target, int have, double measured, int higher_is_better,
                           const char *basis)
{
    json_t *t = json_object();
    jset(t, "target", jreal(target));
    jset(t, "measured", have ? jreal(measured) : json_null());
    jset(t, "met", have ? json_boolean(higher_is_better ? measured >= target
                                                        : measured <= target)
                        : json_null());
    jset(t, "basis", json_string(basis));
    return t;
}

/* --conf NAME=VALUE: set the property in conf and record it in overrides.
 * store.fsync (and, if policy_why is given, producer.commit.policy) are
 * the benchmark's own choice: refused with the reason given. */
static void conf_arg(char *arg, ls_conf *conf, json_t *overrides, const char *fsync_why,
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

/* The command line, its words joined by spaces: what reproduces the run. */
static json_t *command_json(int argc, char **argv)
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

static json_t *params_json(const opts *o, const char *dir, const char *backend,
                           int argc, char **argv, const raw_run *calib)
{
    json_t *p = json_object();
    jset(p, "command", command_json(argc, argv));
    jset(p, "backend", json_string(backend));
    jset(p, "store_dir", json_string(dir));
    jset(p, "bytes_per_run", jint(o->bytes_per_run));
    jset(p, "bytes_per_run_source", json_string(o->bytes_source));
    jset(p, "duration_s", o->duration_s > 0 ? jreal(o->duration_s) : json_null());
    if (calib) {
        json_t *c = json_object();
        jset(c, "bytes", jint(CALIBRATION_BYTES));
        jset(c, "seconds", jreal(calib->seconds));
        jset(c, "mb_per_s", jreal(calib->mb_per_s));
        jset(p, "calibration", c);
    }
    jset(p, "repeat", jint(o->repeat));
    jset(p, "global_batch", jint(o->batch));
    json_t *sizes = json_array(), *fs = json_array();
    for (size_t i = 0; i < o->nsizes; i++)
        json_array_append_new(sizes, jint(o->sizes[i]));
    for (size_t f = 0; f < o->nfsync; f++)
        json_array_append_new(fs, json_boolean(o->fsync_modes[f]));
    jset(p, "sample_bytes", sizes);
    jset(p, "fsync", fs);
    jset(p, "codec", json_string("none"));
    jset(p, "producer_id", json_string(PRODUCER_ID));
    jset(p, "raw_block_bytes", jint(RAW_BLOCK_BYTES));
    jset(p, "data", json_string("samples cut at random 8-byte aligned offsets from a "
                                "64 MiB splitmix64 pool of the seed (incompressible)"));
    jset(p, "read", o->do_read ? json_true() : json_false());
    jset(p, "read_timeout_ms", jint((uint64_t)o->read_timeout_ms));
    jset(p, "drop_caches", json_boolean(o->drop_caches));
    jset(p, "warmup", json_boolean(o->warmup));
    jset(p, "conf_overrides", json_incref(o->conf_overrides));
    /* Every property as the library saw it (store.fsync varies per run). */
    jset(p, "conf", conf_json(o->conf, "store.fsync"));
    jset(p, "mb", json_string("MB = 10^6 bytes; MiB = 2^20 bytes"));
    return p;
}

static json_t *build_json(void)
{
    json_t *b = json_object();
    jset(b, "lakestream_version", json_string(LS_VERSION_STR));
#if defined(__clang__)
    jset(b, "compiler", json_string("clang " __VERSION__));
#elif defined(__GNUC__)
    jset(b, "compiler", json_string("gcc " __VERSION__));
#endif
#ifdef __OPTIMIZE__
    jset(b, "optimized", json_true());
#else
    jset(b, "optimized", json_false());
#endif
#ifdef NDEBUG
    jset(b, "ndebug", json_true());
#else
    jset(b, "ndebug", json_false());
#endif
    return b;
}

static void write_out(const char *path, const char *text)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        die(path, "%s", strerror(errno));
    int bad = fputs(text, f) < 0 || fputc('\n', f) < 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        die(path, "%s", strerror(e));
    }
}

static int size_index(const opts *o, size_t size)
{
    for (size_t i = 0; i < o->nsizes; i++)
        if (o->sizes[i] == size)
            return (int)i;
    return -1;
}

static int fsync_index(const opts *o, int on)
{
    for (size_t f = 0; f < o->nfsync; f++)
        if (o->fsync_modes[f] == on)
            return (int)f;
    return -1;
}

static int cmd_ingest(opts *o, int argc, char **argv)
{
    char *dir = make_workdir(o->store_parent, o->keep);

    size_t max_cut = RAW_BLOCK_BYTES;
    for (size_t i = 0; i < o->nsizes; i++)
        if (o->sizes[i] > max_cut)
            max_cut = o->sizes[i];
    pool pl;
    pool_init(&pl, o->seed, max_cut);

    raw_run calib, *calibp = NULL;
    if (o->duration_s > 0) {
        /* Size every run from the disk's fsync'ed write speed. */
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/calibrate.bin", dir);
        calib = raw_write(&pl, path, CALIBRATION_BYTES, 1);
        unlink(path);
        calibp = &calib;
        double want = calib.mb_per_s * MB * o->duration_s;
        o->bytes_per_run = want < 16.0 * MIB ? 16 * MIB : (uint64_t)want / MIB * MIB;
        progress("calibration: %.1f MB/s with fsync: %" PRIu64 " MiB per run for %.1f s",
                 calib.mb_per_s, o->bytes_per_run / MIB, o->duration_s);
    }

    results *res = calloc(1, sizeof(*res));
    if (!res)
        die("results", "out of memory");
    for (size_t i = 0; i < o->nsizes; i++) {
        uint64_t per_step = (uint64_t)o->sizes[i] * o->batch;
        res->nsamples[i] = o->bytes_per_run / per_step * o->batch;
        if (res->nsamples[i] == 0)
            die("--bytes-per-run", "%" PRIu64 " bytes hold no whole step of %u samples of "
                "%zu bytes (%" PRIu64 " bytes)", o->bytes_per_run, o->batch, o->sizes[i],
                per_step);
    }

    ls_store *stores[2] = { NULL, NULL };
    for (size_t f = 0; f < o->nfsync; f++)
        stores[o->fsync_modes[f]] = open_store(o, dir, o->fsync_modes[f]);
    const char *backend = stores[o->fsync_modes[0]]->name;
    progress("%s ingest: store %s (%s), %" PRIu64 " MiB per run, %u repetitions, B = %u, "
             "seed %" PRIu64, PROG, dir, backend, o->bytes_per_run / MIB, o->repeat,
             o->batch, o->seed);

    char *load_start = read_loadavg();
    if (o->warmup) {
        /* Blocks a virtual disk has never written can be much slower than
         * blocks written before: write (and free) the run's footprint once,
         * untimed, so that the first measurement is not the only one to
         * pay for it. */
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/warmup.bin", dir);
        res->warmup_bytes = o->bytes_per_run * (o->nsizes * o->nfsync + 1);
        res->warmup = raw_write(&pl, path, res->warmup_bytes, 1);
        unlink(path);
        progress("warm-up: wrote %" PRIu64 " MiB with fsync at %.1f MB/s",
                 res->warmup_bytes / MIB, res->warmup.mb_per_s);
    }
    for (unsigned rep = 0; rep < o->repeat; rep++)
        run_rep(o, &pl, dir, stores, rep, res);
    char *load_end = read_loadavg();
    for (int f = 0; f < 2; f++)
        ls_store_close(stores[f]);

    /* The result. */
    json_t *root = json_object();
    jset(root, "benchmark", json_string("ingest"));
    jset(root, "schema_version", jint(1));
    git_json(root);
    json_t *machine = machine_json(dir);
    jset(machine, "loadavg_start", load_start ? json_string(load_start) : json_null());
    jset(machine, "loadavg_end", load_end ? json_string(load_end) : json_null());
    free(load_start);
    free(load_end);
    jset(root, "machine", machine);
    jset(root, "build", build_json());
    char ts[64];
    time_t now = time(NULL);
    struct tm tm;
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    jset(root, "timestamp", json_string(ts));
    jset(root, "seed", jint(o->seed));
    jset(root, "params", params_json(o, dir, backend, argc, argv, calibp));

    unsigned R = o->repeat;
    json_t *raw = json_object();
    jset(raw, "bytes", jint(o->bytes_per_run));
    jset(raw, "block_bytes", jint(RAW_BLOCK_BYTES));
    for (int fs = 1; fs >= 0; fs--) {
        int f = fsync_index(o, fs);
        if (f < 0)
            continue;
        raw_run all[REPEAT_MAX * SIZES_MAX];
        size_t pair[REPEAT_MAX * SIZES_MAX];
        unsigned n = 0;
        for (unsigned k = 0; k < R; k++)
            for (size_t i = 0; i < o->nsizes; i++) {
                pair[n] = o->sizes[i];
                all[n++] = res->raw_w[i][f][k];
            }
        jset(raw, fs ? "write_fsync" : "write_no_fsync", raw_json(all, pair, n, 0));
    }
    jset(raw, "read", raw_json(res->raw_r, NULL, R, 1));
    if (o->warmup) {
        json_t *w = json_object();
        jset(w, "bytes", jint(res->warmup_bytes));
        jset(w, "seconds", jreal(res->warmup.seconds));
        jset(w, "mb_per_s", jreal(res->warmup.mb_per_s));
        jset(raw, "warmup", w);
    } else {
        jset(raw, "warmup", json_null());
    }
    double raw_read_mb[REPEAT_MAX];
    for (unsigned k = 0; k < R; k++)
        raw_read_mb[k] = res->raw_r[k].mb_per_s;
    jset(root, "raw", raw);

    json_t *ing = json_array();
    for (size_t i = 0; i < o->nsizes; i++)
        for (size_t f = 0; f < o->nfsync; f++)
            json_array_append_new(ing, ingest_json(o, res, i, f));
    jset(root, "ingest", ing);
    json_t *rd = json_array();
    for (size_t i = 0; i < o->nsizes && o->do_read; i++)
        json_array_append_new(rd, read_json(o, res, i, median(raw_read_mb, R)));
    jset(root, "read", rd);

    /* Targets, on the durable (fsync on) configuration. */
    json_t *targets = json_object();
    int i256 = size_index(o, TARGET_SAMPLE_256K), i4 = size_index(o, TARGET_SAMPLE_4K);
    int fon = fsync_index(o, 1);
    double m256 = 0, m4 = 0;
    if (i256 >= 0 && fon >= 0) {
        double ratio[REPEAT_MAX];
        for (unsigned k = 0; k < R; k++)
            ratio[k] = res->ing[i256][fon][k].mb_per_s / res->raw_w[i256][fon][k].mb_per_s;
        m256 = median(ratio, R);
    }
    if (i4 >= 0 && fon >= 0) {
        double ov[REPEAT_MAX];
        for (unsigned k = 0; k < R; k++)
            ov[k] = res->ing[i4][fon][k].commit_overhead;
        m4 = median(ov, R);
    }
    jset(targets, "ingest_vs_raw_256k",
         target_json(TARGET_INGEST_VS_RAW, i256 >= 0 && fon >= 0, m256, 1,
                     "median over repetitions of ingest MB/s (256 KiB samples, fsync on) / "
                     "MB/s of the raw write with fsync at end taken just before it"));
    jset(targets, "commit_overhead_4k",
         target_json(TARGET_COMMIT_OVERHEAD, i4 >= 0 && fon >= 0, m4, 0,
                     "median over repetitions of commit_ns_total / ingest time (4 KiB "
                     "samples, fsync on, B = global_batch)"));
    jset(root, "targets", targets);

    char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    if (!text)
        die("result", "cannot serialise the JSON");
    puts(text);
    fflush(stdout);
    if (o->out)
        write_out(o->out, text);
    if (i256 >= 0 && fon >= 0)
        progress("target ingest/raw at 256 KiB (fsync on): %.3f (>= %.2f: %s)", m256,
                 TARGET_INGEST_VS_RAW, m256 >= TARGET_INGEST_VS_RAW ? "met" : "NOT met");
    if (i4 >= 0 && fon >= 0)
        progress("target commit overhead at 4 KiB (fsync on): %.3f (<= %.2f: %s)", m4,
                 TARGET_COMMIT_OVERHEAD, m4 <= TARGET_COMMIT_OVERHEAD ? "met" : "NOT met");
    free(text);
    json_decref(root);
    free(res);
    free(pl.data);
    if (!o->keep)
        rm_rf(dir);
    else
        progress("kept the store directory %s", dir);
    g_workdir = NULL;
    free(dir);
    return 0;
}

/* ---- the recovery benchmark ---------------------------------------------
 *
 * `recovery` measures, on one posix store with store.fsync on, how long the
 * participants take to get going again after a restart, and the sizes of
 * what a restart reads:
 *  1. producer restart: a child process ingests an Avro dataset (ls_source_*
 *     and ls_producer_append_at, like `lakestream ingest`) and is SIGKILLed
 *     once a commit past a chosen point of the dataset is in; the restart
 *     is ls_producer_open (table load and epoch bump), ls_source_open at the
 *     committed position (seek) and the next samples appended and flushed
 *     (first new commit).  ls_source_open alone is also timed at positions
 *     spread over the dataset;
 *  2. reader restart: ls_consumer_open and ls_consumer_read_step of a
 *     registered checkpoint's step, on a table of many steps, one of many
 *     commits and one whose head lies K - 1 versions past its snapshot (the
 *     worst case of a load), with and without snapshots, at several world
 *     sizes;
 *  3. sizes: commit records against their sample count, snapshots against
 *     the retained commits and the producers, checkpoint records against the
 *     table and the world size, all by HEAD of the objects in the store. */

#define RECOVERY_TARGET_MS 1000.0
#define WORLDS_MAX 8
#define CRASH_POINTS 2
#define NREADER_TABLES 3
#define SEEK_POINTS 6
#define DATASET_FIELD "sample"
#define DATASET_PREFIX "part"
#define DATASET_SALT 0x4441544153455431ull
#define READER_SALT 0x5245414445525331ull
#define CKPT_NAME "ckpt"
#define CKPT_BACK 8          /* the checkpoint lies this many steps before the last one */
#define BUILD_INTERVAL_MS "3600000"   /* table builders commit on flush only (fixed) */
#define RECORD_COUNTS_N 6
#define PRODUCER_COUNTS_N 4
#define AVRO_RECORD_OVERHEAD 32u

static const double crash_fraction[CRASH_POINTS] = { 0.1, 0.9 };
static const char *const crash_label[CRASH_POINTS] = { "early", "late" };
static const uint64_t record_counts[RECORD_COUNTS_N] = { 1, 16, 256, 4096, 16384, 65536 };
static const uint64_t producer_counts[PRODUCER_COUNTS_N] = { 1, 10, 100, 1000 };

typedef struct ropts {
    const char *store_parent, *out;
    uint64_t    seed;
    unsigned    repeat;
    uint64_t    files, records, block_records, min_bytes, max_bytes;  /* the dataset */
    uint64_t    restart_samples;     /* appended after a restart before the flush */
    uint64_t    crash_interval_ms;   /* the crashing child's commit interval */
    uint64_t    crash_commit_bytes;  /* and its commit byte ceiling */
    uint32_t    batch;               /* reader tables */
    uint64_t    sample_bytes, steps, steps_per_commit, commits;
    uint32_t    worlds[WORLDS_MAX];
    size_t      nworlds;
    uint64_t    max_producers;
    int         drop_caches, keep, read_timeout_ms;
    ls_conf    *conf;                /* --conf overrides; store.fsync is on */
    json_t     *conf_overrides;
} ropts;

static ls_conf *conf_with(const ls_conf *base, const char *name, const char *value)
{
    ls_conf *c = ls_conf_dup(base);
    if (!c)
        die("conf", "out of memory");
    int rc = ls_conf_set(c, name, value);
    if (rc)
        die_ls(rc, name);
    return c;
}

/* The table builders' conf: commits on flush only, which needs the fixed
 * policy (DAC would cap the interval at producer.dac.interval.ms.max). */
static ls_conf *builder_conf(const ls_conf *base)
{
    ls_conf *c = conf_with(base, "producer.commit.policy", "fixed");
    int rc = ls_conf_set(c, "producer.commit.interval.ms", BUILD_INTERVAL_MS);
    if (rc)
        die_ls(rc, "producer.commit.interval.ms");
    return c;
}

/* Size of a store object (the key as docs/protocol.md names it). */
static uint64_t head_size(ls_store *st, const char *key)
{
    uint64_t size;
    int rc = ls_store_head(st, key, &size);
    if (rc)
        die_ls(rc, key);
    return size;
}

static void log_key(char *buf, size_t cap, const char *table, uint64_t v, int snapshot)
{
    snprintf(buf, cap, "%s/_log/%020" PRIu64 "%s", table, v, snapshot ? ".snapshot" : "");
}

static ls_table_info table_info(ls_store *st, const char *table, const ls_conf *conf)
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

static json_t *table_info_json(const ls_table_info *in)
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

/* ---- the dataset (Avro object container files, as lakestream-datagen) --- */

/* Record r of file f: the readable tag "part/<f>/<r>:" (so the sample a
 * restarted producer reads first can be checked), then random filler of
 * (seed, f, r); length uniform in [min_bytes, max_bytes]. */
static size_t dataset_sample(const ropts *o, uint64_t f, uint64_t r, uint8_t *buf, size_t cap)
{
    uint64_t st = o->seed ^ DATASET_SALT;
    st ^= splitmix64(&st) ^ f;
    st ^= splitmix64(&st) ^ r;
    uint64_t span = o->max_bytes - o->min_bytes + 1;
    size_t len = (size_t)(o->min_bytes + splitmix64(&st) % span);
    int tag = snprintf((char *)buf, cap, DATASET_PREFIX "/%" PRIu64 "/%" PRIu64 ":", f, r);
    if (len < (size_t)tag)
        len = (size_t)tag;
    for (size_t i = (size_t)tag; i < len; i += 8) {
        uint64_t x = splitmix64(&st);
        memcpy(buf + i, &x, len - i < 8 ? len - i : 8);
    }
    return len;
}

/* Global index (f * records + r) of a dataset sample, from its tag. */
static int sample_id(const ropts *o, const void *data, size_t len, uint64_t *id)
{
    char tag[64];
    size_t n = len < sizeof(tag) - 1 ? len : sizeof(tag) - 1;
    memcpy(tag, data, n);
    tag[n] = '\0';
    uint64_t f, r;
    if (sscanf(tag, DATASET_PREFIX "/%" SCNu64 "/%" SCNu64 ":", &f, &r) != 2)
        return -1;
    *id = f * o->records + r;
    return 0;
}

/* Write the dataset with avro-c's file writer (codec null, a block every
 * block_records records); returns its size in bytes. */
static uint64_t write_dataset(const ropts *o, const char *dir)
{
    if (mkdir(dir, 0777) != 0)
        die(dir, "mkdir: %s", strerror(errno));
    static const char schema_json[] =
        "{\"type\":\"record\",\"name\":\"Sample\",\"namespace\":\"lakestream.bench\","
        "\"fields\":[{\"name\":\"id\",\"type\":\"long\"},"
        "{\"name\":\"" DATASET_FIELD "\",\"type\":\"bytes\"}]}";
    avro_schema_t schema;
    if (avro_schema_from_json_length(schema_json, strlen(schema_json), &schema))
        die("dataset schema", "%s", avro_strerror());
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    if (!iface)
        die("dataset schema", "%s", avro_strerror());
    size_t cap = (size_t)o->max_bytes + 64;
    uint8_t *buf = malloc(cap);
    if (!buf)
        die("dataset", "out of memory");
    size_t block_bytes = (size_t)(o->block_records * (o->max_bytes + AVRO_RECORD_OVERHEAD));
    if (block_bytes > LS_SOURCE_BLOCK_BYTES_MAX / 2)
        block_bytes = LS_SOURCE_BLOCK_BYTES_MAX / 2;
    if (block_bytes < o->max_bytes + 1024)
        block_bytes = (size_t)o->max_bytes + 1024;
    uint64_t total = 0;
    for (uint64_t f = 0; f < o->files; f++) {
        char path[PATH_MAX], tmp[PATH_MAX];
        snprintf(path, sizeof(path), "%s/" DATASET_PREFIX "-%05" PRIu64 ".avro", dir, f);
        snprintf(tmp, sizeof(tmp), "%s/." DATASET_PREFIX "-%05" PRIu64 ".avro.tmp", dir, f);
        avro_file_writer_t w;
        if (avro_file_writer_create_with_codec(tmp, schema, &w, "null", block_bytes))
            die(tmp, "%s", avro_strerror());
        avro_value_t rec, fv;
        if (avro_generic_value_new(iface, &rec))
            die(tmp, "cannot allocate an Avro value");
        for (uint64_t r = 0; r < o->records; r++) {
            size_t len = dataset_sample(o, f, r, buf, cap);
            if (avro_value_get_by_index(&rec, 0, &fv, NULL) ||
                avro_value_set_long(&fv, (int64_t)(f * o->records + r)) ||
                avro_value_get_by_index(&rec, 1, &fv, NULL) ||
                avro_value_set_bytes(&fv, buf, len) ||
                avro_file_writer_append_value(w, &rec) ||
                ((r + 1) % o->block_records == 0 && avro_file_writer_sync(w)))
                die(tmp, "%s", avro_strerror());
        }
        avro_value_decref(&rec);
        if (avro_file_writer_close(w))
            die(tmp, "%s", avro_strerror());
        if (rename(tmp, path) != 0)
            die(path, "rename: %s", strerror(errno));
        struct stat sb;
        if (stat(path, &sb) != 0)
            die(path, "stat: %s", strerror(errno));
        total += (uint64_t)sb.st_size;
        check_stop();
    }
    free(buf);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    return total;
}

/* A source position, decoded for the report (docs/formats.md, "Source
 * position"): "LSP1" | u16 name_len | name | u64 block | u64 offset | u64 record. */
static uint64_t le64(const uint8_t *p)
{
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = x << 8 | p[i];
    return x;
}

static json_t *position_json(const void *pos, size_t len)
{
    json_t *o = json_object();
    const uint8_t *p = pos;
    jset(o, "bytes", jint(len));
    if (len == 0) {
        jset(o, "file", json_null());
        return o;
    }
    size_t nl = len >= 6 ? (size_t)(p[4] | p[5] << 8) : 0;
    if (len < 6 || memcmp(p, "LSP1", 4) || len != 30 + nl) {
        jset(o, "file", json_string("(undecoded)"));
        return o;
    }
    jset(o, "file", json_stringn((const char *)p + 6, nl));
    jset(o, "block_index", jint(le64(p + 6 + nl)));
    jset(o, "block_offset", jint(le64(p + 14 + nl)));
    jset(o, "record_index", jint(le64(p + 22 + nl)));
    return o;
}

static json_t *source_stats_json(const ls_source_stats *s)
{
    json_t *o = json_object();
    jset(o, "files_opened", jint(s->files_opened));
    jset(o, "blocks_read", jint(s->blocks_read));
    jset(o, "blocks_skipped", jint(s->blocks_skipped));
    jset(o, "records_read", jint(s->records_read));
    jset(o, "records_skipped", jint(s->records_skipped));
    jset(o, "bytes_read", jint(s->bytes_read));
    return o;
}

/* ---- the crashing ingest child -------------------------------------------- */

/* `lakestream-bench __crash-child STORE TABLE DATASET FD [NAME=VALUE ...]`:
 * `lakestream ingest` of the dataset into TABLE, reporting {appended,
 * committed, at_end} (3 x u64) on FD at every commit and every 1024
 * samples.  At the end of the
 * dataset it flushes, reports and waits to be killed.  The parent kills it
 * with SIGKILL: nothing is flushed or closed. */
static int crash_child_main(int argc, char **argv)
{
    if (argc < 5)
        die("__crash-child", "internal: STORE TABLE DATASET FD expected");
    ls_conf *conf = ls_conf_new();
    if (!conf)
        die("crash child", "out of memory");
    int rc = ls_conf_set(conf, "store.fsync", "true");
    for (int i = 5; i < argc && !rc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq)
            die("crash child", "internal: bad property \"%s\"", argv[i]);
        *eq = '\0';
        rc = ls_conf_set(conf, argv[i], eq + 1);
    }
    if (rc)
        die_ls(rc, "crash child: conf");
    int fd = atoi(argv[4]);
    ls_store *st;
    ls_producer *p;
    ls_source *src;
    if ((rc = ls_store_open(argv[1], conf, &st)))
        die_ls(rc, "crash child: store");
    if ((rc = ls_producer_open(st, argv[2], PRODUCER_ID, conf, &p)))
        die_ls(rc, "crash child: producer");
    size_t plen;
    const void *pos = ls_producer_source_position(p, &plen);
    if ((rc = ls_source_open(argv[3], DATASET_FIELD, plen ? pos : NULL, plen, &src)))
        die_ls(rc, "crash child: source");
    ls_producer_stats ps;
    uint64_t committed = 0;
    for (uint64_t n = 0;;) {
        const void *data;
        size_t len;
        int eof;
        if ((rc = ls_source_next(src, &data, &len, &eof)))
            die_ls(rc, "crash child: source");
        if (eof) {
            if ((rc = ls_producer_flush(p)))
                die_ls(rc, "crash child: flush");
            ls_producer_stats_get(p, &ps);
            uint64_t msg[3] = { n, ps.samples_committed, 1 };
            if (write_all(fd, (const uint8_t *)msg, sizeof(msg)) != 0)
                _exit(1);
            for (;;)
                pause();
        }
        size_t pl;
        const void *np = ls_source_position(src, &pl);
        if ((rc = ls_producer_append_at(p, data, len, NULL, np, pl)))
            die_ls(rc, "crash child: append");
        ls_producer_stats_get(p, &ps);
        if ((++n & 1023) == 0 || ps.samples_committed != committed) {
            committed = ps.samples_committed;
            uint64_t msg[3] = { n, committed, 0 };
            if (write_all(fd, (const uint8_t *)msg, sizeof(msg)) != 0)
                _exit(1);   /* the parent is gone */
        }
    }
}

/* ---- 1. producer restart ---------------------------------------------------- */

typedef struct crash_run {
    /* the crash */
    uint64_t target;                 /* kill once this many samples are committed */
    uint64_t appended_reported, committed_reported;
    int      child_at_end, killed;
    double   child_seconds;
    ls_table_info before;            /* the table as the restart finds it */
    uint64_t epoch_before;
    /* the restart */
    int      cold_cache;
    double   open_ms, seek_ms, first_commit_ms, total_ms;
    uint64_t resumed_at;             /* committed samples = first record read again */
    uint64_t first_id;               /* the dataset index of the first sample read */
    uint8_t  pos[LS_SOURCE_POSITION_BYTES_MAX];
    size_t   pos_len;
    ls_source_stats sst;
    ls_producer_stats pst;
    ls_table_info after;
} crash_run;

static void crash_child_run(const ropts *o, const char *store_dir, const char *table,
                            const char *dataset, crash_run *r)
{
    int pfd[2];
    if (pipe(pfd) != 0)
        die("crash child", "pipe: %s", strerror(errno));
    char fdarg[16], policy[] = "producer.commit.policy=fixed", interval[64], cbytes[64];
    snprintf(fdarg, sizeof(fdarg), "%d", pfd[1]);
    snprintf(interval, sizeof(interval), "producer.commit.interval.ms=%" PRIu64,
             o->crash_interval_ms);
    snprintf(cbytes, sizeof(cbytes), "producer.commit.bytes.max=%" PRIu64,
             o->crash_commit_bytes);
    size_t nconf = json_object_size(o->conf_overrides), na = 0;
    char **args = calloc(10 + nconf, sizeof(char *));
    if (!args)
        die("crash child", "out of memory");
    args[na++] = (char *)PROG;
    args[na++] = (char *)"__crash-child";
    args[na++] = (char *)store_dir;
    args[na++] = (char *)table;
    args[na++] = (char *)dataset;
    args[na++] = fdarg;
    const char *k;
    json_t *v;
    size_t first_conf = na;
    json_object_foreach(o->conf_overrides, k, v) {
        if (!strcmp(k, "producer.commit.policy") || !strcmp(k, "producer.commit.interval.ms") ||
            !strcmp(k, "producer.commit.bytes.max"))
            continue;
        size_t n = strlen(k) + strlen(json_string_value(v)) + 2;
        if (!(args[na] = malloc(n)))
            die("crash child", "out of memory");
        snprintf(args[na++], n, "%s=%s", k, json_string_value(v));
    }
    size_t last_conf = na;
    args[na++] = policy;
    args[na++] = interval;
    args[na++] = cbytes;
    args[na] = NULL;

    uint64_t t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0)
        die("crash child", "fork: %s", strerror(errno));
    if (pid == 0) {
        close(pfd[0]);
        execv("/proc/self/exe", args);
        fprintf(stderr, "%s: crash child: exec /proc/self/exe: %s\n", PROG, strerror(errno));
        _exit(127);
    }
    g_child = pid;
    close(pfd[1]);
    for (size_t i = first_conf; i < last_conf; i++)
        free(args[i]);
    free(args);

    uint64_t msg[3] = { 0, 0, 0 }, buf[3 * 128];
    size_t have = 0;   /* bytes in buf */
    for (;;) {
        /* Everything the child has reported so far, so that the newest
         * report decides (not a backlog). */
        ssize_t n = read(pfd[0], (uint8_t *)buf + have, sizeof(buf) - have);
        if (n < 0 && errno == EINTR) {
            check_stop();
            continue;
        }
        if (n > 0) {
            have += (size_t)n;
            size_t whole = have / sizeof(msg) * sizeof(msg);
            if (whole) {
                memcpy(msg, (uint8_t *)buf + whole - sizeof(msg), sizeof(msg));
                memmove(buf, (uint8_t *)buf + whole, have - whole);
                have -= whole;
            }
        } else {
            check_stop();
            int status = 0;
            waitpid(pid, &status, 0);
            g_child = -1;
            die("crash child", "stopped before the crash point (%s %d)",
                WIFSIGNALED(status) ? "signal" : "exit status",
                WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        }
        if (msg[1] >= r->target || msg[2])
            break;
        check_stop();
    }
    /* The crash: mid-ingest, with whatever is buffered, being written or
     * being committed at this instant. */
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    g_child = -1;
    close(pfd[0]);
    r->child_seconds = (double)(now_ns() - t0) / 1e9;
    r->appended_reported = msg[0];
    r->committed_reported = msg[1];
    r->child_at_end = (int)msg[2];
    r->killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    if (r->child_at_end)
        die("crash child", "ingested the whole dataset before %" PRIu64 " samples were "
            "committed: use a larger dataset (--files, --records)", r->target);
}

static void producer_restart(const ropts *o, ls_store *st, const char *table,
                             const char *dataset, crash_run *r)
{
    char what[256];
    snprintf(what, sizeof(what), "restart producer of table %s", table);
    {
        ls_table *t;
        ls_producer_info pi;
        int rc = ls_table_open(st, table, o->conf, &t);
        if (rc || (rc = ls_table_info_get(t, &r->before)) ||
            (rc = ls_table_producer_get(t, 0, &pi)))
            die_ls(rc, what);
        r->epoch_before = pi.epoch;
        ls_table_close(t);
    }
    r->cold_cache = o->drop_caches ? drop_page_cache() : 0;

    uint64_t t0 = now_ns();
    ls_producer *p;
    int rc = ls_producer_open(st, table, PRODUCER_ID, o->conf, &p);
    if (rc)
        die_ls(rc, what);
    uint64_t t1 = now_ns();
    size_t plen;
    const void *pos = ls_producer_source_position(p, &plen);
    ls_source *src;
    if ((rc = ls_source_open(dataset, DATASET_FIELD, plen ? pos : NULL, plen, &src)))
        die_ls(rc, what);
    uint64_t t2 = now_ns();
    r->pos_len = plen;
    if (plen)
        memcpy(r->pos, pos, plen);   /* a few bytes */
    for (uint64_t i = 0; i < o->restart_samples; i++) {
        const void *data;
        size_t len;
        int eof;
        if ((rc = ls_source_next(src, &data, &len, &eof)))
            die_ls(rc, what);
        if (eof)
            die(what, "the dataset ended %" PRIu64 " samples after the restart", i);
        if (i == 0 && sample_id(o, data, len, &r->first_id))
            die(what, "the first sample read has no dataset tag");
        size_t pl;
        const void *np = ls_source_position(src, &pl);
        if ((rc = ls_producer_append_at(p, data, len, NULL, np, pl)))
            die_ls(rc, what);
    }
    if ((rc = ls_producer_flush(p)))
        die_ls(rc, what);
    uint64_t t3 = now_ns();
    ls_source_stats_get(src, &r->sst);
    ls_producer_stats_get(p, &r->pst);
    ls_source_close(src);
    ls_producer_close(p);

    r->open_ms = (double)(t1 - t0) / 1e6;
    r->seek_ms = (double)(t2 - t1) / 1e6;
    r->first_commit_ms = (double)(t3 - t2) / 1e6;
    r->total_ms = (double)(t3 - t0) / 1e6;
    /* Exactly once: the first sample read again is the first one the
     * crashed incarnation had not committed. */
    r->after = table_info(st, table, o->conf);
    r->resumed_at = r->before.total_samples;
    if (r->after.total_samples != r->before.total_samples + o->restart_samples)
        die(what, "%" PRIu64 " samples in the table after the restart, expected %" PRIu64,
            r->after.total_samples, r->before.total_samples + o->restart_samples);
    if (r->first_id != r->resumed_at)
        die(what, "resumed at dataset sample %" PRIu64 ", but %" PRIu64 " were committed",
            r->first_id, r->resumed_at);
    if (r->after.version != r->before.version + 2)
        die(what, "version %" PRIu64 " after the restart, expected %" PRIu64
            " (epoch bump and one data commit)", r->after.version, r->before.version + 2);
}

/* ---- source seek at positions over the dataset ------------------------------ */

typedef struct seek_point {
    uint64_t index;                  /* samples before the position */
    uint8_t  pos[LS_SOURCE_POSITION_BYTES_MAX];
    size_t   len;
} seek_point;

typedef struct seek_run {
    int      cold_cache;
    double   open_ms, next_ms;
    ls_source_stats sst;
} seek_run;

/* Read the dataset once from its start, keeping the positions after
 * points[i].index samples. */
static void find_positions(const char *dataset, seek_point *pts, size_t n)
{
    ls_source *src;
    int rc = ls_source_open(dataset, DATASET_FIELD, NULL, 0, &src);
    if (rc)
        die_ls(rc, "scan the dataset");
    size_t next = 0;
    for (uint64_t k = 1; next < n; k++) {
        const void *data;
        size_t len, pl;
        int eof;
        if ((rc = ls_source_next(src, &data, &len, &eof)))
            die_ls(rc, "scan the dataset");
        if (eof)
            die("scan the dataset", "ended after %" PRIu64 " samples", k - 1);
        while (next < n && pts[next].index == k) {
            const void *p = ls_source_position(src, &pl);
            memcpy(pts[next].pos, p, pl);
            pts[next++].len = pl;
        }
        if ((k & 4095) == 0)
            check_stop();
    }
    ls_source_close(src);
}

static seek_run seek_once(const ropts *o, const char *dataset, const seek_point *pt)
{
    seek_run r = { .cold_cache = o->drop_caches ? drop_page_cache() : 0 };
    uint64_t t0 = now_ns();
    ls_source *src;
    int rc = ls_source_open(dataset, DATASET_FIELD, pt->pos, pt->len, &src);
    if (rc)
        die_ls(rc, "seek in the dataset");
    uint64_t t1 = now_ns();
    const void *data;
    size_t len;
    int eof;
    if ((rc = ls_source_next(src, &data, &len, &eof)))
        die_ls(rc, "seek in the dataset");
    uint64_t t2 = now_ns();
    uint64_t id;
    if (eof || sample_id(o, data, len, &id) || id != pt->index)
        die("seek in the dataset", "the position after %" PRIu64 " samples gave another sample",
            pt->index);
    ls_source_stats_get(src, &r.sst);
    ls_source_close(src);
    r.open_ms = (double)(t1 - t0) / 1e6;
    r.next_ms = (double)(t2 - t1) / 1e6;
    return r;
}

/* ---- 2. reader restart ------------------------------------------------------ */

typedef struct reader_table {
    const char *name, *kind;
    uint64_t steps, steps_per_commit, ckpt_step;
    double   build_seconds;
    ls_table_info info;              /* after the checkpoint was registered */
    uint64_t ckpt_version, ckpt_record_bytes;
} reader_table;

typedef struct reader_run {
    int      cold_cache;
    double   open_ms, first_step_ms, total_ms;
    ls_read_stats st;
} reader_run;

/* One producer writes `steps` steps of B samples of sample_bytes, one
 * commit per steps_per_commit steps; then checkpoint CKPT_NAME is
 * registered CKPT_BACK steps before the end. */
static void build_reader_table(const ropts *o, const pool *pl, ls_store *st, reader_table *rt)
{
    char what[256];
    snprintf(what, sizeof(what), "build table %s", rt->name);
    uint64_t t0 = now_ns();
    int rc = ls_table_create(st, rt->name, o->batch, LS_CODEC_NONE);
    if (rc)
        die_ls(rc, what);
    ls_conf *bconf = builder_conf(o->conf);
    ls_producer *p;
    if ((rc = ls_producer_open(st, rt->name, PRODUCER_ID, bconf, &p)))
        die_ls(rc, what);
    for (uint64_t s = 0; s < rt->steps; s++) {
        for (uint64_t j = 0; j < o->batch; j++) {
            uint64_t i = s * o->batch + j;
            if ((rc = ls_producer_append(p, pool_cut(pl, READER_SALT, i),
                                         (size_t)o->sample_bytes, NULL)))
                die_ls(rc, what);
        }
        if ((s + 1) % rt->steps_per_commit == 0 || s + 1 == rt->steps)
            if ((rc = ls_producer_flush(p)))
                die_ls(rc, what);
        if ((s & 63) == 0)
            check_stop();
    }
    ls_producer_close(p);
    ls_conf_destroy(bconf);
    rt->ckpt_step = rt->steps - CKPT_BACK;
    if ((rc = ls_checkpoint_register(st, rt->name, CKPT_NAME, rt->ckpt_step, o->conf)))
        die_ls(rc, what);
    rt->build_seconds = (double)(now_ns() - t0) / 1e9;
    rt->info = table_info(st, rt->name, o->conf);
    char key[LS_KEY_BYTES_MAX + 1];
    rt->ckpt_version = rt->info.version;
    log_key(key, sizeof(key), rt->name, rt->ckpt_version, 0);
    rt->ckpt_record_bytes = head_size(st, key);
}

/* What a restarted trainer rank does: open a consumer and read the step
 * its model checkpoint resumes from.  The batch is checked against the
 * samples appended. */
static reader_run reader_once(const ropts *o, const pool *pl, ls_store *st,
                              const reader_table *rt, uint32_t world, int use_snapshots,
                              int cold)
{
    char what[256];
    snprintf(what, sizeof(what), "restart reader of table %s (W = %u, snapshots %s)",
             rt->name, world, use_snapshots ? "on" : "off");
    ls_conf *conf = conf_with(o->conf, "table.use.snapshots", use_snapshots ? "true" : "false");
    reader_run r = { .cold_cache = cold && o->drop_caches ? drop_page_cache() : 0 };
    uint64_t t0 = now_ns();
    ls_consumer *c;
    int rc = ls_consumer_open(st, rt->name, 0, world, conf, &c);
    if (rc)
        die_ls(rc, what);
    uint64_t t1 = now_ns();
    ls_batch *b;
    if ((rc = ls_consumer_read_step(c, rt->ckpt_step, o->read_timeout_ms, &b)))
        die_ls(rc, what);
    uint64_t t2 = now_ns();
    ls_consumer_stats_get(c, &r.st);
    size_t want = o->batch / world, sz = (size_t)o->sample_bytes;
    if (b->count != want || b->first_sample != rt->ckpt_step * o->batch)
        die(what, "%zu samples from %" PRIu64 ", expected %zu from %" PRIu64, b->count,
            b->first_sample, want, rt->ckpt_step * o->batch);
    for (size_t j = 0; j < b->count; j++)
        if (b->lens[j] != sz ||
            memcmp(b->samples[j], pool_cut(pl, READER_SALT, b->first_sample + j), sz))
            die(what, "sample %" PRIu64 " differs from the one appended", b->first_sample + j);
    ls_batch_destroy(b);
    ls_consumer_close(c);
    ls_conf_destroy(conf);
    r.open_ms = (double)(t1 - t0) / 1e6;
    r.first_step_ms = (double)(t2 - t1) / 1e6;
    r.total_ms = (double)(t2 - t0) / 1e6;
    return r;
}

/* ---- 3. sizes ------------------------------------------------------------------ */

/* Commit records of n samples of sample_bytes each, one producer, each
 * carrying a source position of pos_len bytes. */
static json_t *record_sizes(const ropts *o, const pool *pl, ls_store *st, const void *pos,
                            size_t pos_len, double *per_sample)
{
    const char *table = "sizes-records";
    int rc = ls_table_create(st, table, 1, LS_CODEC_NONE);
    if (rc)
        die_ls(rc, table);
    ls_conf *bconf = builder_conf(o->conf);
    ls_producer *p;
    ls_table *t;
    if ((rc = ls_producer_open(st, table, PRODUCER_ID, bconf, &p)) ||
        (rc = ls_table_open(st, table, o->conf, &t)))
        die_ls(rc, table);
    json_t *arr = json_array();
    char key[LS_KEY_BYTES_MAX + 1];
    uint64_t done = 0, prev_chunks = 0, b0 = 0, b1 = 0, n0 = 0, n1 = 0;
    for (size_t k = 0; k < RECORD_COUNTS_N; k++) {
        uint64_t n = record_counts[k];
        for (uint64_t i = 0; i < n; i++)
            if ((rc = ls_producer_append(p, pool_cut(pl, READER_SALT, done + i),
                                         (size_t)o->sample_bytes, NULL)))
                die_ls(rc, table);
        if ((rc = ls_producer_set_source_position(p, pos, pos_len)) ||
            (rc = ls_producer_flush(p)) || (rc = ls_table_refresh(t)))
            die_ls(rc, table);
        done += n;
        ls_producer_info pi;
        ls_producer_stats ps;
        if ((rc = ls_table_producer_get(t, 0, &pi)))
            die_ls(rc, table);
        ls_producer_stats_get(p, &ps);
        log_key(key, sizeof(key), table, pi.last_version, 0);
        uint64_t bytes = head_size(st, key);
        json_t *e = json_object();
        jset(e, "version", jint(pi.last_version));
        jset(e, "samples", jint(n));
        jset(e, "chunks", jint(ps.chunks_written - prev_chunks));
        jset(e, "source_position_bytes", jint(pos_len));
        jset(e, "bytes", jint(bytes));
        jset(e, "bytes_per_sample", jreal((double)bytes / (double)n));
        json_array_append_new(arr, e);
        prev_chunks = ps.chunks_written;
        if (k == 0)
            b0 = bytes, n0 = n;
        b1 = bytes, n1 = n;
    }
    ls_table_close(t);
    ls_producer_close(p);
    ls_conf_destroy(bconf);
    *per_sample = (double)(b1 - b0) / (double)(n1 - n0);
    return arr;
}

/* A table whose P producers each commit an epoch bump (with_data 0) or an
 * epoch bump and one sample with a source position (with_data 1); then a
 * GC writes the snapshot of its head, which is measured. */
static uint64_t producers_snapshot(const ropts *o, const pool *pl, ls_store *st, uint64_t P,
                                   int with_data, const void *pos, size_t pos_len,
                                   ls_table_info *info)
{
    char table[64], what[128];
    snprintf(table, sizeof(table), "sizes-producers-%" PRIu64 "-%s", P,
             with_data ? "data" : "bump");
    snprintf(what, sizeof(what), "build table %s", table);
    int rc = ls_table_create(st, table, 1, LS_CODEC_NONE);
    if (rc)
        die_ls(rc, what);
    for (uint64_t i = 0; i < P; i++) {
        char id[64];
        snprintf(id, sizeof(id), "producer-%06" PRIu64, i);   /* 15 bytes each */
        ls_producer *p;
        if ((rc = ls_producer_open(st, table, id, o->conf, &p)))
            die_ls(rc, what);
        if (with_data &&
            ((rc = ls_producer_append(p, pool_cut(pl, READER_SALT, i), (size_t)o->sample_bytes,
                                      NULL)) ||
             (rc = ls_producer_set_source_position(p, pos, pos_len)) ||
             (rc = ls_producer_flush(p))))
            die_ls(rc, what);
        ls_producer_close(p);
        if ((i & 15) == 0)
            check_stop();
    }
    ls_gc_report gr;
    if ((rc = ls_table_gc(st, table, 0, o->conf, &gr)))
        die_ls(rc, what);
    *info = table_info(st, table, o->conf);
    if (info->snapshot_version != info->version || info->producers != P)
        die(what, "snapshot at version %" PRIu64 " of %" PRIu64 ", %zu producers",
            info->snapshot_version, info->version, info->producers);
    char key[LS_KEY_BYTES_MAX + 1];
    log_key(key, sizeof(key), table, info->snapshot_version, 1);
    return head_size(st, key);
}

/* Register checkpoint `name` at `step` and return the size of the record
 * it wrote (the table's newest version). */
static uint64_t checkpoint_record(const ropts *o, ls_store *st, const char *table,
                                  const char *name, uint64_t step, uint64_t *version)
{
    int rc = ls_checkpoint_register(st, table, name, step, o->conf);
    if (rc)
        die_ls(rc, table);
    ls_table_info in = table_info(st, table, o->conf);
    char key[LS_KEY_BYTES_MAX + 1];
    log_key(key, sizeof(key), table, in.version, 0);
    *version = in.version;
    return head_size(st, key);
}

/* ---- the JSON of a measured series ------------------------------------------- */

static json_t *ms_summary(json_t *e, const char *name, const double *v, unsigned n)
{
    char k[64];
    snprintf(k, sizeof(k), "%s_median", name);
    jset(e, k, jreal(median(v, n)));
    json_t *all = json_array();
    for (unsigned i = 0; i < n; i++)
        json_array_append_new(all, jreal(v[i]));
    snprintf(k, sizeof(k), "%s_all", name);
    jset(e, k, all);
    return e;
}

static json_t *crash_json(const ropts *o, unsigned point, const crash_run *v)
{
    unsigned R = o->repeat;
    double open[REPEAT_MAX], seek[REPEAT_MAX], first[REPEAT_MAX], total[REPEAT_MAX];
    json_t *e = json_object(), *runs = json_array();
    jset(e, "point", json_string(crash_label[point]));
    jset(e, "target_fraction", jreal(crash_fraction[point]));
    jset(e, "target_samples", jint(v[0].target));
    for (unsigned k = 0; k < R; k++) {
        const crash_run *r = &v[k];
        open[k] = r->open_ms;
        seek[k] = r->seek_ms;
        first[k] = r->first_commit_ms;
        total[k] = r->total_ms;
        json_t *j = json_object();
        jset(j, "rep", jint(k));
        jset(j, "killed_by_sigkill", json_boolean(r->killed));
        jset(j, "child_reached_end", json_boolean(r->child_at_end));
        jset(j, "child_seconds", jreal(r->child_seconds));
        jset(j, "appended_reported_at_kill", jint(r->appended_reported));
        jset(j, "committed_reported_at_kill", jint(r->committed_reported));
        json_t *b = table_info_json(&r->before);
        jset(b, "epoch", jint(r->epoch_before));
        jset(j, "table_before", b);
        jset(j, "resumed_at_sample", jint(r->resumed_at));
        jset(j, "position", position_json(r->pos, r->pos_len));
        jset(j, "cold_cache", json_boolean(r->cold_cache));
        jset(j, "open_ms", jreal(r->open_ms));
        jset(j, "seek_ms", jreal(r->seek_ms));
        jset(j, "first_commit_ms", jreal(r->first_commit_ms));
        jset(j, "total_ms", jreal(r->total_ms));
        jset(j, "first_commit_version", jint(r->after.version));
        jset(j, "source_stats", source_stats_json(&r->sst));
        jset(j, "producer_stats", producer_stats_json(&r->pst));
        json_array_append_new(runs, j);
    }
    ms_summary(e, "total_ms", total, R);
    ms_summary(e, "open_ms", open, R);
    ms_summary(e, "seek_ms", seek, R);
    ms_summary(e, "first_commit_ms", first, R);
    jset(e, "runs", runs);
    return e;
}

static json_t *seek_json(const ropts *o, const seek_point *pt, const seek_run *v)
{
    unsigned R = o->repeat;
    double open[REPEAT_MAX], next[REPEAT_MAX], total[REPEAT_MAX];
    json_t *e = json_object(), *runs = json_array();
    jset(e, "sample_index", jint(pt->index));
    jset(e, "file_index", jint(pt->index / o->records));
    jset(e, "record_in_file", jint(pt->index % o->records));
    jset(e, "position", position_json(pt->pos, pt->len));
    int cold = 1;
    for (unsigned k = 0; k < R; k++) {
        open[k] = v[k].open_ms;
        next[k] = v[k].next_ms;
        total[k] = v[k].open_ms + v[k].next_ms;
        cold &= v[k].cold_cache;
        json_t *j = json_object();
        jset(j, "rep", jint(k));
        jset(j, "cold_cache", json_boolean(v[k].cold_cache));
        jset(j, "open_ms", jreal(v[k].open_ms));
        jset(j, "first_next_ms", jreal(v[k].next_ms));
        jset(j, "stats", source_stats_json(&v[k].sst));
        json_array_append_new(runs, j);
    }
    jset(e, "cold_cache", json_boolean(cold));
    ms_summary(e, "open_ms", open, R);
    ms_summary(e, "first_next_ms", next, R);
    ms_summary(e, "total_ms", total, R);
    jset(e, "blocks_skipped", jint(v[0].sst.blocks_skipped));
    jset(e, "records_skipped", jint(v[0].sst.records_skipped));
    jset(e, "bytes_read", jint(v[0].sst.bytes_read));
    jset(e, "runs", runs);
    return e;
}

static json_t *reader_json(const ropts *o, const reader_table *rt, uint32_t world,
                           int use_snapshots, int cold, const reader_run *v)
{
    unsigned R = o->repeat;
    double open[REPEAT_MAX], first[REPEAT_MAX], total[REPEAT_MAX], meta[REPEAT_MAX],
           req[REPEAT_MAX];
    json_t *e = json_object(), *runs = json_array();
    jset(e, "table", json_string(rt->name));
    jset(e, "kind", json_string(rt->kind));
    jset(e, "use_snapshots", json_boolean(use_snapshots));
    jset(e, "world_size", jint(world));
    jset(e, "rank", jint(0));
    jset(e, "step", jint(rt->ckpt_step));
    jset(e, "cache", json_string(cold ? "cold" : "warm"));
    int all_cold = 1;
    for (unsigned k = 0; k < R; k++) {
        open[k] = v[k].open_ms;
        first[k] = v[k].first_step_ms;
        total[k] = v[k].total_ms;
        meta[k] = (double)v[k].st.meta_bytes_fetched;
        req[k] = (double)v[k].st.requests;
        all_cold &= v[k].cold_cache;
        json_t *j = json_object();
        jset(j, "rep", jint(k));
        jset(j, "cold_cache", json_boolean(v[k].cold_cache));
        jset(j, "open_ms", jreal(v[k].open_ms));
        jset(j, "first_step_ms", jreal(v[k].first_step_ms));
        jset(j, "total_ms", jreal(v[k].total_ms));
        jset(j, "stats", read_stats_json(&v[k].st));
        json_array_append_new(runs, j);
    }
    if (cold)
        jset(e, "cold_cache", json_boolean(all_cold));
    ms_summary(e, "total_ms", total, R);
    ms_summary(e, "open_ms", open, R);
    ms_summary(e, "first_step_ms", first, R);
    jset(e, "meta_bytes_fetched_median", jreal(median(meta, R)));
    jset(e, "requests_median", jreal(median(req, R)));
    jset(e, "runs", runs);
    return e;
}

static json_t *recovery_params_json(const ropts *o, const char *dir, const char *backend,
                                    int argc, char **argv, const seek_point *pts)
{
    json_t *p = json_object();
    jset(p, "command", command_json(argc, argv));
    jset(p, "backend", json_string(backend));
    jset(p, "store_dir", json_string(dir));
    jset(p, "fsync", json_true());
    jset(p, "repeat", jint(o->repeat));
    jset(p, "drop_caches", json_boolean(o->drop_caches));
    json_t *ds = json_object();
    jset(ds, "files", jint(o->files));
    jset(ds, "records_per_file", jint(o->records));
    jset(ds, "block_records", jint(o->block_records));
    jset(ds, "sample_bytes_min", jint(o->min_bytes));
    jset(ds, "sample_bytes_max", jint(o->max_bytes));
    jset(ds, "field", json_string(DATASET_FIELD));
    jset(ds, "codec", json_string("null"));
    jset(ds, "data", json_string("record r of file f: tag \"part/<f>/<r>:\" then splitmix64 "
                                 "filler of (seed, f, r), length uniform in [min, max]"));
    jset(p, "dataset", ds);
    json_t *pr = json_object();
    jset(pr, "producer_id", json_string(PRODUCER_ID));
    jset(pr, "restart_samples", jint(o->restart_samples));
    jset(pr, "crash_commit_policy", json_string("fixed"));
    jset(pr, "crash_commit_interval_ms", jint(o->crash_interval_ms));
    jset(pr, "crash_commit_bytes_max", jint(o->crash_commit_bytes));
    json_t *fr = json_array();
    for (unsigned i = 0; i < CRASH_POINTS; i++)
        json_array_append_new(fr, jreal(crash_fraction[i]));
    jset(pr, "crash_fractions", fr);
    json_t *sp = json_array();
    for (unsigned i = 0; i < SEEK_POINTS; i++)
        json_array_append_new(sp, jint(pts[i].index));
    jset(pr, "seek_sample_indexes", sp);
    jset(p, "producer", pr);
    json_t *rd = json_object();
    jset(rd, "global_batch", jint(o->batch));
    jset(rd, "sample_bytes", jint(o->sample_bytes));
    jset(rd, "steps_table_steps", jint(o->steps));
    jset(rd, "steps_table_steps_per_commit", jint(o->steps_per_commit));
    jset(rd, "commits_table_commits", jint(o->commits));
    jset(rd, "tail_table", json_string("2K - 3 commits of steps_per_commit steps, K = "
                                       "table.snapshot.interval: the head (with the checkpoint "
                                       "record) is K - 1 versions past the snapshot of K"));
    jset(rd, "checkpoint_steps_before_end", jint(CKPT_BACK));
    json_t *ws = json_array();
    for (size_t i = 0; i < o->nworlds; i++)
        json_array_append_new(ws, jint(o->worlds[i]));
    jset(rd, "world_sizes", ws);
    jset(rd, "read_timeout_ms", jint((uint64_t)o->read_timeout_ms));
    jset(rd, "builder_commit_policy", json_string("fixed"));
    jset(rd, "builder_commit_interval_ms", json_string(BUILD_INTERVAL_MS));
    jset(p, "reader", rd);
    json_t *sz = json_object(), *rc = json_array(), *pc = json_array();
    for (size_t i = 0; i < RECORD_COUNTS_N; i++)
        json_array_append_new(rc, jint(record_counts[i]));
    for (size_t i = 0; i < PRODUCER_COUNTS_N; i++)
        if (producer_counts[i] <= o->max_producers)
            json_array_append_new(pc, jint(producer_counts[i]));
    jset(sz, "record_sample_counts", rc);
    jset(sz, "producer_counts", pc);
    jset(p, "sizes", sz);
    jset(p, "conf_overrides", json_incref(o->conf_overrides));
    jset(p, "conf", conf_json(o->conf, NULL));
    jset(p, "ms", json_string("milliseconds of CLOCK_MONOTONIC"));
    return p;
}

/* ---- the recovery benchmark itself ------------------------------------------- */

static int cmd_recovery(ropts *o, int argc, char **argv)
{
    char *dir = make_workdir(o->store_parent, o->keep);
    char store_dir[PATH_MAX], dataset[PATH_MAX];
    snprintf(store_dir, sizeof(store_dir), "%s/store", dir);
    snprintf(dataset, sizeof(dataset), "%s/dataset", dir);
    unsigned R = o->repeat;
    if (ls_conf_set(o->conf, "store.fsync", "true"))
        die("conf", "cannot set store.fsync");
    ls_store *st;
    int rc = ls_store_open(store_dir, o->conf, &st);
    if (rc)
        die_ls(rc, store_dir);
    char backend[32];
    snprintf(backend, sizeof(backend), "%s", st->name);
    pool pl;
    pool_init(&pl, o->seed, (size_t)o->sample_bytes);
    char *load_start = read_loadavg();
    uint64_t t_run = now_ns();

    /* The dataset. */
    uint64_t t0 = now_ns();
    uint64_t ds_bytes = write_dataset(o, dataset);
    double ds_seconds = (double)(now_ns() - t0) / 1e9;
    uint64_t ds_samples = o->files * o->records;
    progress("%s recovery: store %s (%s, fsync on), %u repetitions, seed %" PRIu64, PROG,
             store_dir, backend, R, o->seed);
    progress("dataset: %" PRIu64 " files x %" PRIu64 " records (%.1f MB) written in %.3f s",
             o->files, o->records, (double)ds_bytes / MB, ds_seconds);

    /* Source positions spread over the dataset: a block near the start and
     * one near the end of the first, middle and last file. */
    seek_point pts[SEEK_POINTS];
    uint64_t rlo = o->records / 100 ? o->records / 100 : 1, rhi = o->records - rlo;
    uint64_t fsel[3] = { 0, o->files / 2, o->files - 1 };
    for (unsigned i = 0; i < SEEK_POINTS; i++)
        pts[i].index = fsel[i / 2] * o->records + (i % 2 ? rhi : rlo);
    find_positions(dataset, pts, SEEK_POINTS);

    /* 1. Producer restarts after a SIGKILL, early and late in the dataset. */
    crash_run (*crash)[REPEAT_MAX] = calloc(CRASH_POINTS, sizeof(*crash));
    seek_run (*seek)[REPEAT_MAX] = calloc(SEEK_POINTS, sizeof(*seek));
    if (!crash || !seek)
        die("results", "out of memory");
    for (unsigned k = 0; k < R; k++) {
        for (unsigned i = 0; i < CRASH_POINTS; i++) {
            char table[64];
            snprintf(table, sizeof(table), "crash-%s-r%u", crash_label[i], k);
            if ((rc = ls_table_create(st, table, o->batch, LS_CODEC_NONE)))
                die_ls(rc, table);
            crash_run *r = &crash[i][k];
            r->target = (uint64_t)(crash_fraction[i] * (double)ds_samples);
            crash_child_run(o, store_dir, table, dataset, r);
            if (!r->killed)
                die("crash child", "was not killed by SIGKILL");
            producer_restart(o, st, table, dataset, r);
            progress("[%u/%u] producer restart (%s): killed with %" PRIu64 " appended, %"
                     PRIu64 " committed; resumed at %" PRIu64 ", %s cache: open %.1f ms, "
                     "seek %.1f ms, first commit %.1f ms, total %.1f ms", k + 1, R,
                     crash_label[i], r->appended_reported, r->committed_reported, r->resumed_at,
                     r->cold_cache ? "cold" : "warm", r->open_ms, r->seek_ms,
                     r->first_commit_ms, r->total_ms);
        }
        for (unsigned i = 0; i < SEEK_POINTS; i++) {
            seek_run *s = &seek[i][k];
            *s = seek_once(o, dataset, &pts[i]);
            progress("[%u/%u] source seek to sample %7" PRIu64 ": open %.2f ms, first sample "
                     "%.2f ms, %" PRIu64 " blocks skipped, %" PRIu64 " bytes read", k + 1, R,
                     pts[i].index, s->open_ms, s->next_ms, s->sst.blocks_skipped,
                     s->sst.bytes_read);
        }
    }

    /* 2. Reader restarts from a checkpoint. */
    /* The third table is the worst case of loading with snapshots: its head
     * lies K - 1 versions past the newest snapshot (version K), so K - 1
     * records of steps_per_commit steps are replayed. */
    uint64_t K = (uint64_t)strtoull(ls_conf_get(o->conf, "table.snapshot.interval"), NULL, 10);
    uint64_t tail_commits = K >= 2 ? 2 * K - 3 : 1;
    if (tail_commits == 0)
        tail_commits = 1;
    uint64_t tail_steps = tail_commits * o->steps_per_commit;
    if (tail_steps <= CKPT_BACK)
        tail_steps = CKPT_BACK + 1;
    reader_table rts[NREADER_TABLES] = {
        { .name = "reader-steps", .kind = "many steps", .steps = o->steps,
          .steps_per_commit = o->steps_per_commit },
        { .name = "reader-commits", .kind = "many commits", .steps = o->commits,
          .steps_per_commit = 1 },
        { .name = "reader-tail", .kind = "K - 1 records after the snapshot",
          .steps = tail_steps, .steps_per_commit = o->steps_per_commit },
    };
    for (unsigned i = 0; i < NREADER_TABLES; i++) {
        build_reader_table(o, &pl, st, &rts[i]);
        progress("table %s: %" PRIu64 " steps of %u x %" PRIu64 " B, %zu commits, version %"
                 PRIu64 ", built in %.1f s; checkpoint at step %" PRIu64, rts[i].name,
                 rts[i].steps, o->batch, o->sample_bytes, rts[i].info.commits,
                 rts[i].info.version, rts[i].build_seconds, rts[i].ckpt_step);
    }
    /* [table][snapshots on/off][world][cold/warm][rep] */
    reader_run (*rd)[2][WORLDS_MAX][2][REPEAT_MAX] = calloc(NREADER_TABLES, sizeof(*rd));
    if (!rd)
        die("results", "out of memory");
    for (unsigned k = 0; k < R; k++)
        for (unsigned i = 0; i < NREADER_TABLES; i++)
            for (int sn = 1; sn >= 0; sn--)
                for (size_t w = 0; w < o->nworlds; w++)
                    for (int cold = 1; cold >= 0; cold--) {
                        reader_run *r = &rd[i][sn][w][cold][k];
                        *r = reader_once(o, &pl, st, &rts[i], o->worlds[w], sn, cold);
                        progress("[%u/%u] reader restart %-14s snapshots %-3s W %2u, %s: "
                                 "open %7.1f ms, first step %6.1f ms, total %7.1f ms, %" PRIu64
                                 " meta bytes, %" PRIu64 " requests", k + 1, R, rts[i].name,
                                 sn ? "on" : "off", o->worlds[w],
                                 cold ? (r->cold_cache ? "cold" : "warm?") : "warm",
                                 r->open_ms, r->first_step_ms, r->total_ms,
                                 r->st.meta_bytes_fetched, r->st.requests);
                        check_stop();
                    }

    /* 3. Sizes. */
    const seek_point *mid = &pts[2];   /* a real position: middle file, early block */
    double rec_per_sample;
    json_t *rec_sizes = record_sizes(o, &pl, st, mid->pos, mid->len, &rec_per_sample);
    progress("commit records: %.2f bytes per sample", rec_per_sample);

    json_t *snap_commits = json_array();
    char key[LS_KEY_BYTES_MAX + 1];
    uint64_t sc_v0 = 0, sc_b0 = 0, sc_v1 = 0, sc_b1 = 0;
    for (unsigned i = 0; i < 2; i++) {
        static const uint64_t mult[] = { 1, 2, 5, 10, 20, 50, 100, 200, 500 };
        for (size_t m = 0; m < sizeof(mult) / sizeof(mult[0]); m++) {
            uint64_t v = K * mult[m];
            if (v >= rts[i].info.version)
                break;
            /* Versions 2..commits+1 are the data commits (1 is the epoch bump). */
            uint64_t commits = v - 1;
            uint64_t per = rts[i].steps_per_commit * o->batch;
            log_key(key, sizeof(key), rts[i].name, v, 1);
            uint64_t size;
            if (ls_store_head(st, key, &size) != LS_OK)
                continue;   /* best effort: a snapshot may be missing */
            json_t *e = json_object();
            jset(e, "table", json_string(rts[i].name));
            jset(e, "version", jint(v));
            jset(e, "commits", jint(commits));
            jset(e, "samples", jint(commits * per));
            jset(e, "samples_per_commit", jint(per));
            jset(e, "bytes", jint(size));
            json_array_append_new(snap_commits, e);
            if (i == 1) {
                if (!sc_v0)
                    sc_v0 = commits, sc_b0 = size;
                sc_v1 = commits, sc_b1 = size;
            }
        }
    }
    double snap_per_commit = sc_v1 > sc_v0 ? (double)(sc_b1 - sc_b0) / (double)(sc_v1 - sc_v0)
                                           : 0;
    progress("snapshots: %.2f bytes per retained commit", snap_per_commit);

    json_t *snap_prod = json_array();
    double per_producer[2] = { 0, 0 };
    for (int wd = 0; wd < 2; wd++) {
        uint64_t p0 = 0, b0 = 0, p1 = 0, b1 = 0;
        for (size_t i = 0; i < PRODUCER_COUNTS_N; i++) {
            uint64_t P = producer_counts[i];
            if (P > o->max_producers)
                break;
            ls_table_info in;
            uint64_t t_b = now_ns();
            uint64_t size = producers_snapshot(o, &pl, st, P, wd, mid->pos, mid->len, &in);
            json_t *e = json_object();
            jset(e, "producers", jint(P));
            jset(e, "with_data", json_boolean(wd));
            jset(e, "source_position_bytes", jint(wd ? mid->len : 0));
            jset(e, "table", table_info_json(&in));
            jset(e, "snapshot_bytes", jint(size));
            jset(e, "build_seconds", jreal((double)(now_ns() - t_b) / 1e9));
            json_array_append_new(snap_prod, e);
            if (i == 0)
                p0 = P, b0 = size;
            p1 = P, b1 = size;
            progress("snapshot of %" PRIu64 " producers (%s): %" PRIu64 " bytes", P,
                     wd ? "epoch bump, 1 sample, position" : "epoch bump only", size);
        }
        per_producer[wd] = p1 > p0 ? (double)(b1 - b0) / (double)(p1 - p0) : 0;
    }

    /* Checkpoint records: against the table, and against the world size of
     * the trainer registering (which has read its steps at that size). */
    json_t *ckpt = json_array();
    for (unsigned i = 0; i < NREADER_TABLES; i++) {
        json_t *e = json_object();
        jset(e, "table", json_string(rts[i].name));
        jset(e, "world_size", json_null());
        jset(e, "name", json_string(CKPT_NAME));
        jset(e, "step", jint(rts[i].ckpt_step));
        jset(e, "table_samples", jint(rts[i].info.total_samples));
        jset(e, "table_commits", jint(rts[i].info.commits));
        jset(e, "version", jint(rts[i].ckpt_version));
        jset(e, "bytes", jint(rts[i].ckpt_record_bytes));
        json_array_append_new(ckpt, e);
    }
    for (unsigned i = 0; i < 2; i++)
        for (size_t w = 0; w < o->nworlds; w++) {
            (void)reader_once(o, &pl, st, &rts[i], o->worlds[w], 1, 0);
            char name[32];
            snprintf(name, sizeof(name), "trainer-w%05u", o->worlds[w]);  /* same length */
            uint64_t v, bytes = checkpoint_record(o, st, rts[i].name, name, rts[i].ckpt_step, &v);
            json_t *e = json_object();
            jset(e, "table", json_string(rts[i].name));
            jset(e, "world_size", jint(o->worlds[w]));
            jset(e, "name", json_string(name));
            jset(e, "step", jint(rts[i].ckpt_step));
            jset(e, "table_samples", jint(rts[i].info.total_samples));
            jset(e, "table_commits", jint(rts[i].info.commits));
            jset(e, "version", jint(v));
            jset(e, "bytes", jint(bytes));
            json_array_append_new(ckpt, e);
            progress("checkpoint record on %s after reading at W = %u: %" PRIu64 " bytes",
                     rts[i].name, o->worlds[w], bytes);
        }
    /* The snapshot a reader loads, after all those reads and registrations. */
    json_t *snap_now = json_array();
    for (unsigned i = 0; i < NREADER_TABLES; i++) {
        ls_table_info in = table_info(st, rts[i].name, o->conf);
        json_t *e = table_info_json(&in);
        jset(e, "table", json_string(rts[i].name));
        if (in.snapshot_version) {
            log_key(key, sizeof(key), rts[i].name, in.snapshot_version, 1);
            jset(e, "snapshot_bytes", jint(head_size(st, key)));
        }
        json_array_append_new(snap_now, e);
    }
    uint64_t bump_bytes, steps_rec_bytes, commits_rec_bytes;
    log_key(key, sizeof(key), rts[0].name, 1, 0);
    bump_bytes = head_size(st, key);
    log_key(key, sizeof(key), rts[0].name, 2, 0);
    steps_rec_bytes = head_size(st, key);
    log_key(key, sizeof(key), rts[1].name, 2, 0);
    commits_rec_bytes = head_size(st, key);
    double run_seconds = (double)(now_ns() - t_run) / 1e9;
    char *load_end = read_loadavg();
    ls_store_close(st);

    /* The result. */
    json_t *root = json_object();
    jset(root, "benchmark", json_string("recovery"));
    jset(root, "schema_version", jint(1));
    git_json(root);
    json_t *machine = machine_json(dir);
    jset(machine, "loadavg_start", load_start ? json_string(load_start) : json_null());
    jset(machine, "loadavg_end", load_end ? json_string(load_end) : json_null());
    free(load_start);
    free(load_end);
    jset(root, "machine", machine);
    jset(root, "build", build_json());
    char ts[64];
    time_t now = time(NULL);
    struct tm tm;
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    jset(root, "timestamp", json_string(ts));
    jset(root, "seed", jint(o->seed));
    jset(root, "run_seconds", jreal(run_seconds));
    jset(root, "params", recovery_params_json(o, store_dir, backend, argc, argv, pts));
    json_t *dsj = json_object();
    jset(dsj, "samples", jint(ds_samples));
    jset(dsj, "bytes", jint(ds_bytes));
    jset(dsj, "write_seconds", jreal(ds_seconds));
    jset(root, "dataset", dsj);

    json_t *pr = json_object(), *cr = json_array(), *sk = json_array();
    double worst_producer = 0;
    for (unsigned i = 0; i < CRASH_POINTS; i++) {
        json_array_append_new(cr, crash_json(o, i, crash[i]));
        double t[REPEAT_MAX];
        for (unsigned k = 0; k < R; k++)
            t[k] = crash[i][k].total_ms;
        if (median(t, R) > worst_producer)
            worst_producer = median(t, R);
    }
    for (unsigned i = 0; i < SEEK_POINTS; i++)
        json_array_append_new(sk, seek_json(o, &pts[i], seek[i]));
    jset(pr, "crash_restart", cr);
    jset(pr, "source_seek", sk);
    jset(root, "producer_restart", pr);

    json_t *rr = json_object(), *tabs = json_array(), *rruns = json_array();
    double worst_snap = 0, worst_nosnap = 0;
    char worst_snap_cfg[128] = "", worst_nosnap_cfg[128] = "";
    for (unsigned i = 0; i < NREADER_TABLES; i++) {
        json_t *t = table_info_json(&rts[i].info);
        jset(t, "name", json_string(rts[i].name));
        jset(t, "kind", json_string(rts[i].kind));
        jset(t, "steps", jint(rts[i].steps));
        jset(t, "steps_per_commit", jint(rts[i].steps_per_commit));
        jset(t, "checkpoint_step", jint(rts[i].ckpt_step));
        jset(t, "records_after_snapshot",
             jint(rts[i].info.version - rts[i].info.snapshot_version));
        jset(t, "build_seconds", jreal(rts[i].build_seconds));
        json_array_append_new(tabs, t);
        for (int sn = 1; sn >= 0; sn--)
            for (size_t w = 0; w < o->nworlds; w++)
                for (int cold = 1; cold >= 0; cold--) {
                    json_array_append_new(rruns, reader_json(o, &rts[i], o->worlds[w], sn, cold,
                                                             rd[i][sn][w][cold]));
                    if (!cold)
                        continue;
                    double t2[REPEAT_MAX];
                    for (unsigned k = 0; k < R; k++)
                        t2[k] = rd[i][sn][w][cold][k].total_ms;
                    double m = median(t2, R);
                    double *worst = sn ? &worst_snap : &worst_nosnap;
                    char *cfg = sn ? worst_snap_cfg : worst_nosnap_cfg;
                    if (m > *worst) {
                        *worst = m;
                        snprintf(cfg, 128, "table %s, W = %u, cold cache", rts[i].name,
                                 o->worlds[w]);
                    }
                }
    }
    jset(rr, "tables", tabs);
    jset(rr, "runs", rruns);
    jset(root, "reader_restart", rr);

    json_t *sizes = json_object();
    json_t *rs = json_object();
    jset(rs, "records", rec_sizes);
    jset(rs, "bytes_per_sample", jreal(rec_per_sample));
    jset(rs, "epoch_bump_record_bytes", jint(bump_bytes));
    jset(rs, "steps_table_data_record_bytes", jint(steps_rec_bytes));
    jset(rs, "steps_table_data_record_samples", jint(o->steps_per_commit * o->batch));
    jset(rs, "commits_table_data_record_bytes", jint(commits_rec_bytes));
    jset(rs, "commits_table_data_record_samples", jint(o->batch));
    jset(sizes, "commit_records", rs);
    json_t *ss = json_object();
    jset(ss, "by_commits", snap_commits);
    jset(ss, "bytes_per_commit", jreal(snap_per_commit));
    jset(ss, "by_producers", snap_prod);
    jset(ss, "bytes_per_producer_bump_only", jreal(per_producer[0]));
    jset(ss, "bytes_per_producer_with_data", jreal(per_producer[1]));
    jset(ss, "reader_tables_now", snap_now);
    jset(sizes, "snapshots", ss);
    jset(sizes, "checkpoint_records", ckpt);
    jset(root, "sizes", sizes);

    json_t *targets = json_object(), *tp = json_object(), *tr = json_object();
    jset(tp, "target_ms", jreal(RECOVERY_TARGET_MS));
    jset(tp, "measured_ms", jreal(worst_producer));
    jset(tp, "met", json_boolean(worst_producer < RECOVERY_TARGET_MS));
    jset(tp, "basis", json_string("the larger over crash points of the median total_ms: "
                                  "ls_producer_open + ls_source_open at the committed position + "
                                  "restart_samples appends + flush, cold page cache"));
    jset(tr, "target_ms", jreal(RECOVERY_TARGET_MS));
    jset(tr, "measured_ms", jreal(worst_snap));
    jset(tr, "met", json_boolean(worst_snap < RECOVERY_TARGET_MS));
    jset(tr, "worst_configuration", json_string(worst_snap_cfg));
    jset(tr, "basis", json_string("the largest over tables and world sizes of the median "
                                  "total_ms (ls_consumer_open + ls_consumer_read_step of the "
                                  "checkpoint step), cold page cache, table.use.snapshots true "
                                  "(the default)"));
    jset(tr, "without_snapshots_ms", jreal(worst_nosnap));
    jset(tr, "without_snapshots_met", json_boolean(worst_nosnap < RECOVERY_TARGET_MS));
    jset(tr, "without_snapshots_worst_configuration", json_string(worst_nosnap_cfg));
    jset(targets, "producer_restart_first_commit", tp);
    jset(targets, "reader_restart_first_step", tr);
    jset(root, "targets", targets);

    char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    if (!text)
        die("result", "cannot serialise the JSON");
    puts(text);
    fflush(stdout);
    if (o->out)
        write_out(o->out, text);
    progress("target producer restart -> first commit: %.1f ms (< %.0f ms: %s)", worst_producer,
             RECOVERY_TARGET_MS, worst_producer < RECOVERY_TARGET_MS ? "met" : "NOT met");
    progress("target reader restart -> first step: %.1f ms (< %.0f ms: %s); without "
             "snapshots %.1f ms", worst_snap, RECOVERY_TARGET_MS,
             worst_snap < RECOVERY_TARGET_MS ? "met" : "NOT met", worst_nosnap);
    free(text);
    json_decref(root);
    free(crash);
    free(seek);
    free(rd);
    free(pl.data);
    if (!o->keep)
        rm_rf(dir);
    else
        progress("kept the work directory %s", dir);
    g_workdir = NULL;
    free(dir);
    return 0;
}

/* ---- command line of `recovery` ------------------------------------------ */

static void usage_recovery(FILE *f)
{
    fprintf(f,
"usage: " PROG " recovery [options]\n"
"\n"
"Measures on one posix store (store.fsync on), in one run: a producer ingesting\n"
"an Avro dataset is SIGKILLed early and late in it and restarted (open with its\n"
"epoch bump, source seek to the committed position, first new commit); the\n"
"source seek alone at positions over the dataset; a reader restarting from a\n"
"checkpoint (consumer open + first step) on a table of many steps and one of\n"
"many commits, with and without snapshots, at each world size (rank 0); and the\n"
"sizes of commit records, snapshots (per producer, per commit) and checkpoint\n"
"records.  Medians and all values go to one JSON object on stdout (schema:\n"
"docs/benchmarks.md).  Progress goes to stderr.\n"
"\n"
"options:\n"
"  --store DIR                 work directory under DIR (default /tmp); removed\n"
"  --out FILE                  also write the JSON to FILE\n"
"  --seed N                    data seed (default 1)\n"
"  --repeat R                  repetitions of every measurement (default 3)\n"
"  --files N                   dataset files (default 20)\n"
"  --records M                 records per file (default 5000)\n"
"  --block-records K           records per Avro block (default 100)\n"
"  --dataset-bytes A,B         dataset sample length range (default 64,1024)\n"
"  --restart-samples N         samples appended after a restart (default 256)\n"
"  --crash-commit-interval-ms MS  fixed commit interval of the crashing\n"
"                              producer (default 20)\n"
"  --crash-commit-bytes N      its commit byte ceiling (default 1M), so that it\n"
"                              commits often enough to be killed near a point\n"
"  --batch B                   global batch of the reader tables (default 256)\n"
"  --sample-bytes N            sample size of the reader tables (default 64)\n"
"  --steps N                   steps of the many-steps table (default 10000)\n"
"  --steps-per-commit N        its steps per commit (default 100)\n"
"  --commits N                 commits (of one step) of the many-commits table\n"
"                              (default 5000)\n"
"  --world-sizes LIST          reader world sizes (default 1,64)\n"
"  --max-producers N           largest producer count of the size tables\n"
"                              (1, 10, 100, 1000; default 1000)\n"
"  --conf NAME=VALUE           set a library property (repeatable; not store.fsync)\n"
"  --no-drop-caches            do not drop the page cache before each restart\n"
"  --read-timeout-ms MS        per step (default 60000)\n"
"  --keep                      keep the work directory\n"
"  -h, --help                  this text\n");
}

static uint64_t num_arg(const char *flag, const char *v, uint64_t lo, uint64_t hi)
{
    uint64_t x;
    if (parse_size(v, &x) || x < lo || x > hi)
        die(flag, "expected %" PRIu64 "..%" PRIu64 ", got \"%s\"", lo, hi, v);
    return x;
}

static void parse_recovery_args(ropts *o, int argc, char **argv)
{
    enum { OPT_STORE = 256, OPT_OUT, OPT_SEED, OPT_REPEAT, OPT_FILES, OPT_RECORDS,
           OPT_BLOCK, OPT_DSBYTES, OPT_RESTART, OPT_CRASHINT, OPT_BATCH, OPT_SBYTES,
           OPT_STEPS, OPT_SPC, OPT_COMMITS, OPT_WORLDS, OPT_MAXPROD, OPT_CONF, OPT_NODROP,
           OPT_TIMEOUT, OPT_KEEP, OPT_CRASHBYTES };
    static const struct option lo[] = {
        { "store", required_argument, 0, OPT_STORE },
        { "out", required_argument, 0, OPT_OUT },
        { "seed", required_argument, 0, OPT_SEED },
        { "repeat", required_argument, 0, OPT_REPEAT },
        { "files", required_argument, 0, OPT_FILES },
        { "records", required_argument, 0, OPT_RECORDS },
        { "block-records", required_argument, 0, OPT_BLOCK },
        { "dataset-bytes", required_argument, 0, OPT_DSBYTES },
        { "restart-samples", required_argument, 0, OPT_RESTART },
        { "crash-commit-interval-ms", required_argument, 0, OPT_CRASHINT },
        { "crash-commit-bytes", required_argument, 0, OPT_CRASHBYTES },
        { "batch", required_argument, 0, OPT_BATCH },
        { "sample-bytes", required_argument, 0, OPT_SBYTES },
        { "steps", required_argument, 0, OPT_STEPS },
        { "steps-per-commit", required_argument, 0, OPT_SPC },
        { "commits", required_argument, 0, OPT_COMMITS },
        { "world-sizes", required_argument, 0, OPT_WORLDS },
        { "max-producers", required_argument, 0, OPT_MAXPROD },
        { "conf", required_argument, 0, OPT_CONF },
        { "no-drop-caches", no_argument, 0, OPT_NODROP },
        { "read-timeout-ms", required_argument, 0, OPT_TIMEOUT },
        { "keep", no_argument, 0, OPT_KEEP },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case OPT_STORE: o->store_parent = optarg; break;
        case OPT_OUT:   o->out = optarg; break;
        case OPT_SEED:
            errno = 0;
            o->seed = strtoull(optarg, &end, 0);
            if (errno || end == optarg || *end)
                die("--seed", "not a number: \"%s\"", optarg);
            break;
        case OPT_REPEAT:
            o->repeat = (unsigned)num_arg("--repeat", optarg, 1, REPEAT_MAX);
            break;
        case OPT_FILES:   o->files = num_arg("--files", optarg, 1, 100000); break;
        case OPT_RECORDS: o->records = num_arg("--records", optarg, 2, 1ull << 32); break;
        case OPT_BLOCK:
            o->block_records = num_arg("--block-records", optarg, 1, LS_SOURCE_BLOCK_RECORDS_MAX);
            break;
        case OPT_DSBYTES: {
            char *comma = strchr(optarg, ',');
            if (!comma)
                die("--dataset-bytes", "expected MIN,MAX, got \"%s\"", optarg);
            *comma = '\0';
            o->min_bytes = num_arg("--dataset-bytes", optarg, 32, 16u << 20);
            o->max_bytes = num_arg("--dataset-bytes", comma + 1, o->min_bytes, 16u << 20);
            break;
        }
        case OPT_RESTART:
            o->restart_samples = num_arg("--restart-samples", optarg, 1, 1u << 24);
            break;
        case OPT_CRASHINT:
            o->crash_interval_ms = num_arg("--crash-commit-interval-ms", optarg, 0, 3600000);
            break;
        case OPT_CRASHBYTES:
            o->crash_commit_bytes = num_arg("--crash-commit-bytes", optarg, 1, 1ull << 40);
            break;
        case OPT_BATCH:
            o->batch = (uint32_t)num_arg("--batch", optarg, 1, LS_GLOBAL_BATCH_MAX);
            break;
        case OPT_SBYTES:
            o->sample_bytes = num_arg("--sample-bytes", optarg, 1, 1u << 20);
            break;
        case OPT_STEPS:  o->steps = num_arg("--steps", optarg, CKPT_BACK + 1, 1ull << 32); break;
        case OPT_SPC:
            o->steps_per_commit = num_arg("--steps-per-commit", optarg, 1, 1ull << 32);
            break;
        case OPT_COMMITS:
            o->commits = num_arg("--commits", optarg, CKPT_BACK + 1, 1ull << 24);
            break;
        case OPT_WORLDS: {
            o->nworlds = 0;
            char *list = strdup(optarg), *save = NULL;
            if (!list)
                die("--world-sizes", "out of memory");
            for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (o->nworlds == WORLDS_MAX)
                    die("--world-sizes", "at most %d sizes", WORLDS_MAX);
                o->worlds[o->nworlds++] = (uint32_t)num_arg("--world-sizes", t, 1,
                                                            LS_WORLD_SIZE_MAX);
            }
            free(list);
            if (o->nworlds == 0)
                die("--world-sizes", "empty list");
            break;
        }
        case OPT_MAXPROD:
            o->max_producers = num_arg("--max-producers", optarg, 1, 1000);
            break;
        case OPT_CONF:
            conf_arg(optarg, o->conf, o->conf_overrides,
                     "the recovery benchmark runs with store.fsync on", NULL);
            break;
        case OPT_NODROP: o->drop_caches = 0; break;
        case OPT_TIMEOUT:
            o->read_timeout_ms = (int)num_arg("--read-timeout-ms", optarg, 1, INT_MAX);
            break;
        case OPT_KEEP: o->keep = 1; break;
        case 'h': usage_recovery(stdout); exit(0);
        default:  usage_recovery(stderr); exit(2);
        }
    }
    if (optind != argc)
        die("arguments", "unexpected \"%s\" (see --help)", argv[optind]);
    for (size_t i = 0; i < o->nworlds; i++)
        if (o->batch % o->worlds[i])
            die("--world-sizes", "world size %u does not divide the global batch %u",
                o->worlds[i], o->batch);
    if (o->sample_bytes > POOL_BYTES)
        die("--sample-bytes", "at most %" PRIu64, (uint64_t)POOL_BYTES);
}

static int run_recovery(int argc, char **argv)
{
    ropts o = {
        .store_parent = "/tmp", .seed = 1, .repeat = 3,
        .files = 20, .records = 5000, .block_records = 100, .min_bytes = 64, .max_bytes = 1024,
        .restart_samples = 256, .crash_interval_ms = 20, .crash_commit_bytes = MIB,
        .batch = 256, .sample_bytes = 64, .steps = 10000, .steps_per_commit = 100,
        .commits = 5000, .worlds = { 1, 64 }, .nworlds = 2, .max_producers = 1000,
        .drop_caches = 1, .read_timeout_ms = 60000,
        .conf = ls_conf_new(), .conf_overrides = json_object(),
    };
    if (!o.conf || !o.conf_overrides)
        die("conf", "out of memory");
    parse_recovery_args(&o, argc - 1, argv + 1);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int rc = cmd_recovery(&o, argc, argv);
    ls_conf_destroy(o.conf);
    json_decref(o.conf_overrides);
    return rc;
}

/* ---- the commit benchmark -------------------------------------------------
 *
 * `commit` measures the ingest throughput of P producer processes appending
 * to one table through the conditional write of the next log record, under
 * a commit policy (DAC, or a fixed commit interval), on a posix store with
 * store.fsync on.  The parent creates the table (and, with
 * --pregrow-versions, grows its log first), forks P children that each open
 * their own store and producer, starts them at one instant, and collects
 * from each, over a pipe, its ls_producer_stats at the start and the end of
 * the run and what it observed of every commit. */

#define COMMIT_TABLE "commit"
#define COMMIT_ID_FMT "bench-commit-%03u"
#define COMMIT_PRODUCERS_MAX 256
#define COMMIT_START_DELAY_MS 200   /* from the last child ready to the common start */
#define COMMIT_SALT 0x434F4D4D49542D31ull
#define COMMIT_REPORT_MAGIC 0x4C53434Du
#define PREGROW_ID "bench-pregrow"
#define PREGROW_SCRATCH_TABLE "scratch"   /* --pregrow-control grows this one */
#define PREGROW_SAMPLE_BYTES 16
#define PREGROW_CKPT "pregrow"
#define PREGROW_GC_EVERY 10000      /* versions between checkpoint + gc while growing */
#define PREGROW_INTERVAL_MS "3600000"  /* the grower commits on flush only */

typedef struct copts {
    const char *store_parent, *out;
    uint64_t    seed;
    unsigned    producers;
    char        policy[32];         /* as given: "dac" or "fixed:MS" */
    int         dac;
    uint64_t    fixed_ms;
    double      duration_s;
    uint64_t    sample_bytes;
    uint32_t    batch;
    uint64_t    pregrow_versions;
    int         pregrow_gc, pregrow_control;
    int         json, keep, have_policy, have_duration;
    ls_conf    *conf;               /* --conf overrides, then the policy; fsync on */
    json_t     *conf_overrides;
} copts;

/* What a child observed of one commit: ls_producer_stats before and after
 * the append or flush call in which it landed.  When one call landed n > 1
 * commits, each gets 1/n of the call's deltas. */
typedef struct commit_obs {
    uint64_t commit_ns;      /* delta commit_ns_total / n: ls_table_commit, retries included */
    uint64_t call_ns;        /* wall time of the whole call (chunk writes included) */
    uint32_t conflicts;      /* delta conflicts of the call (on its first commit) */
    uint32_t calls_commits;  /* n */
    double   interval_ms;    /* commit_interval_ms in force after the call */
} commit_obs;

/* The fixed part of a child's report; nobs commit_obs follow it. */
typedef struct child_report {
    uint32_t magic, index;
    uint64_t t_start_ns, t_last_append_ns, t_end_ns;  /* CLOCK_MONOTONIC, shared by all */
    uint64_t appended, open_ns;
    ls_producer_stats s0, s1;   /* after ls_producer_open; after the final flush */
    uint64_t nobs;
} child_report;

static int read_all(int fd, void *buf, size_t len)
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

static ls_conf *commit_child_conf(const copts *o)
{
    ls_conf *c = ls_conf_dup(o->conf);
    if (!c)
        die("conf", "out of memory");
    return c;
}

/* One producer process: open, report ready, wait for the common start,
 * append for duration_s, flush, report.  Never returns. */
static void commit_child(const copts *o, const pool *pl, const char *store_dir, unsigned idx,
                         int wfd, int gofd)
{
    /* What the parent owns is the parent's to clean up. */
    g_workdir = NULL;
    g_nchildren = 0;
    char id[64], what[128];
    snprintf(id, sizeof(id), COMMIT_ID_FMT, idx);
    snprintf(what, sizeof(what), "producer %s", id);
    ls_conf *conf = commit_child_conf(o);
    ls_store *st;
    ls_producer *p;
    int rc = ls_store_open(store_dir, conf, &st);
    if (rc)
        die_ls(rc, what);
    uint64_t t_open = now_ns();
    if ((rc = ls_producer_open(st, COMMIT_TABLE, id, conf, &p)))
        die_ls(rc, what);
    child_report rep = { .magic = COMMIT_REPORT_MAGIC, .index = idx,
                         .open_ns = now_ns() - t_open };
    uint8_t ready = 1;
    if (write_all(wfd, &ready, 1) != 0)
        _exit(1);   /* the parent is gone */
    uint64_t t_start;
    if (read_all(gofd, &t_start, sizeof(t_start)) != 0)
        _exit(1);
    close(gofd);
    struct timespec ts = { .tv_sec = (time_t)(t_start / 1000000000ull),
                           .tv_nsec = (long)(t_start % 1000000000ull) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        check_stop();

    size_t cap = 1024, nobs = 0;
    commit_obs *obs = malloc(cap * sizeof(*obs));
    if (!obs)
        die(what, "out of memory");
    ls_producer_stats prev, cur;
    ls_producer_stats_get(p, &rep.s0);
    prev = rep.s0;
    uint64_t deadline = t_start + (uint64_t)(o->duration_s * 1e9);
    size_t sz = (size_t)o->sample_bytes;
    uint64_t salt = COMMIT_SALT + idx, i = 0, t = now_ns(), t_call = t;
    rep.t_start_ns = t_start;
    for (int flushing = 0;; ) {
        t_call = t;
        if (!flushing && t < deadline) {
            if ((rc = ls_producer_append(p, pool_cut(pl, salt, i), sz, NULL)))
                die_ls(rc, what);
            i++;
        } else {
            rep.t_last_append_ns = t;
            if ((rc = ls_producer_flush(p)))
                die_ls(rc, what);
            flushing = 1;
        }
        t = now_ns();
        ls_producer_stats_get(p, &cur);
        if (cur.commits != prev.commits) {
            uint64_t n = cur.commits - prev.commits;
            for (uint64_t k = 0; k < n; k++) {
                if (nobs == cap) {
                    cap *= 2;
                    commit_obs *nb = realloc(obs, cap * sizeof(*obs));
                    if (!nb)
                        die(what, "out of memory");
                    obs = nb;
                }
                obs[nobs++] = (commit_obs){
                    .commit_ns = (cur.commit_ns_total - prev.commit_ns_total) / n,
                    .call_ns = t - t_call,
                    .conflicts = k == 0 ? (uint32_t)(cur.conflicts - prev.conflicts) : 0,
                    .calls_commits = (uint32_t)n,
                    .interval_ms = cur.commit_interval_ms,
                };
            }
            prev = cur;
        }
        if (flushing)
            break;
        if ((i & 1023) == 0)
            check_stop();
    }
    rep.t_end_ns = t;
    rep.appended = i;
    rep.s1 = cur;
    rep.nobs = nobs;
    if (cur.samples_committed - rep.s0.samples_committed != i)
        die(what, "%" PRIu64 " samples committed of %" PRIu64 " appended",
            cur.samples_committed - rep.s0.samples_committed, i);
    if (write_all(wfd, (const uint8_t *)&rep, sizeof(rep)) != 0 ||
        write_all(wfd, (const uint8_t *)obs, nobs * sizeof(*obs)) != 0)
        _exit(1);
    close(wfd);
    free(obs);
    ls_producer_close(p);
    ls_store_close(st);
    ls_conf_destroy(conf);
    _exit(0);
}

/* Grow the table's log to at least V versions (with --pregrow-control,
 * the log of a scratch table in the same store instead, so that the store
 * and its file system go through the same work while the measured table's
 * log stays short), fast: one producer on a
 * store handle with store.fsync off commits one sample of
 * PREGROW_SAMPLE_BYTES per version.  With gc on, every PREGROW_GC_EVERY
 * versions and at the end, a checkpoint is registered at the newest visible
 * step and ls_table_gc runs (the table's log retention is
 * PREGROW_RETENTION_MS), as a trainer that checkpoints and a periodic GC
 * would keep a long-lived table: the retained commits, log records and
 * chunks stay bounded by the steps after the checkpoint (< B commits), while
 * the version numbers, the head and the snapshot keys are those of a log of
 * V versions. */
/* The commit benchmark's tables: with pregrow's gc, a log retention of
 * PREGROW_RETENTION_MS (a table property), short enough for gc to cut
 * the pregrown log, long enough that the measured producers' heads are
 * never "old" (docs/benchmarks.md). */
#define PREGROW_RETENTION_MS "2000"
static const ls_conf *commit_table_conf(const copts *o)
{
    static ls_conf *c;
    if (!o->pregrow_gc)
        return NULL;
    if (!c && (!(c = ls_conf_new()) ||
               ls_conf_set(c, "table.log.retention.ms", PREGROW_RETENTION_MS) != LS_OK))
        die_ls(LS_ERR_NOMEM, "conf");
    return c;
}

static json_t *pregrow(const copts *o, const char *store_dir)
{
    const char *what = "pregrow";
    const char *table = o->pregrow_control ? PREGROW_SCRATCH_TABLE : COMMIT_TABLE;
    ls_conf *conf = conf_with(o->conf, "store.fsync", "false");
    int rc;
    if ((rc = ls_conf_set(conf, "producer.commit.policy", "fixed")) ||
        (rc = ls_conf_set(conf, "producer.commit.interval.ms", PREGROW_INTERVAL_MS)))
        die_ls(rc, what);
    ls_conf *gconf = ls_conf_dup(conf);
    ls_store *st;
    if ((rc = ls_store_open(store_dir, conf, &st)))
        die_ls(rc, what);
    if (o->pregrow_control &&
        (rc = ls_table_create_conf(st, table, o->batch, LS_CODEC_NONE, commit_table_conf(o))))
        die_ls(rc, what);
    uint8_t sample[PREGROW_SAMPLE_BYTES];
    memset(sample, 0x5a, sizeof(sample));
    uint64_t t0 = now_ns(), commits = 0, gcs = 0;
    ls_gc_report last_gc;
    memset(&last_gc, 0, sizeof(last_gc));
    uint64_t gc_ns = 0;
    ls_table_info in = table_info(st, table, conf);
    while (in.version < o->pregrow_versions) {
        ls_producer *p;
        if ((rc = ls_producer_open(st, table, PREGROW_ID, conf, &p)))
            die_ls(rc, what);
        uint64_t v = in.version + 1;   /* the epoch bump */
        uint64_t stop = o->pregrow_versions;
        if (o->pregrow_gc && stop - v > PREGROW_GC_EVERY)
            stop = v + PREGROW_GC_EVERY;
        for (; v < stop; v++) {
            if ((rc = ls_producer_append(p, sample, sizeof(sample), NULL)) ||
                (rc = ls_producer_flush(p)))
                die_ls(rc, what);
            commits++;
            if ((v & 1023) == 0)
                check_stop();
        }
        ls_producer_close(p);
        in = table_info(st, table, conf);
        if (o->pregrow_gc) {
            uint64_t tg = now_ns();
            if ((rc = ls_checkpoint_register(st, table, PREGROW_CKPT, in.visible_steps,
                                             conf)) ||
                (rc = ls_table_gc(st, table, 0, gconf, &last_gc)))
                die_ls(rc, what);
            gc_ns += now_ns() - tg;
            gcs++;
            in = table_info(st, table, conf);
        }
        progress("pregrow: version %" PRIu64 " of %" PRIu64 " (%.1f s)", in.version,
                 o->pregrow_versions, (double)(now_ns() - t0) / 1e9);
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    ls_store_close(st);
    ls_conf_destroy(gconf);
    ls_conf_destroy(conf);

    json_t *j = json_object();
    jset(j, "table", json_string(table));
    jset(j, "control", json_boolean(o->pregrow_control));
    jset(j, "versions_requested", jint(o->pregrow_versions));
    jset(j, "version_reached", jint(in.version));
    jset(j, "commits", jint(commits));
    jset(j, "sample_bytes", jint(PREGROW_SAMPLE_BYTES));
    jset(j, "fsync", json_false());
    jset(j, "seconds", jreal(secs));
    jset(j, "gc", json_boolean(o->pregrow_gc));
    jset(j, "gc_runs", jint(gcs));
    jset(j, "gc_seconds", jreal((double)gc_ns / 1e9));
    if (o->pregrow_gc) {
        json_t *g = json_object();
        jset(g, "low_watermark_step", jint(last_gc.low_watermark_step));
        jset(g, "chunks_deleted", jint(last_gc.chunks_deleted));
        jset(g, "records_deleted", jint(last_gc.records_deleted));
        jset(g, "snapshots_deleted", jint(last_gc.snapshots_deleted));
        jset(g, "log_cut_version", jint(last_gc.log_cut_version));
        jset(j, "last_gc", g);
    } else {
        jset(j, "last_gc", json_null());
    }
    progress("pregrow of table %s: %" PRIu64 " commits to version %" PRIu64 " in %.1f s (%"
             PRIu64 " gc runs, %.1f s)", table, commits, in.version, secs, gcs,
             (double)gc_ns / 1e9);
    return j;
}

/* Percentile q (0..1) of sorted v, nearest rank. */
static double pct_sorted(const double *v, size_t n, double q)
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

static json_t *dist_json(double *v, size_t n)
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

static json_t *commit_params_json(const copts *o, const char *dir, const char *backend,
                                  int argc, char **argv)
{
    json_t *p = json_object();
    jset(p, "command", command_json(argc, argv));
    jset(p, "backend", json_string(backend));
    jset(p, "store_dir", json_string(dir));
    jset(p, "fsync", json_true());
    jset(p, "producers", jint(o->producers));
    jset(p, "policy", json_string(o->policy));
    jset(p, "duration_s", jreal(o->duration_s));
    jset(p, "sample_bytes", jint(o->sample_bytes));
    jset(p, "global_batch", jint(o->batch));
    jset(p, "codec", json_string("none"));
    jset(p, "table", json_string(COMMIT_TABLE));
    jset(p, "producer_ids", json_string(COMMIT_ID_FMT " for i = 0 .. producers - 1, one "
                                        "process each (fork), each with its own store handle"));
    jset(p, "data", json_string("samples cut at random 8-byte aligned offsets from a "
                                "64 MiB splitmix64 pool of the seed, one stream per producer "
                                "(incompressible)"));
    jset(p, "pregrow_versions", jint(o->pregrow_versions));
    jset(p, "pregrow_gc", json_boolean(o->pregrow_gc));
    jset(p, "pregrow_control", json_boolean(o->pregrow_control));
    jset(p, "start_delay_ms", jint(COMMIT_START_DELAY_MS));
    jset(p, "conf_overrides", json_incref(o->conf_overrides));
    jset(p, "conf", conf_json(o->conf, NULL));
    jset(p, "mb", json_string("MB = 10^6 bytes; MiB = 2^20 bytes"));
    jset(p, "ms", json_string("milliseconds of CLOCK_MONOTONIC"));
    return p;
}

static int cmd_commit(copts *o, int argc, char **argv)
{
    char *dir = make_workdir(o->store_parent, o->keep);
    char store_dir[PATH_MAX];
    snprintf(store_dir, sizeof(store_dir), "%s/store", dir);
    unsigned P = o->producers;

    ls_store *st;
    int rc = ls_store_open(store_dir, o->conf, &st);
    if (rc)
        die_ls(rc, store_dir);
    char backend[32];
    snprintf(backend, sizeof(backend), "%s", st->name);
    if ((rc = ls_table_create_conf(st, COMMIT_TABLE, o->batch, LS_CODEC_NONE,
                                   commit_table_conf(o))))
        die_ls(rc, COMMIT_TABLE);
    ls_store_close(st);
    progress("%s commit: store %s (%s, fsync on), %u producers, policy %s, %.1f s, "
             "%" PRIu64 " B samples, seed %" PRIu64, PROG, store_dir, backend, P, o->policy,
             o->duration_s, o->sample_bytes, o->seed);

    json_t *pg = json_null();
    if (o->pregrow_versions > 0)
        pg = pregrow(o, store_dir);
    if ((rc = ls_store_open(store_dir, o->conf, &st)))
        die_ls(rc, store_dir);
    ls_table_info before = table_info(st, COMMIT_TABLE, o->conf);
    ls_store_close(st);

    /* Write back what the pre-growth (fsync off) and earlier programs left
     * dirty, so that the fsyncs of the timed window do not pay for it. */
    uint64_t t_sync = now_ns();
    sync();
    double sync_s = (double)(now_ns() - t_sync) / 1e9;
    /* The data pool is made before the fork: the children share its pages. */
    pool pl;
    pool_init(&pl, o->seed, (size_t)o->sample_bytes);
    char *load_start = read_loadavg();

    int gofd[2];
    if (pipe(gofd) != 0)
        die("commit", "pipe: %s", strerror(errno));
    int *rfd = calloc(P, sizeof(int));
    g_children = calloc(P, sizeof(pid_t));
    if (!rfd || !g_children)
        die("commit", "out of memory");
    fflush(stdout);
    fflush(stderr);
    for (unsigned i = 0; i < P; i++) {
        int pfd[2];
        if (pipe(pfd) != 0)
            die("commit", "pipe: %s", strerror(errno));
        pid_t pid = fork();
        if (pid < 0)
            die("commit", "fork: %s", strerror(errno));
        if (pid == 0) {
            close(pfd[0]);
            close(gofd[1]);
            for (unsigned k = 0; k < i; k++)
                close(rfd[k]);
            commit_child(o, &pl, store_dir, i, pfd[1], gofd[0]);
        }
        g_children[i] = pid;
        g_nchildren = i + 1;
        close(pfd[1]);
        rfd[i] = pfd[0];
    }
    close(gofd[0]);
    for (unsigned i = 0; i < P; i++) {
        uint8_t b;
        if (read_all(rfd[i], &b, 1) != 0)
            die("commit", "producer %u stopped before it was ready", i);
    }
    uint64_t t_start = now_ns() + (uint64_t)COMMIT_START_DELAY_MS * 1000000ull;
    uint64_t *starts = malloc(P * sizeof(uint64_t));
    if (!starts)
        die("commit", "out of memory");
    for (unsigned i = 0; i < P; i++)
        starts[i] = t_start;
    if (write_all(gofd[1], (const uint8_t *)starts, P * sizeof(uint64_t)) != 0)
        die("commit", "cannot start the producers: %s", strerror(errno));
    close(gofd[1]);
    free(starts);
    progress("%u producers ready; running for %.1f s", P, o->duration_s);

    child_report *reps = calloc(P, sizeof(child_report));
    commit_obs **obs = calloc(P, sizeof(commit_obs *));
    if (!reps || !obs)
        die("commit", "out of memory");
    for (unsigned i = 0; i < P; i++) {
        if (read_all(rfd[i], &reps[i], sizeof(reps[i])) != 0 ||
            reps[i].magic != COMMIT_REPORT_MAGIC || reps[i].index != i)
            die("commit", "producer %u stopped without its report", i);
        if (!(obs[i] = malloc((reps[i].nobs ? reps[i].nobs : 1) * sizeof(commit_obs))))
            die("commit", "out of memory");
        if (read_all(rfd[i], obs[i], reps[i].nobs * sizeof(commit_obs)) != 0)
            die("commit", "producer %u: short report", i);
        close(rfd[i]);
    }
    for (unsigned i = 0; i < P; i++) {
        int status;
        waitpid(g_children[i], &status, 0);
        g_children[i] = -1;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            die("commit", "producer %u: %s %d", i, WIFSIGNALED(status) ? "signal" : "exit status",
                WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    }
    g_nchildren = 0;
    char *load_end = read_loadavg();

    if ((rc = ls_store_open(store_dir, o->conf, &st)))
        die_ls(rc, store_dir);
    ls_table_info after = table_info(st, COMMIT_TABLE, o->conf);
    ls_store_close(st);

    /* Totals over the producers, deltas from the common start. */
    uint64_t samples = 0, bytes = 0, commits = 0, attempts = 0, conflicts = 0, stale = 0,
             lost = 0, chunks = 0, commit_ns = 0, t_end = t_start, nobs_all = 0;
    for (unsigned i = 0; i < P; i++) {
        const ls_producer_stats *a = &reps[i].s0, *b = &reps[i].s1;
        samples += b->samples_committed - a->samples_committed;
        bytes += b->bytes_committed - a->bytes_committed;
        commits += b->commits - a->commits;
        attempts += b->commit_attempts - a->commit_attempts;
        conflicts += b->conflicts - a->conflicts;
        stale += b->stale_attempts - a->stale_attempts;
        lost += b->lost_replies - a->lost_replies;
        chunks += b->chunks_written - a->chunks_written;
        commit_ns += b->commit_ns_total - a->commit_ns_total;
        if (reps[i].t_end_ns > t_end)
            t_end = reps[i].t_end_ns;
        nobs_all += reps[i].nobs;
    }
    double window = (double)(t_end - t_start) / 1e9;
    double *lat = malloc((nobs_all ? nobs_all : 1) * sizeof(double));
    double *call = malloc((nobs_all ? nobs_all : 1) * sizeof(double));
    double *ivl = malloc((nobs_all ? nobs_all : 1) * sizeof(double));
    if (!lat || !call || !ivl)
        die("commit", "out of memory");
    size_t n = 0;
    for (unsigned i = 0; i < P; i++)
        for (uint64_t k = 0; k < reps[i].nobs; k++, n++) {
            lat[n] = (double)obs[i][k].commit_ns / 1e6;
            call[n] = (double)obs[i][k].call_ns / 1e6;
            ivl[n] = obs[i][k].interval_ms;
        }

    double sps = (double)samples / window;
    double mbps = (double)samples * (double)o->sample_bytes / MB / window;
    double cps = (double)commits / window;
    double cpc = commits ? (double)conflicts / (double)commits : 0;

    json_t *root = json_object();
    jset(root, "benchmark", json_string("commit"));
    jset(root, "schema_version", jint(1));
    git_json(root);
    json_t *machine = machine_json(dir);
    jset(machine, "loadavg_start", load_start ? json_string(load_start) : json_null());
    jset(machine, "loadavg_end", load_end ? json_string(load_end) : json_null());
    free(load_start);
    free(load_end);
    jset(root, "machine", machine);
    jset(root, "build", build_json());
    char ts[64];
    time_t now = time(NULL);
    struct tm tm;
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    jset(root, "timestamp", json_string(ts));
    jset(root, "seed", jint(o->seed));
    jset(root, "params", commit_params_json(o, store_dir, backend, argc, argv));
    jset(root, "producers", jint(P));
    jset(root, "policy", json_string(o->policy));
    jset(root, "sample_bytes", jint(o->sample_bytes));
    jset(root, "duration_s", jreal(o->duration_s));
    jset(root, "pregrow_versions", jint(o->pregrow_versions));
    jset(root, "pregrow_control", json_boolean(o->pregrow_control));
    jset(root, "samples_per_s", jreal(sps));
    jset(root, "mb_per_s", jreal(mbps));
    jset(root, "commits_per_s", jreal(cps));
    jset(root, "conflicts_per_commit", jreal(cpc));
    jset(root, "attempts_per_commit", jreal(commits ? (double)attempts / (double)commits : 0));
    json_t *ld = dist_json(lat, n);
    jset(root, "commit_latency_ms_p50", json_incref(json_object_get(ld, "p50")));
    jset(root, "commit_latency_ms_p99", json_incref(json_object_get(ld, "p99")));
    jset(root, "commit_latency_ms", ld);
    jset(root, "commit_latency_method",
         json_string("per commit, in the producer process: the growth of "
                     "ls_producer_stats.commit_ns_total (the time inside the library's commit "
                     "of a record, conflict retries included, chunk writes excluded) over the "
                     "append or flush call in which ls_producer_stats.commits grew; a call that "
                     "landed n > 1 commits gives each 1/n of it. Percentiles by nearest rank "
                     "over the commits of all producers"));
    json_t *cd = dist_json(call, n);
    jset(root, "commit_call_ms_p99", json_incref(json_object_get(cd, "p99")));
    jset(root, "commit_call_ms", cd);
    jset(root, "commit_interval_ms", dist_json(ivl, n));
    jset(root, "log_versions", jint(after.version));
    jset(root, "log_versions_before_run", jint(before.version));
    jset(root, "window_s", jreal(window));
    jset(root, "samples", jint(samples));
    jset(root, "payload_bytes", jint(samples * o->sample_bytes));
    jset(root, "stored_bytes", jint(bytes));
    jset(root, "commits", jint(commits));
    jset(root, "commit_attempts", jint(attempts));
    jset(root, "conflicts", jint(conflicts));
    jset(root, "stale_attempts", jint(stale));
    jset(root, "lost_replies", jint(lost));
    jset(root, "chunks_written", jint(chunks));
    jset(root, "commit_time_share", jreal((double)commit_ns / 1e9 / (window * P)));
    jset(root, "pregrow", pg);
    jset(root, "sync_before_run_s", jreal(sync_s));
    jset(root, "table_before_run", table_info_json(&before));
    jset(root, "table_after_run", table_info_json(&after));
    json_t *per = json_array();
    for (unsigned i = 0; i < P; i++) {
        const child_report *r = &reps[i];
        char id[64];
        snprintf(id, sizeof(id), COMMIT_ID_FMT, i);
        json_t *e = json_object();
        jset(e, "id", json_string(id));
        uint64_t s = r->s1.samples_committed - r->s0.samples_committed;
        double sec = (double)(r->t_end_ns - r->t_start_ns) / 1e9;
        jset(e, "samples", jint(s));
        jset(e, "seconds", jreal(sec));
        jset(e, "flush_ms", jreal((double)(r->t_end_ns - r->t_last_append_ns) / 1e6));
        jset(e, "samples_per_s", jreal((double)s / sec));
        jset(e, "open_ms", jreal((double)r->open_ns / 1e6));
        jset(e, "commits", jint(r->s1.commits - r->s0.commits));
        jset(e, "commit_attempts", jint(r->s1.commit_attempts - r->s0.commit_attempts));
        jset(e, "conflicts", jint(r->s1.conflicts - r->s0.conflicts));
        jset(e, "commit_ns", jint(r->s1.commit_ns_total - r->s0.commit_ns_total));
        jset(e, "chunk_write_ns", jint(r->s1.chunk_write_ns_total - r->s0.chunk_write_ns_total));
        jset(e, "commit_interval_ms_start", jreal(r->s0.commit_interval_ms));
        jset(e, "commit_interval_ms_end", jreal(r->s1.commit_interval_ms));
        jset(e, "stats_end", producer_stats_json(&r->s1));
        json_array_append_new(per, e);
    }
    jset(root, "per_producer", per);

    char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    if (!text)
        die("result", "cannot serialise the JSON");
    if (o->json) {
        puts(text);
    } else {
        printf("producers %u policy %s: %.0f samples/s, %.2f MB/s, %.1f commits/s, "
               "%.3f conflicts/commit, commit p99 %.2f ms, log versions %" PRIu64 "\n",
               P, o->policy, sps, mbps, cps, cpc,
               json_real_value(json_object_get(root, "commit_latency_ms_p99")), after.version);
    }
    fflush(stdout);
    if (o->out)
        write_out(o->out, text);
    progress("producers %u, policy %s: %.0f samples/s (%.2f MB/s), %.1f commits/s, %.3f "
             "conflicts/commit, commit latency p50 %.2f / p99 %.2f ms, log %" PRIu64 " -> %"
             PRIu64 " versions", P, o->policy, sps, mbps, cps, cpc,
             json_real_value(json_object_get(root, "commit_latency_ms_p50")),
             json_real_value(json_object_get(root, "commit_latency_ms_p99")),
             before.version, after.version);
    free(text);
    json_decref(root);
    for (unsigned i = 0; i < P; i++)
        free(obs[i]);
    free(obs);
    free(reps);
    free(rfd);
    free(lat);
    free(call);
    free(ivl);
    free(g_children);
    g_children = NULL;
    free(pl.data);
    if (!o->keep)
        rm_rf(dir);
    else
        progress("kept the work directory %s", dir);
    g_workdir = NULL;
    free(dir);
    return 0;
}

/* ---- command line of `commit` -------------------------------------------- */

static void usage_commit(FILE *f)
{
    fprintf(f,
"usage: " PROG " commit --producers P --policy dac|fixed:MS --duration-s D [options]\n"
"\n"
"P producer processes (fork; each with its own store handle and producer id)\n"
"append samples to one table on a posix store (store.fsync on) as fast as they\n"
"can for D seconds, then flush.  policy dac: producer.commit.policy=dac, starting\n"
"from producer.commit.interval.ms; fixed:MS: producer.commit.policy=fixed with\n"
"producer.commit.interval.ms=MS.  One JSON object (with --json) or one summary\n"
"line goes to stdout (schema: docs/benchmarks.md).  Progress goes to stderr.\n"
"\n"
"options:\n"
"  --store DIR             work directory under DIR (default /tmp); removed\n"
"  --producers P           producer processes, 1..%d (required)\n"
"  --policy dac|fixed:MS   commit policy (required)\n"
"  --duration-s D          seconds of appending (required)\n"
"  --sample-bytes N        sample size (default 1024)\n"
"  --batch B               global batch of the table (default 1024)\n"
"  --pregrow-versions V    first grow the log to V versions (fsync off, one\n"
"                          sample per commit)\n"
"  --pregrow-gc on|off     while growing, register a checkpoint at the newest\n"
"                          step and gc with table.log.retention.ms=0 every %d\n"
"                          versions and at the end (default on)\n"
"  --pregrow-control       grow a scratch table instead: the same work on the\n"
"                          store, but the measured table's log stays short\n"
"  --seed N                data seed (default 1)\n"
"  --json                  print the JSON object on stdout\n"
"  --out FILE              also write the JSON to FILE\n"
"  --conf NAME=VALUE       set a library property (repeatable; not store.fsync or\n"
"                          producer.commit.policy)\n"
"  --keep                  keep the work directory\n"
"  -h, --help              this text\n", COMMIT_PRODUCERS_MAX, PREGROW_GC_EVERY);
}

static void parse_commit_args(copts *o, int argc, char **argv)
{
    enum { OPT_STORE = 256, OPT_OUT, OPT_SEED, OPT_PROD, OPT_POLICY, OPT_DUR, OPT_SBYTES,
           OPT_BATCH, OPT_PREGROW, OPT_PREGROW_GC, OPT_PREGROW_CTL, OPT_JSON, OPT_CONF,
           OPT_KEEP };
    static const struct option lo[] = {
        { "store", required_argument, 0, OPT_STORE },
        { "out", required_argument, 0, OPT_OUT },
        { "seed", required_argument, 0, OPT_SEED },
        { "producers", required_argument, 0, OPT_PROD },
        { "policy", required_argument, 0, OPT_POLICY },
        { "duration-s", required_argument, 0, OPT_DUR },
        { "sample-bytes", required_argument, 0, OPT_SBYTES },
        { "batch", required_argument, 0, OPT_BATCH },
        { "pregrow-versions", required_argument, 0, OPT_PREGROW },
        { "pregrow-gc", required_argument, 0, OPT_PREGROW_GC },
        { "pregrow-control", no_argument, 0, OPT_PREGROW_CTL },
        { "json", no_argument, 0, OPT_JSON },
        { "conf", required_argument, 0, OPT_CONF },
        { "keep", no_argument, 0, OPT_KEEP },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    int c, have_prod = 0;
    char *end;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case OPT_STORE: o->store_parent = optarg; break;
        case OPT_OUT:   o->out = optarg; break;
        case OPT_SEED:
            errno = 0;
            o->seed = strtoull(optarg, &end, 0);
            if (errno || end == optarg || *end)
                die("--seed", "not a number: \"%s\"", optarg);
            break;
        case OPT_PROD:
            o->producers = (unsigned)num_arg("--producers", optarg, 1, COMMIT_PRODUCERS_MAX);
            have_prod = 1;
            break;
        case OPT_POLICY:
            if (!strcmp(optarg, "dac")) {
                o->dac = 1;
            } else if (!strncmp(optarg, "fixed:", 6)) {
                o->dac = 0;
                o->fixed_ms = num_arg("--policy", optarg + 6, 0, 3600000);
            } else {
                die("--policy", "expected dac or fixed:MS, got \"%s\"", optarg);
            }
            snprintf(o->policy, sizeof(o->policy), "%s", optarg);
            o->have_policy = 1;
            break;
        case OPT_DUR:
            o->duration_s = strtod(optarg, &end);
            if (end == optarg || *end || !(o->duration_s > 0 && o->duration_s <= 3600))
                die("--duration-s", "expected seconds in (0, 3600], got \"%s\"", optarg);
            o->have_duration = 1;
            break;
        case OPT_SBYTES:
            o->sample_bytes = num_arg("--sample-bytes", optarg, 1, POOL_BYTES);
            break;
        case OPT_BATCH:
            o->batch = (uint32_t)num_arg("--batch", optarg, 1, LS_GLOBAL_BATCH_MAX);
            break;
        case OPT_PREGROW:
            o->pregrow_versions = num_arg("--pregrow-versions", optarg, 0, 100000000);
            break;
        case OPT_PREGROW_GC:
            if (!strcmp(optarg, "on"))
                o->pregrow_gc = 1;
            else if (!strcmp(optarg, "off"))
                o->pregrow_gc = 0;
            else
                die("--pregrow-gc", "expected on or off, got \"%s\"", optarg);
            break;
        case OPT_PREGROW_CTL: o->pregrow_control = 1; break;
        case OPT_JSON: o->json = 1; break;
        case OPT_CONF:
            conf_arg(optarg, o->conf, o->conf_overrides,
                     "the commit benchmark runs with store.fsync on", "producer.commit.policy is chosen with --policy");
            break;
        case OPT_KEEP: o->keep = 1; break;
        case 'h': usage_commit(stdout); exit(0);
        default:  usage_commit(stderr); exit(2);
        }
    }
    if (optind != argc)
        die("arguments", "unexpected \"%s\" (see --help)", argv[optind]);
    if (!have_prod)
        die("--producers", "required (see --help)");
    if (!o->have_policy)
        die("--policy", "required (see --help)");
    if (!o->have_duration)
        die("--duration-s", "required (see --help)");
    if (o->pregrow_control && o->pregrow_versions == 0)
        die("--pregrow-control", "needs --pregrow-versions");
    if (!o->dac && json_object_get(o->conf_overrides, "producer.commit.interval.ms"))
        die("--conf", "producer.commit.interval.ms is set by --policy fixed:MS");
    int rc = ls_conf_set(o->conf, "store.fsync", "true");
    if (!rc)
        rc = ls_conf_set(o->conf, "producer.commit.policy", o->dac ? "dac" : "fixed");
    if (!rc && !o->dac) {
        char ms[32];
        snprintf(ms, sizeof(ms), "%" PRIu64, o->fixed_ms);
        rc = ls_conf_set(o->conf, "producer.commit.interval.ms", ms);
    }
    if (rc)
        die_ls(rc, "--policy");
}

static int run_commit(int argc, char **argv)
{
    copts o = {
        .store_parent = "/tmp", .seed = 1, .sample_bytes = 1024, .batch = 1024,
        .pregrow_gc = 1, .conf = ls_conf_new(), .conf_overrides = json_object(),
    };
    if (!o.conf || !o.conf_overrides)
        die("conf", "out of memory");
    parse_commit_args(&o, argc - 1, argv + 1);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int rc = cmd_commit(&o, argc, argv);
    ls_conf_destroy(o.conf);
    json_decref(o.conf_overrides);
    return rc;
}

/* ---- the stores benchmark -------------------------------------------------
 *
 * `stores` measures, in one run, the posix store (a fresh directory,
 * store.fsync on) and, with --s3-uri, an S3 store (a fresh sub-prefix of
 * the URI, deleted at the end), so that the two are compared under the same
 * conditions of a shared machine:
 *  1. ingest: one producer per sample size, as `ingest` does;
 *  2. commit latency: one producer appending at a fixed sample rate under a
 *     fixed 10 ms commit interval (small commits); the latency of each
 *     commit is derived from ls_producer_stats as `commit` does;
 *  3. step reads: W ranks, each a thread with its own store handle and
 *     consumer, read every step of a table written the same way on both
 *     stores;
 *  4. every store call of all of the above, counted by a wrapper store
 *     (calls, outcomes, bytes and latency per operation): the inputs of a
 *     cost model.
 * Within each measurement the two stores run back to back, the order
 * alternating with the repetition.  Layout: the counting store, the
 * measurements, JSON, the run, the command line. */

#define ST_MAX 2                   /* posix, s3 */
#define ST_REPEAT_MAX 20
#define ST_WORLDS_MAX 8
#define ST_THREADS_MAX 1024        /* rank threads of one read run */
#define ST_PRODUCER_ID "bench-stores"
#define ST_READ_TABLE "read"
#define ST_INGEST_SALT 0x53544F5245532D49ull
#define ST_COMMIT_SALT 0x53544F5245532D43ull
#define ST_READ_SALT 0x53544F5245532D52ull
#define ST_BUILD_INTERVAL_MS "3600000"   /* the read table commits on flush only */
#define ST_LIST_PAGE 1000               /* keys per list call when deleting */
#define ST_ERRS 16                      /* ls_err codes counted one by one */
#define LAT_BUCKETS 192                 /* quarter octaves of ns, up to 2^48 ns */

/* ---- a store that counts ---------------------------------------------------
 *
 * A wrapper (SQLite test_vfs style) that forwards every call to the store it
 * owns and counts, per operation: calls, outcome (ok, not found, exists,
 * other errors by code), payload bytes (sent by put and put_if_absent,
 * received by get), keys listed, and the call's latency in a histogram of
 * quarter-octave buckets.  get_many is forwarded as get_many when the inner
 * store has one: each of its reads counts as a get (its latency is that of
 * the whole batch, counted apart under "get_many").  Counters are atomic:
 * the producer's chunk writers and the consumer's prefetcher call the
 * store from their own threads, and the ranks of a read run share one
 * set of counters. */

enum { OPI_PUT, OPI_PIA, OPI_GET, OPI_HEAD, OPI_LIST, OPI_DEL, ST_OPS };
static const char *const st_op_name[ST_OPS] = {
    "put", "put_if_absent", "get", "head", "list", "delete"
};

typedef struct op_count {
    atomic_uint_least64_t calls, ok, not_found, exists, failed;
    atomic_uint_least64_t err[ST_ERRS];      /* failed, by ls_err code */
    atomic_uint_least64_t bytes, keys;
    atomic_uint_least64_t timed, ns;         /* calls whose latency is known */
    atomic_uint_least64_t hist[LAT_BUCKETS];
} op_count;

typedef struct store_count {
    op_count op[ST_OPS];   /* get: single gets and the reads of get_many */
    op_count many;         /* get_many calls: bytes of all reads, latency of the batch */
    atomic_uint_least64_t opens;   /* store handles opened (s3: one LIST each, not counted) */
} store_count;

/* A plain copy of the counters, to subtract and add. */
typedef struct op_snap {
    uint64_t calls, ok, not_found, exists, failed;
    uint64_t err[ST_ERRS];
    uint64_t bytes, keys, timed, ns;
    uint64_t hist[LAT_BUCKETS];
} op_snap;

typedef struct count_snap {
    op_snap op[ST_OPS];
    op_snap many;
    uint64_t opens;
} count_snap;

#define RLX memory_order_relaxed

static unsigned lat_bucket(uint64_t ns)
{
    if (ns < 4)
        return (unsigned)ns;
    unsigned oct = 63u - (unsigned)__builtin_clzll(ns);     /* >= 2 */
    unsigned b = oct * 4 + (unsigned)((ns >> (oct - 2)) & 3);
    return b < LAT_BUCKETS ? b : LAT_BUCKETS - 1;
}

/* Upper edge (ns) of bucket b. */
static double lat_bucket_top(unsigned b)
{
    if (b < 8)
        return (double)(b + 1);
    unsigned oct = b / 4, sub = b % 4;
    return (double)((uint64_t)(5 + sub) << (oct - 2));
}

static void op_note(op_count *c, int rc, uint64_t bytes, uint64_t keys, int timed, uint64_t ns)
{
    atomic_fetch_add_explicit(&c->calls, 1, RLX);
    if (rc == LS_OK)
        atomic_fetch_add_explicit(&c->ok, 1, RLX);
    else if (rc == LS_ERR_NOT_FOUND)
        atomic_fetch_add_explicit(&c->not_found, 1, RLX);
    else if (rc == LS_ERR_EXISTS)
        atomic_fetch_add_explicit(&c->exists, 1, RLX);
    else {
        atomic_fetch_add_explicit(&c->failed, 1, RLX);
        atomic_fetch_add_explicit(&c->err[rc > 0 && rc < ST_ERRS ? rc : 0], 1, RLX);
    }
    atomic_fetch_add_explicit(&c->bytes, bytes, RLX);
    atomic_fetch_add_explicit(&c->keys, keys, RLX);
    if (timed) {
        atomic_fetch_add_explicit(&c->timed, 1, RLX);
        atomic_fetch_add_explicit(&c->ns, ns, RLX);
        atomic_fetch_add_explicit(&c->hist[lat_bucket(ns)], 1, RLX);
    }
}

static void op_take(op_count *c, op_snap *s)
{
    s->calls = atomic_load_explicit(&c->calls, RLX);
    s->ok = atomic_load_explicit(&c->ok, RLX);
    s->not_found = atomic_load_explicit(&c->not_found, RLX);
    s->exists = atomic_load_explicit(&c->exists, RLX);
    s->failed = atomic_load_explicit(&c->failed, RLX);
    for (int i = 0; i < ST_ERRS; i++)
        s->err[i] = atomic_load_explicit(&c->err[i], RLX);
    s->bytes = atomic_load_explicit(&c->bytes, RLX);
    s->keys = atomic_load_explicit(&c->keys, RLX);
    s->timed = atomic_load_explicit(&c->timed, RLX);
    s->ns = atomic_load_explicit(&c->ns, RLX);
    for (int i = 0; i < LAT_BUCKETS; i++)
        s->hist[i] = atomic_load_explicit(&c->hist[i], RLX);
}

static void count_take(store_count *c, count_snap *s)
{
    for (int i = 0; i < ST_OPS; i++)
        op_take(&c->op[i], &s->op[i]);
    op_take(&c->many, &s->many);
    s->opens = atomic_load_explicit(&c->opens, RLX);
}

/* out = a - b (out may be a). */
static void op_sub(const op_snap *a, const op_snap *b, op_snap *out)
{
    out->calls = a->calls - b->calls;
    out->ok = a->ok - b->ok;
    out->not_found = a->not_found - b->not_found;
    out->exists = a->exists - b->exists;
    out->failed = a->failed - b->failed;
    for (int i = 0; i < ST_ERRS; i++)
        out->err[i] = a->err[i] - b->err[i];
    out->bytes = a->bytes - b->bytes;
    out->keys = a->keys - b->keys;
    out->timed = a->timed - b->timed;
    out->ns = a->ns - b->ns;
    for (int i = 0; i < LAT_BUCKETS; i++)
        out->hist[i] = a->hist[i] - b->hist[i];
}

static void op_add(op_snap *acc, const op_snap *x)
{
    acc->calls += x->calls;
    acc->ok += x->ok;
    acc->not_found += x->not_found;
    acc->exists += x->exists;
    acc->failed += x->failed;
    for (int i = 0; i < ST_ERRS; i++)
        acc->err[i] += x->err[i];
    acc->bytes += x->bytes;
    acc->keys += x->keys;
    acc->timed += x->timed;
    acc->ns += x->ns;
    for (int i = 0; i < LAT_BUCKETS; i++)
        acc->hist[i] += x->hist[i];
}

static void count_sub(const count_snap *a, const count_snap *b, count_snap *out)
{
    for (int i = 0; i < ST_OPS; i++)
        op_sub(&a->op[i], &b->op[i], &out->op[i]);
    op_sub(&a->many, &b->many, &out->many);
    out->opens = a->opens - b->opens;
}

static void count_add(count_snap *acc, const count_snap *x)
{
    for (int i = 0; i < ST_OPS; i++)
        op_add(&acc->op[i], &x->op[i]);
    op_add(&acc->many, &x->many);
    acc->opens += x->opens;
}

static uint64_t count_calls(const count_snap *c)
{
    uint64_t n = 0;
    for (int i = 0; i < ST_OPS; i++)
        n += c->op[i].calls;
    return n;
}

static uint64_t count_failed(const count_snap *c)
{
    uint64_t n = 0;
    for (int i = 0; i < ST_OPS; i++)
        n += c->op[i].failed;
    return n;
}

typedef struct cstore {
    ls_store st;          /* what the library sees; st.impl points here */
    ls_store *inner;      /* owned */
    store_count *cnt;     /* not owned; may be shared by several handles */
} cstore;

static int cs_put(ls_store *st, const char *key, const void *buf, size_t len)
{
    cstore *c = st->impl;
    uint64_t t0 = now_ns();
    int rc = c->inner->put(c->inner, key, buf, len);
    op_note(&c->cnt->op[OPI_PUT], rc, len, 0, 1, now_ns() - t0);
    return rc;
}

static int cs_put_if_absent(ls_store *st, const char *key, const void *buf, size_t len)
{
    cstore *c = st->impl;
    uint64_t t0 = now_ns();
    int rc = c->inner->put_if_absent(c->inner, key, buf, len);
    op_note(&c->cnt->op[OPI_PIA], rc, len, 0, 1, now_ns() - t0);
    return rc;
}

static int cs_get(ls_store *st, const char *key, uint64_t off, uint64_t len, uint8_t **out,
                  size_t *out_len)
{
    cstore *c = st->impl;
    uint64_t t0 = now_ns();
    int rc = c->inner->get(c->inner, key, off, len, out, out_len);
    op_note(&c->cnt->op[OPI_GET], rc, rc == LS_OK ? *out_len : 0, 0, 1, now_ns() - t0);
    return rc;
}

static int cs_head(ls_store *st, const char *key, uint64_t *size)
{
    cstore *c = st->impl;
    uint64_t t0 = now_ns();
    int rc = c->inner->head(c->inner, key, size);
    op_note(&c->cnt->op[OPI_HEAD], rc, 0, 0, 1, now_ns() - t0);
    return rc;
}

static int cs_list(ls_store *st, const char *prefix, const char *start_after, size_t max,
                   ls_keylist *out)
{
    cstore *c = st->impl;
    uint64_t t0 = now_ns();
    int rc = c->inner->list(c->inner, prefix, start_after, max, out);
    op_note(&c->cnt->op[OPI_LIST], rc, 0, rc == LS_OK ? out->n : 0, 1, now_ns() - t0);
    return rc;
}

static int cs_del(ls_store *st, const char *key)
{
    cstore *c = st->impl;
    uint64_t t0 = now_ns();
    int rc = c->inner->del(c->inner, key);
    op_note(&c->cnt->op[OPI_DEL], rc, 0, 0, 1, now_ns() - t0);
    return rc;
}

/* Only installed when the inner store has get_many (else the wrapper
 * ls_store_get_many calls cs_get for each read, and they count there). */
static int cs_get_many(ls_store *st, ls_get_req *reqs, size_t n)
{
    cstore *c = st->impl;
    uint64_t t0 = now_ns();
    int rc = c->inner->get_many(c->inner, reqs, n);
    uint64_t ns = now_ns() - t0, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t b = reqs[i].rc == LS_OK ? reqs[i].out_len : 0;
        op_note(&c->cnt->op[OPI_GET], reqs[i].rc, b, 0, 0, 0);
        bytes += b;
    }
    op_note(&c->cnt->many, rc, bytes, n, 1, ns);
    return rc;
}

static void cs_close(ls_store *st)
{
    cstore *c = st->impl;
    ls_store_close(c->inner);
    free(c);
}

/* Open uri and wrap it; the handle's calls count into cnt (not owned, must
 * outlive the handle).  On failure the error is the library's (ls_errmsg). */
static int cstore_open(const char *uri, const ls_conf *conf, store_count *cnt, ls_store **out)
{
    ls_store *inner;
    int rc = ls_store_open(uri, conf, &inner);
    if (rc)
        return rc;
    cstore *c = calloc(1, sizeof(*c));
    if (!c) {
        ls_store_close(inner);
        return LS_ERR_NOMEM;
    }
    c->inner = inner;
    c->cnt = cnt;
    c->st = (ls_store){
        .name = inner->name, .put = cs_put, .put_if_absent = cs_put_if_absent,
        .get = cs_get, .head = cs_head, .list = cs_list, .del = cs_del,
        .get_many = inner->get_many ? cs_get_many : NULL, .close = cs_close, .impl = c,
    };
    atomic_fetch_add_explicit(&cnt->opens, 1, RLX);
    *out = &c->st;
    return LS_OK;
}

/* Delete every key under prefix ("" for the whole store), a page of list at
 * a time; *deleted counts the keys. */
static int delete_prefix(ls_store *st, const char *prefix, uint64_t *deleted)
{
    char after[LS_KEY_BYTES_MAX + 1] = "";
    for (;;) {
        ls_keylist kl = { 0 };
        int rc = ls_store_list(st, prefix, after[0] ? after : NULL, ST_LIST_PAGE, &kl);
        if (rc)
            return rc;
        for (size_t i = 0; i < kl.n; i++) {
            if ((rc = ls_store_delete(st, kl.keys[i]))) {
                ls_keylist_free(&kl);
                return rc;
            }
            (*deleted)++;
        }
        size_t n = kl.n;
        if (n > 0)
            snprintf(after, sizeof(after), "%s", kl.keys[n - 1]);
        ls_keylist_free(&kl);
        if (n < ST_LIST_PAGE)
            return LS_OK;
    }
}

/* The S3 prefix this run writes under, removed by die() too (best effort),
 * unless --keep. */
static char *g_s3_run_uri;
static ls_conf *g_s3_conf;

static void s3_cleanup_on_exit(void)
{
    char *uri = g_s3_run_uri;
    g_s3_run_uri = NULL;          /* once, even if this fails and dies */
    if (!uri || g_keep)
        return;
    ls_store *st;
    uint64_t n = 0;
    int rc = ls_store_open(uri, g_s3_conf, &st);
    if (!rc) {
        rc = delete_prefix(st, "", &n);
        ls_store_close(st);
    }
    if (rc)
        fprintf(stderr, "%s: cleanup: could not remove everything under %s: %s (%s)\n",
                PROG, uri, ls_errmsg(), ls_err2str(rc));
    else
        fprintf(stderr, "%s: cleanup: removed %" PRIu64 " objects under %s\n", PROG, n, uri);
}

/* ---- options and per-store state ------------------------------------------ */

typedef struct sopts {
    const char *store_parent, *out, *s3_uri;
    uint64_t    seed;
    unsigned    repeat;
    uint64_t    bytes_per_run;        /* ingest payload per run */
    const char *bytes_source;         /* "default" or "flag" */
    size_t      sizes[SIZES_MAX];     /* ingest sample sizes */
    size_t      nsizes;
    uint32_t    batch;                /* global batch of the ingest and commit tables */
    double      commit_duration_s;
    uint64_t    commit_interval_ms, commit_sample_bytes, commit_rate;
    uint64_t    read_sample_bytes, read_steps, read_steps_per_commit;
    uint32_t    read_batch;
    uint32_t    worlds[ST_WORLDS_MAX];
    size_t      nworlds;
    int         read_timeout_ms, json, keep;
    ls_conf    *conf;                 /* --conf overrides */
    json_t     *conf_overrides;
} sopts;

typedef struct bstore {
    const char *backend;    /* "posix" or "s3": the inner store's name */
    char       *uri;        /* the store this run uses (malloc()ed) */
    ls_conf    *conf;       /* for every handle and every producer/consumer on it */
    store_count *cnt;       /* counters of the main handle (owned) */
    ls_store   *st;         /* the main handle, counted */
    count_snap  read_calls; /* all calls of the rank handles of the read runs */
    uint64_t    cleanup_keys;
    double      cleanup_s;
    count_snap  cleanup_calls;
} bstore;

/* The main handle's counters now. */
static void bstore_take(bstore *b, count_snap *s)
{
    count_take(b->cnt, s);
}

/* Delete a table's objects through the main handle (counted as cleanup). */
static void bstore_drop_table(bstore *b, const char *table)
{
    char prefix[LS_KEY_BYTES_MAX + 1];
    snprintf(prefix, sizeof(prefix), "%s/", table);
    count_snap c0, c1;
    bstore_take(b, &c0);
    uint64_t t0 = now_ns();
    int rc = delete_prefix(b->st, prefix, &b->cleanup_keys);
    if (rc) {
        char what[256];
        snprintf(what, sizeof(what), "%s: delete table %s", b->backend, table);
        die_ls(rc, what);
    }
    b->cleanup_s += (double)(now_ns() - t0) / 1e9;
    bstore_take(b, &c1);
    count_sub(&c1, &c0, &c1);
    count_add(&b->cleanup_calls, &c1);
}

static ls_conf *conf_or_die(ls_conf *c, const char *name, const char *value)
{
    int rc = ls_conf_set(c, name, value);
    if (rc)
        die_ls(rc, name);
    return c;
}

/* ---- 1. ingest ------------------------------------------------------------- */

typedef struct sing_run {
    double seconds, mb_per_s, samples_per_s, open_ms;
    double commit_overhead, chunk_write_share;
    ls_producer_stats st;
    count_snap calls;          /* from the first append to the return of flush */
    uint64_t open_calls;       /* table create + producer open */
} sing_run;

static sing_run stores_ingest_once(const pool *pl, bstore *b, uint32_t batch,
                                   const char *table, size_t size, uint64_t n)
{
    char what[256];
    snprintf(what, sizeof(what), "%s: ingest into table %s", b->backend, table);
    count_snap c0, c1, c2;
    bstore_take(b, &c0);
    int rc = ls_table_create(b->st, table, batch, LS_CODEC_NONE);
    if (rc)
        die_ls(rc, what);
    ls_producer *p;
    uint64_t t_open = now_ns();
    if ((rc = ls_producer_open(b->st, table, ST_PRODUCER_ID, b->conf, &p)))
        die_ls(rc, what);
    sing_run r = { .open_ms = (double)(now_ns() - t_open) / 1e6 };
    bstore_take(b, &c1);
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        if ((rc = ls_producer_append(p, pool_cut(pl, ST_INGEST_SALT ^ size, i), size, NULL)))
            die_ls(rc, what);
        if ((i & 1023) == 0)
            check_stop();
    }
    if ((rc = ls_producer_flush(p)))
        die_ls(rc, what);
    uint64_t t1 = now_ns();
    bstore_take(b, &c2);
    ls_producer_stats_get(p, &r.st);
    ls_producer_close(p);
    if (r.st.samples_committed != n)
        die(what, "%" PRIu64 " samples committed of %" PRIu64 " appended",
            r.st.samples_committed, n);
    count_sub(&c2, &c1, &r.calls);
    count_sub(&c1, &c0, &c1);
    r.open_calls = count_calls(&c1);
    double ns = (double)(t1 - t0);
    r.seconds = ns / 1e9;
    r.mb_per_s = (double)n * (double)size / MB / r.seconds;
    r.samples_per_s = (double)n / r.seconds;
    r.commit_overhead = (double)r.st.commit_ns_total / ns;
    r.chunk_write_share = (double)r.st.chunk_write_ns_total / ns;
    return r;
}

/* ---- 2. commit latency ------------------------------------------------------ */

typedef struct scommit_run {
    double seconds;            /* first append to the return of the final flush */
    uint64_t samples, commits;
    ls_producer_stats s0, s1;  /* after open; after the final flush */
    double *lat_ms, *call_ms;  /* one per commit (malloc()ed) */
    size_t nobs;
    count_snap calls;          /* over the same window */
} scommit_run;

static void obs_push(scommit_run *r, size_t *cap, double lat, double call)
{
    if (r->nobs == *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        double *a = realloc(r->lat_ms, *cap * sizeof(double));
        if (a)
            r->lat_ms = a;
        double *c = a ? realloc(r->call_ms, *cap * sizeof(double)) : NULL;
        if (c)
            r->call_ms = c;
        if (!a || !c)
            die("commit latency", "out of memory");
    }
    r->lat_ms[r->nobs] = lat;
    r->call_ms[r->nobs++] = call;
}

/* One producer appends samples of commit_sample_bytes at commit_rate
 * samples/s (each sample when it is due; a backlog after a slow call is
 * appended at once, as a producer fed by a queue would) for
 * commit_duration_s, under producer.commit.policy=fixed with the given
 * interval, then flushes.  After every append and the flush it reads
 * ls_producer_stats: when commits grew, the growth of commit_ns_total over
 * that call is the latency of the commit (n commits in one call get 1/n
 * each), as the `commit` benchmark derives it. */
static scommit_run stores_commit_once(const sopts *o, const pool *pl, bstore *b,
                                      const char *table)
{
    char what[256], ms[32];
    snprintf(what, sizeof(what), "%s: commit latency, table %s", b->backend, table);
    ls_conf *conf = ls_conf_dup(b->conf);
    if (!conf)
        die(what, "out of memory");
    snprintf(ms, sizeof(ms), "%" PRIu64, o->commit_interval_ms);
    conf_or_die(conf, "producer.commit.policy", "fixed");
    conf_or_die(conf, "producer.commit.interval.ms", ms);
    int rc = ls_table_create(b->st, table, o->batch, LS_CODEC_NONE);
    if (rc)
        die_ls(rc, what);
    ls_producer *p;
    if ((rc = ls_producer_open(b->st, table, ST_PRODUCER_ID, conf, &p)))
        die_ls(rc, what);
    scommit_run r = { 0 };
    size_t cap = 0;
    ls_producer_stats prev, cur;
    ls_producer_stats_get(p, &r.s0);
    prev = r.s0;
    count_snap c0, c1;
    bstore_take(b, &c0);
    size_t sz = (size_t)o->commit_sample_bytes;
    double per_ns = (double)o->commit_rate / 1e9;
    uint64_t t0 = now_ns(), dur = (uint64_t)(o->commit_duration_s * 1e9), i = 0;
    for (int flushing = 0;;) {
        uint64_t t = now_ns();
        if (!flushing && t - t0 >= dur)
            flushing = 1;
        if (!flushing) {
            uint64_t due = (uint64_t)((double)(t - t0) * per_ns) + 1;
            if (i >= due) {
                /* Sleep until the next sample is due. */
                uint64_t at = t0 + (uint64_t)((double)i / per_ns);
                struct timespec ts = { .tv_sec = (time_t)(at / 1000000000ull),
                                       .tv_nsec = (long)(at % 1000000000ull) };
                while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
                    check_stop();
                continue;
            }
            if ((rc = ls_producer_append(p, pool_cut(pl, ST_COMMIT_SALT, i), sz, NULL)))
                die_ls(rc, what);
            i++;
        } else if ((rc = ls_producer_flush(p))) {
            die_ls(rc, what);
        }
        uint64_t t_end = now_ns();
        ls_producer_stats_get(p, &cur);
        if (cur.commits != prev.commits) {
            uint64_t n = cur.commits - prev.commits;
            for (uint64_t k = 0; k < n; k++)
                obs_push(&r, &cap, (double)(cur.commit_ns_total - prev.commit_ns_total) /
                                   (double)n / 1e6, (double)(t_end - t) / 1e6);
            prev = cur;
        }
        if (flushing) {
            r.seconds = (double)(t_end - t0) / 1e9;
            break;
        }
        if ((i & 255) == 0)
            check_stop();
    }
    bstore_take(b, &c1);
    count_sub(&c1, &c0, &r.calls);
    r.s1 = cur;
    r.samples = i;
    r.commits = r.s1.commits - r.s0.commits;
    ls_producer_close(p);
    ls_conf_destroy(conf);
    if (r.s1.samples_committed - r.s0.samples_committed != i)
        die(what, "%" PRIu64 " samples committed of %" PRIu64 " appended",
            r.s1.samples_committed - r.s0.samples_committed, i);
    return r;
}

/* ---- 3. step reads ----------------------------------------------------------- */

typedef struct read_table_info {
    uint64_t steps, samples, commits;     /* written: steps + tail steps */
    double seconds;
    count_snap calls;
} read_table_info;

/* The table every read run reads: (steps + tail) steps of B samples of
 * read_sample_bytes, committed on flush every read_steps_per_commit steps
 * (one chunk per commit with the default chunk limits), the same on every
 * store.  The tail (consumer.prefetch.steps steps) keeps the prefetcher of
 * a rank that has read the last measured step from polling the log for
 * steps that will never come. */
static read_table_info build_read_table(const sopts *o, const pool *pl, bstore *b,
                                        uint64_t tail)
{
    char what[256];
    snprintf(what, sizeof(what), "%s: write table %s", b->backend, ST_READ_TABLE);
    ls_conf *conf = ls_conf_dup(b->conf);
    if (!conf)
        die(what, "out of memory");
    conf_or_die(conf, "producer.commit.policy", "fixed");
    conf_or_die(conf, "producer.commit.interval.ms", ST_BUILD_INTERVAL_MS);
    read_table_info ti = { .steps = o->read_steps + tail };
    count_snap c0, c1;
    bstore_take(b, &c0);
    uint64_t t0 = now_ns();
    int rc = ls_table_create(b->st, ST_READ_TABLE, o->read_batch, LS_CODEC_NONE);
    if (rc)
        die_ls(rc, what);
    ls_producer *p;
    if ((rc = ls_producer_open(b->st, ST_READ_TABLE, ST_PRODUCER_ID, conf, &p)))
        die_ls(rc, what);
    size_t sz = (size_t)o->read_sample_bytes;
    uint64_t per_commit = o->read_steps_per_commit * o->read_batch;
    ti.samples = ti.steps * o->read_batch;
    for (uint64_t i = 0; i < ti.samples; i++) {
        if ((rc = ls_producer_append(p, pool_cut(pl, ST_READ_SALT, i), sz, NULL)))
            die_ls(rc, what);
        if ((i + 1) % per_commit == 0 || i + 1 == ti.samples) {
            if ((rc = ls_producer_flush(p)))
                die_ls(rc, what);
            check_stop();
        }
    }
    ls_producer_stats st;
    ls_producer_stats_get(p, &st);
    ls_producer_close(p);
    ls_conf_destroy(conf);
    ti.seconds = (double)(now_ns() - t0) / 1e9;
    ti.commits = st.commits;
    if (st.samples_committed != ti.samples)
        die(what, "%" PRIu64 " samples committed of %" PRIu64, st.samples_committed,
            ti.samples);
    bstore_take(b, &c1);
    count_sub(&c1, &c0, &ti.calls);
    return ti;
}

typedef struct rank_arg {
    /* in */
    const sopts *o;
    const pool  *pl;
    const bstore *b;
    store_count *cnt;          /* shared by the ranks of the run */
    uint32_t rank, world;
    pthread_barrier_t *bar;
    double  *step_ms;          /* o->read_steps entries */
    /* out */
    int      rc;
    char     err[600];
    double   open_ms;
    ls_read_stats s_open, s_end;
    uint64_t t_end_ns;
} rank_arg;

static void rank_fail(rank_arg *a, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void rank_fail(rank_arg *a, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->err, sizeof(a->err), fmt, ap);
    va_end(ap);
    a->rc = rc ? rc : LS_ERR_STATE;
}

/* One rank: its own store handle and consumer.  It opens, waits for every
 * rank to have opened (the main thread then reads the counters), waits for
 * the start, and reads steps 0 .. read_steps-1, checking every sample.  It
 * never exits the process: a failure is handed back in a->rc / a->err. */
static void *rank_main(void *arg)
{
    rank_arg *a = arg;
    const sopts *o = a->o;
    ls_store *st = NULL;
    ls_consumer *c = NULL;
    uint64_t t0 = now_ns();
    int rc = cstore_open(a->b->uri, a->b->conf, a->cnt, &st);
    if (rc)
        rank_fail(a, rc, "rank %u of %u: open store: %s (%s)", a->rank, a->world, ls_errmsg(),
                  ls_err2str(rc));
    else if ((rc = ls_consumer_open(st, ST_READ_TABLE, a->rank, a->world, a->b->conf, &c)))
        rank_fail(a, rc, "rank %u of %u: open consumer: %s (%s)", a->rank, a->world,
                  ls_errmsg(), ls_err2str(rc));
    else {
        a->open_ms = (double)(now_ns() - t0) / 1e6;
        ls_consumer_stats_get(c, &a->s_open);
    }
    pthread_barrier_wait(a->bar);   /* every rank has opened */
    pthread_barrier_wait(a->bar);   /* start */
    uint32_t slice = o->read_batch / a->world;
    size_t sz = (size_t)o->read_sample_bytes, chk = sz < 16 ? sz : 16;
    for (uint64_t s = 0; !a->rc && s < o->read_steps; s++) {
        if (g_stop) {
            rank_fail(a, LS_ERR_STATE, "rank %u: interrupted", a->rank);
            break;
        }
        ls_batch *bt;
        uint64_t t = now_ns();
        if ((rc = ls_consumer_read_step(c, s, o->read_timeout_ms, &bt))) {
            rank_fail(a, rc, "rank %u of %u: step %" PRIu64 ": %s (%s)", a->rank, a->world, s,
                      ls_errmsg(), ls_err2str(rc));
            break;
        }
        a->step_ms[s] = (double)(now_ns() - t) / 1e6;
        uint64_t first = s * o->read_batch + (uint64_t)a->rank * slice;
        if (bt->count != slice || bt->first_sample != first)
            rank_fail(a, LS_ERR_CORRUPT, "rank %u of %u: step %" PRIu64 ": %zu samples from %"
                      PRIu64 ", expected %u from %" PRIu64, a->rank, a->world, s, bt->count,
                      bt->first_sample, slice, first);
        for (size_t j = 0; !a->rc && j < bt->count; j++) {
            const uint8_t *want = pool_cut(a->pl, ST_READ_SALT, first + j);
            if (bt->lens[j] != sz || memcmp(bt->samples[j], want, chk) ||
                memcmp(bt->samples[j] + sz - chk, want + sz - chk, chk))
                rank_fail(a, LS_ERR_CORRUPT, "rank %u of %u: sample %" PRIu64 " differs from "
                          "the one appended", a->rank, a->world, first + j);
        }
        ls_batch_destroy(bt);
    }
    a->t_end_ns = now_ns();
    if (c)
        ls_consumer_stats_get(c, &a->s_end);
    ls_consumer_close(c);
    ls_store_close(st);
    return NULL;
}

typedef struct sread_run {
    double seconds, mb_per_s, steps_per_s;
    double open_ms_median, open_ms_max;   /* over the ranks */
    ls_read_stats open_sum;    /* sum over the ranks of the stats right after open */
    ls_read_stats steps_sum;   /* sum over the ranks of (stats at the end - after open) */
    count_snap open_calls;     /* store calls of the opens (consumer open: table load) */
    count_snap calls;          /* store calls from the start to the last rank's end */
    double *step_ms;           /* W x read_steps call times of ls_consumer_read_step */
    size_t nstep_ms;
} sread_run;

static void stats_sub_add(ls_read_stats *acc, const ls_read_stats *a, const ls_read_stats *b)
{
    acc->bytes_fetched += a->bytes_fetched - b->bytes_fetched;
    acc->bytes_needed += a->bytes_needed - b->bytes_needed;
    acc->bytes_delivered += a->bytes_delivered - b->bytes_delivered;
    acc->meta_bytes_fetched += a->meta_bytes_fetched - b->meta_bytes_fetched;
    acc->requests += a->requests - b->requests;
    acc->data_requests += a->data_requests - b->data_requests;
    acc->steps += a->steps - b->steps;
    acc->samples += a->samples - b->samples;
    acc->wait_ns_total += a->wait_ns_total - b->wait_ns_total;
}

/* W rank threads read every measured step of the read table.  The time
 * runs from the common start (all ranks opened) to the end of the last
 * rank's last step. */
static sread_run stores_read_once(const sopts *o, const pool *pl, bstore *b, uint32_t W)
{
    char what[256];
    snprintf(what, sizeof(what), "%s: read at world size %u", b->backend, W);
    store_count *cnt = calloc(1, sizeof(*cnt));
    rank_arg *args = calloc(W, sizeof(*args));
    pthread_t *thr = calloc(W, sizeof(*thr));
    sread_run r = { .nstep_ms = (size_t)W * o->read_steps };
    r.step_ms = calloc(r.nstep_ms ? r.nstep_ms : 1, sizeof(double));
    double *open_ms = calloc(W, sizeof(double));
    if (!cnt || !args || !thr || !r.step_ms || !open_ms)
        die(what, "out of memory");
    pthread_barrier_t bar;
    if (pthread_barrier_init(&bar, NULL, W + 1) != 0)
        die(what, "cannot make a barrier");
    for (uint32_t i = 0; i < W; i++) {
        args[i] = (rank_arg){ .o = o, .pl = pl, .b = b, .cnt = cnt, .rank = i, .world = W,
                              .bar = &bar, .step_ms = r.step_ms + (size_t)i * o->read_steps };
        int e = pthread_create(&thr[i], NULL, rank_main, &args[i]);
        if (e)   /* the ranks started wait at the barrier; exiting ends them */
            die(what, "cannot start rank thread %u: %s", i, strerror(e));
    }
    pthread_barrier_wait(&bar);
    count_snap c_open, c_end;
    count_take(cnt, &c_open);
    uint64_t t0 = now_ns();
    pthread_barrier_wait(&bar);
    uint64_t t_end = t0;
    for (uint32_t i = 0; i < W; i++) {
        pthread_join(thr[i], NULL);
        if (args[i].t_end_ns > t_end)
            t_end = args[i].t_end_ns;
    }
    count_take(cnt, &c_end);
    pthread_barrier_destroy(&bar);
    for (uint32_t i = 0; i < W; i++)
        if (args[i].rc)
            die(what, "%s", args[i].err);
    check_stop();
    ls_read_stats zero = { 0 };
    for (uint32_t i = 0; i < W; i++) {
        stats_sub_add(&r.open_sum, &args[i].s_open, &zero);
        stats_sub_add(&r.steps_sum, &args[i].s_end, &args[i].s_open);
        open_ms[i] = args[i].open_ms;
    }
    qsort(open_ms, W, sizeof(double), cmp_double);
    r.open_ms_median = W % 2 ? open_ms[W / 2] : (open_ms[W / 2 - 1] + open_ms[W / 2]) / 2;
    r.open_ms_max = open_ms[W - 1];
    r.open_calls = c_open;
    count_sub(&c_end, &c_open, &r.calls);
    count_add(&b->read_calls, &c_end);
    r.seconds = (double)(t_end - t0) / 1e9;
    r.steps_per_s = (double)o->read_steps / r.seconds;
    r.mb_per_s = (double)o->read_steps * o->read_batch * (double)o->read_sample_bytes / MB /
                 r.seconds;
    free(open_ms);
    free(thr);
    free(args);
    free(cnt);
    return r;
}

/* ---- JSON of the stores benchmark --------------------------------------------- */

/* Percentile q of an op's latency histogram, in ms: the upper edge of the
 * quarter-octave bucket holding it (so at most 25 % above the true value). */
static double hist_pct_ms(const op_snap *s, double q)
{
    uint64_t n = 0, cum = 0;
    for (int b = 0; b < LAT_BUCKETS; b++)
        n += s->hist[b];
    if (n == 0)
        return 0;
    double x = q * (double)n;
    uint64_t want = (uint64_t)x;
    if ((double)want < x)
        want++;
    if (want < 1)
        want = 1;
    for (unsigned b = 0; b < LAT_BUCKETS; b++) {
        cum += s->hist[b];
        if (cum >= want)
            return lat_bucket_top(b) / 1e6;
    }
    return lat_bucket_top(LAT_BUCKETS - 1) / 1e6;
}

static json_t *lat_json(const op_snap *s)
{
    if (s->timed == 0)
        return json_null();
    json_t *l = json_object();
    jset(l, "n", jint(s->timed));
    jset(l, "mean", jreal((double)s->ns / (double)s->timed / 1e6));
    jset(l, "p50", jreal(hist_pct_ms(s, 0.5)));
    jset(l, "p90", jreal(hist_pct_ms(s, 0.9)));
    jset(l, "p99", jreal(hist_pct_ms(s, 0.99)));
    jset(l, "max", jreal(hist_pct_ms(s, 1.0)));
    return l;
}

static json_t *op_json(const op_snap *s, int is_list, int is_many)
{
    json_t *j = json_object();
    jset(j, "calls", jint(s->calls));
    jset(j, "ok", jint(s->ok));
    if (!is_many) {
        jset(j, "not_found", jint(s->not_found));
        jset(j, "exists", jint(s->exists));
    }
    jset(j, "failed", jint(s->failed));
    json_t *e = json_object();
    for (int i = 0; i < ST_ERRS; i++)
        if (s->err[i])
            jset(e, i ? ls_err2str(i) : "other", jint(s->err[i]));
    jset(j, "failed_by_error", e);
    jset(j, "bytes", jint(s->bytes));
    if (is_list)
        jset(j, "keys", jint(s->keys));
    if (is_many)
        jset(j, "reads", jint(s->keys));
    jset(j, "latency_ms", lat_json(s));
    return j;
}

static json_t *calls_json(const count_snap *c)
{
    json_t *j = json_object();
    for (int i = 0; i < ST_OPS; i++)
        jset(j, st_op_name[i], op_json(&c->op[i], i == OPI_LIST, 0));
    jset(j, "get_many", op_json(&c->many, 0, 1));
    jset(j, "total_calls", jint(count_calls(c)));
    jset(j, "failed_calls", jint(count_failed(c)));
    jset(j, "store_opens", jint(c->opens));
    return j;
}

/* Calls per op (and in total) divided by div. */
static json_t *per_op_json(const count_snap *c, double div)
{
    json_t *j = json_object();
    for (int i = 0; i < ST_OPS; i++)
        jset(j, st_op_name[i], jreal(div > 0 ? (double)c->op[i].calls / div : 0));
    jset(j, "total", jreal(div > 0 ? (double)count_calls(c) / div : 0));
    return j;
}

/* The median over n runs of calls per op / div[k]. */
static json_t *per_op_median_json(const count_snap *const *c, const double *div, unsigned n)
{
    json_t *j = json_object();
    double v[ST_REPEAT_MAX];
    for (int i = 0; i <= ST_OPS; i++) {
        for (unsigned k = 0; k < n; k++) {
            double x = i < ST_OPS ? (double)c[k]->op[i].calls : (double)count_calls(c[k]);
            v[k] = div[k] > 0 ? x / div[k] : 0;
        }
        jset(j, i < ST_OPS ? st_op_name[i] : "total", jreal(median(v, n)));
    }
    return j;
}

typedef struct sres {
    sing_run ing[ST_MAX][SIZES_MAX][ST_REPEAT_MAX];
    scommit_run com[ST_MAX][ST_REPEAT_MAX];
    sread_run rd[ST_MAX][ST_WORLDS_MAX][ST_REPEAT_MAX];
    read_table_info rt[ST_MAX];
    uint64_t ing_n[SIZES_MAX];     /* samples per ingest run */
    uint64_t tail;                 /* tail steps of the read table */
} sres;

static json_t *stores_ingest_json(const sopts *o, const sres *res, size_t k, size_t i)
{
    unsigned R = o->repeat;
    double mb[ST_REPEAT_MAX], sps[ST_REPEAT_MAX], sec[ST_REPEAT_MAX], com[ST_REPEAT_MAX],
           ovh[ST_REPEAT_MAX], cws[ST_REPEAT_MAX], cps[ST_REPEAT_MAX], gib[ST_REPEAT_MAX] = { 0 };
    const count_snap *cs[ST_REPEAT_MAX] = { 0 };
    uint64_t payload = res->ing_n[i] * o->sizes[i], failed = 0;
    json_t *e = json_object(), *runs = json_array();
    for (unsigned r = 0; r < R; r++) {
        const sing_run *v = &res->ing[k][i][r];
        mb[r] = v->mb_per_s;
        sps[r] = v->samples_per_s;
        sec[r] = v->seconds;
        com[r] = (double)v->st.commits;
        ovh[r] = v->commit_overhead;
        cws[r] = v->chunk_write_share;
        cps[r] = (double)count_calls(&v->calls) / v->seconds;
        gib[r] = (double)payload / (double)(1ull << 30);
        cs[r] = &v->calls;
        failed += count_failed(&v->calls);
        json_t *j = json_object();
        jset(j, "rep", jint(r));
        jset(j, "seconds", jreal(v->seconds));
        jset(j, "mb_per_s", jreal(v->mb_per_s));
        jset(j, "samples_per_s", jreal(v->samples_per_s));
        jset(j, "open_ms", jreal(v->open_ms));
        jset(j, "open_store_calls", jint(v->open_calls));
        jset(j, "commits", jint(v->st.commits));
        jset(j, "commit_overhead", jreal(v->commit_overhead));
        jset(j, "chunk_write_share", jreal(v->chunk_write_share));
        jset(j, "store_calls_per_s", jreal(cps[r]));
        jset(j, "stats", producer_stats_json(&v->st));
        jset(j, "store_calls", calls_json(&v->calls));
        json_array_append_new(runs, j);
    }
    jset(e, "sample_bytes", jint(o->sizes[i]));
    jset(e, "samples", jint(res->ing_n[i]));
    jset(e, "payload_bytes", jint(payload));
    jset(e, "mb_per_s_median", jreal(median(mb, R)));
    jset(e, "samples_per_s_median", jreal(median(sps, R)));
    jset(e, "seconds_median", jreal(median(sec, R)));
    jset(e, "commits_median", jreal(median(com, R)));
    jset(e, "commit_overhead_median", jreal(median(ovh, R)));
    jset(e, "chunk_write_share_median", jreal(median(cws, R)));
    jset(e, "store_calls_per_gib", per_op_median_json(cs, gib, R));
    jset(e, "store_calls_per_s_median", jreal(median(cps, R)));
    jset(e, "store_calls_failed", jint(failed));
    jset(e, "runs", runs);
    return e;
}

static json_t *stores_commit_json(const sopts *o, const sres *res, size_t k)
{
    unsigned R = o->repeat;
    size_t n = 0;
    for (unsigned r = 0; r < R; r++)
        n += res->com[k][r].nobs;
    double *lat = malloc((n ? n : 1) * sizeof(double));
    double *call = malloc((n ? n : 1) * sizeof(double));
    if (!lat || !call)
        die("commit latency", "out of memory");
    count_snap *sum = calloc(1, sizeof(*sum));
    if (!sum)
        die("commit latency", "out of memory");
    uint64_t commits = 0, samples = 0, conflicts = 0, attempts = 0;
    double seconds = 0;
    json_t *e = json_object(), *runs = json_array();
    size_t m = 0;
    for (unsigned r = 0; r < R; r++) {
        const scommit_run *v = &res->com[k][r];
        memcpy(lat + m, v->lat_ms, v->nobs * sizeof(double));
        memcpy(call + m, v->call_ms, v->nobs * sizeof(double));
        m += v->nobs;
        commits += v->commits;
        samples += v->samples;
        conflicts += v->s1.conflicts - v->s0.conflicts;
        attempts += v->s1.commit_attempts - v->s0.commit_attempts;
        seconds += v->seconds;
        count_add(sum, &v->calls);
        double *one = malloc((v->nobs ? v->nobs : 1) * sizeof(double));
        if (!one)
            die("commit latency", "out of memory");
        memcpy(one, v->lat_ms, v->nobs * sizeof(double));
        qsort(one, v->nobs, sizeof(double), cmp_double);
        json_t *j = json_object();
        jset(j, "rep", jint(r));
        jset(j, "seconds", jreal(v->seconds));
        jset(j, "samples", jint(v->samples));
        jset(j, "commits", jint(v->commits));
        jset(j, "commit_latency_ms_p50", v->nobs ? jreal(pct_sorted(one, v->nobs, 0.5))
                                                 : json_null());
        jset(j, "commit_latency_ms_p99", v->nobs ? jreal(pct_sorted(one, v->nobs, 0.99))
                                                 : json_null());
        jset(j, "store_calls_per_s", jreal((double)count_calls(&v->calls) / v->seconds));
        jset(j, "stats_end", producer_stats_json(&v->s1));
        jset(j, "store_calls", calls_json(&v->calls));
        json_array_append_new(runs, j);
        free(one);
    }
    jset(e, "sample_bytes", jint(o->commit_sample_bytes));
    jset(e, "policy", json_string("fixed"));
    jset(e, "interval_ms", jint(o->commit_interval_ms));
    jset(e, "rate_samples_per_s", jint(o->commit_rate));
    jset(e, "duration_s", jreal(o->commit_duration_s));
    jset(e, "seconds", jreal(seconds));
    jset(e, "samples", jint(samples));
    jset(e, "commits", jint(commits));
    jset(e, "commits_per_s", jreal(seconds > 0 ? (double)commits / seconds : 0));
    jset(e, "samples_per_commit", jreal(commits ? (double)samples / (double)commits : 0));
    jset(e, "conflicts", jint(conflicts));
    jset(e, "attempts_per_commit", jreal(commits ? (double)attempts / (double)commits : 0));
    json_t *ld = dist_json(lat, n);
    jset(e, "commit_latency_ms_p50", json_incref(json_object_get(ld, "p50")));
    jset(e, "commit_latency_ms_p99", json_incref(json_object_get(ld, "p99")));
    jset(e, "commit_latency_ms", ld);
    jset(e, "commit_call_ms", dist_json(call, n));
    jset(e, "store_calls_per_commit", per_op_json(sum, (double)commits));
    jset(e, "store_calls_per_s", jreal(seconds > 0 ? (double)count_calls(sum) / seconds : 0));
    jset(e, "store_calls_failed", jint(count_failed(sum)));
    jset(e, "runs", runs);
    free(lat);
    free(call);
    free(sum);
    return e;
}

/* Figures of one read run that the entry reports as medians. */
/* Per-step figures count the consumer's open (the table load: every record
 * a rank needs is fetched there when the table is complete, or later by a
 * refresh when it is being written) and the steps alike: a rank fetches
 * the records covering its steps once either way. */
typedef struct read_fig {
    double rank_steps;           /* steps read per rank (prefetched ones included) */
    double req_rank_step, req_rank_step_run, dreq_rank_step, amp, meta_rank_step;
    double meta_open_rank, req_open_rank, amp_meta, calls_per_s;
} read_fig;

static read_fig read_figures(const sread_run *v, uint32_t W)
{
    read_fig f;
    const ls_read_stats *s = &v->steps_sum, *op = &v->open_sum;
    double steps = s->steps ? (double)s->steps : 1;
    f.rank_steps = (double)s->steps / W;
    f.req_rank_step = (double)(s->requests + op->requests) / steps;
    f.req_rank_step_run = (double)s->requests / steps;
    f.dreq_rank_step = (double)s->data_requests / steps;
    f.amp = s->bytes_needed ? (double)s->bytes_fetched / (double)s->bytes_needed : 0;
    f.meta_rank_step = (double)(s->meta_bytes_fetched + op->meta_bytes_fetched) / steps;
    f.meta_open_rank = (double)op->meta_bytes_fetched / W;
    f.req_open_rank = (double)op->requests / W;
    f.amp_meta = s->bytes_needed
        ? (double)(s->bytes_fetched + s->meta_bytes_fetched + op->meta_bytes_fetched) /
          (double)s->bytes_needed : 0;
    f.calls_per_s = (double)count_calls(&v->calls) / v->seconds;
    return f;
}

static json_t *stores_read_json(const sopts *o, const sres *res, size_t k, size_t wi)
{
    unsigned R = o->repeat;
    uint32_t W = o->worlds[wi];
    double mb[ST_REPEAT_MAX], sps[ST_REPEAT_MAX], sec[ST_REPEAT_MAX], om[ST_REPEAT_MAX],
           rs[ST_REPEAT_MAX], rq[ST_REPEAT_MAX], rqr[ST_REPEAT_MAX], rqo[ST_REPEAT_MAX],
           drq[ST_REPEAT_MAX], amp[ST_REPEAT_MAX],
           mrs[ST_REPEAT_MAX], mo[ST_REPEAT_MAX], ampm[ST_REPEAT_MAX], cps[ST_REPEAT_MAX],
           gsteps[ST_REPEAT_MAX] = { 0 }, gib[ST_REPEAT_MAX] = { 0 }, omax = 0;
    const count_snap *cs[ST_REPEAT_MAX] = { 0 };
    size_t n = 0;
    uint64_t failed = 0;
    for (unsigned r = 0; r < R; r++)
        n += res->rd[k][wi][r].nstep_ms;
    double *step = malloc((n ? n : 1) * sizeof(double));
    if (!step)
        die("read", "out of memory");
    json_t *e = json_object(), *runs = json_array();
    size_t m = 0;
    for (unsigned r = 0; r < R; r++) {
        const sread_run *v = &res->rd[k][wi][r];
        read_fig f = read_figures(v, W);
        mb[r] = v->mb_per_s;
        sps[r] = v->steps_per_s;
        sec[r] = v->seconds;
        om[r] = v->open_ms_median;
        if (v->open_ms_max > omax)
            omax = v->open_ms_max;
        rs[r] = f.rank_steps;
        rq[r] = f.req_rank_step;
        rqr[r] = f.req_rank_step_run;
        rqo[r] = f.req_open_rank;
        drq[r] = f.dreq_rank_step;
        amp[r] = f.amp;
        mrs[r] = f.meta_rank_step;
        mo[r] = f.meta_open_rank;
        ampm[r] = f.amp_meta;
        cps[r] = f.calls_per_s;
        gsteps[r] = f.rank_steps;     /* global steps read: each rank read them all */
        gib[r] = f.rank_steps * o->read_batch * (double)o->read_sample_bytes /
                 (double)(1ull << 30);
        cs[r] = &v->calls;
        failed += count_failed(&v->calls) + count_failed(&v->open_calls);
        memcpy(step + m, v->step_ms, v->nstep_ms * sizeof(double));
        m += v->nstep_ms;
        json_t *j = json_object();
        jset(j, "rep", jint(r));
        jset(j, "seconds", jreal(v->seconds));
        jset(j, "mb_per_s", jreal(v->mb_per_s));
        jset(j, "steps_per_s", jreal(v->steps_per_s));
        jset(j, "rank_open_ms_median", jreal(v->open_ms_median));
        jset(j, "rank_open_ms_max", jreal(v->open_ms_max));
        jset(j, "steps_read_per_rank", jreal(f.rank_steps));
        jset(j, "requests_per_rank_step", jreal(f.req_rank_step));
        jset(j, "data_read_amplification", jreal(f.amp));
        jset(j, "meta_bytes_per_rank_step", jreal(f.meta_rank_step));
        jset(j, "meta_bytes_open_per_rank", jreal(f.meta_open_rank));
        jset(j, "store_calls_per_s", jreal(f.calls_per_s));
        jset(j, "stats_open_sum", read_stats_json(&v->open_sum));
        jset(j, "stats_steps_sum", read_stats_json(&v->steps_sum));
        jset(j, "open_store_calls", calls_json(&v->open_calls));
        jset(j, "store_calls", calls_json(&v->calls));
        json_array_append_new(runs, j);
    }
    jset(e, "world_size", jint(W));
    jset(e, "ranks", json_string("one thread per rank in this process, each with its own "
                                 "store handle and consumer, all reading at once"));
    jset(e, "steps", jint(o->read_steps));
    jset(e, "steps_read_per_rank", jreal(median(rs, R)));
    jset(e, "mb_per_s_median", jreal(median(mb, R)));
    jset(e, "steps_per_s_median", jreal(median(sps, R)));
    jset(e, "seconds_median", jreal(median(sec, R)));
    jset(e, "rank_open_ms_median", jreal(median(om, R)));
    jset(e, "rank_open_ms_max", jreal(omax));
    double rq_m = median(rq, R), drq_m = median(drq, R), mrs_m = median(mrs, R);
    jset(e, "requests_per_rank_step", jreal(rq_m));
    jset(e, "requests_per_rank_step_after_open", jreal(median(rqr, R)));
    jset(e, "requests_open_per_rank", jreal(median(rqo, R)));
    jset(e, "data_requests_per_rank_step", jreal(drq_m));
    jset(e, "requests_per_step", jreal(rq_m * W));
    jset(e, "data_requests_per_step", jreal(drq_m * W));
    jset(e, "data_read_amplification", jreal(median(amp, R)));
    jset(e, "meta_bytes_per_rank_step", jreal(mrs_m));
    jset(e, "meta_bytes_per_step", jreal(mrs_m * W));
    jset(e, "meta_bytes_open_per_rank", jreal(median(mo, R)));
    jset(e, "read_amplification_incl_meta", jreal(median(ampm, R)));
    jset(e, "step_call_ms", dist_json(step, n));
    jset(e, "store_calls_per_step", per_op_median_json(cs, gsteps, R));
    jset(e, "store_calls_per_gib", per_op_median_json(cs, gib, R));
    jset(e, "store_calls_per_s_median", jreal(median(cps, R)));
    jset(e, "store_calls_failed", jint(failed));
    jset(e, "runs", runs);
    free(step);
    return e;
}

/* How the metadata a step costs grows with W, per store. */
static json_t *meta_scaling_json(const sopts *o, const sres *res, size_t k)
{
    json_t *a = json_array();
    double first = 0;
    for (size_t wi = 0; wi < o->nworlds; wi++) {
        uint32_t W = o->worlds[wi];
        double v[ST_REPEAT_MAX], fetched[ST_REPEAT_MAX];
        for (unsigned r = 0; r < o->repeat; r++) {
            read_fig f = read_figures(&res->rd[k][wi][r], W);
            v[r] = f.meta_rank_step;
            fetched[r] = f.amp;
        }
        double per_rank = median(v, o->repeat), all = per_rank * W;
        if (wi == 0)
            first = all;
        json_t *j = json_object();
        jset(j, "world_size", jint(W));
        jset(j, "meta_bytes_per_rank_step", jreal(per_rank));
        jset(j, "meta_bytes_per_step", jreal(all));
        jset(j, "meta_bytes_per_step_vs_first", jreal(first > 0 ? all / first : 0));
        jset(j, "data_bytes_per_step", jreal((double)o->read_batch * (double)o->read_sample_bytes *
                                             median(fetched, o->repeat)));
        json_array_append_new(a, j);
    }
    return a;
}

/* The request counts of one store's entries, gathered (references, not
 * copies: the entries are already in the store's object). */
static json_t *cost_model_json(json_t *s)
{
    json_t *c = json_object(), *ing = json_array(), *rd = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(s, "ingest"), i, e) {
        json_t *j = json_object();
        jset(j, "sample_bytes", json_incref(json_object_get(e, "sample_bytes")));
        jset(j, "requests_per_gib", json_incref(json_object_get(e, "store_calls_per_gib")));
        jset(j, "requests_per_s", json_incref(json_object_get(e, "store_calls_per_s_median")));
        json_array_append_new(ing, j);
    }
    jset(c, "ingest", ing);
    json_t *cm = json_object(), *cs = json_object_get(s, "commit");
    jset(cm, "requests_per_commit", json_incref(json_object_get(cs, "store_calls_per_commit")));
    jset(cm, "requests_per_s", json_incref(json_object_get(cs, "store_calls_per_s")));
    jset(cm, "commits_per_s", json_incref(json_object_get(cs, "commits_per_s")));
    jset(c, "commit", cm);
    json_array_foreach(json_object_get(s, "read"), i, e) {
        json_t *j = json_object();
        jset(j, "world_size", json_incref(json_object_get(e, "world_size")));
        jset(j, "requests_per_step", json_incref(json_object_get(e, "store_calls_per_step")));
        jset(j, "requests_per_gib", json_incref(json_object_get(e, "store_calls_per_gib")));
        jset(j, "requests_per_s", json_incref(json_object_get(e, "store_calls_per_s_median")));
        jset(j, "rank_open_requests", json_incref(json_object_get(e, "requests_open_per_rank")));
        json_array_append_new(rd, j);
    }
    jset(c, "read", rd);
    jset(c, "note", json_string("store calls counted by the wrapper; on s3 each is one "
                                "request (compare s3_server.rgw_perf_delta.req when run by "
                                "scripts/bench-stores.sh); each s3 store open adds one LIST "
                                "(store_calls_total.store_opens)"));
    return c;
}

/* The medians of paired ratios s3 / posix: each pair is one repetition. */
static json_t *comparison_json(const sopts *o, const sres *res)
{
    unsigned R = o->repeat;
    json_t *c = json_object(), *ing = json_array(), *rd = json_array();
    double v[ST_REPEAT_MAX];
    for (size_t i = 0; i < o->nsizes; i++) {
        json_t *j = json_object(), *runs = json_array();
        for (unsigned r = 0; r < R; r++) {
            v[r] = res->ing[1][i][r].mb_per_s / res->ing[0][i][r].mb_per_s;
            json_array_append_new(runs, jreal(v[r]));
        }
        jset(j, "sample_bytes", jint(o->sizes[i]));
        jset(j, "mb_per_s_ratio_median", jreal(median(v, R)));
        jset(j, "mb_per_s_ratio_runs", runs);
        json_array_append_new(ing, j);
    }
    jset(c, "ingest", ing);
    json_t *cm = json_object(), *p50 = json_array(), *p99 = json_array();
    double a50[ST_REPEAT_MAX], a99[ST_REPEAT_MAX];
    for (unsigned r = 0; r < R; r++) {
        double q[2][2];
        for (int k = 0; k < 2; k++) {
            const scommit_run *x = &res->com[k][r];
            double *s = malloc((x->nobs ? x->nobs : 1) * sizeof(double));
            if (!s)
                die("comparison", "out of memory");
            memcpy(s, x->lat_ms, x->nobs * sizeof(double));
            qsort(s, x->nobs, sizeof(double), cmp_double);
            q[k][0] = pct_sorted(s, x->nobs, 0.5);
            q[k][1] = pct_sorted(s, x->nobs, 0.99);
            free(s);
        }
        a50[r] = q[0][0] > 0 ? q[1][0] / q[0][0] : 0;
        a99[r] = q[0][1] > 0 ? q[1][1] / q[0][1] : 0;
        json_array_append_new(p50, jreal(a50[r]));
        json_array_append_new(p99, jreal(a99[r]));
    }
    jset(cm, "latency_p50_ratio_median", jreal(median(a50, R)));
    jset(cm, "latency_p99_ratio_median", jreal(median(a99, R)));
    jset(cm, "latency_p50_ratio_runs", p50);
    jset(cm, "latency_p99_ratio_runs", p99);
    jset(c, "commit", cm);
    for (size_t wi = 0; wi < o->nworlds; wi++) {
        json_t *j = json_object(), *runs = json_array();
        for (unsigned r = 0; r < R; r++) {
            v[r] = res->rd[1][wi][r].steps_per_s / res->rd[0][wi][r].steps_per_s;
            json_array_append_new(runs, jreal(v[r]));
        }
        jset(j, "world_size", jint(o->worlds[wi]));
        jset(j, "steps_per_s_ratio_median", jreal(median(v, R)));
        jset(j, "steps_per_s_ratio_runs", runs);
        json_array_append_new(rd, j);
    }
    jset(c, "read", rd);
    return c;
}

static json_t *stores_definitions_json(void)
{
    static const char *const d[][2] = {
        { "mb_per_s", "sample payload bytes / 10^6 / seconds" },
        { "ingest.seconds", "from the first ls_producer_append to the return of "
          "ls_producer_flush (every sample committed)" },
        { "ingest.store_calls_per_gib", "store calls of that window per 2^30 payload bytes, "
          "per operation; median over the repetitions" },
        { "commit.commit_latency_ms", "per commit: the growth of "
          "ls_producer_stats.commit_ns_total over the append or flush call in which "
          "ls_producer_stats.commits grew (a call that landed n > 1 commits gives each 1/n): "
          "the library's commit of one record (conditional PUT of the next log version, "
          "retries and read-forward included), chunk writes excluded. Percentiles by nearest "
          "rank over the commits of all repetitions" },
        { "commit.commit_call_ms", "wall time of the append or flush call that committed, "
          "chunk writes it waited for included" },
        { "commit.store_calls_per_commit", "store calls of the whole window (chunk PUTs, "
          "record PUTs, snapshots, read-forward GETs) / data commits" },
        { "read.steps_per_s", "measured steps / seconds from the common start (every rank "
          "opened) to the end of the last rank's last step" },
        { "read.mb_per_s", "bytes of samples delivered to all ranks / 10^6 / seconds" },
        { "read.requests_per_rank_step", "ls_read_stats.requests (data and metadata store "
          "calls, ls_consumer_open's table load included) / ls_read_stats.steps, per rank "
          "(prefetched steps included in both)" },
        { "read.requests_per_rank_step_after_open", "the same without the requests of "
          "ls_consumer_open" },
        { "read.requests_open_per_rank", "requests of ls_consumer_open (table load), per "
          "rank" },
        { "read.requests_per_step", "requests_per_rank_step x W: all ranks, one global step" },
        { "read.data_read_amplification", "ls_read_stats bytes_fetched / bytes_needed "
          "(data objects only)" },
        { "read.meta_bytes_per_rank_step", "ls_read_stats.meta_bytes_fetched (log records, "
          "snapshot, descriptor; ls_consumer_open's table load included) / steps read, per "
          "rank: a rank fetches the records covering its steps once, at open when the table "
          "is complete as here, or by a refresh when it is being written" },
        { "read.meta_bytes_per_step", "meta_bytes_per_rank_step x W" },
        { "read.meta_bytes_open_per_rank", "meta_bytes_fetched by ls_consumer_open (table "
          "load), per rank" },
        { "read.read_amplification_incl_meta", "(bytes_fetched + every meta byte, open "
          "included) / bytes_needed, over all ranks" },
        { "read.step_call_ms", "wall time of each ls_consumer_read_step call of every rank "
          "(with prefetch: mostly the wait for the prefetcher)" },
        { "read.store_calls_per_step", "store calls of all ranks from the start to the end, "
          "per operation / global steps read (steps read per rank, prefetched included)" },
        { "store_calls", "counted by a wrapper store around each handle: calls, outcome "
          "(ok, not_found, exists, failed by error), payload bytes (sent by put and "
          "put_if_absent, received by get), keys listed, latency (mean exact; percentiles "
          "are upper edges of quarter-octave buckets, at most 25 % high). get counts the "
          "reads of get_many too; get_many's own entry counts batches and their latency. "
          "One call is one HTTP request on s3 except for the retries and read-backs inside "
          "the s3 backend (docs/s3.md), which the wrapper does not see; opening an s3 store "
          "sends one LIST that is counted under store_opens only" },
        { "read.store_calls_per_gib", "the same calls / 2^30 bytes of samples delivered "
          "(global steps read x B x sample bytes)" },
        { "store_calls_per_s", "store calls / seconds of the same window" },
        { "cost_model", "per store, the request counts above gathered in one place: "
          "requests per GiB ingested (per sample size), per commit, per global step read and "
          "per GiB read (per world size), and the request rates reached; multiply by a "
          "provider's price per request class (PUT/COPY/POST/LIST vs GET/HEAD; DELETE is "
          "free on AWS) and add storage and transfer" },
    };
    json_t *j = json_object();
    for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
        jset(j, d[i][0], json_string(d[i][1]));
    return j;
}

/* "http://user:pw@host/x" -> "http://host/x": no credentials in a result. */
static json_t *url_json(const char *url)
{
    if (!url || !*url)
        return json_null();
    const char *p = strstr(url, "://"), *at = p ? strchr(p + 3, '@') : NULL;
    const char *slash = p ? strchr(p + 3, '/') : NULL;
    if (!p || !at || (slash && slash < at))
        return json_string(url);
    char buf[1024];
    snprintf(buf, sizeof(buf), "%.*s%s", (int)(p + 3 - url), url, at + 1);
    return json_string(buf);
}

/* The S3 endpoint and region the store uses, as docs/s3.md resolves them. */
static void s3_where_json(json_t *j, const ls_conf *conf)
{
    const char *ep = ls_conf_get(conf, "s3.endpoint");
    const char *src = "s3.endpoint";
    if (!ep || !*ep) {
        ep = getenv("AWS_ENDPOINT_URL_S3"), src = "$AWS_ENDPOINT_URL_S3";
        if (!ep || !*ep)
            ep = getenv("AWS_ENDPOINT_URL"), src = "$AWS_ENDPOINT_URL";
    }
    if (!ep || !*ep)
        ep = NULL, src = "the AWS default for the region";
    jset(j, "endpoint", url_json(ep));
    jset(j, "endpoint_from", json_string(src));
    const char *rg = ls_conf_get(conf, "s3.region");
    if (!rg || !*rg)
        rg = getenv("AWS_REGION");
    if (!rg || !*rg)
        rg = getenv("AWS_DEFAULT_REGION");
    jset(j, "region", json_string(rg && *rg ? rg : "us-east-1"));
}

static json_t *stores_params_json(const sopts *o, const bstore *bs, size_t nst, uint64_t tail,
                                  int argc, char **argv)
{
    json_t *p = json_object();
    jset(p, "command", command_json(argc, argv));
    json_t *sts = json_array();
    for (size_t k = 0; k < nst; k++) {
        json_t *s = json_object();
        jset(s, "backend", json_string(bs[k].backend));
        jset(s, "uri", json_string(bs[k].uri));
        if (!strcmp(bs[k].backend, "posix")) {
            jset(s, "fsync", json_true());
            jset(s, "fresh", json_string("a new directory made for this run, removed at the "
                                         "end"));
        } else {
            jset(s, "uri_given", json_string(o->s3_uri));
            s3_where_json(s, bs[k].conf);
            jset(s, "fresh", json_string("a new sub-prefix of the URI given, checked empty "
                                         "at the start; every object under it is deleted at "
                                         "the end"));
        }
        json_array_append_new(sts, s);
    }
    jset(p, "stores", sts);
    jset(p, "repeat", jint(o->repeat));
    jset(p, "order", json_string("within each measurement the stores run back to back: in "
                                 "the order of `stores` in even repetitions, reversed in odd "
                                 "ones"));
    json_t *ing = json_object(), *sizes = json_array();
    for (size_t i = 0; i < o->nsizes; i++)
        json_array_append_new(sizes, jint(o->sizes[i]));
    jset(ing, "bytes_per_run", jint(o->bytes_per_run));
    jset(ing, "bytes_per_run_source", json_string(o->bytes_source));
    jset(ing, "sample_bytes", sizes);
    jset(ing, "samples", json_string("floor(bytes_per_run / sample_bytes) per run"));
    jset(ing, "global_batch", jint(o->batch));
    jset(ing, "codec", json_string("none"));
    jset(ing, "producer", json_string("one producer, the library's default configuration "
                                      "(params.conf)"));
    jset(p, "ingest", ing);
    json_t *cm = json_object();
    jset(cm, "sample_bytes", jint(o->commit_sample_bytes));
    jset(cm, "policy", json_string("fixed"));
    jset(cm, "interval_ms", jint(o->commit_interval_ms));
    jset(cm, "rate_samples_per_s", jint(o->commit_rate));
    jset(cm, "duration_s", jreal(o->commit_duration_s));
    jset(cm, "global_batch", jint(o->batch));
    jset(cm, "pacing", json_string("each sample appended when due at the rate; a backlog "
                                   "after a slow call is appended at once"));
    jset(p, "commit", cm);
    json_t *rd = json_object(), *ws = json_array();
    for (size_t i = 0; i < o->nworlds; i++)
        json_array_append_new(ws, jint(o->worlds[i]));
    jset(rd, "sample_bytes", jint(o->read_sample_bytes));
    jset(rd, "global_batch", jint(o->read_batch));
    jset(rd, "steps", jint(o->read_steps));
    jset(rd, "tail_steps", jint(tail));
    jset(rd, "steps_per_commit", jint(o->read_steps_per_commit));
    jset(rd, "table_commits", json_string("one commit per steps_per_commit steps (flush; "
                                          "commit interval 1 h)"));
    jset(rd, "world_sizes", ws);
    jset(rd, "ranks", json_string("threads: W threads of this process, each with its own "
                                  "store handle (as a rank process would have) and consumer, "
                                  "started together after all have opened"));
    jset(rd, "check", json_string("every sample delivered: length, first and last 16 bytes"));
    jset(rd, "read_timeout_ms", jint((uint64_t)o->read_timeout_ms));
    jset(rd, "page_cache", json_string("not dropped: posix reads come from the page cache"));
    jset(p, "read", rd);
    jset(p, "data", json_string("samples cut at random 8-byte aligned offsets from a 64 MiB "
                                "splitmix64 pool of the seed (incompressible), the same bytes "
                                "on every store"));
    jset(p, "conf_overrides", json_incref(o->conf_overrides));
    jset(p, "conf", conf_json(o->conf, "store.fsync"));
    jset(p, "mb", json_string("MB = 10^6 bytes; MiB = 2^20 bytes; GiB = 2^30 bytes"));
    jset(p, "ms", json_string("milliseconds of CLOCK_MONOTONIC"));
    return p;
}

/* Store k of the two in repetition rep's order. */
static size_t st_at(size_t nst, unsigned rep, size_t k)
{
    return nst == 1 ? 0 : (k + rep) % 2;
}

static void print_summary(const sopts *o, const sres *res, const bstore *bs, size_t nst,
                          json_t *root)
{
    for (size_t k = 0; k < nst; k++) {
        double v[ST_REPEAT_MAX];
        printf("%s (%s)\n", bs[k].backend, bs[k].uri);
        for (size_t i = 0; i < o->nsizes; i++) {
            for (unsigned r = 0; r < o->repeat; r++)
                v[r] = res->ing[k][i][r].mb_per_s;
            printf("  ingest %7zu B samples: %8.1f MB/s (median of %u)\n", o->sizes[i],
                   median(v, o->repeat), o->repeat);
        }
        json_t *sj = json_array_get(json_object_get(root, "stores"), k);
        json_t *cj = json_object_get(sj, "commit");
        printf("  commit latency p50 %.2f ms, p99 %.2f ms (%" PRIu64 " commits)\n",
               json_number_value(json_object_get(cj, "commit_latency_ms_p50")),
               json_number_value(json_object_get(cj, "commit_latency_ms_p99")),
               (uint64_t)json_integer_value(json_object_get(cj, "commits")));
        json_t *ra = json_object_get(sj, "read");
        for (size_t wi = 0; wi < o->nworlds; wi++) {
            json_t *e = json_array_get(ra, wi);
            printf("  read W=%-4u %8.1f MB/s %8.1f steps/s, %.2f requests/rank/step, "
                   "amplification %.4f, meta %.0f B/rank/step\n", o->worlds[wi],
                   json_number_value(json_object_get(e, "mb_per_s_median")),
                   json_number_value(json_object_get(e, "steps_per_s_median")),
                   json_number_value(json_object_get(e, "requests_per_rank_step")),
                   json_number_value(json_object_get(e, "data_read_amplification")),
                   json_number_value(json_object_get(e, "meta_bytes_per_rank_step")));
        }
    }
}

static int cmd_stores(sopts *o, int argc, char **argv)
{
    uint64_t t_run = now_ns();
    char *dir = make_workdir(o->store_parent, o->keep);
    bstore bs[ST_MAX];
    memset(bs, 0, sizeof(bs));
    size_t nst = 0;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/store", dir);

    /* posix: a fresh directory, fsync on. */
    bs[0].conf = ls_conf_dup(o->conf);
    bs[0].uri = strdup(path);
    bs[0].cnt = calloc(1, sizeof(store_count));
    if (!bs[0].conf || !bs[0].uri || !bs[0].cnt)
        die("stores", "out of memory");
    conf_or_die(bs[0].conf, "store.fsync", "true");
    int rc = cstore_open(bs[0].uri, bs[0].conf, bs[0].cnt, &bs[0].st);
    if (rc)
        die_ls(rc, bs[0].uri);
    bs[0].backend = bs[0].st->name;
    nst = 1;

    /* s3: a fresh sub-prefix of --s3-uri. */
    if (o->s3_uri) {
        char ts[32], uri[2048];
        time_t now = time(NULL);
        struct tm tm;
        strftime(ts, sizeof(ts), "%Y%m%d-%H%M%S", gmtime_r(&now, &tm));
        size_t len = strlen(o->s3_uri);
        snprintf(uri, sizeof(uri), "%s%slakestream-bench-%s-%ld", o->s3_uri,
                 len && o->s3_uri[len - 1] == '/' ? "" : "/", ts, (long)getpid());
        bs[1].conf = ls_conf_dup(o->conf);
        bs[1].uri = strdup(uri);
        bs[1].cnt = calloc(1, sizeof(store_count));
        if (!bs[1].conf || !bs[1].uri || !bs[1].cnt)
            die("stores", "out of memory");
        if ((rc = cstore_open(bs[1].uri, bs[1].conf, bs[1].cnt, &bs[1].st)))
            die_ls(rc, bs[1].uri);
        bs[1].backend = bs[1].st->name;
        if (strcmp(bs[1].backend, "s3"))
            die("--s3-uri", "%s opened a %s store, not s3", o->s3_uri, bs[1].backend);
        ls_keylist kl = { 0 };
        if ((rc = ls_store_list(bs[1].st, "", NULL, 1, &kl)))
            die_ls(rc, bs[1].uri);
        size_t n = kl.n;
        ls_keylist_free(&kl);
        if (n)   /* not ours: never delete it */
            die(bs[1].uri, "is not empty; refusing to write into it");
        g_s3_run_uri = strdup(uri);
        g_s3_conf = bs[1].conf;
        if (!g_s3_run_uri)
            die("stores", "out of memory");
        nst = 2;
    }

    size_t max_cut = o->commit_sample_bytes > o->read_sample_bytes ? o->commit_sample_bytes
                                                                   : o->read_sample_bytes;
    for (size_t i = 0; i < o->nsizes; i++)
        if (o->sizes[i] > max_cut)
            max_cut = o->sizes[i];
    pool pl;
    pool_init(&pl, o->seed, max_cut);
    sres *res = calloc(1, sizeof(*res));
    if (!res)
        die("results", "out of memory");
    for (size_t i = 0; i < o->nsizes; i++) {
        res->ing_n[i] = o->bytes_per_run / o->sizes[i];
        if (res->ing_n[i] == 0)
            die("--bytes-per-run", "%" PRIu64 " bytes hold no sample of %zu bytes",
                o->bytes_per_run, o->sizes[i]);
    }
    res->tail = (uint64_t)strtoull(ls_conf_get(o->conf, "consumer.prefetch.steps"), NULL, 10);
    progress("%s stores: %s%s%s, %u repetitions, ingest %" PRIu64 " MiB per run, seed %"
             PRIu64, PROG, bs[0].uri, nst > 1 ? " and " : " (no --s3-uri: posix only)",
             nst > 1 ? bs[1].uri : "", o->repeat, o->bytes_per_run / MIB, o->seed);
    char *load_start = read_loadavg();
    unsigned R = o->repeat;
    char table[128];

    /* 1. ingest: the sizes rotate with the repetition, the stores alternate. */
    for (unsigned rep = 0; rep < R; rep++)
        for (size_t j = 0; j < o->nsizes; j++) {
            size_t i = (j + rep) % o->nsizes;
            for (size_t q = 0; q < nst; q++) {
                size_t k = st_at(nst, rep, q);
                snprintf(table, sizeof(table), "ingest-%zu-r%u", o->sizes[i], rep);
                sing_run *v = &res->ing[k][i][rep];
                *v = stores_ingest_once(&pl, &bs[k], o->batch, table, o->sizes[i],
                                        res->ing_n[i]);
                progress("[%u/%u] ingest %-5s %7zu B: %8.1f MB/s, %9.0f samples/s, %3" PRIu64
                         " commits, %6" PRIu64 " store calls (%.0f/s)", rep + 1, R,
                         bs[k].backend, o->sizes[i], v->mb_per_s, v->samples_per_s,
                         v->st.commits, count_calls(&v->calls),
                         (double)count_calls(&v->calls) / v->seconds);
                if (!o->keep)
                    bstore_drop_table(&bs[k], table);
            }
        }

    /* 2. commit latency. */
    for (unsigned rep = 0; rep < R; rep++)
        for (size_t q = 0; q < nst; q++) {
            size_t k = st_at(nst, rep, q);
            snprintf(table, sizeof(table), "commit-r%u", rep);
            scommit_run *v = &res->com[k][rep];
            *v = stores_commit_once(o, &pl, &bs[k], table);
            double *s = malloc((v->nobs ? v->nobs : 1) * sizeof(double));
            if (!s)
                die("commit latency", "out of memory");
            memcpy(s, v->lat_ms, v->nobs * sizeof(double));
            qsort(s, v->nobs, sizeof(double), cmp_double);
            progress("[%u/%u] commit %-5s: %4" PRIu64 " commits of %.0f samples, latency p50 "
                     "%.2f ms, p99 %.2f ms", rep + 1, R, bs[k].backend, v->commits,
                     v->commits ? (double)v->samples / (double)v->commits : 0,
                     pct_sorted(s, v->nobs, 0.5), pct_sorted(s, v->nobs, 0.99));
            free(s);
            if (!o->keep)
                bstore_drop_table(&bs[k], table);
        }

    /* 3. step reads. */
    for (size_t k = 0; k < nst; k++) {
        res->rt[k] = build_read_table(o, &pl, &bs[k], res->tail);
        progress("read table on %s: %" PRIu64 " steps of %u x %" PRIu64 " B in %" PRIu64
                 " commits, written in %.2f s", bs[k].backend, res->rt[k].steps, o->read_batch,
                 o->read_sample_bytes, res->rt[k].commits, res->rt[k].seconds);
    }
    for (unsigned rep = 0; rep < R; rep++)
        for (size_t wj = 0; wj < o->nworlds; wj++) {
            size_t wi = (wj + rep) % o->nworlds;
            uint32_t W = o->worlds[wi];
            for (size_t q = 0; q < nst; q++) {
                size_t k = st_at(nst, rep, q);
                sread_run *v = &res->rd[k][wi][rep];
                *v = stores_read_once(o, &pl, &bs[k], W);
                read_fig f = read_figures(v, W);
                progress("[%u/%u] read   %-5s W=%-4u: %8.1f MB/s, %7.1f steps/s, %.2f "
                         "requests/rank/step, amplification %.4f, meta %.0f B/rank/step",
                         rep + 1, R, bs[k].backend, W, v->mb_per_s, v->steps_per_s,
                         f.req_rank_step, f.amp, f.meta_rank_step);
            }
        }
    char *load_end = read_loadavg();

    /* Cleanup: everything left in each store, then check s3 is empty. */
    json_t *left = json_array();
    for (size_t k = 0; k < nst; k++) {
        if (o->keep) {
            json_array_append_new(left, json_null());
            continue;
        }
        count_snap c0, c1;
        bstore_take(&bs[k], &c0);
        uint64_t t0 = now_ns();
        if ((rc = delete_prefix(bs[k].st, "", &bs[k].cleanup_keys)))
            die_ls(rc, bs[k].uri);
        bs[k].cleanup_s += (double)(now_ns() - t0) / 1e9;
        bstore_take(&bs[k], &c1);
        count_sub(&c1, &c0, &c1);
        count_add(&bs[k].cleanup_calls, &c1);
        ls_keylist kl = { 0 };
        if ((rc = ls_store_list(bs[k].st, "", NULL, 1, &kl)))
            die_ls(rc, bs[k].uri);
        json_array_append_new(left, jint(kl.n));
        if (kl.n)
            progress("%s: objects left under %s after cleanup", bs[k].backend, bs[k].uri);
        ls_keylist_free(&kl);
    }
    if (!o->keep && nst > 1) {
        free(g_s3_run_uri);
        g_s3_run_uri = NULL;
    }

    /* The result. */
    json_t *root = json_object();
    jset(root, "benchmark", json_string("stores"));
    jset(root, "schema_version", jint(1));
    git_json(root);
    json_t *machine = machine_json(dir);
    jset(machine, "loadavg_start", load_start ? json_string(load_start) : json_null());
    jset(machine, "loadavg_end", load_end ? json_string(load_end) : json_null());
    free(load_start);
    free(load_end);
    jset(root, "machine", machine);
    jset(root, "build", build_json());
    char ts[64];
    time_t now = time(NULL);
    struct tm tm;
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    jset(root, "timestamp", json_string(ts));
    jset(root, "seed", jint(o->seed));
    jset(root, "params", stores_params_json(o, bs, nst, res->tail, argc, argv));
    jset(root, "definitions", stores_definitions_json());
    json_t *sts = json_array();
    for (size_t k = 0; k < nst; k++) {
        json_t *s = json_object();
        jset(s, "backend", json_string(bs[k].backend));
        jset(s, "uri", json_string(bs[k].uri));
        json_t *ing = json_array();
        for (size_t i = 0; i < o->nsizes; i++)
            json_array_append_new(ing, stores_ingest_json(o, res, k, i));
        jset(s, "ingest", ing);
        jset(s, "commit", stores_commit_json(o, res, k));
        json_t *rt = json_object();
        jset(rt, "steps", jint(res->rt[k].steps));
        jset(rt, "samples", jint(res->rt[k].samples));
        jset(rt, "commits", jint(res->rt[k].commits));
        jset(rt, "seconds", jreal(res->rt[k].seconds));
        jset(rt, "store_calls", calls_json(&res->rt[k].calls));
        jset(s, "read_table", rt);
        json_t *rd = json_array();
        for (size_t wi = 0; wi < o->nworlds; wi++)
            json_array_append_new(rd, stores_read_json(o, res, k, wi));
        jset(s, "read", rd);
        jset(s, "meta_scaling", meta_scaling_json(o, res, k));
        jset(s, "cost_model", cost_model_json(s));
        json_t *cl = json_object();
        jset(cl, "keys_deleted", jint(bs[k].cleanup_keys));
        jset(cl, "seconds", jreal(bs[k].cleanup_s));
        jset(cl, "objects_left", json_incref(json_array_get(left, k)));
        jset(cl, "store_calls", calls_json(&bs[k].cleanup_calls));
        jset(s, "cleanup", cl);
        /* Every call of the run on this store: the main handle and the ranks. */
        count_snap *all = calloc(1, sizeof(*all));
        if (!all)
            die("result", "out of memory");
        bstore_take(&bs[k], all);
        count_add(all, &bs[k].read_calls);
        jset(s, "store_calls_total", calls_json(all));
        free(all);
        json_array_append_new(sts, s);
    }
    jset(root, "stores", sts);
    jset(root, "comparison", nst > 1 ? json_pack("{s:o}", "s3_over_posix",
                                                 comparison_json(o, res)) : json_null());
    jset(root, "run_seconds", jreal((double)(now_ns() - t_run) / 1e9));
    json_decref(left);

    char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    if (!text)
        die("result", "cannot serialise the JSON");
    if (o->json)
        puts(text);
    else
        print_summary(o, res, bs, nst, root);
    fflush(stdout);
    if (o->out)
        write_out(o->out, text);
    free(text);
    json_decref(root);

    g_s3_conf = NULL;
    free(g_s3_run_uri);
    g_s3_run_uri = NULL;
    for (size_t k = 0; k < nst; k++) {
        for (unsigned r = 0; r < R; r++) {
            free(res->com[k][r].lat_ms);
            free(res->com[k][r].call_ms);
            for (size_t wi = 0; wi < o->nworlds; wi++)
                free(res->rd[k][wi][r].step_ms);
        }
        ls_store_close(bs[k].st);
        ls_conf_destroy(bs[k].conf);
        free(bs[k].cnt);
        free(bs[k].uri);
    }
    free(res);
    free(pl.data);
    if (!o->keep)
        rm_rf(dir);
    else
        progress("kept the work directory %s%s", dir,
                 nst > 1 ? " and the objects under the s3 prefix" : "");
    g_workdir = NULL;
    free(dir);
    return 0;
}

/* ---- command line of `stores` ---------------------------------------------- */

static void usage_stores(FILE *f)
{
    fprintf(f,
"usage: " PROG " stores [--s3-uri s3://bucket/prefix] [options]\n"
"\n"
"Measures in one run the posix store (a fresh directory, store.fsync on) and,\n"
"with --s3-uri, an S3 store (a fresh sub-prefix of the URI, deleted at the end;\n"
"credentials and endpoint from the environment, docs/s3.md): one producer's\n"
"ingest per sample size; commit latency of small commits (fixed interval, paced\n"
"producer); step reads by W ranks (threads, each with its own store handle and\n"
"consumer); and every store call, counted per operation by a wrapper store.\n"
"The JSON (schema: docs/benchmarks.md) goes to stdout with --json, else a\n"
"summary.  Progress goes to stderr.\n"
"\n"
"options:\n"
"  --s3-uri URI              s3://bucket[/prefix] (without it: posix only)\n"
"  --store DIR               posix work directory under DIR (default /tmp); removed\n"
"  --out FILE                also write the JSON to FILE\n"
"  --json                    print the JSON object on stdout\n"
"  --seed N                  data seed (default 1)\n"
"  --repeat R                repetitions of every measurement, 1..%d (default 3)\n"
"  --bytes-per-run N         ingest payload per run (default 256M)\n"
"  --sample-sizes LIST       ingest sample sizes (default 4K,256K)\n"
"  --batch B                 global batch of the ingest and commit tables (default 1024)\n"
"  --commit-duration-s D     seconds of the paced producer (default 3)\n"
"  --commit-interval-ms MS   its fixed commit interval (default 10)\n"
"  --commit-sample-bytes N   its sample size (default 1K)\n"
"  --commit-rate N           its samples per second (default 10000)\n"
"  --read-sample-bytes N     sample size of the read table (default 4K)\n"
"  --read-batch B            its global batch (default 512)\n"
"  --read-steps S            steps every rank reads (default 64)\n"
"  --read-steps-per-commit K steps per commit of the read table (default 8)\n"
"  --world-sizes LIST        reader world sizes, each dividing B (default 1,8,64)\n"
"  --read-timeout-ms MS      per step (default 60000)\n"
"  --conf NAME=VALUE         set a library property (repeatable; not store.fsync)\n"
"  --keep                    delete nothing (tables, directory, s3 objects)\n"
"  -h, --help                this text\n", ST_REPEAT_MAX);
}

static uint32_t *parse_worlds(const char *arg, uint32_t *w, size_t *n)
{
    *n = 0;
    char *list = strdup(arg), *save = NULL;
    if (!list)
        die("--world-sizes", "out of memory");
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (*n == ST_WORLDS_MAX)
            die("--world-sizes", "at most %d sizes", ST_WORLDS_MAX);
        uint32_t x = (uint32_t)num_arg("--world-sizes", t, 1, ST_THREADS_MAX);
        for (size_t i = 0; i < *n; i++)
            if (w[i] == x)
                die("--world-sizes", "%u is listed twice", x);
        w[(*n)++] = x;
    }
    free(list);
    if (*n == 0)
        die("--world-sizes", "empty list");
    return w;
}

static void parse_stores_args(sopts *o, int argc, char **argv)
{
    enum { OPT_S3 = 256, OPT_STORE, OPT_OUT, OPT_JSON, OPT_SEED, OPT_REPEAT, OPT_BYTES,
           OPT_SIZES, OPT_BATCH, OPT_CDUR, OPT_CINT, OPT_CBYTES, OPT_CRATE, OPT_RBYTES,
           OPT_RBATCH, OPT_RSTEPS, OPT_RSPC, OPT_WORLDS, OPT_TIMEOUT, OPT_CONF, OPT_KEEP };
    static const struct option lo[] = {
        { "s3-uri", required_argument, 0, OPT_S3 },
        { "store", required_argument, 0, OPT_STORE },
        { "out", required_argument, 0, OPT_OUT },
        { "json", no_argument, 0, OPT_JSON },
        { "seed", required_argument, 0, OPT_SEED },
        { "repeat", required_argument, 0, OPT_REPEAT },
        { "bytes-per-run", required_argument, 0, OPT_BYTES },
        { "sample-sizes", required_argument, 0, OPT_SIZES },
        { "batch", required_argument, 0, OPT_BATCH },
        { "commit-duration-s", required_argument, 0, OPT_CDUR },
        { "commit-interval-ms", required_argument, 0, OPT_CINT },
        { "commit-sample-bytes", required_argument, 0, OPT_CBYTES },
        { "commit-rate", required_argument, 0, OPT_CRATE },
        { "read-sample-bytes", required_argument, 0, OPT_RBYTES },
        { "read-batch", required_argument, 0, OPT_RBATCH },
        { "read-steps", required_argument, 0, OPT_RSTEPS },
        { "read-steps-per-commit", required_argument, 0, OPT_RSPC },
        { "world-sizes", required_argument, 0, OPT_WORLDS },
        { "read-timeout-ms", required_argument, 0, OPT_TIMEOUT },
        { "conf", required_argument, 0, OPT_CONF },
        { "keep", no_argument, 0, OPT_KEEP },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    int c;
    char *end;
    uint64_t x;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case OPT_S3:
            if (strncmp(optarg, "s3://", 5) || !optarg[5] || optarg[5] == '/')
                die("--s3-uri", "expected s3://bucket[/prefix], got \"%s\"", optarg);
            o->s3_uri = optarg;
            break;
        case OPT_STORE: o->store_parent = optarg; break;
        case OPT_OUT:   o->out = optarg; break;
        case OPT_JSON:  o->json = 1; break;
        case OPT_SEED:
            errno = 0;
            o->seed = strtoull(optarg, &end, 0);
            if (errno || end == optarg || *end)
                die("--seed", "not a number: \"%s\"", optarg);
            break;
        case OPT_REPEAT:
            o->repeat = (unsigned)num_arg("--repeat", optarg, 1, ST_REPEAT_MAX);
            break;
        case OPT_BYTES:
            if (parse_size(optarg, &o->bytes_per_run) || o->bytes_per_run == 0)
                die("--bytes-per-run", "not a size: \"%s\"", optarg);
            o->bytes_source = "flag";
            break;
        case OPT_SIZES: {
            o->nsizes = 0;
            char *list = strdup(optarg), *save = NULL;
            if (!list)
                die("--sample-sizes", "out of memory");
            for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (o->nsizes == SIZES_MAX)
                    die("--sample-sizes", "at most %d sizes", SIZES_MAX);
                if (parse_size(t, &x) || x == 0 || x > LS_SAMPLE_BYTES_MAX || x > POOL_BYTES)
                    die("--sample-sizes", "expected sizes in 1..%" PRIu64 ", got \"%s\"",
                        (uint64_t)POOL_BYTES, t);
                for (size_t i = 0; i < o->nsizes; i++)
                    if (o->sizes[i] == x)
                        die("--sample-sizes", "%s is listed twice", t);
                o->sizes[o->nsizes++] = (size_t)x;
            }
            free(list);
            if (o->nsizes == 0)
                die("--sample-sizes", "empty list");
            break;
        }
        case OPT_BATCH:
            o->batch = (uint32_t)num_arg("--batch", optarg, 1, LS_GLOBAL_BATCH_MAX);
            break;
        case OPT_CDUR:
            o->commit_duration_s = strtod(optarg, &end);
            if (end == optarg || *end || !(o->commit_duration_s > 0 &&
                                           o->commit_duration_s <= 3600))
                die("--commit-duration-s", "expected seconds in (0, 3600], got \"%s\"", optarg);
            break;
        case OPT_CINT:
            o->commit_interval_ms = num_arg("--commit-interval-ms", optarg, 0, 3600000);
            break;
        case OPT_CBYTES:
            o->commit_sample_bytes = num_arg("--commit-sample-bytes", optarg, 1, 1u << 20);
            break;
        case OPT_CRATE:
            o->commit_rate = num_arg("--commit-rate", optarg, 1, 10000000);
            break;
        case OPT_RBYTES:
            o->read_sample_bytes = num_arg("--read-sample-bytes", optarg, 1, 16u << 20);
            break;
        case OPT_RBATCH:
            o->read_batch = (uint32_t)num_arg("--read-batch", optarg, 1, LS_GLOBAL_BATCH_MAX);
            break;
        case OPT_RSTEPS:
            o->read_steps = num_arg("--read-steps", optarg, 1, 1u << 20);
            break;
        case OPT_RSPC:
            o->read_steps_per_commit = num_arg("--read-steps-per-commit", optarg, 1, 1u << 20);
            break;
        case OPT_WORLDS:
            parse_worlds(optarg, o->worlds, &o->nworlds);
            break;
        case OPT_TIMEOUT:
            o->read_timeout_ms = (int)num_arg("--read-timeout-ms", optarg, 1, INT_MAX);
            break;
        case OPT_CONF:
            conf_arg(optarg, o->conf, o->conf_overrides,
                     "the stores benchmark runs posix with store.fsync on", NULL);
            break;
        case OPT_KEEP: o->keep = 1; break;
        case 'h': usage_stores(stdout); exit(0);
        default:  usage_stores(stderr); exit(2);
        }
    }
    if (optind != argc)
        die("arguments", "unexpected \"%s\" (see --help)", argv[optind]);
    for (size_t i = 0; i < o->nworlds; i++)
        if (o->read_batch % o->worlds[i])
            die("--world-sizes", "world size %u does not divide the read batch %u",
                o->worlds[i], o->read_batch);
    if ((uint64_t)o->read_batch * o->read_sample_bytes * o->read_steps_per_commit >
        (uint64_t)1 << 30)
        die("--read-steps-per-commit", "a commit of the read table would exceed 1 GiB");
}

static int run_stores(int argc, char **argv)
{
    sopts o = {
        .store_parent = "/tmp", .seed = 1, .repeat = 3,
        .bytes_per_run = 256 * MIB, .bytes_source = "default",
        .sizes = { 4096, 256 * 1024 }, .nsizes = 2, .batch = 1024,
        .commit_duration_s = 3, .commit_interval_ms = 10, .commit_sample_bytes = 1024,
        .commit_rate = 10000,
        .read_sample_bytes = 4096, .read_batch = 512, .read_steps = 64,
        .read_steps_per_commit = 8, .worlds = { 1, 8, 64 }, .nworlds = 3,
        .read_timeout_ms = 60000,
        .conf = ls_conf_new(), .conf_overrides = json_object(),
    };
    if (!o.conf || !o.conf_overrides)
        die("conf", "out of memory");
    parse_stores_args(&o, argc - 1, argv + 1);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    g_on_die = s3_cleanup_on_exit;
    int rc = cmd_stores(&o, argc, argv);
    ls_conf_destroy(o.conf);
    json_decref(o.conf_overrides);
    return rc;
}

/* ---- command line -------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
"usage: " PROG " ingest [options]\n"
"\n"
"Measures on one posix store directory, in one run: raw sequential write and\n"
"cold read bandwidth of the disk (1 MiB write()/read(), with and without a\n"
"final fsync), single-producer ingest (codec none, incompressible data) for\n"
"each sample size with store.fsync on and off, and single-rank step reads.\n"
"Every measurement is repeated; medians and all values go to one JSON object\n"
"on stdout (schema: docs/benchmarks.md).  Progress goes to stderr.\n"
"\n"
"options:\n"
"  --store DIR            create the store in a fresh directory under DIR\n"
"                         (default /tmp); removed at the end\n"
"  --out FILE             also write the JSON to FILE\n"
"  --seed N               data seed (default 1)\n"
"  --bytes-per-run N      payload per measurement, e.g. 512M (default 1G)\n"
"  --duration-s S         instead: size runs to take about S seconds each,\n"
"                         from a 256 MiB fsync'ed calibration write\n"
"  --repeat R             repetitions of every measurement (default 3)\n"
"  --batch B              global batch of the tables (default 1024)\n"
"  --sample-sizes LIST    comma-separated sample sizes (default 4K,256K)\n"
"  --fsync on|off|both    store.fsync settings to measure (default both)\n"
"  --conf NAME=VALUE      set a library property (repeatable; not store.fsync)\n"
"  --no-read              skip the read measurement\n"
"  --no-drop-caches       do not drop the page cache (before every raw/ingest\n"
"                         pair and every read; dropping needs root)\n"
"  --read-timeout-ms MS   per step (default 60000)\n"
"  --no-warmup            skip the untimed warm-up write of the run's footprint\n"
"  --keep                 keep the store directory\n"
"  -h, --help             this text\n");
}

static void parse_args(opts *o, int argc, char **argv)
{
    enum { OPT_STORE = 256, OPT_OUT, OPT_SEED, OPT_BYTES, OPT_DUR, OPT_REPEAT, OPT_BATCH, OPT_SIZES,
           OPT_FSYNC, OPT_CONF, OPT_NOREAD, OPT_NODROP, OPT_TIMEOUT, OPT_KEEP,
           OPT_NOWARMUP };
    static const struct option lo[] = {
        { "store", required_argument, 0, OPT_STORE },
        { "out", required_argument, 0, OPT_OUT },
        { "seed", required_argument, 0, OPT_SEED },
        { "bytes-per-run", required_argument, 0, OPT_BYTES },
        { "duration-s", required_argument, 0, OPT_DUR },
        { "repeat", required_argument, 0, OPT_REPEAT },
        { "batch", required_argument, 0, OPT_BATCH },
        { "sample-sizes", required_argument, 0, OPT_SIZES },
        { "fsync", required_argument, 0, OPT_FSYNC },
        { "conf", required_argument, 0, OPT_CONF },
        { "no-read", no_argument, 0, OPT_NOREAD },
        { "no-drop-caches", no_argument, 0, OPT_NODROP },
        { "read-timeout-ms", required_argument, 0, OPT_TIMEOUT },
        { "keep", no_argument, 0, OPT_KEEP },
        { "no-warmup", no_argument, 0, OPT_NOWARMUP },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    int c, have_bytes = 0;
    uint64_t x;
    char *end;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case OPT_STORE: o->store_parent = optarg; break;
        case OPT_OUT:   o->out = optarg; break;
        case OPT_SEED:
            errno = 0;
            o->seed = strtoull(optarg, &end, 0);
            if (errno || end == optarg || *end)
                die("--seed", "not a number: \"%s\"", optarg);
            break;
        case OPT_BYTES:
            if (parse_size(optarg, &o->bytes_per_run) || o->bytes_per_run == 0)
                die("--bytes-per-run", "not a size: \"%s\"", optarg);
            have_bytes = 1;
            o->bytes_source = "flag";
            break;
        case OPT_DUR:
            o->duration_s = strtod(optarg, &end);
            if (end == optarg || *end || !(o->duration_s > 0 && o->duration_s <= 3600))
                die("--duration-s", "expected seconds in (0, 3600], got \"%s\"", optarg);
            o->bytes_source = "duration";
            break;
        case OPT_REPEAT:
            if (parse_size(optarg, &x) || x == 0 || x > REPEAT_MAX)
                die("--repeat", "expected 1..%d, got \"%s\"", REPEAT_MAX, optarg);
            o->repeat = (unsigned)x;
            break;
        case OPT_BATCH:
            if (parse_size(optarg, &x) || x == 0 || x > LS_GLOBAL_BATCH_MAX)
                die("--batch", "expected 1..%u, got \"%s\"", LS_GLOBAL_BATCH_MAX, optarg);
            o->batch = (uint32_t)x;
            break;
        case OPT_SIZES: {
            o->nsizes = 0;
            char *list = strdup(optarg), *save = NULL;
            if (!list)
                die("--sample-sizes", "out of memory");
            for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (o->nsizes == SIZES_MAX)
                    die("--sample-sizes", "at most %d sizes", SIZES_MAX);
                if (parse_size(t, &x) || x == 0 || x > LS_SAMPLE_BYTES_MAX)
                    die("--sample-sizes", "expected sizes in 1..%u, got \"%s\"",
                        LS_SAMPLE_BYTES_MAX, t);
                for (size_t i = 0; i < o->nsizes; i++)
                    if (o->sizes[i] == x)   /* one table name per size and rep */
                        die("--sample-sizes", "%s is listed twice", t);
                o->sizes[o->nsizes++] = (size_t)x;
            }
            free(list);
            if (o->nsizes == 0)
                die("--sample-sizes", "empty list");
            break;
        }
        case OPT_FSYNC:
            if (!strcmp(optarg, "both")) {
                o->fsync_modes[0] = 1, o->fsync_modes[1] = 0, o->nfsync = 2;
            } else if (!strcmp(optarg, "on")) {
                o->fsync_modes[0] = 1, o->nfsync = 1;
            } else if (!strcmp(optarg, "off")) {
                o->fsync_modes[0] = 0, o->nfsync = 1;
            } else {
                die("--fsync", "expected on, off or both, got \"%s\"", optarg);
            }
            break;
        case OPT_CONF:
            conf_arg(optarg, o->conf, o->conf_overrides,
                     "store.fsync is chosen per run: use --fsync", NULL);
            break;
        case OPT_NOREAD:  o->do_read = 0; break;
        case OPT_NODROP:  o->drop_caches = 0; break;
        case OPT_TIMEOUT:
            if (parse_size(optarg, &x) || x == 0 || x > INT_MAX)
                die("--read-timeout-ms", "expected 1..%d, got \"%s\"", INT_MAX, optarg);
            o->read_timeout_ms = (int)x;
            break;
        case OPT_KEEP: o->keep = 1; break;
        case OPT_NOWARMUP: o->warmup = 0; break;
        case 'h': usage(stdout); exit(0);
        default:  usage(stderr); exit(2);
        }
    }
    if (have_bytes && o->duration_s > 0)
        die("--duration-s", "give either --bytes-per-run or --duration-s, not both");
    if (optind != argc)
        die("arguments", "unexpected \"%s\" (see --help)", argv[optind]);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        fputc('\n', stderr);
        usage_recovery(stderr);
        fputc('\n', stderr);
        usage_commit(stderr);
        fputc('\n', stderr);
        usage_stores(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        fputc('\n', stdout);
        usage_recovery(stdout);
        fputc('\n', stdout);
        usage_commit(stdout);
        fputc('\n', stdout);
        usage_stores(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "__crash-child"))
        return crash_child_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "recovery"))
        return run_recovery(argc, argv);
    if (!strcmp(argv[1], "commit"))
        return run_commit(argc, argv);
    if (!strcmp(argv[1], "stores"))
        return run_stores(argc, argv);
    if (!strcmp(argv[1], "run"))
        return run_main(argc, argv);
    if (!strcmp(argv[1], "report"))
        return report_main(argc, argv);
    if (!strcmp(argv[1], "plan"))
        return plan_main(argc, argv);
    if (!strcmp(argv[1], "meta"))
        return meta_main(argc, argv);
    if (strcmp(argv[1], "ingest"))
        die(argv[1], "unknown benchmark (known: ingest, recovery, commit, stores, run, report, "
                     "plan, meta; see --help)");

    opts o = {
        .store_parent = "/tmp", .seed = 1, .bytes_per_run = 1024 * MIB,
        .bytes_source = "default", .repeat = 3, .batch = 1024,
        .sizes = { 4096, 256 * 1024 }, .nsizes = 2,
        .fsync_modes = { 1, 0 }, .nfsync = 2,
        .do_read = 1, .drop_caches = 1, .warmup = 1, .read_timeout_ms = 60000,
        .conf = ls_conf_new(), .conf_overrides = json_object(),
    };
    if (!o.conf || !o.conf_overrides)
        die("conf", "out of memory");
    parse_args(&o, argc - 1, argv + 1);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int rc = cmd_ingest(&o, argc, argv);
    ls_conf_destroy(o.conf);
    json_decref(o.conf_overrides);
    return rc;
}
