/*
 * lakestream_limits.h -- every bound Lakestream enforces, in one place.
 *
 * Anything that can grow (an object, a count, a queue, a retry loop) has a
 * limit here.  Limits are checked where data enters: when the caller hands
 * a sample to a producer, and when an object read from a store is parsed
 * (every object read is untrusted input).  Changing a limit that bounds an
 * on-store format field is a format change: say so in docs/formats.md.
 */
#ifndef LAKESTREAM_LIMITS_H
#define LAKESTREAM_LIMITS_H

/* Keys and names. */
#define LS_KEY_BYTES_MAX            1024u   /* a store key, without NUL */
#define LS_TABLE_NAME_BYTES_MAX      128u   /* [A-Za-z0-9._-], not "." or ".." */
#define LS_PRODUCER_ID_BYTES_MAX     128u   /* same alphabet as table names */
#define LS_CHECKPOINT_NAME_BYTES_MAX 128u
#define LS_SOURCE_POSITION_BYTES_MAX 4096u  /* opaque producer source position */
#define LS_CONF_STRING_BYTES_MAX     1000u  /* a string configuration value */

/* Samples and chunks. */
#define LS_SAMPLE_BYTES_MAX     (64u << 20) /* one decoded sample */
#define LS_CHUNK_SAMPLES_MAX    65536u      /* samples in one data chunk */
#define LS_CHUNK_BYTES_MAX      (1u << 30)  /* one data chunk object */
#define LS_GLOBAL_BATCH_MAX     (1u << 20)  /* samples per step */
#define LS_WORLD_SIZE_MAX       65536u

/* Commit records, snapshots and table state. */
#define LS_RECORD_BYTES_MAX     (64u << 20) /* one commit record object */
#define LS_RECORD_CHUNKS_MAX    65536u      /* chunks named by one commit */
#define LS_SNAPSHOT_BYTES_MAX   (384u << 20)
#define LS_PRODUCERS_MAX        65536u      /* producer ids in one table */
#define LS_CHECKPOINTS_MAX      4096u       /* checkpoint names in one table */
#define LS_COMMITS_MAX          (8u << 20)  /* retained data commits in state; 40 bytes
                                               each in a snapshot: must fit
                                               LS_SNAPSHOT_BYTES_MAX */
#define LS_DESCRIPTOR_BYTES_MAX 65536u
#define LS_HINT_BYTES_MAX       32u         /* _last_snapshot: "<version>\n" */
#define LS_LOG_RETENTION_MS_MAX ((long long)1 << 40) /* table.log.retention.ms */
#define LS_LOG_RETENTION_MS_DEFAULT 3600000      /* of tables created before it was stored */
#define LS_RECORD_CACHE_MAX     512u        /* parsed commit records cached per table handle */
#define LS_LOG_TAIL_RECORDS_MAX 256u        /* records one commit record's tail copies */
#define LS_LOG_TAIL_BYTES_MAX   (256u << 10) /* bytes of one tail; also what a handle keeps
                                               of the records below its head */
#define LS_LOG_JUMP_VERSIONS_MAX 1000u      /* records a listing may skip at once (one S3
                                               LIST page); beyond, read record by record */
#define LS_LOG_JUMP_BYTES_MAX   (64u << 20) /* records held while assembling one jump */
#define LS_STEP_INDEX_CHUNKS_MAX 65536u     /* chunks one step index names (format field:
                                               name offsets are 24 bits) */
#define LS_STEP_GROUP_STEPS     16u         /* steps in one group index (format constant) */
#define LS_STEP_GROUP_MIN_BYTES 2048u       /* a rank tries group indexes when its slice of a
                                               step holds this many stored bytes: below, a
                                               group's names (~16 x a step's chunks) outweigh
                                               what they save (docs/protocol.md "Group index") */
#define LS_STEP_INDEX_NAME_BYTES_MAX (1u + LS_PRODUCER_ID_BYTES_MAX + 16u) /* one chunk name
                                               in a step index (its length is 8 bits) */
#define LS_STEP_INDEX_MIN_BATCH 16u         /* format rule: a table of B below this (one
                                               block) has no step or group indexes; its
                                               steps are read through the log
                                               (docs/protocol.md "Small steps") */

/* Producer buffering. */
#define LS_PRODUCER_BUFFER_BYTES_MAX (4ull << 30) /* uncommitted bytes held */
#define LS_COMMIT_ATTEMPTS_MAX  1000u       /* put_if_absent attempts in one flush */
#define LS_INDEX_PUB_BYTES_MAX  (64u << 20) /* index bytes a producer's publisher holds queued */
#define LS_PRODUCER_CHUNK_WRITES_MAX 2u     /* chunk writes in flight (= writer threads) */

/* Reading. */
#define LS_PREFETCH_STEPS_MAX   64u
#define LS_READ_RUN_SAMPLES     1024u       /* a rank whose slice is smaller reads up to this
                                               many of its samples (consecutive steps) in one
                                               pass through the log */
#define LS_READ_RUN_BYTES       (8u << 20)  /* ... and stops adding steps to a pass beyond
                                               this many stored bytes */
#define LS_READ_RUN_PARTS_MAX   16u         /* ... or beyond this many ranges to fetch (its
                                               first step waits for the whole pass) */
#define LS_PREFETCH_RUN_BYTES   (32u << 20) /* decoded bytes the prefetch window holds beyond
                                               consumer.prefetch.steps (runs read ahead) */
#define LS_GET_GAP_BYTES_MAX    4096u       /* coalesce samples separated by <= this */
#define LS_LIST_KEYS_MAX        10000u      /* keys returned by one list call */

/* Data-lake sources (ls_source_*: Avro object container files). */
#define LS_SOURCE_FILES_MAX           (1u << 20) /* .avro files listed in a dataset directory */
#define LS_SOURCE_FILE_NAME_BYTES_MAX 255u       /* one file name, without NUL */
#define LS_SOURCE_DIR_BYTES_MAX       4096u      /* the dataset directory's path */
#define LS_SOURCE_HEADER_BYTES_MAX    (4u << 20) /* a file header: magic, metadata (schema), sync */
#define LS_SOURCE_BLOCK_BYTES_MAX     (64u << 20) /* one block, as stored and decompressed */
#define LS_SOURCE_BLOCK_RECORDS_MAX   (1u << 24) /* records in one block */
#define LS_SOURCE_RECORD_ITEMS_MAX    (1u << 20) /* array and map items in one record */
#define LS_SOURCE_RECORD_DEPTH_MAX    64u        /* nesting of one record's values */
#define LS_SOURCE_RECORD_VALUES_MAX   (1u << 22) /* values of any type, nested ones too, in
                                                    one record: a value may take no byte */
#define LS_SOURCE_BLOCK_VALUES_PER_BYTE 16u      /* values in a block's records per byte of
                                                    the block (decompressed), plus one
                                                    LS_SOURCE_SCHEMA_NODES_MAX */
/* A file's writer schema (avro.schema), checked before avro-c parses it. */
#define LS_SOURCE_SCHEMA_BYTES_MAX    (1u << 20) /* its JSON text */
#define LS_SOURCE_SCHEMA_DEPTH_MAX    64u        /* nesting of its JSON (arrays, objects), and
                                                    of its types with references expanded */
#define LS_SOURCE_SCHEMA_NAMES_MAX    4096u      /* named types (record, enum, fixed) defined */
#define LS_SOURCE_SCHEMA_NODES_MAX    (1u << 16) /* types, with each reference to a named
                                                    type counted as its whole definition */

/* Store backends (ls_store_register). */
#define LS_STORE_BACKENDS_MAX     32u       /* registered backends, the 3 built-ins included */
#define LS_STORE_SCHEME_BYTES_MAX 32u       /* a URI scheme, without "://" */
#define LS_CONF_NAME_BYTES_MAX    128u      /* a property name a backend declares */

/* Store calls. */
#define LS_STORE_RETRIES_MAX    16u         /* retries of one store call */
#define LS_RETRY_BACKOFF_MS_MAX 100u        /* backoff ceiling between retries */
#define LS_WAIT_BACKOFF_MS_MAX  200u        /* poll interval ceiling while waiting for a step */
#define LS_S3_BACKOFF_MS_MAX    5000u       /* s3: backoff ceiling (503 SlowDown) */
#define LS_S3_CONNECTIONS_MAX   256u        /* s3: pooled connections per store handle */
#define LS_S3_ERROR_BODY_BYTES_MAX (64u << 10) /* s3: an error reply's body */
#define LS_S3_LIST_BODY_BYTES_MAX  (16u << 20) /* s3: one ListObjectsV2 page */
#define LS_S3_LIST_PAGES_MAX    1000u       /* s3: pages of one list call */
#define LS_S3_TOKEN_BYTES_MAX   4096u       /* s3: a continuation token */

_Static_assert(LS_STEP_INDEX_NAME_BYTES_MAX < 256 &&
               (unsigned long long)LS_STEP_INDEX_CHUNKS_MAX * LS_STEP_INDEX_NAME_BYTES_MAX < (1u << 24),
               "a step index entry holds a name's length in 8 bits and its offset in 24");
_Static_assert((unsigned long long)LS_COMMITS_MAX * 40 + (1u << 20) < LS_SNAPSHOT_BYTES_MAX,
               "a snapshot must be able to hold every retained commit");

#endif /* LAKESTREAM_LIMITS_H */
