/*
 * producer.c -- rd_kafka_produce/producev onto the core producer of a
 * topic's table (topics are topic.c's; a producer handle's topic_attach
 * opens the core producer), delivery reports queued by the core's delivery
 * callback (which fires only once the sample's commit is in the log) and
 * served by rd_kafka_poll/flush, rd_kafka_purge, messages and headers.
 * Transactions are txn.c's.
 *
 * What is stored: the value only, as one sample.  Key, headers and
 * timestamp are kept on the in-flight message, so dr_msg_cb sees them,
 * and are then dropped (docs/kafka-shim.md).  A delivered message reports
 * where it landed as partition 0, offset = its sample number in the
 * table's global order: where a consumer at world size 1 reads it
 * (docs/kafka-shim.md, "Delivery reports").
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
    if (err == LS_ERR_STATE && (rk->txn_aborting || rk->purging))
        m->rkm.err = RD_KAFKA_RESP_ERR__PURGE_QUEUE;
    else if (err == LS_ERR_TIMEOUT && rk->purging)
        m->rkm.err = RD_KAFKA_RESP_ERR__PURGE_INFLIGHT;
    else
        m->rkm.err = shim_err_from_ls(err);
    /* Delivered: sample g of the global order is offset g of partition 0
     * at world size 1 (step g / B, index g % B).  The callback runs inside
     * a call on the topic's own core producer. */
    uint64_t g;
    if (!err && m->rkm.rkt->lp &&
        ls_producer_delivery_place(m->rkm.rkt->lp, &g, NULL, NULL) == LS_OK &&
        g <= (uint64_t)INT64_MAX) {
        m->rkm.partition = 0;
        m->rkm.offset = (int64_t)g;
    }
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
 * table (fencing any older one).  A producer handle's rk->topic_attach. */
rd_kafka_resp_err_t shim_producer_attach(rd_kafka_topic_t *rkt)
{
    rd_kafka_t *rk = rkt->rk;
    int rc = ls_producer_open(rk->st, rkt->name, rk->producer_id, rk->lconf, &rkt->lp);
    if (rc != LS_OK)
        return shim_seterr(shim_err_from_ls(rc), "topic %s: opening producer %s: %s",
                           rkt->name, rk->producer_id, ls_errmsg());
    ls_producer_set_delivery_cb(rkt->lp, on_delivery, rk);
    rd_kafka_resp_err_t err = shim_txn_topic_opened(rkt);
    if (err) {
        ls_producer_close(rkt->lp);  /* nothing appended yet */
        rkt->lp = NULL;
    }
    return err;
}

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
        rk->outq_bytes + (int64_t)a->len > rk->queue_bytes_max) {
        /* A full queue commits what it holds now, as librdkafka sends a
         * batch that is full without waiting for linger.ms: else the
         * queue waits for the commit interval (DAC's can be hundreds of
         * ms), idle (docs/kafka-shim.md, "Commit policy").  The reports
         * are served by the caller's next rd_kafka_poll. */
        shim_drive_locked(rk, 1);
        return shim_seterr(RD_KAFKA_RESP_ERR__QUEUE_FULL,
                           "%lld messages / %lld bytes awaiting delivery "
                           "(queue.buffering.max.messages / .kbytes): call rd_kafka_poll",
                           (long long)rk->outq_msgs, (long long)rk->outq_bytes);
    }
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
        rd_kafka_resp_err_t err = shim_producer_attach(rkt);  /* after an abort */
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
    m->produced_us = shim_now_us();
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
        err = shim_producer_attach(rkt);
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

/* One argument of producev/produceva into a.  *own: headers built from
 * V_HEADER (a.headers then points at them); V_HEADERS stay the caller's
 * until produce succeeds.  END is the caller's business. */
static rd_kafka_resp_err_t apply_vu(produce_args *a, rd_kafka_headers_t **own,
                                    const rd_kafka_vu_t *vu)
{
    switch (vu->vtype) {
    case RD_KAFKA_VTYPE_TOPIC:     a->topic = vu->u.cstr; return RD_KAFKA_RESP_ERR_NO_ERROR;
    case RD_KAFKA_VTYPE_RKT:       a->rkt = vu->u.rkt; return RD_KAFKA_RESP_ERR_NO_ERROR;
    case RD_KAFKA_VTYPE_PARTITION: a->partition = vu->u.i32; return RD_KAFKA_RESP_ERR_NO_ERROR;
    case RD_KAFKA_VTYPE_VALUE:
        a->payload = vu->u.mem.ptr;
        a->len = vu->u.mem.size;
        return RD_KAFKA_RESP_ERR_NO_ERROR;
    case RD_KAFKA_VTYPE_KEY:
        a->key = vu->u.mem.ptr;
        a->keylen = vu->u.mem.size;
        return RD_KAFKA_RESP_ERR_NO_ERROR;
    case RD_KAFKA_VTYPE_OPAQUE:    a->msg_opaque = vu->u.ptr; return RD_KAFKA_RESP_ERR_NO_ERROR;
    case RD_KAFKA_VTYPE_MSGFLAGS:  a->msgflags = vu->u.i; return RD_KAFKA_RESP_ERR_NO_ERROR;
    case RD_KAFKA_VTYPE_TIMESTAMP: a->timestamp = vu->u.i64; return RD_KAFKA_RESP_ERR_NO_ERROR;
    case RD_KAFKA_VTYPE_HEADER:
        if (a->headers && !*own)
            return shim_seterr(RD_KAFKA_RESP_ERR__CONFLICT,
                               "RD_KAFKA_V_HEADER and RD_KAFKA_V_HEADERS are exclusive");
        if (!*own && !(*own = a->headers = rd_kafka_headers_new(8)))
            return shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
        {
            rd_kafka_resp_err_t err = rd_kafka_header_add(*own, vu->u.header.name, -1,
                                                          vu->u.header.val, vu->u.header.size);
            return err ? shim_seterr(err, "header %s: %s", vu->u.header.name ?
                                     vu->u.header.name : "(null)", rd_kafka_err2str(err)) : err;
        }
    case RD_KAFKA_VTYPE_HEADERS:
        if (*own)
            return shim_seterr(RD_KAFKA_RESP_ERR__CONFLICT,
                               "RD_KAFKA_V_HEADER and RD_KAFKA_V_HEADERS are exclusive");
        a->headers = vu->u.headers;
        return RD_KAFKA_RESP_ERR_NO_ERROR;
    default:
        return shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "unsupported argument type %d",
                           (int)vu->vtype);
    }
}

/* Produce what the arguments describe; on failure the headers built from
 * V_HEADER are freed (V_HEADERS stay the caller's). */
static rd_kafka_resp_err_t produce_args_run(rd_kafka_t *rk, produce_args *a,
                                            rd_kafka_headers_t *own, rd_kafka_resp_err_t err)
{
    if (!err && !a->rkt && !a->topic)
        err = shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG,
                          "no RD_KAFKA_V_TOPIC or RD_KAFKA_V_RKT: topic name or object required");
    if (!err) {
        pthread_mutex_lock(&rk->lock);
        err = produce_locked(rk, a);
        pthread_mutex_unlock(&rk->lock);
    }
    if (err) {
        rd_kafka_headers_destroy(own);
        return err;
    }
    return shim_seterr(RD_KAFKA_RESP_ERR_NO_ERROR, NULL);
}

rd_kafka_resp_err_t rd_kafka_producev(rd_kafka_t *rk, ...)
{
    produce_args a = {.partition = RD_KAFKA_PARTITION_UA};
    rd_kafka_headers_t *own = NULL;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    va_list ap;
    va_start(ap, rk);
    for (;;) {
        rd_kafka_vu_t vu = {.vtype = (rd_kafka_vtype_t)va_arg(ap, int)};
        if (vu.vtype == RD_KAFKA_VTYPE_END)
            break;
        switch (vu.vtype) {  /* the va_arg types of the RD_KAFKA_V_* macros */
        case RD_KAFKA_VTYPE_TOPIC:     vu.u.cstr = va_arg(ap, const char *); break;
        case RD_KAFKA_VTYPE_RKT:       vu.u.rkt = va_arg(ap, rd_kafka_topic_t *); break;
        case RD_KAFKA_VTYPE_PARTITION: vu.u.i32 = (int32_t)va_arg(ap, int); break;
        case RD_KAFKA_VTYPE_VALUE:
        case RD_KAFKA_VTYPE_KEY:
            vu.u.mem.ptr = va_arg(ap, void *);
            vu.u.mem.size = va_arg(ap, size_t);
            break;
        case RD_KAFKA_VTYPE_OPAQUE:    vu.u.ptr = va_arg(ap, void *); break;
        case RD_KAFKA_VTYPE_MSGFLAGS:  vu.u.i = va_arg(ap, int); break;
        case RD_KAFKA_VTYPE_TIMESTAMP: vu.u.i64 = va_arg(ap, int64_t); break;
        case RD_KAFKA_VTYPE_HEADER:
            vu.u.header.name = va_arg(ap, const char *);
            vu.u.header.val = va_arg(ap, const void *);
            vu.u.header.size = va_arg(ap, ssize_t);
            break;
        case RD_KAFKA_VTYPE_HEADERS:   vu.u.headers = va_arg(ap, rd_kafka_headers_t *); break;
        default:                       break;  /* apply_vu refuses it; stop reading */
        }
        if ((err = apply_vu(&a, &own, &vu)))
            break;
    }
    va_end(ap);
    return produce_args_run(rk, &a, own, err);
}

/* As librdkafka: the same arguments as producev in an array of cnt (no
 * END: VTYPE_END is an unsupported type here), the error as an object. */
rd_kafka_error_t *rd_kafka_produceva(rd_kafka_t *rk, const rd_kafka_vu_t *vus, size_t cnt)
{
    produce_args a = {.partition = RD_KAFKA_PARTITION_UA};
    rd_kafka_headers_t *own = NULL;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (!vus && cnt)
        err = shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "rd_kafka_produceva: no arguments");
    for (size_t i = 0; !err && i < cnt; i++)
        err = apply_vu(&a, &own, &vus[i]);
    err = produce_args_run(rk, &a, own, err);
    if (!err)
        return NULL;
    return shim_error_new(err, err == RD_KAFKA_RESP_ERR__FENCED, 0, 0,
                          "rd_kafka_produceva: %s", shim_errstr());
}

/* ---- purge ----
 *
 * librdkafka's queued messages are the core producer's samples that no
 * commit attempt has carried; its in-flight ones, those of a commit whose
 * last attempt failed with an unknown outcome (the shim commits inside
 * its calls, under rk->lock, so no attempt runs while purge holds it).
 * The reports come from the next poll or flush. */

#define SHIM_PURGE_FLAGS (RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT | \
                          RD_KAFKA_PURGE_F_NON_BLOCKING)

rd_kafka_resp_err_t rd_kafka_purge(rd_kafka_t *rk, int purge_flags)
{
    if (!rk || rk->type != RD_KAFKA_PRODUCER)
        return shim_seterr(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED,
                           "rd_kafka_purge: not a producer handle");
    if (purge_flags & ~SHIM_PURGE_FLAGS)
        return shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "rd_kafka_purge: unknown flags 0x%x",
                           (unsigned)purge_flags);
    unsigned what = ((purge_flags & RD_KAFKA_PURGE_F_QUEUE) ? LS_PURGE_QUEUED : 0) |
                    ((purge_flags & RD_KAFKA_PURGE_F_INFLIGHT) ? LS_PURGE_INFLIGHT : 0);
    pthread_mutex_lock(&rk->lock);
    rk->purging = 1;
    for (size_t i = 0; what && i < rk->ntopics; i++)
        if (rk->topics[i]->lp)
            (void)ls_producer_purge(rk->topics[i]->lp, what);  /* LS_OK: flags are valid */
    rk->purging = 0;
    pthread_mutex_unlock(&rk->lock);
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
