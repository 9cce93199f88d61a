/*
 * worker_txn.c -- the kafka plane's transactional producer (worker_txn.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "die.h"
#include "worker_txn.h"

static void check(rd_kafka_error_t *e, const char *what)
{
    if (!e)
        return;
    char msg[512];
    snprintf(msg, sizeof msg, "%s%s", rd_kafka_error_string(e),
             rd_kafka_error_txn_requires_abort(e) ? " (abortable)"
             : rd_kafka_error_is_fatal(e)         ? " (fatal)" : "");
    rd_kafka_error_destroy(e);
    die(what, "%s", msg);
}

/* The last committed value of pos_topic[part]: read from the beginning to
 * the high watermark with read_committed.  0 if the partition is empty. */
static uint64_t read_position(const char *bootstrap, const char *pos_topic, int32_t part)
{
    char errstr[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (rd_kafka_conf_set(c, "bootstrap.servers", bootstrap, errstr, sizeof errstr) ||
        rd_kafka_conf_set(c, "isolation.level", "read_committed", errstr, sizeof errstr) ||
        rd_kafka_conf_set(c, "enable.partition.eof", "true", errstr, sizeof errstr) ||
        /* assign() wants a group; nothing is committed to it */
        rd_kafka_conf_set(c, "group.id", "lakestream-bench-positions", errstr, sizeof errstr) ||
        rd_kafka_conf_set(c, "enable.auto.commit", "false", errstr, sizeof errstr))
        die("positions", "%s", errstr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, errstr, sizeof errstr);
    if (!rk)
        die("positions", "rd_kafka_new: %s", errstr);
    int64_t lo, hi;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, pos_topic, part, &lo, &hi,
                                                               TXN_TIMEOUT_MS);
    if (err)
        die(pos_topic, "watermarks of partition %d: %s", (int)part, rd_kafka_err2str(err));
    uint64_t pos = 0;
    if (hi > lo) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, pos_topic, part)->offset = RD_KAFKA_OFFSET_BEGINNING;
        if ((err = rd_kafka_assign(rk, l)))
            die(pos_topic, "assign: %s", rd_kafka_err2str(err));
        rd_kafka_topic_partition_list_destroy(l);
        /* Up to the last stable offset: partition EOF (an open transaction
         * of the fenced incarnation has been aborted by init_transactions). */
        for (int waited = 0;;) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
            if (!m) {
                if ((waited += 100) > TXN_TIMEOUT_MS)
                    die(pos_topic, "no end of partition %d within %d ms", (int)part,
                        TXN_TIMEOUT_MS);
                continue;
            }
            int eof = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
            if (m->err && !eof)
                die(pos_topic, "partition %d: %s", (int)part, rd_kafka_message_errstr(m));
            if (!m->err) {
                if (m->len != sizeof pos)
                    die(pos_topic, "partition %d offset %" PRId64 ": %zu bytes, not %zu",
                        (int)part, m->offset, m->len, sizeof pos);
                memcpy(&pos, m->payload, sizeof pos);
            }
            rd_kafka_message_destroy(m);
            if (eof)
                break;
        }
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return pos;
}

uint64_t txn_start(rd_kafka_t *rk, const char *bootstrap, const char *pos_topic, int32_t part)
{
    check(rd_kafka_init_transactions(rk, TXN_TIMEOUT_MS), "init_transactions");
    uint64_t pos = read_position(bootstrap, pos_topic, part);
    check(rd_kafka_begin_transaction(rk), "begin_transaction");
    return pos;
}

void txn_commit(rd_kafka_t *rk, const char *pos_topic, int32_t part, uint64_t next, int last)
{
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(pos_topic), RD_KAFKA_V_PARTITION(part),
            RD_KAFKA_V_VALUE(&next, sizeof next), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_END);
        if (!err)
            break;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            die(pos_topic, "position %" PRIu64 ": %s", next, rd_kafka_err2str(err));
        rd_kafka_poll(rk, 10);
    }
    check(rd_kafka_commit_transaction(rk, TXN_TIMEOUT_MS), "commit_transaction");
    if (!last)
        check(rd_kafka_begin_transaction(rk), "begin_transaction");
}
