/*
 * count_store.c -- the counting store wrapper (count_store.h): the
 * counters, the wrapper's calls, and the counters as JSON.
 */
#include <stdlib.h>
#include <time.h>

#include "count_store.h"

#define RLX memory_order_relaxed

const char *const count_op_name[COUNT_OPS] = {
    "put", "put_if_absent", "get", "head", "list", "delete"
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void jset(json_t *o, const char *k, json_t *v)
{
    json_object_set_new(o, k, v);
}

static json_t *jint(uint64_t x)
{
    return json_integer((json_int_t)x);
}

/* ---- the counters ------------------------------------------------------------ */

static unsigned lat_bucket(uint64_t ns)
{
    if (ns < 4)
        return (unsigned)ns;
    unsigned oct = 63u - (unsigned)__builtin_clzll(ns);     /* >= 2 */
    unsigned b = oct * 4 + (unsigned)((ns >> (oct - 2)) & 3);
    return b < COUNT_LAT_BUCKETS ? b : COUNT_LAT_BUCKETS - 1;
}

/* Upper edge (ns) of bucket b. */
static double lat_bucket_top(unsigned b)
{
    if (b < 8)
        return (double)(b + 1);
    unsigned oct = b / 4, sub = b % 4;
    return (double)((uint64_t)(5 + sub) << (oct - 2));
}

static void op_note(op_count *c, int rc, uint64_t bytes, uint64_t keys, int timed, uint64_t ns)
{
    atomic_fetch_add_explicit(&c->calls, 1, RLX);
    if (rc == LS_OK)
        atomic_fetch_add_explicit(&c->ok, 1, RLX);
    else if (rc == LS_ERR_NOT_FOUND)
        atomic_fetch_add_explicit(&c->not_found, 1, RLX);
    else if (rc == LS_ERR_EXISTS)
        atomic_fetch_add_explicit(&c->exists, 1, RLX);
    else {
        atomic_fetch_add_explicit(&c->failed, 1, RLX);
        atomic_fetch_add_explicit(&c->err[rc > 0 && rc < COUNT_ERRS ? rc : 0], 1, RLX);
    }
    atomic_fetch_add_explicit(&c->bytes, bytes, RLX);
    atomic_fetch_add_explicit(&c->keys, keys, RLX);
    if (timed) {
        atomic_fetch_add_explicit(&c->timed, 1, RLX);
        atomic_fetch_add_explicit(&c->ns, ns, RLX);
        atomic_fetch_add_explicit(&c->hist[lat_bucket(ns)], 1, RLX);
    }
}

static void op_take(op_count *c, op_snap *s)
{
    s->calls = atomic_load_explicit(&c->calls, RLX);
    s->ok = atomic_load_explicit(&c->ok, RLX);
    s->not_found = atomic_load_explicit(&c->not_found, RLX);
    s->exists = atomic_load_explicit(&c->exists, RLX);
    s->failed = atomic_load_explicit(&c->failed, RLX);
    for (int i = 0; i < COUNT_ERRS; i++)
        s->err[i] = atomic_load_explicit(&c->err[i], RLX);
    s->bytes = atomic_load_explicit(&c->bytes, RLX);
    s->keys = atomic_load_explicit(&c->keys, RLX);
    s->timed = atomic_load_explicit(&c->timed, RLX);
    s->ns = atomic_load_explicit(&c->ns, RLX);
    for (int i = 0; i < COUNT_LAT_BUCKETS; i++)
        s->hist[i] = atomic_load_explicit(&c->hist[i], RLX);
}

void count_take(store_count *c, count_snap *s)
{
    for (int i = 0; i < COUNT_OPS; i++)
        op_take(&c->op[i], &s->op[i]);
    op_take(&c->many, &s->many);
    s->opens = atomic_load_explicit(&c->opens, RLX);
}

/* out = a - b (out may be a). */
static void op_sub(const op_snap *a, const op_snap *b, op_snap *out)
{
    out->calls = a->calls - b->calls;
    out->ok = a->ok - b->ok;
    out->not_found = a->not_found - b->not_found;
    out->exists = a->exists - b->exists;
    out->failed = a->failed - b->failed;
    for (int i = 0; i < COUNT_ERRS; i++)
        out->err[i] = a->err[i] - b->err[i];
    out->bytes = a->bytes - b->bytes;
    out->keys = a->keys - b->keys;
    out->timed = a->timed - b->timed;
    out->ns = a->ns - b->ns;
    for (int i = 0; i < COUNT_LAT_BUCKETS; i++)
        out->hist[i] = a->hist[i] - b->hist[i];
}

static void op_add(op_snap *acc, const op_snap *x)
{
    acc->calls += x->calls;
    acc->ok += x->ok;
    acc->not_found += x->not_found;
    acc->exists += x->exists;
    acc->failed += x->failed;
    for (int i = 0; i < COUNT_ERRS; i++)
        acc->err[i] += x->err[i];
    acc->bytes += x->bytes;
    acc->keys += x->keys;
    acc->timed += x->timed;
    acc->ns += x->ns;
    for (int i = 0; i < COUNT_LAT_BUCKETS; i++)
        acc->hist[i] += x->hist[i];
}

void count_sub(const count_snap *a, const count_snap *b, count_snap *out)
{
    for (int i = 0; i < COUNT_OPS; i++)
        op_sub(&a->op[i], &b->op[i], &out->op[i]);
    op_sub(&a->many, &b->many, &out->many);
    out->opens = a->opens - b->opens;
}

void count_add(count_snap *acc, const count_snap *x)
{
    for (int i = 0; i < COUNT_OPS; i++)
        op_add(&acc->op[i], &x->op[i]);
    op_add(&acc->many, &x->many);
    acc->opens += x->opens;
}

uint64_t count_calls(const count_snap *c)
{
    uint64_t n = 0;
    for (int i = 0; i < COUNT_OPS; i++)
        n += c->op[i].calls;
    return n;
}

uint64_t count_failed(const count_snap *c)
{
    uint64_t n = 0;
    for (int i = 0; i < COUNT_OPS; i++)
        n += c->op[i].failed;
    return n;
}

/* ---- the wrapper ------------------------------------------------------------ */

typedef struct cstore {
    ls_store st;          /* what the library sees; st.impl points here */
    ls_store *inner;      /* owned */
    store_count *cnt;     /* not owned; may be shared by several handles */
} cstore;

static int cs_put(ls_store *st, const char *key, const void *buf, size_t len)
{
    cstore *c = st->impl;
    uint64_t t0 = now_ns();
    int rc = c->inner->put(c->inner, key, buf, len);
    op_note(&c->cnt->op[OPI_PUT], rc, len, 0, 1, now_ns() - t0);
    return rc;
}

static int cs_put_if_absent(ls_store *st, const char *key, const void *buf, size_t len)
{
    cstore *c = st->impl;
    uint64_t t0 = now_ns();
    int rc = c->inner->put_if_absent(c->inner, key, buf, len);
    op_note(&c->cnt->op[OPI_PIA], rc, len, 0, 1, now_ns() - t0);
    return rc;
}

static int cs_get(ls_store *st, const char *key, uint64_t off, uint64_t len, uint8_t **out,
                  size_t *out_len)
{
    cstore *c = st->impl;
    uint64_t t0 = now_ns();
    int rc = c->inner->get(c->inner, key, off, len, out, out_len);
    op_note(&c->cnt->op[OPI_GET], rc, rc == LS_OK ? *out_len : 0, 0, 1, now_ns() - t0);
    return rc;
}

static int cs_head(ls_store *st, const char *key, uint64_t *size)
{
    cstore *c = st->impl;
    uint64_t t0 = now_ns();
    int rc = c->inner->head(c->inner, key, size);
    op_note(&c->cnt->op[OPI_HEAD], rc, 0, 0, 1, now_ns() - t0);
    return rc;
}

static int cs_list(ls_store *st, const char *prefix, const char *start_after, size_t max,
                   ls_keylist *out)
{
    cstore *c = st->impl;
    uint64_t t0 = now_ns();
    int rc = c->inner->list(c->inner, prefix, start_after, max, out);
    op_note(&c->cnt->op[OPI_LIST], rc, 0, rc == LS_OK ? out->n : 0, 1, now_ns() - t0);
    return rc;
}

static int cs_del(ls_store *st, const char *key)
{
    cstore *c = st->impl;
    uint64_t t0 = now_ns();
    int rc = c->inner->del(c->inner, key);
    op_note(&c->cnt->op[OPI_DEL], rc, 0, 0, 1, now_ns() - t0);
    return rc;
}

/* Only installed when the inner store has get_many (else the wrapper
 * ls_store_get_many calls cs_get for each read, and they count there). */
static int cs_get_many(ls_store *st, ls_get_req *reqs, size_t n)
{
    cstore *c = st->impl;
    uint64_t t0 = now_ns();
    int rc = c->inner->get_many(c->inner, reqs, n);
    uint64_t ns = now_ns() - t0, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t b = reqs[i].rc == LS_OK ? reqs[i].out_len : 0;
        op_note(&c->cnt->op[OPI_GET], reqs[i].rc, b, 0, 0, 0);
        bytes += b;
    }
    op_note(&c->cnt->many, rc, bytes, n, 1, ns);
    return rc;
}

static void cs_close(ls_store *st)
{
    cstore *c = st->impl;
    ls_store_close(c->inner);
    free(c);
}

/* Open uri and wrap it; the handle's calls count into cnt (not owned, must
 * outlive the handle).  On failure the error is the library's (ls_errmsg). */
int count_store_open(const char *uri, const ls_conf *conf, store_count *cnt, ls_store **out)
{
    ls_store *inner;
    int rc = ls_store_open(uri, conf, &inner);
    if (rc)
        return rc;
    cstore *c = calloc(1, sizeof(*c));
    if (!c) {
        ls_store_close(inner);
        return LS_ERR_NOMEM;
    }
    c->inner = inner;
    c->cnt = cnt;
    c->st = (ls_store){
        .name = inner->name, .put = cs_put, .put_if_absent = cs_put_if_absent,
        .get = cs_get, .head = cs_head, .list = cs_list, .del = cs_del,
        .get_many = inner->get_many ? cs_get_many : NULL, .close = cs_close, .impl = c,
    };
    atomic_fetch_add_explicit(&cnt->opens, 1, RLX);
    *out = &c->st;
    return LS_OK;
}

/* ---- JSON --------------------------------------------------------------------- */

/* Percentile q of an op's latency histogram, in ms: the upper edge of the
 * quarter-octave bucket holding it (so at most 25 % above the true value). */
static double hist_pct_ms(const op_snap *s, double q)
{
    uint64_t n = 0, cum = 0;
    for (int b = 0; b < COUNT_LAT_BUCKETS; b++)
        n += s->hist[b];
    if (n == 0)
        return 0;
    double x = q * (double)n;
    uint64_t want = (uint64_t)x;
    if ((double)want < x)
        want++;
    if (want < 1)
        want = 1;
    for (unsigned b = 0; b < COUNT_LAT_BUCKETS; b++) {
        cum += s->hist[b];
        if (cum >= want)
            return lat_bucket_top(b) / 1e6;
    }
    return lat_bucket_top(COUNT_LAT_BUCKETS - 1) / 1e6;
}

static json_t *lat_json(const op_snap *s)
{
    if (s->timed == 0)
        return json_null();
    json_t *l = json_object();
    jset(l, "n", jint(s->timed));
    jset(l, "mean", json_real((double)s->ns / (double)s->timed / 1e6));
    jset(l, "p50", json_real(hist_pct_ms(s, 0.5)));
    jset(l, "p90", json_real(hist_pct_ms(s, 0.9)));
    jset(l, "p99", json_real(hist_pct_ms(s, 0.99)));
    jset(l, "max", json_real(hist_pct_ms(s, 1.0)));
    return l;
}

static json_t *op_json(const op_snap *s, int is_list, int is_many)
{
    json_t *j = json_object();
    jset(j, "calls", jint(s->calls));
    jset(j, "ok", jint(s->ok));
    if (!is_many) {
        jset(j, "not_found", jint(s->not_found));
        jset(j, "exists", jint(s->exists));
    }
    jset(j, "failed", jint(s->failed));
    json_t *e = json_object();
    for (int i = 0; i < COUNT_ERRS; i++)
        if (s->err[i])
            jset(e, i ? ls_err2str(i) : "other", jint(s->err[i]));
    jset(j, "failed_by_error", e);
    jset(j, "bytes", jint(s->bytes));
    if (is_list)
        jset(j, "keys", jint(s->keys));
    if (is_many)
        jset(j, "reads", jint(s->keys));
    jset(j, "latency_ms", lat_json(s));
    return j;
}

json_t *count_json(const count_snap *c)
{
    json_t *j = json_object();
    for (int i = 0; i < COUNT_OPS; i++)
        jset(j, count_op_name[i], op_json(&c->op[i], i == OPI_LIST, 0));
    jset(j, "get_many", op_json(&c->many, 0, 1));
    jset(j, "total_calls", jint(count_calls(c)));
    jset(j, "failed_calls", jint(count_failed(c)));
    jset(j, "store_opens", jint(c->opens));
    return j;
}

/* Calls per op (and in total) divided by div. */
json_t *count_per_op_json(const count_snap *c, double div)
{
    json_t *j = json_object();
    for (int i = 0; i < COUNT_OPS; i++)
        jset(j, count_op_name[i], json_real(div > 0 ? (double)c->op[i].calls / div : 0));
    jset(j, "total", json_real(div > 0 ? (double)count_calls(c) / div : 0));
    return j;
}
