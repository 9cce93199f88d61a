/*
 * err.c -- error names and the per-thread error detail.
 *
 * Functions return an ls_err code; the detail (which object, which version,
 * which sample) lives in a thread-local buffer read by ls_errmsg(), in the
 * manner of rd_kafka_last_error().  A failed LS_ASSERT (ls_int.h) ends
 * here too: the only place the library prints or stops the process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_int.h"

#define LS_ERRMSG_BYTES 1024

static _Thread_local char errmsg[LS_ERRMSG_BYTES];

static const char *const names[] = {
    [LS_OK]              = "ok",
    [LS_ERR_INVALID]     = "invalid argument",
    [LS_ERR_NOT_FOUND]   = "not found",
    [LS_ERR_EXISTS]      = "already exists",
    [LS_ERR_IO]          = "store I/O error",
    [LS_ERR_TIMEOUT]     = "timed out",
    [LS_ERR_CORRUPT]     = "corrupt object",
    [LS_ERR_FENCED]      = "fenced by a newer epoch",
    [LS_ERR_NOMEM]       = "out of memory",
    [LS_ERR_LIMIT]       = "limit exceeded",
    [LS_ERR_UNSUPPORTED] = "not implemented",
    [LS_ERR_RECLAIMED]   = "reclaimed below the low watermark",
    [LS_ERR_VERSION]     = "unsupported format version",
    [LS_ERR_STATE]       = "invalid state for this call",
};

const char *ls_err2str(int err)
{
    if (err < 0 || (size_t)err >= sizeof(names) / sizeof(names[0]) || !names[err])
        return "unknown error";
    return names[err];
}

int ls_err_is_retriable(int err)
{
    return err == LS_ERR_IO || err == LS_ERR_TIMEOUT;
}

const char *ls_errmsg(void)
{
    return errmsg;
}

int ls_seterr(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
    va_end(ap);
    return err;
}

int ls_preferr(int err, const char *fmt, ...)
{
    char prefix[LS_ERRMSG_BYTES], old[LS_ERRMSG_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, errmsg, sizeof(old));
    /* Truncation is acceptable: the detail is for humans. */
    int n = snprintf(errmsg, sizeof(errmsg), "%s: %s", prefix,
                     old[0] ? old : ls_err2str(err));
    if (n < 0)
        errmsg[0] = '\0';
    return err;
}

/* A broken internal invariant: the state of the process cannot be trusted,
 * so no error code could be; say which and stop (docs/invariants.md). */
_Noreturn void ls_assert_fail(const char *cond, const char *file, int line, const char *func)
{
    fprintf(stderr, "lakestream: %s:%d: %s: invariant failed: %s\n", file, line, func, cond);
    fflush(stderr);
    abort();
}
