/*
 * util.c -- small shared pieces: a growable byte buffer, CRC32C (ISA-L),
 * clocks, randomness, quoting untrusted strings for error messages.
 */
#include <errno.h>
#include <isa-l/crc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "ls_int.h"

int ls_bytes_reserve(ls_bytes *b, size_t extra)
{
    if (b->len + extra < b->len)
        return ls_seterr(LS_ERR_NOMEM, "buffer size overflow");
    if (b->len + extra <= b->cap)
        return LS_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra)
        cap = cap > SIZE_MAX / 2 ? b->len + extra : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return ls_seterr(LS_ERR_NOMEM, "cannot allocate %zu bytes", cap);
    b->data = p;
    b->cap = cap;
    return LS_OK;
}

int ls_bytes_append(ls_bytes *b, const void *p, size_t n)
{
    int rc = ls_bytes_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return LS_OK;
}

void ls_bytes_free(ls_bytes *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint32_t ls_crc32c(const void *buf, size_t len)
{
    return ls_crc32c_extend(0, buf, len);
}

uint32_t ls_crc32c_extend(uint32_t crc, const void *buf, size_t len)
{
    crc ^= 0xffffffffu;
    const unsigned char *p = buf;
    while (len > 0) {
        int n = len > (1u << 30) ? (1 << 30) : (int)len;
        crc = crc32_iscsi((unsigned char *)p, n, crc);
        p += n;
        len -= (size_t)n;
    }
    return crc ^ 0xffffffffu;
}

uint64_t ls_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t ls_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ls_sleep_ms(unsigned ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void ls_backoff(unsigned *ms, unsigned max_ms)
{
    ls_sleep_ms(*ms);
    *ms = *ms * 2 > max_ms ? max_ms : *ms * 2;
}

int ls_random_bytes(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return ls_seterr(LS_ERR_IO, "getrandom: %s", strerror(errno));
        }
        p += n;
        len -= (size_t)n;
    }
    return LS_OK;
}

uint64_t ls_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Bytes of c's escaped form. */
static size_t quote_len(unsigned char c)
{
    return c == '\\' || c == '"' ? 2 : c >= 0x20 && c < 0x7f ? 1 : 4;
}

const char *ls_quote(char *buf, size_t cap, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (cap < 8) {      /* room for at least one escape and "..." */
        if (cap)
            buf[0] = '\0';
        return buf;
    }
    if (!s) {
        snprintf(buf, cap, "(null)");
        return buf;
    }
    size_t total = 0;
    for (size_t i = 0; i < n && total < cap; i++)
        total += quote_len((unsigned char)s[i]);
    size_t room = total < cap ? cap - 1 : cap - 4;  /* else keep "..." */
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o + quote_len(c) > room)
            break;
        if (c == '\\' || c == '"') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c >= 0x20 && c < 0x7f) {
            buf[o++] = (char)c;
        } else {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15];
        }
    }
    if (total >= cap) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

const char *ls_q(const char *s)
{
    static _Thread_local char ring[4][LS_QUOTE_BYTES];
    static _Thread_local unsigned next;
    char *b = ring[next++ % 4];
    return ls_quote(b, LS_QUOTE_BYTES, s, s ? strnlen(s, LS_QUOTE_BYTES) : 0);
}
