/*
 * test_record.c -- descriptor, commit record and snapshot codecs: field-by-
 * field round trips, and that damaged, truncated, random and hand-crafted
 * hostile objects (built with the small Avro writer below) are refused
 * with LS_ERR_CORRUPT or LS_ERR_VERSION, never a crash or a leak.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ls_int.h"
#include "testutil.h"

#define RKEY "t/_log/00000000000000000007"
#define SKEY "t/_log/00000000000000000040.snapshot"
#define DKEY "t/_table"

/* ---- fixtures ---------------------------------------------------------- */

static const uint8_t commit_id[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

/* A record with every optional part present; free with free_full_record. */
static ls_record full_record(void)
{
    static const uint32_t counts[3] = { 1, 5, 100 };
    ls_record r = { 0 };
    r.version = 7;
    memcpy(r.commit_id, commit_id, 16);
    r.timestamp_ms = -12345;   /* signed: any value */
    r.producer = "prep-3";
    r.epoch = 4;
    r.seq_first = 10;
    r.seq_last = 12;
    r.has_source_position = 1;
    r.source_position_len = 300;
    r.source_position = malloc(300);
    lt_fill(r.source_position, 300, 77, 0);
    r.nchunks = 3;
    r.chunks = calloc(3, sizeof(ls_chunk_ref));
    for (int i = 0; i < 3; i++) {
        char *key = malloc(64);
        snprintf(key, 64, "t/data/prep-3/0000000004-%020d", 10 + i);
        r.chunks[i].key = key;
        r.chunks[i].count = counts[i];
        r.chunks[i].index = malloc(counts[i] * 8);
        for (uint32_t j = 0; j < counts[i]; j++) {
            ls_put_u32le(r.chunks[i].index + j * 8, (j * 37 + 5) | (j & 1 ? LS_SAMPLE_ZSTD_FLAG : 0));
            ls_put_u32le(r.chunks[i].index + j * 8 + 4, 0xdead0000u + j);
        }
    }
    r.nckpt_ops = 2;
    r.ckpt_ops = calloc(2, sizeof(ls_ckpt_op));
    r.ckpt_ops[0] = (ls_ckpt_op){ "ckpt-100", LS_CKPT_REGISTER, 100 };
    r.ckpt_ops[1] = (ls_ckpt_op){ "ckpt-050", LS_CKPT_RELEASE, 0 };
    r.has_low_watermark = 1;
    r.low_watermark_step = 50;
    return r;
}

static void free_full_record(ls_record *r)
{
    free(r->source_position);
    for (uint32_t i = 0; i < r->nchunks; i++) {
        free(r->chunks[i].key);
        free(r->chunks[i].index);
    }
    free(r->chunks);
    free(r->ckpt_ops);
}

static void assert_record_equal(const ls_record *a, const ls_record *b)
{
    assert_int_equal(a->version, b->version);
    assert_memory_equal(a->commit_id, b->commit_id, 16);
    assert_int_equal(a->timestamp_ms, b->timestamp_ms);
    if (a->producer || b->producer) {
        assert_non_null(a->producer);
        assert_non_null(b->producer);
        assert_string_equal(a->producer, b->producer);
    }
    assert_int_equal(a->epoch, b->epoch);
    assert_int_equal(a->seq_first, b->seq_first);
    assert_int_equal(a->seq_last, b->seq_last);
    assert_int_equal(!!a->has_source_position, !!b->has_source_position);
    if (a->has_source_position) {
        assert_int_equal(a->source_position_len, b->source_position_len);
        if (a->source_position_len)
            assert_memory_equal(a->source_position, b->source_position,
                                a->source_position_len);
    }
    assert_int_equal(a->nchunks, b->nchunks);
    for (uint32_t i = 0; i < a->nchunks; i++) {
        assert_string_equal(a->chunks[i].key, b->chunks[i].key);
        assert_int_equal(a->chunks[i].count, b->chunks[i].count);
        assert_memory_equal(a->chunks[i].index, b->chunks[i].index, a->chunks[i].count * 8);
    }
    assert_int_equal(a->nckpt_ops, b->nckpt_ops);
    for (uint32_t i = 0; i < a->nckpt_ops; i++) {
        assert_string_equal(a->ckpt_ops[i].name, b->ckpt_ops[i].name);
        assert_int_equal(a->ckpt_ops[i].op, b->ckpt_ops[i].op);
        assert_int_equal(a->ckpt_ops[i].step, b->ckpt_ops[i].step);
    }
    assert_int_equal(!!a->has_low_watermark, !!b->has_low_watermark);
    if (a->has_low_watermark)
        assert_int_equal(a->low_watermark_step, b->low_watermark_step);
}

/* A state at version 40 with producers, checkpoints and retained commits;
 * built with malloc so ls_state_clear frees it. */
static ls_state full_state(void)
{
    ls_state s = { 0 };
    s.version = 40;
    s.total_samples = 1600;
    s.low_watermark_step = 3;
    static const char *ids[3] = { "a-prod", "b_prod", "zz.9" };
    s.nproducers = 3;
    s.producers = calloc(3, sizeof(ls_pstate));
    for (int i = 0; i < 3; i++) {
        ls_pstate *p = &s.producers[i];
        p->id = strdup(ids[i]);
        p->epoch = (uint64_t)i + 1;
        p->last_seq = 100u * (unsigned)i;
        p->last_version = 38u + (unsigned)i;
        memset(p->last_commit_id, 0x50 + i, sizeof(p->last_commit_id));
        p->source_position_len = i == 1 ? 0 : 10u * (unsigned)(i + 1);
        p->source_position = p->source_position_len ? malloc(p->source_position_len) : NULL;
        if (p->source_position)
            lt_fill(p->source_position, p->source_position_len, (uint64_t)i, 1);
    }
    s.nckpts = 2;
    s.ckpts = calloc(2, sizeof(ls_ckpt));
    s.ckpts[0] = (ls_ckpt){ strdup("ckpt-1"), 10, 0 };
    s.ckpts[1] = (ls_ckpt){ strdup("ckpt-2"), 20, 1 };
    s.ncommits = s.commits_cap = 5;
    s.commits = calloc(5, sizeof(ls_commit_ent));
    uint64_t first = 100;
    for (int i = 0; i < 5; i++) {
        s.commits[i] = (ls_commit_ent){ 20u + 4u * (unsigned)i, first, 300, { 0 } };
        memset(s.commits[i].commit_id, 0xa0 + i, sizeof(s.commits[i].commit_id));
        first += 300;
    }
    return s;
}

static void assert_state_equal(const ls_state *a, const ls_state *b)
{
    assert_int_equal(a->version, b->version);
    assert_int_equal(a->total_samples, b->total_samples);
    assert_int_equal(a->low_watermark_step, b->low_watermark_step);
    assert_int_equal(a->nproducers, b->nproducers);
    for (size_t i = 0; i < a->nproducers; i++) {
        const ls_pstate *p = &a->producers[i], *q = &b->producers[i];
        assert_string_equal(p->id, q->id);
        assert_int_equal(p->epoch, q->epoch);
        assert_int_equal(p->last_seq, q->last_seq);
        assert_int_equal(p->last_version, q->last_version);
        assert_memory_equal(p->last_commit_id, q->last_commit_id, 16);
        assert_int_equal(p->source_position_len, q->source_position_len);
        if (p->source_position_len)
            assert_memory_equal(p->source_position, q->source_position, p->source_position_len);
    }
    assert_int_equal(a->nckpts, b->nckpts);
    for (size_t i = 0; i < a->nckpts; i++) {
        assert_string_equal(a->ckpts[i].name, b->ckpts[i].name);
        assert_int_equal(a->ckpts[i].step, b->ckpts[i].step);
        assert_int_equal(!!a->ckpts[i].live, !!b->ckpts[i].live);
    }
    assert_int_equal(a->ncommits, b->ncommits);
    for (size_t i = 0; i < a->ncommits; i++) {
        assert_int_equal(a->commits[i].version, b->commits[i].version);
        assert_int_equal(a->commits[i].first_sample, b->commits[i].first_sample);
        assert_int_equal(a->commits[i].count, b->commits[i].count);
        assert_memory_equal(a->commits[i].commit_id, b->commits[i].commit_id, 16);
    }
}

/* ---- a minimal Avro writer for hand-crafted payloads ------------------- */

static void w_raw(ls_bytes *b, const void *p, size_t n)
{
    assert_int_equal(ls_bytes_append(b, p, n), LS_OK);
}

static void w_long(ls_bytes *b, int64_t v)
{
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    uint8_t c;
    do {
        c = (uint8_t)(u & 0x7f);
        u >>= 7;
        if (u)
            c |= 0x80;
        w_raw(b, &c, 1);
    } while (u);
}

static void w_str(ls_bytes *b, const char *s)
{
    w_long(b, (int64_t)strlen(s));
    w_raw(b, s, strlen(s));
}

/* Wrap a payload in an envelope with a correct CRC. */
static ls_bytes wrap(const char *magic, unsigned major, unsigned minor, const ls_bytes *payload)
{
    ls_bytes o = { 0 };
    uint8_t h[16];
    memcpy(h, magic, 4);
    ls_put_u16le(h + 4, (uint16_t)major);
    ls_put_u16le(h + 6, (uint16_t)minor);
    ls_put_u32le(h + 8, (uint32_t)payload->len);
    ls_put_u32le(h + 12, ls_crc32c(payload->data, payload->len));
    w_raw(&o, h, 16);
    w_raw(&o, payload->data, payload->len);
    return o;
}

#define NONE INT64_MIN   /* a ["null", T] union on its null branch */

/* The knobs of a crafted commit record. */
typedef struct crec {
    int64_t     version, epoch, seq_first, seq_last;
    const char *producer;         /* NULL: null branch */
    int64_t     srcpos_len;       /* NONE: null branch */
    int         nchunks;
    int64_t     count;            /* per chunk */
    int64_t     index_len;        /* -1: count * 8 */
    const char *chunk_key;
    int         nops;
    int64_t     op;               /* enum value */
    const char *op_name;
    int64_t     step;
    int64_t     wm;               /* NONE: null branch */
} crec;

static crec crec_default(void)
{
    return (crec){ 7, 1, 5, 6, "prod", 3, 2, 2, -1, "t/data/prod/0000000001-00000000000000000005",
                   1, 0, "ck", 9, 4 };
}

/* Everything before the chunks array. */
static void craft_record_prefix(ls_bytes *p, const crec *c)
{
    w_long(p, c->version);
    w_raw(p, commit_id, 16);
    w_long(p, 1700000000000);
    if (c->producer) {
        w_long(p, 1);
        w_str(p, c->producer);
    } else {
        w_long(p, 0);
    }
    w_long(p, c->epoch);
    w_long(p, c->seq_first);
    w_long(p, c->seq_last);
    if (c->srcpos_len != NONE) {
        w_long(p, 1);
        w_long(p, c->srcpos_len);
        for (int64_t i = 0; i < c->srcpos_len; i++)
            w_raw(p, "x", 1);
    } else {
        w_long(p, 0);
    }
}

static void craft_record_chunks(ls_bytes *p, const crec *c)
{
    if (c->nchunks) {
        w_long(p, c->nchunks);
        for (int i = 0; i < c->nchunks; i++) {
            w_str(p, c->chunk_key);
            w_long(p, c->count);
            int64_t il = c->index_len >= 0 ? c->index_len
                         : c->count >= 0 && c->count <= (1 << 20) ? c->count * 8 : 0;
            w_long(p, il);
            for (int64_t j = 0; j < il; j++)
                w_raw(p, "\0", 1);
        }
    }
    w_long(p, 0);
}

/* Everything after the chunks array. */
static void craft_record_suffix(ls_bytes *p, const crec *c)
{
    if (c->nops) {
        w_long(p, c->nops);
        for (int i = 0; i < c->nops; i++) {
            w_str(p, c->op_name);
            w_long(p, c->op);
            w_long(p, c->step);
        }
    }
    w_long(p, 0);
    if (c->wm != NONE) {
        w_long(p, 1);
        w_long(p, c->wm);
    } else {
        w_long(p, 0);
    }
}

static void craft_record_payload(ls_bytes *p, const crec *c)
{
    craft_record_prefix(p, c);
    craft_record_chunks(p, c);
    craft_record_suffix(p, c);
}

static int decode_crafted_record(const crec *c)
{
    ls_bytes p = { 0 };
    craft_record_payload(&p, c);
    ls_bytes o = wrap("LSR1", 1, 0, &p);
    ls_record r;
    int rc = ls_record_decode(o.data, o.len, RKEY, 7, &r);
    if (rc == LS_OK)
        ls_record_clear(&r);
    ls_bytes_free(&p);
    ls_bytes_free(&o);
    return rc;
}

/* Crafted snapshot: producers by id, checkpoints by name, a commit index. */
typedef struct csnap {
    int64_t      version, total, lw;
    int          nprod;
    const char **ids;
    int64_t      epoch, last_version;
    int          nck;
    const char **cknames;
    int          live_byte;
    size_t       ncommits;
    const uint64_t *commits;   /* triples */
    int64_t      index_len;    /* -1: ncommits * 24 */
} csnap;

static void craft_snapshot_payload(ls_bytes *p, const csnap *c)
{
    w_long(p, c->version);
    w_long(p, c->total);
    w_long(p, c->lw);
    if (c->nprod) {
        w_long(p, c->nprod);
        for (int i = 0; i < c->nprod; i++) {
            w_str(p, c->ids[i % 2]);
            w_long(p, c->epoch);
            w_long(p, 3);
            w_long(p, c->last_version);
            w_long(p, 2);
            w_raw(p, "ab", 2);
        }
    }
    w_long(p, 0);
    if (c->nck) {
        w_long(p, c->nck);
        for (int i = 0; i < c->nck; i++) {
            w_str(p, c->cknames[i % 2]);
            w_long(p, 5);
            uint8_t live = (uint8_t)c->live_byte;
            w_raw(p, &live, 1);
        }
    }
    w_long(p, 0);
    int64_t il = c->index_len >= 0 ? c->index_len : (int64_t)c->ncommits * 24;
    w_long(p, il);
    for (int64_t i = 0; i < il; i++) {
        uint8_t b = 0;
        if ((size_t)(i / 8) < c->ncommits * 3)
            b = (uint8_t)(c->commits[i / 8] >> (8 * (i % 8)));
        w_raw(p, &b, 1);
    }
}

static const char *ids_ok[2] = { "p1", "p2" };
static const char *ck_ok[2] = { "c1", "c2" };
static const uint64_t commits_ok[6] = { 10, 50, 30, 12, 80, 20 };

static csnap csnap_default(void)
{
    return (csnap){ 40, 100, 0, 2, ids_ok, 1, 39, 2, ck_ok, 1, 2, commits_ok, -1 };
}

static int decode_crafted_snapshot(const csnap *c)
{
    ls_bytes p = { 0 };
    craft_snapshot_payload(&p, c);
    ls_bytes o = wrap("LSS1", 1, 0, &p);
    ls_state s;
    int rc = ls_snapshot_decode(o.data, o.len, SKEY, 40, &s);
    if (rc == LS_OK)
        ls_state_clear(&s);
    ls_bytes_free(&p);
    ls_bytes_free(&o);
    return rc;
}

/* ---- round trips ------------------------------------------------------- */

static void test_desc(void **state)
{
    (void)state;
    ls_desc d = { 4096, LS_CODEC_ZSTD, 1700000000123, 250, 2, 0x8123456789abcdefull }, e;
    ls_bytes b = { 0 }, b1 = { 0 };
    assert_int_equal(ls_desc_encode(&d, &b), LS_OK);
    assert_memory_equal(b.data, "LSD1", 4);
    assert_int_equal(ls_desc_decode(b.data, b.len, DKEY, &e), LS_OK);
    assert_int_equal(e.global_batch, 4096);
    assert_int_equal(e.codec, LS_CODEC_ZSTD);
    assert_int_equal(e.created_ms, 1700000000123);
    assert_int_equal(e.log_retention_ms, 250);
    assert_int_equal(e.table_format, 2);
    assert_true(e.uid == 0x8123456789abcdefull);
    assert_int_equal(ls_get_u16le(b.data + 6), 2);   /* format 1.2 */

    /* A table format newer than this build: refused, naming the object
     * and both versions.  (Made from a format-1 twin: the one byte where
     * they differ is the table_format field.) */
    d.table_format = 1;
    assert_int_equal(ls_desc_encode(&d, &b1), LS_OK);
    assert_int_equal(ls_desc_decode(b1.data, b1.len, DKEY, &e), LS_OK);
    assert_int_equal(e.table_format, 1);
    assert_int_equal(b1.len, b.len);
    size_t at = 0, ndiff = 0;
    for (size_t i = LS_ENVELOPE_BYTES; i < b.len; i++)
        if (b.data[i] != b1.data[i]) {
            at = i;
            ndiff++;
        }
    assert_int_equal(ndiff, 1);
    b1.data[at] = 6;      /* zigzag varint of 3 */
    ls_put_u32le(b1.data + 12, ls_crc32c(b1.data + LS_ENVELOPE_BYTES, b1.len - LS_ENVELOPE_BYTES));
    assert_int_equal(ls_desc_decode(b1.data, b1.len, DKEY, &e), LS_ERR_VERSION);
    assert_non_null(strstr(ls_errmsg(), DKEY ": table format 3 is newer than this build reads"));
    ls_bytes_free(&b1);
    d.table_format = 3;
    assert_int_equal(ls_desc_encode(&d, &b1), LS_ERR_INVALID);
    d.table_format = 2;
    /* A record is not a descriptor. */
    b.data[3] = 'R';
    assert_int_equal(ls_desc_decode(b.data, b.len, DKEY, &e), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), DKEY ": not a descriptor"));

    d.global_batch = 0;
    assert_int_equal(ls_desc_encode(&d, &b), LS_ERR_INVALID);
    d.global_batch = LS_GLOBAL_BATCH_MAX + 1;
    assert_int_equal(ls_desc_encode(&d, &b), LS_ERR_INVALID);
    d.global_batch = 1;
    d.codec = 5;
    assert_int_equal(ls_desc_encode(&d, &b), LS_ERR_INVALID);

    /* Crafted: global batch out of range, codec not a symbol. */
    ls_bytes p = { 0 }, o;
    w_long(&p, LS_GLOBAL_BATCH_MAX + 1);
    w_long(&p, 0);
    w_long(&p, 5);
    o = wrap("LSD1", 1, 0, &p);
    assert_int_equal(ls_desc_decode(o.data, o.len, DKEY, &e), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), "global batch"));
    ls_bytes_free(&o);
    p.len = 0;
    w_long(&p, 8);
    w_long(&p, 2);
    w_long(&p, 5);
    o = wrap("LSD1", 1, 0, &p);
    assert_int_equal(ls_desc_decode(o.data, o.len, DKEY, &e), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), "enum"));
    ls_bytes_free(&o);

    /* Format 1.0 (no retention): the default; the same payload claiming
     * 1.1 lacks its last field. */
    p.len = 0;
    w_long(&p, 8);
    w_long(&p, 1);
    w_long(&p, 5);
    o = wrap("LSD1", 1, 0, &p);
    assert_int_equal(ls_desc_decode(o.data, o.len, DKEY, &e), LS_OK);
    assert_int_equal(e.global_batch, 8);
    assert_int_equal(e.log_retention_ms, LS_LOG_RETENTION_MS_DEFAULT);
    ls_bytes_free(&o);
    o = wrap("LSD1", 1, 1, &p);
    assert_int_equal(ls_desc_decode(o.data, o.len, DKEY, &e), LS_ERR_CORRUPT);
    ls_bytes_free(&o);
    w_long(&p, -1);     /* 1.1 with a negative retention */
    o = wrap("LSD1", 1, 1, &p);
    assert_int_equal(ls_desc_decode(o.data, o.len, DKEY, &e), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), "log retention -1 ms"));
    ls_bytes_free(&o);
    d.codec = LS_CODEC_NONE;
    d.log_retention_ms = -5;
    assert_int_equal(ls_desc_encode(&d, &b), LS_ERR_INVALID);
    ls_bytes_free(&p);
    ls_bytes_free(&b);
}

static void roundtrip_record(const ls_record *r)
{
    ls_bytes b = { 0 };
    ls_record d;
    assert_int_equal(ls_record_encode(r, &b), LS_OK);
    assert_memory_equal(b.data, "LSR1", 4);
    assert_int_equal(ls_get_u32le(b.data + 8), b.len - 16);
    assert_int_equal(ls_record_decode(b.data, b.len, RKEY, r->version, &d), LS_OK);
    assert_record_equal(r, &d);
    assert_int_equal(ls_record_samples(&d), ls_record_samples(r));
    if (d.has_source_position)
        assert_non_null(d.source_position);   /* even when empty */
    ls_record_clear(&d);
    assert_null(d.chunks);
    assert_int_equal(d.nchunks, 0);
    ls_record_clear(&d);   /* idempotent */
    ls_bytes_free(&b);
}

static void test_record_roundtrip(void **state)
{
    (void)state;
    ls_record r = full_record();
    assert_int_equal(ls_record_samples(&r), 106);
    roundtrip_record(&r);

    /* Without producer, source position, chunks, ops or watermark. */
    ls_record m = { .version = 7, .seq_first = 1, .seq_last = 0 };
    roundtrip_record(&m);
    assert_int_equal(ls_record_samples(&m), 0);

    /* Each optional part alone; an empty source position is not "none". */
    ls_record p = m;
    p.producer = "solo";
    p.epoch = 9;
    p.seq_first = 4;
    p.seq_last = 3;
    p.has_source_position = 1;
    p.source_position_len = 0;
    roundtrip_record(&p);
    ls_record c = m;
    c.seq_first = 10;
    c.seq_last = 12;
    c.nchunks = 3;
    c.chunks = r.chunks;
    roundtrip_record(&c);
    ls_record o = m;
    o.nckpt_ops = r.nckpt_ops;
    o.ckpt_ops = r.ckpt_ops;
    roundtrip_record(&o);
    ls_record w = m;
    w.has_low_watermark = 1;
    w.low_watermark_step = 0;
    roundtrip_record(&w);
    free_full_record(&r);
}

static void test_record_limits(void **state)
{
    (void)state;
    /* LS_RECORD_CHUNKS_MAX chunks of one sample each encode and decode;
     * one more is refused. */
    uint32_t n = LS_RECORD_CHUNKS_MAX + 1;
    ls_record r = { .version = 7, .producer = "p", .seq_first = 1, .seq_last = n - 1u };
    r.chunks = calloc(n, sizeof(ls_chunk_ref));
    uint8_t index[8] = { 3, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd };
    for (uint32_t i = 0; i < n; i++)
        r.chunks[i] = (ls_chunk_ref){ "t/data/p/0000000001-00000000000000000001", 1, index };
    r.nchunks = n - 1;
    ls_bytes b = { 0 };
    assert_int_equal(ls_record_encode(&r, &b), LS_OK);
    ls_record d;
    assert_int_equal(ls_record_decode(b.data, b.len, RKEY, 7, &d), LS_OK);
    assert_int_equal(d.nchunks, LS_RECORD_CHUNKS_MAX);
    assert_int_equal(ls_record_samples(&d), LS_RECORD_CHUNKS_MAX);
    ls_record_clear(&d);
    r.nchunks = n;
    r.seq_last = n;
    assert_int_equal(ls_record_encode(&r, &b), LS_ERR_LIMIT);

    /* Every rule decode enforces is refused by encode too. */
    r.nchunks = 1;
    r.seq_last = 1;
    assert_int_equal(ls_record_encode(&r, &b), LS_OK);
    r.seq_last = 2;   /* seqs disagree with the chunk count */
    assert_int_equal(ls_record_encode(&r, &b), LS_ERR_INVALID);
    r.seq_last = 1;
    r.producer = "a/b";
    assert_int_equal(ls_record_encode(&r, &b), LS_ERR_INVALID);
    assert_non_null(strstr(ls_errmsg(), "a/b"));
    r.producer = "p";
    r.chunks[0].count = 0;
    assert_int_equal(ls_record_encode(&r, &b), LS_ERR_INVALID);
    r.chunks[0].count = 1;
    r.chunks[0].key = "/abs";
    assert_int_equal(ls_record_encode(&r, &b), LS_ERR_INVALID);
    r.chunks[0].key = "t/data/p/x";
    r.epoch = (uint64_t)INT64_MAX + 1;
    assert_int_equal(ls_record_encode(&r, &b), LS_ERR_INVALID);
    r.epoch = 0;
    r.version = 0;
    assert_int_equal(ls_record_encode(&r, &b), LS_ERR_INVALID);
    r.version = 7;
    r.has_source_position = 1;
    r.source_position_len = LS_SOURCE_POSITION_BYTES_MAX + 1;
    r.source_position = calloc(1, r.source_position_len);
    assert_int_equal(ls_record_encode(&r, &b), LS_ERR_LIMIT);
    r.source_position_len = LS_SOURCE_POSITION_BYTES_MAX;
    assert_int_equal(ls_record_encode(&r, &b), LS_OK);
    free(r.source_position);
    ls_bytes_free(&b);
    free(r.chunks);
}

static void test_snapshot_roundtrip(void **state)
{
    (void)state;
    ls_state s = full_state(), d;
    ls_bytes b = { 0 };
    assert_int_equal(ls_snapshot_encode(&s, &b), LS_OK);
    assert_memory_equal(b.data, "LSS1", 4);
    assert_int_equal(ls_snapshot_decode(b.data, b.len, SKEY, 40, &d), LS_OK);
    assert_state_equal(&s, &d);
    assert_int_equal(d.commits_cap, d.ncommits);
    ls_state_clear(&d);
    assert_null(d.producers);
    assert_int_equal(d.ncommits, 0);

    /* The snapshot of an empty table. */
    ls_state e = { 0 };
    assert_int_equal(ls_snapshot_encode(&e, &b), LS_OK);
    assert_int_equal(ls_snapshot_decode(b.data, b.len, SKEY, 0, &d), LS_OK);
    assert_state_equal(&e, &d);
    ls_state_clear(&d);

    /* Encode refuses what decode would refuse. */
    ls_pstate tmp = s.producers[0];
    s.producers[0] = s.producers[1];
    s.producers[1] = tmp;
    assert_int_equal(ls_snapshot_encode(&s, &b), LS_ERR_INVALID);
    assert_non_null(strstr(ls_errmsg(), "out of order"));
    s.producers[1] = s.producers[0];
    s.producers[0] = tmp;
    s.commits[2].first_sample++;
    assert_int_equal(ls_snapshot_encode(&s, &b), LS_ERR_INVALID);
    s.commits[2].first_sample--;
    s.total_samples++;
    assert_int_equal(ls_snapshot_encode(&s, &b), LS_ERR_INVALID);
    s.total_samples--;
    assert_int_equal(ls_snapshot_encode(&s, &b), LS_OK);
    ls_state_clear(&s);
    ls_state_clear(NULL);
    ls_bytes_free(&b);
}

/* ---- damage ------------------------------------------------------------ */

static int decode_any(int kind, const uint8_t *buf, size_t len, uint64_t version)
{
    int rc;
    if (kind == 0) {
        ls_record r;
        rc = ls_record_decode(buf, len, RKEY, version, &r);
        if (!rc)
            ls_record_clear(&r);
    } else if (kind == 1) {
        ls_state s;
        rc = ls_snapshot_decode(buf, len, SKEY, version, &s);
        if (!rc)
            ls_state_clear(&s);
    } else {
        ls_desc d;
        rc = ls_desc_decode(buf, len, DKEY, &d);
    }
    return rc;
}

static void flip_and_truncate(int kind, const ls_bytes *b, uint64_t version)
{
    const char *key = kind == 0 ? RKEY : kind == 1 ? SKEY : DKEY;
    uint8_t *buf = malloc(b->len);
    for (size_t i = 0; i < b->len; i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            memcpy(buf, b->data, b->len);
            buf[i] ^= (uint8_t)(1u << bit);
            int rc = decode_any(kind, buf, b->len, version);
            if (i == 6 || i == 7) {
                /* The minor version is outside the CRC; a newer minor with
                 * the same payload is read as is.  An object of format 1.1
                 * (minor 1) claiming 1.0 has fields too many. */
                if (ls_get_u16le(buf + 6) == 0)
                    assert_int_equal(rc, LS_ERR_CORRUPT);
                else
                    assert_int_equal(rc, LS_OK);
            } else if (i == 4 || i == 5) {
                assert_int_equal(rc, LS_ERR_VERSION);
            } else {
                assert_int_equal(rc, LS_ERR_CORRUPT);
                assert_non_null(strstr(ls_errmsg(), key));
            }
        }
    }
    free(buf);
    for (size_t n = 0; n < b->len; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, b->data, n);
        int rc = decode_any(kind, cut, n, version);
        assert_int_equal(rc, LS_ERR_CORRUPT);
        assert_non_null(strstr(ls_errmsg(), key));
        free(cut);
    }
}

static void test_flips_and_truncations(void **state)
{
    (void)state;
    ls_bytes b = { 0 };
    ls_record r = full_record();
    r.chunks[2].count = 3;   /* keep it small: every bit of every byte is flipped */
    assert_int_equal(ls_record_encode(&r, &b), LS_OK);
    flip_and_truncate(0, &b, 7);
    free_full_record(&r);

    ls_state s = full_state();
    assert_int_equal(ls_snapshot_encode(&s, &b), LS_OK);
    flip_and_truncate(1, &b, 40);
    ls_state_clear(&s);

    ls_desc d = { 64, LS_CODEC_NONE, 5, 0, 2, 9 };
    assert_int_equal(ls_desc_encode(&d, &b), LS_OK);
    flip_and_truncate(2, &b, 0);
    ls_bytes_free(&b);
}

static void test_versions(void **state)
{
    (void)state;
    ls_record m = { .version = 7, .seq_first = 1, .seq_last = 0 }, d;
    ls_bytes b = { 0 };
    assert_int_equal(ls_record_encode(&m, &b), LS_OK);
    assert_int_equal(ls_record_decode(b.data, b.len, RKEY, 8, &d), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), RKEY));
    assert_non_null(strstr(ls_errmsg(), "expected 8"));

    ls_put_u16le(b.data + 4, 2);
    assert_int_equal(ls_record_decode(b.data, b.len, RKEY, 7, &d), LS_ERR_VERSION);
    assert_string_equal(ls_errmsg(), RKEY ": format major version 2, this build reads 1");
    ls_put_u16le(b.data + 4, 7);
    assert_int_equal(ls_record_decode(b.data, b.len, RKEY, 7, &d), LS_ERR_VERSION);
    assert_string_equal(ls_errmsg(), RKEY ": format major version 7, this build reads 1");

    /* Format 1.0 records (no link, no tail) read; a later minor version
     * may append fields; the current one may not. */
    ls_bytes p = { 0 }, o;
    crec c = crec_default();
    craft_record_payload(&p, &c);
    o = wrap("LSR1", 1, 0, &p);
    assert_int_equal(ls_record_decode(o.data, o.len, RKEY, 7, &d), LS_OK);
    assert_int_equal(d.format_minor, 0);
    assert_int_equal(d.has_prev_crc, 0);
    assert_int_equal(d.ntail, 0);
    ls_record_clear(&d);
    ls_bytes_free(&o);
    w_raw(&p, "\x02\x04\x00", 3);     /* 1.1: prev_crc32c 2, an empty tail */
    o = wrap("LSR1", 1, 1, &p);
    assert_int_equal(ls_record_decode(o.data, o.len, RKEY, 7, &d), LS_OK);
    assert_int_equal(d.has_prev_crc, 1);
    assert_int_equal(d.prev_crc32c, 2);
    ls_record_clear(&d);
    ls_bytes_free(&o);
    w_raw(&p, "\x02\x04", 2);
    o = wrap("LSR1", 1, 2, &p);
    assert_int_equal(ls_record_decode(o.data, o.len, RKEY, 7, &d), LS_OK);
    assert_int_equal(d.nchunks, 2);
    assert_int_equal(d.format_minor, 2);
    ls_record_clear(&d);
    ls_bytes_free(&o);
    o = wrap("LSR1", 1, 1, &p);
    assert_int_equal(ls_record_decode(o.data, o.len, RKEY, 7, &d), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), "after the Avro payload"));
    ls_bytes_free(&o);
    ls_bytes_free(&p);

    /* 1.1: a link that is no crc32c, a tail beyond its limit. */
    craft_record_payload(&p, &c);
    w_raw(&p, "\x02\x01\x00", 3);     /* prev_crc32c -1 */
    o = wrap("LSR1", 1, 1, &p);
    assert_int_equal(ls_record_decode(o.data, o.len, RKEY, 7, &d), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), "is no crc32c"));
    ls_bytes_free(&o);
    ls_bytes_free(&p);
    craft_record_payload(&p, &c);
    w_raw(&p, "\x00\x82\x04", 3);     /* null link; a tail of 257 items */
    for (int i = 0; i < 257; i++)
        w_raw(&p, "\x00", 1);
    w_raw(&p, "\x00", 1);
    o = wrap("LSR1", 1, 1, &p);
    assert_int_equal(ls_record_decode(o.data, o.len, RKEY, 7, &d), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), RKEY));
    ls_bytes_free(&o);
    ls_bytes_free(&p);

    /* A tail round-trips item for item; copies drop it. */
    ls_record m2 = m, back, cp;
    m2.has_prev_crc = 1;
    m2.prev_crc32c = 0xdeadbeefu;
    ls_bytes core = { 0 };
    ls_record below = { .version = 6, .seq_first = 1, .seq_last = 0 };
    assert_int_equal(ls_record_encode(&below, &core), LS_OK);
    ls_tail_item items[2] = { { core.data, core.len }, { core.data, core.len } };
    assert_int_equal(ls_record_encode_tail(&m2, items, 2, &b), LS_OK);
    assert_int_equal(ls_record_decode(b.data, b.len, RKEY, 7, &back), LS_OK);
    assert_int_equal(back.prev_crc32c, 0xdeadbeefu);
    assert_int_equal(back.ntail, 2);
    assert_int_equal(back.tail[1].len, core.len);
    assert_memory_equal(back.tail[1].bytes, core.data, core.len);
    assert_int_equal(ls_record_copy(&back, &cp), LS_OK);
    assert_int_equal(cp.ntail, 0);
    assert_int_equal(cp.prev_crc32c, 0xdeadbeefu);
    ls_record_clear(&cp);
    ls_record_clear(&back);
    ls_tail_item bad = { core.data, 3 };
    assert_int_equal(ls_record_encode_tail(&m2, &bad, 1, &b), LS_ERR_INVALID);
    ls_bytes_free(&core);
    assert_int_equal(ls_record_encode(&m, &b), LS_OK);

    /* Snapshot of the wrong version; oversized objects. */
    ls_state s = { .version = 41 }, t;
    assert_int_equal(ls_snapshot_encode(&s, &b), LS_OK);
    assert_int_equal(ls_snapshot_decode(b.data, b.len, SKEY, 40, &t), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), SKEY));
    assert_int_equal(ls_record_decode(b.data, (size_t)LS_RECORD_BYTES_MAX + 1, RKEY, 7, &d),
                     LS_ERR_CORRUPT);
    assert_int_equal(ls_snapshot_decode(b.data, (size_t)LS_SNAPSHOT_BYTES_MAX + 1, SKEY, 41, &t),
                     LS_ERR_CORRUPT);
    ls_bytes_free(&b);
}

/* ---- hand-crafted hostile payloads ------------------------------------- */

static void test_crafted_record(void **state)
{
    (void)state;
    crec c = crec_default();
    assert_int_equal(decode_crafted_record(&c), LS_OK);   /* the crafter is right */

#define BAD(field, value, msg) do {                                    \
        crec x = crec_default();                                       \
        x.field = value;                                               \
        assert_int_equal(decode_crafted_record(&x), LS_ERR_CORRUPT);   \
        assert_non_null(strstr(ls_errmsg(), RKEY));                    \
        assert_non_null(strstr(ls_errmsg(), msg));                     \
    } while (0)
    BAD(count, 0, "samples, outside");
    BAD(count, LS_CHUNK_SAMPLES_MAX + 1, "samples, outside");
    BAD(count, (int64_t)INT32_MAX + 1, "out of range for an int");
    BAD(index_len, 15, "index of 15 bytes");
    BAD(producer, "a/b", "not a valid name");
    BAD(producer, "", "not a valid name");
    BAD(chunk_key, "../x", "invalid key");
    BAD(op_name, "a/b", "not a valid name");
    BAD(op, 2, "enum value 2");
    BAD(op, -1, "enum value -1");
    BAD(epoch, -1, "epoch is negative");
    BAD(step, -5, "step is negative");
    BAD(wm, -1, "low_watermark_step is negative");
    BAD(seq_last, 7, "do not match");
    BAD(seq_first, 3, "do not match");
    BAD(version, 8, "expected 7");
    BAD(srcpos_len, LS_SOURCE_POSITION_BYTES_MAX + 1, "source position");
    BAD(nchunks, 0, "do not match");   /* seqs 5..6 but no chunks */
    BAD(nops, LS_CHECKPOINTS_MAX + 1, "more than");
#undef BAD
    crec x = crec_default();
    x.nchunks = 0;
    x.seq_first = 5;
    x.seq_last = 4;
    assert_int_equal(decode_crafted_record(&x), LS_OK);
    x.producer = NULL;
    x.nops = 0;
    x.wm = NONE;
    x.srcpos_len = NONE;
    assert_int_equal(decode_crafted_record(&x), LS_OK);
}

/* Raw payloads that would make avro-c 1.11 misbehave without the pre-scan:
 * negative and huge lengths, huge block counts, bad branches, booleans. */
static void test_avro_hazards(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        int64_t     tail[4];   /* longs written after the record's prefix */
        int         ntail;
    } cases[] = {
        { "string length -1",        { 1, -1 }, 2 },
        { "string length -2",        { 1, -2 }, 2 },
        { "string length 2^31",      { 1, 1ll << 31 }, 2 },
        { "string length 2^62",      { 1, 1ll << 62 }, 2 },
        { "union branch 2",          { 2 }, 1 },
        { "union branch -1",         { -1 }, 1 },
        { "bytes length -1",         { 0, 1, 2, 3 }, 4 },   /* then srcpos */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ls_bytes p = { 0 };
        w_long(&p, 7);
        w_raw(&p, commit_id, 16);
        w_long(&p, 0);
        for (int j = 0; j < cases[i].ntail; j++)
            w_long(&p, cases[i].tail[j]);
        if (i == 6) {   /* producer null, epoch/seqs, then srcpos bytes of -1 */
            w_long(&p, 1);
            w_long(&p, -1);
        }
        ls_bytes o = wrap("LSR1", 1, 0, &p);
        ls_record r;
        assert_int_equal(ls_record_decode(o.data, o.len, RKEY, 7, &r), LS_ERR_CORRUPT);
        assert_non_null(strstr(ls_errmsg(), "bad Avro payload"));
        ls_bytes_free(&o);
        ls_bytes_free(&p);
    }

    /* Chunk block counts of 2^40, INT64_MIN and -2^40 (whose byte size
     * then runs past the end). */
    crec c = crec_default();
    c.nchunks = 1;
    c.seq_first = c.seq_last = 5;
    ls_bytes pre = { 0 }, suf = { 0 }, item = { 0 };
    craft_record_prefix(&pre, &c);
    craft_record_suffix(&suf, &c);
    w_str(&item, c.chunk_key);
    w_long(&item, 1);
    w_long(&item, 8);
    w_raw(&item, "\5\0\0\0\1\2\3\4", 8);
    const int64_t blocks[] = { 1ll << 40, INT64_MIN, -(1ll << 40) };
    for (size_t i = 0; i < 3; i++) {
        ls_bytes p = { 0 };
        w_raw(&p, pre.data, pre.len);
        w_long(&p, blocks[i]);
        w_long(&p, 0);
        w_raw(&p, item.data, item.len);
        w_long(&p, 0);
        w_raw(&p, suf.data, suf.len);
        ls_bytes o = wrap("LSR1", 1, 0, &p);
        ls_record r;
        assert_int_equal(ls_record_decode(o.data, o.len, RKEY, 7, &r), LS_ERR_CORRUPT);
        assert_non_null(strstr(ls_errmsg(), "bad Avro payload: chunks"));
        ls_bytes_free(&o);
        ls_bytes_free(&p);
    }
    /* A block with a negative count followed by its byte size decodes;
     * the same block claiming more bytes than remain does not. */
    for (int claim = 0; claim < 2; claim++) {
        ls_bytes p = { 0 };
        w_raw(&p, pre.data, pre.len);
        w_long(&p, -1);
        w_long(&p, claim ? 1 << 20 : (int64_t)item.len);
        w_raw(&p, item.data, item.len);
        w_long(&p, 0);
        w_raw(&p, suf.data, suf.len);
        ls_bytes o = wrap("LSR1", 1, 0, &p);
        ls_record r;
        int rc = ls_record_decode(o.data, o.len, RKEY, 7, &r);
        if (claim) {
            assert_int_equal(rc, LS_ERR_CORRUPT);
            assert_non_null(strstr(ls_errmsg(), "bad block size"));
        } else {
            assert_int_equal(rc, LS_OK);
            assert_int_equal(r.nchunks, 1);
            assert_int_equal(ls_get_u32le(r.chunks[0].index), 5);
            ls_record_clear(&r);
        }
        ls_bytes_free(&o);
        ls_bytes_free(&p);
    }
    /* Bytes of 2^62 in the source position. */
    {
        crec x = crec_default();
        x.srcpos_len = NONE;
        ls_bytes p = { 0 };
        craft_record_prefix(&p, &x);
        p.len--;                  /* drop the null branch ... */
        w_long(&p, 1);            /* ... for bytes of 2^62 */
        w_long(&p, 1ll << 62);
        ls_bytes o = wrap("LSR1", 1, 0, &p);
        ls_record r;
        assert_int_equal(ls_record_decode(o.data, o.len, RKEY, 7, &r), LS_ERR_CORRUPT);
        assert_non_null(strstr(ls_errmsg(), "runs past the end"));
        ls_bytes_free(&o);
        ls_bytes_free(&p);
    }
    {
        ls_bytes p = { 0 };
        ls_bytes full = { 0 };
        craft_record_payload(&full, &c);
        w_raw(&p, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);   /* version */
        w_raw(&p, full.data + 1, full.len - 1);
        ls_bytes_free(&full);
        ls_bytes o = wrap("LSR1", 1, 0, &p);
        ls_record r;
        assert_int_equal(ls_record_decode(o.data, o.len, RKEY, 7, &r), LS_ERR_CORRUPT);
        assert_non_null(strstr(ls_errmsg(), "varint"));
        ls_bytes_free(&o);
        ls_bytes_free(&p);
    }
    {
        crec x = crec_default();
        x.producer = "ab\x01" "cd";
        ls_bytes p = { 0 };
        craft_record_payload(&p, &x);
        uint8_t *nul = memchr(p.data, 1, p.len);
        while (nul && !(nul[-1] == 'b' && nul[1] == 'c'))
            nul = memchr(nul + 1, 1, p.len - (size_t)(nul + 1 - p.data));
        assert_non_null(nul);
        *nul = 0;
        ls_bytes o = wrap("LSR1", 1, 0, &p);
        ls_record r;
        assert_int_equal(ls_record_decode(o.data, o.len, RKEY, 7, &r), LS_ERR_CORRUPT);
        assert_non_null(strstr(ls_errmsg(), "NUL"));
        ls_bytes_free(&o);
        ls_bytes_free(&p);
    }
    ls_bytes_free(&pre);
    ls_bytes_free(&suf);
    ls_bytes_free(&item);
}

static void test_crafted_snapshot(void **state)
{
    (void)state;
    csnap c = csnap_default();
    assert_int_equal(decode_crafted_snapshot(&c), LS_OK);

    static const char *unsorted[2] = { "p2", "p1" }, *dup[2] = { "p1", "p1" },
                      *bad[2] = { "a/b", "p2" };
    static const uint64_t gap[6] = { 10, 50, 30, 12, 81, 19 };
    static const uint64_t desc[6] = { 12, 50, 30, 10, 80, 20 };
    static const uint64_t late[6] = { 10, 50, 30, 41, 80, 20 };
    static const uint64_t zero[6] = { 10, 50, 30, 12, 80, 0 };
    static const uint64_t wrap64[6] = { 10, UINT64_MAX - 5, 10, 12, 4, 96 };
#define BAD(field, value, msg) do {                                       \
        csnap x = csnap_default();                                        \
        x.field = value;                                                  \
        assert_int_equal(decode_crafted_snapshot(&x), LS_ERR_CORRUPT);    \
        assert_non_null(strstr(ls_errmsg(), SKEY));                       \
        assert_non_null(strstr(ls_errmsg(), msg));                        \
    } while (0)
    BAD(ids, unsorted, "out of order");
    BAD(ids, dup, "out of order");
    BAD(ids, bad, "not a valid name");
    BAD(cknames, unsorted, "out of order");
    BAD(cknames, bad, "not a valid name");
    BAD(live_byte, 2, "boolean");
    BAD(commits, gap, "does not follow");
    BAD(commits, desc, "out of order");
    BAD(commits, late, "out of order or beyond");
    BAD(commits, zero, "samples");
    BAD(commits, wrap64, "samples");
    BAD(index_len, 47, "multiple of 24");
    BAD(total, 101, "ends at sample 100");
    BAD(version, 41, "expected 40");
    BAD(last_version, 41, "last version");
    BAD(epoch, -3, "negative");
    BAD(lw, -1, "negative");
    BAD(nprod, LS_PRODUCERS_MAX + 1, "more than");
    BAD(nck, LS_CHECKPOINTS_MAX + 1, "more than");
#undef BAD
    /* Retention may drop the oldest commits: the index need not start at 0,
     * and may be empty. */
    csnap x = csnap_default();
    x.ncommits = 0;
    assert_int_equal(decode_crafted_snapshot(&x), LS_OK);
}

/* ---- random input ------------------------------------------------------ */

/* If a random object decodes, it must re-encode (encode and decode check
 * the same rules) and decode to the same thing. */
static void check_accepted(int kind, const uint8_t *buf, size_t len, uint64_t version)
{
    ls_bytes b = { 0 };
    if (kind == 0) {
        ls_record r, r2;
        if (ls_record_decode(buf, len, RKEY, version, &r))
            return;
        assert_int_equal(ls_record_encode(&r, &b), LS_OK);
        assert_int_equal(ls_record_decode(b.data, b.len, RKEY, version, &r2), LS_OK);
        assert_record_equal(&r, &r2);
        ls_record_clear(&r);
        ls_record_clear(&r2);
    } else {
        ls_state s, s2;
        if (ls_snapshot_decode(buf, len, SKEY, version, &s))
            return;
        assert_int_equal(ls_snapshot_encode(&s, &b), LS_OK);
        assert_int_equal(ls_snapshot_decode(b.data, b.len, SKEY, version, &s2), LS_OK);
        assert_state_equal(&s, &s2);
        ls_state_clear(&s);
        ls_state_clear(&s2);
    }
    ls_bytes_free(&b);
}

static void test_garbage(void **state)
{
    (void)state;
    uint64_t seed = lt_seed() ^ 0x5eed;
    ls_bytes valid[2] = { { 0 }, { 0 } };
    ls_record r = full_record();
    assert_int_equal(ls_record_encode(&r, &valid[0]), LS_OK);
    free_full_record(&r);
    ls_state s = full_state();
    assert_int_equal(ls_snapshot_encode(&s, &valid[1]), LS_OK);
    ls_state_clear(&s);

    for (int i = 0; i < 3000; i++) {
        uint64_t st = seed + (uint64_t)i;
        int kind = i & 1;
        size_t len = (size_t)(ls_splitmix64(&st) % 400);
        uint8_t *buf = malloc(len + 16);
        lt_fill(buf, len + 16, st, 0);
        uint64_t version = kind ? 40 : 7;
        switch (i % 3) {
        case 0:   /* all random: refused at the envelope */
            assert_int_not_equal(decode_any(kind, buf, len, version), LS_OK);
            assert_int_not_equal(decode_any(2, buf, len, 0), LS_OK);
            break;
        case 1: { /* a valid envelope around a random payload */
            ls_bytes p = { buf + 16, len, len };
            ls_bytes o = wrap(kind ? "LSS1" : "LSR1", 1, 0, &p);
            check_accepted(kind, o.data, o.len, version);
            ls_bytes_free(&o);
            break;
        }
        default: { /* a valid object with a few payload bytes changed */
            const ls_bytes *v = &valid[kind];
            ls_bytes p = { 0 };
            w_raw(&p, v->data + 16, v->len - 16);
            int nchange = 1 + (int)(ls_splitmix64(&st) % 4);
            for (int k = 0; k < nchange; k++)
                p.data[ls_splitmix64(&st) % p.len] = (uint8_t)ls_splitmix64(&st);
            ls_bytes o = wrap(kind ? "LSS1" : "LSR1", 1, 0, &p);
            check_accepted(kind, o.data, o.len, version);
            ls_bytes_free(&o);
            ls_bytes_free(&p);
            break;
        }
        }
        free(buf);
    }
    ls_bytes_free(&valid[0]);
    ls_bytes_free(&valid[1]);
}

/* ---- threads ----------------------------------------------------------- */

static void *decode_loop(void *arg)
{
    const ls_bytes *b = arg;
    for (int i = 0; i < 300; i++) {
        ls_record r;
        if (ls_record_decode(b->data, b->len, RKEY, 7, &r) != LS_OK)
            return (void *)1;
        if (r.nchunks != 3 || ls_record_samples(&r) != 106)
            return (void *)2;
        ls_record_clear(&r);
        ls_bytes e = { 0 };
        if (ls_snapshot_encode(&(ls_state){ .version = (uint64_t)i }, &e) != LS_OK)
            return (void *)3;
        ls_bytes_free(&e);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    ls_record r = full_record();
    ls_bytes b = { 0 };
    assert_int_equal(ls_record_encode(&r, &b), LS_OK);
    free_full_record(&r);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, decode_loop, &b), 0);
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        assert_null(ret);
    }
    ls_bytes_free(&b);
}

int main(void)
{
    lt_seed();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads),   /* first: races the one-time schema load */
        cmocka_unit_test(test_desc),
        cmocka_unit_test(test_record_roundtrip),
        cmocka_unit_test(test_record_limits),
        cmocka_unit_test(test_snapshot_roundtrip),
        cmocka_unit_test(test_flips_and_truncations),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_crafted_record),
        cmocka_unit_test(test_avro_hazards),
        cmocka_unit_test(test_crafted_snapshot),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
