/*
 * die.h -- the one error helper of lakestream-bench and lakestream-datagen.
 *
 * Every message goes to stderr as "PROG: WHAT: MESSAGE" ("PROG: MESSAGE"
 * when what is NULL), PROG being the command that runs ("lakestream-bench",
 * "lakestream-bench plan", ...).  die() then runs the cleanups registered
 * with die_atexit(), in the order registered, and exits with status 1.
 * Harness code only: the library never prints and never exits.
 */
#ifndef LS_HARNESS_DIE_H
#define LS_HARNESS_DIE_H

#define DIE_HOOKS_MAX 4      /* cleanups die_atexit() can hold */
#define DIE_STATUS 1         /* exit status of die() */
#define DIE_USAGE_STATUS 2   /* exit status of a usage error (args.c) */

/* The message prefix from now on (a string that outlives the program). */
void die_prog(const char *prog);

/* Run fn before any later die() exits.  Each runs once even if it dies
 * itself (the next one then runs). */
void die_atexit(void (*fn)(void));

/* Print the message; returns -1, for callers that unwind themselves. */
int die_warn(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print the message, run the cleanups, exit(status). */
void die_status(int status, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

/* After a message already printed (die_warn, a checked reader): the
 * cleanups, exit(status). */
void die_exit(int status) __attribute__((noreturn));

/* die_status(DIE_STATUS, ...). */
void die(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* A failed library call: its detail from ls_errmsg(), then ls_err2str(rc)
 * (die_ls.c: programs that link liblakestream). */
void die_ls(int rc, const char *what) __attribute__((noreturn));

#endif
