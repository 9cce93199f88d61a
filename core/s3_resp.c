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

void s3_resp_start(s3_resp *r, uint64_t body_max, int head)
{
    r->status = 0;
    r->body_max = body_max;
    r->head = head;
    r->body.len = 0;
    r->too_big = 0;
    r->seen = r->bad = 0;
    r->length = 0;
    r->range_first = r->range_last = r->range_total = 0;
    r->range_none = 0;
    r->content_range[0] = '\0';
}

void s3_resp_free(s3_resp *r)
{
    ls_bytes_free(&r->body);
}

/* p[0..n) as a decimal number: 1-20 digits and nothing else, at most
 * UINT64_MAX.  Returns 0, or -1. */
static int parse_u64(const char *p, size_t n, uint64_t *v)
{
    uint64_t x = 0;
    if (n == 0 || n > 20)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned char)p[i] - '0';
        if (d > 9 || x > (UINT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t';
}

/* "HTTP/x[.y] SP ddd [SP reason]": the status, or 0 if malformed. */
static long parse_status(const char *p, size_t n)
{
    size_t i = 5;                           /* past "HTTP/" */
    while (i < n && !is_ws(p[i]))
        i++;                                /* the version */
    size_t sp = i;
    while (i < n && is_ws(p[i]))
        i++;
    uint64_t st;
    if (i == sp || n - i < 3 || parse_u64(p + i, 3, &st) || (n - i > 3 && !is_ws(p[i + 3])) ||
        st < 100)
        return 0;
    return (long)st;
}

/* Content-Range's value into r: "bytes FIRST-LAST/TOTAL", with TOTAL "*"
 * if unknown, or FIRST-LAST "*" (a 416's); -1 if malformed. */
static int parse_content_range(s3_resp *r, const char *p, size_t n)
{
    if (n < 6 || strncasecmp(p, "bytes", 5) || !is_ws(p[5]))
        return -1;
    size_t i = 6;
    while (i < n && is_ws(p[i]))
        i++;
    const char *v = p + i, *end = p + n;
    const char *slash = memchr(v, '/', (size_t)(end - v));
    if (!slash)
        return -1;
    uint64_t a = 0, b = 0, t;
    int none = slash - v == 1 && v[0] == '*';
    if (!none) {
        const char *dash = memchr(v, '-', (size_t)(slash - v));
        if (!dash || parse_u64(v, (size_t)(dash - v), &a) ||
            parse_u64(dash + 1, (size_t)(slash - dash - 1), &b) || b < a)
            return -1;
    }
    if (end - slash == 2 && slash[1] == '*') {
        if (none)
            return -1;                      /* both "*" */
        t = UINT64_MAX;
    } else if (parse_u64(slash + 1, (size_t)(end - slash - 1), &t) || (!none && b >= t)) {
        return -1;
    }
    if ((r->seen & S3_HDR_RANGE) && (r->range_first != a || r->range_last != b ||
                                    r->range_total != t || r->range_none != none))
        return -1;                          /* two that differ */
    r->range_first = a;
    r->range_last = b;
    r->range_total = t;
    r->range_none = none;
    return 0;
}

/* 1 if header line p[0..n) (CRLF stripped) is "name: ...": *v and *vn are
 * then its value, without surrounding blanks. */
static int header_is(const char *p, size_t n, const char *name, const char **v, size_t *vn)
{
    size_t k = strlen(name);
    if (n <= k || p[k] != ':' || strncasecmp(p, name, k))
        return 0;
    size_t i = k + 1;
    while (i < n && is_ws(p[i]))
        i++;
    while (n > i && is_ws(p[n - 1]))
        n--;
    *v = p + i;
    *vn = n - i;
    return 1;
}

int s3_resp_header(s3_resp *r, const char *p, size_t n)
{
    while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    if (n == 0) {
        /* The end of the headers: a body that could only be refused is
         * refused now, before any of it arrives. */
        uint64_t max = r->status >= 200 && r->status < 300 ? r->body_max
                                                            : LS_S3_ERROR_BODY_BYTES_MAX;
        if (!r->head && (r->seen & S3_HDR_LENGTH) && !(r->bad & S3_HDR_LENGTH) &&
            r->length > max) {
            r->too_big = 1;
            return -1;
        }
        return 1;
    }
    if (n >= 5 && !memcmp(p, "HTTP/", 5)) {
        /* The status line of each response (also of a 100 Continue):
         * the body's bound depends on it. */
        uint64_t max = r->body_max;
        int head = r->head;
        s3_resp_start(r, max, head);
        r->status = parse_status(p, n);
        return 0;
    }
    const char *v;
    size_t vn;
    if (header_is(p, n, "content-length", &v, &vn)) {
        uint64_t x;
        if (parse_u64(v, vn, &x) || ((r->seen & S3_HDR_LENGTH) && x != r->length))
            r->bad |= S3_HDR_LENGTH;
        else
            r->length = x;
        r->seen |= S3_HDR_LENGTH;
    } else if (header_is(p, n, "content-range", &v, &vn)) {
        if (vn >= sizeof(r->content_range) || parse_content_range(r, v, vn))
            r->bad |= S3_HDR_RANGE;
        if (!(r->seen & S3_HDR_RANGE)) {
            size_t m = vn < sizeof(r->content_range) ? vn : sizeof(r->content_range) - 1;
            memcpy(r->content_range, v, m);
            r->content_range[m] = '\0';
        }
        r->seen |= S3_HDR_RANGE;
    }
    return 0;
}

int s3_resp_body(s3_resp *r, const void *p, size_t len)
{
    uint64_t max = r->status >= 200 && r->status < 300 ? r->body_max
                                                        : LS_S3_ERROR_BODY_BYTES_MAX;
    if (r->too_big || (uint64_t)r->body.len + len > max) {
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

const char *s3_where(char *buf, size_t cap, const s3_call *c, const char *prefix)
{
    char full[3 * LS_KEY_BYTES_MAX], obj[S3_WHERE_BYTES], pre[S3_WHERE_BYTES];
    int n = snprintf(full, sizeof(full), "%s%s%s", c->uri, c->key ? "/" : "",
                     c->key ? c->key : "");
    size_t len = n < 0 ? 0 : (size_t)n >= sizeof(full) ? sizeof(full) - 1 : (size_t)n;
    ls_quote(obj, 480, full, len);
    if (!prefix)
        snprintf(buf, cap, "%s", obj);
    else
        snprintf(buf, cap, "%s prefix \"%s\"", obj, ls_quote(pre, 200, prefix, strlen(prefix)));
    return buf;
}

/* The text of the first <name> element of an error body: *len bytes at the
 * pointer returned (into r's body, as received), or NULL.  A scan, not a
 * parse: an error body is only ever quoted, and a malformed one must still
 * yield its status. */
static const char *error_field(const s3_resp *r, const char *name, size_t *len)
{
    char open[32];
    int on = snprintf(open, sizeof(open), "<%s>", name);
    const char *b = (const char *)r->body.data;
    if (!b || on <= 0 || (size_t)on >= sizeof(open))
        return NULL;
    const char *end = b + r->body.len;
    for (const char *p = b; (size_t)(end - p) >= (size_t)on; p++) {
        if (memcmp(p, open, (size_t)on))
            continue;
        p += on;
        const char *e = memchr(p, '<', (size_t)(end - p));
        *len = (size_t)((e ? e : end) - p);
        return p;
    }
    return NULL;
}

void s3_resp_code(const s3_resp *r, char *buf, size_t cap)
{
    size_t n = 0;
    const char *p = error_field(r, "Code", &n);
    if (!p || n >= cap)
        n = 0;            /* a code longer than any S3 has is no code */
    memcpy(buf, p ? p : "", n);
    buf[n] = '\0';
}

int s3_withhold(const s3_call *c, int rc)
{
    const char *m = ls_errmsg();
    const char *sec[] = { c->key_id, c->token };
    for (size_t i = 0; i < sizeof(sec) / sizeof(sec[0]); i++)
        if (sec[i] && *sec[i] && strstr(m, sec[i]))
            return ls_seterr(rc, "s3: %s: a reply quoted our credentials back (its text is "
                             "withheld)", c->op);
    return rc;
}

int s3_resp_error(const s3_call *c, const s3_resp *r)
{
    char where[S3_WHERE_BYTES];
    s3_where(where, sizeof(where), c, NULL);
    if (r->too_big)
        return ls_seterr(LS_ERR_LIMIT, "s3: %s %s: HTTP %ld with a body larger than %" PRIu64
                         " bytes", c->op, where, r->status,
                         r->status >= 200 && r->status < 300 ? r->body_max
                                                             : LS_S3_ERROR_BODY_BYTES_MAX);
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
    /* The server's words, quoted: a Message may say which region it
     * wanted. */
    char qcode[160], qmsg[LS_QUOTE_BYTES] = "";
    size_t mlen = 0;
    const char *msg = error_field(r, "Message", &mlen);
    ls_quote(qcode, sizeof(qcode), code, strlen(code));
    if (msg && mlen) {
        char q[LS_QUOTE_BYTES];
        snprintf(qmsg, sizeof(qmsg), " \"%s\"", ls_quote(q, 200, msg, mlen));
    }
    return s3_withhold(c, ls_seterr(rc, "s3: %s %s: HTTP %ld%s%s%s%s", c->op, where,
                                    r->status, code[0] ? " " : "", qcode, qmsg, hint));
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

static int get_result(const s3_call *c, const s3_get_plan *g, s3_resp *r, uint8_t **out,
                      size_t *out_len)
{
    char where[S3_WHERE_BYTES];
    *out = NULL;
    *out_len = 0;
    if (r->too_big)
        return s3_resp_error(c, r);
    if (r->status == 416) {
        /* Range not satisfiable: the object exists and ends at or before
         * off; a read past the end is cut short. */
        *out = malloc(1);
        if (!*out)
            return ls_seterr(LS_ERR_NOMEM, "s3: get %s", s3_where(where, sizeof(where), c,
                                                                   NULL));
        return LS_OK;
    }
    if (r->status != 200 && r->status != 206)
        return s3_resp_error(c, r);
    uint8_t *data = r->body.data;
    size_t n = r->body.len;
    if ((r->bad & S3_HDR_LENGTH) || ((r->seen & S3_HDR_LENGTH) && r->length != n))
        return ls_seterr(LS_ERR_CORRUPT, "s3: get %s: a body of %zu bytes and a %s "
                         "Content-Length", s3_where(where, sizeof(where), c, NULL), n,
                         (r->bad & S3_HDR_LENGTH) ? "malformed" : "different");
    if (r->status == 206) {
        /* The part must start where asked, be as long as it says, and end
         * where asked or where the object ends: a part that stops short
         * would read as the end of the object. */
        uint64_t a = r->range_first, b = r->range_last, total = r->range_total;
        uint64_t last = g->ranged == 1 ? g->last : UINT64_MAX;
        if (!(r->seen & S3_HDR_RANGE) || (r->bad & S3_HDR_RANGE) || r->range_none ||
            a != g->off || b - a + 1 != n ||
            (b != last && (total == UINT64_MAX || b + 1 != total))) {
            char q[LS_QUOTE_BYTES];
            return ls_seterr(LS_ERR_CORRUPT, "s3: get %s: Content-Range \"%s\" does not "
                             "match the %zu bytes received for offset %" PRIu64,
                             s3_where(where, sizeof(where), c, NULL),
                             ls_quote(q, 200, r->content_range, strlen(r->content_range)), n,
                             g->off);
        }
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
        return ls_seterr(LS_ERR_NOMEM, "s3: get %s", s3_where(where, sizeof(where), c, NULL));
    *out = data;
    *out_len = n;
    r->body.data = NULL;
    r->body.len = r->body.cap = 0;
    return LS_OK;
}

int s3_get_result(const s3_call *c, const s3_get_plan *g, s3_resp *r, uint8_t **out,
                  size_t *out_len)
{
    int rc = get_result(c, g, r, out, out_len);
    return rc ? s3_withhold(c, rc) : LS_OK;
}

int s3_head_result(const s3_call *c, const s3_resp *r, uint64_t *size)
{
    if (r->too_big || !(r->status >= 200 && r->status < 300))
        return s3_resp_error(c, r);
    char where[S3_WHERE_BYTES];
    if (!(r->seen & S3_HDR_LENGTH) || (r->bad & S3_HDR_LENGTH))
        return ls_seterr(LS_ERR_CORRUPT, "s3: head %s: %s Content-Length",
                         s3_where(where, sizeof(where), c, NULL),
                         (r->seen & S3_HDR_LENGTH) ? "a malformed or repeated" : "no");
    *size = r->length;
    return LS_OK;
}

int s3_put_result(const s3_call *c, const s3_resp *r, int if_none_match, int *unknown)
{
    char where[S3_WHERE_BYTES];
    *unknown = 0;
    if (r->status >= 200 && r->status < 300)
        return LS_OK;
    if (if_none_match && r->status == 412)
        return ls_seterr(LS_ERR_EXISTS, "s3: %s %s: exists", c->op,
                         s3_where(where, sizeof(where), c, NULL));
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
