/*
 * commit.c -- the commit protocol (DESIGN.md section 5, docs/protocol.md
 * "Commit"), in one place: a record goes to the next log version with
 * put_if_absent; a lost race reads forward and tries at the new head; a
 * lost reply (outcome unknown) reads the version back and recognises its
 * own record by commit_id; a record that landed in a slot GC had freed
 * (reclaim.c) is not in, and is committed again at the head.  Only a
 * record applied from the live log is reported committed.
 *
 * The writer of a version that is a multiple of K also writes the
 * snapshot of that version and the hint (ls_table_apply_own).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

/* Read the record at version v after a lost reply: *is_ours, or *absent,
 * or neither (someone else's). */
static int probe_version(ls_table *t, const ls_record *r, uint64_t v, int *is_ours,
                         int *absent)
{
    *is_ours = *absent = 0;
    ls_record other;
    int rc = ls_table_get_record(t, v, &other, NULL);
    if (rc == LS_ERR_NOT_FOUND) {
        *absent = 1;
        return LS_OK;
    }
    if (rc)
        return rc;
    LS_ASSERT(other.version == v);   /* ls_record_decode checked it against the key */
    *is_ours = !memcmp(other.commit_id, r->commit_id, sizeof(other.commit_id));
    ls_record_clear(&other);
    return LS_OK;
}

/* Our record r is at version r->version (our put_if_absent created it, or
 * a lost reply's read-back found it there).  It is in only if that slot is
 * not one GC freed: then apply it (*in = 1).  If the marks cannot rule
 * that out, the state starts over from the newest snapshot; *in = 1 if its
 * replay applies r, else the caller tries again at the head, where its
 * precheck finds r if the snapshot already holds it. */
static int own_record_at(ls_table *t, const ls_record *r, ls_commit_ctl *ctl, int *in)
{
    int live, rc, seen = 0;
    *in = 0;
    if ((rc = ls_reclaim_check(t, r->version, r->version, &live)))
        return rc;      /* unknown: the next attempt finds r by its commit_id */
    if (live) {
        ctl->landed = 1;
        rc = ls_table_apply_own(t, r);
        *in = rc == LS_OK;
        return rc;
    }
    ctl->freed_slots++;
    if ((rc = ls_table_reload_listed(t)) || (rc = ls_table_refresh_watch(t, r->commit_id, &seen, 0)))
        return rc;
    /* A snapshot at or after r->version hides the record itself, not the
     * id of its producer's last record. */
    const ls_pstate *ps = r->producer ? ls_state_producer(&t->state, r->producer) : NULL;
    if (ps && ps->last_version == r->version &&
        !memcmp(ps->last_commit_id, r->commit_id, sizeof(r->commit_id)))
        seen = 1;
    if (seen) {
        ctl->landed = 1;
        *in = 1;
    }
    return LS_OK;
}

int ls_table_commit(ls_table *t, ls_record *r, ls_commit_ctl *ctl)
{
    ls_bytes enc = { 0 };
    unsigned io_errors = 0, backoff_ms = 1, attempt;
    int rc = LS_OK, in = 0, fresh = 0;
    ctl->landed = ctl->landed ? 1 : 0;
    for (attempt = 0; attempt < LS_COMMIT_ATTEMPTS_MAX && !in; attempt++) {
        /* Once replay has applied our commit_id, the record is in, whatever
         * fails afterwards: ctl->landed is sticky (also across calls), and
         * is tested before anything else, fencing included. */
        if (ctl->landed) {
            in = 1;
            break;
        }
        /* Read forward first when others have been committing (one GET
         * when nothing is new: cheaper than a put that must fail), or when
         * the head was confirmed more than R/2 ago and may be a slot GC
         * reclaimed since.  A lone committer skips it, and finds out about
         * a newcomer from its first lost attempt. */
        if ((!fresh && t->contended) ||
            ls_wall_ms() - t->head_ok_ms >= t->log_retention_ms / 2) {
            uint64_t before = t->state.version;
            rc = ls_table_refresh_watch(t, r->commit_id, &ctl->landed, 0);
            if (ctl->landed)
                continue;
            if (rc)
                goto retry_or_fail;
            fresh = 1;
            t->contended = t->state.version != before;
        }
        if (ctl->precheck && (rc = ctl->precheck(ctl->arg, &t->state, &in)))
            break;
        if (in)
            break;
        uint64_t v = t->state.version + 1;
        char key[LS_KEY_BYTES_MAX + 1];
        r->version = v;
        r->timestamp_ms = ls_wall_ms();
        enc.len = 0;
        /* The link to version v and the tail of the records below it
         * (log_tail.c); a record too large to carry its tail goes without. */
        const ls_tail_item *tail;
        uint32_t ntail;
        ls_log_tail_for(t, r, &tail, &ntail);
        if ((rc = ls_key_log(key, t->name, v)))
            break;
        rc = ls_record_encode_tail(r, tail, ntail, &enc);
        if (rc == LS_ERR_LIMIT && ntail)
            rc = ls_record_encode_tail(r, NULL, 0, &enc);
        if (rc)
            break;
        if ((rc = ls_state_check(&t->state, r)))
            break;      /* never write a record nobody could apply */
        /* The record names the version of the key it goes to, the one the
         * state needs next (own_record_at asserts it applies there). */
        LS_ASSERT(r->version == v && v == t->state.version + 1);
        ctl->attempts++;
        rc = ls_store_put_if_absent(t->st, key, enc.data, enc.len);
        if (rc == LS_OK) {
            if ((rc = own_record_at(t, r, ctl, &in)))
                goto retry_or_fail;
            if (in)
                break;
            continue;       /* a freed slot: the state was reloaded */
        }
        if (ls_err_is_retriable(rc)) {
            /* Outcome unknown: look at what is at v now. */
            int is_ours, absent, put_rc = rc;
            char put_msg[512];
            snprintf(put_msg, sizeof(put_msg), "%s", ls_errmsg());
            ctl->lost_replies++;
            rc = probe_version(t, r, v, &is_ours, &absent);
            if (rc == LS_OK && is_ours) {
                if ((rc = own_record_at(t, r, ctl, &in)))
                    goto retry_or_fail;
                if (in)
                    break;
                continue;
            }
            if (rc == LS_OK && absent) {
                /* Not written: the put failed; retry v after a backoff. */
                rc = ls_seterr(put_rc, "%s", put_msg);
                goto retry_or_fail;
            }
            if (rc != LS_OK)
                goto retry_or_fail;
            /* someone else's record: a conflict */
        } else if (rc != LS_ERR_EXISTS) {
            break;
        }
        if (fresh)
            ctl->conflicts++;
        else
            ctl->stale++;
        t->contended = 1;
        /* Lost to a commit that landed meanwhile: the versions missed are
         * few, and a GET each costs less than a LIST (S3 bills a LIST as
         * a PUT): read them one by one rather than jump (log_tail.c). */
        t->jump_off = 1;
        rc = ls_table_refresh_watch(t, r->commit_id, &ctl->landed, 0);
        t->jump_off = 0;
        if (rc == LS_OK)
            fresh = 1;
        if (rc == LS_OK || ctl->landed)
            continue;
    retry_or_fail:
        if (!ls_err_is_retriable(rc) || ++io_errors > ctl->retries)
            break;
        ls_backoff(&backoff_ms, LS_RETRY_BACKOFF_MS_MAX);
    }
    ls_bytes_free(&enc);
    if (in)
        return LS_OK;
    if (rc == LS_OK)
        return ls_seterr(LS_ERR_TIMEOUT, "table %s: commit did not land in %u attempts",
                         t->name, LS_COMMIT_ATTEMPTS_MAX);
    return rc;
}

/* Table format 2, B >= 16: the committer of the version that completes steps
 * [s0, s1) writes their indexes, and the group indexes of the groups of 16
 * that those steps complete (best effort: a reader that finds one
 * missing builds it from the log).  Our record goes into the cache first:
 * the indexes are built from the records of each step. */
static void publish_steps(ls_table *t, const ls_record *r, uint64_t s0, uint64_t s1)
{
    ls_record copy;
    if (s0 < s1 && r->nchunks && ls_record_copy(r, &copy) == LS_OK)
        ls_table_cache_put(t, &copy);
    for (uint64_t s = s0; s < s1; s++)
        if (s >= t->state.low_watermark_step)   /* GC may reclaim it after: docs/protocol.md */
            (void)ls_step_index_publish(t, s);
    /* And the group of 16 steps each completed step ends (step_group.c). */
    for (uint64_t s = s0; s < s1; s++)
        if ((s + 1) % LS_STEP_GROUP_STEPS == 0 &&
            s + 1 - LS_STEP_GROUP_STEPS >= t->state.low_watermark_step)
            (void)ls_step_group_publish(t, s + 1 - LS_STEP_GROUP_STEPS);
}

int ls_table_apply_own(ls_table *t, const ls_record *r)
{
    uint64_t B = t->desc.global_batch, steps_before = t->state.total_samples / B;
    /* Nothing moves the state between the put of version v and this: v is
     * the next version, as when ls_table_commit chose it. */
    LS_ASSERT(r->version == t->state.version + 1);
    uint64_t n_before = t->state.total_samples;
    int rc = ls_state_apply(&t->state, r);
    if (rc)
        return rc;
    LS_ASSERT(t->state.version == r->version && t->state.total_samples >= n_before);
    ls_log_tail_push(t, r);
    t->head_ts_ms = r->timestamp_ms;
    t->head_ok_ms = ls_wall_ms();
    if (ls_table_step_indexed(t))
        publish_steps(t, r, steps_before, t->state.total_samples / B);
    uint64_t v = r->version;
    if (v % t->snapshot_interval != 0)
        return LS_OK;
    /* Best effort: a missing snapshot only costs replay. */
    char key[LS_KEY_BYTES_MAX + 1];
    ls_bytes b = { 0 };
    if (ls_key_snapshot(key, t->name, v) == LS_OK &&
        ls_snapshot_encode(&t->state, &b) == LS_OK &&
        ls_store_put_if_absent(t->st, key, b.data, b.len) == LS_OK &&
        ls_key_hint(key, t->name) == LS_OK) {
        char hint[32];
        int n = snprintf(hint, sizeof(hint), "%" PRIu64 "\n", v);
        (void)ls_store_put(t->st, key, hint, (size_t)n);
    }
    ls_bytes_free(&b);
    return LS_OK;
}

