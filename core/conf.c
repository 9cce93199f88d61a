/*
 * conf.c -- configuration: one property table (name, type, default, range,
 * doc) drives ls_conf_set validation, the typed getters, `lakestream
 * --help` and docs/configuration.md, as librdkafka's rdkafka_conf.c does.
 * The table is the core's own, followed by the properties each store
 * backend of the scheme table declares (ls_store_backend.props), so a
 * backend registered at run time brings its properties with it.  A conf
 * holds only the values set, each by the property it belongs to.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

/* The core's properties.  Each store backend declares its own
 * (store_builtin.c: store.fsync for posix, s3.* for s3); lookups go
 * through this table, then every registered backend's, in that order. */
static const ls_conf_prop props[] = {
    { "store.fault.error.permille", "int", "0", 0, 1000,
      "testing: wrap the store in the fault store; this many calls per 1000 fail "
      "with an I/O error (no effect)", NULL },
    { "store.fault.lost.reply.permille", "int", "0", 0, 1000,
      "testing: this many calls per 1000 take effect but answer with a timeout", NULL },
    { "store.fault.seed", "int", "1", 0, INT64_MAX,
      "testing: seed of the fault store's choices", NULL },
    { "table.format", "int", "2", 1, LS_TABLE_FORMAT,
      "a table property, set when the table is created: 2 writes an index object per "
      "step, so a rank reads only its slice's entries (docs/formats.md); 1 the log "
      "alone, as builds before format 2 wrote (readable by them)", NULL },
    { "table.snapshot.interval", "int", "100", 1, 1000000,
      "K: the committer of version v with v % K == 0 writes the snapshot of v", NULL },
    { "table.log.retention.ms", "int", "3600000", 0, LS_LOG_RETENTION_MS_MAX,
      "R, a table property: set when the table is created (ls_table_create_conf, "
      "lakestream create -X) and kept in its descriptor, so every process uses the "
      "same; opening a table with another value is refused. gc deletes a log record "
      "only once its successor is older than R; readers and writers whose head is "
      "older than R/2 look for a newer snapshot. Correctness does not depend on it "
      "(pauses and clocks are unbounded, docs/protocol.md): a smaller R frees log "
      "objects sooner and sends stalled processes through a slower path", NULL },
    { "table.use.snapshots", "bool", "true", 0, 1,
      "load state from the newest snapshot (false: replay the whole log; for checks)", NULL },
    { "producer.commit.interval.ms", "int", "100", 0, 3600000,
      "group commit: with policy fixed, commit buffered chunks this long after the "
      "first append; with dac, the starting interval (held within "
      "producer.dac.interval.ms.min..max)", NULL },
    { "producer.commit.bytes.max", "int", "67108864", 1, (int64_t)1 << 40,
      "group commit: commit once this many stored bytes are buffered", NULL },
    { "producer.commit.policy", "enum", "dac", 0, 0,
      "fixed: commit every producer.commit.interval.ms; dac: Decentralized Adaptive "
      "Commit adapts the interval to conflicts and commit latency (docs/dac.md), "
      "starting from producer.commit.interval.ms; manual: commit only in "
      "ls_producer_flush (transactions)", "fixed|dac|manual" },
    { "producer.dac.interval.ms.min", "int", "1", 0, 3600000,
      "dac: floor of the commit interval", NULL },
    { "producer.dac.interval.ms.max", "int", "1000", 1, 3600000,
      "dac: ceiling of the commit interval (the freshness bound) while the log is not "
      "saturated", NULL },
    { "producer.dac.saturated.interval.ms.max", "int", "30000", 1, 3600000,
      "dac: when commits at the ceiling still conflict (the log is saturated), "
      "conflicts may grow the interval up to this; each clean commit above the ceiling "
      "takes it x 0.8 back down (docs/dac.md \"Saturation\"); at or below "
      "producer.dac.interval.ms.max the ceiling is a strict bound", NULL },
    { "producer.dac.latency.factor", "int", "20", 0, 1000,
      "dac: the interval stays >= this many times the recent commit latency "
      "(at most 1/(1+factor) of the time goes to committing)", NULL },
    { "producer.index.publish", "enum", "async", 0, 0,
      "tables of format 2: async: the step and group indexes a commit completes are "
      "put by a thread of the producer, off the commit path; sync: by the commit, "
      "before it returns (one store call order, for tests that count calls)",
      "async|sync" },
    { "producer.chunk.bytes.max", "int", "16777216", 1, LS_CHUNK_BYTES_MAX / 2,
      "seal a data chunk once it holds this many stored bytes", NULL },
    { "producer.chunk.samples.max", "int", "4096", 1, LS_CHUNK_SAMPLES_MAX,
      "seal a data chunk once it holds this many samples", NULL },
    { "codec.zstd.level", "int", "3", 1, 19,
      "zstd compression level for tables created with codec zstd", NULL },
    { "consumer.prefetch.steps", "int", "2", 0, LS_PREFETCH_STEPS_MAX,
      "steps read ahead by the consumer's background thread (0: read inline)", NULL },
    { "consumer.step.index", "enum", "use", 0, 0,
      "tables of format 2: use: read a step through its index object (the rank's "
      "entries and the chunk names they use), the log only where an index is missing "
      "or refused; verify: also read the step through the log and refuse an index "
      "that disagrees (checks); off: the log alone", "use|verify|off" },
    { "consumer.index.wait.ms", "int", "5000", 1, 3600000,
      "tables of format 2: how long a reader waits on a missing step index before "
      "asking the log whether the step is complete (a committer may have died between "
      "its commit and the index); while it waits each poll is one request", NULL },
    { "consumer.poll.interval.ms.max", "int", "100", 1, LS_WAIT_BACKOFF_MS_MAX,
      "ceiling of the backoff between log polls while waiting for a step", NULL },
    { "store.retries", "int", "5", 0, LS_STORE_RETRIES_MAX,
      "retries of a failed retriable store read, with backoff", NULL },
};
#define NPROPS (sizeof(props) / sizeof(props[0]))

typedef struct conf_value {
    const ls_conf_prop *prop;   /* of the core's table or a registered backend's */
    char               *value;  /* owned */
} conf_value;

/* At most one value per property, in the order first set. */
struct ls_conf {
    conf_value *v;
    size_t      n, cap;
};

const ls_conf_prop *ls_conf_prop_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < NPROPS; i++)
        if (strcmp(props[i].name, name) == 0)
            return &props[i];
    const ls_store_backend *be;
    for (size_t k = 0; (be = ls_store_backend_at(k)); k++)
        for (size_t i = 0; i < be->nprops; i++)
            if (strcmp(be->props[i].name, name) == 0)
                return &be->props[i];
    return NULL;
}

const ls_conf_prop *ls_conf_describe(size_t i)
{
    if (i < NPROPS)
        return &props[i];
    i -= NPROPS;
    const ls_store_backend *be;
    for (size_t k = 0; (be = ls_store_backend_at(k)); k++) {
        if (i < be->nprops)
            return &be->props[i];
        i -= be->nprops;
    }
    return NULL;
}

static conf_value *value_of(const ls_conf *conf, const ls_conf_prop *p)
{
    for (size_t i = 0; conf && p && i < conf->n; i++)
        if (conf->v[i].prop == p)
            return &conf->v[i];
    return NULL;
}

/* Set p's value to a copy of value (already checked). */
static int value_put(ls_conf *conf, const ls_conf_prop *p, const char *value)
{
    char *copy = strdup(value);
    if (!copy)
        return ls_seterr(LS_ERR_NOMEM, "ls_conf_set: out of memory");
    conf_value *cv = value_of(conf, p);
    if (cv) {
        free(cv->value);
        cv->value = copy;
        return LS_OK;
    }
    if (conf->n == conf->cap) {
        size_t cap = conf->cap ? conf->cap * 2 : 8;
        conf_value *v = realloc(conf->v, cap * sizeof(*v));
        if (!v) {
            free(copy);
            return ls_seterr(LS_ERR_NOMEM, "ls_conf_set: out of memory");
        }
        conf->v = v;
        conf->cap = cap;
    }
    conf->v[conf->n++] = (conf_value){ p, copy };
    return LS_OK;
}

ls_conf *ls_conf_new(void)
{
    return calloc(1, sizeof(ls_conf));
}

ls_conf *ls_conf_dup(const ls_conf *conf)
{
    ls_conf *c = ls_conf_new();
    if (!c || !conf)
        return c;
    for (size_t i = 0; i < conf->n; i++) {
        if (value_put(c, conf->v[i].prop, conf->v[i].value)) {
            ls_conf_destroy(c);
            return NULL;
        }
    }
    return c;
}

void ls_conf_destroy(ls_conf *conf)
{
    if (!conf)
        return;
    for (size_t i = 0; i < conf->n; i++)
        free(conf->v[i].value);
    free(conf->v);
    free(conf);
}

static int parse_bool(const char *v, int *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "1")) { *out = 1; return 0; }
    if (!strcmp(v, "false") || !strcmp(v, "0")) { *out = 0; return 0; }
    return -1;
}

static int parse_int(const char *v, int64_t *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end)
        return -1;
    *out = x;
    return 0;
}

/* LS_OK if value is acceptable for p, else LS_ERR_INVALID or LS_ERR_LIMIT
 * naming name. */
static int value_check(const ls_conf_prop *p, const char *name, const char *value)
{
    if (!strcmp(p->type, "bool")) {
        int b;
        if (parse_bool(value, &b))
            return ls_seterr(LS_ERR_INVALID, "%s: expected true or false, got \"%s\"",
                             name, ls_q(value));
    } else if (!strcmp(p->type, "enum")) {
        size_t n = strlen(value);
        const char *c = p->choices;
        int ok = 0;
        while (c && *c && !ok) {
            size_t len = strcspn(c, "|");
            ok = len == n && !strncmp(c, value, n);
            c += len + (c[len] == '|');
        }
        if (!ok)
            return ls_seterr(LS_ERR_INVALID, "%s: expected one of %s, got \"%s\"", name,
                             p->choices ? p->choices : "(none)", ls_q(value));
    } else if (!strcmp(p->type, "int")) {
        int64_t x;
        if (parse_int(value, &x))
            return ls_seterr(LS_ERR_INVALID, "%s: expected an integer, got \"%s\"",
                             name, ls_q(value));
        if (x < p->min || x > p->max)
            return ls_seterr(LS_ERR_INVALID, "%s: %lld is outside [%lld, %lld]", name,
                             (long long)x, (long long)p->min, (long long)p->max);
    } else if (!strcmp(p->type, "string")) {
        if (strlen(value) > LS_CONF_STRING_BYTES_MAX)
            return ls_seterr(LS_ERR_LIMIT, "%s: longer than %u bytes", name,
                             LS_CONF_STRING_BYTES_MAX);
    } else {
        return ls_seterr(LS_ERR_INVALID, "%s: unknown type \"%s\"", name, ls_q(p->type));
    }
    return LS_OK;
}

int ls_conf_prop_check(const ls_conf_prop *p)
{
    if (!p || !p->name)
        return ls_seterr(LS_ERR_INVALID, "property: NULL name");
    size_t n = strlen(p->name);
    int name_ok = n > 0 && n <= LS_CONF_NAME_BYTES_MAX;
    for (size_t i = 0; name_ok && i < n; i++) {
        char c = p->name[i];
        name_ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-';
    }
    if (!name_ok)
        return ls_seterr(LS_ERR_INVALID, "property \"%s\": expected 1-%u characters "
                         "[a-z0-9._-]", ls_q(p->name), LS_CONF_NAME_BYTES_MAX);
    if (!p->type || !p->default_value || !p->doc)
        return ls_seterr(LS_ERR_INVALID, "property %s: NULL type, default or doc", p->name);
    if (!strcmp(p->type, "enum") && !p->choices)
        return ls_seterr(LS_ERR_INVALID, "property %s: an enum without choices", p->name);
    if (!strcmp(p->type, "int") && p->min > p->max)
        return ls_seterr(LS_ERR_INVALID, "property %s: min %lld above max %lld", p->name,
                         (long long)p->min, (long long)p->max);
    int rc = value_check(p, p->name, p->default_value);
    return rc ? ls_preferr(rc, "property %s: default", p->name) : LS_OK;
}

int ls_conf_set(ls_conf *conf, const char *name, const char *value)
{
    if (!conf || !name || !value)
        return ls_seterr(LS_ERR_INVALID, "ls_conf_set: NULL argument");
    const ls_conf_prop *p = ls_conf_prop_find(name);
    if (!p)
        return ls_seterr(LS_ERR_INVALID, "unknown configuration property \"%s\"", ls_q(name));
    int rc = value_check(p, name, value);
    return rc ? rc : value_put(conf, p, value);
}

int ls_conf_is_set(const ls_conf *conf, const char *name)
{
    return value_of(conf, ls_conf_prop_find(name)) != NULL;
}

const char *ls_conf_get(const ls_conf *conf, const char *name)
{
    const ls_conf_prop *p = ls_conf_prop_find(name);
    if (!p)
        return NULL;
    const conf_value *cv = value_of(conf, p);
    return cv ? cv->value : p->default_value;
}

int64_t ls_conf_int(const ls_conf *conf, const char *name)
{
    const ls_conf_prop *p = ls_conf_prop_find(name);
    LS_ASSERT(p && !strcmp(p->type, "int"));
    (void)p;
    int64_t x = 0;
    int rc = parse_int(ls_conf_get(conf, name), &x);
    LS_ASSERT(rc == 0);
    (void)rc;
    return x;
}

int ls_conf_bool(const ls_conf *conf, const char *name)
{
    const ls_conf_prop *p = ls_conf_prop_find(name);
    LS_ASSERT(p && !strcmp(p->type, "bool"));
    (void)p;
    int b = 0;
    int rc = parse_bool(ls_conf_get(conf, name), &b);
    LS_ASSERT(rc == 0);
    (void)rc;
    return b;
}
