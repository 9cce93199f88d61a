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
 * under the same conditions of a noisy, shared machine.  Layout: options,
 * utilities, data, machine description, raw baseline, ingest, read, JSON,
 * the benchmark itself, command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

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
static volatile sig_atomic_t g_stop;

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

static json_t *machine_json(const char *dir)
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
static void git_json(json_t *root)
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
        snprintf(cmd, sizeof(cmd), "git -C '%s' status --porcelain 2>/dev/null", dirs[i]);
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

static json_t *params_json(const opts *o, const char *dir, const char *backend,
                           int argc, char **argv, const raw_run *calib)
{
    json_t *p = json_object();
    size_t cmdlen = 1;
    for (int i = 0; i < argc; i++)
        cmdlen += strlen(argv[i]) + 1;
    char *cmd = calloc(1, cmdlen);
    if (!cmd)
        die("params", "out of memory");
    for (int i = 0; i < argc; i++) {
        strcat(cmd, argv[i]);
        if (i + 1 < argc)
            strcat(cmd, " ");
    }
    jset(p, "command", json_string(cmd));
    free(cmd);
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
    json_t *conf = json_object();
    const ls_conf_prop *pr;
    for (size_t i = 0; (pr = ls_conf_describe(i)); i++)
        if (strcmp(pr->name, "store.fsync"))
            jset(conf, pr->name, json_string(ls_conf_get(o->conf, pr->name)));
    jset(p, "conf", conf);
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
    /* A fresh directory of our own, so that removing it afterwards removes
     * exactly what this run wrote. */
    mkdir(o->store_parent, 0777);
    char tmpl[PATH_MAX];
    snprintf(tmpl, sizeof(tmpl), "%s/lakestream-bench.XXXXXX", o->store_parent);
    if (!mkdtemp(tmpl))
        die(o->store_parent, "cannot create a store directory in it: %s", strerror(errno));
    char *dir = realpath(tmpl, NULL);
    if (!dir)
        die(tmpl, "%s", strerror(errno));
    g_workdir = dir;
    g_keep = o->keep;

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
        case OPT_CONF: {
            char *eq = strchr(optarg, '=');
            if (!eq)
                die("--conf", "expected NAME=VALUE, got \"%s\"", optarg);
            *eq = '\0';
            if (!strcmp(optarg, "store.fsync"))
                die("--conf", "store.fsync is chosen per run: use --fsync");
            int rc = ls_conf_set(o->conf, optarg, eq + 1);
            if (rc)
                die_ls(rc, "--conf");
            json_object_set_new(o->conf_overrides, optarg, json_string(eq + 1));
            break;
        }
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
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "ingest"))
        die(argv[1], "unknown benchmark (known: ingest; see --help)");

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
