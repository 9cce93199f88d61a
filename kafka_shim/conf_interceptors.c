/*
 * conf_interceptors.c -- the conf part of librdkafka's interceptors
 * (rdkafka_interceptor.c): on_conf_set, on_conf_dup, on_conf_destroy and
 * on_new added to a conf, kept in the order added (docs/kafka-shim.md).
 */
#include <stdlib.h>
#include <string.h>

#include "conf_ic.h"

void shim_conf_ic_free(struct shim_conf_ic *ic)
{
    if (!ic)
        return;
    ic_list *lists[] = {&ic->set, &ic->dup, &ic->destroy, &ic->on_new};
    for (size_t l = 0; l < 4; l++) {
        for (size_t i = 0; i < lists[l]->n; i++)
            free(lists[l]->m[i].name);
        free(lists[l]->m);
    }
    for (size_t i = 0; i < ic->ncfg; i++) {
        free(ic->cfg_names[i]);
        free(ic->cfg_values[i]);
    }
    free(ic->cfg_names);
    free(ic->cfg_values);
    free(ic);
}

/* Adds method m to the list of conf's interceptors `which` (an offset into
 * struct shim_conf_ic).  unique: the same function under the same name is
 * refused with __CONFLICT (all lists but on_conf_destroy's). */
static rd_kafka_resp_err_t ic_add(rd_kafka_conf_t *conf, size_t which, ic_method m,
                                  int (*same)(const ic_method *, const ic_method *))
{
    if (!conf->ic && !(conf->ic = calloc(1, sizeof *conf->ic)))
        return RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
    ic_list *l = (ic_list *)((char *)conf->ic + which);
    for (size_t i = 0; same && i < l->n; i++)
        if (same(&l->m[i], &m) && !strcmp(l->m[i].name, m.name))
            return RD_KAFKA_RESP_ERR__CONFLICT;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 4;
        ic_method *a = realloc(l->m, cap * sizeof *a);
        if (!a)
            return RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
        l->m = a;
        l->cap = cap;
    }
    if (!(m.name = strdup(m.name)))
        return RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
    l->m[l->n++] = m;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

static int same_set(const ic_method *a, const ic_method *b) { return a->fn.set == b->fn.set; }
static int same_dup(const ic_method *a, const ic_method *b) { return a->fn.dup == b->fn.dup; }
static int same_new(const ic_method *a, const ic_method *b)
{
    return a->fn.on_new == b->fn.on_new;
}

static void ic_cfg_add(struct shim_conf_ic *ic, const char *name, const char *val)
{
    if (ic->ncfg == ic->capcfg) {
        size_t cap = ic->capcfg ? 2 * ic->capcfg : 8;
        char **n = realloc(ic->cfg_names, cap * sizeof *n);
        if (!n)
            return;
        ic->cfg_names = n;
        char **v = realloc(ic->cfg_values, cap * sizeof *v);
        if (!v)
            return;
        ic->cfg_values = v;
        ic->capcfg = cap;
    }
    char *n = strdup(name), *v = val ? strdup(val) : NULL;
    if (!n || (val && !v)) {   /* not kept for copies: like a failed set */
        free(n);
        free(v);
        return;
    }
    ic->cfg_names[ic->ncfg] = n;
    ic->cfg_values[ic->ncfg++] = v;
}

/* rd_kafka_interceptors_on_conf_set: the first interceptor that knows
 * `name` decides; UNKNOWN if none does. */
rd_kafka_conf_res_t shim_conf_ic_on_set(rd_kafka_conf_t *conf, const char *name,
                                        const char *val, char *errstr, size_t errstr_size)
{
    struct shim_conf_ic *ic = conf->ic;
    for (size_t i = 0; ic && i < ic->set.n; i++) {
        rd_kafka_conf_res_t res = ic->set.m[i].fn.set(conf, name, val, errstr, errstr_size,
                                                      ic->set.m[i].opaque);
        if (res == RD_KAFKA_CONF_UNKNOWN)
            continue;
        if (res == RD_KAFKA_CONF_OK)
            ic_cfg_add(ic, name, val);
        return res;
    }
    return RD_KAFKA_CONF_UNKNOWN;
}

rd_kafka_resp_err_t rd_kafka_conf_interceptor_add_on_conf_set(
    rd_kafka_conf_t *conf, const char *ic_name, rd_kafka_interceptor_f_on_conf_set_t *on_conf_set,
    void *ic_opaque)
{
    ic_method m = {.name = (char *)ic_name, .fn.set = on_conf_set, .opaque = ic_opaque};
    return ic_add(conf, offsetof(struct shim_conf_ic, set), m, same_set);
}

rd_kafka_resp_err_t rd_kafka_conf_interceptor_add_on_conf_dup(
    rd_kafka_conf_t *conf, const char *ic_name, rd_kafka_interceptor_f_on_conf_dup_t *on_conf_dup,
    void *ic_opaque)
{
    ic_method m = {.name = (char *)ic_name, .fn.dup = on_conf_dup, .opaque = ic_opaque};
    return ic_add(conf, offsetof(struct shim_conf_ic, dup), m, same_dup);
}

/* Duplicates are allowed here, as in librdkafka (interceptor cleanup). */
rd_kafka_resp_err_t rd_kafka_conf_interceptor_add_on_conf_destroy(
    rd_kafka_conf_t *conf, const char *ic_name,
    rd_kafka_interceptor_f_on_conf_destroy_t *on_conf_destroy, void *ic_opaque)
{
    ic_method m = {.name = (char *)ic_name, .fn.destroy = on_conf_destroy, .opaque = ic_opaque};
    return ic_add(conf, offsetof(struct shim_conf_ic, destroy), m, NULL);
}

/* Stored (and copied by the on_conf_dup interceptors that re-add it), but
 * the shim's rd_kafka_new does not call on_new (docs/kafka-shim-properties.md). */
rd_kafka_resp_err_t rd_kafka_conf_interceptor_add_on_new(rd_kafka_conf_t *conf,
                                                         const char *ic_name,
                                                         rd_kafka_interceptor_f_on_new_t *on_new,
                                                         void *ic_opaque)
{
    ic_method m = {.name = (char *)ic_name, .fn.on_new = on_new, .opaque = ic_opaque};
    return ic_add(conf, offsetof(struct shim_conf_ic, on_new), m, same_new);
}

