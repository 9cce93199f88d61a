/*
 * txn.c -- transactions (rd_kafka_init/begin/commit/abort_transaction) and
 * exactly-once consume-transform-produce: consumer group metadata and
 * rd_kafka_send_offsets_to_transaction (docs/kafka-shim.md,
 * "Exactly-once consume-transform-produce").
 *
 * A transaction is one commit of the one topic it writes: its messages are
 * held by the core producer (producer.commit.policy=manual, so neither
 * linger.ms nor poll commits them) until rd_kafka_commit_transaction
 * commits them together, all visible or none.  Abort drops them (the core
 * producer is closed without committing: reports _PURGE_QUEUE; a new
 * incarnation is opened at the next produce; chunks already written are
 * orphans for GC).  A newer instance with the same transactional.id fences
 * this one at its next commit (fatal _FENCED).
 *
 * Consumer offsets.  The input (the consumer's table) and the output are
 * different tables, whose logs no single commit spans.  So the offsets go
 * into the output commit as the producer's source position (the core
 * commits it atomically with the samples): the map "input partition ->
 * next offset" of every partition this transactional.id has consumed
 * (format below).  After that commit lands, the group's checkpoint on the
 * input table is committed as rd_kafka_commit does; it may lag the map
 * (a crash in between) but never leads it.  Whenever a core producer of the
 * handle opens a topic, the committed map is read back and every input
 * checkpoint behind it is rolled forward, before the consumer of a
 * restarted application resumes from it.
 *
 * Layout: limits and formats, consumer group metadata, the offsets map,
 * the transaction API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "shim_int.h"

/* Limits. */
#define SHIM_CGMD_STRING_BYTES_MAX 4096u  /* group id, member id, instance id */
#define SHIM_EOS_ENTRIES_MAX       64u    /* input partitions one transactional.id tracks
                                             (their encoding must also fit in
                                             LS_SOURCE_POSITION_BYTES_MAX) */

/* Consumer group metadata, serialized (rd_kafka_consumer_group_metadata_
 * write/read); integers little-endian:
 *   "LSCGMD" | version u8 (1) | generation_id i32 | world_size u32 | rank u32
 *   | group_id u16 len, bytes | member_id u16 len, bytes
 *   | group_instance_id: u8 0 (null) or 1, then u16 len, bytes
 *   | CRC-32 (zlib's) of every byte before it, u32 */
#define CGMD_MAGIC         "LSCGMD"
#define CGMD_MAGIC_BYTES   6u
#define CGMD_VERSION       1u
#define CGMD_FIXED_BYTES   (CGMD_MAGIC_BYTES + 1u + 4u + 4u + 4u)

/* The offsets map, as the output producer's source position:
 *   "LSEO" | version u8 (1) | count u16
 *   | count x (world_size u32 | rank u32 | slice u32 (B/W) | offset u64
 *              | group u8 len, bytes (encoded as in checkpoint names)
 *              | topic u8 len, bytes)
 *   | CRC-32 of every byte before it, u32
 * A position that does not start with the magic is not a map (the
 * producer may have used LAKESTREAM_SOURCE_POSITION_HEADER instead). */
#define EOS_MAGIC       "LSEO"
#define EOS_MAGIC_BYTES 4u
#define EOS_VERSION     1u

struct rd_kafka_consumer_group_metadata_s {
    char    *group_id;           /* group.id as given; owned */
    int32_t  generation_id;      /* -1: none (the shim has no group generations) */
    char    *member_id;          /* owned, "" if none */
    char    *group_instance_id;  /* owned, may be NULL */
    uint32_t world_size, rank;   /* the consumer's; world_size 0: unknown (the
                                    producer's own lakestream.world.size applies) */
};

/* ---- little-endian bytes ---- */

static void put_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}
static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}
static uint32_t crc_of(const uint8_t *p, size_t n)
{
    return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
}

/* ---- consumer group metadata ---- */

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static rd_kafka_consumer_group_metadata_t *cgmd_new(const char *group_id, int32_t generation_id,
                                                    const char *member_id,
                                                    const char *group_instance_id,
                                                    uint32_t world_size, uint32_t rank)
{
    rd_kafka_consumer_group_metadata_t *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->group_id = dup_or_empty(group_id);
    g->member_id = dup_or_empty(member_id);
    g->group_instance_id = group_instance_id ? strdup(group_instance_id) : NULL;
    g->generation_id = generation_id;
    g->world_size = world_size;
    g->rank = rank;
    if (!g->group_id || !g->member_id || (group_instance_id && !g->group_instance_id)) {
        rd_kafka_consumer_group_metadata_destroy(g);
        return NULL;
    }
    return g;
}

rd_kafka_consumer_group_metadata_t *rd_kafka_consumer_group_metadata_new(const char *group_id)
{
    return cgmd_new(group_id, -1, "", NULL, 0, 0);
}

rd_kafka_consumer_group_metadata_t *rd_kafka_consumer_group_metadata_new_with_genid(
    const char *group_id, int32_t generation_id, const char *member_id,
    const char *group_instance_id)
{
    return cgmd_new(group_id, generation_id, member_id, group_instance_id, 0, 0);
}

/* As librdkafka: NULL unless rk is a consumer with a group.id.  The
 * metadata carries the consumer's world size and rank, which name the
 * group's checkpoints. */
rd_kafka_consumer_group_metadata_t *rd_kafka_consumer_group_metadata(rd_kafka_t *rk)
{
    if (!rk || rk->type != RD_KAFKA_CONSUMER || !rk->group[0])
        return NULL;
    return cgmd_new(shim_conf_lookup(rk->conf, "group.id"), -1, rk->name,
                    shim_conf_lookup(rk->conf, "group.instance.id"), rk->world_size, rk->rank);
}

void rd_kafka_consumer_group_metadata_destroy(rd_kafka_consumer_group_metadata_t *cgmd)
{
    if (!cgmd)
        return;
    free(cgmd->group_id);
    free(cgmd->member_id);
    free(cgmd->group_instance_id);
    free(cgmd);
}

rd_kafka_error_t *rd_kafka_consumer_group_metadata_write(
    const rd_kafka_consumer_group_metadata_t *cgmd, void **bufferp, size_t *sizep)
{
    if (!cgmd || !bufferp || !sizep)
        return shim_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, 0, 0, 0,
                              "rd_kafka_consumer_group_metadata_write: no metadata or buffer");
    const char *strs[3] = {cgmd->group_id, cgmd->member_id, cgmd->group_instance_id};
    size_t size = CGMD_FIXED_BYTES + 1u + 4u;
    for (int i = 0; i < 3; i++) {
        if (!strs[i])
            continue;
        size_t n = strlen(strs[i]);
        if (n > SHIM_CGMD_STRING_BYTES_MAX)
            return shim_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, 0, 0, 0,
                                  "rd_kafka_consumer_group_metadata_write: a string of %zu "
                                  "bytes (at most %u)", n, SHIM_CGMD_STRING_BYTES_MAX);
        size += 2u + n;
    }
    uint8_t *b = malloc(size), *p = b;
    if (!b)
        return shim_error_new(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, 0, 0, 0, "out of memory");
    memcpy(p, CGMD_MAGIC, CGMD_MAGIC_BYTES);
    p += CGMD_MAGIC_BYTES;
    *p++ = CGMD_VERSION;
    put_u32(p, (uint32_t)cgmd->generation_id);
    put_u32(p + 4, cgmd->world_size);
    put_u32(p + 8, cgmd->rank);
    p += 12;
    for (int i = 0; i < 3; i++) {
        if (i == 2)
            *p++ = strs[2] ? 1 : 0;
        if (!strs[i])
            continue;
        size_t n = strlen(strs[i]);
        put_u16(p, (uint16_t)n);
        memcpy(p + 2, strs[i], n);
        p += 2 + n;
    }
    put_u32(p, crc_of(b, (size_t)(p - b)));
    p += 4;
    *bufferp = b;   /* the caller frees it with rd_kafka_mem_free */
    *sizep = (size_t)(p - b);
    return NULL;
}

static rd_kafka_error_t *cgmd_bad(const char *why)
{
    shim_seterr(RD_KAFKA_RESP_ERR__BAD_MSG, "consumer group metadata: %s", why);
    return shim_error_new(RD_KAFKA_RESP_ERR__BAD_MSG, 0, 0, 0,
                          "Input buffer is not valid consumer group metadata: %s", why);
}

/* A string field at *pp (u16 length, then printable bytes) within end;
 * *out malloc()ed. */
static const char *read_str(const uint8_t **pp, const uint8_t *end, char **out)
{
    const uint8_t *p = *pp;
    if (end - p < 2)
        return "truncated";
    size_t n = get_u16(p);
    p += 2;
    if (n > SHIM_CGMD_STRING_BYTES_MAX || (size_t)(end - p) < n)
        return "a string runs past the end";
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return "a string is not printable";
    if (!(*out = malloc(n + 1)))
        return "out of memory";
    memcpy(*out, p, n);
    (*out)[n] = '\0';
    *pp = p + n;
    return NULL;
}

rd_kafka_error_t *rd_kafka_consumer_group_metadata_read(
    rd_kafka_consumer_group_metadata_t **cgmdp, const void *buffer, size_t size)
{
    const uint8_t *b = buffer, *end = b + size, *p = b;
    if (!cgmdp || (!buffer && size))
        return shim_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, 0, 0, 0,
                              "rd_kafka_consumer_group_metadata_read: no buffer");
    *cgmdp = NULL;
    if (size < CGMD_MAGIC_BYTES || memcmp(b, CGMD_MAGIC, CGMD_MAGIC_BYTES))
        return cgmd_bad("not written by rd_kafka_consumer_group_metadata_write of "
                        "liblakestream-rdkafka (bad magic)");
    if (size < CGMD_FIXED_BYTES + 2u + 2u + 1u + 4u)
        return cgmd_bad("too short");
    if (b[CGMD_MAGIC_BYTES] != CGMD_VERSION) {
        char why[64];
        snprintf(why, sizeof why, "format version %u (this library reads %u)",
                 b[CGMD_MAGIC_BYTES], CGMD_VERSION);
        return cgmd_bad(why);
    }
    if (get_u32(end - 4) != crc_of(b, size - 4))
        return cgmd_bad("checksum mismatch (damaged or truncated)");
    end -= 4;
    p += CGMD_MAGIC_BYTES + 1;
    int32_t gen = (int32_t)get_u32(p);
    uint32_t world = get_u32(p + 4), rank = get_u32(p + 8);
    p += 12;
    char *s[3] = {NULL, NULL, NULL};
    const char *why = read_str(&p, end, &s[0]);
    if (!why)
        why = read_str(&p, end, &s[1]);
    if (!why && p >= end)
        why = "truncated";
    if (!why && *p > 1)
        why = "bad group instance id flag";
    if (!why && *p++ == 1)
        why = read_str(&p, end, &s[2]);
    if (!why && p != end)
        why = "trailing bytes";
    if (!why && (world > LS_WORLD_SIZE_MAX || (world && rank >= world)))
        why = "rank not below the world size";
    rd_kafka_consumer_group_metadata_t *g = NULL;
    if (!why && !(g = cgmd_new(s[0], gen, s[1], s[2], world, rank)))
        why = "out of memory";
    for (int i = 0; i < 3; i++)
        free(s[i]);
    if (why)
        return cgmd_bad(why);
    *cgmdp = g;
    return NULL;
}

/* ---- the offsets map ---- */

typedef struct eos_ent {
    char     group[SHIM_GROUP_ID_BYTES_MAX + 1];  /* encoded (checkpoint names) */
    char     topic[LS_TABLE_NAME_BYTES_MAX + 1];
    uint32_t world, rank, slice;
    int64_t  offset;                              /* next to consume */
} eos_ent;

typedef struct eos_map {
    size_t  n;
    eos_ent e[SHIM_EOS_ENTRIES_MAX];
} eos_map;

/* 1: buf is a map (into m), 0: not one (empty, or another position), -1:
 * a damaged one. */
static int eos_decode(const uint8_t *buf, size_t len, eos_map *m)
{
    m->n = 0;
    if (len < EOS_MAGIC_BYTES || memcmp(buf, EOS_MAGIC, EOS_MAGIC_BYTES))
        return 0;
    if (len < EOS_MAGIC_BYTES + 3u + 4u || buf[EOS_MAGIC_BYTES] != EOS_VERSION ||
        get_u32(buf + len - 4) != crc_of(buf, len - 4))
        return -1;
    const uint8_t *p = buf + EOS_MAGIC_BYTES + 1, *end = buf + len - 4;
    size_t n = get_u16(p);
    p += 2;
    if (n > SHIM_EOS_ENTRIES_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        eos_ent *e = &m->e[i];
        if (end - p < 21)
            return -1;
        e->world = get_u32(p);
        e->rank = get_u32(p + 4);
        e->slice = get_u32(p + 8);
        uint64_t off = get_u64(p + 12);
        p += 20;
        char *names[2] = {e->group, e->topic};
        size_t caps[2] = {SHIM_GROUP_ID_BYTES_MAX, LS_TABLE_NAME_BYTES_MAX};
        for (int k = 0; k < 2; k++) {
            if (end - p < 1)
                return -1;
            size_t l = *p++;
            if (l == 0 || l > caps[k] || (size_t)(end - p) < l)
                return -1;
            memcpy(names[k], p, l);
            names[k][l] = '\0';
            p += l;
        }
        if (off > (uint64_t)INT64_MAX || e->world == 0 || e->world > LS_WORLD_SIZE_MAX ||
            e->rank >= e->world || e->slice == 0 || !ls_name_is_valid(e->topic))
            return -1;
        e->offset = (int64_t)off;
    }
    if (p != end)
        return -1;
    m->n = n;
    return 1;
}

/* -1 if the encoding would exceed LS_SOURCE_POSITION_BYTES_MAX. */
static int eos_encode(const eos_map *m, uint8_t *buf, uint32_t *lenp)
{
    size_t need = EOS_MAGIC_BYTES + 3u + 4u;
    for (size_t i = 0; i < m->n; i++)
        need += 22u + strlen(m->e[i].group) + strlen(m->e[i].topic);
    if (need > LS_SOURCE_POSITION_BYTES_MAX)
        return -1;
    uint8_t *p = buf;
    memcpy(p, EOS_MAGIC, EOS_MAGIC_BYTES);
    p += EOS_MAGIC_BYTES;
    *p++ = EOS_VERSION;
    put_u16(p, (uint16_t)m->n);
    p += 2;
    for (size_t i = 0; i < m->n; i++) {
        const eos_ent *e = &m->e[i];
        put_u32(p, e->world);
        put_u32(p + 4, e->rank);
        put_u32(p + 8, e->slice);
        put_u64(p + 12, (uint64_t)e->offset);
        p += 20;
        const char *names[2] = {e->group, e->topic};
        for (int k = 0; k < 2; k++) {
            size_t l = strlen(names[k]);
            *p++ = (uint8_t)l;
            memcpy(p, names[k], l);
            p += l;
        }
    }
    put_u32(p, crc_of(buf, (size_t)(p - buf)));
    p += 4;
    *lenp = (uint32_t)(p - buf);
    return 0;
}

static eos_ent *eos_find(eos_map *m, const char *group, uint32_t world, const char *topic,
                         uint32_t rank)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->e[i].world == world && m->e[i].rank == rank && !strcmp(m->e[i].group, group) &&
            !strcmp(m->e[i].topic, topic))
            return &m->e[i];
    return NULL;
}

/* Upsert e into m: with keep_max, an existing entry keeps the larger
 * offset.  -1 if m is full. */
static int eos_put(eos_map *m, const eos_ent *e, int keep_max)
{
    eos_ent *x = eos_find(m, e->group, e->world, e->topic, e->rank);
    if (!x) {
        if (m->n >= SHIM_EOS_ENTRIES_MAX)
            return -1;
        m->e[m->n++] = *e;
        return 0;
    }
    if (!keep_max || e->offset > x->offset)
        x->offset = e->offset;
    return 0;
}

/* Lock held.  Commit every input checkpoint of m that is behind its
 * entry, unless unchanged from `before` (NULL: all).  *moved_any = 1 if
 * one moved.  The checkpoints only move forward, so this is idempotent. */
static rd_kafka_resp_err_t eos_roll_forward(rd_kafka_t *rk, const eos_map *m,
                                            eos_map *before, int *moved_any)
{
    for (size_t i = 0; i < m->n; i++) {
        const eos_ent *e = &m->e[i];
        eos_ent *b = before ? eos_find(before, e->group, e->world, e->topic, e->rank) : NULL;
        if (b && b->offset == e->offset)
            continue;
        int moved = 0;
        rd_kafka_resp_err_t err = shim_group_checkpoint(rk->st, rk->lconf, e->group, e->world,
                                                        e->rank, e->topic, e->offset, &moved);
        if (err)
            return err;
        if (moved && moved_any)
            *moved_any = 1;
    }
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* Lock held.  Roll the handle's whole committed map forward (eos_lag). */
static rd_kafka_resp_err_t eos_catch_up(rd_kafka_t *rk, int *moved_any)
{
    eos_map *m = malloc(sizeof *m);
    if (!m)
        return shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (eos_decode(rk->eos_done, rk->eos_done_len, m) < 0)
        err = shim_seterr(RD_KAFKA_RESP_ERR__BAD_MSG, "the handle's consumer offsets are damaged");
    if (!err)
        err = eos_roll_forward(rk, m, NULL, moved_any);
    if (!err)
        rk->eos_lag = 0;
    free(m);
    return err;
}

/* Lock held.  The open transaction's offsets are committed (in its output
 * commit, or it had no samples): they become the handle's, and the input
 * checkpoints they moved are committed. */
static rd_kafka_resp_err_t eos_commit_inputs(rd_kafka_t *rk)
{
    eos_map *before = malloc(sizeof *before), *now = malloc(sizeof *now);
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (!before || !now)
        err = shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    int had = err ? -1 : eos_decode(rk->eos_done, rk->eos_done_len, before);
    memcpy(rk->eos_done, rk->eos_next, rk->eos_next_len);
    rk->eos_done_len = rk->eos_next_len;
    rk->eos_sent = 0;
    if (!err && eos_decode(rk->eos_done, rk->eos_done_len, now) < 0)
        err = shim_seterr(RD_KAFKA_RESP_ERR__BAD_MSG, "the handle's consumer offsets are damaged");
    if (!err)
        err = eos_roll_forward(rk, now, had == 1 ? before : NULL, NULL);
    free(before);
    free(now);
    return err;
}

rd_kafka_resp_err_t shim_txn_topic_opened(rd_kafka_topic_t *rkt)
{
    rd_kafka_t *rk = rkt->rk;
    if (rk->txn_state == SHIM_TXN_OFF)
        return RD_KAFKA_RESP_ERR_NO_ERROR;
    size_t len;
    const uint8_t *pos = ls_producer_source_position(rkt->lp, &len);
    eos_map *got = malloc(sizeof *got), *done = malloc(sizeof *done);
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    int k = 0, moved = 0;
    if (!got || !done)
        err = shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    else if ((k = eos_decode(pos, len, got)) < 0)
        err = shim_seterr(RD_KAFKA_RESP_ERR__BAD_MSG, "topic %s: the consumer offsets committed "
                          "by producer %s are damaged", rkt->name, rk->producer_id);
    if (!err && k == 1) {
        /* Merge into what other topics of this handle committed: the newest
         * offset of each input partition wins (transactions are sequential,
         * so a larger offset is a later one). */
        if (eos_decode(rk->eos_done, rk->eos_done_len, done) < 0)
            done->n = 0;
        for (size_t i = 0; !err && i < got->n; i++)
            if (eos_put(done, &got->e[i], 1))
                err = shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "more than %u input "
                                  "partitions in the committed offsets", SHIM_EOS_ENTRIES_MAX);
        if (!err && eos_encode(done, rk->eos_done, &rk->eos_done_len))
            err = shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "the committed offsets exceed "
                              "%u bytes", LS_SOURCE_POSITION_BYTES_MAX);
        if (!err && !rk->eos_sent) {
            memcpy(rk->eos_next, rk->eos_done, rk->eos_done_len);
            rk->eos_next_len = rk->eos_done_len;
        } else if (!err) {
            /* The open transaction's map must carry these entries too (its
             * own offsets are not behind them: send_offsets refuses that). */
            if (eos_decode(rk->eos_next, rk->eos_next_len, done) < 0)
                done->n = 0;
            for (size_t i = 0; !err && i < got->n; i++)
                if (eos_put(done, &got->e[i], 1))
                    err = shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "more than %u input "
                                      "partitions in the committed offsets",
                                      SHIM_EOS_ENTRIES_MAX);
            if (!err && eos_encode(done, rk->eos_next, &rk->eos_next_len))
                err = shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "the committed offsets "
                                  "exceed %u bytes", LS_SOURCE_POSITION_BYTES_MAX);
        }
        /* A crash between an output commit and its input checkpoints
         * leaves the input behind: roll it forward now. */
        if (!err) {
            rk->eos_lag = 1;
            err = eos_catch_up(rk, &moved);
        }
        /* After rd_kafka_init_transactions the application may be consuming
         * already, from the old checkpoint: inputs the committed output
         * holds would be processed again.  Its transaction must abort (and
         * the application rewind to rd_kafka_committed). */
        if (!err && moved && rk->txn_state != SHIM_TXN_INIT)
            rk->eos_stale = 1;
    }
    free(got);
    free(done);
    return err;
}

/* ---- the transaction API ---- */

static rd_kafka_error_t *txn_error(rd_kafka_t *rk, const char *fn, int want)
{
    if (!rk)
        return shim_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, 0, 0, 0, "%s: no handle", fn);
    if (rk->type != RD_KAFKA_PRODUCER || rk->txn_state == SHIM_TXN_OFF)
        return shim_error_new(RD_KAFKA_RESP_ERR__NOT_CONFIGURED, 0, 0, 0,
                              "%s: the producer has no transactional.id", fn);
    if (rk->fatal_err)
        return shim_error_new(rk->fatal_err, 1, 0, 0, "%s", rk->fatal_errstr);
    if (want >= 0 && rk->txn_state != want)
        return shim_error_new(RD_KAFKA_RESP_ERR__STATE, 0, 0, 0,
                              "%s: %s", fn,
                              rk->txn_state == SHIM_TXN_INIT ? "call rd_kafka_init_transactions first"
                              : rk->txn_state == SHIM_TXN_IN ? "a transaction is open"
                                                             : "no transaction is open");
    return NULL;
}

static rd_kafka_error_t *stale_error(const char *fn)
{
    return shim_error_new(RD_KAFKA_RESP_ERR__OUTDATED, 0, 0, 1,
                          "%s: the consumer group's committed offsets were behind the ones "
                          "an earlier transaction of this transactional.id committed (a crash "
                          "between its output commit and the input checkpoint) and have been "
                          "rolled forward: the inputs of this transaction may have been "
                          "processed already.  Abort it, and rewind the consumer to "
                          "rd_kafka_committed() (create the output topic with "
                          "rd_kafka_topic_new before rd_kafka_init_transactions to avoid this)",
                          fn);
}

rd_kafka_error_t *rd_kafka_init_transactions(rd_kafka_t *rk, int timeout_ms)
{
    (void)timeout_ms;
    if (!rk)
        return txn_error(rk, "rd_kafka_init_transactions", -1);
    pthread_mutex_lock(&rk->lock);
    rd_kafka_error_t *e = txn_error(rk, "rd_kafka_init_transactions", -1);
    if (!e && rk->txn_state == SHIM_TXN_IN)
        e = shim_error_new(RD_KAFKA_RESP_ERR__STATE, 0, 0, 0,
                           "rd_kafka_init_transactions: a transaction is open");
    /* Topics opened before it rolled their inputs forward then; one that
     * failed to is retried here. */
    rd_kafka_resp_err_t err;
    if (!e && rk->eos_lag && (err = eos_catch_up(rk, NULL)))
        e = shim_error_new(err, 0, 1, 0, "rd_kafka_init_transactions: %s", shim_errstr());
    if (!e)
        rk->txn_state = SHIM_TXN_READY;
    pthread_mutex_unlock(&rk->lock);
    return e;
}

rd_kafka_error_t *rd_kafka_begin_transaction(rd_kafka_t *rk)
{
    if (!rk)
        return txn_error(rk, "rd_kafka_begin_transaction", SHIM_TXN_READY);
    pthread_mutex_lock(&rk->lock);
    rd_kafka_error_t *e = txn_error(rk, "rd_kafka_begin_transaction", SHIM_TXN_READY);
    rd_kafka_resp_err_t err;
    if (!e && rk->eos_lag && (err = eos_catch_up(rk, NULL)))
        e = shim_error_new(err, 0, 1, 0, "rd_kafka_begin_transaction: %s", shim_errstr());
    if (!e) {
        rk->txn_state = SHIM_TXN_IN;
        rk->txn_rkt = NULL;
        rk->txn_commit_failed = 0;
        rk->eos_sent = 0;
        memcpy(rk->eos_next, rk->eos_done, rk->eos_done_len);
        rk->eos_next_len = rk->eos_done_len;
    }
    pthread_mutex_unlock(&rk->lock);
    return e;
}

/* Lock held.  Merge offsets (of group `g`, world size `world`) into the
 * open transaction's map. */
static rd_kafka_error_t *send_offsets_locked(rd_kafka_t *rk,
                                             const rd_kafka_topic_partition_list_t *offsets,
                                             const char *g, uint32_t world)
{
    static const char fn[] = "rd_kafka_send_offsets_to_transaction";
    eos_map *next = malloc(sizeof *next), *done = malloc(sizeof *done);
    rd_kafka_error_t *e = NULL;
    if (!next || !done)
        e = shim_error_new(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, 0, 0, 0, "out of memory");
    if (!e && (eos_decode(rk->eos_next, rk->eos_next_len, next) < 0 ||
               eos_decode(rk->eos_done, rk->eos_done_len, done) < 0))
        e = shim_error_new(RD_KAFKA_RESP_ERR__BAD_MSG, 0, 0, 0,
                           "%s: the handle's consumer offsets are damaged", fn);
    for (int i = 0; !e && i < offsets->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &offsets->elems[i];
        if (tp->offset < 0)
            continue;   /* as librdkafka: only valid offsets count */
        if (!tp->topic || !ls_name_is_valid(tp->topic)) {
            e = shim_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, 0, 0, 1,
                               "%s: topic \"%s\" is not a table name", fn,
                               tp->topic ? tp->topic : "(null)");
            break;
        }
        if (tp->partition < 0 || (uint32_t)tp->partition >= world) {
            e = shim_error_new(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, 0, 0, 1,
                               "%s: %s [%d]: a partition is a rank below the consumer's world "
                               "size %u", fn, tp->topic, (int)tp->partition, world);
            break;
        }
        eos_ent ent = {.world = world, .rank = (uint32_t)tp->partition, .offset = tp->offset};
        snprintf(ent.group, sizeof ent.group, "%s", g);
        snprintf(ent.topic, sizeof ent.topic, "%s", tp->topic);
        const eos_ent *known = eos_find(next, g, world, tp->topic, ent.rank);
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (known)
            ent.slice = known->slice;   /* B/W of a table never changes */
        else if ((err = shim_group_slice(rk->st, rk->lconf, tp->topic, world, &ent.slice))) {
            e = shim_error_new(err, 0, err == RD_KAFKA_RESP_ERR__TRANSPORT ||
                               err == RD_KAFKA_RESP_ERR__TIMED_OUT, 0, "%s: %s", fn,
                               shim_errstr());
            break;
        }
        /* The group's checkpoint is a step (docs/kafka-shim.md, "Commits"):
         * an offset inside a step would resume at the step's start after a
         * restart and hand the step's first inputs out again. */
        if (tp->offset % ent.slice) {
            e = shim_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, 0, 0, 1,
                               "%s: %s [%d] offset %lld is inside step %lld (%u offsets a "
                               "step at world size %u): exactly-once offsets must be step "
                               "boundaries, multiples of %u", fn, tp->topic, (int)tp->partition,
                               (long long)tp->offset, (long long)(tp->offset / ent.slice),
                               ent.slice, world, ent.slice);
            break;
        }
        const eos_ent *old = eos_find(done, g, world, tp->topic, ent.rank);
        if (old && tp->offset < old->offset) {
            e = shim_error_new(RD_KAFKA_RESP_ERR__OUTDATED, 0, 0, 1,
                               "%s: %s [%d] offset %lld is behind offset %lld, committed by "
                               "an earlier transaction: its inputs were processed already; "
                               "abort, and rewind the consumer to rd_kafka_committed()", fn,
                               tp->topic, (int)tp->partition, (long long)tp->offset,
                               (long long)old->offset);
            break;
        }
        if (eos_put(next, &ent, 0))
            e = shim_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, 0, 0, 1,
                               "%s: more than %u input partitions", fn, SHIM_EOS_ENTRIES_MAX);
    }
    uint8_t *enc = e ? NULL : malloc(LS_SOURCE_POSITION_BYTES_MAX);
    uint32_t len = 0;
    if (!e && !enc)
        e = shim_error_new(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, 0, 0, 0, "out of memory");
    if (!e && eos_encode(next, enc, &len))
        e = shim_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, 0, 0, 1,
                           "%s: the offsets of %zu input partitions exceed the %u bytes of a "
                           "source position", fn, next->n, LS_SOURCE_POSITION_BYTES_MAX);
    if (!e) {   /* all or nothing */
        memcpy(rk->eos_next, enc, len);
        rk->eos_next_len = len;
        rk->eos_sent = 1;
    }
    free(enc);
    free(next);
    free(done);
    return e;
}

rd_kafka_error_t *rd_kafka_send_offsets_to_transaction(
    rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *offsets,
    const rd_kafka_consumer_group_metadata_t *cgmetadata, int timeout_ms)
{
    static const char fn[] = "rd_kafka_send_offsets_to_transaction";
    (void)timeout_ms;
    if (!rk || !cgmetadata || !offsets)
        return shim_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, 0, 0, 0,
                              "%s: cgmetadata and offsets are required parameters", fn);
    char g[SHIM_GROUP_ID_BYTES_MAX + 1];
    if (shim_group_encode(cgmetadata->group_id, g, sizeof g))
        return shim_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, 0, 0, 0,
                              "%s: group id \"%s\" is empty, or over %u bytes once encoded "
                              "for a checkpoint name", fn, cgmetadata->group_id,
                              SHIM_GROUP_ID_BYTES_MAX);
    pthread_mutex_lock(&rk->lock);
    rd_kafka_error_t *e = txn_error(rk, fn, SHIM_TXN_IN);
    if (!e && rk->txn_committing)
        e = shim_error_new(RD_KAFKA_RESP_ERR__STATE, 0, 0, 0,
                           "%s: rd_kafka_commit_transaction is in progress", fn);
    if (!e && rk->eos_stale)
        e = stale_error(fn);
    uint32_t world = cgmetadata->world_size ? cgmetadata->world_size : rk->world_size;
    if (!e)
        e = send_offsets_locked(rk, offsets, g, world);
    pthread_mutex_unlock(&rk->lock);
    return e;
}

rd_kafka_error_t *rd_kafka_commit_transaction(rd_kafka_t *rk, int timeout_ms)
{
    static const char fn[] = "rd_kafka_commit_transaction";
    if (!rk)
        return txn_error(rk, fn, SHIM_TXN_IN);
    pthread_mutex_lock(&rk->lock);
    rd_kafka_error_t *e = txn_error(rk, fn, SHIM_TXN_IN);
    if (!e && rk->eos_stale)
        e = stale_error(fn);
    /* The offsets travel with the transaction's samples, in its one
     * commit.  Without samples there is no output commit: the input
     * checkpoints are all there is to commit. */
    int rc;
    if (!e && rk->eos_sent && rk->txn_rkt && rk->txn_rkt->lp &&
        (rc = ls_producer_set_source_position(rk->txn_rkt->lp, rk->eos_next, rk->eos_next_len)))
        e = shim_error_new(shim_err_from_ls(rc), 0, 0, 1, "%s: %s", fn, ls_errmsg());
    if (!e)
        rk->txn_committing = 1;
    pthread_mutex_unlock(&rk->lock);
    if (e)
        return e;
    rd_kafka_resp_err_t err = rd_kafka_flush(rk, timeout_ms);
    pthread_mutex_lock(&rk->lock);
    rk->txn_committing = 0;
    /* Then the group's checkpoints on the inputs: those the transaction
     * moved, or all after an earlier failure.  If that fails the
     * transaction is committed all the same (the map leads, and the next
     * open of the topic rolls the inputs forward); commit again to retry. */
    rd_kafka_resp_err_t cerr = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (!err && rk->eos_sent) {
        cerr = eos_commit_inputs(rk);
        if (cerr)
            rk->eos_lag = 1;
    } else if (!err && rk->eos_lag) {
        cerr = eos_catch_up(rk, NULL);
    }
    if (cerr) {
        rk->txn_commit_failed = 1;
        e = shim_error_new(cerr, 0, 1, 0, "%s: the transaction is committed, but the "
                           "consumer group's checkpoint on its input failed (call "
                           "rd_kafka_commit_transaction again): %s", fn, shim_errstr());
    } else if (!err) {
        rk->txn_state = SHIM_TXN_READY;
        rk->txn_rkt = NULL;
    } else if (rk->fatal_err) {
        e = shim_error_new(rk->fatal_err, 1, 0, 0, "%s", rk->fatal_errstr);
    } else {
        /* Still buffered: commit again (the core never commits twice). */
        rk->txn_commit_failed = 1;
        e = shim_error_new(err, 0, 1, 0, "%s: %s", fn, shim_errstr());
    }
    pthread_mutex_unlock(&rk->lock);
    return e;
}

rd_kafka_error_t *rd_kafka_abort_transaction(rd_kafka_t *rk, int timeout_ms)
{
    (void)timeout_ms;
    if (!rk)
        return txn_error(rk, "rd_kafka_abort_transaction", SHIM_TXN_IN);
    pthread_mutex_lock(&rk->lock);
    rd_kafka_error_t *e = txn_error(rk, "rd_kafka_abort_transaction", SHIM_TXN_IN);
    if (!e && rk->txn_commit_failed)
        /* The failed attempt may have reached the log: aborting now could
         * not promise that nothing is visible.  Retrying the commit can. */
        e = shim_error_new(RD_KAFKA_RESP_ERR__STATE, 0, 1, 0,
                           "rd_kafka_abort_transaction: a commit attempt of this transaction "
                           "failed with an unknown outcome; retry "
                           "rd_kafka_commit_transaction");
    if (!e) {
        rk->txn_aborting = 1;
        for (size_t i = 0; i < rk->ntopics; i++) {
            ls_producer_close(rk->topics[i]->lp);  /* reports queued: _PURGE_QUEUE */
            rk->topics[i]->lp = NULL;              /* reopened at the next produce */
        }
        rk->txn_aborting = 0;
        rk->txn_state = SHIM_TXN_READY;
        rk->txn_rkt = NULL;
        /* The offsets sent go with it; the application rewinds. */
        rk->eos_sent = 0;
        rk->eos_stale = 0;
        memcpy(rk->eos_next, rk->eos_done, rk->eos_done_len);
        rk->eos_next_len = rk->eos_done_len;
    }
    pthread_mutex_unlock(&rk->lock);
    return e;
}
