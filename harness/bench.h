/*
 * bench.h -- what harness/bench.c shares with the other subcommands of
 * lakestream-bench (harness/run.c, report.c, plan.c).
 */
#ifndef LS_BENCH_H
#define LS_BENCH_H

#include <jansson.h>

/* The machine (host, CPU, memory, the disk holding dir) as JSON. */
json_t *machine_json(const char *dir);
/* Set root's "git_rev" and "git_dirty". */
void    git_json(json_t *root);
/* lakestream-bench run ... (harness/run.c, report.c, plan.c). */
int     run_main(int argc, char **argv);
/* lakestream-bench report DIR... --out REPORT_DIR (harness/report.c). */
int     report_main(int argc, char **argv);
/* lakestream-bench plan WORKLOAD --gpus N ... (harness/plan.c). */
int     plan_main(int argc, char **argv);
/* lakestream-bench meta --store URI ... (harness/meta.c). */
int     meta_main(int argc, char **argv);

#endif
