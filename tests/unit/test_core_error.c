/* Status strings, thread-local error messages and the log callback. */
#include <pthread.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "offlinerl/offlinerl.h"
#include "test_support.h"

static void test_status_strings_cover_every_code(void **state)
{
    (void)state;
    assert_string_equal(orl_status_string(ORL_OK), "ok");
    for (int code = ORL_E_INVALID_ARGUMENT; code >= ORL_E_INTERNAL; code--) {
        const char *s = orl_status_string(code);
        assert_non_null(s);
        assert_string_not_equal(s, "unknown status");
    }
    assert_string_equal(orl_status_string(12345), "unknown status");
    assert_string_equal(orl_status_string(-999), "unknown status");
}

static void test_status_values_are_stable(void **state)
{
    (void)state;
    /* The numbers are ABI: these must never change. */
    assert_int_equal(ORL_E_INVALID_ARGUMENT, -1);
    assert_int_equal(ORL_E_NOMEM, -3);
    assert_int_equal(ORL_E_BUFFER_TOO_SMALL, -10);
    assert_int_equal(ORL_E_CANCELLED, -14);
    assert_int_equal(ORL_E_INTERNAL, -18);
}

static void test_fail_sets_message_and_returns_status(void **state)
{
    (void)state;
    orl_clear_error();
    assert_string_equal(orl_last_error(), "no error");
    assert_int_equal(orl_last_status(), ORL_OK);
    int s = orl_fail(ORL_E_IO, "cannot open %s", "x.csv");
    assert_int_equal(s, ORL_E_IO);
    assert_string_equal(orl_last_error(), "cannot open x.csv");
    assert_int_equal(orl_last_status(), ORL_E_IO);
    assert_int_equal(orl_fail_context("loading %d", 3), ORL_E_IO);
    assert_string_equal(orl_last_error(), "loading 3: cannot open x.csv");
}

static void test_long_messages_are_truncated_not_overflowed(void **state)
{
    (void)state;
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    orl_fail(ORL_E_PARSE, "%s", big);
    size_t len = strlen(orl_last_error());
    assert_true(len > 100 && len < sizeof big);
}

static void *other_thread_fails(void *arg)
{
    (void)arg;
    orl_fail(ORL_E_NOT_FOUND, "other thread");
    return strcmp(orl_last_error(), "other thread") == 0 ? (void *)1 : NULL;
}

static void test_errors_are_thread_local(void **state)
{
    (void)state;
    orl_fail(ORL_E_STATE, "main thread");
    pthread_t t;
    void *ok = NULL;
    assert_int_equal(pthread_create(&t, NULL, other_thread_fails, NULL), 0);
    pthread_join(t, &ok);
    assert_non_null(ok);
    assert_string_equal(orl_last_error(), "main thread");
    assert_int_equal(orl_last_status(), ORL_E_STATE);
}

typedef struct captured {
    int count;
    int last_level;
    char last[256];
} captured;

static void capture(int32_t level, const char *message, void *user_data)
{
    captured *c = user_data;
    c->count++;
    c->last_level = level;
    strncpy(c->last, message, sizeof c->last - 1);
}

static void test_log_callback_filters_by_level(void **state)
{
    (void)state;
    captured c = {0};
    assert_int_equal(orl_set_log_callback(capture, ORL_LOG_INFO, &c), ORL_OK);
    orl_log(ORL_LOG_DEBUG, "hidden");
    assert_int_equal(c.count, 0);
    orl_log(ORL_LOG_WARN, "seen %d", 42);
    assert_int_equal(c.count, 1);
    assert_int_equal(c.last_level, ORL_LOG_WARN);
    assert_string_equal(c.last, "seen 42");
    assert_int_equal(orl_set_log_callback(capture, ORL_LOG_OFF, &c), ORL_OK);
    orl_log(ORL_LOG_ERROR, "silenced");
    assert_int_equal(c.count, 1);
    assert_int_equal(orl_set_log_callback(capture, 7, &c), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_set_log_callback(capture, -1, &c), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_set_log_callback(NULL, ORL_LOG_WARN, NULL), ORL_OK);
    orl_log(ORL_LOG_INFO, "not captured after reset");
    assert_int_equal(c.count, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_strings_cover_every_code),
        cmocka_unit_test(test_status_values_are_stable),
        cmocka_unit_test(test_fail_sets_message_and_returns_status),
        cmocka_unit_test(test_long_messages_are_truncated_not_overflowed),
        cmocka_unit_test(test_errors_are_thread_local),
        cmocka_unit_test(test_log_callback_filters_by_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
