/* producer.c -- a loader-style idempotent producer written only against
 * librdkafka's public API (<librdkafka/rdkafka.h>), so the same source links
 * with -lrdkafka or with -llakestream-rdkafka (DESIGN.md section 11).
 *
 * Produces COUNT messages "msg-%06d" with keys "key-%06d", counts delivery
 * reports in dr_msg_cb, and exits non-zero unless every message was
 * delivered exactly once.
 *   usage: producer -b BOOTSTRAP -t TOPIC -n COUNT [-X prop=val ...]
 */
#include <librdkafka/rdkafka.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Counters owned by main; written only from dr_msg_cb, which librdkafka
 * calls from rd_kafka_poll/rd_kafka_flush on the main thread. */
struct dr_counts {
	long ok;
	long failed;
	long mismatched; /* report whose payload does not match its opaque */
	int count;       /* messages produced, bounds the opaque index */
};

static void usage(void)
{
	fprintf(stderr,
	        "usage: producer -b BOOTSTRAP -t TOPIC -n COUNT [-X prop=val ...]\n");
	exit(2);
}

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkmessage,
                      void *opaque)
{
	struct dr_counts *dr = opaque;
	intptr_t i = (intptr_t)rkmessage->_private; /* msg opaque = index */
	char want[32];

	(void)rk;
	if (rkmessage->err) {
		dr->failed++;
		fprintf(stderr, "producer: delivery of msg-%06" PRIdPTR " failed: %s\n",
		        i, rd_kafka_err2str(rkmessage->err));
		return;
	}
	snprintf(want, sizeof want, "msg-%06" PRIdPTR, i);
	if (i < 0 || i >= dr->count || rkmessage->len != strlen(want) ||
	    memcmp(rkmessage->payload, want, rkmessage->len) != 0) {
		dr->mismatched++;
		return;
	}
	dr->ok++;
}

static void set_conf(rd_kafka_conf_t *conf, const char *name, const char *value)
{
	char errstr[512];

	if (rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr) !=
	    RD_KAFKA_CONF_OK) {
		fprintf(stderr, "producer: %s=%s: %s\n", name, value, errstr);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	const char *bootstrap = NULL, *topic = NULL;
	struct dr_counts dr = { 0, 0, 0, -1 };
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[512];
	rd_kafka_t *rk;
	long queue_full = 0;
	rd_kafka_resp_err_t flush_err;
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (i + 1 >= argc)
			usage();
		if (!strcmp(arg, "-b")) {
			bootstrap = argv[++i];
		} else if (!strcmp(arg, "-t")) {
			topic = argv[++i];
		} else if (!strcmp(arg, "-n")) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*end || n < 0 || n > 999999)
				usage();
			dr.count = (int)n;
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
	if (!bootstrap || !topic || dr.count < 0)
		usage();

	set_conf(conf, "bootstrap.servers", bootstrap);
	set_conf(conf, "enable.idempotence", "true");
	rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
	rd_kafka_conf_set_opaque(conf, &dr);

	/* rd_kafka_new takes ownership of conf on success only. */
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
	if (!rk) {
		fprintf(stderr, "producer: rd_kafka_new: %s\n", errstr);
		rd_kafka_conf_destroy(conf);
		return 2;
	}

	for (i = 0; i < dr.count; i++) {
		char key[32], value[32];
		rd_kafka_resp_err_t err;

		snprintf(key, sizeof key, "key-%06d", i);
		snprintf(value, sizeof value, "msg-%06d", i);
		for (;;) {
			/* F_COPY: key and value live on this stack frame. */
			err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
			                        RD_KAFKA_V_KEY(key, strlen(key)),
			                        RD_KAFKA_V_VALUE(value, strlen(value)),
			                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			                        RD_KAFKA_V_OPAQUE((void *)(intptr_t)i),
			                        RD_KAFKA_V_END);
			if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
				break;
			/* Back-pressure: serve delivery reports to drain the queue. */
			queue_full++;
			rd_kafka_poll(rk, 100);
		}
		if (err) {
			fprintf(stderr, "producer: produce msg-%06d: %s\n", i,
			        rd_kafka_err2str(err));
			dr.failed++;
		}
		rd_kafka_poll(rk, 0); /* serve delivery reports as we go */
	}

	flush_err = rd_kafka_flush(rk, 60 * 1000);
	if (flush_err)
		fprintf(stderr, "producer: flush: %s (%d still queued)\n",
		        rd_kafka_err2str(flush_err), rd_kafka_outq_len(rk));

	fprintf(stderr,
	        "producer: topic %s: %d produced, %ld delivered, %ld failed, "
	        "%ld mismatched, %ld queue-full waits\n",
	        topic, dr.count, dr.ok, dr.failed, dr.mismatched, queue_full);
	rd_kafka_destroy(rk);

	return (flush_err || dr.failed || dr.mismatched || dr.ok != dr.count) ? 1 : 0;
}
