/*
 * worker_txn.h -- Kafka's exactly-once for the kafka plane's producer
 * (`lakestream-bench run --kafka-eos`, docs/workloads.md): a transactional
 * producer that commits, in each transaction, its samples and its position
 * in its source, as a Kafka-based loader does when its source is not a
 * Kafka topic.  The position of producer J is the last committed message
 * of partition J of a positions topic; a restarted producer reads it with
 * isolation.level=read_committed after rd_kafka_init_transactions has
 * fenced the old incarnation and aborted its open transaction.
 * librdkafka's API only; linked into lakestream-bench-worker-kafka.
 */
#ifndef LS_HARNESS_WORKER_TXN_H
#define LS_HARNESS_WORKER_TXN_H

#include <stdint.h>

#include <librdkafka/rdkafka.h>

#define TXN_TIMEOUT_MS 30000   /* init, commit, abort; and reading the position */

/* init_transactions, then the committed position of partition `part` of
 * pos_topic (0 if none), then begin_transaction.  die()s on failure. */
uint64_t txn_start(rd_kafka_t *rk, const char *bootstrap, const char *pos_topic, int32_t part);

/* Add the position `next` (every sequence below it is produced) to the
 * open transaction, commit it, and begin the next one unless last.
 * die()s on failure. */
void txn_commit(rd_kafka_t *rk, const char *pos_topic, int32_t part, uint64_t next, int last);

#endif
