/*
 * shim_err_dump.c -- prints librdkafka's error surface through its public
 * API only, so the same source linked to librdkafka and to the shim must
 * print the same bytes (tests/test_shim_err.sh diffs the two).
 * Sections: err2name/err2str for codes -200..200, the rd_kafka_get_err_descs
 * table entry by entry, errno2err for errno 0..200, rd_kafka_error_t.
 */
#include <stdio.h>

#include <librdkafka/rdkafka.h>

/* NULL printed as such, not left to printf. */
static const char *str(const char *s) { return s ? s : "(NULL)"; }

static void dump_error(const char *what, rd_kafka_error_t *e)
{
    printf("error %s: code %d name %s string [%s] fatal %d retriable %d abort %d\n", what,
           (int)rd_kafka_error_code(e), str(rd_kafka_error_name(e)),
           str(rd_kafka_error_string(e)), rd_kafka_error_is_fatal(e),
           rd_kafka_error_is_retriable(e), rd_kafka_error_txn_requires_abort(e));
    rd_kafka_error_destroy(e);
}

int main(void)
{
    printf("last_error %d\n", (int)rd_kafka_last_error());

    for (int code = -200; code <= 200; code++)
        printf("code %d name %s str [%s]\n", code, str(rd_kafka_err2name(code)),
               str(rd_kafka_err2str(code)));

    const struct rd_kafka_err_desc *descs = NULL;
    size_t cnt = 0;
    rd_kafka_get_err_descs(&descs, &cnt);
    printf("descs cnt %zu\n", cnt);
    for (size_t i = 0; i < cnt; i++)
        printf("desc %zu code %d name %s desc [%s]\n", i, (int)descs[i].code,
               str(descs[i].name), str(descs[i].desc));

    /* Deprecated in librdkafka but still exported; an "" fmt is what gives a
     * NULL errstr, so both are exercised on purpose. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
    for (int e = 0; e <= 200; e++) {
        rd_kafka_resp_err_t err = rd_kafka_errno2err(e);
        printf("errno %d err %d %s\n", e, (int)err, str(rd_kafka_err2name(err)));
    }

    dump_error("null", NULL);
    dump_error("empty-fmt", rd_kafka_error_new(RD_KAFKA_RESP_ERR__TRANSPORT, ""));
    dump_error("fmt", rd_kafka_error_new(RD_KAFKA_RESP_ERR__TIMED_OUT, "%s %d", "late", 7));
    dump_error("unknown-code", rd_kafka_error_new((rd_kafka_resp_err_t)150, ""));
    dump_error("long", rd_kafka_error_new(RD_KAFKA_RESP_ERR__FAIL, "%0900d", 1));
    return 0;
}
