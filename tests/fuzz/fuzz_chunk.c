/*
 * fuzz_chunk.c -- the data chunk format (core/chunk.c) as readers meet it:
 * ls_chunk_parse over a whole object, then for each sample what the
 * consumer does after a ranged read (offsets from the index,
 * ls_chunk_sample_check, decoding with a reused zstd context), raw and zstd.
 *
 * The first byte picks what the rest is:
 *   mode 0  a chunk object as stored (checksums and all);
 *   mode 1  samples, {u8 flags, u16le length, bytes}..., assembled here into
 *           a chunk with correct CRCs and footer, so that hostile zstd frames
 *           (flags bit 0) and lengths get past the checksums; the second
 *           byte's bit 0 is the header's codec;
 *   mode 2  the same samples written by ls_chunk_builder (second byte: bit 0
 *           the codec, bits 1-2 the zstd level - 1); they must read back
 *           identical.
 * Invariants beyond "no crash": a parsed chunk's offsets tile the object, a
 * checked sample is within the sample limit, and both decode paths agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "fuzz_util.h"
#include "ls_int.h"

#define KEY "t/data/p/0000000001-00000000000000000001"
/* Decoded bytes per input: a frame may declare up to LS_SAMPLE_BYTES_MAX,
 * which is checked, but decoding many of them would only slow the fuzzer. */
#define DECODE_BYTES_MAX (8u << 20)

typedef struct want {
    size_t          n;
    const uint8_t **data;
    size_t         *len;
} want;

/* Shared by every input, as a reader thread keeps one (STYLE: reuse). */
static ZSTD_DCtx *dctx;

static void read_chunk(const uint8_t *obj, size_t len, const want *w)
{
    uint32_t count = 7;
    const uint8_t *index = obj;
    int rc = ls_chunk_parse(obj, len, KEY, &count, &index);
    if (w)
        FUZZ_CHECK(rc == LS_OK && count == w->n);
    if (rc) {
        FUZZ_CHECK(count == 0 && index == NULL && ls_errmsg()[0]);
        return;
    }
    FUZZ_CHECK(count <= LS_CHUNK_SAMPLES_MAX);
    FUZZ_CHECK(index >= obj + LS_CHUNK_HEADER_BYTES &&
               (size_t)(index - obj) + (size_t)count * LS_CHUNK_ENTRY_BYTES +
                   LS_CHUNK_TRAILER_BYTES == len);
    uint64_t *off = malloc(((size_t)count + 1) * sizeof(uint64_t));
    FUZZ_CHECK(off);
    FUZZ_CHECK(ls_chunk_index_offsets(index, count, off) == LS_OK);
    FUZZ_CHECK(off[0] == LS_CHUNK_HEADER_BYTES && off[count] == (uint64_t)(index - obj));
    if (!dctx)
        FUZZ_CHECK((dctx = ZSTD_createDCtx()));
    ls_bytes out = { 0 };
    size_t budget = DECODE_BYTES_MAX;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = index + (size_t)i * LS_CHUNK_ENTRY_BYTES;
        uint32_t lf = ls_get_u32le(e), crc = ls_get_u32le(e + 4);
        size_t slen = lf & LS_SAMPLE_LEN_MASK;
        FUZZ_CHECK(off[i + 1] - off[i] == slen);
        /* What a ranged GET returns: exactly the stored bytes, in a buffer
         * of their size (so a read past them is caught). */
        uint8_t *stored = malloc(slen ? slen : 1);
        FUZZ_CHECK(stored);
        memcpy(stored, obj + off[i], slen);
        size_t dlen = 1;
        rc = ls_chunk_sample_check(stored, lf, crc, KEY, i, &dlen);
        if (w)
            FUZZ_CHECK(rc == LS_OK && dlen == w->len[i]);
        if (rc) {
            FUZZ_CHECK(dlen == 0);
        } else {
            FUZZ_CHECK(dlen <= LS_SAMPLE_BYTES_MAX);
            if (!(lf & LS_SAMPLE_ZSTD_FLAG))
                FUZZ_CHECK(dlen == slen);
        }
        if (rc || dlen > budget) {
            free(stored);
            continue;
        }
        budget -= dlen;
        uint8_t *dst = malloc(dlen ? dlen : 1);
        FUZZ_CHECK(dst);
        int rc1 = ls_chunk_sample_decode_to(stored, lf, dctx, dst, dlen, KEY, i);
        int rc2 = ls_chunk_sample_decode(stored, lf, crc, (i & 1) ? NULL : dctx, &out, KEY, i);
        FUZZ_CHECK(rc1 == rc2);
        if (w)
            FUZZ_CHECK(rc1 == LS_OK && !memcmp(dst, w->data[i], dlen));
        if (!rc1) {
            FUZZ_CHECK(out.len == dlen && (!dlen || !memcmp(out.data, dst, dlen)));
            if (!(lf & LS_SAMPLE_ZSTD_FLAG))
                FUZZ_CHECK(!dlen || !memcmp(dst, stored, dlen));
        }
        free(dst);
        free(stored);
    }
    ls_bytes_free(&out);
    free(off);
}

typedef struct spec {
    uint8_t        flags;
    const uint8_t *data;
    size_t         len;
} spec;

/* The samples of modes 1 and 2; *n of them (free the array). */
static spec *read_specs(fuzz_in *in, size_t *n)
{
    size_t cap = in->n / 3 + 1;
    if (cap > LS_CHUNK_SAMPLES_MAX)
        cap = LS_CHUNK_SAMPLES_MAX;
    spec *s = malloc(cap * sizeof(*s));
    FUZZ_CHECK(s);
    *n = 0;
    while (in->n > 0 && *n < cap) {
        spec *x = &s[(*n)++];
        x->flags = fuzz_u8(in);
        x->data = fuzz_bytes(in, fuzz_u16(in), &x->len);
    }
    return s;
}

static void put_entry(ls_bytes *b, uint32_t lf, uint32_t crc)
{
    uint8_t e[LS_CHUNK_ENTRY_BYTES];
    ls_put_u32le(e, lf);
    ls_put_u32le(e + 4, crc);
    FUZZ_CHECK(ls_bytes_append(b, e, sizeof(e)) == LS_OK);
}

/* Mode 1: the layout of docs/formats.md with every checksum right. */
static void assembled(uint8_t opts, const spec *s, size_t n)
{
    ls_bytes obj = { 0 }, entries = { 0 };
    uint8_t h[LS_CHUNK_HEADER_BYTES] = { 'L', 'S', 'C', '1' };
    ls_put_u16le(h + 4, LS_CHUNK_FORMAT_VERSION);
    h[6] = opts & 1 ? LS_CODEC_ZSTD : LS_CODEC_NONE;
    ls_put_u32le(h + 8, (uint32_t)n);
    FUZZ_CHECK(ls_bytes_append(&obj, h, sizeof(h)) == LS_OK);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(ls_bytes_append(&obj, s[i].data, s[i].len) == LS_OK);
        put_entry(&entries, (uint32_t)s[i].len | (s[i].flags & 1 ? LS_SAMPLE_ZSTD_FLAG : 0),
                  ls_crc32c(s[i].data, s[i].len));
    }
    if (entries.len)
        FUZZ_CHECK(ls_bytes_append(&obj, entries.data, entries.len) == LS_OK);
    uint8_t t[LS_CHUNK_TRAILER_BYTES];
    ls_put_u32le(t, (uint32_t)n);
    ls_put_u32le(t + 4, ls_crc32c(entries.data, entries.len));
    memcpy(t + 8, "LSCF", 4);
    FUZZ_CHECK(ls_bytes_append(&obj, t, sizeof(t)) == LS_OK);
    read_chunk(obj.data, obj.len, NULL);
    ls_bytes_free(&obj);
    ls_bytes_free(&entries);
}

/* Mode 2: what a producer writes must read back as it was given. */
static void built(uint8_t opts, const spec *s, size_t n)
{
    ls_chunk_builder cb;
    int codec = opts & 1 ? LS_CODEC_ZSTD : LS_CODEC_NONE;
    FUZZ_CHECK(ls_chunk_builder_init(&cb, codec, 1 + ((opts >> 1) & 3)) == LS_OK);
    want w = { n, malloc((n + 1) * sizeof(uint8_t *)), malloc((n + 1) * sizeof(size_t)) };
    FUZZ_CHECK(w.data && w.len);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(ls_chunk_builder_add(&cb, s[i].data, s[i].len) == LS_OK);
        w.data[i] = s[i].data;
        w.len[i] = s[i].len;
    }
    FUZZ_CHECK(ls_chunk_builder_finish(&cb) == LS_OK && cb.count == n);
    read_chunk(cb.data.data, cb.data.len, &w);
    free(w.data);
    free(w.len);
    ls_chunk_builder_free(&cb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = { data, size };
    uint8_t mode = fuzz_u8(&in) % 3;
    if (mode == 0) {
        /* Exact-size copy: the object as a GET of the whole chunk returns it. */
        uint8_t *obj = malloc(in.n ? in.n : 1);
        FUZZ_CHECK(obj);
        memcpy(obj, in.p, in.n);
        read_chunk(obj, in.n, NULL);
        free(obj);
        return 0;
    }
    uint8_t opts = fuzz_u8(&in);
    size_t n;
    spec *s = read_specs(&in, &n);
    if (mode == 1)
        assembled(opts, s, n);
    else
        built(opts, s, n);
    free(s);
    return 0;
}
