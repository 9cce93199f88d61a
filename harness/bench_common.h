/*
 * bench_common.h -- what the benchmarks of lakestream-bench (bench_ingest.c,
 * bench_recovery.c, bench_commit.c, bench_stores.c) truly share: the limits
 * and units, the cleanup state that die() undoes, timing, the data pool
 * samples are cut from, the work directory, and small JSON helpers.
 */
#ifndef LS_BENCH_COMMON_H
#define LS_BENCH_COMMON_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>
#include <sys/types.h>

#include <jansson.h>

#include "args.h"
#include "die.h"
#include "lakestream.h"

#define PROG "lakestream-bench"

#define MIB ((uint64_t)1 << 20)
#define MB 1e6                  /* MB/s figures are 10^6 bytes per second */
#define POOL_BYTES (64 * MIB)   /* random data that samples are cut from */
#define SIZES_MAX 8             /* sample sizes of one run (ingest, stores) */
#define REPEAT_MAX 100          /* repetitions of one measurement */
#define PRODUCER_ID "bench-producer"

/* ---- what die() undoes (bench_cleanup) ----------------------------------- */

extern char *g_workdir;           /* the work directory this run created */
extern int g_keep;                /* --keep: leave it */
extern pid_t g_child;             /* recovery: the crashing ingest child, while it runs */
extern pid_t *g_children;         /* commit: the producer processes, while they run */
extern size_t g_nchildren;
extern volatile sig_atomic_t g_stop;  /* SIGINT or SIGTERM seen */
extern void (*g_on_die)(void);    /* stores: remove the run's s3 objects */

/* The prefix of messages, die()'s cleanup and (if signals) SIGINT/SIGTERM
 * handlers that set g_stop: the start of every benchmark. */
void bench_init(int signals);

/* In the loops: die() if a signal asked to stop. */
void check_stop(void);

/* A line on stderr. */
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the command line (harness/args.h) --------------------------------------- */

/* The parser of a benchmark's options: usage errors print usage, status 2. */
args bench_args(int argc, char **argv, const struct option *opts, void (*usage)(FILE *));

/* --store URI: the directory a benchmark makes its fresh work directory in,
 * given as a path or a file:///absolute/path URI (ls_store_open's form);
 * other schemes are refused (these benchmarks measure a posix store). */
const char *store_arg(const args *a, const char *uri);

/* A word where none is taken: die("arguments", "unexpected ..."). */
void bench_unexpected(const char *word) __attribute__((noreturn));

/* ---- time, files, statistics ---------------------------------------------- */

uint64_t now_ns(void);                       /* CLOCK_MONOTONIC */
double cpu_s(const struct timeval *tv);
double cpu_now_s(void);                      /* user + system CPU of the process */
int cmp_double(const void *a, const void *b);
double median(const double *v, size_t n);    /* n <= REPEAT_MAX * SIZES_MAX */
double pct_sorted(const double *v, size_t n, double q);   /* nearest rank, q in 0..1 */
int rm_rf(const char *path);
int write_all(int fd, const uint8_t *p, size_t len);
int read_all(int fd, void *buf, size_t len);  /* check_stop() on EINTR; -1 at EOF */
int drop_page_cache(void);                   /* 1 if the kernel dropped it (root) */
char *read_loadavg(void);                    /* "0.12 0.34 0.56", malloc()ed, or NULL */

/* A fresh work directory parent/lakestream-bench.XXXXXX (realpath, owned
 * by g_workdir until the benchmark frees it). */
char *make_workdir(const char *parent, int keep);

/* The directory of this program's binary (the workers lie beside it). */
const char *bench_exe_dir(void);

/* The end of a run: remove the work directory (or, with keep, say where it
 * was kept, calling it "the WHAT directory"), clear g_workdir, free dir. */
void end_workdir(char *dir, int keep, const char *what);

/* ---- deterministic data ----------------------------------------------- */

/* Samples are cut from a pool of random bytes at random 8-byte aligned
 * offsets, so that producing a sample costs nothing next to the library's
 * work and the stored bytes do not compress (the tables use codec none;
 * the pool is also what a reader checks the delivered samples against). */
typedef struct pool {
    uint8_t *data;
    size_t   len;       /* POOL_BYTES + the largest block cut from it */
    uint64_t seed;
} pool;

void pool_init(pool *pl, uint64_t seed, size_t max_cut);
const uint8_t *pool_cut(const pool *pl, uint64_t salt, uint64_t i);  /* cut i of stream salt */

/* ---- the library ----------------------------------------------------------- */

ls_conf *conf_with(const ls_conf *base, const char *name, const char *value);  /* a copy */
ls_conf *conf_or_die(ls_conf *c, const char *name, const char *value);       /* set in c */
ls_table_info table_info(ls_store *st, const char *table, const ls_conf *conf);

/* --conf NAME=VALUE: set in conf and record in overrides; store.fsync (and
 * producer.commit.policy if policy_why) refused with the reason given. */
void conf_arg(char *arg, ls_conf *conf, json_t *overrides, const char *fsync_why,
              const char *policy_why);

/* ---- JSON ----------------------------------------------------------------- */

void jset(json_t *o, const char *k, json_t *v);
json_t *jreal(double x);
json_t *jint(uint64_t x);
json_t *conf_json(const ls_conf *conf, const char *skip);   /* every property but skip */
json_t *command_json(int argc, char **argv);                /* the words joined */
json_t *producer_stats_json(const ls_producer_stats *s);
json_t *read_stats_json(const ls_read_stats *s);
json_t *table_info_json(const ls_table_info *in);
json_t *dist_json(double *v, size_t n);                     /* sorts v: n, min, p50, ... */

#endif
