/*
 * event.c -- librdkafka's event API (docs/kafka-shim.md, "Queues and
 * events"): the accessors of rd_kafka_event_t, and the events a queue's
 * sources make when it is polled.  Admin result accessors are in admin.c.
 *
 * Which events a main queue makes is rd_kafka_conf_set_events' mask, as
 * in librdkafka: a type in the mask comes out as an event; a type not in
 * it is served through its callback during the poll.
 */
#include <stdlib.h>
#include <string.h>

#include "shim_int.h"

/* ---- accessors ---- */

rd_kafka_event_type_t rd_kafka_event_type(const rd_kafka_event_t *rkev)
{
    return rkev ? rkev->type : RD_KAFKA_EVENT_NONE;
}

const char *rd_kafka_event_name(const rd_kafka_event_t *rkev)
{
    switch (rkev ? rkev->type : RD_KAFKA_EVENT_NONE) {
    case RD_KAFKA_EVENT_NONE: return "(NONE)";
    case RD_KAFKA_EVENT_DR: return "DeliveryReport";
    case RD_KAFKA_EVENT_FETCH: return "Fetch";
    case RD_KAFKA_EVENT_LOG: return "Log";
    case RD_KAFKA_EVENT_ERROR: return "Error";
    case RD_KAFKA_EVENT_REBALANCE: return "Rebalance";
    case RD_KAFKA_EVENT_OFFSET_COMMIT: return "OffsetCommit";
    case RD_KAFKA_EVENT_STATS: return "Stats";
    case RD_KAFKA_EVENT_CREATETOPICS_RESULT: return "CreateTopicsResult";
    case RD_KAFKA_EVENT_DELETETOPICS_RESULT: return "DeleteTopicsResult";
    case RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT: return "CreatePartitionsResult";
    case RD_KAFKA_EVENT_ALTERCONFIGS_RESULT: return "AlterConfigsResult";
    case RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT: return "DescribeConfigsResult";
    case RD_KAFKA_EVENT_DELETERECORDS_RESULT: return "DeleteRecordsResult";
    case RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT: return "ListConsumerGroupsResult";
    case RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT: return "DescribeConsumerGroupsResult";
    case RD_KAFKA_EVENT_DELETEGROUPS_RESULT: return "DeleteGroupsResult";
    case RD_KAFKA_EVENT_DELETECONSUMERGROUPOFFSETS_RESULT:
        return "DeleteConsumerGroupOffsetsResult";
    case RD_KAFKA_EVENT_CREATEACLS_RESULT: return "CreateAclsResult";
    case RD_KAFKA_EVENT_DESCRIBEACLS_RESULT: return "DescribeAclsResult";
    case RD_KAFKA_EVENT_DELETEACLS_RESULT: return "DeleteAclsResult";
    case RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT:
        return "AlterConsumerGroupOffsetsResult";
    case RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT:
        return "ListConsumerGroupOffsetsResult";
    case RD_KAFKA_EVENT_OAUTHBEARER_TOKEN_REFRESH: return "SaslOAuthBearerTokenRefresh";
    default: return "?unknown?";
    }
}

void rd_kafka_event_destroy(rd_kafka_event_t *rkev)
{
    shim_event_free(rkev);
}

/* The event keeps its messages: the application must not destroy them. */
const rd_kafka_message_t *rd_kafka_event_message_next(rd_kafka_event_t *rkev)
{
    if (rkev->type != RD_KAFKA_EVENT_DR && rkev->type != RD_KAFKA_EVENT_FETCH)
        return NULL;
    return rkev->cursor < rkev->nmsgs ? &rkev->msgs[rkev->cursor++]->rkm : NULL;
}

size_t rd_kafka_event_message_array(rd_kafka_event_t *rkev,
                                    const rd_kafka_message_t **rkmessages, size_t size)
{
    size_t n = 0;
    const rd_kafka_message_t *m;
    while (n < size && (m = rd_kafka_event_message_next(rkev)))
        rkmessages[n++] = m;
    return n;
}

size_t rd_kafka_event_message_count(rd_kafka_event_t *rkev)
{
    return rkev->type == RD_KAFKA_EVENT_DR || rkev->type == RD_KAFKA_EVENT_FETCH ? rkev->nmsgs
                                                                                 : 0;
}

/* Only SASL/OAUTHBEARER events have one; the shim has no SASL. */
const char *rd_kafka_event_config_string(rd_kafka_event_t *rkev)
{
    (void)rkev;
    return NULL;
}

rd_kafka_resp_err_t rd_kafka_event_error(rd_kafka_event_t *rkev) { return rkev->err; }

const char *rd_kafka_event_error_string(rd_kafka_event_t *rkev)
{
    return rkev->errstr ? rkev->errstr : rd_kafka_err2str(rkev->err);
}

int rd_kafka_event_error_is_fatal(rd_kafka_event_t *rkev) { return rkev->fatal; }

void *rd_kafka_event_opaque(rd_kafka_event_t *rkev) { return rkev->opaque; }

int rd_kafka_event_log(rd_kafka_event_t *rkev, const char **fac, const char **str, int *level)
{
    if (rkev->type != RD_KAFKA_EVENT_LOG)
        return -1;
    if (fac)
        *fac = rkev->fac;
    if (str)
        *str = rkev->str;
    if (level)
        *level = rkev->level;
    return 0;
}

/* The shim's log lines carry no debug context. */
int rd_kafka_event_debug_contexts(rd_kafka_event_t *rkev, char *dst, size_t dstsize)
{
    if (rkev->type != RD_KAFKA_EVENT_LOG)
        return -1;
    if (dstsize)
        dst[0] = '\0';
    return 0;
}

const char *rd_kafka_event_stats(rd_kafka_event_t *rkev)
{
    return rkev->type == RD_KAFKA_EVENT_STATS ? rkev->str : NULL;
}

rd_kafka_topic_partition_list_t *rd_kafka_event_topic_partition_list(rd_kafka_event_t *rkev)
{
    return rkev->type == RD_KAFKA_EVENT_REBALANCE || rkev->type == RD_KAFKA_EVENT_OFFSET_COMMIT
               ? rkev->parts
               : NULL;
}

/* A new partition the application destroys (error events of a partition). */
rd_kafka_topic_partition_t *rd_kafka_event_topic_partition(rd_kafka_event_t *rkev)
{
    if (rkev->type != RD_KAFKA_EVENT_ERROR || !rkev->parts || rkev->parts->cnt < 1)
        return NULL;
    const rd_kafka_topic_partition_t *e = &rkev->parts->elems[0];
    rd_kafka_topic_partition_t *p = calloc(1, sizeof *p);
    if (!p || !(p->topic = strdup(e->topic))) {
        free(p);
        return NULL;
    }
    p->partition = e->partition;
    p->offset = e->offset;
    p->err = rkev->err;
    return p;
}

/* ---- making events ---- */

static rd_kafka_event_t *event_errstr(rd_kafka_event_t *ev, const char *errstr)
{
    if (ev && errstr)
        ev->errstr = strdup(errstr);
    return ev;
}

/* A consumed message: a FETCH event holding it, or, for an error message
 * (end of partition, a failed read), an ERROR event naming the partition. */
rd_kafka_event_t *shim_event_from_msg(rd_kafka_t *rk, shim_msg *m)
{
    rd_kafka_event_t *ev;
    if (!m->rkm.err) {
        ev = shim_event_new(rk, RD_KAFKA_EVENT_FETCH);
        shim_msg **a = ev ? malloc(sizeof *a) : NULL;
        if (!a) {
            free(ev);
            shim_msg_free(m);
            return NULL;
        }
        a[0] = m;
        ev->msgs = a;
        ev->nmsgs = 1;
        return ev;
    }
    ev = shim_event_new(rk, RD_KAFKA_EVENT_ERROR);
    if (ev) {
        ev->err = m->rkm.err;
        event_errstr(ev, rd_kafka_message_errstr(&m->rkm));
        if (m->rkm.rkt && (ev->parts = rd_kafka_topic_partition_list_new(1))) {
            rd_kafka_topic_partition_t *e = rd_kafka_topic_partition_list_add(
                ev->parts, rd_kafka_topic_name(m->rkm.rkt), m->rkm.partition);
            if (e)
                e->offset = m->rkm.offset;
        }
    }
    shim_msg_free(m);
    return ev;
}

/* The main queue's sources, for the types in the events mask: delivered
 * messages (one DR event for all waiting), the fatal error, statistics.
 * Types not in the mask are served through their callbacks. */
static rd_kafka_event_t *main_make(rd_kafka_t *rk)
{
    shim_drive(rk, 0);
    int mask = rk->conf->enabled_events;
    if (mask & RD_KAFKA_EVENT_DR) {
        pthread_mutex_lock(&rk->lock);
        size_t n = 0;
        for (shim_msg *m = rk->dr_head; m; m = m->next)
            n++;
        shim_msg **a = n ? malloc(n * sizeof *a) : NULL;
        rd_kafka_event_t *ev = a ? shim_event_new(rk, RD_KAFKA_EVENT_DR) : NULL;
        if (ev) {
            size_t i = 0;
            for (shim_msg *m = rk->dr_head; m; m = m->next) {
                a[i++] = m;
                rk->outq_msgs--;
                rk->outq_bytes -= (int64_t)m->rkm.len;
            }
            rk->dr_head = rk->dr_tail = NULL;
            ev->msgs = a;
            ev->nmsgs = n;
        } else
            free(a);
        pthread_mutex_unlock(&rk->lock);
        if (ev)
            return ev;
    }
    if (mask & RD_KAFKA_EVENT_ERROR) {
        pthread_mutex_lock(&rk->lock);
        rd_kafka_event_t *ev = NULL;
        if (rk->fatal_err && !rk->fatal_reported) {
            ev = shim_event_new(rk, RD_KAFKA_EVENT_ERROR);
            if (ev) {
                rk->fatal_reported = 1;
                ev->err = RD_KAFKA_RESP_ERR__FATAL;
                ev->fatal = 1;
                event_errstr(ev, rk->fatal_errstr);
            }
        }
        pthread_mutex_unlock(&rk->lock);
        if (ev)
            return ev;
    }
    if (mask & RD_KAFKA_EVENT_STATS) {
        size_t len;
        char *json = shim_stats_due(rk, &len);
        rd_kafka_event_t *ev = json ? shim_event_new(rk, RD_KAFKA_EVENT_STATS) : NULL;
        if (ev) {
            ev->str = json;
            ev->str_len = len;
            return ev;
        }
        free(json);
    }
    shim_serve_events(rk);  /* the rest through callbacks */
    return NULL;
}

/* A message from q's sources: the assignment (the consumer queue, or a
 * queue it is forwarded to), then the legacy partitions started on q. */
shim_msg *shim_queue_make_msg(rd_kafka_queue_t *q)
{
    rd_kafka_t *rk = q->rk;
    if (rk->type != RD_KAFKA_CONSUMER)
        return NULL;
    if (q->kind == SHIM_Q_CONSUMER || (rk->consumerq && rk->consumerq->fwd == q)) {
        rd_kafka_message_t *rkm = rd_kafka_consumer_poll(rk, 0);
        if (rkm)
            return (shim_msg *)rkm;
    }
    return shim_legacy_next(rk, q);
}

rd_kafka_event_t *shim_queue_make(rd_kafka_queue_t *q)
{
    rd_kafka_t *rk = q->rk;
    rd_kafka_event_t *ev = NULL;
    if (q->kind == SHIM_Q_MAIN || (rk->mainq && rk->mainq->fwd == q))
        ev = main_make(rk);
    if (!ev) {
        shim_msg *m = shim_queue_make_msg(q);
        if (m)
            ev = shim_event_from_msg(rk, m);
    }
    return ev;
}

/* Serving an event through the callback of its type, as librdkafka's
 * rd_kafka_queue_poll_callback does; then it is freed. */
void shim_event_serve(rd_kafka_event_t *ev)
{
    rd_kafka_t *rk = ev->rk;
    rd_kafka_conf_t *c = rk->conf;
    switch (ev->type) {
    case RD_KAFKA_EVENT_DR:
        for (size_t i = 0; i < ev->nmsgs; i++)
            shim_dr_call(rk, &ev->msgs[i]->rkm);
        break;
    case RD_KAFKA_EVENT_FETCH:
        if (c->consume_cb) {
            for (size_t i = 0; i < ev->nmsgs; i++)
                c->consume_cb(&ev->msgs[i]->rkm, c->opaque);
        }
        break;
    case RD_KAFKA_EVENT_ERROR:
        if (c->error_cb)
            c->error_cb(rk, ev->err, rd_kafka_event_error_string(ev), c->opaque);
        break;
    case RD_KAFKA_EVENT_LOG:
        if (c->log_cb)
            c->log_cb(rk, ev->level, ev->fac, ev->str);
        break;
    case RD_KAFKA_EVENT_STATS:
        if (c->stats_cb && c->stats_cb(rk, ev->str, ev->str_len, c->opaque))
            ev->str = NULL;  /* the callback keeps the JSON */
        break;
    case RD_KAFKA_EVENT_OFFSET_COMMIT:
        if (ev->commit_cb)
            ev->commit_cb(rk, ev->err, ev->parts, ev->opaque);
        else if (c->offset_commit_cb)
            c->offset_commit_cb(rk, ev->err, ev->parts, c->opaque);
        break;
    default:
        break;
    }
    shim_event_free(ev);
}
