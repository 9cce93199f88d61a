/*
 * test_small_steps.c -- tables of a global batch below
 * LS_STEP_INDEX_MIN_BATCH (docs/protocol.md "Small steps"): their
 * committers write no step or group index (B = 16 still gets them); their
 * readers read runs of steps through the log, and every rank, at every
 * world size, with and without prefetching, codec none or zstd, gets the
 * bytes the log gives, also across jumps and at the head while a producer
 * commits; one ranged GET serves many steps at W = 1; the prefetch
 * threads' progress counter moves, and a wait on it times out when
 * nothing does.
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

static ls_conf *xconf(const char *prefetch)
{
    ls_conf *c = ls_conf_new();
    assert_int_equal(ls_conf_set(c, "producer.chunk.samples.max", "37"), LS_OK);
    assert_int_equal(ls_conf_set(c, "producer.commit.policy", "manual"), LS_OK);
    assert_int_equal(ls_conf_set(c, "consumer.prefetch.steps", prefetch), LS_OK);
    return c;
}

/* The bytes of sample i: its number, then a length and content that vary
 * (some compressible). */
static size_t sample(uint64_t i, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "sample-%" PRIu64 "-", i);
    size_t len = (size_t)n + (size_t)(i * 7919 % 97);
    if (len > cap)
        len = cap;
    for (size_t k = (size_t)n; k < len; k++)
        buf[k] = i % 3 ? (char)('a' + (k * 31 + i) % 26) : 'z';
    return len;
}

/* n samples, flushed every 1..13 samples (commits smaller and larger than
 * a step), or (sparse) every 1,000. */
static void fill_as(ls_store *st, const ls_conf *c, uint64_t from, uint64_t n, int sparse)
{
    ls_producer *p;
    assert_int_equal(ls_producer_open(st, "t", "p", c, &p), LS_OK);
    char buf[256];
    for (uint64_t i = from; i < from + n; i++) {
        size_t len = sample(i, buf, sizeof(buf));
        assert_int_equal(ls_producer_append(p, buf, len, NULL), LS_OK);
        if (sparse ? i % 1000 == 999 : (i % 13 == 5 || i % 29 == 0))
            assert_int_equal(ls_producer_flush(p), LS_OK);
    }
    assert_int_equal(ls_producer_flush(p), LS_OK);
    ls_producer_close(p);
}

static void fill(ls_store *st, const ls_conf *c, uint64_t from, uint64_t n)
{
    fill_as(st, c, from, n, 0);
}

static size_t steps_objects(ls_store *st)
{
    ls_keylist kl = { 0 };
    assert_int_equal(ls_store_list(st, "t/_steps/", NULL, LS_LIST_KEYS_MAX, &kl), LS_OK);
    size_t n = kl.n;
    ls_keylist_free(&kl);
    return n;
}

static void check_batch(const ls_batch *b, uint64_t step, uint32_t B, uint32_t W, uint32_t r)
{
    uint32_t n = B / W;
    assert_int_equal(b->step, step);
    assert_int_equal(b->count, n);
    for (uint32_t k = 0; k < n; k++) {
        char want[256];
        uint64_t i = step * B + (uint64_t)r * n + k;
        size_t len = sample(i, want, sizeof(want));
        if (b->lens[k] != len || memcmp(b->samples[k], want, len))
            fail_msg("B %u W %u rank %u: sample %" PRIu64 " differs", B, W, r, i);
    }
}

static void test_no_indexes_below_16(void **state)
{
    (void)state;
    uint32_t Bs[] = { 1, 2, 15, 16 };
    for (size_t j = 0; j < sizeof(Bs) / sizeof(Bs[0]); j++) {
        ls_conf *c = xconf("2");
        ls_store *st;
        assert_int_equal(ls_store_mem_new(&st), LS_OK);
        assert_int_equal(ls_table_create_conf(st, "t", Bs[j], LS_CODEC_NONE, c), LS_OK);
        fill(st, c, 0, 16 * 20);
        size_t n = steps_objects(st);
        if (Bs[j] < LS_STEP_INDEX_MIN_BATCH)
            assert_int_equal(n, 0);
        else
            assert_int_equal(n, 20 + 20 / LS_STEP_GROUP_STEPS);   /* steps and a group */
        ls_store_close(st);
        ls_conf_destroy(c);
    }
}

/* Every rank of every W, read with runs (prefetch) and inline, in order
 * and with jumps back and forth. */
static void test_runs_read_the_log(void **state)
{
    (void)state;
    struct { uint32_t B; ls_codec codec; } cases[] = {
        { 1, LS_CODEC_NONE }, { 1, LS_CODEC_ZSTD }, { 8, LS_CODEC_NONE }, { 12, LS_CODEC_ZSTD },
    };
    const uint64_t N = 3000;
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        uint32_t B = cases[j].B;
        ls_conf *c = xconf("2");
        ls_store *st;
        assert_int_equal(ls_store_mem_new(&st), LS_OK);
        assert_int_equal(ls_table_create_conf(st, "t", B, cases[j].codec, c), LS_OK);
        fill(st, c, 0, N);
        uint64_t steps = N / B;
        const char *depths[] = { "0", "2", "9" };
        for (uint32_t W = 1; W <= B; W *= 2) {
            if (B % W)
                continue;
            for (size_t d = 0; d < 3; d++) {
                ls_conf *cc = xconf(depths[d]);
                for (uint32_t r = 0; r < W; r++) {
                    ls_consumer *cs;
                    assert_int_equal(ls_consumer_open(st, "t", r, W, cc, &cs), LS_OK);
                    for (uint64_t s = 0; s < steps; s++) {
                        ls_batch *b;
                        /* A jump back now and then (the window restarts),
                         * and one far ahead. */
                        uint64_t at = s % 101 == 100 ? s - 37 : s == 7 ? steps - 1 : s;
                        assert_int_equal(ls_consumer_read_step(cs, at, 5000, &b), LS_OK);
                        check_batch(b, at, B, W, r);
                        ls_batch_destroy(b);
                        if (at != s) {
                            assert_int_equal(ls_consumer_read_step(cs, s, 5000, &b), LS_OK);
                            check_batch(b, s, B, W, r);
                            ls_batch_destroy(b);
                        }
                    }
                    ls_read_stats rs;
                    ls_consumer_stats_get(cs, &rs);
                    assert_int_equal(rs.index_steps, 0);
                    ls_consumer_close(cs);
                }
                ls_conf_destroy(cc);
            }
        }
        ls_store_close(st);
        ls_conf_destroy(c);
    }
}

/* B = 1, W = 1: a run is one ranged GET per chunk for up to 1,024 steps. */
static void test_runs_coalesce(void **state)
{
    (void)state;
    ls_conf *c = xconf("2");
    ls_store *mem, *st;
    assert_int_equal(ls_store_mem_new(&mem), LS_OK);
    assert_int_equal(ls_table_create_conf(mem, "t", 1, LS_CODEC_NONE, c), LS_OK);
    assert_int_equal(ls_conf_set(c, "producer.chunk.samples.max", "4096"), LS_OK);
    fill_as(mem, c, 0, 5000, 1);
    st = lt_counting_new(mem, 0);
    ls_consumer *cs;
    assert_int_equal(ls_consumer_open(st, "t", 0, 1, c, &cs), LS_OK);
    for (uint64_t s = 0; s < 5000; s++) {
        ls_batch *b;
        assert_int_equal(ls_consumer_read_step(cs, s, 5000, &b), LS_OK);
        check_batch(b, s, 1, 1, 0);
        ls_batch_destroy(b);
    }
    ls_read_stats rs;
    ls_consumer_stats_get(cs, &rs);
    ls_consumer_close(cs);
    print_message("B = 1: %" PRIu64 " data requests, %" PRIu64 " requests for 5000 steps\n",
                  rs.data_requests, rs.requests);
    /* 5 commits of one chunk each (1,000 samples): a GET per run and
     * chunk it touches, where a run is 1,024 steps. */
    assert_true(rs.data_requests <= 2 * (5000 / 1024 + 1) + 5);
    assert_true(rs.requests < 5000 / 10);
    ls_store_close(st);
    ls_store_close(mem);
    ls_conf_destroy(c);
}

static ls_store *head_st;
static ls_conf *head_c;

static void *head_producer(void *arg)
{
    (void)arg;
    for (uint64_t k = 0; k < 40; k++)
        fill(head_st, head_c, k * 50, 50);
    return NULL;
}

/* A reader at the head while the producer commits gets every step. */
static void test_head_reader(void **state)
{
    (void)state;
    head_c = xconf("2");
    assert_int_equal(ls_store_mem_new(&head_st), LS_OK);
    assert_int_equal(ls_table_create_conf(head_st, "t", 1, LS_CODEC_NONE, head_c), LS_OK);
    ls_consumer *cs;
    assert_int_equal(ls_consumer_open(head_st, "t", 0, 1, head_c, &cs), LS_OK);
    uint64_t seen = ls_consumer_progress();
    pthread_t thr;
    assert_int_equal(pthread_create(&thr, NULL, head_producer, NULL), 0);
    for (uint64_t s = 0; s < 2000; s++) {
        ls_batch *b;
        assert_int_equal(ls_consumer_read_step(cs, s, 10000, &b), LS_OK);
        check_batch(b, s, 1, 1, 0);
        ls_batch_destroy(b);
    }
    assert_int_equal(pthread_join(thr, NULL), 0);
    assert_true(ls_consumer_progress() != seen);
    ls_consumer_close(cs);
    /* Nothing reads now: a wait on the counter times out. */
    seen = ls_consumer_progress();
    assert_int_equal(ls_consumer_progress_wait(seen, 20), 0);
    assert_int_equal(ls_consumer_progress_wait(seen - 1, 1000), 1);
    ls_store_close(head_st);
    ls_conf_destroy(head_c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_indexes_below_16),
        cmocka_unit_test(test_runs_read_the_log),
        cmocka_unit_test(test_runs_coalesce),
        cmocka_unit_test(test_head_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
