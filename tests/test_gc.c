/*
 * test_gc.c -- checkpoints, the low watermark and garbage collection:
 * registration rules (also on a stale handle), keep-last, reads below the watermark failing with
 * LS_ERR_RECLAIMED while steps above read byte-identically (also at another
 * world size), orphan chunks, log and snapshot deletion with the state
 * unchanged (with and without snapshots), and writers and readers whose
 * state went stale while GC deleted the records after it.
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

#define B 4

static ls_conf *gconf(void)
{
    ls_conf *c = ls_conf_new();
    assert_int_equal(ls_conf_set(c, "producer.chunk.samples.max", "3"), LS_OK);
    /* One commit per flush, so steps, versions and chunks are exact (fixed:
     * DAC would cap the interval at 1 s). */
    assert_int_equal(ls_conf_set(c, "producer.commit.policy", "fixed"), LS_OK);
    assert_int_equal(ls_conf_set(c, "producer.commit.interval.ms", "3600000"), LS_OK);
    assert_int_equal(ls_conf_set(c, "table.snapshot.interval", "5"), LS_OK);
    assert_int_equal(ls_conf_set(c, "table.log.retention.ms", "0"), LS_OK);
    assert_int_equal(ls_conf_set(c, "consumer.prefetch.steps", "0"), LS_OK);
    return c;
}

/* n samples "<id>-<i>" from producer id, one commit per `every`. */
static void produce(ls_store *st, const char *id, int first, int n, int every,
                    const ls_conf *c)
{
    ls_producer *p;
    assert_int_equal(ls_producer_open(st, "g", id, c, &p), LS_OK);
    for (int i = first; i < first + n; i++) {
        char buf[64];
        int len = snprintf(buf, sizeof(buf), "%s-%d", id, i);
        assert_int_equal(ls_producer_append(p, buf, (size_t)len, NULL), LS_OK);
        if ((i + 1) % every == 0)
            assert_int_equal(ls_producer_flush(p), LS_OK);
    }
    assert_int_equal(ls_producer_flush(p), LS_OK);
    ls_producer_close(p);
}

/* Steps [s0, s1) at world size w, concatenated. */
static int read_range(ls_store *st, uint32_t w, uint64_t s0, uint64_t s1, const ls_conf *c,
                      ls_bytes *out)
{
    for (uint32_t r = 0; r < w; r++) {
        ls_consumer *cs;
        int rc = ls_consumer_open(st, "g", r, w, c, &cs);
        if (rc)
            return rc;
        ls_consumer_close(cs);
    }
    ls_consumer *cs[B];
    for (uint32_t r = 0; r < w; r++)
        assert_int_equal(ls_consumer_open(st, "g", r, w, c, &cs[r]), LS_OK);
    int rc = LS_OK;
    for (uint64_t s = s0; s < s1 && !rc; s++)
        for (uint32_t r = 0; r < w && !rc; r++) {
            ls_batch *b;
            if ((rc = ls_consumer_read_step(cs[r], s, 1000, &b)))
                break;
            for (size_t i = 0; i < b->count; i++) {
                ls_bytes_append(out, b->samples[i], b->lens[i]);
                ls_bytes_append(out, "\n", 1);
            }
            ls_batch_destroy(b);
        }
    for (uint32_t r = 0; r < w; r++)
        ls_consumer_close(cs[r]);
    return rc;
}

static size_t count_prefix(ls_store *st, const char *prefix, const char *suffix)
{
    ls_keylist kl = { 0 };
    assert_int_equal(ls_store_list(st, prefix, NULL, LS_LIST_KEYS_MAX, &kl), LS_OK);
    size_t n = 0;
    for (size_t i = 0; i < kl.n; i++) {
        size_t kn = strlen(kl.keys[i]), sn = suffix ? strlen(suffix) : 0;
        if (!suffix || (kn >= sn && !strcmp(kl.keys[i] + kn - sn, suffix)))
            n++;
    }
    ls_keylist_free(&kl);
    return n;
}

static void test_checkpoint_rules(void **state)
{
    (void)state;
    ls_store *st;
    ls_conf *c = gconf();
    assert_int_equal(ls_store_mem_new(&st), LS_OK);
    assert_int_equal(ls_table_create_conf(st, "g", B, LS_CODEC_NONE, c), LS_OK);
    produce(st, "p", 0, 40, 10, c);                       /* 10 steps */
    assert_int_equal(ls_checkpoint_register(st, "g", "a/b", 1, c), LS_ERR_INVALID);
    assert_int_equal(ls_checkpoint_register(st, "g", "c1", 11, c), LS_ERR_INVALID);
    assert_non_null(strstr(ls_errmsg(), "beyond the 10 visible steps"));
    assert_int_equal(ls_checkpoint_register(st, "nope", "c1", 1, c), LS_ERR_NOT_FOUND);
    assert_int_equal(ls_checkpoint_release(st, "g", "never", c), LS_ERR_NOT_FOUND);
    assert_int_equal(ls_checkpoint_register(st, "g", "c1", 10, c), LS_OK);
    assert_int_equal(ls_checkpoint_register(st, "g", "c1", 10, c), LS_OK);  /* no-op */
    assert_int_equal(ls_checkpoint_register(st, "g", "c0", 3, c), LS_OK);
    ls_table *t;
    assert_int_equal(ls_table_open(st, "g", c, &t), LS_OK);
    uint64_t v = t->state.version;
    ls_checkpoint_info ci;
    assert_int_equal(ls_table_checkpoint_get(t, 0, &ci), LS_OK);
    assert_string_equal(ci.name, "c0");
    assert_int_equal(ci.step, 3);
    assert_true(ci.live);
    assert_int_equal(ls_table_checkpoint_get(t, 2, &ci), LS_ERR_NOT_FOUND);
    ls_table_close(t);
    assert_int_equal(ls_checkpoint_release(st, "g", "c0", c), LS_OK);
    assert_int_equal(ls_checkpoint_release(st, "g", "c0", c), LS_OK);   /* twice: no-op */
    assert_int_equal(ls_table_open(st, "g", c, &t), LS_OK);
    assert_int_equal(t->state.version, v + 1);   /* the repeated calls committed nothing */
    assert_int_equal(ls_table_checkpoint_get(t, 0, &ci), LS_OK);
    assert_false(ci.live);
    ls_table_close(t);
    ls_conf_destroy(c);
    ls_store_close(st);
}

/* The same rules on a long-lived handle whose state went stale: a step
 * made visible since is judged on a fresh state, a checkpoint registered
 * through another handle can be released, and two handles registering in
 * turn (the shim's ranks) each land, with no full reload. */
static void test_checkpoint_on_handle(void **state)
{
    (void)state;
    ls_store *st;
    ls_conf *c = gconf();
    assert_int_equal(ls_store_mem_new(&st), LS_OK);
    assert_int_equal(ls_table_create_conf(st, "g", B, LS_CODEC_NONE, c), LS_OK);
    produce(st, "p", 0, 8, 4, c);                         /* 2 steps */
    ls_table *t, *u;
    assert_int_equal(ls_table_open(st, "g", c, &t), LS_OK);
    assert_int_equal(ls_table_open(st, "g", c, &u), LS_OK);
    produce(st, "p", 8, 12, 4, c);                        /* 5 steps, t still sees 2 */
    assert_int_equal(ls_table_checkpoint_register(t, "r0", 5), LS_OK);
    assert_int_equal(ls_table_checkpoint_register(t, "r0", 6), LS_ERR_INVALID);
    assert_non_null(strstr(ls_errmsg(), "beyond the 5 visible steps"));
    assert_int_equal(ls_table_checkpoint_register(t, "bad/name", 1), LS_ERR_INVALID);
    assert_int_equal(ls_table_checkpoint_register(NULL, "r0", 1), LS_ERR_INVALID);
    /* u never saw r0 nor steps 2..4: its registration conflicts, reads
     * forward and lands after t's. */
    assert_int_equal(ls_table_checkpoint_register(u, "r1", 4), LS_OK);
    assert_int_equal(ls_table_checkpoint_release(u, "r0"), LS_OK);
    assert_int_equal(ls_table_checkpoint_release(t, "never"), LS_ERR_NOT_FOUND);
    ls_table *v;
    assert_int_equal(ls_table_open(st, "g", c, &v), LS_OK);
    ls_checkpoint_info ci;
    assert_int_equal(ls_table_checkpoint_get(v, 0, &ci), LS_OK);
    assert_string_equal(ci.name, "r0");
    assert_int_equal(ci.step, 5);
    assert_false(ci.live);
    assert_int_equal(ls_table_checkpoint_get(v, 1, &ci), LS_OK);
    assert_string_equal(ci.name, "r1");
    assert_int_equal(ci.step, 4);
    assert_true(ci.live);
    ls_table_close(v);
    ls_table_close(u);
    ls_table_close(t);
    ls_conf_destroy(c);
    ls_store_close(st);
}

/* No live checkpoint: GC reclaims nothing.  Then a checkpoint at step 6:
 * steps >= 6 read identically (also at another world size), steps below
 * fail with LS_ERR_RECLAIMED, old log records and snapshots are gone, and
 * the state reloads the same with and without snapshots. */
static void test_gc_watermark(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("gc");
    ls_store *st;
    ls_conf *c = gconf();
    assert_int_equal(ls_store_posix_new(dir, 0, &st), LS_OK);
    assert_int_equal(ls_table_create_conf(st, "g", B, LS_CODEC_ZSTD, c), LS_OK);
    produce(st, "p", 0, 30, 5, c);
    produce(st, "q", 0, 30, 7, c);                        /* 60 samples, 15 steps */
    ls_bytes before = { 0 }, before2 = { 0 };
    assert_int_equal(read_range(st, 1, 6, 15, c, &before), LS_OK);
    assert_int_equal(read_range(st, 2, 6, 15, c, &before2), LS_OK);
    assert_memory_equal(before.data, before2.data, before.len);

    ls_gc_report g;
    size_t chunks0 = count_prefix(st, "g/data/", NULL);
    assert_int_equal(ls_table_gc(st, "g", 0, c, &g), LS_OK);
    assert_int_equal(g.low_watermark_step, 0);
    assert_int_equal(g.chunks_deleted + g.orphans_deleted, 0);
    assert_int_equal(count_prefix(st, "g/data/", NULL), chunks0);

    /* A consumer opened now keeps its (soon stale) state across the GC. */
    ls_consumer *stale;
    assert_int_equal(ls_consumer_open(st, "g", 0, 1, c, &stale), LS_OK);
    assert_int_equal(ls_checkpoint_register(st, "g", "ck", 6, c), LS_OK);
    assert_int_equal(ls_table_gc(st, "g", 0, c, &g), LS_OK);
    assert_int_equal(g.low_watermark_step, 6);
    assert_true(g.chunks_deleted > 0);
    assert_true(g.chunk_bytes_deleted > 0);
    assert_true(g.records_deleted > 0);
    assert_true(count_prefix(st, "g/data/", NULL) < chunks0);

    ls_bytes after = { 0 }, after4 = { 0 };
    assert_int_equal(read_range(st, 1, 6, 15, c, &after), LS_OK);
    assert_int_equal(read_range(st, 4, 6, 15, c, &after4), LS_OK);
    assert_int_equal(after.len, before.len);
    assert_memory_equal(after.data, before.data, before.len);
    assert_memory_equal(after4.data, before.data, before.len);
    ls_bytes junk = { 0 };
    assert_int_equal(read_range(st, 1, 5, 6, c, &junk), LS_ERR_RECLAIMED);
    assert_non_null(strstr(ls_errmsg(), "reclaimed"));
    assert_int_equal(junk.len, 0);
    /* The stale consumer: step 0's chunks are gone; it must say reclaimed. */
    ls_batch *b = NULL;
    assert_int_equal(ls_consumer_read_step(stale, 0, 1000, &b), LS_ERR_RECLAIMED);
    assert_null(b);
    assert_int_equal(ls_consumer_read_step(stale, 14, 1000, &b), LS_OK);
    ls_batch_destroy(b);
    ls_consumer_close(stale);

    /* Same state with and without snapshots (the latter starts from the
     * oldest retained snapshot: version 1 is gone). */
    assert_int_equal(ls_store_head(st, "g/_log/00000000000000000001", &(uint64_t){ 0 }),
                     LS_ERR_NOT_FOUND);
    ls_conf *nos = ls_conf_dup(c);
    assert_int_equal(ls_conf_set(nos, "table.use.snapshots", "false"), LS_OK);
    ls_table *a, *z;
    assert_int_equal(ls_table_open(st, "g", c, &a), LS_OK);
    assert_int_equal(ls_table_open(st, "g", nos, &z), LS_OK);
    assert_int_equal(a->state.version, z->state.version);
    assert_int_equal(a->state.total_samples, 60);
    assert_int_equal(z->state.total_samples, 60);
    assert_int_equal(a->state.low_watermark_step, 6);
    assert_int_equal(z->state.low_watermark_step, 6);
    assert_int_equal(a->state.ncommits, z->state.ncommits);
    assert_memory_equal(a->state.commits, z->state.commits,
                        a->state.ncommits * sizeof(ls_commit_ent));
    /* Only commits holding steps >= 6 are retained. */
    assert_true(a->state.commits[0].first_sample + a->state.commits[0].count > 6 * B);
    ls_table_close(a);
    ls_table_close(z);
    /* A second GC with nothing new reclaims no chunk. */
    assert_int_equal(ls_table_gc(st, "g", 0, c, &g), LS_OK);
    assert_int_equal(g.chunks_deleted + g.orphans_deleted, 0);
    /* Registering below the watermark is refused. */
    assert_int_equal(ls_checkpoint_register(st, "g", "old", 2, c), LS_ERR_RECLAIMED);

    ls_bytes_free(&before);
    ls_bytes_free(&before2);
    ls_bytes_free(&after);
    ls_bytes_free(&after4);
    ls_conf_destroy(nos);
    ls_conf_destroy(c);
    ls_store_close(st);
    lt_rm_rf(dir);
    free(dir);
}

static void test_keep_last(void **state)
{
    (void)state;
    ls_store *st;
    ls_conf *c = gconf();
    assert_int_equal(ls_store_mem_new(&st), LS_OK);
    assert_int_equal(ls_table_create_conf(st, "g", B, LS_CODEC_NONE, c), LS_OK);
    produce(st, "p", 0, 40, 4, c);
    assert_int_equal(ls_checkpoint_register(st, "g", "c1", 2, c), LS_OK);
    assert_int_equal(ls_checkpoint_register(st, "g", "c2", 5, c), LS_OK);
    assert_int_equal(ls_checkpoint_register(st, "g", "c3", 8, c), LS_OK);
    ls_gc_report g;
    assert_int_equal(ls_table_gc(st, "g", 2, c, &g), LS_OK);
    assert_int_equal(g.checkpoints_released, 1);
    assert_int_equal(g.low_watermark_step, 5);
    ls_table *t;
    assert_int_equal(ls_table_open(st, "g", c, &t), LS_OK);
    ls_checkpoint_info ci;
    assert_int_equal(ls_table_checkpoint_get(t, 0, &ci), LS_OK);
    assert_string_equal(ci.name, "c1");
    assert_false(ci.live);
    ls_table_close(t);
    ls_conf_destroy(c);
    ls_store_close(st);
}

/* Orphans: chunks of a failed commit of a fenced incarnation go; chunks
 * that may still be in flight stay. */
static void test_orphans(void **state)
{
    (void)state;
    ls_store *mem, *st;
    ls_conf *c = gconf();
    assert_int_equal(ls_store_mem_new(&mem), LS_OK);
    assert_int_equal(ls_table_create_conf(mem, "g", B, LS_CODEC_NONE, c), LS_OK);
    assert_int_equal(ls_store_fault_new(mem, NULL, &st), LS_OK);
    ls_producer *old;
    assert_int_equal(ls_producer_open(st, "g", "p", c, &old), LS_OK);
    for (int i = 0; i < 9; i++)
        assert_int_equal(ls_producer_append(old, "x", 1, NULL), LS_OK);
    ls_fault_opts fo = { .op_mask = LS_FAULT_OP_PUT_IF_ABSENT, .fail_at = 1,
                         .fail_persist = 1 };
    assert_int_equal(ls_store_fault_set(st, &fo), LS_OK);
    assert_int_equal(ls_producer_flush(old), LS_ERR_IO);   /* 3 chunks written, no commit */
    assert_int_equal(ls_store_fault_set(st, NULL), LS_OK);
    assert_int_equal(count_prefix(mem, "g/data/", NULL), 3);

    /* In flight (current epoch, seq > last_seq): GC must keep them. */
    ls_gc_report g;
    assert_int_equal(ls_table_gc(mem, "g", 0, c, &g), LS_OK);
    assert_int_equal(g.orphans_deleted, 0);
    assert_int_equal(count_prefix(mem, "g/data/", NULL), 3);

    /* A new incarnation fences the old one: its chunks are orphans now. */
    produce(mem, "p", 0, 8, 4, c);
    size_t live = count_prefix(mem, "g/data/", NULL) - 3;
    assert_int_equal(ls_table_gc(mem, "g", 0, c, &g), LS_OK);
    assert_int_equal(g.orphans_deleted, 3);
    assert_true(g.orphan_bytes_deleted > 0);
    assert_int_equal(count_prefix(mem, "g/data/", NULL), live);
    assert_int_equal(ls_producer_flush(old), LS_ERR_FENCED);
    ls_producer_close(old);
    ls_bytes all = { 0 };
    assert_int_equal(read_range(mem, 1, 0, 2, c, &all), LS_OK);   /* still complete */
    ls_bytes_free(&all);
    ls_conf_destroy(c);
    ls_store_close(st);
}

/* A producer whose state went stale while GC deleted the log records
 * right after it must not write into a reclaimed slot: its commit must
 * land at the head, visible to everyone. */
static void test_stale_writer_after_gc(void **state)
{
    (void)state;
    ls_store *st;
    ls_conf *c = gconf();
    assert_int_equal(ls_store_mem_new(&st), LS_OK);
    assert_int_equal(ls_table_create_conf(st, "g", 1, LS_CODEC_NONE, c), LS_OK);
    ls_producer *slow;
    assert_int_equal(ls_producer_open(st, "g", "slow", c, &slow), LS_OK);   /* version 1 */
    produce(st, "fast", 0, 20, 1, c);                     /* versions 2..21 */
    assert_int_equal(ls_checkpoint_register(st, "g", "ck", 20, c), LS_OK);
    ls_gc_report g;
    assert_int_equal(ls_table_gc(st, "g", 0, c, &g), LS_OK);
    assert_true(g.records_deleted >= 15);
    assert_int_equal(ls_store_head(st, "g/_log/00000000000000000002", &(uint64_t){ 0 }),
                     LS_ERR_NOT_FOUND);
    assert_int_equal(ls_producer_append(slow, "late", 4, NULL), LS_OK);
    assert_int_equal(ls_producer_flush(slow), LS_OK);
    ls_table *t;
    assert_int_equal(ls_table_open(st, "g", c, &t), LS_OK);
    assert_int_equal(t->state.total_samples, 21);
    /* Nothing was written below the head: version 2 is still absent. */
    assert_int_equal(ls_store_head(st, "g/_log/00000000000000000002", &(uint64_t){ 0 }),
                     LS_ERR_NOT_FOUND);
    ls_table_close(t);
    ls_bytes last = { 0 };
    assert_int_equal(read_range(st, 1, 20, 21, c, &last), LS_OK);
    assert_int_equal(last.len, 5);
    assert_memory_equal(last.data, "late\n", 5);
    ls_bytes_free(&last);
    ls_producer_close(slow);
    ls_conf_destroy(c);
    ls_store_close(st);
}

int main(void)
{
    lt_seed();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checkpoint_rules),
        cmocka_unit_test(test_checkpoint_on_handle),
        cmocka_unit_test(test_gc_watermark),
        cmocka_unit_test(test_keep_last),
        cmocka_unit_test(test_orphans),
        cmocka_unit_test(test_stale_writer_after_gc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
