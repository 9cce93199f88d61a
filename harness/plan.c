/*
 * plan.c -- lakestream-bench plan WORKLOAD --gpus N (docs/bench-plan.md):
 * a capacity plan for N GPUs from the workload's cost model and the per-unit
 * costs measured by a run (results/.../result.json) and by the stores
 * benchmark (results/stores-*.json).  Every figure carries its sources and
 * its formula; a figure whose input was not measured stays "not measured".
 *
 * Table format 2 (docs/protocol.md "Step index"): the ranks' metadata
 * per step comes from the meta benchmark (results/meta-*.json); the format-1
 * model (every rank replays every log record) is kept for comparison.
 *
 * Layout: the figures; options; the model; text and JSON output.  The
 * limits, prices and input types are in plan_int.h; the measurement files
 * (untrusted input) are read in plan_inputs.c.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "args.h"
#include "bench.h"
#include "lakestream.h"
#include "workload.h"
#include "plan_int.h"

/* ---- the figures -------------------------------------------------------- */

typedef struct fig_spec {
    const char *key, *section, *label, *unit;
} fig_spec;

typedef struct fig {
    int      have;      /* 0: not measured (the note says which input is missing) */
    double   v;
    unsigned src;
    char     note[PLAN_NOTE_BYTES];  /* the formula, an assumption, or why it is missing */
} fig;

typedef enum {
    F_GPUS, F_MICRO_BATCH, F_GLOBAL_BATCH, F_STEP_MS, F_STEPS_S, F_DEMAND, F_SAMPLE_BYTES,
    F_DEMAND_MB,
    F_PREP_MS, F_DP_CPU_MS, F_WORKER_MS, F_CORES, F_WORKERS, F_UTIL, F_PRODUCERS,
    F_WORKERS_TOTAL,
    F_STORED_BYTES, F_WRITE_MB, F_WRITE_ALL_MB, F_READ_AMP, F_READ_MB, F_CATCHUP_BYTES,
    F_META_READ_MB, F_READ_ALL_MB,
    F_COMMITS_PP, F_COMMIT_BYTES_DAC, F_COMMITS_S, F_LOG_OVER_DAC, F_CKPT_EVERY, F_CKPT_S, F_RANK_CKPT_PUTS, F_RANK_CKPT_LISTS,
    F_LOG_S, F_CHUNKS_PP, F_CHUNKS_S,
    F_SNAP_K, F_SNAP_S, F_INDEX_PUTS, F_ATTEMPTS, F_PUTS,
    F_DATA_REQ, F_GETS_DATA, F_META_REQ, F_META_BYTES, F_GETS_INDEX, F_HEAD_RATE, F_POLLS,
    F_GETS_POLL, F_CATCHUP_GETS, F_GETS_LOG_RANKS, F_PROD_READS, F_GETS_LOG_PROD,
    F_LISTS_LOG_PROD, F_GETS_META, F_GETS,
    F_META_OVER_DATA, F_REQS, F_S3_LOG_GET, F_S3_STEPS_GET, F_S3_LOG_PUT,
    F_RECORD_BYTES, F_TAIL_COPIES, F_LOG_BYTES_S, F_LOG_RECORDS_DAY, F_LOG_GIB_DAY, F_SNAP_BYTES, F_SNAP_MB,
    F_SNAP_GIB_DAY,
    F_RETAIN_H, F_RET_DATA, F_RET_LOG, F_SNAP_RETAIN_S, F_SNAPS_KEPT, F_RET_SNAP, F_RET_TOTAL,
    F_PRICE_PUT, F_PRICE_GET, F_PRICE_GB, F_USD_PUT, F_USD_GET, F_USD_GET_DATA,
    F_GET_OVER_DATA, F_USD_STORAGE, F_USD_TOTAL,
    F_F1_GETS_LOG_RANKS, F_F1_POLLS, F_F1_GETS_POLL, F_F1_GETS_META, F_F1_GETS, F_F1_USD_GET,
    F_COUNT
} fig_id;

static const fig_spec fig_specs[F_COUNT] = {
    [F_GPUS] = {"gpus", "demand", "GPUs (ranks)", "GPUs"},
    [F_MICRO_BATCH] = {"micro_batch_samples", "demand", "micro-batch per rank", "samples"},
    [F_GLOBAL_BATCH] = {"global_batch_samples", "demand", "global batch", "samples"},
    [F_STEP_MS] = {"step_ms", "demand", "step time", "ms"},
    [F_STEPS_S] = {"steps_per_s", "demand", "steps", "steps/s"},
    [F_DEMAND] = {"demand_samples_per_s", "demand", "demand D", "samples/s"},
    [F_SAMPLE_BYTES] = {"sample_bytes_mean", "demand", "sample size, mean", "B"},
    [F_DEMAND_MB] = {"demand_mb_per_s", "demand", "sample bytes consumed", "MB/s"},
    [F_PREP_MS] = {"preprocess_ms_per_sample", "preprocessing", "preprocessing cost", "ms/sample"},
    [F_DP_CPU_MS] = {"data_plane_cpu_ms_per_sample", "preprocessing", "producer data-plane CPU",
                     "ms/sample"},
    [F_WORKER_MS] = {"worker_ms_per_sample", "preprocessing", "worker time", "ms/sample"},
    [F_CORES] = {"preprocess_cores", "preprocessing", "preprocessing cores, busy", "cores"},
    [F_WORKERS] = {"producer_workers", "preprocessing", "workers per producer", "workers"},
    [F_UTIL] = {"utilization", "preprocessing", "utilisation target U", ""},
    [F_PRODUCERS] = {"producers", "preprocessing", "producers P", "producers"},
    [F_WORKERS_TOTAL] = {"producer_workers_total", "preprocessing", "workers provisioned",
                         "workers"},
    [F_STORED_BYTES] = {"stored_bytes_per_sample", "store bandwidth", "stored per sample", "B"},
    [F_WRITE_MB] = {"write_mb_per_s", "store bandwidth", "data write", "MB/s"},
    [F_WRITE_ALL_MB] = {"write_all_mb_per_s", "store bandwidth", "write, all", "MB/s"},
    [F_READ_AMP] = {"read_amplification_data", "store bandwidth", "data read amplification", "x"},
    [F_READ_MB] = {"read_mb_per_s", "store bandwidth", "data read", "MB/s"},
    [F_CATCHUP_BYTES] = {"catch_up_bytes_per_checkpoint", "store bandwidth",
                         "log read by rank 0 per checkpoint", "B"},
    [F_META_READ_MB] = {"meta_read_mb_per_s", "store bandwidth", "metadata read", "MB/s"},
    [F_READ_ALL_MB] = {"read_all_mb_per_s", "store bandwidth", "read, all", "MB/s"},
    [F_COMMITS_PP] = {"commits_per_producer_s", "requests", "commits per producer", "/s"},
    [F_COMMIT_BYTES_DAC] = {"commit_bytes_for_dac", "requests", "commit bytes at DAC's rate",
                            "B"},
    [F_COMMITS_S] = {"commits_per_s", "requests", "producer commits", "/s"},
    [F_LOG_OVER_DAC] = {"commits_over_measured", "requests", "commits / the log's measured",
                        "x"},
    [F_CKPT_EVERY] = {"checkpoint_every_steps", "requests", "rank checkpoint interval", "steps"},
    [F_CKPT_S] = {"checkpoint_records_per_s", "requests", "checkpoint records", "/s"},
    [F_RANK_CKPT_PUTS] = {"rank_checkpoint_puts_per_s", "requests", "rank progress PUTs", "/s"},
    [F_RANK_CKPT_LISTS] = {"rank_checkpoint_lists_per_s", "requests", "rank progress LISTs",
                           "/s"},
    [F_LOG_S] = {"log_records_per_s", "requests", "log records L", "/s"},
    [F_CHUNKS_PP] = {"chunks_per_producer_s", "requests", "chunks per producer", "/s"},
    [F_CHUNKS_S] = {"chunks_per_s", "requests", "chunk PUTs", "/s"},
    [F_SNAP_K] = {"snapshot_interval_versions", "requests", "snapshot interval K", "versions"},
    [F_SNAP_S] = {"snapshots_per_s", "requests", "snapshots", "/s"},
    [F_INDEX_PUTS] = {"index_puts_per_s", "requests", "step index PUTs", "/s"},
    [F_ATTEMPTS] = {"commit_attempts", "requests", "attempts per producer commit", ""},
    [F_PUTS] = {"puts_per_s", "requests", "PUTs and LISTs", "/s"},
    [F_DATA_REQ] = {"data_requests_per_rank_step", "requests", "data GETs per rank-step", ""},
    [F_GETS_DATA] = {"gets_data_per_s", "requests", "data GETs", "/s"},
    [F_META_REQ] = {"meta_requests_per_rank_step", "requests",
                    "metadata GETs per rank-step", ""},
    [F_META_BYTES] = {"meta_bytes_per_rank_step", "requests", "metadata bytes per rank-step",
                      "B"},
    [F_GETS_INDEX] = {"gets_index_per_s", "requests", "step index GETs by ranks", "/s"},
    [F_HEAD_RATE] = {"head_requests_per_s", "requests", "requests of a rank waiting at the head",
                     "/s"},
    [F_POLLS] = {"polls_per_rank_step", "requests", "not-found polls per rank-step", ""},
    [F_GETS_POLL] = {"gets_poll_per_s", "requests", "not-found polls by ranks", "/s"},
    [F_CATCHUP_GETS] = {"catch_up_gets_per_checkpoint", "requests",
                        "log GETs by rank 0 per checkpoint", ""},
    [F_GETS_LOG_RANKS] = {"gets_log_ranks_per_s", "requests", "log GETs by ranks", "/s"},
    [F_PROD_READS] = {"producer_gets_per_commit", "requests", "log GETs per producer commit",
                      ""},
    [F_GETS_LOG_PROD] = {"gets_log_producers_per_s", "requests", "log GETs by producers", "/s"},
    [F_LISTS_LOG_PROD] = {"lists_log_producers_per_s", "requests", "log LISTs by producers",
                          "/s"},
    [F_GETS_META] = {"gets_meta_per_s", "requests", "metadata GETs", "/s"},
    [F_GETS] = {"gets_per_s", "requests", "GETs", "/s"},
    [F_META_OVER_DATA] = {"meta_gets_over_data", "requests", "metadata GETs / data GETs", "x"},
    [F_REQS] = {"requests_per_s", "requests", "requests, all", "/s"},
    [F_S3_LOG_GET] = {"s3_log_prefix_get_load", "requests", "log prefix GETs / S3 prefix rate",
                      "x"},
    [F_S3_STEPS_GET] = {"s3_steps_prefix_get_load", "requests",
                        "step index GETs / S3 prefix rate", "x"},
    [F_S3_LOG_PUT] = {"s3_log_prefix_put_load", "requests", "log prefix PUTs / S3 prefix rate",
                      "x"},
    [F_RECORD_BYTES] = {"log_record_bytes_fixed", "log growth", "commit record, fixed part", "B"},
    [F_TAIL_COPIES] = {"tail_records", "log growth", "tail of a commit record", "records"},
    [F_LOG_BYTES_S] = {"log_bytes_per_s", "log growth", "log growth", "B/s"},
    [F_LOG_RECORDS_DAY] = {"log_records_per_day", "log growth", "log records", "/day"},
    [F_LOG_GIB_DAY] = {"log_gib_per_day", "log growth", "log bytes", "GiB/day"},
    [F_SNAP_BYTES] = {"snapshot_bytes", "log growth", "snapshot size at retention", "B"},
    [F_SNAP_MB] = {"snapshot_write_mb_per_s", "log growth", "snapshot writes", "MB/s"},
    [F_SNAP_GIB_DAY] = {"snapshot_gib_per_day", "log growth", "snapshot bytes written",
                        "GiB/day"},
    [F_RETAIN_H] = {"retain_hours", "storage", "retention window", "h"},
    [F_RET_DATA] = {"retained_data_gib", "storage", "data retained", "GiB"},
    [F_RET_LOG] = {"retained_log_gib", "storage", "log records retained", "GiB"},
    [F_SNAP_RETAIN_S] = {"snapshot_retention_s", "storage", "old snapshots kept for R", "s"},
    [F_SNAPS_KEPT] = {"snapshots_retained", "storage", "snapshots kept", "snapshots"},
    [F_RET_SNAP] = {"retained_snapshot_gib", "storage", "snapshots retained", "GiB"},
    [F_RET_TOTAL] = {"retained_gib", "storage", "retained, all", "GiB"},
    [F_PRICE_PUT] = {"price_put_per_1k_usd", "monthly cost", "price per 1,000 PUT/LIST", "USD"},
    [F_PRICE_GET] = {"price_get_per_1k_usd", "monthly cost", "price per 1,000 GET", "USD"},
    [F_PRICE_GB] = {"price_gb_month_usd", "monthly cost", "price per GB-month", "USD"},
    [F_USD_PUT] = {"put_usd_per_month", "monthly cost", "PUT requests", "USD/month"},
    [F_USD_GET] = {"get_usd_per_month", "monthly cost", "GET requests", "USD/month"},
    [F_USD_GET_DATA] = {"get_data_usd_per_month", "monthly cost", "of which data GETs",
                        "USD/month"},
    [F_GET_OVER_DATA] = {"get_over_data", "monthly cost", "GET bill / data GETs' own", "x"},
    [F_USD_STORAGE] = {"storage_usd_per_month", "monthly cost", "storage", "USD/month"},
    [F_USD_TOTAL] = {"total_usd_per_month", "monthly cost", "total", "USD/month"},
    [F_F1_GETS_LOG_RANKS] = {"f1_gets_log_ranks_per_s", "format 1, for comparison",
                             "log GETs by ranks", "/s"},
    [F_F1_POLLS] = {"f1_polls_per_rank_step", "format 1, for comparison",
                    "not-found polls per rank-step", ""},
    [F_F1_GETS_POLL] = {"f1_gets_poll_per_s", "format 1, for comparison",
                        "not-found polls by ranks", "/s"},
    [F_F1_GETS_META] = {"f1_gets_meta_per_s", "format 1, for comparison", "metadata GETs",
                        "/s"},
    [F_F1_GETS] = {"f1_gets_per_s", "format 1, for comparison", "GETs", "/s"},
    [F_F1_USD_GET] = {"f1_get_usd_per_month", "format 1, for comparison", "GET requests",
                      "USD/month"},
};

/* The comparison with one store of the stores benchmark. */
typedef enum {
    C_INGEST_MB, C_WRITE_RATIO, C_STORES_WRITE, C_READ_MB, C_READ_RATIO, C_REQ_MAX, C_REQ_RATIO,
    C_STORES_REQ, C_COMMIT_P50, C_COMMIT_P99, C_COUNT
} cmp_id;

static const fig_spec cmp_specs[C_COUNT] = {
    [C_INGEST_MB] = {"ingest_mb_per_s_measured", "", "ingest measured (one producer)", "MB/s"},
    [C_WRITE_RATIO] = {"write_over_measured", "", "planned write / measured", "x"},
    [C_STORES_WRITE] = {"stores_for_write", "", "such stores for the write rate", "stores"},
    [C_READ_MB] = {"read_mb_per_s_measured", "", "step reads measured", "MB/s"},
    [C_READ_RATIO] = {"read_over_measured", "", "planned read / measured", "x"},
    [C_REQ_MAX] = {"requests_per_s_measured_max", "", "highest request rate measured", "/s"},
    [C_REQ_RATIO] = {"requests_over_measured", "", "planned requests / measured", "x"},
    [C_STORES_REQ] = {"stores_for_requests", "", "such stores for the request rate", "stores"},
    [C_COMMIT_P50] = {"commit_latency_ms_p50", "", "commit latency p50", "ms"},
    [C_COMMIT_P99] = {"commit_latency_ms_p99", "", "commit latency p99", "ms"},
};



static void fset(fig *f, double v, unsigned src, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fset(fig *f, double v, unsigned src, const char *fmt, ...)
{
    f->have = isfinite(v);  /* inputs are bounded, so this is a last guard */
    f->v = f->have ? v : 0;
    f->src = src;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->note, sizeof f->note, fmt, ap);
    va_end(ap);
    if (!f->have)
        snprintf(f->note, sizeof f->note, "out of range: the inputs are too large");
}

/* Not measured: say which input is missing. */
static void fnone(fig *f, unsigned src, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fnone(fig *f, unsigned src, const char *fmt, ...)
{
    f->have = 0;
    f->v = 0;
    f->src = src;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->note, sizeof f->note, fmt, ap);
    va_end(ap);
}

/* ---- options -------------------------------------------------------------- */

typedef struct plan_opts {
    const char *workload, *from, *results, *stores, *meta;
    int         results_given, json;
    unsigned long gpus;
    double      step_ms, utilization, retain_hours, price_put, price_get, price_gb;
    double      lead_steps;     /* how far the producers run ahead of the ranks */
    int         step_given, util_given, retain_given, put_given, get_given, gb_given;
    int         lead_given;
} plan_opts;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: lakestream-bench plan WORKLOAD --gpus N [--step-ms T] [--json]\n"
        "         [--from RUN_DIR|RESULT_JSON] [--results DIR] [--stores STORES_JSON]\n"
        "         [--meta META_JSON] [--utilization U] [--retain-hours H] [--lead-steps S]\n"
        "         [--price-put-per-1k USD] [--price-get-per-1k USD] [--price-gb-month USD]\n"
        "  A capacity plan for N GPUs (docs/bench-plan.md): producers, store bandwidth,\n"
        "  requests/s, log growth and monthly cost at S3 list prices, each figure with\n"
        "  its source, for table format 2 (format 1's log reads for comparison).\n"
        "  Measurements: the newest lakestream run of WORKLOAD under --results (default\n"
        "  results/), and the newest stores-*.json and meta-*.json directly in it.\n"
        "  --lead-steps S: how many steps the producers run ahead of the ranks; from 16\n"
        "  ranks read behind the head through group indexes, below they wait at the head.\n"
        "  Defaults: T from the workload, U = %.1f, H = %.0f, S = %.0f, S3 Standard\n"
        "  us-east-1 list prices $%g, $%g, $%g.\n",
        PLAN_UTILIZATION_DEFAULT, PLAN_RETAIN_HOURS_DEFAULT, PLAN_LEAD_STEPS_DEFAULT,
        PLAN_PRICE_PUT_PER_1K,
        PLAN_PRICE_GET_PER_1K, PLAN_PRICE_GB_MONTH);
}

static void parse_opts(plan_opts *o, int argc, char **argv)
{
    enum { OPT_JSON = 256, OPT_GPUS, OPT_STEP, OPT_FROM, OPT_RESULTS, OPT_STORES, OPT_META,
           OPT_UTIL, OPT_LEAD, OPT_RETAIN, OPT_PUT, OPT_GET, OPT_GB };
    static const struct option lo[] = {
        { "json", no_argument, 0, OPT_JSON },
        { "gpus", required_argument, 0, OPT_GPUS },
        { "step-ms", required_argument, 0, OPT_STEP },
        { "from", required_argument, 0, OPT_FROM },
        { "results", required_argument, 0, OPT_RESULTS },
        { "stores", required_argument, 0, OPT_STORES },
        { "meta", required_argument, 0, OPT_META },
        { "utilization", required_argument, 0, OPT_UTIL },
        { "lead-steps", required_argument, 0, OPT_LEAD },
        { "retain-hours", required_argument, 0, OPT_RETAIN },
        { "price-put-per-1k", required_argument, 0, OPT_PUT },
        { "price-get-per-1k", required_argument, 0, OPT_GET },
        { "price-gb-month", required_argument, 0, OPT_GB },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    *o = (plan_opts){.results = "results", .utilization = PLAN_UTILIZATION_DEFAULT,
                     .retain_hours = PLAN_RETAIN_HOURS_DEFAULT,
                     .lead_steps = PLAN_LEAD_STEPS_DEFAULT,
                     .price_put = PLAN_PRICE_PUT_PER_1K, .price_get = PLAN_PRICE_GET_PER_1K,
                     .price_gb = PLAN_PRICE_GB_MONTH};
    args a = { .argc = argc - 1, .argv = argv + 1, .opts = lo, .usage_status = DIE_STATUS };
    int have_gpus = 0;
    for (int c; (c = args_next(&a)) != -1;) {
        switch (c) {
        case 'h': usage(stdout); exit(0);
        case OPT_JSON: o->json = 1; break;
        case ARGS_WORD:
            if (o->workload)
                plan_fail("unexpected argument \"%s\" (one WORKLOAD only; see --help)", optarg);
            o->workload = optarg;
            break;
        case OPT_GPUS:
            o->gpus = (unsigned long)args_uint(&a, optarg, 1, PLAN_GPUS_MAX);
            have_gpus = 1;
            break;
        case OPT_STEP:
            o->step_ms = args_real(&a, optarg, PLAN_STEP_MS_MIN, 0, PLAN_STEP_MS_MAX);
            o->step_given = 1;
            break;
        case OPT_FROM: o->from = optarg; break;
        case OPT_RESULTS: o->results = optarg, o->results_given = 1; break;
        case OPT_STORES: o->stores = optarg; break;
        case OPT_META: o->meta = optarg; break;
        case OPT_UTIL:
            o->utilization = args_real(&a, optarg, 0, 1, 1);
            o->util_given = 1;
            break;
        case OPT_LEAD:
            o->lead_steps = args_real(&a, optarg, 0, 0, PLAN_LEAD_STEPS_MAX);
            o->lead_given = 1;
            break;
        case OPT_RETAIN:
            o->retain_hours = args_real(&a, optarg, 0, 0, PLAN_RETAIN_HOURS_MAX);
            o->retain_given = 1;
            break;
        case OPT_PUT:
            o->price_put = args_real(&a, optarg, 0, 0, PLAN_PRICE_MAX);
            o->put_given = 1;
            break;
        case OPT_GET:
            o->price_get = args_real(&a, optarg, 0, 0, PLAN_PRICE_MAX);
            o->get_given = 1;
            break;
        case OPT_GB:
            o->price_gb = args_real(&a, optarg, 0, 0, PLAN_PRICE_MAX);
            o->gb_given = 1;
            break;
        }
    }
    if (!o->workload)
        plan_fail("no WORKLOAD given (a workloads/*.conf file; see --help)");
    if (!have_gpus)
        plan_fail("--gpus N is required (see --help)");
    struct stat sb;
    if (o->results_given && (stat(o->results, &sb) || !S_ISDIR(sb.st_mode)))
        plan_fail("--results %s: not a directory", o->results);
}

/* ---- the model ------------------------------------------------------------ */

typedef struct plan {
    plan_opts   o;
    wl_workload w;
    run_in      run;
    stores_in   stores;
    const store_in *fallback;  /* the store whose read figures stand in for the run's */
    meta_in     meta;
    const meta_case  *mc;      /* the case and world size the plan takes from it */
    const meta_world *mw;
    const meta_dac   *md;      /* the run under DAC nearest P (none: P = 1 or none run) */
    char        meta_pick[PLAN_NOTE_BYTES];  /* which, and why */
    double      catchup_records;  /* log records a rank reads per checkpoint */
    int         catchup_snapshot; /* and whether it reads the newest snapshot first */
    fig         f[F_COUNT];
    fig         c[PLAN_STORES_MAX][C_COUNT];
} plan;

#define HAVE(id) (p->f[id].have)
#define V(id)    (p->f[id].v)

static double conf_default(const char *name)
{
    ls_conf *c = ls_conf_new();
    const char *v = c ? ls_conf_get(c, name) : NULL;
    double x = v ? strtod(v, NULL) : 0;
    ls_conf_destroy(c);
    if (!(x > 0))
        plan_fail("liblakestream has no positive default for %s", name);
    return x;
}

/* The meta case nearest the workload: sample size nearest the mean, then
 * producers nearest P, then commit interval nearest the producers' (1000 /
 * commits per producer-second, when the run measures it); in it, the world
 * size whose slice (batch / W samples per rank) is nearest the plan's
 * micro-batch m, then W nearest N.  All distances on a log scale.  A
 * rank's metadata depends on its slice, not on W (docs/bench-meta.md):
 * the meta benchmark's batch is fixed, the plan's grows with N. */
static void meta_pick(plan *p)
{
    const meta_in *mi = &p->meta;
    if (!mi->have)
        return;
    double sb = V(F_SAMPLE_BYTES), P = V(F_PRODUCERS), m = V(F_MICRO_BATCH), N = V(F_GPUS);
    int have_iv = HAVE(F_COMMITS_PP) && V(F_COMMITS_PP) > 0;
    double iv = have_iv ? 1000.0 / V(F_COMMITS_PP) : 1;
    const double eps = 1e-9;
    const meta_case *best = &mi->c[0];
    for (unsigned i = 1; i < mi->ncases; i++) {
        const meta_case *c = &mi->c[i];
        double d[3] = {plan_log_dist(c->sample_bytes, sb) - plan_log_dist(best->sample_bytes, sb),
                       plan_log_dist(c->producers, P) - plan_log_dist(best->producers, P),
                       have_iv ? plan_log_dist(c->interval_ms, iv) - plan_log_dist(best->interval_ms, iv)
                               : 0};
        for (int k = 0; k < 3; k++) {
            if (d[k] < -eps) {
                best = c;
                break;
            }
            if (d[k] > eps)
                break;
        }
    }
    const meta_world *bw = &best->wl[0];
    for (unsigned k = 1; k < best->nworlds; k++) {
        const meta_world *w = &best->wl[k];
        double d = plan_log_dist(w->slice, m) - plan_log_dist(bw->slice, m);
        if (d < -eps || (d <= eps && plan_log_dist(w->w, N) < plan_log_dist(bw->w, N) - eps))
            bw = w;
    }
    p->mc = best;
    p->mw = bw;
    char ivs[96];
    if (have_iv)
        snprintf(ivs, sizeof ivs, "%.0f ms between a producer's commits", iv);
    else
        snprintf(ivs, sizeof ivs, "commit interval not measured");
    snprintf(p->meta_pick, sizeof p->meta_pick,
             "cases.%u (format 2, %g B samples, P = %g, commits every %g ms; nearest to %.0f B, "
             "P = %.0f, %s) at W = %g: %g samples per rank, nearest to m = %g", best->idx,
             best->sample_bytes, best->producers, best->interval_ms, sb, P, ivs, bw->w,
             bw->slice, m);
}

static void model_demand(plan *p)
{
    const wl_workload *w = &p->w;
    double m = (double)w->global_batch / (double)w->world_size;
    fset(&p->f[F_GPUS], (double)p->o.gpus, SRC_OPTION, "--gpus; one rank per GPU");
    fset(&p->f[F_MICRO_BATCH], m, SRC_WORKLOAD, "m = global.batch %u / world.size %u",
         w->global_batch, w->world_size);
    fset(&p->f[F_GLOBAL_BATCH], m * V(F_GPUS), SRC_WORKLOAD | SRC_OPTION, "m x N");
    if (p->o.step_given)
        fset(&p->f[F_STEP_MS], p->o.step_ms, SRC_OPTION, "--step-ms");
    else
        fset(&p->f[F_STEP_MS], w->step_time_ms, SRC_WORKLOAD, "step.time.ms");
    fset(&p->f[F_STEPS_S], 1000.0 / V(F_STEP_MS), p->f[F_STEP_MS].src, "1000 / step ms");
    fset(&p->f[F_DEMAND], V(F_GLOBAL_BATCH) * V(F_STEPS_S),
         SRC_WORKLOAD | SRC_OPTION, "D = m x N / step time");

    /* Mean size and cost over the workload's own samples (deterministic from its seed). */
    double bytes = 0, cost = 0;
    for (uint64_t i = 0; i < PLAN_SIZE_DRAWS; i++) {
        size_t s = wl_sample_size(w, i);
        bytes += (double)s;
        cost += wl_cost_ms(w, s);
    }
    fset(&p->f[F_SAMPLE_BYTES], bytes / PLAN_SIZE_DRAWS, SRC_WORKLOAD,
         "mean over samples 0..%u (sizes from the seed, %u-byte header included)",
         PLAN_SIZE_DRAWS - 1, WL_HEADER_BYTES);
    fset(&p->f[F_DEMAND_MB], V(F_DEMAND) * V(F_SAMPLE_BYTES) / PLAN_MB,
         SRC_WORKLOAD | SRC_OPTION, "D x sample size");
    fset(&p->f[F_PREP_MS], cost / PLAN_SIZE_DRAWS, SRC_WORKLOAD,
         "mean of preprocess.fixed.ms %g + preprocess.ms.per.mb %g x size, same samples",
         w->preprocess_fixed_ms, w->preprocess_ms_per_mb);
}

static void model_producers(plan *p)
{
    const run_in *r = &p->run;
    if (r->have_cpu) {
        fset(&p->f[F_DP_CPU_MS], 1000.0 * r->cpu_producers_s / r->produced, SRC_RUN,
             "cpu_s.producers %.2f s / samples_produced %.0f", r->cpu_producers_s, r->produced);
        fset(&p->f[F_WORKER_MS], V(F_PREP_MS) + V(F_DP_CPU_MS), SRC_WORKLOAD | SRC_RUN,
             "preprocessing + data-plane CPU");
    } else {
        fnone(&p->f[F_DP_CPU_MS], r->have ? SRC_RUN : 0, "%s",
              r->have ? "the run has no cpu_s.producers" : "no run result found");
        fset(&p->f[F_WORKER_MS], V(F_PREP_MS), SRC_WORKLOAD,
             "preprocessing only: the data-plane CPU is not measured, so this is low");
    }
    unsigned src = p->f[F_WORKER_MS].src | SRC_OPTION;
    fset(&p->f[F_CORES], V(F_DEMAND) * V(F_WORKER_MS) / 1000.0, src, "D x worker time");
    fset(&p->f[F_WORKERS], p->w.producer_workers, SRC_WORKLOAD, "producer.workers");
    fset(&p->f[F_UTIL], p->o.utilization, SRC_OPTION,
         p->o.util_given ? "--utilization" : "default of --utilization");
    double need = V(F_CORES) / (V(F_WORKERS) * V(F_UTIL));
    double prod = ceil(need - 1e-9);
    fset(&p->f[F_PRODUCERS], prod < 1 ? 1 : prod, src,
         "ceil(cores / (workers x U)) = ceil(%.3f), at least 1", need);
    fset(&p->f[F_WORKERS_TOTAL], V(F_PRODUCERS) * V(F_WORKERS), src, "P x workers");
}

static void model_bandwidth(plan *p)
{
    const run_in *r = &p->run;
    if (r->have_usage && r->have_mean) {
        double f = r->chunk_bytes / (r->delivered * r->mean_sample_bytes);
        fset(&p->f[F_STORED_BYTES], f * V(F_SAMPLE_BYTES), SRC_RUN | SRC_WORKLOAD,
             "sample size x %.4f stored/payload (store_usage.chunk_bytes / (samples_delivered "
             "x mean_sample_bytes))", f);
    } else if (r->have_usage) {
        fset(&p->f[F_STORED_BYTES], r->chunk_bytes / r->delivered, SRC_RUN,
             "store_usage.chunk_bytes / samples_delivered (the run's samples)");
    } else {
        fset(&p->f[F_STORED_BYTES], V(F_SAMPLE_BYTES), SRC_WORKLOAD,
             "the sample size: chunk format and codec not measured (%s)",
             r->have ? "the run has no store_usage" : "no run result found");
    }
    fset(&p->f[F_WRITE_MB], V(F_DEMAND) * V(F_STORED_BYTES) / PLAN_MB,
         p->f[F_STORED_BYTES].src | SRC_OPTION, "D x stored per sample (chunks)");
}

/* A record's own bytes, fixed part and the index of its samples, 0 if the
 * run does not tell (the run's log bytes hold the tails of its records
 * when its build wrote them: see docs/bench-plan.md). */
static double record_fixed_bytes(const run_in *r)
{
    return fmax(0, (r->log_bytes - PLAN_RECORD_INDEX_BYTES * r->delivered) / r->log_records);
}

static double record_own_bytes(const plan *p)
{
    const run_in *r = &p->run;
    if (!r->have_usage || r->log_records <= 0 || !HAVE(F_COMMITS_S) || V(F_COMMITS_S) <= 0)
        return 0;
    return record_fixed_bytes(r) + PLAN_RECORD_INDEX_BYTES * V(F_DEMAND) / V(F_COMMITS_S);
}

/* The tail of a commit record (core/log_tail.c): the records between one
 * producer's two commits (P - 1 with producers in turn) and half again,
 * plus two, within LS_LOG_TAIL_RECORDS_MAX and LS_LOG_TAIL_BYTES_MAX; and
 * what catching up then costs a producer: the reads per commit the meta
 * benchmark measured (its trickle producers, in turn), LISTs apart, and a
 * GET more for each tail's length the gap exceeds. */
static void model_tail(plan *p)
{
    double P = V(F_PRODUCERS), rec = record_own_bytes(p);
    const meta_case *mc = p->mc;
    if (P <= 1) {
        fset(&p->f[F_TAIL_COPIES], 0, p->f[F_PRODUCERS].src | SRC_LIBRARY,
             "0: a producer that commits alone copies no record into its own");
    } else if (rec > 0) {
        double between = P - 1, need = between + floor(between / 2) + 2,
               cap = fmin(LS_LOG_TAIL_RECORDS_MAX, floor(LS_LOG_TAIL_BYTES_MAX / rec));
        fset(&p->f[F_TAIL_COPIES], fmin(need, cap), p->f[F_PRODUCERS].src | SRC_RUN | SRC_LIBRARY,
             "min(P - 1 + (P - 1) / 2 + 2 = %.0f, %u records, %u KiB / %.0f B a record = %.0f): "
             "the records between one producer's commits and half again, each a record of its "
             "own bytes (the fixed part + 8 B x samples per commit); docs/protocol.md \"The "
             "tail\"", need, LS_LOG_TAIL_RECORDS_MAX, LS_LOG_TAIL_BYTES_MAX >> 10, rec, cap);
    } else {
        fnone(&p->f[F_TAIL_COPIES], 0, "needs the record size (run)");
    }
    const meta_dac *md = p->md;
    if (P > 1 && md && HAVE(F_TAIL_COPIES) && HAVE(F_COMMITS_S)) {
        double covered = V(F_TAIL_COPIES) + 1, gap = P - 1,
               hops = gap > covered ? ceil(gap / covered) - 1 : 0;
        fset(&p->f[F_PROD_READS], md->reads - md->lists + hops,
             SRC_META | p->f[F_TAIL_COPIES].src,
             "dac_commits.%u: %.2f metadata reads per commit measured (%g producers under DAC, "
             "%.2f attempts a commit: the LIST of the log after its version, the GET of the "
             "head, the records missed after a lost race, the HEADs of GC's marks), less the "
             "%.2f LISTs; + %.0f GETs of records below the tail (the %.0f records between a "
             "producer's commits, %.0f a GET with its tail)", md->idx, md->reads, md->producers,
             md->attempts, md->lists, hops, gap, covered);
        fset(&p->f[F_LISTS_LOG_PROD], V(F_COMMITS_S) * md->lists,
             p->f[F_COMMITS_S].src | SRC_META,
             "producer commits x %.2f LISTs per commit measured (dac_commits.%u); S3 bills a "
             "LIST as a PUT", md->lists, md->idx);
    } else if (P > 1 && mc && mc->have_prod && HAVE(F_TAIL_COPIES) && HAVE(F_COMMITS_S)) {
        double covered = V(F_TAIL_COPIES) + 1, gap = P - 1,
               hops = gap > covered ? ceil(gap / covered) - 1 : 0;
        fset(&p->f[F_PROD_READS], mc->prod_reads - mc->prod_lists + hops,
             SRC_META | p->f[F_TAIL_COPIES].src,
             "cases.%u.wait_at_head.producer_commits: %.2f metadata reads per commit measured "
             "(%.0f commits of %g producers committing in turn, each the LIST of the log after "
             "its version, the GET of the head, the HEADs of GC's marks), less the %.2f LISTs; "
             "+ %.0f GETs of records below the tail (the %.0f records between a producer's "
             "commits, %.0f a GET with its tail)", mc->idx, mc->prod_reads, mc->prod_commits,
             mc->producers, mc->prod_lists, hops, gap, covered);
        fset(&p->f[F_LISTS_LOG_PROD], V(F_COMMITS_S) * mc->prod_lists,
             p->f[F_COMMITS_S].src | SRC_META,
             "producer commits x %.2f LISTs per commit measured (cases.%u); S3 bills a LIST "
             "as a PUT", mc->prod_lists, mc->idx);
    } else if (P <= 1) {
        fset(&p->f[F_PROD_READS], 0, p->f[F_PRODUCERS].src,
             "0: a lone producer does not read forward");
        fset(&p->f[F_LISTS_LOG_PROD], 0, p->f[F_PRODUCERS].src, "0: a lone producer does not "
             "list");
    } else {
        fnone(&p->f[F_PROD_READS], 0, "%s", !mc || !mc->have_prod ? "no producer_commits in "
              "the meta results (a build before the tail): P x L below"
              : "needs the tail and the commit rate");
        fnone(&p->f[F_LISTS_LOG_PROD], 0, "no producer_commits in the meta results");
    }
}

static void model_requests(plan *p)
{
    const run_in *r = &p->run;
    const char *why = r->have ? "the run has no store_usage" : "no run result found";
    double N = V(F_GPUS), P = V(F_PRODUCERS), steps = V(F_STEPS_S);
    double K = conf_default("table.snapshot.interval");

    /* Log records: producer commits, at a rate per producer (each commits
     * once per linger interval while it has data), plus the checkpoints.
     * The run's records hold both, and each producer's open: take the
     * others out to get its commit rate.  Runs before per-rank progress
     * objects (core/rank_ckpt.c; by the run's timestamp) wrote one
     * checkpoint record per rank per round; runs since, one per rank at its
     * first commit (it registers the rank) and one per round for the job. */
    double ckpt_run = 0;
    char ckpt_note[200] = "no checkpoint records (config.checkpoint_every_steps absent)";
    if (r->have && r->have_ckpt_every && r->rank_ckpt) {
        ckpt_run = r->ranks + floor(r->steps / r->ckpt_every);
        snprintf(ckpt_note, sizeof ckpt_note,
                 "%.0f checkpoint records = ranks + floor(steps / %.0f): each rank's first "
                 "commit, one per round for the job (a run since %s)", ckpt_run,
                 r->ckpt_every, PLAN_RANK_CKPT_SINCE);
    } else if (r->have && r->have_ckpt_every) {
        ckpt_run = r->ranks * floor(r->steps / r->ckpt_every);
        snprintf(ckpt_note, sizeof ckpt_note,
                 "%.0f checkpoint records = ranks x floor(steps / %.0f), one per rank per round "
                 "as the runs before per-rank progress objects wrote them", ckpt_run,
                 r->ckpt_every);
    }
    /* Producers many enough to contend commit as DAC lets them on the
     * store (meta's dac_commits, the run nearest P): the log's load, not
     * the producer's linger, sets the rate (docs/dac.md "Saturation"); but
     * never less often than producer.commit.bytes.max forces. */
    const meta_in *mi = &p->meta;
    p->md = NULL;
    for (unsigned i = 0; P > 1 && mi->have && i < mi->ndac; i++)
        if (mi->dac[i].producers > 1 && mi->dac[i].commits_pp_s > 0 &&
            (!p->md || plan_log_dist(mi->dac[i].producers, P) <
                           plan_log_dist(p->md->producers, P) - 1e-9))
            p->md = &mi->dac[i];
    if (p->md && HAVE(F_WRITE_MB)) {
        const meta_dac *d = p->md;
        double cbm = conf_default("producer.commit.bytes.max");
        double by_bytes = V(F_WRITE_MB) * PLAN_MB / P / cbm, c = fmax(d->commits_pp_s, by_bytes);
        fset(&p->f[F_COMMITS_PP], c, SRC_META | SRC_LIBRARY | SRC_OPTION | SRC_WORKLOAD,
             "max(dac_commits.%u: %.3g a producer measured, %g producers under DAC on the meta "
             "store, %.1f commits/s in all, DAC's interval %.0f ms at the end; write per "
             "producer / producer.commit.bytes.max %.0f MiB: %.3g): %s", d->idx, d->commits_pp_s,
             d->producers, d->commits_s, d->interval_ms, cbm / 1048576.0, by_bytes,
             c == by_bytes && by_bytes > d->commits_pp_s
                 ? "the byte bound, more often than DAC measured (raise "
                   "producer.commit.bytes.max; the reads per commit below are DAC's)"
                 : "DAC's rate");
        fset(&p->f[F_COMMIT_BYTES_DAC], V(F_WRITE_MB) * PLAN_MB / P / d->commits_pp_s,
             SRC_META | p->f[F_WRITE_MB].src,
             "write per producer / DAC's rate: the producer.commit.bytes.max (default %.0f MiB) "
             "at or above which DAC, not the byte bound, spaces a producer's commits",
             cbm / 1048576.0);
        fset(&p->f[F_COMMITS_S], P * V(F_COMMITS_PP), p->f[F_COMMITS_PP].src,
             "P x per producer");
        fset(&p->f[F_LOG_OVER_DAC], V(F_COMMITS_S) / fmax(d->commits_s, 1e-9),
             p->f[F_COMMITS_S].src,
             "producer commits / the %.1f commits/s the log took under DAC (dac_commits.%u): "
             "above 1 the plan asks more of one log than was measured, and its reads and "
             "attempts per commit are optimistic (raise producer.commit.bytes.max to the "
             "commit bytes at DAC's rate, or split the table)", d->commits_s, d->idx);
    } else if (r->have_usage) {
        if (P <= 1) {
            fset(&p->f[F_COMMIT_BYTES_DAC], 0, p->f[F_PRODUCERS].src, "0: a lone producer does "
                 "not contend, and DAC keeps its interval within the ceiling");
            fset(&p->f[F_LOG_OVER_DAC], 0, p->f[F_PRODUCERS].src, "0: a lone producer does "
                 "not contend");
        } else {
            fnone(&p->f[F_COMMIT_BYTES_DAC], 0, "no producers under DAC in the meta results");
            fnone(&p->f[F_LOG_OVER_DAC], 0, "no producers under DAC in the meta results");
        }
        double commits = r->log_records - ckpt_run - r->producers;
        fset(&p->f[F_COMMITS_PP], fmax(commits, 0) / (r->duration_s * r->producers), SRC_RUN,
             "(store_usage.log_records %.0f - %.0f producer opens - %s) / (duration_s %.1f x "
             "producers %.0f)", r->log_records, r->producers, ckpt_note, r->duration_s,
             r->producers);
        fset(&p->f[F_COMMITS_S], P * V(F_COMMITS_PP), SRC_RUN | SRC_WORKLOAD | SRC_OPTION,
             "P x per producer; assumption: a producer's commit rate does not depend on its "
             "sample rate (group commit every linger interval)");
    } else {
        fnone(&p->f[F_COMMIT_BYTES_DAC], 0, "no producers under DAC in the meta results");
        fnone(&p->f[F_LOG_OVER_DAC], 0, "no producers under DAC in the meta results");
        fnone(&p->f[F_COMMITS_PP], r->have ? SRC_RUN : 0, "%s", why);
        fnone(&p->f[F_COMMITS_S], 0, "needs commits per producer");
    }
    fset(&p->f[F_CKPT_EVERY], p->w.checkpoint_every_steps, SRC_WORKLOAD,
         "checkpoint.every.steps");
    /* Checkpoints (core/rank_ckpt.c, docs/checkpoints.md "Per-rank
     * progress"): each rank's commit (kafka_shim rd_kafka_commit) is a
     * LIST of its own keys, a PUT of an empty object and a DELETE (free),
     * outside the log; rank 0 then lists the job's objects twice and
     * commits at most one record per round for the job. */
    double rounds = steps / V(F_CKPT_EVERY), pages = ceil(N / (double)LS_LIST_KEYS_MAX);
    fset(&p->f[F_CKPT_S], rounds, SRC_WORKLOAD | SRC_OPTION | SRC_LIBRARY,
         "steps/s / interval: one record per round for the job, by rank 0 (ranks' progress is "
         "kept outside the log: ls_rank_checkpoint_commit, core/rank_ckpt.c); the ranks' first "
         "commits add N records once, not counted");
    fset(&p->f[F_RANK_CKPT_PUTS], N * rounds, SRC_WORKLOAD | SRC_OPTION | SRC_LIBRARY,
         "N x steps/s / interval: each rank's progress, an empty object under "
         "<table>/_ckpt/<job>/ (the DELETE of the previous one is free)");
    fset(&p->f[F_RANK_CKPT_LISTS], (N + 2 * pages) * rounds,
         SRC_WORKLOAD | SRC_OPTION | SRC_LIBRARY,
         "(N + 2 x ceil(N / %u)) x steps/s / interval: each rank lists its own keys, rank 0 the "
         "job's twice (%u keys a page); S3 bills a LIST as a PUT", LS_LIST_KEYS_MAX,
         LS_LIST_KEYS_MAX);
    if (HAVE(F_COMMITS_S))
        fset(&p->f[F_LOG_S], V(F_COMMITS_S) + V(F_CKPT_S),
             p->f[F_COMMITS_S].src | p->f[F_CKPT_S].src, "L = commits + checkpoint records");
    else
        fnone(&p->f[F_LOG_S], 0, "needs the commit rate");

    /* Chunks: sealed at each commit, or when full. */
    double cbytes = conf_default("producer.chunk.bytes.max");
    double csamples = conf_default("producer.chunk.samples.max");
    if (r->have_usage) {
        fset(&p->f[F_CHUNKS_PP], r->chunks / (r->duration_s * r->producers), SRC_RUN,
             "store_usage.chunks %.0f / (duration_s x producers)", r->chunks);
        double by_p = P * V(F_CHUNKS_PP), by_bytes = V(F_WRITE_MB) * PLAN_MB / cbytes,
               by_n = V(F_DEMAND) / csamples;
        if (p->md && HAVE(F_COMMITS_S)) {
            /* The run's producers sealed a chunk at each of their commits;
             * under DAC's rate a producer seals one a commit, or full. */
            double by_c = V(F_COMMITS_S), c = fmax(by_c, fmax(by_bytes, by_n));
            fset(&p->f[F_CHUNKS_S], c, SRC_META | SRC_LIBRARY | SRC_OPTION,
                 "max(commits %.3g, write / chunk.bytes.max %.3g, D / chunk.samples.max "
                 "%.3g): %s", by_c, by_bytes, by_n,
                 c == by_c ? "sealed by commits" : "sealed full (library default limits)");
        } else {
            double c = fmax(by_p, fmax(by_bytes, by_n));
            fset(&p->f[F_CHUNKS_S], c, SRC_RUN | SRC_LIBRARY | SRC_OPTION,
                 "max(P x per producer %.3g, write / chunk.bytes.max %.3g, D / "
                 "chunk.samples.max %.3g): %s", by_p, by_bytes, by_n,
                 c == by_p ? "sealed by commits" : "sealed full (library default limits)");
        }
    } else {
        fnone(&p->f[F_CHUNKS_PP], r->have ? SRC_RUN : 0, "%s", why);
        fnone(&p->f[F_CHUNKS_S], 0, "needs chunks per producer");
    }
    fset(&p->f[F_SNAP_K], K, SRC_LIBRARY, "table.snapshot.interval (library default)");
    if (HAVE(F_LOG_S))
        fset(&p->f[F_SNAP_S], V(F_LOG_S) / K, p->f[F_LOG_S].src | SRC_LIBRARY,
             "L / K: the committer of every K-th version writes a snapshot");
    else
        fnone(&p->f[F_SNAP_S], 0, "needs L");
    fset(&p->f[F_INDEX_PUTS], steps * (1 + 1.0 / LS_STEP_GROUP_STEPS),
         p->f[F_STEPS_S].src | SRC_LIBRARY,
         "steps/s x (1 + 1/%u): one step index per step (table.format %.0f, the default) and "
         "a group index per %u steps, put_if_absent by the committer whose record completes "
         "the step (core/commit.c publish_steps); one that finds it there reads it back, not "
         "counted", LS_STEP_GROUP_STEPS, conf_default("table.format"), LS_STEP_GROUP_STEPS);
    meta_pick(p);   /* the meta case: per-rank costs below, producers' here */
    model_tail(p);
    if (p->md)
        fset(&p->f[F_ATTEMPTS], p->md->attempts, SRC_META,
             "dac_commits.%u.attempts_per_commit: conditional PUTs of the log a commit takes, "
             "the lost ones to conflicts included", p->md->idx);
    else
        fset(&p->f[F_ATTEMPTS], 1, p->f[F_PRODUCERS].src, "%s", P <= 1
             ? "1: a lone producer loses no race"
             : "1: no producers under DAC in the meta results; PUTs lost to conflicts not "
               "counted");
    if (HAVE(F_CHUNKS_S) && HAVE(F_SNAP_S))
        fset(&p->f[F_PUTS], V(F_CHUNKS_S) + V(F_LOG_S) +
                                (HAVE(F_COMMITS_S) ? V(F_COMMITS_S) * (V(F_ATTEMPTS) - 1) : 0) +
                                2 * V(F_SNAP_S) + V(F_INDEX_PUTS) +
                                V(F_RANK_CKPT_PUTS) + V(F_RANK_CKPT_LISTS) +
                                (HAVE(F_LISTS_LOG_PROD) ? V(F_LISTS_LOG_PROD) : 0),
             p->f[F_CHUNKS_S].src | p->f[F_LOG_S].src | p->f[F_INDEX_PUTS].src |
                 p->f[F_ATTEMPTS].src,
             "chunks + L + commits x (attempts - 1) lost + 2 x snapshots (each snapshot then "
             "the _last_snapshot hint) + step indexes + rank progress PUTs and LISTs + the "
             "producers' log LISTs");
    else
        fnone(&p->f[F_PUTS], 0, "needs chunks and L");

    /* GETs, table format 2.  Data: one ranged GET per chunk a rank's slice
     * touches.  Metadata: the ranged GETs of the rank's entries in the
     * step's index and of the chunk names (measured by the meta
     * benchmark), the not-found polls of a rank waiting at the head, the
     * log a rank reads to commit its checkpoint, and the log the producers
     * read forward before each commit when P > 1 (ls_table_commit). */
    if (r->have_data_req) {
        fset(&p->f[F_DATA_REQ], r->data_req, SRC_RUN,
             "read_amplification.data_requests_per_rank_step (replayed steps)");
    } else if (p->fallback) {
        fset(&p->f[F_DATA_REQ], p->fallback->read_data_req, SRC_STORES,
             "%s store, read at W = %.0f (another table: 4 KiB samples)", p->fallback->backend,
             p->fallback->read_w);
    } else {
        fnone(&p->f[F_DATA_REQ], (r->have ? SRC_RUN : 0) | (p->stores.have ? SRC_STORES : 0),
              "neither the run nor a stores benchmark has data_requests_per_rank_step");
    }
    if (HAVE(F_DATA_REQ))
        fset(&p->f[F_GETS_DATA], N * steps * V(F_DATA_REQ), p->f[F_DATA_REQ].src | SRC_OPTION,
             "N x steps/s x data GETs per rank-step");
    else
        fnone(&p->f[F_GETS_DATA], 0, "needs data GETs per rank-step");

    double poll_max = conf_default("consumer.poll.interval.ms.max");
    int behind = p->o.lead_steps >= LS_STEP_GROUP_STEPS;
    const char *lead_src = p->o.lead_given ? "--lead-steps" : "default of --lead-steps";
    if (p->mc && behind && !p->mw->have_behind) {
        fig_id ids[] = {F_META_REQ, F_META_BYTES, F_GETS_INDEX, F_HEAD_RATE, F_POLLS,
                        F_GETS_POLL};
        for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
            fnone(&p->f[ids[i]], SRC_META, "ranks behind the head (%s %.0f >= %u) read group "
                  "indexes, but %s has no behind_head figures (lakestream-bench meta --steps 48 "
                  "or more; docs/bench-meta.md), or give --lead-steps 0", lead_src,
                  p->o.lead_steps, LS_STEP_GROUP_STEPS, p->meta.f.path);
    } else if (p->mc && behind) {
        fset(&p->f[F_META_REQ], p->mw->behind_req, SRC_META | SRC_OPTION,
             "behind_head.meta_requests_per_rank_step, max over the ranks measured, of %s: "
             "producers %.0f steps ahead (%s; >= %u), a rank reads whole groups of 16 steps: "
             "the ranged GETs of its part of _steps/<s0>.g16 and of the names it uses, per 16 "
             "steps (docs/protocol.md \"Group index\")", p->meta_pick, p->o.lead_steps, lead_src,
             LS_STEP_GROUP_STEPS);
        fset(&p->f[F_META_BYTES], p->mw->behind_bytes, SRC_META,
             "behind_head.meta_bytes_per_rank_step, max over the ranks measured, same case and "
             "W: its part of the group (20 B per sample, or 5.25 in blocks) and the 16 steps' "
             "chunk names its part spans, per step");
        fset(&p->f[F_GETS_INDEX], N * steps * V(F_META_REQ), SRC_META | SRC_OPTION | SRC_WORKLOAD,
             "N x steps/s x metadata GETs per rank-step");
        fset(&p->f[F_HEAD_RATE], p->mc->head_rate, SRC_META,
             "cases.%u.wait_at_head.requests_per_s: a rank that does wait at the head (not in "
             "this plan's figures: --lead-steps 0 for that)", p->mc->idx);
        fset(&p->f[F_POLLS], 0, SRC_OPTION,
             "0: with the producers %.0f steps ahead (%s) a rank finds each step at its first "
             "look, in the group it holds", p->o.lead_steps, lead_src);
        fset(&p->f[F_GETS_POLL], 0, SRC_OPTION, "no rank waits at the head");
    } else if (p->mc) {
        fset(&p->f[F_META_REQ], p->mw->req, SRC_META,
             "meta_requests_per_rank_step, max over the ranks measured, of %s: the ranged GET "
             "of the rank's entries in _steps/<s> (also its visibility poll) and of the chunk "
             "names", p->meta_pick);
        fset(&p->f[F_META_BYTES], p->mw->bytes, SRC_META,
             "meta_bytes_per_rank_step, max over the ranks measured, same case and W: 20 B per "
             "sample of the slice and the names of the chunks it touches");
        fset(&p->f[F_GETS_INDEX], N * steps * V(F_META_REQ), SRC_META | SRC_OPTION | SRC_WORKLOAD,
             "N x steps/s x metadata GETs per rank-step");
        double per_poll = p->mc->head_requests / p->mc->head_polls;
        fset(&p->f[F_HEAD_RATE], p->mc->head_rate, SRC_META,
             "cases.%u.wait_at_head.requests_per_s: a warm rank waiting for a step that does "
             "not complete, while commits land: %g requests in %g polls", p->mc->idx,
             p->mc->head_requests, p->mc->head_polls);
        /* The library's schedule: a not-found GET at once, then after an
         * eighth of the recent time between steps, doubling up to the
         * maximum (core/consumer.c read_step); each costs the requests per
         * poll measured. */
        double T = V(F_STEP_MS), back = fmin(fmax(1, floor(T / 8)), poll_max), t = 0;
        unsigned sched = 0;
        while (sched < 100000 && t < T) {
            sched++;
            t += back;
            back = fmin(back * 2, poll_max);
        }
        fset(&p->f[F_POLLS], sched * per_poll, SRC_META | SRC_LIBRARY | p->f[F_STEP_MS].src,
             "%u not-found polls in a step of %g ms (at 0, after T/8, doubling to "
             "consumer.poll.interval.ms.max %.0f ms: core/consumer.c read_step) x %.3g requests "
             "per poll measured; %s %.0f < %u: a rank waits at the head for the whole step (as "
             "in the harness, whose producers stay at most 4 steps ahead)", sched, T, poll_max,
             per_poll, lead_src, p->o.lead_steps, LS_STEP_GROUP_STEPS);
        fset(&p->f[F_GETS_POLL], N * steps * V(F_POLLS), p->f[F_POLLS].src | SRC_OPTION,
             "N x steps/s x polls per rank-step");
    } else {
        const char *why = p->meta.have ? "no format-2 case" : "no meta-*.json found";
        fig_id ids[] = {F_META_REQ, F_META_BYTES, F_GETS_INDEX, F_HEAD_RATE, F_POLLS,
                        F_GETS_POLL};
        for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
            fnone(&p->f[ids[i]], 0, "%s in %s/ (lakestream-bench meta, docs/bench-meta.md; "
                  "or --meta)", why, p->o.results);
    }

    /* Checkpoints: rank 0's table handle (kafka_shim) is left behind
     * between rounds, and catches up to commit the job's record
     * (ls_rank_checkpoint_commit -> aggregate -> ls_table_catch_up): the
     * snapshot hint; the newest snapshot when it is at least K versions
     * ahead; the records after it; one not-found probe.  The other ranks
     * do not read the log after their open. */
    if (HAVE(F_LOG_S)) {
        double behind = V(F_LOG_S) * V(F_CKPT_EVERY) / steps;
        p->catchup_records = behind >= K ? (K - 1) / 2 : behind;
        p->catchup_snapshot = behind >= K;
        if (p->catchup_snapshot)
            fset(&p->f[F_CATCHUP_GETS], 3 + p->catchup_records, p->f[F_LOG_S].src | SRC_LIBRARY,
                 "%.0f versions since rank 0's last round (L x interval / steps/s) >= K: the "
                 "snapshot hint, the newest snapshot, on average (K - 1)/2 records after it and "
                 "one not-found probe (ls_table_catch_up)", behind);
        else
            fset(&p->f[F_CATCHUP_GETS], 2 + behind, p->f[F_LOG_S].src | SRC_LIBRARY,
                 "the snapshot hint, the %.1f records since rank 0's last round (L x interval / "
                 "steps/s < K) and one not-found probe (ls_table_catch_up)", behind);
        fset(&p->f[F_GETS_LOG_RANKS], V(F_CKPT_S) * V(F_CATCHUP_GETS),
             p->f[F_CKPT_S].src | p->f[F_CATCHUP_GETS].src,
             "checkpoint records/s x GETs per checkpoint: in format 2 only rank 0 reads the log "
             "in the steady state, to commit the job's checkpoint");
        if (P > 1 && HAVE(F_PROD_READS))
            fset(&p->f[F_GETS_LOG_PROD], V(F_COMMITS_S) * V(F_PROD_READS),
                 p->f[F_COMMITS_S].src | p->f[F_PROD_READS].src,
                 "producer commits x log GETs per commit: each producer catches up through "
                 "the head's tail (docs/protocol.md \"The tail\")");
        else
            fset(&p->f[F_GETS_LOG_PROD], P > 1 ? P * V(F_LOG_S) : 0,
                 p->f[F_LOG_S].src | SRC_LIBRARY,
                 P > 1 ? "P x L: with P > 1 each producer reads forward the records it did not "
                         "write, and one not-found probe, per commit (ls_table_commit; the meta "
                         "results hold no producer_commits: a build before the tail)"
                       : "0: a lone producer does not read forward");
    } else {
        fnone(&p->f[F_CATCHUP_GETS], 0, "needs L");
        fnone(&p->f[F_GETS_LOG_RANKS], 0, "needs L");
        fnone(&p->f[F_GETS_LOG_PROD], 0, "needs L");
    }
    if (HAVE(F_GETS_INDEX) && HAVE(F_GETS_LOG_RANKS))
        fset(&p->f[F_GETS_META], V(F_GETS_INDEX) + V(F_GETS_POLL) + V(F_GETS_LOG_RANKS) +
                                     V(F_GETS_LOG_PROD),
             p->f[F_GETS_INDEX].src | p->f[F_GETS_LOG_RANKS].src,
             "step index + polls + log (rank 0 at checkpoints, producers); table opens not "
             "included");
    else
        fnone(&p->f[F_GETS_META], 0, "needs the step index GETs (meta) and L (run)");
    if (HAVE(F_GETS_DATA) && HAVE(F_GETS_META))
        fset(&p->f[F_GETS], V(F_GETS_DATA) + V(F_GETS_META),
             p->f[F_GETS_DATA].src | p->f[F_GETS_META].src, "data + metadata GETs");
    else
        fnone(&p->f[F_GETS], 0, "needs data and metadata GETs");
    if (HAVE(F_GETS) && V(F_GETS_DATA) > 0)
        fset(&p->f[F_META_OVER_DATA], V(F_GETS_META) / V(F_GETS_DATA), p->f[F_GETS].src,
             "metadata / data GETs (issue 15's target at 640 GPUs: below 1); without the polls "
             "(ranks never waiting at the head) %.3g", (V(F_GETS_META) - V(F_GETS_POLL)) /
                                                     V(F_GETS_DATA));
    else
        fnone(&p->f[F_META_OVER_DATA], 0, "needs the data and metadata GETs, data > 0");
    if (HAVE(F_GETS) && HAVE(F_PUTS))
        fset(&p->f[F_REQS], V(F_GETS) + V(F_PUTS), p->f[F_GETS].src | p->f[F_PUTS].src,
             "PUTs + GETs");
    else
        fnone(&p->f[F_REQS], 0, "needs PUTs and GETs");
    if (HAVE(F_GETS_LOG_RANKS))
        fset(&p->f[F_S3_LOG_GET], (V(F_GETS_LOG_RANKS) + V(F_GETS_LOG_PROD) +
                                   (HAVE(F_LISTS_LOG_PROD) ? V(F_LISTS_LOG_PROD) : 0)) /
                                      PLAN_S3_GETS_PER_PREFIX,
             p->f[F_GETS_LOG_RANKS].src | SRC_AWS,
             "log GETs and LISTs (rank 0 at checkpoints, producers) / %.0f: the whole log is "
             "one prefix (<table>/_log/) and its reads are at the head; > 1 means S3 must "
             "split that prefix or throttle", PLAN_S3_GETS_PER_PREFIX);
    else
        fnone(&p->f[F_S3_LOG_GET], 0, "needs L");
    if (HAVE(F_GETS_INDEX))
        fset(&p->f[F_S3_STEPS_GET], (V(F_GETS_INDEX) + V(F_GETS_POLL)) / PLAN_S3_GETS_PER_PREFIX,
             p->f[F_GETS_INDEX].src | SRC_AWS,
             "(step index GETs + polls) / %.0f: within a step every rank reads one object, "
             "<table>/_steps/<s>, and S3 cannot split a prefix finer than one key",
             PLAN_S3_GETS_PER_PREFIX);
    else
        fnone(&p->f[F_S3_STEPS_GET], 0, "needs the step index GETs (meta)");
    if (HAVE(F_SNAP_S))
        fset(&p->f[F_S3_LOG_PUT], (V(F_LOG_S) + 2 * V(F_SNAP_S)) / PLAN_S3_PUTS_PER_PREFIX,
             p->f[F_LOG_S].src | SRC_AWS, "(L + 2 x snapshots) / %.0f per prefix (the step "
             "indexes are under <table>/_steps/)", PLAN_S3_PUTS_PER_PREFIX);
    else
        fnone(&p->f[F_S3_LOG_PUT], 0, "needs L");

    /* Format 1, for comparison: every rank replays every new record to
     * learn the head (core/table.c refresh_watch), and a waiting rank
     * re-reads the log after 1, 2, 4, ... ms, capped at
     * consumer.poll.interval.ms.max, each refresh ending in one not-found
     * GET of the next version. */
    double slept = 0, back = 1;
    unsigned polls = 0;
    while (polls < 100000 && slept + back <= V(F_STEP_MS)) {
        slept += back;
        polls++;
        back = fmin(back * 2, poll_max);
    }
    fset(&p->f[F_F1_POLLS], polls, p->f[F_STEP_MS].src | SRC_LIBRARY,
         "backoff 1, 2, 4 ... ms up to consumer.poll.interval.ms.max %.0f within one step; "
         "assumption: a rank waits at the head for each step", poll_max);
    fset(&p->f[F_F1_GETS_POLL], N * steps * V(F_F1_POLLS), p->f[F_F1_POLLS].src | SRC_OPTION,
         "N x steps/s x polls per rank-step");
    if (HAVE(F_LOG_S)) {
        fset(&p->f[F_F1_GETS_LOG_RANKS], N * V(F_LOG_S), p->f[F_LOG_S].src | SRC_LIBRARY,
             "N x L: every rank reads every new log record (core/table.c refresh_watch)");
        fset(&p->f[F_F1_GETS_META], V(F_F1_GETS_LOG_RANKS) + V(F_GETS_LOG_RANKS) +
                                        V(F_GETS_LOG_PROD) + V(F_F1_GETS_POLL),
             p->f[F_F1_GETS_LOG_RANKS].src, "log (ranks' replay; rank 0 at checkpoints and the "
             "producers as in format 2) + polls");
    } else {
        fnone(&p->f[F_F1_GETS_LOG_RANKS], 0, "needs L");
        fnone(&p->f[F_F1_GETS_META], 0, "needs L");
    }
    if (HAVE(F_F1_GETS_META) && HAVE(F_GETS_DATA))
        fset(&p->f[F_F1_GETS], V(F_GETS_DATA) + V(F_F1_GETS_META),
             p->f[F_GETS_DATA].src | p->f[F_F1_GETS_META].src, "data + metadata GETs");
    else
        fnone(&p->f[F_F1_GETS], 0, "needs data GETs and L");
}

static void model_log(plan *p)
{
    const run_in *r = &p->run;
    double window_s = p->o.retain_hours * 3600.0;
    if (r->have_usage) {
        fset(&p->f[F_RECORD_BYTES], record_fixed_bytes(r), SRC_RUN | SRC_LIBRARY,
             "(store_usage.log_bytes %.0f - %g B x samples_delivered) / log_records %.0f "
             "(%g B of index per sample: record.avsc)", r->log_bytes, PLAN_RECORD_INDEX_BYTES,
             r->log_records, PLAN_RECORD_INDEX_BYTES);
    } else {
        fnone(&p->f[F_RECORD_BYTES], r->have ? SRC_RUN : 0, "%s",
              r->have ? "the run has no store_usage" : "no run result found");
    }
    if (HAVE(F_RECORD_BYTES) && HAVE(F_LOG_S)) {
        double tail = HAVE(F_TAIL_COPIES) ? V(F_TAIL_COPIES) : 0;
        fset(&p->f[F_LOG_BYTES_S], (V(F_LOG_S) * V(F_RECORD_BYTES) +
                                       V(F_DEMAND) * PLAN_RECORD_INDEX_BYTES) * (1 + tail),
             p->f[F_LOG_S].src | SRC_LIBRARY, "(L x fixed part + D x %g B) x (1 + %.0f records "
             "of tail)", PLAN_RECORD_INDEX_BYTES, tail);
        fset(&p->f[F_LOG_RECORDS_DAY], V(F_LOG_S) * PLAN_DAY_S, p->f[F_LOG_S].src, "L x 86,400");
        fset(&p->f[F_LOG_GIB_DAY], V(F_LOG_BYTES_S) * PLAN_DAY_S / PLAN_GIB,
             p->f[F_LOG_BYTES_S].src, "log growth x 86,400");
        /* A snapshot carries 24 B per retained data commit (its step index). */
        double commits_kept = V(F_COMMITS_S) * window_s;
        fset(&p->f[F_SNAP_BYTES], PLAN_SNAPSHOT_COMMIT_BYTES * commits_kept,
             p->f[F_COMMITS_S].src | SRC_LIBRARY,
             "%g B x commits in the window (%.0f: commits/s x H): snapshot.avsc commit_index; "
             "producer and checkpoint entries not counted, so a lower bound",
             PLAN_SNAPSHOT_COMMIT_BYTES, commits_kept);
        fset(&p->f[F_SNAP_MB], V(F_SNAP_S) * V(F_SNAP_BYTES) / PLAN_MB,
             p->f[F_SNAP_BYTES].src, "snapshots/s x snapshot size");
        fset(&p->f[F_SNAP_GIB_DAY], V(F_SNAP_S) * V(F_SNAP_BYTES) * PLAN_DAY_S / PLAN_GIB,
             p->f[F_SNAP_BYTES].src, "snapshot writes x 86,400");
    } else {
        fig_id ids[] = {F_LOG_BYTES_S, F_LOG_RECORDS_DAY, F_LOG_GIB_DAY, F_SNAP_BYTES, F_SNAP_MB,
                        F_SNAP_GIB_DAY};
        for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
            fnone(&p->f[ids[i]], 0, "needs the log records and their bytes from a run");
    }
}

/* Reads: the data; the metadata: the ranks' slices of the step indexes,
 * what a rank reads of the log to commit its checkpoint, the producers'
 * reads forward (model_requests); total writes: data, log and snapshots. */
static void model_io(plan *p)
{
    const run_in *r = &p->run;
    if (r->have_amp) {
        fset(&p->f[F_READ_AMP], r->amp_data, SRC_RUN,
             "read_amplification.data: data bytes fetched / sample bytes, replayed steps");
        fset(&p->f[F_READ_MB], V(F_DEMAND_MB) * V(F_READ_AMP),
             SRC_RUN | SRC_WORKLOAD | SRC_OPTION, "D x sample size x data amplification");
    } else {
        fnone(&p->f[F_READ_AMP], r->have ? SRC_RUN : 0, "%s",
              r->have ? "the run has no read_amplification.data" : "no run result found");
        fnone(&p->f[F_READ_MB], 0, "needs the data read amplification");
    }
    if (HAVE(F_LOG_BYTES_S) && HAVE(F_CATCHUP_GETS) && V(F_LOG_S) > 0) {
        double rec = V(F_LOG_BYTES_S) / V(F_LOG_S);
        if (p->catchup_snapshot)
            fset(&p->f[F_CATCHUP_BYTES], V(F_SNAP_BYTES) + p->catchup_records * rec,
                 p->f[F_SNAP_BYTES].src | p->f[F_CATCHUP_GETS].src,
                 "the newest snapshot + %.1f records x %.0f B (log growth / L)",
                 p->catchup_records, rec);
        else
            fset(&p->f[F_CATCHUP_BYTES], p->catchup_records * rec, p->f[F_CATCHUP_GETS].src,
                 "%.1f records x %.0f B (log growth / L)", p->catchup_records, rec);
    } else {
        fnone(&p->f[F_CATCHUP_BYTES], 0, "needs the log growth");
    }
    if (HAVE(F_LOG_BYTES_S) && HAVE(F_META_BYTES) && HAVE(F_CATCHUP_BYTES)) {
        double P = V(F_PRODUCERS), idx = V(F_GPUS) * V(F_STEPS_S) * V(F_META_BYTES),
               ck = V(F_CKPT_S) * V(F_CATCHUP_BYTES),
               tail = HAVE(F_TAIL_COPIES) ? V(F_TAIL_COPIES) : 0,
               prod = P <= 1 ? 0 : HAVE(F_PROD_READS) ? V(F_LOG_BYTES_S)
                                                      : P * V(F_LOG_BYTES_S) / (1 + tail);
        fset(&p->f[F_META_READ_MB], (idx + ck + prod) / PLAN_MB,
             p->f[F_META_BYTES].src | p->f[F_CATCHUP_BYTES].src | p->f[F_LOG_BYTES_S].src,
             "step indexes (N x steps/s x metadata bytes per rank-step, %.3g MB/s) + checkpoint "
             "catch-up (checkpoint records/s x bytes each, %.3g MB/s) + producers (with tails "
             "each commit reads the head record with its tail: the log growth; without, P x "
             "the log growth without tails; %.3g MB/s); table opens not included", idx / PLAN_MB,
             ck / PLAN_MB, prod / PLAN_MB);
    } else {
        fnone(&p->f[F_META_READ_MB], 0, "needs the metadata bytes per rank-step (meta) and the "
              "log growth (run)");
    }
    if (HAVE(F_LOG_BYTES_S))
        fset(&p->f[F_WRITE_ALL_MB], V(F_WRITE_MB) + V(F_LOG_BYTES_S) / PLAN_MB + V(F_SNAP_MB),
             p->f[F_WRITE_MB].src | p->f[F_SNAP_MB].src, "data + log growth + snapshot writes "
             "(the step and group indexes, about 50 B per sample, not counted)");
    else
        fnone(&p->f[F_WRITE_ALL_MB], 0, "needs the log growth");
    if (HAVE(F_READ_MB) && HAVE(F_META_READ_MB))
        fset(&p->f[F_READ_ALL_MB], V(F_READ_MB) + V(F_META_READ_MB),
             p->f[F_READ_MB].src | p->f[F_META_READ_MB].src, "data + metadata read");
    else
        fnone(&p->f[F_READ_ALL_MB], 0, "needs the data and metadata reads");
}

static void model_cost(plan *p)
{
    double window_s = p->o.retain_hours * 3600.0;
    fset(&p->f[F_RETAIN_H], p->o.retain_hours, SRC_OPTION,
         "%s: checkpoint interval + how long a checkpoint stays live (data below the oldest "
         "live checkpoint is reclaimed)", p->o.retain_given ? "--retain-hours"
                                                            : "default of --retain-hours");
    fset(&p->f[F_RET_DATA], V(F_WRITE_MB) * PLAN_MB * window_s / PLAN_GIB,
         p->f[F_WRITE_MB].src, "data write x H");
    if (HAVE(F_LOG_BYTES_S)) {
        double R = conf_default("table.log.retention.ms") / 1000.0;
        fset(&p->f[F_RET_LOG], V(F_LOG_BYTES_S) * window_s / PLAN_GIB, p->f[F_LOG_BYTES_S].src,
             "log growth x H: a record lives as long as its data");
        fset(&p->f[F_SNAP_RETAIN_S], R, SRC_LIBRARY,
             "table.log.retention.ms (library default): gc deletes an older snapshot once "
             "this old");
        fset(&p->f[F_SNAPS_KEPT], 1 + V(F_SNAP_S) * R, p->f[F_SNAP_S].src | SRC_LIBRARY,
             "1 + snapshots/s x R (gc running often)");
        fset(&p->f[F_RET_SNAP], V(F_SNAPS_KEPT) * V(F_SNAP_BYTES) / PLAN_GIB,
             p->f[F_SNAP_BYTES].src, "snapshots retained x snapshot size");
        fset(&p->f[F_RET_TOTAL], V(F_RET_DATA) + V(F_RET_LOG) + V(F_RET_SNAP),
             p->f[F_RET_DATA].src | p->f[F_RET_LOG].src, "data + log + snapshots");
    } else {
        fig_id ids[] = {F_RET_LOG, F_SNAP_RETAIN_S, F_SNAPS_KEPT, F_RET_SNAP};
        for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
            fnone(&p->f[ids[i]], 0, "needs the log growth");
        fset(&p->f[F_RET_TOTAL], V(F_RET_DATA), p->f[F_RET_DATA].src,
             "data only: the log is not measured");
    }
    const char *list = "S3 Standard us-east-1 list price; check the current AWS page";
    fset(&p->f[F_PRICE_PUT], p->o.price_put, p->o.put_given ? SRC_OPTION : SRC_AWS, "%s",
         p->o.put_given ? "--price-put-per-1k" : list);
    fset(&p->f[F_PRICE_GET], p->o.price_get, p->o.get_given ? SRC_OPTION : SRC_AWS, "%s",
         p->o.get_given ? "--price-get-per-1k" : list);
    fset(&p->f[F_PRICE_GB], p->o.price_gb, p->o.gb_given ? SRC_OPTION : SRC_AWS, "%s",
         p->o.gb_given ? "--price-gb-month" : list);
    double per_1k_month = PLAN_MONTH_S / 1000.0;
    if (HAVE(F_PUTS))
        fset(&p->f[F_USD_PUT], V(F_PUTS) * per_1k_month * V(F_PRICE_PUT),
             p->f[F_PUTS].src | p->f[F_PRICE_PUT].src, "PUTs/s x %.0f s (30 days) / 1,000 x price",
             PLAN_MONTH_S);
    else
        fnone(&p->f[F_USD_PUT], 0, "needs PUTs/s");
    if (HAVE(F_GETS))
        fset(&p->f[F_USD_GET], V(F_GETS) * per_1k_month * V(F_PRICE_GET),
             p->f[F_GETS].src | p->f[F_PRICE_GET].src, "GETs/s x %.0f s (30 days) / 1,000 x price",
             PLAN_MONTH_S);
    else
        fnone(&p->f[F_USD_GET], 0, "needs GETs/s");
    if (HAVE(F_GETS_DATA))
        fset(&p->f[F_USD_GET_DATA], V(F_GETS_DATA) * per_1k_month * V(F_PRICE_GET),
             p->f[F_GETS_DATA].src | p->f[F_PRICE_GET].src, "data GETs/s x %.0f s / 1,000 x "
             "price", PLAN_MONTH_S);
    else
        fnone(&p->f[F_USD_GET_DATA], 0, "needs data GETs/s");
    if (HAVE(F_GETS) && V(F_GETS_DATA) > 0)
        fset(&p->f[F_GET_OVER_DATA], V(F_GETS) / V(F_GETS_DATA), p->f[F_GETS].src,
             "GETs / data GETs (one price for both; issue 15's target at 640 GPUs: within 2)");
    else
        fnone(&p->f[F_GET_OVER_DATA], 0, "needs GETs and data GETs, data > 0");
    if (HAVE(F_F1_GETS))
        fset(&p->f[F_F1_USD_GET], V(F_F1_GETS) * per_1k_month * V(F_PRICE_GET),
             p->f[F_F1_GETS].src | p->f[F_PRICE_GET].src, "format-1 GETs/s x %.0f s / 1,000 x "
             "price", PLAN_MONTH_S);
    else
        fnone(&p->f[F_F1_USD_GET], 0, "needs the format-1 GETs");
    fset(&p->f[F_USD_STORAGE], V(F_RET_TOTAL) * V(F_PRICE_GB),
         p->f[F_RET_TOTAL].src | p->f[F_PRICE_GB].src,
         "retained GiB x price (steady state: the same bytes all month; GB = 2^30 B as AWS bills)");
    if (HAVE(F_USD_PUT) && HAVE(F_USD_GET) && HAVE(F_RET_LOG))
        fset(&p->f[F_USD_TOTAL], V(F_USD_PUT) + V(F_USD_GET) + V(F_USD_STORAGE),
             p->f[F_USD_PUT].src | p->f[F_USD_GET].src | p->f[F_USD_STORAGE].src,
             "PUTs + GETs + storage; transfer within the region and DELETEs are free");
    else
        fnone(&p->f[F_USD_TOTAL], 0, "needs every part");
}

/* The plan against what each store measured here. */
static void model_stores(plan *p)
{
    for (unsigned i = 0; i < p->stores.n; i++) {
        const store_in *s = &p->stores.s[i];
        fig *c = p->c[i];
#define HAVE_C(id) (c[id].have)
        if (s->have_ingest) {
            fset(&c[C_INGEST_MB], s->ingest_mb, SRC_STORES,
                 "ingest mb_per_s_median, %.0f-byte samples (nearest to this workload's)",
                 s->ingest_sample_bytes);
            fig_id w = HAVE(F_WRITE_ALL_MB) ? F_WRITE_ALL_MB : F_WRITE_MB;
            fset(&c[C_WRITE_RATIO], V(w) / s->ingest_mb, SRC_STORES | p->f[w].src,
                 "planned %s / measured", w == F_WRITE_MB ? "data write" : "write, all");
            fset(&c[C_STORES_WRITE], fmax(1, ceil(V(w) / s->ingest_mb - 1e-9)),
                 SRC_STORES | p->f[w].src, "ceil(ratio): such stores, or producers each "
                 "writing at the measured rate");
        } else {
            fnone(&c[C_INGEST_MB], SRC_STORES, "no ingest figure");
            fnone(&c[C_WRITE_RATIO], SRC_STORES, "no ingest figure");
            fnone(&c[C_STORES_WRITE], SRC_STORES, "no ingest figure");
        }
        if (s->have_read)
            fset(&c[C_READ_MB], s->read_mb, SRC_STORES, "read mb_per_s_median at W = %.0f "
                 "(nearest to N), 4 KiB samples", s->read_w);
        else
            fnone(&c[C_READ_MB], SRC_STORES, "no read figure");
        if (s->have_read && HAVE(F_READ_ALL_MB))
            fset(&c[C_READ_RATIO], V(F_READ_ALL_MB) / s->read_mb,
                 SRC_STORES | p->f[F_READ_ALL_MB].src, "planned read, all / measured");
        else
            fnone(&c[C_READ_RATIO], SRC_STORES, "needs both reads");
        if (s->have_req_max && s->req_max > 0)
            fset(&c[C_REQ_MAX], s->req_max, SRC_STORES, "store_calls_per_s, highest (%s)",
                 s->req_max_what);
        else
            fnone(&c[C_REQ_MAX], SRC_STORES, "no request rate");
        if (HAVE_C(C_REQ_MAX) && HAVE(F_REQS)) {
            fset(&c[C_REQ_RATIO], V(F_REQS) / s->req_max, SRC_STORES | p->f[F_REQS].src,
                 "planned requests / highest measured");
            fset(&c[C_STORES_REQ], fmax(1, ceil(V(F_REQS) / s->req_max - 1e-9)),
                 SRC_STORES | p->f[F_REQS].src, "ceil(ratio): such stores for the request rate");
        } else {
            fnone(&c[C_REQ_RATIO], SRC_STORES, "needs both request rates");
            fnone(&c[C_STORES_REQ], SRC_STORES, "needs both request rates");
        }
        if (s->have_commit) {
            fset(&c[C_COMMIT_P50], s->p50, SRC_STORES, "commit.commit_latency_ms_p50 "
                 "(small commits, fixed 10 ms interval)");
            fset(&c[C_COMMIT_P99], s->p99, SRC_STORES, "commit.commit_latency_ms_p99");
        } else {
            fnone(&c[C_COMMIT_P50], SRC_STORES, "no commit figure");
            fnone(&c[C_COMMIT_P99], SRC_STORES, "no commit figure");
        }
#undef HAVE_C
    }
}

/* ---- output --------------------------------------------------------------- */

/* "workload file X; run Y (git, ts); ...; note" (JSON) */
static void source_long(const plan *p, const fig *f, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int k = 0; k < SRC_KINDS; k++) {
        if (!(f->src & (1u << k)))
            continue;
        const char *what = k == 0 ? "options" : k == 1 ? "workload file " : k == 2 ? "" :
                           k == 3 ? "" : k == 4 ? "liblakestream" : k == 5 ? "AWS" : "";
        const char *arg = k == 1 ? p->o.workload : k == 2 ? p->run.f.label :
                          k == 3 ? p->stores.f.label : k == 6 ? p->meta.f.label : "";
        if (k == 2 && !p->run.have)
            arg = "run (none found)";
        if (k == 3 && !p->stores.have)
            arg = "stores (none found)";
        if (k == 6 && !p->meta.have)
            arg = "meta (none found)";
        int w = snprintf(buf + n, cap - n, "%s%s%s", n ? "; " : "", what, arg);
        n += w > 0 && (size_t)w < cap - n ? (size_t)w : 0;
    }
    snprintf(buf + n, cap - n, "%s%s", n ? ": " : "", f->note);
}

static json_t *figs_json(const plan *p, const fig *f, const fig_spec *spec, size_t count,
                         json_t **sources, json_t **units)
{
    json_t *figs = json_object();
    *sources = json_object();
    *units = json_object();
    char src[RESULT_LABEL_BYTES * 3 + PLAN_NOTE_BYTES];
    for (size_t i = 0; i < count; i++) {
        json_object_set_new(figs, spec[i].key, f[i].have ? json_real(f[i].v) : json_null());
        source_long(p, &f[i], src, sizeof src);
        json_object_set_new(*sources, spec[i].key, json_string(src));
        json_object_set_new(*units, spec[i].key, json_string(spec[i].unit));
    }
    return figs;
}

static json_t *plan_json(const plan *p, int argc, char **argv)
{
    json_t *root = result_new_bare("plan"), *sources, *units;
    char cmd[4096];
    size_t n = 0;
    cmd[0] = '\0';
    for (int i = 0; i < argc && n < sizeof cmd; i++) {
        int w = snprintf(cmd + n, sizeof cmd - n, "%s%s", i ? " " : "", argv[i]);
        n += w > 0 ? (size_t)w : 0;
    }
    json_object_set_new(root, "command", json_string(cmd));
    json_object_set_new(root, "workload", json_string(p->w.name));
    json_object_set_new(root, "workload_file", json_string(p->o.workload));
    json_object_set_new(root, "gpus", json_integer((json_int_t)p->o.gpus));
    json_object_set_new(root, "run", p->run.have ? json_pack("{s:s, s:s, s:f, s:f, s:f}",
        "path", p->run.f.path, "label", p->run.f.label, "ranks", p->run.ranks,
        "producers", p->run.producers, "duration_s", p->run.duration_s) : json_null());
    json_object_set_new(root, "stores", p->stores.have ? json_pack("{s:s, s:s}",
        "path", p->stores.f.path, "label", p->stores.f.label) : json_null());
    json_object_set_new(root, "meta", p->mc ? json_pack("{s:s, s:s, s:s, s:i, s:f, s:s}",
        "path", p->meta.f.path, "label", p->meta.f.label, "store", p->meta.store,
        "case", (int)p->mc->idx, "world_size", p->mw->w, "choice", p->meta_pick)
        : json_null());
    json_object_set_new(root, "table_format", json_integer(2));
    json_object_set_new(root, "figures", figs_json(p, p->f, fig_specs, F_COUNT, &sources, &units));
    json_object_set_new(root, "units", units);
    json_object_set_new(root, "sources", sources);
    json_t *missing = json_array();
    for (int i = 0; i < F_COUNT; i++)
        if (!p->f[i].have)
            json_array_append_new(missing, json_string(fig_specs[i].key));
    json_object_set_new(root, "not_measured", missing);
    json_t *cmp = json_array();
    for (unsigned i = 0; i < p->stores.n; i++) {
        json_t *e = json_object(), *cs, *cu;
        json_object_set_new(e, "backend", json_string(p->stores.s[i].backend));
        json_object_set_new(e, "what", json_string(p->stores.s[i].what));
        json_object_set_new(e, "figures", figs_json(p, p->c[i], cmp_specs, C_COUNT, &cs, &cu));
        json_object_set_new(e, "units", cu);
        json_object_set_new(e, "sources", cs);
        json_array_append_new(cmp, e);
    }
    json_object_set_new(root, "stores_comparison", cmp);
    json_object_set_new(root, "assumptions", json_pack("{s:f, s:f, s:f, s:f, s:i}",
        "month_days", PLAN_MONTH_DAYS, "gib_bytes", PLAN_GIB, "s3_puts_per_prefix_per_s",
        PLAN_S3_PUTS_PER_PREFIX, "s3_gets_per_prefix_per_s", PLAN_S3_GETS_PER_PREFIX,
        "size_draws", (int)PLAN_SIZE_DRAWS));
    return root;
}

static void num_text(double v, const char *unit, char *buf, size_t cap)
{
    const char *fmt = fabs(v) >= 1000 || v == floor(v) ? "%.0f" : fabs(v) >= 10 ? "%.1f"
                      : fabs(v) >= 0.01 ? "%.3f" : "%.3g";
    char num[64];
    snprintf(num, sizeof num, fmt, v);
    /* thousands separators for whole parts of 5+ digits */
    char out[96];
    const char *dot = strchr(num, '.');
    size_t whole = dot ? (size_t)(dot - num) : strlen(num), k = 0, o = 0;
    int neg = num[0] == '-';
    for (; k < whole; k++) {
        out[o++] = num[k];
        size_t left = whole - k - 1;
        if (whole - (size_t)neg > 4 && left && left % 3 == 0 && k >= (size_t)neg)
            out[o++] = ',';
    }
    snprintf(out + o, sizeof out - o, "%s", num + whole);
    if (!strncmp(unit, "USD", 3))
        snprintf(buf, cap, "$%s%s", out, unit + 3);
    else
        snprintf(buf, cap, "%s%s%s", out, unit[0] && unit[0] != '/' ? " " : "", unit);
}

static void fig_text(const fig *f, const fig_spec *s, const char *indent)
{
    char val[128], tags[96] = "";
    if (f->have)
        num_text(f->v, s->unit, val, sizeof val);
    else
        snprintf(val, sizeof val, "not measured");
    size_t n = 0;
    for (int k = 0; k < SRC_KINDS; k++)
        if (f->src & (1u << k)) {
            int w = snprintf(tags + n, sizeof tags - n, "%s%s", n ? "," : "[", src_tag[k]);
            n += w > 0 ? (size_t)w : 0;
        }
    if (n)
        snprintf(tags + n, sizeof tags - n, "]");
    printf("%s%-34s %20s  %s %s\n", indent, s->label, val, tags, f->note);
}

static void plan_text(const plan *p)
{
    printf("lakestream-bench plan: workload %s for %lu GPUs\n\n", p->w.name, p->o.gpus);
    printf("sources (each figure names its own in brackets, with its formula):\n");
    printf("  [workload] workload file %s\n", p->o.workload);
    if (p->run.have)
        printf("  [run]      %s: %.0f ranks, %.0f producers, %.1f s; its per-unit figures are "
               "scaled\n", p->run.f.label, p->run.ranks, p->run.producers, p->run.duration_s);
    else
        printf("  [run]      none found (no lakestream run of %s under %s/): the data-plane "
               "overhead, the store usage and the reads are not measured\n", p->w.name,
               p->o.results);
    if (p->stores.have)
        printf("  [stores]   %s\n", p->stores.f.label);
    else
        printf("  [stores]   none found (no stores-*.json under %s/)\n", p->o.results);
    if (p->mc)
        printf("  [meta]     %s: store %s, batch %.0f; the plan takes %s\n", p->meta.f.label,
               p->meta.store, p->meta.batch, p->meta_pick);
    else
        printf("  [meta]     none found (no meta-*.json under %s/): the metadata GETs of table "
               "format 2 are not measured\n", p->o.results);
    printf("  [library]  liblakestream's defaults, schemas and code (docs/bench-plan.md)\n");
    printf("  [aws]      AWS list prices and documented limits: check the current AWS pages\n");
    printf("  [option]   this command's options and their defaults\n");
    const char *section = "";
    for (int i = 0; i < F_COUNT; i++) {
        if (strcmp(section, fig_specs[i].section)) {
            section = fig_specs[i].section;
            printf("\n%s\n", section);
        }
        fig_text(&p->f[i], &fig_specs[i], "  ");
    }
    for (unsigned i = 0; i < p->stores.n; i++) {
        printf("\nagainst the %s store measured here: %s\n", p->stores.s[i].backend,
               p->stores.s[i].what);
        for (int k = 0; k < C_COUNT; k++)
            fig_text(&p->c[i][k], &cmp_specs[k], "  ");
    }
    printf("\nTable format 2 (step indexes); format 1's log reads for comparison.  A month is "
           "%.0f days; GiB = 2^30 B (AWS's GB); MB = 10^6 B.  Not included: table opens, GC's "
           "LISTs, conflicts other than the producers' (measured under DAC when the meta results "
           "have them; the ranks' checkpoints' are not), data transfer.\n",
           PLAN_MONTH_DAYS);
}

int plan_main(int argc, char **argv)
{
    die_prog("lakestream-bench plan");
    plan *p = calloc(1, sizeof *p);
    if (!p)
        plan_fail("out of memory");
    parse_opts(&p->o, argc, argv);
    char err[PATH_MAX + 256];
    if (wl_load(p->o.workload, &p->w, err, sizeof err))
        plan_fail("%s", err);
    if (!p->o.step_given && p->w.step_time_ms < PLAN_STEP_MS_MIN)
        plan_fail("%s: step.time.ms %g: the plan needs a step time of at least %g ms (or --step-ms)",
             p->o.workload, p->w.step_time_ms, PLAN_STEP_MS_MIN);

    /* The run: --from, else the newest under --results. */
    char path[PATH_MAX];
    if (p->o.from) {
        struct stat sb;
        if (!stat(p->o.from, &sb) && S_ISDIR(sb.st_mode)) {
            if (snprintf(path, sizeof path, "%s/result.json", p->o.from) >= (int)sizeof path)
                plan_fail("--from %s: path too long", p->o.from);
        } else {
            snprintf(path, sizeof path, "%s", p->o.from);
        }
    } else {
        plan_find_run(p->o.results, p->w.name, path, sizeof path);
    }
    if (path[0])
        plan_read_run(&p->run, path, p->w.name);

    model_demand(p);
    if (p->o.stores)
        snprintf(path, sizeof path, "%s", p->o.stores);
    else
        plan_find_newest(p->o.results, "stores", path, sizeof path);
    if (path[0]) {
        plan_read_stores(&p->stores, path, V(F_SAMPLE_BYTES), V(F_GPUS));
        for (unsigned i = 0; i < p->stores.n; i++)
            if (p->stores.s[i].have_read &&
                (!p->fallback || !strcmp(p->stores.s[i].backend, "s3")))
                p->fallback = &p->stores.s[i];
    }
    if (p->o.meta)
        plan_read_meta(&p->meta, p->o.meta);
    else if (plan_find_newest(p->o.results, "meta", path, sizeof path), path[0])
        plan_read_meta(&p->meta, path);
    model_producers(p);
    model_bandwidth(p);
    model_requests(p);
    model_log(p);
    model_io(p);
    model_cost(p);
    model_stores(p);

    if (p->o.json) {
        json_t *root = plan_json(p, argc, argv);
        result_write(root, 1, NULL);
        json_decref(root);
    } else {
        plan_text(p);
    }
    json_decref(p->run.f.root);
    json_decref(p->stores.f.root);
    json_decref(p->meta.f.root);
    free(p);
    return 0;
}
