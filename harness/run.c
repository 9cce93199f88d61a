/*
 * run.c -- lakestream-bench run WORKLOAD --plane lakestream|kafka|colocated
 * (docs/workloads.md): one workload on one data plane.  Ranks and
 * producers are processes (harness/worker.c, built against the shim and
 * against librdkafka); a rank's GPU step is simulated and the ranks meet at
 * a barrier each step; everything else is real.  Writes DIR/result.json.
 */
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bench.h"
#include "args.h"
#include "bench_common.h"
#include "die.h"
#include "lakestream.h"
#include "result.h"
#include "run_kafka.h"
#include "workload.h"

#define RUN_TOPIC "samples"
#define RUN_LEAD_STEPS 4      /* producers stay at most this far ahead */
#define RUN_STOP_GRACE_S 30   /* after stop, how long processes may take */
#define RUN_AMP_RANKS 3
#define RUN_WARMUP_STEPS 5    /* steps not counted in steps/s and step waits */       /* ranks whose reads are replayed for read amplification */

typedef struct run_opts {
    const char *workload, *plane, *store, *bootstrap, *out, *inject;
    long ranks, producers;
    double duration_s;
    int kafka_mock, kafka_eos;
    unsigned kafka_brokers, replication_factor;
    const char *topic_config[RK_TOPIC_CONFIGS_MAX];
    unsigned ntopic_config;
} run_opts;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: lakestream-bench run WORKLOAD --plane lakestream|kafka|colocated --out DIR\n"
        "         [--ranks W] [--producers P] [--duration-s D] [--store URI]\n"
        "         [--bootstrap-servers LIST | --kafka-mock | --kafka-brokers N]\n"
        "         [--replication-factor R] [--kafka-topic-config NAME=VALUE]...\n"
        "         [--kafka-eos]\n"
        "         [--inject KIND:at=T[,target=N]]\n"
        "  One workload (workloads/*.conf) on one data plane; DIR/result.json\n"
        "  (schema: docs/workloads.md).  Defaults: W and P from the workload,\n"
        "  D = 30, store file://DIR/store; kafka: a real Apache Kafka broker\n"
        "  started for the run (scripts/kafka-server.sh, N = 1 node, R = N),\n"
        "  or the cluster of --bootstrap-servers (R = 1), or librdkafka's\n"
        "  in-process mock cluster with --kafka-mock (quick tests only);\n"
        "  --kafka-eos: transactional producers, read_committed ranks.\n"
        "  KIND: producer-kill (producer N, default 0; colocated: rank N's loader\n"
        "  workers) or rank-restart (rank N, default W/2), T seconds after the start.\n");
}

/* Spawn a worker; stdin from /dev/null unless in_fd >= 0; stdout to out_fd
 * (or the log), stderr to DIR/logs/<name>.log. */
static pid_t spawn(const char *bin, char *const argv[], const char *log, int in_fd, int out_fd)
{
    pid_t pid = fork();
    if (pid < 0)
        die(NULL, "fork: %s", strerror(errno));
    if (pid == 0) {
        int lf = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int nul = open("/dev/null", O_RDONLY);
        dup2(in_fd >= 0 ? in_fd : nul, 0);
        dup2(out_fd >= 0 ? out_fd : lf, 1);
        dup2(lf, 2);
        execv(bin, argv);
        fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    return pid;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void *slurp(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        *len = (size_t)n;
    return buf;
}

static void write_workload(const wl_workload *w, const char *src, const char *path)
{
    /* The source file, then the overrides: later keys win. */
    size_t n;
    char *text = slurp(src, &n);
    FILE *f = fopen(path, "w");
    if (!f || !text)
        die(NULL, "%s: %s", path, strerror(errno));
    fwrite(text, 1, n, f);
    fprintf(f, "\n# lakestream-bench run overrides\nworld.size=%u\nproducers=%u\n",
            w->world_size, w->producers);
    fclose(f);
    free(text);
}

/* Read amplification of the lakestream plane: the first steps read again
 * by ls_consumer for a few ranks, the code path the shim's ranks use. */
static json_t *read_amp(const char *uri, uint32_t world, uint64_t steps)
{
    ls_store *st;
    if (ls_store_open(uri, NULL, &st))
        return json_null();
    uint32_t ranks[RUN_AMP_RANKS] = {0, world / 2, world - 1};
    ls_read_stats tot = {0};
    uint64_t rank_steps = 0;
    uint64_t n = steps < 20 ? steps : 20;
    for (int k = 0; k < RUN_AMP_RANKS; k++) {
        ls_conf *c = ls_conf_new();
        ls_conf_set(c, "consumer.prefetch.steps", "0");
        ls_consumer *lc;
        if (ls_consumer_open(st, RUN_TOPIC, ranks[k], world, c, &lc) == LS_OK) {
            for (uint64_t s = 0; s < n; s++) {
                ls_batch *b;
                if (ls_consumer_read_step(lc, s, 5000, &b) == LS_OK)
                    ls_batch_destroy(b);
            }
            ls_read_stats rs;
            ls_consumer_stats_get(lc, &rs);
            tot.bytes_fetched += rs.bytes_fetched;
            tot.bytes_needed += rs.bytes_needed;
            tot.meta_bytes_fetched += rs.meta_bytes_fetched;
            tot.requests += rs.requests;
            tot.data_requests += rs.data_requests;
            rank_steps += rs.steps;
            ls_consumer_close(lc);
        }
        ls_conf_destroy(c);
    }
    ls_store_close(st);
    if (!tot.bytes_needed)
        return json_null();
    json_t *j = json_object();
    json_object_set_new(j, "data", json_real((double)tot.bytes_fetched / (double)tot.bytes_needed));
    json_object_set_new(j, "total", json_real((double)(tot.bytes_fetched + tot.meta_bytes_fetched) /
                                              (double)tot.bytes_needed));
    json_object_set_new(j, "steps_replayed", json_integer((json_int_t)n));
    json_object_set_new(j, "ranks_replayed", json_integer(RUN_AMP_RANKS));
    json_object_set_new(j, "requests_per_rank_step",
                        json_real(rank_steps ? (double)tot.requests / (double)rank_steps : 0));
    json_object_set_new(j, "data_requests_per_rank_step",
                        json_real(rank_steps ? (double)tot.data_requests / (double)rank_steps : 0));
    return j;
}

/* What the run left in the store, by kind of object (docs/workloads.md):
 * the per-unit figures `lakestream-bench plan` scales. */
static json_t *store_usage(const char *uri, const char *table)
{
    ls_store *st;
    if (ls_store_open(uri, NULL, &st))
        return json_null();
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s/", table);
    size_t plen = strlen(prefix);
    uint64_t n[4] = {0}, b[4] = {0};  /* log records, chunks, snapshots, other */
    char *after = NULL;
    int rc = LS_OK;
    for (;;) {
        ls_keylist kl;
        rc = ls_store_list(st, prefix, after, 1000, &kl);
        if (rc)
            break;
        for (size_t i = 0; i < kl.n; i++) {
            const char *k = kl.keys[i] + plen;
            uint64_t size = 0;
            if ((rc = ls_store_head(st, kl.keys[i], &size)) == LS_ERR_NOT_FOUND)
                rc = LS_OK;  /* deleted meanwhile */
            if (rc)
                break;
            ls_object_kind ok = ls_object_kind_of(k);
            int kind = ok == LS_OBJECT_LOG_RECORD ? 0 : ok == LS_OBJECT_CHUNK ? 1
                     : ok == LS_OBJECT_SNAPSHOT ? 2 : 3;
            n[kind]++;
            b[kind] += size;
        }
        free(after);
        after = kl.n ? strdup(kl.keys[kl.n - 1]) : NULL;
        size_t got = kl.n;
        ls_keylist_free(&kl);
        if (rc || got < 1000)
            break;
    }
    free(after);
    ls_store_close(st);
    if (rc)
        return json_null();
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                     "objects", (json_int_t)(n[0] + n[1] + n[2] + n[3]),
                     "bytes", (json_int_t)(b[0] + b[1] + b[2] + b[3]),
                     "log_records", (json_int_t)n[0], "log_bytes", (json_int_t)b[0],
                     "chunks", (json_int_t)n[1], "chunk_bytes", (json_int_t)b[1],
                     "snapshots", (json_int_t)n[2], "snapshot_bytes", (json_int_t)b[2],
                     "other_objects", (json_int_t)n[3]);
}

/* ---- processes ---- */

typedef struct procs {
    uint32_t n, nprod, world;
    int plane_ls, plane_col;
    const char *bin, *shm, *wpath, *bootstrap, *topic, *out, *logs;
    const char *pos_topic;     /* kafka --kafka-eos: the positions topic; else NULL */
    pid_t *pids;
    int *restarts;
    double cpu_prod, cpu_rank;
} procs;

/* Start process i: producer i, or rank i - nprod. */
static void spawn_proc(procs *P, uint32_t i)
{
    char idx[16], lead[16], pid_prop[64], rprop[48], wprop[48], log[PATH_MAX + 64];
    char txn_id[64], txn_ms[16];
    char *av[56];
    int n = 0;
    snprintf(lead, sizeof lead, "%d", RUN_LEAD_STEPS);
    av[n++] = (char *)P->bin;
    if (i < P->nprod) {
        snprintf(idx, sizeof idx, "%u", i);
        snprintf(pid_prop, sizeof pid_prop, "lakestream.producer.id=bench-p%u", i);
        av[n++] = "producer";
        av[n++] = "--index"; av[n++] = idx;
        av[n++] = "--lead"; av[n++] = lead;
        if (P->plane_ls) {
            av[n++] = "-X"; av[n++] = "enable.idempotence=true";
            av[n++] = "-X"; av[n++] = pid_prop;
            av[n++] = "-X"; av[n++] = "linger.ms=50";
        } else {
            for (int k = 0; run_kafka_producer_props[k]; k++) {
                av[n++] = "-X"; av[n++] = (char *)run_kafka_producer_props[k];
            }
            if (P->pos_topic) {   /* Kafka's exactly-once (worker_txn.c) */
                snprintf(txn_id, sizeof txn_id, "transactional.id=bench-p%u", i);
                snprintf(txn_ms, sizeof txn_ms, "%d", RK_TXN_MS);
                av[n++] = "-X"; av[n++] = txn_id;
                av[n++] = "--eos";
                av[n++] = "--pos-topic"; av[n++] = (char *)P->pos_topic;
                av[n++] = "--txn-ms"; av[n++] = txn_ms;
            }
        }
    } else {
        uint32_t r = i - P->nprod;
        snprintf(idx, sizeof idx, "%u", r);
        snprintf(rprop, sizeof rprop, "lakestream.rank=%u", r);
        snprintf(wprop, sizeof wprop, "lakestream.world.size=%u", P->world);
        av[n++] = P->plane_col ? "colocated" : "rank";
        av[n++] = "--rank"; av[n++] = idx;
        if (!P->plane_col) {
            av[n++] = "-X"; av[n++] = "group.id=bench";
            av[n++] = "-X"; av[n++] = "enable.auto.commit=false";
            /* A step's samples are wanted at once (run_kafka.c). */
            if (P->plane_ls) {
                av[n++] = "-X"; av[n++] = "fetch.wait.max.ms=10";
            } else {
                for (int k = 0; run_kafka_rank_props[k]; k++) {
                    av[n++] = "-X"; av[n++] = (char *)run_kafka_rank_props[k];
                }
                if (P->pos_topic) {
                    av[n++] = "-X"; av[n++] = "isolation.level=read_committed";
                    av[n++] = "--eos";
                }
            }
        }
        if (P->plane_ls) {
            av[n++] = "-X"; av[n++] = rprop;
            av[n++] = "-X"; av[n++] = wprop;
        }
    }
    av[n++] = "--shm"; av[n++] = (char *)P->shm;
    av[n++] = "--workload"; av[n++] = (char *)P->wpath;
    av[n++] = "--out"; av[n++] = (char *)P->out;
    if (!P->plane_col) {
        av[n++] = "--bootstrap"; av[n++] = (char *)P->bootstrap;
        av[n++] = "--topic"; av[n++] = (char *)P->topic;
    }
    av[n] = NULL;
    const char *role = i < P->nprod ? "producer" : "rank";
    uint32_t k = i < P->nprod ? i : i - P->nprod;
    if (P->restarts[i])
        snprintf(log, sizeof log, "%s/%s-%u.restart%d.log", P->logs, role, k, P->restarts[i]);
    else
        snprintf(log, sizeof log, "%s/%s-%u.log", P->logs, role, k);
    P->pids[i] = spawn(P->bin, av, log, -1, -1);
}

static void add_cpu(procs *P, uint32_t i, const struct rusage *ru)
{
    double t = (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 +
               (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;
    if (i < P->nprod)
        P->cpu_prod += t;
    else
        P->cpu_rank += t;
}

static void kill_proc(procs *P, uint32_t i)
{
    int status;
    struct rusage ru;
    if (P->pids[i] <= 0)
        return;
    kill(P->pids[i], SIGKILL);
    if (wait4(P->pids[i], &status, 0, &ru) == P->pids[i])
        add_cpu(P, i, &ru);
    P->pids[i] = -1;
}

/* ---- --inject ---- */

enum { INJ_NONE = 0, INJ_PRODUCER_KILL = 1, INJ_RANK_RESTART = 2 };

typedef struct inject_opts {
    int kind;
    double at_s;
    long target;   /* -1: the default */
} inject_opts;

/* KIND:at=T[s][,target=N] */
static void parse_inject(const char *v, inject_opts *o)
{
    const char *colon = strchr(v, ':');
    size_t kl = colon ? (size_t)(colon - v) : strlen(v);
    o->target = -1;
    if (kl == 13 && !strncmp(v, "producer-kill", kl))
        o->kind = INJ_PRODUCER_KILL;
    else if (kl == 12 && !strncmp(v, "rank-restart", kl))
        o->kind = INJ_RANK_RESTART;
    else
        die(NULL, "--inject %s: the kinds are producer-kill and rank-restart", v);
    if (!colon || strncmp(colon + 1, "at=", 3))
        die(NULL, "--inject %s: KIND:at=SECONDS[,target=N]", v);
    char *end;
    o->at_s = strtod(colon + 4, &end);
    if (*end == 's')
        end++;
    if (end == colon + 4 || !(o->at_s >= 0 && o->at_s <= 86400))
        die(NULL, "--inject %s: at= takes seconds from the start, 0..86400", v);
    if (!strncmp(end, ",target=", 8)) {
        char *e2;
        o->target = strtol(end + 8, &e2, 10);
        if (e2 == end + 8 || *e2 || o->target < 0)
            die(NULL, "--inject %s: target= takes a producer or rank number", v);
    } else if (*end)
        die(NULL, "--inject %s: unexpected \"%s\"", v, end);
}

typedef struct inject_state {
    int kind;
    long target;
    uint32_t proc;             /* process index of the target */
    uint64_t t_ns;             /* when it was injected (0: not yet) */
    uint64_t steps_at, barriers_at;
    int restarted, job_restarted, recovered;
    uint64_t ckpt_step;
    uint64_t restart_ns, recovered_ns;
} inject_state;

static void event(json_t *events, uint64_t t_start, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void event(json_t *events, uint64_t t_start, const char *what, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    double t = (double)(wl_now_ns() - t_start) / 1e9;
    json_array_append_new(events, json_pack("{s:f, s:s, s:s}", "t_s", t, "event", what,
                                            "detail", detail));
    fprintf(stderr, "\n[%.1f s] %s: %s\n", t, what, detail);
}

/* A rank failed: the job rolls back to its last checkpoint (the lowest
 * step every rank has committed) and the rank is started again. */
static void restart_job(procs *P, wl_shm *S, inject_state *I, json_t *events, uint64_t t_start)
{
    uint32_t r = I->proc - P->nprod;
    uint64_t c = UINT64_MAX;
    for (uint32_t k = 0; k < P->world; k++)
        if (S->ranks[k].ckpt_step < c)
            c = S->ranks[k].ckpt_step;
    wl_rollback(S, c);
    I->ckpt_step = c;
    I->job_restarted = 1;
    event(events, t_start, "rollback", "the job resumes at its checkpoint, step %llu "
          "(%llu steps redone)", (unsigned long long)c,
          (unsigned long long)(I->steps_at > c ? I->steps_at - c : 0));
    S->ranks[r].resumed_ns = 0;
    S->ranks[r].restarts++;
    P->restarts[I->proc]++;
    spawn_proc(P, I->proc);
    I->restart_ns = wl_now_ns();
    I->restarted = 1;
    event(events, t_start, "restart", "rank %u started again (pid %d)", r, (int)P->pids[I->proc]);
}

static void inject(procs *P, wl_shm *S, inject_state *I, json_t *events, uint64_t t_start)
{
    I->t_ns = wl_now_ns();
    I->steps_at = S->steps_done;
    I->barriers_at = S->barriers;
    if (I->kind == INJ_PRODUCER_KILL && !P->plane_col) {
        uint32_t j = (uint32_t)(I->target < 0 ? 0 : I->target);
        I->proc = j;
        pid_t old = P->pids[j];
        kill_proc(P, j);
        event(events, t_start, "inject", "SIGKILL to producer %u (pid %d) at step %llu", j,
              (int)old, (unsigned long long)I->steps_at);
        S->prods[j].first_delivery_ns = 0;
        S->prods[j].restarts++;
        P->restarts[j]++;
        spawn_proc(P, j);
        I->restart_ns = wl_now_ns();
        I->restarted = 1;
        event(events, t_start, "restart", "producer %u started again (pid %d)", j,
              (int)P->pids[j]);
        return;
    }
    uint32_t r = (uint32_t)(I->target < 0 ? (I->kind == INJ_RANK_RESTART ? P->world / 2 : 0)
                                          : I->target);
    I->proc = P->nprod + r;
    if (I->kind == INJ_PRODUCER_KILL) {  /* colocated: the rank's loader workers die */
        kill(P->pids[I->proc], SIGUSR1);
        event(events, t_start, "inject", "the loader worker pool of rank %u dies (pid %d) at "
              "step %llu", r, (int)P->pids[I->proc], (unsigned long long)I->steps_at);
        return;  /* the rank fails; the main loop restarts the job */
    }
    pid_t old = P->pids[I->proc];
    kill_proc(P, I->proc);
    event(events, t_start, "inject", "SIGKILL to rank %u (pid %d) at step %llu", r, (int)old,
          (unsigned long long)I->steps_at);
    restart_job(P, S, I, events, t_start);
}

static void inject_progress(procs *P, wl_shm *S, inject_state *I, json_t *events,
                            uint64_t t_start)
{
    if (!I->restarted || I->recovered)
        return;
    if (I->proc < P->nprod) {
        wl_prod_stat *ps = &S->prods[I->proc];
        if (ps->first_delivery_ns && ps->pid == P->pids[I->proc]) {
            I->recovered_ns = ps->first_delivery_ns;
            I->recovered = 1;
            event(events, t_start, "recovered", "producer %u delivers again (resumed at its "
                  "sequence %llu)", I->proc, (unsigned long long)ps->resume_seq);
        }
    } else {
        wl_rank_stat *rs = &S->ranks[I->proc - P->nprod];
        if (rs->resumed_ns) {
            I->recovered_ns = rs->resumed_ns;
            I->recovered = 1;
            event(events, t_start, "recovered", "the job trains again, at step %llu",
                  (unsigned long long)S->steps_done);
        }
    }
}

/* ---- what the ranks read ---- */

static double pct(const uint32_t *sorted, size_t n, double q)
{
    return n ? sorted[(size_t)(q * (double)(n - 1))] / 1000.0 : 0;
}

/* Every rank's step waits (µs) but its first RUN_WARMUP_STEPS, sorted. */
static uint32_t *read_waits(const char *out, uint32_t world, size_t *count)
{
    char path[PATH_MAX + 64];
    size_t nw = 0, cap = 0;
    uint32_t *waits = NULL;
    for (uint32_t r = 0; r < world; r++) {
        size_t len;
        snprintf(path, sizeof path, "%s/rank-%u.waits", out, r);
        uint32_t *wv = slurp(path, &len);
        size_t n = len / sizeof *wv;
        if (n > RUN_WARMUP_STEPS) {
            if (nw + n > cap) {
                cap = (nw + n) * 2;
                if (!(waits = realloc(waits, cap * sizeof *waits)))
                    die(NULL, "out of memory");
            }
            memcpy(waits + nw, wv + RUN_WARMUP_STEPS, (n - RUN_WARMUP_STEPS) * sizeof *wv);
            nw += n - RUN_WARMUP_STEPS;
        }
        free(wv);
    }
    if (nw)
        qsort(waits, nw, sizeof *waits, cmp_u32);
    *count = nw;
    return waits;
}

typedef struct seen_check {
    uint64_t duplicates, skipped;     /* in the job's final timeline */
    uint64_t compared, mismatched;    /* (rank, step) pairs read again after a rollback */
} seen_check;

/* The job's final timeline: for every rank and step below `steps`, the last
 * complete read of that step (DIR/rank-R.seen holds (step, index) pairs,
 * B/W per read).  Duplicates: an index twice in it.  Skipped: an index
 * missing below one that is there, in a stream that arrives in order --
 * lakestream: one producer's sequence (the log is one order); kafka: one
 * producer's samples in one partition; colocated: every index of the steps. */
static void check_seen(const char *out, const wl_workload *w, char plane, uint64_t steps,
                       seen_check *sc)
{
    memset(sc, 0, sizeof *sc);
    uint32_t m = w->global_batch / w->world_size;
    size_t all_n = 0;
    uint64_t *all = malloc((steps * w->global_batch + 1) * sizeof *all);
    uint64_t *first = malloc((steps * m + 1) * sizeof *first);
    uint64_t *last = malloc((steps * m + 1) * sizeof *last);
    uint8_t *have = malloc(steps + 1);
    if (!all || !first || !last || !have)
        die(NULL, "out of memory");
    char path[PATH_MAX + 64];
    for (uint32_t r = 0; r < w->world_size; r++) {
        size_t len;
        snprintf(path, sizeof path, "%s/rank-%u.seen", out, r);
        uint64_t *rec = slurp(path, &len);
        size_t n = len / (2 * sizeof *rec);
        memset(have, 0, steps + 1);
        for (size_t i = 0; i + m <= n;) {
            uint64_t st = rec[2 * i];
            uint32_t k = 0;
            while (k < m && rec[2 * (i + k)] == st)
                k++;
            if (k < m) {  /* a read cut short by a kill */
                i += k;
                continue;
            }
            if (st < steps) {
                uint64_t *dst = have[st] ? last : first;
                for (uint32_t q = 0; q < m; q++)
                    dst[st * m + q] = rec[2 * (i + q) + 1];
                if (have[st]) {
                    sc->compared++;
                    sc->mismatched += memcmp(first + st * m, last + st * m,
                                             m * sizeof *first) != 0;
                } else
                    memcpy(last + st * m, first + st * m, m * sizeof *first);
                have[st] = 1;
            }
            i += m;
        }
        free(rec);
        for (uint64_t st = 0; st < steps; st++)
            for (uint32_t q = 0; have[st] && q < m; q++)
                if (last[st * m + q] != UINT64_MAX)
                    all[all_n++] = last[st * m + q];
    }
    qsort(all, all_n, sizeof *all, cmp_u64);
    size_t d = 0;  /* distinct, in place */
    for (size_t i = 0; i < all_n; i++) {
        if (d && all[d - 1] == all[i])
            sc->duplicates++;
        else
            all[d++] = all[i];
    }
    if (plane == 'c') {
        sc->skipped = steps * w->global_batch - d;
    } else {
        uint32_t P = w->producers;
        uint64_t *maxp = malloc(w->world_size * sizeof *maxp);
        uint64_t *seq = malloc((d + 1) * sizeof *seq);
        if (!maxp || !seq)
            die(NULL, "out of memory");
        for (uint32_t j = 0; j < P; j++) {
            /* This producer's sequence numbers, in order. */
            size_t nj = 0;
            for (size_t i = 0; i < d; i++)
                if (all[i] % P == j)
                    seq[nj++] = all[i] / P;
            if (!nj)
                continue;
            if (plane == 'l') {
                sc->skipped += seq[nj - 1] + 1 - nj;
                continue;
            }
            for (uint32_t p = 0; p < w->world_size; p++)
                maxp[p] = UINT64_MAX;
            for (size_t i = 0; i < nj; i++) {
                uint32_t p = (uint32_t)(((seq[i] * P + j) / m) % w->world_size);
                maxp[p] = seq[i];   /* ascending: the last is the largest */
            }
            size_t at = 0;
            for (uint64_t q = 0; q <= seq[nj - 1]; q++) {
                while (at < nj && seq[at] < q)
                    at++;
                uint32_t p = (uint32_t)(((q * P + j) / m) % w->world_size);
                if (maxp[p] != UINT64_MAX && q <= maxp[p] && !(at < nj && seq[at] == q))
                    sc->skipped++;
            }
        }
        free(seq);
        free(maxp);
    }
    free(all);
    free(first);
    free(last);
    free(have);
}

static json_t *failure_json(procs *P, wl_shm *S, inject_state *I, const seen_check *sc,
                            uint64_t t_start, uint64_t barriers_end, uint64_t steps_end,
                            int died)
{
    json_t *f = json_object();
    const char *kind = I->kind == INJ_PRODUCER_KILL ? "producer-kill" : "rank-restart";
    json_object_set_new(f, "kind", json_string(kind));
    if (!I->t_ns) {
        json_object_set_new(f, "injected", json_false());
        json_object_set_new(f, "note", json_string("the run ended before the injection time"));
        return f;
    }
    char target[64];
    if (I->proc < P->nprod)
        snprintf(target, sizeof target, "producer %u", I->proc);
    else
        snprintf(target, sizeof target, "rank %u%s", I->proc - P->nprod,
                 P->plane_col && I->kind == INJ_PRODUCER_KILL ? " (its loader workers)" : "");
    json_object_set_new(f, "injected", json_true());
    json_object_set_new(f, "target", json_string(target));
    json_object_set_new(f, "at_s", json_real((double)(I->t_ns - t_start) / 1e9));
    json_object_set_new(f, "steps_at_injection", json_integer((json_int_t)I->steps_at));
    int progressed = barriers_end > I->barriers_at;
    json_object_set_new(f, "training_continued", json_boolean(progressed && !died));
    json_object_set_new(f, "job_restarted", json_boolean(I->job_restarted));
    json_object_set_new(f, "checkpoint_step",
                        I->job_restarted ? json_integer((json_int_t)I->ckpt_step) : json_null());
    json_object_set_new(f, "steps_redone",
                        json_integer(I->job_restarted && I->steps_at > I->ckpt_step
                                         ? (json_int_t)(I->steps_at - I->ckpt_step) : 0));
    json_object_set_new(f, "duplicates", json_integer((json_int_t)sc->duplicates));
    json_object_set_new(f, "skipped", json_integer((json_int_t)sc->skipped));
    json_object_set_new(f, "recovery_s", I->recovered
                                             ? json_real((double)(I->recovered_ns - I->t_ns) / 1e9)
                                             : json_null());
    /* The longest wait between two step completions from the injection on. */
    double gap = 0;
    uint64_t prev = I->t_ns;
    if (I->barriers_at > 0 && barriers_end - I->barriers_at < WL_STEP_LOG_MAX)
        prev = S->step_ns[(I->barriers_at - 1) % WL_STEP_LOG_MAX];
    for (uint64_t b = I->barriers_at; b < barriers_end; b++) {
        if (barriers_end - b > WL_STEP_LOG_MAX)
            continue;
        uint64_t t = S->step_ns[b % WL_STEP_LOG_MAX];
        if (t > prev && (double)(t - prev) / 1e9 > gap)
            gap = (double)(t - prev) / 1e9;
        prev = t;
    }
    json_object_set_new(f, "max_step_gap_s", json_real(gap));
    json_object_set_new(f, "steps_compared", json_integer((json_int_t)sc->compared));
    json_object_set_new(f, "identical_steps",
                        sc->compared ? json_boolean(sc->mismatched == 0) : json_null());
    json_object_set_new(f, "steps_mismatched", json_integer((json_int_t)sc->mismatched));
    (void)steps_end;
    const char *note =
        I->kind == INJ_PRODUCER_KILL && P->plane_col
            ? "a colocated loader's worker dies with its rank's step: the rank fails (as "
              "PyTorch's DataLoader raises), the job restarts from its checkpoint"
        : I->kind == INJ_PRODUCER_KILL && P->plane_ls
            ? "the producer restarts with the same id and resumes at the source position of "
              "its last commit"
        : I->kind == INJ_PRODUCER_KILL && P->pos_topic
            ? "Kafka's exactly-once: the restarted transactional producer fences the old one "
              "(init_transactions aborts its open transaction) and resumes at the position "
              "committed in its last transaction; ranks read committed messages only"
        : I->kind == INJ_PRODUCER_KILL
            ? "the producer restarts from the progress it saved itself (the delivered "
              "frontier, every 200 ms): at least once"
            : "synchronous training: the job rolls back to its last checkpoint; every rank "
              "seeks to it and reads on";
    json_object_set_new(f, "note", json_string(note));
    return f;
}

int run_main(int argc, char **argv)
{
    die_prog("lakestream-bench run");
    enum { OPT_PLANE = 256, OPT_OUT, OPT_STORE, OPT_BOOTSTRAP, OPT_INJECT, OPT_RANKS,
           OPT_PRODUCERS, OPT_DURATION, OPT_KAFKA_MOCK, OPT_KAFKA_BROKERS, OPT_RF,
           OPT_TOPIC_CONFIG, OPT_KAFKA_EOS };
    static const struct option lo[] = {
        { "plane", required_argument, 0, OPT_PLANE },
        { "out", required_argument, 0, OPT_OUT },
        { "store", required_argument, 0, OPT_STORE },
        { "bootstrap-servers", required_argument, 0, OPT_BOOTSTRAP },
        { "inject", required_argument, 0, OPT_INJECT },
        { "ranks", required_argument, 0, OPT_RANKS },
        { "producers", required_argument, 0, OPT_PRODUCERS },
        { "duration-s", required_argument, 0, OPT_DURATION },
        { "kafka-mock", no_argument, 0, OPT_KAFKA_MOCK },
        { "kafka-brokers", required_argument, 0, OPT_KAFKA_BROKERS },
        { "replication-factor", required_argument, 0, OPT_RF },
        { "kafka-topic-config", required_argument, 0, OPT_TOPIC_CONFIG },
        { "kafka-eos", no_argument, 0, OPT_KAFKA_EOS },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    run_opts o = {.duration_s = 30};
    args a = { .argc = argc - 1, .argv = argv + 1, .opts = lo, .usage_status = DIE_STATUS };
    for (int c; (c = args_next(&a)) != -1;) {
        switch (c) {
        case 'h': usage(stdout); return 0;
        case ARGS_WORD:
            if (o.workload)
                die(NULL, "one workload only (got %s and %s)", o.workload, optarg);
            o.workload = optarg;
            break;
        case OPT_PLANE: o.plane = optarg; break;
        case OPT_OUT: o.out = optarg; break;
        case OPT_STORE: o.store = optarg; break;
        case OPT_BOOTSTRAP: o.bootstrap = optarg; break;
        case OPT_INJECT: o.inject = optarg; break;
        case OPT_RANKS: o.ranks = (long)args_uint(&a, optarg, 1, WL_RANKS_MAX); break;
        case OPT_PRODUCERS: o.producers = (long)args_uint(&a, optarg, 1, WL_PRODUCERS_MAX); break;
        case OPT_DURATION: o.duration_s = args_real(&a, optarg, 0, 1, 86400); break;
        case OPT_KAFKA_MOCK: o.kafka_mock = 1; break;
        case OPT_KAFKA_EOS: o.kafka_eos = 1; break;
        case OPT_KAFKA_BROKERS:
            o.kafka_brokers = (unsigned)args_uint(&a, optarg, 1, KB_BROKERS_MAX);
            break;
        case OPT_RF: o.replication_factor = (unsigned)args_uint(&a, optarg, 1, KB_BROKERS_MAX); break;
        case OPT_TOPIC_CONFIG:
            if (!strchr(optarg, '=') || *optarg == '=')
                args_bad(&a, optarg, "expected NAME=VALUE");
            if (o.ntopic_config == RK_TOPIC_CONFIGS_MAX)
                args_bad(&a, optarg, "more than %d topic configurations", RK_TOPIC_CONFIGS_MAX);
            o.topic_config[o.ntopic_config++] = optarg;
            break;
        }
    }
    if (!o.workload || !o.plane || !o.out) {
        usage(stderr);
        return 2;
    }
    int plane_ls = !strcmp(o.plane, "lakestream"), plane_kafka = !strcmp(o.plane, "kafka"),
        plane_col = !strcmp(o.plane, "colocated");
    if (!plane_ls && !plane_kafka && !plane_col)
        die(NULL, "--plane %s: lakestream, kafka or colocated", o.plane);
    inject_opts inj = {0};
    if (o.inject)
        parse_inject(o.inject, &inj);
    if (o.bootstrap && !plane_kafka)
        die(NULL, "--bootstrap-servers is for --plane kafka");
    if ((o.kafka_mock || o.kafka_brokers || o.replication_factor || o.ntopic_config ||
         o.kafka_eos) && !plane_kafka)
        die(NULL, "--kafka-mock, --kafka-brokers, --replication-factor, --kafka-topic-config "
                  "and --kafka-eos are for --plane kafka");
    if (o.kafka_mock + !!o.bootstrap + !!o.kafka_brokers > 1)
        die(NULL, "--bootstrap-servers, --kafka-mock and --kafka-brokers choose the cluster: "
                  "one of them");
    if (o.kafka_mock && (o.replication_factor || o.ntopic_config || o.kafka_eos))
        die(NULL, "--kafka-mock: the mock cluster takes no --replication-factor, "
                  "--kafka-topic-config or --kafka-eos (use a real broker)");
    if (o.replication_factor && o.kafka_brokers && o.replication_factor > o.kafka_brokers)
        die(NULL, "--replication-factor %u: more than the %u brokers", o.replication_factor,
            o.kafka_brokers);
    if (o.store && !plane_ls)
        die(NULL, "--store is for --plane lakestream");

    wl_workload w;
    char err[512];
    if (wl_load(o.workload, &w, err, sizeof err))
        die(NULL, "%s", err);
    if (o.ranks)
        w.world_size = (uint32_t)o.ranks;
    if (o.producers)
        w.producers = (uint32_t)o.producers;
    if (w.global_batch % w.world_size)
        die(NULL, "global batch %u is not a multiple of %u ranks", w.global_batch, w.world_size);
    const char *exe_dir = bench_exe_dir();
    if (mkdir(o.out, 0755) && errno != EEXIST)
        die(NULL, "%s: %s", o.out, strerror(errno));
    char path[PATH_MAX + 64], logs[PATH_MAX], wpath[PATH_MAX], shm_path[PATH_MAX];
    snprintf(logs, sizeof logs, "%s/logs", o.out);
    mkdir(logs, 0755);
    snprintf(wpath, sizeof wpath, "%s/workload.conf", o.out);
    write_workload(&w, o.workload, wpath);
    snprintf(shm_path, sizeof shm_path, "%s/run.shm", o.out);
    for (uint32_t r = 0; r < w.world_size; r++) {  /* a rerun starts clean */
        snprintf(path, sizeof path, "%s/rank-%u.waits", o.out, r);
        unlink(path);
        snprintf(path, sizeof path, "%s/rank-%u.seen", o.out, r);
        unlink(path);
    }
    for (uint32_t j = 0; j < w.producers; j++) {
        snprintf(path, sizeof path, "%s/producer-%u.pos", o.out, j);
        unlink(path);
    }
    wl_shm *S = wl_shm_create(shm_path, w.world_size);
    if (!S)
        die(NULL, "%s: cannot create the run state", shm_path);

    char bin_ls[PATH_MAX + 64], bin_kafka[PATH_MAX + 64];
    snprintf(bin_ls, sizeof bin_ls, "%s/lakestream-bench-worker-ls", exe_dir);
    snprintf(bin_kafka, sizeof bin_kafka, "%s/lakestream-bench-worker-kafka", exe_dir);
    const char *bin = plane_kafka ? bin_kafka : bin_ls;
    if (access(bin, X_OK))
        die(NULL, "%s: %s (build the project)", bin, strerror(errno));

    /* The plane. */
    char store_uri[PATH_MAX + 64] = "", bootstrap[PATH_MAX + 64] = "";
    pid_t mock_pid = -1;
    int mock_in = -1;
    const char *baseline = NULL, *topic = RUN_TOPIC;
    run_kafka K = {.kind = o.kafka_mock ? RK_MOCK : o.bootstrap ? RK_EXTERNAL : RK_BROKER,
                   .brokers = o.kafka_brokers ? o.kafka_brokers : 1,
                   .replication_factor = o.replication_factor, .partitions = w.world_size,
                   .ntopic_config = o.ntopic_config, .eos = o.kafka_eos,
                   .producers = w.producers};
    memcpy(K.topic_config, o.topic_config, sizeof K.topic_config);
    if (plane_ls) {
        if (o.store)
            snprintf(store_uri, sizeof store_uri, "%s", o.store);
        else {
            char abs[PATH_MAX];
            if (!realpath(o.out, abs))
                die(NULL, "%s: %s", o.out, strerror(errno));
            snprintf(store_uri, sizeof store_uri, "file://%s/store", abs);
        }
        ls_store *st;
        int rc = ls_store_open(store_uri, NULL, &st);
        if (rc)
            die(NULL, "store %s: %s", store_uri, ls_errmsg());
        rc = ls_table_create(st, RUN_TOPIC, w.global_batch, LS_CODEC_NONE);
        ls_store_close(st);
        if (rc == LS_ERR_EXISTS)
            die(NULL, "store %s already holds a table %s: use a fresh --store or --out", store_uri,
                 RUN_TOPIC);
        if (rc)
            die(NULL, "creating table %s: %s", RUN_TOPIC, ls_errmsg());
        snprintf(bootstrap, sizeof bootstrap, "%s", store_uri);
    } else if (plane_kafka && K.kind != RK_MOCK) {
        if (o.bootstrap)
            snprintf(K.bootstrap, sizeof K.bootstrap, "%s", o.bootstrap);
        run_kafka_setup(&K, bin_kafka, o.out, logs);
        snprintf(bootstrap, sizeof bootstrap, "%s", K.bootstrap);
        topic = K.topic;
        baseline = "kafka";
    } else if (plane_kafka) {
        int in[2], outp[2];
        if (pipe2(in, O_CLOEXEC) || pipe2(outp, O_CLOEXEC))
            die(NULL, "pipe: %s", strerror(errno));
        char parts[16];
        snprintf(parts, sizeof parts, "%u", w.world_size);
        char *av[] = {(char *)bin_kafka, "mock", "--partitions", parts, "--topic", RUN_TOPIC,
                      NULL};
        snprintf(path, sizeof path, "%s/mock.log", logs);
        mock_pid = spawn(bin_kafka, av, path, in[0], outp[1]);
        close(in[0]);
        close(outp[1]);
        mock_in = in[1];
        FILE *mf = fdopen(outp[0], "r");
        if (!mf || !fgets(bootstrap, sizeof bootstrap, mf))
            die(NULL, "the mock cluster did not start (%s/mock.log)", logs);
        bootstrap[strcspn(bootstrap, "\n")] = '\0';
        fclose(mf);
        baseline = "librdkafka-mock";
        snprintf(K.topic, sizeof K.topic, "%s", RUN_TOPIC);
    }

    /* Processes. */
    uint32_t nprod = plane_col ? 0 : w.producers;
    uint32_t nproc = nprod + w.world_size;
    procs P = {.n = nproc, .nprod = nprod, .plane_ls = plane_ls, .plane_col = plane_col,
               .bin = bin, .shm = shm_path, .wpath = wpath, .bootstrap = bootstrap, .topic = topic,
               .pos_topic = K.eos ? K.pos_topic : NULL,
               .out = o.out, .logs = logs, .world = w.world_size};
    P.pids = calloc(nproc, sizeof *P.pids);
    P.restarts = calloc(nproc, sizeof *P.restarts);
    if (!P.pids || !P.restarts)
        die(NULL, "out of memory");
    uint64_t t_start = wl_now_ns();
    for (uint32_t i = 0; i < nproc; i++)
        spawn_proc(&P, i);

    /* Progress, the step timeline, the injection. */
    int tty = isatty(2);
    uint64_t last_print = 0;
    uint64_t deadline = t_start + (uint64_t)(o.duration_s * 1e9);
    json_t *timeline = json_array(), *events = json_array();
    uint64_t last_tl = 0;
    int died = 0;
    inject_state I = {.kind = inj.kind, .target = inj.target, .t_ns = 0};
    uint64_t inject_at = t_start + (uint64_t)(inj.at_s * 1e9);
    while (wl_now_ns() < deadline && !died) {
        wl_sleep_ns(50000000);
        uint64_t now = wl_now_ns(), steps = S->steps_done;
        if (inj.kind && !I.t_ns && now >= inject_at)
            inject(&P, S, &I, events, t_start);
        if (I.t_ns)
            inject_progress(&P, S, &I, events, t_start);
        if (now - last_tl >= 500000000u) {
            last_tl = now;
            json_t *pt = json_pack("{s:f, s:I, s:I, s:I}", "t_s", (double)(now - t_start) / 1e9,
                                   "steps", (json_int_t)steps, "steps_trained",
                                   (json_int_t)S->barriers, "produced",
                                   (json_int_t)S->produced);
            json_array_append_new(timeline, pt);
        }
        if (now - last_print >= (tty ? 250000000u : 5000000000u)) {
            last_print = now;
            double el = (double)(now - t_start) / 1e9;
            fprintf(stderr, tty ? "\r%s/%s: %5.1f/%.0f s  steps %llu  produced %llu   "
                                : "%s/%s: %.1f/%.0f s steps %llu produced %llu\n",
                    w.name, o.plane, el, o.duration_s, (unsigned long long)steps,
                    (unsigned long long)S->produced);
        }
        for (uint32_t i = 0; i < nproc; i++) {
            int status;
            struct rusage ru;
            if (P.pids[i] > 0 && wait4(P.pids[i], &status, WNOHANG, &ru) == P.pids[i]) {
                add_cpu(&P, i, &ru);
                P.pids[i] = -1;
                if (I.kind == INJ_PRODUCER_KILL && plane_col && i == I.proc && !I.restarted) {
                    /* The rank whose loader died has failed: the job restarts. */
                    restart_job(&P, S, &I, events, t_start);
                    continue;
                }
                fprintf(stderr, "%slakestream-bench run: %s %u exited early (status %d); "
                        "see %s\n", tty ? "\n" : "", i < nprod ? "producer" : "rank",
                        i < nprod ? i : i - nprod, status, logs);
                died = 1;
            }
        }
    }
    uint64_t t_stop = wl_now_ns();
    uint64_t steps_at_stop = S->steps_done, barriers_at_stop = S->barriers;
    S->stop = 1;
    if (tty)
        fputc('\n', stderr);
    /* Wake barrier waiters, then collect everyone. */
    wl_wake_all(S);
    uint64_t grace = wl_now_ns() + RUN_STOP_GRACE_S * 1000000000ull;
    int killed = 0;
    for (uint32_t i = 0; i < nproc; i++) {
        while (P.pids[i] > 0) {
            int status;
            struct rusage ru;
            if (wait4(P.pids[i], &status, WNOHANG, &ru) == P.pids[i]) {
                add_cpu(&P, i, &ru);
                P.pids[i] = -1;
            } else if (wl_now_ns() > grace) {
                kill(P.pids[i], SIGKILL);
                wait4(P.pids[i], &status, 0, &ru);
                add_cpu(&P, i, &ru);
                P.pids[i] = -1;
                killed++;
            } else
                wl_sleep_ns(20000000);
        }
    }
    if (plane_kafka)
        run_kafka_teardown(&K);
    if (mock_pid > 0) {
        close(mock_in);
        waitpid(mock_pid, NULL, 0);
    }

    /* Results. */
    /* From the end of the warm-up to the last step's end, as the barrier
     * recorded them: start-up and the stop are not counted.  Steps redone
     * after a rollback count: they are training time. */
    uint64_t s_n = S->barriers, s_last = S->last_step_ns;
    double dur = 0, steps_per_s = 0;
    if (s_n > RUN_WARMUP_STEPS + 1 && s_n - RUN_WARMUP_STEPS < WL_STEP_LOG_MAX) {
        dur = (double)(s_last - S->step_ns[RUN_WARMUP_STEPS - 1]) / 1e9;
        steps_per_s = dur > 0 ? (double)(s_n - RUN_WARMUP_STEPS) / dur : 0;
    } else if (s_n > 1) {  /* too short a run, or too long for the log: from step 1 */
        dur = (double)(s_last - S->first_step_ns) / 1e9;
        steps_per_s = dur > 0 ? (double)(s_n - 1) / dur : 0;
    }
    double ideal = w.step_time_ms > 0 ? 1000.0 / w.step_time_ms : 0;
    size_t nw_all = 0;
    uint32_t *waits = read_waits(o.out, w.world_size, &nw_all);
    uint64_t bad = 0, samples = 0, gaps = 0;
    for (uint32_t r = 0; r < w.world_size; r++) {
        bad += S->ranks[r].bad_samples;
        samples += S->ranks[r].samples;
        gaps += S->ranks[r].offset_gaps;
    }
    seen_check sc;
    check_seen(o.out, &w, plane_ls ? 'l' : plane_kafka ? 'k' : 'c', steps_at_stop, &sc);
    double p50 = pct(waits, nw_all, 0.50), p99 = pct(waits, nw_all, 0.99);

    json_t *root = result_new("run", o.out);
    json_object_set_new(root, "plane", json_string(o.plane));
    json_object_set_new(root, "workload", json_string(w.name));
    json_object_set_new(root, "ranks", json_integer(w.world_size));
    json_object_set_new(root, "producers", json_integer(nprod));
    json_object_set_new(root, "duration_s", json_real((double)(t_stop - t_start) / 1e9));
    json_object_set_new(root, "steps", json_integer((json_int_t)steps_at_stop));
    json_object_set_new(root, "steps_trained", json_integer((json_int_t)barriers_at_stop));
    json_object_set_new(root, "steps_per_s", json_real(steps_per_s));
    json_object_set_new(root, "ideal_steps_per_s", json_real(ideal));
    json_object_set_new(root, "fraction_of_ideal", json_real(ideal > 0 ? steps_per_s / ideal : 0));
    json_object_set_new(root, "step_wait_ms_p50", json_real(p50));
    json_object_set_new(root, "step_wait_ms_p99", json_real(p99));
    json_t *cdf = json_array();
    for (int k = 0; k <= 100; k++)
        json_array_append_new(cdf, json_real(pct(waits, nw_all, k / 100.0)));
    json_object_set_new(root, "step_wait_ms_cdf", cdf);
    /* The job's step times (barrier to barrier) after the warm-up. */
    size_t nst = 0;
    uint32_t *st = malloc((s_n + 1) * sizeof *st);
    for (uint64_t b = RUN_WARMUP_STEPS; st && b < s_n; b++)
        if (s_n - b < WL_STEP_LOG_MAX)
            st[nst++] = (uint32_t)((S->step_ns[b % WL_STEP_LOG_MAX] -
                                    S->step_ns[(b - 1) % WL_STEP_LOG_MAX]) / 1000u);
    if (nst)
        qsort(st, nst, sizeof *st, cmp_u32);
    json_object_set_new(root, "step_time_ms_p50", nst ? json_real(pct(st, nst, 0.5)) : json_null());
    json_object_set_new(root, "step_time_ms_p99", nst ? json_real(pct(st, nst, 0.99)) : json_null());
    json_object_set_new(root, "step_time_ms_max", nst ? json_real(pct(st, nst, 1.0)) : json_null());
    free(st);
    json_object_set_new(root, "step_waits_counted", json_integer((json_int_t)nw_all));
    json_object_set_new(root, "ingest_mb_per_s",
                        plane_col ? json_null()
                                  : json_real((double)S->producer_bytes / 1e6 /
                                              ((double)(t_stop - t_start) / 1e9)));
    json_object_set_new(root, "mean_sample_bytes",
                        S->produced ? json_real((double)S->producer_bytes / (double)S->produced)
                                    : json_null());
    json_object_set_new(root, "samples_produced", json_integer((json_int_t)S->produced));
    json_object_set_new(root, "samples_delivered", json_integer((json_int_t)S->delivered));
    json_object_set_new(root, "produce_errors", json_integer((json_int_t)S->produce_errors));
    json_object_set_new(root, "samples_read", json_integer((json_int_t)samples));
    json_object_set_new(root, "bad_samples", json_integer((json_int_t)bad));
    json_object_set_new(root, "duplicates", json_integer((json_int_t)sc.duplicates));
    json_object_set_new(root, "skipped", json_integer((json_int_t)sc.skipped));
    json_object_set_new(root, "trimmed_offsets", json_integer((json_int_t)gaps));
    json_object_set_new(root, "processes_killed_at_stop", json_integer(killed));
    json_object_set_new(root, "early_exit", json_boolean(died));
    json_object_set_new(root, "cpu_s", json_pack("{s:f, s:f}", "producers", P.cpu_prod,
                                                 "ranks", P.cpu_rank));
    json_object_set_new(root, "read_amplification",
                        plane_ls ? read_amp(store_uri, w.world_size, steps_at_stop) : json_null());
    json_object_set_new(root, "store_usage",
                        plane_ls ? store_usage(store_uri, RUN_TOPIC) : json_null());
    json_object_set_new(root, "baseline", baseline ? json_string(baseline) : json_null());
    json_object_set_new(root, "kafka", plane_kafka ? run_kafka_json(&K) : json_null());
    json_object_set_new(root, "inject", o.inject ? json_string(o.inject) : json_null());
    json_object_set_new(root, "failure",
                        inj.kind ? failure_json(&P, S, &I, &sc, t_start, barriers_at_stop,
                                                steps_at_stop, died)
                                 : json_null());
    json_object_set_new(root, "seed", json_integer((json_int_t)w.seed));
    json_t *cfg = json_object();
    json_object_set_new(cfg, "workload_file", json_string(o.workload));
    json_object_set_new(cfg, "global_batch", json_integer(w.global_batch));
    json_object_set_new(cfg, "step_time_ms", json_real(w.step_time_ms));
    json_object_set_new(cfg, "preprocess_ms_per_mb", json_real(w.preprocess_ms_per_mb));
    json_object_set_new(cfg, "preprocess_fixed_ms", json_real(w.preprocess_fixed_ms));
    json_object_set_new(cfg, "producer_workers", json_integer(w.producer_workers));
    json_object_set_new(cfg, "colocated_workers_per_rank", json_integer(w.colocated_workers));
    json_object_set_new(cfg, "checkpoint_every_steps", json_integer(w.checkpoint_every_steps));
    json_object_set_new(cfg, "lead_steps", json_integer(RUN_LEAD_STEPS));
    json_object_set_new(cfg, "producer_nice", json_integer(WL_PRODUCER_NICE));
    json_object_set_new(cfg, "warmup_steps", json_integer(RUN_WARMUP_STEPS));
    json_object_set_new(cfg, "store", plane_ls ? json_string(store_uri) : json_null());
    json_object_set_new(cfg, "bootstrap", plane_kafka ? json_string(bootstrap) : json_null());
    json_object_set_new(root, "config", cfg);
    json_object_set_new(root, "timeline", timeline);
    json_object_set_new(root, "events", events);
    snprintf(path, sizeof path, "%s/result.json", o.out);
    result_write(root, 0, path);
    printf("%s on %s: %llu steps, %.3f steps/s (ideal %.3f, %.2f), step wait p50 %.1f ms "
           "p99 %.1f ms, %llu duplicates, %llu skipped -> %s\n", w.name, o.plane,
           (unsigned long long)steps_at_stop, steps_per_s, ideal,
           ideal > 0 ? steps_per_s / ideal : 0, p50, p99, (unsigned long long)sc.duplicates,
           (unsigned long long)sc.skipped, path);
    json_t *f = json_object_get(root, "failure");
    if (json_is_object(f))
        printf("  %s: training continued %s, recovery %.2f s, identical steps %s\n",
               o.inject, json_is_true(json_object_get(f, "training_continued")) ? "yes" : "no",
               json_number_value(json_object_get(f, "recovery_s")),
               json_is_null(json_object_get(f, "identical_steps"))
                   ? "n/a"
                   : json_is_true(json_object_get(f, "identical_steps")) ? "yes" : "no");
    json_decref(root);
    free(waits);
    free(P.pids);
    free(P.restarts);
    return died ? 1 : 0;
}
