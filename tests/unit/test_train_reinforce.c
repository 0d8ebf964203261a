/* "reinforce" through the public trainer: every setting range-checked by
 * name, the logged beta refused without propensities, the returns computed
 * once per dataset to the end of each session, the importance weights'
 * figures in the history JSON and the report, deterministic per seed, and
 * every encoder trains, exports (scoring with pi), saves and reloads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/algo.h"
#include "algos/algo_reinforce.h"
#include "api/trainer_impl.h"
#include "data/dataset.h"
#include "models/ce_head.h"
#include "nn/params.h"
#include "test_support.h"

static orl_trainer *make_trainer(const char *arch, uint64_t seed, int threads)
{
    orl_encoder *enc = orl_test_encoder(arch, 8);
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "reinforce";
    tp.epochs = 2;
    tp.batch_size = 32;
    tp.threads = threads;
    tp.seed = seed;
    orl_trainer *t = NULL;
    assert_orl_ok(orl_trainer_create(&tp, enc, NULL, NULL, &t));
    orl_encoder_free(enc);
    return t;
}

static void expect_refused(orl_trainer *t, const char *key, double value)
{
    assert_int_equal(orl_trainer_set_float(t, key, value), ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), key));
}

static void test_settings_are_checked(void **state)
{
    (void)state;
    assert_non_null(strstr(orl_algo_names(), "reinforce"));
    const orl_algo_class *c = orl_algo_find("reinforce");
    assert_non_null(c);
    assert_int_equal(c->flags, 0);
    assert_non_null(c->prepare);
    orl_trainer *t = make_trainer(NULL, 1, 1);
    expect_refused(t, "gamma", -0.1);
    expect_refused(t, "gamma", 1.01);
    expect_refused(t, "gamma", NAN);
    expect_refused(t, "clip", 0);
    expect_refused(t, "clip", -1);
    expect_refused(t, "clip", INFINITY);
    expect_refused(t, "smooth", -0.5);
    expect_refused(t, "smooth", 11);
    expect_refused(t, "normalize", 2);
    expect_refused(t, "normalize", 0.5);
    expect_refused(t, "topk", 0);
    expect_refused(t, "topk", 2.5);
    expect_refused(t, "topk", 1e6);
    expect_refused(t, "entropy", -1e-3);
    expect_refused(t, "entropy", NAN);
    expect_refused(t, "beta", 2);
    expect_refused(t, "beta", 0.5);
    expect_refused(t, "beta", -1);
    assert_int_equal(orl_trainer_set_float(t, "score_head", 1), ORL_E_UNKNOWN_KEY);
    assert_int_equal(orl_trainer_set_float(t, "threshold", 0.3), ORL_E_UNKNOWN_KEY);
    /* Every default, as documented, and accepted values. */
    const char *keys[] = {"gamma", "clip", "smooth", "normalize", "topk", "entropy", "beta"};
    const double defs[] = {0.5, 10, 1, 0, 1, 0, 0};
    for (int k = 0; k < 7; k++) {
        double v = -1;
        assert_orl_ok(orl_trainer_get_float(t, keys[k], &v));
        assert_true(v == defs[k]);
    }
    assert_orl_ok(orl_trainer_set_float(t, "topk", 10));
    assert_orl_ok(orl_trainer_set_float(t, "clip", 1e12));
    assert_orl_ok(orl_trainer_set_float(t, "smooth", 0));
    char json[2048];
    size_t len = 0;
    assert_orl_ok(orl_trainer_config_json(t, json, sizeof json, &len));
    assert_non_null(strstr(json, "\"topk\":10"));
    assert_non_null(strstr(json, "\"beta\":0"));
    orl_trainer_free(t);
}

/* A dataset of three sessions with known rewards, with or without propensities. */
static orl_dataset *tiny_dataset(int with_props)
{
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    int32_t click, buy;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    assert_orl_ok(orl_dataset_event_type(ds, "purchase", &buy));
    const int64_t sess[] = {1, 1, 1, 2, 2, 3, 3, 3, 3};
    const int64_t item[] = {10, 11, 12, 10, 13, 11, 12, 13, 10};
    const int64_t ts[] = {0, 1, 2, 0, 1, 0, 1, 2, 3};
    const int32_t code[] = {click, click, buy, buy, click, click, click, click, buy};
    const float props[] = {0.5f, 0.2f, 0.1f, 0.3f, 0.25f, 0.4f, 0.2f, 0.6f, 0.05f};
    assert_orl_ok(
        orl_dataset_add_events_i64(ds, 9, sess, item, ts, code, NULL, with_props ? props : NULL));
    assert_orl_ok(orl_dataset_finalize(ds));
    return ds;
}

/* R_t = r_t + gamma R_{t+1} to the end of the session, computed at prepare. */
static void test_returns_once_per_dataset(void **state)
{
    (void)state;
    orl_dataset *ds = tiny_dataset(0);
    orl_trainer *t = make_trainer(NULL, 1, 1);
    assert_orl_ok(orl_trainer_set_float(t, "gamma", 0.5));
    assert_orl_ok(orl_trainer_fit(t, ds, NULL));
    uint64_t n = 0;
    const float *R = orl_algo_reinforce_returns(orl_trainer_algo_instance(t), &n);
    assert_int_equal(n, 9);
    /* Sessions in key order: 1 (c, c, b), 2 (b, c), 3 (c, c, c, b). */
    const double want[] = {0.2 + 0.5 * (0.2 + 0.5 * 1.0),
                           0.2 + 0.5 * 1.0,
                           1.0,
                           1.0 + 0.5 * 0.2,
                           0.2,
                           0.2 + 0.5 * (0.2 + 0.5 * (0.2 + 0.5 * 1.0)),
                           0.2 + 0.5 * (0.2 + 0.5 * 1.0),
                           0.2 + 0.5 * 1.0,
                           1.0};
    for (int i = 0; i < 9; i++) assert_true(fabs(R[i] - want[i]) < 1e-6);
    orl_trainer_free(t);
    orl_dataset_free(ds);
}

static void test_logged_beta_needs_propensities(void **state)
{
    (void)state;
    orl_dataset *plain = tiny_dataset(0), *logged = tiny_dataset(1);
    orl_trainer *t = make_trainer(NULL, 1, 1);
    assert_orl_ok(orl_trainer_set_float(t, "beta", 1));
    assert_int_equal(orl_trainer_fit(t, plain, NULL), ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "'beta'"));
    assert_non_null(strstr(orl_last_error(), "propensities"));
    orl_model *m = NULL;
    assert_int_equal(orl_trainer_export_model(t, &m), ORL_E_STATE);
    assert_orl_ok(orl_trainer_fit(t, logged, NULL));
    /* No behaviour head: beta is the logged column. */
    assert_null(orl_pg_net_beta(orl_algo_reinforce_net(orl_trainer_algo_instance(t))));
    orl_trainer_free(t);
    orl_dataset_free(plain);
    orl_dataset_free(logged);
}

/* The history JSON and the report carry the weights' figures per epoch. */
static void test_history_reports_weights(void **state)
{
    (void)state;
    orl_dataset *ds = orl_test_chain_dataset(30, 60, 6, 5, 1);
    orl_trainer *t = make_trainer(NULL, 2, 1);
    assert_orl_ok(orl_trainer_set_float(t, "clip", 1.2));
    assert_orl_ok(orl_trainer_set_float(t, "topk", 3));
    assert_orl_ok(orl_trainer_fit(t, ds, NULL));
    size_t len = 0;
    assert_orl_ok(orl_trainer_history_json(t, NULL, 0, &len));
    char *json = malloc(len);
    assert_orl_ok(orl_trainer_history_json(t, json, len, &len));
    const char *keys[] = {"\"algorithm_stats\":{\"ess\":", "\"ess_share\":", "\"clipped_share\":",
                          "\"mean_weight\":", "\"mean_lambda_k\":"};
    for (int k = 0; k < 5; k++) assert_non_null(strstr(json, keys[k]));
    const orl_epoch_record *rec = NULL;
    uint32_t n = 0;
    assert_orl_ok(orl_trainer_history(t, &rec, &n));
    assert_int_equal(n, 2);
    for (uint32_t e = 0; e < n; e++) {
        const orl_algo_stats *s = &rec[e].algo_stats;
        assert_int_equal(s->n, 5);
        double ess = s->values[0], share = s->values[1], clipped = s->values[2];
        double mean_w = s->values[3], lambda = s->values[4];
        print_message("epoch %u: ESS %.2f (%.3f of the batch), clipped %.3f, mean w %.3f, "
                      "mean lambda %.3f\n",
                      rec[e].epoch, ess, share, clipped, mean_w, lambda);
        assert_true(ess > 1.0 && ess <= 32.0 + 1e-9);
        assert_true(share > 0.0 && share <= 1.0 + 1e-12);
        assert_true(clipped >= 0.0 && clipped <= 1.0);
        assert_true(mean_w > 0.0 && mean_w <= 1.2 + 1e-6);
        assert_true(lambda > 0.0 && lambda <= 3.0);
    }
    char path[512];
    orl_test_tmp_path("reinforce_report.html", path, sizeof path);
    assert_orl_ok(orl_trainer_write_report(t, NULL, path));
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *html = calloc(1, 1 << 20);
    size_t got = fread(html, 1, (1 << 20) - 1, f);
    fclose(f);
    assert_true(got > 0);
    assert_non_null(strstr(html, "<th>ess</th>"));
    assert_non_null(strstr(html, "<th>clipped_share</th>"));
    remove(path);
    free(html);
    free(json);
    orl_trainer_free(t);
    /* Other algorithms report none. */
    orl_encoder *enc = orl_test_encoder(NULL, 8);
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 1;
    tp.batch_size = 32;
    tp.threads = 1;
    assert_orl_ok(orl_trainer_create(&tp, enc, NULL, NULL, &t));
    assert_orl_ok(orl_trainer_fit(t, ds, NULL));
    char buf[1024];
    assert_orl_ok(orl_trainer_history_json(t, buf, sizeof buf, &len));
    assert_null(strstr(buf, "algorithm_stats"));
    orl_trainer_free(t);
    orl_encoder_free(enc);
    orl_dataset_free(ds);
}

static float *fit_copy(uint64_t seed, const orl_dataset *ds, size_t *count)
{
    orl_trainer *t = make_trainer(NULL, seed, 2);
    assert_orl_ok(orl_trainer_set_float(t, "entropy", 0.01));
    assert_orl_ok(orl_trainer_fit(t, ds, NULL));
    const orl_params *p = orl_trainer_policy_params(t);
    float *v = malloc(sizeof(float) * p->count);
    memcpy(v, p->value, sizeof(float) * p->count);
    *count = p->count;
    orl_trainer_free(t);
    return v;
}

static void test_deterministic_per_seed(void **state)
{
    (void)state;
    orl_dataset *ds = orl_test_chain_dataset(40, 80, 6, 7, 3);
    size_t n1, n2, n3;
    float *v1 = fit_copy(5, ds, &n1), *v2 = fit_copy(5, ds, &n2), *v3 = fit_copy(6, ds, &n3);
    assert_true(n1 == n2 && n1 == n3);
    assert_memory_equal(v1, v2, sizeof(float) * n1);
    assert_true(memcmp(v1, v3, sizeof(float) * n1) != 0);
    free(v1);
    free(v2);
    free(v3);
    orl_dataset_free(ds);
}

static void top5(const orl_model *m, int64_t *items, float *scores)
{
    int64_t h[2] = {3, 16};
    assert_orl_ok(orl_model_recommend(m, h, 2, 5, items, scores, NULL));
}

/* The exported model is pi: the policy store's CE head, scored as "sl"'s. */
static void test_every_encoder_trains_exports_and_reloads(void **state)
{
    (void)state;
    const char *archs[] = {"gru4rec", "sasrec", "caser", "nextitnet"};
    const int I = 30;
    orl_dataset *ds = orl_test_chain_dataset(I, 60, 6, 5, 1);
    for (int e = 0; e < 4; e++)
        for (int variant = 0; variant < 2; variant++) {
            orl_trainer *t = make_trainer(archs[e], 3, 2);
            if (variant) {
                assert_orl_ok(orl_trainer_set_float(t, "topk", 5));
                assert_orl_ok(orl_trainer_set_float(t, "entropy", 0.05));
                assert_orl_ok(orl_trainer_set_float(t, "normalize", 1));
            }
            assert_orl_ok(orl_trainer_fit(t, ds, NULL));
            const orl_params *p = orl_trainer_policy_params(t);
            const orl_param_view *hw = orl_params_find(p, ORL_CE_HEAD_W);
            assert_non_null(hw);
            assert_int_equal(hw->rows, I);
            orl_model *m = NULL, *loaded = NULL;
            assert_orl_ok(orl_trainer_export_model(t, &m));
            uint32_t heads = 0;
            assert_orl_ok(orl_model_head_count(m, &heads));
            assert_int_equal(heads, 1);
            size_t len = 0;
            orl_model_save_buffer(m, NULL, 0, &len);
            void *buf = malloc(len);
            assert_orl_ok(orl_model_save_buffer(m, buf, len, &len));
            assert_orl_ok(orl_model_load_buffer(buf, len, &loaded));
            char info[4096];
            size_t ilen = 0;
            assert_orl_ok(orl_model_info_json(loaded, info, sizeof info, &ilen));
            assert_non_null(strstr(info, archs[e]));
            assert_non_null(strstr(info, "reinforce"));
            int64_t i1[5], i2[5];
            float s1[5], s2[5];
            top5(m, i1, s1);
            top5(loaded, i2, s2);
            assert_memory_equal(i1, i2, sizeof i1);
            assert_memory_equal(s1, s2, sizeof s1);
            for (int k = 0; k < 5; k++) assert_true(isfinite(s1[k]));
            free(buf);
            orl_model_free(loaded);
            orl_model_free(m);
            orl_trainer_free(t);
        }
    orl_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_are_checked),
        cmocka_unit_test(test_returns_once_per_dataset),
        cmocka_unit_test(test_logged_beta_needs_propensities),
        cmocka_unit_test(test_history_reports_weights),
        cmocka_unit_test(test_deterministic_per_seed),
        cmocka_unit_test(test_every_encoder_trains_exports_and_reloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
