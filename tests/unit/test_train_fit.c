/* The training loop on its own (train/fit.h): no trainer handle, only the
 * algorithm class, a dataset, the hooks and the interrupt flag. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "algos/algo.h"
#include "core/error.h"
#include "core/rng.h"
#include "train/fit.h"
#include "test_support.h"

enum { WINDOW = 4, EPOCHS = 2, BATCH = 32, N_ITEMS = 20 };

static orl_dataset *make_dataset(void)
{
    orl_dataset_params p;
    orl_dataset_params_init(&p);
    p.window = WINDOW;
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(&p, &ds));
    int32_t click;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    orl_rng r;
    orl_rng_init(&r, 9, 0);
    for (int64_t s = 0; s < 40; s++)
        for (int64_t t = 0; t < 5; t++) {
            int64_t item = orl_rng_below(&r, N_ITEMS);
            assert_orl_ok(orl_dataset_add_events_i64(ds, 1, &s, &item, &t, &click, NULL, NULL));
        }
    assert_orl_ok(orl_dataset_finalize(ds));
    return ds; /* 200 transitions: 7 steps per epoch */
}

typedef struct hooks_log {
    int reports, end_of_epoch, cancel_at, validations, validate_status;
    atomic_int *raise_at_report; /* set this flag on report 1 */
} hooks_log;

static int on_progress(const orl_fit_progress *p, void *user)
{
    hooks_log *h = user;
    h->end_of_epoch += p->end_of_epoch;
    assert_int_equal(p->validation != NULL, p->end_of_epoch); /* every test here validates */
    if (h->raise_at_report && h->reports == 1) atomic_store(h->raise_at_report, 1);
    return ++h->reports == h->cancel_at;
}

static int on_validate(void *user, orl_eval_result *out)
{
    hooks_log *h = user;
    if (h->validate_status != ORL_OK) return orl_fail(h->validate_status, "validation failed");
    memset(out, 0, sizeof *out);
    out->click_count = (uint64_t)++h->validations;
    return ORL_OK;
}

typedef struct fixture {
    orl_dataset *ds;
    orl_encoder_spec enc;
    orl_fit_config cfg;
    orl_fit_state st;
    hooks_log log;
    orl_fit_hooks hooks;
    atomic_int interrupt;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->ds = make_dataset();
    orl_encoder_spec_default(&f->enc);
    f->enc.embed_dim = f->enc.hidden_dim = 8;
    f->enc.window = WINDOW;
    f->cfg = (orl_fit_config){.algo = orl_algo_find("sl"),
                              .encoder = &f->enc,
                              .epochs = EPOCHS,
                              .batch_size = BATCH,
                              .learning_rate = 0.01f,
                              .seed = 3,
                              .threads = 1};
    orl_fit_state_init(&f->st);
    f->log.cancel_at = -1;
    atomic_init(&f->interrupt, 0);
    f->hooks = (orl_fit_hooks){on_progress, &f->log, on_validate, &f->log, &f->interrupt};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    orl_fit_state_free(&f->st);
    orl_dataset_free(f->ds);
    free(f);
    return 0;
}

static void test_fit_reports_and_records_every_epoch(void **state)
{
    fixture *f = *state;
    assert_orl_ok(orl_fit(&f->st, &f->cfg, f->ds, &f->hooks));
    assert_int_equal(f->log.reports, EPOCHS * 7 + EPOCHS);
    assert_int_equal(f->log.end_of_epoch, EPOCHS);
    assert_true(f->st.fitted);
    assert_non_null(orl_fit_policy(&f->st));
    assert_int_equal(f->st.n_items, N_ITEMS);
    assert_int_equal(f->st.history.len, EPOCHS);
    for (uint32_t i = 0; i < EPOCHS; i++) {
        const orl_epoch_record *r = &f->st.history.records[i];
        assert_int_equal(r->epoch, i + 1);
        assert_true(r->has_validation && r->validation.click_count == i + 1);
        assert_true(r->loss > 0);
    }
}

/* Same seed, same weights: the loop adds no state of its own between fits. */
static void test_refit_is_deterministic(void **state)
{
    fixture *f = *state;
    f->hooks = (orl_fit_hooks){0};
    assert_orl_ok(orl_fit(&f->st, &f->cfg, f->ds, &f->hooks));
    const orl_params *p = orl_fit_policy(&f->st);
    float *first = malloc(sizeof(float) * p->count);
    memcpy(first, p->value, sizeof(float) * p->count);
    assert_orl_ok(orl_fit(&f->st, &f->cfg, f->ds, &f->hooks));
    p = orl_fit_policy(&f->st);
    assert_memory_equal(first, p->value, sizeof(float) * p->count);
    assert_int_equal(f->st.history.len, EPOCHS);
    assert_false(f->st.history.records[0].has_validation);
    free(first);
}

static void test_interrupt_before_fit_cancels_and_clears(void **state)
{
    fixture *f = *state;
    atomic_store(&f->interrupt, 1);
    assert_int_equal(orl_fit(&f->st, &f->cfg, f->ds, &f->hooks), ORL_E_CANCELLED);
    assert_int_equal(atomic_load(&f->interrupt), 0);
    assert_false(f->st.fitted);
    assert_int_equal(f->st.history.len, 0);
    assert_int_equal(f->log.reports, 0);
}

/* An interrupt raised during a step stops the next one; the weights stay. */
static void test_interrupt_during_fit_keeps_weights(void **state)
{
    fixture *f = *state;
    f->log.raise_at_report = &f->interrupt;
    assert_int_equal(orl_fit(&f->st, &f->cfg, f->ds, &f->hooks), ORL_E_CANCELLED);
    assert_int_equal(f->log.reports, 2);
    assert_true(f->st.fitted);
    assert_non_null(orl_fit_policy(&f->st));
    assert_int_equal(atomic_load(&f->interrupt), 0);
}

static void test_progress_cancel_after_first_epoch(void **state)
{
    fixture *f = *state;
    f->log.cancel_at = 8; /* 7 steps, then the epoch's closing report */
    assert_int_equal(orl_fit(&f->st, &f->cfg, f->ds, &f->hooks), ORL_E_CANCELLED);
    assert_true(f->st.fitted);
    assert_int_equal(f->st.history.len, 1);
}

/* A failed validation fails the fit: its status, and no instance is kept. */
static void test_validation_failure_drops_instance(void **state)
{
    fixture *f = *state;
    f->log.validate_status = ORL_E_IO;
    assert_int_equal(orl_fit(&f->st, &f->cfg, f->ds, &f->hooks), ORL_E_IO);
    assert_false(f->st.fitted);
    assert_null(orl_fit_policy(&f->st));
    assert_int_equal(f->st.history.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fit_reports_and_records_every_epoch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refit_is_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupt_before_fit_cancels_and_clears, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_interrupt_during_fit_keeps_weights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress_cancel_after_first_epoch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validation_failure_drops_instance, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
