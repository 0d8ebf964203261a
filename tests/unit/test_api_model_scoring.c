/* Scoring rules beyond one head, on models built from known weights: an
 * ensemble's mean, lower and upper bounds with the heads' standard deviation
 * (checked against a direct computation from the encoded state), BCQ's
 * constrained rule, a Q-only policy, and that every rule survives a save and
 * load bit for bit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "../common/policy_store.h"

#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/rng.h"
#include "models/ce_head.h"
#include "models/q_head.h"
#include "nn/vmath.h"

enum { I = 300, DIM = 16, K = 5 };

static orl_params *policy(int k, int ce, uint64_t seed)
{
    orl_params *p = policy_store_new(I, DIM, k, ce, seed);
    assert_non_null(p);
    return p;
}

static void free_policy(orl_params *p)
{
    policy_store_free(p);
}

static orl_model *build(const orl_params *p, const char *algo)
{
    orl_encoder_spec enc;
    orl_encoder_spec_default(&enc);
    enc.embed_dim = enc.hidden_dim = DIM;
    assert_int_equal(orl_encoder_spec_resolve(&enc), ORL_OK);
    orl_keymap items;
    orl_keymap_init(&items);
    for (int i = 0; i < I; i++) {
        uint32_t id;
        assert_int_equal(orl_keymap_put_int(&items, 1000 + i, &id), ORL_OK);
    }
    orl_model *m = NULL;
    int st = orl_model_build(&enc, I, algo, NULL, &items, p, NULL, 0, &m);
    if (st != ORL_OK) fprintf(stderr, "build: %s\n", orl_last_error());
    assert_int_equal(st, ORL_OK);
    orl_keymap_free(&items);
    return m;
}

static const int64_t HIST[] = {1003, 1017, 1200, 1005};

/* The encoded state of HIST and each head's scores, directly. */
static void direct(const orl_model *m, const orl_params *p, float *h, float *heads /* [K x I] */)
{
    int32_t state[64], len;
    orl_model_history_state(m, HIST, NULL, 4, state, &len);
    size_t bytes = orl_sl_net_scratch_bytes(m->net, 1);
    void *scratch = orl_aligned_alloc(bytes);
    assert_int_equal(orl_sl_net_encode(m->net, state, &len, 1, scratch, bytes, h), ORL_OK);
    orl_aligned_free(scratch);
    if (!heads) return;
    const float *ew = orl_params_at(p, p->value, ORL_Q_ENSEMBLE_W);
    const float *eb = orl_params_at(p, p->value, ORL_Q_ENSEMBLE_B);
    for (int k = 0; k < K; k++)
        orl_matvec(heads + (size_t)k * I, ew + (size_t)k * I * DIM, h, eb + (size_t)k * I, I, DIM);
}

static void test_ensemble_rules_match_a_direct_computation(void **state)
{
    (void)state;
    orl_params *p = policy(K, 1, 3);
    orl_model *m = build(p, "sqn_rem");
    uint32_t heads = 0, head = 9, rule = 9;
    assert_int_equal(orl_model_ensemble_size(m, &heads), ORL_OK);
    assert_int_equal(heads, K);
    assert_int_equal(orl_model_head(m, &head), ORL_OK);
    assert_int_equal(head, ORL_HEAD_SUPERVISED);
    /* The supervised head does not score with the ensemble: no std. */
    int64_t items[I];
    float scores[I], sd[I];
    assert_int_equal(orl_model_recommend_with_std(m, HIST, 4, 10, items, scores, sd, NULL),
                     ORL_E_STATE);

    float h[DIM], *hs = malloc(sizeof(float) * K * I);
    direct(m, p, h, hs);
    double mean[I], std[I];
    for (int i = 0; i < I; i++) {
        double s = 0, v = 0;
        for (int k = 0; k < K; k++) s += hs[(size_t)k * I + i];
        s /= K;
        for (int k = 0; k < K; k++) v += (hs[(size_t)k * I + i] - s) * (hs[(size_t)k * I + i] - s);
        mean[i] = s;
        std[i] = sqrt(v / K);
    }
    const float kappa = 1.5f;
    for (uint32_t r = ORL_SCORE_MEAN; r <= ORL_SCORE_UCB; r++) {
        orl_model *d = NULL;
        assert_int_equal(orl_model_with_score_rule(m, r, kappa, &d), ORL_OK);
        float got_kappa = -1;
        assert_int_equal(orl_model_score_rule(d, &rule, &got_kappa), ORL_OK);
        assert_int_equal(rule, r);
        assert_true(got_kappa == (r == ORL_SCORE_MEAN ? 0.0f : kappa));
        /* Every item, through candidate scoring with std. */
        int64_t cand[I + 1];
        for (int i = 0; i < I; i++) cand[i] = 1000 + i;
        cand[I] = 5; /* unknown */
        float cs[I + 1], csd[I + 1];
        size_t unknown = 0;
        assert_int_equal(
            orl_model_score_candidates_with_std(d, HIST, 4, cand, I + 1, cs, csd, NULL, &unknown),
            ORL_OK);
        assert_int_equal(unknown, 1);
        assert_true(isinf(cs[I]) && cs[I] < 0 && isnan(csd[I]));
        double sign = r == ORL_SCORE_LCB ? -1 : (r == ORL_SCORE_UCB ? 1 : 0);
        for (int i = 0; i < I; i++) {
            assert_float_equal(csd[i], std[i], 1e-5 + 1e-5 * std[i]);
            assert_float_equal(cs[i], mean[i] + sign * kappa * std[i], 1e-4);
        }
        /* Top-K with std: the K best of those scores, std of each item. */
        assert_int_equal(orl_model_recommend_with_std(d, HIST, 4, 20, items, scores, sd, NULL),
                         ORL_OK);
        for (int j = 0; j < 20; j++) {
            int id = (int)(items[j] - 1000);
            assert_true(scores[j] == cs[id] && sd[j] == csd[id]);
            if (j) assert_true(scores[j] <= scores[j - 1]);
        }
        for (int i = 0; i < I; i++) assert_true(cs[i] <= scores[19] || cs[i] >= scores[19]);
        int beaten = 0;
        for (int i = 0; i < I; i++) beaten += cs[i] > scores[19];
        assert_true(beaten < 20);
        /* Plain top-K of the derived model agrees with the rule's scores. */
        int64_t plain[20];
        float plain_s[20];
        assert_int_equal(orl_model_recommend(d, HIST, 4, 20, plain, plain_s, NULL), ORL_OK);
        assert_memory_equal(plain, items, sizeof plain);
        assert_memory_equal(plain_s, scores, sizeof plain_s);
        /* Saved and loaded: same rule, same scores bit for bit. */
        char path[512];
        orl_test_tmp_path("scoring_ens.orl", path, sizeof path);
        assert_int_equal(orl_model_save(d, path), ORL_OK);
        orl_model *back = NULL;
        assert_int_equal(orl_model_load(path, &back), ORL_OK);
        int64_t items2[20];
        float scores2[20], sd2[20];
        assert_int_equal(
            orl_model_recommend_with_std(back, HIST, 4, 20, items2, scores2, sd2, NULL), ORL_OK);
        assert_memory_equal(items2, items, sizeof items2);
        assert_memory_equal(scores2, scores, sizeof scores2);
        assert_memory_equal(sd2, sd, sizeof sd2);
        orl_model_free(back);
        orl_model_free(d);
    }
    /* LCB with kappa 0 is the mean head. */
    orl_model *mean_m = NULL, *lcb0 = NULL;
    assert_int_equal(orl_model_with_score_rule(m, ORL_SCORE_MEAN, 0, &mean_m), ORL_OK);
    assert_int_equal(orl_model_with_score_rule(m, ORL_SCORE_LCB, 0, &lcb0), ORL_OK);
    int64_t a[10], b[10];
    float as[10], bs[10];
    assert_int_equal(orl_model_recommend(mean_m, HIST, 4, 10, a, as, NULL), ORL_OK);
    assert_int_equal(orl_model_recommend(lcb0, HIST, 4, 10, b, bs, NULL), ORL_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_equal(as, bs, sizeof as);
    orl_model_free(mean_m);
    orl_model_free(lcb0);
    free(hs);
    orl_model_free(m);
    free_policy(p);
}

/* The lower bound's top-K visits items by their mean and stops early (exact):
 * it must equal the top-K of every item's bound, with a small kappa (stops
 * early) and a huge one (visits everything it may, then the full pass). */
static void test_lower_bound_top_k_is_exact(void **state)
{
    (void)state;
    orl_params *p = policy(K, 1, 8);
    orl_model *m = build(p, "rem");
    const float kappas[] = {0.1f, 1.0f, 100.0f};
    for (int c = 0; c < 3; c++) {
        orl_model *d = NULL;
        assert_int_equal(orl_model_with_score_rule(m, ORL_SCORE_LCB, kappas[c], &d), ORL_OK);
        int64_t cand[I];
        float all[I], sd[I];
        for (int i = 0; i < I; i++) cand[i] = 1000 + i;
        assert_int_equal(
            orl_model_score_candidates_with_std(d, HIST, 4, cand, I, all, sd, NULL, NULL), ORL_OK);
        for (uint32_t k = 1; k <= 25; k += 8) {
            int64_t items[25];
            float sc[25], sdk[25];
            assert_int_equal(orl_model_recommend_with_std(d, HIST, 4, k, items, sc, sdk, NULL),
                             ORL_OK);
            /* The brute force: best first, ties by the lower index. */
            int used[I] = {0};
            for (uint32_t j = 0; j < k; j++) {
                int best = -1;
                for (int i = 0; i < I; i++)
                    if (!used[i] && (best < 0 || all[i] > all[best])) best = i;
                used[best] = 1;
                assert_int_equal(items[j], 1000 + best);
                assert_true(sc[j] == all[best] && sdk[j] == sd[best]);
            }
        }
        orl_model_free(d);
    }
    orl_model_free(m);
    free_policy(p);
}

static void test_score_rule_arguments_are_checked(void **state)
{
    (void)state;
    orl_params *p = policy(K, 1, 4), *plain = policy(0, 1, 4);
    orl_model *m = build(p, "sqn_rem"), *n = build(plain, "sqn"), *d = NULL;
    assert_int_equal(orl_model_with_score_rule(m, 3, 1, &d), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_model_with_score_rule(m, ORL_SCORE_LCB, -0.5f, &d), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_model_with_score_rule(m, ORL_SCORE_LCB, NAN, &d), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_model_with_score_rule(m, ORL_SCORE_LCB, INFINITY, &d), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_model_with_score_rule(m, ORL_SCORE_LCB, 1, NULL), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_model_with_score_rule(NULL, ORL_SCORE_LCB, 1, &d), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_model_with_score_rule(n, ORL_SCORE_LCB, 1, &d), ORL_E_NOT_FOUND);
    assert_null(d);
    uint32_t heads = 7;
    assert_int_equal(orl_model_ensemble_size(n, &heads), ORL_OK);
    assert_int_equal(heads, 0);
    assert_int_equal(orl_model_with_head(n, ORL_HEAD_CONSTRAINED, &d), ORL_E_NOT_FOUND);
    assert_int_equal(orl_model_with_head(n, 3, &d), ORL_E_OUT_OF_RANGE);
    orl_model *q = NULL;
    assert_int_equal(orl_model_with_head(n, ORL_HEAD_Q, &q), ORL_OK);
    int64_t items[5];
    float sc[5], sd[5];
    assert_int_equal(orl_model_recommend_with_std(q, HIST, 4, 5, items, sc, sd, NULL), ORL_E_STATE);
    assert_int_equal(orl_model_recommend_with_std(m, HIST, 4, 5, items, sc, NULL, NULL),
                     ORL_E_INVALID_ARGUMENT);
    orl_model_free(q);
    orl_model_free(m);
    orl_model_free(n);
    free_policy(p);
    free_policy(plain);
}

/* The constrained rule, item by item: allowed items (G/max G > t) score Q;
 * the others below all of them, in G's order. */
static void test_constrained_rule(void **state)
{
    (void)state;
    orl_params *p = policy(0, 1, 5);
    /* Sharpen G so that a threshold of 0.3 allows a few items only. */
    float *gw = orl_params_at(p, p->value, ORL_CE_HEAD_W);
    for (size_t i = 0; i < (size_t)I * DIM; i++) gw[i] *= 40.0f;
    orl_model *built = build(p, "bcq");
    const float t = 0.3f;
    built->bcq_threshold = t;
    orl_model *m = NULL;
    assert_int_equal(orl_model_with_head(built, ORL_HEAD_CONSTRAINED, &m), ORL_OK);
    float h[DIM], z[I], q[I];
    direct(m, p, h, NULL);
    orl_ce_head_scores(p, I, DIM, h, 1, z);
    orl_matvec(q, orl_params_at(p, p->value, ORL_Q_HEAD_W), h,
               orl_params_at(p, p->value, ORL_Q_HEAD_B), I, DIM);
    float zmax = -INFINITY;
    for (int i = 0; i < I; i++) zmax = fmaxf(zmax, z[i]);
    int n_allowed = 0;
    for (int i = 0; i < I; i++) n_allowed += z[i] - zmax > logf(t);
    assert_true(n_allowed >= 1 && n_allowed < I);
    int64_t cand[I];
    float cs[I];
    for (int i = 0; i < I; i++) cand[i] = 1000 + i;
    assert_int_equal(orl_model_score_candidates(m, HIST, 4, cand, I, cs, NULL, NULL), ORL_OK);
    float min_allowed = INFINITY, max_other = -INFINITY;
    for (int i = 0; i < I; i++) {
        if (z[i] - zmax > logf(t)) {
            assert_true(cs[i] == q[i]);
            min_allowed = fminf(min_allowed, cs[i]);
        } else {
            max_other = fmaxf(max_other, cs[i]);
        }
    }
    assert_true(max_other < min_allowed);
    for (int i = 0; i < I; i++)
        for (int j = 0; j < I; j++)
            if (!(z[i] - zmax > logf(t)) && !(z[j] - zmax > logf(t)) && z[i] > z[j])
                assert_true(cs[i] >= cs[j]);
    /* Top-K: the allowed items first (by Q), then G's order. */
    int64_t items[I];
    float sc[I];
    uint32_t k = (uint32_t)n_allowed + 5;
    assert_int_equal(orl_model_recommend(m, HIST, 4, k, items, sc, NULL), ORL_OK);
    for (uint32_t j = 0; j < k; j++) {
        int id = (int)(items[j] - 1000);
        assert_int_equal(z[id] - zmax > logf(t), j < (uint32_t)n_allowed);
    }
    /* The raw heads are one with_head away; the threshold travels in the file. */
    orl_model *g = NULL, *back = NULL;
    assert_int_equal(orl_model_with_head(m, ORL_HEAD_SUPERVISED, &g), ORL_OK);
    float gs[I];
    assert_int_equal(orl_model_score_candidates(g, HIST, 4, cand, I, gs, NULL, NULL), ORL_OK);
    for (int i = 0; i < I; i++) assert_true(gs[i] == z[i]);
    char path[512];
    orl_test_tmp_path("scoring_bcq.orl", path, sizeof path);
    assert_int_equal(orl_model_save(m, path), ORL_OK);
    assert_int_equal(orl_model_load(path, &back), ORL_OK);
    uint32_t head = 0;
    assert_int_equal(orl_model_head(back, &head), ORL_OK);
    assert_int_equal(head, ORL_HEAD_CONSTRAINED);
    float bs[I];
    assert_int_equal(orl_model_score_candidates(back, HIST, 4, cand, I, bs, NULL, NULL), ORL_OK);
    assert_memory_equal(bs, cs, sizeof bs);
    /* Threshold 0: every item allowed, the ranking is Q's. */
    built->bcq_threshold = 0.0f;
    orl_model *all = NULL;
    assert_int_equal(orl_model_with_head(built, ORL_HEAD_CONSTRAINED, &all), ORL_OK);
    assert_int_equal(orl_model_score_candidates(all, HIST, 4, cand, I, bs, NULL, NULL), ORL_OK);
    for (int i = 0; i < I; i++) assert_true(bs[i] == q[i]);
    orl_model_free(all);
    orl_model_free(back);
    orl_model_free(g);
    orl_model_free(m);
    orl_model_free(built);
    free_policy(p);
}

/* A policy without a supervised head (cql, rem) makes a one-head Q model. */
static void test_q_only_policy(void **state)
{
    (void)state;
    orl_params *p = policy(K, 0, 6);
    orl_model *m = build(p, "rem");
    uint32_t head = 0, count = 0;
    assert_int_equal(orl_model_head(m, &head), ORL_OK);
    assert_int_equal(orl_model_head_count(m, &count), ORL_OK);
    assert_int_equal(head, ORL_HEAD_Q);
    assert_int_equal(count, 1);
    orl_model *d = NULL;
    assert_int_equal(orl_model_with_head(m, ORL_HEAD_SUPERVISED, &d), ORL_E_NOT_FOUND);
    float h[DIM], q[I];
    direct(m, p, h, NULL);
    orl_matvec(q, orl_params_at(p, p->value, ORL_Q_HEAD_W), h,
               orl_params_at(p, p->value, ORL_Q_HEAD_B), I, DIM);
    int64_t items[3];
    float sc[3], sd[3];
    assert_int_equal(orl_model_recommend_with_std(m, HIST, 4, 3, items, sc, sd, NULL), ORL_OK);
    for (int j = 0; j < 3; j++) assert_true(sc[j] == q[items[j] - 1000]);
    char path[512];
    orl_test_tmp_path("scoring_q_only.orl", path, sizeof path);
    assert_int_equal(orl_model_save(m, path), ORL_OK);
    orl_model *back = NULL;
    assert_int_equal(orl_model_load(path, &back), ORL_OK);
    assert_int_equal(orl_model_head(back, &head), ORL_OK);
    assert_int_equal(head, ORL_HEAD_Q);
    int64_t items2[3];
    assert_int_equal(orl_model_recommend(back, HIST, 4, 3, items2, NULL, NULL), ORL_OK);
    assert_memory_equal(items, items2, sizeof items);
    orl_model_free(back);
    orl_model_free(m);
    free_policy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ensemble_rules_match_a_direct_computation),
        cmocka_unit_test(test_lower_bound_top_k_is_exact),
        cmocka_unit_test(test_score_rule_arguments_are_checked),
        cmocka_unit_test(test_constrained_rule),
        cmocka_unit_test(test_q_only_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
