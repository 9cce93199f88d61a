/*
 * step_index.c -- the per-step index object <table>/_steps/<s:020> of
 * table format 2 (docs/formats.md, docs/protocol.md "Step index"): where
 * each of step s's B samples lies, so that rank r of W reads exactly its
 * share of the index and the chunk names it uses, not the commit records
 * of the whole step.  Two views of the same samples, one for each size of
 * slice:
 *
 *   header   64 bytes: "LSI1" | u16 major (2) | u16 minor | u64 step | u32 B
 *            | u32 nchunks | u64 version | u8[16] commit_id | u64 uid
 *            | u32 names_bytes | u32 crc32c(header[0..60))
 *   entries  B x 20 bytes, entry i for sample s*B + i (the per-sample view):
 *            u32 name_ref (name offset << 8 | name length) | u32 offset
 *            | u32 len_flags | u32 crc32c(sample) | u32 seal
 *   blocks   ceil(B / 16) x 84 bytes, block g for samples [16g, 16g + 16)
 *            (the block view): u32 seal | u32 crcs | u32 name_ref of the
 *            first sample's chunk | u32 names_end | u32 offset of the first
 *            sample | 16 x u32 len_flags (bit 30: the sample starts the
 *            next chunk, named next in names, its samples from byte 12)
 *   names    each chunk once, in order of first use:
 *            u8 producer_len | producer | u64 epoch | u64 seq
 *
 * seal = crc32c(uid | step | i | entry[0..16) | the entry's name), and for
 * a block crc32c(uid | step | g | block[4..84) | the names it uses): an
 * entry or a block is checked alone, with its names, against the table
 * (uid) and its place, so a reader of one slice never trusts a byte it did
 * not verify.  A block's crcs is the crc32c of its samples' CRC32Cs (u32
 * each, in order): a reader whose slice is whole blocks reads 5.25 bytes
 * of index per sample instead of 20, and checks its samples block by block.
 * version and commit_id name the log record that completed the step.
 *
 * The content is a pure function of the log: ls_step_index_build makes it
 * from the state and the commit records, byte for byte the same whoever
 * builds it.  It is a cache like a snapshot: the log stays the truth.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

#define SI_MAGIC "LSI1"
#define SI_MAJOR 2u
#define SI_MINOR 0u

/* ---- entries and names --------------------------------------------------- */

uint32_t ls_step_index_entry_seal(uint64_t uid, uint64_t step, uint32_t i,
                                  const uint8_t *entry, const uint8_t *name, size_t name_len)
{
    uint8_t buf[20 + 16 + LS_STEP_INDEX_NAME_BYTES_MAX];
    ls_put_u64le(buf, uid);
    ls_put_u64le(buf + 8, step);
    ls_put_u32le(buf + 16, i);
    memcpy(buf + 20, entry, 16);
    memcpy(buf + 36, name, name_len);
    return ls_crc32c(buf, 36 + name_len);
}

int ls_step_index_name_parse(const uint8_t *name, size_t len, char *producer,
                             uint64_t *epoch, uint64_t *seq)
{
    if (len < 1 + 16 || name[0] == 0 || (size_t)name[0] + 17 != len ||
        name[0] > LS_PRODUCER_ID_BYTES_MAX)
        return 0;
    memcpy(producer, name + 1, name[0]);
    producer[name[0]] = '\0';
    if (!ls_name_is_valid(producer))
        return 0;
    *epoch = ls_get_u64le(name + 1 + name[0]);
    *seq = ls_get_u64le(name + 9 + name[0]);
    return 1;
}

int ls_step_index_slice_names(const uint8_t *ent, size_t n, uint32_t *lo, uint32_t *hi)
{
    uint32_t a = UINT32_MAX, b = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t ref = ls_get_u32le(ent + k * LS_STEP_INDEX_ENTRY_BYTES);
        uint32_t off = ref >> 8, len = ref & 0xffu;
        if (len < 17 || len > LS_STEP_INDEX_NAME_BYTES_MAX)
            return ls_seterr(LS_ERR_CORRUPT, "entry %zu: a chunk name of %u bytes", k, len);
        if (off < a)
            a = off;
        if (off + len > b)
            b = off + len;
    }
    *lo = n ? a : 0;
    *hi = n ? b : 0;
    return LS_OK;
}

/* Append the store key of the chunk a name gives to ck (which has room);
 * its place in *at.  i is the sample, for errors. */
static int chunk_key_add(const char *table, const uint8_t *nm, uint32_t len, const char *what,
                         uint32_t i, ls_step_chunks *ck, uint32_t *at)
{
    char producer[LS_PRODUCER_ID_BYTES_MAX + 1], key[LS_KEY_BYTES_MAX + 1];
    uint64_t epoch, seq;
    if (!ls_step_index_name_parse(nm, len, producer, &epoch, &seq))
        return ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu32 ": bad chunk name", what, i);
    int rc = ls_key_chunk(key, table, producer, epoch, seq);
    if (rc)
        return ls_preferr(rc, "%s: sample %" PRIu32, what, i);
    if (!(ck->keys[ck->n] = strdup(key)))
        return ls_seterr(LS_ERR_NOMEM, "step index");
    *at = ck->n++;
    return LS_OK;
}

void ls_step_chunks_free(ls_step_chunks *ck)
{
    for (uint32_t i = 0; i < ck->n; i++)
        free(ck->keys[i]);
    free(ck->keys);
    memset(ck, 0, sizeof(*ck));
}

int ls_step_index_slice_decode(const char *table, uint64_t uid, uint64_t step, uint32_t first,
                               const uint8_t *ent, size_t n, const uint8_t *names,
                               uint32_t names_lo, size_t names_len, const char *what,
                               ls_step_sample *out, ls_step_chunks *ck)
{
    memset(ck, 0, sizeof(*ck));
    if (n && !(ck->keys = calloc(n, sizeof(char *))))
        return ls_seterr(LS_ERR_NOMEM, "step index");
    int rc = LS_OK;
    for (size_t k = 0; k < n && rc == LS_OK; k++) {
        const uint8_t *e = ent + k * LS_STEP_INDEX_ENTRY_BYTES;
        uint32_t ref = ls_get_u32le(e), off = ref >> 8, len = ref & 0xffu;
        uint32_t i = first + (uint32_t)k;
        if (len < 17 || len > LS_STEP_INDEX_NAME_BYTES_MAX || off < names_lo ||
            off - names_lo + (size_t)len > names_len) {
            rc = ls_seterr(LS_ERR_CORRUPT, "%s: entry %" PRIu32 ": chunk name outside the "
                           "names read", what, i);
            break;
        }
        const uint8_t *nm = names + (off - names_lo);
        if (ls_step_index_entry_seal(uid, step, i, e, nm, len) != ls_get_u32le(e + 16)) {
            rc = ls_seterr(LS_ERR_CORRUPT, "%s: entry %" PRIu32 ": seal mismatch (damaged, "
                           "or not this table's step %" PRIu64 ")", what, i, step);
            break;
        }
        ls_step_sample *sm = &out[k];
        sm->name_off = off;
        sm->offset = ls_get_u32le(e + 4);
        sm->len_flags = ls_get_u32le(e + 8);
        sm->crc = ls_get_u32le(e + 12);
        if ((uint64_t)sm->offset + (sm->len_flags & LS_SAMPLE_LEN_MASK) > LS_CHUNK_BYTES_MAX) {
            rc = ls_seterr(LS_ERR_CORRUPT, "%s: entry %" PRIu32 ": sample beyond the chunk "
                           "size limit", what, i);
            break;
        }
        if (k > 0 && out[k - 1].name_off == off)
            sm->chunk = out[k - 1].chunk;       /* the same chunk as the sample before */
        else
            rc = chunk_key_add(table, nm, len, what, i, ck, &sm->chunk);
        LS_ASSERT(rc || sm->chunk < ck->n);
    }
    if (rc)
        ls_step_chunks_free(ck);
    return rc;
}

/* ---- blocks ------------------------------------------------------------ */

#define BLK LS_STEP_INDEX_BLOCK_SAMPLES

uint32_t ls_step_index_block_seal(uint64_t uid, uint64_t step, uint32_t g, const uint8_t *blk,
                                  const uint8_t *names, size_t names_len)
{
    uint8_t pre[20];
    ls_put_u64le(pre, uid);
    ls_put_u64le(pre + 8, step);
    ls_put_u32le(pre + 16, g);
    uint32_t crc = ls_crc32c(pre, sizeof(pre));
    crc = ls_crc32c_extend(crc, blk + 4, LS_STEP_INDEX_BLOCK_BYTES - 4);
    return ls_crc32c_extend(crc, names, names_len);
}

int ls_step_index_blocks_names(const uint8_t *blk, size_t nblk, uint32_t *lo, uint32_t *hi)
{
    uint32_t a = UINT32_MAX, b = 0;
    for (size_t g = 0; g < nblk; g++) {
        const uint8_t *p = blk + g * LS_STEP_INDEX_BLOCK_BYTES;
        uint32_t ref = ls_get_u32le(p + 8), off = ref >> 8, len = ref & 0xffu;
        uint32_t end = ls_get_u32le(p + 12);
        if (len < 17 || len > LS_STEP_INDEX_NAME_BYTES_MAX || end < off ||
            end - off < len || end - off > BLK * LS_STEP_INDEX_NAME_BYTES_MAX)
            return ls_seterr(LS_ERR_CORRUPT, "block %zu: chunk names [%" PRIu32 ", %" PRIu32
                             ") impossible", g, off, end);
        if (off < a)
            a = off;
        if (end > b)
            b = end;
    }
    *lo = nblk ? a : 0;
    *hi = nblk ? b : 0;
    return LS_OK;
}

int ls_step_index_blocks_decode(const char *table, uint64_t uid, uint64_t step, uint32_t B,
                                uint32_t g0, const uint8_t *blk, size_t nblk,
                                const uint8_t *names, uint32_t names_lo, size_t names_len,
                                const char *what, ls_step_sample *out, uint32_t *crcs,
                                ls_step_chunks *ck)
{
    memset(ck, 0, sizeof(*ck));
    if (nblk && !(ck->keys = calloc(nblk * BLK, sizeof(char *))))
        return ls_seterr(LS_ERR_NOMEM, "step index");
    int rc = LS_OK;
    size_t k = 0;
    for (size_t g = 0; g < nblk && rc == LS_OK; g++) {
        const uint8_t *p = blk + g * LS_STEP_INDEX_BLOCK_BYTES;
        uint32_t gi = g0 + (uint32_t)g;
        if ((uint64_t)gi * BLK >= B) {
            rc = ls_seterr(LS_ERR_CORRUPT, "%s: block %" PRIu32 " beyond the step's %" PRIu32
                           " samples", what, gi, B);
            break;
        }
        uint32_t first = gi * BLK, cnt = B - first < BLK ? B - first : BLK;
        uint32_t ref = ls_get_u32le(p + 8), off = ref >> 8, nlen = ref & 0xffu;
        uint32_t end = ls_get_u32le(p + 12);
        if (nlen < 17 || nlen > LS_STEP_INDEX_NAME_BYTES_MAX || off < names_lo ||
            end < off || end - off < nlen || (uint64_t)end - names_lo > names_len) {
            rc = ls_seterr(LS_ERR_CORRUPT, "%s: block %" PRIu32 ": chunk names outside the "
                           "names read", what, gi);
            break;
        }
        const uint8_t *nm = names + (off - names_lo);
        if (ls_step_index_block_seal(uid, step, gi, p, nm, end - off) != ls_get_u32le(p)) {
            rc = ls_seterr(LS_ERR_CORRUPT, "%s: block %" PRIu32 ": seal mismatch (damaged, "
                           "or not this table's step %" PRIu64 ")", what, gi, step);
            break;
        }
        crcs[g] = ls_get_u32le(p + 4);
        uint32_t cur = off, curlen = nlen, chunk = 0;
        uint64_t pos = ls_get_u32le(p + 16);
        if (k > 0 && out[k - 1].name_off == off)
            chunk = out[k - 1].chunk;
        else if ((rc = chunk_key_add(table, nm, nlen, what, first, ck, &chunk)))
            break;
        for (uint32_t j = 0; j < cnt; j++, k++) {
            uint32_t lf = ls_get_u32le(p + 20 + 4 * j);
            if (lf & LS_STEP_INDEX_NEXT_CHUNK) {
                cur += curlen;
                if (j == 0 || cur >= end || cur + 17u + names[cur - names_lo] > end) {
                    rc = ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu32 ": a chunk change "
                                   "the block's names do not hold", what, first + j);
                    break;
                }
                curlen = 17u + names[cur - names_lo];
                if ((rc = chunk_key_add(table, names + (cur - names_lo), curlen, what,
                                        first + j, ck, &chunk)))
                    break;
                pos = LS_CHUNK_HEADER_BYTES;
            } else if (j > 0) {
                pos += out[k - 1].len_flags & LS_SAMPLE_LEN_MASK;
            }
            lf &= ~LS_STEP_INDEX_NEXT_CHUNK;
            if (pos + (lf & LS_SAMPLE_LEN_MASK) > LS_CHUNK_BYTES_MAX) {
                rc = ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu32 ": beyond the chunk size "
                               "limit", what, first + j);
                break;
            }
            out[k] = (ls_step_sample){ .chunk = chunk, .name_off = cur,
                                       .offset = (uint32_t)pos, .len_flags = lf };
            LS_ASSERT(chunk < ck->n && k < nblk * BLK);
        }
        if (rc == LS_OK && cur + curlen != end)
            rc = ls_seterr(LS_ERR_CORRUPT, "%s: block %" PRIu32 ": names up to %" PRIu32
                           ", its samples use up to %" PRIu32, what, gi, end, cur + curlen);
    }
    if (rc)
        ls_step_chunks_free(ck);
    return rc;
}

/* The blocks of a step from its checked entries and names: out gets
 * ceil(B / 16) blocks appended. */
static int build_blocks(uint64_t uid, uint64_t step, uint32_t B, size_t ent_at,
                        const uint8_t *names, ls_bytes *out, const char *what)
{
    uint32_t nb = ls_step_index_nblocks(B);
    int rc = ls_bytes_reserve(out, out->len + (size_t)nb * LS_STEP_INDEX_BLOCK_BYTES);
    const uint8_t *ent = out->data + ent_at;
    for (uint32_t g = 0; g < nb && rc == LS_OK; g++) {
        uint8_t *p = out->data + out->len, crcs[4 * BLK];
        uint32_t first = g * BLK, cnt = B - first < BLK ? B - first : BLK;
        const uint8_t *e0 = ent + (size_t)first * LS_STEP_INDEX_ENTRY_BYTES;
        uint32_t ref = ls_get_u32le(e0), off0 = ref >> 8, cur = off0, curlen = ref & 0xffu;
        memset(p, 0, LS_STEP_INDEX_BLOCK_BYTES);
        ls_put_u32le(p + 8, ref);
        ls_put_u32le(p + 16, ls_get_u32le(e0 + 4));
        for (uint32_t j = 0; j < cnt; j++) {
            const uint8_t *e = ent + (size_t)(first + j) * LS_STEP_INDEX_ENTRY_BYTES;
            uint32_t r = ls_get_u32le(e), lf = ls_get_u32le(e + 8);
            if (lf & LS_STEP_INDEX_NEXT_CHUNK)
                return ls_seterr(LS_ERR_LIMIT, "%s: sample %" PRIu32 ": a stored length of 2^30 "
                                 "bytes or more", what, first + j);
            if (j > 0 && r >> 8 != cur) {
                /* Names are in order of first use and a chunk's samples are
                 * back to back in the log: the next chunk is the next name,
                 * read from its first sample. */
                if (r >> 8 != cur + curlen || ls_get_u32le(e + 4) != LS_CHUNK_HEADER_BYTES)
                    return ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu32 ": a chunk that "
                                     "does not start at its first sample", what, first + j);
                cur = r >> 8;
                curlen = r & 0xffu;
                lf |= LS_STEP_INDEX_NEXT_CHUNK;
            }
            ls_put_u32le(p + 20 + 4 * j, lf);
            memcpy(crcs + 4 * j, e + 12, 4);
        }
        ls_put_u32le(p + 4, ls_crc32c(crcs, 4 * (size_t)cnt));
        ls_put_u32le(p + 12, cur + curlen);
        ls_put_u32le(p, ls_step_index_block_seal(uid, step, g, p, names + off0, cur + curlen - off0));
        out->len += LS_STEP_INDEX_BLOCK_BYTES;
    }
    LS_ASSERT(rc || out->len == ent_at + (size_t)B * LS_STEP_INDEX_ENTRY_BYTES +
                                    (size_t)nb * LS_STEP_INDEX_BLOCK_BYTES);
    return rc;
}

/* ---- header ------------------------------------------------------------ */

int ls_step_index_header_decode(const uint8_t *h, size_t len, const char *what,
                                ls_step_header *out)
{
    if (len < LS_STEP_INDEX_HEADER_BYTES)
        return ls_seterr(LS_ERR_CORRUPT, "%s: %zu bytes, shorter than the header", what, len);
    if (memcmp(h, SI_MAGIC, 4))
        return ls_seterr(LS_ERR_CORRUPT, "%s: not a step index (bad magic)", what);
    if (ls_crc32c(h, 60) != ls_get_u32le(h + 60))
        return ls_seterr(LS_ERR_CORRUPT, "%s: header checksum mismatch", what);
    unsigned major = ls_get_u16le(h + 4);
    if (major != SI_MAJOR)
        return ls_seterr(LS_ERR_VERSION, "%s: step index major version %u, this build reads %u",
                         what, major, SI_MAJOR);
    memset(out, 0, sizeof(*out));
    out->step = ls_get_u64le(h + 8);
    out->global_batch = ls_get_u32le(h + 16);
    out->nchunks = ls_get_u32le(h + 20);
    out->version = ls_get_u64le(h + 24);
    memcpy(out->commit_id, h + 32, 16);
    out->uid = ls_get_u64le(h + 48);
    out->names_bytes = ls_get_u32le(h + 56);
    if (out->global_batch < 1 || out->global_batch > LS_GLOBAL_BATCH_MAX ||
        out->nchunks < 1 || out->nchunks > out->global_batch ||
        out->nchunks > LS_STEP_INDEX_CHUNKS_MAX ||
        out->names_bytes > (uint64_t)out->nchunks * LS_STEP_INDEX_NAME_BYTES_MAX)
        return ls_seterr(LS_ERR_CORRUPT, "%s: header out of bounds (B %" PRIu32 ", %" PRIu32
                         " chunks, %" PRIu32 " name bytes)", what, out->global_batch,
                         out->nchunks, out->names_bytes);
    return LS_OK;
}

uint32_t ls_step_index_nblocks(uint32_t global_batch)
{
    return (global_batch + BLK - 1) / BLK;
}

uint64_t ls_step_index_blocks_at(uint32_t global_batch)
{
    return LS_STEP_INDEX_HEADER_BYTES + (uint64_t)global_batch * LS_STEP_INDEX_ENTRY_BYTES;
}

uint64_t ls_step_index_names_at(uint32_t global_batch)
{
    return ls_step_index_blocks_at(global_batch) +
           (uint64_t)ls_step_index_nblocks(global_batch) * LS_STEP_INDEX_BLOCK_BYTES;
}

uint64_t ls_step_index_bytes(uint32_t global_batch, uint32_t names_bytes)
{
    return ls_step_index_names_at(global_batch) + names_bytes;
}

/* The block view of a whole index says what its entries say (out, decoded
 * from them): the same chunks, offsets and lengths, each block's crcs
 * that of its entries' CRCs, and its unused lengths zero. */
static int blocks_agree(const char *table, uint64_t uid, uint64_t step, uint32_t B,
                        const uint8_t *ent, const uint8_t *blk, const uint8_t *names,
                        uint32_t names_bytes, const char *what, const ls_step_sample *out)
{
    uint32_t nb = ls_step_index_nblocks(B);
    ls_step_sample *bs = malloc((size_t)nb * BLK * sizeof(*bs));
    uint32_t *crcs = malloc((size_t)nb * sizeof(uint32_t));
    ls_step_chunks bck = { 0 };
    int rc = bs && crcs ? LS_OK : ls_seterr(LS_ERR_NOMEM, "step index");
    if (!rc)
        rc = ls_step_index_blocks_decode(table, uid, step, B, 0, blk, nb, names, 0,
                                         names_bytes, what, bs, crcs, &bck);
    for (uint32_t i = 0; i < B && !rc; i++)
        if (bs[i].name_off != out[i].name_off || bs[i].offset != out[i].offset ||
            bs[i].len_flags != out[i].len_flags)
            rc = ls_seterr(LS_ERR_CORRUPT, "%s: sample %" PRIu32 ": its block and its entry "
                           "disagree", what, i);
    for (uint32_t g = 0; g < nb && !rc; g++) {
        uint32_t first = g * BLK, cnt = B - first < BLK ? B - first : BLK;
        uint8_t c[4 * BLK];
        for (uint32_t j = 0; j < cnt; j++)
            memcpy(c + 4 * j, ent + (size_t)(first + j) * LS_STEP_INDEX_ENTRY_BYTES + 12, 4);
        const uint8_t *p = blk + (size_t)g * LS_STEP_INDEX_BLOCK_BYTES;
        if (ls_crc32c(c, 4 * (size_t)cnt) != crcs[g])
            rc = ls_seterr(LS_ERR_CORRUPT, "%s: block %" PRIu32 ": crcs is not that of its "
                           "samples' CRC32Cs", what, g);
        for (uint32_t j = cnt; j < BLK && !rc; j++)
            if (ls_get_u32le(p + 20 + 4 * j))
                rc = ls_seterr(LS_ERR_CORRUPT, "%s: block %" PRIu32 ": a length past the "
                               "step's end", what, g);
    }
    ls_step_chunks_free(&bck);
    free(bs);
    free(crcs);
    return rc;
}

int ls_step_index_decode(const uint8_t *buf, size_t len, const char *table, uint64_t uid,
                         uint64_t step, uint32_t global_batch, const char *what,
                         ls_step_header *hdr, ls_step_sample *out, ls_step_chunks *ck)
{
    memset(ck, 0, sizeof(*ck));
    int rc = ls_step_index_header_decode(buf, len, what, hdr);
    if (rc)
        return rc;
    if (hdr->step != step || hdr->global_batch != global_batch || hdr->uid != uid)
        return ls_seterr(LS_ERR_CORRUPT, "%s: the index of step %" PRIu64 " (B %" PRIu32
                         ") of another table, not of step %" PRIu64 " (B %" PRIu32 ")",
                         what, hdr->step, hdr->global_batch, step, global_batch);
    if (len != ls_step_index_bytes(global_batch, hdr->names_bytes))
        return ls_seterr(LS_ERR_CORRUPT, "%s: %zu bytes, the header says %" PRIu64, what, len,
                         ls_step_index_bytes(global_batch, hdr->names_bytes));
    const uint8_t *ent = buf + LS_STEP_INDEX_HEADER_BYTES;
    const uint8_t *blk = buf + ls_step_index_blocks_at(global_batch);
    const uint8_t *names = buf + ls_step_index_names_at(global_batch);
    if ((rc = ls_step_index_slice_decode(table, uid, step, 0, ent, global_batch, names, 0,
                                         hdr->names_bytes, what, out, ck)))
        return rc;
    if ((rc = blocks_agree(table, uid, step, global_batch, ent, blk, names, hdr->names_bytes,
                           what, out))) {
        ls_step_chunks_free(ck);
        return rc;
    }
    /* Each name once, in order of first use, all of them used: the layout
     * the builder writes, so that equal logs give equal bytes. */
    uint32_t next = 0;
    for (uint32_t i = 0; i < global_batch && rc == LS_OK; i++) {
        if (i > 0 && out[i].name_off == out[i - 1].name_off)
            continue;
        if (out[i].name_off != next)
            rc = ls_seterr(LS_ERR_CORRUPT, "%s: entry %" PRIu32 ": chunk names out of order",
                           what, i);
        next += ls_get_u32le(ent + (size_t)i * LS_STEP_INDEX_ENTRY_BYTES) & 0xffu;
    }
    if (rc == LS_OK && (next != hdr->names_bytes || ck->n != hdr->nchunks))
        rc = ls_seterr(LS_ERR_CORRUPT, "%s: %" PRIu32 " chunks named in %" PRIu32 " bytes, %"
                       PRIu32 " used in %" PRIu32, what, hdr->nchunks, hdr->names_bytes, ck->n,
                       next);
    if (rc)
        ls_step_chunks_free(ck);
    return rc;
}

/* ---- building from the log ------------------------------------------------ */

int ls_step_index_build(ls_table *t, uint64_t step, ls_bytes *out)
{
    const ls_state *st = &t->state;
    uint32_t B = t->desc.global_batch;
    uint64_t a = step * B, b = a + B;
    if (st->total_samples < b)
        return ls_seterr(LS_ERR_STATE, "table %s: step %" PRIu64 " is not complete", t->name,
                         step);
    ssize_t ci = ls_state_commit_of(st, a);
    if (ci < 0)
        return ls_seterr(LS_ERR_RECLAIMED, "table %s: step %" PRIu64 ": no retained commit",
                         t->name, step);
    ssize_t last = ls_state_commit_of(st, b - 1);
    if (last < 0)
        return ls_seterr(LS_ERR_CORRUPT, "table %s: no retained commit holds sample %" PRIu64,
                         t->name, b - 1);
    const ls_commit_ent done = st->commits[last];
    out->len = 0;
    ls_bytes names = { 0 };
    int rc = ls_bytes_reserve(out, (size_t)ls_step_index_bytes(B, 0));
    if (rc)
        return rc;
    memset(out->data, 0, LS_STEP_INDEX_HEADER_BYTES);
    out->len = LS_STEP_INDEX_HEADER_BYTES;
    uint32_t nchunks = 0, i = 0;
    uint64_t cur = a;
    for (; cur < b && rc == LS_OK; ci++) {
        if ((size_t)ci >= st->ncommits) {
            rc = ls_seterr(LS_ERR_CORRUPT, "table %s: the commits end before sample %" PRIu64,
                           t->name, cur);
            break;
        }
        const ls_commit_ent ent = st->commits[ci];
        /* Retained commits are back to back (ls_state_apply, state_check):
         * the next one starts where the step's samples have got to. */
        LS_ASSERT(ent.first_sample <= cur && cur < ent.first_sample + ent.count);
        LS_ASSERT(i == cur - a);
        const ls_record *r;
        if ((rc = ls_table_record(t, ent.version, ent.commit_id, &r)))
            break;
        if (ls_record_samples(r) != ent.count) {
            rc = ls_seterr(LS_ERR_CORRUPT, "table %s: version %" PRIu64 " carries %" PRIu64
                           " samples, the state says %" PRIu64, t->name, ent.version,
                           ls_record_samples(r), ent.count);
            break;
        }
        uint64_t first = ent.first_sample;
        for (uint32_t j = 0; j < r->nchunks && cur < b && rc == LS_OK; j++) {
            const ls_chunk_ref *ch = &r->chunks[j];
            uint64_t end = first + ch->count;
            if (cur >= end) {
                first = end;
                continue;
            }
            char producer[LS_PRODUCER_ID_BYTES_MAX + 1];
            uint64_t epoch, seq;
            if (!ls_key_parse_chunk(ch->key, t->name, producer, &epoch, &seq)) {
                rc = ls_seterr(LS_ERR_CORRUPT, "table %s: version %" PRIu64 ": chunk %s is "
                               "not named as this table's chunks are", t->name, ent.version,
                               ls_q(ch->key));
                break;
            }
            if (++nchunks > LS_STEP_INDEX_CHUNKS_MAX) {
                rc = ls_seterr(LS_ERR_LIMIT, "table %s: step %" PRIu64 " touches more than %u "
                               "chunks", t->name, step, LS_STEP_INDEX_CHUNKS_MAX);
                break;
            }
            uint8_t nm[LS_STEP_INDEX_NAME_BYTES_MAX];
            size_t plen = strlen(producer), nlen = 17 + plen;
            nm[0] = (uint8_t)plen;
            memcpy(nm + 1, producer, plen);
            ls_put_u64le(nm + 1 + plen, epoch);
            ls_put_u64le(nm + 9 + plen, seq);
            uint32_t name_off = (uint32_t)names.len;
            if ((rc = ls_bytes_append(&names, nm, nlen)))
                break;
            /* Kept by t for the next steps of the same chunk: computing
             * them walks the whole chunk's index. */
            const uint64_t *offsets;
            if ((rc = ls_table_chunk_offsets(t, r, j, &offsets)))
                break;
            uint32_t i0 = (uint32_t)(cur - first);
            uint32_t i1 = (uint32_t)((b < end ? b : end) - first);
            /* Inside the chunk and inside the step: entry i of B, and every
             * offset of a checked chunk index fits an entry's 32 bits. */
            LS_ASSERT(i0 < i1 && i1 <= ch->count && i + (i1 - i0) <= B);
            LS_ASSERT(offsets[i1] <= LS_CHUNK_BYTES_MAX);
            for (uint32_t x = i0; x < i1; x++, i++) {
                uint8_t *e = out->data + out->len;
                const uint8_t *ie = ch->index + (size_t)x * LS_CHUNK_ENTRY_BYTES;
                ls_put_u32le(e, name_off << 8 | (uint32_t)nlen);
                ls_put_u32le(e + 4, (uint32_t)offsets[x]);
                ls_put_u32le(e + 8, ls_get_u32le(ie));
                ls_put_u32le(e + 12, ls_get_u32le(ie + 4));
                ls_put_u32le(e + 16, ls_step_index_entry_seal(t->desc.uid, step, i, e, nm, nlen));
                out->len += LS_STEP_INDEX_ENTRY_BYTES;
            }
            cur = first + i1;
            first = end;
        }
    }
    if (rc == LS_OK && i != B)
        rc = ls_seterr(LS_ERR_CORRUPT, "table %s: step %" PRIu64 ": %" PRIu32 " of %" PRIu32
                       " samples found", t->name, step, i, B);
    if (rc == LS_OK)
        rc = build_blocks(t->desc.uid, step, B, LS_STEP_INDEX_HEADER_BYTES, names.data, out,
                          t->name);
    if (rc == LS_OK)
        rc = ls_bytes_append(out, names.data, names.len);
    if (rc == LS_OK) {
        /* Exactly the size ls_step_index_decode demands of the object. */
        LS_ASSERT(out->len == ls_step_index_bytes(B, (uint32_t)names.len));
        LS_ASSERT(nchunks >= 1 && nchunks <= B &&
                  names.len <= (uint64_t)nchunks * LS_STEP_INDEX_NAME_BYTES_MAX);
        uint8_t *h = out->data;
        memcpy(h, SI_MAGIC, 4);
        ls_put_u16le(h + 4, SI_MAJOR);
        ls_put_u16le(h + 6, SI_MINOR);
        ls_put_u64le(h + 8, step);
        ls_put_u32le(h + 16, B);
        ls_put_u32le(h + 20, nchunks);
        ls_put_u64le(h + 24, done.version);
        memcpy(h + 32, done.commit_id, 16);
        ls_put_u64le(h + 48, t->desc.uid);
        ls_put_u32le(h + 56, (uint32_t)names.len);
        ls_put_u32le(h + 60, ls_crc32c(h, 60));
    }
    ls_bytes_free(&names);
    return rc;
}

int ls_step_index_put(ls_table *t, const char *key, const ls_bytes *b, const char *what)
{
    /* Retried like the other metadata calls: an index that fails to land
     * costs its readers a wait or more requests.  A retry after a lost
     * reply meets EXISTS, resolved by the comparison. */
    unsigned retries = (unsigned)ls_conf_int(t->conf, "store.retries"), backoff_ms = 1;
    int rc = LS_OK;
    for (unsigned attempt = 0;; attempt++) {
        t->meta.requests++;
        rc = ls_store_put_if_absent(t->st, key, b->data, b->len);
        if (rc == LS_OK)
            t->index.written++;
        if (!ls_err_is_retriable(rc) || attempt >= retries)
            break;
        ls_backoff(&backoff_ms, LS_RETRY_BACKOFF_MS_MAX);
    }
    if (rc == LS_ERR_EXISTS) {
        /* Someone built it first: from the same log, the same bytes.  A
         * difference is a damaged index or a broken writer: say so. */
        uint8_t *got = NULL;
        size_t len = 0;
        rc = ls_table_meta_get(t, key, b->len, what, &got, &len);
        /* (CORRUPT: larger than the right one, refused after b->len + 1 bytes) */
        if ((rc == LS_OK && (len != b->len || memcmp(got, b->data, len))) ||
            rc == LS_ERR_CORRUPT) {
            t->index.mismatches++;
            rc = ls_seterr(LS_ERR_CORRUPT, "%s: differs from the %s the log gives", key, what);
        }
        free(got);
    }
    return rc;
}

int ls_step_index_publish(ls_table *t, uint64_t step)
{
    char key[LS_KEY_BYTES_MAX + 1];
    ls_bytes b = { 0 };
    int rc = ls_key_step(key, t->name, step);
    if (!rc)
        rc = ls_step_index_build(t, step, &b);
    if (!rc)
        rc = ls_index_pub_put(t, key, &b, "index");
    ls_bytes_free(&b);
    return rc;
}
