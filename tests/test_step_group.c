/*
 * test_step_group.c -- group indexes (core/step_group.c, docs/protocol.md
 * "Group index"): the committer writes the group of 16 steps each 16th
 * step completes, byte for byte the group the log gives; a rank reading
 * behind the head reads its slices of 16 steps with two requests and gets
 * the log's bytes at every world size, through entries and through blocks;
 * a reader at the head does not use them; a damaged group is refused and
 * the step indexes serve; a group dearer than the step indexes (many small
 * chunks) is left after its first request, and no more are tried; GC deletes a group only when
 * all its steps are below the watermark.
 */
#include <inttypes.h>
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

#define B 32
#define STEPS 40          /* groups [0, 16) and [16, 32) complete, [32, 48) not */
#define G LS_STEP_GROUP_STEPS

static ls_conf *xconf(const char *chunk_max)
{
    ls_conf *c = ls_conf_new();
    assert_int_equal(ls_conf_set(c, "producer.chunk.samples.max", chunk_max), LS_OK);
    assert_int_equal(ls_conf_set(c, "producer.commit.policy", "manual"), LS_OK);
    assert_int_equal(ls_conf_set(c, "table.log.retention.ms", "0"), LS_OK);
    assert_int_equal(ls_conf_set(c, "consumer.prefetch.steps", "0"), LS_OK);
    assert_int_equal(ls_conf_set(c, "consumer.index.wait.ms", "50"), LS_OK);
    return c;
}

/* Two producers alternate commits of 20..59 samples of 600..2600 bytes
 * until STEPS steps and 5 samples are in. */
static ls_store *filled(const ls_conf *c)
{
    ls_store *st;
    assert_int_equal(ls_store_mem_new(&st), LS_OK);
    assert_int_equal(ls_table_create_conf(st, "x", B, LS_CODEC_ZSTD, c), LS_OK);
    ls_producer *p[2];
    assert_int_equal(ls_producer_open(st, "x", "alpha", c, &p[0]), LS_OK);
    assert_int_equal(ls_producer_open(st, "x", "b", c, &p[1]), LS_OK);
    uint64_t seed = lt_seed();
    static uint8_t buf[3000];
    for (int i = 0, k = 0; i < STEPS * B + 5; k++) {
        int n = 20 + (int)(k * 7 % 40);
        for (int j = 0; j < n && i < STEPS * B + 5; j++, i++) {
            size_t len = 600 + (size_t)(i * 131 % 2000);
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

/* Every rank reads steps [0, STEPS) with one handle, in order; out gets
 * the bytes, sum the stats of all ranks. */
static void read_all(ls_store *st, uint32_t w, const ls_conf *c, ls_bytes *out,
                     ls_read_stats *sum)
{
    memset(sum, 0, sizeof(*sum));
    ls_bytes *per = calloc(w, sizeof(ls_bytes));
    assert_non_null(per);
    for (uint32_t r = 0; r < w; r++) {
        ls_consumer *cs;
        assert_int_equal(ls_consumer_open(st, "x", r, w, c, &cs), LS_OK);
        for (uint64_t s = 0; s < STEPS; s++) {
            ls_batch *b;
            assert_int_equal(ls_consumer_read_step(cs, s, 1000, &b), LS_OK);
            for (size_t i = 0; i < b->count; i++) {
                uint32_t n = (uint32_t)b->lens[i];
                ls_bytes_append(&per[r], &s, sizeof(s));
                ls_bytes_append(&per[r], &n, 4);
                ls_bytes_append(&per[r], b->samples[i], b->lens[i]);
            }
            ls_batch_destroy(b);
        }
        ls_read_stats rs;
        ls_consumer_stats_get(cs, &rs);
        sum->requests += rs.requests;
        sum->data_requests += rs.data_requests;
        sum->index_steps += rs.index_steps;
        sum->log_steps += rs.log_steps;
        sum->index_refused += rs.index_refused;
        sum->group_reads += rs.group_reads;
        sum->group_steps += rs.group_steps;
        sum->group_dear += rs.group_dear;
        sum->meta_bytes_fetched += rs.meta_bytes_fetched;
        sum->bytes_needed += rs.bytes_needed;
        ls_consumer_close(cs);
    }
    for (uint32_t r = 0; r < w; r++) {
        ls_bytes_append(out, per[r].data, per[r].len);
        ls_bytes_free(&per[r]);
    }
    free(per);
}

static void via_log(ls_store *st, uint32_t w, ls_bytes *out)
{
    ls_conf *c = xconf("64");
    ls_read_stats rs;
    assert_int_equal(ls_conf_set(c, "consumer.step.index", "off"), LS_OK);
    read_all(st, w, c, out, &rs);
    ls_conf_destroy(c);
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

static void test_written_and_read(void **state)
{
    (void)state;
    ls_conf *c = xconf("64");
    ls_store *st = filled(c);
    ls_table *t;
    assert_int_equal(ls_table_open(st, "x", c, &t), LS_OK);
    char k[LS_KEY_BYTES_MAX + 1];
    ls_bytes got = { 0 }, built = { 0 };
    for (uint64_t s0 = 0; s0 < 2 * G; s0 += G) {
        assert_int_equal(ls_key_step_group(k, "x", s0), LS_OK);
        get_obj(st, k, &got);                  /* written by the committer */
        assert_int_equal(ls_step_group_build(t, s0, &built), LS_OK);
        assert_int_equal(got.len, built.len);
        assert_memory_equal(got.data, built.data, got.len);
    }
    uint64_t size;
    assert_int_equal(ls_key_step_group(k, "x", 2 * G), LS_OK);
    assert_int_equal(ls_store_head(st, k, &size), LS_ERR_NOT_FOUND);   /* not complete */
    assert_int_equal(ls_step_group_build(t, 1, &built), LS_ERR_INVALID);
    ls_table_close(t);

    /* W = 1 and 2 read blocks, 4 and 32 entries: the log's bytes, steps
     * [0, 32) through the two groups at 2 requests each (the entries or
     * blocks, and the names), the rest through their step indexes. */
    for (uint32_t w = 1; w <= 4; w *= 2) {
        ls_bytes a = { 0 }, b = { 0 };
        ls_read_stats rs;
        read_all(st, w, c, &a, &rs);
        via_log(st, w, &b);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        print_message("W %" PRIu32 ": %" PRIu64 " group reads, %" PRIu64 " steps by group, %"
                      PRIu64 " metadata requests, %.2f metadata bytes per stored byte\n", w,
                      rs.group_reads, rs.group_steps, rs.requests - rs.data_requests,
                      (double)rs.meta_bytes_fetched / (double)rs.bytes_needed);
        /* A rank's first step comes from its step index (a group is
         * tried once the rank knows its slices are large enough). */
        assert_int_equal(rs.group_reads, 2 * w);
        assert_int_equal(rs.group_steps, (2 * G - 1) * w);
        assert_int_equal(rs.index_steps, (uint64_t)STEPS * w);
        assert_int_equal(rs.log_steps, 0);
        /* per rank: the descriptor, 2 for step 0, 2 x 2 for the groups, 2
         * for each of the 8 steps after them (the first also tries the
         * third group): 24, where the step indexes alone take 81 */
        assert_int_equal(rs.requests - rs.data_requests, w * (1 + 2 + 4 + 1 + 2 * (STEPS - 2 * G)));
        ls_bytes_free(&a);
        ls_bytes_free(&b);
    }
    /* W = B: one sample a rank, of 600 to 2600 bytes; whether a rank
     * tries groups depends on its sample sizes (LS_STEP_GROUP_MIN_BYTES). */
    ls_bytes a = { 0 }, b = { 0 };
    ls_read_stats rs;
    read_all(st, B, c, &a, &rs);
    via_log(st, B, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    ls_bytes_free(&a);
    ls_bytes_free(&b);
    ls_bytes_free(&got);
    ls_bytes_free(&built);
    ls_store_close(st);
    ls_conf_destroy(c);
}

/* A group with a damaged byte, or cut short, is refused: the step indexes
 * give the same bytes. */
static void damaged(size_t at, int truncate, uint32_t w)
{
    ls_conf *c = xconf("64");
    ls_store *st = filled(c);
    char k[LS_KEY_BYTES_MAX + 1];
    assert_int_equal(ls_key_step_group(k, "x", 0), LS_OK);
    ls_bytes o = { 0 };
    get_obj(st, k, &o);
    if (truncate)
        o.len = at;
    else
        o.data[at] ^= 0x10;
    assert_int_equal(ls_store_put(st, k, o.data, o.len), LS_OK);
    ls_bytes a = { 0 }, b = { 0 };
    ls_read_stats rs;
    read_all(st, w, c, &a, &rs);
    via_log(st, w, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    assert_true(rs.index_refused >= 1);               /* a rank that met the damage */
    assert_int_equal(rs.log_steps, 0);                /* the step indexes served it */
    assert_true(rs.group_steps >= (uint64_t)G * w);   /* the second group still serves */
    assert_true(rs.group_steps < (2ull * G - 1) * w);
    ls_bytes_free(&a);
    ls_bytes_free(&b);
    ls_bytes_free(&o);
    ls_store_close(st);
    ls_conf_destroy(c);
}

static void test_damaged_entry(void **state)
{
    (void)state;
    damaged(ls_step_group_entries_at(B, 5) + 2 * LS_STEP_INDEX_ENTRY_BYTES + 6, 0, 4);
}
static void test_damaged_block(void **state)
{
    (void)state;
    damaged(ls_step_group_blocks_at(B, 0) + 3 * LS_STEP_INDEX_BLOCK_BYTES + 30, 0, 1);
}
static void test_damaged_name(void **state)
{
    (void)state;
    damaged(ls_step_group_names_at(B) + 3, 0, 4);
    damaged(ls_step_group_names_at(B) + 3, 0, 1);
}
static void test_truncated(void **state)
{
    (void)state;
    damaged(ls_step_group_names_at(B) + 10, 1, 4);
    damaged(ls_step_group_names_at(B) + 10, 1, 2);
}

/* A reader at the head (each step arrives while it waits) never reads a
 * group, nor asks for one after its first steps. */
static ls_store *head_st;
static void *head_producer(void *arg)
{
    ls_conf *c = arg;
    ls_producer *p;
    assert_int_equal(ls_producer_open(head_st, "x", "p", c, &p), LS_OK);
    static uint8_t buf[1024];
    for (uint32_t s = 0; s < 2 * G + 2; s++) {
        ls_sleep_ms(30);
        for (int i = 0; i < 4; i++)
            assert_int_equal(ls_producer_append(p, buf, sizeof(buf), NULL), LS_OK);
        assert_int_equal(ls_producer_flush(p), LS_OK);
    }
    ls_producer_close(p);
    return NULL;
}

/* The reader's store: the memory store, counting GETs of group keys. */
static uint64_t group_gets;
static int g_put(ls_store *s, const char *k, const void *b, size_t n)
{ (void)s; return head_st->put(head_st, k, b, n); }
static int g_pia(ls_store *s, const char *k, const void *b, size_t n)
{ (void)s; return head_st->put_if_absent(head_st, k, b, n); }
static int g_get(ls_store *s, const char *k, uint64_t off, uint64_t len, uint8_t **o,
                 size_t *ol)
{
    (void)s;
    size_t kl = strlen(k);
    if (kl > 4 && !strcmp(k + kl - 4, ".g16"))
        group_gets++;
    return head_st->get(head_st, k, off, len, o, ol);
}
static int g_head(ls_store *s, const char *k, uint64_t *sz)
{ (void)s; return head_st->head(head_st, k, sz); }
static int g_list(ls_store *s, const char *p, const char *a, size_t m, ls_keylist *o)
{ (void)s; return head_st->list(head_st, p, a, m, o); }
static int g_del(ls_store *s, const char *k)
{ (void)s; return head_st->del(head_st, k); }
static void g_close(ls_store *s) { (void)s; }
static ls_store counting = { .name = "counting", .put = g_put, .put_if_absent = g_pia,
                             .get = g_get, .head = g_head, .list = g_list, .del = g_del,
                             .close = g_close };

static void test_head_reader(void **state)
{
    (void)state;
    ls_conf *c = xconf("64");
    assert_int_equal(ls_store_mem_new(&head_st), LS_OK);
    assert_int_equal(ls_table_create_conf(head_st, "x", 4, LS_CODEC_NONE, c), LS_OK);
    ls_consumer *cs;
    assert_int_equal(ls_consumer_open(&counting, "x", 0, 2, c, &cs), LS_OK);
    pthread_t thr;
    assert_int_equal(pthread_create(&thr, NULL, head_producer, c), 0);
    for (uint64_t s = 0; s < 2 * G + 2; s++) {
        ls_batch *b;
        assert_int_equal(ls_consumer_read_step(cs, s, 5000, &b), LS_OK);
        ls_batch_destroy(b);
    }
    assert_int_equal(pthread_join(thr, NULL), 0);
    ls_read_stats rs;
    ls_consumer_stats_get(cs, &rs);
    /* A rank asks for a group only after a step that did not make it wait
     * (a scheduler that delays the reader can cause one), and once per
     * group: at most 3 for these 34 steps; none is complete when asked. */
    print_message("at the head: %" PRIu64 " group requests, %" PRIu64 " polls\n", group_gets,
                  rs.polls);
    assert_true(group_gets <= 3);
    assert_int_equal(rs.group_reads, 0);
    assert_int_equal(rs.group_steps, 0);
    assert_int_equal(rs.index_steps + rs.log_steps, 2 * G + 2);
    ls_consumer_close(cs);
    ls_store_close(head_st);
    ls_conf_destroy(c);
}

/* Chunks of 2 samples: a group names 16 steps' chunks, far more than a
 * slice's share; a rank leaves it after its part, before its names, and
 * tries no more groups. */
static void test_dear_group_left(void **state)
{
    (void)state;
    ls_conf *c = xconf("2");
    ls_store *st = filled(c);
    ls_bytes a = { 0 }, b = { 0 };
    ls_read_stats rs;
    read_all(st, 8, c, &a, &rs);
    via_log(st, 8, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    assert_int_equal(rs.group_dear, 8);          /* one per rank, then no more tries */
    assert_int_equal(rs.group_reads, 0);
    assert_int_equal(rs.group_steps, 0);
    assert_int_equal(rs.index_steps, 8 * STEPS);
    ls_bytes_free(&a);
    ls_bytes_free(&b);
    ls_store_close(st);
    ls_conf_destroy(c);
}

/* GC deletes group [0, 16) once the watermark reaches 16, not before. */
static void test_gc(void **state)
{
    (void)state;
    ls_conf *c = xconf("64");
    ls_store *st = filled(c);
    char k0[LS_KEY_BYTES_MAX + 1], k1[LS_KEY_BYTES_MAX + 1];
    assert_int_equal(ls_key_step_group(k0, "x", 0), LS_OK);
    assert_int_equal(ls_key_step_group(k1, "x", G), LS_OK);
    uint64_t size;
    ls_gc_report g;
    assert_int_equal(ls_checkpoint_register(st, "x", "ck", G - 1, c), LS_OK);
    assert_int_equal(ls_table_gc(st, "x", 0, c, &g), LS_OK);
    assert_int_equal(g.step_indexes_deleted, G - 1);
    assert_int_equal(ls_store_head(st, k0, &size), LS_OK);
    assert_int_equal(ls_checkpoint_register(st, "x", "ck2", G + 3, c), LS_OK);
    assert_int_equal(ls_checkpoint_release(st, "x", "ck", c), LS_OK);
    assert_int_equal(ls_table_gc(st, "x", 0, c, &g), LS_OK);
    assert_int_equal(g.step_indexes_deleted, 4 + 1);    /* steps 15..18, group 0 */
    assert_int_equal(ls_store_head(st, k0, &size), LS_ERR_NOT_FOUND);
    assert_int_equal(ls_store_head(st, k1, &size), LS_OK);
    /* A reader of step G + 3 still reads it through group [16, 32). */
    ls_consumer *cs;
    assert_int_equal(ls_consumer_open(st, "x", 1, 2, c, &cs), LS_OK);
    ls_batch *b;
    assert_int_equal(ls_consumer_read_step(cs, G + 3, 1000, &b), LS_OK);
    ls_batch_destroy(b);
    assert_int_equal(ls_consumer_read_step(cs, G + 4, 1000, &b), LS_OK);
    ls_batch_destroy(b);
    ls_read_stats rs;
    ls_consumer_stats_get(cs, &rs);
    assert_int_equal(rs.group_steps, 1);
    ls_consumer_close(cs);
    ls_store_close(st);
    ls_conf_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_written_and_read),
        cmocka_unit_test(test_damaged_entry),
        cmocka_unit_test(test_damaged_block),
        cmocka_unit_test(test_damaged_name),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_head_reader),
        cmocka_unit_test(test_dear_group_left),
        cmocka_unit_test(test_gc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
