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
 * Layout: limits and prices; the figures; reading measurement files (as
 * untrusted input); finding the newest ones; the model; text and JSON output.
 */
#include <dirent.h>
#include <errno.h>
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

#include "bench.h"
#include "lakestream.h"
#include "workload.h"

/* ---- limits, units and list prices -------------------------------------- */

#define PLAN_GPUS_MAX             1000000u  /* --gpus: 1..this */
#define PLAN_SIZE_DRAWS           200000u   /* sample indices drawn for the mean size and cost */
#define PLAN_FILE_BYTES_MAX       (64u << 20)  /* a measurement file larger than this is refused */
#define PLAN_SEARCH_FILES_MAX     100000u   /* result.json files looked at under --results */
#define PLAN_STORES_MAX           8u        /* backends taken from a stores benchmark */
#define PLAN_META_CASES_MAX       128u      /* cases of a meta benchmark */
#define PLAN_META_WORLDS_MAX      32u       /* world sizes of one case */
#define PLAN_META_RANKS_MAX       4096u     /* ranks measured at one world size */
#define PLAN_NOTE_BYTES           480u
#define PLAN_LABEL_BYTES          (PATH_MAX + 160u)
#define PLAN_UTILIZATION_DEFAULT  0.8
#define PLAN_RETAIN_HOURS_DEFAULT 24.0
#define PLAN_RETAIN_HOURS_MAX     87600.0   /* ten years */
#define PLAN_STEP_MS_MIN          0.01
#define PLAN_STEP_MS_MAX          3600000.0
#define PLAN_INPUT_MAX            1e15      /* any number read from a measurement file */
#define PLAN_DURATION_S_MIN       0.001     /* a run's duration_s, a denominator */
#define PLAN_PRICE_MAX            1000.0    /* USD, per unit of any price option */

#define PLAN_MB         1e6                 /* MB/s = 10^6 bytes per second */
#define PLAN_GIB        1073741824.0        /* AWS bills storage in GB of 2^30 bytes */
#define PLAN_DAY_S      86400.0
#define PLAN_MONTH_DAYS 30.0
#define PLAN_MONTH_S    (PLAN_MONTH_DAYS * PLAN_DAY_S)

/* Amazon S3 Standard, us-east-1, list prices (check the current AWS page:
 * https://aws.amazon.com/s3/pricing/); --price-* override them. */
#define PLAN_PRICE_PUT_PER_1K  0.005   /* PUT, COPY, POST, LIST */
#define PLAN_PRICE_GET_PER_1K  0.0004  /* GET, SELECT and all other requests; DELETE is free */
#define PLAN_PRICE_GB_MONTH    0.023   /* first 50 TB per month */
/* AWS documents at least these request rates per partitioned prefix
 * (S3 User Guide, "Best practices design patterns: optimizing Amazon S3
 * performance"). */
#define PLAN_S3_PUTS_PER_PREFIX 3500.0
#define PLAN_S3_GETS_PER_PREFIX 5500.0

/* Bytes of the table's metadata, from its schemas. */
#define PLAN_RECORD_INDEX_BYTES    8.0   /* per sample in a commit record: core/schemas/record.avsc */
#define PLAN_SNAPSHOT_COMMIT_BYTES 24.0  /* per retained commit in a snapshot: snapshot.avsc */

/* Where a figure comes from (a set of these, plus a note). */
enum {
    SRC_OPTION = 1u << 0,    /* this command's options or their defaults */
    SRC_WORKLOAD = 1u << 1,  /* the workload file */
    SRC_RUN = 1u << 2,       /* the run's result.json */
    SRC_STORES = 1u << 3,    /* the stores benchmark */
    SRC_LIBRARY = 1u << 4,   /* liblakestream's defaults, schemas and code */
    SRC_AWS = 1u << 5,       /* AWS list prices and documented limits */
    SRC_META = 1u << 6,      /* the meta benchmark (per-rank metadata, format 2) */
    SRC_KINDS = 7
};
static const char *const src_tag[SRC_KINDS] = {"option", "workload", "run", "stores", "library",
                                               "aws", "meta"};

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
    F_COMMITS_PP, F_COMMITS_S, F_CKPT_EVERY, F_CKPT_S, F_RANK_CKPT_PUTS, F_RANK_CKPT_LISTS,
    F_LOG_S, F_CHUNKS_PP, F_CHUNKS_S,
    F_SNAP_K, F_SNAP_S, F_INDEX_PUTS, F_PUTS,
    F_DATA_REQ, F_GETS_DATA, F_META_REQ, F_META_BYTES, F_GETS_INDEX, F_HEAD_RATE, F_POLLS,
    F_GETS_POLL, F_CATCHUP_GETS, F_GETS_LOG_RANKS, F_GETS_LOG_PROD, F_GETS_META, F_GETS,
    F_META_OVER_DATA, F_REQS, F_S3_LOG_GET, F_S3_STEPS_GET, F_S3_LOG_PUT,
    F_RECORD_BYTES, F_LOG_BYTES_S, F_LOG_RECORDS_DAY, F_LOG_GIB_DAY, F_SNAP_BYTES, F_SNAP_MB,
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
    [F_COMMITS_S] = {"commits_per_s", "requests", "producer commits", "/s"},
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
    [F_GETS_LOG_PROD] = {"gets_log_producers_per_s", "requests", "log GETs by producers", "/s"},
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

/* ---- errors --------------------------------------------------------------- */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("lakestream-bench plan: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("lakestream-bench plan: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

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

/* ---- measurement files (untrusted) ---------------------------------------- */

typedef struct jfile {
    char    path[PATH_MAX];
    json_t *root;
    char    label[PLAN_LABEL_BYTES];  /* "run PATH (git REV, TIMESTAMP)" */
} jfile;

/* Parse a JSON object from path; NULL and a message in err otherwise. */
static json_t *load_json(const char *path, char *err, size_t cap)
{
    struct stat sb;
    if (stat(path, &sb)) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(sb.st_mode)) {
        snprintf(err, cap, "%s: not a regular file", path);
        return NULL;
    }
    if ((unsigned long long)sb.st_size > PLAN_FILE_BYTES_MAX) {
        snprintf(err, cap, "%s: %lld bytes, more than the %u a measurement file may have", path,
                 (long long)sb.st_size, PLAN_FILE_BYTES_MAX);
        return NULL;
    }
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, cap, "%s: not valid JSON (line %d: %s)", path, je.line, je.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(err, cap, "%s: not a JSON object", path);
        return NULL;
    }
    return root;
}

/* The value at a dotted path ("store_usage.chunks", "stores.0.ingest"; a
 * number indexes an array), or NULL if it or a parent is absent or null.
 * A parent of another type is an error. */
static json_t *jget(const jfile *f, const char *path)
{
    json_t *cur = f->root;
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (json_is_array(cur) && n && strspn(p, "0123456789") == n)
            cur = json_array_get(cur, strtoul(p, NULL, 10));
        else if (json_is_object(cur))
            cur = json_object_getn(cur, p, n);
        else
            fail("%s: field \"%.*s\": expected an object", f->path, (int)(p - path) - 1, path);
        if (!cur || json_is_null(cur))
            return NULL;
        if (!dot)
            return cur;
        p = dot + 1;
    }
}

/* A number at path, > lo (lo_open) or >= lo, and <= PLAN_INPUT_MAX: 1 and
 * *out, or 0 if absent or null.  A wrong type or a value out of range ends
 * the command. */
static int jnum(const jfile *f, const char *path, double lo, int lo_open, double *out)
{
    json_t *v = jget(f, path);
    if (!v)
        return 0;
    if (!json_is_number(v))
        fail("%s: field \"%s\": expected a number, found %s", f->path, path,
             json_is_string(v) ? "a string" : json_is_object(v) ? "an object"
             : json_is_array(v) ? "an array" : "a boolean");
    double x = json_number_value(v);
    if (!isfinite(x) || (lo_open ? !(x > lo) : !(x >= lo)) || x > PLAN_INPUT_MAX)
        fail("%s: field \"%s\": %g, expected a number %s %g and <= %g", f->path, path, x,
             lo_open ? ">" : ">=", lo, PLAN_INPUT_MAX);
    *out = x;
    return 1;
}

static double jnum_req(const jfile *f, const char *path, double lo, int lo_open)
{
    double x;
    if (!jnum(f, path, lo, lo_open, &x))
        fail("%s: field \"%s\" is missing", f->path, path);
    return x;
}

/* A string at path, or NULL if absent or null; another type ends the command. */
static const char *jstr(const jfile *f, const char *path)
{
    json_t *v = jget(f, path);
    if (!v)
        return NULL;
    if (!json_is_string(v))
        fail("%s: field \"%s\": expected a string", f->path, path);
    return json_string_value(v);
}

/* Whether a file found by a search is a candidate: its benchmark (and for
 * runs plane and workload) match.  No error: other files are skipped. */
static int str_is(json_t *root, const char *key, const char *want)
{
    json_t *v = json_object_get(root, key);
    return json_is_string(v) && !strcmp(json_string_value(v), want);
}

/* A file's time as ISO-8601 UTC text, which sorts as time: "timestamp",
 * else "timestamp_unix" (the meta benchmark's), else "" (the oldest). */
static void timestamp_of(json_t *root, char *buf, size_t cap)
{
    json_t *v = json_object_get(root, "timestamp"), *u = json_object_get(root, "timestamp_unix");
    buf[0] = '\0';
    if (json_is_string(v)) {
        snprintf(buf, cap, "%s", json_string_value(v));
    } else if (json_is_number(u)) {
        double x = json_number_value(u);
        struct tm tm;
        time_t t = (time_t)x;
        if (isfinite(x) && x >= 0 && x < 253402300800.0 /* year 10000 */ && gmtime_r(&t, &tm))
            strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
}

/* ---- finding the newest measurements -------------------------------------- */

/* nftw takes no context: the search's state (one search at a time). */
static struct {
    const char *workload;   /* runs: this workload; NULL: the benchmark below */
    const char *benchmark;  /* "stores" or "meta" */
    char        best[PATH_MAX];
    char        best_ts[64];
    unsigned    seen;
} g_search;

/* Keep path if it is a candidate newer (by timestamp, then path) than the best so far. */
static void consider(const char *path)
{
    char err[PATH_MAX + 160];
    json_t *root = load_json(path, err, sizeof err);
    if (!root) {
        warn("skipping %s", err);
        return;
    }
    /* Runs with --inject measure a recovery, not the steady state. */
    json_t *inject = json_object_get(root, "inject");
    int ok = g_search.workload
                 ? str_is(root, "benchmark", "run") && str_is(root, "plane", "lakestream") &&
                       str_is(root, "workload", g_search.workload) &&
                       (!inject || json_is_null(inject))
                 : str_is(root, "benchmark", g_search.benchmark);
    char ts[64];
    timestamp_of(root, ts, sizeof ts);
    int cmp = strcmp(ts, g_search.best_ts);
    if (ok && (!g_search.best[0] || cmp > 0 || (cmp == 0 && strcmp(path, g_search.best) > 0))) {
        snprintf(g_search.best, sizeof g_search.best, "%s", path);
        snprintf(g_search.best_ts, sizeof g_search.best_ts, "%s", ts);
    }
    json_decref(root);
}

static int visit_run(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    if (flag != FTW_F || strcmp(path + ftw->base, "result.json"))
        return 0;
    if (++g_search.seen > PLAN_SEARCH_FILES_MAX) {
        warn("more than %u result.json files under the results directory; looked at the "
             "first %u", PLAN_SEARCH_FILES_MAX, PLAN_SEARCH_FILES_MAX);
        return 1;
    }
    consider(path);
    return 0;
}

/* The newest lakestream run of workload under root (recursively), or "". */
static void find_run(const char *root, const char *workload, char *out, size_t cap)
{
    memset(&g_search, 0, sizeof g_search);
    g_search.workload = workload;
    struct stat sb;
    if (!stat(root, &sb) && S_ISDIR(sb.st_mode))
        nftw(root, visit_run, 16, FTW_PHYS);
    snprintf(out, cap, "%s", g_search.best);
}

/* The newest BENCHMARK-*.json directly in root whose "benchmark" is
 * BENCHMARK (stores, meta), or "". */
static void find_newest(const char *root, const char *benchmark, char *out, size_t cap)
{
    memset(&g_search, 0, sizeof g_search);
    g_search.benchmark = benchmark;
    size_t pre = strlen(benchmark);
    DIR *d = opendir(root);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, benchmark, pre) || e->d_name[pre] != '-' || n < pre + 7 ||
            strcmp(e->d_name + n - 5, ".json"))
            continue;
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", root, e->d_name) >= (int)sizeof path)
            continue;
        struct stat sb;
        if (!stat(path, &sb) && S_ISREG(sb.st_mode))
            consider(path);
    }
    if (d)
        closedir(d);
    snprintf(out, cap, "%s", g_search.best);
}

static void open_file(jfile *f, const char *path, const char *kind)
{
    char err[PATH_MAX + 160];
    snprintf(f->path, sizeof f->path, "%s", path);
    if (!(f->root = load_json(path, err, sizeof err)))
        fail("%s", err);
    const char *rev = jstr(f, "git_rev");
    (void)jstr(f, "timestamp");  /* a string if present */
    char ts[64];
    timestamp_of(f->root, ts, sizeof ts);
    snprintf(f->label, sizeof f->label, "%s %s (git %s, %s)", kind, path, rev ? rev : "unknown",
             ts[0] ? ts : "no timestamp");
}

/* ---- the run's per-unit figures ------------------------------------------- */

typedef struct run_in {
    int    have;
    jfile  f;
    double duration_s, producers, ranks, steps, produced, delivered;
    int    have_cpu;        double cpu_producers_s;
    int    have_mean;       double mean_sample_bytes;
    int    have_usage;      double chunks, chunk_bytes, log_records, log_bytes;
    int    have_amp;        double amp_data;
    int    have_data_req;   double data_req;
    int    have_ckpt_every; double ckpt_every;
} run_in;

static void read_run(run_in *r, const char *path, const char *workload)
{
    open_file(&r->f, path, "run");
    const jfile *f = &r->f;
    const char *b = jstr(f, "benchmark"), *plane = jstr(f, "plane"), *wl = jstr(f, "workload");
    if (!b || strcmp(b, "run"))
        fail("%s: field \"benchmark\": expected \"run\" (a lakestream-bench run result)", f->path);
    if (!plane || strcmp(plane, "lakestream"))
        fail("%s: field \"plane\": \"%s\"; the plan needs a run on the lakestream plane",
             f->path, plane ? plane : "(missing)");
    if (!wl || strcmp(wl, workload))
        fail("%s: field \"workload\": \"%s\", not this workload (\"%s\")", f->path,
             wl ? wl : "(missing)", workload);
    if (jget(f, "inject"))
        warn("%s ran with --inject: its store usage and CPU include a recovery", f->path);
    r->have = 1;
    r->duration_s = jnum_req(f, "duration_s", PLAN_DURATION_S_MIN, 0);
    r->producers = jnum_req(f, "producers", 1, 0);
    r->ranks = jnum_req(f, "ranks", 1, 0);
    r->steps = jnum_req(f, "steps", 0, 0);
    r->produced = jnum_req(f, "samples_produced", 0, 0);
    r->delivered = jnum_req(f, "samples_delivered", 0, 0);
    if ((r->have_cpu = jnum(f, "cpu_s.producers", 0, 0, &r->cpu_producers_s)) &&
        !(r->produced > 0))
        fail("%s: field \"samples_produced\" is 0: cpu_s.producers cannot be divided per sample",
             f->path);
    r->have_mean = jnum(f, "mean_sample_bytes", 0, 1, &r->mean_sample_bytes);
    if (jget(f, "store_usage")) {
        r->have_usage = 1;
        r->chunks = jnum_req(f, "store_usage.chunks", 1, 0);
        r->chunk_bytes = jnum_req(f, "store_usage.chunk_bytes", 0, 1);
        r->log_records = jnum_req(f, "store_usage.log_records", 1, 0);
        r->log_bytes = jnum_req(f, "store_usage.log_bytes", 0, 1);
        if (!(r->delivered > 0))
            fail("%s: field \"samples_delivered\" is 0: store_usage cannot be divided per "
                 "sample", f->path);
    }
    r->have_amp = jnum(f, "read_amplification.data", 0, 1, &r->amp_data);
    r->have_data_req = jnum(f, "read_amplification.data_requests_per_rank_step", 0, 0,
                            &r->data_req);
    r->have_ckpt_every = jnum(f, "config.checkpoint_every_steps", 1, 0, &r->ckpt_every);
}

/* ---- the stores benchmark ------------------------------------------------- */

typedef struct store_in {
    char   backend[32];
    char   what[PLAN_NOTE_BYTES];
    int    have_ingest;  double ingest_mb, ingest_sample_bytes;
    int    have_read;    double read_mb, read_w, read_data_req;
    int    have_req_max; double req_max;
    char   req_max_what[64];
    int    have_commit;  double p50, p99;
} store_in;

typedef struct stores_in {
    int      have;
    jfile    f;
    unsigned n;
    store_in s[PLAN_STORES_MAX];
} stores_in;

/* Distance of two positive sizes on a log scale. */
static double log_dist(double a, double b)
{
    return fabs(log(a / b));
}

static void req_max_note(store_in *s, double rate, const char *what)
{
    if (!s->have_req_max || rate > s->req_max) {
        s->have_req_max = 1;
        s->req_max = rate;
        snprintf(s->req_max_what, sizeof s->req_max_what, "%s", what);
    }
}

/* One store of the benchmark: the ingest run nearest in sample size, the
 * read at the world size nearest to gpus, the highest request rate. */
static void read_store(const jfile *f, unsigned i, double sample_bytes, double gpus,
                       store_in *s)
{
    char p[96], q[160];
    snprintf(p, sizeof p, "stores.%u", i);
    json_t *st = json_array_get(json_object_get(f->root, "stores"), i);
    if (!json_is_object(st))
        fail("%s: field \"%s\": expected an object", f->path, p);
    snprintf(q, sizeof q, "%s.backend", p);
    json_t *bk = json_object_get(st, "backend");
    if (!json_is_string(bk))
        fail("%s: field \"%s\": expected a string", f->path, q);
    snprintf(s->backend, sizeof s->backend, "%s", json_string_value(bk));

    json_t *ing = json_object_get(st, "ingest");
    if (ing && !json_is_array(ing))
        fail("%s: field \"%s.ingest\": expected an array", f->path, p);
    for (size_t k = 0; k < json_array_size(ing); k++) {
        double sz, mb, calls;
        snprintf(q, sizeof q, "%s.ingest.%zu.sample_bytes", p, k);
        if (!jnum(f, q, 0, 1, &sz))
            continue;
        snprintf(q, sizeof q, "%s.ingest.%zu.mb_per_s_median", p, k);
        if (!jnum(f, q, 0, 1, &mb))
            continue;
        if (!s->have_ingest || log_dist(sz, sample_bytes) <
                                   log_dist(s->ingest_sample_bytes, sample_bytes)) {
            s->have_ingest = 1;
            s->ingest_mb = mb;
            s->ingest_sample_bytes = sz;
        }
        snprintf(q, sizeof q, "%s.ingest.%zu.store_calls_per_s_median", p, k);
        if (jnum(f, q, 0, 0, &calls))
            req_max_note(s, calls, "ingest");
    }
    json_t *rd = json_object_get(st, "read");
    if (rd && !json_is_array(rd))
        fail("%s: field \"%s.read\": expected an array", f->path, p);
    for (size_t k = 0; k < json_array_size(rd); k++) {
        double w, mb, dr, calls;
        snprintf(q, sizeof q, "%s.read.%zu.world_size", p, k);
        if (!jnum(f, q, 1, 0, &w))
            continue;
        snprintf(q, sizeof q, "%s.read.%zu.store_calls_per_s_median", p, k);
        if (jnum(f, q, 0, 0, &calls)) {
            char what[64];
            snprintf(what, sizeof what, "step reads at W = %.0f", w);
            req_max_note(s, calls, what);
        }
        snprintf(q, sizeof q, "%s.read.%zu.mb_per_s_median", p, k);
        int have_mb = jnum(f, q, 0, 1, &mb);
        snprintf(q, sizeof q, "%s.read.%zu.data_requests_per_rank_step", p, k);
        int have_dr = jnum(f, q, 0, 0, &dr);
        if (have_mb && have_dr && (!s->have_read || log_dist(w, gpus) < log_dist(s->read_w, gpus))) {
            s->have_read = 1;
            s->read_mb = mb;
            s->read_w = w;
            s->read_data_req = dr;
        }
    }
    double x;
    snprintf(q, sizeof q, "%s.commit.store_calls_per_s", p);
    if (jnum(f, q, 0, 0, &x))
        req_max_note(s, x, "small commits");
    snprintf(q, sizeof q, "%s.commit.commit_latency_ms_p50", p);
    if (jnum(f, q, 0, 0, &s->p50)) {
        snprintf(q, sizeof q, "%s.commit.commit_latency_ms_p99", p);
        s->have_commit = jnum(f, q, 0, 0, &s->p99);
    }

    /* What the store was, in the benchmark's own words. */
    double nproc = 0;
    int have_nproc = jnum(f, "machine.nproc", 1, 0, &nproc);
    char cores[64] = "";
    if (have_nproc)
        snprintf(cores, sizeof cores, " (a %.0f-core machine)", nproc);
    if (!strcmp(s->backend, "s3")) {
        const char *what = jstr(f, "s3_server.what");
        if (what)
            snprintf(s->what, sizeof s->what, "%s%s", what, cores);
        else
            snprintf(s->what, sizeof s->what, "the S3 store measured by %.200s", f->path);
    } else if (!strcmp(s->backend, "posix")) {
        const char *fs = jstr(f, "machine.store_fs_type");
        snprintf(s->what, sizeof s->what, "a directory on %s of the benchmark machine%s, fsync on",
                 fs ? fs : "the local file system", cores);
    } else {
        snprintf(s->what, sizeof s->what, "backend %.31s", json_string_value(bk));
    }
}

static void read_stores(stores_in *si, const char *path, double sample_bytes, double gpus)
{
    open_file(&si->f, path, "stores");
    const char *b = jstr(&si->f, "benchmark");
    if (!b || strcmp(b, "stores"))
        fail("%s: field \"benchmark\": expected \"stores\" (a lakestream-bench stores result)",
             path);
    json_t *arr = json_object_get(si->f.root, "stores");
    if (!json_is_array(arr))
        fail("%s: field \"stores\": expected an array", path);
    si->have = 1;
    si->n = (unsigned)(json_array_size(arr) < PLAN_STORES_MAX ? json_array_size(arr)
                                                             : PLAN_STORES_MAX);
    for (unsigned i = 0; i < si->n; i++)
        read_store(&si->f, i, sample_bytes, gpus, &si->s[i]);
}

/* ---- the meta benchmark (per-rank metadata of table format 2) ------------- */

typedef struct meta_world {
    double w, slice;          /* world size; samples per rank = batch / W */
    double req, bytes;        /* metadata requests and bytes per rank-step, max over ranks */
} meta_world;

typedef struct meta_case {
    unsigned   idx;           /* in "cases" */
    double     sample_bytes, producers, interval_ms;
    double     head_rate, head_requests, head_polls;  /* wait_at_head */
    unsigned   nworlds;
    meta_world wl[PLAN_META_WORLDS_MAX];
} meta_case;

typedef struct meta_in {
    int        have;
    jfile      f;
    double     batch;
    char       store[160];
    unsigned   ncases;        /* the format-2 cases */
    meta_case  c[PLAN_META_CASES_MAX];
} meta_in;

/* Every format-2 case of a lakestream-bench meta result (docs/bench-meta.md),
 * checked field by field; format-1 cases are skipped (the plan models
 * format 1 from the run). */
static void read_meta(meta_in *mi, const char *path)
{
    open_file(&mi->f, path, "meta");
    const jfile *f = &mi->f;
    const char *b = jstr(f, "benchmark");
    if (!b || strcmp(b, "meta"))
        fail("%s: field \"benchmark\": expected \"meta\" (a lakestream-bench meta result)", path);
    mi->batch = jnum_req(f, "params.batch", 1, 0);
    const char *store = jstr(f, "params.store");
    snprintf(mi->store, sizeof mi->store, "%s", store ? store : "a store not named");
    json_t *cases = jget(f, "cases");
    if (!json_is_array(cases))
        fail("%s: field \"cases\": expected an array", path);
    if (json_array_size(cases) > PLAN_META_CASES_MAX)
        fail("%s: field \"cases\": %zu cases, more than the %u the plan reads", path,
             json_array_size(cases), PLAN_META_CASES_MAX);
    char q[192];
    for (size_t i = 0; i < json_array_size(cases); i++) {
        snprintf(q, sizeof q, "cases.%zu.table_format", i);
        if (jnum_req(f, q, 1, 0) != 2)
            continue;
        meta_case *c = &mi->c[mi->ncases];
        c->idx = (unsigned)i;
        snprintf(q, sizeof q, "cases.%zu.sample_bytes", i);
        c->sample_bytes = jnum_req(f, q, 0, 1);
        snprintf(q, sizeof q, "cases.%zu.producers", i);
        c->producers = jnum_req(f, q, 1, 0);
        snprintf(q, sizeof q, "cases.%zu.commit_interval_ms", i);
        c->interval_ms = jnum_req(f, q, 0, 1);
        snprintf(q, sizeof q, "cases.%zu.wait_at_head.requests_per_s", i);
        c->head_rate = jnum_req(f, q, 0, 0);
        snprintf(q, sizeof q, "cases.%zu.wait_at_head.requests", i);
        c->head_requests = jnum_req(f, q, 0, 0);
        snprintf(q, sizeof q, "cases.%zu.wait_at_head.polls", i);
        c->head_polls = jnum_req(f, q, 0, 1);
        snprintf(q, sizeof q, "cases.%zu.worlds", i);
        json_t *ws = jget(f, q);
        if (!json_is_array(ws) || !json_array_size(ws))
            fail("%s: field \"%s\": expected a non-empty array", path, q);
        if (json_array_size(ws) > PLAN_META_WORLDS_MAX)
            fail("%s: field \"%s\": %zu world sizes, more than the %u the plan reads", path, q,
                 json_array_size(ws), PLAN_META_WORLDS_MAX);
        for (size_t k = 0; k < json_array_size(ws); k++) {
            meta_world *w = &c->wl[k];
            snprintf(q, sizeof q, "cases.%zu.worlds.%zu.world_size", i, k);
            w->w = jnum_req(f, q, 1, 0);
            if (w->w > mi->batch)
                fail("%s: field \"%s\": %g, more ranks than params.batch %g", path, q, w->w,
                     mi->batch);
            w->slice = mi->batch / w->w;
            snprintf(q, sizeof q, "cases.%zu.worlds.%zu.ranks", i, k);
            json_t *rs = jget(f, q);
            if (!json_is_array(rs) || !json_array_size(rs))
                fail("%s: field \"%s\": expected a non-empty array", path, q);
            if (json_array_size(rs) > PLAN_META_RANKS_MAX)
                fail("%s: field \"%s\": %zu ranks, more than the %u the plan reads", path, q,
                     json_array_size(rs), PLAN_META_RANKS_MAX);
            for (size_t r = 0; r < json_array_size(rs); r++) {
                snprintf(q, sizeof q, "cases.%zu.worlds.%zu.ranks.%zu.meta_requests_per_rank_step",
                         i, k, r);
                w->req = fmax(w->req, jnum_req(f, q, 0, 0));
                snprintf(q, sizeof q, "cases.%zu.worlds.%zu.ranks.%zu.meta_bytes_per_rank_step",
                         i, k, r);
                w->bytes = fmax(w->bytes, jnum_req(f, q, 0, 0));
            }
        }
        c->nworlds = (unsigned)json_array_size(ws);
        mi->ncases++;
    }
    if (!mi->ncases)
        fail("%s: field \"cases\": no case of table_format 2", path);
    mi->have = 1;
}

/* ---- options -------------------------------------------------------------- */

typedef struct plan_opts {
    const char *workload, *from, *results, *stores, *meta;
    int         results_given, json;
    unsigned long gpus;
    double      step_ms, utilization, retain_hours, price_put, price_get, price_gb;
    int         step_given, util_given, retain_given, put_given, get_given, gb_given;
} plan_opts;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: lakestream-bench plan WORKLOAD --gpus N [--step-ms T] [--json]\n"
        "         [--from RUN_DIR|RESULT_JSON] [--results DIR] [--stores STORES_JSON]\n"
        "         [--meta META_JSON] [--utilization U] [--retain-hours H]\n"
        "         [--price-put-per-1k USD] [--price-get-per-1k USD] [--price-gb-month USD]\n"
        "  A capacity plan for N GPUs (docs/bench-plan.md): producers, store bandwidth,\n"
        "  requests/s, log growth and monthly cost at S3 list prices, each figure with\n"
        "  its source, for table format 2 (format 1's log reads for comparison).\n"
        "  Measurements: the newest lakestream run of WORKLOAD under --results (default\n"
        "  results/), and the newest stores-*.json and meta-*.json directly in it.\n"
        "  Defaults: T from the workload, U = %.1f, H = %.0f, S3 Standard us-east-1 list\n"
        "  prices $%g, $%g, $%g.\n",
        PLAN_UTILIZATION_DEFAULT, PLAN_RETAIN_HOURS_DEFAULT, PLAN_PRICE_PUT_PER_1K,
        PLAN_PRICE_GET_PER_1K, PLAN_PRICE_GB_MONTH);
}

static double num_opt(const char *opt, const char *v, double lo, int lo_open, double hi)
{
    char *end;
    errno = 0;
    double x = v ? strtod(v, &end) : 0;
    if (!v || errno || end == v || *end || !isfinite(x) || (lo_open ? !(x > lo) : !(x >= lo)) ||
        x > hi)
        fail("%s %s: expected a number %s %g and <= %g", opt, v ? v : "(missing)",
             lo_open ? ">" : ">=", lo, hi);
    return x;
}

static void parse_opts(plan_opts *o, int argc, char **argv)
{
    *o = (plan_opts){.results = "results", .utilization = PLAN_UTILIZATION_DEFAULT,
                     .retain_hours = PLAN_RETAIN_HOURS_DEFAULT,
                     .price_put = PLAN_PRICE_PUT_PER_1K, .price_get = PLAN_PRICE_GET_PER_1K,
                     .price_gb = PLAN_PRICE_GB_MONTH};
    int have_gpus = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--json")) {
            o->json = 1;
            continue;
        } else if (a[0] != '-' || !a[1]) {
            if (o->workload)
                fail("unexpected argument \"%s\" (one WORKLOAD only; see --help)", a);
            o->workload = a;
            continue;
        }
        if (!v)
            fail("%s needs a value (see --help)", a);
        i++;
        if (!strcmp(a, "--gpus")) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(v, &end, 10);
            if (errno || end == v || *end || v[0] == '-' || n < 1 || n > PLAN_GPUS_MAX)
                fail("--gpus %s: expected a whole number from 1 to %u", v, PLAN_GPUS_MAX);
            o->gpus = (unsigned long)n;
            have_gpus = 1;
        } else if (!strcmp(a, "--step-ms")) {
            o->step_ms = num_opt(a, v, PLAN_STEP_MS_MIN, 0, PLAN_STEP_MS_MAX);
            o->step_given = 1;
        } else if (!strcmp(a, "--from")) {
            o->from = v;
        } else if (!strcmp(a, "--results")) {
            o->results = v;
            o->results_given = 1;
        } else if (!strcmp(a, "--stores")) {
            o->stores = v;
        } else if (!strcmp(a, "--meta")) {
            o->meta = v;
        } else if (!strcmp(a, "--utilization")) {
            o->utilization = num_opt(a, v, 0, 1, 1);
            o->util_given = 1;
        } else if (!strcmp(a, "--retain-hours")) {
            o->retain_hours = num_opt(a, v, 0, 0, PLAN_RETAIN_HOURS_MAX);
            o->retain_given = 1;
        } else if (!strcmp(a, "--price-put-per-1k")) {
            o->price_put = num_opt(a, v, 0, 0, PLAN_PRICE_MAX);
            o->put_given = 1;
        } else if (!strcmp(a, "--price-get-per-1k")) {
            o->price_get = num_opt(a, v, 0, 0, PLAN_PRICE_MAX);
            o->get_given = 1;
        } else if (!strcmp(a, "--price-gb-month")) {
            o->price_gb = num_opt(a, v, 0, 0, PLAN_PRICE_MAX);
            o->gb_given = 1;
        } else {
            fail("unknown option %s (see --help)", a);
        }
    }
    if (!o->workload)
        fail("no WORKLOAD given (a workloads/*.conf file; see --help)");
    if (!have_gpus)
        fail("--gpus N is required (see --help)");
    struct stat sb;
    if (o->results_given && (stat(o->results, &sb) || !S_ISDIR(sb.st_mode)))
        fail("--results %s: not a directory", o->results);
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
        fail("liblakestream has no positive default for %s", name);
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
        double d[3] = {log_dist(c->sample_bytes, sb) - log_dist(best->sample_bytes, sb),
                       log_dist(c->producers, P) - log_dist(best->producers, P),
                       have_iv ? log_dist(c->interval_ms, iv) - log_dist(best->interval_ms, iv)
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
        double d = log_dist(w->slice, m) - log_dist(bw->slice, m);
        if (d < -eps || (d <= eps && log_dist(w->w, N) < log_dist(bw->w, N) - eps))
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

static void model_requests(plan *p)
{
    const run_in *r = &p->run;
    const char *why = r->have ? "the run has no store_usage" : "no run result found";
    double N = V(F_GPUS), P = V(F_PRODUCERS), steps = V(F_STEPS_S);
    double K = conf_default("table.snapshot.interval");

    /* Log records: producer commits, at a rate per producer (each commits
     * once per linger interval while it has data), plus the checkpoints.
     * The run's records hold both, and each producer's open: take the
     * others out to get its commit rate.  The runs in results/ predate
     * per-rank progress objects (core/rank_ckpt.c): their ranks wrote one
     * checkpoint record each per round. */
    double ckpt_run = 0;
    char ckpt_note[200] = "no checkpoint records (config.checkpoint_every_steps absent)";
    if (r->have && r->have_ckpt_every) {
        ckpt_run = r->ranks * floor(r->steps / r->ckpt_every);
        snprintf(ckpt_note, sizeof ckpt_note,
                 "%.0f checkpoint records = ranks x floor(steps / %.0f), one per rank per round "
                 "as the runs before per-rank progress objects wrote them", ckpt_run,
                 r->ckpt_every);
    }
    if (r->have_usage) {
        double commits = r->log_records - ckpt_run - r->producers;
        fset(&p->f[F_COMMITS_PP], fmax(commits, 0) / (r->duration_s * r->producers), SRC_RUN,
             "(store_usage.log_records %.0f - %.0f producer opens - %s) / (duration_s %.1f x "
             "producers %.0f)", r->log_records, r->producers, ckpt_note, r->duration_s,
             r->producers);
        fset(&p->f[F_COMMITS_S], P * V(F_COMMITS_PP), SRC_RUN | SRC_WORKLOAD | SRC_OPTION,
             "P x per producer; assumption: a producer's commit rate does not depend on its "
             "sample rate (group commit every linger interval)");
    } else {
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
        double c = fmax(by_p, fmax(by_bytes, by_n));
        fset(&p->f[F_CHUNKS_S], c, SRC_RUN | SRC_LIBRARY | SRC_OPTION,
             "max(P x per producer %.3g, write / chunk.bytes.max %.3g, D / "
             "chunk.samples.max %.3g): %s", by_p, by_bytes, by_n,
             c == by_p ? "sealed by commits" : "sealed full (library default limits)");
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
    fset(&p->f[F_INDEX_PUTS], steps, p->f[F_STEPS_S].src | SRC_LIBRARY,
         "steps/s: one step index per step (table.format %.0f, the default), put_if_absent by "
         "the committer whose record completes the step (core/commit.c publish_steps); one "
         "that finds it there reads it back, not counted", conf_default("table.format"));
    if (HAVE(F_CHUNKS_S) && HAVE(F_SNAP_S))
        fset(&p->f[F_PUTS], V(F_CHUNKS_S) + V(F_LOG_S) + 2 * V(F_SNAP_S) + V(F_INDEX_PUTS) +
                                V(F_RANK_CKPT_PUTS) + V(F_RANK_CKPT_LISTS),
             p->f[F_CHUNKS_S].src | p->f[F_LOG_S].src | p->f[F_INDEX_PUTS].src,
             "chunks + L + 2 x snapshots (each snapshot then the _last_snapshot hint) + step "
             "indexes + rank progress PUTs and LISTs; conditional PUTs lost to conflicts are "
             "not counted");
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

    meta_pick(p);
    double poll_max = conf_default("consumer.poll.interval.ms.max");
    if (p->mc) {
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
             "per poll measured; assumption: a rank waits at the head for the whole step (as in "
             "the harness, whose producers stay at most 4 steps ahead)", sched, T, poll_max,
             per_poll);
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
        fset(&p->f[F_GETS_LOG_PROD], P > 1 ? P * V(F_LOG_S) : 0, p->f[F_LOG_S].src | SRC_LIBRARY,
             P > 1 ? "P x L: with P > 1 each producer reads forward the records it did not "
                     "write, and one not-found probe, per commit (ls_table_commit)"
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
        fset(&p->f[F_S3_LOG_GET], (V(F_GETS_LOG_RANKS) + V(F_GETS_LOG_PROD)) /
                                      PLAN_S3_GETS_PER_PREFIX,
             p->f[F_GETS_LOG_RANKS].src | SRC_AWS,
             "log GETs (rank 0 at checkpoints, producers) / %.0f: the whole log is one prefix "
             "(<table>/_log/) and its reads are at the head; > 1 means S3 must split that "
             "prefix or throttle", PLAN_S3_GETS_PER_PREFIX);
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
        double fixed = (r->log_bytes - PLAN_RECORD_INDEX_BYTES * r->delivered) / r->log_records;
        fset(&p->f[F_RECORD_BYTES], fixed > 0 ? fixed : 0, SRC_RUN | SRC_LIBRARY,
             "(store_usage.log_bytes %.0f - %g B x samples_delivered) / log_records %.0f "
             "(%g B of index per sample: record.avsc)", r->log_bytes, PLAN_RECORD_INDEX_BYTES,
             r->log_records, PLAN_RECORD_INDEX_BYTES);
    } else {
        fnone(&p->f[F_RECORD_BYTES], r->have ? SRC_RUN : 0, "%s",
              r->have ? "the run has no store_usage" : "no run result found");
    }
    if (HAVE(F_RECORD_BYTES) && HAVE(F_LOG_S)) {
        fset(&p->f[F_LOG_BYTES_S], V(F_LOG_S) * V(F_RECORD_BYTES) +
                                       V(F_DEMAND) * PLAN_RECORD_INDEX_BYTES,
             p->f[F_LOG_S].src | SRC_LIBRARY, "L x fixed part + D x %g B",
             PLAN_RECORD_INDEX_BYTES);
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
               ck = V(F_CKPT_S) * V(F_CATCHUP_BYTES), prod = P > 1 ? P * V(F_LOG_BYTES_S) : 0;
        fset(&p->f[F_META_READ_MB], (idx + ck + prod) / PLAN_MB,
             p->f[F_META_BYTES].src | p->f[F_CATCHUP_BYTES].src | p->f[F_LOG_BYTES_S].src,
             "step indexes (N x steps/s x metadata bytes per rank-step, %.3g MB/s) + checkpoint "
             "catch-up (checkpoint records/s x bytes each, %.3g MB/s) + producers (P x log "
             "growth if P > 1, %.3g MB/s); table opens not included", idx / PLAN_MB,
             ck / PLAN_MB, prod / PLAN_MB);
    } else {
        fnone(&p->f[F_META_READ_MB], 0, "needs the metadata bytes per rank-step (meta) and the "
              "log growth (run)");
    }
    if (HAVE(F_LOG_BYTES_S))
        fset(&p->f[F_WRITE_ALL_MB], V(F_WRITE_MB) + V(F_LOG_BYTES_S) / PLAN_MB + V(F_SNAP_MB),
             p->f[F_WRITE_MB].src | p->f[F_SNAP_MB].src, "data + log growth + snapshot writes "
             "(the step indexes, about 20 B per sample, not counted)");
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
    char src[PLAN_LABEL_BYTES * 3 + PLAN_NOTE_BYTES];
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
    json_t *root = json_object(), *sources, *units;
    json_object_set_new(root, "benchmark", json_string("plan"));
    json_object_set_new(root, "schema_version", json_integer(1));
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
           "LISTs, conflicts (the ranks' checkpoints among them), data transfer.\n",
           PLAN_MONTH_DAYS);
}

int plan_main(int argc, char **argv)
{
    plan *p = calloc(1, sizeof *p);
    if (!p)
        fail("out of memory");
    parse_opts(&p->o, argc, argv);
    char err[PATH_MAX + 256];
    if (wl_load(p->o.workload, &p->w, err, sizeof err))
        fail("%s", err);
    if (!p->o.step_given && p->w.step_time_ms < PLAN_STEP_MS_MIN)
        fail("%s: step.time.ms %g: the plan needs a step time of at least %g ms (or --step-ms)",
             p->o.workload, p->w.step_time_ms, PLAN_STEP_MS_MIN);

    /* The run: --from, else the newest under --results. */
    char path[PATH_MAX];
    if (p->o.from) {
        struct stat sb;
        if (!stat(p->o.from, &sb) && S_ISDIR(sb.st_mode)) {
            if (snprintf(path, sizeof path, "%s/result.json", p->o.from) >= (int)sizeof path)
                fail("--from %s: path too long", p->o.from);
        } else {
            snprintf(path, sizeof path, "%s", p->o.from);
        }
    } else {
        find_run(p->o.results, p->w.name, path, sizeof path);
    }
    if (path[0])
        read_run(&p->run, path, p->w.name);

    model_demand(p);
    if (p->o.stores)
        snprintf(path, sizeof path, "%s", p->o.stores);
    else
        find_newest(p->o.results, "stores", path, sizeof path);
    if (path[0]) {
        read_stores(&p->stores, path, V(F_SAMPLE_BYTES), V(F_GPUS));
        for (unsigned i = 0; i < p->stores.n; i++)
            if (p->stores.s[i].have_read &&
                (!p->fallback || !strcmp(p->stores.s[i].backend, "s3")))
                p->fallback = &p->stores.s[i];
    }
    if (p->o.meta)
        read_meta(&p->meta, p->o.meta);
    else if (find_newest(p->o.results, "meta", path, sizeof path), path[0])
        read_meta(&p->meta, path);
    model_producers(p);
    model_bandwidth(p);
    model_requests(p);
    model_log(p);
    model_io(p);
    model_cost(p);
    model_stores(p);

    if (p->o.json) {
        json_t *root = plan_json(p, argc, argv);
        char *text = json_dumps(root, JSON_INDENT(2));
        if (!text)
            fail("out of memory");
        puts(text);
        free(text);
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
