/*
 * rank_ckpt.c -- per-rank checkpoints of a job (docs/checkpoints.md,
 * "Per-rank progress"): each rank of a job (a consumer group at one world
 * size) records where it is as an empty object outside the log,
 *
 *   <table>/_ckpt/<job>/<rank:010>-<seq:020>-<step:020>
 *
 * and the log holds one checkpoint named <job> at a step no rank is below,
 * so that GC (which reads only the log) never reclaims what a rank needs,
 * while the log traffic of checkpointing does not grow with the ranks.
 *
 * Invariant: for every rank with an object at step x, a live checkpoint in
 * the log is at or below x: the job's, or the rank's own "<job>.r<rank>".
 *   - a rank moving forward (a previous object at x <= its new step y) only
 *     writes its new object and deletes the old: the registration that
 *     covered x covers y;
 *   - a rank's first object, or one moving back, first registers
 *     "<job>.r<rank>" at its step in the log (refused below the watermark,
 *     like any registration), then writes the object;
 *   - rank 0 aggregates after its own commit: it lists the job's objects
 *     and, once every rank has one, commits one record that registers the
 *     job at the smallest step listed (each rank's smallest key: an update
 *     in flight leaves two, and the older counts), releases the ranks' own
 *     registrations at or above it, and releases the other worlds of the
 *     same group (release_prefix), whose objects it then deletes.
 * A forward commit costs a LIST of the rank's own keys, a PUT and a DELETE,
 * and no log record; the aggregation one LIST per LS_LIST_KEYS_MAX ranks
 * (twice) and at most one record.  Keys: keys.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

static const ls_ckpt *find_ckpt(const ls_state *s, const char *name)
{
    for (size_t i = 0; i < s->nckpts; i++)
        if (!strcmp(s->ckpts[i].name, name))
            return &s->ckpts[i];
    return NULL;
}

static int rank_name(char *buf, size_t n, const char *job, uint32_t rank)
{
    int k = snprintf(buf, n, "%s.r%" PRIu32, job, rank);
    if (k <= 0 || (size_t)k >= n || (size_t)k > LS_CHECKPOINT_NAME_BYTES_MAX ||
        !ls_name_is_valid(buf))
        return ls_seterr(LS_ERR_INVALID, "job %s: not a valid checkpoint name (1-%u of "
                         "[A-Za-z0-9._-] with \".r<rank>\")", ls_q(job),
                         LS_CHECKPOINT_NAME_BYTES_MAX);
    return LS_OK;
}

/* 1 if name is job's own checkpoint or one of its ranks'. */
static int of_job(const char *name, const char *job)
{
    size_t n = strlen(job);
    return !strncmp(name, job, n) && (!name[n] || !strncmp(name + n, ".r", 2));
}

/* ---- the steps recorded -------------------------------------------------- */

/* One listing of job's objects: per rank its newest step (and seq) and the
 * smallest step any of its objects still names (an update in flight, or one
 * that crashed before deleting the old key, leaves two); *have = ranks with
 * an object.  lowest may be NULL. */
static int scan(ls_table *t, const char *job, uint32_t world, uint64_t *newest, uint64_t *seqs,
                uint64_t *lowest, uint32_t *have)
{
    char prefix[LS_KEY_BYTES_MAX + 1];
    int rc = ls_key_rank_ckpt_prefix(prefix, t->name, job);
    if (rc)
        return rc;
    for (uint32_t r = 0; r < world; r++) {
        newest[r] = UINT64_MAX;
        seqs[r] = 0;
        if (lowest)
            lowest[r] = UINT64_MAX;
    }
    ls_keylist kl;
    if ((rc = ls_store_list_all(t->st, prefix, &kl, &t->meta.requests)))
        return rc;
    size_t plen = strlen(prefix);
    *have = 0;
    for (size_t i = 0; i < kl.n; i++) {
        uint32_t r;
        uint64_t seq, step;
        if (!ls_key_parse_rank_ckpt(kl.keys[i] + plen, &r, &seq, &step) || r >= world)
            continue;
        if (newest[r] == UINT64_MAX)
            (*have)++;
        if (newest[r] == UINT64_MAX || seq >= seqs[r]) {
            seqs[r] = seq;
            newest[r] = step;
        }
        if (lowest && step < lowest[r])
            lowest[r] = step;
    }
    ls_keylist_free(&kl);
    return LS_OK;
}

int ls_rank_checkpoint_get(ls_table *t, const char *job, uint32_t world, uint64_t *steps,
                           uint64_t *seqs, int *complete)
{
    uint64_t *sq = seqs ? seqs : calloc(world ? world : 1, sizeof(uint64_t));
    if (!sq)
        return ls_seterr(LS_ERR_NOMEM, "checkpoints of job %s", ls_q(job));
    uint32_t have = 0;
    int rc = scan(t, job, world, steps, sq, NULL, &have);
    if (!seqs)
        free(sq);
    *complete = rc == LS_OK && have == world;
    return rc;
}

/* ---- aggregation (rank 0) --------------------------------------------------- */

typedef struct agg {
    const char *job, *release_prefix;
    uint64_t    min;
    ls_record   rec;
    ls_ckpt_op *ops;
    char      **dropped;        /* other worlds' jobs this attempt releases (owned) */
    size_t      ndropped;
} agg;

static void agg_clear_dropped(agg *g)
{
    for (size_t i = 0; i < g->ndropped; i++)
        free(g->dropped[i]);
    g->ndropped = 0;
}

static int agg_precheck(void *arg, const ls_state *s, int *done)
{
    agg *g = arg;
    size_t n = 0;
    const ls_ckpt *jc = find_ckpt(s, g->job);
    if (g->min < s->low_watermark_step)
        return ls_seterr(LS_ERR_RECLAIMED, "job %s: its ranks' step %" PRIu64 " lies below "
                         "the low watermark (step %" PRIu64 ")", ls_q(g->job), g->min,
                         s->low_watermark_step);
    if (!jc || !jc->live || jc->step != g->min)
        g->ops[n++] = (ls_ckpt_op){ (char *)g->job, LS_CKPT_REGISTER, g->min };
    agg_clear_dropped(g);
    size_t plen = strlen(g->release_prefix);
    for (size_t i = 0; i < s->nckpts; i++) {
        const ls_ckpt *c = &s->ckpts[i];
        if (!c->live)
            continue;
        int mine = of_job(c->name, g->job) && strcmp(c->name, g->job);
        int other = plen && !strncmp(c->name, g->release_prefix, plen) && !of_job(c->name, g->job);
        if ((mine && c->step >= g->min) || other)
            g->ops[n++] = (ls_ckpt_op){ c->name, LS_CKPT_RELEASE, 0 };
        /* An other world's job (not one of its ranks): its objects go after. */
        if (other && !strstr(c->name + plen, ".r") &&
            (g->dropped[g->ndropped] = strdup(c->name)))
            g->ndropped++;
    }
    g->rec.ckpt_ops = g->ops;
    g->rec.nckpt_ops = (uint32_t)n;
    *done = n == 0;
    return LS_OK;
}

static int aggregate(ls_table *t, const char *job, uint32_t world, const char *release_prefix)
{
    uint64_t *newest = malloc((world ? world : 1) * 3 * sizeof(uint64_t));
    if (!newest)
        return ls_seterr(LS_ERR_NOMEM, "checkpoints of job %s", ls_q(job));
    uint64_t *seqs = newest + world, *lowest = seqs + world, min = UINT64_MAX;
    uint32_t have = 0;
    int rc = scan(t, job, world, newest, seqs, lowest, &have);
    /* Conservative: each rank's smallest key, not its newest. */
    for (uint32_t r = 0; r < world && !rc && have == world; r++)
        if (lowest[r] < min)
            min = lowest[r];
    free(newest);
    if (rc || have < world)
        return rc;
    if ((rc = ls_table_catch_up(t)))
        return rc;
    agg g = { .job = job, .release_prefix = release_prefix ? release_prefix : "", .min = min };
    /* Sized for any state a retry may meet, not the one read now. */
    g.ops = calloc(LS_CHECKPOINTS_MAX + 2, sizeof(ls_ckpt_op));
    g.dropped = calloc(LS_CHECKPOINTS_MAX + 1, sizeof(char *));
    if (!g.ops || !g.dropped) {
        free(g.ops);
        free(g.dropped);
        return ls_seterr(LS_ERR_NOMEM, "checkpoints of job %s", ls_q(job));
    }
    g.rec.seq_first = 1;
    g.rec.seq_last = 0;
    ls_commit_ctl ctl = { .precheck = agg_precheck, .arg = &g,
                          .retries = (unsigned)ls_conf_int(t->conf, "store.retries") };
    if (!(rc = ls_random_bytes(g.rec.commit_id, sizeof(g.rec.commit_id))))
        rc = ls_table_commit(t, &g.rec, &ctl);
    /* The worlds this commit released: their objects go too (best effort). */
    for (size_t i = 0; i < g.ndropped && !rc; i++)
        (void)ls_rank_checkpoint_drop(t, g.dropped[i]);
    agg_clear_dropped(&g);
    free(g.dropped);
    free(g.ops);
    return rc;
}

/* ---- a rank's commit ---------------------------------------------------------- */

int ls_rank_checkpoint_commit(ls_table *t, const char *job, uint32_t world, uint32_t rank,
                              uint64_t step, const char *release_prefix)
{
    char name[LS_CHECKPOINT_NAME_BYTES_MAX + 16], prefix[LS_KEY_BYTES_MAX + 1];
    if (!t || world == 0 || world > LS_WORLD_SIZE_MAX || rank >= world)
        return ls_seterr(LS_ERR_INVALID, "rank %" PRIu32 " of world %" PRIu32 ": out of range",
                         rank, world);
    int rc = rank_name(name, sizeof(name), job, rank);
    if (!rc && !ls_name_is_valid(job))
        rc = ls_seterr(LS_ERR_INVALID, "invalid job name %s", ls_q(job));
    if (!rc)
        rc = ls_key_rank_ckpt_prefix(prefix, t->name, job);
    if (rc)
        return rc;
    /* This rank's objects: its newest says where it was. */
    char own[LS_KEY_BYTES_MAX + 16];
    snprintf(own, sizeof(own), "%s%010" PRIu32 "-", prefix, rank);   /* fits: see keys.c */
    ls_keylist kl;
    if ((rc = ls_store_list_all(t->st, own, &kl, &t->meta.requests)))
        return rc;
    size_t plen = strlen(prefix);
    uint64_t seq = 0, lowest = UINT64_MAX;
    int have = 0;
    for (size_t i = 0; i < kl.n; i++) {
        uint32_t r;
        uint64_t s, st;
        if (!ls_key_parse_rank_ckpt(kl.keys[i] + plen, &r, &s, &st) || r != rank)
            continue;
        if (!have || s >= seq)
            seq = s;
        if (st < lowest)
            lowest = st;
        have = 1;
    }
    /* A first object, or a step below one still listed: the log covers it
     * first (and refuses it below the watermark). */
    if (!have || step < lowest)
        rc = ls_table_checkpoint_register(t, name, step);
    char key[LS_KEY_BYTES_MAX + 1];
    if (!rc) {
        (void)ls_key_rank_ckpt(key, t->name, job, rank, seq + 1, step);  /* fits: prefix did */
        t->meta.requests++;
        rc = ls_store_put(t->st, key, "", 0);
    }
    for (size_t i = 0; i < kl.n && !rc; i++) {
        uint32_t r;
        uint64_t s, st;
        if (ls_key_parse_rank_ckpt(kl.keys[i] + plen, &r, &s, &st) && r == rank && s <= seq) {
            t->meta.requests++;
            int drc = ls_store_delete(t->st, kl.keys[i]);
            if (drc && drc != LS_ERR_NOT_FOUND)
                rc = drc;
        }
    }
    ls_keylist_free(&kl);
    if (!rc && rank == 0)
        rc = aggregate(t, job, world, release_prefix);
    return rc;
}

int ls_rank_checkpoint_drop(ls_table *t, const char *job)
{
    char prefix[LS_KEY_BYTES_MAX + 1];
    ls_keylist kl;
    int rc = ls_key_rank_ckpt_prefix(prefix, t->name, job);
    if (rc || (rc = ls_store_list_all(t->st, prefix, &kl, &t->meta.requests)))
        return rc;
    for (size_t i = 0; i < kl.n && !rc; i++) {
        t->meta.requests++;
        rc = ls_store_delete(t->st, kl.keys[i]);
        if (rc == LS_ERR_NOT_FOUND)
            rc = LS_OK;
    }
    ls_keylist_free(&kl);
    return rc;
}
