/*
 * store.c -- the front of the object store: URI parsing without side effects
 * (ls_store_uri_parse) and dispatch (ls_store_open), and the key-validating
 * wrappers every caller goes through, so that no backend ever sees a key
 * that could escape its namespace.
 */
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
 * prefix that is left is kept as a valid key plus one '/'. */
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
    if (strcmp(uri, "mem://") == 0) {
        out->kind = LS_STORE_URI_MEM;
        return LS_OK;
    }
    if (has_prefix(uri, "s3://"))
        return s3_uri_parse(uri, out);
    if (strstr(uri, "://"))
        return ls_seterr(LS_ERR_INVALID,
                         "store: open \"%.200s\": unknown URI scheme "
                         "(expected file://, mem:// or s3://)", uri);
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

static int open_backend(const char *uri, const ls_conf *conf, ls_store **out)
{
    if (!out)
        return ls_seterr(LS_ERR_INVALID, "store: open: NULL output");
    *out = NULL;
    ls_store_uri u;
    int rc = ls_store_uri_parse(uri, &u);
    if (rc)
        return rc;
    switch (u.kind) {
    case LS_STORE_URI_MEM:
        return ls_store_mem_new(out);
    case LS_STORE_URI_S3:
        return ls_store_s3_new(uri, conf, out);
    default:
        return ls_store_posix_new(u.path, ls_conf_bool(conf, "store.fsync"), out);
    }
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
