/*
 * testutil.c -- see testutil.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lakestream.h"
#include "testutil.h"

char *lt_tmpdir(const char *tag)
{
    const char *base = getenv("LS_TEST_TMP");
    if (!base || !*base)
        base = "/tmp";
    mkdir(base, 0755);
    size_t n = strlen(base) + strlen(tag) + 32;
    char *path = malloc(n);
    if (!path)
        abort();
    snprintf(path, n, "%s/%s.XXXXXX", base, tag);
    if (!mkdtemp(path)) {
        perror(path);
        abort();
    }
    return path;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

void lt_rm_rf(const char *dir)
{
    if (dir)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

uint64_t lt_seed(void)
{
    static uint64_t seed;
    static int done;
    if (!done) {
        const char *s = getenv("LS_TEST_SEED");
        if (s && *s) {
            seed = strtoull(s, NULL, 0);
        } else {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
        }
        fprintf(stderr, "seed: LS_TEST_SEED=%llu\n", (unsigned long long)seed);
        done = 1;
    }
    return seed;
}

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void lt_fill(void *buf, size_t len, uint64_t seed, int text)
{
    static const char words[] = "the quick brown fox jumps over a lazy dog and ";
    uint8_t *p = buf;
    uint64_t s = seed;
    for (size_t i = 0; i < len; i++) {
        if (text)
            p[i] = (uint8_t)words[(mix(&s) % 7 + i) % (sizeof(words) - 1)];
        else
            p[i] = (uint8_t)mix(&s);
    }
}

void lt_store_clear(struct ls_store *st)
{
    ls_keylist kl;
    while (ls_store_list(st, "", NULL, 1000, &kl) == LS_OK && kl.n > 0) {
        for (size_t i = 0; i < kl.n; i++)
            ls_store_delete(st, kl.keys[i]);
        ls_keylist_free(&kl);
    }
}

/* ---- a counting store ---------------------------------------------------- */

typedef struct counting_impl {
    ls_store  *inner;
    lt_counts  n;
    pthread_mutex_t lock;
} counting_impl;

#define COUNT(st, field) do { counting_impl *ci_ = (st)->impl; \
    pthread_mutex_lock(&ci_->lock); ci_->n.field++; pthread_mutex_unlock(&ci_->lock); } while (0)
#define INNER(st) (((counting_impl *)(st)->impl)->inner)

static int c_put(ls_store *st, const char *k, const void *b, size_t n)
{ COUNT(st, put); return INNER(st)->put(INNER(st), k, b, n); }
static int c_pia(ls_store *st, const char *k, const void *b, size_t n)
{ COUNT(st, put_if_absent); return INNER(st)->put_if_absent(INNER(st), k, b, n); }
static int c_get(ls_store *st, const char *k, uint64_t off, uint64_t len, uint8_t **o,
                 size_t *ol)
{ COUNT(st, get); return INNER(st)->get(INNER(st), k, off, len, o, ol); }
static int c_head(ls_store *st, const char *k, uint64_t *sz)
{ COUNT(st, head); return INNER(st)->head(INNER(st), k, sz); }
static int c_list(ls_store *st, const char *p, const char *a, size_t m, ls_keylist *o)
{ COUNT(st, list); return INNER(st)->list(INNER(st), p, a, m, o); }
static int c_del(ls_store *st, const char *k)
{ COUNT(st, del); return INNER(st)->del(INNER(st), k); }
static void c_close(ls_store *st)
{
    counting_impl *ci = st->impl;
    pthread_mutex_destroy(&ci->lock);
    free(ci);
    free(st);
}

ls_store *lt_counting_new(ls_store *inner, unsigned caps)
{
    ls_store *st = calloc(1, sizeof(*st));
    counting_impl *ci = calloc(1, sizeof(*ci));
    if (!st || !ci)
        abort();
    ci->inner = inner;
    pthread_mutex_init(&ci->lock, NULL);
    st->name = "counting";
    st->caps = caps;
    st->put = c_put;
    st->put_if_absent = c_pia;
    st->get = c_get;
    st->head = c_head;
    st->list = c_list;
    st->del = c_del;
    st->close = c_close;
    st->impl = ci;
    return st;
}

lt_counts *lt_counting(ls_store *st)
{
    return &((counting_impl *)st->impl)->n;
}
