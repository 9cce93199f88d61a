/*
 * worker_flood.c -- the flood, drain and topic roles of the harness's
 * workers (worker_flood.h), for `lakestream-bench kafka-ingest`.  Only
 * librdkafka's API: built into lakestream-bench-worker-ls (the shim) and
 * lakestream-bench-worker-kafka (librdkafka), so both planes run this code.
 *
 * Layout: options, small helpers (clocks, latencies, JSON text), flood,
 * drain, topic, the entry point.  The workers do not link jansson: the
 * JSON is printed here, every string through json_str().
 */
#include <librdkafka/rdkafka.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "die.h"
#include "worker_flood.h"

#ifdef LS_WORKER_RDKAFKA
#define FLOOD_PLANE "kafka"
#else
#define FLOOD_PLANE "lakestream"
#endif

#define FLOOD_XPROPS_MAX 64
#define FLOOD_CONFIGS_MAX 64
#define FLOOD_SAMPLE_BYTES_MAX (256u << 20)
#define FLOOD_MESSAGES_MAX 1000000000ull
#define FLOOD_DURATION_S_MAX 86400.0
#define FLOOD_TIMEOUT_S_MAX 3600.0
#define FLOOD_PARTITIONS_MAX 100000
#define FLOOD_POOL_SPAN 4096u            /* bytes the body's start moves over, by seq */
#define FLOOD_LAT_MAX (64u << 20)         /* latencies kept; more are counted, not kept */
#define FLOOD_ERRS_MAX 32                 /* distinct error codes counted */
#define FLOOD_ERRSTR_BYTES 512
#define FLOOD_META_TIMEOUT_MS 10000
#define FLOOD_POLL_MS 100

_Static_assert(sizeof(flood_header) == FLOOD_HEADER_BYTES, "flood_header is the wire header");

/* ---- options ----------------------------------------------------------- */

static struct {
    const char *role, *bootstrap, *topic, *latency_out;
    long index, partition, partitions, replication;
    uint64_t sample_bytes, messages, seed;
    double duration_s, flush_timeout_s, timeout_s;
    int sync, have_messages, have_duration;
    const char *xname[FLOOD_XPROPS_MAX], *xvalue[FLOOD_XPROPS_MAX];
    int nx;
    const char *cname[FLOOD_CONFIGS_MAX], *cvalue[FLOOD_CONFIGS_MAX];
    int nc;
} opt = {.index = -1, .partition = RD_KAFKA_PARTITION_UA, .seed = 1,
         .flush_timeout_s = 60, .timeout_s = 60, .replication = 1};

/* ---- helpers ------------------------------------------------------------ */

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* {"name": "value", ...} of n pairs. */
static void json_pairs(FILE *f, const char *const *name, const char *const *value, int n)
{
    fputc('{', f);
    for (int i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        json_str(f, name[i]);
        fputs(": ", f);
        json_str(f, value[i]);
    }
    fputc('}', f);
}

/* Latencies in microseconds, kept up to FLOOD_LAT_MAX (the rest counted). */
typedef struct lat_set {
    uint32_t *us;
    size_t    n, cap;
    uint64_t  dropped;
} lat_set;

static void lat_add(lat_set *l, int64_t ns)
{
    if (l->n == l->cap) {
        if (l->cap >= FLOOD_LAT_MAX) {
            l->dropped++;
            return;
        }
        size_t cap = l->cap ? l->cap * 2 : 65536;
        uint32_t *p = realloc(l->us, cap * sizeof *p);
        if (!p)
            die(NULL, "out of memory (%zu latencies)", cap);
        l->us = p;
        l->cap = cap;
    }
    int64_t us = ns < 0 ? 0 : ns / 1000;   /* CLOCK_REALTIME may step back */
    l->us[l->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Nearest rank, as bench_common.c's pct_sorted: sorted v[0..n), q in 0..1. */
static double lat_pct_ms(const uint32_t *v, size_t n, double q)
{
    if (!n)
        return 0;
    double x = q * (double)n;
    size_t k = (size_t)x;
    if ((double)k < x)
        k++;
    k = k < 1 ? 1 : k > n ? n : k;
    return v[k - 1] / 1000.0;
}

/* {"n":, "p50":, "p99":, "max":, "mean":} in ms (null when n is 0); sorts. */
static void lat_json(FILE *f, lat_set *l)
{
    if (l->n)   /* qsort wants a non-NULL array even for 0 */
        qsort(l->us, l->n, sizeof *l->us, cmp_u32);
    fprintf(f, "{\"n\": %zu, \"not_kept\": %" PRIu64, l->n, l->dropped);
    if (!l->n) {
        fputs(", \"p50\": null, \"p99\": null, \"max\": null, \"mean\": null}", f);
        return;
    }
    double sum = 0;
    for (size_t i = 0; i < l->n; i++)
        sum += l->us[i];
    fprintf(f, ", \"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f, \"mean\": %.3f}",
            lat_pct_ms(l->us, l->n, 0.5), lat_pct_ms(l->us, l->n, 0.99),
            l->us[l->n - 1] / 1000.0, sum / (double)l->n / 1000.0);
}

/* Counts per error code, printed {"NAME": count} (rd_kafka_err2name). */
typedef struct err_counts {
    rd_kafka_resp_err_t code[FLOOD_ERRS_MAX];
    uint64_t            count[FLOOD_ERRS_MAX];
    int                 n;
    uint64_t            total;
} err_counts;

static void err_add(err_counts *e, rd_kafka_resp_err_t err)
{
    e->total++;
    for (int i = 0; i < e->n; i++)
        if (e->code[i] == err) {
            e->count[i]++;
            return;
        }
    if (e->n < FLOOD_ERRS_MAX) {
        e->code[e->n] = err;
        e->count[e->n++] = 1;
    } else {
        e->count[FLOOD_ERRS_MAX - 1]++;   /* the last slot absorbs the rest */
    }
}

static void err_json(FILE *f, const err_counts *e)
{
    fputc('{', f);
    for (int i = 0; i < e->n; i++) {
        fputs(i ? ", " : "", f);
        json_str(f, rd_kafka_err2name(e->code[i]));
        fprintf(f, ": %" PRIu64, e->count[i]);
    }
    fputc('}', f);
}

static void conf_set_or_die(rd_kafka_conf_t *c, const char *name, const char *value)
{
    char errstr[FLOOD_ERRSTR_BYTES];
    if (rd_kafka_conf_set(c, name, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        die(NULL, "%s=%s: %s", name, value, errstr);
}

static int have_x(const char *name)
{
    for (int i = 0; i < opt.nx; i++)
        if (!strcmp(opt.xname[i], name))
            return 1;
    return 0;
}

/* bootstrap.servers, then the role's defaults d (name, value; NULL ends)
 * unless -X names them, then every -X in order. */
static rd_kafka_conf_t *flood_conf(const char *const *d)
{
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    conf_set_or_die(c, "bootstrap.servers", opt.bootstrap);
    for (; d && d[0]; d += 2)
        if (!have_x(d[0]))
            conf_set_or_die(c, d[0], d[1]);
    for (int i = 0; i < opt.nx; i++)
        conf_set_or_die(c, opt.xname[i], opt.xvalue[i]);
    return c;
}

/* The properties that decide what a producer does, as the library reports
 * them (defaults included), for the result. */
static const char *const recorded_props[] = {
    "acks", "linger.ms", "batch.size", "batch.num.messages", "message.max.bytes",
    "queue.buffering.max.messages", "queue.buffering.max.kbytes", "compression.codec",
    "enable.idempotence", "max.in.flight.requests.per.connection", NULL
};

static void conf_json(FILE *f, rd_kafka_conf_t *c)
{
    /* acks is a topic property: the default topic conf's, if -X set one */
    rd_kafka_topic_conf_t *tc = rd_kafka_conf_get_default_topic_conf(c), *fresh = NULL;
    if (!tc)
        tc = fresh = rd_kafka_topic_conf_new();
    fputc('{', f);
    for (int i = 0; recorded_props[i]; i++) {
        char v[FLOOD_ERRSTR_BYTES];
        size_t size = sizeof v;
        fputs(i ? ", " : "", f);
        json_str(f, recorded_props[i]);
        fputs(": ", f);
        if (rd_kafka_conf_get(c, recorded_props[i], v, &size) == RD_KAFKA_CONF_OK ||
            (size = sizeof v,
             rd_kafka_topic_conf_get(tc, recorded_props[i], v, &size) == RD_KAFKA_CONF_OK))
            json_str(f, v);
        else
            fputs("null", f);
    }
    fputc('}', f);
    if (fresh)
        rd_kafka_topic_conf_destroy(fresh);
}

/* The broker count in metadata of topic (-1 if metadata failed), and its
 * partition count in *partitions (-1 if the topic is not there). */
static int metadata_counts(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int *partitions,
                           rd_kafka_resp_err_t *terr)
{
    const struct rd_kafka_metadata *md;
    *partitions = -1;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, FLOOD_META_TIMEOUT_MS);
    if (terr)
        *terr = err;
    if (err)
        return -1;
    int brokers = md->broker_cnt;
    for (int i = 0; i < md->topic_cnt; i++)
        if (!strcmp(md->topics[i].topic, rd_kafka_topic_name(rkt))) {
            if (terr)
                *terr = md->topics[i].err;
            if (!md->topics[i].err)
                *partitions = md->topics[i].partition_cnt;
        }
    rd_kafka_metadata_destroy(md);
    return brokers;
}

/* ---- flood: one producer, as fast as the library takes messages --------- */

static struct {
    err_counts dr_errs;
    lat_set    lat;
    uint64_t   delivered, t_last_dr_ns;
} F;

/* The produce time (CLOCK_MONOTONIC) travels as the message's opaque: the
 * shim need not keep the payload for the report. */
static void flood_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    uint64_t now = mono_ns();
    F.t_last_dr_ns = now;
    if (m->err) {
        err_add(&F.dr_errs, m->err);
        return;
    }
    F.delivered++;
    lat_add(&F.lat, (int64_t)(now - (uint64_t)(uintptr_t)m->_private));
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void wait_start(void)
{
    char line[64];
    printf("ready\n");
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        die(NULL, "--sync: no start time on stdin");
    uint64_t t = strtoull(line, NULL, 10);
    struct timespec ts = {.tv_sec = (time_t)(t / 1000000000ull),
                          .tv_nsec = (long)(t % 1000000000ull)};
    while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static int run_flood(void)
{
    if (opt.index < 0 || !opt.bootstrap || !opt.topic || !opt.sample_bytes ||
        opt.have_messages == opt.have_duration)
        die(NULL, "needs --bootstrap, --topic, --index, --sample-bytes and one of "
            "--duration-s, --messages");
    size_t size = (size_t)opt.sample_bytes, body = size - FLOOD_HEADER_BYTES;
    uint8_t *pool = malloc(body + FLOOD_POOL_SPAN), *buf = malloc(size);
    if (!pool || !buf)
        die(NULL, "out of memory (%zu-byte messages)", size);
    uint64_t st = opt.seed ^ ((uint64_t)opt.index << 32);
    for (size_t i = 0; i < body + FLOOD_POOL_SPAN; i += 8) {
        uint64_t r = splitmix64(&st);
        memcpy(pool + i, &r, body + FLOOD_POOL_SPAN - i < 8 ? body + FLOOD_POOL_SPAN - i : 8);
    }

    char errstr[FLOOD_ERRSTR_BYTES];
    rd_kafka_conf_t *c = flood_conf(NULL);
    rd_kafka_conf_set_dr_msg_cb(c, flood_dr);
    rd_kafka_conf_t *shown = rd_kafka_conf_dup(c);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr);
    if (!rk)
        die(NULL, "rd_kafka_new: %s", errstr);
    /* The topic handle (on the shim: the table, created if absent), and one
     * metadata round trip, so connections are up before the start. */
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, opt.topic, NULL);
    if (!rkt)
        die(NULL, "topic %s: %s", opt.topic, rd_kafka_err2str(rd_kafka_last_error()));
    int partitions;
    int brokers = metadata_counts(rk, rkt, &partitions, NULL);
    if (opt.sync)
        wait_start();

    err_counts prod_errs = {0};
    rd_kafka_resp_err_t stopped_by = RD_KAFKA_RESP_ERR_NO_ERROR;
    uint64_t seq = 0, queue_full = 0, t_first = mono_ns(), t_last_produce = t_first;
    uint64_t deadline = t_first + (uint64_t)(opt.duration_s * 1e9);
    flood_header h = {.magic = FLOOD_MAGIC, .index = (uint32_t)opt.index,
                      .size = (uint32_t)size};
    for (;;) {
        uint64_t now = mono_ns();
        if (opt.have_messages ? seq >= opt.messages : now >= deadline)
            break;
        memcpy(buf + FLOOD_HEADER_BYTES, pool + (seq * 8) % FLOOD_POOL_SPAN, body);
        h.seq = seq;
        int rc;
        for (;;) {   /* stamp at each try: the latency starts where the library took it */
            h.produce_ns = real_ns();
            memcpy(buf, &h, sizeof h);
            now = mono_ns();
            rc = rd_kafka_produce(rkt, (int32_t)opt.partition, RD_KAFKA_MSG_F_COPY, buf, size,
                                  NULL, 0, (void *)(uintptr_t)now);
            if (!rc || rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                break;
            queue_full++;
            rd_kafka_poll(rk, 1);
        }
        if (rc) {
            /* Every message is alike (size, topic): the next one would be
             * refused the same way, so the flood ends here, recorded. */
            stopped_by = rd_kafka_last_error();
            err_add(&prod_errs, stopped_by);
            fprintf(stderr, "worker flood %ld: produce of message %" PRIu64 ": %s; stopping\n",
                    opt.index, seq, rd_kafka_err2str(stopped_by));
            break;
        }
        t_last_produce = now;
        seq++;
        rd_kafka_poll(rk, 0);
    }
    uint64_t t_flush = mono_ns();
    rd_kafka_resp_err_t ferr = rd_kafka_flush(rk, (int)(opt.flush_timeout_s * 1000));
    uint64_t t_end = mono_ns();
    int left = rd_kafka_outq_len(rk);

    if (opt.latency_out) {
        FILE *lf = fopen(opt.latency_out, "wb");
        if (!lf || (F.lat.n && fwrite(F.lat.us, sizeof *F.lat.us, F.lat.n, lf) != F.lat.n) ||
            fclose(lf))   /* none delivered: an empty file (and no NULL to fwrite) */
            die(NULL, "%s: %s", opt.latency_out, strerror(errno));
    }
    uint64_t t_stop = F.t_last_dr_ns ? F.t_last_dr_ns : t_end;
    double wall_s = (double)(t_stop - t_first) / 1e9;
    FILE *f = stdout;
    fprintf(f, "{\"role\": \"flood\", \"plane\": \"%s\", \"library\": ", FLOOD_PLANE);
    json_str(f, rd_kafka_version_str());
    fprintf(f, ", \"index\": %ld, \"topic\": ", opt.index);
    json_str(f, opt.topic);
    fprintf(f, ", \"partition\": %ld, \"sample_bytes\": %zu, \"seed\": %" PRIu64
            ", \"mode\": \"%s\", ", opt.partition, size, opt.seed,
            opt.have_messages ? "messages" : "duration");
    if (opt.have_messages)
        fprintf(f, "\"messages_requested\": %" PRIu64 ", \"duration_s\": null, ", opt.messages);
    else
        fprintf(f, "\"messages_requested\": null, \"duration_s\": %.3f, ", opt.duration_s);
    fprintf(f, "\"brokers\": %d, \"produced\": %" PRIu64 ", \"queue_full_retries\": %" PRIu64
            ", \"produce_errors\": ", brokers, seq, queue_full);
    err_json(f, &prod_errs);
    fputs(", \"stopped_by\": ", f);
    if (stopped_by)
        json_str(f, rd_kafka_err2name(stopped_by));
    else
        fputs("null", f);
    fprintf(f, ", \"delivered\": %" PRIu64 ", \"delivery_failed\": %" PRIu64
            ", \"delivery_errors\": ", F.delivered, F.dr_errs.total);
    err_json(f, &F.dr_errs);
    fprintf(f, ", \"undelivered_after_flush\": %d, \"flush_result\": ", left);
    json_str(f, rd_kafka_err2name(ferr));
    fprintf(f, ", \"t_first_produce_ns\": %" PRIu64 ", \"t_last_produce_ns\": %" PRIu64
            ", \"t_last_delivery_ns\": %" PRIu64 ", \"produce_s\": %.6f, \"flush_s\": %.6f"
            ", \"wall_s\": %.6f, \"messages_per_s\": %.3f, \"mb_per_s\": %.6f"
            ", \"delivery_latency_ms\": ", t_first, t_last_produce, F.t_last_dr_ns,
            (double)(t_flush - t_first) / 1e9, (double)(t_end - t_flush) / 1e9, wall_s,
            wall_s > 0 ? (double)F.delivered / wall_s : 0,
            wall_s > 0 ? (double)F.delivered * (double)size / 1e6 / wall_s : 0);
    lat_json(f, &F.lat);
    fputs(", \"conf\": ", f);
    conf_json(f, shown);
    fputs(", \"properties\": ", f);
    json_pairs(f, opt.xname, opt.xvalue, opt.nx);
    fputs("}\n", f);
    fflush(f);
    rd_kafka_conf_destroy(shown);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    free(F.lat.us);
    free(pool);
    free(buf);
    return 0;
}

/* ---- drain: one consumer of every partition, from the beginning --------- */

/* The target from stdin (one decimal line) once it is there: 1 and *target,
 * 0 if not yet; EOF without one: 1 and *target = 0 (stop). */
static int read_target(uint64_t *target)
{
    struct pollfd p = {.fd = 0, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0)
        return 0;
    char line[64];
    *target = fgets(line, sizeof line, stdin) ? strtoull(line, NULL, 10) : 0;
    return 1;
}

static int run_drain(void)
{
    if (!opt.bootstrap || !opt.topic)
        die(NULL, "needs --bootstrap and --topic");
    /* The shim reads the table as one rank of a world of one: every sample,
     * in the global order (docs/kafka-shim.md). */
    static const char *const defaults[] = {
        "group.id", "lakestream-bench-drain", "enable.auto.commit", "false",
        "enable.auto.offset.store", "false",
#ifndef LS_WORKER_RDKAFKA
        "lakestream.rank", "0", "lakestream.world.size", "1",
#endif
        NULL
    };
    char errstr[FLOOD_ERRSTR_BYTES];
    rd_kafka_conf_t *c = flood_conf(defaults);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, errstr, sizeof errstr);
    if (!rk)
        die(NULL, "rd_kafka_new: %s", errstr);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, opt.topic, NULL);
    if (!rkt)
        die(NULL, "topic %s: %s", opt.topic, rd_kafka_err2str(rd_kafka_last_error()));
    int partitions = -1;
    rd_kafka_resp_err_t terr = RD_KAFKA_RESP_ERR_NO_ERROR;
    uint64_t t_meta = mono_ns() + (uint64_t)(opt.timeout_s * 1e9);
    while (metadata_counts(rk, rkt, &partitions, &terr), partitions <= 0) {
        if (mono_ns() > t_meta)
            die(NULL, "topic %s: no partitions in metadata (%s)", opt.topic,
                rd_kafka_err2str(terr));
        usleep(100000);
    }
    rd_kafka_topic_destroy(rkt);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; p++)
        rd_kafka_topic_partition_list_add(l, opt.topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t err = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (err)
        die(NULL, "assign %d partitions of %s: %s", partitions, opt.topic, rd_kafka_err2str(err));
    if (opt.sync) {
        printf("ready\n");
        fflush(stdout);
    }

    lat_set lat = {0};
    err_counts errs = {0};
    uint64_t target = opt.messages, received = 0, bad = 0, bytes = 0, t_first = 0, t_last = 0;
    int known = opt.have_messages;
    uint64_t deadline = known ? mono_ns() + (uint64_t)(opt.timeout_s * 1e9) : UINT64_MAX;
    while (!(known && received >= target) && mono_ns() < deadline) {
        if (!known && read_target(&target)) {
            known = 1;
            deadline = mono_ns() + (uint64_t)(opt.timeout_s * 1e9);
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, FLOOD_POLL_MS);
        if (!m)
            continue;
        uint64_t now = real_ns();
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                if (!errs.total)
                    fprintf(stderr, "worker drain: %s\n", rd_kafka_message_errstr(m));
                err_add(&errs, m->err);
            }
        } else {
            flood_header h;
            if (m->len < sizeof h || (memcpy(&h, m->payload, sizeof h), h.magic != FLOOD_MAGIC) ||
                h.size != m->len) {
                bad++;
            } else {
                lat_add(&lat, (int64_t)(now - h.produce_ns));
                received++;
                bytes += m->len;
                t_last = mono_ns();
                if (!t_first)
                    t_first = t_last;
            }
        }
        rd_kafka_message_destroy(m);
    }
    double wall_s = t_last > t_first ? (double)(t_last - t_first) / 1e9 : 0;
    FILE *f = stdout;
    fprintf(f, "{\"role\": \"drain\", \"plane\": \"%s\", \"library\": ", FLOOD_PLANE);
    json_str(f, rd_kafka_version_str());
    fputs(", \"topic\": ", f);
    json_str(f, opt.topic);
    fprintf(f, ", \"partitions\": %d, \"target\": ", partitions);
    if (known)
        fprintf(f, "%" PRIu64, target);
    else
        fputs("null", f);
    fprintf(f, ", \"received\": %" PRIu64 ", \"complete\": %s, \"bad\": %" PRIu64
            ", \"bytes\": %" PRIu64 ", \"consume_errors\": ", received,
            known && received >= target ? "true" : "false", bad, bytes);
    err_json(f, &errs);
    fprintf(f, ", \"first_to_last_s\": %.6f, \"messages_per_s\": %.3f, \"read_latency_ms\": ",
            wall_s, wall_s > 0 ? (double)received / wall_s : 0);
    lat_json(f, &lat);
    fputs(", \"properties\": ", f);
    json_pairs(f, opt.xname, opt.xvalue, opt.nx);
    fputs("}\n", f);
    fflush(f);
    free(lat.us);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}

/* ---- topic: CreateTopics, then wait for every partition's leader -------- */

static int run_topic(void)
{
    if (!opt.bootstrap || !opt.topic || opt.partitions <= 0)
        die(NULL, "needs --bootstrap, --topic and --partitions");
    char errstr[FLOOD_ERRSTR_BYTES];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, flood_conf(NULL), errstr, sizeof errstr);
    if (!rk)
        die(NULL, "rd_kafka_new: %s", errstr);
    int timeout_ms = (int)(opt.timeout_s * 1000);
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(opt.topic, (int)opt.partitions,
                                                    (int)opt.replication, errstr, sizeof errstr);
    if (!nt)
        die(NULL, "topic %s: %s", opt.topic, errstr);
    for (int i = 0; i < opt.nc; i++)
        if (rd_kafka_NewTopic_set_config(nt, opt.cname[i], opt.cvalue[i]))
            die(NULL, "--config %s=%s: refused", opt.cname[i], opt.cvalue[i]);
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    if (rd_kafka_AdminOptions_set_operation_timeout(ao, timeout_ms, errstr, sizeof errstr) ||
        rd_kafka_AdminOptions_set_request_timeout(ao, timeout_ms, errstr, sizeof errstr))
        die(NULL, "admin options: %s", errstr);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    uint64_t t0 = mono_ns();
    rd_kafka_CreateTopics(rk, &nt, 1, ao, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 5000);
    if (!ev)
        die(NULL, "CreateTopics %s: no result in %d ms", opt.topic, timeout_ms + 5000);
    if (rd_kafka_event_error(ev))
        die(NULL, "CreateTopics %s: %s", opt.topic, rd_kafka_event_error_string(ev));
    size_t n;
    const rd_kafka_topic_result_t **tr =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    if (n != 1)
        die(NULL, "CreateTopics %s: %zu results", opt.topic, n);
    if (rd_kafka_topic_result_error(tr[0]))
        die(NULL, "CreateTopics %s: %s: %s", opt.topic,
            rd_kafka_err2name(rd_kafka_topic_result_error(tr[0])),
            rd_kafka_topic_result_error_string(tr[0]));
    rd_kafka_event_destroy(ev);
    uint64_t t_created = mono_ns();

    /* Metadata until the topic has every partition, each with a leader
     * and its full replica set in sync. */
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, opt.topic, NULL);
    int brokers = -1, isr_min = 0;
    for (;;) {
        const struct rd_kafka_metadata *md;
        int ready = 0;
        if (!rd_kafka_metadata(rk, 0, rkt, &md, FLOOD_META_TIMEOUT_MS)) {
            brokers = md->broker_cnt;
            const rd_kafka_metadata_topic_t *t = md->topic_cnt == 1 ? &md->topics[0] : NULL;
            if (t && !t->err && t->partition_cnt == opt.partitions) {
                ready = 1;
                isr_min = INT32_MAX;
                for (int p = 0; p < t->partition_cnt; p++) {
                    const rd_kafka_metadata_partition_t *mp = &t->partitions[p];
                    if (mp->err || mp->leader < 0 || mp->isr_cnt < opt.replication)
                        ready = 0;
                    if (mp->isr_cnt < isr_min)
                        isr_min = mp->isr_cnt;
                }
            }
            rd_kafka_metadata_destroy(md);
        }
        if (ready)
            break;
        if (mono_ns() - t0 > (uint64_t)timeout_ms * 1000000ull)
            die(NULL, "topic %s: partitions without a leader after %d ms", opt.topic, timeout_ms);
        usleep(100000);
    }
    uint64_t t_ready = mono_ns();
    FILE *f = stdout;
    fprintf(f, "{\"role\": \"topic\", \"plane\": \"%s\", \"topic\": ", FLOOD_PLANE);
    json_str(f, opt.topic);
    fprintf(f, ", \"partitions\": %ld, \"replication_factor\": %ld, \"configs\": ",
            opt.partitions, opt.replication);
    json_pairs(f, opt.cname, opt.cvalue, opt.nc);
    fprintf(f, ", \"brokers\": %d, \"isr_min\": %d, \"create_ms\": %.3f, \"ready_ms\": %.3f}\n",
            brokers, isr_min, (double)(t_created - t0) / 1e6, (double)(t_ready - t0) / 1e6);
    fflush(f);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
    return 0;
}

/* ---- the entry point ------------------------------------------------------ */

enum { O_BOOTSTRAP = 256, O_TOPIC, O_INDEX, O_SBYTES, O_DURATION, O_MESSAGES, O_PARTITION,
       O_PARTITIONS, O_RF, O_CONFIG, O_SEED, O_SYNC, O_LAT_OUT, O_FLUSH_TIMEOUT, O_TIMEOUT };

static const struct option options[] = {
    { "bootstrap", required_argument, NULL, O_BOOTSTRAP },
    { "topic", required_argument, NULL, O_TOPIC },
    { "index", required_argument, NULL, O_INDEX },
    { "sample-bytes", required_argument, NULL, O_SBYTES },
    { "duration-s", required_argument, NULL, O_DURATION },
    { "messages", required_argument, NULL, O_MESSAGES },
    { "partition", required_argument, NULL, O_PARTITION },
    { "partitions", required_argument, NULL, O_PARTITIONS },
    { "replication-factor", required_argument, NULL, O_RF },
    { "config", required_argument, NULL, O_CONFIG },
    { "seed", required_argument, NULL, O_SEED },
    { "sync", no_argument, NULL, O_SYNC },
    { "latency-out", required_argument, NULL, O_LAT_OUT },
    { "flush-timeout-s", required_argument, NULL, O_FLUSH_TIMEOUT },
    { "timeout-s", required_argument, NULL, O_TIMEOUT },
    { "property", required_argument, NULL, 'X' },   /* -X name=value */
    { 0 }
};

/* name=value into name[*n], value[*n] (arg is split in place). */
static void pair_arg(const args *a, char *arg, const char **name, const char **value, int *n,
                     int max)
{
    char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        args_bad(a, arg, "expected name=value");
    if (*n == max)
        args_bad(a, arg, "more than %d", max);
    *eq = '\0';
    name[*n] = arg;
    value[(*n)++] = eq + 1;
}

int worker_flood_role(const char *role)
{
    return role && (!strcmp(role, "flood") || !strcmp(role, "drain") || !strcmp(role, "topic"));
}

int worker_flood_main(int argc, char **argv)
{
    static char prog[64];
    if (argc < 2 || !worker_flood_role(argv[1]))
        die_status(DIE_USAGE_STATUS, "worker", "usage: worker flood|drain|topic OPTIONS "
                   "(harness/worker_flood.h)");
    opt.role = argv[1];
    snprintf(prog, sizeof prog, "worker %s", opt.role);
    die_prog(prog);
    args a = { .argc = argc - 1, .argv = argv + 1, .opts = options,
               .usage_status = DIE_USAGE_STATUS };
    for (int c; (c = args_next(&a)) != -1;)
        switch (c) {
        case O_BOOTSTRAP: opt.bootstrap = optarg; break;
        case O_TOPIC: opt.topic = optarg; break;
        case O_INDEX: opt.index = (long)args_uint(&a, optarg, 0, UINT32_MAX); break;
        case O_SBYTES:
            opt.sample_bytes = args_uint(&a, optarg, FLOOD_HEADER_BYTES, FLOOD_SAMPLE_BYTES_MAX);
            break;
        case O_DURATION:
            opt.duration_s = args_real(&a, optarg, 0, 1, FLOOD_DURATION_S_MAX);
            opt.have_duration = 1;
            break;
        case O_MESSAGES:
            opt.messages = args_uint(&a, optarg, 1, FLOOD_MESSAGES_MAX);
            opt.have_messages = 1;
            break;
        case O_PARTITION:
            opt.partition = !strcmp(optarg, "-1") ? RD_KAFKA_PARTITION_UA
                            : (long)args_uint(&a, optarg, 0, FLOOD_PARTITIONS_MAX - 1);
            break;
        case O_PARTITIONS:
            opt.partitions = (long)args_uint(&a, optarg, 1, FLOOD_PARTITIONS_MAX);
            break;
        case O_RF: opt.replication = (long)args_uint(&a, optarg, 1, 1000); break;
        case O_CONFIG:
            pair_arg(&a, optarg, opt.cname, opt.cvalue, &opt.nc, FLOOD_CONFIGS_MAX);
            break;
        case O_SEED: opt.seed = args_uint(&a, optarg, 0, UINT64_MAX); break;
        case O_SYNC: opt.sync = 1; break;
        case O_LAT_OUT: opt.latency_out = optarg; break;
        case O_FLUSH_TIMEOUT:
            opt.flush_timeout_s = args_real(&a, optarg, 0, 1, FLOOD_TIMEOUT_S_MAX);
            break;
        case O_TIMEOUT: opt.timeout_s = args_real(&a, optarg, 0, 1, FLOOD_TIMEOUT_S_MAX); break;
        case 'X':
            pair_arg(&a, optarg, opt.xname, opt.xvalue, &opt.nx, FLOOD_XPROPS_MAX);
            break;
        default:   /* ARGS_WORD */
            args_bad(&a, optarg, "unexpected word");
        }
    if (!strcmp(opt.role, "flood"))
        return run_flood();
    if (!strcmp(opt.role, "drain"))
        return run_drain();
    return run_topic();
}
