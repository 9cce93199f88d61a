/*
 * gen.c -- deterministic samples and the Avro files that hold them
 * (gen.h), shared by lakestream-datagen and lakestream-bench recovery.
 * Layout: the generators, a sample and its tag, the Avro writer.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "lakestream.h"

uint64_t gen_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t gen_fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return h;
}

size_t gen_sample(const gen_spec *g, uint64_t f, uint64_t r, char *buf, size_t cap)
{
    uint64_t st = g->seed ^ g->salt;
    st ^= gen_splitmix64(&st) ^ f;
    st ^= gen_splitmix64(&st) ^ r;
    uint64_t span = g->max_bytes - g->min_bytes + 1;
    size_t len = (size_t)(g->min_bytes + gen_splitmix64(&st) % span);
    int tag = snprintf(buf, cap, "%s/%" PRIu64 "/%" PRIu64 ":", g->prefix, f, r);
    if (len < (size_t)tag)
        len = (size_t)tag;
    if (len >= cap)   /* the caller's buffer is sized from max_bytes: a bug */
        abort();
    /* Filler bytes in little-endian order of each 64-bit draw. */
    for (size_t i = (size_t)tag; i < len; i += 8) {
        uint64_t x = gen_splitmix64(&st);
        for (size_t j = 0; j < 8 && i + j < len; j++, x >>= 8)
            buf[i + j] = g->is_string ? (char)('a' + (x & 0xff) % 26) : (char)(x & 0xff);
    }
    buf[len] = '\0';
    return len;
}

int gen_sample_id(const gen_spec *g, const void *data, size_t len, uint64_t *id)
{
    char tag[GEN_TAG_BYTES_MAX];
    size_t n = len < sizeof(tag) - 1 ? len : sizeof(tag) - 1, plen = strlen(g->prefix);
    memcpy(tag, data, n);
    tag[n] = '\0';
    uint64_t f, r;
    if (n <= plen || memcmp(tag, g->prefix, plen) || tag[plen] != '/' ||
        sscanf(tag + plen, "/%" SCNu64 "/%" SCNu64 ":", &f, &r) != 2)
        return -1;
    *id = f * g->records + r;
    return 0;
}

static int gen_fail(gen_err *e, const char *what, const char *why)
{
    snprintf(e->what, sizeof(e->what), "%s", what);
    snprintf(e->why, sizeof(e->why), "%s", why);
    return -1;
}

int gen_avro_open(gen_avro *a, const char *ns, const char *field, int is_string, gen_err *e)
{
    char json[512];
    snprintf(json, sizeof(json),
             "{\"type\":\"record\",\"name\":\"Sample\",\"namespace\":\"%s\","
             "\"fields\":[{\"name\":\"id\",\"type\":\"long\"},"
             "{\"name\":\"%s\",\"type\":\"%s\"}]}",
             ns, field, is_string ? "string" : "bytes");
    memset(a, 0, sizeof(*a));
    if (avro_schema_from_json_length(json, strlen(json), &a->schema))
        return gen_fail(e, "schema", avro_strerror());
    if (!(a->iface = avro_generic_class_from_schema(a->schema))) {
        avro_schema_decref(a->schema);
        return gen_fail(e, "schema", avro_strerror());
    }
    return 0;
}

void gen_avro_close(gen_avro *a)
{
    if (a->iface)
        avro_value_iface_decref(a->iface);
    if (a->schema)
        avro_schema_decref(a->schema);
    memset(a, 0, sizeof(*a));
}

int gen_avro_file(const gen_avro *a, const gen_spec *g, const char *dir, const char *codec,
                  uint64_t block_records, uint64_t f, char *buf, size_t cap, gen_err *e)
{
    char path[PATH_MAX + 64], tmp[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s-%05" PRIu64 ".avro", dir, g->prefix, f);
    snprintf(tmp, sizeof(tmp), "%s/.%s-%05" PRIu64 ".avro.tmp", dir, g->prefix, f);
    remove(tmp);   /* avro-c refuses nothing, but start clean */
    /* The writer buffers one block; it writes a block early if it fills. */
    size_t block_bytes = (size_t)(block_records * (g->max_bytes + GEN_RECORD_OVERHEAD));
    if (block_bytes > LS_SOURCE_BLOCK_BYTES_MAX / 2)
        block_bytes = LS_SOURCE_BLOCK_BYTES_MAX / 2;
    if (block_bytes < g->max_bytes + 1024)
        block_bytes = (size_t)g->max_bytes + 1024;
    avro_file_writer_t w;
    if (avro_file_writer_create_with_codec(tmp, a->schema, &w, codec, block_bytes))
        return gen_fail(e, tmp, avro_strerror());
    avro_value_t rec, fv;
    if (avro_generic_value_new(a->iface, &rec)) {
        avro_file_writer_close(w);
        remove(tmp);
        return gen_fail(e, tmp, "cannot allocate an Avro value");
    }
    int rc = 0;
    for (uint64_t r = 0; r < g->records && !rc; r++) {
        size_t len = gen_sample(g, f, r, buf, cap);
        int arc = avro_value_get_by_index(&rec, 0, &fv, NULL);
        if (!arc)
            arc = avro_value_set_long(&fv, (int64_t)(f * g->records + r));
        if (!arc)
            arc = avro_value_get_by_index(&rec, 1, &fv, NULL);
        if (!arc)
            arc = g->is_string ? avro_value_set_string_len(&fv, buf, len + 1)
                               : avro_value_set_bytes(&fv, buf, len);
        if (!arc)
            arc = avro_file_writer_append_value(w, &rec);
        if (!arc && (r + 1) % block_records == 0)
            arc = avro_file_writer_sync(w);
        if (arc)
            rc = gen_fail(e, tmp, avro_strerror());
    }
    avro_value_decref(&rec);
    if (avro_file_writer_close(w) && !rc)
        rc = gen_fail(e, tmp, avro_strerror());
    if (!rc && rename(tmp, path) != 0)
        rc = gen_fail(e, path, strerror(errno));
    if (rc)
        remove(tmp);
    return rc;
}
