/*
 * bench_commit.c -- lakestream-bench commit (docs/benchmarks.md): the
 * ingest throughput of P producer processes appending to one table through
 * the conditional write of the next log record, under a commit policy (DAC,
 * or a fixed commit interval), on a posix store with store.fsync on.  The
 * parent creates the table (and, with --pregrow-versions, grows its log
 * first), forks P children that each open their own store and producer,
 * starts them at one instant, and collects from each, over a pipe, its
 * ls_producer_stats at the start and the end of the run and what it
 * observed of every commit.
 *
 * Layout: options, the producer process, the pre-growth, the run and its
 * JSON, command line.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bench.h"
#include "args.h"
#include "bench_common.h"
#include "result.h"

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

    json_t *root = result_new("commit", dir);
    result_loadavg(root, load_start, load_end);
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

    result_write(root, o->json, o->out);
    if (!o->json) {
        printf("producers %u policy %s: %.0f samples/s, %.2f MB/s, %.1f commits/s, "
               "%.3f conflicts/commit, commit p99 %.2f ms, log versions %" PRIu64 "\n",
               P, o->policy, sps, mbps, cps, cpc,
               json_real_value(json_object_get(root, "commit_latency_ms_p99")), after.version);
    }
    fflush(stdout);
    progress("producers %u, policy %s: %.0f samples/s (%.2f MB/s), %.1f commits/s, %.3f "
             "conflicts/commit, commit latency p50 %.2f / p99 %.2f ms, log %" PRIu64 " -> %"
             PRIu64 " versions", P, o->policy, sps, mbps, cps, cpc,
             json_real_value(json_object_get(root, "commit_latency_ms_p50")),
             json_real_value(json_object_get(root, "commit_latency_ms_p99")),
             before.version, after.version);
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
    end_workdir(dir, o->keep, "work");
    return 0;
}

/* ---- command line of `commit` -------------------------------------------- */

void commit_usage(FILE *f)
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
"  --store URI             work directory under URI, a directory or\n"
"                          file:///abs/path (default /tmp); removed\n"
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
    static const char *const on_off[] = { "on", "off", NULL };
    args a = bench_args(argc, argv, lo, commit_usage);
    int c, have_prod = 0;
    while ((c = args_next(&a)) != -1) {
        switch (c) {
        case OPT_STORE: o->store_parent = store_arg(&a, optarg); break;
        case OPT_OUT:   o->out = optarg; break;
        case OPT_SEED:  o->seed = args_uint(&a, optarg, 0, UINT64_MAX); break;
        case OPT_PROD:
            o->producers = (unsigned)args_uint(&a, optarg, 1, COMMIT_PRODUCERS_MAX);
            have_prod = 1;
            break;
        case OPT_POLICY:
            if (!strcmp(optarg, "dac"))
                o->dac = 1;
            else if (!strncmp(optarg, "fixed:", 6))
                o->dac = 0, o->fixed_ms = args_uint(&a, optarg + 6, 0, 3600000);
            else
                args_bad(&a, optarg, "expected dac or fixed:MS");
            snprintf(o->policy, sizeof(o->policy), "%s", optarg);
            o->have_policy = 1;
            break;
        case OPT_DUR:
            o->duration_s = args_real(&a, optarg, 0, 1, 3600);
            o->have_duration = 1;
            break;
        case OPT_SBYTES: o->sample_bytes = args_uint(&a, optarg, 1, POOL_BYTES); break;
        case OPT_BATCH: o->batch = (uint32_t)args_uint(&a, optarg, 1, LS_GLOBAL_BATCH_MAX); break;
        case OPT_PREGROW: o->pregrow_versions = args_uint(&a, optarg, 0, 100000000); break;
        case OPT_PREGROW_GC: o->pregrow_gc = args_choice(&a, optarg, on_off) == 0; break;
        case OPT_PREGROW_CTL: o->pregrow_control = 1; break;
        case OPT_JSON: o->json = 1; break;
        case OPT_CONF:
            conf_arg(optarg, o->conf, o->conf_overrides,
                     "the commit benchmark runs with store.fsync on",
                     "producer.commit.policy is chosen with --policy");
            break;
        case OPT_KEEP: o->keep = 1; break;
        case 'h': commit_usage(stdout); exit(0);
        default:  bench_unexpected(optarg);
        }
    }
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

int commit_main(int argc, char **argv)
{
    bench_init(1);
    copts o = {
        .store_parent = "/tmp", .seed = 1, .sample_bytes = 1024, .batch = 1024,
        .pregrow_gc = 1, .conf = ls_conf_new(), .conf_overrides = json_object(),
    };
    if (!o.conf || !o.conf_overrides)
        die("conf", "out of memory");
    parse_commit_args(&o, argc - 1, argv + 1);
    int rc = cmd_commit(&o, argc, argv);
    ls_conf_destroy(o.conf);
    json_decref(o.conf_overrides);
    return rc;
}
