/*
 * store_s3.c -- the object store on S3 or any S3-compatible server (MinIO,
 * Ceph radosgw, R2), for "s3://bucket/prefix" URIs.  HTTP through libcurl,
 * which signs AWS Signature Version 4 itself (CURLOPT_AWS_SIGV4); libs3
 * cannot send the If-None-Match on PUT that put_if_absent needs.
 *
 *   put            PUT
 *   put_if_absent  PUT with "If-None-Match: *" (412: the key exists)
 *   get            GET, with "Range: bytes=a-b" for a part
 *   get_many       the same GETs in parallel over several connections
 *   head           HEAD
 *   list           ListObjectsV2, following continuation tokens
 *   del            DELETE (a missing key is fine)
 *
 * Store key k is the object "<prefix>k" of the bucket.  Connections are kept
 * alive in a pool of curl easy handles (one connection each); a caller takes
 * a handle for one request and gives it back.  Transient failures (transport
 * errors, timeouts, 5xx, 429, 503 SlowDown) are retried with exponential
 * backoff and full jitter.  A conditional PUT whose outcome is unknown (its
 * reply was lost, or radosgw answered 500 for a race it lost) is retried,
 * and a 412 on the retry is resolved by reading the object back: our bytes
 * mean our PUT landed (DESIGN.md section 5, "lost reply").
 *
 * Credentials come from the environment only (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), never from ls_conf, so that no
 * configuration dump can carry them; no message ever contains them.
 * What a reply means (its headers, its bounded body, a listing's XML, an
 * error reply) is judged by the pure functions of s3_resp.c and s3_list.c
 * (s3_int.h), which tests and the fuzzer drive without a server.
 */
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ls_int.h"
#include "s3_int.h"

/* The bounds are in lakestream_limits.h (LS_S3_*). */
#define S3_ERROR_BODY_MAX    LS_S3_ERROR_BODY_BYTES_MAX
#define S3_LIST_BODY_MAX     LS_S3_LIST_BODY_BYTES_MAX
#define S3_LIST_PAGE_KEYS    1000u            /* ListObjectsV2's own ceiling */
#define S3_OBJECT_KEY_BYTES_MAX 1024u         /* S3's own ceiling on a key */
#define S3_URL_BYTES_MAX     (4 * LS_KEY_BYTES_MAX + 1024)
#define S3_LIST_PAGES_MAX    LS_S3_LIST_PAGES_MAX

typedef struct s3_store {
    char    *uri;          /* "s3://bucket/prefix", for messages */
    char    *bucket;
    char    *prefix;       /* "" or ending in '/' */
    char    *base;         /* URL up to and including the bucket's '/' */
    char    *sigv4;        /* "aws:amz:REGION:s3" */
    char    *userpwd;      /* "KEY:SECRET": secret, never printed */
    char    *key_id;       /* KEY alone: never quoted back from a reply */
    char    *token_hdr;    /* "x-amz-security-token: ..." or NULL: secret */
    char    *ca_bundle;    /* NULL: curl's default */
    int      verify;
    long     timeout_ms, connect_timeout_ms;
    unsigned retries, conns_max;
    pthread_mutex_t mu;    /* guards the pool */
    struct s3_conn **pool; /* idle handles, npool of conns_max */
    size_t   npool;
    CURLSH  *share;        /* DNS cache shared by the handles */
    pthread_mutex_t share_mu;
    CURLM   *multi;        /* get_many's, kept for its connection cache */
    pthread_mutex_t multi_mu;
    pthread_mutex_t sock_mu;   /* the store's open sockets, for quickack */
    curl_socket_t socks[2 * LS_S3_CONNECTIONS_MAX];
    size_t   nsocks;
} s3_store;

/* A pooled easy handle, found from the handle through CURLOPT_PRIVATE. */
typedef struct s3_conn {
    CURL         *h;
    size_t        idx;     /* get_many: the request it carries */
} s3_conn;

static s3_conn *conn_of(CURL *h)
{
    void *p = NULL;
    curl_easy_getinfo(h, CURLINFO_PRIVATE, &p);
    return p;
}

/* ---- process-wide curl state --------------------------------------------- */

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_init_rc;

static void global_init(void)
{
    g_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? LS_OK : LS_ERR_NOMEM;
}

/* ---- small helpers ------------------------------------------------------- */

static char *dup_str(const char *s)
{
    return s ? strdup(s) : NULL;
}

static char *fmt_alloc(const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + (b ? strlen(b) : 0) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, fmt, a, b ? b : "");
    return s;
}

/* Append s percent-encoded as SigV4 wants it: unreserved characters as
 * they are, '/' too if keep_slash, everything else as %XX. */
static int append_encoded(ls_bytes *b, const char *s, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
                    c == '~' || (keep_slash && c == '/');
        char e[3] = { '%', hex[c >> 4], hex[c & 15] };
        int rc = plain ? ls_bytes_append(b, &c, 1) : ls_bytes_append(b, e, 3);
        if (rc)
            return rc;
    }
    return LS_OK;
}

static int append_str(ls_bytes *b, const char *s)
{
    return ls_bytes_append(b, s, strlen(s));
}

/* Jittered exponential backoff ("full jitter"): sleep U[0, cap], cap
 * doubling from 10 ms to LS_S3_BACKOFF_MS_MAX. */
static void backoff(unsigned attempt, uint64_t *rng)
{
    unsigned cap = 10;
    for (unsigned i = 0; i < attempt && cap < LS_S3_BACKOFF_MS_MAX; i++)
        cap *= 2;
    if (cap > LS_S3_BACKOFF_MS_MAX)
        cap = LS_S3_BACKOFF_MS_MAX;
    ls_sleep_ms((unsigned)(ls_splitmix64(rng) % (cap + 1)));
}

/* ---- one request --------------------------------------------------------- */

typedef struct s3_req {
    /* in */
    const char *op;          /* for messages: "get", "put_if_absent", ... */
    const char *method;      /* "GET", "PUT", "HEAD", "DELETE" */
    const char *key;         /* store key; NULL: the bucket itself */
    const char *query;       /* encoded, sorted query string, or NULL */
    const uint8_t *body;     /* PUT */
    size_t      body_len;
    int         if_none_match;
    s3_get_plan get;         /* a GET's range (ranged 0: none) */
    uint64_t    resp_max;    /* a 2xx body longer than this fails */
    /* state */
    size_t      body_off;
    struct curl_slist *hdrs;
    char        url[S3_URL_BYTES_MAX];
    /* out */
    CURLcode    cc;
    s3_resp     resp;        /* the reply; resp.status 0: no complete reply */
    char        errbuf[CURL_ERROR_SIZE];
    struct s3_store *s;      /* for on_header */
} s3_req;

#define TOKEN_HDR "x-amz-security-token: "

/* What q is, for messages (s3_int.h). */
static s3_call call_of(const s3_store *s, const s3_req *q)
{
    return (s3_call){ .op = q->op, .uri = s->uri, .key = q->key, .key_id = s->key_id,
                      .token = s->token_hdr ? s->token_hdr + strlen(TOKEN_HDR) : NULL };
}

/* s3_where for q. */
static const char *req_where(char *buf, size_t cap, const s3_store *s, const s3_req *q)
{
    s3_call c = call_of(s, q);
    return s3_where(buf, cap, &c, NULL);
}

/* radosgw (beast) writes a reply's headers and body separately, without
 * TCP_NODELAY: the body then waits for our ACK of the headers, which
 * Linux delays by 40 ms.  Every GET took 44 ms on a local radosgw.
 * Setting TCP_QUICKACK while an ACK is pending sends it at once: on_header
 * does so when a reply's headers have arrived.  curl does not tell which
 * socket a transfer uses (CURLINFO_ACTIVESOCKET is only set after it), so
 * the store tracks its open sockets and touches them all; on a socket with
 * no ACK pending it only re-arms quick-ACK mode. */
static void quickack(curl_socket_t fd)
{
#ifdef TCP_QUICKACK
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#else
    (void)fd;
#endif
}

static void quickack_all(s3_store *s)
{
    pthread_mutex_lock(&s->sock_mu);
    for (size_t i = 0; i < s->nsocks; i++)
        quickack(s->socks[i]);
    pthread_mutex_unlock(&s->sock_mu);
}

static int on_sockopt(void *arg, curl_socket_t fd, curlsocktype purpose)
{
    s3_store *s = arg;
    if (purpose == CURLSOCKTYPE_IPCXN) {
        pthread_mutex_lock(&s->sock_mu);
        if (s->nsocks < sizeof(s->socks) / sizeof(s->socks[0]))
            s->socks[s->nsocks++] = fd;
        pthread_mutex_unlock(&s->sock_mu);
        quickack(fd);
    }
    return CURL_SOCKOPT_OK;
}

static int on_closesocket(void *arg, curl_socket_t fd)
{
    s3_store *s = arg;
    pthread_mutex_lock(&s->sock_mu);
    for (size_t i = 0; i < s->nsocks; i++)
        if (s->socks[i] == fd) {
            s->socks[i] = s->socks[--s->nsocks];
            break;
        }
    pthread_mutex_unlock(&s->sock_mu);
    return close(fd);
}

/* libcurl calls these with size 1: len = n. */
static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    s3_req *q = arg;
    size_t len = size * n;
    /* Past its bound: curl fails the transfer (CURLE_WRITE_ERROR). */
    return s3_resp_body(&q->resp, p, len) == 0 ? len : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    s3_req *q = arg;
    size_t len = size * n;
    int rc = s3_resp_header(&q->resp, p, len);
    if (rc == 1 && q->s)
        quickack_all(q->s);       /* the end of the headers: ACK them now */
    return rc < 0 ? 0 : len;      /* refused: curl fails the transfer */
}

static size_t on_read(char *p, size_t size, size_t n, void *arg)
{
    s3_req *q = arg;
    size_t left = q->body_len - q->body_off, len = size * n;
    if (len > left)
        len = left;
    memcpy(p, q->body + q->body_off, len);
    q->body_off += len;
    return len;
}

/* A lost connection may make curl rewind the upload. */
static int on_seek(void *arg, curl_off_t off, int origin)
{
    s3_req *q = arg;
    if (origin != SEEK_SET || off < 0 || (uint64_t)off > q->body_len)
        return CURL_SEEKFUNC_FAIL;
    q->body_off = (size_t)off;
    return CURL_SEEKFUNC_OK;
}

static CURL *handle_take(s3_store *s)
{
    s3_conn *c = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->npool > 0)
        c = s->pool[--s->npool];
    pthread_mutex_unlock(&s->mu);
    if (c) {
        curl_easy_reset(c->h);   /* keeps the live connection */
    } else {
        if (!(c = calloc(1, sizeof(*c))))
            return NULL;
        if (!(c->h = curl_easy_init())) {
            free(c);
            return NULL;
        }
    }
    curl_easy_setopt(c->h, CURLOPT_PRIVATE, c);
    return c->h;
}

static void conn_free(s3_conn *c)
{
    curl_easy_cleanup(c->h);
    free(c);
}

static void handle_give(s3_store *s, CURL *h)
{
    if (!h)
        return;
    s3_conn *c = conn_of(h);
    pthread_mutex_lock(&s->mu);
    if (s->npool < s->conns_max) {
        s->pool[s->npool++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&s->mu);
    if (c)
        conn_free(c);
}

static void share_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *arg)
{
    (void)h; (void)d; (void)a;
    pthread_mutex_lock(&((s3_store *)arg)->share_mu);
}

static void share_unlock(CURL *h, curl_lock_data d, void *arg)
{
    (void)h; (void)d;
    pthread_mutex_unlock(&((s3_store *)arg)->share_mu);
}

/* Build q's URL and headers (once per request, reused by its retries). */
static int req_prepare(s3_store *s, s3_req *q)
{
    ls_bytes u = { 0 };
    int rc = append_str(&u, s->base);
    if (!rc && q->key) {
        char full[2 * LS_KEY_BYTES_MAX + 2];
        snprintf(full, sizeof(full), "%s%s", s->prefix, q->key);
        if (strlen(full) > S3_OBJECT_KEY_BYTES_MAX) {
            char w[S3_WHERE_BYTES];
            ls_bytes_free(&u);
            return ls_seterr(LS_ERR_LIMIT, "s3: %s %s: an object key of %zu bytes (with the "
                             "prefix) exceeds S3's %u", q->op, req_where(w, sizeof(w), s, q),
                             strlen(full), S3_OBJECT_KEY_BYTES_MAX);
        }
        rc = append_encoded(&u, full, 1);
    }
    if (!rc && q->query)
        rc = append_str(&u, "?") || append_str(&u, q->query);
    char w[S3_WHERE_BYTES];
    if (!rc && u.len >= sizeof(q->url))
        rc = ls_seterr(LS_ERR_LIMIT, "s3: %s %s: URL of %zu bytes", q->op,
                       req_where(w, sizeof(w), s, q), u.len);
    else if (rc)
        rc = ls_seterr(LS_ERR_NOMEM, "s3: %s: URL", q->op);
    if (!rc) {
        memcpy(q->url, u.data, u.len);
        q->url[u.len] = '\0';
    }
    ls_bytes_free(&u);
    if (rc)
        return rc;

    char range[96];
    struct curl_slist *l = NULL, *n;
    const char *h[6];
    size_t nh = 0;
    /* The payload is not hashed into the signature: objects carry their
     * own CRCs, checked on every read. */
    h[nh++] = "x-amz-content-sha256: UNSIGNED-PAYLOAD";
    /* No "Expect:" to turn 100-continue off: curl 7.88 then signs an
     * "expect" header it does not send (SignatureDoesNotMatch).  curl adds
     * "Expect: 100-continue" itself, unsigned, to large bodies; req_setup
     * makes it not wait for the 100. */
    if (q->if_none_match)
        h[nh++] = "If-None-Match: *";
    if (q->get.ranged == 1)
        snprintf(range, sizeof(range), "Range: bytes=%" PRIu64 "-%" PRIu64, q->get.first,
                 q->get.last);
    else if (q->get.ranged == 2)
        snprintf(range, sizeof(range), "Range: bytes=%" PRIu64 "-", q->get.first);
    if (q->get.ranged)
        h[nh++] = range;
    if (s->token_hdr)
        h[nh++] = s->token_hdr;
    for (size_t i = 0; i < nh; i++) {
        if (!(n = curl_slist_append(l, h[i]))) {
            curl_slist_free_all(l);
            return ls_seterr(LS_ERR_NOMEM, "s3: %s: headers", q->op);
        }
        l = n;
    }
    q->hdrs = l;
    return LS_OK;
}

static void req_free(s3_req *q)
{
    curl_slist_free_all(q->hdrs);
    q->hdrs = NULL;
    s3_resp_free(&q->resp);
}

/* Set up handle h for one attempt of q. */
static void req_setup(s3_store *s, s3_req *q, CURL *h)
{
    q->body_off = 0;
    s3_resp_start(&q->resp, q->resp_max, !strcmp(q->method, "HEAD"));
    q->errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, q->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, q->hdrs);
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s->sigv4);
    curl_easy_setopt(h, CURLOPT_USERPWD, s->userpwd);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, s->verify ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, s->verify ? 2L : 0L);
    if (s->ca_bundle)
        curl_easy_setopt(h, CURLOPT_CAINFO, s->ca_bundle);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SHARE, s->share);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, q->errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, q);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, q);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, on_sockopt);
    curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, s);
    curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_closesocket);
    curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, s);
    q->s = s;
    if (!strcmp(q->method, "PUT")) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, q);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, q);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->body_len);
        curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 1L);
    } else if (!strcmp(q->method, "HEAD")) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(q->method, "GET")) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
    }
}

/* After an attempt: read the final status. */
static void req_finish(s3_req *q, CURL *h, CURLcode cc)
{
    q->cc = cc;
    long st = 0;
    if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st) == CURLE_OK && st)
        q->resp.status = st;
    if (cc != CURLE_OK && !q->resp.too_big)
        q->resp.status = 0;     /* no complete reply: outcome unknown */
}

/* 1 if a transfer failed for a reason that no retry changes: the TLS
 * certificate, the CA bundle, a URL curl refuses. */
static int config_failure(CURLcode cc)
{
    return cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
           cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_SSL_CIPHER ||
           cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT ||
           cc == CURLE_SSL_CRL_BADFILE || cc == CURLE_SSL_ISSUER_ERROR;
}

/* 1 if the failure may go away on a retry. */
static int transient(const s3_req *q)
{
    if (q->resp.status == 0)
        return !q->resp.too_big && !config_failure(q->cc);
    return s3_transient(q->resp.status);
}

/* The error of a failed attempt, with the object named and no secret. */
static int req_error(s3_store *s, const s3_req *q)
{
    s3_call c = call_of(s, q);
    if (q->resp.too_big || q->resp.status != 0)
        return s3_resp_error(&c, &q->resp);
    int rc = q->cc == CURLE_OPERATION_TIMEDOUT ? LS_ERR_TIMEOUT : LS_ERR_IO;
    if (config_failure(q->cc))
        rc = LS_ERR_INVALID;
    /* curl's words may quote the endpoint, or the server's. */
    char w[S3_WHERE_BYTES], e[LS_QUOTE_BYTES];
    const char *what = q->errbuf[0] ? q->errbuf : curl_easy_strerror(q->cc);
    return s3_withhold(&c, ls_seterr(rc, "s3: %s %s: %s%s", q->op,
                                     s3_where(w, sizeof(w), &c, NULL),
                                     ls_quote(e, 300, what, strlen(what)),
                                     config_failure(q->cc) ? " (check s3.endpoint, s3.ca.bundle "
                                                             "and s3.tls.verify)" : ""));
}

/* Run q with retries of transient failures.  Returns LS_OK with q->resp
 * set for any complete reply that is not transient (the caller decides
 * what a 404 or a 412 means); else the error of the last attempt.
 * *ambiguous is set if some attempt may have taken effect without our
 * seeing its reply (a transport error after the request went out, or a
 * 5xx). */
static int req_run(s3_store *s, s3_req *q, int *ambiguous)
{
    uint64_t rng = ls_now_ns() ^ (uintptr_t)q;
    CURL *h = handle_take(s);
    if (!h)
        return ls_seterr(LS_ERR_NOMEM, "s3: %s: curl handle", q->op);
    int rc = LS_OK;
    for (unsigned attempt = 0;; attempt++) {
        req_setup(s, q, h);
        req_finish(q, h, curl_easy_perform(h));
        if (!transient(q))
            break;
        if (ambiguous && q->cc != CURLE_COULDNT_CONNECT && q->cc != CURLE_COULDNT_RESOLVE_HOST)
            *ambiguous = 1;
        if (attempt >= s->retries) {
            rc = req_error(s, q);
            break;
        }
        backoff(attempt, &rng);
    }
    /* A body past its bound, or a failure no retry changes (a refused
     * certificate): no reply to hand back, only the error. */
    if (rc == LS_OK && (q->resp.too_big || q->resp.status == 0))
        rc = req_error(s, q);
    handle_give(s, h);
    return rc;
}

/* ---- the backend --------------------------------------------------------- */

static int s3_get(ls_store *st, const char *key, uint64_t off, uint64_t len, uint8_t **out,
                  size_t *out_len);

/* Read key back after a conditional PUT whose outcome is unknown: LS_OK if
 * it holds our bytes (our PUT landed), LS_ERR_EXISTS if someone else's,
 * LS_ERR_NOT_FOUND if nothing is there, else the read's error. */
static int read_back(ls_store *st, const char *key, const void *buf, size_t len)
{
    s3_store *s = st->impl;
    uint8_t *got;
    size_t got_len;
    int rc = s3_get(st, key, 0, LS_GET_TO_END, &got, &got_len);
    if (rc)
        return rc;
    int ours = got_len == len && (len == 0 || !memcmp(got, buf, len));
    free(got);
    char w[S3_WHERE_BYTES];
    s3_call c = { .op = "put_if_absent", .uri = s->uri, .key = key };
    return ours ? LS_OK : ls_seterr(LS_ERR_EXISTS, "s3: put_if_absent %s: exists",
                                    s3_where(w, sizeof(w), &c, NULL));
}

static int s3_put(ls_store *st, const char *key, const void *buf, size_t len)
{
    s3_store *s = st->impl;
    s3_req q = { .op = "put", .method = "PUT", .key = key, .body = buf, .body_len = len,
                 .resp_max = S3_ERROR_BODY_MAX };
    int rc = req_prepare(s, &q);
    if (!rc)
        rc = req_run(s, &q, NULL);
    if (!rc) {
        s3_call c = call_of(s, &q);
        int unknown;
        rc = s3_put_result(&c, &q.resp, 0, &unknown);
    }
    req_free(&q);
    return rc;
}

/* PUT with If-None-Match: *, one attempt at a time.  A transient failure
 * (a lost reply, a 5xx, a 409 or 429) leaves the outcome unknown, and
 * radosgw answers 500 to the loser of a race: the object is read back at
 * once rather than the PUT retried blindly, so that a lost race costs one
 * GET (a retried PUT would keep losing to a busy winner).  Once an attempt
 * may have landed, a later 412 is also resolved by reading back. */
static int s3_put_if_absent(ls_store *st, const char *key, const void *buf, size_t len)
{
    s3_store *s = st->impl;
    s3_req q = { .op = "put_if_absent", .method = "PUT", .key = key, .body = buf,
                 .body_len = len, .if_none_match = 1, .resp_max = S3_ERROR_BODY_MAX };
    int rc = req_prepare(s, &q);
    if (rc)
        return rc;
    CURL *h = handle_take(s);
    if (!h) {
        req_free(&q);
        return ls_seterr(LS_ERR_NOMEM, "s3: put_if_absent: curl handle");
    }
    uint64_t rng = ls_now_ns() ^ (uintptr_t)&q;
    int ambiguous = 0;
    char last[512] = "";
    s3_call c = call_of(s, &q);
    for (unsigned attempt = 0;; attempt++) {
        req_setup(s, &q, h);
        req_finish(&q, h, curl_easy_perform(h));
        int unknown;
        if (q.resp.status) {
            rc = s3_put_result(&c, &q.resp, 1, &unknown);
        } else {
            unknown = transient(&q);
            rc = req_error(s, &q);
        }
        if (rc == LS_OK)
            break;
        if (rc == LS_ERR_EXISTS) {
            if (ambiguous)
                rc = read_back(st, key, buf, len);
            char w[S3_WHERE_BYTES];
            if (rc == LS_ERR_NOT_FOUND)   /* 412, then gone: deleted meanwhile */
                rc = ls_seterr(LS_ERR_TIMEOUT, "s3: put_if_absent %s: 412, then gone: "
                               "outcome unknown", s3_where(w, sizeof(w), &c, NULL));
            else if (rc && rc != LS_ERR_EXISTS)
                rc = ls_preferr(LS_ERR_TIMEOUT, "s3: put_if_absent %s: outcome unknown",
                                s3_where(w, sizeof(w), &c, NULL));
            break;
        }
        if (!unknown)
            break;
        snprintf(last, sizeof(last), "%s", ls_errmsg());
        if (q.cc != CURLE_COULDNT_CONNECT && q.cc != CURLE_COULDNT_RESOLVE_HOST) {
            ambiguous = 1;
            rc = read_back(st, key, buf, len);
            if (rc == LS_OK || rc == LS_ERR_EXISTS)
                break;
            /* NOT_FOUND: not written (yet): try again; a read error: the
             * outcome stays unknown. */
        }
        if (attempt >= s->retries) {
            rc = ambiguous ? ls_seterr(LS_ERR_TIMEOUT, "outcome unknown: %s", last)
                           : ls_seterr(LS_ERR_IO, "%s", last);
            break;
        }
        /* The first retry goes at once: radosgw's 500 for a lost race may
         * come before the winner's object is readable, and the retry then
         * meets a 412 (resolved by reading back). */
        if (attempt > 0)
            backoff(attempt - 1, &rng);
    }
    handle_give(s, h);
    req_free(&q);
    return rc;
}

static int s3_head(ls_store *st, const char *key, uint64_t *size)
{
    s3_store *s = st->impl;
    s3_req q = { .op = "head", .method = "HEAD", .key = key, .resp_max = 0 };
    int rc = req_prepare(s, &q);
    if (!rc)
        rc = req_run(s, &q, NULL);
    if (!rc) {
        s3_call c = call_of(s, &q);
        rc = s3_head_result(&c, &q.resp, size);
    }
    req_free(&q);
    return rc;
}

/* Set up q for GET [off, off+len) of key. */
static void get_req_init(s3_req *q, const char *key, uint64_t off, uint64_t len)
{
    memset(q, 0, sizeof(*q));
    q->op = "get";
    q->method = "GET";
    q->key = key;
    s3_get_plan_init(&q->get, off, len);
    q->resp_max = q->get.body_max;
}

static int get_result(s3_store *s, s3_req *q, uint8_t **out, size_t *out_len)
{
    s3_call c = call_of(s, q);
    return s3_get_result(&c, &q->get, &q->resp, out, out_len);
}

static int s3_get(ls_store *st, const char *key, uint64_t off, uint64_t len, uint8_t **out,
                  size_t *out_len)
{
    s3_store *s = st->impl;
    if (len == 0) {
        /* No empty HTTP range exists: check that the object is there. */
        uint64_t size;
        int rc = s3_head(st, key, &size);
        if (rc)
            return rc;
        if (!(*out = malloc(1)))
            return ls_seterr(LS_ERR_NOMEM, "s3: get");
        *out_len = 0;
        return LS_OK;
    }
    s3_req q;
    get_req_init(&q, key, off, len);
    int rc = req_prepare(s, &q);
    if (!rc)
        rc = req_run(s, &q, NULL);
    if (!rc)
        rc = get_result(s, &q, out, out_len);
    req_free(&q);
    return rc;
}

/* Parallel GETs: up to conns_max transfers at once on one curl multi
 * handle; each request is retried on its own.  Returns the first failure
 * (in request order) after all have finished. */
static int s3_get_many(ls_store *st, ls_get_req *reqs, size_t n)
{
    s3_store *s = st->impl;
    if (n == 0)
        return LS_OK;
    s3_req *q = calloc(n, sizeof(*q));
    CURL **hs = calloc(n, sizeof(*hs));
    unsigned *tries = calloc(n, sizeof(*tries));
    uint64_t *due = calloc(n, sizeof(*due));   /* ns: retry not before */
    /* One get_many at a time per store: the multi handle keeps its
     * connections alive from one call to the next. */
    pthread_mutex_lock(&s->multi_mu);
    CURLM *m = s->multi;
    int rc = LS_OK;
    if (!q || !hs || !tries || !due || !m) {
        rc = ls_seterr(LS_ERR_NOMEM, "s3: get_many");
        goto out;
    }
    curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)s->conns_max);
    for (size_t i = 0; i < n; i++) {
        reqs[i].out = NULL;
        reqs[i].out_len = 0;
        reqs[i].rc = LS_ERR_STATE;
    }
    uint64_t rng = ls_now_ns() ^ (uintptr_t)reqs;
    size_t next = 0, running = 0, done = 0;
    while (done < n) {
        /* Start requests while connections are free (new ones in order,
         * then retries that are due). */
        uint64_t now = ls_now_ns();
        for (size_t i = 0; i < n && running < s->conns_max; i++) {
            int fresh = i == next && next < n;
            int retry = hs[i] == NULL && tries[i] > 0 && reqs[i].rc == LS_ERR_STATE &&
                        due[i] <= now;
            if (!fresh && !retry)
                continue;
            if (fresh) {
                next++;
                if (reqs[i].len == 0) {
                    reqs[i].rc = s3_get(st, reqs[i].key, reqs[i].off, 0, &reqs[i].out,
                                        &reqs[i].out_len);
                    done++;
                    continue;
                }
                get_req_init(&q[i], reqs[i].key, reqs[i].off, reqs[i].len);
                if ((reqs[i].rc = req_prepare(s, &q[i])) != LS_OK) {
                    done++;
                    continue;
                }
                reqs[i].rc = LS_ERR_STATE;
            }
            if (!(hs[i] = handle_take(s))) {
                reqs[i].rc = ls_seterr(LS_ERR_NOMEM, "s3: get_many: curl handle");
                done++;
                continue;
            }
            req_setup(s, &q[i], hs[i]);
            conn_of(hs[i])->idx = i;
            curl_multi_add_handle(m, hs[i]);
            running++;
        }
        int still;
        curl_multi_perform(m, &still);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *h = msg->easy_handle;
            CURLcode cc = msg->data.result;
            size_t i = conn_of(h)->idx;
            curl_multi_remove_handle(m, h);
            running--;
            req_finish(&q[i], h, cc);
            handle_give(s, h);
            hs[i] = NULL;
            if (transient(&q[i]) && tries[i] < s->retries) {
                /* Back off this one alone: the others keep going. */
                unsigned cap = 10u << (tries[i] < 9 ? tries[i] : 9);
                if (cap > LS_S3_BACKOFF_MS_MAX)
                    cap = LS_S3_BACKOFF_MS_MAX;
                due[i] = ls_now_ns() + (ls_splitmix64(&rng) % (cap + 1)) * 1000000u;
                tries[i]++;
                continue;
            }
            if (transient(&q[i]) || q[i].resp.too_big)
                reqs[i].rc = req_error(s, &q[i]);
            else
                reqs[i].rc = get_result(s, &q[i], &reqs[i].out, &reqs[i].out_len);
            done++;
        }
        if (done < n)
            curl_multi_poll(m, NULL, 0, running ? 100 : 1, NULL);
    }
out:
    for (size_t i = 0; q && i < n; i++) {
        if (hs && hs[i]) {
            curl_multi_remove_handle(m, hs[i]);
            handle_give(s, hs[i]);
        }
        req_free(&q[i]);
    }
    pthread_mutex_unlock(&s->multi_mu);
    /* The message of the first failure is the one left for the caller. */
    for (size_t i = 0; rc == LS_OK && i < n; i++) {
        if (reqs[i].rc != LS_OK) {
            rc = reqs[i].rc;
            if (i + 1 < n) {
                /* Later requests may have overwritten the thread's detail:
                 * name the first failure again. */
                char w[S3_WHERE_BYTES];
                s3_call c = { .op = "get", .uri = s->uri, .key = reqs[i].key };
                rc = ls_seterr(rc, "s3: get %s: %s (one of %zu parallel reads)",
                               s3_where(w, sizeof(w), &c, NULL), ls_err2str(rc), n);
            }
        }
    }
    free(q);
    free(hs);
    free(tries);
    free(due);
    return rc;
}

/* One ListObjectsV2 page: append keys (without our prefix) to out, set
 * *token to the next continuation token (malloc()ed) or NULL at the end. */
static int list_page(s3_store *st, const char *full_prefix, const char *start_after,
                     const char *token, size_t max, ls_keylist *out, char **next_token,
                     const char *last_key)
{
    *next_token = NULL;
    ls_bytes qs = { 0 };
    char mk[32];
    snprintf(mk, sizeof(mk), "%zu", max);
    /* Query parameters in sorted order, as SigV4's canonical request has
     * them (curl 7.88 does not sort them). */
    int rc = LS_OK;
    if (token)
        rc = append_str(&qs, "continuation-token=") || append_encoded(&qs, token, 0) ||
             append_str(&qs, "&");
    rc = rc || append_str(&qs, "list-type=2&max-keys=") || append_str(&qs, mk) ||
         append_str(&qs, "&prefix=") || append_encoded(&qs, full_prefix, 0);
    if (start_after && !token)
        rc = rc || append_str(&qs, "&start-after=") || append_encoded(&qs, start_after, 0);
    rc = rc || ls_bytes_append(&qs, "", 1);
    if (rc) {
        ls_bytes_free(&qs);
        return ls_seterr(LS_ERR_NOMEM, "s3: list");
    }
    s3_req q = { .op = "list", .method = "GET", .key = NULL, .query = (char *)qs.data,
                 .resp_max = S3_LIST_BODY_MAX };
    rc = req_prepare(st, &q);
    ls_bytes_free(&qs);
    q.query = NULL;
    if (!rc)
        rc = req_run(st, &q, NULL);
    if (!rc) {
        s3_call c = call_of(st, &q);
        s3_list_req l = { .store_prefix = st->prefix, .prefix = full_prefix,
                          .start_after = start_after, .last_key = last_key, .max = max };
        rc = s3_list_result(&c, &l, &q.resp, out, next_token);
    }
    req_free(&q);
    return rc;
}

static int s3_list(ls_store *st, const char *prefix, const char *start_after, size_t max,
                   ls_keylist *out)
{
    s3_store *s = st->impl;
    char full[2 * LS_KEY_BYTES_MAX + 2], after[2 * LS_KEY_BYTES_MAX + 2];
    snprintf(full, sizeof(full), "%s%s", s->prefix, prefix);
    if (start_after)
        snprintf(after, sizeof(after), "%s%s", s->prefix, start_after);
    char *token = NULL, w[S3_WHERE_BYTES];
    s3_call c = { .op = "list", .uri = s->uri };
    s3_where(w, sizeof(w), &c, full);
    int rc = LS_OK;
    unsigned pages = 0;
    do {
        /* A server that keeps answering "truncated" (with few or no keys,
         * or the same token again) must not keep us here forever. */
        if (++pages > S3_LIST_PAGES_MAX) {
            rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s: no end after %u pages", w,
                           S3_LIST_PAGES_MAX);
            break;
        }
        size_t want = max - out->n;
        if (want > S3_LIST_PAGE_KEYS)
            want = S3_LIST_PAGE_KEYS;
        char *next = NULL;
        const char *last = out->n ? out->keys[out->n - 1] : NULL;
        rc = list_page(s, full, start_after ? after : NULL, token, want, out, &next, last);
        if (rc == LS_OK && next && token && !strcmp(next, token))
            rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s: the same continuation token twice",
                           w);
        free(token);
        token = next;
    } while (rc == LS_OK && token && out->n < max);
    free(token);
    if (rc)
        ls_keylist_free(out);
    return rc;
}

static int s3_del(ls_store *st, const char *key)
{
    s3_store *s = st->impl;
    s3_req q = { .op = "delete", .method = "DELETE", .key = key, .resp_max = S3_ERROR_BODY_MAX };
    int rc = req_prepare(s, &q);
    if (!rc)
        rc = req_run(s, &q, NULL);
    if (!rc) {
        s3_call c = call_of(s, &q);
        rc = s3_del_result(&c, &q.resp);
    }
    req_free(&q);
    return rc;
}

static void s3_close(ls_store *st)
{
    s3_store *s = st->impl;
    if (s->multi)
        curl_multi_cleanup(s->multi);
    for (size_t i = 0; i < s->npool; i++)
        conn_free(s->pool[i]);
    free(s->pool);
    if (s->share)
        curl_share_cleanup(s->share);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->share_mu);
    pthread_mutex_destroy(&s->multi_mu);
    pthread_mutex_destroy(&s->sock_mu);
    free(s->uri);
    free(s->bucket);
    free(s->prefix);
    free(s->base);
    free(s->sigv4);
    if (s->userpwd) {
        explicit_bzero(s->userpwd, strlen(s->userpwd));
        free(s->userpwd);
    }
    free(s->key_id);
    if (s->token_hdr) {
        explicit_bzero(s->token_hdr, strlen(s->token_hdr));
        free(s->token_hdr);
    }
    free(s->ca_bundle);
    free(s);
    free(st);
}

/* ---- open ------------------------------------------------------------------ */

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int ls_store_s3_new(const char *uri, const ls_conf *conf, ls_store **out)
{
    *out = NULL;
    pthread_once(&g_once, global_init);
    if (g_init_rc)
        return ls_seterr(g_init_rc, "s3: curl_global_init failed");
    char qu[LS_QUOTE_BYTES];     /* untrusted text quoted for messages */
    ls_store_uri u;
    int rc = ls_store_uri_parse(uri, &u);
    if (!rc && u.kind != LS_STORE_URI_S3)
        rc = ls_seterr(LS_ERR_INVALID, "s3: \"%s\": not an s3:// URI",
                       ls_quote(qu, 240, uri, strlen(uri)));
    if (rc)
        return rc;
    const char *bucket = u.bucket, *prefix = u.prefix;
    size_t plen = strlen(prefix);

    const char *key_id = env_nonempty("AWS_ACCESS_KEY_ID");
    const char *secret = env_nonempty("AWS_SECRET_ACCESS_KEY");
    if (!key_id || !secret)
        return ls_seterr(LS_ERR_INVALID, "s3: no credentials: set AWS_ACCESS_KEY_ID and "
                         "AWS_SECRET_ACCESS_KEY (anonymous access is not supported)");
    const char *token = env_nonempty("AWS_SESSION_TOKEN");

    const char *region = ls_conf_get(conf, "s3.region");
    if (!region || !*region)
        region = env_nonempty("AWS_REGION");
    if (!region)
        region = env_nonempty("AWS_DEFAULT_REGION");
    if (!region)
        region = "us-east-1";
    for (const char *c = region; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
            return ls_seterr(LS_ERR_INVALID, "s3: region \"%s\": expected [a-z0-9-]",
                             ls_quote(qu, 80, region, strlen(region)));

    const char *endpoint = ls_conf_get(conf, "s3.endpoint");
    if (!endpoint || !*endpoint)
        endpoint = env_nonempty("AWS_ENDPOINT_URL_S3");
    if (!endpoint)
        endpoint = env_nonempty("AWS_ENDPOINT_URL");
    const char *addressing = ls_conf_get(conf, "s3.addressing");
    int path_style = endpoint ? strcmp(addressing, "virtual") != 0
                              : strcmp(addressing, "path") == 0;

    s3_store *s = calloc(1, sizeof(*s));
    ls_store *st = calloc(1, sizeof(*st));
    if (!s || !st) {
        free(s);
        free(st);
        return ls_seterr(LS_ERR_NOMEM, "s3 store");
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->share_mu, NULL);
    pthread_mutex_init(&s->multi_mu, NULL);
    pthread_mutex_init(&s->sock_mu, NULL);
    st->impl = s;
    st->close = s3_close;
    char ep[1024];
    if (endpoint) {
        size_t n = strlen(endpoint);
        while (n > 0 && endpoint[n - 1] == '/')
            n--;
        int odd = 0;          /* a space, a control byte, not ASCII: no URL */
        for (size_t i = 0; i < n; i++)
            odd |= (unsigned char)endpoint[i] <= 0x20 || (unsigned char)endpoint[i] >= 0x7f;
        if ((strncmp(endpoint, "http://", 7) && strncmp(endpoint, "https://", 8)) || odd ||
            n >= sizeof(ep) || memchr(endpoint, '?', n) || memchr(endpoint, '@', n))
            rc = ls_seterr(LS_ERR_INVALID, "s3: endpoint \"%s\": expected "
                           "http[s]://host[:port]", ls_quote(qu, 240, endpoint, strlen(endpoint)));
        else {
            memcpy(ep, endpoint, n);
            ep[n] = '\0';
        }
    } else {
        snprintf(ep, sizeof(ep), "https://s3.%s.amazonaws.com", region);
    }
    if (!rc && !path_style) {
        /* bucket.host: insert the bucket after the scheme. */
        const char *host = strstr(ep, "://") + 3;
        char vh[1200];
        snprintf(vh, sizeof(vh), "%.*s%s.%s/", (int)(host - ep), ep, bucket, host);
        s->base = strdup(vh);
    } else if (!rc) {
        s->base = fmt_alloc("%s/%s/", ep, bucket);
    }
    char sig[128];
    snprintf(sig, sizeof(sig), "aws:amz:%s:s3", region);
    char ubuf[LS_KEY_BYTES_MAX + 80];
    snprintf(ubuf, sizeof(ubuf), "s3://%s%s%.*s", bucket, plen ? "/" : "",
             plen ? (int)plen - 1 : 0, prefix);     /* no trailing '/' in messages */
    s->uri = strdup(ubuf);
    s->bucket = strdup(bucket);
    s->prefix = strdup(prefix);
    s->sigv4 = strdup(sig);
    s->userpwd = fmt_alloc("%s:%s", key_id, secret);
    s->key_id = strdup(key_id);
    s->token_hdr = token ? fmt_alloc(TOKEN_HDR "%s%s", token, NULL) : NULL;
    const char *ca = ls_conf_get(conf, "s3.ca.bundle");
    s->ca_bundle = ca && *ca ? dup_str(ca) : NULL;
    s->verify = ls_conf_bool(conf, "s3.tls.verify");
    s->timeout_ms = (long)ls_conf_int(conf, "s3.request.timeout.ms");
    s->connect_timeout_ms = (long)ls_conf_int(conf, "s3.connect.timeout.ms");
    s->retries = (unsigned)ls_conf_int(conf, "s3.retries");
    s->conns_max = (unsigned)ls_conf_int(conf, "s3.connections.max");
    s->pool = calloc(s->conns_max, sizeof(*s->pool));
    s->share = curl_share_init();
    s->multi = curl_multi_init();
    if (!rc && (!s->base || !s->uri || !s->bucket || !s->prefix || !s->sigv4 || !s->userpwd ||
                !s->key_id ||
                (token && !s->token_hdr) || (ca && *ca && !s->ca_bundle) || !s->pool ||
                !s->share || !s->multi))
        rc = ls_seterr(LS_ERR_NOMEM, "s3 store");
    if (!rc) {
        curl_share_setopt(s->share, CURLSHOPT_LOCKFUNC, share_lock);
        curl_share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
        curl_share_setopt(s->share, CURLSHOPT_USERDATA, s);
        curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    }
    st->name = "s3";
    st->caps = LS_STORE_CAP_INDEXED_LIST;
    st->put = s3_put;
    st->put_if_absent = s3_put_if_absent;
    st->get = s3_get;
    st->get_many = s3_get_many;
    st->head = s3_head;
    st->list = s3_list;
    st->del = s3_del;
    if (rc) {
        s3_close(st);
        return rc;
    }
    /* Fail at open, with a clear message, when the bucket is missing or
     * the credentials are refused: list one key. */
    ls_keylist kl = { 0 };
    if ((rc = s3_list(st, "", NULL, 1, &kl))) {
        rc = ls_preferr(rc, "open");
        s3_close(st);
        return rc;
    }
    ls_keylist_free(&kl);
    *out = st;
    return LS_OK;
}
