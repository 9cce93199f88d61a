/*
 * topic.c -- topics: a topic is a table, created by a producer handle on
 * first use with lakestream.global.batch.size (a consumer's topic only
 * names a table, opened when read).  The handle keeps every topic it has
 * opened in rk->topics; on a producer handle a new topic is attached to a
 * core producer through rk->topic_attach (producer.c's
 * shim_producer_attach), so this file knows nothing of producing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shim_int.h"

rd_kafka_topic_t *shim_topic_get(rd_kafka_t *rk, const char *name)
{
    for (size_t i = 0; name && i < rk->ntopics; i++)
        if (!strcmp(rk->topics[i]->name, name)) {
            rk->topics[i]->refcnt++;
            return rk->topics[i];
        }
    if (!name || !ls_name_is_valid(name)) {
        errno = EINVAL;
        shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG,
                    "topic \"%s\": a topic is a table: 1..%u of [A-Za-z0-9._-]",
                    name ? name : "(null)", LS_TABLE_NAME_BYTES_MAX);
        return NULL;
    }
    if (rk->ntopics >= SHIM_TOPICS_MAX) {
        shim_seterr(RD_KAFKA_RESP_ERR__INVALID_ARG, "more than %u topics", SHIM_TOPICS_MAX);
        return NULL;
    }
    if (rk->fatal_err) {
        shim_seterr(rk->fatal_err, "%s", rk->fatal_errstr);
        return NULL;
    }
    /* A producer's topic is a table, created on first use; a consumer's
     * only names one, opened when read. */
    if (rk->topic_attach) {
        int rc = ls_table_create(rk->st, name, rk->global_batch, rk->codec);
        if (rc != LS_OK && rc != LS_ERR_EXISTS) {
            shim_seterr(shim_err_from_ls(rc), "topic %s: creating the table: %s", name,
                        ls_errmsg());
            return NULL;
        }
    }
    rd_kafka_topic_t *rkt = calloc(1, sizeof *rkt);
    if (!rkt || !(rkt->name = strdup(name))) {
        free(rkt);
        shim_seterr(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "out of memory");
        return NULL;
    }
    rkt->rk = rk;
    if (rk->topic_attach && rk->topic_attach(rkt) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        free(rkt->name);
        free(rkt);
        return NULL;
    }
    rkt->refcnt = 2;  /* the caller's and the handle's list */
    rk->topics[rk->ntopics++] = rkt;
    return rkt;
}

void shim_topic_release(rd_kafka_topic_t *rkt)
{
    if (--rkt->refcnt == 0) {
        free(rkt->name);
        free(rkt);
    }
}

rd_kafka_topic_t *rd_kafka_topic_new(rd_kafka_t *rk, const char *topic,
                                     rd_kafka_topic_conf_t *conf)
{
    void *opaque = conf ? conf->opaque : NULL;
    rd_kafka_topic_conf_destroy(conf);
    pthread_mutex_lock(&rk->lock);
    rd_kafka_topic_t *rkt = shim_topic_get(rk, topic);
    if (rkt && opaque)
        rkt->opaque = opaque;
    pthread_mutex_unlock(&rk->lock);
    return rkt;
}

void rd_kafka_topic_destroy(rd_kafka_topic_t *rkt)
{
    if (!rkt)
        return;
    rd_kafka_t *rk = rkt->rk;
    if (rk)
        pthread_mutex_lock(&rk->lock);
    shim_topic_release(rkt);
    if (rk)
        pthread_mutex_unlock(&rk->lock);
}

const char *rd_kafka_topic_name(const rd_kafka_topic_t *rkt) { return rkt->name; }
void *rd_kafka_topic_opaque(const rd_kafka_topic_t *rkt) { return rkt->opaque; }
