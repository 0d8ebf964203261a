/* Numbers a person reads print in their shortest round-trip form: the trainer's
 * configuration JSON (the report's configuration, `orl train --json`, a model's metadata)
 * shows 0.1 where 0.1 was set, and a float setting as the float a person wrote. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/numtext.h"
#include "test_support.h"

static void test_double_text_is_shortest_round_trip(void **state)
{
    (void)state;
    char s[ORL_NUMTEXT_MAX];
    const double values[] = {0.1, 0.3, 1.0 / 3.0, 1e-9, 123456.789, -2.5e300, 5e-324, 0.1 + 0.2};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        orl_double_text(s, sizeof s, values[i]);
        assert_true(strtod(s, NULL) == values[i]);
    }
    orl_double_text(s, sizeof s, 0.1);
    assert_string_equal(s, "0.1");
    orl_double_text(s, sizeof s, 0.1 + 0.2);
    assert_string_equal(s, "0.30000000000000004");
    orl_float_text(s, sizeof s, 0.01f);
    assert_string_equal(s, "0.01");
    orl_float_text(s, sizeof s, 1.0f / 3.0f);
    assert_true(strtof(s, NULL) == 1.0f / 3.0f);
    orl_setting_text(s, sizeof s, (double)0.01f); /* a float setting: the float's text */
    assert_string_equal(s, "0.01");
    orl_setting_text(s, sizeof s, 9007199254740992.0); /* whole numbers stay integers */
    assert_string_equal(s, "9007199254740992");
    orl_setting_text(s, sizeof s, 1e6);
    assert_string_equal(s, "1000000");
}

static char *config_of(const orl_trainer *t)
{
    size_t len = 0;
    orl_trainer_config_json(t, NULL, 0, &len); /* the size query */
    assert_true(len > 1);
    char *json = malloc(len);
    assert_non_null(json);
    assert_orl_ok(orl_trainer_config_json(t, json, len, &len));
    return json;
}

static void test_trainer_config_prints_what_was_set(void **state)
{
    (void)state;
    orl_encoder *enc = NULL;
    assert_orl_ok(orl_encoder_create(NULL, &enc));
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sa2c";
    tp.learning_rate = 0.01f; /* a float: printed 0.01, not 0.0099999997764825821 */
    orl_trainer *t = NULL;
    assert_orl_ok(orl_trainer_create(&tp, enc, NULL, NULL, &t));
    orl_encoder_free(enc);
    assert_orl_ok(orl_trainer_set_float(t, "ips_clip_lo", 0.1));
    assert_orl_ok(orl_trainer_set_float(t, "lr2", 0.3));
    assert_orl_ok(orl_trainer_set_float(t, "adv_clip_lo", -0.7));
    char *json = config_of(t);
    assert_non_null(strstr(json, "\"ips_clip_lo\":0.1,"));
    assert_non_null(strstr(json, "\"lr2\":0.3,"));
    assert_non_null(strstr(json, "\"adv_clip_lo\":-0.7,"));
    assert_non_null(strstr(json, "\"learning_rate\":0.01,"));
    assert_non_null(strstr(json, "\"epochs\":10,"));
    assert_null(strstr(json, "0000000")); /* no %.17g noise anywhere */
    assert_null(strstr(json, "9999999"));
    free(json);
    /* What is printed reads back as what is stored. */
    double v = 0;
    assert_orl_ok(orl_trainer_get_float(t, "ips_clip_lo", &v));
    assert_true(v == 0.1);
    orl_trainer_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_double_text_is_shortest_round_trip),
        cmocka_unit_test(test_trainer_config_prints_what_was_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
