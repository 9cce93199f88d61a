/*
 * count_store.h -- a store that counts (SQLite test_vfs style): a wrapper
 * that forwards every call to the store it owns and counts, per operation:
 * calls, outcome (ok, not found, exists, other errors by code), payload
 * bytes (sent by put and put_if_absent, received by get), keys listed, and
 * the call's latency in a histogram of quarter-octave buckets.  get_many is
 * forwarded as get_many when the inner store has one: each of its reads
 * counts as a get (its latency is that of the whole batch, counted apart
 * under "get_many").  Counters are atomic: the producer's chunk writers and
 * the consumer's prefetcher call the store from their own threads, and
 * several handles may share one set of counters.  Used by
 * `lakestream-bench stores` (the inputs of a cost model).
 */
#ifndef LS_HARNESS_COUNT_STORE_H
#define LS_HARNESS_COUNT_STORE_H

#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>

#include "lakestream.h"

#define COUNT_ERRS 16            /* ls_err codes counted one by one */
#define COUNT_LAT_BUCKETS 192    /* quarter octaves of ns, up to 2^48 ns */

enum { OPI_PUT, OPI_PIA, OPI_GET, OPI_HEAD, OPI_LIST, OPI_DEL, COUNT_OPS };
extern const char *const count_op_name[COUNT_OPS];   /* "put", "put_if_absent", ... */

typedef struct op_count {
    atomic_uint_least64_t calls, ok, not_found, exists, failed;
    atomic_uint_least64_t err[COUNT_ERRS];   /* failed, by ls_err code */
    atomic_uint_least64_t bytes, keys;
    atomic_uint_least64_t timed, ns;         /* calls whose latency is known */
    atomic_uint_least64_t hist[COUNT_LAT_BUCKETS];
} op_count;

/* The counters of one or more handles (zeroed by the caller). */
typedef struct store_count {
    op_count op[COUNT_OPS];   /* get: single gets and the reads of get_many */
    op_count many;            /* get_many calls: bytes of all reads, latency of the batch */
    atomic_uint_least64_t opens;   /* store handles opened (s3: one LIST each, not counted) */
} store_count;

/* A plain copy of the counters, to subtract and add. */
typedef struct op_snap {
    uint64_t calls, ok, not_found, exists, failed;
    uint64_t err[COUNT_ERRS];
    uint64_t bytes, keys, timed, ns;
    uint64_t hist[COUNT_LAT_BUCKETS];
} op_snap;

typedef struct count_snap {
    op_snap op[COUNT_OPS];
    op_snap many;
    uint64_t opens;
} count_snap;

/* Open uri and wrap it; the handle's calls count into cnt (not owned, must
 * outlive the handle).  On failure the error is the library's (ls_errmsg). */
int count_store_open(const char *uri, const ls_conf *conf, store_count *cnt, ls_store **out);

void count_take(store_count *c, count_snap *s);                          /* s = c now */
void count_sub(const count_snap *a, const count_snap *b, count_snap *out);  /* a - b (out may be a) */
void count_add(count_snap *acc, const count_snap *x);
uint64_t count_calls(const count_snap *c);    /* over the operations */
uint64_t count_failed(const count_snap *c);

/* Every operation's counters (latency percentiles from the histogram, in
 * ms), get_many's, the totals and the handles opened. */
json_t *count_json(const count_snap *c);
/* Calls per operation (and in total) divided by div. */
json_t *count_per_op_json(const count_snap *c, double div);

#endif
