/*
 * testutil.h -- helpers shared by the cmocka suites: scratch directories,
 * seeds (printed, and replayable with LS_TEST_SEED=<n>), deterministic data.
 */
#ifndef LS_TESTUTIL_H
#define LS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* A fresh empty directory under $LS_TEST_TMP (or /tmp); malloc()ed path. */
char *lt_tmpdir(const char *tag);
/* rm -rf dir (dir must be one lt_tmpdir returned). */
void lt_rm_rf(const char *dir);
/* The run's base seed: $LS_TEST_SEED if set, else from the clock; printed
 * once on stderr so a failing run can be replayed. */
uint64_t lt_seed(void);
/* Fill buf with bytes derived from (seed, n); compressible if text != 0. */
void lt_fill(void *buf, size_t len, uint64_t seed, int text);
/* Delete every object of a store (an s3 test prefix, left as found). */
struct ls_store;
void lt_store_clear(struct ls_store *st);

/* A store that forwards every call to inner (not owned: closing it leaves
 * inner open) and counts them; caps replaces inner's capabilities (e.g. 0
 * to take the record-by-record path on a memory store). */
typedef struct lt_counts {
    uint64_t put, put_if_absent, get, head, list, del;
} lt_counts;
struct ls_store *lt_counting_new(struct ls_store *inner, unsigned caps);
lt_counts *lt_counting(struct ls_store *counting);

#endif
