/* HR@K / NDCG@K kernels against hand-computed ranks, ties and NaN. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "eval/metrics.h"
#include "test_support.h"

static void test_rank_counts_strictly_larger_scores(void **state)
{
    (void)state;
    const float s[6] = {1.0f, 3.0f, 3.0f, 2.0f, NAN, -INFINITY};
    assert_int_equal(orl_eval_rank(s, 6, 1), 0); /* a tie does not push the target down */
    assert_int_equal(orl_eval_rank(s, 6, 2), 0);
    assert_int_equal(orl_eval_rank(s, 6, 3), 2);
    assert_int_equal(orl_eval_rank(s, 6, 0), 3); /* NaN elsewhere is never larger */
    assert_int_equal(orl_eval_rank(s, 6, 4), 6); /* NaN target: never a hit */
    assert_int_equal(orl_eval_rank(s, 6, 5), 6); /* -inf target */
    const float inf[3] = {INFINITY, 0.0f, 1.0f};
    assert_int_equal(orl_eval_rank(inf, 3, 0), 3); /* +inf target counts as bad too */
}

/* A row of n scores where `target` has exactly `rank` larger scores and
 * `ties` equal ones. */
static void make_row(float *row, uint32_t n, uint32_t target, uint32_t rank, uint32_t ties)
{
    uint32_t placed = 0, tied = 0;
    for (uint32_t j = 0; j < n; j++) {
        if (j == target) {
            row[j] = 0.5f;
        } else if (placed < rank) {
            row[j] = 1.0f + (float)placed;
            placed++;
        } else if (tied < ties) {
            row[j] = 0.5f;
            tied++;
        } else {
            row[j] = -1.0f - (float)j;
        }
    }
}

static void test_hand_computed_metrics(void **state)
{
    (void)state;
    enum { N = 30, B = 5 };
    float scores[B * N];
    const int32_t targets[B] = {3, 29, 0, 17, 8};
    const uint32_t ranks[B] = {0, 6, 12, 25, 0};
    const uint8_t buy[B] = {0, 0, 1, 1, 0};
    for (int i = 0; i < B; i++) make_row(scores + i * N, N, (uint32_t)targets[i], ranks[i], 2);
    scores[4 * N + 8] = NAN; /* the last click's target score is NaN */
    orl_eval_accum acc;
    orl_eval_accum_init(&acc);
    assert_orl_ok(orl_eval_accumulate(&acc, scores, B, N, targets, buy));
    orl_eval_metrics m;
    orl_eval_finalize(&acc, N, &m);
    assert_int_equal(m.count[ORL_EVAL_CLICK], 3);
    assert_int_equal(m.count[ORL_EVAL_PURCHASE], 2);
    assert_int_equal(m.nonfinite[ORL_EVAL_CLICK], 1);
    assert_int_equal(m.ks[0], 5);
    assert_int_equal(m.ks[2], 20);
    /* Clicks: ranks 0, 6, NaN. */
    assert_true(fabs(m.hr[0][0] - 1.0 / 3) < 1e-15);
    assert_true(fabs(m.hr[1][0] - 2.0 / 3) < 1e-15);
    assert_true(fabs(m.hr[2][0] - 2.0 / 3) < 1e-15);
    assert_true(fabs(m.ndcg[0][0] - 1.0 / 3) < 1e-15);
    assert_true(fabs(m.ndcg[1][0] - (1.0 + 1.0 / 3.0) / 3) < 1e-15); /* log2(8) = 3 */
    /* Purchases: ranks 12 and 25. */
    assert_true(m.hr[0][1] == 0.0 && m.hr[1][1] == 0.0);
    assert_true(fabs(m.hr[2][1] - 0.5) < 1e-15);
    assert_true(fabs(m.ndcg[2][1] - 0.5 / log2(14.0)) < 1e-15);
}

static void test_split_and_merge_is_exact(void **state)
{
    (void)state;
    enum { N = 50, B = 40 };
    static float scores[B * N];
    int32_t targets[B];
    uint8_t buy[B];
    for (int i = 0; i < B; i++) {
        targets[i] = (i * 7) % N;
        buy[i] = (uint8_t)(i % 3 == 0);
        make_row(scores + i * N, N, (uint32_t)targets[i], (uint32_t)(i % 23), (uint32_t)(i % 4));
    }
    orl_eval_accum whole, a, b;
    orl_eval_accum_init(&whole);
    orl_eval_accum_init(&a);
    orl_eval_accum_init(&b);
    assert_orl_ok(orl_eval_accumulate(&whole, scores, B, N, targets, buy));
    assert_orl_ok(orl_eval_accumulate(&a, scores, 17, N, targets, buy));
    assert_orl_ok(orl_eval_accumulate(&b, scores + 17 * N, B - 17, N, targets + 17, buy + 17));
    orl_eval_accum_merge(&b, &a); /* order does not matter either */
    assert_memory_equal(&whole, &b, sizeof whole);
}

static void test_out_of_range_target_is_refused(void **state)
{
    (void)state;
    float scores[4] = {0, 1, 2, 3};
    int32_t bad[2] = {1, 4};
    int32_t neg[1] = {-1};
    uint8_t buy[2] = {0, 0};
    orl_eval_accum acc, before;
    orl_eval_accum_init(&acc);
    before = acc;
    assert_int_equal(orl_eval_accumulate(&acc, scores, 1, 4, bad + 1, buy), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_eval_accumulate(&acc, scores, 1, 4, neg, buy), ORL_E_OUT_OF_RANGE);
    assert_memory_equal(&acc, &before, sizeof acc);
}

static void test_json_rendering(void **state)
{
    (void)state;
    enum { N = 30, B = 5 };
    float scores[B * N];
    const int32_t targets[B] = {3, 29, 0, 17, 8};
    const uint32_t ranks[B] = {0, 6, 12, 25, 0};
    const uint8_t buy[B] = {0, 0, 1, 1, 0};
    for (int i = 0; i < B; i++) make_row(scores + i * N, N, (uint32_t)targets[i], ranks[i], 0);
    orl_eval_accum acc;
    orl_eval_accum_init(&acc);
    assert_orl_ok(orl_eval_accumulate(&acc, scores, B, N, targets, buy));
    orl_eval_metrics m;
    orl_eval_finalize(&acc, N, &m);
    size_t need = 0, got = 0;
    assert_int_equal(orl_eval_metrics_json(&m, NULL, 0, &need), ORL_E_BUFFER_TOO_SMALL);
    char small[16];
    memset(small, 'x', sizeof small);
    assert_int_equal(orl_eval_metrics_json(&m, small, sizeof small, &got), ORL_E_BUFFER_TOO_SMALL);
    assert_int_equal(got, need);
    assert_int_equal(small[0], 'x');
    char buf[1024];
    assert_orl_ok(orl_eval_metrics_json(&m, buf, need, &got)); /* exactly enough */
    assert_int_equal(strlen(buf) + 1, need);
    assert_non_null(strstr(buf, "{\"n_click\":3,\"n_purchase\":2,\"n_items\":30,"));
    assert_non_null(strstr(buf, "\"click_hr@5\":0.666666667,"));
    assert_non_null(strstr(buf, "\"click_ndcg@10\":0.777777778,")); /* (1 + 1 + 1/3) / 3 */
    assert_non_null(strstr(buf, "\"purchase_hr@20\":0.5,"));
    assert_non_null(strstr(buf, "\"purchase_hr@5\":0,"));
    assert_non_null(strstr(buf, "\"n_nonfinite\":0}"));
    /* 6 keys per class and K, plus 4 counts. */
    int keys = 0;
    for (const char *p = buf; (p = strchr(p, ':')) != NULL; p++) keys++;
    assert_int_equal(keys, 2 * 3 * 2 + 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rank_counts_strictly_larger_scores),
        cmocka_unit_test(test_hand_computed_metrics),
        cmocka_unit_test(test_split_and_merge_is_exact),
        cmocka_unit_test(test_out_of_range_target_is_refused),
        cmocka_unit_test(test_json_rendering),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
