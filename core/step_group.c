/*
 * step_group.c -- the group index <table>/_steps/<s0:020>.g16 of table
 * format 2 (docs/formats.md "Group index", docs/protocol.md): the step
 * indexes of the 16 steps [s0, s0 + 16), s0 a multiple of 16, transposed
 * so that rank r of W reads its slices of all 16 steps with one ranged GET
 * (and one of the chunk names they use).  A rank reading behind the head
 * then spends 2 index requests per 16 steps instead of 2 per step.
 *
 *   header   64 bytes: "LSG1" | u16 major (1) | u16 minor (0) | u64 s0
 *            | u32 B | u32 K (16) | u64 uid | u32 names_bytes
 *            | u8[24] zero | u32 crc32c(header[0..60))
 *   entries  B x K x 20 bytes: entry (i, j), for sample i of step s0 + j,
 *            at i*K + j; as in a step index, sealed with step s0 + j
 *   blocks   ceil(B / 16) x K x 84 bytes: block (g, j) at g*K + j; as in a
 *            step index, sealed with step s0 + j
 *   names    the 16 steps' names, step after step
 *
 * Position-major order keeps a rank's part contiguous for any W dividing
 * B: its samples [r*n, (r+1)*n) of every step are entries
 * [r*n*K, (r+1)*n*K).  Names are not shared between steps, so a rank's
 * names span the group's names between the first chunk it uses and the
 * last: about 16 x the chunks a step touches.  The reader weighs that
 * against the per-step indexes (core/consumer.c).
 *
 * Like a step index it is a pure function of the log: built from the 16
 * step indexes the log gives (ls_step_index_build), the same bytes from
 * any builder, and a cache, never the truth.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

#define SG_MAGIC "LSG1"
#define SG_MAJOR 1u
#define K LS_STEP_GROUP_STEPS
#define BLK LS_STEP_INDEX_BLOCK_SAMPLES

uint64_t ls_step_group_entries_at(uint32_t B, uint32_t i)
{
    (void)B;
    return LS_STEP_INDEX_HEADER_BYTES + (uint64_t)i * K * LS_STEP_INDEX_ENTRY_BYTES;
}

uint64_t ls_step_group_blocks_at(uint32_t B, uint32_t g)
{
    return ls_step_group_entries_at(B, B) + (uint64_t)g * K * LS_STEP_INDEX_BLOCK_BYTES;
}

uint64_t ls_step_group_names_at(uint32_t B)
{
    return ls_step_group_blocks_at(B, ls_step_index_nblocks(B));
}

int ls_step_group_build(ls_table *t, uint64_t s0, ls_bytes *out)
{
    uint32_t B = t->desc.global_batch, nb = ls_step_index_nblocks(B);
    uint64_t uid = t->desc.uid;
    if (s0 % K)
        return ls_seterr(LS_ERR_INVALID, "table %s: a group starts at a multiple of %u, not "
                         "at step %" PRIu64, t->name, K, s0);
    ls_bytes one[K];
    memset(one, 0, sizeof(one));
    uint64_t names_base[K + 1];
    names_base[0] = 0;
    int rc = LS_OK;
    for (uint32_t j = 0; j < K && rc == LS_OK; j++) {
        rc = ls_step_index_build(t, s0 + j, &one[j]);
        if (rc == LS_OK)
            names_base[j + 1] = names_base[j] + one[j].len - ls_step_index_names_at(B);
    }
    /* Name offsets have 24 bits (docs/formats.md). */
    if (rc == LS_OK && names_base[K] >= (1u << 24))
        rc = ls_seterr(LS_ERR_LIMIT, "table %s: the steps from %" PRIu64 " name %" PRIu64
                       " bytes of chunks, beyond a group index's 16 MiB", t->name, s0,
                       names_base[K]);
    if (rc == LS_OK)
        rc = ls_bytes_reserve(out, (size_t)(ls_step_group_names_at(B) + names_base[K]));
    if (rc) {
        for (uint32_t j = 0; j < K; j++)
            ls_bytes_free(&one[j]);
        return rc;
    }
    uint8_t *h = out->data;
    memset(h, 0, LS_STEP_INDEX_HEADER_BYTES);
    memcpy(h, SG_MAGIC, 4);
    ls_put_u16le(h + 4, SG_MAJOR);
    ls_put_u64le(h + 8, s0);
    ls_put_u32le(h + 16, B);
    ls_put_u32le(h + 20, K);
    ls_put_u64le(h + 24, uid);
    ls_put_u32le(h + 32, (uint32_t)names_base[K]);
    ls_put_u32le(h + 60, ls_crc32c(h, 60));
    uint8_t *names = out->data + ls_step_group_names_at(B);
    for (uint32_t j = 0; j < K; j++) {
        const uint8_t *src = one[j].data;
        const uint8_t *snames = src + ls_step_index_names_at(B);
        uint32_t base = (uint32_t)names_base[j];
        memcpy(names + base, snames, (size_t)(names_base[j + 1] - base));
        for (uint32_t i = 0; i < B; i++) {
            uint8_t *e = out->data + ls_step_group_entries_at(B, i) +
                         (size_t)j * LS_STEP_INDEX_ENTRY_BYTES;
            memcpy(e, src + LS_STEP_INDEX_HEADER_BYTES + (size_t)i * LS_STEP_INDEX_ENTRY_BYTES,
                   LS_STEP_INDEX_ENTRY_BYTES);
            uint32_t ref = ls_get_u32le(e), off = (ref >> 8) + base, len = ref & 0xffu;
            /* Step j's names, moved to [base, names_base[j + 1]): each entry's
             * name lies among them, and its offset in 24 bits (checked above). */
            LS_ASSERT(off >= base && off + len <= names_base[j + 1] && off < (1u << 24));
            ls_put_u32le(e, off << 8 | len);
            ls_put_u32le(e + 16, ls_step_index_entry_seal(uid, s0 + j, i, e, names + off, len));
        }
        for (uint32_t g = 0; g < nb; g++) {
            uint8_t *b = out->data + ls_step_group_blocks_at(B, g) +
                         (size_t)j * LS_STEP_INDEX_BLOCK_BYTES;
            memcpy(b, src + ls_step_index_blocks_at(B) + (size_t)g * LS_STEP_INDEX_BLOCK_BYTES,
                   LS_STEP_INDEX_BLOCK_BYTES);
            uint32_t ref = ls_get_u32le(b + 8), off = (ref >> 8) + base;
            uint32_t end = ls_get_u32le(b + 12) + base;
            LS_ASSERT(off >= base && off <= end && end <= names_base[j + 1]);
            ls_put_u32le(b + 8, off << 8 | (ref & 0xffu));
            ls_put_u32le(b + 12, end);
            ls_put_u32le(b, ls_step_index_block_seal(uid, s0 + j, g, b, names + off, end - off));
        }
        ls_bytes_free(&one[j]);
    }
    out->len = (size_t)(ls_step_group_names_at(B) + names_base[K]);
    LS_ASSERT(out->len <= out->cap);   /* what was reserved, written whole */
    return LS_OK;
}

int ls_step_group_publish(ls_table *t, uint64_t s0)
{
    char key[LS_KEY_BYTES_MAX + 1];
    ls_bytes b = { 0 };
    int rc = ls_key_step_group(key, t->name, s0);
    if (!rc)
        rc = ls_step_group_build(t, s0, &b);
    if (!rc)
        rc = ls_index_pub_put(t, key, &b, "group index");
    ls_bytes_free(&b);
    return rc;
}

int ls_step_group_slices(const char *table, uint64_t uid, uint64_t s0, uint32_t B, uint32_t lo,
                         uint32_t n, const uint8_t *part, size_t part_len, const uint8_t *names,
                         uint32_t names_lo, size_t names_len, const char *what,
                         ls_step_sample *out, uint32_t *crcs, ls_step_chunks *ck)
{
    uint32_t nblk = n % BLK ? 0 : n / BLK;
    size_t unit = nblk ? LS_STEP_INDEX_BLOCK_BYTES : LS_STEP_INDEX_ENTRY_BYTES;
    size_t per = nblk ? nblk : n;               /* units of one step in the part */
    if (part_len != per * K * unit)
        return ls_seterr(LS_ERR_CORRUPT, "%s: %zu bytes where the samples [%" PRIu32 ", %"
                         PRIu32 ") of 16 steps should be (truncated)", what, part_len, lo,
                         lo + n);
    uint8_t *tmp = malloc(per * unit);
    if (!tmp)
        return ls_seterr(LS_ERR_NOMEM, "group index");
    int rc = LS_OK;
    uint32_t j = 0;
    for (; j < K && rc == LS_OK; j++) {
        for (size_t u = 0; u < per; u++)        /* step j's units, back to back */
            memcpy(tmp + u * unit, part + (u * K + j) * unit, unit);
        rc = nblk ? ls_step_index_blocks_decode(table, uid, s0 + j, B, lo / BLK, tmp, nblk,
                                                names, names_lo, names_len, what,
                                                out + (size_t)j * n, crcs + (size_t)j * nblk,
                                                &ck[j])
                  : ls_step_index_slice_decode(table, uid, s0 + j, lo, tmp, n, names,
                                               names_lo, names_len, what, out + (size_t)j * n,
                                               &ck[j]);
    }
    free(tmp);
    if (rc)
        for (uint32_t x = 0; x < j; x++)
            ls_step_chunks_free(&ck[x]);
    return rc;
}
