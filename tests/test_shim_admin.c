/*
 * test_shim_admin.c -- liblakestream-rdkafka's Admin API, driven through
 * librdkafka's API only, on a file:// store; results are checked with the
 * core API on the same store.  Cases: AdminOptions and object validation
 * as librdkafka's; CreateTopics (created with the right global batch and
 * codec, already exists, partitions that do not divide B, a bad name, bad
 * configs, validate_only); DescribeConfigs of a topic (filtered by name)
 * and of the broker; ListConsumerGroups and DescribeConsumerGroups after
 * a consumer's commit; DeleteTopics (every object gone, the name free
 * again; a table of more objects than one listing, a delete that times
 * out and is finished by the next); the not-implemented operations answering per item; a result on
 * the background queue reaching background_event_cb.
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

#include <cmocka.h>
#include <librdkafka/rdkafka.h>

#include "lakestream.h"
#include "shim_testutil.h"
#include "testutil.h"

#define POLL_MS 5000

/* A producer handle, as an AdminClient makes (B = 4 unless extra says). */
static rd_kafka_t *admin_handle(const char *uri, rd_kafka_conf_t *conf)
{
    char errstr[512];
    if (!conf)
        conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    st_conf_set(conf, "lakestream.global.batch.size", "4");
    st_conf_set(conf, "client.id", "shim-admin-test");
    st_conf_set(conf, "sasl.password", "hunter2");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk)
        fail_msg("rd_kafka_new: %s", errstr);
    return rk;
}

/* The one event of an admin call on q: of type `type`, with opaque. */
static rd_kafka_event_t *result_of(rd_kafka_queue_t *q, rd_kafka_event_type_t type,
                                   void *opaque)
{
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, POLL_MS);
    if (!ev)
        fail_msg("no result within %d ms", POLL_MS);
    if (rd_kafka_event_type(ev) != type)
        fail_msg("event %s (%d), expected type %d", rd_kafka_event_name(ev),
                 (int)rd_kafka_event_type(ev), (int)type);
    assert_ptr_equal(rd_kafka_event_opaque(ev), opaque);
    assert_null(rd_kafka_queue_poll(q, 0));  /* exactly one */
    return ev;
}

static int table_exists(const char *uri, const char *name, ls_table_info *ti)
{
    ls_store *st;
    assert_int_equal(ls_store_open(uri, NULL, &st), LS_OK);
    ls_table *t;
    int rc = ls_table_open(st, name, NULL, &t);
    if (rc == LS_OK && ti)
        assert_int_equal(ls_table_info_get(t, ti), LS_OK);
    ls_table_close(t);
    ls_store_close(st);
    assert_true(rc == LS_OK || rc == LS_ERR_NOT_FOUND);
    return rc == LS_OK;
}

static rd_kafka_NewTopic_t *new_topic(const char *name, int parts, int rf)
{
    char errstr[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(name, parts, rf, errstr, sizeof errstr);
    if (!nt)
        fail_msg("NewTopic_new %s: %s", name, errstr);
    return nt;
}

/* Create topics[0..n) and return the result event (checked for n results
 * with the names in order). */
static rd_kafka_event_t *create(rd_kafka_t *rk, rd_kafka_queue_t *q, rd_kafka_NewTopic_t **nts,
                                size_t n, int validate_only, const rd_kafka_topic_result_t ***res)
{
    char errstr[512];
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    assert_non_null(o);
    assert_int_equal(rd_kafka_AdminOptions_set_validate_only(o, validate_only, errstr,
                                                             sizeof errstr), 0);
    rd_kafka_AdminOptions_set_opaque(o, (void *)nts);
    rd_kafka_CreateTopics(rk, nts, n, o, q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_event_t *ev = result_of(q, RD_KAFKA_EVENT_CREATETOPICS_RESULT, (void *)nts);
    assert_int_equal(rd_kafka_event_error(ev), RD_KAFKA_RESP_ERR_NO_ERROR);
    const rd_kafka_CreateTopics_result_t *r = rd_kafka_event_CreateTopics_result(ev);
    assert_non_null(r);
    assert_null(rd_kafka_event_DeleteTopics_result(ev));
    size_t cnt;
    *res = rd_kafka_CreateTopics_result_topics(r, &cnt);
    assert_int_equal(cnt, n);
    return ev;
}

static void test_options(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_admin_opts");
    char *uri = st_file_uri(dir);
    rd_kafka_t *rk = admin_handle(uri, NULL);
    char errstr[512];

    assert_null(rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP__CNT));
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS);
    assert_int_equal(rd_kafka_AdminOptions_set_validate_only(o, 1, errstr, sizeof errstr),
                     RD_KAFKA_RESP_ERR__INVALID_ARG);
    assert_string_equal(errstr, "\"validate_only\" is not supported for this operation");
    assert_int_equal(rd_kafka_AdminOptions_set_request_timeout(o, -5, errstr, sizeof errstr),
                     RD_KAFKA_RESP_ERR__INVALID_ARG);
    assert_string_equal(errstr, "Invalid value type for \"request_timeout\": expecting integer "
                        "in range 0..3600000");
    assert_int_equal(rd_kafka_AdminOptions_set_operation_timeout(o, -1, errstr, sizeof errstr),
                     0);
    assert_int_equal(rd_kafka_AdminOptions_set_broker(o, -1, errstr, sizeof errstr),
                     RD_KAFKA_RESP_ERR__INVALID_ARG);
    rd_kafka_error_t *e = rd_kafka_AdminOptions_set_require_stable_offsets(o, 1);
    assert_non_null(e);
    assert_int_equal(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__INVALID_ARG);
    rd_kafka_error_destroy(e);
    rd_kafka_AdminOptions_destroy(o);

    o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
    rd_kafka_consumer_group_state_t dup[] = { RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY,
                                              RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY };
    e = rd_kafka_AdminOptions_set_match_consumer_group_states(o, dup, 2);
    assert_non_null(e);
    assert_string_equal(rd_kafka_error_string(e), "Duplicate states not allowed");
    rd_kafka_error_destroy(e);
    assert_null(rd_kafka_AdminOptions_set_match_consumer_group_states(o, dup, 1));
    rd_kafka_AdminOptions_destroy(o);

    /* Objects: librdkafka's checks and texts. */
    assert_null(rd_kafka_NewTopic_new("t", -2, 1, errstr, sizeof errstr));
    assert_string_equal(errstr, "num_partitions out of expected range 1..100000 or -1 for "
                        "broker default");
    rd_kafka_NewTopic_t *nt = new_topic("t", 2, 1);
    int32_t brokers[] = { 1, 2 };
    assert_int_equal(rd_kafka_NewTopic_set_replica_assignment(nt, 0, brokers, 2, errstr,
                                                              sizeof errstr),
                     RD_KAFKA_RESP_ERR__INVALID_ARG);
    assert_string_equal(errstr, "Specifying a replication factor and a replica assignment are "
                        "mutually exclusive");
    assert_int_equal(rd_kafka_NewTopic_set_config(nt, NULL, "x"), RD_KAFKA_RESP_ERR__INVALID_ARG);
    rd_kafka_NewTopic_destroy(nt);
    nt = new_topic("t", 2, -1);
    assert_int_equal(rd_kafka_NewTopic_set_replica_assignment(nt, 1, brokers, 2, errstr,
                                                              sizeof errstr),
                     RD_KAFKA_RESP_ERR__INVALID_ARG);
    assert_string_equal(errstr, "Partitions must be added in order, starting at 0: expecting "
                        "partition 0, not 1");
    assert_int_equal(rd_kafka_NewTopic_set_replica_assignment(nt, 0, brokers, 2, errstr,
                                                              sizeof errstr), 0);
    rd_kafka_NewTopic_destroy(nt);
    assert_null(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, ""));
    rd_kafka_ConfigResource_t *cr = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, "t");
    assert_int_equal(rd_kafka_ConfigResource_set_config(cr, "a", NULL),
                     RD_KAFKA_RESP_ERR__INVALID_ARG);
    assert_int_equal(rd_kafka_ConfigResource_set_config(cr, "a", "1"), 0);
    size_t cnt;
    assert_int_equal(rd_kafka_ConfigResource_configs(cr, &cnt) != NULL, 1);
    assert_int_equal(cnt, 1);
    assert_null(rd_kafka_ConfigResource_error_string(cr));
    rd_kafka_ConfigResource_destroy(cr);
    assert_null(rd_kafka_AclBinding_new(RD_KAFKA_RESOURCE_ANY, "t",
                                        RD_KAFKA_RESOURCE_PATTERN_LITERAL, "User:a", "*",
                                        RD_KAFKA_ACL_OPERATION_READ,
                                        RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, errstr,
                                        sizeof errstr));
    assert_string_equal(errstr, "Invalid resource type");
    assert_string_equal(rd_kafka_consumer_group_state_name(RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY),
                        "Empty");
    assert_int_equal(rd_kafka_consumer_group_state_code("stable"),
                     RD_KAFKA_CONSUMER_GROUP_STATE_STABLE);
    assert_string_equal(rd_kafka_ResourceType_name(RD_KAFKA_RESOURCE_BROKER), "BROKER");
    assert_string_equal(rd_kafka_ConfigSource_name(RD_KAFKA_CONFIG_SOURCE__CNT), "UNSUPPORTED");

    rd_kafka_destroy(rk);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

static void test_create_topics(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_admin_create");
    char *uri = st_file_uri(dir);
    rd_kafka_t *rk = admin_handle(uri, NULL);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);

    enum { OK4, ANY_ZSTD, BAD_PARTS, BAD_NAME, BAD_CFG, COMPACT, B6, ASSIGNED, DUP1, DUP2, N };
    rd_kafka_NewTopic_t *nts[N];
    nts[OK4] = new_topic("t4", 4, 3);
    nts[ANY_ZSTD] = new_topic("tz", -1, -1);
    assert_int_equal(rd_kafka_NewTopic_set_config(nts[ANY_ZSTD], "compression.type", "zstd"), 0);
    assert_int_equal(rd_kafka_NewTopic_set_config(nts[ANY_ZSTD], "retention.ms", "86400000"), 0);
    nts[BAD_PARTS] = new_topic("t3", 3, 1);
    nts[BAD_NAME] = new_topic("no/slash", 1, 1);
    nts[BAD_CFG] = new_topic("tc", 1, 1);
    assert_int_equal(rd_kafka_NewTopic_set_config(nts[BAD_CFG], "no.such.config", "1"), 0);
    nts[COMPACT] = new_topic("tk", 1, 1);
    assert_int_equal(rd_kafka_NewTopic_set_config(nts[COMPACT], "cleanup.policy", "compact"), 0);
    nts[B6] = new_topic("t6", 3, 1);
    assert_int_equal(rd_kafka_NewTopic_set_config(nts[B6], "lakestream.global.batch.size", "6"),
                     0);
    nts[ASSIGNED] = new_topic("ta", 2, -1);
    char errstr[512];
    int32_t br[] = { 7 };
    for (int32_t p = 0; p < 2; p++)
        assert_int_equal(rd_kafka_NewTopic_set_replica_assignment(nts[ASSIGNED], p, br, 1,
                                                                  errstr, sizeof errstr), 0);
    nts[DUP1] = new_topic("td", 1, 1);
    nts[DUP2] = new_topic("td", 1, 1);

    const rd_kafka_topic_result_t **res;
    rd_kafka_event_t *ev = create(rk, q, nts, N, 0, &res);
    static const rd_kafka_resp_err_t want[N] = {
        [OK4] = RD_KAFKA_RESP_ERR_NO_ERROR,
        [ANY_ZSTD] = RD_KAFKA_RESP_ERR_NO_ERROR,
        [BAD_PARTS] = RD_KAFKA_RESP_ERR_INVALID_PARTITIONS,
        [BAD_NAME] = RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION,
        [BAD_CFG] = RD_KAFKA_RESP_ERR_INVALID_CONFIG,
        [COMPACT] = RD_KAFKA_RESP_ERR_INVALID_CONFIG,
        [B6] = RD_KAFKA_RESP_ERR_NO_ERROR,
        [ASSIGNED] = RD_KAFKA_RESP_ERR_NO_ERROR,
        [DUP1] = RD_KAFKA_RESP_ERR_INVALID_REQUEST,
        [DUP2] = RD_KAFKA_RESP_ERR_INVALID_REQUEST,
    };
    static const char *const names[N] = { "t4", "tz", "t3", "no/slash", "tc", "tk", "t6",
                                          "ta", "td", "td" };
    for (int i = 0; i < N; i++) {
        const char *es = rd_kafka_topic_result_error_string(res[i]);
        if (rd_kafka_topic_result_error(res[i]) != want[i])
            fail_msg("topic %s: %s (%s), expected %s", rd_kafka_topic_result_name(res[i]),
                     rd_kafka_err2name(rd_kafka_topic_result_error(res[i])), es ? es : "",
                     rd_kafka_err2name(want[i]));
        assert_string_equal(rd_kafka_topic_result_name(res[i]), names[i]);
        if (want[i])
            assert_non_null(es);
        else
            assert_null(es);
    }
    assert_non_null(strstr(rd_kafka_topic_result_error_string(res[BAD_PARTS]),
                           "3 partitions do not divide the global batch of 4"));
    assert_non_null(strstr(rd_kafka_topic_result_error_string(res[COMPACT]), "compacted"));
    rd_kafka_event_destroy(ev);

    ls_table_info ti;
    assert_true(table_exists(uri, "t4", &ti));
    assert_int_equal(ti.global_batch, 4);
    assert_int_equal(ti.codec, LS_CODEC_NONE);
    assert_true(table_exists(uri, "tz", &ti));
    assert_int_equal(ti.codec, LS_CODEC_ZSTD);
    assert_true(table_exists(uri, "t6", &ti));
    assert_int_equal(ti.global_batch, 6);
    assert_true(table_exists(uri, "ta", &ti));
    assert_false(table_exists(uri, "t3", NULL));
    assert_false(table_exists(uri, "tc", NULL));
    assert_false(table_exists(uri, "td", NULL));

    /* Again: exists.  validate_only: checked, not created. */
    rd_kafka_NewTopic_t *again[2] = { new_topic("t4", 2, 1), new_topic("tv", 2, 1) };
    ev = create(rk, q, again, 2, 0, &res);
    assert_int_equal(rd_kafka_topic_result_error(res[0]), RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS);
    assert_int_equal(rd_kafka_topic_result_error(res[1]), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_event_destroy(ev);
    rd_kafka_NewTopic_destroy_array(again, 2);
    rd_kafka_NewTopic_t *v[3] = { new_topic("tv2", 4, 1), new_topic("tv3", 8, 1),
                                  new_topic("t4", 1, 1) };
    ev = create(rk, q, v, 3, 1, &res);
    assert_int_equal(rd_kafka_topic_result_error(res[0]), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_topic_result_error(res[1]), RD_KAFKA_RESP_ERR_INVALID_PARTITIONS);
    assert_int_equal(rd_kafka_topic_result_error(res[2]), RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS);
    rd_kafka_event_destroy(ev);
    rd_kafka_NewTopic_destroy_array(v, 3);
    assert_false(table_exists(uri, "tv2", NULL));

    /* No topics: the request fails as a whole. */
    rd_kafka_CreateTopics(rk, NULL, 0, NULL, q);
    ev = result_of(q, RD_KAFKA_EVENT_CREATETOPICS_RESULT, NULL);
    assert_int_equal(rd_kafka_event_error(ev), RD_KAFKA_RESP_ERR__INVALID_ARG);
    assert_string_equal(rd_kafka_event_error_string(ev), "No topics to create");
    size_t cnt;
    assert_null(rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt));
    assert_int_equal(cnt, 0);
    rd_kafka_event_destroy(ev);

    rd_kafka_NewTopic_destroy_array(nts, N);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

static const rd_kafka_ConfigEntry_t *entry(const rd_kafka_ConfigResource_t *r, const char *name)
{
    size_t n;
    const rd_kafka_ConfigEntry_t **es = rd_kafka_ConfigResource_configs(r, &n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rd_kafka_ConfigEntry_name(es[i]), name))
            return es[i];
    return NULL;
}

static void test_describe_configs(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_admin_describe");
    char *uri = st_file_uri(dir);
    rd_kafka_t *rk = admin_handle(uri, NULL);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    ls_store *st;
    assert_int_equal(ls_store_open(uri, NULL, &st), LS_OK);
    assert_int_equal(ls_table_create(st, "t", 8, LS_CODEC_ZSTD), LS_OK);
    ls_store_close(st);

    rd_kafka_ConfigResource_t *crs[4] = {
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, "t"),
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, "missing"),
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_BROKER, "0"),
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, "t"),
    };
    /* The last asks for two names only. */
    assert_int_equal(rd_kafka_ConfigResource_set_config(crs[3], "compression.type", ""), 0);
    assert_int_equal(rd_kafka_ConfigResource_set_config(crs[3], "lakestream.visible.steps", ""),
                     0);
    rd_kafka_DescribeConfigs(rk, crs, 4, NULL, q);
    rd_kafka_event_t *ev = result_of(q, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, NULL);
    assert_int_equal(rd_kafka_event_error(ev), 0);
    size_t n;
    const rd_kafka_ConfigResource_t **rs =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
    assert_int_equal(n, 4);
    assert_int_equal(rd_kafka_ConfigResource_error(rs[0]), 0);
    assert_string_equal(rd_kafka_ConfigResource_name(rs[0]), "t");
    assert_int_equal(rd_kafka_ConfigResource_type(rs[0]), RD_KAFKA_RESOURCE_TOPIC);
    const rd_kafka_ConfigEntry_t *e = entry(rs[0], "lakestream.global.batch.size");
    assert_non_null(e);
    assert_string_equal(rd_kafka_ConfigEntry_value(e), "8");
    assert_true(rd_kafka_ConfigEntry_is_read_only(e));
    assert_int_equal(rd_kafka_ConfigEntry_source(e), RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    size_t syn;
    assert_null(rd_kafka_ConfigEntry_synonyms(e, &syn));
    assert_int_equal(syn, 0);
    assert_string_equal(rd_kafka_ConfigEntry_value(entry(rs[0], "compression.type")), "zstd");
    assert_string_equal(rd_kafka_ConfigEntry_value(entry(rs[0], "lakestream.visible.steps")),
                        "0");
    assert_string_equal(rd_kafka_ConfigEntry_value(entry(rs[0], "lakestream.low.watermark.step")),
                        "0");
    e = entry(rs[0], "cleanup.policy");
    assert_non_null(e);
    assert_true(rd_kafka_ConfigEntry_is_default(e));

    assert_int_equal(rd_kafka_ConfigResource_error(rs[1]), RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    assert_non_null(rd_kafka_ConfigResource_error_string(rs[1]));
    assert_null(rd_kafka_ConfigResource_configs(rs[1], &n));
    assert_int_equal(n, 0);

    assert_int_equal(rd_kafka_ConfigResource_error(rs[2]), 0);
    e = entry(rs[2], "metadata.broker.list");  /* bootstrap.servers is its alias */
    if (!e)
        e = entry(rs[2], "bootstrap.servers");
    assert_non_null(e);
    assert_string_equal(rd_kafka_ConfigEntry_value(e), uri);
    assert_int_equal(rd_kafka_ConfigEntry_source(e), RD_KAFKA_CONFIG_SOURCE_STATIC_BROKER_CONFIG);
    e = entry(rs[2], "sasl.password");
    assert_non_null(e);
    assert_true(rd_kafka_ConfigEntry_is_sensitive(e));
    assert_null(rd_kafka_ConfigEntry_value(e));

    rd_kafka_ConfigResource_configs(rs[3], &n);
    assert_int_equal(n, 2);
    rd_kafka_event_destroy(ev);

    /* Two BROKER resources: librdkafka's request-level _CONFLICT. */
    rd_kafka_ConfigResource_t *two[2] = {
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_BROKER, "0"),
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_BROKER, "1"),
    };
    rd_kafka_DescribeConfigs(rk, two, 2, NULL, q);
    ev = result_of(q, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, NULL);
    assert_int_equal(rd_kafka_event_error(ev), RD_KAFKA_RESP_ERR__CONFLICT);
    assert_string_equal(rd_kafka_event_error_string(ev),
                        "Only one ConfigResource of type BROKER is allowed per call");
    rd_kafka_event_destroy(ev);

    rd_kafka_ConfigResource_destroy_array(two, 2);
    rd_kafka_ConfigResource_destroy_array(crs, 4);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* 8 samples into table `topic` (B = 4), then a consumer of group `group`
 * reads step 0 and commits it. */
static void produce_and_commit(const char *uri, const char *topic, const char *group)
{
    rd_kafka_t *p = admin_handle(uri, NULL);
    for (int i = 0; i < 8; i++) {
        char v[16];
        snprintf(v, sizeof v, "v%d", i);
        assert_int_equal(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic),
                                           RD_KAFKA_V_VALUE(v, strlen(v)),
                                           RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                           RD_KAFKA_V_END), 0);
    }
    assert_int_equal(rd_kafka_flush(p, 30000), 0);
    rd_kafka_destroy(p);

    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "bootstrap.servers", uri);
    st_conf_set(conf, "group.id", group);
    st_conf_set(conf, "lakestream.rank", "0");
    st_conf_set(conf, "lakestream.world.size", "1");
    st_conf_set(conf, "enable.auto.commit", "false");
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!c)
        fail_msg("rd_kafka_new(CONSUMER): %s", errstr);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    assert_int_equal(rd_kafka_assign(c, l), 0);
    rd_kafka_topic_partition_list_destroy(l);
    for (int got = 0; got < 4;) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, POLL_MS);
        if (!m)
            fail_msg("no message within %d ms", POLL_MS);
        got += m->err == 0;
        rd_kafka_message_destroy(m);
    }
    assert_int_equal(rd_kafka_commit(c, NULL, 0), 0);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
}

static void test_groups(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_admin_groups");
    char *uri = st_file_uri(dir);
    produce_and_commit(uri, "tg", "my.group");
    produce_and_commit(uri, "th", "other_group");
    rd_kafka_t *rk = admin_handle(uri, NULL);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);

    rd_kafka_ListConsumerGroups(rk, NULL, q);
    rd_kafka_event_t *ev = result_of(q, RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT, NULL);
    assert_int_equal(rd_kafka_event_error(ev), 0);
    const rd_kafka_ListConsumerGroups_result_t *lr = rd_kafka_event_ListConsumerGroups_result(ev);
    size_t n;
    assert_null(rd_kafka_ListConsumerGroups_result_errors(lr, &n));
    assert_int_equal(n, 0);
    const rd_kafka_ConsumerGroupListing_t **gl = rd_kafka_ListConsumerGroups_result_valid(lr, &n);
    assert_int_equal(n, 2);
    assert_string_equal(rd_kafka_ConsumerGroupListing_group_id(gl[0]), "my.group");
    assert_string_equal(rd_kafka_ConsumerGroupListing_group_id(gl[1]), "other_group");
    assert_int_equal(rd_kafka_ConsumerGroupListing_state(gl[0]),
                     RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY);
    assert_false(rd_kafka_ConsumerGroupListing_is_simple_consumer_group(gl[0]));
    rd_kafka_event_destroy(ev);

    /* Only Stable groups: none. */
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk,
                                                           RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
    rd_kafka_consumer_group_state_t stable = RD_KAFKA_CONSUMER_GROUP_STATE_STABLE;
    assert_null(rd_kafka_AdminOptions_set_match_consumer_group_states(o, &stable, 1));
    rd_kafka_ListConsumerGroups(rk, o, q);
    rd_kafka_AdminOptions_destroy(o);
    ev = result_of(q, RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT, NULL);
    rd_kafka_ListConsumerGroups_result_valid(rd_kafka_event_ListConsumerGroups_result(ev), &n);
    assert_int_equal(n, 0);
    rd_kafka_event_destroy(ev);

    const char *groups[] = { "my.group", "nope", "" };
    rd_kafka_DescribeConsumerGroups(rk, groups, 3, NULL, q);
    ev = result_of(q, RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT, NULL);
    assert_int_equal(rd_kafka_event_error(ev), 0);
    const rd_kafka_ConsumerGroupDescription_t **gd = rd_kafka_DescribeConsumerGroups_result_groups(
        rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
    assert_int_equal(n, 3);
    assert_string_equal(rd_kafka_ConsumerGroupDescription_group_id(gd[0]), "my.group");
    assert_null(rd_kafka_ConsumerGroupDescription_error(gd[0]));
    assert_int_equal(rd_kafka_ConsumerGroupDescription_state(gd[0]),
                     RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY);
    assert_int_equal(rd_kafka_ConsumerGroupDescription_member_count(gd[0]), 0);
    const rd_kafka_Node_t *node = rd_kafka_ConsumerGroupDescription_coordinator(gd[0]);
    assert_non_null(node);
    assert_string_equal(rd_kafka_Node_host(node), uri);
    assert_int_equal(rd_kafka_ConsumerGroupDescription_state(gd[1]),
                     RD_KAFKA_CONSUMER_GROUP_STATE_DEAD);
    assert_int_equal(rd_kafka_error_code(rd_kafka_ConsumerGroupDescription_error(gd[2])),
                     RD_KAFKA_RESP_ERR_INVALID_GROUP_ID);
    rd_kafka_event_destroy(ev);

    rd_kafka_DescribeConsumerGroups(rk, groups, 0, NULL, q);
    ev = result_of(q, RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT, NULL);
    assert_int_equal(rd_kafka_event_error(ev), RD_KAFKA_RESP_ERR__INVALID_ARG);
    assert_string_equal(rd_kafka_event_error_string(ev), "No groups to describe");
    rd_kafka_event_destroy(ev);

    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

static size_t keys_under(const char *uri, const char *prefix)
{
    ls_store *st;
    assert_int_equal(ls_store_open(uri, NULL, &st), LS_OK);
    ls_keylist kl = { 0 };
    assert_int_equal(ls_store_list(st, prefix, NULL, LS_LIST_KEYS_MAX, &kl), LS_OK);
    size_t n = kl.n;
    ls_keylist_free(&kl);
    ls_store_close(st);
    return n;
}

static void test_delete_topics(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_admin_delete");
    char *uri = st_file_uri(dir);
    produce_and_commit(uri, "td", "g");
    produce_and_commit(uri, "td-b", "g");  /* a name "td" is a prefix of */
    assert_true(keys_under(uri, "td/") > 3);
    rd_kafka_t *rk = admin_handle(uri, NULL);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);

    rd_kafka_DeleteTopic_t *dts[2] = { rd_kafka_DeleteTopic_new("td"),
                                       rd_kafka_DeleteTopic_new("missing") };
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS);
    rd_kafka_AdminOptions_set_opaque(o, dts);
    rd_kafka_DeleteTopics(rk, dts, 2, o, q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_event_t *ev = result_of(q, RD_KAFKA_EVENT_DELETETOPICS_RESULT, dts);
    size_t n;
    const rd_kafka_topic_result_t **res =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    assert_int_equal(n, 2);
    assert_string_equal(rd_kafka_topic_result_name(res[0]), "td");
    if (rd_kafka_topic_result_error(res[0]))
        fail_msg("delete td: %s", rd_kafka_topic_result_error_string(res[0]));
    assert_int_equal(rd_kafka_topic_result_error(res[1]), RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    rd_kafka_event_destroy(ev);
    rd_kafka_DeleteTopic_destroy_array(dts, 2);

    assert_int_equal(keys_under(uri, "td/"), 0);
    assert_false(table_exists(uri, "td", NULL));
    assert_true(table_exists(uri, "td-b", NULL));

    /* The name is free again, and the new table is empty. */
    rd_kafka_NewTopic_t *nt = new_topic("td", 1, 1);
    const rd_kafka_topic_result_t **cres;
    ev = create(rk, q, &nt, 1, 0, &cres);
    assert_int_equal(rd_kafka_topic_result_error(cres[0]), 0);
    rd_kafka_event_destroy(ev);
    rd_kafka_NewTopic_destroy(nt);
    ls_table_info ti;
    assert_true(table_exists(uri, "td", &ti));
    assert_int_equal(ti.total_samples, 0);

    /* Its group is gone with it; td-b's remains. */
    rd_kafka_DescribeConsumerGroups(rk, (const char *[]){ "g" }, 1, NULL, q);
    ev = result_of(q, RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT, NULL);
    const rd_kafka_ConsumerGroupDescription_t **gd = rd_kafka_DescribeConsumerGroups_result_groups(
        rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
    assert_int_equal(n, 1);
    assert_int_equal(rd_kafka_ConsumerGroupDescription_state(gd[0]),
                     RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY);
    rd_kafka_event_destroy(ev);

    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* A table of more objects than one listing returns: a delete that times
 * out leaves it existing, the next one finishes it. */
static void test_delete_big(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_admin_delbig");
    char *uri = st_file_uri(dir);
    ls_conf *lc = ls_conf_new();
    assert_int_equal(ls_conf_set(lc, "store.fsync", "false"), LS_OK);
    ls_store *st;
    assert_int_equal(ls_store_open(uri, lc, &st), LS_OK);
    ls_conf_destroy(lc);
    assert_int_equal(ls_table_create(st, "big", 4, LS_CODEC_NONE), LS_OK);
    for (unsigned i = 0; i < LS_LIST_KEYS_MAX + 50; i++) {
        char key[64];
        snprintf(key, sizeof key, "big/data/p/%010u", i);
        assert_int_equal(ls_store_put(st, key, "x", 1), LS_OK);
    }
    ls_store_close(st);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    st_conf_set(conf, "lakestream.store.fsync", "false");
    rd_kafka_t *rk = admin_handle(uri, conf);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new("big");
    char errstr[512];

    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS);
    assert_int_equal(rd_kafka_AdminOptions_set_request_timeout(o, 0, errstr, sizeof errstr), 0);
    rd_kafka_DeleteTopics(rk, &dt, 1, o, q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_event_t *ev = result_of(q, RD_KAFKA_EVENT_DELETETOPICS_RESULT, NULL);
    size_t n;
    const rd_kafka_topic_result_t **res =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    assert_int_equal(n, 1);
    assert_int_equal(rd_kafka_topic_result_error(res[0]), RD_KAFKA_RESP_ERR__TIMED_OUT);
    assert_non_null(strstr(rd_kafka_topic_result_error_string(res[0]), "still exists"));
    rd_kafka_event_destroy(ev);
    assert_true(table_exists(uri, "big", NULL));

    rd_kafka_DeleteTopics(rk, &dt, 1, NULL, q);
    ev = result_of(q, RD_KAFKA_EVENT_DELETETOPICS_RESULT, NULL);
    res = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    if (rd_kafka_topic_result_error(res[0]))
        fail_msg("delete big: %s", rd_kafka_topic_result_error_string(res[0]));
    rd_kafka_event_destroy(ev);
    assert_int_equal(keys_under(uri, "big/"), 0);

    rd_kafka_DeleteTopic_destroy(dt);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

static void test_not_implemented(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_admin_notimpl");
    char *uri = st_file_uri(dir);
    rd_kafka_t *rk = admin_handle(uri, NULL);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    char errstr[512];
    size_t n;

    rd_kafka_NewPartitions_t *np[2] = { rd_kafka_NewPartitions_new("a", 4, errstr, sizeof errstr),
                                        rd_kafka_NewPartitions_new("b", 2, errstr, sizeof errstr) };
    rd_kafka_CreatePartitions(rk, np, 2, NULL, q);
    rd_kafka_event_t *ev = result_of(q, RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT, NULL);
    assert_int_equal(rd_kafka_event_error(ev), 0);
    const rd_kafka_topic_result_t **tr = rd_kafka_CreatePartitions_result_topics(
        rd_kafka_event_CreatePartitions_result(ev), &n);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(rd_kafka_topic_result_name(tr[i]), i ? "b" : "a");
        assert_int_equal(rd_kafka_topic_result_error(tr[i]), RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
        assert_non_null(strstr(rd_kafka_topic_result_error_string(tr[i]),
                               "liblakestream-rdkafka: CreatePartitions is not implemented "
                               "(docs/kafka-shim.md)"));
    }
    rd_kafka_event_destroy(ev);
    rd_kafka_NewPartitions_destroy_array(np, 2);

    rd_kafka_DeleteGroup_t *dg[1] = { rd_kafka_DeleteGroup_new("g") };
    rd_kafka_DeleteGroups(rk, dg, 1, NULL, q);
    ev = result_of(q, RD_KAFKA_EVENT_DELETEGROUPS_RESULT, NULL);
    const rd_kafka_group_result_t **gr =
        rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &n);
    assert_int_equal(n, 1);
    assert_string_equal(rd_kafka_group_result_name(gr[0]), "g");
    assert_int_equal(rd_kafka_error_code(rd_kafka_group_result_error(gr[0])),
                     RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
    rd_kafka_event_destroy(ev);
    rd_kafka_DeleteGroup_destroy_array(dg, 1);

    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(l, "a", 0)->offset = 5;
    rd_kafka_topic_partition_list_add(l, "a", 1)->offset = 5;
    rd_kafka_DeleteRecords_t *dr = rd_kafka_DeleteRecords_new(l);
    rd_kafka_DeleteRecords(rk, &dr, 1, NULL, q);
    ev = result_of(q, RD_KAFKA_EVENT_DELETERECORDS_RESULT, NULL);
    assert_int_equal(rd_kafka_event_error(ev), RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
    assert_non_null(strstr(rd_kafka_event_error_string(ev), "DeleteRecords is not implemented"));
    const rd_kafka_topic_partition_list_t *off =
        rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev));
    assert_non_null(off);
    assert_int_equal(off->cnt, 2);
    assert_int_equal(off->elems[1].err, RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
    rd_kafka_event_destroy(ev);
    rd_kafka_DeleteRecords_destroy(dr);

    rd_kafka_AlterConsumerGroupOffsets_t *ao = rd_kafka_AlterConsumerGroupOffsets_new("g", l);
    rd_kafka_AlterConsumerGroupOffsets(rk, &ao, 1, NULL, q);
    ev = result_of(q, RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT, NULL);
    gr = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
    assert_int_equal(n, 1);
    assert_int_equal(rd_kafka_group_result_partitions(gr[0])->cnt, 2);
    assert_int_equal(rd_kafka_error_code(rd_kafka_group_result_error(gr[0])),
                     RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
    rd_kafka_event_destroy(ev);
    rd_kafka_AlterConsumerGroupOffsets_destroy(ao);
    rd_kafka_topic_partition_list_destroy(l);

    rd_kafka_ListConsumerGroupOffsets_t *lo[2] = { rd_kafka_ListConsumerGroupOffsets_new("g", NULL),
                                                   rd_kafka_ListConsumerGroupOffsets_new("h",
                                                                                         NULL) };
    rd_kafka_ListConsumerGroupOffsets(rk, lo, 2, NULL, q);  /* librdkafka takes one */
    ev = result_of(q, RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT, NULL);
    assert_int_equal(rd_kafka_event_error(ev), RD_KAFKA_RESP_ERR__INVALID_ARG);
    assert_string_equal(rd_kafka_event_error_string(ev),
                        "Exactly one ListConsumerGroupOffsets must be passed");
    rd_kafka_event_destroy(ev);
    rd_kafka_ListConsumerGroupOffsets_destroy_array(lo, 2);

    rd_kafka_AclBinding_t *acl = rd_kafka_AclBinding_new(
        RD_KAFKA_RESOURCE_TOPIC, "a", RD_KAFKA_RESOURCE_PATTERN_LITERAL, "User:x", "*",
        RD_KAFKA_ACL_OPERATION_READ, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, errstr, sizeof errstr);
    assert_non_null(acl);
    rd_kafka_CreateAcls(rk, &acl, 1, NULL, q);
    ev = result_of(q, RD_KAFKA_EVENT_CREATEACLS_RESULT, NULL);
    const rd_kafka_acl_result_t **ar =
        rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev), &n);
    assert_int_equal(n, 1);
    assert_int_equal(rd_kafka_error_code(rd_kafka_acl_result_error(ar[0])),
                     RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
    rd_kafka_event_destroy(ev);
    rd_kafka_DescribeAcls(rk, acl, NULL, q);
    ev = result_of(q, RD_KAFKA_EVENT_DESCRIBEACLS_RESULT, NULL);
    assert_int_equal(rd_kafka_event_error(ev), RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
    assert_null(rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(ev), &n));
    assert_int_equal(n, 0);
    rd_kafka_event_destroy(ev);
    rd_kafka_DeleteAcls(rk, &acl, 1, NULL, q);
    ev = result_of(q, RD_KAFKA_EVENT_DELETEACLS_RESULT, NULL);
    const rd_kafka_DeleteAcls_result_response_t **dres =
        rd_kafka_DeleteAcls_result_responses(rd_kafka_event_DeleteAcls_result(ev), &n);
    assert_int_equal(n, 1);
    assert_int_equal(rd_kafka_error_code(rd_kafka_DeleteAcls_result_response_error(dres[0])),
                     RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
    rd_kafka_DeleteAcls_result_response_matching_acls(dres[0], &n);
    assert_int_equal(n, 0);
    rd_kafka_event_destroy(ev);
    rd_kafka_AclBinding_destroy(acl);

    rd_kafka_ConfigResource_t *cr = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, "a");
    rd_kafka_ConfigResource_set_config(cr, "retention.ms", "1000");
    rd_kafka_AlterConfigs(rk, &cr, 1, NULL, q);
    ev = result_of(q, RD_KAFKA_EVENT_ALTERCONFIGS_RESULT, NULL);
    const rd_kafka_ConfigResource_t **rs =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &n);
    assert_int_equal(n, 1);
    assert_int_equal(rd_kafka_ConfigResource_error(rs[0]), RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
    assert_non_null(strstr(rd_kafka_ConfigResource_error_string(rs[0]),
                           "AlterConfigs is not implemented"));
    /* The wrong reader on an event: NULL, not a crash. */
    assert_null(rd_kafka_event_CreateTopics_result(ev));
    assert_null(rd_kafka_CreateTopics_result_topics(ev, &n));
    assert_int_equal(n, 0);
    rd_kafka_event_destroy(ev);
    rd_kafka_ConfigResource_destroy(cr);

    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* As confluent-kafka-python: results through background_event_cb. */
typedef struct bg_state {
    pthread_mutex_t lock;
    pthread_cond_t  cond;
    int             calls;
    rd_kafka_event_type_t type;
    rd_kafka_resp_err_t   err;
    void           *opaque;
} bg_state;

static void bg_cb(rd_kafka_t *rk, rd_kafka_event_t *ev, void *opaque)
{
    (void)rk;
    bg_state *s = opaque;
    size_t n = 0;
    const rd_kafka_topic_result_t **tr =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    pthread_mutex_lock(&s->lock);
    s->calls++;
    s->type = rd_kafka_event_type(ev);
    s->err = n == 1 ? rd_kafka_topic_result_error(tr[0]) : RD_KAFKA_RESP_ERR__FAIL;
    s->opaque = rd_kafka_event_opaque(ev);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    rd_kafka_event_destroy(ev);
}

static void test_background(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("shim_admin_bg");
    char *uri = st_file_uri(dir);
    bg_state s = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_background_event_cb(conf, bg_cb);
    rd_kafka_conf_set_opaque(conf, &s);
    rd_kafka_t *rk = admin_handle(uri, conf);
    rd_kafka_queue_t *bq = rd_kafka_queue_get_background(rk);
    assert_non_null(bq);
    rd_kafka_NewTopic_t *nt = new_topic("tb", 2, 1);
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_opaque(o, nt);
    rd_kafka_CreateTopics(rk, &nt, 1, o, bq);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(bq);

    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += POLL_MS / 1000;
    pthread_mutex_lock(&s.lock);
    while (!s.calls && pthread_cond_timedwait(&s.cond, &s.lock, &until) == 0)
        ;
    pthread_mutex_unlock(&s.lock);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.type, RD_KAFKA_EVENT_CREATETOPICS_RESULT);
    assert_int_equal(s.err, 0);
    assert_ptr_equal(s.opaque, nt);
    assert_true(table_exists(uri, "tb", NULL));
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_destroy(rk);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_create_topics),
        cmocka_unit_test(test_describe_configs),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_delete_topics),
        cmocka_unit_test(test_delete_big),
        cmocka_unit_test(test_not_implemented),
        cmocka_unit_test(test_background),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
