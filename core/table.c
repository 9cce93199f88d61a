/*
 * table.c -- a table's state: creating a table, loading its state from the
 * newest snapshot plus the log records after it, refreshing it (and telling
 * the head from a freed slot or a hole), and a small cache of parsed commit
 * records for readers.  The pure state update is in state.c, the commit
 * protocol in commit.c, the key layout in keys.c.
 *
 * The log is the truth (docs/protocol.md).  Snapshots and the
 * _last_snapshot hint are caches: with table.use.snapshots=false the state
 * is rebuilt from version 1 and must be identical.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

/* ---- store access with retries ------------------------------------------ */

/* GET of at most max bytes, with retries of retriable errors
 * (store.retries, backoff); counts the bytes and requests into t->meta.
 * One ranged read of max + 1 bytes: an object larger than its limit costs
 * max + 1 bytes of memory before it is refused, never its own size. */
int ls_table_meta_get(ls_table *t, const char *key, size_t max, const char *what,
                    uint8_t **out, size_t *len)
{
    unsigned retries = (unsigned)ls_conf_int(t->conf, "store.retries");
    unsigned backoff_ms = 1;
    for (unsigned attempt = 0;; attempt++) {
        t->meta.requests++;
        int rc = ls_store_get(t->st, key, 0, (uint64_t)max + 1, out, len);
        if (rc == LS_OK) {
            t->meta.bytes += *len;
            if (*len > max) {
                free(*out);
                *out = NULL;
                return ls_seterr(LS_ERR_CORRUPT, "%s: larger than the %s limit of %zu bytes",
                                 key, what, max);
            }
        }
        if (!ls_err_is_retriable(rc) || attempt >= retries)
            return rc;
        ls_backoff(&backoff_ms, LS_RETRY_BACKOFF_MS_MAX);
    }
}

int ls_table_meta_get_range(ls_table *t, const char *key, uint64_t off, uint64_t len,
                            uint8_t **out, size_t *got)
{
    unsigned retries = (unsigned)ls_conf_int(t->conf, "store.retries");
    unsigned backoff_ms = 1;
    for (unsigned attempt = 0;; attempt++) {
        t->meta.requests++;
        int rc = ls_store_get(t->st, key, off, len, out, got);
        if (rc == LS_OK)
            t->meta.bytes += *got;
        if (!ls_err_is_retriable(rc) || attempt >= retries)
            return rc;
        ls_backoff(&backoff_ms, LS_RETRY_BACKOFF_MS_MAX);
    }
}

/* ---- record cache ------------------------------------------------------- */

void ls_table_cache_put(ls_table *t, ls_record *r)
{
    if (!t->cache) {
        t->cache = calloc(LS_RECORD_CACHE_MAX, sizeof(ls_record));
        if (!t->cache) {
            ls_record_clear(r);
            return;  /* the cache is an optimisation */
        }
    }
    ls_record *slot = &t->cache[t->cache_next];
    ls_record_clear(slot);
    *slot = *r;
    memset(r, 0, sizeof(*r));
    t->cache_next = (t->cache_next + 1) % LS_RECORD_CACHE_MAX;
    if (t->ncache < LS_RECORD_CACHE_MAX)
        t->ncache++;
}

static const uint8_t zero_id[16];

int ls_table_chunk_offsets(ls_table *t, const ls_record *r, uint32_t j, const uint64_t **out)
{
    const ls_chunk_ref *ch = &r->chunks[j];
    if (t->offc_ok && t->offc_version == r->version && t->offc_chunk == j &&
        t->offc_count == ch->count && !memcmp(t->offc_id, r->commit_id, 16)) {
        *out = t->offc;
        return LS_OK;
    }
    t->offc_ok = 0;
    if (t->offc_cap < (size_t)ch->count + 1) {
        uint64_t *o = realloc(t->offc, ((size_t)ch->count + 1) * sizeof(uint64_t));
        if (!o)
            return ls_seterr(LS_ERR_NOMEM, "offsets");
        t->offc = o;
        t->offc_cap = (size_t)ch->count + 1;
    }
    int rc = ls_chunk_index_offsets(ch->index, ch->count, t->offc);
    if (rc)
        return ls_preferr(rc, "%s", ch->key);
    t->offc_version = r->version;
    t->offc_chunk = j;
    t->offc_count = ch->count;
    memcpy(t->offc_id, r->commit_id, 16);
    t->offc_ok = 1;
    *out = t->offc;
    return LS_OK;
}

/* The record r of version v is not the one the state names (commit_id):
 * its slot was freed by a GC our state has not seen and filled since. */
static int other_record(const char *key, uint64_t v)
{
    return ls_seterr(LS_ERR_NOT_FOUND, "%s: the commit record of version %" PRIu64 " was "
                     "reclaimed (its slot holds another record now)", key, v);
}

int ls_table_get_record(ls_table *t, uint64_t version, ls_record *out, size_t *bytes)
{
    char key[LS_KEY_BYTES_MAX + 1];
    int rc = ls_key_log(key, t->name, version);
    if (rc)
        return rc;
    uint8_t *buf;
    size_t len;
    rc = ls_table_meta_get(t, key, LS_RECORD_BYTES_MAX, "commit record", &buf, &len);
    if (rc)
        return rc;
    rc = ls_record_decode(buf, len, key, version, out);
    free(buf);
    LS_ASSERT(rc || out->version == version);   /* the version its key names */
    if (!rc && bytes)
        *bytes = len;
    return rc;
}

int ls_table_record(ls_table *t, uint64_t version, const uint8_t *commit_id,
                    const ls_record **out)
{
    char key[LS_KEY_BYTES_MAX + 1];
    int rc = ls_key_log(key, t->name, version);
    if (rc)
        return rc;
    if (commit_id && !memcmp(commit_id, zero_id, sizeof(zero_id)))
        commit_id = NULL;   /* unknown (a format 1.0 snapshot): unchecked */
    /* Newest first: readers ask for the records they just read. */
    for (size_t n = 0; n < t->ncache; n++) {
        size_t i = (t->cache_next + LS_RECORD_CACHE_MAX - 1 - n) % LS_RECORD_CACHE_MAX;
        if (t->cache[i].version == version) {
            if (commit_id && memcmp(t->cache[i].commit_id, commit_id, 16))
                return other_record(key, version);
            *out = &t->cache[i];
            return LS_OK;
        }
    }
    ls_record r;
    rc = ls_table_get_record(t, version, &r, NULL);
    if (rc == LS_ERR_NOT_FOUND)
        return ls_seterr(LS_ERR_NOT_FOUND, "%s: commit record of version %" PRIu64
                         " is missing", key, version);
    if (rc)
        return rc;
    if (commit_id && memcmp(r.commit_id, commit_id, 16)) {
        ls_record_clear(&r);
        return other_record(key, version);
    }
    ls_record_drop_tail(&r);
    size_t slot = t->cache_next;
    ls_table_cache_put(t, &r);
    if (!t->cache || t->cache[slot].version != version)
        return ls_seterr(LS_ERR_NOMEM, "record cache");
    *out = &t->cache[slot];
    return LS_OK;
}

/* ---- loading ------------------------------------------------------------ */

int ls_table_step_log(ls_table *t, int *applied, ls_record *out)
{
    char key[LS_KEY_BYTES_MAX + 1];
    uint64_t v = t->state.version + 1;
    *applied = 0;
    int rc = ls_key_log(key, t->name, v);
    if (rc)
        return rc;
    uint8_t *buf;
    size_t len;
    rc = ls_table_meta_get(t, key, LS_RECORD_BYTES_MAX, "commit record", &buf, &len);
    if (rc == LS_ERR_NOT_FOUND)
        return LS_OK;
    if (rc)
        return ls_preferr(rc, "table %s: reading version %" PRIu64, t->name, v);
    ls_record r;
    rc = ls_record_decode(buf, len, key, v, &r);
    free(buf);
    if (rc)
        return rc;
    rc = ls_state_apply(&t->state, &r);
    if (rc) {
        ls_record_clear(&r);
        return ls_preferr(rc, "%s", key);
    }
    LS_ASSERT(t->state.version == v && r.version == v);
    *applied = 1;
    t->head_ts_ms = r.timestamp_ms;
    ls_log_tail_push(t, &r);
    ls_record_drop_tail(&r);
    if (out)
        *out = r;
    else if (r.nchunks > 0)
        ls_table_cache_put(t, &r);
    else
        ls_record_clear(&r);
    return LS_OK;
}

/* Parse the hint: a decimal version.  A bad hint is ignored (it is a cache). */
static uint64_t parse_hint(const uint8_t *buf, size_t len)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; i < len && i < 19 && buf[i] >= '0' && buf[i] <= '9'; i++)
        v = v * 10 + (uint64_t)(buf[i] - '0');
    if (i == 0 || (i < len && buf[i] != '\n'))
        return 0;
    return v;
}

/* The hint's version, 0 if absent or unreadable. */
static int read_hint(ls_table *t, uint64_t *v)
{
    char key[LS_KEY_BYTES_MAX + 1];
    uint8_t *buf;
    size_t len;
    *v = 0;
    int rc = ls_key_hint(key, t->name);
    if (!rc)
        rc = ls_table_meta_get(t, key, LS_HINT_BYTES_MAX, "hint", &buf, &len);
    if (rc == LS_ERR_NOT_FOUND || rc == LS_ERR_CORRUPT)
        return LS_OK;   /* absent or oversized: a cache, ignored */
    if (rc)
        return rc;
    *v = parse_hint(buf, len);
    free(buf);
    return LS_OK;
}

static int load_snapshot(ls_table *t, uint64_t v)
{
    char key[LS_KEY_BYTES_MAX + 1];
    int rc = ls_key_snapshot(key, t->name, v);
    if (rc)
        return rc;
    uint8_t *buf;
    size_t len;
    rc = ls_table_meta_get(t, key, LS_SNAPSHOT_BYTES_MAX, "snapshot", &buf, &len);
    if (rc)
        return rc;
    ls_state s;
    rc = ls_snapshot_decode(buf, len, key, v, &s);
    free(buf);
    if (rc)
        return rc;
    LS_ASSERT(s.version == v);   /* ls_snapshot_decode checked it */
    ls_state_clear(&t->state);
    t->state = s;
    t->state.global_batch = t->desc.global_batch;
    t->snapshot_version = v;
    t->head_ts_ms = 0;  /* unknown: the next refresh checks the hint */
    ls_log_tail_reset(t);
    return LS_OK;
}

/* The newest (or oldest) snapshot a listing of _log/ finds, 0 if none.
 * Used only when the hint and the log's start do not lead anywhere (the
 * log's start was reclaimed, or a snapshot vanished under us). */
static int list_snapshot(ls_table *t, int newest, uint64_t *out, int *log_exists)
{
    char prefix[LS_KEY_BYTES_MAX + 1], after[LS_KEY_BYTES_MAX + 1] = "";
    int rc = ls_key_log_prefix(prefix, t->name);
    if (rc)
        return rc;
    size_t plen = strlen(prefix);
    *out = 0;
    *log_exists = 0;
    for (;;) {
        ls_keylist kl = { 0 };
        t->meta.requests++;
        rc = ls_store_list(t->st, prefix, after[0] ? after : NULL, LS_LIST_KEYS_MAX, &kl);
        if (rc)
            return rc;
        for (size_t i = 0; i < kl.n; i++) {
            uint64_t v;
            int kind = ls_key_parse_log(kl.keys[i] + plen, &v);
            if (!kind)
                continue;           /* the hint, or a foreign object */
            *log_exists = 1;
            if (kind != LS_OBJECT_SNAPSHOT)
                continue;
            if (!*out || (newest ? v > *out : v < *out))
                *out = v;
        }
        size_t n = kl.n;
        if (n)
            snprintf(after, sizeof(after), "%s", kl.keys[n - 1]);
        ls_keylist_free(&kl);
        if (n < LS_LIST_KEYS_MAX)
            return LS_OK;
    }
}

static void cache_clear(ls_table *t)
{
    for (size_t i = 0; i < t->ncache; i++)
        ls_record_clear(&t->cache[i]);
    t->ncache = t->cache_next = 0;
}

static void state_reset(ls_table *t)
{
    ls_state_clear(&t->state);
    t->state.global_batch = t->desc.global_batch;
    t->snapshot_version = 0;
    t->head_ts_ms = 0;
    ls_log_tail_reset(t);
}

static int head_is_old(const ls_table *t)
{
    return !t->head_ts_ms || ls_wall_ms() - t->head_ts_ms >= t->log_retention_ms / 2;
}

/* Start over from the newest snapshot a listing finds (version 0 if none
 * is retained): the records read may lie in slots GC freed, and the hint
 * may be stale.  Cached records go too.  (Newest even without
 * table.use.snapshots: an older one leads back into the freed slots.) */
int ls_table_reload_listed(ls_table *t)
{
    int rc = LS_OK, log_exists;
    for (int attempt = 0; attempt < 3; attempt++) {
        uint64_t v;
        if ((rc = list_snapshot(t, 1, &v, &log_exists)))
            return rc;
        state_reset(t);
        cache_clear(t);
        if (!v || (rc = load_snapshot(t, v)) != LS_ERR_NOT_FOUND)
            return rc;
        /* reclaimed between the listing and the read: list again */
    }
    return rc;
}

/* The record after the head is missing: the head, or a slot GC freed
 * (someone stalled long, or our state is old), or a hole in the log.
 * Decides which; *again = 1 if the state moved and reading must go on. */
static int probe_missing(ls_table *t, int *again)
{
    uint64_t x = t->state.version + 1, h, size;
    char key[LS_KEY_BYTES_MAX + 1];
    *again = 0;
    /* The hint first: moved before any deletion, one GET when it is new. */
    int rc = read_hint(t, &h);
    if (rc)
        return rc;
    if (h > t->state.version) {
        if ((rc = load_snapshot(t, h)) && rc != LS_ERR_NOT_FOUND)
            return rc;
        *again = rc == LS_OK;
        if (*again)
            return LS_OK;
    }
    if (t->state.version == 0)
        return LS_OK;   /* an empty log, or its start reclaimed: load_state lists */
    int live;
    if ((rc = ls_reclaim_check(t, x, x, &live)))
        return rc;
    if (!live) {
        /* A GC freed slots at or after x: its snapshot is above x. */
        if ((rc = ls_table_reload_listed(t)))
            return rc;
        *again = 1;
        return LS_OK;
    }
    /* Not freed: if x + 1 exists, x must too (x + 1's writer read x). */
    if ((rc = ls_key_log(key, t->name, x + 1)))
        return rc;
    t->meta.requests++;
    rc = ls_store_head(t->st, key, &size);
    if (rc == LS_ERR_NOT_FOUND)
        return LS_OK;
    if (rc)
        return ls_preferr(rc, "table %s: looking for version %" PRIu64, t->name, x + 1);
    int applied;
    if ((rc = ls_table_step_log(t, &applied, NULL)))
        return rc;
    if (applied) {      /* x landed after we first looked */
        *again = 1;
        return LS_OK;
    }
    ls_key_log(key, t->name, x);
    return ls_seterr(LS_ERR_CORRUPT, "table %s: %s (the commit record of version %" PRIu64
                     ") is missing while version %" PRIu64 " exists: a hole in the log",
                     t->name, key, x, x + 1);
}

#define RELOADS_MAX 4   /* reloads of one refresh before giving up (retriable) */

/* Read the records after the state's version until one is missing, then
 * check them against GC's marks (reclaim.c): records that may lie in freed
 * slots are dropped, and the state starts over from the newest snapshot.
 * A missing record is the head; when the head we found is old
 * (table.log.retention.ms / 2), or when thorough, probe_missing decides
 * whether it is.  If commit_id, *seen is set once a checked record with
 * that id was applied. */
static int load_state(ls_table *t);

/* A handle opened without its state (ls_table_open_lazy) loads it at its
 * first refresh. */
static int load_if_lazy(ls_table *t, int *loaded)
{
    *loaded = 0;
    if (!t->lazy)
        return LS_OK;
    t->lazy = 0;
    *loaded = 1;
    int rc = load_state(t);
    if (rc)
        t->lazy = 1;
    return rc;
}

int ls_table_refresh_watch(ls_table *t, const uint8_t *commit_id, int *seen, int thorough)
{
    int loaded, lrc = load_if_lazy(t, &loaded);
    if (loaded || lrc)
        return lrc;
    int reloads = 0, seen_here = 0, rc;
    if (t->reload_needed) {
        if ((rc = ls_table_reload_listed(t)))
            return rc;
        t->reload_needed = 0;
    }
    for (int jumps = 0;;) {
        uint64_t lo = t->state.version + 1;
        int applied = 0, read_rc = 0, batch_seen = 0, at_head = 0;
        /* Where others commit (or the last refresh found several records),
         * list the log for its head and take the records from its tail
         * (log_tail.c); the record-by-record loop reads what that left. */
        if ((t->st->caps & LS_STORE_CAP_INDEXED_LIST) && !t->jump_off &&
            (t->contended || thorough || t->last_gap >= 2))
            read_rc = ls_log_jump(t, commit_id, &batch_seen, &at_head);
        if (!read_rc && !(at_head && !thorough)) do {
            ls_record r;
            if ((read_rc = ls_table_step_log(t, &applied, commit_id ? &r : NULL)))
                break;
            if (applied && commit_id) {
                if (!memcmp(r.commit_id, commit_id, sizeof(r.commit_id)))
                    batch_seen = 1;
                if (r.nchunks > 0)
                    ls_table_cache_put(t, &r);
                else
                    ls_record_clear(&r);
            }
        } while (applied);
        t->last_gap = t->state.version + 1 - lo;
        /* What was applied is checked even when a read failed: the state
         * never keeps records that may lie in freed slots. */
        char read_msg[512] = "";
        if (read_rc)
            snprintf(read_msg, sizeof(read_msg), "%s", ls_errmsg());
        if (t->state.version >= lo) {
            int live;
            if ((rc = ls_reclaim_check(t, lo, t->state.version, &live))) {
                state_reset(t);
                cache_clear(t);
                t->reload_needed = 1;
                return rc;
            }
            if (!live) {
                if (++reloads > RELOADS_MAX)
                    return ls_seterr(LS_ERR_TIMEOUT, "table %s: log slots freed under the "
                                     "reader %d times in a row", t->name, RELOADS_MAX);
                if ((rc = ls_table_reload_listed(t)))
                    return rc;
                seen_here = 0;
                continue;
            }
            seen_here |= batch_seen;
        }
        if (read_rc) {
            if (seen && seen_here)
                *seen = 1;
            return ls_seterr(read_rc, "%s", read_msg);
        }
        t->head_ok_ms = ls_wall_ms();
        if ((!thorough && !head_is_old(t)) || jumps >= 3)
            break;
        int again;
        if ((rc = probe_missing(t, &again)))
            return rc;
        if (!again)
            break;
        jumps++;
    }
    if (seen && seen_here)
        *seen = 1;
    return LS_OK;
}

int ls_table_refresh(ls_table *t)
{
    return ls_table_refresh_watch(t, NULL, NULL, 0);
}

int ls_table_refresh_thorough(ls_table *t)
{
    return ls_table_refresh_watch(t, NULL, NULL, 1);
}

int ls_table_step_indexed(const ls_table *t)
{
    return t->desc.table_format >= 2 && t->desc.global_batch >= LS_STEP_INDEX_MIN_BATCH;
}

int ls_table_catch_up(ls_table *t)
{
    int loaded, lrc = load_if_lazy(t, &loaded);
    if (loaded || lrc)
        return lrc;
    /* A handle left idle while others committed would read every record
     * since; the newest snapshot, when it is at least one interval ahead,
     * costs one GET instead of up to K.  Its state is the log's up to its
     * version, so nothing is skipped. */
    if (t->use_snapshots) {
        uint64_t h;
        int rc = read_hint(t, &h);
        if (rc)
            return rc;
        if (h >= t->state.version + t->snapshot_interval &&
            (rc = load_snapshot(t, h)) && rc != LS_ERR_NOT_FOUND)
            return rc;  /* NOT_FOUND: reclaimed since; the log has the rest */
    }
    return ls_table_refresh_watch(t, NULL, NULL, 0);
}

/* Load the state: from the newest snapshot (the hint, probed forward in
 * steps of K with HEAD, since the hint may be stale) when snapshots are
 * used, else from version 1; where the log's start was reclaimed, from the
 * newest (or, without snapshots, the oldest) snapshot a listing finds. */
static int load_state(ls_table *t)
{
    uint64_t v = 0;
    int rc, log_exists;
    if (t->use_snapshots) {
        if ((rc = read_hint(t, &v)))
            return rc;
        char key[LS_KEY_BYTES_MAX + 1];
        for (;;) {
            uint64_t next = (v / t->snapshot_interval + 1) * t->snapshot_interval, size;
            if ((rc = ls_key_snapshot(key, t->name, next)))
                return rc;
            t->meta.requests++;
            if (ls_store_head(t->st, key, &size) != LS_OK)
                break;
            v = next;
        }
    }
    for (int attempt = 0;; attempt++) {
        state_reset(t);
        if (v) {
            rc = load_snapshot(t, v);
            if (rc == LS_ERR_NOT_FOUND && attempt < 3) {
                /* reclaimed under us: look again */
                if ((rc = list_snapshot(t, t->use_snapshots, &v, &log_exists)))
                    return rc;
                continue;
            }
            if (rc)
                return rc;
        }
        if ((rc = ls_table_refresh_watch(t, NULL, NULL, 1)))
            return rc;
        if (t->state.version > 0)
            return LS_OK;
        /* Version 0: an empty log, or one whose start was reclaimed. */
        if ((rc = list_snapshot(t, t->use_snapshots, &v, &log_exists)))
            return rc;
        if (!log_exists)
            return LS_OK;
        /* Records but no snapshot: the first record may have landed after
         * we looked for it; look again.  Only a log that keeps lacking its
         * start (and any snapshot) is corrupt. */
        if (attempt >= 3)
            return ls_seterr(LS_ERR_CORRUPT, "table %s: the log does not start at version 1 "
                             "and no snapshot is retained", t->name);
    }
}

int ls_table_create(ls_store *st, const char *name, uint32_t global_batch, ls_codec codec)
{
    return ls_table_create_conf(st, name, global_batch, codec, NULL);
}

int ls_table_create_conf(ls_store *st, const char *name, uint32_t global_batch,
                         ls_codec codec, const ls_conf *conf)
{
    if (!st || !ls_name_is_valid(name))
        return ls_seterr(LS_ERR_INVALID, "invalid table name \"%s\": use 1-%u of "
                         "[A-Za-z0-9._-], no \"..\"", ls_q(name),
                         LS_TABLE_NAME_BYTES_MAX);
    if (global_batch == 0 || global_batch > LS_GLOBAL_BATCH_MAX)
        return ls_seterr(LS_ERR_INVALID, "global batch %" PRIu32 " is outside [1, %u]",
                         global_batch, LS_GLOBAL_BATCH_MAX);
    if (codec != LS_CODEC_NONE && codec != LS_CODEC_ZSTD)
        return ls_seterr(LS_ERR_INVALID, "unknown codec %d", (int)codec);
    ls_desc d = { global_batch, codec, ls_wall_ms(),
                  ls_conf_int(conf, "table.log.retention.ms"),
                  (int)ls_conf_int(conf, "table.format"), 0 };
    ls_bytes b = { 0 };
    char key[LS_KEY_BYTES_MAX + 1];
    int rc = ls_random_bytes(&d.uid, sizeof(d.uid));
    if (!rc)
        rc = ls_key_desc(key, name);
    if (!rc)
        rc = ls_desc_encode(&d, &b);
    if (!rc)
        rc = ls_store_put_if_absent(st, key, b.data, b.len);
    ls_bytes_free(&b);
    if (rc == LS_ERR_EXISTS)
        return ls_seterr(rc, "table \"%s\" already exists", name);
    return rc;
}

static int table_open(ls_store *st, const char *name, const ls_conf *conf, int lazy,
                      ls_table **out);

int ls_table_open(ls_store *st, const char *name, const ls_conf *conf, ls_table **out)
{
    return table_open(st, name, conf, 0, out);
}

int ls_table_open_lazy(ls_store *st, const char *name, const ls_conf *conf, ls_table **out)
{
    return table_open(st, name, conf, 1, out);
}

static int table_open(ls_store *st, const char *name, const ls_conf *conf, int lazy,
                      ls_table **out)
{
    *out = NULL;
    if (!st || !ls_name_is_valid(name))
        return ls_seterr(LS_ERR_INVALID, "invalid table name \"%s\"", ls_q(name));
    ls_table *t = calloc(1, sizeof(*t));
    if (!t || !(t->name = strdup(name)) || !(t->conf = ls_conf_dup(conf))) {
        ls_table_close(t);
        return ls_seterr(LS_ERR_NOMEM, "table handle");
    }
    t->st = st;
    t->snapshot_interval = (uint64_t)ls_conf_int(t->conf, "table.snapshot.interval");
    t->use_snapshots = ls_conf_bool(t->conf, "table.use.snapshots");

    char key[LS_KEY_BYTES_MAX + 1];
    uint8_t *buf;
    size_t len;
    int rc = ls_key_desc(key, name);
    if (!rc)
        rc = ls_table_meta_get(t, key, LS_DESCRIPTOR_BYTES_MAX, "descriptor", &buf, &len);
    if (rc == LS_ERR_NOT_FOUND)
        rc = ls_seterr(LS_ERR_NOT_FOUND, "table \"%s\" does not exist", name);
    if (!rc) {
        rc = ls_desc_decode(buf, len, key, &t->desc);
        free(buf);
    }
    /* Retention is the table's: a process with its own would free log
     * records others still rely on to stay on the fast path. */
    t->log_retention_ms = t->desc.log_retention_ms;
    if (!rc && ls_conf_is_set(t->conf, "table.log.retention.ms") &&
        ls_conf_int(t->conf, "table.log.retention.ms") != t->log_retention_ms)
        rc = ls_seterr(LS_ERR_INVALID, "table.log.retention.ms is a property of table %s "
                       "(%" PRId64 " ms, set when it was created), not of a process",
                       name, t->log_retention_ms);
    if (!rc && lazy) {
        state_reset(t);
        t->lazy = 1;
    } else if (!rc) {
        rc = load_state(t);
    }
    if (rc) {
        ls_table_close(t);
        return rc;
    }
    *out = t;
    return LS_OK;
}

void ls_table_close(ls_table *t)
{
    if (!t)
        return;
    ls_index_pub_stop(t);         /* its queued puts first */
    if (t->cache)
        for (size_t i = 0; i < LS_RECORD_CACHE_MAX; i++)
            ls_record_clear(&t->cache[i]);
    free(t->cache);
    free(t->offc);
    ls_log_tail_free(t);
    ls_state_clear(&t->state);
    ls_conf_destroy(t->conf);
    free(t->name);
    free(t);
}

int ls_table_info_get(ls_table *t, ls_table_info *out)
{
    memset(out, 0, sizeof(*out));
    out->version = t->state.version;
    out->total_samples = t->state.total_samples;
    out->global_batch = t->desc.global_batch;
    out->visible_steps = t->state.total_samples / t->desc.global_batch;
    out->codec = (ls_codec)t->desc.codec;
    out->snapshot_version = t->snapshot_version;
    out->table_format = t->desc.table_format;
    out->low_watermark_step = t->state.low_watermark_step;
    out->producers = t->state.nproducers;
    out->commits = t->state.ncommits;
    return LS_OK;
}

int ls_table_producer_get(ls_table *t, size_t i, ls_producer_info *out)
{
    if (i >= t->state.nproducers)
        return LS_ERR_NOT_FOUND;
    const ls_pstate *p = &t->state.producers[i];
    out->id = p->id;
    out->epoch = p->epoch;
    out->last_seq = p->last_seq;
    out->last_version = p->last_version;
    out->source_position_len = p->source_position_len;
    return LS_OK;
}
