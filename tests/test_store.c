/*
 * test_store.c -- one conformance suite for the object store contract run
 * against every backend (posix, mem, fault-wrapped mem without faults, and
 * s3 when LS_TEST_S3_URI names a bucket on a real S3 server, e.g. the
 * radosgw of scripts/s3-server.sh), plus create-if-absent races between
 * threads and processes, the fault wrapper's injections, and URI dispatch.
 *
 * Without LS_TEST_S3_URI the s3 cases are skipped, unless
 * LS_TEST_S3_REQUIRED=1 (as in CI), which makes them fail.
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ls_int.h"
#include "testutil.h"

#define OK(x) assert_int_equal((x), LS_OK)

/* ---- fixtures ---------------------------------------------------------- */

enum { B_POSIX, B_MEM, B_FAULT, B_S3 };

typedef struct fx {
    int       kind;
    char     *dir;      /* posix root (lt_tmpdir) */
    char     *uri;      /* posix and s3: what another process opens */
    ls_store *st;
} fx;

/* The s3 test store: a fresh prefix under $LS_TEST_S3_URI, or NULL (the
 * caller skips, or fails where LS_TEST_S3_REQUIRED=1). */
static char *s3_test_uri(void)
{
    const char *base = getenv("LS_TEST_S3_URI");
    if (!base || !*base) {
        const char *req = getenv("LS_TEST_S3_REQUIRED");
        if (req && !strcmp(req, "1"))
            fail_msg("LS_TEST_S3_REQUIRED=1 but LS_TEST_S3_URI is not set");
        return NULL;
    }
    static unsigned seq;
    char *uri = malloc(strlen(base) + 64);
    assert_non_null(uri);
    sprintf(uri, "%s%sstore-%d-%u-%08x", base, base[strlen(base) - 1] == '/' ? "" : "/",
            (int)getpid(), seq++, (unsigned)random());
    return uri;
}

static int setup_kind(void **state, int kind)
{
    fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->kind = kind;
    if (kind == B_POSIX) {
        f->dir = lt_tmpdir("store");
        f->uri = strdup(f->dir);
        OK(ls_store_posix_new(f->dir, 1, &f->st));
        assert_string_equal(f->st->name, "posix");
    } else if (kind == B_MEM) {
        OK(ls_store_mem_new(&f->st));
        assert_string_equal(f->st->name, "mem");
    } else if (kind == B_S3) {
        *state = f;
        if (!(f->uri = s3_test_uri()))
            fail_msg("LS_TEST_S3_URI is not set");  /* teardown frees f */
        if (ls_store_open(f->uri, NULL, &f->st) != LS_OK)
            fail_msg("open %s: %s", f->uri, ls_errmsg());
        assert_string_equal(f->st->name, "s3");
    } else {
        ls_store *inner;
        ls_fault_opts o = { .seed = 1 };
        OK(ls_store_mem_new(&inner));
        OK(ls_store_fault_new(inner, &o, &f->st));
        assert_string_equal(f->st->name, "fault");
    }
    *state = f;
    return 0;
}

static int setup_posix(void **state) { return setup_kind(state, B_POSIX); }
static int setup_mem(void **state)   { return setup_kind(state, B_MEM); }
static int setup_fault(void **state) { return setup_kind(state, B_FAULT); }
static int setup_s3(void **state)    { return setup_kind(state, B_S3); }

static int teardown(void **state)
{
    fx *f = *state;
    if (f->kind == B_S3 && f->st)
        lt_store_clear(f->st);   /* leave the bucket as we found it */
    free(f->uri);
    if (f->st)
        ls_store_close(f->st);
    if (f->dir) {
        lt_rm_rf(f->dir);
        free(f->dir);
    }
    free(f);
    return 0;
}

/* Get the whole object and compare it with (want, want_len). */
static void assert_object(ls_store *st, const char *key, const void *want,
                          size_t want_len)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    OK(ls_store_get(st, key, 0, LS_GET_TO_END, &buf, &len));
    assert_non_null(buf);
    assert_int_equal(len, want_len);
    if (want_len)
        assert_memory_equal(buf, want, want_len);
    free(buf);
}

static void put_str(ls_store *st, const char *key, const char *s)
{
    OK(ls_store_put(st, key, s, strlen(s)));
}

/* ---- conformance ------------------------------------------------------- */

static void t_roundtrip(void **state)
{
    fx *f = *state;
    uint8_t data[1000];
    lt_fill(data, sizeof(data), lt_seed(), 0);
    OK(ls_store_put(f->st, "t/_data/p/0001", data, sizeof(data)));
    assert_object(f->st, "t/_data/p/0001", data, sizeof(data));
    uint64_t size = 0;
    OK(ls_store_head(f->st, "t/_data/p/0001", &size));
    assert_int_equal(size, sizeof(data));

    /* An empty object exists, has size 0 and a non-NULL buffer. */
    OK(ls_store_put(f->st, "empty", NULL, 0));
    OK(ls_store_head(f->st, "empty", &size));
    assert_int_equal(size, 0);
    assert_object(f->st, "empty", NULL, 0);

    /* A key of exactly LS_KEY_BYTES_MAX bytes works (segments < NAME_MAX). */
    char key[LS_KEY_BYTES_MAX + 1];
    memset(key, 'k', LS_KEY_BYTES_MAX);
    for (size_t i = 99; i < LS_KEY_BYTES_MAX - 1; i += 100)
        key[i] = '/';
    key[LS_KEY_BYTES_MAX] = '\0';
    assert_true(ls_key_is_valid(key));
    if (f->kind == B_S3) {
        /* S3 caps object keys at 1024 bytes, and the store's prefix takes
         * some: a clear LS_ERR_LIMIT, and a key that fits works. */
        assert_int_equal(ls_store_put(f->st, key, "long", 4), LS_ERR_LIMIT);
        assert_non_null(strstr(ls_errmsg(), "exceeds S3's 1024"));
        key[LS_KEY_BYTES_MAX - 200] = '\0';
    }
    OK(ls_store_put(f->st, key, "long", 4));
    assert_int_equal(ls_store_put_if_absent(f->st, key, "x", 1), LS_ERR_EXISTS);
    assert_object(f->st, key, "long", 4);
    ls_keylist kl;
    OK(ls_store_list(f->st, "kkkk", NULL, 10, &kl));
    assert_int_equal(kl.n, 1);
    assert_string_equal(kl.keys[0], key);
    ls_keylist_free(&kl);
    OK(ls_store_delete(f->st, key));
}

static void t_ranged_get(void **state)
{
    fx *f = *state;
    uint8_t data[1000];
    lt_fill(data, sizeof(data), lt_seed() + 1, 0);
    OK(ls_store_put(f->st, "r", data, sizeof(data)));

    static const struct { uint64_t off, len, want_off, want_len; } cases[] = {
        { 0, 1000, 0, 1000 },
        { 10, 20, 10, 20 },
        { 990, 100, 990, 10 },              /* cut short at the end */
        { 999, 1, 999, 1 },
        { 1000, 5, 0, 0 },                  /* at EOF: empty */
        { 5000, 5, 0, 0 },                  /* past EOF: empty */
        { 100, LS_GET_TO_END, 100, 900 },
        { 0, LS_GET_TO_END, 0, 1000 },
        { UINT64_MAX - 1, 10, 0, 0 },
        { 7, 0, 0, 0 },                     /* zero length */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t *buf = NULL;
        size_t len = 12345;
        OK(ls_store_get(f->st, "r", cases[i].off, cases[i].len, &buf, &len));
        assert_non_null(buf);
        assert_int_equal(len, cases[i].want_len);
        if (len)
            assert_memory_equal(buf, data + cases[i].want_off, len);
        free(buf);
    }
}

static void t_not_found(void **state)
{
    fx *f = *state;
    uint8_t *buf = (uint8_t *)"junk";
    size_t len = 7;
    uint64_t size = 7;
    assert_int_equal(ls_store_get(f->st, "t/_log/00000000000000000003", 0,
                                  LS_GET_TO_END, &buf, &len), LS_ERR_NOT_FOUND);
    assert_null(buf);
    assert_int_equal(len, 0);
    assert_non_null(strstr(ls_errmsg(), "get "));
    assert_non_null(strstr(ls_errmsg(), "t/_log/00000000000000000003"));
    assert_int_equal(ls_store_head(f->st, "nothing/here", &size), LS_ERR_NOT_FOUND);
    assert_non_null(strstr(ls_errmsg(), "head "));
    assert_non_null(strstr(ls_errmsg(), "nothing/here"));

    /* A "directory" (a prefix of other keys) is no object. */
    put_str(f->st, "d/x", "1");
    assert_int_equal(ls_store_head(f->st, "d", &size), LS_ERR_NOT_FOUND);
    assert_int_equal(ls_store_get(f->st, "d", 0, 1, &buf, &len), LS_ERR_NOT_FOUND);
    /* Below an object that is not a directory. */
    assert_int_equal(ls_store_get(f->st, "d/x/y", 0, 1, &buf, &len), LS_ERR_NOT_FOUND);
    assert_int_equal(ls_store_head(f->st, "d/x/y", &size), LS_ERR_NOT_FOUND);
}

static void t_overwrite(void **state)
{
    fx *f = *state;
    put_str(f->st, "a/x", "one");
    put_str(f->st, "a/x", "second");
    assert_object(f->st, "a/x", "second", 6);
    put_str(f->st, "a/x", "3");
    assert_object(f->st, "a/x", "3", 1);
    uint64_t size;
    OK(ls_store_head(f->st, "a/x", &size));
    assert_int_equal(size, 1);
}

static void t_put_if_absent(void **state)
{
    fx *f = *state;
    OK(ls_store_put_if_absent(f->st, "t/_log/1", "first", 5));
    assert_int_equal(ls_store_put_if_absent(f->st, "t/_log/1", "second!", 7),
                     LS_ERR_EXISTS);
    assert_non_null(strstr(ls_errmsg(), "t/_log/1"));
    assert_object(f->st, "t/_log/1", "first", 5);
    /* A key written by put also counts as existing. */
    put_str(f->st, "t/_log/2", "by put");
    assert_int_equal(ls_store_put_if_absent(f->st, "t/_log/2", "x", 1), LS_ERR_EXISTS);
    assert_object(f->st, "t/_log/2", "by put", 6);
    /* Once deleted, the key may be created again. */
    OK(ls_store_delete(f->st, "t/_log/1"));
    OK(ls_store_put_if_absent(f->st, "t/_log/1", "again", 5));
    assert_object(f->st, "t/_log/1", "again", 5);
    /* Empty objects too. */
    OK(ls_store_put_if_absent(f->st, "e", NULL, 0));
    assert_int_equal(ls_store_put_if_absent(f->st, "e", NULL, 0), LS_ERR_EXISTS);
}

static void t_delete(void **state)
{
    fx *f = *state;
    put_str(f->st, "x/y/z", "data");
    OK(ls_store_delete(f->st, "x/y/z"));
    uint8_t *buf;
    size_t len;
    assert_int_equal(ls_store_get(f->st, "x/y/z", 0, LS_GET_TO_END, &buf, &len),
                     LS_ERR_NOT_FOUND);
    OK(ls_store_delete(f->st, "x/y/z"));         /* idempotent */
    OK(ls_store_delete(f->st, "never/was"));
    OK(ls_store_delete(f->st, "x"));             /* a "directory" on posix */
    ls_keylist kl;
    OK(ls_store_list(f->st, "", NULL, 100, &kl));
    assert_int_equal(kl.n, 0);
    ls_keylist_free(&kl);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expected result of list(prefix, after, max) over keys[0..n) (sorted). */
static void check_list(ls_store *st, char **keys, size_t n, const char *prefix,
                       const char *after, size_t max)
{
    ls_keylist kl;
    OK(ls_store_list(st, prefix, after, max, &kl));
    size_t j = 0;
    for (size_t i = 0; i < n && j < max; i++) {
        if (strncmp(keys[i], prefix, strlen(prefix)) != 0)
            continue;
        if (after && strcmp(keys[i], after) <= 0)
            continue;
        assert_true(j < kl.n);
        assert_string_equal(kl.keys[j], keys[i]);
        j++;
    }
    assert_int_equal(kl.n, j);
    ls_keylist_free(&kl);
}

static void t_list(void **state)
{
    fx *f = *state;
    /* Names chosen so that directory order differs from key order:
     * "a.b" < "a/x" < "a0" < "ab" because '.' < '/' < '0' < 'b'. */
    char *keys[64];
    size_t n = 0;
    static const char *fixed[] = {
        "a/x", "a.b", "a0", "ab", "a/y/z", "a/y/z0", "a/y.q", "a-c",
        "t/_hint", "t/_desc", "t/_data/p/e1/0001", "t/_data/p/e1/0002",
        "t/_data/q/e1/0001", "t/_snap/00000000000000000010", "u", "zz/top",
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        keys[n++] = strdup(fixed[i]);
    for (int v = 1; v <= 25; v++) {
        char k[64];
        snprintf(k, sizeof(k), "t/_log/%020d", v);
        keys[n++] = strdup(k);
    }
    /* Insert in a scrambled order. */
    for (size_t i = 0; i < n; i++) {
        size_t j = (i * 17 + 5) % n;
        OK(ls_store_put(f->st, keys[j], keys[j], strlen(keys[j])));
    }
    qsort(keys, n, sizeof(keys[0]), cmp_str);

    check_list(f->st, keys, n, "", NULL, LS_LIST_KEYS_MAX);
    check_list(f->st, keys, n, "a", NULL, 100);
    check_list(f->st, keys, n, "a/", NULL, 100);
    check_list(f->st, keys, n, "a/y", NULL, 100);
    check_list(f->st, keys, n, "a/y/", NULL, 100);
    check_list(f->st, keys, n, "t/", NULL, 100);
    check_list(f->st, keys, n, "t/_", NULL, 100);
    check_list(f->st, keys, n, "t/_data/", NULL, 100);
    check_list(f->st, keys, n, "t/_log/", NULL, 100);
    check_list(f->st, keys, n, "t/_log/0000000000000000001", NULL, 100);
    check_list(f->st, keys, n, "t/_log/", "t/_log/00000000000000000005x", 100);
    check_list(f->st, keys, n, "t/", "t/_data/z", 100);
    check_list(f->st, keys, n, "", "a/y", 100);
    check_list(f->st, keys, n, "", "a/y/z", 3);
    check_list(f->st, keys, n, "", "zz/top", 100);
    check_list(f->st, keys, n, "", "", 100);
    check_list(f->st, keys, n, "u", NULL, 100);
    check_list(f->st, keys, n, "u/", NULL, 100);       /* u is an object */
    check_list(f->st, keys, n, "nope/", NULL, 100);
    check_list(f->st, keys, n, "t/_log/00000000000000000001/", NULL, 100);

    /* Paging with start_after = the last key returned visits each log key
     * once, in order. */
    const char *after = NULL;
    char last[LS_KEY_BYTES_MAX + 1];
    int v = 0;
    for (;;) {
        ls_keylist kl;
        OK(ls_store_list(f->st, "t/_log/", after, 7, &kl));
        assert_true(kl.n <= 7);
        for (size_t i = 0; i < kl.n; i++) {
            char k[64];
            snprintf(k, sizeof(k), "t/_log/%020d", ++v);
            assert_string_equal(kl.keys[i], k);
        }
        size_t got = kl.n;
        if (got) {
            snprintf(last, sizeof(last), "%s", kl.keys[got - 1]);
            after = last;
        }
        ls_keylist_free(&kl);
        if (got < 7)
            break;
    }
    assert_int_equal(v, 25);

    /* Bad arguments. */
    ls_keylist kl = { (char **)1, 99 };
    assert_int_equal(ls_store_list(f->st, "", NULL, 0, &kl), LS_ERR_INVALID);
    assert_null(kl.keys);
    assert_int_equal(kl.n, 0);
    assert_int_equal(ls_store_list(f->st, "", NULL, LS_LIST_KEYS_MAX + 1, &kl),
                     LS_ERR_LIMIT);
    static const char *bad_prefixes[] = { "/", "/a", "../", "a/../", "..", "a/..",
                                          "a//", "./", "a/./b" };
    for (size_t i = 0; i < sizeof(bad_prefixes) / sizeof(bad_prefixes[0]); i++)
        assert_int_equal(ls_store_list(f->st, bad_prefixes[i], NULL, 10, &kl),
                         LS_ERR_INVALID);

    for (size_t i = 0; i < n; i++)
        free(keys[i]);
}

static void t_invalid_keys(void **state)
{
    fx *f = *state;
    char toolong[LS_KEY_BYTES_MAX + 2];
    memset(toolong, 'a', LS_KEY_BYTES_MAX + 1);
    toolong[LS_KEY_BYTES_MAX + 1] = '\0';
    const char *bad[] = { "", "../x", "x/..", "a/../b", "/abs", "a//b", ".",
                          "./a", "a/.", "trailing/", "/", "a\nb", "a/\x01",
                          "a/.tmp.123", ".tmp.x", toolong, NULL };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *k = bad[i];
        uint8_t *buf;
        size_t len;
        uint64_t size;
        assert_false(ls_key_is_valid(k));
        assert_int_equal(ls_store_put(f->st, k, "x", 1), LS_ERR_INVALID);
        assert_int_equal(ls_store_put_if_absent(f->st, k, "x", 1), LS_ERR_INVALID);
        assert_int_equal(ls_store_get(f->st, k, 0, 1, &buf, &len), LS_ERR_INVALID);
        assert_int_equal(ls_store_head(f->st, k, &size), LS_ERR_INVALID);
        assert_int_equal(ls_store_delete(f->st, k), LS_ERR_INVALID);
        /* The detail names the backend and the operation. */
        char want[64];
        snprintf(want, sizeof(want), "%s: delete", f->st->name);
        assert_non_null(strstr(ls_errmsg(), want));
        if (k)
            assert_non_null(strstr(ls_errmsg(), "invalid key"));
    }
    static const char *good[] = { "k", "a/b", "..a", "a..", ".x/y", "a/.tmp",
                                  "t/_log/00000000000000000001", "a b/c~d" };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_true(ls_key_is_valid(good[i]));
        OK(ls_store_put(f->st, good[i], "g", 1));
        assert_object(f->st, good[i], "g", 1);
    }
    /* Nothing invalid was written anywhere. */
    ls_keylist kl;
    OK(ls_store_list(f->st, "", NULL, 100, &kl));
    assert_int_equal(kl.n, sizeof(good) / sizeof(good[0]));
    ls_keylist_free(&kl);
    assert_int_equal(ls_store_put(f->st, "a/b", NULL, 3), LS_ERR_INVALID);
}

/* ---- races ------------------------------------------------------------- */

#define RACERS 8
#define RACE_KEYS 50

typedef struct racer {
    ls_store *st;
    pthread_barrier_t *bar;
    int id;
    int rc[RACE_KEYS];
} racer;

static void race_key(char *buf, size_t n, int k)
{
    snprintf(buf, n, "race/_log/%020d", k);
}

static void race_payload(char *buf, size_t n, int id, int k)
{
    snprintf(buf, n, "racer %d wrote key %d", id, k);
}

static void *race_thread(void *arg)
{
    racer *r = arg;
    for (int k = 0; k < RACE_KEYS; k++) {
        char key[64], val[64];
        race_key(key, sizeof(key), k);
        race_payload(val, sizeof(val), r->id, k);
        pthread_barrier_wait(r->bar);
        r->rc[k] = ls_store_put_if_absent(r->st, key, val, strlen(val));
    }
    return NULL;
}

/* Exactly one winner per key, every other racer saw EXISTS, and the
 * object holds the winner's payload. */
static void check_race(ls_store *st, int rc[RACERS][RACE_KEYS])
{
    for (int k = 0; k < RACE_KEYS; k++) {
        int winner = -1;
        for (int i = 0; i < RACERS; i++) {
            if (rc[i][k] == LS_OK) {
                assert_int_equal(winner, -1);
                winner = i;
            } else {
                assert_int_equal(rc[i][k], LS_ERR_EXISTS);
            }
        }
        assert_int_not_equal(winner, -1);
        char key[64], val[64];
        race_key(key, sizeof(key), k);
        race_payload(val, sizeof(val), winner, k);
        assert_object(st, key, val, strlen(val));
    }
}

static void t_race_threads(void **state)
{
    fx *f = *state;
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, RACERS);
    racer r[RACERS];
    pthread_t th[RACERS];
    for (int i = 0; i < RACERS; i++) {
        r[i] = (racer){ .st = f->st, .bar = &bar, .id = i };
        assert_int_equal(pthread_create(&th[i], NULL, race_thread, &r[i]), 0);
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&bar);
    int rc[RACERS][RACE_KEYS];
    for (int i = 0; i < RACERS; i++)
        memcpy(rc[i], r[i].rc, sizeof(rc[i]));
    if (f->kind == B_FAULT)
        assert_int_equal(ls_store_fault_calls(f->st), RACERS * RACE_KEYS);
    check_race(f->st, rc);
}

/* Readers never see a mix of two puts. */
#define ATOMIC_BYTES (64 * 1024)
typedef struct atom_arg {
    ls_store *st;
    atomic_int *stop;
    int bad, reads;
} atom_arg;

static void *atom_reader(void *arg)
{
    atom_arg *a = arg;
    while (!atomic_load(a->stop)) {
        uint8_t *buf;
        size_t len;
        if (ls_store_get(a->st, "atom", 0, LS_GET_TO_END, &buf, &len) != LS_OK) {
            a->bad++;
            continue;
        }
        if (len != ATOMIC_BYTES)
            a->bad++;
        for (size_t i = 1; i < len; i++)
            if (buf[i] != buf[0]) {
                a->bad++;
                break;
            }
        free(buf);
        a->reads++;
    }
    return NULL;
}

static void t_atomic_put(void **state)
{
    fx *f = *state;
    uint8_t *obj = malloc(ATOMIC_BYTES);
    assert_non_null(obj);
    memset(obj, 0, ATOMIC_BYTES);
    OK(ls_store_put(f->st, "atom", obj, ATOMIC_BYTES));
    atomic_int stop = 0;
    atom_arg a[2] = { { f->st, &stop, 0, 0 }, { f->st, &stop, 0, 0 } };
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, atom_reader, &a[i]), 0);
    for (int v = 1; v <= 100; v++) {
        memset(obj, v, ATOMIC_BYTES);
        OK(ls_store_put(f->st, "atom", obj, ATOMIC_BYTES));
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(a[i].bad, 0);
    }
    free(obj);
}

typedef struct proc_shared {
    pthread_barrier_t bar;
    int rc[RACERS][RACE_KEYS];
} proc_shared;

static void t_race_procs(void **state)
{
    fx *f = *state;
    proc_shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(sh != MAP_FAILED);
    pthread_barrierattr_t ba;
    pthread_barrierattr_init(&ba);
    pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
    assert_int_equal(pthread_barrier_init(&sh->bar, &ba, RACERS), 0);
    pthread_barrierattr_destroy(&ba);

    pid_t pids[RACERS];
    for (int i = 0; i < RACERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            /* Each process opens the store itself, as separate hosts would. */
            ls_store *st;
            if (ls_store_open(f->uri, NULL, &st) != LS_OK)
                _exit(2);
            for (int k = 0; k < RACE_KEYS; k++) {
                char key[64], val[64];
                race_key(key, sizeof(key), k);
                race_payload(val, sizeof(val), i, k);
                pthread_barrier_wait(&sh->bar);
                sh->rc[i][k] = ls_store_put_if_absent(st, key, val, strlen(val));
            }
            ls_store_close(st);
            _exit(0);
        }
    }
    for (int i = 0; i < RACERS; i++) {
        int status;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    check_race(f->st, sh->rc);
    pthread_barrier_destroy(&sh->bar);
    munmap(sh, sizeof(*sh));
}

/* ---- posix specifics --------------------------------------------------- */

/* Count files under dir whose name starts with ".tmp.". */
static int count_temps(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
            n += count_temps(path);
        else if (!strncmp(de->d_name, ".tmp.", 5))
            n++;
    }
    closedir(d);
    return n;
}

static void t_posix_files(void **state)
{
    fx *f = *state;
    put_str(f->st, "t/_log/1", "x");
    put_str(f->st, "t/_log/1", "y");
    OK(ls_store_put_if_absent(f->st, "t/_log/2", "z", 1));
    assert_int_equal(ls_store_put_if_absent(f->st, "t/_log/2", "w", 1), LS_ERR_EXISTS);
    assert_int_equal(count_temps(f->dir), 0);   /* no temp file is left behind */

    /* The key is a plain file under the root. */
    char path[4096];
    snprintf(path, sizeof(path), "%s/t/_log/2", f->dir);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char c = 0;
    assert_int_equal(fread(&c, 1, 1, fp), 1);
    assert_int_equal(c, 'z');
    fclose(fp);

    /* A stale temp file (a writer that crashed) and a temp directory are
     * invisible to list. */
    snprintf(path, sizeof(path), "%s/t/_log/.tmp.0123456789abcdef", f->dir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fclose(fp);
    snprintf(path, sizeof(path), "%s/t/.tmp.dir", f->dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/t/.tmp.dir/k", f->dir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fclose(fp);
    ls_keylist kl;
    OK(ls_store_list(f->st, "t/", NULL, 100, &kl));
    assert_int_equal(kl.n, 2);
    assert_string_equal(kl.keys[0], "t/_log/1");
    assert_string_equal(kl.keys[1], "t/_log/2");
    ls_keylist_free(&kl);

    /* A key cannot be both an object and a directory on posix: a clear,
     * non-retriable error. */
    put_str(f->st, "obj", "file");
    assert_int_equal(ls_store_put(f->st, "obj/child", "x", 1), LS_ERR_INVALID);
    assert_int_equal(ls_store_put_if_absent(f->st, "obj/child", "x", 1), LS_ERR_INVALID);
    assert_int_equal(ls_store_put(f->st, "t", "x", 1), LS_ERR_INVALID);
    assert_int_equal(ls_store_put_if_absent(f->st, "t/_log", "x", 1), LS_ERR_INVALID);
    assert_non_null(strstr(ls_errmsg(), "posix: put_if_absent t/_log"));

    /* Objects outlive the handle. */
    ls_store *st2;
    OK(ls_store_posix_new(f->dir, 0, &st2));
    assert_object(st2, "t/_log/1", "y", 1);
    ls_store_close(st2);
}

/* ---- fault wrapper ----------------------------------------------------- */

static void fault_open(const ls_fault_opts *o, ls_store **inner, ls_store **st)
{
    OK(ls_store_mem_new(inner));
    OK(ls_store_fault_new(*inner, o, st));
}

static void t_fault_fail_at(void **state)
{
    (void)state;
    ls_store *inner, *st;
    ls_fault_opts o = { .seed = 7, .fail_at = 3 };
    fault_open(&o, &inner, &st);
    put_str(st, "k1", "1");                                   /* call 1 */
    put_str(st, "k2", "2");                                   /* call 2 */
    assert_int_equal(ls_store_put(st, "k3", "3", 1), LS_ERR_IO);  /* call 3 */
    assert_non_null(strstr(ls_errmsg(), "fault"));
    assert_true(ls_err_is_retriable(LS_ERR_IO));
    uint64_t size;
    assert_int_equal(ls_store_head(inner, "k3", &size), LS_ERR_NOT_FOUND);
    assert_int_equal(ls_store_fault_calls(st), 3);
    assert_int_equal(ls_store_fault_injected(st), 1);
    put_str(st, "k3", "3");                                   /* call 4 */
    assert_object(inner, "k3", "3", 1);
    assert_int_equal(ls_store_fault_calls(st), 4);
    assert_int_equal(ls_store_fault_injected(st), 1);
    ls_store_close(st);

    /* A failed get hands back nothing; a failed delete deletes nothing. */
    o.fail_at = 2;
    fault_open(&o, &inner, &st);
    put_str(st, "g", "data");
    uint8_t *buf = (uint8_t *)"junk";
    size_t len = 3;
    assert_int_equal(ls_store_get(st, "g", 0, LS_GET_TO_END, &buf, &len), LS_ERR_IO);
    assert_null(buf);
    assert_int_equal(len, 0);
    ls_store_close(st);
    o.fail_at = 2;
    fault_open(&o, &inner, &st);
    put_str(st, "g", "data");
    assert_int_equal(ls_store_delete(st, "g"), LS_ERR_IO);
    assert_object(inner, "g", "data", 4);
    ls_store_close(st);

    /* fail_persist: every call from fail_at on fails. */
    o.fail_at = 2;
    o.fail_persist = 1;
    fault_open(&o, &inner, &st);
    put_str(st, "p1", "1");
    for (int i = 0; i < 4; i++)
        assert_int_equal(ls_store_put(st, "p2", "2", 1), LS_ERR_IO);
    assert_int_equal(ls_store_head(inner, "p2", &size), LS_ERR_NOT_FOUND);
    assert_int_equal(ls_store_fault_calls(st), 5);
    assert_int_equal(ls_store_fault_injected(st), 4);
    ls_store_close(st);
}

static void t_fault_lost_reply(void **state)
{
    (void)state;
    ls_store *inner, *st;
    ls_fault_opts o = { .seed = 7, .lost_reply_at = 1 };
    fault_open(&o, &inner, &st);
    assert_int_equal(ls_store_put_if_absent(st, "t/_log/1", "rec", 3), LS_ERR_TIMEOUT);
    assert_non_null(strstr(ls_errmsg(), "fault: lost reply"));
    /* The write happened: the object exists and a retry loses. */
    assert_object(st, "t/_log/1", "rec", 3);
    assert_int_equal(ls_store_put_if_absent(st, "t/_log/1", "rec", 3), LS_ERR_EXISTS);
    assert_int_equal(ls_store_fault_injected(st), 1);
    ls_store_close(st);

    /* A lost get reply frees the buffer (ASan would see a leak). */
    o.lost_reply_at = 2;
    fault_open(&o, &inner, &st);
    put_str(st, "g", "data");
    uint8_t *buf;
    size_t len;
    assert_int_equal(ls_store_get(st, "g", 0, LS_GET_TO_END, &buf, &len), LS_ERR_TIMEOUT);
    assert_null(buf);
    ls_store_close(st);

    /* A lost list reply hands back no keys. */
    fault_open(&o, &inner, &st);
    put_str(st, "l/a", "1");
    ls_keylist kl;
    assert_int_equal(ls_store_list(st, "l/", NULL, 10, &kl), LS_ERR_TIMEOUT);
    assert_null(kl.keys);
    assert_int_equal(kl.n, 0);
    ls_store_close(st);

    /* A lost delete reply: deleted all the same. */
    fault_open(&o, &inner, &st);
    put_str(st, "d", "1");
    assert_int_equal(ls_store_delete(st, "d"), LS_ERR_TIMEOUT);
    uint64_t size;
    assert_int_equal(ls_store_head(inner, "d", &size), LS_ERR_NOT_FOUND);
    ls_store_close(st);
}

static void t_fault_counting(void **state)
{
    (void)state;
    ls_store *inner, *st;
    ls_fault_opts o = { .seed = 1 };
    fault_open(&o, &inner, &st);
    uint8_t *buf;
    size_t len;
    uint64_t size;
    ls_keylist kl;
    put_str(st, "a", "1");
    OK(ls_store_put_if_absent(st, "b", "2", 1));
    OK(ls_store_get(st, "a", 0, 1, &buf, &len));
    free(buf);
    OK(ls_store_head(st, "a", &size));
    OK(ls_store_list(st, "", NULL, 10, &kl));
    ls_keylist_free(&kl);
    OK(ls_store_delete(st, "a"));
    assert_int_equal(ls_store_fault_calls(st), 6);
    assert_int_equal(ls_store_fault_injected(st), 0);
    /* Calls rejected by key validation never reach the wrapper. */
    assert_int_equal(ls_store_put(st, "../x", "1", 1), LS_ERR_INVALID);
    assert_int_equal(ls_store_fault_calls(st), 6);
    /* Not a fault store: no counters. */
    assert_int_equal(ls_store_fault_calls(inner), 0);
    assert_int_equal(ls_store_fault_injected(NULL), 0);
    ls_store_close(st);

    /* op_mask: only put_if_absent is counted, so call 1 is the first
     * put_if_absent whatever came before. */
    o.op_mask = LS_FAULT_OP_PUT_IF_ABSENT;
    o.fail_at = 1;
    fault_open(&o, &inner, &st);
    put_str(st, "a", "1");
    OK(ls_store_get(st, "a", 0, 1, &buf, &len));
    free(buf);
    OK(ls_store_head(st, "a", &size));
    OK(ls_store_list(st, "", NULL, 10, &kl));
    ls_keylist_free(&kl);
    OK(ls_store_delete(st, "a"));
    assert_int_equal(ls_store_fault_calls(st), 0);
    assert_int_equal(ls_store_put_if_absent(st, "c", "1", 1), LS_ERR_IO);
    assert_int_equal(ls_store_fault_calls(st), 1);
    OK(ls_store_put_if_absent(st, "c", "1", 1));
    assert_int_equal(ls_store_fault_calls(st), 2);
    ls_store_close(st);

    /* Bad options are refused and leave inner with the caller. */
    OK(ls_store_mem_new(&inner));
    ls_fault_opts bad = { .error_rate = 1.5 };
    assert_int_equal(ls_store_fault_new(inner, &bad, &st), LS_ERR_INVALID);
    assert_null(st);
    ls_store_close(inner);
}

#define RATE_OPS 200

/* Run RATE_OPS alternating puts and gets through a wrapper with error and
 * lost-reply rates; record each outcome and check its effect on inner. */
static void rate_run(uint64_t seed, int *out)
{
    ls_store *inner, *st;
    ls_fault_opts o = { .seed = seed, .error_rate = 0.3, .lost_reply_rate = 0.2 };
    fault_open(&o, &inner, &st);
    uint64_t injected = 0;
    for (int i = 0; i < RATE_OPS; i++) {
        char key[32];
        snprintf(key, sizeof(key), "k/%d", i / 2);
        if (i % 2 == 0) {
            out[i] = ls_store_put(st, key, key, strlen(key));
            uint64_t size;
            int exists = ls_store_head(inner, key, &size) == LS_OK;
            if (out[i] == LS_ERR_IO)
                assert_false(exists);      /* an error has no effect */
            else
                assert_true(exists);       /* OK or lost reply: written */
        } else {
            uint8_t *buf;
            size_t len;
            out[i] = ls_store_get(st, key, 0, LS_GET_TO_END, &buf, &len);
            if (out[i] == LS_OK)
                free(buf);
        }
        assert_true(out[i] == LS_OK || out[i] == LS_ERR_IO ||
                    out[i] == LS_ERR_TIMEOUT || out[i] == LS_ERR_NOT_FOUND);
        if (out[i] == LS_ERR_IO || out[i] == LS_ERR_TIMEOUT)
            injected++;
    }
    assert_int_equal(ls_store_fault_injected(st), injected);
    ls_store_close(st);
}

static void t_fault_rates(void **state)
{
    (void)state;
    int a[RATE_OPS], b[RATE_OPS], c[RATE_OPS];
    uint64_t seed = lt_seed();
    rate_run(seed, a);
    rate_run(seed, b);
    rate_run(seed + 1, c);
    assert_memory_equal(a, b, sizeof(a));          /* the seed replays */
    assert_memory_not_equal(a, c, sizeof(a));      /* another seed differs */
    int errors = 0, lost = 0;
    for (int i = 0; i < RATE_OPS; i++) {
        errors += a[i] == LS_ERR_IO;
        lost += a[i] == LS_ERR_TIMEOUT;
    }
    /* 0.3 and 0.7 * 0.2 of 200 calls: far outside these only if broken. */
    assert_in_range(errors, 25, 100);
    assert_in_range(lost, 8, 60);

    /* Rates 0 and 1 are exact. */
    ls_store *inner, *st;
    ls_fault_opts o = { .seed = seed, .error_rate = 1.0 };
    fault_open(&o, &inner, &st);
    for (int i = 0; i < 20; i++)
        assert_int_equal(ls_store_put(st, "x", "1", 1), LS_ERR_IO);
    ls_store_close(st);
}

typedef struct crash_probe {
    ls_store *inner;
    int calls;
    int key_existed;
} crash_probe;

static void on_crash(void *arg)
{
    crash_probe *p = arg;
    uint64_t size;
    p->calls++;
    p->key_existed = ls_store_head(p->inner, "c2", &size) == LS_OK;
}

static void t_fault_crash_latency(void **state)
{
    (void)state;
    ls_store *inner, *st;
    crash_probe probe = { 0 };
    ls_fault_opts o = { .seed = 3, .crash_at = 2, .crash_cb = on_crash,
                        .crash_arg = &probe };
    OK(ls_store_mem_new(&inner));
    probe.inner = inner;
    OK(ls_store_fault_new(inner, &o, &st));
    put_str(st, "c1", "1");
    assert_int_equal(probe.calls, 0);
    put_str(st, "c2", "2");
    assert_int_equal(probe.calls, 1);
    assert_false(probe.key_existed);    /* the hook runs before the call */
    put_str(st, "c3", "3");
    assert_int_equal(probe.calls, 1);
    assert_object(inner, "c2", "2", 1);
    ls_store_close(st);

    /* Latency: the delays follow the seeded stream (third draw of each
     * call), so their sum is known in advance. */
    ls_fault_opts lo = { .seed = 99, .latency_ms_max = 8 };
    uint64_t rng = lo.seed, want_ms = 0;
    for (int i = 0; i < 10; i++) {
        ls_splitmix64(&rng);
        ls_splitmix64(&rng);
        want_ms += ls_splitmix64(&rng) % 9;
    }
    fault_open(&lo, &inner, &st);
    uint64_t t0 = ls_now_ns();
    for (int i = 0; i < 10; i++)
        put_str(st, "lat", "1");
    uint64_t took_ms = (ls_now_ns() - t0) / 1000000;
    assert_true(took_ms >= want_ms);
    assert_true(took_ms < want_ms + 1000);
    ls_store_close(st);
}

/* ---- URI dispatch ------------------------------------------------------ */

/* ls_store_uri_parse: what ls_store_open would open, with no side effect. */
static void t_uri_parse(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("uriparse");
    char uri[4200], path[4096];
    ls_store_uri u;

    snprintf(path, sizeof(path), "%s/not/made", dir);
    snprintf(uri, sizeof(uri), "file://%s", path);
    OK(ls_store_uri_parse(uri, &u));
    assert_int_equal(u.kind, LS_STORE_URI_POSIX);
    assert_string_equal(u.path, path);
    OK(ls_store_uri_parse(path, &u));
    assert_int_equal(u.kind, LS_STORE_URI_POSIX);
    assert_ptr_equal(u.path, path);
    struct stat sb;
    assert_int_equal(stat(path, &sb), -1);   /* parsing created nothing */
    OK(ls_store_uri_parse("relative/dir", &u));
    assert_string_equal(u.path, "relative/dir");

    OK(ls_store_uri_parse("mem://", &u));
    assert_int_equal(u.kind, LS_STORE_URI_MEM);

    OK(ls_store_uri_parse("s3://bkt", &u));
    assert_int_equal(u.kind, LS_STORE_URI_S3);
    assert_string_equal(u.bucket, "bkt");
    assert_string_equal(u.prefix, "");
    OK(ls_store_uri_parse("s3://My_old.bucket-1/a/b//", &u));
    assert_string_equal(u.bucket, "My_old.bucket-1");
    assert_string_equal(u.prefix, "a/b/");
    OK(ls_store_uri_parse("s3://bkt/", &u));
    assert_string_equal(u.prefix, "");

    /* Refusals, with the detail ls_store_open reports. */
    assert_int_equal(ls_store_uri_parse("s3://x", &u), LS_ERR_INVALID);
    assert_non_null(strstr(ls_errmsg(), "s3: \"s3://x\""));
    assert_int_equal(ls_store_uri_parse("s3://-bkt", &u), LS_ERR_INVALID);
    assert_int_equal(ls_store_uri_parse("s3://bk t/p", &u), LS_ERR_INVALID);
    char b64[80];
    memset(b64, 'b', 64);
    b64[64] = '\0';
    snprintf(uri, sizeof(uri), "s3://%s", b64);
    assert_int_equal(ls_store_uri_parse(uri, &u), LS_ERR_INVALID);
    b64[63] = '\0';
    snprintf(uri, sizeof(uri), "s3://%s/p", b64);
    OK(ls_store_uri_parse(uri, &u));
    assert_string_equal(u.bucket, b64);
    assert_int_equal(ls_store_uri_parse("s3://bkt/a/../b", &u), LS_ERR_INVALID);
    assert_int_equal(ls_store_uri_parse("s3://bkt/a//b", &u), LS_ERR_INVALID);
    char longp[LS_S3_PREFIX_BYTES_MAX + 2];
    memset(longp, 'p', sizeof(longp) - 1);
    longp[sizeof(longp) - 1] = '\0';
    snprintf(uri, sizeof(uri), "s3://bkt/%s", longp);
    assert_int_equal(ls_store_uri_parse(uri, &u), LS_ERR_LIMIT);
    longp[LS_S3_PREFIX_BYTES_MAX] = '\0';
    snprintf(uri, sizeof(uri), "s3://bkt/%s/", longp);
    OK(ls_store_uri_parse(uri, &u));
    assert_int_equal(strlen(u.prefix), LS_S3_PREFIX_BYTES_MAX + 1);
    assert_int_equal(ls_store_uri_parse("ftp://x", &u), LS_ERR_INVALID);
    assert_int_equal(ls_store_uri_parse("file://host/x", &u), LS_ERR_INVALID);
    assert_int_equal(ls_store_uri_parse("mem://name", &u), LS_ERR_INVALID);
    assert_int_equal(ls_store_uri_parse("", &u), LS_ERR_INVALID);
    assert_int_equal(ls_store_uri_parse(NULL, &u), LS_ERR_INVALID);
    assert_int_equal(ls_store_uri_parse("mem://", NULL), LS_ERR_INVALID);

    /* The s3 backend refuses what is not an s3:// URI. */
    ls_store *st = (ls_store *)1;
    assert_int_equal(ls_store_s3_new("mem://", NULL, &st), LS_ERR_INVALID);
    assert_null(st);
    lt_rm_rf(dir);
    free(dir);
}

static void t_open_uri(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("uri");
    char uri[4096], path[4096];
    ls_store *st = (ls_store *)1;

    snprintf(uri, sizeof(uri), "file://%s/deep/er/root", dir);
    OK(ls_store_open(uri, NULL, &st));
    assert_string_equal(st->name, "posix");
    put_str(st, "t/k", "via file uri");
    ls_store_close(st);

    /* A plain path reaches the same objects. */
    ls_conf *conf = ls_conf_new();
    assert_non_null(conf);
    OK(ls_conf_set(conf, "store.fsync", "false"));
    snprintf(path, sizeof(path), "%s/deep/er/root", dir);
    OK(ls_store_open(path, conf, &st));
    assert_string_equal(st->name, "posix");
    assert_object(st, "t/k", "via file uri", 12);
    ls_store_close(st);
    ls_conf_destroy(conf);

    OK(ls_store_open("mem://", NULL, &st));
    assert_string_equal(st->name, "mem");
    put_str(st, "m", "1");
    ls_store_close(st);

    /* Each mem:// is a new, empty store. */
    OK(ls_store_open("mem://", NULL, &st));
    uint64_t size;
    assert_int_equal(ls_store_head(st, "m", &size), LS_ERR_NOT_FOUND);
    ls_store_close(st);

    /* s3:// goes to the s3 backend (tests/test_s3.c tests it). */
    assert_int_equal(ls_store_open("s3://x", NULL, &st), LS_ERR_INVALID);
    assert_null(st);
    assert_non_null(strstr(ls_errmsg(), "s3: \"s3://x\""));
    assert_int_equal(ls_store_open("ftp://x", NULL, &st), LS_ERR_INVALID);
    assert_null(st);
    assert_non_null(strstr(ls_errmsg(), "ftp://x"));
    assert_int_equal(ls_store_open("file://host/x", NULL, &st), LS_ERR_INVALID);
    assert_int_equal(ls_store_open("mem://name", NULL, &st), LS_ERR_INVALID);
    assert_int_equal(ls_store_open("", NULL, &st), LS_ERR_INVALID);
    assert_int_equal(ls_store_open(NULL, NULL, &st), LS_ERR_INVALID);
    assert_int_equal(ls_store_open("mem://", NULL, NULL), LS_ERR_INVALID);

    /* A root that is a file cannot be opened. */
    snprintf(path, sizeof(path), "%s/deep/er/root/t/k", dir);
    assert_int_not_equal(ls_store_open(path, NULL, &st), LS_OK);
    assert_null(st);

    ls_store_close(NULL);
    ls_keylist_free(NULL);
    lt_rm_rf(dir);
    free(dir);
}

/* ---- main -------------------------------------------------------------- */

#define CONF(f) \
    { "posix/" #f, f, setup_posix, teardown, NULL }, \
    { "mem/" #f, f, setup_mem, teardown, NULL }, \
    { "fault/" #f, f, setup_fault, teardown, NULL }, \
    { "s3/" #f, f, setup_s3, teardown, NULL }

int main(void)
{
    lt_seed();
    const struct CMUnitTest tests[] = {
        CONF(t_roundtrip),
        CONF(t_ranged_get),
        CONF(t_not_found),
        CONF(t_overwrite),
        CONF(t_put_if_absent),
        CONF(t_delete),
        CONF(t_list),
        CONF(t_invalid_keys),
        CONF(t_atomic_put),
        CONF(t_race_threads),
        { "posix/t_race_procs", t_race_procs, setup_posix, teardown, NULL },
        { "s3/t_race_procs", t_race_procs, setup_s3, teardown, NULL },
        { "posix/t_posix_files", t_posix_files, setup_posix, teardown, NULL },
        cmocka_unit_test(t_fault_fail_at),
        cmocka_unit_test(t_fault_lost_reply),
        cmocka_unit_test(t_fault_counting),
        cmocka_unit_test(t_fault_rates),
        cmocka_unit_test(t_fault_crash_latency),
        cmocka_unit_test(t_uri_parse),
        cmocka_unit_test(t_open_uri),
    };
    /* The s3 cases run only against a real server (see the top). */
    const char *uri = getenv("LS_TEST_S3_URI"), *req = getenv("LS_TEST_S3_REQUIRED");
    int with_s3 = (uri && *uri) || (req && !strcmp(req, "1"));
    struct CMUnitTest run[sizeof(tests) / sizeof(tests[0])];
    size_t n = 0;
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
        if (with_s3 || strncmp(tests[i].name, "s3/", 3))
            run[n++] = tests[i];
    if (!with_s3)
        printf("test_store: s3 cases not run (set LS_TEST_S3_URI=s3://bucket, see "
               "scripts/s3-server.sh)\n");
    return _cmocka_run_group_tests("test_store", run, n, NULL, NULL);
}
