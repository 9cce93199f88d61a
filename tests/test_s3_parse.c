/*
 * test_s3_parse.c -- the S3 store's interpretation of replies (s3_int.h:
 * core/s3_resp.c, core/s3_list.c) driven by a fake transport: status,
 * raw header lines and body go in as curl would hand them over, and the
 * outcome or the error comes out.  No server, no socket.
 *
 * feed() hands each header line over in a buffer of its own, followed by
 * bytes that would change the result if read ('7's), never by a NUL: curl
 * does not NUL-terminate header lines either.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <pthread.h>

#include "ls_int.h"
#include "s3_int.h"

#define OK(x) assert_int_equal((x), LS_OK)

#define URI "s3://bucket/pfx"
#define XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define S3ERR(code) XML_HEAD "<Error><Code>" code "</Code><Message>fake " code \
                    "</Message><RequestId>FAKE</RequestId></Error>"
#define LISTXML_OPEN XML_HEAD "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/" \
                     "2006-03-01/\"><Name>bucket</Name>"
#define LISTXML(inner) LISTXML_OPEN inner "</ListBucketResult>"
#define KEY(k) "<Contents><Key>" k "</Key><Size>1</Size><StorageClass>STANDARD" \
               "</StorageClass></Contents>"
#define NOT_TRUNC "<IsTruncated>false</IsTruncated>"
#define TRUNC "<IsTruncated>true</IsTruncated>"

#define assert_msg_has(s) do { \
        if (!strstr(ls_errmsg(), (s))) \
            fail_msg("error message \"%s\" lacks \"%s\"", ls_errmsg(), (s)); \
    } while (0)
#define assert_msg_lacks(s) do { \
        if (strstr(ls_errmsg(), (s))) \
            fail_msg("error message \"%s\" contains \"%s\"", ls_errmsg(), (s)); \
    } while (0)
/* One line: nothing in it could pass for a second message. */
#define assert_msg_one_line() do { \
        assert_msg_lacks("\n"); \
        assert_msg_lacks("\r"); \
    } while (0)

/* ---- the fake transport ---------------------------------------------------- */

/* Hand line (len bytes, CRLF included if it has one) to s3_resp_header in
 * a buffer of its own with '7's after it and no NUL. */
static int feed_line(s3_resp *r, const char *line, size_t len)
{
    char *b = malloc(len + 8);
    assert_non_null(b);
    memcpy(b, line, len);
    memset(b + len, '7', 8);
    int rc = s3_resp_header(r, b, len);
    free(b);
    return rc;
}

/* Feed a whole reply: head is the status line and headers, each ending in
 * "\r\n" (the blank line is added); the body goes in chunks of 7 bytes.
 * Returns -1 if a header line or the body was refused, else 0. */
static int feed_x(s3_resp *r, uint64_t body_max, int is_head, const char *head,
                  const void *body, size_t body_len)
{
    s3_resp_start(r, body_max, is_head);
    for (const char *p = head; *p;) {
        const char *e = strstr(p, "\r\n");
        size_t n = e ? (size_t)(e - p) + 2 : strlen(p);
        if (feed_line(r, p, n) < 0)
            return -1;
        p += n;
    }
    if (feed_line(r, "\r\n", 2) < 0)
        return -1;
    for (size_t o = 0; o < body_len; o += 7) {
        size_t n = body_len - o < 7 ? body_len - o : 7;
        if (s3_resp_body(r, (const char *)body + o, n) < 0)
            return -1;
    }
    return 0;
}

static int feed_n(s3_resp *r, uint64_t body_max, const char *head, const void *body,
                  size_t body_len)
{
    return feed_x(r, body_max, 0, head, body, body_len);
}

static int feed(s3_resp *r, uint64_t body_max, const char *head, const char *body)
{
    return feed_n(r, body_max, head, body, body ? strlen(body) : 0);
}

static const s3_call CALL_GET = { .op = "get", .uri = URI, .key = "c" };
static const s3_call CALL_LIST = { .op = "list", .uri = URI, .key = NULL };

/* ---- stderr ------------------------------------------------------------------ */

/* What the library writes to fd 2 between quiet_begin and quiet_end goes
 * to a temporary file instead; quiet_end returns how many bytes that was
 * (and shows them, on the real stderr, after the test's own message). */
typedef struct quiet {
    int   saved;
    FILE *tmp;
} quiet;

static void quiet_begin(quiet *q)
{
    fflush(stderr);
    q->tmp = tmpfile();
    assert_non_null(q->tmp);
    q->saved = dup(2);
    assert_true(q->saved >= 0);
    assert_true(dup2(fileno(q->tmp), 2) == 2);
}

static long quiet_end(quiet *q)
{
    fflush(stderr);
    assert_true(dup2(q->saved, 2) == 2);
    close(q->saved);
    long n = ftell(q->tmp);
    if (n > 0) {
        char buf[512];
        rewind(q->tmp);
        size_t m = fread(buf, 1, sizeof(buf) - 1, q->tmp);
        buf[m] = '\0';
        fprintf(stderr, "printed on stderr: %s\n", buf);
    }
    fclose(q->tmp);
    return n;
}

/* ---- listings --------------------------------------------------------------- */

/* List one page of body under store prefix "pfx/", prefix "pfx/t/". */
static int list_page(const char *body, const char *start_after, const char *last_key,
                     size_t max, ls_keylist *kl, char **tok)
{
    s3_resp r = { 0 };
    assert_int_equal(feed(&r, LS_S3_LIST_BODY_BYTES_MAX, "HTTP/1.1 200 OK\r\n", body), 0);
    s3_list_req l = { .store_prefix = "pfx/", .prefix = "pfx/t/", .start_after = start_after,
                      .last_key = last_key, .max = max };
    memset(kl, 0, sizeof(*kl));
    quiet q;
    quiet_begin(&q);
    int rc = s3_list_result(&CALL_LIST, &l, &r, kl, tok);
    if (quiet_end(&q) != 0)
        fail_msg("reading a listing printed on stderr");     /* the library never prints */
    s3_resp_free(&r);
    return rc;
}

/* body must be refused as corrupt, naming the request. */
static void list_refused(const char *what, const char *body)
{
    ls_keylist kl;
    char *tok = (char *)1;
    int rc = list_page(body, NULL, NULL, 100, &kl, &tok);
    if (rc != LS_ERR_CORRUPT)
        fail_msg("%s: %d (%s)", what, rc, ls_errmsg());
    assert_null(tok);
    assert_msg_has(URI);
    assert_msg_has("pfx/t/");
    assert_msg_one_line();
    ls_keylist_free(&kl);
}

static void t_list_good(void **state)
{
    (void)state;
    ls_keylist kl;
    char *tok = (char *)1;
    OK(list_page(LISTXML("<Prefix>pfx/t/</Prefix><KeyCount>3</KeyCount><MaxKeys>100</MaxKeys>"
                         NOT_TRUNC KEY("pfx/t/a") KEY("pfx/t/b&amp;c") KEY("pfx/t/d/e")),
                 NULL, NULL, 100, &kl, &tok));
    assert_null(tok);
    assert_int_equal(kl.n, 3);
    assert_string_equal(kl.keys[0], "t/a");
    assert_string_equal(kl.keys[1], "t/b&c");
    assert_string_equal(kl.keys[2], "t/d/e");
    ls_keylist_free(&kl);
    /* An empty page. */
    OK(list_page(LISTXML("<KeyCount>0</KeyCount>" NOT_TRUNC), NULL, NULL, 100, &kl, &tok));
    assert_int_equal(kl.n, 0);
    assert_null(tok);
    ls_keylist_free(&kl);
}

static void t_list_truncated(void **state)
{
    (void)state;
    ls_keylist kl;
    char *tok = NULL;
    OK(list_page(LISTXML(TRUNC "<NextContinuationToken>1/tok+en=</NextContinuationToken>"
                         KEY("pfx/t/c") KEY("pfx/t/d")),
                 "pfx/t/b", "t/b", 2, &kl, &tok));
    assert_non_null(tok);
    assert_string_equal(tok, "1/tok+en=");
    assert_int_equal(kl.n, 2);
    assert_string_equal(kl.keys[1], "t/d");
    free(tok);
    ls_keylist_free(&kl);
    /* Not truncated: a token, if any, is not followed. */
    OK(list_page(LISTXML(NOT_TRUNC "<NextContinuationToken>x</NextContinuationToken>"
                         KEY("pfx/t/c")), NULL, NULL, 2, &kl, &tok));
    assert_null(tok);
    ls_keylist_free(&kl);
}

static void t_list_bad_xml(void **state)
{
    (void)state;
    list_refused("not XML", "this is not xml");
    list_refused("empty", "");
    list_refused("cut short", XML_HEAD "<ListBucketResult><Contents><Key>pfx/t/a</Key>");
    assert_msg_has("not well-formed XML (line 2: \"Premature end of data");
    list_refused("another root", S3ERR("NoSuchKey"));
    assert_msg_has("its root is \"Error\"");
    list_refused("html", "<html>proxy login</html>");
    list_refused("an undeclared entity", LISTXML(NOT_TRUNC KEY("pfx/t/&nope;")));
    list_refused("truncated without a token", LISTXML(TRUNC KEY("pfx/t/a")));
    list_refused("truncated, empty token",
                 LISTXML(TRUNC "<NextContinuationToken></NextContinuationToken>"));
}

static void t_list_dtd(void **state)
{
    (void)state;
    list_refused("an internal subset",
                 XML_HEAD "<!DOCTYPE ListBucketResult [<!ENTITY k \"pfx/t/a\">]>"
                 "<ListBucketResult>" NOT_TRUNC KEY("&k;") "</ListBucketResult>");
    assert_msg_has("declares a DTD");
    list_refused("an external DTD",
                 XML_HEAD "<!DOCTYPE ListBucketResult SYSTEM \"http://127.0.0.1:1/x.dtd\">"
                 "<ListBucketResult>" NOT_TRUNC KEY("pfx/t/a") "</ListBucketResult>");
    list_refused("an empty internal subset",
                 XML_HEAD "<!DOCTYPE ListBucketResult []>"
                 "<ListBucketResult>" NOT_TRUNC KEY("pfx/t/a") "</ListBucketResult>");
}

static void t_list_bad_keys(void **state)
{
    (void)state;
    list_refused("a dot-dot segment", LISTXML(NOT_TRUNC KEY("pfx/t/a/../../b")));
    list_refused("an empty segment", LISTXML(NOT_TRUNC KEY("pfx/t//a")));
    list_refused("a temporary file", LISTXML(NOT_TRUNC KEY("pfx/t/.tmp.x")));
    list_refused("a control byte", LISTXML(NOT_TRUNC KEY("pfx/t/a&#1;b")));
    list_refused("the prefix alone", LISTXML(NOT_TRUNC KEY("pfx/")));
    list_refused("outside the prefix", LISTXML(NOT_TRUNC KEY("other/t/a")));
    list_refused("a sibling prefix", LISTXML(NOT_TRUNC KEY("pfx/tt/a")));
    list_refused("out of order", LISTXML(NOT_TRUNC KEY("pfx/t/b") KEY("pfx/t/a")));
    list_refused("repeated", LISTXML(NOT_TRUNC KEY("pfx/t/a") KEY("pfx/t/a")));
    list_refused("no Key", LISTXML(NOT_TRUNC "<Contents><Size>1</Size></Contents>"));
    /* Not after the last key of the page before, or start-after. */
    ls_keylist kl;
    char *tok;
    assert_int_equal(list_page(LISTXML(NOT_TRUNC KEY("pfx/t/a")), NULL, "t/a", 10, &kl, &tok),
                     LS_ERR_CORRUPT);
    ls_keylist_free(&kl);
    assert_int_equal(list_page(LISTXML(NOT_TRUNC KEY("pfx/t/a")), "pfx/t/b", NULL, 10, &kl,
                               &tok), LS_ERR_CORRUPT);
    ls_keylist_free(&kl);
    /* More keys than asked for. */
    assert_int_equal(list_page(LISTXML(NOT_TRUNC KEY("pfx/t/a") KEY("pfx/t/b")), NULL, NULL, 1,
                               &kl, &tok), LS_ERR_CORRUPT);
    assert_msg_has("more keys than asked for");
    ls_keylist_free(&kl);
}

/* Finding 1: a page with two continuation tokens (the first one leaked,
 * and which one to follow?), two IsTruncated, or a Contents with two keys
 * is ambiguous: refused, naming the request. */
static void t_list_ambiguous(void **state)
{
    (void)state;
    list_refused("two tokens", LISTXML(TRUNC "<NextContinuationToken>a</NextContinuationToken>"
                                       "<NextContinuationToken>b</NextContinuationToken>"
                                       KEY("pfx/t/a")));
    assert_msg_has("two NextContinuationToken");
    list_refused("two tokens, apart", LISTXML(TRUNC "<NextContinuationToken>a"
                                              "</NextContinuationToken>" KEY("pfx/t/a")
                                              "<NextContinuationToken>a"
                                              "</NextContinuationToken>"));
    list_refused("two tokens, not truncated", LISTXML(NOT_TRUNC "<NextContinuationToken>a"
                                                      "</NextContinuationToken><Next"
                                                      "ContinuationToken>b</NextContinuation"
                                                      "Token>"));
    list_refused("two IsTruncated", LISTXML(TRUNC NOT_TRUNC KEY("pfx/t/a")));
    list_refused("IsTruncated maybe", LISTXML("<IsTruncated>maybe</IsTruncated>"
                                              KEY("pfx/t/a")));
    list_refused("two keys in one Contents", LISTXML(NOT_TRUNC "<Contents><Key>pfx/t/a</Key>"
                                                     "<Key>pfx/t/b</Key></Contents>"));
    /* A token longer than LS_S3_TOKEN_BYTES_MAX. */
    size_t n = LS_S3_TOKEN_BYTES_MAX + 1;
    char *body = malloc(n + 512);
    assert_non_null(body);
    int o = snprintf(body, 512, LISTXML_OPEN TRUNC "<NextContinuationToken>");
    memset(body + o, 't', n);
    snprintf(body + o + n, 512, "</NextContinuationToken></ListBucketResult>");
    list_refused("a long token", body);
    assert_msg_has("continuation token of");
    free(body);
}

/* Finding 2: a listing in another encoding, with bytes that encoding
 * does not have, made libxml2 print "encoding error" on stderr.  A listing
 * must be UTF-8; anything else is refused before libxml2 reads it, and
 * nothing is printed (list_page checks stderr). */
static void t_list_encodings(void **state)
{
    (void)state;
#define DECL(enc) "<?xml version=\"1.0\" encoding=\"" enc "\"?>"
#define PAGE(decl, k) decl "<ListBucketResult>" NOT_TRUNC KEY(k) "</ListBucketResult>"
    list_refused("EUC-JP, bad bytes", PAGE(DECL("EUC-JP"), "pfx/t/\xff\xfe\x80"));
    assert_msg_has("not UTF-8");
    list_refused("SHIFT_JIS, bad bytes", PAGE(DECL("SHIFT_JIS"), "pfx/t/\x80\xa0\xfd\xff"));
    list_refused("EUC-JP, ASCII only", PAGE(DECL("EUC-JP"), "pfx/t/a"));
    assert_msg_has("declares encoding \"EUC-JP\"");
    list_refused("ISO-8859-1", PAGE("<?xml version='1.0' encoding = 'ISO-8859-1' ?>", "pfx/t/a"));
    assert_msg_has("ISO-8859-1");
    list_refused("UCS-4, ASCII only", PAGE(DECL("UCS-4"), "pfx/t/a"));
    list_refused("UTF-16 declared", PAGE(DECL("UTF-16"), "pfx/t/a"));
    list_refused("no quotes", PAGE("<?xml version=\"1.0\" encoding=UTF-8?>", "pfx/t/a"));
    /* UCS-4 and UTF-16 by their first bytes, no declaration. */
    static const char ucs4[] = "\0\0\0<\0\0\0?\0\0\0x\xff\xff\xff\xff";
    static const char utf16[] = "\xff\xfe<\0L\0i\0s\0t\0>\0";
    static const struct { const char *what; const char *p; size_t n; } raw[] = {
        { "UCS-4", ucs4, sizeof(ucs4) - 1 },
        { "UTF-16 with a BOM", utf16, sizeof(utf16) - 1 },
    };
    for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
        s3_resp r = { 0 };
        assert_int_equal(feed_n(&r, LS_S3_LIST_BODY_BYTES_MAX, "HTTP/1.1 200 OK\r\n", raw[i].p,
                                raw[i].n), 0);
        s3_list_req l = { .store_prefix = "pfx/", .prefix = "pfx/t/", .max = 10 };
        ls_keylist kl = { 0 };
        char *tok;
        quiet q;
        quiet_begin(&q);
        int rc = s3_list_result(&CALL_LIST, &l, &r, &kl, &tok);
        if (quiet_end(&q) != 0)
            fail_msg("%s: printed on stderr", raw[i].what);
        if (rc != LS_ERR_CORRUPT)
            fail_msg("%s: %d (%s)", raw[i].what, rc, ls_errmsg());
        assert_msg_has(URI);
        assert_msg_one_line();
        s3_resp_free(&r);
    }
    /* Not UTF-8 in a UTF-8 document: bad bytes, overlong forms,
     * surrogates, past U+10FFFF, cut short. */
    list_refused("0xff", PAGE(DECL("UTF-8"), "pfx/t/\xff"));
    list_refused("overlong /", PAGE(DECL("UTF-8"), "pfx/t/\xc0\xaf"));
    list_refused("overlong 3", PAGE(DECL("UTF-8"), "pfx/t/\xe0\x80\xaf"));
    list_refused("surrogate", PAGE(DECL("UTF-8"), "pfx/t/\xed\xa0\x80"));
    list_refused("past U+10FFFF", PAGE(DECL("UTF-8"), "pfx/t/\xf4\x90\x80\x80"));
    list_refused("a lone continuation", PAGE("", "pfx/t/a\x80"));
    list_refused("cut short", PAGE("", "pfx/t/\xe2\x82"));
    list_refused("cut short at the end", LISTXML(NOT_TRUNC) "\xe2\x82");
    /* UTF-8, declared or not, with or without a BOM: read. */
    static const char *const good[] = {
        PAGE(DECL("UTF-8"), "pfx/t/caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80"),
        PAGE(DECL("utf-8"), "pfx/t/caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80"),
        PAGE("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>",
             "pfx/t/caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80"),
        PAGE("\xef\xbb\xbf" DECL("UTF-8"), "pfx/t/caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80"),
        PAGE("<?xml version=\"1.0\"?>", "pfx/t/caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80"),
        PAGE("", "pfx/t/caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80"),
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ls_keylist kl;
        char *tok;
        int rc = list_page(good[i], NULL, NULL, 10, &kl, &tok);
        if (rc != LS_OK)
            fail_msg("good %zu: %d (%s)", i, rc, ls_errmsg());
        assert_int_equal(kl.n, 1);
        assert_string_equal(kl.keys[0], "t/caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80");
        ls_keylist_free(&kl);
    }
#undef PAGE
#undef DECL
}

/* Another libxml2 user's error handler, on this thread or another, is
 * neither called by a listing nor replaced for good. */
static unsigned g_other_calls;

static void other_handler(void *ctx, xmlErrorPtr e)
{
    (void)e;
    assert_ptr_equal(ctx, &g_other_calls);
    g_other_calls++;
}

static void *handler_check(void *arg)
{
    (void)arg;
    xmlSetStructuredErrorFunc(&g_other_calls, other_handler);
    unsigned before = g_other_calls;
    ls_keylist kl;
    char *tok;
    assert_int_equal(list_page("<ListBucketResult><Contents>", NULL, NULL, 10, &kl, &tok),
                     LS_ERR_CORRUPT);
    assert_int_equal(list_page("\0\0\0<\0\0\0?", NULL, NULL, 10, &kl, &tok),
                     LS_ERR_CORRUPT);
    assert_int_equal(g_other_calls, before);
    assert_true(xmlStructuredError == other_handler);
    assert_ptr_equal(xmlStructuredErrorContext, &g_other_calls);
    /* Theirs still gets their own errors. */
    xmlDocPtr d = xmlReadMemory("<a>", 3, "x.xml", NULL, XML_PARSE_NONET);
    assert_null(d);
    assert_true(g_other_calls > before);
    xmlSetStructuredErrorFunc(NULL, NULL);
    return NULL;
}

static void t_list_other_handler(void **state)
{
    (void)state;
    handler_check(NULL);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, handler_check, NULL), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
}

/* A listing that is an error reply is that error. */
static void t_list_error_reply(void **state)
{
    (void)state;
    s3_resp r = { 0 };
    assert_int_equal(feed(&r, LS_S3_LIST_BODY_BYTES_MAX, "HTTP/1.1 404 Not Found\r\n",
                          S3ERR("NoSuchBucket")), 0);
    s3_list_req l = { .store_prefix = "pfx/", .prefix = "pfx/", .max = 1 };
    ls_keylist kl = { 0 };
    char *tok = (char *)1;
    assert_int_equal(s3_list_result(&CALL_LIST, &l, &r, &kl, &tok), LS_ERR_INVALID);
    assert_null(tok);
    assert_string_equal(ls_errmsg(), "s3: list " URI ": HTTP 404 NoSuchBucket \"fake "
                        "NoSuchBucket\" (create the bucket first)");
    s3_resp_free(&r);
}

/* ---- error replies ------------------------------------------------------ */

static void t_error_statuses(void **state)
{
    (void)state;
    static const struct { const char *head, *body; int rc, transient; const char *has; } cases[] = {
        { "HTTP/1.1 404 Not Found\r\n", S3ERR("NoSuchKey"), LS_ERR_NOT_FOUND, 0, "HTTP 404 NoSuchKey" },
        { "HTTP/1.1 404 Not Found\r\n", S3ERR("NoSuchBucket"), LS_ERR_INVALID, 0, "create the bucket" },
        { "HTTP/1.1 404 Not Found\r\n", "", LS_ERR_NOT_FOUND, 0, "HTTP 404" },
        { "HTTP/1.1 403 Forbidden\r\n", S3ERR("AccessDenied"), LS_ERR_INVALID, 0, "AWS_ACCESS_KEY_ID" },
        { "HTTP/1.1 400 Bad Request\r\n", S3ERR("AuthorizationHeaderMalformed"), LS_ERR_INVALID, 0,
          "s3.region" },
        { "HTTP/1.1 301 Moved Permanently\r\n", S3ERR("PermanentRedirect"), LS_ERR_INVALID, 0,
          "s3.addressing" },
        { "HTTP/1.1 500 Internal Server Error\r\n", S3ERR("InternalError"), LS_ERR_IO, 1, "HTTP 500" },
        { "HTTP/1.1 503 Slow Down\r\n", S3ERR("SlowDown"), LS_ERR_IO, 1, "SlowDown" },
        { "HTTP/1.1 409 Conflict\r\n", S3ERR("ConditionalRequestConflict"), LS_ERR_IO, 1, "409" },
        { "HTTP/1.1 429 Too Many Requests\r\n", "", LS_ERR_IO, 1, "429" },
        { "HTTP/1.1 418 I'm a teapot\r\n", "<html>no</html>", LS_ERR_IO, 0, "HTTP 418" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        s3_resp r = { 0 };
        assert_int_equal(feed(&r, 100, cases[i].head, cases[i].body), 0);
        assert_int_equal(s3_transient(r.status), cases[i].transient);
        int rc = s3_resp_error(&CALL_GET, &r);
        if (rc != cases[i].rc)
            fail_msg("case %zu: %d (%s)", i, rc, ls_errmsg());
        assert_msg_has(cases[i].has);
        assert_msg_has(URI "/c");
        assert_msg_one_line();
        s3_resp_free(&r);
    }
}

/* Finding 3: a key, Code or Message from a reply, or a name from the user,
 * quoted as it is, can forge a second line ("&#10;" in a key is a line
 * break once parsed) or a quote.  Every one goes through ls_quote. */
static void t_quote_list_key(void **state)
{
    (void)state;
    list_refused("a line break in a key",
                 LISTXML(NOT_TRUNC KEY("pfx/t/a&#10;s3: get s3://bucket/pfx/x: HTTP 200")));
    assert_msg_has("pfx/t/a\\x0as3: get");
    assert_msg_has("not a valid store key");
    list_refused("a quote and an escape outside the prefix",
                 LISTXML(NOT_TRUNC KEY("other/\"&#127;[31m&#13;")));
    assert_msg_has("other/\\\"\\x7f[31m\\x0d");
    list_refused("a root name", XML_HEAD "<Error\xc3\xa9/>");
    assert_msg_has("its root is \"Error\\xc3\\xa9\"");
    list_refused("libxml2's message quoting the input",
                 XML_HEAD "<ListBucketResult><Key\"x>");
    assert_msg_has("not well-formed XML");
}

static void t_quote_error_reply(void **state)
{
    (void)state;
    s3_resp r = { 0 };
    assert_int_equal(feed(&r, 100, "HTTP/1.1 404 Not Found\r\n",
                          XML_HEAD "<Error><Code>NoSuch\nKey\"</Code><Message>gone\r\ns3: "
                          "forged \x1b[31m</Message></Error>"), 0);
    assert_int_equal(s3_resp_error(&CALL_GET, &r), LS_ERR_NOT_FOUND);
    assert_msg_one_line();
    assert_msg_has("HTTP 404 NoSuch\\x0aKey\\\" \"gone\\x0d\\x0as3: forged \\x1b[31m\"");
    /* A Message longer than a message has room for is cut. */
    char body[2048];
    int n = snprintf(body, sizeof(body), "<Error><Code>SlowDown</Code><Message>");
    memset(body + n, 'm', 1000);
    snprintf(body + n + 1000, sizeof(body) - (size_t)n - 1000, "</Message></Error>");
    assert_int_equal(feed(&r, 100, "HTTP/1.1 503 Slow Down\r\n", body), 0);
    assert_int_equal(s3_resp_error(&CALL_GET, &r), LS_ERR_IO);
    assert_msg_has("mmm...\"");
    assert_true(strlen(ls_errmsg()) < 400);
    /* A code longer than any S3 has is no code. */
    assert_int_equal(feed(&r, 100, "HTTP/1.1 404 Not Found\r\n", "<Code>NoSuchBucket"
                          "AndThenSomeMoreTextThatNoServerWouldEverSendAsACode</Code>"), 0);
    assert_int_equal(s3_resp_error(&CALL_GET, &r), LS_ERR_NOT_FOUND);
    s3_resp_free(&r);
}

/* A reply that quotes our credentials back (an echoing proxy, say) does
 * not get them into a message. */
static void t_quote_credentials(void **state)
{
    (void)state;
    s3_call c = { .op = "get", .uri = URI, .key = "c", .key_id = "AKIDFAKE0123",
                  .token = "TOKENfake/123" };
    s3_resp r = { 0 };
    assert_int_equal(feed(&r, 100, "HTTP/1.1 403 Forbidden\r\n", S3ERR("InvalidAccessKeyId")
                          "<Message>key AKIDFAKE0123 is unknown</Message>"), 0);
    assert_int_equal(s3_resp_error(&c, &r), LS_ERR_INVALID);
    /* The first <Message> counts: "fake InvalidAccessKeyId". */
    assert_msg_has("fake InvalidAccessKeyId");
    assert_int_equal(feed(&r, 100, "HTTP/1.1 403 Forbidden\r\n", "<Error><Code>Bad</Code>"
                          "<Message>key AKIDFAKE0123 is unknown</Message></Error>"), 0);
    assert_int_equal(s3_resp_error(&c, &r), LS_ERR_INVALID);
    assert_msg_lacks("AKIDFAKE0123");
    assert_msg_has("quoted our credentials");
    assert_int_equal(feed(&r, 100, "HTTP/1.1 400 Bad Request\r\n", "<Error><Code>TOKENfake/123"
                          "</Code><Message>token TOKENfake/123</Message></Error>"), 0);
    assert_int_equal(s3_resp_error(&c, &r), LS_ERR_INVALID);
    assert_msg_lacks("TOKENfake");
    /* Nor in a header or a key that a message quotes. */
    s3_get_plan g;
    s3_get_plan_init(&g, 2, 4);
    assert_int_equal(feed(&r, g.body_max, "HTTP/1.1 206 Partial Content\r\nContent-Range: "
                          "TOKENfake/123\r\n", "2345"), 0);
    uint8_t *out;
    size_t n;
    assert_int_equal(s3_get_result(&c, &g, &r, &out, &n), LS_ERR_CORRUPT);
    assert_msg_lacks("TOKENfake");
    assert_int_equal(feed(&r, LS_S3_LIST_BODY_BYTES_MAX, "HTTP/1.1 200 OK\r\n",
                          LISTXML(NOT_TRUNC KEY("other/AKIDFAKE0123"))), 0);
    s3_list_req l = { .store_prefix = "pfx/", .prefix = "pfx/", .max = 10 };
    ls_keylist kl = { 0 };
    char *tok;
    assert_int_equal(s3_list_result(&c, &l, &r, &kl, &tok), LS_ERR_CORRUPT);
    assert_msg_lacks("AKIDFAKE0123");
    assert_msg_has("s3: get: a reply quoted our credentials back");
    s3_resp_free(&r);
}

/* A user's names: a key, the URI, the endpoint, the region. */
static void t_quote_user_names(void **state)
{
    (void)state;
    s3_call c = { .op = "get", .uri = "s3://bucket/p\"q", .key = "a\"b\x7f\xc3\xa9" };
    s3_resp r = { 0 };
    assert_int_equal(feed(&r, 100, "HTTP/1.1 404 Not Found\r\n", S3ERR("NoSuchKey")), 0);
    assert_int_equal(s3_resp_error(&c, &r), LS_ERR_NOT_FOUND);
    assert_msg_has("s3: get s3://bucket/p\\\"q/a\\\"b\\x7f\\xc3\\xa9: HTTP 404");
    s3_resp_free(&r);
    char w[S3_WHERE_BYTES];
    s3_call l = { .op = "list", .uri = URI };
    assert_string_equal(s3_where(w, sizeof(w), &l, "pfx/\n"), URI " prefix \"pfx/\\x0a\"");
    /* Opening a store checks these before any request. */
    static const struct { const char *uri, *endpoint, *region, *has; } cases[] = {
        { "s3://bu\ncket/p", NULL, NULL, "s3://bu\\x0acket/p" },
        { "s3://bucket/p/\"q\x1b", NULL, NULL, "s3://bucket/p/\\\"q\\x1b" },
        { "s3://bucket/p", "http://127.0.0.1:1/\r\nX-Forged: 1", NULL, "\\x0d\\x0aX-Forged" },
        { "s3://bucket/p", "http://h\xc3\xa9", NULL, "http://h\\xc3\\xa9" },
        { "s3://bucket/p", "http://127.0.0.1:1", "us-east-1\n", "us-east-1\\x0a" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ls_conf *conf = ls_conf_new();
        assert_non_null(conf);
        if (cases[i].endpoint)
            OK(ls_conf_set(conf, "s3.endpoint", cases[i].endpoint));
        if (cases[i].region)
            OK(ls_conf_set(conf, "s3.region", cases[i].region));
        ls_store *st = NULL;
        int rc = ls_store_open(cases[i].uri, conf, &st);
        ls_conf_destroy(conf);
        if (rc != LS_ERR_INVALID)
            fail_msg("case %zu: %d (%s)", i, rc, ls_errmsg());
        assert_null(st);
        assert_msg_has(cases[i].has);
        assert_msg_one_line();
    }
}

/* A 100 Continue before the reply: the final status counts. */
static void t_continue(void **state)
{
    (void)state;
    s3_resp r = { 0 };
    assert_int_equal(feed(&r, 0, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 412 Precondition "
                          "Failed\r\n", S3ERR("PreconditionFailed")), 0);
    assert_int_equal(r.status, 412);
    s3_call c = { .op = "put_if_absent", .uri = URI, .key = "log/1" };
    int unknown = -1;
    assert_int_equal(s3_put_result(&c, &r, 1, &unknown), LS_ERR_EXISTS);
    assert_int_equal(unknown, 0);
    s3_resp_free(&r);
}

/* A conditional PUT: created, exists, or outcome unknown. */
static void t_put_outcomes(void **state)
{
    (void)state;
    static const struct { const char *head, *body; int inm, rc, unknown; } cases[] = {
        { "HTTP/1.1 200 OK\r\n", "", 1, LS_OK, 0 },
        { "HTTP/1.1 204 No Content\r\n", "", 0, LS_OK, 0 },
        { "HTTP/1.1 412 Precondition Failed\r\n", S3ERR("PreconditionFailed"), 1, LS_ERR_EXISTS, 0 },
        { "HTTP/1.1 412 Precondition Failed\r\n", S3ERR("PreconditionFailed"), 0, LS_ERR_EXISTS, 0 },
        { "HTTP/1.1 409 Conflict\r\n", S3ERR("ConditionalRequestConflict"), 1, LS_ERR_IO, 1 },
        { "HTTP/1.1 500 Internal Server Error\r\n", S3ERR("InternalError"), 1, LS_ERR_IO, 1 },
        { "HTTP/1.1 503 Slow Down\r\n", S3ERR("SlowDown"), 1, LS_ERR_IO, 1 },
        { "HTTP/1.1 403 Forbidden\r\n", S3ERR("AccessDenied"), 1, LS_ERR_INVALID, 0 },
        { "HTTP/1.1 404 Not Found\r\n", S3ERR("NoSuchBucket"), 1, LS_ERR_INVALID, 0 },
    };
    s3_call c = { .op = "put_if_absent", .uri = URI, .key = "log/1" };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        s3_resp r = { 0 };
        assert_int_equal(feed(&r, LS_S3_ERROR_BODY_BYTES_MAX, cases[i].head, cases[i].body), 0);
        int unknown = -1;
        int rc = s3_put_result(&c, &r, cases[i].inm, &unknown);
        if (rc != cases[i].rc || unknown != cases[i].unknown)
            fail_msg("case %zu: %d, unknown %d (%s)", i, rc, unknown, ls_errmsg());
        if (rc)
            assert_msg_has(URI "/log/1");
        s3_resp_free(&r);
    }
}

static void t_delete_outcomes(void **state)
{
    (void)state;
    s3_call c = { .op = "delete", .uri = URI, .key = "d" };
    s3_resp r = { 0 };
    assert_int_equal(feed(&r, 100, "HTTP/1.1 204 No Content\r\n", NULL), 0);
    OK(s3_del_result(&c, &r));
    assert_int_equal(feed(&r, 100, "HTTP/1.1 404 Not Found\r\n", S3ERR("NoSuchKey")), 0);
    OK(s3_del_result(&c, &r));
    assert_int_equal(feed(&r, 100, "HTTP/1.1 404 Not Found\r\n", S3ERR("NoSuchBucket")), 0);
    assert_int_equal(s3_del_result(&c, &r), LS_ERR_INVALID);
    assert_int_equal(feed(&r, 100, "HTTP/1.1 403 Forbidden\r\n", S3ERR("AccessDenied")), 0);
    assert_int_equal(s3_del_result(&c, &r), LS_ERR_INVALID);
    s3_resp_free(&r);
}

/* ---- GET ------------------------------------------------------------------ */

/* GET [off, off+len) of "c" answered by head and body. */
static int get(uint64_t off, uint64_t len, const char *head, const char *body, uint8_t **out,
               size_t *n)
{
    s3_get_plan g;
    s3_get_plan_init(&g, off, len);
    s3_resp r = { 0 };
    (void)feed(&r, g.body_max, head, body);     /* a refused body: r.too_big */
    *out = (uint8_t *)1;
    *n = 99;
    int rc = s3_get_result(&CALL_GET, &g, &r, out, n);
    s3_resp_free(&r);
    return rc;
}

static void get_ok(uint64_t off, uint64_t len, const char *head, const char *body,
                   const char *want)
{
    uint8_t *out;
    size_t n;
    int rc = get(off, len, head, body, &out, &n);
    if (rc != LS_OK)
        fail_msg("get %s: %d (%s)", head, rc, ls_errmsg());
    assert_non_null(out);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);
    free(out);
}

static void get_fails(uint64_t off, uint64_t len, const char *head, const char *body, int want)
{
    uint8_t *out;
    size_t n;
    int rc = get(off, len, head, body, &out, &n);
    if (rc != want)
        fail_msg("get %s: %d, not %d (%s)", head, rc, want, ls_errmsg());
    assert_null(out);
    assert_int_equal(n, 0);
    assert_msg_has(URI "/c");
    assert_msg_one_line();
}

static void t_get_plan(void **state)
{
    (void)state;
    s3_get_plan g;
    s3_get_plan_init(&g, 0, LS_GET_TO_END);
    assert_int_equal(g.ranged, 0);
    assert_int_equal(g.body_max, S3_OBJECT_BYTES_MAX);
    s3_get_plan_init(&g, 5, LS_GET_TO_END);
    assert_int_equal(g.ranged, 2);
    assert_int_equal(g.first, 5);
    s3_get_plan_init(&g, 2, 4);
    assert_int_equal(g.ranged, 1);
    assert_int_equal(g.first, 2);
    assert_int_equal(g.last, 5);
    assert_int_equal(g.body_max, 4);
    s3_get_plan_init(&g, 0, UINT64_MAX - 1);          /* at most one object's bytes */
    assert_int_equal(g.ranged, 1);
    assert_int_equal(g.last, S3_OBJECT_BYTES_MAX - 1);
    assert_int_equal(g.body_max, S3_OBJECT_BYTES_MAX);
}

static void t_get_content_range(void **state)
{
    (void)state;
    get_ok(2, 4, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 2-5/10\r\n", "2345",
           "2345");
    get_ok(2, 4, "HTTP/1.1 206 Partial Content\r\ncontent-range: bytes 2-5/*\r\n", "2345",
           "2345");
    /* Cut short by the end of the object: fine. */
    get_ok(8, 4, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 8-9/10\r\n", "89", "89");
    get_ok(4, LS_GET_TO_END, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 4-9/10\r\n",
           "456789", "456789");
    /* Another start, another length, no header, junk. */
    get_fails(2, 4, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 3-6/10\r\n", "3456",
              LS_ERR_CORRUPT);
    get_fails(2, 4, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 2-6/10\r\n", "2345",
              LS_ERR_CORRUPT);
    get_fails(2, 4, "HTTP/1.1 206 Partial Content\r\n", "2345", LS_ERR_CORRUPT);
    get_fails(2, 4, "HTTP/1.1 206 Partial Content\r\nContent-Range: junk\r\n", "2345",
              LS_ERR_CORRUPT);
    get_fails(2, 4, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 5-2/10\r\n", "2345",
              LS_ERR_CORRUPT);
    get_fails(2, 4, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 2-5/5\r\n", "2345",
              LS_ERR_CORRUPT);
    /* Short, though the object goes on: would read as its end. */
    get_fails(2, 4, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 2-3/10\r\n", "23",
              LS_ERR_CORRUPT);
    get_fails(4, LS_GET_TO_END, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes "
              "4-6/10\r\n", "456", LS_ERR_CORRUPT);
    get_fails(4, LS_GET_TO_END, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes "
              "4-6/*\r\n", "456", LS_ERR_CORRUPT);
    /* More than asked for: never buffered. */
    get_fails(2, 4, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 2-9/10\r\n",
              "23456789", LS_ERR_LIMIT);
}

static void t_get_other(void **state)
{
    (void)state;
    /* A server that ignores Range: our part is cut out of the whole. */
    get_ok(6, LS_GET_TO_END, "HTTP/1.1 200 OK\r\n", "0123456789", "6789");
    get_ok(4, 100, "HTTP/1.1 200 OK\r\n", "0123456789", "456789");
    get_ok(12, LS_GET_TO_END, "HTTP/1.1 200 OK\r\n", "0123456789", "");
    get_fails(4, 3, "HTTP/1.1 200 OK\r\n", "0123456789", LS_ERR_LIMIT);
    /* Past the end. */
    get_ok(100, 10, "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */10\r\n",
           S3ERR("InvalidRange"), "");
    /* An empty object. */
    get_ok(0, LS_GET_TO_END, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n", NULL, "");
    get_fails(0, LS_GET_TO_END, "HTTP/1.1 404 Not Found\r\n", S3ERR("NoSuchKey"),
              LS_ERR_NOT_FOUND);
    get_fails(0, LS_GET_TO_END, "HTTP/1.1 404 Not Found\r\n", S3ERR("NoSuchBucket"),
              LS_ERR_INVALID);
    assert_msg_has("NoSuchBucket");
}

/* ---- headers (finding 4) ------------------------------------------------ */

/* curl's header buffer is not NUL-terminated: a parser that reads past
 * the line (strtol) sees the '7's feed_line puts after it. */
static void t_header_status(void **state)
{
    (void)state;
    static const struct { const char *line; long status; } cases[] = {
        { "HTTP/1.1 200", 200 },            /* no CRLF: the last bytes of the buffer */
        { "HTTP/1.1 200\r\n", 200 },
        { "HTTP/1.1 404 Not Found\r\n", 404 },
        { "HTTP/2 204\r\n", 204 },
        { "HTTP/1.0  503 Slow Down\r\n", 503 },
        { "HTTP/1.1 2000 OK\r\n", 0 },
        { "HTTP/1.1 20 OK\r\n", 0 },
        { "HTTP/1.1 2OO OK\r\n", 0 },
        { "HTTP/1.1 -20 OK\r\n", 0 },
        { "HTTP/1.1 +200 OK\r\n", 0 },
        { "HTTP/1.1 099 Low\r\n", 0 },
        { "HTTP/1.1\r\n", 0 },
        { "HTTP/", 0 },
        { "HTTP/1.1 ", 0 },
        { "HTTP/1.1 20", 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        s3_resp r = { 0 };
        s3_resp_start(&r, 10, 0);
        r.status = 999;
        assert_int_equal(feed_line(&r, cases[i].line, strlen(cases[i].line)), 0);
        if (r.status != cases[i].status)
            fail_msg("\"%s\": status %ld, not %ld", cases[i].line, r.status, cases[i].status);
    }
}

/* HEAD: the size is the Content-Length, exactly. */
static void t_head_length(void **state)
{
    (void)state;
    static const struct { const char *head; int rc; uint64_t size; } cases[] = {
        { "HTTP/1.1 200 OK\r\nContent-Length: 123456789\r\n", LS_OK, 123456789 },
        { "HTTP/1.1 200 OK\r\ncontent-length:42\r\n", LS_OK, 42 },
        { "HTTP/1.1 200 OK\r\nCONTENT-LENGTH: \t42 \t\r\n", LS_OK, 42 },
        { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n", LS_OK, 0 },
        { "HTTP/1.1 200 OK\r\nContent-Length: 0042\r\n", LS_OK, 42 },
        { "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n", LS_OK, UINT64_MAX },
        { "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 7\r\n", LS_OK, 7 },
        /* An object larger than any we write: its size all the same. */
        { "HTTP/1.1 200 OK\r\nContent-Length: 5000000000\r\n", LS_OK, 5000000000u },
        { "HTTP/1.1 200 OK\r\nContent-Length: 5", LS_OK, 5 },     /* nothing read past */
        { "HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n", LS_ERR_CORRUPT, 0 },
        { "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n", LS_ERR_CORRUPT, 0 },
        { "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n", LS_ERR_CORRUPT, 0 },
        { "HTTP/1.1 200 OK\r\nContent-Length: 4 2\r\n", LS_ERR_CORRUPT, 0 },
        { "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n", LS_ERR_CORRUPT, 0 },
        { "HTTP/1.1 200 OK\r\nContent-Length: \r\n", LS_ERR_CORRUPT, 0 },
        { "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n", LS_ERR_CORRUPT, 0 },
        { "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n", LS_ERR_CORRUPT, 0 },
        { "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 8\r\n", LS_ERR_CORRUPT, 0 },
        { "HTTP/1.1 200 OK\r\nContent-Lengthy: 5\r\n", LS_ERR_CORRUPT, 0 },
        { "HTTP/1.1 200 OK\r\nX-Content-Length: 5\r\n", LS_ERR_CORRUPT, 0 },
        { "HTTP/1.1 200 OK\r\n", LS_ERR_CORRUPT, 0 },
        /* A 100 Continue's headers are not the reply's. */
        { "HTTP/1.1 100 Continue\r\nContent-Length: 9\r\n\r\nHTTP/1.1 200 OK\r\n",
          LS_ERR_CORRUPT, 0 },
        { "HTTP/1.1 404 Not Found\r\nContent-Length: 12abc\r\n", LS_ERR_NOT_FOUND, 0 },
    };
    s3_call c = { .op = "head", .uri = URI, .key = "h" };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        s3_resp r = { 0 };
        assert_int_equal(feed_x(&r, 0, 1, cases[i].head, NULL, 0), 0);
        uint64_t size = 12345;
        int rc = s3_head_result(&c, &r, &size);
        if (rc != cases[i].rc || (rc == LS_OK && size != cases[i].size))
            fail_msg("case %zu: %d, size %" PRIu64 " (%s)", i, rc, size, ls_errmsg());
        if (rc) {
            assert_msg_has(URI "/h");
            assert_msg_one_line();
        }
        s3_resp_free(&r);
    }
}

/* Content-Range: decimal digits, nothing more, nothing past the line. */
static void t_header_content_range(void **state)
{
    (void)state;
    get_ok(2, 4, "HTTP/1.1 206 Partial Content\r\nContent-Range: BYTES  2-5/10 \r\n", "2345",
           "2345");
    get_ok(2, 4, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 2-5/10", "2345", "2345");
    get_ok(2, 4, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 2-5/10\r\n"
           "Content-Range: bytes 2-5/10\r\n", "2345", "2345");
    get_ok(2, 4, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 2-5/10\r\n"
           "Content-Length: 4\r\nETag: \"abc\"\r\n", "2345", "2345");
    static const char *const bad[] = {
        "bytes 2-5/10junk",
        "bytes 2-5/+10",
        "bytes +2-5/10",
        "bytes 2-+5/10",
        "bytes 2 -5/10",
        "bytes 2-5 /10",
        "bytes 2-5/ 10",
        "bytes 2-5/1 0",
        "bytes=2-5/10",
        "bytes2-5/10",
        "bits 2-5/10",
        "bytes 2-5",
        "bytes -5/10",
        "bytes 2-/10",
        "bytes */10",
        "bytes */*",
        "bytes 2-5/*/*",
        "bytes 0x2-5/10",
        "bytes 2-5/18446744073709551616",
        "bytes 18446744073709551618-18446744073709551619/*",
        "bytes 2-18446744073709551621/*",
        "bytes 2-5/10\r\nContent-Range: bytes 2-5/11",
        "bytes 2-5/100000000000000000000000000000000000000000000000000000000000000000000000000"
        "00000000000000000000000000000000000",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char head[512];
        snprintf(head, sizeof(head), "HTTP/1.1 206 Partial Content\r\nContent-Range: %s\r\n",
                 bad[i]);
        get_fails(2, 4, head, "2345", LS_ERR_CORRUPT);
        assert_msg_has("Content-Range \"");
    }
}

/* A body is bounded before it is buffered: a Content-Length past the
 * bound refuses the reply at the end of its headers; a body longer or
 * shorter than its Content-Length is refused. */
static void t_body_bounds(void **state)
{
    (void)state;
    s3_get_plan g;
    s3_get_plan_init(&g, 2, 4);
    s3_resp r = { 0 };
    assert_int_equal(feed(&r, g.body_max, "HTTP/1.1 206 Partial Content\r\nContent-Range: "
                          "bytes 2-1000001/2000000\r\nContent-Length: 1000000\r\n", NULL), -1);
    assert_true(r.too_big);
    assert_int_equal(r.body.len, 0);
    uint8_t *out;
    size_t n;
    assert_int_equal(s3_get_result(&CALL_GET, &g, &r, &out, &n), LS_ERR_LIMIT);
    assert_null(out);
    /* The same for an error reply, and for a whole object past 1 GiB. */
    assert_int_equal(feed(&r, g.body_max, "HTTP/1.1 500 Oops\r\nContent-Length: 65537\r\n",
                          NULL), -1);
    assert_int_equal(s3_resp_error(&CALL_GET, &r), LS_ERR_LIMIT);
    assert_msg_has("HTTP 500 with a body larger than 65536 bytes");
    s3_get_plan_init(&g, 0, LS_GET_TO_END);
    assert_int_equal(feed(&r, g.body_max, "HTTP/1.1 200 OK\r\nContent-Length: 1073741825\r\n",
                          NULL), -1);
    /* At the bound: fine. */
    s3_get_plan_init(&g, 2, 4);
    assert_int_equal(feed(&r, g.body_max, "HTTP/1.1 206 Partial Content\r\nContent-Range: "
                          "bytes 2-5/10\r\nContent-Length: 4\r\n", "2345"), 0);
    s3_resp_free(&r);
    /* Longer or shorter than it says. */
    get_fails(0, LS_GET_TO_END, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n", "01234",
              LS_ERR_CORRUPT);
    get_fails(0, LS_GET_TO_END, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n", "01234",
              LS_ERR_CORRUPT);
    get_fails(0, LS_GET_TO_END, "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n", "01234",
              LS_ERR_CORRUPT);
    get_ok(0, LS_GET_TO_END, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", "01234", "01234");
}

/* An error reply's body is bounded too. */
static void t_error_body_bound(void **state)
{
    (void)state;
    size_t n = LS_S3_ERROR_BODY_BYTES_MAX + 1;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'x', n);
    big[n] = '\0';
    s3_resp r = { 0 };
    assert_int_equal(feed(&r, S3_OBJECT_BYTES_MAX, "HTTP/1.1 404 Not Found\r\n", big), -1);
    assert_true(r.too_big);
    assert_true(r.body.len <= LS_S3_ERROR_BODY_BYTES_MAX);
    assert_int_equal(s3_resp_error(&CALL_GET, &r), LS_ERR_LIMIT);
    assert_msg_has(URI "/c");
    s3_resp_free(&r);
    free(big);
}

int main(void)
{
    /* Fake credentials (opening a store wants some); no endpoint, no proxy
     * from the environment. */
    setenv("AWS_ACCESS_KEY_ID", "AKIDFAKE0123", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "fakeSECRET", 1);
    static const char *const unset[] = {
        "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION",
        "AWS_DEFAULT_REGION", "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
        "all_proxy", "ALL_PROXY",
    };
    for (size_t i = 0; i < sizeof(unset) / sizeof(unset[0]); i++)
        unsetenv(unset[i]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_list_good),
        cmocka_unit_test(t_list_truncated),
        cmocka_unit_test(t_list_bad_xml),
        cmocka_unit_test(t_list_dtd),
        cmocka_unit_test(t_list_bad_keys),
        cmocka_unit_test(t_list_ambiguous),
        cmocka_unit_test(t_list_encodings),
        cmocka_unit_test(t_list_other_handler),
        cmocka_unit_test(t_list_error_reply),
        cmocka_unit_test(t_error_statuses),
        cmocka_unit_test(t_quote_list_key),
        cmocka_unit_test(t_quote_error_reply),
        cmocka_unit_test(t_quote_credentials),
        cmocka_unit_test(t_quote_user_names),
        cmocka_unit_test(t_continue),
        cmocka_unit_test(t_put_outcomes),
        cmocka_unit_test(t_delete_outcomes),
        cmocka_unit_test(t_get_plan),
        cmocka_unit_test(t_get_content_range),
        cmocka_unit_test(t_get_other),
        cmocka_unit_test(t_error_body_bound),
        cmocka_unit_test(t_header_status),
        cmocka_unit_test(t_head_length),
        cmocka_unit_test(t_header_content_range),
        cmocka_unit_test(t_body_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
