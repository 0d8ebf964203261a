/* Softmax targets without probability rows (ope_scorer_fuse): the softmax
 * sums folded from the net's score chunks give the same pi(a|s) of every
 * item and V = sum_a pi(a|s) q(a) as the probability rows, within 2e-5
 * relative (pi; the rows' own accuracy against the rule) and 1e-5 (V, of
 * max |q|); blocks with an infinite or NaN score go through the rows and
 * the rule (orl_policy_probs_from_scores: +inf takes the mass, a NaN is
 * refused as on the rows path); the collected arrays equal bit
 * for bit on 1 and 2 threads, and the rows' arrays within the same
 * tolerances (target and behaviour model alike). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_impl.h"
#include "api/ope_impl.h"
#include "core/alloc.h"
#include "data/transitions.h"
#include "models/ce_head.h"
#include "models/sl_net_internal.h"
#include "test_support.h"

/* 700 items: the catalogue spans three chunks of the fused scorer. */
static orl_dataset *logs(void)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.seed = 4;
    sp.n_items = 700;
    sp.n_users = 40;
    sp.max_steps = 8;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    assert_orl_ok(orl_sim_generate(sim, 200, ds));
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_sim_free(sim);
    return ds;
}

static orl_model *model(const orl_dataset *ds)
{
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 1;
    tp.seed = 5;
    tp.threads = 1;
    return orl_test_fit_model(&tp, 16, ds);
}

static float *item_q(size_t n)
{
    float *q = malloc(sizeof(float) * n);
    for (size_t i = 0; i < n; i++) q[i] = (float)(0.01 * (double)((i * 37) % 101)) - 0.2f;
    return q;
}

/* Every item's pi and V of OPE_BLOCK states, fused against rows. */
static void compare_scorers(const orl_model *m, const int32_t *map, const orl_dataset *ds,
                            const orl_batch *b, double temperature, const float *q)
{
    orl_policy_rule rule;
    orl_policy_rule_init(&rule);
    rule.kind = ORL_POLICY_SOFTMAX;
    rule.temperature = temperature;
    ope_scorer rows, fused;
    uint32_t D = (uint32_t)orl_dataset_item_count(ds);
    assert_orl_ok(ope_scorer_init(&rows, m, map, D, &rule, 0));
    assert_orl_ok(ope_scorer_init(&fused, m, map, D, &rule, 0));
    assert_orl_ok(ope_scorer_fuse(&fused, q));
    assert_true(fused.fused);
    double t1 = 0, t2 = 0;
    assert_orl_ok(ope_scorer_run(&rows, b, 0, b->size, 0, &t1, &t2));
    assert_orl_ok(ope_scorer_run(&fused, b, 0, b->size, 0, &t1, &t2));
    const size_t I = m->n_items;
    double qmax = 0.0;
    for (size_t i = 0; i < I; i++) qmax = fmax(qmax, fabs(q[i]));
    for (size_t r = 0; r < b->size; r++) {
        for (size_t a = 0; a < I; a++) {
            double want = ope_scorer_pi(&rows, r, (int32_t)a);
            double got = ope_scorer_pi(&fused, r, (int32_t)a);
            if (fabs(got - want) > 2e-5 * want + 1e-30)
                fail_msg("T %g row %zu item %zu: pi %.9g vs rows %.9g", temperature, r, a, got,
                         want);
        }
        double want = ope_scorer_value(&rows, r, q, NAN), got = ope_scorer_value(&fused, r, q, NAN);
        if (fabs(got - want) > 1e-5 * qmax)
            fail_msg("T %g row %zu: V %.9g vs rows %.9g", temperature, r, got, want);
        assert_true(ope_scorer_pi(&fused, r, -1) == 0.0);
    }
    ope_scorer_free(&rows);
    ope_scorer_free(&fused);
}

static void test_fused_scorer_matches_probability_rows(void **state)
{
    (void)state;
    orl_dataset *ds = logs();
    orl_model *m = model(ds);
    int32_t *map = NULL;
    assert_orl_ok(ope_item_map(m, ds, &map));
    orl_batch b;
    assert_orl_ok(orl_batch_init(&b, OPE_BLOCK, orl_dataset_window(ds)));
    uint64_t ids[OPE_BLOCK];
    for (size_t i = 0; i < OPE_BLOCK; i++) ids[i] = i * 5;
    assert_orl_ok(orl_dataset_fill_batch(ds, ids, OPE_BLOCK, &b));
    float *q = item_q(m->n_items);
    const double temps[3] = {0.05, 1.0, 20.0};
    for (int k = 0; k < 3; k++) compare_scorers(m, map, ds, &b, temps[k], q);
    b.size = 3; /* a short block */
    compare_scorers(m, map, ds, &b, 1.0, q);

    /* An infinite, then a NaN score (the head's bias of one item): the
     * block goes through the rows, where the rule defines pi. */
    orl_sl_net *net = m->net;
    float *bias = orl_params_at(&net->params, net->params.value, ORL_CE_HEAD_B);
    const float values[2] = {INFINITY, NAN};
    for (int k = 0; k < 2; k++) {
        float keep = bias[7];
        bias[7] = values[k];
        b.size = OPE_BLOCK;
        orl_policy_rule rule;
        orl_policy_rule_init(&rule);
        rule.kind = ORL_POLICY_SOFTMAX;
        ope_scorer fused;
        assert_orl_ok(
            ope_scorer_init(&fused, m, map, (uint32_t)orl_dataset_item_count(ds), &rule, 0));
        assert_orl_ok(ope_scorer_fuse(&fused, q));
        double t1 = 0, t2 = 0;
        int st = ope_scorer_run(&fused, &b, 0, b.size, 0, &t1, &t2);
        assert_true(fused.rows_block);
        if (k == 1) { /* the rule refuses a NaN score, as on the rows path */
            ope_scorer rows;
            assert_orl_ok(
                ope_scorer_init(&rows, m, map, (uint32_t)orl_dataset_item_count(ds), &rule, 0));
            assert_int_equal(ope_scorer_run(&rows, &b, 0, b.size, 0, &t1, &t2), st);
            assert_int_not_equal(st, ORL_OK);
            ope_scorer_free(&rows);
            ope_scorer_free(&fused);
            bias[7] = keep;
            continue;
        }
        assert_orl_ok(st);
        const size_t I = m->n_items;
        float *want = malloc(sizeof(float) * I);
        for (size_t r = 0; r < b.size; r += 9) {
            assert_orl_ok(orl_policy_probs_from_scores(&rule, fused.scores + r * I, I, want));
            for (size_t a = 0; a < I; a++)
                assert_true(ope_scorer_pi(&fused, r, (int32_t)a) == (double)want[a]);
        }
        free(want);
        ope_scorer_free(&fused);
        bias[7] = keep;
    }
    free(q);
    orl_batch_free(&b);
    orl_free(map);
    orl_model_free(m);
    orl_dataset_free(ds);
}

static void collect(const orl_model *m, const int32_t *map, const orl_dataset *ds, const float *q,
                    const char *rule, int rows, int threads, ope_arrays *out)
{
    ope_collect_spec s;
    memset(&s, 0, sizeof s);
    s.model = m;
    s.to_model = map;
    orl_policy_rule_init(&s.rule);
    assert_orl_ok(orl_policy_rule_parse(rule, &s.rule));
    s.behaviour = m; /* beta from the same model's softmax: its scorer is fused too */
    s.to_behaviour = map;
    s.item_q = q;
    s.threads = threads;
    s.full_rows = rows;
    ope_timing t = {0};
    assert_orl_ok(ope_collect(ds, &s, out, &t));
}

static void test_collected_steps_match_and_are_deterministic(void **state)
{
    (void)state;
    orl_dataset *ds = logs();
    orl_model *m = model(ds);
    int32_t *map = NULL;
    assert_orl_ok(ope_item_map(m, ds, &map));
    float *q = item_q(m->n_items);
    const char *rules[2] = {"softmax:1", "softmax:0.3"};
    for (int k = 0; k < 2; k++) {
        ope_arrays rows, one, two;
        collect(m, map, ds, q, rules[k], 1, 1, &rows);
        collect(m, map, ds, q, rules[k], 0, 1, &one);
        collect(m, map, ds, q, rules[k], 0, 2, &two);
        assert_true(rows.n == one.n && one.n == two.n && one.n > 500);
        size_t bytes = sizeof(double) * one.n;
        assert_memory_equal(one.pi, two.pi, bytes);
        assert_memory_equal(one.v, two.v, bytes);
        assert_memory_equal(one.beta, two.beta, bytes);
        for (uint64_t e = 0; e < one.n; e++) {
            if (fabs(one.pi[e] - rows.pi[e]) > 2e-5 * rows.pi[e] ||
                fabs(one.beta[e] - rows.beta[e]) > 2e-5 * rows.beta[e] ||
                fabs(one.v[e] - rows.v[e]) > 1e-5)
                fail_msg("%s step %llu: pi %.9g vs %.9g, beta %.9g vs %.9g, V %.9g vs %.9g",
                         rules[k], (unsigned long long)e, one.pi[e], rows.pi[e], one.beta[e],
                         rows.beta[e], one.v[e], rows.v[e]);
            assert_true(one.q[e] == rows.q[e] && one.reward[e] == rows.reward[e]);
        }
        ope_arrays_free(&rows);
        ope_arrays_free(&one);
        ope_arrays_free(&two);
    }
    free(q);
    orl_free(map);
    orl_model_free(m);
    orl_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fused_scorer_matches_probability_rows),
        cmocka_unit_test(test_collected_steps_match_and_are_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
