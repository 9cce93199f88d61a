/*
 * run_kafka.h -- the kafka plane of `lakestream-bench run`
 * (docs/workloads.md): which Kafka a run talks to and how its clients are
 * configured, written down in result.json's "kafka" object.
 *
 *   broker    a real Apache Kafka started for the run with
 *             scripts/kafka-server.sh (the default; --kafka-brokers N)
 *   external  the cluster given by --bootstrap-servers
 *   mock      librdkafka's in-process mock cluster (--kafka-mock; run.c
 *             starts it)
 *
 * On a real cluster the run's topic is new (samples-<pid>-<time>), with W
 * partitions, the replication factor and the topic configuration asked
 * for, created by the kafka worker's `topic` role through the Admin API.
 * With --kafka-eos (Kafka's exactly-once) the producers are transactional
 * (worker_txn.c: every RK_TXN_MS a transaction commits their samples and
 * their source positions, kept in the topic <topic>-pos of P partitions)
 * and the ranks read with isolation.level=read_committed.
 */
#ifndef LS_HARNESS_RUN_KAFKA_H
#define LS_HARNESS_RUN_KAFKA_H

#include <limits.h>
#include <stdint.h>

#include <jansson.h>

#include "kafka_broker.h"

#define RK_TOPIC_CONFIGS_MAX 16
#define RK_TOPIC_BYTES       128
#define RK_TXN_MS            100   /* --kafka-eos: a transaction's length */

typedef enum { RK_BROKER, RK_EXTERNAL, RK_MOCK } rk_kind;

typedef struct run_kafka {
    rk_kind      kind;
    unsigned     brokers;             /* asked for (broker), or seen in metadata */
    unsigned     replication_factor;
    uint32_t     partitions;
    char         topic[RK_TOPIC_BYTES];
    char         bootstrap[KB_BOOTSTRAP_BYTES];
    char         version[KB_VERSION_BYTES];   /* "" if not known (external, mock) */
    const char  *topic_config[RK_TOPIC_CONFIGS_MAX];   /* "name=value", from argv */
    unsigned     ntopic_config;
    int          eos;                 /* --kafka-eos: transactions, read_committed */
    uint32_t     producers;           /* partitions of the positions topic (eos) */
    char         pos_topic[RK_TOPIC_BYTES + 8];   /* topic + "-pos" */
    kafka_broker kb;
} run_kafka;

/* The client properties of the kafka plane's producers and ranks, as -X
 * name=value pairs (NULL-terminated), also recorded in result.json. */
extern const char *const run_kafka_producer_props[];
extern const char *const run_kafka_rank_props[];

/* A real cluster for the run: start ours (RK_BROKER, k->brokers nodes under
 * out/kafka) or take k->bootstrap (RK_EXTERNAL); then create k->topic with
 * k->partitions partitions through worker_kafka (the kafka worker binary).
 * die()s on failure, stopping what it started. */
void run_kafka_setup(run_kafka *k, const char *worker_kafka, const char *out, const char *logs);

/* Stop the broker if the run started one. */
void run_kafka_teardown(run_kafka *k);

/* result.json's "kafka" object (docs/workloads.md). */
json_t *run_kafka_json(const run_kafka *k);

#endif
