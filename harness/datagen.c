/*
 * datagen.c -- lakestream-datagen: writes deterministic Avro datasets (a
 * directory of object container files, as read by ls_source_*) for tests,
 * demos and benchmarks, with avro-c's own file writer.
 *
 * The records, their samples and the files are harness/gen.h's (the
 * filler's salt is the FNV-1a hash of the prefix, so the samples depend on
 * (seed, prefix, f, r) alone).  Blocks hold --block-records records (the
 * writer is synced after each group), so files have many blocks.  This file
 * is the command line.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "die.h"
#include "gen.h"
#include "lakestream.h"

#define PROG "lakestream-datagen"
#define SAMPLE_BYTES_MAX (16u << 20)     /* one sample; keeps a block within the reader's limit */

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

/* An error of the data set (exit status 1); the command line's are args.h's. */
static int fail(const char *what, const char *why)
{
    die_warn(what, "%s", why);
    return 1;
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

static int gen_dataset(const opts *o)
{
    if (mkdir(o->dir, 0777) != 0 && errno != EEXIST)
        return fail(o->dir, strerror(errno));
    gen_spec g = { .seed = o->seed, .salt = gen_fnv1a64(o->prefix), .prefix = o->prefix,
                   .records = o->records, .min_bytes = o->min_bytes, .max_bytes = o->max_bytes,
                   .is_string = o->is_string };
    gen_avro a;
    gen_err e;
    if (gen_avro_open(&a, "lakestream.datagen", o->field, o->is_string, &e))
        return fail(e.what, e.why);
    size_t cap = (size_t)o->max_bytes + strlen(o->prefix) + GEN_TAG_BYTES_MAX;
    char *buf = malloc(cap);
    int rc = buf ? 0 : fail("sample buffer", strerror(ENOMEM));
    for (uint64_t f = 0; f < o->files && !rc; f++)
        if (gen_avro_file(&a, &g, o->dir, o->codec, o->block_records, f, buf, cap, &e))
            rc = fail(e.what, e.why);
    free(buf);
    gen_avro_close(&a);
    return rc;
}

int main(int argc, char **argv)
{
    enum { OPT_FILES = 256, OPT_RECORDS, OPT_SEED, OPT_MIN, OPT_MAX, OPT_BLOCK, OPT_PREFIX,
           OPT_CODEC, OPT_FIELD, OPT_TYPE };
    static const struct option lo[] = {
        { "files", required_argument, 0, OPT_FILES },
        { "records", required_argument, 0, OPT_RECORDS },
        { "seed", required_argument, 0, OPT_SEED },
        { "min-bytes", required_argument, 0, OPT_MIN },
        { "max-bytes", required_argument, 0, OPT_MAX },
        { "block-records", required_argument, 0, OPT_BLOCK },
        { "prefix", required_argument, 0, OPT_PREFIX },
        { "codec", required_argument, 0, OPT_CODEC },
        { "field", required_argument, 0, OPT_FIELD },
        { "type", required_argument, 0, OPT_TYPE },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    static const char *const types[] = { "bytes", "string", NULL };
    static const char *const codecs[] = { "null", "deflate", NULL };
    opts o = { .seed = 1, .prefix = "part", .codec = "null", .field = "sample",
               .min_bytes = 64, .max_bytes = 1024, .block_records = 100 };
    int have_files = 0, have_records = 0, nwords = 0;
    die_prog(PROG);
    /* Every error of the command line is a usage error (status 2), as before. */
    args a = { .argc = argc, .argv = argv, .opts = lo, .usage_status = DIE_USAGE_STATUS,
               .value_status = DIE_USAGE_STATUS };
    for (int c; (c = args_next(&a)) != -1;) {
        switch (c) {
        case 'h': usage(stdout); return 0;
        case ARGS_WORD:   /* avro DIR */
            if (nwords == 0 && strcmp(optarg, "avro")) {
                usage(stderr);
                return DIE_USAGE_STATUS;
            }
            if (nwords == 1)
                o.dir = optarg;
            if (nwords++ > 1)
                die_status(DIE_USAGE_STATUS, optarg, "unexpected argument (see --help)");
            break;
        case OPT_FILES: o.files = args_uint(&a, optarg, 0, 100000), have_files = 1; break;
        case OPT_RECORDS:
            o.records = args_uint(&a, optarg, 0, UINT64_C(1) << 40), have_records = 1;
            break;
        case OPT_SEED: o.seed = args_uint(&a, optarg, 0, UINT64_MAX); break;
        case OPT_MIN: o.min_bytes = args_uint(&a, optarg, 0, SAMPLE_BYTES_MAX); break;
        case OPT_MAX: o.max_bytes = args_uint(&a, optarg, 0, SAMPLE_BYTES_MAX); break;
        case OPT_BLOCK:
            o.block_records = args_uint(&a, optarg, 1, LS_SOURCE_BLOCK_RECORDS_MAX);
            break;
        case OPT_PREFIX: o.prefix = optarg; break;
        case OPT_CODEC: o.codec = codecs[args_choice(&a, optarg, codecs)]; break;
        case OPT_FIELD: o.field = optarg; break;
        case OPT_TYPE: o.is_string = args_choice(&a, optarg, types) == 1; break;
        }
    }
    if (!o.dir) {
        usage(stderr);
        return DIE_USAGE_STATUS;
    }
    if (!have_files || !have_records)
        die_status(DIE_USAGE_STATUS, "arguments", "--files and --records are required");
    if (o.min_bytes > o.max_bytes)
        die_status(DIE_USAGE_STATUS, "--min-bytes", "exceeds --max-bytes");
    if (!valid_avro_name(o.field) || !strcmp(o.field, "id"))
        die_status(DIE_USAGE_STATUS, "--field",
                   "want an Avro name ([A-Za-z_][A-Za-z0-9_]*) other than id");
    if (!*o.prefix || o.prefix[0] == '.' || strchr(o.prefix, '/') || strlen(o.prefix) > 200)
        die_status(DIE_USAGE_STATUS, "--prefix",
                   "want a non-empty file name part without '/' or a leading '.'");
    return gen_dataset(&o);
}
