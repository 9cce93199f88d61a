/*
 * store_mem.c -- an in-process object store for tests: a strcmp-sorted
 * array of (key, bytes) guarded by one mutex.  Every call copies in or
 * out under the lock, so readers see an object whole, before or after a
 * put, as on the posix backend.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

typedef struct mem_obj {
    char    *key;
    uint8_t *data;      /* malloc()ed, at least 1 byte */
    size_t   len;
} mem_obj;

typedef struct mem_store {
    pthread_mutex_t lock;   /* guards objs, n, cap */
    mem_obj *objs;          /* sorted by key (strcmp), unique */
    size_t   n, cap;
} mem_store;

/* Index of key, or of the first object after it; *found says which. */
static size_t find(const mem_store *ms, const char *key, int *found)
{
    size_t lo = 0, hi = ms->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ms->objs[mid].key, key);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

static uint8_t *copy_bytes(const void *buf, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    if (p && len)
        memcpy(p, buf, len);
    return p;
}

/* Store buf under key; if create_only, an existing key is left alone.
 * Copies are made before taking the lock to keep it short. */
static int mem_write(ls_store *st, const char *key, const void *buf, size_t len,
                     int create_only, const char *op)
{
    mem_store *ms = st->impl;
    uint8_t *data = copy_bytes(buf, len);
    if (!data)
        return ls_seterr(LS_ERR_NOMEM, "mem: %s %s: cannot allocate %zu bytes",
                         op, key, len);
    int found, rc = LS_OK;
    char *k = NULL;
    pthread_mutex_lock(&ms->lock);
    size_t i = find(ms, key, &found);
    if (found) {
        if (create_only) {
            rc = ls_seterr(LS_ERR_EXISTS, "mem: %s %s: exists", op, key);
        } else {
            free(ms->objs[i].data);
            ms->objs[i].data = data;
            ms->objs[i].len = len;
            data = NULL;
        }
        goto out;
    }
    if (ms->n == ms->cap) {
        size_t ncap = ms->cap ? ms->cap * 2 : 64;
        mem_obj *no = realloc(ms->objs, ncap * sizeof(*no));
        if (!no) {
            rc = ls_seterr(LS_ERR_NOMEM, "mem: %s %s: out of memory", op, key);
            goto out;
        }
        ms->objs = no;
        ms->cap = ncap;
    }
    if (!(k = strdup(key))) {
        rc = ls_seterr(LS_ERR_NOMEM, "mem: %s %s: out of memory", op, key);
        goto out;
    }
    memmove(&ms->objs[i + 1], &ms->objs[i], (ms->n - i) * sizeof(*ms->objs));
    ms->objs[i] = (mem_obj){ .key = k, .data = data, .len = len };
    ms->n++;
    data = NULL;
out:
    pthread_mutex_unlock(&ms->lock);
    free(data);
    return rc;
}

static int mem_put(ls_store *st, const char *key, const void *buf, size_t len)
{
    return mem_write(st, key, buf, len, 0, "put");
}

static int mem_put_if_absent(ls_store *st, const char *key, const void *buf, size_t len)
{
    return mem_write(st, key, buf, len, 1, "put_if_absent");
}

static int mem_get(ls_store *st, const char *key, uint64_t off, uint64_t len,
                   uint8_t **out, size_t *out_len)
{
    mem_store *ms = st->impl;
    int found, rc = LS_OK;
    pthread_mutex_lock(&ms->lock);
    size_t i = find(ms, key, &found);
    if (!found) {
        rc = ls_seterr(LS_ERR_NOT_FOUND, "mem: get %s: No such object", key);
    } else {
        const mem_obj *o = &ms->objs[i];
        uint64_t n = off >= o->len ? 0 : o->len - off;
        if (len < n)
            n = len;
        uint8_t *p = copy_bytes(n ? o->data + off : NULL, (size_t)n);
        if (!p) {
            rc = ls_seterr(LS_ERR_NOMEM, "mem: get %s: cannot allocate %llu bytes",
                           key, (unsigned long long)n);
        } else {
            *out = p;
            *out_len = (size_t)n;
        }
    }
    pthread_mutex_unlock(&ms->lock);
    return rc;
}

static int mem_head(ls_store *st, const char *key, uint64_t *size)
{
    mem_store *ms = st->impl;
    int found, rc = LS_OK;
    pthread_mutex_lock(&ms->lock);
    size_t i = find(ms, key, &found);
    if (found)
        *size = ms->objs[i].len;
    else
        rc = ls_seterr(LS_ERR_NOT_FOUND, "mem: head %s: No such object", key);
    pthread_mutex_unlock(&ms->lock);
    return rc;
}

static int mem_list(ls_store *st, const char *prefix, const char *start_after,
                    size_t max, ls_keylist *out)
{
    mem_store *ms = st->impl;
    size_t plen = strlen(prefix);
    int found, rc = LS_OK;
    pthread_mutex_lock(&ms->lock);
    /* Start at the first key >= prefix, past start_after if that is later. */
    size_t i = find(ms, prefix, &found);
    if (start_after && strcmp(start_after, prefix) >= 0) {
        i = find(ms, start_after, &found);
        if (found)
            i++;
    }
    size_t cap = 0;
    for (; i < ms->n && out->n < max; i++) {
        const char *k = ms->objs[i].key;
        if (strncmp(k, prefix, plen) != 0)
            break;      /* sorted: no later key has the prefix */
        if (out->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            if (ncap > max)
                ncap = max;
            char **nk = realloc(out->keys, ncap * sizeof(*nk));
            if (!nk) {
                rc = LS_ERR_NOMEM;
                break;
            }
            out->keys = nk;
            cap = ncap;
        }
        if (!(out->keys[out->n] = strdup(k))) {
            rc = LS_ERR_NOMEM;
            break;
        }
        out->n++;
    }
    pthread_mutex_unlock(&ms->lock);
    if (rc) {
        ls_keylist_free(out);
        return ls_seterr(rc, "mem: list %s: out of memory", prefix);
    }
    return LS_OK;
}

static int mem_del(ls_store *st, const char *key)
{
    mem_store *ms = st->impl;
    int found;
    mem_obj gone = { 0 };
    pthread_mutex_lock(&ms->lock);
    size_t i = find(ms, key, &found);
    if (found) {
        gone = ms->objs[i];
        memmove(&ms->objs[i], &ms->objs[i + 1], (ms->n - i - 1) * sizeof(*ms->objs));
        ms->n--;
    }
    pthread_mutex_unlock(&ms->lock);
    free(gone.key);
    free(gone.data);
    return LS_OK;
}

static void mem_close(ls_store *st)
{
    mem_store *ms = st->impl;
    for (size_t i = 0; i < ms->n; i++) {
        free(ms->objs[i].key);
        free(ms->objs[i].data);
    }
    free(ms->objs);
    pthread_mutex_destroy(&ms->lock);
    free(ms);
    free(st);
}

int ls_store_mem_new(ls_store **out)
{
    if (!out)
        return ls_seterr(LS_ERR_INVALID, "mem: NULL output");
    *out = NULL;
    ls_store *st = calloc(1, sizeof(*st));
    mem_store *ms = calloc(1, sizeof(*ms));
    if (!st || !ms) {
        free(st);
        free(ms);
        return ls_seterr(LS_ERR_NOMEM, "mem: out of memory");
    }
    if (pthread_mutex_init(&ms->lock, NULL) != 0) {
        free(st);
        free(ms);
        return ls_seterr(LS_ERR_NOMEM, "mem: cannot create mutex");
    }
    st->name = "mem";
    st->caps = LS_STORE_CAP_INDEXED_LIST;
    st->put = mem_put;
    st->put_if_absent = mem_put_if_absent;
    st->get = mem_get;
    st->head = mem_head;
    st->list = mem_list;
    st->del = mem_del;
    st->close = mem_close;
    st->impl = ms;
    *out = st;
    return LS_OK;
}
