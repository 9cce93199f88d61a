/*
 * consumer.c -- the consumer side of librdkafka's API over Lakestream
 * (docs/kafka-shim.md, DESIGN.md section 11).
 *
 * A partition p of a topic is rank p of the topic's table at the handle's
 * world size W; its offsets are rank-local sample ordinals, offset o being
 * sample o % (B/W) of the rank's slice of step o / (B/W).  Each assigned
 * partition has its own ls_consumer.  A subscription assigns the handle's
 * own rank of every subscribed topic.
 *
 * Committing offset o of partition p for group g records rank p's progress,
 * step o / (B/W), for the job "kafka.<g>.w<W>" (ls_rank_checkpoint_commit):
 * an object outside the log, while the log keeps one checkpoint per job at
 * a step no rank is below (a rank's first commit registers
 * "kafka.<g>.w<W>.r<p>" until rank 0 has seen every rank), so the storage a
 * group still needs is never reclaimed and W ranks committing write no W
 * log records.  A later consumer of the group resumes: at the same world
 * size from its own rank's progress; at another world size from the
 * smallest step of the newest complete world (every rank of it committed),
 * a step boundary.  Once a world is complete, rank 0 releases the
 * checkpoints of the group's other worlds.
 *
 * Locking as in handle.c: rk->lock guards the consumer state; callbacks
 * (rebalance_cb, offset_commit_cb) run without it, from the poll calls.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shim_int.h"

enum { RESET_EARLIEST = 0, RESET_LATEST = 1, RESET_ERROR = 2 };

#define CKPT_PREFIX "kafka."
#define WORLDS_TRACKED_MAX 64u   /* world sizes considered when resuming */

/* ---- handle setup ---- */

static int conf_bool(const rd_kafka_conf_t *c, const char *name, int dflt)
{
    const char *v = shim_conf_lookup(c, name);
    return v ? !strcmp(v, "true") : dflt;
}

static const char *conf_or_topic(const rd_kafka_conf_t *c, const char *name)
{
    const char *v = shim_conf_lookup(c, name);
    if (!v && c->default_topic_conf) {
        const rd_kafka_topic_conf_t *tc = c->default_topic_conf;
        for (size_t i = 0; i < tc->n; i++)
            if (!strcmp(tc->names[i], name))
                v = tc->values[i];
    }
    return v;
}

rd_kafka_resp_err_t shim_consumer_init(rd_kafka_t *rk, char *errstr, size_t errstr_size)
{
    const rd_kafka_conf_t *c = rk->conf;
    const char *g = shim_conf_lookup(c, "group.id");
    if (g && *g) {
        size_t n = strlen(g);
        if (n > SHIM_GROUP_ID_BYTES_MAX) {
            snprintf(errstr, errstr_size, "group.id of %zu bytes: at most %u (it names a "
                     "table checkpoint)", n, SHIM_GROUP_ID_BYTES_MAX);
            return RD_KAFKA_RESP_ERR__INVALID_ARG;
        }
        /* [A-Za-z0-9-] are kept, any other byte becomes _HH (hex): names
         * stay distinct ("a.b" is a_2eb, "a_b" a_5fb), and '.' stays free
         * to separate the parts of the checkpoint name. */
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)g[i];
            int keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                       (ch >= '0' && ch <= '9') || ch == '-';
            if (k + (keep ? 1 : 3) > SHIM_GROUP_ID_BYTES_MAX) {
                snprintf(errstr, errstr_size, "group.id \"%s\": encoded for a checkpoint "
                         "name it exceeds %u bytes (bytes outside [A-Za-z0-9-] take 3)", g,
                         SHIM_GROUP_ID_BYTES_MAX);
                return RD_KAFKA_RESP_ERR__INVALID_ARG;
            }
            if (keep)
                rk->group[k++] = (char)ch;
            else
                k += (size_t)snprintf(rk->group + k, 4, "_%02x", ch);
        }
        rk->group[k] = '\0';
    }
    rk->auto_commit = conf_bool(c, "enable.auto.commit", 1);
    rk->auto_store = conf_bool(c, "enable.auto.offset.store", 1);
    rk->partition_eof = conf_bool(c, "enable.partition.eof", 0);
    const char *ms = shim_conf_lookup(c, "auto.commit.interval.ms");
    rk->auto_commit_ms = ms ? strtoll(ms, NULL, 10) : SHIM_AUTO_COMMIT_MS_DEFAULT;
    /* auto.commit.interval.ms = 0 stops the periodic commits only (as in
     * librdkafka); unassigning still commits. */
    rk->next_auto_commit_ms = shim_now_ms() + rk->auto_commit_ms;
    const char *r = conf_or_topic(c, "auto.offset.reset");
    if (!r || !strcmp(r, "largest") || !strcmp(r, "latest") || !strcmp(r, "end"))
        rk->reset = RESET_LATEST;
    else if (!strcmp(r, "smallest") || !strcmp(r, "earliest") || !strcmp(r, "beginning"))
        rk->reset = RESET_EARLIEST;
    else if (!strcmp(r, "error"))
        rk->reset = RESET_ERROR;
    else {
        snprintf(errstr, errstr_size, "auto.offset.reset \"%s\": expected smallest, earliest, "
                 "beginning, largest, latest, end or error", r);
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    }
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* ---- batches and messages ---- */

void shim_bref_put(shim_bref *r)
{
    if (r && __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        ls_batch_destroy(r->b);
        free(r);
    }
}

static shim_msg *msg_new(shim_part *p, rd_kafka_resp_err_t err, int64_t offset)
{
    shim_msg *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->rkm.err = err;
    m->rkm.rkt = p ? p->rkt : NULL;
    m->rkm.partition = p ? p->partition : RD_KAFKA_PARTITION_UA;
    m->rkm.offset = offset;
    m->timestamp_ms = -1;
    return m;
}

/* An error event as a message: payload is the error string, as in
 * librdkafka (rd_kafka_message_errstr returns it). */
static shim_msg *err_msg(shim_part *p, rd_kafka_resp_err_t err, int64_t offset,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static shim_msg *err_msg(shim_part *p, rd_kafka_resp_err_t err, int64_t offset,
                         const char *fmt, ...)
{
    shim_msg *m = msg_new(p, err, offset);
    if (!m)
        return NULL;
    char buf[SHIM_ERRSTR_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    m->rkm.payload = strdup(buf);
    if (m->rkm.payload) {
        m->rkm.len = strlen(buf);
        m->payload_owned = 1;
        m->payload_is_errstr = 1;
    }
    return m;
}

/* ---- partitions ---- */

static shim_part *part_find(rd_kafka_t *rk, const char *topic, int32_t partition)
{
    for (size_t i = 0; i < rk->nparts; i++)
        if (rk->parts[i]->partition == partition && !strcmp(rk->parts[i]->rkt->name, topic))
            return rk->parts[i];
    return NULL;
}

static void part_drop_batch(shim_part *p)
{
    shim_bref_put(p->cur);
    p->cur = NULL;
}

static void part_free(shim_part *p)
{
    part_drop_batch(p);
    rd_kafka_queue_destroy(p->legacy_q);
    rd_kafka_queue_destroy(p->own_q);
    ls_consumer_close(p->lc);
    ls_table_close(p->t);
    shim_topic_release(p->rkt);
    free(p);
}

/* Lock held.  Adds a partition to the assignment (offset: where to start,
 * logical or absolute). */
static rd_kafka_resp_err_t part_add(rd_kafka_t *rk, const char *topic, int32_t partition,
                                    int64_t offset)
{
    if (part_find(rk, topic, partition))
        return shim_seterr(RD_KAFKA_RESP_ERR__CONFLICT, "%s [%d] is assigned twice", topic,
                           (int)partition);
    if (rk->nparts >= SHIM_PARTS_MAX)
        return shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "more than %u assigned partitions",
                           SHIM_PARTS_MAX);
    shim_part *p = calloc(1, sizeof *p);
    if (!p)
        return shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    p->rkt = shim_topic_get(rk, topic);
    if (!p->rkt) {
        free(p);
        return rd_kafka_last_error();
    }
    p->partition = partition;
    p->pos = offset;
    p->stored = p->committed = -1;
    rk->parts[rk->nparts++] = p;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* The assignment's partitions (all = 0) or every partition, legacy
 * consumer's included (all = 1). */
static void parts_clear(rd_kafka_t *rk, int all)
{
    size_t k = 0;
    for (size_t i = 0; i < rk->nparts; i++) {
        if (all || !rk->parts[i]->legacy_q)
            part_free(rk->parts[i]);
        else
            rk->parts[k++] = rk->parts[i];
    }
    rk->nparts = k;
    rk->rr = 0;
}

/* Open table `topic` and find its offsets per step for this world size.
 * Errors: UNKNOWN_TOPIC_OR_PART (no such table), UNKNOWN_PARTITION
 * (partition >= W, or B not a multiple of W), else the store's error; the
 * shim's error string says which. */
static rd_kafka_resp_err_t table_open_slice(rd_kafka_t *rk, const char *topic,
                                            int32_t partition, ls_table **tp, uint32_t *slice)
{
    *tp = NULL;
    if (partition < 0 || (uint32_t)partition >= rk->world_size)
        return shim_seterr(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
                           "topic %s has %u partitions (the world size, lakestream.world.size "
                           "or WORLD_SIZE): no partition %d", topic, rk->world_size,
                           (int)partition);
    ls_table *t;
    int rc = ls_table_open(rk->st, topic, rk->lconf, &t);
    if (rc == LS_ERR_NOT_FOUND)
        return shim_seterr(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                           "topic %s: no such table in the store (%s)", topic, ls_errmsg());
    if (rc)
        return shim_seterr(shim_err_from_ls(rc), "topic %s: %s", topic, ls_errmsg());
    ls_table_info ti;
    ls_table_info_get(t, &ti);
    if (ti.global_batch % rk->world_size) {
        ls_table_close(t);
        return shim_seterr(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
                           "topic %s: global batch %u is not a multiple of the world size %u",
                           topic, ti.global_batch, rk->world_size);
    }
    *slice = ti.global_batch / rk->world_size;
    *tp = t;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* The group's job at world size `world`: "kafka.<group>.w<W>" (its ranks'
 * own log checkpoints add ".r<p>"); prefix: "kafka.<group>.w". */
static int job_name(const rd_kafka_t *rk, uint32_t world, char *buf, size_t size)
{
    int n = world ? snprintf(buf, size, CKPT_PREFIX "%s.w%u", rk->group, world)
                  : snprintf(buf, size, CKPT_PREFIX "%s.w", rk->group);
    /* room for ".r<partition>" */
    return n > 0 && (size_t)n < size && (size_t)n + 12 <= LS_CHECKPOINT_NAME_BYTES_MAX ? 0 : -1;
}

/* The world size of a checkpoint "kafka.<group>.w<W>[.r<p>]" of this
 * handle's group, or -1. */
static int ckpt_world(const rd_kafka_t *rk, const char *name, uint32_t *world)
{
    size_t gl = strlen(rk->group), pl = strlen(CKPT_PREFIX);
    if (strncmp(name, CKPT_PREFIX, pl) || strncmp(name + pl, rk->group, gl) ||
        strncmp(name + pl + gl, ".w", 2))
        return -1;
    const char *s = name + pl + gl + 2;
    char *end;
    errno = 0;
    unsigned long w = strtoul(s, &end, 10);
    if (end == s || errno || w == 0 || w > LS_WORLD_SIZE_MAX)
        return -1;
    if (*end) {
        if (strncmp(end, ".r", 2))
            return -1;
        s = end + 2;
        unsigned long r = strtoul(s, &end, 10);
        if (end == s || *end || errno || r >= w)
            return -1;
    }
    *world = (uint32_t)w;
    return 0;
}

/* The step the group resumes at for `partition` at this world size (t
 * freshly loaded), or -1 if none: this rank's own progress at this world
 * size; else, among the other world sizes the log still holds checkpoints
 * of, the smallest step of the newest complete one (every rank of it
 * committed), a step boundary; else the smallest step any rank recorded,
 * so that nothing the group has not read is skipped. */
static int64_t group_step(rd_kafka_t *rk, ls_table *t, int32_t partition)
{
    if (!rk->group[0])
        return -1;
    uint32_t worlds[WORLDS_TRACKED_MAX];
    size_t nw = 0;
    worlds[nw++] = rk->world_size;
    ls_checkpoint_info ci;
    for (size_t i = 0; ls_table_checkpoint_get(t, i, &ci) == LS_OK; i++) {
        uint32_t w;
        if (!ci.live || ckpt_world(rk, ci.name, &w))
            continue;
        size_t k = 0;
        while (k < nw && worlds[k] != w)
            k++;
        if (k == nw && nw < WORLDS_TRACKED_MAX)
            worlds[nw++] = w;
    }
    int64_t best = -1, any = -1;
    for (size_t k = 0; k < nw; k++) {
        char job[LS_CHECKPOINT_NAME_BYTES_MAX + 1];
        uint64_t *steps = malloc(worlds[k] * sizeof(uint64_t));
        int complete = 0;
        if (!steps || job_name(rk, worlds[k], job, sizeof job) ||
            ls_rank_checkpoint_get(t, job, worlds[k], steps, NULL, &complete)) {
            free(steps);
            continue;
        }
        if (k == 0 && steps[partition] != UINT64_MAX) {
            int64_t own = (int64_t)steps[partition];
            free(steps);
            return own;
        }
        uint64_t min = UINT64_MAX;
        for (uint32_t r = 0; r < worlds[k]; r++)
            if (steps[r] < min)
                min = steps[r];
        free(steps);
        if (min == UINT64_MAX)
            continue;
        if (complete && k > 0 && (int64_t)min > best)
            best = (int64_t)min;
        if (any < 0 || (int64_t)min < any)
            any = (int64_t)min;
    }
    return best >= 0 ? best : any;
}

/* Lock held.  Resolve a logical start offset of p (its table open). */
static shim_msg *part_resolve(rd_kafka_t *rk, shim_part *p, int use_reset)
{
    ls_table_info ti;
    int rc = ls_table_refresh(p->t);
    if (rc) {
        p->retry_at_ms = shim_now_ms() + SHIM_RETRY_MS;
        return err_msg(p, shim_err_from_ls(rc), p->pos, "%s [%d]: reading the log: %s",
                       p->rkt->name, (int)p->partition, ls_errmsg());
    }
    ls_table_info_get(p->t, &ti);
    int64_t low = (int64_t)(ti.low_watermark_step * p->slice);
    int64_t high = (int64_t)(ti.visible_steps * p->slice);
    int64_t off = p->pos;
    if (off == RD_KAFKA_OFFSET_STORED || off == RD_KAFKA_OFFSET_INVALID) {
        int64_t step = group_step(rk, p->t, p->partition);
        off = step >= 0 ? step * (int64_t)p->slice : RD_KAFKA_OFFSET_INVALID;
    }
    if (off == RD_KAFKA_OFFSET_INVALID || use_reset) {
        if (rk->reset == RESET_ERROR) {
            p->retry_at_ms = INT64_MAX;  /* until a seek or a new assignment */
            return err_msg(p, RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET, p->pos,
                           "%s [%d]: no committed offset%s and auto.offset.reset=error",
                           p->rkt->name, (int)p->partition,
                           use_reset ? " in range (reclaimed below the low watermark)" : "");
        }
        off = rk->reset == RESET_EARLIEST ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
    }
    if (off == RD_KAFKA_OFFSET_BEGINNING)
        off = low;
    else if (off == RD_KAFKA_OFFSET_END)
        off = high;
    else if (off <= RD_KAFKA_OFFSET_TAIL_BASE) {
        off = high - (RD_KAFKA_OFFSET_TAIL_BASE - off);
        if (off < low)
            off = low;
    } else if (off < 0) {
        p->retry_at_ms = INT64_MAX;
        return err_msg(p, RD_KAFKA_RESP_ERR__INVALID_ARG, off, "%s [%d]: offset %lld",
                       p->rkt->name, (int)p->partition, (long long)off);
    }
    p->pos = off;
    return NULL;
}

/* Lock held.  The next message of p, an event message, or NULL. */
static shim_msg *part_next(rd_kafka_t *rk, shim_part *p)
{
    if (p->paused)
        return NULL;
    if (p->retry_at_ms) {             /* after an error: not before then */
        if (shim_now_ms() < p->retry_at_ms)
            return NULL;
        p->retry_at_ms = 0;
    }
    if (!p->lc) {
        rd_kafka_resp_err_t err = table_open_slice(rk, p->rkt->name, p->partition, &p->t,
                                                   &p->slice);
        if (!err) {
            int rc = ls_consumer_open(rk->st, p->rkt->name, (uint32_t)p->partition,
                                      rk->world_size, rk->lconf, &p->lc);
            if (rc)
                err = shim_seterr(shim_err_from_ls(rc), "%s [%d]: %s", p->rkt->name,
                                  (int)p->partition, ls_errmsg());
        }
        if (err) {
            ls_table_close(p->t);
            p->t = NULL;
            p->retry_at_ms = shim_now_ms() + SHIM_RETRY_MS;
            /* Each error is reported once until the partition opens (a
             * missing table is read as soon as it appears). */
            if (p->last_err == err)
                return NULL;
            p->last_err = err;
            return err_msg(p, err, RD_KAFKA_OFFSET_INVALID, "%s", shim_errstr());
        }
        p->last_err = RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    if (p->pos < 0) {
        shim_msg *m = part_resolve(rk, p, 0);
        if (m || p->pos < 0)
            return m;
    }
    for (int tries = 0; tries < 2; tries++) {
        if (p->cur) {
            const ls_batch *b = p->cur->b;
            int64_t first = (int64_t)(b->step * p->slice);
            if (p->pos >= first && p->pos < first + (int64_t)b->count) {
                size_t i = (size_t)(p->pos - first);
                shim_msg *m = msg_new(p, RD_KAFKA_RESP_ERR_NO_ERROR, p->pos);
                if (!m)
                    return NULL;
                m->rkm.payload = (void *)(uintptr_t)b->samples[i];
                m->rkm.len = b->lens[i];
                m->bref = p->cur;
                __atomic_add_fetch(&p->cur->refs, 1, __ATOMIC_RELAXED);
                p->pos++;
                if (rk->auto_store)
                    p->stored = p->pos;
                p->eof_sent = 0;
                rk->rx_msgs++;
                rk->rx_bytes += m->rkm.len;
                return m;
            }
            part_drop_batch(p);
        }
        uint64_t step = (uint64_t)p->pos / p->slice;
        ls_batch *b;
        int rc = ls_consumer_read_step(p->lc, step, 0, &b);
        if (rc == LS_OK) {
            shim_bref *r = calloc(1, sizeof *r);
            if (!r) {
                ls_batch_destroy(b);
                return NULL;
            }
            r->b = b;
            r->refs = 1;
            p->cur = r;
            continue;
        }
        if (rc == LS_ERR_TIMEOUT) {
            if (!rk->partition_eof || p->eof_sent)
                return NULL;
            /* Not fetched yet is not the end: the prefetch thread may be
             * on its way.  The end is the visible end of the log. */
            ls_table_info ti;
            if (ls_table_refresh(p->t) != LS_OK)
                return NULL;
            ls_table_info_get(p->t, &ti);
            if (step < ti.visible_steps)
                return NULL;
            p->eof_sent = 1;
            return err_msg(p, RD_KAFKA_RESP_ERR__PARTITION_EOF, p->pos,
                           "Fetch from topic %s [%d] reached end at offset %lld",
                           p->rkt->name, (int)p->partition, (long long)p->pos);
        }
        if (rc == LS_ERR_RECLAIMED) {
            shim_msg *m = part_resolve(rk, p, 1);
            if (m || p->pos < 0)
                return m;
            continue;
        }
        p->retry_at_ms = shim_now_ms() + SHIM_RETRY_MS;
        return err_msg(p, shim_err_from_ls(rc), p->pos, "%s [%d] offset %lld: %s",
                       p->rkt->name, (int)p->partition, (long long)p->pos, ls_errmsg());
    }
    return NULL;
}

/* ---- commits ---- */

static rd_kafka_resp_err_t commit_one(rd_kafka_t *rk, rd_kafka_topic_partition_t *e)
{
    if (e->offset < 0)
        return shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "%s [%d]: cannot commit logical "
                           "offset %lld", e->topic, (int)e->partition, (long long)e->offset);
    shim_part *p = part_find(rk, e->topic, e->partition);
    ls_table *t = NULL, *own = NULL;
    uint32_t slice;
    rd_kafka_resp_err_t err;
    if (p && p->t) {
        t = p->t;       /* the partition's handle: its state is nearly current */
        slice = p->slice;
    } else if ((err = table_open_slice(rk, e->topic, e->partition, &own, &slice)))
        return err;
    else
        t = own;
    char name[LS_CHECKPOINT_NAME_BYTES_MAX + 1], prefix[LS_CHECKPOINT_NAME_BYTES_MAX + 1];
    if (job_name(rk, rk->world_size, name, sizeof name) ||
        job_name(rk, 0, prefix, sizeof prefix)) {
        ls_table_close(own);
        return shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "group %s: checkpoint name too long",
                           rk->group);
    }
    uint64_t step = (uint64_t)e->offset / slice;
    /* The rank's progress goes outside the log; the group's job keeps one
     * log checkpoint (docs/kafka-shim.md, "Commits"). */
    int rc = ls_rank_checkpoint_commit(t, name, rk->world_size, (uint32_t)e->partition, step,
                                       prefix);
    if (rc) {
        ls_table_close(own);
        return shim_seterr(rc == LS_ERR_INVALID ? RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE
                                                : shim_err_from_ls(rc),
                           "%s [%d]: committing offset %lld (checkpoint %s at step %llu): %s",
                           e->topic, (int)e->partition, (long long)e->offset, name,
                           (unsigned long long)step, ls_errmsg());
    }
    ls_table_close(own);
    if (p)
        p->committed = e->offset;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* Lock held.  Commit `offsets` (NULL: the stored offsets of the assignment
 * that moved since the last commit).  *resultp gets the list with
 * per-partition errors (may be NULL). */
static rd_kafka_resp_err_t commit_locked(rd_kafka_t *rk,
                                         const rd_kafka_topic_partition_list_t *offsets,
                                         rd_kafka_topic_partition_list_t **resultp)
{
    *resultp = NULL;
    if (!rk->group[0])
        return shim_seterr(RD_KAFKA_RESP_ERR_INVALID_GROUP_ID,
                           "commit needs group.id (it names the table checkpoint)");
    rd_kafka_topic_partition_list_t *l;
    if (offsets)
        l = rd_kafka_topic_partition_list_copy(offsets);
    else {
        l = rd_kafka_topic_partition_list_new((int)rk->nparts);
        for (size_t i = 0; l && i < rk->nparts; i++) {
            shim_part *p = rk->parts[i];
            if (p->stored < 0 || p->stored == p->committed)
                continue;
            rd_kafka_topic_partition_t *e =
                rd_kafka_topic_partition_list_add(l, p->rkt->name, p->partition);
            if (!e) {
                rd_kafka_topic_partition_list_destroy(l);
                l = NULL;
                break;
            }
            e->offset = p->stored;
        }
    }
    if (!l)
        return shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    if (l->cnt == 0) {
        rd_kafka_topic_partition_list_destroy(l);
        return shim_seterr(RD_KAFKA_RESP_ERR__NO_OFFSET, "no offset to commit");
    }
    rd_kafka_resp_err_t first = RD_KAFKA_RESP_ERR_NO_ERROR;
    char errbuf[SHIM_ERRSTR_BYTES] = "";
    for (int i = 0; i < l->cnt; i++) {
        rd_kafka_topic_partition_t *e = &l->elems[i];
        e->err = commit_one(rk, e);
        if (e->err && !first) {
            first = e->err;
            snprintf(errbuf, sizeof errbuf, "%s", shim_errstr());
        }
    }
    *resultp = l;
    if (first)
        return shim_seterr(first, "%s", errbuf);
    return shim_seterr(RD_KAFKA_RESP_ERR_NO_ERROR, NULL);
}

/* Lock held.  Queue the result for offset_commit_cb (takes l). */
static void queue_commit_event(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                               rd_kafka_topic_partition_list_t *l)
{
    shim_event *ev = rk->conf->offset_commit_cb ? calloc(1, sizeof *ev) : NULL;
    if (!ev) {
        rd_kafka_topic_partition_list_destroy(l);
        return;
    }
    ev->err = err;
    ev->offsets = l;
    if (rk->ev_tail)
        rk->ev_tail->next = ev;
    else
        rk->ev_head = ev;
    rk->ev_tail = ev;
}

static rd_kafka_resp_err_t commit(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *offsets)
{
    rd_kafka_topic_partition_list_t *l;
    pthread_mutex_lock(&rk->lock);
    rd_kafka_resp_err_t err = commit_locked(rk, offsets, &l);
    char msg[SHIM_ERRSTR_BYTES];
    snprintf(msg, sizeof msg, "%s", shim_errstr());
    queue_commit_event(rk, err, l);
    pthread_mutex_unlock(&rk->lock);
    return err ? shim_seterr(err, "%s", msg) : err;
}

static int is_consumer(rd_kafka_t *rk, const char *fn);

/* The commit runs now.  With rkqu, its result waits there as an
 * OFFSET_COMMIT event that calls cb when served (rd_kafka_consumer_poll
 * serves the consumer queue's); without, cb is called before returning. */
rd_kafka_resp_err_t rd_kafka_commit_queue(
    rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *offsets, rd_kafka_queue_t *rkqu,
    void (*cb)(rd_kafka_t *, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t *, void *),
    void *opaque)
{
    if (!is_consumer(rk, "rd_kafka_commit_queue"))
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    if (!rk->group[0])
        return shim_seterr(RD_KAFKA_RESP_ERR__UNKNOWN_GROUP,
                           "rd_kafka_commit_queue needs group.id");
    rd_kafka_topic_partition_list_t *l;
    pthread_mutex_lock(&rk->lock);
    rd_kafka_resp_err_t err = commit_locked(rk, offsets, &l);
    char msg[SHIM_ERRSTR_BYTES];
    snprintf(msg, sizeof msg, "%s", shim_errstr());
    pthread_mutex_unlock(&rk->lock);
    if (!rkqu) {
        if (cb)
            cb(rk, err, l, opaque);
        rd_kafka_topic_partition_list_destroy(l);
        return err ? shim_seterr(err, "%s", msg) : err;
    }
    rd_kafka_event_t *ev = shim_event_new(rk, RD_KAFKA_EVENT_OFFSET_COMMIT);
    if (!ev) {
        rd_kafka_topic_partition_list_destroy(l);
        return shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    }
    ev->err = err;
    ev->parts = l;
    ev->commit_cb = cb;
    ev->opaque = opaque;
    if (err)
        ev->errstr = strdup(msg);
    shim_queue_push(rkqu, ev);
    return RD_KAFKA_RESP_ERR_NO_ERROR;  /* the outcome is the event's */
}

/* Commits run synchronously in both modes; with async the result also
 * reaches offset_commit_cb from the next poll, as with librdkafka. */
rd_kafka_resp_err_t rd_kafka_commit(rd_kafka_t *rk,
                                    const rd_kafka_topic_partition_list_t *offsets, int async)
{
    (void)async;
    return commit(rk, offsets);
}

rd_kafka_resp_err_t rd_kafka_commit_message(rd_kafka_t *rk,
                                            const rd_kafka_message_t *rkmessage, int async)
{
    (void)async;
    if (!rkmessage || rkmessage->err || !rkmessage->rkt)
        return shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "not a consumed message");
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_t *e =
        l ? rd_kafka_topic_partition_list_add(l, rkmessage->rkt->name, rkmessage->partition)
          : NULL;
    if (!e) {
        rd_kafka_topic_partition_list_destroy(l);
        return shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    }
    e->offset = rkmessage->offset + 1;
    rd_kafka_resp_err_t err = commit(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    return err;
}

rd_kafka_resp_err_t rd_kafka_committed(rd_kafka_t *rk,
                                       rd_kafka_topic_partition_list_t *partitions,
                                       int timeout_ms)
{
    (void)timeout_ms;
    pthread_mutex_lock(&rk->lock);
    for (int i = 0; i < partitions->cnt; i++) {
        rd_kafka_topic_partition_t *e = &partitions->elems[i];
        ls_table *t;
        uint32_t slice;
        e->offset = RD_KAFKA_OFFSET_INVALID;
        e->err = table_open_slice(rk, e->topic, e->partition, &t, &slice);
        if (e->err)
            continue;
        int64_t step = group_step(rk, t, e->partition);
        if (step >= 0)
            e->offset = step * (int64_t)slice;
        e->err = RD_KAFKA_RESP_ERR_NO_ERROR;
        ls_table_close(t);
    }
    pthread_mutex_unlock(&rk->lock);
    return shim_seterr(RD_KAFKA_RESP_ERR_NO_ERROR, NULL);
}

rd_kafka_resp_err_t rd_kafka_position(rd_kafka_t *rk,
                                      rd_kafka_topic_partition_list_t *partitions)
{
    pthread_mutex_lock(&rk->lock);
    for (int i = 0; i < partitions->cnt; i++) {
        rd_kafka_topic_partition_t *e = &partitions->elems[i];
        shim_part *p = part_find(rk, e->topic, e->partition);
        e->offset = p && p->pos >= 0 ? p->pos : RD_KAFKA_OFFSET_INVALID;
        e->err = p ? RD_KAFKA_RESP_ERR_NO_ERROR : RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
    }
    pthread_mutex_unlock(&rk->lock);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t rd_kafka_offsets_store(rd_kafka_t *rk,
                                           rd_kafka_topic_partition_list_t *offsets)
{
    if (rk->auto_store)
        return shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "rd_kafka_offsets_store needs "
                           "enable.auto.offset.store=false");
    int ok = 0;
    pthread_mutex_lock(&rk->lock);
    for (int i = 0; i < offsets->cnt; i++) {
        rd_kafka_topic_partition_t *e = &offsets->elems[i];
        shim_part *p = part_find(rk, e->topic, e->partition);
        e->err = p ? RD_KAFKA_RESP_ERR_NO_ERROR : RD_KAFKA_RESP_ERR__STATE;
        if (p) {
            p->stored = e->offset;
            ok++;
        }
    }
    pthread_mutex_unlock(&rk->lock);
    if (offsets->cnt && !ok)
        return shim_seterr(RD_KAFKA_RESP_ERR__STATE, "none of the partitions is assigned");
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t rd_kafka_offset_store(rd_kafka_topic_t *rkt, int32_t partition,
                                          int64_t offset)
{
    rd_kafka_t *rk = rkt->rk;
    if (!rk)
        return shim_seterr(RD_KAFKA_RESP_ERR__DESTROY, "handle destroyed");
    if (rk->auto_store)
        return shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "rd_kafka_offset_store needs "
                           "enable.auto.offset.store=false");
    pthread_mutex_lock(&rk->lock);
    shim_part *p = part_find(rk, rkt->name, partition);
    if (p)
        p->stored = offset + 1;
    pthread_mutex_unlock(&rk->lock);
    return p ? RD_KAFKA_RESP_ERR_NO_ERROR
             : shim_seterr(RD_KAFKA_RESP_ERR__STATE, "%s [%d] is not assigned", rkt->name,
                           (int)partition);
}

/* ---- assignment and subscription ---- */

/* Lock held.  With enable.auto.commit, commit the stored offsets of
 * partitions about to be unassigned (as librdkafka does), so an offset
 * stored in a revoke callback is not lost. */
static void commit_removed_locked(rd_kafka_t *rk, shim_part *const *ps, size_t n)
{
    if (!rk->auto_commit || !rk->group[0])
        return;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)n);
    for (size_t i = 0; l && i < n; i++) {
        if (ps[i]->stored < 0 || ps[i]->stored == ps[i]->committed)
            continue;
        rd_kafka_topic_partition_t *e =
            rd_kafka_topic_partition_list_add(l, ps[i]->rkt->name, ps[i]->partition);
        if (e)
            e->offset = ps[i]->stored;
    }
    if (l && l->cnt) {
        rd_kafka_topic_partition_list_t *res;
        rd_kafka_resp_err_t err = commit_locked(rk, l, &res);
        queue_commit_event(rk, err, res);
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* Lock held.  Replace the assignment; all or nothing. */
static rd_kafka_resp_err_t assign_locked(rd_kafka_t *rk,
                                         const rd_kafka_topic_partition_list_t *partitions)
{
    shim_part *assigned[SHIM_PARTS_MAX];
    size_t na = 0;
    for (size_t i = 0; i < rk->nparts; i++)
        if (!rk->parts[i]->legacy_q)
            assigned[na++] = rk->parts[i];
    commit_removed_locked(rk, assigned, na);
    parts_clear(rk, 0);
    for (int i = 0; partitions && i < partitions->cnt; i++) {
        const rd_kafka_topic_partition_t *e = &partitions->elems[i];
        rd_kafka_resp_err_t err = part_add(rk, e->topic, e->partition, e->offset);
        if (err) {
            char msg[SHIM_ERRSTR_BYTES];
            snprintf(msg, sizeof msg, "%s", shim_errstr());
            parts_clear(rk, 0);
            return shim_seterr(err, "%s", msg);
        }
    }
    return shim_seterr(RD_KAFKA_RESP_ERR_NO_ERROR, NULL);
}

static int is_consumer(rd_kafka_t *rk, const char *fn)
{
    if (rk->type == RD_KAFKA_CONSUMER)
        return 1;
    shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "%s: not a consumer handle", fn);
    return 0;
}

rd_kafka_resp_err_t rd_kafka_assign(rd_kafka_t *rk,
                                    const rd_kafka_topic_partition_list_t *partitions)
{
    if (!is_consumer(rk, "rd_kafka_assign"))
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    pthread_mutex_lock(&rk->lock);
    rd_kafka_resp_err_t err = assign_locked(rk, partitions);
    pthread_mutex_unlock(&rk->lock);
    return err;
}

rd_kafka_error_t *rd_kafka_incremental_assign(rd_kafka_t *rk,
                                              const rd_kafka_topic_partition_list_t *partitions)
{
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    pthread_mutex_lock(&rk->lock);
    for (int i = 0; partitions && i < partitions->cnt && !err; i++)
        err = part_add(rk, partitions->elems[i].topic, partitions->elems[i].partition,
                       partitions->elems[i].offset);
    pthread_mutex_unlock(&rk->lock);
    return err ? rd_kafka_error_new(err, "%s", shim_errstr()) : NULL;
}

rd_kafka_error_t *rd_kafka_incremental_unassign(
    rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions)
{
    pthread_mutex_lock(&rk->lock);
    for (int i = 0; partitions && i < partitions->cnt; i++) {
        for (size_t k = 0; k < rk->nparts; k++) {
            shim_part *p = rk->parts[k];
            if (p->partition != partitions->elems[i].partition ||
                strcmp(p->rkt->name, partitions->elems[i].topic))
                continue;
            commit_removed_locked(rk, &p, 1);
            part_free(p);
            rk->parts[k] = rk->parts[--rk->nparts];
            break;
        }
    }
    rk->rr = 0;
    pthread_mutex_unlock(&rk->lock);
    return NULL;
}

/* Lock held. */
static rd_kafka_topic_partition_list_t *assignment_list(rd_kafka_t *rk)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)rk->nparts);
    for (size_t i = 0; l && i < rk->nparts; i++)
        if (!rk->parts[i]->legacy_q &&
            !rd_kafka_topic_partition_list_add(l, rk->parts[i]->rkt->name,
                                               rk->parts[i]->partition)) {
            rd_kafka_topic_partition_list_destroy(l);
            return NULL;
        }
    return l;
}

rd_kafka_resp_err_t rd_kafka_assignment(rd_kafka_t *rk,
                                        rd_kafka_topic_partition_list_t **partitions)
{
    pthread_mutex_lock(&rk->lock);
    *partitions = assignment_list(rk);
    pthread_mutex_unlock(&rk->lock);
    return *partitions ? RD_KAFKA_RESP_ERR_NO_ERROR
                       : shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
}

int rd_kafka_assignment_lost(rd_kafka_t *rk)
{
    (void)rk;
    return 0;  /* no broker session to lose */
}

const char *rd_kafka_rebalance_protocol(rd_kafka_t *rk)
{
    (void)rk;
    return "EAGER";
}

rd_kafka_resp_err_t rd_kafka_subscribe(rd_kafka_t *rk,
                                       const rd_kafka_topic_partition_list_t *topics)
{
    if (!is_consumer(rk, "rd_kafka_subscribe"))
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    if (!rk->group[0])
        return shim_seterr(RD_KAFKA_RESP_ERR_INVALID_GROUP_ID,
                           "rd_kafka_subscribe needs group.id");
    if (!topics || topics->cnt < 1 || topics->cnt > (int)SHIM_SUBSCRIPTION_MAX)
        return shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "subscribe to 1..%u topics",
                           SHIM_SUBSCRIPTION_MAX);
    for (int i = 0; i < topics->cnt; i++) {
        const char *t = topics->elems[i].topic;
        if (t[0] == '^')
            return shim_seterr(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED,
                               "liblakestream-rdkafka: regex subscriptions (\"%s\") are not "
                               "implemented (docs/kafka-shim.md)", t);
        if (!ls_name_is_valid(t))
            return shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG,
                               "topic \"%s\": a topic is a table: 1..%u of [A-Za-z0-9._-]", t,
                               LS_TABLE_NAME_BYTES_MAX);
    }
    rd_kafka_topic_partition_list_t *copy = rd_kafka_topic_partition_list_copy(topics);
    if (!copy)
        return shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    pthread_mutex_lock(&rk->lock);
    rd_kafka_topic_partition_list_destroy(rk->subscription);
    rk->subscription = copy;
    rk->rebalance_pending = 1;
    pthread_mutex_unlock(&rk->lock);
    return shim_seterr(RD_KAFKA_RESP_ERR_NO_ERROR, NULL);
}

rd_kafka_resp_err_t rd_kafka_subscription(rd_kafka_t *rk,
                                          rd_kafka_topic_partition_list_t **topics)
{
    pthread_mutex_lock(&rk->lock);
    *topics = rk->subscription ? rd_kafka_topic_partition_list_copy(rk->subscription)
                               : rd_kafka_topic_partition_list_new(0);
    pthread_mutex_unlock(&rk->lock);
    return *topics ? RD_KAFKA_RESP_ERR_NO_ERROR
                   : shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
}

/* Revoke the current assignment: hand it to rebalance_cb (which calls
 * rd_kafka_assign(rk, NULL)) or drop it.  Lock not held. */
static void revoke(rd_kafka_t *rk)
{
    pthread_mutex_lock(&rk->lock);
    if (rk->nparts == 0) {
        pthread_mutex_unlock(&rk->lock);
        return;
    }
    /* With enable.auto.commit the stored offsets are committed when the
     * partitions are unassigned (by rebalance_cb, or here). */
    rd_kafka_topic_partition_list_t *l = rk->conf->rebalance_cb ? assignment_list(rk) : NULL;
    if (!l)
        assign_locked(rk, NULL);
    pthread_mutex_unlock(&rk->lock);
    if (l) {
        rk->conf->rebalance_cb(rk, RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS, l, rk->conf->opaque);
        rd_kafka_topic_partition_list_destroy(l);
    }
}

/* Assign the subscription: this handle's rank of every subscribed topic,
 * through rebalance_cb if set.  Lock not held. */
static void rebalance(rd_kafka_t *rk)
{
    pthread_mutex_lock(&rk->lock);
    if (!rk->rebalance_pending) {
        pthread_mutex_unlock(&rk->lock);
        return;
    }
    rk->rebalance_pending = 0;
    pthread_mutex_unlock(&rk->lock);
    revoke(rk);
    pthread_mutex_lock(&rk->lock);
    rd_kafka_topic_partition_list_t *l =
        rd_kafka_topic_partition_list_new(rk->subscription ? rk->subscription->cnt : 0);
    for (int i = 0; l && rk->subscription && i < rk->subscription->cnt; i++)
        if (!rd_kafka_topic_partition_list_add(l, rk->subscription->elems[i].topic,
                                               (int32_t)rk->rank)) {
            rd_kafka_topic_partition_list_destroy(l);
            l = NULL;
        }
    if (!l)
        rk->rebalance_pending = 1;  /* out of memory: try at the next poll */
    else if (!rk->conf->rebalance_cb)
        assign_locked(rk, l);
    pthread_mutex_unlock(&rk->lock);
    if (l && l->cnt && rk->conf->rebalance_cb)
        rk->conf->rebalance_cb(rk, RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, l, rk->conf->opaque);
    rd_kafka_topic_partition_list_destroy(l);
}

rd_kafka_resp_err_t rd_kafka_unsubscribe(rd_kafka_t *rk)
{
    if (!is_consumer(rk, "rd_kafka_unsubscribe"))
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    pthread_mutex_lock(&rk->lock);
    rd_kafka_topic_partition_list_destroy(rk->subscription);
    rk->subscription = NULL;
    rk->rebalance_pending = 1;  /* revokes at the next poll */
    pthread_mutex_unlock(&rk->lock);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* ---- polling ---- */

/* Periodic offset commits (enable.auto.commit), then offset_commit_cb
 * for every commit result queued; from both poll calls. */
int shim_consumer_serve(rd_kafka_t *rk)
{
    rebalance(rk);  /* rd_kafka_poll serves rebalance_cb too */
    pthread_mutex_lock(&rk->lock);
    int64_t now = shim_now_ms();
    if (rk->auto_commit && rk->auto_commit_ms > 0 && rk->group[0] && !rk->closed &&
        now >= rk->next_auto_commit_ms) {
        rk->next_auto_commit_ms = now + rk->auto_commit_ms;
        rd_kafka_topic_partition_list_t *res;
        rd_kafka_resp_err_t err = commit_locked(rk, NULL, &res);
        if (err != RD_KAFKA_RESP_ERR__NO_OFFSET)
            queue_commit_event(rk, err, res);
        else
            rd_kafka_topic_partition_list_destroy(res);
    }
    shim_event *ev = rk->ev_head;
    rk->ev_head = rk->ev_tail = NULL;
    pthread_mutex_unlock(&rk->lock);
    int n = 0;
    while (ev) {
        shim_event *next = ev->next;
        rk->conf->offset_commit_cb(rk, ev->err, ev->offsets, rk->conf->opaque);
        rd_kafka_topic_partition_list_destroy(ev->offsets);
        free(ev);
        ev = next;
        n++;
    }
    return n;
}

rd_kafka_message_t *rd_kafka_consumer_poll(rd_kafka_t *rk, int timeout_ms)
{
    if (!is_consumer(rk, "rd_kafka_consumer_poll"))
        return NULL;
    int64_t deadline = 0;             /* taken when no message is there at once */
    for (;;) {
        rebalance(rk);
        shim_serve_events(rk);
        for (rd_kafka_event_t *ev; (ev = shim_queue_pop(rk->consumerq, 0));)
            shim_event_serve(ev);  /* commit_queue's results, with their callbacks */
        /* Read before looking: a step that lands after the look moves it. */
        uint64_t seen = ls_consumer_progress();
        pthread_mutex_lock(&rk->lock);
        if (rk->closed) {
            pthread_mutex_unlock(&rk->lock);
            shim_seterr(RD_KAFKA_RESP_ERR__STATE, "consumer closed");
            return NULL;
        }
        shim_msg *m = NULL;
        for (size_t k = 0; k < rk->nparts && !m; k++) {
            size_t i = (rk->rr + k) % rk->nparts;
            if (rk->parts[i]->legacy_q)
                continue;  /* the legacy consumer's: served by its queue */
            m = part_next(rk, rk->parts[i]);
            if (m)
                rk->rr = (i + 1) % rk->nparts;
        }
        pthread_mutex_unlock(&rk->lock);
        if (m)
            return &m->rkm;
        int64_t now = shim_now_ms();
        if (!deadline)
            deadline = timeout_ms < 0 ? INT64_MAX : now + timeout_ms;
        if (now >= deadline)
            return NULL;
        /* Wait for a prefetch thread to bring steps (at once when one
         * does), at most SHIM_POLL_SLEEP_MS_MAX: events, rebalances and
         * partitions without a reader yet are looked at again then. */
        int64_t wait = deadline - now;
        ls_consumer_progress_wait(seen, (int)(wait < SHIM_POLL_SLEEP_MS_MAX
                                                  ? wait : SHIM_POLL_SLEEP_MS_MAX));
    }
}

rd_kafka_resp_err_t rd_kafka_poll_set_consumer(rd_kafka_t *rk)
{
    /* Both rd_kafka_poll and rd_kafka_consumer_poll serve every callback. */
    return rk->type == RD_KAFKA_CONSUMER
               ? RD_KAFKA_RESP_ERR_NO_ERROR
               : shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "not a consumer handle");
}

rd_kafka_resp_err_t rd_kafka_consumer_close(rd_kafka_t *rk)
{
    if (!is_consumer(rk, "rd_kafka_consumer_close"))
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    pthread_mutex_lock(&rk->lock);
    rd_kafka_topic_partition_list_destroy(rk->subscription);
    rk->subscription = NULL;
    rk->rebalance_pending = 0;
    pthread_mutex_unlock(&rk->lock);
    revoke(rk);
    pthread_mutex_lock(&rk->lock);
    assign_locked(rk, NULL);  /* whatever rebalance_cb left */
    rk->closed = 1;
    pthread_mutex_unlock(&rk->lock);
    shim_consumer_serve(rk);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

int rd_kafka_consumer_closed(rd_kafka_t *rk)
{
    pthread_mutex_lock(&rk->lock);
    int c = rk->closed;
    pthread_mutex_unlock(&rk->lock);
    return c;
}

/* ---- seeking, pausing, watermarks ---- */

static rd_kafka_resp_err_t seek_locked(rd_kafka_t *rk, const char *topic, int32_t partition,
                                       int64_t offset)
{
    shim_part *p = part_find(rk, topic, partition);
    if (!p)
        return shim_seterr(RD_KAFKA_RESP_ERR__STATE, "%s [%d] is not assigned: assign it "
                           "first", topic, (int)partition);
    if (offset == RD_KAFKA_OFFSET_INVALID)
        return shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "seek to an invalid offset");
    part_drop_batch(p);
    p->pos = offset;
    p->eof_sent = 0;
    p->retry_at_ms = 0;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t rd_kafka_seek(rd_kafka_topic_t *rkt, int32_t partition, int64_t offset,
                                  int timeout_ms)
{
    (void)timeout_ms;
    rd_kafka_t *rk = rkt->rk;
    if (!rk)
        return shim_seterr(RD_KAFKA_RESP_ERR__DESTROY, "handle destroyed");
    pthread_mutex_lock(&rk->lock);
    rd_kafka_resp_err_t err = seek_locked(rk, rkt->name, partition, offset);
    pthread_mutex_unlock(&rk->lock);
    return err;
}

rd_kafka_error_t *rd_kafka_seek_partitions(rd_kafka_t *rk,
                                           rd_kafka_topic_partition_list_t *partitions,
                                           int timeout_ms)
{
    (void)timeout_ms;
    pthread_mutex_lock(&rk->lock);
    for (int i = 0; i < partitions->cnt; i++) {
        rd_kafka_topic_partition_t *e = &partitions->elems[i];
        e->err = seek_locked(rk, e->topic, e->partition, e->offset);
    }
    pthread_mutex_unlock(&rk->lock);
    return NULL;
}

static rd_kafka_resp_err_t set_paused(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *l,
                                      int paused)
{
    pthread_mutex_lock(&rk->lock);
    for (int i = 0; i < l->cnt; i++) {
        shim_part *p = part_find(rk, l->elems[i].topic, l->elems[i].partition);
        l->elems[i].err = p ? RD_KAFKA_RESP_ERR_NO_ERROR : RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
        if (p)
            p->paused = paused;
    }
    pthread_mutex_unlock(&rk->lock);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t rd_kafka_pause_partitions(rd_kafka_t *rk,
                                              rd_kafka_topic_partition_list_t *partitions)
{
    return set_paused(rk, partitions, 1);
}

rd_kafka_resp_err_t rd_kafka_resume_partitions(rd_kafka_t *rk,
                                               rd_kafka_topic_partition_list_t *partitions)
{
    return set_paused(rk, partitions, 0);
}

/* low: first offset still readable (the low watermark step); high: the end
 * of the visible steps.  Both read from the store. */
rd_kafka_resp_err_t rd_kafka_query_watermark_offsets(rd_kafka_t *rk, const char *topic,
                                                     int32_t partition, int64_t *low,
                                                     int64_t *high, int timeout_ms)
{
    (void)timeout_ms;
    ls_table *t;
    uint32_t slice;
    *low = *high = RD_KAFKA_OFFSET_INVALID;
    rd_kafka_resp_err_t err = table_open_slice(rk, topic, partition, &t, &slice);
    if (err)
        return err;
    ls_table_info ti;
    ls_table_info_get(t, &ti);
    *low = (int64_t)(ti.low_watermark_step * slice);
    *high = (int64_t)(ti.visible_steps * slice);
    ls_table_close(t);
    return shim_seterr(RD_KAFKA_RESP_ERR_NO_ERROR, NULL);
}

/* librdkafka answers from its cache; the shim has none, so it reads. */
rd_kafka_resp_err_t rd_kafka_get_watermark_offsets(rd_kafka_t *rk, const char *topic,
                                                   int32_t partition, int64_t *low,
                                                   int64_t *high)
{
    return rd_kafka_query_watermark_offsets(rk, topic, partition, low, high, 0);
}

/* ---- the legacy consumer's partitions (legacy.c) ---- */

/* The queue q's events end up in (following forwarding). */
static rd_kafka_queue_t *queue_final(rd_kafka_queue_t *q)
{
    while (q && q->fwd)
        q = q->fwd;
    return q;
}

shim_msg *shim_legacy_next(rd_kafka_t *rk, rd_kafka_queue_t *q)
{
    pthread_mutex_lock(&rk->lock);
    shim_msg *m = NULL;
    for (size_t k = 0; k < rk->nparts && !m; k++) {
        size_t i = (rk->rr + k) % rk->nparts;
        shim_part *p = rk->parts[i];
        if (!p->legacy_q || queue_final(p->legacy_q) != q)
            continue;
        m = part_next(rk, p);
        if (m)
            rk->rr = (i + 1) % rk->nparts;
    }
    pthread_mutex_unlock(&rk->lock);
    return m;
}

rd_kafka_resp_err_t shim_legacy_start(rd_kafka_t *rk, const char *topic, int32_t partition,
                                      int64_t offset, rd_kafka_queue_t *q)
{
    rd_kafka_queue_t *own = shim_queue_create(rk, SHIM_Q_PARTITION);
    if (!own || !(own->topic = strdup(topic))) {
        rd_kafka_queue_destroy(own);
        return shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    }
    own->partition = partition;
    pthread_mutex_lock(&rk->lock);
    rd_kafka_resp_err_t err = part_add(rk, topic, partition, offset);
    if (!err) {
        shim_part *p = rk->parts[rk->nparts - 1];
        p->own_q = own;
        if (q)
            rd_kafka_queue_forward(own, q);  /* own holds the reference to q */
        p->legacy_q = own;
        __atomic_add_fetch(&own->refcnt, 1, __ATOMIC_RELAXED);
        own = NULL;
    }
    pthread_mutex_unlock(&rk->lock);
    rd_kafka_queue_destroy(own);
    return err;
}

rd_kafka_resp_err_t shim_legacy_stop(rd_kafka_t *rk, const char *topic, int32_t partition)
{
    pthread_mutex_lock(&rk->lock);
    shim_part *p = part_find(rk, topic, partition);
    if (!p || !p->legacy_q) {
        pthread_mutex_unlock(&rk->lock);
        return shim_seterr(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
                           "%s [%d]: not started (rd_kafka_consume_start)", topic,
                           (int)partition);
    }
    for (size_t k = 0; k < rk->nparts; k++)
        if (rk->parts[k] == p) {
            rk->parts[k] = rk->parts[--rk->nparts];
            break;
        }
    rk->rr = 0;
    part_free(p);
    pthread_mutex_unlock(&rk->lock);
    return shim_seterr(RD_KAFKA_RESP_ERR_NO_ERROR, NULL);
}

rd_kafka_queue_t *shim_legacy_queue(rd_kafka_t *rk, const char *topic, int32_t partition)
{
    pthread_mutex_lock(&rk->lock);
    shim_part *p = part_find(rk, topic, partition);
    rd_kafka_queue_t *q = p && p->own_q ? p->own_q : NULL;
    if (q)
        __atomic_add_fetch(&q->refcnt, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&rk->lock);
    return q;
}

/* ---- teardown and statistics ---- */

void shim_consumer_destroy(rd_kafka_t *rk)
{
    parts_clear(rk, 1);
    rd_kafka_topic_partition_list_destroy(rk->subscription);
    rk->subscription = NULL;
    shim_event *ev = rk->ev_head;
    while (ev) {
        shim_event *next = ev->next;
        rd_kafka_topic_partition_list_destroy(ev->offsets);
        free(ev);
        ev = next;
    }
    rk->ev_head = rk->ev_tail = NULL;
}

/* Lock held: the "topics" object of the statistics JSON (consumer), one
 * key per topic.  -1 if it does not fit in size (no partial JSON). */
int shim_consumer_stats(rd_kafka_t *rk, char *buf, size_t size)
{
    size_t n = (size_t)snprintf(buf, size, "\"topics\":{");
    int ntopics = 0;
    for (size_t t = 0; t < rk->nparts && n < size; t++) {
        const char *name = rk->parts[t]->rkt->name;
        int seen = 0;
        for (size_t k = 0; k < t && !seen; k++)
            seen = !strcmp(rk->parts[k]->rkt->name, name);
        if (seen)
            continue;
        n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s\"%s\":{\"partitions\":{",
                              ntopics++ ? "," : "", name);
        int np = 0;
        for (size_t k = t; k < rk->nparts && n < size; k++) {
            shim_part *p = rk->parts[k];
            if (strcmp(p->rkt->name, name))
                continue;
            ls_read_stats rs = {0};
            if (p->lc)
                ls_consumer_stats_get(p->lc, &rs);
            /* Delivered is not yet readable: samples committed past the
             * last full step wait for the step to fill (docs/kafka-shim.md). */
            ls_table_info ti = {0};
            if (p->t)
                ls_table_info_get(p->t, &ti);
            uint64_t pending = ti.total_samples - ti.visible_steps * ti.global_batch;
            int at_end = p->t && p->pos >= 0 && p->slice &&
                         (uint64_t)p->pos >= ti.visible_steps * p->slice;
            n += (size_t)snprintf(buf + n, size - n,
                                  "%s\"%d\":{\"app_offset\":%lld,\"stored_offset\":%lld,"
                                  "\"committed_offset\":%lld,\"hi_offset\":%lld,"
                                  "\"lakestream_bytes_fetched\":%llu,"
                                  "\"lakestream_requests\":%llu,"
                                  "\"lakestream_at_visible_end\":%s,"
                                  "\"lakestream_samples_waiting_for_step\":%llu}",
                                  np++ ? "," : "", (int)p->partition, (long long)p->pos,
                                  (long long)p->stored, (long long)p->committed,
                                  (long long)(ti.visible_steps * p->slice),
                                  (unsigned long long)rs.bytes_fetched,
                                  (unsigned long long)rs.requests, at_end ? "true" : "false",
                                  (unsigned long long)pending);
        }
        if (n < size)
            n += (size_t)snprintf(buf + n, size - n, "}}");
    }
    if (n < size)
        n += (size_t)snprintf(buf + n, size - n, "}");
    return n < size ? 0 : -1;
}

/* ---- for transactions (txn.c) ----
 *
 * rd_kafka_send_offsets_to_transaction commits a group's offsets from a
 * producer handle, which has no group, world size or assignment of its
 * own: these take them as arguments.  Same names and steps as
 * commit_one and shim_consumer_init. */

int shim_group_encode(const char *group_id, char *out, size_t size)
{
    size_t n = group_id ? strlen(group_id) : 0, k = 0;
    if (n == 0 || n > SHIM_GROUP_ID_BYTES_MAX || size < SHIM_GROUP_ID_BYTES_MAX + 1)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)group_id[i];
        int keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '-';
        if (k + (keep ? 1 : 3) > SHIM_GROUP_ID_BYTES_MAX)
            return -1;
        if (keep)
            out[k++] = (char)ch;
        else
            k += (size_t)snprintf(out + k, 4, "_%02x", ch);
    }
    out[k] = '\0';
    return 0;
}

/* Open `topic` and check it has a slice at `world`. */
static rd_kafka_resp_err_t group_table_open(ls_store *st, const ls_conf *lconf,
                                            const char *topic, uint32_t world, ls_table **tp,
                                            uint32_t *slice)
{
    *tp = NULL;
    ls_table *t;
    int rc = ls_table_open(st, topic, lconf, &t);
    if (rc == LS_ERR_NOT_FOUND)
        return shim_seterr(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                           "topic %s: no such table in the store (%s)", topic, ls_errmsg());
    if (rc)
        return shim_seterr(shim_err_from_ls(rc), "topic %s: %s", topic, ls_errmsg());
    ls_table_info ti;
    ls_table_info_get(t, &ti);
    if (world == 0 || ti.global_batch % world) {
        ls_table_close(t);
        return shim_seterr(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
                           "topic %s: global batch %u is not a multiple of the world size %u",
                           topic, ti.global_batch, world);
    }
    *slice = ti.global_batch / world;
    *tp = t;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t shim_group_slice(ls_store *st, const ls_conf *lconf, const char *topic,
                                     uint32_t world, uint32_t *slice)
{
    ls_table *t;
    rd_kafka_resp_err_t err = group_table_open(st, lconf, topic, world, &t, slice);
    ls_table_close(t);
    return err;
}

rd_kafka_resp_err_t shim_group_checkpoint(ls_store *st, const ls_conf *lconf,
                                          const char *group, uint32_t world, uint32_t rank,
                                          const char *topic, int64_t offset, int *moved)
{
    if (moved)
        *moved = 0;
    if (offset < 0 || rank >= world)
        return shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "%s [%u]: cannot commit offset "
                           "%lld at world size %u", topic, rank, (long long)offset, world);
    char name[LS_CHECKPOINT_NAME_BYTES_MAX + 1], prefix[LS_CHECKPOINT_NAME_BYTES_MAX + 1];
    int n1 = snprintf(name, sizeof name, CKPT_PREFIX "%s.w%u", group, world);
    int n2 = snprintf(prefix, sizeof prefix, CKPT_PREFIX "%s.w", group);
    if (n1 < 0 || n2 < 0 || (size_t)n1 + 12 > LS_CHECKPOINT_NAME_BYTES_MAX)
        return shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "group %s: checkpoint name too long",
                           group);
    ls_table *t;
    uint32_t slice = 1;   /* set by group_table_open; -O3 cannot see it */
    rd_kafka_resp_err_t err = group_table_open(st, lconf, topic, world, &t, &slice);
    if (err)
        return err;
    uint64_t step = (uint64_t)offset / slice;
    uint64_t *steps = malloc((size_t)world * sizeof *steps);
    int complete = 0, rc = steps ? LS_OK : LS_ERR_NOMEM;
    if (rc == LS_OK)
        rc = ls_rank_checkpoint_get(t, name, world, steps, NULL, &complete);
    if (rc == LS_OK && (steps[rank] == UINT64_MAX || steps[rank] < step)) {
        rc = ls_rank_checkpoint_commit(t, name, world, rank, step, prefix);
        if (rc == LS_OK && moved)
            *moved = 1;
    }
    free(steps);
    ls_table_close(t);
    if (rc)
        return shim_seterr(rc == LS_ERR_INVALID ? RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE
                                                : shim_err_from_ls(rc),
                           "%s [%u]: committing offset %lld (checkpoint %s at step %llu): %s",
                           topic, rank, (long long)offset, name, (unsigned long long)step,
                           ls_errmsg());
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}
