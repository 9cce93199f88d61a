/*
 * partition_list.c -- librdkafka's topic partition lists
 * (rd_kafka_topic_partition_list_*): plain containers, used by the
 * consumer, transactions, metadata and the admin API alike.
 */
#include <stdlib.h>
#include <string.h>

#include "shim_int.h"

rd_kafka_topic_partition_list_t *rd_kafka_topic_partition_list_new(int size)
{
    rd_kafka_topic_partition_list_t *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->size = size > 0 ? size : 1;
    l->elems = calloc((size_t)l->size, sizeof *l->elems);
    if (!l->elems) {
        free(l);
        return NULL;
    }
    return l;
}

static void elem_clear(rd_kafka_topic_partition_t *e)
{
    free(e->topic);
    free(e->metadata);
}

void rd_kafka_topic_partition_list_destroy(rd_kafka_topic_partition_list_t *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->cnt; i++)
        elem_clear(&l->elems[i]);
    free(l->elems);
    free(l);
}

rd_kafka_topic_partition_t *rd_kafka_topic_partition_list_add(
    rd_kafka_topic_partition_list_t *l, const char *topic, int32_t partition)
{
    if (l->cnt == l->size) {
        int size = l->size * 2;
        rd_kafka_topic_partition_t *e = realloc(l->elems, (size_t)size * sizeof *e);
        if (!e)
            return NULL;  /* librdkafka aborts on OOM; the shim never does */
        l->elems = e;
        l->size = size;
    }
    char *t = strdup(topic ? topic : "");
    if (!t)
        return NULL;
    rd_kafka_topic_partition_t *e = &l->elems[l->cnt++];
    memset(e, 0, sizeof *e);
    e->topic = t;
    e->partition = partition;
    e->offset = RD_KAFKA_OFFSET_INVALID;
    return e;
}

void rd_kafka_topic_partition_list_add_range(rd_kafka_topic_partition_list_t *l,
                                             const char *topic, int32_t start, int32_t stop)
{
    for (int32_t p = start; p <= stop; p++)
        if (!rd_kafka_topic_partition_list_add(l, topic, p))
            return;
}

int rd_kafka_topic_partition_list_del_by_idx(rd_kafka_topic_partition_list_t *l, int idx)
{
    if (idx < 0 || idx >= l->cnt)
        return 0;
    elem_clear(&l->elems[idx]);
    memmove(&l->elems[idx], &l->elems[idx + 1],
            (size_t)(l->cnt - idx - 1) * sizeof *l->elems);
    l->cnt--;
    return 1;
}

static int list_index(const rd_kafka_topic_partition_list_t *l, const char *topic,
                      int32_t partition)
{
    for (int i = 0; l && i < l->cnt; i++)
        if (l->elems[i].partition == partition && !strcmp(l->elems[i].topic, topic))
            return i;
    return -1;
}

int rd_kafka_topic_partition_list_del(rd_kafka_topic_partition_list_t *l, const char *topic,
                                      int32_t partition)
{
    return rd_kafka_topic_partition_list_del_by_idx(l, list_index(l, topic, partition));
}

rd_kafka_topic_partition_list_t *
rd_kafka_topic_partition_list_copy(const rd_kafka_topic_partition_list_t *src)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(src->cnt);
    for (int i = 0; l && i < src->cnt; i++) {
        const rd_kafka_topic_partition_t *s = &src->elems[i];
        rd_kafka_topic_partition_t *e = rd_kafka_topic_partition_list_add(l, s->topic,
                                                                          s->partition);
        if (!e) {
            rd_kafka_topic_partition_list_destroy(l);
            return NULL;
        }
        e->offset = s->offset;
        e->opaque = s->opaque;
        e->err = s->err;
        if (s->metadata && s->metadata_size) {
            e->metadata = malloc(s->metadata_size);
            if (!e->metadata) {
                rd_kafka_topic_partition_list_destroy(l);
                return NULL;
            }
            memcpy(e->metadata, s->metadata, s->metadata_size);
            e->metadata_size = s->metadata_size;
        }
    }
    return l;
}

rd_kafka_resp_err_t rd_kafka_topic_partition_list_set_offset(
    rd_kafka_topic_partition_list_t *l, const char *topic, int32_t partition, int64_t offset)
{
    int i = list_index(l, topic, partition);
    if (i < 0)
        return RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
    l->elems[i].offset = offset;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_topic_partition_t *rd_kafka_topic_partition_list_find(
    const rd_kafka_topic_partition_list_t *l, const char *topic, int32_t partition)
{
    int i = list_index(l, topic, partition);
    return i < 0 ? NULL : &l->elems[i];
}

/* qsort_r is a GNU extension; an insertion sort keeps the caller's cmp and
 * opaque without it (lists are assignment-sized). */
void rd_kafka_topic_partition_list_sort(
    rd_kafka_topic_partition_list_t *l,
    int (*cmp)(const void *a, const void *b, void *cmp_opaque), void *cmp_opaque)
{
    for (int i = 1; i < l->cnt; i++) {
        rd_kafka_topic_partition_t x = l->elems[i];
        int j = i - 1;
        for (; j >= 0; j--) {
            int c;
            if (cmp)
                c = cmp(&l->elems[j], &x, cmp_opaque);
            else {
                c = strcmp(l->elems[j].topic, x.topic);
                if (!c)
                    c = (l->elems[j].partition > x.partition) -
                        (l->elems[j].partition < x.partition);
            }
            if (c <= 0)
                break;
            l->elems[j + 1] = l->elems[j];
        }
        l->elems[j + 1] = x;
    }
}

/* One partition, as rd_kafka_event_topic_partition returns it. */
void rd_kafka_topic_partition_destroy(rd_kafka_topic_partition_t *rktpar)
{
    if (!rktpar)
        return;
    free(rktpar->topic);
    free(rktpar->metadata);
    free(rktpar);
}
