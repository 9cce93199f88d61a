/*
 * log_tail.c -- the tail of a commit record (docs/protocol.md "The tail",
 * docs/formats.md): copies of the records just below it, so that a
 * committer that fell n versions behind catches up with one LIST and one
 * GET instead of n GETs.
 *
 * With P producers committing in turn, each one's commit used to read the
 * P - 1 records the others wrote since its last: P x L GETs a second for
 * L commits a second, the whole bill of a 78-producer job.  Now the writer
 * of version v copies into its record the canonical encodings of the
 * records it holds below v, as many as the slowest producer it has seen
 * needs (the records between that producer's last two commits, and half
 * again); a reader lists the log after its version to find the head h
 * (one request on S3), GETs h and takes versions v+1..h-1 from h's tail,
 * hopping down to the record below the tail's oldest where the tail is too
 * short.
 *
 * The tail is a cache, like a snapshot: the records themselves stay the
 * truth.  Every record of format 1.1 names the crc32c of the canonical
 * encoding of its predecessor (prev_crc32c), so the copies in a tail are
 * checked link by link from the record that was fetched, down to the
 * record the reader already holds; a copy that does not link, does not
 * decode, or claims another version makes the jump give up, and the reader
 * reads the records one by one as before.  The jump is only tried where a
 * listing costs one request however long the log is (S3, mem); a posix
 * listing scans the directory, so posix handles read forward.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

/* ---- the ring of the newest records applied ----------------------------- */

struct ls_tail_ring {
    struct tail_ent {
        uint64_t     version;
        uint32_t     who;      /* crc32c of the producer id + 1; 0: no producer */
        ls_tail_item item;     /* the canonical encoding */
    } ent[LS_LOG_TAIL_RECORDS_MAX];
    size_t   first, n, bytes;
    ls_tail_item scratch[LS_LOG_TAIL_RECORDS_MAX];   /* ls_log_tail_for's answer */
};

static struct tail_ent *ring_at(ls_tail_ring *g, size_t i)
{
    return &g->ent[(g->first + i) % LS_LOG_TAIL_RECORDS_MAX];
}

static void ring_drop_oldest(ls_tail_ring *g)
{
    struct tail_ent *e = ring_at(g, 0);
    g->bytes -= e->item.len;
    free(e->item.bytes);
    e->item.bytes = NULL;
    g->first = (g->first + 1) % LS_LOG_TAIL_RECORDS_MAX;
    g->n--;
}

void ls_log_tail_reset(ls_table *t)
{
    if (t->tail)
        while (t->tail->n)
            ring_drop_oldest(t->tail);
    t->tail_last_version = 0;
    t->tail_last_known = 0;
}

void ls_log_tail_free(ls_table *t)
{
    ls_log_tail_reset(t);
    free(t->tail);
    t->tail = NULL;
}

static uint32_t who_of(const ls_record *r)
{
    return r->producer ? ls_crc32c(r->producer, strlen(r->producer)) | 1u : 0;
}

/* Keep r (just applied, r->version = state version) as the newest record:
 * bytes, when not NULL, are its canonical encoding (a tail's copy);
 * otherwise it is computed.  Best effort: on failure the ring starts over
 * and the next record links to nothing. */
static void tail_push(ls_table *t, const ls_record *r, const uint8_t *bytes, size_t len)
{
    if (!t->tail && !(t->tail = calloc(1, sizeof(*t->tail)))) {
        t->tail_last_known = 0;
        return;
    }
    ls_tail_ring *g = t->tail;
    if (!t->tail_last_known || t->tail_last_version + 1 != r->version)
        ls_log_tail_reset(t);
    ls_bytes enc = { 0 };
    uint8_t *copy = NULL;
    if (bytes) {
        if ((copy = malloc(len ? len : 1)))
            memcpy(copy, bytes, len);
    } else if (r->format_minor <= LS_RECORD_FORMAT_MINOR &&
               ls_record_encode_tail(r, NULL, 0, &enc) == LS_OK) {
        copy = enc.data;    /* moved */
        len = enc.len;
    }
    if (!copy) {
        /* A record of a later minor cannot be re-encoded here: its
         * successor's link stays unchecked, and the ring starts after it. */
        ls_bytes_free(&enc);
        ls_log_tail_reset(t);
        return;
    }
    t->tail_last_version = r->version;
    t->tail_last_crc = ls_crc32c(copy, len);
    t->tail_last_known = 1;
    if (len > LS_LOG_TAIL_BYTES_MAX) {     /* too large to copy into a tail */
        free(copy);
        while (g->n)
            ring_drop_oldest(g);
        return;
    }
    while (g->n && (g->n == LS_LOG_TAIL_RECORDS_MAX || g->bytes + len > LS_LOG_TAIL_BYTES_MAX))
        ring_drop_oldest(g);
    /* The ring holds consecutive versions, the newest last (ls_log_tail_for). */
    LS_ASSERT(g->n == 0 || ring_at(g, g->n - 1)->version + 1 == r->version);
    struct tail_ent *e = ring_at(g, g->n);
    e->version = r->version;
    e->who = who_of(r);
    e->item.bytes = copy;
    e->item.len = len;
    g->bytes += len;
    g->n++;
}

void ls_log_tail_push(ls_table *t, const ls_record *r)
{
    LS_ASSERT(r->version == t->state.version);   /* just applied */
    tail_push(t, r, NULL, 0);
}

/* How many records below its own a commit copies: the most records that
 * landed between two consecutive commits of one producer in the ring (a
 * producer catching up needs those), and half again for the variation;
 * 0 when every producer commits alone.  Records without a producer
 * (checkpoints, GC) commit seldom and hop instead. */
static size_t tail_need(ls_tail_ring *g)
{
    /* at most one producer per record kept */
    struct { uint32_t who; uint64_t last; } seen[LS_LOG_TAIL_RECORDS_MAX];
    size_t nseen = 0;
    uint64_t between = 0;
    for (size_t i = g->n; i-- > 0;) {
        struct tail_ent *e = ring_at(g, i);
        if (!e->who)
            continue;
        size_t k = 0;
        while (k < nseen && seen[k].who != e->who)
            k++;
        if (k == nseen) {
            seen[nseen].who = e->who;
            seen[nseen++].last = e->version;
            continue;
        }
        if (seen[k].last != UINT64_MAX) {
            uint64_t d = seen[k].last - e->version - 1;
            if (d > between)
                between = d;
            seen[k].last = UINT64_MAX;   /* its newest gap only */
        }
    }
    return between ? (size_t)(between + between / 2 + 2) : 0;
}

void ls_log_tail_for(ls_table *t, ls_record *r, const ls_tail_item **items, uint32_t *n)
{
    *items = NULL;
    *n = 0;
    r->has_prev_crc = 0;
    r->prev_crc32c = 0;
    if (!t->tail_last_known || t->tail_last_version + 1 != r->version)
        return;
    r->has_prev_crc = 1;
    r->prev_crc32c = t->tail_last_crc;
    /* Readers on a store without cheap listings never jump (posix): the
     * log does not carry tails nobody takes. */
    if (!(t->st->caps & LS_STORE_CAP_INDEXED_LIST))
        return;
    ls_tail_ring *g = t->tail;
    if (!g || !g->n || ring_at(g, g->n - 1)->version + 1 != r->version)
        return;
    size_t want = tail_need(g);
    if (want > g->n)
        want = g->n;
    for (size_t i = 0; i < want; i++) {
        /* The copies of versions r->version - want .. r->version - 1, in
         * order: a reader takes copy k as the version it stands for. */
        LS_ASSERT(ring_at(g, g->n - want + i)->version == r->version - want + i);
        g->scratch[i] = ring_at(g, g->n - want + i)->item;
    }
    *items = g->scratch;
    *n = (uint32_t)want;
}

/* ---- the jump ----------------------------------------------------------- */

/* Records v+1..h gathered for one jump, by version - v - 1. */
typedef struct jump {
    uint64_t  v, h;
    ls_record *rec;
    uint8_t  **bytes;      /* a tail's copy: the canonical encoding (owned) */
    size_t    *len;
    int       *have;
    size_t     held;       /* bytes held, against LS_LOG_JUMP_BYTES_MAX */
} jump;

static void jump_free(jump *j)
{
    uint64_t n = j->h - j->v;
    for (uint64_t i = 0; j->rec && i < n; i++) {
        if (j->have[i])
            ls_record_clear(&j->rec[i]);
        free(j->bytes[i]);
    }
    free(j->rec);
    free(j->bytes);
    free(j->len);
    free(j->have);
}

/* The head after version v by one listing: *h = v when nothing follows
 * (or v + 1 is not there: a hole or a freed slot, for the record-by-record
 * path to tell), *full when the listing was cut short. */
static int list_head(ls_table *t, uint64_t v, uint64_t *h, int *full)
{
    char prefix[LS_KEY_BYTES_MAX + 1], after[LS_KEY_BYTES_MAX + 1];
    int rc;
    if ((rc = ls_key_log_prefix(prefix, t->name)) || (rc = ls_key_log(after, t->name, v)))
        return rc;
    ls_keylist kl = { 0 };
    t->meta.requests++;
    if ((rc = ls_store_list(t->st, prefix, after, LS_LOG_JUMP_VERSIONS_MAX, &kl)))
        return rc;
    size_t plen = strlen(prefix);
    *h = v;
    *full = kl.n == LS_LOG_JUMP_VERSIONS_MAX;
    for (size_t i = 0; i < kl.n; i++) {
        uint64_t x;
        if (ls_key_parse_log(kl.keys[i] + plen, &x) != LS_OBJECT_LOG_RECORD)
            continue;           /* a snapshot */
        if (x != *h + 1)
            break;              /* a gap: the head for now */
        *h = x;
    }
    ls_keylist_free(&kl);
    return LS_OK;
}

/* GET record x into j (version x, decoded; its tail kept). */
static int jump_get(ls_table *t, jump *j, uint64_t x)
{
    size_t i = x - j->v - 1, len;
    LS_ASSERT(x > j->v && x <= j->h && !j->have[i]);
    int rc = ls_table_get_record(t, x, &j->rec[i], &len);
    if (rc)
        return rc;
    j->have[i] = 1;
    j->held += len;
    return LS_OK;
}

/* The crc32c of record x's canonical encoding, for its successor's link;
 * 0 with *known = 0 when it cannot be told (a later minor). */
static uint32_t jump_crc(jump *j, uint64_t x, int *known)
{
    size_t i = x - j->v - 1;
    *known = 0;
    if (j->bytes[i]) {
        *known = 1;
        return ls_crc32c(j->bytes[i], j->len[i]);
    }
    ls_bytes enc = { 0 };
    uint32_t c = 0;
    if (j->rec[i].format_minor <= LS_RECORD_FORMAT_MINOR &&
        ls_record_encode_tail(&j->rec[i], NULL, 0, &enc) == LS_OK) {
        c = ls_crc32c(enc.data, enc.len);
        *known = 1;
    }
    ls_bytes_free(&enc);
    return c;
}

/* Take the copies of record x's tail that link down from x (and lie above
 * v): *lowest = the lowest version record x and its tail now cover. */
static void jump_take_tail(ls_table *t, jump *j, uint64_t x, uint64_t *lowest)
{
    ls_record *top = &j->rec[x - j->v - 1];
    *lowest = x;
    uint32_t n = top->ntail;
    if (n > x - 1)
        n = (uint32_t)(x - 1);      /* a tail claiming versions below 1 */
    const ls_record *above = top;
    for (uint32_t k = n; k-- > 0;) {
        uint64_t y = x - (n - k);
        if (y <= j->v || !above->has_prev_crc)
            break;
        ls_tail_item *it = &top->tail[k];
        if (ls_crc32c(it->bytes, it->len) != above->prev_crc32c)
            goto reject;
        char key[LS_KEY_BYTES_MAX + 1];
        if (ls_key_log(key, t->name, y))
            break;
        size_t i = y - j->v - 1;
        ls_record c;
        if (ls_record_decode(it->bytes, it->len, key, y, &c) != LS_OK)
            goto reject;
        LS_ASSERT(c.version == y && !j->have[i]);
        if (c.ntail) {          /* copies carry no tail of their own */
            ls_record_clear(&c);
            goto reject;
        }
        j->rec[i] = c;
        j->have[i] = 1;
        j->bytes[i] = it->bytes;    /* moved */
        j->len[i] = it->len;
        it->bytes = NULL;
        it->len = 0;
        *lowest = y;
        above = &j->rec[i];
    }
    goto done;
reject:
    t->tail_rejects++;
done:
    ls_record_drop_tail(top);   /* what was taken was moved out */
}

/* Does record v+1 link to the record this handle holds at v? */
static int jump_anchored(ls_table *t, jump *j)
{
    const ls_record *first = &j->rec[0];
    if (!first->has_prev_crc || !t->tail_last_known || t->tail_last_version != j->v)
        return 1;       /* nothing to compare: the state at v is the log's */
    if (first->prev_crc32c == t->tail_last_crc)
        return 1;
    t->tail_rejects++;
    return 0;
}

/* Apply the gathered records in order, as ls_table_step_log does. */
static int jump_apply(ls_table *t, jump *j, const uint8_t *commit_id, int *seen)
{
    for (uint64_t x = j->v + 1; x <= j->h; x++) {
        size_t i = x - j->v - 1;
        ls_record *r = &j->rec[i];
        /* Every version v+1..h gathered, each decoded as the version of its
         * slot (jump_get, jump_take_tail): replay stays contiguous. */
        LS_ASSERT(j->have[i] && r->version == x && t->state.version + 1 == x);
        int rc = ls_state_apply(&t->state, r);
        if (rc) {
            char key[LS_KEY_BYTES_MAX + 1];
            (void)ls_key_log(key, t->name, x);
            return ls_preferr(rc, "%s", key);
        }
        t->head_ts_ms = r->timestamp_ms;
        LS_ASSERT(t->state.version == x);
        tail_push(t, r, j->bytes[i], j->len[i]);
        if (commit_id && !memcmp(r->commit_id, commit_id, sizeof(r->commit_id)))
            *seen = 1;
        j->have[i] = 0;
        if (r->nchunks > 0) {
            ls_table_cache_put(t, r);   /* tails were emptied when taken */
        } else {
            ls_record_clear(r);
        }
        t->tail_records++;
    }
    return LS_OK;
}

int ls_log_jump(ls_table *t, const uint8_t *commit_id, int *seen, int *at_head)
{
    *at_head = 0;
    for (int rounds = 0; rounds < 8; rounds++) {
        uint64_t v = t->state.version, h;
        int full, rc;
        if ((rc = list_head(t, v, &h, &full)))
            return ls_err_is_retriable(rc) ? LS_OK : rc;  /* the slow path meets it again */
        t->jumps++;
        if (h == v) {
            *at_head = !full;
            return LS_OK;
        }
        jump j = { .v = v, .h = h };
        uint64_t n = h - v;
        if (!(j.rec = calloc(n, sizeof(*j.rec))) || !(j.bytes = calloc(n, sizeof(*j.bytes))) ||
            !(j.len = calloc(n, sizeof(*j.len))) || !(j.have = calloc(n, sizeof(*j.have)))) {
            jump_free(&j);
            return LS_OK;       /* memory: the slow path reads one at a time */
        }
        /* From the head down: each record fetched brings its tail; where
         * the tail stops short of v + 1, fetch the record below it. */
        uint64_t x = h, lowest;
        int ok = 1;
        rc = jump_get(t, &j, x);
        for (;;) {
            if (rc || j.held > LS_LOG_JUMP_BYTES_MAX) {
                ok = 0;
                break;
            }
            jump_take_tail(t, &j, x, &lowest);
            if (lowest == v + 1)
                break;
            /* The record below the tail must link to the tail's oldest. */
            x = lowest - 1;
            if ((rc = jump_get(t, &j, x)))
                continue;
            int known;
            uint32_t c = jump_crc(&j, x, &known);
            const ls_record *up = &j.rec[lowest - v - 1];
            if (known && up->has_prev_crc && c != up->prev_crc32c) {
                t->tail_rejects++;
                ok = 0;
                break;
            }
        }
        if (!ok || !jump_anchored(t, &j)) {
            jump_free(&j);
            if (rc && !ls_err_is_retriable(rc) && rc != LS_ERR_NOT_FOUND)
                return rc;      /* a corrupt record: the slow path names it too */
            return LS_OK;
        }
        rc = jump_apply(t, &j, commit_id, seen);
        jump_free(&j);
        if (rc)
            return rc;
        if (!full) {
            *at_head = 1;
            return LS_OK;
        }
    }
    return LS_OK;
}
