/*
 * producer.c -- topics (a topic is a table, created on first use with
 * lakestream.global.batch.size), rd_kafka_produce/producev onto the core
 * producer of that table, delivery reports queued by the core's delivery
 * callback (which fires only once the sample's commit is in the log) and
 * served by rd_kafka_poll/flush, messages and headers.
 *
 * What is stored: the value only, as one sample.  Key, headers, partition
 * and timestamp are kept on the in-flight message, so dr_msg_cb sees them,
 * and are then dropped (docs/kafka-shim.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "shim_int.h"
#include "lakestream_rdkafka.h"

static int64_t wallclock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void shim_msg_free(shim_msg *m)
{
    if (!m)
        return;
    if (m->payload_owned)
        free(m->rkm.payload);
    free(m->rkm.key);
    rd_kafka_headers_destroy(m->headers);
    shim_bref_put(m->bref);
    free(m);
}

/* Lock held: record a fatal error once (the first one wins). */
static void set_fatal_locked(rd_kafka_t *rk, rd_kafka_resp_err_t err)
{
    if (rk->fatal_err)
        return;
    rk->fatal_err = err;
    snprintf(rk->fatal_errstr, sizeof rk->fatal_errstr,
             "producer id %s was fenced by a newer instance with the same producer id "
             "(transactional.id): %s", rk->producer_id, ls_errmsg());
}

/* The core's delivery callback: runs inside ls_producer_* calls, which the
 * shim makes with rk->lock held; it only queues the report. */
static void on_delivery(void *msg_opaque, int err, void *cb_opaque)
{
    shim_msg *m = msg_opaque;
    rd_kafka_t *rk = cb_opaque;
    m->rkm.err = err == LS_ERR_STATE && rk->txn_aborting ? RD_KAFKA_RESP_ERR__PURGE_QUEUE
                                                          : shim_err_from_ls(err);
    if (err == LS_ERR_FENCED)
        set_fatal_locked(rk, RD_KAFKA_RESP_ERR__FENCED);
    if (err)
        rk->dr_errors++;
    m->next = NULL;
    if (rk->dr_tail)
        rk->dr_tail->next = m;
    else
        rk->dr_head = m;
    rk->dr_tail = m;
}

/* Lock held: a new incarnation of the handle's producer id on the topic's
 * table (fencing any older one). */
static rd_kafka_resp_err_t open_producer(rd_kafka_topic_t *rkt)
{
    rd_kafka_t *rk = rkt->rk;
    int rc = ls_producer_open(rk->st, rkt->name, rk->producer_id, rk->lconf, &rkt->lp);
    if (rc != LS_OK)
        return shim_seterr(shim_err_from_ls(rc), "topic %s: opening producer %s: %s",
                           rkt->name, rk->producer_id, ls_errmsg());
    ls_producer_set_delivery_cb(rkt->lp, on_delivery, rk);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_topic_t *shim_topic_get(rd_kafka_t *rk, const char *name)
{
    for (size_t i = 0; name && i < rk->ntopics; i++)
        if (!strcmp(rk->topics[i]->name, name)) {
            rk->topics[i]->refcnt++;
            return rk->topics[i];
        }
    if (!name || !ls_name_is_valid(name)) {
        errno = EINVAL;
        shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG,
                    "topic \"%s\": a topic is a table: 1..%u of [A-Za-z0-9._-]",
                    name ? name : "(null)", LS_TABLE_NAME_BYTES_MAX);
        return NULL;
    }
    if (rk->ntopics >= SHIM_TOPICS_MAX) {
        shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "more than %u topics", SHIM_TOPICS_MAX);
        return NULL;
    }
    if (rk->fatal_err) {
        shim_seterr(rk->fatal_err, "%s", rk->fatal_errstr);
        return NULL;
    }
    if (rk->type == RD_KAFKA_CONSUMER) {
        /* A consumer's topic names a table; it is opened when read. */
        rd_kafka_topic_t *rkt = calloc(1, sizeof *rkt);
        if (!rkt || !(rkt->name = strdup(name))) {
            free(rkt);
            shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
            return NULL;
        }
        rkt->rk = rk;
        rkt->refcnt = 2;
        rk->topics[rk->ntopics++] = rkt;
        return rkt;
    }
    int rc = ls_table_create(rk->st, name, rk->global_batch, rk->codec);
    if (rc != LS_OK && rc != LS_ERR_EXISTS) {
        shim_seterr(shim_err_from_ls(rc), "topic %s: creating the table: %s", name,
                    ls_errmsg());
        return NULL;
    }
    rd_kafka_topic_t *rkt = calloc(1, sizeof *rkt);
    if (!rkt || !(rkt->name = strdup(name))) {
        free(rkt);
        shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
        return NULL;
    }
    rkt->rk = rk;
    if (open_producer(rkt) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        free(rkt->name);
        free(rkt);
        return NULL;
    }
    rkt->refcnt = 2;  /* the caller's and the handle's list */
    rk->topics[rk->ntopics++] = rkt;
    return rkt;
}

void shim_topic_release(rd_kafka_topic_t *rkt)
{
    if (--rkt->refcnt == 0) {
        free(rkt->name);
        free(rkt);
    }
}

rd_kafka_topic_t *rd_kafka_topic_new(rd_kafka_t *rk, const char *topic,
                                     rd_kafka_topic_conf_t *conf)
{
    void *opaque = conf ? conf->opaque : NULL;
    rd_kafka_topic_conf_destroy(conf);
    pthread_mutex_lock(&rk->lock);
    rd_kafka_topic_t *rkt = shim_topic_get(rk, topic);
    if (rkt && opaque)
        rkt->opaque = opaque;
    pthread_mutex_unlock(&rk->lock);
    return rkt;
}

void rd_kafka_topic_destroy(rd_kafka_topic_t *rkt)
{
    if (!rkt)
        return;
    rd_kafka_t *rk = rkt->rk;
    if (rk)
        pthread_mutex_lock(&rk->lock);
    shim_topic_release(rkt);
    if (rk)
        pthread_mutex_unlock(&rk->lock);
}

const char *rd_kafka_topic_name(const rd_kafka_topic_t *rkt) { return rkt->name; }
void *rd_kafka_topic_opaque(const rd_kafka_topic_t *rkt) { return rkt->opaque; }

/* ---- producing ---- */

typedef struct produce_args {
    rd_kafka_topic_t *rkt;
    const char *topic;
    int32_t partition;
    int msgflags;
    void *payload;
    size_t len;
    const void *key;
    size_t keylen;
    void *msg_opaque;
    int64_t timestamp;
    rd_kafka_headers_t *headers;  /* handed over on success */
} produce_args;

static rd_kafka_resp_err_t produce_locked(rd_kafka_t *rk, produce_args *a)
{
    if (rk->fatal_err)
        return shim_seterr(rk->fatal_err, "%s", rk->fatal_errstr);
    if (a->partition < RD_KAFKA_PARTITION_UA)
        return shim_seterr(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, "partition %d",
                           (int)a->partition);
    if (a->len > LS_SAMPLE_BYTES_MAX)
        return shim_seterr(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
                           "message of %zu bytes is larger than %u", a->len,
                           LS_SAMPLE_BYTES_MAX);
    if (rk->outq_msgs + 1 > rk->queue_msgs_max ||
        rk->outq_bytes + (int64_t)a->len > rk->queue_bytes_max)
        return shim_seterr(RD_KAFKA_RESP_ERR__QUEUE_FULL,
                           "%lld messages / %lld bytes awaiting delivery "
                           "(queue.buffering.max.messages / .kbytes): call rd_kafka_poll",
                           (long long)rk->outq_msgs, (long long)rk->outq_bytes);
    rd_kafka_topic_t *rkt = a->rkt;
    if (!rkt) {
        rkt = shim_topic_get(rk, a->topic);
        if (!rkt)
            return rd_kafka_last_error();
        shim_topic_release(rkt);  /* the handle's list keeps it */
    }
    if (rk->type != RD_KAFKA_PRODUCER)
        return shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "produce on a consumer handle");
    if (rk->txn_committing)
        return shim_seterr(RD_KAFKA_RESP_ERR__STATE, "rd_kafka_commit_transaction is in "
                           "progress: produce after it returns, in the next transaction");
    if (rk->txn_state != SHIM_TXN_OFF && rk->txn_state != SHIM_TXN_IN)
        return shim_seterr(RD_KAFKA_RESP_ERR__STATE,
                           "transactional producer (transactional.id): call "
                           "rd_kafka_init_transactions and rd_kafka_begin_transaction first");
    if (rk->txn_state == SHIM_TXN_IN && rk->txn_rkt && rk->txn_rkt != rkt)
        return shim_seterr(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED,
                           "liblakestream-rdkafka: a transaction writes one topic (it is one "
                           "commit to one table); topic %s is not %s", rkt->name,
                           rk->txn_rkt->name);
    if (!rkt->lp) {
        rd_kafka_resp_err_t err = open_producer(rkt);  /* after an abort */
        if (err)
            return err;
    }

    shim_msg *m = calloc(1, sizeof *m);
    if (!m)
        return shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    m->rkm.rkt = rkt;
    m->rkm.partition = a->partition;
    m->rkm.offset = RD_KAFKA_OFFSET_INVALID;
    m->rkm._private = a->msg_opaque;
    m->timestamp_ms = a->timestamp ? a->timestamp : wallclock_ms();
    m->rkm.len = a->len;
    if (a->msgflags & RD_KAFKA_MSG_F_COPY) {
        m->rkm.payload = malloc(a->len ? a->len : 1);
        if (!m->rkm.payload) {
            free(m);
            return shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
        }
        if (a->len)
            memcpy(m->rkm.payload, a->payload, a->len);
        m->payload_owned = 1;
    } else {
        m->rkm.payload = a->payload;
        m->payload_owned = 0;  /* F_FREE is taken over only on success */
    }
    if (a->key) {
        m->rkm.key = malloc(a->keylen ? a->keylen : 1);
        if (!m->rkm.key) {
            shim_msg_free(m);
            return shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
        }
        memcpy(m->rkm.key, a->key, a->keylen);
        m->rkm.key_len = a->keylen;
    }
    /* Counted before the append: the append may commit and queue this
     * message's report at once. */
    rk->outq_msgs++;
    rk->outq_bytes += (int64_t)a->len;
    m->headers = a->headers;
    if (a->msgflags & RD_KAFKA_MSG_F_FREE)
        m->payload_owned = 1;
    const void *pos = NULL;
    size_t pos_len = 0;
    int rc;
    if (a->headers &&
        rd_kafka_header_get_last(a->headers, LAKESTREAM_SOURCE_POSITION_HEADER, &pos,
                                 &pos_len) == RD_KAFKA_RESP_ERR_NO_ERROR)
        rc = ls_producer_append_at(rkt->lp, a->payload, a->len, m, pos ? pos : "", pos_len);
    else
        rc = ls_producer_append(rkt->lp, a->payload, a->len, m);
    if (rc != LS_OK) {
        rk->outq_msgs--;
        rk->outq_bytes -= (int64_t)a->len;
        if (a->msgflags & RD_KAFKA_MSG_F_FREE)
            m->payload_owned = 0;  /* stays the caller's on failure */
        m->headers = NULL;         /* likewise */
        shim_msg_free(m);
        if (rc == LS_ERR_FENCED)
            set_fatal_locked(rk, RD_KAFKA_RESP_ERR__FENCED);
        if (rc == LS_ERR_LIMIT)
            return shim_seterr(RD_KAFKA_RESP_ERR__QUEUE_FULL, "%s", ls_errmsg());
        return shim_seterr(shim_err_from_ls(rc), "topic %s: %s", rkt->name, ls_errmsg());
    }
    rk->tx_msgs++;
    rk->tx_bytes += a->len;
    if (rk->txn_state == SHIM_TXN_IN)
        rk->txn_rkt = rkt;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t rd_kafka_lakestream_source_position(rd_kafka_t *rk, const char *topic,
                                                        void *buf, size_t *sizep)
{
    if (!rk || !sizep || (*sizep && !buf))
        return shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "%s",
                           "rd_kafka_lakestream_source_position: no handle or buffer");
    pthread_mutex_lock(&rk->lock);
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_topic_t *rkt = NULL;
    if (rk->type != RD_KAFKA_PRODUCER)
        err = shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG,
                          "rd_kafka_lakestream_source_position: not a producer");
    else if (rk->fatal_err)
        err = shim_seterr(rk->fatal_err, "%s", rk->fatal_errstr);
    else if (!(rkt = shim_topic_get(rk, topic)))
        err = rd_kafka_last_error();
    if (!err && !rkt->lp)
        err = open_producer(rkt);
    if (!err) {
        size_t len;
        const void *pos = ls_producer_source_position(rkt->lp, &len);
        if (len > *sizep)
            err = shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG,
                              "topic %s: the source position has %zu bytes, the buffer %zu",
                              topic, len, *sizep);
        else if (len)
            memcpy(buf, pos, len);
        *sizep = len;
    }
    if (rkt)
        shim_topic_release(rkt);
    pthread_mutex_unlock(&rk->lock);
    return err;
}

/* _private holds the application's msg_opaque until the report, as in
 * librdkafka (rkmessage->_private is the msg_opaque in dr_msg_cb). */
static shim_msg *msg_of(const rd_kafka_message_t *rkm)
{
    return (shim_msg *)(void *)((char *)rkm - offsetof(shim_msg, rkm));
}

static int errno_of(rd_kafka_resp_err_t err)
{
    switch (err) {
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:         return ENOBUFS;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:  return EMSGSIZE;
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:  return ESRCH;
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:      return ENOENT;
    case RD_KAFKA_RESP_ERR__FENCED:
    case RD_KAFKA_RESP_ERR__FATAL:              return ECANCELED;
    default:                                    return EINVAL;
    }
}

int rd_kafka_produce(rd_kafka_topic_t *rkt, int32_t partition, int msgflags, void *payload,
                     size_t len, const void *key, size_t keylen, void *msg_opaque)
{
    rd_kafka_t *rk = rkt->rk;
    if (!rk) {
        shim_seterr(RD_KAFKA_RESP_ERR__DESTROY, "the handle of topic %s is destroyed",
                    rkt->name);
        errno = EINVAL;
        return -1;
    }
    produce_args a = {.rkt = rkt, .partition = partition, .msgflags = msgflags,
                      .payload = payload, .len = len, .key = key, .keylen = keylen,
                      .msg_opaque = msg_opaque};
    pthread_mutex_lock(&rk->lock);
    rd_kafka_resp_err_t err = produce_locked(rk, &a);
    pthread_mutex_unlock(&rk->lock);
    if (err) {
        errno = errno_of(err);
        return -1;
    }
    shim_seterr(RD_KAFKA_RESP_ERR_NO_ERROR, NULL);
    return 0;
}

rd_kafka_resp_err_t rd_kafka_producev(rd_kafka_t *rk, ...)
{
    produce_args a = {.partition = RD_KAFKA_PARTITION_UA};
    rd_kafka_headers_t *own_hdrs = NULL;   /* built from V_HEADER */
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    va_list ap;
    va_start(ap, rk);
    for (int done = 0; !done && !err;) {
        rd_kafka_vtype_t vt = (rd_kafka_vtype_t)va_arg(ap, int);
        switch (vt) {
        case RD_KAFKA_VTYPE_END:       done = 1; break;
        case RD_KAFKA_VTYPE_TOPIC:     a.topic = va_arg(ap, const char *); break;
        case RD_KAFKA_VTYPE_RKT:       a.rkt = va_arg(ap, rd_kafka_topic_t *); break;
        case RD_KAFKA_VTYPE_PARTITION: a.partition = (int32_t)va_arg(ap, int); break;
        case RD_KAFKA_VTYPE_VALUE:
            a.payload = va_arg(ap, void *);
            a.len = va_arg(ap, size_t);
            break;
        case RD_KAFKA_VTYPE_KEY:
            a.key = va_arg(ap, const void *);
            a.keylen = va_arg(ap, size_t);
            break;
        case RD_KAFKA_VTYPE_OPAQUE:    a.msg_opaque = va_arg(ap, void *); break;
        case RD_KAFKA_VTYPE_MSGFLAGS:  a.msgflags = va_arg(ap, int); break;
        case RD_KAFKA_VTYPE_TIMESTAMP: a.timestamp = va_arg(ap, int64_t); break;
        case RD_KAFKA_VTYPE_HEADER: {
            const char *name = va_arg(ap, const char *);
            const void *value = va_arg(ap, const void *);
            ssize_t size = va_arg(ap, ssize_t);
            if (a.headers && !own_hdrs) {
                err = shim_seterr(RD_KAFKA_RESP_ERR__CONFLICT,
                                  "RD_KAFKA_V_HEADER and RD_KAFKA_V_HEADERS are exclusive");
                break;
            }
            if (!own_hdrs && !(own_hdrs = a.headers = rd_kafka_headers_new(8))) {
                err = shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
                break;
            }
            err = rd_kafka_header_add(own_hdrs, name, -1, value, size);
            break;
        }
        case RD_KAFKA_VTYPE_HEADERS:
            if (own_hdrs) {
                err = shim_seterr(RD_KAFKA_RESP_ERR__CONFLICT,
                                  "RD_KAFKA_V_HEADER and RD_KAFKA_V_HEADERS are exclusive");
                break;
            }
            a.headers = va_arg(ap, rd_kafka_headers_t *);
            break;
        default:
            err = shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG,
                              "rd_kafka_producev: unsupported argument type %d", (int)vt);
        }
    }
    va_end(ap);
    if (!err && !a.rkt && !a.topic)
        err = shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG,
                          "rd_kafka_producev: no RD_KAFKA_V_TOPIC or RD_KAFKA_V_RKT");
    if (!err) {
        pthread_mutex_lock(&rk->lock);
        err = produce_locked(rk, &a);
        pthread_mutex_unlock(&rk->lock);
    }
    if (err) {
        rd_kafka_headers_destroy(own_hdrs);  /* V_HEADERS stay the caller's */
        return err;
    }
    return shim_seterr(RD_KAFKA_RESP_ERR_NO_ERROR, NULL);
}

/* ---- messages ---- */

void rd_kafka_message_destroy(rd_kafka_message_t *rkmessage)
{
    if (rkmessage)
        shim_msg_free(msg_of(rkmessage));
}

const char *rd_kafka_message_errstr(const rd_kafka_message_t *rkmessage)
{
    if (!rkmessage->err)
        return NULL;
    if (msg_of(rkmessage)->payload_is_errstr)
        return rkmessage->payload;
    return rd_kafka_err2str(rkmessage->err);
}

int64_t rd_kafka_message_timestamp(const rd_kafka_message_t *rkmessage,
                                   rd_kafka_timestamp_type_t *tstype)
{
    int64_t ts = msg_of(rkmessage)->timestamp_ms;
    if (tstype)
        *tstype = ts < 0 ? RD_KAFKA_TIMESTAMP_NOT_AVAILABLE : RD_KAFKA_TIMESTAMP_CREATE_TIME;
    return ts;
}

rd_kafka_resp_err_t rd_kafka_message_headers(const rd_kafka_message_t *rkmessage,
                                             rd_kafka_headers_t **hdrsp)
{
    rd_kafka_headers_t *h = msg_of(rkmessage)->headers;
    if (!h || h->n == 0)
        return RD_KAFKA_RESP_ERR__NOENT;
    *hdrsp = h;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t rd_kafka_message_detach_headers(rd_kafka_message_t *rkmessage,
                                                    rd_kafka_headers_t **hdrsp)
{
    shim_msg *m = msg_of(rkmessage);
    if (!m->headers)
        return RD_KAFKA_RESP_ERR__NOENT;
    *hdrsp = m->headers;
    m->headers = NULL;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_msg_status_t rd_kafka_message_status(const rd_kafka_message_t *rkmessage)
{
    return rkmessage->err ? RD_KAFKA_MSG_STATUS_NOT_PERSISTED : RD_KAFKA_MSG_STATUS_PERSISTED;
}

/* ---- headers ---- */

rd_kafka_headers_t *rd_kafka_headers_new(size_t initial_count)
{
    rd_kafka_headers_t *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->cap = initial_count ? initial_count : 1;
    if (h->cap > SHIM_HEADERS_MAX)
        h->cap = SHIM_HEADERS_MAX;
    h->hdrs = calloc(h->cap, sizeof *h->hdrs);
    if (!h->hdrs) {
        free(h);
        return NULL;
    }
    return h;
}

void rd_kafka_headers_destroy(rd_kafka_headers_t *hdrs)
{
    if (!hdrs)
        return;
    for (size_t i = 0; i < hdrs->n; i++) {
        free(hdrs->hdrs[i].name);
        free(hdrs->hdrs[i].value);
    }
    free(hdrs->hdrs);
    free(hdrs);
}

rd_kafka_resp_err_t rd_kafka_header_add(rd_kafka_headers_t *hdrs, const char *name,
                                        ssize_t name_size, const void *value,
                                        ssize_t value_size)
{
    if (!hdrs || !name)
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    if (hdrs->n >= SHIM_HEADERS_MAX)
        return RD_KAFKA_RESP_ERR__QUEUE_FULL;
    if (hdrs->n == hdrs->cap) {
        size_t cap = hdrs->cap * 2 > SHIM_HEADERS_MAX ? SHIM_HEADERS_MAX : hdrs->cap * 2;
        shim_header *nh = realloc(hdrs->hdrs, cap * sizeof *nh);
        if (!nh)
            return RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
        hdrs->hdrs = nh;
        hdrs->cap = cap;
    }
    size_t nlen = name_size < 0 ? strlen(name) : (size_t)name_size;
    size_t vlen = value ? (value_size < 0 ? strlen(value) : (size_t)value_size) : 0;
    shim_header *e = &hdrs->hdrs[hdrs->n];
    e->name = malloc(nlen + 1);
    e->value = value ? malloc(vlen + 1) : NULL;
    if (!e->name || (value && !e->value)) {
        free(e->name);
        free(e->value);
        return RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
    }
    memcpy(e->name, name, nlen);
    e->name[nlen] = '\0';
    if (value) {
        memcpy(e->value, value, vlen);
        ((char *)e->value)[vlen] = '\0';
    }
    e->size = vlen;
    hdrs->n++;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_headers_t *rd_kafka_headers_copy(const rd_kafka_headers_t *src)
{
    rd_kafka_headers_t *h = rd_kafka_headers_new(src->n);
    for (size_t i = 0; h && i < src->n; i++)
        if (rd_kafka_header_add(h, src->hdrs[i].name, -1, src->hdrs[i].value,
                                (ssize_t)src->hdrs[i].size)) {
            rd_kafka_headers_destroy(h);
            return NULL;
        }
    return h;
}

rd_kafka_resp_err_t rd_kafka_header_remove(rd_kafka_headers_t *hdrs, const char *name)
{
    size_t k = 0;
    for (size_t i = 0; i < hdrs->n; i++) {
        if (!strcmp(hdrs->hdrs[i].name, name)) {
            free(hdrs->hdrs[i].name);
            free(hdrs->hdrs[i].value);
        } else {
            hdrs->hdrs[k++] = hdrs->hdrs[i];
        }
    }
    int removed = k != hdrs->n;
    hdrs->n = k;
    return removed ? RD_KAFKA_RESP_ERR_NO_ERROR : RD_KAFKA_RESP_ERR__NOENT;
}

rd_kafka_resp_err_t rd_kafka_header_get_last(const rd_kafka_headers_t *hdrs, const char *name,
                                             const void **valuep, size_t *sizep)
{
    for (size_t i = hdrs->n; i-- > 0;)
        if (!strcmp(hdrs->hdrs[i].name, name)) {
            *valuep = hdrs->hdrs[i].value;
            *sizep = hdrs->hdrs[i].size;
            return RD_KAFKA_RESP_ERR_NO_ERROR;
        }
    return RD_KAFKA_RESP_ERR__NOENT;
}

rd_kafka_resp_err_t rd_kafka_header_get(const rd_kafka_headers_t *hdrs, size_t idx,
                                        const char *name, const void **valuep, size_t *sizep)
{
    for (size_t i = 0; i < hdrs->n; i++)
        if (!strcmp(hdrs->hdrs[i].name, name) && idx-- == 0) {
            *valuep = hdrs->hdrs[i].value;
            *sizep = hdrs->hdrs[i].size;
            return RD_KAFKA_RESP_ERR_NO_ERROR;
        }
    return RD_KAFKA_RESP_ERR__NOENT;
}

rd_kafka_resp_err_t rd_kafka_header_get_all(const rd_kafka_headers_t *hdrs, size_t idx,
                                            const char **namep, const void **valuep,
                                            size_t *sizep)
{
    if (idx >= hdrs->n)
        return RD_KAFKA_RESP_ERR__NOENT;
    *namep = hdrs->hdrs[idx].name;
    *valuep = hdrs->hdrs[idx].value;
    *sizep = hdrs->hdrs[idx].size;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

size_t rd_kafka_header_cnt(const rd_kafka_headers_t *hdrs) { return hdrs->n; }

/* ---- transactions ----
 *
 * A transaction is one commit of the one topic it writes: its messages are
 * held by the core producer (producer.commit.policy=manual, so neither
 * linger.ms nor poll commits them) until rd_kafka_commit_transaction
 * commits them together, all visible or none.  Abort drops them: the core
 * producer is closed without committing (reports: _PURGE_QUEUE) and a new
 * incarnation is opened at the next produce; chunks already written are
 * orphans for GC.  Fencing: a newer instance with the same transactional.id
 * fences this one at its next commit (fatal _FENCED). */

static rd_kafka_error_t *txn_error(rd_kafka_t *rk, const char *fn, int want)
{
    if (rk->type != RD_KAFKA_PRODUCER || rk->txn_state == SHIM_TXN_OFF)
        return shim_error_new(RD_KAFKA_RESP_ERR__NOT_CONFIGURED, 0, 0, 0,
                              "%s: the producer has no transactional.id", fn);
    if (rk->fatal_err)
        return shim_error_new(rk->fatal_err, 1, 0, 0, "%s", rk->fatal_errstr);
    if (want >= 0 && rk->txn_state != want)
        return shim_error_new(RD_KAFKA_RESP_ERR__STATE, 0, 0, 0,
                              "%s: %s", fn,
                              rk->txn_state == SHIM_TXN_INIT ? "call rd_kafka_init_transactions first"
                              : rk->txn_state == SHIM_TXN_IN ? "a transaction is open"
                                                             : "no transaction is open");
    return NULL;
}

rd_kafka_error_t *rd_kafka_init_transactions(rd_kafka_t *rk, int timeout_ms)
{
    (void)timeout_ms;
    pthread_mutex_lock(&rk->lock);
    rd_kafka_error_t *e = txn_error(rk, "rd_kafka_init_transactions", -1);
    if (!e && rk->txn_state == SHIM_TXN_IN)
        e = shim_error_new(RD_KAFKA_RESP_ERR__STATE, 0, 0, 0,
                           "rd_kafka_init_transactions: a transaction is open");
    if (!e)
        rk->txn_state = SHIM_TXN_READY;
    pthread_mutex_unlock(&rk->lock);
    return e;
}

rd_kafka_error_t *rd_kafka_begin_transaction(rd_kafka_t *rk)
{
    pthread_mutex_lock(&rk->lock);
    rd_kafka_error_t *e = txn_error(rk, "rd_kafka_begin_transaction", SHIM_TXN_READY);
    if (!e) {
        rk->txn_state = SHIM_TXN_IN;
        rk->txn_rkt = NULL;
        rk->txn_commit_failed = 0;
    }
    pthread_mutex_unlock(&rk->lock);
    return e;
}

rd_kafka_error_t *rd_kafka_commit_transaction(rd_kafka_t *rk, int timeout_ms)
{
    pthread_mutex_lock(&rk->lock);
    rd_kafka_error_t *e = txn_error(rk, "rd_kafka_commit_transaction", SHIM_TXN_IN);
    if (!e)
        rk->txn_committing = 1;
    pthread_mutex_unlock(&rk->lock);
    if (e)
        return e;
    rd_kafka_resp_err_t err = rd_kafka_flush(rk, timeout_ms);
    pthread_mutex_lock(&rk->lock);
    rk->txn_committing = 0;
    if (!err) {
        rk->txn_state = SHIM_TXN_READY;
        rk->txn_rkt = NULL;
    } else if (rk->fatal_err) {
        e = shim_error_new(rk->fatal_err, 1, 0, 0, "%s", rk->fatal_errstr);
    } else {
        /* Still buffered: commit again (the core never commits twice). */
        rk->txn_commit_failed = 1;
        e = shim_error_new(err, 0, 1, 0, "rd_kafka_commit_transaction: %s", shim_errstr());
    }
    pthread_mutex_unlock(&rk->lock);
    return e;
}

rd_kafka_error_t *rd_kafka_abort_transaction(rd_kafka_t *rk, int timeout_ms)
{
    (void)timeout_ms;
    pthread_mutex_lock(&rk->lock);
    rd_kafka_error_t *e = txn_error(rk, "rd_kafka_abort_transaction", SHIM_TXN_IN);
    if (!e && rk->txn_commit_failed)
        /* The failed attempt may have reached the log: aborting now could
         * not promise that nothing is visible.  Retrying the commit can. */
        e = shim_error_new(RD_KAFKA_RESP_ERR__STATE, 0, 1, 0,
                           "rd_kafka_abort_transaction: a commit attempt of this transaction "
                           "failed with an unknown outcome; retry "
                           "rd_kafka_commit_transaction");
    if (!e) {
        rk->txn_aborting = 1;
        for (size_t i = 0; i < rk->ntopics; i++) {
            ls_producer_close(rk->topics[i]->lp);  /* reports queued: _PURGE_QUEUE */
            rk->topics[i]->lp = NULL;              /* reopened at the next produce */
        }
        rk->txn_aborting = 0;
        rk->txn_state = SHIM_TXN_READY;
        rk->txn_rkt = NULL;
    }
    pthread_mutex_unlock(&rk->lock);
    return e;
}
