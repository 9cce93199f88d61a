/*
 * queue.c -- librdkafka's queues over the shim (docs/kafka-shim.md,
 * "Queues and events").
 *
 * A queue holds events pushed to it (admin results, commit results, log
 * lines) and, depending on its kind, makes events on poll from the
 * handle's sources: the main queue from delivered messages, errors and
 * statistics (event.c); the consumer queue from the assignment; a queue
 * that legacy partitions were started on from those partitions
 * (legacy.c).  The background queue is drained by a thread that calls
 * background_event_cb.  Forwarding (rd_kafka_queue_forward) sends pushed
 * events on, and makes the destination poll the source's sources.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shim_int.h"

rd_kafka_event_t *shim_event_new(rd_kafka_t *rk, rd_kafka_event_type_t type)
{
    rd_kafka_event_t *ev = calloc(1, sizeof *ev);
    if (ev) {
        ev->rk = rk;
        ev->type = type;
    }
    return ev;
}

void shim_event_free(rd_kafka_event_t *ev)
{
    if (!ev)
        return;
    for (size_t i = 0; i < ev->nmsgs; i++)
        shim_msg_free(ev->msgs[i]);
    free(ev->msgs);
    free(ev->errstr);
    free(ev->str);
    rd_kafka_topic_partition_list_destroy(ev->parts);
    if (ev->result_free)
        ev->result_free(ev->result);
    free(ev);
}

rd_kafka_queue_t *shim_queue_create(rd_kafka_t *rk, int kind)
{
    rd_kafka_queue_t *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->rk = rk;
    q->kind = kind;
    q->refcnt = 1;
    q->io_fd = -1;
    q->partition = RD_KAFKA_PARTITION_UA;
    pthread_mutex_init(&q->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cond, &ca);
    pthread_condattr_destroy(&ca);
    return q;
}

static void queue_ref(rd_kafka_queue_t *q)
{
    __atomic_add_fetch(&q->refcnt, 1, __ATOMIC_RELAXED);
}

static void queue_unref(rd_kafka_queue_t *q)
{
    if (!q || __atomic_sub_fetch(&q->refcnt, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    rd_kafka_event_t *ev = q->head;
    while (ev) {
        rd_kafka_event_t *next = ev->next;
        shim_event_free(ev);
        ev = next;
    }
    queue_unref(q->fwd);
    free(q->topic);
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

void shim_queue_push(rd_kafka_queue_t *q, rd_kafka_event_t *ev)
{
    if (!ev)
        return;
    if (!q) {
        shim_event_free(ev);
        return;
    }
    pthread_mutex_lock(&q->lock);
    while (q->fwd) {  /* a chain, not a loop: rd_kafka_queue_forward refuses loops */
        rd_kafka_queue_t *next = q->fwd;
        pthread_mutex_unlock(&q->lock);
        q = next;
        pthread_mutex_lock(&q->lock);
    }
    if (q->len >= SHIM_QUEUE_EVENTS_MAX) {
        q->dropped++;
        pthread_mutex_unlock(&q->lock);
        shim_event_free(ev);
        return;
    }
    ev->next = NULL;
    if (q->tail)
        q->tail->next = ev;
    else
        q->head = ev;
    q->tail = ev;
    int wake_io = q->len++ == 0 && q->io_fd >= 0;
    void (*cb)(rd_kafka_t *, void *) = q->cb;
    void *cb_opaque = q->cb_opaque;
    pthread_cond_broadcast(&q->cond);
    if (wake_io) {
        ssize_t w = write(q->io_fd, q->io_payload, q->io_size);
        (void)w;  /* a full pipe already wakes the application */
    }
    pthread_mutex_unlock(&q->lock);
    if (cb)
        cb(q->rk, cb_opaque);
}

/* q->lock held: wait until q holds a pushed event or timeout_ms (-1:
 * forever, 0: not at all) has passed. */
static void wait_locked(rd_kafka_queue_t *q, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    if (timeout_ms > 0) {
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    while (!q->head && timeout_ms != 0) {
        int rc = timeout_ms < 0 ? pthread_cond_wait(&q->cond, &q->lock)
                                : pthread_cond_timedwait(&q->cond, &q->lock, &until);
        if (rc == ETIMEDOUT)
            break;
    }
}

/* Pushed events only; waits until timeout_ms (-1: forever). */
rd_kafka_event_t *shim_queue_pop(rd_kafka_queue_t *q, int timeout_ms)
{
    pthread_mutex_lock(&q->lock);
    wait_locked(q, timeout_ms);
    rd_kafka_event_t *ev = q->head;
    if (ev) {
        q->head = ev->next;
        if (!q->head)
            q->tail = NULL;
        q->len--;
        ev->next = NULL;
    }
    pthread_mutex_unlock(&q->lock);
    return ev;
}

int shim_queue_wait(rd_kafka_queue_t *q, int timeout_ms)
{
    pthread_mutex_lock(&q->lock);
    wait_locked(q, timeout_ms);
    int ready = q->head != NULL;
    pthread_mutex_unlock(&q->lock);
    return ready;
}

/* ---- the background thread ---- */

static void *background_main(void *arg)
{
    rd_kafka_t *rk = arg;
    while (!__atomic_load_n(&rk->bg_stop, __ATOMIC_ACQUIRE)) {
        rd_kafka_event_t *ev = shim_queue_pop(rk->backgroundq, 100);
        if (!ev)
            continue;
        if (rk->conf->background_event_cb)
            rk->conf->background_event_cb(rk, ev, rk->conf->opaque);  /* it destroys ev */
        else
            shim_event_free(ev);
    }
    return NULL;
}

/* Lock held.  Starts the thread once; 0 if running. */
static int background_start(rd_kafka_t *rk)
{
    if (rk->bg_running)
        return 0;
    if (pthread_create(&rk->bg_thread, NULL, background_main, rk))
        return -1;
    rk->bg_running = 1;
    return 0;
}

int shim_queues_init(rd_kafka_t *rk)
{
    rk->mainq = shim_queue_create(rk, SHIM_Q_MAIN);
    rk->consumerq = shim_queue_create(rk, SHIM_Q_CONSUMER);
    rk->backgroundq = shim_queue_create(rk, SHIM_Q_BACKGROUND);
    if (!rk->mainq || !rk->consumerq || !rk->backgroundq)
        return -1;
    if (rk->conf->background_event_cb) {
        pthread_mutex_lock(&rk->lock);
        int rc = background_start(rk);
        pthread_mutex_unlock(&rk->lock);
        return rc;
    }
    return 0;
}

void shim_queues_destroy(rd_kafka_t *rk)
{
    if (rk->bg_running) {
        __atomic_store_n(&rk->bg_stop, 1, __ATOMIC_RELEASE);
        pthread_mutex_lock(&rk->backgroundq->lock);
        pthread_cond_broadcast(&rk->backgroundq->cond);
        pthread_mutex_unlock(&rk->backgroundq->lock);
        pthread_join(rk->bg_thread, NULL);
        rk->bg_running = 0;
    }
    /* The application's references may outlive the handle's; a queue
     * polled after rd_kafka_destroy is the application's error, as in
     * librdkafka.  Sources are cut first. */
    rd_kafka_queue_t *qs[] = {rk->mainq, rk->consumerq, rk->backgroundq, rk->logq};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++)
        queue_unref(qs[i]);
    rk->mainq = rk->consumerq = rk->backgroundq = rk->logq = NULL;
}

/* ---- the public queue API ---- */

rd_kafka_queue_t *rd_kafka_queue_new(rd_kafka_t *rk)
{
    rd_kafka_queue_t *q = shim_queue_create(rk, SHIM_Q_USER);
    if (!q)
        shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    return q;
}

void rd_kafka_queue_destroy(rd_kafka_queue_t *rkqu)
{
    queue_unref(rkqu);
}

rd_kafka_queue_t *rd_kafka_queue_get_main(rd_kafka_t *rk)
{
    queue_ref(rk->mainq);
    return rk->mainq;
}

/* NULL for a producer handle, as librdkafka (no consumer group queue). */
rd_kafka_queue_t *rd_kafka_queue_get_consumer(rd_kafka_t *rk)
{
    if (rk->type != RD_KAFKA_CONSUMER)
        return NULL;
    queue_ref(rk->consumerq);
    return rk->consumerq;
}

rd_kafka_queue_t *rd_kafka_queue_get_background(rd_kafka_t *rk)
{
    pthread_mutex_lock(&rk->lock);
    int rc = background_start(rk);
    pthread_mutex_unlock(&rk->lock);
    if (rc) {
        shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "cannot start the background thread");
        return NULL;
    }
    queue_ref(rk->backgroundq);
    return rk->backgroundq;
}

/* The shim has no SASL: no SASL queue (librdkafka returns NULL too when
 * SASL callbacks are not enabled). */
rd_kafka_queue_t *rd_kafka_queue_get_sasl(rd_kafka_t *rk)
{
    (void)rk;
    shim_seterr(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED,
                "liblakestream-rdkafka: SASL is not implemented (docs/kafka-shim.md)");
    return NULL;
}

void rd_kafka_queue_forward(rd_kafka_queue_t *src, rd_kafka_queue_t *dst)
{
    for (rd_kafka_queue_t *q = dst; q; q = q->fwd)
        if (q == src)
            return;  /* a loop: refused (librdkafka would deadlock) */
    if (dst)
        queue_ref(dst);
    pthread_mutex_lock(&src->lock);
    rd_kafka_queue_t *old = src->fwd;
    src->fwd = dst;
    /* What waits on src moves on with the forwarding. */
    rd_kafka_event_t *ev = dst ? src->head : NULL;
    if (dst) {
        src->head = src->tail = NULL;
        src->len = 0;
    }
    pthread_mutex_unlock(&src->lock);
    queue_unref(old);
    while (ev) {
        rd_kafka_event_t *next = ev->next;
        shim_queue_push(dst, ev);
        ev = next;
    }
}

size_t rd_kafka_queue_length(rd_kafka_queue_t *rkqu)
{
    pthread_mutex_lock(&rkqu->lock);
    size_t n = rkqu->len;
    pthread_mutex_unlock(&rkqu->lock);
    return n;
}

void rd_kafka_queue_io_event_enable(rd_kafka_queue_t *rkqu, int fd, const void *payload,
                                    size_t size)
{
    pthread_mutex_lock(&rkqu->lock);
    rkqu->io_fd = fd;
    rkqu->io_size = size < sizeof rkqu->io_payload ? size : sizeof rkqu->io_payload;
    if (payload && rkqu->io_size)
        memcpy(rkqu->io_payload, payload, rkqu->io_size);
    pthread_mutex_unlock(&rkqu->lock);
}

void rd_kafka_queue_cb_event_enable(rd_kafka_queue_t *rkqu,
                                    void (*event_cb)(rd_kafka_t *rk, void *qev_opaque),
                                    void *qev_opaque)
{
    pthread_mutex_lock(&rkqu->lock);
    rkqu->cb = event_cb;
    rkqu->cb_opaque = qev_opaque;
    pthread_mutex_unlock(&rkqu->lock);
}

/* Wakes a rd_kafka_queue_poll waiting on rkqu. */
void rd_kafka_queue_yield(rd_kafka_queue_t *rkqu)
{
    pthread_mutex_lock(&rkqu->lock);
    pthread_cond_broadcast(&rkqu->cond);
    pthread_mutex_unlock(&rkqu->lock);
}

/* One event of q: pushed first, then made from q's sources and the
 * sources of the queues forwarded to it.  Waits up to timeout_ms. */
rd_kafka_event_t *rd_kafka_queue_poll(rd_kafka_queue_t *rkqu, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : shim_now_ms() + timeout_ms;
    for (;;) {
        rd_kafka_event_t *ev = shim_queue_pop(rkqu, 0);
        if (!ev)
            ev = shim_queue_make(rkqu);
        if (ev)
            return ev;
        int64_t now = shim_now_ms();
        if (now >= deadline)
            return NULL;
        int64_t wait = deadline - now;
        ev = shim_queue_pop(rkqu, (int)(wait < SHIM_POLL_SLEEP_MS_MAX ? wait
                                                                      : SHIM_POLL_SLEEP_MS_MAX));
        if (ev)
            return ev;
    }
}

/* Serve q's events through their callbacks (librdkafka's
 * rd_kafka_queue_poll_callback): events with no callback are dropped. */
int rd_kafka_queue_poll_callback(rd_kafka_queue_t *rkqu, int timeout_ms)
{
    int n = 0;
    for (rd_kafka_event_t *ev; (ev = rd_kafka_queue_poll(rkqu, n ? 0 : timeout_ms)); n++)
        shim_event_serve(ev);
    return n;
}
