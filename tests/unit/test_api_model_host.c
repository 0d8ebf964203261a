/* What a host needs from a loaded model (0.2): recommending while leaving items
 * out, and reading the catalogue back (orl_model_recommend_excluding,
 * orl_model_item_key, orl_model_item_key_str). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "test_support.h"

enum { N_ITEMS = 30, N_SESSIONS = 120, SESSION_LEN = 6 };

typedef struct fixture {
    orl_dataset *ds, *ds_str;
    orl_model *model;     /* integer keys 1000.. */
    orl_model *model_str; /* keys "sku-N" and some plain integers */
} fixture;

static void make_events(int64_t *sess, int64_t *item, int64_t *ts, int32_t *code, int32_t click)
{
    orl_rng r;
    orl_rng_init(&r, 11, 0);
    for (int s = 0, e = 0; s < N_SESSIONS; s++) {
        int64_t it = orl_rng_below(&r, N_ITEMS);
        for (int t = 0; t < SESSION_LEN; t++, e++) {
            sess[e] = s;
            item[e] = it;
            ts[e] = t;
            code[e] = click;
            it = (5 * it + 2) % N_ITEMS;
        }
    }
}

static orl_model *fit(const orl_dataset *ds)
{
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 1;
    tp.batch_size = 64;
    tp.seed = 3;
    tp.threads = 1;
    return orl_test_fit_model(&tp, 8, ds);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    enum { N = N_SESSIONS * SESSION_LEN };
    static int64_t sess[N], item[N], ts[N];
    static int32_t code[N];
    static char sbuf[N][24], ibuf[N][24];
    static const char *skeys[N], *ikeys[N];
    int32_t click;
    assert_orl_ok(orl_dataset_create(NULL, &f->ds));
    assert_orl_ok(orl_dataset_event_type(f->ds, "click", &click));
    make_events(sess, item, ts, code, click);
    for (int e = 0; e < N; e++) {
        snprintf(sbuf[e], sizeof sbuf[e], "s%lld", (long long)sess[e]);
        /* Most keys are strings; every 3rd item is a plain integer key. */
        if (item[e] % 3 == 0)
            snprintf(ibuf[e], sizeof ibuf[e], "%lld", (long long)(500 + item[e]));
        else
            snprintf(ibuf[e], sizeof ibuf[e], "sku-%lld", (long long)item[e]);
        skeys[e] = sbuf[e];
        ikeys[e] = ibuf[e];
        item[e] += 1000;
    }
    assert_orl_ok(orl_dataset_add_events_i64(f->ds, N, sess, item, ts, code, NULL, NULL));
    assert_orl_ok(orl_dataset_finalize(f->ds));
    assert_orl_ok(orl_dataset_create(NULL, &f->ds_str));
    assert_orl_ok(orl_dataset_event_type(f->ds_str, "click", &click));
    assert_orl_ok(orl_dataset_add_events_str(f->ds_str, N, skeys, ikeys, ts, code, NULL, NULL));
    assert_orl_ok(orl_dataset_finalize(f->ds_str));
    f->model = fit(f->ds);
    f->model_str = fit(f->ds_str);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    orl_model_free(f->model);
    orl_model_free(f->model_str);
    orl_dataset_free(f->ds);
    orl_dataset_free(f->ds_str);
    free(f);
    return 0;
}

static int contains(const int64_t *a, size_t n, int64_t v)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] == v) return 1;
    return 0;
}

static void test_excluding_equals_recommend_on_the_rest(void **state)
{
    fixture *f = *state;
    const int64_t history[3] = {1004, 1022, 1000 + 12};
    int64_t all[N_ITEMS];
    float all_scores[N_ITEMS];
    size_t skipped = 99;
    assert_orl_ok(orl_model_recommend(f->model, history, 3, N_ITEMS, all, all_scores, &skipped));
    assert_int_equal(skipped, 0);
    /* Leave out the best, the 4th and an item further down, plus unknown keys and a repeat. */
    const int64_t exclude[6] = {all[0], 424242, all[3], all[17], -1, all[0]};
    int64_t items[N_ITEMS];
    float scores[N_ITEMS];
    size_t n = 0;
    skipped = 99;
    assert_orl_ok(orl_model_recommend_excluding(f->model, history, 3, exclude, 6, 10, items, scores,
                                                &n, &skipped));
    assert_int_equal(n, 10);
    assert_int_equal(skipped, 0);
    /* The full ranking with the excluded items taken out, scores bit for bit. */
    size_t j = 0;
    for (size_t i = 0; i < N_ITEMS && j < n; i++) {
        if (contains(exclude, 6, all[i])) continue;
        assert_int_equal(items[j], all[i]);
        assert_memory_equal(&scores[j], &all_scores[i], sizeof(float));
        j++;
    }
    assert_int_equal(j, n);
    for (size_t i = 0; i < n; i++) assert_false(contains(exclude, 6, items[i]));
    /* Unknown history keys are skipped and counted, as in orl_model_recommend. */
    const int64_t noisy[4] = {1004, 77, 1022, 1000 + 12};
    int64_t items2[10];
    assert_orl_ok(orl_model_recommend_excluding(f->model, noisy, 4, exclude, 6, 10, items2, NULL,
                                                &n, &skipped));
    assert_int_equal(skipped, 1);
    assert_memory_equal(items, items2, sizeof items2);
    /* No exclusions: exactly orl_model_recommend. */
    assert_orl_ok(orl_model_recommend_excluding(f->model, history, 3, NULL, 0, N_ITEMS, items,
                                                scores, &n, NULL));
    assert_int_equal(n, N_ITEMS);
    assert_memory_equal(items, all, sizeof all);
    assert_memory_equal(scores, all_scores, sizeof all_scores);
    /* An empty history too. */
    int64_t start[5], start2[5];
    assert_orl_ok(orl_model_recommend(f->model, NULL, 0, 5, start, NULL, NULL));
    assert_orl_ok(
        orl_model_recommend_excluding(f->model, NULL, 0, &start[0], 1, 4, start2, NULL, &n, NULL));
    assert_int_equal(n, 4);
    assert_memory_equal(start2, start + 1, 4 * sizeof(int64_t));
}

static void test_k_larger_than_what_is_left(void **state)
{
    fixture *f = *state;
    const int64_t history[1] = {1007};
    int64_t exclude[N_ITEMS];
    for (int i = 0; i < N_ITEMS; i++) exclude[i] = 1000 + i;
    int64_t items[N_ITEMS];
    float scores[N_ITEMS];
    /* All but 3 items excluded, k = 10: 3 items, the untouched tail of the buffer stays. */
    for (int i = 0; i < N_ITEMS; i++) items[i] = -7;
    size_t n = 99;
    assert_orl_ok(orl_model_recommend_excluding(f->model, history, 1, exclude, N_ITEMS - 3, 10,
                                                items, scores, &n, NULL));
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_true(items[i] >= 1000 + N_ITEMS - 3 && items[i] < 1000 + N_ITEMS);
        assert_true(isfinite(scores[i]));
        if (i) assert_true(scores[i - 1] >= scores[i]);
    }
    assert_int_equal(items[3], -7);
    /* Everything excluded: an empty result, still ORL_OK. */
    assert_orl_ok(orl_model_recommend_excluding(f->model, history, 1, exclude, N_ITEMS, N_ITEMS,
                                                items, NULL, &n, NULL));
    assert_int_equal(n, 0);
    /* Bad arguments leave the outputs alone. */
    n = 55;
    assert_int_equal(
        orl_model_recommend_excluding(f->model, history, 1, exclude, 2, 0, items, NULL, &n, NULL),
        ORL_E_OUT_OF_RANGE);
    assert_int_equal(
        orl_model_recommend_excluding(f->model, history, 1, NULL, 2, 3, items, NULL, &n, NULL),
        ORL_E_INVALID_ARGUMENT);
    assert_int_equal(
        orl_model_recommend_excluding(f->model, history, 1, exclude, 2, 3, items, NULL, NULL, NULL),
        ORL_E_INVALID_ARGUMENT);
    assert_int_equal(n, 55);
    /* A string-keyed model refuses the integer form. */
    assert_int_equal(
        orl_model_recommend_excluding(f->model_str, NULL, 0, NULL, 0, 3, items, NULL, &n, NULL),
        ORL_E_INVALID_ARGUMENT);
}

static void test_item_key_round_trips_every_index(void **state)
{
    fixture *f = *state;
    uint64_t count = 0;
    assert_orl_ok(orl_model_item_count(f->model, &count));
    assert_int_equal(count, N_ITEMS);
    int seen[N_ITEMS] = {0};
    for (uint64_t i = 0; i < count; i++) {
        int64_t key = 0;
        assert_orl_ok(orl_model_item_key(f->model, i, &key));
        assert_true(key >= 1000 && key < 1000 + N_ITEMS);
        assert_false(seen[key - 1000]);
        seen[key - 1000] = 1;
        /* The key scores as that catalogue item: a candidate of its own. */
        float s = 0;
        size_t unknown = 9;
        assert_orl_ok(orl_model_score_candidates(f->model, NULL, 0, &key, 1, &s, NULL, &unknown));
        assert_int_equal(unknown, 0);
        /* The text form agrees. */
        char buf[32], expect[32];
        size_t need = 0, len = 0;
        assert_orl_ok(orl_model_item_key_str(f->model, i, NULL, 0, &need));
        assert_orl_ok(orl_model_item_key_str(f->model, i, buf, sizeof buf, &len));
        snprintf(expect, sizeof expect, "%lld", (long long)key);
        assert_string_equal(buf, expect);
        assert_int_equal(len, strlen(expect) + 1);
        assert_int_equal(need, len);
    }
    int64_t key;
    assert_int_equal(orl_model_item_key(f->model, count, &key), ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), "index"));
    assert_int_equal(orl_model_item_key(f->model, UINT64_MAX, &key), ORL_E_OUT_OF_RANGE);
    char buf[32];
    size_t len = 0;
    assert_int_equal(orl_model_item_key_str(f->model, count, buf, sizeof buf, &len),
                     ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_model_item_key(NULL, 0, &key), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_model_item_key(f->model, 0, NULL), ORL_E_INVALID_ARGUMENT);
}

static void test_string_keys_read_back(void **state)
{
    fixture *f = *state;
    uint64_t count = 0;
    assert_orl_ok(orl_model_item_count(f->model_str, &count));
    assert_int_equal(count, N_ITEMS);
    int n_str = 0, n_int = 0;
    for (uint64_t i = 0; i < count; i++) {
        size_t need = 0, len = 0;
        assert_orl_ok(orl_model_item_key_str(f->model_str, i, NULL, 0, &need));
        char *buf = malloc(need);
        /* One byte short: ORL_E_BUFFER_TOO_SMALL with the size. */
        len = 0;
        assert_int_equal(orl_model_item_key_str(f->model_str, i, buf, need - 1, &len),
                         ORL_E_BUFFER_TOO_SMALL);
        assert_int_equal(len, need);
        assert_orl_ok(orl_model_item_key_str(f->model_str, i, buf, need, &len));
        assert_int_equal(strlen(buf) + 1, need);
        /* The key recommends as itself: excluding it leaves it out. */
        const char *h[1] = {buf};
        const char *top[1];
        size_t skipped = 9;
        assert_orl_ok(orl_model_recommend_str(f->model_str, h, 1, 1, top, NULL, &skipped));
        assert_int_equal(skipped, 0);
        int64_t key = 0;
        if (strncmp(buf, "sku-", 4) == 0) {
            n_str++;
            assert_int_equal(orl_model_item_key(f->model_str, i, &key), ORL_E_INVALID_ARGUMENT);
            assert_non_null(strstr(orl_last_error(), "orl_model_item_key_str"));
        } else {
            n_int++;
            assert_orl_ok(orl_model_item_key(f->model_str, i, &key));
            char expect[32];
            snprintf(expect, sizeof expect, "%lld", (long long)key);
            assert_string_equal(buf, expect);
        }
        free(buf);
    }
    assert_int_equal(n_int, N_ITEMS / 3);
    assert_int_equal(n_str, N_ITEMS - N_ITEMS / 3);
}

static void test_loaded_model_reads_the_same_catalogue(void **state)
{
    fixture *f = *state;
    size_t need = 0;
    assert_orl_ok(orl_model_save_buffer(f->model_str, NULL, 0, &need)); /* a size query */
    void *bytes = malloc(need);
    assert_orl_ok(orl_model_save_buffer(f->model_str, bytes, need, &need));
    orl_model *m = NULL;
    assert_orl_ok(orl_model_load_buffer(bytes, need, &m));
    free(bytes);
    for (uint64_t i = 0; i < N_ITEMS; i++) {
        char a[32], b[32];
        size_t la = 0, lb = 0;
        assert_orl_ok(orl_model_item_key_str(f->model_str, i, a, sizeof a, &la));
        assert_orl_ok(orl_model_item_key_str(m, i, b, sizeof b, &lb));
        assert_string_equal(a, b);
    }
    orl_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_excluding_equals_recommend_on_the_rest),
        cmocka_unit_test(test_k_larger_than_what_is_left),
        cmocka_unit_test(test_item_key_round_trips_every_index),
        cmocka_unit_test(test_string_keys_read_back),
        cmocka_unit_test(test_loaded_model_reads_the_same_catalogue),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
