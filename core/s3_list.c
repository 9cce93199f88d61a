/*
 * s3_list.c -- one ListObjectsV2 page (s3_int.h): the reply's XML, read
 * with libxml2 (no network access; a reply with a DTD is refused, so no
 * entity is expanded), and every key in it checked as any object read
 * from a store would be.  A pure function: the transport (store_s3.c)
 * hands it the page curl received; tests and the fuzzer hand it anything.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "s3_int.h"

int s3_list_result(const s3_call *c, const s3_list_req *l, const s3_resp *r, ls_keylist *out,
                   char **next_token)
{
    *next_token = NULL;
    if (r->too_big || r->status != 200)
        return s3_resp_error(c, r);
    const char *full_prefix = l->prefix, *start_after = l->start_after;
    xmlDocPtr doc = xmlReadMemory((const char *)r->body.data, (int)r->body.len, "list.xml",
                                  NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                  XML_PARSE_NOWARNING);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    /* A listing has no business declaring a DTD (whose entities
     * xmlNodeGetContent would expand): refuse it. */
    if (!root || doc->intSubset || doc->extSubset ||
        xmlStrcmp(root->name, (const xmlChar *)"ListBucketResult")) {
        xmlFreeDoc(doc);
        return ls_seterr(LS_ERR_CORRUPT, "s3: list %s prefix \"%s\": the reply is not a "
                         "ListBucketResult", c->uri, full_prefix);
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
                rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s prefix \"%s\": two IsTruncated "
                               "elements in one page", c->uri, full_prefix);
            else if (v && !xmlStrcmp(v, (const xmlChar *)"true"))
                truncated = 1;
            else if (!v || xmlStrcmp(v, (const xmlChar *)"false"))
                rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s prefix \"%s\": IsTruncated is "
                               "neither true nor false", c->uri, full_prefix);
            xmlFree(v);
        } else if (!xmlStrcmp(n->name, (const xmlChar *)"NextContinuationToken")) {
            xmlChar *v = xmlNodeGetContent(n);
            size_t vlen = v ? (size_t)xmlStrlen(v) : 0;
            if (++n_token > 1)
                rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s prefix \"%s\": two "
                               "NextContinuationToken elements in one page", c->uri,
                               full_prefix);
            else if (vlen > LS_S3_TOKEN_BYTES_MAX)
                rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s prefix \"%s\": a continuation "
                               "token of %zu bytes (at most %u)", c->uri, full_prefix, vlen,
                               LS_S3_TOKEN_BYTES_MAX);
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
            /* Untrusted: one key, which must lie under our prefix and the
             * asked one, be a valid key, come after start_after and after
             * the previous key (ListObjectsV2 is sorted). */
            if (n_key > 1) {
                rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s prefix \"%s\": a Contents with %u "
                               "Key elements", c->uri, full_prefix, n_key);
            } else if (!k || strncmp(k, full_prefix, strlen(full_prefix)) ||
                !ls_key_is_valid(k + plen) ||
                (start_after && strcmp(k, start_after) <= 0) ||
                (prev && strcmp(k + plen, prev) <= 0)) {
                rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s prefix \"%s\": unexpected key "
                               "\"%.200s\" in the reply", c->uri, full_prefix,
                               k ? k : "(none)");
            } else if (added >= l->max || out->n >= LS_LIST_KEYS_MAX) {
                rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s: more keys than asked for",
                               c->uri);
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
        rc = ls_seterr(LS_ERR_CORRUPT, "s3: list %s prefix \"%s\": truncated without a "
                       "continuation token", c->uri, full_prefix);
    if (rc || !truncated) {
        free(tok);
        tok = NULL;
    }
    *next_token = tok;
    return rc;
}
