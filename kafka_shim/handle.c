/*
 * handle.c -- rd_kafka_t: rd_kafka_new opens the store named by
 * bootstrap.servers and resolves the producer id, rank and world size;
 * rd_kafka_poll/flush drive the core producers and serve delivery
 * reports, error and statistics callbacks on the caller's thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shim_int.h"

int64_t shim_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t shim_now_ms(void) { return shim_now_us() / 1000; }

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static rd_kafka_t *new_fail(rd_kafka_t *rk, char *errstr, size_t errstr_size,
                            rd_kafka_resp_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static rd_kafka_t *new_fail(rd_kafka_t *rk, char *errstr, size_t errstr_size,
                            rd_kafka_resp_err_t err, const char *fmt, ...)
{
    char buf[SHIM_ERRSTR_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (errstr && errstr_size)
        snprintf(errstr, errstr_size, "%s", buf);
    shim_seterr(err, "%s", buf);
    if (rk) {
        shim_queues_destroy(rk);
        free(rk->store_uri);
        ls_store_close(rk->st);
        ls_conf_destroy(rk->lconf);
        pthread_mutex_destroy(&rk->lock);
        free(rk);
    }
    return NULL;
}

static int64_t conf_int(const rd_kafka_conf_t *conf, const char *name, int64_t dflt)
{
    const char *v = shim_conf_lookup(conf, name);
    return v ? strtoll(v, NULL, 10) : dflt;
}

/* From conf, else the environment variable, else dflt; -1 if invalid. */
static int64_t conf_or_env(const rd_kafka_conf_t *conf, const char *name, const char *env,
                           int64_t dflt)
{
    const char *v = shim_conf_lookup(conf, name);
    if (!v)
        v = getenv(env);
    if (!v || !*v)
        return dflt;
    char *end;
    long long x = strtoll(v, &end, 10);
    return *end ? -1 : x;
}

/* Producer id: lakestream.producer.id, else transactional.id (both stable
 * across restarts: a new instance fences the older ones, as a shared
 * transactional.id does in Kafka), else "<client.id>.r<rank>.<16 hex>"
 * with a random suffix per handle: plain producers never fence each
 * other, however many share client.id and rank (the base is cut to leave
 * room for the suffix).  Characters outside [A-Za-z0-9._-] become '_'. */
#define PRODUCER_ID_SUFFIX_BYTES 17u   /* ".%016llx" */
static int make_producer_id(rd_kafka_t *rk, char *errstr, size_t errstr_size)
{
    const char *v = shim_conf_lookup(rk->conf, "lakestream.producer.id");
    char buf[2 * SHIM_CONF_VALUE_BYTES_MAX];
    if (!v)
        v = shim_conf_lookup(rk->conf, "transactional.id");
    if (v)
        snprintf(buf, sizeof buf, "%s", v);
    else {
        /* 64 random bits: /dev/urandom, else the clock, the handle's
         * address and a counter (distinct within a process, and across
         * processes but for a clash of clocks at the nanosecond). */
        static unsigned seq;
        unsigned long long r = 0;
        FILE *f = fopen("/dev/urandom", "rb");
        if (!f || fread(&r, sizeof r, 1, f) != 1) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            r = ((unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec) ^
                ((unsigned long long)(uintptr_t)rk << 16) ^
                __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
        }
        if (f)
            fclose(f);
        const char *cid = shim_conf_lookup(rk->conf, "client.id");
        int n = snprintf(buf, sizeof buf, "%s.r%u", cid && *cid ? cid : "rdkafka", rk->rank);
        size_t base = (size_t)n < LS_PRODUCER_ID_BYTES_MAX - PRODUCER_ID_SUFFIX_BYTES
                          ? (size_t)n : LS_PRODUCER_ID_BYTES_MAX - PRODUCER_ID_SUFFIX_BYTES;
        snprintf(buf + base, sizeof buf - base, ".%016llx", r);
    }
    for (char *c = buf; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '_' || *c == '-'))
            *c = '_';
    if (strlen(buf) > LS_PRODUCER_ID_BYTES_MAX || !ls_name_is_valid(buf)) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "producer id \"%s\" (from transactional.id or "
                     "lakestream.producer.id) is not 1..%u of [A-Za-z0-9._-]", buf,
                     LS_PRODUCER_ID_BYTES_MAX);
        return -1;
    }
    memcpy(rk->producer_id, buf, strlen(buf) + 1);  /* fits: checked above */
    return 0;
}

rd_kafka_t *rd_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, char *errstr,
                         size_t errstr_size)
{
    static int handle_seq;  /* only names handles; races are harmless */
    if (type != RD_KAFKA_PRODUCER && type != RD_KAFKA_CONSUMER)
        return new_fail(NULL, errstr, errstr_size, RD_KAFKA_RESP_ERR__INVALID_ARG,
                        "rd_kafka_new: unknown handle type %d", (int)type);
    rd_kafka_conf_t *own = conf ? NULL : rd_kafka_conf_new();
    if (!conf && !own)
        return new_fail(NULL, errstr, errstr_size, RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE,
                        "out of memory");
    rd_kafka_conf_t *c = conf ? conf : own;
    rd_kafka_t *rk = calloc(1, sizeof *rk);
    if (!rk) {
        rd_kafka_conf_destroy(own);
        return new_fail(NULL, errstr, errstr_size, RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE,
                        "out of memory");
    }
    pthread_mutex_init(&rk->lock, NULL);
    rk->type = type;
    rk->conf = c;
    if (type == RD_KAFKA_PRODUCER)
        rk->topic_attach = shim_producer_attach;

#define FAIL(err, ...) do { rk->conf = NULL; rd_kafka_conf_destroy(own); \
        return new_fail(rk, errstr, errstr_size, err, __VA_ARGS__); } while (0)

    /* Under `lakestream kafka-run --store URI` the program's broker list
     * names a Kafka cluster it expected: the store replaces it. */
    const char *uri = getenv("LAKESTREAM_STORE");
    if (!uri || !*uri)
        uri = shim_conf_lookup(c, "bootstrap.servers");
    if (!uri)
        uri = shim_conf_lookup(c, "metadata.broker.list");
    if (!uri)
        FAIL(RD_KAFKA_RESP_ERR__INVALID_ARG,
             "bootstrap.servers must name a Lakestream store URI (file:///path, a plain "
             "path or s3://bucket[/prefix])");
    int64_t world = conf_or_env(c, "lakestream.world.size", "WORLD_SIZE", 1);
    int64_t rank = conf_or_env(c, "lakestream.rank", "RANK", 0);
    if (world < 1 || world > LS_WORLD_SIZE_MAX || rank < 0 || rank >= world)
        FAIL(RD_KAFKA_RESP_ERR__INVALID_ARG,
             "rank %lld / world size %lld (lakestream.rank / lakestream.world.size or "
             "RANK / WORLD_SIZE) must satisfy 0 <= rank < world size <= %u",
             (long long)rank, (long long)world, LS_WORLD_SIZE_MAX);
    rk->rank = (uint32_t)rank;
    rk->world_size = (uint32_t)world;
    int64_t batch = conf_or_env(c, "lakestream.global.batch.size", "LAKESTREAM_GLOBAL_BATCH",
                                SHIM_GLOBAL_BATCH_DEFAULT);
    if (batch < 1 || batch > LS_GLOBAL_BATCH_MAX)
        FAIL(RD_KAFKA_RESP_ERR__INVALID_ARG, "lakestream.global.batch.size (or "
             "LAKESTREAM_GLOBAL_BATCH) %lld: 1..%u", (long long)batch, LS_GLOBAL_BATCH_MAX);
    rk->global_batch = (uint32_t)batch;
    const char *codec = shim_conf_lookup(c, "compression.codec");
    if (!codec)
        codec = shim_conf_lookup(c, "compression.type");
    rk->codec = codec && !strcmp(codec, "zstd") ? LS_CODEC_ZSTD : LS_CODEC_NONE;
    rk->queue_msgs_max = conf_int(c, "queue.buffering.max.messages", SHIM_QUEUE_MSGS_DEFAULT);
    rk->queue_bytes_max = conf_int(c, "queue.buffering.max.kbytes",
                                   SHIM_QUEUE_KBYTES_DEFAULT) * 1024;
    rk->stats_interval_ms = conf_int(c, "statistics.interval.ms", 0);
    rk->log_level = (int)conf_int(c, "log_level", SHIM_LOG_LEVEL_DEFAULT);
    rk->next_stats_ms = shim_now_ms() + rk->stats_interval_ms;

    rk->lconf = ls_conf_dup(c->lconf);
    if (!rk->lconf)
        FAIL(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    /* linger.ms, when set, is the group-commit interval unless the core
     * property is set explicitly, and it is kept as librdkafka means it: a
     * batch goes out linger.ms after its first message, so the policy is
     * fixed unless lakestream.producer.commit.policy says otherwise (with
     * dac, linger.ms is DAC's starting interval).  Without linger.ms the
     * core's defaults apply (dac, starting from 100 ms). */
    const char *linger = shim_conf_lookup(c, "linger.ms");
    if (!linger)
        linger = shim_conf_lookup(c, "queue.buffering.max.ms");
    if (linger && !shim_conf_lookup(c, "lakestream.producer.commit.interval.ms") &&
        ls_conf_set(rk->lconf, "producer.commit.interval.ms", linger) != LS_OK)
        FAIL(RD_KAFKA_RESP_ERR__INVALID_ARG, "linger.ms %s: %s", linger, ls_errmsg());
    if (linger && !shim_conf_lookup(c, "lakestream.producer.commit.policy") &&
        ls_conf_set(rk->lconf, "producer.commit.policy", "fixed") != LS_OK)
        FAIL(RD_KAFKA_RESP_ERR__INVALID_ARG, "linger.ms %s: %s", linger, ls_errmsg());

    /* A transactional producer commits only at rd_kafka_commit_transaction. */
    if (type == RD_KAFKA_PRODUCER && shim_conf_lookup(c, "transactional.id")) {
        if (ls_conf_set(rk->lconf, "producer.commit.policy", "manual") != LS_OK)
            FAIL(RD_KAFKA_RESP_ERR__INVALID_ARG, "transactional.id: %s", ls_errmsg());
        rk->txn_state = SHIM_TXN_INIT;
    }
    if (make_producer_id(rk, errstr, errstr_size)) {
        char tmp[SHIM_ERRSTR_BYTES];
        snprintf(tmp, sizeof tmp, "%s", errstr && errstr_size ? errstr : "bad producer id");
        FAIL(RD_KAFKA_RESP_ERR__INVALID_ARG, "%s", tmp);
    }
    if (type == RD_KAFKA_CONSUMER) {
        char tmp[SHIM_ERRSTR_BYTES];
        if (shim_consumer_init(rk, tmp, sizeof tmp))
            FAIL(RD_KAFKA_RESP_ERR__INVALID_ARG, "%s", tmp);
    }
    int rc = ls_store_open(uri, rk->lconf, &rk->st);
    if (rc != LS_OK)
        FAIL(shim_err_from_ls(rc) == RD_KAFKA_RESP_ERR__INVALID_ARG ? RD_KAFKA_RESP_ERR__INVALID_ARG
                                                                    : RD_KAFKA_RESP_ERR__TRANSPORT,
             "bootstrap.servers \"%s\": cannot open the store: %s", uri, ls_errmsg());
    if (shim_queues_init(rk) || !(rk->store_uri = strdup(uri)))
        FAIL(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
#undef FAIL
    const char *cid = shim_conf_lookup(c, "client.id");
    snprintf(rk->name, sizeof rk->name, "%s#%s-%d", cid ? cid : "rdkafka",
             type == RD_KAFKA_CONSUMER ? "consumer" : "producer",
             __atomic_add_fetch(&handle_seq, 1, __ATOMIC_RELAXED));
    shim_seterr(RD_KAFKA_RESP_ERR_NO_ERROR, NULL);
    return rk;
}

/* A delivery report to dr_msg_cb, or to the legacy dr_cb. */
void shim_dr_call(rd_kafka_t *rk, const rd_kafka_message_t *rkm)
{
    const rd_kafka_conf_t *c = rk->conf;
    shim_msg *m = (shim_msg *)(uintptr_t)rkm;  /* rkm is the first member */
    if (m->produced_us > 0 && !m->latency_us)
        m->latency_us = shim_now_us() - m->produced_us;
    if (c->dr_msg_cb)
        c->dr_msg_cb(rk, rkm, c->opaque);
    else if (c->dr_cb)
        c->dr_cb(rk, rkm->payload, rkm->len, rkm->err, c->opaque, rkm->_private);
}

/* Hand delivered messages to their callback, then free them (unless DR
 * events are enabled: then the main queue makes events of them).  Lock
 * not held. */
static int serve_dr(rd_kafka_t *rk)
{
    if (rk->conf->enabled_events & RD_KAFKA_EVENT_DR)
        return 0;
    pthread_mutex_lock(&rk->lock);
    shim_msg *m = rk->dr_head;
    rk->dr_head = rk->dr_tail = NULL;
    pthread_mutex_unlock(&rk->lock);
    int n = 0;
    while (m) {
        shim_msg *next = m->next;
        shim_dr_call(rk, &m->rkm);
        pthread_mutex_lock(&rk->lock);
        rk->outq_msgs--;
        rk->outq_bytes -= (int64_t)m->rkm.len;
        pthread_mutex_unlock(&rk->lock);
        shim_msg_free(m);
        m = next;
        n++;
    }
    return n;
}

/* s with '"', '\\' and control characters replaced by '_', for JSON. */
static void json_safe(char *dst, size_t size, const char *s)
{
    size_t i = 0;
    for (; s && *s && i + 1 < size; s++)
        dst[i++] = (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20) ? '_' : *s;
    dst[i] = '\0';
}

/* Lock not held.  The statistics JSON if due (the caller frees it), else
 * NULL; never a partial JSON. */
char *shim_stats_due(rd_kafka_t *rk, size_t *lenp)
{
    pthread_mutex_lock(&rk->lock);
    char *json = NULL;
    size_t json_len = 0;
    int64_t now = shim_now_ms();
    int wanted = rk->conf->stats_cb || (rk->conf->enabled_events & RD_KAFKA_EVENT_STATS);
    if (rk->stats_interval_ms > 0 && wanted && now >= rk->next_stats_ms) {
        rk->next_stats_ms = now + rk->stats_interval_ms;
        char name[sizeof rk->name], cid[sizeof rk->name];
        json_safe(name, sizeof name, rk->name);
        json_safe(cid, sizeof cid, shim_conf_lookup(rk->conf, "client.id") ?
                                   shim_conf_lookup(rk->conf, "client.id") : "rdkafka");
        json = malloc(SHIM_STATS_BYTES_MAX);
        char topics[SHIM_STATS_BYTES_MAX / 2] = "\"topics\":{}";
        if (rk->type == RD_KAFKA_CONSUMER && shim_consumer_stats(rk, topics, sizeof topics)) {
            free(json);  /* too many partitions for one JSON: none rather than broken */
            json = NULL;
        }
        if (json)
            json_len = (size_t)snprintf(json, SHIM_STATS_BYTES_MAX,
                "{\"name\":\"%s\",\"client_id\":\"%s\",\"type\":\"%s\",\"ts\":%lld,"
                "\"msg_cnt\":%lld,\"msg_size\":%lld,\"msg_max\":%lld,\"msg_size_max\":%lld,"
                "\"txmsgs\":%llu,\"txmsg_bytes\":%llu,\"rxmsgs\":%llu,\"rxmsg_bytes\":%llu,"
                "%s,\"lakestream\":{\"producer_id\":\"%s\",\"group\":\"%s\","
                "\"rank\":%u,\"world_size\":%u,\"dr_errors\":%llu}}",
                name, cid, rk->type == RD_KAFKA_CONSUMER ? "consumer" : "producer",
                (long long)now * 1000, (long long)rk->outq_msgs, (long long)rk->outq_bytes,
                (long long)rk->queue_msgs_max, (long long)rk->queue_bytes_max,
                (unsigned long long)rk->tx_msgs, (unsigned long long)rk->tx_bytes,
                (unsigned long long)rk->rx_msgs, (unsigned long long)rk->rx_bytes, topics,
                rk->producer_id, rk->group, rk->rank, rk->world_size,
                (unsigned long long)rk->dr_errors);
        if (json && json_len >= SHIM_STATS_BYTES_MAX) {  /* truncated: not JSON */
            free(json);
            json = NULL;
        }
    }
    pthread_mutex_unlock(&rk->lock);
    *lenp = json_len;
    return json;
}

/* Callbacks of what is due: deliveries, commit results, the fatal error,
 * statistics (those the events mask does not turn into events). */
int shim_serve_events(rd_kafka_t *rk)
{
    int n = serve_dr(rk);
    if (rk->type == RD_KAFKA_CONSUMER)
        n += shim_consumer_serve(rk);
    int mask = rk->conf->enabled_events;
    char reason[SHIM_ERRSTR_BYTES];
    int report = 0;
    pthread_mutex_lock(&rk->lock);
    if (rk->fatal_err && !rk->fatal_reported && !(mask & RD_KAFKA_EVENT_ERROR)) {
        rk->fatal_reported = 1;
        report = 1;
        snprintf(reason, sizeof reason, "%s", rk->fatal_errstr);
    }
    pthread_mutex_unlock(&rk->lock);
    if (report && rk->conf->error_cb) {
        rk->conf->error_cb(rk, RD_KAFKA_RESP_ERR__FATAL, reason, rk->conf->opaque);
        n++;
    }
    if (!(mask & RD_KAFKA_EVENT_STATS) && rk->conf->stats_cb) {
        size_t len;
        char *json = shim_stats_due(rk, &len);
        if (json) {
            if (rk->conf->stats_cb(rk, json, len, rk->conf->opaque) == 0)
                free(json);
            n++;
        }
    }
    return n;
}

/* Let each core producer commit what is due (and deliver its callbacks). */
void shim_drive(rd_kafka_t *rk, int flush)
{
    pthread_mutex_lock(&rk->lock);
    shim_drive_locked(rk, flush);
    pthread_mutex_unlock(&rk->lock);
}

void shim_drive_locked(rd_kafka_t *rk, int flush)
{
    if (rk->txn_state != SHIM_TXN_OFF && !rk->txn_committing)
        flush = 0;  /* a transaction commits only in rd_kafka_commit_transaction */
    for (size_t i = 0; i < rk->ntopics; i++) {
        ls_producer *lp = rk->topics[i]->lp;
        if (!lp)
            continue;
        int rc = flush ? ls_producer_flush(lp) : ls_producer_poll(lp);
        if (rc == LS_ERR_FENCED && !rk->fatal_err) {
            rk->fatal_err = RD_KAFKA_RESP_ERR__FENCED;
            snprintf(rk->fatal_errstr, sizeof rk->fatal_errstr,
                     "producer id %s was fenced by a newer instance with the same "
                     "transactional.id/producer id: %s", rk->producer_id, ls_errmsg());
        }
    }
}

int rd_kafka_poll(rd_kafka_t *rk, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : shim_now_ms() + timeout_ms;
    for (;;) {
        shim_drive(rk, 0);
        int n = shim_serve_events(rk);
        int64_t now = shim_now_ms();
        if (n > 0 || now >= deadline)
            return n;
        pthread_mutex_lock(&rk->lock);
        pthread_mutex_unlock(&rk->lock);
        int64_t wait = deadline - now;
        sleep_ms(wait < SHIM_POLL_SLEEP_MS_MAX ? wait : SHIM_POLL_SLEEP_MS_MAX);
    }
}

rd_kafka_resp_err_t rd_kafka_flush(rd_kafka_t *rk, int timeout_ms)
{
    pthread_mutex_lock(&rk->lock);
    int in_txn = rk->txn_state == SHIM_TXN_IN && !rk->txn_committing && rk->outq_msgs > 0;
    pthread_mutex_unlock(&rk->lock);
    if (in_txn)
        return shim_seterr(RD_KAFKA_RESP_ERR__STATE,
                           "rd_kafka_flush inside a transaction: its messages are delivered "
                           "when rd_kafka_commit_transaction commits them");
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : shim_now_ms() + timeout_ms;
    for (;;) {
        shim_drive(rk, 1);
        shim_serve_events(rk);
        pthread_mutex_lock(&rk->lock);
        int64_t left = rk->outq_msgs;
        rd_kafka_resp_err_t fatal = rk->fatal_err;
        pthread_mutex_unlock(&rk->lock);
        if (left == 0 && fatal)
            return shim_seterr(fatal, "%s", rk->fatal_errstr);
        if (left == 0)
            return RD_KAFKA_RESP_ERR_NO_ERROR;
        int64_t now = shim_now_ms();
        if (now >= deadline)
            return shim_seterr(fatal ? fatal : RD_KAFKA_RESP_ERR__TIMED_OUT,
                               "%lld message(s) not delivered", (long long)left);
        int64_t wait = deadline - now;
        sleep_ms(wait < SHIM_POLL_SLEEP_MS_MAX ? wait : SHIM_POLL_SLEEP_MS_MAX);
    }
}

int rd_kafka_outq_len(rd_kafka_t *rk)
{
    pthread_mutex_lock(&rk->lock);
    int n = (int)rk->outq_msgs;
    pthread_mutex_unlock(&rk->lock);
    return n;
}

/* Destroy: like librdkafka, messages not yet committed are not waited for
 * (call rd_kafka_flush first); their delivery reports are not served. */
static void destroy(rd_kafka_t *rk)
{
    if (!rk)
        return;
    pthread_mutex_lock(&rk->lock);
    shim_consumer_destroy(rk);  /* parts hold topic references */
    for (size_t i = 0; i < rk->ntopics; i++) {
        rd_kafka_topic_t *rkt = rk->topics[i];
        ls_producer_close(rkt->lp);  /* pending callbacks fire: queued below */
        rkt->lp = NULL;
        rkt->rk = NULL;
        if (--rkt->refcnt == 0) {
            free(rkt->name);
            free(rkt);
        }
    }
    rk->ntopics = 0;
    shim_msg *m = rk->dr_head;
    rk->dr_head = rk->dr_tail = NULL;
    pthread_mutex_unlock(&rk->lock);
    while (m) {
        shim_msg *next = m->next;
        shim_msg_free(m);
        m = next;
    }
    shim_queues_destroy(rk);
    ls_store_close(rk->st);
    free(rk->store_uri);
    ls_conf_destroy(rk->lconf);
    rd_kafka_conf_destroy(rk->conf);
    pthread_mutex_destroy(&rk->lock);
    free(rk);
}

/* A consumer with group.id is closed first (committing with
 * enable.auto.commit), as librdkafka does, unless the flag says not to. */
void rd_kafka_destroy_flags(rd_kafka_t *rk, int flags)
{
    if (rk && rk->type == RD_KAFKA_CONSUMER && rk->group[0] &&
        !(flags & RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE) && !rd_kafka_consumer_closed(rk))
        rd_kafka_consumer_close(rk);
    destroy(rk);
}

void rd_kafka_destroy(rd_kafka_t *rk)
{
    rd_kafka_destroy_flags(rk, 0);
}

const char *rd_kafka_name(const rd_kafka_t *rk) { return rk->name; }
rd_kafka_type_t rd_kafka_type(const rd_kafka_t *rk) { return rk->type; }
void *rd_kafka_opaque(const rd_kafka_t *rk) { return rk->conf->opaque; }
const rd_kafka_conf_t *rd_kafka_conf(rd_kafka_t *rk) { return rk->conf; }

rd_kafka_resp_err_t rd_kafka_fatal_error(rd_kafka_t *rk, char *errstr, size_t errstr_size)
{
    pthread_mutex_lock(&rk->lock);
    rd_kafka_resp_err_t err = rk->fatal_err;
    if (err && errstr && errstr_size)
        snprintf(errstr, errstr_size, "%s", rk->fatal_errstr);
    pthread_mutex_unlock(&rk->lock);
    return err;
}

int rd_kafka_version(void) { return RD_KAFKA_VERSION; }
const char *rd_kafka_version_str(void) { return "2.0.2-lakestream-" LS_VERSION_STR; }
void rd_kafka_mem_free(rd_kafka_t *rk, void *ptr)
{
    (void)rk;
    free(ptr);
}
int rd_kafka_wait_destroyed(int timeout_ms)
{
    (void)timeout_ms;
    return 0;
}
