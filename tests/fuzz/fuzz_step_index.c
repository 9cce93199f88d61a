/*
 * fuzz_step_index.c -- the step index object of table format 2
 * (core/step_index.c) as readers meet it: a whole object through
 * ls_step_index_decode, and a rank's slice through
 * ls_step_index_slice_names and ls_step_index_slice_decode (the entries),
 * and through ls_step_index_blocks_names and ls_step_index_blocks_decode
 * (the blocks, for slices of whole blocks), on the bytes a ranged read
 * would return.
 *
 * Input: u8 w_log2 | u64 uid | u64 step | u32 B | the object's bytes;
 * with bit 7 of the first byte set, the object is a group index
 * (step_group.c) of the steps from step & ~15, and each rank's part of it
 * (up to 64 ranks) is decoded as the consumer reads it.
 * The object is decoded whole for (uid, step, B); then, for W = 2^(w_log2
 * % 8) dividing B, each rank's slice is decoded from the object's bytes as
 * the consumer range-reads them (entries or blocks, then the names they
 * use).  Invariants beyond "no crash": what the whole decode accepts,
 * every slice accepts through either view with the same samples and chunk
 * keys, and a block's crcs is the crc32c of its samples' CRCs; every key decoded
 * is a valid store key of the table's data; samples lie within the chunk
 * size limit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "ls_int.h"

#define TABLE "t"
#define B_MAX 4096u     /* keeps one input's work small */

/* A group index (step_group.c): each rank's part of 16 steps, read as the
 * consumer reads it (its entries or blocks, then the names they use). */
static void group_slices(const uint8_t *obj, size_t len, uint64_t uid, uint64_t s0,
                         uint32_t B, uint32_t W)
{
    if (B % W)
        return;
    uint32_t n = B / W, nblk = n % LS_STEP_INDEX_BLOCK_SAMPLES ? 0 : n / 16u;
    size_t units = (size_t)(nblk ? nblk : n) * LS_STEP_GROUP_STEPS;
    size_t unit = nblk ? LS_STEP_INDEX_BLOCK_BYTES : LS_STEP_INDEX_ENTRY_BYTES;
    size_t names_base = (size_t)ls_step_group_names_at(B);
    ls_step_sample *smp = calloc((size_t)n * LS_STEP_GROUP_STEPS, sizeof(*smp));
    uint32_t *crcs = calloc(((size_t)nblk + 1) * LS_STEP_GROUP_STEPS, sizeof(uint32_t));
    FUZZ_CHECK(smp && crcs);
    for (uint32_t r = 0; r < W && r < 64; r++) {
        uint32_t lo = r * n;
        size_t at = (size_t)(nblk ? ls_step_group_blocks_at(B, lo / 16u)
                                  : ls_step_group_entries_at(B, lo));
        if (at >= len)
            break;
        size_t got = len - at < units * unit ? len - at : units * unit;
        uint32_t nlo = 0, nhi = 0;
        if (got != units * unit)
            continue;                   /* the consumer refuses a short part */
        if (nblk ? ls_step_index_blocks_names(obj + at, units, &nlo, &nhi)
                 : ls_step_index_slice_names(obj + at, units, &nlo, &nhi))
            continue;
        FUZZ_CHECK(nlo <= nhi);
        size_t nlen = 0;
        if (names_base + nlo < len)
            nlen = len - names_base - nlo < (size_t)(nhi - nlo) ? len - names_base - nlo
                                                                : (size_t)(nhi - nlo);
        ls_step_chunks ck[LS_STEP_GROUP_STEPS];
        memset(ck, 0, sizeof(ck));
        int rc = ls_step_group_slices(TABLE, uid, s0, B, lo, n, obj + at, got,
                                      nlen ? obj + names_base + nlo : NULL, nlo, nlen, "fuzz",
                                      smp, crcs, ck);
        for (uint32_t j = 0; j < LS_STEP_GROUP_STEPS; j++) {
            if (rc == LS_OK) {
                for (uint32_t k = 0; k < ck[j].n; k++)
                    FUZZ_CHECK(ls_key_is_valid(ck[j].keys[k]));
                for (uint32_t k = 0; k < n; k++)
                    FUZZ_CHECK(smp[(size_t)j * n + k].chunk < ck[j].n);
            } else {
                FUZZ_CHECK(ck[j].n == 0 && ck[j].keys == NULL);
            }
            ls_step_chunks_free(&ck[j]);
        }
    }
    free(smp);
    free(crcs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 21)
        return 0;
    unsigned w_log2 = data[0] % 8;
    if (data[0] & 0x80) {       /* a group index */
        uint32_t B = ls_get_u32le(data + 17) % (B_MAX + 1);
        group_slices(data + 21, size - 21, ls_get_u64le(data + 1), ls_get_u64le(data + 9) & ~15ull,
                     B ? B : 1, 1u << w_log2);
        return 0;
    }
    uint64_t uid = ls_get_u64le(data + 1), step = ls_get_u64le(data + 9);
    uint32_t B = ls_get_u32le(data + 17) % (B_MAX + 1);
    const uint8_t *obj = data + 21;
    size_t len = size - 21;
    if (B == 0)
        B = 1;
    ls_step_sample *all = calloc(B, sizeof(*all)), *part = calloc(B, sizeof(*part));
    FUZZ_CHECK(all && part);
    ls_step_header h;
    ls_step_chunks ck = { 0 };
    int whole = ls_step_index_decode(obj, len, TABLE, uid, step, B, "fuzz", &h, all, &ck);
    if (whole == LS_OK) {
        FUZZ_CHECK(h.step == step && h.global_batch == B && h.uid == uid);
        FUZZ_CHECK(ck.n == h.nchunks && ck.n >= 1 && ck.n <= B);
        for (uint32_t i = 0; i < B; i++) {
            FUZZ_CHECK(all[i].chunk < ck.n);
            FUZZ_CHECK((uint64_t)all[i].offset + (all[i].len_flags & LS_SAMPLE_LEN_MASK) <=
                       LS_CHUNK_BYTES_MAX);
        }
        for (uint32_t k = 0; k < ck.n; k++) {
            FUZZ_CHECK(ls_key_is_valid(ck.keys[k]));
            FUZZ_CHECK(!strncmp(ck.keys[k], TABLE "/data/", strlen(TABLE "/data/")));
        }
    } else {
        FUZZ_CHECK(ls_errmsg()[0] && ck.n == 0 && ck.keys == NULL);
    }
    /* Every rank's slice, read as the consumer reads it. */
    uint32_t W = 1u << w_log2;
    size_t ent_base = LS_STEP_INDEX_HEADER_BYTES;
    size_t blk_base = (size_t)ls_step_index_blocks_at(B);
    size_t names_base = (size_t)ls_step_index_names_at(B);
    if (B % W == 0 && len >= names_base) {
        uint32_t n = B / W;
        for (uint32_t r = 0; r < W; r++) {
            const uint8_t *ent = obj + ent_base + (size_t)r * n * LS_STEP_INDEX_ENTRY_BYTES;
            uint32_t lo = 0, hi = 0;
            int rc = ls_step_index_slice_names(ent, n, &lo, &hi);
            if (rc) {
                FUZZ_CHECK(whole != LS_OK);
                continue;
            }
            FUZZ_CHECK(lo <= hi);
            /* What a ranged read of the names returns: fewer bytes where
             * the object ends. */
            size_t nlen = 0;
            if (names_base + lo < len)
                nlen = len - names_base - lo < (size_t)(hi - lo) ? len - names_base - lo
                                                                 : (size_t)(hi - lo);
            ls_step_chunks pc = { 0 };
            rc = ls_step_index_slice_decode(TABLE, uid, step, r * n, ent, n,
                                            nlen ? obj + names_base + lo : NULL, lo, nlen,
                                            "fuzz", part, &pc);
            if (whole == LS_OK) {
                FUZZ_CHECK(rc == LS_OK && nlen == (size_t)(hi - lo));
                for (uint32_t k = 0; k < n; k++) {
                    const ls_step_sample *a = &all[r * n + k], *p = &part[k];
                    FUZZ_CHECK(a->offset == p->offset && a->len_flags == p->len_flags &&
                               a->crc == p->crc && a->name_off == p->name_off);
                    FUZZ_CHECK(!strcmp(ck.keys[a->chunk], pc.keys[p->chunk]));
                }
            }
            if (rc == LS_OK)
                for (uint32_t k = 0; k < pc.n; k++)
                    FUZZ_CHECK(ls_key_is_valid(pc.keys[k]));
            else
                FUZZ_CHECK(pc.n == 0 && pc.keys == NULL);
            ls_step_chunks_free(&pc);
        }
        uint32_t nb = n % LS_STEP_INDEX_BLOCK_SAMPLES ? 0 : n / LS_STEP_INDEX_BLOCK_SAMPLES;
        uint32_t *crcs = calloc(nb ? nb : 1, sizeof(uint32_t));
        FUZZ_CHECK(crcs);
        for (uint32_t r = 0; nb && r < W; r++) {
            uint32_t g0 = r * nb, lo = 0, hi = 0;
            const uint8_t *blk = obj + blk_base + (size_t)g0 * LS_STEP_INDEX_BLOCK_BYTES;
            int rc = ls_step_index_blocks_names(blk, nb, &lo, &hi);
            if (rc) {
                FUZZ_CHECK(whole != LS_OK);
                continue;
            }
            FUZZ_CHECK(lo <= hi);
            size_t nlen = 0;
            if (names_base + lo < len)
                nlen = len - names_base - lo < (size_t)(hi - lo) ? len - names_base - lo
                                                                 : (size_t)(hi - lo);
            ls_step_chunks pc = { 0 };
            rc = ls_step_index_blocks_decode(TABLE, uid, step, B, g0, blk, nb,
                                             nlen ? obj + names_base + lo : NULL, lo, nlen,
                                             "fuzz", part, crcs, &pc);
            if (whole == LS_OK) {
                FUZZ_CHECK(rc == LS_OK && nlen == (size_t)(hi - lo));
                for (uint32_t k = 0; k < n; k++) {
                    const ls_step_sample *a = &all[r * n + k], *p = &part[k];
                    FUZZ_CHECK(a->offset == p->offset && a->len_flags == p->len_flags &&
                               a->name_off == p->name_off);
                    FUZZ_CHECK(!strcmp(ck.keys[a->chunk], pc.keys[p->chunk]));
                }
                for (uint32_t g = 0; g < nb; g++) {
                    uint8_t c[4 * LS_STEP_INDEX_BLOCK_SAMPLES];
                    for (uint32_t j = 0; j < LS_STEP_INDEX_BLOCK_SAMPLES; j++)
                        ls_put_u32le(c + 4 * j,
                                     all[r * n + g * LS_STEP_INDEX_BLOCK_SAMPLES + j].crc);
                    FUZZ_CHECK(ls_crc32c(c, sizeof(c)) == crcs[g]);
                }
            }
            if (rc == LS_OK)
                for (uint32_t k = 0; k < pc.n; k++)
                    FUZZ_CHECK(ls_key_is_valid(pc.keys[k]));
            else
                FUZZ_CHECK(pc.n == 0 && pc.keys == NULL);
            ls_step_chunks_free(&pc);
        }
        free(crcs);
    }
    ls_step_chunks_free(&ck);
    free(all);
    free(part);
    return 0;
}
