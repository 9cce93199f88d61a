/*
 * replay.c -- links a fuzz target into an ordinary test program: runs
 * LLVMFuzzerTestOneInput once on every file of the directories (and on the
 * files) named on the command line, in name order, so that ctest checks the
 * seed corpus and every regression input in each build, sanitizers
 * included (fuzz_replay_<name>, docs/fuzzing.md).  A missing directory is
 * skipped (a target may have no regressions yet); no input at all fails.
 * Each input is copied into a buffer of its exact size, so that AddressSanitizer
 * sees a read past its end.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static size_t n_inputs, n_bytes;

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        fprintf(stderr, "replay: %s: cannot read\n", path);
        free(buf);
        return -1;
    }
    /* An exact-size copy: the target must not read past size. */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, len);
    free(buf);
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
    int rc = LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    if (rc != 0 && rc != -1) {
        fprintf(stderr, "replay: %s: LLVMFuzzerTestOneInput returned %d\n", path, rc);
        return -1;
    }
    n_inputs++;
    n_bytes += len;
    return 0;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dots(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

static int replay_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s (skipped)\n", path, strerror(errno));
        return errno == ENOENT ? 0 : -1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(path);
    struct dirent **ents;
    int n = scandir(path, &ents, skip_dots, name_cmp);
    if (n < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        size_t need = strlen(path) + strlen(ents[i]->d_name) + 2;
        char *child = malloc(need);
        if (child)
            snprintf(child, need, "%s/%s", path, ents[i]->d_name);
        if (!child || replay_path(child))
            rc = -1;
        free(child);
        free(ents[i]);
    }
    free(ents);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    int rc = 0;
    for (int i = 1; i < argc; i++)
        if (replay_path(argv[i]))
            rc = 1;
    if (n_inputs == 0) {
        fprintf(stderr, "replay: no inputs found\n");
        return 1;
    }
    fprintf(stderr, "replay: %zu inputs, %zu bytes: %s\n", n_inputs, n_bytes,
            rc ? "FAILED" : "ok");
    return rc;
}
