/* The target policy rule: probabilities against a direct computation for each
 * kind, ties, the rows form (threads give the same bits), text round trips
 * and every malformed text, and a model's probabilities against its scores. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/pool.h"
#include "models/policy_rule.h"
#include "test_support.h"

static orl_policy_rule rule_of(int kind, double t, double eps, uint32_t k)
{
    orl_policy_rule r;
    orl_policy_rule_init(&r);
    r.kind = kind;
    r.temperature = t;
    r.epsilon = eps;
    r.top_k = k;
    return r;
}

static double sum_of(const float *p, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += p[i];
    return s;
}

static void test_defaults(void **state)
{
    (void)state;
    orl_policy_rule r;
    memset(&r, 0xff, sizeof r);
    orl_policy_rule_init(&r);
    assert_int_equal(r.struct_size, sizeof r);
    assert_int_equal(r.kind, ORL_POLICY_GREEDY);
    assert_int_equal(r.top_k, 0);
    assert_true(r.temperature == 1.0 && r.epsilon == 0.1);
    orl_policy_rule_init(NULL);
}

static void test_greedy_one_hot_lowest_tie(void **state)
{
    (void)state;
    const float s[6] = {0.5f, 2.0f, -1.0f, 2.0f, -INFINITY, 1.0f};
    float p[6];
    orl_policy_rule r = rule_of(ORL_POLICY_GREEDY, 1, 0.1, 0);
    assert_orl_ok(orl_policy_probs_from_scores(&r, s, 6, p));
    for (int i = 0; i < 6; i++) assert_true(p[i] == (i == 1 ? 1.0f : 0.0f));
    const float all_inf[3] = {-INFINITY, -INFINITY, -INFINITY};
    assert_orl_ok(orl_policy_probs_from_scores(&r, all_inf, 3, p));
    assert_true(p[0] == 1.0f && p[1] == 0.0f && p[2] == 0.0f);
}

static void test_softmax_matches_direct_computation(void **state)
{
    (void)state;
    enum { N = 300 };
    float s[N], p[N];
    for (int i = 0; i < N; i++) s[i] = (float)sin(i * 1.7) * 8.0f + (i == 5 ? 30.0f : 0.0f);
    s[7] = -INFINITY;
    const double temps[] = {0.05, 0.5, 1, 3, 1e6};
    for (size_t t = 0; t < sizeof temps / sizeof temps[0]; t++) {
        orl_policy_rule r = rule_of(ORL_POLICY_SOFTMAX, temps[t], 0, 0);
        assert_orl_ok(orl_policy_probs_from_scores(&r, s, N, p));
        long double z = 0;
        for (int i = 0; i < N; i++) z += expl((long double)s[i] / temps[t]);
        for (int i = 0; i < N; i++) {
            double want = (double)(expl((long double)s[i] / temps[t]) / z);
            assert_true(fabs(p[i] - want) <= 1e-6 * want + 1e-30);
        }
        assert_true(p[7] == 0.0f);
        assert_true(fabs(sum_of(p, N) - 1.0) < 1e-5);
    }
    /* +inf scores share the whole mass; all -inf is uniform. */
    const float inf2[4] = {1, INFINITY, 3, INFINITY};
    orl_policy_rule r = rule_of(ORL_POLICY_SOFTMAX, 1, 0, 0);
    assert_orl_ok(orl_policy_probs_from_scores(&r, inf2, 4, p));
    assert_true(p[0] == 0 && p[1] == 0.5f && p[2] == 0 && p[3] == 0.5f);
    const float ninf[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    assert_orl_ok(orl_policy_probs_from_scores(&r, ninf, 4, p));
    for (int i = 0; i < 4; i++) assert_true(p[i] == 0.25f);
}

/* The K best by a direct O(n^2) rank: item i is in when fewer than K items
 * beat it, counting a tie with a lower index as beating it. */
static int in_top_k(const float *s, size_t n, size_t i, size_t k)
{
    size_t better = 0;
    for (size_t j = 0; j < n; j++) better += s[j] > s[i] || (s[j] == s[i] && j < i);
    return better < k;
}

static void test_epsilon_mass_and_ties(void **state)
{
    (void)state;
    enum { N = 40 };
    float s[N], p[N];
    for (int i = 0; i < N; i++) s[i] = (float)((i * 7) % 9); /* many exact ties */
    s[13] = -INFINITY;
    const uint32_t ks[] = {0, 1, 2, 5, 9, 10, 39, 40};
    const double eps[] = {0, 0.1, 0.5, 1};
    for (size_t a = 0; a < sizeof ks / sizeof ks[0]; a++)
        for (size_t b = 0; b < sizeof eps / sizeof eps[0]; b++) {
            orl_policy_rule r = rule_of(ORL_POLICY_EPSILON, 1, eps[b], ks[a]);
            assert_orl_ok(orl_policy_probs_from_scores(&r, s, N, p));
            size_t k = ks[a] ? ks[a] : N, top = 0;
            for (size_t i = 1; i < N; i++)
                if (s[i] > s[top]) top = i;
            for (size_t i = 0; i < N; i++) {
                double want =
                    (in_top_k(s, N, i, k) ? eps[b] / (double)k : 0) + (i == top ? 1 - eps[b] : 0);
                if (fabs(p[i] - want) > 1e-7)
                    fail_msg("k=%zu eps=%g item %zu: %g, want %g", k, eps[b], i, p[i], want);
            }
            assert_true(fabs(sum_of(p, N) - 1.0) < 1e-6);
        }
}

static void test_bad_rules_and_scores(void **state)
{
    (void)state;
    float s[3] = {1, 2, 3}, p[3] = {7, 7, 7};
    const orl_policy_rule bad[] = {
        rule_of(ORL_POLICY_SOFTMAX, 0, 0, 0),
        rule_of(ORL_POLICY_SOFTMAX, -1, 0, 0),
        rule_of(ORL_POLICY_SOFTMAX, INFINITY, 0, 0),
        rule_of(ORL_POLICY_SOFTMAX, NAN, 0, 0),
        rule_of(ORL_POLICY_EPSILON, 1, -0.01, 0),
        rule_of(ORL_POLICY_EPSILON, 1, 1.01, 0),
        rule_of(ORL_POLICY_EPSILON, 1, NAN, 0),
        rule_of(ORL_POLICY_EPSILON, 1, 0.1, 4),
        rule_of(3, 1, 0.1, 0),
        rule_of(-1, 1, 0.1, 0),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(orl_policy_probs_from_scores(&bad[i], s, 3, p), ORL_E_OUT_OF_RANGE);
        assert_true(p[0] == 7);
    }
    orl_policy_rule r = rule_of(ORL_POLICY_EPSILON, 1, 0.1, 4);
    assert_int_equal(orl_policy_probs_from_scores(&r, s, 3, p), ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), "top_k = 4"));
    r.top_k = 3;
    assert_orl_ok(orl_policy_probs_from_scores(&r, s, 3, p));
    r.struct_size = 8;
    assert_int_equal(orl_policy_probs_from_scores(&r, s, 3, p), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_policy_probs_from_scores(NULL, s, 3, p), ORL_E_INVALID_ARGUMENT);
    r = rule_of(ORL_POLICY_GREEDY, 1, 0.1, 0);
    assert_int_equal(orl_policy_probs_from_scores(&r, s, 0, p), ORL_E_OUT_OF_RANGE);
    s[1] = NAN;
    assert_int_equal(orl_policy_probs_from_scores(&r, s, 3, p), ORL_E_NUMERIC);
    assert_non_null(strstr(orl_last_error(), "item 1"));
}

static void test_rows_threads_same_bits(void **state)
{
    (void)state;
    enum { ROWS = 203, N = 97 };
    static float s[ROWS * N], one[ROWS * N], many[ROWS * N];
    for (int i = 0; i < ROWS * N; i++) s[i] = (float)sin(i * 0.37) * 4;
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    const orl_policy_rule rules[] = {rule_of(ORL_POLICY_GREEDY, 1, 0, 0),
                                     rule_of(ORL_POLICY_SOFTMAX, 0.7, 0, 0),
                                     rule_of(ORL_POLICY_EPSILON, 1, 0.2, 10)};
    for (int k = 0; k < 3; k++) {
        assert_orl_ok(orl_policy_probs_rows(&rules[k], s, ROWS, N, one));
        assert_orl_ok(orl_policy_probs_rows_pool(&rules[k], s, ROWS, N, pool, many));
        assert_memory_equal(one, many, sizeof one);
        float row[N];
        assert_orl_ok(orl_policy_probs_from_scores(&rules[k], s + 150 * N, N, row));
        assert_memory_equal(row, one + 150 * N, sizeof row);
    }
    s[120 * N + 3] = NAN;
    s[190 * N + 3] = NAN;
    assert_int_equal(orl_policy_probs_rows_pool(&rules[1], s, ROWS, N, pool, many), ORL_E_NUMERIC);
    assert_non_null(strstr(orl_last_error(), "item 3"));
    assert_int_equal(orl_policy_probs_rows(&rules[1], s, 0, N, many), ORL_OK);
    orl_pool_free(pool);
}

static void test_draw_follows_probabilities(void **state)
{
    (void)state;
    const float p[5] = {0, 0.25f, 0, 0.75f, 0};
    assert_int_equal(orl_policy_draw(p, 5, 0.0), 1);
    assert_int_equal(orl_policy_draw(p, 5, 0.2499), 1);
    assert_int_equal(orl_policy_draw(p, 5, 0.2501), 3);
    assert_int_equal(orl_policy_draw(p, 5, 0.999999999), 3);
    const float one[3] = {0, 0, 1};
    assert_int_equal(orl_policy_draw(one, 3, 0.0), 2);
}

static void round_trip(const char *text)
{
    orl_policy_rule r, back;
    orl_policy_rule_init(&r);
    orl_policy_rule_init(&back);
    assert_orl_ok(orl_policy_rule_parse(text, &r));
    char buf[128];
    size_t len = 0;
    assert_orl_ok(orl_policy_rule_format(&r, NULL, 0, &len));
    assert_int_equal(len, strlen(text) + 1);
    assert_orl_ok(orl_policy_rule_format(&r, buf, sizeof buf, &len));
    assert_string_equal(buf, text);
    assert_orl_ok(orl_policy_rule_parse(buf, &back));
    assert_memory_equal(&r, &back, sizeof r);
}

static void test_text_round_trip(void **state)
{
    (void)state;
    const char *ok[] = {"greedy",      "softmax:0.5",    "softmax:1",      "softmax:2.5e-05",
                        "softmax:0.1", "softmax:1e+20",  "epsilon:0.1",    "epsilon:0",
                        "epsilon:1",   "epsilon:0.1:10", "epsilon:0.333:1"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) round_trip(ok[i]);
    orl_policy_rule r;
    orl_policy_rule_init(&r);
    assert_orl_ok(orl_policy_rule_parse("softmax:0.5", &r));
    assert_true(r.kind == ORL_POLICY_SOFTMAX && r.temperature == 0.5);
    assert_orl_ok(orl_policy_rule_parse("epsilon:0.2:7", &r));
    assert_true(r.kind == ORL_POLICY_EPSILON && r.epsilon == 0.2 && r.top_k == 7);
    assert_orl_ok(orl_policy_rule_parse("epsilon:0.2", &r));
    assert_true(r.top_k == 0);
    /* Any double formats to text that parses back to the same bits. */
    for (int i = 1; i < 200; i++) {
        orl_policy_rule a = rule_of(ORL_POLICY_SOFTMAX, 1.0 / (i * 3.0) + i * 1e-3, 0, 0), b;
        orl_policy_rule_init(&b);
        char buf[64];
        size_t len;
        assert_orl_ok(orl_policy_rule_format(&a, buf, sizeof buf, &len));
        assert_orl_ok(orl_policy_rule_parse(buf, &b));
        assert_true(b.temperature == a.temperature);
    }
    /* Buffers: too short gives the size; NULL with a length is misuse. */
    char small[4];
    size_t len = 0;
    assert_int_equal(orl_policy_rule_format(&r, small, sizeof small, &len), ORL_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, strlen("epsilon:0.2") + 1);
    assert_int_equal(orl_policy_rule_format(&r, NULL, 5, &len), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_policy_rule_format(&r, small, sizeof small, NULL), ORL_E_INVALID_ARGUMENT);
    r.temperature = -1;
    r.kind = ORL_POLICY_SOFTMAX;
    assert_int_equal(orl_policy_rule_format(&r, NULL, 0, &len), ORL_E_OUT_OF_RANGE);
}

static void test_bad_text_rejected(void **state)
{
    (void)state;
    const struct {
        const char *text;
        int status;
    } bad[] = {
        {"", ORL_E_PARSE},
        {"Greedy", ORL_E_PARSE},
        {"greedy ", ORL_E_PARSE},
        {" greedy", ORL_E_PARSE},
        {"greedy:1", ORL_E_PARSE},
        {"softmax", ORL_E_PARSE},
        {"softmax:", ORL_E_PARSE},
        {"softmax:abc", ORL_E_PARSE},
        {"softmax:0.5x", ORL_E_PARSE},
        {"softmax: 0.5", ORL_E_PARSE},
        {"softmax:0.5:3", ORL_E_PARSE},
        {"softmax:inf", ORL_E_PARSE},
        {"softmax:nan", ORL_E_PARSE},
        {"softmax:0x1p-1", ORL_E_PARSE},
        {"softmax:1e999", ORL_E_PARSE},
        {"softmax:0", ORL_E_OUT_OF_RANGE},
        {"softmax:-1", ORL_E_PARSE},
        {"softmax:1e-400", ORL_E_OUT_OF_RANGE},
        {"softmaxx:1", ORL_E_PARSE},
        {"epsilon", ORL_E_PARSE},
        {"epsilon:", ORL_E_PARSE},
        {"epsilon:1.5", ORL_E_OUT_OF_RANGE},
        {"epsilon:0.1:", ORL_E_PARSE},
        {"epsilon:0.1:0", ORL_E_OUT_OF_RANGE},
        {"epsilon:0.1:-3", ORL_E_PARSE},
        {"epsilon:0.1:+3", ORL_E_PARSE},
        {"epsilon:0.1:3.5", ORL_E_PARSE},
        {"epsilon:0.1:4294967296", ORL_E_OUT_OF_RANGE},
        {"epsilon:0.1:3:4", ORL_E_PARSE},
        {"epsilon::3", ORL_E_PARSE},
        {"uniform", ORL_E_PARSE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        orl_policy_rule r;
        orl_policy_rule_init(&r);
        r.temperature = 42;
        int s = orl_policy_rule_parse(bad[i].text, &r);
        if (s != bad[i].status)
            fail_msg("'%s' -> %d (%s), want %d", bad[i].text, s, orl_last_error(), bad[i].status);
        assert_true(r.temperature == 42 && r.kind == ORL_POLICY_GREEDY); /* untouched */
        assert_true(strlen(orl_last_error()) > 10);
    }
    orl_policy_rule r;
    orl_policy_rule_init(&r);
    assert_int_equal(orl_policy_rule_parse(NULL, &r), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_policy_rule_parse("greedy", NULL), ORL_E_INVALID_ARGUMENT);
    r.struct_size = 4;
    assert_int_equal(orl_policy_rule_parse("greedy", &r), ORL_E_INVALID_ARGUMENT);
}

/* A model's probabilities: its scores of every item (score_candidates over
 * its own keys) made into each rule directly. */
static void test_model_probs_against_scores(void **state)
{
    (void)state;
    orl_dataset *ds = orl_test_chain_dataset(30, 200, 6, 7, 3);
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 1;
    tp.seed = 4;
    orl_model *m = orl_test_fit_model(&tp, 16, ds);
    uint64_t n = 0;
    assert_orl_ok(orl_model_item_count(m, &n));
    int64_t keys[64];
    for (uint64_t i = 0; i < n; i++) assert_orl_ok(orl_model_item_key(m, i, &keys[i]));
    const int64_t hist[3] = {keys[4], 999999, keys[2]};
    float scores[64], probs[64], direct[64];
    assert_orl_ok(orl_model_score_candidates(m, hist, 3, keys, n, scores, NULL, NULL));
    const orl_policy_rule rules[] = {
        rule_of(ORL_POLICY_GREEDY, 1, 0, 0), rule_of(ORL_POLICY_SOFTMAX, 0.5, 0, 0),
        rule_of(ORL_POLICY_SOFTMAX, 4, 0, 0), rule_of(ORL_POLICY_EPSILON, 1, 0.3, 0),
        rule_of(ORL_POLICY_EPSILON, 1, 0.3, 5)};
    for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++) {
        assert_orl_ok(orl_model_policy_probs(m, &rules[k], hist, 3, probs, n));
        assert_orl_ok(orl_policy_probs_from_scores(&rules[k], scores, n, direct));
        for (uint64_t i = 0; i < n; i++) assert_true(fabsf(probs[i] - direct[i]) < 1e-6f);
        assert_true(fabs(sum_of(probs, n) - 1.0) < 1e-5);
    }
    /* NULL rule = greedy; the empty history works. */
    assert_orl_ok(orl_model_policy_probs(m, NULL, NULL, 0, probs, n));
    assert_true(fabs(sum_of(probs, n) - 1.0) == 0);
    /* Misuse: outputs untouched. */
    float keep[64];
    for (int i = 0; i < 64; i++) keep[i] = probs[i] = -5;
    orl_policy_rule r = rule_of(ORL_POLICY_EPSILON, 1, 0.1, (uint32_t)n + 1);
    assert_int_equal(orl_model_policy_probs(m, &r, hist, 3, probs, n), ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), "top_k"));
    assert_int_equal(orl_model_policy_probs(m, NULL, hist, 3, probs, n - 1),
                     ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_model_policy_probs(m, NULL, NULL, 3, probs, n), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_model_policy_probs(m, NULL, hist, 3, NULL, n), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_model_policy_probs(NULL, NULL, hist, 3, probs, n), ORL_E_INVALID_ARGUMENT);
    r = rule_of(ORL_POLICY_SOFTMAX, 0, 0, 0);
    assert_int_equal(orl_model_policy_probs(m, &r, hist, 3, probs, n), ORL_E_OUT_OF_RANGE);
    assert_memory_equal(keep, probs, sizeof keep);
    orl_model_free(m);
    orl_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_greedy_one_hot_lowest_tie),
        cmocka_unit_test(test_softmax_matches_direct_computation),
        cmocka_unit_test(test_epsilon_mass_and_ties),
        cmocka_unit_test(test_bad_rules_and_scores),
        cmocka_unit_test(test_rows_threads_same_bits),
        cmocka_unit_test(test_draw_follows_probabilities),
        cmocka_unit_test(test_text_round_trip),
        cmocka_unit_test(test_bad_text_rejected),
        cmocka_unit_test(test_model_probs_against_scores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
