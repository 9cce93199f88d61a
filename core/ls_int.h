/*
 * ls_int.h -- internal interfaces between the core's modules, and the
 * internal assertion LS_ASSERT (docs/invariants.md).
 *
 *   err.c          error names, the thread-local error detail (ls_seterr),
 *                  and the report of a failed LS_ASSERT
 *   util.c         growable byte buffer, quoting untrusted strings for
 *                  messages, CRC32C, clocks, randomness
 *   conf.c         the property table: the core's and each backend's
 *   keys.c         the key layout: format, parse and validate every key
 *   store.c        URI parsing, the scheme table and dispatch, key-validating
 *                  wrappers
 *   store_builtin.c  the built-in backends' descriptors (file, mem, s3) and
 *                  their properties
 *   store_posix.c, store_mem.c, store_fault.c   backends
 *   store_s3.c, s3_resp.c, s3_list.c   the S3 backend (its own s3_int.h), built
 *                  with LS_WITH_S3=ON; store_s3_none.c stands in without it
 *   chunk.c        data chunk format (docs/formats.md): build, validate, check
 *                  and decode one sample
 *   record.c       Avro encoding of descriptors, commit records, snapshots
 *                  (schemas/), the pre-scan of untrusted Avro, and the rules
 *                  each obeys, checked before writing and after reading
 *   state.c        the pure state update (apply a record), checks before a commit
 *   table.c        creating a table, loading and refreshing its state from
 *                  snapshot and log, the record cache
 *   log_tail.c     the tail of a commit record: copies of the records below
 *                  it, and the jump that reads them with one LIST and one GET
 *   commit.c       the commit protocol: put_if_absent, races, lost replies;
 *                  applying our own record, its snapshot and step indexes
 *   step_index.c   per-step index objects: build, publish, decode
 *   step_group.c   group indexes: 16 steps' indexes transposed for one read
 *   index_pub.c    a producer's index publisher thread, off the commit path
 *   step_time.c    from a wall-clock time to a step (commit timestamps)
 *   reclaim.c      GC's marks before it frees log slots, and the check
 *                  that a record read or written is live
 *   retention.c    checkpoint registration and release, the low watermark, GC
 *   rank_ckpt.c    per-rank checkpoints of a job, one log checkpoint per job
 *   dac.c          the adaptive commit interval controller (pure)
 *   producer.c     append, chunk writeback, group commit, fencing, dedup
 *   consumer.c     step reads through step, group indexes or the log,
 *                  coalesced ranged GETs, runs of small slices, prefetcher
 *   source_avro.c  data-lake source: Avro object container files
 *   source_schema.c  the writer schema of a source file, checked before avro-c
 *   lakestream.h   the public API; lakestream_limits.h every limit
 *   cli/           the lakestream command (not part of the library)
 */
#ifndef LS_INT_H
#define LS_INT_H

#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#include "lakestream.h"

/* ---- internal assertions (docs/invariants.md) --------------------------
 *
 * LS_ASSERT(cond) checks an invariant of the core's own making: a value the
 * code computed, or a property a decoder has already validated, asserted
 * where it is written and again where it is read.  Never untrusted input:
 * every object read from a store is checked and refused with an error
 * (LS_ERR_CORRUPT), never asserted.  On in builds without NDEBUG (Debug),
 * and where LS_ASSERTS is defined (CMake LS_ASSERTS=ON, LS_SANITIZE=ON,
 * LS_FUZZ=ON); a failure reports the condition on stderr and aborts, the
 * one place the library prints.  Off, the condition is not evaluated.
 * Checks that loop are written `if (LS_ASSERTS_ON) { ... }`. */
#if !defined(NDEBUG) || defined(LS_ASSERTS)
#define LS_ASSERTS_ON 1
#define LS_ASSERT(cond) \
    ((cond) ? (void)0 : ls_assert_fail(#cond, __FILE__, __LINE__, __func__))
#else
#define LS_ASSERTS_ON 0
#define LS_ASSERT(cond) ((void)sizeof(!(cond)))
#endif
_Noreturn void ls_assert_fail(const char *cond, const char *file, int line, const char *func);

/* ---- errors (err.c) ---------------------------------------------------- */

/* Record a detail for the calling thread and return err, so that callers
 * write `return ls_seterr(LS_ERR_CORRUPT, "%s: bad footer", key);`. */
int ls_seterr(int err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prefix the current detail with "<what>: " and return err. */
int ls_preferr(int err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- configuration (conf.c) -------------------------------------------- */

/* 1 if name was set in conf (not left at its default). */
int ls_conf_is_set(const ls_conf *conf, const char *name);

/* ---- utilities (util.c) ------------------------------------------------ */

typedef struct ls_bytes {
    uint8_t *data;
    size_t   len, cap;
} ls_bytes;

int  ls_bytes_reserve(ls_bytes *b, size_t extra);       /* LS_ERR_NOMEM */
int  ls_bytes_append(ls_bytes *b, const void *p, size_t n);
void ls_bytes_free(ls_bytes *b);

/* ls_quote (lakestream.h) of a NUL-terminated string, for an error message
 * argument: valid until the same thread's fourth call after this one. */
const char *ls_q(const char *s);

static inline void ls_put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline uint32_t ls_get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
           (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void ls_put_u64le(uint8_t *p, uint64_t v)
{
    ls_put_u32le(p, (uint32_t)v); ls_put_u32le(p + 4, (uint32_t)(v >> 32));
}
static inline uint64_t ls_get_u64le(const uint8_t *p)
{
    return (uint64_t)ls_get_u32le(p) | (uint64_t)ls_get_u32le(p + 4) << 32;
}
static inline void ls_put_u16le(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
}
static inline uint16_t ls_get_u16le(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* CRC32C (Castagnoli), standard init/final XOR: crc32c("123456789") =
 * 0xE3069283.  Backed by ISA-L's crc32_iscsi. */
uint32_t ls_crc32c(const void *buf, size_t len);
/* The CRC32C of (what crc covers) followed by buf: ls_crc32c(x || y) ==
 * ls_crc32c_extend(ls_crc32c(x), y), and ls_crc32c(x) == ls_crc32c_extend(0, x). */
uint32_t ls_crc32c_extend(uint32_t crc, const void *buf, size_t len);

uint64_t ls_now_ns(void);        /* CLOCK_MONOTONIC */
int64_t  ls_wall_ms(void);       /* CLOCK_REALTIME */
void     ls_sleep_ms(unsigned ms);
/* Sleep *ms, then double it up to max_ms: the retry backoff of store calls
 * (start at 1 ms, LS_RETRY_BACKOFF_MS_MAX). */
void     ls_backoff(unsigned *ms, unsigned max_ms);
/* 16 random bytes from getrandom(); LS_ERR_IO if unavailable. */
int      ls_random_bytes(void *buf, size_t len);
/* splitmix64 step: deterministic pseudo-random stream for tests/jitter. */
uint64_t ls_splitmix64(uint64_t *state);

/* ---- store URIs (store.c) ---------------------------------------------- */

/* What ls_store_open makes of a URI, found without side effects: no
 * directory is created and no connection made, so untrusted URIs can be
 * checked (and fuzzed) alone.  The built-in backends' open and
 * ls_store_s3_new use it.  OTHER: a scheme registered from outside the
 * core, whose URIs only its backend parses. */
typedef enum ls_store_uri_kind {
    LS_STORE_URI_POSIX = 1, LS_STORE_URI_MEM = 2, LS_STORE_URI_S3 = 3,
    LS_STORE_URI_OTHER = 4
} ls_store_uri_kind;

#define LS_S3_BUCKET_BYTES_MAX 63u            /* S3's own limit */
#define LS_S3_PREFIX_BYTES_MAX (LS_KEY_BYTES_MAX / 2)

typedef struct ls_store_uri {
    int         kind;         /* ls_store_uri_kind */
    const char *path;         /* posix: the root directory, points into the URI;
                                 other: the whole URI */
    char        bucket[LS_S3_BUCKET_BYTES_MAX + 1];  /* s3 */
    char        prefix[LS_S3_PREFIX_BYTES_MAX + 2];  /* s3: "" or a valid key + "/" */
} ls_store_uri;

/* Parse uri (file:///abs/path, a plain path, mem://, s3://bucket[/prefix],
 * or scheme:// of a registered backend).  LS_ERR_INVALID or LS_ERR_LIMIT
 * with the detail ls_store_open reports. */
int ls_store_uri_parse(const char *uri, ls_store_uri *out);

/* The built-in backends (store_builtin.c), the first three of the scheme
 * table.  s3's is there in every build; without LS_WITH_S3 its open
 * (store_s3_none.c) answers LS_ERR_UNSUPPORTED. */
extern const ls_store_backend ls_store_backend_file, ls_store_backend_mem,
    ls_store_backend_s3;

/* For ls_store_register (conf.c): the property of that name, the core's or
 * a registered backend's, or NULL; and whether p is well formed (a name of
 * 1..LS_CONF_NAME_BYTES_MAX bytes of [a-z0-9._-], a known type, a default
 * valid for it, min <= max for "int", choices for "enum", a doc): LS_OK or
 * LS_ERR_INVALID with the detail. */
const ls_conf_prop *ls_conf_prop_find(const char *name);
int ls_conf_prop_check(const ls_conf_prop *p);

/* Every key under prefix, page by page (LS_LIST_KEYS_MAX each), counting
 * the list calls into *requests. */
int ls_store_list_all(ls_store *st, const char *prefix, ls_keylist *all, uint64_t *requests);

/* ---- configuration (conf.c) -------------------------------------------- */

/* Typed getters for properties of the table; a NULL conf reads defaults.
 * Asserts that name is a known property of the right type. */
int64_t ls_conf_int(const ls_conf *conf, const char *name);
int     ls_conf_bool(const ls_conf *conf, const char *name);

/* ---- data chunks (chunk.c) --------------------------------------------- */

/* A chunk object (docs/formats.md):
 *   header  "LSC1" | u16 format_version | u8 codec | u8 reserved | u32 count
 *   samples stored bytes of each sample, back to back
 *   footer  count x { u32 stored_len_flags, u32 crc32c }
 *           | u32 count | u32 crc32c(footer entries) | "LSCF"
 * stored_len_flags: bit 31 = sample is one zstd frame, bits 0..30 = stored
 * length.  The crc covers the stored bytes, so one sample's range read
 * verifies alone.  The same {len_flags, crc} entries are copied into the
 * commit record (ls_chunk_ref.index) so readers need not fetch footers. */

#define LS_CHUNK_HEADER_BYTES 12u
#define LS_CHUNK_TRAILER_BYTES 12u     /* count, crc, magic after the entries */
#define LS_CHUNK_ENTRY_BYTES 8u
#define LS_CHUNK_FORMAT_VERSION 1u
#define LS_SAMPLE_ZSTD_FLAG 0x80000000u
#define LS_SAMPLE_LEN_MASK  0x7fffffffu

typedef struct ls_chunk_builder {
    ls_bytes data;       /* header + samples so far */
    ls_bytes index;      /* count x 8 bytes entries */
    uint32_t count;
    int      codec;      /* ls_codec */
    int      zstd_level;
    void    *cctx;       /* ZSTD_CCtx, reused across chunks */
} ls_chunk_builder;

int  ls_chunk_builder_init(ls_chunk_builder *cb, int codec, int zstd_level);
void ls_chunk_builder_free(ls_chunk_builder *cb);
/* Start a new chunk (keeps the zstd context and buffers' capacity). */
void ls_chunk_builder_reset(ls_chunk_builder *cb);
/* Add one sample (len <= LS_SAMPLE_BYTES_MAX); under zstd a sample that
 * does not shrink is stored raw. */
int  ls_chunk_builder_add(ls_chunk_builder *cb, const void *sample, size_t len);
/* Append the footer; cb->data then holds the complete object. */
int  ls_chunk_builder_finish(ls_chunk_builder *cb);

/* Byte offset of sample i's stored bytes within the chunk object, from the
 * index entries (count entries of 8 bytes).  Returns LS_ERR_CORRUPT if the
 * sum would exceed LS_CHUNK_BYTES_MAX. */
int ls_chunk_index_offsets(const uint8_t *index, uint32_t count,
                           uint64_t *offsets /* count+1 */);

/* Validate a whole chunk object (header, footer, sizes, every CRC) and
 * return its index entries (a pointer into obj).  key names the object in
 * errors. */
int ls_chunk_parse(const uint8_t *obj, size_t len, const char *key,
                   uint32_t *count, const uint8_t **index);

/* Verify one sample's stored bytes (CRC32C, lengths, one zstd frame with a
 * declared size within LS_SAMPLE_BYTES_MAX) and return its decoded length.
 * Errors name key and sample_no. */
int ls_chunk_sample_check(const uint8_t *stored, uint32_t len_flags, uint32_t crc,
                          const char *key, uint64_t sample_no, size_t *decoded_len);
/* The same checks but the CRC (verified by the caller some other way, as
 * a step index block does for its samples together). */
int ls_chunk_sample_size(const uint8_t *stored, uint32_t len_flags, const char *key,
                         uint64_t sample_no, size_t *decoded_len);
/* Decode a checked sample into dst, exactly decoded_len bytes. */
int ls_chunk_sample_decode_to(const uint8_t *stored, uint32_t len_flags, void *dctx,
                              uint8_t *dst, size_t decoded_len, const char *key,
                              uint64_t sample_no);
/* Both of the above into out (replacing its contents).  Verify and decode one sample's stored bytes.  dctx is a ZSTD_DCtx reused
 * by the caller (may be NULL if the sample is raw).  The decoded bytes are
 * written to out (replacing its contents).  Errors name key and sample_no
 * (the global sample number). */
int ls_chunk_sample_decode(const uint8_t *stored, uint32_t len_flags,
                           uint32_t crc, void *dctx, ls_bytes *out,
                           const char *key, uint64_t sample_no);

/* ---- records, descriptors, snapshots (record.c) ------------------------ */

/* All three objects are wrapped in one envelope, so a truncated or garbage
 * object is detected before Avro sees it:
 *   magic (4: "LSD1" descriptor, "LSR1" record, "LSS1" snapshot)
 *   | u16 major | u16 minor | u32 payload_len | u32 crc32c(payload)
 *   | payload (Avro binary, schema core/schemas/<kind>.avsc)
 * A major version other than LS_FORMAT_MAJOR is LS_ERR_VERSION.  Minor
 * versions append fields (record.c keeps the minor each kind writes). */
#define LS_FORMAT_MAJOR 1u
#define LS_ENVELOPE_BYTES 16u

typedef struct ls_desc {
    uint32_t global_batch;
    int      codec;           /* ls_codec */
    int64_t  created_ms;
    int64_t  log_retention_ms; /* R, table.log.retention.ms at creation (format 1.1) */
    int      table_format;    /* 1: the log alone; 2: with step indexes (1.2; before: 1) */
    uint64_t uid;             /* random at creation (1.2; before: 0) */
} ls_desc;

/* The table format this build writes and the newest it reads
 * (docs/formats.md): 2 adds the per-step index objects. */
#define LS_TABLE_FORMAT 2u

typedef struct ls_chunk_ref {
    char    *key;             /* store key of the chunk object */
    uint32_t count;           /* samples */
    uint8_t *index;           /* count x {u32 len_flags, u32 crc32c} (LE) */
} ls_chunk_ref;

typedef enum ls_ckpt_op_kind { LS_CKPT_REGISTER = 0, LS_CKPT_RELEASE = 1 } ls_ckpt_op_kind;

typedef struct ls_ckpt_op {
    char    *name;
    int      op;              /* ls_ckpt_op_kind */
    uint64_t step;            /* for REGISTER */
} ls_ckpt_op;

/* One commit record: the content of _log/<version>. */
/* One record of a tail: its canonical encoding (log_tail.c). */
typedef struct ls_tail_item {
    uint8_t *bytes;
    size_t   len;
} ls_tail_item;

typedef struct ls_record {
    uint64_t version;         /* must equal the key's version */
    uint8_t  commit_id[16];
    int64_t  timestamp_ms;
    char    *producer;        /* NULL for records not by a producer */
    uint64_t epoch;
    uint64_t seq_first, seq_last;  /* chunk seqs carried (seq_first > seq_last: none) */
    int      has_source_position;
    uint8_t *source_position; /* <= LS_SOURCE_POSITION_BYTES_MAX */
    uint32_t source_position_len;
    ls_chunk_ref *chunks;     /* data, in sample order */
    uint32_t nchunks;
    ls_ckpt_op *ckpt_ops;
    uint32_t nckpt_ops;
    int      has_low_watermark;
    uint64_t low_watermark_step;
    /* Format 1.1 (docs/formats.md): the link to the record of version - 1
     * and the tail, copies of the records just below this one (log_tail.c).
     * Decoded records own their tail items, unchecked until used; encoding
     * writes the items given to ls_record_encode_tail. */
    unsigned format_minor;    /* of the object it was decoded from */
    int      has_prev_crc;
    uint32_t prev_crc32c;
    ls_tail_item *tail;
    uint32_t ntail;
} ls_record;

int  ls_desc_encode(const ls_desc *d, ls_bytes *out);
int  ls_desc_decode(const uint8_t *buf, size_t len, const char *key, ls_desc *out);

/* Encode r with its own tail items (none for a record being committed). */
int  ls_record_encode(const ls_record *r, ls_bytes *out);
/* Encode r with the tail items[0..n) instead (borrowed); n = 0 gives the
 * canonical encoding that tails hold and prev_crc32c covers. */
int  ls_record_encode_tail(const ls_record *r, const ls_tail_item *items, uint32_t n,
                           ls_bytes *out);
/* Decode and validate; every count/length bounds-checked against the
 * limits; version must equal expected_version.  Errors name key. */
int  ls_record_decode(const uint8_t *buf, size_t len, const char *key,
                      uint64_t expected_version, ls_record *out);
void ls_record_clear(ls_record *r);     /* frees members, zeroes */
/* Free r's tail (records kept in memory keep none). */
void ls_record_drop_tail(ls_record *r);
/* A deep copy of r without its tail (LS_ERR_NOMEM leaves *out cleared). */
int  ls_record_copy(const ls_record *r, ls_record *out);
/* Total samples carried by r's chunks. */
uint64_t ls_record_samples(const ls_record *r);

/* ---- Avro pre-scan of foreign data (record.c) -------------------------- */

/* Walk ONE Avro binary datum of `schema` at buf[0..len) without allocating
 * and check that avro_value_read can decode it safely: lengths within the
 * buffer and non-negative, union branches, enum symbols, booleans and ints
 * in range, nesting <= LS_SOURCE_RECORD_DEPTH_MAX, array and map items
 * <= LS_SOURCE_RECORD_ITEMS_MAX together.  *consumed = the datum's encoded
 * length.  LS_ERR_CORRUPT with detail "<what>: bad Avro data: <field>:
 * <why>" (what may be NULL).  schema is an avro_schema_t.  Values (of any
 * type, nested ones too) at most LS_SOURCE_RECORD_VALUES_MAX and *budget,
 * which is reduced by the datum's values (the caller's budget for a block
 * of records); beyond either the datum is refused with LS_ERR_LIMIT
 * ("too many Avro values"). */
struct avro_obj_t;
int ls_avro_prescan(struct avro_obj_t *schema, const uint8_t *buf, size_t len,
                    const char *what, size_t *consumed, uint64_t *budget);

/* ---- writer schemas of source files (source_schema.c) ------------------ */

/* Check the avro.schema JSON json[0..len) of a source file before avro-c
 * parses it (avro-c recurses without a bound and builds a value of the
 * whole schema at once): size <= LS_SOURCE_SCHEMA_BYTES_MAX, JSON nesting
 * and type nesting (references expanded) <= LS_SOURCE_SCHEMA_DEPTH_MAX, at
 * most LS_SOURCE_SCHEMA_NAMES_MAX named types, LS_SOURCE_SCHEMA_NODES_MAX
 * types expanded; names resolved as avro-c resolves them.  LS_ERR_LIMIT
 * beyond a limit; LS_ERR_UNSUPPORTED for a recursive schema (a named type
 * used within its own definition) or a fixed of 0 bytes; LS_ERR_CORRUPT
 * for text that is not JSON, a name defined twice or used before its
 * definition, a shape avro-c would refuse.  Details start with `what` (the
 * file, already safe to print) and quote every name with ls_quote. */
int ls_source_schema_check(const char *what, const uint8_t *json, size_t len);

/* ---- state (table.c; snapshot codec in record.c) ----------------------- */

typedef struct ls_pstate {
    char    *id;
    uint64_t epoch, last_seq, last_version;
    uint8_t *source_position;
    uint32_t source_position_len;
    uint8_t  last_commit_id[16];  /* of last_version's record; all zero:
                                     unknown (format 1.0 snapshot) */
} ls_pstate;

typedef struct ls_ckpt {
    char    *name;
    uint64_t step;
    int      live;
} ls_ckpt;

/* One retained data commit: the step index a snapshot carries. */
typedef struct ls_commit_ent {
    uint64_t version, first_sample, count;
    uint8_t  commit_id[16];   /* of its record; all zero: unknown (format 1.0
                                 snapshot), the record is not checked */
} ls_commit_ent;

typedef struct ls_state {
    uint64_t version, total_samples, low_watermark_step;
    uint64_t global_batch;     /* B, from the descriptor (not serialized): lets
                                  a rising watermark drop reclaimed commits */
    ls_pstate *producers;      /* sorted by id (strcmp) */
    size_t     nproducers;
    ls_ckpt   *ckpts;          /* sorted by name */
    size_t     nckpts;
    ls_commit_ent *commits;    /* sorted by version and by first_sample */
    size_t     ncommits, commits_cap;
} ls_state;

void ls_state_clear(ls_state *s);
/* Apply record r (of version s->version + 1) to s.  Deterministic: every
 * participant replaying the same log reaches the same state. */
int  ls_state_apply(ls_state *s, const ls_record *r);
ls_pstate *ls_state_producer(const ls_state *s, const char *id);

int  ls_snapshot_encode(const ls_state *s, ls_bytes *out);
/* Decode and validate (limits, sortedness, commit index contiguity).
 * expected_version must equal the snapshot's version.  Errors name key. */
int  ls_snapshot_decode(const uint8_t *buf, size_t len, const char *key,
                        uint64_t expected_version, ls_state *out);

/* ---- Decentralized Adaptive Commit (dac.c) ------------------------------ */

/* A pure controller (DESIGN.md section 6): from what one producer observed
 * about its last commit to when it commits next.  No I/O, no clock, no
 * shared state: randomness comes from the state's own seeded stream, so a
 * sequence of observations replays to the same intervals. */
typedef struct ls_dac_params {
    double   interval_ms_min;   /* floor of the interval */
    double   interval_ms_max;   /* ceiling: the freshness (latency) bound */
    double   saturated_ms_max;  /* a saturated log may push it up to this */
    double   saturated_load;    /* the log is saturated above this load (dac.c) */
    double   saturated_target;  /* ... and then steered to this one */
    double   grow;              /* multiplicative growth on a conflict (> 1) */
    double   jitter;            /* growth is multiplied by U[1, 1 + jitter) */
    double   shrink_ms;         /* additive decrease after a clean commit */
    double   latency_factor;    /* c: interval >= c x recent commit latency */
    double   latency_alpha;     /* EWMA weight of the newest latency, (0, 1] */
} ls_dac_params;

typedef struct ls_dac_obs {
    unsigned attempts;          /* put_if_absent attempts until it landed (1: clean) */
    double   latency_ms;        /* from the first attempt to landing */
    /* The log's load as this producer saw it (0, 0, 0: unknown): commits
     * of others between its previous commit and this one, the time
     * between the two landings, and the time in the log calls of this
     * commit (its reads forward and its attempts). */
    uint64_t others;
    double   span_ms, log_ms;
} ls_dac_obs;

typedef struct ls_dac_state {
    double   interval_ms;       /* the current commit interval */
    double   latency_ewma_ms;   /* recent commit latency (0: none yet) */
    uint64_t rng;               /* splitmix64 stream */
} ls_dac_state;

/* Defaults used by the producer (and the simulation tests). */
void   ls_dac_params_default(ls_dac_params *p);
void   ls_dac_init(ls_dac_state *s, const ls_dac_params *p, double initial_ms, uint64_t seed);
/* Feed one commit's observation; returns the next interval (also in s). */
double ls_dac_next(ls_dac_state *s, const ls_dac_params *p, const ls_dac_obs *o);

/* ---- keys (keys.c: the layout of DESIGN.md section 3) ------------------ */

/* Write "<table>/_log/<v:020>" etc. into buf (LS_KEY_BYTES_MAX+1);
 * LS_ERR_LIMIT if it does not fit. */
int ls_key_log(char *buf, const char *table, uint64_t version);
int ls_key_log_prefix(char *buf, const char *table);     /* "<table>/_log/" */
int ls_key_snapshot(char *buf, const char *table, uint64_t version);
int ls_key_hint(char *buf, const char *table);
int ls_key_desc(char *buf, const char *table);
/* GC's marks before it frees log slots (core/reclaim.c): "<table>/_reclaim/",
 * the run mark of a GC deleting below vs, the segment mark of version v. */
int ls_key_reclaim_prefix(char *buf, const char *table);
int ls_key_reclaim_run(char *buf, const char *table, uint64_t vs);
int ls_key_reclaim_seg(char *buf, const char *table, uint64_t v);
int ls_key_chunk(char *buf, const char *table, const char *producer,
                 uint64_t epoch, uint64_t seq);
/* "<table>/_steps/<s:020>", the index of step s (step_index.c), and the
 * prefix "<table>/_steps/". */
int ls_key_step(char *buf, const char *table, uint64_t step);
int ls_key_steps_prefix(char *buf, const char *table);
/* suffix: after "<table>/_steps/".  1 for a step index, its step in *s. */
int ls_key_parse_step(const char *suffix, uint64_t *step);
/* "<table>/_steps/<s0:020>.g16", the group index of steps [s0, s0 + 16)
 * (step_group.c), and its parse (1 for a group key, its s0 in *s0). */
int ls_key_step_group(char *buf, const char *table, uint64_t s0);
int ls_key_parse_step_group(const char *suffix, uint64_t *s0);
/* A rank's progress object of a job (rank_ckpt.c): the prefix
 * "<table>/_ckpt/<job>/" (LS_ERR_LIMIT unless a whole key fits after it),
 * the key, and the parse of a key's part after the prefix. */
int ls_key_rank_ckpt_prefix(char *buf, const char *table, const char *job);
int ls_key_rank_ckpt(char *buf, const char *table, const char *job, uint32_t rank,
                     uint64_t seq, uint64_t step);
int ls_key_parse_rank_ckpt(const char *suffix, uint32_t *rank, uint64_t *seq, uint64_t *step);
/* A list prefix: "" or complete valid segments and a partial last one. */
int ls_key_prefix_is_valid(const char *prefix);

/* suffix: a key's part after "<table>/_log/".  LS_OBJECT_LOG_RECORD or
 * LS_OBJECT_SNAPSHOT with its version in *v, else 0 (the hint, foreign). */
int ls_key_parse_log(const char *suffix, uint64_t *v);
/* suffix: after "<table>/_reclaim/".  1 for a run mark, its vs in *vs. */
int ls_key_parse_reclaim_run(const char *suffix, uint64_t *vs);
/* 1 if key is a chunk of table; its producer (LS_PRODUCER_ID_BYTES_MAX + 1
 * bytes), epoch and seq. */
int ls_key_parse_chunk(const char *key, const char *table, char *producer,
                       uint64_t *epoch, uint64_t *seq);

/* ---- table internals (table.c), shared by producer.c and consumer.c ---- */

typedef struct ls_meta_stats {
    uint64_t bytes, requests;
} ls_meta_stats;

typedef struct ls_index_stats {
    uint64_t written;        /* step indexes this handle created */
    uint64_t mismatches;     /* found one that differs from what the log gives */
} ls_index_stats;

typedef struct ls_index_pub ls_index_pub;   /* index_pub.c */
typedef struct ls_tail_ring ls_tail_ring;   /* log_tail.c */

struct ls_table {
    ls_store  *st;
    char      *name;
    ls_conf   *conf;
    ls_desc    desc;
    ls_state   state;
    uint64_t   snapshot_version;   /* snapshot the state was loaded from */
    uint64_t   snapshot_interval;  /* K */
    int64_t    log_retention_ms;   /* table.log.retention.ms (R) */
    int64_t    head_ts_ms;         /* timestamp of the newest record applied, 0: unknown */
    int64_t    head_ok_ms;         /* wall time the head was last confirmed */
    int        contended;          /* others commit too: read forward before
                                      the first attempt of a commit */
    int        use_snapshots;      /* 0: replay from version 1 (tests) */
    int        lazy;               /* opened without its state: the first refresh
                                      loads it (ls_table_open_lazy) */
    int        reload_needed;      /* records applied could not be checked
                                      (reclaim.c): start over from a snapshot */
    ls_meta_stats meta;
    ls_index_stats index;
    ls_index_pub  *pub;           /* a producer's index publisher, or NULL: synchronous */
    /* Small cache of parsed commit records (for readers), by version. */
    ls_record *cache;
    size_t     ncache, cache_next;
    /* The sample offsets of the chunk last asked for (ls_table_chunk_offsets):
     * readers of small slices and index builders ask for one chunk step
     * after step, and each computation walks the whole chunk's index. */
    uint64_t  *offc;
    size_t     offc_cap;
    uint64_t   offc_version;
    uint32_t   offc_chunk, offc_count;
    uint8_t    offc_id[16];
    int        offc_ok;
    /* The newest records applied, for the tails of our commits (log_tail.c),
     * and the link to the newest. */
    ls_tail_ring *tail;
    uint64_t   tail_last_version;
    uint32_t   tail_last_crc;
    int        tail_last_known;
    uint64_t   jumps, tail_records, tail_rejects;   /* counted */
    uint64_t   last_gap;           /* records the last refresh applied */
    int        jump_off;           /* refresh record by record (after a lost race) */
};

/* GET of at most max bytes (one ranged read of max + 1: a larger object
 * costs max + 1 bytes before it is refused, naming key and what), with
 * retries of retriable errors; counted into t->meta. */
int ls_table_meta_get(ls_table *t, const char *key, size_t max, const char *what,
                      uint8_t **out, size_t *len);
/* The same for bytes [off, off + len) of key (fewer where it ends). */
int ls_table_meta_get_range(ls_table *t, const char *key, uint64_t off, uint64_t len,
                            uint8_t **out, size_t *got);
/* Start over from the newest snapshot a listing finds; cached records go. */
int ls_table_reload_listed(ls_table *t);
/* Read forward to the head, checking what was read against GC's marks
 * (reloading where a record may lie in a freed slot).  If commit_id,
 * *seen = 1 once a checked record with that id was applied.  thorough:
 * tell the head from a freed slot or a hole even when the head is new. */
int ls_table_refresh_watch(ls_table *t, const uint8_t *commit_id, int *seen, int thorough);
/* Keep a parsed record in t's cache (moved: *r is left cleared). */
void ls_table_cache_put(ls_table *t, ls_record *r);
/* The stored offsets of the samples of chunk j of record r (count + 1 of
 * them, the last one its end: ls_chunk_index_offsets), computed once per
 * chunk and kept until another chunk is asked for; borrowed until the
 * next call on t.  Errors name the chunk. */
int ls_table_chunk_offsets(ls_table *t, const ls_record *r, uint32_t j, const uint64_t **out);

/* ---- the tail of a commit record (log_tail.c) ---------------------------- */

#define LS_RECORD_FORMAT_MINOR 1u   /* the commit record minor this build writes */

/* Keep r, just applied at the state's version, for later tails. */
void ls_log_tail_push(ls_table *t, const ls_record *r);
/* Forget the records kept (the state was replaced); free: at close. */
void ls_log_tail_reset(ls_table *t);
void ls_log_tail_free(ls_table *t);
/* For record r about to be written at r->version: set its link to the
 * record below, and the tail it carries (borrowed, valid until the next
 * call on t). */
void ls_log_tail_for(ls_table *t, ls_record *r, const ls_tail_item **items, uint32_t *n);
/* Catch up by listing the log for its head and taking the records below
 * it from the head's tail (the caller: stores with LS_STORE_CAP_INDEXED_LIST
 * only).
 * Applies what it could check; *at_head = 1 if the listing showed nothing
 * after the state's version.  Errors only where the record-by-record path
 * would fail too; anything else leaves that path the rest. */
int  ls_log_jump(ls_table *t, const uint8_t *commit_id, int *seen, int *at_head);

/* ---- freed log slots (reclaim.c) ---------------------------------------- */

/* Versions per segment mark: a format constant (it names objects). */
#define LS_LOG_SEGMENT_VERSIONS 4096u

/* GC, before deleting any of the n log records versions[] (ascending, all
 * below vs): create its run mark vs and the segment marks of versions[]. */
int ls_reclaim_mark(ls_table *t, uint64_t vs, const uint64_t *versions, size_t n);
/* GC, after its deletions: remove run marks below vs (counted in *deleted). */
int ls_reclaim_prune(ls_table *t, uint64_t vs, uint64_t *deleted);
/* *live = 1 if no record of versions [lo, hi] read or written by t before
 * this call can lie in a slot GC freed; 0: one may (reload from the newest
 * snapshot to know). */
int ls_reclaim_check(ls_table *t, uint64_t lo, uint64_t hi, int *live);

/* GET and decode the commit record of version (errors name its key;
 * LS_ERR_NOT_FOUND as the store gives it); *bytes, if not NULL, its size. */
int ls_table_get_record(ls_table *t, uint64_t version, ls_record *out, size_t *bytes);
/* Read and apply the record of version t->state.version + 1 if it exists.
 * *applied = 1 if one was applied, 0 if it does not exist yet.  If out is
 * not NULL the decoded record is moved there (caller clears it). */
int ls_table_step_log(ls_table *t, int *applied, ls_record *out);
/* After committing record r at version t->state.version + 1: apply it and,
 * if the version is a multiple of K, write the snapshot and the hint (best
 * effort: failures are ignored). */
int ls_table_apply_own(ls_table *t, const ls_record *r);
/* Commit record r at the next version with put_if_absent, retrying on
 * conflicts (after reading the versions missed) and resolving lost replies
 * by reading the version back (docs/protocol.md, "Commit").  r->commit_id
 * must be set by the caller and kept across calls for the same record, so
 * that a retry recognises its own record.  On LS_OK, r is in the log and in
 * t's state. */
typedef struct ls_commit_ctl {
    /* Before each attempt, against the state caught up so far: set *done
     * if r is already in (a retry that landed), or return an error to stop
     * (e.g. LS_ERR_FENCED).  May be NULL. */
    int    (*precheck)(void *arg, const ls_state *s, int *done);
    void    *arg;
    unsigned retries;                          /* retriable-error budget */
    /* Counted.  conflicts: attempts lost to a commit that landed after we
     * had read forward (a race); stale: attempts lost to one that was
     * already there because we had not read forward (contention unknown). */
    uint64_t attempts, conflicts, stale, lost_replies;
    uint64_t freed_slots;  /* our record landed in a slot GC had freed: redone */
    int      landed;   /* in/out, sticky: r is known to be in the log (our
                          commit_id was applied); keep it with r across calls */
} ls_commit_ctl;
/* LS_ERR_LIMIT if applying r to s would exceed a state limit: checked
 * before r is written, so that no record in the log is unappliable. */
int ls_state_check(const ls_state *s, const ls_record *r);
int ls_table_commit(ls_table *t, ls_record *r, ls_commit_ctl *ctl);
/* Index in s->commits of the retained commit holding sample a, or -1. */
ssize_t ls_state_commit_of(const ls_state *s, uint64_t a);
/* 1 if s retains the data commit of version v. */
int ls_state_commit_retained(const ls_state *s, uint64_t v);
/* Open a table reading its descriptor alone: the state stays empty until
 * the first refresh (ls_table_refresh, _catch_up, _refresh_thorough, or
 * a commit) loads it.  For readers of format 2, which need no state while
 * step indexes answer. */
int ls_table_open_lazy(ls_store *st, const char *name, const ls_conf *conf, ls_table **out);
/* ls_table_refresh for a handle that may have been idle for long: through
 * the newest snapshot when that reads less. */
int ls_table_catch_up(ls_table *t);
/* 1 if t's steps have step and group indexes: table format 2 and a global
 * batch of LS_STEP_INDEX_MIN_BATCH or more (docs/protocol.md "Small
 * steps"); else writers build none and readers read the log. */
int ls_table_step_indexed(const ls_table *t);
/* ls_table_refresh that also decides whether the missing record after the
 * head is a slot GC freed (then: from the newest snapshot) or a hole in the
 * log (LS_ERR_CORRUPT): after an object the state names was not found. */
int ls_table_refresh_thorough(ls_table *t);
/* The commit record of version v (cached), borrowed until the next call.
 * commit_id: the id the state names for v (ls_commit_ent), or NULL; a
 * record with another id is LS_ERR_NOT_FOUND, "reclaimed": its slot was
 * freed by a GC the state has not seen yet, and refilled. */
int ls_table_record(ls_table *t, uint64_t version, const uint8_t *commit_id,
                    const ls_record **out);

/* ---- per-step index objects (step_index.c) ------------------------------ */

/* <table>/_steps/<s:020> of table format 2 (docs/formats.md): a 64-byte
 * header, B entries of 20 bytes, ceil(B / 16) blocks of 84, then the chunk
 * names. */
#define LS_STEP_INDEX_HEADER_BYTES 64u
#define LS_STEP_INDEX_ENTRY_BYTES  20u
/* The block view: 16 samples a block, 20 bytes of block header and one
 * u32 len_flags per sample; bit 30 of len_flags marks a sample that starts
 * the next chunk (stored lengths are below 2^30: LS_CHUNK_BYTES_MAX). */
#define LS_STEP_INDEX_BLOCK_SAMPLES 16u
#define LS_STEP_INDEX_BLOCK_BYTES   (20u + 4u * LS_STEP_INDEX_BLOCK_SAMPLES)
#define LS_STEP_INDEX_NEXT_CHUNK    0x40000000u

typedef struct ls_step_header {
    uint64_t step, version, uid;
    uint32_t global_batch, nchunks, names_bytes;
    uint8_t  commit_id[16];   /* of version, the record that completed the step */
} ls_step_header;

/* One sample as an index gives it. */
typedef struct ls_step_sample {
    uint32_t chunk;           /* into ls_step_chunks.keys */
    uint32_t name_off;        /* the chunk name's offset in the index's names */
    uint32_t offset;          /* of its stored bytes in the chunk object */
    uint32_t len_flags, crc;  /* as in the chunk's footer */
} ls_step_sample;

/* The chunks a decoded range names, in order: full store keys (owned). */
typedef struct ls_step_chunks {
    char   **keys;
    uint32_t n;
} ls_step_chunks;
void ls_step_chunks_free(ls_step_chunks *ck);

/* Size of a whole index object, and where its blocks and names start. */
uint64_t ls_step_index_bytes(uint32_t global_batch, uint32_t names_bytes);
uint32_t ls_step_index_nblocks(uint32_t global_batch);
uint64_t ls_step_index_blocks_at(uint32_t global_batch);
uint64_t ls_step_index_names_at(uint32_t global_batch);
/* Build the index of step s (complete in t's state) from the state and the
 * commit records (ls_table_record): the same bytes from the same log. */
int ls_step_index_build(ls_table *t, uint64_t step, ls_bytes *out);
/* Build and put_if_absent the index of step s.  If one exists it is read
 * back and compared: LS_ERR_CORRUPT (counted) if it differs. */
int ls_step_index_publish(ls_table *t, uint64_t step);
/* put_if_absent b at key (an index object, what names its kind), retried;
 * if one exists it is read back and compared: LS_ERR_CORRUPT (counted) if
 * it differs. */
int ls_step_index_put(ls_table *t, const char *key, const ls_bytes *b, const char *what);
/* The seals of an entry (with its name) and of a block (with the names it
 * uses), as docs/formats.md gives them. */
uint32_t ls_step_index_entry_seal(uint64_t uid, uint64_t step, uint32_t i,
                                  const uint8_t *entry, const uint8_t *name, size_t name_len);
uint32_t ls_step_index_block_seal(uint64_t uid, uint64_t step, uint32_t g, const uint8_t *blk,
                                  const uint8_t *names, size_t names_len);
/* Entries ent[0..n) (20 bytes each): the range [*lo, *hi) of the names
 * area they refer to.  LS_ERR_CORRUPT for an impossible name length. */
int ls_step_index_slice_names(const uint8_t *ent, size_t n, uint32_t *lo, uint32_t *hi);
/* Check and decode entries [first, first + n) of step s, given the names
 * area's bytes [names_lo, names_lo + names_len): every entry's seal (uid,
 * step, position, its name), its name, its bounds.  out[n]; ck gets the
 * chunks named (caller frees).  Errors name what (the object). */
int ls_step_index_slice_decode(const char *table, uint64_t uid, uint64_t step, uint32_t first,
                               const uint8_t *ent, size_t n, const uint8_t *names,
                               uint32_t names_lo, size_t names_len, const char *what,
                               ls_step_sample *out, ls_step_chunks *ck);
/* Blocks blk[0..nblk) (84 bytes each): the range [*lo, *hi) of the names
 * area they use.  LS_ERR_CORRUPT for an impossible range. */
int ls_step_index_blocks_names(const uint8_t *blk, size_t nblk, uint32_t *lo, uint32_t *hi);
/* Check and decode blocks [g0, g0 + nblk) of step s of B samples, given
 * the names area's bytes [names_lo, names_lo + names_len): every block's
 * seal, names and bounds.  out[] gets the blocks' samples (crc left 0),
 * crcs[nblk] the crc32c each block's samples' CRC32Cs must give; ck the
 * chunks named (caller frees).  Errors name what. */
int ls_step_index_blocks_decode(const char *table, uint64_t uid, uint64_t step, uint32_t B,
                                uint32_t g0, const uint8_t *blk, size_t nblk,
                                const uint8_t *names, uint32_t names_lo, size_t names_len,
                                const char *what, ls_step_sample *out, uint32_t *crcs,
                                ls_step_chunks *ck);
/* Check a header (magic, CRC, major, bounds). */
int ls_step_index_header_decode(const uint8_t *h, size_t len, const char *what,
                                ls_step_header *out);
/* Check and decode a whole index object: header, size, every entry, names
 * in order of first use; out[global_batch]. */
int ls_step_index_decode(const uint8_t *buf, size_t len, const char *table, uint64_t uid,
                         uint64_t step, uint32_t global_batch, const char *what,
                         ls_step_header *hdr, ls_step_sample *out, ls_step_chunks *ck);
/* A chunk name of an index: u8 length | producer | u64 epoch | u64 seq.
 * 1 if well formed (producer: LS_PRODUCER_ID_BYTES_MAX + 1 bytes). */
int ls_step_index_name_parse(const uint8_t *name, size_t len, char *producer,
                             uint64_t *epoch, uint64_t *seq);

/* ---- group indexes (step_group.c) ----------------------------------------- */

/* <table>/_steps/<s0:020>.g16: the indexes of steps [s0, s0 + 16),
 * transposed (docs/formats.md "Group index"). */
/* (LS_STEP_GROUP_STEPS, LS_STEP_GROUP_MIN_BYTES: lakestream_limits.h) */

/* Where sample i's 16 entries, block g's 16 blocks and the names start. */
uint64_t ls_step_group_entries_at(uint32_t global_batch, uint32_t i);
uint64_t ls_step_group_blocks_at(uint32_t global_batch, uint32_t g);
uint64_t ls_step_group_names_at(uint32_t global_batch);
/* Build the group of steps [s0, s0 + 16) (all complete in t's state) from
 * the step indexes the log gives. */
int ls_step_group_build(ls_table *t, uint64_t s0, ls_bytes *out);
/* Build and put_if_absent it, as ls_step_index_publish. */
int ls_step_group_publish(ls_table *t, uint64_t s0);
/* Check and decode a rank's part of a group: the slice [lo, lo + n) of each
 * of its 16 steps, from part (its entries, or its blocks when n is a
 * multiple of 16: the bytes at ls_step_group_entries_at(B, lo) or
 * _blocks_at(B, lo / 16)) and the names [names_lo, names_lo + names_len).
 * out[16 * n] (step j's samples at j * n), crcs[16 * n / 16] for blocks,
 * ck[16] (caller frees). */
int ls_step_group_slices(const char *table, uint64_t uid, uint64_t s0, uint32_t B, uint32_t lo,
                         uint32_t n, const uint8_t *part, size_t part_len, const uint8_t *names,
                         uint32_t names_lo, size_t names_len, const char *what,
                         ls_step_sample *out, uint32_t *crcs, ls_step_chunks *ck);

/* ---- the index publisher (index_pub.c) ----------------------------------- */

/* Start t's publisher thread: ls_step_index_publish and
 * ls_step_group_publish then queue their puts for it. */
int ls_index_pub_start(ls_table *t);
/* Queue (or, without a publisher, do) the put of an index object; takes
 * b's bytes.  Waits while LS_INDEX_PUB_BYTES_MAX are queued. */
int ls_index_pub_put(ls_table *t, const char *key, ls_bytes *b, const char *what);
/* Wait until every queued put is done; their counts go to t->index and
 * t->meta.  Stop also ends the thread (ls_table_close stops it). */
void ls_index_pub_drain(ls_table *t);
void ls_index_pub_stop(ls_table *t);

#endif /* LS_INT_H */
