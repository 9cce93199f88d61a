/*
 * result.h -- the result files of lakestream-bench: one schema for every
 * file it writes (ingest, recovery, commit, stores, run, meta, plan), one
 * writer, one checked reader (report, plan).
 *
 * Every result is one JSON object that starts with the same header:
 * "benchmark" (which program wrote it), "schema_version"
 * (RESULT_SCHEMA_VERSION), "git_rev" / "git_dirty" (the source revision),
 * "machine" (host, CPU, memory, the file system of the store), "build"
 * (library version, compiler, optimisation) and "timestamp" (UTC, ISO 8601,
 * when the result was written); the rest is the benchmark's own
 * (docs/benchmarks.md, docs/workloads.md, docs/bench-meta.md,
 * docs/bench-plan.md).  A plan is derived, not measured: its header is
 * "benchmark" and "schema_version" only.
 *
 * schema_version history (a reader accepts all of them, and files without
 * one, which are version 1):
 *   1  ingest, recovery, commit, stores, plan; meta wrote none
 *   2  run's result.json
 *   3  one header and one version for every file (the header gained
 *      "build" and "timestamp" in run and meta results)
 */
#ifndef LS_HARNESS_RESULT_H
#define LS_HARNESS_RESULT_H

#include <limits.h>
#include <stddef.h>

#include <jansson.h>

#define RESULT_SCHEMA_VERSION 3          /* what this lakestream-bench writes */
#define RESULT_SCHEMA_OLDEST  1          /* the oldest it reads (and files with none) */
#define RESULT_FILE_BYTES_MAX (64u << 20)   /* a result file larger than this is refused */
#define RESULT_DUMP_FLAGS     (JSON_INDENT(2) | JSON_REAL_PRECISION(15))  /* DBL_DIG digits, keys as written */
#define RESULT_LABEL_BYTES    (PATH_MAX + 160)
#define RESULT_FIELD_BYTES    96         /* a field's name in an error: "timeline[12].t_s" */
#define RESULT_ERR_BYTES      (PATH_MAX + 256)

/* ---- writing ----------------------------------------------------------------- */

/* A new result of benchmark with the whole header; the machine's file
 * system is that of machine_dir (a directory; statfs fields are left out
 * if it cannot be read). */
json_t *result_new(const char *benchmark, const char *machine_dir);

/* A new result with "benchmark" and "schema_version" only (a plan). */
json_t *result_new_bare(const char *benchmark);

/* machine.loadavg_start / loadavg_end (null when NULL); frees both. */
void result_loadavg(json_t *root, char *start, char *end);

/* The one writer: the JSON text (RESULT_DUMP_FLAGS) to stdout if
 * to_stdout, and to path (if not NULL) atomically (PATH.tmp, then rename).
 * die()s if either fails. */
void result_write(const json_t *root, int to_stdout, const char *path);

/* ---- reading (untrusted input) --------------------------------------------------- */

typedef struct result_file {
    char    path[PATH_MAX];
    json_t *root;                     /* owned: json_decref(); NULL until loaded */
    int     schema_version;           /* RESULT_SCHEMA_OLDEST when the file has none */
    char    label[RESULT_LABEL_BYTES];   /* "KIND PATH (git REV, TIMESTAMP)" */
} result_file;

/* Read path: a regular file of at most RESULT_FILE_BYTES_MAX, valid JSON
 * (no duplicate keys), an object, a schema_version this program reads, a
 * string git_rev if any.  kind (or NULL) starts the label.  0, or -1 with
 * the reason ("PATH: ...") in err. */
int result_load(result_file *f, const char *path, const char *kind, char *err, size_t cap);

/* The file's time as ISO-8601 UTC text, which sorts as time: "timestamp",
 * else "timestamp_unix" (meta results before version 3), else "". */
void result_timestamp(const json_t *root, char *buf, size_t cap);

/* The value at a dotted path ("store_usage.chunks", "stores.0.ingest"; a
 * number indexes an array): 1 and *out, 0 if it or a parent is absent or
 * null, -1 (message printed) if a parent is neither object nor array. */
int result_get(const result_file *f, const char *path, json_t **out);

/* A number at path, > lo (lo_open) or >= lo, and <= hi: 1 and *out, 0 if
 * absent or null, -1 (message printed) for another type or out of range. */
int result_num(const result_file *f, const char *path, double lo, int lo_open, double hi,
               double *out);

/* A string at path: 1 and *out, 0 if absent or null, -1 (message printed). */
int result_str(const result_file *f, const char *path, const char **out);

/* ---- checking against a field table -------------------------------------------- */

typedef enum { RF_STR, RF_INT, RF_NUM, RF_BOOL, RF_OBJ, RF_ARR, RF_NUMS } result_type;
#define RF_OPT    1u  /* may be absent: added after the field's first version */
#define RF_NULL   2u  /* may be null */
#define RF_SIGNED 4u  /* RF_INT: may be negative */

/* A field: its type; RF_OBJ: the fields of the object (or NULL: any);
 * RF_ARR: the fields of each element, at most count elements; RF_NUMS:
 * exactly count numbers.  A table ends with a NULL name. */
typedef struct result_field {
    const char                *name;
    result_type                type;
    unsigned                   flags;
    const struct result_field *sub;
    size_t                     count;
} result_field;

/* Every field of spec in obj (named prefix + name in errors): 0, or -1
 * with the message printed ("FILE: field "NAME": expected ..., got ..."). */
int result_check(const char *file, const json_t *obj, const result_field *spec,
                 const char *prefix);

/* What a value is, for an error: "a string", "-3", "null", ... (buf may
 * hold it). */
const char *result_got(const json_t *v, char *buf, size_t size);

/* The fields of run's result.json (docs/workloads.md, "DIR/result.json")
 * that a reader relies on; "benchmark" is checked on its own, "failure"'s
 * fields by result_run_failure_fields / result_run_not_injected_fields. */
extern const result_field result_run_fields[];
extern const result_field result_run_failure_fields[];
extern const result_field result_run_not_injected_fields[];
#define RESULT_RUN_TIMELINE_MAX 100000   /* points of one run's timeline */
#define RESULT_RUN_EVENTS_MAX   1000     /* events of one run */
#define RESULT_RUN_CDF_POINTS   101      /* step_wait_ms_cdf: the 0th..100th percentile */

#endif
