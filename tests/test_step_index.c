/*
 * test_step_index.c -- table format 2's per-step index objects
 * (docs/protocol.md "Step index"): the committer's index equals the one
 * the log gives, byte for byte, and decodes; every rank reads the same
 * bytes through the index as through the log, at every world size; a
 * missing index is read through the log and written back; a damaged,
 * truncated, foreign or misplaced index is refused and the log decides; an
 * index that disagrees with the log is detected (verify mode, and by a
 * writer that meets it); GC deletes indexes below the watermark; a reader
 * waiting at the head spends one request per poll however many commits
 * land; a format-1 table gets no index.
 */
#include <inttypes.h>
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

#define B 32   /* slices of 32 and 16 samples read blocks, smaller ones entries */
#define STEPS 12

static ls_conf *xconf(void)
{
    ls_conf *c = ls_conf_new();
    assert_int_equal(ls_conf_set(c, "producer.chunk.samples.max", "3"), LS_OK);
    assert_int_equal(ls_conf_set(c, "producer.commit.policy", "manual"), LS_OK);
    assert_int_equal(ls_conf_set(c, "table.snapshot.interval", "5"), LS_OK);
    assert_int_equal(ls_conf_set(c, "table.log.retention.ms", "0"), LS_OK);
    assert_int_equal(ls_conf_set(c, "consumer.prefetch.steps", "0"), LS_OK);
    assert_int_equal(ls_conf_set(c, "consumer.index.wait.ms", "50"), LS_OK);
    return c;
}

/* Two producers interleave commits of 1..5 samples of varying length and
 * compressibility until STEPS steps are complete. */
static ls_store *filled(const ls_conf *c)
{
    ls_store *st;
    assert_int_equal(ls_store_mem_new(&st), LS_OK);
    assert_int_equal(ls_table_create_conf(st, "x", B, LS_CODEC_ZSTD, c), LS_OK);
    ls_producer *p[2];
    assert_int_equal(ls_producer_open(st, "x", "alpha", c, &p[0]), LS_OK);
    assert_int_equal(ls_producer_open(st, "x", "b", c, &p[1]), LS_OK);
    uint64_t seed = lt_seed();
    for (int i = 0, k = 0; i < STEPS * B + 3; k++) {
        int n = 1 + (int)(k % 5);
        for (int j = 0; j < n && i < STEPS * B + 3; j++, i++) {
            uint8_t buf[300];
            size_t len = 8 + (size_t)(i * 37 % 250);
            lt_fill(buf, len, seed + (uint64_t)i, i % 3 == 0);
            snprintf((char *)buf, 8, "%07u", (unsigned)i % 10000000u);   /* 7 digits: fits */
            assert_int_equal(ls_producer_append(p[k % 2], buf, len, NULL), LS_OK);
        }
        assert_int_equal(ls_producer_flush(p[k % 2]), LS_OK);
    }
    ls_producer_close(p[0]);
    ls_producer_close(p[1]);
    return st;
}

/* Read steps [s0, s1) at world size w into out (every rank, in order). */
static int read_all(ls_store *st, uint32_t w, uint64_t s0, uint64_t s1, const ls_conf *c,
                    ls_bytes *out, ls_read_stats *sum)
{
    int rc = LS_OK;
    for (uint64_t s = s0; s < s1 && !rc; s++)
        for (uint32_t r = 0; r < w && !rc; r++) {
            ls_consumer *cs;
            if ((rc = ls_consumer_open(st, "x", r, w, c, &cs)))
                break;
            ls_batch *b;
            if (!(rc = ls_consumer_read_step(cs, s, 1000, &b))) {
                for (size_t i = 0; i < b->count; i++) {
                    uint32_t n = (uint32_t)b->lens[i];
                    ls_bytes_append(out, &n, 4);
                    ls_bytes_append(out, b->samples[i], b->lens[i]);
                }
                ls_batch_destroy(b);
            }
            if (sum) {
                ls_read_stats rs;
                ls_consumer_stats_get(cs, &rs);
                sum->index_steps += rs.index_steps;
                sum->log_steps += rs.log_steps;
                sum->index_missing += rs.index_missing;
                sum->index_refused += rs.index_refused;
                sum->index_written += rs.index_written;
                sum->meta_bytes_fetched += rs.meta_bytes_fetched;
            }
            ls_consumer_close(cs);
        }
    return rc;
}

static void get_obj(ls_store *st, const char *key, ls_bytes *out)
{
    uint8_t *buf;
    size_t len;
    assert_int_equal(ls_store_get(st, key, 0, UINT64_MAX, &buf, &len), LS_OK);
    out->len = 0;
    assert_int_equal(ls_bytes_append(out, buf, len), LS_OK);
    free(buf);
}

static void step_key(char *k, uint64_t s)
{
    assert_int_equal(ls_key_step(k, "x", s), LS_OK);
}

/* The log's view of every step, read through the commit records. */
static void via_log(ls_store *st, uint32_t w, ls_bytes *out)
{
    ls_conf *c = xconf();
    assert_int_equal(ls_conf_set(c, "consumer.step.index", "off"), LS_OK);
    assert_int_equal(read_all(st, w, 0, STEPS, c, out, NULL), LS_OK);
    ls_conf_destroy(c);
}

static void test_build_and_read(void **state)
{
    (void)state;
    ls_conf *c = xconf();
    ls_store *st = filled(c);
    ls_table *t;
    assert_int_equal(ls_table_open(st, "x", c, &t), LS_OK);
    assert_int_equal(t->desc.table_format, 2);
    assert_true(t->state.total_samples / B >= STEPS);
    ls_bytes got = { 0 }, built = { 0 };
    ls_step_sample smp[B];
    for (uint64_t s = 0; s < STEPS; s++) {
        char k[LS_KEY_BYTES_MAX + 1];
        step_key(k, s);
        get_obj(st, k, &got);                  /* written by the committer */
        assert_int_equal(ls_step_index_build(t, s, &built), LS_OK);
        assert_int_equal(got.len, built.len);
        assert_memory_equal(got.data, built.data, got.len);
        ls_step_header h;
        ls_step_chunks ck;
        assert_int_equal(ls_step_index_decode(got.data, got.len, "x", t->desc.uid, s, B, k, &h,
                                              smp, &ck), LS_OK);
        assert_true(ck.n >= 1 && ck.n <= B);
        assert_int_equal(h.step, s);
        for (uint32_t i = 0; i < B; i++)
            assert_non_null(strstr(ck.keys[smp[i].chunk], "x/data/"));
        ls_step_chunks_free(&ck);
        /* Another step's or another table's index is refused. */
        assert_int_equal(ls_step_index_decode(got.data, got.len, "x", t->desc.uid, s + 1, B, k,
                                              &h, smp, &ck), LS_ERR_CORRUPT);
        assert_int_equal(ls_step_index_decode(got.data, got.len, "x", t->desc.uid ^ 1, s, B, k,
                                              &h, smp, &ck), LS_ERR_CORRUPT);
    }
    char k[LS_KEY_BYTES_MAX + 1];
    step_key(k, STEPS + 1);
    uint64_t size;
    assert_int_equal(ls_store_head(st, k, &size), LS_ERR_NOT_FOUND);   /* not complete */
    ls_table_close(t);

    /* Every world size: the same bytes as through the log, all by index. */
    for (uint32_t w = 1; w <= B; w *= 2) {
        ls_bytes a = { 0 }, b = { 0 };
        ls_read_stats rs = { 0 };
        assert_int_equal(read_all(st, w, 0, STEPS, c, &a, &rs), LS_OK);
        via_log(st, w, &b);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        assert_int_equal(rs.index_steps, (uint64_t)STEPS * w);
        assert_int_equal(rs.log_steps, 0);
        /* Slices of whole blocks read 84 bytes per 16 samples, others 20
         * per sample; both read the names they use (at most 17 + 5 bytes
         * per chunk, a chunk per sample at worst) and open the descriptor. */
        uint64_t per = rs.meta_bytes_fetched / (STEPS * w), n = B / w;
        print_message("W %" PRIu32 ": %" PRIu64 " bytes of metadata per rank-step\n", w, per);
        if (n % LS_STEP_INDEX_BLOCK_SAMPLES == 0)
            assert_true(per < n * LS_STEP_INDEX_ENTRY_BYTES);
        else
            assert_true(per >= n * LS_STEP_INDEX_ENTRY_BYTES);
        ls_bytes_free(&a);
        ls_bytes_free(&b);
    }
    ls_bytes_free(&got);
    ls_bytes_free(&built);
    ls_store_close(st);
    ls_conf_destroy(c);
}

/* Damage step 3's index with f, then every rank must still read the log's
 * bytes, having refused (or missed) the index. */
static void damaged(void (*f)(ls_store *, const char *, ls_bytes *), int expect_written,
                    uint32_t w)
{
    ls_conf *c = xconf();
    ls_store *st = filled(c);
    char k[LS_KEY_BYTES_MAX + 1];
    step_key(k, 3);
    ls_bytes obj = { 0 }, orig = { 0 };
    get_obj(st, k, &orig);
    get_obj(st, k, &obj);
    f(st, k, &obj);
    ls_bytes want = { 0 };
    via_log(st, w, &want);
    ls_bytes a = { 0 };
    ls_read_stats rs = { 0 };
    assert_int_equal(read_all(st, w, 0, STEPS, c, &a, &rs), LS_OK);
    assert_int_equal(a.len, want.len);
    assert_memory_equal(a.data, want.data, a.len);
    assert_true(rs.log_steps >= 1);
    assert_true(rs.index_refused + rs.index_missing >= 1);
    assert_int_equal(rs.index_written, (uint64_t)expect_written);
    if (expect_written) {
        get_obj(st, k, &obj);               /* rank 0 put the right one back */
        assert_int_equal(obj.len, orig.len);
        assert_memory_equal(obj.data, orig.data, obj.len);
    }
    ls_bytes_free(&a);
    ls_bytes_free(&want);
    ls_bytes_free(&obj);
    ls_bytes_free(&orig);
    ls_store_close(st);
    ls_conf_destroy(c);
}

static void del_it(ls_store *st, const char *k, ls_bytes *o)
{
    (void)o;
    assert_int_equal(ls_store_delete(st, k), LS_OK);
}
static void flip_entry(ls_store *st, const char *k, ls_bytes *o)
{
    o->data[LS_STEP_INDEX_HEADER_BYTES + 2 * LS_STEP_INDEX_ENTRY_BYTES + 5] ^= 0x40;
    assert_int_equal(ls_store_put(st, k, o->data, o->len), LS_OK);
}
static void flip_block(ls_store *st, const char *k, ls_bytes *o)
{
    /* a length in block 1: its seal no longer matches */
    o->data[ls_step_index_blocks_at(B) + LS_STEP_INDEX_BLOCK_BYTES + 20 + 4 * 3] ^= 0x01;
    assert_int_equal(ls_store_put(st, k, o->data, o->len), LS_OK);
}
static void flip_block_crcs(ls_store *st, const char *k, ls_bytes *o)
{
    /* block 0's crcs, resealed: the block passes, its samples do not */
    uint8_t *p = o->data + ls_step_index_blocks_at(B);
    uint32_t ref = ls_get_u32le(p + 8), end = ls_get_u32le(p + 12);
    ls_put_u32le(p + 4, ls_get_u32le(p + 4) ^ 0x100);
    uint8_t pre[20];
    ls_put_u64le(pre, ls_get_u64le(o->data + 48));
    ls_put_u64le(pre + 8, 3);
    ls_put_u32le(pre + 16, 0);
    uint32_t seal = ls_crc32c_extend(ls_crc32c(pre, 20), p + 4, LS_STEP_INDEX_BLOCK_BYTES - 4);
    seal = ls_crc32c_extend(seal, o->data + ls_step_index_names_at(B) + (ref >> 8),
                            end - (ref >> 8));
    ls_put_u32le(p, seal);
    assert_int_equal(ls_store_put(st, k, o->data, o->len), LS_OK);
}
static void flip_name(ls_store *st, const char *k, ls_bytes *o)
{
    o->data[o->len - 3] ^= 0x01;
    assert_int_equal(ls_store_put(st, k, o->data, o->len), LS_OK);
}
static void truncate_it(ls_store *st, const char *k, ls_bytes *o)
{
    assert_int_equal(ls_store_put(st, k, o->data, LS_STEP_INDEX_HEADER_BYTES + 3 *
                                  LS_STEP_INDEX_ENTRY_BYTES), LS_OK);
}
static void other_step(ls_store *st, const char *k, ls_bytes *o)
{
    char k4[LS_KEY_BYTES_MAX + 1];
    step_key(k4, 4);
    get_obj(st, k4, o);          /* step 4's index, well formed, in step 3's place */
    assert_int_equal(ls_store_put(st, k, o->data, o->len), LS_OK);
}

/* World size 4 reads entries (8 samples a rank), 1 and 2 read blocks. */
static void test_missing(void **state)
{ (void)state; damaged(del_it, 1, 4); damaged(del_it, 1, 1); }
static void test_flipped_entry(void **state) { (void)state; damaged(flip_entry, 0, 4); }
static void test_flipped_block(void **state)
{ (void)state; damaged(flip_block, 0, 1); damaged(flip_block, 0, 2); }
static void test_flipped_block_crcs(void **state) { (void)state; damaged(flip_block_crcs, 0, 1); }
static void test_flipped_name(void **state)
{ (void)state; damaged(flip_name, 0, 4); damaged(flip_name, 0, 1); }
static void test_truncated(void **state)
{ (void)state; damaged(truncate_it, 0, 4); damaged(truncate_it, 0, 2); }
static void test_misplaced(void **state)
{ (void)state; damaged(other_step, 0, 4); damaged(other_step, 0, 1); }

/* A well-formed, validly sealed index that disagrees with the log (step
 * 5's entries resealed as step 2's, as a broken writer might leave): every
 * check a rank can make alone passes, so verify mode and a writer that
 * meets it must catch it. */
static void test_disagrees(void **state)
{
    (void)state;
    ls_conf *c = xconf();
    ls_store *st = filled(c);
    ls_table *t;
    assert_int_equal(ls_table_open(st, "x", c, &t), LS_OK);
    char k[LS_KEY_BYTES_MAX + 1], k5[LS_KEY_BYTES_MAX + 1];
    step_key(k, 2);
    step_key(k5, 5);
    ls_bytes o = { 0 };
    get_obj(st, k5, &o);
    ls_put_u64le(o.data + 8, 2);
    ls_put_u32le(o.data + 60, ls_crc32c(o.data, 60));
    const uint8_t *names = o.data + ls_step_index_names_at(B);
    for (uint32_t g = 0; g < ls_step_index_nblocks(B); g++) {
        uint8_t *p = o.data + ls_step_index_blocks_at(B) + g * LS_STEP_INDEX_BLOCK_BYTES;
        uint32_t ref = ls_get_u32le(p + 8), end = ls_get_u32le(p + 12);
        uint8_t pre[20];
        ls_put_u64le(pre, t->desc.uid);
        ls_put_u64le(pre + 8, 2);
        ls_put_u32le(pre + 16, g);
        uint32_t seal = ls_crc32c_extend(ls_crc32c(pre, 20), p + 4,
                                         LS_STEP_INDEX_BLOCK_BYTES - 4);
        ls_put_u32le(p, ls_crc32c_extend(seal, names + (ref >> 8), end - (ref >> 8)));
    }
    for (uint32_t i = 0; i < B; i++) {
        uint8_t *e = o.data + LS_STEP_INDEX_HEADER_BYTES + i * LS_STEP_INDEX_ENTRY_BYTES;
        uint8_t buf[200];
        uint32_t ref = ls_get_u32le(e), off = ref >> 8, len = ref & 0xff;
        ls_put_u64le(buf, t->desc.uid);
        ls_put_u64le(buf + 8, 2);
        ls_put_u32le(buf + 16, i);
        memcpy(buf + 20, e, 16);
        memcpy(buf + 36, names + off, len);
        ls_put_u32le(e + 16, ls_crc32c(buf, 36 + len));
    }
    assert_int_equal(ls_store_put(st, k, o.data, o.len), LS_OK);
    /* It reads as step 2 without the log: a rank cannot tell. */
    ls_consumer *cs;
    ls_batch *b;
    assert_int_equal(ls_consumer_open(st, "x", 0, 1, c, &cs), LS_OK);
    assert_int_equal(ls_consumer_read_step(cs, 2, 1000, &b), LS_OK);
    assert_int_equal(b->first_sample, 2 * B);
    ls_batch_destroy(b);
    ls_consumer_close(cs);

    /* A writer that meets it reports it. */
    assert_int_equal(ls_step_index_publish(t, 2), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), "differs from the index the log gives"));
    assert_int_equal(t->index.mismatches, 1);
    ls_table_close(t);

    /* Verify mode refuses the step, naming it. */
    ls_conf *cv = xconf();
    assert_int_equal(ls_conf_set(cv, "consumer.step.index", "verify"), LS_OK);
    assert_int_equal(ls_consumer_open(st, "x", 0, 1, cv, &cs), LS_OK);
    assert_int_equal(ls_consumer_read_step(cs, 1, 1000, &b), LS_OK);
    ls_batch_destroy(b);
    assert_int_equal(ls_consumer_read_step(cs, 2, 1000, &b), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), "step 2"));
    assert_non_null(strstr(ls_errmsg(), "disagrees with the log"));
    ls_consumer_close(cs);
    ls_conf_destroy(cv);
    ls_bytes_free(&o);
    ls_store_close(st);
    ls_conf_destroy(c);
}

/* GC deletes the indexes below the watermark; a step there is reclaimed. */
static void test_gc_deletes_below(void **state)
{
    (void)state;
    ls_conf *c = xconf();
    ls_store *st = filled(c);
    assert_int_equal(ls_checkpoint_register(st, "x", "ck", 5, c), LS_OK);
    ls_gc_report g;
    assert_int_equal(ls_table_gc(st, "x", 0, c, &g), LS_OK);
    assert_int_equal(g.low_watermark_step, 5);
    assert_int_equal(g.step_indexes_deleted, 5);
    for (uint64_t s = 0; s < STEPS; s++) {
        char k[LS_KEY_BYTES_MAX + 1];
        uint64_t size;
        step_key(k, s);
        assert_int_equal(ls_store_head(st, k, &size), s < 5 ? LS_ERR_NOT_FOUND : LS_OK);
    }
    ls_consumer *cs;
    assert_int_equal(ls_consumer_open(st, "x", 1, 2, c, &cs), LS_OK);
    ls_batch *b;
    assert_int_equal(ls_consumer_read_step(cs, 4, 1000, &b), LS_ERR_RECLAIMED);
    assert_int_equal(ls_consumer_read_step(cs, 5, 1000, &b), LS_OK);
    ls_batch_destroy(b);
    ls_consumer_close(cs);
    ls_store_close(st);
    ls_conf_destroy(c);
}

/* A store that counts calls: what a waiting reader spends. */
static ls_store *cnt_inner;
static uint64_t cnt_calls;
static int c_put(ls_store *s, const char *k, const void *b, size_t n)
{ (void)s; cnt_calls++; return cnt_inner->put(cnt_inner, k, b, n); }
static int c_pia(ls_store *s, const char *k, const void *b, size_t n)
{ (void)s; cnt_calls++; return cnt_inner->put_if_absent(cnt_inner, k, b, n); }
static int c_get(ls_store *s, const char *k, uint64_t off, uint64_t len, uint8_t **o,
                 size_t *ol)
{ (void)s; cnt_calls++; return cnt_inner->get(cnt_inner, k, off, len, o, ol); }
static int c_head(ls_store *s, const char *k, uint64_t *sz)
{ (void)s; cnt_calls++; return cnt_inner->head(cnt_inner, k, sz); }
static int c_list(ls_store *s, const char *p, const char *a, size_t m, ls_keylist *o)
{ (void)s; cnt_calls++; return cnt_inner->list(cnt_inner, p, a, m, o); }
static int c_del(ls_store *s, const char *k)
{ (void)s; cnt_calls++; return cnt_inner->del(cnt_inner, k); }
static void c_close(ls_store *s) { (void)s; }
static ls_store counting = { .name = "counting", .put = c_put, .put_if_absent = c_pia,
                             .get = c_get, .head = c_head, .list = c_list, .del = c_del,
                             .close = c_close };

/* A reader waiting at the head: each poll is one request, none of them
 * reads the commit records that land meanwhile. */
static void test_wait_is_o1(void **state)
{
    (void)state;
    ls_conf *c = xconf();
    assert_int_equal(ls_conf_set(c, "consumer.index.wait.ms", "600000"), LS_OK);
    ls_store *st = filled(c);
    cnt_inner = st;
    ls_consumer *cs;
    assert_int_equal(ls_consumer_open(&counting, "x", 0, 2, c, &cs), LS_OK);
    ls_batch *b;
    /* Its first miss loads its state from the log (once). */
    assert_int_equal(ls_consumer_read_step(cs, STEPS, 0, &b), LS_ERR_TIMEOUT);
    ls_read_stats r0, r1;
    ls_consumer_stats_get(cs, &r0);
    assert_int_equal(r0.log_refreshes, 1);
    uint64_t calls0 = cnt_calls;
    /* Step STEPS holds 3 samples; 4 commits of one sample each land while
     * the reader waits for it... */
    ls_producer *p;
    assert_int_equal(ls_producer_open(st, "x", "b", c, &p), LS_OK);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(ls_producer_append(p, "late", 4, NULL), LS_OK);
        assert_int_equal(ls_producer_flush(p), LS_OK);
        assert_int_equal(ls_consumer_read_step(cs, STEPS, 30, &b), LS_ERR_TIMEOUT);
    }
    ls_consumer_stats_get(cs, &r1);
    uint64_t polls = r1.polls - r0.polls, calls = cnt_calls - calls0;
    print_message("waiting: %" PRIu64 " polls, %" PRIu64 " store calls, %" PRIu64
                  " log refreshes\n", polls, calls, r1.log_refreshes - r0.log_refreshes);
    /* ...and every store call it made was one poll; it never read the log. */
    assert_true(polls >= 4);
    assert_int_equal(calls, polls);
    assert_int_equal(r1.log_refreshes, r0.log_refreshes);
    /* The step completes: the next poll finds it. */
    for (int i = 3 + 4; i < B; i++)
        assert_int_equal(ls_producer_append(p, "last", 4, NULL), LS_OK);
    assert_int_equal(ls_producer_flush(p), LS_OK);
    assert_int_equal(ls_consumer_read_step(cs, STEPS, 1000, &b), LS_OK);
    assert_int_equal(b->count, B / 2);
    ls_batch_destroy(b);
    ls_consumer_stats_get(cs, &r1);
    assert_int_equal(r1.index_steps - r0.index_steps, 1);
    ls_producer_close(p);
    ls_consumer_close(cs);
    ls_store_close(st);
    ls_conf_destroy(c);
}

static void test_format1_table(void **state)
{
    (void)state;
    ls_conf *c = xconf();
    assert_int_equal(ls_conf_set(c, "table.format", "1"), LS_OK);
    ls_store *st = filled(c);
    ls_keylist kl = { 0 };
    assert_int_equal(ls_store_list(st, "x/_steps/", NULL, 10, &kl), LS_OK);
    assert_int_equal(kl.n, 0);
    ls_keylist_free(&kl);
    ls_bytes a = { 0 };
    ls_read_stats rs = { 0 };
    assert_int_equal(read_all(st, 2, 0, STEPS, c, &a, &rs), LS_OK);
    assert_int_equal(rs.index_steps, 0);
    assert_int_equal(rs.log_steps, 2 * STEPS);
    ls_bytes_free(&a);
    ls_store_close(st);
    ls_conf_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_and_read),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_flipped_entry),
        cmocka_unit_test(test_flipped_block),
        cmocka_unit_test(test_flipped_block_crcs),
        cmocka_unit_test(test_flipped_name),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_misplaced),
        cmocka_unit_test(test_disagrees),
        cmocka_unit_test(test_gc_deletes_below),
        cmocka_unit_test(test_wait_is_o1),
        cmocka_unit_test(test_format1_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
