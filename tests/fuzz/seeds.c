/*
 * seeds.c -- ls-fuzz-seeds DIR: writes the seed corpora of the fuzz targets
 * in DIR (tests/fuzz): corpus/chunk, corpus/record, corpus/step_index,
 * corpus/conf, corpus/shim_conf, and dictionaries fuzz_<name>.dict.  The binary seeds
 * are real objects: three small tables are written through the library on a
 * mem:// store (producers, group commits, checkpoints, gc, snapshots
 * every 3 versions), then every object is read back and framed as the
 * targets read their input (see the comment at the top of each target).
 * Deterministic: the same build writes the same files, except the commit
 * ids and timestamps that the library draws.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <librdkafka/rdkafka.h>
#include <zstd.h>

#include "ls_int.h"

static const char *g_dir;

static void die(const char *what, int rc)
{
    fprintf(stderr, "ls-fuzz-seeds: %s: %s (%s)\n", what, ls_err2str(rc), ls_errmsg());
    exit(1);
}

#define TRY(call) do { int rc_ = (call); if (rc_) die(#call, rc_); } while (0)

static void mkdirs(const char *sub)
{
    char path[4096];
    mkdir(g_dir, 0777);
    snprintf(path, sizeof(path), "%s/corpus", g_dir);
    mkdir(path, 0777);
    snprintf(path, sizeof(path), "%s/corpus/%s", g_dir, sub);
    if (mkdir(path, 0777) && errno != EEXIST) {
        fprintf(stderr, "ls-fuzz-seeds: mkdir %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* Write corpus/<target>/<name>: the bytes of b. */
static void emit(const char *target, const char *name, const ls_bytes *b)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/corpus/%s/%s", g_dir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || (b->len && fwrite(b->data, 1, b->len, f) != b->len) || fclose(f)) {
        fprintf(stderr, "ls-fuzz-seeds: write %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

static void emit_text(const char *target, const char *name, const char *text)
{
    ls_bytes b = { (uint8_t *)text, strlen(text), 0 };
    emit(target, name, &b);
}

static void put(ls_bytes *b, const void *p, size_t n)
{
    TRY(ls_bytes_append(b, p, n));
}

static void put_u8(ls_bytes *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put_u16(ls_bytes *b, size_t v)
{
    if (v > 0xffff) {
        fprintf(stderr, "ls-fuzz-seeds: a seed part of %zu bytes is too long\n", v);
        exit(1);
    }
    uint8_t x[2];
    ls_put_u16le(x, (uint16_t)v);
    put(b, x, 2);
}

/* ---- the tables -------------------------------------------------------- */

static void append_samples(ls_producer *p, int first, int n)
{
    static const char words[] = "the quick brown fox jumps over a lazy dog and ";
    for (int i = first; i < first + n; i++) {
        char s[300];
        size_t len;
        if (i % 3 == 2) {          /* short, incompressible: stored raw */
            uint64_t st = (uint64_t)i;
            len = 8 + (size_t)i % 16;
            for (size_t k = 0; k < len; k++)
                s[k] = (char)ls_splitmix64(&st);
        } else {                   /* text: a zstd frame under codec zstd */
            len = (size_t)snprintf(s, sizeof(s), "sample %04d: ", i);
            for (size_t k = 0; len < 120 + (size_t)i * 7 % 100; k++)
                s[len++] = words[(k + (size_t)i) % (sizeof(words) - 1)];
        }
        if (i == first + n - 1 && i % 5 == 0)
            len = 0;               /* an empty sample now and then */
        char pos[32];
        int plen = snprintf(pos, sizeof(pos), "pos-%d", i + 1);
        TRY(ls_producer_append_at(p, s, len, NULL, pos, (size_t)plen));
    }
}

/* Table t: two producers, a checkpoint, a new epoch; table g: the same
 * with gc run before the last commit (watermark, released checkpoint,
 * deleted records); table r: codec none. */
static void write_table(ls_store *st, const ls_conf *conf, const ls_conf *tconf,
                        const char *table, int gc)
{
    TRY(ls_table_create_conf(st, table, 4, LS_CODEC_ZSTD, tconf));
    ls_producer *p, *q;
    TRY(ls_producer_open(st, table, "p0", conf, &p));
    append_samples(p, 0, 8);
    TRY(ls_producer_flush(p));
    TRY(ls_checkpoint_register(st, table, "ck1", 1, conf));
    TRY(ls_producer_open(st, table, "p1", conf, &q));
    append_samples(q, 100, 5);
    TRY(ls_producer_flush(q));
    ls_producer_close(q);
    append_samples(p, 8, 7);
    TRY(ls_producer_flush(p));
    ls_producer_close(p);
    TRY(ls_checkpoint_register(st, table, "ck2", 3, conf));
    if (gc) {
        ls_gc_report rep;
        TRY(ls_table_gc(st, table, 1, conf, &rep));   /* releases ck1, raises the watermark */
    } else {
        TRY(ls_checkpoint_release(st, table, "ck1", conf));
    }
    TRY(ls_producer_open(st, table, "p0", conf, &p));   /* a new epoch */
    append_samples(p, 15, 4);
    TRY(ls_producer_flush(p));
    ls_producer_close(p);
}

static void write_tables(ls_store *st)
{
    ls_conf *conf = ls_conf_new();
    if (!conf)
        die("ls_conf_new", LS_ERR_NOMEM);
    TRY(ls_conf_set(conf, "table.snapshot.interval", "3"));
    TRY(ls_conf_set(conf, "producer.chunk.samples.max", "3"));
    TRY(ls_conf_set(conf, "producer.commit.policy", "manual"));
    /* A table property, kept in the descriptor: gc deletes records at once. */
    ls_conf *tconf = ls_conf_new();
    if (!tconf)
        die("ls_conf_new", LS_ERR_NOMEM);
    TRY(ls_conf_set(tconf, "table.log.retention.ms", "0"));
    write_table(st, conf, tconf, "t", 0);
    write_table(st, conf, tconf, "g", 1);
    TRY(ls_table_create(st, "r", 2, LS_CODEC_NONE));
    ls_producer *p;
    TRY(ls_producer_open(st, "r", "raw-producer", conf, &p));
    append_samples(p, 200, 5);
    TRY(ls_producer_flush(p));
    ls_producer_close(p);
    /* Table b: steps of 32 samples from chunks of at most 3, so that slices
     * of 32 and 16 read the step index's blocks across chunk changes; 16
     * of them, so that the group index of steps [0, 16) is written. */
    TRY(ls_table_create_conf(st, "b", 32, LS_CODEC_ZSTD, tconf));
    ls_producer *q;
    TRY(ls_producer_open(st, "b", "p0", conf, &p));
    TRY(ls_producer_open(st, "b", "p1", conf, &q));
    append_samples(p, 0, 20);
    TRY(ls_producer_flush(p));
    append_samples(q, 100, 14);
    TRY(ls_producer_flush(q));
    append_samples(p, 20, 480);       /* 16 steps: a group index too */
    TRY(ls_producer_flush(p));
    ls_producer_close(p);
    ls_producer_close(q);
    ls_conf_destroy(tconf);
    ls_conf_destroy(conf);
}

/* ---- chunk seeds ------------------------------------------------------- */

static void chunk_seeds(const char *key, const uint8_t *obj, size_t len, const char *id)
{
    char name[96];
    unsigned level = (unsigned)id[strlen(id) - 1] % 4;   /* varies with the chunk number */
    ls_bytes b = { 0 };
    put_u8(&b, 0);                              /* mode 0: the object as stored */
    put(&b, obj, len);
    snprintf(name, sizeof(name), "object-%s", id);
    emit("chunk", name, &b);

    uint32_t count;
    const uint8_t *index;
    TRY(ls_chunk_parse(obj, len, key, &count, &index));
    uint64_t *off = malloc(((size_t)count + 1) * sizeof(uint64_t));
    if (!off)
        die("malloc", LS_ERR_NOMEM);
    TRY(ls_chunk_index_offsets(index, count, off));
    ls_bytes assembled = { 0 }, built = { 0 }, out = { 0 };
    put_u8(&assembled, 1);                      /* mode 1: stored bytes, flags */
    put_u8(&assembled, obj[6] == LS_CODEC_ZSTD);
    put_u8(&built, 2);                          /* mode 2: decoded samples */
    put_u8(&built, (uint8_t)((obj[6] == LS_CODEC_ZSTD) | level << 1));
    for (uint32_t i = 0; i < count; i++) {
        uint32_t lf = ls_get_u32le(index + 8 * (size_t)i);
        uint32_t crc = ls_get_u32le(index + 8 * (size_t)i + 4);
        size_t slen = lf & LS_SAMPLE_LEN_MASK;
        put_u8(&assembled, (lf & LS_SAMPLE_ZSTD_FLAG) != 0);
        put_u16(&assembled, slen);
        put(&assembled, obj + off[i], slen);
        TRY(ls_chunk_sample_decode(obj + off[i], lf, crc, NULL, &out, key, i));
        put_u8(&built, 0);
        put_u16(&built, out.len);
        put(&built, out.data, out.len);
    }
    snprintf(name, sizeof(name), "assembled-%s", id);
    emit("chunk", name, &assembled);
    snprintf(name, sizeof(name), "built-%s", id);
    emit("chunk", name, &built);
    ls_bytes_free(&b);
    ls_bytes_free(&assembled);
    ls_bytes_free(&built);
    ls_bytes_free(&out);
    free(off);
}

/* ---- record seeds ------------------------------------------------------ */

typedef struct obj {
    char     key[LS_KEY_BYTES_MAX + 1];
    uint8_t *data;
    size_t   len;
} obj;

static int is_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* The minor format version in an object's envelope. */
static unsigned minor_of(const obj *o)
{
    return ls_get_u16le(o->data + 6);
}

/* kind byte + the object, and sealed (kind | 4, its minor in bits 3-4) +
 * its payload. */
static void record_seed(int kind, const char *name, const obj *o)
{
    char n[128];
    ls_bytes b = { 0 };
    put_u8(&b, (uint8_t)kind);
    put(&b, o->data, o->len);
    snprintf(n, sizeof(n), "%s", name);
    emit("record", n, &b);
    b.len = 0;
    put_u8(&b, (uint8_t)(kind | 4 | (minor_of(o) & 3) << 3));
    put(&b, o->data + LS_ENVELOPE_BYTES, o->len - LS_ENVELOPE_BYTES);
    snprintf(n, sizeof(n), "%s-sealed", name);
    emit("record", n, &b);
    ls_bytes_free(&b);
}

/* Replay: a snapshot then the records after it, or records from version 1. */
static void replay_seed(const char *name, int from_empty, uint32_t global_batch,
                        const obj *snapshot, const obj *const *records, size_t n)
{
    ls_bytes b = { 0 };
    unsigned rminor = n ? minor_of(records[0]) & 3 : 0;
    put_u8(&b, (uint8_t)(3 | (snapshot ? (minor_of(snapshot) & 3) << 2 : 0) |
                         (from_empty ? 16 : 0) | rminor << 5));
    put_u8(&b, (uint8_t)(global_batch - 1));
    if (snapshot) {
        put_u16(&b, snapshot->len - LS_ENVELOPE_BYTES);
        put(&b, snapshot->data + LS_ENVELOPE_BYTES, snapshot->len - LS_ENVELOPE_BYTES);
    }
    for (size_t i = 0; i < n; i++) {
        put_u16(&b, records[i]->len - LS_ENVELOPE_BYTES);
        put(&b, records[i]->data + LS_ENVELOPE_BYTES, records[i]->len - LS_ENVELOPE_BYTES);
    }
    emit("record", name, &b);
    ls_bytes_free(&b);
}

static void table_seeds(ls_store *st, const char *table, uint32_t global_batch)
{
    char prefix[256];
    snprintf(prefix, sizeof(prefix), "%s/", table);
    ls_keylist kl;
    TRY(ls_store_list(st, prefix, NULL, LS_LIST_KEYS_MAX, &kl));
    obj *objs = calloc(kl.n + 1, sizeof(obj));
    const obj **records = calloc(kl.n + 1, sizeof(obj *));
    uint64_t *versions = calloc(kl.n + 1, sizeof(uint64_t));
    if (!objs || !records || !versions)
        die("calloc", LS_ERR_NOMEM);
    size_t nrec = 0;
    int nchunk = 0;
    ls_table *tbl;
    TRY(ls_table_open(st, table, NULL, &tbl));
    uint64_t uid = tbl->desc.uid;
    ls_table_close(tbl);
    for (size_t i = 0; i < kl.n; i++) {
        obj *o = &objs[i];
        snprintf(o->key, sizeof(o->key), "%s", kl.keys[i]);
        TRY(ls_store_get(st, o->key, 0, LS_GET_TO_END, &o->data, &o->len));
        const char *rest = o->key + strlen(prefix), *dot;
        char name[160];
        if (!strcmp(rest, "_table")) {
            snprintf(name, sizeof(name), "desc-%s", table);
            record_seed(0, name, o);
        } else if (!strncmp(rest, "_log/", 5) && is_digits(rest + 5)) {
            uint64_t v = strtoull(rest + 5, NULL, 10);
            snprintf(name, sizeof(name), "record-%s-%02" PRIu64, table, v);
            record_seed(1, name, o);
            versions[nrec] = v;
            records[nrec++] = o;   /* listed in key order: version order */
        } else if (!strncmp(rest, "_log/", 5) && (dot = strchr(rest + 5, '.')) &&
                   !strcmp(dot, ".snapshot")) {
            snprintf(name, sizeof(name), "snapshot-%s-%02llu", table,
                     strtoull(rest + 5, NULL, 10));
            record_seed(2, name, o);
        } else if (!strncmp(rest, "_steps/", 7)) {
            /* u8 w_log2 | u64 uid | u64 step | u32 B | object (fuzz_step_index.c);
             * bit 7 of the first byte for a group index */
            uint64_t step = strtoull(rest + 7, NULL, 10);
            int group = strchr(rest + 7, '.') != NULL;
            ls_bytes b = { 0 };
            uint8_t hdr[21];
            hdr[0] = (uint8_t)(step % 3 | (group ? 0x80 : 0));   /* W = 1, 2, 4 */
            ls_put_u64le(hdr + 1, uid);
            ls_put_u64le(hdr + 9, step);
            ls_put_u32le(hdr + 17, global_batch);
            put(&b, hdr, sizeof(hdr));
            put(&b, o->data, o->len);
            snprintf(name, sizeof(name), "%s-%s-%02" PRIu64, group ? "group" : "step", table,
                     step);
            emit("step_index", name, &b);
            ls_bytes_free(&b);
        } else if (!strncmp(rest, "data/", 5)) {
            char cname[64];
            snprintf(cname, sizeof(cname), "%s-%02d", table, nchunk++);
            chunk_seeds(o->key, o->data, o->len, cname);
        }
    }
    /* Replays: from the empty state through the first records, and from
     * each snapshot through the records after it. */
    char name[160];
    snprintf(name, sizeof(name), "replay-%s-from-empty", table);
    if (nrec && versions[0] == 1)   /* gc may have deleted the first records */
        replay_seed(name, 1, global_batch, NULL, records, nrec < 8 ? nrec : 8);
    for (size_t i = 0; i < kl.n; i++) {
        const char *rest = objs[i].key + strlen(prefix), *dot = strchr(rest, '.');
        if (strncmp(rest, "_log/", 5) || !dot || strcmp(dot, ".snapshot"))
            continue;
        uint64_t v = strtoull(rest + 5, NULL, 10);
        size_t k = 0;
        while (k < nrec && versions[k] <= v)
            k++;
        snprintf(name, sizeof(name), "replay-%s-from-%02" PRIu64, table, v);
        replay_seed(name, 0, global_batch, &objs[i], records + k, nrec - k < 4 ? nrec - k : 4);
    }
    for (size_t i = 0; i < kl.n; i++)
        free(objs[i].data);
    free(objs);
    free(records);
    free(versions);
    ls_keylist_free(&kl);
}

/* ---- configuration seeds ----------------------------------------------- */

static void conf_seeds(void)
{
    ls_bytes defaults = { 0 }, bounds = { 0 }, dict = { 0 };
    const ls_conf_prop *p;
    char line[2200];
    for (size_t i = 0; (p = ls_conf_describe(i)); i++) {
        int n = snprintf(line, sizeof(line), "%s=%s\n", p->name, p->default_value);
        put(&defaults, line, (size_t)n);
        if (!strcmp(p->type, "int"))
            n = snprintf(line, sizeof(line), "%s=%lld\n%%%zu=%lld\n", p->name,
                         (long long)p->min, i, (long long)p->max);
        else if (!strcmp(p->type, "bool"))
            n = snprintf(line, sizeof(line), "%s=false\n%%%zu=1\n", p->name, i);
        else if (!strcmp(p->type, "enum"))
            n = snprintf(line, sizeof(line), "%s=%.*s\n", p->name,
                         (int)strcspn(p->choices, "|"), p->choices);
        else
            n = snprintf(line, sizeof(line), "%s=https://s3.example.com:9000\n", p->name);
        put(&bounds, line, (size_t)n);
        n = snprintf(line, sizeof(line), "\"%s\"\n", p->name);
        put(&dict, line, (size_t)n);
        if (p->choices) {
            for (const char *c = p->choices; *c;) {
                size_t k = strcspn(c, "|");
                n = snprintf(line, sizeof(line), "\"%.*s\"\n", (int)k, c);
                put(&dict, line, (size_t)n);
                c += k + (c[k] == '|');
            }
        }
    }
    put(&defaults, "!dup\n", 5);
    /* Values tried on every property ("*=value"). */
    static const char all[] = "*=1\n*=0\n*=true\n*=dac\n*=-5\n*=4096\n*=\n"
                              "*=99999999999999999999\n*= 7\n*=path\n";
    put(&bounds, all, sizeof(all) - 1);
    emit("conf", "defaults", &defaults);
    emit("conf", "bounds", &bounds);
    emit_text("conf", "uris",
              "@mem://\n@s3://bucket/prefix/sub/\n@s3://Old_Bucket.1\n@file:///abs/path\n"
              "@relative/dir\n@s3://ab\n@s3://bucket/a/../b\n@file://host/x\n@ftp://x\n");
    emit_text("conf", "faults",
              "store.fault.error.permille=300\nstore.fault.lost.reply.permille=200\n"
              "store.fault.seed=7\n@mem://\nstore.fsync\nno.such.property=1\n!dup\n");
    static const char extra[] = "\"=\"\n\"*=\"\n\"@\"\n\"!dup\"\n\"%\"\n\"mem://\"\n\"s3://\"\n"
                                "\"file://\"\n\"true\"\n\"false\"\n"
                                "\"9223372036854775807\"\n\"-1\"\n";
    put(&dict, extra, sizeof(extra) - 1);
    char path[4096];
    snprintf(path, sizeof(path), "%s/fuzz_conf.dict", g_dir);
    FILE *f = fopen(path, "w");
    if (!f || fwrite(dict.data, 1, dict.len, f) != dict.len || fclose(f))
        die(path, LS_ERR_IO);
    ls_bytes_free(&defaults);
    ls_bytes_free(&bounds);
    ls_bytes_free(&dict);
}

static void shim_conf_seeds(void)
{
    emit_text("shim_conf", "producer",
              "bootstrap.servers=file:///tmp/ls-kafka\nclient.id=loader\n"
              "enable.idempotence=true\nlinger.ms=5\nacks=all\ncompression.codec=zstd\n"
              "lakestream.producer.commit.interval.ms=5\nlakestream.global.batch.size=8\n"
              "lakestream.producer.id=prep-0\n?linger.ms\n!dup\n");
    emit_text("shim_conf", "consumer",
              "metadata.broker.list=s3://bucket/prefix\ngroup.id=g\nlakestream.rank=1\n"
              "lakestream.world.size=4\nenable.auto.commit=false\nauto.offset.reset=earliest\n"
              "topic:auto.offset.reset=smallest\ntopic:enable.auto.commit=true\n!default\n"
              "topic:acks=1\n?group.id\n?lakestream.store.fsync\n");
    emit_text("shim_conf", "refused",
              "bootstrap.servers=host:9092,other:9092\nlinger.ms=-1\nno.such=1\n"
              "lakestream.no.such=1\nlakestream.table.snapshot.interval=0\n"
              "enable.partition.eof=maybe\ntopic:no.such=1\n?no.such\n");
    /* The dictionary: every property a fresh conf dumps, and a few of the
     * ignored names and of the line forms. */
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    size_t cnt;
    const char **arr = conf ? rd_kafka_conf_dump(conf, &cnt) : NULL;
    if (!arr)
        die("rd_kafka_conf_dump", LS_ERR_NOMEM);
    char path[4096];
    snprintf(path, sizeof(path), "%s/fuzz_shim_conf.dict", g_dir);
    FILE *f = fopen(path, "w");
    if (!f)
        die(path, LS_ERR_IO);
    for (size_t i = 0; i < cnt; i += 2)
        fprintf(f, "\"%s\"\n", arr[i]);
    fputs("\"bootstrap.servers\"\n\"group.id\"\n\"transactional.id\"\n\"acks\"\n"
          "\"socket.timeout.ms\"\n\"topic:\"\n\"!dup\"\n\"!default\"\n\"?\"\n\"=\"\n"
          "\"file://\"\n\"s3://\"\n\"true\"\n\"false\"\n", f);
    if (fclose(f))
        die(path, LS_ERR_IO);
    rd_kafka_conf_dump_free(arr, cnt);
    rd_kafka_conf_destroy(conf);
}

static void write_dict(const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", g_dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f))
        die(path, LS_ERR_IO);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ls-fuzz-seeds DIR   (tests/fuzz: writes DIR/corpus/... and "
                "DIR/fuzz_*.dict)\n");
        return 2;
    }
    g_dir = argv[1];
    mkdirs("chunk");
    mkdirs("record");
    mkdirs("step_index");
    mkdirs("conf");
    mkdirs("shim_conf");
    ls_store *st;
    TRY(ls_store_mem_new(&st));
    write_tables(st);
    table_seeds(st, "t", 4);
    table_seeds(st, "g", 4);
    table_seeds(st, "r", 2);
    table_seeds(st, "b", 32);
    ls_store_close(st);
    conf_seeds();
    shim_conf_seeds();
    write_dict("fuzz_chunk.dict", "\"LSC1\"\n\"LSCF\"\n\"\\x01\\x00\"\n\"\\x28\\xb5\\x2f\\xfd\"\n"
               "\"\\x00\\x00\\x00\\x80\"\n");
    write_dict("fuzz_step_index.dict", "\"LSI1\"\n\"\\x02\\x00\"\n\"\\x01\\x00\\x00\\x00\"\n"
               "\"\\x11\"\n\"\\x00\\x00\\x00\\x80\"\n\"\\x00\\x00\\x00\\x40\"\n");
    write_dict("fuzz_record.dict", "\"LSD1\"\n\"LSR1\"\n\"LSS1\"\n\"\\x01\\x00\\x00\\x00\"\n"
               "\"\\x02\"\n\"\\x00\"\n");
    return 0;
}
