/* SASRec learns: the supervised trainer ("sl") with the SASRec encoder
 * (reference settings: 1 block, 1 head, dropout 0.1), trained for EPOCHS
 * epochs on the logs of TRAIN simulated sessions, ranks the clicks of TEST
 * held-out sessions far better than popularity (the peer's "pop" baseline:
 * items by training frequency), in each of SEEDS worlds. */
#include <string.h>

#include "api/sim_handle.h"
#include "sim/sim_log.h"
#include "test_support.h"

enum { ITEMS = 300, TRAIN = 4000, TEST = 1000, EPOCHS = 4, SEEDS = 3 };

/* Click HR@10 of popularity on the test sessions [TRAIN, TRAIN + TEST):
 * the share of their clicks whose item is among the 10 most frequent
 * items of the training sessions [0, TRAIN) (ties: lower id). */
static double popularity_hr10(const orl_sim *sim, uint64_t *n_clicks)
{
    orl_sim_events tr, te;
    memset(&tr, 0, sizeof tr);
    memset(&te, 0, sizeof te);
    assert_orl_ok(orl_sim_log_sessions(sim->world, 0, TRAIN, &tr));
    assert_orl_ok(orl_sim_log_sessions(sim->world, TRAIN, TEST, &te));
    static uint64_t count[ITEMS];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < tr.n; i++)
        if (tr.kind[i] != ORL_SIM_SKIP) count[tr.item[i]]++;
    unsigned char top[ITEMS] = {0};
    for (int k = 0; k < 10; k++) {
        int best = -1;
        for (int i = 0; i < ITEMS; i++)
            if (!top[i] && (best < 0 || count[i] > count[best])) best = i;
        top[best] = 1;
    }
    uint64_t clicks = 0, hits = 0;
    for (size_t i = 0; i < te.n; i++)
        if (te.kind[i] == ORL_SIM_CLICK) {
            clicks++;
            hits += top[te.item[i]];
        }
    orl_sim_events_free(&tr);
    orl_sim_events_free(&te);
    *n_clicks = clicks;
    return (double)hits / (double)clicks;
}

static void test_sasrec_beats_popularity(void **state)
{
    (void)state;
    double gap_sum = 0.0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        orl_sim_params sp;
        orl_sim_params_init(&sp);
        sp.n_items = ITEMS;
        sp.n_clusters = ITEMS / 10;
        sp.seed = seed;
        orl_sim *sim = NULL;
        assert_orl_ok(orl_sim_create(&sp, &sim));
        orl_dataset *train = NULL, *test = NULL; /* sessions [0, TRAIN), then the next TEST */
        assert_orl_ok(orl_dataset_create(NULL, &train));
        assert_orl_ok(orl_sim_generate(sim, TRAIN, train));
        assert_orl_ok(orl_dataset_finalize(train));
        assert_orl_ok(orl_dataset_create(NULL, &test));
        assert_orl_ok(orl_sim_generate(sim, TEST, test));
        assert_orl_ok(orl_dataset_finalize(test));
        uint64_t pop_clicks = 0;
        const double pop = popularity_hr10(sim, &pop_clicks);

        orl_encoder *enc = orl_test_encoder("sasrec", 0); /* the reference's settings */
        orl_model *m = orl_test_train(enc, "sl", EPOCHS, seed, train);
        orl_encoder_free(enc);
        orl_eval_result r = {.struct_size = sizeof r};
        assert_orl_ok(orl_model_evaluate(m, test, 2, &r));
        print_message("seed %llu: held-out click HR@10 sasrec %.4f, popularity %.4f (%+.4f; %llu "
                      "clicks)\n",
                      (unsigned long long)seed, r.click_hr[1], pop, r.click_hr[1] - pop,
                      (unsigned long long)r.click_count);
        assert_int_equal(pop_clicks, r.click_count); /* the same held-out clicks */
        /* Measured over seeds 1..8: gaps +0.186 .. +0.258 (mean +0.225, sd 0.021; GRU4Rec
         * on the same logs +0.215). Asserted: +0.12 in every world, 3 sd below the
         * smallest gap seen. */
        assert_true(r.click_hr[1] - pop > 0.12);
        gap_sum += r.click_hr[1] - pop;
        orl_model_free(m);
        orl_dataset_free(train);
        orl_dataset_free(test);
        orl_sim_free(sim);
    }
    print_message("mean gap over %d seeds: %+.4f\n", SEEDS, gap_sum / SEEDS);
    /* Seeds 1..3 measured +0.225 (the mean of a 3-seed mean varies by ~0.012): assert +0.18. */
    assert_true(gap_sum / SEEDS > 0.18);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sasrec_beats_popularity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
