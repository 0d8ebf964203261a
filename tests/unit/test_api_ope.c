/* orl_model_estimate_value end to end on simulator logs: every estimator
 * runs, the result and its JSON agree, the target equal to the behaviour
 * model gives weights of 1, and bad inputs fail with messages that say what
 * is wrong (no propensities, a zero propensity, another catalogue, params by
 * name, unknown estimator names). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "test_support.h"

#define assert_near(a, b, eps)                                                                     \
    do {                                                                                           \
        double x_ = (a), y_ = (b);                                                                 \
        if (!(fabs(x_ - y_) <= (eps))) fail_msg("%s = %.17g, expected %.17g", #a, x_, y_);         \
    } while (0)

typedef struct fixture {
    orl_dataset *ds;
    orl_model *model;
} fixture;

static orl_dataset *sim_logs(uint64_t seed, uint32_t n_items, uint64_t sessions)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.seed = seed;
    sp.n_items = n_items;
    sp.n_users = 50;
    sp.max_steps = 8;
    sp.log_skips = 1; /* every shown item is a logged step */
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    assert_orl_ok(orl_sim_generate(sim, sessions, ds));
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_sim_free(sim);
    return ds;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->ds = sim_logs(3, 40, 300);
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 2;
    tp.seed = 1;
    tp.threads = 2;
    f->model = orl_test_fit_model(&tp, 16, f->ds);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    orl_model_free(f->model);
    orl_dataset_free(f->ds);
    free(f);
    return 0;
}

static orl_ope_params quick(void)
{
    orl_ope_params p;
    orl_ope_params_init(&p);
    p.reward_model = ORL_OPE_REWARD_ITEM_MEAN;
    p.interval = ORL_OPE_INTERVAL_NORMAL;
    p.threads = 2;
    return p;
}

static char *json_of(const orl_ope_result *r)
{
    size_t len = 0;
    assert_orl_ok(orl_ope_result_json(r, NULL, 0, &len));
    char *buf = malloc(len);
    size_t len2 = 0;
    assert_orl_ok(orl_ope_result_json(r, buf, len, &len2));
    assert_int_equal(len, len2);
    assert_int_equal(strlen(buf) + 1, len);
    return buf;
}

/* The number after "key": in the n-th estimate object of the JSON. */
static double json_number(const char *json, size_t n, const char *key)
{
    const char *p = strstr(json, "\"estimates\":[");
    for (size_t i = 0; i <= n; i++) p = strstr(p + 1, "{\"estimator\"");
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *k = strstr(p, pat);
    assert_non_null(k);
    return strtod(k + strlen(pat), NULL);
}

static void test_all_estimators_and_json(void **state)
{
    fixture *f = *state;
    orl_ope_params p = quick();
    p.estimators = "ips,clipped_ips,snips,dm,dr,sndr,switch_dr,pdis,wpdis";
    orl_ope_result *r = NULL;
    assert_orl_ok(orl_model_estimate_value(f->model, f->ds, &p, &r));
    size_t n = 0;
    assert_orl_ok(orl_ope_result_count(r, &n));
    assert_int_equal(n, 9);
    char *json = json_of(r);
    const char *names[] = {"ips",  "clipped_ips", "snips", "dm",   "dr",
                           "sndr", "switch_dr",   "pdis",  "wpdis"};
    uint64_t steps = 0, sessions = 0;
    orl_dataset_stats st = {.struct_size = sizeof st};
    assert_orl_ok(orl_dataset_get_stats(f->ds, &st));
    for (size_t i = 0; i < n; i++) {
        orl_ope_estimate e = {.struct_size = sizeof e};
        assert_orl_ok(orl_ope_result_get(r, i, &e));
        assert_string_equal(e.estimator, names[i]);
        assert_true(isfinite(e.value) && e.ci_low <= e.value && e.value <= e.ci_high);
        if (!(e.std_error > 0 && e.ess > 0))
            fail_msg("%s: se %g ess %g", e.estimator, e.std_error, e.ess);
        assert_int_equal(e.per_session, i >= 7);
        steps = e.n_steps, sessions = e.n_sessions;
        /* The JSON carries the same numbers, in a form that reads back exactly. */
        assert_true(json_number(json, i, "value") == e.value);
        assert_true(json_number(json, i, "ci_low") == e.ci_low);
        assert_true(json_number(json, i, "ess") == e.ess);
        double scale = e.per_session ? 1.0 : (double)e.n_steps / (double)e.n_sessions;
        assert_near(e.session_value, scale * e.value, 1e-12 * fabs(e.session_value) + 1e-15);
    }
    assert_int_equal(steps, st.n_events);
    assert_int_equal(sessions, st.n_sessions);
    assert_non_null(strstr(json, "\"policy\":\"greedy\""));
    assert_non_null(strstr(json, "\"interval\":\"normal\""));
    assert_non_null(strstr(json, "\"reward_model\":\"item_mean\""));
    assert_non_null(strstr(json, "\"unit\":\"session\""));
    assert_non_null(strstr(json, "\"timing\":{\"scoring\":"));
    /* A short buffer is an error and leaves the size. */
    char small[8];
    size_t len = 0;
    assert_int_equal(orl_ope_result_json(r, small, sizeof small, &len), ORL_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, strlen(json) + 1);
    orl_ope_estimate e = {.struct_size = sizeof e};
    assert_int_equal(orl_ope_result_get(r, n, &e), ORL_E_OUT_OF_RANGE);
    free(json);
    orl_ope_result_free(r);
}

/* The model as its own behaviour policy under softmax:1: every weight is 1,
 * so IPS and SNIPS are the mean logged reward per step. */
static void test_target_equal_to_behaviour_gives_unit_weights(void **state)
{
    fixture *f = *state;
    orl_ope_params p = quick();
    orl_policy_rule rule;
    orl_policy_rule_init(&rule);
    rule.kind = ORL_POLICY_SOFTMAX;
    rule.temperature = 1.0;
    p.policy = &rule;
    p.behaviour = ORL_OPE_BEHAVIOUR_MODEL;
    p.behaviour_model = f->model;
    p.estimators = "ips,snips,pdis";
    orl_ope_result *r = NULL;
    assert_orl_ok(orl_model_estimate_value(f->model, f->ds, &p, &r));
    orl_dataset_stats st = {.struct_size = sizeof st};
    assert_orl_ok(orl_dataset_get_stats(f->ds, &st));
    uint64_t clicks = 0, buys = 0;
    assert_orl_ok(orl_dataset_count_events(f->ds, "click", &clicks));
    assert_orl_ok(orl_dataset_count_events(f->ds, "purchase", &buys));
    double mean = (0.2 * (double)clicks + 1.0 * (double)buys) / (double)st.n_events;
    orl_ope_estimate e = {.struct_size = sizeof e};
    assert_orl_ok(orl_ope_result_get(r, 0, &e));
    assert_near(e.value, mean, 1e-4 * mean);
    assert_near(e.ess, (double)st.n_events, 1e-3 * (double)st.n_events);
    assert_orl_ok(orl_ope_result_get(r, 1, &e));
    assert_near(e.value, mean, 1e-4 * mean);
    assert_orl_ok(orl_ope_result_get(r, 2, &e)); /* PDIS: the mean return per session */
    assert_near(e.value, mean * (double)st.n_events / (double)st.n_sessions, 1e-3 * e.value);
    orl_ope_result_free(r);
}

static void test_bootstrap_is_reproducible(void **state)
{
    fixture *f = *state;
    orl_ope_params p = quick();
    p.interval = ORL_OPE_INTERVAL_BOOTSTRAP;
    p.bootstrap_samples = 50;
    p.estimators = "snips, dr";
    orl_ope_result *a = NULL, *b = NULL;
    assert_orl_ok(orl_model_estimate_value(f->model, f->ds, &p, &a));
    p.threads = 1;
    assert_orl_ok(orl_model_estimate_value(f->model, f->ds, &p, &b));
    for (size_t i = 0; i < 2; i++) {
        orl_ope_estimate x = {.struct_size = sizeof x}, y = {.struct_size = sizeof y};
        assert_orl_ok(orl_ope_result_get(a, i, &x));
        assert_orl_ok(orl_ope_result_get(b, i, &y));
        assert_true(x.value == y.value && x.ci_low == y.ci_low && x.ci_high == y.ci_high);
        assert_true(x.ci_low < x.value && x.value < x.ci_high);
    }
    orl_ope_result_free(a);
    orl_ope_result_free(b);
}

static void expect_error(const orl_model *m, const orl_dataset *ds, const orl_ope_params *p,
                         int status, const char *needle)
{
    orl_ope_result *r = NULL;
    int s = orl_model_estimate_value(m, ds, p, &r);
    if (s != status || !strstr(orl_last_error(), needle))
        fail_msg("status %d (expected %d), message '%s' (expected to contain '%s')", s, status,
                 orl_last_error(), needle);
    assert_null(r);
}

static orl_dataset *small_dataset(const float *props, int64_t item_offset)
{
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    int32_t click;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    const int64_t sk[4] = {1, 1, 2, 2}, ts[4] = {1, 2, 3, 4};
    int64_t ik[4] = {0, 1, 2, 3};
    for (int i = 0; i < 4; i++) ik[i] += item_offset;
    const int32_t codes[4] = {click, click, click, click};
    assert_orl_ok(orl_dataset_add_events_i64(ds, 4, sk, ik, ts, codes, NULL, props));
    assert_orl_ok(orl_dataset_finalize(ds));
    return ds;
}

static void test_bad_inputs(void **state)
{
    fixture *f = *state;
    orl_ope_params p = quick();
    /* Sim items are keyed 0..39: these four are in the catalogue. */
    orl_dataset *none = small_dataset(NULL, 0);
    expect_error(f->model, none, &p, ORL_E_STATE, "no logging propensities");
    const float some[4] = {0.5f, NAN, 0.5f, 0.5f};
    orl_dataset *unknown = small_dataset(some, 0);
    expect_error(f->model, unknown, &p, ORL_E_STATE, "step 1 (session '1', position 1)");
    /* Another catalogue: items 1000.. are not the model's. */
    const float props[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    orl_dataset *other = small_dataset(props, 1000);
    expect_error(f->model, other, &p, ORL_E_STATE, "4 of 4 logged steps (4 items");
    expect_error(f->model, other, &p, ORL_E_STATE, "another catalogue");
    /* One unknown item in four steps: the model can never show it, so the target
     * gives it probability 0 and the result says so in a warning. */
    orl_dataset *mixed = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &mixed));
    int32_t click;
    assert_orl_ok(orl_dataset_event_type(mixed, "click", &click));
    const int64_t msk[4] = {1, 1, 2, 2}, mts[4] = {1, 2, 3, 4}, mik[4] = {0, 1, 2, 1000};
    const int32_t mcodes[4] = {click, click, click, click};
    assert_orl_ok(orl_dataset_add_events_i64(mixed, 4, msk, mik, mts, mcodes, NULL, props));
    assert_orl_ok(orl_dataset_finalize(mixed));
    orl_ope_params ips = quick();
    ips.estimators = "ips";
    orl_ope_result *mr = NULL;
    assert_orl_ok(orl_model_estimate_value(f->model, mixed, &ips, &mr));
    size_t n_warn = 0, found = 0;
    assert_orl_ok(orl_ope_result_warning_count(mr, &n_warn));
    for (size_t i = 0; i < n_warn; i++) {
        char text[1024];
        size_t len = 0;
        assert_orl_ok(orl_ope_result_warning(mr, i, text, sizeof text, &len));
        found += strstr(text, "1 of 4 logged steps") && strstr(text, "probability 0");
    }
    assert_int_equal(found, 1);
    orl_ope_result_free(mr);
    orl_dataset_free(mixed);
    /* A behaviour model instead of logged propensities works on `none`. */
    p.behaviour = ORL_OPE_BEHAVIOUR_MODEL;
    expect_error(f->model, none, &p, ORL_E_INVALID_ARGUMENT, "behaviour_model is NULL");
    p.behaviour_model = f->model;
    orl_ope_result *r = NULL;
    assert_orl_ok(orl_model_estimate_value(f->model, none, &p, &r));
    orl_ope_result_free(r);

    orl_ope_params q = quick();
    q.confidence = 1.0;
    expect_error(f->model, f->ds, &q, ORL_E_OUT_OF_RANGE, "params->confidence");
    q = quick();
    q.clip = 0;
    expect_error(f->model, f->ds, &q, ORL_E_OUT_OF_RANGE, "params->clip");
    q = quick();
    q.gamma = NAN;
    expect_error(f->model, f->ds, &q, ORL_E_OUT_OF_RANGE, "params->gamma");
    q = quick();
    q.switch_threshold = -1;
    expect_error(f->model, f->ds, &q, ORL_E_OUT_OF_RANGE, "params->switch_threshold");
    q = quick();
    q.bootstrap_samples = 1;
    expect_error(f->model, f->ds, &q, ORL_E_OUT_OF_RANGE, "params->bootstrap_samples");
    q = quick();
    q.interval = 7;
    expect_error(f->model, f->ds, &q, ORL_E_OUT_OF_RANGE, "params->interval");
    q = quick();
    q.behaviour = 9;
    expect_error(f->model, f->ds, &q, ORL_E_OUT_OF_RANGE, "params->behaviour");
    q = quick();
    q.threads = -1;
    expect_error(f->model, f->ds, &q, ORL_E_OUT_OF_RANGE, "params->threads");
    q = quick();
    q.estimators = "ips,magic";
    expect_error(f->model, f->ds, &q, ORL_E_INVALID_ARGUMENT, "'magic', not an estimator");
    q = quick();
    q.estimators = " , ";
    expect_error(f->model, f->ds, &q, ORL_E_INVALID_ARGUMENT, "names no estimator");
    q = quick();
    q.struct_size = 8;
    expect_error(f->model, f->ds, &q, ORL_E_INVALID_ARGUMENT, "struct_size");
    orl_policy_rule rule;
    orl_policy_rule_init(&rule);
    rule.kind = ORL_POLICY_SOFTMAX;
    rule.temperature = 0;
    q = quick();
    q.policy = &rule;
    expect_error(f->model, f->ds, &q, ORL_E_OUT_OF_RANGE, "temperature");
    expect_error(NULL, f->ds, &p, ORL_E_INVALID_ARGUMENT, "model");
    expect_error(f->model, NULL, &p, ORL_E_INVALID_ARGUMENT, "ds");
    assert_int_equal(orl_model_estimate_value(f->model, f->ds, &p, NULL), ORL_E_INVALID_ARGUMENT);
    orl_dataset_free(none);
    orl_dataset_free(unknown);
    orl_dataset_free(other);
}

static void test_fitted_behaviour_warns(void **state)
{
    fixture *f = *state;
    orl_ope_params p = quick();
    p.behaviour = ORL_OPE_BEHAVIOUR_FIT;
    p.fqe_epochs = 1;
    p.estimators = "snips";
    orl_ope_result *r = NULL;
    assert_orl_ok(orl_model_estimate_value(f->model, f->ds, &p, &r));
    size_t n = 0, len = 0;
    assert_orl_ok(orl_ope_result_warning_count(r, &n));
    assert_int_equal(n, 1);
    assert_orl_ok(orl_ope_result_warning(r, 0, NULL, 0, &len));
    char *w = malloc(len);
    assert_orl_ok(orl_ope_result_warning(r, 0, w, len, &len));
    assert_non_null(strstr(w, "fitted on these logs"));
    char *json = json_of(r);
    assert_non_null(strstr(json, "\"behaviour\":\"fit\""));
    assert_non_null(strstr(json, "fitted on these logs"));
    free(json);
    free(w);
    assert_int_equal(orl_ope_result_warning(r, 1, NULL, 0, &len), ORL_E_OUT_OF_RANGE);
    orl_ope_result_free(r);
}

/* Baselines (no network) are models like any other: popularity and repeat
 * under greedy and softmax targets, and popularity as the behaviour model. */
static void test_baselines(void **state)
{
    fixture *f = *state;
    const int32_t kinds[2] = {ORL_BASELINE_POPULARITY, ORL_BASELINE_REPEAT};
    const char *rules[2] = {"greedy", "softmax:1"}; /* softmax:1 = the behaviour softmax */
    for (int k = 0; k < 2; k++) {
        orl_model *b = NULL;
        assert_orl_ok(orl_model_create_baseline(f->ds, kinds[k], &b));
        for (int r = 0; r < 2; r++) {
            orl_ope_params p = quick();
            orl_policy_rule rule;
            orl_policy_rule_init(&rule);
            assert_orl_ok(orl_policy_rule_parse(rules[r], &rule));
            p.policy = &rule;
            p.estimators = "snips,dr,wpdis";
            /* Repeat's softmax puts (numerically) 0 on items outside the history: as a
             * behaviour model it is refused (a zero propensity), so popularity only. */
            int own = r && kinds[k] == ORL_BASELINE_POPULARITY;
            if (own) p.behaviour = ORL_OPE_BEHAVIOUR_MODEL, p.behaviour_model = b;
            orl_ope_result *res = NULL;
            assert_orl_ok(orl_model_estimate_value(b, f->ds, &p, &res));
            orl_ope_estimate e = {.struct_size = sizeof e};
            assert_orl_ok(orl_ope_result_get(res, 0, &e));
            assert_true(isfinite(e.value) && e.ess > 0);
            if (own) assert_near(e.ess, (double)e.n_steps, 1e-3 * (double)e.n_steps);
            orl_ope_result_free(res);
        }
        orl_model_free(b);
    }
}

/* The model-based estimators with FQE (gamma 0 for the per-step ones, 0.9 for
 * the sequential ones): they run, their values are finite, and DM is the mean
 * of V over the steps while DR adds the weighted residuals. */
static void test_fqe_reward_model(void **state)
{
    fixture *f = *state;
    orl_ope_params p = quick();
    p.reward_model = ORL_OPE_REWARD_FQE;
    p.fqe_epochs = 1;
    p.gamma = 0.9;
    orl_policy_rule rule;
    orl_policy_rule_init(&rule);
    assert_orl_ok(orl_policy_rule_parse("softmax:0.5", &rule));
    p.policy = &rule;
    p.estimators = "dm,dr,seq_dr,fqe";
    orl_ope_result *r = NULL;
    assert_orl_ok(orl_model_estimate_value(f->model, f->ds, &p, &r));
    size_t n = 0;
    assert_orl_ok(orl_ope_result_count(r, &n));
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        orl_ope_estimate e = {.struct_size = sizeof e};
        assert_orl_ok(orl_ope_result_get(r, i, &e));
        if (!isfinite(e.value) || e.ci_low > e.value || e.value > e.ci_high)
            fail_msg("%s: %g [%g, %g]", e.estimator, e.value, e.ci_low, e.ci_high);
    }
    char *json = json_of(r);
    assert_non_null(strstr(json, "\"reward_model\":\"fqe\""));
    double fit = 0;
    const char *t = strstr(json, "\"fqe_fit\":");
    assert_non_null(t);
    fit = strtod(t + 10, NULL);
    assert_true(fit > 0);
    free(json);
    orl_ope_result_free(r);
}

/* Every allocation of an estimate failing in turn: ORL_E_NOMEM, *out untouched,
 * nothing leaked; then the call succeeds. One thread, so the order is fixed. */
static void test_allocation_failures(void **state)
{
    fixture *f = *state;
    orl_ope_params p = quick();
    p.threads = 1;
    p.interval = ORL_OPE_INTERVAL_BOOTSTRAP;
    p.bootstrap_samples = 4;
    p.estimators = "ips,snips,sndr,wpdis,pdis";
    const int n_cases = 5;
    orl_policy_rule soft;
    orl_policy_rule_init(&soft);
    assert_orl_ok(orl_policy_rule_parse("softmax:0.5", &soft));
    for (int c = 0; c < n_cases; c++) {
        if (c == 1) p.behaviour = ORL_OPE_BEHAVIOUR_MODEL, p.behaviour_model = f->model;
        if (c == 2) p.interval = ORL_OPE_INTERVAL_NORMAL;
        if (c == 3) p.policy = &soft, p.estimators = "dr,sndr"; /* the fused softmax scorers */
        if (c == 4) p.interval = ORL_OPE_INTERVAL_BCA;
        int64_t live = orl_alloc_live_blocks();
        uint64_t failures = 0;
        for (int64_t k = 0;; k++) {
            orl_ope_result *r = (orl_ope_result *)(void *)&failures; /* must stay as it is */
            orl_ope_result *const sentinel = r;
            orl_alloc_fail_after(k);
            int s = orl_model_estimate_value(f->model, f->ds, &p, &r);
            orl_alloc_fail_after(-1);
            if (s == ORL_OK) {
                /* The result's own allocations: JSON and a warning-free accessor. */
                char *json = NULL;
                size_t len = 0;
                assert_orl_ok(orl_ope_result_json(r, NULL, 0, &len));
                json = malloc(len);
                orl_alloc_fail_after(0);
                int js = orl_ope_result_json(r, json, len, &len);
                orl_alloc_fail_after(-1);
                assert_int_equal(js, ORL_E_NOMEM);
                assert_orl_ok(orl_ope_result_json(r, json, len, &len));
                free(json);
                orl_ope_result_free(r);
                break;
            }
            if (s != ORL_E_NOMEM) fail_msg("k=%lld: %d %s", (long long)k, s, orl_last_error());
            assert_ptr_equal(r, sentinel);
            assert_int_equal(orl_alloc_live_blocks(), live);
            failures++;
        }
        assert_int_equal(orl_alloc_live_blocks(), live);
        print_message("case %d: survived %llu allocation failures\n", c,
                      (unsigned long long)failures);
        assert_true(failures > 10);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_estimators_and_json),
        cmocka_unit_test(test_target_equal_to_behaviour_gives_unit_weights),
        cmocka_unit_test(test_bootstrap_is_reproducible),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_fitted_behaviour_warns),
        cmocka_unit_test(test_baselines),
        cmocka_unit_test(test_fqe_reward_model),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
