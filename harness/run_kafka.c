/*
 * run_kafka.c -- the kafka plane's cluster, topic and client settings
 * (run_kafka.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "run_kafka.h"

#define RK_OUT_BYTES 4096

/* The same producer settings whatever the cluster: idempotent (so acks=all,
 * as librdkafka sets with enable.idempotence), a short linger, and a
 * message limit above the largest sample (images reach 4 MiB; Kafka's
 * default is 1 MB, which a deployment for images raises, as the topic's
 * max.message.bytes below does). */
const char *const run_kafka_producer_props[] = {
    "enable.idempotence=true", "acks=all", "linger.ms=5", "message.max.bytes=16777216", NULL
};
/* A step's samples are wanted at once: no broker-side wait for more
 * (fetch.wait.max.ms, 500 ms by default), and a failed fetch retried soon
 * (fetch.error.backoff.ms, 500 ms by default).  The ranks' other settings
 * (group.id, enable.auto.commit=false) are run.c's, shared with lakestream. */
const char *const run_kafka_rank_props[] = {
    "fetch.wait.max.ms=10", "fetch.error.backoff.ms=20", NULL
};
/* The topic's own configuration, before --kafka-topic-config's. */
static const char *const topic_defaults[] = { "max.message.bytes=16777216", NULL };

/* Create topic with parts partitions (and the topic configuration) on
 * k's cluster; the broker count the topic role saw in metadata. */
static unsigned create_topic(const run_kafka *k, const char *worker_kafka, const char *topic,
                             uint32_t parts, const char *log)
{
    char np[16], rf[16];
    snprintf(np, sizeof np, "%u", parts);
    snprintf(rf, sizeof rf, "%u", k->replication_factor);
    char *av[16 + 2 * RK_TOPIC_CONFIGS_MAX];
    int n = 0;
    av[n++] = (char *)worker_kafka;
    av[n++] = "topic";
    av[n++] = "--bootstrap"; av[n++] = (char *)k->bootstrap;
    av[n++] = "--topic"; av[n++] = (char *)topic;
    av[n++] = "--partitions"; av[n++] = np;
    av[n++] = "--replication-factor"; av[n++] = rf;
    for (int i = 0; topic_defaults[i]; i++) {
        av[n++] = "--config"; av[n++] = (char *)topic_defaults[i];
    }
    for (unsigned i = 0; i < k->ntopic_config; i++) {
        av[n++] = "--config"; av[n++] = (char *)k->topic_config[i];
    }
    av[n] = NULL;
    char outb[RK_OUT_BYTES];
    int rc = kafka_run_capture(av, log, outb, sizeof outb);
    if (rc != 0)
        die("kafka topic", "creating %s on %s failed (exit %d; %s)", topic, k->bootstrap, rc,
            log);
    /* The topic role's JSON: "brokers": N, as metadata saw them. */
    const char *b = strstr(outb, "\"brokers\": ");
    long nb = b ? strtol(b + 11, NULL, 10) : 0;
    return nb > 0 && nb <= 1000 ? (unsigned)nb : 0;
}

void run_kafka_setup(run_kafka *k, const char *worker_kafka, const char *out, const char *logs)
{
    char err[PATH_MAX + 256], path[PATH_MAX + 64], log[PATH_MAX + 64];
    if (k->kind == RK_BROKER) {
        snprintf(path, sizeof path, "%s/kafka", out);
        snprintf(log, sizeof log, "%s/kafka-server.log", logs);
        if (kafka_broker_start(&k->kb, path, k->brokers, log, err, sizeof err))
            die("kafka broker", "%s", err);
        snprintf(k->bootstrap, sizeof k->bootstrap, "%s", k->kb.bootstrap);
        snprintf(k->version, sizeof k->version, "%s", k->kb.version);
        k->brokers = k->kb.brokers;
    } else {
        /* The cluster kafka-server.sh started, if that is the one given. */
        const char *env = getenv("KAFKA_BOOTSTRAP_SERVERS"), *v = getenv("KAFKA_BROKER_VERSION");
        if (env && v && !strcmp(env, k->bootstrap))
            snprintf(k->version, sizeof k->version, "%s", v);
    }
    if (!k->replication_factor)
        k->replication_factor = k->kind == RK_BROKER ? k->brokers : 1;
    snprintf(k->topic, sizeof k->topic, "samples-%d-%lld", (int)getpid(), (long long)time(NULL));

    snprintf(log, sizeof log, "%s/kafka-topic.log", logs);
    unsigned seen = create_topic(k, worker_kafka, k->topic, k->partitions, log);
    if (k->kind == RK_EXTERNAL && seen)
        k->brokers = seen;
    if (k->eos) {
        snprintf(k->pos_topic, sizeof k->pos_topic, "%s-pos", k->topic);
        (void)create_topic(k, worker_kafka, k->pos_topic, k->producers, log);
    }
}

void run_kafka_teardown(run_kafka *k)
{
    if (k->kind == RK_BROKER)
        kafka_broker_stop(&k->kb);
}

/* {"name": "value", ...} of a NULL-terminated list of "name=value". */
static json_t *props_json(const char *const *list, const char *const *more, unsigned nmore)
{
    json_t *o = json_object();
    for (unsigned pass = 0; pass < 2; pass++)
        for (unsigned i = 0; pass ? i < nmore : list[i] != NULL; i++) {
            const char *p = pass ? more[i] : list[i], *eq = strchr(p, '=');
            if (!eq)
                continue;
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(eq - p), p);
            json_object_set_new(o, name, json_string(eq + 1));
        }
    return o;
}

json_t *run_kafka_json(const run_kafka *k)
{
    static const char *const kinds[] = { "broker", "external", "mock" };
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(kinds[k->kind]));
    json_object_set_new(o, "broker_version", *k->version ? json_string(k->version) : json_null());
    json_object_set_new(o, "brokers", k->kind == RK_MOCK ? json_integer(3)
                                      : k->brokers ? json_integer(k->brokers) : json_null());
    json_object_set_new(o, "replication_factor", json_integer(k->kind == RK_MOCK ? 1
                                                              : k->replication_factor));
    json_object_set_new(o, "partitions", json_integer(k->partitions));
    json_object_set_new(o, "topic", json_string(k->topic));
    json_object_set_new(o, "topic_config", k->kind == RK_MOCK
                        ? json_object()
                        : props_json(topic_defaults, k->topic_config, k->ntopic_config));
    json_t *prod = props_json(run_kafka_producer_props, NULL, 0), *rank =
        props_json(run_kafka_rank_props, NULL, 0);
    if (k->eos) {
        json_object_set_new(prod, "transactional.id", json_string("bench-p<J>"));
        json_object_set_new(rank, "isolation.level", json_string("read_committed"));
    }
    json_object_set_new(o, "producer", prod);
    json_object_set_new(o, "rank", rank);
    json_object_set_new(o, "exactly_once", json_boolean(k->eos));
    json_object_set_new(o, "transaction_ms", k->eos ? json_integer(RK_TXN_MS) : json_null());
    json_object_set_new(o, "positions_topic", k->eos ? json_string(k->pos_topic) : json_null());
    return o;
}
