/*
 * dac.c -- Decentralized Adaptive Commit (DESIGN.md section 6): the pure
 * controller that turns one producer's observation of its last commit into
 * its next commit interval.  Defaults first, then init and the update rule.
 * No I/O, no clock, no shared state; tests/test_dac.c simulates it.
 */
#include <math.h>

#include "ls_int.h"

/* Defaults, chosen with the simulation in tests/test_dac.c: N = 1..32
 * producers against a conditional-append log, synchronous commits (no
 * appending while a commit is in flight), commit cost 5 and 20 ms.
 *
 * - latency_factor 20: with the interval >= 20 x commit latency at most
 *   1/21 (< 5%) of a producer's time goes to committing, so DAC ingests
 *   >= 0.95 of the longest fixed interval even where it sits at its floor
 *   (one producer); 10 gives 0.91 and 4 gives 0.80 there.
 * - grow 2, jitter 0.5: a conflict multiplies the interval by [2, 3); the
 *   jitter spreads producers that conflicted together so they do not
 *   retry in step.
 * - shrink_ms 10 per clean commit: smaller recovers slowly once intervals
 *   are long (the decrease is per commit, and commits are then rare: from
 *   1 s to 100 ms takes ~45 s at 10 ms); larger trades more conflicts for
 *   fresher commits (20 ms: ~1.5x the conflicts per commit at 16 producers
 *   and 20 ms commits).
 * - latency_alpha 0.2: the floor follows a change of commit latency within
 *   about five commits but not a single slow one.
 * - interval 1 .. 1000 ms: 1 ms is the shortest fixed policy worth
 *   comparing; 1 s is the freshness bound (a sample is visible at most one
 *   interval plus one commit after it was appended).
 * - saturated up to 30 s, load 0.75 then 0.25: the log's load as a producer sees
 *   it is the commits landing per ms (its own and the others' since its
 *   previous one) times the time one attempt holds the log (its log calls
 *   over its attempts).  When a commit at the ceiling conflicts with the
 *   load over 0.75, the log is saturated: P x attempt time is near the
 *   ceiling (P = 64 at 15 ms on radosgw), and holding the ceiling makes
 *   every commit slower, so samples become visible later, not sooner
 *   (3 s a commit, 8.8 attempts, at P = 64: docs/dac.md "Saturation").
 *   Past the ceiling the interval is steered to the one that would put
 *   the load at 0.25 (up half way, at most x 2, down at once), up to 30 s, and is back
 *   at the ceiling as soon as that one is below it. */
void ls_dac_params_default(ls_dac_params *p)
{
    p->interval_ms_min = 1.0;
    p->interval_ms_max = 1000.0;
    p->saturated_ms_max = 30000.0;
    p->saturated_load = 0.75;
    p->saturated_target = 0.25;
    p->grow = 2.0;
    p->jitter = 0.5;
    p->shrink_ms = 10.0;
    p->latency_factor = 20.0;
    p->latency_alpha = 0.2;
}

/* Growth starts from here when the interval is 0 (interval_ms_min 0 and no
 * latency seen yet): a multiple of 0 would never back off. */
#define DAC_GROW_BASE_MS 1.0

/* v if it is a finite number >= lo, else dflt. */
static double finite_at_least(double v, double lo, double dflt)
{
    return isfinite(v) && v >= lo ? v : dflt;
}

/* The bounds the interval lives in: [lo, hi], 0 < lo <= hi.  The ceiling is
 * applied last so it wins over the latency floor (freshness first). */
static double clamp_interval(double v, const ls_dac_params *p, double floor_ms)
{
    double lo = finite_at_least(p->interval_ms_min, 0.0, 0.0);
    double hi = finite_at_least(p->interval_ms_max, lo, lo);
    if (floor_ms > lo)
        lo = floor_ms;
    if (!isfinite(v) || v < lo)  /* NaN never survives */
        v = lo;
    if (v > hi)
        v = hi;
    return v;
}

void ls_dac_init(ls_dac_state *s, const ls_dac_params *p, double initial_ms, uint64_t seed)
{
    s->latency_ewma_ms = 0.0;
    s->rng = seed;
    s->interval_ms = clamp_interval(initial_ms, p, 0.0);
}

/* Uniform in [0, 1) from the top 53 bits of the state's stream. */
static double uniform01(ls_dac_state *s)
{
    return (double)(ls_splitmix64(&s->rng) >> 11) * 0x1.0p-53;
}

/* The log's load as one producer sees it (above), or -1 if unknown (its
 * first commit, nonsense times). */
static double log_load(const ls_dac_obs *o, unsigned attempts)
{
    if (!(isfinite(o->span_ms) && o->span_ms > 0.0 && isfinite(o->log_ms) && o->log_ms >= 0.0))
        return -1.0;
    double l = ((double)o->others + 1.0) * (o->log_ms / attempts) / o->span_ms;
    return isfinite(l) ? l : -1.0;
}

double ls_dac_next(ls_dac_state *s, const ls_dac_params *p, const ls_dac_obs *o)
{
    /* attempts 0 cannot happen (a commit takes at least one); read it as a
     * clean commit rather than invent a conflict. */
    unsigned attempts = o->attempts ? o->attempts : 1;

    /* A latency that is negative, NaN or infinite (a clock step, a caller
     * bug) is ignored: it must not move the floor. */
    double alpha = p->latency_alpha;
    if (!isfinite(alpha) || alpha <= 0.0 || alpha > 1.0)
        alpha = 1.0;
    if (isfinite(o->latency_ms) && o->latency_ms >= 0.0) {
        if (s->latency_ewma_ms > 0.0)
            s->latency_ewma_ms += alpha * (o->latency_ms - s->latency_ewma_ms);
        else
            s->latency_ewma_ms = o->latency_ms;
    }

    double lo = finite_at_least(p->interval_ms_min, 0.0, 0.0);
    double hi = finite_at_least(p->interval_ms_max, lo, lo);
    double sat = finite_at_least(p->saturated_ms_max, hi, hi);
    double th = p->saturated_load, tg = p->saturated_target;
    double v = s->interval_ms;
    double load = isfinite(th) && th > 0.0 && isfinite(tg) && tg > 0.0 ? log_load(o, attempts)
                                                                      : -1.0;
    /* Saturated: past the ceiling, or at it with a conflict and the load
     * over the threshold.  A conflict below the ceiling, or at it with the
     * log not busy, is contention DAC still answers within the freshness
     * bound; a slow store without conflicts is not contention at all. */
    if (sat > hi && (v > hi || (v >= hi && attempts > 1 && load > th))) {
        if (load >= 0.0) {
            /* The interval at which the load would be tg: P x attempt / tg. */
            double target = ((double)o->others + 1.0) * (o->log_ms / attempts) / tg;
            /* Up half way and at most x 2 (one count over a short span
             * may be noisy), down at once (a long span counts many
             * commits, and a long interval is seldom corrected). */
            if (target > sat)
                target = sat;
            double up = v + 0.5 * (target - v);
            v = target < v ? target : up < 2.0 * v ? up : 2.0 * v;
        } else {
            v = hi + 0.5 * (v - hi);  /* no load seen: back down */
        }
        if (v > hi) {
            s->interval_ms = v < sat ? v : sat;
            return s->interval_ms;
        }
        v = hi;
    } else if (attempts > 1) {
        /* Multiplicative increase, once per conflicted commit however many
         * retries it took (the latency floor already sees the retries). */
        double grow = finite_at_least(p->grow, 1.0, 1.0);
        double jitter = finite_at_least(p->jitter, 0.0, 0.0);
        if (!(v > 0.0))
            v = DAC_GROW_BASE_MS;
        v *= grow * (1.0 + jitter * uniform01(s));
    } else {
        v -= finite_at_least(p->shrink_ms, 0.0, 0.0);
    }

    /* Both finite and >= 0, so the product is never NaN; an infinite one
     * (latency near DBL_MAX) just meets the ceiling. */
    double factor = finite_at_least(p->latency_factor, 0.0, 0.0);
    double floor_ms = factor * s->latency_ewma_ms;
    s->interval_ms = clamp_interval(v, p, floor_ms);
    return s->interval_ms;
}
