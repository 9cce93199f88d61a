/*
 * test_s3.c -- unit tests of the S3 store (core/store_s3.c) against a
 * scripted fake HTTP server that runs in this process: no real S3 involved
 * (the conformance suite against radosgw lives elsewhere).
 *
 * The fake server is one thread on 127.0.0.1 (ephemeral port).  It accepts
 * connections one at a time, reads one request, records it, answers with
 * the first unused scripted reply whose match is a substring of
 * "METHOD path?query " (note the final space: a match ending in a space
 * names the whole target; a NULL match takes any request), and closes the
 * connection ("Connection: close").  A reply of status FS_DROP closes the
 * connection without answering (a lost reply); FS_STALL never answers and
 * waits, up to 5 s, for the client to hang up (a timeout).  A request no
 * reply matches gets 400 FakeNoScript and is counted, so that fake_done()
 * fails the test.  Requests are recorded before they are answered, so a
 * test can inspect them as soon as the store call returns.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ls_int.h"
#include "testutil.h"

#define OK(x) assert_int_equal((x), LS_OK)

/* The credentials every test runs with (main sets them). */
#define KEY_ID  "AKIDFAKE0123456789"
#define SECRET  "fakeSECRET/k3y+9zZ0aBcDeFgHiJkLmNoPqRsTuV"
#define REGION  "us-west-2"

/* ---- the fake server ------------------------------------------------------ */

#define FS_DROP        0         /* status: close without replying */
#define FS_STALL       (-1)      /* status: never reply; wait for the client to give up */
#define FS_REPLIES_MAX 32
#define FS_REQS_MAX    64
#define FS_HEAD_MAX    (16u << 10)
#define FS_HDRS_MAX    64

typedef struct fs_reply {
    const char *match;     /* substring of "METHOD path?query "; NULL: any */
    int         status;    /* HTTP status, or FS_DROP, FS_STALL */
    const char *headers;   /* extra lines, each "Name: value\r\n"; NULL: none */
    const char *body;      /* NULL: empty */
    size_t      body_len;  /* 0: strlen(body) */
} fs_reply;

/* One recorded request.  hdr_name/hdr_val point into head (NUL-split). */
typedef struct fs_req {
    char     method[16];
    char     target[FS_HEAD_MAX];   /* path?query as sent */
    char     raw[FS_HEAD_MAX];      /* the head as received, NUL-terminated */
    char     head[FS_HEAD_MAX];
    const char *hdr_name[FS_HDRS_MAX], *hdr_val[FS_HDRS_MAX];
    size_t   nhdrs;
    uint8_t *body;                  /* malloc()ed */
    size_t   body_len;
} fs_req;

typedef struct fake {
    int        lfd;
    int        port;
    pthread_t  thr;
    atomic_int stop;
    pthread_mutex_t mu;             /* guards everything below */
    fs_reply   replies[FS_REPLIES_MAX];
    int        used[FS_REPLIES_MAX];
    size_t     nreplies;
    fs_req    *reqs[FS_REQS_MAX];
    size_t     nreqs;
    unsigned   unmatched;           /* requests no reply matched */
    unsigned   overflow;            /* requests beyond FS_REQS_MAX */
} fake;

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 412: return "Precondition Failed";
    case 416: return "Range Not Satisfiable";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default:  return "Status";
    }
}

static int send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;       /* the client may hang up early: fine */
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Split r->head into the request line and headers. */
static int parse_head(fs_req *r)
{
    char *line_end = strstr(r->head, "\r\n");
    if (!line_end)
        return -1;
    *line_end = '\0';
    if (sscanf(r->head, "%15s %16383s", r->method, r->target) != 2)
        return -1;
    char *p = line_end + 2;
    while (*p && r->nhdrs < FS_HDRS_MAX) {
        char *e = strstr(p, "\r\n");
        if (!e)
            break;
        *e = '\0';
        char *colon = strchr(p, ':');
        if (colon) {
            *colon = '\0';
            char *v = colon + 1;
            while (*v == ' ')
                v++;
            r->hdr_name[r->nhdrs] = p;
            r->hdr_val[r->nhdrs] = v;
            r->nhdrs++;
        }
        p = e + 2;
    }
    return 0;
}

/* The value of header name (case-insensitive) in r, or NULL. */
static const char *fs_hdr(const fs_req *r, const char *name)
{
    for (size_t i = 0; i < r->nhdrs; i++)
        if (!strcasecmp(r->hdr_name[i], name))
            return r->hdr_val[i];
    return NULL;
}

/* Read one request from c; NULL if the client sent none. */
static fs_req *read_request(int c)
{
    fs_req *r = calloc(1, sizeof(*r));
    if (!r)
        abort();            /* not a cmocka assert: this is not the test's thread */
    size_t n = 0;
    char *end = NULL;
    while (!end) {
        if (n + 1 >= sizeof(r->raw))
            goto fail;
        ssize_t k = recv(c, r->raw + n, sizeof(r->raw) - 1 - n, 0);
        if (k <= 0)
            goto fail;
        n += (size_t)k;
        r->raw[n] = '\0';
        end = strstr(r->raw, "\r\n\r\n");
    }
    size_t head_len = (size_t)(end - r->raw) + 4;
    memcpy(r->head, r->raw, head_len);
    r->head[head_len] = '\0';
    if (parse_head(r))
        goto fail;
    const char *cl = fs_hdr(r, "Content-Length");
    size_t want = cl ? (size_t)strtoull(cl, NULL, 10) : 0;
    r->body = malloc(want + 1);
    if (!r->body)
        abort();
    size_t have = n - head_len;
    if (have > want)
        have = want;
    memcpy(r->body, r->raw + head_len, have);
    r->raw[head_len] = '\0';
    while (have < want) {
        ssize_t k = recv(c, r->body + have, want - have, 0);
        if (k <= 0)
            goto fail;
        have += (size_t)k;
    }
    r->body_len = want;
    return r;
fail:
    free(r->body);
    free(r);
    return NULL;
}

static void serve(fake *fk, int c)
{
    struct timeval tv = { .tv_sec = 5 };
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    fs_req *r = read_request(c);
    if (!r)
        return;
    char what[FS_HEAD_MAX + 32];
    snprintf(what, sizeof(what), "%s %s ", r->method, r->target);

    /* Record, then choose: by the time the client sees a reply (or the
     * connection closing) the request is on record. */
    fs_reply rep = { .status = 400, .body = "<?xml version=\"1.0\"?><Error><Code>FakeNoScript"
                                            "</Code></Error>" };
    pthread_mutex_lock(&fk->mu);
    if (fk->nreqs < FS_REQS_MAX) {
        fk->reqs[fk->nreqs++] = r;
        r = NULL;
    } else {
        fk->overflow++;
    }
    size_t i;
    for (i = 0; i < fk->nreplies; i++)
        if (!fk->used[i] && (!fk->replies[i].match || strstr(what, fk->replies[i].match)))
            break;
    if (i < fk->nreplies) {
        fk->used[i] = 1;
        rep = fk->replies[i];
    } else {
        fk->unmatched++;
        fprintf(stderr, "fake server: no scripted reply for \"%s\"\n", what);
    }
    pthread_mutex_unlock(&fk->mu);
    if (r) {
        free(r->body);
        free(r);
    }
    if (rep.status == FS_DROP)
        return;
    if (rep.status == FS_STALL) {
        char sink[256];
        while (recv(c, sink, sizeof(sink), 0) > 0)
            ;               /* until the client closes (or SO_RCVTIMEO) */
        return;
    }

    size_t blen = rep.body ? (rep.body_len ? rep.body_len : strlen(rep.body)) : 0;
    int has_cl = rep.headers && strcasestr(rep.headers, "Content-Length:");
    char head[4096];
    int hn = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nConnection: close\r\n"
                      "x-amz-request-id: FAKE\r\n", rep.status, reason(rep.status));
    if (!has_cl)
        hn += snprintf(head + hn, sizeof(head) - (size_t)hn, "Content-Length: %zu\r\n", blen);
    hn += snprintf(head + hn, sizeof(head) - (size_t)hn, "%s\r\n",
                   rep.headers ? rep.headers : "");
    if ((size_t)hn >= sizeof(head))
        abort();
    if (send_all(c, head, (size_t)hn) == 0 && blen && strncmp(what, "HEAD ", 5))
        send_all(c, rep.body, blen);
}

static void *fake_main(void *arg)
{
    fake *fk = arg;
    while (!atomic_load(&fk->stop)) {
        struct pollfd p = { .fd = fk->lfd, .events = POLLIN };
        if (poll(&p, 1, 20) <= 0)
            continue;
        int c = accept(fk->lfd, NULL, NULL);
        if (c < 0)
            continue;
        serve(fk, c);
        close(c);
    }
    return NULL;
}

static void fake_clear(fake *fk)
{
    for (size_t i = 0; i < fk->nreqs; i++) {
        free(fk->reqs[i]->body);
        free(fk->reqs[i]);
    }
    fk->nreqs = 0;
    fk->nreplies = 0;
    fk->unmatched = 0;
    fk->overflow = 0;
    memset(fk->used, 0, sizeof(fk->used));
}

/* Replace the script and forget the requests recorded so far. */
static void fake_script(fake *fk, const fs_reply *r, size_t n)
{
    assert_true(n <= FS_REPLIES_MAX);
    pthread_mutex_lock(&fk->mu);
    fake_clear(fk);
    if (n)
        memcpy(fk->replies, r, n * sizeof(*r));
    fk->nreplies = n;
    pthread_mutex_unlock(&fk->mu);
}
#define SCRIPT(fk, arr) fake_script((fk), (arr), sizeof(arr) / sizeof((arr)[0]))

static size_t fake_nreqs(fake *fk)
{
    pthread_mutex_lock(&fk->mu);
    size_t n = fk->nreqs;
    pthread_mutex_unlock(&fk->mu);
    return n;
}

/* Request i (0-based, in arrival order).  Recorded requests never change. */
static const fs_req *fake_req(fake *fk, size_t i)
{
    pthread_mutex_lock(&fk->mu);
    const fs_req *r = i < fk->nreqs ? fk->reqs[i] : NULL;
    pthread_mutex_unlock(&fk->mu);
    if (!r)
        fail_msg("request %zu not recorded (%zu in all)", i, fake_nreqs(fk));
    return r;
}

/* The only request whose "METHOD target" starts with what. */
static const fs_req *fake_find(fake *fk, const char *what)
{
    const fs_req *found = NULL;
    pthread_mutex_lock(&fk->mu);
    for (size_t i = 0; i < fk->nreqs; i++) {
        char w[FS_HEAD_MAX + 32];
        snprintf(w, sizeof(w), "%s %s", fk->reqs[i]->method, fk->reqs[i]->target);
        if (!strncmp(w, what, strlen(what))) {
            if (found)
                found = (const fs_req *)-1;
            else
                found = fk->reqs[i];
        }
    }
    pthread_mutex_unlock(&fk->mu);
    if (!found || found == (const fs_req *)-1)
        fail_msg("expected exactly one request \"%s...\"", what);
    return found;
}

/* Every scripted reply was used and every request had one. */
static void fake_done(fake *fk)
{
    pthread_mutex_lock(&fk->mu);
    unsigned unmatched = fk->unmatched, overflow = fk->overflow;
    size_t unused = 0;
    for (size_t i = 0; i < fk->nreplies; i++)
        unused += !fk->used[i];
    pthread_mutex_unlock(&fk->mu);
    assert_int_equal(unmatched, 0);
    assert_int_equal(overflow, 0);
    assert_int_equal(unused, 0);
}

static fake *fake_start(void)
{
    fake *fk = calloc(1, sizeof(*fk));
    assert_non_null(fk);
    pthread_mutex_init(&fk->mu, NULL);
    fk->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fk->lfd >= 0);
    int one = 1;
    setsockopt(fk->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fk->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fk->lfd, 64), 0);
    socklen_t al = sizeof(a);
    assert_int_equal(getsockname(fk->lfd, (struct sockaddr *)&a, &al), 0);
    fk->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&fk->thr, NULL, fake_main, fk), 0);
    return fk;
}

static void fake_stop(fake *fk)
{
    atomic_store(&fk->stop, 1);
    pthread_join(fk->thr, NULL);
    close(fk->lfd);
    fake_clear(fk);
    pthread_mutex_destroy(&fk->mu);
    free(fk);
}

/* ---- scripted replies ----------------------------------------------------- */

#define XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define S3ERR(code) XML_HEAD "<Error><Code>" code "</Code><Message>fake " code \
                    "</Message><RequestId>FAKE</RequestId></Error>"
#define LISTXML(inner) XML_HEAD "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/" \
                       "2006-03-01/\"><Name>bucket</Name>" inner "</ListBucketResult>"
#define KEY(k) "<Contents><Key>" k "</Key><Size>1</Size><StorageClass>STANDARD" \
               "</StorageClass></Contents>"
#define NOT_TRUNC "<IsTruncated>false</IsTruncated>"

/* The ListObjectsV2 of one key that ls_store_s3_new does at open. */
#define OPEN_TARGET "/bucket/?list-type=2&max-keys=1&prefix=pfx%2F"
#define OPEN_OK { "GET " OPEN_TARGET " ", 200, NULL, \
                  LISTXML("<Prefix>pfx/</Prefix><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys>" \
                          NOT_TRUNC), 0 }

/* ---- fixture -------------------------------------------------------------- */

typedef struct fx {
    fake     *fk;
    ls_store *st;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->fk = fake_start();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    ls_store_close(f->st);
    fake_stop(f->fk);
    free(f);
    return 0;
}

/* Open uri against the fake server with s3.retries = retries, and the
 * extra properties kv (name, value, ..., NULL; may be NULL). */
static int open_uri_kv(fx *f, const char *uri, unsigned retries, const char *const *kv,
                       ls_store **out)
{
    char ep[64], r[16];
    snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", f->fk->port);
    snprintf(r, sizeof(r), "%u", retries);
    ls_conf *c = ls_conf_new();
    assert_non_null(c);
    OK(ls_conf_set(c, "s3.endpoint", ep));
    OK(ls_conf_set(c, "s3.retries", r));
    OK(ls_conf_set(c, "s3.request.timeout.ms", "10000"));
    OK(ls_conf_set(c, "s3.connect.timeout.ms", "5000"));
    for (size_t i = 0; kv && kv[i]; i += 2)
        OK(ls_conf_set(c, kv[i], kv[i + 1]));
    int rc = ls_store_open(uri, c, out);
    ls_conf_destroy(c);
    return rc;
}

static int open_uri(fx *f, const char *uri, unsigned retries, ls_store **out)
{
    return open_uri_kv(f, uri, retries, NULL, out);
}

/* Open s3://bucket/pfx (the script must start with OPEN_OK). */
static void open_store(fx *f, unsigned retries)
{
    OK(open_uri(f, "s3://bucket/pfx", retries, &f->st));
    assert_non_null(f->st);
    assert_string_equal(f->st->name, "s3");
}

#define assert_msg_has(s) do { \
        if (!strstr(ls_errmsg(), (s))) \
            fail_msg("error message \"%s\" lacks \"%s\"", ls_errmsg(), (s)); \
    } while (0)
#define assert_msg_lacks(s) do { \
        if (strstr(ls_errmsg(), (s))) \
            fail_msg("error message \"%s\" contains \"%s\"", ls_errmsg(), (s)); \
    } while (0)

/* The whole of request r's head contains s. */
static int req_has(const fs_req *r, const char *s)
{
    return strstr(r->raw, s) != NULL;
}

/* ---- 1. open -------------------------------------------------------------- */

static void t_open_credentials(void **state)
{
    fx *f = *state;
    fake_script(f->fk, NULL, 0);
    unsetenv("AWS_ACCESS_KEY_ID");
    ls_store *st = NULL;
    int rc = open_uri(f, "s3://bucket/pfx", 0, &st);
    setenv("AWS_ACCESS_KEY_ID", KEY_ID, 1);
    assert_int_equal(rc, LS_ERR_INVALID);
    assert_null(st);
    assert_msg_has("AWS_ACCESS_KEY_ID");

    setenv("AWS_SECRET_ACCESS_KEY", "", 1);      /* empty counts as missing */
    rc = open_uri(f, "s3://bucket/pfx", 0, &st);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    assert_int_equal(rc, LS_ERR_INVALID);
    assert_msg_has("AWS_SECRET_ACCESS_KEY");
    assert_int_equal(fake_nreqs(f->fk), 0);      /* refused before any request */
    fake_done(f->fk);
}

static void t_open_bad_uri(void **state)
{
    fx *f = *state;
    fake_script(f->fk, NULL, 0);
    static const char *const bad[] = {
        "s3://", "s3://ab", "s3://bucket/../x", "s3://bucket/a//b", "s3:///pfx",
        "s3://-bucket/x", "s3://bu$ket/x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ls_store *st = (ls_store *)1;
        int rc = open_uri(f, bad[i], 0, &st);
        if (rc != LS_ERR_INVALID)
            fail_msg("open \"%s\": %d (%s), expected invalid", bad[i], rc, ls_errmsg());
        assert_null(st);
    }
    assert_int_equal(fake_nreqs(f->fk), 0);
    fake_done(f->fk);
}

static void t_open_no_such_bucket(void **state)
{
    fx *f = *state;
    fs_reply s[] = { { "GET " OPEN_TARGET, 404, "Content-Type: application/xml\r\n",
                       S3ERR("NoSuchBucket"), 0 } };
    SCRIPT(f->fk, s);
    ls_store *st = NULL;
    assert_int_equal(open_uri(f, "s3://bucket/pfx", 2, &st), LS_ERR_INVALID);
    assert_null(st);
    assert_msg_has("NoSuchBucket");
    assert_msg_has("s3://bucket/pfx");
    assert_int_equal(fake_nreqs(f->fk), 1);      /* not retried */
    fake_done(f->fk);
}

static void t_open_access_denied(void **state)
{
    fx *f = *state;
    fs_reply s[] = { { "GET " OPEN_TARGET, 403, NULL, S3ERR("AccessDenied"), 0 } };
    SCRIPT(f->fk, s);
    ls_store *st = NULL;
    assert_int_equal(open_uri(f, "s3://bucket/pfx", 2, &st), LS_ERR_INVALID);
    assert_null(st);
    assert_msg_has("AccessDenied");
    assert_msg_has("AWS_ACCESS_KEY_ID");         /* the hint */
    assert_msg_lacks(SECRET);
    assert_msg_lacks("fakeSECRET");
    assert_int_equal(fake_nreqs(f->fk), 1);
    fake_done(f->fk);
}

/* Open lists one key under the prefix; with no prefix, the whole bucket. */
static void t_open_request(void **state)
{
    fx *f = *state;
    fs_reply s[] = {
        { "GET /bucket/?list-type=2&max-keys=1&prefix= ", 200, NULL,
          LISTXML("<KeyCount>1</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>true</IsTruncated>"
                  "<NextContinuationToken>t1</NextContinuationToken>" KEY("zz")), 0 },
        { "GET /bucket/k", 200, NULL, "abc", 0 },
    };
    SCRIPT(f->fk, s);
    OK(open_uri(f, "s3://bucket", 0, &f->st));
    uint8_t *out;
    size_t n;
    OK(ls_store_get(f->st, "k", 0, LS_GET_TO_END, &out, &n));
    assert_int_equal(n, 3);
    assert_memory_equal(out, "abc", 3);
    free(out);
    assert_int_equal(fake_nreqs(f->fk), 2);      /* one page is enough at open */
    assert_null(fs_hdr(fake_req(f->fk, 1), "Range"));
    fake_done(f->fk);
}

/* "pfx/" is "pfx"; a nested prefix is encoded whole. */
static void t_open_prefix_forms(void **state)
{
    fx *f = *state;
    fs_reply s[] = {
        OPEN_OK,
        { "GET /bucket/?list-type=2&max-keys=1&prefix=a%2Fb%20c%2F ", 200, NULL,
          LISTXML(NOT_TRUNC), 0 },
        { "PUT /bucket/a/b%20c/k ", 200, NULL, NULL, 0 },
    };
    SCRIPT(f->fk, s);
    OK(open_uri(f, "s3://bucket/pfx/", 0, &f->st));
    ls_store_close(f->st);
    f->st = NULL;
    OK(open_uri(f, "s3://bucket/a/b c", 0, &f->st));
    OK(ls_store_put(f->st, "k", "v", 1));
    fake_done(f->fk);
}

/* ---- 2. what the requests look like ---------------------------------------- */

static void t_request_shape(void **state)
{
    fx *f = *state;
    fs_reply s[] = {
        OPEN_OK,
        { "PUT /bucket/pfx/a/b~c.d-e_f ", 200, NULL, NULL, 0 },
        { "PUT /bucket/pfx/d/x%20y%2Bz%25q%3Fh%23%C3%BC%3D ", 200, NULL, NULL, 0 },
        { "PUT /bucket/pfx/cond ", 200, NULL, NULL, 0 },
        { "GET /bucket/pfx/r ", 206, "Content-Range: bytes 5-9/100\r\n", "56789", 0 },
        { "GET /bucket/pfx/r ", 206, "Content-Range: bytes 90-99/100\r\n", "0123456789", 0 },
    };
    SCRIPT(f->fk, s);
    open_store(f, 0);
    const fs_req *r = fake_req(f->fk, 0);
    assert_string_equal(r->method, "GET");
    assert_string_equal(r->target, OPEN_TARGET);

    static uint8_t big[300000];
    lt_fill(big, sizeof(big), 7, 0);
    OK(ls_store_put(f->st, "a/b~c.d-e_f", big, sizeof(big)));
    OK(ls_store_put(f->st, "d/x y+z%q?h#\xc3\xbc=", "v", 1));
    OK(ls_store_put_if_absent(f->st, "cond", "w", 1));
    uint8_t *out;
    size_t n;
    OK(ls_store_get(f->st, "r", 5, 5, &out, &n));
    assert_int_equal(n, 5);
    assert_memory_equal(out, "56789", 5);
    free(out);
    OK(ls_store_get(f->st, "r", 90, LS_GET_TO_END, &out, &n));
    assert_int_equal(n, 10);
    free(out);
    assert_int_equal(fake_nreqs(f->fk), 6);

    /* Path style, the key under the prefix, percent-encoded but for the
     * unreserved characters and '/'. */
    r = fake_req(f->fk, 1);
    assert_string_equal(r->method, "PUT");
    assert_string_equal(r->target, "/bucket/pfx/a/b~c.d-e_f");
    assert_int_equal(r->body_len, sizeof(big));
    assert_memory_equal(r->body, big, sizeof(big));
    assert_null(fs_hdr(r, "If-None-Match"));
    /* curl may add "Expect: 100-continue" (unsigned); the store does not
     * wait for the 100 (CURLOPT_EXPECT_100_TIMEOUT_MS). */
    r = fake_req(f->fk, 2);
    assert_string_equal(r->target, "/bucket/pfx/d/x%20y%2Bz%25q%3Fh%23%C3%BC%3D");
    assert_int_equal(r->body_len, 1);
    r = fake_req(f->fk, 3);
    assert_string_equal(r->target, "/bucket/pfx/cond");
    assert_non_null(fs_hdr(r, "If-None-Match"));
    assert_string_equal(fs_hdr(r, "If-None-Match"), "*");
    assert_memory_equal(r->body, "w", 1);
    r = fake_req(f->fk, 4);
    assert_string_equal(r->method, "GET");
    assert_string_equal(r->target, "/bucket/pfx/r");
    assert_non_null(fs_hdr(r, "Range"));
    assert_string_equal(fs_hdr(r, "Range"), "bytes=5-9");
    assert_null(fs_hdr(r, "If-None-Match"));
    assert_string_equal(fs_hdr(fake_req(f->fk, 5), "Range"), "bytes=90-");

    char host[32];
    snprintf(host, sizeof(host), "127.0.0.1:%d", f->fk->port);
    /* Every request is signed with SigV4 for our key and region, says its
     * payload is unsigned, carries no token, and never shows the secret. */
    for (size_t i = 0; i < 6; i++) {
        r = fake_req(f->fk, i);
        const char *auth = fs_hdr(r, "Authorization");
        assert_non_null(auth);
        if (strncmp(auth, "AWS4-HMAC-SHA256 ", 17))
            fail_msg("request %zu: Authorization \"%s\"", i, auth);
        assert_non_null(strstr(auth, "Credential=" KEY_ID "/"));
        assert_non_null(strstr(auth, "/" REGION "/s3/aws4_request"));
        assert_non_null(strstr(auth, "SignedHeaders="));
        assert_non_null(strstr(auth, "Signature="));
        assert_non_null(fs_hdr(r, "x-amz-date"));
        assert_non_null(fs_hdr(r, "x-amz-content-sha256"));
        assert_string_equal(fs_hdr(r, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
        assert_null(fs_hdr(r, "x-amz-security-token"));
        assert_false(req_has(r, "fakeSECRET"));
        assert_non_null(fs_hdr(r, "Host"));
        assert_string_equal(fs_hdr(r, "Host"), host);
    }
    fake_done(f->fk);
}

static void t_request_session_token(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK, { "HEAD /bucket/pfx/k ", 200, "Content-Length: 3\r\n", NULL, 0 } };
    SCRIPT(f->fk, s);
    setenv("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLE/token+abc=", 1);
    int rc = open_uri(f, "s3://bucket/pfx", 0, &f->st);
    unsetenv("AWS_SESSION_TOKEN");
    OK(rc);
    uint64_t size;
    OK(ls_store_head(f->st, "k", &size));
    assert_int_equal(size, 3);
    for (size_t i = 0; i < 2; i++) {
        const fs_req *r = fake_req(f->fk, i);
        const char *tok = fs_hdr(r, "x-amz-security-token");
        assert_non_null(tok);
        assert_string_equal(tok, "FwoGZXIvYXdzEXAMPLE/token+abc=");
        /* S3 wants every x-amz-* header signed. */
        const char *sh = strstr(fs_hdr(r, "Authorization"), "SignedHeaders=");
        assert_non_null(sh);
        char signed_hdrs[512];
        snprintf(signed_hdrs, sizeof(signed_hdrs), "%.*s", (int)strcspn(sh, ","), sh);
        if (!strstr(signed_hdrs, "x-amz-security-token") ||
            !strstr(signed_hdrs, "x-amz-content-sha256") || !strstr(signed_hdrs, "x-amz-date"))
            fail_msg("request %zu: %s", i, signed_hdrs);
    }
    fake_done(f->fk);
}

/* ---- 3. put_if_absent ------------------------------------------------------ */

static void t_pia_created(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK, { "PUT /bucket/pfx/log/1 ", 200, NULL, NULL, 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    OK(ls_store_put_if_absent(f->st, "log/1", "ours", 4));
    assert_int_equal(fake_nreqs(f->fk), 2);
    fake_done(f->fk);
}

static void t_pia_exists(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "PUT /bucket/pfx/log/1 ", 412, NULL, S3ERR("PreconditionFailed"), 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    assert_int_equal(ls_store_put_if_absent(f->st, "log/1", "ours", 4), LS_ERR_EXISTS);
    assert_msg_has("s3://bucket/pfx/log/1");
    assert_int_equal(fake_nreqs(f->fk), 2);      /* a clean 412: no read-back */
    fake_done(f->fk);
}

/* radosgw answers 500 to the loser of a race on a conditional PUT: the
 * object is read back at once (no blind retry of the PUT), and it is
 * someone else's. */
static void t_pia_500_412_theirs(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "PUT /bucket/pfx/log/1 ", 500, NULL, S3ERR("InternalError"), 0 },
                     { "GET /bucket/pfx/log/1 ", 200, NULL, "theirs", 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    assert_int_equal(ls_store_put_if_absent(f->st, "log/1", "ours!!", 6), LS_ERR_EXISTS);
    assert_msg_has("s3://bucket/pfx/log/1");
    assert_int_equal(fake_nreqs(f->fk), 3);
    const fs_req *g = fake_req(f->fk, 2);
    assert_string_equal(g->method, "GET");
    assert_null(fs_hdr(g, "Range"));              /* the whole object */
    assert_null(fs_hdr(g, "If-None-Match"));
    assert_non_null(fs_hdr(fake_req(f->fk, 1), "If-None-Match"));
    assert_memory_equal(fake_req(f->fk, 1)->body, "ours!!", 6);
    fake_done(f->fk);
}

/* Same length, different bytes: still theirs. */
static void t_pia_500_412_same_length(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "PUT ", 500, NULL, S3ERR("InternalError"), 0 },
                     { "GET /bucket/pfx/log/1 ", 200, NULL, "ours!?", 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    assert_int_equal(ls_store_put_if_absent(f->st, "log/1", "ours!!", 6), LS_ERR_EXISTS);
    fake_done(f->fk);
}

/* A 500 after which the object holds our bytes: our PUT landed. */
static void t_pia_500_412_ours(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "PUT /bucket/pfx/log/1 ", 500, NULL, S3ERR("InternalError"), 0 },
                     { "GET /bucket/pfx/log/1 ", 200, NULL, "ours!!", 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    OK(ls_store_put_if_absent(f->st, "log/1", "ours!!", 6));
    assert_int_equal(fake_nreqs(f->fk), 3);
    fake_done(f->fk);
}

/* The reply to our PUT is lost and the read-back finds nothing yet; the
 * retry sees 412 (our first PUT landed late), and a second read-back finds
 * our bytes. */
static void t_pia_drop_412_ours(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "PUT /bucket/pfx/log/1 ", FS_DROP, NULL, NULL, 0 },
                     { "GET /bucket/pfx/log/1 ", 404, NULL, S3ERR("NoSuchKey"), 0 },
                     { "PUT /bucket/pfx/log/1 ", 412, NULL, S3ERR("PreconditionFailed"), 0 },
                     { "GET /bucket/pfx/log/1 ", 200, NULL, "ours!!", 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    OK(ls_store_put_if_absent(f->st, "log/1", "ours!!", 6));
    assert_int_equal(fake_nreqs(f->fk), 5);
    /* The retry sent the whole body again. */
    assert_string_equal(fake_req(f->fk, 3)->method, "PUT");
    assert_int_equal(fake_req(f->fk, 3)->body_len, 6);
    assert_memory_equal(fake_req(f->fk, 3)->body, "ours!!", 6);
    fake_done(f->fk);
}

/* 412 on the retry but the read-back finds nothing: unknown, not EXISTS. */
static void t_pia_500_412_gone(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "PUT ", 500, NULL, S3ERR("InternalError"), 0 },
                     { "GET /bucket/pfx/log/1 ", 404, NULL, S3ERR("NoSuchKey"), 0 },
                     { "PUT ", 412, NULL, S3ERR("PreconditionFailed"), 0 },
                     { "GET /bucket/pfx/log/1 ", 404, NULL, S3ERR("NoSuchKey"), 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    assert_int_equal(ls_store_put_if_absent(f->st, "log/1", "ours!!", 6), LS_ERR_TIMEOUT);
    assert_msg_has("s3://bucket/pfx/log/1");
    fake_done(f->fk);
}

static void t_pia_all_dropped(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "PUT /bucket/pfx/log/1 ", FS_DROP, NULL, NULL, 0 },
                     { "GET /bucket/pfx/log/1 ", 404, NULL, S3ERR("NoSuchKey"), 0 },
                     { "PUT /bucket/pfx/log/1 ", FS_DROP, NULL, NULL, 0 },
                     { "GET /bucket/pfx/log/1 ", 404, NULL, S3ERR("NoSuchKey"), 0 },
                     { "PUT /bucket/pfx/log/1 ", FS_DROP, NULL, NULL, 0 },
                     { "GET /bucket/pfx/log/1 ", 404, NULL, S3ERR("NoSuchKey"), 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    int rc = ls_store_put_if_absent(f->st, "log/1", "ours!!", 6);
    assert_int_equal(rc, LS_ERR_TIMEOUT);          /* outcome unknown */
    assert_true(ls_err_is_retriable(rc));
    assert_msg_has("outcome unknown");
    assert_msg_has("s3://bucket/pfx/log/1");
    /* open, then 1 + s3.retries PUTs, each followed by a read-back */
    assert_int_equal(fake_nreqs(f->fk), 1 + 3 * 2);
    fake_done(f->fk);
}

/* An unconditional put whose replies are all lost is a plain I/O error. */
static void t_put_all_dropped(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "PUT /bucket/pfx/x ", FS_DROP, NULL, NULL, 0 },
                     { "PUT /bucket/pfx/x ", FS_DROP, NULL, NULL, 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 1);
    assert_int_equal(ls_store_put(f->st, "x", "v", 1), LS_ERR_IO);
    assert_msg_has("s3://bucket/pfx/x");
    fake_done(f->fk);
}

/* ---- 4. retries ------------------------------------------------------------ */

static void t_retry_slowdown_then_ok(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/obj ", 503, NULL, S3ERR("SlowDown"), 0 },
                     { "GET /bucket/pfx/obj ", 503, NULL, S3ERR("SlowDown"), 0 },
                     { "GET /bucket/pfx/obj ", 200, NULL, "the data", 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 3);
    uint8_t *out;
    size_t n;
    OK(ls_store_get(f->st, "obj", 0, LS_GET_TO_END, &out, &n));
    assert_int_equal(n, 8);
    assert_memory_equal(out, "the data", 8);
    free(out);
    assert_int_equal(fake_nreqs(f->fk), 4);
    fake_done(f->fk);
}

static void t_retry_slowdown_always(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/obj ", 503, NULL, S3ERR("SlowDown"), 0 },
                     { "GET /bucket/pfx/obj ", 503, NULL, S3ERR("SlowDown"), 0 },
                     { "GET /bucket/pfx/obj ", 503, NULL, S3ERR("SlowDown"), 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    uint8_t *out = (uint8_t *)1;
    size_t n;
    int rc = ls_store_get(f->st, "obj", 0, LS_GET_TO_END, &out, &n);
    assert_int_equal(rc, LS_ERR_IO);
    assert_null(out);
    assert_msg_has("s3://bucket/pfx/obj");
    assert_msg_has("SlowDown");
    assert_msg_has("503");
    assert_int_equal(fake_nreqs(f->fk), 1 + 3);    /* open, then 1 + s3.retries GETs */
    fake_done(f->fk);
}

/* A put retried after a 500 sends the same body again. */
static void t_retry_put_body(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "PUT /bucket/pfx/p ", 500, NULL, S3ERR("InternalError"), 0 },
                     { "PUT /bucket/pfx/p ", FS_DROP, NULL, NULL, 0 },
                     { "PUT /bucket/pfx/p ", 200, NULL, NULL, 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 3);
    static uint8_t body[70000];
    lt_fill(body, sizeof(body), 11, 1);
    OK(ls_store_put(f->st, "p", body, sizeof(body)));
    for (size_t i = 1; i < 4; i++) {
        assert_int_equal(fake_req(f->fk, i)->body_len, sizeof(body));
        assert_memory_equal(fake_req(f->fk, i)->body, body, sizeof(body));
    }
    fake_done(f->fk);
}

/* A 4xx is final: no retry. */
static void t_retry_not_on_4xx(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK, { "PUT /bucket/pfx/p ", 403, NULL, S3ERR("AccessDenied"), 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 3);
    assert_int_equal(ls_store_put(f->st, "p", "v", 1), LS_ERR_INVALID);
    assert_msg_has("AccessDenied");
    assert_msg_lacks("fakeSECRET");
    assert_int_equal(fake_nreqs(f->fk), 2);
    fake_done(f->fk);
}

/* A body cut short of its Content-Length is a transport error, retried,
 * never data. */
static void t_retry_truncated_body(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/t ", 200, "Content-Length: 10\r\n", "0123", 0 },
                     { "GET /bucket/pfx/t ", 206, "Content-Range: bytes 2-9/10\r\n"
                                              "Content-Length: 8\r\n", "2345", 0 },
                     { "GET /bucket/pfx/t ", 200, NULL, "0123456789", 0 },
                     { "GET /bucket/pfx/u ", 200, "Content-Length: 10\r\n", "0123", 0 },
                     { "GET /bucket/pfx/u ", 200, "Content-Length: 10\r\n", "0123", 0 },
                     { "GET /bucket/pfx/u ", 200, "Content-Length: 10\r\n", "0123", 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    uint8_t *out = NULL;
    size_t n;
    OK(ls_store_get(f->st, "t", 0, LS_GET_TO_END, &out, &n));
    assert_int_equal(n, 10);
    assert_memory_equal(out, "0123456789", 10);
    free(out);
    out = (uint8_t *)1;
    assert_int_equal(ls_store_get(f->st, "u", 0, LS_GET_TO_END, &out, &n), LS_ERR_IO);
    assert_null(out);
    assert_msg_has("s3://bucket/pfx/u");
    fake_done(f->fk);
}

/* No reply within s3.request.timeout.ms: LS_ERR_TIMEOUT (for a conditional
 * PUT, that code already means the outcome is unknown). */
static void t_retry_timeout(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/slow ", FS_STALL, NULL, NULL, 0 },
                     { "PUT /bucket/pfx/slow ", FS_STALL, NULL, NULL, 0 },
                     /* the PUT's outcome is unknown: it is read back */
                     { "GET /bucket/pfx/slow ", FS_STALL, NULL, NULL, 0 } };
    SCRIPT(f->fk, s);
    /* Long enough for the open's listing on a loaded machine. */
    static const char *const kv[] = { "s3.request.timeout.ms", "300", NULL };
    OK(open_uri_kv(f, "s3://bucket/pfx", 0, kv, &f->st));
    uint8_t *out = (uint8_t *)1;
    size_t n;
    uint64_t t0 = ls_now_ns();
    assert_int_equal(ls_store_get(f->st, "slow", 0, LS_GET_TO_END, &out, &n), LS_ERR_TIMEOUT);
    assert_null(out);
    assert_msg_has("s3://bucket/pfx/slow");
    assert_int_equal(ls_store_put_if_absent(f->st, "slow", "v", 1), LS_ERR_TIMEOUT);
    assert_msg_has("s3://bucket/pfx/slow");
    assert_msg_has("timed out");
    assert_true(ls_now_ns() - t0 < 3000000000ull);
    fake_done(f->fk);
}

/* ---- 5. get ---------------------------------------------------------------- */

static void t_get_206(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/c ", 206, "Content-Range: bytes 2-5/10\r\n", "2345", 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 0);
    uint8_t *out;
    size_t n;
    OK(ls_store_get(f->st, "c", 2, 4, &out, &n));
    assert_int_equal(n, 4);
    assert_memory_equal(out, "2345", 4);
    free(out);
    assert_string_equal(fs_hdr(fake_req(f->fk, 1), "Range"), "bytes=2-5");
    fake_done(f->fk);
}

static void t_get_206_bad_range(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/c ", 206, "Content-Range: bytes 3-6/10\r\n", "3456", 0 },
                     { "GET /bucket/pfx/c ", 206, "Content-Range: bytes 6-9/10\r\n", "6789", 0 },
                     { "GET /bucket/pfx/c ", 206, "Content-Range: bytes 2-6/10\r\n", "2345", 0 },
                     { "GET /bucket/pfx/c ", 206, "Content-Range: junk\r\n", "2345", 0 },
                     { "GET /bucket/pfx/c ", 206, NULL, "2345", 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    for (int i = 0; i < 5; i++) {
        uint8_t *out = (uint8_t *)1;
        size_t n = 99;
        int rc = ls_store_get(f->st, "c", 2, 4, &out, &n);
        if (rc != LS_ERR_CORRUPT)
            fail_msg("case %d: %d (%s)", i, rc, ls_errmsg());
        assert_null(out);
        assert_int_equal(n, 0);
        assert_msg_has("s3://bucket/pfx/c");
        assert_msg_lacks("\r");
        assert_msg_lacks("\n");
    }
    assert_int_equal(fake_nreqs(f->fk), 6);      /* corrupt is not retried */
    fake_done(f->fk);
}

/* A 206 that ends short of the asked range though the object goes on
 * would read as "the object ends here": wrong data. */
static void t_get_206_short(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/c ", 206, "Content-Range: bytes 2-3/10\r\n", "23", 0 },
                     { "GET /bucket/pfx/c ", 206, "Content-Range: bytes 8-9/10\r\n", "89", 0 },
                     { "GET /bucket/pfx/c ", 206, "Content-Range: bytes 4-6/10\r\n", "456", 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 0);
    uint8_t *out = NULL;
    size_t n = 0;
    assert_int_equal(ls_store_get(f->st, "c", 2, 4, &out, &n), LS_ERR_CORRUPT);
    assert_null(out);
    assert_msg_has("s3://bucket/pfx/c");
    /* Cut short by the end of the object: fine. */
    OK(ls_store_get(f->st, "c", 8, 4, &out, &n));
    assert_int_equal(n, 2);
    assert_memory_equal(out, "89", 2);
    free(out);
    /* To the end, but the reply stops before it. */
    assert_int_equal(ls_store_get(f->st, "c", 4, LS_GET_TO_END, &out, &n), LS_ERR_CORRUPT);
    assert_null(out);
    fake_done(f->fk);
}

/* More bytes than asked for: an error (never the wrong bytes). */
static void t_get_206_too_long(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/c ", 206, "Content-Range: bytes 2-5/10\r\n", "23456789", 0 },
                     { "GET /bucket/pfx/c ", 206, "Content-Range: bytes 2-9/10\r\n", "23456789", 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    for (int i = 0; i < 2; i++) {
        uint8_t *out = (uint8_t *)1;
        size_t n = 99;
        int rc = ls_store_get(f->st, "c", 2, 4, &out, &n);
        if (rc != LS_ERR_LIMIT)
            fail_msg("case %d: %d (%s)", i, rc, ls_errmsg());
        assert_null(out);
        assert_int_equal(n, 0);
        assert_msg_has("s3://bucket/pfx/c");
    }
    assert_int_equal(fake_nreqs(f->fk), 3);       /* not retried */
    fake_done(f->fk);
}

/* A server that ignores Range answers 200 with the whole object: our part
 * is cut out of it, or, if the whole is longer than asked, an error (never
 * the wrong bytes). */
static void t_get_200_for_range(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/c ", 200, NULL, "0123456789", 0 },
                     { "GET /bucket/pfx/c ", 200, NULL, "0123456789", 0 },
                     { "GET /bucket/pfx/c ", 200, NULL, "0123456789", 0 },
                     { "GET /bucket/pfx/c ", 200, NULL, "0123456789", 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 0);
    uint8_t *out;
    size_t n;
    OK(ls_store_get(f->st, "c", 6, LS_GET_TO_END, &out, &n));
    assert_int_equal(n, 4);
    assert_memory_equal(out, "6789", 4);
    free(out);
    OK(ls_store_get(f->st, "c", 4, 100, &out, &n));
    assert_int_equal(n, 6);
    assert_memory_equal(out, "456789", 6);
    free(out);
    out = (uint8_t *)1;
    assert_int_equal(ls_store_get(f->st, "c", 4, 3, &out, &n), LS_ERR_LIMIT);
    assert_null(out);
    assert_int_equal(ls_store_get(f->st, "c", 0, 3, &out, &n), LS_ERR_LIMIT);
    assert_null(out);
    assert_msg_has("s3://bucket/pfx/c");
    fake_done(f->fk);
}

static void t_get_416(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/c ", 416, "Content-Range: bytes */10\r\n",
                       S3ERR("InvalidRange"), 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 0);
    uint8_t *out = NULL;
    size_t n = 99;
    OK(ls_store_get(f->st, "c", 100, 10, &out, &n));
    assert_non_null(out);
    assert_int_equal(n, 0);
    free(out);
    assert_string_equal(fs_hdr(fake_req(f->fk, 1), "Range"), "bytes=100-109");
    fake_done(f->fk);
}

static void t_get_404(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/nope ", 404, NULL, S3ERR("NoSuchKey"), 0 },
                     { "GET /bucket/pfx/nope ", 404, NULL, S3ERR("NoSuchBucket"), 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    uint8_t *out = (uint8_t *)1;
    size_t n;
    assert_int_equal(ls_store_get(f->st, "nope", 0, LS_GET_TO_END, &out, &n), LS_ERR_NOT_FOUND);
    assert_null(out);
    assert_msg_has("s3://bucket/pfx/nope");
    /* The bucket went away: not "the key is missing". */
    assert_int_equal(ls_store_get(f->st, "nope", 0, LS_GET_TO_END, &out, &n), LS_ERR_INVALID);
    assert_msg_has("NoSuchBucket");
    assert_int_equal(fake_nreqs(f->fk), 3);
    fake_done(f->fk);
}

/* len 0: no empty HTTP range exists, so a HEAD checks the object. */
static void t_get_len0(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "HEAD /bucket/pfx/z ", 200, "Content-Length: 10\r\n", NULL, 0 },
                     { "HEAD /bucket/pfx/z ", 404, NULL, NULL, 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 0);
    uint8_t *out = NULL;
    size_t n = 99;
    OK(ls_store_get(f->st, "z", 3, 0, &out, &n));
    assert_non_null(out);
    assert_int_equal(n, 0);
    free(out);
    assert_int_equal(ls_store_get(f->st, "z", 0, 0, &out, &n), LS_ERR_NOT_FOUND);
    assert_string_equal(fake_req(f->fk, 1)->method, "HEAD");
    assert_null(fs_hdr(fake_req(f->fk, 1), "Range"));
    fake_done(f->fk);
}

/* An empty object: put from a NULL buffer, read back as a non-NULL empty
 * buffer. */
static void t_empty_object(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "PUT /bucket/pfx/e ", 200, NULL, NULL, 0 },
                     { "PUT /bucket/pfx/e ", 500, NULL, S3ERR("InternalError"), 0 },
                     { "GET /bucket/pfx/e ", 200, NULL, NULL, 0 },
                     { "GET /bucket/pfx/e ", 200, NULL, NULL, 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    OK(ls_store_put(f->st, "e", NULL, 0));
    assert_string_equal(fs_hdr(fake_req(f->fk, 1), "Content-Length"), "0");
    assert_int_equal(fake_req(f->fk, 1)->body_len, 0);
    OK(ls_store_put_if_absent(f->st, "e", NULL, 0));  /* read back: empty is ours */
    uint8_t *out = NULL;
    size_t n = 99;
    OK(ls_store_get(f->st, "e", 0, LS_GET_TO_END, &out, &n));
    assert_non_null(out);
    assert_int_equal(n, 0);
    free(out);
    fake_done(f->fk);
}

/* A large object arrives whole. */
static void t_get_large(void **state)
{
    fx *f = *state;
    static uint8_t big[3 << 20];
    lt_fill(big, sizeof(big), 3, 0);
    fs_reply s[] = { OPEN_OK, { "GET /bucket/pfx/big ", 200, NULL, (const char *)big,
                                sizeof(big) } };
    SCRIPT(f->fk, s);
    open_store(f, 0);
    uint8_t *out;
    size_t n;
    OK(ls_store_get(f->st, "big", 0, LS_GET_TO_END, &out, &n));
    assert_int_equal(n, sizeof(big));
    assert_memory_equal(out, big, sizeof(big));
    free(out);
    fake_done(f->fk);
}

/* ---- 6. head --------------------------------------------------------------- */

static void t_head(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "HEAD /bucket/pfx/h ", 200, "Content-Length: 123456789\r\n", NULL, 0 },
                     { "HEAD /bucket/pfx/h ", 404, NULL, NULL, 0 },
                     { "HEAD /bucket/pfx/h ", 503, NULL, NULL, 0 },
                     { "HEAD /bucket/pfx/h ", 200, "Content-Length: 0\r\n", NULL, 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 1);
    uint64_t size = 0;
    OK(ls_store_head(f->st, "h", &size));
    assert_int_equal(size, 123456789);
    assert_int_equal(ls_store_head(f->st, "h", &size), LS_ERR_NOT_FOUND);
    assert_msg_has("s3://bucket/pfx/h");
    OK(ls_store_head(f->st, "h", &size));         /* 503, retried */
    assert_int_equal(size, 0);
    assert_int_equal(fake_nreqs(f->fk), 5);
    fake_done(f->fk);
}

/* The size is the Content-Length exactly as sent: curl's own reading of
 * it stops at the first non-digit ("12abc" would be 12). */
static void t_head_strict(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "HEAD /bucket/pfx/h ", 200, "Content-Length: 12abc\r\n", NULL, 0 },
                     { "HEAD /bucket/pfx/h ", 200, "Content-Length: 12\r\nContent-Length: 13\r\n",
                       NULL, 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 0);
    uint64_t size = 0;
    for (int i = 0; i < 2; i++) {
        int rc = ls_store_head(f->st, "h", &size);
        if (rc != LS_ERR_CORRUPT)
            fail_msg("case %d: %d, size %llu (%s)", i, rc, (unsigned long long)size, ls_errmsg());
        assert_msg_has("s3://bucket/pfx/h");
    }
    fake_done(f->fk);
}

/* A reply whose Content-Length passes what was asked for is refused when
 * its headers arrive, and not retried. */
static void t_get_length_past_bound(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/c ", 206, "Content-Range: bytes 2-5/10\r\n"
                       "Content-Length: 100000\r\n", "2345", 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    uint8_t *out = (uint8_t *)1;
    size_t n = 99;
    assert_int_equal(ls_store_get(f->st, "c", 2, 4, &out, &n), LS_ERR_LIMIT);
    assert_null(out);
    assert_msg_has("s3://bucket/pfx/c");
    assert_int_equal(fake_nreqs(f->fk), 2);
    fake_done(f->fk);
}

/* ---- 7. list --------------------------------------------------------------- */

static void t_list_pages(void **state)
{
    fx *f = *state;
    fs_reply s[] = {
        OPEN_OK,
        { "GET /bucket/?list-type=2&max-keys=100&prefix=pfx%2Ft%2F ", 200, NULL,
          LISTXML("<Prefix>pfx/t/</Prefix><KeyCount>2</KeyCount><MaxKeys>100</MaxKeys>"
                  "<IsTruncated>true</IsTruncated>"
                  "<NextContinuationToken>1/tok+en=</NextContinuationToken>"
                  KEY("pfx/t/a") KEY("pfx/t/b&amp;c")), 0 },
        { "GET /bucket/?continuation-token=1%2Ftok%2Ben%3D&list-type=2&max-keys=98&"
          "prefix=pfx%2Ft%2F ", 200, NULL,
          LISTXML("<Prefix>pfx/t/</Prefix><KeyCount>2</KeyCount>" NOT_TRUNC
                  KEY("pfx/t/c") KEY("pfx/t/d/e")), 0 },
    };
    SCRIPT(f->fk, s);
    open_store(f, 0);
    ls_keylist kl;
    OK(ls_store_list(f->st, "t/", NULL, 100, &kl));
    assert_int_equal(kl.n, 4);
    assert_string_equal(kl.keys[0], "t/a");
    assert_string_equal(kl.keys[1], "t/b&c");
    assert_string_equal(kl.keys[2], "t/c");
    assert_string_equal(kl.keys[3], "t/d/e");
    ls_keylist_free(&kl);
    assert_int_equal(fake_nreqs(f->fk), 3);
    assert_null(strstr(fake_req(f->fk, 1)->target, "continuation-token"));
    fake_done(f->fk);
}

static void t_list_start_after_and_max(void **state)
{
    fx *f = *state;
    fs_reply s[] = {
        OPEN_OK,
        { "GET /bucket/?list-type=2&max-keys=2&prefix=pfx%2F&start-after=pfx%2Fk1 ", 200, NULL,
          LISTXML("<IsTruncated>true</IsTruncated><NextContinuationToken>x</NextContinuationToken>"
                  KEY("pfx/k2") KEY("pfx/k3")), 0 },
        { "GET /bucket/?list-type=2&max-keys=2&prefix=pfx%2F ", 200, NULL,
          LISTXML(NOT_TRUNC KEY("pfx/k1") KEY("pfx/k2") KEY("pfx/k3")), 0 },
    };
    SCRIPT(f->fk, s);
    open_store(f, 0);
    ls_keylist kl;
    /* Full page and a token: max reached, no second request. */
    OK(ls_store_list(f->st, "", "k1", 2, &kl));
    assert_int_equal(kl.n, 2);
    assert_string_equal(kl.keys[0], "k2");
    assert_string_equal(kl.keys[1], "k3");
    ls_keylist_free(&kl);
    /* A page longer than max-keys: never more keys than asked for. */
    int rc = ls_store_list(f->st, "", NULL, 2, &kl);
    assert_int_equal(rc, LS_ERR_CORRUPT);
    assert_int_equal(kl.n, 0);
    assert_null(kl.keys);
    assert_msg_has("s3://bucket/pfx");
    assert_int_equal(fake_nreqs(f->fk), 3);
    fake_done(f->fk);
}

/* Every malformed listing is LS_ERR_CORRUPT naming the store. */
static void t_list_corrupt(void **state)
{
    fx *f = *state;
    static const struct { const char *what, *body; } cases[] = {
        { "keys out of order", LISTXML(NOT_TRUNC KEY("pfx/b") KEY("pfx/a")) },
        { "a repeated key", LISTXML(NOT_TRUNC KEY("pfx/a") KEY("pfx/a")) },
        { "a key outside the prefix", LISTXML(NOT_TRUNC KEY("pfx/a") KEY("other/b")) },
        { "a key in a sibling prefix", LISTXML(NOT_TRUNC KEY("pfxx/a")) },
        { "an invalid key", LISTXML(NOT_TRUNC KEY("pfx/a/../../b")) },
        { "an empty key", LISTXML(NOT_TRUNC KEY("pfx/")) },
        { "a Contents without Key", LISTXML(NOT_TRUNC "<Contents><Size>1</Size></Contents>") },
        { "truncated without a token", LISTXML("<IsTruncated>true</IsTruncated>" KEY("pfx/a")) },
        { "truncated, empty token", LISTXML("<IsTruncated>true</IsTruncated>"
                                            "<NextContinuationToken></NextContinuationToken>") },
        { "not XML at all", "this is not xml" },
        { "an empty body", "" },
        { "truncated XML", XML_HEAD "<ListBucketResult><Contents><Key>pfx/a</Key>" },
        { "another root", XML_HEAD "<Error><Code>Nope</Code></Error>" },
        { "another root 2", XML_HEAD "<ListAllMyBucketsResult/>" },
    };
    size_t nc = sizeof(cases) / sizeof(cases[0]);
    for (size_t i = 0; i < nc; i++) {
        fs_reply s[] = { OPEN_OK, { "GET /bucket/?list-type=2&max-keys=10&prefix=pfx%2F ", 200,
                                    NULL, cases[i].body, 0 } };
        SCRIPT(f->fk, s);
        ls_store_close(f->st);
        f->st = NULL;
        open_store(f, 0);
        ls_keylist kl = { (char **)1, 7 };
        int rc = ls_store_list(f->st, "", NULL, 10, &kl);
        if (rc != LS_ERR_CORRUPT)
            fail_msg("%s: %d (%s)", cases[i].what, rc, ls_errmsg());
        assert_int_equal(kl.n, 0);
        assert_null(kl.keys);
        assert_msg_has("s3://bucket/pfx");
        fake_done(f->fk);
    }
}

/* Entities declared in the reply's own DTD must not blow up ("billion
 * laughs"): libxml2 refuses the amplification, and we report it. */
static void t_list_entity_bomb(void **state)
{
    fx *f = *state;
    static char body[8192];
    size_t n = (size_t)snprintf(body, sizeof(body), XML_HEAD "<!DOCTYPE ListBucketResult [\n"
                                "<!ENTITY e0 \"lollollollollollollollollollol\">\n");
    for (int i = 1; i <= 9; i++) {
        n += (size_t)snprintf(body + n, sizeof(body) - n, "<!ENTITY e%d \"", i);
        for (int k = 0; k < 10; k++)
            n += (size_t)snprintf(body + n, sizeof(body) - n, "&e%d;", i - 1);
        n += (size_t)snprintf(body + n, sizeof(body) - n, "\">\n");
    }
    n += (size_t)snprintf(body + n, sizeof(body) - n, "]>\n<ListBucketResult>" NOT_TRUNC
                          KEY("pfx/&e9;") "</ListBucketResult>");
    assert_true(n < sizeof(body));
    fs_reply s[] = { OPEN_OK, { "GET /bucket/?list-type=2&max-keys=10&prefix=pfx%2F ", 200,
                                NULL, body, 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 0);
    ls_keylist kl;
    uint64_t t0 = ls_now_ns();
    assert_int_equal(ls_store_list(f->st, "", NULL, 10, &kl), LS_ERR_CORRUPT);
    assert_true(ls_now_ns() - t0 < 2000000000ull);
    assert_int_equal(kl.n, 0);
    assert_msg_has("s3://bucket/pfx");
    fake_done(f->fk);
}

/* A malformed listing at open fails the open. */
static void t_list_corrupt_at_open(void **state)
{
    fx *f = *state;
    fs_reply s[] = { { "GET " OPEN_TARGET, 200, NULL, "<html>proxy login</html>", 0 } };
    SCRIPT(f->fk, s);
    ls_store *st = NULL;
    assert_int_equal(open_uri(f, "s3://bucket/pfx", 0, &st), LS_ERR_CORRUPT);
    assert_null(st);
    assert_msg_has("s3://bucket/pfx");
    fake_done(f->fk);
}

/* ---- 8. delete ------------------------------------------------------------- */

static void t_delete(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "DELETE /bucket/pfx/d/1 ", 204, NULL, NULL, 0 },
                     { "DELETE /bucket/pfx/d/1 ", 404, NULL, S3ERR("NoSuchKey"), 0 },
                     { "DELETE /bucket/pfx/d/1 ", 404, NULL, S3ERR("NoSuchBucket"), 0 },
                     { "DELETE /bucket/pfx/d/1 ", 503, NULL, S3ERR("SlowDown"), 0 },
                     { "DELETE /bucket/pfx/d/1 ", 204, NULL, NULL, 0 },
                     { "DELETE /bucket/pfx/d/1 ", 403, NULL, S3ERR("AccessDenied"), 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 1);
    OK(ls_store_delete(f->st, "d/1"));
    OK(ls_store_delete(f->st, "d/1"));                          /* idempotent */
    assert_int_equal(ls_store_delete(f->st, "d/1"), LS_ERR_INVALID);
    assert_msg_has("NoSuchBucket");
    OK(ls_store_delete(f->st, "d/1"));                          /* retried */
    assert_int_equal(ls_store_delete(f->st, "d/1"), LS_ERR_INVALID);
    assert_msg_has("AccessDenied");
    const fs_req *r = fake_req(f->fk, 1);
    assert_string_equal(r->method, "DELETE");
    assert_string_equal(r->target, "/bucket/pfx/d/1");
    assert_int_equal(r->body_len, 0);
    assert_int_equal(fake_nreqs(f->fk), 7);
    fake_done(f->fk);
}

/* ---- 9. get_many ----------------------------------------------------------- */

static void t_get_many(void **state)
{
    fx *f = *state;
    /* Scripted in reverse so that answering by path is what makes it work. */
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/m/3 ", 206, "Content-Range: bytes 0-2/3\r\n", "ccc", 0 },
                     { "GET /bucket/pfx/m/2 ", 206, "Content-Range: bytes 10-14/50\r\n", "bbbbb", 0 },
                     { "GET /bucket/pfx/m/1 ", 206, "Content-Range: bytes 1-1/9\r\n", "a", 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 0);
    ls_get_req reqs[3] = {
        { .key = "m/1", .off = 1, .len = 1 },
        { .key = "m/2", .off = 10, .len = 5 },
        { .key = "m/3", .off = 0, .len = 3 },
    };
    OK(ls_store_get_many(f->st, reqs, 3));
    static const char *const want[] = { "a", "bbbbb", "ccc" };
    for (int i = 0; i < 3; i++) {
        assert_int_equal(reqs[i].rc, LS_OK);
        assert_non_null(reqs[i].out);
        assert_int_equal(reqs[i].out_len, strlen(want[i]));
        assert_memory_equal(reqs[i].out, want[i], reqs[i].out_len);
        free(reqs[i].out);
    }
    assert_string_equal(fs_hdr(fake_find(f->fk, "GET /bucket/pfx/m/1"), "Range"), "bytes=1-1");
    assert_string_equal(fs_hdr(fake_find(f->fk, "GET /bucket/pfx/m/2"), "Range"), "bytes=10-14");
    assert_string_equal(fs_hdr(fake_find(f->fk, "GET /bucket/pfx/m/3"), "Range"), "bytes=0-2");
    fake_done(f->fk);
}

static void t_get_many_404(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/m/3 ", 206, "Content-Range: bytes 0-2/3\r\n", "ccc", 0 },
                     { "GET /bucket/pfx/m/2 ", 404, NULL, S3ERR("NoSuchKey"), 0 },
                     { "GET /bucket/pfx/m/1 ", 206, "Content-Range: bytes 1-1/9\r\n", "a", 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 0);
    ls_get_req reqs[3] = {
        { .key = "m/1", .off = 1, .len = 1 },
        { .key = "m/2", .off = 10, .len = 5 },
        { .key = "m/3", .off = 0, .len = 3 },
    };
    assert_int_equal(ls_store_get_many(f->st, reqs, 3), LS_ERR_NOT_FOUND);
    assert_msg_has("s3://bucket/pfx/m/2");
    assert_int_equal(reqs[0].rc, LS_OK);
    assert_int_equal(reqs[0].out_len, 1);
    assert_memory_equal(reqs[0].out, "a", 1);
    assert_int_equal(reqs[1].rc, LS_ERR_NOT_FOUND);
    assert_null(reqs[1].out);
    assert_int_equal(reqs[1].out_len, 0);
    assert_int_equal(reqs[2].rc, LS_OK);
    assert_memory_equal(reqs[2].out, "ccc", 3);
    free(reqs[0].out);
    free(reqs[2].out);
    fake_done(f->fk);
}

/* Two reads fail: the call returns the first in request order, named. */
static void t_get_many_first_failure(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/m/1 ", 206, "Content-Range: bytes 1-1/9\r\n", "a", 0 },
                     { "GET /bucket/pfx/m/2 ", 206, "Content-Range: bytes 9-13/50\r\n", "bbbbb", 0 },
                     { "GET /bucket/pfx/m/3 ", 404, NULL, S3ERR("NoSuchKey"), 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 0);
    ls_get_req reqs[3] = {
        { .key = "m/1", .off = 1, .len = 1 },
        { .key = "m/2", .off = 10, .len = 5 },
        { .key = "m/3", .off = 0, .len = 3 },
    };
    assert_int_equal(ls_store_get_many(f->st, reqs, 3), LS_ERR_CORRUPT);
    assert_msg_has("s3://bucket/pfx/m/2");
    assert_int_equal(reqs[0].rc, LS_OK);
    assert_int_equal(reqs[1].rc, LS_ERR_CORRUPT);
    assert_int_equal(reqs[2].rc, LS_ERR_NOT_FOUND);
    assert_null(reqs[1].out);
    assert_null(reqs[2].out);
    free(reqs[0].out);
    fake_done(f->fk);
}

/* Each read is retried on its own; a corrupt one fails alone; len 0 is a
 * HEAD. */
static void t_get_many_retry(void **state)
{
    fx *f = *state;
    fs_reply s[] = { OPEN_OK,
                     { "GET /bucket/pfx/m/1 ", 503, NULL, S3ERR("SlowDown"), 0 },
                     { "GET /bucket/pfx/m/1 ", FS_DROP, NULL, NULL, 0 },
                     { "GET /bucket/pfx/m/1 ", 206, "Content-Range: bytes 1-1/9\r\n", "a", 0 },
                     { "GET /bucket/pfx/m/2 ", 206, "Content-Range: bytes 11-15/50\r\n", "bbbbb", 0 },
                     { "HEAD /bucket/pfx/m/3 ", 200, "Content-Length: 3\r\n", NULL, 0 },
                     { "GET /bucket/pfx/m/4 ", 200, NULL, "dddd", 0 } };
    SCRIPT(f->fk, s);
    open_store(f, 2);
    ls_get_req reqs[4] = {
        { .key = "m/1", .off = 1, .len = 1 },
        { .key = "m/2", .off = 10, .len = 5 },
        { .key = "m/3", .off = 0, .len = 0 },
        { .key = "m/4", .off = 0, .len = LS_GET_TO_END },
    };
    assert_int_equal(ls_store_get_many(f->st, reqs, 4), LS_ERR_CORRUPT);
    assert_msg_has("s3://bucket/pfx/m/2");
    assert_int_equal(reqs[0].rc, LS_OK);
    assert_memory_equal(reqs[0].out, "a", 1);
    assert_int_equal(reqs[1].rc, LS_ERR_CORRUPT);
    assert_null(reqs[1].out);
    assert_int_equal(reqs[2].rc, LS_OK);
    assert_int_equal(reqs[2].out_len, 0);
    assert_int_equal(reqs[3].rc, LS_OK);
    assert_int_equal(reqs[3].out_len, 4);
    assert_memory_equal(reqs[3].out, "dddd", 4);
    for (int i = 0; i < 4; i++)
        free(reqs[i].out);
    assert_int_equal(fake_nreqs(f->fk), 7);
    fake_done(f->fk);
}

/* More reads than connections: all are done, each with its own bytes. */
static void t_get_many_few_connections(void **state)
{
    fx *f = *state;
    enum { N = 9 };
    static char bodies[N][8], hdrs[N][64], match[N][48];
    fs_reply s[1 + N + 1] = { OPEN_OK };
    for (int i = 0; i < N; i++) {
        snprintf(bodies[i], sizeof(bodies[i]), "v%d", i);
        snprintf(hdrs[i], sizeof(hdrs[i]), "Content-Range: bytes %d-%d/100\r\n", i, i + 1);
        snprintf(match[i], sizeof(match[i]), "GET /bucket/pfx/n/%d ", i);
        s[1 + i] = (fs_reply){ match[i], 206, hdrs[i], bodies[i], 0 };
    }
    /* n/4 fails once first. */
    s[1 + N] = s[1 + 4];
    s[1 + 4] = (fs_reply){ "GET /bucket/pfx/n/4 ", 500, NULL, S3ERR("InternalError"), 0 };
    SCRIPT(f->fk, s);
    static const char *const kv[] = { "s3.connections.max", "2", NULL };
    OK(open_uri_kv(f, "s3://bucket/pfx", 1, kv, &f->st));
    ls_get_req reqs[N];
    static char keys[N][8];
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof(keys[i]), "n/%d", i);
        reqs[i] = (ls_get_req){ .key = keys[i], .off = (uint64_t)i, .len = 2 };
    }
    OK(ls_store_get_many(f->st, reqs, N));
    for (int i = 0; i < N; i++) {
        assert_int_equal(reqs[i].rc, LS_OK);
        assert_int_equal(reqs[i].out_len, 2);
        assert_memory_equal(reqs[i].out, bodies[i], 2);
        free(reqs[i].out);
    }
    assert_int_equal(fake_nreqs(f->fk), 1 + N + 1);
    fake_done(f->fk);
}

/* One store used by several threads at once (the handle pool). */
enum { THR_N = 4, THR_GETS = 6 };

typedef struct thr_arg {
    ls_store *st;
    int       t;
    int       fails;
} thr_arg;

static void *thr_main(void *p)
{
    thr_arg *a = p;
    for (int i = 0; i < THR_GETS; i++) {
        char key[32], want[32];
        snprintf(key, sizeof(key), "th/%d/%d", a->t, i);
        snprintf(want, sizeof(want), "body %d %d", a->t, i);
        uint8_t *out;
        size_t n;
        if (ls_store_get(a->st, key, 0, LS_GET_TO_END, &out, &n) != LS_OK) {
            a->fails++;
            continue;
        }
        a->fails += n != strlen(want) || memcmp(out, want, n);
        free(out);
    }
    return NULL;
}

static void t_threads(void **state)
{
    fx *f = *state;
    static char match[THR_N * THR_GETS][48], body[THR_N * THR_GETS][32];
    fs_reply s[1 + THR_N * THR_GETS] = { OPEN_OK };
    for (int t = 0; t < THR_N; t++)
        for (int i = 0; i < THR_GETS; i++) {
            int k = t * THR_GETS + i;
            snprintf(match[k], sizeof(match[k]), "GET /bucket/pfx/th/%d/%d ", t, i);
            snprintf(body[k], sizeof(body[k]), "body %d %d", t, i);
            s[1 + k] = (fs_reply){ match[k], 200, NULL, body[k], 0 };
        }
    SCRIPT(f->fk, s);
    static const char *const kv[] = { "s3.connections.max", "2", NULL };
    OK(open_uri_kv(f, "s3://bucket/pfx", 0, kv, &f->st));
    pthread_t th[THR_N];
    thr_arg args[THR_N];
    for (int t = 0; t < THR_N; t++) {
        args[t] = (thr_arg){ .st = f->st, .t = t };
        assert_int_equal(pthread_create(&th[t], NULL, thr_main, &args[t]), 0);
    }
    for (int t = 0; t < THR_N; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(args[t].fails, 0);
    }
    assert_int_equal(fake_nreqs(f->fk), 1 + THR_N * THR_GETS);
    fake_done(f->fk);
}

/* ---- main ------------------------------------------------------------------ */

int main(void)
{
    /* Only our credentials and our endpoint: nothing from the caller's
     * environment may redirect or sign these requests. */
    setenv("AWS_ACCESS_KEY_ID", KEY_ID, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    setenv("AWS_REGION", REGION, 1);
    static const char *const unset[] = {
        "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION",
        "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
    };
    for (size_t i = 0; i < sizeof(unset) / sizeof(unset[0]); i++)
        unsetenv(unset[i]);

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(t_open_credentials),
        T(t_open_bad_uri),
        T(t_open_no_such_bucket),
        T(t_open_access_denied),
        T(t_open_request),
        T(t_open_prefix_forms),
        T(t_request_shape),
        T(t_request_session_token),
        T(t_pia_created),
        T(t_pia_exists),
        T(t_pia_500_412_theirs),
        T(t_pia_500_412_same_length),
        T(t_pia_500_412_ours),
        T(t_pia_drop_412_ours),
        T(t_pia_500_412_gone),
        T(t_pia_all_dropped),
        T(t_put_all_dropped),
        T(t_retry_slowdown_then_ok),
        T(t_retry_slowdown_always),
        T(t_retry_put_body),
        T(t_retry_not_on_4xx),
        T(t_retry_truncated_body),
        T(t_retry_timeout),
        T(t_get_206),
        T(t_get_206_bad_range),
        T(t_get_206_short),
        T(t_get_206_too_long),
        T(t_get_200_for_range),
        T(t_get_416),
        T(t_get_404),
        T(t_get_len0),
        T(t_empty_object),
        T(t_get_large),
        T(t_head),
        T(t_head_strict),
        T(t_get_length_past_bound),
        T(t_list_pages),
        T(t_list_start_after_and_max),
        T(t_list_corrupt),
        T(t_list_entity_bomb),
        T(t_list_corrupt_at_open),
        T(t_delete),
        T(t_get_many),
        T(t_get_many_404),
        T(t_get_many_first_failure),
        T(t_get_many_retry),
        T(t_get_many_few_connections),
        T(t_threads),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
