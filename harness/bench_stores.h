/*
 * bench_stores.h -- what the stores benchmark's run (bench_stores.c) and
 * its JSON (bench_stores_json.c) share: the options, the per-store state,
 * the results of each measurement.
 */
#ifndef LS_BENCH_STORES_H
#define LS_BENCH_STORES_H

#include <stdio.h>

#include <jansson.h>

#include "bench_common.h"
#include "count_store.h"

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

typedef struct sing_run {
    double seconds, mb_per_s, samples_per_s, open_ms;
    double commit_overhead, chunk_write_share;
    ls_producer_stats st;
    count_snap calls;          /* from the first append to the return of flush */
    uint64_t open_calls;       /* table create + producer open */
} sing_run;

typedef struct scommit_run {
    double seconds;            /* first append to the return of the final flush */
    uint64_t samples, commits;
    ls_producer_stats s0, s1;  /* after open; after the final flush */
    double *lat_ms, *call_ms;  /* one per commit (malloc()ed) */
    size_t nobs;
    count_snap calls;          /* over the same window */
} scommit_run;

typedef struct read_table_info {
    uint64_t steps, samples, commits;     /* written: steps + tail steps */
    double seconds;
    count_snap calls;
} read_table_info;

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

typedef struct sres {
    sing_run ing[ST_MAX][SIZES_MAX][ST_REPEAT_MAX];
    scommit_run com[ST_MAX][ST_REPEAT_MAX];
    sread_run rd[ST_MAX][ST_WORLDS_MAX][ST_REPEAT_MAX];
    read_table_info rt[ST_MAX];
    uint64_t ing_n[SIZES_MAX];     /* samples per ingest run */
    uint64_t tail;                 /* tail steps of the read table */
} sres;

/* ---- bench_stores_json.c ------------------------------------------------- */

read_fig read_figures(const sread_run *v, uint32_t W);
json_t *stores_ingest_json(const sopts *o, const sres *res, size_t k, size_t i);
json_t *stores_commit_json(const sopts *o, const sres *res, size_t k);
json_t *stores_read_json(const sopts *o, const sres *res, size_t k, size_t wi);
json_t *meta_scaling_json(const sopts *o, const sres *res, size_t k);
json_t *cost_model_json(json_t *s);
json_t *comparison_json(const sopts *o, const sres *res);
json_t *stores_definitions_json(void);
json_t *stores_params_json(const sopts *o, const bstore *bs, size_t nst, uint64_t tail,
                           int argc, char **argv);
void print_summary(const sopts *o, const sres *res, const bstore *bs, size_t nst, json_t *root);

#endif
