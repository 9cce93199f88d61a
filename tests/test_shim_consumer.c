/*
 * test_shim_consumer.c -- liblakestream-rdkafka, consumer side and
 * transactions, driven through librdkafka's API only and checked against
 * the core API.  Cases: ranks of a group read their slices of each step and
 * commit; the group resumes at the same and at other world sizes (and the
 * old world's checkpoints are released); a commit inside a step resumes at
 * the step's start; explicit assignment, logical offsets, seeks, watermarks
 * and partition EOF; auto.offset.reset latest / error and a topic that
 * appears late; rebalance, offset-commit and statistics callbacks; a
 * reclaimed range; transactions (commit, abort, one topic, fencing);
 * several threads on one handle; reads through store faults.
 */
#include <errno.h>
#include <pthread.h>
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
#include "shim_testutil.h"
#include "testutil.h"

#define POLL_MS 20000   /* waiting for a message that must come */

static void value_of(int i, char *buf, size_t size) { snprintf(buf, size, "v-%05d", i); }

/* Produce values first..first+n-1 to topic (global batch B) and flush. */
static void produce(const char *uri, const char *topic, int B, int first, int n)
{
    char errstr[512], b[16];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    snprintf(b, sizeof b, "%d", B);
    st_conf_set(conf, "lakestream.global.batch.size", b);
    st_conf_set(conf, "lakestream.producer.id", "feeder");
    st_conf_set(conf, "linger.ms", "600000");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk)
        fail_msg("rd_kafka_new: %s", errstr);
    for (int i = first; i < first + n; i++) {
        char v[32];
        value_of(i, v, sizeof v);
        assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                                           RD_KAFKA_V_VALUE(v, strlen(v)),
                                           RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                           RD_KAFKA_V_END), 0);
    }
    assert_int_equal(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(rk);
}

/* A consumer; extra: NULL-terminated name, value pairs. */
static rd_kafka_t *consumer(const char *uri, const char *group, int rank, int world, ...)
{
    char errstr[512], v[16];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    if (group)
        st_conf_set(conf, "group.id", group);
    snprintf(v, sizeof v, "%d", rank);
    st_conf_set(conf, "lakestream.rank", v);
    snprintf(v, sizeof v, "%d", world);
    st_conf_set(conf, "lakestream.world.size", v);
    st_conf_set(conf, "enable.auto.commit", "false");
    st_conf_set(conf, "auto.offset.reset", "earliest");
    va_list ap;
    va_start(ap, world);
    for (const char *name; (name = va_arg(ap, const char *));)
        st_conf_set(conf, name, va_arg(ap, const char *));
    va_end(ap);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk)
        fail_msg("rd_kafka_new(CONSUMER): %s", errstr);
    assert_int_equal(rd_kafka_type(rk), RD_KAFKA_CONSUMER);
    assert_int_equal(rd_kafka_poll_set_consumer(rk), RD_KAFKA_RESP_ERR_NO_ERROR);
    return rk;
}

static void subscribe(rd_kafka_t *rk, const char *topic)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
    assert_int_equal(rd_kafka_subscribe(rk, l), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(l);
}

static void assign1(rd_kafka_t *rk, const char *topic, int32_t partition, int64_t offset)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition)->offset = offset;
    assert_int_equal(rd_kafka_assign(rk, l), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(l);
}

/* The next message or event (non-NULL within POLL_MS). */
static rd_kafka_message_t *next_any(rd_kafka_t *rk)
{
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, POLL_MS);
    if (!m)
        fail_msg("no message or event within %d ms", POLL_MS);
    return m;
}

/* The next data message; events other than `allow` fail the test. */
static rd_kafka_message_t *next_data(rd_kafka_t *rk, rd_kafka_resp_err_t allow, int *events)
{
    for (;;) {
        rd_kafka_message_t *m = next_any(rk);
        if (!m->err)
            return m;
        if (m->err != allow && allow != RD_KAFKA_RESP_ERR__FAIL)
            fail_msg("unexpected event %s: %s", rd_kafka_err2name(m->err),
                     rd_kafka_message_errstr(m));
        if (events)
            (*events)++;
        if (getenv("LS_TEST_VERBOSE"))
            print_message("# event %s: %s\n", rd_kafka_err2name(m->err),
                          rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
    }
}

static void check_value(const rd_kafka_message_t *m, int i)
{
    char v[32];
    value_of(i, v, sizeof v);
    if (m->len != strlen(v) || memcmp(m->payload, v, m->len))
        fail_msg("offset %lld: got \"%.*s\", want \"%s\"", (long long)m->offset, (int)m->len,
                 (const char *)m->payload, v);
}

static int64_t committed_of(rd_kafka_t *rk, const char *topic, int32_t partition)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition);
    assert_int_equal(rd_kafka_committed(rk, l, 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(l->elems[0].err, RD_KAFKA_RESP_ERR_NO_ERROR);
    int64_t off = l->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(l);
    return off;
}

static void close_destroy(rd_kafka_t *rk)
{
    assert_int_equal(rd_kafka_consumer_close(rk), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_true(rd_kafka_consumer_closed(rk));
    rd_kafka_destroy(rk);
}

/* Live checkpoint `name` of table: its step, or -1 if none / released. */
static int64_t ckpt_step(const char *uri, const char *table, const char *name)
{
    ls_store *st;
    ls_table *t;
    assert_int_equal(ls_store_open(uri, NULL, &st), LS_OK);
    assert_int_equal(ls_table_open(st, table, NULL, &t), LS_OK);
    int64_t step = -1;
    ls_checkpoint_info ci;
    for (size_t i = 0; ls_table_checkpoint_get(t, i, &ci) == LS_OK; i++)
        if (!strcmp(ci.name, name) && ci.live)
            step = (int64_t)ci.step;
    ls_table_close(t);
    ls_store_close(st);
    return step;
}

/* Two ranks (W = 2, B = 4) read their slices and commit; the group then
 * resumes at W = 1 and W = 4 from the step both ranks reached. */
static void test_ranks_commit_resume(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shimc_ranks");
    char *uri = st_file_uri(dir);
    produce(uri, "t", 4, 0, 64);

    rd_kafka_t *c[2];
    for (int r = 0; r < 2; r++) {
        c[r] = consumer(uri, "g", r, 2, NULL);
        subscribe(c[r], "t");
    }
    for (int k = 0; k < 16; k++)
        for (int r = 0; r < 2; r++) {
            rd_kafka_message_t *m = next_data(c[r], 0, NULL);
            assert_int_equal(m->partition, r);
            assert_int_equal(m->offset, k);
            assert_string_equal(rd_kafka_topic_name(m->rkt), "t");
            /* offset k of rank r: step k / 2, sample r * 2 + k % 2 of it */
            check_value(m, (k / 2) * 4 + r * 2 + k % 2);
            rd_kafka_timestamp_type_t tt;
            assert_int_equal(rd_kafka_message_timestamp(m, &tt), -1);
            assert_int_equal(tt, RD_KAFKA_TIMESTAMP_NOT_AVAILABLE);
            rd_kafka_message_destroy(m);
        }
    rd_kafka_topic_partition_list_t *as;
    assert_int_equal(rd_kafka_assignment(c[1], &as), 0);
    assert_int_equal(as->cnt, 1);
    assert_string_equal(as->elems[0].topic, "t");
    assert_int_equal(as->elems[0].partition, 1);
    rd_kafka_topic_partition_list_destroy(as);
    for (int r = 0; r < 2; r++) {
        assert_int_equal(rd_kafka_commit(c[r], NULL, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(rd_kafka_commit(c[r], NULL, 0), RD_KAFKA_RESP_ERR__NO_OFFSET);
        assert_int_equal(committed_of(c[r], "t", r), 16);
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, "t", r);
        assert_int_equal(rd_kafka_position(c[r], l), 0);
        assert_int_equal(l->elems[0].offset, 16);
        rd_kafka_topic_partition_list_destroy(l);
        close_destroy(c[r]);
    }
    assert_int_equal(ckpt_step(uri, "t", "kafka.g.w2.r0"), 8);
    assert_int_equal(ckpt_step(uri, "t", "kafka.g.w2.r1"), 8);

    /* W = 1: resumes at step 8 = offset 32 and reads the rest. */
    rd_kafka_t *one = consumer(uri, "g", 0, 1, "enable.partition.eof", "true", NULL);
    assert_int_equal(committed_of(one, "t", 0), 32);
    subscribe(one, "t");
    for (int k = 32; k < 64; k++) {
        rd_kafka_message_t *m = next_data(one, 0, NULL);
        assert_int_equal(m->offset, k);
        check_value(m, k);
        rd_kafka_message_destroy(m);
    }
    rd_kafka_message_t *m = next_any(one);
    assert_int_equal(m->err, RD_KAFKA_RESP_ERR__PARTITION_EOF);
    assert_int_equal(m->offset, 64);
    assert_int_equal(m->partition, 0);
    assert_non_null(rd_kafka_message_errstr(m));
    rd_kafka_message_destroy(m);
    assert_int_equal(rd_kafka_commit(one, NULL, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
    close_destroy(one);
    /* World 1 is complete: world 2's checkpoints are released. */
    assert_int_equal(ckpt_step(uri, "t", "kafka.g.w1"), 16);
    assert_int_equal(ckpt_step(uri, "t", "kafka.g.w2.r0"), -1);
    assert_int_equal(ckpt_step(uri, "t", "kafka.g.w2.r1"), -1);

    /* W = 4: every rank is at the end (step 16 = offset 16, B/W = 1). */
    rd_kafka_t *four = consumer(uri, "g", 3, 4, "enable.partition.eof", "true", NULL);
    subscribe(four, "t");
    m = next_any(four);
    assert_int_equal(m->err, RD_KAFKA_RESP_ERR__PARTITION_EOF);
    assert_int_equal(m->partition, 3);
    assert_int_equal(m->offset, 16);
    rd_kafka_message_destroy(m);
    close_destroy(four);

    /* A commit inside a step (offset 3 of slice 2) keeps the step's start:
     * the next member resumes at offset 2 (docs/kafka-shim.md). */
    rd_kafka_t *h = consumer(uri, "h", 0, 2, NULL);
    subscribe(h, "t");
    for (int k = 0; k < 3; k++) {
        m = next_data(h, 0, NULL);
        if (k == 2)
            assert_int_equal(rd_kafka_commit_message(h, m, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_message_destroy(m);
    }
    close_destroy(h);
    h = consumer(uri, "h", 0, 2, NULL);
    subscribe(h, "t");
    m = next_data(h, 0, NULL);
    assert_int_equal(m->offset, 2);
    check_value(m, 4);
    rd_kafka_message_destroy(m);
    close_destroy(h);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* Explicit assignment: absolute and logical offsets, seeks, positions,
 * watermarks, EOF, and a partition that does not exist. */
static void test_assign_seek(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shimc_assign");
    char *uri = st_file_uri(dir);
    produce(uri, "s", 1, 0, 20);
    rd_kafka_t *rk = consumer(uri, NULL, 0, 1, "enable.partition.eof", "true", NULL);
    int64_t lo, hi;
    assert_int_equal(rd_kafka_query_watermark_offsets(rk, "s", 0, &lo, &hi, 1000), 0);
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 20);
    assert_int_equal(rd_kafka_query_watermark_offsets(rk, "nope", 0, &lo, &hi, 1000),
                     RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    assert_int_equal(rd_kafka_query_watermark_offsets(rk, "s", 1, &lo, &hi, 1000),
                     RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);

    assign1(rk, "s", 0, 5);
    rd_kafka_message_t *m = next_data(rk, 0, NULL);
    assert_int_equal(m->offset, 5);
    check_value(m, 5);
    rd_kafka_message_destroy(m);

    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "s", 0)->offset = 15;
    assert_null(rd_kafka_seek_partitions(rk, l, 1000));
    assert_int_equal(l->elems[0].err, 0);
    rd_kafka_topic_partition_list_destroy(l);
    m = next_data(rk, 0, NULL);
    assert_int_equal(m->offset, 15);
    check_value(m, 15);
    rd_kafka_message_destroy(m);

    /* The legacy seek, by topic handle. */
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, "s", NULL);
    assert_non_null(rkt);
    assert_int_equal(rd_kafka_seek(rkt, 0, RD_KAFKA_OFFSET_TAIL(3), 1000), 0);
    m = next_data(rk, 0, NULL);
    assert_int_equal(m->offset, 17);
    rd_kafka_message_destroy(m);
    l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "s", 0);
    assert_int_equal(rd_kafka_position(rk, l), 0);
    assert_int_equal(l->elems[0].offset, 18);
    rd_kafka_topic_partition_list_destroy(l);
    assert_int_equal(rd_kafka_seek(rkt, 1, 0, 1000), RD_KAFKA_RESP_ERR__STATE);
    rd_kafka_topic_destroy(rkt);

    assign1(rk, "s", 0, RD_KAFKA_OFFSET_END);
    m = next_any(rk);
    assert_int_equal(m->err, RD_KAFKA_RESP_ERR__PARTITION_EOF);
    assert_int_equal(m->offset, 20);
    rd_kafka_message_destroy(m);
    assign1(rk, "s", 0, RD_KAFKA_OFFSET_BEGINNING);
    m = next_data(rk, 0, NULL);
    assert_int_equal(m->offset, 0);
    check_value(m, 0);
    /* Without group.id there is nothing to commit to. */
    assert_int_equal(rd_kafka_commit_message(rk, m, 0), RD_KAFKA_RESP_ERR_INVALID_GROUP_ID);
    rd_kafka_message_destroy(m);

    /* Partition 1 of a world of 1 does not exist: one error event. */
    assign1(rk, "s", 1, RD_KAFKA_OFFSET_BEGINNING);
    m = next_any(rk);
    assert_int_equal(m->err, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);
    assert_non_null(strstr(rd_kafka_message_errstr(m), "partition"));
    rd_kafka_message_destroy(m);
    assert_null(rd_kafka_consumer_poll(rk, 100));

    /* A subscription needs group.id; regex subscriptions are not there. */
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, "s", RD_KAFKA_PARTITION_UA);
    assert_int_equal(rd_kafka_subscribe(rk, sub), RD_KAFKA_RESP_ERR_INVALID_GROUP_ID);
    rd_kafka_topic_partition_list_destroy(sub);
    close_destroy(rk);

    rk = consumer(uri, "x", 0, 1, NULL);
    sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, "^s.*", RD_KAFKA_PARTITION_UA);
    assert_int_equal(rd_kafka_subscribe(rk, sub), RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
    assert_int_equal(rd_kafka_last_error(), RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
    rd_kafka_topic_partition_list_destroy(sub);
    /* B = 1 cannot be split over 2 ranks. */
    close_destroy(rk);
    rk = consumer(uri, "x", 1, 2, NULL);
    subscribe(rk, "s");
    m = next_any(rk);
    assert_int_equal(m->err, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);
    assert_non_null(strstr(rd_kafka_message_errstr(m), "multiple"));
    rd_kafka_message_destroy(m);
    close_destroy(rk);

    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "auto.offset.reset", "sometimes", errstr,
                                       sizeof errstr), RD_KAFKA_CONF_INVALID);
    rd_kafka_conf_destroy(conf);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* auto.offset.reset: latest waits for new data, error stops with an event;
 * a topic created after the subscription is read once it exists. */
static void test_reset_and_late_topic(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shimc_reset");
    char *uri = st_file_uri(dir);
    produce(uri, "r", 1, 0, 10);
    /* Without the prefetch thread the consumer still sees new steps. */
    rd_kafka_t *late = consumer(uri, "late", 0, 1, "auto.offset.reset", "latest",
                                "enable.partition.eof", "true",
                                "lakestream.consumer.prefetch.steps", "0", NULL);
    subscribe(late, "r");
    rd_kafka_message_t *m = next_any(late);
    assert_int_equal(m->err, RD_KAFKA_RESP_ERR__PARTITION_EOF);
    assert_int_equal(m->offset, 10);
    rd_kafka_message_destroy(m);
    produce(uri, "r", 1, 10, 5);
    for (int k = 10; k < 15; k++) {
        m = next_data(late, 0, NULL);
        assert_int_equal(m->offset, k);
        check_value(m, k);
        rd_kafka_message_destroy(m);
    }
    close_destroy(late);

    rd_kafka_t *strict = consumer(uri, "strict", 0, 1, "auto.offset.reset", "error", NULL);
    subscribe(strict, "r");
    m = next_any(strict);
    assert_int_equal(m->err, RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET);
    rd_kafka_message_destroy(m);
    assert_null(rd_kafka_consumer_poll(strict, 200));
    close_destroy(strict);

    rd_kafka_t *early = consumer(uri, "early", 0, 1, NULL);
    subscribe(early, "later");
    m = next_any(early);
    assert_int_equal(m->err, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    rd_kafka_message_destroy(m);
    assert_null(rd_kafka_consumer_poll(early, 100));  /* reported once */
    produce(uri, "later", 1, 0, 3);
    for (int k = 0; k < 3; k++) {
        m = next_data(early, 0, NULL);
        assert_int_equal(m->offset, k);
        rd_kafka_message_destroy(m);
    }
    close_destroy(early);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

typedef struct cb_state {
    int assigns, revokes, commits, commit_errors, stats;
    int64_t last_committed;
    int saw_consumer_json;
} cb_state;

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    cb_state *s = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        s->assigns++;
        assert_int_equal(parts->cnt, 1);
        assert_int_equal(rd_kafka_assign(rk, parts), 0);
    } else {
        assert_int_equal(err, RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS);
        s->revokes++;
        assert_int_equal(rd_kafka_assign(rk, NULL), 0);
    }
}

static void offset_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    (void)rk;
    cb_state *s = opaque;
    s->commits++;
    if (err)
        s->commit_errors++;
    else
        s->last_committed = offsets->elems[0].offset;
}

static int stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
    (void)rk;
    cb_state *s = opaque;
    assert_int_equal(strlen(json), len);
    s->stats++;
    if (strstr(json, "\"type\":\"consumer\"") && strstr(json, "\"rxmsgs\":") &&
        strstr(json, "\"committed_offset\":"))
        s->saw_consumer_json = 1;
    return 0;
}

/* rebalance_cb, offset_commit_cb (auto-commit) and stats_cb, all served
 * from the poll calls; close revokes and commits. */
static void test_callbacks(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shimc_cb");
    char *uri = st_file_uri(dir);
    produce(uri, "c", 2, 0, 40);
    cb_state s = {0};
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    st_conf_set(conf, "group.id", "cbs");
    st_conf_set(conf, "auto.offset.reset", "smallest");
    st_conf_set(conf, "auto.commit.interval.ms", "50");
    st_conf_set(conf, "statistics.interval.ms", "20");
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_offset_commit_cb(conf, offset_commit_cb);
    rd_kafka_conf_set_stats_cb(conf, stats_cb);
    rd_kafka_conf_set_opaque(conf, &s);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    assert_non_null(rk);
    subscribe(rk, "c");
    for (int k = 0; k < 20; k++) {
        rd_kafka_message_t *m = next_data(rk, 0, NULL);
        assert_int_equal(m->offset, k);
        rd_kafka_message_destroy(m);
    }
    assert_int_equal(s.assigns, 1);
    /* Auto-commit runs on its interval inside consumer_poll. */
    for (int i = 0; i < 100 && s.last_committed != 20; i++)
        rd_kafka_poll(rk, 10);
    assert_int_equal(s.last_committed, 20);
    assert_true(s.stats > 0);
    assert_true(s.saw_consumer_json);
    rd_kafka_message_t *m = next_data(rk, 0, NULL);
    assert_int_equal(m->offset, 20);
    rd_kafka_message_destroy(m);
    assert_int_equal(rd_kafka_consumer_close(rk), 0);
    assert_int_equal(s.revokes, 1);
    assert_int_equal(s.last_committed, 21);  /* committed at revoke */
    assert_int_equal(s.commit_errors, 0);
    rd_kafka_destroy(rk);
    assert_int_equal(ckpt_step(uri, "c", "kafka.cbs.w1"), 10);  /* 21 / 2 */
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

static void revoke_store_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                            rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        assert_int_equal(rd_kafka_assign(rk, parts), 0);
        return;
    }
    /* The last word of a loader: store where it got to, then unassign. */
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_copy(parts);
    l->elems[0].offset = 8;
    assert_int_equal(rd_kafka_offsets_store(rk, l), 0);
    rd_kafka_topic_partition_list_destroy(l);
    assert_int_equal(rd_kafka_assign(rk, NULL), 0);
}

/* With enable.auto.commit, unassigning commits the stored offsets, also
 * ones stored in the revoke callback and with periodic commits off
 * (auto.commit.interval.ms=0); rd_kafka_destroy closes a consumer that
 * was not closed.  Group names that differ only in punctuation stay
 * apart; a group whose world is incomplete resumes at its smallest step. */
static void test_commit_on_unassign(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shimc_unassign");
    char *uri = st_file_uri(dir);
    produce(uri, "u", 4, 0, 40);
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    st_conf_set(conf, "group.id", "a.b");
    st_conf_set(conf, "auto.offset.reset", "earliest");
    st_conf_set(conf, "enable.auto.offset.store", "false");
    st_conf_set(conf, "auto.commit.interval.ms", "0");
    rd_kafka_conf_set_rebalance_cb(conf, revoke_store_cb);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    assert_non_null(rk);
    subscribe(rk, "u");
    for (int k = 0; k < 10; k++)
        rd_kafka_message_destroy(next_data(rk, 0, NULL));
    close_destroy(rk);
    assert_int_equal(ckpt_step(uri, "u", "kafka.a_2eb.w1"), 2);  /* offset 8, B/W 4 */

    /* Destroy without close, offset stored by hand: committed. */
    rk = consumer(uri, "a_b", 0, 1, "enable.auto.commit", "true",
                  "enable.auto.offset.store", "false", NULL);
    subscribe(rk, "u");
    rd_kafka_message_t *m = next_data(rk, 0, NULL);
    assert_int_equal(m->offset, 0);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "u", 0)->offset = 12;
    assert_int_equal(rd_kafka_offsets_store(rk, l), 0);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_message_destroy(m);
    rd_kafka_destroy(rk);
    assert_int_equal(ckpt_step(uri, "u", "kafka.a_5fb.w1"), 3);
    assert_int_equal(ckpt_step(uri, "u", "kafka.a_2eb.w1"), 2);  /* untouched */

    /* enable.auto.offset.store=true: storing by hand is an error. */
    rk = consumer(uri, "auto", 0, 1, NULL);
    subscribe(rk, "u");
    rd_kafka_message_destroy(next_data(rk, 0, NULL));
    l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "u", 0)->offset = 3;
    assert_int_equal(rd_kafka_offsets_store(rk, l), RD_KAFKA_RESP_ERR__INVALID_ARG);
    rd_kafka_topic_partition_list_destroy(l);
    close_destroy(rk);

    /* W = 2, only rank 0 committed (step 5): W = 1 resumes at step 5. */
    rk = consumer(uri, "half", 0, 2, NULL);
    subscribe(rk, "u");
    for (int k = 0; k < 10; k++)
        rd_kafka_message_destroy(next_data(rk, 0, NULL));
    assert_int_equal(rd_kafka_commit(rk, NULL, 0), 0);
    close_destroy(rk);
    rk = consumer(uri, "half", 0, 1, NULL);
    subscribe(rk, "u");
    m = next_data(rk, 0, NULL);
    assert_int_equal(m->offset, 20);
    check_value(m, 20);
    rd_kafka_message_destroy(m);
    close_destroy(rk);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* Below a checkpoint GC has reclaimed the steps: a consumer asking for them
 * is reset (earliest: the low watermark), never handed other data. */
static void test_reclaimed(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shimc_gc");
    char *uri = st_file_uri(dir);
    produce(uri, "gc", 1, 0, 30);
    ls_store *st;
    assert_int_equal(ls_store_open(uri, NULL, &st), LS_OK);
    assert_int_equal(ls_checkpoint_register(st, "gc", "model-20", 20, NULL), LS_OK);
    ls_gc_report rep;
    assert_int_equal(ls_table_gc(st, "gc", 0, NULL, &rep), LS_OK);
    assert_int_equal(rep.low_watermark_step, 20);
    ls_store_close(st);

    rd_kafka_t *rk = consumer(uri, "fresh", 0, 1, NULL);
    int64_t lo, hi;
    assert_int_equal(rd_kafka_query_watermark_offsets(rk, "gc", 0, &lo, &hi, 1000), 0);
    assert_int_equal(lo, 20);
    assert_int_equal(hi, 30);
    assign1(rk, "gc", 0, 5);
    rd_kafka_message_t *m = next_data(rk, 0, NULL);
    assert_int_equal(m->offset, 20);
    check_value(m, 20);
    rd_kafka_message_destroy(m);
    assign1(rk, "gc", 0, RD_KAFKA_OFFSET_BEGINNING);
    m = next_data(rk, 0, NULL);
    assert_int_equal(m->offset, 20);
    rd_kafka_message_destroy(m);
    close_destroy(rk);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

typedef struct txn_state {
    int ok, purged, fenced, other;
} txn_state;

static void txn_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    txn_state *s = opaque;
    if (!m->err)
        s->ok++;
    else if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE)
        s->purged++;
    else if (m->err == RD_KAFKA_RESP_ERR__FENCED)
        s->fenced++;
    else
        s->other++;
}

static rd_kafka_t *txn_producer(const char *uri, txn_state *s)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    st_conf_set(conf, "transactional.id", "etl-1");
    st_conf_set(conf, "enable.idempotence", "true");
    st_conf_set(conf, "linger.ms", "1");
    rd_kafka_conf_set_dr_msg_cb(conf, txn_dr);
    rd_kafka_conf_set_opaque(conf, s);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk)
        fail_msg("%s", errstr);
    return rk;
}

static rd_kafka_resp_err_t txn_produce(rd_kafka_t *rk, const char *topic, int i)
{
    char v[32];
    value_of(i, v, sizeof v);
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(v, strlen(v)),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
}

static uint64_t samples_of(const char *uri, const char *table)
{
    ls_store *st;
    ls_table *t;
    ls_table_info info;
    assert_int_equal(ls_store_open(uri, NULL, &st), LS_OK);
    assert_int_equal(ls_table_open(st, table, NULL, &t), LS_OK);
    ls_table_info_get(t, &info);
    ls_table_close(t);
    ls_store_close(st);
    return info.total_samples;
}

/* A transaction is one commit of one topic: nothing before commit (not
 * even after linger.ms and polls), everything after; abort purges;
 * a newer instance with the same transactional.id fences the older. */
static void test_transactions(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shimc_txn");
    char *uri = st_file_uri(dir);
    txn_state s = {0}, s2 = {0};
    rd_kafka_t *rk = txn_producer(uri, &s);
    assert_int_equal(txn_produce(rk, "tx", 0), RD_KAFKA_RESP_ERR__STATE);
    rd_kafka_error_t *e = rd_kafka_begin_transaction(rk);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__STATE);
    rd_kafka_error_destroy(e);
    assert_null(rd_kafka_init_transactions(rk, 5000));
    assert_null(rd_kafka_begin_transaction(rk));
    for (int i = 0; i < 10; i++)
        assert_int_equal(txn_produce(rk, "tx", i), 0);
    assert_int_equal(txn_produce(rk, "other", 0), RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
    for (int i = 0; i < 5; i++)
        rd_kafka_poll(rk, 10);
    assert_int_equal(s.ok, 0);
    assert_int_equal(samples_of(uri, "tx"), 0);
    assert_int_equal(rd_kafka_flush(rk, 100), RD_KAFKA_RESP_ERR__STATE);
    assert_null(rd_kafka_commit_transaction(rk, 30000));
    assert_int_equal(s.ok, 10);
    assert_int_equal(samples_of(uri, "tx"), 10);

    assert_null(rd_kafka_begin_transaction(rk));
    for (int i = 100; i < 105; i++)
        assert_int_equal(txn_produce(rk, "tx", i), 0);
    assert_null(rd_kafka_abort_transaction(rk, 30000));
    rd_kafka_poll(rk, 0);
    assert_int_equal(s.purged, 5);
    assert_int_equal(samples_of(uri, "tx"), 10);
    e = rd_kafka_commit_transaction(rk, 1000);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__STATE);
    rd_kafka_error_destroy(e);

    assert_null(rd_kafka_begin_transaction(rk));
    for (int i = 10; i < 13; i++)
        assert_int_equal(txn_produce(rk, "tx", i), 0);
    assert_null(rd_kafka_commit_transaction(rk, 30000));
    assert_int_equal(s.ok, 13);

    /* A second instance fences the first at its next commit. */
    rd_kafka_t *newer = txn_producer(uri, &s2);
    assert_null(rd_kafka_init_transactions(newer, 5000));
    assert_null(rd_kafka_begin_transaction(newer));
    assert_int_equal(txn_produce(newer, "tx", 13), 0);
    assert_null(rd_kafka_begin_transaction(rk));
    assert_int_equal(txn_produce(rk, "tx", 999), 0);
    e = rd_kafka_commit_transaction(rk, 30000);
    assert_non_null(e);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__FENCED);
    assert_true(rd_kafka_error_is_fatal(e));
    rd_kafka_error_destroy(e);
    assert_int_equal(s.fenced, 1);
    assert_null(rd_kafka_commit_transaction(newer, 30000));
    assert_int_equal(s2.ok, 1);
    rd_kafka_destroy(rk);
    rd_kafka_destroy(newer);

    /* The table holds exactly the committed transactions, in order. */
    rd_kafka_t *c = consumer(uri, NULL, 0, 1, NULL);
    assign1(c, "tx", 0, RD_KAFKA_OFFSET_BEGINNING);
    for (int k = 0; k < 14; k++) {
        rd_kafka_message_t *m = next_data(c, 0, NULL);
        assert_int_equal(m->offset, k);
        check_value(m, k);
        rd_kafka_message_destroy(m);
    }
    assert_null(rd_kafka_consumer_poll(c, 200));
    close_destroy(c);

    /* Without transactional.id there are no transactions. */
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[256];
    st_conf_set(conf, "bootstrap.servers", uri);
    rd_kafka_t *plain = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    e = rd_kafka_init_transactions(plain, 1000);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__NOT_CONFIGURED);
    rd_kafka_error_destroy(e);
    rd_kafka_destroy(plain);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* ---- threads ---- */

#define THREADS 4
#define PER_THREAD 250

typedef struct th_arg {
    rd_kafka_t *rk;
    int base;
} th_arg;

static int dr_count[THREADS * PER_THREAD];

static void th_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (!m->err)
        dr_count[(intptr_t)m->_private]++;  /* callbacks run on the polling thread */
}

static void *th_produce(void *p)
{
    th_arg *a = p;
    for (int i = a->base; i < a->base + PER_THREAD;) {
        char v[32];
        value_of(i, v, sizeof v);
        rd_kafka_resp_err_t err = rd_kafka_producev(a->rk, RD_KAFKA_V_TOPIC("mt"),
                                                    RD_KAFKA_V_VALUE(v, strlen(v)),
                                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                    RD_KAFKA_V_OPAQUE((void *)(intptr_t)i),
                                                    RD_KAFKA_V_END);
        if (!err)
            i++;
        else if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return (void *)1;
    }
    return NULL;
}

static volatile int th_stop;

static void *th_observe(void *p)
{
    rd_kafka_t *rk = p;
    while (!th_stop) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, "mt", 0);
        rd_kafka_position(rk, l);
        rd_kafka_commit(rk, NULL, 1);  /* _NO_OFFSET or a commit: both fine */
        rd_kafka_topic_partition_list_destroy(l);
    }
    return NULL;
}

/* One producer handle shared by 4 producing threads while the main thread
 * polls; one consumer polled by the main thread while another commits and
 * asks positions.  Every value once, in the global order. */
static void test_threads(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shimc_threads");
    char *uri = st_file_uri(dir);
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    st_conf_set(conf, "linger.ms", "5");
    st_conf_set(conf, "queue.buffering.max.messages", "64");
    rd_kafka_conf_set_dr_msg_cb(conf, th_dr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    assert_non_null(rk);
    pthread_t th[THREADS];
    th_arg args[THREADS];
    memset(dr_count, 0, sizeof dr_count);
    for (int t = 0; t < THREADS; t++) {
        args[t] = (th_arg){rk, t * PER_THREAD};
        assert_int_equal(pthread_create(&th[t], NULL, th_produce, &args[t]), 0);
    }
    int done = 0;
    while (done < THREADS * PER_THREAD) {
        rd_kafka_poll(rk, 5);
        done = 0;
        for (int i = 0; i < THREADS * PER_THREAD; i++)
            done += dr_count[i] > 0;
    }
    for (int t = 0; t < THREADS; t++) {
        void *rv;
        pthread_join(th[t], &rv);
        assert_null(rv);
    }
    assert_int_equal(rd_kafka_flush(rk, 30000), 0);
    for (int i = 0; i < THREADS * PER_THREAD; i++)
        assert_int_equal(dr_count[i], 1);
    rd_kafka_destroy(rk);

    rd_kafka_t *c = consumer(uri, "mt", 0, 1, NULL);
    subscribe(c, "mt");
    th_stop = 0;
    pthread_t obs;
    assert_int_equal(pthread_create(&obs, NULL, th_observe, c), 0);
    static int seen[THREADS * PER_THREAD];
    for (int k = 0; k < THREADS * PER_THREAD; k++) {
        rd_kafka_message_t *m = next_data(c, 0, NULL);
        assert_int_equal(m->offset, k);
        int v;
        assert_int_equal(sscanf((const char *)m->payload, "v-%05d", &v), 1);
        assert_true(v >= 0 && v < THREADS * PER_THREAD);
        seen[v]++;
        rd_kafka_message_destroy(m);
    }
    th_stop = 1;
    pthread_join(obs, NULL);
    for (int i = 0; i < THREADS * PER_THREAD; i++)
        assert_int_equal(seen[i], 1);
    assert_int_equal(rd_kafka_commit(c, NULL, 0) == 0 ||
                     rd_kafka_last_error() == RD_KAFKA_RESP_ERR__NO_OFFSET, 1);
    assert_int_equal(committed_of(c, "mt", 0), THREADS * PER_THREAD);
    close_destroy(c);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* Reads through a store failing 10 % of calls, without the core's retries
 * (seeded): error events come and go; the values still arrive exactly
 * once, in order, and the commit lands. */
static void test_consume_under_faults(void **state)
{
    (void)state;
    uint64_t seed = lt_seed();
    char *dir = lt_tmpdir("shimc_faults");
    char *uri = st_file_uri(dir);
    produce(uri, "f", 2, 0, 120);
    char seedstr[32];
    snprintf(seedstr, sizeof seedstr, "%llu", (unsigned long long)(seed % 1000000007u));
    rd_kafka_t *rk = consumer(uri, "faulty", 0, 1,
                              "lakestream.store.fault.error.permille", "100",
                              "lakestream.store.retries", "0",
                              "lakestream.store.fault.seed", seedstr,
                              "lakestream.consumer.prefetch.steps", "0", NULL);
    subscribe(rk, "f");
    int events = 0;
    for (int k = 0; k < 120; k++) {
        rd_kafka_message_t *m = next_data(rk, RD_KAFKA_RESP_ERR__FAIL, &events);
        assert_int_equal(m->offset, k);
        check_value(m, k);
        rd_kafka_message_destroy(m);
    }
    /* Commit through faults: retried by the caller, as with librdkafka. */
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TRANSPORT;
    for (int i = 0; i < 50 && err && err != RD_KAFKA_RESP_ERR__NO_OFFSET; i++)
        err = rd_kafka_commit(rk, NULL, 0);
    assert_int_equal(err, 0);
    print_message("# seed %llu: %d error events while reading 120 values\n",
                  (unsigned long long)seed, events);
    assert_true(events > 0);  /* the faults reached the consumer */
    close_destroy(rk);
    assert_int_equal(ckpt_step(uri, "f", "kafka.faulty.w1"), 60);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranks_commit_resume),
        cmocka_unit_test(test_assign_seek),
        cmocka_unit_test(test_reset_and_late_topic),
        cmocka_unit_test(test_callbacks),
        cmocka_unit_test(test_commit_on_unassign),
        cmocka_unit_test(test_reclaimed),
        cmocka_unit_test(test_transactions),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_consume_under_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
