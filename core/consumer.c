/*
 * consumer.c -- reading steps: wait until step s is visible, map the rank's
 * slice [s*B + r*B/W, s*B + (r+1)*B/W) to chunk byte ranges through the
 * commit records, fetch each chunk's part of the slice with one ranged GET
 * (the slice is contiguous, so a chunk contributes one range), verify
 * every sample's CRC32C, decompress, and hand back the micro-batch.
 *
 * With consumer.prefetch.steps = d > 0 a background thread owns the table
 * handle and reads the window [base, base + d]; the caller's thread only
 * takes finished steps out of the window (guarded by mu).  With d = 0 the
 * caller's thread reads inline.
 *
 * A rank whose slice is small (fewer than LS_READ_RUN_SAMPLES samples)
 * and that reads through the log reads runs: up to LS_READ_RUN_SAMPLES of
 * its samples of consecutive visible steps in one pass, one ranged GET per
 * chunk for the whole run where its slices lie back to back (W = 1), the
 * steps' batches sharing the fetched buffers.  Its prefetch window then
 * reaches two runs ahead (within LS_PREFETCH_RUN_BYTES beyond d steps), and
 * the reader thread starts a run once a run's worth of the window is free
 * (docs/protocol.md "Small steps").
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "ls_int.h"

#define ERRMSG_COPY_BYTES 1024

enum { INDEX_USE = 0, INDEX_VERIFY = 1, INDEX_OFF = 2 };  /* consumer.step.index */

typedef struct slot {
    uint64_t  step;
    int       filled;
    int       rc;
    char     *errmsg;             /* rc != 0: its detail (heap, may be NULL) */
    uint64_t  bytes;              /* decoded bytes of batch */
    ls_batch *batch;
} slot;

/* The buffers fetched for one pass, shared by the batches of its steps. */
typedef struct shbuf {
    _Atomic size_t refs;
    size_t   n;
    uint8_t *bufs[];
} shbuf;

/* A byte range fetched from one chunk for the step being read. */
typedef struct fpart {
    char    *key;
    uint64_t off, len;            /* the range within the chunk */
    uint8_t *buf;                 /* NULL until fetched */
    size_t   got;                 /* bytes in buf: len once fetch_parts succeeded */
} fpart;

/* A batch and the memory it owns, in one allocation with the pointers. */
typedef struct batch_impl {
    ls_batch pub;                 /* first: ls_batch * converts back */
    uint8_t *data;                /* decoded zstd samples, back to back */
    shbuf   *sb;                  /* fetched ranges: raw samples point into them */
    size_t  *lens;
    const uint8_t *ptrs[];
} batch_impl;

struct ls_consumer {
    ls_table *t;                  /* owned by the reader thread when prefetching */
    uint32_t  rank, world;
    uint64_t  slice;              /* B / W */
    unsigned  depth, poll_max_ms, retries;
    unsigned  win;                /* the window: [base, base + win], win >= depth */
    uint32_t  run_max;            /* steps one pass reads (1: no runs) */
    ls_batch **run_out;           /* run_max batches of one pass */
    ZSTD_DCtx *dctx;              /* reader thread's */
    /* The reader thread's scratch, reused across steps. */
    fpart    *parts;              /* ranges fetched for the step being read */
    size_t    nparts, parts_cap;
    const uint8_t **s_stored;     /* per sample of the slice: stored bytes, */
    uint32_t *s_flags;            /* len_flags, */
    uint32_t *s_crc;              /* CRC32C, */
    uint64_t *s_rel;              /* offset within its part, */
    uint32_t *s_part;             /* and which fetched part holds it */
    size_t    s_cap;
    ls_step_sample *idx;          /* the slice's entries as its step index gives them */
    size_t    idx_cap;
    uint32_t *blk_crc;            /* per block of the slice, with the block view: */
    size_t    blk_cap, nblk;      /* the crc32c its samples' CRC32Cs give (nblk 0: none) */
    /* The rank's part of the group index of steps [grp_s0, grp_s0 + 16)
     * (step_group.c), decoded, while it reads them. */
    int       grp_valid;
    uint64_t  grp_s0;
    ls_step_sample *grp_smp;      /* 16 x slice: step j's at j x slice */
    uint32_t *grp_crc;            /* 16 x slice / 16 with the block view */
    uint32_t  grp_nblk;           /* blocks of a step's slice; 0: entries */
    ls_step_chunks grp_ck[LS_STEP_GROUP_STEPS];
    uint64_t  grp_skip_below;     /* no group is tried for steps below this */
    int       behind;             /* the last step read was there at its first poll */
    uint64_t  last_step_bytes;    /* stored bytes of the last slice read */
    int       from_group;         /* the step being planned came from the group */
    int       index_mode;         /* INDEX_* (consumer.step.index); OFF on format-1 tables */
    uint64_t  index_wait_ns;      /* consumer.index.wait.ms */
    uint64_t  gap_ns;             /* recent time between steps arriving at the head */
    uint64_t  last_arrival_ns;
    ls_read_stats data;           /* reader thread's running data counters */

    /* Shared with the prefetch thread; mu guards everything below. */
    pthread_mutex_t mu;
    pthread_cond_t  cv;
    pthread_t thr;
    int       thr_started, stop;
    int       active;             /* a window exists (set by the first read) */
    uint64_t  base;               /* window [base, base + depth] */
    uint64_t  gen;                /* bumped when the window moves backwards/away */
    slot     *ring;               /* win + 1 slots, step % (win + 1) */
    uint64_t  held_bytes;         /* decoded bytes of the filled slots */
    uint64_t  scan;               /* every step in [base, scan) has its slot filled */
    ls_read_stats pub;            /* published stats */
    _Atomic uint64_t known_steps; /* visible steps the reader last saw (any thread) */
};

/* ---- reading one step ---------------------------------------------------- */

/* Fetch every planned part that has no buffer yet, all at once (in
 * parallel where the store can), retrying the parts whose read failed with
 * a retriable error. */
static int fetch_parts(ls_consumer *c)
{
    ls_get_req *reqs = malloc((c->nparts ? c->nparts : 1) * sizeof(*reqs));
    size_t *which = malloc((c->nparts ? c->nparts : 1) * sizeof(*which));
    int rc = reqs && which ? LS_OK : ls_seterr(LS_ERR_NOMEM, "fetch list");
    unsigned backoff_ms = 1;
    for (unsigned attempt = 0; rc == LS_OK; attempt++) {
        size_t n = 0;
        for (size_t i = 0; i < c->nparts; i++)
            if (!c->parts[i].buf) {
                reqs[n] = (ls_get_req){ .key = c->parts[i].key, .off = c->parts[i].off,
                                        .len = c->parts[i].len };
                which[n++] = i;
            }
        if (n == 0)
            break;
        c->data.requests += n;
        c->data.data_requests += n;
        rc = ls_store_get_many(c->t->st, reqs, n);
        int again = 0;
        for (size_t j = 0; j < n; j++) {
            fpart *pt = &c->parts[which[j]];
            if (reqs[j].rc == LS_OK) {
                c->data.bytes_fetched += reqs[j].out_len;
                pt->buf = reqs[j].out;
                pt->got = reqs[j].out_len;
                /* Refused even when another part failed retriably: a retry
                 * fetches only the parts without a buffer, so a short one
                 * kept here would be read past its end. */
                if (reqs[j].out_len != pt->len && (rc == LS_OK || ls_err_is_retriable(rc)))
                    rc = ls_seterr(LS_ERR_CORRUPT, "%s: short read: %zu of %" PRIu64
                                   " bytes at %" PRIu64, pt->key, reqs[j].out_len, pt->len,
                                   pt->off);
            } else if (ls_err_is_retriable(reqs[j].rc)) {
                again = 1;
            }
        }
        if (rc == LS_ERR_NOT_FOUND) {
            for (size_t j = 0; j < n; j++)
                if (reqs[j].rc == LS_ERR_NOT_FOUND) {
                    rc = ls_seterr(LS_ERR_NOT_FOUND, "%s: chunk referenced by the log is "
                                   "missing", c->parts[which[j]].key);
                    break;
                }
        }
        if (rc == LS_OK || !ls_err_is_retriable(rc) || !again || attempt >= c->retries)
            break;
        /* Only retriable failures left: fetch those again. */
        for (size_t j = 0; j < n; j++)
            if (reqs[j].rc != LS_OK && !ls_err_is_retriable(reqs[j].rc))
                again = 0;
        if (!again)
            break;
        rc = LS_OK;
        ls_backoff(&backoff_ms, LS_RETRY_BACKOFF_MS_MAX);
    }
    free(reqs);
    free(which);
    if (LS_ASSERTS_ON && rc == LS_OK)
        for (size_t i = 0; i < c->nparts; i++)
            LS_ASSERT(c->parts[i].buf && c->parts[i].got == c->parts[i].len);
    return rc;
}

/* Append a part to fetch: bytes [off, off + len) of chunk key. */
static int add_part(ls_consumer *c, const char *key, uint64_t off, uint64_t len)
{
    if (c->nparts == c->parts_cap) {
        size_t cap = c->parts_cap ? c->parts_cap * 2 : 8;
        fpart *np = realloc(c->parts, cap * sizeof(fpart));
        if (!np)
            return ls_seterr(LS_ERR_NOMEM, "fetch list");
        c->parts = np;
        c->parts_cap = cap;
    }
    fpart *pt = &c->parts[c->nparts];
    if (!(pt->key = strdup(key)))
        return ls_seterr(LS_ERR_NOMEM, "fetch list");
    pt->off = off;
    pt->len = len;
    pt->buf = NULL;
    pt->got = 0;
    c->nparts++;
    return LS_OK;
}

/* Plan pass 1 for one chunk (chunk j of record r): the byte range of
 * samples [i0, i1), to be fetched with one ranged GET (joined to the part
 * planned last when that one ends where this range starts in the same
 * chunk: the slices of consecutive steps at W = 1), and per sample where it
 * will lie in that range, its flags and CRC (copied: the record is only
 * borrowed). */
static int plan_chunk_part(ls_consumer *c, const ls_record *r, uint32_t j, uint32_t i0,
                           uint32_t i1, size_t *k)
{
    const ls_chunk_ref *ch = &r->chunks[j];
    const uint64_t *offsets;
    int rc = ls_table_chunk_offsets(c->t, r, j, &offsets);
    if (rc)
        return rc;
    /* Samples of this chunk, and offsets ls_chunk_index_offsets checked. */
    LS_ASSERT(i0 < i1 && i1 <= ch->count);
    LS_ASSERT(offsets[i0] <= offsets[i1] && offsets[i1] <= LS_CHUNK_BYTES_MAX);
    fpart *pt = c->nparts ? &c->parts[c->nparts - 1] : NULL;
    if (pt && !pt->buf && pt->off + pt->len == offsets[i0] && !strcmp(pt->key, ch->key)) {
        pt->len = offsets[i1] - pt->off;
    } else {
        if ((rc = add_part(c, ch->key, offsets[i0], offsets[i1] - offsets[i0])))
            return rc;
        pt = &c->parts[c->nparts - 1];
    }
    for (uint32_t i = i0; i < i1; i++, (*k)++) {
        const uint8_t *e = ch->index + (size_t)i * LS_CHUNK_ENTRY_BYTES;
        c->s_flags[*k] = ls_get_u32le(e);
        c->s_crc[*k] = ls_get_u32le(e + 4);
        c->s_rel[*k] = offsets[i] - pt->off;
        c->s_part[*k] = (uint32_t)(c->nparts - 1);
        /* The offsets are cached by (version, commit_id, chunk, count): a
         * record read again that differs from the one they came from under
         * the same id is refused, not read past its part. */
        if (offsets[i + 1] - offsets[i] != (c->s_flags[*k] & LS_SAMPLE_LEN_MASK))
            return ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu32 ": its length differs "
                             "from the index its record had before", ch->key, i);
        LS_ASSERT(c->s_rel[*k] + (offsets[i + 1] - offsets[i]) <= pt->len);
    }
    return LS_OK;
}

/* After the fetch: check the n samples of one slice starting at global
 * sample a, planned at [k0, k0 + n) (CRC32C, declared size); per sample,
 * where its stored bytes are and its decoded length (lens[0..n)); *total:
 * the bytes its zstd samples decode to. */
static int check_samples(ls_consumer *c, uint64_t a, size_t k0, size_t n, size_t *lens,
                         uint64_t *total)
{
    /* With the block view the index holds no CRC per sample: each block of
     * 16 gives the crc32c of its samples' CRC32Cs (one slice a pass). */
    for (size_t g = 0; g < c->nblk; g++) {
        uint8_t crcs[4 * LS_STEP_INDEX_BLOCK_SAMPLES];
        size_t b0 = k0 + g * LS_STEP_INDEX_BLOCK_SAMPLES;
        for (size_t j = 0; j < LS_STEP_INDEX_BLOCK_SAMPLES; j++) {
            size_t k = b0 + j;
            LS_ASSERT(k < k0 + n && c->s_rel[k] + (c->s_flags[k] & LS_SAMPLE_LEN_MASK) <=
                                        c->parts[c->s_part[k]].got);
            c->s_crc[k] = ls_crc32c(c->parts[c->s_part[k]].buf + c->s_rel[k],
                                    c->s_flags[k] & LS_SAMPLE_LEN_MASK);
            ls_put_u32le(crcs + 4 * j, c->s_crc[k]);
        }
        if (ls_crc32c(crcs, sizeof(crcs)) != c->blk_crc[g])
            return ls_seterr(LS_ERR_CORRUPT, "%s: samples %" PRIu64 " to %" PRIu64 ": crc32c "
                             "mismatch against their step index block (data or index "
                             "damaged)", c->parts[c->s_part[b0]].key,
                             a + g * LS_STEP_INDEX_BLOCK_SAMPLES,
                             a + g * LS_STEP_INDEX_BLOCK_SAMPLES + LS_STEP_INDEX_BLOCK_SAMPLES - 1);
    }
    *total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = k0 + i;
        const fpart *pt = &c->parts[c->s_part[k]];
        const uint8_t *stored = pt->buf + c->s_rel[k];
        uint32_t len_flags = c->s_flags[k];
        /* Planned inside its part (plan_chunk_part, plan_samples), and the
         * part fetched whole (fetch_parts). */
        LS_ASSERT(c->s_part[k] < c->nparts && pt->got == pt->len &&
                  c->s_rel[k] + (len_flags & LS_SAMPLE_LEN_MASK) <= pt->len);
        int rc = c->nblk ? ls_chunk_sample_size(stored, len_flags, pt->key, a + i, &lens[i])
                         : ls_chunk_sample_check(stored, len_flags, c->s_crc[k], pt->key, a + i,
                                                 &lens[i]);
        if (rc)
            return rc;
        c->s_stored[k] = stored;
        c->data.bytes_delivered += lens[i];
        if (len_flags & LS_SAMPLE_ZSTD_FLAG)
            *total += lens[i];           /* raw samples are not copied */
        c->data.bytes_needed += len_flags & LS_SAMPLE_LEN_MASK;
    }
    return LS_OK;
}

static void parts_free(ls_consumer *c)
{
    for (size_t i = 0; i < c->nparts; i++) {
        free(c->parts[i].key);
        free(c->parts[i].buf);
    }
    c->nparts = 0;
}

/* Plan the slice [a, b) from the commit records the state names, its
 * samples at [k0, k0 + b - a) of the pass. */
static int plan_log(ls_consumer *c, uint64_t a, uint64_t b, size_t k0)
{
    ls_table *t = c->t;
    size_t k = k0;
    uint64_t cur = a;
    while (cur < b) {
        ssize_t ci = ls_state_commit_of(&t->state, cur);
        if (ci < 0)
            return t->state.ncommits && cur < t->state.commits[0].first_sample
                       ? ls_seterr(LS_ERR_RECLAIMED, "sample %" PRIu64 " was reclaimed", cur)
                       : ls_seterr(LS_ERR_CORRUPT, "no retained commit holds sample %" PRIu64,
                                   cur);
        const ls_commit_ent ent = t->state.commits[ci];
        LS_ASSERT(ent.first_sample <= cur && cur - ent.first_sample < ent.count);
        const ls_record *r;
        int rc = ls_table_record(t, ent.version, ent.commit_id, &r);
        if (rc)
            return rc;
        if (ls_record_samples(r) != ent.count)
            return ls_seterr(LS_ERR_CORRUPT, "table %s: version %" PRIu64 " carries %" PRIu64
                             " samples, the state says %" PRIu64, t->name, ent.version,
                             ls_record_samples(r), ent.count);
        /* r stays valid until the next ls_table_record call. */
        uint64_t first = ent.first_sample;
        for (uint32_t j = 0; j < r->nchunks && cur < b; j++) {
            const ls_chunk_ref *ch = &r->chunks[j];
            uint64_t end = first + ch->count;
            if (cur < end) {
                uint32_t i0 = (uint32_t)(cur - first);
                uint32_t i1 = (uint32_t)((b < end ? b : end) - first);
                if ((rc = plan_chunk_part(c, r, j, i0, i1, &k)))
                    return rc;
                cur = first + i1;
            }
            first = end;
        }
    }
    LS_ASSERT(cur == b && k == k0 + (b - a));   /* one planned sample per sample of [a, b) */
    return LS_OK;
}

static int plan_samples(ls_consumer *c, const char *key, uint32_t lo, uint32_t n,
                        const ls_step_sample *smp, const ls_step_chunks *ck);

/* ---- group indexes --------------------------------------------------- */

static void group_forget(ls_consumer *c)
{
    for (uint32_t j = 0; j < LS_STEP_GROUP_STEPS; j++)
        ls_step_chunks_free(&c->grp_ck[j]);
    c->grp_valid = 0;
}

/* From a group part's raw bytes (checked only later, so a guess): the
 * stored bytes of its samples and the bytes of names the 16 step indexes
 * would have given for the slices (each step's chunks once). */
static void group_part_weigh(const uint8_t *part, uint32_t n, uint32_t nblk, uint64_t *data,
                             uint64_t *names)
{
    *data = *names = 0;
    for (uint32_t j = 0; j < LS_STEP_GROUP_STEPS; j++) {
        uint32_t last = UINT32_MAX;
        for (uint32_t u = 0; u < (nblk ? nblk : n); u++) {
            size_t at = (size_t)u * LS_STEP_GROUP_STEPS + j;
            if (nblk) {
                const uint8_t *p = part + at * LS_STEP_INDEX_BLOCK_BYTES;
                uint32_t off = ls_get_u32le(p + 8) >> 8, end = ls_get_u32le(p + 12);
                *names += end > off ? end - off : 0;   /* a name shared by two blocks twice */
                for (uint32_t k = 0; k < LS_STEP_INDEX_BLOCK_SAMPLES; k++)
                    *data += ls_get_u32le(p + 20 + 4 * k) & LS_SAMPLE_LEN_MASK &
                             ~LS_STEP_INDEX_NEXT_CHUNK;
            } else {
                const uint8_t *e = part + at * LS_STEP_INDEX_ENTRY_BYTES;
                uint32_t ref = ls_get_u32le(e);
                if (ref != last)
                    *names += ref & 0xffu;
                last = ref;
                *data += ls_get_u32le(e + 8) & LS_SAMPLE_LEN_MASK;
            }
        }
    }
}

/* Read the rank's part of the group index of steps [s0, s0 + 16): its
 * entries (or blocks) of all 16 steps in one ranged GET, then the names
 * they use.  No group (not all 16 steps complete yet, or not written): no
 * group is tried again in it.  A group whose names would cost more bytes
 * than the 16 step indexes' names, beyond 2 % of the data it locates (a
 * small slice among many small chunks), is left before its names are
 * read, and no group is tried for the next 16. */
static int group_load(ls_consumer *c, uint64_t s0)
{
    ls_table *t = c->t;
    uint32_t B = t->desc.global_batch, n = (uint32_t)c->slice, lo = c->rank * n;
    uint32_t nblk = n % LS_STEP_INDEX_BLOCK_SAMPLES ? 0 : n / LS_STEP_INDEX_BLOCK_SAMPLES;
    uint32_t units = (nblk ? nblk : n) * LS_STEP_GROUP_STEPS;
    LS_ASSERT((uint64_t)lo + n <= B && (!nblk || lo % LS_STEP_INDEX_BLOCK_SAMPLES == 0));
    uint64_t at = nblk ? ls_step_group_blocks_at(B, lo / LS_STEP_INDEX_BLOCK_SAMPLES)
                       : ls_step_group_entries_at(B, lo);
    uint64_t want = (uint64_t)units * (nblk ? LS_STEP_INDEX_BLOCK_BYTES
                                            : LS_STEP_INDEX_ENTRY_BYTES);
    char key[LS_KEY_BYTES_MAX + 1];
    uint8_t *part = NULL, *names = NULL;
    size_t got = 0, ngot = 0;
    uint32_t nlo = 0, nhi = 0;
    group_forget(c);
    c->grp_skip_below = s0 + LS_STEP_GROUP_STEPS;   /* one try per group */
    int rc = ls_key_step_group(key, t->name, s0);
    if (rc)
        return rc;
    rc = ls_table_meta_get_range(t, key, at, want, &part, &got);
    if (rc == LS_ERR_NOT_FOUND)
        return LS_OK;
    if (!rc && got != want)
        rc = ls_seterr(LS_ERR_CORRUPT, "%s: %zu bytes where %" PRIu64 " should be "
                       "(truncated)", key, got, want);
    if (!rc && (rc = nblk ? ls_step_index_blocks_names(part, units, &nlo, &nhi)
                          : ls_step_index_slice_names(part, units, &nlo, &nhi)))
        ls_preferr(rc, "%s", key);
    if (!rc) {
        uint64_t data, names_steps;
        group_part_weigh(part, n, nblk, &data, &names_steps);
        if ((uint64_t)(nhi - nlo) > names_steps + data / 50) {
            c->data.group_dear++;
            c->grp_skip_below = s0 + (LS_STEP_GROUP_STEPS + 1) * LS_STEP_GROUP_STEPS;
            free(part);
            return LS_OK;
        }
    }
    /* The names the part uses lie among other ranks' (names are not
     * shared between steps), so they are bounded by the group's names,
     * whose offsets have 24 bits. */
    if (!rc && nhi - nlo > (1u << 24))
        rc = ls_seterr(LS_ERR_CORRUPT, "%s: %" PRIu32 " bytes of chunk names, beyond a group's",
                       key, nhi - nlo);
    if (!rc)
        rc = ls_table_meta_get_range(t, key, ls_step_group_names_at(B) + nlo, nhi - nlo,
                                     &names, &ngot);
    if (rc == LS_ERR_NOT_FOUND) {     /* gone since the first read */
        free(part);
        return LS_OK;
    }
    if (!rc && ngot != nhi - nlo)
        rc = ls_seterr(LS_ERR_CORRUPT, "%s: %zu bytes of chunk names where %" PRIu32 " should "
                       "be (truncated)", key, ngot, nhi - nlo);
    if (!rc && !c->grp_smp) {
        c->grp_smp = malloc((size_t)n * LS_STEP_GROUP_STEPS * sizeof(*c->grp_smp));
        c->grp_crc = malloc(((size_t)nblk + 1) * LS_STEP_GROUP_STEPS * sizeof(uint32_t));
        if (!c->grp_smp || !c->grp_crc)
            rc = ls_seterr(LS_ERR_NOMEM, "group index");
    }
    if (!rc)
        rc = ls_step_group_slices(t->name, t->desc.uid, s0, B, lo, n, part, got, names, nlo,
                                  ngot, key, c->grp_smp, c->grp_crc, c->grp_ck);
    if (!rc) {
        c->grp_valid = 1;
        c->grp_s0 = s0;
        c->grp_nblk = nblk;
        c->data.group_reads++;
    }
    free(part);
    free(names);
    return rc;
}

/* Plan step from the group held, reading the group first when the rank
 * reads behind the head (the step before was there at its first poll),
 * its slice of the step before held LS_STEP_GROUP_MIN_BYTES or more (a
 * smaller slice would pay more in names than it saves), and it has not
 * tried this group yet.  *found = 0: no group for it. */
static int plan_group(ls_consumer *c, uint64_t step, int *found)
{
    uint64_t s0 = step - step % LS_STEP_GROUP_STEPS;
    *found = 0;
    if (!(c->grp_valid && c->grp_s0 == s0) && c->behind && step >= c->grp_skip_below &&
        c->last_step_bytes >= LS_STEP_GROUP_MIN_BYTES) {
        int rc = group_load(c, s0);
        if (rc == LS_ERR_CORRUPT || rc == LS_ERR_VERSION) {
            c->data.index_refused++;      /* the step indexes (or the log) serve instead */
            group_forget(c);
            return LS_OK;
        }
        if (rc)
            return rc;
    }
    if (!(c->grp_valid && c->grp_s0 == s0))
        return LS_OK;
    uint32_t n = (uint32_t)c->slice, j = (uint32_t)(step - s0);
    char key[LS_KEY_BYTES_MAX + 1];
    int rc = ls_key_step_group(key, c->t->name, s0);
    if (!rc && c->grp_nblk && c->blk_cap < c->grp_nblk) {
        uint32_t *x = realloc(c->blk_crc, c->grp_nblk * sizeof(*x));
        if (!x)
            return ls_seterr(LS_ERR_NOMEM, "group index");
        c->blk_crc = x;
        c->blk_cap = c->grp_nblk;
    }
    if (!rc && c->grp_nblk)
        memcpy(c->blk_crc, c->grp_crc + (size_t)j * c->grp_nblk,
               c->grp_nblk * sizeof(uint32_t));
    if (!rc)
        rc = plan_samples(c, key, c->rank * n, n, c->grp_smp + (size_t)j * n, &c->grp_ck[j]);
    if (!rc) {
        c->nblk = c->grp_nblk;
        c->from_group = 1;
        *found = 1;
    }
    return rc;
}

/* ---- step indexes ---------------------------------------------------- */

/* Plan the rank's slice of step from the step's index object: one ranged
 * GET of the slice's part of the index (which is also the visibility
 * poll), one of the chunk names it uses.  A slice of whole blocks of 16
 * samples reads its blocks (5.25 bytes a sample), any other its entries
 * (20).  *found = 0 if there is no index (not yet complete, or not
 * written).  LS_ERR_CORRUPT (or _VERSION) for an index that cannot be
 * trusted: the caller reads the log instead. */
static int plan_index(ls_consumer *c, uint64_t step, int *found)
{
    ls_table *t = c->t;
    uint32_t B = t->desc.global_batch;
    uint32_t n = (uint32_t)c->slice, lo = c->rank * n;
    uint32_t nblk = n % LS_STEP_INDEX_BLOCK_SAMPLES ? 0 : n / LS_STEP_INDEX_BLOCK_SAMPLES;
    uint32_t g0 = lo / LS_STEP_INDEX_BLOCK_SAMPLES;
    /* The rank's slice (ls_consumer_open); with blocks, whole blocks of it. */
    LS_ASSERT((uint64_t)lo + n <= B && (!nblk || lo % LS_STEP_INDEX_BLOCK_SAMPLES == 0));
    uint64_t at = nblk ? ls_step_index_blocks_at(B) + (uint64_t)g0 * LS_STEP_INDEX_BLOCK_BYTES
                       : LS_STEP_INDEX_HEADER_BYTES + (uint64_t)lo * LS_STEP_INDEX_ENTRY_BYTES;
    uint64_t want = nblk ? (uint64_t)nblk * LS_STEP_INDEX_BLOCK_BYTES
                         : (uint64_t)n * LS_STEP_INDEX_ENTRY_BYTES;
    char key[LS_KEY_BYTES_MAX + 1];
    uint8_t *ent = NULL, *names = NULL;
    size_t got = 0, ngot = 0;
    uint32_t nlo = 0, nhi = 0;
    ls_step_chunks ck = { 0 };
    *found = 0;
    int rc = ls_key_step(key, t->name, step);
    if (rc)
        return rc;
    c->data.polls++;
    rc = ls_table_meta_get_range(t, key, at, want, &ent, &got);
    if (rc == LS_ERR_NOT_FOUND)
        return LS_OK;
    if (rc)
        return rc;
    *found = 1;
    if (got != want)
        rc = ls_seterr(LS_ERR_CORRUPT, "%s: %zu bytes where %s [%" PRIu32 ", %" PRIu32 ") "
                       "should be (truncated)", key, got, nblk ? "blocks" : "entries",
                       nblk ? g0 : lo, nblk ? g0 + nblk : lo + n);
    if (!rc && (rc = nblk ? ls_step_index_blocks_names(ent, nblk, &nlo, &nhi)
                          : ls_step_index_slice_names(ent, n, &nlo, &nhi)))
        ls_preferr(rc, "%s", key);
    if (!rc && (uint64_t)(nhi - nlo) > (uint64_t)n * LS_STEP_INDEX_NAME_BYTES_MAX)
        rc = ls_seterr(LS_ERR_CORRUPT, "%s: samples [%" PRIu32 ", %" PRIu32 ") name %" PRIu32
                       " bytes of chunk names", key, lo, lo + n, nhi - nlo);
    if (!rc)
        rc = ls_table_meta_get_range(t, key, ls_step_index_names_at(B) + nlo, nhi - nlo,
                                     &names, &ngot);
    if (rc == LS_ERR_NOT_FOUND) {     /* gone since the first read: reclaimed */
        free(ent);
        *found = 0;
        return LS_OK;
    }
    if (!rc && ngot != nhi - nlo)
        rc = ls_seterr(LS_ERR_CORRUPT, "%s: %zu bytes of chunk names where %" PRIu32 " should "
                       "be (truncated)", key, ngot, nhi - nlo);
    if (!rc && c->idx_cap < n) {
        ls_step_sample *x = realloc(c->idx, n * sizeof(*x));
        if (!x)
            rc = ls_seterr(LS_ERR_NOMEM, "step index");
        else {
            c->idx = x;
            c->idx_cap = n;
        }
    }
    if (!rc && c->blk_cap < nblk) {
        uint32_t *x = realloc(c->blk_crc, nblk * sizeof(*x));
        if (!x)
            rc = ls_seterr(LS_ERR_NOMEM, "step index");
        else {
            c->blk_crc = x;
            c->blk_cap = nblk;
        }
    }
    if (!rc)
        rc = nblk ? ls_step_index_blocks_decode(t->name, t->desc.uid, step, B, g0, ent, nblk,
                                                names, nlo, ngot, key, c->idx, c->blk_crc, &ck)
                  : ls_step_index_slice_decode(t->name, t->desc.uid, step, lo, ent, n, names,
                                               nlo, ngot, key, c->idx, &ck);
    if (!rc)
        c->nblk = nblk;
    if (!rc)
        rc = plan_samples(c, key, lo, n, c->idx, &ck);
    ls_step_chunks_free(&ck);
    free(ent);
    free(names);
    return rc;
}

/* The parts to fetch for the slice's samples smp[0..n) as an index gives
 * them: one part per run of samples in one chunk; a chunk holds its
 * samples back to back, so a run must be contiguous. */
static int plan_samples(ls_consumer *c, const char *key, uint32_t lo, uint32_t n,
                        const ls_step_sample *smp, const ls_step_chunks *ck)
{
    int rc = LS_OK;
    for (uint32_t k = 0; k < n && !rc; k++) {
        const ls_step_sample *sm = &smp[k];
        uint64_t stored = sm->len_flags & LS_SAMPLE_LEN_MASK;
        LS_ASSERT(sm->chunk < ck->n);   /* the decoder named each sample's chunk */
        if (k == 0 || sm->chunk != smp[k - 1].chunk) {
            if ((rc = add_part(c, ck->keys[sm->chunk], sm->offset, 0)))
                break;
        } else if (sm->offset != (uint64_t)smp[k - 1].offset +
                                     (smp[k - 1].len_flags & LS_SAMPLE_LEN_MASK)) {
            rc = ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu32 ": not where the sample "
                           "before it ends in %s", key, lo + k, ck->keys[sm->chunk]);
            break;
        }
        fpart *pt = &c->parts[c->nparts - 1];
        LS_ASSERT(sm->offset >= pt->off);
        pt->len = sm->offset + stored - pt->off;
        c->s_flags[k] = sm->len_flags;
        c->s_crc[k] = sm->crc;
        c->s_rel[k] = sm->offset - pt->off;
        c->s_part[k] = (uint32_t)(c->nparts - 1);
    }
    return rc;
}

/* Room for the per-sample scratch of a pass of n samples. */
static int scratch_reserve(ls_consumer *c, size_t n)
{
    if (c->s_cap >= n)
        return LS_OK;
    free(c->s_stored);
    free(c->s_flags);
    free(c->s_crc);
    free(c->s_rel);
    free(c->s_part);
    c->s_stored = malloc(n * sizeof(*c->s_stored));
    c->s_flags = malloc(n * sizeof(*c->s_flags));
    c->s_crc = malloc(n * sizeof(*c->s_crc));
    c->s_rel = malloc(n * sizeof(*c->s_rel));
    c->s_part = malloc(n * sizeof(*c->s_part));
    c->s_cap = c->s_stored && c->s_flags && c->s_crc && c->s_rel && c->s_part ? n : 0;
    return c->s_cap ? LS_OK : ls_seterr(LS_ERR_NOMEM, "batch");
}

/* Pass 2 for the slice planned at [k0, k0 + n), global samples from a,
 * checked in pass 1: raw samples are delivered where they were read, zstd
 * samples decoded into one buffer allocated at its exact size (total). */
static int batch_make(ls_consumer *c, uint64_t step, uint64_t a, size_t k0, size_t n,
                      size_t *lens, uint64_t total, shbuf *sb, ls_batch **out)
{
    batch_impl *bi = malloc(sizeof(*bi) + (n ? n : 1) * sizeof(uint8_t *));
    uint8_t *data = malloc((size_t)total + 1);
    int rc = bi && data ? LS_OK : ls_seterr(LS_ERR_NOMEM, "batch of %" PRIu64 " bytes", total);
    size_t pos = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t k = k0 + i;
        if (!(c->s_flags[k] & LS_SAMPLE_ZSTD_FLAG)) {
            bi->ptrs[i] = c->s_stored[k];   /* checked in pass 1 */
            continue;
        }
        rc = ls_chunk_sample_decode_to(c->s_stored[k], c->s_flags[k], c->dctx, data + pos,
                                       lens[i], c->parts[c->s_part[k]].key, a + i);
        bi->ptrs[i] = data + pos;
        pos += lens[i];
    }
    if (rc) {
        free(data);
        free(bi);
        return rc;
    }
    /* The decoded samples fill the buffer sized for them exactly. */
    LS_ASSERT(pos == total);
    LS_ASSERT(n == c->slice && a == step * c->t->desc.global_batch + c->rank * c->slice);
    bi->data = data;
    bi->sb = sb;
    bi->lens = lens;
    bi->pub = (ls_batch){ .step = step, .rank = c->rank, .world_size = c->world,
                          .first_sample = a, .count = n, .samples = bi->ptrs,
                          .lens = lens };
    *out = &bi->pub;
    return LS_OK;
}

/* Read this rank's slices of steps [step, step + kmax), at least the
 * first: plan them (from the step's index with by_index, one step; else
 * from the commit records of the state, where the steps must be visible,
 * as many as LS_READ_RUN_BYTES and LS_READ_RUN_PARTS_MAX allow), fetch and check every sample (pass
 * 1), then hand the fetched buffers to the batches (pass 2), which share
 * them.  Nothing is handed out unless every sample of every step passed.
 * outs[0..*nout) are the batches.  With by_index, *found = 0 (and LS_OK)
 * if the step has no index. */
static int read_slices(ls_consumer *c, uint64_t step, uint32_t kmax, int by_index, int *found,
                       ls_batch **outs, uint32_t *nout)
{
    uint64_t B = c->t->desc.global_batch;
    size_t n = (size_t)c->slice;
    *nout = 0;
    if (by_index || kmax < 1)
        kmax = 1;
    int rc = scratch_reserve(c, n * kmax);
    int have = 1;
    uint32_t k = 0;
    c->nblk = 0;
    c->from_group = 0;
    if (!rc && by_index) {
        rc = plan_group(c, step, &have);
        if (!rc && !have)
            rc = plan_index(c, step, &have);
        k = 1;
    } else if (!rc) {
        uint64_t planned = 0;
        /* A run stops at LS_READ_RUN_BYTES and at LS_READ_RUN_PARTS_MAX
         * ranges to fetch: its first step waits for the whole pass, and
         * runs pay where small steps share chunks, not where each sample
         * has its own (one request a step either way). */
        while (!rc && k < kmax && planned < LS_READ_RUN_BYTES &&
               (k == 0 || c->nparts < LS_READ_RUN_PARTS_MAX)) {
            uint64_t a = (step + k) * B + c->rank * c->slice;
            if (!(rc = plan_log(c, a, a + c->slice, (size_t)k * n))) {
                k++;
                planned = 0;
                for (size_t i = 0; i < c->nparts; i++)
                    planned += c->parts[i].len;
            }
        }
    }
    if (found)
        *found = have;
    if (!rc && !have) {
        parts_free(c);
        return LS_OK;
    }
    if (!rc)
        rc = fetch_parts(c);
    size_t *lens = NULL;
    uint64_t *totals = NULL;
    if (!rc && (!(lens = malloc(n * k * sizeof(size_t) + 1)) ||
                !(totals = malloc(k * sizeof(uint64_t)))))
        rc = ls_seterr(LS_ERR_NOMEM, "batch");
    for (uint32_t j = 0; j < k && !rc; j++)
        rc = check_samples(c, (step + j) * B + c->rank * c->slice, (size_t)j * n, n,
                           lens + (size_t)j * n, &totals[j]);
    if (LS_ASSERTS_ON && !rc) {
        /* The parts fetched hold the planned samples back to back, nothing
         * else: their bytes are the stored bytes the index gave. */
        uint64_t fetched = 0, indexed = 0;
        for (size_t i = 0; i < c->nparts; i++)
            fetched += c->parts[i].got;
        for (size_t i = 0; i < n * k; i++)
            indexed += c->s_flags[i] & LS_SAMPLE_LEN_MASK;
        LS_ASSERT(fetched == indexed);
    }
    shbuf *sb = NULL;
    if (!rc && !(sb = malloc(sizeof(*sb) + (c->nparts + 1) * sizeof(uint8_t *))))
        rc = ls_seterr(LS_ERR_NOMEM, "batch");
    uint32_t made = 0;
    for (; made < k && !rc; made++) {
        size_t *l = made == 0 ? lens : malloc(n * sizeof(size_t) + 1);
        if (!l) {
            rc = ls_seterr(LS_ERR_NOMEM, "batch");
            break;
        }
        if (made > 0)
            memcpy(l, lens + (size_t)made * n, n * sizeof(size_t));
        uint64_t s = step + made;
        if ((rc = batch_make(c, s, s * B + c->rank * c->slice, (size_t)made * n, n, l,
                             totals[made], sb, &outs[made]))) {
            if (made > 0)
                free(l);
            break;
        }
    }
    if (rc) {
        for (uint32_t j = 0; j < made; j++) {
            batch_impl *bi = (batch_impl *)outs[j];
            free(bi->lens);              /* outs[0]'s is lens */
            free(bi->data);
            free(bi);
            outs[j] = NULL;
        }
        if (made == 0)
            free(lens);
        free(sb);
        free(totals);
        parts_free(c);
        return rc;
    }
    /* The batches own the fetched buffers now, together. */
    sb->n = 0;
    atomic_init(&sb->refs, k);
    for (size_t i = 0; i < c->nparts; i++) {
        sb->bufs[sb->n++] = c->parts[i].buf;
        c->parts[i].buf = NULL;
    }
    parts_free(c);
    free(totals);
    c->data.steps += k;
    c->data.samples += (uint64_t)k * n;
    c->last_step_bytes = 0;
    for (size_t i = 0; i < n; i++)
        c->last_step_bytes += c->s_flags[(size_t)(k - 1) * n + i] & LS_SAMPLE_LEN_MASK;
    if (by_index)
        c->data.index_steps++;
    else
        c->data.log_steps += k;
    if (c->from_group)
        c->data.group_steps++;
    *nout = k;
    return LS_OK;
}

/* One step's slice (read_slices of one). */
static int read_slice(ls_consumer *c, uint64_t step, int by_index, int *found, ls_batch **out)
{
    uint32_t nout = 0;
    *out = NULL;
    int rc = read_slices(c, step, 1, by_index, found, out, &nout);
    return rc;
}

void ls_batch_destroy(ls_batch *b)
{
    if (!b)
        return;
    batch_impl *bi = (batch_impl *)b;
    shbuf *sb = bi->sb;
    if (sb && atomic_fetch_sub(&sb->refs, 1) == 1) {
        for (size_t i = 0; i < sb->n; i++)
            free(sb->bufs[i]);
        free(sb);
    }
    free(bi->data);
    free(bi->lens);
    free(bi);
}

/* Compare two reads of the same slice (consumer.step.index=verify). */
static int same_batch(const ls_batch *x, const ls_batch *y, uint64_t *at)
{
    for (size_t k = 0; k < x->count; k++)
        if (k >= y->count || x->lens[k] != y->lens[k] ||
            memcmp(x->samples[k], y->samples[k], x->lens[k])) {
            *at = x->first_sample + k;
            return 0;
        }
    return x->count == y->count;
}

static void known_steps_raise(ls_consumer *c, uint64_t n)
{
    uint64_t cur = atomic_load(&c->known_steps);
    while (n > cur && !atomic_compare_exchange_weak(&c->known_steps, &cur, n))
        ;
}

/* The log's view, read forward: a handle idle for long jumps through the
 * newest snapshot rather than reading every record since. */
static int log_refresh(ls_consumer *c)
{
    c->data.log_refreshes++;
    int rc = ls_table_catch_up(c->t);
    known_steps_raise(c, c->t->state.total_samples / c->t->desc.global_batch);
    return rc;
}

/* Read step once it is visible, or give up when deadline_ns passes
 * (0: never, but stop when should_stop says so).
 *
 * Format 2 (docs/protocol.md "Step index"): each poll is one ranged GET of
 * the slice's entries in the step's index, which exists once the step is
 * complete; the log is asked only at a reader's first miss (its state is
 * loaded then), when the index has been missing for consumer.index.wait.ms
 * (a committer may have died between its commit and the index), when the
 * index is refused, or for a step the reader knows to be complete.  Otherwise (format 1, or consumer.step.index=off)
 * each poll reads the log forward.  Polls back off from about an eighth
 * of the recent time between steps, doubling up to
 * consumer.poll.interval.ms.max. */
static int read_step(ls_consumer *c, uint64_t step, uint64_t deadline_ns,
                     int (*should_stop)(ls_consumer *, uint64_t), uint64_t gen,
                     uint32_t kmax, ls_batch **outs, uint32_t *nout)
{
    ls_table *t = c->t;
    ls_batch **out = outs;
    uint32_t got = 0;
    uint64_t B = t->desc.global_batch;
    uint64_t t0 = ls_now_ns(), next_log_ns = t0 + c->index_wait_ns;
    unsigned backoff_ms = 1;
    if (c->gap_ns / 8000000u > 1)
        backoff_ms = (unsigned)(c->gap_ns / 8000000u);
    if (backoff_ms > c->poll_max_ms)
        backoff_ms = c->poll_max_ms;
    int by_index = c->index_mode != INDEX_OFF, refused = 0, refreshed = 0, waited = 0;
    int via_index = 0;
    char refused_msg[ERRMSG_COPY_BYTES] = "";
    int rc = LS_OK;
    *out = NULL;
    *nout = 0;
    for (;;) {
        known_steps_raise(c, t->state.total_samples / B);
        if (step < t->state.low_watermark_step) {
            rc = ls_seterr(LS_ERR_RECLAIMED, "reclaimed (the low watermark is step %" PRIu64
                           ")", t->state.low_watermark_step);
            break;
        }
        int visible = t->state.total_samples / B > step;
        if (by_index && !refused) {
            int found = 0;
            rc = read_slice(c, step, 1, &found, out);
            if (rc == LS_OK && found) {
                known_steps_raise(c, step + 1);
                via_index = 1;
                got = 1;
                break;
            }
            if ((rc == LS_ERR_CORRUPT || rc == LS_ERR_VERSION) && c->from_group) {
                /* The group is not trusted again; the step's own index
                 * (and, failing that, the log) decides. */
                c->data.index_refused++;
                group_forget(c);
                continue;
            }
            if (rc == LS_ERR_CORRUPT || rc == LS_ERR_VERSION) {
                /* Never trusted: the log decides. */
                snprintf(refused_msg, sizeof(refused_msg), "%s", ls_errmsg());
                c->data.index_refused++;
                refused = 1;
                if ((rc = log_refresh(c)))
                    break;
                refreshed = 1;
                continue;
            }
            if (rc)
                break;  /* a store error, or a chunk gone (below) */
            if (!visible && (t->lazy || step < atomic_load(&c->known_steps))) {
                /* A reader that has never read the log asks it at its first
                 * miss (the step may be reclaimed, or complete with its index
                 * missing); one that knows the step is complete asks at once
                 * (the index went with a GC, or was never written). */
                next_log_ns = 0;
            }
        }
        if (visible) {
            if (by_index && !refused)
                c->data.index_missing++;
            /* Without indexes, a run of the visible steps (kmax > 1 only
             * for small slices); a run that fails is read again as the
             * first step alone, whose error is then exactly its own. */
            uint64_t vis = t->state.total_samples / B - step;
            uint32_t kv = by_index || kmax < 1 ? 1 : kmax < vis ? kmax : (uint32_t)vis;
            rc = read_slices(c, step, kv, 0, NULL, outs, &got);
            if (rc && kv > 1)
                rc = read_slices(c, step, 1, 0, NULL, outs, &got);
            if (rc == LS_OK && by_index && !refused && c->rank == 0 &&
                t->desc.table_format >= 2 && ls_step_index_publish(t, step) == LS_OK)
                c->data.index_written++;   /* best effort, for the other ranks */
            break;
        }
        if (refused && refreshed) {
            rc = ls_seterr(LS_ERR_CORRUPT, "%s; and the log has not completed the step",
                           refused_msg);
            break;
        }
        uint64_t now = ls_now_ns();
        if (by_index && now >= next_log_ns) {
            /* The index has been missing long enough, or the reader has
             * reason to ask the log now (above). */
            if ((rc = log_refresh(c)))
                break;
            refreshed = 1;
            next_log_ns = ls_now_ns() + c->index_wait_ns;
            if (t->state.total_samples / B > step || step < t->state.low_watermark_step)
                continue;
        }
        if (deadline_ns && now >= deadline_ns && !refreshed && !by_index) {
            /* Even a zero timeout asks the log once: the caller asks
             * whether the step is visible now, not as of the last read.
             * (With an index, the poll just made answered that.) */
            refreshed = 1;
            if ((rc = log_refresh(c)))
                break;
            continue;
        }
        if (deadline_ns && now >= deadline_ns) {
            rc = ls_seterr(LS_ERR_TIMEOUT, "not visible after %" PRIu64 " ms (%" PRIu64
                           " steps visible)", (now - t0) / 1000000,
                           atomic_load(&c->known_steps));
            break;
        }
        if (should_stop && should_stop(c, gen)) {
            rc = LS_ERR_STATE;
            break;
        }
        unsigned ms = backoff_ms;
        if (deadline_ns && (deadline_ns - now) / 1000000 < ms)
            ms = (unsigned)((deadline_ns - now) / 1000000) + 1;
        if (!by_index)
            c->data.polls++;
        ls_sleep_ms(ms);
        waited = 1;
        backoff_ms = backoff_ms * 2 > c->poll_max_ms ? c->poll_max_ms : backoff_ms * 2;
        if (!by_index) {
            if ((rc = log_refresh(c)))
                break;
            refreshed = 1;
        }
    }
    uint64_t end = ls_now_ns();
    c->data.wait_ns_total += end - t0;
    if (rc == LS_OK && waited) {
        /* The step arrived while we waited: learn the pace of steps. */
        uint64_t gap = c->last_arrival_ns ? end - c->last_arrival_ns : end - t0;
        c->gap_ns = c->gap_ns ? (c->gap_ns * 3 + gap) / 4 : gap;
    }
    if (rc == LS_OK) {
        c->last_arrival_ns = end;
        c->behind = !waited;
    }
    if (rc == LS_OK && c->index_mode == INDEX_VERIFY && via_index) {
        /* Read it again through the log, which must agree. */
        ls_batch *by_log = NULL;
        uint64_t at = 0;
        rc = t->state.total_samples / B > step ? LS_OK : ls_table_refresh(t);
        if (!rc && t->state.total_samples / B <= step)
            rc = ls_seterr(LS_ERR_CORRUPT, "its index exists, but the log has not completed "
                           "it");
        if (!rc && !(rc = read_slice(c, step, 0, NULL, &by_log)) &&
            !same_batch(*out, by_log, &at))
            rc = ls_seterr(LS_ERR_CORRUPT, "the step index disagrees with the log at sample %"
                           PRIu64, at);
        ls_batch_destroy(by_log);
        if (rc) {
            ls_batch_destroy(*out);
            *out = NULL;
        }
    }
    if (rc == LS_ERR_NOT_FOUND) {
        /* An object the state (or an index) names is gone: reclaimed by a
         * GC our state has not seen yet, or lost. */
        char what[512];
        snprintf(what, sizeof(what), "%s", ls_errmsg());
        if (ls_table_refresh_thorough(c->t) == LS_OK &&
            step < c->t->state.low_watermark_step)
            rc = ls_seterr(LS_ERR_RECLAIMED, "reclaimed (the low watermark is step %" PRIu64
                           ")", c->t->state.low_watermark_step);
        else
            rc = ls_seterr(LS_ERR_CORRUPT, "%s", what);
    }
    if (rc && rc != LS_ERR_STATE)
        ls_preferr(rc, "table %s: step %" PRIu64, c->t->name, step);
    if (rc == LS_OK)
        *nout = got ? got : 1;
    return rc;
}

/* Stats as the caller sees them: data counters plus the table's meta. */
static void stats_collect(ls_consumer *c, ls_read_stats *out)
{
    *out = c->data;
    out->meta_bytes_fetched = c->t->meta.bytes;
    out->requests += c->t->meta.requests;
}

/* ---- prefetch thread ----------------------------------------------------- */

static int window_moved(ls_consumer *c, uint64_t gen)
{
    pthread_mutex_lock(&c->mu);
    int moved = c->stop || c->gen != gen;
    pthread_mutex_unlock(&c->mu);
    return moved;
}

/* ---- progress (ls_consumer_progress) -------------------------------------- */

static pthread_mutex_t prog_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  prog_cv = PTHREAD_COND_INITIALIZER;
static uint64_t        prog_n;

static void progress_bump(void)
{
    pthread_mutex_lock(&prog_mu);
    prog_n++;
    pthread_cond_broadcast(&prog_cv);
    pthread_mutex_unlock(&prog_mu);
}

uint64_t ls_consumer_progress(void)
{
    pthread_mutex_lock(&prog_mu);
    uint64_t v = prog_n;
    pthread_mutex_unlock(&prog_mu);
    return v;
}

int ls_consumer_progress_wait(uint64_t seen, int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ns = (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000u;
    ts.tv_sec += (time_t)(ns / 1000000000u);
    ts.tv_nsec += (long)(ns % 1000000000u);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&prog_mu);
    while (prog_n == seen && timeout_ms > 0)
        if (pthread_cond_timedwait(&prog_cv, &prog_mu, &ts) != 0)
            break;
    int moved = prog_n != seen;
    pthread_mutex_unlock(&prog_mu);
    return moved;
}

/* ---- prefetch thread ------------------------------------------------------ */

static uint64_t batch_bytes(const ls_batch *b)
{
    uint64_t n = 0;
    for (size_t i = 0; b && i < b->count; i++)
        n += b->lens[i];
    return n;
}

/* mu held: put a read step's outcome into its slot. */
static void slot_fill(ls_consumer *c, uint64_t step, int rc, ls_batch *b)
{
    slot *sl = &c->ring[step % (c->win + 1)];
    if (sl->filled)
        c->held_bytes -= sl->bytes;
    ls_batch_destroy(sl->batch);
    free(sl->errmsg);
    sl->step = step;
    sl->filled = 1;
    sl->rc = rc;
    sl->batch = b;
    sl->errmsg = rc ? strdup(ls_errmsg()) : NULL;
    sl->bytes = batch_bytes(b);
    c->held_bytes += sl->bytes;
}

static int slot_has(const ls_consumer *c, uint64_t s)
{
    const slot *sl = &c->ring[s % (c->win + 1)];
    return sl->filled && sl->step == s;
}

/* mu held: the lowest step of the window not read yet (*step), and
 * whether the reader thread should read it now: within
 * consumer.prefetch.steps at once; beyond it (runs read ahead) once a whole
 * run's worth of the window is free, and while the window holds less than
 * LS_PREFETCH_RUN_BYTES.  Amortised O(1): the steps below c->scan are
 * filled. */
static int prefetch_wanted(ls_consumer *c, uint64_t *step)
{
    uint64_t s = c->scan > c->base ? c->scan : c->base, end = c->base + c->win;
    while (s <= end && slot_has(c, s))
        s++;
    c->scan = s;
    *step = s;
    if (s > end)
        return 0;
    if (s <= c->base + c->depth)
        return 1;
    return end + 1 - s >= c->run_max && c->held_bytes < LS_PREFETCH_RUN_BYTES;
}

static void *prefetch_main(void *arg)
{
    ls_consumer *c = arg;
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        /* The lowest step of the window not yet read, and how many after
         * it are free too (a run's worth at most). */
        uint64_t step = 0, gen = c->gen;
        uint32_t k = 0;
        int found = c->active && prefetch_wanted(c, &step);
        if (found)
            while (k < c->run_max && step + k <= c->base + c->win && !slot_has(c, step + k))
                k++;
        if (!found) {
            pthread_cond_wait(&c->cv, &c->mu);
            continue;
        }
        pthread_mutex_unlock(&c->mu);

        uint32_t nout = 0;
        int rc = read_step(c, step, 0, window_moved, gen, k, c->run_out, &nout);
        ls_read_stats st;
        stats_collect(c, &st);

        pthread_mutex_lock(&c->mu);
        c->pub = st;
        int filled = 0;
        for (uint32_t i = 0; i < (rc ? 1 : nout); i++) {
            uint64_t s = step + i;
            ls_batch *b = rc ? NULL : c->run_out[i];
            c->run_out[i] = NULL;
            if (c->gen != gen || c->stop || s < c->base || s > c->base + c->win) {
                ls_batch_destroy(b);  /* the window moved while we read */
                continue;
            }
            slot_fill(c, s, rc, b);
            filled = 1;
        }
        if (!filled)
            continue;
        pthread_cond_broadcast(&c->cv);
        progress_bump();
        if (rc && !ls_err_is_retriable(rc)) {
            /* Do not read past a failed step until the caller moves on. */
            while (!c->stop && c->gen == gen && c->base <= step)
                pthread_cond_wait(&c->cv, &c->mu);
        }
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* ---- public -------------------------------------------------------------- */

int ls_consumer_open(ls_store *st, const char *table, uint32_t rank, uint32_t world_size,
                     const ls_conf *conf, ls_consumer **out)
{
    *out = NULL;
    if (world_size == 0 || world_size > LS_WORLD_SIZE_MAX)
        return ls_seterr(LS_ERR_INVALID, "world size %" PRIu32 " is outside [1, %u]",
                         world_size, LS_WORLD_SIZE_MAX);
    if (rank >= world_size)
        return ls_seterr(LS_ERR_INVALID, "rank %" PRIu32 " is not below world size %" PRIu32,
                         rank, world_size);
    ls_consumer *c = calloc(1, sizeof(*c));
    if (!c)
        return ls_seterr(LS_ERR_NOMEM, "consumer handle");
    c->behind = 1;               /* until a step makes it wait: try group indexes */
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    /* Format 2 readers need only the descriptor while step indexes
     * answer: the state is loaded at the first read of the log. */
    int rc = ls_table_open_lazy(st, table, conf, &c->t);
    if (rc) {
        ls_consumer_close(c);
        return rc;
    }
    uint32_t B = c->t->desc.global_batch;
    if (B % world_size != 0) {
        ls_consumer_close(c);
        return ls_seterr(LS_ERR_INVALID, "global batch %" PRIu32 " of table %s is not a "
                         "multiple of world size %" PRIu32, B, table, world_size);
    }
    c->rank = rank;
    c->world = world_size;
    c->slice = B / world_size;
    /* Rank r reads [r * slice, (r + 1) * slice) of each step: the W slices
     * partition the step's B samples exactly, none empty. */
    LS_ASSERT(c->slice >= 1 && c->slice * world_size == B && (rank + 1) * c->slice <= B);
    c->depth = (unsigned)ls_conf_int(c->t->conf, "consumer.prefetch.steps");
    c->poll_max_ms = (unsigned)ls_conf_int(c->t->conf, "consumer.poll.interval.ms.max");
    c->retries = (unsigned)ls_conf_int(c->t->conf, "store.retries");
    const char *mode = ls_conf_get(c->t->conf, "consumer.step.index");
    /* No indexes (format 1, or B below LS_STEP_INDEX_MIN_BATCH): the log. */
    c->index_mode = !ls_table_step_indexed(c->t) ? INDEX_OFF
                    : !strcmp(mode, "verify") ? INDEX_VERIFY
                    : !strcmp(mode, "off") ? INDEX_OFF : INDEX_USE;
    c->index_wait_ns = (uint64_t)ls_conf_int(c->t->conf, "consumer.index.wait.ms") * 1000000u;
    if (c->index_mode == INDEX_OFF && (rc = ls_table_catch_up(c->t))) {
        ls_consumer_close(c);
        return rc;
    }
    if (!(c->dctx = ZSTD_createDCtx())) {
        ls_consumer_close(c);
        return ls_seterr(LS_ERR_NOMEM, "zstd context");
    }
    stats_collect(c, &c->pub);
    /* Small slices read through the log come in runs, the window two runs
     * long (file comment). */
    c->run_max = 1;
    if (c->depth > 0 && c->index_mode == INDEX_OFF && c->slice < LS_READ_RUN_SAMPLES)
        c->run_max = (uint32_t)(LS_READ_RUN_SAMPLES / c->slice);
    c->win = c->depth;
    if (c->run_max > 1 && 2 * c->run_max > c->win)
        c->win = 2 * c->run_max;
    if (c->depth > 0) {
        if (!(c->ring = calloc(c->win + 1, sizeof(slot))) ||
            !(c->run_out = calloc(c->run_max, sizeof(ls_batch *)))) {
            ls_consumer_close(c);
            return ls_seterr(LS_ERR_NOMEM, "prefetch window");
        }
        if (pthread_create(&c->thr, NULL, prefetch_main, c) != 0) {
            ls_consumer_close(c);
            return ls_seterr(LS_ERR_NOMEM, "cannot start the prefetch thread");
        }
        c->thr_started = 1;
    }
    *out = c;
    return LS_OK;
}

int ls_consumer_read_step(ls_consumer *c, uint64_t step, int timeout_ms, ls_batch **out)
{
    *out = NULL;
    uint64_t deadline = 0;        /* taken when the step is not there at once */
    if (c->depth == 0) {
        deadline = ls_now_ns() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000u;
        uint32_t nout;
        int rc = read_step(c, step, deadline, NULL, 0, 1, out, &nout);
        stats_collect(c, &c->pub);
        return rc;
    }
    pthread_mutex_lock(&c->mu);
    int wake = 0;
    if (!c->active || step < c->base || step > c->base + c->win) {
        /* A jump (or the first read): restart the window at step. */
        c->gen++;
        for (unsigned i = 0; i <= c->win; i++) {
            ls_batch_destroy(c->ring[i].batch);
            free(c->ring[i].errmsg);
            memset(&c->ring[i], 0, sizeof(slot));
        }
        c->held_bytes = 0;
        c->scan = step;
        wake = 1;
    }
    for (uint64_t s = c->base; s < step; s++) {
        /* Steps skipped within the window: their batches go. */
        slot *sk = &c->ring[s % (c->win + 1)];
        if (sk->filled && sk->step == s) {
            c->held_bytes -= sk->bytes;
            ls_batch_destroy(sk->batch);
            free(sk->errmsg);
            memset(sk, 0, sizeof(slot));
        }
    }
    c->base = step;
    c->active = 1;
    slot *sl = &c->ring[step % (c->win + 1)];
    int rc = LS_OK;
    while (!(sl->filled && sl->step == step)) {
        pthread_cond_broadcast(&c->cv);   /* the step is within the reader's depth */
        wake = 0;
        if (!deadline)
            deadline = ls_now_ns() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000u;
        if (ls_now_ns() >= deadline) {
            rc = ls_seterr(LS_ERR_TIMEOUT, "table %s: step %" PRIu64 ": not visible after "
                           "%d ms (%" PRIu64 " steps visible)", c->t->name, step, timeout_ms,
                           atomic_load(&c->known_steps));
            break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t left = deadline - ls_now_ns();
        if (left > 50000000u)
            left = 50000000u;  /* wake up regularly to re-check the deadline */
        ts.tv_nsec += (long)left;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&c->cv, &c->mu, &ts);
    }
    if (!rc) {
        rc = sl->rc;
        c->held_bytes -= sl->bytes;
        sl->bytes = 0;
        if (rc) {
            ls_seterr(rc, "%s", sl->errmsg ? sl->errmsg : "");
            sl->filled = 0;  /* a retry reads the step again ... */
            if (c->scan > step)
                c->scan = step;
            c->gen++;        /* ... and the reader stops waiting for us to move on */
            wake = 1;
        } else {
            *out = sl->batch;
            sl->batch = NULL;
            sl->filled = 0;
            c->base = step + 1;  /* slide the window */
            uint64_t next;
            if (prefetch_wanted(c, &next))
                wake = 1;        /* else the reader has nothing to do yet */
        }
    }
    if (wake)
        pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void ls_consumer_stats_get(ls_consumer *c, ls_read_stats *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->pub;
    pthread_mutex_unlock(&c->mu);
}

void ls_consumer_close(ls_consumer *c)
{
    if (!c)
        return;
    if (c->thr_started) {
        pthread_mutex_lock(&c->mu);
        c->stop = 1;
        pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
        pthread_join(c->thr, NULL);
    }
    if (c->ring)
        for (unsigned i = 0; i <= c->win; i++) {
            ls_batch_destroy(c->ring[i].batch);
            free(c->ring[i].errmsg);
        }
    free(c->ring);
    free(c->run_out);
    ZSTD_freeDCtx(c->dctx);
    parts_free(c);
    free(c->parts);
    free(c->s_stored);
    free(c->s_flags);
    free(c->s_crc);
    free(c->s_rel);
    free(c->s_part);
    free(c->idx);
    free(c->blk_crc);
    group_forget(c);
    free(c->grp_smp);
    free(c->grp_crc);
    ls_table_close(c->t);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
