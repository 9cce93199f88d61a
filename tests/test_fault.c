/*
 * test_fault.c -- the commit protocol under injected faults (SQLite
 * do_faultsim_test style): a lost reply on the commit does not duplicate;
 * a stale epoch is fenced for good; an error or a lost reply at every call
 * position of open + append + flush (1st, 2nd, ... until none fires)
 * leaves a log that replays, holding the samples exactly once, or not at
 * all when the caller was told so.  Random faults with latency run from a
 * printed seed.
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

#define NSAMPLES 30

static ls_conf *fconf(void)
{
    ls_conf *c = ls_conf_new();
    assert_int_equal(ls_conf_set(c, "producer.chunk.samples.max", "7"), LS_OK);
    /* Commits on flush only, so the store calls of a commit are the same
     * sequence every run (fixed: DAC would cap the interval at 1 s). */
    assert_int_equal(ls_conf_set(c, "producer.commit.policy", "fixed"), LS_OK);
    assert_int_equal(ls_conf_set(c, "producer.commit.interval.ms", "3600000"), LS_OK);
    assert_int_equal(ls_conf_set(c, "table.snapshot.interval", "2"), LS_OK);
    assert_int_equal(ls_conf_set(c, "store.retries", "0"), LS_OK);
    return c;
}

/* Count the samples of the table by full replay (no snapshots), checking
 * that the log replays and that every sample is "s<i>" in order. */
static uint64_t replay_count(ls_store *st, const char *table)
{
    ls_conf *c = ls_conf_new();
    assert_int_equal(ls_conf_set(c, "table.use.snapshots", "false"), LS_OK);
    assert_int_equal(ls_conf_set(c, "consumer.prefetch.steps", "0"), LS_OK);
    ls_table *t;
    int rc = ls_table_open(st, table, c, &t);
    if (rc)
        fail_msg("log does not replay: %s", ls_errmsg());
    uint64_t n = t->state.total_samples;
    ls_table_close(t);
    if (n) {
        ls_consumer *cs;
        assert_int_equal(ls_consumer_open(st, table, 0, 1, c, &cs), LS_OK);
        uint64_t k = 0;
        for (uint64_t s = 0; s < n; s++) {  /* B = 1: one step per sample */
            ls_batch *b;
            rc = ls_consumer_read_step(cs, s, 1000, &b);
            if (rc)
                fail_msg("step %" PRIu64 ": %s", s, ls_errmsg());
            char want[32];
            int len = snprintf(want, sizeof(want), "s%" PRIu64, k % NSAMPLES);
            assert_int_equal(b->lens[0], (size_t)len);
            assert_memory_equal(b->samples[0], want, (size_t)len);
            k++;
            ls_batch_destroy(b);
        }
        ls_consumer_close(cs);
    }
    ls_conf_destroy(c);
    return n;
}

/* open + append NSAMPLES + flush through st.  Returns the first error (0 if
 * none) and leaves *p open (or NULL if open failed). */
static int run_producer(ls_store *st, const ls_conf *conf, ls_producer **p)
{
    int rc = ls_producer_open(st, "f", "p", conf, p);
    if (rc)
        return rc;
    for (int i = 0; i < NSAMPLES; i++) {
        char buf[32];
        int len = snprintf(buf, sizeof(buf), "s%d", i);
        rc = ls_producer_append(*p, buf, (size_t)len, NULL);
        if (rc)
            return rc;
    }
    return ls_producer_flush(*p);
}

/* One fault at call position n (error or lost reply): the outcome is
 * either success, or an error after which the table holds 0 or NSAMPLES
 * samples (never a partial or doubled set), and a retried flush completes
 * with exactly NSAMPLES. */
static void fault_loop(int lost_reply)
{
    ls_conf *conf = fconf();
    int positions = 0, errors = 0;
    for (uint64_t n = 1;; n++) {
        ls_store *mem, *st;
        assert_int_equal(ls_store_mem_new(&mem), LS_OK);
        assert_int_equal(ls_table_create(mem, "f", 1, LS_CODEC_ZSTD), LS_OK);
        ls_fault_opts fo = { .seed = n };
        if (lost_reply)
            fo.lost_reply_at = n;
        else
            fo.fail_at = n;
        assert_int_equal(ls_store_fault_new(mem, &fo, &st), LS_OK);
        ls_producer *p = NULL;
        int rc = run_producer(st, conf, &p);
        int fired = ls_store_fault_injected(st) > 0;
        if (rc) {
            errors++;
            assert_true(fired);
            assert_true(rc == LS_ERR_IO || rc == LS_ERR_TIMEOUT);
            uint64_t have = replay_count(st, "f");
            assert_true(have == 0 || have == NSAMPLES);
            if (p) {
                /* The same handle resumes and never commits twice. */
                rc = ls_producer_flush(p);
                if (rc)
                    fail_msg("n=%" PRIu64 ": retry failed: %s", n, ls_errmsg());
                assert_int_equal(replay_count(st, "f"), NSAMPLES);
            } else {
                /* open itself failed: a new incarnation starts over. */
                ls_producer_close(p);
                p = NULL;
                rc = run_producer(st, conf, &p);
                if (rc)
                    fail_msg("n=%" PRIu64 ": rerun failed: %s", n, ls_errmsg());
                assert_int_equal(replay_count(st, "f"), NSAMPLES);
            }
        } else {
            assert_int_equal(replay_count(st, "f"), NSAMPLES);
        }
        ls_producer_close(p);
        ls_store_close(st);
        if (!fired)
            break;  /* the run made fewer than n calls: every position done */
        positions++;
    }
    /* The loop must really have exercised the protocol. */
    assert_true(positions > 10);
    assert_true(errors > 0 || lost_reply);
    print_message("%s at %d call positions, %d surfaced as errors\n",
                  lost_reply ? "lost reply" : "error", positions, errors);
    ls_conf_destroy(conf);
}

static void test_error_every_position(void **state)
{
    (void)state;
    fault_loop(0);
}

static void test_lost_reply_every_position(void **state)
{
    (void)state;
    fault_loop(1);
}

/* The commit's own put_if_absent loses its reply: exactly one record. */
static void test_lost_commit_reply(void **state)
{
    (void)state;
    ls_store *mem, *st;
    assert_int_equal(ls_store_mem_new(&mem), LS_OK);
    assert_int_equal(ls_table_create(mem, "f", 1, LS_CODEC_NONE), LS_OK);
    /* put_if_absent #1 is the epoch bump, #2 the data commit. */
    ls_fault_opts fo = { .seed = 1, .op_mask = LS_FAULT_OP_PUT_IF_ABSENT, .lost_reply_at = 2 };
    assert_int_equal(ls_store_fault_new(mem, &fo, &st), LS_OK);
    ls_conf *conf = fconf();
    ls_producer *p;
    assert_int_equal(run_producer(st, conf, &p), LS_OK);
    assert_int_equal(ls_store_fault_injected(st), 1);
    ls_producer_stats ps;
    ls_producer_stats_get(p, &ps);
    assert_int_equal(ps.lost_replies, 1);
    assert_int_equal(ps.commits, 1);
    ls_producer_close(p);
    assert_int_equal(replay_count(st, "f"), NSAMPLES);
    ls_table *t;
    assert_int_equal(ls_table_open(st, "f", NULL, &t), LS_OK);
    assert_int_equal(t->state.version, 2);  /* epoch bump + one data commit */
    ls_table_close(t);
    ls_conf_destroy(conf);
    ls_store_close(st);
}

/* The commit lands but its reply is lost and so is the probe's; another
 * producer commits in between; the retry must find its own record by
 * commit_id among the versions it missed, and not commit again. */
static void test_lost_reply_then_conflict(void **state)
{
    (void)state;
    ls_store *mem, *st;
    assert_int_equal(ls_store_mem_new(&mem), LS_OK);
    assert_int_equal(ls_table_create(mem, "f", 1, LS_CODEC_NONE), LS_OK);
    assert_int_equal(ls_store_fault_new(mem, NULL, &st), LS_OK);
    ls_conf *conf = fconf();
    ls_producer *a, *b;
    assert_int_equal(ls_producer_open(st, "f", "a", conf, &a), LS_OK);
    assert_int_equal(ls_producer_open(st, "f", "b", conf, &b), LS_OK);
    assert_int_equal(ls_producer_append(a, "s0", 2, NULL), LS_OK);
    /* a's next put_if_absent lands with its reply lost; the probing GET
     * after it fails. */
    ls_fault_opts fo = { .seed = 1, .op_mask = LS_FAULT_OP_PUT_IF_ABSENT | LS_FAULT_OP_GET,
                         .lost_reply_at = 1, .fail_at = 2 };
    assert_int_equal(ls_store_fault_set(st, &fo), LS_OK);
    assert_int_equal(ls_producer_flush(a), LS_ERR_IO);
    assert_int_equal(ls_store_fault_injected(st), 2);
    assert_int_equal(ls_store_fault_set(st, NULL), LS_OK);
    assert_int_equal(ls_producer_append(b, "s1", 2, NULL), LS_OK);
    assert_int_equal(ls_producer_flush(b), LS_OK);      /* b catches up past a's record */
    assert_int_equal(ls_producer_flush(a), LS_OK);      /* a finds its own record */
    assert_int_equal(ls_producer_flush(a), LS_OK);      /* nothing left: no commit */
    ls_producer_stats ps;
    ls_producer_stats_get(a, &ps);
    assert_int_equal(ps.commits, 1);
    /* a's first put found b's epoch bump (a had not read forward: stale);
     * the retry read forward and found its own record, no race. */
    assert_int_equal(ps.stale_attempts, 1);
    assert_int_equal(ps.conflicts, 0);
    ls_table *t;
    assert_int_equal(ls_table_open(st, "f", NULL, &t), LS_OK);
    assert_int_equal(t->state.total_samples, 2);
    assert_int_equal(t->state.version, 4);  /* 2 epoch bumps, 2 data commits */
    ls_table_close(t);
    ls_producer_close(a);
    ls_producer_close(b);
    ls_conf_destroy(conf);
    ls_store_close(st);
}

static int fenced_cb_count;
static void fenced_cb(void *msg, int err, void *opaque)
{
    (void)msg;
    (void)opaque;
    if (err == LS_ERR_FENCED)
        fenced_cb_count++;
}

/* An older incarnation is fenced by a newer one, for good. */
static void test_fencing(void **state)
{
    (void)state;
    ls_store *st;
    assert_int_equal(ls_store_mem_new(&st), LS_OK);
    assert_int_equal(ls_table_create(st, "f", 1, LS_CODEC_NONE), LS_OK);
    ls_conf *conf = fconf();
    ls_producer *old, *cur;
    assert_int_equal(ls_producer_open(st, "f", "p", conf, &old), LS_OK);
    ls_producer_set_delivery_cb(old, fenced_cb, NULL);
    assert_int_equal(ls_producer_append(old, "s0", 2, NULL), LS_OK);
    assert_int_equal(ls_producer_flush(old), LS_OK);
    assert_int_equal(ls_producer_open(st, "f", "p", conf, &cur), LS_OK);
    assert_int_equal(ls_producer_append(old, "s1", 2, NULL), LS_OK);
    assert_int_equal(ls_producer_append(old, "s2", 2, NULL), LS_OK);
    assert_int_equal(ls_producer_flush(old), LS_ERR_FENCED);
    assert_non_null(strstr(ls_errmsg(), "fenced"));
    assert_int_equal(fenced_cb_count, 2);
    /* Final: every later call says the same. */
    assert_int_equal(ls_producer_append(old, "s3", 2, NULL), LS_ERR_FENCED);
    assert_int_equal(ls_producer_flush(old), LS_ERR_FENCED);
    assert_int_equal(ls_producer_poll(old), LS_ERR_FENCED);
    assert_int_equal(ls_producer_append(cur, "s1", 2, NULL), LS_OK);
    assert_int_equal(ls_producer_flush(cur), LS_OK);
    ls_table *t;
    assert_int_equal(ls_table_open(st, "f", NULL, &t), LS_OK);
    assert_int_equal(t->state.total_samples, 2);
    ls_pstate *ps = ls_state_producer(&t->state, "p");
    assert_non_null(ps);
    assert_int_equal(ps->epoch, 2);
    ls_table_close(t);
    ls_producer_close(old);
    ls_producer_close(cur);
    assert_int_equal(fenced_cb_count, 2);
    ls_conf_destroy(conf);
    ls_store_close(st);
}

/* Random faults and latency from a seed, several producers interleaved in
 * one thread: every sample accepted is committed exactly once. */
static void test_random_faults(void **state)
{
    (void)state;
    uint64_t base = lt_seed();
    for (uint64_t trial = 0; trial < 20; trial++) {
        uint64_t seed = base + trial;
        ls_store *mem, *st;
        assert_int_equal(ls_store_mem_new(&mem), LS_OK);
        assert_int_equal(ls_table_create(mem, "f", 1, LS_CODEC_ZSTD), LS_OK);
        ls_fault_opts fo = { .seed = seed, .error_rate = 0.05, .lost_reply_rate = 0.05 };
        assert_int_equal(ls_store_fault_new(mem, &fo, &st), LS_OK);
        ls_conf *conf = fconf();
        assert_int_equal(ls_conf_set(conf, "store.retries", "3"), LS_OK);
        ls_producer *p[3] = { 0 };
        uint64_t rng = seed;
        for (int k = 0; k < 3; k++) {
            char id[16];
            snprintf(id, sizeof(id), "p%d", k);
            int tries = 0;
            while (ls_producer_open(st, "f", id, conf, &p[k]) != LS_OK)
                assert_true(++tries < 100);
        }
        for (int i = 0; i < NSAMPLES; i++) {
            for (int k = 0; k < 3; k++) {
                char buf[32];
                int len = snprintf(buf, sizeof(buf), "s%d", i);
                assert_int_equal(ls_producer_append(p[k], buf, (size_t)len, NULL), LS_OK);
                if (ls_splitmix64(&rng) % 4 == 0)
                    (void)ls_producer_flush(p[k]);  /* may fail; retried below */
            }
        }
        for (int k = 0; k < 3; k++) {
            int tries = 0;
            while (ls_producer_flush(p[k]) != LS_OK) {
                if (++tries >= 100)
                    fail_msg("seed %" PRIu64 ": flush keeps failing: %s", seed, ls_errmsg());
            }
            ls_producer_close(p[k]);
        }
        /* Check through mem itself: the faulty store may fail the reads. */
        ls_table *t;
        ls_conf *c = ls_conf_new();
        ls_conf_set(c, "table.use.snapshots", "false");
        assert_int_equal(ls_table_open(mem, "f", c, &t), LS_OK);
        if (t->state.total_samples != 3 * NSAMPLES)
            fail_msg("seed %" PRIu64 ": %" PRIu64 " samples, want %d", seed,
                     t->state.total_samples, 3 * NSAMPLES);
        ls_table_close(t);
        ls_conf_destroy(c);
        ls_conf_destroy(conf);
        ls_store_close(st);
    }
}

/* A commit fails; appends continue (the chunk list grows while the failed
 * commit's record still names its chunks); then everything lands, once,
 * in order.  Under ASan this also checks the record's borrowed keys stay
 * valid while the chunk array is reallocated. */
static void test_appends_after_failed_commit(void **state)
{
    (void)state;
    ls_store *mem, *st;
    assert_int_equal(ls_store_mem_new(&mem), LS_OK);
    assert_int_equal(ls_table_create(mem, "f", 1, LS_CODEC_NONE), LS_OK);
    assert_int_equal(ls_store_fault_new(mem, NULL, &st), LS_OK);
    ls_conf *conf = fconf();
    assert_int_equal(ls_conf_set(conf, "producer.chunk.samples.max", "1"), LS_OK);
    ls_producer *p;
    assert_int_equal(ls_producer_open(st, "f", "p", conf, &p), LS_OK);
    assert_int_equal(ls_producer_append(p, "s0", 2, NULL), LS_OK);
    ls_fault_opts fo = { .op_mask = LS_FAULT_OP_PUT_IF_ABSENT | LS_FAULT_OP_GET,
                         .fail_at = 1, .fail_persist = 1 };
    assert_int_equal(ls_store_fault_set(st, &fo), LS_OK);
    assert_int_equal(ls_producer_flush(p), LS_ERR_IO);
    for (int i = 1; i < NSAMPLES; i++) {   /* one chunk each: the array grows */
        char buf[32];
        int len = snprintf(buf, sizeof(buf), "s%d", i);
        assert_int_equal(ls_producer_append(p, buf, (size_t)len, NULL), LS_OK);
    }
    assert_int_equal(ls_producer_flush(p), LS_ERR_IO);
    assert_int_equal(ls_store_fault_set(st, NULL), LS_OK);
    assert_int_equal(ls_producer_flush(p), LS_OK);
    assert_int_equal(ls_producer_pending(p), 0);
    ls_producer_stats ps;
    ls_producer_stats_get(p, &ps);
    assert_int_equal(ps.commits, 2);       /* the frozen one, then the rest */
    assert_int_equal(ps.chunks_written, NSAMPLES);
    ls_producer_close(p);
    assert_int_equal(replay_count(st, "f"), NSAMPLES);
    ls_conf_destroy(conf);
    ls_store_close(st);
}

/* A store that fails the n-th GET of one key, or loses the reply of the
 * n-th put_if_absent of one key: faults aimed at one protocol step. */
static ls_store *aim_inner;
static const char *aim_key;
static int aim_get_nth, aim_pia_nth, aim_gets, aim_pias;
static int aim_put(ls_store *st, const char *k, const void *b, size_t n)
{ (void)st; return aim_inner->put(aim_inner, k, b, n); }
static int aim_pia(ls_store *st, const char *k, const void *b, size_t n)
{
    (void)st;
    int rc = aim_inner->put_if_absent(aim_inner, k, b, n);
    if (aim_key && !strcmp(k, aim_key) && ++aim_pias == aim_pia_nth)
        return ls_seterr(LS_ERR_TIMEOUT, "aimed: lost reply of put_if_absent %s", k);
    return rc;
}
static int aim_get(ls_store *st, const char *k, uint64_t off, uint64_t len, uint8_t **o,
                   size_t *ol)
{
    (void)st;
    if (aim_key && !strcmp(k, aim_key) && ++aim_gets == aim_get_nth)
        return ls_seterr(LS_ERR_IO, "aimed: get %s fails", k);
    return aim_inner->get(aim_inner, k, off, len, o, ol);
}
static int aim_head(ls_store *st, const char *k, uint64_t *sz)
{ (void)st; return aim_inner->head(aim_inner, k, sz); }
static int aim_list(ls_store *st, const char *p, const char *a, size_t m, ls_keylist *o)
{ (void)st; return aim_inner->list(aim_inner, p, a, m, o); }
static int aim_del(ls_store *st, const char *k) { (void)st; return aim_inner->del(aim_inner, k); }
static void aim_close(ls_store *st) { free(st); }
static void aim(const char *key, int pia_nth, int get_nth)
{
    aim_key = key;
    aim_pia_nth = pia_nth;
    aim_get_nth = get_nth;
    aim_gets = aim_pias = 0;
}

static int dr_ok, dr_fenced;
static void count_dr(void *m, int err, void *o)
{
    (void)m;
    (void)o;
    if (err == LS_OK)
        dr_ok++;
    else if (err == LS_ERR_FENCED)
        dr_fenced++;
}

/* A commit lands (reply and probe lost); a new incarnation bumps the epoch;
 * the old one's retry replays its own record but a later read fails.  The
 * samples are in the log: their callbacks must say so, not FENCED. */
static void test_landed_commit_not_fenced(void **state)
{
    (void)state;
    ls_store *mem, st = { .name = "aimed", .put = aim_put, .put_if_absent = aim_pia,
                          .get = aim_get, .head = aim_head, .list = aim_list, .del = aim_del,
                          .close = aim_close };
    assert_int_equal(ls_store_mem_new(&mem), LS_OK);
    aim_inner = mem;
    assert_int_equal(ls_table_create(mem, "t", 1, LS_CODEC_NONE), LS_OK);
    ls_conf *c = fconf();
    ls_producer *a, *b;
    aim(NULL, 0, 0);
    assert_int_equal(ls_producer_open(&st, "t", "p", c, &a), LS_OK);     /* v1 */
    ls_producer_set_delivery_cb(a, count_dr, NULL);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ls_producer_append(a, "abc", 3, NULL), LS_OK);
    aim("t/_log/00000000000000000002", 1, 1);   /* lands, reply lost; probe fails */
    assert_int_equal(ls_producer_flush(a), LS_ERR_IO);
    assert_int_equal(ls_producer_open(mem, "t", "p", c, &b), LS_OK);     /* bump at v3 */
    aim("t/_log/00000000000000000004", 0, 1);   /* catch-up: v2, v3, then v4 fails */
    int rc = ls_producer_flush(a);
    assert_true(rc == LS_OK || rc == LS_ERR_IO);
    aim(NULL, 0, 0);
    assert_int_equal(ls_producer_flush(a), LS_OK);
    assert_int_equal(dr_ok, 3);
    assert_int_equal(dr_fenced, 0);
    /* And the old incarnation is fenced from now on. */
    assert_int_equal(ls_producer_append(a, "x", 1, NULL), LS_OK);
    assert_int_equal(ls_producer_flush(a), LS_ERR_FENCED);
    ls_table *t;
    assert_int_equal(ls_table_open(mem, "t", NULL, &t), LS_OK);
    assert_int_equal(t->state.total_samples, 3);
    assert_int_equal(t->state.version, 3);
    ls_table_close(t);
    ls_producer_close(a);
    ls_producer_close(b);
    ls_conf_destroy(c);
    ls_store_close(mem);
}

/* Many more chunks than one record can name, and a record that would
 * exceed LS_RECORD_BYTES_MAX: flush commits them in several records. */
static void test_commit_splits(void **state)
{
    (void)state;
    ls_store *mem;
    assert_int_equal(ls_store_mem_new(&mem), LS_OK);
    assert_int_equal(ls_table_create(mem, "t", 1, LS_CODEC_NONE), LS_OK);
    ls_conf *c = ls_conf_new();
    assert_int_equal(ls_conf_set(c, "producer.chunk.samples.max", "1"), LS_OK);
    /* Everything waits for the flush, which must split it (fixed). */
    assert_int_equal(ls_conf_set(c, "producer.commit.policy", "fixed"), LS_OK);
    assert_int_equal(ls_conf_set(c, "producer.commit.interval.ms", "3600000"), LS_OK);
    assert_int_equal(ls_conf_set(c, "store.fsync", "false"), LS_OK);
    ls_producer *p;
    assert_int_equal(ls_producer_open(mem, "t", "p", c, &p), LS_OK);
    const uint64_t n = LS_RECORD_CHUNKS_MAX + 5;
    for (uint64_t i = 0; i < n; i++)
        assert_int_equal(ls_producer_append_at(p, "x", 1, NULL, &i, sizeof(i)), LS_OK);
    assert_int_equal(ls_producer_flush(p), LS_OK);
    ls_producer_stats ps;
    ls_producer_stats_get(p, &ps);
    assert_true(ps.commits >= 2);
    assert_int_equal(ps.samples_committed, n);
    ls_producer_close(p);
    /* The position came with the last commit only: a restart resumes
     * after the last sample. */
    assert_int_equal(ls_producer_open(mem, "t", "p", c, &p), LS_OK);
    size_t len;
    const uint64_t *pos = ls_producer_source_position(p, &len);
    assert_int_equal(len, sizeof(uint64_t));
    assert_int_equal(*pos, n - 1);
    ls_producer_close(p);
    ls_conf_destroy(c);
    ls_store_close(mem);
}

int main(void)
{
    lt_seed();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lost_commit_reply),
        cmocka_unit_test(test_lost_reply_then_conflict),
        cmocka_unit_test(test_fencing),
        cmocka_unit_test(test_appends_after_failed_commit),
        cmocka_unit_test(test_landed_commit_not_fenced),
        cmocka_unit_test(test_commit_splits),
        cmocka_unit_test(test_error_every_position),
        cmocka_unit_test(test_lost_reply_every_position),
        cmocka_unit_test(test_random_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
