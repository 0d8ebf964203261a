/* What reinforce learns, on problems whose answer is known:
 * - a two-armed logged bandit whose logging policy beta favours the worse
 *   arm (beta = 0.1 / 0.9, click probabilities 0.6 / 0.3, only clicks
 *   logged): with the importance weights (clip c = 10, c beta(better) = 1 >=
 *   R(worse) / R(better) = 0.5) the policy converges to the better arm;
 *   without them (smooth 0: w = 1) to pi proportional to beta q, the worse arm;
 * - a bandit whose reward is a click on any of the K shown items (each of
 *   K = 5 slots a draw from pi, Chen et al.'s top-K objective
 *   J_K(pi) = sum_a (1 - (1 - pi(a))^K) q(a)): topk = K reaches a higher
 *   J_K than topk = 1, which piles its mass on the single best arm; asserted
 *   as mean difference over seeds > 2 standard errors;
 * - the behaviour head recovers the simulator's logging distribution: with
 *   one user and the skipped items logged (every shown item is a logged
 *   action), KL(true || beta head) averaged over held-out states is below 0.2
 *   and below a fifth of KL(true || uniform). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algos/algo_reinforce.h"
#include "api/trainer_impl.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "models/ce_head.h"
#include "models/pg_net_internal.h"
#include "test_support.h"

enum { BATCH = 64, WINDOW = 2 };

static orl_pg_net *bandit_net(int n_items, uint64_t seed, int smooth, int topk, float clip)
{
    orl_pg_config c = orl_pg_config_default(n_items);
    c.base.embed_dim = c.base.hidden_dim = 8;
    c.base.window = WINDOW;
    c.base.max_batch = BATCH;
    c.base.encoder.embed_dim = c.base.encoder.hidden_dim = 8;
    c.base.encoder.window = WINDOW;
    c.logged_beta = 1;
    c.smooth = (float)smooth;
    c.topk = topk;
    c.clip = clip;
    orl_pg_net *net = NULL;
    assert_orl_ok(orl_pg_net_create(&c, seed, 1, &net));
    return net;
}

/* pi over the n arms at the bandit's one state (an empty history). */
static void policy(orl_pg_net *net, int n, double *pi)
{
    int32_t states[BATCH * WINDOW], lens[BATCH], actions[BATCH];
    float ret[BATCH], props[BATCH];
    for (int b = 0; b < n; b++) {
        states[b * WINDOW] = states[b * WINDOW + 1] = n;
        lens[b] = 1;
        actions[b] = b;
        ret[b] = 1.0f;
        props[b] = 0.5f;
    }
    orl_pg_inputs in = {states, lens, actions, ret, props, n};
    orl_pg_step s;
    assert_orl_ok(orl_pg_net_loss(net, &in, NULL, &s));
    for (int b = 0; b < n; b++) pi[b] = exp(-(double)net->row_pi[b]);
}

/* Trains on logged clicks: each row an arm drawn from beta, kept when
 * clicked (probability q), reward 1. */
static void train_bandit(orl_pg_net *net, int n, const double *beta, const double *q, int steps,
                         uint64_t seed)
{
    orl_rng r;
    orl_rng_init(&r, seed, 77);
    int32_t states[BATCH * WINDOW], lens[BATCH], actions[BATCH];
    float ret[BATCH], props[BATCH];
    for (int b = 0; b < BATCH; b++) {
        states[b * WINDOW] = states[b * WINDOW + 1] = n;
        lens[b] = 1;
        ret[b] = 1.0f;
    }
    for (int step = 0; step < steps; step++) {
        for (int b = 0; b < BATCH;) {
            double u = orl_rng_uniform(&r), acc = 0.0;
            int a = n - 1;
            for (int i = 0; i < n; i++)
                if (u < (acc += beta[i])) {
                    a = i;
                    break;
                }
            if (orl_rng_uniform(&r) >= q[a]) continue; /* no click: not a transition */
            actions[b] = a;
            props[b] = (float)beta[a];
            b++;
        }
        orl_pg_inputs in = {states, lens, actions, ret, props, BATCH};
        orl_pg_step s;
        assert_orl_ok(orl_pg_net_train_step(net, &in, 0.02f, &s));
    }
}

static void test_two_armed_bandit(void **state)
{
    (void)state;
    const double beta[2] = {0.1, 0.9}, q[2] = {0.6, 0.3};
    for (uint64_t seed = 1; seed <= 3; seed++) {
        double pc[2], pp[2];
        orl_pg_net *corrected = bandit_net(2, seed, 1, 1, 10.0f);
        orl_pg_net *plain = bandit_net(2, seed, 0, 1, 10.0f);
        train_bandit(corrected, 2, beta, q, 300, seed);
        train_bandit(plain, 2, beta, q, 300, seed);
        policy(corrected, 2, pc);
        policy(plain, 2, pp);
        print_message("seed %d: pi(better) %.3f with the correction, %.3f without (pi ~ beta q: "
                      "%.3f)\n",
                      (int)seed, pc[0], pp[0], 0.06 / 0.33);
        assert_true(pc[0] > 0.9);
        assert_true(pp[0] < 0.3);
        orl_pg_net_free(corrected);
        orl_pg_net_free(plain);
    }
}

enum { ARMS = 20, K = 5, SEEDS = 6 };

static double top_k_value(const double *pi, const double *q)
{
    double j = 0.0;
    for (int a = 0; a < ARMS; a++) j += (1.0 - pow(1.0 - pi[a], K)) * q[a];
    return j;
}

static void test_top_k_correction(void **state)
{
    (void)state;
    double beta[ARMS], q[ARMS];
    for (int a = 0; a < ARMS; a++) {
        beta[a] = 1.0 / ARMS;
        q[a] = a < K ? 0.9 - 0.1 * a : 0.1;
    }
    double diff[SEEDS], mean = 0.0, jk_sum = 0.0, j1_sum = 0.0, cov_k = 0.0, cov_1 = 0.0;
    for (int s = 0; s < SEEDS; s++) {
        double pk[ARMS], p1[ARMS];
        /* No clipping (the theory's estimator): pi / beta <= 20. */
        orl_pg_net *nk = bandit_net(ARMS, 10 + s, 1, K, 1000.0f);
        orl_pg_net *n1 = bandit_net(ARMS, 10 + s, 1, 1, 1000.0f);
        train_bandit(nk, ARMS, beta, q, 400, 10 + s);
        train_bandit(n1, ARMS, beta, q, 400, 10 + s);
        policy(nk, ARMS, pk);
        policy(n1, ARMS, p1);
        double jk = top_k_value(pk, q), j1 = top_k_value(p1, q);
        /* The expected number of the K best arms in a slate of K draws. */
        double ck = 0.0, c1 = 0.0;
        for (int a = 0; a < K; a++) {
            ck += 1.0 - pow(1.0 - pk[a], K);
            c1 += 1.0 - pow(1.0 - p1[a], K);
        }
        print_message("seed %d: J_K %.3f with topk = %d, %.3f with topk = 1; best arms in the "
                      "slate %.2f vs %.2f; pi(best) %.3f vs %.3f\n",
                      s, jk, K, j1, ck, c1, pk[0], p1[0]);
        diff[s] = jk - j1;
        mean += diff[s] / SEEDS;
        jk_sum += jk;
        j1_sum += j1;
        cov_k += ck;
        cov_1 += c1;
        orl_pg_net_free(nk);
        orl_pg_net_free(n1);
    }
    double var = 0.0;
    for (int s = 0; s < SEEDS; s++) var += (diff[s] - mean) * (diff[s] - mean) / (SEEDS - 1);
    double se = sqrt(var / SEEDS);
    print_message("J_K: topk = %d %.3f, topk = 1 %.3f, difference %.3f +- %.3f (se); best arms in "
                  "the slate %.2f vs %.2f\n",
                  K, jk_sum / SEEDS, j1_sum / SEEDS, mean, se, cov_k / SEEDS, cov_1 / SEEDS);
    assert_true(mean > 2.0 * se);
    assert_true(cov_k > cov_1);
}

/* ---- the behaviour head on simulator logs ---- */

enum { SIM_ITEMS = 40 };

static orl_sim *make_sim(void)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.seed = 3;
    sp.n_users = 1; /* the logging policy then depends on the last click alone */
    sp.n_items = SIM_ITEMS;
    sp.n_clusters = 4;
    sp.max_steps = 20;
    sp.log_skips = 1; /* every shown item is a logged action */
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    return sim;
}

static orl_dataset *sim_dataset(orl_sim *sim, uint64_t sessions)
{
    orl_dataset_params dp;
    orl_dataset_params_init(&dp);
    dp.window = 10;
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(&dp, &ds));
    assert_orl_ok(orl_sim_generate(sim, sessions, ds));
    assert_orl_ok(orl_dataset_finalize(ds));
    return ds;
}

static int64_t key_of(const orl_dataset *ds, int32_t dense)
{
    char buf[64];
    size_t len = 0;
    assert_orl_ok(orl_dataset_item_key(ds, dense, buf, sizeof buf, &len));
    return strtoll(buf, NULL, 10);
}

static void test_beta_head_recovers_logging(void **state)
{
    (void)state;
    orl_sim *sim = make_sim();
    orl_dataset *train = sim_dataset(sim, 3000), *test = sim_dataset(sim, 150);
    uint64_t n_train = orl_dataset_transition_count(train);
    assert_int_equal(orl_dataset_item_count(train), SIM_ITEMS);
    orl_encoder *enc = orl_test_encoder(NULL, 16);
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "reinforce";
    tp.epochs = 4;
    tp.batch_size = 128;
    tp.threads = 2;
    tp.seed = 1;
    orl_trainer *t = NULL;
    assert_orl_ok(orl_trainer_create(&tp, enc, NULL, NULL, &t));
    assert_orl_ok(orl_trainer_fit(t, train, NULL));
    const orl_pg_net *net = orl_algo_reinforce_net(orl_trainer_algo_instance(t));
    const orl_params *bp = orl_pg_net_beta(net);
    assert_non_null(bp);
    const int H = net->pi->enc.state_dim;
    /* Train dense id -> item key, and the code of a skip in the test set. */
    int64_t keys[SIM_ITEMS];
    for (int i = 0; i < SIM_ITEMS; i++) keys[i] = key_of(train, i);
    int32_t skip = -1;
    assert_orl_ok(orl_dataset_event_type(test, "skip", &skip));
    size_t scratch_bytes = orl_sl_net_scratch_bytes(net->pi, 1);
    void *scratch = aligned_alloc(64, (scratch_bytes + 63) & ~(size_t)63);
    double kl_beta = 0.0, kl_uniform = 0.0;
    int n_states = 0;
    for (uint64_t s = 0; s < test->n_sessions; s++) {
        int64_t clicked[4096];
        size_t n_clicked = 0;
        for (uint64_t e = test->sess_off[s]; e < test->sess_off[s + 1]; e++) {
            /* The state: the last <= 10 logged items before e, as train ids. */
            uint64_t p = e - test->sess_off[s], k = p < 10 ? p : 10;
            int32_t st[10], len = k ? (int32_t)k : 1;
            for (int j = 0; j < 10; j++) st[j] = SIM_ITEMS;
            for (uint64_t j = 0; j < k; j++) {
                int64_t key = key_of(test, test->ev_item[e - k + j]);
                int32_t id = -1;
                assert_orl_ok(orl_dataset_item_id_i64(train, key, &id));
                st[j] = id;
            }
            float probs[SIM_ITEMS];
            assert_orl_ok(orl_sim_logging_probs(sim, 0, n_clicked ? clicked : NULL, n_clicked,
                                                probs, SIM_ITEMS));
            float h[64], z[SIM_ITEMS];
            assert_orl_ok(orl_sl_net_encode(net->pi, st, &len, 1, scratch, scratch_bytes, h));
            orl_ce_head_scores(bp, SIM_ITEMS, H, h, 1, z);
            double m = -INFINITY, sum = 0.0;
            for (int i = 0; i < SIM_ITEMS; i++) m = fmax(m, z[i]);
            for (int i = 0; i < SIM_ITEMS; i++) sum += exp(z[i] - m);
            for (int i = 0; i < SIM_ITEMS; i++) {
                double b = exp(z[i] - m) / sum, tr = probs[keys[i]];
                if (tr > 0) {
                    kl_beta += tr * log(tr / b);
                    kl_uniform += tr * log(tr * SIM_ITEMS);
                }
            }
            n_states++;
            if (test->ev_code[e] != skip) clicked[n_clicked++] = key_of(test, test->ev_item[e]);
            if (n_clicked == 4096) n_clicked = 4095;
        }
    }
    kl_beta /= n_states;
    kl_uniform /= n_states;
    print_message("%llu training transitions; %d test states: KL(true || beta head) %.4f, "
                  "KL(true || uniform) %.4f\n",
                  (unsigned long long)n_train, n_states, kl_beta, kl_uniform);
    assert_true(n_states > 500);
    /* Measured 0.126, 0.134, 0.141 with trainer seeds 1-3 (KL(true || uniform) 0.99): the
     * residual is the state's, which lists shown items without saying which were clicked,
     * while the logging policy reads the last click. */
    assert_true(kl_beta < 0.2);
    assert_true(kl_beta < 0.2 * kl_uniform);
    free(scratch);
    orl_trainer_free(t);
    orl_encoder_free(enc);
    orl_dataset_free(train);
    orl_dataset_free(test);
    orl_sim_free(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_armed_bandit),
        cmocka_unit_test(test_top_k_correction),
        cmocka_unit_test(test_beta_head_recovers_logging),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
