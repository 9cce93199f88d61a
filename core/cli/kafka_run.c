/*
 * kafka_run.c -- `lakestream kafka-run [--store URI] [--rank R --world-size W]
 * -- PROGRAM ARGS...`: run an unmodified program built against
 * librdkafka.so.1 on Lakestream (docs/kafka-shim.md, "Run your loader
 * unchanged").
 *
 * The program's dynamic loader finds the shim's librdkafka.so.1 (same
 * SONAME, librdkafka 2.0.2's exports) first on LD_LIBRARY_PATH, so the
 * real librdkafka is never loaded: library path substitution, not
 * LD_PRELOAD, under which both libraries would load and any symbol the
 * preload lacks would silently bind to the real one.  The store comes from
 * --store (LAKESTREAM_STORE), overriding the program's bootstrap.servers,
 * which names a Kafka broker the program expects.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kafka_run.h"

#define DROPIN_LIB "librdkafka.so.1"
#define DROPIN_ENV "LAKESTREAM_DROPIN_DIR"   /* where the stand-in lies, if not found */

static int is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The directory holding the shim's librdkafka.so.1: $LAKESTREAM_DROPIN_DIR,
 * else next to this executable (the build tree's dropin/), else the
 * installed <prefix>/lib/lakestream. */
static int dropin_dir(char *out, size_t size)
{
    const char *env = getenv(DROPIN_ENV);
    char path[2 * PATH_MAX + 64];
    if (env && *env) {
        snprintf(path, sizeof path, "%s/%s", env, DROPIN_LIB);
        if (!is_file(path))
            return -1;
        snprintf(out, size, "%s", env);
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    const char *tries[] = {"%s/dropin", "%s/../lib/lakestream"};
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        char dir[PATH_MAX + 32];
        snprintf(dir, sizeof dir, tries[i], exe);
        snprintf(path, sizeof path, "%s/%s", dir, DROPIN_LIB);
        if (is_file(path)) {
            char *real = realpath(dir, NULL);
            if (!real)
                return -1;
            snprintf(out, size, "%s", real);
            free(real);
            return 0;
        }
    }
    return -1;
}

static const char kafka_run_usage[] =
    "usage: lakestream kafka-run [--store URI] [--rank R] [--world-size W]\n"
    "                            [--global-batch B] -- PROGRAM [ARGS...]\n"
    "Runs PROGRAM (dynamically linked against librdkafka.so.1) with the\n"
    "Lakestream shim in librdkafka's place; its topics are tables of URI.\n";

int ls_cli_kafka_run(int argc, char **argv)
{
    const char *store = NULL, *rank = NULL, *world = NULL, *batch = NULL;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        const char **slot = !strcmp(a, "--store")        ? &store
                          : !strcmp(a, "--rank")         ? &rank
                          : !strcmp(a, "--world-size")   ? &world
                          : !strcmp(a, "--global-batch") ? &batch
                                                         : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(kafka_run_usage, stdout);
            return -1;
        }
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "lakestream: kafka-run: %s %s\n%s",
                    slot ? "missing value for" : "unknown option", a, kafka_run_usage);
            return 2;
        }
        *slot = argv[++i];
    }
    if (i >= argc) {
        fprintf(stderr, "lakestream: kafka-run: no program after --\n%s", kafka_run_usage);
        return 2;
    }
    char dir[PATH_MAX];
    if (dropin_dir(dir, sizeof dir)) {
        fprintf(stderr, "lakestream: kafka-run: cannot find the shim's %s (build it: target "
                "lakestream_rdkafka_dropin; or set %s to its directory)\n", DROPIN_LIB,
                DROPIN_ENV);
        return 1;
    }
    const char *old = getenv("LD_LIBRARY_PATH");
    size_t len = strlen(dir) + (old ? strlen(old) + 1 : 0) + 1;
    char *path = malloc(len);
    if (!path) {
        fprintf(stderr, "lakestream: kafka-run: out of memory\n");
        return 1;
    }
    snprintf(path, len, "%s%s%s", dir, old && *old ? ":" : "", old && *old ? old : "");
    const char *envs[][2] = {{"LD_LIBRARY_PATH", path}, {"LAKESTREAM_STORE", store},
                             {"RANK", rank}, {"WORLD_SIZE", world},
                             {"LAKESTREAM_GLOBAL_BATCH", batch}};
    for (size_t k = 0; k < sizeof envs / sizeof envs[0]; k++)
        if (envs[k][1] && setenv(envs[k][0], envs[k][1], 1)) {
            fprintf(stderr, "lakestream: kafka-run: setenv %s: %s\n", envs[k][0],
                    strerror(errno));
            free(path);
            return 1;
        }
    free(path);
    execvp(argv[i], argv + i);
    fprintf(stderr, "lakestream: kafka-run: cannot run %s: %s\n", argv[i], strerror(errno));
    return 127;
}
