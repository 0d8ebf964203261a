/* Version and build information as a user sees them. */
#include <stdio.h>
#include <string.h>

#include "offlinerl/offlinerl.h"
#include "test_support.h"

static void test_version_number_matches_header(void **state)
{
    (void)state;
    assert_int_equal(orl_version_number(), ORL_VERSION_NUMBER);
    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", ORL_VERSION_MAJOR, ORL_VERSION_MINOR,
             ORL_VERSION_PATCH);
    assert_string_equal(orl_version_string(), expect);
}

static void test_build_info_is_json_with_every_key(void **state)
{
    (void)state;
    const char *info = orl_build_info();
    assert_non_null(info);
    assert_true(info[0] == '{' && info[strlen(info) - 1] == '}');
    const char *keys[] = {"\"version\":",  "\"blas\":",       "\"blas_core\":", "\"threads\":",
                          "\"compiler\":", "\"build_type\":", "\"zlib\":",      "\"sanitizers\":"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_non_null(strstr(info, keys[i]));
    assert_ptr_equal(info, orl_build_info()); /* one static string */
    assert_non_null(strstr(info, orl_version_string()));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_number_matches_header),
        cmocka_unit_test(test_build_info_is_json_with_every_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
