/*
 * shim_testutil.h -- helpers shared by the shim's cmocka suites
 * (test_shim_*.c): setting a property that must be accepted, and the
 * bootstrap.servers of a scratch store directory.
 */
#ifndef LS_SHIM_TESTUTIL_H
#define LS_SHIM_TESTUTIL_H

#include <librdkafka/rdkafka.h>

/* rd_kafka_conf_set, failing the test (with librdkafka's errstr) if refused. */
void st_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value);
/* "file://DIR", malloc()ed. */
char *st_file_uri(const char *dir);

#endif
