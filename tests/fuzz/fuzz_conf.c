/*
 * fuzz_conf.c -- configuration (core/conf.c: ls_conf_set and ls_conf_get
 * over every property of ls_conf_describe, the typed getters) and store
 * URI parsing (ls_store_uri_parse, which has no side effects: nothing is
 * created or connected; only mem:// is then opened, with the conf).
 *
 * The input is lines:
 *   name=value   ls_conf_set(name, value); "%N=value" names property N
 *                (mod the count);
 *   *=value      value set on every property (of a second conf);
 *   @uri         ls_store_uri_parse(uri), and ls_store_open for mem://;
 *   !dup         ls_conf_dup, which must compare equal;
 *   name         ls_conf_get(name).
 * Invariants: a set that succeeds is what get returns, one that fails
 * changes nothing, and every value held passes its type's getter (int in
 * range, bool, enum choice, string length).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "ls_int.h"

static size_t nprops(void)
{
    size_t n = 0;
    while (ls_conf_describe(n))
        n++;
    return n;
}

/* conf holds either the default or the last value set successfully. */
typedef struct model {
    ls_conf *conf;
    char   **held;   /* NULL: default */
} model;

static void model_set(model *m, size_t n, const char *name, const char *value)
{
    size_t i = 0;
    while (i < n && strcmp(ls_conf_describe(i)->name, name))
        i++;
    const char *before = ls_conf_get(m->conf, name);
    FUZZ_CHECK((i < n) == (before != NULL));
    int rc = ls_conf_set(m->conf, name, value);
    const char *after = ls_conf_get(m->conf, name);
    if (i == n) {
        FUZZ_CHECK(rc == LS_ERR_INVALID && !after);
        return;
    }
    if (rc == LS_OK) {
        FUZZ_CHECK(after && !strcmp(after, value));
        free(m->held[i]);
        FUZZ_CHECK((m->held[i] = strdup(value)));
    } else {
        FUZZ_CHECK(rc == LS_ERR_INVALID || rc == LS_ERR_LIMIT);
        FUZZ_CHECK(ls_errmsg()[0]);
        const char *want = m->held[i] ? m->held[i] : ls_conf_describe(i)->default_value;
        FUZZ_CHECK(after && !strcmp(after, want));
    }
}

/* Every value held passes its getter and its declared range. */
static void sweep(const ls_conf *conf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const ls_conf_prop *p = ls_conf_describe(i);
        const char *v = ls_conf_get(conf, p->name);
        FUZZ_CHECK(v);
        if (!strcmp(p->type, "int")) {
            int64_t x = ls_conf_int(conf, p->name);   /* asserts it parses */
            FUZZ_CHECK(x >= p->min && x <= p->max);
            char *end;
            FUZZ_CHECK(strtoll(v, &end, 10) == x && end != v && !*end);
        } else if (!strcmp(p->type, "bool")) {
            int b = ls_conf_bool(conf, p->name);
            FUZZ_CHECK(b == 0 || b == 1);
        } else if (!strcmp(p->type, "enum")) {
            size_t len = strlen(v);
            const char *c = p->choices;
            int found = 0;
            while (c && *c && !found) {
                size_t k = strcspn(c, "|");
                found = k == len && !strncmp(c, v, k);
                c += k + (c[k] == '|');
            }
            FUZZ_CHECK(found);
        } else {
            FUZZ_CHECK(!strcmp(p->type, "string") && strlen(v) <= LS_CONF_STRING_BYTES_MAX);
        }
    }
}

static void uri(const char *s, const ls_conf *conf)
{
    ls_store_uri u;
    int rc = ls_store_uri_parse(s, &u);
    if (rc) {
        FUZZ_CHECK((rc == LS_ERR_INVALID || rc == LS_ERR_LIMIT) && ls_errmsg()[0]);
        return;
    }
    size_t len = strlen(s);
    switch (u.kind) {
    case LS_STORE_URI_POSIX:
        FUZZ_CHECK(u.path >= s && u.path < s + len && *u.path);
        FUZZ_CHECK(!strstr(s, "://") || (!strncmp(s, "file://", 7) && u.path == s + 7 &&
                                         u.path[0] == '/'));
        break;
    case LS_STORE_URI_MEM: {
        FUZZ_CHECK(!strcmp(s, "mem://"));
        /* In-process, no side effect: open it with the conf (the fault
         * wrapper when store.fault.* is set) and use it once. */
        ls_store *st = NULL;
        FUZZ_CHECK(ls_store_open(s, conf, &st) == LS_OK && st);
        uint8_t *out = NULL;
        size_t out_len = 0;
        if (ls_store_put(st, "k", "v", 1) == LS_OK &&
            ls_store_get(st, "k", 0, LS_GET_TO_END, &out, &out_len) == LS_OK)
            FUZZ_CHECK(out_len == 1 && out[0] == 'v');
        free(out);
        ls_store_close(st);
        break;
    }
    case LS_STORE_URI_S3: {
        size_t blen = strlen(u.bucket), plen = strlen(u.prefix);
        FUZZ_CHECK(!strncmp(s, "s3://", 5) && blen >= 3 && blen <= LS_S3_BUCKET_BYTES_MAX &&
                   !strncmp(s + 5, u.bucket, blen));
        FUZZ_CHECK(plen <= LS_S3_PREFIX_BYTES_MAX + 1);
        if (plen) {
            char key[LS_S3_PREFIX_BYTES_MAX + 2];
            FUZZ_CHECK(u.prefix[plen - 1] == '/');
            memcpy(key, u.prefix, plen - 1);
            key[plen - 1] = '\0';
            FUZZ_CHECK(ls_key_is_valid(key) && strstr(s + 5 + blen, key));
        }
        break;
    }
    default:
        FUZZ_CHECK(0);
    }
}

static void dup_check(const ls_conf *conf, size_t n)
{
    ls_conf *c = ls_conf_dup(conf);
    FUZZ_CHECK(c);
    for (size_t i = 0; i < n; i++) {
        const char *name = ls_conf_describe(i)->name;
        FUZZ_CHECK(!strcmp(ls_conf_get(c, name), ls_conf_get(conf, name)));
    }
    ls_conf_destroy(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = nprops();
    model one = { ls_conf_new(), calloc(n, sizeof(char *)) };
    model all = { ls_conf_new(), calloc(n, sizeof(char *)) };
    char *text = malloc(size + 1);
    FUZZ_CHECK(one.conf && one.held && all.conf && all.held && text);
    memcpy(text, data, size);
    text[size] = '\0';
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *eq = strchr(line, '=');
        if (line[0] == '@') {
            uri(line + 1, one.conf);
        } else if (!strcmp(line, "!dup")) {
            dup_check(one.conf, n);
        } else if (eq) {
            *eq = '\0';
            const char *name = line, *value = eq + 1;
            if (!strcmp(name, "*")) {
                for (size_t i = 0; i < n; i++)
                    model_set(&all, n, ls_conf_describe(i)->name, value);
                continue;
            }
            if (line[0] == '%' && n)
                name = ls_conf_describe(strtoul(line + 1, NULL, 10) % n)->name;
            model_set(&one, n, name, value);
        } else {
            const char *v = ls_conf_get(one.conf, line);
            size_t i = 0;
            while (i < n && strcmp(ls_conf_describe(i)->name, line))
                i++;
            FUZZ_CHECK((v != NULL) == (i < n));
        }
    }
    sweep(one.conf, n);
    sweep(all.conf, n);
    sweep(NULL, n);
    for (size_t i = 0; i < n; i++) {
        free(one.held[i]);
        free(all.held[i]);
    }
    free(one.held);
    free(all.held);
    ls_conf_destroy(one.conf);
    ls_conf_destroy(all.conf);
    free(text);
    return 0;
}
