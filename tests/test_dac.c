/*
 * test_dac.c -- the Decentralized Adaptive Commit controller (core/dac.c):
 * unit tests of the update rule, then a discrete-event simulation of N
 * producers, each with its own controller, committing to a model of a
 * conditional-append log, compared with fixed commit intervals.
 *
 * The store model.  The log is a version counter.  A commit attempt reads
 * the head when it starts and lands cost_ms later (x U[0.8, 1.2), the
 * store's latency noise) if no other attempt landed in between; otherwise
 * it conflicts, and the producer reads the head again and retries at once,
 * paying another cost.  Commits are synchronous, as in core/producer.c:
 * while a producer commits it does not append, so time spent in attempts
 * (conflicting ones above all) is ingest time lost.  Each producer appends
 * at a constant rate while not committing; a commit carries everything
 * appended since the last one.  Throughput = samples appended per second,
 * everything appended being committed eventually.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ls_int.h"
#include "testutil.h"

/* ---- unit tests ---------------------------------------------------------- */

static ls_dac_params params_plain(void)
{
    ls_dac_params p;
    ls_dac_params_default(&p);
    return p;
}

static void test_defaults(void **state)
{
    (void)state;
    ls_dac_params p = params_plain();
    assert_true(p.interval_ms_min > 0 && p.interval_ms_min <= p.interval_ms_max);
    assert_true(p.grow > 1.0 && p.jitter >= 0.0 && p.shrink_ms > 0.0);
    assert_true(p.latency_factor >= 1.0);
    assert_true(p.latency_alpha > 0.0 && p.latency_alpha <= 1.0);
    ls_dac_state s;
    ls_dac_init(&s, &p, 50.0, 1);
    assert_true(s.interval_ms == 50.0);
    assert_true(s.latency_ewma_ms == 0.0);
    ls_dac_init(&s, &p, 0.0, 1);  /* clamped into [min, max] */
    assert_true(s.interval_ms == p.interval_ms_min);
    ls_dac_init(&s, &p, 1e9, 1);
    assert_true(s.interval_ms == p.interval_ms_max);
    ls_dac_init(&s, &p, NAN, 1);
    assert_true(s.interval_ms == p.interval_ms_min);
}

/* A conflict multiplies by [grow, grow x (1 + jitter)); the factors drawn
 * spread over that range. */
static void test_grow_on_conflict(void **state)
{
    (void)state;
    ls_dac_params p = params_plain();
    p.latency_factor = 0.0;  /* no floor: look at the growth alone */
    p.interval_ms_max = 1e12;
    double lo = 10.0, hi = 0.0;
    ls_dac_state s;
    ls_dac_init(&s, &p, 10.0, lt_seed());
    for (int i = 0; i < 1000; i++) {
        s.interval_ms = 10.0;
        ls_dac_obs o = { .attempts = 2 + (unsigned)(i % 5), .latency_ms = 3.0 };
        double f = ls_dac_next(&s, &p, &o) / 10.0;
        assert_true(f >= p.grow);
        assert_true(f < p.grow * (1.0 + p.jitter));
        lo = f < lo ? f : lo;
        hi = f > hi ? f : hi;
    }
    /* 1000 uniform draws: both ends of the range are reached closely. */
    assert_true(lo < p.grow * (1.0 + 0.05 * p.jitter));
    assert_true(hi > p.grow * (1.0 + 0.95 * p.jitter));

    /* No jitter: exactly grow. */
    p.jitter = 0.0;
    s.interval_ms = 10.0;
    ls_dac_obs o = { .attempts = 3, .latency_ms = 3.0 };
    assert_true(ls_dac_next(&s, &p, &o) == 10.0 * p.grow);
}

static void test_shrink_on_clean(void **state)
{
    (void)state;
    ls_dac_params p = params_plain();
    p.latency_factor = 0.0;
    ls_dac_state s;
    ls_dac_init(&s, &p, 500.0, 7);
    ls_dac_obs o = { .attempts = 1, .latency_ms = 2.0 };
    double v = 500.0;
    for (int i = 0; i < 10; i++) {
        double n = ls_dac_next(&s, &p, &o);
        assert_true(fabs(n - (v - p.shrink_ms)) < 1e-9);
        v = n;
    }
    /* ... and stops at the floor. */
    for (int i = 0; i < 1000; i++)
        v = ls_dac_next(&s, &p, &o);
    assert_true(v == p.interval_ms_min);
}

/* The interval stays >= latency_factor x recent latency: 50 ms commits with
 * factor 4 keep it >= 200 ms however many clean commits follow; when the
 * commits get fast again the floor follows them down. */
static void test_latency_floor(void **state)
{
    (void)state;
    ls_dac_params p = params_plain();
    p.latency_factor = 4.0;
    ls_dac_state s;
    ls_dac_init(&s, &p, 1.0, 3);
    ls_dac_obs o = { .attempts = 1, .latency_ms = 50.0 };
    double v = 0;
    for (int i = 0; i < 5000; i++) {
        v = ls_dac_next(&s, &p, &o);
        assert_true(v >= 200.0 - 1e-9);
    }
    assert_true(fabs(v - 200.0) < 1e-6);
    assert_true(fabs(s.latency_ewma_ms - 50.0) < 1e-9);
    /* Latency drops to 5 ms: the EWMA follows, the interval shrinks
     * additively to the new floor of 20 ms. */
    o.latency_ms = 5.0;
    for (int i = 0; i < 5000; i++)
        v = ls_dac_next(&s, &p, &o);
    assert_true(fabs(v - 20.0) < 1e-6);
    /* One slow commit moves the floor by alpha of the step, not all of it. */
    o.latency_ms = 105.0;
    v = ls_dac_next(&s, &p, &o);
    assert_true(fabs(s.latency_ewma_ms - (5.0 + p.latency_alpha * 100.0)) < 1e-9);
    assert_true(fabs(v - 4.0 * s.latency_ewma_ms) < 1e-9);
}

/* Min and max clamp growth and shrink; the ceiling wins over the latency
 * floor (freshness bound); with no room above it (saturated max = max) it
 * is strict also for conflicts. */
static void test_clamps(void **state)
{
    (void)state;
    ls_dac_params p = params_plain();
    p.interval_ms_min = 5.0;
    p.interval_ms_max = 300.0;
    p.saturated_ms_max = 300.0;
    p.latency_factor = 0.0;
    ls_dac_state s;
    ls_dac_init(&s, &p, 100.0, 11);
    ls_dac_obs conflict = { .attempts = 4, .latency_ms = 1.0 };
    ls_dac_obs clean = { .attempts = 1, .latency_ms = 1.0 };
    for (int i = 0; i < 50; i++)
        assert_true(ls_dac_next(&s, &p, &conflict) <= 300.0);
    assert_true(s.interval_ms == 300.0);
    for (int i = 0; i < 500; i++)
        assert_true(ls_dac_next(&s, &p, &clean) >= 5.0);
    assert_true(s.interval_ms == 5.0);

    /* Commits of 200 ms and factor 4 ask for 800 ms: the ceiling says 300. */
    p.latency_factor = 4.0;
    ls_dac_obs slow = { .attempts = 1, .latency_ms = 200.0 };
    for (int i = 0; i < 100; i++)
        ls_dac_next(&s, &p, &slow);
    assert_true(s.latency_ewma_ms > 199.0);
    for (int i = 0; i < 20; i++)
        assert_true(ls_dac_next(&s, &p, &slow) == 300.0);
    ls_dac_obs slow_conflict = { .attempts = 3, .latency_ms = 600.0 };
    assert_true(ls_dac_next(&s, &p, &slow_conflict) == 300.0);
}

/* Saturation: a conflict at the ceiling with the log's load over the
 * threshold goes past the ceiling, half way to the interval that puts the
 * load at the threshold, never past the saturated max; a conflict below
 * the ceiling, or at it on a log not busy, or a slow store without
 * conflicts, stays within it; once the load falls the interval is back at
 * the ceiling, then shrinks as usual. */
static void test_saturated(void **state)
{
    (void)state;
    ls_dac_params p = params_plain();
    p.interval_ms_min = 5.0;
    p.interval_ms_max = 300.0;
    p.saturated_ms_max = 5000.0;
    p.latency_factor = 20.0;
    ls_dac_state s;
    ls_dac_init(&s, &p, 200.0, 13);
    /* 19 others in 300 ms, 10 ms an attempt: load 0.67, the ceiling holds. */
    ls_dac_obs calm = { .attempts = 3, .latency_ms = 30.0, .others = 19, .span_ms = 300.0,
                        .log_ms = 30.0 };
    for (int i = 0; i < 10; i++)
        assert_true(ls_dac_next(&s, &p, &calm) == 300.0);
    /* Nor without the load (a first commit). */
    ls_dac_obs unknown = { .attempts = 9, .latency_ms = 900.0 };
    assert_true(ls_dac_next(&s, &p, &unknown) == 300.0);
    /* 39 others in 300 ms: load 1.33; the interval for 0.25 is 40 x 10 /
     * 0.25 = 1600 ms; half way there is 950, x 2 at most 600. */
    ls_dac_obs busy = { .attempts = 3, .latency_ms = 30.0, .others = 39, .span_ms = 300.0,
                        .log_ms = 30.0 };
    assert_true(ls_dac_next(&s, &p, &busy) == 600.0);
    assert_true(fabs(ls_dac_next(&s, &p, &busy) - 1100.0) < 1e-9);
    /* 9 others: the target, 400 ms, is below: at once. */
    ls_dac_obs less = busy;
    less.others = 9;
    assert_true(fabs(ls_dac_next(&s, &p, &less) - 400.0) < 1e-9);
    /* Clean commits at the first load steer to 1600 ms. */
    ls_dac_obs busy_clean = busy;
    busy_clean.attempts = 1;
    busy_clean.log_ms = 10.0;
    busy_clean.span_ms = 550.0;
    for (int i = 0; i < 40; i++)
        ls_dac_next(&s, &p, &busy_clean);
    assert_true(fabs(s.interval_ms - 1600.0) < 1e-6);
    /* Never past the saturated max. */
    ls_dac_obs jammed = { .attempts = 9, .latency_ms = 3000.0, .others = 999,
                          .span_ms = 3000.0, .log_ms = 3000.0 };
    for (int i = 0; i < 20; i++)
        assert_true(ls_dac_next(&s, &p, &jammed) <= 5000.0);  /* x 2 a commit at most */
    assert_true(s.interval_ms > 4999.0);
    /* The load falls (4 others, 10 ms): the target, 200 ms, is below the
     * ceiling: back at the ceiling at once. */
    ls_dac_obs quiet = { .attempts = 1, .latency_ms = 10.0, .others = 4, .span_ms = 1000.0,
                         .log_ms = 10.0 };
    int n = 0;
    while (s.interval_ms > 300.0 && n < 100) {
        ls_dac_next(&s, &p, &quiet);
        n++;
    }
    assert_true(n == 1 && s.interval_ms == 300.0);
    /* Held there by the latency floor (20 x the recent 3 s commits) until
     * the EWMA forgets them; then down to the floor of 20 x 10 ms. */
    for (int i = 0; i < 100; i++)
        ls_dac_next(&s, &p, &quiet);
    assert_true(fabs(s.interval_ms - 200.0) < 1.0);
    /* Below the ceiling a conflict on a busy log stops at the ceiling. */
    ls_dac_state u;
    ls_dac_init(&u, &p, 200.0, 13);
    assert_true(ls_dac_next(&u, &p, &busy) == 300.0);
    /* A slow store without conflicts asks for 20 x 1 s: the ceiling, not
     * past it, however loaded. */
    ls_dac_obs slow = { .attempts = 1, .latency_ms = 1000.0, .others = 99, .span_ms = 300.0,
                        .log_ms = 1000.0 };
    for (int i = 0; i < 30; i++)
        assert_true(ls_dac_next(&u, &p, &slow) == 300.0);
    /* saturated max = max: the ceiling is strict. */
    p.saturated_ms_max = 300.0;
    for (int i = 0; i < 10; i++)
        assert_true(ls_dac_next(&u, &p, &jammed) == 300.0);
}

/* A fixed sequence of observations, a conflict every third; the interval
 * is reset to 10 ms before each so no clamp hides the jitter drawn. */
static void run_sequence(uint64_t seed, double *out, int n)
{
    ls_dac_params p = params_plain();
    ls_dac_state s;
    ls_dac_init(&s, &p, 10.0, seed);
    for (int i = 0; i < n; i++) {
        s.interval_ms = 10.0;
        ls_dac_obs o = { .attempts = (i % 3 == 0) ? 2u : 1u, .latency_ms = 0.1 * (i % 7) };
        out[i] = ls_dac_next(&s, &p, &o);
    }
}

static void test_deterministic(void **state)
{
    (void)state;
    enum { N = 300 };
    double a[N], b[N], c[N];
    uint64_t seed = lt_seed();
    run_sequence(seed, a, N);
    run_sequence(seed, b, N);
    run_sequence(seed ^ 0x5555aaaa5555aaaaull, c, N);
    assert_memory_equal(a, b, sizeof(a));
    /* Another seed draws other growth factors, and only those differ. */
    for (int i = 0; i < N; i++) {
        if (i % 3 == 0)
            assert_true(a[i] != c[i]);
        else
            assert_true(a[i] == c[i]);
    }
}

static int sane(double v, const ls_dac_params *p)
{
    double hi = p->saturated_ms_max > p->interval_ms_max ? p->saturated_ms_max
                                                         : p->interval_ms_max;
    return isfinite(v) && v >= p->interval_ms_min && v <= hi;
}

/* attempts 0 counts as a clean commit; a negative, NaN or infinite latency
 * is ignored; nothing yields NaN, a negative interval or one out of range. */
static void test_edge_inputs(void **state)
{
    (void)state;
    ls_dac_params p = params_plain();
    ls_dac_state s, t;
    ls_dac_init(&s, &p, 100.0, 5);
    ls_dac_init(&t, &p, 100.0, 5);
    ls_dac_obs zero = { .attempts = 0, .latency_ms = 1.0 };
    ls_dac_obs one = { .attempts = 1, .latency_ms = 1.0 };
    assert_true(ls_dac_next(&s, &p, &zero) == ls_dac_next(&t, &p, &one));
    assert_true(s.interval_ms == 100.0 - p.shrink_ms);

    double ewma = s.latency_ewma_ms;
    const double bad[] = { -1.0, -1e300, NAN, INFINITY, -INFINITY };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ls_dac_obs o = { .attempts = (unsigned)(1 + i % 2), .latency_ms = bad[i] };
        assert_true(sane(ls_dac_next(&s, &p, &o), &p));
        assert_true(s.latency_ewma_ms == ewma);
    }
    /* Huge values and huge attempt counts stay in range. */
    ls_dac_obs huge = { .attempts = UINT32_MAX, .latency_ms = 1e300 };
    for (int i = 0; i < 10; i++)
        assert_true(sane(ls_dac_next(&s, &p, &huge), &p));
    assert_true(s.interval_ms == p.interval_ms_max);  /* no load seen: not saturated */
    ls_dac_obs hload = { .attempts = UINT32_MAX, .latency_ms = 1e300, .others = UINT64_MAX,
                         .span_ms = 1e-300, .log_ms = 1e300 };  /* load: inf, unknown */
    for (int i = 0; i < 20; i++)
        assert_true(sane(ls_dac_next(&s, &p, &hload), &p));
    ls_dac_obs jload = { .attempts = 2, .latency_ms = 1e6, .others = 1u << 20, .span_ms = 1.0,
                         .log_ms = 1e6 };
    for (int i = 0; i < 60; i++)
        assert_true(sane(ls_dac_next(&s, &p, &jload), &p));
    assert_true(s.interval_ms == p.saturated_ms_max);
    ls_dac_obs nload = { .attempts = 2, .latency_ms = 1.0, .others = 5, .span_ms = NAN,
                         .log_ms = INFINITY };
    assert_true(sane(ls_dac_next(&s, &p, &nload), &p));
    ls_dac_init(&s, &p, 100.0, 5);
    ls_dac_obs max = { .attempts = 1, .latency_ms = DBL_MAX };  /* x factor: inf */
    assert_true(ls_dac_next(&s, &p, &max) == p.interval_ms_max);
    assert_true(ls_dac_next(&s, &p, &max) == p.interval_ms_max);

    /* Nonsense parameters do not poison the state either. */
    ls_dac_params q = p;
    q.grow = NAN;
    q.jitter = -3.0;
    q.shrink_ms = NAN;
    q.latency_factor = INFINITY;
    q.latency_alpha = 7.0;
    ls_dac_init(&s, &q, 50.0, 9);
    for (int i = 0; i < 100; i++) {
        ls_dac_obs o = { .attempts = (unsigned)(i % 3), .latency_ms = (double)i };
        assert_true(sane(ls_dac_next(&s, &q, &o), &q));
    }
    /* A floor of 0 and no latency: a conflict still backs off. */
    q = p;
    q.interval_ms_min = 0.0;
    q.latency_factor = 0.0;
    ls_dac_init(&s, &q, 0.0, 9);
    assert_true(s.interval_ms == 0.0);
    ls_dac_obs c = { .attempts = 2, .latency_ms = 0.0 };
    assert_true(ls_dac_next(&s, &q, &c) > 0.0);
}

/* ---- simulation ---------------------------------------------------------- */

#define SIM_DURATION_MS   60000.0
#define SIM_WARMUP_MS     10000.0   /* excluded from the convergence figures */
#define SIM_WINDOW_MS      5000.0   /* convergence: mean interval per window */
#define SIM_WINDOWS_MAX      64
#define SIM_PRODUCERS_MAX   128
#define SIM_RATE           1000.0   /* samples/s a producer appends while not committing */

typedef struct sim_cfg {
    int      n;               /* producers at the start */
    int      n_after;         /* producers left after change_ms (the others stop) */
    double   change_ms;
    double   duration_ms;
    double   cost_ms;         /* one commit attempt (x U[0.8, 1.2)) */
    double   fixed_ms;        /* > 0: a fixed interval; 0: DAC with *p */
    const ls_dac_params *p;   /* DAC starts from p->interval_ms_min: the most contended start */
    uint64_t seed;
} sim_cfg;

typedef struct sim_producer {
    int      committing;      /* 0: appending until next_ms; 1: an attempt ends at next_ms */
    double   next_ms;         /* INFINITY once stopped */
    double   first_attempt_ms;
    uint64_t read_version;    /* head seen by the attempt in flight */
    unsigned attempts;
    double   interval_ms;
    uint64_t landed_version;  /* its previous commit (0: none yet) */
    double   landed_ms;
    ls_dac_state dac;
} sim_producer;

typedef struct sim_result {
    double commits_per_s;
    double conflicts_per_commit;
    double conflicts_per_commit_late;  /* after warm-up */
    double interval_ms_mean;      /* append time per commit */
    double latency_ms_mean;       /* commit latency, retries included */
    double samples_per_s;         /* appended (all committed eventually) */
    double window_cv;             /* after warm-up: CV of the per-window mean interval */
    double last_interval_ms;      /* producer 0's interval at the end */
    double end_interval_ms_mean;  /* mean interval at the end of the producers still on */
} sim_result;

static double sim_uniform(uint64_t *rng)
{
    return (double)(ls_splitmix64(rng) >> 11) * 0x1.0p-53;
}

/* Newton's method: the suites do not link libm. */
static double sim_sqrt(double x)
{
    if (!(x > 0))
        return 0;
    double r = x > 1 ? x : 1;
    for (int i = 0; i < 200; i++)
        r = 0.5 * (r + x / r);
    return r;
}

static sim_result simulate(const sim_cfg *c)
{
    sim_producer pr[SIM_PRODUCERS_MAX];
    uint64_t rng = c->seed, version = 0;
    double append_ms = 0, latency_ms = 0;
    uint64_t commits = 0, conflicts = 0, commits_late = 0, conflicts_late = 0;
    double win_sum[SIM_WINDOWS_MAX] = { 0 };
    uint64_t win_n[SIM_WINDOWS_MAX] = { 0 };
    int windows = (int)((c->duration_ms - SIM_WARMUP_MS) / SIM_WINDOW_MS);

    assert_true(c->n >= 1 && c->n <= SIM_PRODUCERS_MAX);
    assert_true(c->n_after >= 1 && c->n_after <= c->n);
    assert_true(windows >= 2 && windows <= SIM_WINDOWS_MAX);
    for (int i = 0; i < c->n; i++) {
        sim_producer *q = &pr[i];
        memset(q, 0, sizeof(*q));
        if (c->fixed_ms > 0) {
            q->interval_ms = c->fixed_ms;
        } else {
            ls_dac_init(&q->dac, c->p, c->p->interval_ms_min, ls_splitmix64(&rng));
            q->interval_ms = q->dac.interval_ms;
        }
        /* Producers start out of phase: the first interval is cut short. */
        q->next_ms = q->interval_ms * (1.0 - sim_uniform(&rng));
        append_ms += q->next_ms;
    }

    for (;;) {
        int k = 0;
        for (int i = 1; i < c->n; i++)
            if (pr[i].next_ms < pr[k].next_ms)
                k = i;
        sim_producer *q = &pr[k];
        double t = q->next_ms;
        if (t >= c->duration_ms)
            break;
        double cost = c->cost_ms * (0.8 + 0.4 * sim_uniform(&rng));
        if (!q->committing) {
            q->committing = 1;
            q->attempts = 1;
            q->first_attempt_ms = t;
            q->read_version = version;
            q->next_ms = t + cost;
            continue;
        }
        uint64_t late = t >= SIM_WARMUP_MS;
        if (q->read_version != version) {
            /* Someone landed first: read the head again and retry now. */
            conflicts++;
            conflicts_late += late;
            q->attempts++;
            q->read_version = version;
            q->next_ms = t + cost;
            continue;
        }
        version++;
        commits++;
        commits_late += late;
        double lat = t - q->first_attempt_ms;
        latency_ms += lat;
        if (c->fixed_ms <= 0) {
            ls_dac_obs o = { .attempts = q->attempts, .latency_ms = lat };
            if (q->landed_version) {
                o.others = version - q->landed_version - 1;
                o.span_ms = t - q->landed_ms;
                o.log_ms = lat;
            }
            q->interval_ms = ls_dac_next(&q->dac, c->p, &o);
        }
        q->landed_version = version;
        q->landed_ms = t;
        if (late) {
            int w = (int)((t - SIM_WARMUP_MS) / SIM_WINDOW_MS);
            if (w < windows) {
                win_sum[w] += q->interval_ms;
                win_n[w]++;
            }
        }
        q->committing = 0;
        if (k >= c->n_after && t >= c->change_ms) {
            q->next_ms = INFINITY;
            continue;
        }
        q->next_ms = t + q->interval_ms;
        append_ms += q->next_ms < c->duration_ms ? q->interval_ms : c->duration_ms - t;
    }

    sim_result r = { 0 };
    double dur_s = c->duration_ms / 1000.0;
    r.commits_per_s = (double)commits / dur_s;
    r.conflicts_per_commit = commits ? (double)conflicts / (double)commits : 1e9;
    r.conflicts_per_commit_late = commits_late ? (double)conflicts_late / (double)commits_late : 1e9;
    r.interval_ms_mean = commits ? append_ms / (double)commits : c->duration_ms;
    r.latency_ms_mean = commits ? latency_ms / (double)commits : c->duration_ms;
    r.samples_per_s = append_ms / c->duration_ms * SIM_RATE;
    r.last_interval_ms = pr[0].interval_ms;
    int on = c->duration_ms > c->change_ms ? c->n_after : c->n;
    for (int i = 0; i < on; i++)
        r.end_interval_ms_mean += pr[i].interval_ms / on;

    double sum = 0, sum2 = 0;
    int nw = 0;
    for (int w = 0; w < windows; w++) {
        if (!win_n[w])
            continue;
        double m = win_sum[w] / (double)win_n[w];
        sum += m;
        sum2 += m * m;
        nw++;
    }
    double mean = nw ? sum / nw : 0;
    double var = nw ? sum2 / nw - mean * mean : 0;
    r.window_cv = mean > 0 ? sim_sqrt(var > 0 ? var : 0) / mean : 1e9;
    return r;
}

static const int sim_ns[] = { 1, 2, 4, 8, 16, 32 };
static const double sim_fixed[] = { 1, 10, 100, 1000 };
#define SIM_NN (int)(sizeof(sim_ns) / sizeof(sim_ns[0]))
#define SIM_NF (int)(sizeof(sim_fixed) / sizeof(sim_fixed[0]))

static void sim_print(int n, const char *policy, const sim_result *r, double best, int dac)
{
    char cv[16] = "";
    if (dac)
        snprintf(cv, sizeof(cv), "%.3f", r->window_cv);
    print_message("%3d %-10s %9.1f %9.3f %9.3f %11.1f %8.1f %10.1f %10.0f %7.3f %6s\n", n,
                  policy, r->commits_per_s, r->conflicts_per_commit,
                  r->conflicts_per_commit_late, r->interval_ms_mean, r->end_interval_ms_mean,
                  r->latency_ms_mean, r->samples_per_s, r->samples_per_s / best, cv);
}

/* N producers x {DAC, fixed 1, 10, 100, 1000 ms} at one commit cost, with
 * the bounds asserted.  The figures in brackets are the worst seen over
 * 1000 seeds at commit costs 5 and 20 ms, for the margins:
 *  - DAC ingests >= 0.9 of the best fixed interval at every N [0.957, at
 *    N = 1 where it sits at the latency floor, 20 x cost], and >= 3x
 *    fixed:1 at N = 16 [~75x];
 *  - at N = 16, DAC has < 0.1x the conflicts per commit of fixed:1 [0.03x];
 *  - alone, a producer settles at the latency floor, < 1.3 x factor x cost;
 *  - convergence without oscillation: after the warm-up, the mean interval
 *    per 5 s window has a CV < 0.25 from N = 16 on [0.15], < 0.5 at N = 8
 *    [0.35], < 1 below [0.74].  With few producers one conflict (x2-3,
 *    undone 10 ms per commit) moves the mean a lot for a while: an AIMD
 *    sawtooth, not a cycle the producers fall into together. */
static void sim_cost(double cost_ms)
{
    ls_dac_params p = params_plain();
    uint64_t seed = lt_seed();
    print_message("commit cost %.0f ms, %.0f s simulated, %.0f samples/s per producer "
                  "while appending, seed %" PRIu64 "\n",
                  cost_ms, SIM_DURATION_MS / 1000, SIM_RATE, seed);
    print_message("%3s %-10s %9s %9s %9s %11s %8s %10s %10s %7s %6s\n", "N", "policy",
                  "commits/s", "confl/cmt", "(late)", "interval_ms", "(end)", "latency_ms",
                  "samples/s", "vs_best", "cv");
    for (int ni = 0; ni < SIM_NN; ni++) {
        int n = sim_ns[ni];
        sim_cfg c = { .n = n, .n_after = n, .change_ms = INFINITY,
                      .duration_ms = SIM_DURATION_MS, .cost_ms = cost_ms, .p = &p };
        sim_result fx[SIM_NF], d;
        double best = 0;
        for (int f = 0; f < SIM_NF; f++) {
            c.fixed_ms = sim_fixed[f];
            c.seed = seed + (uint64_t)ni * 100 + (uint64_t)f;
            fx[f] = simulate(&c);
            if (fx[f].samples_per_s > best)
                best = fx[f].samples_per_s;
        }
        c.fixed_ms = 0;
        c.seed = seed + (uint64_t)ni * 100 + 99;
        d = simulate(&c);
        sim_print(n, "dac", &d, best, 1);
        for (int f = 0; f < SIM_NF; f++) {
            char name[16];
            snprintf(name, sizeof(name), "fixed:%.0f", sim_fixed[f]);
            sim_print(n, name, &fx[f], best, 0);
        }

        assert_true(d.samples_per_s >= 0.9 * best);
        assert_true(d.window_cv < (n >= 16 ? 0.25 : n >= 8 ? 0.5 : 1.0));
        /* Within the ceiling where N commits at the ceiling load the log
         * well below the threshold; else near the interval that puts it at
         * the target (docs/dac.md "Saturation").  Between 2/3 of the
         * threshold and the threshold either may hold: the load a producer
         * sees includes the conflicts' extra attempts (N = 32 at 20 ms,
         * nominal 0.64, went past the ceiling with seed 1883680154900681). */
        double load = n * cost_ms / p.interval_ms_max;
        if (load <= p.saturated_load * 2.0 / 3.0)
            assert_true(d.interval_ms_mean <= p.interval_ms_max);
        else
            assert_true(d.end_interval_ms_mean <= 1.5 * n * cost_ms / p.saturated_target);
        if (n == 1)
            assert_true(d.interval_ms_mean < 1.3 * p.latency_factor * cost_ms);
        if (n == 16) {
            assert_true(d.samples_per_s >= 3.0 * fx[0].samples_per_s);
            assert_true(d.conflicts_per_commit < 0.1 * fx[0].conflicts_per_commit);
        }
    }
}

static void test_sim_cost5(void **state)
{
    (void)state;
    sim_cost(5.0);
}

static void test_sim_cost20(void **state)
{
    (void)state;
    sim_cost(20.0);
}

/* A saturated log: N = 64 and 96 producers at 15 ms an attempt would load
 * it 0.96 and 1.44 committing at the 1 s ceiling (radosgw, P = 64:
 * docs/dac.md "Saturation").  DAC past the ceiling against DAC held to it
 * (saturated max = max) and fixed intervals of 1 to 8 s. */
static void test_sim_saturated(void **state)
{
    (void)state;
    ls_dac_params p = params_plain(), strict = p;
    strict.saturated_ms_max = strict.interval_ms_max;
    static const double fixed[] = { 1000, 2000, 4000, 8000 };
    uint64_t seed = lt_seed();
    const double cost = 15.0;
    print_message("saturated log: commit cost %.0f ms, seed %" PRIu64 "\n", cost, seed);
    print_message("%3s %-10s %9s %9s %9s %11s %8s %10s %10s %7s %6s\n", "N", "policy",
                  "commits/s", "confl/cmt", "(late)", "interval_ms", "(end)", "latency_ms",
                  "samples/s", "vs_best", "cv");
    for (int n = 64; n <= 96; n += 32) {
        sim_cfg c = { .n = n, .n_after = n, .change_ms = INFINITY,
                      .duration_ms = SIM_DURATION_MS, .cost_ms = cost, .p = &p };
        sim_result fx[4], d, h;
        double best = 0;
        for (int f = 0; f < 4; f++) {
            c.fixed_ms = fixed[f];
            c.seed = seed + (uint64_t)n * 100 + (uint64_t)f;
            fx[f] = simulate(&c);
            best = fx[f].samples_per_s > best ? fx[f].samples_per_s : best;
        }
        c.fixed_ms = 0;
        c.seed = seed + (uint64_t)n * 100 + 99;
        d = simulate(&c);
        c.p = &strict;
        h = simulate(&c);
        sim_print(n, "dac", &d, best, 1);
        sim_print(n, "dac-strict", &h, best, 1);
        for (int f = 0; f < 4; f++) {
            char name[16];
            snprintf(name, sizeof(name), "fixed:%.0f", fixed[f]);
            sim_print(n, name, &fx[f], best, 0);
        }
        /* Past the ceiling: near the interval for load 0.5, few conflicts,
         * and ingest no worse than the best fixed interval; held to the
         * ceiling, commits collide and take longer. */
        double target = n * cost / p.saturated_target;
        assert_true(d.interval_ms_mean > p.interval_ms_max);
        assert_true(d.interval_ms_mean < 1.5 * target);
        assert_true(d.samples_per_s >= 0.9 * best);
        assert_true(d.conflicts_per_commit_late < 1.0);
        assert_true(h.conflicts_per_commit_late > 3.0 * d.conflicts_per_commit_late);
        assert_true(h.samples_per_s < d.samples_per_s);
    }
}

/* Contention that goes away: 16 producers for 30 s, then one.  Its
 * interval, pushed up by the conflicts, comes back down to the latency
 * floor by additive decrease within the 90 s that follow. */
static void test_sim_recovery(void **state)
{
    (void)state;
    ls_dac_params p = params_plain();
    sim_cfg c = { .n = 16, .n_after = 1, .change_ms = 30000, .duration_ms = 120000,
                  .cost_ms = 5.0, .fixed_ms = 0, .p = &p, .seed = lt_seed() };
    sim_cfg busy = c;
    busy.duration_ms = c.change_ms;
    sim_result before = simulate(&busy);
    sim_result r = simulate(&c);
    /* Before: the mean over the 16, as one producer's interval may just
     * have been cut (seed 1882556026594725 left producer 0 at 96 ms). */
    print_message("recovery: mean interval %.1f ms with 16 producers at 30 s, %.1f ms "
                  "alone 90 s later (floor %.0f ms)\n", before.end_interval_ms_mean,
                  r.last_interval_ms, p.latency_factor * c.cost_ms);
    assert_true(before.end_interval_ms_mean > 2.0 * p.latency_factor * c.cost_ms);
    assert_true(r.last_interval_ms < 1.3 * p.latency_factor * c.cost_ms);
}

int main(void)
{
    lt_seed();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_grow_on_conflict),
        cmocka_unit_test(test_shrink_on_clean),
        cmocka_unit_test(test_latency_floor),
        cmocka_unit_test(test_clamps),
        cmocka_unit_test(test_saturated),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_edge_inputs),
        cmocka_unit_test(test_sim_cost5),
        cmocka_unit_test(test_sim_cost20),
        cmocka_unit_test(test_sim_saturated),
        cmocka_unit_test(test_sim_recovery),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
