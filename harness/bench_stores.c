/*
 * bench_stores.c -- lakestream-bench stores (docs/benchmarks.md): measures,
 * in one run, the posix store (a fresh directory, store.fsync on) and, with
 * --s3-uri, an S3 store (a fresh sub-prefix of the URI, deleted at the end),
 * so that the two are compared under the same conditions of a shared
 * machine:
 *  1. ingest: one producer per sample size, as `ingest` does;
 *  2. commit latency: one producer appending at a fixed sample rate under a
 *     fixed 10 ms commit interval (small commits); the latency of each
 *     commit is derived from ls_producer_stats as `commit` does;
 *  3. step reads: W ranks, each a thread with its own store handle and
 *     consumer, read every step of a table written the same way on both
 *     stores;
 *  4. every store call of all of the above, counted by a wrapper store
 *     (harness/count_store.h: calls, outcomes, bytes and latency per
 *     operation): the inputs of a cost model.
 * Within each measurement the two stores run back to back, the order
 * alternating with the repetition.  Layout: cleanup, per-store state, the
 * measurements, the run, the command line; the JSON is bench_stores_json.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "args.h"
#include "bench.h"
#include "bench_stores.h"
#include "result.h"

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

/* ---- per-store state ----------------------------------------------------- */

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

/* ---- 1. ingest ------------------------------------------------------------- */

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
    int rc = count_store_open(a->b->uri, a->b->conf, a->cnt, &st);
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

/* ---- the run ------------------------------------------------------------------ */

/* Store k of the two in repetition rep's order. */
static size_t st_at(size_t nst, unsigned rep, size_t k)
{
    return nst == 1 ? 0 : (k + rep) % 2;
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
    int rc = count_store_open(bs[0].uri, bs[0].conf, bs[0].cnt, &bs[0].st);
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
        if ((rc = count_store_open(bs[1].uri, bs[1].conf, bs[1].cnt, &bs[1].st)))
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
    json_t *root = result_new("stores", dir);
    result_loadavg(root, load_start, load_end);
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
        jset(rt, "store_calls", count_json(&res->rt[k].calls));
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
        jset(cl, "store_calls", count_json(&bs[k].cleanup_calls));
        jset(s, "cleanup", cl);
        /* Every call of the run on this store: the main handle and the ranks. */
        count_snap *all = calloc(1, sizeof(*all));
        if (!all)
            die("result", "out of memory");
        bstore_take(&bs[k], all);
        count_add(all, &bs[k].read_calls);
        jset(s, "store_calls_total", count_json(all));
        free(all);
        json_array_append_new(sts, s);
    }
    jset(root, "stores", sts);
    jset(root, "comparison", nst > 1 ? json_pack("{s:o}", "s3_over_posix",
                                                 comparison_json(o, res)) : json_null());
    jset(root, "run_seconds", jreal((double)(now_ns() - t_run) / 1e9));
    json_decref(left);

    result_write(root, o->json, o->out);
    if (!o->json)
        print_summary(o, res, bs, nst, root);
    fflush(stdout);
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

void stores_usage(FILE *f)
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
"  --store URI               posix work directory under URI, a directory or\n"
"                            file:///abs/path (default /tmp); removed\n"
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
    args a = bench_args(argc, argv, lo, stores_usage);
    int c;
    uint64_t v[SIZES_MAX > ST_WORLDS_MAX ? SIZES_MAX : ST_WORLDS_MAX];
    while ((c = args_next(&a)) != -1) {
        switch (c) {
        case OPT_S3:
            if (strncmp(optarg, "s3://", 5) || !optarg[5] || optarg[5] == '/')
                args_bad(&a, optarg, "expected s3://bucket[/prefix]");
            o->s3_uri = optarg;
            break;
        case OPT_STORE: o->store_parent = store_arg(&a, optarg); break;
        case OPT_OUT:   o->out = optarg; break;
        case OPT_JSON:  o->json = 1; break;
        case OPT_SEED:  o->seed = args_uint(&a, optarg, 0, UINT64_MAX); break;
        case OPT_REPEAT: o->repeat = (unsigned)args_uint(&a, optarg, 1, ST_REPEAT_MAX); break;
        case OPT_BYTES:
            o->bytes_per_run = args_uint(&a, optarg, 1, UINT64_MAX);
            o->bytes_source = "flag";
            break;
        case OPT_SIZES:
            o->nsizes = args_list(&a, optarg, v, SIZES_MAX, 1, LS_SAMPLE_BYTES_MAX < POOL_BYTES
                                  ? LS_SAMPLE_BYTES_MAX : POOL_BYTES, 1);
            for (size_t i = 0; i < o->nsizes; i++)
                o->sizes[i] = (size_t)v[i];
            break;
        case OPT_BATCH: o->batch = (uint32_t)args_uint(&a, optarg, 1, LS_GLOBAL_BATCH_MAX); break;
        case OPT_CDUR: o->commit_duration_s = args_real(&a, optarg, 0, 1, 3600); break;
        case OPT_CINT: o->commit_interval_ms = args_uint(&a, optarg, 0, 3600000); break;
        case OPT_CBYTES: o->commit_sample_bytes = args_uint(&a, optarg, 1, 1u << 20); break;
        case OPT_CRATE: o->commit_rate = args_uint(&a, optarg, 1, 10000000); break;
        case OPT_RBYTES: o->read_sample_bytes = args_uint(&a, optarg, 1, 16u << 20); break;
        case OPT_RBATCH:
            o->read_batch = (uint32_t)args_uint(&a, optarg, 1, LS_GLOBAL_BATCH_MAX);
            break;
        case OPT_RSTEPS: o->read_steps = args_uint(&a, optarg, 1, 1u << 20); break;
        case OPT_RSPC: o->read_steps_per_commit = args_uint(&a, optarg, 1, 1u << 20); break;
        case OPT_WORLDS:
            o->nworlds = args_list(&a, optarg, v, ST_WORLDS_MAX, 1, ST_THREADS_MAX, 1);
            for (size_t i = 0; i < o->nworlds; i++)
                o->worlds[i] = (uint32_t)v[i];
            break;
        case OPT_TIMEOUT: o->read_timeout_ms = (int)args_uint(&a, optarg, 1, INT_MAX); break;
        case OPT_CONF:
            conf_arg(optarg, o->conf, o->conf_overrides,
                     "the stores benchmark runs posix with store.fsync on", NULL);
            break;
        case OPT_KEEP: o->keep = 1; break;
        case 'h': stores_usage(stdout); exit(0);
        default:  bench_unexpected(optarg);
        }
    }
    for (size_t i = 0; i < o->nworlds; i++)
        if (o->read_batch % o->worlds[i])
            die("--world-sizes", "world size %u does not divide the read batch %u",
                o->worlds[i], o->read_batch);
    if ((uint64_t)o->read_batch * o->read_sample_bytes * o->read_steps_per_commit >
        (uint64_t)1 << 30)
        die("--read-steps-per-commit", "a commit of the read table would exceed 1 GiB");
}

int stores_main(int argc, char **argv)
{
    bench_init(1);
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
    g_on_die = s3_cleanup_on_exit;
    int rc = cmd_stores(&o, argc, argv);
    ls_conf_destroy(o.conf);
    json_decref(o.conf_overrides);
    return rc;
}
