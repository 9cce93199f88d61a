/*
 * bench_main.c -- lakestream-bench's main: dispatches the subcommand
 * (bench.h) and nothing else.  The benchmarks are bench_ingest.c,
 * bench_recovery.c, bench_commit.c and bench_stores.c (schema:
 * docs/benchmarks.md); run, report, plan and meta are run.c, report.c,
 * plan.c and meta.c (docs/workloads.md, docs/bench-*.md).
 */
#include <string.h>

#include "bench.h"
#include "die.h"

static const struct {
    const char *name;
    int (*main)(int argc, char **argv);
} subcommands[] = {
    { "ingest", ingest_main }, { "recovery", recovery_main }, { "commit", commit_main },
    { "stores", stores_main }, { "run", run_main }, { "report", report_main },
    { "plan", plan_main }, { "meta", meta_main }, { "kafka-ingest", kafka_ingest_main },
    { "__crash-child", crash_child_main },   /* recovery's own child, not for users */
};

static void usage_all(FILE *f)
{
    ingest_usage(f);
    fputc('\n', f);
    recovery_usage(f);
    fputc('\n', f);
    commit_usage(f);
    fputc('\n', f);
    stores_usage(f);
    fputc('\n', f);
    kafka_ingest_usage(f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage_all(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage_all(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
        if (!strcmp(argv[1], subcommands[i].name))
            return subcommands[i].main(argc, argv);
    die(argv[1], "unknown benchmark (known: ingest, recovery, commit, stores, run, report, "
                 "plan, meta, kafka-ingest; see --help)");
}
