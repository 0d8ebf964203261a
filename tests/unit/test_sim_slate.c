/* Slates in the simulator: the Plackett-Luce logging slate and its exact
 * propensities (inclusion integral against enumeration), the user's choice
 * model, logged frequencies, rollouts of slates and the new params' checks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/sim_handle.h"
#include "core/alloc.h"
#include "sim/sim_log.h"
#include "sim/sim_rollout.h"
#include "sim/sim_slate.h"
#include "test_support.h"

/* Brute force: every ordered slate of K distinct items, its PL probability,
 * summed per item into incl and in total into *total. */
static void enumerate(const double *p, uint32_t n, uint32_t K, uint32_t depth, uint32_t *slate,
                      double prob, double taken, double *incl, double *total)
{
    if (depth == K) {
        for (uint32_t k = 0; k < K; k++) incl[slate[k]] += prob;
        *total += prob;
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        int used = 0;
        for (uint32_t k = 0; k < depth; k++) used |= slate[k] == i;
        if (used) continue;
        slate[depth] = i;
        enumerate(p, n, K, depth + 1, slate, prob * p[i] / (1.0 - taken), taken + p[i], incl,
                  total);
    }
}

static void normalise(double *p, uint32_t n)
{
    double z = 0;
    for (uint32_t i = 0; i < n; i++) z += p[i];
    for (uint32_t i = 0; i < n; i++) p[i] /= z;
}

/* The logging distribution of a small world at one context. */
static void world_probs(uint32_t n_items, uint64_t seed, double *p)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.n_items = n_items;
    sp.n_clusters = 3;
    sp.seed = seed;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    double scratch[64];
    orl_sim_logctx lc;
    orl_sim_logctx_init(sim->world, &lc, 2, scratch);
    orl_sim_logctx_set_last(sim->world, &lc, 1);
    orl_sim_log_probs_all(sim->world, &lc, p);
    orl_sim_free(sim);
}

static void test_inclusion_matches_enumeration(void **state)
{
    (void)state;
    double worst = 0;
    for (int c = 0; c < 6; c++) {
        uint32_t n = c < 3 ? 7 : 8, K = 2 + (uint32_t)c % 4;
        double p[8], incl[8] = {0}, got[8], total = 0;
        uint32_t items[8], slate[8];
        uint8_t mark[8] = {0};
        if (c == 0) { /* skewed, with tiny weights */
            const double v[7] = {0.6, 0.25, 0.1, 0.04, 0.009, 0.000999, 0.000001};
            memcpy(p, v, sizeof v);
        } else if (c < 3) {
            for (uint32_t i = 0; i < n; i++) p[i] = 1.0 / (1 + i * c);
            normalise(p, n);
        } else {
            world_probs(n, (uint64_t)c, p);
            normalise(p, n); /* the floor aside, they already sum to 1 */
        }
        enumerate(p, n, K, 0, slate, 1.0, 0.0, incl, &total);
        assert_true(fabs(total - 1.0) < 1e-12); /* slate probabilities sum to 1 */
        for (uint32_t i = 0; i < n; i++) items[i] = i;
        orl_sim_pl_inclusion(p, n, K, items, n, mark, got);
        double sum = 0;
        for (uint32_t i = 0; i < n; i++) {
            double err = fabs(got[i] - incl[i]);
            if (err > worst) worst = err;
            sum += got[i];
            assert_int_equal(mark[i], 0);
        }
        assert_true(fabs(sum - K) < 1e-8);
        /* A subset of listed items gives the same values. */
        uint32_t sub[3] = {n - 1, 0, 2};
        double sub_got[3];
        orl_sim_pl_inclusion(p, n, K, sub, 3, mark, sub_got);
        for (int a = 0; a < 3; a++) assert_true(fabs(sub_got[a] - incl[sub[a]]) < 1e-9);
    }
    print_message("  inclusion integral vs enumeration: max error %.2e (bound 1e-6)\n", worst);
    assert_true(worst < 1e-9);
}

/* The slate probability of orl_sim_pl_slate_prob over every ordered slate. */
static void sum_slates(const double *p, uint32_t n, uint32_t K, uint32_t depth, uint32_t *slate,
                       double *total)
{
    if (depth == K) {
        double beta[8];
        for (uint32_t k = 0; k < K; k++) beta[k] = p[slate[k]];
        *total += orl_sim_pl_slate_prob(beta, K);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        int used = 0;
        for (uint32_t k = 0; k < depth; k++) used |= slate[k] == i;
        if (used) continue;
        slate[depth] = i;
        sum_slates(p, n, K, depth + 1, slate, total);
    }
}

static void test_slate_probs_sum_to_one(void **state)
{
    (void)state;
    double p[8];
    uint32_t slate[8];
    world_probs(8, 5, p);
    for (uint32_t K = 1; K <= 4; K++) {
        double total = 0;
        sum_slates(p, 8, K, 0, slate, &total);
        assert_true(fabs(total - 1.0) < 1e-9);
    }
}

/* At 1,000 items and K = 10 enumeration is out of reach: the rule against
 * itself at half the step, and the sum over every item. */
static void test_inclusion_converged_at_1000_items(void **state)
{
    (void)state;
    const uint32_t n = 1000, K = 10;
    double *p = malloc(n * sizeof *p), *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    uint32_t *items = malloc(n * sizeof *items);
    uint8_t *mark = calloc(n, 1);
    world_probs(n, 9, p);
    for (uint32_t i = 0; i < n; i++) items[i] = i;
    orl_sim_pl_inclusion(p, n, K, items, n, mark, a);
    orl_sim_pl_inclusion_step(p, n, K, items, n, mark, b, ORL_SIM_PL_STEP / 2);
    double worst = 0, sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (fabs(a[i] - b[i]) > worst) worst = fabs(a[i] - b[i]);
        sum += a[i];
    }
    print_message("  1000 items, K = 10: |h - h/2| max %.2e, sum of inclusions - K = %.2e\n", worst,
                  sum - K);
    assert_true(worst < 1e-9);
    assert_true(fabs(sum - K) < 1e-7);
    free(p);
    free(a);
    free(b);
    free(items);
    free(mark);
}

/* Empirical inclusion frequencies of PL draws against the integral:
 * a z-test per item at |z| <= 4.5 (a false alarm about once in 10^5 per item). */
static void test_sampled_frequencies_match_inclusion(void **state)
{
    (void)state;
    const uint32_t n = 30, K = 5, N = 200000;
    double p[30], incl[30], beta[5];
    uint32_t items[30], slate[5], count[30] = {0};
    uint8_t mark[30] = {0};
    world_probs(n, 4, p);
    for (uint32_t i = 0; i < n; i++) items[i] = i;
    orl_sim_pl_inclusion(p, n, K, items, n, mark, incl);
    orl_rng rng;
    orl_rng_init(&rng, 77, 1);
    for (uint32_t t = 0; t < N; t++) {
        orl_sim_pl_sample(p, n, K, &rng, slate, beta);
        for (uint32_t k = 0; k < K; k++) {
            count[slate[k]]++;
            assert_true(beta[k] == p[slate[k]]);
            for (uint32_t j = 0; j < k; j++) assert_true(slate[j] != slate[k]);
        }
    }
    double zmax = 0;
    for (uint32_t i = 0; i < n; i++) {
        double f = (double)count[i] / N, se = sqrt(incl[i] * (1 - incl[i]) / N);
        double z = fabs(f - incl[i]) / se;
        if (z > zmax) zmax = z;
    }
    print_message("  PL draws: max |z| of inclusion frequencies %.2f over %u items\n", zmax, n);
    assert_true(zmax < 4.5);
}

/* Float weights (a rule's probabilities): distinct draws whose inclusion
 * frequencies match the integral on the normalised weights; zero weights come
 * last, in index order. */
static void test_pl_sample_weights(void **state)
{
    (void)state;
    const size_t n = 12;
    const uint32_t K = 4, N = 100000;
    float w[12];
    double p[12], incl[12];
    uint32_t items[12];
    uint8_t mark[12] = {0};
    size_t out[12], count[12] = {0};
    for (size_t i = 0; i < n; i++) w[i] = (float)(1.0 + (double)(i * 7 % 5));
    double z = 0;
    for (size_t i = 0; i < n; i++) z += w[i];
    for (size_t i = 0; i < n; i++) {
        p[i] = w[i] / z;
        items[i] = (uint32_t)i;
    }
    orl_sim_pl_inclusion(p, (uint32_t)n, K, items, (uint32_t)n, mark, incl);
    orl_rng rng;
    orl_rng_init(&rng, 3, 3);
    for (uint32_t t = 0; t < N; t++) {
        orl_sim_pl_sample_weights(w, n, K, &rng, out);
        for (uint32_t k = 0; k < K; k++) {
            count[out[k]]++;
            for (uint32_t j = 0; j < k; j++) assert_true(out[j] != out[k]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        double f = (double)count[i] / N, se = sqrt(incl[i] * (1 - incl[i]) / N);
        assert_true(fabs(f - incl[i]) < 4.5 * se);
    }
    float sparse[6] = {0, 0.5f, 0, 0.5f, 0, 0};
    orl_sim_pl_sample_weights(sparse, 6, 4, &rng, out);
    assert_true((out[0] == 1 && out[1] == 3) || (out[0] == 3 && out[1] == 1));
    assert_int_equal(out[2], 0);
    assert_int_equal(out[3], 2);
}

static orl_sim *slate_sim(uint32_t n_items, uint32_t K, uint64_t seed)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.n_items = n_items;
    sp.n_users = 50;
    sp.n_clusters = 5;
    sp.slate_size = K;
    sp.seed = seed;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    return sim;
}

/* The logged inclusion probabilities under the real, changing contexts:
 * Horvitz-Thompson, E[sum over shown items of 1 / pi_i] = n_items per step. */
static void test_logged_inclusion_horvitz_thompson(void **state)
{
    (void)state;
    orl_sim *sim = slate_sim(30, 5, 6);
    orl_sim_events ev;
    memset(&ev, 0, sizeof ev);
    assert_orl_ok(orl_sim_log_sessions(sim->world, 0, 3000, &ev));
    const orl_sim_displays *d = &ev.disp;
    assert_true(d->n > 10000);
    double mean = 0, m2 = 0;
    for (size_t i = 0; i < d->n; i++) {
        double x = 0, bsum = 0;
        for (uint32_t k = 0; k < 5; k++) {
            x += 1.0 / d->incl[i * 5 + k];
            bsum += d->beta[i * 5 + k];
            assert_true(d->beta[i * 5 + k] <= d->incl[i * 5 + k] + 1e-6f);
        }
        assert_true(d->slate_prob[i] > 0 && d->slate_prob[i] <= 1);
        double delta = x - mean;
        mean += delta / (double)(i + 1);
        m2 += delta * (x - mean);
        if (d->event[i] >= 0) {
            assert_true(d->slot[i] >= 0);
            assert_int_equal(ev.item[d->event[i]], d->items[i * 5 + d->slot[i]]);
            assert_true(ev.propensity[d->event[i]] == d->beta[i * 5 + d->slot[i]]);
        } else {
            assert_int_equal(d->slot[i], -1);
            assert_true(d->reward[i] == 0);
        }
        (void)bsum;
    }
    double se = sqrt(m2 / (double)(d->n - 1) / (double)d->n);
    print_message("  HT of logged inclusions: %.3f +- %.3f (30 items), %zu displays\n", mean, se,
                  d->n);
    assert_true(fabs(mean - 30.0) < 4.5 * se);
    orl_sim_events_free(&ev);
    orl_sim_free(sim);
}

/* The choice model: K = 1 is the sigmoid click; draws match the probabilities. */
static void test_choice_model(void **state)
{
    (void)state;
    orl_sim *sim = slate_sim(40, 4, 8);
    const orl_sim_world *w = sim->world;
    orl_sim_session s;
    orl_sim_session_start(w, &s, 3);
    s.sat = 0.7f;
    double probs[5];
    for (uint32_t i = 0; i < 40; i += 7) {
        orl_sim_response_probs pr;
        orl_sim_response_probs_of(w, &s, i, &pr);
        orl_sim_choice_probs(w, &s, &i, 1, probs);
        assert_true(fabs(probs[0] - pr.p_click) < 1e-6);
    }
    const uint32_t slate[4] = {5, 17, 2, 33};
    orl_sim_choice_probs(w, &s, slate, 4, probs);
    double total = 0;
    for (int k = 0; k < 5; k++) total += probs[k];
    assert_true(fabs(total - 1) < 1e-12);
    /* More items shown can only raise the chance of a click. */
    orl_sim_response_probs first;
    orl_sim_response_probs_of(w, &s, slate[0], &first);
    assert_true(1 - probs[4] >= first.p_click - 1e-6);
    /* Position bias: the same item lower in the list is clicked less. */
    const uint32_t swapped[4] = {17, 5, 2, 33};
    double probs2[5];
    orl_sim_choice_probs(w, &s, swapped, 4, probs2);
    assert_true(probs2[1] < probs[0] && probs2[0] > probs[1]);
    const uint32_t N = 100000;
    uint32_t count[5] = {0};
    orl_rng rng;
    orl_rng_init(&rng, 5, 5);
    for (uint32_t t = 0; t < N; t++) {
        orl_sim_session c = s;
        int leaves, slot;
        orl_sim_step_slate(w, &c, slate, 4, &rng, &leaves, &slot);
        count[slot < 0 ? 4 : slot]++;
    }
    double chi2 = 0;
    for (int k = 0; k < 5; k++) {
        double e = probs[k] * N;
        chi2 += (count[k] - e) * (count[k] - e) / e;
    }
    print_message("  choice shares: chi2 = %.2f (4 dof; 0.1%% critical value 18.47)\n", chi2);
    assert_true(chi2 < 18.47);
    orl_sim_free(sim);
}

static int score_by_key(const int64_t *h, size_t len, float *scores, size_t n, void *ud)
{
    (void)h;
    (void)len;
    (void)ud;
    for (size_t i = 0; i < n; i++) scores[i] = (float)((i * 7) % 13);
    return 0;
}

/* Rollouts of every built-in policy with slates; a K-slate oracle beats random. */
static void test_slate_rollouts(void **state)
{
    (void)state;
    orl_sim *sim = slate_sim(60, 5, 3);
    orl_sim_rollout_result r = {.struct_size = sizeof r}, rnd = {.struct_size = sizeof rnd};
    assert_orl_ok(orl_sim_rollout_logging(sim, 500, 1, &r));
    assert_true(r.mean_length >= 2 && isfinite(r.mean_return));
    assert_orl_ok(orl_sim_rollout_popularity(sim, 500, 1, &r));
    assert_orl_ok(orl_sim_rollout(sim, score_by_key, NULL, 500, 1, &r));
    assert_orl_ok(orl_sim_rollout_random(sim, 2000, 1, &rnd));
    orl_sim_oracle o = {ORL_SIM_ORACLE_CLICK, 0};
    orl_sim_rollout_result orc;
    memset(&orc, 0, sizeof orc);
    assert_orl_ok(orl_sim_rollout_run(sim->world, orl_sim_pick_oracle, &o, 2000, 1, &orc));
    const double oc = orc.mean_clicks / orc.mean_length, rc = rnd.mean_clicks / rnd.mean_length;
    print_message("  K = 5: clicks per step: click oracle %.3f, random %.3f\n", oc, rc);
    /* per-step click shares over > 10,000 steps each: standard errors < 0.005 */
    assert_true(oc - rc > 0.03);
    orl_sim_free(sim);
}

/* Top-K of a host policy at temperature 0 shows its K best items, in order. */
static int record_first(const int64_t *h, size_t len, float *scores, size_t n, void *ud)
{
    (void)h;
    int *calls = ud;
    if (len == 0) (*calls)++;
    for (size_t i = 0; i < n; i++) scores[i] = (float)i; /* highest key best */
    return 0;
}

static void test_scores_top_k(void **state)
{
    (void)state;
    orl_sim *sim = slate_sim(20, 3, 2);
    float scores[20];
    for (int i = 0; i < 20; i++) scores[i] = (float)((i * 7) % 20);
    uint32_t stamps[20] = {0}, out[3];
    stamps[19] = 1; /* item 19 (score 13) already shown */
    orl_sim_session s;
    orl_sim_session_start(sim->world, &s, 0);
    orl_sim_pick_state st = {&s, NULL, NULL, 0, stamps, 1, NULL};
    orl_rng rng;
    orl_rng_init(&rng, 1, 1);
    assert_orl_ok(orl_sim_choose_from_scores(sim->world, &st, scores, &rng, out));
    /* scores: item 17 -> 19, 3 -> 1? (3*7=21%20=1); best: 17 (19), 14 (18), 11 (17) */
    assert_int_equal(out[0], 17);
    assert_int_equal(out[1], 14);
    assert_int_equal(out[2], 11);
    int calls = 0;
    orl_sim_rollout_result r = {.struct_size = sizeof r};
    assert_orl_ok(orl_sim_rollout(sim, record_first, &calls, 20, 1, &r));
    assert_true(calls >= 20);
    orl_sim_free(sim);
}

typedef void (*edit_fn)(orl_sim_params *p);
static void k0(orl_sim_params *p)
{
    p->slate_size = 0;
}
static void k101(orl_sim_params *p)
{
    p->slate_size = 101;
    p->n_items = 5000;
}
static void k_over_items(orl_sim_params *p)
{
    p->n_items = 10;
    p->n_clusters = 2;
    p->slate_size = 11;
}
static void bias_nan(orl_sim_params *p)
{
    p->position_bias = NAN;
}
static void bias_neg(orl_sim_params *p)
{
    p->position_bias = -0.5f;
}
static void bias_big(orl_sim_params *p)
{
    p->position_bias = 101.0f;
}
static void impressions_two(orl_sim_params *p)
{
    p->log_impressions = 2;
}
static void skips_with_slates(orl_sim_params *p)
{
    p->log_skips = 1;
    p->slate_size = 3;
}
static void skips_with_impressions(orl_sim_params *p)
{
    p->log_skips = 1;
    p->log_impressions = 1;
}

static void test_bad_slate_params(void **state)
{
    (void)state;
    const struct {
        edit_fn edit;
        const char *field;
    } cases[] = {{k0, "slate_size"},
                 {k101, "slate_size"},
                 {k_over_items, "slate_size"},
                 {bias_nan, "position_bias"},
                 {bias_neg, "position_bias"},
                 {bias_big, "position_bias"},
                 {impressions_two, "log_impressions"},
                 {skips_with_slates, "log_skips"},
                 {skips_with_impressions, "log_skips"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        orl_sim_params p;
        orl_sim_params_init(&p);
        cases[c].edit(&p);
        orl_sim *sim = NULL;
        assert_int_equal(orl_sim_create(&p, &sim), ORL_E_OUT_OF_RANGE);
        assert_null(sim);
        assert_non_null(strstr(orl_last_error(), cases[c].field));
    }
    orl_sim_params p;
    orl_sim_params_init(&p);
    assert_int_equal(p.slate_size, 1);
    assert_int_equal(p.log_impressions, 0);
    p.n_items = 100;
    p.slate_size = 100; /* the largest slate */
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&p, &sim));
    orl_sim_free(sim);
}

/* log_impressions at K = 1: the same events as without, plus a display per step. */
static void test_k1_impressions_keep_events(void **state)
{
    (void)state;
    orl_sim_params p;
    orl_sim_params_init(&p);
    p.n_items = 100;
    orl_sim *a = NULL, *b = NULL;
    assert_orl_ok(orl_sim_create(&p, &a));
    p.log_impressions = 1;
    assert_orl_ok(orl_sim_create(&p, &b));
    orl_sim_events ea, eb;
    memset(&ea, 0, sizeof ea);
    memset(&eb, 0, sizeof eb);
    assert_orl_ok(orl_sim_log_sessions(a->world, 0, 200, &ea));
    assert_orl_ok(orl_sim_log_sessions(b->world, 0, 200, &eb));
    assert_int_equal(ea.n, eb.n);
    assert_int_equal(ea.disp.n, 0);
    assert_int_equal(eb.disp.n, eb.shown);
    assert_memory_equal(ea.item, eb.item, ea.n * sizeof *ea.item);
    assert_memory_equal(ea.timestamp, eb.timestamp, ea.n * sizeof *ea.timestamp);
    assert_memory_equal(ea.propensity, eb.propensity, ea.n * sizeof *ea.propensity);
    for (size_t i = 0; i < eb.disp.n; i++) {
        assert_true(eb.disp.beta[i] == eb.disp.incl[i]);
        assert_true(fabs(eb.disp.slate_prob[i] - eb.disp.beta[i]) <= 1e-7 * eb.disp.beta[i]);
    }
    orl_sim_events_free(&ea);
    orl_sim_events_free(&eb);
    orl_sim_free(a);
    orl_sim_free(b);
}

/* A trained model rolled out with slates: its top-K per step, a value. */
static void test_model_rollout_with_slates(void **state)
{
    (void)state;
    orl_sim *sim = slate_sim(40, 4, 12);
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    assert_orl_ok(orl_sim_generate(sim, 300, ds));
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_encoder *enc = orl_test_encoder(NULL, 16);
    orl_model *m = orl_test_train(enc, "sl", 2, 1, ds);
    orl_encoder_free(enc);
    orl_sim_rollout_result r = {.struct_size = sizeof r}, rnd = {.struct_size = sizeof rnd};
    assert_orl_ok(orl_sim_rollout_model(sim, m, 300, 2, &r));
    assert_orl_ok(orl_sim_rollout_random(sim, 300, 2, &rnd));
    print_message("  K = 4 rollouts: model %.3f +- %.3f, random %.3f +- %.3f\n", r.mean_return,
                  r.std_error, rnd.mean_return, rnd.std_error);
    assert_true(isfinite(r.mean_return) && r.mean_length >= 2);
    orl_model_free(m);
    orl_dataset_free(ds);
    orl_sim_free(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inclusion_matches_enumeration),
        cmocka_unit_test(test_slate_probs_sum_to_one),
        cmocka_unit_test(test_inclusion_converged_at_1000_items),
        cmocka_unit_test(test_sampled_frequencies_match_inclusion),
        cmocka_unit_test(test_pl_sample_weights),
        cmocka_unit_test(test_logged_inclusion_horvitz_thompson),
        cmocka_unit_test(test_choice_model),
        cmocka_unit_test(test_slate_rollouts),
        cmocka_unit_test(test_scores_top_k),
        cmocka_unit_test(test_bad_slate_params),
        cmocka_unit_test(test_k1_impressions_keep_events),
        cmocka_unit_test(test_model_rollout_with_slates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
