/*
 * s3_resp.c -- what an S3 reply means (s3_int.h): its header lines and its
 * bounded body as they arrive, the error an error reply stands for, and
 * the outcome of a GET, HEAD, PUT or DELETE.  Pure functions: the
 * transport (store_s3.c) feeds them what curl received; tests and the
 * fuzzer feed them anything.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "s3_int.h"

/* ---- a reply as it arrives ------------------------------------------------- */

void s3_resp_start(s3_resp *r, uint64_t body_max)
{
    r->status = 0;
    r->body_max = body_max;
    r->body.len = 0;
    r->too_big = 0;
    r->has_length = 0;
    r->length = 0;
    r->content_range[0] = '\0';
}

void s3_resp_free(s3_resp *r)
{
    ls_bytes_free(&r->body);
}

int s3_resp_header(s3_resp *r, const char *p, size_t len)
{
    static const char cr[] = "content-range:";
    if (len > sizeof(cr) - 1 && strncasecmp(p, cr, sizeof(cr) - 1) == 0) {
        size_t m = len - (sizeof(cr) - 1);
        if (m >= sizeof(r->content_range))
            m = sizeof(r->content_range) - 1;
        memcpy(r->content_range, p + sizeof(cr) - 1, m);
        while (m > 0 && (r->content_range[m - 1] == '\r' || r->content_range[m - 1] == '\n' ||
                         r->content_range[m - 1] == ' '))
            m--;          /* no CRLF in messages */
        r->content_range[m] = '\0';
    }
    /* The status line of each response (also of a 100 Continue) comes
     * through here first: remember the final status for the body's bound. */
    if (len >= 12 && strncmp(p, "HTTP/", 5) == 0) {
        const char *sp = memchr(p, ' ', len);
        if (sp && sp + 4 <= p + len)
            r->status = strtol(sp + 1, NULL, 10);
        r->body.len = 0;
        r->content_range[0] = '\0';
    }
    return len <= 2;
}

int s3_resp_body(s3_resp *r, const void *p, size_t len)
{
    uint64_t max = r->status >= 200 && r->status < 300 ? r->body_max
                                                        : LS_S3_ERROR_BODY_BYTES_MAX;
    if ((uint64_t)r->body.len + len > max) {
        r->too_big = 1;
        return -1;
    }
    return ls_bytes_append(&r->body, p, len) == LS_OK ? 0 : -1;
}

/* ---- error replies ------------------------------------------------------- */

int s3_transient(long status)
{
    return status >= 500 || status == 429 || status == 408 ||
           status == 409;     /* AWS: ConditionalRequestConflict */
}

void s3_resp_code(const s3_resp *r, char *buf, size_t n)
{
    buf[0] = '\0';
    if (!r->body.len)
        return;
    const char *b = (const char *)r->body.data, *end = b + r->body.len;
    static const char open[] = "<Code>";
    for (const char *p = b; p + sizeof(open) - 1 < end; p++) {
        if (memcmp(p, open, sizeof(open) - 1))
            continue;
        p += sizeof(open) - 1;
        size_t k = 0;
        while (p < end && *p != '<' && k + 1 < n) {
            unsigned char c = (unsigned char)*p++;
            buf[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
        }
        buf[k] = '\0';
        return;
    }
}

int s3_resp_error(const s3_call *c, const s3_resp *r)
{
    /* "s3://bucket/prefix/key", or for a listing "s3://bucket/prefix" */
    const char *sep = c->key ? "/" : "", *what = c->key ? c->key : "";
    if (r->too_big)
        return ls_seterr(LS_ERR_LIMIT, "s3: %s %s%s%s: reply larger than %" PRIu64 " bytes",
                         c->op, c->uri, sep, what, r->body_max);
    char code[64];
    s3_resp_code(r, code, sizeof(code));
    int rc;
    if (s3_transient(r->status))
        rc = LS_ERR_IO;
    else if (r->status == 404 && !strcmp(code, "NoSuchBucket"))
        rc = LS_ERR_INVALID;
    else if (r->status == 404)
        rc = LS_ERR_NOT_FOUND;
    else if (r->status == 412)
        rc = LS_ERR_EXISTS;
    else if (r->status == 400 || r->status == 401 || r->status == 403 || r->status == 405 ||
             r->status == 301 || r->status == 307)
        rc = LS_ERR_INVALID;
    else
        rc = LS_ERR_IO;
    const char *hint = "";
    if (r->status == 403)
        hint = " (check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the clock)";
    else if (r->status == 301 || r->status == 307 ||
             !strcmp(code, "AuthorizationHeaderMalformed"))
        hint = " (check s3.region / AWS_REGION and s3.addressing)";
    else if (!strcmp(code, "NoSuchBucket"))
        hint = " (create the bucket first)";
    return ls_seterr(rc, "s3: %s %s%s%s: HTTP %ld%s%s%s", c->op, c->uri, sep, what,
                     r->status, code[0] ? " " : "", code, hint);
}

/* ---- GET, HEAD, PUT, DELETE ---------------------------------------------- */

void s3_get_plan_init(s3_get_plan *g, uint64_t off, uint64_t len)
{
    memset(g, 0, sizeof(*g));
    g->off = off;
    g->len = len;
    if (len != LS_GET_TO_END && len > S3_OBJECT_BYTES_MAX)
        len = S3_OBJECT_BYTES_MAX;
    g->body_max = len == LS_GET_TO_END ? S3_OBJECT_BYTES_MAX : len;
    if (len != LS_GET_TO_END && off + len > off) {
        g->ranged = 1;
        g->first = off;
        g->last = off + len - 1;
    } else if (off > 0) {
        g->ranged = 2;            /* "bytes=off-": to the end */
        g->first = off;
    }
}

/* Parse "bytes a-b/total" (after the header name); *total is UINT64_MAX
 * for an unknown ("*") total. */
static int parse_content_range(const char *v, uint64_t *a, uint64_t *b, uint64_t *total)
{
    while (*v == ' ')
        v++;
    unsigned long long x, y, t;
    int n = 0;
    if (sscanf(v, "bytes %llu-%llu/%n", &x, &y, &n) != 2 || n == 0 || y < x)
        return -1;
    if (!strcmp(v + n, "*"))
        t = UINT64_MAX;
    else if (sscanf(v + n, "%llu", &t) != 1 || y >= t)
        return -1;
    *a = x;
    *b = y;
    *total = t;
    return 0;
}

int s3_get_result(const s3_call *c, const s3_get_plan *g, s3_resp *r, uint8_t **out,
                  size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (r->too_big)
        return s3_resp_error(c, r);
    if (r->status == 416) {
        /* Range not satisfiable: the object exists and ends at or before
         * off; a read past the end is cut short. */
        *out = malloc(1);
        if (!*out)
            return ls_seterr(LS_ERR_NOMEM, "s3: get %s/%s", c->uri, c->key);
        return LS_OK;
    }
    if (r->status != 200 && r->status != 206)
        return s3_resp_error(c, r);
    uint8_t *data = r->body.data;
    size_t n = r->body.len;
    if (r->status == 206) {
        /* The part must start where asked, be as long as it says, and end
         * where asked or where the object ends: a part that stops short
         * would read as the end of the object. */
        uint64_t a, b, total;
        uint64_t last = g->ranged == 1 ? g->last : UINT64_MAX;
        if (parse_content_range(r->content_range, &a, &b, &total) || a != g->off ||
            b - a + 1 != n || (b != last && (total == UINT64_MAX || b + 1 != total)))
            return ls_seterr(LS_ERR_CORRUPT, "s3: get %s/%s: Content-Range \"%s\" does not "
                             "match the %zu bytes received for offset %" PRIu64, c->uri,
                             c->key, r->content_range, n, g->off);
    } else if (g->ranged && g->off > 0) {
        /* The server ignored the Range: cut our part out of the whole. */
        if (g->off >= n)
            n = 0;
        else {
            memmove(data, data + g->off, n - g->off);
            n -= g->off;
        }
    }
    if (g->len != LS_GET_TO_END && n > g->len)
        n = (size_t)g->len;
    if (!data && !(data = malloc(1)))
        return ls_seterr(LS_ERR_NOMEM, "s3: get %s/%s", c->uri, c->key);
    *out = data;
    *out_len = n;
    r->body.data = NULL;
    r->body.len = r->body.cap = 0;
    return LS_OK;
}

int s3_head_result(const s3_call *c, const s3_resp *r, uint64_t *size)
{
    if (!(r->status >= 200 && r->status < 300))
        return s3_resp_error(c, r);
    if (!r->has_length)
        return ls_seterr(LS_ERR_CORRUPT, "s3: head %s/%s: no Content-Length", c->uri, c->key);
    *size = r->length;
    return LS_OK;
}

int s3_put_result(const s3_call *c, const s3_resp *r, int if_none_match, int *unknown)
{
    *unknown = 0;
    if (r->status >= 200 && r->status < 300)
        return LS_OK;
    if (if_none_match && r->status == 412)
        return ls_seterr(LS_ERR_EXISTS, "s3: %s %s/%s: exists", c->op, c->uri, c->key);
    *unknown = s3_transient(r->status);
    return s3_resp_error(c, r);
}

int s3_del_result(const s3_call *c, const s3_resp *r)
{
    if (r->too_big)
        return s3_resp_error(c, r);
    if (r->status >= 200 && r->status < 300)
        return LS_OK;
    if (r->status == 404) {
        char code[64];
        s3_resp_code(r, code, sizeof(code));
        if (strcmp(code, "NoSuchBucket"))
            return LS_OK;
    }
    return s3_resp_error(c, r);
}
