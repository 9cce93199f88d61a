/*
 * shim_testutil.c -- helpers of the shim's suites (shim_testutil.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shim_testutil.h"

void st_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
    char errstr[512];
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        fail_msg("conf_set %s=%s: %s", name, value, errstr);
}

char *st_file_uri(const char *dir)
{
    size_t n = strlen(dir) + sizeof "file://";
    char *uri = malloc(n);
    assert_non_null(uri);
    snprintf(uri, n, "file://%s", dir);
    return uri;
}
