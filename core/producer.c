/*
 * producer.c -- appending samples: chunk building, background chunk
 * writes, group commit (when to commit: producer.commit.policy, dac.c),
 * the in-flight commit and its delivery reports, purge, epoch fencing
 * (the epoch bump at open; precheck, run before each commit attempt).  The
 * commit loop itself (put_if_absent at the head, read forward on a lost
 * race, recognise a lost reply by commit_id) is commit.c's
 * (docs/protocol.md, "Commit").
 *
 * Samples go into the open chunk; a full chunk is sealed and written (plain
 * put, before any record names it).  A commit takes every sealed chunk not
 * yet committed and freezes them into the in-flight commit: from its first
 * attempt on, that commit's chunks, seqs and commit_id never change, so a
 * retry after an unknown outcome can be recognised (by commit_id, and by
 * last_seq >= seq_last) and is never committed twice.
 *
 * Sealed chunks are written by LS_PRODUCER_CHUNK_WRITES_MAX background
 * writer threads while the caller keeps appending (at most that many
 * chunks queued or being written), so filling a chunk overlaps with
 * writing and syncing the previous ones; a commit waits for its chunks.  A written chunk's buffer is handed
 * back to the builder, so steady-state ingest allocates nothing.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

enum { CH_QUEUED, CH_WRITING, CH_WRITTEN, CH_FAILED };

/* A sealed chunk: written to the store (data given back) or waiting to be.
 * key and index are heap memory so that the in-flight record can borrow
 * them while the chunk array grows. */
typedef struct pchunk {
    char    *key;
    uint64_t seq;
    uint32_t count;
    uint8_t *index;          /* count x 8 bytes */
    ls_bytes data;           /* the object until written; then only len */
    int      state;          /* CH_*, guarded by wmu */
    int      err;            /* CH_FAILED: the error and its detail */
    char    *errmsg;
    size_t   msg_first;      /* index into p->msgs of its first sample */
} pchunk;

struct ls_producer {
    ls_table *t;
    char     *id;
    uint64_t  epoch;
    uint64_t  next_seq;
    int       fatal;         /* sticky: LS_ERR_FENCED, and every later call returns it */
    int       bumping;       /* the in-flight commit is this incarnation's epoch bump */

    ls_chunk_builder cb;     /* the open chunk */
    pchunk   *chunks;        /* sealed, in seq order; [0, ninflight) are in flight */
    size_t    nchunks, chunks_cap;
    size_t    ninflight;
    int       inflight;      /* an in-flight commit exists (record below) */
    int       inflight_landed; /* replay has shown it in the log (sticky) */
    ls_record rec;           /* the in-flight commit (chunk arrays borrowed) */
    uint64_t  pending_bytes; /* stored bytes sealed or open, not committed */

    void    **msgs;          /* msg opaques of uncommitted samples, in order */
    size_t    nmsgs, msgs_cap;

    uint8_t  *srcpos;        /* position to commit next (has_srcpos) */
    uint32_t  srcpos_len;
    int       has_srcpos;
    uint8_t  *committed_srcpos;  /* the committed one, for the caller */
    uint32_t  committed_srcpos_len;

    uint64_t  first_append_ns;   /* of the oldest uncommitted sample, 0 if none */
    double    interval_ms;   /* the commit interval now (fixed, or DAC's) */
    int64_t   commit_bytes_max, chunk_bytes_max, chunk_samples_max;
    int       dac_on;        /* producer.commit.policy = dac */
    int       manual;        /* producer.commit.policy = manual: flush only */
    ls_dac_params dacp;
    ls_dac_state  dac;
    uint64_t      dac_version, dac_landed_ns;  /* its previous commit landed there, then */
    unsigned  retries;

    ls_delivery_cb *dr_cb;
    void     *dr_opaque;
    int       in_dr;         /* inside dr_cb: dr_sample is the sample's place */
    uint64_t  dr_sample;     /* UINT64_MAX: not known (see ls_producer_delivery_place) */
    ls_producer_stats stats; /* chunks_written, chunk_write_ns_total under wmu */

    /* The writer threads.  wmu guards every chunk's state/data/err fields,
     * `queued`, `spare`, `wstop`, and the chunks array pointer while the
     * caller resizes or shifts it; the writer never keeps a pointer into
     * the array across an unlock (it finds its chunk again by seq). */
    pthread_mutex_t wmu;
    pthread_cond_t  wcv;
    pthread_t wthr[LS_PRODUCER_CHUNK_WRITES_MAX];
    unsigned  nwthr;         /* writer threads started */
    int       wstop;
    size_t    queued;        /* chunks CH_QUEUED or CH_WRITING */
    ls_bytes  spare;         /* a written chunk's buffer, for the builder */
};

static void pchunk_free(pchunk *c)
{
    free(c->key);
    free(c->index);
    free(c->errmsg);
    ls_bytes_free(&c->data);
}

/* Put one object with retries of retriable errors. */
static int put_retry(ls_producer *p, const char *key, const void *buf, size_t len)
{
    unsigned backoff_ms = 1;
    for (unsigned attempt = 0;; attempt++) {
        int rc = ls_store_put(p->t->st, key, buf, len);
        if (!ls_err_is_retriable(rc) || attempt >= p->retries)
            return rc;
        ls_backoff(&backoff_ms, LS_RETRY_BACKOFF_MS_MAX);
    }
}

static pchunk *chunk_by_seq(ls_producer *p, uint64_t seq)
{
    for (size_t i = 0; i < p->nchunks; i++)
        if (p->chunks[i].seq == seq)
            return &p->chunks[i];
    return NULL;
}

/* A written chunk keeps only its length; its buffer becomes the spare. */
static void chunk_release_data(ls_producer *p, pchunk *c)
{
    size_t len = c->data.len;
    if (!p->spare.data) {
        p->spare = c->data;
        p->spare.len = 0;
    } else {
        ls_bytes_free(&c->data);
    }
    memset(&c->data, 0, sizeof(c->data));
    c->data.len = len;
}

static void *writer_main(void *arg)
{
    ls_producer *p = arg;
    pthread_mutex_lock(&p->wmu);
    while (!p->wstop) {
        pchunk *c = NULL;
        for (size_t i = 0; i < p->nchunks && !c; i++)
            if (p->chunks[i].state == CH_QUEUED)
                c = &p->chunks[i];
        if (!c) {
            pthread_cond_wait(&p->wcv, &p->wmu);
            continue;
        }
        c->state = CH_WRITING;
        uint64_t seq = c->seq;
        const char *key = c->key;          /* heap: stable while WRITING */
        const uint8_t *buf = c->data.data; /* freed only once WRITTEN */
        size_t len = c->data.len;
        pthread_mutex_unlock(&p->wmu);

        uint64_t t0 = ls_now_ns();
        int rc = put_retry(p, key, buf, len);
        uint64_t dt = ls_now_ns() - t0;
        char *msg = rc ? strdup(ls_errmsg()) : NULL;

        pthread_mutex_lock(&p->wmu);
        c = chunk_by_seq(p, seq);          /* the array may have moved */
        if (c) {
            p->stats.chunk_write_ns_total += dt;
            if (rc == LS_OK) {
                c->state = CH_WRITTEN;
                p->stats.chunks_written++;
                chunk_release_data(p, c);
            } else {
                c->state = CH_FAILED;
                c->err = rc;
                free(c->errmsg);
                c->errmsg = msg;
                msg = NULL;
            }
        }
        free(msg);
        p->queued--;
        pthread_cond_broadcast(&p->wcv);
    }
    pthread_mutex_unlock(&p->wmu);
    return NULL;
}

/* Fire delivery callbacks of msgs [0, n) with err and drop them; first:
 * the global sample number of msgs[0] (err LS_OK; UINT64_MAX: unknown). */
static void deliver_at(ls_producer *p, size_t n, int err, uint64_t first)
{
    for (size_t i = 0; i < n; i++)
        if (p->dr_cb) {
            p->in_dr = 1;
            p->dr_sample = first == UINT64_MAX ? UINT64_MAX : first + i;
            p->dr_cb(p->msgs[i], err, p->dr_opaque);
            p->in_dr = 0;
        }
    if (p->nmsgs > n)
        memmove(p->msgs, p->msgs + n, (p->nmsgs - n) * sizeof(void *));
    p->nmsgs -= n;
    for (size_t i = 0; i < p->nchunks; i++)
        p->chunks[i].msg_first -= n;
}

static void deliver(ls_producer *p, size_t n, int err)
{
    deliver_at(p, n, err, UINT64_MAX);
}

/* A final error: every uncommitted sample's callback fires with it now,
 * and every later call returns it. */
static int set_fatal(ls_producer *p, int err)
{
    p->fatal = err;
    deliver(p, p->nmsgs, err);
    return err;
}

/* ---- chunks ------------------------------------------------------------- */

static int seal_chunk(ls_producer *p)
{
    if (p->cb.count == 0)
        return LS_OK;
    if (p->nchunks == p->chunks_cap) {
        size_t cap = p->chunks_cap ? p->chunks_cap * 2 : 16;
        if (cap > LS_RECORD_CHUNKS_MAX)
            cap = LS_RECORD_CHUNKS_MAX;
        if (p->nchunks >= cap)
            return ls_seterr(LS_ERR_LIMIT, "producer %s: more than %u uncommitted chunks",
                             p->id, LS_RECORD_CHUNKS_MAX);
        pthread_mutex_lock(&p->wmu);
        pchunk *c = realloc(p->chunks, cap * sizeof(*c));
        if (c) {
            p->chunks = c;
            p->chunks_cap = cap;
        }
        pthread_mutex_unlock(&p->wmu);
        if (!c)
            return ls_seterr(LS_ERR_NOMEM, "producer chunk list");
    }
    char key[LS_KEY_BYTES_MAX + 1];
    int rc = ls_key_chunk(key, p->t->name, p->id, p->epoch, p->next_seq);
    if (rc)
        return rc;
    pchunk nc = { 0 };
    if (!(nc.key = strdup(key)) || !(nc.index = malloc(p->cb.index.len + 1))) {
        pchunk_free(&nc);
        return ls_seterr(LS_ERR_NOMEM, "chunk index");
    }
    if ((rc = ls_chunk_builder_finish(&p->cb))) {
        pchunk_free(&nc);
        return rc;
    }
    nc.seq = p->next_seq;
    nc.count = p->cb.count;
    nc.msg_first = p->nmsgs - p->cb.count;
    nc.state = CH_QUEUED;
    memcpy(nc.index, p->cb.index.data, p->cb.index.len);
    /* Hand the builder's buffer to the chunk and give the builder the
     * spare one (a written chunk's), so no buffer is grown twice. */
    nc.data = p->cb.data;
    p->pending_bytes += LS_CHUNK_TRAILER_BYTES;
    p->next_seq++;
    pthread_mutex_lock(&p->wmu);
    p->cb.data = p->spare;
    memset(&p->spare, 0, sizeof(p->spare));
    p->chunks[p->nchunks++] = nc;
    p->queued++;
    pthread_cond_broadcast(&p->wcv);
    /* Back-pressure: bounded memory for chunks waiting to be written. */
    while (p->queued > LS_PRODUCER_CHUNK_WRITES_MAX)
        pthread_cond_wait(&p->wcv, &p->wmu);
    pthread_mutex_unlock(&p->wmu);
    ls_chunk_builder_reset(&p->cb);
    return LS_OK;
}

/* Wait until every sealed chunk is written; a chunk the writer failed on
 * is tried once more here (with retries) before its error is returned. */
static int write_chunks(ls_producer *p)
{
    pthread_mutex_lock(&p->wmu);
    while (p->queued > 0)
        pthread_cond_wait(&p->wcv, &p->wmu);
    int rc = LS_OK;
    for (size_t i = 0; i < p->nchunks && rc == LS_OK; i++) {
        pchunk *c = &p->chunks[i];
        if (c->state != CH_FAILED)
            continue;
        uint64_t t0 = ls_now_ns();
        rc = put_retry(p, c->key, c->data.data, c->data.len);
        p->stats.chunk_write_ns_total += ls_now_ns() - t0;
        if (rc) {
            ls_preferr(rc, "producer %s: writing chunk %s", p->id, c->key);
        } else {
            c->state = CH_WRITTEN;
            p->stats.chunks_written++;
            chunk_release_data(p, c);
        }
    }
    pthread_mutex_unlock(&p->wmu);
    return rc;
}

/* ---- commit ------------------------------------------------------------- */

/* Freeze every sealed chunk into a new in-flight commit record. */
static int build_inflight(ls_producer *p)
{
    ls_record *r = &p->rec;
    memset(r, 0, sizeof(*r));
    int rc = ls_random_bytes(r->commit_id, sizeof(r->commit_id));
    if (rc)
        return rc;
    /* Freeze as many sealed chunks as one record can name: at most
     * LS_RECORD_CHUNKS_MAX, and index bytes well within
     * LS_RECORD_BYTES_MAX.  The rest go to the next commit. */
    size_t n = 0;
    uint64_t est = 1024 + p->srcpos_len;
    while (n < p->nchunks && n < LS_RECORD_CHUNKS_MAX) {
        uint64_t c = strlen(p->chunks[n].key) + 32 +
                     (uint64_t)p->chunks[n].count * LS_CHUNK_ENTRY_BYTES;
        if (n > 0 && est + c > LS_RECORD_BYTES_MAX / 2)
            break;
        est += c;
        n++;
    }
    if (n && !(r->chunks = calloc(n, sizeof(ls_chunk_ref))))
        return ls_seterr(LS_ERR_NOMEM, "commit record");
    r->producer = p->id;
    r->epoch = p->epoch;
    r->nchunks = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        r->chunks[i].key = p->chunks[i].key;
        r->chunks[i].count = p->chunks[i].count;
        r->chunks[i].index = p->chunks[i].index;
    }
    if (n) {
        r->seq_first = p->chunks[0].seq;
        r->seq_last = p->chunks[n - 1].seq;
    } else {
        r->seq_first = p->next_seq;
        r->seq_last = p->next_seq - 1;
    }
    /* The source position is the one after the last sample appended: it
     * travels only with the commit that holds every appended sample. */
    if (p->has_srcpos && n == p->nchunks && p->cb.count == 0) {
        r->has_source_position = 1;
        r->source_position = p->srcpos;
        r->source_position_len = p->srcpos_len;
    }
    p->ninflight = n;
    p->inflight = 1;
    p->inflight_landed = 0;
    return LS_OK;
}

/* The first sample number of the retained commit with this commit_id, or
 * UINT64_MAX (reclaimed already, or known only from a format 1.0 snapshot
 * that kept no ids).  Ours is among the newest: search from the end. */
static uint64_t commit_first_sample(const ls_state *s, const uint8_t *commit_id)
{
    for (size_t k = s->ncommits; k-- > 0;)
        if (!memcmp(s->commits[k].commit_id, commit_id, sizeof(s->commits[k].commit_id)))
            return s->commits[k].first_sample;
    return UINT64_MAX;
}

/* The in-flight commit is in the log: deliver, release its chunks. */
static void inflight_done(ls_producer *p)
{
    size_t nmsg = 0;
    uint64_t bytes = 0;
    pthread_mutex_lock(&p->wmu);
    for (size_t i = 0; i < p->ninflight; i++) {
        nmsg += p->chunks[i].count;
        bytes += p->chunks[i].data.len;
        pchunk_free(&p->chunks[i]);
    }
    if (p->nchunks > p->ninflight)
        memmove(p->chunks, p->chunks + p->ninflight,
                (p->nchunks - p->ninflight) * sizeof(pchunk));
    p->nchunks -= p->ninflight;
    pthread_mutex_unlock(&p->wmu);
    p->pending_bytes = p->pending_bytes > bytes ? p->pending_bytes - bytes : 0;
    if (p->rec.has_source_position) {
        /* The committed position is now the caller's readable one; the
         * buffer passes from the record to committed_srcpos. */
        free(p->committed_srcpos);
        p->committed_srcpos = p->rec.source_position;
        p->committed_srcpos_len = p->rec.source_position_len;
        if (p->rec.source_position == p->srcpos) {
            p->srcpos = NULL;
            p->srcpos_len = 0;
            p->has_srcpos = 0;
        }
    }
    p->stats.commits++;
    p->stats.samples_committed += nmsg;
    p->stats.bytes_committed += bytes;
    uint64_t first = nmsg ? commit_first_sample(&p->t->state, p->rec.commit_id) : UINT64_MAX;
    free(p->rec.chunks);
    memset(&p->rec, 0, sizeof(p->rec));
    p->ninflight = 0;
    p->inflight = 0;
    p->inflight_landed = 0;
    p->first_append_ns = p->nmsgs > nmsg ? ls_now_ns() : 0;
    deliver_at(p, nmsg, LS_OK, first);
}

/* Before each commit attempt: has a newer incarnation fenced us?  Is the
 * in-flight commit already in (a retry of a commit that landed)? */
static int precheck(void *arg, const ls_state *s, int *already_in)
{
    ls_producer *p = arg;
    *already_in = 0;
    ls_pstate *ps = ls_state_producer(s, p->id);
    /* An epoch bump that finds its epoch already taken lost to a
     * concurrent open of the same id: two incarnations must never share
     * an epoch. */
    if (ps && (ps->epoch > p->epoch || (p->bumping && ps->epoch >= p->epoch)))
        return set_fatal(p, ls_seterr(LS_ERR_FENCED, "producer %s: epoch %" PRIu64
                                      " fenced by epoch %" PRIu64 " (version %" PRIu64 ")",
                                      p->id, p->epoch, ps->epoch, ps->last_version));
    if (ps && ps->epoch == p->epoch && p->rec.nchunks > 0 && ps->last_seq >= p->rec.seq_last)
        *already_in = 1;
    /* Replay ignores chunks whose seqs are not above last_seq (rule 3): a
     * record like that would carry nothing while we report it delivered. */
    else if (ps && p->rec.nchunks > 0 && p->rec.seq_first <= ps->last_seq)
        return ls_seterr(LS_ERR_STATE, "producer %s: chunk seq %" PRIu64 " is not above the "
                         "committed last_seq %" PRIu64, p->id, p->rec.seq_first, ps->last_seq);
    return LS_OK;
}

/* Drive the in-flight commit into the log.  Returns LS_OK once it is in;
 * a retriable error leaves it in flight for the next call.  stall0: when
 * the caller stopped appending for this commit (before waiting for its
 * chunk writes), so that DAC's latency floor sees the whole stall. */
static int commit_inflight(ls_producer *p, uint64_t stall0)
{
    ls_commit_ctl ctl = { .precheck = precheck, .arg = p, .retries = p->retries,
                          .landed = p->inflight_landed };
    uint64_t t0 = ls_now_ns();
    int rc = ls_table_commit(p->t, &p->rec, &ctl);
    p->inflight_landed = ctl.landed;
    p->stats.commit_ns_total += ls_now_ns() - t0;
    p->stats.commit_attempts += ctl.attempts;
    p->stats.conflicts += ctl.conflicts;
    p->stats.stale_attempts += ctl.stale;
    p->stats.lost_replies += ctl.lost_replies;
    p->stats.meta_requests = p->t->meta.requests;
    p->stats.log_jumps = p->t->jumps;
    if (rc)
        return rc == LS_ERR_FENCED ? rc : ls_preferr(rc, "producer %s: commit", p->id);
    if (p->dac_on && !p->bumping) {
        /* DAC learns from every data commit: conflicts push the interval
         * up, clean commits bring it down, latency sets its floor. */
        /* Conflicts, not retries after store errors (a flaky store is not
         * contention) nor stale attempts (not reading forward is not one). */
        uint64_t now = ls_now_ns(), v = p->t->state.version;
        ls_dac_obs o = { .attempts = (unsigned)(1 + ctl.conflicts),
                         .latency_ms = (double)(now - stall0) / 1e6 };
        if (p->dac_version && v > p->dac_version) {
            o.others = v - p->dac_version - 1;
            o.span_ms = (double)(now - p->dac_landed_ns) / 1e6;
            o.log_ms = (double)(now - t0) / 1e6;
        }
        p->dac_version = v;
        p->dac_landed_ns = now;
        p->interval_ms = ls_dac_next(&p->dac, &p->dacp, &o);
    }
    inflight_done(p);
    return LS_OK;
}

/* Commit everything appended so far (the open chunk included if seal). */
static int commit_all(ls_producer *p, int seal)
{
    int rc;
    if (p->fatal)
        return ls_seterr(p->fatal, "producer %s: %s (final)", p->id, ls_err2str(p->fatal));
    if (p->inflight && (rc = commit_inflight(p, ls_now_ns())))
        return rc;
    /* Each round commits at least one chunk, or the source position, so
     * the loop ends; several rounds when a record cannot name everything,
     * or the chunk list was full and the open chunk could not be sealed. */
    for (;;) {
        if (seal && p->cb.count > 0) {
            rc = seal_chunk(p);
            if (rc && !(rc == LS_ERR_LIMIT && p->nchunks > 0))
                return rc;
        }
        if (p->nchunks == 0 && !p->has_srcpos)
            return LS_OK;
        if (p->nchunks == 0 && p->cb.count > 0)
            return ls_seterr(LS_ERR_STATE, "producer %s: cannot seal the open chunk", p->id);
        uint64_t stall0 = ls_now_ns();
        if ((rc = write_chunks(p)) || (rc = build_inflight(p)) ||
            (rc = commit_inflight(p, stall0)))
            return rc;
        if (p->nchunks == 0 && p->cb.count == 0 && !p->has_srcpos)
            return LS_OK;
        if (!seal && p->nchunks == 0)
            return LS_OK;
    }
}

/* ---- public ------------------------------------------------------------- */

int ls_producer_open(ls_store *st, const char *table, const char *id,
                     const ls_conf *conf, ls_producer **out)
{
    *out = NULL;
    if (!ls_name_is_valid(id))
        return ls_seterr(LS_ERR_INVALID, "invalid producer id \"%s\": use 1-%u of "
                         "[A-Za-z0-9._-], no \"..\"", ls_q(id),
                         LS_PRODUCER_ID_BYTES_MAX);
    ls_producer *p = calloc(1, sizeof(*p));
    if (!p || !(p->id = strdup(id))) {
        free(p);
        return ls_seterr(LS_ERR_NOMEM, "producer handle");
    }
    pthread_mutex_init(&p->wmu, NULL);
    pthread_cond_init(&p->wcv, NULL);
    /* One writer per outstanding chunk write: while one fsyncs, the next
     * chunk is already being written. */
    for (; p->nwthr < LS_PRODUCER_CHUNK_WRITES_MAX; p->nwthr++) {
        if (pthread_create(&p->wthr[p->nwthr], NULL, writer_main, p) != 0) {
            ls_producer_close(p);
            return ls_seterr(LS_ERR_NOMEM, "cannot start a chunk writer thread");
        }
    }
    int rc = ls_table_open(st, table, conf, &p->t);
    if (rc) {
        ls_producer_close(p);
        return rc;
    }
    /* Format 2 with B >= 16 (ls_table_step_indexed): the indexes the
     * commits build are put off the commit path (index_pub.c). */
    if (ls_table_step_indexed(p->t) &&
        !strcmp(ls_conf_get(p->t->conf, "producer.index.publish"), "async") &&
        (rc = ls_index_pub_start(p->t))) {
        ls_producer_close(p);
        return rc;
    }
    p->interval_ms = (double)ls_conf_int(p->t->conf, "producer.commit.interval.ms");
    p->dac_on = !strcmp(ls_conf_get(p->t->conf, "producer.commit.policy"), "dac");
    p->manual = !strcmp(ls_conf_get(p->t->conf, "producer.commit.policy"), "manual");
    if (p->dac_on) {
        ls_dac_params_default(&p->dacp);
        p->dacp.interval_ms_min = (double)ls_conf_int(p->t->conf, "producer.dac.interval.ms.min");
        p->dacp.interval_ms_max = (double)ls_conf_int(p->t->conf, "producer.dac.interval.ms.max");
        p->dacp.saturated_ms_max =
            (double)ls_conf_int(p->t->conf, "producer.dac.saturated.interval.ms.max");
        p->dacp.latency_factor = (double)ls_conf_int(p->t->conf, "producer.dac.latency.factor");
        uint64_t seed;
        if ((rc = ls_random_bytes(&seed, sizeof(seed)))) {  /* desynchronise producers */
            ls_producer_close(p);
            return rc;
        }
        ls_dac_init(&p->dac, &p->dacp, p->interval_ms, seed);
        p->interval_ms = p->dac.interval_ms;
    }
    p->commit_bytes_max = ls_conf_int(p->t->conf, "producer.commit.bytes.max");
    p->chunk_bytes_max = ls_conf_int(p->t->conf, "producer.chunk.bytes.max");
    p->chunk_samples_max = ls_conf_int(p->t->conf, "producer.chunk.samples.max");
    p->retries = (unsigned)ls_conf_int(p->t->conf, "store.retries");
    rc = ls_chunk_builder_init(&p->cb, p->t->desc.codec,
                               (int)ls_conf_int(p->t->conf, "codec.zstd.level"));
    if (rc) {
        ls_producer_close(p);
        return rc;
    }

    /* Epoch bump: fence every older incarnation.  Retried on conflicts
     * like any commit; a concurrent open of the same id that wins first
     * fences this one. */
    ls_pstate *ps = ls_state_producer(&p->t->state, id);
    p->epoch = (ps ? ps->epoch : 0) + 1;
    p->next_seq = (ps ? ps->last_seq : 0) + 1;
    rc = build_inflight(p);
    p->bumping = 1;
    if (!rc)
        rc = commit_inflight(p, ls_now_ns());
    p->bumping = 0;
    if (rc) {
        ls_producer_close(p);
        return rc;
    }
    /* The bump is not a data commit: start the statistics afresh. */
    memset(&p->stats, 0, sizeof(p->stats));
    ps = ls_state_producer(&p->t->state, id);
    /* Seqs continue after what is committed *now*: an older incarnation may
     * have committed more while the bump caught up with the log, and a
     * stale next_seq would give this incarnation's chunks seqs that replay
     * treats as already in. */
    p->next_seq = (ps ? ps->last_seq : 0) + 1;
    if (ps && ps->source_position_len) {
        if (!(p->committed_srcpos = malloc(ps->source_position_len))) {
            ls_producer_close(p);
            return ls_seterr(LS_ERR_NOMEM, "source position");
        }
        memcpy(p->committed_srcpos, ps->source_position, ps->source_position_len);
        p->committed_srcpos_len = ps->source_position_len;
    }
    p->stats.epoch = p->epoch;
    *out = p;
    return LS_OK;
}

void ls_producer_set_delivery_cb(ls_producer *p, ls_delivery_cb *cb, void *cb_opaque)
{
    p->dr_cb = cb;
    p->dr_opaque = cb_opaque;
}

const void *ls_producer_source_position(ls_producer *p, size_t *len)
{
    *len = p->committed_srcpos_len;
    return p->committed_srcpos;
}

int ls_producer_set_source_position(ls_producer *p, const void *pos, size_t len)
{
    if (len > LS_SOURCE_POSITION_BYTES_MAX)
        return ls_seterr(LS_ERR_LIMIT, "source position of %zu bytes exceeds %u",
                         len, LS_SOURCE_POSITION_BYTES_MAX);
    uint8_t *copy = NULL;
    if (len && !(copy = malloc(len)))
        return ls_seterr(LS_ERR_NOMEM, "source position");
    if (len)
        memcpy(copy, pos, len);
    /* The in-flight record may borrow the old buffer: keep it alive. */
    if (!(p->inflight && p->rec.source_position == p->srcpos))
        free(p->srcpos);
    p->srcpos = copy;
    p->srcpos_len = (uint32_t)len;
    p->has_srcpos = 1;
    return LS_OK;
}

static int commit_due(const ls_producer *p)
{
    if (p->nmsgs == 0 || p->manual)
        return 0;
    if ((int64_t)p->pending_bytes >= p->commit_bytes_max)
        return 1;
    return p->first_append_ns &&
           (double)(ls_now_ns() - p->first_append_ns) >= p->interval_ms * 1e6;
}

int ls_producer_append_at(ls_producer *p, const void *sample, size_t len, void *msg_opaque,
                          const void *pos, size_t pos_len)
{
    /* The position is installed only with the sample: a commit inside
     * append (or any later one) then carries exactly the samples up to
     * and including this one together with the position after it. */
    if (pos_len > LS_SOURCE_POSITION_BYTES_MAX)
        return ls_seterr(LS_ERR_LIMIT, "source position of %zu bytes exceeds %u",
                         pos_len, LS_SOURCE_POSITION_BYTES_MAX);
    uint8_t *old = p->srcpos;
    uint32_t old_len = p->srcpos_len;
    int old_has = p->has_srcpos;
    /* Decided now, as in ls_producer_set_source_position: if the in-flight
     * record borrows the old buffer, that record's path owns it. */
    int old_borrowed = p->inflight && p->rec.source_position == old;
    uint8_t *copy = malloc(pos_len ? pos_len : 1);
    if (!copy)
        return ls_seterr(LS_ERR_NOMEM, "source position");
    if (pos_len)
        memcpy(copy, pos, pos_len);
    p->srcpos = copy;
    p->srcpos_len = (uint32_t)pos_len;
    p->has_srcpos = 1;
    /* append may commit: it must see the new position, and on failure the
     * old one comes back. */
    int rc = ls_producer_append(p, sample, len, msg_opaque);
    if (rc) {
        /* Not accepted, so nothing was committed in between. */
        free(copy);
        p->srcpos = old;
        p->srcpos_len = old_len;
        p->has_srcpos = old_has;
        return rc;
    }
    if (!old_borrowed)
        free(old);
    return LS_OK;
}

int ls_producer_append(ls_producer *p, const void *sample, size_t len, void *msg_opaque)
{
    if (p->fatal)
        return ls_seterr(p->fatal, "producer %s: %s (final)", p->id, ls_err2str(p->fatal));
    if (len > LS_SAMPLE_BYTES_MAX)
        return ls_seterr(LS_ERR_LIMIT, "sample of %zu bytes exceeds %u", len,
                         LS_SAMPLE_BYTES_MAX);
    if (p->pending_bytes + len > LS_PRODUCER_BUFFER_BYTES_MAX)
        return ls_seterr(LS_ERR_LIMIT, "producer %s: %" PRIu64 " uncommitted bytes: "
                         "commit first", p->id, p->pending_bytes);
    if (p->nmsgs == p->msgs_cap) {
        size_t cap = p->msgs_cap ? p->msgs_cap * 2 : 1024;
        void **m = realloc(p->msgs, cap * sizeof(void *));
        if (!m)
            return ls_seterr(LS_ERR_NOMEM, "producer message list");
        p->msgs = m;
        p->msgs_cap = cap;
    }
    size_t before = p->cb.data.len;
    int rc = ls_chunk_builder_add(&p->cb, sample, len);
    if (rc)
        return rc;
    p->pending_bytes += p->cb.data.len - before + LS_CHUNK_ENTRY_BYTES;
    p->msgs[p->nmsgs++] = msg_opaque;
    if (!p->first_append_ns)
        p->first_append_ns = ls_now_ns();
    /* From here on the sample is accepted: a failure to seal or commit is
     * retried by the next call (and reported by flush), never returned
     * here, or a caller retrying the append would add it twice. */
    if ((int64_t)p->cb.data.len >= p->chunk_bytes_max ||
        (int64_t)p->cb.count >= p->chunk_samples_max) {
        if (seal_chunk(p) != LS_OK)
            return LS_OK;
    }
    /* The sample is accepted: its callback will fire exactly once.  A
     * failing commit here keeps everything buffered and is retried by the
     * next call; flush reports it, and a final error reached the
     * callbacks through set_fatal. */
    if (commit_due(p))
        (void)commit_all(p, 1);
    return LS_OK;
}

int ls_producer_flush(ls_producer *p)
{
    return commit_all(p, 1);
}

int ls_producer_poll(ls_producer *p)
{
    if (p->fatal)
        return ls_seterr(p->fatal, "producer %s: %s (final)", p->id, ls_err2str(p->fatal));
    if (commit_due(p))
        return commit_all(p, 1);
    return LS_OK;
}

size_t ls_producer_pending(const ls_producer *p)
{
    return p->nmsgs;
}

int ls_producer_delivery_place(const ls_producer *p, uint64_t *sample, uint64_t *step,
                               uint32_t *index)
{
    if (!p->in_dr)
        return ls_seterr(LS_ERR_STATE, "producer %s: not inside a delivery callback", p->id);
    if (p->dr_sample == UINT64_MAX)
        return ls_seterr(LS_ERR_NOT_FOUND, "producer %s: the sample's place is not known "
                         "(not delivered, or its commit is no longer retained)", p->id);
    uint64_t B = p->t->desc.global_batch;
    if (sample)
        *sample = p->dr_sample;
    if (step)
        *step = p->dr_sample / B;
    if (index)
        *index = (uint32_t)(p->dr_sample % B);
    return LS_OK;
}

/* Callbacks of msgs [from, nmsgs) with err, in order, and drop them. */
static void deliver_tail(ls_producer *p, size_t from, int err)
{
    for (size_t i = from; i < p->nmsgs; i++)
        if (p->dr_cb)
            p->dr_cb(p->msgs[i], err, p->dr_opaque);
    p->nmsgs = from;
}

int ls_producer_purge(ls_producer *p, unsigned what)
{
    if (what & ~(unsigned)(LS_PURGE_QUEUED | LS_PURGE_INFLIGHT))
        return ls_seterr(LS_ERR_INVALID, "producer %s: purge flags 0x%x", p->id, what);
    if (p->fatal)
        return LS_OK;   /* set_fatal delivered everything already */
    /* The writers may hold chunks being written: wait for them (at most
     * LS_PRODUCER_CHUNK_WRITES_MAX + 1 puts); then nobody else touches the
     * chunk array until the next seal. */
    pthread_mutex_lock(&p->wmu);
    while (p->queued > 0)
        pthread_cond_wait(&p->wcv, &p->wmu);
    pthread_mutex_unlock(&p->wmu);
    if ((what & LS_PURGE_INFLIGHT) && p->inflight) {
        /* Its outcome is unknown: it may have landed.  Forget it, so no
         * later call retries it; its samples (msgs [0, n)) get
         * LS_ERR_TIMEOUT.  A position it carries goes with it. */
        size_t n = 0;
        for (size_t i = 0; i < p->ninflight; i++)
            n += p->chunks[i].count;
        int pos_borrowed = p->rec.source_position == p->srcpos;
        if (p->rec.source_position && !pos_borrowed)
            free(p->rec.source_position);   /* the record path owned it */
        if (pos_borrowed && p->has_srcpos && p->rec.has_source_position) {
            free(p->srcpos);
            p->srcpos = NULL;
            p->srcpos_len = 0;
            p->has_srcpos = 0;
        }
        free(p->rec.chunks);
        memset(&p->rec, 0, sizeof(p->rec));
        p->inflight = 0;
        p->inflight_landed = 0;
        deliver(p, n, LS_ERR_TIMEOUT);
        pthread_mutex_lock(&p->wmu);
        for (size_t i = 0; i < p->ninflight; i++)
            pchunk_free(&p->chunks[i]);
        if (p->nchunks > p->ninflight)
            memmove(p->chunks, p->chunks + p->ninflight,
                    (p->nchunks - p->ninflight) * sizeof(pchunk));
        p->nchunks -= p->ninflight;
        p->ninflight = 0;
        pthread_mutex_unlock(&p->wmu);
    }
    if (what & LS_PURGE_QUEUED) {
        size_t keep = p->inflight ? p->ninflight : 0, keep_msgs = 0;
        for (size_t i = 0; i < keep; i++)
            keep_msgs += p->chunks[i].count;
        deliver_tail(p, keep_msgs, LS_ERR_STATE);
        pthread_mutex_lock(&p->wmu);
        for (size_t i = keep; i < p->nchunks; i++)
            pchunk_free(&p->chunks[i]);
        p->nchunks = keep;
        pthread_mutex_unlock(&p->wmu);
        ls_chunk_builder_reset(&p->cb);
        /* The position to commit next was the last appended sample's,
         * which is gone: what remains is the in-flight record's own (none
         * if it has none: the committed position stays). */
        if (!(p->inflight && p->rec.source_position == p->srcpos))
            free(p->srcpos);
        p->has_srcpos = p->inflight && p->rec.has_source_position;
        p->srcpos = p->has_srcpos ? p->rec.source_position : NULL;
        p->srcpos_len = p->has_srcpos ? p->rec.source_position_len : 0;
    }
    /* Seqs of dropped chunks are not reused: objects of them already
     * written become orphans below the next commit's last_seq, for GC. */
    uint64_t bytes = 0;
    for (size_t i = 0; i < p->nchunks; i++)
        bytes += p->chunks[i].data.len + LS_CHUNK_TRAILER_BYTES;
    p->pending_bytes = bytes + p->cb.data.len;
    p->first_append_ns = p->nmsgs ? ls_now_ns() : 0;
    return LS_OK;
}

void ls_producer_stats_get(const ls_producer *p, ls_producer_stats *out)
{
    ls_producer *mp = (ls_producer *)p;  /* the lock is not part of the value */
    pthread_mutex_lock(&mp->wmu);
    *out = p->stats;
    pthread_mutex_unlock(&mp->wmu);
    out->commit_interval_ms = p->interval_ms;
}

void ls_producer_close(ls_producer *p)
{
    if (!p)
        return;
    if (p->nwthr) {
        /* Writers finish the write they are in, then stop. */
        pthread_mutex_lock(&p->wmu);
        p->wstop = 1;
        pthread_cond_broadcast(&p->wcv);
        pthread_mutex_unlock(&p->wmu);
        for (unsigned i = 0; i < p->nwthr; i++)
            pthread_join(p->wthr[i], NULL);
    }
    if (p->nmsgs)
        deliver(p, p->nmsgs, p->fatal ? p->fatal : LS_ERR_STATE);
    for (size_t i = 0; i < p->nchunks; i++)
        pchunk_free(&p->chunks[i]);
    free(p->chunks);
    free(p->rec.chunks);
    if (p->rec.source_position != p->srcpos)
        free(p->rec.source_position);
    free(p->srcpos);
    free(p->committed_srcpos);
    free(p->msgs);
    ls_chunk_builder_free(&p->cb);
    ls_bytes_free(&p->spare);
    ls_table_close(p->t);
    pthread_cond_destroy(&p->wcv);
    pthread_mutex_destroy(&p->wmu);
    free(p->id);
    free(p);
}
