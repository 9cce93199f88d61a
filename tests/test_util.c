/*
 * test_util.c -- CRC32C vectors, the byte buffer, configuration validation,
 * name and key rules, error strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ls_int.h"

static void test_crc32c_vectors(void **state)
{
    (void)state;
    assert_int_equal(ls_crc32c("123456789", 9), 0xE3069283u);
    assert_int_equal(ls_crc32c("", 0), 0);
    uint8_t zeros[32] = { 0 };
    assert_int_equal(ls_crc32c(zeros, 32), 0x8A9136AAu);  /* RFC 3720 B.4 */
    uint8_t ones[32];
    memset(ones, 0xff, sizeof(ones));
    assert_int_equal(ls_crc32c(ones, 32), 0x62A8AB43u);
}

static void test_bytes(void **state)
{
    (void)state;
    ls_bytes b = { 0 };
    for (int i = 0; i < 10000; i++)
        assert_int_equal(ls_bytes_append(&b, &i, sizeof(i)), LS_OK);
    assert_int_equal(b.len, 10000 * sizeof(int));
    int x;
    memcpy(&x, b.data + 4321 * sizeof(int), sizeof(int));
    assert_int_equal(x, 4321);
    ls_bytes_free(&b);
    assert_null(b.data);
}

static void test_conf(void **state)
{
    (void)state;
    ls_conf *c = ls_conf_new();
    assert_string_equal(ls_conf_get(c, "table.snapshot.interval"), "100");
    assert_int_equal(ls_conf_set(c, "table.snapshot.interval", "7"), LS_OK);
    assert_int_equal(ls_conf_int(c, "table.snapshot.interval"), 7);
    assert_int_equal(ls_conf_set(c, "table.snapshot.interval", "0"), LS_ERR_INVALID);
    assert_non_null(strstr(ls_errmsg(), "outside"));
    assert_int_equal(ls_conf_set(c, "table.snapshot.interval", "12x"), LS_ERR_INVALID);
    assert_int_equal(ls_conf_set(c, "no.such.property", "1"), LS_ERR_INVALID);
    assert_non_null(strstr(ls_errmsg(), "no.such.property"));
    assert_int_equal(ls_conf_set(c, "store.fsync", "maybe"), LS_ERR_INVALID);
    /* DAC is the default commit policy (docs/dac.md). */
    assert_string_equal(ls_conf_get(c, "producer.commit.policy"), "dac");
    assert_int_equal(ls_conf_set(c, "producer.commit.policy", "fixed"), LS_OK);
    assert_string_equal(ls_conf_get(c, "producer.commit.policy"), "fixed");
    assert_int_equal(ls_conf_set(c, "producer.commit.policy", "dac"), LS_OK);
    assert_string_equal(ls_conf_get(c, "producer.commit.policy"), "dac");
    assert_int_equal(ls_conf_set(c, "producer.commit.policy", "da"), LS_ERR_INVALID);
    assert_int_equal(ls_conf_set(c, "producer.commit.policy", "dacx"), LS_ERR_INVALID);
    assert_non_null(strstr(ls_errmsg(), "fixed|dac"));
    assert_int_equal(ls_conf_set(c, "store.fsync", "false"), LS_OK);
    assert_int_equal(ls_conf_bool(c, "store.fsync"), 0);
    ls_conf *d = ls_conf_dup(c);
    assert_int_equal(ls_conf_int(d, "table.snapshot.interval"), 7);
    ls_conf_destroy(c);
    ls_conf_destroy(d);
    ls_conf_destroy(NULL);
    assert_null(ls_conf_get(NULL, "nope"));
    /* Every described property has a valid default. */
    const ls_conf_prop *p;
    ls_conf *e = ls_conf_new();
    for (size_t i = 0; (p = ls_conf_describe(i)); i++)
        assert_int_equal(ls_conf_set(e, p->name, p->default_value), LS_OK);
    ls_conf_destroy(e);
}

static void test_names(void **state)
{
    (void)state;
    assert_true(ls_name_is_valid("train-v1.2_x"));
    assert_false(ls_name_is_valid(""));
    assert_false(ls_name_is_valid("."));
    assert_false(ls_name_is_valid(".."));
    assert_false(ls_name_is_valid("a..b"));
    assert_false(ls_name_is_valid("a/b"));
    assert_false(ls_name_is_valid("a b"));
    assert_false(ls_name_is_valid(".tmp.x"));   /* the posix store's temp prefix */
    assert_true(ls_name_is_valid(".tmpx"));
    assert_false(ls_name_is_valid(NULL));
    char big[LS_TABLE_NAME_BYTES_MAX + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_false(ls_name_is_valid(big));
    big[LS_TABLE_NAME_BYTES_MAX] = '\0';
    assert_true(ls_name_is_valid(big));
}

static void test_keys(void **state)
{
    (void)state;
    char k[LS_KEY_BYTES_MAX + 1];
    assert_int_equal(ls_key_log(k, "t", 42), LS_OK);
    assert_string_equal(k, "t/_log/00000000000000000042");
    assert_int_equal(ls_key_snapshot(k, "t", 100), LS_OK);
    assert_string_equal(k, "t/_log/00000000000000000100.snapshot");
    assert_int_equal(ls_key_chunk(k, "t", "p1", 3, 17), LS_OK);
    assert_string_equal(k, "t/data/p1/0000000003-00000000000000000017");
    assert_true(ls_key_is_valid(k));
}

static void test_errors(void **state)
{
    (void)state;
    assert_string_equal(ls_err2str(LS_ERR_FENCED), "fenced by a newer epoch");
    assert_string_equal(ls_err2str(9999), "unknown error");
    assert_true(ls_err_is_retriable(LS_ERR_IO));
    assert_true(ls_err_is_retriable(LS_ERR_TIMEOUT));
    assert_false(ls_err_is_retriable(LS_ERR_FENCED));
    assert_false(ls_err_is_retriable(LS_ERR_CORRUPT));
    ls_seterr(LS_ERR_IO, "inner %d", 7);
    assert_int_equal(ls_preferr(LS_ERR_IO, "outer"), LS_ERR_IO);
    assert_string_equal(ls_errmsg(), "outer: inner 7");
}

static void test_quote(void **state)
{
    (void)state;
    char b[LS_QUOTE_BYTES];
    assert_string_equal(ls_quote(b, sizeof(b), "t-1.x", 5), "t-1.x");
    assert_string_equal(ls_quote(b, sizeof(b), "a\nb\x1b[31m\"\\", 10),
                        "a\\x0ab\\x1b[31m\\\"\\\\");
    assert_string_equal(ls_quote(b, sizeof(b), "a\0b\xff", 4), "a\\x00b\\xff");
    char small[12];   /* 11 characters of output: truncated with "..." */
    assert_string_equal(ls_quote(small, sizeof(small), "abcdefghijklmnop", 16), "abcdefgh...");
    assert_string_equal(ls_quote(small, sizeof(small), "abcdefghijk", 11), "abcdefghijk");
    assert_string_equal(ls_quote(small, sizeof(small), "abcdefg\n", 8), "abcdefg\\x0a");
    assert_string_equal(ls_quote(small, sizeof(small), "abcdef\n\n", 8), "abcdef...");
    assert_string_equal(ls_quote(b, sizeof(b), NULL, 0), "(null)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c_vectors), cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_conf),           cmocka_unit_test(test_names),
        cmocka_unit_test(test_keys),           cmocka_unit_test(test_errors),
        cmocka_unit_test(test_quote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
