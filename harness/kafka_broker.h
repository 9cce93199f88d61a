/*
 * kafka_broker.h -- a real Apache Kafka broker for a benchmark run: started
 * with scripts/kafka-server.sh (docs/kafka-broker.md) on free loopback
 * ports, stopped when the run ends or dies (die.h's cleanups).  Harness
 * code: it prints nothing itself, errors come back in err.
 */
#ifndef LS_HARNESS_KAFKA_BROKER_H
#define LS_HARNESS_KAFKA_BROKER_H

#include <limits.h>
#include <stddef.h>

#define KB_BROKERS_MAX     9        /* kafka-server.sh's own limit */
#define KB_BOOTSTRAP_BYTES 512
#define KB_VERSION_BYTES   64
#define KB_PORT_FIRST      19092    /* where the search for free ports starts */
#define KB_PORT_LAST       29092
#define KB_PORT_STEP       20       /* candidates: FIRST, FIRST + STEP, ... */

typedef struct kafka_broker {
    char     dir[PATH_MAX];                  /* kafka-server.sh's DIR */
    char     bootstrap[KB_BOOTSTRAP_BYTES];  /* "127.0.0.1:P,..." */
    char     version[KB_VERSION_BYTES];      /* "4.1.2" */
    unsigned brokers;
    int      started;                        /* ours to stop */
} kafka_broker;

/* The script: $LAKESTREAM_KAFKA_SERVER, else the source tree's
 * scripts/kafka-server.sh (LS_SOURCE_DIR, compiled in). */
const char *kafka_broker_script(void);

/* Start `brokers` nodes under dir (created; must not hold a running
 * broker), on free ports unless KAFKA_PORT is set, the script's progress
 * and errors going to log.  Registers a die() cleanup that stops them.
 * 0, or -1 with the reason in err. */
int kafka_broker_start(kafka_broker *kb, const char *dir, unsigned brokers, const char *log,
                       char *err, size_t cap);

/* Run argv (argv[0] a path) with stdin from /dev/null, its stdout into
 * out (NUL-terminated, cut at cap - 1), its stderr appended to log; waits
 * for it.  Its exit status, or -1 if it could not run or was killed. */
int kafka_run_capture(char *const argv[], const char *log, char *out, size_t cap);

/* Stop what kafka_broker_start started (idempotent). */
void kafka_broker_stop(kafka_broker *kb);

#endif
