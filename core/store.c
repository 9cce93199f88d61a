/*
 * store.c -- the front of the object store: the key-validating wrappers
 * every caller goes through, so that no backend ever sees a key that could
 * escape its namespace; the scheme table of backends (ls_store_register,
 * like sqlite3_vfs_register; the built-ins are in store_builtin.c); URI
 * parsing without side effects (ls_store_uri_parse) and dispatch
 * (ls_store_open).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

static int bad_key(const ls_store *st, const char *op, const char *key)
{
    if (!key)
        return ls_seterr(LS_ERR_INVALID, "%s: %s: NULL key", st->name, op);
    return ls_seterr(LS_ERR_INVALID, "%s: %s \"%.200s\": invalid key", st->name,
                     op, key);
}

/* ---- wrappers ---------------------------------------------------------- */

int ls_store_put(ls_store *st, const char *key, const void *buf, size_t len)
{
    if (!st)
        return ls_seterr(LS_ERR_INVALID, "store: put: NULL store");
    if (!ls_key_is_valid(key))
        return bad_key(st, "put", key);
    if (!buf && len)
        return ls_seterr(LS_ERR_INVALID, "%s: put %s: NULL buffer", st->name, key);
    return st->put(st, key, buf, len);
}

int ls_store_put_if_absent(ls_store *st, const char *key, const void *buf, size_t len)
{
    if (!st)
        return ls_seterr(LS_ERR_INVALID, "store: put_if_absent: NULL store");
    if (!ls_key_is_valid(key))
        return bad_key(st, "put_if_absent", key);
    if (!buf && len)
        return ls_seterr(LS_ERR_INVALID, "%s: put_if_absent %s: NULL buffer",
                         st->name, key);
    return st->put_if_absent(st, key, buf, len);
}

int ls_store_get(ls_store *st, const char *key, uint64_t off, uint64_t len,
                 uint8_t **out, size_t *out_len)
{
    if (!out || !out_len)
        return ls_seterr(LS_ERR_INVALID, "store: get: NULL output");
    *out = NULL;
    *out_len = 0;
    if (!st)
        return ls_seterr(LS_ERR_INVALID, "store: get: NULL store");
    if (!ls_key_is_valid(key))
        return bad_key(st, "get", key);
    return st->get(st, key, off, len, out, out_len);
}

int ls_store_head(ls_store *st, const char *key, uint64_t *size)
{
    if (!size)
        return ls_seterr(LS_ERR_INVALID, "store: head: NULL output");
    *size = 0;
    if (!st)
        return ls_seterr(LS_ERR_INVALID, "store: head: NULL store");
    if (!ls_key_is_valid(key))
        return bad_key(st, "head", key);
    return st->head(st, key, size);
}

/* max is bounded rather than clamped: a caller that asked for more than
 * LS_LIST_KEYS_MAX and got fewer back would wrongly conclude that the
 * listing is complete. */
int ls_store_list(ls_store *st, const char *prefix, const char *start_after,
                  size_t max, ls_keylist *out)
{
    if (!out)
        return ls_seterr(LS_ERR_INVALID, "store: list: NULL output");
    out->keys = NULL;
    out->n = 0;
    if (!st)
        return ls_seterr(LS_ERR_INVALID, "store: list: NULL store");
    if (!prefix)
        prefix = "";
    if (!ls_key_prefix_is_valid(prefix))
        return ls_seterr(LS_ERR_INVALID, "%s: list \"%.200s\": invalid prefix",
                         st->name, prefix);
    if (max == 0)
        return ls_seterr(LS_ERR_INVALID, "%s: list %s: max must be at least 1",
                         st->name, prefix);
    if (max > LS_LIST_KEYS_MAX)
        return ls_seterr(LS_ERR_LIMIT, "%s: list %s: max %zu exceeds %u keys",
                         st->name, prefix, max, LS_LIST_KEYS_MAX);
    return st->list(st, prefix, start_after, max, out);
}

int ls_store_delete(ls_store *st, const char *key)
{
    if (!st)
        return ls_seterr(LS_ERR_INVALID, "store: delete: NULL store");
    if (!ls_key_is_valid(key))
        return bad_key(st, "delete", key);
    return st->del(st, key);
}

int ls_store_get_many(ls_store *st, ls_get_req *reqs, size_t n)
{
    if (!st)
        return ls_seterr(LS_ERR_INVALID, "store: get_many: NULL store");
    if (n && !reqs)
        return ls_seterr(LS_ERR_INVALID, "%s: get_many: NULL requests", st->name);
    for (size_t i = 0; i < n; i++) {
        reqs[i].out = NULL;
        reqs[i].out_len = 0;
        reqs[i].rc = LS_ERR_STATE;
    }
    for (size_t i = 0; i < n; i++)
        if (!ls_key_is_valid(reqs[i].key)) {
            for (size_t k = 0; k < n; k++)
                reqs[k].rc = LS_ERR_INVALID;
            return bad_key(st, "get", reqs[i].key);
        }
    if (st->get_many)
        return st->get_many(st, reqs, n);
    /* One after the other; the first failure's detail is the one left. */
    int first = LS_OK;
    char msg[512];
    for (size_t i = 0; i < n; i++) {
        reqs[i].rc = st->get(st, reqs[i].key, reqs[i].off, reqs[i].len, &reqs[i].out,
                             &reqs[i].out_len);
        if (reqs[i].rc && first == LS_OK) {
            first = reqs[i].rc;
            snprintf(msg, sizeof(msg), "%s", ls_errmsg());
        }
    }
    if (first != LS_OK)
        ls_seterr(first, "%s", msg);
    return first;
}

void ls_keylist_free(ls_keylist *kl)
{
    if (!kl)
        return;
    for (size_t i = 0; i < kl->n; i++)
        free(kl->keys[i]);
    free(kl->keys);
    kl->keys = NULL;
    kl->n = 0;
}

void ls_store_close(ls_store *st)
{
    if (st)
        st->close(st);
}

/* ---- the scheme table ----------------------------------------------------
 *
 * Slots [0, nbackends) never change once published: ls_store_register fills
 * slot n under reg_lock and then publishes n + 1 (release), so that lookups
 * (every ls_store_open, every property lookup of conf.c) take no lock and
 * see a filled slot (acquire).  The built-ins are there from the start. */

static const ls_store_backend *backends[LS_STORE_BACKENDS_MAX] = {
    &ls_store_backend_file, &ls_store_backend_mem, &ls_store_backend_s3,
};
static _Atomic size_t nbackends = 3;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;  /* guards registration */

static size_t backends_n(void)
{
    return atomic_load_explicit(&nbackends, memory_order_acquire);
}

/* The backend whose scheme is s[0..n), or NULL. */
static const ls_store_backend *find_backend(const char *s, size_t n)
{
    size_t nb = backends_n();
    for (size_t i = 0; i < nb; i++)
        if (strlen(backends[i]->scheme) == n && !memcmp(backends[i]->scheme, s, n))
            return backends[i];
    return NULL;
}

/* RFC 3986's scheme, lowercase only (schemes are matched byte for byte). */
static int scheme_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > LS_STORE_SCHEME_BYTES_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
              s[i] == '-' || s[i] == '.'))
            return 0;
    return 1;
}

const ls_store_backend *ls_store_backend_find(const char *scheme)
{
    return scheme ? find_backend(scheme, strlen(scheme)) : NULL;
}

const ls_store_backend *ls_store_backend_at(size_t i)
{
    return i < backends_n() ? backends[i] : NULL;
}

int ls_store_scheme_known(const char *uri)
{
    if (!uri || !*uri)
        return 0;
    const char *sep = strstr(uri, "://");
    return !sep || find_backend(uri, (size_t)(sep - uri)) != NULL;
}

int ls_store_register(const ls_store_backend *be)
{
    if (!be)
        return ls_seterr(LS_ERR_INVALID, "store: register: NULL backend");
    if (!be->scheme || !scheme_ok(be->scheme))
        return ls_seterr(LS_ERR_INVALID, "store: register: scheme \"%s\": expected a "
                         "lowercase letter, then [a-z0-9+.-], at most %u bytes",
                         be->scheme ? ls_q(be->scheme) : "(null)", LS_STORE_SCHEME_BYTES_MAX);
    if (!be->open)
        return ls_seterr(LS_ERR_INVALID, "store: register %s://: NULL open", be->scheme);
    if (be->nprops && !be->props)
        return ls_seterr(LS_ERR_INVALID, "store: register %s://: %zu properties, NULL table",
                         be->scheme, be->nprops);
    for (size_t i = 0; i < be->nprops; i++) {
        if (ls_conf_prop_check(&be->props[i]))
            return ls_preferr(LS_ERR_INVALID, "store: register %s://", be->scheme);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(be->props[k].name, be->props[i].name))
                return ls_seterr(LS_ERR_EXISTS, "store: register %s://: property \"%s\" "
                                 "declared twice", be->scheme, be->props[i].name);
    }
    pthread_mutex_lock(&reg_lock);
    int rc = LS_OK;
    size_t n = backends_n();
    if (find_backend(be->scheme, strlen(be->scheme)))
        rc = ls_seterr(LS_ERR_EXISTS, "store: register %s://: the scheme is registered",
                       be->scheme);
    for (size_t i = 0; rc == LS_OK && i < be->nprops; i++)
        if (ls_conf_prop_find(be->props[i].name))
            rc = ls_seterr(LS_ERR_EXISTS, "store: register %s://: property \"%s\" exists",
                           be->scheme, be->props[i].name);
    if (rc == LS_OK && n == LS_STORE_BACKENDS_MAX)
        rc = ls_seterr(LS_ERR_LIMIT, "store: register %s://: %u backends are registered",
                       be->scheme, LS_STORE_BACKENDS_MAX);
    if (rc == LS_OK) {
        backends[n] = be;
        atomic_store_explicit(&nbackends, n + 1, memory_order_release);
    }
    pthread_mutex_unlock(&reg_lock);
    return rc;
}

/* "store: open URI: unknown URI scheme (expected file://, mem:// or s3://)",
 * naming every registered scheme. */
static int unknown_scheme(const char *uri)
{
    char list[LS_STORE_BACKENDS_MAX * (LS_STORE_SCHEME_BYTES_MAX + 8)] = "";
    size_t nb = backends_n(), k = 0;
    for (size_t i = 0; i < nb; i++)
        k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%s://",
                              i == 0 ? "" : i + 1 == nb ? " or " : ", ", backends[i]->scheme);
    return ls_seterr(LS_ERR_INVALID, "store: open \"%.200s\": unknown URI scheme (expected %s)",
                     uri, list);
}

/* ---- URI parsing and dispatch ------------------------------------------ */

static int has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* 1 if name can be a bucket (3-63 of [a-z0-9.-], starting and ending with
 * a letter or digit; old buckets may have capitals and '_', allowed here). */
static int bucket_ok(const char *b, size_t n)
{
    if (n < 3 || n > LS_S3_BUCKET_BYTES_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_'))
            return 0;
    }
    return b[0] != '.' && b[0] != '-' && b[n - 1] != '.' && b[n - 1] != '-';
}

/* "s3://bucket[/prefix]": trailing '/'s of the prefix are dropped, and a
 * prefix that is left is kept as a valid key plus one '/'.  Parsed in
 * every build (with LS_WITH_S3=OFF the open is what fails). */
static int s3_uri_parse(const char *uri, ls_store_uri *out)
{
    const char *p = uri + strlen("s3://");
    size_t blen = strcspn(p, "/");
    char qu[LS_QUOTE_BYTES];     /* the URI as the user gave it, for messages */
    ls_quote(qu, 240, uri, strlen(uri));
    if (!bucket_ok(p, blen))
        return ls_seterr(LS_ERR_INVALID, "s3: \"%s\": expected s3://bucket[/prefix] with a "
                         "bucket name of 3-63 characters [a-z0-9.-]", qu);
    const char *pre = p[blen] == '/' ? p + blen + 1 : "";
    size_t plen = strlen(pre);
    while (plen > 0 && pre[plen - 1] == '/')
        plen--;
    if (plen > LS_S3_PREFIX_BYTES_MAX)
        return ls_seterr(LS_ERR_LIMIT, "s3: \"%s\": prefix longer than %u bytes", qu,
                         LS_S3_PREFIX_BYTES_MAX);
    memcpy(out->prefix, pre, plen);
    out->prefix[plen] = '\0';
    if (plen && !ls_key_is_valid(out->prefix))
        return ls_seterr(LS_ERR_INVALID, "s3: \"%s\": invalid prefix", qu);
    if (plen)
        out->prefix[plen++] = '/', out->prefix[plen] = '\0';
    memcpy(out->bucket, p, blen);
    out->bucket[blen] = '\0';
    out->kind = LS_STORE_URI_S3;
    return LS_OK;
}

int ls_store_uri_parse(const char *uri, ls_store_uri *out)
{
    if (!out)
        return ls_seterr(LS_ERR_INVALID, "store: open: NULL output");
    memset(out, 0, sizeof(*out));
    if (!uri || !*uri)
        return ls_seterr(LS_ERR_INVALID, "store: open: empty URI");
    if (has_prefix(uri, "file://")) {
        const char *path = uri + strlen("file://");
        /* Only the local form file:///abs/path; a host part is not ours. */
        if (path[0] != '/')
            return ls_seterr(LS_ERR_INVALID,
                             "store: open \"%.200s\": expected file:///absolute/path",
                             uri);
        out->kind = LS_STORE_URI_POSIX;
        out->path = path;
        return LS_OK;
    }
    if (has_prefix(uri, "mem://")) {
        if (uri[strlen("mem://")])
            return ls_seterr(LS_ERR_INVALID, "store: open \"%.200s\": expected mem:// "
                             "(nothing after it: each one is a new store)", uri);
        out->kind = LS_STORE_URI_MEM;
        return LS_OK;
    }
    if (has_prefix(uri, "s3://"))
        return s3_uri_parse(uri, out);
    const char *sep = strstr(uri, "://");
    if (sep) {
        if (!find_backend(uri, (size_t)(sep - uri)))
            return unknown_scheme(uri);
        out->kind = LS_STORE_URI_OTHER;
        out->path = uri;
        return LS_OK;
    }
    out->kind = LS_STORE_URI_POSIX;
    out->path = uri;
    return LS_OK;
}

static int open_backend(const char *uri, const ls_conf *conf, ls_store **out);

/* With store.fault.* set, the backend is wrapped in the fault store: how
 * the crash trials (and users testing their pipelines) inject store errors
 * and lost replies into whole processes. */
int ls_store_open(const char *uri, const ls_conf *conf, ls_store **out)
{
    int rc = open_backend(uri, conf, out);
    if (rc)
        return rc;
    int64_t err = ls_conf_int(conf, "store.fault.error.permille");
    int64_t lost = ls_conf_int(conf, "store.fault.lost.reply.permille");
    if (!err && !lost)
        return LS_OK;
    ls_fault_opts fo = { .seed = (uint64_t)ls_conf_int(conf, "store.fault.seed"),
                         .error_rate = (double)err / 1000.0,
                         .lost_reply_rate = (double)lost / 1000.0 };
    ls_store *f;
    if ((rc = ls_store_fault_new(*out, &fo, &f))) {
        ls_store_close(*out);
        *out = NULL;
        return rc;
    }
    *out = f;
    return LS_OK;
}

/* A URI without "://" is a path for the file backend; otherwise its scheme
 * picks the backend, which parses the rest. */
static int open_backend(const char *uri, const ls_conf *conf, ls_store **out)
{
    if (!out)
        return ls_seterr(LS_ERR_INVALID, "store: open: NULL output");
    *out = NULL;
    if (!uri || !*uri)
        return ls_seterr(LS_ERR_INVALID, "store: open: empty URI");
    const char *sep = strstr(uri, "://");
    const ls_store_backend *be = sep ? find_backend(uri, (size_t)(sep - uri))
                                     : &ls_store_backend_file;
    if (!be)
        return unknown_scheme(uri);
    /* A backend from outside the core may fail with a code alone (it has
     * no ls_seterr): the detail is then made here. */
    ls_seterr(LS_OK, "%s", "");
    int rc = be->open(be, uri, conf, out);
    if (rc) {
        *out = NULL;       /* a backend that failed hands nothing back */
        if (!ls_errmsg()[0])
            ls_seterr(rc, "store: open \"%.200s\": the %s:// backend failed: %s", uri,
                      be->scheme, ls_err2str(rc));
        return rc;
    }
    if (!*out)
        return ls_seterr(LS_ERR_STATE, "store: open \"%.200s\": the %s:// backend returned "
                         "no store", uri, be->scheme);
    return LS_OK;
}

int ls_store_list_all(ls_store *st, const char *prefix, ls_keylist *all, uint64_t *requests)
{
    char after[LS_KEY_BYTES_MAX + 1] = "";
    memset(all, 0, sizeof(*all));
    for (;;) {
        ls_keylist kl = { 0 };
        (*requests)++;
        int rc = ls_store_list(st, prefix, after[0] ? after : NULL, LS_LIST_KEYS_MAX, &kl);
        if (rc) {
            ls_keylist_free(all);
            return rc;
        }
        char **keys = realloc(all->keys, (all->n + kl.n + 1) * sizeof(char *));
        if (!keys) {
            ls_keylist_free(&kl);
            ls_keylist_free(all);
            return ls_seterr(LS_ERR_NOMEM, "listing %s", prefix);
        }
        all->keys = keys;
        if (kl.n)
            memcpy(all->keys + all->n, kl.keys, kl.n * sizeof(char *));
        all->n += kl.n;
        size_t n = kl.n;
        if (n)
            snprintf(after, sizeof(after), "%s", kl.keys[n - 1]);
        free(kl.keys);
        if (n < LS_LIST_KEYS_MAX)
            return LS_OK;
    }
}
