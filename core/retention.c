/*
 * retention.c -- checkpoint registration and release, the low watermark,
 * and garbage collection (docs/protocol.md, "Checkpoints and retention").
 *
 * Every decision is a commit record through ls_table_commit, so it is
 * ordered with everything else in the log; GC then deletes only what the
 * committed state says no live checkpoint, reader or in-flight producer
 * can need, judging every listing against a state read after it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

static const ls_ckpt *state_ckpt(const ls_state *s, const char *name)
{
    for (size_t i = 0; i < s->nckpts; i++)
        if (!strcmp(s->ckpts[i].name, name))
            return &s->ckpts[i];
    return NULL;
}

static int check_ckpt_name(const char *name)
{
    if (!ls_name_is_valid(name) || strlen(name) > LS_CHECKPOINT_NAME_BYTES_MAX)
        return ls_seterr(LS_ERR_INVALID, "invalid checkpoint name \"%s\": use 1-%u of "
                         "[A-Za-z0-9._-], no \"..\"", ls_q(name),
                         LS_CHECKPOINT_NAME_BYTES_MAX);
    return LS_OK;
}

/* ---- checkpoints ---------------------------------------------------------- */

typedef struct ckpt_ctx {
    const ls_ckpt_op *op;
} ckpt_ctx;

static int ckpt_precheck(void *arg, const ls_state *s, int *done)
{
    const ls_ckpt_op *op = ((ckpt_ctx *)arg)->op;
    const ls_ckpt *c = state_ckpt(s, op->name);
    *done = 0;
    if (op->op == LS_CKPT_REGISTER) {
        if (op->step < s->low_watermark_step)
            return ls_seterr(LS_ERR_RECLAIMED, "checkpoint %s: step %" PRIu64 " lies below "
                             "the low watermark (step %" PRIu64 ")", op->name, op->step,
                             s->low_watermark_step);
        *done = c && c->live && c->step == op->step;
    } else {
        *done = !c || !c->live;
    }
    return LS_OK;
}

/* Commit op (its name checked) on the open table t.  A step beyond the
 * visible steps of t's state is judged again on a fresh state before it is
 * refused. */
static int ckpt_commit(ls_table *t, ls_ckpt_op *op)
{
    int rc;
    uint64_t visible = t->state.total_samples / t->desc.global_batch;
    if (op->op == LS_CKPT_REGISTER && op->step > visible) {
        if ((rc = ls_table_refresh(t)))
            return rc;
        visible = t->state.total_samples / t->desc.global_batch;
    }
    if (op->op == LS_CKPT_REGISTER && op->step > visible)
        return ls_seterr(LS_ERR_INVALID, "checkpoint %s: step %" PRIu64 " is beyond the %" PRIu64
                         " visible steps of table %s: a model checkpoint can only cover "
                         "steps it was trained on", op->name, op->step, visible, t->name);
    if (op->op == LS_CKPT_RELEASE && !state_ckpt(&t->state, op->name)) {
        /* Perhaps registered since t's state was read. */
        if ((rc = ls_table_refresh(t)))
            return rc;
        if (!state_ckpt(&t->state, op->name))
            return ls_seterr(LS_ERR_NOT_FOUND, "checkpoint %s is not registered in table %s",
                             op->name, t->name);
    }
    ls_record r = { 0 };
    r.seq_first = 1;                  /* no producer, no data */
    r.seq_last = 0;
    r.ckpt_ops = op;
    r.nckpt_ops = 1;
    ckpt_ctx cx = { op };
    ls_commit_ctl ctl = { .precheck = ckpt_precheck, .arg = &cx,
                          .retries = (unsigned)ls_conf_int(t->conf, "store.retries") };
    if ((rc = ls_random_bytes(r.commit_id, sizeof(r.commit_id))))
        return rc;
    return ls_table_commit(t, &r, &ctl);
}

static int ckpt_commit_open(ls_store *st, const char *table, ls_ckpt_op *op,
                            const ls_conf *conf)
{
    int rc = check_ckpt_name(op->name);
    if (rc)
        return rc;
    ls_table *t;
    if ((rc = ls_table_open(st, table, conf, &t)))
        return rc;
    rc = ckpt_commit(t, op);
    ls_table_close(t);
    return rc;
}

int ls_checkpoint_register(ls_store *st, const char *table, const char *name, uint64_t step,
                           const ls_conf *conf)
{
    ls_ckpt_op op = { (char *)name, LS_CKPT_REGISTER, step };
    return ckpt_commit_open(st, table, &op, conf);
}

int ls_checkpoint_release(ls_store *st, const char *table, const char *name,
                          const ls_conf *conf)
{
    ls_ckpt_op op = { (char *)name, LS_CKPT_RELEASE, 0 };
    return ckpt_commit_open(st, table, &op, conf);
}

/* A handle's state may be far behind (a consumer's, between checkpoints):
 * catch up first, through a snapshot, rather than meet every record since
 * one conflict at a time. */
static int ckpt_commit_handle(ls_table *t, ls_ckpt_op *op)
{
    if (!t)
        return ls_seterr(LS_ERR_INVALID, "no table handle");
    int rc = check_ckpt_name(op->name);
    if (!rc)
        rc = ls_table_catch_up(t);
    return rc ? rc : ckpt_commit(t, op);
}

int ls_table_checkpoint_register(ls_table *t, const char *name, uint64_t step)
{
    ls_ckpt_op op = { (char *)name, LS_CKPT_REGISTER, step };
    return ckpt_commit_handle(t, &op);
}

int ls_table_checkpoint_release(ls_table *t, const char *name)
{
    ls_ckpt_op op = { (char *)name, LS_CKPT_RELEASE, 0 };
    return ckpt_commit_handle(t, &op);
}

int ls_table_checkpoint_get(ls_table *t, size_t i, ls_checkpoint_info *out)
{
    if (i >= t->state.nckpts)
        return LS_ERR_NOT_FOUND;
    out->name = t->state.ckpts[i].name;
    out->step = t->state.ckpts[i].step;
    out->live = t->state.ckpts[i].live;
    return LS_OK;
}

/* ---- the watermark -------------------------------------------------------- */

/* What a GC commit decides, recomputed against the state at every attempt:
 * the live checkpoints beyond the newest keep_last are released, and the
 * watermark rises to the lowest step the kept ones need. */
typedef struct gc_plan {
    uint32_t    keep_last;
    ls_record   rec;
    ls_ckpt_op *ops;           /* releases */
    uint64_t    released;
} gc_plan;

static int cmp_step_desc(const void *a, const void *b)
{
    const ls_ckpt *x = *(const ls_ckpt *const *)a, *y = *(const ls_ckpt *const *)b;
    return x->step < y->step ? 1 : x->step > y->step ? -1 : strcmp(x->name, y->name);
}

static int gc_precheck(void *arg, const ls_state *s, int *done)
{
    gc_plan *g = arg;
    const ls_ckpt **live = malloc((s->nckpts + 1) * sizeof(*live));
    if (!live)
        return ls_seterr(LS_ERR_NOMEM, "gc plan");
    size_t n = 0;
    for (size_t i = 0; i < s->nckpts; i++)
        if (s->ckpts[i].live)
            live[n++] = &s->ckpts[i];
    qsort(live, n, sizeof(*live), cmp_step_desc);
    size_t keep = g->keep_last && g->keep_last < n ? g->keep_last : n;
    g->rec.nckpt_ops = 0;
    for (size_t i = keep; i < n; i++)
        g->ops[g->rec.nckpt_ops++] = (ls_ckpt_op){ live[i]->name, LS_CKPT_RELEASE, 0 };
    /* No live checkpoint: nothing is reclaimed (the watermark stays). */
    uint64_t wm = keep ? live[keep - 1]->step : s->low_watermark_step;
    free(live);
    g->rec.ckpt_ops = g->ops;
    g->rec.has_low_watermark = wm > s->low_watermark_step;
    g->rec.low_watermark_step = wm;
    g->released = g->rec.nckpt_ops;
    *done = !g->rec.has_low_watermark && g->rec.nckpt_ops == 0;
    return LS_OK;
}

/* ---- garbage collection --------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Delete key, adding its size to *bytes (a missing key counts nothing). */
static int delete_counted(ls_store *st, const char *key, uint64_t *objects, uint64_t *bytes)
{
    uint64_t size = 0;
    int rc = ls_store_head(st, key, &size);
    if (rc == LS_ERR_NOT_FOUND)
        return LS_OK;
    if (rc)
        return rc;
    if ((rc = ls_store_delete(st, key)))
        return rc;
    (*objects)++;
    *bytes += size;
    return LS_OK;
}

/* The newest version v_cut <= upto whose record is older than the log
 * retention: every record before it has a successor older than R.
 * Binary search over the listed record versions (timestamps grow with
 * versions, up to clock skew). */
static int find_cut(ls_table *t, const uint64_t *versions, size_t n, uint64_t upto,
                    uint64_t *cut)
{
    int64_t limit = ls_wall_ms() - t->log_retention_ms;
    size_t lo = 0, hi = n;  /* find the last index with ts < limit */
    *cut = 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (versions[mid] > upto) {
            hi = mid;
            continue;
        }
        const ls_record *r;
        int rc = ls_table_record(t, versions[mid], NULL, &r);
        if (rc)
            return rc;
        if (r->timestamp_ms <= limit) {
            *cut = versions[mid];
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return LS_OK;
}

/* Delete the step indexes of steps below wm, and the group indexes whose
 * 16 steps all are.  Their keys sort by (first) step, so the listing stops
 * at the first one at or above it. */
static int delete_step_indexes(ls_table *t, uint64_t wm, ls_gc_report *out)
{
    char prefix[LS_KEY_BYTES_MAX + 1], after[LS_KEY_BYTES_MAX + 1] = "";
    int rc = ls_key_steps_prefix(prefix, t->name);
    size_t plen = strlen(prefix);
    for (int more = 1; rc == LS_OK && more;) {
        ls_keylist kl = { 0 };
        t->meta.requests++;
        if ((rc = ls_store_list(t->st, prefix, after[0] ? after : NULL, LS_LIST_KEYS_MAX, &kl)))
            break;
        more = kl.n == LS_LIST_KEYS_MAX;
        for (size_t i = 0; i < kl.n && rc == LS_OK; i++) {
            uint64_t s;
            if (ls_key_parse_step_group(kl.keys[i] + plen, &s)) {
                if (s >= wm) {
                    more = 0;
                    break;
                }
                if (s + LS_STEP_GROUP_STEPS > wm)
                    continue;         /* steps of it are still retained */
            } else if (!ls_key_parse_step(kl.keys[i] + plen, &s)) {
                continue;
            } else if (s >= wm) {
                more = 0;
                break;
            }
            rc = delete_counted(t->st, kl.keys[i], &out->step_indexes_deleted,
                                &out->step_index_bytes_deleted);
        }
        if (kl.n)
            snprintf(after, sizeof(after), "%s", kl.keys[kl.n - 1]);
        ls_keylist_free(&kl);
    }
    return rc;
}

int ls_table_gc(ls_store *st, const char *table, uint32_t keep_last, const ls_conf *conf,
                ls_gc_report *out)
{
    memset(out, 0, sizeof(*out));
    ls_table *t;
    int rc = ls_table_open(st, table, conf, &t);
    if (rc)
        return rc;
    char prefix[LS_KEY_BYTES_MAX + 1], key[LS_KEY_BYTES_MAX + 1];
    ls_keylist data = { 0 }, logk = { 0 };
    char **referenced = NULL;
    size_t nref = 0;
    uint64_t *versions = NULL;
    gc_plan g = { .keep_last = keep_last };
    uint64_t B = t->desc.global_batch;
    out->previous_watermark_step = t->state.low_watermark_step;

    /* 1. The watermark: a commit, so it is ordered with registrations. */
    if (!(g.ops = calloc(t->state.nckpts + LS_CHECKPOINTS_MAX + 1, sizeof(ls_ckpt_op)))) {
        rc = ls_seterr(LS_ERR_NOMEM, "gc plan");
        goto end;
    }
    g.rec.seq_first = 1;
    g.rec.seq_last = 0;
    ls_commit_ctl ctl = { .precheck = gc_precheck, .arg = &g,
                          .retries = (unsigned)ls_conf_int(t->conf, "store.retries") };
    if ((rc = ls_random_bytes(g.rec.commit_id, sizeof(g.rec.commit_id))))
        goto end;
    /* The chunks of commits about to fall below the watermark are found
     * from the state before the commit drops them. */
    if ((rc = ls_table_refresh(t)))
        goto end;
    ls_commit_ent *before = NULL;
    size_t nbefore = t->state.ncommits;
    if (nbefore && !(before = malloc(nbefore * sizeof(*before)))) {
        rc = ls_seterr(LS_ERR_NOMEM, "gc");
        goto end;
    }
    if (nbefore)
        memcpy(before, t->state.commits, nbefore * sizeof(*before));
    rc = ls_table_commit(t, &g.rec, &ctl);
    if (rc) {
        free(before);
        goto end;
    }
    out->checkpoints_released = g.released;
    out->low_watermark_step = t->state.low_watermark_step;

    /* 2. Step indexes below the watermark, then the chunks wholly below
     * it: an index goes before the data it names, so a reader that finds
     * no index asks the log, which says "reclaimed". */
    if ((rc = delete_step_indexes(t, out->low_watermark_step, out))) {
        free(before);
        goto end;
    }
    uint64_t lim = out->low_watermark_step * B;
    for (size_t i = 0; i < nbefore && rc == LS_OK; i++) {
        if (before[i].first_sample >= lim)
            break;
        const ls_record *r;
        rc = ls_table_record(t, before[i].version, before[i].commit_id, &r);
        if (rc == LS_ERR_NOT_FOUND) {
            /* Reclaimed by a concurrent GC (its slot may even hold a
             * stalled writer's record, whose chunks must stay). */
            rc = LS_OK;
            continue;
        }
        if (rc)
            break;
        uint64_t first = before[i].first_sample;
        for (uint32_t k = 0; k < r->nchunks && rc == LS_OK; k++) {
            if (first + r->chunks[k].count <= lim)
                rc = delete_counted(st, r->chunks[k].key, &out->chunks_deleted,
                                    &out->chunk_bytes_deleted);
            first += r->chunks[k].count;
        }
    }
    free(before);
    if (rc)
        goto end;

    /* 3. Orphans: list the chunks, then judge the listing against a state
     * read after it.  Referenced = named by a retained commit. */
    snprintf(prefix, sizeof(prefix), "%s/data/", table);
    if ((rc = ls_store_list_all(st, prefix, &data, &t->meta.requests)) || (rc = ls_table_refresh(t)))
        goto end;
    for (size_t i = 0; i < t->state.ncommits && rc == LS_OK; i++) {
        const ls_record *r;
        if ((rc = ls_table_record(t, t->state.commits[i].version,
                                   t->state.commits[i].commit_id, &r)))
            break;
        char **nr = realloc(referenced, (nref + r->nchunks + 1) * sizeof(char *));
        if (!nr) {
            rc = ls_seterr(LS_ERR_NOMEM, "gc");
            break;
        }
        referenced = nr;
        for (uint32_t k = 0; k < r->nchunks; k++)
            if (!(referenced[nref++] = strdup(r->chunks[k].key)))
                rc = ls_seterr(LS_ERR_NOMEM, "gc");
    }
    if (rc)
        goto end;
    if (nref)
        qsort(referenced, nref, sizeof(char *), cmp_str);
    for (size_t i = 0; i < data.n && rc == LS_OK; i++) {
        const char *k = data.keys[i];
        char producer[LS_PRODUCER_ID_BYTES_MAX + 1];
        uint64_t epoch, seq;
        if (nref && bsearch(&k, referenced, nref, sizeof(char *), cmp_str))
            continue;
        if (!ls_key_parse_chunk(k, table, producer, &epoch, &seq))
            continue;   /* not ours to judge */
        const ls_pstate *ps = ls_state_producer(&t->state, producer);
        /* A fenced epoch can never commit again; in the current epoch, a
         * chunk at or below last_seq was passed over.  Anything else (a
         * newer epoch than we know, seq > last_seq) may be in flight. */
        if (ps && (epoch < ps->epoch || (epoch == ps->epoch && seq <= ps->last_seq)))
            rc = delete_counted(st, k, &out->orphans_deleted, &out->orphan_bytes_deleted);
    }
    if (rc)
        goto end;

    /* 4. A snapshot at the current version, and the hint moved to it,
     * before any log record goes. */
    uint64_t vs = t->state.version;
    ls_bytes snap = { 0 };
    if ((rc = ls_key_snapshot(key, table, vs)) || (rc = ls_snapshot_encode(&t->state, &snap)))
        goto end;
    rc = ls_store_put_if_absent(st, key, snap.data, snap.len);
    ls_bytes_free(&snap);
    if (rc && rc != LS_ERR_EXISTS)
        goto end;
    char hint[32];
    int hn = snprintf(hint, sizeof(hint), "%" PRIu64 "\n", vs);
    if ((rc = ls_key_hint(key, table)) || (rc = ls_store_put(st, key, hint, (size_t)hn)))
        goto end;

    /* 5. Log records and snapshots before the cut: older than the log
     * retention (their successor is) and not holding retained offsets. */
    if ((rc = ls_key_log_prefix(prefix, table)) || (rc = ls_store_list_all(st, prefix, &logk, &t->meta.requests)))
        goto end;
    size_t plen = strlen(prefix), nv = 0;
    if (!(versions = malloc((logk.n + 1) * sizeof(uint64_t)))) {
        rc = ls_seterr(LS_ERR_NOMEM, "gc");
        goto end;
    }
    for (size_t i = 0; i < logk.n; i++)
        if (ls_key_parse_log(logk.keys[i] + plen, &versions[nv]) == LS_OBJECT_LOG_RECORD)
            nv++;
    uint64_t cut;
    if ((rc = find_cut(t, versions, nv, vs, &cut)))
        goto end;
    out->log_cut_version = cut;
    /* The marks before any slot is freed (reclaim.c): a writer stalled
     * since it read its head, whose record lands in a freed slot, finds
     * them and commits again at the head.  versions[] is reused for the
     * records about to go. */
    size_t ndel = 0;
    for (size_t i = 0; i < nv; i++)
        if (versions[i] < cut && versions[i] < vs &&
            !ls_state_commit_retained(&t->state, versions[i]))
            versions[ndel++] = versions[i];
    if (ndel && (rc = ls_reclaim_mark(t, vs, versions, ndel)))
        goto end;
    for (size_t i = 0; i < logk.n && rc == LS_OK; i++) {
        uint64_t v;
        int kind = ls_key_parse_log(logk.keys[i] + plen, &v);
        if (!kind || v >= cut || v >= vs)
            continue;
        if (kind == LS_OBJECT_SNAPSHOT)
            rc = delete_counted(st, logk.keys[i], &out->snapshots_deleted,
                                &out->snapshot_bytes_deleted);
        else if (!ls_state_commit_retained(&t->state, v))
            rc = delete_counted(st, logk.keys[i], &out->records_deleted,
                                &out->record_bytes_deleted);
    }
    if (rc == LS_OK && ndel)
        rc = ls_reclaim_prune(t, vs, &out->marks_deleted);
end:
    for (size_t i = 0; i < nref; i++)
        free(referenced[i]);
    free(referenced);
    free(versions);
    free(g.ops);
    ls_keylist_free(&data);
    ls_keylist_free(&logk);
    ls_table_close(t);
    return rc;
}
