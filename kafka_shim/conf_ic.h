/*
 * conf_ic.h -- a conf's interceptors (conf_interceptors.c), shared with
 * conf.c, which runs the dup and destroy ones and re-sets the properties
 * on_conf_set interceptors took.
 */
#ifndef LS_SHIM_CONF_IC_H
#define LS_SHIM_CONF_IC_H

#include "shim_int.h"

typedef struct ic_method {
    char *name;
    union {
        rd_kafka_interceptor_f_on_conf_set_t     *set;
        rd_kafka_interceptor_f_on_conf_dup_t     *dup;
        rd_kafka_interceptor_f_on_conf_destroy_t *destroy;
        rd_kafka_interceptor_f_on_new_t          *on_new;
    } fn;
    void *opaque;
} ic_method;

typedef struct ic_list {
    ic_method *m;
    size_t     n, cap;
} ic_list;

/* A conf's interceptors, in the order added, and the properties its
 * on_conf_set interceptors took (re-set on a copy, as librdkafka does). */
struct shim_conf_ic {
    ic_list set, dup, destroy, on_new;
    char  **cfg_names, **cfg_values;   /* cfg_values[i] may be NULL */
    size_t  ncfg, capcfg;
};

void shim_conf_ic_free(struct shim_conf_ic *ic);
/* rd_kafka_interceptors_on_conf_set: the first interceptor that knows
 * name decides; UNKNOWN if none does. */
rd_kafka_conf_res_t shim_conf_ic_on_set(rd_kafka_conf_t *conf, const char *name,
                                        const char *val, char *errstr, size_t errstr_size);

#endif
