/* orl_fqe_fit_displays on a tiny display log built here, against the exact
 * Q^pi of the log's empirical MDP over displays:
 * - window 1, 4 items; the state is the last CLICKED item (the padding id
 *   before the first click). Each step the logging policy shows one item a
 *   (BETA[s]); the user clicks it with probability CLICK[s][a] (reward
 *   MEAN_R[s][a] plus noise, state -> a) or not (reward 0, state stays s);
 *   the session ends after the display with probability END[s][a]. Every
 *   display is logged (the display table), the clicks are the events.
 * - the empirical MDP over displays: r_hat(s, a) = mean reward of the
 *   displays of a in s (zeros included), and the shares of those displays
 *   that continue to a (clicked) and to s (not clicked); Q^pi is solved by
 *   iteration to 1e-12 for a fixed stochastic target pi (a table).
 * - FQE on the displays must reach it within 0.05 (max over every (s, a));
 *   FQE on the click events (orl_fqe_fit, what the estimators used before)
 *   must be at least 0.2 away, so the test tells the two apart. gamma 0 is
 *   r_hat, zeros included.
 * Also: batches of display transitions (states, next states, done, rewards)
 * against the log; determinism; errors; allocation failures (ORL_E_NOMEM,
 * nothing leaked). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fqe_tiny_mdp.h"
#include "test_support.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "data/display_steps.h"
#include "data/displays.h"
#include "data/transitions.h"
#include "eval/fqe.h"

enum { SESSIONS = 300 };

/* The chance that the user clicks the shown item a in state s. */
static const double CLICK[NS][NA] = {{0.5, 0.3, 0.6, 0.4},
                                     {0.3, 0.5, 0.4, 0.6},
                                     {0.6, 0.4, 0.3, 0.5},
                                     {0.4, 0.6, 0.5, 0.3},
                                     {0.5, 0.5, 0.4, 0.4}};

typedef struct log_step {
    int s, a, clicked, end;
    float r;
} log_step;

typedef struct tiny_log {
    orl_dataset *ds;
    log_step *steps; /* every display, by its timestamp */
    uint64_t n_steps, n_clicks;
    double n[NS][NA], r_hat[NS][NA], to_a[NS][NA], to_s[NS][NA];
    double q_pi[NS][NA];
} tiny_log;

/* Q = r_hat + gamma (to_a V(a) + to_s V(s)), V under PI. */
static void evaluate(const tiny_log *m, double Q[NS][NA])
{
    memset(Q, 0, sizeof(double) * NS * NA);
    for (int it = 0; it < 3000; it++) {
        double V[NS];
        for (int s = 0; s < NS; s++) {
            V[s] = 0.0;
            for (int a = 0; a < NA; a++) V[s] += PI[s][a] * Q[s][a];
        }
        for (int s = 0; s < NS; s++)
            for (int a = 0; a < NA; a++)
                Q[s][a] = m->r_hat[s][a] + GAMMA * (m->to_a[s][a] * V[a] + m->to_s[s][a] * V[s]);
    }
}

static void make_log(tiny_log *m, uint64_t seed)
{
    memset(m, 0, sizeof *m);
    orl_rng g;
    orl_rng_init(&g, seed, 0);
    const size_t cap = (size_t)SESSIONS * MAXLEN;
    int64_t *ev_sess = malloc(sizeof(int64_t) * cap), *ev_item = malloc(sizeof(int64_t) * cap),
            *ev_ts = malloc(sizeof(int64_t) * cap), *d_sess = malloc(sizeof(int64_t) * cap),
            *d_ts = malloc(sizeof(int64_t) * cap), *d_ev = malloc(sizeof(int64_t) * cap);
    int32_t *code = malloc(sizeof(int32_t) * cap);
    int16_t *slot = malloc(sizeof(int16_t) * cap);
    float *ev_rew = malloc(sizeof(float) * cap), *d_rew = malloc(sizeof(float) * cap),
          *beta = malloc(sizeof(float) * cap), *incl = malloc(sizeof(float) * cap);
    double *slate = malloc(sizeof(double) * cap);
    uint32_t *d_item = malloc(sizeof(uint32_t) * cap);
    m->steps = malloc(sizeof(log_step) * cap);
    assert_true(ev_sess && ev_item && ev_ts && d_sess && d_ts && d_ev && code && slot && ev_rew &&
                d_rew && beta && incl && slate && d_item && m->steps);
    orl_dataset_params p;
    orl_dataset_params_init(&p);
    p.window = 1;
    assert_orl_ok(orl_dataset_create(&p, &m->ds));
    int32_t click;
    assert_orl_ok(orl_dataset_event_type(m->ds, "click", &click));
    double rsum[NS][NA] = {{0}}, asum[NS][NA] = {{0}}, ssum[NS][NA] = {{0}};
    size_t e = 0, d = 0;
    for (int k = 0; k < SESSIONS; k++) {
        int s = PAD;
        for (int t = 0; t < MAXLEN; t++, d++) {
            const int a = tiny_draw(&g, BETA[s], NA);
            const int clicked = orl_rng_uniform(&g) < CLICK[s][a];
            const float r =
                clicked ? (float)(MEAN_R[s][a] + 0.6 * (orl_rng_uniform(&g) - 0.5)) : 0.0f;
            const int end = t == MAXLEN - 1 || orl_rng_uniform(&g) < END[s][a];
            d_sess[d] = k;
            d_ts[d] = (int64_t)d; /* unique: names the display in the table */
            d_item[d] = (uint32_t)a;
            d_rew[d] = r;
            d_ev[d] = clicked ? (int64_t)e : -1;
            slot[d] = clicked ? 0 : -1;
            beta[d] = (float)BETA[s][a];
            incl[d] = NAN;
            slate[d] = NAN;
            if (clicked) {
                ev_sess[e] = k;
                ev_item[e] = a;
                ev_ts[e] = (int64_t)d;
                code[e] = click;
                ev_rew[e] = r;
                e++;
            }
            m->steps[d] = (log_step){s, a, clicked, end, r};
            m->n[s][a] += 1;
            rsum[s][a] += r;
            if (!end) clicked ? (asum[s][a] += 1) : (ssum[s][a] += 1);
            if (clicked) s = a;
            if (end) {
                d++;
                break;
            }
        }
    }
    assert_orl_ok(
        orl_dataset_add_events_i64(m->ds, e, ev_sess, ev_item, ev_ts, code, ev_rew, NULL));
    assert_orl_ok(orl_dataset_add_displays_int(m->ds, 0, d, 1, d_sess, d_ts, d_ev, slot, d_rew,
                                               slate, d_item, beta, incl));
    assert_orl_ok(orl_dataset_finalize(m->ds));
    assert_int_equal(orl_dataset_item_count(m->ds), NA); /* sorted keys: dense id = key */
    assert_int_equal(orl_dataset_transition_count(m->ds), e);
    uint64_t displays = 0;
    assert_orl_ok(orl_dataset_display_count(m->ds, &displays));
    assert_int_equal(displays, d);
    m->n_steps = d;
    m->n_clicks = e;
    for (int s = 0; s < NS; s++)
        for (int a = 0; a < NA; a++) {
            assert_true(m->n[s][a] >= 10);
            m->r_hat[s][a] = rsum[s][a] / m->n[s][a];
            m->to_a[s][a] = asum[s][a] / m->n[s][a];
            m->to_s[s][a] = ssum[s][a] / m->n[s][a];
        }
    evaluate(m, m->q_pi);
    free(ev_sess);
    free(ev_item);
    free(ev_ts);
    free(d_sess);
    free(d_ts);
    free(d_ev);
    free(code);
    free(slot);
    free(ev_rew);
    free(d_rew);
    free(beta);
    free(incl);
    free(slate);
    free(d_item);
}

static void free_log(tiny_log *m)
{
    orl_dataset_free(m->ds);
    free(m->steps);
}

/* Every display's transition read back against the log it was built from. */
static void test_display_batches_are_the_log(void **state)
{
    (void)state;
    tiny_log m;
    make_log(&m, 11);
    uint64_t *ids = NULL, n = 0;
    assert_orl_ok(orl_dataset_display_steps(m.ds, &ids, &n));
    assert_int_equal(n, m.n_steps);
    orl_batch b;
    assert_orl_ok(orl_batch_init(&b, 64, 1));
    for (uint64_t off = 0; off < n; off += 64) {
        size_t nb = n - off < 64 ? (size_t)(n - off) : 64;
        assert_orl_ok(orl_dataset_fill_display_batch(m.ds, ids + off, nb, &b));
        assert_int_equal(b.size, nb);
        for (size_t r = 0; r < nb; r++) {
            orl_display_view v = {.struct_size = sizeof v};
            assert_orl_ok(orl_dataset_display_get(m.ds, ids[off + r], &v));
            const log_step *x = &m.steps[v.timestamp];
            assert_int_equal(b.transition_ids[r], ids[off + r]);
            assert_int_equal(b.states[r], x->s);
            assert_int_equal(b.actions[r], x->a);
            assert_true(b.rewards[r] == x->r);
            assert_int_equal(b.done[r], x->end);
            assert_int_equal(b.event_codes[r] >= 0, x->clicked);
            assert_true(b.propensities[r] == (float)BETA[x->s][x->a]);
            if (!x->end) assert_int_equal(b.next_states[r], x->clicked ? x->a : x->s);
        }
    }
    /* errors: an id past the end, a batch of another window, before finalize */
    uint64_t bad = n;
    assert_int_equal(orl_dataset_fill_display_batch(m.ds, &bad, 1, &b), ORL_E_OUT_OF_RANGE);
    orl_batch w2;
    assert_orl_ok(orl_batch_init(&w2, 4, 2));
    assert_int_equal(orl_dataset_fill_display_batch(m.ds, ids, 1, &w2), ORL_E_INVALID_ARGUMENT);
    orl_batch_free(&w2);
    orl_dataset *open = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &open));
    uint64_t *none = NULL, nn = 7;
    assert_int_equal(orl_dataset_display_steps(open, &none, &nn), ORL_E_STATE);
    assert_true(none == NULL && nn == 7);
    orl_dataset_free(open);
    orl_batch_free(&b);
    orl_free(ids);
    free_log(&m);
}

static void test_reaches_q_pi_over_displays(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 2; seed++) {
        tiny_log m;
        make_log(&m, seed);
        orl_fqe_settings s;
        tiny_settings(&s, GAMMA, seed, 8192);
        orl_fqe *f = NULL, *clicks = NULL;
        assert_orl_ok(orl_fqe_fit_displays(m.ds, &s, tiny_table_policy, NULL, &f));
        assert_int_equal(orl_fqe_steps(f), s.epochs);
        assert_orl_ok(orl_fqe_fit(m.ds, &s, tiny_table_policy, NULL, &clicks));
        double Q[NS][NA], Qc[NS][NA];
        tiny_read_q(f, Q);
        tiny_read_q(clicks, Qc);
        const double err = tiny_max_abs(Q, m.q_pi), err_clicks = tiny_max_abs(Qc, m.q_pi);
        print_message("seed %d: %llu displays, %llu clicks: max |Q_fqe - Q^pi| = %.2e on the "
                      "displays, %.3f on the clicks\n",
                      (int)seed, (unsigned long long)m.n_steps, (unsigned long long)m.n_clicks, err,
                      err_clicks);
        assert_true(err <= 0.05);
        assert_true(err_clicks >= 0.2);
        orl_fqe_free(f);
        orl_fqe_free(clicks);
        free_log(&m);
    }
}

static void test_gamma0_counts_the_displays_without_a_click(void **state)
{
    (void)state;
    tiny_log m;
    make_log(&m, 3);
    orl_fqe_settings s;
    tiny_settings(&s, 0.0, 3, 8192);
    s.epochs = 400;
    orl_fqe *f = NULL;
    assert_orl_ok(orl_fqe_fit_displays(m.ds, &s, NULL, NULL, &f));
    double Q[NS][NA], click_mean[NS][NA];
    tiny_read_q(f, Q);
    for (int x = 0; x < NS; x++)
        for (int a = 0; a < NA; a++) click_mean[x][a] = m.r_hat[x][a] / CLICK[x][a];
    const double err = tiny_max_abs(Q, m.r_hat);
    print_message("gamma 0: max |Q_fqe - r_hat| = %.2e (the mean over clicks only is %.3f away)\n",
                  err, tiny_max_abs(click_mean, m.r_hat));
    assert_true(err <= 0.05);
    orl_fqe_free(f);
    free_log(&m);
}

static orl_fqe *small_fit(tiny_log *m, uint64_t seed, int threads)
{
    orl_fqe_settings s;
    tiny_settings(&s, GAMMA, seed, 8192);
    s.epochs = 3;
    s.batch = 64;
    s.threads = threads;
    orl_fqe *f = NULL;
    assert_orl_ok(orl_fqe_fit_displays(m->ds, &s, tiny_table_policy, NULL, &f));
    return f;
}

static void test_deterministic_and_errors(void **state)
{
    (void)state;
    tiny_log m;
    make_log(&m, 4);
    for (int threads = 1; threads <= 2; threads++) {
        orl_fqe *a = small_fit(&m, 7, threads), *b = small_fit(&m, 7, threads),
                *c = small_fit(&m, 8, threads);
        double qa[NS][NA], qb[NS][NA], qc[NS][NA];
        tiny_read_q(a, qa);
        tiny_read_q(b, qb);
        tiny_read_q(c, qc);
        assert_memory_equal(qa, qb, sizeof qa);
        assert_true(memcmp(qa, qc, sizeof qa) != 0);
        orl_fqe_free(a);
        orl_fqe_free(b);
        orl_fqe_free(c);
    }
    /* Target copies per epoch: the period is ceil(steps an epoch / copies). */
    orl_fqe_settings s;
    tiny_settings(&s, GAMMA, 1, 8192);
    s.epochs = 2;
    s.batch = 64;
    s.target_update = 1000;
    s.target_syncs_per_epoch = 4;
    orl_fqe *g = NULL;
    assert_orl_ok(orl_fqe_fit_displays(m.ds, &s, tiny_table_policy, NULL, &g));
    const int64_t per_epoch = (int64_t)((m.n_steps + 63) / 64), period = (per_epoch + 3) / 4;
    assert_int_equal(orl_fqe_steps(g), 2 * per_epoch);
    assert_int_equal(orl_fqe_target_syncs(g), 2 * per_epoch / period);
    orl_fqe_free(g);
    s.target_syncs_per_epoch = 0; /* off: the fixed period, no copy in 2 short epochs */
    assert_orl_ok(orl_fqe_fit_displays(m.ds, &s, tiny_table_policy, NULL, &g));
    assert_int_equal(orl_fqe_target_syncs(g), 0);
    orl_fqe_free(g);
    tiny_settings(&s, GAMMA, 1, 8192);
    orl_fqe *f = (orl_fqe *)&s; /* untouched on failure */
    assert_int_equal(orl_fqe_fit_displays(m.ds, &s, NULL, NULL, &f), ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "pi"));
    s.epochs = 0;
    assert_int_equal(orl_fqe_fit_displays(m.ds, &s, tiny_table_policy, NULL, &f),
                     ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), "epochs"));
    assert_ptr_equal(f, (orl_fqe *)&s);
    s.epochs = 1;
    s.target_syncs_per_epoch = 2000000;
    assert_int_equal(orl_fqe_fit_displays(m.ds, &s, tiny_table_policy, NULL, &f),
                     ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), "target_syncs_per_epoch"));
    assert_int_equal(orl_fqe_fit_displays(NULL, NULL, NULL, NULL, &f), ORL_E_INVALID_ARGUMENT);
    /* a dataset without a display table */
    orl_dataset *plain = orl_test_chain_dataset(10, 8, 5, 3, 1);
    assert_int_equal(orl_fqe_fit_displays(plain, NULL, NULL, NULL, &f), ORL_E_STATE);
    assert_non_null(strstr(orl_last_error(), "display"));
    assert_ptr_equal(f, (orl_fqe *)&s);
    orl_dataset_free(plain);
    free_log(&m);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    tiny_log m;
    make_log(&m, 7);
    orl_fqe_settings s;
    tiny_settings(&s, GAMMA, 1, 8192);
    s.epochs = 2;
    s.batch = 128;
    s.threads = 2;
    const int64_t live0 = orl_alloc_live_blocks();
    int failures = 0;
    for (int64_t n = 0;; n++) {
        orl_alloc_fail_after(n);
        const uint64_t injected0 = orl_alloc_injected_failures();
        orl_fqe *f = NULL;
        int st = orl_fqe_fit_displays(m.ds, &s, tiny_table_policy, NULL, &f);
        const int injected = orl_alloc_injected_failures() > injected0;
        orl_alloc_fail_after(-1);
        if (st == ORL_OK) {
            orl_fqe_free(f);
            if (!injected) break;
            continue;
        }
        assert_true(injected);
        assert_int_equal(st, ORL_E_NOMEM);
        assert_null(f);
        assert_int_equal(orl_alloc_live_blocks(), live0);
        failures++;
    }
    assert_int_equal(orl_alloc_live_blocks(), live0);
    print_message("%d allocation failures, each ORL_E_NOMEM with nothing leaked\n", failures);
    assert_true(failures >= 8);
    free_log(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_display_batches_are_the_log),
        cmocka_unit_test(test_reaches_q_pi_over_displays),
        cmocka_unit_test(test_gamma0_counts_the_displays_without_a_click),
        cmocka_unit_test(test_deterministic_and_errors),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
