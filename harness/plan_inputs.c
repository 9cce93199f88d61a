/*
 * plan_inputs.c -- the measurement files lakestream-bench plan reads
 * (docs/bench-plan.md): a run's result.json, the stores benchmark's and the
 * meta benchmark's JSON, found newest-first under results/; every file is
 * untrusted input: size-limited, every number bounded, errors naming the
 * file and the field.
 */

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "lakestream.h"
#include "plan_int.h"

/* ---- measurement files (untrusted) ---------------------------------------- */

/* harness/result.h's readers; a file that does not read ends the command. */
static json_t *jget(const jfile *f, const char *path)
{
    json_t *v;
    if (result_get(f, path, &v) < 0)
        die_exit(DIE_STATUS);
    return v;
}

/* A number at path, > lo (lo_open) or >= lo, and <= PLAN_INPUT_MAX: 1 and
 * *out, or 0 if absent or null.  A wrong type or a value out of range ends
 * the command. */
static int jnum(const jfile *f, const char *path, double lo, int lo_open, double *out)
{
    int rc = result_num(f, path, lo, lo_open, PLAN_INPUT_MAX, out);
    if (rc < 0)
        die_exit(DIE_STATUS);
    return rc;
}

static double jnum_req(const jfile *f, const char *path, double lo, int lo_open)
{
    double x;
    if (!jnum(f, path, lo, lo_open, &x))
        plan_fail("%s: field \"%s\" is missing", f->path, path);
    return x;
}

/* A string at path, or NULL if absent or null; another type ends the command. */
static const char *jstr(const jfile *f, const char *path)
{
    const char *v;
    if (result_str(f, path, &v) < 0)
        die_exit(DIE_STATUS);
    return v;
}

/* Whether a file found by a search is a candidate: its benchmark (and for
 * runs plane and workload) match.  No error: other files are skipped. */
static int str_is(json_t *root, const char *key, const char *want)
{
    json_t *v = json_object_get(root, key);
    return json_is_string(v) && !strcmp(json_string_value(v), want);
}

/* ---- finding the newest measurements -------------------------------------- */

/* nftw takes no context: the search's state (one search at a time). */
static struct {
    const char *workload;   /* runs: this workload; NULL: the benchmark below */
    const char *benchmark;  /* "stores" or "meta" */
    char        best[PATH_MAX];
    char        best_ts[64];
    unsigned    seen;
} g_search;

/* Keep path if it is a candidate newer (by timestamp, then path) than the best so far. */
static void consider(const char *path)
{
    char err[RESULT_ERR_BYTES];
    result_file rf;
    if (result_load(&rf, path, NULL, err, sizeof err)) {
        plan_warn("skipping %s", err);
        return;
    }
    json_t *root = rf.root;
    /* Runs with --inject measure a recovery, not the steady state. */
    json_t *inject = json_object_get(root, "inject");
    int ok = g_search.workload
                 ? str_is(root, "benchmark", "run") && str_is(root, "plane", "lakestream") &&
                       str_is(root, "workload", g_search.workload) &&
                       (!inject || json_is_null(inject))
                 : str_is(root, "benchmark", g_search.benchmark);
    char ts[64];
    result_timestamp(root, ts, sizeof ts);
    int cmp = strcmp(ts, g_search.best_ts);
    if (ok && (!g_search.best[0] || cmp > 0 || (cmp == 0 && strcmp(path, g_search.best) > 0))) {
        snprintf(g_search.best, sizeof g_search.best, "%s", path);
        snprintf(g_search.best_ts, sizeof g_search.best_ts, "%s", ts);
    }
    json_decref(root);
}

static int visit_run(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    if (flag != FTW_F || strcmp(path + ftw->base, "result.json"))
        return 0;
    if (++g_search.seen > PLAN_SEARCH_FILES_MAX) {
        plan_warn("more than %u result.json files under the results directory; looked at the "
             "first %u", PLAN_SEARCH_FILES_MAX, PLAN_SEARCH_FILES_MAX);
        return 1;
    }
    consider(path);
    return 0;
}

/* The newest lakestream run of workload under root (recursively), or "". */
void plan_find_run(const char *root, const char *workload, char *out, size_t cap)
{
    memset(&g_search, 0, sizeof g_search);
    g_search.workload = workload;
    struct stat sb;
    if (!stat(root, &sb) && S_ISDIR(sb.st_mode))
        nftw(root, visit_run, 16, FTW_PHYS);
    snprintf(out, cap, "%s", g_search.best);
}

/* The newest BENCHMARK-*.json directly in root whose "benchmark" is
 * BENCHMARK (stores, meta), or "". */
void plan_find_newest(const char *root, const char *benchmark, char *out, size_t cap)
{
    memset(&g_search, 0, sizeof g_search);
    g_search.benchmark = benchmark;
    size_t pre = strlen(benchmark);
    DIR *d = opendir(root);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, benchmark, pre) || e->d_name[pre] != '-' || n < pre + 7 ||
            strcmp(e->d_name + n - 5, ".json"))
            continue;
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", root, e->d_name) >= (int)sizeof path)
            continue;
        struct stat sb;
        if (!stat(path, &sb) && S_ISREG(sb.st_mode))
            consider(path);
    }
    if (d)
        closedir(d);
    snprintf(out, cap, "%s", g_search.best);
}

static void open_file(jfile *f, const char *path, const char *kind)
{
    char err[RESULT_ERR_BYTES];
    if (result_load(f, path, kind, err, sizeof err))
        plan_fail("%s", err);
    (void)jstr(f, "timestamp");  /* a string if present */
}

/* ---- the run's per-unit figures ------------------------------------------- */


void plan_read_run(run_in *r, const char *path, const char *workload)
{
    open_file(&r->f, path, "run");
    const jfile *f = &r->f;
    const char *b = jstr(f, "benchmark"), *plane = jstr(f, "plane"), *wl = jstr(f, "workload");
    if (!b || strcmp(b, "run"))
        plan_fail("%s: field \"benchmark\": expected \"run\" (a lakestream-bench run result)", f->path);
    if (!plane || strcmp(plane, "lakestream"))
        plan_fail("%s: field \"plane\": \"%s\"; the plan needs a run on the lakestream plane",
             f->path, plane ? plane : "(missing)");
    if (!wl || strcmp(wl, workload))
        plan_fail("%s: field \"workload\": \"%s\", not this workload (\"%s\")", f->path,
             wl ? wl : "(missing)", workload);
    if (jget(f, "inject"))
        plan_warn("%s ran with --inject: its store usage and CPU include a recovery", f->path);
    r->have = 1;
    char ts[64];
    result_timestamp(f->root, ts, sizeof ts);
    r->rank_ckpt = ts[0] && strcmp(ts, PLAN_RANK_CKPT_SINCE) >= 0;
    r->duration_s = jnum_req(f, "duration_s", PLAN_DURATION_S_MIN, 0);
    r->producers = jnum_req(f, "producers", 1, 0);
    r->ranks = jnum_req(f, "ranks", 1, 0);
    r->steps = jnum_req(f, "steps", 0, 0);
    r->produced = jnum_req(f, "samples_produced", 0, 0);
    r->delivered = jnum_req(f, "samples_delivered", 0, 0);
    if ((r->have_cpu = jnum(f, "cpu_s.producers", 0, 0, &r->cpu_producers_s)) &&
        !(r->produced > 0))
        plan_fail("%s: field \"samples_produced\" is 0: cpu_s.producers cannot be divided per sample",
             f->path);
    r->have_mean = jnum(f, "mean_sample_bytes", 0, 1, &r->mean_sample_bytes);
    if (jget(f, "store_usage")) {
        r->have_usage = 1;
        r->chunks = jnum_req(f, "store_usage.chunks", 1, 0);
        r->chunk_bytes = jnum_req(f, "store_usage.chunk_bytes", 0, 1);
        r->log_records = jnum_req(f, "store_usage.log_records", 1, 0);
        r->log_bytes = jnum_req(f, "store_usage.log_bytes", 0, 1);
        if (!(r->delivered > 0))
            plan_fail("%s: field \"samples_delivered\" is 0: store_usage cannot be divided per "
                 "sample", f->path);
    }
    r->have_amp = jnum(f, "read_amplification.data", 0, 1, &r->amp_data);
    r->have_data_req = jnum(f, "read_amplification.data_requests_per_rank_step", 0, 0,
                            &r->data_req);
    r->have_ckpt_every = jnum(f, "config.checkpoint_every_steps", 1, 0, &r->ckpt_every);
}

/* ---- the stores benchmark ------------------------------------------------- */



/* Distance of two positive sizes on a log scale. */
double plan_log_dist(double a, double b)
{
    return fabs(log(a / b));
}

static void req_max_note(store_in *s, double rate, const char *what)
{
    if (!s->have_req_max || rate > s->req_max) {
        s->have_req_max = 1;
        s->req_max = rate;
        snprintf(s->req_max_what, sizeof s->req_max_what, "%s", what);
    }
}

/* One store of the benchmark: the ingest run nearest in sample size, the
 * read at the world size nearest to gpus, the highest request rate. */
static void read_store(const jfile *f, unsigned i, double sample_bytes, double gpus,
                       store_in *s)
{
    char p[96], q[160];
    snprintf(p, sizeof p, "stores.%u", i);
    json_t *st = json_array_get(json_object_get(f->root, "stores"), i);
    if (!json_is_object(st))
        plan_fail("%s: field \"%s\": expected an object", f->path, p);
    snprintf(q, sizeof q, "%s.backend", p);
    json_t *bk = json_object_get(st, "backend");
    if (!json_is_string(bk))
        plan_fail("%s: field \"%s\": expected a string", f->path, q);
    snprintf(s->backend, sizeof s->backend, "%s", json_string_value(bk));

    json_t *ing = json_object_get(st, "ingest");
    if (ing && !json_is_array(ing))
        plan_fail("%s: field \"%s.ingest\": expected an array", f->path, p);
    for (size_t k = 0; k < json_array_size(ing); k++) {
        double sz, mb, calls;
        snprintf(q, sizeof q, "%s.ingest.%zu.sample_bytes", p, k);
        if (!jnum(f, q, 0, 1, &sz))
            continue;
        snprintf(q, sizeof q, "%s.ingest.%zu.mb_per_s_median", p, k);
        if (!jnum(f, q, 0, 1, &mb))
            continue;
        if (!s->have_ingest || plan_log_dist(sz, sample_bytes) <
                                   plan_log_dist(s->ingest_sample_bytes, sample_bytes)) {
            s->have_ingest = 1;
            s->ingest_mb = mb;
            s->ingest_sample_bytes = sz;
        }
        snprintf(q, sizeof q, "%s.ingest.%zu.store_calls_per_s_median", p, k);
        if (jnum(f, q, 0, 0, &calls))
            req_max_note(s, calls, "ingest");
    }
    json_t *rd = json_object_get(st, "read");
    if (rd && !json_is_array(rd))
        plan_fail("%s: field \"%s.read\": expected an array", f->path, p);
    for (size_t k = 0; k < json_array_size(rd); k++) {
        double w, mb, dr, calls;
        snprintf(q, sizeof q, "%s.read.%zu.world_size", p, k);
        if (!jnum(f, q, 1, 0, &w))
            continue;
        snprintf(q, sizeof q, "%s.read.%zu.store_calls_per_s_median", p, k);
        if (jnum(f, q, 0, 0, &calls)) {
            char what[64];
            snprintf(what, sizeof what, "step reads at W = %.0f", w);
            req_max_note(s, calls, what);
        }
        snprintf(q, sizeof q, "%s.read.%zu.mb_per_s_median", p, k);
        int have_mb = jnum(f, q, 0, 1, &mb);
        snprintf(q, sizeof q, "%s.read.%zu.data_requests_per_rank_step", p, k);
        int have_dr = jnum(f, q, 0, 0, &dr);
        if (have_mb && have_dr && (!s->have_read || plan_log_dist(w, gpus) < plan_log_dist(s->read_w, gpus))) {
            s->have_read = 1;
            s->read_mb = mb;
            s->read_w = w;
            s->read_data_req = dr;
        }
    }
    double x;
    snprintf(q, sizeof q, "%s.commit.store_calls_per_s", p);
    if (jnum(f, q, 0, 0, &x))
        req_max_note(s, x, "small commits");
    snprintf(q, sizeof q, "%s.commit.commit_latency_ms_p50", p);
    if (jnum(f, q, 0, 0, &s->p50)) {
        snprintf(q, sizeof q, "%s.commit.commit_latency_ms_p99", p);
        s->have_commit = jnum(f, q, 0, 0, &s->p99);
    }

    /* What the store was, in the benchmark's own words. */
    double nproc = 0;
    int have_nproc = jnum(f, "machine.nproc", 1, 0, &nproc);
    char cores[64] = "";
    if (have_nproc)
        snprintf(cores, sizeof cores, " (a %.0f-core machine)", nproc);
    if (!strcmp(s->backend, "s3")) {
        const char *what = jstr(f, "s3_server.what");
        if (what)
            snprintf(s->what, sizeof s->what, "%s%s", what, cores);
        else
            snprintf(s->what, sizeof s->what, "the S3 store measured by %.200s", f->path);
    } else if (!strcmp(s->backend, "posix")) {
        const char *fs = jstr(f, "machine.store_fs_type");
        snprintf(s->what, sizeof s->what, "a directory on %s of the benchmark machine%s, fsync on",
                 fs ? fs : "the local file system", cores);
    } else {
        snprintf(s->what, sizeof s->what, "backend %.31s", json_string_value(bk));
    }
}

void plan_read_stores(stores_in *si, const char *path, double sample_bytes, double gpus)
{
    open_file(&si->f, path, "stores");
    const char *b = jstr(&si->f, "benchmark");
    if (!b || strcmp(b, "stores"))
        plan_fail("%s: field \"benchmark\": expected \"stores\" (a lakestream-bench stores result)",
             path);
    json_t *arr = json_object_get(si->f.root, "stores");
    if (!json_is_array(arr))
        plan_fail("%s: field \"stores\": expected an array", path);
    si->have = 1;
    si->n = (unsigned)(json_array_size(arr) < PLAN_STORES_MAX ? json_array_size(arr)
                                                             : PLAN_STORES_MAX);
    for (unsigned i = 0; i < si->n; i++)
        read_store(&si->f, i, sample_bytes, gpus, &si->s[i]);
}

/* ---- the meta benchmark (per-rank metadata of table format 2) ------------- */




/* Every format-2 case of a lakestream-bench meta result (docs/bench-meta.md),
 * checked field by field; format-1 cases are skipped (the plan models
 * format 1 from the run). */
void plan_read_meta(meta_in *mi, const char *path)
{
    open_file(&mi->f, path, "meta");
    const jfile *f = &mi->f;
    const char *b = jstr(f, "benchmark");
    if (!b || strcmp(b, "meta"))
        plan_fail("%s: field \"benchmark\": expected \"meta\" (a lakestream-bench meta result)", path);
    mi->batch = jnum_req(f, "params.batch", 1, 0);
    const char *store = jstr(f, "params.store");
    snprintf(mi->store, sizeof mi->store, "%s", store ? store : "a store not named");
    json_t *cases = jget(f, "cases");
    if (!json_is_array(cases))
        plan_fail("%s: field \"cases\": expected an array", path);
    if (json_array_size(cases) > PLAN_META_CASES_MAX)
        plan_fail("%s: field \"cases\": %zu cases, more than the %u the plan reads", path,
             json_array_size(cases), PLAN_META_CASES_MAX);
    char q[192];
    for (size_t i = 0; i < json_array_size(cases); i++) {
        snprintf(q, sizeof q, "cases.%zu.table_format", i);
        if (jnum_req(f, q, 1, 0) != 2)
            continue;
        meta_case *c = &mi->c[mi->ncases];
        c->idx = (unsigned)i;
        snprintf(q, sizeof q, "cases.%zu.sample_bytes", i);
        c->sample_bytes = jnum_req(f, q, 0, 1);
        snprintf(q, sizeof q, "cases.%zu.producers", i);
        c->producers = jnum_req(f, q, 1, 0);
        snprintf(q, sizeof q, "cases.%zu.commit_interval_ms", i);
        c->interval_ms = jnum_req(f, q, 0, 1);
        snprintf(q, sizeof q, "cases.%zu.wait_at_head.requests_per_s", i);
        c->head_rate = jnum_req(f, q, 0, 0);
        snprintf(q, sizeof q, "cases.%zu.wait_at_head.requests", i);
        c->head_requests = jnum_req(f, q, 0, 0);
        snprintf(q, sizeof q, "cases.%zu.wait_at_head.polls", i);
        c->head_polls = jnum_req(f, q, 0, 1);
        /* The trickle producers' commits, in turn: their metadata reads
         * per commit (absent before the tail). */
        snprintf(q, sizeof q, "cases.%zu.wait_at_head.producer_commits.meta_requests_per_commit",
                 i);
        c->have_prod = jnum(f, q, 0, 0, &c->prod_reads);
        if (c->have_prod) {
            snprintf(q, sizeof q, "cases.%zu.wait_at_head.producer_commits.lists_per_commit", i);
            c->prod_lists = jnum_req(f, q, 0, 0);
            snprintf(q, sizeof q, "cases.%zu.wait_at_head.producer_commits.commits", i);
            c->prod_commits = jnum_req(f, q, 0, 0);
        }
        snprintf(q, sizeof q, "cases.%zu.worlds", i);
        json_t *ws = jget(f, q);
        if (!json_is_array(ws) || !json_array_size(ws))
            plan_fail("%s: field \"%s\": expected a non-empty array", path, q);
        if (json_array_size(ws) > PLAN_META_WORLDS_MAX)
            plan_fail("%s: field \"%s\": %zu world sizes, more than the %u the plan reads", path, q,
                 json_array_size(ws), PLAN_META_WORLDS_MAX);
        for (size_t k = 0; k < json_array_size(ws); k++) {
            meta_world *w = &c->wl[k];
            snprintf(q, sizeof q, "cases.%zu.worlds.%zu.world_size", i, k);
            w->w = jnum_req(f, q, 1, 0);
            if (w->w > mi->batch)
                plan_fail("%s: field \"%s\": %g, more ranks than params.batch %g", path, q, w->w,
                     mi->batch);
            w->slice = mi->batch / w->w;
            snprintf(q, sizeof q, "cases.%zu.worlds.%zu.ranks", i, k);
            json_t *rs = jget(f, q);
            if (!json_is_array(rs) || !json_array_size(rs))
                plan_fail("%s: field \"%s\": expected a non-empty array", path, q);
            if (json_array_size(rs) > PLAN_META_RANKS_MAX)
                plan_fail("%s: field \"%s\": %zu ranks, more than the %u the plan reads", path, q,
                     json_array_size(rs), PLAN_META_RANKS_MAX);
            for (size_t r = 0; r < json_array_size(rs); r++) {
                snprintf(q, sizeof q, "cases.%zu.worlds.%zu.ranks.%zu.meta_requests_per_rank_step",
                         i, k, r);
                w->req = fmax(w->req, jnum_req(f, q, 0, 0));
                snprintf(q, sizeof q, "cases.%zu.worlds.%zu.ranks.%zu.meta_bytes_per_rank_step",
                         i, k, r);
                w->bytes = fmax(w->bytes, jnum_req(f, q, 0, 0));
                /* behind_head: null (or absent, before group indexes) when
                 * the table held fewer than 48 steps */
                snprintf(q, sizeof q, "cases.%zu.worlds.%zu.ranks.%zu.behind_head", i, k, r);
                json_t *bh = jget(f, q);
                if (r == 0)
                    w->have_behind = json_is_object(bh);
                if (!json_is_object(bh)) {
                    w->have_behind = 0;
                    continue;
                }
                snprintf(q, sizeof q, "cases.%zu.worlds.%zu.ranks.%zu.behind_head."
                         "meta_requests_per_rank_step", i, k, r);
                w->behind_req = fmax(w->behind_req, jnum_req(f, q, 0, 0));
                snprintf(q, sizeof q, "cases.%zu.worlds.%zu.ranks.%zu.behind_head."
                         "meta_bytes_per_rank_step", i, k, r);
                w->behind_bytes = fmax(w->behind_bytes, jnum_req(f, q, 0, 0));
            }
        }
        c->nworlds = (unsigned)json_array_size(ws);
        mi->ncases++;
    }
    if (!mi->ncases)
        plan_fail("%s: field \"cases\": no case of table_format 2", path);
    /* The producers under DAC (absent in results before it). */
    json_t *dj = jget(f, "dac_commits");
    if (dj && !json_is_array(dj))
        plan_fail("%s: field \"dac_commits\": expected an array", path);
    if (dj && json_array_size(dj) > PLAN_META_DAC_MAX)
        plan_fail("%s: field \"dac_commits\": %zu runs, more than the %u the plan reads", path,
                  json_array_size(dj), PLAN_META_DAC_MAX);
    for (size_t i = 0; dj && i < json_array_size(dj); i++) {
        meta_dac *d = &mi->dac[mi->ndac++];
        d->idx = (unsigned)i;
        snprintf(q, sizeof q, "dac_commits.%zu.producers", i);
        d->producers = jnum_req(f, q, 1, 0);
        snprintf(q, sizeof q, "dac_commits.%zu.commits_per_s", i);
        d->commits_s = jnum_req(f, q, 0, 0);
        snprintf(q, sizeof q, "dac_commits.%zu.commits_per_producer_per_s", i);
        d->commits_pp_s = jnum_req(f, q, 0, 0);
        snprintf(q, sizeof q, "dac_commits.%zu.attempts_per_commit", i);
        d->attempts = jnum_req(f, q, 0, 0);
        snprintf(q, sizeof q, "dac_commits.%zu.meta_requests_per_commit", i);
        d->reads = jnum_req(f, q, 0, 0);
        snprintf(q, sizeof q, "dac_commits.%zu.lists_per_commit", i);
        d->lists = jnum_req(f, q, 0, 0);
        snprintf(q, sizeof q, "dac_commits.%zu.interval_ms_mean", i);
        d->interval_ms = jnum_req(f, q, 0, 0);
        snprintf(q, sizeof q, "dac_commits.%zu.commit_ms_mean", i);
        d->commit_ms = jnum_req(f, q, 0, 0);
    }
    mi->have = 1;
}

