/*
 * test_stall.c -- acknowledged means durable, whatever pauses.
 *
 * A producer stalls with its head read and its put_if_absent not yet sent
 * (SIGSTOP, a VM freeze, a debugger), or inside that put.  Meanwhile
 * another producer commits, a checkpoint is registered and gc frees old
 * log slots -- among them the one the stalled producer is about to write.
 * Its put then succeeds into a freed slot, which no reader replays.  The
 * protocol must notice (reclaim marks, docs/protocol.md "Freed log
 * slots") and commit again at the head: every sample whose delivery
 * report said LS_OK is readable exactly once, and a reader whose state
 * predates the gc never hands out the freed slot's record.
 *
 * Two variants, as found: a table with log retention 0 and the stall
 * between refresh and put; a table with retention 3 s and a pause inside
 * the put longer than that.  The stall is the fault store's callback
 * before the stalled producer's third put_if_absent.
 *
 * Runs on posix, and on s3 too when LS_TEST_S3_URI names a bucket on a
 * real S3 server (tests/test_store.c explains LS_TEST_S3_REQUIRED).
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ls_int.h"
#include "testutil.h"

#define B 4
#define A_FIRST 8       /* samples the stalled producer commits before */
#define A_AFTER 8       /* ... and in the commit that stalls */
#define B_SAMPLES 40
#define CKPT_STEP 4

typedef struct scene {
    ls_store *inner;        /* shared by everyone but the stalled producer */
    ls_conf  *conf;
    int64_t   retention_ms;
    ls_consumer *stale;     /* opened before the stall */
    int       stalled;
} scene;

static int acked[A_AFTER], acked_first;

static void on_delivery(void *msg_opaque, int err, void *opaque)
{
    (void)opaque;
    intptr_t i = (intptr_t)msg_opaque;
    if (err != LS_OK)
        return;
    if (i < A_FIRST)
        acked_first++;
    else
        acked[i - A_FIRST]++;
}

static ls_conf *conf_new(void)
{
    ls_conf *c = ls_conf_new();
    assert_int_equal(ls_conf_set(c, "store.fsync", "false"), LS_OK);
    assert_int_equal(ls_conf_set(c, "producer.commit.policy", "manual"), LS_OK);
    assert_int_equal(ls_conf_set(c, "consumer.prefetch.steps", "0"), LS_OK);
    /* the stall is placed by counting put_if_absent calls: the index puts
     * in the commit, in order */
    assert_int_equal(ls_conf_set(c, "producer.index.publish", "sync"), LS_OK);
    return c;
}

/* What happens while the producer is stopped. */
static void the_stall(void *arg)
{
    scene *sc = arg;
    sc->stalled = 1;
    ls_producer *p;
    assert_int_equal(ls_producer_open(sc->inner, "t", "other", sc->conf, &p), LS_OK);
    for (int i = 0; i < B_SAMPLES; i++) {
        char s[32];
        int n = snprintf(s, sizeof(s), "other-%d", i);
        assert_int_equal(ls_producer_append(p, s, (size_t)n, NULL), LS_OK);
        if (i % 4 == 3)
            assert_int_equal(ls_producer_flush(p), LS_OK);
    }
    ls_producer_close(p);
    assert_int_equal(ls_checkpoint_register(sc->inner, "t", "ck", CKPT_STEP, sc->conf), LS_OK);
    if (sc->retention_ms)   /* the pause outlasts the table's retention */
        ls_sleep_ms((unsigned)sc->retention_ms + 300);
    ls_gc_report g;
    assert_int_equal(ls_table_gc(sc->inner, "t", 0, sc->conf, &g), LS_OK);
    assert_int_equal(g.low_watermark_step, CKPT_STEP);
    assert_true(g.records_deleted > 0);
    /* The slot the stalled producer will write is free again. */
    uint64_t size;
    assert_int_equal(ls_store_head(sc->inner, "t/_log/00000000000000000003", &size),
                     LS_ERR_NOT_FOUND);
}

/* Every sample of steps [CKPT_STEP, visible) read by a fresh consumer of
 * world size w: count how often each acknowledged sample appears. */
static void check_readable(ls_store *st, const ls_conf *c, uint32_t w, ls_bytes *all)
{
    ls_table *t;
    assert_int_equal(ls_table_open(st, "t", c, &t), LS_OK);
    uint64_t steps = t->state.total_samples / B;
    assert_true(steps >= (B_SAMPLES + A_AFTER) / B - 1);
    ls_table_close(t);
    int seen_a[A_AFTER] = { 0 }, seen_other[B_SAMPLES] = { 0 };
    all->len = 0;
    ls_consumer *cons[4];
    assert_true(w <= 4);
    for (uint32_t r = 0; r < w; r++)
        assert_int_equal(ls_consumer_open(st, "t", r, w, c, &cons[r]), LS_OK);
    for (uint64_t s = CKPT_STEP; s < steps; s++) {
        for (uint32_t r = 0; r < w; r++) {      /* step by step: the global order */
            ls_batch *b;
            int rc = ls_consumer_read_step(cons[r], s, 1000, &b);
            if (rc)
                fail_msg("step %" PRIu64 " rank %u/%u: %s", s, r, w, ls_errmsg());
            for (size_t i = 0; i < b->count; i++) {
                char s0[64] = "";
                memcpy(s0, b->samples[i], b->lens[i] < 63 ? b->lens[i] : 63);
                int k;
                if (sscanf(s0, "a-%d", &k) == 1 && k >= A_FIRST && k < A_FIRST + A_AFTER)
                    seen_a[k - A_FIRST]++;
                else if (sscanf(s0, "other-%d", &k) == 1 && k >= 0 && k < B_SAMPLES)
                    seen_other[k]++;
                else
                    fail_msg("step %" PRIu64 ": unexpected sample \"%s\"", s, s0);
                assert_int_equal(ls_bytes_append(all, b->samples[i], b->lens[i]), LS_OK);
                assert_int_equal(ls_bytes_append(all, "\n", 1), LS_OK);
            }
            ls_batch_destroy(b);
        }
    }
    for (uint32_t r = 0; r < w; r++)
        ls_consumer_close(cons[r]);
    for (int i = 0; i < A_AFTER; i++) {
        if (acked[i] != 1)
            fail_msg("sample a-%d: %d delivery reports", A_FIRST + i, acked[i]);
        if (seen_a[i] != 1)
            fail_msg("acknowledged sample a-%d read %d times", A_FIRST + i, seen_a[i]);
    }
    for (int i = CKPT_STEP * B - A_FIRST; i < B_SAMPLES; i++)
        if (seen_other[i] != 1)
            fail_msg("sample other-%d read %d times", i, seen_other[i]);
}

static void run_scene(const char *uri, int64_t retention_ms)
{
    memset(acked, 0, sizeof(acked));
    acked_first = 0;
    scene sc = { .retention_ms = retention_ms };
    sc.conf = conf_new();
    assert_int_equal(ls_store_open(uri, sc.conf, &sc.inner), LS_OK);
    lt_store_clear(sc.inner);
    ls_conf *cc = ls_conf_dup(sc.conf);
    char r[32];
    snprintf(r, sizeof(r), "%" PRId64, retention_ms);
    assert_int_equal(ls_conf_set(cc, "table.log.retention.ms", r), LS_OK);
    assert_int_equal(ls_table_create_conf(sc.inner, "t", B, LS_CODEC_NONE, cc), LS_OK);

    /* The stalled producer's store counts its put_if_absents: #1 its epoch
     * bump, #2 its first commit, then the indexes of the A_FIRST / B steps
     * it completes (table format 2, only for B >= LS_STEP_INDEX_MIN_BATCH),
     * then the commit that stalls. */
    ls_store *fs;
    ls_fault_opts fo = { .seed = 1, .op_mask = LS_FAULT_OP_PUT_IF_ABSENT,
                         .crash_at = 3 + (B >= LS_STEP_INDEX_MIN_BATCH ? A_FIRST / B : 0),
                         .crash_cb = the_stall, .crash_arg = &sc };
    ls_store *mine;
    assert_int_equal(ls_store_open(uri, sc.conf, &mine), LS_OK);
    assert_int_equal(ls_store_fault_new(mine, &fo, &fs), LS_OK);
    ls_producer *a;
    assert_int_equal(ls_producer_open(fs, "t", "a", sc.conf, &a), LS_OK);
    ls_producer_set_delivery_cb(a, on_delivery, NULL);
    for (intptr_t i = 0; i < A_FIRST; i++) {
        char s[32];
        int n = snprintf(s, sizeof(s), "a-%d", (int)i);
        assert_int_equal(ls_producer_append(a, s, (size_t)n, (void *)i), LS_OK);
    }
    assert_int_equal(ls_producer_flush(a), LS_OK);
    assert_int_equal(acked_first, A_FIRST);
    /* A reader whose state predates everything that follows. */
    assert_int_equal(ls_consumer_open(sc.inner, "t", 0, 1, sc.conf, &sc.stale), LS_OK);
    ls_batch *b0;
    assert_int_equal(ls_consumer_read_step(sc.stale, 0, 1000, &b0), LS_OK);
    ls_batch_destroy(b0);
    for (intptr_t i = A_FIRST; i < A_FIRST + A_AFTER; i++) {
        char s[32];
        int n = snprintf(s, sizeof(s), "a-%d", (int)i);
        assert_int_equal(ls_producer_append(a, s, (size_t)n, (void *)i), LS_OK);
    }
    assert_int_equal(ls_producer_flush(a), LS_OK);   /* stalls, then lands */
    assert_true(sc.stalled);
    for (int i = 0; i < A_AFTER; i++)
        assert_int_equal(acked[i], 1);
    ls_producer_close(a);

    /* The stale reader: its refresh meets the record in the freed slot. */
    ls_bytes fresh = { 0 }, again = { 0 }, stale = { 0 };
    check_readable(sc.inner, sc.conf, 1, &fresh);
    check_readable(sc.inner, sc.conf, 2, &again);
    ls_table *t;
    assert_int_equal(ls_table_open(sc.inner, "t", sc.conf, &t), LS_OK);
    uint64_t steps = t->state.total_samples / B;
    ls_table_close(t);
    for (uint64_t s = CKPT_STEP; s < steps; s++) {
        ls_batch *b;
        int rc = ls_consumer_read_step(sc.stale, s, 1000, &b);
        if (rc)
            fail_msg("stale reader, step %" PRIu64 ": %s", s, ls_errmsg());
        for (size_t i = 0; i < b->count; i++) {
            assert_int_equal(ls_bytes_append(&stale, b->samples[i], b->lens[i]), LS_OK);
            assert_int_equal(ls_bytes_append(&stale, "\n", 1), LS_OK);
        }
        ls_batch_destroy(b);
    }
    assert_int_equal(stale.len, fresh.len);
    assert_memory_equal(stale.data, fresh.data, fresh.len);
    assert_int_equal(again.len, fresh.len);
    assert_memory_equal(again.data, fresh.data, fresh.len);
    ls_consumer_close(sc.stale);

    /* The next gc reclaims the freed slot's record; nothing changes. */
    if (retention_ms)
        ls_sleep_ms((unsigned)retention_ms + 300);
    ls_gc_report g;
    assert_int_equal(ls_table_gc(sc.inner, "t", 0, sc.conf, &g), LS_OK);
    check_readable(sc.inner, sc.conf, 4, &again);
    assert_int_equal(again.len, fresh.len);
    assert_memory_equal(again.data, fresh.data, fresh.len);

    ls_bytes_free(&fresh);
    ls_bytes_free(&again);
    ls_bytes_free(&stale);
    ls_store_close(fs);
    if (!strncmp(uri, "s3://", 5))
        lt_store_clear(sc.inner);   /* posix: the directory goes with the test */
    ls_store_close(sc.inner);
    ls_conf_destroy(cc);
    ls_conf_destroy(sc.conf);
}

/* ---- a live record hidden by a snapshot ---------------------------------
 *
 * The other side of the check: a producer's epoch bump lands in a live
 * slot, but before it checks the reclaim marks, gc has snapshotted past
 * it and deleted it (retention 0).  The marks cannot tell, so the producer
 * reloads from the snapshot, which no longer holds the record: it must
 * still know the bump is its own (the snapshot keeps each producer's last
 * commit id) rather than call itself fenced by its own epoch. */

static ls_store *hook_inner;
static void (*hook_cb)(void);
static int hk_put(ls_store *st, const char *k, const void *b, size_t n)
{ (void)st; return hook_inner->put(hook_inner, k, b, n); }
static int hk_pia(ls_store *st, const char *k, const void *b, size_t n)
{ (void)st; return hook_inner->put_if_absent(hook_inner, k, b, n); }
static int hk_get(ls_store *st, const char *k, uint64_t off, uint64_t len, uint8_t **o,
                  size_t *ol)
{ (void)st; return hook_inner->get(hook_inner, k, off, len, o, ol); }
static int hk_head(ls_store *st, const char *k, uint64_t *sz)
{
    (void)st;
    if (hook_cb && strstr(k, "/_reclaim/seg-")) {   /* the check after the put */
        void (*cb)(void) = hook_cb;
        hook_cb = NULL;
        cb();
    }
    return hook_inner->head(hook_inner, k, sz);
}
static int hk_list(ls_store *st, const char *p, const char *a, size_t m, ls_keylist *o)
{ (void)st; return hook_inner->list(hook_inner, p, a, m, o); }
static int hk_del(ls_store *st, const char *k) { (void)st; return hook_inner->del(hook_inner, k); }
static void hk_close(ls_store *st) { (void)st; }

static ls_conf *hidden_conf;
static void gc_past_the_bump(void)
{
    ls_producer *p;
    assert_int_equal(ls_producer_open(hook_inner, "t", "other", hidden_conf, &p), LS_OK);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(ls_producer_append(p, "x", 1, NULL), LS_OK);
        assert_int_equal(ls_producer_flush(p), LS_OK);
    }
    ls_producer_close(p);
    assert_int_equal(ls_checkpoint_register(hook_inner, "t", "ck", 1, hidden_conf), LS_OK);
    ls_gc_report g;
    assert_int_equal(ls_table_gc(hook_inner, "t", 0, hidden_conf, &g), LS_OK);
    assert_true(g.records_deleted > 0);
}

static void test_live_record_hidden_by_snapshot(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("stall");
    hidden_conf = conf_new();
    ls_conf *cc = ls_conf_dup(hidden_conf);
    assert_int_equal(ls_conf_set(cc, "table.log.retention.ms", "0"), LS_OK);
    assert_int_equal(ls_store_open(dir, hidden_conf, &hook_inner), LS_OK);
    assert_int_equal(ls_table_create_conf(hook_inner, "t", B, LS_CODEC_NONE, cc), LS_OK);
    ls_producer *a;
    /* A first incarnation, so that gc can reclaim its records too. */
    assert_int_equal(ls_producer_open(hook_inner, "t", "a", hidden_conf, &a), LS_OK);
    assert_int_equal(ls_producer_append(a, "a-0", 3, NULL), LS_OK);
    assert_int_equal(ls_producer_flush(a), LS_OK);
    ls_producer_close(a);
    ls_store hook = { .name = "hook", .put = hk_put, .put_if_absent = hk_pia, .get = hk_get,
                      .head = hk_head, .list = hk_list, .del = hk_del, .close = hk_close };
    hook_cb = gc_past_the_bump;
    assert_int_equal(ls_producer_open(&hook, "t", "a", hidden_conf, &a), LS_OK);
    assert_null(hook_cb);   /* the hook ran */
    ls_producer_info pi;
    ls_table *t;
    assert_int_equal(ls_table_open(hook_inner, "t", hidden_conf, &t), LS_OK);
    size_t i = 0;
    while (ls_table_producer_get(t, i, &pi) == LS_OK && strcmp(pi.id, "a"))
        i++;
    assert_int_equal(pi.epoch, 2);      /* one bump: the one that was live */
    ls_table_close(t);
    assert_int_equal(ls_producer_append(a, "a-1", 3, NULL), LS_OK);
    assert_int_equal(ls_producer_flush(a), LS_OK);
    ls_producer_close(a);
    ls_store_close(hook_inner);
    ls_conf_destroy(cc);
    ls_conf_destroy(hidden_conf);
    lt_rm_rf(dir);
    free(dir);
}

static char *s3_uri(const char *tag)
{
    const char *base = getenv("LS_TEST_S3_URI");
    if (!base || !*base)
        fail_msg("LS_TEST_S3_REQUIRED=1 but LS_TEST_S3_URI is not set");
    char *u = malloc(strlen(base) + 64);
    assert_non_null(u);
    sprintf(u, "%s%sstall-%s-%d", base, base[strlen(base) - 1] == '/' ? "" : "/", tag,
            (int)getpid());
    return u;
}

static void test_stall_before_put_posix(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("stall");
    run_scene(dir, 0);
    lt_rm_rf(dir);
    free(dir);
}

static void test_pause_in_put_posix(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("stall");
    run_scene(dir, 3000);
    lt_rm_rf(dir);
    free(dir);
}

static void test_stall_before_put_s3(void **state)
{
    (void)state;
    char *u = s3_uri("before");
    run_scene(u, 0);
    free(u);
}

static void test_pause_in_put_s3(void **state)
{
    (void)state;
    char *u = s3_uri("inside");
    run_scene(u, 3000);
    free(u);
}

int main(void)
{
    lt_seed();
    const char *uri = getenv("LS_TEST_S3_URI"), *req = getenv("LS_TEST_S3_REQUIRED");
    int with_s3 = (uri && *uri) || (req && !strcmp(req, "1"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stall_before_put_posix),
        cmocka_unit_test(test_pause_in_put_posix),
        cmocka_unit_test(test_live_record_hidden_by_snapshot),
        cmocka_unit_test(test_stall_before_put_s3),
        cmocka_unit_test(test_pause_in_put_s3),
    };
    if (!with_s3)
        printf("test_stall: s3 cases not run (set LS_TEST_S3_URI=s3://bucket)\n");
    return _cmocka_run_group_tests("test_stall", tests, with_s3 ? 5 : 3, NULL, NULL);
}
