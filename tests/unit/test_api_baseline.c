/* Baseline models: popularity and repeat rankings against a direct
 * computation, every scoring path agreeing, file round trips (and corrupt
 * files refused), evaluation equal to a hand count, and misuse. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

enum { ITEMS = 30 };

/* Item i (1..30) appears i times in training: session i holds i clicks of it. */
static orl_dataset *train_set(void)
{
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    int32_t click;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    int64_t t = 1000;
    for (int64_t i = 1; i <= ITEMS; i++)
        for (int64_t j = 0; j < i; j++) {
            int64_t s = i, it = i, ts = t++;
            assert_orl_ok(orl_dataset_add_events_i64(ds, 1, &s, &it, &ts, &click, NULL, NULL));
        }
    assert_orl_ok(orl_dataset_finalize(ds));
    return ds;
}

static orl_model *baseline(const orl_dataset *ds, int kind)
{
    orl_model *m = NULL;
    assert_orl_ok(orl_model_create_baseline(ds, kind, &m));
    return m;
}

/* Direct scores by key: popularity log(key) (key = count); repeat puts the
 * history's keys first, the most recent highest. */
static double direct_score(int kind, int64_t key, const int64_t *hist, size_t n)
{
    if (kind == ORL_BASELINE_REPEAT)
        for (size_t j = n; j-- > 0;)
            if (hist[j] == key) return 1e9 + (double)j;
    return log((double)key);
}

static void check_ranking(const orl_model *m, int kind, const int64_t *hist, size_t n)
{
    int64_t items[ITEMS];
    float scores[ITEMS];
    assert_orl_ok(orl_model_recommend(m, hist, n, ITEMS, items, scores, NULL));
    /* Direct: keys sorted by score descending, ties by lower model index. */
    int64_t want[ITEMS];
    int used[ITEMS + 1] = {0};
    for (int r = 0; r < ITEMS; r++) {
        int64_t best = -1;
        for (int64_t key = 1; key <= ITEMS; key++) {
            if (used[key]) continue;
            if (best < 0 || direct_score(kind, key, hist, n) > direct_score(kind, best, hist, n))
                best = key;
        }
        used[best] = 1;
        want[r] = best;
    }
    for (int r = 0; r < ITEMS; r++) {
        if (items[r] != want[r])
            fail_msg("rank %d: item %lld, want %lld", r, (long long)items[r], (long long)want[r]);
        if (direct_score(kind, items[r], hist, n) < 1e9)
            assert_true(fabsf(scores[r] - (float)log((double)items[r])) < 1e-6f);
    }
    /* The candidate, excluding, batch and string paths give the same scores. */
    int64_t cand[ITEMS];
    float cs[ITEMS];
    for (int i = 0; i < ITEMS; i++) cand[i] = items[ITEMS - 1 - i];
    assert_orl_ok(orl_model_score_candidates(m, hist, n, cand, ITEMS, cs, NULL, NULL));
    for (int i = 0; i < ITEMS; i++) assert_true(cs[i] == scores[ITEMS - 1 - i]);
    int64_t ex[5], exclude[1] = {items[0]};
    size_t got = 0;
    assert_orl_ok(orl_model_recommend_excluding(m, hist, n, exclude, 1, 5, ex, NULL, &got, NULL));
    assert_int_equal(got, 5);
    for (int i = 0; i < 5; i++) assert_true(ex[i] == items[i + 1]);
    size_t offs[3] = {0, n, 2 * n};
    int64_t two[2 * 8], batch[2 * 5];
    for (size_t i = 0; i < n; i++) two[i] = two[n + i] = hist[i];
    assert_orl_ok(orl_model_recommend_batch(m, 2, n ? two : NULL, offs, 5, batch, NULL));
    for (int i = 0; i < 5; i++) assert_true(batch[i] == items[i] && batch[5 + i] == items[i]);
    char text[8][24];
    const char *shist[8], *sout[5];
    for (size_t i = 0; i < n; i++) {
        snprintf(text[i], sizeof text[i], "%lld", (long long)hist[i]);
        shist[i] = text[i];
    }
    assert_orl_ok(orl_model_recommend_str(m, shist, n, 5, sout, NULL, NULL));
    for (int i = 0; i < 5; i++) assert_int_equal(atoll(sout[i]), items[i]);
}

static void test_rankings_against_direct_computation(void **state)
{
    (void)state;
    orl_dataset *ds = train_set();
    orl_model *pop = baseline(ds, ORL_BASELINE_POPULARITY);
    orl_model *rep = baseline(ds, ORL_BASELINE_REPEAT);
    const int64_t h0[1] = {0}, h1[3] = {3, 7, 3}, h2[4] = {29, 999, 2, 15};
    check_ranking(pop, ORL_BASELINE_POPULARITY, h0, 0);
    check_ranking(pop, ORL_BASELINE_POPULARITY, h1, 3);
    check_ranking(rep, ORL_BASELINE_REPEAT, h0, 0);
    check_ranking(rep, ORL_BASELINE_REPEAT, h1, 3); /* 3 (most recent), 7, then 30, 29, ... */
    check_ranking(rep, ORL_BASELINE_REPEAT, h2, 4); /* the unknown 999 is skipped */
    int64_t top[3];
    assert_orl_ok(orl_model_recommend(rep, h1, 3, 3, top, NULL, NULL));
    assert_true(top[0] == 3 && top[1] == 7 && top[2] == 30);
    /* One head, no network behind it: the other heads and rules are refused. */
    uint32_t heads = 0;
    assert_orl_ok(orl_model_head_count(pop, &heads));
    assert_int_equal(heads, 1);
    orl_model *copy = NULL;
    assert_orl_ok(orl_model_with_head(rep, ORL_HEAD_SUPERVISED, &copy));
    check_ranking(copy, ORL_BASELINE_REPEAT, h1, 3);
    orl_model_free(copy);
    assert_int_equal(orl_model_with_head(pop, ORL_HEAD_Q, &copy), ORL_E_NOT_FOUND);
    assert_int_equal(orl_model_with_score_rule(pop, ORL_SCORE_LCB, 1.0f, &copy), ORL_E_NOT_FOUND);
    char info[2048];
    size_t len;
    assert_orl_ok(orl_model_info_json(rep, info, sizeof info, &len));
    assert_non_null(strstr(info, "\"algorithm\":\"repeat\""));
    assert_non_null(strstr(info, "\"architecture\":\"baseline\""));
    /* Policy probabilities read the same scores. */
    float probs[ITEMS];
    assert_orl_ok(orl_model_policy_probs(rep, NULL, h1, 3, probs, ITEMS));
    uint64_t idx = 0;
    for (; idx < ITEMS; idx++) {
        int64_t key;
        assert_orl_ok(orl_model_item_key(rep, idx, &key));
        if (key == 3) break;
    }
    assert_true(probs[idx] == 1.0f);
    orl_model_free(pop);
    orl_model_free(rep);
    orl_dataset_free(ds);
}

static void test_file_round_trip_and_corruption(void **state)
{
    (void)state;
    orl_dataset *ds = train_set();
    char path[512];
    orl_test_tmp_path("baseline_repeat.orl", path, sizeof path);
    const int64_t h[3] = {3, 7, 3};
    for (int kind = 0; kind < 2; kind++) {
        orl_model *m = baseline(ds, kind), *back = NULL, *from_buf = NULL;
        assert_orl_ok(orl_model_save(m, path));
        assert_orl_ok(orl_model_load(path, &back));
        size_t size = 0;
        assert_orl_ok(orl_model_save_buffer(m, NULL, 0, &size));
        unsigned char *buf = malloc(size);
        assert_orl_ok(orl_model_save_buffer(m, buf, size, &size));
        assert_orl_ok(orl_model_load_buffer(buf, size, &from_buf));
        int64_t a[ITEMS], b[ITEMS], c[ITEMS];
        float sa[ITEMS], sb[ITEMS], sc[ITEMS];
        assert_orl_ok(orl_model_recommend(m, h, 3, ITEMS, a, sa, NULL));
        assert_orl_ok(orl_model_recommend(back, h, 3, ITEMS, b, sb, NULL));
        assert_orl_ok(orl_model_recommend(from_buf, h, 3, ITEMS, c, sc, NULL));
        assert_memory_equal(a, b, sizeof a);
        assert_memory_equal(sa, sb, sizeof sa);
        assert_memory_equal(a, c, sizeof a);
        char ia[2048], ib[2048];
        size_t la, lb;
        assert_orl_ok(orl_model_info_json(m, ia, sizeof ia, &la));
        assert_orl_ok(orl_model_info_json(back, ib, sizeof ib, &lb));
        assert_string_equal(ia, ib);
        /* Every flipped byte is refused cleanly (checksum or a verified field). */
        for (size_t i = 0; i < size; i += 7) {
            buf[i] ^= 0x5a;
            orl_model *bad = NULL;
            assert_int_not_equal(orl_model_load_buffer(buf, size, &bad), ORL_OK);
            assert_null(bad);
            buf[i] ^= 0x5a;
        }
        orl_model *bad = NULL;
        assert_int_not_equal(orl_model_load_buffer(buf, size / 2, &bad), ORL_OK);
        free(buf);
        orl_model_free(m);
        orl_model_free(back);
        orl_model_free(from_buf);
    }
    remove(path);
    orl_dataset_free(ds);
}

/* The test set of the hand count (its own item dictionary):
 *   session A: 3, 28, 3 (purchase)      session B: 25, 10
 * rank = items scoring strictly higher (popularity: key = count).
 *   A1 target 3, no history:   pop 27, repeat 27          (misses)
 *   A2 target 28 after 3:      pop 2,  repeat 3 (3 first)  (hits at 5)
 *   A3 target 3 after 3, 28:   pop 27, repeat 1 (28 first) (purchase)
 *   B1 target 25, no history:  pop 5,  repeat 5           (hits at 10)
 *   B2 target 10 after 25:     pop 20, repeat 21          (misses at 20) */
static orl_dataset *hand_test_set(void)
{
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    int32_t click, buy;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    assert_orl_ok(orl_dataset_event_type(ds, "purchase", &buy));
    const int64_t s[5] = {100, 100, 100, 200, 200}, it[5] = {3, 28, 3, 25, 10},
                  ts[5] = {1, 2, 3, 10, 11};
    const int32_t code[5] = {click, click, buy, click, click};
    assert_orl_ok(orl_dataset_add_events_i64(ds, 5, s, it, ts, code, NULL, NULL));
    assert_orl_ok(orl_dataset_finalize(ds));
    return ds;
}

static void test_eval_equals_hand_count(void **state)
{
    (void)state;
    orl_dataset *train = train_set(), *test = hand_test_set();
    orl_model *pop = baseline(train, ORL_BASELINE_POPULARITY);
    orl_model *rep = baseline(train, ORL_BASELINE_REPEAT);
    orl_eval_result p = {.struct_size = sizeof p}, r = p;
    assert_orl_ok(orl_model_evaluate(pop, test, 1, &p));
    assert_orl_ok(orl_model_evaluate(rep, test, 2, &r));
    const double l = 1.0 / log2(4.0), l7 = 1.0 / log2(7.0), l5 = 1.0 / log2(5.0),
                 l3 = 1.0 / log2(3.0);
    assert_int_equal(p.click_count, 4);
    assert_int_equal(p.purchase_count, 1);
    const double pop_hr[3] = {0.25, 0.5, 0.5}, pop_ndcg[3] = {l / 4, (l + l7) / 4, (l + l7) / 4};
    const double rep_hr[3] = {0.25, 0.5, 0.5}, rep_ndcg[3] = {l5 / 4, (l5 + l7) / 4, (l5 + l7) / 4};
    for (int k = 0; k < 3; k++) {
        assert_true(fabs(p.click_hr[k] - pop_hr[k]) < 1e-9);
        assert_true(fabs(p.click_ndcg[k] - pop_ndcg[k]) < 1e-9);
        assert_true(p.purchase_hr[k] == 0 && p.purchase_ndcg[k] == 0);
        assert_true(fabs(r.click_hr[k] - rep_hr[k]) < 1e-9);
        assert_true(fabs(r.click_ndcg[k] - rep_ndcg[k]) < 1e-9);
        assert_true(r.purchase_hr[k] == 1.0);
        assert_true(fabs(r.purchase_ndcg[k] - l3) < 1e-9);
    }
    orl_model_free(pop);
    orl_model_free(rep);
    orl_dataset_free(test);
    orl_dataset_free(train);
}

/* Baselines roll out in the simulator under a rule like any model. */
static void test_rollout_of_a_baseline(void **state)
{
    (void)state;
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.n_items = 50;
    sp.n_users = 50;
    sp.n_clusters = 5;
    sp.max_steps = 8;
    sp.rollout_repeat = 1;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    orl_dataset *logs = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &logs));
    assert_orl_ok(orl_sim_generate(sim, 300, logs));
    assert_orl_ok(orl_dataset_finalize(logs));
    orl_model *rep = baseline(logs, ORL_BASELINE_REPEAT);
    orl_sim_rollout_result a = {.struct_size = sizeof a}, b = a;
    assert_orl_ok(orl_sim_rollout_model(sim, rep, 300, 4, &a));
    assert_orl_ok(orl_sim_rollout_model_policy(sim, rep, NULL, 300, 4, &b));
    assert_true(a.mean_return == b.mean_return); /* greedy with repeats */
    orl_policy_rule soft;
    orl_policy_rule_init(&soft);
    assert_orl_ok(orl_policy_rule_parse("softmax:1", &soft));
    assert_orl_ok(orl_sim_rollout_model_policy(sim, rep, &soft, 300, 4, &b));
    assert_true(b.mean_length >= 2);
    orl_model_free(rep);
    orl_dataset_free(logs);
    orl_sim_free(sim);
}

static void test_misuse(void **state)
{
    (void)state;
    orl_dataset *ds = train_set();
    orl_model *m = (orl_model *)0x1;
    assert_int_equal(orl_model_create_baseline(NULL, 0, &m), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_model_create_baseline(ds, 0, NULL), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_model_create_baseline(ds, 2, &m), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_model_create_baseline(ds, -1, &m), ORL_E_OUT_OF_RANGE);
    assert_true(m == (orl_model *)0x1);
    orl_dataset *open = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &open));
    assert_int_equal(orl_model_create_baseline(open, 0, &m), ORL_E_STATE);
    orl_dataset_free(open);
    /* A baseline has no network to serve as BCQ's G. */
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "bcq";
    orl_trainer *t = orl_test_trainer(&tp, 8);
    orl_model *pop = baseline(ds, 0);
    assert_int_equal(orl_trainer_set_generative_model(t, pop), ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "baseline"));
    float std[3];
    int64_t items[3], h[1] = {2};
    assert_int_equal(orl_model_recommend_with_std(pop, h, 1, 3, items, NULL, std, NULL),
                     ORL_E_STATE);
    orl_model_free(pop);
    orl_trainer_free(t);
    orl_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rankings_against_direct_computation),
        cmocka_unit_test(test_file_round_trip_and_corruption),
        cmocka_unit_test(test_eval_equals_hand_count),
        cmocka_unit_test(test_rollout_of_a_baseline),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
