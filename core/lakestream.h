/*
 * lakestream.h -- the Lakestream core library: a brokerless training data
 * plane on object storage.
 *
 * OVERVIEW
 *
 * Producers (preprocessing jobs) append samples to a *table*; trainer ranks
 * read *steps*.  Step s of a table with global batch B is the samples
 * [s*B, (s+1)*B) in the table's single global order.  A step becomes
 * visible to every rank at once (when the commit that completes it lands)
 * and its content never changes afterwards: a Transactional Global Batch.
 * Rank r of a world of W ranks reads the slice
 * [s*B + r*B/W, s*B + (r+1)*B/W); W is chosen by the reader, so the world
 * size can change between steps without rewriting data.
 *
 * The only shared thing is an object store (ls_store) and the only
 * synchronisation is a create-if-absent write of the next log record.
 * See docs/protocol.md and docs/formats.md for what is stored where.
 *
 * CONVENTIONS
 *
 * - Every function that can fail returns an int: LS_OK (0) or an ls_err
 *   code.  A human-readable detail of the last error returned on the
 *   calling thread (naming the object, version or sample concerned) is
 *   available from ls_errmsg() until the next failing call on that thread.
 * - Handles are opaque, created by _new/_open and freed by _destroy/_close;
 *   passing NULL to a destructor is a no-op.
 * - Strings passed in are copied; nothing the caller passes in is kept
 *   unless the function says it takes ownership.
 * - The library never prints and never exits.
 * - Thread safety: an ls_store may be used from any number of threads at
 *   once.  ls_table, ls_producer and ls_consumer handles are meant for one
 *   thread at a time (the consumer's prefetcher is internal and safe).
 */
#ifndef LAKESTREAM_H
#define LAKESTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "lakestream_limits.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LS_VERSION_STR "0.1.0"

/* Untrusted text (a name from the command line, a key or message from a
 * server) made safe to quote in a message: the n bytes of s with '"' and
 * '\\' escaped and every byte outside printable ASCII written as \xNN,
 * truncated with "..." to fit cap bytes (NUL included).  Returns buf.
 * LS_QUOTE_BYTES is enough for any name Lakestream accepts. */
#define LS_QUOTE_BYTES 600
const char *ls_quote(char *buf, size_t cap, const char *s, size_t n);

/* ---------------------------------------------------------------------- */
/* Errors.  Codes are never renumbered.                                    */

typedef enum ls_err {
    LS_OK              = 0,
    LS_ERR_INVALID     = 1,  /* bad argument or configuration */
    LS_ERR_NOT_FOUND   = 2,  /* key, table or producer does not exist */
    LS_ERR_EXISTS      = 3,  /* put_if_absent lost: the key exists */
    LS_ERR_IO          = 4,  /* store I/O failed; retriable */
    LS_ERR_TIMEOUT     = 5,  /* no answer in time: outcome unknown, or a
                                step did not become visible in time; retriable */
    LS_ERR_CORRUPT     = 6,  /* an object failed validation (CRC, bounds, format) */
    LS_ERR_FENCED      = 7,  /* a newer epoch of this producer exists; final */
    LS_ERR_NOMEM       = 8,
    LS_ERR_LIMIT       = 9,  /* a limit of lakestream_limits.h would be exceeded */
    LS_ERR_UNSUPPORTED = 10, /* not implemented (see docs/) */
    LS_ERR_RECLAIMED   = 11, /* the step lies below the table's low watermark */
    LS_ERR_VERSION     = 12, /* unknown major format version */
    LS_ERR_STATE       = 13  /* the handle is not in a state for this call */
} ls_err;

/* Static name of an error code, e.g. "fenced". */
const char *ls_err2str(int err);

/* 1 if retrying the failed call may succeed (IO, TIMEOUT), else 0. */
int ls_err_is_retriable(int err);

/* Detail of the last error returned on this thread ("" if none).  Valid
 * until the next failing library call on this thread. */
const char *ls_errmsg(void);

/* ---------------------------------------------------------------------- */
/* Configuration: string key/value pairs, validated against one property
 * table: the core's, then each store backend's own (ls_store_backend).
 * ls_conf_describe() lists every property (name, default, range,
 * description) and drives docs/configuration.md and `lakestream --help`. */

typedef struct ls_conf ls_conf;

ls_conf *ls_conf_new(void);
ls_conf *ls_conf_dup(const ls_conf *conf);
void     ls_conf_destroy(ls_conf *conf);
/* LS_ERR_INVALID (unknown name, or value out of range) with detail. */
int      ls_conf_set(ls_conf *conf, const char *name, const char *value);
/* Current value (set or default) as a string owned by conf, or NULL if
 * the name is unknown. */
const char *ls_conf_get(const ls_conf *conf, const char *name);

typedef struct ls_conf_prop {
    const char *name;
    const char *type;          /* "int", "bool", "enum", "string" */
    const char *default_value;
    int64_t     min, max;      /* for "int" */
    const char *doc;
    const char *choices;       /* for "enum": the values, '|'-separated */
} ls_conf_prop;
/* Property i (0-based), or NULL past the end. */
const ls_conf_prop *ls_conf_describe(size_t i);

/* ---------------------------------------------------------------------- */
/* Object store.  A backend is a struct of function pointers (like
 * sqlite3_vfs).  Keys are relative, '/'-separated, at most LS_KEY_BYTES_MAX
 * bytes, without "..", "." or empty segments, leading '/' or NUL; the
 * ls_store_* wrappers validate them before calling the backend.
 *
 * Buffers returned by get/list are malloc()ed and owned by the caller. */

#define LS_GET_TO_END UINT64_MAX

typedef struct ls_store ls_store;

typedef struct ls_keylist {
    char  **keys;   /* n keys, each malloc()ed */
    size_t  n;
} ls_keylist;

/* One read of ls_store_get_many: in, the key and range as for get; out,
 * the result of that read alone. */
typedef struct ls_get_req {
    const char *key;
    uint64_t    off, len;
    uint8_t    *out;       /* malloc()ed on success, owned by the caller */
    size_t      out_len;
    int         rc;
} ls_get_req;

/* ls_store.caps: what a backend's calls cost. */
#define LS_STORE_CAP_INDEXED_LIST 1u  /* a list is one request however many keys the
                                         store holds (S3, mem; posix scans a directory) */

struct ls_store {
    const char *name;  /* backend name: "posix", "mem", "fault", ... */
    unsigned    caps;  /* LS_STORE_CAP_* */
    /* Unconditional atomic write: readers see the old or the new object. */
    int (*put)(ls_store *st, const char *key, const void *buf, size_t len);
    /* Create only.  LS_ERR_EXISTS if key exists.  Of N concurrent callers
     * on one key exactly one returns LS_OK. */
    int (*put_if_absent)(ls_store *st, const char *key, const void *buf, size_t len);
    /* Ranged read of [off, off+len) (len may be LS_GET_TO_END); a range past
     * the end is cut short.  *out is malloc()ed (never NULL on success),
     * *out_len its length. */
    int (*get)(ls_store *st, const char *key, uint64_t off, uint64_t len,
               uint8_t **out, size_t *out_len);
    int (*head)(ls_store *st, const char *key, uint64_t *size);
    /* Up to max keys starting with prefix and greater than start_after
     * (NULL: from the start), in lexicographic (memcmp) order. */
    int (*list)(ls_store *st, const char *prefix, const char *start_after,
                size_t max, ls_keylist *out);
    /* Idempotent: deleting a missing key is LS_OK. */
    int (*del)(ls_store *st, const char *key);
    /* Optional (NULL: the wrapper calls get for each): the n reads at once,
     * e.g. in parallel over several connections.  Sets every reqs[i].rc
     * and returns the first failure in request order (LS_OK if none). */
    int (*get_many)(ls_store *st, ls_get_req *reqs, size_t n);
    void (*close)(ls_store *st);
    void *impl;  /* backend state */
};

/* Open a store by URI: "scheme://rest" goes to the backend registered for
 * scheme (below), a URI without "://" is a path for the file backend.
 * Built in:
 *   "file:///abs/path" or a plain path  -> posix (directory created if missing)
 *   "mem://"                            -> a new, empty in-process store
 *   "s3://bucket[/prefix]"              -> S3 or an S3-compatible server
 *                                          (docs/s3.md; the bucket must exist).
 *                                          A build configured with
 *                                          LS_WITH_S3=OFF has no S3 client:
 *                                          LS_ERR_UNSUPPORTED
 * conf may be NULL; it is read, not kept (each backend reads its own
 * properties: "store.fsync" for posix, the "s3.*" properties for s3; S3
 * credentials come from the environment).  With store.fault.* set the
 * backend's store is wrapped in the fault store.  LS_ERR_INVALID for an
 * unknown scheme, naming the registered ones. */
int  ls_store_open(const char *uri, const ls_conf *conf, ls_store **out);
void ls_store_close(ls_store *st);

/* A store backend: the URI scheme it answers, the properties it reads, and
 * how it opens a store (like sqlite3_vfs).  Registered once per process
 * with ls_store_register; never copied, so the descriptor and everything it
 * points to must stay valid and unchanged until the process exits. */
typedef struct ls_store_backend ls_store_backend;
struct ls_store_backend {
    const char *scheme;   /* URIs "scheme://...": a lowercase letter, then lowercase
                             letters, digits, '+', '-', '.'; at most
                             LS_STORE_SCHEME_BYTES_MAX bytes */
    const char *uri_doc;  /* the URI forms it opens, one line, e.g. "count:///abs/path" */
    /* nprops properties the backend reads from a conf (NULL if none).
     * Once registered, ls_conf_set accepts them, ls_conf_get reads them and
     * ls_conf_describe lists them after the core's and earlier backends'.
     * Names must be new to the process (the core's and every registered
     * backend's); a default must be valid for its type and range. */
    const ls_conf_prop *props;
    size_t              nprops;
    /* Open the store uri names: the URI as given to ls_store_open (for
     * "file", possibly a plain path).  conf may be NULL (defaults).  On
     * failure *out is NULL and the error detail set.  Called from any
     * thread. */
    int (*open)(const ls_store_backend *be, const char *uri, const ls_conf *conf,
                ls_store **out);
    void *arg;            /* the backend's own, for open */
};

/* Add a backend, from any thread, before ls_store_open meets its scheme.
 * LS_ERR_INVALID for a malformed descriptor (scheme, NULL open, a property
 * that is not well formed), LS_ERR_EXISTS for a scheme or property name
 * already registered (there is no unregister), LS_ERR_LIMIT past
 * LS_STORE_BACKENDS_MAX backends. */
int ls_store_register(const ls_store_backend *be);
/* The backend registered for scheme (without "://"), or NULL. */
const ls_store_backend *ls_store_backend_find(const char *scheme);
/* Backend i (0-based) in registration order, the built-in file, mem and s3
 * first; NULL past the end. */
const ls_store_backend *ls_store_backend_at(size_t i);
/* 1 if ls_store_open would hand uri to a backend: a plain path (no "://"),
 * or the URI of a registered scheme (whether the rest is well formed is
 * the backend's to say at open).  0 otherwise, and for NULL.  No side
 * effect: for checking a configuration before any store is opened. */
int ls_store_scheme_known(const char *uri);

int  ls_store_posix_new(const char *root_dir, int fsync_on, ls_store **out);
int  ls_store_mem_new(ls_store **out);
int  ls_store_s3_new(const char *uri, const ls_conf *conf, ls_store **out);

/* Key-validating wrappers; use these rather than the function pointers. */
int  ls_store_put(ls_store *st, const char *key, const void *buf, size_t len);
int  ls_store_put_if_absent(ls_store *st, const char *key, const void *buf, size_t len);
int  ls_store_get(ls_store *st, const char *key, uint64_t off, uint64_t len,
                  uint8_t **out, size_t *out_len);
int  ls_store_head(ls_store *st, const char *key, uint64_t *size);
int  ls_store_list(ls_store *st, const char *prefix, const char *start_after,
                   size_t max, ls_keylist *out);
int  ls_store_delete(ls_store *st, const char *key);
/* Several gets at once (in parallel where the backend can); see get_many. */
int  ls_store_get_many(ls_store *st, ls_get_req *reqs, size_t n);
void ls_keylist_free(ls_keylist *kl);
/* 1 if key is acceptable (see above), else 0. */
int  ls_key_is_valid(const char *key);

/* Fault-injecting wrapper, for tests (SQLite test_vfs style).  Takes
 * ownership of inner.  Calls are numbered from 1 in the order they reach
 * the wrapper (all ops counted unless op_mask says otherwise).  Every
 * random choice comes from seed, so a run replays exactly. */
enum {
    LS_FAULT_OP_PUT = 1, LS_FAULT_OP_PUT_IF_ABSENT = 2, LS_FAULT_OP_GET = 4,
    LS_FAULT_OP_HEAD = 8, LS_FAULT_OP_LIST = 16, LS_FAULT_OP_DELETE = 32,
    LS_FAULT_OP_ALL = 63
};
typedef struct ls_fault_opts {
    uint64_t seed;
    unsigned op_mask;          /* which ops are counted/faulted; 0 = ALL */
    uint64_t fail_at;          /* call number that fails with LS_ERR_IO without
                                  side effect (0 = never) */
    int      fail_persist;     /* 1: every call from fail_at on fails */
    uint64_t lost_reply_at;    /* call number that is executed but answers
                                  LS_ERR_TIMEOUT (0 = never) */
    double   error_rate;       /* probability a counted call fails, no effect */
    double   lost_reply_rate;  /* probability a counted call's reply is lost */
    unsigned latency_ms_max;   /* uniform random delay per call, 0..max */
    uint64_t crash_at;         /* call number before which crash_cb runs (0 = never) */
    void   (*crash_cb)(void *arg);
    void    *crash_arg;
} ls_fault_opts;
int ls_store_fault_new(ls_store *inner, const ls_fault_opts *opts, ls_store **out);
/* Replace the options of a fault store: numbering restarts at 1 and the
 * random stream at opts->seed (NULL: no faults). */
int ls_store_fault_set(ls_store *st, const ls_fault_opts *opts);
/* Counted calls so far, and faults injected so far. */
uint64_t ls_store_fault_calls(const ls_store *st);
uint64_t ls_store_fault_injected(const ls_store *st);

/* ---------------------------------------------------------------------- */
/* Tables. */

typedef enum ls_codec { LS_CODEC_NONE = 0, LS_CODEC_ZSTD = 1 } ls_codec;

/* Create table `name` with global batch B (1..LS_GLOBAL_BATCH_MAX).
 * LS_ERR_EXISTS if it exists, LS_ERR_INVALID for a bad name or B. */
int ls_table_create(ls_store *st, const char *name, uint32_t global_batch,
                    ls_codec codec);
/* ls_table_create with the table properties of conf (may be NULL): today
 * table.log.retention.ms, kept in the descriptor for every process. */
int ls_table_create_conf(ls_store *st, const char *name, uint32_t global_batch,
                         ls_codec codec, const ls_conf *conf);

/* 1 if name is a valid table name (also used for producer ids). */
int ls_name_is_valid(const char *name);

/* What an object under a table is, from its key's part after "<table>/"
 * (for tools that account for a table's objects; docs/formats.md). */
typedef enum ls_object_kind {
    LS_OBJECT_OTHER = 0,        /* the hint, GC's marks, foreign objects */
    LS_OBJECT_LOG_RECORD = 1,   /* _log/<v:020> */
    LS_OBJECT_SNAPSHOT = 2,     /* _log/<v:020>.snapshot */
    LS_OBJECT_CHUNK = 3,        /* data/<producer>/<epoch>-<seq> */
    LS_OBJECT_DESCRIPTOR = 4,   /* _table */
    LS_OBJECT_STEP_INDEX = 5    /* _steps/<s:020> (table format 2) */
} ls_object_kind;
ls_object_kind ls_object_kind_of(const char *rel_key);

typedef struct ls_table ls_table;

/* Open a table and load its newest state (LS_ERR_NOT_FOUND if none).
 * The store must outlive the table.  conf may be NULL (copied). */
int  ls_table_open(ls_store *st, const char *name, const ls_conf *conf, ls_table **out);
void ls_table_close(ls_table *t);
/* Catch up with the log: read the records committed since the last load. */
int  ls_table_refresh(ls_table *t);

typedef struct ls_table_info {
    uint64_t version;            /* newest log version known */
    uint64_t total_samples;      /* N */
    uint64_t visible_steps;      /* floor(N / B) */
    uint32_t global_batch;       /* B */
    ls_codec codec;
    uint64_t snapshot_version;   /* snapshot the state was loaded from (0: none) */
    uint64_t low_watermark_step;
    size_t   producers;          /* number of producer ids */
    size_t   commits;            /* retained data commits */
    int      table_format;       /* 1: the log alone; 2: with step indexes (docs/formats.md) */
} ls_table_info;
int ls_table_info_get(ls_table *t, ls_table_info *out);

/* The step holding the first sample of the first retained commit whose
 * record's timestamp is at or after ts_ms (wall-clock milliseconds), as
 * loaded by the last refresh; LS_ERR_NOT_FOUND (and *step = the visible
 * end) if none is.  Reads O(log commits) records (step_time.c). */
int ls_table_step_at_time(ls_table *t, int64_t ts_ms, uint64_t *step);

typedef struct ls_producer_info {
    const char *id;              /* owned by the table, valid until next refresh */
    uint64_t epoch, last_seq, last_version;
    size_t   source_position_len;
} ls_producer_info;
/* Producer i in id order; LS_ERR_NOT_FOUND past the end. */
int ls_table_producer_get(ls_table *t, size_t i, ls_producer_info *out);

/* ---------------------------------------------------------------------- */
/* Checkpoints and retention.
 *
 * A trainer that has durably saved a model checkpoint covering steps
 * [0, step) registers it under a name; restoring that model checkpoint
 * later means reading from `step` on, at the same or another world size,
 * byte-identical to the first time.  Release the name when the model
 * checkpoint is deleted.  GC reclaims storage only below the lowest step
 * a live checkpoint needs (the low watermark); with no live checkpoint
 * nothing is reclaimed.  A read below the watermark fails with
 * LS_ERR_RECLAIMED, never with other data. */

/* Register (or move) checkpoint `name` at `step` (<= the visible steps).
 * LS_ERR_RECLAIMED if step lies below the watermark. */
int ls_checkpoint_register(ls_store *st, const char *table, const char *name, uint64_t step,
                           const ls_conf *conf);
/* Release `name` (LS_ERR_NOT_FOUND if never registered; releasing twice
 * is LS_OK). */
int ls_checkpoint_release(ls_store *st, const char *table, const char *name,
                          const ls_conf *conf);
/* The same on an open table, which saves reading the table's state again:
 * the handle's state is brought up to date only as far as the commit needs
 * (a process that registers often, like a consumer at every checkpoint,
 * keeps its handle).  Not for concurrent use of one handle. */
int ls_table_checkpoint_register(ls_table *t, const char *name, uint64_t step);
int ls_table_checkpoint_release(ls_table *t, const char *name);

typedef struct ls_checkpoint_info {
    const char *name;     /* owned by the table, valid until its next refresh */
    uint64_t    step;
    int         live;     /* 0 once released */
} ls_checkpoint_info;
/* Checkpoint i in name order; LS_ERR_NOT_FOUND past the end. */
int ls_table_checkpoint_get(ls_table *t, size_t i, ls_checkpoint_info *out);

/* Per-rank checkpoints of a job (docs/checkpoints.md, "Per-rank
 * progress"): rank `rank` of a job of `world` ranks records that it has
 * consumed every step before `step`, as an object outside the log, and the
 * log keeps one checkpoint named `job` at a step no rank of it is below
 * (rank 0 raises it once every rank has committed), so GC never reclaims
 * what a rank needs and checkpointing W ranks does not write W log records.
 * A rank's first commit, and a commit below its previous step, register
 * "<job>.r<rank>" in the log first (LS_ERR_RECLAIMED below the watermark).
 * When rank 0 raises the job's checkpoint it also releases the live
 * checkpoints whose names start with release_prefix but are not the job's
 * (the same group at other world sizes; NULL or "": none) and deletes
 * their jobs' objects.  job: a valid checkpoint name, with ".r<rank>" too. */
int ls_rank_checkpoint_commit(ls_table *t, const char *job, uint32_t world, uint32_t rank,
                              uint64_t step, const char *release_prefix);
/* The step each rank of job last committed: steps[world] (UINT64_MAX where
 * a rank has none), seqs[world] (may be NULL); *complete = 1 if every rank
 * has one. */
int ls_rank_checkpoint_get(ls_table *t, const char *job, uint32_t world, uint64_t *steps,
                           uint64_t *seqs, int *complete);
/* Delete job's per-rank objects (its log checkpoints are not touched). */
int ls_rank_checkpoint_drop(ls_table *t, const char *job);

typedef struct ls_gc_report {
    uint64_t previous_watermark_step, low_watermark_step;
    uint64_t checkpoints_released;             /* beyond keep_last */
    uint64_t chunks_deleted, chunk_bytes_deleted;       /* below the watermark */
    uint64_t orphans_deleted, orphan_bytes_deleted;     /* never committed */
    uint64_t records_deleted, record_bytes_deleted;     /* log records */
    uint64_t snapshots_deleted, snapshot_bytes_deleted;
    uint64_t log_cut_version;  /* records and snapshots below it were eligible */
    uint64_t marks_deleted;    /* run marks of earlier GCs, superseded */
    uint64_t step_indexes_deleted, step_index_bytes_deleted;  /* below the watermark */
} ls_gc_report;

/* Garbage-collect a table; safe to run concurrently with producers,
 * readers and other GCs.  keep_last > 0 keeps only the keep_last live
 * checkpoints with the highest steps (the others are released).  Steps:
 * commit the new watermark; delete the step indexes below it (table format
 * 2), then the chunks wholly below it; delete orphan
 * chunks (of a fenced epoch, or of the current epoch at or below its
 * last_seq, and not referenced); write a snapshot and move the hint to it;
 * delete log records and snapshots older than table.log.retention.ms
 * before it, except records still holding offsets of retained steps. */
int ls_table_gc(ls_store *st, const char *table, uint32_t keep_last, const ls_conf *conf,
                ls_gc_report *out);

/* ---------------------------------------------------------------------- */
/* Producers.
 *
 * ls_producer_open() registers a new incarnation of producer `id`: it
 * commits an epoch bump (so any older incarnation gets LS_ERR_FENCED on its
 * next commit) and hands back the source position stored by the last
 * commit of this id.  Samples are appended to a buffer, packed into chunk
 * objects and committed in groups (group commit); the delivery callback
 * of a sample fires, from inside append/flush/poll on the caller's thread,
 * only once the commit holding it is in the log (err LS_OK), or when it can
 * never be (err != 0, e.g. LS_ERR_FENCED).
 *
 * When a commit is due follows producer.commit.policy: dac (the default)
 * adapts the interval to this producer's conflicts and commit latency,
 * starting from producer.commit.interval.ms (docs/dac.md); fixed commits
 * every producer.commit.interval.ms; manual only in ls_producer_flush.
 *
 * Properties used: producer.commit.policy, producer.commit.interval.ms,
 * producer.commit.bytes.max, producer.dac.interval.ms.min / .max,
 * producer.dac.latency.factor, producer.chunk.bytes.max,
 * producer.chunk.samples.max, table.snapshot.interval, codec.zstd.level. */

typedef struct ls_producer ls_producer;

typedef void (ls_delivery_cb)(void *msg_opaque, int err, void *cb_opaque);

int  ls_producer_open(ls_store *st, const char *table, const char *id,
                      const ls_conf *conf, ls_producer **out);
void ls_producer_set_delivery_cb(ls_producer *p, ls_delivery_cb *cb, void *cb_opaque);
/* Source position committed by this id's last commit (may be empty).
 * Owned by p; valid until the next commit. */
const void *ls_producer_source_position(ls_producer *p, size_t *len);
/* The position to store with the next commit (copied; <= 4 KiB). */
int  ls_producer_set_source_position(ls_producer *p, const void *pos, size_t len);
/* Append one sample (copied).  LS_OK means the sample is accepted and its
 * delivery callback will fire exactly once; an error means it was not
 * accepted (LS_ERR_LIMIT: too large, or too much uncommitted data;
 * LS_ERR_FENCED and other final errors).  May write a chunk or commit (when
 * the commit interval or byte ceiling is reached); a commit failing there
 * keeps its samples buffered and is retried by the next append, poll or
 * flush, and flush returns the error. */
int  ls_producer_append(ls_producer *p, const void *sample, size_t len, void *msg_opaque);
/* ls_producer_append, and the source position after this sample, in one
 * step: any commit carries exactly the samples appended so far with the
 * position after the last of them (what ls_producer_open hands back to a
 * restarted producer).  On error neither is taken. */
int  ls_producer_append_at(ls_producer *p, const void *sample, size_t len, void *msg_opaque,
                           const void *pos, size_t pos_len);
/* Write and commit everything appended so far.  LS_OK: all of it is in
 * the log.  A retriable error (LS_ERR_IO, LS_ERR_TIMEOUT) leaves it
 * buffered; calling flush again resumes the same commit and never commits
 * a sample twice. */
int  ls_producer_flush(ls_producer *p);
/* Commit if the commit interval has elapsed; fire due callbacks. */
int  ls_producer_poll(ls_producer *p);
/* Samples appended but not yet committed. */
size_t ls_producer_pending(const ls_producer *p);
/* Where a delivered sample landed, asked from inside p's delivery callback
 * for it (err LS_OK): *sample, its number in the table's global order;
 * *step = *sample / B and *index = *sample % B, its place in that step,
 * where every reader of the table finds it (any pointer may be NULL).
 * LS_ERR_STATE outside a delivery callback; LS_ERR_NOT_FOUND for a failed
 * delivery, or when the commit's place is no longer known (reclaimed by GC
 * before the producer learned that it landed). */
int  ls_producer_delivery_place(const ls_producer *p, uint64_t *sample, uint64_t *step,
                                uint32_t *index);
/* Drop appended samples that are not committed, without committing them;
 * the producer stays usable.  what: LS_PURGE_QUEUED, samples no commit
 * attempt has carried yet (callbacks with LS_ERR_STATE, as at close);
 * LS_PURGE_INFLIGHT, those of the in-flight commit, one whose last attempt
 * failed with an unknown outcome (a retriable error from flush, poll or
 * append; callbacks with LS_ERR_TIMEOUT: they may or may not be in the
 * log, and that commit is never retried).  A commit left in flight is
 * finished by the next flush.  The source position to commit next goes
 * with the samples it followed (the committed one stays).  Waits for the
 * chunk writes in progress.  LS_OK, also when there is nothing to purge. */
#define LS_PURGE_QUEUED   1u
#define LS_PURGE_INFLIGHT 2u
int  ls_producer_purge(ls_producer *p, unsigned what);
/* Close without committing pending samples (their callbacks fire with
 * LS_ERR_STATE).  Call flush first to commit. */
void ls_producer_close(ls_producer *p);

typedef struct ls_producer_stats {
    /* conflicts: attempts lost to a concurrent commit after the producer
     * had read the log forward (races, which DAC backs off from);
     * stale_attempts: attempts lost because it had not read forward, as a
     * lone committer does not, when another producer appears. */
    uint64_t commits, commit_attempts, conflicts, stale_attempts, lost_replies;
    double   commit_interval_ms;  /* the interval in force (DAC adapts it) */
    uint64_t samples_committed, bytes_committed;  /* bytes: stored chunk bytes */
    uint64_t chunks_written;
    uint64_t commit_ns_total, chunk_write_ns_total;
    uint64_t epoch;
    /* Metadata reads of its commits so far (GETs, HEADs and LISTs of the
     * log and of GC's marks; docs/protocol.md "The tail"), and how many of
     * its catch-ups listed the log and took records from a tail. */
    uint64_t meta_requests, log_jumps;
} ls_producer_stats;
void ls_producer_stats_get(const ls_producer *p, ls_producer_stats *out);

/* ---------------------------------------------------------------------- */
/* Data-lake sources.
 *
 * A source reads the samples a producer ingests from a dataset: a
 * directory of Avro object container files (Avro specification, "Object
 * Container Files"; codecs "null" and "deflate").  The files read are the
 * regular files (or links to them) whose names end in ".avro" and do not
 * start with '.', in byte order of their names (strcmp); anything else in
 * the directory is ignored.  A sample is the value of one field of each
 * record, of type bytes or string (a string without its terminating NUL),
 * or a union of null with those (a null value is then an error).  Records
 * are decoded in the file's own (writer's) schema, which may differ between
 * files as long as each has the field.
 *
 * The source has a position: the point just after the last sample it
 * returned, as at most LS_SOURCE_POSITION_BYTES_MAX opaque bytes (format in
 * docs/formats.md).  Stored with the samples in the same commit
 * (ls_producer_set_source_position), it lets a restarted producer resume
 * exactly after the last committed sample: reopening at a position seeks to
 * its block by reading only block headers, so earlier records are never
 * decoded.  After the last file the source looks for files with greater
 * names (at ls_source_open and whenever it reaches the end of those it
 * knows), so a dataset may grow by adding files that sort last; a file may
 * not change once it is read.
 *
 * Errors name the file and, where relevant, the block (by index and byte
 * offset) and the record within it, or the type of its schema: the writer
 * schema is checked before avro-c parses it (docs/formats.md).
 * LS_ERR_CORRUPT for a malformed file (bad magic, sync marker, truncation,
 * undecodable record, a schema that does not parse or names a type twice),
 * LS_ERR_UNSUPPORTED for another codec or a recursive schema (a named type
 * used within its own definition), LS_ERR_LIMIT for a block, header,
 * schema or record beyond lakestream_limits.h, LS_ERR_INVALID for a field
 * that is missing, not bytes/string, or null, LS_ERR_IO for a failed read,
 * LS_ERR_NOT_FOUND for a file removed after it was listed (the next call
 * lists again).  A failed ls_source_next leaves the position unchanged:
 * calling it again retries the same sample.  An ls_source is for one
 * thread at a time. */

typedef struct ls_source ls_source;

/* Open the dataset in directory dir (path copied); field (copied) names
 * the record field holding the sample.  pos/pos_len: a position from
 * ls_source_position(), possibly of an earlier process (NULL/0: the start
 * of the dataset).  A position that does not match the dataset (bad
 * encoding, its file gone, its block beyond the file or not at the recorded
 * offset, a record index beyond the block) is LS_ERR_INVALID naming why.
 * The first file's header is read here, so a missing field or an unknown
 * codec in it fails the open.  LS_ERR_NOT_FOUND if dir does not exist. */
int  ls_source_open(const char *dir, const char *field, const void *pos, size_t pos_len,
                    ls_source **out);
/* The next sample: *data and *len (owned by s) stay valid until the next call
 * of ls_source_next or ls_source_close on s.  At the end of the dataset:
 * LS_OK with *eof = 1 (and *data NULL, *len 0); a later call looks for new
 * files again.  Otherwise *eof = 0. */
int  ls_source_next(ls_source *s, const void **data, size_t *len, int *eof);
/* The position just after the last sample returned by ls_source_next (the
 * position s was opened at, before the first; *len = 0 for the start of
 * the dataset).  Owned by s, valid until the next call on s; *len <=
 * LS_SOURCE_POSITION_BYTES_MAX. */
const void *ls_source_position(ls_source *s, size_t *len);

/* Counters for reports, since ls_source_open. */
typedef struct ls_source_stats {
    uint64_t files_opened;
    uint64_t blocks_read;      /* blocks read and decoded */
    uint64_t blocks_skipped;   /* blocks passed over by their header only (resuming) */
    uint64_t records_read;     /* samples returned */
    uint64_t records_skipped;  /* records passed over without decoding (resuming) */
    uint64_t bytes_read;       /* file bytes read: headers, blocks, sync markers */
} ls_source_stats;
void ls_source_stats_get(const ls_source *s, ls_source_stats *out);
void ls_source_close(ls_source *s);

/* ---------------------------------------------------------------------- */
/* Consumers.
 *
 * A consumer reads the steps of one table for one (rank, world_size).
 * With consumer.prefetch.steps = d > 0, a background thread reads the d
 * steps after the last one requested. */

typedef struct ls_consumer ls_consumer;

typedef struct ls_batch {
    uint64_t step;
    uint32_t rank, world_size;
    uint64_t first_sample;   /* global index of sample 0 of this slice */
    size_t   count;          /* B / W */
    const uint8_t **samples; /* count pointers into this batch's memory */
    const size_t   *lens;
} ls_batch;

int  ls_consumer_open(ls_store *st, const char *table, uint32_t rank,
                      uint32_t world_size, const ls_conf *conf, ls_consumer **out);
void ls_consumer_close(ls_consumer *c);
/* Read this rank's slice of step `step`, waiting up to timeout_ms for it
 * to become visible (LS_ERR_TIMEOUT if it does not).  *out is owned by
 * the caller: free it with ls_batch_destroy(). */
int  ls_consumer_read_step(ls_consumer *c, uint64_t step, int timeout_ms, ls_batch **out);
void ls_batch_destroy(ls_batch *b);

typedef struct ls_read_stats {
    uint64_t bytes_fetched;      /* data-object bytes read from the store */
    uint64_t bytes_needed;       /* stored bytes of the samples delivered */
    uint64_t bytes_delivered;    /* decoded bytes delivered */
    uint64_t meta_bytes_fetched; /* log, snapshot and descriptor bytes */
    uint64_t requests;           /* store calls of any kind */
    uint64_t data_requests;
    uint64_t steps, samples;
    uint64_t wait_ns_total;      /* time spent waiting for visibility */
    /* Table format 2 (docs/protocol.md "Step index"): */
    uint64_t polls;              /* visibility polls (each one request) */
    uint64_t index_steps;        /* steps read through their index */
    uint64_t log_steps;          /* steps read through the commit records */
    uint64_t index_missing;      /* of those, because the index did not exist */
    uint64_t index_refused;      /* indexes refused (damaged, foreign): read from the log */
    uint64_t index_written;      /* missing indexes this reader wrote (rank 0) */
    uint64_t log_refreshes;      /* reads of the log while waiting */
    uint64_t group_reads;        /* group indexes read (each 16 steps' slices) */
    uint64_t group_steps;        /* steps read through a group index (in index_steps) */
    uint64_t group_dear;         /* groups left unread: their names cost too much */
} ls_read_stats;
void ls_consumer_stats_get(ls_consumer *c, ls_read_stats *out);
/* A process-wide counter that rises whenever a consumer's prefetch thread
 * has put steps into its window; ls_consumer_progress_wait returns when it
 * differs from seen (1) or after timeout_ms (0).  For a caller polling
 * several consumers with timeout 0 (the Kafka shim): it waits for the data
 * instead of sleeping. */
uint64_t ls_consumer_progress(void);
int      ls_consumer_progress_wait(uint64_t seen, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* LAKESTREAM_H */
