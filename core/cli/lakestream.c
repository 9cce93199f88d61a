/*
 * lakestream.c -- the command-line tool: create, produce, consume,
 * describe, conf.  All I/O with the user happens here; the library only
 * returns codes and details (ls_errmsg).  Errors: one line on stderr,
 * "lakestream: <what>: <why>", and a non-zero exit (1 runtime, 2 usage).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_run.h"
#include "lakestream.h"

#define EXIT_USAGE 2

static const char usage_text[] =
    "usage: lakestream <verb> ...\n"
    "  create   STORE TABLE --global-batch B [--codec zstd|none]\n"
    "  produce  STORE TABLE --producer ID [--format lines|lenpfx]\n"
    "  ingest   STORE TABLE --producer ID --source DIR [--field NAME]\n"
    "  consume  STORE TABLE --rank R --world-size W --from-step S --steps K\n"
    "           [--format lines|lenpfx] [--with-step] [--timeout-ms T] [--stats]\n"
    "  describe STORE TABLE [--json]\n"
    "  checkpoint STORE TABLE register NAME STEP | release NAME | list [--json]\n"
    "  gc       STORE TABLE [--keep-last K]\n"
    "  conf     [--markdown]  (lists configuration properties)\n"
    "  kafka-run [--store URI] [--rank R --world-size W] -- PROGRAM [ARGS...]\n"
    "           (runs a librdkafka program unchanged on Lakestream: docs/kafka-shim.md)\n"
    "Every verb also takes -X name=value (repeatable) to set a property.\n"
    "STORE is file:///abs/path, a plain directory path, mem:// (in-process) or\n"
    "s3://bucket[/prefix] (credentials from AWS_ACCESS_KEY_ID and\n"
    "AWS_SECRET_ACCESS_KEY; endpoint and region from -X s3.* or AWS_ENDPOINT_URL,\n"
    "AWS_REGION: see docs/s3.md).\n";

static const char *verb = "lakestream";

/* A user-supplied string, quoted for a message (ls_quote): newlines and
 * terminal escapes in an argument cannot forge or hide output.  Valid
 * until the fourth call after this one. */
static const char *q(const char *s)
{
    static char ring[4][LS_QUOTE_BYTES];
    static unsigned next;
    char *b = ring[next++ % 4];
    return ls_quote(b, LS_QUOTE_BYTES, s, s ? strnlen(s, LS_QUOTE_BYTES) : 0);
}

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "lakestream: %s: ", verb);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

/* "<err2str>" or the library's detail if it has one. */
static const char *why(int rc)
{
    const char *m = ls_errmsg();
    return m && *m ? m : ls_err2str(rc);
}

/* Print j (and a newline) to f, then release j; -1 if it could not be
 * built or printed. */
static int print_json(FILE *f, json_t *j, size_t flags)
{
    char *txt = j ? json_dumps(j, flags) : NULL;
    int rc = txt && fprintf(f, "%s\n", txt) >= 0 ? 0 : -1;
    free(txt);
    json_decref(j);
    return rc;
}

static int parse_u64(const char *s, const char *flag, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return fail(EXIT_USAGE, "%s: expected a non-negative integer, got \"%s\"", flag,
                     q(s ? s : ""));
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return fail(EXIT_USAGE, "%s: \"%s\" is not an integer in [0, %" PRIu64 "]", flag, q(s),
                    max);
    *out = v;
    return 0;
}

/* Options every verb takes. */
typedef struct opts {
    ls_conf *conf;
    const char *store_uri, *table;
    uint64_t global_batch;
    int codec_set;
    ls_codec codec;
    const char *producer;
    int lenpfx, with_step, stats, json;
    uint64_t rank, world, from_step, steps, timeout_ms;
    int have_rank, have_world, have_from, have_steps, have_batch;
    uint64_t keep_last;
    const char *source, *field;
    char **rest;           /* positional arguments after STORE TABLE */
    int nrest;
} opts;

enum { O_BATCH = 256, O_CODEC, O_PRODUCER, O_FORMAT, O_RANK, O_WORLD, O_FROM, O_STEPS,
       O_WITHSTEP, O_TIMEOUT, O_STATS, O_JSON, O_KEEPLAST, O_SOURCE, O_FIELD };

static const struct option longopts[] = {
    { "global-batch", required_argument, NULL, O_BATCH },
    { "codec", required_argument, NULL, O_CODEC },
    { "producer", required_argument, NULL, O_PRODUCER },
    { "format", required_argument, NULL, O_FORMAT },
    { "rank", required_argument, NULL, O_RANK },
    { "world-size", required_argument, NULL, O_WORLD },
    { "from-step", required_argument, NULL, O_FROM },
    { "steps", required_argument, NULL, O_STEPS },
    { "with-step", no_argument, NULL, O_WITHSTEP },
    { "timeout-ms", required_argument, NULL, O_TIMEOUT },
    { "stats", no_argument, NULL, O_STATS },
    { "json", no_argument, NULL, O_JSON },
    { "keep-last", required_argument, NULL, O_KEEPLAST },
    { "source", required_argument, NULL, O_SOURCE },
    { "field", required_argument, NULL, O_FIELD },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

/* Parse argv (after the verb) into o; `allowed` lists the long options
 * this verb accepts.  Returns 0 or an exit code. */
static int parse_opts(int argc, char **argv, const int *allowed, int npos, opts *o)
{
    int c, rc;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "X:h", longopts, NULL)) != -1) {
        if (c >= O_BATCH) {
            int ok = 0;
            for (const int *a = allowed; *a; a++)
                ok |= *a == c;
            if (!ok)
                return fail(EXIT_USAGE, "option %s does not apply here", q(argv[optind - 1]));
        }
        switch (c) {
        case 'X': {
            char *eq = strchr(optarg, '=');
            if (!eq)
                return fail(EXIT_USAGE, "-X %s: expected name=value", q(optarg));
            *eq = '\0';
            if (ls_conf_set(o->conf, optarg, eq + 1) != LS_OK)
                return fail(EXIT_USAGE, "%s", ls_errmsg());
            break;
        }
        case O_BATCH:
            if ((rc = parse_u64(optarg, "--global-batch", UINT32_MAX, &o->global_batch)))
                return rc;
            o->have_batch = 1;
            break;
        case O_CODEC:
            if (!strcmp(optarg, "zstd"))
                o->codec = LS_CODEC_ZSTD;
            else if (!strcmp(optarg, "none"))
                o->codec = LS_CODEC_NONE;
            else
                return fail(EXIT_USAGE, "--codec: expected zstd or none, got \"%s\"", q(optarg));
            o->codec_set = 1;
            break;
        case O_PRODUCER: o->producer = optarg; break;
        case O_FORMAT:
            if (!strcmp(optarg, "lenpfx"))
                o->lenpfx = 1;
            else if (strcmp(optarg, "lines"))
                return fail(EXIT_USAGE, "--format: expected lines or lenpfx, got \"%s\"", q(optarg));
            break;
        case O_RANK:
            if ((rc = parse_u64(optarg, "--rank", UINT32_MAX, &o->rank)))
                return rc;
            o->have_rank = 1;
            break;
        case O_WORLD:
            if ((rc = parse_u64(optarg, "--world-size", UINT32_MAX, &o->world)))
                return rc;
            o->have_world = 1;
            break;
        case O_FROM:
            if ((rc = parse_u64(optarg, "--from-step", UINT64_MAX / 2, &o->from_step)))
                return rc;
            o->have_from = 1;
            break;
        case O_STEPS:
            if ((rc = parse_u64(optarg, "--steps", UINT64_MAX / 2, &o->steps)))
                return rc;
            o->have_steps = 1;
            break;
        case O_WITHSTEP: o->with_step = 1; break;
        case O_TIMEOUT:
            if ((rc = parse_u64(optarg, "--timeout-ms", INT32_MAX, &o->timeout_ms)))
                return rc;
            break;
        case O_STATS: o->stats = 1; break;
        case O_JSON: o->json = 1; break;
        case O_SOURCE: o->source = optarg; break;
        case O_FIELD: o->field = optarg; break;
        case O_KEEPLAST:
            if ((rc = parse_u64(optarg, "--keep-last", UINT32_MAX, &o->keep_last)))
                return rc;
            break;
        case 'h': fputs(usage_text, stdout); return -1;
        default:
            return fail(EXIT_USAGE, "unknown or incomplete option \"%s\" (see lakestream "
                        "--help)", q(argv[optind - 1]));
        }
    }
    /* npos < 0: at least -npos arguments (the rest go to o->rest). */
    if (npos >= 0 ? argc - optind != npos : argc - optind < -npos)
        return fail(EXIT_USAGE, "expected %s%d arguments, got %d (see lakestream --help)",
                    npos < 0 ? "at least " : "", npos < 0 ? -npos : npos, argc - optind);
    o->store_uri = argv[optind];
    o->table = argc - optind > 1 ? argv[optind + 1] : NULL;
    /* Names are the caller's mistake, whichever it is: exit 2 alike. */
    if (o->table && !ls_name_is_valid(o->table))
        return fail(EXIT_USAGE, "invalid table name \"%s\": use 1-%u of [A-Za-z0-9._-], "
                    "no \"..\"", q(o->table), LS_TABLE_NAME_BYTES_MAX);
    if (o->producer && !ls_name_is_valid(o->producer))
        return fail(EXIT_USAGE, "invalid producer id \"%s\": use 1-%u of [A-Za-z0-9._-], "
                    "no \"..\"", q(o->producer), LS_PRODUCER_ID_BYTES_MAX);
    o->rest = argv + optind + 2;
    o->nrest = argc - optind - 2;
    return 0;
}

static int open_store(opts *o, ls_store **st)
{
    int rc = ls_store_open(o->store_uri, o->conf, st);
    if (rc)
        return fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "store %s: %s", q(o->store_uri),
                    why(rc));
    return 0;
}

/* ---- create -------------------------------------------------------------- */

static int cmd_create(int argc, char **argv, opts *o)
{
    static const int allowed[] = { O_BATCH, O_CODEC, 0 };
    int rc = parse_opts(argc, argv, allowed, 2, o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o->have_batch)
        return fail(EXIT_USAGE, "--global-batch B is required");
    if (o->global_batch == 0 || o->global_batch > LS_GLOBAL_BATCH_MAX)
        return fail(EXIT_USAGE, "--global-batch %" PRIu64 ": must be in [1, %u]",
                    o->global_batch, LS_GLOBAL_BATCH_MAX);
    ls_store *st;
    if ((rc = open_store(o, &st)))
        return rc;
    rc = ls_table_create_conf(st, o->table, (uint32_t)o->global_batch,
                              o->codec_set ? o->codec : LS_CODEC_ZSTD, o->conf);
    ls_store_close(st);
    if (rc)
        return fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));
    return 0;
}

/* ---- produce ------------------------------------------------------------- */

static int cmd_produce(int argc, char **argv, opts *o)
{
    static const int allowed[] = { O_PRODUCER, O_FORMAT, 0 };
    int rc = parse_opts(argc, argv, allowed, 2, o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o->producer)
        return fail(EXIT_USAGE, "--producer ID is required");
    ls_store *st;
    if ((rc = open_store(o, &st)))
        return rc;
    ls_producer *p;
    if ((rc = ls_producer_open(st, o->table, o->producer, o->conf, &p))) {
        int code = fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));
        ls_store_close(st);
        return code;
    }
    int code = 0;
    uint64_t nread = 0, offset = 0;
    char *line = NULL;
    size_t cap = 0;
    uint8_t *buf = NULL;
    for (;;) {
        const void *sample;
        size_t len;
        if (!o->lenpfx) {
            ssize_t n = getline(&line, &cap, stdin);
            if (n < 0)
                break;
            len = (size_t)n;
            if (len && line[len - 1] == '\n')
                len--;
            sample = line;
        } else {
            uint8_t hdr[4];
            size_t got = fread(hdr, 1, 4, stdin);
            if (got == 0)
                break;
            if (got < 4) {
                code = fail(1, "stdin: truncated length prefix at byte %" PRIu64, offset);
                break;
            }
            len = (size_t)hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16 |
                  (size_t)hdr[3] << 24;
            if (len > LS_SAMPLE_BYTES_MAX) {
                code = fail(1, "stdin: sample %" PRIu64 " at byte %" PRIu64 " declares %zu "
                            "bytes, more than the limit of %u", nread, offset, len,
                            LS_SAMPLE_BYTES_MAX);
                break;
            }
            uint8_t *nb = realloc(buf, len ? len : 1);
            if (!nb) {
                code = fail(1, "out of memory");
                break;
            }
            buf = nb;
            if (fread(buf, 1, len, stdin) != len) {
                code = fail(1, "stdin: truncated sample %" PRIu64 " at byte %" PRIu64
                            " (declared %zu bytes)", nread, offset, len);
                break;
            }
            offset += 4 + len;
            sample = buf;
        }
        if ((rc = ls_producer_append(p, sample, len, NULL))) {
            code = fail(1, "sample %" PRIu64 ": %s", nread, why(rc));
            break;
        }
        nread++;
    }
    if (!code && ferror(stdin))
        code = fail(1, "stdin: %s", strerror(errno));
    /* Commit what was read completely, also when the input ended badly. */
    rc = ls_producer_flush(p);
    if (rc && !code)
        code = fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));
    else if (rc)
        fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));
    else if (code)
        fprintf(stderr, "lakestream: produce: the %" PRIu64 " samples before the error "
                "were committed\n", nread);
    free(line);
    free(buf);
    ls_producer_close(p);
    ls_store_close(st);
    return code;
}

/* ---- ingest --------------------------------------------------------------- */

/* Ingest an Avro dataset directory, resuming at the producer's committed
 * source position; every commit carries the position after its last
 * sample, so a run killed at any moment and started again neither loses
 * nor repeats a record. */
static int cmd_ingest(int argc, char **argv, opts *o)
{
    static const int allowed[] = { O_PRODUCER, O_SOURCE, O_FIELD, 0 };
    int rc = parse_opts(argc, argv, allowed, 2, o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o->producer || !o->source)
        return fail(EXIT_USAGE, "--producer ID and --source DIR are required");
    ls_store *st;
    if ((rc = open_store(o, &st)))
        return rc;
    ls_producer *p = NULL;
    ls_source *src = NULL;
    int code = 0;
    if ((rc = ls_producer_open(st, o->table, o->producer, o->conf, &p))) {
        code = fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));
        goto end;
    }
    size_t plen;
    const void *pos = ls_producer_source_position(p, &plen);
    if ((rc = ls_source_open(o->source, o->field ? o->field : "sample", plen ? pos : NULL,
                             plen, &src))) {
        code = fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));
        goto end;
    }
    for (;;) {
        const void *data;
        size_t len;
        int eof;
        if ((rc = ls_source_next(src, &data, &len, &eof))) {
            code = fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));
            break;
        }
        if (eof)
            break;
        size_t pl;
        const void *np = ls_source_position(src, &pl);
        if ((rc = ls_producer_append_at(p, data, len, NULL, np, pl))) {
            code = fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));
            break;
        }
    }
    /* Commit what was read; after an error too (it is consistent: each
     * commit carries the position after its last sample). */
    rc = ls_producer_flush(p);
    if (rc && !code)
        code = fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));
end:
    ls_source_close(src);
    ls_producer_close(p);
    ls_store_close(st);
    return code;
}

/* ---- consume ------------------------------------------------------------- */

static int write_all(const void *p, size_t n)
{
    return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

static int cmd_consume(int argc, char **argv, opts *o)
{
    static const int allowed[] = { O_RANK, O_WORLD, O_FROM, O_STEPS, O_FORMAT, O_WITHSTEP,
                                   O_TIMEOUT, O_STATS, 0 };
    o->timeout_ms = 30000;
    int rc = parse_opts(argc, argv, allowed, 2, o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o->have_rank || !o->have_world || !o->have_from || !o->have_steps)
        return fail(EXIT_USAGE, "--rank, --world-size, --from-step and --steps are required");
    if (o->with_step && o->lenpfx)
        return fail(EXIT_USAGE, "--with-step applies to --format lines only");
    ls_store *st;
    if ((rc = open_store(o, &st)))
        return rc;
    ls_consumer *c;
    rc = ls_consumer_open(st, o->table, (uint32_t)o->rank, (uint32_t)o->world, o->conf, &c);
    if (rc) {
        int code = fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));
        ls_store_close(st);
        return code;
    }
    int code = 0;
    for (uint64_t s = o->from_step; s < o->from_step + o->steps && !code; s++) {
        ls_batch *b;
        if ((rc = ls_consumer_read_step(c, s, (int)o->timeout_ms, &b))) {
            code = fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));  /* names the table and the step */
            break;
        }
        for (size_t i = 0; i < b->count && !code; i++) {
            int w = 0;
            if (o->lenpfx) {
                uint8_t hdr[4] = { (uint8_t)b->lens[i], (uint8_t)(b->lens[i] >> 8),
                                   (uint8_t)(b->lens[i] >> 16), (uint8_t)(b->lens[i] >> 24) };
                w = write_all(hdr, 4) || write_all(b->samples[i], b->lens[i]);
            } else {
                if (o->with_step)
                    w = printf("%" PRIu64 "\t", s) < 0;
                w = w || write_all(b->samples[i], b->lens[i]) || write_all("\n", 1);
            }
            if (w)
                code = fail(1, "stdout: %s", strerror(errno));
        }
        ls_batch_destroy(b);
    }
    if (!code && fflush(stdout) != 0)
        code = fail(1, "stdout: %s", strerror(errno));
    if (o->stats) {
        ls_read_stats rs;
        ls_consumer_stats_get(c, &rs);
        double steps = rs.steps ? (double)rs.steps : 1.0;
        json_t *j = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
                              "s:f,s:f,s:f}",
                              "bytes_fetched", (json_int_t)rs.bytes_fetched,
                              "bytes_needed", (json_int_t)rs.bytes_needed,
                              "bytes_delivered", (json_int_t)rs.bytes_delivered,
                              "meta_bytes_fetched", (json_int_t)rs.meta_bytes_fetched,
                              "requests", (json_int_t)rs.requests,
                              "data_requests", (json_int_t)rs.data_requests,
                              "steps", (json_int_t)rs.steps,
                              "samples", (json_int_t)rs.samples,
                              "polls", (json_int_t)rs.polls,
                              "index_steps", (json_int_t)rs.index_steps,
                              "log_steps", (json_int_t)rs.log_steps,
                              "index_missing", (json_int_t)rs.index_missing,
                              "index_refused", (json_int_t)rs.index_refused,
                              "index_written", (json_int_t)rs.index_written,
                              "log_refreshes", (json_int_t)rs.log_refreshes,
                              "group_reads", (json_int_t)rs.group_reads,
                              "group_steps", (json_int_t)rs.group_steps,
                              "group_dear", (json_int_t)rs.group_dear,
                              "requests_per_step", (double)rs.requests / steps,
                              "polls_per_step", (double)rs.polls / steps,
                              "total_read_amplification", rs.bytes_needed
                                  ? (double)(rs.bytes_fetched + rs.meta_bytes_fetched) /
                                        (double)rs.bytes_needed : 0.0);
        if (print_json(stderr, j, JSON_COMPACT) && !code)
            code = fail(1, "cannot print the statistics");
    }
    ls_consumer_close(c);
    ls_store_close(st);
    return code;
}

/* ---- describe ------------------------------------------------------------ */

static int cmd_describe(int argc, char **argv, opts *o)
{
    static const int allowed[] = { O_JSON, 0 };
    int rc = parse_opts(argc, argv, allowed, 2, o);
    if (rc)
        return rc < 0 ? 0 : rc;
    ls_store *st;
    if ((rc = open_store(o, &st)))
        return rc;
    ls_table *t;
    if ((rc = ls_table_open(st, o->table, o->conf, &t))) {
        int code = fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));
        ls_store_close(st);
        return code;
    }
    ls_table_info in;
    ls_table_info_get(t, &in);
    json_t *prods = json_array();
    ls_producer_info pi;
    for (size_t i = 0; ls_table_producer_get(t, i, &pi) == LS_OK; i++)
        json_array_append_new(prods, json_pack("{s:s,s:I,s:I,s:I}", "id", pi.id,
                                               "epoch", (json_int_t)pi.epoch,
                                               "last_seq", (json_int_t)pi.last_seq,
                                               "last_version", (json_int_t)pi.last_version));
    json_t *j = json_pack("{s:s,s:I,s:I,s:I,s:I,s:s,s:i,s:I,s:I,s:I,s:o}",
                          "table", o->table,
                          "version", (json_int_t)in.version,
                          "total_samples", (json_int_t)in.total_samples,
                          "visible_steps", (json_int_t)in.visible_steps,
                          "global_batch", (json_int_t)in.global_batch,
                          "codec", in.codec == LS_CODEC_ZSTD ? "zstd" : "none",
                          "table_format", in.table_format,
                          "snapshot_version", (json_int_t)in.snapshot_version,
                          "low_watermark_step", (json_int_t)in.low_watermark_step,
                          "commits", (json_int_t)in.commits,
                          "producers", prods);
    int code = 0;
    if (!j) {
        code = fail(1, "cannot build the JSON description");
    } else if (o->json) {
        if (print_json(stdout, j, JSON_INDENT(2) | JSON_PRESERVE_ORDER))
            code = fail(1, "cannot print the description");
        j = NULL;   /* released by print_json */
    } else {
        printf("table:              %s\n", o->table);
        printf("version:            %" PRIu64 "\n", in.version);
        printf("total_samples:      %" PRIu64 "\n", in.total_samples);
        printf("visible_steps:      %" PRIu64 "\n", in.visible_steps);
        printf("global_batch:       %" PRIu32 "\n", in.global_batch);
        printf("codec:              %s\n", in.codec == LS_CODEC_ZSTD ? "zstd" : "none");
        printf("table_format:       %d\n", in.table_format);
        printf("snapshot_version:   %" PRIu64 "\n", in.snapshot_version);
        printf("low_watermark_step: %" PRIu64 "\n", in.low_watermark_step);
        printf("retained commits:   %zu\n", in.commits);
        printf("producers:          %zu\n", in.producers);
        for (size_t i = 0; ls_table_producer_get(t, i, &pi) == LS_OK; i++)
            printf("  %-24s epoch %" PRIu64 "  last_seq %" PRIu64 "  last_version %" PRIu64
                   "\n", pi.id, pi.epoch, pi.last_seq, pi.last_version);
    }
    if (!code && fflush(stdout) != 0)
        code = fail(1, "stdout: %s", strerror(errno));
    json_decref(j);
    ls_table_close(t);
    ls_store_close(st);
    return code;
}

/* ---- checkpoint ------------------------------------------------------- */

static int cmd_checkpoint(int argc, char **argv, opts *o)
{
    static const int allowed[] = { O_JSON, 0 };
    int rc = parse_opts(argc, argv, allowed, -3, o);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *sub = o->rest[0];
    int n = o->nrest - 1;
    char **a = o->rest + 1;
    uint64_t step = 0;
    if (!strcmp(sub, "register")) {
        if (n != 2)
            return fail(EXIT_USAGE, "usage: checkpoint STORE TABLE register NAME STEP");
        if ((rc = parse_u64(a[1], "STEP", UINT64_MAX / 2, &step)))
            return rc;
    } else if (!strcmp(sub, "release")) {
        if (n != 1)
            return fail(EXIT_USAGE, "usage: checkpoint STORE TABLE release NAME");
    } else if (!strcmp(sub, "list")) {
        if (n != 0)
            return fail(EXIT_USAGE, "usage: checkpoint STORE TABLE list [--json]");
    } else {
        return fail(EXIT_USAGE, "unknown checkpoint action \"%s\" (register, release, list)",
                    q(sub));
    }
    ls_store *st;
    if ((rc = open_store(o, &st)))
        return rc;
    int code = 0;
    if (!strcmp(sub, "register")) {
        if ((rc = ls_checkpoint_register(st, o->table, a[0], step, o->conf)))
            code = fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));
    } else if (!strcmp(sub, "release")) {
        if ((rc = ls_checkpoint_release(st, o->table, a[0], o->conf)))
            code = fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));
    } else {
        ls_table *t;
        if ((rc = ls_table_open(st, o->table, o->conf, &t))) {
            code = fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));
        } else {
            ls_table_info in;
            ls_table_info_get(t, &in);
            json_t *arr = json_array();
            ls_checkpoint_info ci;
            for (size_t i = 0; ls_table_checkpoint_get(t, i, &ci) == LS_OK; i++) {
                json_array_append_new(arr, json_pack("{s:s,s:I,s:b}", "name", ci.name, "step",
                                                     (json_int_t)ci.step, "live", ci.live));
                if (!o->json)
                    printf("%-32s step %-12" PRIu64 " %s\n", ci.name, ci.step,
                           ci.live ? "live" : "released");
            }
            if (o->json) {
                json_t *j = json_pack("{s:I,s:o}", "low_watermark_step",
                                      (json_int_t)in.low_watermark_step, "checkpoints", arr);
                if (print_json(stdout, j, JSON_INDENT(2) | JSON_PRESERVE_ORDER))
                    code = fail(1, "cannot print the JSON listing");
            } else {
                json_decref(arr);
            }
            if (!code && fflush(stdout) != 0)
                code = fail(1, "stdout: %s", strerror(errno));
            ls_table_close(t);
        }
    }
    ls_store_close(st);
    return code;
}

/* ---- gc ------------------------------------------------------------------ */

static int cmd_gc(int argc, char **argv, opts *o)
{
    static const int allowed[] = { O_KEEPLAST, O_JSON, 0 };
    int rc = parse_opts(argc, argv, allowed, 2, o);
    if (rc)
        return rc < 0 ? 0 : rc;
    ls_store *st;
    if ((rc = open_store(o, &st)))
        return rc;
    ls_gc_report g;
    rc = ls_table_gc(st, o->table, (uint32_t)o->keep_last, o->conf, &g);
    ls_store_close(st);
    if (rc)
        return fail(rc == LS_ERR_INVALID ? EXIT_USAGE : 1, "%s", why(rc));
    uint64_t objects = g.chunks_deleted + g.orphans_deleted + g.records_deleted +
                       g.snapshots_deleted + g.step_indexes_deleted;
    uint64_t bytes = g.chunk_bytes_deleted + g.orphan_bytes_deleted +
                     g.record_bytes_deleted + g.snapshot_bytes_deleted +
                     g.step_index_bytes_deleted;
    if (o->json) {
        json_t *j = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
            "low_watermark_step", (json_int_t)g.low_watermark_step,
            "previous_watermark_step", (json_int_t)g.previous_watermark_step,
            "checkpoints_released", (json_int_t)g.checkpoints_released,
            "objects", (json_int_t)objects, "bytes", (json_int_t)bytes,
            "chunks", (json_int_t)g.chunks_deleted, "chunk_bytes", (json_int_t)g.chunk_bytes_deleted,
            "orphans", (json_int_t)g.orphans_deleted,
            "orphan_bytes", (json_int_t)g.orphan_bytes_deleted,
            "records", (json_int_t)g.records_deleted,
            "record_bytes", (json_int_t)g.record_bytes_deleted,
            "snapshots", (json_int_t)g.snapshots_deleted,
            "snapshot_bytes", (json_int_t)g.snapshot_bytes_deleted,
            "step_indexes", (json_int_t)g.step_indexes_deleted,
            "step_index_bytes", (json_int_t)g.step_index_bytes_deleted);
        if (print_json(stdout, j, JSON_COMPACT))
            return fail(1, "cannot print the report");
    } else {
        printf("low watermark: step %" PRIu64 " (was %" PRIu64 ")%s\n", g.low_watermark_step,
               g.previous_watermark_step,
               g.low_watermark_step == g.previous_watermark_step &&
               g.low_watermark_step == 0 ? ", no live checkpoint: nothing below it" : "");
        if (g.checkpoints_released)
            printf("released %" PRIu64 " checkpoints beyond --keep-last %" PRIu64 "\n",
                   g.checkpoints_released, o->keep_last);
        printf("reclaimed %" PRIu64 " objects, %" PRIu64 " bytes: %" PRIu64 " chunks below "
               "the watermark (%" PRIu64 " B), %" PRIu64 " orphan chunks (%" PRIu64 " B), %"
               PRIu64 " log records (%" PRIu64 " B), %" PRIu64 " snapshots (%" PRIu64 " B), %"
               PRIu64 " step indexes (%" PRIu64 " B)\n",
               objects, bytes, g.chunks_deleted, g.chunk_bytes_deleted, g.orphans_deleted,
               g.orphan_bytes_deleted, g.records_deleted, g.record_bytes_deleted,
               g.snapshots_deleted, g.snapshot_bytes_deleted, g.step_indexes_deleted,
               g.step_index_bytes_deleted);
    }
    if (fflush(stdout) != 0)
        return fail(1, "stdout: %s", strerror(errno));
    return 0;
}

/* ---- conf ---------------------------------------------------------------- */

static int cmd_conf(int argc, char **argv)
{
    const ls_conf_prop *p;
    if (argc > 1 && !strcmp(argv[1], "--markdown")) {
        /* docs/configuration.md is this output (tests/test_cli.sh checks). */
        printf("# Configuration properties\n\n"
               "Generated by `lakestream conf --markdown` from the core's property table "
               "(`core/conf.c`)\nand each store backend's (`core/store_builtin.c`).\nSet with `ls_conf_set()` or the CLI's `-X name=value`.\n\n"
               "| property | type | default | range | description |\n"
               "|---|---|---|---|---|\n");
        for (size_t i = 0; (p = ls_conf_describe(i)); i++) {
            char range[64] = "";
            if (!strcmp(p->type, "int"))
                snprintf(range, sizeof(range), "%" PRId64 "..%" PRId64, p->min, p->max);
            else if (!strcmp(p->type, "enum")) {
                /* '|' separates cells in Markdown: escape it */
                size_t k = 0;
                for (const char *c = p->choices; *c && k + 3 < sizeof(range); c++) {
                    if (*c == '|')
                        range[k++] = '\\';
                    range[k++] = *c;
                }
                range[k] = '\0';
            }
            if (p->default_value[0])
                printf("| `%s` | %s | `%s` | %s | %s |\n", p->name, p->type,
                       p->default_value, range, p->doc);
            else
                printf("| `%s` | %s | (empty) | %s | %s |\n", p->name, p->type, range,
                       p->doc);
        }
        return 0;
    }
    if (argc > 1)
        return fail(EXIT_USAGE, "unknown argument \"%s\" (conf takes --markdown)", q(argv[1]));
    for (size_t i = 0; (p = ls_conf_describe(i)); i++) {
        if (!strcmp(p->type, "int"))
            printf("%-32s int [%" PRId64 "..%" PRId64 "] default %s\n    %s\n", p->name,
                   p->min, p->max, p->default_value, p->doc);
        else if (!strcmp(p->type, "enum"))
            printf("%-32s %s default %s\n    %s\n", p->name, p->choices, p->default_value,
                   p->doc);
        else
            printf("%-32s %s default %s\n    %s\n", p->name, p->type, p->default_value,
                   p->doc);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("lakestream %s\n", LS_VERSION_STR);
        return 0;
    }
    verb = argv[1];
    if (!strcmp(verb, "kafka-run")) {
        int rc = ls_cli_kafka_run(argc - 1, argv + 1);
        return rc < 0 ? 0 : rc;
    }
    opts o = { 0 };
    if (!(o.conf = ls_conf_new()))
        return fail(1, "out of memory");
    int code;
    if (!strcmp(verb, "create"))
        code = cmd_create(argc - 1, argv + 1, &o);
    else if (!strcmp(verb, "produce"))
        code = cmd_produce(argc - 1, argv + 1, &o);
    else if (!strcmp(verb, "ingest"))
        code = cmd_ingest(argc - 1, argv + 1, &o);
    else if (!strcmp(verb, "consume"))
        code = cmd_consume(argc - 1, argv + 1, &o);
    else if (!strcmp(verb, "describe"))
        code = cmd_describe(argc - 1, argv + 1, &o);
    else if (!strcmp(verb, "checkpoint"))
        code = cmd_checkpoint(argc - 1, argv + 1, &o);
    else if (!strcmp(verb, "gc"))
        code = cmd_gc(argc - 1, argv + 1, &o);
    else if (!strcmp(verb, "conf"))
        code = cmd_conf(argc - 1, argv + 1);
    else {
        verb = "lakestream";
        code = fail(EXIT_USAGE, "unknown verb \"%s\" (see lakestream --help)", q(argv[1]));
    }
    ls_conf_destroy(o.conf);
    return code;
}
