/*
 * step_time.c -- from a wall-clock time to a step, through the commit
 * timestamps of the log (librdkafka's offsets_for_times, docs/protocol.md
 * "Steps by time").
 *
 * Every commit record carries the committer's wall time (timestamp_ms).
 * The retained commits are in the state in version order; the search
 * reads O(log n) of their records, as a broker's time index would, so
 * it assumes the timestamps rise with the version.  Committers' clocks
 * differ, so that holds only roughly; the answer is exact where they
 * agree, and otherwise a step whose commit is not earlier than ts by more
 * than the clocks disagree.  Granularity is a step: the step holding the
 * first sample of the first commit at or after ts.
 */
#include <inttypes.h>

#include "ls_int.h"

int ls_table_step_at_time(ls_table *t, int64_t ts_ms, uint64_t *step)
{
    const ls_state *s = &t->state;
    uint64_t B = s->global_batch ? s->global_batch : t->desc.global_batch;
    size_t lo = 0, hi = s->ncommits;   /* first commit with timestamp >= ts in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const ls_record *r;
        int rc = ls_table_record(t, s->commits[mid].version, s->commits[mid].commit_id, &r);
        if (rc)
            return rc;
        if (r->timestamp_ms < ts_ms)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == s->ncommits) {
        *step = s->total_samples / B;   /* none yet: the end of the visible steps */
        return LS_ERR_NOT_FOUND;
    }
    uint64_t st = s->commits[lo].first_sample / B;
    *step = st < s->low_watermark_step ? s->low_watermark_step : st;
    return LS_OK;
}
