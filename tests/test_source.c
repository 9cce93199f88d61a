/*
 * test_source.c -- the data-lake source: datasets written with avro-c's own
 * file writer are read back in order (codecs null and deflate; bytes,
 * string, union and richer schemas); every position resumes exactly after
 * its sample, seeking by block headers; and damaged files, positions and
 * datasets fail with errors that name the file, block and record.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <avro.h>
#include <cmocka.h>
#include <zlib.h>

#include "ls_int.h"
#include "testutil.h"

/* ---- datasets ---------------------------------------------------------- */

enum kind {
    K_BYTES,    /* {id: long, sample: bytes} */
    K_STRING,   /* {id: long, sample: string} */
    K_UNION,    /* {id: long, sample: [null, bytes]}, null at null_at */
    K_RICH,     /* arrays, maps, unions around a [string, null] sample */
    K_LONG,     /* {id: long, sample: long}: not a sample type */
};

static const char *schema_json(int kind)
{
    switch (kind) {
    case K_BYTES:
        return "{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"id\",\"type\":"
               "\"long\"},{\"name\":\"sample\",\"type\":\"bytes\"}]}";
    case K_STRING:
        return "{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"id\",\"type\":"
               "\"long\"},{\"name\":\"sample\",\"type\":\"string\"}]}";
    case K_UNION:
        return "{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"id\",\"type\":"
               "\"long\"},{\"name\":\"sample\",\"type\":[\"null\",\"bytes\"]}]}";
    case K_RICH:
        return "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
               "{\"name\":\"id\",\"type\":\"long\"},"
               "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
               "{\"name\":\"attrs\",\"type\":{\"type\":\"map\",\"values\":\"long\"}},"
               "{\"name\":\"opt\",\"type\":[\"null\",\"double\"]},"
               "{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"K\",\"symbols\":"
               "[\"A\",\"B\",\"C\"]}},"
               "{\"name\":\"sample\",\"type\":[\"string\",\"null\"]},"
               "{\"name\":\"flag\",\"type\":\"boolean\"}]}";
    default:
        return "{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"id\",\"type\":"
               "\"long\"},{\"name\":\"sample\",\"type\":\"long\"}]}";
    }
}

typedef struct spec {
    int kind;
    const char *codec;
    int records, block_records;
    int null_at;              /* K_UNION: record whose sample is null (-1: none) */
} spec;

/* Expected samples, in dataset order. */
typedef struct expect {
    char  **v;
    size_t *len;
    size_t  n, cap;
} expect;

static void expect_add(expect *e, const char *p, size_t n)
{
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 256;
        e->v = realloc(e->v, e->cap * sizeof(*e->v));
        e->len = realloc(e->len, e->cap * sizeof(*e->len));
        assert_non_null(e->v);
        assert_non_null(e->len);
    }
    e->v[e->n] = malloc(n + 1);
    memcpy(e->v[e->n], p, n);
    e->v[e->n][n] = '\0';
    e->len[e->n++] = n;
}

static void expect_free(expect *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i]);
    free(e->v);
    free(e->len);
    memset(e, 0, sizeof(*e));
}

/* Sample r of the file tagged `tag`: "<tag>/<r>:" then text of a length
 * that varies with r (0..~300 bytes of filler). */
static size_t make_sample(const char *tag, int r, char *buf)
{
    int n = sprintf(buf, "%s/%d:", tag, r);
    size_t fill = (size_t)((r * 37 + (int)strlen(tag) * 11) % 300);
    lt_fill(buf + n, fill, (uint64_t)r * 7919u + fill, 1);
    return (size_t)n + fill;
}

/* Write dir/name with avro-c's writer; add its samples to e (may be NULL). */
static void write_file(const char *dir, const char *name, const spec *sp, expect *e)
{
    char path[1024], buf[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
    avro_schema_t sc;
    const char *json = schema_json(sp->kind);
    assert_int_equal(avro_schema_from_json_length(json, strlen(json), &sc), 0);
    avro_value_iface_t *iface = avro_generic_class_from_schema(sc);
    assert_non_null(iface);
    avro_file_writer_t w;
    /* A block buffer large enough for block_records records: blocks are cut
     * by avro_file_writer_sync below. */
    size_t block_bytes = (size_t)sp->block_records * 512 + 4096;
    assert_int_equal(avro_file_writer_create_with_codec(path, sc, &w, sp->codec, block_bytes), 0);
    avro_value_t rec, f, b, e2;
    assert_int_equal(avro_generic_value_new(iface, &rec), 0);
    for (int r = 0; r < sp->records; r++) {
        size_t n = make_sample(name, r, buf);
        assert_int_equal(avro_value_reset(&rec), 0);
        assert_int_equal(avro_value_get_by_name(&rec, "id", &f, NULL), 0);
        assert_int_equal(avro_value_set_long(&f, r), 0);
        assert_int_equal(avro_value_get_by_name(&rec, "sample", &f, NULL), 0);
        switch (sp->kind) {
        case K_BYTES:
            assert_int_equal(avro_value_set_bytes(&f, buf, n), 0);
            break;
        case K_STRING:
            assert_int_equal(avro_value_set_string_len(&f, buf, n + 1), 0);
            break;
        case K_UNION:
            if (r == sp->null_at) {
                assert_int_equal(avro_value_set_branch(&f, 0, &b), 0);
                assert_int_equal(avro_value_set_null(&b), 0);
            } else {
                assert_int_equal(avro_value_set_branch(&f, 1, &b), 0);
                assert_int_equal(avro_value_set_bytes(&b, buf, n), 0);
            }
            break;
        case K_RICH: {
            assert_int_equal(avro_value_set_branch(&f, 0, &b), 0);
            assert_int_equal(avro_value_set_string_len(&b, buf, n + 1), 0);
            assert_int_equal(avro_value_get_by_name(&rec, "tags", &f, NULL), 0);
            for (int i = 0; i < r % 4; i++) {
                assert_int_equal(avro_value_append(&f, &e2, NULL), 0);
                assert_int_equal(avro_value_set_string(&e2, i % 2 ? "odd" : "even"), 0);
            }
            assert_int_equal(avro_value_get_by_name(&rec, "attrs", &f, NULL), 0);
            for (int i = 0; i < r % 3; i++) {
                char key[16];
                snprintf(key, sizeof(key), "k%d", i);
                assert_int_equal(avro_value_add(&f, key, &e2, NULL, NULL), 0);
                assert_int_equal(avro_value_set_long(&e2, -r * i), 0);
            }
            assert_int_equal(avro_value_get_by_name(&rec, "opt", &f, NULL), 0);
            assert_int_equal(avro_value_set_branch(&f, r % 2, &b), 0);
            if (r % 2)
                assert_int_equal(avro_value_set_double(&b, r * 0.5), 0);
            else
                assert_int_equal(avro_value_set_null(&b), 0);
            assert_int_equal(avro_value_get_by_name(&rec, "kind", &f, NULL), 0);
            assert_int_equal(avro_value_set_enum(&f, r % 3), 0);
            assert_int_equal(avro_value_get_by_name(&rec, "flag", &f, NULL), 0);
            assert_int_equal(avro_value_set_boolean(&f, r & 1), 0);
            break;
        }
        default:
            assert_int_equal(avro_value_set_long(&f, r), 0);
        }
        assert_int_equal(avro_file_writer_append_value(w, &rec), 0);
        if ((r + 1) % sp->block_records == 0)
            assert_int_equal(avro_file_writer_sync(w), 0);
        if (e && !(sp->kind == K_UNION && r == sp->null_at))
            expect_add(e, buf, n);
    }
    avro_value_decref(&rec);
    assert_int_equal(avro_file_writer_close(w), 0);
    avro_value_iface_decref(iface);
    avro_schema_decref(sc);
}

/* nfiles files "ds-00000.avro"... of one spec. */
static void write_dataset(const char *dir, int nfiles, const spec *sp, expect *e)
{
    for (int i = 0; i < nfiles; i++) {
        char name[64];
        snprintf(name, sizeof(name), "ds-%05d.avro", i);
        write_file(dir, name, sp, e);
    }
}

/* ---- reading helpers --------------------------------------------------- */

/* Read up to max samples (or to eof), checking them against e from `from`
 * on; returns how many were read, *eof set if the end was reached. */
static size_t read_check(ls_source *s, const expect *e, size_t from, size_t max, int *eof)
{
    size_t got = 0;
    *eof = 0;
    while (got < max) {
        const void *p;
        size_t n;
        int rc = ls_source_next(s, &p, &n, eof);
        if (rc)
            fail_msg("sample %zu: %s: %s", from + got, ls_err2str(rc), ls_errmsg());
        if (*eof) {
            assert_int_equal(from + got, e->n);
            assert_null(p);
            break;
        }
        assert_true(from + got < e->n);
        if (n != e->len[from + got] || memcmp(p, e->v[from + got], n) != 0)
            fail_msg("sample %zu: got \"%.*s\", want \"%s\"", from + got,
                     (int)(n < 60 ? n : 60), (const char *)p, e->v[from + got]);
        got++;
    }
    return got;
}

/* A copy of the position. */
static uint8_t *pos_copy(ls_source *s, size_t *len)
{
    const void *p = ls_source_position(s, len);
    assert_true(*len <= LS_SOURCE_POSITION_BYTES_MAX);
    uint8_t *c = malloc(*len + 1);
    memcpy(c, p, *len);
    return c;
}

/* Open at pos, read everything after it, check it is e[from..]. */
static void resume_check(const char *dir, const uint8_t *pos, size_t pos_len,
                         const expect *e, size_t from, ls_source_stats *st)
{
    ls_source *s;
    int eof, rc = ls_source_open(dir, "sample", pos, pos_len, &s);
    if (rc)
        fail_msg("resume at %zu: %s: %s", from, ls_err2str(rc), ls_errmsg());
    size_t got = read_check(s, e, from, SIZE_MAX, &eof);
    assert_true(eof);
    assert_int_equal(from + got, e->n);
    if (st)
        ls_source_stats_get(s, st);
    ls_source_close(s);
}

static int contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        print_error("\"%s\" does not contain \"%s\"\n", hay, needle);
        return 0;
    }
    return 1;
}

/* ---- container parsing, to damage files on purpose --------------------- */

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void spit(const char *path, const uint8_t *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
}

static int64_t rd_long(const uint8_t *b, size_t *i)
{
    uint64_t u = 0;
    for (unsigned s = 0;; s += 7) {
        uint8_t x = b[(*i)++];
        u |= (uint64_t)(x & 0x7f) << s;
        if (!(x & 0x80))
            break;
    }
    return (int64_t)((u >> 1) ^ (0 - (u & 1)));
}

typedef struct blockinfo {
    size_t off, body, size;   /* header offset, body offset, body size */
    int64_t count;
} blockinfo;

/* Block layout of an avro-c written file (its header map is one block). */
static size_t blocks_of(const uint8_t *b, size_t len, blockinfo *out, size_t max)
{
    size_t i = 4;
    for (int64_t n; (n = rd_long(b, &i)) != 0;)
        for (int64_t k = 0; k < n; k++) {
            int64_t kl = rd_long(b, &i);
            i += (size_t)kl;
            int64_t vl = rd_long(b, &i);
            i += (size_t)vl;
        }
    i += 16;
    size_t nb = 0;
    while (i < len && nb < max) {
        out[nb].off = i;
        out[nb].count = rd_long(b, &i);
        out[nb].size = (size_t)rd_long(b, &i);
        out[nb].body = i;
        i += out[nb].size + 16;
        nb++;
    }
    assert_int_equal(i, len);
    return nb;
}

/* ---- tests ------------------------------------------------------------- */

static void test_read_all(void **state)
{
    (void)state;
    static const spec specs[] = {
        { K_BYTES, "null", 57, 10, -1 },
        { K_BYTES, "deflate", 57, 10, -1 },
        { K_STRING, "null", 57, 7, -1 },
        { K_STRING, "deflate", 57, 7, -1 },
        { K_UNION, "deflate", 40, 6, -1 },
        { K_RICH, "null", 41, 8, -1 },
        { K_RICH, "deflate", 41, 8, -1 },
    };
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        const spec *sp = &specs[i];
        char *dir = lt_tmpdir("src-all");
        expect e = { 0 };
        write_dataset(dir, 3, sp, &e);
        ls_source *s;
        int eof;
        assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), 0);
        size_t len;
        ls_source_position(s, &len);
        assert_int_equal(len, 0);   /* the start */
        assert_int_equal(read_check(s, &e, 0, SIZE_MAX, &eof), e.n);
        assert_true(eof);
        /* eof again, and it stays at the end */
        const void *p;
        size_t n;
        assert_int_equal(ls_source_next(s, &p, &n, &eof), 0);
        assert_true(eof);
        ls_source_stats st;
        ls_source_stats_get(s, &st);
        size_t blocks_per_file = (size_t)(sp->records + sp->block_records - 1) / sp->block_records;
        assert_int_equal(st.files_opened, 3);
        assert_int_equal(st.blocks_read, 3 * blocks_per_file);
        assert_int_equal(st.blocks_skipped, 0);
        assert_int_equal(st.records_read, e.n);
        assert_int_equal(st.records_skipped, 0);
        assert_true(st.bytes_read > 0);
        ls_source_close(s);
        expect_free(&e);
        lt_rm_rf(dir);
        free(dir);
    }
    ls_source_close(NULL);
    ls_source_stats st;
    ls_source_stats_get(NULL, &st);
    assert_int_equal(st.records_read, 0);
}

/* Stop after every k samples, reopen at the position: the rest is exact. */
static void test_resume_every_k(void **state)
{
    (void)state;
    static const spec specs[] = {
        { K_BYTES, "null", 23, 5, -1 },
        { K_STRING, "deflate", 23, 5, -1 },
        { K_RICH, "deflate", 12, 4, -1 },
    };
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        char *dir = lt_tmpdir("src-k");
        expect e = { 0 };
        write_dataset(dir, 2, &specs[i], &e);
        for (size_t k = 0; k <= e.n; k++) {
            ls_source *s;
            int eof;
            assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), 0);
            assert_int_equal(read_check(s, &e, 0, k, &eof), k);
            size_t len;
            uint8_t *pos = pos_copy(s, &len);
            ls_source_close(s);
            assert_true(k == 0 ? len == 0 : len > 0);
            resume_check(dir, len ? pos : NULL, len, &e, k, NULL);
            free(pos);
        }
        expect_free(&e);
        lt_rm_rf(dir);
        free(dir);
    }
}

/* Many blocks per file: random resume points, resuming near the end reads
 * one block, and a producer killed again and again loses and repeats
 * nothing. */
static void test_resume_big(void **state)
{
    (void)state;
    const spec sp = { K_BYTES, "deflate", 3000, 100, -1 };
    char *dir = lt_tmpdir("src-big");
    expect e = { 0 };
    write_dataset(dir, 3, &sp, &e);
    assert_int_equal(e.n, 9000);
    uint64_t seed = lt_seed() ^ 0x5eed;

    /* Random resume points. */
    for (int t = 0; t < 12; t++) {
        size_t k = (size_t)(ls_splitmix64(&seed) % (e.n + 1));
        ls_source *s;
        int eof;
        assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), 0);
        assert_int_equal(read_check(s, &e, 0, k, &eof), k);
        size_t len;
        uint8_t *pos = pos_copy(s, &len);
        ls_source_close(s);
        resume_check(dir, len ? pos : NULL, len, &e, k, NULL);
        free(pos);
    }

    /* Near the end: block headers are skipped, records are not decoded. */
    {
        size_t k = e.n - 5;
        ls_source *s;
        int eof;
        assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), 0);
        assert_int_equal(read_check(s, &e, 0, k, &eof), k);
        size_t len;
        uint8_t *pos = pos_copy(s, &len);
        ls_source_close(s);
        ls_source_stats st;
        resume_check(dir, pos, len, &e, k, &st);
        /* 30 blocks of 100 in the last file: 29 skipped by header, the last
         * one read, 95 of its records skipped without being returned. */
        assert_int_equal(st.files_opened, 1);
        assert_int_equal(st.blocks_skipped, 29);
        assert_int_equal(st.blocks_read, 1);
        assert_int_equal(st.records_read, 5);
        assert_int_equal(st.records_skipped, 29 * 100 + 95);
        assert_true(st.bytes_read < 64 * 1024);
        free(pos);
    }

    /* Killed after random runs: the concatenation is the dataset, once. */
    {
        size_t done = 0, len = 0;
        uint8_t *pos = NULL;
        int eof = 0, runs = 0;
        while (!eof) {
            ls_source *s;
            int rc = ls_source_open(dir, "sample", len ? pos : NULL, len, &s);
            if (rc)
                fail_msg("run %d at %zu: %s", runs, done, ls_errmsg());
            size_t want = 1 + (size_t)(ls_splitmix64(&seed) % 900);
            done += read_check(s, &e, done, want, &eof);
            free(pos);
            pos = pos_copy(s, &len);
            ls_source_close(s);
            runs++;
        }
        assert_int_equal(done, e.n);
        free(pos);
    }
    expect_free(&e);
    lt_rm_rf(dir);
    free(dir);
}

/* Positions at file ends, files added later, files that are not read. */
static void test_files(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("src-files");
    const spec sp = { K_BYTES, "null", 10, 5, -1 }, sp0 = { K_BYTES, "null", 0, 5, -1 };
    expect e = { 0 };
    ls_source *s;
    int eof;
    const void *p;
    size_t n, len;

    /* An empty directory: eof at once. */
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), 0);
    assert_int_equal(ls_source_next(s, &p, &n, &eof), 0);
    assert_true(eof);

    /* Files appearing later are found at the next call. */
    write_file(dir, "b-1.avro", &sp, &e);
    write_file(dir, "b-2-empty.avro", &sp0, &e);   /* header only: no block */
    write_file(dir, "b-3.avro", &sp, &e);
    /* Not read: hidden, not .avro, a directory, a dangling link. */
    write_file(dir, ".b-0.avro", &sp, NULL);
    write_file(dir, "b-1.avro.tmp", &sp, NULL);
    char path[1024];
    snprintf(path, sizeof(path), "%s/b-15.avro", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/b-16.avro", dir);
    assert_int_equal(symlink("nowhere.avro", path), 0);
    assert_int_equal(read_check(s, &e, 0, SIZE_MAX, &eof), e.n);
    assert_true(eof);
    ls_source_close(s);

    /* The position at the end of b-1 resumes at b-3's first sample. */
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), 0);
    assert_int_equal(read_check(s, &e, 0, 10, &eof), 10);
    uint8_t *pos = pos_copy(s, &len);
    ls_source_close(s);
    assert_int_equal(len, 4 + 2 + strlen("b-1.avro") + 24);
    assert_memory_equal(pos + 6, "b-1.avro", 8);
    assert_int_equal(ls_get_u64le(pos + 14), 1);    /* block 1 */
    assert_int_equal(ls_get_u64le(pos + 30), 5);    /* record 5: after the block */
    ls_source_stats st;
    resume_check(dir, pos, len, &e, 10, &st);
    assert_int_equal(st.files_opened, 3);   /* b-1 (seek), b-2-empty, b-3 */
    assert_int_equal(st.blocks_read, 2);
    assert_int_equal(st.blocks_skipped, 2);

    /* At the very end: a new file sorting before the last one is never
     * read; one sorting after it is, by the same handle and by a restart. */
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), 0);
    assert_int_equal(read_check(s, &e, 0, SIZE_MAX, &eof), e.n);
    assert_true(eof);
    free(pos);
    pos = pos_copy(s, &len);
    write_file(dir, "a-0.avro", &sp, NULL);
    write_file(dir, "c-0.avro", &sp, &e);
    assert_int_equal(read_check(s, &e, 20, 3, &eof), 3);
    ls_source_close(s);
    resume_check(dir, pos, len, &e, 20, NULL);
    free(pos);

    expect_free(&e);
    lt_rm_rf(dir);
    free(dir);
}

static void test_open_errors(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("src-open");
    ls_source *s = (ls_source *)1;
    char path[1024];

    snprintf(path, sizeof(path), "%s/missing", dir);
    assert_int_equal(ls_source_open(path, "sample", NULL, 0, &s), LS_ERR_NOT_FOUND);
    assert_null(s);
    assert_true(contains(ls_errmsg(), path));
    assert_int_equal(ls_source_open(NULL, "sample", NULL, 0, &s), LS_ERR_INVALID);
    assert_int_equal(ls_source_open(dir, "", NULL, 0, &s), LS_ERR_INVALID);
    assert_int_equal(ls_source_open(dir, "sample", NULL, 3, &s), LS_ERR_INVALID);

    const spec sb = { K_BYTES, "null", 10, 5, -1 }, sl = { K_LONG, "null", 10, 5, -1 };
    write_file(dir, "f-0.avro", &sb, NULL);
    snprintf(path, sizeof(path), "%s/f-0.avro", dir);
    assert_int_equal(ls_source_open(path, "sample", NULL, 0, &s), LS_ERR_INVALID);  /* not a dir */

    /* Unknown field: the open fails, naming the file and the fields. */
    assert_int_equal(ls_source_open(dir, "nope", NULL, 0, &s), LS_ERR_INVALID);
    assert_true(contains(ls_errmsg(), "f-0.avro"));
    assert_true(contains(ls_errmsg(), "\"nope\""));
    assert_true(contains(ls_errmsg(), "id, sample"));
    /* A field of another type. */
    assert_int_equal(ls_source_open(dir, "id", NULL, 0, &s), LS_ERR_INVALID);
    assert_true(contains(ls_errmsg(), "f-0.avro"));
    assert_true(contains(ls_errmsg(), "long"));

    /* The same for a later file, at the sample that reaches it. */
    write_file(dir, "f-1.avro", &sl, NULL);
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), 0);
    const void *p;
    size_t n;
    int eof;
    for (int i = 0; i < 10; i++)
        assert_int_equal(ls_source_next(s, &p, &n, &eof), 0);
    assert_int_equal(ls_source_next(s, &p, &n, &eof), LS_ERR_INVALID);
    assert_true(contains(ls_errmsg(), "f-1.avro"));
    assert_true(contains(ls_errmsg(), "long"));
    assert_int_equal(ls_source_next(s, &p, &n, &eof), LS_ERR_INVALID);   /* stays */
    ls_source_close(s);
    snprintf(path, sizeof(path), "%s/f-1.avro", dir);
    unlink(path);

    /* Not an Avro file. */
    snprintf(path, sizeof(path), "%s/e-0.avro", dir);
    spit(path, (const uint8_t *)"PK\x03\x04 this is a zip", 18);
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), LS_ERR_CORRUPT);
    assert_true(contains(ls_errmsg(), "e-0.avro"));
    assert_true(contains(ls_errmsg(), "magic"));
    /* A truncated header. */
    spit(path, (const uint8_t *)"Obj\x01\x04\x14", 6);
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), LS_ERR_CORRUPT);
    assert_true(contains(ls_errmsg(), "e-0.avro"));
    assert_true(contains(ls_errmsg(), "truncated header"));
    /* An empty file. */
    spit(path, (const uint8_t *)"", 0);
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), LS_ERR_CORRUPT);
    assert_true(contains(ls_errmsg(), "e-0.avro"));
    unlink(path);

    /* An unknown codec (patched into an avro-c file: same length). */
    size_t len;
    snprintf(path, sizeof(path), "%s/f-0.avro", dir);
    uint8_t *b = slurp(path, &len);
    uint8_t *c = memmem(b, len, "\x08null", 5);
    assert_non_null(c);
    memcpy(c + 1, "zstd", 4);
    spit(path, b, len);
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), LS_ERR_UNSUPPORTED);
    assert_true(contains(ls_errmsg(), "f-0.avro"));
    assert_true(contains(ls_errmsg(), "\"zstd\""));
    /* A schema that does not parse. */
    memcpy(c + 1, "null", 4);
    c = memmem(b, len, "\"record\"", 8);
    assert_non_null(c);
    c[0] = '[';
    spit(path, b, len);
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), LS_ERR_CORRUPT);
    assert_true(contains(ls_errmsg(), "f-0.avro"));
    assert_true(contains(ls_errmsg(), "avro.schema"));
    free(b);
    lt_rm_rf(dir);
    free(dir);
}

typedef struct damage {
    const char *name;
    int block;          /* the damaged block */
    int rc;
    const char *says;   /* in the error detail */
} damage;

/* Write a 40-record file of 8 blocks of 5, damage block d.block (or the
 * file) as `how`, and check: the samples before that block come out, then
 * the error (twice: a retry fails the same way). */
static void check_damage(const char *codec, int how, const damage *d)
{
    char *dir = lt_tmpdir("src-dmg");
    const spec sp = { K_BYTES, codec, 40, 5, -1 };
    expect e = { 0 };
    write_file(dir, "d-0.avro", &sp, &e);
    char path[1024];
    snprintf(path, sizeof(path), "%s/d-0.avro", dir);
    size_t len;
    uint8_t *b = slurp(path, &len);
    blockinfo bi[16];
    assert_int_equal(blocks_of(b, len, bi, 16), 8);
    const blockinfo *k = &bi[d->block];
    switch (how) {
    case 0:   /* a flipped sync marker byte */
        b[k->body + k->size + 7] ^= 0x20;
        break;
    case 1:   /* truncated in the middle of the block */
        len = k->body + k->size / 2;
        break;
    case 2:   /* a negative record count (zigzag 1 = -1) */
        b[k->off] = 0x01;
        break;
    case 3:   /* a larger block size, in a varint of the same width (2 bytes) */
        assert_int_equal(k->body, k->off + 3);
        b[k->off + 1] = 0xfe;
        b[k->off + 2] = 0x7f;
        break;
    case 4:   /* one record fewer than stored (zigzag 10 -> 8) */
        assert_int_equal(b[k->off], 0x0a);
        b[k->off] = 0x08;
        break;
    case 5:   /* record 0's sample length = -1 (after id 5*block: 1 byte) */
        b[k->body + 1] = 0x01;
        break;
    case 6:   /* record 0's sample length huge: about 2^62 */
        memcpy(b + k->body + 1, "\xfe\xff\xff\xff\xff\xff\xff\xff\x7f", 9);
        break;
    case 7:   /* a deflate block of the reserved type 3 (deflate has no checksum:
               * only damage to its structure can be detected) */
        b[k->body] = 0xff;
        break;
    case 8:   /* the whole file cut within the next block's header */
        len = k->off + 1;
        break;
    }
    spit(path, b, len);
    free(b);
    ls_source *s;
    int rc = ls_source_open(dir, "sample", NULL, 0, &s);
    if (rc)
        fail_msg("%s: open: %s", d->name, ls_errmsg());
    int eof;
    size_t before = (size_t)d->block * 5;
    assert_int_equal(read_check(s, &e, 0, before, &eof), before);
    for (int t = 0; t < 2; t++) {
        const void *p;
        size_t n;
        rc = ls_source_next(s, &p, &n, &eof);
        if (rc != d->rc)
            fail_msg("%s: %s (%s), want %s", d->name, ls_err2str(rc), ls_errmsg(),
                     ls_err2str(d->rc));
        char want[64];
        snprintf(want, sizeof(want), "block %d (offset %zu)", d->block, k->off);
        assert_true(contains(ls_errmsg(), "d-0.avro"));
        assert_true(contains(ls_errmsg(), want));
        assert_true(contains(ls_errmsg(), d->says));
    }
    /* The position is still just after the last good sample. */
    size_t plen;
    uint8_t *pos = pos_copy(s, &plen);
    ls_source_close(s);
    if (before) {
        assert_int_equal(ls_get_u64le(pos + 6 + 8 + 16), 5);
        assert_int_equal(ls_get_u64le(pos + 6 + 8), (uint64_t)d->block - 1);
    }
    free(pos);
    expect_free(&e);
    lt_rm_rf(dir);
    free(dir);
}

static void test_damaged_blocks(void **state)
{
    (void)state;
    check_damage("null", 0, &(damage){ "sync", 2, LS_ERR_CORRUPT, "sync marker" });
    check_damage("deflate", 0, &(damage){ "sync deflate", 5, LS_ERR_CORRUPT, "sync marker" });
    check_damage("null", 1, &(damage){ "truncated", 3, LS_ERR_CORRUPT, "truncated" });
    check_damage("null", 8, &(damage){ "truncated header", 6, LS_ERR_CORRUPT, "truncated" });
    check_damage("null", 2, &(damage){ "count", 1, LS_ERR_CORRUPT, "negative record count" });
    check_damage("null", 3, &(damage){ "size", 4, LS_ERR_CORRUPT, "run past the end" });
    check_damage("null", 4, &(damage){ "wrong count", 2, LS_ERR_CORRUPT, "after its 4 records" });
    check_damage("null", 5, &(damage){ "len -1", 3, LS_ERR_CORRUPT, "record 0" });
    check_damage("null", 6, &(damage){ "len huge", 0, LS_ERR_CORRUPT, "runs past the end" });
    check_damage("deflate", 7, &(damage){ "deflate", 7, LS_ERR_CORRUPT, "deflate: invalid block type" });
}

/* A null sample is an error naming its record; the position stays before it. */
static void test_null_sample(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("src-null");
    const spec sp = { K_UNION, "null", 20, 5, 7 };
    expect e = { 0 };
    write_file(dir, "n-0.avro", &sp, &e);
    ls_source *s;
    int eof;
    const void *p;
    size_t n;
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), 0);
    assert_int_equal(read_check(s, &e, 0, 7, &eof), 7);
    for (int t = 0; t < 2; t++) {
        assert_int_equal(ls_source_next(s, &p, &n, &eof), LS_ERR_INVALID);
        assert_true(contains(ls_errmsg(), "n-0.avro: block 1"));
        assert_true(contains(ls_errmsg(), "record 2"));
        assert_true(contains(ls_errmsg(), "is null"));
    }
    size_t len;
    uint8_t *pos = pos_copy(s, &len);
    ls_source_close(s);
    assert_int_equal(ls_get_u64le(pos + 6 + 8), 1);
    assert_int_equal(ls_get_u64le(pos + 6 + 8 + 16), 2);
    /* Resuming there meets the same null. */
    assert_int_equal(ls_source_open(dir, "sample", pos, len, &s), 0);
    assert_int_equal(ls_source_next(s, &p, &n, &eof), LS_ERR_INVALID);
    ls_source_close(s);
    free(pos);
    expect_free(&e);
    lt_rm_rf(dir);
    free(dir);
}

/* A file's schema may differ from the previous file's. */
static void test_schema_change(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("src-schema");
    expect e = { 0 };
    write_file(dir, "m-0.avro", &(spec){ K_BYTES, "null", 11, 4, -1 }, &e);
    write_file(dir, "m-1.avro", &(spec){ K_RICH, "deflate", 13, 5, -1 }, &e);
    write_file(dir, "m-2.avro", &(spec){ K_STRING, "null", 9, 4, -1 }, &e);
    write_file(dir, "m-3.avro", &(spec){ K_STRING, "deflate", 9, 4, -1 }, &e);
    ls_source *s;
    int eof;
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), 0);
    assert_int_equal(read_check(s, &e, 0, SIZE_MAX, &eof), e.n);
    ls_source_close(s);
    for (size_t k = 0; k < e.n; k += 3) {
        assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), 0);
        assert_int_equal(read_check(s, &e, 0, k, &eof), k);
        size_t len;
        uint8_t *pos = pos_copy(s, &len);
        ls_source_close(s);
        resume_check(dir, len ? pos : NULL, len, &e, k, NULL);
        free(pos);
    }
    expect_free(&e);
    lt_rm_rf(dir);
    free(dir);
}

/* ---- hand-made container files ---------------------------------------- */

typedef struct rawf {
    uint8_t *b;
    size_t n, cap;
} rawf;

#define RAW_SYNC "0123456789abcdef"

static void raw_put(rawf *r, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (r->n + n > r->cap) {
        r->cap = (r->n + n) * 2 + 256;
        r->b = realloc(r->b, r->cap);
        assert_non_null(r->b);
    }
    memcpy(r->b + r->n, p, n);
    r->n += n;
}

static void raw_long(rawf *r, int64_t v)
{
    uint8_t p[10];
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    while (u >= 0x80) {
        p[n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    p[n++] = (uint8_t)u;
    raw_put(r, p, n);
}

static void raw_str(rawf *r, const char *s)
{
    raw_long(r, (int64_t)strlen(s));
    raw_put(r, s, strlen(s));
}

/* Header whose metadata is one negative-count block (count, then its byte
 * size), with an extra user key, and no avro.codec (so: null). */
static void raw_header_codec(rawf *r, const char *schema, const char *codec)
{
    rawf m = { 0 };
    raw_str(&m, "user.note");
    raw_str(&m, "hand-made");
    raw_str(&m, "avro.schema");
    raw_str(&m, schema);
    if (codec) {
        raw_str(&m, "avro.codec");
        raw_str(&m, codec);
    }
    raw_put(r, "Obj\x01", 4);
    raw_long(r, codec ? -3 : -2);
    raw_long(r, (int64_t)m.n);
    raw_put(r, m.b, m.n);
    raw_long(r, 0);
    raw_put(r, RAW_SYNC, 16);
    free(m.b);
}

static void raw_header(rawf *r, const char *schema)
{
    raw_header_codec(r, schema, NULL);
}

static void raw_block(rawf *r, int64_t count, const rawf *body)
{
    raw_long(r, count);
    raw_long(r, (int64_t)body->n);
    raw_put(r, body->b, body->n);
    raw_put(r, RAW_SYNC, 16);
}

/* Read dir to the end; return the first error (LS_OK at eof), samples read. */
static int drain(const char *dir, size_t *samples)
{
    ls_source *s;
    int rc = ls_source_open(dir, "sample", NULL, 0, &s), eof = 0;
    *samples = 0;
    while (!rc && !eof) {
        const void *p;
        size_t n;
        if (!(rc = ls_source_next(s, &p, &n, &eof)) && !eof)
            (*samples)++;
    }
    ls_source_close(s);
    return rc;
}

/* Records {sample: bytes, nulls: [null], list: [null, L1]} where Lk is
 * {next: [null, Lk+1]} for k < 10 and L10 is {next: [null]}: a list of at
 * most 10 (a recursive list type is refused, test_schema).  Static. */
static const char *list_schema(void)
{
    static char buf[2048];
    if (buf[0])
        return buf;
    size_t n = (size_t)snprintf(buf, sizeof(buf),
        "{\"type\":\"record\",\"name\":\"H\",\"fields\":["
        "{\"name\":\"sample\",\"type\":\"bytes\"},"
        "{\"name\":\"nulls\",\"type\":{\"type\":\"array\",\"items\":\"null\"}},"
        "{\"name\":\"list\",\"type\":[\"null\"");
    for (int k = 1; k <= 10; k++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",{\"type\":\"record\",\"name\":"
                              "\"L%d\",\"fields\":[{\"name\":\"next\",\"type\":[\"null\"", k);
    for (int k = 1; k <= 10; k++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "]}]}");
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "]}]}");
    assert_true(n < sizeof(buf));
    return buf;
}

/* Records crafted byte by byte: what the pre-scan must refuse before avro-c
 * sees it, the limits, and header forms avro-c does not write. */
static void test_crafted(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("src-raw");
    char path[1024];
    snprintf(path, sizeof(path), "%s/h-0.avro", dir);
    size_t got;

    /* Well-formed: 2 records, an empty block, 1 record (nesting 10 deep). */
    {
        rawf f = { 0 }, body = { 0 }, empty = { 0 };
        raw_header(&f, list_schema());
        for (int i = 0; i < 2; i++) {
            raw_str(&body, i ? "second" : "first");
            raw_long(&body, -3);          /* an array block with its byte size */
            raw_long(&body, 0);
            raw_long(&body, 0);
            raw_long(&body, 0);           /* list: null */
        }
        raw_block(&f, 2, &body);
        raw_block(&f, 0, &empty);
        body.n = 0;
        raw_str(&body, "third");
        raw_long(&body, 0);
        for (int d = 0; d < 10; d++)
            raw_long(&body, 1);           /* list / next: the record branch */
        raw_long(&body, 0);               /* ... then null */
        raw_block(&f, 1, &body);
        spit(path, f.b, f.n);
        assert_int_equal(drain(dir, &got), 0);
        assert_int_equal(got, 3);
        free(f.b);
        free(body.b);
    }
    /* Items of an empty type cost avro-c memory but no bytes: bounded. */
    {
        rawf f = { 0 }, body = { 0 };
        raw_header(&f, list_schema());
        raw_str(&body, "x");
        raw_long(&body, (int64_t)LS_SOURCE_RECORD_ITEMS_MAX + 1);
        raw_long(&body, 0);
        raw_long(&body, 0);
        raw_block(&f, 1, &body);
        spit(path, f.b, f.n);
        assert_int_equal(drain(dir, &got), LS_ERR_CORRUPT);
        assert_true(contains(ls_errmsg(), "h-0.avro: block 0"));
        assert_true(contains(ls_errmsg(), "record 0"));
        assert_true(contains(ls_errmsg(), "array and map items"));
        free(f.b);
        free(body.b);
    }
    /* Values that take no byte (the items of an array of nulls): a block's
     * records hold LS_SOURCE_BLOCK_VALUES_PER_BYTE per byte of the block
     * (here four records of a million items in 20 bytes)... */
    {
        rawf f = { 0 }, body = { 0 };
        raw_header(&f, list_schema());
        for (int r = 0; r < 4; r++) {
            raw_str(&body, "");
            raw_long(&body, (int64_t)LS_SOURCE_RECORD_ITEMS_MAX);
            raw_long(&body, 0);
            raw_long(&body, 0);       /* list: null */
        }
        raw_block(&f, 4, &body);
        spit(path, f.b, f.n);
        assert_int_equal(drain(dir, &got), LS_ERR_LIMIT);
        assert_true(contains(ls_errmsg(), "h-0.avro: block 0"));
        assert_true(contains(ls_errmsg(), "too many Avro values"));
        assert_true(contains(ls_errmsg(), "beyond the budget of its block"));
        free(f.b);
        free(body.b);
    }
    /* ... and a record LS_SOURCE_RECORD_VALUES_MAX, whatever its size (here
     * 900,000 items of 5 values each, after a sample that pays for them). */
    {
        rawf f = { 0 }, body = { 0 };
        raw_header(&f, "{\"type\":\"record\",\"name\":\"V\",\"fields\":["
                       "{\"name\":\"sample\",\"type\":\"bytes\"},{\"name\":\"quads\","
                       "\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":"
                       "\"Q\",\"fields\":[{\"name\":\"a\",\"type\":\"null\"},{\"name\":\"b\","
                       "\"type\":\"null\"},{\"name\":\"c\",\"type\":\"null\"},{\"name\":\"d\","
                       "\"type\":\"null\"}]}}}]}");
        const size_t sample = LS_SOURCE_RECORD_VALUES_MAX / LS_SOURCE_BLOCK_VALUES_PER_BYTE * 2;
        char *big = calloc(1, sample + 1);
        memset(big, 'v', sample);
        raw_str(&body, big);
        raw_long(&body, 900000);
        raw_long(&body, 0);
        raw_block(&f, 1, &body);
        spit(path, f.b, f.n);
        assert_int_equal(drain(dir, &got), LS_ERR_LIMIT);
        assert_true(contains(ls_errmsg(), "h-0.avro: block 0"));
        assert_true(contains(ls_errmsg(), "values in one record"));
        free(big);
        free(f.b);
        free(body.b);
    }
    /* Nesting beyond LS_SOURCE_RECORD_DEPTH_MAX needs a schema nesting as
     * deep, which is refused first (test_schema). */
    /* A union branch beyond the schema's (the list ends at L10). */
    {
        rawf f = { 0 }, body = { 0 };
        raw_header(&f, list_schema());
        raw_str(&body, "x");
        raw_long(&body, 0);
        for (int d = 0; d < 11; d++)
            raw_long(&body, 1);
        raw_long(&body, 0);
        raw_block(&f, 1, &body);
        spit(path, f.b, f.n);
        assert_int_equal(drain(dir, &got), LS_ERR_CORRUPT);
        assert_true(contains(ls_errmsg(), "union branch 1 does not exist"));
        free(f.b);
        free(body.b);
    }
    /* More records than bytes. */
    {
        rawf f = { 0 }, body = { 0 };
        raw_header(&f, list_schema());
        raw_str(&body, "x");
        raw_long(&body, 0);
        raw_long(&body, 0);
        raw_block(&f, 100, &body);
        spit(path, f.b, f.n);
        assert_int_equal(drain(dir, &got), LS_ERR_CORRUPT);
        assert_true(contains(ls_errmsg(), "100 records cannot fit in 4 bytes"));
        free(f.b);
        free(body.b);
    }
    /* A record count beyond the limit. */
    {
        rawf f = { 0 }, body = { 0 };
        raw_header(&f, list_schema());
        raw_str(&body, "x");
        raw_block(&f, (int64_t)LS_SOURCE_BLOCK_RECORDS_MAX + 1, &body);
        spit(path, f.b, f.n);
        assert_int_equal(drain(dir, &got), LS_ERR_LIMIT);
        assert_true(contains(ls_errmsg(), "h-0.avro: block 0"));
        free(f.b);
        free(body.b);
    }
    /* A block beyond LS_SOURCE_BLOCK_BYTES_MAX (in a sparse file). */
    {
        rawf f = { 0 };
        raw_header(&f, list_schema());
        raw_long(&f, 1);
        raw_long(&f, (int64_t)LS_SOURCE_BLOCK_BYTES_MAX + 1);
        spit(path, f.b, f.n);
        assert_int_equal(truncate(path, (off_t)(f.n + LS_SOURCE_BLOCK_BYTES_MAX + 4096)), 0);
        assert_int_equal(drain(dir, &got), LS_ERR_LIMIT);
        assert_true(contains(ls_errmsg(), "exceeds the limit"));
        free(f.b);
    }
    /* A header beyond LS_SOURCE_HEADER_BYTES_MAX (a huge user value). */
    {
        rawf f = { 0 };
        raw_put(&f, "Obj\x01", 4);
        raw_long(&f, 1);
        raw_str(&f, "user.big");
        raw_long(&f, (int64_t)LS_SOURCE_HEADER_BYTES_MAX);
        spit(path, f.b, f.n);
        assert_int_equal(truncate(path, (off_t)(f.n + LS_SOURCE_HEADER_BYTES_MAX + 100)), 0);
        assert_int_equal(drain(dir, &got), LS_ERR_LIMIT);
        assert_true(contains(ls_errmsg(), "header exceeds"));
        free(f.b);
    }
    lt_rm_rf(dir);
    free(dir);
}

/* ---- writer schemas ---------------------------------------------------- */

/* s with ' for " (schemas in tests read better so); malloc()ed. */
static char *dq(const char *s)
{
    char *d = strdup(s);
    for (char *p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    return d;
}

/* dir/name: a header with `schema`, one block of one record "s". */
static void schema_file(const char *dir, const char *name, const char *schema)
{
    char path[1024];
    rawf f = { 0 }, body = { 0 };
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    raw_header(&f, schema);
    raw_str(&body, "s");
    raw_block(&f, 1, &body);
    spit(path, f.b, f.n);
    free(f.b);
    free(body.b);
}

/* Open dir, whose only file has `schema`: rc, with both texts in the detail. */
static void expect_schema(const char *dir, const char *schema, int rc, const char *says,
                          const char *says2)
{
    schema_file(dir, "h-0.avro", schema);
    ls_source *s = NULL;
    int got = ls_source_open(dir, "sample", NULL, 0, &s);
    if (got != rc)
        fail_msg("%.120s...: %s (%s), want %s", schema, ls_err2str(got), ls_errmsg(),
                 ls_err2str(rc));
    if (rc) {
        assert_null(s);
        assert_true(contains(ls_errmsg(), "h-0.avro: avro.schema"));
        assert_true(contains(ls_errmsg(), says));
        assert_true(!says2 || contains(ls_errmsg(), says2));
    }
    ls_source_close(s);
}

#define HEAD(name) "{'type':'record','name':'" name "','fields':[{'name':'sample','type':'bytes'}"
#define REC(name, fields) "{'type':'record','name':'" name "','fields':[" fields "]}"
#define FIELD(name, type) "{'name':'" name "','type':" type "}"

/* The writer schema is checked before avro-c parses it: avro-c builds a
 * value of the whole schema at once, so a record containing itself
 * overflowed its stack (lakestream ingest died of SIGSEGV) and chained
 * references expand exponentially. */
static void test_schema(void **state)
{
    (void)state;
    static const struct {
        const char *schema;
        int rc;
        const char *says, *says2;
    } cases[] = {
        /* The finding: a record with a field of its own type. */
        { HEAD("A") "," FIELD("x", "'A'") "]}", LS_ERR_UNSUPPORTED,
          "type \"A\" contains itself", "recursive schemas are not supported" },
        /* Through a union, an array, a map. */
        { HEAD("L") "," FIELD("next", "['null','L']") "]}", LS_ERR_UNSUPPORTED,
          "type \"L\" contains itself", NULL },
        { HEAD("L") "," FIELD("next", "{'type':'array','items':{'type':'map','values':'L'}}")
          "]}", LS_ERR_UNSUPPORTED, "type \"L\" contains itself", NULL },
        /* Through another named type, by fullname across namespaces. */
        { "{'type':'record','name':'A','namespace':'ns','fields':[{'name':'sample','type':"
          "'bytes'}," FIELD("x", "{'type':'record','name':'B','namespace':'other','fields':["
          FIELD("y", "['null','ns.A']") "]}") "]}", LS_ERR_UNSUPPORTED,
          "type \"ns.A\" contains itself (through type \"other.B\")", NULL },
        /* A short name is qualified by the enclosing namespace, which an
         * inner record inherits; a dotted name is a fullname. */
        { "{'type':'record','name':'A','namespace':'ns','fields':[{'name':'sample','type':"
          "'bytes'}," FIELD("x", "{'type':'array','items':" REC("B", FIELD("y", "['null','A']"))
          "}") "]}", LS_ERR_UNSUPPORTED,
          "type \"ns.A\" contains itself (through type \"ns.B\")", NULL },
        { HEAD("a.b.C") "," FIELD("x", "['null','C']") "]}", LS_ERR_UNSUPPORTED,
          "type \"a.b.C\" contains itself", NULL },
        /* other.A is not ns.A, but "A" within other.A is other.A. */
        { HEAD("ns.A") "," FIELD("x", "{'type':'record','name':'A','namespace':'other',"
          "'fields':[" FIELD("v", "'long'") "]}") "," FIELD("w", "'other.A'") "]}", 0, NULL,
          NULL },
        { HEAD("ns.A") "," FIELD("x", "{'type':'record','name':'A','namespace':'other',"
          "'fields':[" FIELD("v", "['null','A']") "]}") "]}", LS_ERR_UNSUPPORTED,
          "type \"other.A\" contains itself", NULL },
        /* A type used twice is fine; names used before or defined twice not. */
        { HEAD("A") "," FIELD("x", REC("T", FIELD("v", "'long'"))) "," FIELD("y", "'T'") ","
          FIELD("z", "{'type':'array','items':'T'}") "]}", 0, NULL, NULL },
        { HEAD("A") "," FIELD("x", "'T'") "," FIELD("y", REC("T", FIELD("v", "'long'")))
          "]}", LS_ERR_CORRUPT, "type \"T\" is not defined", NULL },
        { HEAD("A") "," FIELD("x", REC("T", FIELD("v", "'long'"))) "," FIELD("y",
          "{'type':'enum','name':'T','symbols':['a']}") "]}", LS_ERR_CORRUPT,
          "type \"T\" is defined twice", NULL },
        /* Fixed sizes avro-c cannot read. */
        { HEAD("A") "," FIELD("x", "{'type':'fixed','name':'F','size':0}") "]}",
          LS_ERR_UNSUPPORTED, "fixed \"F\" of 0 bytes", NULL },
        { HEAD("A") "," FIELD("x", "{'type':'fixed','name':'F','size':-1}") "]}",
          LS_ERR_CORRUPT, "fixed \"F\" has no \"size\" >= 0", NULL },
        /* Not JSON, not a schema; untrusted names quoted. */
        { HEAD("A") ",", LS_ERR_CORRUPT, "is not JSON", NULL },
        { HEAD("A") "," FIELD("x", "{'type':7}") "]}", LS_ERR_CORRUPT, "(in type \"A\")",
          NULL },
        { HEAD("A\\u0001\\'") "," FIELD("x", "'A\\u0001\\''") "]}", LS_ERR_UNSUPPORTED,
          "type \"A\\x01\\\"\" contains itself", NULL },
    };
    char *dir = lt_tmpdir("src-schema");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *sc = dq(cases[i].schema);
        expect_schema(dir, sc, cases[i].rc, cases[i].says, cases[i].says2);
        free(sc);
    }

    /* Generated: too large, JSON too deep, types too deep through
     * references, exponential through references, too many names. */
    size_t cap = (size_t)LS_SOURCE_SCHEMA_BYTES_MAX + 4096, n;
    char *big = malloc(cap);
    n = (size_t)snprintf(big, cap, "{\"type\":\"record\",\"name\":\"A\",\"doc\":\"");
    memset(big + n, 'x', LS_SOURCE_SCHEMA_BYTES_MAX);
    n += LS_SOURCE_SCHEMA_BYTES_MAX;
    snprintf(big + n, cap - n, "\",\"fields\":[{\"name\":\"sample\",\"type\":\"bytes\"}]}");
    expect_schema(dir, big, LS_ERR_LIMIT, "exceeds the limit of", NULL);

    n = (size_t)snprintf(big, cap, "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":"
                         "\"sample\",\"type\":\"bytes\",\"default\":");
    for (unsigned d = 0; d < LS_SOURCE_SCHEMA_DEPTH_MAX; d++)
        big[n++] = '[';
    for (unsigned d = 0; d < LS_SOURCE_SCHEMA_DEPTH_MAX; d++)
        big[n++] = ']';
    snprintf(big + n, cap - n, "}]}");
    expect_schema(dir, big, LS_ERR_LIMIT, "nests JSON arrays and objects more than", NULL);

    /* T0 = {v: long}, Tk = {v: Tk-1}: two levels each (the field, the
     * reference), so T32 nests 65 deep, in little JSON nesting. */
    n = (size_t)snprintf(big, cap, "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":"
                         "\"sample\",\"type\":\"bytes\"},{\"name\":\"t0\",\"type\":{\"type\":"
                         "\"record\",\"name\":\"T0\",\"fields\":[{\"name\":\"v\",\"type\":"
                         "\"long\"}]}}");
    for (int k = 1; k <= (int)LS_SOURCE_SCHEMA_DEPTH_MAX / 2; k++)
        n += (size_t)snprintf(big + n, cap - n, ",{\"name\":\"t%d\",\"type\":{\"type\":"
                              "\"record\",\"name\":\"T%d\",\"fields\":[{\"name\":\"v\","
                              "\"type\":\"T%d\"}]}}", k, k, k - 1);
    snprintf(big + n, cap - n, "]}");
    expect_schema(dir, big, LS_ERR_LIMIT, "types nest more than", "(in type \"T32\")");

    /* Tk = {a: Tk-1, b: Tk-1}: 2^k values for avro-c to build. */
    n = (size_t)snprintf(big, cap, "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":"
                         "\"sample\",\"type\":\"bytes\"},{\"name\":\"t0\",\"type\":{\"type\":"
                         "\"record\",\"name\":\"T0\",\"fields\":[{\"name\":\"v\",\"type\":"
                         "\"null\"}]}}");
    for (int k = 1; k <= 20; k++)
        n += (size_t)snprintf(big + n, cap - n, ",{\"name\":\"t%d\",\"type\":{\"type\":"
                              "\"record\",\"name\":\"T%d\",\"fields\":[{\"name\":\"a\","
                              "\"type\":\"T%d\"},{\"name\":\"b\",\"type\":\"T%d\"}]}}",
                              k, k, k - 1, k - 1);
    snprintf(big + n, cap - n, "]}");
    expect_schema(dir, big, LS_ERR_LIMIT, "expands to more than", NULL);

    n = (size_t)snprintf(big, cap, "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":"
                         "\"sample\",\"type\":\"bytes\"}");
    for (unsigned k = 0; k <= LS_SOURCE_SCHEMA_NAMES_MAX; k++)
        n += (size_t)snprintf(big + n, cap - n, ",{\"name\":\"e%u\",\"type\":{\"type\":"
                              "\"enum\",\"name\":\"E%u\",\"symbols\":[\"a\"]}}", k, k);
    snprintf(big + n, cap - n, "]}");
    expect_schema(dir, big, LS_ERR_LIMIT, "more than 4096 named types", NULL);
    free(big);

    /* A good file, then a recursive one reached by ls_source_next: the
     * error names it, and stays. */
    char *rec = dq(cases[0].schema), *good = dq(HEAD("A") "]}");
    schema_file(dir, "h-0.avro", good);
    schema_file(dir, "h-1.avro", rec);
    ls_source *s;
    const void *p;
    size_t len;
    int eof;
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), 0);
    assert_int_equal(ls_source_next(s, &p, &len, &eof), 0);
    assert_int_equal(len, 1);
    for (int t = 0; t < 2; t++) {
        assert_int_equal(ls_source_next(s, &p, &len, &eof), LS_ERR_UNSUPPORTED);
        assert_true(contains(ls_errmsg(), "h-1.avro: avro.schema: type \"A\" contains itself"));
    }
    ls_source_close(s);
    lt_rm_rf(dir);
    free(dir);

    /* A file name and a codec from the dataset are quoted in messages. */
    dir = lt_tmpdir("src-schema");
    schema_file(dir, "bad\nname.avro", rec);
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), LS_ERR_UNSUPPORTED);
    assert_true(contains(ls_errmsg(), "/bad\\x0aname.avro: avro.schema"));
    lt_rm_rf(dir);
    free(dir);
    dir = lt_tmpdir("src-schema");
    char path[1024];
    snprintf(path, sizeof(path), "%s/c.avro", dir);
    rawf f = { 0 };
    raw_header_codec(&f, good, "zstd\x01\"");
    spit(path, f.b, f.n);
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), LS_ERR_UNSUPPORTED);
    assert_true(contains(ls_errmsg(), "codec \"zstd\\x01\\\"\" is not supported"));
    free(f.b);
    free(rec);
    free(good);
    lt_rm_rf(dir);
    free(dir);
}

static uint8_t *make_pos(const char *name, uint64_t block, uint64_t off, uint64_t rec,
                         size_t *len)
{
    size_t n = strlen(name);
    uint8_t *p = malloc(30 + n);
    memcpy(p, "LSP1", 4);
    ls_put_u16le(p + 4, (uint16_t)n);
    memcpy(p + 6, name, n);
    ls_put_u64le(p + 6 + n, block);
    ls_put_u64le(p + 14 + n, off);
    ls_put_u64le(p + 22 + n, rec);
    *len = 30 + n;
    return p;
}

static void expect_bad_pos(const char *dir, const uint8_t *pos, size_t len, const char *says)
{
    ls_source *s = (ls_source *)1;
    int rc = ls_source_open(dir, "sample", pos, len, &s);
    if (rc != LS_ERR_INVALID)
        fail_msg("position (%s): %s (%s), want invalid", says, ls_err2str(rc), ls_errmsg());
    assert_null(s);
    assert_true(contains(ls_errmsg(), says));
}

static void test_bad_positions(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("src-pos");
    const spec sp = { K_BYTES, "null", 20, 5, -1 };
    expect e = { 0 };
    write_dataset(dir, 2, &sp, &e);
    ls_source *s;
    int eof;
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), 0);
    assert_int_equal(read_check(s, &e, 0, 27, &eof), 27);   /* file 1, block 1, record 2 */
    size_t len, n;
    uint8_t *pos = pos_copy(s, &len);
    ls_source_close(s);
    const uint64_t off = ls_get_u64le(pos + 6 + 13 + 8);
    assert_int_equal(ls_get_u64le(pos + 6 + 13), 1);
    assert_int_equal(ls_get_u64le(pos + 6 + 13 + 16), 2);
    resume_check(dir, pos, len, &e, 27, NULL);

    /* Bad encodings. */
    expect_bad_pos(dir, pos, len - 1, "bytes, expected");
    expect_bad_pos(dir, pos, 3, "magic");
    uint8_t junk[64];
    lt_fill(junk, sizeof(junk), lt_seed(), 0);
    expect_bad_pos(dir, junk, sizeof(junk), "magic");
    pos[0] = 'X';
    expect_bad_pos(dir, pos, len, "magic");
    pos[0] = 'L';
    uint8_t *p = make_pos("../x.avro", 0, 0, 0, &n);
    expect_bad_pos(dir, p, n, "bad file name");
    free(p);
    p = make_pos(".ds-00001.avro", 0, 0, 0, &n);
    expect_bad_pos(dir, p, n, "bad file name");
    free(p);
    p = make_pos("ds-00001.avro", 1, off, (uint64_t)1 << 40, &n);
    expect_bad_pos(dir, p, n, "record index");
    free(p);
    /* Not matching the dataset. */
    p = make_pos("ds-00007.avro", 1, off, 2, &n);
    expect_bad_pos(dir, p, n, "ds-00007.avro, which is not in the dataset");
    free(p);
    p = make_pos("ds-00001.avro", 9, off, 2, &n);
    expect_bad_pos(dir, p, n, "has 4 blocks, the position names block 9");
    free(p);
    p = make_pos("ds-00001.avro", 1, off + 1, 2, &n);
    expect_bad_pos(dir, p, n, "the position says");
    free(p);
    p = make_pos("ds-00001.avro", 1, off, 6, &n);
    expect_bad_pos(dir, p, n, "which holds 5");
    free(p);
    /* Its file deleted. */
    char path[1024];
    snprintf(path, sizeof(path), "%s/ds-00001.avro", dir);
    assert_int_equal(unlink(path), 0);
    expect_bad_pos(dir, pos, len, "not in the dataset");
    free(pos);
    expect_free(&e);
    lt_rm_rf(dir);
    free(dir);
}

/* Raw deflate (as Avro writes it) of n bytes at p, into out. */
static void raw_deflate(const void *p, size_t n, rawf *out)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)n);
    out->n = 0;
    out->b = realloc(out->b, cap);
    out->cap = cap;
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    z.next_out = out->b;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    out->n = cap - z.avail_out;
    deflateEnd(&z);
}

/* Deflate blocks crafted with zlib: a good one, a bomb, truncated,
 * trailing garbage. */
static void test_crafted_deflate(void **state)
{
    (void)state;
    char *dir = lt_tmpdir("src-zraw");
    char path[1024];
    snprintf(path, sizeof(path), "%s/z-0.avro", dir);
    const char *schema = "{\"type\":\"record\",\"name\":\"Z\",\"fields\":["
                         "{\"name\":\"sample\",\"type\":\"bytes\"}]}";
    rawf recs = { 0 }, z = { 0 }, f = { 0 };
    for (int i = 0; i < 50; i++) {
        char buf[32];
        snprintf(buf, sizeof(buf), "record %d", i);
        raw_str(&recs, buf);
    }
    size_t got;
    int eof;

    raw_deflate(recs.b, recs.n, &z);
    raw_header_codec(&f, schema, "deflate");
    raw_block(&f, 50, &z);
    spit(path, f.b, f.n);
    ls_source *s;
    assert_int_equal(ls_source_open(dir, "sample", NULL, 0, &s), 0);
    const void *p;
    size_t n;
    assert_int_equal(ls_source_next(s, &p, &n, &eof), 0);
    assert_int_equal(n, 8);
    assert_memory_equal(p, "record 0", 8);
    ls_source_close(s);
    assert_int_equal(drain(dir, &got), 0);
    assert_int_equal(got, 50);

    /* Truncated stream (the block size says so too). */
    f.n = 0;
    z.n -= 4;
    raw_header_codec(&f, schema, "deflate");
    raw_block(&f, 50, &z);
    spit(path, f.b, f.n);
    assert_int_equal(drain(dir, &got), LS_ERR_CORRUPT);
    assert_true(contains(ls_errmsg(), "z-0.avro: block 0"));
    assert_true(contains(ls_errmsg(), "truncated"));

    /* Garbage after the stream. */
    raw_deflate(recs.b, recs.n, &z);
    raw_put(&z, "xyz", 3);
    f.n = 0;
    raw_header_codec(&f, schema, "deflate");
    raw_block(&f, 50, &z);
    spit(path, f.b, f.n);
    assert_int_equal(drain(dir, &got), LS_ERR_CORRUPT);
    assert_true(contains(ls_errmsg(), "3 bytes after the end of the deflate stream"));

    /* A bomb: a small block inflating beyond LS_SOURCE_BLOCK_BYTES_MAX. */
    size_t big = (size_t)LS_SOURCE_BLOCK_BYTES_MAX + 1;
    uint8_t *zeros = calloc(1, big);
    assert_non_null(zeros);
    raw_deflate(zeros, big, &z);
    free(zeros);
    assert_true(z.n < 1024 * 1024);
    f.n = 0;
    raw_header_codec(&f, schema, "deflate");
    raw_block(&f, 1, &z);
    spit(path, f.b, f.n);
    assert_int_equal(drain(dir, &got), LS_ERR_LIMIT);
    assert_true(contains(ls_errmsg(), "inflates to more than the limit"));

    free(recs.b);
    free(z.b);
    free(f.b);
    lt_rm_rf(dir);
    free(dir);
}

int main(void)
{
    lt_seed();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_all),
        cmocka_unit_test(test_resume_every_k),
        cmocka_unit_test(test_resume_big),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_damaged_blocks),
        cmocka_unit_test(test_crafted),
        cmocka_unit_test(test_crafted_deflate),
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_null_sample),
        cmocka_unit_test(test_schema_change),
        cmocka_unit_test(test_bad_positions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
