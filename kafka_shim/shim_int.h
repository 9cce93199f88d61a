/*
 * shim_int.h -- internals of liblakestream-rdkafka, librdkafka's C API over
 * the Lakestream core (docs/kafka-shim.md).  Every exported function has
 * the signature of <librdkafka/rdkafka.h>; storage is the core's public API.
 *
 * Locking: one mutex per rd_kafka_t (rk->lock) guards every field of the
 * handle, its topics and its core producers; application callbacks are
 * called without it held, from rd_kafka_poll/flush only.
 */
#ifndef LS_SHIM_INT_H
#define LS_SHIM_INT_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "lakestream.h"

/* Limits of the shim (STYLE: every limit named in one place). */
#define SHIM_CONF_PROPS_MAX       256u   /* properties set on one conf */
#define SHIM_CONF_VALUE_BYTES_MAX 1000u  /* = LS_CONF_STRING_BYTES_MAX */
#define SHIM_TOPICS_MAX           1024u  /* topics of one handle */
#define SHIM_HEADERS_MAX          1024u  /* headers of one message */
#define SHIM_ERRSTR_BYTES         512u
#define SHIM_POLL_SLEEP_MS_MAX    10u    /* sleep between polls while waiting */
#define SHIM_PARTS_MAX            1024u  /* assigned partitions of one consumer */
#define SHIM_SUBSCRIPTION_MAX     1024u  /* topics of one subscription */
#define SHIM_GROUP_ID_BYTES_MAX   96u    /* leaves room in a checkpoint name */
#define SHIM_STATS_BYTES_MAX      65536u /* one statistics JSON */
#define SHIM_RETRY_MS             500    /* a missing topic or a failed read: retry */

/* Defaults of librdkafka kept by the shim. */
#define SHIM_QUEUE_MSGS_DEFAULT   100000
#define SHIM_QUEUE_KBYTES_DEFAULT 1048576
#define SHIM_GLOBAL_BATCH_DEFAULT 1
#define SHIM_AUTO_COMMIT_MS_DEFAULT 5000

struct rd_kafka_conf_s {
    char   *names[SHIM_CONF_PROPS_MAX];   /* owned */
    char   *values[SHIM_CONF_PROPS_MAX];  /* owned */
    size_t  n;
    ls_conf *lconf;                       /* lakestream.* passthrough, owned */
    void (*dr_msg_cb)(rd_kafka_t *, const rd_kafka_message_t *, void *);
    void (*error_cb)(rd_kafka_t *, int, const char *, void *);
    int  (*stats_cb)(rd_kafka_t *, char *, size_t, void *);
    void (*rebalance_cb)(rd_kafka_t *, rd_kafka_resp_err_t,
                         rd_kafka_topic_partition_list_t *, void *);
    void (*offset_commit_cb)(rd_kafka_t *, rd_kafka_resp_err_t,
                             rd_kafka_topic_partition_list_t *, void *);
    void *opaque;
    rd_kafka_topic_conf_t *default_topic_conf;  /* owned, may be NULL */
};

struct rd_kafka_topic_conf_s {
    char   *names[SHIM_CONF_PROPS_MAX];
    char   *values[SHIM_CONF_PROPS_MAX];
    size_t  n;
    void   *opaque;
};

typedef struct shim_header {
    char   *name;
    void   *value;    /* NULL: a null value */
    size_t  size;
} shim_header;

struct rd_kafka_headers_s {
    shim_header *hdrs;
    size_t       n, cap;
};

/* A consumed batch, shared by the messages whose payloads point into it. */
typedef struct shim_bref {
    ls_batch *b;
    int       refs;            /* atomic: messages, plus 1 while current */
} shim_bref;

/* A message: produced and awaiting its delivery report (rkm is what
 * dr_msg_cb sees), or handed out by rd_kafka_consumer_poll. */
typedef struct shim_msg {
    rd_kafka_message_t rkm;
    int       payload_owned;   /* F_COPY or F_FREE: free payload after the DR */
    int       payload_is_errstr;  /* consumer event: payload is the error text */
    int64_t   timestamp_ms;    /* -1: not available (consumed messages) */
    rd_kafka_headers_t *headers;  /* owned, may be NULL */
    shim_bref *bref;           /* consumed: the batch the payload points into */
    struct shim_msg *next;     /* DR queue link */
} shim_msg;

/* One assigned partition of a consumer: rank `partition` of the topic's
 * table at the handle's world size; offsets are rank-local ordinals. */
typedef struct shim_part {
    rd_kafka_topic_t *rkt;     /* holds a reference */
    int32_t   partition;
    ls_table *t;               /* opened lazily (the table may not exist yet) */
    ls_consumer *lc;
    uint32_t  slice;           /* B / W: offsets per step */
    int64_t   pos;             /* next offset to hand out; < 0: logical, unresolved */
    int64_t   stored;          /* offset stored for the next commit; < 0: none */
    int64_t   committed;       /* offset of the last commit asked for; < 0: none */
    shim_bref *cur;            /* batch of step pos / slice, if loaded */
    int       eof_sent, paused;
    rd_kafka_resp_err_t last_err; /* reported while opening; not repeated */
    int64_t   retry_at_ms;     /* after a missing table or a read error */
} shim_part;

/* An offset-commit result for offset_commit_cb, served from poll. */
typedef struct shim_event {
    rd_kafka_resp_err_t err;
    rd_kafka_topic_partition_list_t *offsets;  /* owned */
    struct shim_event *next;
} shim_event;

struct rd_kafka_topic_s {
    rd_kafka_t  *rk;
    char        *name;
    ls_producer *lp;           /* core producer of this table (producer handles) */
    int          refcnt;       /* app handles + 1 for the rk's list */
    void        *opaque;
};

struct rd_kafka_s {
    rd_kafka_type_t type;
    rd_kafka_conf_t *conf;     /* owned: handed over by rd_kafka_new */
    ls_conf  *lconf;           /* core configuration, owned */
    ls_store *st;
    char      name[256];
    char      producer_id[LS_PRODUCER_ID_BYTES_MAX + 1];
    uint32_t  global_batch, rank, world_size;
    ls_codec  codec;
    int64_t   queue_msgs_max, queue_bytes_max;
    int64_t   stats_interval_ms, next_stats_ms;

    pthread_mutex_t lock;      /* guards everything below */
    rd_kafka_topic_t *topics[SHIM_TOPICS_MAX];
    size_t    ntopics;
    int64_t   outq_msgs, outq_bytes;  /* produced, DR not yet served */
    uint64_t  tx_msgs, tx_bytes, dr_errors;
    shim_msg *dr_head, *dr_tail;      /* delivered by the core, to be served */
    rd_kafka_resp_err_t fatal_err;    /* sticky, 0 if none */
    char      fatal_errstr[SHIM_ERRSTR_BYTES];
    int       fatal_reported;         /* error_cb already called for it */

    /* Consumer handles (consumer.c). */
    char      group[SHIM_GROUP_ID_BYTES_MAX + 1];  /* sanitized group.id, "" if none */
    int       auto_commit, auto_store, partition_eof, reset;
    int64_t   auto_commit_ms, next_auto_commit_ms;
    rd_kafka_topic_partition_list_t *subscription;  /* owned, NULL if none */
    int       rebalance_pending;      /* 1: assign the subscription */
    shim_part *parts[SHIM_PARTS_MAX];
    size_t    nparts, rr;
    shim_event *ev_head, *ev_tail;
    int       closed;
    uint64_t  rx_msgs, rx_bytes;

    /* Transactions (producer.c): with transactional.id the core producers
     * commit only when the transaction does (producer.commit.policy=manual). */
    int       txn_state;              /* SHIM_TXN_* */
    int       txn_committing;         /* rd_kafka_flush may commit (inside commit_transaction) */
    int       txn_aborting;           /* reports of purged messages say _PURGE_QUEUE */
    int       txn_commit_failed;      /* a commit attempt failed: its outcome may be unknown */
    rd_kafka_topic_t *txn_rkt;        /* the one topic of the open transaction */
};

enum {
    SHIM_TXN_OFF = 0,  /* not transactional: commits on linger.ms and flush */
    SHIM_TXN_INIT,     /* transactional.id set, rd_kafka_init_transactions not called */
    SHIM_TXN_READY,    /* initialized, no open transaction */
    SHIM_TXN_IN        /* between begin and commit/abort */
};

/* error.c */
rd_kafka_error_t *shim_error_new(rd_kafka_resp_err_t code, int fatal, int retriable,
                                 int txn_requires_abort, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
rd_kafka_resp_err_t shim_seterr(rd_kafka_resp_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *shim_errstr(void);
rd_kafka_resp_err_t shim_err_from_ls(int ls_rc);

/* conf.c */
const char *shim_conf_lookup(const rd_kafka_conf_t *conf, const char *name);

/* time */
int64_t shim_now_ms(void);

/* handle.c */
int  shim_serve_events(rd_kafka_t *rk);  /* lock not held */

/* consumer.c */
void shim_bref_put(shim_bref *r);
rd_kafka_resp_err_t shim_consumer_init(rd_kafka_t *rk, char *errstr, size_t errstr_size);
void shim_consumer_destroy(rd_kafka_t *rk);
int  shim_consumer_serve(rd_kafka_t *rk);  /* offset_commit_cb events; lock not held */
int  shim_consumer_stats(rd_kafka_t *rk, char *buf, size_t size);  /* lock held; -1: too long */

/* producer.c */
void shim_msg_free(shim_msg *m);
rd_kafka_topic_t *shim_topic_get(rd_kafka_t *rk, const char *name);  /* lock held */
void shim_topic_release(rd_kafka_topic_t *rkt);                      /* lock held */

#endif
