/*
 * bench.h -- the subcommands of lakestream-bench, as harness/bench_main.c
 * dispatches them.  Each takes the whole command line (argv[1] is the
 * subcommand) and returns the exit status; usage texts are printed by
 * `lakestream-bench --help`.  Nothing else is shared through this header.
 */
#ifndef LS_BENCH_H
#define LS_BENCH_H

#include <stdio.h>

int  ingest_main(int argc, char **argv);      /* bench_ingest.c */
void ingest_usage(FILE *f);
int  recovery_main(int argc, char **argv);    /* bench_recovery.c */
void recovery_usage(FILE *f);
int  crash_child_main(int argc, char **argv); /* bench_recovery.c: __crash-child */
int  commit_main(int argc, char **argv);      /* bench_commit.c */
void commit_usage(FILE *f);
int  stores_main(int argc, char **argv);      /* bench_stores.c */
void stores_usage(FILE *f);
int  run_main(int argc, char **argv);         /* run.c */
int  report_main(int argc, char **argv);      /* report.c */
int  plan_main(int argc, char **argv);        /* plan.c */
int  meta_main(int argc, char **argv);        /* meta.c */
int  kafka_ingest_main(int argc, char **argv);  /* bench_kafka_ingest.c */
void kafka_ingest_usage(FILE *f);

#endif
