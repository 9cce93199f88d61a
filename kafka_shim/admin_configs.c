/*
 * admin_configs.c -- the configuration part of librdkafka's Admin API
 * (docs/kafka-shim.md, "Admin API"): ConfigEntry and ConfigResource, the
 * resource and source names, DescribeConfigs and AlterConfigs.
 *
 * DescribeConfigs describes a TOPIC as its table's properties, fixed when
 * it was created (global batch, codec, table format), and its state now
 * (version, samples, visible steps, low watermark, ...), all read-only,
 * with the Kafka configs a table has by construction (cleanup.policy
 * delete, no time or size retention) as defaults; a BROKER (every broker
 * id: the store) as the handle's configuration, read-only, secrets without
 * their value.  AlterConfigs is not implemented: a table's properties are
 * fixed at creation, a handle's configuration at rd_kafka_new.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim_int.h"

#define SHIM_ADMIN_ERRSTR_BYTES 512u   /* as admin.c */

#define NOT_IMPL(op) "liblakestream-rdkafka: " op " is not implemented (docs/kafka-shim.md)"

static const void **res_items(const void *result, rd_kafka_event_type_t type, size_t *cntp)
{
    const shim_admin_res *res = shim_admin_res_of(result, type);
    *cntp = res ? res->n : 0;
    return res && res->n ? (const void **)res->items : NULL;
}

static void admin_res_free(shim_admin_res *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->n; i++)
        res->item_free(res->items[i]);
    free(res->items);
    free(res);
}

/* ---- ConfigEntry, ConfigResource ------------------------------------------ */

struct rd_kafka_ConfigEntry_s {
    char *name, *value;   /* owned; value may be NULL (sensitive, or deleted) */
    rd_kafka_ConfigSource_t source;
    int   read_only, is_default, sensitive, synonym;
};

struct rd_kafka_ConfigResource_s {
    rd_kafka_ResourceType_t restype;
    char *name;
    rd_kafka_ConfigEntry_t **entries;  /* owned */
    size_t n, cap;
    rd_kafka_resp_err_t err;
    char *errstr;   /* owned, may be NULL */
};

static void config_entry_free(rd_kafka_ConfigEntry_t *e)
{
    if (!e)
        return;
    free(e->name);
    free(e->value);
    free(e);
}

const char *rd_kafka_ConfigEntry_name(const rd_kafka_ConfigEntry_t *entry) { return entry->name; }
const char *rd_kafka_ConfigEntry_value(const rd_kafka_ConfigEntry_t *entry)
{
    return entry->value;
}
rd_kafka_ConfigSource_t rd_kafka_ConfigEntry_source(const rd_kafka_ConfigEntry_t *entry)
{
    return entry->source;
}
int rd_kafka_ConfigEntry_is_read_only(const rd_kafka_ConfigEntry_t *entry)
{
    return entry->read_only;
}
int rd_kafka_ConfigEntry_is_default(const rd_kafka_ConfigEntry_t *entry)
{
    return entry->is_default;
}
int rd_kafka_ConfigEntry_is_sensitive(const rd_kafka_ConfigEntry_t *entry)
{
    return entry->sensitive;
}
int rd_kafka_ConfigEntry_is_synonym(const rd_kafka_ConfigEntry_t *entry)
{
    return entry->synonym;
}

/* No entry has synonyms: each property has one name. */
const rd_kafka_ConfigEntry_t **rd_kafka_ConfigEntry_synonyms(const rd_kafka_ConfigEntry_t *entry,
                                                             size_t *cntp)
{
    (void)entry;
    *cntp = 0;
    return NULL;
}

const char *rd_kafka_ConfigSource_name(rd_kafka_ConfigSource_t confsource)
{
    static const char *names[] = {
        "UNKNOWN_CONFIG", "DYNAMIC_TOPIC_CONFIG", "DYNAMIC_BROKER_CONFIG",
        "DYNAMIC_DEFAULT_BROKER_CONFIG", "STATIC_BROKER_CONFIG", "DEFAULT_CONFIG",
    };
    if ((unsigned)confsource >= (unsigned)RD_KAFKA_CONFIG_SOURCE__CNT)
        return "UNSUPPORTED";
    return names[confsource];
}

const char *rd_kafka_ResourcePatternType_name(rd_kafka_ResourcePatternType_t resource_pattern_type)
{
    static const char *names[] = { "UNKNOWN", "ANY", "MATCH", "LITERAL", "PREFIXED" };
    if ((unsigned)resource_pattern_type >= (unsigned)RD_KAFKA_RESOURCE_PATTERN_TYPE__CNT)
        return "UNSUPPORTED";
    return names[resource_pattern_type];
}

const char *rd_kafka_ResourceType_name(rd_kafka_ResourceType_t restype)
{
    static const char *names[] = { "UNKNOWN", "ANY", "TOPIC", "GROUP", "BROKER" };
    if ((unsigned)restype >= (unsigned)RD_KAFKA_RESOURCE__CNT)
        return "UNSUPPORTED";
    return names[restype];
}

rd_kafka_ConfigResource_t *rd_kafka_ConfigResource_new(rd_kafka_ResourceType_t restype,
                                                       const char *resname)
{
    if (!resname || !*resname || (int)restype < 0)
        return NULL;
    rd_kafka_ConfigResource_t *c = calloc(1, sizeof *c);
    if (!c || !(c->name = strdup(resname))) {
        free(c);
        return NULL;
    }
    c->restype = restype;
    return c;
}

void rd_kafka_ConfigResource_destroy(rd_kafka_ConfigResource_t *config)
{
    if (!config)
        return;
    for (size_t i = 0; i < config->n; i++)
        config_entry_free(config->entries[i]);
    free(config->entries);
    free(config->errstr);
    free(config->name);
    free(config);
}

static void config_resource_free(void *p) { rd_kafka_ConfigResource_destroy(p); }

void rd_kafka_ConfigResource_destroy_array(rd_kafka_ConfigResource_t **config, size_t config_cnt)
{
    for (size_t i = 0; i < config_cnt; i++)
        rd_kafka_ConfigResource_destroy(config[i]);
}

/* Append an entry (copies name and value).  -1: out of memory. */
static int config_add(rd_kafka_ConfigResource_t *c, const char *name, const char *value,
                      rd_kafka_ConfigSource_t source, int read_only, int sensitive)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        rd_kafka_ConfigEntry_t **ne = realloc(c->entries, cap * sizeof *ne);
        if (!ne)
            return -1;
        c->entries = ne;
        c->cap = cap;
    }
    rd_kafka_ConfigEntry_t *e = calloc(1, sizeof *e);
    if (!e || !(e->name = strdup(name)) || (value && !(e->value = strdup(value)))) {
        config_entry_free(e);
        return -1;
    }
    e->source = source;
    e->is_default = source == RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG;
    e->read_only = read_only;
    e->sensitive = sensitive;
    c->entries[c->n++] = e;
    return 0;
}

rd_kafka_resp_err_t rd_kafka_ConfigResource_set_config(rd_kafka_ConfigResource_t *config,
                                                       const char *name, const char *value)
{
    if (!name || !*name || !value)
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    return config_add(config, name, value, RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG, 0, 0)
               ? RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE : RD_KAFKA_RESP_ERR_NO_ERROR;
}

const rd_kafka_ConfigEntry_t **rd_kafka_ConfigResource_configs(
    const rd_kafka_ConfigResource_t *config, size_t *cntp)
{
    *cntp = config->n;
    return config->n ? (const rd_kafka_ConfigEntry_t **)config->entries : NULL;
}

rd_kafka_ResourceType_t rd_kafka_ConfigResource_type(const rd_kafka_ConfigResource_t *config)
{
    return config->restype;
}

const char *rd_kafka_ConfigResource_name(const rd_kafka_ConfigResource_t *config)
{
    return config->name;
}

rd_kafka_resp_err_t rd_kafka_ConfigResource_error(const rd_kafka_ConfigResource_t *config)
{
    return config->err;
}

const char *rd_kafka_ConfigResource_error_string(const rd_kafka_ConfigResource_t *config)
{
    if (!config->err)
        return NULL;
    return config->errstr ? config->errstr : rd_kafka_err2str(config->err);
}

const rd_kafka_ConfigResource_t **rd_kafka_DescribeConfigs_result_resources(
    const rd_kafka_DescribeConfigs_result_t *result, size_t *cntp)
{
    return (const rd_kafka_ConfigResource_t **)res_items(
        result, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, cntp);
}

const rd_kafka_ConfigResource_t **rd_kafka_AlterConfigs_result_resources(
    const rd_kafka_AlterConfigs_result_t *result, size_t *cntp)
{
    return (const rd_kafka_ConfigResource_t **)res_items(result, RD_KAFKA_EVENT_ALTERCONFIGS_RESULT,
                                                         cntp);
}

/* A result resource: the request's type and name, no entries, and an
 * error (err 0: none). */
static rd_kafka_ConfigResource_t *resource_result_new(const rd_kafka_ConfigResource_t *req,
                                                      rd_kafka_resp_err_t err,
                                                      const char *errstr)
{
    rd_kafka_ConfigResource_t *c = calloc(1, sizeof *c);
    if (!c || !(c->name = strdup(req->name))) {
        free(c);
        return NULL;
    }
    c->restype = req->restype;
    c->err = err;
    if (err && errstr)
        c->errstr = strdup(errstr);
    return c;
}

/* librdkafka's check before a config request: at most one BROKER resource,
 * its name an int32 broker id. */
static rd_kafka_resp_err_t check_single_broker(rd_kafka_ConfigResource_t **configs, size_t cnt,
                                               char *errstr, size_t errstr_size)
{
    int seen = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (configs[i]->restype != RD_KAFKA_RESOURCE_BROKER)
            continue;
        if (seen++) {
            snprintf(errstr, errstr_size,
                     "Only one ConfigResource of type BROKER is allowed per call");
            return RD_KAFKA_RESP_ERR__CONFLICT;
        }
        char *end;
        errno = 0;
        long r = strtol(configs[i]->name, &end, 10);
        if (errno || end == configs[i]->name || r < 0 || r > INT32_MAX) {
            snprintf(errstr, errstr_size,
                     "Expected an int32 broker_id for ConfigResource(type=BROKER, name=%s)",
                     configs[i]->name);
            return RD_KAFKA_RESP_ERR__INVALID_ARG;
        }
    }
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}


/* ---- AlterConfigs: not implemented ------------------------------------------ */

void rd_kafka_AlterConfigs(rd_kafka_t *rk, rd_kafka_ConfigResource_t **configs,
                           size_t config_cnt, const rd_kafka_AdminOptions_t *options,
                           rd_kafka_queue_t *rkqu)
{
    if (!rk)
        return;
    char errstr[SHIM_ADMIN_ERRSTR_BYTES];
    rd_kafka_resp_err_t err = check_single_broker(configs, config_cnt, errstr, sizeof errstr);
    if (!err && config_cnt == 0) {
        snprintf(errstr, sizeof errstr, "No config resources specified");
        err = RD_KAFKA_RESP_ERR__INVALID_ARG;
    }
    if (err) {
        shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_ALTERCONFIGS_RESULT, options, NULL, err, "%s",
                         errstr);
        return;
    }
    shim_admin_res *res = shim_admin_res_new(config_resource_free);
    for (size_t i = 0; res && i < config_cnt; i++)
        if (shim_admin_res_add(res, resource_result_new(
                configs[i], RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED,
                NOT_IMPL("AlterConfigs") ": a table's properties are fixed when it is created "
                "(CreateTopics configs), the client's in its configuration"))) {
            admin_res_free(res);
            res = NULL;
        }
    shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_ALTERCONFIGS_RESULT, options, res,
                     res ? 0 : RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
}

/* ---- DescribeConfigs ---------------------------------------------------------- */

/* A secret, described without its value: librdkafka's sensitive
 * properties (conf_props.c), and any other name that says so. */
static int is_sensitive(const char *name)
{
    for (const shim_prop *p = shim_props; p->name; p++)
        if (!strcmp(p->name, name))
            return (p->scope & SHIM_PS_SENSITIVE) != 0;
    return strstr(name, "password") || strstr(name, "secret") || strstr(name, "credentials");
}

/* 1 if name is asked for: every name when the request lists none. */
static int wanted(const rd_kafka_ConfigResource_t *req, const char *name)
{
    if (!req->n)
        return 1;
    for (size_t i = 0; i < req->n; i++)
        if (!strcmp(req->entries[i]->name, name))
            return 1;
    return 0;
}

/* A TOPIC resource: the table's properties (fixed at creation) and state,
 * read-only; the Kafka configs it has by construction as defaults. */
static rd_kafka_resp_err_t describe_topic(rd_kafka_t *rk, const rd_kafka_ConfigResource_t *req,
                                          rd_kafka_ConfigResource_t *out, char *errstr,
                                          size_t errstr_size)
{
    ls_table *t = NULL;
    /* No conf: a table is described whatever the client's
     * table.log.retention.ms (an open with another value is refused). */
    int rc = ls_name_is_valid(req->name) ? ls_table_open(rk->st, req->name, NULL, &t)
                                         : LS_ERR_NOT_FOUND;
    if (rc == LS_ERR_NOT_FOUND) {
        snprintf(errstr, errstr_size, "Topic '%.200s' does not exist: no such table in the "
                 "store", req->name);
        return RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    }
    if (rc) {
        snprintf(errstr, errstr_size, "topic %s: %s", req->name, ls_errmsg());
        return shim_err_from_ls(rc);
    }
    ls_table_info ti;
    rc = ls_table_info_get(t, &ti);
    size_t live = 0;
    ls_checkpoint_info ci;
    for (size_t i = 0; rc == LS_OK && ls_table_checkpoint_get(t, i, &ci) == LS_OK; i++)
        live += ci.live != 0;
    ls_table_close(t);
    if (rc) {
        snprintf(errstr, errstr_size, "topic %s: %s", req->name, ls_errmsg());
        return shim_err_from_ls(rc);
    }
    enum { TOPIC = RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG,
           DFLT = RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG };
    char v[16][32];
    const struct { const char *name; const char *value; int source; } e[] = {
        {"cleanup.policy", "delete", DFLT},
        {"compression.type", ti.codec == LS_CODEC_ZSTD ? "zstd" : "uncompressed", TOPIC},
        {"lakestream.checkpoints", (snprintf(v[0], 32, "%zu", live), v[0]), TOPIC},
        {"lakestream.commits", (snprintf(v[1], 32, "%zu", ti.commits), v[1]), TOPIC},
        {"lakestream.global.batch.size",
         (snprintf(v[2], 32, "%" PRIu32, ti.global_batch), v[2]), TOPIC},
        {"lakestream.low.watermark.step",
         (snprintf(v[3], 32, "%" PRIu64, ti.low_watermark_step), v[3]), TOPIC},
        {"lakestream.producers", (snprintf(v[4], 32, "%zu", ti.producers), v[4]), TOPIC},
        {"lakestream.snapshot.version",
         (snprintf(v[5], 32, "%" PRIu64, ti.snapshot_version), v[5]), TOPIC},
        {"lakestream.table.format", (snprintf(v[6], 32, "%d", ti.table_format), v[6]), TOPIC},
        {"lakestream.total.samples",
         (snprintf(v[7], 32, "%" PRIu64, ti.total_samples), v[7]), TOPIC},
        {"lakestream.version", (snprintf(v[8], 32, "%" PRIu64, ti.version), v[8]), TOPIC},
        {"lakestream.visible.steps",
         (snprintf(v[9], 32, "%" PRIu64, ti.visible_steps), v[9]), TOPIC},
        {"max.message.bytes", (snprintf(v[10], 32, "%u", LS_SAMPLE_BYTES_MAX), v[10]), DFLT},
        {"retention.bytes", "-1", DFLT},
        {"retention.ms", "-1", DFLT},
    };
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
        if (wanted(req, e[i].name) &&
            config_add(out, e[i].name, e[i].value, (rd_kafka_ConfigSource_t)e[i].source, 1, 0)) {
            snprintf(errstr, errstr_size, "out of memory");
            return RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
        }
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* A BROKER resource (every broker id is the store): the handle's
 * configuration as rd_kafka_conf_dump lists it, read-only (the
 * configuration of a handle is fixed at rd_kafka_new); secrets without
 * their value. */
static rd_kafka_resp_err_t describe_broker(rd_kafka_t *rk, const rd_kafka_ConfigResource_t *req,
                                           rd_kafka_ConfigResource_t *out, char *errstr,
                                           size_t errstr_size)
{
    size_t cnt;
    const char **kv = rd_kafka_conf_dump(rk->conf, &cnt);
    rd_kafka_resp_err_t err = kv ? RD_KAFKA_RESP_ERR_NO_ERROR
                                 : RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
    for (size_t i = 0; !err && i + 1 < cnt; i += 2) {
        if (!wanted(req, kv[i]))
            continue;
        int secret = is_sensitive(kv[i]);
        rd_kafka_ConfigSource_t src = shim_conf_lookup(rk->conf, kv[i])
                                          ? RD_KAFKA_CONFIG_SOURCE_STATIC_BROKER_CONFIG
                                          : RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG;
        if (config_add(out, kv[i], secret ? NULL : kv[i + 1], src, 1, secret))
            err = RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
    }
    rd_kafka_conf_dump_free(kv, cnt);
    if (err)
        snprintf(errstr, errstr_size, "out of memory");
    return err;
}

void rd_kafka_DescribeConfigs(rd_kafka_t *rk, rd_kafka_ConfigResource_t **configs,
                              size_t config_cnt, const rd_kafka_AdminOptions_t *options,
                              rd_kafka_queue_t *rkqu)
{
    if (!rk)
        return;
    char errstr[SHIM_ADMIN_ERRSTR_BYTES];
    rd_kafka_resp_err_t err = check_single_broker(configs, config_cnt, errstr, sizeof errstr);
    if (!err && config_cnt == 0) {
        snprintf(errstr, sizeof errstr, "No config resources specified");
        err = RD_KAFKA_RESP_ERR__INVALID_ARG;
    }
    if (err) {
        shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, options, NULL, err,
                         "%s", errstr);
        return;
    }
    shim_admin_res *res = shim_admin_res_new(config_resource_free);
    int64_t deadline = shim_admin_deadline_ms(rk, options);
    for (size_t i = 0; res && i < config_cnt; i++) {
        const rd_kafka_ConfigResource_t *req = configs[i];
        rd_kafka_ConfigResource_t *out = resource_result_new(req, 0, NULL);
        errstr[0] = '\0';
        if (!out)
            err = RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
        else if (i > 0 && shim_now_ms() >= deadline) {
            snprintf(errstr, sizeof errstr, "not described: the request timed out");
            err = RD_KAFKA_RESP_ERR__TIMED_OUT;
        } else if (req->restype == RD_KAFKA_RESOURCE_TOPIC)
            err = describe_topic(rk, req, out, errstr, sizeof errstr);
        else if (req->restype == RD_KAFKA_RESOURCE_BROKER)
            err = describe_broker(rk, req, out, errstr, sizeof errstr);
        else {
            snprintf(errstr, sizeof errstr, "Unsupported resource type %s for DescribeConfigs "
                     "(TOPIC and BROKER are)", rd_kafka_ResourceType_name(req->restype));
            err = RD_KAFKA_RESP_ERR_INVALID_REQUEST;
        }
        if (out && err) {  /* an error: no entries, as a broker answers */
            for (size_t k = 0; k < out->n; k++)
                config_entry_free(out->entries[k]);
            out->n = 0;
            out->err = err;
            out->errstr = errstr[0] ? strdup(errstr) : NULL;
        }
        if (shim_admin_res_add(res, out)) {
            admin_res_free(res);
            res = NULL;
        }
    }
    shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, options, res,
                     res ? 0 : RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
}
