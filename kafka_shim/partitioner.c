/*
 * partitioner.c -- librdkafka's built-in partitioners, with its exact hashes
 * (src/rdkafka_msg.c, rdcrc32.h, rdmurmur2.c, rdfnv1a.c at v2.0.2), so an
 * application that calls one directly maps a key to the partition librdkafka
 * would.  The shim itself never partitions: a sample's partition is its
 * rank (docs/kafka-shim.md).  Laid out as: the three hashes, the random
 * choice, then the seven rd_kafka_msg_partitioner_*() functions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <zlib.h>

#include "shim_int.h"

/* rd_crc32: zlib's CRC-32 (librdkafka is built WITH_ZLIB; its own table
 * gives the same values). */
static uint32_t hash_crc32(const void *key, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    const Bytef *p = key;
    while (len > 0) {   /* zlib takes uInt lengths */
        uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
        crc = crc32(crc, p, n);
        p += n;
        len -= n;
    }
    return (uint32_t)crc;
}

/* rd_murmur2: the Java client's murmur2 (seed 0x9747b28c), words read
 * little-endian whatever the alignment. */
static uint32_t hash_murmur2(const void *key, size_t len)
{
    const uint32_t seed = 0x9747b28c, m = 0x5bd1e995;
    const int r = 24;
    const unsigned char *data = key;
    uint32_t h = seed ^ (uint32_t)len;
    while (len >= 4) {
        uint32_t k = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                     (uint32_t)data[3] << 24;
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
        data += 4;
        len -= 4;
    }
    switch (len) {
    case 3:
        h ^= (uint32_t)data[2] << 16;
        /* fallthrough */
    case 2:
        h ^= (uint32_t)data[1] << 8;
        /* fallthrough */
    case 1:
        h ^= data[0];
        h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return h;
}

/* rd_fnv1a: FNV-1a 32, then the absolute value of it as an int32 (Sarama's
 * NewHashPartitioner); INT32_MIN stays 0x80000000, as librdkafka's
 * two's-complement negation leaves it. */
static uint32_t hash_fnv1a(const void *key, size_t len)
{
    const uint32_t prime = 0x01000193, offset = 0x811C9DC5;
    const unsigned char *data = key;
    uint32_t h = offset;
    for (size_t i = 0; i < len; i++) {
        h ^= data[i];
        h *= prime;
    }
    if (h & 0x80000000u)
        h = (uint32_t)0 - h;
    return h;
}

/* rd_jitter(0, partition_cnt - 1), with a per-thread rand_r seed. */
static int32_t random_partition(int32_t partition_cnt)
{
    static _Thread_local unsigned int seed;
    if (!seed)
        seed = (unsigned int)time(NULL) ^ (unsigned int)(uintptr_t)&seed;
    return (int32_t)(rand_r(&seed) % partition_cnt);
}

/* librdkafka retries once when rd_kafka_topic_partition_available() says
 * the first pick has no leader.  The shim has no leaders: every partition
 * (rank) is available, so the first pick stands. */
int32_t rd_kafka_msg_partitioner_random(const rd_kafka_topic_t *rkt, const void *key,
                                        size_t keylen, int32_t partition_cnt, void *rkt_opaque,
                                        void *msg_opaque)
{
    (void)rkt; (void)key; (void)keylen; (void)rkt_opaque; (void)msg_opaque;
    return random_partition(partition_cnt);
}

/* The unsigned hash modulo the count converted to unsigned, as librdkafka's
 * C arithmetic does it. */
int32_t rd_kafka_msg_partitioner_consistent(const rd_kafka_topic_t *rkt, const void *key,
                                            size_t keylen, int32_t partition_cnt,
                                            void *rkt_opaque, void *msg_opaque)
{
    (void)rkt; (void)rkt_opaque; (void)msg_opaque;
    return (int32_t)(hash_crc32(key, keylen) % (uint32_t)partition_cnt);
}

/* An empty (or NULL) key goes to a random partition. */
int32_t rd_kafka_msg_partitioner_consistent_random(const rd_kafka_topic_t *rkt,
                                                   const void *key, size_t keylen,
                                                   int32_t partition_cnt, void *rkt_opaque,
                                                   void *msg_opaque)
{
    if (keylen == 0)
        return rd_kafka_msg_partitioner_random(rkt, key, keylen, partition_cnt, rkt_opaque,
                                               msg_opaque);
    return rd_kafka_msg_partitioner_consistent(rkt, key, keylen, partition_cnt, rkt_opaque,
                                               msg_opaque);
}

int32_t rd_kafka_msg_partitioner_murmur2(const rd_kafka_topic_t *rkt, const void *key,
                                         size_t keylen, int32_t partition_cnt,
                                         void *rkt_opaque, void *msg_opaque)
{
    (void)rkt; (void)rkt_opaque; (void)msg_opaque;
    return (int32_t)((hash_murmur2(key, keylen) & 0x7fffffff) % (uint32_t)partition_cnt);
}

/* A NULL key (not an empty one) goes to a random partition. */
int32_t rd_kafka_msg_partitioner_murmur2_random(const rd_kafka_topic_t *rkt, const void *key,
                                                size_t keylen, int32_t partition_cnt,
                                                void *rkt_opaque, void *msg_opaque)
{
    if (!key)
        return rd_kafka_msg_partitioner_random(rkt, key, keylen, partition_cnt, rkt_opaque,
                                               msg_opaque);
    return rd_kafka_msg_partitioner_murmur2(rkt, key, keylen, partition_cnt, rkt_opaque,
                                            msg_opaque);
}

int32_t rd_kafka_msg_partitioner_fnv1a(const rd_kafka_topic_t *rkt, const void *key,
                                       size_t keylen, int32_t partition_cnt, void *rkt_opaque,
                                       void *msg_opaque)
{
    (void)rkt; (void)rkt_opaque; (void)msg_opaque;
    return (int32_t)(hash_fnv1a(key, keylen) % (uint32_t)partition_cnt);
}

/* A NULL key (not an empty one) goes to a random partition. */
int32_t rd_kafka_msg_partitioner_fnv1a_random(const rd_kafka_topic_t *rkt, const void *key,
                                              size_t keylen, int32_t partition_cnt,
                                              void *rkt_opaque, void *msg_opaque)
{
    if (!key)
        return rd_kafka_msg_partitioner_random(rkt, key, keylen, partition_cnt, rkt_opaque,
                                               msg_opaque);
    return rd_kafka_msg_partitioner_fnv1a(rkt, key, keylen, partition_cnt, rkt_opaque,
                                          msg_opaque);
}
