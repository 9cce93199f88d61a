/*
 * keys.c -- the key layout of DESIGN.md section 3, in one place: the
 * syntax every store key obeys (checked by store.c before any backend sees
 * a key), table names, and the format and parse of each kind of object
 * under a table:
 *
 *   <table>/_table                              descriptor
 *   <table>/_log/<v:020>                        commit record of version v
 *   <table>/_log/<v:020>.snapshot               snapshot of the state at v
 *   <table>/_log/_last_snapshot                 hint: a recent snapshot version
 *   <table>/_reclaim/<vs:020>                   GC run mark (reclaim.c)
 *   <table>/_reclaim/seg-<s:020>                GC segment mark (reclaim.c)
 *   <table>/data/<producer>/<epoch:010>-<seq:020>   data chunk
 *   <table>/_steps/<s:020>                      index of step s (format 2)
 *   <table>/_steps/<s0:020>.g16                 index of steps [s0, s0 + 16)
 *   <table>/_ckpt/<job>/<rank:010>-<seq:020>-<step:020>   a rank's progress
 *
 * Formatters write into a buffer of LS_KEY_BYTES_MAX + 1 bytes and return
 * LS_ERR_LIMIT if the key does not fit; parsers take a key (or its part
 * after a prefix) and return 1 if it is of their kind.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

/* ---- the syntax every store key obeys ----------------------------------- */

/* Posix writes temporary files named ".tmp.<random>" next to their target
 * and hides them from list; a key with such a segment would vanish from
 * listings, so the prefix is reserved on every backend alike. */
#define LS_TMP_PREFIX ".tmp."

/* Check the segment [s, s+n): not empty, not "." or "..", not reserved. */
static int segment_ok(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (n == 1 && s[0] == '.')
        return 0;
    if (n == 2 && s[0] == '.' && s[1] == '.')
        return 0;
    if (n >= sizeof(LS_TMP_PREFIX) - 1 &&
        memcmp(s, LS_TMP_PREFIX, sizeof(LS_TMP_PREFIX) - 1) == 0)
        return 0;
    return 1;
}

int ls_key_is_valid(const char *key)
{
    if (!key || !*key)
        return 0;
    size_t len = strnlen(key, LS_KEY_BYTES_MAX + 1);
    if (len > LS_KEY_BYTES_MAX)
        return 0;
    const char *seg = key;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = (unsigned char)key[i];
        if (c == '/' || c == '\0') {
            if (!segment_ok(seg, (size_t)(key + i - seg)))
                return 0;       /* also catches leading, trailing and "//" */
            seg = key + i + 1;
        } else if (c < 0x20) {
            return 0;
        }
    }
    return 1;
}

/* A list prefix may be "" or end in a partial segment ("t/_log/000"), so
 * only the complete segments (those followed by '/') are held to the key
 * rules; the partial tail may be anything but "..". */
int ls_key_prefix_is_valid(const char *prefix)
{
    size_t len = strnlen(prefix, LS_KEY_BYTES_MAX + 1);
    if (len > LS_KEY_BYTES_MAX)
        return 0;
    const char *seg = prefix;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)prefix[i];
        if (c < 0x20)
            return 0;
        if (c == '/') {
            if (!segment_ok(seg, (size_t)(prefix + i - seg)))
                return 0;
            seg = prefix + i + 1;
        }
    }
    return strcmp(seg, "..") != 0;
}

/* ---- table names --------------------------------------------------------- */

int ls_name_is_valid(const char *name)
{
    if (!name)
        return 0;
    size_t n = strnlen(name, LS_TABLE_NAME_BYTES_MAX + 1);
    if (n == 0 || n > LS_TABLE_NAME_BYTES_MAX)
        return 0;
    if (strstr(name, ".."))
        return 0;
    if (!strcmp(name, ".") || !strncmp(name, ".tmp.", 5))
        return 0;   /* ".tmp." is the posix store's temporary-file prefix */
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int key_fmt(char *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int key_fmt(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, LS_KEY_BYTES_MAX + 1, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n > LS_KEY_BYTES_MAX)
        return ls_seterr(LS_ERR_LIMIT, "key longer than %u bytes", LS_KEY_BYTES_MAX);
    return LS_OK;
}

int ls_key_log(char *buf, const char *table, uint64_t v)
{
    return key_fmt(buf, "%s/_log/%020" PRIu64, table, v);
}

int ls_key_snapshot(char *buf, const char *table, uint64_t v)
{
    return key_fmt(buf, "%s/_log/%020" PRIu64 ".snapshot", table, v);
}

int ls_key_hint(char *buf, const char *table)
{
    return key_fmt(buf, "%s/_log/_last_snapshot", table);
}

int ls_key_reclaim_prefix(char *buf, const char *table)
{
    return key_fmt(buf, "%s/_reclaim/", table);
}

int ls_key_reclaim_run(char *buf, const char *table, uint64_t vs)
{
    return key_fmt(buf, "%s/_reclaim/%020" PRIu64, table, vs);
}

int ls_key_reclaim_seg(char *buf, const char *table, uint64_t v)
{
    return key_fmt(buf, "%s/_reclaim/seg-%020" PRIu64, table,
                   v - v % LS_LOG_SEGMENT_VERSIONS);
}

int ls_key_desc(char *buf, const char *table)
{
    return key_fmt(buf, "%s/_table", table);
}

int ls_key_chunk(char *buf, const char *table, const char *producer,
                 uint64_t epoch, uint64_t seq)
{
    return key_fmt(buf, "%s/data/%s/%010" PRIu64 "-%020" PRIu64, table, producer,
                   epoch, seq);
}


int ls_key_step(char *buf, const char *table, uint64_t step)
{
    return key_fmt(buf, "%s/_steps/%020" PRIu64, table, step);
}

int ls_key_step_group(char *buf, const char *table, uint64_t s0)
{
    return key_fmt(buf, "%s/_steps/%020" PRIu64 ".g16", table, s0);
}

int ls_key_steps_prefix(char *buf, const char *table)
{
    return key_fmt(buf, "%s/_steps/", table);
}

#define RANK_CKPT_TAIL_BYTES (10u + 1u + 20u + 1u + 20u)  /* "<rank>-<seq>-<step>" */

int ls_key_rank_ckpt_prefix(char *buf, const char *table, const char *job)
{
    int rc = key_fmt(buf, "%s/_ckpt/%s/", table, job);
    if (rc == LS_OK && strlen(buf) + RANK_CKPT_TAIL_BYTES > LS_KEY_BYTES_MAX)
        rc = ls_seterr(LS_ERR_LIMIT, "the checkpoint keys of job %s would be longer than %u "
                       "bytes", ls_q(job), LS_KEY_BYTES_MAX);
    return rc;
}

int ls_key_rank_ckpt(char *buf, const char *table, const char *job, uint32_t rank,
                     uint64_t seq, uint64_t step)
{
    return key_fmt(buf, "%s/_ckpt/%s/%010" PRIu32 "-%020" PRIu64 "-%020" PRIu64, table, job,
                   rank, seq, step);
}

/* ---- parsing ------------------------------------------------------------- */

int ls_key_log_prefix(char *buf, const char *table)
{
    return key_fmt(buf, "%s/_log/", table);
}

static int is_digits(const char *s, size_t n)
{
    return strspn(s, "0123456789") >= n;
}

int ls_key_parse_log(const char *suffix, uint64_t *v)
{
    if (strlen(suffix) < 20 || !is_digits(suffix, 20))
        return 0;
    const char *rest = suffix + 20;
    int kind = !*rest ? LS_OBJECT_LOG_RECORD
               : !strcmp(rest, ".snapshot") ? LS_OBJECT_SNAPSHOT : 0;
    if (kind)
        *v = strtoull(suffix, NULL, 10);
    return kind;
}

int ls_key_parse_reclaim_run(const char *suffix, uint64_t *vs)
{
    if (strlen(suffix) != 20 || !is_digits(suffix, 20))
        return 0;
    *vs = strtoull(suffix, NULL, 10);
    return 1;
}

int ls_key_parse_step(const char *suffix, uint64_t *step)
{
    if (strlen(suffix) != 20 || !is_digits(suffix, 20))
        return 0;
    *step = strtoull(suffix, NULL, 10);
    return 1;
}

int ls_key_parse_rank_ckpt(const char *k, uint32_t *rank, uint64_t *seq, uint64_t *step)
{
    if (strlen(k) != RANK_CKPT_TAIL_BYTES || k[10] != '-' || k[31] != '-' ||
        !is_digits(k, 10) || !is_digits(k + 11, 20) || !is_digits(k + 32, 20))
        return 0;
    unsigned long long r = strtoull(k, NULL, 10);
    if (r >= LS_WORLD_SIZE_MAX)
        return 0;
    *rank = (uint32_t)r;
    *seq = strtoull(k + 11, NULL, 10);
    *step = strtoull(k + 32, NULL, 10);
    return 1;
}

int ls_key_parse_chunk(const char *key, const char *table, char *producer,
                       uint64_t *epoch, uint64_t *seq)
{
    size_t tlen = strlen(table);
    if (strncmp(key, table, tlen) || strncmp(key + tlen, "/data/", 6))
        return 0;
    const char *p = key + tlen + 6;
    const char *slash = strchr(p, '/');
    if (!slash || slash == p || (size_t)(slash - p) > LS_PRODUCER_ID_BYTES_MAX)
        return 0;
    const char *e = slash + 1;
    if (strlen(e) != 31 || e[10] != '-' || !is_digits(e, 10) || !is_digits(e + 11, 20))
        return 0;
    memcpy(producer, p, (size_t)(slash - p));
    producer[slash - p] = '\0';
    *epoch = strtoull(e, NULL, 10);
    *seq = strtoull(e + 11, NULL, 10);
    return 1;
}

int ls_key_parse_step_group(const char *suffix, uint64_t *s0)
{
    if (strlen(suffix) != 24 || !is_digits(suffix, 20) || strcmp(suffix + 20, ".g16"))
        return 0;
    *s0 = strtoull(suffix, NULL, 10);
    return *s0 % 16 == 0;
}

ls_object_kind ls_object_kind_of(const char *rel)
{
    uint64_t v;
    if (!strncmp(rel, "data/", 5))
        return LS_OBJECT_CHUNK;
    if (!strncmp(rel, "_log/", 5)) {
        return (ls_object_kind)ls_key_parse_log(rel + 5, &v);
    }
    if (!strcmp(rel, "_table"))
        return LS_OBJECT_DESCRIPTOR;
    if (!strncmp(rel, "_steps/", 7) &&
        (ls_key_parse_step(rel + 7, &v) || ls_key_parse_step_group(rel + 7, &v)))
        return LS_OBJECT_STEP_INDEX;
    return LS_OBJECT_OTHER;
}
