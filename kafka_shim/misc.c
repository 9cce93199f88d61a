/*
 * misc.c -- the rest of librdkafka's handle API: logging, identities
 * (member, cluster, controller), memory, the calls about brokers,
 * threads, SASL and interceptors that a brokerless client answers
 * plainly (docs/kafka-shim.md, "Function status").
 *
 * The library never logs on its own: shim_log is called where librdkafka
 * would log something an application may act on, and goes to the log
 * queue (rd_kafka_set_log_queue) or to log_cb; nothing is printed unless
 * the application chose rd_kafka_log_print as its logger.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "shim_int.h"

#define SHIM_INTERCEPTORS_NOT_IMPL \
    "liblakestream-rdkafka: interceptors are not implemented (docs/kafka-shim.md)"
#define SHIM_SASL_NOT_IMPL \
    "liblakestream-rdkafka: SASL is not implemented: the store's own credentials apply " \
    "(docs/s3.md)"

void shim_log(rd_kafka_t *rk, int level, const char *fac, const char *fmt, ...)
{
    if (level > rk->log_level)
        return;
    char line[SHIM_LOG_LINE_BYTES_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (rk->log_to_queue) {
        rd_kafka_event_t *ev = shim_event_new(rk, RD_KAFKA_EVENT_LOG);
        if (ev && !(ev->str = strdup(line))) {
            shim_event_free(ev);
            return;
        }
        if (!ev)
            return;
        snprintf(ev->fac, sizeof ev->fac, "%s", fac);
        ev->level = level;
        ev->str_len = strlen(line);
        shim_queue_push(rk->logq ? rk->logq : rk->mainq, ev);
        return;
    }
    if (rk->conf->log_cb)
        rk->conf->log_cb(rk, level, fac, line);
}

/* librdkafka's builtin sinks, for applications that pick them. */
void rd_kafka_log_print(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    fprintf(stderr, "%%%i|%s|%s| %s\n", level, fac, rk ? rd_kafka_name(rk) : "", buf);
}

void rd_kafka_log_syslog(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    syslog(level, "%s: %s", fac, buf);
}

void rd_kafka_set_logger(rd_kafka_t *rk,
                         void (*func)(const rd_kafka_t *, int, const char *, const char *))
{
    rk->conf->log_cb = func;
}

void rd_kafka_set_log_level(rd_kafka_t *rk, int level)
{
    rk->log_level = level;
}

/* Lines go to rkqu from now on; NULL: to the main queue (rd_kafka_poll). */
rd_kafka_resp_err_t rd_kafka_set_log_queue(rd_kafka_t *rk, rd_kafka_queue_t *rkqu)
{
    if (rkqu)
        __atomic_add_fetch(&rkqu->refcnt, 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&rk->lock);
    rd_kafka_queue_t *old = rk->logq;
    rk->logq = rkqu;
    rk->log_to_queue = 1;
    pthread_mutex_unlock(&rk->lock);
    rd_kafka_queue_destroy(old);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* ---- identities: one "broker", the store ---- */

/* The consumer's member id: its rank of the world ("lakestream-r<rank>-w<W>"),
 * which is what a Kafka member id stands for here.  Freed by the caller
 * (rd_kafka_mem_free or free). */
char *rd_kafka_memberid(const rd_kafka_t *rk)
{
    if (rk->type != RD_KAFKA_CONSUMER || !rk->group[0])
        return NULL;  /* as librdkafka: no group membership */
    char buf[64];
    snprintf(buf, sizeof buf, "lakestream-r%u-w%u", rk->rank, rk->world_size);
    return strdup(buf);
}

/* The cluster is the store: its URI names it. */
char *rd_kafka_clusterid(rd_kafka_t *rk, int timeout_ms)
{
    (void)timeout_ms;
    return strdup(rk->store_uri);
}

/* The one "broker" (the store) has id 0 (docs/kafka-shim.md, "Metadata"). */
int32_t rd_kafka_controllerid(rd_kafka_t *rk, int timeout_ms)
{
    (void)rk; (void)timeout_ms;
    return SHIM_BROKER_ID;
}

int32_t rd_kafka_message_broker_id(const rd_kafka_message_t *rkmessage)
{
    (void)rkmessage;
    return SHIM_BROKER_ID;
}

/* Produced: microseconds from produce to the commit that delivered it;
 * consumed or unknown: -1, as librdkafka. */
int64_t rd_kafka_message_latency(const rd_kafka_message_t *rkmessage)
{
    const shim_msg *m = (const shim_msg *)rkmessage;
    return m->latency_us > 0 ? m->latency_us : -1;
}

void rd_kafka_message_set_headers(rd_kafka_message_t *rkmessage, rd_kafka_headers_t *hdrs)
{
    shim_msg *m = (shim_msg *)rkmessage;
    rd_kafka_headers_destroy(m->headers);
    m->headers = hdrs;
}

/* Every partition of a table is available: readers choose W, and any
 * rank reads from the store. */
int rd_kafka_topic_partition_available(const rd_kafka_topic_t *rkt, int32_t partition)
{
    (void)rkt;
    return partition >= 0;
}

/* ---- memory, threads, diagnostics ---- */

void *rd_kafka_mem_calloc(rd_kafka_t *rk, size_t num, size_t size)
{
    (void)rk;
    return calloc(num, size);
}

void *rd_kafka_mem_malloc(rd_kafka_t *rk, size_t size)
{
    (void)rk;
    return malloc(size);
}

/* Threads of the shim's handles that librdkafka would count: background
 * threads (the core's prefetch and commit threads are its own). */
int rd_kafka_thread_cnt(void)
{
    return 0;
}

const char *rd_kafka_get_debug_contexts(void)
{
    return "all,generic,broker,topic,metadata,feature,queue,msg,protocol,cgrp,security,"
           "fetch,interceptor,plugin,consumer,admin,eos,mock,assignor,conf";
}

void rd_kafka_dump(FILE *fp, rd_kafka_t *rk)
{
    pthread_mutex_lock(&rk->lock);
    fprintf(fp, "rd_kafka_t %p: %s (liblakestream-rdkafka)\n", (void *)rk, rk->name);
    fprintf(fp, " producer_id %s, rank %u of %u, global batch %u\n", rk->producer_id,
            rk->rank, rk->world_size, rk->global_batch);
    fprintf(fp, " outq %lld msgs / %lld bytes; tx %llu msgs, rx %llu msgs\n",
            (long long)rk->outq_msgs, (long long)rk->outq_bytes,
            (unsigned long long)rk->tx_msgs, (unsigned long long)rk->rx_msgs);
    fprintf(fp, " topics %zu, partitions %zu, group \"%s\"\n", rk->ntopics, rk->nparts,
            rk->group);
    if (rk->fatal_err)
        fprintf(fp, " fatal: %s: %s\n", rd_kafka_err2name(rk->fatal_err), rk->fatal_errstr);
    pthread_mutex_unlock(&rk->lock);
}

/* As librdkafka: raise a fatal error on the handle, for testing an
 * application's handling of one. */
rd_kafka_resp_err_t rd_kafka_test_fatal_error(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                              const char *reason)
{
    pthread_mutex_lock(&rk->lock);
    rd_kafka_resp_err_t ret = RD_KAFKA_RESP_ERR__PREV_IN_PROGRESS;
    if (!rk->fatal_err) {
        rk->fatal_err = err;
        snprintf(rk->fatal_errstr, sizeof rk->fatal_errstr, "test_fatal_error: %s",
                 reason ? reason : "");
        ret = RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    pthread_mutex_unlock(&rk->lock);
    return ret;
}

/* librdkafka's own unit tests are not part of the shim: the project's
 * tests are (ctest).  0 = no failures, as librdkafka when none run. */
int rd_kafka_unittest(void)
{
    return 0;
}

/* ---- the consumer's close through a queue ---- */

/* The close completes now; rkqu gets nothing to serve (no rebalance
 * events: a rebalance_cb, if set, was called during the close). */
rd_kafka_error_t *rd_kafka_consumer_close_queue(rd_kafka_t *rk, rd_kafka_queue_t *rkqu)
{
    (void)rkqu;
    rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk);
    return err ? rd_kafka_error_new(err, "%s", shim_errstr()) : NULL;
}

/* ---- SASL and OAUTHBEARER: no broker, no SASL ---- */

rd_kafka_error_t *rd_kafka_sasl_background_callbacks_enable(rd_kafka_t *rk)
{
    (void)rk;
    return rd_kafka_error_new(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, SHIM_SASL_NOT_IMPL);
}

rd_kafka_error_t *rd_kafka_sasl_set_credentials(rd_kafka_t *rk, const char *username,
                                                const char *password)
{
    (void)rk; (void)username; (void)password;
    return rd_kafka_error_new(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, SHIM_SASL_NOT_IMPL);
}

rd_kafka_resp_err_t rd_kafka_oauthbearer_set_token(rd_kafka_t *rk, const char *token_value,
                                                   int64_t md_lifetime_ms,
                                                   const char *md_principal_name,
                                                   const char **extensions,
                                                   size_t extension_size, char *errstr,
                                                   size_t errstr_size)
{
    (void)rk; (void)token_value; (void)md_lifetime_ms; (void)md_principal_name;
    (void)extensions; (void)extension_size;
    if (errstr && errstr_size)
        snprintf(errstr, errstr_size, "%s", SHIM_SASL_NOT_IMPL);
    return shim_seterr(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, SHIM_SASL_NOT_IMPL);
}

rd_kafka_resp_err_t rd_kafka_oauthbearer_set_token_failure(rd_kafka_t *rk, const char *errstr)
{
    (void)rk; (void)errstr;
    return shim_seterr(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, SHIM_SASL_NOT_IMPL);
}

/* ---- interceptors (added from an on_new interceptor) ---- */

#define INTERCEPTOR(name, type)                                                        \
    rd_kafka_resp_err_t rd_kafka_interceptor_add_##name(rd_kafka_t *rk, const char *ic_name, \
                                                         type *fn, void *ic_opaque)     \
    {                                                                                   \
        (void)rk; (void)ic_name; (void)fn; (void)ic_opaque;                             \
        return shim_seterr(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, SHIM_INTERCEPTORS_NOT_IMPL); \
    }

INTERCEPTOR(on_destroy, rd_kafka_interceptor_f_on_destroy_t)
INTERCEPTOR(on_send, rd_kafka_interceptor_f_on_send_t)
INTERCEPTOR(on_acknowledgement, rd_kafka_interceptor_f_on_acknowledgement_t)
INTERCEPTOR(on_consume, rd_kafka_interceptor_f_on_consume_t)
INTERCEPTOR(on_commit, rd_kafka_interceptor_f_on_commit_t)
INTERCEPTOR(on_request_sent, rd_kafka_interceptor_f_on_request_sent_t)
INTERCEPTOR(on_response_received, rd_kafka_interceptor_f_on_response_received_t)
INTERCEPTOR(on_thread_start, rd_kafka_interceptor_f_on_thread_start_t)
INTERCEPTOR(on_thread_exit, rd_kafka_interceptor_f_on_thread_exit_t)
INTERCEPTOR(on_broker_state_change, rd_kafka_interceptor_f_on_broker_state_change_t)
