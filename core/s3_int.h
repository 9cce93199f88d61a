/*
 * s3_int.h -- the S3 store's own internal interface, between its files:
 *
 *   store_s3.c  the transport: URLs, headers, signing (by curl), the
 *               connection pool, retries, parallel GETs
 *   s3_resp.c   what a reply means: its header lines and its bounded body
 *               as they arrive, error replies, and the outcome of a GET,
 *               HEAD, PUT or DELETE
 *   s3_list.c   ListObjectsV2 pages: the XML and every key in it
 *
 * Everything declared here is pure: no I/O, no curl, no process state.
 * The transport feeds each reply in as it arrives (s3_resp_header,
 * s3_resp_body) and then asks what it means; a test or a fuzzer
 * (tests/test_s3_parse.c, tests/fuzz/fuzz_s3_response.c) feeds arbitrary
 * replies the same way.  Every reply is untrusted input.  Functions that
 * fail set the thread's error detail (ls_seterr) and return its code.
 */
#ifndef S3_INT_H
#define S3_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ls_int.h"

#define S3_OBJECT_BYTES_MAX ((uint64_t)LS_CHUNK_BYTES_MAX)  /* the largest object written */

/* What a reply answers, for messages.  Every string of a reply (a key in
 * a listing, an error's Code and Message) and every name that came from a
 * user (the URI's prefix, a key) is quoted through ls_quote, so that no
 * message can hold a line break or a forged quote. */
typedef struct s3_call {
    const char *op;       /* "get", "put_if_absent", "list", ... */
    const char *uri;      /* the store, "s3://bucket[/prefix]" */
    const char *key;      /* the store key, or NULL for a request on the bucket */
    const char *key_id;   /* credentials sent with the request (or NULL): no */
    const char *token;    /*   message ever quotes them (s3_withhold) */
} s3_call;

/* The last step of a judgement that failed with rc: if the thread's
 * message quotes one of c's credentials (a reply may echo them back: in a
 * key, a header, an error's Message), it is replaced by one that does
 * not.  Returns rc. */
int s3_withhold(const s3_call *c, int rc);

/* c's object for a message, "s3://bucket/prefix/key" (the store for a
 * request on the bucket), then ` prefix "p"` if prefix is not NULL, each
 * part through ls_quote, into buf (cap bytes; S3_WHERE_BYTES suffice).
 * Returns buf. */
#define S3_WHERE_BYTES 720          /* 480 for the object, 200 for the prefix */
const char *s3_where(char *buf, size_t cap, const s3_call *c, const char *prefix);

/* One reply as it arrives.  The transport zeroes it once, calls
 * s3_resp_start before each attempt and s3_resp_free at the end.  Of the
 * headers only the status line, Content-Length and Content-Range are
 * read; every other header is passed over by its name. */
#define S3_HDR_LENGTH 1u             /* Content-Length */
#define S3_HDR_RANGE  2u             /* Content-Range */
typedef struct s3_resp {
    long     status;         /* of the last status line; 0: none (yet), or malformed */
    uint64_t body_max;       /* a 2xx body longer than this is refused */
    int      head;           /* a HEAD: Content-Length is the object's size, no body */
    ls_bytes body;           /* the body so far, never longer than its bound */
    int      too_big;        /* the body (or its Content-Length) passed its bound */
    /* The headers of the last response (a 100 Continue's are dropped). */
    unsigned seen;           /* S3_HDR_* present */
    unsigned bad;            /* S3_HDR_* malformed, or repeated with another value */
    uint64_t length;         /* Content-Length */
    uint64_t range_first, range_last;   /* Content-Range: bytes first-last/total */
    uint64_t range_total;               /* UINT64_MAX: "*" */
    int      range_none;                /* no first-last, only the total (a 416's) */
    char     content_range[96];  /* its value as received, cut, for messages (quote it) */
} s3_resp;

/* Before an attempt: forget the last reply (the buffer is kept). */
void s3_resp_start(s3_resp *r, uint64_t body_max, int head);
void s3_resp_free(s3_resp *r);

/* One raw header line as libcurl hands it over: the status line,
 * "Name: value" or the blank line that ends the headers; len bytes with
 * their CRLF, not NUL-terminated (nothing past len is read).  A status
 * line (of a 100 Continue too) starts a new response.  Numbers must be
 * plain decimal digits that fit 64 bits.  Returns 1 for the blank line,
 * else 0; -1 if the reply is refused before any of its body arrives (its
 * Content-Length passes the body's bound: r->too_big is set). */
int s3_resp_header(s3_resp *r, const char *line, size_t len);

/* Append len bytes of body.  Returns 0, or -1 when they would pass the
 * bound (body_max for a 2xx, LS_S3_ERROR_BODY_BYTES_MAX otherwise): then
 * r->too_big is set and nothing more is kept (or out of memory). */
int s3_resp_body(s3_resp *r, const void *p, size_t len);

/* 1 if a reply with this status may succeed when sent again: 5xx, 408,
 * 429, and 409 (AWS's ConditionalRequestConflict). */
int s3_transient(long status);

/* The S3 error code of an error reply ("NoSuchKey", "SlowDown", ...) into
 * buf (cap bytes, NUL-terminated, as received: quote it), "" if the body
 * has none. */
void s3_resp_code(const s3_resp *r, char *buf, size_t cap);

/* The error that a complete reply stands for (it is not the success the
 * caller wanted): LS_ERR_LIMIT for a body past its bound, LS_ERR_NOT_FOUND
 * for a 404, LS_ERR_EXISTS for a 412, LS_ERR_INVALID for what no retry
 * changes (400, 403, NoSuchBucket, a redirect), else LS_ERR_IO.  The
 * message names the object, the status, the error's Code and Message
 * (quoted) and a hint. */
int s3_resp_error(const s3_call *c, const s3_resp *r);

/* A GET of [off, off+len) of an object (len may be LS_GET_TO_END), as
 * requested and as its reply is judged: the same plan for both. */
typedef struct s3_get_plan {
    uint64_t off, len;       /* as asked */
    int      ranged;         /* 0: no Range; 1: bytes=first-last; 2: bytes=first- */
    uint64_t first, last;    /* inclusive */
    uint64_t body_max;       /* the most a 2xx body may hold */
} s3_get_plan;

void s3_get_plan_init(s3_get_plan *g, uint64_t off, uint64_t len);

/* Judge a complete GET reply: on LS_OK the body moves out of r into *out
 * (malloc()ed, never NULL, the caller frees it) and *out_len.  A 416 is an
 * empty read (the object ends at or before off); a 206 must carry the
 * Content-Range of exactly the bytes received, starting at off and ending
 * where asked or where the object ends; a 200 for a ranged GET is the
 * whole object, and the part is cut out of it.  A body must be as long as
 * its Content-Length says. */
int s3_get_result(const s3_call *c, const s3_get_plan *g, s3_resp *r, uint8_t **out,
                  size_t *out_len);

/* Judge a complete HEAD reply: *size from its Content-Length, which must
 * be there, once (or repeated with the same value), and well-formed. */
int s3_head_result(const s3_call *c, const s3_resp *r, uint64_t *size);

/* Judge a complete PUT reply: LS_OK for a 2xx, LS_ERR_EXISTS for a 412 to
 * a conditional PUT, else the reply's error.  *unknown is set to 1 when
 * the PUT may or may not have taken effect (a transient status: radosgw
 * answers 500 to the loser of a race), else 0. */
int s3_put_result(const s3_call *c, const s3_resp *r, int if_none_match, int *unknown);

/* Judge a complete DELETE reply: a 2xx and a 404 (but NoSuchBucket) are
 * done. */
int s3_del_result(const s3_call *c, const s3_resp *r);

/* One ListObjectsV2 page asked for. */
typedef struct s3_list_req {
    const char *store_prefix;  /* the store's prefix: "" or ending in '/' */
    const char *prefix;        /* the prefix asked for, store prefix included */
    const char *start_after;   /* a full key, or NULL */
    const char *last_key;      /* the last store key listed so far, or NULL */
    size_t      max;           /* keys this page may add */
} s3_list_req;

/* Judge a complete ListObjectsV2 reply.  On LS_OK its keys (as store keys,
 * malloc()ed) are appended to out, and *next_token is the continuation
 * token (malloc()ed) if the page is truncated, else NULL.  On failure
 * *next_token is NULL and out may hold part of the page's keys (the
 * caller frees out).  c->key is NULL. */
int s3_list_result(const s3_call *c, const s3_list_req *l, const s3_resp *r, ls_keylist *out,
                   char **next_token);

#endif /* S3_INT_H */
