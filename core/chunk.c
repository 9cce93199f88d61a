/*
 * chunk.c -- the data chunk object: a header, the stored bytes of each
 * sample back to back, and a footer of {len_flags, crc32c} entries (layout in
 * ls_int.h and docs/formats.md).  Building, whole-object validation, and the
 * verification and decoding of one sample read on its own.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "ls_int.h"

static const uint8_t chunk_magic[4] = { 'L', 'S', 'C', '1' };
static const uint8_t footer_magic[4] = { 'L', 'S', 'C', 'F' };

/* ---- building ---------------------------------------------------------- */

int ls_chunk_builder_init(ls_chunk_builder *cb, int codec, int zstd_level)
{
    memset(cb, 0, sizeof(*cb));
    if (codec != LS_CODEC_NONE && codec != LS_CODEC_ZSTD)
        return ls_seterr(LS_ERR_INVALID, "chunk builder: unknown codec %d", codec);
    cb->codec = codec;
    cb->zstd_level = zstd_level;
    if (codec == LS_CODEC_ZSTD && !(cb->cctx = ZSTD_createCCtx()))
        return ls_seterr(LS_ERR_NOMEM, "chunk builder: cannot create a zstd context");
    return LS_OK;
}

void ls_chunk_builder_free(ls_chunk_builder *cb)
{
    if (!cb)
        return;
    ls_bytes_free(&cb->data);
    ls_bytes_free(&cb->index);
    ZSTD_freeCCtx(cb->cctx);
    memset(cb, 0, sizeof(*cb));
}

void ls_chunk_builder_reset(ls_chunk_builder *cb)
{
    cb->data.len = 0;
    cb->index.len = 0;
    cb->count = 0;
}

/* The header is written lazily (reset cannot fail, an allocation can); its
 * count is patched in by finish. */
static int builder_start(ls_chunk_builder *cb)
{
    if (cb->data.len > 0)
        return LS_OK;
    uint8_t h[LS_CHUNK_HEADER_BYTES];
    memcpy(h, chunk_magic, 4);
    ls_put_u16le(h + 4, LS_CHUNK_FORMAT_VERSION);
    h[6] = (uint8_t)cb->codec;
    h[7] = 0;
    ls_put_u32le(h + 8, 0);
    return ls_bytes_append(&cb->data, h, sizeof(h));
}

/* Size of the object if finished now with `extra` more stored bytes and
 * one more entry; all terms are bounded, so no overflow in 64 bits. */
static uint64_t builder_size_with(const ls_chunk_builder *cb, uint64_t extra)
{
    return (uint64_t)cb->data.len + extra +
           (uint64_t)(cb->count + 1) * LS_CHUNK_ENTRY_BYTES + LS_CHUNK_TRAILER_BYTES;
}

int ls_chunk_builder_add(ls_chunk_builder *cb, const void *sample, size_t len)
{
    if (len > LS_SAMPLE_BYTES_MAX)
        return ls_seterr(LS_ERR_LIMIT, "sample of %zu bytes exceeds the limit of %u",
                         len, LS_SAMPLE_BYTES_MAX);
    if (cb->count >= LS_CHUNK_SAMPLES_MAX)
        return ls_seterr(LS_ERR_LIMIT, "chunk already holds %u samples (the limit)",
                         LS_CHUNK_SAMPLES_MAX);
    int rc = builder_start(cb);
    if (rc)
        return rc;

    /* Compress straight into the tail of data; if the frame does not shrink
     * the sample, overwrite it with the raw bytes (bound >= len). */
    size_t room = cb->codec == LS_CODEC_ZSTD ? ZSTD_compressBound(len) : len;
    if ((rc = ls_bytes_reserve(&cb->data, room)))
        return rc;
    uint8_t *dst = cb->data.data + cb->data.len;
    size_t stored = len;
    uint32_t flags = 0;
    if (cb->codec == LS_CODEC_ZSTD && len > 0) {
        size_t n = ZSTD_compressCCtx(cb->cctx, dst, room, sample, len, cb->zstd_level);
        if (ZSTD_isError(n))
            return ls_seterr(LS_ERR_NOMEM, "zstd compression failed: %s",
                             ZSTD_getErrorName(n));
        if (n < len) {
            stored = n;
            flags = LS_SAMPLE_ZSTD_FLAG;
        }
    }
    if (!flags && len > 0)
        memcpy(dst, sample, len);
    if (builder_size_with(cb, stored) > LS_CHUNK_BYTES_MAX)
        return ls_seterr(LS_ERR_LIMIT, "chunk would exceed %u bytes", LS_CHUNK_BYTES_MAX);

    uint8_t e[LS_CHUNK_ENTRY_BYTES];
    ls_put_u32le(e, (uint32_t)stored | flags);
    ls_put_u32le(e + 4, ls_crc32c(dst, stored));
    if ((rc = ls_bytes_append(&cb->index, e, sizeof(e))))
        return rc;
    cb->data.len += stored;
    cb->count++;
    LS_ASSERT(cb->index.len == (size_t)cb->count * LS_CHUNK_ENTRY_BYTES);
    return LS_OK;
}

int ls_chunk_builder_finish(ls_chunk_builder *cb)
{
    int rc = builder_start(cb);
    if (rc)
        return rc;
    if ((rc = ls_bytes_reserve(&cb->data, cb->index.len + LS_CHUNK_TRAILER_BYTES)))
        return rc;
    ls_put_u32le(cb->data.data + 8, cb->count);
    /* The object is exactly what its index (copied into the commit record)
     * says: a header, the stored lengths back to back, the entries and the
     * trailer; ls_chunk_parse and every reader's offsets rely on it. */
    uint64_t want = 0;
    if (LS_ASSERTS_ON) {
        LS_ASSERT(cb->index.len == (size_t)cb->count * LS_CHUNK_ENTRY_BYTES);
        want = LS_CHUNK_HEADER_BYTES + cb->index.len + LS_CHUNK_TRAILER_BYTES;
        for (uint32_t i = 0; i < cb->count; i++)
            want += ls_get_u32le(cb->index.data + (size_t)i * LS_CHUNK_ENTRY_BYTES) &
                    LS_SAMPLE_LEN_MASK;
        LS_ASSERT(cb->data.len + cb->index.len + LS_CHUNK_TRAILER_BYTES == want);
    }
    if (cb->index.len)
        memcpy(cb->data.data + cb->data.len, cb->index.data, cb->index.len);
    cb->data.len += cb->index.len;
    uint8_t t[LS_CHUNK_TRAILER_BYTES];
    ls_put_u32le(t, cb->count);
    ls_put_u32le(t + 4, ls_crc32c(cb->index.data, cb->index.len));
    memcpy(t + 8, footer_magic, 4);
    memcpy(cb->data.data + cb->data.len, t, sizeof(t));
    cb->data.len += sizeof(t);
    LS_ASSERT(cb->data.len == want);
    LS_ASSERT(cb->data.len <= LS_CHUNK_BYTES_MAX);   /* builder_add refused beyond */
    return LS_OK;
}

/* ---- reading ----------------------------------------------------------- */

int ls_chunk_index_offsets(const uint8_t *index, uint32_t count, uint64_t *offsets)
{
    if (count > LS_CHUNK_SAMPLES_MAX)
        return ls_seterr(LS_ERR_CORRUPT, "chunk index of %" PRIu32 " samples exceeds "
                         "the limit of %u", count, LS_CHUNK_SAMPLES_MAX);
    /* Each length is < 2^31 and count <= 2^16, so the sum fits in 64 bits;
     * compare the whole object size against the limit at the end. */
    uint64_t off = LS_CHUNK_HEADER_BYTES;
    for (uint32_t i = 0; i < count; i++) {
        offsets[i] = off;
        off += ls_get_u32le(index + (size_t)i * LS_CHUNK_ENTRY_BYTES) & LS_SAMPLE_LEN_MASK;
    }
    offsets[count] = off;
    if (off + (uint64_t)count * LS_CHUNK_ENTRY_BYTES + LS_CHUNK_TRAILER_BYTES >
        LS_CHUNK_BYTES_MAX)
        return ls_seterr(LS_ERR_CORRUPT, "chunk index: samples sum to %" PRIu64
                         " bytes, beyond the chunk limit of %u", off, LS_CHUNK_BYTES_MAX);
    return LS_OK;
}

int ls_chunk_parse(const uint8_t *obj, size_t len, const char *key,
                   uint32_t *count, const uint8_t **index)
{
    *count = 0;
    *index = NULL;
    if (len > LS_CHUNK_BYTES_MAX)
        return ls_seterr(LS_ERR_CORRUPT, "%s: chunk of %zu bytes exceeds the limit of %u",
                         key, len, LS_CHUNK_BYTES_MAX);
    if (len < LS_CHUNK_HEADER_BYTES + LS_CHUNK_TRAILER_BYTES)
        return ls_seterr(LS_ERR_CORRUPT, "%s: truncated chunk (%zu bytes)", key, len);
    if (memcmp(obj, chunk_magic, 4) != 0)
        return ls_seterr(LS_ERR_CORRUPT, "%s: not a chunk (bad magic)", key);
    unsigned version = ls_get_u16le(obj + 4);
    if (version != LS_CHUNK_FORMAT_VERSION)
        return ls_seterr(LS_ERR_VERSION, "%s: chunk format version %u, this build reads %u",
                         key, version, LS_CHUNK_FORMAT_VERSION);
    unsigned codec = obj[6];
    if (codec != LS_CODEC_NONE && codec != LS_CODEC_ZSTD)
        return ls_seterr(LS_ERR_CORRUPT, "%s: unknown codec %u", key, codec);
    if (obj[7] != 0)
        return ls_seterr(LS_ERR_CORRUPT, "%s: reserved header byte is %u", key, obj[7]);
    uint32_t n = ls_get_u32le(obj + 8);
    if (n > LS_CHUNK_SAMPLES_MAX)
        return ls_seterr(LS_ERR_CORRUPT, "%s: %" PRIu32 " samples exceed the limit of %u",
                         key, n, LS_CHUNK_SAMPLES_MAX);

    const uint8_t *trailer = obj + len - LS_CHUNK_TRAILER_BYTES;
    if (memcmp(trailer + 8, footer_magic, 4) != 0)
        return ls_seterr(LS_ERR_CORRUPT, "%s: bad footer magic (truncated?)", key);
    if (ls_get_u32le(trailer) != n)
        return ls_seterr(LS_ERR_CORRUPT, "%s: header says %" PRIu32 " samples, footer %" PRIu32,
                         key, n, ls_get_u32le(trailer));
    size_t entries_len = (size_t)n * LS_CHUNK_ENTRY_BYTES;
    if (len - LS_CHUNK_HEADER_BYTES - LS_CHUNK_TRAILER_BYTES < entries_len)
        return ls_seterr(LS_ERR_CORRUPT, "%s: truncated chunk (%zu bytes for %" PRIu32
                         " samples)", key, len, n);
    const uint8_t *entries = trailer - entries_len;
    uint32_t stored_crc = ls_get_u32le(trailer + 4), crc = ls_crc32c(entries, entries_len);
    if (crc != stored_crc)
        return ls_seterr(LS_ERR_CORRUPT, "%s: footer crc32c mismatch (stored 0x%08" PRIx32
                         ", computed 0x%08" PRIx32 ")", key, stored_crc, crc);

    size_t region = len - LS_CHUNK_HEADER_BYTES - LS_CHUNK_TRAILER_BYTES - entries_len;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t lf = ls_get_u32le(entries + (size_t)i * LS_CHUNK_ENTRY_BYTES);
        if (codec == LS_CODEC_NONE && (lf & LS_SAMPLE_ZSTD_FLAG))
            return ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu32 ": zstd frame in a "
                             "chunk without codec", key, i);
        sum += lf & LS_SAMPLE_LEN_MASK;   /* < 2^16 * 2^31: no overflow */
    }
    if (sum != region)
        return ls_seterr(LS_ERR_CORRUPT, "%s: sample lengths sum to %" PRIu64
                         " bytes, the sample region holds %zu", key, sum, region);

    const uint8_t *p = obj + LS_CHUNK_HEADER_BYTES;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = entries + (size_t)i * LS_CHUNK_ENTRY_BYTES;
        size_t slen = ls_get_u32le(e) & LS_SAMPLE_LEN_MASK;
        uint32_t want = ls_get_u32le(e + 4), got = ls_crc32c(p, slen);
        if (want != got)
            return ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu32 ": crc32c mismatch "
                             "(stored 0x%08" PRIx32 ", computed 0x%08" PRIx32 ")",
                             key, i, want, got);
        p += slen;
    }
    LS_ASSERT(p == entries);   /* validated: the samples end where the entries start */
    *count = n;
    *index = entries;
    return LS_OK;
}

int ls_chunk_sample_check(const uint8_t *stored, uint32_t len_flags, uint32_t crc,
                          const char *key, uint64_t sample_no, size_t *decoded_len)
{
    size_t slen = len_flags & LS_SAMPLE_LEN_MASK;
    *decoded_len = 0;
    if (slen > LS_CHUNK_BYTES_MAX)
        return ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu64 ": stored length %zu "
                         "exceeds the chunk limit", key, sample_no, slen);
    uint32_t got = ls_crc32c(stored, slen);
    if (got != crc)
        return ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu64 ": crc32c mismatch "
                         "(stored 0x%08" PRIx32 ", computed 0x%08" PRIx32 ")",
                         key, sample_no, crc, got);
    return ls_chunk_sample_size(stored, len_flags, key, sample_no, decoded_len);
}

int ls_chunk_sample_size(const uint8_t *stored, uint32_t len_flags, const char *key,
                         uint64_t sample_no, size_t *decoded_len)
{
    size_t slen = len_flags & LS_SAMPLE_LEN_MASK;
    *decoded_len = 0;
    if (slen > LS_CHUNK_BYTES_MAX)
        return ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu64 ": stored length %zu "
                         "exceeds the chunk limit", key, sample_no, slen);
    if (!(len_flags & LS_SAMPLE_ZSTD_FLAG)) {
        if (slen > LS_SAMPLE_BYTES_MAX)
            return ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu64 ": %zu bytes exceed "
                             "the sample limit of %u", key, sample_no, slen,
                             LS_SAMPLE_BYTES_MAX);
        *decoded_len = slen;
        return LS_OK;
    }
    /* One zstd frame that declares its size: the output is allocated once,
     * never beyond the sample limit, whatever the frame claims. */
    unsigned long long csize = ZSTD_getFrameContentSize(stored, slen);
    if (csize == ZSTD_CONTENTSIZE_ERROR || csize == ZSTD_CONTENTSIZE_UNKNOWN)
        return ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu64 ": not a zstd frame with "
                         "a known content size", key, sample_no);
    if (csize > LS_SAMPLE_BYTES_MAX)
        return ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu64 ": frame declares %llu "
                         "bytes, beyond the sample limit of %u", key, sample_no, csize,
                         LS_SAMPLE_BYTES_MAX);
    size_t fsize = ZSTD_findFrameCompressedSize(stored, slen);
    if (ZSTD_isError(fsize) || fsize != slen)
        return ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu64 ": stored bytes are not "
                         "exactly one zstd frame", key, sample_no);
    *decoded_len = (size_t)csize;
    return LS_OK;
}

int ls_chunk_sample_decode_to(const uint8_t *stored, uint32_t len_flags, void *dctx,
                              uint8_t *dst, size_t decoded_len, const char *key,
                              uint64_t sample_no)
{
    size_t slen = len_flags & LS_SAMPLE_LEN_MASK;
    if (!(len_flags & LS_SAMPLE_ZSTD_FLAG)) {
        if (slen != decoded_len)
            return ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu64 ": length changed",
                             key, sample_no);
        if (slen)
            memcpy(dst, stored, slen);
        return LS_OK;
    }
    ZSTD_DCtx *tmp = NULL;
    if (!dctx && !(dctx = tmp = ZSTD_createDCtx()))
        return ls_seterr(LS_ERR_NOMEM, "%s: cannot create a zstd context", key);
    size_t n = ZSTD_decompressDCtx(dctx, dst, decoded_len, stored, slen);
    ZSTD_freeDCtx(tmp);
    if (ZSTD_isError(n))
        return ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu64 ": zstd: %s",
                         key, sample_no, ZSTD_getErrorName(n));
    if (n != decoded_len)
        return ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu64 ": decoded %zu bytes, "
                         "the frame declares %zu", key, sample_no, n, decoded_len);
    return LS_OK;
}

int ls_chunk_sample_decode(const uint8_t *stored, uint32_t len_flags,
                           uint32_t crc, void *dctx, ls_bytes *out,
                           const char *key, uint64_t sample_no)
{
    size_t n;
    out->len = 0;
    int rc = ls_chunk_sample_check(stored, len_flags, crc, key, sample_no, &n);
    if (!rc)
        rc = ls_bytes_reserve(out, n + 1);   /* +1: never a NULL dst */
    if (!rc)
        rc = ls_chunk_sample_decode_to(stored, len_flags, dctx, out->data, n, key,
                                       sample_no);
    if (!rc)
        out->len = n;
    return rc;
}
