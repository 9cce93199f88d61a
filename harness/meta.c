/*
 * meta.c -- lakestream-bench meta (docs/benchmarks.md, "meta"): what a rank
 * pays in metadata to read its slice, as W grows, on table format 2 (step
 * indexes) and, in the same run, format 1 (the log alone).
 *
 * For each table format, sample size, producer count P and commit interval:
 * P producer threads fill STEPS steps of B samples (incompressible bytes,
 * codec none, commits every interval); then for each W a few chosen ranks
 * (first, middle, last: at W = 4096 the other 4093 slices cost the same)
 * open a consumer cold and read every step, and the costs per rank-step
 * are taken from ls_read_stats after the open: data and metadata bytes,
 * requests, polls; with 48 steps or more also over the whole groups of
 * 16 steps after the first (behind_head: a rank reading behind the head
 * through group indexes).  Last, one rank waits at the head for a step that does
 * not complete while the P producers keep committing single samples: its
 * requests per second.  After the cases, for each P of --dac-producers, P
 * producers commit under DAC (the library's default policy) for --dac-s:
 * their commit rate, attempts and metadata reads per commit
 * (dac_commits; docs/dac.md "Saturation").  One JSON document to stdout or
 * --out.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bench.h"
#include "args.h"
#include "die.h"
#include "lakestream.h"
#include "result.h"

#define META_LIST_MAX      8u      /* values of one list option */
#define META_PRODUCERS_MAX 128u
#define META_RANKS_CHOSEN  3u

typedef struct mopts {
    const char *store, *out;
    uint32_t    batch, steps;
    uint32_t    worlds[META_LIST_MAX], nworlds;
    uint32_t    sizes[META_LIST_MAX], nsizes;
    uint32_t    producers[META_LIST_MAX], nproducers;
    uint32_t    intervals[META_LIST_MAX], nintervals;
    uint32_t    formats[META_LIST_MAX], nformats;
    uint32_t    dac_producers[META_LIST_MAX], ndac;
    double      wait_s, dac_s;
    uint64_t    seed;
} mopts;

static void mcheck(int rc, const char *what)
{
    if (rc)
        die(what, "%s (%s)", ls_err2str(rc), ls_errmsg());
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A list option of at most META_LIST_MAX values in lo..hi. */
static void list32(const args *a, const char *v, uint32_t *out, uint32_t *n, uint32_t lo,
                   uint32_t hi)
{
    uint64_t x[META_LIST_MAX];
    *n = (uint32_t)args_list(a, v, x, META_LIST_MAX, lo, hi, 0);
    for (uint32_t i = 0; i < *n; i++)
        out[i] = (uint32_t)x[i];
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: lakestream-bench meta --store URI [options]\n"
        "  --store URI          a directory, file:// or s3:// URI (a fresh table per case)\n"
        "  --batch B            samples per step (default 4096; every W must divide it)\n"
        "  --steps N            steps filled per case (default 4; from 48 each rank also\n"
        "                       reports behind_head: whole groups of 16 steps)\n"
        "  --worlds LIST        world sizes (default 1,8,64,256,1024,4096)\n"
        "  --sizes LIST         sample bytes (default 512,4096)\n"
        "  --producers LIST     producer threads (default 1,16)\n"
        "  --intervals-ms LIST  commit intervals (default 10,100)\n"
        "  --formats LIST       table formats (default 2,1: format 1 is the comparison)\n"
        "  --wait-s S           time one rank waits at the head (default 2)\n"
        "  --dac-producers LIST producers committing under DAC, one run each (default 16,64)\n"
        "  --dac-s S            seconds of each DAC run, 0 for none (default 30)\n"
        "  --seed N             sample bytes (default 1)\n"
        "  --out FILE           write the JSON there (default stdout)\n");
}

/* ---- filling a table ---------------------------------------------------- */

typedef struct prod_arg {
    ls_store   *st;
    const char *table;
    ls_conf    *conf;
    char        id[32];
    uint64_t    samples, seed;
    uint32_t    size, interval_ms;
    double      until;          /* trickle mode: one sample per interval until then */
    uint32_t    gap_ms;         /* DAC mode (with until): a sample every gap_ms, no flush */
    double      warm_until;     /* DAC mode: stats0 is taken when this passes */
    int         warm_taken;
    ls_producer_stats stats0;   /* DAC mode: at warm_until */
    ls_producer_stats stats1;   /* DAC mode: at until, before the last flush */
    int         rc;
    char        err[256];
    ls_producer_stats stats;    /* at the end */
} prod_arg;

static void fill(uint8_t *buf, size_t n, uint64_t x)
{
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (uint8_t)x;
    }
}

static void *produce_main(void *arg)
{
    prod_arg *a = arg;
    ls_producer *p;
    uint8_t *buf = malloc(a->size ? a->size : 1);
    a->rc = buf ? ls_producer_open(a->st, a->table, a->id, a->conf, &p) : LS_ERR_NOMEM;
    if (a->rc)
        goto out;
    if (a->until > 0 && a->gap_ms) {
        /* The library commits when DAC's interval has passed (inside
         * append); the loop only feeds it and polls. */
        for (uint64_t i = 0; now_s() < a->until && !a->rc; i++) {
            fill(buf, a->size, a->seed + i * 7919 + 1);
            if (!(a->rc = ls_producer_append(p, buf, a->size, NULL)))
                a->rc = ls_producer_poll(p);
            if (!a->warm_taken && now_s() >= a->warm_until) {
                ls_producer_stats_get(p, &a->stats0);
                a->warm_taken = 1;
            }
            usleep(a->gap_ms * 1000u);
        }
        /* No last flush: P producers flushing at once would measure the
         * close, not the steady state; what is pending is dropped. */
        ls_producer_stats_get(p, &a->stats1);
    } else if (a->until > 0) {
        for (uint64_t i = 0; now_s() < a->until && !a->rc; i++) {
            fill(buf, a->size, a->seed + i * 7919 + 1);
            if (!(a->rc = ls_producer_append(p, buf, a->size, NULL)))
                a->rc = ls_producer_flush(p);
            usleep(a->interval_ms * 1000u);
        }
    } else {
        for (uint64_t i = 0; i < a->samples && !a->rc; i++) {
            fill(buf, a->size, a->seed + i * 7919 + 1);
            a->rc = ls_producer_append(p, buf, a->size, NULL);
        }
        if (!a->rc)
            a->rc = ls_producer_flush(p);
    }
    if (a->rc)
        snprintf(a->err, sizeof(a->err), "%s", ls_errmsg());
    ls_producer_stats_get(p, &a->stats);
    ls_producer_close(p);
out:
    free(buf);
    return NULL;
}

/* P producer threads: each fills its share of total samples, or, with
 * until > 0, commits one sample per interval until then.  Producer i draws
 * its samples from seed + i * stride. */
typedef struct producers {
    prod_arg  a[META_PRODUCERS_MAX];
    pthread_t th[META_PRODUCERS_MAX];
    uint32_t  n;
} producers;

static void producers_start(producers *pr, ls_store *st, const char *table, ls_conf *conf,
                            uint32_t P, uint32_t size, uint32_t interval_ms, uint64_t total,
                            double until, uint64_t seed, uint64_t stride, const char *tag)
{
    pr->n = P;
    for (uint32_t i = 0; i < P; i++) {
        pr->a[i] = (prod_arg){ .st = st, .table = table, .conf = conf, .size = size,
                               .interval_ms = interval_ms, .until = until,
                               .samples = total / P + (i < total % P),
                               .seed = seed + i * stride };
        snprintf(pr->a[i].id, sizeof(pr->a[i].id), "%s%02u", tag, i);
        if (pthread_create(&pr->th[i], NULL, produce_main, &pr->a[i]))
            die("producers", "cannot start a thread");
    }
}

static void producers_join(producers *pr)
{
    for (uint32_t i = 0; i < pr->n; i++)
        pthread_join(pr->th[i], NULL);
    for (uint32_t i = 0; i < pr->n; i++)
        if (pr->a[i].rc)
            die("producer", "%s: %s (%s)", pr->a[i].id, ls_err2str(pr->a[i].rc),
                 pr->a[i].err);
}

/* What the producers' commits cost in metadata reads (the log and GC's
 * marks: GET, HEAD, LIST), per commit, opens included; with P > 1 on a
 * store that lists cheaply, catching up goes through the tails
 * (docs/protocol.md "The tail"). */
static json_t *producer_costs(const producers *pr, double *per_commit)
{
    uint64_t pc = 0, pm = 0, pj = 0, pa = 0;
    for (uint32_t i = 0; i < pr->n; i++) {
        pa += pr->a[i].stats.commit_attempts;
        pc += pr->a[i].stats.commits;
        pm += pr->a[i].stats.meta_requests;
        pj += pr->a[i].stats.log_jumps;
    }
    *per_commit = pc ? (double)pm / (double)pc : 0;
    json_t *j = json_object();
    json_object_set_new(j, "commits", json_integer((json_int_t)pc));
    json_object_set_new(j, "meta_requests_per_commit", json_real(*per_commit));
    json_object_set_new(j, "lists_per_commit", json_real(pc ? (double)pj / (double)pc : 0));
    json_object_set_new(j, "attempts_per_commit", json_real(pc ? (double)pa / (double)pc : 0));
    json_object_set_new(j, "note", json_string("the producers' GETs, HEADs and LISTs of the "
                        "log and of GC's marks, their opens included, over their commits; "
                        "lists_per_commit: catch-ups that listed the log (one LIST each)"));
    return j;
}

/* ---- reading -------------------------------------------------------------- */

static json_t *jnum(double x) { return json_real(x); }
static json_t *jint(uint64_t x) { return json_integer((json_int_t)x); }

/* One rank, cold: open, read every step; its costs per step after the open. */
static json_t *read_rank(ls_store *st, const char *table, ls_conf *conf, uint32_t steps,
                         uint32_t rank, uint32_t W, double *amp_out, double *req_out)
{
    ls_consumer *c;
    mcheck(ls_consumer_open(st, table, rank, W, conf, &c), "consumer open");
    ls_read_stats s0, s1, ga = { 0 }, gb = { 0 };
    /* Whole groups of 16 steps after the first (docs/protocol.md "Group
     * index"): what a rank reading behind the head pays per step once it
     * reads in stride, when the table holds 48 steps or more. */
    uint32_t G = LS_STEP_GROUP_STEPS, g_end = steps / G * G;
    ls_consumer_stats_get(c, &s0);
    for (uint32_t s = 0; s < steps; s++) {
        if (s == G)
            ls_consumer_stats_get(c, &ga);
        if (s == g_end && g_end >= 3 * G)
            ls_consumer_stats_get(c, &gb);
        ls_batch *b;
        mcheck(ls_consumer_read_step(c, s, 60000, &b), "read step");
        ls_batch_destroy(b);
    }
    ls_consumer_stats_get(c, &s1);
    ls_consumer_close(c);
    double data = (double)(s1.bytes_fetched - s0.bytes_fetched);
    double meta = (double)(s1.meta_bytes_fetched - s0.meta_bytes_fetched);
    double need = (double)(s1.bytes_needed - s0.bytes_needed);
    double reqs = (double)(s1.requests - s0.requests);
    double dreq = (double)(s1.data_requests - s0.data_requests);
    double amp = need > 0 ? (data + meta) / need : 0;
    double open_bytes = (double)(s0.bytes_fetched + s0.meta_bytes_fetched);
    *amp_out = amp;
    *req_out = reqs / steps;
    json_t *j = json_object();
    json_object_set_new(j, "rank", jint(rank));
    json_object_set_new(j, "total_read_amplification", jnum(amp));
    json_object_set_new(j, "total_read_amplification_with_open",
                        jnum(need > 0 ? (data + meta + open_bytes) / need : 0));
    json_object_set_new(j, "data_bytes_per_rank_step", jnum(data / steps));
    json_object_set_new(j, "meta_bytes_per_rank_step", jnum(meta / steps));
    json_object_set_new(j, "needed_bytes_per_rank_step", jnum(need / steps));
    json_object_set_new(j, "requests_per_rank_step", jnum(reqs / steps));
    json_object_set_new(j, "data_requests_per_rank_step", jnum(dreq / steps));
    json_object_set_new(j, "meta_requests_per_rank_step", jnum((reqs - dreq) / steps));
    json_object_set_new(j, "polls_per_rank_step", jnum((double)(s1.polls - s0.polls) / steps));
    json_object_set_new(j, "index_steps", jint(s1.index_steps - s0.index_steps));
    json_object_set_new(j, "log_steps", jint(s1.log_steps - s0.log_steps));
    json_object_set_new(j, "open_requests", jint(s0.requests));
    json_object_set_new(j, "open_bytes", jnum(open_bytes));
    json_object_set_new(j, "group_reads", jint(s1.group_reads - s0.group_reads));
    json_object_set_new(j, "group_steps", jint(s1.group_steps - s0.group_steps));
    json_object_set_new(j, "group_dear", jint(s1.group_dear - s0.group_dear));
    if (gb.steps > ga.steps) {
        /* steps [16, g_end): whole groups, read in stride */
        double n = (double)(gb.steps - ga.steps);
        json_t *g = json_object();
        json_object_set_new(g, "first_step", jint(G));
        json_object_set_new(g, "steps", jint(gb.steps - ga.steps));
        json_object_set_new(g, "group_steps", jint(gb.group_steps - ga.group_steps));
        json_object_set_new(g, "meta_requests_per_rank_step",
                            jnum((double)(gb.requests - ga.requests - gb.data_requests +
                                          ga.data_requests) / n));
        json_object_set_new(g, "meta_bytes_per_rank_step",
                            jnum((double)(gb.meta_bytes_fetched - ga.meta_bytes_fetched) / n));
        json_object_set_new(g, "data_requests_per_rank_step",
                            jnum((double)(gb.data_requests - ga.data_requests) / n));
        double nd = (double)(gb.bytes_needed - ga.bytes_needed);
        json_object_set_new(g, "total_read_amplification",
                            jnum(nd > 0 ? (double)(gb.bytes_fetched - ga.bytes_fetched +
                                                   gb.meta_bytes_fetched -
                                                   ga.meta_bytes_fetched) / nd : 0));
        json_object_set_new(j, "behind_head", g);
    } else {
        json_object_set_new(j, "behind_head", json_null());
    }
    return j;
}

/* One rank waits wait_s at the head while producers trickle single-sample
 * commits: its requests per second and what landed meanwhile. */
static json_t *wait_at_head(ls_store *st, const char *table, ls_conf *conf, uint32_t steps,
                            uint32_t P, uint32_t size, uint32_t interval_ms, double wait_s,
                            uint64_t seed)
{
    ls_table_info ti0, ti1;
    ls_table *t;
    mcheck(ls_table_open(st, table, conf, &t), "table open");
    ls_table_info_get(t, &ti0);
    ls_consumer *c;
    mcheck(ls_consumer_open(st, table, 0, 8, conf, &c), "consumer open");
    /* A reader that has been following: its first miss (which loads its
     * state from the log) is behind it. */
    ls_batch *warm = NULL;
    if (ls_consumer_read_step(c, steps, 0, &warm) == LS_OK)
        die("wait", "step %u is complete: the table holds more than was filled", steps);
    ls_read_stats s0, s1;
    ls_consumer_stats_get(c, &s0);
    double t0 = now_s();
    ls_batch *b = NULL;
    /* Start the trickle producers, then wait. */
    static producers pr;
    producers_start(&pr, st, table, conf, P, size, interval_ms, 0, t0 + wait_s, seed * 7u, 1,
                    "w");
    int rc = ls_consumer_read_step(c, steps, (int)(wait_s * 1000), &b);
    double waited = now_s() - t0;
    ls_consumer_stats_get(c, &s1);
    producers_join(&pr);
    ls_batch_destroy(b);
    ls_consumer_close(c);
    mcheck(ls_table_refresh(t), "table refresh");
    ls_table_info_get(t, &ti1);
    ls_table_close(t);
    json_t *j = json_object();
    json_object_set_new(j, "world_size", jint(8));
    json_object_set_new(j, "seconds", jnum(waited));
    json_object_set_new(j, "outcome", json_string(rc == LS_ERR_TIMEOUT ? "timeout (as meant)"
                                                  : rc == LS_OK ? "step completed"
                                                  : ls_err2str(rc)));
    json_object_set_new(j, "commits_meanwhile", jint(ti1.version - ti0.version));
    json_object_set_new(j, "requests", jint(s1.requests - s0.requests));
    json_object_set_new(j, "requests_per_s", jnum((double)(s1.requests - s0.requests) / waited));
    json_object_set_new(j, "polls", jint(s1.polls - s0.polls));
    json_object_set_new(j, "meta_bytes", jint(s1.meta_bytes_fetched - s0.meta_bytes_fetched));
    /* The trickle producers commit one sample each interval, in turn: the
     * steady state of P committers (the fill's are mostly opens). */
    double prc;
    json_object_set_new(j, "producer_commits", producer_costs(&pr, &prc));
    return j;
}

/* ---- commits under DAC ------------------------------------------------------ */

/* P producers with the library's default commit policy (dac, starting from
 * 100 ms) each append a DAC_BYTES sample every DAC_GAP_MS for `seconds`
 * and never flush: the library commits when DAC's interval has passed.
 * The figures are the steady state, the last two thirds (the first third
 * lets DAC find its interval).  What the plan takes for producers many
 * enough to contend (docs/bench-plan.md). */
#define DAC_BYTES  256u    /* small: the commits are the point, and radosgw's memstore holds 4 GiB */
#define DAC_GAP_MS 10u

static json_t *dac_case(ls_store *st, const ls_conf *conf, uint32_t P, double seconds,
                        uint64_t seed, unsigned ncase)
{
    char table[64];
    snprintf(table, sizeof(table), "meta-dac-%u-%d-%u", ncase, (int)getpid(),
             (unsigned)time(NULL) % 100000u);
    ls_conf *cc = ls_conf_dup(conf);
    mcheck(ls_conf_set(cc, "producer.commit.policy", "dac"), "conf");
    mcheck(ls_conf_set(cc, "producer.commit.interval.ms", "100"), "conf");
    mcheck(ls_table_create_conf(st, table, 1024, LS_CODEC_NONE, cc), "create");
    static producers pr;
    double t0 = now_s();
    pr.n = P;
    for (uint32_t i = 0; i < P; i++) {
        pr.a[i] = (prod_arg){ .st = st, .table = table, .conf = cc, .size = DAC_BYTES,
                              .until = t0 + seconds, .gap_ms = DAC_GAP_MS,
                              .warm_until = t0 + seconds / 3, .seed = seed + i * 104729u };
        snprintf(pr.a[i].id, sizeof(pr.a[i].id), "d%02u", i);
        if (pthread_create(&pr.th[i], NULL, produce_main, &pr.a[i]))
            die("producers", "cannot start a thread");
    }
    producers_join(&pr);
    uint64_t c = 0, at = 0, cf = 0, stale = 0, mr = 0, lj = 0, sm = 0, ns = 0;
    double iv = 0;
    uint32_t warm = 0;
    for (uint32_t i = 0; i < P; i++) {
        const ls_producer_stats *a = &pr.a[i].stats0, *b = &pr.a[i].stats1;
        if (!pr.a[i].warm_taken)
            continue;  /* its first commit (the open) took the whole warm-up */
        warm++;
        c += b->commits - a->commits;
        at += b->commit_attempts - a->commit_attempts;
        cf += b->conflicts - a->conflicts;
        stale += b->stale_attempts - a->stale_attempts;
        mr += b->meta_requests - a->meta_requests;
        lj += b->log_jumps - a->log_jumps;
        sm += b->samples_committed - a->samples_committed;
        ns += b->commit_ns_total - a->commit_ns_total;
        iv += b->commit_interval_ms;
    }
    double span = seconds - seconds / 3, dc = c ? (double)c : 1;
    json_t *j = json_object();
    json_object_set_new(j, "producers", jint(P));
    json_object_set_new(j, "producers_measured", jint(warm));
    json_object_set_new(j, "sample_bytes", jint(DAC_BYTES));
    json_object_set_new(j, "sample_gap_ms", jint(DAC_GAP_MS));
    json_object_set_new(j, "seconds_measured", jnum(span));
    json_object_set_new(j, "commits", jint(c));
    json_object_set_new(j, "commits_per_s", jnum((double)c / span));
    json_object_set_new(j, "commits_per_producer_per_s",
                        jnum(warm ? (double)c / span / warm : 0));
    json_object_set_new(j, "attempts_per_commit", jnum((double)at / dc));
    json_object_set_new(j, "conflicts_per_commit", jnum((double)cf / dc));
    json_object_set_new(j, "stale_attempts_per_commit", jnum((double)stale / dc));
    json_object_set_new(j, "meta_requests_per_commit", jnum((double)mr / dc));
    json_object_set_new(j, "lists_per_commit", jnum((double)lj / dc));
    json_object_set_new(j, "samples_per_commit", jnum((double)sm / dc));
    json_object_set_new(j, "commit_ms_mean", jnum((double)ns / dc / 1e6));
    json_object_set_new(j, "interval_ms_mean", jnum(warm ? iv / warm : 0));
    json_object_set_new(j, "note", json_string("the last two thirds of the run; "
                        "meta_requests: the producers' GETs, HEADs and LISTs of the log and "
                        "of GC's marks; interval_ms_mean: DAC's interval at the end, mean over "
                        "the producers"));
    fprintf(stderr, "meta: dac P=%u: %.1f commits/s (%.3f a producer), %.2f attempts and "
            "%.2f metadata reads a commit, DAC interval %.0f ms\n", P, (double)c / span,
            warm ? (double)c / span / warm : 0, (double)at / dc, (double)mr / dc,
            warm ? iv / warm : 0);
    ls_conf_destroy(cc);
    return j;
}

/* ---- main ----------------------------------------------------------------- */

int meta_main(int argc, char **argv)
{
    die_prog("lakestream-bench meta");
    mopts o = { .batch = 4096, .steps = 4, .wait_s = 2, .seed = 1,
                .worlds = { 1, 8, 64, 256, 1024, 4096 }, .nworlds = 6,
                .sizes = { 512, 4096 }, .nsizes = 2, .producers = { 1, 16 },
                .nproducers = 2, .intervals = { 10, 100 }, .nintervals = 2,
                .formats = { 2, 1 }, .nformats = 2, .dac_producers = { 16, 64 },
                .ndac = 2, .dac_s = 30 };
    enum { OPT_STORE = 256, OPT_OUT, OPT_BATCH, OPT_STEPS, OPT_WORLDS, OPT_SIZES, OPT_PRODUCERS,
           OPT_INTERVALS, OPT_FORMATS, OPT_DAC_PRODUCERS, OPT_DAC_S, OPT_WAIT_S, OPT_SEED };
    static const struct option lo[] = {
        { "store", required_argument, 0, OPT_STORE },
        { "out", required_argument, 0, OPT_OUT },
        { "batch", required_argument, 0, OPT_BATCH },
        { "steps", required_argument, 0, OPT_STEPS },
        { "worlds", required_argument, 0, OPT_WORLDS },
        { "sizes", required_argument, 0, OPT_SIZES },
        { "producers", required_argument, 0, OPT_PRODUCERS },
        { "intervals-ms", required_argument, 0, OPT_INTERVALS },
        { "formats", required_argument, 0, OPT_FORMATS },
        { "dac-producers", required_argument, 0, OPT_DAC_PRODUCERS },
        { "dac-s", required_argument, 0, OPT_DAC_S },
        { "wait-s", required_argument, 0, OPT_WAIT_S },
        { "seed", required_argument, 0, OPT_SEED },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    args a = { .argc = argc - 1, .argv = argv + 1, .opts = lo, .usage_status = DIE_STATUS };
    for (int c; (c = args_next(&a)) != -1;) {
        switch (c) {
        case 'h': usage(stdout); return 0;
        case ARGS_WORD: die(optarg, "unexpected argument (see --help)");
        case OPT_STORE: o.store = optarg; break;
        case OPT_OUT: o.out = optarg; break;
        case OPT_BATCH: o.batch = (uint32_t)args_uint(&a, optarg, 1, 1u << 20); break;
        case OPT_STEPS: o.steps = (uint32_t)args_uint(&a, optarg, 1, 1000); break;
        case OPT_WORLDS: list32(&a, optarg, o.worlds, &o.nworlds, 1, 65536); break;
        case OPT_SIZES: list32(&a, optarg, o.sizes, &o.nsizes, 1, 1u << 24); break;
        case OPT_PRODUCERS:
            list32(&a, optarg, o.producers, &o.nproducers, 1, META_PRODUCERS_MAX);
            break;
        case OPT_INTERVALS: list32(&a, optarg, o.intervals, &o.nintervals, 1, 60000); break;
        case OPT_FORMATS: list32(&a, optarg, o.formats, &o.nformats, 1, 2); break;
        case OPT_DAC_PRODUCERS:
            list32(&a, optarg, o.dac_producers, &o.ndac, 1, META_PRODUCERS_MAX);
            break;
        case OPT_DAC_S: o.dac_s = args_real(&a, optarg, 0, 0, 3600); break;
        case OPT_WAIT_S: o.wait_s = args_real(&a, optarg, 0, 1, 600); break;
        case OPT_SEED: o.seed = args_uint(&a, optarg, 0, UINT64_MAX); break;
        }
    }
    if (!o.store)
        die("--store", "required (see --help)");
    for (uint32_t k = 0; k < o.nworlds; k++)
        if (o.batch % o.worlds[k])
            die("--worlds", "%u does not divide the batch %u", o.worlds[k], o.batch);

    ls_conf *conf = ls_conf_new();
    ls_store *st;
    mcheck(ls_conf_set(conf, "store.fsync", "false"), "conf");
    mcheck(ls_conf_set(conf, "consumer.prefetch.steps", "0"), "conf");
    mcheck(ls_conf_set(conf, "producer.commit.policy", "fixed"), "conf");
    mcheck(ls_store_open(o.store, conf, &st), "store open");

    json_t *root = result_new("meta", strncmp(o.store, "s3://", 5) ? o.store : "/tmp");
    json_t *cases = json_array();
    json_object_set_new(root, "timestamp_unix", jint((uint64_t)time(NULL)));
    json_t *params = json_object();
    json_object_set_new(params, "store", json_string(o.store));
    json_object_set_new(params, "batch", jint(o.batch));
    json_object_set_new(params, "steps", jint(o.steps));
    json_object_set_new(params, "wait_s", jnum(o.wait_s));
    json_object_set_new(params, "seed", jint(o.seed));
    json_object_set_new(params, "dac_s", jnum(o.dac_s));
    json_object_set_new(params, "codec", json_string("none (incompressible samples)"));
    json_object_set_new(params, "store.fsync", json_false());
    json_object_set_new(params, "ranks_measured",
                        json_string("first, middle and last rank of each W, each cold "
                                    "(a fresh consumer): every rank's slice is the same size, "
                                    "so W = 4096 is simulated by reading three of its slices"));
    json_object_set_new(root, "params", params);

    char table[64];
    unsigned ncase = 0;
    for (uint32_t fi = 0; fi < o.nformats; fi++)
    for (uint32_t si = 0; si < o.nsizes; si++)
    for (uint32_t pi = 0; pi < o.nproducers; pi++)
    for (uint32_t ii = 0; ii < o.nintervals; ii++) {
        uint32_t F = o.formats[fi], size = o.sizes[si], P = o.producers[pi];
        uint32_t iv = o.intervals[ii];
        snprintf(table, sizeof(table), "meta-%u-%d-%u", ncase++, (int)getpid(),
                 (unsigned)time(NULL) % 100000u);
        ls_conf *cc = ls_conf_dup(conf);
        char buf[32];
        snprintf(buf, sizeof(buf), "%u", F);
        mcheck(ls_conf_set(cc, "table.format", buf), "conf");
        snprintf(buf, sizeof(buf), "%u", iv);
        mcheck(ls_conf_set(cc, "producer.commit.interval.ms", buf), "conf");
        mcheck(ls_table_create_conf(st, table, o.batch, LS_CODEC_NONE, cc), "create");
        double t0 = now_s();
        static producers pr;
        producers_start(&pr, st, table, cc, P, size, iv, (uint64_t)o.batch * o.steps, 0,
                        (o.seed + ncase) * 1000003u, 104729u, "p");
        producers_join(&pr);
        double fill_s = now_s() - t0;
        ls_table *t;
        ls_table_info ti;
        mcheck(ls_table_open(st, table, cc, &t), "table open");
        ls_table_info_get(t, &ti);
        ls_table_close(t);
        json_t *cj = json_object(), *ws = json_array();
        json_object_set_new(cj, "table_format", jint(F));
        json_object_set_new(cj, "sample_bytes", jint(size));
        json_object_set_new(cj, "producers", jint(P));
        json_object_set_new(cj, "commit_interval_ms", jint(iv));
        json_object_set_new(cj, "commits", jint(ti.version));
        json_object_set_new(cj, "commits_per_step", jnum((double)ti.version / o.steps));
        json_object_set_new(cj, "fill_s", jnum(fill_s));
        double prc;
        json_object_set_new(cj, "producer_commits", producer_costs(&pr, &prc));
        fprintf(stderr, "meta: format %u, %u B, P=%u, %u ms: %" PRIu64 " commits in %.1f s, "
                "%.2f metadata reads per producer commit (amplification per step / with the "
                "open; metadata requests per rank-step)\n", F, size, P, iv, ti.version, fill_s,
                prc);
        for (uint32_t wi = 0; wi < o.nworlds; wi++) {
            uint32_t W = o.worlds[wi];
            uint32_t ranks[META_RANKS_CHOSEN] = { 0, W / 2, W - 1 };
            uint32_t nr = W == 1 ? 1 : W == 2 ? 2 : 3;
            json_t *wj = json_object(), *rj = json_array();
            double amp_max = 0, req_max = 0, open_max = 0, mreq_max = 0;
            for (uint32_t k = 0; k < nr; k++) {
                double amp, req;
                json_t *r = read_rank(st, table, cc, o.steps, ranks[k], W, &amp, &req);
                double ao = json_real_value(json_object_get(r,
                                                "total_read_amplification_with_open"));
                double mq = json_real_value(json_object_get(r, "meta_requests_per_rank_step"));
                json_array_append_new(rj, r);
                amp_max = amp > amp_max ? amp : amp_max;
                req_max = req > req_max ? req : req_max;
                open_max = ao > open_max ? ao : open_max;
                mreq_max = mq > mreq_max ? mq : mreq_max;
            }
            json_object_set_new(wj, "total_read_amplification_with_open_max", jnum(open_max));
            json_object_set_new(wj, "meta_requests_per_rank_step_max", jnum(mreq_max));
            json_object_set_new(wj, "world_size", jint(W));
            json_object_set_new(wj, "total_read_amplification_max", jnum(amp_max));
            json_object_set_new(wj, "requests_per_rank_step_max", jnum(req_max));
            json_object_set_new(wj, "ranks", rj);
            json_array_append_new(ws, wj);
            fprintf(stderr, "meta:   W=%-5u %.4f / %.4f, %.2f (all requests %.2f)\n", W,
                    amp_max, open_max, mreq_max, req_max);
        }
        json_object_set_new(cj, "worlds", ws);
        json_object_set_new(cj, "wait_at_head", wait_at_head(st, table, cc, o.steps, P, size,
                                                              iv, o.wait_s, o.seed + ncase));
        json_array_append_new(cases, cj);
        ls_conf_destroy(cc);
    }
    json_object_set_new(root, "cases", cases);
    json_t *dj = json_array();
    for (uint32_t k = 0; o.dac_s > 0 && k < o.ndac; k++)
        json_array_append_new(dj, dac_case(st, conf, o.dac_producers[k], o.dac_s,
                                           o.seed * 7919u + k, k));
    json_object_set_new(root, "dac_commits", dj);
    ls_store_close(st);
    ls_conf_destroy(conf);
    result_write(root, !o.out, o.out);
    json_decref(root);
    return 0;
}
