/*
 * state.c -- the pure state update: what a table's state becomes when one
 * commit record is applied (ls_state_apply), and the checks a committer
 * makes before writing a record (ls_state_check).  No I/O, no clock: every
 * participant replaying the same log reaches the same state, byte for byte
 * in its snapshot (the snapshot codec is in record.c).
 */
#include <inttypes.h>
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

void ls_state_clear(ls_state *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nproducers; i++) {
        free(s->producers[i].id);
        free(s->producers[i].source_position);
    }
    free(s->producers);
    for (size_t i = 0; i < s->nckpts; i++)
        free(s->ckpts[i].name);
    free(s->ckpts);
    free(s->commits);
    memset(s, 0, sizeof(*s));
}

static int pstate_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const ls_pstate *)elem)->id);
}

ls_pstate *ls_state_producer(const ls_state *s, const char *id)
{
    if (!s->nproducers)
        return NULL;
    return bsearch(id, s->producers, s->nproducers, sizeof(ls_pstate), pstate_cmp);
}

/* Find or insert producer id, keeping the array sorted. */
static int state_producer_upsert(ls_state *s, const char *id, ls_pstate **out)
{
    size_t lo = 0, hi = s->nproducers;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(id, s->producers[mid].id);
        if (c == 0) {
            *out = &s->producers[mid];
            return LS_OK;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (s->nproducers >= LS_PRODUCERS_MAX)
        return ls_seterr(LS_ERR_LIMIT, "more than %u producers", LS_PRODUCERS_MAX);
    ls_pstate *p = realloc(s->producers, (s->nproducers + 1) * sizeof(*p));
    if (!p)
        return ls_seterr(LS_ERR_NOMEM, "producer table");
    s->producers = p;
    memmove(&p[lo + 1], &p[lo], (s->nproducers - lo) * sizeof(*p));
    memset(&p[lo], 0, sizeof(*p));
    if (!(p[lo].id = strdup(id))) {
        memmove(&p[lo], &p[lo + 1], (s->nproducers - lo) * sizeof(*p));
        return ls_seterr(LS_ERR_NOMEM, "producer id");
    }
    s->nproducers++;
    /* Sorted, no duplicates: ls_state_producer's bsearch and the snapshot
     * (state_check in record.c) rely on it. */
    LS_ASSERT(lo == 0 || strcmp(p[lo - 1].id, id) < 0);
    LS_ASSERT(lo + 1 == s->nproducers || strcmp(id, p[lo + 1].id) < 0);
    LS_ASSERT(s->nproducers <= LS_PRODUCERS_MAX);
    *out = &p[lo];
    return LS_OK;
}

static int state_ckpt_apply(ls_state *s, const ls_ckpt_op *op)
{
    size_t lo = 0, hi = s->nckpts;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(op->name, s->ckpts[mid].name);
        if (c == 0) {
            if (op->op == LS_CKPT_REGISTER) {
                s->ckpts[mid].step = op->step;
                s->ckpts[mid].live = 1;
            } else {
                s->ckpts[mid].live = 0;
            }
            return LS_OK;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (op->op == LS_CKPT_RELEASE)
        return LS_OK;  /* releasing an unknown name changes nothing */
    if (s->nckpts >= LS_CHECKPOINTS_MAX)
        return ls_seterr(LS_ERR_LIMIT, "more than %u checkpoints", LS_CHECKPOINTS_MAX);
    ls_ckpt *c = realloc(s->ckpts, (s->nckpts + 1) * sizeof(*c));
    if (!c)
        return ls_seterr(LS_ERR_NOMEM, "checkpoint table");
    s->ckpts = c;
    memmove(&c[lo + 1], &c[lo], (s->nckpts - lo) * sizeof(*c));
    if (!(c[lo].name = strdup(op->name))) {
        memmove(&c[lo], &c[lo + 1], (s->nckpts - lo) * sizeof(*c));
        return ls_seterr(LS_ERR_NOMEM, "checkpoint name");
    }
    c[lo].step = op->step;
    c[lo].live = 1;
    s->nckpts++;
    LS_ASSERT(lo == 0 || strcmp(c[lo - 1].name, op->name) < 0);
    LS_ASSERT(lo + 1 == s->nckpts || strcmp(op->name, c[lo + 1].name) < 0);
    LS_ASSERT(s->nckpts <= LS_CHECKPOINTS_MAX);
    return LS_OK;
}

/* Forget the commits whose samples all lie below the watermark: their
 * steps are reclaimed, so the state (and every snapshot) stays bounded by
 * retention, not history. */
static void state_drop_reclaimed(ls_state *s)
{
    if (!s->global_batch)
        return;
    uint64_t lim = s->low_watermark_step > UINT64_MAX / s->global_batch
                       ? UINT64_MAX : s->low_watermark_step * s->global_batch;
    size_t k = 0;
    while (k < s->ncommits && s->commits[k].first_sample + s->commits[k].count <= lim)
        k++;
    if (k) {
        memmove(s->commits, s->commits + k, (s->ncommits - k) * sizeof(ls_commit_ent));
        s->ncommits -= k;
    }
    /* Only whole commits below the watermark go: what stays still ends at N. */
    LS_ASSERT(s->ncommits == 0 ||
              s->commits[s->ncommits - 1].first_sample + s->commits[s->ncommits - 1].count ==
                  s->total_samples);
}

/*
 * Replay rules (every participant applies the same ones, so states agree):
 * - a producer's epoch only grows; a record with an older epoch than the
 *   state's is stale and carries nothing (committers check this before
 *   writing, so it appears only if a writer is broken);
 * - a data record whose seq_first <= last_seq repeats chunks already in and
 *   carries nothing (same reason);
 * - otherwise its chunks get the next sample numbers, in chunk order.
 */
int ls_state_apply(ls_state *s, const ls_record *r)
{
    /* r passed record_check (record.c): decoded from the log, or encoded by
     * our own committer before it was written. */
    LS_ASSERT(r->nchunks == 0 || (r->seq_last >= r->seq_first &&
                                  r->seq_last - r->seq_first == r->nchunks - 1u));
    LS_ASSERT(r->nchunks <= LS_RECORD_CHUNKS_MAX && r->nckpt_ops <= LS_CHECKPOINTS_MAX);
    if (r->version != s->version + 1)
        return ls_seterr(LS_ERR_CORRUPT, "record version %" PRIu64 " applied at %" PRIu64,
                         r->version, s->version);
    if (r->producer) {
        ls_pstate *ps = NULL;
        int rc = state_producer_upsert(s, r->producer, &ps);
        if (rc)
            return rc;
        if (r->epoch >= ps->epoch) {
            ps->epoch = r->epoch;
            uint64_t n = ls_record_samples(r);
            if (r->nchunks > 0 && r->seq_first > ps->last_seq) {
                /* Sample counts are Avro longs in a snapshot: a state beyond
                 * 2^63 - 1 samples could never be written as one. */
                if (n > INT64_MAX - s->total_samples)
                    return ls_seterr(LS_ERR_CORRUPT, "version %" PRIu64 ": %" PRIu64 " more "
                                     "samples would take the table beyond 2^63 - 1",
                                     r->version, n);
                if (n > 0) {
                    if (s->ncommits >= LS_COMMITS_MAX)
                        return ls_seterr(LS_ERR_LIMIT, "more than %u retained commits",
                                         LS_COMMITS_MAX);
                    if (s->ncommits == s->commits_cap) {
                        size_t cap = s->commits_cap ? s->commits_cap * 2 : 64;
                        ls_commit_ent *c = realloc(s->commits, cap * sizeof(*c));
                        if (!c)
                            return ls_seterr(LS_ERR_NOMEM, "commit index");
                        s->commits = c;
                        s->commits_cap = cap;
                    }
                    /* Paired with state_check's (record.c) on every snapshot:
                     * retained commits in version order, back to back,
                     * ending at N. */
                    LS_ASSERT(s->ncommits == 0 ||
                              (s->commits[s->ncommits - 1].version < r->version &&
                               s->commits[s->ncommits - 1].first_sample +
                                   s->commits[s->ncommits - 1].count == s->total_samples));
                    ls_commit_ent *ce = &s->commits[s->ncommits++];
                    *ce = (ls_commit_ent){ r->version, s->total_samples, n, { 0 } };
                    memcpy(ce->commit_id, r->commit_id, sizeof(ce->commit_id));
                    s->total_samples += n;
                }
                LS_ASSERT(r->seq_last > ps->last_seq);   /* seqs only grow */
                ps->last_seq = r->seq_last;
            }
            if (r->has_source_position) {
                uint8_t *sp = NULL;
                if (r->source_position_len) {
                    if (!(sp = malloc(r->source_position_len)))
                        return ls_seterr(LS_ERR_NOMEM, "source position");
                    memcpy(sp, r->source_position, r->source_position_len);
                }
                free(ps->source_position);
                ps->source_position = sp;
                ps->source_position_len = r->source_position_len;
            }
            LS_ASSERT(ps->last_version < r->version && ps->epoch == r->epoch);
            ps->last_version = r->version;
            memcpy(ps->last_commit_id, r->commit_id, sizeof(ps->last_commit_id));
        }
    }
    for (uint32_t i = 0; i < r->nckpt_ops; i++) {
        int rc = state_ckpt_apply(s, &r->ckpt_ops[i]);
        if (rc)
            return rc;
    }
    if (r->has_low_watermark && r->low_watermark_step > s->low_watermark_step) {
        s->low_watermark_step = r->low_watermark_step;
        state_drop_reclaimed(s);
    }
    s->version = r->version;
    LS_ASSERT(s->total_samples <= INT64_MAX && s->ncommits <= LS_COMMITS_MAX &&
              s->nproducers <= LS_PRODUCERS_MAX && s->nckpts <= LS_CHECKPOINTS_MAX);
    return LS_OK;
}

int ls_state_commit_retained(const ls_state *s, uint64_t v)
{
    size_t lo = 0, hi = s->ncommits;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->commits[mid].version == v)
            return 1;
        if (s->commits[mid].version < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int ls_state_check(const ls_state *s, const ls_record *r)
{
    if (r->producer && !ls_state_producer(s, r->producer) && s->nproducers >= LS_PRODUCERS_MAX)
        return ls_seterr(LS_ERR_LIMIT, "table already has %u producer ids", LS_PRODUCERS_MAX);
    if (r->nchunks && s->ncommits >= LS_COMMITS_MAX)
        return ls_seterr(LS_ERR_LIMIT, "%u retained commits: register a checkpoint and run gc",
                         LS_COMMITS_MAX);
    if (ls_record_samples(r) > INT64_MAX - s->total_samples)   /* see ls_state_apply */
        return ls_seterr(LS_ERR_LIMIT, "the table would hold more than 2^63 - 1 samples");
    size_t fresh = 0;
    for (uint32_t i = 0; i < r->nckpt_ops; i++) {
        int known = 0;
        for (size_t k = 0; k < s->nckpts && !known; k++)
            known = !strcmp(s->ckpts[k].name, r->ckpt_ops[i].name);
        fresh += !known && r->ckpt_ops[i].op == LS_CKPT_REGISTER;
    }
    if (s->nckpts + fresh > LS_CHECKPOINTS_MAX)
        return ls_seterr(LS_ERR_LIMIT, "more than %u checkpoint names", LS_CHECKPOINTS_MAX);
    return LS_OK;
}

/* Index of the retained commit holding sample a, or -1. */
ssize_t ls_state_commit_of(const ls_state *s, uint64_t a)
{
    size_t lo = 0, hi = s->ncommits;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const ls_commit_ent *e = &s->commits[mid];
        if (a < e->first_sample)
            hi = mid;
        else if (a >= e->first_sample + e->count)
            lo = mid + 1;
        else
            return (ssize_t)mid;
    }
    /* Retained commits are back to back (state_check, ls_state_apply): a
     * sample of [first retained, N) is always found. */
    LS_ASSERT(s->ncommits == 0 || a < s->commits[0].first_sample || a >= s->total_samples);
    return -1;
}
