/*
 * reclaim.c -- freeing log slots without trusting clocks.
 *
 * GC deletes old log records.  put_if_absent succeeds on a missing key, so
 * a writer that stalled (SIGSTOP, a VM freeze, a long pause inside the
 * request) with an old head could create a record in a slot GC freed,
 * where no reader replays it, and report it committed.  No bound on pauses
 * or clock skew rules that out, so GC leaves durable marks before it frees
 * a slot, and a record a process wrote or read is trusted only once the
 * marks say it cannot lie in a freed slot (docs/protocol.md, "Freed log
 * slots"):
 *
 *   <table>/_reclaim/seg-<s:020>  segment mark: a record of a version in
 *                                 [s, s + LS_LOG_SEGMENT_VERSIONS) may have
 *                                 been deleted.  Never removed.
 *   <table>/_reclaim/<vs:020>     run mark: a GC deletes records below vs.
 *                                 Removed only by a GC whose own mark is
 *                                 higher.
 *
 * Both are created (put_if_absent, empty) before the first deletion they
 * cover.  A record in a freed slot x needs x deleted before it was
 * written, so a check made after reading or writing it finds the segment
 * mark of x and a run mark above x.  The common case costs one HEAD (the
 * segment of the head is not marked unless GC runs close behind it).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

/* One store call, retried like meta reads: store.retries times on
 * retriable errors, with backoff. */
enum { OP_MARK, OP_HEAD, OP_LIST, OP_DELETE };

typedef struct call {
    int         op;
    const char *key;        /* the key, or the prefix for OP_LIST */
    const char *after;      /* OP_LIST */
    size_t      max;        /* OP_LIST */
    ls_keylist *kl;         /* OP_LIST */
} call;

static int call_once(ls_table *t, const call *c)
{
    uint64_t size;
    switch (c->op) {
    case OP_MARK:   return ls_store_put_if_absent(t->st, c->key, "", 0);
    case OP_HEAD:   return ls_store_head(t->st, c->key, &size);
    case OP_LIST:   return ls_store_list(t->st, c->key, c->after, c->max, c->kl);
    default:        return ls_store_delete(t->st, c->key);
    }
}

static int call_retrying(ls_table *t, const call *c)
{
    unsigned retries = (unsigned)ls_conf_int(t->conf, "store.retries"), backoff_ms = 1;
    for (unsigned attempt = 0;; attempt++) {
        t->meta.requests++;
        int rc = call_once(t, c);
        /* A lost reply may have created the mark: EXISTS on a retry is
         * success, as it is the first time (marks carry no content). */
        if (c->op == OP_MARK && rc == LS_ERR_EXISTS)
            return LS_OK;
        if (!ls_err_is_retriable(rc) || attempt >= retries)
            return rc;
        ls_backoff(&backoff_ms, LS_RETRY_BACKOFF_MS_MAX);
    }
}

static uint64_t segment_of(uint64_t v)
{
    return v - v % LS_LOG_SEGMENT_VERSIONS;
}

static int mark(ls_table *t, const char *key)
{
    call c = { OP_MARK, key, NULL, 0, NULL };
    return call_retrying(t, &c);
}

int ls_reclaim_mark(ls_table *t, uint64_t vs, const uint64_t *versions, size_t n)
{
    char key[LS_KEY_BYTES_MAX + 1];
    int rc = ls_key_reclaim_run(key, t->name, vs);
    if (rc || (rc = mark(t, key)))
        return ls_preferr(rc, "table %s: gc run mark", t->name);
    uint64_t done = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        uint64_t s = segment_of(versions[i]);
        if (s == done)
            continue;
        if ((rc = ls_key_reclaim_seg(key, t->name, s)) || (rc = mark(t, key)))
            return ls_preferr(rc, "table %s: gc segment mark", t->name);
        done = s;
    }
    return LS_OK;
}

int ls_reclaim_prune(ls_table *t, uint64_t vs, uint64_t *deleted)
{
    char prefix[LS_KEY_BYTES_MAX + 1];
    int rc = ls_key_reclaim_prefix(prefix, t->name);
    if (rc)
        return rc;
    size_t plen = strlen(prefix);
    ls_keylist kl = { 0 };
    /* Run marks sort before segment marks ("seg-"): the first page holds
     * them unless thousands of GCs died before pruning. */
    call c = { OP_LIST, prefix, NULL, LS_LIST_KEYS_MAX, &kl };
    if ((rc = call_retrying(t, &c)))
        return rc;
    for (size_t i = 0; i < kl.n && rc == LS_OK; i++) {
        uint64_t v;
        if (ls_key_parse_reclaim_run(kl.keys[i] + plen, &v) && v < vs) {
            call d = { OP_DELETE, kl.keys[i], NULL, 0, NULL };
            rc = call_retrying(t, &d);
            if (rc == LS_OK)
                (*deleted)++;
        }
    }
    ls_keylist_free(&kl);
    return rc;
}

int ls_reclaim_check(ls_table *t, uint64_t lo, uint64_t hi, int *live)
{
    char key[LS_KEY_BYTES_MAX + 1];
    int rc, marked = 0;
    *live = 1;
    for (uint64_t s = segment_of(lo); s <= hi && !marked; s += LS_LOG_SEGMENT_VERSIONS) {
        if ((rc = ls_key_reclaim_seg(key, t->name, s)))
            return rc;
        call c = { OP_HEAD, key, NULL, 0, NULL };
        rc = call_retrying(t, &c);
        if (rc == LS_OK)
            marked = 1;
        else if (rc != LS_ERR_NOT_FOUND)
            return ls_preferr(rc, "table %s: checking %s", t->name, key);
    }
    if (!marked)
        return LS_OK;
    /* A GC freed slots in these segments: did one free a slot >= lo?  Any
     * such GC's run mark, or a later one, is above lo. */
    char prefix[LS_KEY_BYTES_MAX + 1], after[LS_KEY_BYTES_MAX + 1];
    if ((rc = ls_key_reclaim_prefix(prefix, t->name)) ||
        (rc = ls_key_reclaim_run(after, t->name, lo)))
        return rc;
    ls_keylist kl = { 0 };
    call c = { OP_LIST, prefix, after, 1, &kl };
    if ((rc = call_retrying(t, &c)))
        return ls_preferr(rc, "table %s: listing %s", t->name, prefix);
    uint64_t v;
    if (kl.n && ls_key_parse_reclaim_run(kl.keys[0] + strlen(prefix), &v) && v > lo)
        *live = 0;
    ls_keylist_free(&kl);
    return LS_OK;
}
