/* The RL algorithms through the public trainer: every algorithm trains and
 * exports a model with two heads that survive a file round trip; settings are
 * range-checked and recorded in the model's metadata. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

static orl_trainer *rl_trainer(const char *algo)
{
    orl_encoder_params ep;
    orl_encoder_params_init(&ep);
    ep.embed_dim = ep.hidden_dim = 8;
    orl_encoder *enc = NULL;
    assert_orl_ok(orl_encoder_create(&ep, &enc));
    orl_qnet_params qp;
    orl_qnet_params_init(&qp);
    qp.gamma = 0.25f;
    orl_qnet *q = NULL;
    assert_orl_ok(orl_qnet_create(&qp, &q));
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = algo;
    tp.epochs = 2;
    tp.batch_size = 64;
    tp.threads = 1;
    orl_trainer *t = NULL;
    assert_orl_ok(orl_trainer_create(&tp, enc, NULL, q, &t));
    orl_encoder_free(enc);
    orl_qnet_free(q);
    return t;
}

static void top5(const orl_model *m, int64_t *items, float *scores)
{
    int64_t h[2] = {3, 16};
    assert_orl_ok(orl_model_recommend(m, h, 2, 5, items, scores, NULL));
}

static void test_every_rl_algorithm_exports_two_heads(void **state)
{
    (void)state;
    orl_dataset *ds = orl_test_chain_dataset(30, 300, 6, 5, 1);
    const char *algos[] = {"sqn", "sac", "snqn", "sa2c"};
    for (size_t a = 0; a < 4; a++) {
        orl_trainer *t = rl_trainer(algos[a]);
        double gamma = 0;
        assert_orl_ok(orl_trainer_get_float(t, "gamma", &gamma));
        assert_true(fabs(gamma - 0.25) < 1e-6); /* from the orl_qnet */
        assert_orl_ok(orl_trainer_fit(t, ds, NULL));
        orl_model *m = NULL, *q = NULL, *loaded = NULL;
        assert_orl_ok(orl_trainer_export_model(t, &m));
        uint32_t heads = 0, head = 9;
        assert_orl_ok(orl_model_head_count(m, &heads));
        assert_orl_ok(orl_model_head(m, &head));
        assert_int_equal(heads, 2);
        assert_int_equal(head, ORL_HEAD_SUPERVISED);
        assert_orl_ok(orl_model_with_head(m, ORL_HEAD_Q, &q));
        int64_t a_items[5], q_items[5], l_items[5];
        float a_s[5], q_s[5], l_s[5];
        top5(m, a_items, a_s);
        top5(q, q_items, q_s);
        assert_true(memcmp(a_s, q_s, sizeof a_s) != 0); /* different heads, different scores */
        /* The Q-head model saved and loaded scores bit-identically, and keeps both heads. */
        size_t len = 0;
        orl_model_save_buffer(q, NULL, 0, &len);
        void *buf = malloc(len);
        assert_orl_ok(orl_model_save_buffer(q, buf, len, &len));
        assert_orl_ok(orl_model_load_buffer(buf, len, &loaded));
        top5(loaded, l_items, l_s);
        assert_memory_equal(q_items, l_items, sizeof l_items);
        assert_memory_equal(q_s, l_s, sizeof l_s);
        orl_model *back = NULL;
        assert_orl_ok(orl_model_with_head(loaded, ORL_HEAD_SUPERVISED, &back));
        top5(back, l_items, l_s);
        assert_memory_equal(a_s, l_s, sizeof l_s);
        char info[4096];
        assert_orl_ok(orl_model_info_json(loaded, info, sizeof info, &len));
        assert_non_null(strstr(info, "\"gamma\":0.25"));
        free(buf);
        orl_model_free(back);
        orl_model_free(loaded);
        orl_model_free(q);
        orl_model_free(m);
        orl_trainer_free(t);
    }
    orl_dataset_free(ds);
}

static void test_rl_settings_are_checked(void **state)
{
    (void)state;
    orl_trainer *t = rl_trainer("sa2c");
    assert_int_equal(orl_trainer_set_float(t, "gamma", 1.5), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_trainer_set_float(t, "n_neg", 0), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_trainer_set_float(t, "n_neg", 2.5), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_trainer_set_float(t, "lr2", 0), ORL_E_OUT_OF_RANGE);
    assert_orl_ok(orl_trainer_set_float(t, "n_neg", 5));
    assert_orl_ok(orl_trainer_set_float(t, "warmup_steps", 3));
    size_t len = 0;
    char json[2048];
    assert_orl_ok(orl_trainer_config_json(t, json, sizeof json, &len));
    assert_non_null(strstr(json, "\"n_neg\":5"));
    assert_non_null(strstr(json, "\"adv_clip_hi\":10"));
    orl_trainer_free(t);
    t = rl_trainer("sqn");
    assert_int_equal(orl_trainer_set_float(t, "n_neg", 5), ORL_E_UNKNOWN_KEY); /* not SQN's */
    orl_trainer_free(t);
    orl_qnet *q = NULL;
    orl_qnet_params qp;
    orl_qnet_params_init(&qp);
    qp.gamma = 1.0f;
    assert_int_equal(orl_qnet_create(&qp, &q), ORL_E_OUT_OF_RANGE);
    assert_null(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_rl_algorithm_exports_two_heads),
        cmocka_unit_test(test_rl_settings_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
