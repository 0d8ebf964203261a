/* orl_model_estimate_value on display logs (the display table): every
 * display, clicked or not, is a logged step; with slates the slate estimators
 * run and the per-item ones refuse with a reason. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

static orl_dataset *display_logs(uint32_t slate, uint64_t sessions)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.seed = 5;
    sp.n_items = 40;
    sp.n_users = 40;
    sp.max_steps = 8;
    sp.slate_size = slate;
    sp.log_impressions = 1;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    assert_orl_ok(orl_sim_generate(sim, sessions, ds));
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_sim_free(sim);
    return ds;
}

static orl_model *train(const orl_dataset *ds)
{
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 1;
    tp.seed = 2;
    tp.threads = 2;
    return orl_test_fit_model(&tp, 8, ds);
}

static void test_one_item_displays_are_the_steps(void **state)
{
    (void)state;
    orl_dataset *ds = display_logs(1, 200);
    orl_model *m = train(ds);
    uint64_t displays = 0, events = 0;
    assert_orl_ok(orl_dataset_display_count(ds, &displays));
    orl_dataset_stats st = {.struct_size = sizeof st};
    assert_orl_ok(orl_dataset_get_stats(ds, &st));
    events = st.n_events;
    assert_true(displays > events); /* the skips are steps too */
    orl_ope_params p;
    orl_ope_params_init(&p);
    p.interval = ORL_OPE_INTERVAL_NORMAL;
    p.reward_model = ORL_OPE_REWARD_ITEM_MEAN;
    p.estimators = "ips,snips,dr,pdis,wpdis";
    p.threads = 2;
    orl_ope_result *r = NULL;
    assert_orl_ok(orl_model_estimate_value(m, ds, &p, &r));
    size_t n = 0;
    assert_orl_ok(orl_ope_result_count(r, &n));
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) {
        orl_ope_estimate e = {.struct_size = sizeof e};
        assert_orl_ok(orl_ope_result_get(r, i, &e));
        assert_int_equal(e.n_steps, displays);
        assert_true(isfinite(e.value));
    }
    orl_ope_result_free(r);
    /* The model as its own behaviour (softmax:1): weights 1, IPS = the mean reward per display. */
    orl_policy_rule rule;
    orl_policy_rule_init(&rule);
    assert_orl_ok(orl_policy_rule_parse("softmax:1", &rule));
    p.policy = &rule;
    p.behaviour = ORL_OPE_BEHAVIOUR_MODEL;
    p.behaviour_model = m;
    p.estimators = "ips";
    assert_orl_ok(orl_model_estimate_value(m, ds, &p, &r));
    orl_ope_estimate e = {.struct_size = sizeof e};
    assert_orl_ok(orl_ope_result_get(r, 0, &e));
    double sum = 0;
    for (uint64_t i = 0; i < displays; i++) {
        orl_display_view v = {.struct_size = sizeof v};
        assert_orl_ok(orl_dataset_display_get(ds, i, &v));
        sum += v.reward;
    }
    if (fabs(e.value - sum / (double)displays) > 1e-4 * sum / (double)displays)
        fail_msg("ips %.9g, mean reward per display %.9g", e.value, sum / (double)displays);
    assert_true(fabs(e.ess - (double)displays) < 1e-3 * (double)displays);
    orl_ope_result_free(r);
    orl_model_free(m);
    orl_dataset_free(ds);
}

/* One item per display without logged propensities: the fitted behaviour
 * model is an impression model (cross-entropy on the shown item of every
 * display, clicked or not), so its softmax estimates the logger's single-draw
 * probabilities; a model fitted on the clicks would estimate the click
 * distribution instead. SNIPS with the fitted propensities against SNIPS with
 * the logged ones (within 10%), for two stochastic targets of the popularity
 * baseline, in a world whose logger weighs the hidden taste at 0.5 (at the
 * default 2 the taste the logs do not show confounds any fitted model).
 * Measured: 1.0% and 0.2%; the click model used before was 53% off. */
static void test_fitted_behaviour_learns_the_displays(void **state)
{
    (void)state;
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.seed = 9;
    sp.n_items = 200;
    sp.n_users = 200;
    sp.n_clusters = 6;
    sp.log_taste_weight = 0.5f;
    sp.log_impressions = 1;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    assert_orl_ok(orl_sim_generate(sim, 4000, ds));
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_model *m = NULL;
    assert_orl_ok(orl_model_create_baseline(ds, ORL_BASELINE_POPULARITY, &m));
    const char *rules[] = {"softmax:1", "epsilon:0.5:8"};
    for (int c = 0; c < 2; c++) {
        orl_policy_rule rule;
        orl_policy_rule_init(&rule);
        assert_orl_ok(orl_policy_rule_parse(rules[c], &rule));
        double v[2];
        for (int fit = 0; fit < 2; fit++) {
            orl_ope_params p;
            orl_ope_params_init(&p);
            p.interval = ORL_OPE_INTERVAL_NORMAL;
            p.estimators = "snips";
            p.policy = &rule;
            p.behaviour = fit ? ORL_OPE_BEHAVIOUR_FIT : ORL_OPE_BEHAVIOUR_LOGGED;
            p.threads = 2;
            p.seed = 3;
            orl_ope_result *r = NULL;
            assert_orl_ok(orl_model_estimate_value(m, ds, &p, &r));
            orl_ope_estimate e = {.struct_size = sizeof e};
            assert_orl_ok(orl_ope_result_get(r, 0, &e));
            v[fit] = e.value;
            size_t nw = 0;
            assert_orl_ok(orl_ope_result_warning_count(r, &nw));
            if (fit) {
                char text[512];
                int found = 0;
                for (size_t w = 0; w < nw; w++) {
                    size_t len = 0;
                    assert_orl_ok(orl_ope_result_warning(r, w, text, sizeof text, &len));
                    found |= strstr(text, "impression model") != NULL;
                }
                assert_true(found);
            }
            orl_ope_result_free(r);
        }
        printf("%s: snips logged %.5f, fitted %.5f (%.1f%%)\n", rules[c], v[0], v[1],
               100.0 * fabs(v[1] - v[0]) / v[0]);
        assert_true(fabs(v[1] - v[0]) <= 0.10 * v[0]);
    }
    orl_model_free(m);
    orl_dataset_free(ds);
    orl_sim_free(sim);
}

static void test_slates(void **state)
{
    (void)state;
    orl_dataset *ds = display_logs(3, 200);
    orl_model *m = train(ds);
    orl_ope_params p;
    orl_ope_params_init(&p);
    p.interval = ORL_OPE_INTERVAL_NORMAL;
    p.threads = 2;
    orl_ope_result *r = NULL;
    assert_orl_ok(orl_model_estimate_value(m, ds, &p, &r)); /* all that apply: the slate ones */
    size_t n = 0;
    assert_orl_ok(orl_ope_result_count(r, &n));
    assert_int_equal(n, 2);
    const char *names[2] = {"iips", "pseudo_inverse"};
    for (size_t i = 0; i < n; i++) {
        orl_ope_estimate e = {.struct_size = sizeof e};
        assert_orl_ok(orl_ope_result_get(r, i, &e));
        assert_string_equal(e.estimator, names[i]);
        assert_true(isfinite(e.value) && e.ci_low <= e.value && e.value <= e.ci_high);
        assert_true(e.ess > 0);
    }
    orl_ope_result_free(r);
    p.estimators = "dr";
    r = NULL;
    assert_int_equal(orl_model_estimate_value(m, ds, &p, &r), ORL_E_STATE);
    assert_non_null(strstr(orl_last_error(), "slates of 3"));
    p.estimators = NULL;
    orl_policy_rule rule;
    orl_policy_rule_init(&rule);
    assert_orl_ok(orl_policy_rule_parse("softmax:1", &rule));
    p.policy = &rule;
    assert_orl_ok(orl_model_estimate_value(m, ds, &p, &r)); /* a stochastic slate target */
    orl_ope_estimate e = {.struct_size = sizeof e};
    assert_orl_ok(orl_ope_result_get(r, 0, &e));
    assert_true(isfinite(e.value) && e.ess > 0);
    orl_ope_result_free(r);
    orl_model_free(m);
    orl_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_item_displays_are_the_steps),
        cmocka_unit_test(test_fitted_behaviour_learns_the_displays),
        cmocka_unit_test(test_slates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
