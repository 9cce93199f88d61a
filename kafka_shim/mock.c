/*
 * mock.c -- librdkafka's mock cluster API (rdkafka_mock.h).  The mock
 * cluster is a Kafka broker inside librdkafka; the shim has no broker to
 * mock, so rd_kafka_mock_cluster_new returns NULL with
 * RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, and the calls that take a cluster
 * (which no caller can hold) say the same.  Exported so that programs
 * linked against librdkafka.so.1 load (docs/kafka-shim.md).
 */
#include "shim_int.h"

#include <librdkafka/rdkafka_mock.h>

#define NOT_IMPL_MOCK "liblakestream-rdkafka: the mock cluster is not implemented " \
                      "(there is no broker to mock; docs/kafka-shim.md)"

static rd_kafka_resp_err_t mock_not_impl(void)
{
    return shim_seterr(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, NOT_IMPL_MOCK);
}

rd_kafka_mock_cluster_t *rd_kafka_mock_cluster_new(rd_kafka_t *rk, int broker_cnt)
{
    (void)rk; (void)broker_cnt;
    mock_not_impl();
    return NULL;
}

void rd_kafka_mock_cluster_destroy(rd_kafka_mock_cluster_t *mcluster) { (void)mcluster; }

rd_kafka_t *rd_kafka_mock_cluster_handle(const rd_kafka_mock_cluster_t *mcluster)
{
    (void)mcluster;
    return NULL;
}

rd_kafka_mock_cluster_t *rd_kafka_handle_mock_cluster(const rd_kafka_t *rk)
{
    (void)rk;
    return NULL;  /* no handle has one */
}

const char *rd_kafka_mock_cluster_bootstraps(const rd_kafka_mock_cluster_t *mcluster)
{
    (void)mcluster;
    return NULL;
}

void rd_kafka_mock_clear_request_errors(rd_kafka_mock_cluster_t *mcluster, int16_t ApiKey)
{
    (void)mcluster; (void)ApiKey;
}

void rd_kafka_mock_push_request_errors(rd_kafka_mock_cluster_t *mcluster, int16_t ApiKey,
                                       size_t cnt, ...)
{
    (void)mcluster; (void)ApiKey; (void)cnt;
}

void rd_kafka_mock_push_request_errors_array(rd_kafka_mock_cluster_t *mcluster, int16_t ApiKey,
                                             size_t cnt, const rd_kafka_resp_err_t *errors)
{
    (void)mcluster; (void)ApiKey; (void)cnt; (void)errors;
}

rd_kafka_resp_err_t rd_kafka_mock_broker_push_request_error_rtts(
    rd_kafka_mock_cluster_t *mcluster, int32_t broker_id, int16_t ApiKey, size_t cnt, ...)
{
    (void)mcluster; (void)broker_id; (void)ApiKey; (void)cnt;
    return mock_not_impl();
}

rd_kafka_resp_err_t rd_kafka_mock_broker_error_stack_cnt(rd_kafka_mock_cluster_t *mcluster,
                                                         int32_t broker_id, int16_t ApiKey,
                                                         size_t *cntp)
{
    (void)mcluster; (void)broker_id; (void)ApiKey;
    if (cntp)
        *cntp = 0;
    return mock_not_impl();
}

void rd_kafka_mock_topic_set_error(rd_kafka_mock_cluster_t *mcluster, const char *topic,
                                   rd_kafka_resp_err_t err)
{
    (void)mcluster; (void)topic; (void)err;
}

rd_kafka_resp_err_t rd_kafka_mock_topic_create(rd_kafka_mock_cluster_t *mcluster,
                                               const char *topic, int partition_cnt,
                                               int replication_factor)
{
    (void)mcluster; (void)topic; (void)partition_cnt; (void)replication_factor;
    return mock_not_impl();
}

rd_kafka_resp_err_t rd_kafka_mock_partition_set_leader(rd_kafka_mock_cluster_t *mcluster,
                                                       const char *topic, int32_t partition,
                                                       int32_t broker_id)
{
    (void)mcluster; (void)topic; (void)partition; (void)broker_id;
    return mock_not_impl();
}

rd_kafka_resp_err_t rd_kafka_mock_partition_set_follower(rd_kafka_mock_cluster_t *mcluster,
                                                         const char *topic, int32_t partition,
                                                         int32_t broker_id)
{
    (void)mcluster; (void)topic; (void)partition; (void)broker_id;
    return mock_not_impl();
}

rd_kafka_resp_err_t rd_kafka_mock_partition_set_follower_wmarks(
    rd_kafka_mock_cluster_t *mcluster, const char *topic, int32_t partition, int64_t lo,
    int64_t hi)
{
    (void)mcluster; (void)topic; (void)partition; (void)lo; (void)hi;
    return mock_not_impl();
}

rd_kafka_resp_err_t rd_kafka_mock_broker_set_down(rd_kafka_mock_cluster_t *mcluster,
                                                  int32_t broker_id)
{
    (void)mcluster; (void)broker_id;
    return mock_not_impl();
}

rd_kafka_resp_err_t rd_kafka_mock_broker_set_up(rd_kafka_mock_cluster_t *mcluster,
                                                int32_t broker_id)
{
    (void)mcluster; (void)broker_id;
    return mock_not_impl();
}

rd_kafka_resp_err_t rd_kafka_mock_broker_set_rtt(rd_kafka_mock_cluster_t *mcluster,
                                                 int32_t broker_id, int rtt_ms)
{
    (void)mcluster; (void)broker_id; (void)rtt_ms;
    return mock_not_impl();
}

rd_kafka_resp_err_t rd_kafka_mock_broker_set_rack(rd_kafka_mock_cluster_t *mcluster,
                                                  int32_t broker_id, const char *rack)
{
    (void)mcluster; (void)broker_id; (void)rack;
    return mock_not_impl();
}

rd_kafka_resp_err_t rd_kafka_mock_coordinator_set(rd_kafka_mock_cluster_t *mcluster,
                                                  const char *key_type, const char *key,
                                                  int32_t broker_id)
{
    (void)mcluster; (void)key_type; (void)key; (void)broker_id;
    return mock_not_impl();
}

rd_kafka_resp_err_t rd_kafka_mock_set_apiversion(rd_kafka_mock_cluster_t *mcluster,
                                                 int16_t ApiKey, int16_t MinVersion,
                                                 int16_t MaxVersion)
{
    (void)mcluster; (void)ApiKey; (void)MinVersion; (void)MaxVersion;
    return mock_not_impl();
}
