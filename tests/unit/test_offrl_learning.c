/* What the constrained and pessimistic value methods add, on simulator truth:
 * click logs carry no negative feedback, so Q values learned on the logged
 * actions alone rank the catalogue by extrapolation. Each method's contrast
 * must show in the true value (simulator rollout) of its policy, over SEEDS
 * worlds, every policy of a world trained on the same logs and rolled out on
 * the same sessions:
 * - bcq: its constrained rule (Q over the items G allows, the rest after by
 *   G) against the same network's raw Q head;
 * - cql: alpha 1 against alpha 0 (plain double-Q TD on the same network).
 * Margins are asserted on the mean paired difference over worlds: at least
 * half of the smallest difference measured when the test was written (stated
 * beside each assertion), and at least 2 standard errors of the mean
 * difference. The measured values are printed. */
#include <math.h>
#include <stdio.h>

#include "test_support.h"

enum { ITEMS = 200, SESSIONS = 5000, EPOCHS = 4, ROLLOUTS = 1500, SEEDS = 3 };
/* Half the smallest per-world difference measured (seeds 31-33: 1.50 and 0.91). */
#define BCQ_MARGIN 0.7
#define CQL_MARGIN 0.45

static orl_sim *world(uint64_t seed, orl_dataset **logs)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.n_items = ITEMS;
    sp.n_clusters = ITEMS / 10;
    sp.seed = seed;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    assert_orl_ok(orl_dataset_create(NULL, logs));
    assert_orl_ok(orl_sim_generate(sim, SESSIONS, *logs));
    assert_orl_ok(orl_dataset_finalize(*logs));
    return sim;
}

static orl_model *train(const orl_dataset *logs, const char *algo, const char *key, double value,
                        uint64_t seed)
{
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = algo;
    tp.epochs = EPOCHS;
    tp.seed = seed;
    tp.threads = 2;
    orl_trainer *t = orl_test_trainer(&tp, 0);
    if (key) assert_orl_ok(orl_trainer_set_float(t, key, value));
    assert_orl_ok(orl_trainer_fit(t, logs, NULL));
    orl_model *m = NULL;
    assert_orl_ok(orl_trainer_export_model(t, &m));
    orl_trainer_free(t);
    return m;
}

static double value_of(const orl_sim *sim, const orl_model *m, uint32_t head, const char *name,
                       uint64_t seed)
{
    orl_model *mh = NULL;
    assert_orl_ok(orl_model_with_head(m, head, &mh));
    orl_sim_rollout_result r = {.struct_size = sizeof r};
    assert_orl_ok(orl_sim_rollout_model(sim, mh, ROLLOUTS, 1000 + seed, &r));
    print_message("seed %llu %-18s true value %.3f (se %.3f)\n", (unsigned long long)seed, name,
                  r.mean_return, r.std_error);
    orl_model_free(mh);
    return r.mean_return;
}

/* Mean and standard error of d[0..n). */
static void mean_se(const double *d, int n, double *mean, double *se)
{
    double m = 0, v = 0;
    for (int i = 0; i < n; i++) m += d[i];
    m /= n;
    for (int i = 0; i < n; i++) v += (d[i] - m) * (d[i] - m);
    *mean = m;
    *se = sqrt(v / (n - 1) / n);
}

static void test_the_contrast_of_each_method_shows_in_true_value(void **state)
{
    (void)state;
    double bcq_gain[SEEDS], cql_gain[SEEDS];
    for (int s = 0; s < SEEDS; s++) {
        uint64_t seed = 31 + (uint64_t)s;
        orl_dataset *logs = NULL;
        orl_sim *sim = world(seed, &logs);
        orl_model *bcq = train(logs, "bcq", NULL, 0, seed);
        double constrained = value_of(sim, bcq, ORL_HEAD_CONSTRAINED, "bcq constrained", seed);
        double raw_q = value_of(sim, bcq, ORL_HEAD_Q, "bcq raw Q", seed);
        orl_model *cql1 = train(logs, "cql", "alpha", 1.0, seed);
        orl_model *cql0 = train(logs, "cql", "alpha", 0.0, seed);
        double v1 = value_of(sim, cql1, ORL_HEAD_Q, "cql alpha 1", seed);
        double v0 = value_of(sim, cql0, ORL_HEAD_Q, "cql alpha 0 (TD)", seed);
        bcq_gain[s] = constrained - raw_q;
        cql_gain[s] = v1 - v0;
        orl_model_free(bcq);
        orl_model_free(cql1);
        orl_model_free(cql0);
        orl_dataset_free(logs);
        orl_sim_free(sim);
    }
    double m, se;
    mean_se(bcq_gain, SEEDS, &m, &se);
    print_message("bcq constrained - raw Q: %.3f (se %.3f)\n", m, se);
    assert_true(m > 2 * se && m > BCQ_MARGIN);
    mean_se(cql_gain, SEEDS, &m, &se);
    print_message("cql alpha 1 - alpha 0: %.3f (se %.3f)\n", m, se);
    assert_true(m > 2 * se && m > CQL_MARGIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_contrast_of_each_method_shows_in_true_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
