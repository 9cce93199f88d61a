/*
 * fuzz_util.h -- helpers shared by the fuzz targets of tests/fuzz: a check
 * that fails in every build (NDEBUG or not), and a cursor that splits the
 * fuzzer's bytes into small integers and byte strings.  A target does not
 * need it; the convention is only LLVMFuzzerTestOneInput (docs/fuzzing.md).
 */
#ifndef LS_FUZZ_UTIL_H
#define LS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test: abort() is what libFuzzer and the
 * replay driver report as a crash, with or without NDEBUG. */
#define FUZZ_CHECK(cond) do { if (!(cond)) { \
        fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
        abort(); } } while (0)

typedef struct fuzz_in {
    const uint8_t *p;
    size_t         n;   /* bytes left */
} fuzz_in;

/* Each reader returns 0 (or nothing) once the input is used up. */
static inline uint8_t fuzz_u8(fuzz_in *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

static inline uint16_t fuzz_u16(fuzz_in *in)
{
    uint16_t lo = fuzz_u8(in);
    return (uint16_t)(lo | (uint16_t)fuzz_u8(in) << 8);
}

/* Up to want bytes, borrowed from the input; *got says how many. */
static inline const uint8_t *fuzz_bytes(fuzz_in *in, size_t want, size_t *got)
{
    const uint8_t *p = in->p;
    *got = want < in->n ? want : in->n;
    in->p += *got;
    in->n -= *got;
    return p;
}

#endif /* LS_FUZZ_UTIL_H */
