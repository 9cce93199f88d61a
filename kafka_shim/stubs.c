/*
 * stubs.c -- producer-side calls of librdkafka that have no Lakestream
 * counterpart yet.  Each fails loudly with RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED
 * (return value, rd_kafka_last_error and errstr); none is silent.  Also the
 * calls that are trivially meaningful (logging: the library never logs).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "shim_int.h"

#define NOT_IMPL(fn) "liblakestream-rdkafka: " fn " is not implemented (docs/kafka-shim.md)"

static rd_kafka_error_t *not_impl_error(const char *what)
{
    shim_seterr(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, "%s", what);
    return rd_kafka_error_new(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, "%s", what);
}

rd_kafka_error_t *rd_kafka_send_offsets_to_transaction(
    rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *offsets,
    const rd_kafka_consumer_group_metadata_t *cgmetadata, int timeout_ms)
{
    (void)rk; (void)offsets; (void)cgmetadata; (void)timeout_ms;
    return not_impl_error(NOT_IMPL("rd_kafka_send_offsets_to_transaction"));
}

rd_kafka_resp_err_t rd_kafka_purge(rd_kafka_t *rk, int purge_flags)
{
    (void)rk; (void)purge_flags;
    return shim_seterr(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, NOT_IMPL("rd_kafka_purge"));
}

rd_kafka_resp_err_t rd_kafka_metadata(rd_kafka_t *rk, int all_topics,
                                      rd_kafka_topic_t *only_rkt,
                                      const struct rd_kafka_metadata **metadatap,
                                      int timeout_ms)
{
    (void)rk; (void)all_topics; (void)only_rkt; (void)timeout_ms;
    *metadatap = NULL;
    return shim_seterr(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, NOT_IMPL("rd_kafka_metadata"));
}

void rd_kafka_metadata_destroy(const struct rd_kafka_metadata *metadata)
{
    (void)metadata;  /* rd_kafka_metadata never returns one */
}

int rd_kafka_brokers_add(rd_kafka_t *rk, const char *brokerlist)
{
    (void)rk; (void)brokerlist;
    shim_seterr(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED,
                NOT_IMPL("rd_kafka_brokers_add") ": set bootstrap.servers to a store URI");
    return 0;  /* number of brokers added */
}

/* Batch produce: each message through the normal path; per-message errors
 * in rkmessages[i].err, as librdkafka reports them. */
int rd_kafka_produce_batch(rd_kafka_topic_t *rkt, int32_t partition, int msgflags,
                           rd_kafka_message_t *rkmessages, int message_cnt)
{
    int ok = 0;
    for (int i = 0; i < message_cnt; i++) {
        rd_kafka_message_t *m = &rkmessages[i];
        if (rd_kafka_produce(rkt, partition, msgflags, m->payload, m->len, m->key, m->key_len,
                             m->_private) == 0) {
            m->err = RD_KAFKA_RESP_ERR_NO_ERROR;
            ok++;
        } else {
            m->err = rd_kafka_last_error();
        }
    }
    return ok;
}

/* The library never logs: a log callback is accepted and never called. */
void rd_kafka_conf_set_log_cb(rd_kafka_conf_t *conf,
                              void (*log_cb)(const rd_kafka_t *, int, const char *,
                                             const char *))
{
    (void)conf; (void)log_cb;
}

void rd_kafka_set_log_level(rd_kafka_t *rk, int level)
{
    (void)rk; (void)level;
}

void rd_kafka_yield(rd_kafka_t *rk) { (void)rk; }
