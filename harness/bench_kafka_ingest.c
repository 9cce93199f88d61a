/*
 * bench_kafka_ingest.c -- lakestream-bench kafka-ingest (docs/benchmarks.md,
 * "kafka-ingest"): P producer processes flooding one topic through
 * librdkafka's API, on Lakestream (lakestream-bench-worker-ls, the shim) or
 * on a real Kafka broker (lakestream-bench-worker-kafka, librdkafka), with
 * the same producer code (harness/worker_flood.c) on both sides.  For kafka
 * a fresh topic is created first (the worker's `topic` role, Admin API);
 * on lakestream the shim creates the table on first use.  The floods start
 * together; one optional drain consumer measures produce-to-readable time.
 *
 * Layout: options, the child processes (spawn, pipes, reading), the run,
 * its JSON, the command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bench.h"
#include "args.h"
#include "bench_common.h"
#include "result.h"
#include "worker_flood.h"

#define KI_PRODUCERS_MAX 256
#define KI_PAIRS_MAX 64                 /* --topic-config, -X, --drain-property each */
#define KI_SAMPLE_BYTES_MIN FLOOD_HEADER_BYTES   /* a message holds its header */
#define KI_SAMPLE_BYTES_MAX (256u << 20)
#define KI_GLOBAL_BATCH_DEFAULT "1"     /* lakestream: a sample is readable once committed */
#define KI_START_DELAY_MS 200           /* from the last worker ready to the common start */
#define KI_READY_TIMEOUT_S 60.0         /* a worker's setup: handle, metadata, assignment */
#define KI_EXIT_SLACK_S 60.0            /* past D + flush timeout before a flood is killed */
#define KI_MESSAGES_TIMEOUT_S 600.0     /* --messages: the produce phase at most */
#define KI_OUT_BYTES_MAX (1u << 20)     /* a worker's stdout */
#define KI_LAT_BYTES_MAX (256u << 20)   /* a flood's latency file */

typedef struct kopts {
    const char *bootstrap, *topic, *label, *out;
    int         kafka, drain, json, keep, partitioner_default;
    unsigned    producers;
    uint64_t    sample_bytes, messages, seed;
    double      duration_s, flush_timeout_s, drain_timeout_s;
    int         have_duration, have_messages;
    long        partitions, replication;    /* kafka; partitions 0: P */
    const char *global_batch;              /* lakestream.global.batch.size */
    char       *tc[KI_PAIRS_MAX], *xp[KI_PAIRS_MAX], *dp[KI_PAIRS_MAX];
    int         ntc, nxp, ndp;
} kopts;

/* ---- child processes ------------------------------------------------------- */

typedef struct child {
    const char *name;
    pid_t       pid;
    int         in_fd, out_fd;     /* its stdin (ours to write), its stdout (ours to read) */
    char       *buf;               /* what it printed, NUL-terminated */
    size_t      len;
    int         eof;
} child;

/* A growing argv. */
typedef struct argvec {
    char *v[64 + 3 * 2 * KI_PAIRS_MAX];
    int   n;
} argvec;

static void av_add(argvec *a, const char *s)
{
    if (a->n + 2 > (int)(sizeof a->v / sizeof a->v[0]))
        die(NULL, "too many worker arguments");
    if (!(a->v[a->n++] = strdup(s)))
        die(NULL, "out of memory");
    a->v[a->n] = NULL;
}

static void av_free(argvec *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->v[i]);
    a->n = 0;
}

/* Start bin with argv; its stdin and stdout are pipes (close-on-exec on
 * our side, so no child holds another's), stderr is ours.  Registered in
 * g_children, so die() kills it. */
static void spawn(child *c, const char *bin, argvec *av)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
        die(c->name, "pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        die(c->name, "fork: %s", strerror(errno));
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        dup2(in[0], 0);
        dup2(out[1], 1);
        execv(bin, av->v);
        fprintf(stderr, "%s: exec %s: %s\n", c->name, bin, strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    c->pid = pid;
    c->in_fd = in[1];
    c->out_fd = out[0];
    g_children[g_nchildren++] = pid;
}

static int has_ready(const child *c)
{
    return c->buf && (!strncmp(c->buf, "ready\n", 6) || strstr(c->buf, "\nready\n"));
}

/* Read the children's stdout until each is ready (want_ready) or at EOF,
 * for at most timeout_s; die() on a child that ends before it is ready or
 * on the timeout. */
static void pump(child *cs, int n, int want_ready, double timeout_s, const char *waiting_for)
{
    struct pollfd pf[KI_PRODUCERS_MAX + 1];
    uint64_t deadline = now_ns() + (uint64_t)(timeout_s * 1e9);
    for (;;) {
        int np = 0, idx[KI_PRODUCERS_MAX + 1];
        for (int i = 0; i < n; i++)
            if (!cs[i].eof && !(want_ready && has_ready(&cs[i]))) {
                pf[np] = (struct pollfd){.fd = cs[i].out_fd, .events = POLLIN};
                idx[np++] = i;
            }
        if (!np)
            return;
        check_stop();
        uint64_t now = now_ns();
        if (now >= deadline)
            die(cs[idx[0]].name, "no %s after %.0f s", waiting_for, timeout_s);
        int r = poll(pf, (nfds_t)np, 200);
        if (r < 0 && errno != EINTR)
            die(NULL, "poll: %s", strerror(errno));
        for (int k = 0; r > 0 && k < np; k++) {
            if (!pf[k].revents)
                continue;
            child *c = &cs[idx[k]];
            char tmp[65536];
            ssize_t got = read(c->out_fd, tmp, sizeof tmp);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0) {
                c->eof = 1;
                if (want_ready && !has_ready(c))
                    die(c->name, "ended before it was ready (its messages are above)");
                continue;
            }
            if (c->len + (size_t)got > KI_OUT_BYTES_MAX)
                die(c->name, "more than %u bytes on stdout", KI_OUT_BYTES_MAX);
            char *nb = realloc(c->buf, c->len + (size_t)got + 1);
            if (!nb)
                die(NULL, "out of memory");
            memcpy(nb + c->len, tmp, (size_t)got);
            c->buf = nb;
            c->len += (size_t)got;
            c->buf[c->len] = '\0';
        }
    }
}

/* Wait for a child that reached EOF; die() unless it exited 0. */
static void reap(child *c)
{
    int status;
    while (waitpid(c->pid, &status, 0) < 0)
        if (errno != EINTR)
            die(c->name, "waitpid: %s", strerror(errno));
    for (size_t i = 0; i < g_nchildren; i++)
        if (g_children[i] == c->pid)
            g_children[i] = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die(c->name, "failed: %s %d (its messages are above)",
            WIFSIGNALED(status) ? "signal" : "exit status",
            WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    close(c->out_fd);
    if (c->in_fd >= 0)
        close(c->in_fd);
    c->in_fd = -1;
}

/* The child's JSON: its last line that starts with '{'. */
static json_t *child_json(const child *c)
{
    const char *s = c->buf ? c->buf : "", *last = NULL;
    for (const char *p = s; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
        if (*p == '{')
            last = p;
    if (!last)
        die(c->name, "printed no JSON object");
    json_error_t je;
    json_t *j = json_loadb(last, strcspn(last, "\n"), JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(j))
        die(c->name, "its JSON: %s", j ? "not an object" : je.text);
    return j;
}

static void write_line(child *c, const char *fmt, uint64_t v)
{
    char line[64];
    int n = snprintf(line, sizeof line, fmt, v);
    if (write_all(c->in_fd, (const uint8_t *)line, (size_t)n))
        die(c->name, "cannot write to its stdin: %s", strerror(errno));
}

/* ---- the run ---------------------------------------------------------------- */

static json_t *pairs_json(char *const *v, int n)
{
    json_t *o = json_object();
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(v[i], '=');
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(eq - v[i]), v[i]);
        jset(o, name, json_string(eq + 1));
    }
    return o;
}

static const char *pair_value(char *const *v, int n, const char *name)
{
    size_t len = strlen(name);
    const char *r = NULL;
    for (int i = 0; i < n; i++)
        if (!strncmp(v[i], name, len) && v[i][len] == '=')
            r = v[i] + len + 1;   /* the last one wins, as in rd_kafka_conf_set */
    return r;
}

static uint64_t jnum(const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* dst[name] += src[name] for every count of src. */
static void merge_counts(json_t *dst, const json_t *src)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)src, k, v) {
        json_int_t have = json_integer_value(json_object_get(dst, k));
        json_object_set_new(dst, k, json_integer(have + json_integer_value(v)));
    }
}

/* Every flood's latencies (uint32 microseconds), pooled, as dist_json ms. */
static json_t *pooled_latency(const char *dir, unsigned P)
{
    double *all = NULL;
    size_t n = 0;
    for (unsigned j = 0; j < P; j++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/flood-%u.lat", dir, j);
        FILE *f = fopen(path, "rb");
        if (!f)
            die(path, "%s", strerror(errno));
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        rewind(f);
        if (len < 0 || (unsigned long)len > KI_LAT_BYTES_MAX || len % 4)
            die(path, "%ld bytes: not a latency file", len);
        size_t k = (size_t)len / 4;
        uint32_t *us = malloc(k ? k * 4 : 1);
        double *na = realloc(all, (n + k + 1) * sizeof *all);
        if (!us || !na)
            die(NULL, "out of memory");
        all = na;
        if (fread(us, 4, k, f) != k)
            die(path, "short read");
        fclose(f);
        for (size_t i = 0; i < k; i++)
            all[n++] = us[i] / 1000.0;
        free(us);
    }
    json_t *d = dist_json(all, n);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += all[i];
    jset(d, "mean", n ? jreal(sum / (double)n) : json_null());
    free(all);
    return d;
}

/* The worker's common options: bootstrap, topic, -X, then extra -X. */
/* "--name" and a printf-formatted value. */
static void av_opt(argvec *av, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void av_opt(argvec *av, const char *name, const char *fmt, ...)
{
    char v[PATH_MAX + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    av_add(av, name);
    av_add(av, v);
}

/* The worker's common words: bin, role, bootstrap, topic, every -X. */
static void av_common(argvec *av, const kopts *o, const char *bin, const char *role)
{
    av_add(av, bin);
    av_add(av, role);
    av_opt(av, "--bootstrap", "%s", o->bootstrap);
    av_opt(av, "--topic", "%s", o->topic);
    for (int i = 0; i < o->nxp; i++)
        av_opt(av, "-X", "%s", o->xp[i]);
}

/* kafka: the worker's topic role creates the topic and waits for leaders. */
static json_t *create_topic(const kopts *o, const char *bin, long partitions)
{
    argvec av = {0};
    av_common(&av, o, bin, "topic");
    av_opt(&av, "--partitions", "%ld", partitions);
    av_opt(&av, "--replication-factor", "%ld", o->replication);
    for (int i = 0; i < o->ntc; i++)
        av_opt(&av, "--config", "%s", o->tc[i]);
    child c = {.name = "worker topic", .in_fd = -1};
    spawn(&c, bin, &av);
    close(c.in_fd);
    c.in_fd = -1;
    pump(&c, 1, 0, 2 * KI_READY_TIMEOUT_S, "topic");
    reap(&c);
    json_t *j = child_json(&c);
    free(c.buf);
    av_free(&av);
    return j;
}

/* Flood j's words. */
static void flood_argv(argvec *av, const kopts *o, const char *bin, const char *dir,
                       unsigned j, long partitions)
{
    av_common(av, o, bin, "flood");
    if (!o->kafka && !pair_value(o->xp, o->nxp, "lakestream.global.batch.size"))
        av_opt(av, "-X", "lakestream.global.batch.size=%s", o->global_batch);
    av_opt(av, "--index", "%u", j);
    av_opt(av, "--sample-bytes", "%" PRIu64, o->sample_bytes);
    if (o->have_duration)
        av_opt(av, "--duration-s", "%.17g", o->duration_s);
    else
        av_opt(av, "--messages", "%" PRIu64, o->messages);
    av_opt(av, "--partition", "%ld",
           o->kafka && !o->partitioner_default ? (long)(j % (unsigned long)partitions) : -1L);
    av_opt(av, "--seed", "%" PRIu64, o->seed);
    av_opt(av, "--flush-timeout-s", "%.17g", o->flush_timeout_s);
    av_opt(av, "--latency-out", "%s/flood-%u.lat", dir, j);
    av_add(av, "--sync");
}

static json_t *params_json(const kopts *o, long partitions, int argc, char **argv)
{
    json_t *p = json_object();
    jset(p, "command", command_json(argc, argv));
    jset(p, "plane", json_string(o->kafka ? "kafka" : "lakestream"));
    jset(p, "bootstrap", json_string(o->bootstrap));
    jset(p, "topic", json_string(o->topic));
    jset(p, "producers", jint(o->producers));
    jset(p, "sample_bytes", jint(o->sample_bytes));
    jset(p, "duration_s", o->have_duration ? jreal(o->duration_s) : json_null());
    jset(p, "messages_per_producer", o->have_messages ? jint(o->messages) : json_null());
    jset(p, "seed", jint(o->seed));
    jset(p, "drain", json_boolean(o->drain));
    jset(p, "topic_configs", pairs_json(o->tc, o->ntc));
    jset(p, "properties", pairs_json(o->xp, o->nxp));
    jset(p, "drain_properties", pairs_json(o->dp, o->ndp));
    jset(p, "partitions", o->kafka ? jint((uint64_t)partitions) : json_null());
    jset(p, "replication_factor", o->kafka ? jint((uint64_t)o->replication) : json_null());
    jset(p, "partitioner", json_string(!o->kafka ? "none (the shim ignores partitions)"
                                       : o->partitioner_default
                                       ? "default (RD_KAFKA_PARTITION_UA, no key)"
                                       : "index (producer J -> partition J mod partitions)"));
    jset(p, "global_batch", o->kafka ? json_null() : jint(strtoull(o->global_batch, NULL, 10)));
    jset(p, "flush_timeout_s", jreal(o->flush_timeout_s));
    jset(p, "drain_timeout_s", o->drain ? jreal(o->drain_timeout_s) : json_null());
    jset(p, "start_delay_ms", jint(KI_START_DELAY_MS));
    jset(p, "label", o->label ? json_string(o->label) : json_null());
    jset(p, "worker", json_string(o->kafka ? "lakestream-bench-worker-kafka"
                                           : "lakestream-bench-worker-ls"));
    jset(p, "data", json_string("a 32-byte header (magic, producer, sequence, CLOCK_REALTIME "
                                "ns at produce, size), then bytes cut from a splitmix64 pool "
                                "of seed ^ (producer << 32) at offset (8 * seq) mod 4096 "
                                "(incompressible); produced with RD_KAFKA_MSG_F_COPY"));
    jset(p, "mb", json_string("MB = 10^6 bytes of delivered payload (headers included)"));
    return p;
}

/* The aggregate over the floods' JSON: one window from the first produce
 * to the last delivery report (CLOCK_MONOTONIC is shared by processes);
 * latencies pooled from their files. */
static json_t *aggregate_json(json_t *per, const kopts *o, const char *dir)
{
    uint64_t delivered = 0, produced = 0, failed = 0, qfull = 0, left = 0, t0 = UINT64_MAX,
             t1 = 0, nfail = 0;
    json_t *perr = json_object(), *derr = json_object(), *allerr = json_object(), *e;
    size_t j;
    json_array_foreach(per, j, e) {
        delivered += jnum(e, "delivered");
        produced += jnum(e, "produced");
        failed += jnum(e, "delivery_failed");
        qfull += jnum(e, "queue_full_retries");
        left += jnum(e, "undelivered_after_flush");
        merge_counts(perr, json_object_get(e, "produce_errors"));
        merge_counts(derr, json_object_get(e, "delivery_errors"));
        uint64_t a = jnum(e, "t_first_produce_ns"), b = jnum(e, "t_last_delivery_ns");
        if (!b)
            b = jnum(e, "t_last_produce_ns");
        if (a && a < t0)
            t0 = a;
        if (b > t1)
            t1 = b;
    }
    merge_counts(allerr, perr);
    merge_counts(allerr, derr);
    const char *k;
    json_object_foreach(allerr, k, e)
        nfail += (uint64_t)json_integer_value(e);
    double window = t1 > t0 ? (double)(t1 - t0) / 1e9 : 0;
    json_t *ag = json_object();
    jset(ag, "window_s", jreal(window));
    jset(ag, "produced", jint(produced));
    jset(ag, "delivered", jint(delivered));
    jset(ag, "delivery_failed", jint(failed));
    jset(ag, "failed", jint(nfail));
    jset(ag, "undelivered_after_flush", jint(left));
    jset(ag, "queue_full_retries", jint(qfull));
    jset(ag, "messages_per_s", jreal(window > 0 ? (double)delivered / window : 0));
    jset(ag, "mb_per_s", jreal(window > 0 ? (double)delivered * (double)o->sample_bytes / MB /
                                            window : 0));
    json_t *lat = pooled_latency(dir, o->producers);
    jset(ag, "delivery_latency_ms_p50", json_incref(json_object_get(lat, "p50")));
    jset(ag, "delivery_latency_ms_p99", json_incref(json_object_get(lat, "p99")));
    jset(ag, "delivery_latency_ms", lat);
    jset(ag, "produce_errors", perr);
    jset(ag, "delivery_errors", derr);
    jset(ag, "failures_by_error", allerr);
    jset(ag, "size_rejected", jint(jnum(allerr, "MSG_SIZE_TOO_LARGE")));
    return ag;
}

static void summary(const kopts *o, const json_t *ag)
{
    const json_t *p50 = json_object_get(ag, "delivery_latency_ms_p50"),
                 *p99 = json_object_get(ag, "delivery_latency_ms_p99");
    uint64_t nfail = jnum(ag, "failed");
    printf("%s %u x %" PRIu64 " B: %" PRIu64 " delivered, %.0f msg/s, %.2f MB/s, delivery "
           "p50 %.2f / p99 %.2f ms, %" PRIu64 " failed%s\n", o->kafka ? "kafka" : "lakestream",
           o->producers, o->sample_bytes, jnum(ag, "delivered"),
           json_real_value(json_object_get(ag, "messages_per_s")),
           json_real_value(json_object_get(ag, "mb_per_s")),
           p50 ? json_number_value(p50) : 0, p99 ? json_number_value(p99) : 0, nfail,
           nfail ? " (aggregate.failures_by_error)" : "");
}

static int cmd_kafka_ingest(kopts *o, int argc, char **argv)
{
    const char *exe_dir = bench_exe_dir();
    char bin[PATH_MAX + 64];
    snprintf(bin, sizeof bin, "%s/lakestream-bench-worker-%s", exe_dir, o->kafka ? "kafka" : "ls");
    if (access(bin, X_OK))
        die(bin, "%s (build the project)", strerror(errno));
    char topic[128];
    if (!o->topic) {
        snprintf(topic, sizeof topic, "lsbench-ingest-%lld-%d", (long long)time(NULL),
                 (int)getpid());
        o->topic = topic;
    }
    unsigned P = o->producers;
    long partitions = o->partitions ? o->partitions : (long)P;
    char *dir = make_workdir("/tmp", o->keep);
    const char *mdir = dir;   /* the machine's file system: the store's, where it is local */
    if (!o->kafka && !strncmp(o->bootstrap, "file://", 7))
        mdir = o->bootstrap + 7;
    else if (!o->kafka && o->bootstrap[0] == '/')
        mdir = o->bootstrap;
    signal(SIGPIPE, SIG_IGN);
    g_children = calloc(P + 2, sizeof *g_children);
    child *fl = calloc(P, sizeof *fl);
    argvec *avs = calloc(P + 1, sizeof *avs);
    char (*names)[32] = calloc(P, sizeof *names);
    if (!g_children || !fl || !avs || !names)
        die(NULL, "out of memory");

    json_t *topic_setup = json_null();
    if (o->kafka) {
        progress("%s kafka-ingest: creating topic %s (%ld partitions, replication factor %ld)",
                 PROG, o->topic, partitions, o->replication);
        topic_setup = create_topic(o, bin, partitions);
    }
    progress("%s kafka-ingest: plane %s, %s, topic %s, %u producers, %" PRIu64 " B messages",
             PROG, o->kafka ? "kafka" : "lakestream", o->bootstrap, o->topic, P, o->sample_bytes);
    char *load_start = read_loadavg();

    /* The floods set up (handle, topic, metadata), say ready, wait for the
     * common start; the drain starts after them (on lakestream they made
     * the table) and before the start, so it sees every message arrive. */
    for (unsigned j = 0; j < P; j++) {
        flood_argv(&avs[j], o, bin, dir, j, partitions);
        snprintf(names[j], sizeof names[j], "worker flood %u", j);
        fl[j].name = names[j];
        spawn(&fl[j], bin, &avs[j]);
    }
    pump(fl, (int)P, 1, KI_READY_TIMEOUT_S, "ready line");
    child dr = {.name = "worker drain", .in_fd = -1, .out_fd = -1};
    if (o->drain) {
        av_common(&avs[P], o, bin, "drain");
        for (int i = 0; i < o->ndp; i++)
            av_opt(&avs[P], "-X", "%s", o->dp[i]);
        av_opt(&avs[P], "--timeout-s", "%.17g", o->drain_timeout_s);
        av_add(&avs[P], "--sync");
        spawn(&dr, bin, &avs[P]);
        pump(&dr, 1, 1, KI_READY_TIMEOUT_S, "ready line");
    }
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    uint64_t start = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec +
                     (uint64_t)KI_START_DELAY_MS * 1000000ull;
    for (unsigned j = 0; j < P; j++) {
        write_line(&fl[j], "%" PRIu64 "\n", start);
        close(fl[j].in_fd);
        fl[j].in_fd = -1;
    }
    progress("%u producers ready; running", P);
    double run_s = (o->have_duration ? o->duration_s : KI_MESSAGES_TIMEOUT_S) +
                   o->flush_timeout_s + KI_EXIT_SLACK_S;
    pump(fl, (int)P, 0, run_s, "end");
    json_t *per = json_array();
    for (unsigned j = 0; j < P; j++) {
        reap(&fl[j]);
        json_array_append_new(per, child_json(&fl[j]));
    }
    json_t *ag = aggregate_json(per, o, dir);

    json_t *drain = json_null();
    if (o->drain) {   /* lakestream: whole steps only are readable */
        uint64_t b = o->kafka ? 1 : strtoull(o->global_batch, NULL, 10);
        write_line(&dr, "%" PRIu64 "\n", jnum(ag, "delivered") / b * b);
        close(dr.in_fd);
        dr.in_fd = -1;
        pump(&dr, 1, 0, o->drain_timeout_s + KI_EXIT_SLACK_S, "end");
        reap(&dr);
        drain = child_json(&dr);
    }
    char *load_end = read_loadavg();
    json_t *brokers = json_null();
    if (o->kafka)
        brokers = json_incref(json_object_get(topic_setup, "brokers"));
    else if (json_array_size(per))
        brokers = json_incref(json_object_get(json_array_get(per, 0), "brokers"));

    json_t *root = result_new("kafka-ingest", mdir);
    result_loadavg(root, load_start, load_end);
    jset(root, "seed", jint(o->seed));
    jset(root, "label", o->label ? json_string(o->label) : json_null());
    jset(root, "params", params_json(o, partitions, argc, argv));
    jset(root, "plane", json_string(o->kafka ? "kafka" : "lakestream"));
    jset(root, "producers", jint(P));
    jset(root, "sample_bytes", jint(o->sample_bytes));
    jset(root, "brokers", brokers);
    jset(root, "topic_setup", topic_setup);
    jset(root, "aggregate", ag);
    jset(root, "per_producer", per);
    jset(root, "drain", drain);
    result_write(root, o->json, o->out);
    if (!o->json)
        summary(o, ag);
    fflush(stdout);

    int rc = 0;
    if (jnum(ag, "undelivered_after_flush")) {
        die_warn(NULL, "%" PRIu64 " messages were still undelivered after the flush timeout",
                 jnum(ag, "undelivered_after_flush"));
        rc = 1;
    }
    if (o->drain && !json_is_true(json_object_get(drain, "complete"))) {
        die_warn("drain", "read %" PRIu64 " of the %" PRIu64 " messages within its timeout",
                 jnum(drain, "received"), jnum(drain, "target"));
        rc = 1;
    }
    json_decref(root);
    for (unsigned k = 0; k <= P; k++)
        av_free(&avs[k]);
    for (unsigned k = 0; k < P; k++)
        free(fl[k].buf);
    free(dr.buf);
    free(avs);
    free(fl);
    free(names);
    free(g_children);
    g_children = NULL;
    g_nchildren = 0;
    end_workdir(dir, o->keep, "work");
    return rc;
}

/* ---- command line ------------------------------------------------------------- */

void kafka_ingest_usage(FILE *f)
{
    fprintf(f,
"usage: " PROG " kafka-ingest --plane lakestream|kafka --bootstrap B --producers P\n"
"           --sample-bytes S (--duration-s D | --messages N) --out FILE [options]\n"
"\n"
"P producer processes flood one topic through librdkafka's API with S-byte\n"
"messages, for D seconds or N messages each, then flush: on lakestream with\n"
"lakestream-bench-worker-ls (the shim; B is a store URI, file:///dir or\n"
"s3://bucket/prefix), on kafka with lakestream-bench-worker-kafka (librdkafka;\n"
"B is a broker list, a fresh topic is created first).  Throughput, delivery\n"
"latency and failures by error go to FILE (schema: docs/benchmarks.md).\n"
"\n"
"options:\n"
"  --plane lakestream|kafka     the data plane (required)\n"
"  --bootstrap B                store URI or broker list (required)\n"
"  --producers P                producer processes, 1..%d (required)\n"
"  --sample-bytes S             message size, %u..%u (required)\n"
"  --duration-s D               seconds of producing per producer\n"
"  --messages N                 or N messages per producer\n"
"  --drain                      also run one consumer of every partition from\n"
"                               the beginning: produce-to-readable latency\n"
"  --topic NAME                 the topic (default lsbench-ingest-TIME-PID; kafka:\n"
"                               must not exist)\n"
"  --partitions N               kafka: partitions of the new topic (default P)\n"
"  --replication-factor R       kafka: its replication factor (default 1)\n"
"  --topic-config NAME=VALUE    kafka: a topic config (repeatable), e.g.\n"
"                               flush.messages=1, max.message.bytes=67108864\n"
"  --partitioner index|default  kafka: producer J writes partition J mod N\n"
"                               (index, default) or RD_KAFKA_PARTITION_UA\n"
"  --global-batch B             lakestream: lakestream.global.batch.size of the\n"
"                               table the shim creates (default %s)\n"
"  -X NAME=VALUE                a librdkafka property for every worker\n"
"                               (repeatable; lakestream.* reach the core)\n"
"  --drain-property NAME=VALUE  a property for the drain only (repeatable)\n"
"  --flush-timeout-s T          rd_kafka_flush timeout (default 60)\n"
"  --drain-timeout-s T          the drain's wait for the last message (default 60)\n"
"  --seed N                     payload seed (default 1)\n"
"  --label TEXT                 recorded in the result\n"
"  --out FILE                   the result (required)\n"
"  --json                       also print it on stdout\n"
"  --keep                       keep the work directory (latency files)\n"
"  -h, --help                   this text\n",
            KI_PRODUCERS_MAX, KI_SAMPLE_BYTES_MIN, KI_SAMPLE_BYTES_MAX, KI_GLOBAL_BATCH_DEFAULT);
}

static void pair_opt(const args *a, char *v, char **list, int *n)
{
    const char *eq = strchr(v, '=');
    if (!eq || eq == v || eq - v > 200)
        args_bad(a, v, "expected NAME=VALUE");
    if (*n == KI_PAIRS_MAX)
        args_bad(a, v, "more than %d", KI_PAIRS_MAX);
    list[(*n)++] = v;
}

static void parse_kafka_ingest_args(kopts *o, int argc, char **argv)
{
    enum { OPT_PLANE = 256, OPT_BOOT, OPT_PROD, OPT_SBYTES, OPT_DUR, OPT_MSGS, OPT_DRAIN,
           OPT_TOPIC, OPT_PARTS, OPT_RF, OPT_TCONF, OPT_PARTR, OPT_GB, OPT_DPROP, OPT_FTO,
           OPT_DTO, OPT_SEED, OPT_LABEL, OPT_OUT, OPT_JSON, OPT_KEEP };
    static const struct option lo[] = {
        { "plane", required_argument, 0, OPT_PLANE },
        { "bootstrap", required_argument, 0, OPT_BOOT },
        { "producers", required_argument, 0, OPT_PROD },
        { "sample-bytes", required_argument, 0, OPT_SBYTES },
        { "duration-s", required_argument, 0, OPT_DUR },
        { "messages", required_argument, 0, OPT_MSGS },
        { "drain", no_argument, 0, OPT_DRAIN },
        { "topic", required_argument, 0, OPT_TOPIC },
        { "partitions", required_argument, 0, OPT_PARTS },
        { "replication-factor", required_argument, 0, OPT_RF },
        { "topic-config", required_argument, 0, OPT_TCONF },
        { "partitioner", required_argument, 0, OPT_PARTR },
        { "global-batch", required_argument, 0, OPT_GB },
        { "property", required_argument, 0, 'X' },
        { "drain-property", required_argument, 0, OPT_DPROP },
        { "flush-timeout-s", required_argument, 0, OPT_FTO },
        { "drain-timeout-s", required_argument, 0, OPT_DTO },
        { "seed", required_argument, 0, OPT_SEED },
        { "label", required_argument, 0, OPT_LABEL },
        { "out", required_argument, 0, OPT_OUT },
        { "json", no_argument, 0, OPT_JSON },
        { "keep", no_argument, 0, OPT_KEEP },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    static const char *const planes[] = { "lakestream", "kafka", NULL };
    static const char *const partitioners[] = { "index", "default", NULL };
    static char gb[32];
    args a = bench_args(argc, argv, lo, kafka_ingest_usage);
    int c, have_plane = 0, have_gb = 0;
    while ((c = args_next(&a)) != -1) {
        switch (c) {
        case OPT_PLANE: o->kafka = args_choice(&a, optarg, planes) == 1; have_plane = 1; break;
        case OPT_BOOT: o->bootstrap = optarg; break;
        case OPT_PROD:
            o->producers = (unsigned)args_uint(&a, optarg, 1, KI_PRODUCERS_MAX);
            break;
        case OPT_SBYTES:
            o->sample_bytes = args_uint(&a, optarg, KI_SAMPLE_BYTES_MIN, KI_SAMPLE_BYTES_MAX);
            break;
        case OPT_DUR:
            o->duration_s = args_real(&a, optarg, 0, 1, 86400);
            o->have_duration = 1;
            break;
        case OPT_MSGS:
            o->messages = args_uint(&a, optarg, 1, 1000000000);
            o->have_messages = 1;
            break;
        case OPT_DRAIN: o->drain = 1; break;
        case OPT_TOPIC: o->topic = optarg; break;
        case OPT_PARTS: o->partitions = (long)args_uint(&a, optarg, 1, 100000); break;
        case OPT_RF: o->replication = (long)args_uint(&a, optarg, 1, 1000); break;
        case OPT_TCONF: pair_opt(&a, optarg, o->tc, &o->ntc); break;
        case OPT_PARTR: o->partitioner_default = args_choice(&a, optarg, partitioners); break;
        case OPT_GB:
            snprintf(gb, sizeof gb, "%" PRIu64, args_uint(&a, optarg, 1, LS_GLOBAL_BATCH_MAX));
            o->global_batch = gb;
            have_gb = 1;
            break;
        case 'X': pair_opt(&a, optarg, o->xp, &o->nxp); break;
        case OPT_DPROP: pair_opt(&a, optarg, o->dp, &o->ndp); break;
        case OPT_FTO: o->flush_timeout_s = args_real(&a, optarg, 0, 1, 3600); break;
        case OPT_DTO: o->drain_timeout_s = args_real(&a, optarg, 0, 1, 3600); break;
        case OPT_SEED: o->seed = args_uint(&a, optarg, 0, UINT64_MAX); break;
        case OPT_LABEL: o->label = optarg; break;
        case OPT_OUT: o->out = optarg; break;
        case OPT_JSON: o->json = 1; break;
        case OPT_KEEP: o->keep = 1; break;
        case 'h': kafka_ingest_usage(stdout); exit(0);
        default: bench_unexpected(optarg);
        }
    }
    if (!have_plane)
        die("--plane", "required (see --help)");
    if (!o->bootstrap)
        die("--bootstrap", "required (see --help)");
    if (!o->producers)
        die("--producers", "required (see --help)");
    if (!o->sample_bytes)
        die("--sample-bytes", "required (see --help)");
    if (o->have_duration == o->have_messages)
        die("--duration-s", "give one of --duration-s and --messages (see --help)");
    if (!o->out)
        die("--out", "required (see --help)");
    if (!o->kafka && (o->ntc || o->partitions || o->replication != 1))
        die("--plane lakestream", "--topic-config, --partitions and --replication-factor "
            "are kafka's (the shim creates the table)");
    const char *x = pair_value(o->xp, o->nxp, "lakestream.global.batch.size");
    if (x) {
        if (have_gb && strcmp(o->global_batch, x))
            die("--global-batch", "and -X lakestream.global.batch.size=%s disagree", x);
        o->global_batch = x;
    }
}

int kafka_ingest_main(int argc, char **argv)
{
    bench_init(1);
    kopts o = { .seed = 1, .replication = 1, .flush_timeout_s = 60, .drain_timeout_s = 60,
                .global_batch = KI_GLOBAL_BATCH_DEFAULT };
    parse_kafka_ingest_args(&o, argc - 1, argv + 1);
    return cmd_kafka_ingest(&o, argc, argv);
}
