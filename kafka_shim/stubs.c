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

void rd_kafka_yield(rd_kafka_t *rk) { (void)rk; }
