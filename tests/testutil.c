/*
 * testutil.c -- see testutil.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ftw.h>
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
