/*
 * die_ls.c -- die.h's die_ls, apart from die.c so that programs that do
 * not link liblakestream (lakestream-bench-worker-kafka links librdkafka
 * alone) can use die.c.
 */
#include "die.h"
#include "lakestream.h"

void die_ls(int rc, const char *what)
{
    const char *msg = ls_errmsg();
    die(what, "%s (%s)", msg && *msg ? msg : "no detail", ls_err2str(rc));
}
