/*
 * test_flat.c -- commit cost stays flat as the log grows: the store
 * operations and bytes of one commit, and of opening a table (a reader's
 * or committer's refresh from scratch), are measured at 100 and at 20,000
 * versions and must be the same within a small bound.  Snapshot contents
 * are bounded by retention (a checkpoint and gc), not by history.
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

/* ---- a store that counts -------------------------------------------------- */

static ls_store *cnt_inner;
static uint64_t cnt_ops, cnt_read, cnt_written;

static int c_put(ls_store *st, const char *k, const void *b, size_t n)
{ (void)st; cnt_ops++; cnt_written += n; return cnt_inner->put(cnt_inner, k, b, n); }
static int c_pia(ls_store *st, const char *k, const void *b, size_t n)
{ (void)st; cnt_ops++; cnt_written += n; return cnt_inner->put_if_absent(cnt_inner, k, b, n); }
static int c_get(ls_store *st, const char *k, uint64_t off, uint64_t len, uint8_t **o,
                 size_t *ol)
{
    (void)st;
    cnt_ops++;
    int rc = cnt_inner->get(cnt_inner, k, off, len, o, ol);
    if (rc == LS_OK)
        cnt_read += *ol;
    return rc;
}
static int c_head(ls_store *st, const char *k, uint64_t *sz)
{ (void)st; cnt_ops++; return cnt_inner->head(cnt_inner, k, sz); }
static int c_list(ls_store *st, const char *p, const char *a, size_t m, ls_keylist *o)
{ (void)st; cnt_ops++; return cnt_inner->list(cnt_inner, p, a, m, o); }
static int c_del(ls_store *st, const char *k)
{ (void)st; cnt_ops++; return cnt_inner->del(cnt_inner, k); }
static void c_close(ls_store *st) { (void)st; }
static ls_store counting = { .name = "counting", .put = c_put, .put_if_absent = c_pia,
                             .get = c_get, .head = c_head, .list = c_list, .del = c_del,
                             .close = c_close };

static void cnt_reset(void) { cnt_ops = cnt_read = cnt_written = 0; }

typedef struct cost { double ops, read, written; } cost;

/* ---- the measurement ------------------------------------------------------- */

#define K "100"          /* snapshot interval */
#define COMMITS 200      /* measured commits: two snapshot writes' worth */

static ls_conf *fconf(void)
{
    ls_conf *c = ls_conf_new();
    assert_int_equal(ls_conf_set(c, "table.snapshot.interval", K), LS_OK);
    assert_int_equal(ls_conf_set(c, "producer.commit.interval.ms", "3600000"), LS_OK);
    assert_int_equal(ls_conf_set(c, "consumer.prefetch.steps", "0"), LS_OK);
    /* Index puts on the commit path: counted there, whatever the timing
     * (async, the publisher thread's puts land in any window). */
    assert_int_equal(ls_conf_set(c, "producer.index.publish", "sync"), LS_OK);
    return c;
}

/* A table grown to `versions` versions by one-sample commits, then
 * retention bounded by a checkpoint near the head and gc. */
static ls_store *grown(uint64_t versions, const ls_conf *c)
{
    ls_store *mem;
    assert_int_equal(ls_store_mem_new(&mem), LS_OK);
    assert_int_equal(ls_table_create(mem, "f", 1, LS_CODEC_NONE), LS_OK);
    ls_producer *p;
    assert_int_equal(ls_producer_open(mem, "f", "grower", c, &p), LS_OK);
    for (uint64_t v = 1; v < versions - 1; v++) {
        assert_int_equal(ls_producer_append(p, "g", 1, NULL), LS_OK);
        assert_int_equal(ls_producer_flush(p), LS_OK);
    }
    ls_producer_close(p);
    assert_int_equal(ls_checkpoint_register(mem, "f", "ck", versions - 50, c), LS_OK);
    ls_gc_report g;
    assert_int_equal(ls_table_gc(mem, "f", 0, c, &g), LS_OK);
    return mem;
}

/* Per commit of a producer that was already open: ops and bytes. */
static cost commit_cost(ls_store *mem, const ls_conf *c)
{
    cnt_inner = mem;
    ls_producer *p;
    assert_int_equal(ls_producer_open(&counting, "f", "measured", c, &p), LS_OK);
    cnt_reset();
    for (int i = 0; i < COMMITS; i++) {
        assert_int_equal(ls_producer_append(p, "sample-of-a-few-bytes", 21, NULL), LS_OK);
        assert_int_equal(ls_producer_flush(p), LS_OK);
    }
    cost k = { (double)cnt_ops / COMMITS, (double)cnt_read / COMMITS,
               (double)cnt_written / COMMITS };
    ls_producer_close(p);
    return k;
}

/* Opening the table from scratch (what a new reader or committer pays). */
static cost open_cost(ls_store *mem, const ls_conf *c)
{
    cnt_inner = mem;
    cnt_reset();
    ls_table *t;
    assert_int_equal(ls_table_open(&counting, "f", c, &t), LS_OK);
    cost k = { (double)cnt_ops, (double)cnt_read, (double)cnt_written };
    ls_table_close(t);
    return k;
}

static void test_flat_commit_cost(void **state)
{
    (void)state;
    ls_conf *c = fconf();
    ls_store *small = grown(100, c), *big = grown(20000, c);
    ls_table *t;
    assert_int_equal(ls_table_open(big, "f", c, &t), LS_OK);
    assert_true(t->state.version >= 20000);
    assert_true(t->state.ncommits < 200);     /* retention, not history */
    ls_table_close(t);

    cost cs = commit_cost(small, c), cb = commit_cost(big, c);
    print_message("per commit at   100 versions: %.2f ops, %.0f B read, %.0f B written\n",
                  cs.ops, cs.read, cs.written);
    print_message("per commit at 20000 versions: %.2f ops, %.0f B read, %.0f B written\n",
                  cb.ops, cb.read, cb.written);
    /* A commit: one chunk put, one put_if_absent, the HEAD of its log
     * segment's reclaim mark (docs/protocol.md, "Freed log slots"), the
     * index of each step it completes (B = 1: one per commit), every 16th
     * commit a group index (step_group.c), and every K versions a snapshot
     * and the hint.  The first group a fresh handle writes reads the
     * records of up to 15 steps committed before it: at most 15 GETs over
     * the run, however long the log. */
    double group = 1.0 / LS_STEP_GROUP_STEPS, first = 15.0 / COMMITS;
    assert_true(cs.ops <= 4.1 + group + first && cb.ops <= 4.1 + group + first);
    assert_true(cb.ops <= cs.ops + 0.05 + first);
    assert_true(cb.written <= cs.written * 1.5 + 64);
    assert_true(cb.read <= cs.read * 1.5 + 64);

    cost os = open_cost(small, c), ob = open_cost(big, c);
    print_message("table open at   100 versions: %.0f ops, %.0f B read\n", os.ops, os.read);
    print_message("table open at 20000 versions: %.0f ops, %.0f B read\n", ob.ops, ob.read);
    /* Descriptor, hint, a HEAD probe, the snapshot, < K records, one miss. */
    assert_true(os.ops <= 100 + 8 && ob.ops <= 100 + 8);
    assert_true(ob.read <= os.read * 2 + 4096);
    ls_store_close(small);
    ls_store_close(big);
    ls_conf_destroy(c);
}

int main(void)
{
    lt_seed();
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_flat_commit_cost) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
