/*
 * s3_list.c -- one ListObjectsV2 page (s3_int.h): the reply's XML, read
 * with libxml2 under strict rules, and every key in it checked as any
 * object read from a store would be.  A pure function: the transport
 * (store_s3.c) hands it the page curl received; tests and the fuzzer hand
 * it anything.
 *
 * The rules for the XML: UTF-8 only (S3 always answers in UTF-8; a
 * declared encoding other than UTF-8, a byte sequence that is not UTF-8,
 * or a NUL is refused before libxml2 sees the body, so libxml2 never
 * converts an encoding); no network access; no DTD (a reply that declares
 * one is refused, so no entity is ever expanded).  libxml2 never prints:
 * see xml_quiet.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "s3_int.h"

/* ---- reading XML -------------------------------------------------------- */

/* The first error libxml2 reported while reading one reply. */
typedef struct xml_errors {
    unsigned n;
    int      line;
    char     first[160];
} xml_errors;

static void xml_note(xml_errors *e, const xmlError *x)
{
    if (e->n++ || !x || !x->message)
        return;
    size_t m = strlen(x->message);
    while (m > 0 && (x->message[m - 1] == '\n' || x->message[m - 1] == ' '))
        m--;
    ls_quote(e->first, sizeof(e->first), x->message, m);
    e->line = x->line;
}

static void on_ctxt_error(void *ctx, xmlErrorPtr x)
{
    xml_note(((xmlParserCtxtPtr)ctx)->_private, x);
}

static void on_thread_error(void *arg, xmlErrorPtr x)
{
    xml_note(arg, x);
}

/* libxml2 must never print.  The parser context's own structured handler
 * (set in xml_read) takes every error of the parser; XML_PARSE_NOERROR and
 * XML_PARSE_NOWARNING drop the rest of what the parser would print.  But
 * libxml2 2.9 raises some errors without the context: encoding conversion
 * (which the UTF-8 rule above keeps from ever running) and out-of-memory
 * in the buffer and tree code.  Those go to the thread's structured error
 * handler, or else to stderr.  So while one reply is read and walked, the
 * calling thread's handler is ours, and the one it had is put back after.
 * That is safe for other libxml2 users in the process: the handler is per
 * thread (libxml2's global state is thread-local, and the main thread's
 * variable is read by the main thread only), and nothing else runs on this
 * thread in between, since reading a reply calls back into nothing but
 * libxml2 and these handlers. */
typedef struct xml_quiet {
    xmlStructuredErrorFunc fn;
    void                  *ctx;
} xml_quiet;

static void xml_quiet_begin(xml_quiet *q, xml_errors *e)
{
    q->fn = xmlStructuredError;
    q->ctx = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(e, on_thread_error);
}

static void xml_quiet_end(const xml_quiet *q)
{
    xmlSetStructuredErrorFunc(q->ctx, q->fn);
}

static pthread_once_t g_xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

/* Why p[0..n) is not UTF-8 (strict: no overlong forms, no surrogates,
 * nothing above U+10FFFF, no NUL) into why, or 0 if it is. */
static int not_utf8(const uint8_t *p, size_t n, char *why, size_t cap)
{
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        size_t k;
        uint8_t lo = 0x80, hi = 0xbf;       /* the bounds of the second byte */
        if (c == 0) {
            snprintf(why, cap, "has a NUL byte at offset %zu", i);
            return 1;
        } else if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            if (c == 0xe0)
                lo = 0xa0;                  /* no overlong form */
            else if (c == 0xed)
                hi = 0x9f;                  /* no surrogate */
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f;                  /* nothing above U+10FFFF */
        } else {
            k = 0;
        }
        int ok = k > 0 && n - i > k && p[i + 1] >= lo && p[i + 1] <= hi;
        for (size_t j = 2; ok && j <= k; j++)
            ok = (p[i + j] & 0xc0) == 0x80;
        if (!ok) {
            snprintf(why, cap, "is not UTF-8 (byte 0x%02x at offset %zu)", c, i);
            return 1;
        }
        i += k + 1;
    }
    return 0;
}

/* If p starts with an XML declaration that names an encoding other than
 * UTF-8, why, and 1; else 0. */
static int not_utf8_declared(const uint8_t *p, size_t n, char *why, size_t cap)
{
    if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
        p += 3, n -= 3;                     /* the UTF-8 byte order mark */
    if (n < 6 || memcmp(p, "<?xml", 5) || !strchr(" \t\r\n", p[5]))
        return 0;
    const uint8_t *end = NULL;
    for (size_t i = 5; i + 1 < n && !end; i++)
        if (p[i] == '?' && p[i + 1] == '>')
            end = p + i;
    if (!end)
        return 0;                           /* not XML: the parser says so */
    /* "encoding" can only be the pseudo-attribute's name in a declaration. */
    const uint8_t *v = NULL;
    for (const uint8_t *q = p + 5; q + 8 <= end && !v; q++)
        if (!memcmp(q, "encoding", 8))
            v = q + 8;
    if (!v)
        return 0;                           /* none: UTF-8 */
    while (v < end && strchr(" \t\r\n", *v))
        v++;
    if (v < end && *v == '=')
        v++;
    while (v < end && strchr(" \t\r\n", *v))
        v++;
    const uint8_t *ve = v < end && (*v == '"' || *v == '\'') ? memchr(v + 1, *v,
                                                                (size_t)(end - v - 1)) : NULL;
    if (ve && ve - v - 1 == 5 && !strncasecmp((const char *)v + 1, "UTF-8", 5))
        return 0;
    char q[LS_QUOTE_BYTES];
    if (ve)
        snprintf(why, cap, "declares encoding \"%s\" (only UTF-8 is accepted)",
                 ls_quote(q, 80, (const char *)v + 1, (size_t)(ve - v - 1)));
    else
        snprintf(why, cap, "has an unreadable encoding declaration");
    return 1;
}

/* Read p[0..n) as an XML document under the rules above: the document
 * (xmlFreeDoc it), or NULL with why set.  Call between xml_quiet_begin
 * and xml_quiet_end with the same e. */
static xmlDocPtr xml_read(const uint8_t *p, size_t n, xml_errors *e, char *why, size_t cap)
{
    if (n == 0 || n > (size_t)INT32_MAX) {
        snprintf(why, cap, n ? "is %zu bytes long" : "is empty", n);
        return NULL;
    }
    if (not_utf8(p, n, why, cap) || not_utf8_declared(p, n, why, cap))
        return NULL;
    pthread_once(&g_xml_once, xml_init);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        snprintf(why, cap, "could not be read (out of memory)");
        return NULL;
    }
    ctxt->_private = e;
    ctxt->sax->serror = on_ctxt_error;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, (const char *)p, (int)n, "reply.xml", NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR |
                                      XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC);
    int wf = ctxt->wellFormed;
    xmlFreeParserCtxt(ctxt);
    if (doc && !wf) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    if (!doc) {
        if (e->n)
            snprintf(why, cap, "is not well-formed XML (line %d: \"%s\")", e->line, e->first);
        else
            snprintf(why, cap, "is not well-formed XML");
        return NULL;
    }
    /* A reply has no business declaring a DTD (whose entities
     * xmlNodeGetContent would expand): refuse it. */
    if (doc->intSubset || doc->extSubset) {
        xmlFreeDoc(doc);
        snprintf(why, cap, "declares a DTD");
        return NULL;
    }
    return doc;
}

/* ---- a page ---------------------------------------------------------------- */

/* Why key k of a page (as listed, with the store prefix) is refused, or
 * NULL.  Untrusted: the key must lie under the prefix asked for, be a
 * valid store key, come after start-after and after the key before it
 * (prev, a store key, or NULL): ListObjectsV2 is sorted. */
static const char *key_refusal(const s3_list_req *l, const char *k, const char *prev)
{
    size_t plen = strlen(l->store_prefix);
    if (!k)
        return "empty";
    if (strncmp(k, l->prefix, strlen(l->prefix)) || strncmp(k, l->store_prefix, plen))
        return "not under the prefix asked for";
    if (!ls_key_is_valid(k + plen))
        return "not a valid store key";
    if (l->start_after && strcmp(k, l->start_after) <= 0)
        return "not after start-after";
    if (prev && strcmp(k + plen, prev) <= 0)
        return "not after the key before it";
    return NULL;
}

/* The page, read: its keys onto out, its token into *next_token. */
static int list_parse(const s3_call *c, const s3_list_req *l, const s3_resp *r,
                      ls_keylist *out, char **next_token, xml_errors *e)
{
    char why[400], w[S3_WHERE_BYTES];
    s3_where(w, sizeof(w), c, l->prefix);       /* names the request in every message */
    xmlDocPtr doc = xml_read(r->body.data, r->body.len, e, why, sizeof(why));
    if (!doc)
        return ls_seterr(LS_ERR_CORRUPT, "s3: list %s: the reply %s", w, why);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root || xmlStrcmp(root->name, (const xmlChar *)"ListBucketResult")) {
        char q[LS_QUOTE_BYTES];
        const char *name = root ? (const char *)root->name : "";
        ls_quote(q, 80, name, strlen(name));
        xmlFreeDoc(doc);
        return ls_seterr(LS_ERR_CORRUPT, "s3: list %s: the reply is not a "
                         "ListBucketResult (its root is \"%s\")", w, q);
    }
    size_t plen = strlen(l->store_prefix);
    int truncated = 0, rc = LS_OK;
    unsigned n_truncated = 0, n_token = 0;
    const char *prev = l->last_key;
    size_t added = 0;
    char *tok = NULL;
    for (xmlNodePtr n = root->children; n && rc == LS_OK; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        /* One IsTruncated and at most one NextContinuationToken: a page
         * with two is ambiguous (which one would the next request send?). */
        if (!xmlStrcmp(n->name, (const xmlChar *)"IsTruncated")) {
            xmlChar *v = xmlNodeGetContent(n);
            if (++n_truncated > 1)
                rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s: two IsTruncated elements in "
                               "one page", w);
            else if (v && !xmlStrcmp(v, (const xmlChar *)"true"))
                truncated = 1;
            else if (!v || xmlStrcmp(v, (const xmlChar *)"false"))
                rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s: IsTruncated is neither true "
                               "nor false", w);
            xmlFree(v);
        } else if (!xmlStrcmp(n->name, (const xmlChar *)"NextContinuationToken")) {
            xmlChar *v = xmlNodeGetContent(n);
            size_t vlen = v ? (size_t)xmlStrlen(v) : 0;
            if (++n_token > 1)
                rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s: two NextContinuationToken "
                               "elements in one page", w);
            else if (vlen > LS_S3_TOKEN_BYTES_MAX)
                rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s: a continuation token of %zu "
                               "bytes (at most %u)", w, vlen, LS_S3_TOKEN_BYTES_MAX);
            else if (vlen > 0 && !(tok = strdup((const char *)v)))
                rc = ls_seterr(LS_ERR_NOMEM, "s3: list");
            xmlFree(v);
        } else if (!xmlStrcmp(n->name, (const xmlChar *)"Contents")) {
            xmlChar *v = NULL;
            unsigned n_key = 0;
            for (xmlNodePtr k = n->children; k; k = k->next)
                if (k->type == XML_ELEMENT_NODE && !xmlStrcmp(k->name, (const xmlChar *)"Key") &&
                    ++n_key == 1)
                    v = xmlNodeGetContent(k);
            const char *k = (const char *)v;
            const char *bad = n_key == 1 ? key_refusal(l, k, prev) : NULL;
            if (n_key != 1) {
                rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s: a Contents with %u Key "
                               "elements", w, n_key);
            } else if (bad) {
                char q[LS_QUOTE_BYTES];
                rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s: unexpected key \"%s\" in the "
                               "reply (%s)", w, ls_quote(q, 300, k ? k : "", k ? strlen(k) : 0),
                               bad);
            } else if (added >= l->max || out->n >= LS_LIST_KEYS_MAX) {
                rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s: more keys than asked for", w);
            } else {
                char *copy = strdup(k + plen);
                char **nk = copy ? realloc(out->keys, (out->n + 1) * sizeof(char *)) : NULL;
                if (!nk) {
                    free(copy);
                    rc = ls_seterr(LS_ERR_NOMEM, "s3: list");
                } else {
                    out->keys = nk;
                    out->keys[out->n++] = copy;
                    added++;
                    prev = copy;
                }
            }
            xmlFree(v);
        }
    }
    xmlFreeDoc(doc);
    if (rc == LS_OK && truncated && !tok)
        rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s: truncated without a "
                       "continuation token", w);
    if (rc || !truncated) {
        free(tok);
        tok = NULL;
    }
    *next_token = tok;
    return rc;
}

int s3_list_result(const s3_call *c, const s3_list_req *l, const s3_resp *r, ls_keylist *out,
                   char **next_token)
{
    *next_token = NULL;
    if (r->too_big || r->status != 200)
        return s3_resp_error(c, r);
    xml_errors e = { 0 };
    xml_quiet q;
    xml_quiet_begin(&q, &e);
    int rc = list_parse(c, l, r, out, next_token, &e);
    xml_quiet_end(&q);
    return rc ? s3_withhold(c, rc) : LS_OK;
}
