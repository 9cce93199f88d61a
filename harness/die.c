/*
 * die.c -- the harness's error helper (die.h): one message format, the
 * cleanups a program registers, one exit path.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "die.h"

static const char *g_prog = "lakestream-bench";
static void (*g_hooks[DIE_HOOKS_MAX])(void);
static int g_nhooks, g_next_hook;   /* g_next_hook: the next to run (once each) */

void die_prog(const char *prog)
{
    g_prog = prog;
}

void die_atexit(void (*fn)(void))
{
    for (int i = 0; i < g_nhooks; i++)
        if (g_hooks[i] == fn)
            return;
    if (g_nhooks == DIE_HOOKS_MAX) {
        fprintf(stderr, "%s: internal: more than %d cleanups\n", g_prog, DIE_HOOKS_MAX);
        abort();
    }
    g_hooks[g_nhooks++] = fn;
}

static void vmessage(const char *what, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", g_prog);
    if (what)
        fprintf(stderr, "%s: ", what);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int die_warn(const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(what, fmt, ap);
    va_end(ap);
    return -1;
}

static void cleanup_exit(int status) __attribute__((noreturn));
static void cleanup_exit(int status)
{
    while (g_next_hook < g_nhooks)
        g_hooks[g_next_hook++]();   /* a hook that dies comes back here for the rest */
    exit(status);
}

static void vdie(int status, const char *what, const char *fmt, va_list ap)
    __attribute__((noreturn));
static void vdie(int status, const char *what, const char *fmt, va_list ap)
{
    vmessage(what, fmt, ap);
    cleanup_exit(status);
}

void die_exit(int status)
{
    cleanup_exit(status);
}

void die_status(int status, const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdie(status, what, fmt, ap);
}

void die(const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdie(DIE_STATUS, what, fmt, ap);
}
