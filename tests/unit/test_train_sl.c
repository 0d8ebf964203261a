/* End to end: a dataset with a known next-item rule, the "sl" trainer, the model
 * it exports (recommend, candidates, batch, threads), evaluation, model files. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "test_support.h"

enum { N_ITEMS = 40, N_SESSIONS = 500, SESSION_LEN = 8 };

/* The rule: after item i comes (7 i + 3) mod N_ITEMS; every 4th step is a purchase. */
static int64_t next_item(int64_t i)
{
    return (7 * i + 3) % N_ITEMS;
}

static orl_dataset *make_dataset(uint64_t seed)
{
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    int32_t click, buy;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    assert_orl_ok(orl_dataset_event_type(ds, "purchase", &buy));
    enum { N = N_SESSIONS * SESSION_LEN };
    static int64_t sess[N], item[N], ts[N];
    static int32_t code[N];
    orl_rng r;
    orl_rng_init(&r, seed, 0);
    for (int s = 0, e = 0; s < N_SESSIONS; s++) {
        int64_t it = 1000 + orl_rng_below(&r, N_ITEMS);
        for (int t = 0; t < SESSION_LEN; t++, e++) {
            sess[e] = s;
            item[e] = it; /* external keys 1000.. to tell them from dense ids */
            ts[e] = t;
            code[e] = (t % 4 == 3) ? buy : click;
            it = 1000 + next_item(it - 1000);
        }
    }
    assert_orl_ok(orl_dataset_add_events_i64(ds, N, sess, item, ts, code, NULL, NULL));
    assert_orl_ok(orl_dataset_finalize(ds));
    return ds;
}

static orl_trainer *make_trainer(const char *algo, uint32_t epochs, int32_t threads)
{
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = algo;
    tp.epochs = epochs;
    tp.batch_size = 64;
    tp.seed = 5;
    tp.threads = threads;
    return orl_test_trainer(&tp, 16);
}

typedef struct fixture {
    orl_dataset *all, *train, *valid, *test;
    orl_model *model;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    /* Separately built parts: their item dictionaries differ in order, so evaluation
     * goes through the key translation. */
    f->train = make_dataset(1);
    f->valid = make_dataset(2);
    f->test = make_dataset(3);
    orl_trainer *t = make_trainer("sl", 4, 2);
    assert_orl_ok(orl_trainer_fit(t, f->train, NULL));
    assert_orl_ok(orl_trainer_export_model(t, &f->model));
    orl_trainer_free(t);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    orl_model_free(f->model);
    orl_dataset_free(f->all);
    orl_dataset_free(f->train);
    orl_dataset_free(f->valid);
    orl_dataset_free(f->test);
    free(f);
    return 0;
}

static void test_learns_the_rule_far_above_popularity(void **state)
{
    fixture *f = *state;
    orl_eval_result r = {.struct_size = sizeof r};
    assert_orl_ok(orl_model_evaluate(f->model, f->test, 2, &r));
    /* Popularity is near uniform here: HR@10 ~ 10/40 = 0.25. The rule is deterministic
     * after the first step (7 of 8 steps), so a learned model approaches 7/8 or more. */
    print_message("test HR@10 clicks %.3f purchases %.3f (n %llu / %llu)\n", r.click_hr[1],
                  r.purchase_hr[1], (unsigned long long)r.click_count,
                  (unsigned long long)r.purchase_count);
    assert_true(r.click_count > 0 && r.purchase_count > 0);
    assert_true(r.click_hr[1] > 0.8);
    assert_true(r.purchase_hr[1] > 0.9);
    assert_true(r.click_ndcg[1] <= r.click_hr[1] + 1e-12);
    assert_true(r.click_hr[0] <= r.click_hr[1] && r.click_hr[1] <= r.click_hr[2]);
    char json[1024];
    size_t len = 0;
    assert_orl_ok(orl_eval_result_json(&r, json, sizeof json, &len));
    assert_non_null(strstr(json, "\"hr@10\""));
    assert_int_equal(orl_eval_result_json(&r, json, 10, &len), ORL_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, strlen(json) + 1);
}

static void test_recommend_follows_the_rule(void **state)
{
    fixture *f = *state;
    int64_t history[3] = {1000 + 5, 1000 + next_item(5), 1000 + next_item(next_item(5))};
    int64_t items[5];
    float scores[5];
    size_t skipped = 99;
    assert_orl_ok(orl_model_recommend(f->model, history, 3, 5, items, scores, &skipped));
    assert_int_equal(skipped, 0);
    assert_int_equal(items[0], 1000 + next_item(next_item(next_item(5))));
    for (int i = 1; i < 5; i++) assert_true(scores[i - 1] >= scores[i]);
    /* Unknown keys are skipped and counted, and do not change the result. */
    int64_t noisy[5] = {777777, history[0], history[1], -5, history[2]};
    int64_t items2[5];
    assert_orl_ok(orl_model_recommend(f->model, noisy, 5, 5, items2, NULL, &skipped));
    assert_int_equal(skipped, 2);
    assert_memory_equal(items, items2, sizeof items);
    /* Bad arguments. */
    assert_int_equal(orl_model_recommend(f->model, history, 3, 0, items, NULL, NULL),
                     ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_model_recommend(f->model, history, 3, N_ITEMS + 1, items, NULL, NULL),
                     ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_model_recommend(f->model, NULL, 3, 5, items, NULL, NULL),
                     ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_model_recommend(NULL, history, 3, 5, items, NULL, NULL),
                     ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_model_recommend((const orl_model *)(const void *)f->test, history, 3, 5,
                                         items, NULL, NULL),
                     ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "not a valid orl_model"));
    /* An empty history is the start of a session. */
    int64_t start[3];
    assert_orl_ok(orl_model_recommend(f->model, NULL, 0, 3, start, NULL, NULL));
    /* String form: same answer, keys as text. */
    const char *sitems[5];
    char k0[32], k1[32], k2[32];
    snprintf(k0, sizeof k0, "%lld", (long long)history[0]);
    snprintf(k1, sizeof k1, "%lld", (long long)history[1]);
    snprintf(k2, sizeof k2, "%lld", (long long)history[2]);
    const char *sh[3] = {k0, k1, k2};
    assert_orl_ok(orl_model_recommend_str(f->model, sh, 3, 5, sitems, NULL, NULL));
    char expect[32];
    snprintf(expect, sizeof expect, "%lld", (long long)items[0]);
    assert_string_equal(sitems[0], expect);
}

static void test_candidates_match_full_scores_and_unknowns_get_minus_inf(void **state)
{
    fixture *f = *state;
    int64_t history[2] = {1001, 1000 + next_item(1)};
    int64_t top[N_ITEMS];
    float top_scores[N_ITEMS];
    assert_orl_ok(orl_model_recommend(f->model, history, 2, N_ITEMS, top, top_scores, NULL));
    int64_t cand[4] = {top[3], 424242, top[0], top[17]};
    float cs[4];
    size_t unknown = 0;
    assert_orl_ok(orl_model_score_candidates(f->model, history, 2, cand, 4, cs, NULL, &unknown));
    assert_int_equal(unknown, 1);
    assert_true(isinf(cs[1]) && cs[1] < 0);
    assert_float_equal(cs[0], top_scores[3], 1e-4);
    assert_float_equal(cs[2], top_scores[0], 1e-4);
    assert_float_equal(cs[3], top_scores[17], 1e-4);
    assert_orl_ok(orl_model_score_candidates(f->model, history, 2, NULL, 0, NULL, NULL, NULL));
}

static void test_batch_equals_single_calls(void **state)
{
    fixture *f = *state;
    enum { NH = 37, K = 4 };
    int64_t hist[NH * 3];
    size_t off[NH + 1];
    for (int h = 0; h < NH; h++) {
        off[h] = (size_t)h * 3 - (h > 0 ? (size_t)(h % 3) : 0);
    }
    /* Variable lengths: history h has (h % 4) items, 0..3. */
    size_t pos = 0;
    for (int h = 0; h < NH; h++) {
        off[h] = pos;
        int64_t it = 1000 + h % N_ITEMS;
        for (int j = 0; j < h % 4; j++, it = 1000 + next_item(it - 1000)) hist[pos++] = it;
    }
    off[NH] = pos;
    int64_t items[NH * K];
    float scores[NH * K];
    assert_orl_ok(orl_model_recommend_batch(f->model, NH, hist, off, K, items, scores));
    for (int h = 0; h < NH; h++) {
        int64_t one[K];
        float one_s[K];
        assert_orl_ok(
            orl_model_recommend(f->model, hist + off[h], off[h + 1] - off[h], K, one, one_s, NULL));
        assert_memory_equal(one, items + h * K, sizeof one);
        for (int k = 0; k < K; k++) assert_float_equal(one_s[k], scores[h * K + k], 1e-5);
    }
    size_t bad[3] = {0, 2, 1};
    assert_int_equal(orl_model_recommend_batch(f->model, 2, hist, bad, K, items, scores),
                     ORL_E_INVALID_ARGUMENT);
}

typedef struct hammer_arg {
    const orl_model *model;
    const int64_t *expect; /* [N_ITEMS x 10] */
    int failures;
} hammer_arg;

static void *hammer(void *p)
{
    hammer_arg *a = p;
    for (int round = 0; round < 20; round++)
        for (int64_t i = 0; i < N_ITEMS; i++) {
            int64_t h[2] = {1000 + i, 1000 + next_item(i)}, out[10];
            if (orl_model_recommend(a->model, h, 2, 10, out, NULL, NULL) != ORL_OK ||
                memcmp(out, a->expect + i * 10, sizeof out) != 0)
                a->failures++;
        }
    return NULL;
}

static void test_eight_threads_score_one_model_like_one_thread(void **state)
{
    fixture *f = *state;
    int64_t expect[N_ITEMS * 10];
    for (int64_t i = 0; i < N_ITEMS; i++) {
        int64_t h[2] = {1000 + i, 1000 + next_item(i)};
        assert_orl_ok(orl_model_recommend(f->model, h, 2, 10, expect + i * 10, NULL, NULL));
    }
    pthread_t th[8];
    hammer_arg args[8];
    for (int t = 0; t < 8; t++) {
        args[t] = (hammer_arg){f->model, expect, 0};
        assert_int_equal(pthread_create(&th[t], NULL, hammer, &args[t]), 0);
    }
    for (int t = 0; t < 8; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(args[t].failures, 0);
    }
}

static void scores_of(const orl_model *m, float *out)
{
    int64_t h[3] = {1002, 1000 + next_item(2), 1011};
    int64_t items[N_ITEMS];
    float s[N_ITEMS];
    assert_orl_ok(orl_model_recommend(m, h, 3, N_ITEMS, items, s, NULL));
    for (int i = 0; i < N_ITEMS; i++) out[items[i] - 1000] = s[i];
}

static void test_model_file_round_trips_bit_identically(void **state)
{
    fixture *f = *state;
    char path[512];
    orl_test_tmp_path("sl_model.orl", path, sizeof path);
    assert_orl_ok(orl_model_save(f->model, path));
    orl_model *loaded = NULL;
    assert_orl_ok(orl_model_load(path, &loaded));
    float a[N_ITEMS], b[N_ITEMS];
    scores_of(f->model, a);
    scores_of(loaded, b);
    assert_memory_equal(a, b, sizeof a);
    orl_model_free(loaded);

    size_t len = 0;
    assert_orl_ok(orl_model_save_buffer(f->model, NULL, 0, &len));
    unsigned char *buf = malloc(len);
    assert_orl_ok(orl_model_save_buffer(f->model, buf, len, &len));
    assert_orl_ok(orl_model_load_buffer(buf, len, &loaded));
    scores_of(loaded, b);
    assert_memory_equal(a, b, sizeof a);
    char info[4096];
    size_t ilen;
    assert_orl_ok(orl_model_info_json(loaded, info, sizeof info, &ilen));
    assert_non_null(strstr(info, "\"algorithm\":\"sl\""));
    assert_non_null(strstr(info, "\"training_config\":{"));
    orl_model_free(loaded);

    /* Truncated, corrupted, foreign: clean errors, never a crash. */
    orl_model *bad = NULL;
    for (size_t cut = 0; cut < len; cut += len / 97 + 1)
        assert_int_not_equal(orl_model_load_buffer(buf, cut, &bad), ORL_OK);
    for (size_t pos = 0; pos < len; pos += len / 89 + 1) {
        buf[pos] ^= 0x10;
        assert_int_not_equal(orl_model_load_buffer(buf, len, &bad), ORL_OK);
        buf[pos] ^= 0x10;
    }
    assert_null(bad);
    assert_int_equal(orl_model_load_buffer("PK\x03\x04 not a model at all, a zip", 30, &bad),
                     ORL_E_FORMAT);
    assert_int_equal(orl_model_load("/nonexistent/dir/m.orl", &bad), ORL_E_NOT_FOUND);
    free(buf);
}

static void test_model_file_from_the_future_is_refused(void **state)
{
    fixture *f = *state;
    size_t len = 0;
    orl_model_save_buffer(f->model, NULL, 0, &len);
    unsigned char *buf = malloc(len);
    assert_orl_ok(orl_model_save_buffer(f->model, buf, len, &len));
    /* The kind version sits right after the 8-byte magic and 4-byte kind (docs/file-format.md);
     * raising it breaks the checksum too, so either error is a refusal — but it must be one. */
    buf[12] = 99;
    orl_model *m = NULL;
    int s = orl_model_load_buffer(buf, len, &m);
    assert_true(s == ORL_E_VERSION || s == ORL_E_CHECKSUM);
    assert_null(m);
    free(buf);
}

static int cancel_after_three(const orl_progress *p, void *ud)
{
    int *calls = ud;
    ++*calls;
    return p->step >= 3;
}

static void test_cancel_interrupt_and_settings(void **state)
{
    fixture *f = *state;
    orl_trainer *t = make_trainer("sl", 2, 1);
    int calls = 0;
    assert_orl_ok(orl_trainer_set_progress_callback(t, cancel_after_three, &calls));
    assert_int_equal(orl_trainer_fit(t, f->train, NULL), ORL_E_CANCELLED);
    assert_int_equal(calls, 3);
    orl_model *m = NULL;
    assert_orl_ok(orl_trainer_export_model(t, &m)); /* weights reached so far */
    orl_model_free(m);
    assert_orl_ok(orl_trainer_set_progress_callback(t, NULL, NULL));
    assert_orl_ok(orl_trainer_interrupt(t));
    assert_int_equal(orl_trainer_fit(t, f->train, NULL), ORL_E_CANCELLED);

    assert_int_equal(orl_trainer_set_float(t, "no_such_key", 1), ORL_E_UNKNOWN_KEY);
    assert_int_equal(orl_trainer_set_float(t, "learning_rate", -1), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_trainer_set_float(t, "batch_size", 2.5), ORL_E_OUT_OF_RANGE);
    assert_orl_ok(orl_trainer_set_float(t, "learning_rate", 0.005));
    double v = 0;
    assert_orl_ok(orl_trainer_get_float(t, "learning_rate", &v));
    assert_true(fabs(v - 0.005) < 1e-12);
    size_t len = 0;
    assert_orl_ok(orl_trainer_config_json(t, NULL, 0, &len));
    char *json = malloc(len);
    assert_orl_ok(orl_trainer_config_json(t, json, len, &len));
    assert_non_null(strstr(json, "\"learning_rate\":0.005"));
    free(json);
    orl_trainer_free(t);

    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "nope";
    orl_encoder *enc = NULL;
    assert_orl_ok(orl_encoder_create(NULL, &enc));
    assert_int_equal(orl_trainer_create(&tp, enc, NULL, NULL, &t), ORL_E_UNSUPPORTED);
    orl_encoder_free(enc);
}

static void test_training_is_reproducible_for_a_seed_and_thread_count(void **state)
{
    fixture *f = *state;
    float a[N_ITEMS], b[N_ITEMS];
    for (int run = 0; run < 2; run++) {
        orl_trainer *t = make_trainer("sl", 1, 2);
        assert_orl_ok(orl_trainer_fit(t, f->train, NULL));
        orl_model *m = NULL;
        assert_orl_ok(orl_trainer_export_model(t, &m));
        scores_of(m, run ? b : a);
        orl_model_free(m);
        orl_trainer_free(t);
    }
    assert_memory_equal(a, b, sizeof a);
}

/* A test file with a dictionary of its own and only a few items is still ranked against the
 * model's whole catalogue: HR@5 equals what top-5 recommendations of each prefix give. */
static void test_separate_small_test_file_ranks_the_whole_catalogue(void **state)
{
    fixture *f = *state;
    /* Off-rule steps among 4 items: a model ranking only the file's 4 items would hit every
     * step at K = 5; against the 40-item catalogue most steps miss. */
    int64_t items[8] = {1003, 1017, 1003, 1031, 1017, 1008, 1031, 1003};
    int64_t sess[8] = {0}, ts[8];
    int32_t codes[8];
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    int32_t click;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    for (int i = 0; i < 8; i++) ts[i] = i, codes[i] = click;
    assert_orl_ok(orl_dataset_add_events_i64(ds, 8, sess, items, ts, codes, NULL, NULL));
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_eval_result r = {.struct_size = sizeof r};
    assert_orl_ok(orl_model_evaluate(f->model, ds, 1, &r));
    int hits = 0;
    for (int p = 0; p < 8; p++) {
        int64_t top[5];
        assert_orl_ok(orl_model_recommend(f->model, items, (size_t)p, 5, top, NULL, NULL));
        for (int k = 0; k < 5; k++) hits += top[k] == items[p];
    }
    assert_int_equal(r.click_count, 8);
    assert_true(fabs(r.click_hr[0] - hits / 8.0) < 1e-12);
    assert_true(r.click_hr[0] < 1.0);
    orl_dataset_free(ds);
}

static int count_validations(const orl_progress *p, void *ud)
{
    if (p->end_of_epoch && p->validation && p->validation->click_count > 0) ++*(int *)ud;
    return 0;
}

static void test_validation_each_epoch_and_history(void **state)
{
    fixture *f = *state;
    orl_trainer *t = make_trainer("sl", 2, 2);
    size_t len = 0;
    char buf[4096];
    assert_orl_ok(orl_trainer_history_json(t, buf, sizeof buf, &len));
    assert_string_equal(buf, "[]");
    int seen = 0;
    assert_orl_ok(orl_trainer_set_progress_callback(t, count_validations, &seen));
    assert_orl_ok(orl_trainer_fit(t, f->train, f->valid));
    assert_int_equal(seen, 2);
    assert_int_equal(orl_trainer_history_json(t, buf, 8, &len), ORL_E_BUFFER_TOO_SMALL);
    assert_true(len > 8 && len < sizeof buf);
    assert_orl_ok(orl_trainer_history_json(t, buf, sizeof buf, &len));
    assert_int_equal(strlen(buf) + 1, len);
    assert_non_null(strstr(buf, "{\"epoch\":1,"));
    assert_non_null(strstr(buf, "{\"epoch\":2,"));
    assert_null(strstr(buf, "{\"epoch\":3,"));
    assert_non_null(strstr(buf, "\"validation\":{\"click\":"));
    orl_trainer_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learns_the_rule_far_above_popularity),
        cmocka_unit_test(test_recommend_follows_the_rule),
        cmocka_unit_test(test_candidates_match_full_scores_and_unknowns_get_minus_inf),
        cmocka_unit_test(test_batch_equals_single_calls),
        cmocka_unit_test(test_eight_threads_score_one_model_like_one_thread),
        cmocka_unit_test(test_model_file_round_trips_bit_identically),
        cmocka_unit_test(test_model_file_from_the_future_is_refused),
        cmocka_unit_test(test_cancel_interrupt_and_settings),
        cmocka_unit_test(test_training_is_reproducible_for_a_seed_and_thread_count),
        cmocka_unit_test(test_validation_each_epoch_and_history),
        cmocka_unit_test(test_separate_small_test_file_ranks_the_whole_catalogue),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
