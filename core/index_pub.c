/*
 * index_pub.c -- a producer's index publisher: one thread that puts the
 * step and group indexes its commits build (step_index.c, step_group.c),
 * so that the commit path does not wait for them (docs/protocol.md "Step
 * index").  The indexes are built in the commit path, from the state and
 * records as they are then; only the store calls move here.
 *
 * Measured before it (docs/benchmarks.md, "Ingest and the step indexes"):
 * at 4 KiB samples and B = 1024 a commit completes about 14 steps, and
 * their puts, small writes behind the producer's own chunk writeback, took
 * 11 % of the ingest time in the commit path.
 *
 * Items are put in order, each with the store's retries; one that exists
 * is read back and compared (a difference is counted, never overwritten),
 * as ls_step_index_put does.  A queue over LS_INDEX_PUB_BYTES_MAX makes
 * the next commit wait.  Best effort, like the synchronous puts: a reader
 * that misses an index builds it from the log.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

typedef struct pub_item {
    char       *key;
    ls_bytes    b;
    const char *what;
} pub_item;

struct ls_index_pub {
    ls_store       *st;
    unsigned        retries;
    pthread_mutex_t mu;
    pthread_cond_t  cv;           /* an item queued, or stop */
    pthread_cond_t  room;         /* the queue shrank */
    pub_item       *q;            /* ring of cap items from head */
    size_t          head, n, cap, bytes;
    int             busy, stop;
    pthread_t       thr;
    ls_index_stats  stats;        /* under mu */
    uint64_t        requests;     /* under mu */
};

static int put_one(ls_index_pub *ip, const pub_item *it, uint64_t *reqs, ls_index_stats *s)
{
    unsigned backoff_ms = 1;
    int rc = LS_OK;
    for (unsigned attempt = 0;; attempt++) {
        (*reqs)++;
        rc = ls_store_put_if_absent(ip->st, it->key, it->b.data, it->b.len);
        if (rc == LS_OK)
            s->written++;
        if (!ls_err_is_retriable(rc) || attempt >= ip->retries)
            break;
        ls_backoff(&backoff_ms, LS_RETRY_BACKOFF_MS_MAX);
    }
    if (rc == LS_ERR_EXISTS) {
        uint8_t *got = NULL;
        size_t len = 0;
        (*reqs)++;
        rc = ls_store_get(ip->st, it->key, 0, (uint64_t)it->b.len + 1, &got, &len);
        if (rc == LS_OK && (len != it->b.len || memcmp(got, it->b.data, len)))
            s->mismatches++;
        free(got);
    }
    return rc;
}

static void *pub_main(void *arg)
{
    ls_index_pub *ip = arg;
    pthread_mutex_lock(&ip->mu);
    for (;;) {
        while (!ip->n && !ip->stop)
            pthread_cond_wait(&ip->cv, &ip->mu);
        if (!ip->n)
            break;                       /* stop, and nothing left */
        pub_item it = ip->q[ip->head];
        ip->head = (ip->head + 1) % ip->cap;
        ip->n--;
        ip->busy = 1;
        pthread_mutex_unlock(&ip->mu);

        uint64_t reqs = 0;
        ls_index_stats s = { 0 };
        (void)put_one(ip, &it, &reqs, &s);
        size_t len = it.b.len;
        free(it.key);
        ls_bytes_free(&it.b);

        pthread_mutex_lock(&ip->mu);
        ip->busy = 0;
        ip->bytes -= len;
        ip->requests += reqs;
        ip->stats.written += s.written;
        ip->stats.mismatches += s.mismatches;
        pthread_cond_broadcast(&ip->room);
    }
    pthread_mutex_unlock(&ip->mu);
    return NULL;
}

int ls_index_pub_start(ls_table *t)
{
    if (t->pub)
        return LS_OK;
    ls_index_pub *ip = calloc(1, sizeof(*ip));
    if (!ip)
        return ls_seterr(LS_ERR_NOMEM, "index publisher");
    ip->st = t->st;
    ip->retries = (unsigned)ls_conf_int(t->conf, "store.retries");
    ip->cap = 64;
    if (!(ip->q = calloc(ip->cap, sizeof(pub_item)))) {
        free(ip);
        return ls_seterr(LS_ERR_NOMEM, "index publisher");
    }
    pthread_mutex_init(&ip->mu, NULL);
    pthread_cond_init(&ip->cv, NULL);
    pthread_cond_init(&ip->room, NULL);
    if (pthread_create(&ip->thr, NULL, pub_main, ip) != 0) {
        pthread_cond_destroy(&ip->room);
        pthread_cond_destroy(&ip->cv);
        pthread_mutex_destroy(&ip->mu);
        free(ip->q);
        free(ip);
        return ls_seterr(LS_ERR_NOMEM, "cannot start the index publisher thread");
    }
    t->pub = ip;
    return LS_OK;
}

int ls_index_pub_put(ls_table *t, const char *key, ls_bytes *b, const char *what)
{
    ls_index_pub *ip = t->pub;
    if (!ip)
        return ls_step_index_put(t, key, b, what);
    char *k = strdup(key);
    if (!k)
        return ls_seterr(LS_ERR_NOMEM, "index publisher");
    pthread_mutex_lock(&ip->mu);
    while (ip->n && ip->bytes + b->len > LS_INDEX_PUB_BYTES_MAX)
        pthread_cond_wait(&ip->room, &ip->mu);
    if (ip->n == ip->cap) {
        pub_item *q = malloc(2 * ip->cap * sizeof(pub_item));
        if (!q) {
            pthread_mutex_unlock(&ip->mu);
            free(k);
            return ls_seterr(LS_ERR_NOMEM, "index publisher");
        }
        for (size_t i = 0; i < ip->n; i++)
            q[i] = ip->q[(ip->head + i) % ip->cap];
        free(ip->q);
        ip->q = q;
        ip->head = 0;
        ip->cap *= 2;
    }
    ip->q[(ip->head + ip->n) % ip->cap] = (pub_item){ .key = k, .b = *b, .what = what };
    ip->n++;
    ip->bytes += b->len;
    memset(b, 0, sizeof(*b));          /* the publisher owns the bytes now */
    pthread_cond_signal(&ip->cv);
    pthread_mutex_unlock(&ip->mu);
    return LS_OK;
}

void ls_index_pub_drain(ls_table *t)
{
    ls_index_pub *ip = t->pub;
    if (!ip)
        return;
    pthread_mutex_lock(&ip->mu);
    while (ip->n || ip->busy)
        pthread_cond_wait(&ip->room, &ip->mu);
    t->index.written += ip->stats.written;
    t->index.mismatches += ip->stats.mismatches;
    t->meta.requests += ip->requests;
    memset(&ip->stats, 0, sizeof(ip->stats));
    ip->requests = 0;
    pthread_mutex_unlock(&ip->mu);
}

void ls_index_pub_stop(ls_table *t)
{
    ls_index_pub *ip = t->pub;
    if (!ip)
        return;
    ls_index_pub_drain(t);
    pthread_mutex_lock(&ip->mu);
    ip->stop = 1;
    pthread_cond_signal(&ip->cv);
    pthread_mutex_unlock(&ip->mu);
    pthread_join(ip->thr, NULL);
    pthread_cond_destroy(&ip->room);
    pthread_cond_destroy(&ip->cv);
    pthread_mutex_destroy(&ip->mu);
    free(ip->q);
    free(ip);
    t->pub = NULL;
}
