/*
 * bench_ingest.c -- lakestream-bench ingest (docs/benchmarks.md): measures,
 * in one run and on one posix store directory, raw sequential write (and
 * cold read) bandwidth of that directory's disk, the ingest bandwidth of
 * one producer for each sample size and fsync setting, and the step read
 * bandwidth of one rank.  Each ingest run is paired with a raw write taken
 * just before it, repetitions are interleaved and the order of sample sizes
 * rotates, so that a ratio compares numbers taken under the same conditions
 * of a noisy, shared machine.
 *
 * Layout: options, raw baseline, ingest, read, JSON, the run, command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bench.h"
#include "args.h"
#include "bench_common.h"
#include "result.h"

#define RAW_BLOCK_BYTES MIB     /* write()/read() size of the raw baseline */
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

/* ---- raw baseline -------------------------------------------------------- */

typedef struct raw_run {
    double seconds, mb_per_s;
    double cpu_s;          /* user + system CPU of the process meanwhile */
    int    cold_cache;     /* read only */
} raw_run;

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
    json_t *root = result_new("ingest", dir);
    result_loadavg(root, load_start, load_end);
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

    result_write(root, 1, o->out);
    if (i256 >= 0 && fon >= 0)
        progress("target ingest/raw at 256 KiB (fsync on): %.3f (>= %.2f: %s)", m256,
                 TARGET_INGEST_VS_RAW, m256 >= TARGET_INGEST_VS_RAW ? "met" : "NOT met");
    if (i4 >= 0 && fon >= 0)
        progress("target commit overhead at 4 KiB (fsync on): %.3f (<= %.2f: %s)", m4,
                 TARGET_COMMIT_OVERHEAD, m4 <= TARGET_COMMIT_OVERHEAD ? "met" : "NOT met");
    json_decref(root);
    free(res);
    free(pl.data);
    end_workdir(dir, o->keep, "store");
    return 0;
}

/* ---- command line -------------------------------------------------------- */

void ingest_usage(FILE *f)
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
"  --store URI            create the store in a fresh directory under URI, a\n"
"                         directory or file:///abs/path (default /tmp); removed\n"
"                         at the end\n"
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
    static const char *const fsyncs[] = { "both", "on", "off", NULL };
    args a = bench_args(argc, argv, lo, ingest_usage);
    int c, have_bytes = 0;
    uint64_t sizes[SIZES_MAX];
    while ((c = args_next(&a)) != -1) {
        switch (c) {
        case OPT_STORE: o->store_parent = store_arg(&a, optarg); break;
        case OPT_OUT:   o->out = optarg; break;
        case OPT_SEED:  o->seed = args_uint(&a, optarg, 0, UINT64_MAX); break;
        case OPT_BYTES:
            o->bytes_per_run = args_uint(&a, optarg, 1, UINT64_MAX);
            have_bytes = 1;
            o->bytes_source = "flag";
            break;
        case OPT_DUR:
            o->duration_s = args_real(&a, optarg, 0, 1, 3600);
            o->bytes_source = "duration";
            break;
        case OPT_REPEAT: o->repeat = (unsigned)args_uint(&a, optarg, 1, REPEAT_MAX); break;
        case OPT_BATCH:  o->batch = (uint32_t)args_uint(&a, optarg, 1, LS_GLOBAL_BATCH_MAX); break;
        case OPT_SIZES:  /* distinct: one table name per size and rep */
            o->nsizes = args_list(&a, optarg, sizes, SIZES_MAX, 1, LS_SAMPLE_BYTES_MAX, 1);
            for (size_t i = 0; i < o->nsizes; i++)
                o->sizes[i] = (size_t)sizes[i];
            break;
        case OPT_FSYNC:
            switch (args_choice(&a, optarg, fsyncs)) {
            case 0:  o->fsync_modes[0] = 1, o->fsync_modes[1] = 0, o->nfsync = 2; break;
            case 1:  o->fsync_modes[0] = 1, o->nfsync = 1; break;
            default: o->fsync_modes[0] = 0, o->nfsync = 1; break;
            }
            break;
        case OPT_CONF:
            conf_arg(optarg, o->conf, o->conf_overrides,
                     "store.fsync is chosen per run: use --fsync", NULL);
            break;
        case OPT_NOREAD:  o->do_read = 0; break;
        case OPT_NODROP:  o->drop_caches = 0; break;
        case OPT_TIMEOUT: o->read_timeout_ms = (int)args_uint(&a, optarg, 1, INT_MAX); break;
        case OPT_KEEP: o->keep = 1; break;
        case OPT_NOWARMUP: o->warmup = 0; break;
        case 'h': ingest_usage(stdout); exit(0);
        default:  bench_unexpected(optarg);
        }
    }
    if (have_bytes && o->duration_s > 0)
        die("--duration-s", "give either --bytes-per-run or --duration-s, not both");
}

int ingest_main(int argc, char **argv)
{
    bench_init(1);
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
    int rc = cmd_ingest(&o, argc, argv);
    ls_conf_destroy(o.conf);
    json_decref(o.conf_overrides);
    return rc;
}
