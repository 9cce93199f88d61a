/*
 * test_log_tail.c -- the tail of a commit record (core/log_tail.c,
 * docs/protocol.md "The tail"): producers committing in turn catch up
 * with a bounded number of requests per commit, however many producers
 * there are (where the record-by-record path pays one GET per record
 * missed); a handle far behind hops down tails; every path reaches the
 * state a replay from version 1 reaches, byte for byte; a damaged tail is
 * not used; faults at every call of a jump leave the state right.
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

#define PMAX 12

static ls_conf *xconf(void)
{
    ls_conf *c = ls_conf_new();
    assert_int_equal(ls_conf_set(c, "producer.commit.policy", "manual"), LS_OK);
    assert_int_equal(ls_conf_set(c, "producer.index.publish", "sync"), LS_OK);
    return c;
}

static void append_some(ls_producer *p, int n, uint64_t seed)
{
    uint8_t buf[300];
    for (int j = 0; j < n; j++) {
        size_t len = 40 + (size_t)((seed + (uint64_t)j) * 37 % 250);
        lt_fill(buf, len, seed + (uint64_t)j, 0);
        assert_int_equal(ls_producer_append(p, buf, len, NULL), LS_OK);
    }
}

/* P producers, each on its own counting view of st, commit `rounds`
 * times in turn; *reads_per_commit = the GETs, HEADs and LISTs of a
 * commit after the first two rounds, averaged over producers. */
static void run_round_robin(ls_store *st, int P, int rounds, unsigned caps,
                            double *reads_per_commit)
{
    ls_conf *c = xconf();
    ls_producer *p[PMAX];
    ls_store *view[PMAX];
    uint64_t before[PMAX];
    for (int i = 0; i < P; i++) {
        char id[16];
        snprintf(id, sizeof(id), "p%d", i);
        view[i] = lt_counting_new(st, caps);
        assert_int_equal(ls_producer_open(view[i], "x", id, c, &p[i]), LS_OK);
    }
    uint64_t seed = lt_seed();
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < P; i++) {
            if (r == 2) {
                lt_counts *n = lt_counting(view[i]);
                before[i] = n->get + n->head + n->list;
            }
            append_some(p[i], 1 + (r + i) % 3, seed + (uint64_t)(r * PMAX + i) * 8);
            assert_int_equal(ls_producer_flush(p[i]), LS_OK);
        }
    }
    uint64_t reads = 0;
    for (int i = 0; i < P; i++) {
        lt_counts *n = lt_counting(view[i]);
        reads += n->get + n->head + n->list - before[i];
        ls_producer_close(p[i]);
        ls_store_close(view[i]);
    }
    *reads_per_commit = (double)reads / (double)(P * (rounds - 2));
    ls_conf_destroy(c);
}

/* The state a replay of every record from version 1, one by one, gives,
 * encoded as a snapshot (deterministic bytes). */
static void replay_state(ls_store *st, ls_bytes *out)
{
    ls_conf *c = ls_conf_new();
    assert_int_equal(ls_conf_set(c, "table.use.snapshots", "false"), LS_OK);
    ls_store *plain = lt_counting_new(st, 0);
    ls_table *t;
    assert_int_equal(ls_table_open(plain, "x", c, &t), LS_OK);
    assert_int_equal(t->jumps, 0);
    assert_int_equal(ls_snapshot_encode(&t->state, out), LS_OK);
    ls_table_close(t);
    ls_store_close(plain);
    ls_conf_destroy(c);
}

static void assert_state_is(ls_table *t, const ls_bytes *want)
{
    ls_bytes got = { 0 };
    assert_int_equal(ls_snapshot_encode(&t->state, &got), LS_OK);
    assert_int_equal(got.len, want->len);
    assert_memory_equal(got.data, want->data, want->len);
    ls_bytes_free(&got);
}

static ls_store *new_table_on(ls_store *st)
{
    ls_conf *c = xconf();
    assert_int_equal(ls_table_create_conf(st, "x", 16, LS_CODEC_NONE, c), LS_OK);
    ls_conf_destroy(c);
    return st;
}

static ls_store *new_table(void)
{
    ls_store *st;
    assert_int_equal(ls_store_mem_new(&st), LS_OK);
    return new_table_on(st);
}

/* With tails, a commit's reads do not grow with the producers; without
 * (posix's path), they grow by one GET per producer. */
static void test_commit_reads_independent_of_P(void **state)
{
    (void)state;
    double with[2], without[2];
    int Ps[2] = { 3, 12 };
    for (int k = 0; k < 2; k++) {
        ls_store *st = new_table();
        run_round_robin(st, Ps[k], 10, LS_STORE_CAP_INDEXED_LIST, &with[k]);
        ls_bytes want = { 0 };
        replay_state(st, &want);
        ls_table *t;
        assert_int_equal(ls_table_open(st, "x", NULL, &t), LS_OK);
        assert_state_is(t, &want);
        ls_table_close(t);
        ls_bytes_free(&want);
        ls_store_close(st);

        st = new_table();
        run_round_robin(st, Ps[k], 10, 0, &without[k]);
        ls_store_close(st);
        print_message("P = %d: %.2f reads per commit with tails, %.2f without\n", Ps[k],
                      with[k], without[k]);
    }
    assert_true(with[1] <= 5.0);
    assert_true(with[1] <= with[0] + 0.5);
    assert_true(without[1] >= without[0] + 8.0);   /* 9 more producers */
}

/* A handle that fell far behind (tails shorter than its gap) hops down the
 * tails: fewer GETs than records, and the replay's state. */
static void test_far_behind_hops(void **state)
{
    (void)state;
    ls_store *st = new_table();
    double rpc;
    run_round_robin(st, 4, 3, LS_STORE_CAP_INDEXED_LIST, &rpc);
    ls_store *view = lt_counting_new(st, LS_STORE_CAP_INDEXED_LIST);
    ls_table *t;
    assert_int_equal(ls_table_open(view, "x", NULL, &t), LS_OK);
    uint64_t v0 = t->state.version;
    run_round_robin(st, 4, 60, LS_STORE_CAP_INDEXED_LIST, &rpc);
    lt_counts *n = lt_counting(view);
    uint64_t gets0 = n->get;
    t->contended = 1;
    assert_int_equal(ls_table_refresh(t), LS_OK);
    uint64_t gap = t->state.version - v0, gets = n->get - gets0;
    print_message("caught up %" PRIu64 " versions with %" PRIu64 " GETs, %" PRIu64
                  " jumps\n", gap, gets, t->jumps);
    assert_true(gap >= 240);
    assert_true(gets * 3 < gap);
    assert_int_equal(t->tail_rejects, 0);
    ls_bytes want = { 0 };
    replay_state(st, &want);
    assert_state_is(t, &want);
    ls_bytes_free(&want);
    ls_table_close(t);
    ls_store_close(view);
    ls_store_close(st);
}

/* Replace one copy in the head's tail by a record that differs (a sample
 * length): the copy no longer links, the jump is refused, and the records
 * themselves give the right state. */
static void test_damaged_tail_not_used(void **state)
{
    (void)state;
    ls_store *st = new_table();
    double rpc;
    run_round_robin(st, 5, 2, LS_STORE_CAP_INDEXED_LIST, &rpc);
    ls_table *t;
    assert_int_equal(ls_table_open(st, "x", NULL, &t), LS_OK);
    run_round_robin(st, 5, 3, LS_STORE_CAP_INDEXED_LIST, &rpc);

    ls_table *h;
    assert_int_equal(ls_table_open(st, "x", NULL, &h), LS_OK);
    uint64_t head = h->state.version;
    ls_table_close(h);
    char key[LS_KEY_BYTES_MAX + 1];
    assert_int_equal(ls_key_log(key, "x", head), LS_OK);
    uint8_t *buf;
    size_t len;
    assert_int_equal(ls_store_get(st, key, 0, LS_GET_TO_END, &buf, &len), LS_OK);
    ls_record r;
    assert_int_equal(ls_record_decode(buf, len, key, head, &r), LS_OK);
    free(buf);
    assert_true(r.ntail >= 2);
    uint32_t k = r.ntail - 2;
    ls_record copy;
    assert_int_equal(ls_record_decode(r.tail[k].bytes, r.tail[k].len, key,
                                      head - (r.ntail - k), &copy), LS_OK);
    assert_true(copy.nchunks >= 1);
    uint32_t lf = ls_get_u32le(copy.chunks[0].index);
    ls_put_u32le(copy.chunks[0].index, lf + 1);   /* one byte longer */
    ls_bytes enc = { 0 };
    assert_int_equal(ls_record_encode_tail(&copy, NULL, 0, &enc), LS_OK);
    free(r.tail[k].bytes);
    r.tail[k].bytes = enc.data;
    r.tail[k].len = enc.len;
    ls_record_clear(&copy);
    ls_bytes out = { 0 };
    assert_int_equal(ls_record_encode(&r, &out), LS_OK);
    assert_int_equal(ls_store_put(st, key, out.data, out.len), LS_OK);
    ls_bytes_free(&out);
    ls_record_clear(&r);

    t->contended = 1;
    assert_int_equal(ls_table_refresh(t), LS_OK);
    assert_int_equal(t->state.version, head);
    assert_true(t->tail_rejects >= 1);
    ls_bytes want = { 0 };
    replay_state(st, &want);
    assert_state_is(t, &want);
    ls_bytes_free(&want);
    ls_table_close(t);
    ls_store_close(st);
}

/* A handle behind by a few dozen versions refreshes with each call of the
 * jump failing in turn (an error without effect, then a lost reply): the
 * refresh fails or succeeds, and the next one, without faults, reaches the
 * replay's state. */
static void test_faults_at_every_call(void **state)
{
    (void)state;
    enum { HANDLES = 40, MODES = 3 };
    ls_store *st = new_table();
    double rpc;
    run_round_robin(st, 4, 2, LS_STORE_CAP_INDEXED_LIST, &rpc);
    ls_store *fault;    /* owns its inner store, the counting view */
    assert_int_equal(ls_store_fault_new(lt_counting_new(st, LS_STORE_CAP_INDEXED_LIST), NULL,
                                        &fault), LS_OK);
    ls_table *t[MODES * HANDLES];
    for (int i = 0; i < MODES * HANDLES; i++)
        assert_int_equal(ls_table_open(fault, "x", NULL, &t[i]), LS_OK);
    run_round_robin(st, 4, 10, LS_STORE_CAP_INDEXED_LIST, &rpc);
    ls_bytes want = { 0 };
    replay_state(st, &want);
    int covered = 0, failed = 0;
    for (int i = 0; i < MODES * HANDLES; i++) {
        ls_fault_opts o = { 0 };
        uint64_t at = (uint64_t)(i / MODES + 1);
        if (i % MODES == 0)
            o.fail_at = at;
        else if (i % MODES == 1)
            o.lost_reply_at = at;
        else
            o.fail_at = at, o.fail_persist = 1;
        assert_int_equal(ls_store_fault_set(fault, &o), LS_OK);
        t[i]->contended = 1;
        int rc = ls_table_refresh(t[i]);
        assert_true(rc == LS_OK || ls_err_is_retriable(rc));
        failed += rc != LS_OK;
        if (ls_store_fault_injected(fault) == 0)
            covered = 1;    /* past the refresh's last call */
        assert_int_equal(ls_store_fault_set(fault, NULL), LS_OK);
        assert_int_equal(ls_table_refresh(t[i]), LS_OK);
        assert_state_is(t[i], &want);
        ls_table_close(t[i]);
    }
    print_message("%d of %d refreshes failed under a fault\n", failed, MODES * HANDLES);
    assert_true(covered);
    assert_true(failed > 0);
    ls_bytes_free(&want);
    ls_store_close(fault);
    ls_store_close(st);
}

/* The same producers on a real store: S3 lists (one request) and takes
 * tails, posix reads record by record; both reach the replay's state. */
static void on_store(ls_store *st, int expect_jumps)
{
    new_table_on(st);
    double rpc;
    run_round_robin(st, 6, 6, st->caps, &rpc);
    print_message("%s: %.2f reads per commit, P = 6\n", st->name, rpc);
    ls_bytes want = { 0 };
    replay_state(st, &want);
    ls_table *t;
    ls_conf *c = ls_conf_new();
    assert_int_equal(ls_conf_set(c, "table.use.snapshots", "false"), LS_OK);
    assert_int_equal(ls_table_open(st, "x", c, &t), LS_OK);
    assert_state_is(t, &want);
    assert_true(expect_jumps ? t->jumps > 0 : t->jumps == 0);
    assert_true(expect_jumps ? rpc <= 5.0 : rpc >= 6.0);
    ls_table_close(t);
    ls_conf_destroy(c);
    ls_bytes_free(&want);
}

static void test_posix(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("tail");
    ls_store *st;
    assert_int_equal(ls_store_posix_new(dir, 0, &st), LS_OK);
    on_store(st, 0);
    ls_store_close(st);
    lt_rm_rf(dir);
    free(dir);
}

static void test_s3(void **state)
{
    (void)state;
    const char *base = getenv("LS_TEST_S3_URI");
    if (!base || !*base)
        fail_msg("LS_TEST_S3_REQUIRED=1 but LS_TEST_S3_URI is not set");
    char uri[512];
    snprintf(uri, sizeof(uri), "%s%stail-%d", base, base[strlen(base) - 1] == '/' ? "" : "/",
             (int)getpid());
    ls_store *st;
    assert_int_equal(ls_store_open(uri, NULL, &st), LS_OK);
    on_store(st, 1);
    lt_store_clear(st);
    ls_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_reads_independent_of_P),
        cmocka_unit_test(test_far_behind_hops),
        cmocka_unit_test(test_damaged_tail_not_used),
        cmocka_unit_test(test_faults_at_every_call),
        cmocka_unit_test(test_posix),
        cmocka_unit_test(test_s3),
    };
    const char *uri = getenv("LS_TEST_S3_URI"), *req = getenv("LS_TEST_S3_REQUIRED");
    int with_s3 = (uri && *uri) || (req && !strcmp(req, "1"));
    if (!with_s3)
        printf("test_log_tail: the s3 case not run (set LS_TEST_S3_URI=s3://bucket)\n");
    return _cmocka_run_group_tests("test_log_tail", tests, with_s3 ? 6 : 5, NULL, NULL);
}
