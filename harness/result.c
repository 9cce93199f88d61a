/*
 * result.c -- the result files of lakestream-bench (result.h): the header
 * every result starts with (the machine, the source revision, the build),
 * the one writer, the checked reader, and the field table of a run's
 * result.json.
 *
 * Layout: machine and revision; the header and the writer; loading; dotted
 * paths; field tables.
 */
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "lakestream.h"
#include "result.h"

/* ---- machine and revision -------------------------------------------------------- */

static char *run_cmd(const char *cmd, int *nonempty)
{
    FILE *f = popen(cmd, "r");
    if (!f)
        return NULL;
    char line[512] = "";
    int any = fgets(line, sizeof(line), f) != NULL;
    char drain[512];
    while (fgets(drain, sizeof(drain), f))
        ;
    int st = pclose(f);
    if (st != 0)
        return NULL;
    if (nonempty)
        *nonempty = any;
    line[strcspn(line, "\n")] = '\0';
    return strdup(line);
}

static const char *fs_name(long type)
{
    switch ((unsigned long)type) {
    case 0xEF53:     return "ext2/ext3/ext4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs";
    case 0x794C7630: return "overlayfs";
    case 0x6969:     return "nfs";
    case 0x2FC12FC1: return "zfs";
    case 0x65735546: return "fuse";
    case 0x0BD00BD0: return "lustre";
    case 0x5346414F: return "afs";
    case 0xFF534D42: return "cifs";
    default:         return "unknown";
    }
}

/* true if a virtio-balloon device negotiated free page reporting
 * (feature bit 5, VIRTIO_BALLOON_F_REPORTING), false if a balloon has not,
 * null if there is no balloon. */
static json_t *balloon_reporting_json(void)
{
    glob_t g;
    if (glob("/sys/bus/virtio/drivers/virtio_balloon/virtio*/features", 0, NULL, &g) != 0)
        return json_null();
    int on = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        char bits[256] = "";
        FILE *f = fopen(g.gl_pathv[i], "r");
        if (f) {
            if (fgets(bits, sizeof(bits), f) && strlen(bits) > 5 && bits[5] == '1')
                on = 1;
            fclose(f);
        }
    }
    globfree(&g);
    return json_boolean(on);
}

static json_t *result_machine(const char *dir)
{
    json_t *m = json_object();
    char host[256] = "unknown";
    if (gethostname(host, sizeof(host)) != 0)
        strcpy(host, "unknown");
    host[sizeof(host) - 1] = '\0';
    json_object_set_new(m, "hostname", json_string(host));
    struct utsname u;
    if (uname(&u) == 0) {
        char s[4 * sizeof(u.release) + 8];
        snprintf(s, sizeof(s), "%s %s %s %s", u.sysname, u.release, u.version, u.machine);
        json_object_set_new(m, "uname", json_string(s));
    }
    json_object_set_new(m, "nproc", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    char line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    json_t *cpu = json_null();
    while (f && fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "model name", 10)) {
            char *v = strchr(line, ':');
            if (v) {
                v += 1 + strspn(v + 1, " \t");
                v[strcspn(v, "\n")] = '\0';
                json_decref(cpu);
                cpu = json_string(v);
            }
            break;
        }
    }
    if (f)
        fclose(f);
    json_object_set_new(m, "cpu_model", cpu);
    json_t *mem = json_null();
    if ((f = fopen("/proc/meminfo", "r"))) {
        unsigned long long kb;
        while (fgets(line, sizeof(line), f))
            if (sscanf(line, "MemTotal: %llu kB", &kb) == 1) {
                mem = json_integer((json_int_t)(kb * 1024));
                break;
            }
        fclose(f);
    }
    json_object_set_new(m, "mem_total_bytes", mem);
    /* In a VM whose free memory the host reclaims (virtio-balloon free
     * page reporting), the first write to a reclaimed page is much slower:
     * both page cache and fresh buffers pay it, and results swing with the
     * allocation history (docs/benchmarks.md). */
    json_object_set_new(m, "balloon_free_page_reporting", balloon_reporting_json());
    json_t *order = json_null();
    if ((f = fopen("/sys/module/page_reporting/parameters/page_reporting_order", "r"))) {
        int v;
        if (fscanf(f, "%d", &v) == 1) {
            json_decref(order);
            order = json_integer(v);
        }
        fclose(f);
    }
    json_object_set_new(m, "page_reporting_order", order);
    struct statfs sf;
    if (statfs(dir, &sf) == 0) {
        char hex[32];
        snprintf(hex, sizeof(hex), "0x%lx", (unsigned long)sf.f_type);
        json_object_set_new(m, "store_fs_type", json_string(fs_name(sf.f_type)));
        json_object_set_new(m, "store_fs_magic", json_string(hex));
        json_object_set_new(m, "store_fs_free_bytes",
                            json_integer((json_int_t)((uint64_t)sf.f_bavail * sf.f_bsize)));
    }
    return m;
}

/* The revision of the source tree: asked of git in the directory of the
 * executable (a build directory usually lives in the tree), then in the
 * current directory. */
static void result_git(json_t *root)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    const char *dirs[2] = { NULL, "." };
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash && !strchr(exe, '\'')) {
            *slash = '\0';
            dirs[0] = exe;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (!dirs[i])
            continue;
        char cmd[PATH_MAX + 128];
        snprintf(cmd, sizeof(cmd), "git -C '%s' rev-parse --short HEAD 2>/dev/null", dirs[i]);
        char *rev = run_cmd(cmd, NULL);
        if (!rev)
            continue;
        int dirty = 0;
        /* results/ is where runs write: a run that overwrites committed
         * results does not make the code it ran "dirty". */
        snprintf(cmd, sizeof(cmd), "git -C '%s' status --porcelain -- ':(top)' "
                 "':(top,exclude)results' 2>/dev/null", dirs[i]);
        char *st = run_cmd(cmd, &dirty);
        json_object_set_new(root, "git_rev", json_string(rev));
        json_object_set_new(root, "git_dirty", st ? json_boolean(dirty) : json_null());
        free(rev);
        free(st);
        return;
    }
    json_object_set_new(root, "git_rev", json_string("unknown"));
    json_object_set_new(root, "git_dirty", json_null());
}

static json_t *result_build(void)
{
    json_t *b = json_object();
    json_object_set_new(b, "lakestream_version", json_string(LS_VERSION_STR));
#if defined(__clang__)
    json_object_set_new(b, "compiler", json_string("clang " __VERSION__));
#elif defined(__GNUC__)
    json_object_set_new(b, "compiler", json_string("gcc " __VERSION__));
#endif
#ifdef __OPTIMIZE__
    json_object_set_new(b, "optimized", json_true());
#else
    json_object_set_new(b, "optimized", json_false());
#endif
#ifdef NDEBUG
    json_object_set_new(b, "ndebug", json_true());
#else
    json_object_set_new(b, "ndebug", json_false());
#endif
    return b;
}

/* ---- the header and the writer --------------------------------------------------- */

json_t *result_new_bare(const char *benchmark)
{
    json_t *root = json_object();
    if (!root)
        die("result", "out of memory");
    json_object_set_new(root, "benchmark", json_string(benchmark));
    json_object_set_new(root, "schema_version", json_integer(RESULT_SCHEMA_VERSION));
    return root;
}

json_t *result_new(const char *benchmark, const char *machine_dir)
{
    json_t *root = result_new_bare(benchmark);
    result_git(root);
    json_object_set_new(root, "machine", result_machine(machine_dir));
    json_object_set_new(root, "build", result_build());
    char ts[64];
    time_t now = time(NULL);
    struct tm tm;
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    json_object_set_new(root, "timestamp", json_string(ts));
    return root;
}

void result_loadavg(json_t *root, char *start, char *end)
{
    json_t *m = json_object_get(root, "machine");
    json_object_set_new(m, "loadavg_start", start ? json_string(start) : json_null());
    json_object_set_new(m, "loadavg_end", end ? json_string(end) : json_null());
    free(start);
    free(end);
}

void result_write(const json_t *root, int to_stdout, const char *path)
{
    char *text = json_dumps(root, RESULT_DUMP_FLAGS);
    if (!text)
        die("result", "cannot serialise the JSON");
    if (to_stdout && (puts(text) == EOF || fflush(stdout) == EOF))
        die("stdout", "%s", strerror(errno));
    if (path) {
        char tmp[PATH_MAX];
        if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
            die(path, "path too long");
        FILE *f = fopen(tmp, "w");
        if (!f)
            die(path, "%s", strerror(errno));
        int bad = fputs(text, f) < 0 || fputc('\n', f) < 0;
        bad |= fclose(f) != 0;
        if (bad || rename(tmp, path) != 0) {
            int e = errno;
            unlink(tmp);
            die(path, "%s", strerror(e));
        }
    }
    free(text);
}

/* ---- loading ------------------------------------------------------------------------ */

void result_timestamp(const json_t *root, char *buf, size_t cap)
{
    json_t *v = json_object_get(root, "timestamp"), *u = json_object_get(root, "timestamp_unix");
    buf[0] = '\0';
    if (json_is_string(v)) {
        snprintf(buf, cap, "%s", json_string_value(v));
    } else if (json_is_number(u)) {
        double x = json_number_value(u);
        struct tm tm;
        time_t t = (time_t)x;
        if (isfinite(x) && x >= 0 && x < 253402300800.0 /* year 10000 */ && gmtime_r(&t, &tm))
            strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
}

int result_load(result_file *f, const char *path, const char *kind, char *err, size_t cap)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->path, sizeof(f->path), "%s", path);
    struct stat sb;
    if (stat(path, &sb)) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        snprintf(err, cap, "%s: not a regular file", path);
        return -1;
    }
    if ((unsigned long long)sb.st_size > RESULT_FILE_BYTES_MAX) {
        snprintf(err, cap, "%s: %lld bytes, more than the %u a result file may have", path,
                 (long long)sb.st_size, RESULT_FILE_BYTES_MAX);
        return -1;
    }
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, cap, "%s: not valid JSON (line %d, column %d): %s", path, je.line,
                 je.column, je.text);
        return -1;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(err, cap, "%s: not a JSON object", path);
        return -1;
    }
    json_t *v = json_object_get(root, "schema_version");
    f->schema_version = RESULT_SCHEMA_OLDEST;
    if (v && !(json_is_integer(v) && json_integer_value(v) >= RESULT_SCHEMA_OLDEST &&
               json_integer_value(v) <= RESULT_SCHEMA_VERSION)) {
        if (json_is_integer(v))
            snprintf(err, cap, "%s: field \"schema_version\": %lld, this lakestream-bench reads "
                     "%d to %d (a newer one wrote it?)", path, (long long)json_integer_value(v),
                     RESULT_SCHEMA_OLDEST, RESULT_SCHEMA_VERSION);
        else
            snprintf(err, cap, "%s: field \"schema_version\": expected an integer", path);
        json_decref(root);
        return -1;
    }
    if (v)
        f->schema_version = (int)json_integer_value(v);
    json_t *rev = json_object_get(root, "git_rev");
    if (rev && !json_is_null(rev) && !json_is_string(rev)) {
        snprintf(err, cap, "%s: field \"git_rev\": expected a string", path);
        json_decref(root);
        return -1;
    }
    f->root = root;
    char ts[64];
    result_timestamp(root, ts, sizeof(ts));
    snprintf(f->label, sizeof(f->label), "%s%s%s (git %s, %s)", kind ? kind : "", kind ? " " : "",
             path, json_is_string(rev) ? json_string_value(rev) : "unknown",
             ts[0] ? ts : "no timestamp");
    return 0;
}

/* ---- dotted paths ---------------------------------------------------------------- */

int result_get(const result_file *f, const char *path, json_t **out)
{
    json_t *cur = f->root;
    const char *p = path;
    *out = NULL;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (json_is_array(cur) && n && strspn(p, "0123456789") == n)
            cur = json_array_get(cur, strtoul(p, NULL, 10));
        else if (json_is_object(cur))
            cur = json_object_getn(cur, p, n);
        else
            return die_warn(NULL, "%s: field \"%.*s\": expected an object", f->path,
                            (int)(p - path) - 1, path);
        if (!cur || json_is_null(cur))
            return 0;
        if (!dot) {
            *out = cur;
            return 1;
        }
        p = dot + 1;
    }
}

int result_num(const result_file *f, const char *path, double lo, int lo_open, double hi,
               double *out)
{
    json_t *v;
    int rc = result_get(f, path, &v);
    if (rc <= 0)
        return rc;
    if (!json_is_number(v))
        return die_warn(NULL, "%s: field \"%s\": expected a number, found %s", f->path, path,
                        json_is_string(v) ? "a string" : json_is_object(v) ? "an object"
                        : json_is_array(v) ? "an array" : "a boolean");
    double x = json_number_value(v);
    if (!isfinite(x) || (lo_open ? !(x > lo) : !(x >= lo)) || x > hi)
        return die_warn(NULL, "%s: field \"%s\": %g, expected a number %s %g and <= %g", f->path,
                        path, x, lo_open ? ">" : ">=", lo, hi);
    *out = x;
    return 1;
}

int result_str(const result_file *f, const char *path, const char **out)
{
    json_t *v;
    int rc = result_get(f, path, &v);
    *out = NULL;
    if (rc <= 0)
        return rc;
    if (!json_is_string(v))
        return die_warn(NULL, "%s: field \"%s\": expected a string", f->path, path);
    *out = json_string_value(v);
    return 1;
}

/* ---- field tables ------------------------------------------------------------------ */

static const char *const rtype_want[] = {
    [RF_STR] = "a string", [RF_INT] = "an integer >= 0", [RF_NUM] = "a number >= 0",
    [RF_BOOL] = "true or false", [RF_OBJ] = "an object", [RF_ARR] = "an array of objects",
    [RF_NUMS] = "an array of numbers",
};

const char *result_got(const json_t *v, char *buf, size_t size)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:  return "an object";
    case JSON_ARRAY:   return "an array";
    case JSON_STRING:  return "a string";
    case JSON_INTEGER: snprintf(buf, size, "%lld", (long long)json_integer_value(v)); return buf;
    case JSON_REAL:    snprintf(buf, size, "%g", json_real_value(v)); return buf;
    case JSON_TRUE:
    case JSON_FALSE:   return "a boolean";
    default:           return "null";
    }
}

static int check_value(const char *file, const char *where, const json_t *v, const result_field *f);

static int check_value(const char *file, const char *where, const json_t *v, const result_field *f)
{
    int ok = 0;
    switch (f->type) {
    case RF_STR:  ok = json_is_string(v); break;
    case RF_INT:  ok = json_is_integer(v) && (json_integer_value(v) >= 0 || (f->flags & RF_SIGNED)); break;
    case RF_NUM:  ok = json_is_number(v) && json_number_value(v) >= 0; break;
    case RF_BOOL: ok = json_is_boolean(v); break;
    case RF_OBJ:  ok = json_is_object(v); break;
    case RF_ARR:
    case RF_NUMS: ok = json_is_array(v); break;
    }
    char buf[64];
    if (!ok)
        return die_warn(NULL, "%s: field \"%s\": expected %s, got %s", file, where,
                    f->type == RF_INT && (f->flags & RF_SIGNED) ? "an integer" : rtype_want[f->type],
                    result_got(v, buf, sizeof buf));
    char pre[RESULT_FIELD_BYTES + 32];
    if (f->type == RF_OBJ && f->sub) {
        snprintf(pre, sizeof pre, "%s.", where);
        return result_check(file, v, f->sub, pre);
    }
    size_t n = json_array_size(v);
    if (f->type == RF_NUMS && n != f->count)
        return die_warn(NULL, "%s: field \"%s\": expected %zu numbers, got %zu", file, where, f->count, n);
    if (f->type == RF_ARR && n > f->count)
        return die_warn(NULL, "%s: field \"%s\": %zu elements, at most %zu are read", file, where, n, f->count);
    for (size_t i = 0; i < n && (f->type == RF_ARR || f->type == RF_NUMS); i++) {
        const json_t *e = json_array_get(v, i);
        snprintf(pre, sizeof pre, "%s[%zu]", where, i);
        if (f->type == RF_NUMS) {
            if (!json_is_number(e))
                return die_warn(NULL, "%s: field \"%s\": expected a number, got %s", file, pre,
                            result_got(e, buf, sizeof buf));
            continue;
        }
        if (!json_is_object(e))
            return die_warn(NULL, "%s: field \"%s\": expected an object, got %s", file, pre,
                        result_got(e, buf, sizeof buf));
        char sub[sizeof pre + 1];
        snprintf(sub, sizeof sub, "%s.", pre);
        if (result_check(file, e, f->sub, sub))
            return -1;
    }
    return 0;
}

/* Every field of spec in obj, named prefix + name in errors. */
int result_check(const char *file, const json_t *obj, const result_field *spec,
                 const char *prefix)
{
    for (const result_field *f = spec; f->name; f++) {
        char where[RESULT_FIELD_BYTES];
        snprintf(where, sizeof where, "%s%s", prefix, f->name);
        const json_t *v = json_object_get(obj, f->name);
        if (!v) {
            if (f->flags & RF_OPT)
                continue;
            return die_warn(NULL, "%s: field \"%s\" is missing", file, where);
        }
        if (json_is_null(v)) {
            if (f->flags & RF_NULL)
                continue;
            return die_warn(NULL, "%s: field \"%s\": expected %s, got null", file, where,
                        rtype_want[f->type]);
        }
        if (check_value(file, where, v, f))
            return -1;
    }
    return 0;
}

/* The run result: what report.c relies on (docs/workloads.md, "DIR/result.json"). */
static const result_field read_amp_fields[] = {
    { "data", RF_NUM, 0, NULL, 0 }, { "total", RF_NUM, 0, NULL, 0 },
    { "steps_replayed", RF_INT, RF_OPT, NULL, 0 }, { "ranks_replayed", RF_INT, RF_OPT, NULL, 0 },
    { NULL, 0, 0, NULL, 0 },
};
static const result_field machine_fields[] = {
    { "nproc", RF_INT, 0, NULL, 0 },
    { "hostname", RF_STR, RF_OPT | RF_NULL, NULL, 0 }, { "uname", RF_STR, RF_OPT | RF_NULL, NULL, 0 },
    { "cpu_model", RF_STR, RF_OPT | RF_NULL, NULL, 0 },
    { "mem_total_bytes", RF_INT, RF_OPT | RF_NULL, NULL, 0 },
    { "store_fs_type", RF_STR, RF_OPT | RF_NULL, NULL, 0 },
    { "loadavg_start", RF_STR, RF_OPT | RF_NULL, NULL, 0 },
    { "loadavg_end", RF_STR, RF_OPT | RF_NULL, NULL, 0 },
    { NULL, 0, 0, NULL, 0 },
};
static const result_field config_fields[] = {
    { "workload_file", RF_STR, 0, NULL, 0 }, { "global_batch", RF_INT, 0, NULL, 0 },
    { "step_time_ms", RF_NUM, 0, NULL, 0 }, { "preprocess_ms_per_mb", RF_NUM, 0, NULL, 0 },
    { "preprocess_fixed_ms", RF_NUM, 0, NULL, 0 }, { "producer_workers", RF_INT, 0, NULL, 0 },
    { "colocated_workers_per_rank", RF_INT, 0, NULL, 0 }, { "lead_steps", RF_INT, 0, NULL, 0 },
    { "store", RF_STR, RF_NULL, NULL, 0 }, { "bootstrap", RF_STR, RF_NULL, NULL, 0 },
    { "warmup_steps", RF_INT, RF_OPT, NULL, 0 }, { "checkpoint_every_steps", RF_INT, RF_OPT, NULL, 0 },
    { NULL, 0, 0, NULL, 0 },
};
static const result_field timeline_fields[] = {
    { "t_s", RF_NUM, 0, NULL, 0 }, { "steps", RF_INT, 0, NULL, 0 },
    { "produced", RF_INT, 0, NULL, 0 }, { "steps_trained", RF_INT, RF_OPT, NULL, 0 },
    { NULL, 0, 0, NULL, 0 },
};
static const result_field event_fields[] = {
    { "t_s", RF_NUM, 0, NULL, 0 }, { "event", RF_STR, 0, NULL, 0 },
    { "detail", RF_STR, RF_OPT | RF_NULL, NULL, 0 },
    { NULL, 0, 0, NULL, 0 },
};
const result_field result_run_failure_fields[] = {
    { "kind", RF_STR, 0, NULL, 0 }, { "at_s", RF_NUM, 0, NULL, 0 },
    { "target", RF_STR, 0, NULL, 0 }, { "training_continued", RF_BOOL, 0, NULL, 0 },
    { "duplicates", RF_INT, 0, NULL, 0 }, { "skipped", RF_INT, 0, NULL, 0 },
    { "recovery_s", RF_NUM, RF_NULL, NULL, 0 }, { "max_step_gap_s", RF_NUM, 0, NULL, 0 },
    { "steps_at_injection", RF_INT, 0, NULL, 0 }, { "checkpoint_step", RF_INT, RF_NULL, NULL, 0 },
    { "steps_redone", RF_INT, RF_NULL, NULL, 0 }, { "identical_steps", RF_BOOL, RF_NULL, NULL, 0 },
    { "steps_compared", RF_INT, 0, NULL, 0 }, { "note", RF_STR, RF_NULL, NULL, 0 },
    { "injected", RF_BOOL, RF_OPT, NULL, 0 }, { "job_restarted", RF_BOOL, RF_OPT, NULL, 0 },
    { "steps_mismatched", RF_INT, RF_OPT, NULL, 0 },
    { NULL, 0, 0, NULL, 0 },
};
/* A failure object with "injected": false (the run ended first). */
const result_field result_run_not_injected_fields[] = {
    { "kind", RF_STR, 0, NULL, 0 }, { "injected", RF_BOOL, 0, NULL, 0 },
    { "note", RF_STR, RF_OPT | RF_NULL, NULL, 0 },
    { NULL, 0, 0, NULL, 0 },
};
static const result_field cpu_fields[] = {
    { "producers", RF_NUM, 0, NULL, 0 }, { "ranks", RF_NUM, 0, NULL, 0 },
    { NULL, 0, 0, NULL, 0 },
};
static const result_field store_usage_fields[] = {
    { "objects", RF_INT, 0, NULL, 0 }, { "bytes", RF_INT, 0, NULL, 0 },
    { "log_records", RF_INT, 0, NULL, 0 }, { "log_bytes", RF_INT, 0, NULL, 0 },
    { "chunks", RF_INT, 0, NULL, 0 }, { "chunk_bytes", RF_INT, 0, NULL, 0 },
    { "snapshots", RF_INT, 0, NULL, 0 }, { "snapshot_bytes", RF_INT, 0, NULL, 0 },
    { "other_objects", RF_INT, 0, NULL, 0 },
    { NULL, 0, 0, NULL, 0 },
};
static const result_field kafka_fields[] = {
    { "kind", RF_STR, 0, NULL, 0 }, { "broker_version", RF_STR, RF_NULL, NULL, 0 },
    { "brokers", RF_INT, RF_NULL, NULL, 0 }, { "replication_factor", RF_INT, 0, NULL, 0 },
    { "partitions", RF_INT, 0, NULL, 0 }, { "topic", RF_STR, 0, NULL, 0 },
    { "topic_config", RF_OBJ, 0, NULL, 0 }, { "producer", RF_OBJ, 0, NULL, 0 },
    { "rank", RF_OBJ, 0, NULL, 0 },
    { NULL, 0, 0, NULL, 0 },
};
/* "benchmark" is checked first, on its own. */
const result_field result_run_fields[] = {
    { "plane", RF_STR, 0, NULL, 0 }, { "workload", RF_STR, 0, NULL, 0 },
    { "ranks", RF_INT, 0, NULL, 0 }, { "producers", RF_INT, 0, NULL, 0 },
    { "duration_s", RF_NUM, 0, NULL, 0 }, { "steps", RF_INT, 0, NULL, 0 },
    { "steps_per_s", RF_NUM, 0, NULL, 0 }, { "ideal_steps_per_s", RF_NUM, 0, NULL, 0 },
    { "fraction_of_ideal", RF_NUM, 0, NULL, 0 },
    { "step_wait_ms_p50", RF_NUM, 0, NULL, 0 }, { "step_wait_ms_p99", RF_NUM, 0, NULL, 0 },
    { "step_waits_counted", RF_INT, 0, NULL, 0 }, { "ingest_mb_per_s", RF_NUM, RF_NULL, NULL, 0 },
    { "samples_produced", RF_INT, 0, NULL, 0 }, { "samples_delivered", RF_INT, 0, NULL, 0 },
    { "produce_errors", RF_INT, 0, NULL, 0 }, { "samples_read", RF_INT, 0, NULL, 0 },
    { "bad_samples", RF_INT, 0, NULL, 0 }, { "duplicates", RF_INT, 0, NULL, 0 },
    { "processes_killed_at_stop", RF_INT, 0, NULL, 0 }, { "early_exit", RF_BOOL, 0, NULL, 0 },
    { "read_amplification", RF_OBJ, RF_NULL, read_amp_fields, 0 },
    { "baseline", RF_STR, RF_NULL, NULL, 0 }, { "seed", RF_INT, RF_SIGNED, NULL, 0 },
    { "git_rev", RF_STR, 0, NULL, 0 }, { "git_dirty", RF_BOOL, RF_NULL, NULL, 0 },
    { "machine", RF_OBJ, 0, machine_fields, 0 }, { "config", RF_OBJ, 0, config_fields, 0 },
    { "timeline", RF_ARR, 0, timeline_fields, RESULT_RUN_TIMELINE_MAX },
    /* Added later: older results lack them. */
    { "timestamp", RF_STR, RF_OPT | RF_NULL, NULL, 0 },
    { "step_wait_ms_cdf", RF_NUMS, RF_OPT | RF_NULL, NULL, RESULT_RUN_CDF_POINTS },
    { "events", RF_ARR, RF_OPT | RF_NULL, event_fields, RESULT_RUN_EVENTS_MAX },
    { "inject", RF_STR, RF_OPT | RF_NULL, NULL, 0 },
    { "failure", RF_OBJ, RF_OPT | RF_NULL, NULL, 0 },  /* its fields: below */
    { "skipped", RF_INT, RF_OPT, NULL, 0 }, { "steps_trained", RF_INT, RF_OPT, NULL, 0 },
    { "trimmed_offsets", RF_INT, RF_OPT, NULL, 0 },
    { "cpu_s", RF_OBJ, RF_OPT | RF_NULL, cpu_fields, 0 },
    { "mean_sample_bytes", RF_NUM, RF_OPT | RF_NULL, NULL, 0 },
    { "store_usage", RF_OBJ, RF_OPT | RF_NULL, store_usage_fields, 0 },
    { "kafka", RF_OBJ, RF_OPT | RF_NULL, kafka_fields, 0 },
    { NULL, 0, 0, NULL, 0 },
};
