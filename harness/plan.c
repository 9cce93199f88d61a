/*
 * plan.c -- lakestream-bench plan (docs/workloads.md).  Not implemented yet.
 */
#include <stdio.h>

#include "bench.h"

int plan_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "lakestream-bench plan: not implemented yet (docs/workloads.md)\n");
    return 2;
}
