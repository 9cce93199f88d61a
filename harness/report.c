/*
 * report.c -- lakestream-bench report DIR... --out REPORT_DIR
 * (docs/bench-report.md): checks the result.json of runs of `lakestream-bench
 * run` and writes a Markdown report of them, with the project's targets, the
 * failure runs, the caveats, and plots drawn by gnuplot.
 *
 * Layout: limits and types; text helpers; loading and checking a result (the
 * reader and the run result's field table are harness/result.c's); the
 * staging directory (every file is written under REPORT_DIR/.report-XXXXXX
 * and renamed into REPORT_DIR at the end, report.md last, so that a failed
 * report leaves none behind); gnuplot; the plots; the
 * sections of report.md; command line.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "args.h"
#include "bench.h"
#include "die.h"
#include "result.h"

#define PROG "lakestream-bench report"

#define REPORT_INPUTS_MAX        64          /* results one report reads */
#define REPORT_TEXT_MAX          160         /* bytes of a string from a result copied into the report */
#define REPORT_TEXT_BYTES        (REPORT_TEXT_MAX + 4)  /* a buffer for one: the text and "..." */
#define REPORT_SLUG_MAX          40          /* bytes of a workload name in a file name */
#define REPORT_NAME_BYTES        128         /* a file name in REPORT_DIR */
#define REPORT_PATH_BYTES        (PATH_MAX + REPORT_NAME_BYTES + 16)
#define REPORT_EVENTS_LABELLED   20          /* events labelled on a failure plot and listed */
#define REPORT_EVENT_LABEL_GAP   0.04        /* closer events (fraction of the time axis) stack labels */
#define REPORT_WAIT_FLOOR_MS     0.001       /* waits are whole microseconds: 0 is drawn here */
#define REPORT_SHORT_RUN_S       60.0        /* a run shorter than this is called short */
#define REPORT_GNUPLOT_OUTPUT_BYTES (64u << 10) /* of `gnuplot -e "set terminal"`, read */

/* The project's targets (issue 7). */
#define TARGET_FRACTION_OF_IDEAL      0.95   /* lakestream steps/s of the ideal, every workload */
#define TARGET_VS_COLOCATED           2.0    /* lakestream steps/s over colocated ... */
#define TARGET_VS_COLOCATED_WORKLOAD  "multimodal-pretrain"  /* ... on this workload */
#define TARGET_P99_VS_KAFKA           0.5    /* lakestream step-wait p99 over kafka's */

/* The project's workloads (the files in workloads/): a target on each is listed as
 * "not measured" when no result covers it. */
static const char *const project_workloads[] = { "multimodal-pretrain", "sft" };

enum { PLANE_LS, PLANE_KAFKA, PLANE_COL, PLANES };
static const char *const plane_names[PLANES] = { "lakestream", "kafka", "colocated" };

/* One result.json.  Every pointer points into root, which the result owns. */
typedef struct result {
    char        path[REPORT_PATH_BYTES];  /* the file read, as named on the command line */
    char        real[PATH_MAX];           /* its realpath(): the same file given twice */
    json_t     *root;
    int         index;                    /* 1-based, as the report numbers it */
    int         plane;                    /* PLANE_* */
    const char *workload;
    const char *inject;                   /* NULL: a run without --inject */
    const json_t *failure;                /* NULL: none recorded */
    int         not_injected;             /* a failure object says "injected": false */
} result;

typedef struct report {
    result      res[REPORT_INPUTS_MAX];
    size_t      nres;
    const char *workloads[REPORT_INPUTS_MAX];  /* distinct, in order of first appearance */
    char        slugs[REPORT_INPUTS_MAX][REPORT_SLUG_MAX + 8];  /* their names in file names */
    size_t      nworkloads;
    const char *out;                      /* REPORT_DIR, as given */
    char        stage[PATH_MAX];          /* REPORT_DIR/.report-XXXXXX while writing, or "" */
    int         created_out;              /* REPORT_DIR was made by this run */
    const char *terminal;                 /* gnuplot's "pngcairo" or "png" */
    FILE       *md;                       /* report.md in stage */
} report;

#define fail(...) die_warn(NULL, __VA_ARGS__)   /* prints; -1: report_main unwinds */

static void md(report *R, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void md(report *R, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(R->md, fmt, ap);  /* errors are caught by stage_close() */
    va_end(ap);
}

/* ---- text ----------------------------------------------------------------- */

/* src made safe for a Markdown table cell and a quoted gnuplot string, in
 * dst (size bytes): at most REPORT_TEXT_MAX bytes, cut at a character
 * boundary and marked "...", control characters as spaces, and | ` ' " \ < >
 * as '_'.  Returns dst. */
static const char *text(char *dst, size_t size, const char *src)
{
    size_t max = size - 4 < REPORT_TEXT_MAX ? size - 4 : REPORT_TEXT_MAX, n = 0;
    if (!src)
        src = "";
    for (; src[n] && n < max; n++) {
        unsigned char c = (unsigned char)src[n];
        dst[n] = c < 0x20 || c == 0x7f ? ' ' : strchr("|`'\"\\<>", c) ? '_' : (char)c;
    }
    if (src[n]) {
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;  /* do not cut a UTF-8 sequence */
        memcpy(dst + n, "...", 3);
        n += 3;
    }
    dst[n] = '\0';
    return dst;
}

/* src as a file name part: [A-Za-z0-9._-], others as '_', at most
 * REPORT_SLUG_MAX bytes. */
static void slug(char *dst, size_t size, const char *src)
{
    size_t n = 0;
    for (; src[n] && n < REPORT_SLUG_MAX && n + 1 < size; n++) {
        char c = src[n];
        dst[n] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-' ? c : '_';
    }
    dst[n] = '\0';
}

static json_t *get(const json_t *o, const char *k) { return json_object_get(o, k); }
static double num(const json_t *o, const char *k) { return json_number_value(get(o, k)); }
static long long count(const json_t *o, const char *k) { return json_integer_value(get(o, k)); }
static const char *str(const json_t *o, const char *k) { return json_string_value(get(o, k)); }
static const char *yes_no(const json_t *b) { return json_is_null(b) || !b ? "n/a" : json_is_true(b) ? "yes" : "no"; }

/* "#3 sft on kafka" (with ", producer-kill:at=10" for an injected run). */
static const char *run_name(const result *r, char *buf, size_t size)
{
    char w[REPORT_TEXT_BYTES], inj[REPORT_TEXT_BYTES];
    snprintf(buf, size, "#%d %s on %s%s%s", r->index, text(w, sizeof w, r->workload),
             plane_names[r->plane], r->inject ? ", " : "",
             r->inject ? text(inj, sizeof inj, r->inject) : "");
    return buf;
}

/* ---- loading and checking a result ---------------------------------------- */

/* Read and check the result named by arg (a run directory or a result.json). */
static int report_load(result *r, const char *arg)
{
    struct stat sb;
    if (stat(arg, &sb) != 0)
        return fail("%s: %s", arg, strerror(errno));
    size_t len = strlen(arg);
    while (len > 1 && arg[len - 1] == '/')
        len--;
    int n = S_ISDIR(sb.st_mode) ? snprintf(r->path, sizeof r->path, "%.*s/result.json", (int)len, arg)
                                : snprintf(r->path, sizeof r->path, "%s", arg);
    if (n < 0 || (size_t)n >= sizeof r->path)
        return fail("%s: path too long", arg);
    if (!realpath(r->path, r->real))
        return fail("%s: %s", r->path, strerror(errno));
    result_file rf;
    char err[RESULT_ERR_BYTES];
    if (result_load(&rf, r->path, NULL, err, sizeof err))
        return fail("%s", err);
    r->root = rf.root;
    const json_t *b = get(r->root, "benchmark");
    char buf[REPORT_TEXT_BYTES];
    if (!b)
        return fail("%s: field \"benchmark\" is missing (not a result of lakestream-bench run)",
                    r->path);
    if (!json_is_string(b) || strcmp(json_string_value(b), "run"))
        return fail("%s: field \"benchmark\": expected \"run\", got %s%s%s (not a result of "
                    "lakestream-bench run)", r->path, json_is_string(b) ? "\"" : "",
                    json_is_string(b) ? text(buf, sizeof buf, json_string_value(b)) : result_got(b, buf, sizeof buf),
                    json_is_string(b) ? "\"" : "");
    if (result_check(r->path, r->root, result_run_fields, ""))
        return -1;
    const char *plane = str(r->root, "plane");
    r->plane = -1;
    for (int p = 0; p < PLANES; p++)
        if (!strcmp(plane, plane_names[p]))
            r->plane = p;
    if (r->plane < 0)
        return fail("%s: field \"plane\": expected lakestream, kafka or colocated, got \"%s\"",
                    r->path, text(buf, sizeof buf, plane));
    r->workload = str(r->root, "workload");
    r->inject = str(r->root, "inject");
    const json_t *f = get(r->root, "failure");
    if (json_is_object(f)) {
        /* A failure that did not happen (the run ended first) has no figures. */
        int none = json_is_false(get(f, "injected"));
        if (result_check(r->path, f, none ? result_run_not_injected_fields
                                        : result_run_failure_fields, "failure."))
            return -1;
        r->failure = none ? NULL : f;
        r->not_injected = none;
    }
    return 0;
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Load every argument; the same file given twice is read once; two files
 * for one (workload, plane, inject) are refused. */
static int results_load(report *R, char **inputs, size_t nargs)
{
    for (size_t i = 0; i < nargs; i++) {
        result *r = &R->res[R->nres];
        if (report_load(r, inputs[i]))
            return -1;
        int dup = 0;
        for (size_t j = 0; j < R->nres && !dup; j++) {
            const result *q = &R->res[j];
            if (!strcmp(q->real, r->real)) {
                fprintf(stderr, "%s: %s is given twice; read once\n", PROG, r->path);
                dup = 1;
            } else if (!strcmp(q->workload, r->workload) && q->plane == r->plane &&
                       same(q->inject, r->inject)) {
                char w[REPORT_TEXT_BYTES], inj[REPORT_TEXT_BYTES];
                return fail("%s and %s are both %s on %s%s%s: give one result per workload, "
                            "plane and --inject", q->path, r->path, text(w, sizeof w, r->workload),
                            plane_names[r->plane], r->inject ? " with --inject " : " without --inject",
                            r->inject ? text(inj, sizeof inj, r->inject) : "");
            }
        }
        if (dup) {
            json_decref(r->root);
            memset(r, 0, sizeof *r);
            continue;
        }
        r->index = (int)++R->nres;
    }
    /* The workloads, and a file name part for each that no other shares. */
    for (size_t i = 0; i < R->nres; i++) {
        size_t w = 0;
        while (w < R->nworkloads && strcmp(R->workloads[w], R->res[i].workload))
            w++;
        if (w < R->nworkloads)
            continue;
        R->workloads[w] = R->res[i].workload;
        char *s = R->slugs[w];
        slug(s, sizeof R->slugs[w], R->res[i].workload);
        if (!*s)
            snprintf(s, sizeof R->slugs[w], "workload");
        for (size_t k = 0; k < w; k++)
            if (!strcmp(R->slugs[k], s)) {
                snprintf(s + strlen(s), sizeof R->slugs[w] - strlen(s), "-%zu", w + 1);
                break;
            }
        R->nworkloads++;
    }
    return 0;
}

/* The index of r's workload in R->workloads. */
static size_t workload_of(const report *R, const result *r)
{
    size_t w = 0;
    while (w + 1 < R->nworkloads && strcmp(R->workloads[w], r->workload))
        w++;
    return w;
}

/* The result of a run of workload on plane without --inject, or NULL. */
static const result *steady(const report *R, const char *workload, int plane)
{
    for (size_t i = 0; i < R->nres; i++)
        if (!R->res[i].inject && R->res[i].plane == plane && !strcmp(R->res[i].workload, workload))
            return &R->res[i];
    return NULL;
}

/* What is wrong with a run that must be seen first ("" if nothing). */
static const char *run_flags(const result *r, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    long long killed = count(r->root, "processes_killed_at_stop"), bad = count(r->root, "bad_samples");
    if (json_is_true(get(r->root, "early_exit")))
        n += (size_t)snprintf(buf + n, size - n, "a worker process exited during the run (early_exit); ");
    if (killed > 0 && n < size)
        n += (size_t)snprintf(buf + n, size - n, "%lld process%s did not stop and %s killed; ", killed,
                              killed == 1 ? "" : "es", killed == 1 ? "was" : "were");
    if (bad > 0 && n < size)
        n += (size_t)snprintf(buf + n, size - n, "%lld bad samples; ", bad);
    if (!r->inject && count(r->root, "duplicates") > 0 && n < size)
        n += (size_t)snprintf(buf + n, size - n, "%lld duplicates without a failure injected; ",
                              count(r->root, "duplicates"));
    if (n >= 2 && n < size)
        buf[n - 2] = '\0';
    return buf;
}

/* ---- the staging directory ------------------------------------------------ */

/* REPORT_DIR (made if missing) and a fresh staging directory in it. */
static int stage_make(report *R)
{
    if (mkdir(R->out, 0777) == 0)
        R->created_out = 1;
    else if (errno != EEXIST)
        return fail("%s: cannot create: %s", R->out, strerror(errno));
    int n = snprintf(R->stage, sizeof R->stage, "%s/.report-XXXXXX", R->out);
    if (n < 0 || (size_t)n >= sizeof R->stage) {
        R->stage[0] = '\0';
        return fail("%s: path too long", R->out);
    }
    if (!mkdtemp(R->stage)) {
        int e = errno;
        R->stage[0] = '\0';
        return fail("%s: cannot create a directory in it: %s", R->out, strerror(e));
    }
    return 0;
}

static FILE *stage_open(report *R, const char *name)
{
    char path[REPORT_PATH_BYTES];
    snprintf(path, sizeof path, "%s/%s", R->stage, name);
    FILE *f = fopen(path, "w");
    if (!f)
        fail("%s: %s", path, strerror(errno));
    return f;
}

static int stage_close(report *R, FILE *f, const char *name)
{
    int bad = ferror(f);
    if (fclose(f) != 0)
        bad = 1;
    if (bad)
        return fail("%s/%s: write failed: %s", R->stage, name, strerror(errno));
    return 0;
}

/* Move every staged file into REPORT_DIR, report.md last. */
static int stage_commit(report *R)
{
    DIR *d = opendir(R->stage);
    if (!d)
        return fail("%s: %s", R->stage, strerror(errno));
    char from[REPORT_PATH_BYTES + NAME_MAX], to[REPORT_PATH_BYTES + NAME_MAX];
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, "report.md"))
            continue;
        snprintf(from, sizeof from, "%s/%s", R->stage, e->d_name);
        snprintf(to, sizeof to, "%s/%s", R->out, e->d_name);
        if (rename(from, to) != 0)
            rc = fail("rename %s to %s: %s", from, to, strerror(errno));
    }
    closedir(d);
    if (rc)
        return rc;
    snprintf(from, sizeof from, "%s/report.md", R->stage);
    snprintf(to, sizeof to, "%s/report.md", R->out);
    if (rename(from, to) != 0)
        return fail("rename %s to %s: %s", from, to, strerror(errno));
    if (rmdir(R->stage) != 0)
        fprintf(stderr, "%s: %s: cannot remove: %s\n", PROG, R->stage, strerror(errno));
    R->stage[0] = '\0';
    return 0;
}

/* After a failure: remove the staging directory, and REPORT_DIR if this run
 * made it and it is empty. */
static void stage_remove(report *R)
{
    if (R->stage[0]) {
        DIR *d = opendir(R->stage);
        struct dirent *e;
        char path[REPORT_PATH_BYTES + NAME_MAX];
        while (d && (e = readdir(d))) {
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(path, sizeof path, "%s/%s", R->stage, e->d_name);
                unlink(path);
            }
        }
        if (d)
            closedir(d);
        rmdir(R->stage);
        R->stage[0] = '\0';
    }
    if (R->created_out)
        rmdir(R->out);
}

/* ---- gnuplot ---------------------------------------------------------------- */

/* Run gnuplot with args (NULL-terminated), in dir if not NULL.  With out,
 * its stdout and stderr are read into out (size bytes, the rest dropped);
 * else its stdout is dropped and its stderr is ours.  Returns its exit
 * status (127: it could not be run), or -1. */
static int gnuplot_exec(const char *dir, const char *const *args, char *out, size_t size)
{
    int pfd[2] = { -1, -1 };
    if (out && pipe(pfd) != 0)
        return fail("pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        if (out) {
            close(pfd[0]);
            close(pfd[1]);
        }
        return fail("fork: %s", strerror(e));
    }
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        if (in >= 0)
            dup2(in, 0);
        int fd = out ? pfd[1] : open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            if (out)
                dup2(fd, 2);
        }
        if (out)
            close(pfd[0]);
        if (dir && chdir(dir) != 0)
            _exit(126);
        execvp("gnuplot", (char *const *)args);
        _exit(127);
    }
    if (out) {
        close(pfd[1]);
        size_t n = 0;
        char drain[4096];
        for (;;) {
            ssize_t k = n + 1 < size ? read(pfd[0], out + n, size - 1 - n) : read(pfd[0], drain, sizeof drain);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                break;
            if (n + 1 < size)
                n += (size_t)k;
        }
        out[n] = '\0';
        close(pfd[0]);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return fail("waitpid: %s", strerror(errno));
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WEXITSTATUS(st);
}

/* Is gnuplot there, and which PNG terminal does it have? */
static int gnuplot_check(report *R)
{
    static const char *const args[] = { "gnuplot", "-e", "set terminal", NULL };
    char *out = malloc(REPORT_GNUPLOT_OUTPUT_BYTES);
    if (!out)
        return fail("out of memory");
    int st = gnuplot_exec(NULL, args, out, REPORT_GNUPLOT_OUTPUT_BYTES);
    R->terminal = "png";
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
        if (!strncmp(line + strspn(line, " \t"), "pngcairo", 8))
            R->terminal = "pngcairo";
    free(out);
    if (st == 127)
        return fail("gnuplot is not installed or not in PATH: the plots need it (Debian: "
                    "apt-get install gnuplot-nox)");
    if (st != 0)
        return st < 0 ? -1 : fail("gnuplot -e 'set terminal' failed (exit status %d)", st);
    return 0;
}

/* Run NAME.gp in the staging directory and check that NAME.png is a PNG. */
static int gnuplot_run(report *R, const char *base)
{
    char gp[REPORT_NAME_BYTES + 8], png[REPORT_PATH_BYTES + 8];
    snprintf(gp, sizeof gp, "%s.gp", base);
    const char *const args[] = { "gnuplot", gp, NULL };
    fprintf(stderr, "%s: plotting %s.png\n", PROG, base);
    int st = gnuplot_exec(R->stage, args, NULL, 0);
    if (st == 127)
        return fail("gnuplot is not installed or not in PATH (Debian: apt-get install gnuplot-nox)");
    if (st != 0)
        return st < 0 ? -1 : fail("gnuplot %s failed (exit status %d; its messages are above)", gp, st);
    snprintf(png, sizeof png, "%s/%s.png", R->stage, base);
    unsigned char sig[8];
    FILE *f = fopen(png, "rb");
    int ok = f && fread(sig, 1, 8, f) == 8 && !memcmp(sig, "\x89PNG\r\n\x1a\n", 8);
    if (f)
        fclose(f);
    if (!ok)
        return fail("gnuplot %s wrote no PNG to %s.png", gp, base);
    return 0;
}

/* The first lines of every script: terminal and output. */
static void gp_begin(report *R, FILE *gp, const char *base, int width, int height)
{
    fprintf(gp, "# Drawn by lakestream-bench report; redraw with: gnuplot %s.gp\n", base);
    fprintf(gp, "set terminal %s noenhanced size %d,%d\n", R->terminal, width, height);
    fprintf(gp, "set output '%s.png'\n", base);
}

/* ---- plots ------------------------------------------------------------------ */

/* Steps/s of each plane as bars, the ideal as a segment over each. */
static int plot_throughput(report *R, size_t w)
{
    char base[REPORT_NAME_BYTES], name[REPORT_NAME_BYTES + 8], t[REPORT_TEXT_BYTES];
    snprintf(base, sizeof base, "throughput-%s", R->slugs[w]);
    snprintf(name, sizeof name, "%s.dat", base);
    FILE *f = stage_open(R, name);
    if (!f)
        return -1;
    fprintf(f, "# %s: plane, steps/s, ideal steps/s\n", text(t, sizeof t, R->workloads[w]));
    double ymax = 0;
    int nbars = 0;
    for (int p = 0; p < PLANES; p++) {
        const result *r = steady(R, R->workloads[w], p);
        if (!r)
            continue;
        double s = num(r->root, "steps_per_s"), ideal = num(r->root, "ideal_steps_per_s");
        fprintf(f, "%s %.6g %.6g\n", plane_names[p], s, ideal);
        ymax = s > ymax ? s : ymax;
        ymax = ideal > ymax ? ideal : ymax;
        nbars++;
    }
    if (stage_close(R, f, name))
        return -1;
    snprintf(name, sizeof name, "%s.gp", base);
    if (!(f = stage_open(R, name)))
        return -1;
    gp_begin(R, f, base, 800, 500);
    fprintf(f, "set title '%s: training steps/s by data plane (segment: ideal, 1000 / step time)'\n", t);
    fprintf(f, "set ylabel 'steps/s'\n");
    fprintf(f, "set style fill solid 0.5 border -1\nset boxwidth 0.6\nset grid ytics\n");
    fprintf(f, "set xrange [-0.5:%d.5]\nset yrange [0:%.6g]\nset key top right\n", nbars - 1,
            ymax > 0 ? ymax * 1.25 : 1);
    fprintf(f, "plot '%s.dat' using 0:2:xtic(1) with boxes lc rgb '#4477aa' title 'steps/s', \\\n"
               "     '' using ($0-0.4):3:(0.8):(0) with vectors nohead lw 2 lc rgb '#cc3311' "
               "title 'ideal', \\\n"
               "     '' using 0:2:(sprintf('%%.2f', $2)) with labels offset 0,0.8 notitle\n", base);
    if (stage_close(R, f, name))
        return -1;
    return gnuplot_run(R, base);
}

/* The step-wait distribution of each plane that recorded one.  *drawn
 * says whether a plot was made (no plane may have a distribution). */
static int plot_wait_cdf(report *R, size_t w, int *drawn)
{
    char base[REPORT_NAME_BYTES], name[REPORT_NAME_BYTES + 8], t[REPORT_TEXT_BYTES];
    const json_t *cdf[PLANES] = { NULL };
    int n = 0;
    *drawn = 0;
    for (int p = 0; p < PLANES; p++) {
        const result *r = steady(R, R->workloads[w], p);
        const json_t *c = r ? get(r->root, "step_wait_ms_cdf") : NULL;
        if (json_is_array(c))
            cdf[p] = c, n++;
    }
    if (n == 0)
        return 0;
    snprintf(base, sizeof base, "wait-cdf-%s", R->slugs[w]);
    snprintf(name, sizeof name, "%s.dat", base);
    FILE *f = stage_open(R, name);
    if (!f)
        return -1;
    fprintf(f, "# %s: percentile, then the step wait (ms) at it on", text(t, sizeof t, R->workloads[w]));
    for (int p = 0; p < PLANES; p++)
        if (cdf[p])
            fprintf(f, " %s", plane_names[p]);
    fputc('\n', f);
    for (size_t k = 0; k < RESULT_RUN_CDF_POINTS; k++) {
        fprintf(f, "%zu", k);
        for (int p = 0; p < PLANES; p++)
            if (cdf[p])
                fprintf(f, " %.6g", json_number_value(json_array_get(cdf[p], k)));
        fputc('\n', f);
    }
    if (stage_close(R, f, name))
        return -1;
    snprintf(name, sizeof name, "%s.gp", base);
    if (!(f = stage_open(R, name)))
        return -1;
    gp_begin(R, f, base, 800, 500);
    fprintf(f, "set title '%s: step wait over all ranks and steps (each rank: first step left out)'\n", t);
    fprintf(f, "set xlabel 'step wait (ms, log scale; waits are whole microseconds, so 0 is drawn "
               "at %g)'\n", REPORT_WAIT_FLOOR_MS);
    fprintf(f, "set ylabel 'percentile'\nset logscale x\nset yrange [0:100]\nset grid\n"
               "set key bottom right\nwait(x) = x > %g ? x : %g\n",
            REPORT_WAIT_FLOOR_MS, REPORT_WAIT_FLOOR_MS);
    fprintf(f, "plot");
    int col = 2;
    for (int p = 0; p < PLANES; p++)
        if (cdf[p]) {
            fprintf(f, "%s '%s.dat' using (wait($%d)):1 with lines lw 2 title '%s'",
                    col > 2 ? ", \\\n    " : "", base, col, plane_names[p]);
            col++;
        }
    fputc('\n', f);
    if (stage_close(R, f, name))
        return -1;
    *drawn = 1;
    return gnuplot_run(R, base);
}

/* Steps (and samples produced) against time, a line at each event. */
static int plot_failure(report *R, const result *r, const char *base)
{
    char name[REPORT_NAME_BYTES + 8], t[REPORT_TEXT_BYTES], rn[2 * REPORT_TEXT_BYTES + 64];
    const json_t *tl = get(r->root, "timeline"), *ev = get(r->root, "events");
    int producers = count(r->root, "producers") > 0;
    /* Steps trained count the steps redone after a rollback (newer results). */
    int trained = get(json_array_get(tl, 0), "steps_trained") != NULL;
    snprintf(name, sizeof name, "%s.dat", base);
    FILE *f = stage_open(R, name);
    if (!f)
        return -1;
    fprintf(f, "# %s: t_s, steps (the job's step), samples produced, steps trained\n",
            run_name(r, rn, sizeof rn));
    for (size_t i = 0; i < json_array_size(tl); i++) {
        const json_t *pt = json_array_get(tl, i);
        const json_t *st = get(pt, "steps_trained");
        fprintf(f, "%.6g %lld %lld ", num(pt, "t_s"), count(pt, "steps"), count(pt, "produced"));
        if (st)
            fprintf(f, "%lld\n", (long long)json_integer_value(st));
        else
            fprintf(f, "NaN\n");
    }
    if (stage_close(R, f, name))
        return -1;
    snprintf(name, sizeof name, "%s.gp", base);
    if (!(f = stage_open(R, name)))
        return -1;
    gp_begin(R, f, base, 900, 500);
    fprintf(f, "set title '%s: steps over time'\n", rn);
    fprintf(f, "set xlabel 'time since the start (s)'\nset ylabel 'steps completed'\n"
               "set grid\nset key below\nset yrange [0:*]\n");
    if (producers)
        fprintf(f, "set ytics nomirror\nset y2tics\nset y2label 'samples produced'\n"
                   "set y2range [0:*]\n");
    size_t nev = json_array_size(ev), npt = json_array_size(tl);
    double span = npt ? num(json_array_get(tl, npt - 1), "t_s") : 0, prev = -1e300;
    int level = 0;
    for (size_t i = 0; i < nev; i++) {
        const json_t *e = json_array_get(ev, i);
        double at = num(e, "t_s");
        fprintf(f, "set arrow from first %.6g, graph 0 to first %.6g, graph 1 nohead "
                   "lc rgb '#cc3311' dt 2\n", at, at);
        if (i >= REPORT_EVENTS_LABELLED)
            continue;
        /* Labels of events close in time are stacked, not overprinted. */
        level = at - prev < REPORT_EVENT_LABEL_GAP * span ? (level + 1) % 4 : 0;
        prev = at;
        fprintf(f, "set label '%s' at first %.6g, graph %.2f right rotate by 90 "
                   "offset -0.7,0 tc rgb '#cc3311'\n", text(t, sizeof t, str(e, "event")), at,
                0.97 - 0.24 * level);
    }
    if (nev == 0 && r->failure) {  /* no events: the injection time alone */
        double at = num(r->failure, "at_s");
        fprintf(f, "set arrow from first %.6g, graph 0 to first %.6g, graph 1 nohead "
                   "lc rgb '#cc3311' dt 2\n", at, at);
        fprintf(f, "set label 'inject' at first %.6g, graph 0.97 right rotate by 90 "
                   "offset -0.7,0 tc rgb '#cc3311'\n", at);
    }
    fprintf(f, "plot '%s.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 title 'job step'", base);
    if (trained)
        fprintf(f, ", \\\n     '' using 1:4 with lines lw 1 dt 2 lc rgb '#117733' "
                   "title 'steps trained (with those redone)'");
    if (producers)
        fprintf(f, ", \\\n     '' using 1:3 axes x1y2 with lines lw 1 lc rgb '#999999' "
                   "title 'samples produced'");
    fputc('\n', f);
    if (stage_close(R, f, name))
        return -1;
    return gnuplot_run(R, base);
}

/* ---- report.md: header and machine --------------------------------------- */

static void section_header(report *R)
{
    char now[32], t[REPORT_TEXT_BYTES], t2[REPORT_TEXT_BYTES], rn[2 * REPORT_TEXT_BYTES + 64];
    char flags[512];
    time_t tt = time(NULL);
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    md(R, "# Lakestream benchmark report\n\n");
    md(R, "Generated %s by `lakestream-bench report` from %zu result%s", now, R->nres,
       R->nres == 1 ? "" : "s");
    const char *first = NULL, *last = NULL;
    size_t untimed = 0;
    for (size_t i = 0; i < R->nres; i++) {
        const char *ts = str(R->res[i].root, "timestamp");
        if (!ts) {
            untimed++;
            continue;
        }
        if (!first || strcmp(ts, first) < 0)
            first = ts;
        if (!last || strcmp(ts, last) > 0)
            last = ts;
    }
    if (first && strcmp(first, last))
        md(R, " of runs recorded from %s to %s", text(t, sizeof t, first), text(t2, sizeof t2, last));
    else if (first)
        md(R, " of runs recorded at %s", text(t, sizeof t, first));
    if (untimed)
        md(R, " (%zu with no timestamp: written before result.json had one)", untimed);
    md(R, ".\n\n");

    /* Git revisions, distinct. */
    md(R, "Git revision%s of the runs:", R->nres > 1 ? "s" : "");
    for (size_t i = 0; i < R->nres; i++) {
        const result *r = &R->res[i];
        size_t j = 0;
        while (j < i && !(!strcmp(str(R->res[j].root, "git_rev"), str(r->root, "git_rev")) &&
                          json_equal(get(R->res[j].root, "git_dirty"), get(r->root, "git_dirty"))))
            j++;
        if (j < i)
            continue;
        md(R, "%s `%s`%s", i ? "," : "", text(t, sizeof t, str(r->root, "git_rev")),
           json_is_true(get(r->root, "git_dirty")) ? " (with uncommitted changes)" : "");
    }
    md(R, ".\n\n");

    for (size_t i = 0; i < R->nres; i++)
        if (*run_flags(&R->res[i], flags, sizeof flags))
            md(R, "> **Warning: %s: %s.** Its figures do not describe a clean run.\n\n",
               run_name(&R->res[i], rn, sizeof rn), flags);

    md(R, "| # | result | workload | plane | inject | recorded | git rev | duration (s) |\n"
          "|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < R->nres; i++) {
        const result *r = &R->res[i];
        char p[REPORT_TEXT_BYTES], w[REPORT_TEXT_BYTES], inj[REPORT_TEXT_BYTES];
        const char *ts = str(r->root, "timestamp");
        md(R, "| %d | %s | %s | %s | %s | %s | %s%s | %.1f |\n", r->index, text(p, sizeof p, r->path),
           text(w, sizeof w, r->workload), plane_names[r->plane],
           r->inject ? text(inj, sizeof inj, r->inject) : "none", ts ? text(t, sizeof t, ts) : "-",
           text(t2, sizeof t2, str(r->root, "git_rev")),
           json_is_true(get(r->root, "git_dirty")) ? " (dirty)" : "", num(r->root, "duration_s"));
    }
    md(R, "\n");
}

/* "vm, AMD EPYC, 2 CPUs, 23.5 GiB" */
static const char *machine_name(const json_t *m, char *buf, size_t size)
{
    char h[REPORT_TEXT_BYTES], c[REPORT_TEXT_BYTES];
    const json_t *mem = get(m, "mem_total_bytes");
    int n = snprintf(buf, size, "host %s, CPU %s, %lld CPUs (nproc)",
                     text(h, sizeof h, str(m, "hostname") ? str(m, "hostname") : "unknown"),
                     text(c, sizeof c, str(m, "cpu_model") ? str(m, "cpu_model") : "unknown"),
                     count(m, "nproc"));
    if (json_is_integer(mem) && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, ", %.1f GiB memory",
                 (double)json_integer_value(mem) / (1024.0 * 1024 * 1024));
    return buf;
}

static void section_machine(report *R)
{
    char m0[3 * REPORT_TEXT_BYTES], mi[3 * REPORT_TEXT_BYTES], t[REPORT_TEXT_BYTES];
    char rn[2 * REPORT_TEXT_BYTES + 64];
    const json_t *m = get(R->res[0].root, "machine");
    md(R, "## Machine\n\n");
    md(R, "From result #1: %s", machine_name(m, m0, sizeof m0));
    if (str(m, "uname"))
        md(R, "; %s", text(t, sizeof t, str(m, "uname")));
    if (str(m, "store_fs_type"))
        md(R, "; store file system %s", text(t, sizeof t, str(m, "store_fs_type")));
    md(R, ".\n\n");
    int differ = 0;
    for (size_t i = 1; i < R->nres; i++)
        differ |= strcmp(m0, machine_name(get(R->res[i].root, "machine"), mi, sizeof mi)) != 0;
    if (!differ) {
        if (R->nres > 1)
            md(R, "Every result comes from this machine.\n\n");
    } else {
        md(R, "**The results come from different machines**, so their figures are not directly "
              "comparable:\n\n");
        for (size_t i = 0; i < R->nres; i++)
            md(R, "* %s: %s\n", run_name(&R->res[i], rn, sizeof rn),
               machine_name(get(R->res[i].root, "machine"), mi, sizeof mi));
        md(R, "\n");
    }
    differ = 0;
    for (size_t i = 1; i < R->nres; i++)
        differ |= strcmp(str(R->res[0].root, "git_rev"), str(R->res[i].root, "git_rev")) != 0;
    if (differ) {
        md(R, "**The results come from different git revisions:**\n\n");
        for (size_t i = 0; i < R->nres; i++)
            md(R, "* %s: `%s`\n", run_name(&R->res[i], rn, sizeof rn),
               text(t, sizeof t, str(R->res[i].root, "git_rev")));
        md(R, "\n");
    }
}

/* ---- report.md: one section per workload ---------------------------------- */

/* A row of a workload's table: result[key] or result[key][sub]. */
typedef struct row {
    const char *label;
    const char *key, *sub;
    const char *fmt;     /* numbers; NULL: integers as integers, others "%.2f" */
    double      scale;   /* 0: as recorded */
    int         optional;  /* shown only if some column has it */
} row;

static const row workload_rows[] = {
    { "ranks (W)", "ranks", NULL, NULL, 0, 0 },
    { "producers (P)", "producers", NULL, NULL, 0, 0 },
    { "global batch (B)", "config", "global_batch", NULL, 0, 0 },
    { "step time (ms, simulated)", "config", "step_time_ms", "%.1f", 0, 0 },
    { "duration (s)", "duration_s", NULL, "%.1f", 0, 0 },
    { "steps", "steps", NULL, NULL, 0, 0 },
    { "**steps/s**", "steps_per_s", NULL, "%.2f", 0, 0 },
    { "ideal steps/s", "ideal_steps_per_s", NULL, "%.2f", 0, 0 },
    { "fraction of ideal", "fraction_of_ideal", NULL, "%.3f", 0, 0 },
    { "step wait p50 (ms)", "step_wait_ms_p50", NULL, "%.2f", 0, 0 },
    { "step wait p99 (ms)", "step_wait_ms_p99", NULL, "%.2f", 0, 0 },
    { "ingest (MB/s)", "ingest_mb_per_s", NULL, "%.2f", 0, 0 },
    { "samples read", "samples_read", NULL, NULL, 0, 0 },
    { "duplicates", "duplicates", NULL, NULL, 0, 0 },
    { "skipped", "skipped", NULL, NULL, 0, 1 },
    { "trimmed offsets (kafka)", "trimmed_offsets", NULL, NULL, 0, 1 },
    { "bad samples", "bad_samples", NULL, NULL, 0, 0 },
    { "produce errors", "produce_errors", NULL, NULL, 0, 0 },
    { "read amplification, data", "read_amplification", "data", "%.2f", 0, 0 },
    { "read amplification, total", "read_amplification", "total", "%.2f", 0, 0 },
    { "CPU s, producers", "cpu_s", "producers", "%.1f", 0, 1 },
    { "CPU s, ranks", "cpu_s", "ranks", "%.1f", 0, 1 },
    { "mean sample (KB)", "mean_sample_bytes", NULL, "%.1f", 1e-3, 1 },
    { "store objects", "store_usage", "objects", NULL, 0, 1 },
    { "store size (MB)", "store_usage", "bytes", "%.1f", 1e-6, 1 },
};

/* The value of a row in a result: NULL if not recorded (older result),
 * json null if not applicable. */
static const json_t *row_value(const json_t *root, const row *rw)
{
    const json_t *v = get(root, rw->key);
    if (v && rw->sub && !json_is_null(v))
        v = get(v, rw->sub);
    return v;
}

static const char *cell(const json_t *v, const row *rw, char *buf, size_t size)
{
    if (!v)
        return "not recorded";
    if (json_is_null(v))
        return "n/a";
    if (json_is_integer(v) && !rw->scale)
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
    else
        snprintf(buf, size, rw->fmt ? rw->fmt : "%.2f",
                 json_number_value(v) * (rw->scale ? rw->scale : 1));
    return buf;
}

static int section_workload(report *R, size_t w)
{
    char t[REPORT_TEXT_BYTES], buf[64];
    const result *col[PLANES];
    int ncol = 0;
    for (int p = 0; p < PLANES; p++)
        ncol += (col[p] = steady(R, R->workloads[w], p)) != NULL;
    md(R, "## Workload %s\n\n", text(t, sizeof t, R->workloads[w]));
    if (ncol == 0) {
        md(R, "Every result of this workload is of a run with --inject: see Failures.\n\n");
        return 0;
    }
    md(R, "Runs without --inject, one column per data plane.\n\n|  |");
    for (int p = 0; p < PLANES; p++)
        if (col[p]) {
            const char *b = str(col[p]->root, "baseline");
            md(R, " %s (#%d)%s%s |", plane_names[p], col[p]->index, b ? ", " : "",
               b ? text(t, sizeof t, b) : "");
        }
    md(R, "\n|---|");
    for (int i = 0; i < ncol; i++)
        md(R, "---|");
    md(R, "\n");
    for (size_t k = 0; k < sizeof workload_rows / sizeof workload_rows[0]; k++) {
        const row *rw = &workload_rows[k];
        int any = 0;
        for (int p = 0; p < PLANES; p++)
            any |= col[p] && row_value(col[p]->root, rw) != NULL;
        if (rw->optional && !any)
            continue;
        md(R, "| %s |", rw->label);
        for (int p = 0; p < PLANES; p++)
            if (col[p])
                md(R, " %s |", cell(row_value(col[p]->root, rw), rw, buf, sizeof buf));
        md(R, "\n");
    }
    md(R, "\n");
    if (plot_throughput(R, w))
        return -1;
    md(R, "![%s: steps/s by data plane](throughput-%s.png)\n\n", text(t, sizeof t, R->workloads[w]),
       R->slugs[w]);
    int drawn;
    if (plot_wait_cdf(R, w, &drawn))
        return -1;
    if (drawn)
        md(R, "![%s: step-wait distribution](wait-cdf-%s.png)\n\n", t, R->slugs[w]);
    int missing = 0;
    for (int p = 0; p < PLANES; p++)
        missing += col[p] && !json_is_array(get(col[p]->root, "step_wait_ms_cdf"));
    if (missing) {
        md(R, "*%s step-wait distribution for", drawn ? "Not drawn: the" : "No step-wait plot: no");
        for (int p = 0, k = 0; p < PLANES; p++)
            if (col[p] && !json_is_array(get(col[p]->root, "step_wait_ms_cdf")))
                md(R, "%s %s (#%d)", k++ ? "," : "", plane_names[p], col[p]->index);
        md(R, ": %s result has no step_wait_ms_cdf (older lakestream-bench run).*\n\n",
           missing > 1 ? "their" : "its");
    }
    return 0;
}

/* ---- report.md: targets ----------------------------------------------------- */

static void target_row(report *R, const char *target, const char *where, const char *measured,
                       int status)
{
    md(R, "| %s | %s | %s | %s |\n", target, where, measured,
       status < 0 ? "not measured" : status ? "**met**" : "**not met**");
}

/* Is w one of the workloads the report read? */
static int have_workload(const report *R, const char *w)
{
    for (size_t i = 0; i < R->nworkloads; i++)
        if (!strcmp(R->workloads[i], w))
            return 1;
    return 0;
}

/* "yes (32 compared, 0 mismatched)" */
static const char *identical(const json_t *f, char *buf, size_t size)
{
    const json_t *mm = get(f, "steps_mismatched");
    if (!json_is_boolean(get(f, "identical_steps")))
        return "n/a";
    int n = snprintf(buf, size, "%s (%lld compared", yes_no(get(f, "identical_steps")),
                     count(f, "steps_compared"));
    if (json_is_integer(mm) && n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, ", %lld mismatched", (long long)json_integer_value(mm));
    if (n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, ")");
    return buf;
}

static void section_targets(report *R)
{
    char t[REPORT_TEXT_BYTES], m[4 * REPORT_TEXT_BYTES], rn[2 * REPORT_TEXT_BYTES + 64];
    char label[128], idb[96];
    md(R, "## Targets\n\n");
    md(R, "Each target with the figures it was judged on; \"not measured\" where no result "
          "covers it.\n\n| target | workload / run | measured | result |\n|---|---|---|---|\n");

    /* lakestream >= 0.95 of ideal, on every workload read and every project workload. */
    snprintf(label, sizeof label, "lakestream steps/s >= %.2f x ideal", TARGET_FRACTION_OF_IDEAL);
    size_t nproj = sizeof project_workloads / sizeof project_workloads[0];
    for (size_t i = 0; i < R->nworkloads + nproj; i++) {
        const char *w = i < R->nworkloads ? R->workloads[i] : project_workloads[i - R->nworkloads];
        if (i >= R->nworkloads && have_workload(R, w))
            continue;
        const result *ls = i < R->nworkloads ? steady(R, w, PLANE_LS) : NULL;
        if (!ls) {
            target_row(R, label, text(t, sizeof t, w), "no lakestream run without --inject", -1);
            continue;
        }
        double fr = num(ls->root, "fraction_of_ideal");
        const json_t *cfg = get(ls->root, "config");
        snprintf(m, sizeof m, "%.2f of %.2f steps/s = %.3f (#%d: W %lld, B %lld, step %.0f ms)",
                 num(ls->root, "steps_per_s"), num(ls->root, "ideal_steps_per_s"), fr, ls->index,
                 count(ls->root, "ranks"), count(cfg, "global_batch"), num(cfg, "step_time_ms"));
        target_row(R, label, text(t, sizeof t, w), m, fr >= TARGET_FRACTION_OF_IDEAL);
    }

    /* lakestream >= 2x colocated on multimodal-pretrain. */
    snprintf(label, sizeof label, "lakestream steps/s >= %.0f x colocated", TARGET_VS_COLOCATED);
    const result *ls = steady(R, TARGET_VS_COLOCATED_WORKLOAD, PLANE_LS);
    const result *co = steady(R, TARGET_VS_COLOCATED_WORKLOAD, PLANE_COL);
    if (!ls || !co) {
        snprintf(m, sizeof m, "needs lakestream and colocated runs without --inject; missing %s",
                 !ls && !co ? "both" : !ls ? "lakestream" : "colocated");
        target_row(R, label, TARGET_VS_COLOCATED_WORKLOAD, m, -1);
    } else {
        double a = num(ls->root, "steps_per_s"), b = num(co->root, "steps_per_s");
        char ratio[48] = "";
        if (b > 0)
            snprintf(ratio, sizeof ratio, " = %.2f x", a / b);
        snprintf(m, sizeof m, "%.2f (#%d) vs %.2f (#%d) steps/s%s", a, ls->index, b, co->index, ratio);
        target_row(R, label, TARGET_VS_COLOCATED_WORKLOAD, m, a >= TARGET_VS_COLOCATED * b);
    }

    /* lakestream p99 <= 0.5x kafka's, on every workload with both. */
    snprintf(label, sizeof label, "lakestream step-wait p99 <= %.1f x kafka's", TARGET_P99_VS_KAFKA);
    int any = 0;
    for (size_t i = 0; i < R->nworkloads; i++) {
        const result *a = steady(R, R->workloads[i], PLANE_LS), *k = steady(R, R->workloads[i], PLANE_KAFKA);
        if (!a || !k)
            continue;
        double pa = num(a->root, "step_wait_ms_p99"), pk = num(k->root, "step_wait_ms_p99");
        char ratio[48] = "";
        if (pk > 0)
            snprintf(ratio, sizeof ratio, " = %.3f x", pa / pk);
        snprintf(m, sizeof m, "%.2f ms (#%d) vs %.2f ms (#%d)%s", pa, a->index, pk, k->index, ratio);
        target_row(R, label, text(t, sizeof t, R->workloads[i]), m, pa <= TARGET_P99_VS_KAFKA * pk);
        any = 1;
    }
    if (!any)
        target_row(R, label, "any", "no workload has both a lakestream and a kafka run without --inject", -1);

    /* Failures on lakestream. */
    static const char *const kinds[] = { "producer-kill", "rank-restart" };
    static const char *const kind_targets[] = {
        "producer-kill: training continues, 0 duplicates, 0 skipped",
        "rank-restart: identical steps after the restart",
    };
    for (int k = 0; k < 2; k++) {
        any = 0;
        for (size_t i = 0; i < R->nres; i++) {
            const result *r = &R->res[i];
            const json_t *f = r->failure;
            if (r->plane != PLANE_LS || !f || strcmp(str(f, "kind"), kinds[k]))
                continue;
            any = 1;
            int cont = json_is_true(get(f, "training_continued"));
            long long d = count(f, "duplicates"), s = count(f, "skipped");
            if (k == 0) {
                snprintf(m, sizeof m, "training continued: %s; %lld duplicates; %lld skipped",
                         cont ? "yes" : "no", d, s);
                target_row(R, kind_targets[k], run_name(r, rn, sizeof rn), m, cont && !d && !s);
            } else {
                const json_t *id = get(f, "identical_steps");
                snprintf(m, sizeof m, "identical steps: %s; %lld duplicates; %lld skipped",
                         identical(f, idb, sizeof idb), d, s);
                target_row(R, kind_targets[k], run_name(r, rn, sizeof rn), m,
                           json_is_boolean(id) ? json_is_true(id) : -1);
            }
        }
        if (!any)
            target_row(R, kind_targets[k], "-", "no lakestream run with this failure", -1);
    }
    md(R, "\n");

    /* The same failures on the other planes: what happened, no target. */
    any = 0;
    for (size_t i = 0; i < R->nres; i++) {
        const result *r = &R->res[i];
        const json_t *f = r->failure;
        if (r->plane == PLANE_LS || !f)
            continue;
        if (!any++)
            md(R, "For comparison (no target), the other planes under failures:\n\n");
        md(R, "* %s: training continued %s; identical steps %s; %lld duplicates; %lld skipped.\n",
           run_name(r, rn, sizeof rn), yes_no(get(f, "training_continued")),
           identical(f, idb, sizeof idb), count(f, "duplicates"), count(f, "skipped"));
    }
    if (any)
        md(R, "\n");
}

/* ---- report.md: failures ---------------------------------------------------- */

static const char *opt_num(const json_t *v, const char *fmt, char *buf, size_t size)
{
    if (!json_is_number(v))
        return "n/a";
    if (json_is_integer(v))
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
    else
        snprintf(buf, size, fmt, json_number_value(v));
    return buf;
}

static int section_failures(report *R)
{
    char t[REPORT_TEXT_BYTES], t2[REPORT_TEXT_BYTES], rn[2 * REPORT_TEXT_BYTES + 64];
    char b1[32], b2[32], b3[32], b4[32], base[REPORT_NAME_BYTES], note[REPORT_TEXT_BYTES];
    char id[96];
    md(R, "## Failures\n\n");
    size_t nf = 0;
    for (size_t i = 0; i < R->nres; i++)
        nf += R->res[i].failure != NULL;
    for (size_t i = 0; i < R->nres; i++)
        if (R->res[i].inject && !R->res[i].failure)
            md(R, "%s was given --inject but %s.\n\n", run_name(&R->res[i], rn, sizeof rn),
               R->res[i].not_injected ? "the run ended before the injection time"
                                      : "its result records no failure");
    if (nf == 0) {
        md(R, "No result records a failure (runs with --inject).\n\n");
        return 0;
    }
    md(R, "| run | kind | target | at (s) | training continued | job restarted | duplicates | "
          "skipped | recovery (s) | max step gap (s) | steps at injection | checkpoint step | "
          "steps redone | identical steps | note |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < R->nres; i++) {
        const result *r = &R->res[i];
        const json_t *f = r->failure;
        if (!f)
            continue;
        md(R, "| %s | %s | %s | %.1f | %s | %s | %lld | %lld | %s | %s | %lld | %s | %s | %s | %s |\n",
           run_name(r, rn, sizeof rn), text(t, sizeof t, str(f, "kind")),
           text(t2, sizeof t2, str(f, "target")), num(f, "at_s"),
           yes_no(get(f, "training_continued")),
           get(f, "job_restarted") ? yes_no(get(f, "job_restarted")) : "not recorded",
           count(f, "duplicates"), count(f, "skipped"),
           opt_num(get(f, "recovery_s"), "%.2f", b1, sizeof b1),
           opt_num(get(f, "max_step_gap_s"), "%.2f", b2, sizeof b2), count(f, "steps_at_injection"),
           opt_num(get(f, "checkpoint_step"), "%.0f", b3, sizeof b3),
           opt_num(get(f, "steps_redone"), "%.0f", b4, sizeof b4), identical(f, id, sizeof id),
           str(f, "note") ? text(note, sizeof note, str(f, "note")) : "");
    }
    md(R, "\n");
    for (size_t i = 0; i < R->nres; i++) {
        const result *r = &R->res[i];
        if (!r->failure)
            continue;
        md(R, "### %s\n\n", run_name(r, rn, sizeof rn));
        snprintf(base, sizeof base, "failure-%d-%s-%s", r->index, R->slugs[workload_of(R, r)],
                 plane_names[r->plane]);
        if (json_array_size(get(r->root, "timeline")) < 2) {
            md(R, "*No timeline plot: the result has fewer than 2 timeline points.*\n\n");
        } else {
            if (plot_failure(R, r, base))
                return -1;
            md(R, "![%s: steps over time](%s.png)\n\n", rn, base);
        }
        const json_t *ev = get(r->root, "events");
        size_t nev = json_array_size(ev);
        if (!ev)
            md(R, "Events: not recorded (older result).\n\n");
        else if (nev == 0)
            md(R, "Events: none recorded.\n\n");
        else {
            md(R, "Events:");
            for (size_t k = 0; k < nev && k < REPORT_EVENTS_LABELLED; k++) {
                const json_t *e = json_array_get(ev, k);
                md(R, "%s %.2f s %s", k ? ";" : "", num(e, "t_s"), text(t, sizeof t, str(e, "event")));
                if (str(e, "detail") && *str(e, "detail"))
                    md(R, ": %s", text(t, sizeof t, str(e, "detail")));
            }
            if (nev > REPORT_EVENTS_LABELLED)
                md(R, "; and %zu more", nev - REPORT_EVENTS_LABELLED);
            md(R, ".\n\n");
        }
    }
    return 0;
}

/* ---- report.md: caveats ----------------------------------------------------- */

/* "4 ranks + 2 producers on 2 CPUs" */
static const char *shares(const result *r, char *buf, size_t size)
{
    snprintf(buf, size, "%lld ranks + %lld producers on %lld CPUs", count(r->root, "ranks"),
             count(r->root, "producers"), count(get(r->root, "machine"), "nproc"));
    return buf;
}

/* config.warmup_steps, or -1 in results that predate it. */
static long long warmup_steps(const result *r)
{
    const json_t *v = get(get(r->root, "config"), "warmup_steps");
    return v ? (long long)json_integer_value(v) : -1;
}

/* "name=value, ..." of a result's object of string properties (checked:
 * result.c's kafka_fields says only that it is an object). */
static const char *props_text(const json_t *o, char *buf, size_t cap)
{
    size_t n = 0;
    const char *k;
    const json_t *v;
    buf[0] = '\0';
    json_object_foreach((json_t *)o, k, v) {
        char kt[REPORT_TEXT_BYTES], vt[REPORT_TEXT_BYTES];
        int w = snprintf(buf + n, cap - n, "%s`%s=%s`", n ? ", " : "", text(kt, sizeof kt, k),
                         json_is_string(v) ? text(vt, sizeof vt, json_string_value(v)) : "?");
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
    return n ? buf : "none";
}

/* A real Kafka run's cluster and clients, from its "kafka" object. */
static void kafka_caveat(report *R, const result *r)
{
    char t[REPORT_TEXT_BYTES], tb[REPORT_TEXT_BYTES], rn[2 * REPORT_TEXT_BYTES + 64], p[1024];
    const json_t *k = get(r->root, "kafka");
    const char *kind = str(k, "kind"), *ver = str(k, "broker_version");
    const json_t *nb = get(k, "brokers");
    md(R, "* %s used Apache Kafka %s, %s (%s), %lld broker%s, replication factor %lld, "
          "%lld partitions.\n", run_name(r, rn, sizeof rn),
       ver ? text(t, sizeof t, ver) : "(version not recorded)",
       kind && !strcmp(kind, "broker") ? "started for the run by scripts/kafka-server.sh"
                                       : "given by --bootstrap-servers",
       str(get(r->root, "config"), "bootstrap") ? text(tb, sizeof tb,
           str(get(r->root, "config"), "bootstrap")) : "bootstrap not recorded",
       nb ? (long long)json_integer_value(nb) : -1LL,
       nb && json_integer_value(nb) == 1 ? "" : "s",
       (long long)json_integer_value(get(k, "replication_factor")),
       (long long)json_integer_value(get(k, "partitions")));
    md(R, "  Topic configuration: %s.\n", props_text(get(k, "topic_config"), p, sizeof p));
    md(R, "  Producers: %s.\n", props_text(get(k, "producer"), p, sizeof p));
    md(R, "  Ranks: %s.\n", props_text(get(k, "rank"), p, sizeof p));
}

static void section_caveats(report *R)
{
    char t[REPORT_TEXT_BYTES], rn[2 * REPORT_TEXT_BYTES + 64], flags[512];
    md(R, "## Caveats\n\n");

    int mock = 0;
    for (size_t i = 0; i < R->nres; i++) {
        const result *r = &R->res[i];
        const char *b = str(r->root, "baseline");
        if (r->plane != PLANE_KAFKA)
            continue;
        if (b && !strcmp(b, "librdkafka-mock")) {
            if (!mock++)
                md(R, "* **The kafka baseline is not a Kafka broker.** `librdkafka-mock` is "
                      "librdkafka's in-process mock cluster: in memory, no fsync, no replication, "
                      "about 5 MiB retained per partition. The client side (librdkafka, the Kafka "
                      "protocol over loopback) is real; a deployed cluster's latency, durability and "
                      "retention are not measured (runs:");
            md(R, " #%d", r->index);
        }
    }
    if (mock)
        md(R, ").\n");
    for (size_t i = 0; i < R->nres; i++) {
        const result *r = &R->res[i];
        const char *b = str(r->root, "baseline");
        if (r->plane != PLANE_KAFKA || (b && !strcmp(b, "librdkafka-mock")))
            continue;
        if (get(r->root, "kafka")) {
            kafka_caveat(R, r);
            continue;
        }
        md(R, "* %s used %s: %s.\n", run_name(r, rn, sizeof rn),
           b ? text(t, sizeof t, b) : "no recorded baseline",
           b && !strcmp(b, "kafka") ? "a real Kafka cluster given by --bootstrap-servers"
                                     : "see its result.json");
        if (b && !strcmp(b, "kafka"))
            md(R, "  Bootstrap servers: %s.\n", str(get(r->root, "config"), "bootstrap")
               ? text(t, sizeof t, str(get(r->root, "config"), "bootstrap")) : "not recorded");
    }

    md(R, "* **One machine.** Every rank and producer of a run is a process on the one machine "
          "that ran it, so the W ranks (and P producers) share its cores:");
    for (size_t i = 0, groups = 0; i < R->nres; i++) {
        char what[128], other[128];
        shares(&R->res[i], what, sizeof what);
        size_t j = 0;
        while (j < i && strcmp(shares(&R->res[j], other, sizeof other), what))
            j++;
        if (j < i)
            continue;  /* listed with an earlier run */
        md(R, "%s %s (", groups++ ? ";" : "", what);
        for (size_t k = i, n = 0; k < R->nres; k++)
            if (!strcmp(shares(&R->res[k], other, sizeof other), what))
                md(R, "%s#%d", n++ ? ", " : "", R->res[k].index);
        md(R, ")");
    }
    md(R, ".\n");

    md(R, "* **Simulated GPU, modelled preprocessing.** A training step is a sleep of "
          "step_time_ms (");
    for (size_t w = 0; w < R->nworkloads; w++) {
        const result *r = NULL;
        for (size_t i = 0; i < R->nres && !r; i++)
            if (!strcmp(R->res[i].workload, R->workloads[w]))
                r = &R->res[i];
        md(R, "%s%s: %.0f ms", w ? ", " : "", text(t, sizeof t, R->workloads[w]),
           num(get(r->root, "config"), "step_time_ms"));
    }
    md(R, "); preprocessing is a real CRC-32 pass over each sample, then the worker is held for "
          "the rest of the modelled cost (fixed + per MB): the cost occupies worker slots, not "
          "this machine's CPU (docs/workloads.md, \"Cost model\"). The data movement (producing, "
          "committing, reading, checking) is real.\n");

    md(R, "* **Duration and noise.** Each figure comes from one run, not a median of "
          "repetitions. Steps/s is taken from the barrier's own step times and, with the step "
          "waits, leaves out the start-up: ");
    for (size_t i = 0, groups = 0; i < R->nres; i++) {
        long long wu = warmup_steps(&R->res[i]);
        size_t j = 0;
        while (j < i && warmup_steps(&R->res[j]) != wu)
            j++;
        if (j < i)
            continue;  /* listed with an earlier run */
        if (wu >= 0)
            md(R, "%sthe first %lld steps (config.warmup_steps", groups++ ? "; " : "", wu);
        else
            md(R, "%seach rank's first step (results without config.warmup_steps",
               groups++ ? "; " : "");
        for (size_t k = i, n = 0; k < R->nres; k++)
            if (warmup_steps(&R->res[k]) == wu)
                md(R, "%s#%d", n++ ? ", " : ": ", R->res[k].index);
        md(R, ")");
    }
    md(R, ". Durations and load averages:");
    int shortrun = 0;
    for (size_t i = 0; i < R->nres; i++) {
        const result *r = &R->res[i];
        const json_t *m = get(r->root, "machine");
        double d = num(r->root, "duration_s");
        shortrun |= d < REPORT_SHORT_RUN_S;
        md(R, "%s #%d %.1f s", i ? ";" : "", r->index, d);
        if (str(m, "loadavg_start"))
            md(R, ", load average %s at the start", text(t, sizeof t, str(m, "loadavg_start")));
        if (str(m, "loadavg_end"))
            md(R, ", %s at the end", text(t, sizeof t, str(m, "loadavg_end")));
        if (!str(m, "loadavg_start") && !str(m, "loadavg_end"))
            md(R, " (load average not recorded)");
    }
    md(R, ".");
    if (shortrun)
        md(R, " Runs shorter than %.0f s weigh start-up and noise more than long runs do.",
           REPORT_SHORT_RUN_S);
    md(R, "\n");

    for (size_t i = 0; i < R->nres; i++)
        if (json_is_true(get(R->res[i].root, "git_dirty"))) {
            md(R, "* **Uncommitted changes.** Some runs were built from a tree with uncommitted "
                  "changes (git_dirty), so their revision does not say exactly what ran.\n");
            break;
        }
    for (size_t i = 0; i < R->nres; i++)
        if (*run_flags(&R->res[i], flags, sizeof flags))
            md(R, "* **%s: %s.**\n", run_name(&R->res[i], rn, sizeof rn), flags);
    md(R, "\n");
}

/* ---- command line ------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f,
        "usage: lakestream-bench report DIR... --out REPORT_DIR\n"
        "  Reads DIR/result.json of runs of `lakestream-bench run` (a DIR may also be\n"
        "  a result.json), checks them, and writes REPORT_DIR/report.md: the machine,\n"
        "  a table per workload with a column per plane, the project's targets (met,\n"
        "  not met, not measured), the failure runs, caveats, and PNG plots drawn by\n"
        "  gnuplot (their data and scripts are kept beside them).  At most %d\n"
        "  results, one per workload, plane and --inject.  Prints report.md's path.\n"
        "  Exit status: 0 written, 1 an input or output error (no report.md is\n"
        "  written), 2 a usage error.  docs/bench-report.md\n", REPORT_INPUTS_MAX);
}

static int report_write(report *R, char **inputs, size_t nargs)
{
    if (results_load(R, inputs, nargs))
        return -1;
    fprintf(stderr, "%s: %zu result%s checked\n", PROG, R->nres, R->nres == 1 ? "" : "s");
    if (gnuplot_check(R) || stage_make(R))
        return -1;
    if (!(R->md = stage_open(R, "report.md")))
        return -1;
    section_header(R);
    section_machine(R);
    for (size_t w = 0; w < R->nworkloads; w++)
        if (section_workload(R, w))
            return -1;
    section_targets(R);
    if (section_failures(R))
        return -1;
    section_caveats(R);
    FILE *f = R->md;
    R->md = NULL;
    if (stage_close(R, f, "report.md") || stage_commit(R))
        return -1;
    return 0;
}

int report_main(int argc, char **argv)
{
    die_prog(PROG);
    enum { OPT_OUT = 256 };
    static const struct option lo[] = {
        { "out", required_argument, 0, OPT_OUT },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 }
    };
    char *inputs[REPORT_INPUTS_MAX];
    size_t nargs = 0;
    const char *out = NULL;
    args a = { .argc = argc - 1, .argv = argv + 1, .opts = lo, .usage_status = DIE_USAGE_STATUS };
    for (int c; (c = args_next(&a)) != -1;) {
        switch (c) {
        case 'h': usage(stdout); return 0;
        case OPT_OUT: out = optarg; break;
        case ARGS_WORD:
            if (nargs == REPORT_INPUTS_MAX) {
                fail("more than %d results: make several reports", REPORT_INPUTS_MAX);
                return 1;
            }
            inputs[nargs++] = optarg;
            break;
        }
    }
    if (!out || !*out || nargs == 0) {
        usage(stderr);
        return 2;
    }
    report *R = calloc(1, sizeof *R);
    if (!R) {
        fail("out of memory");
        return 1;
    }
    R->out = out;
    int rc = report_write(R, inputs, nargs);
    if (R->md)
        fclose(R->md);
    if (rc)
        stage_remove(R);
    else {
        fprintf(stderr, "%s: wrote %s/report.md\n", PROG, out);
        printf("%s/report.md\n", out);
    }
    for (size_t i = 0; i < REPORT_INPUTS_MAX; i++)
        json_decref(R->res[i].root);
    free(R);
    return rc ? 1 : 0;
}
