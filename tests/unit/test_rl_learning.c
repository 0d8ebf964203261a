/* Learning tests with a known answer: on simulator logs, the RL algorithms reach
 * a higher TRUE value (the simulator's rollout) than the supervised next-item
 * baseline "sl" trained on the same logs. Each claim is a mean over SEEDS worlds
 * (the seed draws the world, its logs and the training), every algorithm on the
 * same logs and rolled out on the same sessions; the margins asserted are stated
 * beside each assertion and printed with the measured values.
 *
 * What each algorithm can learn from click logs decides the fixtures:
 * - "sl" and SQN's supervised head minimise the same cross-entropy of the next
 *   clicked item; SQN's TD loss only shapes their shared encoder. That head
 *   imitates the logs, whatever the rewards (measured against sl over 5 worlds:
 *   -0.01 +- 0.09 in the default one, +0.03 +- 0.04 in the long-term one), so
 *   SQN's claim is made for its Q head.
 * - The logs hold clicked items only, so SQN's Q head (no negatives) learns
 *   E[return | the user clicked a], never how likely a click on `a` is. Where the
 *   click probability depends on the item (the default world: appeal, relevance,
 *   successors), ranking by it shows items nobody clicks: 0.78 against sl's 1.94
 *   (5 worlds, bench_rl_value). SA2C's sampled negatives (reward 0) give its Q
 *   values that missing contrast: SA2C is compared with sl in both worlds. */
#include <stdio.h>
#include <string.h>

#include "test_support.h"

enum { ITEMS = 200, SESSIONS = 5000, EPOCHS = 4, ROLLOUTS = 1500, SEEDS = 3 };

/* Trains `algo` on `logs` (gamma < 0: the default; score_head: the head the
 * exported model scores with). */
static orl_model *train(const orl_dataset *logs, const char *algo, double gamma,
                        uint32_t score_head, uint64_t seed)
{
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = algo;
    tp.epochs = EPOCHS;
    tp.seed = seed;
    tp.threads = 2;
    orl_trainer *t = orl_test_trainer(&tp, 0);
    if (gamma >= 0) assert_orl_ok(orl_trainer_set_float(t, "gamma", gamma));
    if (score_head == ORL_HEAD_Q) assert_orl_ok(orl_trainer_set_float(t, "score_head", 1));
    assert_orl_ok(orl_trainer_fit(t, logs, NULL));
    orl_model *m = NULL;
    assert_orl_ok(orl_trainer_export_model(t, &m));
    uint32_t active = 99;
    assert_orl_ok(orl_model_head(m, &active));
    assert_int_equal(active, score_head);
    orl_trainer_free(t);
    return m;
}

/* True value of `m` scoring with `head`, printed as `name`. */
static double true_value(const orl_sim *sim, const orl_model *m, uint32_t head, const char *name,
                         uint64_t seed)
{
    orl_model *mh = NULL;
    assert_orl_ok(orl_model_with_head(m, head, &mh));
    orl_sim_rollout_result r = {.struct_size = sizeof r};
    assert_orl_ok(orl_sim_rollout_model(sim, mh, ROLLOUTS, 1000 + seed, &r));
    print_message("seed %llu %-22s true value %.3f (se %.3f, %.2f purchases, %.1f shown)\n",
                  (unsigned long long)seed, name, r.mean_return, r.std_error, r.mean_purchases,
                  r.mean_length);
    orl_model_free(mh);
    return r.mean_return;
}

/* The world of `seed` (200 items, 20 clusters) with `tweak` applied, and its logs. */
static orl_sim *world(uint64_t seed, void (*tweak)(orl_sim_params *), orl_dataset **logs)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.n_items = ITEMS;
    sp.n_clusters = ITEMS / 10;
    sp.seed = seed;
    if (tweak) tweak(&sp);
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    assert_orl_ok(orl_dataset_create(NULL, logs));
    assert_orl_ok(orl_sim_generate(sim, SESSIONS, *logs));
    assert_orl_ok(orl_dataset_finalize(*logs));
    return sim;
}

/* The long-term world: what an item does to the session is ALL in the future.
 * - click_relevance = click_appeal = click_successor = 0: every shown item is
 *   clicked with the same probability (it moves with satisfaction only), so the
 *   clicked logs are not confounded by how clickable an item is and a value
 *   learned from them is the value of showing the item;
 * - purchase_quality = 0: the immediate reward (click 0.2, purchase 1.0) does
 *   not depend on the item either;
 * - sat_quality = 1 (default 0.3): a clicked item's quality raises satisfaction,
 *   which keeps the user longer (leave_satisfaction) and makes later clicks and
 *   purchases likelier (click_satisfaction, purchase_satisfaction).
 * The known answer: with gamma = 0 no item is better than another; the gain
 * exists only through the discounted future, which the TD target carries. */
static void long_term_only(orl_sim_params *p)
{
    p->click_relevance = 0.0f;
    p->click_appeal = 0.0f;
    p->click_successor = 0.0f;
    p->purchase_quality = 0.0f;
    p->sat_quality = 1.0f;
}

/* Trains `algo` on `logs` scoring with `head`, and returns its true value. */
static double trained_value(const orl_sim *sim, const orl_dataset *logs, const char *algo,
                            double gamma, uint32_t head, const char *name, uint64_t seed)
{
    orl_model *m = train(logs, algo, gamma, head, seed);
    double v = true_value(sim, m, head, name, seed);
    orl_model_free(m);
    return v;
}

static void test_rl_learns_the_long_term_effect(void **state)
{
    (void)state;
    double logging = 0, sl = 0, sqn_ce = 0, sqn_q = 0, sqn_q_myopic = 0, sa2c = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        orl_dataset *logs = NULL;
        orl_sim *sim = world(seed, long_term_only, &logs);
        orl_sim_rollout_result lr = {.struct_size = sizeof lr};
        assert_orl_ok(orl_sim_rollout_logging(sim, ROLLOUTS, 1000 + seed, &lr));
        logging += lr.mean_return / SEEDS;
        sl += trained_value(sim, logs, "sl", -1, ORL_HEAD_SUPERVISED, "sl", seed) / SEEDS;
        orl_model *m = train(logs, "sqn", -1, ORL_HEAD_Q, seed);
        sqn_q += true_value(sim, m, ORL_HEAD_Q, "sqn (Q head)", seed) / SEEDS;
        sqn_ce += true_value(sim, m, ORL_HEAD_SUPERVISED, "sqn (supervised head)", seed) / SEEDS;
        orl_model_free(m);
        sqn_q_myopic +=
            trained_value(sim, logs, "sqn", 0.0, ORL_HEAD_Q, "sqn gamma 0 (Q head)", seed) / SEEDS;
        sa2c += trained_value(sim, logs, "sa2c", -1, ORL_HEAD_SUPERVISED, "sa2c", seed) / SEEDS;
        orl_dataset_free(logs);
        orl_sim_free(sim);
    }
    print_message("long-term world, mean true value over %d seeds: logging %.3f, sl %.3f, "
                  "sqn (Q head) %.3f (%+.3f), sqn gamma 0 (Q head) %.3f, sqn (supervised head) "
                  "%.3f, sa2c %.3f (%+.3f)\n",
                  SEEDS, logging, sl, sqn_q, sqn_q - sl, sqn_q_myopic, sqn_ce, sa2c, sa2c - sl);
    /* SQN, scoring with its Q head (gamma 0.5): measured +0.30 over sl on these 3 seeds
     * (+0.25 +- 0.10 over 5, every seed ahead); we assert 0.15. */
    assert_true(sqn_q > sl + 0.15);
    /* The gain comes through the discount: the same training with gamma 0 is measured
     * 0.20 lower (its Q values see the immediate reward only, equal for every item). */
    assert_true(sqn_q > sqn_q_myopic + 0.1);
    /* SA2C, supervised head: measured +0.17 on these seeds (+0.16 +- 0.10 over 5); we
     * assert 0.08. */
    assert_true(sa2c > sl + 0.08);
}

/* The default world (click-bait: appeal and quality anticorrelated; purchases
 * driven by quality; satisfaction from quality and variety): SA2C only, as SQN's
 * Q head cannot rank items by clickability there (see the top of the file). */
static void test_sa2c_beats_supervised_in_the_default_world(void **state)
{
    (void)state;
    double logging = 0, sl = 0, sa2c = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        orl_dataset *logs = NULL;
        orl_sim *sim = world(seed, NULL, &logs);
        orl_sim_rollout_result lr = {.struct_size = sizeof lr};
        assert_orl_ok(orl_sim_rollout_logging(sim, ROLLOUTS, 1000 + seed, &lr));
        logging += lr.mean_return / SEEDS;
        sl += trained_value(sim, logs, "sl", -1, ORL_HEAD_SUPERVISED, "sl", seed) / SEEDS;
        sa2c += trained_value(sim, logs, "sa2c", -1, ORL_HEAD_SUPERVISED, "sa2c", seed) / SEEDS;
        orl_dataset_free(logs);
        orl_sim_free(sim);
    }
    print_message("default world, mean true value over %d seeds: logging %.3f, sl %.3f, "
                  "sa2c %.3f (%+.3f)\n",
                  SEEDS, logging, sl, sa2c, sa2c - sl);
    /* Imitating the logs beats the logs here (its top item is the most clickable). */
    assert_true(sl > logging);
    /* Measured +0.19 on these seeds, but per seed +0.49, +0.24 and -0.16 (over 5:
     * +0.37 +- 0.45): the weighted phase is short at 4 epochs. We assert 0.1. */
    assert_true(sa2c > sl + 0.1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rl_learns_the_long_term_effect),
        cmocka_unit_test(test_sa2c_beats_supervised_in_the_default_world),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
