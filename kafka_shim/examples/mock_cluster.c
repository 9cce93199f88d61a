/* mock_cluster.c -- test helper: runs librdkafka's built-in mock cluster
 * (rdkafka_mock.h, the real Kafka protocol over loopback) in its own
 * process, so that separate producer and consumer processes can share it.
 *
 * Creates TOPIC with P partitions, prints the bootstrap servers as one line
 * on stdout, and serves until stdin reaches EOF or SIGTERM/SIGINT arrives.
 *   usage: mock_cluster -t TOPIC [-p PARTITIONS] [-B BROKERS]
 */
#define _POSIX_C_SOURCE 200809L /* sigaction */

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: mock_cluster -t TOPIC [-p PARTITIONS] [-B BROKERS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *topic = NULL;
	long partitions = 1, brokers = 1;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_mock_cluster_t *mcluster;
	rd_kafka_resp_err_t err;
	struct sigaction sa;
	char errstr[512], buf[256];
	rd_kafka_t *rk;
	int i;

	for (i = 1; i < argc; i++) {
		char *end;

		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "-t")) {
			topic = argv[++i];
		} else if (!strcmp(argv[i], "-p")) {
			partitions = strtol(argv[++i], &end, 10);
			if (*end || partitions < 1 || partitions > 1000)
				usage();
		} else if (!strcmp(argv[i], "-B")) {
			brokers = strtol(argv[++i], &end, 10);
			if (*end || brokers < 1 || brokers > 100)
				usage();
		} else {
			usage();
		}
	}
	if (!topic)
		usage();

	/* No SA_RESTART: a signal interrupts the blocking read below. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* The cluster lives on a dummy handle and dies with it; the handle
	 * itself connects nowhere, so silence its bootstrap.servers notice. */
	if (rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr) !=
	    RD_KAFKA_CONF_OK)
		fprintf(stderr, "mock_cluster: log_level: %s\n", errstr);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	if (!rk) {
		fprintf(stderr, "mock_cluster: rd_kafka_new: %s\n", errstr);
		rd_kafka_conf_destroy(conf);
		return 1;
	}
	mcluster = rd_kafka_mock_cluster_new(rk, (int)brokers);
	if (!mcluster) {
		fprintf(stderr, "mock_cluster: rd_kafka_mock_cluster_new failed\n");
		rd_kafka_destroy(rk);
		return 1;
	}
	err = rd_kafka_mock_topic_create(mcluster, topic, (int)partitions,
	                                 (int)(brokers < 3 ? brokers : 3));
	if (err) {
		fprintf(stderr, "mock_cluster: topic %s: %s\n", topic,
		        rd_kafka_err2str(err));
		rd_kafka_mock_cluster_destroy(mcluster);
		rd_kafka_destroy(rk);
		return 1;
	}

	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
	fflush(stdout);

	while (!stop) {
		ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
		if (r == 0 || (r < 0 && errno != EINTR))
			break;
	}

	rd_kafka_mock_cluster_destroy(mcluster);
	rd_kafka_destroy(rk);
	return 0;
}
