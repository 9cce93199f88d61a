/*
 * conf.c -- rd_kafka_conf_t and rd_kafka_topic_conf_t, parsed as librdkafka
 * 2.0.2 parses them (src/rdkafka_conf.c): every property of the table in
 * conf_props.c is accepted with librdkafka's syntax, ranges, aliases,
 * canonical forms, result codes and error strings, whether the shim honours
 * it or not; lakestream.* properties are the shim's own or passed to the
 * core's ls_conf.  Laid out as: value store, parsing (set), reading (get,
 * dump), copies, the rd_kafka_conf_set_*() functions, interceptors, and
 * rd_kafka_conf_properties_show.
 *
 * Values are kept as strings in their canonical form (what rd_kafka_conf_get
 * returns: "true", "%i", "%g", the first name of an enum value), under the
 * property's real name (an alias is stored under what it aliases), so
 * shim_conf_lookup() gives the rest of the shim one spelling per property.
 * A property is "set" (librdkafka: modified) when it is in the store.
 */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_ic.h"
#include "shim_int.h"

#define LS_PREFIX     "lakestream."
#define LS_PREFIX_LEN 11
#define VALUE_BUF     512   /* a default or canonical value built in place */

/* ---- value store: names[i] = values[i], both owned -------------------- */

typedef struct kvs {
    char  **names, **values;
    size_t *n;
} kvs;

static kvs conf_kvs(rd_kafka_conf_t *c) { return (kvs){c->names, c->values, &c->n}; }
static kvs tconf_kvs(rd_kafka_topic_conf_t *t) { return (kvs){t->names, t->values, &t->n}; }

static int kv_put(kvs kv, const char *name, const char *value)
{
    for (size_t i = 0; i < *kv.n; i++)
        if (!strcmp(kv.names[i], name)) {
            char *v = strdup(value);
            if (!v)
                return -1;
            free(kv.values[i]);
            kv.values[i] = v;
            return 0;
        }
    if (*kv.n >= SHIM_CONF_PROPS_MAX)
        return -1;
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return -1;
    }
    kv.names[*kv.n] = n;
    kv.values[*kv.n] = v;
    (*kv.n)++;
    return 0;
}

static const char *kv_get(char *const *names, char *const *values, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return values[i];
    return NULL;
}

static void kv_free(kvs kv)
{
    for (size_t i = 0; i < *kv.n; i++) {
        free(kv.names[i]);
        free(kv.values[i]);
    }
    *kv.n = 0;
}

/* ---- the table ------------------------------------------------------------ */

#define IS_LS(p) ((p)->scope & SHIM_PS_LAKESTREAM)

/* A string property without a default set to "" (librdkafka: to NULL, and
 * modified) is stored as UNSET_MARK: it has no value (get says UNKNOWN,
 * dumps skip it) but is copied, and a copy passes NULL to interceptors. */
#define UNSET_MARK     "\001\002(unset)"
#define STRLIKE(p)     ((p)->type == SHIM_PT_STR || (p)->type == SHIM_PT_KSTR || \
                        (p)->type == SHIM_PT_PATLIST)
#define NO_VALUE(p, v) (STRLIKE(p) && (v) && !strcmp((v), UNSET_MARK))

/* rd_kafka_conf_prop_find: the property of `name` in `scope`, aliases
 * followed; NULL if none.  The shim's lakestream.* rows are not included. */
static const shim_prop *prop_find(int scope, const char *name)
{
restart:
    for (const shim_prop *p = shim_props; p->name; p++) {
        if (!(p->scope & scope) || IS_LS(p) || strcmp(p->name, name))
            continue;
        if (p->type == SHIM_PT_ALIAS) {
            name = p->sdef;
            goto restart;
        }
        return p;
    }
    return NULL;
}

static const shim_prop *ls_prop_find(const char *name)
{
    for (const shim_prop *p = shim_props; p->name; p++)
        if (IS_LS(p) && !strcmp(p->name, name))
            return p;
    return NULL;
}

static rd_kafka_conf_res_t conf_err(char *errstr, size_t errstr_size, rd_kafka_conf_res_t res,
                                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static rd_kafka_conf_res_t conf_err(char *errstr, size_t errstr_size, rd_kafka_conf_res_t res,
                                    const char *fmt, ...)
{
    if (errstr && errstr_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errstr, errstr_size, fmt, ap);
        va_end(ap);
    }
    return res;
}

/* rd_kafka_conf_flags2str: the names of the flags in ival ("," or ", "
 * between them; S2I: the names of value ival), into buf. */
static const char *flags2str(const shim_prop *p, int ival, int all, const char *delim,
                             char *buf, size_t size)
{
    size_t of = 0;
    buf[0] = '\0';
    for (const shim_s2i *e = p->s2i; e && e->str; e++) {
        if (!all && p->type == SHIM_PT_S2F && (ival & e->val) != e->val)
            continue;
        if (!all && p->type == SHIM_PT_S2I && e->val != ival)
            continue;
        int r = snprintf(buf + of, size - of, "%s%s", of ? delim : "", e->str);
        if (r < 0 || (size_t)r >= size - of)
            break;
        of += (size_t)r;
    }
    return buf;
}

/* The value of an S2I/S2F property's canonical string (as stored). */
static int s2x_value(const shim_prop *p, const char *canon)
{
    if (p->type == SHIM_PT_S2I) {
        for (const shim_s2i *e = p->s2i; e && e->str; e++)
            if (!strcmp(e->str, canon))
                return e->val;
        return p->vdef;
    }
    int v = 0;
    for (const char *s = canon; *s;) {
        const char *t = strchr(s, ',');
        size_t len = t ? (size_t)(t - s) : strlen(s);
        for (const shim_s2i *e = p->s2i; e && e->str; e++)
            if (strlen(e->str) == len && !strncmp(e->str, s, len))
                v |= e->val;
        s += len + (t ? 1 : 0);
    }
    return v;
}

/* The default of p as rd_kafka_conf_get shows it; NULL: none (get says
 * UNKNOWN and dumps leave it out). */
static const char *prop_default(const shim_prop *p, char *buf, size_t size)
{
    switch (p->type) {
    case SHIM_PT_STR:
    case SHIM_PT_KSTR:
    case SHIM_PT_PATLIST:
        return p->sdef;
    case SHIM_PT_BOOL:
        return p->vdef ? "true" : "false";
    case SHIM_PT_INT:
        snprintf(buf, size, "%i", p->vdef);
        return buf;
    case SHIM_PT_DBL:
        snprintf(buf, size, "%g", p->ddef);
        return buf;
    case SHIM_PT_S2I:
        for (const shim_s2i *e = p->s2i; e && e->str; e++)
            if (e->val == p->vdef)
                return e->str;
        return NULL;
    case SHIM_PT_S2F:
        return flags2str(p, p->vdef, 0, ",", buf, size);
    default:
        return NULL;
    }
}

/* ---- parsing ------------------------------------------------------------------ */

typedef enum { SET_REPLACE, SET_ADD, SET_DEL } set_mode;

/* Where a property is written: a conf (global scope, interceptors) or a
 * topic conf. */
typedef struct target {
    int scope;                       /* SHIM_PS_GLOBAL or SHIM_PS_TOPIC */
    rd_kafka_conf_t *conf;           /* global scope */
    rd_kafka_topic_conf_t *tconf;    /* topic scope */
} target;

static kvs target_kvs(const target *t)
{
    return t->scope == SHIM_PS_GLOBAL ? conf_kvs(t->conf) : tconf_kvs(t->tconf);
}

static const char *target_get(const target *t, const char *name)
{
    return t->scope == SHIM_PS_GLOBAL
               ? kv_get(t->conf->names, t->conf->values, t->conf->n, name)
               : kv_get(t->tconf->names, t->tconf->values, t->tconf->n, name);
}

/* A comma-separated regex list, as rd_kafka_pattern_list_parse reads it
 * (",," is an escaped comma); 0 if every pattern compiles. */
static int patterns_check(const char *list, char *errstr, size_t errstr_size)
{
    char *s = strdup(list);
    char *dup = s;
    if (!s)
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID, "Out of memory"), -1;
    while (s && *s) {
        char *t = s;
        while ((t = strchr(t, ','))) {
            if (t > s && t[-1] == ',') {
                memmove(t - 1, t, strlen(t) + 1);
                t++;
            } else {
                *t++ = '\0';
                break;
            }
        }
        regex_t re;
        int r = regcomp(&re, s, REG_EXTENDED | REG_NOSUB);
        if (r) {
            char msg[256];
            regerror(r, &re, msg, sizeof msg);
            conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                     "Failed to parse pattern \"%s\": %s", s, msg);
            free(dup);
            return -1;
        }
        regfree(&re);
        s = t;
    }
    free(dup);
    return 0;
}

static rd_kafka_conf_res_t oom(char *errstr, size_t errstr_size)
{
    return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                    "Out of memory or more than %u properties", SHIM_CONF_PROPS_MAX);
}

/* rd_kafka_anyconf_set_prop0: interceptors (global scope), then the write.
 * istr is the value as given (interceptors see it), canon what is stored
 * (NULL: back to the default); ival the S2F flags to apply with mode. */
static rd_kafka_conf_res_t set_prop0(const target *t, const shim_prop *p, const char *istr,
                                     const char *canon, int ival, set_mode mode, char *errstr,
                                     size_t errstr_size)
{
    if (t->scope == SHIM_PS_GLOBAL && p->type != SHIM_PT_PTR && p->type != SHIM_PT_INTERNAL) {
        rd_kafka_conf_res_t res = shim_conf_ic_on_set(t->conf, p->name, istr, errstr, errstr_size);
        if (res != RD_KAFKA_CONF_UNKNOWN)
            return res;
    }
    kvs kv = target_kvs(t);
    char buf[VALUE_BUF];
    switch (p->type) {
    case SHIM_PT_STR:
    case SHIM_PT_KSTR:
    case SHIM_PT_PATLIST:
        if (!canon)
            canon = p->sdef;
        if (canon && p->type == SHIM_PT_PATLIST && patterns_check(canon, errstr, errstr_size))
            return RD_KAFKA_CONF_INVALID;
        if (!canon)
            canon = UNSET_MARK;
        break;
    case SHIM_PT_S2F: {
        const char *cur = target_get(t, p->name);
        int v = cur ? s2x_value(p, cur) : p->vdef;
        v = mode == SET_REPLACE ? ival : mode == SET_ADD ? (v | ival) : (v & ~ival);
        canon = flags2str(p, v, 0, ",", buf, sizeof buf);
        break;
    }
    case SHIM_PT_PTR:       /* only hidden ones come here: librdkafka's test hooks */
    case SHIM_PT_INTERNAL:
        return RD_KAFKA_CONF_OK;
    default:
        break;
    }
    if (kv_put(kv, p->name, canon))
        return oom(errstr, errstr_size);
    if (t->scope == SHIM_PS_GLOBAL && !strcmp(p->name, "enabled_events"))
        t->conf->enabled_events = (int)strtol(canon, NULL, 10);
    return RD_KAFKA_CONF_OK;
}

/* A store URI, not a broker list: "host:port[,host:port]" cannot work.
 * Any scheme registered with the core's scheme table (file, mem, s3, and
 * those a program adds with ls_store_register) is a store. */
static int uri_ok(const char *v)
{
    if (strstr(v, "://"))
        return ls_store_scheme_known(v);
    return strchr(v, ',') == NULL && strchr(v, ':') == NULL;
}

/* The shim's own checks of values it uses, beyond librdkafka's syntax. */
static rd_kafka_conf_res_t shim_check(const shim_prop *p, const char *value, char *errstr,
                                      size_t errstr_size)
{
    if (!value || !p->honoured)
        return RD_KAFKA_CONF_OK;
    /* Under `lakestream kafka-run --store URI` (LAKESTREAM_STORE) the
     * program's broker list is replaced by the store: any value goes. */
    const char *store = getenv("LAKESTREAM_STORE");
    if (!strcmp(p->name, "metadata.broker.list") && !(store && *store) && !uri_ok(value))
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                        "bootstrap.servers (metadata.broker.list) \"%s\" is not a Lakestream "
                        "store URI (file:///path, a plain path or s3://bucket[/prefix]); a "
                        "Kafka broker list cannot work", value);
    if (strlen(value) > SHIM_CONF_VALUE_BYTES_MAX)
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                        "%s: value longer than %u bytes", p->name, SHIM_CONF_VALUE_BYTES_MAX);
    return RD_KAFKA_CONF_OK;
}

static int s2i_find(const shim_prop *p, const char *value)
{
    for (int j = 0; p->s2i && p->s2i[j].str; j++)
        if (!strcasecmp(p->s2i[j].str, value))
            return j;
    return -1;
}

/* rd_kafka_anyconf_set_prop: value (NULL: empty) parsed by p's type.
 * allow_specific: the rd_kafka_conf_set_*() functions, which may set
 * pointer properties. */
static rd_kafka_conf_res_t set_prop(const target *t, const shim_prop *p, const char *value,
                                    int allow_specific, char *errstr, size_t errstr_size)
{
    char canon[VALUE_BUF];
    rd_kafka_conf_res_t res;
    switch (p->type) {
    case SHIM_PT_STR:
        if (value)  /* left-trimmed, as librdkafka does for strings */
            while (isspace((unsigned char)*value))
                value++;
        /* fallthrough */
    case SHIM_PT_KSTR:
    case SHIM_PT_PATLIST:
        if (p->validate && (!value || !p->validate(value)))
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Invalid value for configuration property \"%s\": %s", p->name,
                            value ? value : "(null)");
        if ((res = shim_check(p, value, errstr, errstr_size)) != RD_KAFKA_CONF_OK)
            return res;
        return set_prop0(t, p, value, value, 0, SET_REPLACE, errstr, errstr_size);

    case SHIM_PT_PTR:
        if (!allow_specific && !(p->scope & SHIM_PS_HIDDEN))
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Property \"%s\" must be set through dedicated .._set_..() "
                            "function", p->name);
        return set_prop0(t, p, value, value, 0, SET_REPLACE, errstr, errstr_size);

    case SHIM_PT_BOOL: {
        if (!value)
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Bool configuration property \"%s\" cannot be set to empty value",
                            p->name);
        int b;
        if (!strcasecmp(value, "true") || !strcasecmp(value, "t") || !strcmp(value, "1"))
            b = 1;
        else if (!strcasecmp(value, "false") || !strcasecmp(value, "f") || !strcmp(value, "0"))
            b = 0;
        else
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Expected bool value for \"%s\": true or false", p->name);
        /* librdkafka returns OK whatever an interceptor said here. */
        set_prop0(t, p, value, b ? "true" : "false", 0, SET_REPLACE, errstr, errstr_size);
        return RD_KAFKA_CONF_OK;
    }

    case SHIM_PT_INT: {
        if (!value)
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Integer configuration property \"%s\" cannot be set to empty "
                            "value", p->name);
        char *end;
        int ival = (int)strtol(value, &end, 0);   /* base 0 and (int), as librdkafka */
        if (end == value) {
            int j = s2i_find(p, value);
            if (j < 0)
                return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                                "Invalid value for configuration property \"%s\"", p->name);
            ival = p->s2i[j].val;
        }
        if (ival < p->vmin || ival > p->vmax)
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Configuration property \"%s\" value %i is outside allowed range "
                            "%i..%i\n", p->name, ival, p->vmin, p->vmax);
        snprintf(canon, sizeof canon, "%i", ival);
        set_prop0(t, p, value, canon, 0, SET_REPLACE, errstr, errstr_size);
        return RD_KAFKA_CONF_OK;
    }

    case SHIM_PT_DBL: {
        if (!value)
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Float configuration property \"%s\" cannot be set to empty value",
                            p->name);
        char *end;
        double d = strtod(value, &end);
        if (end == value)
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Invalid value for configuration property \"%s\"", p->name);
        if (d < p->dmin || d > p->dmax)
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Configuration property \"%s\" value %g is outside allowed range "
                            "%g..%g\n", p->name, d, p->dmin, p->dmax);
        snprintf(canon, sizeof canon, "%g", d);
        set_prop0(t, p, value, canon, 0, SET_REPLACE, errstr, errstr_size);
        return RD_KAFKA_CONF_OK;
    }

    case SHIM_PT_S2I:
    case SHIM_PT_S2F: {
        if (!value)
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Configuration property \"%s\" cannot be set to empty value",
                            p->name);
        /* librdkafka's tokenizer, quirks included: a token is left-trimmed
         * only (a space before a comma is part of the token), empty tokens
         * are skipped, flags are OR:ed in unless prefixed with '-'. */
        const char *next = value;
        while (next && *next) {
            const char *s = next, *tok_end;
            set_mode mode = SET_ADD;
            if (p->type == SHIM_PT_S2F && (tok_end = strchr(s, ','))) {
                next = tok_end + 1;
            } else {
                tok_end = s + strlen(s);
                next = NULL;
            }
            while (s < tok_end && isspace((unsigned char)*s))
                s++;
            while (tok_end > s && isspace((unsigned char)*tok_end))
                tok_end--;
            if (p->type == SHIM_PT_S2F) {
                if (*s == '+') {
                    s++;
                } else if (*s == '-') {
                    mode = SET_DEL;
                    s++;
                }
            }
            if (s == tok_end)
                continue;
            size_t len = (size_t)(tok_end - s);
            const shim_s2i *e = p->s2i;
            while (e && e->str && !(strlen(e->str) == len && !strncasecmp(e->str, s, len)))
                e++;
            if (!e || !e->str)
                return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                                "Invalid value \"%.*s\" for configuration property \"%s\"",
                                (int)len, s, p->name);
            if (p->type == SHIM_PT_S2I) {
                /* stored as the first name of its value ("earliest": "smallest") */
                const shim_s2i *first = p->s2i;
                while (first->val != e->val)
                    first++;
                set_prop0(t, p, value, first->str, 0, SET_REPLACE, errstr, errstr_size);
                return RD_KAFKA_CONF_OK;
            }
            set_prop0(t, p, value, NULL, e->val, mode, errstr, errstr_size);
        }
        return RD_KAFKA_CONF_OK;
    }

    case SHIM_PT_INTERNAL:
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                        "Internal property \"%s\" not settable", p->name);

    case SHIM_PT_INVALID:
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID, "%s", p->desc);

    case SHIM_PT_ALIAS:
        break;
    }
    return RD_KAFKA_CONF_INVALID;   /* not reached: aliases are followed before */
}

static int parse_int(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

/* lakestream.*: the shim's own properties, checked by their row, else a
 * property of the core (lakestream.<name> is the core's <name>). */
static rd_kafka_conf_res_t ls_set(rd_kafka_conf_t *conf, const char *name, const char *value,
                                  char *errstr, size_t errstr_size)
{
    const shim_prop *p = ls_prop_find(name);
    if (p && p->type == SHIM_PT_INT) {
        int64_t v;
        if (parse_int(value, &v) || v < p->vmin || v > p->vmax)
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "Configuration property \"%s\" value \"%s\" is not an integer "
                            "in %lld..%lld", name, value, (long long)p->vmin,
                            (long long)p->vmax);
    } else if (p) {
        if (p->validate && !p->validate(value))
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                            "%s \"%s\" must be 1..128 of [A-Za-z0-9._-]", name, value);
    } else if (ls_conf_set(conf->lconf, name + LS_PREFIX_LEN, value) != LS_OK) {
        if (ls_conf_get(conf->lconf, name + LS_PREFIX_LEN) == NULL)
            return conf_err(errstr, errstr_size, RD_KAFKA_CONF_UNKNOWN,
                            "No such configuration property: \"%s\" (%s)", name, ls_errmsg());
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                        "Invalid value for configuration property \"%s\": %s", name,
                        ls_errmsg());
    }
    if (strlen(value) > SHIM_CONF_VALUE_BYTES_MAX)
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                        "%s: value longer than %u bytes", name, SHIM_CONF_VALUE_BYTES_MAX);
    if (kv_put(conf_kvs(conf), name, value))
        return oom(errstr, errstr_size);
    return RD_KAFKA_CONF_OK;
}

/* rd_kafka_anyconf_set: interceptors first (global scope), then the table. */
static rd_kafka_conf_res_t anyconf_set(const target *t, const char *name, const char *value,
                                       char *errstr, size_t errstr_size)
{
    char estmp[1];
    if (!errstr) {
        errstr = estmp;
        errstr_size = 0;
    }
    const char *raw = value ? value : "";
    if (value && !*value)
        value = NULL;
    if (t->scope == SHIM_PS_GLOBAL) {
        rd_kafka_conf_res_t res = shim_conf_ic_on_set(t->conf, name, value, errstr, errstr_size);
        if (res != RD_KAFKA_CONF_UNKNOWN)
            return res;
        if (!strncmp(name, LS_PREFIX, LS_PREFIX_LEN))
            return ls_set(t->conf, name, raw, errstr, errstr_size);
    }
    for (const shim_prop *p = shim_props; p->name; p++) {
        if (!(p->scope & t->scope) || IS_LS(p) || strcmp(p->name, name))
            continue;
        if (p->type == SHIM_PT_ALIAS)
            return anyconf_set(t, p->sdef, value, errstr, errstr_size);
        return set_prop(t, p, value, 0, errstr, errstr_size);
    }
    return conf_err(errstr, errstr_size, RD_KAFKA_CONF_UNKNOWN,
                    "No such configuration property: \"%s\"", name);
}

rd_kafka_conf_res_t rd_kafka_topic_conf_set(rd_kafka_topic_conf_t *tconf, const char *name,
                                            const char *value, char *errstr,
                                            size_t errstr_size)
{
    if (!tconf || !name)
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID, "NULL argument");
    if (!strncmp(name, "topic.", 6))
        name += 6;
    target t = {SHIM_PS_TOPIC, NULL, tconf};
    return anyconf_set(&t, name, value, errstr, errstr_size);
}

/* A name unknown globally is tried as a topic property of the default
 * topic conf, which is created for it (even if it is unknown there too). */
rd_kafka_conf_res_t rd_kafka_conf_set(rd_kafka_conf_t *conf, const char *name,
                                      const char *value, char *errstr, size_t errstr_size)
{
    if (!conf || !name)
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID, "NULL argument");
    target t = {SHIM_PS_GLOBAL, conf, NULL};
    rd_kafka_conf_res_t res = anyconf_set(&t, name, value, errstr, errstr_size);
    if (res != RD_KAFKA_CONF_UNKNOWN || !strncmp(name, LS_PREFIX, LS_PREFIX_LEN))
        return res;
    if (!conf->default_topic_conf && !(conf->default_topic_conf = rd_kafka_topic_conf_new()))
        return oom(errstr, errstr_size);
    return rd_kafka_topic_conf_set(conf->default_topic_conf, name, value, errstr, errstr_size);
}

/* ---- reading ------------------------------------------------------------------ */

/* A pointer property's value (NULL: unset).  Function pointers are shown
 * by address, as librdkafka's "%p". */
#define FN(f) ((void *)(uintptr_t)(f))
static void *ptr_value(int scope, const rd_kafka_conf_t *c, const rd_kafka_topic_conf_t *t,
                       const char *name)
{
    if (scope == SHIM_PS_TOPIC) {
        if (!strcmp(name, "partitioner_cb"))
            return FN(t->partitioner_cb);
        if (!strcmp(name, "msg_order_cmp"))
            return FN(t->msg_order_cmp);
        if (!strcmp(name, "opaque"))
            return t->opaque;
        return NULL;
    }
    static const struct { const char *name; size_t off; int fn; } map[] = {
#define M(n, f, isfn) {n, offsetof(rd_kafka_conf_t, f), isfn}
        M("error_cb", error_cb, 1), M("throttle_cb", throttle_cb, 1),
        M("stats_cb", stats_cb, 1), M("log_cb", log_cb, 1),
        M("background_event_cb", background_event_cb, 1), M("socket_cb", socket_cb, 1),
        M("connect_cb", connect_cb, 1), M("closesocket_cb", closesocket_cb, 1),
        M("open_cb", open_cb, 1), M("resolve_cb", resolve_cb, 1), M("opaque", opaque, 0),
        M("default_topic_conf", default_topic_conf, 0),
        M("ssl_engine_callback_data", engine_callback_data, 0),
        M("ssl.certificate.verify_cb", ssl_cert_verify_cb, 1),
        M("oauthbearer_token_refresh_cb", oauthbearer_token_refresh_cb, 1),
        M("consume_cb", consume_cb, 1), M("rebalance_cb", rebalance_cb, 1),
        M("offset_commit_cb", offset_commit_cb, 1), M("dr_cb", dr_cb, 1),
        M("dr_msg_cb", dr_msg_cb, 1),
#undef M
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].name, name)) {
            const char *at = (const char *)c + map[i].off;
            if (map[i].fn) {   /* every callback field has a function pointer's size */
                void (*f)(void);
                memcpy(&f, at, sizeof f);
                return FN(f);
            }
            void *v;
            memcpy(&v, at, sizeof v);
            return v;
        }
    return NULL;
}

/* rd_kafka_anyconf_get0: p's value as librdkafka shows it, into buf if it
 * is built; NULL if it has none. */
static const char *prop_value(int scope, const rd_kafka_conf_t *c,
                              const rd_kafka_topic_conf_t *t, const shim_prop *p, char *buf,
                              size_t size)
{
    if (p->type == SHIM_PT_PTR) {
        void *v = ptr_value(scope, c, t, p->name);
        if (!v)
            return NULL;
        snprintf(buf, size, "%p", v);
        return buf;
    }
    if (p->type == SHIM_PT_ALIAS || p->type == SHIM_PT_INTERNAL || p->type == SHIM_PT_INVALID)
        return NULL;
    const char *v = scope == SHIM_PS_TOPIC ? kv_get(t->names, t->values, t->n, p->name)
                                           : kv_get(c->names, c->values, c->n, p->name);
    if (NO_VALUE(p, v))
        return NULL;
    return v ? v : prop_default(p, buf, size);
}

/* librdkafka's *_conf_get contract: v copied to dest (truncated,
 * NUL-terminated) if dest is given; *dest_size set to the size v needs. */
static rd_kafka_conf_res_t copy_out(const char *v, char *dest, size_t *dest_size)
{
    size_t need = strlen(v) + 1;
    if (dest && *dest_size > 0) {
        size_t k = need < *dest_size ? need : *dest_size;
        memcpy(dest, v, k - 1);
        dest[k - 1] = '\0';
    }
    *dest_size = need;
    return RD_KAFKA_CONF_OK;
}

static rd_kafka_conf_res_t anyconf_get(int scope, const rd_kafka_conf_t *c,
                                       const rd_kafka_topic_conf_t *t, const char *name,
                                       char *dest, size_t *dest_size)
{
    char buf[VALUE_BUF];
    for (const shim_prop *p = shim_props; p->name; p++) {
        if (!(p->scope & scope) || IS_LS(p) || strcmp(p->name, name))
            continue;
        if (p->type == SHIM_PT_ALIAS)
            return anyconf_get(scope, c, t, p->sdef, dest, dest_size);
        const char *v = prop_value(scope, c, t, p, buf, sizeof buf);
        if (!v)
            continue;
        /* librdkafka's sizes for flags, quirks kept: a size query says one
         * more than needed, a copy the length copied (not needed) + 1. */
        if (p->type == SHIM_PT_S2F && !dest) {
            *dest_size = strlen(v) + 2;
            return RD_KAFKA_CONF_OK;
        }
        if (p->type == SHIM_PT_S2F && *dest_size > 0) {
            copy_out(v, dest, dest_size);
            *dest_size = strlen(dest) + 1;
            return RD_KAFKA_CONF_OK;
        }
        return copy_out(v, dest, dest_size);
    }
    return RD_KAFKA_CONF_UNKNOWN;
}

rd_kafka_conf_res_t rd_kafka_topic_conf_get(const rd_kafka_topic_conf_t *tconf,
                                            const char *name, char *dest, size_t *dest_size)
{
    return anyconf_get(SHIM_PS_TOPIC, NULL, tconf, name, dest, dest_size);
}

/* lakestream.*: as set, else the shim's default ("" if none), else the
 * core's current value; UNKNOWN if neither knows the name. */
static const char *ls_value(const rd_kafka_conf_t *conf, const char *name)
{
    const char *v = kv_get(conf->names, conf->values, conf->n, name);
    const shim_prop *p;
    if (!v && (p = ls_prop_find(name)))
        v = p->sdef ? p->sdef : "";
    if (!v)
        v = ls_conf_get(conf->lconf, name + LS_PREFIX_LEN);
    return v;
}

rd_kafka_conf_res_t rd_kafka_conf_get(const rd_kafka_conf_t *conf, const char *name,
                                      char *dest, size_t *dest_size)
{
    if (!strncmp(name, LS_PREFIX, LS_PREFIX_LEN)) {
        const char *v = ls_value(conf, name);
        return v ? copy_out(v, dest, dest_size) : RD_KAFKA_CONF_UNKNOWN;
    }
    rd_kafka_conf_res_t res = anyconf_get(SHIM_PS_GLOBAL, conf, NULL, name, dest, dest_size);
    if (res != RD_KAFKA_CONF_UNKNOWN || !conf->default_topic_conf)
        return res;
    return rd_kafka_topic_conf_get(conf->default_topic_conf, name, dest, dest_size);
}

/* The value the application set (canonical form), aliases followed; NULL
 * if it was not set, or set to "" for a string without a default.
 * lakestream.* as set. */
const char *shim_conf_lookup(const rd_kafka_conf_t *conf, const char *name)
{
    const shim_prop *p;
    if (strncmp(name, LS_PREFIX, LS_PREFIX_LEN) && (p = prop_find(SHIM_PS_GLOBAL, name)))
        name = p->name;
    const char *v = kv_get(conf->names, conf->values, conf->n, name);
    return v && strcmp(v, UNSET_MARK) ? v : NULL;
}

/* ---- dumps: "name", "value" pairs, *cntp strings in all ------------------ */

typedef struct dump {
    char  **arr;    /* n strings, each malloc()ed */
    size_t  n, cap;
    int     bad;    /* an allocation failed: the dump is dropped */
} dump;

static void dump_add(dump *d, const char *name, const char *value)
{
    if (d->bad)
        return;
    if (d->n + 2 > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        char **arr = realloc(d->arr, cap * sizeof(*arr));
        if (!arr) {
            d->bad = 1;
            return;
        }
        d->arr = arr;
        d->cap = cap;
    }
    d->arr[d->n] = strdup(name);
    d->arr[d->n + 1] = strdup(value);
    d->n += 2;   /* freed with the rest even if a strdup failed */
    d->bad = !d->arr[d->n - 2] || !d->arr[d->n - 1];
}

static const char **dump_finish(dump *d, size_t *cntp)
{
    if (!d->bad && !d->arr)   /* never NULL for an empty dump */
        d->bad = !(d->arr = malloc(sizeof(*d->arr)));
    if (d->bad) {
        rd_kafka_conf_dump_free((const char **)d->arr, d->n);
        *cntp = 0;
        return NULL;
    }
    *cntp = d->n;
    return (const char **)d->arr;
}

/* rd_kafka_anyconf_dump: every property of the scope that has a value
 * (set or default, hidden ones included), in the table's order. */
static void dump_scope(dump *d, int scope, const rd_kafka_conf_t *c,
                       const rd_kafka_topic_conf_t *t)
{
    char buf[VALUE_BUF];
    for (const shim_prop *p = shim_props; p->name; p++) {
        if (!(p->scope & scope) || IS_LS(p))
            continue;
        const char *v = prop_value(scope, c, t, p, buf, sizeof buf);
        if (v)
            dump_add(d, p->name, v);
    }
}

/* As librdkafka's, then the shim's lakestream.* properties that have a
 * value and every core property as lakestream.<name>. */
const char **rd_kafka_conf_dump(rd_kafka_conf_t *conf, size_t *cntp)
{
    dump d = { 0 };
    dump_scope(&d, SHIM_PS_GLOBAL, conf, NULL);
    for (const shim_prop *p = shim_props; p->name; p++) {
        const char *v = IS_LS(p) ? kv_get(conf->names, conf->values, conf->n, p->name) : NULL;
        if (IS_LS(p) && (v || p->sdef))
            dump_add(&d, p->name, v ? v : p->sdef);
    }
    const ls_conf_prop *lp;
    for (size_t i = 0; (lp = ls_conf_describe(i)); i++) {
        char name[256];
        snprintf(name, sizeof name, LS_PREFIX "%s", lp->name);
        if (!ls_prop_find(name))   /* a shim property of that name wins in _set */
            dump_add(&d, name, ls_conf_get(conf->lconf, lp->name));
    }
    return dump_finish(&d, cntp);
}

const char **rd_kafka_topic_conf_dump(rd_kafka_topic_conf_t *tconf, size_t *cntp)
{
    dump d = { 0 };
    dump_scope(&d, SHIM_PS_TOPIC, NULL, tconf);
    return dump_finish(&d, cntp);
}

void rd_kafka_conf_dump_free(const char **arr, size_t cnt)
{
    if (!arr)
        return;
    for (size_t i = 0; i < cnt; i++)
        free((char *)arr[i]);
    free((void *)arr);
}

/* ---- objects and copies ------------------------------------------------------ */

rd_kafka_conf_t *rd_kafka_conf_new(void)
{
    rd_kafka_conf_t *conf = calloc(1, sizeof *conf);
    if (!conf)
        return NULL;
    conf->lconf = ls_conf_new();
    if (!conf->lconf) {
        free(conf);
        return NULL;
    }
    return conf;
}

/* on_conf_destroy interceptors first, as librdkafka calls them. */
void rd_kafka_conf_destroy(rd_kafka_conf_t *conf)
{
    if (!conf)
        return;
    for (size_t i = 0; conf->ic && i < conf->ic->destroy.n; i++)
        conf->ic->destroy.m[i].fn.destroy(conf->ic->destroy.m[i].opaque);
    kv_free(conf_kvs(conf));
    ls_conf_destroy(conf->lconf);
    rd_kafka_topic_conf_destroy(conf->default_topic_conf);
    shim_conf_ic_free(conf->ic);
    free(conf);
}

rd_kafka_topic_conf_t *rd_kafka_topic_conf_new(void)
{
    return calloc(1, sizeof(rd_kafka_topic_conf_t));
}

void rd_kafka_topic_conf_destroy(rd_kafka_topic_conf_t *tconf)
{
    if (!tconf)
        return;
    kv_free(tconf_kvs(tconf));
    free(tconf);
}

rd_kafka_topic_conf_t *rd_kafka_topic_conf_dup(const rd_kafka_topic_conf_t *tconf)
{
    rd_kafka_topic_conf_t *c = rd_kafka_topic_conf_new();
    if (!c)
        return NULL;
    c->opaque = tconf->opaque;
    c->partitioner_cb = tconf->partitioner_cb;
    c->msg_order_cmp = tconf->msg_order_cmp;
    for (size_t i = 0; i < tconf->n; i++)
        if (kv_put(tconf_kvs(c), tconf->names[i], tconf->values[i])) {
            rd_kafka_topic_conf_destroy(c);
            return NULL;
        }
    return c;
}

rd_kafka_topic_conf_t *rd_kafka_default_topic_conf_dup(rd_kafka_t *rk)
{
    return rk->conf->default_topic_conf ? rd_kafka_topic_conf_dup(rk->conf->default_topic_conf)
                                        : rd_kafka_topic_conf_new();
}

static int filtered(const char *name, size_t filter_cnt, const char **filter)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; i < filter_cnt; i++) {
        size_t flen = strlen(filter[i]);
        if (nlen >= flen && !strncmp(filter[i], name, flen))
            return 1;
    }
    return 0;
}

/* rd_kafka_anyconf_copy: the old conf's on_conf_dup interceptors (which
 * may add themselves to the copy), then every property set and not
 * filtered (by name prefix), in table order, through the copy's
 * on_conf_set interceptors; at "interceptors", what the old conf's
 * interceptors took is set again.  Callbacks and opaques are copied, the
 * default topic conf duplicated, lakestream.* and the core's conf copied. */
rd_kafka_conf_t *rd_kafka_conf_dup_filter(const rd_kafka_conf_t *conf, size_t filter_cnt,
                                          const char **filter)
{
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (!c)
        return NULL;
    for (size_t i = 0; conf->ic && i < conf->ic->dup.n; i++)
        conf->ic->dup.m[i].fn.dup(c, conf, filter_cnt, filter, conf->ic->dup.m[i].opaque);
    int bad = 0;
    target t = {SHIM_PS_GLOBAL, c, NULL};
    for (const shim_prop *p = shim_props; !bad && p->name; p++) {
        if (!(p->scope & SHIM_PS_GLOBAL) || IS_LS(p) || p->type == SHIM_PT_ALIAS ||
            p->type == SHIM_PT_INVALID || filtered(p->name, filter_cnt, filter))
            continue;
        if (p->type == SHIM_PT_INTERNAL) {
            for (size_t i = 0; !strcmp(p->name, "interceptors") && conf->ic &&
                               i < conf->ic->ncfg; i++)
                if (!filtered(conf->ic->cfg_names[i], filter_cnt, filter))
                    rd_kafka_conf_set(c, conf->ic->cfg_names[i], conf->ic->cfg_values[i],
                                      NULL, 0);  /* errors ignored, as librdkafka does */
            continue;
        }
        if (p->type == SHIM_PT_PTR)
            continue;   /* below, field by field */
        /* Without interceptors on the copy only the store can fail (memory);
         * an interceptor may take a property instead, as in librdkafka. */
        const char *v = kv_get(conf->names, conf->values, conf->n, p->name);
        const char *istr = NO_VALUE(p, v) ? NULL : v;
        if (v && set_prop0(&t, p, istr, istr, s2x_value(p, v), SET_REPLACE, NULL, 0) !=
                     RD_KAFKA_CONF_OK && !(c->ic && c->ic->set.n))
            bad = 1;
    }
#define CP(f) do { if (!filtered(#f, filter_cnt, filter)) c->f = conf->f; } while (0)
    CP(dr_msg_cb); CP(error_cb); CP(stats_cb); CP(rebalance_cb); CP(offset_commit_cb);
    CP(background_event_cb); CP(dr_cb); CP(log_cb); CP(throttle_cb); CP(consume_cb);
    CP(opaque); CP(oauthbearer_token_refresh_cb); CP(socket_cb); CP(connect_cb);
    CP(closesocket_cb); CP(open_cb); CP(resolve_cb);
#undef CP
    if (!filtered("ssl.certificate.verify_cb", filter_cnt, filter))
        c->ssl_cert_verify_cb = conf->ssl_cert_verify_cb;
    if (!filtered("ssl_engine_callback_data", filter_cnt, filter))
        c->engine_callback_data = conf->engine_callback_data;
    if (conf->default_topic_conf && !filtered("default_topic_conf", filter_cnt, filter)) {
        rd_kafka_topic_conf_destroy(c->default_topic_conf);
        bad |= !(c->default_topic_conf = rd_kafka_topic_conf_dup(conf->default_topic_conf));
    }
    for (size_t i = 0; !bad && i < conf->n; i++)
        if (!strncmp(conf->names[i], LS_PREFIX, LS_PREFIX_LEN) &&
            !filtered(conf->names[i], filter_cnt, filter))
            bad = kv_put(conf_kvs(c), conf->names[i], conf->values[i]);
    if (!bad) {
        ls_conf_destroy(c->lconf);
        bad = !(c->lconf = ls_conf_dup(conf->lconf));
    }
    if (bad) {
        rd_kafka_conf_destroy(c);
        return NULL;
    }
    return c;
}

rd_kafka_conf_t *rd_kafka_conf_dup(const rd_kafka_conf_t *conf)
{
    return rd_kafka_conf_dup_filter(conf, 0, NULL);
}

/* ---- rd_kafka_conf_set_*(): callbacks and pointers ------------------------- */

void rd_kafka_conf_set_dr_msg_cb(rd_kafka_conf_t *conf,
                                 void (*dr_msg_cb)(rd_kafka_t *, const rd_kafka_message_t *,
                                                   void *))
{
    conf->dr_msg_cb = dr_msg_cb;
}

/* Legacy: stored, never called (delivery reports go to dr_msg_cb). */
void rd_kafka_conf_set_dr_cb(rd_kafka_conf_t *conf,
                             void (*dr_cb)(rd_kafka_t *, void *, size_t, rd_kafka_resp_err_t,
                                           void *, void *))
{
    conf->dr_cb = dr_cb;
}

void rd_kafka_conf_set_error_cb(rd_kafka_conf_t *conf,
                                void (*error_cb)(rd_kafka_t *, int, const char *, void *))
{
    conf->error_cb = error_cb;
}

void rd_kafka_conf_set_stats_cb(rd_kafka_conf_t *conf,
                                int (*stats_cb)(rd_kafka_t *, char *, size_t, void *))
{
    conf->stats_cb = stats_cb;
}

void rd_kafka_conf_set_log_cb(rd_kafka_conf_t *conf,
                              void (*log_cb)(const rd_kafka_t *, int, const char *,
                                             const char *))
{
    conf->log_cb = log_cb;
}

/* Stored, never called: there are no brokers to throttle. */
void rd_kafka_conf_set_throttle_cb(rd_kafka_conf_t *conf,
                                   void (*throttle_cb)(rd_kafka_t *, const char *, int32_t,
                                                       int, void *))
{
    conf->throttle_cb = throttle_cb;
}

void rd_kafka_conf_set_background_event_cb(rd_kafka_conf_t *conf,
                                           void (*event_cb)(rd_kafka_t *, rd_kafka_event_t *,
                                                            void *))
{
    conf->background_event_cb = event_cb;
}

void rd_kafka_conf_set_consume_cb(rd_kafka_conf_t *conf,
                                  void (*consume_cb)(rd_kafka_message_t *, void *))
{
    conf->consume_cb = consume_cb;
}

void rd_kafka_conf_set_rebalance_cb(
    rd_kafka_conf_t *conf,
    void (*rebalance_cb)(rd_kafka_t *, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t *,
                         void *))
{
    conf->rebalance_cb = rebalance_cb;
}

void rd_kafka_conf_set_offset_commit_cb(
    rd_kafka_conf_t *conf,
    void (*offset_commit_cb)(rd_kafka_t *, rd_kafka_resp_err_t,
                             rd_kafka_topic_partition_list_t *, void *))
{
    conf->offset_commit_cb = offset_commit_cb;
}

/* The enabled_events property, as librdkafka sets it ("%d", interceptors
 * included); rd_kafka_new's handle serves these events on the main queue. */
void rd_kafka_conf_set_events(rd_kafka_conf_t *conf, int events)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%d", events);
    target t = {SHIM_PS_GLOBAL, conf, NULL};
    set_prop(&t, prop_find(SHIM_PS_GLOBAL, "enabled_events"), tmp, 1, NULL, 0);
    conf->enabled_events = events;   /* also if the store was full */
}

void rd_kafka_conf_enable_sasl_queue(rd_kafka_conf_t *conf, int enable)
{
    target t = {SHIM_PS_GLOBAL, conf, NULL};
    set_prop(&t, prop_find(SHIM_PS_GLOBAL, "enable_sasl_queue"), enable ? "true" : "false", 1,
             NULL, 0);
}

/* The network, TLS and SASL hooks: stored (get, dump, dup), never called. */
void rd_kafka_conf_set_oauthbearer_token_refresh_cb(
    rd_kafka_conf_t *conf, void (*cb)(rd_kafka_t *, const char *, void *))
{
    conf->oauthbearer_token_refresh_cb = cb;
}

void rd_kafka_conf_set_socket_cb(rd_kafka_conf_t *conf, int (*socket_cb)(int, int, int, void *))
{
    conf->socket_cb = socket_cb;
}

void rd_kafka_conf_set_connect_cb(rd_kafka_conf_t *conf,
                                  int (*connect_cb)(int, const struct sockaddr *, int,
                                                    const char *, void *))
{
    conf->connect_cb = connect_cb;
}

void rd_kafka_conf_set_closesocket_cb(rd_kafka_conf_t *conf, int (*closesocket_cb)(int, void *))
{
    conf->closesocket_cb = closesocket_cb;
}

void rd_kafka_conf_set_open_cb(rd_kafka_conf_t *conf,
                               int (*open_cb)(const char *, int, mode_t, void *))
{
    conf->open_cb = open_cb;
}

void rd_kafka_conf_set_resolve_cb(rd_kafka_conf_t *conf,
                                  int (*resolve_cb)(const char *, const char *,
                                                    const struct addrinfo *,
                                                    struct addrinfo **, void *))
{
    conf->resolve_cb = resolve_cb;
}

/* RD_KAFKA_CONF_OK, as librdkafka built with OpenSSL answers. */
rd_kafka_conf_res_t rd_kafka_conf_set_ssl_cert_verify_cb(
    rd_kafka_conf_t *conf, int (*cb)(rd_kafka_t *, const char *, int32_t, int *, int,
                                     const char *, size_t, char *, size_t, void *))
{
    conf->ssl_cert_verify_cb = cb;
    return RD_KAFKA_CONF_OK;
}

/* The shim has no TLS: a certificate is checked for the arguments
 * librdkafka checks before parsing it (type, encoding), then dropped. */
rd_kafka_conf_res_t rd_kafka_conf_set_ssl_cert(rd_kafka_conf_t *conf,
                                               rd_kafka_cert_type_t cert_type,
                                               rd_kafka_cert_enc_t cert_enc, const void *buffer,
                                               size_t size, char *errstr, size_t errstr_size)
{
    (void)conf;
    (void)size;
    if ((int)cert_type < 0 || cert_type >= RD_KAFKA_CERT__CNT)
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                        "Invalid certificate type %d", (int)cert_type);
    if (buffer && ((int)cert_enc < 0 || cert_enc >= RD_KAFKA_CERT_ENC__CNT))
        return conf_err(errstr, errstr_size, RD_KAFKA_CONF_INVALID,
                        "Invalid certificate encoding %d", (int)cert_enc);
    return RD_KAFKA_CONF_OK;
}

void rd_kafka_conf_set_engine_callback_data(rd_kafka_conf_t *conf, void *callback_data)
{
    conf->engine_callback_data = callback_data;
}

void rd_kafka_conf_set_opaque(rd_kafka_conf_t *conf, void *opaque) { conf->opaque = opaque; }

/* conf takes tconf over; a previous one is destroyed. */
void rd_kafka_conf_set_default_topic_conf(rd_kafka_conf_t *conf, rd_kafka_topic_conf_t *tconf)
{
    rd_kafka_topic_conf_destroy(conf->default_topic_conf);
    conf->default_topic_conf = tconf;
}

/* Owned by conf; NULL if none was set or created by a topic property. */
rd_kafka_topic_conf_t *rd_kafka_conf_get_default_topic_conf(rd_kafka_conf_t *conf)
{
    return conf->default_topic_conf;
}

void rd_kafka_topic_conf_set_opaque(rd_kafka_topic_conf_t *tconf, void *rkt_opaque)
{
    tconf->opaque = rkt_opaque;
}

/* Stored, never called: a message's partition is its rank. */
void rd_kafka_topic_conf_set_partitioner_cb(rd_kafka_topic_conf_t *tconf,
                                            int32_t (*partitioner)(const rd_kafka_topic_t *,
                                                                   const void *, size_t,
                                                                   int32_t, void *, void *))
{
    tconf->partitioner_cb = partitioner;
}

/* Stored, never called: messages are committed in produce order. */
void rd_kafka_topic_conf_set_msg_order_cmp(rd_kafka_topic_conf_t *tconf,
                                           int (*msg_order_cmp)(const rd_kafka_message_t *,
                                                                const rd_kafka_message_t *))
{
    tconf->msg_order_cmp = msg_order_cmp;
}

/* ---- rd_kafka_conf_properties_show: librdkafka's table, byte for byte --- */

/* rd_kafka_conf_prop_find as properties_show calls it: with the alias's own
 * scope bits, so a topic alias may resolve to a global property (librdkafka
 * shows topic compression.type with the global codec list). */
static const shim_prop *show_find(int scope, const char *name)
{
    for (const shim_prop *p = shim_props; p->name; p++)
        if ((p->scope & scope) && !IS_LS(p) && !strcmp(p->name, name))
            return p->type == SHIM_PT_ALIAS ? show_find(scope, p->sdef) : p;
    return NULL;
}

static void show_row(FILE *fp, const shim_prop *prop0)
{
    const shim_prop *prop = prop0;
    const char *typeinfo = "";
    char tmp[512];
    fprintf(fp, "%-40s | ", prop->name);
    if (prop->type == SHIM_PT_ALIAS)
        prop = show_find(prop->scope, prop->sdef);
    fprintf(fp, "%3s | ", !(prop->scope & SHIM_PS_PRODUCER) == !(prop->scope & SHIM_PS_CONSUMER)
                              ? " * "
                              : (prop->scope & SHIM_PS_PRODUCER) ? " P " : " C ");
    switch (prop->type) {
    case SHIM_PT_STR:
    case SHIM_PT_KSTR:
        typeinfo = "string";
        /* fallthrough */
    case SHIM_PT_PATLIST:
        if (prop->type == SHIM_PT_PATLIST)
            typeinfo = "pattern list";
        fprintf(fp, "%-15s | %13s", prop->s2i ? flags2str(prop, -1, 1, ", ", tmp, sizeof tmp)
                                              : "",
                prop->sdef ? prop->sdef : "");
        break;
    case SHIM_PT_BOOL:
        typeinfo = "boolean";
        fprintf(fp, "%-15s | %13s", "true, false", prop->vdef ? "true" : "false");
        break;
    case SHIM_PT_INT:
        typeinfo = "integer";
        snprintf(tmp, sizeof tmp, "%d .. %d", prop->vmin, prop->vmax);
        fprintf(fp, "%-15s | %13i", tmp, prop->vdef);
        break;
    case SHIM_PT_DBL:
        typeinfo = "float";
        snprintf(tmp, sizeof tmp, "%g .. %g", prop->dmin, prop->dmax);
        fprintf(fp, "%-15s | %13g", tmp, prop->ddef);
        break;
    case SHIM_PT_S2I: {
        typeinfo = "enum value";
        fprintf(fp, "%-15s | ", flags2str(prop, -1, 1, ", ", tmp, sizeof tmp));
        const shim_s2i *e = prop->s2i;
        while (e->str && e->val != prop->vdef)
            e++;
        fprintf(fp, "%13s", e->str ? e->str : " ");
        break;
    }
    case SHIM_PT_S2F:
        typeinfo = "CSV flags";
        /* builtin.features: not the list twice, in Range and Default */
        fprintf(fp, "%-15s | ", !strcmp(prop->name, "builtin.features")
                                    ? "" : flags2str(prop, -1, 1, ", ", tmp, sizeof tmp));
        fprintf(fp, "%13s", flags2str(prop, prop->vdef, 0, ", ", tmp, sizeof tmp));
        break;
    case SHIM_PT_PTR:
    case SHIM_PT_INTERNAL:
        typeinfo = "see dedicated API";
        /* fallthrough */
    default:
        fprintf(fp, "%-15s | %-13s", "", " ");
        break;
    }
    fprintf(fp, " | %-10s | ", prop->scope & SHIM_PS_HIGH ? "high"
                               : prop->scope & SHIM_PS_MED ? "medium" : "low");
    if (prop->scope & SHIM_PS_EXPERIMENTAL)
        fprintf(fp, "**EXPERIMENTAL**: subject to change or removal. ");
    if (prop->scope & SHIM_PS_DEPRECATED)
        fprintf(fp, "**DEPRECATED** ");
    if (prop0->type == SHIM_PT_ALIAS)
        fprintf(fp, "Alias for `%s`: ", prop0->sdef);
    fprintf(fp, "%s <br>*Type: %s*\n", prop->desc, typeinfo);
}

static void show_header(FILE *fp, const char *title, int first)
{
    static const char dash80[] = "----------------------------------------"
                                 "----------------------------------------";
    fprintf(fp, "%s## %s configuration properties\n\n", first ? "" : "\n\n", title);
    fprintf(fp, "%-40s | %3s | %-15s | %13s | %-10s | %-25s\n"
                "%.*s-|-%.*s-|-%.*s-|-%.*s:|-%.*s-| -%.*s\n",
            "Property", "C/P", "Range", "Default", "Importance", "Description", 40, dash80, 3,
            dash80, 15, dash80, 13, dash80, 10, dash80, 25, dash80);
}

/* librdkafka's output exactly (CONFIGURATION.md less its title), then the
 * shim's lakestream.* properties and the core's, in the same format. */
void rd_kafka_conf_properties_show(FILE *fp)
{
    int last = 0;
    for (const shim_prop *p = shim_props; p->name; p++) {
        if ((p->scope & SHIM_PS_HIDDEN) || p->type == SHIM_PT_INVALID || IS_LS(p))
            continue;
        if (!(p->scope & last)) {
            show_header(fp, p->scope == SHIM_PS_GLOBAL ? "Global" : "Topic", !last);
            last = p->scope & (SHIM_PS_GLOBAL | SHIM_PS_TOPIC);
        }
        show_row(fp, p);
    }
    fprintf(fp, "\n");
    fprintf(fp, "### C/P legend: C = Consumer, P = Producer, * = both\n");

    show_header(fp, "Lakestream (liblakestream-rdkafka)", 0);
    for (const shim_prop *p = shim_props; p->name; p++) {
        char range[64] = "";
        if (!IS_LS(p))
            continue;
        if (p->type == SHIM_PT_INT)
            snprintf(range, sizeof range, "%d .. %d", p->vmin, p->vmax);
        fprintf(fp, "%-40s |  *  | %-15s | %13s | %-10s | %s <br>*Type: %s*\n", p->name, range,
                p->sdef ? p->sdef : "", "high", p->desc,
                p->type == SHIM_PT_INT ? "integer" : "string");
    }
    const ls_conf_prop *lp;
    for (size_t i = 0; (lp = ls_conf_describe(i)); i++) {
        char name[256];
        snprintf(name, sizeof name, LS_PREFIX "%s", lp->name);
        if (ls_prop_find(name))
            continue;
        char range[256] = "";
        const char *type = lp->type;
        if (!strcmp(lp->type, "int")) {
            type = "integer";
            snprintf(range, sizeof range, "%lld .. %lld", (long long)lp->min,
                     (long long)lp->max);
        } else if (!strcmp(lp->type, "bool")) {
            type = "boolean";
            snprintf(range, sizeof range, "true, false");
        } else if (lp->choices) {   /* "a|b|c", shown as librdkafka lists enums */
            type = "enum value";
            size_t k = 0;
            for (const char *c = lp->choices; *c && k + 3 < sizeof range; c++)
                k += (size_t)snprintf(range + k, sizeof range - k, *c == '|' ? ", " : "%c",
                                      *c);
        }
        fprintf(fp, "%-40s |  *  | %-15s | %13s | %-10s | %s <br>*Type: %s*\n", name, range,
                lp->default_value ? lp->default_value : "", "low", lp->doc ? lp->doc : "",
                type);
    }
    fprintf(fp, "\nlakestream.<name> sets the core's <name> (docs/configuration.md); which "
                "librdkafka properties the shim honours: docs/kafka-shim-properties.md\n");
}
