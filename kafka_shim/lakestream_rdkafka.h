/*
 * lakestream_rdkafka.h -- what liblakestream-rdkafka adds to librdkafka's
 * API (docs/kafka-shim.md, "Exactly-once producers").  Code that must also build against librdkafka
 * guards its use (the header defines LAKESTREAM_RDKAFKA).
 *
 * A producer that reads a source (files, a generator) can make its
 * ingestion exactly-once across crashes: it tags each message with its
 * position in the source *after* that message, in the header
 * LAKESTREAM_SOURCE_POSITION_HEADER; every commit stores, atomically with
 * its samples, the position of its last sample.  A restarted producer with
 * the same lakestream.producer.id (or transactional.id) asks where to
 * resume with rd_kafka_lakestream_source_position().
 */
#ifndef LAKESTREAM_RDKAFKA_H
#define LAKESTREAM_RDKAFKA_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LAKESTREAM_RDKAFKA 1
/* Header carrying the source position after a message (at most
 * 4096 bytes, LS_SOURCE_POSITION_BYTES_MAX); it is not stored. */
#define LAKESTREAM_SOURCE_POSITION_HEADER "lakestream.source.position"

/* The source position stored by the last commit of this handle's producer
 * id on `topic`, as bytes: *sizep is the size of buf on entry and the
 * position's size on return (0: nothing committed yet).  Registers this
 * handle as the id's new incarnation on the topic if it was not yet (which
 * fences any older one), as the first produce would.
 * RD_KAFKA_RESP_ERR__INVALID_ARG: not a producer, or buf too small (*sizep
 * then says how large it must be). */
rd_kafka_resp_err_t rd_kafka_lakestream_source_position(rd_kafka_t *rk, const char *topic,
                                                        void *buf, size_t *sizep);

#ifdef __cplusplus
}
#endif

#endif
