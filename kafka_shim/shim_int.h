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

/* Defaults of librdkafka kept by the shim. */
#define SHIM_QUEUE_MSGS_DEFAULT   100000
#define SHIM_QUEUE_KBYTES_DEFAULT 1048576
#define SHIM_GLOBAL_BATCH_DEFAULT 1

struct rd_kafka_conf_s {
    char   *names[SHIM_CONF_PROPS_MAX];   /* owned */
    char   *values[SHIM_CONF_PROPS_MAX];  /* owned */
    size_t  n;
    ls_conf *lconf;                       /* lakestream.* passthrough, owned */
    void (*dr_msg_cb)(rd_kafka_t *, const rd_kafka_message_t *, void *);
    void (*error_cb)(rd_kafka_t *, int, const char *, void *);
    int  (*stats_cb)(rd_kafka_t *, char *, size_t, void *);
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

/* A message in flight: produced, awaiting its delivery report.  rkm is
 * what dr_msg_cb sees; rkm._private points back to the shim_msg. */
typedef struct shim_msg {
    rd_kafka_message_t rkm;
    int       payload_owned;   /* F_COPY or F_FREE: free payload after the DR */
    int64_t   timestamp_ms;
    rd_kafka_headers_t *headers;  /* owned, may be NULL */
    struct shim_msg *next;     /* DR queue link */
} shim_msg;

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
};

/* error.c */
rd_kafka_resp_err_t shim_seterr(rd_kafka_resp_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *shim_errstr(void);
rd_kafka_resp_err_t shim_err_from_ls(int ls_rc);

/* conf.c */
const char *shim_conf_lookup(const rd_kafka_conf_t *conf, const char *name);

/* time */
int64_t shim_now_ms(void);

/* producer.c */
void shim_msg_free(shim_msg *m);
rd_kafka_topic_t *shim_topic_get(rd_kafka_t *rk, const char *name);  /* lock held */
void shim_topic_release(rd_kafka_topic_t *rkt);                      /* lock held */

#endif
