/*
 * datagen.c -- lakestream-datagen: writes deterministic Avro datasets (a
 * directory of object container files, as read by ls_source_*) for tests,
 * demos and benchmarks, with avro-c's own file writer.
 *
 * Each record is {"id": long, <field>: bytes|string}.  The sample of record
 * r of file f begins with the readable tag "<prefix>/<f>/<r>:" (so a reader
 * can check that every sample arrives exactly once) and is followed by
 * filler derived from (seed, prefix, f, r) alone; its length is drawn from
 * [min-bytes, max-bytes] (never shorter than the tag).  id = f * records + r.
 * Blocks hold --block-records records (the writer is synced after each
 * group), so files have many blocks.  Files are written under a hidden
 * temporary name and renamed, so a reader never sees a partial file.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <avro.h>

#include "lakestream.h"

#define PROG "lakestream-datagen"
#define SAMPLE_BYTES_MAX (16u << 20)     /* one sample; keeps a block within the reader's limit */
#define RECORD_OVERHEAD 32u              /* id and length varints, generously */

typedef struct opts {
    const char *dir;
    uint64_t files, records, seed;
    const char *prefix, *codec, *field;
    int is_string;
    uint64_t min_bytes, max_bytes, block_records;
} opts;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: " PROG " avro DIR --files N --records M [--seed S] [--prefix NAME]\n"
        "           [--codec null|deflate] [--field sample] [--type bytes|string]\n"
        "           [--min-bytes A --max-bytes B] [--block-records R]\n"
        "\n"
        "Writes N files DIR/<prefix>-00000.avro ... of M records {id: long, <field>: bytes|string}.\n"
        "Sample r of file f starts with \"<prefix>/<f>/<r>:\" and is otherwise derived from\n"
        "(seed, prefix, f, r); its length is in [A, B] (default 64..1024).  Blocks hold R\n"
        "records (default 100).  Defaults: seed 1, prefix part, codec null, field sample,\n"
        "type bytes.\n");
}

static int fail(const char *what, const char *why)
{
    fprintf(stderr, PROG ": %s: %s\n", what, why);
    return 1;
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return h;
}

/* The sample of record r of file f into buf (>= max(max_bytes, tag) + 1
 * bytes, NUL-terminated for strings); returns its length. */
static size_t make_sample(const opts *o, uint64_t f, uint64_t r, char *buf, size_t cap)
{
    uint64_t st = o->seed ^ fnv1a64(o->prefix);
    st ^= splitmix64(&st) ^ f;
    st ^= splitmix64(&st) ^ r;
    uint64_t span = o->max_bytes - o->min_bytes + 1;
    size_t len = (size_t)(o->min_bytes + splitmix64(&st) % span);
    int tag = snprintf(buf, cap, "%s/%" PRIu64 "/%" PRIu64 ":", o->prefix, f, r);
    if (len < (size_t)tag)
        len = (size_t)tag;
    for (size_t i = (size_t)tag; i < len; i += 8) {
        uint64_t x = splitmix64(&st);
        for (size_t j = 0; j < 8 && i + j < len; j++, x >>= 8)
            buf[i + j] = o->is_string ? (char)('a' + (x & 0xff) % 26) : (char)(x & 0xff);
    }
    buf[len] = '\0';
    return len;
}

static int parse_u64(const char *name, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 0);
    if (errno || !*v || *end || v[0] == '-' || x < lo || x > hi) {
        char why[96];
        snprintf(why, sizeof(why), "want an integer in %" PRIu64 "..%" PRIu64, lo, hi);
        fail(name, why);
        return -1;
    }
    *out = x;
    return 0;
}

static int valid_avro_name(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return 0;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

static int write_file(const opts *o, avro_schema_t schema, avro_value_iface_t *iface,
                      uint64_t f, char *buf, size_t cap)
{
    char path[4096 + 64], tmp[4096 + 64];
    snprintf(path, sizeof(path), "%s/%s-%05" PRIu64 ".avro", o->dir, o->prefix, f);
    snprintf(tmp, sizeof(tmp), "%s/.%s-%05" PRIu64 ".avro.tmp", o->dir, o->prefix, f);
    remove(tmp);   /* avro-c refuses nothing, but start clean */
    /* The writer buffers one block; it writes a block early if it fills. */
    size_t block_bytes = (size_t)(o->block_records * (o->max_bytes + RECORD_OVERHEAD));
    if (block_bytes > LS_SOURCE_BLOCK_BYTES_MAX / 2)
        block_bytes = LS_SOURCE_BLOCK_BYTES_MAX / 2;
    if (block_bytes < o->max_bytes + 1024)
        block_bytes = (size_t)o->max_bytes + 1024;
    avro_file_writer_t w;
    if (avro_file_writer_create_with_codec(tmp, schema, &w, o->codec, block_bytes))
        return fail(tmp, avro_strerror());
    avro_value_t rec, fv;
    if (avro_generic_value_new(iface, &rec)) {
        avro_file_writer_close(w);
        return fail(tmp, "cannot allocate an Avro value");
    }
    int rc = 0;
    for (uint64_t r = 0; r < o->records && !rc; r++) {
        size_t len = make_sample(o, f, r, buf, cap);
        int arc = avro_value_get_by_index(&rec, 0, &fv, NULL);
        if (!arc)
            arc = avro_value_set_long(&fv, (int64_t)(f * o->records + r));
        if (!arc)
            arc = avro_value_get_by_index(&rec, 1, &fv, NULL);
        if (!arc)
            arc = o->is_string ? avro_value_set_string_len(&fv, buf, len + 1)
                               : avro_value_set_bytes(&fv, buf, len);
        if (!arc)
            arc = avro_file_writer_append_value(w, &rec);
        if (!arc && (r + 1) % o->block_records == 0)
            arc = avro_file_writer_sync(w);
        if (arc)
            rc = fail(tmp, avro_strerror());
    }
    avro_value_decref(&rec);
    if (avro_file_writer_close(w) && !rc)
        rc = fail(tmp, avro_strerror());
    if (!rc && rename(tmp, path) != 0)
        rc = fail(path, strerror(errno));
    if (rc)
        remove(tmp);
    return rc;
}

static int gen_avro(const opts *o)
{
    if (mkdir(o->dir, 0777) != 0 && errno != EEXIST)
        return fail(o->dir, strerror(errno));
    char json[512];
    snprintf(json, sizeof(json),
             "{\"type\":\"record\",\"name\":\"Sample\",\"namespace\":\"lakestream.datagen\","
             "\"fields\":[{\"name\":\"id\",\"type\":\"long\"},"
             "{\"name\":\"%s\",\"type\":\"%s\"}]}",
             o->field, o->is_string ? "string" : "bytes");
    avro_schema_t schema;
    if (avro_schema_from_json_length(json, strlen(json), &schema))
        return fail("schema", avro_strerror());
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    if (!iface) {
        avro_schema_decref(schema);
        return fail("schema", avro_strerror());
    }
    size_t cap = (size_t)o->max_bytes + strlen(o->prefix) + 64;
    char *buf = malloc(cap);
    int rc = buf ? 0 : fail("sample buffer", strerror(ENOMEM));
    for (uint64_t f = 0; f < o->files && !rc; f++)
        rc = write_file(o, schema, iface, f, buf, cap);
    free(buf);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    return rc;
}

int main(int argc, char **argv)
{
    opts o = { .seed = 1, .prefix = "part", .codec = "null", .field = "sample",
               .min_bytes = 64, .max_bytes = 1024, .block_records = 100 };
    int have_files = 0, have_records = 0;
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }
    if (argc < 3 || strcmp(argv[1], "avro") != 0) {
        usage(stderr);
        return 2;
    }
    o.dir = argv[2];
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!v) {
            fail(a, "needs a value (see --help)");
            return 2;
        }
        i++;
        int bad = 0;
        if (!strcmp(a, "--files"))
            bad = parse_u64(a, v, 0, 100000, &o.files), have_files = 1;
        else if (!strcmp(a, "--records"))
            bad = parse_u64(a, v, 0, UINT64_C(1) << 40, &o.records), have_records = 1;
        else if (!strcmp(a, "--seed"))
            bad = parse_u64(a, v, 0, UINT64_MAX, &o.seed);
        else if (!strcmp(a, "--min-bytes"))
            bad = parse_u64(a, v, 0, SAMPLE_BYTES_MAX, &o.min_bytes);
        else if (!strcmp(a, "--max-bytes"))
            bad = parse_u64(a, v, 0, SAMPLE_BYTES_MAX, &o.max_bytes);
        else if (!strcmp(a, "--block-records"))
            bad = parse_u64(a, v, 1, LS_SOURCE_BLOCK_RECORDS_MAX, &o.block_records);
        else if (!strcmp(a, "--prefix"))
            o.prefix = v;
        else if (!strcmp(a, "--codec"))
            o.codec = v;
        else if (!strcmp(a, "--field"))
            o.field = v;
        else if (!strcmp(a, "--type")) {
            if (!strcmp(v, "string"))
                o.is_string = 1;
            else if (strcmp(v, "bytes") != 0)
                bad = fail(a, "want bytes or string");
        } else {
            fail(a, "unknown option (see --help)");
            return 2;
        }
        if (bad)
            return 2;
    }
    if (!have_files || !have_records) {
        fail("arguments", "--files and --records are required");
        return 2;
    }
    if (o.min_bytes > o.max_bytes) {
        fail("--min-bytes", "exceeds --max-bytes");
        return 2;
    }
    if (strcmp(o.codec, "null") != 0 && strcmp(o.codec, "deflate") != 0) {
        fail("--codec", "want null or deflate");
        return 2;
    }
    if (!valid_avro_name(o.field) || !strcmp(o.field, "id")) {
        fail("--field", "want an Avro name ([A-Za-z_][A-Za-z0-9_]*) other than id");
        return 2;
    }
    if (!*o.prefix || o.prefix[0] == '.' || strchr(o.prefix, '/') || strlen(o.prefix) > 200) {
        fail("--prefix", "want a non-empty file name part without '/' or a leading '.'");
        return 2;
    }
    return gen_avro(&o);
}
