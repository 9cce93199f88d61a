/*
 * test_tgb.c -- Transactional Global Batch invariants with 4 producer
 * processes committing concurrently to one posix table while reader
 * processes at W = 1, 2, 4, 8 follow the steps as they become visible:
 *   - every committed sample is in exactly one step and one rank slice;
 *   - ranks agree on each step (the slices of W ranks concatenate to the
 *     step read at W = 1);
 *   - steps read during production, after it, and by a restarted reader
 *     are byte-identical;
 *   - per-producer order is kept;
 *   - the world size may change between steps.
 * Each reader process writes what it read to a file; the parent compares.
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
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "ls_int.h"
#include "testutil.h"

#define NPROD 4
#define PER_PROD 1500
#define B 48
#define NSTEPS (NPROD * PER_PROD / B)   /* 125 */

static char *dir;        /* local: the readers' output files (and the posix store) */
static char *store_uri;  /* the store: dir, or a fresh prefix under $LS_TEST_S3_URI */

static ls_conf *conf_for(int prefetch)
{
    ls_conf *c = ls_conf_new();
    ls_conf_set(c, "store.fsync", "false");
    ls_conf_set(c, "producer.chunk.samples.max", "5");
    ls_conf_set(c, "producer.commit.interval.ms", "1");
    ls_conf_set(c, "table.snapshot.interval", "10");
    ls_conf_set(c, "consumer.prefetch.steps", prefetch ? "3" : "0");
    /* 27 consumers polling a local radosgw every 5 ms would swamp it. */
    ls_conf_set(c, "consumer.poll.interval.ms.max",
                store_uri && !strncmp(store_uri, "s3://", 5) ? "100" : "5");
    return c;
}

static int open_store(ls_store **st)
{
    ls_conf *c = conf_for(0);
    int rc = ls_store_open(store_uri, c, st);
    ls_conf_destroy(c);
    return rc;
}

static void child_producer(int pi)
{
    ls_store *st;
    ls_conf *c = conf_for(0);
    if (open_store(&st))
        _exit(10);
    ls_producer *p;
    char id[16];
    snprintf(id, sizeof(id), "prod%d", pi);
    if (ls_producer_open(st, "tgb", id, c, &p)) {
        fprintf(stderr, "producer %d: open: %s\n", pi, ls_errmsg());
        _exit(11);
    }
    uint64_t rng = (uint64_t)pi * 1000003u + lt_seed();
    for (int i = 0; i < PER_PROD; i++) {
        char buf[128];
        int len = snprintf(buf, sizeof(buf), "prod%d:%05d:", pi, i);
        size_t extra = (size_t)(ls_splitmix64(&rng) % 60);
        lt_fill(buf + len, extra, (uint64_t)(pi * 100000 + i), 1);
        if (ls_producer_append(p, buf, (size_t)len + extra, NULL)) {
            fprintf(stderr, "producer %d: append: %s\n", pi, ls_errmsg());
            _exit(12);
        }
        if (ls_splitmix64(&rng) % 50 == 0 && ls_producer_flush(p)) {
            fprintf(stderr, "producer %d: flush: %s\n", pi, ls_errmsg());
            _exit(13);
        }
    }
    if (ls_producer_flush(p)) {
        fprintf(stderr, "producer %d: final flush: %s\n", pi, ls_errmsg());
        _exit(14);
    }
    ls_producer_close(p);
    ls_store_close(st);
    ls_conf_destroy(c);
    _exit(0);
}

/* Reader: steps [s0, s1) at world size w1, then [s1, s2) at w2; every
 * step written as its ranks' slices in rank order, length-prefixed. */
static void child_reader(const char *out, uint32_t w1, uint32_t w2, uint64_t s0, uint64_t s1,
                         uint64_t s2, int prefetch)
{
    ls_store *st;
    ls_conf *c = conf_for(prefetch);
    if (open_store(&st))
        _exit(20);
    FILE *f = fopen(out, "wb");
    if (!f)
        _exit(21);
    for (int phase = 0; phase < 2; phase++) {
        uint32_t w = phase ? w2 : w1;
        uint64_t a = phase ? s1 : s0, b = phase ? s2 : s1;
        ls_consumer *cs[8];
        for (uint32_t r = 0; r < w; r++)
            if (ls_consumer_open(st, "tgb", r, w, c, &cs[r])) {
                fprintf(stderr, "reader: open: %s\n", ls_errmsg());
                _exit(22);
            }
        for (uint64_t s = a; s < b; s++) {
            for (uint32_t r = 0; r < w; r++) {
                ls_batch *bt;
                if (ls_consumer_read_step(cs[r], s, 60000, &bt)) {
                    fprintf(stderr, "reader w=%u: step %" PRIu64 ": %s\n", w, s, ls_errmsg());
                    _exit(23);
                }
                if (bt->count != B / w || bt->first_sample != s * B + r * (B / w))
                    _exit(24);
                for (size_t i = 0; i < bt->count; i++) {
                    uint32_t len = (uint32_t)bt->lens[i];
                    fwrite(&len, 4, 1, f);
                    fwrite(bt->samples[i], 1, len, f);
                }
                ls_batch_destroy(bt);
            }
        }
        for (uint32_t r = 0; r < w; r++)
            ls_consumer_close(cs[r]);
    }
    if (fclose(f))
        _exit(25);
    ls_store_close(st);
    ls_conf_destroy(c);
    _exit(0);
}

static pid_t spawn_reader(const char *out, uint32_t w1, uint32_t w2, uint64_t s0, uint64_t s1,
                          uint64_t s2, int prefetch)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        child_reader(out, w1, w2, s0, s1, s2, prefetch);
    return pid;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void tgb_invariants(void)
{
    ls_store *st;
    if (open_store(&st))
        fail_msg("open %s: %s", store_uri, ls_errmsg());
    assert_int_equal(ls_table_create(st, "tgb", B, LS_CODEC_ZSTD), LS_OK);

    /* Readers start before the producers: they wait for each step. */
    char paths[6][512];
    const uint32_t ws[4] = { 1, 2, 4, 8 };
    pid_t readers[6];
    for (int i = 0; i < 4; i++) {
        snprintf(paths[i], sizeof(paths[i]), "%s/read-w%u.bin", dir, ws[i]);
        readers[i] = spawn_reader(paths[i], ws[i], ws[i], 0, NSTEPS / 2, NSTEPS, i % 2);
    }
    /* World size changes at step 40: 8 ranks, then 2. */
    snprintf(paths[4], sizeof(paths[4]), "%s/read-w8-w2.bin", dir);
    readers[4] = spawn_reader(paths[4], 8, 2, 0, 40, NSTEPS, 1);

    pid_t prods[NPROD];
    fflush(NULL);
    for (int pi = 0; pi < NPROD; pi++) {
        prods[pi] = fork();
        assert_true(prods[pi] >= 0);
        if (prods[pi] == 0)
            child_producer(pi);
    }
    for (int pi = 0; pi < NPROD; pi++) {
        int status;
        assert_int_equal(waitpid(prods[pi], &status, 0), prods[pi]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail_msg("producer %d failed (status %d)", pi, status);
    }
    /* A restarted reader after production, from step 0, at W = 4. */
    snprintf(paths[5], sizeof(paths[5]), "%s/reread-w4.bin", dir);
    readers[5] = spawn_reader(paths[5], 4, 4, 0, 60, NSTEPS, 0);
    for (int i = 0; i < 6; i++) {
        int status;
        assert_int_equal(waitpid(readers[i], &status, 0), readers[i]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail_msg("reader %d failed (status %d)", i, status);
    }

    /* Every reader saw the same bytes. */
    size_t len0;
    uint8_t *ref = slurp(paths[0], &len0);
    for (int i = 1; i < 6; i++) {
        size_t len;
        uint8_t *other = slurp(paths[i], &len);
        if (len != len0 || memcmp(ref, other, len))
            fail_msg("reader %s differs from W=1", paths[i]);
        free(other);
    }

    /* Exactly once and in per-producer order. */
    int next[NPROD] = { 0 };
    size_t pos = 0, count = 0;
    while (pos < len0) {
        uint32_t len;
        memcpy(&len, ref + pos, 4);
        pos += 4;
        assert_true(pos + len <= len0);
        int pi, i;
        char head[32] = { 0 };
        memcpy(head, ref + pos, len < 31 ? len : 31);
        assert_int_equal(sscanf(head, "prod%d:%05d:", &pi, &i), 2);
        assert_true(pi >= 0 && pi < NPROD);
        if (i != next[pi])
            fail_msg("sample %zu: producer %d sample %d, expected %d", count, pi, i, next[pi]);
        next[pi]++;
        pos += len;
        count++;
    }
    assert_int_equal(count, NPROD * PER_PROD);
    for (int pi = 0; pi < NPROD; pi++)
        assert_int_equal(next[pi], PER_PROD);
    free(ref);

    /* The producers really raced: the log has conflicts' evidence in the
     * interleaving of producers across versions. */
    ls_table *t;
    assert_int_equal(ls_table_open(st, "tgb", NULL, &t), LS_OK);
    assert_int_equal(t->state.total_samples, NPROD * PER_PROD);
    assert_int_equal(t->state.nproducers, NPROD);
    int switches = 0;
    const char *last = NULL;
    for (size_t i = 0; i < t->state.ncommits; i++) {
        const ls_record *r;
        assert_int_equal(ls_table_record(t, t->state.commits[i].version, NULL, &r), LS_OK);
        if (last && strcmp(last, r->producer))
            switches++;
        last = r->producer;
    }
    print_message("%s: %zu commits, %d producer switches\n", store_uri, t->state.ncommits,
                  switches);
    assert_true(switches > NPROD);
    ls_table_close(t);
    if (strcmp(store_uri, dir))
        lt_store_clear(st);   /* s3: leave the bucket as we found it */
    ls_store_close(st);
}

static void test_tgb_posix(void **state)
{
    (void)state;
    dir = lt_tmpdir("tgb");
    store_uri = dir;
    tgb_invariants();
    lt_rm_rf(dir);
    free(dir);
}

static void test_tgb_s3(void **state)
{
    (void)state;
    const char *base = getenv("LS_TEST_S3_URI");
    if (!base || !*base)
        fail_msg("LS_TEST_S3_REQUIRED=1 but LS_TEST_S3_URI is not set");
    dir = lt_tmpdir("tgb-s3");
    store_uri = malloc(strlen(base) + 64);
    assert_non_null(store_uri);
    sprintf(store_uri, "%s%stgb-%d-%08x", base, base[strlen(base) - 1] == '/' ? "" : "/",
            (int)getpid(), (unsigned)random());
    tgb_invariants();
    lt_rm_rf(dir);
    free(dir);
    free(store_uri);
}

int main(void)
{
    lt_seed();
    const char *uri = getenv("LS_TEST_S3_URI"), *req = getenv("LS_TEST_S3_REQUIRED");
    int with_s3 = (uri && *uri) || (req && !strcmp(req, "1"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tgb_posix),
        cmocka_unit_test(test_tgb_s3),
    };
    if (!with_s3)
        printf("test_tgb: s3 case not run (set LS_TEST_S3_URI=s3://bucket)\n");
    return _cmocka_run_group_tests("test_tgb", tests, with_s3 ? 2 : 1, NULL, NULL);
}
