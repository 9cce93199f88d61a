/*
 * test_chunk.c -- the data chunk format: build/parse round trips under both
 * codecs, index offsets, and that every corruption (a flipped byte in any
 * region, any truncation, hostile zstd frames) fails cleanly and says where.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zstd.h>

#include "ls_int.h"
#include "testutil.h"

#define KEY "t/data/p/0000000001-00000000000000000003"

/* A set of samples with their bytes, generated from a seed. */
typedef struct samples {
    size_t    n;
    uint8_t **data;
    size_t   *len;
} samples;

/* n samples of len_min..len_max bytes, text (compressible) or random. */
static samples make_samples(size_t n, size_t len_min, size_t len_max, int text,
                            uint64_t seed)
{
    samples s = { n, calloc(n + 1, sizeof(uint8_t *)), calloc(n + 1, sizeof(size_t)) };
    assert_non_null(s.data);
    assert_non_null(s.len);
    uint64_t st = seed;
    for (size_t i = 0; i < n; i++) {
        s.len[i] = len_min + (size_t)(ls_splitmix64(&st) % (len_max - len_min + 1));
        s.data[i] = malloc(s.len[i] ? s.len[i] : 1);
        assert_non_null(s.data[i]);
        lt_fill(s.data[i], s.len[i], seed + i, text);
    }
    return s;
}

static void free_samples(samples *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->data[i]);
    free(s->data);
    free(s->len);
}

static void build(ls_chunk_builder *cb, const samples *s)
{
    ls_chunk_builder_reset(cb);
    for (size_t i = 0; i < s->n; i++)
        assert_int_equal(ls_chunk_builder_add(cb, s->data[i], s->len[i]), LS_OK);
    assert_int_equal(ls_chunk_builder_finish(cb), LS_OK);
    assert_int_equal(cb->count, s->n);
    assert_int_equal(cb->index.len, s->n * LS_CHUNK_ENTRY_BYTES);
}

/* Parse the builder's object and decode every sample back, both from the
 * whole object and from an exact-size copy of each sample's range (so that
 * ASan sees any read outside it).  Returns how many samples were stored as
 * zstd frames. */
static size_t check_roundtrip(const ls_chunk_builder *cb, const samples *s)
{
    uint32_t count;
    const uint8_t *index;
    int rc = ls_chunk_parse(cb->data.data, cb->data.len, KEY, &count, &index);
    assert_int_equal(rc, LS_OK);
    assert_int_equal(count, s->n);
    assert_memory_equal(index, cb->index.data, cb->index.len);

    uint64_t *off = malloc((count + 1) * sizeof(uint64_t));
    assert_non_null(off);
    assert_int_equal(ls_chunk_index_offsets(index, count, off), LS_OK);
    assert_int_equal(off[0], LS_CHUNK_HEADER_BYTES);
    assert_int_equal(off[count] + (uint64_t)count * LS_CHUNK_ENTRY_BYTES +
                     LS_CHUNK_TRAILER_BYTES, cb->data.len);

    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    assert_non_null(dctx);
    ls_bytes out = { 0 };
    size_t nzstd = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t lf = ls_get_u32le(index + i * 8), crc = ls_get_u32le(index + i * 8 + 4);
        size_t slen = lf & LS_SAMPLE_LEN_MASK;
        assert_int_equal(off[i + 1] - off[i], slen);
        if (lf & LS_SAMPLE_ZSTD_FLAG) {
            nzstd++;
            assert_true(slen < s->len[i]);
        } else {
            assert_int_equal(slen, s->len[i]);
        }
        uint8_t *slice = malloc(slen ? slen : 1);
        assert_non_null(slice);
        memcpy(slice, cb->data.data + off[i], slen);
        /* Alternate between a reused context and none. */
        rc = ls_chunk_sample_decode(slice, lf, crc, (i & 1) ? NULL : dctx, &out, KEY, i);
        assert_int_equal(rc, LS_OK);
        assert_int_equal(out.len, s->len[i]);
        if (s->len[i])
            assert_memory_equal(out.data, s->data[i], s->len[i]);
        free(slice);
    }
    ls_bytes_free(&out);
    ZSTD_freeDCtx(dctx);
    free(off);
    return nzstd;
}

static void test_roundtrip_raw(void **state)
{
    (void)state;
    ls_chunk_builder cb;
    assert_int_equal(ls_chunk_builder_init(&cb, LS_CODEC_NONE, 3), LS_OK);
    samples s = make_samples(200, 0, 3000, 0, lt_seed());
    build(&cb, &s);
    assert_int_equal(check_roundtrip(&cb, &s), 0);
    assert_int_equal(cb.data.data[6], LS_CODEC_NONE);
    free_samples(&s);
    ls_chunk_builder_free(&cb);
}

static void test_roundtrip_zstd(void **state)
{
    (void)state;
    ls_chunk_builder cb;
    assert_int_equal(ls_chunk_builder_init(&cb, LS_CODEC_ZSTD, 3), LS_OK);

    /* Compressible samples shrink and are stored as frames. */
    samples text = make_samples(100, 200, 20000, 1, lt_seed() + 1);
    build(&cb, &text);
    assert_int_equal(cb.data.data[6], LS_CODEC_ZSTD);
    assert_int_equal(check_roundtrip(&cb, &text), text.n);

    /* Incompressible ones are stored raw, as is an empty sample; the
     * builder is reused (reset keeps the context). */
    samples rnd = make_samples(50, 0, 5000, 0, lt_seed() + 2);
    rnd.len[7] = 0;
    build(&cb, &rnd);
    assert_int_equal(check_roundtrip(&cb, &rnd), 0);

    free_samples(&text);
    free_samples(&rnd);
    ls_chunk_builder_free(&cb);
}

static void test_sizes(void **state)
{
    (void)state;
    for (int codec = 0; codec <= 1; codec++) {
        ls_chunk_builder cb;
        assert_int_equal(ls_chunk_builder_init(&cb, codec, 1), LS_OK);
        /* No sample at all. */
        samples s0 = make_samples(0, 0, 0, 0, 1);
        build(&cb, &s0);
        assert_int_equal(cb.data.len, LS_CHUNK_HEADER_BYTES + LS_CHUNK_TRAILER_BYTES);
        check_roundtrip(&cb, &s0);
        free_samples(&s0);
        /* One empty sample; one sample. */
        samples s1 = make_samples(1, 0, 0, 0, 2);
        build(&cb, &s1);
        check_roundtrip(&cb, &s1);
        free_samples(&s1);
        samples s2 = make_samples(1, 100000, 100000, 1, 3);
        build(&cb, &s2);
        check_roundtrip(&cb, &s2);
        free_samples(&s2);
        /* Many small samples. */
        samples s3 = make_samples(5000, 0, 40, codec, lt_seed() + 3);
        build(&cb, &s3);
        check_roundtrip(&cb, &s3);
        free_samples(&s3);
        ls_chunk_builder_free(&cb);
    }
    ls_chunk_builder_free(NULL);
}

static void test_builder_limits(void **state)
{
    (void)state;
    ls_chunk_builder cb;
    assert_int_equal(ls_chunk_builder_init(&cb, 7, 1), LS_ERR_INVALID);
    ls_chunk_builder_free(&cb);
    assert_int_equal(ls_chunk_builder_init(&cb, LS_CODEC_NONE, 1), LS_OK);
    uint8_t b[1] = { 0 };
    /* The length is refused before the bytes are read. */
    assert_int_equal(ls_chunk_builder_add(&cb, b, (size_t)LS_SAMPLE_BYTES_MAX + 1),
                     LS_ERR_LIMIT);
    for (uint32_t i = 0; i < LS_CHUNK_SAMPLES_MAX; i++)
        assert_int_equal(ls_chunk_builder_add(&cb, b, 1), LS_OK);
    assert_int_equal(ls_chunk_builder_add(&cb, b, 1), LS_ERR_LIMIT);
    assert_int_equal(ls_chunk_builder_finish(&cb), LS_OK);
    uint32_t count;
    const uint8_t *index;
    assert_int_equal(ls_chunk_parse(cb.data.data, cb.data.len, KEY, &count, &index), LS_OK);
    assert_int_equal(count, LS_CHUNK_SAMPLES_MAX);
    ls_chunk_builder_free(&cb);
}

static void test_index_offsets(void **state)
{
    (void)state;
    uint8_t idx[3 * 8] = { 0 };
    uint64_t off[4];
    ls_put_u32le(idx, 10);
    ls_put_u32le(idx + 8, 0 | LS_SAMPLE_ZSTD_FLAG);
    ls_put_u32le(idx + 16, 7);
    assert_int_equal(ls_chunk_index_offsets(idx, 3, off), LS_OK);
    assert_int_equal(off[0], 12);
    assert_int_equal(off[1], 22);
    assert_int_equal(off[2], 22);
    assert_int_equal(off[3], 29);
    /* Lengths that cannot fit in one chunk object. */
    ls_put_u32le(idx, LS_SAMPLE_LEN_MASK);
    ls_put_u32le(idx + 8, LS_SAMPLE_LEN_MASK | LS_SAMPLE_ZSTD_FLAG);
    assert_int_equal(ls_chunk_index_offsets(idx, 3, off), LS_ERR_CORRUPT);
    assert_int_equal(ls_chunk_index_offsets(idx, LS_CHUNK_SAMPLES_MAX + 1, off),
                     LS_ERR_CORRUPT);
}

/* A small zstd chunk with compressed and raw samples, for corruption tests. */
static void small_chunk(ls_chunk_builder *cb, samples *s)
{
    assert_int_equal(ls_chunk_builder_init(cb, LS_CODEC_ZSTD, 3), LS_OK);
    *s = make_samples(6, 0, 300, 1, 42);
    free(s->data[0]);   /* compressible text: a frame */
    s->len[0] = 300;
    s->data[0] = malloc(300);
    lt_fill(s->data[0], 300, 42, 1);
    lt_fill(s->data[3], s->len[3], 9, 0);   /* random: raw */
    build(cb, s);
    assert_true(ls_get_u32le(cb->index.data) & LS_SAMPLE_ZSTD_FLAG);
}

static void test_flip_every_byte(void **state)
{
    (void)state;
    ls_chunk_builder cb;
    samples s;
    small_chunk(&cb, &s);
    size_t len = cb.data.len;
    uint8_t *obj = malloc(len);
    assert_non_null(obj);
    size_t samples_end = len - LS_CHUNK_TRAILER_BYTES - cb.index.len;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(obj, cb.data.data, len);
            obj[i] ^= (uint8_t)(1u << bit);
            uint32_t count = 99;
            const uint8_t *index = obj;
            int rc = ls_chunk_parse(obj, len, KEY, &count, &index);
            if (i == 4 || i == 5)
                assert_int_equal(rc, LS_ERR_VERSION);
            else
                assert_int_equal(rc, LS_ERR_CORRUPT);
            assert_int_equal(count, 0);
            assert_null(index);
            const char *msg = ls_errmsg();
            assert_non_null(strstr(msg, KEY));
            if (i >= LS_CHUNK_HEADER_BYTES && i < samples_end) {
                assert_non_null(strstr(msg, "sample "));
                assert_non_null(strstr(msg, "crc32c mismatch"));
            } else if (i >= samples_end && i < len - LS_CHUNK_TRAILER_BYTES) {
                assert_non_null(strstr(msg, "footer crc32c mismatch"));
            }
        }
    }
    /* The message names the sample whose bytes were damaged. */
    memcpy(obj, cb.data.data, len);
    uint64_t off[7];
    assert_int_equal(ls_chunk_index_offsets(cb.index.data, 6, off), LS_OK);
    obj[off[3]] ^= 0x40;
    assert_int_equal(ls_chunk_parse(obj, len, KEY, &(uint32_t){ 0 },
                                    &(const uint8_t *){ NULL }), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), KEY ": sample 3: crc32c mismatch (stored 0x"));
    free(obj);
    free_samples(&s);
    ls_chunk_builder_free(&cb);
}

static void test_truncation(void **state)
{
    (void)state;
    ls_chunk_builder cb;
    samples s;
    small_chunk(&cb, &s);
    for (size_t n = 0; n < cb.data.len; n++) {
        /* An exact-size copy, so that any overread is caught. */
        uint8_t *obj = malloc(n ? n : 1);
        assert_non_null(obj);
        memcpy(obj, cb.data.data, n);
        uint32_t count;
        const uint8_t *index;
        assert_int_equal(ls_chunk_parse(obj, n, KEY, &count, &index), LS_ERR_CORRUPT);
        assert_non_null(strstr(ls_errmsg(), KEY));
        free(obj);
    }
    free_samples(&s);
    ls_chunk_builder_free(&cb);
}

/* Rewrite an object's footer CRC after editing its entries. */
static void refooter(uint8_t *obj, size_t len, uint32_t count)
{
    ls_put_u32le(obj + len - 8, ls_crc32c(obj + len - 12 - count * 8, count * 8));
}

static void test_crafted(void **state)
{
    (void)state;
    ls_chunk_builder cb;
    samples s;
    small_chunk(&cb, &s);
    size_t len = cb.data.len;
    uint8_t *obj = malloc(len);
    uint32_t count;
    const uint8_t *index;
    uint8_t *entries = obj + len - 12 - 6 * 8;

    /* Lengths that do not add up to the sample region. */
    memcpy(obj, cb.data.data, len);
    ls_put_u32le(entries, ls_get_u32le(entries) + 1);
    refooter(obj, len, 6);
    assert_int_equal(ls_chunk_parse(obj, len, KEY, &count, &index), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), "sum to"));

    /* A zstd flag in a chunk without codec. */
    memcpy(obj, cb.data.data, len);
    obj[6] = LS_CODEC_NONE;
    assert_int_equal(ls_chunk_parse(obj, len, KEY, &count, &index), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), "without codec"));

    /* Unknown codec, count beyond the limit, footer count disagreeing. */
    memcpy(obj, cb.data.data, len);
    obj[6] = 9;
    assert_int_equal(ls_chunk_parse(obj, len, KEY, &count, &index), LS_ERR_CORRUPT);
    memcpy(obj, cb.data.data, len);
    ls_put_u32le(obj + 8, LS_CHUNK_SAMPLES_MAX + 1);
    assert_int_equal(ls_chunk_parse(obj, len, KEY, &count, &index), LS_ERR_CORRUPT);
    memcpy(obj, cb.data.data, len);
    ls_put_u32le(obj + 8, 0xffffffffu);
    ls_put_u32le(obj + len - 12, 0xffffffffu);
    assert_int_equal(ls_chunk_parse(obj, len, KEY, &count, &index), LS_ERR_CORRUPT);
    memcpy(obj, cb.data.data, len);
    ls_put_u32le(obj + 8, 5000);
    ls_put_u32le(obj + len - 12, 5000);   /* more entries than bytes */
    assert_int_equal(ls_chunk_parse(obj, len, KEY, &count, &index), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), "truncated"));

    /* Other format version. */
    memcpy(obj, cb.data.data, len);
    ls_put_u16le(obj + 4, 2);
    assert_int_equal(ls_chunk_parse(obj, len, KEY, &count, &index), LS_ERR_VERSION);
    assert_non_null(strstr(ls_errmsg(), "version 2"));

    /* Oversized object is refused before it is read. */
    assert_int_equal(ls_chunk_parse(obj, (size_t)LS_CHUNK_BYTES_MAX + 1, KEY, &count, &index),
                     LS_ERR_CORRUPT);
    free(obj);
    free_samples(&s);
    ls_chunk_builder_free(&cb);
}

static void expect_decode_error(const void *stored, size_t len, uint32_t flags,
                                const char *what)
{
    ls_bytes out = { 0 };
    uint32_t lf = (uint32_t)len | flags;
    int rc = ls_chunk_sample_decode(stored, lf, ls_crc32c(stored, len), NULL, &out,
                                    KEY, 1234);
    assert_int_equal(rc, LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), KEY ": sample 1234: "));
    assert_non_null(strstr(ls_errmsg(), what));
    ls_bytes_free(&out);
}

static void test_sample_decode(void **state)
{
    (void)state;
    uint8_t raw[4000];
    lt_fill(raw, sizeof(raw), 5, 1);
    size_t cap = ZSTD_compressBound(sizeof(raw));
    uint8_t *frame = malloc(cap);
    size_t flen = ZSTD_compress(frame, cap, raw, sizeof(raw), 3);
    assert_false(ZSTD_isError(flen));
    ls_bytes out = { 0 };

    /* Raw and compressed slices alone, the crc checked first. */
    assert_int_equal(ls_chunk_sample_decode(raw, sizeof(raw), ls_crc32c(raw, sizeof(raw)),
                                            NULL, &out, KEY, 7), LS_OK);
    assert_int_equal(out.len, sizeof(raw));
    assert_int_equal(ls_chunk_sample_decode(frame, (uint32_t)flen | LS_SAMPLE_ZSTD_FLAG,
                                            ls_crc32c(frame, flen), NULL, &out, KEY, 7),
                     LS_OK);
    assert_int_equal(out.len, sizeof(raw));
    assert_memory_equal(out.data, raw, sizeof(raw));
    int rc = ls_chunk_sample_decode(frame, (uint32_t)flen | LS_SAMPLE_ZSTD_FLAG,
                                    ls_crc32c(frame, flen) ^ 1, NULL, &out, KEY, 1234);
    assert_int_equal(rc, LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), KEY ": sample 1234: crc32c mismatch (stored 0x"));
    assert_int_equal(out.len, 0);

    /* Hostile frames with a matching crc: not zstd, no content size,
     * two frames, damaged body, a declared size beyond the sample limit. */
    expect_decode_error(raw, 100, LS_SAMPLE_ZSTD_FLAG, "known content size");
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
    ZSTD_inBuffer in = { raw, sizeof(raw), 0 };
    uint8_t *nosize = malloc(cap);
    ZSTD_outBuffer ob = { nosize, cap, 0 };
    assert_int_equal(ZSTD_compressStream2(cctx, &ob, &in, ZSTD_e_end), 0);
    ZSTD_freeCCtx(cctx);
    expect_decode_error(nosize, ob.pos, LS_SAMPLE_ZSTD_FLAG, "known content size");

    uint8_t *two = malloc(2 * flen);
    memcpy(two, frame, flen);
    memcpy(two + flen, frame, flen);
    expect_decode_error(two, 2 * flen, LS_SAMPLE_ZSTD_FLAG, "exactly one zstd frame");

    uint8_t *bad = malloc(flen - 1);   /* a cut frame */
    memcpy(bad, frame, flen - 1);
    expect_decode_error(bad, flen - 1, LS_SAMPLE_ZSTD_FLAG, "exactly one zstd frame");

    /* Frame header: magic, descriptor 0xE0 (single segment, 8-byte size),
     * then a size of 2^40. */
    uint8_t huge[32] = { 0x28, 0xb5, 0x2f, 0xfd, 0xe0 };
    ls_put_u64le(huge + 5, 1ull << 40);
    expect_decode_error(huge, sizeof(huge), LS_SAMPLE_ZSTD_FLAG, "beyond the sample limit");

    /* A raw sample longer than the sample limit. */
    uint8_t *big = calloc(1, (size_t)LS_SAMPLE_BYTES_MAX + 1);
    assert_non_null(big);
    expect_decode_error(big, (size_t)LS_SAMPLE_BYTES_MAX + 1, 0, "sample limit");
    free(big);

    free(bad);
    free(two);
    free(nosize);
    free(frame);
    ls_bytes_free(&out);
}

int main(void)
{
    lt_seed();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_raw),
        cmocka_unit_test(test_roundtrip_zstd),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_builder_limits),
        cmocka_unit_test(test_index_offsets),
        cmocka_unit_test(test_flip_every_byte),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_crafted),
        cmocka_unit_test(test_sample_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
