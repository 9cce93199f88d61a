/*
 * fuzz_record.c -- the metadata objects of core/record.c: table
 * descriptor, commit record and snapshot decoding (envelope, Avro pre-scan,
 * avro-c, semantic checks), a re-encode/decode round trip of whatever
 * decodes, and log replay (ls_state_apply) of decoded records onto a
 * decoded snapshot, as a reader loading a table does.
 *
 * The first byte: bits 0-1 the kind (0 descriptor, 1 commit record,
 * 2 snapshot, 3 replay); bit 2 "sealed": the rest is the Avro payload and
 * the envelope (magic, version, length, CRC32C) is written here, so that
 * mutations reach the pre-scan and avro-c rather than stop at the CRC;
 * bits 3-4 (sealed) the envelope's minor version 0..3 (descriptors and
 * snapshots: 1.0 and 1.1 have their own schemas, later minors may only
 * append fields).  Replay is always sealed: {u16le length, payload}..., first
 * a snapshot (bit 4: none, start from the empty state), then records, with
 * the minor versions of bits 2-3 (snapshot) and 5-6 (records); the byte
 * after the first is the global batch - 1 (for watermarks).
 *
 * Invariants: what decodes re-encodes (the writer's rules are the
 * reader's), decodes back equal and re-encodes to the same bytes; every
 * state replay reaches can be written as a snapshot that reads back equal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "ls_int.h"

enum { K_DESC, K_RECORD, K_SNAPSHOT, K_REPLAY };

static const char *const magic[] = { "LSD1", "LSR1", "LSS1" };

/* The envelope of ls_int.h around payload (exact size, for ASan). */
static uint8_t *seal(int kind, unsigned minor, const uint8_t *payload, size_t plen,
                     size_t *len)
{
    *len = LS_ENVELOPE_BYTES + plen;
    uint8_t *b = malloc(*len);
    FUZZ_CHECK(b);
    memcpy(b, magic[kind], 4);
    ls_put_u16le(b + 4, LS_FORMAT_MAJOR);
    ls_put_u16le(b + 6, (uint16_t)minor);
    ls_put_u32le(b + 8, (uint32_t)plen);
    ls_put_u32le(b + 12, ls_crc32c(payload, plen));
    if (plen)
        memcpy(b + LS_ENVELOPE_BYTES, payload, plen);
    return b;
}

/* The version a record or snapshot holds: its first field, an Avro long
 * (zigzag varint).  Decoding checks it against the key's version, so the
 * fuzzer would otherwise have to guess it. */
static uint64_t first_long(const uint8_t *p, size_t n)
{
    uint64_t u = 0;
    for (unsigned i = 0, shift = 0; i < n && shift < 64; i++, shift += 7) {
        u |= (uint64_t)(p[i] & 0x7f) << shift;
        if (!(p[i] & 0x80))
            break;
    }
    return (u >> 1) ^ (0 - (u & 1));
}

static int same_bytes(const void *a, size_t alen, const void *b, size_t blen)
{
    return alen == blen && (!alen || !memcmp(a, b, alen));
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static int record_equal(const ls_record *a, const ls_record *b)
{
    if (a->version != b->version || memcmp(a->commit_id, b->commit_id, 16) ||
        a->timestamp_ms != b->timestamp_ms || !same_str(a->producer, b->producer) ||
        a->epoch != b->epoch || a->seq_first != b->seq_first || a->seq_last != b->seq_last ||
        a->has_source_position != b->has_source_position ||
        !same_bytes(a->source_position, a->source_position_len, b->source_position,
                    b->source_position_len) ||
        a->nchunks != b->nchunks || a->nckpt_ops != b->nckpt_ops ||
        a->has_low_watermark != b->has_low_watermark ||
        (a->has_low_watermark && a->low_watermark_step != b->low_watermark_step))
        return 0;
    for (uint32_t i = 0; i < a->nchunks; i++) {
        const ls_chunk_ref *x = &a->chunks[i], *y = &b->chunks[i];
        if (strcmp(x->key, y->key) || x->count != y->count ||
            memcmp(x->index, y->index, (size_t)x->count * LS_CHUNK_ENTRY_BYTES))
            return 0;
    }
    for (uint32_t i = 0; i < a->nckpt_ops; i++) {
        const ls_ckpt_op *x = &a->ckpt_ops[i], *y = &b->ckpt_ops[i];
        if (strcmp(x->name, y->name) || x->op != y->op || x->step != y->step)
            return 0;
    }
    return 1;
}

static int state_equal(const ls_state *a, const ls_state *b)
{
    if (a->version != b->version || a->total_samples != b->total_samples ||
        a->low_watermark_step != b->low_watermark_step || a->nproducers != b->nproducers ||
        a->nckpts != b->nckpts || a->ncommits != b->ncommits)
        return 0;
    for (size_t i = 0; i < a->nproducers; i++) {
        const ls_pstate *x = &a->producers[i], *y = &b->producers[i];
        if (strcmp(x->id, y->id) || x->epoch != y->epoch || x->last_seq != y->last_seq ||
            x->last_version != y->last_version ||
            !same_bytes(x->source_position, x->source_position_len, y->source_position,
                        y->source_position_len))
            return 0;
    }
    for (size_t i = 0; i < a->nckpts; i++) {
        const ls_ckpt *x = &a->ckpts[i], *y = &b->ckpts[i];
        if (strcmp(x->name, y->name) || x->step != y->step || !x->live != !y->live)
            return 0;
    }
    for (size_t i = 0; i < a->ncommits; i++) {
        const ls_commit_ent *x = &a->commits[i], *y = &b->commits[i];
        if (x->version != y->version || x->first_sample != y->first_sample ||
            x->count != y->count || memcmp(x->commit_id, y->commit_id, 16))
            return 0;
    }
    return 1;
}

static void desc_roundtrip(const ls_desc *d)
{
    ls_bytes enc = { 0 }, enc2 = { 0 };
    ls_desc d2;
    FUZZ_CHECK(ls_desc_encode(d, &enc) == LS_OK);
    FUZZ_CHECK(ls_desc_decode(enc.data, enc.len, "t/_table", &d2) == LS_OK);
    FUZZ_CHECK(d2.global_batch == d->global_batch && d2.codec == d->codec &&
               d2.created_ms == d->created_ms && d2.log_retention_ms == d->log_retention_ms);
    FUZZ_CHECK(ls_desc_encode(&d2, &enc2) == LS_OK);
    FUZZ_CHECK(same_bytes(enc.data, enc.len, enc2.data, enc2.len));
    ls_bytes_free(&enc);
    ls_bytes_free(&enc2);
}

static void record_roundtrip(const ls_record *r)
{
    ls_bytes enc = { 0 }, enc2 = { 0 };
    ls_record r2;
    FUZZ_CHECK(ls_record_encode(r, &enc) == LS_OK);
    FUZZ_CHECK(ls_record_decode(enc.data, enc.len, "t/_log/x", r->version, &r2) == LS_OK);
    FUZZ_CHECK(record_equal(r, &r2));
    FUZZ_CHECK(ls_record_encode(&r2, &enc2) == LS_OK);
    FUZZ_CHECK(same_bytes(enc.data, enc.len, enc2.data, enc2.len));
    ls_record_clear(&r2);
    ls_bytes_free(&enc);
    ls_bytes_free(&enc2);
}

static void state_roundtrip(const ls_state *s)
{
    ls_bytes enc = { 0 }, enc2 = { 0 };
    ls_state s2;
    FUZZ_CHECK(ls_snapshot_encode(s, &enc) == LS_OK);
    FUZZ_CHECK(ls_snapshot_decode(enc.data, enc.len, "t/_log/x.snapshot", s->version,
                                  &s2) == LS_OK);
    FUZZ_CHECK(state_equal(s, &s2));
    FUZZ_CHECK(ls_snapshot_encode(&s2, &enc2) == LS_OK);
    FUZZ_CHECK(same_bytes(enc.data, enc.len, enc2.data, enc2.len));
    ls_state_clear(&s2);
    ls_bytes_free(&enc);
    ls_bytes_free(&enc2);
}

/* One object of kind: decode and, if it decodes, round-trip it. */
static void one(int kind, const uint8_t *obj, size_t len, uint64_t version)
{
    if (kind == K_DESC) {
        ls_desc d;
        if (ls_desc_decode(obj, len, "t/_table", &d) == LS_OK) {
            FUZZ_CHECK(d.global_batch >= 1 && d.global_batch <= LS_GLOBAL_BATCH_MAX);
            desc_roundtrip(&d);
        }
    } else if (kind == K_RECORD) {
        ls_record r;
        if (ls_record_decode(obj, len, "t/_log/x", version, &r) == LS_OK) {
            FUZZ_CHECK(r.version == version && r.nchunks <= LS_RECORD_CHUNKS_MAX);
            record_roundtrip(&r);
            ls_record_clear(&r);
        }
    } else {
        ls_state s;
        if (ls_snapshot_decode(obj, len, "t/_log/x.snapshot", version, &s) == LS_OK) {
            FUZZ_CHECK(s.version == version);
            state_roundtrip(&s);
            ls_state_clear(&s);
        }
    }
}

/* The next {u16le length, payload} of a replay input, sealed as kind. */
static uint8_t *next_sealed(fuzz_in *in, int kind, unsigned minor, size_t *len,
                            uint64_t *version)
{
    if (in->n < 2)
        return NULL;
    size_t plen;
    const uint8_t *p = fuzz_bytes(in, fuzz_u16(in), &plen);
    *version = first_long(p, plen);
    return seal(kind, minor, p, plen, len);
}

/* Replay: a snapshot (or the empty state), then records applied in turn,
 * each read with the version that follows, until one fails to decode or
 * to apply; every state reached must be a valid snapshot. */
static void replay(fuzz_in *in, uint8_t b)
{
    int from_empty = (b >> 4) & 1;
    unsigned snapshot_minor = (b >> 2) & 3, record_minor = (b >> 5) & 3;
    uint32_t global_batch = (uint32_t)fuzz_u8(in) + 1;
    ls_state s;
    memset(&s, 0, sizeof(s));
    size_t len;
    uint64_t v;
    if (!from_empty) {
        uint8_t *obj = next_sealed(in, K_SNAPSHOT, snapshot_minor, &len, &v);
        if (!obj)
            return;
        int rc = ls_snapshot_decode(obj, len, "t/_log/x.snapshot", v, &s);
        free(obj);
        if (rc)
            return;
    }
    s.global_batch = global_batch;
    uint8_t *obj;
    while ((obj = next_sealed(in, K_RECORD, record_minor, &len, &v))) {
        ls_record r;
        int rc = ls_record_decode(obj, len, "t/_log/x", s.version + 1, &r);
        free(obj);
        if (rc)
            break;
        /* A committer checks the limits before writing; a reader applies
         * whatever the log holds. */
        (void)ls_state_check(&s, &r);
        rc = ls_state_apply(&s, &r);
        ls_record_clear(&r);
        if (rc)
            break;
        FUZZ_CHECK(s.version == v);
        state_roundtrip(&s);
    }
    ls_state_clear(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = { data, size };
    uint8_t b = fuzz_u8(&in);
    int kind = b & 3;
    if (kind == K_REPLAY) {
        replay(&in, b);
        return 0;
    }
    size_t len;
    uint8_t *obj;
    uint64_t version;
    if (b & 4) {
        obj = seal(kind, (b >> 3) & 3, in.p, in.n, &len);
        version = first_long(in.p, in.n);
    } else {
        /* As read from the store: an exact-size copy. */
        len = in.n;
        obj = malloc(len ? len : 1);
        FUZZ_CHECK(obj);
        memcpy(obj, in.p, len);
        version = len > LS_ENVELOPE_BYTES
                      ? first_long(obj + LS_ENVELOPE_BYTES, len - LS_ENVELOPE_BYTES) : 0;
    }
    one(kind, obj, len, version);
    free(obj);
    return 0;
}
