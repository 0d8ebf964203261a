/* Issue 20 item 7: one rule per condition across the API.
 * - Size queries (buf NULL, buf_len 0) are ORL_OK with the size and leave the last error alone;
 *   a short non-NULL buffer is ORL_E_BUFFER_TOO_SMALL (DESIGN.md 3.4).
 * - Every loader reports a missing file as ORL_E_NOT_FOUND.
 * - The algorithm name is required: no silent default. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

typedef struct fixture {
    orl_dataset *ds;
    orl_encoder *enc;
    orl_trainer *trainer;
    orl_model *model;
    orl_eval_result eval;
} fixture;

static fixture F;

static int setup(void **state)
{
    (void)state;
    memset(&F, 0, sizeof F);
    F.ds = orl_test_chain_dataset(12, 40, 5, 5, 1);
    F.enc = orl_test_encoder(NULL, 8);
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 1;
    tp.batch_size = 32;
    tp.threads = 1;
    if (orl_trainer_create(&tp, F.enc, NULL, NULL, &F.trainer) != ORL_OK) return -1;
    if (orl_trainer_fit(F.trainer, F.ds, NULL) != ORL_OK) return -1;
    if (orl_trainer_export_model(F.trainer, &F.model) != ORL_OK) return -1;
    F.eval.struct_size = sizeof F.eval;
    if (orl_model_evaluate(F.model, F.ds, 1, &F.eval) != ORL_OK) return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    orl_model_free(F.model);
    orl_trainer_free(F.trainer);
    orl_encoder_free(F.enc);
    orl_dataset_free(F.ds);
    return 0;
}

/* One call of a (buf, buf_len, out_len) function. */
typedef int (*sized_fn)(void *buf, size_t buf_len, size_t *out_len);

static int f_trainer_config(void *b, size_t n, size_t *o)
{
    return orl_trainer_config_json(F.trainer, b, n, o);
}
static int f_trainer_history(void *b, size_t n, size_t *o)
{
    return orl_trainer_history_json(F.trainer, b, n, o);
}
static int f_model_info(void *b, size_t n, size_t *o)
{
    return orl_model_info_json(F.model, b, n, o);
}
static int f_model_save_buffer(void *b, size_t n, size_t *o)
{
    return orl_model_save_buffer(F.model, b, n, o);
}
static int f_eval_result(void *b, size_t n, size_t *o)
{
    return orl_eval_result_json(&F.eval, b, n, o);
}
static int f_encoder_config(void *b, size_t n, size_t *o)
{
    return orl_encoder_config_json(F.enc, b, n, o);
}
static int f_dataset_stats(void *b, size_t n, size_t *o)
{
    return orl_dataset_stats_json(F.ds, b, n, o);
}
static int f_dataset_item_key(void *b, size_t n, size_t *o)
{
    return orl_dataset_item_key(F.ds, 3, b, n, o);
}

static const struct {
    const char *name;
    sized_fn fn;
} SIZED[] = {
    {"orl_trainer_config_json", f_trainer_config}, {"orl_trainer_history_json", f_trainer_history},
    {"orl_model_info_json", f_model_info},         {"orl_model_save_buffer", f_model_save_buffer},
    {"orl_eval_result_json", f_eval_result},       {"orl_encoder_config_json", f_encoder_config},
    {"orl_dataset_stats_json", f_dataset_stats},   {"orl_dataset_item_key", f_dataset_item_key},
};

/* A known failure to compare the last error with. */
static void set_known_error(void)
{
    int32_t id = 0;
    assert_int_equal(orl_dataset_item_id_i64(F.ds, -424242, &id), ORL_E_NOT_FOUND);
}

static void test_size_query_is_ok_and_leaves_the_last_error(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SIZED / sizeof SIZED[0]; i++) {
        print_message("%s\n", SIZED[i].name);
        set_known_error();
        char before[512];
        snprintf(before, sizeof before, "%s", orl_last_error());
        size_t need = 0;
        assert_int_equal(SIZED[i].fn(NULL, 0, &need), ORL_OK);
        assert_true(need > 1);
        assert_string_equal(orl_last_error(), before);
        assert_int_equal(orl_last_status(), ORL_E_NOT_FOUND);

        /* A non-NULL buffer one byte short, or of length 0: too small, the size reported,
         * the buffer untouched. */
        char *buf = malloc(need);
        assert_non_null(buf);
        memset(buf, 'x', need);
        size_t got = 0;
        assert_int_equal(SIZED[i].fn(buf, need - 1, &got), ORL_E_BUFFER_TOO_SMALL);
        assert_int_equal(got, need);
        assert_int_equal(orl_last_status(), ORL_E_BUFFER_TOO_SMALL);
        assert_int_equal(buf[0], 'x');
        got = 0;
        assert_int_equal(SIZED[i].fn(buf, 0, &got), ORL_E_BUFFER_TOO_SMALL);
        assert_int_equal(got, need);
        /* NULL with a length is a misuse, not a size query. */
        assert_int_equal(SIZED[i].fn(NULL, need, &got), ORL_E_INVALID_ARGUMENT);
        /* The exact size: fine. */
        got = 0;
        assert_orl_ok(SIZED[i].fn(buf, need, &got));
        assert_int_equal(got, need);
        free(buf);
    }
}

static void test_missing_file_is_not_found_for_every_loader(void **state)
{
    (void)state;
    char path[512], nested[512];
    orl_test_tmp_path("no-such-file-issue20.bin", path, sizeof path);
    orl_test_tmp_path("no-such-dir-issue20/file.bin", nested, sizeof nested);
    remove(path);
    const char *paths[] = {path, nested};
    for (size_t k = 0; k < 2; k++) {
        const char *p = paths[k];
        orl_model *m = NULL;
        assert_int_equal(orl_model_load(p, &m), ORL_E_NOT_FOUND);
        assert_null(m);
        assert_non_null(strstr(orl_last_error(), p));

        orl_dataset *loaded = NULL;
        assert_int_equal(orl_dataset_load(p, &loaded), ORL_E_NOT_FOUND);
        assert_null(loaded);
        assert_non_null(strstr(orl_last_error(), p));

        orl_dataset *ds = NULL;
        assert_orl_ok(orl_dataset_create(NULL, &ds));
        assert_int_equal(orl_dataset_load_csv(ds, p, NULL, NULL), ORL_E_NOT_FOUND);
        assert_non_null(strstr(orl_last_error(), p));
        assert_int_equal(orl_dataset_load_jsonl(ds, p, 1, NULL), ORL_E_NOT_FOUND);
        assert_non_null(strstr(orl_last_error(), p));
        orl_dataset_free(ds);
    }
}

static void test_algorithm_is_required(void **state)
{
    (void)state;
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    assert_null(tp.algorithm);       /* no silent default */
    assert_int_equal(tp.epochs, 10); /* optional settings keep theirs */
    orl_trainer *t = NULL;
    assert_int_equal(orl_trainer_create(&tp, F.enc, NULL, NULL, &t), ORL_E_INVALID_ARGUMENT);
    assert_null(t);
    assert_non_null(strstr(orl_last_error(), "algorithm"));
    assert_int_equal(orl_trainer_create(NULL, F.enc, NULL, NULL, &t), ORL_E_INVALID_ARGUMENT);
    assert_null(t);
    assert_non_null(strstr(orl_last_error(), "algorithm"));
    tp.algorithm = "sl";
    assert_orl_ok(orl_trainer_create(&tp, F.enc, NULL, NULL, &t));
    orl_trainer_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_size_query_is_ok_and_leaves_the_last_error),
        cmocka_unit_test(test_missing_file_is_not_found_for_every_loader),
        cmocka_unit_test(test_algorithm_is_required),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
