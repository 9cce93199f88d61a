/*
 * args.h -- the one way lakestream-bench and lakestream-datagen read a
 * command line: getopt_long over the command's table of long options
 * (words that are not options come back in order), and checked numbers,
 * lists and choices whose errors name the option and the value:
 *
 *     lakestream-bench plan: --gpus 0: expected an integer in 1..1000000
 *
 * A value error exits with value_status (die.h); a usage error (an unknown
 * option, a missing value) prints "PROG: unknown option --x (see --help)",
 * then the command's usage if it has one, and exits with usage_status.
 *
 *     args a = { .argc = argc - 1, .argv = argv + 1, .opts = options, ... };
 *     for (int c; (c = args_next(&a)) != -1;)
 *         switch (c) {
 *         case OPT_GPUS: o->gpus = args_uint(&a, optarg, 1, PLAN_GPUS_MAX); break;
 *         case ARGS_WORD: ... optarg is the word ...
 *         }
 */
#ifndef LS_HARNESS_ARGS_H
#define LS_HARNESS_ARGS_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARGS_WORD      1    /* args_next: a word that is not an option (in optarg) */
#define ARGS_OPT_BYTES 64   /* an option's name as errors give it, "--read-timeout-ms" */
#define ARGS_SHORT_MAX 32   /* short options of one table ("h", ...) */

typedef struct args {
    int                  argc;          /* argv[0] is the command's name, not read */
    char               **argv;
    const struct option *opts;          /* ends with { 0 }; val < 128: also a short option */
    void               (*usage)(FILE *);   /* printed to stderr after a usage error; or NULL */
    int                  usage_status;  /* exit status of a usage error */
    int                  value_status;  /* exit status of a bad value (0: die.h's DIE_STATUS) */
    char                 opt[ARGS_OPT_BYTES];   /* the option being read */
    char                 shortopts[2 * ARGS_SHORT_MAX + 4];
    int                  started;
} args;

/* The next option's val (its argument in optarg), ARGS_WORD, or -1 at the
 * end.  Usage errors do not return. */
int args_next(args *a);

/* An integer in lo..hi: decimal or 0x hexadecimal, optionally with a binary
 * multiple K, M or G (KiB, MB, ... also read): "4096", "256K", "0x1f". */
uint64_t args_uint(const args *a, const char *v, uint64_t lo, uint64_t hi);

/* A number > lo (lo_open) or >= lo, and <= hi. */
double args_real(const args *a, const char *v, double lo, int lo_open, double hi);

/* A comma-separated list of 1..max args_uint values in lo..hi into out
 * (distinct: no value twice); returns how many. */
size_t args_list(const args *a, const char *v, uint64_t *out, size_t max, uint64_t lo,
                 uint64_t hi, int distinct);

/* The index of v in choices (NULL-terminated): "expected on, off or both". */
int args_choice(const args *a, const char *v, const char *const *choices);

/* A bad value found by the command itself: "PROG: OPT V: MESSAGE",
 * value_status. */
void args_bad(const args *a, const char *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

#endif
