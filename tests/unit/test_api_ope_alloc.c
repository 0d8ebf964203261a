/* Allocation failures of orl_model_estimate_value on the paths the sweep of
 * test_api_ope.c leaves out (it runs the item-mean reward model and logged or
 * given propensities): the FQE fits (gamma 0 for DM/DR, gamma 1 for seq_dr
 * and fqe), the fitted behaviour model (ORL_OPE_BEHAVIOUR_FIT), each on
 * event logs and on display logs (FQE on the displays). Every allocation
 * fails in turn: ORL_E_NOMEM with a message about memory, *out untouched, no
 * block leaked; then the call succeeds. One thread, so the order of
 * allocations is fixed; tiny logs and networks keep the sweeps short. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "test_support.h"

typedef struct fixture {
    orl_dataset *events, *displays;
    orl_model *model;
    orl_encoder *enc;
} fixture;

static orl_dataset *sim_logs(int displays)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.seed = 4;
    sp.n_items = 20;
    sp.n_clusters = 4;
    sp.n_users = 20;
    sp.min_steps = 1;
    sp.max_steps = 4;
    sp.log_skips = !displays;
    sp.log_impressions = displays;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    assert_orl_ok(orl_sim_generate(sim, 40, ds));
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_sim_free(sim);
    return ds;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->events = sim_logs(0);
    f->displays = sim_logs(1);
    uint64_t n = 0;
    assert_orl_ok(orl_dataset_display_count(f->displays, &n));
    assert_true(n > 0);
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 1;
    tp.seed = 1;
    tp.threads = 1;
    f->model = orl_test_fit_model(&tp, 4, f->events);
    orl_encoder_params ep;
    orl_encoder_params_init(&ep);
    ep.embed_dim = ep.hidden_dim = 4;
    assert_orl_ok(orl_encoder_create(&ep, &f->enc));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    orl_model_free(f->model);
    orl_encoder_free(f->enc);
    orl_dataset_free(f->events);
    orl_dataset_free(f->displays);
    free(f);
    return 0;
}

static void sweep(const fixture *f, const orl_dataset *ds, const orl_ope_params *p,
                  const char *what)
{
    const int64_t live = orl_alloc_live_blocks();
    uint64_t failures = 0;
    for (int64_t k = 0;; k++) {
        orl_ope_result *r = (orl_ope_result *)(void *)&failures; /* must stay as it is */
        orl_ope_result *const sentinel = r;
        orl_alloc_fail_after(k);
        const uint64_t injected0 = orl_alloc_injected_failures();
        int s = orl_model_estimate_value(f->model, ds, p, &r);
        const int injected = orl_alloc_injected_failures() > injected0;
        orl_alloc_fail_after(-1);
        if (s == ORL_OK) {
            orl_ope_result_free(r);
            if (!injected) break;
            continue; /* a failure the call recovered from (none expected, but allowed) */
        }
        if (s != ORL_E_NOMEM)
            fail_msg("%s, k=%lld: %d %s", what, (long long)k, s, orl_last_error());
        if (!strstr(orl_last_error(), "memory")) /* a message that says what failed */
            fail_msg("%s, k=%lld: '%s'", what, (long long)k, orl_last_error());
        assert_ptr_equal(r, sentinel);
        assert_int_equal(orl_alloc_live_blocks(), live);
        failures++;
    }
    assert_int_equal(orl_alloc_live_blocks(), live);
    print_message("%s: survived %llu allocation failures\n", what, (unsigned long long)failures);
    assert_true(failures > 20);
}

static orl_ope_params params(const fixture *f)
{
    orl_ope_params p;
    orl_ope_params_init(&p);
    p.threads = 1;
    p.interval = ORL_OPE_INTERVAL_NORMAL;
    p.fqe_epochs = 1;
    p.fqe_batch = 64;
    p.fqe_encoder = f->enc;
    return p;
}

static void test_fqe_fits(void **state)
{
    fixture *f = *state;
    orl_ope_params p = params(f);
    p.estimators = "dm,dr,seq_dr,fqe"; /* FQE with gamma 0 and with gamma 1 */
    p.behaviour = ORL_OPE_BEHAVIOUR_MODEL;
    p.behaviour_model = f->model;
    sweep(f, f->events, &p, "event logs, FQE");
    sweep(f, f->displays, &p, "display logs, FQE on the displays");
}

static void test_fitted_behaviour(void **state)
{
    fixture *f = *state;
    orl_ope_params p = params(f);
    p.estimators = "ips,snips";
    p.behaviour = ORL_OPE_BEHAVIOUR_FIT;
    sweep(f, f->events, &p, "event logs, fitted behaviour");
    sweep(f, f->displays, &p, "display logs, fitted behaviour");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fqe_fits),
        cmocka_unit_test(test_fitted_behaviour),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
