/*
 * error.c -- librdkafka's error codes, names and descriptions (texts in
 * err_table.h), the per-thread last error, and the rd_kafka_error_t object.
 * The table has librdkafka's own layout, which rd_kafka_get_err_descs()
 * exposes: entry i describes code i + RD_KAFKA_RESP_ERR__BEGIN, and codes
 * with no description (gaps, _BEGIN, _END) have a NULL desc.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim_int.h"

#define SHIM_ERR(sfx, text)                                                                  \
    [RD_KAFKA_RESP_ERR_##sfx - RD_KAFKA_RESP_ERR__BEGIN] = {RD_KAFKA_RESP_ERR_##sfx, #sfx, text},
static const struct rd_kafka_err_desc err_table[] = {
#include "err_table.h"
};
#undef SHIM_ERR
#define ERR_TABLE_N (sizeof(err_table) / sizeof(err_table[0]))

/* The table spans _BEGIN .. END_ALL - 1, so err_desc() may index any code in
 * that range (librdkafka's cnt is the same). A code listed twice fails the
 * build under -Wextra (-Woverride-init). */
_Static_assert(ERR_TABLE_N == RD_KAFKA_RESP_ERR_END_ALL - RD_KAFKA_RESP_ERR__BEGIN,
               "err_table.h must end at the last code before RD_KAFKA_RESP_ERR_END_ALL");

/* Bytes of the "Err-%i?" / "ERR_%i?" text for unknown codes, as librdkafka. */
#define ERR_UNKNOWN_BYTES 32u

static _Thread_local rd_kafka_resp_err_t tls_err;
static _Thread_local char tls_errstr[SHIM_ERRSTR_BYTES];

rd_kafka_resp_err_t shim_seterr(rd_kafka_resp_err_t err, const char *fmt, ...)
{
    tls_err = err;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(tls_errstr, sizeof tls_errstr, fmt, ap);
        va_end(ap);
    } else {
        tls_errstr[0] = '\0';
    }
    return err;
}

const char *shim_errstr(void) { return tls_errstr; }

rd_kafka_resp_err_t shim_err_from_ls(int ls_rc)
{
    switch (ls_rc) {
    case LS_OK:              return RD_KAFKA_RESP_ERR_NO_ERROR;
    case LS_ERR_INVALID:     return RD_KAFKA_RESP_ERR__INVALID_ARG;
    case LS_ERR_NOT_FOUND:   return RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    case LS_ERR_EXISTS:      return RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS;
    case LS_ERR_IO:          return RD_KAFKA_RESP_ERR__TRANSPORT;
    case LS_ERR_TIMEOUT:     return RD_KAFKA_RESP_ERR__TIMED_OUT;
    case LS_ERR_CORRUPT:     return RD_KAFKA_RESP_ERR__BAD_MSG;
    case LS_ERR_FENCED:      return RD_KAFKA_RESP_ERR__FENCED;
    case LS_ERR_NOMEM:       return RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
    case LS_ERR_LIMIT:       return RD_KAFKA_RESP_ERR__QUEUE_FULL;
    case LS_ERR_UNSUPPORTED: return RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED;
    case LS_ERR_RECLAIMED:   return RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE;
    case LS_ERR_VERSION:     return RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE;
    case LS_ERR_STATE:       return RD_KAFKA_RESP_ERR__STATE;
    default:                 return RD_KAFKA_RESP_ERR__FAIL;
    }
}

/* The entry of err, or NULL when err has no description. */
static const struct rd_kafka_err_desc *err_desc(rd_kafka_resp_err_t err)
{
    if (err <= RD_KAFKA_RESP_ERR__BEGIN || err >= RD_KAFKA_RESP_ERR_END_ALL)
        return NULL;
    const struct rd_kafka_err_desc *d = &err_table[err - RD_KAFKA_RESP_ERR__BEGIN];
    if (!d->desc)
        return NULL;
    assert(d->code == err && d->name);
    return d;
}

/* Unknown codes give "Err-<code>?" in a per-thread buffer, as librdkafka. */
const char *rd_kafka_err2str(rd_kafka_resp_err_t err)
{
    static _Thread_local char buf[ERR_UNKNOWN_BYTES];
    const struct rd_kafka_err_desc *d = err_desc(err);
    if (d)
        return d->desc;
    snprintf(buf, sizeof buf, "Err-%i?", (int)err);
    return buf;
}

/* Unknown codes give "ERR_<code>?" in a per-thread buffer, as librdkafka. */
const char *rd_kafka_err2name(rd_kafka_resp_err_t err)
{
    static _Thread_local char buf[ERR_UNKNOWN_BYTES];
    const struct rd_kafka_err_desc *d = err_desc(err);
    if (d)
        return d->name;
    snprintf(buf, sizeof buf, "ERR_%i?", (int)err);
    return buf;
}

/* The static code-indexed table: *cntp entries, gaps with NULL name/desc. */
void rd_kafka_get_err_descs(const struct rd_kafka_err_desc **errdescs, size_t *cntp)
{
    *errdescs = err_table;
    *cntp = ERR_TABLE_N;
}

rd_kafka_resp_err_t rd_kafka_last_error(void) { return tls_err; }

/* librdkafka 2.0.2's mapping; any other errno is _FAIL. */
rd_kafka_resp_err_t rd_kafka_errno2err(int errnox)
{
    switch (errnox) {
    case EINVAL:    return RD_KAFKA_RESP_ERR__INVALID_ARG;
    case EBUSY:     return RD_KAFKA_RESP_ERR__CONFLICT;
    case ENOENT:    return RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    case ESRCH:     return RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
    case ETIMEDOUT: return RD_KAFKA_RESP_ERR__TIMED_OUT;
    case EMSGSIZE:  return RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE;
    case ENOBUFS:   return RD_KAFKA_RESP_ERR__QUEUE_FULL;
    case ECANCELED: return RD_KAFKA_RESP_ERR__FATAL;
    default:        return RD_KAFKA_RESP_ERR__FAIL;
    }
}

int rd_kafka_errno(void) { return errno; }

/* ---- the error object ---- */

struct rd_kafka_error_s {
    rd_kafka_resp_err_t code;
    char *errstr;
    int   fatal, retriable, txn_requires_abort;
};

static rd_kafka_error_t *error_vnew(rd_kafka_resp_err_t code, const char *fmt, va_list ap)
{
    rd_kafka_error_t *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->code = code;
    if (fmt && *fmt) {   /* as librdkafka: no fmt or "" leaves errstr NULL */
        va_list ap2;
        va_copy(ap2, ap);
        int n = vsnprintf(NULL, 0, fmt, ap2);
        va_end(ap2);
        if (n >= 0 && (e->errstr = malloc((size_t)n + 1)))
            vsnprintf(e->errstr, (size_t)n + 1, fmt, ap);
    }
    return e;
}

rd_kafka_error_t *rd_kafka_error_new(rd_kafka_resp_err_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rd_kafka_error_t *e = error_vnew(code, fmt, ap);
    va_end(ap);
    return e;
}

rd_kafka_error_t *shim_error_new(rd_kafka_resp_err_t code, int fatal, int retriable,
                                 int txn_requires_abort, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rd_kafka_error_t *e = error_vnew(code, fmt, ap);
    va_end(ap);
    if (e) {
        e->fatal = fatal;
        e->retriable = retriable;
        e->txn_requires_abort = txn_requires_abort;
    }
    return e;
}

void rd_kafka_error_destroy(rd_kafka_error_t *error)
{
    if (!error)
        return;
    free(error->errstr);
    free(error);
}

rd_kafka_resp_err_t rd_kafka_error_code(const rd_kafka_error_t *error)
{
    return error ? error->code : RD_KAFKA_RESP_ERR_NO_ERROR;
}

const char *rd_kafka_error_name(const rd_kafka_error_t *error)
{
    return error ? rd_kafka_err2name(error->code) : "";
}

const char *rd_kafka_error_string(const rd_kafka_error_t *error)
{
    if (!error)
        return "";
    return error->errstr ? error->errstr : rd_kafka_err2str(error->code);
}

int rd_kafka_error_is_fatal(const rd_kafka_error_t *error) { return error && error->fatal; }
int rd_kafka_error_is_retriable(const rd_kafka_error_t *error)
{
    return error && error->retriable;
}
int rd_kafka_error_txn_requires_abort(const rd_kafka_error_t *error)
{
    return error && error->txn_requires_abort;
}
