/*
 * test_shim_conf.c -- liblakestream-rdkafka's configuration and partitioners
 * (issue 16), through librdkafka's API: boolean spellings, numbers, enums and
 * flags as librdkafka parses them; UNKNOWN against INVALID with librdkafka's
 * errstr wording; every property of the table accepted (kafka_shim/
 * conf_props.c); aliases and the topic fallthrough; defaults read back and
 * dumped; copies keep callbacks, interceptors run where librdkafka runs them;
 * properties_show; the partitioners' hashes; and docs/kafka-shim-properties.md
 * listing the table row for row.  test_shim_conf.sh diffs the same surface
 * against librdkafka itself.
 *
 *   test_shim_conf --doc-rows   prints the doc's generated table rows
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

#include "shim_int.h"   /* the property table and shim_conf_lookup */

#ifndef LS_SOURCE_DIR
#define LS_SOURCE_DIR "."
#endif

#define DOC_PATH LS_SOURCE_DIR "/docs/kafka-shim-properties.md"

static char errstr[512];

static rd_kafka_conf_res_t set(rd_kafka_conf_t *c, const char *name, const char *value)
{
    strcpy(errstr, "(untouched)");
    return rd_kafka_conf_set(c, name, value, errstr, sizeof errstr);
}

static rd_kafka_conf_res_t tset(rd_kafka_topic_conf_t *t, const char *name, const char *value)
{
    strcpy(errstr, "(untouched)");
    return rd_kafka_topic_conf_set(t, name, value, errstr, sizeof errstr);
}

/* The value read back (static buffer), or "<UNKNOWN>". */
static const char *get(const rd_kafka_conf_t *c, const char *name)
{
    static char buf[1024];
    size_t size = sizeof buf;
    if (rd_kafka_conf_get(c, name, buf, &size) != RD_KAFKA_CONF_OK)
        return "<UNKNOWN>";
    assert_int_equal(size, strlen(buf) + 1);
    return buf;
}

static const char *tget(const rd_kafka_topic_conf_t *t, const char *name)
{
    static char buf[1024];
    size_t size = sizeof buf;
    if (rd_kafka_topic_conf_get(t, name, buf, &size) != RD_KAFKA_CONF_OK)
        return "<UNKNOWN>";
    return buf;
}

/* ---- parsing ---- */

static void test_bool_spellings(void **state)
{
    (void)state;
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_topic_conf_t *t = rd_kafka_topic_conf_new();
    /* librdkafka: true/t/false/f in any case, 1 and 0; nothing else */
    static const char *const yes[] = {"true", "TRUE", "True", "tRuE", "t", "T", "1"};
    static const char *const no[] = {"false", "FALSE", "False", "f", "F", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        assert_int_equal(set(c, "enable.partition.eof", yes[i]), RD_KAFKA_CONF_OK);
        assert_string_equal(errstr, "(untouched)");   /* not written on success */
        assert_string_equal(get(c, "enable.partition.eof"), "true");
        /* the rest of the shim reads the canonical form */
        assert_string_equal(shim_conf_lookup(c, "enable.partition.eof"), "true");
        assert_int_equal(tset(t, "auto.commit.enable", yes[i]), RD_KAFKA_CONF_OK);
        assert_string_equal(tget(t, "auto.commit.enable"), "true");
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        assert_int_equal(set(c, "enable.partition.eof", no[i]), RD_KAFKA_CONF_OK);
        assert_string_equal(get(c, "enable.partition.eof"), "false");
        assert_string_equal(shim_conf_lookup(c, "enable.partition.eof"), "false");
        assert_int_equal(tset(t, "enable.auto.commit", no[i]), RD_KAFKA_CONF_OK);  /* alias */
        assert_string_equal(tget(t, "auto.commit.enable"), "false");
    }
    static const char *const bad[] = {"yes", "no", "on", "off", "2", "tru", " true", "true ",
                                      "-1", "01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(set(c, "enable.idempotence", bad[i]), RD_KAFKA_CONF_INVALID);
        assert_string_equal(errstr, "Expected bool value for \"enable.idempotence\": true or "
                                    "false");
    }
    assert_int_equal(set(c, "enable.idempotence", ""), RD_KAFKA_CONF_INVALID);
    assert_string_equal(errstr, "Bool configuration property \"enable.idempotence\" cannot "
                                "be set to empty value");
    assert_int_equal(set(c, "enable.idempotence", NULL), RD_KAFKA_CONF_INVALID);
    assert_string_equal(get(c, "enable.idempotence"), "false");   /* unchanged */
    rd_kafka_topic_conf_destroy(t);
    rd_kafka_conf_destroy(c);
}

static void test_unknown_invalid(void **state)
{
    (void)state;
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    /* UNKNOWN: a name librdkafka does not know, globally or per topic;
     * librdkafka creates the default topic conf while looking. */
    assert_null(rd_kafka_conf_get_default_topic_conf(c));
    assert_int_equal(set(c, "no.such.property", "1"), RD_KAFKA_CONF_UNKNOWN);
    assert_string_equal(errstr, "No such configuration property: \"no.such.property\"");
    assert_non_null(rd_kafka_conf_get_default_topic_conf(c));
    assert_int_equal(set(c, "topic.no.such", "1"), RD_KAFKA_CONF_UNKNOWN);
    assert_string_equal(errstr, "No such configuration property: \"no.such\"");
    assert_int_equal(set(c, "lakestream.no.such", "1"), RD_KAFKA_CONF_UNKNOWN);
    assert_non_null(strstr(errstr, "lakestream.no.such"));
    assert_string_equal(get(c, "no.such.property"), "<UNKNOWN>");

    /* INVALID: a known name with a value librdkafka refuses, each with its words */
    static const struct { const char *name, *value, *err; } inv[] = {
        {"socket.timeout.ms", "1", "Configuration property \"socket.timeout.ms\" value 1 is "
                                   "outside allowed range 10..300000\n"},
        {"socket.timeout.ms", "abc", "Invalid value for configuration property "
                                     "\"socket.timeout.ms\""},
        {"socket.timeout.ms", "", "Integer configuration property \"socket.timeout.ms\" "
                                  "cannot be set to empty value"},
        {"linger.ms", "900001", "Configuration property \"queue.buffering.max.ms\" value "
                                "900001 is outside allowed range 0..900000\n"},
        {"linger.ms", "x", "Invalid value for configuration property "
                           "\"queue.buffering.max.ms\""},
        {"linger.ms", "", "Float configuration property \"queue.buffering.max.ms\" cannot be "
                          "set to empty value"},
        {"compression.codec", "inherit", "Invalid value \"inherit\" for configuration "
                                         "property \"compression.codec\""},
        {"compression.codec", "", "Configuration property \"compression.codec\" cannot be "
                                  "set to empty value"},
        {"debug", "broker ,topic", "Invalid value \"broker \" for configuration property "
                                   "\"debug\""},
        {"debug", "nope", "Invalid value \"nope\" for configuration property \"debug\""},
        {"partitioner", "round_robin", "Invalid value for configuration property "
                                       "\"partitioner\": round_robin"},
        {"sasl.mechanisms", "PLAIN,GSSAPI", "Invalid value for configuration property "
                                            "\"sasl.mechanisms\": PLAIN,GSSAPI"},
        {"sasl.mechanism", "", "Invalid value for configuration property "
                               "\"sasl.mechanisms\": (null)"},
        {"broker.version.fallback", "0.7.2", "Invalid value for configuration property "
                                             "\"broker.version.fallback\": 0.7.2"},
        {"topic.blacklist", "ok,a(", "Failed to parse pattern \"a(\": Unmatched ( or \\("},
        {"error_cb", "x", "Property \"error_cb\" must be set through dedicated .._set_..() "
                          "function"},
        {"interceptors", "x", "Internal property \"interceptors\" not settable"},
        {"sasl.jaas.config", "x", "Java JAAS configuration is not supported, see "
                                  "https://github.com/edenhill/librdkafka/wiki/"
                                  "Using-SASL-with-librdkafka for more information."},
        {"acks", "all1", "Invalid value for configuration property \"request.required.acks\""},
        {"auto.offset.reset", "sometimes", "Invalid value \"sometimes\" for configuration "
                                           "property \"auto.offset.reset\""},
        {"bootstrap.servers", "broker1:9092,broker2:9092", NULL},   /* the shim's own */
        {"lakestream.global.batch.size", "0", NULL},
        {"lakestream.producer.id", "a b", NULL},
    };
    for (size_t i = 0; i < sizeof inv / sizeof inv[0]; i++) {
        assert_int_equal(set(c, inv[i].name, inv[i].value), RD_KAFKA_CONF_INVALID);
        if (inv[i].err)
            assert_string_equal(errstr, inv[i].err);
        else
            assert_non_null(strstr(errstr, inv[i].name));
    }
    rd_kafka_conf_destroy(c);
}

static void test_numbers_enums_flags(void **state)
{
    (void)state;
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    /* integers: strtol base 0, trailing text ignored, as librdkafka */
    static const struct { const char *in, *out; } ints[] = {
        {"0x10", "16"}, {"010", "8"}, {" 42", "42"}, {"5000ms", "5000"}, {"+7", "7"}};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        assert_int_equal(set(c, "auto.commit.interval.ms", ints[i].in), RD_KAFKA_CONF_OK);
        assert_string_equal(get(c, "auto.commit.interval.ms"), ints[i].out);
    }
    /* floats: linger.ms is queue.buffering.max.ms, shown with %g */
    assert_int_equal(set(c, "linger.ms", "0.5"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "queue.buffering.max.ms"), "0.5");
    assert_int_equal(set(c, "linger.ms", "250.0"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "linger.ms"), "250");
    assert_string_equal(shim_conf_lookup(c, "linger.ms"), "250");
    /* integers with names: acks=all is -1 */
    assert_int_equal(set(c, "acks", "ALL"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "acks"), "-1");
    assert_string_equal(get(c, "request.required.acks"), "-1");
    /* enums: any case, left-trimmed, shown by the value's first name */
    assert_int_equal(set(c, "auto.offset.reset", " EARLIEST"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "auto.offset.reset"), "smallest");
    assert_int_equal(set(c, "auto.offset.reset", "end"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "auto.offset.reset"), "largest");
    assert_int_equal(set(c, "compression.type", "ZSTD"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "compression.codec"), "zstd");
    assert_string_equal(shim_conf_lookup(c, "compression.type"), "zstd");
    assert_int_equal(set(c, "broker.address.family", "V6"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "broker.address.family"), "v6");
    /* flags: OR:ed in, '-' removes, shown in table order */
    assert_string_equal(get(c, "debug"), "");
    assert_int_equal(set(c, "debug", "topic, broker"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "debug"), "broker,topic");
    assert_int_equal(set(c, "debug", "msg"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "debug"), "broker,topic,msg");
    assert_int_equal(set(c, "debug", "-broker,,+cgrp"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "debug"), "topic,msg,cgrp");
    assert_int_equal(set(c, "debug", "all"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "debug"),
                        "generic,broker,topic,metadata,feature,queue,msg,protocol,cgrp,"
                        "security,fetch,interceptor,plugin,consumer,admin,eos,mock,"
                        "assignor,conf,all");
    assert_int_equal(set(c, "debug", "-all"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "debug"), "");
    /* a flags size query says one more than needed, as librdkafka's does */
    size_t size = 0;
    assert_int_equal(rd_kafka_conf_get(c, "debug", NULL, &size), RD_KAFKA_CONF_OK);
    assert_int_equal(size, 2);
    /* builtin.features: setting a feature checks it, and never removes others */
    assert_int_equal(set(c, "builtin.features", "zstd,gzip"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "builtin.features"),
                        "gzip,snappy,ssl,sasl,regex,lz4,sasl_gssapi,sasl_plain,sasl_scram,"
                        "plugins,zstd,sasl_oauthbearer,http,oidc");
    assert_int_equal(set(c, "builtin.features", "zstd,quantum"), RD_KAFKA_CONF_INVALID);
    /* strings: left-trimmed; "" is back to the default (or no value) */
    assert_int_equal(set(c, "client.id", "  app "), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "client.id"), "app ");
    assert_int_equal(set(c, "client.id", ""), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "client.id"), "rdkafka");
    assert_int_equal(set(c, "group.id", "g"), RD_KAFKA_CONF_OK);
    assert_int_equal(set(c, "group.id", ""), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "group.id"), "<UNKNOWN>");
    assert_null(shim_conf_lookup(c, "group.id"));
    rd_kafka_conf_destroy(c);
}

static void test_aliases_and_topic(void **state)
{
    (void)state;
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    assert_int_equal(set(c, "bootstrap.servers", "mem://"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "metadata.broker.list"), "mem://");
    assert_string_equal(shim_conf_lookup(c, "bootstrap.servers"), "mem://");
    assert_int_equal(set(c, "metadata.broker.list", "file:///tmp/x"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "bootstrap.servers"), "file:///tmp/x");   /* one property */
    assert_int_equal(set(c, "max.partition.fetch.bytes", "2048"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "fetch.message.max.bytes"), "2048");
    assert_int_equal(set(c, "retries", "3"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "message.send.max.retries"), "3");
    /* topic properties on the global conf go to the default topic conf */
    assert_int_equal(set(c, "message.timeout.ms", "1000"), RD_KAFKA_CONF_OK);
    rd_kafka_topic_conf_t *t = rd_kafka_conf_get_default_topic_conf(c);
    assert_non_null(t);
    assert_string_equal(tget(t, "delivery.timeout.ms"), "1000");
    assert_string_equal(get(c, "message.timeout.ms"), "1000");   /* get falls through */
    assert_int_equal(set(c, "topic.auto.offset.reset", "beginning"), RD_KAFKA_CONF_OK);
    assert_string_equal(tget(t, "auto.offset.reset"), "smallest");
    /* topic.metadata.* are global properties, not "topic." + a topic one */
    assert_int_equal(set(c, "topic.metadata.refresh.interval.ms", "-1"), RD_KAFKA_CONF_OK);
    assert_string_equal(get(c, "topic.metadata.refresh.interval.ms"), "-1");
    /* global and topic compression.codec are two properties */
    assert_string_equal(tget(t, "compression.codec"), "inherit");
    assert_string_equal(get(c, "compression.codec"), "none");
    rd_kafka_conf_destroy(c);
}

/* ---- the table ---- */

/* A value of p's type that librdkafka accepts. */
static const char *valid_value(const shim_prop *p, char *buf, size_t size)
{
    switch (p->type) {
    case SHIM_PT_BOOL:
        return p->vdef ? "false" : "true";
    case SHIM_PT_INT:
        snprintf(buf, size, "%d", p->vmax);
        return buf;
    case SHIM_PT_DBL:
        snprintf(buf, size, "%g", p->dmax);
        return buf;
    case SHIM_PT_S2I:
    case SHIM_PT_S2F:
        return p->s2i[0].str;   /* the canonical name of its value */
    default:
        break;
    }
    static const struct { const char *name, *value; } special[] = {
        {"metadata.broker.list", "mem://"}, {"partitioner", "murmur2_random"},
        {"sasl.mechanisms", "SCRAM-SHA-512"}, {"broker.version.fallback", "2.8.1"},
        {"topic.blacklist", "^tmp\\..*,,x,^y$"}, {"lakestream.producer.id", "job-7.r3"}};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        if (!strcmp(special[i].name, p->name))
            return special[i].value;
    return "some value";
}

static void test_every_property(void **state)
{
    (void)state;
    size_t documented = 0, honoured = 0;
    for (const shim_prop *p = shim_props; p->name; p++) {
        int global = (p->scope & SHIM_PS_GLOBAL) != 0;
        const shim_prop *real = p;
        if (p->type == SHIM_PT_ALIAS) {   /* the target of the same scope */
            for (real = shim_props; real->name; real++)
                if ((real->scope & p->scope & (SHIM_PS_GLOBAL | SHIM_PS_TOPIC)) &&
                    !strcmp(real->name, p->sdef))
                    break;
            assert_non_null(real->name);
        }
        if (!(p->scope & (SHIM_PS_HIDDEN | SHIM_PS_LAKESTREAM)) && p->type != SHIM_PT_INVALID)
            documented++;
        if (p->honoured)
            honoured++;
        assert_true(p->type == SHIM_PT_ALIAS || (p->note && p->desc));
        char buf[64];
        const char *v = valid_value(real, buf, sizeof buf);
        rd_kafka_conf_t *c = rd_kafka_conf_new();
        rd_kafka_topic_conf_t *t = rd_kafka_topic_conf_new();
        rd_kafka_conf_res_t r = global ? set(c, p->name, v) : tset(t, p->name, v);
        if (real->type == SHIM_PT_PTR && !(real->scope & SHIM_PS_HIDDEN)) {
            assert_int_equal(r, RD_KAFKA_CONF_INVALID);
            assert_non_null(strstr(errstr, "must be set through dedicated"));
        } else if (real->type == SHIM_PT_INTERNAL) {
            assert_int_equal(r, RD_KAFKA_CONF_INVALID);
            assert_non_null(strstr(errstr, "not settable"));
        } else if (real->type == SHIM_PT_INVALID) {
            assert_int_equal(r, RD_KAFKA_CONF_INVALID);
            assert_string_equal(errstr, real->desc);
        } else {
            if (r != RD_KAFKA_CONF_OK)
                fail_msg("%s=%s: %d %s", p->name, v, r, errstr);
            /* read back in canonical form, under the name and its alias */
            const char *got = global ? get(c, p->name) : tget(t, p->name);
            if (real->type == SHIM_PT_S2F)
                assert_non_null(strstr(got, v));
            else if (real->type != SHIM_PT_PTR)
                assert_string_equal(got, v);
            if (global && real->type != SHIM_PT_PTR)
                assert_non_null(shim_conf_lookup(c, p->name));
        }
        rd_kafka_topic_conf_destroy(t);
        rd_kafka_conf_destroy(c);
    }
    /* CONFIGURATION.md of librdkafka 2.0.2: 170 rows (global and topic) */
    assert_int_equal(documented, 170);
    assert_true(honoured > 20);

    /* one conf with every global property set at once stays within the store */
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    for (const shim_prop *p = shim_props; p->name; p++) {
        char buf[64];
        if ((p->scope & SHIM_PS_GLOBAL) && p->type != SHIM_PT_PTR &&
            p->type != SHIM_PT_INTERNAL && p->type != SHIM_PT_INVALID &&
            p->type != SHIM_PT_ALIAS)
            assert_int_equal(set(c, p->name, valid_value(p, buf, sizeof buf)),
                             RD_KAFKA_CONF_OK);
    }
    rd_kafka_conf_t *d = rd_kafka_conf_dup(c);
    assert_non_null(d);
    rd_kafka_conf_destroy(d);
    rd_kafka_conf_destroy(c);
}

static int dump_has(const char **arr, size_t cnt, const char *name, const char *value)
{
    for (size_t i = 0; i + 1 < cnt; i += 2)
        if (!strcmp(arr[i], name))
            return !value || !strcmp(arr[i + 1], value);
    return 0;
}

static void test_defaults_and_dump(void **state)
{
    (void)state;
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    /* defaults of unset properties, as librdkafka reports them */
    static const struct { const char *name, *value; } dflt[] = {
        {"client.id", "rdkafka"}, {"linger.ms", "5"}, {"queue.buffering.max.messages", "100000"},
        {"enable.auto.commit", "true"}, {"auto.commit.interval.ms", "5000"},
        {"session.timeout.ms", "45000"}, {"security.protocol", "plaintext"},
        {"sasl.mechanisms", "GSSAPI"}, {"partition.assignment.strategy", "range,roundrobin"},
        {"client.rack", ""}, {"debug", ""}, {"enabled_events", "0"},
        {"isolation.level", "read_committed"}, {"group.protocol.type", "consumer"},
        {"group.id", "<UNKNOWN>"}, {"bootstrap.servers", "<UNKNOWN>"},
        {"error_cb", "<UNKNOWN>"}, {"acks", "<UNKNOWN>"} /* no default topic conf yet */};
    for (size_t i = 0; i < sizeof dflt / sizeof dflt[0]; i++)
        assert_string_equal(get(c, dflt[i].name), dflt[i].value);
    assert_null(shim_conf_lookup(c, "client.id"));   /* a default is not "set" */

    size_t cnt;
    const char **arr = rd_kafka_conf_dump(c, &cnt);
    assert_non_null(arr);
    assert_int_equal(cnt % 2, 0);
    /* every global property with a value, in the table's order, then lakestream.* */
    size_t want = 0;
    char buf[512];
    for (const shim_prop *p = shim_props; p->name; p++) {
        if (!(p->scope & SHIM_PS_GLOBAL) || (p->scope & SHIM_PS_LAKESTREAM) ||
            p->type == SHIM_PT_ALIAS || p->type == SHIM_PT_PTR ||
            p->type == SHIM_PT_INTERNAL || p->type == SHIM_PT_INVALID)
            continue;
        if ((p->type == SHIM_PT_STR || p->type == SHIM_PT_KSTR ||
             p->type == SHIM_PT_PATLIST) && !p->sdef)
            continue;
        assert_string_equal(arr[2 * want], p->name);
        snprintf(buf, sizeof buf, "%s", get(c, p->name));
        assert_string_equal(arr[2 * want + 1], buf);
        want++;
    }
    assert_true(want > 90);
    assert_true(dump_has(arr, cnt, "queue.buffering.max.ms", "5"));
    assert_true(dump_has(arr, cnt, "builtin.features", NULL));
    assert_true(dump_has(arr, cnt, "lakestream.global.batch.size", "1"));
    assert_true(dump_has(arr, cnt, "lakestream.producer.commit.policy", NULL));
    assert_false(dump_has(arr, cnt, "metadata.broker.list", NULL));
    assert_false(dump_has(arr, cnt, "bootstrap.servers", NULL));   /* aliases never */
    assert_false(dump_has(arr, cnt, "log_cb", NULL));   /* the shim has no default printer */
    for (size_t i = 0; i < cnt; i += 2) {   /* every name reads back with its value */
        char v[1100];
        size_t vsize = sizeof v;
        assert_int_equal(rd_kafka_conf_get(c, arr[i], v, &vsize), RD_KAFKA_CONF_OK);
        assert_string_equal(v, arr[i + 1]);
    }
    rd_kafka_conf_dump_free(arr, cnt);

    /* a topic conf dumps its 15 defaults; set values replace them in place */
    rd_kafka_topic_conf_t *t = rd_kafka_topic_conf_new();
    arr = rd_kafka_topic_conf_dump(t, &cnt);
    assert_int_equal(cnt, 30);
    assert_string_equal(arr[0], "request.required.acks");
    assert_string_equal(arr[1], "-1");
    assert_true(dump_has(arr, cnt, "partitioner", "consistent_random"));
    assert_true(dump_has(arr, cnt, "auto.offset.reset", "largest"));
    rd_kafka_conf_dump_free(arr, cnt);
    assert_int_equal(tset(t, "auto.offset.reset", "earliest"), RD_KAFKA_CONF_OK);
    rd_kafka_topic_conf_set_opaque(t, &cnt);
    arr = rd_kafka_topic_conf_dump(t, &cnt);
    assert_int_equal(cnt, 32);   /* and opaque, now that it has one */
    assert_true(dump_has(arr, cnt, "auto.offset.reset", "smallest"));
    assert_true(dump_has(arr, cnt, "opaque", NULL));
    rd_kafka_conf_dump_free(arr, cnt);
    rd_kafka_topic_conf_destroy(t);
    rd_kafka_conf_dump_free(NULL, 0);
    rd_kafka_conf_destroy(c);
}

/* ---- copies, callbacks, interceptors ---- */

static void cb_dr_msg(rd_kafka_t *rk, const rd_kafka_message_t *m, void *o) { (void)rk; (void)m; (void)o; }
static void cb_dr(rd_kafka_t *rk, void *p, size_t l, rd_kafka_resp_err_t e, void *o, void *mo)
{ (void)rk; (void)p; (void)l; (void)e; (void)o; (void)mo; }
static void cb_error(rd_kafka_t *rk, int e, const char *r, void *o) { (void)rk; (void)e; (void)r; (void)o; }
static int cb_stats(rd_kafka_t *rk, char *j, size_t l, void *o) { (void)rk; (void)j; (void)l; (void)o; return 0; }
static void cb_log(const rd_kafka_t *rk, int l, const char *f, const char *b) { (void)rk; (void)l; (void)f; (void)b; }
static void cb_throttle(rd_kafka_t *rk, const char *b, int32_t i, int t, void *o)
{ (void)rk; (void)b; (void)i; (void)t; (void)o; }
static void cb_bg(rd_kafka_t *rk, rd_kafka_event_t *e, void *o) { (void)rk; (void)e; (void)o; }
static void cb_consume(rd_kafka_message_t *m, void *o) { (void)m; (void)o; }
static void cb_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e, rd_kafka_topic_partition_list_t *p, void *o)
{ (void)rk; (void)e; (void)p; (void)o; }
static void cb_commit(rd_kafka_t *rk, rd_kafka_resp_err_t e, rd_kafka_topic_partition_list_t *p, void *o)
{ (void)rk; (void)e; (void)p; (void)o; }
static void cb_oauth(rd_kafka_t *rk, const char *c, void *o) { (void)rk; (void)c; (void)o; }
static int cb_socket(int d, int t, int p, void *o) { (void)d; (void)t; (void)p; (void)o; return -1; }
static int cb_connect(int s, const struct sockaddr *a, int l, const char *i, void *o)
{ (void)s; (void)a; (void)l; (void)i; (void)o; return -1; }
static int cb_close(int s, void *o) { (void)s; (void)o; return 0; }
static int cb_open(const char *p, int f, mode_t m, void *o) { (void)p; (void)f; (void)m; (void)o; return -1; }
static int cb_resolve(const char *n, const char *s, const struct addrinfo *h, struct addrinfo **r, void *o)
{ (void)n; (void)s; (void)h; (void)r; (void)o; return -1; }
static int cb_verify(rd_kafka_t *rk, const char *b, int32_t i, int *x, int d, const char *buf,
                     size_t sz, char *e, size_t es, void *o)
{ (void)rk; (void)b; (void)i; (void)x; (void)d; (void)buf; (void)sz; (void)e; (void)es; (void)o; return 1; }
static int32_t cb_part(const rd_kafka_topic_t *t, const void *k, size_t l, int32_t n, void *o, void *mo)
{ (void)t; (void)k; (void)l; (void)n; (void)o; (void)mo; return 0; }
static int cb_cmp(const rd_kafka_message_t *a, const rd_kafka_message_t *b) { (void)a; (void)b; return 0; }

static void test_dup_copies_everything(void **state)
{
    (void)state;
    int opaque, engine, topaque;
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set_dr_msg_cb(c, cb_dr_msg);
    rd_kafka_conf_set_dr_cb(c, cb_dr);
    rd_kafka_conf_set_error_cb(c, cb_error);
    rd_kafka_conf_set_stats_cb(c, cb_stats);
    rd_kafka_conf_set_log_cb(c, cb_log);
    rd_kafka_conf_set_throttle_cb(c, cb_throttle);
    rd_kafka_conf_set_background_event_cb(c, cb_bg);
    rd_kafka_conf_set_consume_cb(c, cb_consume);
    rd_kafka_conf_set_rebalance_cb(c, cb_rebalance);
    rd_kafka_conf_set_offset_commit_cb(c, cb_commit);
    rd_kafka_conf_set_oauthbearer_token_refresh_cb(c, cb_oauth);
    rd_kafka_conf_set_socket_cb(c, cb_socket);
    rd_kafka_conf_set_connect_cb(c, cb_connect);
    rd_kafka_conf_set_closesocket_cb(c, cb_close);
    rd_kafka_conf_set_open_cb(c, cb_open);
    rd_kafka_conf_set_resolve_cb(c, cb_resolve);
    assert_int_equal(rd_kafka_conf_set_ssl_cert_verify_cb(c, cb_verify), RD_KAFKA_CONF_OK);
    rd_kafka_conf_set_engine_callback_data(c, &engine);
    rd_kafka_conf_set_opaque(c, &opaque);
    rd_kafka_conf_set_events(c, RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR);
    rd_kafka_conf_enable_sasl_queue(c, 1);
    rd_kafka_topic_conf_t *t = rd_kafka_topic_conf_new();
    rd_kafka_topic_conf_set_partitioner_cb(t, cb_part);
    rd_kafka_topic_conf_set_msg_order_cmp(t, cb_cmp);
    rd_kafka_topic_conf_set_opaque(t, &topaque);
    assert_int_equal(tset(t, "acks", "1"), RD_KAFKA_CONF_OK);
    rd_kafka_conf_set_default_topic_conf(c, t);
    assert_ptr_equal(rd_kafka_conf_get_default_topic_conf(c), t);
    assert_int_equal(set(c, "client.id", "dup-test"), RD_KAFKA_CONF_OK);
    assert_int_equal(set(c, "debug", "eos"), RD_KAFKA_CONF_OK);
    assert_int_equal(set(c, "lakestream.rank", "3"), RD_KAFKA_CONF_OK);
    assert_int_equal(set(c, "lakestream.producer.commit.interval.ms", "70"), RD_KAFKA_CONF_OK);
    assert_int_equal(c->enabled_events, RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR);
    assert_string_equal(get(c, "enabled_events"), "9");
    assert_string_equal(get(c, "enable_sasl_queue"), "true");

    rd_kafka_conf_t *d = rd_kafka_conf_dup(c);
    assert_non_null(d);
    assert_ptr_equal(d->dr_msg_cb, cb_dr_msg);
    assert_ptr_equal(d->dr_cb, cb_dr);
    assert_ptr_equal(d->error_cb, cb_error);
    assert_ptr_equal(d->stats_cb, cb_stats);
    assert_ptr_equal(d->log_cb, cb_log);
    assert_ptr_equal(d->throttle_cb, cb_throttle);
    assert_ptr_equal(d->background_event_cb, cb_bg);
    assert_ptr_equal(d->consume_cb, cb_consume);
    assert_ptr_equal(d->rebalance_cb, cb_rebalance);
    assert_ptr_equal(d->offset_commit_cb, cb_commit);
    assert_ptr_equal(d->oauthbearer_token_refresh_cb, cb_oauth);
    assert_ptr_equal(d->socket_cb, cb_socket);
    assert_ptr_equal(d->connect_cb, cb_connect);
    assert_ptr_equal(d->closesocket_cb, cb_close);
    assert_ptr_equal(d->open_cb, cb_open);
    assert_ptr_equal(d->resolve_cb, cb_resolve);
    assert_ptr_equal(d->ssl_cert_verify_cb, cb_verify);
    assert_ptr_equal(d->engine_callback_data, &engine);
    assert_ptr_equal(d->opaque, &opaque);
    assert_int_equal(d->enabled_events, RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR);
    rd_kafka_topic_conf_t *dt = rd_kafka_conf_get_default_topic_conf(d);
    assert_non_null(dt);
    assert_ptr_not_equal(dt, t);   /* duplicated, not shared */
    assert_ptr_equal(dt->partitioner_cb, cb_part);
    assert_ptr_equal(dt->msg_order_cmp, cb_cmp);
    assert_ptr_equal(dt->opaque, &topaque);
    assert_string_equal(tget(dt, "acks"), "1");
    assert_string_equal(get(d, "client.id"), "dup-test");
    assert_string_equal(get(d, "debug"), "eos");
    assert_string_equal(get(d, "lakestream.rank"), "3");
    assert_string_equal(get(d, "lakestream.producer.commit.interval.ms"), "70");
    assert_string_equal(get(d, "enable_sasl_queue"), "true");
    /* the two dumps agree but for the default topic conf's address */
    size_t n1, n2;
    const char **a1 = rd_kafka_conf_dump(c, &n1), **a2 = rd_kafka_conf_dump(d, &n2);
    assert_int_equal(n1, n2);
    for (size_t i = 0; i < n1; i += 2) {
        assert_string_equal(a1[i], a2[i]);
        if (strcmp(a1[i], "default_topic_conf"))
            assert_string_equal(a1[i + 1], a2[i + 1]);
    }
    assert_true(dump_has(a1, n1, "dr_msg_cb", NULL) && dump_has(a1, n1, "opaque", NULL));
    rd_kafka_conf_dump_free(a1, n1);
    rd_kafka_conf_dump_free(a2, n2);

    /* a filter drops properties by name prefix */
    const char *filter[] = {"client.", "lakestream.", "dr_msg"};
    rd_kafka_conf_t *f = rd_kafka_conf_dup_filter(c, 3, filter);
    assert_string_equal(get(f, "client.id"), "rdkafka");
    assert_string_equal(get(f, "lakestream.rank"), "");
    assert_null(f->dr_msg_cb);
    assert_ptr_equal(f->error_cb, cb_error);
    assert_string_equal(get(f, "debug"), "eos");
    rd_kafka_conf_destroy(f);
    rd_kafka_conf_destroy(d);
    rd_kafka_conf_destroy(c);

    /* dups of a topic conf and of a handle's default topic conf */
    rd_kafka_conf_t *pc = rd_kafka_conf_new();
    assert_int_equal(set(pc, "bootstrap.servers", "mem://"), RD_KAFKA_CONF_OK);
    assert_int_equal(set(pc, "auto.offset.reset", "earliest"), RD_KAFKA_CONF_OK);
    char e[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, pc, e, sizeof e);
    if (!rk)
        fail_msg("rd_kafka_new: %s", e);
    rd_kafka_topic_conf_t *dtc = rd_kafka_default_topic_conf_dup(rk);
    assert_string_equal(tget(dtc, "auto.offset.reset"), "smallest");
    rd_kafka_topic_conf_destroy(dtc);
    rd_kafka_destroy(rk);
}

static void test_ssl_cert(void **state)
{
    (void)state;
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    static const char pem[] = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n";
    /* accepted and ignored: the shim has no TLS (arguments checked as librdkafka does) */
    assert_int_equal(rd_kafka_conf_set_ssl_cert(c, RD_KAFKA_CERT_CA, RD_KAFKA_CERT_ENC_PEM, pem,
                                                sizeof pem, errstr, sizeof errstr),
                     RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_set_ssl_cert(c, RD_KAFKA_CERT_CA, RD_KAFKA_CERT_ENC_PEM,
                                                NULL, 0, errstr, sizeof errstr),
                     RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_set_ssl_cert(c, (rd_kafka_cert_type_t)7,
                                                RD_KAFKA_CERT_ENC_PEM, pem, sizeof pem, errstr,
                                                sizeof errstr),
                     RD_KAFKA_CONF_INVALID);
    assert_string_equal(errstr, "Invalid certificate type 7");
    assert_int_equal(rd_kafka_conf_set_ssl_cert(c, RD_KAFKA_CERT_PUBLIC_KEY,
                                                (rd_kafka_cert_enc_t)9, pem, sizeof pem, errstr,
                                                sizeof errstr),
                     RD_KAFKA_CONF_INVALID);
    assert_string_equal(errstr, "Invalid certificate encoding 9");
    rd_kafka_conf_destroy(c);
}

/* Interceptors: a log of their calls. */
static char ic_log[4096];

static void ic_note(const char *fmt, ...)
{
    size_t n = strlen(ic_log);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ic_log + n, sizeof ic_log - n, fmt, ap);
    va_end(ap);
}

static rd_kafka_conf_res_t ic_set(rd_kafka_conf_t *conf, const char *name, const char *val,
                                  char *es, size_t es_size, void *opaque)
{
    (void)conf;
    ic_note("set[%s] %s=%s;", (const char *)opaque, name, val ? val : "(null)");
    if (!strcmp(name, "my.prop"))
        return RD_KAFKA_CONF_OK;
    if (!strcmp(name, "my.bad")) {
        snprintf(es, es_size, "no");
        return RD_KAFKA_CONF_INVALID;
    }
    return RD_KAFKA_CONF_UNKNOWN;
}

static rd_kafka_resp_err_t ic_destroy(void *opaque)
{
    ic_note("destroy[%s];", (const char *)opaque);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

static rd_kafka_resp_err_t ic_dup(rd_kafka_conf_t *new_conf, const rd_kafka_conf_t *old,
                                  size_t cnt, const char **filter, void *opaque)
{
    (void)old; (void)filter;
    ic_note("dup[%s] %zu;", (const char *)opaque, cnt);
    rd_kafka_conf_interceptor_add_on_conf_set(new_conf, "t", ic_set, "copy");
    rd_kafka_conf_interceptor_add_on_conf_destroy(new_conf, "t", ic_destroy, "copy");
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

static rd_kafka_resp_err_t ic_new(rd_kafka_t *rk, const rd_kafka_conf_t *conf, void *opaque,
                                  char *es, size_t es_size)
{
    (void)rk; (void)conf; (void)opaque; (void)es; (void)es_size;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

static void test_interceptors(void **state)
{
    (void)state;
    ic_log[0] = '\0';
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_interceptor_add_on_conf_set(c, "t", ic_set, "orig"), 0);
    assert_int_equal(rd_kafka_conf_interceptor_add_on_conf_set(c, "t", ic_set, "orig"),
                     RD_KAFKA_RESP_ERR__CONFLICT);
    assert_int_equal(rd_kafka_conf_interceptor_add_on_conf_dup(c, "t", ic_dup, "orig"), 0);
    assert_int_equal(rd_kafka_conf_interceptor_add_on_conf_destroy(c, "t", ic_destroy, "orig"),
                     0);
    assert_int_equal(rd_kafka_conf_interceptor_add_on_new(c, "t", ic_new, NULL), 0);
    assert_int_equal(rd_kafka_conf_interceptor_add_on_new(c, "t", ic_new, NULL),
                     RD_KAFKA_RESP_ERR__CONFLICT);
    /* the interceptor sees the name given, then the property's own name */
    assert_int_equal(set(c, "linger.ms", "9"), RD_KAFKA_CONF_OK);
    assert_string_equal(ic_log, "set[orig] linger.ms=9;set[orig] queue.buffering.max.ms=9;"
                                "set[orig] queue.buffering.max.ms=9;");
    ic_log[0] = '\0';
    assert_int_equal(set(c, "my.prop", "x"), RD_KAFKA_CONF_OK);   /* taken: stored there */
    assert_string_equal(get(c, "my.prop"), "<UNKNOWN>");
    assert_int_equal(set(c, "my.bad", "x"), RD_KAFKA_CONF_INVALID);
    assert_string_equal(errstr, "no");
    ic_log[0] = '\0';
    rd_kafka_conf_t *d = rd_kafka_conf_dup(c);
    /* on_conf_dup, then every set property through the copy's interceptors
     * (what the old one's took re-set at "interceptors") */
    assert_string_equal(ic_log, "dup[orig] 0;set[copy] my.prop=x;"
                                "set[copy] queue.buffering.max.ms=9;");
    assert_string_equal(get(d, "linger.ms"), "9");
    ic_log[0] = '\0';
    rd_kafka_conf_destroy(d);
    assert_string_equal(ic_log, "destroy[copy];");
    ic_log[0] = '\0';
    rd_kafka_conf_destroy(c);
    assert_string_equal(ic_log, "destroy[orig];");
}

/* ---- properties_show ---- */

static void test_properties_show(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&out, &len);
    assert_non_null(fp);
    rd_kafka_conf_properties_show(fp);
    fclose(fp);
    assert_non_null(strstr(out, "## Global configuration properties\n\nProperty "));
    assert_non_null(strstr(out, "\n\n\n## Topic configuration properties\n"));
    assert_non_null(strstr(out, "### C/P legend: C = Consumer, P = Producer, * = both\n"));
    assert_non_null(strstr(out, "bootstrap.servers                        |  *  |  "));
    assert_non_null(strstr(out, "Alias for `metadata.broker.list`: Initial list of brokers"));
    assert_non_null(strstr(out, "## Lakestream (liblakestream-rdkafka) configuration "));
    assert_non_null(strstr(out, "\nlakestream.producer.commit.policy "));
    for (const shim_prop *p = shim_props; p->name; p++) {
        char row[128];
        snprintf(row, sizeof row, "\n%-40s | ", p->name);
        if ((p->scope & SHIM_PS_HIDDEN) || p->type == SHIM_PT_INVALID)
            assert_null(strstr(out, row));
        else
            assert_non_null(strstr(out, row));
    }
    free(out);
}

/* ---- partitioners ---- */

static void test_partitioners(void **state)
{
    (void)state;
    /* values computed by librdkafka 2.0.2 (test_shim_conf.sh checks thousands) */
    assert_int_equal(rd_kafka_msg_partitioner_consistent(NULL, "a", 1, 10, NULL, NULL), 7);
    assert_int_equal(rd_kafka_msg_partitioner_consistent(NULL, "hello world", 11, 7, NULL,
                                                         NULL), 5);
    assert_int_equal(rd_kafka_msg_partitioner_consistent(NULL, NULL, 0, 10, NULL, NULL), 0);
    assert_int_equal(rd_kafka_msg_partitioner_murmur2(NULL, "a", 1, 10, NULL, NULL), 4);
    assert_int_equal(rd_kafka_msg_partitioner_murmur2(NULL, "hello world", 11, 10, NULL, NULL),
                     9);
    assert_int_equal(rd_kafka_msg_partitioner_murmur2(NULL, "", 0, 7, NULL, NULL), 2);
    assert_int_equal(rd_kafka_msg_partitioner_fnv1a(NULL, "a", 1, 10, NULL, NULL), 6);
    assert_int_equal(rd_kafka_msg_partitioner_fnv1a(NULL, "hello world", 11, 7, NULL, NULL), 4);
    assert_int_equal(rd_kafka_msg_partitioner_fnv1a(NULL, NULL, 0, 10, NULL, NULL), 5);
    /* the keyed *_random ones hash like the plain ones */
    assert_int_equal(rd_kafka_msg_partitioner_consistent_random(NULL, "a", 1, 10, NULL, NULL),
                     7);
    assert_int_equal(rd_kafka_msg_partitioner_murmur2_random(NULL, "", 0, 7, NULL, NULL), 2);
    assert_int_equal(rd_kafka_msg_partitioner_fnv1a_random(NULL, "a", 1, 10, NULL, NULL), 6);
    /* random: in range, and spread over all partitions */
    int seen[5] = {0};
    for (int i = 0; i < 2000; i++) {
        int32_t p[4] = {rd_kafka_msg_partitioner_random(NULL, "k", 1, 5, NULL, NULL),
                        rd_kafka_msg_partitioner_consistent_random(NULL, "", 0, 5, NULL, NULL),
                        rd_kafka_msg_partitioner_murmur2_random(NULL, NULL, 0, 5, NULL, NULL),
                        rd_kafka_msg_partitioner_fnv1a_random(NULL, NULL, 0, 5, NULL, NULL)};
        for (int j = 0; j < 4; j++) {
            assert_true(p[j] >= 0 && p[j] < 5);
            seen[p[j]]++;
        }
    }
    for (int i = 0; i < 5; i++)
        assert_true(seen[i] > 1000);
    assert_int_equal(rd_kafka_msg_partitioner_random(NULL, NULL, 0, 1, NULL, NULL), 0);
}

/* ---- docs/kafka-shim-properties.md ---- */

static const char *type_name(const shim_prop *p)
{
    static const char *const names[] = {
        [SHIM_PT_STR] = "string", [SHIM_PT_KSTR] = "string", [SHIM_PT_INT] = "integer",
        [SHIM_PT_DBL] = "float", [SHIM_PT_S2I] = "enum", [SHIM_PT_S2F] = "CSV flags",
        [SHIM_PT_BOOL] = "boolean", [SHIM_PT_PTR] = "pointer (set_*() function)",
        [SHIM_PT_PATLIST] = "pattern list", [SHIM_PT_ALIAS] = "alias",
        [SHIM_PT_INTERNAL] = "internal", [SHIM_PT_INVALID] = "refused"};
    return names[p->type];
}

/* s with '|' escaped for a markdown table cell. */
static const char *cell(const char *s, char *buf, size_t size)
{
    size_t k = 0;
    for (; *s && k + 3 < size; s++) {
        if (*s == '|')
            buf[k++] = '\\';
        buf[k++] = *s;
    }
    buf[k] = '\0';
    return buf;
}

/* The doc's row for p: name, scope, type, range, default, aliases, note. */
static void doc_row(const shim_prop *p, char *out, size_t size)
{
    char range[512] = "", dflt[512] = "", aliases[256] = "", c1[512], c2[512], c3[1024];
    if (p->type == SHIM_PT_INT && !(p->scope & SHIM_PS_LAKESTREAM) && p->s2i)
        snprintf(range, sizeof range, "%d .. %d, or %s", p->vmin, p->vmax, p->s2i[0].str);
    else if (p->type == SHIM_PT_INT)
        snprintf(range, sizeof range, "%d .. %d", p->vmin, p->vmax);
    else if (p->type == SHIM_PT_DBL)
        snprintf(range, sizeof range, "%g .. %g", p->dmin, p->dmax);
    else if (p->type == SHIM_PT_BOOL)
        snprintf(range, sizeof range, "true, false");
    else if (p->s2i)
        for (const shim_s2i *e = p->s2i; e->str; e++)
            snprintf(range + strlen(range), sizeof range - strlen(range), "%s%s",
                     e == p->s2i ? "" : ", ", e->str);
    if (p->type == SHIM_PT_STR || p->type == SHIM_PT_KSTR || p->type == SHIM_PT_PATLIST ||
        (p->scope & SHIM_PS_LAKESTREAM))
        snprintf(dflt, sizeof dflt, "%s", !p->sdef ? "—" : *p->sdef ? p->sdef : "\"\"");
    else if (p->type == SHIM_PT_BOOL)
        snprintf(dflt, sizeof dflt, "%s", p->vdef ? "true" : "false");
    else if (p->type == SHIM_PT_INT)
        snprintf(dflt, sizeof dflt, "%d", p->vdef);
    else if (p->type == SHIM_PT_DBL)
        snprintf(dflt, sizeof dflt, "%g", p->ddef);
    else if (p->type == SHIM_PT_S2I) {
        for (const shim_s2i *e = p->s2i; e->str; e++)
            if (e->val == p->vdef) {
                snprintf(dflt, sizeof dflt, "%s", e->str);
                break;
            }
    } else if (p->type == SHIM_PT_S2F) {
        for (const shim_s2i *e = p->s2i; e->str; e++)
            if ((p->vdef & e->val) == e->val)
                snprintf(dflt + strlen(dflt), sizeof dflt - strlen(dflt), "%s%s",
                         *dflt ? "," : "", e->str);
        if (!*dflt)
            snprintf(dflt, sizeof dflt, "\"\"");
    } else
        snprintf(dflt, sizeof dflt, "—");
    int scope = p->scope & (SHIM_PS_GLOBAL | SHIM_PS_TOPIC);
    for (const shim_prop *a = shim_props; a->name; a++)
        if (a->type == SHIM_PT_ALIAS && (a->scope & scope) && !strcmp(a->sdef, p->name))
            snprintf(aliases + strlen(aliases), sizeof aliases - strlen(aliases), "%s`%s`",
                     *aliases ? ", " : "", a->name);
    const char *cp = !(p->scope & SHIM_PS_PRODUCER) == !(p->scope & SHIM_PS_CONSUMER) ? "*"
                     : (p->scope & SHIM_PS_PRODUCER) ? "P" : "C";
    snprintf(out, size, "| `%s` | %s %s | %s | %s | %s | %s | %s |", p->name,
             scope == SHIM_PS_TOPIC ? "topic" : "global", cp, type_name(p),
             cell(range, c1, sizeof c1), cell(dflt, c2, sizeof c2), *aliases ? aliases : "",
             cell(p->note ? p->note : "", c3, sizeof c3));
}

/* Rows of the doc's tables: every property but aliases (listed with what
 * they alias) and librdkafka's refused Java names. */
static int doc_listed(const shim_prop *p)
{
    return p->type != SHIM_PT_ALIAS && p->type != SHIM_PT_INVALID;
}

static void print_doc_rows(void)
{
    static const struct { const char *title; int honoured, hidden, ls; } sections[] = {
        {"Honoured", 1, 0, 0}, {"Accepted and ignored", 0, 0, 0},
        {"Undocumented (hidden) librdkafka properties", -1, 1, 0},
        {"The shim's own", -1, 0, 1}};
    char row[4096];
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        printf("\n<!-- rows: %s -->\n", sections[s].title);
        for (const shim_prop *p = shim_props; p->name; p++) {
            int hidden = (p->scope & SHIM_PS_HIDDEN) != 0, ls = (p->scope & SHIM_PS_LAKESTREAM) != 0;
            if (!doc_listed(p) || hidden != sections[s].hidden || ls != sections[s].ls ||
                (sections[s].honoured >= 0 && p->honoured != sections[s].honoured))
                continue;
            doc_row(p, row, sizeof row);
            printf("%s\n", row);
        }
    }
}

static void test_doc_lists_table(void **state)
{
    (void)state;
    FILE *fp = fopen(DOC_PATH, "r");
    if (!fp)
        fail_msg("cannot read %s", DOC_PATH);
    static char doc[1 << 20];
    size_t n = fread(doc, 1, sizeof doc - 1, fp);
    fclose(fp);
    doc[n] = '\0';
    char row[4096], name[256];
    for (const shim_prop *p = shim_props; p->name; p++) {
        snprintf(name, sizeof name, "`%s`", p->name);
        if (!strstr(doc, name))
            fail_msg("%s does not name %s", DOC_PATH, name);
        if (!doc_listed(p))
            continue;
        doc_row(p, row, sizeof row);
        char line[4200];
        snprintf(line, sizeof line, "\n%s\n", row);
        if (!strstr(doc, line))
            fail_msg("%s lacks the row (regenerate: test_shim_conf --doc-rows):\n%s", DOC_PATH,
                     row);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--doc-rows")) {
        print_doc_rows();
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bool_spellings),
        cmocka_unit_test(test_unknown_invalid),
        cmocka_unit_test(test_numbers_enums_flags),
        cmocka_unit_test(test_aliases_and_topic),
        cmocka_unit_test(test_every_property),
        cmocka_unit_test(test_defaults_and_dump),
        cmocka_unit_test(test_dup_copies_everything),
        cmocka_unit_test(test_ssl_cert),
        cmocka_unit_test(test_interceptors),
        cmocka_unit_test(test_properties_show),
        cmocka_unit_test(test_partitioners),
        cmocka_unit_test(test_doc_lists_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
