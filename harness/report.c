/*
 * report.c -- lakestream-bench report (docs/workloads.md).  Not implemented yet.
 */
#include <stdio.h>

#include "bench.h"

int report_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "lakestream-bench report: not implemented yet (docs/workloads.md)\n");
    return 2;
}
