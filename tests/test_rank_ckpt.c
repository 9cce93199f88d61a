/*
 * test_rank_ckpt.c -- per-rank checkpoints of a job (core/rank_ckpt.c):
 * W ranks committing every round write no W log records (at most one per
 * round, by rank 0, once every rank has committed); GC never reclaims a
 * step some rank still needs, whether the rank is new, moved forward, or
 * moved back; a complete world releases the group's other worlds and
 * drops their objects; the steps read back as committed.
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

#define B 64
#define STEPS 40

static ls_store *table_with_steps(ls_conf **cp)
{
    ls_conf *c = ls_conf_new();
    assert_int_equal(ls_conf_set(c, "producer.commit.policy", "manual"), LS_OK);
    assert_int_equal(ls_conf_set(c, "table.log.retention.ms", "0"), LS_OK);
    ls_store *st;
    assert_int_equal(ls_store_mem_new(&st), LS_OK);
    assert_int_equal(ls_table_create_conf(st, "j", B, LS_CODEC_NONE, c), LS_OK);
    ls_producer *p;
    assert_int_equal(ls_producer_open(st, "j", "p", c, &p), LS_OK);
    for (int i = 0; i < B * STEPS; i++) {
        char s[16];
        int n = snprintf(s, sizeof(s), "%d", i);
        assert_int_equal(ls_producer_append(p, s, (size_t)n, NULL), LS_OK);
        if (i % B == B - 1)
            assert_int_equal(ls_producer_flush(p), LS_OK);
    }
    ls_producer_close(p);
    *cp = c;
    return st;
}

static uint64_t head_version(ls_table *t)
{
    assert_int_equal(ls_table_refresh(t), LS_OK);
    return t->state.version;
}

static int64_t live_step(ls_table *t, const char *name)
{
    assert_int_equal(ls_table_refresh(t), LS_OK);
    for (size_t i = 0; i < t->state.nckpts; i++)
        if (!strcmp(t->state.ckpts[i].name, name) && t->state.ckpts[i].live)
            return (int64_t)t->state.ckpts[i].step;
    return -1;
}

static void test_log_traffic_flat(void **state)
{
    (void)state;
    ls_conf *c;
    ls_store *st = table_with_steps(&c);
    ls_table *t;
    assert_int_equal(ls_table_open(st, "j", c, &t), LS_OK);
    const uint32_t W = 64;
    uint64_t v0 = head_version(t);
    /* Round 1: every rank's first commit registers it (W records, once). */
    for (uint32_t r = 0; r < W; r++)
        assert_int_equal(ls_rank_checkpoint_commit(t, "job", W, r, 1, "job-other"), LS_OK);
    uint64_t v1 = head_version(t);
    assert_int_equal(v1 - v0, W);
    /* Later rounds: at most one record each, however many ranks. */
    for (uint64_t round = 2; round <= 8; round++) {
        uint64_t before = head_version(t);
        for (uint32_t r = 0; r < W; r++)
            assert_int_equal(ls_rank_checkpoint_commit(t, "job", W, r, round, NULL), LS_OK);
        assert_true(head_version(t) - before <= 1);
        /* Rank 0 saw every rank at the previous round (or this one). */
        assert_true(live_step(t, "job") >= (int64_t)round - 1);
        assert_true(live_step(t, "job") <= (int64_t)round);
    }
    /* The ranks' own registrations are gone: the job's covers them. */
    assert_int_equal(live_step(t, "job.r0"), -1);
    assert_int_equal(live_step(t, "job.r63"), -1);
    uint64_t steps[64];
    int complete;
    assert_int_equal(ls_rank_checkpoint_get(t, "job", W, steps, NULL, &complete), LS_OK);
    assert_true(complete);
    for (uint32_t r = 0; r < W; r++)
        assert_int_equal(steps[r], 8);
    ls_table_close(t);
    ls_store_close(st);
    ls_conf_destroy(c);
}

/* GC must leave every step a rank recorded, in every case. */
static void test_gc_respects_ranks(void **state)
{
    (void)state;
    ls_conf *c;
    ls_store *st = table_with_steps(&c);
    ls_table *t;
    assert_int_equal(ls_table_open(st, "j", c, &t), LS_OK);
    /* A model checkpoint far ahead would let GC reclaim below 30. */
    assert_int_equal(ls_checkpoint_register(st, "j", "model", 30, c), LS_OK);
    /* Rank 0 and 1 of a job of 2 at steps 10 and 20; rank 1 alone at first. */
    assert_int_equal(ls_rank_checkpoint_commit(t, "job", 2, 1, 20, NULL), LS_OK);
    ls_gc_report g;
    assert_int_equal(ls_table_gc(st, "j", 0, c, &g), LS_OK);
    assert_int_equal(g.low_watermark_step, 20);          /* rank 1's first commit */
    assert_int_equal(ls_rank_checkpoint_commit(t, "job", 2, 0, 21, NULL), LS_OK);
    assert_int_equal(live_step(t, "job"), 20);           /* both seen: min */
    /* Both move forward; rank 0 aggregates. */
    assert_int_equal(ls_rank_checkpoint_commit(t, "job", 2, 1, 25, NULL), LS_OK);
    assert_int_equal(ls_rank_checkpoint_commit(t, "job", 2, 0, 26, NULL), LS_OK);
    assert_int_equal(live_step(t, "job"), 25);
    assert_int_equal(ls_table_gc(st, "j", 0, c, &g), LS_OK);
    assert_int_equal(g.low_watermark_step, 25);
    /* Rank 1 moves back to 25 (fine) and then below the watermark: refused. */
    assert_int_equal(ls_rank_checkpoint_commit(t, "job", 2, 1, 24, NULL), LS_ERR_RECLAIMED);
    /* Moving back above the watermark registers the rank again, which GC
     * honours before rank 0 aggregates. */
    assert_int_equal(ls_rank_checkpoint_commit(t, "job", 2, 1, 28, NULL), LS_OK);
    assert_int_equal(ls_rank_checkpoint_commit(t, "job", 2, 1, 26, NULL), LS_OK);
    assert_int_equal(live_step(t, "job.r1"), 26);
    assert_int_equal(ls_table_gc(st, "j", 0, c, &g), LS_OK);
    assert_true(g.low_watermark_step <= 26);
    uint64_t steps[2];
    int complete;
    assert_int_equal(ls_rank_checkpoint_get(t, "job", 2, steps, NULL, &complete), LS_OK);
    assert_true(complete);
    assert_int_equal(steps[0], 26);
    assert_int_equal(steps[1], 26);
    ls_table_close(t);
    ls_store_close(st);
    ls_conf_destroy(c);
}

/* A world that completes releases the group's other worlds. */
static void test_other_worlds_released(void **state)
{
    (void)state;
    ls_conf *c;
    ls_store *st = table_with_steps(&c);
    ls_table *t;
    assert_int_equal(ls_table_open(st, "j", c, &t), LS_OK);
    for (uint32_t r = 0; r < 2; r++)
        assert_int_equal(ls_rank_checkpoint_commit(t, "g.w2", 2, r, 5, "g.w"), LS_OK);
    assert_int_equal(ls_rank_checkpoint_commit(t, "g.w2", 2, 0, 6, "g.w"), LS_OK);
    assert_int_equal(live_step(t, "g.w2"), 5);
    /* The group moves to one rank, which completes at once. */
    assert_int_equal(ls_rank_checkpoint_commit(t, "g.w1", 1, 0, 7, "g.w"), LS_OK);
    assert_int_equal(live_step(t, "g.w1"), 7);
    assert_int_equal(live_step(t, "g.w2"), -1);
    assert_int_equal(live_step(t, "g.w2.r0"), -1);
    assert_int_equal(live_step(t, "g.w2.r1"), -1);
    ls_keylist kl;
    assert_int_equal(ls_store_list(st, "j/_ckpt/g.w2/", NULL, 10, &kl), LS_OK);
    assert_int_equal(kl.n, 0);
    ls_keylist_free(&kl);
    /* Bad arguments. */
    assert_int_equal(ls_rank_checkpoint_commit(t, "g.w1", 1, 1, 7, NULL), LS_ERR_INVALID);
    assert_int_equal(ls_rank_checkpoint_commit(t, "bad/name", 1, 0, 7, NULL), LS_ERR_INVALID);
    ls_table_close(t);
    ls_store_close(st);
    ls_conf_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_traffic_flat),
        cmocka_unit_test(test_gc_respects_ranks),
        cmocka_unit_test(test_other_worlds_released),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
