/*
 * worker_flood.h -- the roles of lakestream-bench-worker-{ls,kafka} that
 * `lakestream-bench kafka-ingest` runs (docs/benchmarks.md, "kafka-ingest").
 * Written only against librdkafka's API (harness/worker_flood.c), so the
 * same code produces into Lakestream (the shim) and into a Kafka broker.
 *
 *   flood --bootstrap B --topic T --index J --sample-bytes S
 *         (--duration-s D | --messages N) [--partition P] [--seed N]
 *         [--sync] [--latency-out FILE] [--flush-timeout-s T] [-X name=value ...]
 *   drain --bootstrap B --topic T [--messages N] [--timeout-s T] [--sync]
 *         [-X name=value ...]
 *   topic --bootstrap B --topic T --partitions N --replication-factor R
 *         [--config name=value ...] [--timeout-s T] [-X name=value ...]
 *
 * Each prints one JSON object on stdout (one line) at the end; with
 * --sync a flood first prints "ready" and waits for a start time on stdin,
 * and a drain prints "ready" and (without --messages) reads its target on
 * stdin.  Exit status 0 when the role ran (failed deliveries are results,
 * in the JSON), 1 on an error (stderr says which), 2 on a usage error.
 */
#ifndef LS_HARNESS_WORKER_FLOOD_H
#define LS_HARNESS_WORKER_FLOOD_H

#include <stdint.h>

/* 1 if role (argv[1] of a worker) is one of flood, drain, topic. */
int worker_flood_role(const char *role);

/* Run the role argv[1] (argv[0] is the program); returns the exit status. */
int worker_flood_main(int argc, char **argv);

/* The message header every flood payload starts with (host byte order;
 * the rest of the payload is cut from a pool of splitmix64 bytes of
 * seed ^ index, so it does not compress). */
#define FLOOD_MAGIC 0x4C53464Cu        /* "LSFL" */
#define FLOOD_HEADER_BYTES 32u         /* also the smallest --sample-bytes */
typedef struct flood_header {
    uint32_t magic;        /* FLOOD_MAGIC */
    uint32_t index;        /* the producer J */
    uint64_t seq;          /* 0, 1, ... per producer */
    uint64_t produce_ns;   /* CLOCK_REALTIME at the produce call that took it */
    uint32_t size;         /* the whole message, header included */
    uint32_t reserved;     /* 0 */
} flood_header;

#endif
