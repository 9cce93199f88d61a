/*
 * test_bounds.c -- metadata objects are bounded before they are read, and
 * a log with a hole is reported, never read as a shorter table.
 *
 * Sparse 3 GiB files stand in for a hostile or broken store: the hint, the
 * descriptor, a log record, a snapshot.  Each costs at most its limit + 1
 * bytes of memory (one ranged read) and gets an error naming the object,
 * or, for the hint (a cache), is ignored.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cmocka.h>

#include "ls_int.h"
#include "testutil.h"

#define HUGE_BYTES (3ull << 30)

static ls_conf *conf_new(void)
{
    ls_conf *c = ls_conf_new();
    assert_int_equal(ls_conf_set(c, "store.fsync", "false"), LS_OK);
    /* Commits on flush only, so the versions below are exact (fixed: DAC
     * would cap the interval at 1 s). */
    assert_int_equal(ls_conf_set(c, "producer.commit.policy", "fixed"), LS_OK);
    assert_int_equal(ls_conf_set(c, "producer.commit.interval.ms", "3600000"), LS_OK);
    assert_int_equal(ls_conf_set(c, "table.snapshot.interval", "4"), LS_OK);
    return c;
}

/* A table "t" with versions 1 (epoch bump) .. 9 (8 commits of 2 samples). */
static ls_store *table_new(const char *dir, const ls_conf *c)
{
    ls_store *st;
    assert_int_equal(ls_store_open(dir, c, &st), LS_OK);
    assert_int_equal(ls_table_create(st, "t", 2, LS_CODEC_NONE), LS_OK);
    ls_producer *p;
    assert_int_equal(ls_producer_open(st, "t", "p", c, &p), LS_OK);
    for (int i = 0; i < 16; i++) {
        char s[16];
        int n = snprintf(s, sizeof(s), "s%d", i);
        assert_int_equal(ls_producer_append(p, s, (size_t)n, NULL), LS_OK);
        if (i % 2 == 1)
            assert_int_equal(ls_producer_flush(p), LS_OK);
    }
    ls_producer_close(p);
    return st;
}

/* Make dir/key a sparse file of HUGE_BYTES starting with its old bytes. */
static void make_huge(const char *dir, const char *key)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    assert_int_equal(truncate(path, (off_t)HUGE_BYTES), 0);
}

static long maxrss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void test_huge_hint_ignored(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("bounds");
    ls_conf *c = conf_new();
    ls_store *st = table_new(dir, c);
    make_huge(dir, "t/_log/_last_snapshot");
    long before = maxrss_kib();
    ls_table *t;
    assert_int_equal(ls_table_open(st, "t", c, &t), LS_OK);
    assert_int_equal(t->state.version, 9);
    assert_int_equal(t->state.total_samples, 16);
    ls_table_close(t);
    /* 33 bytes read, not 3 GiB. */
    assert_true(maxrss_kib() - before < 64 * 1024);
    ls_store_close(st);
    ls_conf_destroy(c);
    lt_rm_rf(dir);
    free(dir);
}

static void expect_refused(ls_store *st, const ls_conf *c, const char *key, const char *what)
{
    long before = maxrss_kib();
    ls_table *t;
    assert_int_equal(ls_table_open(st, "t", c, &t), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), key));
    assert_non_null(strstr(ls_errmsg(), what));
    /* At most the limit + 1 (LS_SNAPSHOT_BYTES_MAX is the largest). */
    assert_true(maxrss_kib() - before < (long)(LS_SNAPSHOT_BYTES_MAX / 1024) + 64 * 1024);
}

static void test_huge_objects_refused(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("bounds");
    ls_conf *c = conf_new();
    ls_store *st = table_new(dir, c);
    /* A log record after the newest snapshot (8): version 9. */
    make_huge(dir, "t/_log/00000000000000000009");
    expect_refused(st, c, "t/_log/00000000000000000009", "larger than the commit record limit");
    /* The newest snapshot. */
    make_huge(dir, "t/_log/00000000000000000008.snapshot");
    expect_refused(st, c, "t/_log/00000000000000000008.snapshot",
                   "larger than the snapshot limit");
    make_huge(dir, "t/_table");
    expect_refused(st, c, "t/_table", "larger than the descriptor limit");
    ls_store_close(st);
    ls_conf_destroy(c);
    lt_rm_rf(dir);
    free(dir);
}

/* A record deleted from the middle of the log, past the newest snapshot:
 * an error naming it, not a table cut short at the record before. */
static void test_hole_reported(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("bounds");
    ls_conf *c = conf_new();
    ls_store *st = table_new(dir, c);
    ls_table *t;
    assert_int_equal(ls_store_delete(st, "t/_log/00000000000000000006"), LS_OK);
    assert_int_equal(ls_store_delete(st, "t/_log/00000000000000000008.snapshot"), LS_OK);
    assert_int_equal(ls_table_open(st, "t", c, &t), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), "t/_log/00000000000000000006"));
    assert_non_null(strstr(ls_errmsg(), "a hole in the log"));
    /* The same without snapshots (replay from version 1). */
    ls_conf *nos = ls_conf_dup(c);
    assert_int_equal(ls_conf_set(nos, "table.use.snapshots", "false"), LS_OK);
    assert_int_equal(ls_table_open(st, "t", nos, &t), LS_ERR_CORRUPT);
    assert_non_null(strstr(ls_errmsg(), "version 6"));
    /* The missing record is the head when nothing follows it: fine. */
    for (int v = 7; v <= 9; v++) {
        char key[64];
        snprintf(key, sizeof(key), "t/_log/%020d", v);
        assert_int_equal(ls_store_delete(st, key), LS_OK);
    }
    assert_int_equal(ls_table_open(st, "t", nos, &t), LS_OK);
    assert_int_equal(t->state.version, 5);
    ls_table_close(t);
    ls_conf_destroy(nos);
    ls_store_close(st);
    ls_conf_destroy(c);
    lt_rm_rf(dir);
    free(dir);
}

/* Regression (consumer.c fetch_parts): one step's slice needs parts of two
 * chunks; in the same round of ranged GETs the first part comes back short
 * (its chunk truncated) and the second fails retriably.  The short part
 * must be refused as corrupt then and there: a retry fetches only the part
 * that failed, and a short buffer kept would be read past its end (a
 * misleading crc mismatch, or a heap overflow).  Through the step index
 * and through the log alike. */
static void test_short_part_with_retriable_failure(void **state)
{
    (void)state;
    /* B at least LS_STEP_INDEX_MIN_BATCH, so steps have indexes. */
    enum { B = 16, SAMPLE_BYTES = 32 };
    static const char *const modes[] = { "use", "off" };
    _Static_assert(B >= LS_STEP_INDEX_MIN_BATCH, "indexed");
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        ls_store *mem, *st;
        assert_int_equal(ls_store_mem_new(&mem), LS_OK);
        assert_int_equal(ls_table_create(mem, "t", B, LS_CODEC_NONE), LS_OK);
        ls_conf *c = conf_new();
        /* Two chunks of B / 2 samples: step 0 (world 1) is one part of each. */
        assert_int_equal(ls_conf_set(c, "producer.chunk.samples.max", "8"), LS_OK);
        assert_int_equal(ls_conf_set(c, "producer.index.publish", "sync"), LS_OK);
        assert_int_equal(ls_conf_set(c, "consumer.prefetch.steps", "0"), LS_OK);
        assert_int_equal(ls_conf_set(c, "consumer.step.index", modes[m]), LS_OK);
        assert_int_equal(ls_conf_set(c, "store.retries", "3"), LS_OK);
        ls_producer *p;
        assert_int_equal(ls_producer_open(mem, "t", "p", c, &p), LS_OK);
        for (int i = 0; i < B; i++) {
            char s[SAMPLE_BYTES];
            memset(s, 'a' + i, sizeof(s));
            assert_int_equal(ls_producer_append(p, s, sizeof(s), NULL), LS_OK);
        }
        assert_int_equal(ls_producer_flush(p), LS_OK);
        ls_producer_close(p);
        ls_keylist kl;
        assert_int_equal(ls_store_list(mem, "t/data/", NULL, 16, &kl), LS_OK);
        assert_int_equal(kl.n, 2);
        assert_int_equal(ls_store_fault_new(mem, NULL, &st), LS_OK);

        /* A clean read, counting GETs: the step's two data parts are its
         * last two, the first chunk's then the second's. */
        ls_fault_opts count = { .seed = 1, .op_mask = LS_FAULT_OP_GET };
        ls_consumer *cons;
        ls_batch *b = NULL;
        assert_int_equal(ls_consumer_open(st, "t", 0, 1, c, &cons), LS_OK);
        assert_int_equal(ls_store_fault_set(st, &count), LS_OK);
        assert_int_equal(ls_consumer_read_step(cons, 0, 1000, &b), LS_OK);
        uint64_t gets = ls_store_fault_calls(st);
        assert_true(gets >= 2);
        assert_int_equal(b->count, B);
        for (size_t i = 0; i < B; i++) {
            assert_int_equal(b->lens[i], SAMPLE_BYTES);
            assert_int_equal(b->samples[i][0], 'a' + (int)i);
        }
        ls_read_stats rs;
        ls_consumer_stats_get(cons, &rs);
        assert_int_equal(rs.data_requests, 2);
        assert_int_equal(m == 0 ? rs.index_steps : rs.log_steps, 1);
        ls_batch_destroy(b);
        ls_consumer_close(cons);
        assert_int_equal(ls_store_fault_set(st, NULL), LS_OK);

        /* Cut the first chunk inside its second sample. */
        uint8_t *obj;
        size_t len;
        assert_int_equal(ls_store_get(mem, kl.keys[0], 0, LS_GET_TO_END, &obj, &len), LS_OK);
        size_t cut = LS_CHUNK_HEADER_BYTES + SAMPLE_BYTES + SAMPLE_BYTES / 2;
        assert_true(len > cut);
        assert_int_equal(ls_store_put(mem, kl.keys[0], obj, cut), LS_OK);
        free(obj);

        /* The same read by a fresh consumer, the second chunk's GET failing
         * (retriable) in the round where the first comes back short. */
        ls_fault_opts fo = { .seed = 1, .op_mask = LS_FAULT_OP_GET, .fail_at = gets };
        assert_int_equal(ls_consumer_open(st, "t", 0, 1, c, &cons), LS_OK);
        assert_int_equal(ls_store_fault_set(st, &fo), LS_OK);
        b = NULL;
        int rc = ls_consumer_read_step(cons, 0, 1000, &b);
        if (rc != LS_ERR_CORRUPT || !strstr(ls_errmsg(), "short read"))
            fail_msg("step.index=%s: rc %d (%s), want LS_ERR_CORRUPT with \"short read\"",
                     modes[m], rc, ls_errmsg());
        assert_non_null(strstr(ls_errmsg(), kl.keys[0]));
        assert_null(b);
        assert_int_equal(ls_store_fault_injected(st), 1);
        /* Refused in the round it came back short: each read of the step
         * (through the index, then the log where the index was refused)
         * asked for its two parts once, and retried nothing. */
        ls_consumer_stats_get(cons, &rs);
        assert_int_equal(rs.index_refused, m == 0 ? 1 : 0);
        assert_int_equal(rs.data_requests, 2 * (1 + rs.index_refused));
        /* Asked again: the same refusal, never samples. */
        assert_int_equal(ls_store_fault_set(st, NULL), LS_OK);
        assert_int_equal(ls_consumer_read_step(cons, 0, 1000, &b), LS_ERR_CORRUPT);
        assert_null(b);
        ls_consumer_close(cons);
        ls_keylist_free(&kl);
        ls_store_close(st);
        ls_conf_destroy(c);
    }
}

int main(void)
{
    lt_seed();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_huge_hint_ignored),
        cmocka_unit_test(test_huge_objects_refused),
        cmocka_unit_test(test_hole_reported),
        cmocka_unit_test(test_short_part_with_retriable_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
