/* throughput.c -- produce N messages, then consume them in a group, timing
 * both; written only against librdkafka's API, so the same binary runs on
 * librdkafka (against a broker or its mock cluster) and, through
 * `lakestream kafka-run`, on the shim (scripts/bench-kafka.sh).
 *
 *   usage: throughput -b BROKERS -t TOPIC [-n N] [-s BYTES] [-g GROUP]
 *                     [-X name=value ...]
 *
 * Prints one JSON object: produce and consume messages/s (consume: from the
 * first message received to the last, so a group join is not counted;
 * also from subscribe), and the process CPU seconds of each phase.
 */
#include <librdkafka/rdkafka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "throughput: %s: %s\n", what, why);
	exit(1);
}

static void conf_set(rd_kafka_conf_t *c, const char *n, const char *v)
{
	char errstr[512];
	if (rd_kafka_conf_set(c, n, v, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
		die(n, errstr);
}

static long delivered, failed;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk; (void)opaque;
	if (m->err)
		failed++;
	else
		delivered++;
}

int main(int argc, char **argv)
{
	const char *brokers = NULL, *topic = NULL, *group = "throughput";
	long n = 100000, size = 1024;
	const char *xs[64];
	int nx = 0, opt;
	while ((opt = getopt(argc, argv, "b:t:n:s:g:X:")) != -1) {
		switch (opt) {
		case 'b': brokers = optarg; break;
		case 't': topic = optarg; break;
		case 'n': n = atol(optarg); break;
		case 's': size = atol(optarg); break;
		case 'g': group = optarg; break;
		case 'X':
			if (nx < 64)
				xs[nx++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: throughput -b BROKERS -t TOPIC [-n N] [-s BYTES] "
			        "[-g GROUP] [-X name=value]\n");
			return 2;
		}
	}
	if (!brokers || !topic || n < 1 || size < 0)
		die("arguments", "-b and -t are required; -n >= 1");

	char errstr[512];
	rd_kafka_conf_t *pc = rd_kafka_conf_new();
	conf_set(pc, "bootstrap.servers", brokers);
	conf_set(pc, "linger.ms", "5");
	for (int i = 0; i < nx; i++) {
		char name[256];
		const char *eq = strchr(xs[i], '=');
		if (!eq || (size_t)(eq - xs[i]) >= sizeof name)
			die("-X", xs[i]);
		memcpy(name, xs[i], (size_t)(eq - xs[i]));
		name[eq - xs[i]] = '\0';
		conf_set(pc, name, eq + 1);
	}
	rd_kafka_conf_t *cc = rd_kafka_conf_dup(pc);
	rd_kafka_conf_set_dr_msg_cb(pc, dr_cb);
	rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, pc, errstr, sizeof errstr);
	if (!p)
		die("producer", errstr);

	char *buf = malloc((size_t)size + 1);
	if (!buf)
		die("malloc", "out of memory");
	memset(buf, 'x', (size_t)size);
	double t0 = now_s(), c0 = cpu_s();
	for (long i = 0; i < n;) {
		rd_kafka_resp_err_t err = rd_kafka_producev(
		    p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(buf, (size_t)size),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
		if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			rd_kafka_poll(p, 10);
			continue;
		}
		if (err)
			die("produce", rd_kafka_err2str(err));
		if (++i % 1000 == 0)
			rd_kafka_poll(p, 0);
	}
	if (rd_kafka_flush(p, 120000))
		die("flush", "messages left undelivered");
	double t1 = now_s(), c1 = cpu_s();
	rd_kafka_destroy(p);
	if (delivered != n)
		die("produce", "not every message was delivered");

	conf_set(cc, "group.id", group);
	conf_set(cc, "auto.offset.reset", "earliest");
	conf_set(cc, "enable.auto.commit", "false");
	rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, cc, errstr, sizeof errstr);
	if (!c)
		die("consumer", errstr);
	rd_kafka_poll_set_consumer(c);
	rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
	if (rd_kafka_subscribe(c, sub))
		die("subscribe", rd_kafka_err2str(rd_kafka_last_error()));
	rd_kafka_topic_partition_list_destroy(sub);
	double s0 = now_s(), first = 0, last = 0, cs0 = cpu_s(), cs1 = 0;
	long got = 0, bytes = 0;
	while (got < n) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 1000);
		if (!m) {
			if (now_s() - (got ? last : s0) > 30)
				die("consume", "no message for 30 s");
			continue;
		}
		if (!m->err) {
			if (!got++) {
				first = now_s();
				cs1 = cpu_s();
			}
			bytes += (long)m->len;
			last = now_s();
		}
		rd_kafka_message_destroy(m);
	}
	double c2 = cpu_s();
	rd_kafka_consumer_close(c);
	rd_kafka_destroy(c);
	free(buf);
	printf("{\"library\":\"%s\",\"messages\":%ld,\"message_bytes\":%ld,"
	       "\"produce_msgs_per_s\":%.1f,\"produce_cpu_s\":%.3f,"
	       "\"consume_msgs_per_s\":%.1f,\"consume_msgs_per_s_from_subscribe\":%.1f,"
	       "\"consume_cpu_s\":%.3f,\"consume_bytes\":%ld}\n",
	       rd_kafka_version_str(), n, size, n / (t1 - t0), c1 - c0,
	       got > 1 ? (got - 1) / (last - first) : 0.0, got / (last - s0), c2 - cs1, bytes);
	(void)cs0;
	return 0;
}
