/*
 * bench_stores_json.c -- the JSON of the stores benchmark (schema:
 * docs/benchmarks.md, "stores"): each measurement's entry, the cost model,
 * the s3 / posix comparison, the definitions, the parameters, and the
 * summary printed without --json.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bench_stores.h"

/* The median over n runs of calls per op / div[k]. */
static json_t *per_op_median_json(const count_snap *const *c, const double *div, unsigned n)
{
    json_t *j = json_object();
    double v[ST_REPEAT_MAX];
    for (int i = 0; i <= COUNT_OPS; i++) {
        for (unsigned k = 0; k < n; k++) {
            double x = i < COUNT_OPS ? (double)c[k]->op[i].calls : (double)count_calls(c[k]);
            v[k] = div[k] > 0 ? x / div[k] : 0;
        }
        jset(j, i < COUNT_OPS ? count_op_name[i] : "total", jreal(median(v, n)));
    }
    return j;
}

json_t *stores_ingest_json(const sopts *o, const sres *res, size_t k, size_t i)
{
    unsigned R = o->repeat;
    double mb[ST_REPEAT_MAX], sps[ST_REPEAT_MAX], sec[ST_REPEAT_MAX], com[ST_REPEAT_MAX],
           ovh[ST_REPEAT_MAX], cws[ST_REPEAT_MAX], cps[ST_REPEAT_MAX], gib[ST_REPEAT_MAX] = { 0 };
    const count_snap *cs[ST_REPEAT_MAX] = { 0 };
    uint64_t payload = res->ing_n[i] * o->sizes[i], failed = 0;
    json_t *e = json_object(), *runs = json_array();
    for (unsigned r = 0; r < R; r++) {
        const sing_run *v = &res->ing[k][i][r];
        mb[r] = v->mb_per_s;
        sps[r] = v->samples_per_s;
        sec[r] = v->seconds;
        com[r] = (double)v->st.commits;
        ovh[r] = v->commit_overhead;
        cws[r] = v->chunk_write_share;
        cps[r] = (double)count_calls(&v->calls) / v->seconds;
        gib[r] = (double)payload / (double)(1ull << 30);
        cs[r] = &v->calls;
        failed += count_failed(&v->calls);
        json_t *j = json_object();
        jset(j, "rep", jint(r));
        jset(j, "seconds", jreal(v->seconds));
        jset(j, "mb_per_s", jreal(v->mb_per_s));
        jset(j, "samples_per_s", jreal(v->samples_per_s));
        jset(j, "open_ms", jreal(v->open_ms));
        jset(j, "open_store_calls", jint(v->open_calls));
        jset(j, "commits", jint(v->st.commits));
        jset(j, "commit_overhead", jreal(v->commit_overhead));
        jset(j, "chunk_write_share", jreal(v->chunk_write_share));
        jset(j, "store_calls_per_s", jreal(cps[r]));
        jset(j, "stats", producer_stats_json(&v->st));
        jset(j, "store_calls", count_json(&v->calls));
        json_array_append_new(runs, j);
    }
    jset(e, "sample_bytes", jint(o->sizes[i]));
    jset(e, "samples", jint(res->ing_n[i]));
    jset(e, "payload_bytes", jint(payload));
    jset(e, "mb_per_s_median", jreal(median(mb, R)));
    jset(e, "samples_per_s_median", jreal(median(sps, R)));
    jset(e, "seconds_median", jreal(median(sec, R)));
    jset(e, "commits_median", jreal(median(com, R)));
    jset(e, "commit_overhead_median", jreal(median(ovh, R)));
    jset(e, "chunk_write_share_median", jreal(median(cws, R)));
    jset(e, "store_calls_per_gib", per_op_median_json(cs, gib, R));
    jset(e, "store_calls_per_s_median", jreal(median(cps, R)));
    jset(e, "store_calls_failed", jint(failed));
    jset(e, "runs", runs);
    return e;
}

json_t *stores_commit_json(const sopts *o, const sres *res, size_t k)
{
    unsigned R = o->repeat;
    size_t n = 0;
    for (unsigned r = 0; r < R; r++)
        n += res->com[k][r].nobs;
    double *lat = malloc((n ? n : 1) * sizeof(double));
    double *call = malloc((n ? n : 1) * sizeof(double));
    if (!lat || !call)
        die("commit latency", "out of memory");
    count_snap *sum = calloc(1, sizeof(*sum));
    if (!sum)
        die("commit latency", "out of memory");
    uint64_t commits = 0, samples = 0, conflicts = 0, attempts = 0;
    double seconds = 0;
    json_t *e = json_object(), *runs = json_array();
    size_t m = 0;
    for (unsigned r = 0; r < R; r++) {
        const scommit_run *v = &res->com[k][r];
        memcpy(lat + m, v->lat_ms, v->nobs * sizeof(double));
        memcpy(call + m, v->call_ms, v->nobs * sizeof(double));
        m += v->nobs;
        commits += v->commits;
        samples += v->samples;
        conflicts += v->s1.conflicts - v->s0.conflicts;
        attempts += v->s1.commit_attempts - v->s0.commit_attempts;
        seconds += v->seconds;
        count_add(sum, &v->calls);
        double *one = malloc((v->nobs ? v->nobs : 1) * sizeof(double));
        if (!one)
            die("commit latency", "out of memory");
        memcpy(one, v->lat_ms, v->nobs * sizeof(double));
        qsort(one, v->nobs, sizeof(double), cmp_double);
        json_t *j = json_object();
        jset(j, "rep", jint(r));
        jset(j, "seconds", jreal(v->seconds));
        jset(j, "samples", jint(v->samples));
        jset(j, "commits", jint(v->commits));
        jset(j, "commit_latency_ms_p50", v->nobs ? jreal(pct_sorted(one, v->nobs, 0.5))
                                                 : json_null());
        jset(j, "commit_latency_ms_p99", v->nobs ? jreal(pct_sorted(one, v->nobs, 0.99))
                                                 : json_null());
        jset(j, "store_calls_per_s", jreal((double)count_calls(&v->calls) / v->seconds));
        jset(j, "stats_end", producer_stats_json(&v->s1));
        jset(j, "store_calls", count_json(&v->calls));
        json_array_append_new(runs, j);
        free(one);
    }
    jset(e, "sample_bytes", jint(o->commit_sample_bytes));
    jset(e, "policy", json_string("fixed"));
    jset(e, "interval_ms", jint(o->commit_interval_ms));
    jset(e, "rate_samples_per_s", jint(o->commit_rate));
    jset(e, "duration_s", jreal(o->commit_duration_s));
    jset(e, "seconds", jreal(seconds));
    jset(e, "samples", jint(samples));
    jset(e, "commits", jint(commits));
    jset(e, "commits_per_s", jreal(seconds > 0 ? (double)commits / seconds : 0));
    jset(e, "samples_per_commit", jreal(commits ? (double)samples / (double)commits : 0));
    jset(e, "conflicts", jint(conflicts));
    jset(e, "attempts_per_commit", jreal(commits ? (double)attempts / (double)commits : 0));
    json_t *ld = dist_json(lat, n);
    jset(e, "commit_latency_ms_p50", json_incref(json_object_get(ld, "p50")));
    jset(e, "commit_latency_ms_p99", json_incref(json_object_get(ld, "p99")));
    jset(e, "commit_latency_ms", ld);
    jset(e, "commit_call_ms", dist_json(call, n));
    jset(e, "store_calls_per_commit", count_per_op_json(sum, (double)commits));
    jset(e, "store_calls_per_s", jreal(seconds > 0 ? (double)count_calls(sum) / seconds : 0));
    jset(e, "store_calls_failed", jint(count_failed(sum)));
    jset(e, "runs", runs);
    free(lat);
    free(call);
    free(sum);
    return e;
}

read_fig read_figures(const sread_run *v, uint32_t W)
{
    read_fig f;
    const ls_read_stats *s = &v->steps_sum, *op = &v->open_sum;
    double steps = s->steps ? (double)s->steps : 1;
    f.rank_steps = (double)s->steps / W;
    f.req_rank_step = (double)(s->requests + op->requests) / steps;
    f.req_rank_step_run = (double)s->requests / steps;
    f.dreq_rank_step = (double)s->data_requests / steps;
    f.amp = s->bytes_needed ? (double)s->bytes_fetched / (double)s->bytes_needed : 0;
    f.meta_rank_step = (double)(s->meta_bytes_fetched + op->meta_bytes_fetched) / steps;
    f.meta_open_rank = (double)op->meta_bytes_fetched / W;
    f.req_open_rank = (double)op->requests / W;
    f.amp_meta = s->bytes_needed
        ? (double)(s->bytes_fetched + s->meta_bytes_fetched + op->meta_bytes_fetched) /
          (double)s->bytes_needed : 0;
    f.calls_per_s = (double)count_calls(&v->calls) / v->seconds;
    return f;
}

json_t *stores_read_json(const sopts *o, const sres *res, size_t k, size_t wi)
{
    unsigned R = o->repeat;
    uint32_t W = o->worlds[wi];
    double mb[ST_REPEAT_MAX], sps[ST_REPEAT_MAX], sec[ST_REPEAT_MAX], om[ST_REPEAT_MAX],
           rs[ST_REPEAT_MAX], rq[ST_REPEAT_MAX], rqr[ST_REPEAT_MAX], rqo[ST_REPEAT_MAX],
           drq[ST_REPEAT_MAX], amp[ST_REPEAT_MAX],
           mrs[ST_REPEAT_MAX], mo[ST_REPEAT_MAX], ampm[ST_REPEAT_MAX], cps[ST_REPEAT_MAX],
           gsteps[ST_REPEAT_MAX] = { 0 }, gib[ST_REPEAT_MAX] = { 0 }, omax = 0;
    const count_snap *cs[ST_REPEAT_MAX] = { 0 };
    size_t n = 0;
    uint64_t failed = 0;
    for (unsigned r = 0; r < R; r++)
        n += res->rd[k][wi][r].nstep_ms;
    double *step = malloc((n ? n : 1) * sizeof(double));
    if (!step)
        die("read", "out of memory");
    json_t *e = json_object(), *runs = json_array();
    size_t m = 0;
    for (unsigned r = 0; r < R; r++) {
        const sread_run *v = &res->rd[k][wi][r];
        read_fig f = read_figures(v, W);
        mb[r] = v->mb_per_s;
        sps[r] = v->steps_per_s;
        sec[r] = v->seconds;
        om[r] = v->open_ms_median;
        if (v->open_ms_max > omax)
            omax = v->open_ms_max;
        rs[r] = f.rank_steps;
        rq[r] = f.req_rank_step;
        rqr[r] = f.req_rank_step_run;
        rqo[r] = f.req_open_rank;
        drq[r] = f.dreq_rank_step;
        amp[r] = f.amp;
        mrs[r] = f.meta_rank_step;
        mo[r] = f.meta_open_rank;
        ampm[r] = f.amp_meta;
        cps[r] = f.calls_per_s;
        gsteps[r] = f.rank_steps;     /* global steps read: each rank read them all */
        gib[r] = f.rank_steps * o->read_batch * (double)o->read_sample_bytes /
                 (double)(1ull << 30);
        cs[r] = &v->calls;
        failed += count_failed(&v->calls) + count_failed(&v->open_calls);
        memcpy(step + m, v->step_ms, v->nstep_ms * sizeof(double));
        m += v->nstep_ms;
        json_t *j = json_object();
        jset(j, "rep", jint(r));
        jset(j, "seconds", jreal(v->seconds));
        jset(j, "mb_per_s", jreal(v->mb_per_s));
        jset(j, "steps_per_s", jreal(v->steps_per_s));
        jset(j, "rank_open_ms_median", jreal(v->open_ms_median));
        jset(j, "rank_open_ms_max", jreal(v->open_ms_max));
        jset(j, "steps_read_per_rank", jreal(f.rank_steps));
        jset(j, "requests_per_rank_step", jreal(f.req_rank_step));
        jset(j, "data_read_amplification", jreal(f.amp));
        jset(j, "meta_bytes_per_rank_step", jreal(f.meta_rank_step));
        jset(j, "meta_bytes_open_per_rank", jreal(f.meta_open_rank));
        jset(j, "store_calls_per_s", jreal(f.calls_per_s));
        jset(j, "stats_open_sum", read_stats_json(&v->open_sum));
        jset(j, "stats_steps_sum", read_stats_json(&v->steps_sum));
        jset(j, "open_store_calls", count_json(&v->open_calls));
        jset(j, "store_calls", count_json(&v->calls));
        json_array_append_new(runs, j);
    }
    jset(e, "world_size", jint(W));
    jset(e, "ranks", json_string("one thread per rank in this process, each with its own "
                                 "store handle and consumer, all reading at once"));
    jset(e, "steps", jint(o->read_steps));
    jset(e, "steps_read_per_rank", jreal(median(rs, R)));
    jset(e, "mb_per_s_median", jreal(median(mb, R)));
    jset(e, "steps_per_s_median", jreal(median(sps, R)));
    jset(e, "seconds_median", jreal(median(sec, R)));
    jset(e, "rank_open_ms_median", jreal(median(om, R)));
    jset(e, "rank_open_ms_max", jreal(omax));
    double rq_m = median(rq, R), drq_m = median(drq, R), mrs_m = median(mrs, R);
    jset(e, "requests_per_rank_step", jreal(rq_m));
    jset(e, "requests_per_rank_step_after_open", jreal(median(rqr, R)));
    jset(e, "requests_open_per_rank", jreal(median(rqo, R)));
    jset(e, "data_requests_per_rank_step", jreal(drq_m));
    jset(e, "requests_per_step", jreal(rq_m * W));
    jset(e, "data_requests_per_step", jreal(drq_m * W));
    jset(e, "data_read_amplification", jreal(median(amp, R)));
    jset(e, "meta_bytes_per_rank_step", jreal(mrs_m));
    jset(e, "meta_bytes_per_step", jreal(mrs_m * W));
    jset(e, "meta_bytes_open_per_rank", jreal(median(mo, R)));
    jset(e, "read_amplification_incl_meta", jreal(median(ampm, R)));
    jset(e, "step_call_ms", dist_json(step, n));
    jset(e, "store_calls_per_step", per_op_median_json(cs, gsteps, R));
    jset(e, "store_calls_per_gib", per_op_median_json(cs, gib, R));
    jset(e, "store_calls_per_s_median", jreal(median(cps, R)));
    jset(e, "store_calls_failed", jint(failed));
    jset(e, "runs", runs);
    free(step);
    return e;
}

/* How the metadata a step costs grows with W, per store. */
json_t *meta_scaling_json(const sopts *o, const sres *res, size_t k)
{
    json_t *a = json_array();
    double first = 0;
    for (size_t wi = 0; wi < o->nworlds; wi++) {
        uint32_t W = o->worlds[wi];
        double v[ST_REPEAT_MAX], fetched[ST_REPEAT_MAX];
        for (unsigned r = 0; r < o->repeat; r++) {
            read_fig f = read_figures(&res->rd[k][wi][r], W);
            v[r] = f.meta_rank_step;
            fetched[r] = f.amp;
        }
        double per_rank = median(v, o->repeat), all = per_rank * W;
        if (wi == 0)
            first = all;
        json_t *j = json_object();
        jset(j, "world_size", jint(W));
        jset(j, "meta_bytes_per_rank_step", jreal(per_rank));
        jset(j, "meta_bytes_per_step", jreal(all));
        jset(j, "meta_bytes_per_step_vs_first", jreal(first > 0 ? all / first : 0));
        jset(j, "data_bytes_per_step", jreal((double)o->read_batch * (double)o->read_sample_bytes *
                                             median(fetched, o->repeat)));
        json_array_append_new(a, j);
    }
    return a;
}

/* The request counts of one store's entries, gathered (references, not
 * copies: the entries are already in the store's object). */
json_t *cost_model_json(json_t *s)
{
    json_t *c = json_object(), *ing = json_array(), *rd = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(s, "ingest"), i, e) {
        json_t *j = json_object();
        jset(j, "sample_bytes", json_incref(json_object_get(e, "sample_bytes")));
        jset(j, "requests_per_gib", json_incref(json_object_get(e, "store_calls_per_gib")));
        jset(j, "requests_per_s", json_incref(json_object_get(e, "store_calls_per_s_median")));
        json_array_append_new(ing, j);
    }
    jset(c, "ingest", ing);
    json_t *cm = json_object(), *cs = json_object_get(s, "commit");
    jset(cm, "requests_per_commit", json_incref(json_object_get(cs, "store_calls_per_commit")));
    jset(cm, "requests_per_s", json_incref(json_object_get(cs, "store_calls_per_s")));
    jset(cm, "commits_per_s", json_incref(json_object_get(cs, "commits_per_s")));
    jset(c, "commit", cm);
    json_array_foreach(json_object_get(s, "read"), i, e) {
        json_t *j = json_object();
        jset(j, "world_size", json_incref(json_object_get(e, "world_size")));
        jset(j, "requests_per_step", json_incref(json_object_get(e, "store_calls_per_step")));
        jset(j, "requests_per_gib", json_incref(json_object_get(e, "store_calls_per_gib")));
        jset(j, "requests_per_s", json_incref(json_object_get(e, "store_calls_per_s_median")));
        jset(j, "rank_open_requests", json_incref(json_object_get(e, "requests_open_per_rank")));
        json_array_append_new(rd, j);
    }
    jset(c, "read", rd);
    jset(c, "note", json_string("store calls counted by the wrapper; on s3 each is one "
                                "request (compare s3_server.rgw_perf_delta.req when run by "
                                "scripts/bench-stores.sh); each s3 store open adds one LIST "
                                "(store_calls_total.store_opens)"));
    return c;
}

/* The medians of paired ratios s3 / posix: each pair is one repetition. */
json_t *comparison_json(const sopts *o, const sres *res)
{
    unsigned R = o->repeat;
    json_t *c = json_object(), *ing = json_array(), *rd = json_array();
    double v[ST_REPEAT_MAX];
    for (size_t i = 0; i < o->nsizes; i++) {
        json_t *j = json_object(), *runs = json_array();
        for (unsigned r = 0; r < R; r++) {
            v[r] = res->ing[1][i][r].mb_per_s / res->ing[0][i][r].mb_per_s;
            json_array_append_new(runs, jreal(v[r]));
        }
        jset(j, "sample_bytes", jint(o->sizes[i]));
        jset(j, "mb_per_s_ratio_median", jreal(median(v, R)));
        jset(j, "mb_per_s_ratio_runs", runs);
        json_array_append_new(ing, j);
    }
    jset(c, "ingest", ing);
    json_t *cm = json_object(), *p50 = json_array(), *p99 = json_array();
    double a50[ST_REPEAT_MAX], a99[ST_REPEAT_MAX];
    for (unsigned r = 0; r < R; r++) {
        double q[2][2];
        for (int k = 0; k < 2; k++) {
            const scommit_run *x = &res->com[k][r];
            double *s = malloc((x->nobs ? x->nobs : 1) * sizeof(double));
            if (!s)
                die("comparison", "out of memory");
            memcpy(s, x->lat_ms, x->nobs * sizeof(double));
            qsort(s, x->nobs, sizeof(double), cmp_double);
            q[k][0] = pct_sorted(s, x->nobs, 0.5);
            q[k][1] = pct_sorted(s, x->nobs, 0.99);
            free(s);
        }
        a50[r] = q[0][0] > 0 ? q[1][0] / q[0][0] : 0;
        a99[r] = q[0][1] > 0 ? q[1][1] / q[0][1] : 0;
        json_array_append_new(p50, jreal(a50[r]));
        json_array_append_new(p99, jreal(a99[r]));
    }
    jset(cm, "latency_p50_ratio_median", jreal(median(a50, R)));
    jset(cm, "latency_p99_ratio_median", jreal(median(a99, R)));
    jset(cm, "latency_p50_ratio_runs", p50);
    jset(cm, "latency_p99_ratio_runs", p99);
    jset(c, "commit", cm);
    for (size_t wi = 0; wi < o->nworlds; wi++) {
        json_t *j = json_object(), *runs = json_array();
        for (unsigned r = 0; r < R; r++) {
            v[r] = res->rd[1][wi][r].steps_per_s / res->rd[0][wi][r].steps_per_s;
            json_array_append_new(runs, jreal(v[r]));
        }
        jset(j, "world_size", jint(o->worlds[wi]));
        jset(j, "steps_per_s_ratio_median", jreal(median(v, R)));
        jset(j, "steps_per_s_ratio_runs", runs);
        json_array_append_new(rd, j);
    }
    jset(c, "read", rd);
    return c;
}

json_t *stores_definitions_json(void)
{
    static const char *const d[][2] = {
        { "mb_per_s", "sample payload bytes / 10^6 / seconds" },
        { "ingest.seconds", "from the first ls_producer_append to the return of "
          "ls_producer_flush (every sample committed)" },
        { "ingest.store_calls_per_gib", "store calls of that window per 2^30 payload bytes, "
          "per operation; median over the repetitions" },
        { "commit.commit_latency_ms", "per commit: the growth of "
          "ls_producer_stats.commit_ns_total over the append or flush call in which "
          "ls_producer_stats.commits grew (a call that landed n > 1 commits gives each 1/n): "
          "the library's commit of one record (conditional PUT of the next log version, "
          "retries and read-forward included), chunk writes excluded. Percentiles by nearest "
          "rank over the commits of all repetitions" },
        { "commit.commit_call_ms", "wall time of the append or flush call that committed, "
          "chunk writes it waited for included" },
        { "commit.store_calls_per_commit", "store calls of the whole window (chunk PUTs, "
          "record PUTs, snapshots, read-forward GETs) / data commits" },
        { "read.steps_per_s", "measured steps / seconds from the common start (every rank "
          "opened) to the end of the last rank's last step" },
        { "read.mb_per_s", "bytes of samples delivered to all ranks / 10^6 / seconds" },
        { "read.requests_per_rank_step", "ls_read_stats.requests (data and metadata store "
          "calls, ls_consumer_open's table load included) / ls_read_stats.steps, per rank "
          "(prefetched steps included in both)" },
        { "read.requests_per_rank_step_after_open", "the same without the requests of "
          "ls_consumer_open" },
        { "read.requests_open_per_rank", "requests of ls_consumer_open (table load), per "
          "rank" },
        { "read.requests_per_step", "requests_per_rank_step x W: all ranks, one global step" },
        { "read.data_read_amplification", "ls_read_stats bytes_fetched / bytes_needed "
          "(data objects only)" },
        { "read.meta_bytes_per_rank_step", "ls_read_stats.meta_bytes_fetched (log records, "
          "snapshot, descriptor; ls_consumer_open's table load included) / steps read, per "
          "rank: a rank fetches the records covering its steps once, at open when the table "
          "is complete as here, or by a refresh when it is being written" },
        { "read.meta_bytes_per_step", "meta_bytes_per_rank_step x W" },
        { "read.meta_bytes_open_per_rank", "meta_bytes_fetched by ls_consumer_open (table "
          "load), per rank" },
        { "read.read_amplification_incl_meta", "(bytes_fetched + every meta byte, open "
          "included) / bytes_needed, over all ranks" },
        { "read.step_call_ms", "wall time of each ls_consumer_read_step call of every rank "
          "(with prefetch: mostly the wait for the prefetcher)" },
        { "read.store_calls_per_step", "store calls of all ranks from the start to the end, "
          "per operation / global steps read (steps read per rank, prefetched included)" },
        { "store_calls", "counted by a wrapper store around each handle: calls, outcome "
          "(ok, not_found, exists, failed by error), payload bytes (sent by put and "
          "put_if_absent, received by get), keys listed, latency (mean exact; percentiles "
          "are upper edges of quarter-octave buckets, at most 25 % high). get counts the "
          "reads of get_many too; get_many's own entry counts batches and their latency. "
          "One call is one HTTP request on s3 except for the retries and read-backs inside "
          "the s3 backend (docs/s3.md), which the wrapper does not see; opening an s3 store "
          "sends one LIST that is counted under store_opens only" },
        { "read.store_calls_per_gib", "the same calls / 2^30 bytes of samples delivered "
          "(global steps read x B x sample bytes)" },
        { "store_calls_per_s", "store calls / seconds of the same window" },
        { "cost_model", "per store, the request counts above gathered in one place: "
          "requests per GiB ingested (per sample size), per commit, per global step read and "
          "per GiB read (per world size), and the request rates reached; multiply by a "
          "provider's price per request class (PUT/COPY/POST/LIST vs GET/HEAD; DELETE is "
          "free on AWS) and add storage and transfer" },
    };
    json_t *j = json_object();
    for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
        jset(j, d[i][0], json_string(d[i][1]));
    return j;
}

/* "http://user:pw@host/x" -> "http://host/x": no credentials in a result. */
static json_t *url_json(const char *url)
{
    if (!url || !*url)
        return json_null();
    const char *p = strstr(url, "://"), *at = p ? strchr(p + 3, '@') : NULL;
    const char *slash = p ? strchr(p + 3, '/') : NULL;
    if (!p || !at || (slash && slash < at))
        return json_string(url);
    char buf[1024];
    snprintf(buf, sizeof(buf), "%.*s%s", (int)(p + 3 - url), url, at + 1);
    return json_string(buf);
}

/* The S3 endpoint and region the store uses, as docs/s3.md resolves them. */
static void s3_where_json(json_t *j, const ls_conf *conf)
{
    const char *ep = ls_conf_get(conf, "s3.endpoint");
    const char *src = "s3.endpoint";
    if (!ep || !*ep) {
        ep = getenv("AWS_ENDPOINT_URL_S3"), src = "$AWS_ENDPOINT_URL_S3";
        if (!ep || !*ep)
            ep = getenv("AWS_ENDPOINT_URL"), src = "$AWS_ENDPOINT_URL";
    }
    if (!ep || !*ep)
        ep = NULL, src = "the AWS default for the region";
    jset(j, "endpoint", url_json(ep));
    jset(j, "endpoint_from", json_string(src));
    const char *rg = ls_conf_get(conf, "s3.region");
    if (!rg || !*rg)
        rg = getenv("AWS_REGION");
    if (!rg || !*rg)
        rg = getenv("AWS_DEFAULT_REGION");
    jset(j, "region", json_string(rg && *rg ? rg : "us-east-1"));
}

json_t *stores_params_json(const sopts *o, const bstore *bs, size_t nst, uint64_t tail,
                                  int argc, char **argv)
{
    json_t *p = json_object();
    jset(p, "command", command_json(argc, argv));
    json_t *sts = json_array();
    for (size_t k = 0; k < nst; k++) {
        json_t *s = json_object();
        jset(s, "backend", json_string(bs[k].backend));
        jset(s, "uri", json_string(bs[k].uri));
        if (!strcmp(bs[k].backend, "posix")) {
            jset(s, "fsync", json_true());
            jset(s, "fresh", json_string("a new directory made for this run, removed at the "
                                         "end"));
        } else {
            jset(s, "uri_given", json_string(o->s3_uri));
            s3_where_json(s, bs[k].conf);
            jset(s, "fresh", json_string("a new sub-prefix of the URI given, checked empty "
                                         "at the start; every object under it is deleted at "
                                         "the end"));
        }
        json_array_append_new(sts, s);
    }
    jset(p, "stores", sts);
    jset(p, "repeat", jint(o->repeat));
    jset(p, "order", json_string("within each measurement the stores run back to back: in "
                                 "the order of `stores` in even repetitions, reversed in odd "
                                 "ones"));
    json_t *ing = json_object(), *sizes = json_array();
    for (size_t i = 0; i < o->nsizes; i++)
        json_array_append_new(sizes, jint(o->sizes[i]));
    jset(ing, "bytes_per_run", jint(o->bytes_per_run));
    jset(ing, "bytes_per_run_source", json_string(o->bytes_source));
    jset(ing, "sample_bytes", sizes);
    jset(ing, "samples", json_string("floor(bytes_per_run / sample_bytes) per run"));
    jset(ing, "global_batch", jint(o->batch));
    jset(ing, "codec", json_string("none"));
    jset(ing, "producer", json_string("one producer, the library's default configuration "
                                      "(params.conf)"));
    jset(p, "ingest", ing);
    json_t *cm = json_object();
    jset(cm, "sample_bytes", jint(o->commit_sample_bytes));
    jset(cm, "policy", json_string("fixed"));
    jset(cm, "interval_ms", jint(o->commit_interval_ms));
    jset(cm, "rate_samples_per_s", jint(o->commit_rate));
    jset(cm, "duration_s", jreal(o->commit_duration_s));
    jset(cm, "global_batch", jint(o->batch));
    jset(cm, "pacing", json_string("each sample appended when due at the rate; a backlog "
                                   "after a slow call is appended at once"));
    jset(p, "commit", cm);
    json_t *rd = json_object(), *ws = json_array();
    for (size_t i = 0; i < o->nworlds; i++)
        json_array_append_new(ws, jint(o->worlds[i]));
    jset(rd, "sample_bytes", jint(o->read_sample_bytes));
    jset(rd, "global_batch", jint(o->read_batch));
    jset(rd, "steps", jint(o->read_steps));
    jset(rd, "tail_steps", jint(tail));
    jset(rd, "steps_per_commit", jint(o->read_steps_per_commit));
    jset(rd, "table_commits", json_string("one commit per steps_per_commit steps (flush; "
                                          "commit interval 1 h)"));
    jset(rd, "world_sizes", ws);
    jset(rd, "ranks", json_string("threads: W threads of this process, each with its own "
                                  "store handle (as a rank process would have) and consumer, "
                                  "started together after all have opened"));
    jset(rd, "check", json_string("every sample delivered: length, first and last 16 bytes"));
    jset(rd, "read_timeout_ms", jint((uint64_t)o->read_timeout_ms));
    jset(rd, "page_cache", json_string("not dropped: posix reads come from the page cache"));
    jset(p, "read", rd);
    jset(p, "data", json_string("samples cut at random 8-byte aligned offsets from a 64 MiB "
                                "splitmix64 pool of the seed (incompressible), the same bytes "
                                "on every store"));
    jset(p, "conf_overrides", json_incref(o->conf_overrides));
    jset(p, "conf", conf_json(o->conf, "store.fsync"));
    jset(p, "mb", json_string("MB = 10^6 bytes; MiB = 2^20 bytes; GiB = 2^30 bytes"));
    jset(p, "ms", json_string("milliseconds of CLOCK_MONOTONIC"));
    return p;
}

void print_summary(const sopts *o, const sres *res, const bstore *bs, size_t nst,
                          json_t *root)
{
    for (size_t k = 0; k < nst; k++) {
        double v[ST_REPEAT_MAX];
        printf("%s (%s)\n", bs[k].backend, bs[k].uri);
        for (size_t i = 0; i < o->nsizes; i++) {
            for (unsigned r = 0; r < o->repeat; r++)
                v[r] = res->ing[k][i][r].mb_per_s;
            printf("  ingest %7zu B samples: %8.1f MB/s (median of %u)\n", o->sizes[i],
                   median(v, o->repeat), o->repeat);
        }
        json_t *sj = json_array_get(json_object_get(root, "stores"), k);
        json_t *cj = json_object_get(sj, "commit");
        printf("  commit latency p50 %.2f ms, p99 %.2f ms (%" PRIu64 " commits)\n",
               json_number_value(json_object_get(cj, "commit_latency_ms_p50")),
               json_number_value(json_object_get(cj, "commit_latency_ms_p99")),
               (uint64_t)json_integer_value(json_object_get(cj, "commits")));
        json_t *ra = json_object_get(sj, "read");
        for (size_t wi = 0; wi < o->nworlds; wi++) {
            json_t *e = json_array_get(ra, wi);
            printf("  read W=%-4u %8.1f MB/s %8.1f steps/s, %.2f requests/rank/step, "
                   "amplification %.4f, meta %.0f B/rank/step\n", o->worlds[wi],
                   json_number_value(json_object_get(e, "mb_per_s_median")),
                   json_number_value(json_object_get(e, "steps_per_s_median")),
                   json_number_value(json_object_get(e, "requests_per_rank_step")),
                   json_number_value(json_object_get(e, "data_read_amplification")),
                   json_number_value(json_object_get(e, "meta_bytes_per_rank_step")));
        }
    }
}
