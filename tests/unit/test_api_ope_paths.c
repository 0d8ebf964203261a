/* The two ways orl_model_estimate_value turns scores into pi: full rows
 * through orl_policy_probs_rows (softmax needs them) and the model's top items
 * alone (greedy, epsilon). Both must give the same pi of every logged action
 * and the same V = sum_a pi(a|s) q(a), on every thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_impl.h"
#include "api/ope_impl.h"
#include "core/alloc.h"
#include "data/transitions.h"
#include "test_support.h"

static orl_dataset *logs(void)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.seed = 9;
    sp.n_items = 60;
    sp.n_users = 30;
    sp.max_steps = 8;
    sp.log_skips = 1;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    assert_orl_ok(orl_sim_generate(sim, 150, ds));
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_sim_free(sim);
    return ds;
}

/* A reward model by state standing in for FQE: q(s, d) = 0.01 (len(s) + d % 7). */
typedef struct fake_q {
    uint32_t ds_items, n_model;
    const int32_t *to_ds;
} fake_q;

static int fake_rows(void *ctx, const orl_batch *b, float *qds, float *out_q)
{
    const fake_q *f = ctx;
    for (size_t r = 0; r < b->size; r++) {
        double mean = 0;
        for (uint32_t d = 0; d < f->ds_items; d++) {
            qds[r * f->ds_items + d] = 0.01f * (float)(b->state_len[r] + (int)(d % 7));
            mean += qds[r * f->ds_items + d];
        }
        mean /= f->ds_items;
        for (uint32_t m = 0; out_q && m < f->n_model; m++)
            out_q[r * f->n_model + m] =
                f->to_ds[m] >= 0 ? qds[r * f->ds_items + (uint32_t)f->to_ds[m]] : (float)mean;
    }
    return ORL_OK;
}

static fake_q *g_fake;

static void collect(const orl_model *m, const orl_dataset *ds, const int32_t *map,
                    const float *item_q, const char *rule, int full, int threads, ope_arrays *out)
{
    ope_collect_spec s;
    memset(&s, 0, sizeof s);
    s.model = m;
    s.to_model = map;
    orl_policy_rule_init(&s.rule);
    assert_orl_ok(orl_policy_rule_parse(rule, &s.rule));
    s.item_q = item_q;
    s.threads = threads;
    s.full_rows = full;
    s.qs_rows = fake_rows;
    s.qs_ctx = g_fake;
    s.to_ds = g_fake->to_ds;
    ope_timing t = {0};
    assert_orl_ok(ope_collect(ds, &s, out, &t));
}

static void test_top_items_and_full_rows_agree(void **state)
{
    (void)state;
    orl_dataset *ds = logs();
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 1;
    tp.seed = 3;
    tp.threads = 1;
    orl_model *m = orl_test_fit_model(&tp, 8, ds);
    int32_t *map = NULL;
    assert_orl_ok(ope_item_map(m, ds, &map));
    uint64_t n_items = 0;
    assert_orl_ok(orl_model_item_count(m, &n_items));
    int32_t *to_ds = malloc(sizeof(int32_t) * n_items);
    for (uint64_t i = 0; i < n_items; i++) to_ds[i] = -1;
    uint64_t ds_items = orl_dataset_item_count(ds);
    for (uint64_t d = 0; d < ds_items; d++)
        if (map[d] >= 0) to_ds[map[d]] = (int32_t)d;
    fake_q fq = {(uint32_t)ds_items, (uint32_t)n_items, to_ds};
    g_fake = &fq;
    float *q = malloc(sizeof(float) * n_items);
    for (uint64_t i = 0; i < n_items; i++) q[i] = (float)(0.01 * (double)((i * 37) % 101));
    const char *rules[] = {"greedy", "epsilon:0.2:3", "epsilon:0.1", "epsilon:0:5"};
    for (size_t k = 0; k < 4; k++) {
        ope_arrays full, top;
        collect(m, ds, map, q, rules[k], 1, 1, &full);
        collect(m, ds, map, q, rules[k], 0, 2, &top);
        assert_int_equal(full.n, top.n);
        size_t hits = 0;
        for (uint64_t e = 0; e < full.n; e++) {
            if (fabs(full.v_seq[e] - top.v_seq[e]) > 1e-5 || full.q_seq[e] != top.q_seq[e])
                fail_msg("%s step %llu: Q-model V %.9g vs %.9g", rules[k], (unsigned long long)e,
                         full.v_seq[e], top.v_seq[e]);
            if (fabs(full.pi[e] - top.pi[e]) > 1e-6 || fabs(full.v[e] - top.v[e]) > 1e-5)
                fail_msg("%s step %llu: pi %.9g vs %.9g, V %.9g vs %.9g", rules[k],
                         (unsigned long long)e, full.pi[e], top.pi[e], full.v[e], top.v[e]);
            assert_true(full.reward[e] == top.reward[e] && full.beta[e] == top.beta[e]);
            assert_true(full.q[e] == top.q[e]);
            hits += top.pi[e] > 0.5;
        }
        if (k == 0) assert_true(hits > 0); /* greedy takes some logged actions */
        ope_arrays_free(&full);
        ope_arrays_free(&top);
    }
    free(q);
    free(to_ds);
    orl_free(map);
    orl_model_free(m);
    orl_dataset_free(ds);
}

/* The softmax rows of the scorer (vectorised exp) against the rule's own
 * double-precision probabilities of the same scores. */
static void test_fast_softmax_matches_the_rule(void **state)
{
    (void)state;
    orl_dataset *ds = logs();
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 1;
    tp.threads = 1;
    orl_model *m = orl_test_fit_model(&tp, 8, ds);
    int32_t *map = NULL;
    assert_orl_ok(ope_item_map(m, ds, &map));
    orl_batch b;
    assert_orl_ok(orl_batch_init(&b, OPE_BLOCK, orl_dataset_window(ds)));
    uint64_t ids[OPE_BLOCK];
    for (size_t i = 0; i < OPE_BLOCK; i++) ids[i] = i * 3;
    assert_orl_ok(orl_dataset_fill_batch(ds, ids, OPE_BLOCK, &b));
    const double temps[3] = {0.05, 1.0, 20.0};
    for (int k = 0; k < 3; k++) {
        orl_policy_rule rule;
        orl_policy_rule_init(&rule);
        rule.kind = ORL_POLICY_SOFTMAX;
        rule.temperature = temps[k];
        ope_scorer sc;
        assert_orl_ok(ope_scorer_init(&sc, m, map, orl_dataset_item_count(ds), &rule, 0));
        double t1 = 0, t2 = 0;
        assert_orl_ok(ope_scorer_run(&sc, &b, 0, OPE_BLOCK, 0, &t1, &t2));
        const size_t I = m->n_items;
        float *want = malloc(sizeof(float) * OPE_BLOCK * I);
        assert_orl_ok(orl_policy_probs_rows(&rule, sc.scores, OPE_BLOCK, I, want));
        for (size_t i = 0; i < OPE_BLOCK * I; i++)
            if (fabs(sc.probs[i] - want[i]) > 2e-5 * want[i] + 1e-12)
                fail_msg("T %g: p %.9g vs %.9g", temps[k], sc.probs[i], want[i]);
        free(want);
        ope_scorer_free(&sc);
    }
    orl_batch_free(&b);
    orl_free(map);
    orl_model_free(m);
    orl_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_top_items_and_full_rows_agree),
        cmocka_unit_test(test_fast_softmax_matches_the_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
