/*
 * fuzz_avro_source.c -- libFuzzer target for the data-lake source
 * (core/source_avro.c, core/source_schema.c): the input is the one .avro
 * file of a dataset directory, read through the public API to its end or
 * its first error; then read again from the position after its first
 * sample, as a restarted producer would (block headers walked, records
 * skipped).  Everything is freed, so leaks are findings too.
 *
 * Seeds: corpus/avro_source/ (lakestream-datagen files, null and deflate);
 * regress/avro_source/ holds the inputs of past findings (the recursive
 * schema that overflowed avro-c's stack first).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lakestream.h"
#include "ls_int.h"

static char dir[256];    /* the dataset: made once per process */
static char path[300];   /* its one file */

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/fuzz-avro-source.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        abort();
    snprintf(path, sizeof(path), "%s/input.avro", dir);
    atexit(cleanup);
}

static void put_file(const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        abort();
    for (size_t off = 0; off < size;) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }
    close(fd);
}

/* Read the dataset from pos to its end or first error; the position after
 * the first sample into first[] (*first_len, 0 if none) when first. */
static void drain(const uint8_t *pos, size_t pos_len, uint8_t *first, size_t *first_len)
{
    ls_source *s = NULL;
    if (first_len)
        *first_len = 0;
    if (ls_source_open(dir, "sample", pos_len ? pos : NULL, pos_len, &s) != LS_OK)
        return;
    volatile uint8_t sink = 0;
    for (uint64_t i = 0;; i++) {
        const void *p;
        size_t n;
        int eof;
        if (ls_source_next(s, &p, &n, &eof) != LS_OK || eof)
            break;
        if (n)   /* the sample must be readable, both ends */
            sink ^= ((const uint8_t *)p)[0] ^ ((const uint8_t *)p)[n - 1];
        size_t len;
        const void *at = ls_source_position(s, &len);
        if (len > LS_SOURCE_POSITION_BYTES_MAX)
            abort();
        if (i == 0 && first && len) {
            memcpy(first, at, len);
            *first_len = len;
        }
    }
    (void)sink;
    ls_source_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t first[LS_SOURCE_POSITION_BYTES_MAX];
    if (!dir[0])
        setup();
    put_file(data, size);
    size_t first_len;
    drain(NULL, 0, first, &first_len);
    if (first_len)
        drain(first, first_len, NULL, NULL);
    return 0;
}
