/* consumer.c -- a consumer-group loader written only against librdkafka's
 * public API (<librdkafka/rdkafka.h>), so the same source links with
 * -lrdkafka or with -llakestream-rdkafka (DESIGN.md section 11).
 *
 * Subscribes to TOPIC as a member of GROUP, writes each message value as a
 * line on stdout, and commits synchronously every K messages and at the end.
 * Stops at the first of: COUNT messages seen (-n), end of every assigned
 * partition (-e), M messages seen (--max; the rest is left for the next
 * consumer of the group), or the timeout (-T, then exit status 3).
 *   usage: consumer -b BOOTSTRAP -t TOPIC -g GROUP [-n COUNT] [-e]
 *                   [--max M] [-c K] [-T TIMEOUT_MS] [-X prop=val ...]
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <librdkafka/rdkafka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PARTITIONS_MAX 1024 /* EOF flags are tracked per partition id */

static void usage(void)
{
	fprintf(stderr,
	        "usage: consumer -b BOOTSTRAP -t TOPIC -g GROUP [-n COUNT] [-e]\n"
	        "                [--max M] [-c K] [-T TIMEOUT_MS] [-X prop=val ...]\n");
	exit(2);
}

static long parse_long(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v < 0)
		usage();
	return v;
}

static void set_conf(rd_kafka_conf_t *conf, const char *name, const char *value)
{
	char errstr[512];

	if (rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr) !=
	    RD_KAFKA_CONF_OK) {
		fprintf(stderr, "consumer: %s=%s: %s\n", name, value, errstr);
		exit(2);
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* True when the assignment is non-empty and every assigned partition of
 * the topic has reported EOF since its last message. */
static int all_at_eof(rd_kafka_t *rk, const unsigned char *at_eof)
{
	rd_kafka_topic_partition_list_t *parts = NULL;
	int i, all;

	if (rd_kafka_assignment(rk, &parts) || !parts)
		return 0;
	all = parts->cnt > 0;
	for (i = 0; i < parts->cnt && all; i++) {
		int32_t p = parts->elems[i].partition;
		all = p >= 0 && p < PARTITIONS_MAX && at_eof[p];
	}
	rd_kafka_topic_partition_list_destroy(parts);
	return all;
}

/* Synchronous commit of the positions of the messages returned so far. */
static int commit_sync(rd_kafka_t *rk)
{
	rd_kafka_resp_err_t err = rd_kafka_commit(rk, NULL, 0);

	/* _NO_OFFSET: nothing consumed since the last commit, not an error. */
	if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
		fprintf(stderr, "consumer: commit: %s\n", rd_kafka_err2str(err));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *bootstrap = NULL, *topic = NULL, *group = NULL;
	long count = -1, max = -1, commit_every = 100, timeout_ms = 60 * 1000;
	long seen = 0, since_commit = 0, commits = 0, eofs = 0, deadline;
	int want_eof = 0, failed = 0, timed_out = 0, i;
	static unsigned char at_eof[PARTITIONS_MAX];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *subscription;
	rd_kafka_resp_err_t err;
	char errstr[512];
	rd_kafka_t *rk;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "-e")) {
			want_eof = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(arg, "-b")) {
			bootstrap = argv[++i];
		} else if (!strcmp(arg, "-t")) {
			topic = argv[++i];
		} else if (!strcmp(arg, "-g")) {
			group = argv[++i];
		} else if (!strcmp(arg, "-n")) {
			count = parse_long(argv[++i]);
		} else if (!strcmp(arg, "--max")) {
			max = parse_long(argv[++i]);
		} else if (!strcmp(arg, "-c")) {
			commit_every = parse_long(argv[++i]);
		} else if (!strcmp(arg, "-T")) {
			timeout_ms = parse_long(argv[++i]);
		} else if (!strcmp(arg, "-X")) {
			char *prop = argv[++i], *eq = strchr(prop, '=');
			if (!eq)
				usage();
			*eq = '\0';
			set_conf(conf, prop, eq + 1);
		} else {
			usage();
		}
	}
	if (!bootstrap || !topic || !group || commit_every < 1 ||
	    (count < 0 && max < 0 && !want_eof))
		usage();

	set_conf(conf, "bootstrap.servers", bootstrap);
	set_conf(conf, "group.id", group);
	set_conf(conf, "auto.offset.reset", "earliest");
	/* Offsets are committed by this loader at its own checkpoints. */
	set_conf(conf, "enable.auto.commit", "false");
	if (want_eof)
		set_conf(conf, "enable.partition.eof", "true");

	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
	if (!rk) {
		fprintf(stderr, "consumer: rd_kafka_new: %s\n", errstr);
		rd_kafka_conf_destroy(conf);
		return 2;
	}
	/* Route the main queue to the consumer queue: one poll call serves all. */
	rd_kafka_poll_set_consumer(rk);

	subscription = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(subscription, topic,
	                                  RD_KAFKA_PARTITION_UA);
	err = rd_kafka_subscribe(rk, subscription);
	rd_kafka_topic_partition_list_destroy(subscription);
	if (err) {
		fprintf(stderr, "consumer: subscribe %s: %s\n", topic,
		        rd_kafka_err2str(err));
		rd_kafka_destroy(rk);
		return 2;
	}

	deadline = now_ms() + timeout_ms;
	for (;;) {
		rd_kafka_message_t *rkm;

		if (count >= 0 && seen >= count)
			break;
		if (max >= 0 && seen >= max)
			break;
		if (want_eof && all_at_eof(rk, at_eof))
			break;
		if (now_ms() >= deadline) {
			timed_out = 1;
			break;
		}

		rkm = rd_kafka_consumer_poll(rk, 100);
		if (!rkm)
			continue;
		if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (rkm->partition >= 0 && rkm->partition < PARTITIONS_MAX)
				at_eof[rkm->partition] = 1;
			eofs++;
		} else if (rkm->err) {
			/* Consumer errors are informational unless fatal. */
			fprintf(stderr, "consumer: %s\n", rd_kafka_message_errstr(rkm));
			if (rkm->err == RD_KAFKA_RESP_ERR__FATAL) {
				failed = 1;
				rd_kafka_message_destroy(rkm);
				break;
			}
		} else {
			if (rkm->partition >= 0 && rkm->partition < PARTITIONS_MAX)
				at_eof[rkm->partition] = 0;
			fwrite(rkm->payload, 1, rkm->len, stdout);
			fputc('\n', stdout);
			seen++;
			if (++since_commit >= commit_every) {
				if (commit_sync(rk))
					failed = 1;
				commits++;
				since_commit = 0;
			}
		}
		rd_kafka_message_destroy(rkm);
	}

	if (since_commit > 0) {
		if (commit_sync(rk))
			failed = 1;
		commits++;
	}
	if (fflush(stdout))
		failed = 1;
	err = rd_kafka_consumer_close(rk);
	if (err) {
		fprintf(stderr, "consumer: close: %s\n", rd_kafka_err2str(err));
		failed = 1;
	}
	rd_kafka_destroy(rk);

	fprintf(stderr,
	        "consumer: topic %s group %s: %ld messages, %ld commits, %ld EOFs%s\n",
	        topic, group, seen, commits, eofs, timed_out ? ", timed out" : "");
	if (failed)
		return 1;
	return timed_out ? 3 : 0;
}
