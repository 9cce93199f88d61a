/*
 * args.c -- reading a command line (args.h): getopt_long and the checked
 * conversions.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "die.h"

#define ARGS_MSG_BYTES 256   /* the reason of one bad value */

static int value_status(const args *a)
{
    return a && a->value_status ? a->value_status : DIE_STATUS;
}

void args_bad(const args *a, const char *v, const char *fmt, ...)
{
    char why[ARGS_MSG_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    die_status(value_status(a), NULL, "%s %s: %s", a ? a->opt : "argument", v, why);
}

static void usage_error(const args *a, const char *fmt, const char *word)
    __attribute__((noreturn));
static void usage_error(const args *a, const char *fmt, const char *word)
{
    die_warn(NULL, fmt, word);
    if (a->usage)
        a->usage(stderr);
    die_exit(a->usage_status);
}

int args_next(args *a)
{
    if (!a->started) {
        size_t n = 0;
        a->shortopts[n++] = '-';   /* words come back in order, as ARGS_WORD */
        a->shortopts[n++] = ':';   /* a missing value is ':', not '?' */
        for (const struct option *o = a->opts; o->name && n + 3 < sizeof(a->shortopts); o++)
            if (o->val > ' ' && o->val < 127 && isalnum(o->val)) {
                a->shortopts[n++] = (char)o->val;
                if (o->has_arg == required_argument)
                    a->shortopts[n++] = ':';
            }
        a->shortopts[n] = '\0';
        a->started = 1;
        optind = 0;      /* glibc: start over (each subcommand parses its own argv) */
        opterr = 0;      /* the messages are ours */
    }
    int li = -1;
    int c = getopt_long(a->argc, a->argv, a->shortopts, a->opts, &li);
    if (c == -1)
        return -1;
    const char *word = optind > 0 && optind <= a->argc ? a->argv[optind - 1] : "";
    if (c == ARGS_WORD) {
        snprintf(a->opt, sizeof(a->opt), "argument");
        return c;
    }
    if (c == '?') {
        char s[4] = { '-', (char)optopt, '\0', '\0' };
        usage_error(a, "unknown option %s (see --help)", optopt ? s : word);
    }
    if (c == ':')
        usage_error(a, "%s needs a value (see --help)", word);
    if (li < 0)   /* a short option: name it by its long name */
        for (int i = 0; a->opts[i].name; i++)
            if (a->opts[i].val == c) {
                li = i;
                break;
            }
    if (li >= 0)
        snprintf(a->opt, sizeof(a->opt), "--%s", a->opts[li].name);
    else
        snprintf(a->opt, sizeof(a->opt), "-%c", c);
    return c;
}

/* 0 and *out, or -1. */
static int parse_uint(const char *v, uint64_t *out)
{
    if (!v || !isdigit((unsigned char)v[0]))
        return -1;   /* no sign, no space */
    int hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, hex ? 16 : 10);
    if (errno || end == v + (hex ? 2 : 0))
        return -1;
    unsigned shift = 0;
    if (!hex) {
        if (*end == 'K' || *end == 'k') shift = 10, end++;
        else if (*end == 'M' || *end == 'm') shift = 20, end++;
        else if (*end == 'G' || *end == 'g') shift = 30, end++;
        if (*end == 'i' && shift)
            end++;
        if (*end == 'B' && shift)
            end++;
    }
    if (*end || (shift && x > (UINT64_MAX >> shift)))
        return -1;
    *out = (uint64_t)x << shift;
    return 0;
}

uint64_t args_uint(const args *a, const char *v, uint64_t lo, uint64_t hi)
{
    uint64_t x;
    if (parse_uint(v, &x) || x < lo || x > hi)
        args_bad(a, v, "expected an integer in %" PRIu64 "..%" PRIu64, lo, hi);
    return x;
}

double args_real(const args *a, const char *v, double lo, int lo_open, double hi)
{
    char *end;
    errno = 0;
    double x = v ? strtod(v, &end) : 0;
    if (!v || errno || end == v || *end || !isfinite(x) || (lo_open ? !(x > lo) : !(x >= lo)) ||
        x > hi)
        args_bad(a, v ? v : "(missing)", "expected a number %s %g and <= %g",
                 lo_open ? ">" : ">=", lo, hi);
    return x;
}

size_t args_list(const args *a, const char *v, uint64_t *out, size_t max, uint64_t lo,
                 uint64_t hi, int distinct)
{
    size_t n = 0;
    const char *p = v;
    for (;;) {
        size_t len = strcspn(p, ",");
        char item[ARGS_OPT_BYTES];
        uint64_t x;
        if (len == 0 || len >= sizeof(item) || n == max)
            break;
        memcpy(item, p, len);
        item[len] = '\0';
        if (parse_uint(item, &x) || x < lo || x > hi)
            break;
        for (size_t i = 0; distinct && i < n; i++)
            if (out[i] == x)
                args_bad(a, v, "%s is listed twice", item);
        out[n++] = x;
        if (!p[len])
            return n;
        p += len + 1;
    }
    args_bad(a, v, "expected 1 to %zu integers in %" PRIu64 "..%" PRIu64 ", comma separated",
             max, lo, hi);
}

int args_choice(const args *a, const char *v, const char *const *choices)
{
    char want[ARGS_MSG_BYTES] = "";
    size_t n = 0;
    for (int i = 0; choices[i]; i++) {
        if (!strcmp(v, choices[i]))
            return i;
        n++;
    }
    for (size_t i = 0; i < n; i++)
        snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
                 i == 0 ? "" : i + 1 == n ? " or " : ", ", choices[i]);
    args_bad(a, v, "expected %s", want);
}
