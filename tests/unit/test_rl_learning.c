/* Learning test with a known answer: on simulator logs with a long-term effect
 * (quality drives purchases and satisfaction, which keeps users longer), the
 * RL algorithms reach a higher TRUE value (simulator rollout) than the
 * supervised next-item baseline trained on the same logs. Averaged over seeds;
 * the margins asserted are stated below and printed with the measured values. */
#include <stdio.h>
#include <string.h>

#include "test_support.h"

enum { ITEMS = 200, SESSIONS = 5000, EPOCHS = 4, ROLLOUTS = 1500, SEEDS = 2 };

/* True value of `algo` (scoring with `head`) trained on the logs of `sim`. */
static double true_value(const orl_sim *sim, const orl_dataset *logs, const char *algo,
                         uint32_t head, uint64_t seed)
{
    orl_encoder *enc = NULL;
    assert_orl_ok(orl_encoder_create(NULL, &enc));
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = algo;
    tp.epochs = EPOCHS;
    tp.seed = seed;
    tp.threads = 2;
    orl_trainer *t = NULL;
    assert_orl_ok(orl_trainer_create(&tp, enc, NULL, NULL, &t));
    if (head == ORL_HEAD_Q) assert_orl_ok(orl_trainer_set_float(t, "score_head", 1));
    assert_orl_ok(orl_trainer_fit(t, logs, NULL));
    orl_model *m = NULL;
    assert_orl_ok(orl_trainer_export_model(t, &m));
    uint32_t active = 99;
    assert_orl_ok(orl_model_head(m, &active));
    assert_int_equal(active, head);
    orl_sim_rollout_result r = {.struct_size = sizeof r};
    assert_orl_ok(orl_sim_rollout_model(sim, m, ROLLOUTS, 1000 + seed, &r));
    print_message("seed %llu %-5s %-10s true value %.3f (se %.3f)\n", (unsigned long long)seed,
                  algo, head ? "Q head" : "supervised", r.mean_return, r.std_error);
    orl_model_free(m);
    orl_trainer_free(t);
    orl_encoder_free(enc);
    return r.mean_return;
}

static void test_rl_beats_supervised_on_true_value(void **state)
{
    (void)state;
    double sl = 0, sqn = 0, sa2c = 0, snqn_q = 0, logging = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        orl_sim_params sp;
        orl_sim_params_init(&sp);
        sp.n_items = ITEMS;
        sp.n_clusters = ITEMS / 10;
        sp.seed = seed;
        orl_sim *sim = NULL;
        assert_orl_ok(orl_sim_create(&sp, &sim));
        orl_dataset *logs = NULL;
        assert_orl_ok(orl_dataset_create(NULL, &logs));
        assert_orl_ok(orl_sim_generate(sim, SESSIONS, logs));
        assert_orl_ok(orl_dataset_finalize(logs));
        orl_sim_rollout_result lr = {.struct_size = sizeof lr};
        assert_orl_ok(orl_sim_rollout_logging(sim, ROLLOUTS, 1000 + seed, &lr));
        logging += lr.mean_return / SEEDS;
        sl += true_value(sim, logs, "sl", ORL_HEAD_SUPERVISED, seed) / SEEDS;
        sqn += true_value(sim, logs, "sqn", ORL_HEAD_SUPERVISED, seed) / SEEDS;
        sa2c += true_value(sim, logs, "sa2c", ORL_HEAD_SUPERVISED, seed) / SEEDS;
        snqn_q += true_value(sim, logs, "snqn", ORL_HEAD_Q, seed) / SEEDS;
        orl_dataset_free(logs);
        orl_sim_free(sim);
    }
    print_message("mean true value: logging %.3f, sl %.3f, sqn %.3f, sa2c %.3f, snqn (Q) %.3f\n",
                  logging, sl, sqn, sa2c, snqn_q);
    /* Imitating the logs beats nothing but the logs; reward-aware training must do better. */
    assert_true(sl > logging);
    /* SA2C: its advantage-weighted phase favours actions with long-term value. Measured
     * margins on this set are ~0.5 per session (se ~0.05); we assert 0.2. */
    assert_true(sa2c > sl + 0.2);
    /* Ranking by the Q values of SNQN (negatives teach Q what not to show): ~+0.9 measured. */
    assert_true(snqn_q > sl + 0.3);
    /* SQN's supervised head is only shaped by the TD loss through the shared encoder;
     * it must not lose to the baseline (measured: +0.03 to +0.1). */
    assert_true(sqn > sl - 0.05);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rl_beats_supervised_on_true_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
