/*
 * run.c -- lakestream-bench run WORKLOAD --plane lakestream|kafka|colocated
 * (docs/workloads.md): one workload on one data plane.  Ranks and
 * producers are processes (harness/worker.c, built against the shim and
 * against librdkafka); a rank's GPU step is simulated and the ranks meet at
 * a barrier each step; everything else is real.  Writes DIR/result.json.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "bench.h"
#include "lakestream.h"
#include "workload.h"

#define RUN_TOPIC "samples"
#define RUN_LEAD_STEPS 4      /* producers stay at most this far ahead */
#define RUN_STOP_GRACE_S 30   /* after stop, how long processes may take */
#define RUN_AMP_RANKS 3       /* ranks whose reads are replayed for read amplification */

typedef struct run_opts {
    const char *workload, *plane, *store, *bootstrap, *out, *inject;
    long ranks, producers;
    double duration_s;
} run_opts;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: lakestream-bench run WORKLOAD --plane lakestream|kafka|colocated --out DIR\n"
        "         [--ranks W] [--producers P] [--duration-s D] [--store URI]\n"
        "         [--bootstrap-servers LIST]\n"
        "  One workload (workloads/*.conf) on one data plane; DIR/result.json\n"
        "  (schema: docs/workloads.md).  Defaults: W and P from the workload,\n"
        "  D = 30, store file://DIR/store, kafka: librdkafka's mock cluster.\n");
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lakestream-bench run: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static char exe_dir[PATH_MAX];

static void find_exe_dir(void)
{
    ssize_t n = readlink("/proc/self/exe", exe_dir, sizeof exe_dir - 1);
    if (n <= 0)
        fail("readlink /proc/self/exe: %s", strerror(errno));
    exe_dir[n] = '\0';
    char *slash = strrchr(exe_dir, '/');
    if (slash)
        *slash = '\0';
}

/* Spawn a worker; stdin from /dev/null unless in_fd >= 0; stdout to out_fd
 * (or the log), stderr to DIR/logs/<name>.log. */
static pid_t spawn(const char *bin, char *const argv[], const char *log, int in_fd, int out_fd)
{
    pid_t pid = fork();
    if (pid < 0)
        fail("fork: %s", strerror(errno));
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
        fail("%s: %s", path, strerror(errno));
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
    return j;
}

int run_main(int argc, char **argv)
{
    run_opts o = {.duration_s = 30};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (a[0] != '-') {
            if (o.workload)
                fail("one workload only (got %s and %s)", o.workload, a);
            o.workload = a;
            continue;
        }
        if (i + 1 >= argc)
            fail("%s needs a value", a);
        const char *v = argv[++i];
        char *end;
        if (!strcmp(a, "--plane")) o.plane = v;
        else if (!strcmp(a, "--out")) o.out = v;
        else if (!strcmp(a, "--store")) o.store = v;
        else if (!strcmp(a, "--bootstrap-servers")) o.bootstrap = v;
        else if (!strcmp(a, "--inject")) o.inject = v;
        else if (!strcmp(a, "--ranks") || !strcmp(a, "--producers")) {
            long x = strtol(v, &end, 10);
            if (*end || x < 1 || x > (long)(a[2] == 'r' ? WL_RANKS_MAX : WL_PRODUCERS_MAX))
                fail("%s %s: out of range", a, v);
            if (a[2] == 'r') o.ranks = x; else o.producers = x;
        } else if (!strcmp(a, "--duration-s")) {
            o.duration_s = strtod(v, &end);
            if (*end || !(o.duration_s > 0 && o.duration_s <= 86400))
                fail("--duration-s %s: 0 < D <= 86400", v);
        } else
            fail("unknown option %s (see --help)", a);
    }
    if (!o.workload || !o.plane || !o.out) {
        usage(stderr);
        return 2;
    }
    int plane_ls = !strcmp(o.plane, "lakestream"), plane_kafka = !strcmp(o.plane, "kafka"),
        plane_col = !strcmp(o.plane, "colocated");
    if (!plane_ls && !plane_kafka && !plane_col)
        fail("--plane %s: lakestream, kafka or colocated", o.plane);
    if (o.inject)
        fail("--inject is not implemented yet (docs/workloads.md)");
    if (o.bootstrap && !plane_kafka)
        fail("--bootstrap-servers is for --plane kafka");
    if (o.store && !plane_ls)
        fail("--store is for --plane lakestream");

    wl_workload w;
    char err[512];
    if (wl_load(o.workload, &w, err, sizeof err))
        fail("%s", err);
    if (o.ranks)
        w.world_size = (uint32_t)o.ranks;
    if (o.producers)
        w.producers = (uint32_t)o.producers;
    if (w.global_batch % w.world_size)
        fail("global batch %u is not a multiple of %u ranks", w.global_batch, w.world_size);
    find_exe_dir();
    if (mkdir(o.out, 0755) && errno != EEXIST)
        fail("%s: %s", o.out, strerror(errno));
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
    wl_shm *S = wl_shm_create(shm_path, w.world_size);
    if (!S)
        fail("%s: cannot create the run state", shm_path);

    char bin_ls[PATH_MAX + 64], bin_kafka[PATH_MAX + 64];
    snprintf(bin_ls, sizeof bin_ls, "%s/lakestream-bench-worker-ls", exe_dir);
    snprintf(bin_kafka, sizeof bin_kafka, "%s/lakestream-bench-worker-kafka", exe_dir);
    const char *bin = plane_kafka ? bin_kafka : bin_ls;
    if (access(bin, X_OK))
        fail("%s: %s (build the project)", bin, strerror(errno));

    /* The plane. */
    char store_uri[PATH_MAX + 64] = "", bootstrap[PATH_MAX + 64] = "";
    pid_t mock_pid = -1;
    int mock_in = -1;
    const char *baseline = NULL;
    if (plane_ls) {
        if (o.store)
            snprintf(store_uri, sizeof store_uri, "%s", o.store);
        else {
            char abs[PATH_MAX];
            if (!realpath(o.out, abs))
                fail("%s: %s", o.out, strerror(errno));
            snprintf(store_uri, sizeof store_uri, "file://%s/store", abs);
        }
        ls_store *st;
        int rc = ls_store_open(store_uri, NULL, &st);
        if (rc)
            fail("store %s: %s", store_uri, ls_errmsg());
        rc = ls_table_create(st, RUN_TOPIC, w.global_batch, LS_CODEC_NONE);
        ls_store_close(st);
        if (rc == LS_ERR_EXISTS)
            fail("store %s already holds a table %s: use a fresh --store or --out", store_uri,
                 RUN_TOPIC);
        if (rc)
            fail("creating table %s: %s", RUN_TOPIC, ls_errmsg());
        snprintf(bootstrap, sizeof bootstrap, "%s", store_uri);
    } else if (plane_kafka && o.bootstrap) {
        snprintf(bootstrap, sizeof bootstrap, "%s", o.bootstrap);
        baseline = "kafka";
    } else if (plane_kafka) {
        int in[2], outp[2];
        if (pipe2(in, O_CLOEXEC) || pipe2(outp, O_CLOEXEC))
            fail("pipe: %s", strerror(errno));
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
            fail("the mock cluster did not start (%s/mock.log)", logs);
        bootstrap[strcspn(bootstrap, "\n")] = '\0';
        fclose(mf);
        baseline = "librdkafka-mock";
    }

    /* Processes. */
    uint32_t nprod = plane_col ? 0 : w.producers;
    uint32_t nproc = nprod + w.world_size;
    pid_t *pids = calloc(nproc, sizeof *pids);
    char lead[16];
    snprintf(lead, sizeof lead, "%d", RUN_LEAD_STEPS);
    uint64_t t_start = wl_now_ns();
    for (uint32_t j = 0; j < nprod; j++) {
        char idx[16], pid_prop[64];
        snprintf(idx, sizeof idx, "%u", j);
        snprintf(pid_prop, sizeof pid_prop, "lakestream.producer.id=bench-p%u", j);
        char *av[32];
        int n = 0;
        av[n++] = (char *)bin;
        av[n++] = "producer";
        av[n++] = "--shm"; av[n++] = shm_path;
        av[n++] = "--workload"; av[n++] = wpath;
        av[n++] = "--index"; av[n++] = idx;
        av[n++] = "--bootstrap"; av[n++] = bootstrap;
        av[n++] = "--topic"; av[n++] = RUN_TOPIC;
        av[n++] = "--lead"; av[n++] = lead;
        av[n++] = "-X"; av[n++] = "enable.idempotence=true";
        if (plane_ls) {
            av[n++] = "-X"; av[n++] = pid_prop;
            av[n++] = "-X"; av[n++] = "linger.ms=50";
        } else {
            av[n++] = "-X"; av[n++] = "linger.ms=5";
        }
        av[n] = NULL;
        snprintf(path, sizeof path, "%s/producer-%u.log", logs, j);
        pids[j] = spawn(bin, av, path, -1, -1);
    }
    for (uint32_t r = 0; r < w.world_size; r++) {
        char rk[16], rprop[48], wprop[48];
        snprintf(rk, sizeof rk, "%u", r);
        snprintf(rprop, sizeof rprop, "lakestream.rank=%u", r);
        snprintf(wprop, sizeof wprop, "lakestream.world.size=%u", w.world_size);
        char *av[32];
        int n = 0;
        av[n++] = (char *)bin;
        av[n++] = plane_col ? "colocated" : "rank";
        av[n++] = "--shm"; av[n++] = shm_path;
        av[n++] = "--workload"; av[n++] = wpath;
        av[n++] = "--rank"; av[n++] = rk;
        av[n++] = "--out"; av[n++] = (char *)o.out;
        if (!plane_col) {
            av[n++] = "--bootstrap"; av[n++] = bootstrap;
            av[n++] = "--topic"; av[n++] = RUN_TOPIC;
            av[n++] = "-X"; av[n++] = "group.id=bench";
            av[n++] = "-X"; av[n++] = "enable.auto.commit=false";
        }
        if (plane_ls) {
            av[n++] = "-X"; av[n++] = rprop;
            av[n++] = "-X"; av[n++] = wprop;
        }
        av[n] = NULL;
        snprintf(path, sizeof path, "%s/rank-%u.log", logs, r);
        pids[nprod + r] = spawn(bin, av, path, -1, -1);
    }

    /* Progress, and the step timeline. */
    int tty = isatty(2);
    uint64_t last_print = 0;
    uint64_t deadline = t_start + (uint64_t)(o.duration_s * 1e9);
    json_t *timeline = json_array();
    uint64_t last_tl = 0;
    int died = 0;
    while (wl_now_ns() < deadline && !died) {
        wl_sleep_ns(100000000);
        uint64_t now = wl_now_ns(), steps = S->steps_done;
        if (now - last_tl >= 1000000000u) {
            last_tl = now;
            json_t *p = json_pack("{s:f, s:I, s:I}", "t_s", (double)(now - t_start) / 1e9,
                                  "steps", (json_int_t)steps, "produced",
                                  (json_int_t)S->produced);
            json_array_append_new(timeline, p);
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
            if (pids[i] > 0 && waitpid(pids[i], &status, WNOHANG) == pids[i]) {
                pids[i] = -1;
                fprintf(stderr, "%slakestream-bench run: %s %u exited early (status %d); "
                        "see %s\n", tty ? "\n" : "", i < nprod ? "producer" : "rank",
                        i < nprod ? i : i - nprod, status, logs);
                died = 1;
            }
        }
    }
    uint64_t t_stop = wl_now_ns();
    uint64_t steps_at_stop = S->steps_done;
    S->stop = 1;
    if (tty)
        fputc('\n', stderr);
    /* Wake barrier waiters, then collect everyone. */
    pthread_mutex_lock(&S->mu);
    pthread_cond_broadcast(&S->cv);
    pthread_mutex_unlock(&S->mu);
    uint64_t grace = wl_now_ns() + RUN_STOP_GRACE_S * 1000000000ull;
    int killed = 0;
    for (uint32_t i = 0; i < nproc; i++) {
        while (pids[i] > 0) {
            int status;
            if (waitpid(pids[i], &status, WNOHANG) == pids[i])
                pids[i] = -1;
            else if (wl_now_ns() > grace) {
                kill(pids[i], SIGKILL);
                waitpid(pids[i], &status, 0);
                pids[i] = -1;
                killed++;
            } else
                wl_sleep_ns(20000000);
        }
    }
    if (mock_pid > 0) {
        close(mock_in);
        waitpid(mock_pid, NULL, 0);
    }

    /* Results. */
    /* From the first step's end to the last step's end, as the barrier
     * recorded them: start-up and the stop are not counted. */
    uint64_t s_first = S->first_step_ns, s_last = S->last_step_ns, s_n = S->steps_done;
    double dur = s_n > 1 ? (double)(s_last - s_first) / 1e9 : 0;
    double steps_per_s = dur > 0 ? (double)(s_n - 1) / dur : 0;
    double ideal = w.step_time_ms > 0 ? 1000.0 / w.step_time_ms : 0;
    size_t nw_all = 0, cap = 0;
    uint32_t *waits = NULL;
    uint64_t *seen = NULL;
    size_t nseen = 0;
    uint64_t bad = 0, samples = 0;
    for (uint32_t r = 0; r < w.world_size; r++) {
        size_t len;
        snprintf(path, sizeof path, "%s/rank-%u.waits", o.out, r);
        uint32_t *wv = slurp(path, &len);
        size_t n = len / sizeof *wv;
        if (n > 1) {  /* the first step includes start-up: not a stall */
            if (nw_all + n > cap) {
                cap = (nw_all + n) * 2;
                waits = realloc(waits, cap * sizeof *waits);
            }
            memcpy(waits + nw_all, wv + 1, (n - 1) * sizeof *wv);
            nw_all += n - 1;
        }
        free(wv);
        snprintf(path, sizeof path, "%s/rank-%u.seen", o.out, r);
        uint64_t *sv = slurp(path, &len);
        n = len / sizeof *sv;
        seen = realloc(seen, (nseen + n + 1) * sizeof *seen);
        if (n)
            memcpy(seen + nseen, sv, n * sizeof *sv);
        nseen += n;
        free(sv);
        bad += S->ranks[r].bad_samples;
        samples += S->ranks[r].samples;
    }
    qsort(waits, nw_all, sizeof *waits, cmp_u32);
    qsort(seen, nseen, sizeof *seen, cmp_u64);
    uint64_t dups = 0;
    for (size_t i = 1; i < nseen; i++)
        dups += seen[i] == seen[i - 1];
    double p50 = nw_all ? waits[(size_t)(0.50 * (double)(nw_all - 1))] / 1000.0 : 0;
    double p99 = nw_all ? waits[(size_t)(0.99 * (double)(nw_all - 1))] / 1000.0 : 0;

    json_t *root = json_object();
    json_object_set_new(root, "benchmark", json_string("run"));
    json_object_set_new(root, "plane", json_string(o.plane));
    json_object_set_new(root, "workload", json_string(w.name));
    json_object_set_new(root, "ranks", json_integer(w.world_size));
    json_object_set_new(root, "producers", json_integer(nprod));
    json_object_set_new(root, "duration_s", json_real((double)(t_stop - t_start) / 1e9));
    json_object_set_new(root, "steps", json_integer((json_int_t)steps_at_stop));
    json_object_set_new(root, "steps_per_s", json_real(steps_per_s));
    json_object_set_new(root, "ideal_steps_per_s", json_real(ideal));
    json_object_set_new(root, "fraction_of_ideal", json_real(ideal > 0 ? steps_per_s / ideal : 0));
    json_object_set_new(root, "step_wait_ms_p50", json_real(p50));
    json_object_set_new(root, "step_wait_ms_p99", json_real(p99));
    json_object_set_new(root, "step_waits_counted", json_integer((json_int_t)nw_all));
    json_object_set_new(root, "ingest_mb_per_s",
                        plane_col ? json_null()
                                  : json_real((double)S->producer_bytes / 1e6 /
                                              ((double)(t_stop - t_start) / 1e9)));
    json_object_set_new(root, "samples_produced", json_integer((json_int_t)S->produced));
    json_object_set_new(root, "samples_delivered", json_integer((json_int_t)S->delivered));
    json_object_set_new(root, "produce_errors", json_integer((json_int_t)S->produce_errors));
    json_object_set_new(root, "samples_read", json_integer((json_int_t)samples));
    json_object_set_new(root, "bad_samples", json_integer((json_int_t)bad));
    json_object_set_new(root, "duplicates", json_integer((json_int_t)dups));
    json_object_set_new(root, "processes_killed_at_stop", json_integer(killed));
    json_object_set_new(root, "early_exit", json_boolean(died));
    json_object_set_new(root, "read_amplification",
                        plane_ls ? read_amp(store_uri, w.world_size, steps_at_stop) : json_null());
    json_object_set_new(root, "baseline", baseline ? json_string(baseline) : json_null());
    json_object_set_new(root, "seed", json_integer((json_int_t)w.seed));
    git_json(root);
    json_object_set_new(root, "machine", machine_json(o.out));
    json_t *cfg = json_object();
    json_object_set_new(cfg, "workload_file", json_string(o.workload));
    json_object_set_new(cfg, "global_batch", json_integer(w.global_batch));
    json_object_set_new(cfg, "step_time_ms", json_real(w.step_time_ms));
    json_object_set_new(cfg, "preprocess_ms_per_mb", json_real(w.preprocess_ms_per_mb));
    json_object_set_new(cfg, "preprocess_fixed_ms", json_real(w.preprocess_fixed_ms));
    json_object_set_new(cfg, "producer_workers", json_integer(w.producer_workers));
    json_object_set_new(cfg, "colocated_workers_per_rank", json_integer(w.colocated_workers));
    json_object_set_new(cfg, "lead_steps", json_integer(RUN_LEAD_STEPS));
    json_object_set_new(cfg, "store", plane_ls ? json_string(store_uri) : json_null());
    json_object_set_new(cfg, "bootstrap", plane_kafka ? json_string(bootstrap) : json_null());
    json_object_set_new(root, "config", cfg);
    json_object_set_new(root, "timeline", timeline);
    snprintf(path, sizeof path, "%s/result.json", o.out);
    if (json_dump_file(root, path, JSON_INDENT(2) | JSON_SORT_KEYS))
        fail("%s: cannot write", path);
    printf("%s on %s: %llu steps, %.3f steps/s (ideal %.3f, %.2f), step wait p50 %.1f ms "
           "p99 %.1f ms, %llu duplicates -> %s\n", w.name, o.plane,
           (unsigned long long)steps_at_stop, steps_per_s, ideal,
           ideal > 0 ? steps_per_s / ideal : 0, p50, p99, (unsigned long long)dups, path);
    json_decref(root);
    free(waits);
    free(seen);
    free(pids);
    return died ? 1 : 0;
}
