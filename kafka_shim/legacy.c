/*
 * legacy.c -- librdkafka's legacy (simple) consumer and the queue-based
 * consume calls (docs/kafka-shim.md, "Legacy consumer").
 *
 * rd_kafka_consume_start(rkt, p, offset) reads partition p of the topic:
 * rank p of the table at the handle's world size (lakestream.world.size),
 * from offset, which counts the rank's samples as the high-level consumer
 * does.  A started partition is outside the group's assignment: it is not
 * committed by enable.auto.commit and not touched by a rebalance.  Its
 * messages reach the partition's own queue (rd_kafka_consume*) or the
 * queue given to rd_kafka_consume_start_queue.
 */
#include <stdlib.h>
#include <string.h>

#include "shim_int.h"

#define CALLBACK_BATCH_MAX 100000  /* messages one consume_callback call serves */

static int legacy_ok(rd_kafka_topic_t *rkt, const char *fn)
{
    if (!rkt || !rkt->rk) {
        shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "%s: no topic handle", fn);
        return 0;
    }
    if (rkt->rk->type != RD_KAFKA_CONSUMER) {
        shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "%s: not a consumer handle", fn);
        return 0;
    }
    return 1;
}

static int start(rd_kafka_topic_t *rkt, int32_t partition, int64_t offset,
                 rd_kafka_queue_t *rkqu, const char *fn)
{
    if (!legacy_ok(rkt, fn))
        return -1;
    if (partition < 0) {
        shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "%s: partition %d", fn, (int)partition);
        return -1;
    }
    return shim_legacy_start(rkt->rk, rkt->name, partition, offset, rkqu) ? -1 : 0;
}

int rd_kafka_consume_start(rd_kafka_topic_t *rkt, int32_t partition, int64_t offset)
{
    return start(rkt, partition, offset, NULL, "rd_kafka_consume_start");
}

int rd_kafka_consume_start_queue(rd_kafka_topic_t *rkt, int32_t partition, int64_t offset,
                                 rd_kafka_queue_t *rkqu)
{
    return start(rkt, partition, offset, rkqu, "rd_kafka_consume_start_queue");
}

int rd_kafka_consume_stop(rd_kafka_topic_t *rkt, int32_t partition)
{
    if (!legacy_ok(rkt, "rd_kafka_consume_stop"))
        return -1;
    return shim_legacy_stop(rkt->rk, rkt->name, partition) ? -1 : 0;
}

/* The next message for q: an event pushed to it (served through its
 * callback, unless it carries a message), else one from q's sources.
 * Waits up to timeout_ms; NULL on timeout. */
static rd_kafka_message_t *queue_next_msg(rd_kafka_queue_t *q, int timeout_ms)
{
    rd_kafka_t *rk = q->rk;
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : shim_now_ms() + timeout_ms;
    for (;;) {
        rd_kafka_event_t *ev = shim_queue_pop(q, 0);
        if (!ev) {
            shim_msg *m = shim_queue_make_msg(q);
            if (m)
                return &m->rkm;  /* errors too: a message with err set */
            if (q->kind == SHIM_Q_MAIN || (rk->mainq && rk->mainq->fwd == q))
                ev = shim_queue_make(q);
        }
        if (ev && ev->type == RD_KAFKA_EVENT_FETCH && ev->nmsgs == 1) {
            shim_msg *m = ev->msgs[0];
            ev->nmsgs = 0;
            shim_event_free(ev);
            return &m->rkm;
        }
        if (ev) {
            shim_event_serve(ev);
            continue;
        }
        if (q->kind != SHIM_Q_MAIN)
            shim_serve_events(rk);  /* callbacks stay served while consuming */
        int64_t now = shim_now_ms();
        if (now >= deadline)
            return NULL;
        int64_t wait = deadline - now;
        /* Sleep until an event is pushed (the loop above takes it) or
         * the next look at the store is due. */
        (void)shim_queue_wait(q, (int)(wait < SHIM_POLL_SLEEP_MS_MAX ? wait
                                                                     : SHIM_POLL_SLEEP_MS_MAX));
    }
}

rd_kafka_message_t *rd_kafka_consume_queue(rd_kafka_queue_t *rkqu, int timeout_ms)
{
    rd_kafka_message_t *m = queue_next_msg(rkqu, timeout_ms);
    if (!m)
        shim_seterr(RD_KAFKA_RESP_ERR__TIMED_OUT, "no message within %d ms", timeout_ms);
    return m;
}

/* Waits up to timeout_ms for `size` messages, as librdkafka does. */
ssize_t rd_kafka_consume_batch_queue(rd_kafka_queue_t *rkqu, int timeout_ms,
                                     rd_kafka_message_t **rkmessages, size_t rkmessages_size)
{
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : shim_now_ms() + timeout_ms;
    size_t n = 0;
    while (n < rkmessages_size) {
        int64_t left = deadline - shim_now_ms();
        if (left < 0)
            left = 0;
        rd_kafka_message_t *m =
            queue_next_msg(rkqu, deadline == INT64_MAX ? -1 : (int)left);
        if (!m)
            break;
        rkmessages[n++] = m;
    }
    return (ssize_t)n;
}

/* Waits up to timeout_ms for the first message, then serves what is
 * ready without waiting. */
int rd_kafka_consume_callback_queue(rd_kafka_queue_t *rkqu, int timeout_ms,
                                    void (*consume_cb)(rd_kafka_message_t *, void *),
                                    void *commit_opaque)
{
    int n = 0;
    for (rd_kafka_message_t *m; n < CALLBACK_BATCH_MAX &&
                                (m = queue_next_msg(rkqu, n ? 0 : timeout_ms));
         n++) {
        consume_cb(m, commit_opaque);
        rd_kafka_message_destroy(m);
    }
    return n;
}

static rd_kafka_queue_t *part_queue(rd_kafka_topic_t *rkt, int32_t partition, const char *fn)
{
    if (!legacy_ok(rkt, fn))
        return NULL;
    rd_kafka_queue_t *q = shim_legacy_queue(rkt->rk, rkt->name, partition);
    if (!q)
        shim_seterr(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
                    "%s: %s [%d] is not started (rd_kafka_consume_start)", fn, rkt->name,
                    (int)partition);
    return q;
}

rd_kafka_message_t *rd_kafka_consume(rd_kafka_topic_t *rkt, int32_t partition, int timeout_ms)
{
    rd_kafka_queue_t *q = part_queue(rkt, partition, "rd_kafka_consume");
    if (!q)
        return NULL;
    rd_kafka_message_t *m = rd_kafka_consume_queue(q, timeout_ms);
    rd_kafka_queue_destroy(q);
    return m;
}

ssize_t rd_kafka_consume_batch(rd_kafka_topic_t *rkt, int32_t partition, int timeout_ms,
                               rd_kafka_message_t **rkmessages, size_t rkmessages_size)
{
    rd_kafka_queue_t *q = part_queue(rkt, partition, "rd_kafka_consume_batch");
    if (!q)
        return -1;
    ssize_t n = rd_kafka_consume_batch_queue(q, timeout_ms, rkmessages, rkmessages_size);
    rd_kafka_queue_destroy(q);
    return n;
}

int rd_kafka_consume_callback(rd_kafka_topic_t *rkt, int32_t partition, int timeout_ms,
                              void (*consume_cb)(rd_kafka_message_t *, void *),
                              void *commit_opaque)
{
    rd_kafka_queue_t *q = part_queue(rkt, partition, "rd_kafka_consume_callback");
    if (!q)
        return -1;
    int n = rd_kafka_consume_callback_queue(q, timeout_ms, consume_cb, commit_opaque);
    rd_kafka_queue_destroy(q);
    return n;
}

/* A started legacy partition's queue; a partition of the high-level
 * assignment has none of its own (docs/kafka-shim.md). */
rd_kafka_queue_t *rd_kafka_queue_get_partition(rd_kafka_t *rk, const char *topic,
                                               int32_t partition)
{
    rd_kafka_queue_t *q = shim_legacy_queue(rk, topic, partition);
    if (!q)
        shim_seterr(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED,
                    "liblakestream-rdkafka: rd_kafka_queue_get_partition serves partitions "
                    "started with rd_kafka_consume_start only; %s [%d] is not one "
                    "(docs/kafka-shim.md)", topic, (int)partition);
    return q;
}
