/*
 * fuzz_s3_response.c -- an S3 reply as the S3 store's transport hands it
 * to the seam of core/s3_int.h: status line and header lines one at a
 * time, the body in chunks, then the judgement of a ListObjectsV2 page, a
 * GET, a HEAD, a PUT or a DELETE (core/s3_resp.c, core/s3_list.c).
 *
 * Input: four bytes, then the reply as a server sends it.
 *   byte 0  what was asked: % 5 is list, get, head, put, delete; / 5 picks
 *           the object's key from KEYS (some need quoting) and, for a put,
 *           bit 0 of / 5 sets If-None-Match
 *   byte 1  get: the offset (OFFS); list: the prefix, start-after and the
 *           key before (bits 0-1, 2, 3)
 *   byte 2  get: the length (LENS); list: keys the page may add (1 + b % 16)
 *   byte 3  the size of the body's chunks (0: all at once)
 *   rest    the header block up to the first "\r\n\r\n" (lines end at each
 *           '\n'), then the body
 * Each header line and each chunk is copied into a buffer of its exact
 * size, with no NUL after it, as curl hands them over: AddressSanitizer
 * sees any read past one.
 *
 * Seeds (corpus/s3_response/): replies of radosgw 16.2 (scripts/s3-server.sh)
 * to the requests the store sends, captured with curl -i and prefixed with
 * the four bytes.  Regressions (regress/s3_response/): one input per
 * finding fixed in the seam.
 *
 * Invariants beyond "no crash, no leak": every error message is one line
 * of printable ASCII under 1024 bytes that never holds the credentials;
 * libxml2 never reaches its generic (printing) error handler; a GET's
 * result is never longer than asked; a listing's keys are valid store
 * keys under the prefix, in order, no more than asked for, with a token of
 * at most LS_S3_TOKEN_BYTES_MAX bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "ls_int.h"
#include "s3_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant: abort() is what libFuzzer (and a replay driver) reports
 * as a crash, with or without NDEBUG. */
#ifndef FUZZ_CHECK
#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)
#endif

#define URI     "s3://bucket/pfx"
#define KEY_ID  "AKIDFUZZ0123456789"
#define TOKEN   "FUZZTOKEN/abc+def=="

static const char *const KEYS[] = {
    "t/_log/00000000000000000001", "t/data/p/0000000001-00000000000000000001",
    "k", "a\"b\\c", "caf\xc3\xa9", "x\x7fy",
};
static const uint64_t OFFS[] = { 0, 1, 2, 4, 10, 1u << 20, UINT64_MAX - 1 };
static const uint64_t LENS[] = {
    LS_GET_TO_END, 1, 2, 4, 10, 100, 1u << 20, S3_OBJECT_BYTES_MAX + 1,
};

/* libxml2 calls this only where it would print: never, while the seam
 * reads a reply. */
static void on_generic_error(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    xmlSetGenericErrorFunc(NULL, on_generic_error);
    return 0;
}

/* After a failure: the message is safe to log. */
static void check_message(int rc)
{
    FUZZ_CHECK(rc != LS_OK);
    const char *m = ls_errmsg();
    size_t n = strlen(m);
    FUZZ_CHECK(n > 0 && n < 1024);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(m[i] >= 0x20 && m[i] < 0x7f);
    FUZZ_CHECK(!strstr(m, KEY_ID) && !strstr(m, TOKEN));
}

/* Feed p[0..n) to r as curl would.  Returns 0 if the whole reply went in,
 * -1 if a header line or the body was refused (as curl then stops). */
static int feed(s3_resp *r, const uint8_t *p, size_t n, size_t chunk)
{
    const uint8_t *sep = NULL;
    for (size_t i = 0; i + 4 <= n && !sep; i++)
        if (!memcmp(p + i, "\r\n\r\n", 4))
            sep = p + i;
    size_t hlen = sep ? (size_t)(sep - p) + 2 : n;    /* the last line's CRLF included */
    for (size_t i = 0; i < hlen;) {
        const uint8_t *nl = memchr(p + i, '\n', hlen - i);
        size_t len = nl ? (size_t)(nl - (p + i)) + 1 : hlen - i;
        char *line = malloc(len ? len : 1);
        FUZZ_CHECK(line);
        memcpy(line, p + i, len);
        int rc = s3_resp_header(r, line, len);
        free(line);
        FUZZ_CHECK(rc == 0 || rc == 1 || (rc == -1 && r->too_big));
        if (rc < 0)
            return -1;
        i += len;
    }
    int rc = s3_resp_header(r, "\r\n", 2);   /* the end of the headers */
    FUZZ_CHECK(rc == 1 || (rc == -1 && r->too_big));
    if (rc < 0)
        return -1;
    size_t off = sep ? (size_t)(sep - p) + 4 : n;
    while (off < n) {
        size_t len = chunk && n - off > chunk ? chunk : n - off;
        uint8_t *b = malloc(len);
        FUZZ_CHECK(b);
        memcpy(b, p + off, len);
        rc = s3_resp_body(r, b, len);
        free(b);
        if (rc < 0)
            return -1;
        off += len;
    }
    return 0;
}

static void judge_list(const s3_call *c, const s3_resp *r, uint8_t b1, uint8_t b2)
{
    static const char *const prefixes[] = { "pfx/", "pfx/t/", "pfx/t/_log/", "pfx/a" };
    const char *prefix = prefixes[b1 & 3];
    s3_list_req l = { .store_prefix = "pfx/", .prefix = prefix,
                      .start_after = (b1 & 4) ? "pfx/t/b" : NULL,
                      .last_key = (b1 & 8) ? "t/a" : NULL, .max = 1 + b2 % 16u };
    ls_keylist kl = { 0 };
    char *tok = (char *)1;
    int rc = s3_list_result(c, &l, r, &kl, &tok);
    if (rc) {
        check_message(rc);
        FUZZ_CHECK(tok == NULL);
    } else {
        FUZZ_CHECK(kl.n <= l.max);
        FUZZ_CHECK(!tok || (tok[0] && strlen(tok) <= LS_S3_TOKEN_BYTES_MAX));
        const char *prev = l.last_key;
        for (size_t i = 0; i < kl.n; i++) {
            char full[2 * LS_KEY_BYTES_MAX + 8];
            snprintf(full, sizeof(full), "pfx/%s", kl.keys[i]);
            FUZZ_CHECK(ls_key_is_valid(kl.keys[i]));
            FUZZ_CHECK(!strncmp(full, prefix, strlen(prefix)));
            FUZZ_CHECK(!l.start_after || strcmp(full, l.start_after) > 0);
            FUZZ_CHECK(!prev || strcmp(kl.keys[i], prev) > 0);
            prev = kl.keys[i];
        }
    }
    free(tok);
    ls_keylist_free(&kl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    unsigned op = data[0] % 5u, var = data[0] / 5u;
    uint8_t b1 = data[1], b2 = data[2];
    size_t chunk = data[3];
    data += 4;
    size -= 4;

    static const char *const ops[] = { "list", "get", "head", "put_if_absent", "delete" };
    s3_call c = { .op = ops[op], .uri = URI, .key_id = KEY_ID, .token = TOKEN,
                  .key = op == 0 ? NULL : KEYS[var % (sizeof(KEYS) / sizeof(KEYS[0]))] };
    s3_get_plan g;
    s3_get_plan_init(&g, OFFS[b1 % (sizeof(OFFS) / sizeof(OFFS[0]))],
                     LENS[b2 % (sizeof(LENS) / sizeof(LENS[0]))]);
    uint64_t body_max = op == 0 ? LS_S3_LIST_BODY_BYTES_MAX
                      : op == 1 ? g.body_max : op == 2 ? 0 : LS_S3_ERROR_BODY_BYTES_MAX;

    s3_resp r = { 0 };
    s3_resp_start(&r, body_max, op == 2);
    int fed = feed(&r, data, size, chunk);
    FUZZ_CHECK(r.body.len <= (r.status >= 200 && r.status < 300 ? body_max
                                                                : LS_S3_ERROR_BODY_BYTES_MAX));
    if (fed < 0 && !r.too_big) {
        s3_resp_free(&r);               /* out of memory: the transport's error */
        return 0;
    }
    (void)s3_transient(r.status);
    check_message(s3_resp_error(&c, &r));
    int rc, unknown = -1;
    uint8_t *out = (uint8_t *)1;
    size_t out_len = 99;
    uint64_t obj_size = 7;
    switch (op) {
    case 0:
        judge_list(&c, &r, b1, b2);
        break;
    case 1:
        rc = s3_get_result(&c, &g, &r, &out, &out_len);
        if (rc) {
            check_message(rc);
            FUZZ_CHECK(out == NULL && out_len == 0);
        } else {
            FUZZ_CHECK(out != NULL && out_len <= S3_OBJECT_BYTES_MAX);
            FUZZ_CHECK(g.len == LS_GET_TO_END || out_len <= g.len);
            free(out);
        }
        break;
    case 2:
        rc = s3_head_result(&c, &r, &obj_size);
        if (rc)
            check_message(rc);
        else
            FUZZ_CHECK((r.seen & S3_HDR_LENGTH) && obj_size == r.length);
        break;
    case 3:
        rc = s3_put_result(&c, &r, (int)(var & 1), &unknown);
        FUZZ_CHECK(unknown == 0 || unknown == 1);
        if (rc)
            check_message(rc);
        else
            FUZZ_CHECK(r.status >= 200 && r.status < 300 && !unknown);
        break;
    default:
        rc = s3_del_result(&c, &r);
        if (rc)
            check_message(rc);
        break;
    }
    s3_resp_free(&r);
    return 0;
}
