/*
 * worker.c -- the producer and rank processes of `lakestream-bench run`
 * (docs/workloads.md).  Written only against librdkafka's API and built
 * twice: lakestream-bench-worker-ls links liblakestream-rdkafka (the
 * lakestream plane), lakestream-bench-worker-kafka links librdkafka (the
 * kafka plane), so both planes run the same producer and rank code.  The
 * colocated plane's rank (no data plane) lives here too.
 *
 *   worker producer  --shm F --workload W --index J --bootstrap B --topic T
 *                    [--lead STEPS] [-X name=value ...]
 *   worker rank      --shm F --workload W --rank R --bootstrap B --topic T
 *                    --out DIR [-X name=value ...]
 *   worker colocated --shm F --workload W --rank R --out DIR [--prefetch STEPS]
 *   worker mock      --partitions N       (kafka build: librdkafka's mock
 *                    cluster; prints the bootstrap list, serves until stdin EOF)
 *
 * Exit status 0 on a clean stop, 1 on an error (stderr says which).
 */
#include <librdkafka/rdkafka.h>
#ifdef LS_WORKER_RDKAFKA
#include <librdkafka/rdkafka_mock.h>
#endif

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workload.h"

#define XPROPS_MAX 64

static struct {
    const char *role, *shm, *workload, *bootstrap, *topic, *out;
    long index, rank, lead, prefetch, partitions;
    const char *xname[XPROPS_MAX], *xvalue[XPROPS_MAX];
    int nx;
} opt = {.index = -1, .rank = -1, .lead = 4, .prefetch = 2, .partitions = 1};

static wl_workload W;
static wl_shm *S;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "worker %s: ", opt.role ? opt.role : "?");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static rd_kafka_conf_t *base_conf(void)
{
    char errstr[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (rd_kafka_conf_set(c, "bootstrap.servers", opt.bootstrap, errstr, sizeof errstr))
        die("bootstrap.servers: %s", errstr);
    for (int i = 0; i < opt.nx; i++)
        if (rd_kafka_conf_set(c, opt.xname[i], opt.xvalue[i], errstr, sizeof errstr))
            die("%s=%s: %s", opt.xname[i], opt.xvalue[i], errstr);
    return c;
}

/* ---- producer ---- */

static rd_kafka_t *P_rk;
static uint64_t P_next;            /* next local sequence number (atomic) */

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err)
        __atomic_add_fetch(&S->produce_errors, 1, __ATOMIC_RELAXED);
    else
        __atomic_add_fetch(&S->delivered, 1, __ATOMIC_RELAXED);
}

static void *producer_worker(void *arg)
{
    (void)arg;
    uint32_t m = W.global_batch / W.world_size;
    while (!S->stop) {
        uint64_t seq = __atomic_fetch_add(&P_next, 1, __ATOMIC_RELAXED);
        uint64_t idx = seq * W.producers + (uint64_t)opt.index;
        /* Keep at most `lead` steps ahead of the ranks (the same bound on
         * every plane: librdkafka's mock cluster keeps only ~5 MiB per
         * partition). */
        while (!S->stop && idx >= (S->steps_done + (uint64_t)opt.lead) * W.global_batch)
            wl_sleep_ns(2000000);
        if (S->stop)
            break;
        size_t size = wl_sample_size(&W, idx);
        uint8_t *buf = malloc(size);
        if (!buf)
            die("out of memory");
        wl_sample_fill(&W, idx, buf, size);
        wl_preprocess(&W, buf, size);
        int32_t part = (int32_t)((idx / m) % W.world_size);
        for (;;) {
            rd_kafka_resp_err_t err = rd_kafka_producev(
                P_rk, RD_KAFKA_V_TOPIC(opt.topic), RD_KAFKA_V_PARTITION(part),
                RD_KAFKA_V_VALUE(buf, size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
                RD_KAFKA_V_END);
            if (!err)
                break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                free(buf);
                __atomic_add_fetch(&S->produce_errors, 1, __ATOMIC_RELAXED);
                break;
            }
            wl_sleep_ns(1000000);
            if (S->stop) {
                free(buf);
                return NULL;
            }
        }
        __atomic_add_fetch(&S->produced, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&S->producer_bytes, size, __ATOMIC_RELAXED);
    }
    return NULL;
}

static int run_producer(void)
{
    char errstr[512];
    rd_kafka_conf_t *c = base_conf();
    rd_kafka_conf_set_dr_msg_cb(c, dr_cb);
    P_rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr);
    if (!P_rk)
        die("rd_kafka_new: %s", errstr);
    uint32_t n = W.producer_workers;
    pthread_t th[WL_WORKERS_MAX];
    for (uint32_t i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, producer_worker, NULL))
            die("pthread_create");
    while (!S->stop)
        rd_kafka_poll(P_rk, 50);
    for (uint32_t i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    rd_kafka_flush(P_rk, 5000);
    rd_kafka_destroy(P_rk);
    return 0;
}

/* ---- ranks ---- */

typedef struct rank_out {
    FILE *waits, *seen;
} rank_out;

static rank_out open_out(void)
{
    char p[4096];
    rank_out o;
    snprintf(p, sizeof p, "%s/rank-%ld.waits", opt.out, opt.rank);
    o.waits = fopen(p, "ab");
    snprintf(p, sizeof p, "%s/rank-%ld.seen", opt.out, opt.rank);
    o.seen = fopen(p, "ab");
    if (!o.waits || !o.seen)
        die("%s: %s", p, strerror(errno));
    return o;
}

/* After a step's data is in hand: record, train (simulated), barrier. */
static int finish_step(rank_out *o, uint64_t wait_ns)
{
    wl_rank_stat *rs = &S->ranks[opt.rank];
    uint32_t us = (uint32_t)(wait_ns / 1000u);
    fwrite(&us, sizeof us, 1, o->waits);
    rs->wait_ns_total += wait_ns;
    wl_sleep_ns((uint64_t)(W.step_time_ms * 1e6));   /* the GPU step */
    if (wl_barrier(S))                                /* the all-reduce */
        return -1;
    rs->steps++;
    return 0;
}

static int run_rank(void)
{
    char errstr[512];
    rd_kafka_conf_t *c = base_conf();
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, errstr, sizeof errstr);
    if (!rk)
        die("rd_kafka_new: %s", errstr);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, opt.topic, (int32_t)opt.rank)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
    if (rd_kafka_assign(rk, l))
        die("assign: %s", rd_kafka_err2str(rd_kafka_last_error()));
    rd_kafka_topic_partition_list_destroy(l);
    rank_out o = open_out();
    wl_rank_stat *rs = &S->ranks[opt.rank];
    uint32_t m = W.global_batch / W.world_size;
    while (!S->stop) {
        uint64_t t0 = wl_now_ns();
        uint32_t got = 0;
        while (got < m && !S->stop) {
            rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100);
            if (!msg)
                continue;
            uint64_t idx;
            if (msg->err) {
                if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    fprintf(stderr, "worker rank %ld: %s\n", opt.rank,
                            rd_kafka_message_errstr(msg));
            } else if (wl_sample_check(msg->payload, msg->len, &idx)) {
                rs->bad_samples++;
                got++;
            } else {
                fwrite(&idx, sizeof idx, 1, o.seen);
                rs->samples++;
                rs->bytes += msg->len;
                got++;
            }
            rd_kafka_message_destroy(msg);
        }
        if (got < m || finish_step(&o, wl_now_ns() - t0))
            break;
    }
    fclose(o.waits);
    fclose(o.seen);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}

/* ---- colocated rank: its own samples, a prefetching worker pool ---- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t next_item;      /* next (step * m + i) to prepare */
    uint64_t cur_step;       /* the step the rank waits for */
    uint32_t *done;          /* per ring slot: samples ready */
    uint64_t *slot_step;
    uint32_t depth;
} C = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void *colocated_worker(void *arg)
{
    (void)arg;
    uint32_t m = W.global_batch / W.world_size;
    pthread_mutex_lock(&C.mu);
    while (!S->stop) {
        uint64_t item = C.next_item, step = item / m;
        if (step >= C.cur_step + C.depth) {  /* prefetch window full */
            pthread_mutex_unlock(&C.mu);
            wl_sleep_ns(1000000);
            pthread_mutex_lock(&C.mu);
            continue;
        }
        C.next_item++;
        pthread_mutex_unlock(&C.mu);
        uint64_t idx = step * W.global_batch + (uint64_t)opt.rank * m + item % m;
        size_t size = wl_sample_size(&W, idx);
        uint8_t *buf = malloc(size);
        if (!buf)
            die("out of memory");
        wl_sample_fill(&W, idx, buf, size);
        wl_preprocess(&W, buf, size);
        free(buf);
        pthread_mutex_lock(&C.mu);
        uint32_t slot = (uint32_t)(step % C.depth);
        if (C.slot_step[slot] != step) {
            C.slot_step[slot] = step;
            C.done[slot] = 0;
        }
        C.done[slot]++;
        pthread_cond_broadcast(&C.cv);
    }
    pthread_mutex_unlock(&C.mu);
    return NULL;
}

static int run_colocated(void)
{
    uint32_t m = W.global_batch / W.world_size;
    C.depth = (uint32_t)(opt.prefetch > 0 ? opt.prefetch : 1);
    C.done = calloc(C.depth, sizeof *C.done);
    C.slot_step = calloc(C.depth, sizeof *C.slot_step);
    for (uint32_t i = 0; i < C.depth; i++)
        C.slot_step[i] = UINT64_MAX;
    pthread_t th[WL_WORKERS_MAX];
    for (uint32_t i = 0; i < W.colocated_workers; i++)
        if (pthread_create(&th[i], NULL, colocated_worker, NULL))
            die("pthread_create");
    rank_out o = open_out();
    wl_rank_stat *rs = &S->ranks[opt.rank];
    for (uint64_t step = 0; !S->stop; step++) {
        uint64_t t0 = wl_now_ns();
        pthread_mutex_lock(&C.mu);
        uint32_t slot = (uint32_t)(step % C.depth);
        while (!S->stop && !(C.slot_step[slot] == step && C.done[slot] == m))
            pthread_cond_wait(&C.cv, &C.mu);
        C.cur_step = step + 1;  /* frees the slot for step + depth */
        pthread_mutex_unlock(&C.mu);
        if (S->stop)
            break;
        for (uint32_t i = 0; i < m; i++) {
            uint64_t idx = step * W.global_batch + (uint64_t)opt.rank * m + i;
            fwrite(&idx, sizeof idx, 1, o.seen);
            rs->samples++;
            rs->bytes += wl_sample_size(&W, idx);
        }
        if (finish_step(&o, wl_now_ns() - t0))
            break;
    }
    pthread_mutex_lock(&C.mu);
    pthread_cond_broadcast(&C.cv);
    pthread_mutex_unlock(&C.mu);
    for (uint32_t i = 0; i < W.colocated_workers; i++)
        pthread_join(th[i], NULL);
    fclose(o.waits);
    fclose(o.seen);
    return 0;
}

#ifdef LS_WORKER_RDKAFKA
static int run_mock(void)
{
    char errstr[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr);
    if (!rk)
        die("rd_kafka_new: %s", errstr);
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 3);
    if (!mc)
        die("rd_kafka_mock_cluster_new failed");
    if (rd_kafka_mock_topic_create(mc, opt.topic ? opt.topic : "samples",
                                   (int)opt.partitions, 1))
        die("mock topic create failed");
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    char buf[64];
    while (fread(buf, 1, sizeof buf, stdin) > 0)
        ;
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
#endif

int main(int argc, char **argv)
{
    if (argc < 2)
        die("usage: see harness/worker.c");
    opt.role = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            die("%s needs a value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--shm")) opt.shm = v;
        else if (!strcmp(a, "--workload")) opt.workload = v;
        else if (!strcmp(a, "--bootstrap")) opt.bootstrap = v;
        else if (!strcmp(a, "--topic")) opt.topic = v;
        else if (!strcmp(a, "--out")) opt.out = v;
        else if (!strcmp(a, "--index")) opt.index = atol(v);
        else if (!strcmp(a, "--rank")) opt.rank = atol(v);
        else if (!strcmp(a, "--lead")) opt.lead = atol(v);
        else if (!strcmp(a, "--prefetch")) opt.prefetch = atol(v);
        else if (!strcmp(a, "--partitions")) opt.partitions = atol(v);
        else if (!strcmp(a, "-X")) {
            char *eq = strchr(v, '=');
            if (!eq || opt.nx == XPROPS_MAX)
                die("-X name=value");
            *eq = '\0';
            opt.xname[opt.nx] = v;
            opt.xvalue[opt.nx++] = eq + 1;
        } else
            die("unknown option %s", a);
    }
#ifdef LS_WORKER_RDKAFKA
    if (!strcmp(opt.role, "mock"))
        return run_mock();
#endif
    char err[512];
    if (!opt.workload || wl_load(opt.workload, &W, err, sizeof err))
        die("%s", opt.workload ? err : "--workload is required");
    if (!opt.shm || !(S = wl_shm_open(opt.shm)))
        die("--shm %s: cannot map the run state", opt.shm ? opt.shm : "(none)");
    if (W.world_size != S->world)
        die("world size %u, run state %u", W.world_size, S->world);
    if (!strcmp(opt.role, "producer")) {
        if (opt.index < 0 || !opt.bootstrap || !opt.topic)
            die("producer needs --index, --bootstrap, --topic");
        return run_producer();
    }
    if (opt.rank < 0 || opt.rank >= (long)W.world_size || !opt.out)
        die("%s needs --rank (0..%u) and --out", opt.role, W.world_size - 1);
    S->ranks[opt.rank].pid = (int32_t)getpid();
    if (!strcmp(opt.role, "rank")) {
        if (!opt.bootstrap || !opt.topic)
            die("rank needs --bootstrap and --topic");
        return run_rank();
    }
    if (!strcmp(opt.role, "colocated"))
        return run_colocated();
    die("unknown role %s", opt.role);
}
