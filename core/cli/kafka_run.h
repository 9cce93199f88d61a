/* kafka_run.h -- the CLI's `kafka-run` verb (kafka_run.c). */
#ifndef LS_CLI_KAFKA_RUN_H
#define LS_CLI_KAFKA_RUN_H

/* argv[0] is "kafka-run".  Returns only on error (an exit code; -1 after
 * --help): on success the process becomes the program. */
int ls_cli_kafka_run(int argc, char **argv);

#endif
