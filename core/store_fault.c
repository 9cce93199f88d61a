/*
 * store_fault.c -- a store wrapping another to inject errors without side
 * effect, lost replies, latency and crashes (SQLite test_vfs.c style).
 * Each counted call takes its number and random draws under a mutex and
 * then runs unlocked, so a given order of calls replays exactly.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

typedef struct fault_store {
    ls_store      *inner;   /* owned */
    ls_fault_opts  opts;    /* replaced only by ls_store_fault_set */
    pthread_mutex_t lock;   /* guards opts, calls, injected, rng */
    uint64_t calls, injected, rng;
} fault_store;

/* What happens to one call, decided before it runs. */
typedef struct fault_plan {
    uint64_t no;         /* call number, 0 if not counted */
    int      crash, error, lost;
    unsigned delay_ms;
} fault_plan;

/* Uniform double in [0, 1) from the top 53 bits. */
static double unit(uint64_t r)
{
    return (double)(r >> 11) * (1.0 / 9007199254740992.0);
}

static fault_plan plan_call(ls_store *st, unsigned op)
{
    fault_store *fs = st->impl;
    const ls_fault_opts *o = &fs->opts;
    fault_plan p = { 0 };
    pthread_mutex_lock(&fs->lock);
    unsigned mask = o->op_mask ? o->op_mask : LS_FAULT_OP_ALL;
    if (!(op & mask)) {
        pthread_mutex_unlock(&fs->lock);
        return p;
    }
    p.no = ++fs->calls;
    /* Always three draws per call, so that changing one rate does not
     * shift the stream seen by the others. */
    double r_err = unit(ls_splitmix64(&fs->rng));
    double r_lost = unit(ls_splitmix64(&fs->rng));
    uint64_t r_lat = ls_splitmix64(&fs->rng);
    p.crash = o->crash_at && p.no == o->crash_at;
    p.error = (o->fail_at && (p.no == o->fail_at ||
                              (o->fail_persist && p.no > o->fail_at))) ||
              r_err < o->error_rate;
    p.lost = !p.error && ((o->lost_reply_at && p.no == o->lost_reply_at) ||
                          r_lost < o->lost_reply_rate);
    if (o->latency_ms_max)
        p.delay_ms = (unsigned)(r_lat % ((uint64_t)o->latency_ms_max + 1));
    if (p.error || p.lost)
        fs->injected++;
    pthread_mutex_unlock(&fs->lock);
    return p;
}

/* Run the parts of a plan that come before the call; returns non-zero
 * (with the error set) if the call must not reach the inner store. */
static int before(ls_store *st, const fault_plan *p, const char *op, const char *key)
{
    fault_store *fs = st->impl;
    if (p->crash && fs->opts.crash_cb)
        fs->opts.crash_cb(fs->opts.crash_arg);
    if (p->delay_ms)
        ls_sleep_ms(p->delay_ms);
    if (p->error)
        return ls_seterr(LS_ERR_IO, "fault: %s %s: injected error at call %llu",
                         op, key, (unsigned long long)p->no);
    return LS_OK;
}

static int lost(const fault_plan *p, const char *op, const char *key)
{
    return ls_seterr(LS_ERR_TIMEOUT, "fault: lost reply: %s %s at call %llu",
                     op, key, (unsigned long long)p->no);
}

static int fault_put(ls_store *st, const char *key, const void *buf, size_t len)
{
    fault_store *fs = st->impl;
    fault_plan p = plan_call(st, LS_FAULT_OP_PUT);
    int rc = before(st, &p, "put", key);
    if (rc)
        return rc;
    rc = fs->inner->put(fs->inner, key, buf, len);
    return p.lost ? lost(&p, "put", key) : rc;
}

static int fault_put_if_absent(ls_store *st, const char *key, const void *buf,
                               size_t len)
{
    fault_store *fs = st->impl;
    fault_plan p = plan_call(st, LS_FAULT_OP_PUT_IF_ABSENT);
    int rc = before(st, &p, "put_if_absent", key);
    if (rc)
        return rc;
    rc = fs->inner->put_if_absent(fs->inner, key, buf, len);
    return p.lost ? lost(&p, "put_if_absent", key) : rc;
}

static int fault_get(ls_store *st, const char *key, uint64_t off, uint64_t len,
                     uint8_t **out, size_t *out_len)
{
    fault_store *fs = st->impl;
    fault_plan p = plan_call(st, LS_FAULT_OP_GET);
    int rc = before(st, &p, "get", key);
    if (rc)
        return rc;
    rc = fs->inner->get(fs->inner, key, off, len, out, out_len);
    if (p.lost) {
        if (rc == LS_OK) {
            free(*out);
            *out = NULL;
            *out_len = 0;
        }
        return lost(&p, "get", key);
    }
    return rc;
}

static int fault_head(ls_store *st, const char *key, uint64_t *size)
{
    fault_store *fs = st->impl;
    fault_plan p = plan_call(st, LS_FAULT_OP_HEAD);
    int rc = before(st, &p, "head", key);
    if (rc)
        return rc;
    rc = fs->inner->head(fs->inner, key, size);
    if (p.lost) {
        *size = 0;
        return lost(&p, "head", key);
    }
    return rc;
}

static int fault_list(ls_store *st, const char *prefix, const char *start_after,
                      size_t max, ls_keylist *out)
{
    fault_store *fs = st->impl;
    fault_plan p = plan_call(st, LS_FAULT_OP_LIST);
    int rc = before(st, &p, "list", prefix);
    if (rc)
        return rc;
    rc = fs->inner->list(fs->inner, prefix, start_after, max, out);
    if (p.lost) {
        ls_keylist_free(out);
        return lost(&p, "list", prefix);
    }
    return rc;
}

static int fault_del(ls_store *st, const char *key)
{
    fault_store *fs = st->impl;
    fault_plan p = plan_call(st, LS_FAULT_OP_DELETE);
    int rc = before(st, &p, "delete", key);
    if (rc)
        return rc;
    rc = fs->inner->del(fs->inner, key);
    return p.lost ? lost(&p, "delete", key) : rc;
}

static void fault_close(ls_store *st)
{
    fault_store *fs = st->impl;
    ls_store_close(fs->inner);
    pthread_mutex_destroy(&fs->lock);
    free(fs);
    free(st);
}

static int check_opts(const ls_fault_opts *o)
{
    if (!(o->error_rate >= 0 && o->error_rate <= 1) ||
        !(o->lost_reply_rate >= 0 && o->lost_reply_rate <= 1) ||
        (o->op_mask & ~(unsigned)LS_FAULT_OP_ALL))
        return ls_seterr(LS_ERR_INVALID, "fault: rates must lie in [0, 1] and "
                         "op_mask within LS_FAULT_OP_ALL");
    return LS_OK;
}

int ls_store_fault_set(ls_store *st, const ls_fault_opts *opts)
{
    if (!st || st->close != fault_close)
        return ls_seterr(LS_ERR_INVALID, "fault: not a fault store");
    ls_fault_opts o = { 0 };
    if (opts)
        o = *opts;
    int rc = check_opts(&o);
    if (rc)
        return rc;
    fault_store *fs = st->impl;
    pthread_mutex_lock(&fs->lock);
    fs->opts = o;
    fs->rng = o.seed;
    fs->calls = 0;
    fs->injected = 0;
    pthread_mutex_unlock(&fs->lock);
    return LS_OK;
}

/* Ownership of inner passes only on success: on failure the caller still
 * holds it, so an error path never frees what the caller may close. */
int ls_store_fault_new(ls_store *inner, const ls_fault_opts *opts, ls_store **out)
{
    if (!out)
        return ls_seterr(LS_ERR_INVALID, "fault: NULL output");
    *out = NULL;
    if (!inner)
        return ls_seterr(LS_ERR_INVALID, "fault: NULL inner store");
    ls_fault_opts o = { 0 };
    if (opts)
        o = *opts;
    int rc = check_opts(&o);
    if (rc)
        return rc;
    ls_store *st = calloc(1, sizeof(*st));
    fault_store *fs = calloc(1, sizeof(*fs));
    if (!st || !fs || pthread_mutex_init(&fs->lock, NULL) != 0) {
        free(st);
        free(fs);
        return ls_seterr(LS_ERR_NOMEM, "fault: out of memory");
    }
    fs->inner = inner;
    fs->opts = o;
    fs->rng = o.seed;
    st->name = "fault";
    st->caps = inner->caps;   /* the same calls reach the inner store */
    st->put = fault_put;
    st->put_if_absent = fault_put_if_absent;
    st->get = fault_get;
    st->head = fault_head;
    st->list = fault_list;
    st->del = fault_del;
    st->close = fault_close;
    st->impl = fs;
    *out = st;
    return LS_OK;
}

/* 0 for a store that is not a fault wrapper. */
static uint64_t read_counter(const ls_store *st, int which)
{
    if (!st || st->close != fault_close)
        return 0;
    fault_store *fs = st->impl;
    pthread_mutex_lock(&fs->lock);
    uint64_t v = which ? fs->injected : fs->calls;
    pthread_mutex_unlock(&fs->lock);
    return v;
}

uint64_t ls_store_fault_calls(const ls_store *st)
{
    return read_counter(st, 0);
}

uint64_t ls_store_fault_injected(const ls_store *st)
{
    return read_counter(st, 1);
}
