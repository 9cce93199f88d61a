/*
 * test_shim_producer.c -- liblakestream-rdkafka, producer side, driven
 * through librdkafka's API only; the result is checked with the core API
 * (ls_consumer on the same store).  Cases: delivery reports exactly once
 * after flush and the table holding exactly the values in order; QUEUE_FULL
 * back-pressure; configuration (unknown, ignored, passthrough, invalid);
 * an invalid bootstrap.servers; fencing of an older producer; reports from
 * rd_kafka_poll alone, through store faults and lost replies; source
 * positions (lakestream_rdkafka.h): a restarted producer resumes exactly
 * where its last commit left off; linger.ms keeps the fixed commit policy
 * unless lakestream.producer.commit.policy is set.  Issue 16: two copies
 * of a plain producer never fence each other, transactional ones do;
 * delivery reports carry the sample's partition 0 / offset; rd_kafka_purge
 * (queued and in-flight, through the core's fault store); produceva.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>

#include "lakestream.h"
#include "lakestream_rdkafka.h"
#include "shim_int.h"   /* test_purge only: the handle's store (wrap_faults) */
#include "shim_testutil.h"
#include "testutil.h"

#define N_MSGS 200
#define GLOBAL_BATCH 4

typedef struct dr_state {
    int count[N_MSGS];
    int errors;
    int with_headers;
    int stats_calls;
    int fatal_calls;
    rd_kafka_resp_err_t last_err;
} dr_state;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    dr_state *s = opaque;
    assert_ptr_equal(rd_kafka_opaque(rk), opaque);
    intptr_t i = (intptr_t)m->_private;
    assert_true(i >= 0 && i < N_MSGS);
    s->count[i]++;
    s->last_err = m->err;
    if (m->err)
        s->errors++;
    rd_kafka_headers_t *h;
    const void *v;
    size_t sz;
    if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_header_get_last(h, LAKESTREAM_SOURCE_POSITION_HEADER, &v, &sz)) {
        assert_int_equal(rd_kafka_header_get_last(h, "idx", &v, &sz), 0);
        assert_int_equal(sz, sizeof(int));
        assert_int_equal(*(const int *)v, (int)i);
        s->with_headers++;
    }
    rd_kafka_timestamp_type_t tt;
    assert_true(rd_kafka_message_timestamp(m, &tt) > 0);
    assert_int_equal(tt, RD_KAFKA_TIMESTAMP_CREATE_TIME);
}

static int stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
    (void)rk;
    dr_state *s = opaque;
    assert_true(len > 0 && strstr(json, "\"txmsgs\":") != NULL);
    s->stats_calls++;
    return 0;
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    dr_state *s = opaque;
    assert_int_equal(err, RD_KAFKA_RESP_ERR__FATAL);
    assert_non_null(strstr(reason, "fenced"));
    s->fatal_calls++;
}

static rd_kafka_t *new_producer(const char *uri, dr_state *s, const char *extra_name,
                                const char *extra_value)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    st_conf_set(conf, "lakestream.global.batch.size", "4");
    st_conf_set(conf, "linger.ms", "600000");  /* commits come from flush only */
    st_conf_set(conf, "client.id", "shim-test");
    st_conf_set(conf, "enable.idempotence", "true");
    if (extra_name)
        st_conf_set(conf, extra_name, extra_value);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_stats_cb(conf, stats_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    rd_kafka_conf_set_opaque(conf, s);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk)
        fail_msg("rd_kafka_new: %s", errstr);
    assert_int_equal(rd_kafka_type(rk), RD_KAFKA_PRODUCER);
    assert_non_null(rd_kafka_name(rk));
    return rk;
}

static void value_of(int i, char *buf, size_t size) { snprintf(buf, size, "sample-%05d", i); }

static void test_produce_and_deliver(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_produce");
    char *uri = st_file_uri(dir);
    dr_state *s = calloc(1, sizeof *s);
    rd_kafka_t *rk = new_producer(uri, s, "statistics.interval.ms", "10");
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, "events", NULL);
    assert_non_null(rkt);
    assert_string_equal(rd_kafka_topic_name(rkt), "events");

    for (int i = 0; i < N_MSGS; i++) {
        char v[32];
        value_of(i, v, sizeof v);
        if (i % 3 == 0) {        /* rd_kafka_produce, F_COPY */
            assert_int_equal(rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                                              v, strlen(v), "k", 1, (void *)(intptr_t)i), 0);
        } else if (i % 3 == 1) { /* producev, F_FREE, key, one header */
            char *heap = strdup(v);
            assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("events"),
                                               RD_KAFKA_V_VALUE(heap, strlen(heap)),
                                               RD_KAFKA_V_KEY("key", 3),
                                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
                                               RD_KAFKA_V_HEADER("idx", &i, sizeof i),
                                               RD_KAFKA_V_OPAQUE((void *)(intptr_t)i),
                                               RD_KAFKA_V_END), 0);
        } else {                 /* producev, RKT, PARTITION, HEADERS, F_COPY */
            rd_kafka_headers_t *h = rd_kafka_headers_new(1);
            assert_int_equal(rd_kafka_header_add(h, "idx", -1, &i, sizeof i), 0);
            assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt),
                                               RD_KAFKA_V_PARTITION(0),
                                               RD_KAFKA_V_VALUE(v, strlen(v)),
                                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                               RD_KAFKA_V_HEADERS(h),
                                               RD_KAFKA_V_OPAQUE((void *)(intptr_t)i),
                                               RD_KAFKA_V_END), 0);
        }
    }
    /* Nothing is committed yet (linger.ms is long): no report may fire. */
    rd_kafka_poll(rk, 20);
    for (int i = 0; i < N_MSGS; i++)
        assert_int_equal(s->count[i], 0);
    assert_int_equal(rd_kafka_outq_len(rk), N_MSGS);
    assert_true(s->stats_calls > 0);

    assert_int_equal(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_outq_len(rk), 0);
    for (int i = 0; i < N_MSGS; i++)
        assert_int_equal(s->count[i], 1);
    assert_int_equal(s->errors, 0);
    assert_int_equal(s->with_headers, N_MSGS - (N_MSGS + 2) / 3);
    rd_kafka_poll(rk, 0);
    for (int i = 0; i < N_MSGS; i++)
        assert_int_equal(s->count[i], 1);
    assert_int_equal(rd_kafka_fatal_error(rk, NULL, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);

    /* The core sees exactly those values, in order. */
    ls_store *st;
    assert_int_equal(ls_store_open(uri, NULL, &st), LS_OK);
    ls_consumer *c;
    assert_int_equal(ls_consumer_open(st, "events", 0, 1, NULL, &c), LS_OK);
    int next = 0;
    for (uint64_t step = 0; step < N_MSGS / GLOBAL_BATCH; step++) {
        ls_batch *b;
        assert_int_equal(ls_consumer_read_step(c, step, 5000, &b), LS_OK);
        assert_int_equal(b->count, GLOBAL_BATCH);
        for (size_t j = 0; j < b->count; j++, next++) {
            char v[32];
            value_of(next, v, sizeof v);
            assert_int_equal(b->lens[j], strlen(v));
            assert_memory_equal(b->samples[j], v, strlen(v));
        }
        ls_batch_destroy(b);
    }
    ls_batch *b = NULL;
    assert_int_equal(ls_consumer_read_step(c, N_MSGS / GLOBAL_BATCH, 0, &b), LS_ERR_TIMEOUT);
    ls_table *t;
    ls_table_info info;
    assert_int_equal(ls_table_open(st, "events", NULL, &t), LS_OK);
    assert_int_equal(ls_table_info_get(t, &info), LS_OK);
    assert_int_equal(info.total_samples, N_MSGS);
    assert_int_equal(info.global_batch, GLOBAL_BATCH);
    ls_table_close(t);
    ls_consumer_close(c);
    ls_store_close(st);
    free(s);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

static void test_queue_full(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_qfull");
    char *uri = st_file_uri(dir);
    dr_state *s = calloc(1, sizeof *s);
    rd_kafka_t *rk = new_producer(uri, s, "queue.buffering.max.messages", "5");
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, "q", NULL);
    assert_non_null(rkt);
    for (int i = 0; i < 5; i++)
        assert_int_equal(rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                                          "x", 1, NULL, 0, (void *)(intptr_t)i), 0);
    errno = 0;
    assert_int_equal(rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, "x", 1,
                                      NULL, 0, (void *)(intptr_t)5), -1);
    assert_int_equal(errno, ENOBUFS);
    assert_int_equal(rd_kafka_last_error(), RD_KAFKA_RESP_ERR__QUEUE_FULL);
    char *heap = strdup("y");
    assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("q"), RD_KAFKA_V_VALUE(heap, 1),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
                                       RD_KAFKA_V_OPAQUE((void *)(intptr_t)5), RD_KAFKA_V_END),
                     RD_KAFKA_RESP_ERR__QUEUE_FULL);
    free(heap);  /* not taken over on failure */
    assert_int_equal(rd_kafka_outq_len(rk), 5);
    /* A full queue commits what it holds at once (linger.ms is 10 minutes
     * here): the next poll serves all 5 reports without waiting. */
    assert_int_equal(rd_kafka_poll(rk, 0), 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(s->count[i], 1);
    assert_int_equal(s->errors, 0);
    assert_int_equal(rd_kafka_outq_len(rk), 0);
    /* Serving the reports frees room. */
    assert_int_equal(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_outq_len(rk), 0);
    assert_int_equal(rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, "x", 1,
                                      NULL, 0, (void *)(intptr_t)5), 0);
    assert_int_equal(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 0; i < 6; i++)
        assert_int_equal(s->count[i], 1);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    free(s);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

static void test_conf(void **state)
{
    (void)state;
    char errstr[512];
    char buf[64];
    size_t size = sizeof buf;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    errstr[0] = '\0';
    assert_int_equal(rd_kafka_conf_set(conf, "no.such.property", "1", errstr, sizeof errstr),
                     RD_KAFKA_CONF_UNKNOWN);
    assert_non_null(strstr(errstr, "no.such.property"));
    assert_int_equal(rd_kafka_conf_set(conf, "lakestream.no.such", "1", errstr, sizeof errstr),
                     RD_KAFKA_CONF_UNKNOWN);
    /* A librdkafka property with no meaning here: accepted, ignored. */
    assert_int_equal(rd_kafka_conf_set(conf, "socket.timeout.ms", "1000", errstr,
                                       sizeof errstr), RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_set(conf, "acks", "all", errstr, sizeof errstr),
                     RD_KAFKA_CONF_OK);
    /* Passthrough to the core. */
    assert_int_equal(rd_kafka_conf_set(conf, "lakestream.producer.commit.interval.ms", "7",
                                       errstr, sizeof errstr), RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_get(conf, "lakestream.producer.commit.interval.ms", buf,
                                       &size), RD_KAFKA_CONF_OK);
    assert_string_equal(buf, "7");
    assert_int_equal(rd_kafka_conf_set(conf, "lakestream.producer.commit.interval.ms", "-1",
                                       errstr, sizeof errstr), RD_KAFKA_CONF_INVALID);
    /* Values that cannot work. */
    assert_int_equal(rd_kafka_conf_set(conf, "lakestream.global.batch.size", "0", errstr,
                                       sizeof errstr), RD_KAFKA_CONF_INVALID);
    assert_int_equal(rd_kafka_conf_set(conf, "enable.idempotence", "maybe", errstr,
                                       sizeof errstr), RD_KAFKA_CONF_INVALID);
    size = sizeof buf;
    assert_int_equal(rd_kafka_conf_get(conf, "client.id", buf, &size), RD_KAFKA_CONF_OK);
    assert_string_equal(buf, "rdkafka");
    rd_kafka_conf_t *dup = rd_kafka_conf_dup(conf);
    size = sizeof buf;
    assert_int_equal(rd_kafka_conf_get(dup, "acks", buf, &size), RD_KAFKA_CONF_OK);
    assert_string_equal(buf, "-1");   /* an integer in librdkafka: "all" reads back as -1 */
    rd_kafka_conf_destroy(dup);

    /* Dumps: name/value pairs, every name readable back with that value. */
    size_t cnt = 1;
    const char **arr = rd_kafka_conf_dump(conf, &cnt);
    assert_non_null(arr);
    assert_int_equal(cnt % 2, 0);
    int seen_interval = 0, seen_client = 0;   /* acks is a topic property: not dumped here */
    for (size_t i = 0; i < cnt; i += 2) {
        char v[1100];
        size_t vsize = sizeof v;
        assert_int_equal(rd_kafka_conf_get(conf, arr[i], v, &vsize), RD_KAFKA_CONF_OK);
        assert_string_equal(v, arr[i + 1]);
        seen_interval += !strcmp(arr[i], "lakestream.producer.commit.interval.ms") &&
                         !strcmp(arr[i + 1], "7");
        seen_client += !strcmp(arr[i], "client.id") && !strcmp(arr[i + 1], "rdkafka");
        assert_string_not_equal(arr[i], "bootstrap.servers");   /* unset, no default */
    }
    assert_int_equal(seen_interval + seen_client, 2);
    rd_kafka_conf_dump_free(arr, cnt);
    rd_kafka_conf_dump_free(NULL, 0);
    /* A topic conf dumps its properties with their values, defaults
     * included (as librdkafka does); a value set reads back. */
    rd_kafka_topic_conf_t *tconf = rd_kafka_topic_conf_new();
    arr = rd_kafka_topic_conf_dump(tconf, &cnt);
    assert_non_null(arr);
    assert_int_equal(cnt % 2, 0);
    for (size_t i = 0; i < cnt; i += 2)
        assert_false(!strcmp(arr[i], "auto.offset.reset") && (!strcmp(arr[i + 1], "earliest") ||
                                                              !strcmp(arr[i + 1], "smallest")));
    rd_kafka_conf_dump_free(arr, cnt);
    assert_int_equal(rd_kafka_topic_conf_set(tconf, "auto.offset.reset", "earliest", errstr,
                                             sizeof errstr), RD_KAFKA_CONF_OK);
    arr = rd_kafka_topic_conf_dump(tconf, &cnt);
    int seen_reset = 0;
    for (size_t i = 0; i < cnt; i += 2)
        seen_reset += !strcmp(arr[i], "auto.offset.reset") &&
                      (!strcmp(arr[i + 1], "earliest") ||   /* librdkafka names the value */
                       !strcmp(arr[i + 1], "smallest"));    /* by its first synonym */
    assert_int_equal(seen_reset, 1);
    rd_kafka_conf_dump_free(arr, cnt);
    rd_kafka_topic_conf_destroy(tconf);
    rd_kafka_conf_destroy(conf);
    rd_kafka_conf_destroy(NULL);

    /* Errors. */
    assert_string_equal(rd_kafka_err2name(RD_KAFKA_RESP_ERR__QUEUE_FULL), "_QUEUE_FULL");
    assert_string_equal(rd_kafka_err2name(RD_KAFKA_RESP_ERR__FENCED), "_FENCED");
    assert_true(strlen(rd_kafka_err2str(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED)) > 0);
    rd_kafka_error_t *e = rd_kafka_send_offsets_to_transaction(NULL, NULL, NULL, 0);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__INVALID_ARG);
    assert_string_equal(rd_kafka_error_name(e), "_INVALID_ARG");
    assert_false(rd_kafka_error_is_retriable(e));
    rd_kafka_error_destroy(e);
}

static void test_bad_bootstrap(void **state)
{
    (void)state;
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    errstr[0] = '\0';
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", "localhost:9092", errstr,
                                       sizeof errstr), RD_KAFKA_CONF_INVALID);
    assert_non_null(strstr(errstr, "store URI"));
    /* No store named at all: rd_kafka_new fails and leaves conf ours. */
    errstr[0] = '\0';
    assert_null(rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr));
    assert_true(strlen(errstr) > 0);
    /* A store that cannot be opened (a path below a regular file). */
    char *dir = lt_tmpdir("shim_badstore");
    char path[1024];
    snprintf(path, sizeof path, "%s/file", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(path, sizeof path, "%s/file/store", dir);
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", path, errstr,
                                       sizeof errstr), RD_KAFKA_CONF_OK);
    errstr[0] = '\0';
    assert_null(rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr));
    assert_true(strlen(errstr) > 0);
    assert_int_not_equal(rd_kafka_last_error(), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_conf_destroy(conf);
    lt_rm_rf(dir);
    free(dir);
}

static void test_fencing(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_fence");
    char *uri = st_file_uri(dir);
    dr_state *s1 = calloc(1, sizeof *s1), *s2 = calloc(1, sizeof *s2);
    rd_kafka_t *old = new_producer(uri, s1, "lakestream.producer.id", "loader-7");
    assert_int_equal(rd_kafka_producev(old, RD_KAFKA_V_TOPIC("f"), RD_KAFKA_V_VALUE("a", 1),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                       RD_KAFKA_V_OPAQUE((void *)(intptr_t)0), RD_KAFKA_V_END),
                     0);
    assert_int_equal(rd_kafka_flush(old, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(s1->count[0], 1);

    rd_kafka_t *newer = new_producer(uri, s2, "lakestream.producer.id", "loader-7");
    assert_int_equal(rd_kafka_producev(newer, RD_KAFKA_V_TOPIC("f"), RD_KAFKA_V_VALUE("b", 1),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                       RD_KAFKA_V_OPAQUE((void *)(intptr_t)0), RD_KAFKA_V_END),
                     0);
    assert_int_equal(rd_kafka_flush(newer, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);

    /* The older instance is fenced at its next commit. */
    rd_kafka_resp_err_t err = rd_kafka_producev(old, RD_KAFKA_V_TOPIC("f"),
                                                RD_KAFKA_V_VALUE("c", 1),
                                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                RD_KAFKA_V_OPAQUE((void *)(intptr_t)1),
                                                RD_KAFKA_V_END);
    /* Accepted (the append does not commit: linger.ms is long); the
     * commit at flush finds the newer epoch. */
    assert_int_equal(err, RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_flush(old, 30000), RD_KAFKA_RESP_ERR__FENCED);
    assert_int_equal(s1->count[1], 1);
    assert_int_equal(s1->last_err, RD_KAFKA_RESP_ERR__FENCED);
    assert_int_equal(rd_kafka_outq_len(old), 0);
    char errstr[512];
    assert_int_equal(rd_kafka_fatal_error(old, errstr, sizeof errstr),
                     RD_KAFKA_RESP_ERR__FENCED);
    assert_non_null(strstr(errstr, "loader-7"));
    rd_kafka_poll(old, 0);
    assert_int_equal(s1->fatal_calls, 1);
    /* Sticky: every later produce fails the same way. */
    assert_int_equal(rd_kafka_producev(old, RD_KAFKA_V_TOPIC("f"), RD_KAFKA_V_VALUE("d", 1),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                       RD_KAFKA_V_END), RD_KAFKA_RESP_ERR__FENCED);
    assert_int_equal(rd_kafka_fatal_error(newer, NULL, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(old);
    rd_kafka_destroy(newer);

    /* The table holds a then b; c was never committed. */
    ls_store *st;
    ls_table *t;
    ls_table_info info;
    assert_int_equal(ls_store_open(uri, NULL, &st), LS_OK);
    assert_int_equal(ls_table_open(st, "f", NULL, &t), LS_OK);
    assert_int_equal(ls_table_info_get(t, &info), LS_OK);
    assert_int_equal(info.total_samples, 2);
    ls_table_close(t);
    ls_store_close(st);
    free(s1);
    free(s2);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

static rd_kafka_resp_err_t produce_at(rd_kafka_t *rk, int i)
{
    char v[32];
    value_of(i, v, sizeof v);
    uint64_t pos = (uint64_t)i + 1;  /* the source position after message i */
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("gen"), RD_KAFKA_V_VALUE(v, strlen(v)),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_HEADER(LAKESTREAM_SOURCE_POSITION_HEADER, &pos,
                                               (ssize_t)sizeof pos),
                             RD_KAFKA_V_OPAQUE((void *)(intptr_t)i), RD_KAFKA_V_END);
}

static uint64_t resume_at(rd_kafka_t *rk)
{
    uint64_t pos = 0;
    size_t size = sizeof pos;
    assert_int_equal(rd_kafka_lakestream_source_position(rk, "gen", &pos, &size), 0);
    assert_true(size == 0 || size == sizeof pos);
    return size ? pos : 0;
}

/* A producer of a source tags messages with its position; one that dies
 * with uncommitted messages is replaced by one that resumes at the last
 * committed position: the table holds every value once, in order. */
static void test_source_position(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_srcpos");
    char *uri = st_file_uri(dir);
    dr_state *s1 = calloc(1, sizeof *s1), *s2 = calloc(1, sizeof *s2);
    rd_kafka_t *a = new_producer(uri, s1, "lakestream.producer.id", "gen-1");
    assert_int_equal(resume_at(a), 0);       /* nothing committed yet */
    for (int i = 0; i < 10; i++)
        assert_int_equal(produce_at(a, i), 0);
    assert_int_equal(rd_kafka_flush(a, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 10; i < 15; i++)            /* appended, never committed */
        assert_int_equal(produce_at(a, i), 0);

    /* Too small a buffer says how large it must be. */
    rd_kafka_t *b = new_producer(uri, s2, "lakestream.producer.id", "gen-1");
    uint8_t small[4];
    size_t size = sizeof small;
    assert_int_equal(rd_kafka_lakestream_source_position(b, "gen", small, &size),
                     RD_KAFKA_RESP_ERR__INVALID_ARG);
    assert_int_equal(size, sizeof(uint64_t));
    uint64_t from = resume_at(b);            /* b is now the incarnation */
    assert_int_equal(from, 10);
    for (int i = (int)from; i < 20; i++)
        assert_int_equal(produce_at(b, i), 0);
    assert_int_equal(rd_kafka_flush(b, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(resume_at(b), 20);
    assert_int_equal(rd_kafka_flush(a, 30000), RD_KAFKA_RESP_ERR__FENCED);
    for (int i = 10; i < 15; i++)
        assert_int_equal(s1->count[i], 1);   /* reported, as failed */
    rd_kafka_destroy(a);
    rd_kafka_destroy(b);

    /* A consumer handle has no source position. */
    char errstr[512];
    rd_kafka_conf_t *cc = rd_kafka_conf_new();
    st_conf_set(cc, "bootstrap.servers", uri);
    st_conf_set(cc, "group.id", "g");
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, cc, errstr, sizeof errstr);
    assert_non_null(c);
    uint64_t pos;
    size = sizeof pos;
    assert_int_equal(rd_kafka_lakestream_source_position(c, "gen", &pos, &size),
                     RD_KAFKA_RESP_ERR__INVALID_ARG);
    rd_kafka_destroy(c);

    ls_store *st;
    ls_consumer *lc;
    assert_int_equal(ls_store_open(uri, NULL, &st), LS_OK);
    assert_int_equal(ls_consumer_open(st, "gen", 0, 1, NULL, &lc), LS_OK);
    for (uint64_t step = 0; step < 5; step++) {
        ls_batch *bt;
        assert_int_equal(ls_consumer_read_step(lc, step, 5000, &bt), LS_OK);
        for (size_t k = 0; k < bt->count; k++) {
            char v[32];
            value_of((int)(step * GLOBAL_BATCH + k), v, sizeof v);
            assert_int_equal(bt->lens[k], strlen(v));
            assert_memory_equal(bt->samples[k], v, strlen(v));
        }
        ls_batch_destroy(bt);
    }
    ls_table *t;
    ls_table_info info;
    assert_int_equal(ls_table_open(st, "gen", NULL, &t), LS_OK);
    assert_int_equal(ls_table_info_get(t, &info), LS_OK);
    assert_int_equal(info.total_samples, 20);
    ls_table_close(t);
    ls_consumer_close(lc);
    ls_store_close(st);
    free(s1);
    free(s2);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* Reports come from rd_kafka_poll alone once linger.ms has passed, and a
 * store failing and losing replies (the core's fault layer, through the
 * lakestream.* passthrough) still ends with every value exactly once. */
static void test_poll_under_faults(void **state)
{
    (void)state;
    uint64_t seed = lt_seed();
    char *dir = lt_tmpdir("shim_faults");
    char *uri = st_file_uri(dir);
    char seedstr[32];
    snprintf(seedstr, sizeof seedstr, "%llu", (unsigned long long)(seed % 1000000007u));
    dr_state *s = calloc(1, sizeof *s);
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    st_conf_set(conf, "linger.ms", "5");
    st_conf_set(conf, "lakestream.store.fault.error.permille", "100");
    st_conf_set(conf, "lakestream.store.fault.lost.reply.permille", "50");
    st_conf_set(conf, "lakestream.store.fault.seed", seedstr);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_opaque(conf, s);
    rd_kafka_t *rk = NULL;
    /* Opening the topic writes to the store too: retry through faults. */
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    assert_non_null(rk);
    rd_kafka_topic_t *rkt = NULL;
    for (int tries = 0; !rkt && tries < 50; tries++)
        rkt = rd_kafka_topic_new(rk, "faulty", NULL);
    assert_non_null(rkt);
    int produced = 0;
    while (produced < N_MSGS) {
        char v[32];
        value_of(produced, v, sizeof v);
        if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, v, strlen(v),
                             NULL, 0, (void *)(intptr_t)produced) == 0)
            produced++;
        else
            assert_int_not_equal(rd_kafka_last_error(), RD_KAFKA_RESP_ERR__FENCED);
        rd_kafka_poll(rk, 0);
    }
    for (int i = 0; i < 2000 && rd_kafka_outq_len(rk) > 0; i++)
        rd_kafka_poll(rk, 10);
    assert_int_equal(rd_kafka_flush(rk, 60000), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 0; i < N_MSGS; i++)
        assert_int_equal(s->count[i], 1);
    assert_int_equal(s->errors, 0);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);

    ls_store *st;
    assert_int_equal(ls_store_open(uri, NULL, &st), LS_OK);
    ls_consumer *c;
    assert_int_equal(ls_consumer_open(st, "faulty", 0, 1, NULL, &c), LS_OK);
    for (uint64_t step = 0; step < N_MSGS; step++) {
        ls_batch *b;
        char v[32];
        value_of((int)step, v, sizeof v);
        assert_int_equal(ls_consumer_read_step(c, step, 5000, &b), LS_OK);
        assert_int_equal(b->count, 1);
        assert_int_equal(b->lens[0], strlen(v));
        assert_memory_equal(b->samples[0], v, strlen(v));
        ls_batch_destroy(b);
    }
    ls_batch *b = NULL;
    assert_int_equal(ls_consumer_read_step(c, N_MSGS, 0, &b), LS_ERR_TIMEOUT);
    ls_consumer_close(c);
    ls_store_close(st);
    free(s);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One message on a fresh producer with linger.ms = 600000 (and the given
 * core policy, if any); polls for up to wait_ms or until its report fires.
 * Returns the ms from the produce to the report, or -1 if none fired. */
static int64_t first_report_ms(const char *uri, const char *topic, const char *policy,
                               int64_t wait_ms)
{
    dr_state *s = calloc(1, sizeof *s);
    rd_kafka_t *rk = new_producer(uri, s, policy ? "lakestream.producer.commit.policy" : NULL,
                                  policy);
    int64_t t0 = mono_ms(), fired = -1;
    assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE("v", 1),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                       RD_KAFKA_V_OPAQUE((void *)(intptr_t)0), RD_KAFKA_V_END),
                     0);
    while (mono_ms() - t0 < wait_ms && fired < 0) {
        rd_kafka_poll(rk, 20);
        if (s->count[0])
            fired = mono_ms() - t0;
    }
    assert_int_equal(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(s->count[0], 1);
    assert_int_equal(s->errors, 0);
    rd_kafka_destroy(rk);
    free(s);
    return fired;
}

/* linger.ms is librdkafka's: with it set, the producer commits on that
 * fixed interval, also when it is longer than DAC's ceiling (1 s), so
 * nothing is committed by polls within 1.5 s of a 600 s linger.  With
 * lakestream.producer.commit.policy=dac it is DAC's starting interval,
 * capped at producer.dac.interval.ms.max: the report comes from a poll
 * once that ceiling has passed. */
static void test_linger_policy(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_linger");
    char *uri = st_file_uri(dir);
    assert_int_equal(first_report_ms(uri, "fixed", NULL, 1500), -1);
    int64_t ms = first_report_ms(uri, "dac", "dac", 20000);
    assert_true(ms >= 1000);
    assert_true(ms < 20000);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* ---- issue 16: plain producers, delivery places, purge, produceva ---- */

#define REC_MAX 64

/* Reports by msg_opaque index: how many, and the last one's error and place. */
typedef struct rec_state {
    int count[REC_MAX];
    rd_kafka_resp_err_t err[REC_MAX];
    int32_t partition[REC_MAX];
    int64_t offset[REC_MAX];
} rec_state;

static void rec_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    rec_state *s = opaque;
    intptr_t i = (intptr_t)m->_private;
    assert_true(i >= 0 && i < REC_MAX);
    s->count[i]++;
    s->err[i] = m->err;
    s->partition[i] = m->partition;
    s->offset[i] = m->offset;
}

static rd_kafka_t *rec_producer(const char *uri, rec_state *s, const char *batch,
                                const char *name, const char *value)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    st_conf_set(conf, "lakestream.global.batch.size", batch);
    st_conf_set(conf, "linger.ms", "600000");  /* commits come from flush only */
    st_conf_set(conf, "client.id", "shim-test");
    st_conf_set(conf, "lakestream.store.fsync", "false");
    if (name)
        st_conf_set(conf, name, value);
    rd_kafka_conf_set_dr_msg_cb(conf, rec_cb);
    rd_kafka_conf_set_opaque(conf, s);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk)
        fail_msg("rd_kafka_new: %s", errstr);
    return rk;
}

static void rec_value(int i, char *v, size_t size) { snprintf(v, size, "v-%03d", i); }

static rd_kafka_resp_err_t rec_produce(rd_kafka_t *rk, const char *topic, int i)
{
    char v[16];
    rec_value(i, v, sizeof v);
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(v, strlen(v)),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_OPAQUE((void *)(intptr_t)i), RD_KAFKA_V_END);
}

/* Every visible sample of `topic`, in the global order: *n values, each
 * the index i of rec_value(i) (-1 for a value of another form). */
static void read_table(const char *uri, const char *topic, int *vals, size_t cap, size_t *n)
{
    ls_store *st;
    ls_table *t;
    ls_table_info info;
    assert_int_equal(ls_store_open(uri, NULL, &st), LS_OK);
    assert_int_equal(ls_table_open(st, topic, NULL, &t), LS_OK);
    assert_int_equal(ls_table_info_get(t, &info), LS_OK);
    ls_table_close(t);
    ls_consumer *c;
    assert_int_equal(ls_consumer_open(st, topic, 0, 1, NULL, &c), LS_OK);
    *n = 0;
    for (uint64_t step = 0; step < info.visible_steps; step++) {
        ls_batch *b;
        assert_int_equal(ls_consumer_read_step(c, step, 5000, &b), LS_OK);
        for (size_t j = 0; j < b->count; j++) {
            assert_true(*n < cap);
            char v[32] = "";
            memcpy(v, b->samples[j], b->lens[j] < sizeof v - 1 ? b->lens[j] : sizeof v - 1);
            int x;
            vals[(*n)++] = sscanf(v, "v-%d", &x) == 1 ? x : -1;
        }
        ls_batch_destroy(b);
    }
    assert_int_equal(*n, info.total_samples);
    ls_consumer_close(c);
    ls_store_close(st);
}

/* Two copies of one plain producer (same client.id and rank) both deliver
 * everything, interleaved, with no fencing: each has its own producer id.
 * Reports carry partition 0 and the sample's place in the global order,
 * which is where a consumer at world size 1 reads it. */
static void test_plain_producers_and_places(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_plain");
    char *uri = st_file_uri(dir);
    rec_state *sa = calloc(1, sizeof *sa), *sb = calloc(1, sizeof *sb);
    rd_kafka_t *a = rec_producer(uri, sa, "4", NULL, NULL);
    rd_kafka_t *b = rec_producer(uri, sb, "4", NULL, NULL);
    for (int round = 0; round < 4; round++) {
        rd_kafka_t *rk = round % 2 ? b : a;
        for (int i = round * 10; i < round * 10 + 10; i++)
            assert_int_equal(rec_produce(rk, "plain", i), 0);
        assert_int_equal(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    /* Both still healthy: a's next commit is not fenced by b's open. */
    assert_int_equal(rec_produce(a, "plain", 40), 0);
    assert_int_equal(rec_produce(b, "plain", 41), 0);
    assert_int_equal(rd_kafka_flush(a, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_flush(b, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rec_produce(a, "plain", 42), 0);
    assert_int_equal(rec_produce(a, "plain", 43), 0);
    assert_int_equal(rd_kafka_flush(a, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_fatal_error(a, NULL, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_fatal_error(b, NULL, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(a);
    rd_kafka_destroy(b);

    int vals[REC_MAX];
    size_t n;
    read_table(uri, "plain", vals, REC_MAX, &n);
    assert_int_equal(n, 44);
    int seen[REC_MAX] = {0};
    for (int i = 0; i < 44; i++) {
        rec_state *s = (i < 40 ? (i / 10) % 2 : i == 41) ? sb : sa;
        assert_int_equal(s->count[i], 1);
        assert_int_equal(s->err[i], RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(s->partition[i], 0);
        assert_true(s->offset[i] >= 0 && s->offset[i] < 44);
        assert_int_equal(vals[s->offset[i]], i);   /* the report says where it is */
        seen[vals[i]]++;
    }
    for (int i = 0; i < 44; i++)
        assert_int_equal(seen[i], 1);

    /* Two producer ids, both "<client.id>.r<rank>.<suffix>", never bumped. */
    ls_store *st;
    ls_table *t;
    ls_producer_info pi[3];
    assert_int_equal(ls_store_open(uri, NULL, &st), LS_OK);
    assert_int_equal(ls_table_open(st, "plain", NULL, &t), LS_OK);
    assert_int_equal(ls_table_producer_get(t, 0, &pi[0]), LS_OK);
    assert_int_equal(ls_table_producer_get(t, 1, &pi[1]), LS_OK);
    assert_int_equal(ls_table_producer_get(t, 2, &pi[2]), LS_ERR_NOT_FOUND);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(strncmp(pi[k].id, "shim-test.r0.", 13), 0);
        assert_int_equal(strlen(pi[k].id), 13 + 16);
        assert_int_equal(pi[k].epoch, 1);
    }
    assert_string_not_equal(pi[0].id, pi[1].id);
    ls_table_close(t);
    ls_store_close(st);
    free(sa);
    free(sb);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* Two transactional producers with one transactional.id: the newer
 * fences the older (fatal _FENCED at its next commit); only the committed
 * transactions are in the table. */
static void test_transactional_fencing(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_txfence");
    char *uri = st_file_uri(dir);
    rec_state *so = calloc(1, sizeof *so), *sn = calloc(1, sizeof *sn);
    rd_kafka_t *old = rec_producer(uri, so, "1", "transactional.id", "tx-7");
    assert_null(rd_kafka_init_transactions(old, 5000));
    assert_null(rd_kafka_begin_transaction(old));
    assert_int_equal(rec_produce(old, "tx", 0), 0);
    assert_null(rd_kafka_commit_transaction(old, 30000));
    assert_null(rd_kafka_begin_transaction(old));
    assert_int_equal(rec_produce(old, "tx", 1), 0);

    rd_kafka_t *newer = rec_producer(uri, sn, "1", "transactional.id", "tx-7");
    assert_null(rd_kafka_init_transactions(newer, 5000));
    assert_null(rd_kafka_begin_transaction(newer));
    assert_int_equal(rec_produce(newer, "tx", 2), 0);
    assert_null(rd_kafka_commit_transaction(newer, 30000));

    rd_kafka_error_t *e = rd_kafka_commit_transaction(old, 30000);
    assert_non_null(e);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__FENCED);
    assert_true(rd_kafka_error_is_fatal(e));
    rd_kafka_error_destroy(e);
    rd_kafka_poll(old, 0);
    assert_int_equal(so->err[1], RD_KAFKA_RESP_ERR__FENCED);
    assert_int_equal(rd_kafka_fatal_error(old, NULL, 0), RD_KAFKA_RESP_ERR__FENCED);
    assert_int_equal(rd_kafka_fatal_error(newer, NULL, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_poll(newer, 0);
    assert_int_equal(sn->err[2], RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(sn->offset[2], 1);
    rd_kafka_destroy(old);
    rd_kafka_destroy(newer);
    int vals[REC_MAX];
    size_t n;
    read_table(uri, "tx", vals, REC_MAX, &n);
    assert_int_equal(n, 2);
    assert_int_equal(vals[0], 0);
    assert_int_equal(vals[1], 2);
    free(so);
    free(sn);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* White box (the one use of shim_int.h here): wrap the handle's store in
 * the core's fault store before any topic is opened, so that commits can
 * be made to fail at will. */
static ls_store *wrap_faults(rd_kafka_t *rk)
{
    ls_store *f;
    assert_int_equal(ls_store_fault_new(rk->st, NULL, &f), LS_OK);
    rk->st = f;
    return f;
}

static void wait_reports(rd_kafka_t *rk, rec_state *s, int from, int to)
{
    for (int tries = 0; tries < 1000; tries++) {
        int missing = 0;
        for (int i = from; i < to; i++)
            missing += s->count[i] == 0;
        if (!missing)
            return;
        rd_kafka_poll(rk, 10);
    }
    fail_msg("reports %d..%d did not come", from, to - 1);
}

/* rd_kafka_purge: _QUEUE drops messages no commit attempt has carried
 * (_PURGE_QUEUE) and leaves a commit in flight to finish; _INFLIGHT drops
 * such a commit, whose outcome is unknown (_PURGE_INFLIGHT). */
static void test_purge(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_purge");
    char *uri = st_file_uri(dir);
    rec_state *s = calloc(1, sizeof *s);
    rd_kafka_t *rk = rec_producer(uri, s, "1", "lakestream.store.retries", "1");
    ls_store *f = wrap_faults(rk);
    ls_fault_opts no_log = {.op_mask = LS_FAULT_OP_PUT_IF_ABSENT, .fail_at = 1,
                            .fail_persist = 1};

    /* Queued only. */
    for (int i = 0; i < 5; i++)
        assert_int_equal(rec_produce(rk, "p", i), 0);
    assert_int_equal(rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE), RD_KAFKA_RESP_ERR_NO_ERROR);
    wait_reports(rk, s, 0, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(s->err[i], RD_KAFKA_RESP_ERR__PURGE_QUEUE);
    assert_int_equal(rd_kafka_outq_len(rk), 0);
    for (int i = 5; i < 8; i++)
        assert_int_equal(rec_produce(rk, "p", i), 0);
    assert_int_equal(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);

    /* A commit in flight (its log write fails) stays; the queued go. */
    for (int i = 8; i < 12; i++)
        assert_int_equal(rec_produce(rk, "p", i), 0);
    assert_int_equal(ls_store_fault_set(f, &no_log), LS_OK);
    assert_int_not_equal(rd_kafka_flush(rk, 200), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 12; i < 14; i++)
        assert_int_equal(rec_produce(rk, "p", i), 0);
    assert_int_equal(rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_NON_BLOCKING),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
    wait_reports(rk, s, 12, 14);
    for (int i = 8; i < 12; i++)
        assert_int_equal(s->count[i], 0);
    assert_int_equal(ls_store_fault_set(f, NULL), LS_OK);
    assert_int_equal(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 8; i < 12; i++)
        assert_int_equal(s->err[i], RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 12; i < 14; i++)
        assert_int_equal(s->err[i], RD_KAFKA_RESP_ERR__PURGE_QUEUE);

    /* In flight only: that commit goes, the queued message stays. */
    for (int i = 14; i < 16; i++)
        assert_int_equal(rec_produce(rk, "p", i), 0);
    assert_int_equal(ls_store_fault_set(f, &no_log), LS_OK);
    assert_int_not_equal(rd_kafka_flush(rk, 200), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rec_produce(rk, "p", 16), 0);
    assert_int_equal(rd_kafka_purge(rk, RD_KAFKA_PURGE_F_INFLIGHT), RD_KAFKA_RESP_ERR_NO_ERROR);
    wait_reports(rk, s, 14, 16);
    for (int i = 14; i < 16; i++)
        assert_int_equal(s->err[i], RD_KAFKA_RESP_ERR__PURGE_INFLIGHT);
    assert_int_equal(s->count[16], 0);
    assert_int_equal(ls_store_fault_set(f, NULL), LS_OK);
    assert_int_equal(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(s->err[16], RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(s->offset[16], 7);

    /* Nothing to purge, bad flags, and a consumer handle. */
    assert_int_equal(rd_kafka_purge(rk, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_purge(rk, RD_KAFKA_PURGE_F_NON_BLOCKING), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_purge(rk, 0x100), RD_KAFKA_RESP_ERR__INVALID_ARG);
    rd_kafka_destroy(rk);
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    assert_non_null(c);
    assert_int_equal(rd_kafka_purge(c, RD_KAFKA_PURGE_F_QUEUE), RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
    rd_kafka_destroy(c);

    int vals[REC_MAX], want[] = {5, 6, 7, 8, 9, 10, 11, 16};
    size_t n;
    read_table(uri, "p", vals, REC_MAX, &n);
    assert_int_equal(n, 8);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(vals[i], want[i]);
    free(s);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* rd_kafka_produceva: producev's arguments as an array, errors as objects. */
static void test_produceva(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_produceva");
    char *uri = st_file_uri(dir);
    rec_state *s = calloc(1, sizeof *s);
    rd_kafka_t *rk = rec_producer(uri, s, "1", NULL, NULL);
    char *heap = strdup("v-001");
    int idx = 1;
    rd_kafka_vu_t vus[] = {
        {.vtype = RD_KAFKA_VTYPE_TOPIC, .u.cstr = "va"},
        {.vtype = RD_KAFKA_VTYPE_VALUE, .u.mem = {(void *)"v-000", 5}},
        {.vtype = RD_KAFKA_VTYPE_KEY, .u.mem = {(void *)"k", 1}},
        {.vtype = RD_KAFKA_VTYPE_PARTITION, .u.i32 = RD_KAFKA_PARTITION_UA},
        {.vtype = RD_KAFKA_VTYPE_MSGFLAGS, .u.i = RD_KAFKA_MSG_F_COPY},
        {.vtype = RD_KAFKA_VTYPE_TIMESTAMP, .u.i64 = 1234},
        {.vtype = RD_KAFKA_VTYPE_HEADER, .u.header = {"idx", &idx, sizeof idx}},
        {.vtype = RD_KAFKA_VTYPE_OPAQUE, .u.ptr = (void *)(intptr_t)0},
    };
    assert_null(rd_kafka_produceva(rk, vus, sizeof vus / sizeof vus[0]));
    /* F_FREE: the payload is the shim's on success. */
    rd_kafka_vu_t vus2[] = {
        {.vtype = RD_KAFKA_VTYPE_TOPIC, .u.cstr = "va"},
        {.vtype = RD_KAFKA_VTYPE_VALUE, .u.mem = {heap, 5}},
        {.vtype = RD_KAFKA_VTYPE_MSGFLAGS, .u.i = RD_KAFKA_MSG_F_FREE},
        {.vtype = RD_KAFKA_VTYPE_OPAQUE, .u.ptr = (void *)(intptr_t)1},
    };
    assert_null(rd_kafka_produceva(rk, vus2, 4));

    /* Errors: V_HEADER with V_HEADERS, no topic, END inside the array. */
    rd_kafka_headers_t *h = rd_kafka_headers_new(1);
    rd_kafka_vu_t bad1[] = {
        {.vtype = RD_KAFKA_VTYPE_TOPIC, .u.cstr = "va"},
        {.vtype = RD_KAFKA_VTYPE_HEADERS, .u.headers = h},
        {.vtype = RD_KAFKA_VTYPE_HEADER, .u.header = {"x", "y", 1}},
    };
    rd_kafka_error_t *e = rd_kafka_produceva(rk, bad1, 3);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__CONFLICT);
    rd_kafka_error_destroy(e);
    rd_kafka_headers_destroy(h);   /* stays the caller's on failure */
    rd_kafka_vu_t bad2[] = {{.vtype = RD_KAFKA_VTYPE_VALUE, .u.mem = {(void *)"x", 1}}};
    e = rd_kafka_produceva(rk, bad2, 1);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__INVALID_ARG);
    assert_non_null(strstr(rd_kafka_error_string(e), "topic"));
    rd_kafka_error_destroy(e);
    rd_kafka_vu_t bad3[] = {{.vtype = RD_KAFKA_VTYPE_TOPIC, .u.cstr = "va"},
                            {.vtype = RD_KAFKA_VTYPE_END}};
    e = rd_kafka_produceva(rk, bad3, 2);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__INVALID_ARG);
    rd_kafka_error_destroy(e);
    rd_kafka_vu_t bad4[] = {{.vtype = RD_KAFKA_VTYPE_TOPIC, .u.cstr = "va"},
                            {.vtype = RD_KAFKA_VTYPE_PARTITION, .u.i32 = -5}};
    e = rd_kafka_produceva(rk, bad4, 2);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);
    rd_kafka_error_destroy(e);

    assert_int_equal(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(s->count[i], 1);
        assert_int_equal(s->err[i], RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(s->offset[i], i);
    }
    rd_kafka_destroy(rk);
    int vals[REC_MAX];
    size_t n;
    read_table(uri, "va", vals, REC_MAX, &n);
    assert_int_equal(n, 2);
    assert_int_equal(vals[0], 0);
    assert_int_equal(vals[1], 1);
    free(s);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_produce_and_deliver),
        cmocka_unit_test(test_queue_full),
        cmocka_unit_test(test_conf),
        cmocka_unit_test(test_bad_bootstrap),
        cmocka_unit_test(test_fencing),
        cmocka_unit_test(test_poll_under_faults),
        cmocka_unit_test(test_source_position),
        cmocka_unit_test(test_linger_policy),
        cmocka_unit_test(test_plain_producers_and_places),
        cmocka_unit_test(test_transactional_fencing),
        cmocka_unit_test(test_purge),
        cmocka_unit_test(test_produceva),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
