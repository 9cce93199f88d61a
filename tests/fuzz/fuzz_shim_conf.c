/*
 * fuzz_shim_conf.c -- the Kafka shim's configuration (kafka_shim/conf.c):
 * rd_kafka_conf_set on arbitrary names and values (the shim's properties,
 * lakestream.* passed to the core, librdkafka's ignored names),
 * rd_kafka_topic_conf_set, _get with short buffers, _dup and the dumps.
 *
 * The input is lines:
 *   name=value        rd_kafka_conf_set (errstr sizes 0, 1, 16, 512 in turn)
 *   topic:name=value  rd_kafka_topic_conf_set
 *   ?name             rd_kafka_conf_get, with every buffer size up to the
 *                     value's and a NULL buffer
 *   !dup              rd_kafka_conf_dup: its dump must equal the original's
 *   !default          the topic conf becomes the default topic conf (owned)
 * Invariants: a set that returns OK reads back with _get in librdkafka's
 * canonical form (e.g. "True" -> "true", "earliest" -> "smallest"), which
 * sets again to itself; a dump has pairs whose every name reads back, with
 * _get, as the value dumped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "shim_int.h"

static char errstr[512];
static const size_t errstr_sizes[] = { 0, 1, 16, sizeof errstr };

/* _get's contract, as librdkafka 2.0.2 keeps it: with a NULL buffer,
 * *size is what a buffer needs (for flag lists one byte more than the
 * value and its NUL: librdkafka's flags2str counts the NUL twice); with a
 * buffer of k > 0 bytes, the value's first k - 1 bytes and a NUL, and
 * *size = strlen(value) + 1 when it fits (tried with short buffers only
 * where asked: a dump checks every name, and the fuzzer needs its
 * executions). */
static void get_check(const rd_kafka_conf_t *conf, const char *name, const char *want,
                      int short_bufs)
{
    size_t need = 0;
    rd_kafka_conf_res_t r = rd_kafka_conf_get(conf, name, NULL, &need);
    if (want)
        FUZZ_CHECK(r == RD_KAFKA_CONF_OK);
    if (r != RD_KAFKA_CONF_OK) {
        FUZZ_CHECK(r == RD_KAFKA_CONF_UNKNOWN);
        return;
    }
    FUZZ_CHECK(need >= 1);
    char *full = malloc(need);
    FUZZ_CHECK(full);
    size_t size = need;
    FUZZ_CHECK(rd_kafka_conf_get(conf, name, full, &size) == RD_KAFKA_CONF_OK &&
               size <= need && size + 1 >= need && full[size - 1] == '\0' &&
               strlen(full) == size - 1);
    if (want)
        FUZZ_CHECK(!strcmp(full, want));
    /* Short buffers: a few sizes, not all (values may be long). */
    size_t len = strlen(full);
    for (size_t k = 1; short_bufs && k <= len && k <= 8; k++) {
        char *b = malloc(k);
        FUZZ_CHECK(b);
        size_t bs = k;
        FUZZ_CHECK(rd_kafka_conf_get(conf, name, b, &bs) == RD_KAFKA_CONF_OK &&
                   b[k - 1] == '\0' && strlen(b) <= k - 1 && !memcmp(b, full, strlen(b)));
        free(b);
    }
    free(full);
}

static void dump_check(rd_kafka_conf_t *conf, const char **other, size_t other_cnt)
{
    size_t cnt = 12345;
    const char **arr = rd_kafka_conf_dump(conf, &cnt);
    FUZZ_CHECK(arr && cnt % 2 == 0);
    for (size_t i = 0; i < cnt; i += 2) {
        FUZZ_CHECK(arr[i] && arr[i + 1]);
        get_check(conf, arr[i], arr[i + 1], 0);
    }
    if (other) {
        FUZZ_CHECK(other_cnt == cnt);
        /* Names equal; values too, but for pointers (a dup has its own
         * default topic conf), which librdkafka dumps as "0x...". */
        for (size_t i = 0; i < cnt; i++)
            FUZZ_CHECK(!strcmp(arr[i], other[i]) ||
                       (i % 2 && !strncmp(arr[i], "0x", 2) && !strncmp(other[i], "0x", 2)));
    }
    rd_kafka_conf_dump_free(arr, cnt);
}

static void topic_dump_check(rd_kafka_topic_conf_t *tconf)
{
    size_t cnt = 12345;
    const char **arr = rd_kafka_topic_conf_dump(tconf, &cnt);
    FUZZ_CHECK(arr && cnt % 2 == 0 && cnt / 2 <= SHIM_CONF_PROPS_MAX);
    for (size_t i = 0; i < cnt; i += 2) {
        char v[64];
        size_t size = sizeof v;
        FUZZ_CHECK(rd_kafka_topic_conf_get(tconf, arr[i], v, &size) == RD_KAFKA_CONF_OK &&
                   size == strlen(arr[i + 1]) + 1 && !strncmp(v, arr[i + 1], sizeof v - 1));
    }
    rd_kafka_conf_dump_free(arr, cnt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_topic_conf_t *tconf = rd_kafka_topic_conf_new();
    char *text = malloc(size + 1);
    FUZZ_CHECK(conf && tconf && text);
    memcpy(text, data, size);
    text[size] = '\0';
    size_t nline = 0;
    for (char *line = text, *next; line; line = next, nline++) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        size_t es = errstr_sizes[nline % (sizeof errstr_sizes / sizeof errstr_sizes[0])];
        char *eq = strchr(line, '=');
        if (!strcmp(line, "!dup")) {
            rd_kafka_conf_t *dup = rd_kafka_conf_dup(conf);
            FUZZ_CHECK(dup);
            size_t cnt;
            const char **arr = rd_kafka_conf_dump(conf, &cnt);
            FUZZ_CHECK(arr);
            dump_check(dup, arr, cnt);
            rd_kafka_conf_dump_free(arr, cnt);
            rd_kafka_conf_destroy(dup);
        } else if (!strcmp(line, "!default")) {
            topic_dump_check(tconf);
            rd_kafka_conf_set_default_topic_conf(conf, tconf);   /* conf owns it now */
            FUZZ_CHECK((tconf = rd_kafka_topic_conf_new()));
        } else if (line[0] == '?') {
            get_check(conf, line + 1, NULL, 1);
        } else if (!strncmp(line, "topic:", 6) && eq) {
            *eq = '\0';
            const char *name = line + 6, *value = eq + 1;
            rd_kafka_conf_res_t r = rd_kafka_topic_conf_set(tconf, name, value, errstr, es);
            char v[64];
            size_t vs = sizeof v;
            rd_kafka_conf_res_t g = rd_kafka_topic_conf_get(tconf, name, v, &vs);
            if (r == RD_KAFKA_CONF_OK) {
                /* The canonical value, if short enough to hold here, sets
                 * again to itself. */
                FUZZ_CHECK(g == RD_KAFKA_CONF_OK && vs >= 1);
                if (vs <= sizeof v) {
                    char v2[64];
                    size_t vs2 = sizeof v2;
                    FUZZ_CHECK(rd_kafka_topic_conf_set(tconf, name, v, errstr, es) ==
                                   RD_KAFKA_CONF_OK &&
                               rd_kafka_topic_conf_get(tconf, name, v2, &vs2) ==
                                   RD_KAFKA_CONF_OK && vs2 == vs && !strcmp(v, v2));
                }
            } else
                FUZZ_CHECK(r == RD_KAFKA_CONF_UNKNOWN || r == RD_KAFKA_CONF_INVALID);
        } else if (eq) {
            *eq = '\0';
            const char *name = line, *value = eq + 1;
            rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, name, value, es ? errstr : NULL,
                                                      es);
            FUZZ_CHECK(r == RD_KAFKA_CONF_OK || r == RD_KAFKA_CONF_UNKNOWN ||
                       r == RD_KAFKA_CONF_INVALID);
            if (r != RD_KAFKA_CONF_OK && es)   /* a message, NUL-terminated within es */
                FUZZ_CHECK(memchr(errstr, '\0', es) && (es == 1 || errstr[0]));
            size_t need = 0;
            rd_kafka_conf_res_t g = r == RD_KAFKA_CONF_OK
                                        ? rd_kafka_conf_get(conf, name, NULL, &need)
                                        : RD_KAFKA_CONF_UNKNOWN;
            /* As librdkafka: an empty string unsets a string property,
             * which then has no value to get (CONF_UNKNOWN, as librdkafka
             * 2.0.2 answers). */
            if (r == RD_KAFKA_CONF_OK && g != RD_KAFKA_CONF_OK)
                FUZZ_CHECK((g == RD_KAFKA_CONF_UNKNOWN || g == RD_KAFKA_CONF_INVALID) && !*value);
            if (r == RD_KAFKA_CONF_OK && g == RD_KAFKA_CONF_OK) {
                FUZZ_CHECK(need >= 1);
                char *canon = malloc(need);
                FUZZ_CHECK(canon);
                FUZZ_CHECK(rd_kafka_conf_get(conf, name, canon, &need) == RD_KAFKA_CONF_OK);
                FUZZ_CHECK(rd_kafka_conf_set(conf, name, canon, NULL, 0) == RD_KAFKA_CONF_OK);
                get_check(conf, name, canon, 1);
                free(canon);
            }
        }
    }
    dump_check(conf, NULL, 0);
    topic_dump_check(tconf);
    rd_kafka_topic_conf_destroy(tconf);
    rd_kafka_conf_destroy(conf);
    free(text);
    return 0;
}
