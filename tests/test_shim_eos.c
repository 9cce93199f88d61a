/*
 * test_shim_eos.c -- liblakestream-rdkafka, exactly-once
 * consume-transform-produce (docs/kafka-shim.md): consumer group metadata
 * (from a consumer, _new, _new_with_genid; write/read round trip; every
 * corrupted and truncated buffer refused), the checks of
 * rd_kafka_send_offsets_to_transaction, and the EOS loop: an application
 * consumes table "in" as rank 1 of 2 in a group and writes transformed
 * values to table "out" in transactions carrying its offsets.  It is made
 * to crash at every store call of its producer in turn (the core's fault
 * store: from that call on every call fails, after the call either failing
 * or landing with its reply lost) and restarted; after each restart runs to
 * the end, every input's output is in "out" exactly once, in order, and the
 * group's checkpoint is at the end.  Restarts alternate between opening the
 * output topic before rd_kafka_init_transactions (the input is rolled
 * forward before the consumer starts) and producing to it by name (the
 * roll-forward comes later: the transaction is refused as abortable, and
 * the application rewinds, as librdkafka's pattern does).
 *
 * White box: the producer's store is wrapped in the fault store through
 * shim_int.h; everything else goes through librdkafka's API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>

#include "lakestream.h"
#include "shim_int.h"
#include "shim_testutil.h"
#include "testutil.h"

#define N_IN       8      /* inputs in table "in" (B = 2): rank 1 of 2 reads 4 */
#define RANK_IN    4      /* offsets of rank 1 */
#define TXN_MSGS   2      /* inputs per transaction */
#define SWEEP_MAX  2000   /* crash points tried before the test gives up */
#define POLLS_MAX  500    /* empty consumer polls before the app gives up */
#define FAULT_COMMIT_MS 100  /* commit timeout while faults are armed */

static rd_kafka_t *new_handle(rd_kafka_type_t type, const char *uri, ...)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    st_conf_set(conf, "lakestream.store.fsync", "false");
    va_list ap;
    va_start(ap, uri);
    for (const char *name; (name = va_arg(ap, const char *));)
        st_conf_set(conf, name, va_arg(ap, const char *));
    va_end(ap);
    rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
    if (!rk)
        fail_msg("rd_kafka_new: %s", errstr);
    return rk;
}

static rd_kafka_t *eos_consumer(const char *uri)
{
    rd_kafka_t *c = new_handle(RD_KAFKA_CONSUMER, uri, "group.id", "eos.g", "lakestream.rank",
                               "1", "lakestream.world.size", "2", "enable.auto.commit", "false",
                               "auto.offset.reset", "earliest", (char *)NULL);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "in", RD_KAFKA_PARTITION_UA);
    assert_int_equal(rd_kafka_subscribe(c, l), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(l);
    return c;
}

static rd_kafka_t *eos_producer(const char *uri)
{
    return new_handle(RD_KAFKA_PRODUCER, uri, "transactional.id", "eos-app",
                      "lakestream.global.batch.size", "1", "lakestream.store.retries", "0",
                      "lakestream.producer.index.publish", "sync", (char *)NULL);
}

/* Table "in": N_IN values "in-<i>", B = 2 (a step holds one value of each
 * rank at world size 2). */
static void fill_input(const char *uri)
{
    rd_kafka_t *p = new_handle(RD_KAFKA_PRODUCER, uri, "lakestream.global.batch.size", "2",
                               (char *)NULL);
    for (int i = 0; i < N_IN; i++) {
        char v[16];
        snprintf(v, sizeof v, "in-%03d", i);
        assert_int_equal(rd_kafka_producev(p, RD_KAFKA_V_TOPIC("in"),
                                           RD_KAFKA_V_VALUE(v, strlen(v)),
                                           RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                           RD_KAFKA_V_END), 0);
    }
    assert_int_equal(rd_kafka_flush(p, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(p);
}

/* Rewind to the group's committed offsets, as librdkafka's transactions
 * example does after an abort.  Returns the offset of partition 1. */
static int64_t rewind_consumer(rd_kafka_t *c)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "in", 1);
    assert_int_equal(rd_kafka_committed(c, l, 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
    if (l->elems[0].offset < 0)
        l->elems[0].offset = RD_KAFKA_OFFSET_BEGINNING;
    int64_t at = l->elems[0].offset < 0 ? 0 : l->elems[0].offset;
    rd_kafka_error_t *e = rd_kafka_seek_partitions(c, l, 5000);
    assert_null(e);
    rd_kafka_topic_partition_list_destroy(l);
    return at;
}

typedef struct app_stats {
    int crashes, stale_aborts;
    int lagging;   /* crashes that left outputs committed ahead of the input checkpoint */
} app_stats;

/* Outputs committed, and rank 1's input checkpoint (offsets), now. */
static void progress(const char *uri, uint64_t *outputs, uint64_t *ckpt)
{
    ls_store *st;
    ls_table *t;
    ls_table_info info;
    *outputs = *ckpt = 0;
    assert_int_equal(ls_store_open(uri, NULL, &st), LS_OK);
    if (ls_table_open(st, "out", NULL, &t) == LS_OK) {
        assert_int_equal(ls_table_info_get(t, &info), LS_OK);
        *outputs = info.total_samples;
        ls_table_close(t);
    }
    assert_int_equal(ls_table_open(st, "in", NULL, &t), LS_OK);
    uint64_t steps[2];
    int complete;
    assert_int_equal(ls_rank_checkpoint_get(t, "kafka.eos_2eg.w2", 2, steps, NULL, &complete),
                     LS_OK);
    *ckpt = steps[1] == UINT64_MAX ? 0 : steps[1];
    ls_table_close(t);
    ls_store_close(st);
}

/* One run of the application.  fo: faults for the producer's store (NULL:
 * none).  Returns 1 when it reached the end of its input, 0 when it
 * crashed (a call failed); *injected: faults that fired. */
static int app_run(const char *uri, const ls_fault_opts *fo, int topic_first, app_stats *as,
                   uint64_t *injected)
{
    rd_kafka_t *p = eos_producer(uri), *c = NULL;
    ls_store *f = NULL;
    if (fo) {
        assert_int_equal(ls_store_fault_new(p->st, fo, &f), LS_OK);
        p->st = f;
    }
    int commit_ms = fo ? FAULT_COMMIT_MS : 30000, done = 0;
    rd_kafka_message_t *msgs[TXN_MSGS];
    int n = 0;
    rd_kafka_topic_t *rkt = NULL;
    rd_kafka_error_t *e = NULL;
    if (topic_first && !(rkt = rd_kafka_topic_new(p, "out", NULL)))
        goto crash;
    if ((e = rd_kafka_init_transactions(p, 5000)))
        goto crash;
    c = eos_consumer(uri);
    int64_t next = rewind_consumer(c);   /* where the group resumes */
    while (next < RANK_IN) {
        for (int polls = 0; n < TXN_MSGS && next < RANK_IN; polls++) {
            assert_true(polls < POLLS_MAX);
            rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 20);
            if (!m)
                continue;
            if (m->err) {
                rd_kafka_message_destroy(m);   /* an event; the store of c is sound */
                continue;
            }
            assert_int_equal(m->partition, 1);
            assert_int_equal(m->offset, next);
            next = m->offset + 1;
            msgs[n++] = m;
        }
        if ((e = rd_kafka_begin_transaction(p)))
            goto crash;
        for (int i = 0; i < n; i++) {
            char v[32];
            int len = snprintf(v, sizeof v, "T:%.*s", (int)msgs[i]->len,
                               (const char *)msgs[i]->payload);
            if (rd_kafka_producev(p, RD_KAFKA_V_TOPIC("out"), RD_KAFKA_V_VALUE(v, (size_t)len),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END))
                goto crash;
        }
        rd_kafka_topic_partition_list_t *pos;
        assert_int_equal(rd_kafka_assignment(c, &pos), RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(rd_kafka_position(c, pos), RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(pos->cnt, 1);
        assert_int_equal(pos->elems[0].offset, next);
        rd_kafka_consumer_group_metadata_t *g = rd_kafka_consumer_group_metadata(c);
        assert_non_null(g);
        e = rd_kafka_send_offsets_to_transaction(p, pos, g, 5000);
        rd_kafka_consumer_group_metadata_destroy(g);
        rd_kafka_topic_partition_list_destroy(pos);
        if (!e)
            e = rd_kafka_commit_transaction(p, commit_ms);
        for (int i = 0; i < n; i++)
            rd_kafka_message_destroy(msgs[i]);
        n = 0;
        if (e && rd_kafka_error_txn_requires_abort(e)) {
            /* The roll-forward came after the consumer resumed. */
            assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__OUTDATED);
            rd_kafka_error_destroy(e);
            e = rd_kafka_abort_transaction(p, 5000);
            if (e)
                goto crash;
            as->stale_aborts++;
            next = rewind_consumer(c);
            continue;
        }
        if (e)
            goto crash;
    }
    done = 1;
crash:
    for (int i = 0; i < n; i++)
        rd_kafka_message_destroy(msgs[i]);
    rd_kafka_error_destroy(e);
    if (!done)
        as->crashes++;
    if (injected)
        *injected = f ? ls_store_fault_injected(f) : 0;
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    if (c)
        rd_kafka_destroy_flags(c, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    rd_kafka_destroy(p);   /* no flush: what is not committed is lost */
    return done;
}

/* Every input of rank 1 transformed once, in order, and nothing else; the
 * group's checkpoint of rank 1 at the end. */
static void check_exactly_once(const char *uri)
{
    ls_store *st;
    ls_table *t;
    ls_table_info info;
    assert_int_equal(ls_store_open(uri, NULL, &st), LS_OK);
    assert_int_equal(ls_table_open(st, "out", NULL, &t), LS_OK);
    assert_int_equal(ls_table_info_get(t, &info), LS_OK);
    ls_table_close(t);
    if (info.total_samples != RANK_IN)
        fail_msg("table out holds %llu samples, not %d", (unsigned long long)info.total_samples,
                 RANK_IN);
    ls_consumer *lc;
    assert_int_equal(ls_consumer_open(st, "out", 0, 1, NULL, &lc), LS_OK);
    for (int k = 0; k < RANK_IN; k++) {
        ls_batch *b;
        assert_int_equal(ls_consumer_read_step(lc, (uint64_t)k, 5000, &b), LS_OK);
        char want[32];
        snprintf(want, sizeof want, "T:in-%03d", 2 * k + 1);   /* rank 1's k-th input */
        assert_int_equal(b->lens[0], strlen(want));
        assert_memory_equal(b->samples[0], want, strlen(want));
        ls_batch_destroy(b);
    }
    ls_consumer_close(lc);
    assert_int_equal(ls_table_open(st, "in", NULL, &t), LS_OK);
    uint64_t steps[2];
    int complete;
    assert_int_equal(ls_rank_checkpoint_get(t, "kafka.eos_2eg.w2", 2, steps, NULL, &complete),
                     LS_OK);
    assert_int_equal(steps[1], RANK_IN);   /* slice 1: step = offset */
    ls_table_close(t);
    ls_store_close(st);
}

/* The loop without faults, then a crash before a commit: the handles are
 * destroyed inside a transaction whose offsets were sent. */
static void test_eos_loop_and_crash_before_commit(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_eos_basic");
    char *uri = st_file_uri(dir);
    fill_input(uri);
    app_stats as = {0};

    /* Half way, then a transaction that never commits. */
    rd_kafka_t *p = eos_producer(uri);
    assert_null(rd_kafka_init_transactions(p, 5000));
    rd_kafka_t *c = eos_consumer(uri);
    for (int txn = 0; txn < 2; txn++) {
        rd_kafka_message_t *m = NULL;
        for (int polls = 0; !m || m->err; polls++) {
            assert_true(polls < POLLS_MAX);
            if (m)
                rd_kafka_message_destroy(m);
            m = rd_kafka_consumer_poll(c, 20);
        }
        assert_null(rd_kafka_begin_transaction(p));
        char v[32];
        int len = snprintf(v, sizeof v, "T:%.*s", (int)m->len, (const char *)m->payload);
        assert_int_equal(rd_kafka_producev(p, RD_KAFKA_V_TOPIC("out"),
                                           RD_KAFKA_V_VALUE(v, (size_t)len),
                                           RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                           RD_KAFKA_V_END), 0);
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, "in", 1)->offset = m->offset + 1;
        rd_kafka_consumer_group_metadata_t *g = rd_kafka_consumer_group_metadata(c);
        assert_null(rd_kafka_send_offsets_to_transaction(p, l, g, 5000));
        rd_kafka_consumer_group_metadata_destroy(g);
        rd_kafka_topic_partition_list_destroy(l);
        rd_kafka_message_destroy(m);
        if (txn == 0)
            assert_null(rd_kafka_commit_transaction(p, 30000));
    }
    rd_kafka_destroy_flags(c, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    rd_kafka_destroy(p);   /* the second transaction is lost, offsets and all */

    /* The committed one moved the group; the lost one did not. */
    rd_kafka_t *probe = eos_consumer(uri);
    assert_int_equal(rewind_consumer(probe), 1);
    rd_kafka_destroy_flags(probe, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);

    assert_int_equal(app_run(uri, NULL, 1, &as, NULL), 1);
    check_exactly_once(uri);
    assert_int_equal(as.stale_aborts, 0);
    /* A further run finds nothing to do. */
    assert_int_equal(app_run(uri, NULL, 0, &as, NULL), 1);
    check_exactly_once(uri);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* The crash sweep: kind 0, the k-th call of the producer's store fails and
 * every later one too; kind 1, the k-th call lands but its reply is lost,
 * then every later one fails.  The restart runs without faults. */
static void test_eos_crash_sweep(void **state)
{
    (void)state;
    app_stats as = {0};
    unsigned points = 0;
    for (int kind = 0; kind < 2; kind++) {
        for (uint64_t k = 1;; k++) {
            if (k > SWEEP_MAX)
                fail_msg("kind %d: still crashing after %d points", kind, SWEEP_MAX);
            char *dir = lt_tmpdir("shim_eos_sweep");
            char *uri = st_file_uri(dir);
            fill_input(uri);
            ls_fault_opts fo = {.fail_persist = 1};
            if (kind == 0) {
                fo.fail_at = k;
            } else {
                fo.lost_reply_at = k;
                fo.fail_at = k + 1;
            }
            uint64_t injected = 0;
            int done = app_run(uri, &fo, (int)(k % 2), &as, &injected);
            uint64_t outputs, ckpt;
            progress(uri, &outputs, &ckpt);
            assert_true(ckpt <= outputs);   /* the input never leads the output */
            as.lagging += outputs > ckpt;
            if (!done && !app_run(uri, NULL, (int)((k / 2) % 2), &as, NULL))
                fail_msg("kind %d point %llu: the restart did not finish", kind,
                         (unsigned long long)k);
            check_exactly_once(uri);
            points++;
            lt_rm_rf(dir);
            free(dir);
            free(uri);
            if (injected == 0) {
                assert_true(done);   /* the run never reached call k */
                break;
            }
        }
    }
    fprintf(stderr, "eos sweep: %u crash points, %d crashes, %d of them between an output "
            "commit and its input checkpoint, %d stale transactions aborted\n", points,
            as.crashes, as.lagging, as.stale_aborts);
    assert_true(as.crashes > 0);
    assert_true(as.lagging > 0);        /* the window the roll-forward closes was hit */
    assert_true(as.stale_aborts > 0);   /* the late roll-forward was exercised */
}

/* ---- consumer group metadata ---- */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_cgmd(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_cgmd");
    char *uri = st_file_uri(dir);

    /* From a consumer: its group, world size and rank. */
    rd_kafka_t *c = eos_consumer(uri);
    rd_kafka_consumer_group_metadata_t *g = rd_kafka_consumer_group_metadata(c);
    assert_non_null(g);
    void *buf;
    size_t size;
    assert_null(rd_kafka_consumer_group_metadata_write(g, &buf, &size));
    const uint8_t *b = buf;
    assert_memory_equal(b, "LSCGMD", 6);
    assert_int_equal(b[6], 1);                 /* version */
    assert_int_equal(le32(b + 7), 0xffffffffu); /* generation -1 */
    assert_int_equal(le32(b + 11), 2);         /* world size */
    assert_int_equal(le32(b + 15), 1);         /* rank */
    assert_non_null(memmem(b, size, "eos.g", 5));
    rd_kafka_mem_free(NULL, buf);
    rd_kafka_consumer_group_metadata_destroy(g);
    rd_kafka_destroy_flags(c, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);

    /* None from a producer, or from a consumer without group.id. */
    rd_kafka_t *p = new_handle(RD_KAFKA_PRODUCER, uri, (char *)NULL);
    assert_null(rd_kafka_consumer_group_metadata(p));
    rd_kafka_destroy(p);
    rd_kafka_t *nog = new_handle(RD_KAFKA_CONSUMER, uri, (char *)NULL);
    assert_null(rd_kafka_consumer_group_metadata(nog));
    rd_kafka_destroy(nog);
    rd_kafka_consumer_group_metadata_destroy(NULL);

    /* Round trip: write, read, write again gives the same bytes. */
    const char *inst[2] = {"instance-1", NULL};
    for (int k = 0; k < 2; k++) {
        g = k ? rd_kafka_consumer_group_metadata_new("plain")
              : rd_kafka_consumer_group_metadata_new_with_genid("grp", 7, "member-1", inst[k]);
        void *b1, *b2;
        size_t s1, s2;
        assert_null(rd_kafka_consumer_group_metadata_write(g, &b1, &s1));
        rd_kafka_consumer_group_metadata_t *r;
        assert_null(rd_kafka_consumer_group_metadata_read(&r, b1, s1));
        assert_null(rd_kafka_consumer_group_metadata_write(r, &b2, &s2));
        assert_int_equal(s1, s2);
        assert_memory_equal(b1, b2, s1);

        /* Every single-byte change, and every truncation, is refused. */
        uint8_t *x = malloc(s1);
        for (size_t i = 0; i < s1; i++) {
            memcpy(x, b1, s1);
            x[i] ^= 0x41;
            rd_kafka_consumer_group_metadata_t *bad = (void *)1;
            rd_kafka_error_t *e = rd_kafka_consumer_group_metadata_read(&bad, x, s1);
            assert_non_null(e);
            assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__BAD_MSG);
            assert_null(bad);
            rd_kafka_error_destroy(e);
        }
        for (size_t len = 0; len < s1; len++) {
            rd_kafka_consumer_group_metadata_t *bad;
            rd_kafka_error_t *e = rd_kafka_consumer_group_metadata_read(&bad, b1, len);
            assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__BAD_MSG);
            rd_kafka_error_destroy(e);
        }
        free(x);
        rd_kafka_mem_free(NULL, b1);
        rd_kafka_mem_free(NULL, b2);
        rd_kafka_consumer_group_metadata_destroy(r);
        rd_kafka_consumer_group_metadata_destroy(g);
    }

    /* Clear errors: librdkafka's own format, and a valid checksum over a
     * string that is not printable. */
    rd_kafka_consumer_group_metadata_t *bad;
    rd_kafka_error_t *e = rd_kafka_consumer_group_metadata_read(&bad, "CGMDv2:\0\0\0\0g\0\0\1",
                                                                15);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__BAD_MSG);
    assert_non_null(strstr(rd_kafka_error_string(e), "magic"));
    rd_kafka_error_destroy(e);
    g = rd_kafka_consumer_group_metadata_new("a\tb");
    assert_null(rd_kafka_consumer_group_metadata_write(g, &buf, &size));
    e = rd_kafka_consumer_group_metadata_read(&bad, buf, size);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__BAD_MSG);
    assert_non_null(strstr(rd_kafka_error_string(e), "printable"));
    rd_kafka_error_destroy(e);
    rd_kafka_mem_free(NULL, buf);
    rd_kafka_consumer_group_metadata_destroy(g);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* What rd_kafka_send_offsets_to_transaction refuses, and how. */
static void test_send_offsets_checks(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_eos_checks");
    char *uri = st_file_uri(dir);
    fill_input(uri);
    rd_kafka_consumer_group_metadata_t *g = rd_kafka_consumer_group_metadata_new("chk");
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_add(l, "in", 0);
    tp->offset = 2;

    rd_kafka_t *plain = new_handle(RD_KAFKA_PRODUCER, uri, (char *)NULL);
    rd_kafka_error_t *e = rd_kafka_send_offsets_to_transaction(plain, l, g, 1000);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__NOT_CONFIGURED);
    rd_kafka_error_destroy(e);
    rd_kafka_destroy(plain);

    /* World size 1 from the producer's own configuration: B/W = 2. */
    rd_kafka_t *p = new_handle(RD_KAFKA_PRODUCER, uri, "transactional.id", "chk",
                               "lakestream.world.size", "1", (char *)NULL);
    assert_null(rd_kafka_init_transactions(p, 5000));
    e = rd_kafka_send_offsets_to_transaction(p, l, g, 1000);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__STATE);   /* no transaction */
    rd_kafka_error_destroy(e);
    assert_null(rd_kafka_begin_transaction(p));
    e = rd_kafka_send_offsets_to_transaction(p, l, NULL, 1000);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__INVALID_ARG);
    rd_kafka_error_destroy(e);
    tp->offset = RD_KAFKA_OFFSET_INVALID;   /* nothing consumed: a no-op */
    assert_null(rd_kafka_send_offsets_to_transaction(p, l, g, 1000));
    tp->offset = 3;                         /* inside step 1 */
    e = rd_kafka_send_offsets_to_transaction(p, l, g, 1000);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__INVALID_ARG);
    assert_true(rd_kafka_error_txn_requires_abort(e));
    assert_non_null(strstr(rd_kafka_error_string(e), "step"));
    rd_kafka_error_destroy(e);
    tp->partition = 1;                      /* not below W = 1 */
    tp->offset = 2;
    e = rd_kafka_send_offsets_to_transaction(p, l, g, 1000);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);
    rd_kafka_error_destroy(e);
    assert_null(rd_kafka_abort_transaction(p, 5000));

    /* Offsets with no output: the input checkpoint alone moves. */
    tp->partition = 0;
    tp->offset = 4;
    assert_null(rd_kafka_begin_transaction(p));
    assert_null(rd_kafka_send_offsets_to_transaction(p, l, g, 1000));
    assert_null(rd_kafka_commit_transaction(p, 30000));
    rd_kafka_t *c = new_handle(RD_KAFKA_CONSUMER, uri, "group.id", "chk",
                               "lakestream.world.size", "1", (char *)NULL);
    rd_kafka_topic_partition_list_t *q = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(q, "in", 0);
    assert_int_equal(rd_kafka_committed(c, q, 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(q->elems[0].offset, 4);
    rd_kafka_topic_partition_list_destroy(q);
    rd_kafka_destroy_flags(c, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);

    /* Going back behind a committed offset: processed twice, abort. */
    tp->offset = 2;
    assert_null(rd_kafka_begin_transaction(p));
    e = rd_kafka_send_offsets_to_transaction(p, l, g, 1000);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__OUTDATED);
    assert_true(rd_kafka_error_txn_requires_abort(e));
    rd_kafka_error_destroy(e);
    assert_null(rd_kafka_abort_transaction(p, 5000));
    rd_kafka_destroy(p);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_consumer_group_metadata_destroy(g);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cgmd),
        cmocka_unit_test(test_send_offsets_checks),
        cmocka_unit_test(test_eos_loop_and_crash_before_commit),
        cmocka_unit_test(test_eos_crash_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
