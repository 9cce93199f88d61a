/*
 * test_shim_queue.c -- liblakestream-rdkafka's queues and events, the
 * legacy consumer, metadata, groups and offsets_for_times, through
 * librdkafka's API only.  Cases: DR events on the main queue (set_events)
 * and dr_msg_cb otherwise; consume_batch_queue on the consumer queue;
 * commit_queue with and without a queue; the legacy consumer on its own
 * partition queue and on an application queue (consume, consume_batch,
 * consume_callback, stop); metadata of all topics, one topic and a world
 * size that does not divide B; list_groups after a commit;
 * offsets_for_times before, inside and after the commits; log lines to a
 * log queue; background_event_cb on its thread; queue forwarding; the
 * statistics' samples waiting for a step to fill.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>

#include "shim_testutil.h"
#include "testutil.h"

#define POLL_MS 20000

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static rd_kafka_t *producer(const char *uri, int B, int events)
{
    char errstr[512], b[16];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    snprintf(b, sizeof b, "%d", B);
    st_conf_set(conf, "lakestream.global.batch.size", b);
    st_conf_set(conf, "linger.ms", "600000");
    if (events)
        rd_kafka_conf_set_events(conf, RD_KAFKA_EVENT_DR);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk)
        fail_msg("rd_kafka_new: %s", errstr);
    return rk;
}

static void produce_n(rd_kafka_t *rk, const char *topic, int first, int n)
{
    for (int i = first; i < first + n; i++) {
        char v[32];
        snprintf(v, sizeof v, "v-%05d", i);
        assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                                           RD_KAFKA_V_VALUE(v, strlen(v)),
                                           RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                           RD_KAFKA_V_END), 0);
    }
}

static void produce(const char *uri, const char *topic, int B, int first, int n)
{
    rd_kafka_t *rk = producer(uri, B, 0);
    produce_n(rk, topic, first, n);
    assert_int_equal(rd_kafka_flush(rk, 30000), 0);
    rd_kafka_destroy(rk);
}

static rd_kafka_t *consumer(const char *uri, const char *group, int rank, int world)
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
    st_conf_set(conf, "auto.offset.reset", "earliest");
    st_conf_set(conf, "enable.auto.commit", "false");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk)
        fail_msg("rd_kafka_new: %s", errstr);
    return rk;
}

static void check_value(const rd_kafka_message_t *m, int i)
{
    char v[32];
    snprintf(v, sizeof v, "v-%05d", i);
    assert_int_equal(m->err, 0);
    assert_int_equal(m->len, strlen(v));
    assert_memory_equal(m->payload, v, m->len);
}

/* ---- producer events ---- */

static int dr_seen;
static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk; (void)opaque;
    if (!m->err && rd_kafka_message_latency(m) > 0)
        dr_seen++;  /* produce to delivery, in µs */
}

static void test_dr_events(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shimq_dr"), *uri = st_file_uri(dir);
    rd_kafka_t *rk = producer(uri, 1, 1);
    produce_n(rk, "t", 0, 25);
    assert_int_equal(rd_kafka_outq_len(rk), 25);
    rd_kafka_queue_t *mq = rd_kafka_queue_get_main(rk);
    /* Not committed yet (linger 600 s): no event.  rd_kafka_poll does not
     * serve DRs as callbacks while DR events are enabled. */
    assert_null(rd_kafka_queue_poll(mq, 50));
    /* flush commits and waits for the reports: with DR events the events
     * must be polled from the main queue, so flush times out first. */
    rd_kafka_flush(rk, 200);
    int got = 0;
    int64_t until = wall_ms() + POLL_MS;
    while (got < 25 && wall_ms() < until) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(mq, 100);
        if (!ev)
            continue;
        assert_int_equal(rd_kafka_event_type(ev), RD_KAFKA_EVENT_DR);
        assert_string_equal(rd_kafka_event_name(ev), "DeliveryReport");
        size_t n = rd_kafka_event_message_count(ev);
        const rd_kafka_message_t *ms[64];
        assert_int_equal(rd_kafka_event_message_array(ev, ms, 64), n);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(ms[i]->err, 0);
        assert_null(rd_kafka_event_message_next(ev));  /* the array took them all */
        got += (int)n;
        rd_kafka_event_destroy(ev);
    }
    assert_int_equal(got, 25);
    assert_int_equal(rd_kafka_outq_len(rk), 0);
    rd_kafka_queue_destroy(mq);
    rd_kafka_destroy(rk);

    /* Without the events mask: dr_msg_cb from rd_kafka_poll, no events. */
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    st_conf_set(conf, "linger.ms", "600000");
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    assert_non_null(rk);
    dr_seen = 0;
    produce_n(rk, "t", 25, 5);
    assert_int_equal(rd_kafka_flush(rk, 30000), 0);
    assert_int_equal(dr_seen, 5);
    rd_kafka_destroy(rk);
    lt_rm_rf(dir);
    free(dir);
    free(uri);
}

/* ---- consumer queue, commit_queue ---- */

static int commit_cb_calls;
static rd_kafka_resp_err_t commit_cb_err = -1;
static void commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    (void)rk; (void)offsets;
    assert_ptr_equal(opaque, &commit_cb_calls);
    commit_cb_calls++;
    commit_cb_err = err;
}

static void test_consumer_queue_commit_queue(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shimq_cq"), *uri = st_file_uri(dir);
    produce(uri, "t", 1, 0, 40);
    rd_kafka_t *c = consumer(uri, "g", 0, 1);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "t", RD_KAFKA_PARTITION_UA);
    assert_int_equal(rd_kafka_subscribe(c, l), 0);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_queue_t *cq = rd_kafka_queue_get_consumer(c);
    assert_non_null(cq);
    rd_kafka_message_t *ms[16];
    int got = 0;
    int64_t until = wall_ms() + POLL_MS;
    while (got < 16 && wall_ms() < until) {
        ssize_t n = rd_kafka_consume_batch_queue(cq, 500, ms, (size_t)(16 - got));
        assert_true(n >= 0);
        for (ssize_t i = 0; i < n; i++) {
            check_value(ms[i], got + (int)i);
            assert_int_equal(ms[i]->offset, got + i);
            rd_kafka_message_destroy(ms[i]);
        }
        got += (int)n;
    }
    assert_int_equal(got, 16);
    /* A synchronous commit: the callback runs before the call returns. */
    commit_cb_calls = 0;
    assert_int_equal(rd_kafka_commit_queue(c, NULL, NULL, commit_cb, &commit_cb_calls), 0);
    assert_int_equal(commit_cb_calls, 1);
    assert_int_equal(commit_cb_err, 0);
    /* Through a queue: the result waits there until served. */
    rd_kafka_message_t *m = rd_kafka_consume_queue(cq, POLL_MS);
    assert_non_null(m);
    check_value(m, 16);
    rd_kafka_message_destroy(m);
    rd_kafka_queue_t *q = rd_kafka_queue_new(c);
    assert_int_equal(rd_kafka_commit_queue(c, NULL, q, commit_cb, &commit_cb_calls), 0);
    assert_int_equal(commit_cb_calls, 1);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 1000);
    assert_non_null(ev);
    assert_int_equal(rd_kafka_event_type(ev), RD_KAFKA_EVENT_OFFSET_COMMIT);
    assert_int_equal(rd_kafka_event_error(ev), 0);
    rd_kafka_topic_partition_list_t *offs = rd_kafka_event_topic_partition_list(ev);
    assert_non_null(offs);
    assert_int_equal(offs->cnt, 1);
    assert_int_equal(offs->elems[0].offset, 17);
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_queue_destroy(cq);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);

    /* The group lists, and a new member resumes at 17. */
    rd_kafka_t *c2 = consumer(uri, "g", 0, 1);
    const struct rd_kafka_group_list *gl;
    assert_int_equal(rd_kafka_list_groups(c2, NULL, &gl, 1000), 0);
    assert_int_equal(gl->group_cnt, 1);
    assert_string_equal(gl->groups[0].group, "g");
    rd_kafka_group_list_destroy(gl);
    assert_int_equal(rd_kafka_list_groups(c2, "nosuch", &gl, 1000), 0);
    assert_int_equal(gl->group_cnt, 0);
    rd_kafka_group_list_destroy(gl);
    l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "t", RD_KAFKA_PARTITION_UA);
    assert_int_equal(rd_kafka_subscribe(c2, l), 0);
    rd_kafka_topic_partition_list_destroy(l);
    m = rd_kafka_consumer_poll(c2, POLL_MS);
    assert_non_null(m);
    check_value(m, 17);
    rd_kafka_message_destroy(m);
    rd_kafka_consumer_close(c2);
    rd_kafka_destroy(c2);
    lt_rm_rf(dir);
    free(dir);
    free(uri);
}

/* ---- the legacy consumer ---- */

static int cb_next;
static void consume_cb(rd_kafka_message_t *m, void *opaque)
{
    (void)opaque;
    check_value(m, cb_next++);
}

static void test_legacy(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shimq_leg"), *uri = st_file_uri(dir);
    produce(uri, "t", 2, 0, 40);   /* B = 2: 20 steps */
    rd_kafka_t *c = consumer(uri, NULL, 0, 2);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(c, "t", NULL);
    /* Partition 1 of W = 2: the odd samples, offsets 0..19. */
    assert_int_equal(rd_kafka_consume_start(rkt, 1, RD_KAFKA_OFFSET_BEGINNING), 0);
    assert_int_equal(rd_kafka_consume_start(rkt, 1, 0), -1);  /* started twice */
    rd_kafka_message_t *m = rd_kafka_consume(rkt, 1, POLL_MS);
    assert_non_null(m);
    check_value(m, 1);
    assert_int_equal(m->partition, 1);
    assert_int_equal(m->offset, 0);
    rd_kafka_message_destroy(m);
    rd_kafka_message_t *ms[5];
    ssize_t n = rd_kafka_consume_batch(rkt, 1, POLL_MS, ms, 5);
    assert_int_equal(n, 5);
    for (int i = 0; i < 5; i++) {
        check_value(ms[i], 3 + 2 * i);
        rd_kafka_message_destroy(ms[i]);
    }
    assert_int_equal(rd_kafka_consume_stop(rkt, 1), 0);
    assert_null(rd_kafka_consume(rkt, 1, 10));  /* stopped */
    assert_int_equal(rd_kafka_last_error(), RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);

    /* Both partitions onto one application queue, from offset 10 (step 10). */
    rd_kafka_queue_t *q = rd_kafka_queue_new(c);
    assert_int_equal(rd_kafka_consume_start_queue(rkt, 0, 10, q), 0);
    assert_int_equal(rd_kafka_consume_start_queue(rkt, 1, 10, q), 0);
    int seen[40] = {0}, total = 0;
    int64_t until = wall_ms() + POLL_MS;
    while (total < 20 && wall_ms() < until) {
        m = rd_kafka_consume_queue(q, 200);
        if (!m)
            continue;
        assert_int_equal(m->err, 0);
        char text[16] = "";
        memcpy(text, m->payload, m->len < sizeof text - 1 ? m->len : sizeof text - 1);
        int v = atoi(text + 2);   /* "v-%05d": payloads are not NUL-terminated */
        assert_true(v >= 20 && v < 40);
        assert_int_equal(v % 2, m->partition);
        seen[v]++;
        total++;
        rd_kafka_message_destroy(m);
    }
    assert_int_equal(total, 20);
    for (int v = 20; v < 40; v++)
        assert_int_equal(seen[v], 1);
    rd_kafka_consume_stop(rkt, 0);
    rd_kafka_consume_stop(rkt, 1);
    rd_kafka_queue_destroy(q);

    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(c);

    /* consume_callback (W = 1): waits for the first, serves what is ready;
     * every value once, in order. */
    c = consumer(uri, NULL, 0, 1);
    rkt = rd_kafka_topic_new(c, "t", NULL);
    assert_int_equal(rd_kafka_consume_start(rkt, 0, RD_KAFKA_OFFSET_BEGINNING), 0);
    cb_next = 0;
    until = wall_ms() + POLL_MS;
    while (cb_next < 40 && wall_ms() < until)
        assert_true(rd_kafka_consume_callback(rkt, 0, 200, consume_cb, NULL) >= 0);
    assert_int_equal(cb_next, 40);
    rd_kafka_consume_stop(rkt, 0);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(c);
    lt_rm_rf(dir);
    free(dir);
    free(uri);
}

/* ---- metadata and offsets_for_times ---- */

static void test_metadata_times(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shimq_md"), *uri = st_file_uri(dir);
    int64_t t0 = wall_ms();
    produce(uri, "a", 4, 0, 8);     /* 2 steps, one commit */
    usleep(30 * 1000);
    int64_t t1 = wall_ms();
    produce(uri, "a", 4, 8, 8);     /* steps 2..3, a later commit */
    produce(uri, "b", 3, 0, 3);
    rd_kafka_t *c = consumer(uri, NULL, 1, 2);
    const struct rd_kafka_metadata *md;
    assert_int_equal(rd_kafka_metadata(c, 1, NULL, &md, 1000), 0);
    assert_int_equal(md->broker_cnt, 1);
    assert_int_equal(md->brokers[0].id, 0);
    assert_int_equal(md->topic_cnt, 2);
    assert_string_equal(md->topics[0].topic, "a");
    assert_int_equal(md->topics[0].err, 0);
    assert_int_equal(md->topics[0].partition_cnt, 2);   /* W */
    assert_int_equal(md->topics[0].partitions[1].id, 1);
    assert_int_equal(md->topics[0].partitions[1].leader, 0);
    assert_string_equal(md->topics[1].topic, "b");
    assert_int_equal(md->topics[1].err, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);  /* 2 ∤ 3 */
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(c, "nosuch", NULL);
    assert_int_equal(rd_kafka_metadata(c, 0, rkt, &md, 1000), 0);
    assert_int_equal(md->topic_cnt, 1);
    assert_int_equal(md->topics[0].err, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);

    /* Rank 1 of 2: slice 2 per step. */
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(3);
    rd_kafka_topic_partition_list_add(l, "a", 1)->offset = t0 - 1000;
    rd_kafka_topic_partition_list_add(l, "a", 0)->offset = t1;
    rd_kafka_topic_partition_list_add(l, "a", 1)->offset = wall_ms() + 60000;
    assert_int_equal(rd_kafka_offsets_for_times(c, l, 1000), 0);
    assert_int_equal(l->elems[0].offset, 0);
    assert_int_equal(l->elems[1].offset, 4);   /* step 2 at slice 2 */
    assert_int_equal(l->elems[2].offset, RD_KAFKA_OFFSET_END);
    rd_kafka_topic_partition_list_destroy(l);
    l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "a", 7)->offset = 0;
    assert_int_equal(rd_kafka_offsets_for_times(c, l, 1000), RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);
    rd_kafka_topic_partition_list_destroy(l);
    char *cid = rd_kafka_clusterid(c, 0);
    assert_string_equal(cid, uri);
    rd_kafka_mem_free(c, cid);
    assert_int_equal(rd_kafka_controllerid(c, 0), 0);
    rd_kafka_destroy(c);
    lt_rm_rf(dir);
    free(dir);
    free(uri);
}

/* ---- logs, background events, forwarding, statistics ---- */

static pthread_t main_thread;
static int bg_events, bg_other_thread;
static void bg_cb(rd_kafka_t *rk, rd_kafka_event_t *ev, void *opaque)
{
    (void)rk; (void)opaque;
    bg_other_thread = !pthread_equal(pthread_self(), main_thread);
    __atomic_add_fetch(&bg_events, 1, __ATOMIC_SEQ_CST);
    rd_kafka_event_destroy(ev);
}

static char stats_json[65536];
static int stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
    (void)rk; (void)opaque;
    snprintf(stats_json, sizeof stats_json, "%.*s", (int)len, json);
    return 0;
}

static void test_logs_background_stats(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shimq_bg"), *uri = st_file_uri(dir);
    produce(uri, "t", 4, 0, 10);   /* 2 full steps and 2 samples waiting */
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    st_conf_set(conf, "group.id", "g");
    st_conf_set(conf, "auto.offset.reset", "earliest");
    st_conf_set(conf, "statistics.interval.ms", "10");
    rd_kafka_conf_set_background_event_cb(conf, bg_cb);
    rd_kafka_conf_set_stats_cb(conf, stats_cb);
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    assert_non_null(c);
    main_thread = pthread_self();

    /* A commit result sent to the background queue reaches bg_cb on its
     * thread. */
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "t", 0)->offset = 4;
    rd_kafka_queue_t *bq = rd_kafka_queue_get_background(c);
    assert_non_null(bq);
    assert_int_equal(rd_kafka_commit_queue(c, l, bq, NULL, NULL), 0);
    rd_kafka_topic_partition_list_destroy(l);
    for (int i = 0; i < 200 && !__atomic_load_n(&bg_events, __ATOMIC_SEQ_CST); i++)
        usleep(10 * 1000);
    assert_int_equal(bg_events, 1);
    assert_true(bg_other_thread);
    rd_kafka_queue_destroy(bq);

    /* Forwarding: what is pushed to a forwarded queue comes out of its
     * destination. */
    rd_kafka_queue_t *src = rd_kafka_queue_new(c), *dst = rd_kafka_queue_new(c);
    rd_kafka_queue_forward(src, dst);
    rd_kafka_queue_forward(dst, src);   /* a loop: refused, not a hang */
    l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "t", 0)->offset = 4;
    assert_int_equal(rd_kafka_commit_queue(c, l, src, NULL, NULL), 0);
    rd_kafka_topic_partition_list_destroy(l);
    assert_int_equal(rd_kafka_queue_length(src), 0);
    assert_int_equal(rd_kafka_queue_length(dst), 1);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(dst, 100);
    assert_non_null(ev);
    assert_int_equal(rd_kafka_event_type(ev), RD_KAFKA_EVENT_OFFSET_COMMIT);
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(src);
    rd_kafka_queue_destroy(dst);

    /* Reading to the visible end: the statistics say 2 samples wait for
     * step 2 to fill. */
    l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "t", RD_KAFKA_PARTITION_UA);
    assert_int_equal(rd_kafka_subscribe(c, l), 0);
    rd_kafka_topic_partition_list_destroy(l);
    int got = 0;
    int64_t until = wall_ms() + POLL_MS;
    while (got < 4 && wall_ms() < until) {   /* resumes at 4: values 4..7 */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 200);
        if (m && !m->err)
            check_value(m, 4 + got++);
        rd_kafka_message_destroy(m);
    }
    assert_int_equal(got, 4);
    stats_json[0] = '\0';
    for (int i = 0; i < 50 && !strstr(stats_json, "\"lakestream_at_visible_end\":true"); i++)
        rd_kafka_poll(c, 20);
    assert_non_null(strstr(stats_json, "\"lakestream_samples_waiting_for_step\":2"));
    assert_non_null(strstr(stats_json, "\"lakestream_at_visible_end\":true"));

    /* Log lines go to the log queue once set (none is made unless the
     * handle has something to say; the queue is then simply empty). */
    rd_kafka_queue_t *lq = rd_kafka_queue_new(c);
    assert_int_equal(rd_kafka_set_log_queue(c, lq), 0);
    assert_null(rd_kafka_queue_poll(lq, 10));
    rd_kafka_queue_destroy(lq);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    lt_rm_rf(dir);
    free(dir);
    free(uri);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dr_events),
        cmocka_unit_test(test_consumer_queue_commit_queue),
        cmocka_unit_test(test_legacy),
        cmocka_unit_test(test_metadata_times),
        cmocka_unit_test(test_logs_background_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
