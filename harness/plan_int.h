/*
 * plan_int.h -- what harness/plan.c (the model and its output) shares with
 * harness/plan_inputs.c (the measurement files it reads, as untrusted
 * input): the limits and prices, the inputs' types, their readers.
 */
#ifndef LS_PLAN_INT_H
#define LS_PLAN_INT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "die.h"
#include "result.h"
#include "workload.h"

/* ---- limits, units and list prices -------------------------------------- */

#define PLAN_GPUS_MAX             1000000u  /* --gpus: 1..this */
#define PLAN_SIZE_DRAWS           200000u   /* sample indices drawn for the mean size and cost */
#define PLAN_SEARCH_FILES_MAX     100000u   /* result.json files looked at under --results */
#define PLAN_STORES_MAX           8u        /* backends taken from a stores benchmark */
#define PLAN_META_CASES_MAX       128u      /* cases of a meta benchmark */
#define PLAN_META_WORLDS_MAX      32u       /* world sizes of one case */
#define PLAN_META_RANKS_MAX       4096u     /* ranks measured at one world size */
#define PLAN_META_DAC_MAX         16u       /* runs under DAC of a meta benchmark */
#define PLAN_NOTE_BYTES           480u
#define PLAN_UTILIZATION_DEFAULT  0.8
#define PLAN_RETAIN_HOURS_DEFAULT 24.0
#define PLAN_RETAIN_HOURS_MAX     87600.0   /* ten years */
#define PLAN_LEAD_STEPS_DEFAULT   64.0      /* producers ahead of the ranks (docs/bench-plan.md) */
#define PLAN_LEAD_STEPS_MAX       1e9
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


/* Errors (harness/die.h): "lakestream-bench plan: MESSAGE", exit status 1. */
#define plan_fail(...) die(NULL, __VA_ARGS__)
#define plan_warn(...) die_warn(NULL, __VA_ARGS__)

/* A measurement file, read by harness/result.h's checked reader; its label
 * is "run PATH (git REV, TIMESTAMP)" (the kind, then the file). */
typedef result_file jfile;

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
    int    rank_ckpt;       /* ranks' progress outside the log (runs from 650f7c6 on) */
} run_in;
/* The first revision whose ranks keep their progress outside the log
 * (core/rank_ckpt.c): 650f7c6, committed at this time. */
#define PLAN_RANK_CKPT_SINCE "2026-12-03T09:43:38Z"

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

typedef struct meta_world {
    double w, slice;          /* world size; samples per rank = batch / W */
    double req, bytes;        /* metadata requests and bytes per rank-step, max over ranks */
    int    have_behind;       /* every rank measured whole groups (behind_head) */
    double behind_req, behind_bytes;   /* the same, in whole groups of 16 steps */
} meta_world;

typedef struct meta_case {
    unsigned   idx;           /* in "cases" */
    double     sample_bytes, producers, interval_ms;
    double     head_rate, head_requests, head_polls;  /* wait_at_head */
    int        have_prod;     /* wait_at_head.producer_commits (builds with the tail) */
    double     prod_reads, prod_lists, prod_commits;  /* per commit; commits measured */
    unsigned   nworlds;
    meta_world wl[PLAN_META_WORLDS_MAX];
} meta_case;

/* One run of producers committing under DAC (meta's dac_commits). */
typedef struct meta_dac {
    unsigned   idx;           /* in "dac_commits" */
    double     producers, commits_s, commits_pp_s, attempts, reads, lists, interval_ms;
    double     commit_ms;
} meta_dac;

typedef struct meta_in {
    int        have;
    jfile      f;
    double     batch;
    char       store[160];
    unsigned   ncases;        /* the format-2 cases */
    meta_case  c[PLAN_META_CASES_MAX];
    unsigned   ndac;          /* absent before DAC's saturation (2026-12-03) */
    meta_dac   dac[PLAN_META_DAC_MAX];
} meta_in;

void plan_find_run(const char *root, const char *workload, char *out, size_t cap);
void plan_find_newest(const char *root, const char *benchmark, char *out, size_t cap);
void plan_read_run(run_in *r, const char *path, const char *workload);
double plan_log_dist(double a, double b);
void plan_read_stores(stores_in *si, const char *path, double sample_bytes, double gpus);
void plan_read_meta(meta_in *mi, const char *path);

#endif
