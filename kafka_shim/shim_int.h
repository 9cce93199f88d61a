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
#define SHIM_QUEUE_EVENTS_MAX     100000u /* events waiting on one queue (then dropped, counted) */
#define SHIM_LOG_LINE_BYTES_MAX   512u    /* one log event's text */
#define SHIM_GROUPS_MAX           4096u   /* groups one listing returns */
#define SHIM_BROKER_ID            0       /* the one "broker": the store */
#define SHIM_LOG_LEVEL_DEFAULT    6       /* librdkafka's log_level default */

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
    void (*background_event_cb)(rd_kafka_t *, rd_kafka_event_t *, void *);
    void (*dr_cb)(rd_kafka_t *, void *, size_t, rd_kafka_resp_err_t, void *, void *);
    void (*log_cb)(const rd_kafka_t *, int, const char *, const char *);
    void (*throttle_cb)(rd_kafka_t *, const char *, int32_t, int, void *);
    void (*consume_cb)(rd_kafka_message_t *, void *);
    int   enabled_events;                 /* rd_kafka_conf_set_events */
    void *opaque;
    rd_kafka_topic_conf_t *default_topic_conf;  /* owned, may be NULL */
    /* Stored for rd_kafka_conf_get/dump/dup only: no broker, socket, TLS
     * or SASL, so the shim never calls them (docs/kafka-shim-properties.md). */
    void (*oauthbearer_token_refresh_cb)(rd_kafka_t *, const char *, void *);
    int  (*socket_cb)(int, int, int, void *);
    int  (*connect_cb)(int, const struct sockaddr *, int, const char *, void *);
    int  (*closesocket_cb)(int, void *);
    int  (*open_cb)(const char *, int, mode_t, void *);
    int  (*resolve_cb)(const char *, const char *, const struct addrinfo *,
                       struct addrinfo **, void *);
    int  (*ssl_cert_verify_cb)(rd_kafka_t *, const char *, int32_t, int *, int,
                               const char *, size_t, char *, size_t, void *);
    void *engine_callback_data;
    struct shim_conf_ic *ic;              /* interceptors (conf.c), owned, may be NULL */
};

struct rd_kafka_topic_conf_s {
    char   *names[SHIM_CONF_PROPS_MAX];
    char   *values[SHIM_CONF_PROPS_MAX];
    size_t  n;
    void   *opaque;
    int32_t (*partitioner_cb)(const rd_kafka_topic_t *, const void *, size_t, int32_t,
                              void *, void *);      /* stored, not called */
    int (*msg_order_cmp)(const rd_kafka_message_t *,
                         const rd_kafka_message_t *); /* stored, not called */
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
    int64_t   produced_us;     /* produced: when (monotonic µs); 0: consumed */
    int64_t   latency_us;      /* produced: produce to delivery; 0: unknown */
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
    rd_kafka_queue_t *legacy_q;   /* legacy consumer: the queue it delivers to (a reference) */
    rd_kafka_queue_t *own_q;      /* legacy consumer: the partition's own queue (a reference) */
    int64_t   retry_at_ms;     /* after a missing table or a read error */
} shim_part;

/* An offset-commit result for offset_commit_cb, served from poll. */
typedef struct shim_event {
    rd_kafka_resp_err_t err;
    rd_kafka_topic_partition_list_t *offsets;  /* owned */
    struct shim_event *next;
} shim_event;

/* ---- events and queues (queue.c, event.c) ----
 *
 * An event (rd_kafka_event_t is struct rd_kafka_op_s in librdkafka's
 * header) is owned by whoever holds it: the queue it waits on, then the
 * application that polled it, until rd_kafka_event_destroy.  Admin
 * results keep their payload in `result` (admin.c), freed by result_free.
 */
struct rd_kafka_op_s {
    rd_kafka_event_type_t type;      /* RD_KAFKA_EVENT_* */
    rd_kafka_t *rk;
    rd_kafka_resp_err_t err;
    char       *errstr;              /* owned; NULL: rd_kafka_err2str(err) */
    int         fatal;
    void       *opaque;              /* admin: AdminOptions' opaque; commit: the cb's */
    shim_msg  **msgs;                /* DR, FETCH: owned messages */
    size_t      nmsgs, cursor;       /* cursor: rd_kafka_event_message_next's */
    rd_kafka_topic_partition_list_t *parts;  /* OFFSET_COMMIT, REBALANCE: owned */
    char       *str;                 /* STATS: JSON; LOG: the line (owned) */
    size_t      str_len;
    char        fac[32];             /* LOG */
    int         level;               /* LOG: syslog level */
    void      (*commit_cb)(rd_kafka_t *, rd_kafka_resp_err_t,
                           rd_kafka_topic_partition_list_t *, void *);  /* commit_queue's */
    void       *result;              /* admin payload (admin.c) */
    void      (*result_free)(void *);
    struct rd_kafka_op_s *next;
};

enum {
    SHIM_Q_USER = 0,   /* rd_kafka_queue_new: events pushed to it */
    SHIM_Q_MAIN,       /* rd_kafka_queue_get_main: DRs, errors, stats, logs, made on poll */
    SHIM_Q_CONSUMER,   /* rd_kafka_queue_get_consumer: messages of the assignment */
    SHIM_Q_PARTITION,  /* rd_kafka_queue_get_partition / consume_start_queue */
    SHIM_Q_BACKGROUND  /* served by a thread calling background_event_cb */
};

struct rd_kafka_queue_s {
    rd_kafka_t *rk;
    int         kind;                /* SHIM_Q_* */
    pthread_mutex_t lock;            /* guards the fields below */
    pthread_cond_t  cond;
    rd_kafka_event_t *head, *tail;
    size_t      len;
    uint64_t    dropped;             /* past SHIM_QUEUE_EVENTS_MAX */
    rd_kafka_queue_t *fwd;           /* pushed events go there (holds a reference) */
    int         refcnt;              /* app handles + the handle's own */
    char       *topic;               /* SHIM_Q_PARTITION */
    int32_t     partition;
    int         io_fd;               /* rd_kafka_queue_io_event_enable; -1: none */
    char        io_payload[8];
    size_t      io_size;
    void      (*cb)(rd_kafka_t *, void *);  /* rd_kafka_queue_cb_event_enable */
    void       *cb_opaque;
};

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
    char     *store_uri;      /* the store opened (LAKESTREAM_STORE or bootstrap.servers) */
    char      name[256];
    char      producer_id[LS_PRODUCER_ID_BYTES_MAX + 1];
    uint32_t  global_batch, rank, world_size;
    ls_codec  codec;
    int64_t   queue_msgs_max, queue_bytes_max;
    int64_t   stats_interval_ms, next_stats_ms;

    /* Producer handles: opens a new topic's core producer (producer.c's
     * shim_producer_attach); NULL on consumers.  Lock held. */
    rd_kafka_resp_err_t (*topic_attach)(rd_kafka_topic_t *rkt);

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

    /* Transactions (txn.c): with transactional.id the core producers
     * commit only when the transaction does (producer.commit.policy=manual). */
    int       txn_state;              /* SHIM_TXN_* */
    int       txn_committing;         /* rd_kafka_flush may commit (inside commit_transaction) */
    int       txn_aborting;           /* reports of purged messages say _PURGE_QUEUE */
    int       txn_commit_failed;      /* a commit attempt failed: its outcome may be unknown */
    rd_kafka_topic_t *txn_rkt;        /* the one topic of the open transaction */
    int       purging;                /* rd_kafka_purge: reports say _PURGE_QUEUE/_INFLIGHT */
    /* Consumer offsets of transactions (txn.c): the map of every input
     * partition's offset, as committed (eos_done) and with the open
     * transaction's rd_kafka_send_offsets_to_transaction (eos_next), in the
     * source-position format of txn.c.  Inline, so a handle needs no
     * teardown for them. */
    uint8_t   eos_done[LS_SOURCE_POSITION_BYTES_MAX], eos_next[LS_SOURCE_POSITION_BYTES_MAX];
    uint32_t  eos_done_len, eos_next_len;
    int       eos_sent;               /* the open transaction sent offsets */
    int       eos_stale;              /* a roll-forward after init moved an input: abort */
    int       eos_lag;                /* an input checkpoint is behind eos_done: roll forward */

    /* Queues (queue.c): made at rd_kafka_new, destroyed with the handle. */
    rd_kafka_queue_t *mainq, *consumerq, *backgroundq;
    rd_kafka_queue_t *logq;           /* rd_kafka_set_log_queue's queue (a reference) */
    int       log_to_queue;           /* set_log_queue called: logq, or the main queue if NULL */
    int       log_level;              /* conf log_level: lines above it are not made */
    pthread_t bg_thread;
    int       bg_running, bg_stop;
    int       poll_to_consumer;       /* rd_kafka_poll_set_consumer */
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
/* librdkafka 2.0.2's property table (conf_props.c), as rdkafka_conf.c keeps
 * it: scope and importance bits, type, range, default, description, and what
 * the shim does with each.  The last entry has name NULL. */
enum { SHIM_PS_GLOBAL = 0x1, SHIM_PS_PRODUCER = 0x2, SHIM_PS_CONSUMER = 0x4,
       SHIM_PS_TOPIC = 0x8, SHIM_PS_DEPRECATED = 0x20, SHIM_PS_HIDDEN = 0x40,
       SHIM_PS_HIGH = 0x80, SHIM_PS_MED = 0x100, SHIM_PS_EXPERIMENTAL = 0x200,
       SHIM_PS_SENSITIVE = 0x400, SHIM_PS_LAKESTREAM = 0x1000 /* the shim's own */ };
typedef enum { SHIM_PT_STR, SHIM_PT_KSTR, SHIM_PT_INT, SHIM_PT_DBL, SHIM_PT_S2I,
               SHIM_PT_S2F, SHIM_PT_BOOL, SHIM_PT_PTR, SHIM_PT_PATLIST, SHIM_PT_ALIAS,
               SHIM_PT_INTERNAL, SHIM_PT_INVALID } shim_ptype;
typedef struct shim_s2i { int val; const char *str; } shim_s2i;  /* {0, NULL} ends */
typedef struct shim_prop {
    const char *name;
    int         scope;                /* SHIM_PS_* */
    shim_ptype  type;
    int         vmin, vmax, vdef;     /* INT, BOOL, S2I, S2F */
    double      dmin, dmax, ddef;     /* DBL */
    const char *sdef;                 /* STR default (NULL: none); ALIAS: the target */
    const shim_s2i *s2i;              /* S2I, S2F, INT names; NULL: none */
    int       (*validate)(const char *value);  /* STR: 0 rejects the value */
    int         honoured;             /* 1: has an effect in the shim */
    const char *note;                 /* what it does in the shim, or why it has none */
    const char *desc;                 /* librdkafka's description, verbatim */
} shim_prop;
extern const shim_prop shim_props[];
const char *shim_conf_lookup(const rd_kafka_conf_t *conf, const char *name);

/* time */
int64_t shim_now_ms(void);
int64_t shim_now_us(void);

/* handle.c */
int  shim_serve_events(rd_kafka_t *rk);  /* lock not held */

/* consumer.c */
void shim_bref_put(shim_bref *r);
rd_kafka_resp_err_t shim_consumer_init(rd_kafka_t *rk, char *errstr, size_t errstr_size);
void shim_consumer_destroy(rd_kafka_t *rk);
int  shim_consumer_serve(rd_kafka_t *rk);  /* offset_commit_cb events; lock not held */
int  shim_consumer_stats(rd_kafka_t *rk, char *buf, size_t size);  /* lock held; -1: too long */

/* queue.c: events and queues.  shim_queue_push takes ev (following
 * forwarding; a full queue drops it and counts); shim_queue_pop waits up
 * to timeout_ms (-1: forever) for a pushed event and takes it;
 * shim_queue_wait waits the same way and leaves it there (1: one is). */
rd_kafka_event_t *shim_event_new(rd_kafka_t *rk, rd_kafka_event_type_t type);
void shim_event_free(rd_kafka_event_t *ev);
rd_kafka_queue_t *shim_queue_create(rd_kafka_t *rk, int kind);
void shim_queue_push(rd_kafka_queue_t *q, rd_kafka_event_t *ev);
rd_kafka_event_t *shim_queue_pop(rd_kafka_queue_t *q, int timeout_ms);
int  shim_queue_wait(rd_kafka_queue_t *q, int timeout_ms);
int  shim_queues_init(rd_kafka_t *rk);     /* rd_kafka_new; -1: out of memory */
void shim_queues_destroy(rd_kafka_t *rk);  /* handle teardown, lock not held */
/* A log line: to the log queue as an event, else log_cb (lock not held). */
void shim_log(rd_kafka_t *rk, int level, const char *fac, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* admin.c: the Admin API (with admin_configs.c, _groups.c, _acl.c).  A result
 * event's payload is a shim_admin_res: its items in request order, each
 * freed by item_free.  shim_admin_reply pushes one result event to rkqu,
 * taking res (may be NULL); err != 0 is a request-level error, fmt says
 * why.  shim_admin_next_table: the store's next table candidate after
 * name ("" first) into name (1), 0 at the end, else -ls_err. */
typedef struct shim_admin_res {
    void  **items;
    size_t  n, cap;
    void  (*item_free)(void *);
} shim_admin_res;
shim_admin_res *shim_admin_res_new(void (*item_free)(void *));
int  shim_admin_res_add(shim_admin_res *res, void *item);  /* -1: no memory, item freed */
const shim_admin_res *shim_admin_res_of(const rd_kafka_event_t *ev, rd_kafka_event_type_t type);
void shim_admin_reply(rd_kafka_t *rk, rd_kafka_queue_t *rkqu, rd_kafka_event_type_t type,
                      const rd_kafka_AdminOptions_t *options, shim_admin_res *res,
                      rd_kafka_resp_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
int64_t shim_admin_deadline_ms(rd_kafka_t *rk, const rd_kafka_AdminOptions_t *options);
int  shim_admin_next_table(rd_kafka_t *rk, char *name, size_t size);
/* ListConsumerGroups' match_consumer_group_states: *states (owned by options), count. */
size_t shim_admin_match_states(const rd_kafka_AdminOptions_t *options,
                               const rd_kafka_consumer_group_state_t **states);

/* event.c: the events q's sources have now (main: deliveries, errors,
 * statistics; consumer: the next message; legacy partitions started on q),
 * NULL if none; and serving an event through the callback its type has
 * (then freeing it). */
rd_kafka_event_t *shim_queue_make(rd_kafka_queue_t *q);
shim_msg *shim_queue_make_msg(rd_kafka_queue_t *q);  /* consumer and legacy sources only */
void shim_event_serve(rd_kafka_event_t *ev);
rd_kafka_event_t *shim_event_from_msg(rd_kafka_t *rk, shim_msg *m);  /* takes m */

/* legacy.c / consumer.c: the legacy consumer.  A legacy partition
 * delivers to its queue (its own partition queue, or the one given to
 * rd_kafka_consume_start_queue); the high-level consumer skips it. */
shim_msg *shim_legacy_next(rd_kafka_t *rk, rd_kafka_queue_t *q);   /* lock not held */
rd_kafka_resp_err_t shim_legacy_start(rd_kafka_t *rk, const char *topic, int32_t partition,
                                      int64_t offset, rd_kafka_queue_t *q);
rd_kafka_resp_err_t shim_legacy_stop(rd_kafka_t *rk, const char *topic, int32_t partition);
rd_kafka_queue_t *shim_legacy_queue(rd_kafka_t *rk, const char *topic, int32_t partition);

/* metadata.c: the store's tables, sorted (at most SHIM_TOPICS_MAX), and
 * the consumer groups with checkpoints in them (or only `group`). */
int  shim_tables_list(rd_kafka_t *rk, char ***namesp, size_t *np);  /* 0 or an error */
void shim_tables_free(char **names, size_t n);
int  shim_groups_list(rd_kafka_t *rk, const char *group, char ***outp, size_t *np);  /* -1 */

/* handle.c */
void shim_drive(rd_kafka_t *rk, int flush);  /* let the core producers commit; lock not held */
void shim_drive_locked(rd_kafka_t *rk, int flush);  /* the same, lock held */
void shim_dr_call(rd_kafka_t *rk, const rd_kafka_message_t *rkm);  /* dr_msg_cb or dr_cb */
char *shim_stats_due(rd_kafka_t *rk, size_t *lenp);  /* lock not held; caller frees */

/* txn.c: exactly-once consume-transform-produce.  shim_txn_topic_opened:
 * a core producer of a transactional handle was opened on rkt (lock
 * held): merges its committed consumer offsets into the handle's and rolls
 * the input checkpoints behind them forward. */
rd_kafka_resp_err_t shim_txn_topic_opened(rd_kafka_topic_t *rkt);
/* For txn.c, defined at the end of consumer.c.  shim_group_encode: group.id as
 * it names checkpoints ("a.b" -> "a_2eb"); -1 if too long or empty.
 * shim_group_checkpoint: commit rank `rank`'s progress at world size
 * `world` for the encoded group on table `topic` at step offset / (B/W),
 * as rd_kafka_commit does, unless the rank's recorded step is already
 * there or beyond; *moved = 1 if it committed (may be NULL).
 * shim_group_slice: B/W of `topic` at `world`.  Lock not needed. */
int shim_group_encode(const char *group_id, char *out, size_t size);
rd_kafka_resp_err_t shim_group_checkpoint(ls_store *st, const ls_conf *lconf,
                                          const char *group, uint32_t world, uint32_t rank,
                                          const char *topic, int64_t offset, int *moved);
rd_kafka_resp_err_t shim_group_slice(ls_store *st, const ls_conf *lconf, const char *topic,
                                     uint32_t world, uint32_t *slice);

/* producer.c */
void shim_msg_free(shim_msg *m);
rd_kafka_resp_err_t shim_producer_attach(rd_kafka_topic_t *rkt);    /* lock held */

/* topic.c */
rd_kafka_topic_t *shim_topic_get(rd_kafka_t *rk, const char *name);  /* lock held */
void shim_topic_release(rd_kafka_topic_t *rkt);                      /* lock held */

#endif
