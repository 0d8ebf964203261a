/* Numerics: training that diverges stops with ORL_E_NUMERIC and a clear
 * message instead of yielding NaN scores; a model with non-finite weights can
 * be neither exported, nor saved, nor loaded. Divergence is simulated by
 * poisoning one weight from the progress callback (the trainer's own loss and
 * weight checks must catch it), and provoked by absurd settings for every
 * registered algorithm. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/algo.h"
#include "api/model_impl.h"
#include "api/trainer_impl.h"
#include "core/alloc.h"
#include "core/checksum.h"
#include "io/container.h"
#include "nn/params.h"
#include "test_support.h"

enum { N_ITEMS = 20, N_SESS = 60, LEN = 6 };

static orl_dataset *make_data(float reward_scale)
{
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    int32_t click, buy;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    assert_orl_ok(orl_dataset_event_type(ds, "purchase", &buy));
    enum { N = N_SESS * LEN };
    static int64_t sess[N], item[N], ts[N];
    static int32_t code[N];
    static float reward[N];
    for (int e = 0; e < N; e++) {
        sess[e] = e / LEN;
        item[e] = (e * 7 + e / LEN) % N_ITEMS;
        ts[e] = e;
        code[e] = e % 3 == 2 ? buy : click;
        reward[e] = (e % 2 ? reward_scale : -reward_scale);
    }
    assert_orl_ok(orl_dataset_add_events_i64(ds, N, sess, item, ts, code,
                                             reward_scale != 0.0f ? reward : NULL, NULL));
    assert_orl_ok(orl_dataset_finalize(ds));
    return ds;
}

static orl_trainer *make_trainer(const char *algo, uint32_t epochs, float lr)
{
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = algo;
    tp.epochs = epochs;
    tp.batch_size = 32;
    tp.learning_rate = lr;
    tp.threads = 1;
    return orl_test_trainer(&tp, 8);
}

typedef struct poison {
    orl_trainer *t;
    uint64_t at_step; /* poison after this step */
    int cancel;       /* then cancel the fit */
    float value;
} poison;

static int poison_cb(const orl_progress *p, void *user)
{
    poison *z = user;
    if (p->end_of_epoch || p->step != z->at_step) return 0;
    orl_params *w = orl_trainer_policy_params(z->t);
    assert_non_null(w);
    w->value[w->count / 2] = z->value; /* a weight in the middle of the store */
    return z->cancel;
}

static void test_divergence_mid_epoch_stops_the_fit(void **state)
{
    (void)state;
    orl_dataset *ds = make_data(0.0f);
    orl_trainer *t = make_trainer("sl", 2, 0.01f);
    poison z = {t, 2, 0, NAN};
    assert_orl_ok(orl_trainer_set_progress_callback(t, poison_cb, &z));
    assert_int_equal(orl_trainer_fit(t, ds, NULL), ORL_E_NUMERIC);
    print_message("fit: %s\n", orl_last_error());
    assert_non_null(strstr(orl_last_error(), "learning rate"));
    orl_model *m = (orl_model *)(uintptr_t)1;
    assert_int_equal(orl_trainer_export_model(t, &m), ORL_E_STATE);
    assert_ptr_equal(m, (orl_model *)(uintptr_t)1);
    /* The trainer is usable again: a fresh fit succeeds. */
    assert_orl_ok(orl_trainer_set_progress_callback(t, NULL, NULL));
    assert_orl_ok(orl_trainer_fit(t, ds, NULL));
    orl_trainer_free(t);
    orl_dataset_free(ds);
}

static void test_divergence_in_the_last_update_is_caught_at_the_epoch_end(void **state)
{
    (void)state;
    orl_dataset *ds = make_data(0.0f);
    orl_trainer *t = make_trainer("sl", 1, 0.01f);
    uint64_t steps = (N_SESS * LEN + 31) / 32;
    poison z = {t, steps, 0, INFINITY}; /* after the last step: no later loss sees it */
    assert_orl_ok(orl_trainer_set_progress_callback(t, poison_cb, &z));
    assert_int_equal(orl_trainer_fit(t, ds, NULL), ORL_E_NUMERIC);
    print_message("fit: %s\n", orl_last_error());
    assert_non_null(strstr(orl_last_error(), "infinite"));
    assert_non_null(strstr(orl_last_error(), "epoch 1"));
    orl_trainer_free(t);
    orl_dataset_free(ds);
}

static void test_cancelled_fit_with_poisoned_weights_cannot_be_exported(void **state)
{
    (void)state;
    orl_dataset *ds = make_data(0.0f);
    orl_trainer *t = make_trainer("sl", 1, 0.01f);
    poison z = {t, 3, 1, NAN};
    assert_orl_ok(orl_trainer_set_progress_callback(t, poison_cb, &z));
    assert_int_equal(orl_trainer_fit(t, ds, NULL), ORL_E_CANCELLED);
    orl_model *m = NULL;
    assert_int_equal(orl_trainer_export_model(t, &m), ORL_E_NUMERIC);
    assert_null(m);
    orl_trainer_free(t);
    orl_dataset_free(ds);
}

static orl_model *trained_model(void)
{
    orl_dataset *ds = make_data(0.0f);
    orl_trainer *t = make_trainer("sl", 1, 0.01f);
    assert_orl_ok(orl_trainer_fit(t, ds, NULL));
    orl_model *m = NULL;
    assert_orl_ok(orl_trainer_export_model(t, &m));
    orl_trainer_free(t);
    orl_dataset_free(ds);
    return m;
}

static void test_a_model_with_nan_weights_is_not_saved(void **state)
{
    (void)state;
    orl_model *m = trained_model();
    char path[512];
    orl_test_tmp_path("hard_numerics_keep.orlm", path, sizeof path);
    assert_orl_ok(orl_model_save(m, path));
    orl_params *w = orl_sl_net_params(m->net);
    float keep = w->value[3];
    w->value[3] = NAN;
    assert_int_equal(orl_model_save(m, path), ORL_E_NUMERIC);
    size_t need = 0;
    assert_int_equal(orl_model_save_buffer(m, NULL, 0, &need), ORL_E_NUMERIC);
    w->value[3] = keep;
    orl_model *back = NULL;
    assert_orl_ok(orl_model_load(path, &back)); /* the earlier file is intact */
    orl_model_free(back);
    orl_model_free(m);
    remove(path);
}

static void test_loading_refuses_non_finite_weights(void **state)
{
    (void)state;
    orl_model *m = trained_model();
    size_t len = 0;
    assert_orl_ok(orl_model_save_buffer(m, NULL, 0, &len));
    /* 64-byte aligned, so that the reader borrows it (an unaligned buffer is
     * copied, and the blob's offset would then not be one into buf). */
    uint8_t *buf = aligned_alloc(64, (len + 63) & ~(size_t)63);
    assert_orl_ok(orl_model_save_buffer(m, buf, len, &len));
    orl_model_free(m);
    orl_container_reader *r = NULL;
    assert_orl_ok(orl_container_open_buffer_view(buf, len, "ORLM", 1, &r));
    assert_true(orl_container_is_borrowed(r));
    orl_blob_view v;
    assert_orl_ok(orl_container_get_blob_typed(r, "weights", ORL_DTYPE_F32, UINT64_MAX, &v));
    size_t off = (size_t)((const uint8_t *)v.data - buf);
    uint64_t count = v.count;
    orl_container_reader_free(r);
    const float bad[3] = {NAN, INFINITY, -INFINITY};
    char path[512];
    orl_test_tmp_path("hard_numerics_bad.orlm", path, sizeof path);
    for (int i = 0; i < 3; i++) {
        uint8_t *copy = malloc(len);
        memcpy(copy, buf, len);
        memcpy(copy + off + sizeof(float) * (size_t)(count - 1 - (uint64_t)i), &bad[i],
               sizeof(float));
        /* A valid checksum: only the finiteness check stands in the way. */
        uint64_t sum = orl_xxh64(copy, len - 8, 0);
        for (int b = 0; b < 8; b++) copy[len - 8 + (size_t)b] = (uint8_t)(sum >> (8 * b));
        orl_model *out = NULL;
        assert_int_equal(orl_model_load_buffer(copy, len, &out), ORL_E_NUMERIC);
        assert_null(out);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(copy, 1, len, f), len);
        fclose(f);
        assert_int_equal(orl_model_load(path, &out), ORL_E_NUMERIC);
        assert_null(out);
        assert_non_null(strstr(orl_last_error(), i == 0 ? "NaN" : "infinite"));
        free(copy);
    }
    remove(path);
    free(buf);
}

/* Absurd settings for every algorithm: the largest learning rate and rewards
 * near the float limit. Either the fit ends with a finite model whose scores
 * are finite and which saves and loads, or it stops with ORL_E_NUMERIC. */
static void test_absurd_settings_never_yield_nan_scores(void **state)
{
    (void)state;
    char names[256];
    snprintf(names, sizeof names, "%s", orl_algo_names());
    orl_dataset *ds = make_data(3e38f);
    char path[512];
    orl_test_tmp_path("hard_numerics_absurd.orlm", path, sizeof path);
    for (char *algo = strtok(names, ", "); algo; algo = strtok(NULL, ", ")) {
        orl_trainer *t = make_trainer(algo, 3, 10.0f);
        int s = orl_trainer_fit(t, ds, NULL);
        print_message("%s, lr 10, rewards +-3e38: %s%s%s\n", algo, orl_status_string(s),
                      s ? ": " : "", s ? orl_last_error() : "");
        assert_true(s == ORL_OK || s == ORL_E_NUMERIC);
        orl_model *m = NULL;
        if (s == ORL_OK) {
            assert_orl_ok(orl_trainer_export_model(t, &m));
            for (int64_t h = 0; h < N_ITEMS; h++) {
                int64_t hist[2] = {h, (h * 3) % N_ITEMS}, items[N_ITEMS];
                float scores[N_ITEMS];
                assert_orl_ok(orl_model_recommend(m, hist, 2, N_ITEMS, items, scores, NULL));
                for (int i = 0; i < N_ITEMS; i++) assert_true(isfinite(scores[i]));
            }
            assert_orl_ok(orl_model_save(m, path));
            orl_model *back = NULL;
            assert_orl_ok(orl_model_load(path, &back));
            orl_model_free(back);
        } else {
            assert_int_not_equal(orl_trainer_export_model(t, &m), ORL_OK);
            assert_null(m);
        }
        orl_model_free(m);
        orl_trainer_free(t);
    }
    orl_dataset_free(ds);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_divergence_mid_epoch_stops_the_fit),
        cmocka_unit_test(test_divergence_in_the_last_update_is_caught_at_the_epoch_end),
        cmocka_unit_test(test_cancelled_fit_with_poisoned_weights_cannot_be_exported),
        cmocka_unit_test(test_a_model_with_nan_weights_is_not_saved),
        cmocka_unit_test(test_loading_refuses_non_finite_weights),
        cmocka_unit_test(test_absurd_settings_never_yield_nan_scores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
