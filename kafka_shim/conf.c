/*
 * conf.c -- rd_kafka_conf_t and rd_kafka_topic_conf_t: string properties
 * validated against the shim's property table (props[]), lakestream.*
 * passed through to the core's ls_conf, and librdkafka property names that
 * have no meaning over a store accepted and ignored (ignored[]).  Any
 * other name is RD_KAFKA_CONF_UNKNOWN, as librdkafka would answer.  Dumps
 * list them as librdkafka's rd_kafka_conf_dump does.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim_int.h"

typedef enum { P_STR, P_INT, P_BOOL } ptype;

typedef struct shim_prop {
    const char *name;
    ptype       type;
    int64_t     min, max;
    const char *dflt;   /* NULL: unset */
} shim_prop;

/* Properties with a meaning over Lakestream (docs/kafka-shim.md). */
static const shim_prop props[] = {
    {"bootstrap.servers",            P_STR, 0, 0, NULL},
    {"metadata.broker.list",         P_STR, 0, 0, NULL},
    {"client.id",                    P_STR, 0, 0, "rdkafka"},
    {"enable.idempotence",           P_BOOL, 0, 1, "false"},
    {"transactional.id",             P_STR, 0, 0, NULL},
    {"linger.ms",                    P_INT, 0, 900000, "100"},
    {"queue.buffering.max.ms",       P_INT, 0, 900000, "100"},
    {"queue.buffering.max.messages", P_INT, 1, 2147483647, "100000"},
    {"queue.buffering.max.kbytes",   P_INT, 1, 2147483647, "1048576"},
    {"statistics.interval.ms",       P_INT, 0, 86400000, "0"},
    {"compression.codec",            P_STR, 0, 0, "none"},
    {"compression.type",             P_STR, 0, 0, "none"},
    {"lakestream.global.batch.size", P_INT, 1, LS_GLOBAL_BATCH_MAX, "1"},
    {"lakestream.rank",              P_INT, 0, LS_WORLD_SIZE_MAX - 1, NULL},
    {"lakestream.world.size",        P_INT, 1, LS_WORLD_SIZE_MAX, NULL},
    {"lakestream.producer.id",       P_STR, 0, 0, NULL},
    {"group.id",                     P_STR, 0, 0, NULL},
    {"enable.auto.commit",           P_BOOL, 0, 1, "true"},
    {"auto.commit.interval.ms",      P_INT, 0, 86400000, "5000"},
    {"enable.auto.offset.store",     P_BOOL, 0, 1, "true"},
    {"enable.partition.eof",         P_BOOL, 0, 1, "false"},
    {"auto.offset.reset",            P_STR, 0, 0, "largest"},
};

/* librdkafka properties accepted and ignored: brokers, sockets, security,
 * batching and retry knobs, and group membership and fetch tuning, have
 * no counterpart over an object store. */
static const char *const ignored[] = {
    "acks", "request.required.acks", "message.timeout.ms", "delivery.timeout.ms",
    "request.timeout.ms", "retries", "message.send.max.retries", "retry.backoff.ms",
    "retry.backoff.max.ms", "batch.num.messages", "batch.size", "message.max.bytes",
    "message.copy.max.bytes", "receive.message.max.bytes", "compression.level",
    "max.in.flight.requests.per.connection", "max.in.flight", "partitioner",
    "sticky.partitioning.linger.ms", "queue.buffering.backpressure.threshold",
    "enable.gapless.guarantee", "transaction.timeout.ms", "socket.timeout.ms",
    "socket.keepalive.enable", "socket.send.buffer.bytes", "socket.receive.buffer.bytes",
    "socket.nagle.disable", "socket.connection.setup.timeout.ms",
    "connections.max.idle.ms", "reconnect.backoff.ms", "reconnect.backoff.max.ms",
    "security.protocol", "sasl.mechanisms", "sasl.mechanism", "sasl.username",
    "sasl.password", "sasl.kerberos.service.name", "sasl.oauthbearer.config",
    "ssl.ca.location", "ssl.certificate.location", "ssl.key.location",
    "ssl.key.password", "ssl.endpoint.identification.algorithm",
    "enable.ssl.certificate.verification", "api.version.request",
    "api.version.request.timeout.ms", "broker.version.fallback",
    "api.version.fallback.ms", "debug", "log_level", "log.queue", "log.thread.name",
    "log.connection.close", "topic.metadata.refresh.interval.ms", "metadata.max.age.ms",
    "topic.metadata.refresh.sparse", "topic.metadata.propagation.max.ms",
    "client.rack", "client.dns.lookup", "client.software.name",
    "client.software.version", "builtin.features", "enable.random.seed",
    "internal.termination.signal", "allow.auto.create.topics", "topic.blacklist",
    "group.instance.id", "session.timeout.ms",
    "heartbeat.interval.ms", "max.poll.interval.ms", "partition.assignment.strategy",
    "isolation.level", "group.protocol.type", "coordinator.query.interval.ms", "fetch.min.bytes", "fetch.max.bytes",
    "fetch.wait.max.ms", "fetch.message.max.bytes", "fetch.error.backoff.ms",
    "queued.min.messages", "queued.max.messages.kbytes", "check.crcs",
    "offset.store.method", "consume.callback.max.messages",
};

static const shim_prop *prop_find(const char *name)
{
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
        if (strcmp(props[i].name, name) == 0)
            return &props[i];
    return NULL;
}

static int is_ignored(const char *name)
{
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
        if (strcmp(ignored[i], name) == 0)
            return 1;
    return 0;
}

static rd_kafka_conf_res_t conf_err(char *errstr, size_t errstr_size, rd_kafka_conf_res_t res,
                                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static rd_kafka_conf_res_t conf_err(char *errstr, size_t errstr_size, rd_kafka_conf_res_t res,
                                    const char *fmt, ...)
{
    if (errstr && errstr_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errstr, errstr_size, fmt, ap);
        va_end(ap);
    }
    return res;
}

static int parse_int(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

/* A store URI, not a broker list: "host:port[,host:port]" cannot work. */
static int uri_ok(const char *v)
{
    if (!*v)
        return 0;
    if (strstr(v, "://"))
        return strncmp(v, "file://", 7) == 0 || strncmp(v, "s3://", 5) == 0 ||
               strncmp(v, "mem://", 6) == 0;
    return strchr(v, ',') == NULL && strchr(v, ':') == NULL;
}

static rd_kafka_conf_res_t validate(const shim_prop *p, const char *value, char *errstr,
                                    size_t errstr_size)
{
    if (p->type == P_INT) {
        int64_t v;
        if (parse_int(value, &v) || v < p->min || v > p->max)
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Configuration property \"%s\" value \"%s\" is not an integer "
                            "in %lld..%lld", p->name, value, (long long)p->min,
                            (long long)p->max);
    } else if (p->type == P_BOOL) {
        if (strcmp(value, "true") && strcmp(value, "false"))
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Configuration property \"%s\" value \"%s\" is not true|false",
                            p->name, value);
    } else if (!strcmp(p->name, "bootstrap.servers") ||
               !strcmp(p->name, "metadata.broker.list")) {
        if (!uri_ok(value))
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "%s \"%s\" is not a Lakestream store URI (file:///path, a plain "
                            "path or s3://bucket[/prefix]); a Kafka broker list cannot work",
                            p->name, value);
    } else if (!strcmp(p->name, "compression.codec") || !strcmp(p->name, "compression.type")) {
        if (strcmp(value, "none") && strcmp(value, "zstd") && strcmp(value, "gzip") &&
            strcmp(value, "snappy") && strcmp(value, "lz4") && strcmp(value, "inherit"))
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Invalid value \"%s\" for %s", value, p->name);
    } else if (!strcmp(p->name, "auto.offset.reset")) {
        static const char *const ok[] = {"smallest", "earliest", "beginning", "largest",
                                         "latest", "end", "error"};
        size_t i = 0;
        while (i < sizeof ok / sizeof ok[0] && strcmp(ok[i], value))
            i++;
        if (i == sizeof ok / sizeof ok[0])
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Invalid value \"%s\" for configuration property "
                            "\"auto.offset.reset\"", value);
    } else if (!strcmp(p->name, "lakestream.producer.id") ||
               !strcmp(p->name, "transactional.id")) {
        if (!strcmp(p->name, "lakestream.producer.id") && !ls_name_is_valid(value))
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "%s \"%s\" must be 1..128 of [A-Za-z0-9._-]", p->name, value);
    }
    if (strlen(value) > SHIM_CONF_VALUE_BYTES_MAX)
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                        "%s: value longer than %u bytes", p->name, SHIM_CONF_VALUE_BYTES_MAX);
    return RD_KAFKA_CONF_OK;
}

static int store_kv(char **names, char **values, size_t *n, const char *name, const char *value)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(names[i], name)) {
            char *v = strdup(value);
            if (!v)
                return -1;
            free(values[i]);
            values[i] = v;
            return 0;
        }
    if (*n >= SHIM_CONF_PROPS_MAX)
        return -1;
    names[*n] = strdup(name);
    values[*n] = strdup(value);
    if (!names[*n] || !values[*n]) {
        free(names[*n]);
        free(values[*n]);
        return -1;
    }
    (*n)++;
    return 0;
}

static const char *lookup_kv(char *const *names, char *const *values, size_t n,
                             const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return values[i];
    return NULL;
}

const char *shim_conf_lookup(const rd_kafka_conf_t *conf, const char *name)
{
    return lookup_kv(conf->names, conf->values, conf->n, name);
}

rd_kafka_conf_t *rd_kafka_conf_new(void)
{
    rd_kafka_conf_t *conf = calloc(1, sizeof *conf);
    if (!conf)
        return NULL;
    conf->lconf = ls_conf_new();
    if (!conf->lconf) {
        free(conf);
        return NULL;
    }
    return conf;
}

void rd_kafka_conf_destroy(rd_kafka_conf_t *conf)
{
    if (!conf)
        return;
    for (size_t i = 0; i < conf->n; i++) {
        free(conf->names[i]);
        free(conf->values[i]);
    }
    ls_conf_destroy(conf->lconf);
    rd_kafka_topic_conf_destroy(conf->default_topic_conf);
    free(conf);
}

rd_kafka_conf_t *rd_kafka_conf_dup(const rd_kafka_conf_t *conf)
{
    rd_kafka_conf_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    *c = *conf;
    c->n = 0;
    c->lconf = ls_conf_dup(conf->lconf);
    c->default_topic_conf =
        conf->default_topic_conf ? rd_kafka_topic_conf_dup(conf->default_topic_conf) : NULL;
    int bad = !c->lconf || (conf->default_topic_conf && !c->default_topic_conf);
    for (size_t i = 0; !bad && i < conf->n; i++)
        bad = store_kv(c->names, c->values, &c->n, conf->names[i], conf->values[i]);
    if (bad) {
        rd_kafka_conf_destroy(c);
        return NULL;
    }
    return c;
}

rd_kafka_conf_t *rd_kafka_conf_dup_filter(const rd_kafka_conf_t *conf, size_t filter_cnt,
                                          const char **filter)
{
    (void)filter_cnt;
    (void)filter;
    return rd_kafka_conf_dup(conf);
}

rd_kafka_conf_res_t rd_kafka_conf_set(rd_kafka_conf_t *conf, const char *name,
                                      const char *value, char *errstr, size_t errstr_size)
{
    if (!conf || !name)
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID, "NULL argument");
    if (!value)
        value = "";
    const shim_prop *p = prop_find(name);
    if (p) {
        rd_kafka_conf_res_t r = validate(p, value, errstr, errstr_size);
        if (r != RD_KAFKA_CONF_OK)
            return r;
    } else if (strncmp(name, "lakestream.", 11) == 0) {
        if (ls_conf_set(conf->lconf, name + 11, value) != LS_OK) {
            if (ls_conf_get(conf->lconf, name + 11) == NULL)
                return conf_err(errstr, errstr_size, RD_KAFKA_CONF_UNKNOWN,
                                "No such configuration property: \"%s\" (%s)", name,
                                ls_errmsg());
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Invalid value for configuration property \"%s\": %s", name,
                            ls_errmsg());
        }
    } else if (!is_ignored(name)) {
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_UNKNOWN,
                        "No such configuration property: \"%s\"", name);
    }
    if (store_kv(conf->names, conf->values, &conf->n, name, value))
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                        "Out of memory or more than %u properties", SHIM_CONF_PROPS_MAX);
    return RD_KAFKA_CONF_OK;
}

/* librdkafka's *_conf_get contract: copy v (truncated, NUL-terminated) to
 * dest if it is given, and set *dest_size to the size v needs. */
static rd_kafka_conf_res_t copy_out(const char *v, char *dest, size_t *dest_size)
{
    size_t need = strlen(v) + 1;
    if (dest && *dest_size > 0) {
        size_t k = need < *dest_size ? need : *dest_size;
        memcpy(dest, v, k - 1);
        dest[k - 1] = '\0';
    }
    *dest_size = need;
    return RD_KAFKA_CONF_OK;
}

rd_kafka_conf_res_t rd_kafka_conf_get(const rd_kafka_conf_t *conf, const char *name,
                                      char *dest, size_t *dest_size)
{
    const char *v = shim_conf_lookup(conf, name);
    if (!v) {
        const shim_prop *p = prop_find(name);
        if (p)
            v = p->dflt ? p->dflt : "";
        else if (strncmp(name, "lakestream.", 11) == 0)
            v = ls_conf_get(conf->lconf, name + 11);
        else if (is_ignored(name))
            v = "";
        if (!v)
            return RD_KAFKA_CONF_UNKNOWN;
    }
    return copy_out(v, dest, dest_size);
}

/* ---- dumps: "name", "value" pairs, *cntp strings in all ------------------ */

typedef struct dump {
    char  **arr;    /* n strings, each malloc()ed */
    size_t  n, cap;
    int     bad;    /* an allocation failed: the dump is dropped */
} dump;

static void dump_add(dump *d, const char *name, const char *value)
{
    if (d->bad)
        return;
    if (d->n + 2 > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        char **arr = realloc(d->arr, cap * sizeof(*arr));
        if (!arr) {
            d->bad = 1;
            return;
        }
        d->arr = arr;
        d->cap = cap;
    }
    d->arr[d->n] = strdup(name);
    d->arr[d->n + 1] = strdup(value);
    d->n += 2;   /* freed with the rest even if a strdup failed */
    d->bad = !d->arr[d->n - 2] || !d->arr[d->n - 1];
}

static const char **dump_finish(dump *d, size_t *cntp)
{
    if (!d->bad && !d->arr)   /* never NULL for an empty dump */
        d->bad = !(d->arr = malloc(sizeof(*d->arr)));
    if (d->bad) {
        rd_kafka_conf_dump_free((const char **)d->arr, d->n);
        *cntp = 0;
        return NULL;
    }
    *cntp = d->n;
    return (const char **)d->arr;
}

/* As librdkafka lists its properties with their current values: the shim's
 * properties (set, or their default; those unset without a default are
 * left out), every core property as lakestream.<name>, then the ignored
 * librdkafka properties that were set, in the order they were first set. */
const char **rd_kafka_conf_dump(rd_kafka_conf_t *conf, size_t *cntp)
{
    dump d = { 0 };
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
        const char *v = shim_conf_lookup(conf, props[i].name);
        if (v || props[i].dflt)
            dump_add(&d, props[i].name, v ? v : props[i].dflt);
    }
    const ls_conf_prop *lp;
    for (size_t i = 0; (lp = ls_conf_describe(i)); i++) {
        char name[256];
        snprintf(name, sizeof name, "lakestream.%s", lp->name);
        if (!prop_find(name))   /* a shim property of that name wins in _set */
            dump_add(&d, name, ls_conf_get(conf->lconf, lp->name));
    }
    for (size_t i = 0; i < conf->n; i++)
        if (is_ignored(conf->names[i]))
            dump_add(&d, conf->names[i], conf->values[i]);
    return dump_finish(&d, cntp);
}

void rd_kafka_conf_dump_free(const char **arr, size_t cnt)
{
    if (!arr)
        return;
    for (size_t i = 0; i < cnt; i++)
        free((char *)arr[i]);
    free((void *)arr);
}

void rd_kafka_conf_set_dr_msg_cb(rd_kafka_conf_t *conf,
                                 void (*dr_msg_cb)(rd_kafka_t *, const rd_kafka_message_t *,
                                                   void *))
{
    conf->dr_msg_cb = dr_msg_cb;
}

void rd_kafka_conf_set_error_cb(rd_kafka_conf_t *conf,
                                void (*error_cb)(rd_kafka_t *, int, const char *, void *))
{
    conf->error_cb = error_cb;
}

void rd_kafka_conf_set_stats_cb(rd_kafka_conf_t *conf,
                                int (*stats_cb)(rd_kafka_t *, char *, size_t, void *))
{
    conf->stats_cb = stats_cb;
}

void rd_kafka_conf_set_opaque(rd_kafka_conf_t *conf, void *opaque) { conf->opaque = opaque; }

void rd_kafka_conf_set_rebalance_cb(
    rd_kafka_conf_t *conf,
    void (*rebalance_cb)(rd_kafka_t *, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t *,
                         void *))
{
    conf->rebalance_cb = rebalance_cb;
}

void rd_kafka_conf_set_offset_commit_cb(
    rd_kafka_conf_t *conf,
    void (*offset_commit_cb)(rd_kafka_t *, rd_kafka_resp_err_t,
                             rd_kafka_topic_partition_list_t *, void *))
{
    conf->offset_commit_cb = offset_commit_cb;
}

void rd_kafka_conf_set_default_topic_conf(rd_kafka_conf_t *conf,
                                          rd_kafka_topic_conf_t *tconf)
{
    rd_kafka_topic_conf_destroy(conf->default_topic_conf);
    conf->default_topic_conf = tconf;
}

/* ---- topic configuration: accepted and ignored (no per-topic knobs) ---- */

static const char *const topic_props[] = {
    "acks", "request.required.acks", "request.timeout.ms", "message.timeout.ms",
    "delivery.timeout.ms", "partitioner", "compression.codec", "compression.type",
    "compression.level", "auto.offset.reset", "auto.commit.enable",
    "enable.auto.commit", "auto.commit.interval.ms", "offset.store.method",
    "consume.callback.max.messages", "queuing.strategy", "produce.offset.report",
};

rd_kafka_topic_conf_t *rd_kafka_topic_conf_new(void)
{
    return calloc(1, sizeof(rd_kafka_topic_conf_t));
}

void rd_kafka_topic_conf_destroy(rd_kafka_topic_conf_t *tconf)
{
    if (!tconf)
        return;
    for (size_t i = 0; i < tconf->n; i++) {
        free(tconf->names[i]);
        free(tconf->values[i]);
    }
    free(tconf);
}

rd_kafka_topic_conf_t *rd_kafka_topic_conf_dup(const rd_kafka_topic_conf_t *tconf)
{
    rd_kafka_topic_conf_t *c = rd_kafka_topic_conf_new();
    if (!c)
        return NULL;
    c->opaque = tconf->opaque;
    for (size_t i = 0; i < tconf->n; i++)
        if (store_kv(c->names, c->values, &c->n, tconf->names[i], tconf->values[i])) {
            rd_kafka_topic_conf_destroy(c);
            return NULL;
        }
    return c;
}

rd_kafka_conf_res_t rd_kafka_topic_conf_set(rd_kafka_topic_conf_t *tconf, const char *name,
                                            const char *value, char *errstr,
                                            size_t errstr_size)
{
    int known = 0;
    for (size_t i = 0; i < sizeof topic_props / sizeof topic_props[0]; i++)
        known |= !strcmp(topic_props[i], name);
    if (!known)
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_UNKNOWN,
                        "No such configuration property: \"%s\"", name);
    if (store_kv(tconf->names, tconf->values, &tconf->n, name, value ? value : ""))
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID, "Out of memory");
    return RD_KAFKA_CONF_OK;
}

rd_kafka_conf_res_t rd_kafka_topic_conf_get(const rd_kafka_topic_conf_t *tconf,
                                            const char *name, char *dest, size_t *dest_size)
{
    const char *v = lookup_kv(tconf->names, tconf->values, tconf->n, name);
    if (!v)
        return RD_KAFKA_CONF_UNKNOWN;
    return copy_out(v, dest, dest_size);
}

/* The topic properties set, in the order they were first set. */
const char **rd_kafka_topic_conf_dump(rd_kafka_topic_conf_t *tconf, size_t *cntp)
{
    dump d = { 0 };
    for (size_t i = 0; i < tconf->n; i++)
        dump_add(&d, tconf->names[i], tconf->values[i]);
    return dump_finish(&d, cntp);
}

void rd_kafka_topic_conf_set_opaque(rd_kafka_topic_conf_t *tconf, void *rkt_opaque)
{
    tconf->opaque = rkt_opaque;
}
