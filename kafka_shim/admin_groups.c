/*
 * admin_groups.c -- the consumer-group part of librdkafka's Admin API
 * (docs/kafka-shim.md, "Admin API"): group states, listings and
 * descriptions, the group offset request objects, group results, and the
 * operations.
 *
 * A consumer group exists where its consumers committed: a live checkpoint
 * "kafka.<g>.w<W>" (or a rank's "kafka.<g>.w<W>.r<p>") in a table's log,
 * <g> being group.id with every byte outside [A-Za-z0-9-] written as _HH
 * (consumer.c).  ListConsumerGroups and DescribeConsumerGroups read every
 * table of the store for them.  Nothing tracks live members (there is no
 * coordinator), so a group that has committed is Empty, with no members,
 * and a group that has not is Dead, as a broker describes an unknown one.
 * Deleting groups and listing or changing their offsets through the admin
 * API are not implemented: each item says so.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shim_int.h"

/* Limits (to move to shim_int.h's limits block). */
#define SHIM_ADMIN_TABLES_MAX   100000u  /* tables one scan of the store reads */
#define SHIM_ADMIN_GROUPS_MAX   100000u  /* groups one ListConsumerGroups returns */
#define SHIM_ADMIN_BROKER_ID    0        /* the store, as the group coordinator */

#define CKPT_PREFIX "kafka."   /* consumer.c */
#define NOT_IMPL(op) "liblakestream-rdkafka: " op " is not implemented (docs/kafka-shim.md)"

/* ---- group states, nodes, results ------------------------------------- */

static const char *const state_names[] = {
    "Unknown", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead", "Empty",
};
_Static_assert(sizeof state_names / sizeof state_names[0] == RD_KAFKA_CONSUMER_GROUP_STATE__CNT,
               "one name per state");

const char *rd_kafka_consumer_group_state_name(rd_kafka_consumer_group_state_t state)
{
    if ((int)state < 0 || state >= RD_KAFKA_CONSUMER_GROUP_STATE__CNT)
        return NULL;
    return state_names[state];
}

rd_kafka_consumer_group_state_t rd_kafka_consumer_group_state_code(const char *name)
{
    for (size_t i = 0; name && i < RD_KAFKA_CONSUMER_GROUP_STATE__CNT; i++)
        if (!strcasecmp(state_names[i], name))
            return (rd_kafka_consumer_group_state_t)i;
    return RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN;
}

struct rd_kafka_Node_s {
    int      id;
    char    *host;   /* owned */
    uint16_t port;
};

int rd_kafka_Node_id(const rd_kafka_Node_t *node) { return node->id; }
const char *rd_kafka_Node_host(const rd_kafka_Node_t *node) { return node->host; }
uint16_t rd_kafka_Node_port(const rd_kafka_Node_t *node) { return node->port; }

struct rd_kafka_group_result_s {
    char *group;                                  /* owned */
    rd_kafka_topic_partition_list_t *partitions;  /* owned, may be NULL */
    rd_kafka_error_t *error;                      /* owned, NULL: none */
};

const rd_kafka_error_t *rd_kafka_group_result_error(const rd_kafka_group_result_t *groupres)
{
    return groupres->error;
}

const char *rd_kafka_group_result_name(const rd_kafka_group_result_t *groupres)
{
    return groupres->group;
}

const rd_kafka_topic_partition_list_t *rd_kafka_group_result_partitions(
    const rd_kafka_group_result_t *groupres)
{
    return groupres->partitions;
}

static void group_result_free(void *p)
{
    rd_kafka_group_result_t *g = p;
    if (!g)
        return;
    free(g->group);
    if (g->partitions)
        rd_kafka_topic_partition_list_destroy(g->partitions);
    if (g->error)
        rd_kafka_error_destroy(g->error);
    free(g);
}

/* A group's result: not implemented, its partitions echoed (each with
 * the error; NULL partitions: none). */
static rd_kafka_group_result_t *group_not_impl(const char *group,
                                               const rd_kafka_topic_partition_list_t *parts,
                                               const char *why)
{
    rd_kafka_group_result_t *g = calloc(1, sizeof *g);
    if (!g || !(g->group = strdup(group ? group : "")) ||
        (parts && !(g->partitions = rd_kafka_topic_partition_list_copy(parts))) ||
        !(g->error = rd_kafka_error_new(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED, "%s", why))) {
        group_result_free(g);
        return NULL;
    }
    for (int i = 0; g->partitions && i < g->partitions->cnt; i++)
        g->partitions->elems[i].err = RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED;
    return g;
}

static const rd_kafka_group_result_t **groups_of(const void *result, rd_kafka_event_type_t type,
                                                 size_t *cntp)
{
    const shim_admin_res *res = shim_admin_res_of(result, type);
    *cntp = res ? res->n : 0;
    return res && res->n ? (const rd_kafka_group_result_t **)res->items : NULL;
}

const rd_kafka_group_result_t **rd_kafka_DeleteGroups_result_groups(
    const rd_kafka_DeleteGroups_result_t *result, size_t *cntp)
{
    return groups_of(result, RD_KAFKA_EVENT_DELETEGROUPS_RESULT, cntp);
}

const rd_kafka_group_result_t **rd_kafka_DeleteConsumerGroupOffsets_result_groups(
    const rd_kafka_DeleteConsumerGroupOffsets_result_t *result, size_t *cntp)
{
    return groups_of(result, RD_KAFKA_EVENT_DELETECONSUMERGROUPOFFSETS_RESULT, cntp);
}

const rd_kafka_group_result_t **rd_kafka_AlterConsumerGroupOffsets_result_groups(
    const rd_kafka_AlterConsumerGroupOffsets_result_t *result, size_t *cntp)
{
    return groups_of(result, RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT, cntp);
}

const rd_kafka_group_result_t **rd_kafka_ListConsumerGroupOffsets_result_groups(
    const rd_kafka_ListConsumerGroupOffsets_result_t *result, size_t *cntp)
{
    return groups_of(result, RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT, cntp);
}

/* ---- group request objects ------------------------------------------------ */

/* The four request types share one layout as their first member, which a
 * pointer to each converts to (C11 6.7.2.1p15). */
typedef struct group_req {
    char *group;                                  /* owned */
    rd_kafka_topic_partition_list_t *partitions;  /* owned, may be NULL */
} group_req;

struct rd_kafka_DeleteGroup_s { group_req r; };
struct rd_kafka_DeleteConsumerGroupOffsets_s { group_req r; };
struct rd_kafka_ListConsumerGroupOffsets_s { group_req r; };
struct rd_kafka_AlterConsumerGroupOffsets_s { group_req r; };

/* A request object of size bytes: group and partitions (if given) copied. */
static void *group_req_new(size_t size, const char *group,
                           const rd_kafka_topic_partition_list_t *parts)
{
    void *p = calloc(1, size);
    group_req *r = p;
    if (!r || !(r->group = strdup(group ? group : "")) ||
        (parts && !(r->partitions = rd_kafka_topic_partition_list_copy(parts)))) {
        if (r)
            free(r->group);
        free(p);
        return NULL;
    }
    return p;
}

static void group_req_free(group_req *r)
{
    if (!r)
        return;
    free(r->group);
    if (r->partitions)
        rd_kafka_topic_partition_list_destroy(r->partitions);
    free(r);
}

rd_kafka_DeleteGroup_t *rd_kafka_DeleteGroup_new(const char *group)
{
    return group_req_new(sizeof(rd_kafka_DeleteGroup_t), group, NULL);
}
void rd_kafka_DeleteGroup_destroy(rd_kafka_DeleteGroup_t *del_group)
{
    group_req_free(del_group ? &del_group->r : NULL);
}
void rd_kafka_DeleteGroup_destroy_array(rd_kafka_DeleteGroup_t **del_groups, size_t del_group_cnt)
{
    for (size_t i = 0; i < del_group_cnt; i++)
        rd_kafka_DeleteGroup_destroy(del_groups[i]);
}

rd_kafka_DeleteConsumerGroupOffsets_t *rd_kafka_DeleteConsumerGroupOffsets_new(
    const char *group, const rd_kafka_topic_partition_list_t *partitions)
{
    if (!partitions)  /* librdkafka asserts */
        return NULL;
    return group_req_new(sizeof(rd_kafka_DeleteConsumerGroupOffsets_t), group, partitions);
}
void rd_kafka_DeleteConsumerGroupOffsets_destroy(rd_kafka_DeleteConsumerGroupOffsets_t *d)
{
    group_req_free(d ? &d->r : NULL);
}
void rd_kafka_DeleteConsumerGroupOffsets_destroy_array(rd_kafka_DeleteConsumerGroupOffsets_t **d,
                                                       size_t del_grpoffset_cnt)
{
    for (size_t i = 0; i < del_grpoffset_cnt; i++)
        rd_kafka_DeleteConsumerGroupOffsets_destroy(d[i]);
}

/* partitions NULL: all of the group's. */
rd_kafka_ListConsumerGroupOffsets_t *rd_kafka_ListConsumerGroupOffsets_new(
    const char *group_id, const rd_kafka_topic_partition_list_t *partitions)
{
    return group_req_new(sizeof(rd_kafka_ListConsumerGroupOffsets_t), group_id, partitions);
}
void rd_kafka_ListConsumerGroupOffsets_destroy(rd_kafka_ListConsumerGroupOffsets_t *l)
{
    group_req_free(l ? &l->r : NULL);
}
void rd_kafka_ListConsumerGroupOffsets_destroy_array(rd_kafka_ListConsumerGroupOffsets_t **l,
                                                     size_t list_grpoffset_cnt)
{
    for (size_t i = 0; i < list_grpoffset_cnt; i++)
        rd_kafka_ListConsumerGroupOffsets_destroy(l[i]);
}

rd_kafka_AlterConsumerGroupOffsets_t *rd_kafka_AlterConsumerGroupOffsets_new(
    const char *group_id, const rd_kafka_topic_partition_list_t *partitions)
{
    if (!group_id || !partitions)  /* librdkafka asserts */
        return NULL;
    return group_req_new(sizeof(rd_kafka_AlterConsumerGroupOffsets_t), group_id, partitions);
}
void rd_kafka_AlterConsumerGroupOffsets_destroy(rd_kafka_AlterConsumerGroupOffsets_t *a)
{
    group_req_free(a ? &a->r : NULL);
}
void rd_kafka_AlterConsumerGroupOffsets_destroy_array(rd_kafka_AlterConsumerGroupOffsets_t **a,
                                                      size_t alter_grpoffset_cnt)
{
    for (size_t i = 0; i < alter_grpoffset_cnt; i++)
        rd_kafka_AlterConsumerGroupOffsets_destroy(a[i]);
}

/* ---- the not-implemented group operations ----------------------------------- */

static int partitions_have_duplicates(const rd_kafka_topic_partition_list_t *l)
{
    for (int i = 0; l && i < l->cnt; i++)
        for (int j = 0; j < i; j++)
            if (l->elems[i].partition == l->elems[j].partition &&
                !strcmp(l->elems[i].topic, l->elems[j].topic))
                return 1;
    return 0;
}

/* One result per request, reqs[0..cnt), with why; or, why_all set, the
 * request-level _INVALID_ARG librdkafka answers before sending. */
static void groups_reply(rd_kafka_t *rk, rd_kafka_queue_t *rkqu, rd_kafka_event_type_t type,
                         const rd_kafka_AdminOptions_t *options, const char *why_all,
                         const group_req *const *reqs, size_t cnt, const char *why)
{
    if (why_all) {
        shim_admin_reply(rk, rkqu, type, options, NULL, RD_KAFKA_RESP_ERR__INVALID_ARG, "%s",
                         why_all);
        return;
    }
    shim_admin_res *res = shim_admin_res_new(group_result_free);
    int oom = !res;
    for (size_t i = 0; !oom && i < cnt; i++)
        oom = shim_admin_res_add(res, group_not_impl(reqs[i]->group, reqs[i]->partitions, why));
    shim_admin_reply(rk, rkqu, type, options, res, oom ? RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE : 0,
                     "out of memory");
}

void rd_kafka_DeleteGroups(rd_kafka_t *rk, rd_kafka_DeleteGroup_t **del_groups,
                           size_t del_group_cnt, const rd_kafka_AdminOptions_t *options,
                           rd_kafka_queue_t *rkqu)
{
    if (!rk)
        return;
    const char *why_all = del_group_cnt == 0 ? "No groups to delete" : NULL;
    for (size_t i = 0; !why_all && i < del_group_cnt; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(del_groups[i]->r.group, del_groups[j]->r.group))
                why_all = "Duplicate groups not allowed";
    const group_req **reqs = del_group_cnt ? malloc(del_group_cnt * sizeof *reqs) : NULL;
    if (del_group_cnt && !reqs) {
        shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_DELETEGROUPS_RESULT, options, NULL,
                         RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
        return;
    }
    for (size_t i = 0; i < del_group_cnt; i++)
        reqs[i] = &del_groups[i]->r;
    groups_reply(rk, rkqu, RD_KAFKA_EVENT_DELETEGROUPS_RESULT, options, why_all, reqs,
                 del_group_cnt,
                 NOT_IMPL("DeleteGroups") ": a group's checkpoints hold the steps it has not "
                 "read; release them with `lakestream checkpoint STORE TABLE release NAME`");
    free(reqs);
}

void rd_kafka_DeleteConsumerGroupOffsets(rd_kafka_t *rk,
                                         rd_kafka_DeleteConsumerGroupOffsets_t **del_grpoffsets,
                                         size_t del_grpoffsets_cnt,
                                         const rd_kafka_AdminOptions_t *options,
                                         rd_kafka_queue_t *rkqu)
{
    if (!rk)
        return;
    const group_req *one = del_grpoffsets_cnt == 1 ? &del_grpoffsets[0]->r : NULL;
    groups_reply(rk, rkqu, RD_KAFKA_EVENT_DELETECONSUMERGROUPOFFSETS_RESULT, options,
                 one ? NULL : "Exactly one DeleteConsumerGroupOffsets must be passed", &one, 1,
                 NOT_IMPL("DeleteConsumerGroupOffsets") ": a group's offsets are the "
                 "checkpoints its consumers commit");
}

void rd_kafka_ListConsumerGroupOffsets(rd_kafka_t *rk,
                                       rd_kafka_ListConsumerGroupOffsets_t **list_grpoffsets,
                                       size_t list_grpoffsets_cnt,
                                       const rd_kafka_AdminOptions_t *options,
                                       rd_kafka_queue_t *rkqu)
{
    if (!rk)
        return;
    const group_req *one = list_grpoffsets_cnt == 1 ? &list_grpoffsets[0]->r : NULL;
    const char *why_all = NULL;
    if (!one)
        why_all = "Exactly one ListConsumerGroupOffsets must be passed";
    else if (one->partitions && one->partitions->cnt == 0)
        why_all = "NULL or non-empty topic partition list must be passed";
    else if (partitions_have_duplicates(one->partitions))
        why_all = "Duplicate partitions not allowed";
    groups_reply(rk, rkqu, RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT, options, why_all,
                 &one, 1,
                 NOT_IMPL("ListConsumerGroupOffsets") ": rd_kafka_committed on a consumer "
                 "of the group tells its committed offsets");
}

void rd_kafka_AlterConsumerGroupOffsets(rd_kafka_t *rk,
                                        rd_kafka_AlterConsumerGroupOffsets_t **alter_grpoffsets,
                                        size_t alter_grpoffsets_cnt,
                                        const rd_kafka_AdminOptions_t *options,
                                        rd_kafka_queue_t *rkqu)
{
    if (!rk)
        return;
    const group_req *one = alter_grpoffsets_cnt == 1 ? &alter_grpoffsets[0]->r : NULL;
    const char *why_all = NULL;
    if (!one)
        why_all = "Exactly one AlterConsumerGroupOffsets must be passed";
    else if (one->partitions->cnt == 0)
        why_all = "Non-empty topic partition list must be present";
    for (int i = 0; !why_all && i < one->partitions->cnt; i++)
        if (one->partitions->elems[i].offset < 0)
            why_all = "All topic-partition offsets must be >= 0";
    if (!why_all && partitions_have_duplicates(one->partitions))
        why_all = "Duplicate partitions not allowed";
    groups_reply(rk, rkqu, RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT, options, why_all,
                 &one, 1,
                 NOT_IMPL("AlterConsumerGroupOffsets") ": a consumer of the group commits "
                 "(rd_kafka_commit) the offsets it should resume at");
}

/* ---- the groups of the store ----------------------------------------------------- */

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The number at *s (advanced past it), or -1 if none. */
static long number_at(const char **s)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(*s, &end, 10);
    if (end == *s || errno || v > LS_WORLD_SIZE_MAX || **s == '-' || **s == '+')
        return -1;
    *s = end;
    return (long)v;
}

/* The group.id of checkpoint name "kafka.<g>.w<W>[.r<p>]" (consumer.c:
 * <g> keeps [A-Za-z0-9-] and writes any other byte as _HH) into buf, or
 * -1 if name is no group's. */
static int ckpt_group(const char *name, char *buf, size_t size)
{
    size_t pl = strlen(CKPT_PREFIX);
    if (strncmp(name, CKPT_PREFIX, pl))
        return -1;
    const char *g = name + pl, *dot = strchr(g, '.');
    if (!dot || dot == g || dot[1] != 'w')
        return -1;
    const char *s = dot + 2;
    long w = number_at(&s), r = 0;
    if (*s == '.' && s[1] == 'r') {
        s += 2;
        r = number_at(&s);
    }
    if (w < 1 || r < 0 || r >= w || *s)
        return -1;
    size_t k = 0;
    for (const char *c = g; c < dot; c++) {
        unsigned char ch = (unsigned char)*c;
        if (k + 1 >= size)
            return -1;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-') {
            buf[k++] = (char)ch;
        } else if (ch == '_' && dot - c > 2 && hexval(c[1]) >= 0 && hexval(c[2]) >= 0) {
            buf[k++] = (char)(hexval(c[1]) << 4 | hexval(c[2]));
            c += 2;
        } else {
            return -1;
        }
    }
    buf[k] = '\0';
    return 0;
}

/* Distinct group ids, sorted. */
typedef struct group_set {
    char  **ids;   /* owned */
    size_t  n, cap;
} group_set;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void group_set_clear(group_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->ids[i]);
    free(s->ids);
    memset(s, 0, sizeof *s);
}

static int group_set_has(const group_set *s, const char *id)
{
    return s->n && bsearch(&id, s->ids, s->n, sizeof *s->ids, cmp_str) != NULL;
}

/* -1: out of memory or past SHIM_ADMIN_GROUPS_MAX. */
static int group_set_add(group_set *s, const char *id)
{
    if (group_set_has(s, id))
        return 0;
    if (s->n >= SHIM_ADMIN_GROUPS_MAX)
        return -1;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **ids = realloc(s->ids, cap * sizeof *ids);
        if (!ids)
            return -1;
        s->ids = ids;
        s->cap = cap;
    }
    if (!(s->ids[s->n] = strdup(id)))
        return -1;
    s->n++;
    qsort(s->ids, s->n, sizeof *s->ids, cmp_str);
    return 0;
}

/* Add an error to errors (when given; else drop it).  -1: no memory. */
static int add_error(shim_admin_res *errors, rd_kafka_error_t *e)
{
    if (errors)
        return shim_admin_res_add(errors, e);
    if (e)
        rd_kafka_error_destroy(e);
    return 0;
}

/* Every group with a live checkpoint in some table of the store, into
 * found.  A table that cannot be read adds an error to errors and is
 * passed over; a failed listing of the store, the deadline or the scan's
 * limit ends the scan with an error.  Returns 0, or -1 when out of memory. */
static int scan_groups(rd_kafka_t *rk, int64_t deadline, group_set *found, shim_admin_res *errors)
{
    char table[LS_TABLE_NAME_BYTES_MAX + 1] = "";
    for (unsigned n = 0;; n++) {
        if (n >= SHIM_ADMIN_TABLES_MAX || shim_now_ms() >= deadline)
            return add_error(errors, rd_kafka_error_new(
                RD_KAFKA_RESP_ERR__TIMED_OUT, "the scan of the store stopped after %u tables: "
                "%s", n, n >= SHIM_ADMIN_TABLES_MAX ? "its limit" : "the request timed out"));
        int rc = shim_admin_next_table(rk, table, sizeof table);
        if (rc == 0)
            return 0;
        if (rc < 0)
            return add_error(errors, rd_kafka_error_new(shim_err_from_ls(-rc), "listing the "
                                                        "store's tables: %s", ls_errmsg()));
        ls_table *t;
        rc = ls_table_open(rk->st, table, NULL, &t);  /* NULL: whatever its retention */
        if (rc == LS_ERR_NOT_FOUND)
            continue;  /* a prefix without a descriptor: no table */
        if (rc) {
            if (add_error(errors, rd_kafka_error_new(shim_err_from_ls(rc), "table %s: %s",
                                                     table, ls_errmsg())))
                return -1;
            continue;
        }
        ls_checkpoint_info ci;
        char g[LS_CHECKPOINT_NAME_BYTES_MAX + 1];
        int oom = 0;
        for (size_t i = 0; !oom && ls_table_checkpoint_get(t, i, &ci) == LS_OK; i++)
            oom = ci.live && !ckpt_group(ci.name, g, sizeof g) && group_set_add(found, g);
        ls_table_close(t);
        if (oom)
            return add_error(errors, rd_kafka_error_new(
                                 RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "the scan of the store "
                                 "stopped at table %s: more than %u groups, or out of memory",
                                 table, SHIM_ADMIN_GROUPS_MAX)) ? -1 : 0;
    }
}

/* ---- ListConsumerGroups ---------------------------------------------------------- */

struct rd_kafka_ConsumerGroupListing_s {
    char *group_id;   /* owned */
    int   is_simple;
    rd_kafka_consumer_group_state_t state;
};

const char *rd_kafka_ConsumerGroupListing_group_id(const rd_kafka_ConsumerGroupListing_t *grplist)
{
    return grplist->group_id;
}

int rd_kafka_ConsumerGroupListing_is_simple_consumer_group(
    const rd_kafka_ConsumerGroupListing_t *grplist)
{
    return grplist->is_simple;
}

rd_kafka_consumer_group_state_t rd_kafka_ConsumerGroupListing_state(
    const rd_kafka_ConsumerGroupListing_t *grplist)
{
    return grplist->state;
}

static void listing_free(void *p)
{
    rd_kafka_ConsumerGroupListing_t *l = p;
    if (l)
        free(l->group_id);
    free(l);
}

static void error_free(void *p) { rd_kafka_error_destroy(p); }

/* The one item of a ListConsumerGroups result. */
typedef struct list_groups_res {
    shim_admin_res *valid;    /* ConsumerGroupListing */
    shim_admin_res *errors;   /* rd_kafka_error_t */
} list_groups_res;

static void list_groups_res_free(void *p)
{
    list_groups_res *r = p;
    if (!r)
        return;
    shim_admin_res *rs[] = { r->valid, r->errors };
    for (size_t k = 0; k < 2; k++)
        if (rs[k]) {
            for (size_t i = 0; i < rs[k]->n; i++)
                rs[k]->item_free(rs[k]->items[i]);
            free(rs[k]->items);
            free(rs[k]);
        }
    free(r);
}

static const list_groups_res *list_groups_of(const void *result)
{
    const shim_admin_res *res = shim_admin_res_of(result, RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT);
    return res && res->n ? res->items[0] : NULL;
}

const rd_kafka_ConsumerGroupListing_t **rd_kafka_ListConsumerGroups_result_valid(
    const rd_kafka_ListConsumerGroups_result_t *result, size_t *cntp)
{
    const list_groups_res *r = list_groups_of(result);
    *cntp = r ? r->valid->n : 0;
    return r ? (const rd_kafka_ConsumerGroupListing_t **)r->valid->items : NULL;
}

const rd_kafka_error_t **rd_kafka_ListConsumerGroups_result_errors(
    const rd_kafka_ListConsumerGroups_result_t *result, size_t *cntp)
{
    const list_groups_res *r = list_groups_of(result);
    *cntp = r ? r->errors->n : 0;
    return r && r->errors->n ? (const rd_kafka_error_t **)r->errors->items : NULL;
}

/* Every group found is Empty (committed, no live member known); with
 * match_consumer_group_states set, only if Empty is among them. */
void rd_kafka_ListConsumerGroups(rd_kafka_t *rk, const rd_kafka_AdminOptions_t *options,
                                 rd_kafka_queue_t *rkqu)
{
    if (!rk)
        return;
    shim_admin_res *res = shim_admin_res_new(list_groups_res_free);
    list_groups_res *r = calloc(1, sizeof *r);
    if (r) {
        r->valid = shim_admin_res_new(listing_free);
        r->errors = shim_admin_res_new(error_free);
    }
    if (!r || !r->valid || !r->errors || shim_admin_res_add(res, r)) {
        if (!res)
            list_groups_res_free(r);
        shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT, options, res,
                         RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
        return;
    }
    const rd_kafka_consumer_group_state_t *states;
    size_t nstates = shim_admin_match_states(options, &states);
    int match = nstates == 0;
    for (size_t i = 0; i < nstates; i++)
        match |= states[i] == RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY;
    group_set found = { 0 };
    int oom = scan_groups(rk, shim_admin_deadline_ms(rk, options), &found, r->errors);
    for (size_t i = 0; !oom && match && i < found.n; i++) {
        rd_kafka_ConsumerGroupListing_t *l = calloc(1, sizeof *l);
        if (l && (l->group_id = strdup(found.ids[i]))) {
            l->is_simple = 0;
            l->state = RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY;
        } else {
            free(l);
            l = NULL;
        }
        oom = shim_admin_res_add(r->valid, l);
    }
    group_set_clear(&found);
    shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT, options, res,
                     oom ? RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE : 0, "out of memory");
}

/* ---- DescribeConsumerGroups -------------------------------------------------------- */

struct rd_kafka_MemberAssignment_s {
    rd_kafka_topic_partition_list_t *partitions;
};

struct rd_kafka_MemberDescription_s {
    char *client_id, *consumer_id, *group_instance_id, *host;
    struct rd_kafka_MemberAssignment_s assignment;
};

const char *rd_kafka_MemberDescription_client_id(const rd_kafka_MemberDescription_t *member)
{
    return member->client_id;
}
const char *rd_kafka_MemberDescription_group_instance_id(const rd_kafka_MemberDescription_t *member)
{
    return member->group_instance_id;
}
const char *rd_kafka_MemberDescription_consumer_id(const rd_kafka_MemberDescription_t *member)
{
    return member->consumer_id;
}
const char *rd_kafka_MemberDescription_host(const rd_kafka_MemberDescription_t *member)
{
    return member->host;
}
const rd_kafka_MemberAssignment_t *rd_kafka_MemberDescription_assignment(
    const rd_kafka_MemberDescription_t *member)
{
    return &member->assignment;
}
const rd_kafka_topic_partition_list_t *rd_kafka_MemberAssignment_partitions(
    const rd_kafka_MemberAssignment_t *assignment)
{
    return assignment->partitions;
}

/* No members are ever described (none are known), so a description holds
 * none; the type is complete for the accessors above. */
struct rd_kafka_ConsumerGroupDescription_s {
    char *group_id;             /* owned */
    int   is_simple;
    char *partition_assignor;   /* owned */
    rd_kafka_consumer_group_state_t state;
    rd_kafka_Node_t coordinator;  /* host owned */
    rd_kafka_error_t *error;    /* owned, NULL: none */
};

const char *rd_kafka_ConsumerGroupDescription_group_id(
    const rd_kafka_ConsumerGroupDescription_t *grpdesc)
{
    return grpdesc->group_id;
}
const rd_kafka_error_t *rd_kafka_ConsumerGroupDescription_error(
    const rd_kafka_ConsumerGroupDescription_t *grpdesc)
{
    return grpdesc->error;
}
int rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(
    const rd_kafka_ConsumerGroupDescription_t *grpdesc)
{
    return grpdesc->is_simple;
}
const char *rd_kafka_ConsumerGroupDescription_partition_assignor(
    const rd_kafka_ConsumerGroupDescription_t *grpdesc)
{
    return grpdesc->partition_assignor;
}
rd_kafka_consumer_group_state_t rd_kafka_ConsumerGroupDescription_state(
    const rd_kafka_ConsumerGroupDescription_t *grpdesc)
{
    return grpdesc->state;
}
const rd_kafka_Node_t *rd_kafka_ConsumerGroupDescription_coordinator(
    const rd_kafka_ConsumerGroupDescription_t *grpdesc)
{
    return grpdesc->error ? NULL : &grpdesc->coordinator;
}
size_t rd_kafka_ConsumerGroupDescription_member_count(
    const rd_kafka_ConsumerGroupDescription_t *grpdesc)
{
    (void)grpdesc;
    return 0;
}
const rd_kafka_MemberDescription_t *rd_kafka_ConsumerGroupDescription_member(
    const rd_kafka_ConsumerGroupDescription_t *grpdesc, size_t idx)
{
    (void)grpdesc;
    (void)idx;
    return NULL;
}

static void description_free(void *p)
{
    rd_kafka_ConsumerGroupDescription_t *d = p;
    if (!d)
        return;
    free(d->group_id);
    free(d->partition_assignor);
    free(d->coordinator.host);
    if (d->error)
        rd_kafka_error_destroy(d->error);
    free(d);
}

const rd_kafka_ConsumerGroupDescription_t **rd_kafka_DescribeConsumerGroups_result_groups(
    const rd_kafka_DescribeConsumerGroups_result_t *result, size_t *cntp)
{
    const shim_admin_res *res =
        shim_admin_res_of(result, RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT);
    *cntp = res ? res->n : 0;
    return res && res->n ? (const rd_kafka_ConsumerGroupDescription_t **)res->items : NULL;
}

static rd_kafka_ConsumerGroupDescription_t *description_new(rd_kafka_t *rk, const char *group,
                                                            const group_set *found,
                                                            const rd_kafka_error_t *scan_err)
{
    rd_kafka_ConsumerGroupDescription_t *d = calloc(1, sizeof *d);
    const char *uri = shim_conf_lookup(rk->conf, "bootstrap.servers");
    if (!uri)
        uri = shim_conf_lookup(rk->conf, "metadata.broker.list");
    if (!d || !(d->group_id = strdup(group ? group : "")) ||
        !(d->partition_assignor = strdup("")) || !(d->coordinator.host = strdup(uri ? uri : ""))) {
        description_free(d);
        return NULL;
    }
    d->coordinator.id = SHIM_ADMIN_BROKER_ID;
    d->state = RD_KAFKA_CONSUMER_GROUP_STATE_DEAD;
    if (!group || !*group)
        d->error = rd_kafka_error_new(RD_KAFKA_RESP_ERR_INVALID_GROUP_ID,
                                      "DescribeConsumerGroups: the group id is empty");
    else if (group_set_has(found, group))
        d->state = RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY;
    else if (scan_err)  /* not found, but the scan did not see every table */
        d->error = rd_kafka_error_new(rd_kafka_error_code(scan_err), "DescribeConsumerGroups: "
                                      "%s", rd_kafka_error_string(scan_err));
    if (d->error)
        d->state = RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN;
    return d;
}

void rd_kafka_DescribeConsumerGroups(rd_kafka_t *rk, const char **groups, size_t groups_cnt,
                                     const rd_kafka_AdminOptions_t *options,
                                     rd_kafka_queue_t *rkqu)
{
    if (!rk)
        return;
    const char *why_all = groups_cnt == 0 ? "No groups to describe" : NULL;
    for (size_t i = 0; !why_all && i < groups_cnt; i++)
        for (size_t j = 0; j < i; j++)
            if (groups[i] && groups[j] && !strcmp(groups[i], groups[j]))
                why_all = "Duplicate groups not allowed";
    if (why_all) {
        shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT, options, NULL,
                         RD_KAFKA_RESP_ERR__INVALID_ARG, "%s", why_all);
        return;
    }
    group_set found = { 0 };
    shim_admin_res *errors = shim_admin_res_new(error_free);
    int oom = !errors || scan_groups(rk, shim_admin_deadline_ms(rk, options), &found, errors);
    /* A table that could not be read may hold a group: a group not found
     * then carries the first such error rather than "Dead". */
    const rd_kafka_error_t *scan_err = errors && errors->n ? errors->items[0] : NULL;
    shim_admin_res *res = shim_admin_res_new(description_free);
    for (size_t i = 0; !oom && res && i < groups_cnt; i++)
        oom = shim_admin_res_add(res, description_new(rk, groups[i], &found, scan_err));
    group_set_clear(&found);
    if (errors) {
        for (size_t i = 0; i < errors->n; i++)
            rd_kafka_error_destroy(errors->items[i]);
        free(errors->items);
        free(errors);
    }
    shim_admin_reply(rk, rkqu, RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT, options, res,
                     oom || !res ? RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE : 0, "out of memory");
}
