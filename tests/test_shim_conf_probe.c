/*
 * test_shim_conf_probe.c -- one program, written against librdkafka's API
 * only, built twice: with -lrdkafka and with liblakestream-rdkafka.
 * test_shim_conf.sh diffs what the two print (issue 16).  Modes:
 *   show             rd_kafka_conf_properties_show
 *   dump             conf and topic conf dumps of fresh objects
 *   get  < names     "G name" / "T name": rd_kafka_conf_get / _topic_conf_get
 *                    of a fresh object (result, needed size, value)
 *   set  < cases     "G name=value" / "T name=value": the result, errstr and
 *                    the value read back, on a fresh object
 *   ic               interceptor calls (on_conf_set, _dup, _destroy) of a
 *                    scripted sequence of sets, a dup and destroys
 *   part             the deterministic partitioners on fixed keys and counts
 * Pointers are printed as <ptr> (addresses differ between processes).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

static int is_ptr(const char *v)
{
    return v[0] == '0' && v[1] == 'x' && strlen(v) > 6;
}

/* Pointer-valued properties: their values differ between processes. */
static const char *show_value(const char *name, const char *v)
{
    static const char *const ptrs[] = {
        "error_cb", "throttle_cb", "stats_cb", "log_cb", "background_event_cb", "socket_cb",
        "connect_cb", "closesocket_cb", "open_cb", "resolve_cb", "opaque",
        "default_topic_conf", "ssl_engine_callback_data", "ssl.certificate.verify_cb",
        "oauthbearer_token_refresh_cb", "consume_cb", "rebalance_cb", "offset_commit_cb",
        "dr_cb", "dr_msg_cb", "partitioner_cb", "msg_order_cmp"};
    for (size_t i = 0; i < sizeof ptrs / sizeof ptrs[0]; i++)
        if (!strcmp(ptrs[i], name) && is_ptr(v))
            return "<ptr>";
    return v;
}

static void print_dump(const char *scope, const char **arr, size_t cnt)
{
    for (size_t i = 0; i + 1 < cnt; i += 2)
        printf("dump %s %s=%s\n", scope, arr[i], show_value(arr[i], arr[i + 1]));
}

static void mode_dump(void)
{
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    size_t n;
    const char **a = rd_kafka_conf_dump(c, &n);
    /* Only librdkafka's own names: the shim appends lakestream.* */
    for (size_t i = 0; i + 1 < n; i += 2)
        if (strncmp(a[i], "lakestream.", 11))
            printf("dump G %s=%s\n", a[i], show_value(a[i], a[i + 1]));
    rd_kafka_conf_dump_free(a, n);
    rd_kafka_topic_conf_t *t = rd_kafka_topic_conf_new();
    a = rd_kafka_topic_conf_dump(t, &n);
    print_dump("T", a, n);
    rd_kafka_conf_dump_free(a, n);
    rd_kafka_topic_conf_destroy(t);
    rd_kafka_conf_destroy(c);
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

static void print_get(const char *what, int global, const rd_kafka_conf_t *c,
                      const rd_kafka_topic_conf_t *t, const char *name)
{
    char buf[4096];
    size_t size = 0;
    /* size query first, then the value, then a buffer too small */
    rd_kafka_conf_res_t r1 = global ? rd_kafka_conf_get(c, name, NULL, &size)
                                    : rd_kafka_topic_conf_get(t, name, NULL, &size);
    size_t need = size;
    size = sizeof buf;
    buf[0] = '\0';
    rd_kafka_conf_res_t r2 = global ? rd_kafka_conf_get(c, name, buf, &size)
                                    : rd_kafka_topic_conf_get(t, name, buf, &size);
    char small[4] = "";
    size_t ssize = sizeof small;
    if (global)
        rd_kafka_conf_get(c, name, small, &ssize);
    else
        rd_kafka_topic_conf_get(t, name, small, &ssize);
    int ptr = strcmp(show_value(name, buf), buf) != 0;
    printf("%s %s %s rc=%d/%d need=%zu size=%zu small=%zu:%s value=%s\n", what,
           global ? "G" : "T", name, r1, r2, ptr ? 0 : need, ptr ? 0 : size, ptr ? 0 : ssize,
           ptr ? "" : small, show_value(name, buf));
}

static void mode_get(void)
{
    char line[8192];
    while (fgets(line, sizeof line, stdin)) {
        chomp(line);
        if (strlen(line) < 3)
            continue;
        rd_kafka_conf_t *c = rd_kafka_conf_new();
        rd_kafka_topic_conf_t *t = rd_kafka_topic_conf_new();
        print_get("get", line[0] == 'G', c, t, line + 2);
        rd_kafka_topic_conf_destroy(t);
        rd_kafka_conf_destroy(c);
    }
}

static void mode_set(void)
{
    char line[8192];
    while (fgets(line, sizeof line, stdin)) {
        chomp(line);
        char *eq = strchr(line, '=');
        if (strlen(line) < 3 || !eq)
            continue;
        *eq = '\0';
        const char *name = line + 2, *value = eq + 1;
        int global = line[0] == 'G';
        rd_kafka_conf_t *c = rd_kafka_conf_new();
        rd_kafka_topic_conf_t *t = rd_kafka_topic_conf_new();
        char errstr[512];
        strcpy(errstr, "(untouched)");
        rd_kafka_conf_res_t r = global ? rd_kafka_conf_set(c, name, value, errstr, sizeof errstr)
                                       : rd_kafka_topic_conf_set(t, name, value, errstr,
                                                                 sizeof errstr);
        /* librdkafka's range errors end in a newline: keep it visible */
        for (char *p = errstr; *p; p++)
            if (*p == '\n')
                *p = '|';
        /* one line per case: the set, then what reads back */
        printf("set %s %s=%s rc=%d err=%s topicconf=%s ", global ? "G" : "T", name, value, r,
               errstr, global ? (rd_kafka_conf_get_default_topic_conf(c) ? "yes" : "no") : "-");
        print_get("got", global, c, t, name);
        rd_kafka_topic_conf_destroy(t);
        rd_kafka_conf_destroy(c);
    }
}

/* ---- interceptors ---- */

static int ic_tag;   /* which conf object an interceptor call is about */

static rd_kafka_conf_res_t on_set(rd_kafka_conf_t *conf, const char *name, const char *val,
                                  char *errstr, size_t errstr_size, void *opaque)
{
    (void)conf;
    printf("ic on_conf_set[%s] %s=%s errstr_size=%zu\n", (const char *)opaque, name,
           val ? val : "(null)", errstr_size);
    if (!strcmp(name, "my.ic.prop"))
        return RD_KAFKA_CONF_OK;
    if (!strcmp(name, "my.ic.bad")) {
        snprintf(errstr, errstr_size, "interceptor says no");
        return RD_KAFKA_CONF_INVALID;
    }
    if (!strcmp(name, "socket.timeout.ms") && val && !strcmp(val, "12345"))
        return RD_KAFKA_CONF_OK;   /* taken: the property keeps its default */
    return RD_KAFKA_CONF_UNKNOWN;
}

static rd_kafka_resp_err_t on_destroy(void *opaque)
{
    printf("ic on_conf_destroy[%s]\n", (const char *)opaque);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

static rd_kafka_resp_err_t on_dup(rd_kafka_conf_t *new_conf, const rd_kafka_conf_t *old_conf,
                                  size_t filter_cnt, const char **filter, void *opaque)
{
    (void)old_conf;
    printf("ic on_conf_dup[%s] filter_cnt=%zu%s%s\n", (const char *)opaque, filter_cnt,
           filter_cnt ? " " : "", filter_cnt ? filter[0] : "");
    rd_kafka_conf_interceptor_add_on_conf_set(new_conf, "probe", on_set, "copy");
    rd_kafka_conf_interceptor_add_on_conf_dup(new_conf, "probe", on_dup, "copy");
    rd_kafka_conf_interceptor_add_on_conf_destroy(new_conf, "probe", on_destroy, "copy");
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

static rd_kafka_resp_err_t on_new(rd_kafka_t *rk, const rd_kafka_conf_t *conf, void *opaque,
                                  char *errstr, size_t errstr_size)
{
    (void)rk; (void)conf; (void)opaque; (void)errstr; (void)errstr_size;
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

static void ic_set(rd_kafka_conf_t *c, const char *name, const char *value)
{
    char errstr[256] = "";
    rd_kafka_conf_res_t r = rd_kafka_conf_set(c, name, value, errstr, sizeof errstr);
    printf("ic set %s=%s rc=%d err=%s\n", name, value ? value : "(null)", r, errstr);
}

static void ic_get(const rd_kafka_conf_t *c, const char *name)
{
    char buf[512] = "";
    size_t size = sizeof buf;
    rd_kafka_conf_res_t r = rd_kafka_conf_get(c, name, buf, &size);
    printf("ic get %s rc=%d value=%s\n", name, r, buf);
}

static void mode_ic(void)
{
    (void)ic_tag;
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    printf("ic add set=%d\n", rd_kafka_conf_interceptor_add_on_conf_set(c, "probe", on_set,
                                                                         "orig"));
    printf("ic add set again=%d\n", rd_kafka_conf_interceptor_add_on_conf_set(c, "probe",
                                                                               on_set, "orig"));
    printf("ic add set other name=%d\n",
           rd_kafka_conf_interceptor_add_on_conf_set(c, "probe2", on_set, "orig2"));
    printf("ic add dup=%d\n", rd_kafka_conf_interceptor_add_on_conf_dup(c, "probe", on_dup,
                                                                         "orig"));
    printf("ic add dup again=%d\n",
           rd_kafka_conf_interceptor_add_on_conf_dup(c, "probe", on_dup, "orig"));
    printf("ic add destroy=%d\n",
           rd_kafka_conf_interceptor_add_on_conf_destroy(c, "probe", on_destroy, "orig"));
    printf("ic add destroy again=%d\n",
           rd_kafka_conf_interceptor_add_on_conf_destroy(c, "probe", on_destroy, "orig"));
    printf("ic add new=%d\n", rd_kafka_conf_interceptor_add_on_new(c, "probe", on_new, NULL));
    printf("ic add new again=%d\n",
           rd_kafka_conf_interceptor_add_on_new(c, "probe", on_new, NULL));
    ic_set(c, "client.id", "probe");
    ic_set(c, "linger.ms", "7");
    ic_set(c, "enable.idempotence", "true");
    ic_set(c, "debug", "broker,topic");
    ic_set(c, "auto.offset.reset", "earliest");
    ic_set(c, "my.ic.prop", "42");
    ic_set(c, "my.ic.bad", "1");
    ic_set(c, "socket.timeout.ms", "12345");
    ic_set(c, "group.id", "");
    ic_set(c, "no.such.thing", "1");
    rd_kafka_conf_set_events(c, RD_KAFKA_EVENT_DR);
    rd_kafka_conf_enable_sasl_queue(c, 1);
    ic_get(c, "socket.timeout.ms");
    ic_get(c, "my.ic.prop");
    printf("ic dup\n");
    rd_kafka_conf_t *d = rd_kafka_conf_dup(c);
    ic_get(d, "client.id");
    ic_get(d, "queue.buffering.max.ms");
    ic_get(d, "debug");
    ic_get(d, "enabled_events");
    printf("ic dup_filter\n");
    const char *filter[] = {"client."};
    rd_kafka_conf_t *e = rd_kafka_conf_dup_filter(c, 1, filter);
    ic_get(e, "client.id");
    printf("ic destroy dup_filter\n");
    rd_kafka_conf_destroy(e);
    printf("ic destroy dup\n");
    rd_kafka_conf_destroy(d);
    printf("ic destroy orig\n");
    rd_kafka_conf_destroy(c);
}

/* ---- partitioners ---- */

typedef int32_t (*partitioner_f)(const rd_kafka_topic_t *, const void *, size_t, int32_t, void *,
                                 void *);

static void mode_part(void)
{
    static const struct { const char *name; partitioner_f f; int null_ok, empty_ok; } parts[] = {
        {"consistent", rd_kafka_msg_partitioner_consistent, 1, 1},
        {"consistent_random", rd_kafka_msg_partitioner_consistent_random, 0, 0},
        {"murmur2", rd_kafka_msg_partitioner_murmur2, 1, 1},
        {"murmur2_random", rd_kafka_msg_partitioner_murmur2_random, 0, 1},
        {"fnv1a", rd_kafka_msg_partitioner_fnv1a, 1, 1},
        {"fnv1a_random", rd_kafka_msg_partitioner_fnv1a_random, 0, 1},
    };
    static const int32_t cnts[] = {1, 2, 3, 7, 10, 12, 64, 100, 1000, 65536, 2147483647};
    static unsigned char buf[1100];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 131 + 7);
    const char *texts[] = {"a", "ab", "abc", "abcd", "abcde", "key", "hello world",
                           "00000000-0000-0000-0000-000000000000", "user-12345", "\xff\xfe\x80"};
    for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++)
        for (size_t c = 0; c < sizeof cnts / sizeof cnts[0]; c++) {
            int32_t n = cnts[c];
            if (parts[p].null_ok)
                printf("part %s n=%d NULL -> %d\n", parts[p].name, n,
                       parts[p].f(NULL, NULL, 0, n, NULL, NULL));
            if (parts[p].empty_ok)
                printf("part %s n=%d \"\" -> %d\n", parts[p].name, n,
                       parts[p].f(NULL, "", 0, n, NULL, NULL));
            for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
                printf("part %s n=%d text%zu -> %d\n", parts[p].name, n, k,
                       parts[p].f(NULL, texts[k], strlen(texts[k]), n, NULL, NULL));
            /* binary keys of every length 1..40, aligned and not, and long ones */
            for (size_t len = 1; len <= 40; len++)
                for (size_t off = 0; off < 4; off++)
                    printf("part %s n=%d bin%zu+%zu -> %d\n", parts[p].name, n, len, off,
                           parts[p].f(NULL, buf + off, len, n, NULL, NULL));
            printf("part %s n=%d bin1024 -> %d\n", parts[p].name, n,
                   parts[p].f(NULL, buf + 1, 1024, n, NULL, NULL));
        }
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "show"))
        rd_kafka_conf_properties_show(stdout);
    else if (!strcmp(mode, "dump"))
        mode_dump();
    else if (!strcmp(mode, "get"))
        mode_get();
    else if (!strcmp(mode, "set"))
        mode_set();
    else if (!strcmp(mode, "ic"))
        mode_ic();
    else if (!strcmp(mode, "part"))
        mode_part();
    else {
        fprintf(stderr, "usage: %s show|dump|get|set|ic|part\n", argv[0]);
        return 2;
    }
    return 0;
}
