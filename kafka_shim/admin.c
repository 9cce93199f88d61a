/*
 * admin.c -- librdkafka's Admin API over Lakestream (docs/kafka-shim.md,
 * "Admin API"): the result events and their accessors, AdminOptions, the
 * topic objects with librdkafka 2.0.2's own validation and error texts,
 * and the topic operations.  Configs are in admin_configs.c, consumer
 * groups in admin_groups.c, ACLs in admin_acl.c.
 *
 * An operation runs on the calling thread against the handle's store and
 * completes by pushing exactly one result event to the reply queue before
 * it returns (a background queue hands it to background_event_cb on the
 * handle's background thread).  Checks librdkafka makes before sending a
 * request (no items, duplicates, a bad broker id) fail the whole request:
 * the event's error, as librdkafka.  Otherwise every item has its own
 * result, in the order asked, as librdkafka reorders broker replies.
 *
 * Topics are tables.  CreateTopics creates a table per NewTopic with
 * global batch B = the topic config lakestream.global.batch.size, else the
 * handle's (default 1): a topic's partitions are its readers' world size,
 * which must divide B, so a partition count (or a replica assignment's)
 * that does not divide B is INVALID_PARTITIONS; -1 takes any.  DeleteTopics
 * deletes every object under "<table>/", the descriptor last, so an
 * interrupted delete leaves a table that still exists (and cannot be
 * created again over its remains) until a later DeleteTopics finishes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shim_int.h"

/* Limits of the admin API (to move to shim_int.h's limits block). */
#define SHIM_ADMIN_PARTITIONS_MAX   100000  /* RD_KAFKAP_PARTITIONS_MAX */
#define SHIM_ADMIN_BROKERS_MAX      10000   /* RD_KAFKAP_BROKERS_MAX: replicas of a partition */
#define SHIM_ADMIN_TIMEOUT_MS_MAX   3600000 /* request and operation timeouts */
#define SHIM_ADMIN_TIMEOUT_MS_DEFAULT 60000 /* socket.timeout.ms's default, librdkafka's
                                               default request timeout */
#define SHIM_ADMIN_DELETE_PASSES    3u      /* listings of a table being deleted: later
                                               ones find what a racing writer added */
#define SHIM_ADMIN_ERRSTR_BYTES     512u

/* The descriptor's key below "<table>/" (lakestream.h, LS_OBJECT_DESCRIPTOR);
 * checked against ls_object_kind_of before a key is built from it. */
#define ADMIN_DESCRIPTOR_REL "_table"

#define NOT_IMPL(op) "liblakestream-rdkafka: " op " is not implemented (docs/kafka-shim.md)"

/* librdkafka's confvals: an option is enabled for some APIs only; setting
 * a disabled one, or a value out of range, fails with librdkafka's text. */
struct rd_kafka_AdminOptions_s {
    rd_kafka_admin_op_t for_api;
    int   request_timeout_ms;
    int   operation_timeout_ms;     /* enabled: has_operation_timeout */
    int   validate_only;            /* enabled: has_validate_only */
    int   broker;                   /* -1: any */
    int   require_stable_offsets;   /* enabled: has_stable */
    rd_kafka_consumer_group_state_t *states;  /* owned; enabled: has_states */
    size_t nstates;
    int   has_operation_timeout, has_validate_only, has_stable, has_states;
    void *opaque;
};

/* ---- result payloads and events ---------------------------------------- */

shim_admin_res *shim_admin_res_new(void (*item_free)(void *))
{
    shim_admin_res *res = calloc(1, sizeof *res);
    if (res)
        res->item_free = item_free;
    return res;
}

int shim_admin_res_add(shim_admin_res *res, void *item)
{
    if (!res || !item) {
        if (res && item)
            res->item_free(item);
        return -1;
    }
    if (res->n == res->cap) {
        size_t cap = res->cap ? res->cap * 2 : 8;
        void **items = realloc(res->items, cap * sizeof *items);
        if (!items) {
            res->item_free(item);
            return -1;
        }
        res->items = items;
        res->cap = cap;
    }
    res->items[res->n++] = item;
    return 0;
}

static void admin_res_free(void *p)
{
    shim_admin_res *res = p;
    if (!res)
        return;
    for (size_t i = 0; i < res->n; i++)
        res->item_free(res->items[i]);
    free(res->items);
    free(res);
}

const shim_admin_res *shim_admin_res_of(const rd_kafka_event_t *ev, rd_kafka_event_type_t type)
{
    return ev && ev->type == type ? ev->result : NULL;
}

/* The items of a result as librdkafka's readers return them: NULL and 0
 * for the wrong event or a request that failed as a whole. */
static const void **res_items(const void *result, rd_kafka_event_type_t type, size_t *cntp)
{
    const shim_admin_res *res = shim_admin_res_of(result, type);
    *cntp = res ? res->n : 0;
    return res && res->n ? (const void **)res->items : NULL;
}

void shim_admin_reply(rd_kafka_t *rk, rd_kafka_queue_t *rkqu, rd_kafka_event_type_t type,
                      const rd_kafka_AdminOptions_t *options, shim_admin_res *res,
                      rd_kafka_resp_err_t err, const char *fmt, ...)
{
    rd_kafka_event_t *ev = shim_event_new(rk, type);
    if (!ev) {  /* out of memory: nothing can be told */
        admin_res_free(res);
        return;
    }
    ev->opaque = options ? options->opaque : NULL;
    ev->err = err;
    if (err && fmt) {
        char buf[SHIM_ADMIN_ERRSTR_BYTES];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        ev->errstr = strdup(buf);  /* NULL: rd_kafka_err2str(err) */
    }
    ev->result = res;
    ev->result_free = res ? admin_res_free : NULL;
    if (!rkqu)  /* librdkafka asserts; the result has nowhere to go */
        shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "admin request without a reply queue: "
                    "its result (%s) is dropped", rd_kafka_event_name(ev));
    shim_queue_push(rkqu, ev);  /* frees ev when rkqu is NULL */
}

#define EVENT_RESULT(Op, TYPE)                                                              \
    const rd_kafka_##Op##_result_t *rd_kafka_event_##Op##_result(rd_kafka_event_t *rkev)   \
    {                                                                                       \
        return rkev && rkev->type == (TYPE) ? (const rd_kafka_##Op##_result_t *)rkev : NULL; \
    }
EVENT_RESULT(CreateTopics, RD_KAFKA_EVENT_CREATETOPICS_RESULT)
EVENT_RESULT(DeleteTopics, RD_KAFKA_EVENT_DELETETOPICS_RESULT)
EVENT_RESULT(CreatePartitions, RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT)
EVENT_RESULT(AlterConfigs, RD_KAFKA_EVENT_ALTERCONFIGS_RESULT)
EVENT_RESULT(DescribeConfigs, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT)
EVENT_RESULT(DeleteRecords, RD_KAFKA_EVENT_DELETERECORDS_RESULT)
EVENT_RESULT(ListConsumerGroups, RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT)
EVENT_RESULT(DescribeConsumerGroups, RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT)
EVENT_RESULT(DeleteGroups, RD_KAFKA_EVENT_DELETEGROUPS_RESULT)
EVENT_RESULT(DeleteConsumerGroupOffsets, RD_KAFKA_EVENT_DELETECONSUMERGROUPOFFSETS_RESULT)
EVENT_RESULT(CreateAcls, RD_KAFKA_EVENT_CREATEACLS_RESULT)
EVENT_RESULT(DescribeAcls, RD_KAFKA_EVENT_DESCRIBEACLS_RESULT)
EVENT_RESULT(DeleteAcls, RD_KAFKA_EVENT_DELETEACLS_RESULT)
EVENT_RESULT(AlterConsumerGroupOffsets, RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT)
EVENT_RESULT(ListConsumerGroupOffsets, RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT)
#undef EVENT_RESULT

/* ---- AdminOptions ------------------------------------------------------- */

static int admin_default_timeout_ms(rd_kafka_t *rk)
{
    const char *v = rk && rk->conf ? shim_conf_lookup(rk->conf, "socket.timeout.ms") : NULL;
    char *end;
    long ms = v ? strtol(v, &end, 10) : -1;
    return v && !*end && ms >= 0 && ms <= SHIM_ADMIN_TIMEOUT_MS_MAX
               ? (int)ms : SHIM_ADMIN_TIMEOUT_MS_DEFAULT;
}

/* 1 if an option enabled for the APIs in ops (a mask of 1 << op) is for api. */
#define OPS(op) (1u << (op))
static int enabled_for(rd_kafka_admin_op_t api, unsigned ops)
{
    return api == RD_KAFKA_ADMIN_OP_ANY || (ops & OPS(api));
}

rd_kafka_AdminOptions_t *rd_kafka_AdminOptions_new(rd_kafka_t *rk, rd_kafka_admin_op_t for_api)
{
    if ((int)for_api < 0 || for_api >= RD_KAFKA_ADMIN_OP__CNT)
        return NULL;
    rd_kafka_AdminOptions_t *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->for_api = for_api;
    o->request_timeout_ms = admin_default_timeout_ms(rk);
    o->operation_timeout_ms = o->request_timeout_ms;
    o->broker = -1;
    o->has_operation_timeout = enabled_for(for_api, OPS(RD_KAFKA_ADMIN_OP_CREATETOPICS) |
                                                    OPS(RD_KAFKA_ADMIN_OP_DELETETOPICS) |
                                                    OPS(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS) |
                                                    OPS(RD_KAFKA_ADMIN_OP_DELETERECORDS));
    o->has_validate_only = enabled_for(for_api, OPS(RD_KAFKA_ADMIN_OP_CREATETOPICS) |
                                                OPS(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS) |
                                                OPS(RD_KAFKA_ADMIN_OP_ALTERCONFIGS));
    o->has_stable = enabled_for(for_api, OPS(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS));
    o->has_states = enabled_for(for_api, OPS(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS));
    return o;
}

void rd_kafka_AdminOptions_destroy(rd_kafka_AdminOptions_t *options)
{
    if (!options)
        return;
    free(options->states);
    free(options);
}

/* librdkafka's rd_kafka_confval_set_type for an int option. */
static rd_kafka_resp_err_t opt_set_int(int *dst, int enabled, const char *name, int v,
                                       int vmin, int vmax, char *errstr, size_t errstr_size)
{
    if (!enabled) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "\"%s\" is not supported for this operation", name);
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    }
    if (v < vmin || v > vmax) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size,
                     "Invalid value type for \"%s\": expecting integer in range %d..%d", name,
                     vmin, vmax);
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    }
    *dst = v;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t rd_kafka_AdminOptions_set_request_timeout(rd_kafka_AdminOptions_t *options,
                                                              int timeout_ms, char *errstr,
                                                              size_t errstr_size)
{
    return opt_set_int(&options->request_timeout_ms, 1, "request_timeout", timeout_ms, 0,
                       SHIM_ADMIN_TIMEOUT_MS_MAX, errstr, errstr_size);
}

/* Accepted and kept: the operations are complete when their result is
 * pushed, so there is nothing to wait for on a broker. */
rd_kafka_resp_err_t rd_kafka_AdminOptions_set_operation_timeout(rd_kafka_AdminOptions_t *options,
                                                                int timeout_ms, char *errstr,
                                                                size_t errstr_size)
{
    return opt_set_int(&options->operation_timeout_ms, options->has_operation_timeout,
                       "operation_timeout", timeout_ms, -1, SHIM_ADMIN_TIMEOUT_MS_MAX, errstr,
                       errstr_size);
}

rd_kafka_resp_err_t rd_kafka_AdminOptions_set_validate_only(rd_kafka_AdminOptions_t *options,
                                                            int true_or_false, char *errstr,
                                                            size_t errstr_size)
{
    return opt_set_int(&options->validate_only, options->has_validate_only, "validate_only",
                       true_or_false, 0, 1, errstr, errstr_size);
}

/* Every broker id is the store (there is one). */
rd_kafka_resp_err_t rd_kafka_AdminOptions_set_broker(rd_kafka_AdminOptions_t *options,
                                                     int32_t broker_id, char *errstr,
                                                     size_t errstr_size)
{
    return opt_set_int(&options->broker, 1, "broker", (int)broker_id, 0, INT32_MAX, errstr,
                       errstr_size);
}

rd_kafka_error_t *rd_kafka_AdminOptions_set_require_stable_offsets(
    rd_kafka_AdminOptions_t *options, int true_or_false)
{
    char errstr[SHIM_ADMIN_ERRSTR_BYTES];
    rd_kafka_resp_err_t err = opt_set_int(&options->require_stable_offsets, options->has_stable,
                                          "require_stable_offsets", true_or_false, 0, 1,
                                          errstr, sizeof errstr);
    return err ? rd_kafka_error_new(err, "%s", errstr) : NULL;
}

rd_kafka_error_t *rd_kafka_AdminOptions_set_match_consumer_group_states(
    rd_kafka_AdminOptions_t *options, const rd_kafka_consumer_group_state_t *consumer_group_states,
    size_t consumer_group_states_cnt)
{
    uint64_t seen = 0;
    _Static_assert(RD_KAFKA_CONSUMER_GROUP_STATE__CNT < 64, "states fit a bitmask");
    for (size_t i = 0; i < consumer_group_states_cnt; i++) {
        rd_kafka_consumer_group_state_t s = consumer_group_states[i];
        if ((int)s < 0 || s >= RD_KAFKA_CONSUMER_GROUP_STATE__CNT)
            return rd_kafka_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, "Invalid group state value");
        if (seen & ((uint64_t)1 << s))
            return rd_kafka_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG,
                                      "Duplicate states not allowed");
        seen |= (uint64_t)1 << s;
    }
    if (!options->has_states)
        return rd_kafka_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG,
                                  "\"match_consumer_group_states\" is not supported for this "
                                  "operation");
    rd_kafka_consumer_group_state_t *copy = NULL;
    if (consumer_group_states_cnt) {
        copy = malloc(consumer_group_states_cnt * sizeof *copy);
        if (!copy)
            return rd_kafka_error_new(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
        memcpy(copy, consumer_group_states, consumer_group_states_cnt * sizeof *copy);
    }
    free(options->states);
    options->states = copy;
    options->nstates = consumer_group_states_cnt;
    return NULL;
}

void rd_kafka_AdminOptions_set_opaque(rd_kafka_AdminOptions_t *options, void *ev_opaque)
{
    options->opaque = ev_opaque;
}

size_t shim_admin_match_states(const rd_kafka_AdminOptions_t *options,
                               const rd_kafka_consumer_group_state_t **states)
{
    *states = options ? options->states : NULL;
    return options ? options->nstates : 0;
}

int64_t shim_admin_deadline_ms(rd_kafka_t *rk, const rd_kafka_AdminOptions_t *options)
{
    int ms = options ? options->request_timeout_ms : admin_default_timeout_ms(rk);
    return shim_now_ms() + ms;
}

/* ---- the store's tables -------------------------------------------------- */

/* Tables are the first segments of the store's keys.  One listing of one
 * key finds the next: "<t>0" sorts after every "<t>/..." key (the byte
 * after '/') and before any other table's keys that follow. */
int shim_admin_next_table(rd_kafka_t *rk, char *name, size_t size)
{
    char after[LS_KEY_BYTES_MAX + 2] = "";
    if (*name)
        snprintf(after, sizeof after, "%s0", name);
    for (;;) {
        ls_keylist kl = { 0 };
        int rc = ls_store_list(rk->st, "", after[0] ? after : NULL, 1, &kl);
        if (rc)
            return -rc;
        if (kl.n == 0) {
            ls_keylist_free(&kl);
            return 0;
        }
        const char *k = kl.keys[0];
        const char *slash = strchr(k, '/');
        size_t n = slash ? (size_t)(slash - k) : strlen(k);
        if (!slash || n >= sizeof after - 1) {  /* an object at the root: no table */
            snprintf(after, sizeof after, "%s", k);
            ls_keylist_free(&kl);
            continue;
        }
        memcpy(after, k, n);
        after[n] = '\0';
        int ok = n < size && ls_name_is_valid(after);
        if (ok)
            memcpy(name, after, n + 1);
        after[n] = '0';
        after[n + 1] = '\0';
        ls_keylist_free(&kl);
        if (ok)
            return 1;
    }
}

static int descriptor_key(const char *table, char *key, size_t size)
{
    if (ls_object_kind_of(ADMIN_DESCRIPTOR_REL) != LS_OBJECT_DESCRIPTOR)
        return -1;  /* the core's key layout moved: refuse rather than guess */
    int n = snprintf(key, size, "%s/%s", table, ADMIN_DESCRIPTOR_REL);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

/* ---- topic results ------------------------------------------------------- */

struct rd_kafka_topic_result_s {
    rd_kafka_resp_err_t err;
    char *errstr;   /* NULL without an error */
    char  topic[];
};

static rd_kafka_topic_result_t *topic_result_new(const char *topic, rd_kafka_resp_err_t err,
                                                 const char *errstr)
{
    size_t tl = strlen(topic ? topic : ""), el = err && errstr ? strlen(errstr) + 1 : 0;
    rd_kafka_topic_result_t *r = malloc(sizeof *r + tl + 1 + el);
    if (!r)
        return NULL;
    r->err = err;
    memcpy(r->topic, topic ? topic : "", tl + 1);
    r->errstr = el ? memcpy(r->topic + tl + 1, errstr, el) : NULL;
    return r;
}

rd_kafka_resp_err_t rd_kafka_topic_result_error(const rd_kafka_topic_result_t *topicres)
{
    return topicres->err;
}

const char *rd_kafka_topic_result_error_string(const rd_kafka_topic_result_t *topicres)
{
    return topicres->errstr;
}

const char *rd_kafka_topic_result_name(const rd_kafka_topic_result_t *topicres)
{
    return topicres->topic;
}

const rd_kafka_topic_result_t **rd_kafka_CreateTopics_result_topics(
    const rd_kafka_CreateTopics_result_t *result, size_t *cntp)
{
    return (const rd_kafka_topic_result_t **)res_items(result, RD_KAFKA_EVENT_CREATETOPICS_RESULT,
                                                       cntp);
}

const rd_kafka_topic_result_t **rd_kafka_DeleteTopics_result_topics(
    const rd_kafka_DeleteTopics_result_t *result, size_t *cntp)
{
    return (const rd_kafka_topic_result_t **)res_items(result, RD_KAFKA_EVENT_DELETETOPICS_RESULT,
                                                       cntp);
}

const rd_kafka_topic_result_t **rd_kafka_CreatePartitions_result_topics(
    const rd_kafka_CreatePartitions_result_t *result, size_t *cntp)
{
    return (const rd_kafka_topic_result_t **)res_items(
        result, RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT, cntp);
}

/* ---- NewTopic, DeleteTopic, NewPartitions -------------------------------- */

/* Replica lists of partitions 0..n-1, added in order (librdkafka's rule). */
typedef struct replicas {
    int32_t **ids;     /* ids[p]: owned, cnt[p] broker ids */
    size_t   *cnt;
    size_t    n, cap;
} replicas;

static void replicas_clear(replicas *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->ids[i]);
    free(r->ids);
    free(r->cnt);
    memset(r, 0, sizeof *r);
}

static rd_kafka_resp_err_t replicas_add(replicas *r, int32_t partition, const int32_t *ids,
                                        size_t cnt, const char *what, char *errstr,
                                        size_t errstr_size)
{
    if (partition < 0 || (size_t)partition != r->n) {
        snprintf(errstr, errstr_size, "Partitions must be added in order, starting at 0: "
                 "expecting %s %d, not %" PRId32, what, (int)r->n, partition);
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    }
    if (cnt > SHIM_ADMIN_BROKERS_MAX) {
        snprintf(errstr, errstr_size, "Too many brokers specified (RD_KAFKAP_BROKERS_MAX=%d)",
                 SHIM_ADMIN_BROKERS_MAX);
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        int32_t **nids = realloc(r->ids, cap * sizeof *nids);
        if (nids)
            r->ids = nids;
        size_t *ncnt = nids ? realloc(r->cnt, cap * sizeof *ncnt) : NULL;
        if (!ncnt) {
            snprintf(errstr, errstr_size, "out of memory");
            return RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
        }
        r->cnt = ncnt;
        r->cap = cap;
    }
    int32_t *copy = malloc((cnt ? cnt : 1) * sizeof *copy);
    if (!copy) {
        snprintf(errstr, errstr_size, "out of memory");
        return RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
    }
    if (cnt)
        memcpy(copy, ids, cnt * sizeof *copy);
    r->ids[r->n] = copy;
    r->cnt[r->n++] = cnt;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

struct rd_kafka_NewTopic_s {
    char    *topic;
    int      num_partitions, replication_factor;
    replicas assignment;
    char   **cfg_names, **cfg_values;  /* owned; a value may be NULL */
    size_t   ncfg, capcfg;
};

rd_kafka_NewTopic_t *rd_kafka_NewTopic_new(const char *topic, int num_partitions,
                                           int replication_factor, char *errstr,
                                           size_t errstr_size)
{
    if (!topic) {
        snprintf(errstr, errstr_size, "Invalid topic name");
        return NULL;
    }
    if (num_partitions < -1 || num_partitions > SHIM_ADMIN_PARTITIONS_MAX) {
        snprintf(errstr, errstr_size, "num_partitions out of expected range %d..%d or -1 for "
                 "broker default", 1, SHIM_ADMIN_PARTITIONS_MAX);
        return NULL;
    }
    if (replication_factor < -1 || replication_factor > SHIM_ADMIN_BROKERS_MAX) {
        snprintf(errstr, errstr_size, "replication_factor out of expected range %d..%d", -1,
                 SHIM_ADMIN_BROKERS_MAX);
        return NULL;
    }
    rd_kafka_NewTopic_t *nt = calloc(1, sizeof *nt);
    if (!nt || !(nt->topic = strdup(topic))) {
        free(nt);
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    nt->num_partitions = num_partitions;
    nt->replication_factor = replication_factor;
    return nt;
}

void rd_kafka_NewTopic_destroy(rd_kafka_NewTopic_t *new_topic)
{
    if (!new_topic)
        return;
    replicas_clear(&new_topic->assignment);
    for (size_t i = 0; i < new_topic->ncfg; i++) {
        free(new_topic->cfg_names[i]);
        free(new_topic->cfg_values[i]);
    }
    free(new_topic->cfg_names);
    free(new_topic->cfg_values);
    free(new_topic->topic);
    free(new_topic);
}

void rd_kafka_NewTopic_destroy_array(rd_kafka_NewTopic_t **new_topics, size_t new_topic_cnt)
{
    for (size_t i = 0; i < new_topic_cnt; i++)
        rd_kafka_NewTopic_destroy(new_topics[i]);
}

rd_kafka_resp_err_t rd_kafka_NewTopic_set_replica_assignment(rd_kafka_NewTopic_t *new_topic,
                                                             int32_t partition,
                                                             int32_t *broker_ids,
                                                             size_t broker_id_cnt, char *errstr,
                                                             size_t errstr_size)
{
    if (new_topic->replication_factor != -1) {
        snprintf(errstr, errstr_size, "Specifying a replication factor and a replica "
                 "assignment are mutually exclusive");
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    }
    if (new_topic->num_partitions == -1) {
        snprintf(errstr, errstr_size, "Specifying a default partition count and a replica "
                 "assignment are mutually exclusive");
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    }
    return replicas_add(&new_topic->assignment, partition, broker_ids, broker_id_cnt,
                        "partition", errstr, errstr_size);
}

/* Added in order, a name may repeat (as librdkafka; the last one wins). */
rd_kafka_resp_err_t rd_kafka_NewTopic_set_config(rd_kafka_NewTopic_t *new_topic,
                                                 const char *name, const char *value)
{
    if (!name)
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    if (new_topic->ncfg == new_topic->capcfg) {
        size_t cap = new_topic->capcfg ? new_topic->capcfg * 2 : 8;
        char **nn = realloc(new_topic->cfg_names, cap * sizeof *nn);
        if (nn)
            new_topic->cfg_names = nn;
        char **nv = nn ? realloc(new_topic->cfg_values, cap * sizeof *nv) : NULL;
        if (!nv)
            return RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
        new_topic->cfg_values = nv;
        new_topic->capcfg = cap;
    }
    char *n = strdup(name), *v = value ? strdup(value) : NULL;
    if (!n || (value && !v)) {
        free(n);
        free(v);
        return RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
    }
    new_topic->cfg_names[new_topic->ncfg] = n;
    new_topic->cfg_values[new_topic->ncfg++] = v;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

struct rd_kafka_DeleteTopic_s {
    char topic[1];  /* allocated to fit */
};

rd_kafka_DeleteTopic_t *rd_kafka_DeleteTopic_new(const char *topic)
{
    size_t n = strlen(topic ? topic : "");
    rd_kafka_DeleteTopic_t *dt = malloc(sizeof *dt + n);
    if (dt)
        memcpy(dt->topic, topic ? topic : "", n + 1);
    return dt;
}

void rd_kafka_DeleteTopic_destroy(rd_kafka_DeleteTopic_t *del_topic) { free(del_topic); }

void rd_kafka_DeleteTopic_destroy_array(rd_kafka_DeleteTopic_t **del_topics, size_t del_topic_cnt)
{
    for (size_t i = 0; i < del_topic_cnt; i++)
        free(del_topics[i]);
}

struct rd_kafka_NewPartitions_s {
    char    *topic;
    size_t   total_cnt;
    replicas assignment;
};

rd_kafka_NewPartitions_t *rd_kafka_NewPartitions_new(const char *topic, size_t new_total_cnt,
                                                     char *errstr, size_t errstr_size)
{
    if (new_total_cnt < 1 || new_total_cnt > SHIM_ADMIN_PARTITIONS_MAX) {
        snprintf(errstr, errstr_size, "new_total_cnt out of expected range %d..%d", 1,
                 SHIM_ADMIN_PARTITIONS_MAX);
        return NULL;
    }
    rd_kafka_NewPartitions_t *np = calloc(1, sizeof *np);
    if (!np || !(np->topic = strdup(topic ? topic : ""))) {
        free(np);
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    np->total_cnt = new_total_cnt;
    return np;
}

void rd_kafka_NewPartitions_destroy(rd_kafka_NewPartitions_t *new_parts)
{
    if (!new_parts)
        return;
    replicas_clear(&new_parts->assignment);
    free(new_parts->topic);
    free(new_parts);
}

void rd_kafka_NewPartitions_destroy_array(rd_kafka_NewPartitions_t **new_parts,
                                          size_t new_parts_cnt)
{
    for (size_t i = 0; i < new_parts_cnt; i++)
        rd_kafka_NewPartitions_destroy(new_parts[i]);
}

rd_kafka_resp_err_t rd_kafka_NewPartitions_set_replica_assignment(
    rd_kafka_NewPartitions_t *new_parts, int32_t new_partition_idx, int32_t *broker_ids,
    size_t broker_id_cnt, char *errstr, size_t errstr_size)
{
    return replicas_add(&new_parts->assignment, new_partition_idx, broker_ids, broker_id_cnt,
                        "partition index", errstr, errstr_size);
}

/* ---- CreateTopics ----------------------------------------------------------- */

/* Kafka's topic configs (Kafka 3.x TopicConfig): accepted, checked for a
 * value of their type, and ignored, because a table has no segments,
 * replicas or time-based retention (its steps stay until its checkpoints
 * release them, docs/checkpoints.md); retention.ms in particular is not
 * table.log.retention.ms, which bounds log records, not data.  What does
 * carry over: compression.type (zstd, or none), and cleanup.policy
 * must be "delete" (a table is never compacted). */
typedef enum { TC_LONG, TC_BOOL, TC_RATIO, TC_ENUM, TC_TEXT } tc_type;
static const struct topic_cfg {
    const char *name;
    tc_type     type;
    long long   min;       /* TC_LONG */
    const char *choices;   /* TC_ENUM: '|'-separated, case-insensitive */
} topic_cfgs[] = {
    {"cleanup.policy", TC_ENUM, 0, "delete"},
    {"compression.type", TC_ENUM, 0, "uncompressed|zstd|lz4|snappy|gzip|producer"},
    {"delete.retention.ms", TC_LONG, 0, NULL},
    {"file.delete.delay.ms", TC_LONG, 0, NULL},
    {"flush.messages", TC_LONG, 0, NULL},
    {"flush.ms", TC_LONG, 0, NULL},
    {"follower.replication.throttled.replicas", TC_TEXT, 0, NULL},
    {"index.interval.bytes", TC_LONG, 0, NULL},
    {"leader.replication.throttled.replicas", TC_TEXT, 0, NULL},
    {"local.retention.bytes", TC_LONG, -2, NULL},
    {"local.retention.ms", TC_LONG, -2, NULL},
    {"max.compaction.lag.ms", TC_LONG, 1, NULL},
    {"max.message.bytes", TC_LONG, 0, NULL},
    {"message.downconversion.enable", TC_BOOL, 0, NULL},
    {"message.format.version", TC_TEXT, 0, NULL},
    {"message.timestamp.difference.max.ms", TC_LONG, 0, NULL},
    {"message.timestamp.type", TC_ENUM, 0, "CreateTime|LogAppendTime"},
    {"min.cleanable.dirty.ratio", TC_RATIO, 0, NULL},
    {"min.compaction.lag.ms", TC_LONG, 0, NULL},
    {"min.insync.replicas", TC_LONG, 1, NULL},
    {"preallocate", TC_BOOL, 0, NULL},
    {"remote.storage.enable", TC_BOOL, 0, NULL},
    {"retention.bytes", TC_LONG, -1, NULL},
    {"retention.ms", TC_LONG, -1, NULL},
    {"segment.bytes", TC_LONG, 14, NULL},
    {"segment.index.bytes", TC_LONG, 4, NULL},
    {"segment.jitter.ms", TC_LONG, 0, NULL},
    {"segment.ms", TC_LONG, 1, NULL},
    {"unclean.leader.election.enable", TC_BOOL, 0, NULL},
};

/* Core table properties a topic config may set as lakestream.<name>: the
 * ones kept in the descriptor (the others belong to each process). */
static const char *const table_props[] = { "table.format", "table.log.retention.ms" };

static int enum_has(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *c = choices; *c;) {
        const char *bar = strchr(c, '|');
        size_t k = bar ? (size_t)(bar - c) : strlen(c);
        if (k == n && !strncasecmp(c, v, n))
            return 1;
        c += k + (bar != NULL);
    }
    return 0;
}

/* 0 if v is a value of cfg's type, else -1 with why in errstr. */
static int topic_cfg_check(const struct topic_cfg *cfg, const char *v, char *errstr,
                           size_t errstr_size)
{
    char *end;
    errno = 0;
    switch (cfg->type) {
    case TC_LONG: {
        long long x = strtoll(v, &end, 10);
        if (*v && !*end && !errno && x >= cfg->min)
            return 0;
        snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: an integer "
                 "of at least %lld", v, cfg->name, cfg->min);
        return -1;
    }
    case TC_BOOL:
        if (!strcasecmp(v, "true") || !strcasecmp(v, "false"))
            return 0;
        snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: Expected value "
                 "to be either true or false", v, cfg->name);
        return -1;
    case TC_RATIO: {
        double x = strtod(v, &end);
        if (*v && !*end && !errno && x >= 0 && x <= 1)
            return 0;
        snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: a number in "
                 "[0, 1]", v, cfg->name);
        return -1;
    }
    case TC_ENUM:
        if (enum_has(cfg->choices, v))
            return 0;
        if (!strcmp(cfg->name, "cleanup.policy"))
            snprintf(errstr, errstr_size, "cleanup.policy %s is not supported: a Lakestream "
                     "table is never compacted; its steps stay until its checkpoints release "
                     "them (only \"delete\" is accepted)", v);
        else
            snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: String must "
                     "be one of: %s", v, cfg->name, cfg->choices);
        return -1;
    case TC_TEXT:
        return 0;
    }
    return 0;
}

/* What a NewTopic's configs make of the table: its global batch, codec and
 * core table properties (tconf, a copy of the handle's).  A config that
 * is not a Kafka topic config nor one of ours, or a bad value, is
 * INVALID_CONFIG, as a broker says. */
static rd_kafka_resp_err_t topic_configs(rd_kafka_t *rk, const rd_kafka_NewTopic_t *nt,
                                         uint32_t *global_batch, ls_codec *codec,
                                         ls_conf *tconf, char *errstr, size_t errstr_size)
{
    *global_batch = rk->global_batch;
    *codec = rk->codec;
    for (size_t i = 0; i < nt->ncfg; i++) {
        const char *name = nt->cfg_names[i], *v = nt->cfg_values[i];
        if (!v) {
            snprintf(errstr, errstr_size, "Null value not supported for topic configs: %s",
                     name);
            return RD_KAFKA_RESP_ERR_INVALID_CONFIG;
        }
        if (!strcmp(name, "lakestream.global.batch.size")) {
            char *end;
            errno = 0;
            long long b = strtoll(v, &end, 10);
            if (!*v || *end || errno || b < 1 || b > LS_GLOBAL_BATCH_MAX) {
                snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: the "
                         "samples of a step, 1..%u", v, name, LS_GLOBAL_BATCH_MAX);
                return RD_KAFKA_RESP_ERR_INVALID_CONFIG;
            }
            *global_batch = (uint32_t)b;
            continue;
        }
        if (!strncmp(name, "lakestream.", 11)) {
            size_t k = 0;
            while (k < sizeof table_props / sizeof table_props[0] &&
                   strcmp(name + 11, table_props[k]))
                k++;
            if (k == sizeof table_props / sizeof table_props[0]) {
                snprintf(errstr, errstr_size, "Unknown topic config name: %s (a topic takes "
                         "lakestream.global.batch.size, lakestream.table.format and "
                         "lakestream.table.log.retention.ms; other lakestream.* properties "
                         "belong to the client configuration)", name);
                return RD_KAFKA_RESP_ERR_INVALID_CONFIG;
            }
            if (ls_conf_set(tconf, name + 11, v) != LS_OK) {
                snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: %s", v,
                         name, ls_errmsg());
                return RD_KAFKA_RESP_ERR_INVALID_CONFIG;
            }
            continue;
        }
        size_t k = 0;
        while (k < sizeof topic_cfgs / sizeof topic_cfgs[0] && strcmp(name, topic_cfgs[k].name))
            k++;
        if (k == sizeof topic_cfgs / sizeof topic_cfgs[0]) {
            snprintf(errstr, errstr_size, "Unknown topic config name: %s", name);
            return RD_KAFKA_RESP_ERR_INVALID_CONFIG;
        }
        if (topic_cfg_check(&topic_cfgs[k], v, errstr, errstr_size))
            return RD_KAFKA_RESP_ERR_INVALID_CONFIG;
        if (!strcmp(name, "compression.type") && strcasecmp(v, "producer"))
            *codec = !strcasecmp(v, "zstd") ? LS_CODEC_ZSTD : LS_CODEC_NONE;
    }
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* Kafka's checks of a replica assignment, placement aside (the store
 * places and replicates objects itself, so broker ids mean nothing). */
static rd_kafka_resp_err_t assignment_check(const replicas *a, char *errstr, size_t errstr_size)
{
    for (size_t p = 0; p < a->n; p++) {
        if (a->cnt[p] == 0 || a->cnt[p] != a->cnt[0]) {
            snprintf(errstr, errstr_size, "All partitions should have the same number of "
                     "replicas, at least one (partition %zu has %zu)", p, a->cnt[p]);
            return RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT;
        }
        for (size_t i = 0; i < a->cnt[p]; i++)
            for (size_t j = 0; j < i; j++)
                if (a->ids[p][i] == a->ids[p][j]) {
                    snprintf(errstr, errstr_size, "Duplicate replica assignment found for "
                             "partition %zu: broker %" PRId32, p, a->ids[p][i]);
                    return RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT;
                }
    }
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* 1 if table exists (its descriptor is there), 0 if not, else -ls_err. */
static int table_exists(rd_kafka_t *rk, const char *table)
{
    char key[LS_KEY_BYTES_MAX + 1];
    uint64_t size;
    if (descriptor_key(table, key, sizeof key))
        return -LS_ERR_UNSUPPORTED;
    int rc = ls_store_head(rk->st, key, &size);
    return rc == LS_OK ? 1 : rc == LS_ERR_NOT_FOUND ? 0 : -rc;
}

static rd_kafka_resp_err_t create_one(rd_kafka_t *rk, const rd_kafka_NewTopic_t *nt,
                                      int validate_only, int duplicate, char *errstr,
                                      size_t errstr_size)
{
    const char *topic = nt->topic;
    if (duplicate) {
        snprintf(errstr, errstr_size, "Create topics request contains multiple entries for "
                 "topic %s", topic);
        return RD_KAFKA_RESP_ERR_INVALID_REQUEST;
    }
    if (!ls_name_is_valid(topic)) {
        char q[LS_QUOTE_BYTES];
        snprintf(errstr, errstr_size, "Topic name \"%s\" is illegal: a topic is a Lakestream "
                 "table, named by 1..%u of [A-Za-z0-9._-], without \"..\"",
                 ls_quote(q, sizeof q, topic, strlen(topic)), LS_TABLE_NAME_BYTES_MAX);
        return RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION;
    }
    int ex = table_exists(rk, topic);
    if (ex < 0) {
        snprintf(errstr, errstr_size, "topic %s: %s", topic, ls_errmsg());
        return shim_err_from_ls(-ex);
    }
    if (ex) {
        snprintf(errstr, errstr_size, "Topic '%s' already exists.", topic);
        return RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS;
    }
    /* With an assignment librdkafka sends -1 partitions: the assignment's
     * count is the topic's. */
    int parts = nt->assignment.n ? (int)nt->assignment.n : nt->num_partitions;
    if (parts == 0) {
        snprintf(errstr, errstr_size, "Number of partitions must be larger than 0.");
        return RD_KAFKA_RESP_ERR_INVALID_PARTITIONS;
    }
    if (!nt->assignment.n && nt->replication_factor == 0) {
        snprintf(errstr, errstr_size, "Replication factor must be larger than 0.");
        return RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR;
    }
    rd_kafka_resp_err_t err = assignment_check(&nt->assignment, errstr, errstr_size);
    if (err)
        return err;
    ls_conf *tconf = ls_conf_dup(rk->lconf);
    if (!tconf) {
        snprintf(errstr, errstr_size, "out of memory");
        return RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
    }
    uint32_t b;
    ls_codec codec;
    err = topic_configs(rk, nt, &b, &codec, tconf, errstr, errstr_size);
    if (!err && parts > 0 && b % (uint32_t)parts) {
        snprintf(errstr, errstr_size, "topic %s: %d partitions do not divide the global batch "
                 "of %" PRIu32 " samples (lakestream.global.batch.size, of the topic config or "
                 "the client): partitions are the readers' world size, and each reader takes "
                 "B / W samples of every step", topic, parts, b);
        err = RD_KAFKA_RESP_ERR_INVALID_PARTITIONS;
    }
    if (!err && !validate_only) {
        int rc = ls_table_create_conf(rk->st, topic, b, codec, tconf);
        if (rc == LS_ERR_EXISTS) {
            snprintf(errstr, errstr_size, "Topic '%s' already exists.", topic);
            err = RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS;
        } else if (rc) {
            snprintf(errstr, errstr_size, "topic %s: %s", topic, ls_errmsg());
            err = shim_err_from_ls(rc);
        }
    }
    ls_conf_destroy(tconf);
    return err;
}

void rd_kafka_CreateTopics(rd_kafka_t *rk, rd_kafka_NewTopic_t **new_topics,
                           size_t new_topic_cnt, const rd_kafka_AdminOptions_t *options,
                           rd_kafka_queue_t *rkqu)
{
    if (!rk)
        return;
    if (new_topic_cnt == 0) {
        shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_CREATETOPICS_RESULT, options, NULL,
                         RD_KAFKA_RESP_ERR__INVALID_ARG, "No topics to create");
        return;
    }
    shim_admin_res *res = shim_admin_res_new(free);
    int64_t deadline = shim_admin_deadline_ms(rk, options);
    int validate_only = options && options->validate_only;
    for (size_t i = 0; res && i < new_topic_cnt; i++) {
        const rd_kafka_NewTopic_t *nt = new_topics[i];
        char errstr[SHIM_ADMIN_ERRSTR_BYTES] = "";
        rd_kafka_resp_err_t err;
        int dup = 0;
        for (size_t j = 0; j < new_topic_cnt && !dup; j++)
            dup = j != i && !strcmp(new_topics[j]->topic, nt->topic);
        if (i > 0 && shim_now_ms() >= deadline) {
            snprintf(errstr, sizeof errstr, "topic %s: not created: the request timed out",
                     nt->topic);
            err = RD_KAFKA_RESP_ERR__TIMED_OUT;
        } else {
            err = create_one(rk, nt, validate_only, dup, errstr, sizeof errstr);
        }
        if (shim_admin_res_add(res, topic_result_new(nt->topic, err, errstr))) {
            admin_res_free(res);
            res = NULL;
        }
    }
    if (!res)
        shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_CREATETOPICS_RESULT, options, NULL,
                         RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    else
        shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_CREATETOPICS_RESULT, options, res, 0, NULL);
}

/* ---- DeleteTopics ------------------------------------------------------------ */

/* Delete every object of table, the descriptor last: a delete that stops
 * (an error, the deadline) leaves the table in existence, and only a
 * DeleteTopics can finish it; ls_table_create refuses the name until
 * then, so a new table never meets an old one's records.  A pass that
 * still finds objects after the first (a client writing the table) is
 * repeated, up to SHIM_ADMIN_DELETE_PASSES; clients of the topic should be
 * stopped first, as with Kafka. */
static rd_kafka_resp_err_t delete_one(rd_kafka_t *rk, const char *topic, int64_t deadline,
                                      char *errstr, size_t errstr_size)
{
    if (!ls_name_is_valid(topic)) {
        snprintf(errstr, errstr_size, "This server does not host this topic-partition: "
                 "\"%.200s\" is not a table name", topic);
        return RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    }
    char desc[LS_KEY_BYTES_MAX + 1], prefix[LS_TABLE_NAME_BYTES_MAX + 2];
    if (descriptor_key(topic, desc, sizeof desc)) {
        snprintf(errstr, errstr_size, NOT_IMPL("DeleteTopics") ": the core's key layout is not "
                 "the one this build knows");
        return RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED;
    }
    snprintf(prefix, sizeof prefix, "%s/", topic);
    int ex = table_exists(rk, topic);
    if (ex == 0) {
        snprintf(errstr, errstr_size, "This server does not host this topic-partition: no "
                 "table %s in the store", topic);
        return RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    }
    uint64_t deleted = 0;
    int rc = ex < 0 ? -ex : LS_OK;
    for (unsigned pass = 0; rc == LS_OK; pass++) {
        char after[LS_KEY_BYTES_MAX + 1] = "";
        uint64_t in_pass = 0;
        for (;;) {
            ls_keylist kl = { 0 };
            rc = ls_store_list(rk->st, prefix, after[0] ? after : NULL, LS_LIST_KEYS_MAX, &kl);
            for (size_t i = 0; rc == LS_OK && i < kl.n; i++) {
                if (ls_object_kind_of(kl.keys[i] + strlen(prefix)) == LS_OBJECT_DESCRIPTOR)
                    continue;
                if (shim_now_ms() >= deadline) {
                    ls_keylist_free(&kl);
                    snprintf(errstr, errstr_size, "topic %s: %" PRIu64 " objects deleted when "
                             "the request timed out; the topic still exists: DeleteTopics "
                             "again finishes it", topic, deleted);
                    return RD_KAFKA_RESP_ERR__TIMED_OUT;
                }
                rc = ls_store_delete(rk->st, kl.keys[i]);
                deleted += rc == LS_OK;
                in_pass += rc == LS_OK;
            }
            size_t n = kl.n;
            if (rc == LS_OK && n)
                snprintf(after, sizeof after, "%s", kl.keys[n - 1]);
            ls_keylist_free(&kl);
            if (rc || n < LS_LIST_KEYS_MAX)
                break;
        }
        if (rc == LS_OK && in_pass == 0 && pass > 0)
            break;  /* a pass found nothing more: only the descriptor is left */
        if (rc == LS_OK && pass + 1 >= SHIM_ADMIN_DELETE_PASSES) {
            snprintf(errstr, errstr_size, "topic %s: objects keep appearing while it is "
                     "deleted (%" PRIu64 " deleted): a client is still writing it; stop it and "
                     "DeleteTopics again", topic, deleted);
            return RD_KAFKA_RESP_ERR__STATE;
        }
    }
    if (rc == LS_OK)
        rc = ls_store_delete(rk->st, desc);
    if (rc) {
        snprintf(errstr, errstr_size, "topic %s: %" PRIu64 " objects deleted, then: %s; the "
                 "topic still exists: DeleteTopics again finishes it", topic, deleted,
                 ls_errmsg());
        return shim_err_from_ls(rc);
    }
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

void rd_kafka_DeleteTopics(rd_kafka_t *rk, rd_kafka_DeleteTopic_t **del_topics,
                           size_t del_topic_cnt, const rd_kafka_AdminOptions_t *options,
                           rd_kafka_queue_t *rkqu)
{
    if (!rk)
        return;
    if (del_topic_cnt == 0) {
        shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_DELETETOPICS_RESULT, options, NULL,
                         RD_KAFKA_RESP_ERR__INVALID_ARG, "No topics to delete");
        return;
    }
    shim_admin_res *res = shim_admin_res_new(free);
    int64_t deadline = shim_admin_deadline_ms(rk, options);
    for (size_t i = 0; res && i < del_topic_cnt; i++) {
        const char *topic = del_topics[i]->topic;
        char errstr[SHIM_ADMIN_ERRSTR_BYTES] = "";
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        for (size_t j = 0; j < i && !err; j++)
            if (!strcmp(del_topics[j]->topic, topic)) {
                snprintf(errstr, sizeof errstr, "Delete topics request contains multiple "
                         "entries for topic %s", topic);
                err = RD_KAFKA_RESP_ERR_INVALID_REQUEST;
            }
        if (!err)
            err = delete_one(rk, topic, deadline, errstr, sizeof errstr);
        if (shim_admin_res_add(res, topic_result_new(topic, err, errstr))) {
            admin_res_free(res);
            res = NULL;
        }
    }
    if (!res)
        shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_DELETETOPICS_RESULT, options, NULL,
                         RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    else
        shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_DELETETOPICS_RESULT, options, res, 0, NULL);
}

/* ---- CreatePartitions, AlterConfigs, DeleteRecords: not implemented ----- */

void rd_kafka_CreatePartitions(rd_kafka_t *rk, rd_kafka_NewPartitions_t **new_parts,
                               size_t new_parts_cnt, const rd_kafka_AdminOptions_t *options,
                               rd_kafka_queue_t *rkqu)
{
    if (!rk)
        return;
    if (new_parts_cnt == 0) {
        shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT, options, NULL,
                         RD_KAFKA_RESP_ERR__INVALID_ARG, "No partitions to create");
        return;
    }
    shim_admin_res *res = shim_admin_res_new(free);
    for (size_t i = 0; res && i < new_parts_cnt; i++)
        if (shim_admin_res_add(res, topic_result_new(
                new_parts[i]->topic, RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED,
                NOT_IMPL("CreatePartitions") ": a topic's partitions are its readers' world "
                "size, which each reader chooses (lakestream.world.size)"))) {
            admin_res_free(res);
            res = NULL;
        }
    shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT, options, res,
                     res ? 0 : RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
}

struct rd_kafka_DeleteRecords_s {
    rd_kafka_topic_partition_list_t *offsets;  /* owned */
};

rd_kafka_DeleteRecords_t *rd_kafka_DeleteRecords_new(
    const rd_kafka_topic_partition_list_t *before_offsets)
{
    rd_kafka_DeleteRecords_t *dr = calloc(1, sizeof *dr);
    if (dr && before_offsets &&
        !(dr->offsets = rd_kafka_topic_partition_list_copy(before_offsets))) {
        free(dr);
        return NULL;
    }
    return dr;
}

void rd_kafka_DeleteRecords_destroy(rd_kafka_DeleteRecords_t *del_records)
{
    if (!del_records)
        return;
    if (del_records->offsets)
        rd_kafka_topic_partition_list_destroy(del_records->offsets);
    free(del_records);
}

void rd_kafka_DeleteRecords_destroy_array(rd_kafka_DeleteRecords_t **del_records,
                                          size_t del_record_cnt)
{
    for (size_t i = 0; i < del_record_cnt; i++)
        rd_kafka_DeleteRecords_destroy(del_records[i]);
}

/* 1 if a topic+partition appears twice in l. */
static int partitions_have_duplicates(const rd_kafka_topic_partition_list_t *l)
{
    for (int i = 0; l && i < l->cnt; i++)
        for (int j = 0; j < i; j++)
            if (l->elems[i].partition == l->elems[j].partition &&
                !strcmp(l->elems[i].topic, l->elems[j].topic))
                return 1;
    return 0;
}

static void partition_list_free(void *p) { rd_kafka_topic_partition_list_destroy(p); }

/* The offsets echoed, each partition with _NOT_IMPLEMENTED, and the event's
 * error saying why (a partition's error has no text).  Deleting the steps
 * before an offset would cut the table for every reader at once; the
 * table's checkpoints decide what GC reclaims (docs/checkpoints.md). */
void rd_kafka_DeleteRecords(rd_kafka_t *rk, rd_kafka_DeleteRecords_t **del_records,
                            size_t del_record_cnt, const rd_kafka_AdminOptions_t *options,
                            rd_kafka_queue_t *rkqu)
{
    if (!rk)
        return;
    const char *why = NULL;
    if (del_record_cnt != 1)
        why = "Exactly one DeleteRecords must be passed";
    else if (!del_records[0]->offsets || del_records[0]->offsets->cnt == 0)
        why = "No records to delete";
    else if (partitions_have_duplicates(del_records[0]->offsets))
        why = "Duplicate partitions not allowed";
    if (why) {
        shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_DELETERECORDS_RESULT, options, NULL,
                         RD_KAFKA_RESP_ERR__INVALID_ARG, "%s", why);
        return;
    }
    shim_admin_res *res = shim_admin_res_new(partition_list_free);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_copy(
        del_records[0]->offsets);
    for (int i = 0; l && i < l->cnt; i++)
        l->elems[i].err = RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED;
    if (shim_admin_res_add(res, l)) {
        admin_res_free(res);
        res = NULL;
    }
    shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_DELETERECORDS_RESULT, options, res,
                     RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, "%s",
                     res ? NOT_IMPL("DeleteRecords") ": a table's checkpoints decide what "
                           "garbage collection reclaims" : "out of memory");
}

const rd_kafka_topic_partition_list_t *rd_kafka_DeleteRecords_result_offsets(
    const rd_kafka_DeleteRecords_result_t *result)
{
    size_t n;
    const void **items = res_items(result, RD_KAFKA_EVENT_DELETERECORDS_RESULT, &n);
    return n ? items[0] : NULL;
}

