/*
 * test_store_register.c -- a store backend defined outside the core,
 * registered by URI scheme (ls_store_register) and opened by URI: through
 * the core API (ls_store_open, tables, producers, consumers, the fault
 * wrapper on top) and through the Kafka shim's bootstrap.servers.  The
 * backend, "count://", wraps the built-in file backend and counts every
 * call; it declares its own property, count.fail.after.  Also: the
 * built-in table before any registration, every refusal of a malformed
 * descriptor, a registration race between threads, the limit of
 * LS_STORE_BACKENDS_MAX, and (LS_WITH_S3=OFF builds) an s3:// URI refused
 * as unsupported, naming the option.  The cases run in order: each one
 * leaves the scheme table as the next expects.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>

#include "lakestream.h"
#include "testutil.h"

#ifndef LS_TEST_WITH_S3
#define LS_TEST_WITH_S3 1
#endif

#define OK(x) assert_int_equal((x), LS_OK)

/* ---- the counting backend ------------------------------------------------ */

static _Atomic uint64_t g_calls;          /* every call of every count:// store */

typedef struct count_store {
    ls_store *inner;                      /* owned */
    uint64_t  fail_after;                 /* 0: never; else calls past it fail */
    _Atomic uint64_t calls;
} count_store;

static int count_call(ls_store *st)
{
    count_store *cs = st->impl;
    atomic_fetch_add(&g_calls, 1);
    uint64_t n = atomic_fetch_add(&cs->calls, 1) + 1;
    return cs->fail_after && n > cs->fail_after ? LS_ERR_IO : LS_OK;
}

static int c_put(ls_store *st, const char *key, const void *buf, size_t len)
{
    int rc = count_call(st);
    return rc ? rc : ls_store_put(((count_store *)st->impl)->inner, key, buf, len);
}

static int c_put_if_absent(ls_store *st, const char *key, const void *buf, size_t len)
{
    int rc = count_call(st);
    return rc ? rc : ls_store_put_if_absent(((count_store *)st->impl)->inner, key, buf, len);
}

static int c_get(ls_store *st, const char *key, uint64_t off, uint64_t len, uint8_t **out,
                 size_t *out_len)
{
    int rc = count_call(st);
    return rc ? rc : ls_store_get(((count_store *)st->impl)->inner, key, off, len, out, out_len);
}

static int c_head(ls_store *st, const char *key, uint64_t *size)
{
    int rc = count_call(st);
    return rc ? rc : ls_store_head(((count_store *)st->impl)->inner, key, size);
}

static int c_list(ls_store *st, const char *prefix, const char *start_after, size_t max,
                  ls_keylist *out)
{
    int rc = count_call(st);
    return rc ? rc : ls_store_list(((count_store *)st->impl)->inner, prefix, start_after, max,
                                   out);
}

static int c_del(ls_store *st, const char *key)
{
    int rc = count_call(st);
    return rc ? rc : ls_store_delete(((count_store *)st->impl)->inner, key);
}

static void c_close(ls_store *st)
{
    count_store *cs = st->impl;
    ls_store_close(cs->inner);
    free(cs);
    free(st);
}

/* count:///abs/path: the file backend's store at /abs/path, counted. */
static int count_open(const ls_store_backend *be, const char *uri, const ls_conf *conf,
                      ls_store **out)
{
    (void)be;
    *out = NULL;
    const char *path = uri + strlen("count://");
    if (strncmp(uri, "count://", 8) || path[0] != '/')
        return LS_ERR_INVALID;
    const ls_store_backend *file = ls_store_backend_find("file");
    if (!file)
        return LS_ERR_STATE;
    char inner_uri[4096];
    snprintf(inner_uri, sizeof inner_uri, "file://%s", path);
    ls_store *inner;
    int rc = file->open(file, inner_uri, conf, &inner);
    if (rc)
        return rc;
    ls_store *st = calloc(1, sizeof *st);
    count_store *cs = calloc(1, sizeof *cs);
    if (!st || !cs) {
        free(st);
        free(cs);
        ls_store_close(inner);
        return LS_ERR_NOMEM;
    }
    cs->inner = inner;
    cs->fail_after = strtoull(ls_conf_get(conf, "count.fail.after"), NULL, 10);
    *st = (ls_store){ .name = "count", .caps = inner->caps, .put = c_put,
                      .put_if_absent = c_put_if_absent, .get = c_get, .head = c_head,
                      .list = c_list, .del = c_del, .close = c_close, .impl = cs };
    *out = st;
    return LS_OK;
}

static const ls_conf_prop count_props[] = {
    { "count.fail.after", "int", "0", 0, 1000000000,
      "count://: calls past this many fail with an I/O error (0: none)", NULL },
};

static const ls_store_backend count_backend = {
    .scheme = "count",
    .uri_doc = "count:///abs/path (the posix store there, every call counted)",
    .props = count_props,
    .nprops = 1,
    .open = count_open,
};

/* ---- helpers ------------------------------------------------------------- */

static char *count_uri(const char *dir)
{
    char *uri = malloc(strlen(dir) + 16);
    assert_non_null(uri);
    sprintf(uri, "count://%s", dir);
    return uri;
}

static rd_kafka_conf_res_t shim_set(rd_kafka_conf_t *conf, const char *name, const char *value,
                                    char *errstr, size_t errstr_size)
{
    return rd_kafka_conf_set(conf, name, value, errstr, errstr_size);
}

static size_t conf_props_n(void)
{
    size_t n = 0;
    while (ls_conf_describe(n))
        n++;
    return n;
}

/* Samples "v-0".."v-(n-1)" in table t of st (global batch 4), flushed. */
static void produce(ls_store *st, const char *t, int n)
{
    ls_producer *p;
    OK(ls_producer_open(st, t, "p0", NULL, &p));
    for (int i = 0; i < n; i++) {
        char v[16];
        snprintf(v, sizeof v, "v-%d", i);
        OK(ls_producer_append(p, v, strlen(v), NULL));
    }
    OK(ls_producer_flush(p));
    ls_producer_close(p);
}

/* Steps 0..steps-1 of t at W = 1 hold "v-0".. in order. */
static void expect_steps(ls_store *st, const char *t, uint64_t steps)
{
    ls_consumer *c;
    OK(ls_consumer_open(st, t, 0, 1, NULL, &c));
    int next = 0;
    for (uint64_t s = 0; s < steps; s++) {
        ls_batch *b;
        OK(ls_consumer_read_step(c, s, 5000, &b));
        assert_int_equal(b->count, 4);
        for (size_t j = 0; j < b->count; j++, next++) {
            char v[16];
            snprintf(v, sizeof v, "v-%d", next);
            assert_int_equal(b->lens[j], strlen(v));
            assert_memory_equal(b->samples[j], v, strlen(v));
        }
        ls_batch_destroy(b);
    }
    ls_consumer_close(c);
}

/* ---- cases --------------------------------------------------------------- */

/* Before any registration: file, mem, s3, and nothing answers count://. */
static void t_builtins(void **state)
{
    (void)state;
    assert_string_equal(ls_store_backend_at(0)->scheme, "file");
    assert_string_equal(ls_store_backend_at(1)->scheme, "mem");
    assert_string_equal(ls_store_backend_at(2)->scheme, "s3");
    assert_null(ls_store_backend_at(3));
    assert_ptr_equal(ls_store_backend_find("mem"), ls_store_backend_at(1));
    assert_null(ls_store_backend_find("count"));
    assert_null(ls_store_backend_find(NULL));
    for (size_t i = 0; i < 3; i++)
        assert_non_null(ls_store_backend_at(i)->uri_doc);

    assert_true(ls_store_scheme_known("/a/path"));
    assert_true(ls_store_scheme_known("relative"));
    assert_true(ls_store_scheme_known("file:///x"));
    assert_true(ls_store_scheme_known("mem://"));
    assert_true(ls_store_scheme_known("s3://bucket/p"));
    assert_false(ls_store_scheme_known("count:///x"));
    assert_false(ls_store_scheme_known("ftp://x"));
    assert_false(ls_store_scheme_known(""));
    assert_false(ls_store_scheme_known(NULL));

    /* The backends' properties are the conf's: store.fsync, s3.*. */
    ls_conf *c = ls_conf_new();
    assert_non_null(c);
    OK(ls_conf_set(c, "store.fsync", "false"));
    OK(ls_conf_set(c, "s3.region", "eu-west-1"));
    assert_string_equal(ls_conf_get(c, "s3.region"), "eu-west-1");
    assert_int_equal(ls_conf_set(c, "count.fail.after", "1"), LS_ERR_INVALID);
    assert_null(ls_conf_get(c, "count.fail.after"));
    ls_conf_destroy(c);

    ls_store *st = (ls_store *)1;
    assert_int_equal(ls_store_open("count:///tmp/x", NULL, &st), LS_ERR_INVALID);
    assert_null(st);
    assert_non_null(strstr(ls_errmsg(), "unknown URI scheme (expected file://, mem:// or s3://)"));

    /* The shim refuses it as a bootstrap.servers too (not a store URI). */
    unsetenv("LAKESTREAM_STORE");
    char errstr[512];
    rd_kafka_conf_t *kc = rd_kafka_conf_new();
    assert_int_equal(shim_set(kc, "bootstrap.servers", "count:///tmp/x", errstr, sizeof errstr),
                     RD_KAFKA_CONF_INVALID);
    assert_int_equal(shim_set(kc, "lakestream.count.fail.after", "1", errstr, sizeof errstr),
                     RD_KAFKA_CONF_UNKNOWN);
    assert_int_equal(shim_set(kc, "bootstrap.servers", "mem://", errstr, sizeof errstr),
                     RD_KAFKA_CONF_OK);
    rd_kafka_conf_destroy(kc);
}

static int open_never(const ls_store_backend *be, const char *uri, const ls_conf *conf,
                      ls_store **out)
{
    (void)be, (void)uri, (void)conf;
    *out = NULL;
    return LS_ERR_STATE;
}

/* Malformed descriptors and taken names are refused; the table is unchanged. */
static void t_refusals(void **state)
{
    (void)state;
    size_t nprops = conf_props_n();
    assert_int_equal(ls_store_register(NULL), LS_ERR_INVALID);
    static const char *bad_schemes[] = {
        "Count", "", "1x", "a b", "x:", "-x", "abcdefghijklmnopqrstuvwxyz0123456",
    };
    for (size_t i = 0; i < sizeof bad_schemes / sizeof *bad_schemes; i++) {
        ls_store_backend b = { .scheme = bad_schemes[i], .open = open_never };
        assert_int_equal(ls_store_register(&b), LS_ERR_INVALID);
        assert_non_null(strstr(ls_errmsg(), "scheme"));
    }
    ls_store_backend nos = { .open = open_never };
    assert_int_equal(ls_store_register(&nos), LS_ERR_INVALID);
    ls_store_backend noopen = { .scheme = "bad" };
    assert_int_equal(ls_store_register(&noopen), LS_ERR_INVALID);
    ls_store_backend noprops = { .scheme = "bad", .nprops = 1, .open = open_never };
    assert_int_equal(ls_store_register(&noprops), LS_ERR_INVALID);

    static const ls_conf_prop bad_props[][1] = {
        { { "Bad Name", "int", "0", 0, 1, "doc", NULL } },
        { { "", "int", "0", 0, 1, "doc", NULL } },
        { { "bad.type", "float", "0", 0, 1, "doc", NULL } },
        { { "bad.default", "int", "x", 0, 1, "doc", NULL } },
        { { "bad.range", "int", "5", 0, 1, "doc", NULL } },
        { { "bad.minmax", "int", "0", 2, 1, "doc", NULL } },
        { { "bad.bool", "bool", "maybe", 0, 1, "doc", NULL } },
        { { "bad.enum", "enum", "a", 0, 0, "doc", NULL } },
        { { "bad.choice", "enum", "c", 0, 0, "doc", "a|b" } },
        { { "bad.nodoc", "int", "0", 0, 1, NULL, NULL } },
        { { "bad.nodefault", "string", NULL, 0, 0, "doc", NULL } },
    };
    for (size_t i = 0; i < sizeof bad_props / sizeof *bad_props; i++) {
        ls_store_backend b = { .scheme = "bad", .props = bad_props[i], .nprops = 1,
                               .open = open_never };
        assert_int_equal(ls_store_register(&b), LS_ERR_INVALID);
        assert_non_null(strstr(ls_errmsg(), "store: register bad://"));
    }
    static const ls_conf_prop twice[] = {
        { "bad.x", "int", "0", 0, 1, "doc", NULL },
        { "bad.x", "int", "0", 0, 1, "doc", NULL },
    };
    ls_store_backend b2 = { .scheme = "bad", .props = twice, .nprops = 2, .open = open_never };
    assert_int_equal(ls_store_register(&b2), LS_ERR_EXISTS);
    static const ls_conf_prop taken[] = {
        { "store.fsync", "bool", "true", 0, 1, "doc", NULL },
    };
    ls_store_backend b3 = { .scheme = "bad", .props = taken, .nprops = 1, .open = open_never };
    assert_int_equal(ls_store_register(&b3), LS_ERR_EXISTS);
    assert_non_null(strstr(ls_errmsg(), "store.fsync"));
    ls_store_backend file2 = { .scheme = "file", .open = open_never };
    assert_int_equal(ls_store_register(&file2), LS_ERR_EXISTS);

    assert_null(ls_store_backend_at(3));
    assert_null(ls_store_backend_find("bad"));
    assert_int_equal(conf_props_n(), nprops);
}

/* Registered: count:// opens through ls_store_open, carries tables, takes
 * its property from the conf, and gets the fault wrapper on top like any
 * backend. */
static void t_core_api(void **state)
{
    (void)state;
    size_t nprops = conf_props_n();
    OK(ls_store_register(&count_backend));
    assert_int_equal(ls_store_register(&count_backend), LS_ERR_EXISTS);
    assert_ptr_equal(ls_store_backend_find("count"), &count_backend);
    assert_ptr_equal(ls_store_backend_at(3), &count_backend);
    assert_true(ls_store_scheme_known("count:///x"));
    assert_int_equal(conf_props_n(), nprops + 1);
    assert_string_equal(ls_conf_describe(nprops)->name, "count.fail.after");

    char *dir = lt_tmpdir("register");
    char *uri = count_uri(dir);
    ls_store *st = NULL;
    uint64_t before = atomic_load(&g_calls);
    OK(ls_store_open(uri, NULL, &st));
    assert_string_equal(st->name, "count");
    OK(ls_table_create(st, "t", 4, LS_CODEC_NONE));
    produce(st, "t", 8);
    expect_steps(st, "t", 2);
    ls_store_close(st);
    assert_true(atomic_load(&g_calls) > before + 4);

    /* It is the posix store underneath: file:// reads the same table. */
    char file_uri[4200];
    snprintf(file_uri, sizeof file_uri, "file://%s", dir);
    OK(ls_store_open(file_uri, NULL, &st));
    assert_string_equal(st->name, "posix");
    expect_steps(st, "t", 2);
    ls_store_close(st);

    /* Its own property, through the conf; range-checked like the core's. */
    ls_conf *c = ls_conf_new();
    assert_non_null(c);
    assert_int_equal(ls_conf_set(c, "count.fail.after", "-1"), LS_ERR_INVALID);
    assert_non_null(strstr(ls_errmsg(), "count.fail.after"));
    OK(ls_conf_set(c, "count.fail.after", "2"));
    OK(ls_conf_set(c, "store.fsync", "false"));
    ls_conf *d = ls_conf_dup(c);
    assert_non_null(d);
    assert_string_equal(ls_conf_get(d, "count.fail.after"), "2");
    OK(ls_store_open(uri, d, &st));
    OK(ls_store_put(st, "k1", "a", 1));
    OK(ls_store_put(st, "k2", "b", 1));
    assert_int_equal(ls_store_put(st, "k3", "c", 1), LS_ERR_IO);
    ls_store_close(st);
    ls_conf_destroy(d);

    /* store.fault.* wraps it in the fault store, as any backend. */
    OK(ls_conf_set(c, "count.fail.after", "0"));
    OK(ls_conf_set(c, "store.fault.error.permille", "1000"));
    OK(ls_store_open(uri, c, &st));
    assert_string_equal(st->name, "fault");
    assert_int_equal(ls_store_put(st, "k4", "d", 1), LS_ERR_IO);
    ls_store_close(st);
    ls_conf_destroy(c);

    /* What the backend refuses comes back as its error, with no store. */
    st = (ls_store *)1;
    assert_int_equal(ls_store_open("count://relative", NULL, &st), LS_ERR_INVALID);
    assert_null(st);
    assert_non_null(strstr(ls_errmsg(), "the count:// backend failed"));
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    int *delivered = opaque;
    if (!m->err)
        (*delivered)++;
}

/* The Kafka shim (which links the core statically) takes count:///dir as
 * its bootstrap.servers and the backend's property as lakestream.<name>. */
static void t_shim(void **state)
{
    (void)state;
    unsetenv("LAKESTREAM_STORE");
    char *dir = lt_tmpdir("register_shim");
    char *uri = count_uri(dir);
    char errstr[512];
    int delivered = 0;
    rd_kafka_conf_t *kc = rd_kafka_conf_new();
    assert_int_equal(shim_set(kc, "bootstrap.servers", uri, errstr, sizeof errstr),
                     RD_KAFKA_CONF_OK);
    assert_int_equal(shim_set(kc, "lakestream.count.fail.after", "0", errstr, sizeof errstr),
                     RD_KAFKA_CONF_OK);
    assert_int_equal(shim_set(kc, "lakestream.count.fail.after", "x", errstr, sizeof errstr),
                     RD_KAFKA_CONF_INVALID);
    assert_int_equal(shim_set(kc, "lakestream.global.batch.size", "4", errstr, sizeof errstr),
                     RD_KAFKA_CONF_OK);
    assert_int_equal(shim_set(kc, "lakestream.store.fsync", "false", errstr, sizeof errstr),
                     RD_KAFKA_CONF_OK);
    assert_int_equal(shim_set(kc, "linger.ms", "600000", errstr, sizeof errstr),
                     RD_KAFKA_CONF_OK);
    rd_kafka_conf_set_dr_msg_cb(kc, dr_cb);
    rd_kafka_conf_set_opaque(kc, &delivered);
    uint64_t before = atomic_load(&g_calls);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof errstr);
    if (!rk)
        fail_msg("rd_kafka_new: %s", errstr);
    for (int i = 0; i < 8; i++) {
        char v[16];
        snprintf(v, sizeof v, "v-%d", i);
        assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("events"),
                                           RD_KAFKA_V_VALUE(v, strlen(v)),
                                           RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                           RD_KAFKA_V_END), 0);
    }
    assert_int_equal(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(delivered, 8);
    rd_kafka_destroy(rk);
    assert_true(atomic_load(&g_calls) > before);

    /* What the shim wrote, read back by the core through count:// too. */
    ls_store *st;
    OK(ls_store_open(uri, NULL, &st));
    expect_steps(st, "events", 2);
    ls_store_close(st);
    free(uri);
    lt_rm_rf(dir);
    free(dir);
}

/* Built without S3, an s3:// URI is refused as unsupported, naming the
 * option; a malformed one still gets the parser's error. */
static void t_s3_option(void **state)
{
    (void)state;
    assert_non_null(ls_conf_describe(0));
    ls_conf *c = ls_conf_new();
    assert_non_null(c);
    OK(ls_conf_set(c, "s3.connections.max", "4"));   /* documented in every build */
    ls_store *st = (ls_store *)1;
    assert_int_equal(ls_store_open("s3://x", c, &st), LS_ERR_INVALID);
    assert_null(st);
#if !LS_TEST_WITH_S3
    st = (ls_store *)1;
    assert_int_equal(ls_store_open("s3://bucket/prefix", c, &st), LS_ERR_UNSUPPORTED);
    assert_null(st);
    assert_non_null(strstr(ls_errmsg(), "LS_WITH_S3"));
    assert_int_equal(ls_store_s3_new("s3://bucket", NULL, &st), LS_ERR_UNSUPPORTED);
#endif
    ls_conf_destroy(c);
}

/* Threads racing to register one scheme: exactly one wins. */
static _Atomic int race_ok, race_exists;
static const ls_store_backend race_backend = { .scheme = "race", .open = open_never };

static void *race(void *arg)
{
    (void)arg;
    int rc = ls_store_register(&race_backend);
    if (rc == LS_OK)
        atomic_fetch_add(&race_ok, 1);
    else if (rc == LS_ERR_EXISTS)
        atomic_fetch_add(&race_exists, 1);
    return NULL;
}

static void t_race(void **state)
{
    (void)state;
    pthread_t th[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race, NULL), 0);
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&race_ok), 1);
    assert_int_equal(atomic_load(&race_exists), 7);
    assert_ptr_equal(ls_store_backend_find("race"), &race_backend);
    /* A backend whose open fails: the error, and no store. */
    ls_store *st = (ls_store *)1;
    assert_int_equal(ls_store_open("race://x", NULL, &st), LS_ERR_STATE);
    assert_null(st);
}

/* The table holds LS_STORE_BACKENDS_MAX backends, then LS_ERR_LIMIT. */
static void t_limit(void **state)
{
    (void)state;
    static char schemes[LS_STORE_BACKENDS_MAX][16];
    static ls_store_backend fill[LS_STORE_BACKENDS_MAX];
    size_t n = 0;
    while (ls_store_backend_at(n))
        n++;
    assert_int_equal(n, 5);      /* file, mem, s3, count, race */
    int rc = LS_OK;
    size_t i;
    for (i = 0; i < LS_STORE_BACKENDS_MAX && rc == LS_OK; i++) {
        snprintf(schemes[i], sizeof schemes[i], "fill%zu", i);
        fill[i] = (ls_store_backend){ .scheme = schemes[i], .open = open_never };
        rc = ls_store_register(&fill[i]);
    }
    assert_int_equal(rc, LS_ERR_LIMIT);
    assert_int_equal(i - 1, LS_STORE_BACKENDS_MAX - n);
    assert_non_null(ls_store_backend_at(LS_STORE_BACKENDS_MAX - 1));
    assert_null(ls_store_backend_at(LS_STORE_BACKENDS_MAX));
    assert_false(ls_store_scheme_known("fill31://x"));
    assert_true(ls_store_scheme_known("fill0://x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_builtins), cmocka_unit_test(t_refusals),
        cmocka_unit_test(t_core_api), cmocka_unit_test(t_shim),
        cmocka_unit_test(t_s3_option), cmocka_unit_test(t_race),
        cmocka_unit_test(t_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
