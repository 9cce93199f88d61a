/*
 * metadata.c -- librdkafka's cluster metadata, group list and
 * offsets_for_times over a store (docs/kafka-shim.md, "Metadata").
 *
 * The cluster is the store: one "broker", id SHIM_BROKER_ID, whose host is
 * the store URI (port 0).  Topics are the store's tables; a topic's
 * partitions are the reader's world size (lakestream.world.size or
 * WORLD_SIZE), each led by broker 0, or an error if the table's global
 * batch is not a multiple of it.  Groups are the consumer groups whose
 * checkpoints "kafka.<group>.w<W>" a table's log holds.
 */
#include <stdlib.h>
#include <string.h>

#include "shim_int.h"

#define CKPT_PREFIX "kafka."

/* ---- the store's tables ---- */

/* The table names of the store, sorted, at most SHIM_TOPICS_MAX: one LIST
 * a table (shim_admin_next_table's skip).  Names that are not tables (no
 * descriptor) are left out by the callers, which open each one. */
int shim_tables_list(rd_kafka_t *rk, char ***namesp, size_t *np)
{
    char **names = NULL;
    size_t n = 0;
    char name[LS_TABLE_NAME_BYTES_MAX + 1] = "";
    *namesp = NULL;
    *np = 0;
    while (n < SHIM_TOPICS_MAX) {
        int rc = shim_admin_next_table(rk, name, sizeof name);
        if (rc < 0) {
            shim_tables_free(names, n);
            return shim_seterr(shim_err_from_ls(-rc), "listing the store's tables: %s",
                               ls_errmsg());
        }
        if (rc == 0)
            break;
        char *dup = strdup(name);
        char **grown = dup ? realloc(names, (n + 1) * sizeof *names) : NULL;
        if (!grown) {
            free(dup);
            shim_tables_free(names, n);
            return shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
        }
        names = grown;
        names[n++] = dup;
    }
    *namesp = names;
    *np = n;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

void shim_tables_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* ---- rd_kafka_metadata ---- */

static void topic_fill(rd_kafka_t *rk, const char *name, struct rd_kafka_metadata_topic *mt)
{
    mt->topic = strdup(name);
    ls_table *t;
    int rc = ls_table_open(rk->st, name, rk->lconf, &t);
    if (rc) {
        mt->err = rc == LS_ERR_NOT_FOUND ? RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
                                         : shim_err_from_ls(rc);
        return;
    }
    ls_table_info ti;
    ls_table_info_get(t, &ti);
    ls_table_close(t);
    if (ti.global_batch % rk->world_size) {
        mt->err = RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;  /* W must divide B */
        return;
    }
    mt->partitions = calloc(rk->world_size, sizeof *mt->partitions);
    if (!mt->partitions) {
        mt->err = RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
        return;
    }
    mt->partition_cnt = (int)rk->world_size;
    for (uint32_t p = 0; p < rk->world_size; p++) {
        struct rd_kafka_metadata_partition *mp = &mt->partitions[p];
        mp->id = (int32_t)p;
        mp->leader = SHIM_BROKER_ID;
        mp->replicas = malloc(sizeof(int32_t));
        mp->isrs = malloc(sizeof(int32_t));
        if (mp->replicas) {
            mp->replicas[0] = SHIM_BROKER_ID;
            mp->replica_cnt = 1;
        }
        if (mp->isrs) {
            mp->isrs[0] = SHIM_BROKER_ID;
            mp->isr_cnt = 1;
        }
    }
}

void rd_kafka_metadata_destroy(const struct rd_kafka_metadata *metadata)
{
    struct rd_kafka_metadata *md = (struct rd_kafka_metadata *)metadata;
    if (!md)
        return;
    for (int i = 0; i < md->broker_cnt; i++)
        free(md->brokers[i].host);
    free(md->brokers);
    for (int i = 0; i < md->topic_cnt; i++) {
        struct rd_kafka_metadata_topic *mt = &md->topics[i];
        for (int p = 0; p < mt->partition_cnt; p++) {
            free(mt->partitions[p].replicas);
            free(mt->partitions[p].isrs);
        }
        free(mt->partitions);
        free(mt->topic);
    }
    free(md->topics);
    free(md->orig_broker_name);
    free(md);
}

/* all_topics: every table of the store; else only_rkt, or the topics this
 * handle knows (as librdkafka: its locally known topics). */
rd_kafka_resp_err_t rd_kafka_metadata(rd_kafka_t *rk, int all_topics, rd_kafka_topic_t *only_rkt,
                                      const struct rd_kafka_metadata **metadatap, int timeout_ms)
{
    (void)timeout_ms;
    *metadatap = NULL;
    char **names = NULL;
    size_t n = 0;
    if (only_rkt) {
        names = malloc(sizeof *names);
        if (names && (names[0] = strdup(only_rkt->name)))
            n = 1;
    } else if (all_topics) {
        rd_kafka_resp_err_t err = shim_tables_list(rk, &names, &n);
        if (err)
            return err;
    } else {
        pthread_mutex_lock(&rk->lock);
        names = calloc(rk->ntopics ? rk->ntopics : 1, sizeof *names);
        for (size_t i = 0; names && i < rk->ntopics; i++)
            if ((names[n] = strdup(rk->topics[i]->name)))
                n++;
        pthread_mutex_unlock(&rk->lock);
    }
    struct rd_kafka_metadata *md = calloc(1, sizeof *md);
    if (md) {
        md->brokers = calloc(1, sizeof *md->brokers);
        md->topics = calloc(n ? n : 1, sizeof *md->topics);
    }
    char *uri = rd_kafka_clusterid(rk, 0);
    if (!md || !md->brokers || !md->topics || !uri) {
        free(uri);
        shim_tables_free(names, n);
        rd_kafka_metadata_destroy(md);
        return shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    }
    md->broker_cnt = 1;
    md->brokers[0].id = SHIM_BROKER_ID;
    md->brokers[0].host = uri;
    md->brokers[0].port = 0;
    md->orig_broker_id = SHIM_BROKER_ID;
    md->orig_broker_name = strdup(uri);
    for (size_t i = 0; i < n; i++)
        topic_fill(rk, names[i], &md->topics[md->topic_cnt++]);
    shim_tables_free(names, n);
    *metadatap = md;
    return shim_seterr(RD_KAFKA_RESP_ERR_NO_ERROR, NULL);
}

/* ---- groups ---- */

/* The group id a checkpoint name "kafka.<enc>.w<W>[.r<p>]" encodes
 * (consumer.c encodes bytes outside [A-Za-z0-9-] as _HH), or -1. */
static int ckpt_group(const char *name, char *out, size_t size)
{
    size_t pl = strlen(CKPT_PREFIX);
    if (strncmp(name, CKPT_PREFIX, pl))
        return -1;
    const char *s = name + pl, *end = strstr(s, ".w");
    if (!end || end == s)
        return -1;
    size_t k = 0;
    for (const char *c = s; c < end; c++) {
        if (k + 1 >= size)
            return -1;
        if (*c == '_') {
            unsigned v;
            if (end - c < 3 || sscanf(c + 1, "%2x", &v) != 1)
                return -1;
            out[k++] = (char)v;
            c += 2;
        } else
            out[k++] = *c;
    }
    out[k] = '\0';
    return 0;
}

/* Lock not held.  The groups with checkpoints in any table (or only
 * `group`), sorted, deduplicated. */
static rd_kafka_resp_err_t groups_found(rd_kafka_t *rk, const char *group, char ***outp,
                                        size_t *np)
{
    char **tables;
    size_t nt;
    *outp = NULL;
    *np = 0;
    rd_kafka_resp_err_t err = shim_tables_list(rk, &tables, &nt);
    if (err)
        return err;
    char **gs = NULL;
    size_t ng = 0;
    for (size_t i = 0; i < nt && !err; i++) {
        ls_table *t;
        if (ls_table_open(rk->st, tables[i], rk->lconf, &t))
            continue;  /* not a table, or unreadable: not listed */
        ls_checkpoint_info ci;
        for (size_t c = 0; ls_table_checkpoint_get(t, c, &ci) == LS_OK; c++) {
            char g[SHIM_GROUP_ID_BYTES_MAX + 1];
            if (!ci.live || ckpt_group(ci.name, g, sizeof g) || (group && strcmp(g, group)))
                continue;
            size_t k = 0;
            while (k < ng && strcmp(gs[k], g) < 0)
                k++;
            if (k < ng && !strcmp(gs[k], g))
                continue;
            char **grown = ng < SHIM_GROUPS_MAX ? realloc(gs, (ng + 1) * sizeof *gs) : NULL;
            char *dup = grown ? strdup(g) : NULL;
            if (!dup) {
                if (grown)
                    gs = grown;
                err = ng < SHIM_GROUPS_MAX
                          ? shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory")
                          : RD_KAFKA_RESP_ERR_NO_ERROR;  /* listing bounded */
                break;
            }
            gs = grown;
            memmove(gs + k + 1, gs + k, (ng - k) * sizeof *gs);
            gs[k] = dup;
            ng++;
        }
        ls_table_close(t);
    }
    shim_tables_free(tables, nt);
    if (err) {
        shim_tables_free(gs, ng);
        return err;
    }
    *outp = gs;
    *np = ng;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

int shim_groups_list(rd_kafka_t *rk, const char *group, char ***outp, size_t *np)
{
    return groups_found(rk, group, outp, np) ? -1 : 0;
}

void rd_kafka_group_list_destroy(const struct rd_kafka_group_list *grplist)
{
    struct rd_kafka_group_list *l = (struct rd_kafka_group_list *)grplist;
    if (!l)
        return;
    for (int i = 0; i < l->group_cnt; i++) {
        struct rd_kafka_group_info *g = &l->groups[i];
        free(g->broker.host);
        free(g->group);
        free(g->state);
        free(g->protocol_type);
        free(g->protocol);
    }
    free(l->groups);
    free(l);
}

/* The store keeps a group's committed progress, not its live members:
 * each group is "Empty" with no members (docs/kafka-shim.md). */
rd_kafka_resp_err_t rd_kafka_list_groups(rd_kafka_t *rk, const char *group,
                                         const struct rd_kafka_group_list **grplistp,
                                         int timeout_ms)
{
    (void)timeout_ms;
    *grplistp = NULL;
    char **gs;
    size_t ng;
    rd_kafka_resp_err_t err = groups_found(rk, group, &gs, &ng);
    if (err)
        return err;
    struct rd_kafka_group_list *l = calloc(1, sizeof *l);
    if (l)
        l->groups = calloc(ng ? ng : 1, sizeof *l->groups);
    char *uri = rd_kafka_clusterid(rk, 0);
    for (size_t i = 0; l && l->groups && uri && i < ng; i++) {
        struct rd_kafka_group_info *g = &l->groups[l->group_cnt++];
        g->broker.id = SHIM_BROKER_ID;
        g->broker.host = strdup(uri);
        g->group = gs[i];
        gs[i] = NULL;
        g->state = strdup("Empty");
        g->protocol_type = strdup("consumer");
        g->protocol = strdup("");
        if (!g->broker.host || !g->state || !g->protocol_type || !g->protocol) {
            free(uri);
            uri = NULL;  /* stops the loop: out of memory */
        }
    }
    int oom = !l || !l->groups || !uri;
    free(uri);
    shim_tables_free(gs, ng);
    if (oom) {
        rd_kafka_group_list_destroy(l);
        return shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
    }
    *grplistp = l;
    return shim_seterr(RD_KAFKA_RESP_ERR_NO_ERROR, NULL);
}

/* ---- offsets_for_times ---- */

/* Each element's offset holds a timestamp (ms) on input and the rank's
 * offset of the first step at or after it on output (the step of the
 * first commit at or after it; step_time.c), or -1 (RD_KAFKA_OFFSET_END)
 * if no commit is that late, as librdkafka returns for a time past the
 * end. */
rd_kafka_resp_err_t rd_kafka_offsets_for_times(rd_kafka_t *rk,
                                               rd_kafka_topic_partition_list_t *offsets,
                                               int timeout_ms)
{
    (void)timeout_ms;
    rd_kafka_resp_err_t first = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int i = 0; i < offsets->cnt; i++) {
        rd_kafka_topic_partition_t *e = &offsets->elems[i];
        ls_table *t;
        int rc = ls_table_open(rk->st, e->topic, rk->lconf, &t);
        if (rc) {
            e->err = rc == LS_ERR_NOT_FOUND ? RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
                                            : shim_err_from_ls(rc);
        } else {
            ls_table_info ti;
            ls_table_info_get(t, &ti);
            if (e->partition < 0 || (uint32_t)e->partition >= rk->world_size ||
                ti.global_batch % rk->world_size) {
                e->err = RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
            } else {
                uint64_t slice = ti.global_batch / rk->world_size, step;
                rc = ls_table_step_at_time(t, e->offset, &step);
                e->err = rc == LS_ERR_NOT_FOUND || rc == LS_OK ? RD_KAFKA_RESP_ERR_NO_ERROR
                                                               : shim_err_from_ls(rc);
                if (rc == LS_OK)
                    e->offset = (int64_t)(step * slice);
                else if (rc == LS_ERR_NOT_FOUND)
                    e->offset = RD_KAFKA_OFFSET_END;
            }
            ls_table_close(t);
        }
        if (e->err && !first)
            first = shim_seterr(e->err, "%s [%d]: offsets_for_times: %s", e->topic,
                                (int)e->partition, rc ? ls_errmsg() : "no such partition");
    }
    return first;
}
