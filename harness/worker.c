/*
 * worker.c -- the producer and rank processes of `lakestream-bench run`
 * (docs/workloads.md).  Written only against librdkafka's API and built
 * twice: lakestream-bench-worker-ls links liblakestream-rdkafka (the
 * lakestream plane), lakestream-bench-worker-kafka links librdkafka (the
 * kafka plane), so both planes run the same producer and rank code.  The
 * colocated plane's rank (no data plane) lives here too.
 *
 *   worker producer  --shm F --workload W --index J --bootstrap B --topic T
 *                    --out DIR [--lead STEPS] [-X name=value ...]
 *                    [--eos --pos-topic T2 --txn-ms MS]   (kafka build)
 *   worker rank      --shm F --workload W --rank R --bootstrap B --topic T
 *                    --out DIR [--eos] [-X name=value ...]
 *   worker colocated --shm F --workload W --rank R --out DIR [--prefetch STEPS]
 *   worker mock      --partitions N       (kafka build: librdkafka's mock
 *                    cluster; prints the bootstrap list, serves until stdin EOF)
 *   worker flood|drain|topic ...          worker_flood.c (kafka-ingest; topic
 *                    also creates the kafka plane's topics of `run`)
 *
 * Exit status 0 on a clean stop, 1 on an error (stderr says which).
 */
#include <librdkafka/rdkafka.h>
#ifdef LS_WORKER_RDKAFKA
#include <librdkafka/rdkafka_mock.h>
#else
#include "lakestream_rdkafka.h"
#endif

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "die.h"
#include "worker_flood.h"
#include "workload.h"
#ifdef LS_WORKER_RDKAFKA
#include "worker_txn.h"
#endif

#define XPROPS_MAX 64
#define WORKER_NUM_MAX 1000000   /* --index, --rank, --lead, --prefetch, --partitions */

static struct {
    const char *role, *shm, *workload, *bootstrap, *topic, *out, *pos_topic;
    long index, rank, lead, prefetch, partitions, txn_ms;
    int eos;   /* Kafka's exactly-once: transactions (worker_txn.c), read_committed */
    const char *xname[XPROPS_MAX], *xvalue[XPROPS_MAX];
    int nx;
} opt = {.index = -1, .rank = -1, .lead = 4, .prefetch = 2, .partitions = 1};

static wl_workload W;
static wl_shm *S;

static rd_kafka_conf_t *base_conf(void)
{
    char errstr[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (rd_kafka_conf_set(c, "bootstrap.servers", opt.bootstrap, errstr, sizeof errstr))
        die(NULL, "bootstrap.servers: %s", errstr);
    for (int i = 0; i < opt.nx; i++)
        if (rd_kafka_conf_set(c, opt.xname[i], opt.xvalue[i], errstr, sizeof errstr))
            die(NULL, "%s=%s: %s", opt.xname[i], opt.xvalue[i], errstr);
    return c;
}

/* ---- producer ----
 *
 * Workers generate and preprocess samples in parallel; the main thread
 * produces them in sequence order (a reorder ring), so the producer's
 * position in its source is "every sequence number below it".  Sample
 * seq of producer J is global index seq * P + J.  Where a restarted
 * producer resumes:
 *   lakestream: the source position committed with its last commit
 *               (lakestream_rdkafka.h), so nothing repeats or is lost;
 *   kafka:      librdkafka has no such thing; like a Kafka-based job it
 *               keeps its progress itself: the delivered frontier, saved
 *               to DIR/producer-J.pos every 200 ms (at least once);
 *   kafka --eos: in Kafka's own exactly-once way: every --txn-ms a
 *               transaction commits the samples and the position together
 *               (worker_txn.c).
 */

#define P_RING_PER_WORKER 4u
#define P_POS_SAVE_NS 200000000ull
#define P_FRONTIER_BITS 20u   /* in-flight window of the delivery frontier */

static rd_kafka_t *P_rk;
static struct {
    pthread_mutex_t mu;
    pthread_cond_t ready_cv;     /* a slot became ready: the main thread */
    pthread_cond_t space_cv;     /* the ring moved on: the workers */
    uint64_t next_claim, next_append;
    uint32_t ring;
    struct pslot { uint64_t seq; uint8_t *buf; size_t size; int ready; } *slots;
} Q = {.mu = PTHREAD_MUTEX_INITIALIZER, .ready_cv = PTHREAD_COND_INITIALIZER,
       .space_cv = PTHREAD_COND_INITIALIZER};

/* Wait on cv (mutex held) for at most ms milliseconds. */
static void cond_wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(cv, mu, &ts);
}
static wl_prod_stat *PS;

#ifdef LS_WORKER_RDKAFKA
static uint8_t *F_done;       /* delivered flags, a ring of 2^P_FRONTIER_BITS */
static uint64_t F_frontier;   /* every seq below it is delivered */
#endif

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (opt.eos && strcmp(rd_kafka_topic_name(m->rkt), opt.topic))
        return;   /* a position (--eos), not a sample */
    if (m->err) {
        __atomic_add_fetch(&S->produce_errors, 1, __ATOMIC_RELAXED);
        return;
    }
    __atomic_add_fetch(&S->delivered, 1, __ATOMIC_RELAXED);
    PS->delivered++;
    if (!PS->first_delivery_ns)
        PS->first_delivery_ns = wl_now_ns();
#ifdef LS_WORKER_RDKAFKA
    uint64_t seq = (uint64_t)(uintptr_t)m->_private, mask = (1u << P_FRONTIER_BITS) - 1;
    if (seq >= F_frontier && seq - F_frontier <= mask)
        F_done[seq & mask] = 1;
    while (F_done[F_frontier & mask]) {
        F_done[F_frontier & mask] = 0;
        F_frontier++;
    }
#endif
}

#ifdef LS_WORKER_RDKAFKA
static void pos_path(char *buf, size_t size)
{
    snprintf(buf, size, "%s/producer-%ld.pos", opt.out, opt.index);
}
#endif

/* Where this incarnation starts. */
static uint64_t resume_seq(void)
{
    uint64_t pos = 0;
#ifdef LS_WORKER_RDKAFKA
    if (opt.eos)
        return txn_start(P_rk, opt.bootstrap, opt.pos_topic, (int32_t)opt.index);
#endif
#ifndef LS_WORKER_RDKAFKA
    size_t size = sizeof pos;
    if (rd_kafka_lakestream_source_position(P_rk, opt.topic, &pos, &size))
        die(NULL, "source position: %s", rd_kafka_err2str(rd_kafka_last_error()));
    if (size != 0 && size != sizeof pos)
        die(NULL, "source position of %zu bytes, not %zu", size, sizeof pos);
#else
    char p[4096];
    pos_path(p, sizeof p);
    FILE *f = fopen(p, "rb");
    if (f) {
        if (fread(&pos, sizeof pos, 1, f) != 1)
            pos = 0;
        fclose(f);
    }
    F_frontier = pos;
#endif
    return pos;
}

#ifdef LS_WORKER_RDKAFKA
static void save_frontier(void)
{
    char p[4096], tmp[4200];
    pos_path(p, sizeof p);
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(&F_frontier, sizeof F_frontier, 1, f) != 1 || fclose(f))
        die(NULL, "%s: %s", tmp, strerror(errno));
    if (rename(tmp, p))
        die(NULL, "%s: %s", p, strerror(errno));
}
#endif

static void *producer_worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&Q.mu);
    while (!S->stop) {
        uint64_t seq = Q.next_claim, idx = seq * W.producers + (uint64_t)opt.index;
        /* Keep the ring bounded, and at most `lead` steps ahead of the
         * ranks (the same bound on every plane: librdkafka's mock cluster
         * keeps only ~5 MiB per partition).  Both waits sleep until woken:
         * 320 workers polling every few ms cost more CPU than the ranks. */
        if (seq >= Q.next_append + Q.ring) {
            cond_wait_ms(&Q.space_cv, &Q.mu, 100);
            continue;
        }
        uint32_t wake = wl_wake_seq(S);
        if (idx >= (S->steps_done + (uint64_t)opt.lead) * W.global_batch) {
            pthread_mutex_unlock(&Q.mu);
            wl_wait_wake(S, wake, 100);
            pthread_mutex_lock(&Q.mu);
            continue;
        }
        Q.next_claim++;
        pthread_mutex_unlock(&Q.mu);
        size_t size = wl_sample_size(&W, idx);
        uint8_t *buf = malloc(size);
        if (!buf)
            die(NULL, "out of memory");
        wl_sample_fill(&W, idx, buf, size);
        wl_preprocess(&W, buf, size);
        pthread_mutex_lock(&Q.mu);
        struct pslot *sl = &Q.slots[seq % Q.ring];
        sl->seq = seq;
        sl->buf = buf;
        sl->size = size;
        sl->ready = 1;
        if (seq == Q.next_append)
            pthread_cond_signal(&Q.ready_cv);
    }
    pthread_mutex_unlock(&Q.mu);
    return NULL;
}

/* Produce sample seq (the buffer is handed over); 0, or -1 at stop. */
static int produce_one(uint64_t seq, uint8_t *buf, size_t size)
{
    uint64_t idx = seq * W.producers + (uint64_t)opt.index, pos = seq + 1;
    int32_t part = (int32_t)((idx / (W.global_batch / W.world_size)) % W.world_size);
    (void)pos;
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            P_rk, RD_KAFKA_V_TOPIC(opt.topic), RD_KAFKA_V_PARTITION(part),
            RD_KAFKA_V_VALUE(buf, size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
            RD_KAFKA_V_OPAQUE((void *)(uintptr_t)seq),
#ifndef LS_WORKER_RDKAFKA
            RD_KAFKA_V_HEADER(LAKESTREAM_SOURCE_POSITION_HEADER, &pos, (ssize_t)sizeof pos),
#endif
            RD_KAFKA_V_END);
        if (!err)
            break;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            free(buf);
            __atomic_add_fetch(&S->produce_errors, 1, __ATOMIC_RELAXED);
            fprintf(stderr, "worker producer %ld: seq %llu: %s\n", opt.index,
                    (unsigned long long)seq, rd_kafka_err2str(err));
            return 0;
        }
        rd_kafka_poll(P_rk, 1);
        if (S->stop) {
            free(buf);
            return -1;
        }
    }
    PS->produced++;
    __atomic_add_fetch(&S->produced, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&S->producer_bytes, size, __ATOMIC_RELAXED);
    return 0;
}

static int run_producer(void)
{
    /* In a deployment producers have hosts of their own; here they share
     * 2 cores with 64 ranks, and must not take the ranks' CPU at a step
     * boundary, when all 64 wake at once (docs/workloads.md). */
    if (setpriority(PRIO_PROCESS, 0, WL_PRODUCER_NICE))
        fprintf(stderr, "worker producer %ld: setpriority: %s\n", opt.index, strerror(errno));
    char errstr[512];
    rd_kafka_conf_t *c = base_conf();
    rd_kafka_conf_set_dr_msg_cb(c, dr_cb);
    P_rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr);
    if (!P_rk)
        die(NULL, "rd_kafka_new: %s", errstr);
    PS = &S->prods[opt.index];
    PS->pid = (int32_t)getpid();
    PS->first_delivery_ns = 0;
    PS->started_ns = wl_now_ns();
#ifdef LS_WORKER_RDKAFKA
    if (!(F_done = calloc((size_t)1 << P_FRONTIER_BITS, 1)))
        die(NULL, "out of memory");
#endif
    Q.next_claim = Q.next_append = PS->resume_seq = resume_seq();
    fprintf(stderr, "worker producer %ld: pid %d resumes at sequence %llu\n", opt.index,
            (int)getpid(), (unsigned long long)Q.next_append);
    uint32_t n = W.producer_workers;
    Q.ring = n * P_RING_PER_WORKER;
    if (!(Q.slots = calloc(Q.ring, sizeof *Q.slots)))
        die(NULL, "out of memory");
    pthread_t th[WL_WORKERS_MAX];
    for (uint32_t i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, producer_worker, NULL))
            die(NULL, "pthread_create");
    uint64_t last_save = 0, last_txn = wl_now_ns(), produced_next = Q.next_append;
    for (;;) {
        pthread_mutex_lock(&Q.mu);
        struct pslot *sl = &Q.slots[Q.next_append % Q.ring];
        int ready = sl->ready && sl->seq == Q.next_append;
        uint8_t *buf = sl->buf;
        size_t size = sl->size;
        uint64_t seq = Q.next_append;
        if (ready) {
            sl->ready = 0;
            sl->buf = NULL;
            Q.next_append++;
            pthread_cond_broadcast(&Q.space_cv);
        } else if (!S->stop)
            cond_wait_ms(&Q.ready_cv, &Q.mu, 5);  /* then serve delivery reports */
        pthread_mutex_unlock(&Q.mu);
        if (ready && produce_one(seq, buf, size))
            break;
        if (ready)
            produced_next = seq + 1;
        if (!ready && S->stop)
            break;  /* what is ready in order has been produced */
        rd_kafka_poll(P_rk, 0);
#ifdef LS_WORKER_RDKAFKA
        uint64_t now = wl_now_ns();
        if (opt.eos) {
            if (now - last_txn >= (uint64_t)opt.txn_ms * 1000000u) {
                txn_commit(P_rk, opt.pos_topic, (int32_t)opt.index, produced_next, 0);
                last_txn = wl_now_ns();
            }
        } else if (now - last_save >= P_POS_SAVE_NS) {
            save_frontier();
            last_save = now;
        }
#else
        (void)last_save;
        (void)last_txn;
#endif
    }
    for (uint32_t i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    for (uint32_t i = 0; i < Q.ring; i++)
        free(Q.slots[i].buf);
#ifdef LS_WORKER_RDKAFKA
    if (opt.eos)
        txn_commit(P_rk, opt.pos_topic, (int32_t)opt.index, produced_next, 1);
    else {
        rd_kafka_flush(P_rk, 10000);
        save_frontier();
    }
#else
    (void)produced_next;
    rd_kafka_flush(P_rk, 10000);
#endif
    rd_kafka_destroy(P_rk);
    return 0;
}

/* ---- ranks ----
 *
 * A rank reads its B/W samples of a step, records their indices as
 * (step, index) pairs in DIR/rank-R.seen and its wait in rank-R.waits,
 * "trains" (sleeps step.time.ms) and meets the others at the barrier.
 * Every checkpoint.every.steps steps it commits its position before the
 * barrier, so the job's checkpoint step is committed by every rank.  When
 * the job rolls back (a rank restart), every rank seeks to the rollback
 * step and reads from there. */

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
        die(NULL, "%s: %s", p, strerror(errno));
    return o;
}

static void record_step(rank_out *o, uint64_t step, const uint64_t *idx, uint32_t m,
                        uint64_t wait_ns)
{
    for (uint32_t i = 0; i < m; i++) {
        uint64_t rec[2] = {step, idx[i]};
        fwrite(rec, sizeof rec, 1, o->seen);
    }
    fflush(o->seen);  /* a kill -9 must not lose steps already trained */
    uint32_t us = (uint32_t)(wait_ns / 1000u);
    fwrite(&us, sizeof us, 1, o->waits);
    fflush(o->waits);
    S->ranks[opt.rank].wait_ns_total += wait_ns;
}

/* What differs between a data-plane rank and a colocated one, around the
 * step they share (train_step). */
typedef struct step_ops {
    /* The step's sample indices into idx[0..m): runs inside the GPU step,
     * as a trainer's host-side work on a batch overlaps the GPU's. */
    void (*batch)(void *arg, uint64_t step, uint64_t *idx);
    /* The rank's position `step` is the job's checkpoint. */
    void (*checkpoint)(void *arg, uint64_t step);
    void *arg;
} step_ops;

/* A step whose m samples are in, after waiting wait_ns for them: "train"
 * for step.time.ms, with the batch work (the harness's own check of every
 * sample) and the step's record inside it, so the work is charged to the
 * step only where it overruns it; commit the checkpoint every
 * checkpoint.every.steps steps; meet the others at the all-reduce.
 * Returns wl_barrier's result. */
static int train_step(rank_out *o, const step_ops *ops, uint64_t step, uint32_t m,
                      uint64_t wait_ns, uint32_t epoch, uint64_t *idx)
{
    uint64_t gpu0 = wl_now_ns(), gpu_ns = (uint64_t)(W.step_time_ms * 1e6);
    /* Half-way, when the 64 ranks sharing this machine's cores are not all
     * waking at once: a rank on its own host would do it at once. */
    wl_sleep_ns(gpu_ns / 2);
    ops->batch(ops->arg, step, idx);
    record_step(o, step, idx, m, wait_ns);
    uint64_t spent = wl_now_ns() - gpu0;
    if (spent < gpu_ns)
        wl_sleep_ns(gpu_ns - spent);
    if ((step + 1) % W.checkpoint_every_steps == 0)
        ops->checkpoint(ops->arg, step + 1);
    return wl_barrier(S, epoch);
}

/* After train_step (or a rollback seen while waiting, rc 1): the step the
 * rank goes on with.  -1: the run stopped; 0: the next step; 1: the job
 * rolled back to S->rollback_step, *epoch is the new one. */
static int next_step(wl_rank_stat *rs, int rc, uint64_t *step, uint32_t *epoch, int *resumed)
{
    if (rc < 0)
        return -1;
    if (rc == 0) {
        (*step)++;
        rs->steps++;
        if (rs->restarts && !*resumed) {
            rs->resumed_ns = wl_now_ns();
            *resumed = 1;
        }
        return 0;
    }
    *epoch = S->epoch;
    *step = S->rollback_step;
    return 1;
}

static void seek_to(rd_kafka_t *rk, uint64_t offset)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, opt.topic, (int32_t)opt.rank)->offset =
        (int64_t)offset;
    if (rd_kafka_assign(rk, l))
        die(NULL, "assign at offset %llu: %s", (unsigned long long)offset,
            rd_kafka_err2str(rd_kafka_last_error()));
    rd_kafka_topic_partition_list_destroy(l);
}

static void commit_at(rd_kafka_t *rk, uint64_t step, uint64_t offset)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, opt.topic, (int32_t)opt.rank)->offset =
        (int64_t)offset;
    rd_kafka_resp_err_t err = rd_kafka_commit(rk, l, 0);
    rd_kafka_topic_partition_list_destroy(l);
    if (err)
        fprintf(stderr, "worker rank %ld: commit at step %llu: %s\n", opt.rank,
                (unsigned long long)step, rd_kafka_err2str(err));
    else {
        S->ranks[opt.rank].ckpt_offset = offset;
        S->ranks[opt.rank].ckpt_step = step;
    }
}

typedef struct rank_batch {
    rd_kafka_t *rk;
    rd_kafka_message_t **msgs;   /* the step's m messages, in offset order */
    wl_rank_stat *rs;
    const uint64_t *next_offset; /* the offset after the step's last message */
} rank_batch;

static void rank_batch_check(void *arg, uint64_t step, uint64_t *idx)
{
    rank_batch *b = arg;
    uint32_t m = W.global_batch / W.world_size;
    (void)step;
    for (uint32_t i = 0; i < m; i++) {
        rd_kafka_message_t *msg = b->msgs[i];
        if (wl_sample_check(msg->payload, msg->len, &idx[i])) {
            b->rs->bad_samples++;
            idx[i] = UINT64_MAX;
        } else {
            b->rs->samples++;
            b->rs->bytes += msg->len;
        }
        rd_kafka_message_destroy(msg);
        b->msgs[i] = NULL;
    }
}

static void rank_checkpoint(void *arg, uint64_t step)
{
    rank_batch *b = arg;
    commit_at(b->rk, step, *b->next_offset);
}

/* Where step `step` starts in the rank's partition: the offset committed
 * with it if it is the rank's checkpoint, else step * B/W (offsets are
 * sample numbers when there are no transactions; with --eos the commit
 * markers take offsets too, and a rollback goes to a checkpoint). */
static uint64_t step_offset(const wl_rank_stat *rs, uint64_t step)
{
    if (step && rs->ckpt_step == step && rs->ckpt_offset)
        return rs->ckpt_offset;
    return step * (W.global_batch / W.world_size);
}

static void drop_msgs(rd_kafka_message_t **msgs, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        rd_kafka_message_destroy(msgs[i]);
}

static int run_rank(void)
{
    char errstr[512];
    rd_kafka_conf_t *c = base_conf();
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, errstr, sizeof errstr);
    if (!rk)
        die(NULL, "rd_kafka_new: %s", errstr);
    wl_rank_stat *rs = &S->ranks[opt.rank];
    uint32_t m = W.global_batch / W.world_size, epoch = S->epoch;
    uint64_t step = S->rollback_step;  /* 0, or the job's checkpoint after a restart */
    if (rs->restarts) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, opt.topic, (int32_t)opt.rank);
        if (!rd_kafka_committed(rk, l, 10000))
            fprintf(stderr, "worker rank %ld: restarted; committed offset %lld, the job "
                    "resumes at step %llu (offset %llu)\n", opt.rank,
                    (long long)l->elems[0].offset, (unsigned long long)step,
                    (unsigned long long)step_offset(rs, step));
        rd_kafka_topic_partition_list_destroy(l);
    }
    uint64_t expected = step_offset(rs, step);
    seek_to(rk, expected);
    rank_out o = open_out();
    uint64_t *idx = calloc(m, sizeof *idx);
    rank_batch b = {rk, calloc(m, sizeof *b.msgs), rs, &expected};
    if (!idx || !b.msgs)
        die(NULL, "out of memory");
    step_ops ops = {rank_batch_check, rank_checkpoint, &b};
    int resumed = 0;
    while (!S->stop) {
        uint64_t t0 = wl_now_ns();
        uint32_t got = 0;
        while (got < m && !S->stop && S->epoch == epoch) {
            rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100);
            if (!msg)
                continue;
            if (msg->err) {
                if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    fprintf(stderr, "worker rank %ld: %s\n", opt.rank,
                            rd_kafka_message_errstr(msg));
            } else if ((uint64_t)msg->offset >= expected) {  /* lower: before a seek */
                /* The broker no longer has them; with --eos, commit markers
                 * and aborted messages are not read and leave gaps too. */
                if ((uint64_t)msg->offset > expected && !opt.eos)
                    rs->offset_gaps += (uint64_t)msg->offset - expected;
                expected = (uint64_t)msg->offset + 1;
                b.msgs[got++] = msg;
                continue;
            }
            rd_kafka_message_destroy(msg);
        }
        int rc = 1;
        if (got == m && S->epoch == epoch)
            rc = train_step(&o, &ops, step, m, wl_now_ns() - t0, epoch, idx);
        else {
            drop_msgs(b.msgs, got);
            if (S->stop)
                break;
        }
        rc = next_step(rs, rc, &step, &epoch, &resumed);
        if (rc < 0)
            break;
        if (rc > 0) {  /* rolled back: the job resumes at its checkpoint */
            expected = step_offset(rs, step);
            seek_to(rk, expected);
        }
    }
    free(b.msgs);
    free(idx);
    fclose(o.waits);
    fclose(o.seen);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}

/* ---- colocated rank: its own samples, a prefetching worker pool ----
 *
 * SIGUSR1 kills the pool (--inject producer-kill): the rank then fails as
 * PyTorch's DataLoader does when a worker dies ("DataLoader worker exited
 * unexpectedly"), and the job restarts from its checkpoint. */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t next_item;      /* next (step * m + i) to prepare */
    uint64_t cur_step;       /* the step the rank waits for */
    uint32_t *done;          /* per ring slot: samples ready */
    uint64_t *slot_step;
    uint32_t depth;
    uint32_t gen;            /* bumped by a rollback: older work is dropped */
} C = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
static volatile sig_atomic_t C_pool_killed;

static void on_usr1(int sig)
{
    (void)sig;
    C_pool_killed = 1;
}

static void colocated_reset(uint64_t step)
{
    C.gen++;
    C.next_item = step * (W.global_batch / W.world_size);
    C.cur_step = step;
    for (uint32_t i = 0; i < C.depth; i++) {
        C.slot_step[i] = UINT64_MAX;
        C.done[i] = 0;
    }
}

static void *colocated_worker(void *arg)
{
    (void)arg;
    uint32_t m = W.global_batch / W.world_size;
    pthread_mutex_lock(&C.mu);
    while (!S->stop && !C_pool_killed) {
        uint64_t item = C.next_item, step = item / m;
        if (step >= C.cur_step + C.depth) {  /* prefetch window full */
            cond_wait_ms(&C.cv, &C.mu, 50);
            continue;
        }
        C.next_item++;
        uint32_t gen = C.gen;
        pthread_mutex_unlock(&C.mu);
        uint64_t idx = step * W.global_batch + (uint64_t)opt.rank * m + item % m;
        size_t size = wl_sample_size(&W, idx);
        uint8_t *buf = malloc(size);
        if (!buf)
            die(NULL, "out of memory");
        wl_sample_fill(&W, idx, buf, size);
        wl_preprocess(&W, buf, size);
        free(buf);
        pthread_mutex_lock(&C.mu);
        if (gen != C.gen || C_pool_killed)
            continue;
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

static void colocated_batch(void *arg, uint64_t step, uint64_t *idx)
{
    wl_rank_stat *rs = arg;
    uint32_t m = W.global_batch / W.world_size;
    for (uint32_t i = 0; i < m; i++) {
        idx[i] = step * W.global_batch + (uint64_t)opt.rank * m + i;
        rs->samples++;
        rs->bytes += wl_sample_size(&W, idx[i]);
    }
}

static void colocated_checkpoint(void *arg, uint64_t step)
{
    ((wl_rank_stat *)arg)->ckpt_step = step;  /* its position is the step itself */
}

static int run_colocated(void)
{
    uint32_t m = W.global_batch / W.world_size, epoch = S->epoch;
    signal(SIGUSR1, on_usr1);
    C.depth = (uint32_t)(opt.prefetch > 0 ? opt.prefetch : 1);
    C.done = calloc(C.depth, sizeof *C.done);
    C.slot_step = calloc(C.depth, sizeof *C.slot_step);
    uint64_t step = S->rollback_step;
    colocated_reset(step);
    pthread_t th[WL_WORKERS_MAX];
    for (uint32_t i = 0; i < W.colocated_workers; i++)
        if (pthread_create(&th[i], NULL, colocated_worker, NULL))
            die(NULL, "pthread_create");
    rank_out o = open_out();
    wl_rank_stat *rs = &S->ranks[opt.rank];
    uint64_t *idx = calloc(m, sizeof *idx);
    if (!idx)
        die(NULL, "out of memory");
    step_ops ops = {colocated_batch, colocated_checkpoint, rs};
    int resumed = 0, failed = 0;
    while (!S->stop) {
        uint64_t t0 = wl_now_ns();
        pthread_mutex_lock(&C.mu);
        uint32_t slot = (uint32_t)(step % C.depth);
        while (!S->stop && S->epoch == epoch && !C_pool_killed &&
               !(C.slot_step[slot] == step && C.done[slot] == m)) {
            cond_wait_ms(&C.cv, &C.mu, 50);
        }
        int ready = C.slot_step[slot] == step && C.done[slot] == m;
        if (ready) {
            C.cur_step = step + 1;  /* frees the slot for step + depth */
            pthread_cond_broadcast(&C.cv);
        }
        pthread_mutex_unlock(&C.mu);
        if (S->stop)
            break;
        if (C_pool_killed) {
            fprintf(stderr, "worker colocated %ld: the loader's worker pool died; the rank "
                    "fails, as PyTorch's DataLoader does\n", opt.rank);
            failed = 1;
            break;
        }
        int rc = 1;
        if (ready && S->epoch == epoch)
            rc = train_step(&o, &ops, step, m, wl_now_ns() - t0, epoch, idx);
        rc = next_step(rs, rc, &step, &epoch, &resumed);
        if (rc < 0)
            break;
        if (rc > 0) {
            pthread_mutex_lock(&C.mu);
            colocated_reset(step);
            pthread_mutex_unlock(&C.mu);
        }
    }
    pthread_mutex_lock(&C.mu);
    pthread_cond_broadcast(&C.cv);
    pthread_mutex_unlock(&C.mu);
    for (uint32_t i = 0; i < W.colocated_workers; i++)
        pthread_join(th[i], NULL);
    free(idx);
    fclose(o.waits);
    fclose(o.seen);
    return failed ? 3 : 0;
}

#ifdef LS_WORKER_RDKAFKA
static int run_mock(void)
{
    char errstr[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr);
    if (!rk)
        die(NULL, "rd_kafka_new: %s", errstr);
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 3);
    if (!mc)
        die(NULL, "rd_kafka_mock_cluster_new failed");
    if (rd_kafka_mock_topic_create(mc, opt.topic ? opt.topic : "samples",
                                   (int)opt.partitions, 1))
        die(NULL, "mock topic create failed");
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

enum { OPT_SHM = 256, OPT_WORKLOAD, OPT_BOOTSTRAP, OPT_TOPIC, OPT_OUT, OPT_INDEX, OPT_RANK,
       OPT_LEAD, OPT_PREFETCH, OPT_PARTITIONS, OPT_EOS, OPT_POS_TOPIC, OPT_TXN_MS };

static const struct option options[] = {
    { "shm", required_argument, NULL, OPT_SHM },
    { "workload", required_argument, NULL, OPT_WORKLOAD },
    { "bootstrap", required_argument, NULL, OPT_BOOTSTRAP },
    { "topic", required_argument, NULL, OPT_TOPIC },
    { "out", required_argument, NULL, OPT_OUT },
    { "index", required_argument, NULL, OPT_INDEX },
    { "rank", required_argument, NULL, OPT_RANK },
    { "lead", required_argument, NULL, OPT_LEAD },
    { "prefetch", required_argument, NULL, OPT_PREFETCH },
    { "partitions", required_argument, NULL, OPT_PARTITIONS },
    { "eos", no_argument, NULL, OPT_EOS },
    { "pos-topic", required_argument, NULL, OPT_POS_TOPIC },
    { "txn-ms", required_argument, NULL, OPT_TXN_MS },
    { "property", required_argument, NULL, 'X' },   /* -X name=value */
    { 0 }
};

static void parse_args(int argc, char **argv)
{
    static char prog[64];
    if (argc < 2)
        die_status(DIE_USAGE_STATUS, "worker", "usage: worker producer|rank|colocated|mock "
                   "OPTIONS (harness/worker.c)");
    opt.role = argv[1];
    snprintf(prog, sizeof prog, "worker %s", opt.role);
    die_prog(prog);
    args a = { .argc = argc - 1, .argv = argv + 1, .opts = options,
               .usage_status = DIE_USAGE_STATUS };
    for (int c; (c = args_next(&a)) != -1;)
        switch (c) {
        case OPT_SHM: opt.shm = optarg; break;
        case OPT_WORKLOAD: opt.workload = optarg; break;
        case OPT_BOOTSTRAP: opt.bootstrap = optarg; break;
        case OPT_TOPIC: opt.topic = optarg; break;
        case OPT_OUT: opt.out = optarg; break;
        case OPT_INDEX: opt.index = (long)args_uint(&a, optarg, 0, WORKER_NUM_MAX); break;
        case OPT_RANK: opt.rank = (long)args_uint(&a, optarg, 0, WORKER_NUM_MAX); break;
        case OPT_LEAD: opt.lead = (long)args_uint(&a, optarg, 0, WORKER_NUM_MAX); break;
        case OPT_PREFETCH: opt.prefetch = (long)args_uint(&a, optarg, 0, WORKER_NUM_MAX); break;
        case OPT_EOS: opt.eos = 1; break;
        case OPT_POS_TOPIC: opt.pos_topic = optarg; break;
        case OPT_TXN_MS: opt.txn_ms = (long)args_uint(&a, optarg, 1, 3600000); break;
        case OPT_PARTITIONS:
            opt.partitions = (long)args_uint(&a, optarg, 1, WORKER_NUM_MAX);
            break;
        case 'X': {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg)
                args_bad(&a, optarg, "expected name=value");
            if (opt.nx == XPROPS_MAX)
                args_bad(&a, optarg, "more than %d properties", XPROPS_MAX);
            *eq = '\0';
            opt.xname[opt.nx] = optarg;
            opt.xvalue[opt.nx++] = eq + 1;
            break;
        }
        default:   /* ARGS_WORD */
            args_bad(&a, optarg, "unexpected word");
        }
}

int main(int argc, char **argv)
{
    if (argc > 1 && worker_flood_role(argv[1]))
        return worker_flood_main(argc, argv);   /* kafka-ingest's roles, and topic */
    parse_args(argc, argv);
#ifdef LS_WORKER_RDKAFKA
    if (!strcmp(opt.role, "mock"))
        return run_mock();
#endif
    char err[512];
    if (!opt.workload || wl_load(opt.workload, &W, err, sizeof err))
        die(NULL, "%s", opt.workload ? err : "--workload is required");
    if (!opt.shm || !(S = wl_shm_open(opt.shm)))
        die(NULL, "--shm %s: cannot map the run state", opt.shm ? opt.shm : "(none)");
    if (W.world_size != S->world)
        die(NULL, "world size %u, run state %u", W.world_size, S->world);
#ifndef LS_WORKER_RDKAFKA
    if (opt.eos)
        die(NULL, "--eos is Kafka's exactly-once (the kafka build); the lakestream plane "
                  "commits each producer's source position with its samples");
#endif
    if (!strcmp(opt.role, "producer") && opt.eos && (!opt.pos_topic || !opt.txn_ms))
        die(NULL, "--eos needs --pos-topic and --txn-ms");
    if (!strcmp(opt.role, "producer")) {
        if (opt.index < 0 || opt.index >= (long)W.producers || !opt.bootstrap || !opt.topic ||
            !opt.out)
            die(NULL, "producer needs --index (0..%u), --bootstrap, --topic, --out", W.producers - 1);
        return run_producer();
    }
    if (opt.rank < 0 || opt.rank >= (long)W.world_size || !opt.out)
        die(NULL, "%s needs --rank (0..%u) and --out", opt.role, W.world_size - 1);
    S->ranks[opt.rank].pid = (int32_t)getpid();
    if (!strcmp(opt.role, "rank")) {
        if (!opt.bootstrap || !opt.topic)
            die(NULL, "rank needs --bootstrap and --topic");
        return run_rank();
    }
    if (!strcmp(opt.role, "colocated"))
        return run_colocated();
    die(NULL, "unknown role %s", opt.role);
}
