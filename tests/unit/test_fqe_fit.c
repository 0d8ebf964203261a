/* orl_fqe_fit on a tiny MDP read from a logged dataset, against the answers
 * computed here from the log's empirical MDP:
 * - window 1, 4 items: the state is the last item (or the padding id at a
 *   session's start), the action is the next item, s' = a; rewards are noisy
 *   per event and sessions end at random after each event, so the empirical
 *   MDP has r_hat(s, a) and d_hat(s, a) (share of transitions that end);
 * - a FIXED stochastic target policy pi(a | s) given by the callback as a
 *   table; its Q^pi = r_hat + gamma (1 - d_hat) sum_a' pi(a' | a) Q^pi(a, a'),
 *   solved here by iteration to 1e-12;
 * - FQE must reach Q^pi within 0.05 (max abs over every logged (s, a)), and
 *   with gamma 0 the empirical mean reward; the answers a wrong method would
 *   give (the max over a' instead of the expectation; gamma 0's r_hat for
 *   Q^pi) are checked to lie at least 0.2 away, so the test can fail.
 * Also: determinism per seed (bit-identical), a different seed differs, bad
 * settings rejected by name, callback failures, and allocation failures
 * (every allocation of the fit in turn) giving ORL_E_NOMEM with no block
 * leaked. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fqe_tiny_mdp.h"
#include "test_support.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "data/transitions.h"
#include "eval/fqe.h"

enum { SESSIONS = 400 };

typedef struct tiny_mdp {
    orl_dataset *ds;
    double n[NS][NA], r_hat[NS][NA], d_hat[NS][NA];
    double q_pi[NS][NA], q_max[NS][NA];
    int calls; /* callback calls */
} tiny_mdp;

/* Q = r_hat + gamma (1 - d_hat) V(a), V(s') the expectation under PI or the max. */
static void evaluate(const tiny_mdp *m, int use_max, double Q[NS][NA])
{
    memset(Q, 0, sizeof(double) * NS * NA);
    for (int it = 0; it < 2000; it++) {
        double V[NA];
        for (int s = 0; s < NA; s++) {
            V[s] = use_max ? -INFINITY : 0.0;
            for (int a = 0; a < NA; a++)
                V[s] = use_max ? fmax(V[s], Q[s][a]) : V[s] + PI[s][a] * Q[s][a];
        }
        for (int s = 0; s < NS; s++)
            for (int a = 0; a < NA; a++)
                Q[s][a] = m->r_hat[s][a] + GAMMA * (1.0 - m->d_hat[s][a]) * V[a];
    }
}

static void make_mdp(tiny_mdp *m, uint64_t seed)
{
    memset(m, 0, sizeof *m);
    orl_rng g;
    orl_rng_init(&g, seed, 0);
    const size_t cap = (size_t)SESSIONS * MAXLEN;
    int64_t *sess = malloc(sizeof(int64_t) * cap), *item = malloc(sizeof(int64_t) * cap),
            *ts = malloc(sizeof(int64_t) * cap);
    int32_t *code = malloc(sizeof(int32_t) * cap);
    float *rew = malloc(sizeof(float) * cap);
    assert_true(sess && item && ts && code && rew);
    orl_dataset_params p;
    orl_dataset_params_init(&p);
    p.window = 1;
    assert_orl_ok(orl_dataset_create(&p, &m->ds));
    int32_t click;
    assert_orl_ok(orl_dataset_event_type(m->ds, "click", &click));
    double rsum[NS][NA] = {{0}}, dsum[NS][NA] = {{0}};
    size_t e = 0;
    for (int k = 0; k < SESSIONS; k++) {
        int s = PAD;
        for (int t = 0; t < MAXLEN; t++, e++) {
            const int a = tiny_draw(&g, BETA[s], NA);
            const double r = MEAN_R[s][a] + 0.6 * (orl_rng_uniform(&g) - 0.5);
            const int end = t == MAXLEN - 1 || orl_rng_uniform(&g) < END[s][a];
            sess[e] = k;
            item[e] = a;
            ts[e] = t;
            code[e] = click;
            rew[e] = (float)r;
            m->n[s][a] += 1;
            rsum[s][a] += (float)r;
            dsum[s][a] += end;
            s = a;
            if (end) {
                e++;
                break;
            }
        }
    }
    assert_orl_ok(orl_dataset_add_events_i64(m->ds, e, sess, item, ts, code, rew, NULL));
    assert_orl_ok(orl_dataset_finalize(m->ds));
    assert_int_equal(orl_dataset_item_count(m->ds), NA);
    for (int s = 0; s < NS; s++)
        for (int a = 0; a < NA; a++) {
            assert_true(m->n[s][a] >= 10);
            m->r_hat[s][a] = rsum[s][a] / m->n[s][a];
            m->d_hat[s][a] = dsum[s][a] / m->n[s][a];
        }
    evaluate(m, 0, m->q_pi);
    evaluate(m, 1, m->q_max);
    free(sess);
    free(item);
    free(ts);
    free(code);
    free(rew);
}

static double min_of(double A[NS][NA])
{
    double m = INFINITY;
    for (int s = 0; s < NS; s++)
        for (int a = 0; a < NA; a++) m = fmin(m, A[s][a]);
    return m;
}

static double max_of(double A[NS][NA])
{
    double m = -INFINITY;
    for (int s = 0; s < NS; s++)
        for (int a = 0; a < NA; a++) m = fmax(m, A[s][a]);
    return m;
}

static void test_reaches_policy_evaluation(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 2; seed++) {
        tiny_mdp m;
        make_mdp(&m, seed);
        const double wrong = tiny_max_abs(m.q_pi, m.q_max);
        assert_true(wrong >= 0.2); /* the max instead of the expectation would fail */
        orl_fqe_settings s;
        tiny_settings(&s, GAMMA, seed, 4096);
        orl_fqe *f = NULL;
        assert_orl_ok(orl_fqe_fit(m.ds, &s, tiny_table_policy, &m.calls, &f));
        assert_int_equal(orl_fqe_steps(f), s.epochs);
        assert_int_equal(m.calls, s.epochs);
        double Q[NS][NA];
        tiny_read_q(f, Q);
        const double err = tiny_max_abs(Q, m.q_pi);
        print_message("seed %d: gamma %.1f, %llu transitions: max |Q_fqe - Q^pi| = %.2e "
                      "(Q^pi in [%.3f, %.3f]; the max-backup answer is %.3f away), last loss "
                      "%.4f\n",
                      (int)seed, GAMMA, (unsigned long long)orl_dataset_transition_count(m.ds), err,
                      min_of(m.q_pi), max_of(m.q_pi), wrong, orl_fqe_last_epoch_loss(f));
        assert_true(err <= 0.05);
        orl_fqe_free(f);
        orl_dataset_free(m.ds);
    }
}

static void test_gamma0_is_the_mean_reward(void **state)
{
    (void)state;
    tiny_mdp m;
    make_mdp(&m, 3);
    assert_true(tiny_max_abs(m.r_hat, m.q_pi) >= 0.2);
    orl_fqe_settings s;
    tiny_settings(&s, 0.0, 3, 4096);
    s.epochs = 400;
    orl_fqe *f = NULL;
    assert_orl_ok(orl_fqe_fit(m.ds, &s, NULL, NULL, &f)); /* no policy needed */
    double Q[NS][NA];
    tiny_read_q(f, Q);
    const double err = tiny_max_abs(Q, m.r_hat);
    print_message("gamma 0: max |Q_fqe - r_hat| = %.2e (Q^pi is %.3f away)\n", err,
                  tiny_max_abs(m.r_hat, m.q_pi));
    assert_true(err <= 0.05);
    orl_fqe_free(f);
    orl_dataset_free(m.ds);
}

/* Minibatches (the defaults' batch, learning rate and target period): the
 * step noise stays within the same bound. */
static void test_minibatch_reaches_policy_evaluation(void **state)
{
    (void)state;
    tiny_mdp m;
    make_mdp(&m, 9);
    orl_fqe_settings s;
    tiny_settings(&s, GAMMA, 9, 4096);
    s.batch = 256;
    s.learning_rate = 1e-3f;
    s.target_update = 100;
    s.epochs = 300;
    orl_fqe *f = NULL;
    assert_orl_ok(orl_fqe_fit(m.ds, &s, tiny_table_policy, &m.calls, &f));
    double Q[NS][NA];
    tiny_read_q(f, Q);
    const double err = tiny_max_abs(Q, m.q_pi);
    print_message("minibatch 256, lr 1e-3, target every 100 steps, %lld steps: max |Q_fqe - "
                  "Q^pi| = %.2e\n",
                  (long long)orl_fqe_steps(f), err);
    assert_true(err <= 0.05);
    orl_fqe_free(f);
    orl_dataset_free(m.ds);
}

static orl_fqe *small_fit(tiny_mdp *m, uint64_t seed, int threads)
{
    orl_fqe_settings s;
    tiny_settings(&s, GAMMA, seed, 4096);
    s.epochs = 3;
    s.batch = 64;
    s.threads = threads;
    orl_fqe *f = NULL;
    assert_orl_ok(orl_fqe_fit(m->ds, &s, tiny_table_policy, &m->calls, &f));
    return f;
}

static void test_deterministic_per_seed(void **state)
{
    (void)state;
    tiny_mdp m;
    make_mdp(&m, 4);
    for (int threads = 1; threads <= 2; threads++) {
        orl_fqe *a = small_fit(&m, 7, threads), *b = small_fit(&m, 7, threads),
                *c = small_fit(&m, 8, threads);
        double qa[NS][NA], qb[NS][NA], qc[NS][NA];
        tiny_read_q(a, qa);
        tiny_read_q(b, qb);
        tiny_read_q(c, qc);
        assert_memory_equal(qa, qb, sizeof qa);
        assert_true(memcmp(qa, qc, sizeof qa) != 0);
        assert_true(orl_fqe_last_epoch_loss(a) == orl_fqe_last_epoch_loss(b));
        orl_fqe_free(a);
        orl_fqe_free(b);
        orl_fqe_free(c);
    }
    orl_dataset_free(m.ds);
}

static int uniform_policy(void *ctx, const orl_batch *b, int use_next, float *out)
{
    const size_t I = *(const uint32_t *)ctx;
    (void)use_next;
    for (size_t i = 0; i < b->size * I; i++) out[i] = 1.0f / (float)I;
    return ORL_OK;
}

/* Every encoder kind trains and scores (window 10, its own defaults but
 * small sizes), deterministically. */
static void test_every_encoder(void **state)
{
    (void)state;
    orl_dataset *ds = orl_test_chain_dataset(30, 40, 12, 7, 3);
    uint32_t I = orl_dataset_item_count(ds);
    static const char *kinds[] = {"gru4rec", "sasrec", "caser", "nextitnet"};
    for (int k = 0; k < 4; k++) {
        orl_encoder_spec enc;
        memset(&enc, 0, sizeof enc);
        strcpy(enc.architecture, kinds[k]);
        enc.embed_dim = enc.hidden_dim = 16;
        enc.dropout = -1.0f; /* the kind's default */
        orl_fqe_settings s;
        orl_fqe_settings_init(&s);
        s.encoder = &enc;
        s.gamma = 0.5;
        s.epochs = 2;
        s.batch = 64;
        s.threads = 2;
        s.seed = 11;
        orl_fqe *f[2] = {NULL, NULL};
        for (int r = 0; r < 2; r++) assert_orl_ok(orl_fqe_fit(ds, &s, uniform_policy, &I, &f[r]));
        orl_batch b;
        assert_orl_ok(orl_batch_init(&b, 32, orl_dataset_window(ds)));
        uint64_t ids[32];
        for (int i = 0; i < 32; i++) ids[i] = (uint64_t)i * 13;
        assert_orl_ok(orl_dataset_fill_batch(ds, ids, 32, &b));
        float *q0 = malloc(sizeof(float) * 32 * I), *q1 = malloc(sizeof(float) * 32 * I);
        assert_true(q0 && q1);
        assert_orl_ok(orl_fqe_q_values(f[0], &b, q0));
        assert_orl_ok(orl_fqe_q_values(f[1], &b, q1));
        for (size_t i = 0; i < 32 * (size_t)I; i++) assert_true(isfinite(q0[i]));
        assert_memory_equal(q0, q1, sizeof(float) * 32 * I);
        print_message("%s: %lld steps, last loss %.4f\n", kinds[k], (long long)orl_fqe_steps(f[0]),
                      orl_fqe_last_epoch_loss(f[0]));
        free(q0);
        free(q1);
        orl_batch_free(&b);
        orl_fqe_free(f[0]);
        orl_fqe_free(f[1]);
    }
    orl_dataset_free(ds);
}

static void expect_bad(const orl_dataset *ds, const orl_fqe_settings *s, const char *name,
                       int status)
{
    orl_fqe *f = (orl_fqe *)s; /* untouched on failure */
    assert_int_equal(orl_fqe_fit(ds, s, NULL, NULL, &f), status);
    assert_ptr_equal(f, (orl_fqe *)s);
    if (!strstr(orl_last_error(), name)) fail_msg("'%s' does not name %s", orl_last_error(), name);
}

static void test_bad_settings(void **state)
{
    (void)state;
    tiny_mdp m;
    make_mdp(&m, 5);
    orl_fqe_settings s, ok;
    tiny_settings(&ok, 0.0, 1, 4096);
    s = ok;
    s.gamma = -0.1;
    expect_bad(m.ds, &s, "gamma", ORL_E_OUT_OF_RANGE);
    s.gamma = NAN;
    expect_bad(m.ds, &s, "gamma", ORL_E_OUT_OF_RANGE);
    s = ok;
    s.epochs = 0;
    expect_bad(m.ds, &s, "epochs", ORL_E_OUT_OF_RANGE);
    s = ok;
    s.batch = 0;
    expect_bad(m.ds, &s, "batch", ORL_E_OUT_OF_RANGE);
    s = ok;
    s.learning_rate = 0.0f;
    expect_bad(m.ds, &s, "learning_rate", ORL_E_OUT_OF_RANGE);
    s.learning_rate = NAN;
    expect_bad(m.ds, &s, "learning_rate", ORL_E_OUT_OF_RANGE);
    s = ok;
    s.target_update = 0;
    expect_bad(m.ds, &s, "target_update", ORL_E_OUT_OF_RANGE);
    s = ok;
    s.threads = -1;
    expect_bad(m.ds, &s, "threads", ORL_E_OUT_OF_RANGE);
    orl_encoder_spec enc = *ok.encoder;
    s = ok;
    s.encoder = &enc;
    enc.window = 3; /* the dataset's is 1 */
    expect_bad(m.ds, &s, "encoder.window", ORL_E_OUT_OF_RANGE);
    enc = *ok.encoder;
    strcpy(enc.architecture, "lstm");
    expect_bad(m.ds, &s, "lstm", ORL_E_UNSUPPORTED);
    s = ok;
    s.gamma = 0.5;
    expect_bad(m.ds, &s, "pi", ORL_E_INVALID_ARGUMENT); /* gamma > 0 needs the policy */
    orl_dataset *open = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &open));
    expect_bad(open, &ok, "finalized", ORL_E_STATE);
    orl_dataset_free(open);
    orl_fqe *f = NULL;
    assert_int_equal(orl_fqe_fit(NULL, &ok, NULL, NULL, &f), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_fqe_fit(m.ds, &ok, NULL, NULL, NULL), ORL_E_INVALID_ARGUMENT);
    /* the defaults (NULL settings) are valid: GRU4Rec with the dataset's window */
    orl_fqe_settings d;
    orl_fqe_settings_init(&d);
    assert_orl_ok(orl_fqe_settings_check(&d));
    assert_true(d.epochs == 3 && d.batch == 256 && d.target_update == 1000 && d.gamma == 0.0);
    assert_orl_ok(orl_fqe_fit(m.ds, NULL, NULL, NULL, &f));
    /* q_values: a batch of another window */
    orl_batch b;
    assert_orl_ok(orl_batch_init(&b, 2, 2));
    b.size = 2;
    float q[2 * NA];
    assert_int_equal(orl_fqe_q_values(f, &b, q), ORL_E_INVALID_ARGUMENT);
    orl_batch_free(&b);
    assert_int_equal(orl_fqe_q_values(f, NULL, q), ORL_E_INVALID_ARGUMENT);
    orl_fqe_free(f);
    orl_dataset_free(m.ds);
}

static int failing_policy(void *ctx, const orl_batch *b, int use_next, float *out)
{
    (void)b;
    (void)use_next;
    (void)out;
    int *mode = ctx;
    return *mode == 0 ? orl_fail(ORL_E_IO, "host policy broke") : 1;
}

/* Rows that are not distributions. */
static int bad_rows_policy(void *ctx, const orl_batch *b, int use_next, float *out)
{
    int *mode = ctx;
    (void)use_next;
    for (size_t i = 0; i < b->size * NA; i++) out[i] = 0.25f;
    for (size_t r = 0; r < b->size; r++) /* every row, so a row that is read is bad */
        out[r * NA] = *mode == 0 ? NAN : (*mode == 1 ? -0.25f : 0.5f);
    return ORL_OK;
}

static void test_callback_failures(void **state)
{
    (void)state;
    tiny_mdp m;
    make_mdp(&m, 6);
    orl_fqe_settings s;
    tiny_settings(&s, GAMMA, 1, 4096);
    s.epochs = 1;
    orl_fqe *f = NULL;
    int mode = 0;
    assert_int_equal(orl_fqe_fit(m.ds, &s, failing_policy, &mode, &f), ORL_E_IO);
    assert_non_null(strstr(orl_last_error(), "host policy broke"));
    mode = 1;
    assert_int_equal(orl_fqe_fit(m.ds, &s, failing_policy, &mode, &f), ORL_E_CANCELLED);
    for (mode = 0; mode < 3; mode++) {
        assert_int_equal(orl_fqe_fit(m.ds, &s, bad_rows_policy, &mode, &f), ORL_E_OUT_OF_RANGE);
        assert_non_null(strstr(orl_last_error(), "target policy"));
    }
    assert_null(f);
    orl_dataset_free(m.ds);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    tiny_mdp m;
    make_mdp(&m, 7);
    orl_fqe_settings s;
    tiny_settings(&s, GAMMA, 1, 4096);
    s.epochs = 2;
    s.batch = 128;
    s.threads = 2;
    const int64_t live0 = orl_alloc_live_blocks();
    int failures = 0;
    for (int64_t n = 0;; n++) {
        orl_alloc_fail_after(n);
        const uint64_t injected0 = orl_alloc_injected_failures();
        orl_fqe *f = NULL;
        int st = orl_fqe_fit(m.ds, &s, tiny_table_policy, &m.calls, &f);
        int injected = orl_alloc_injected_failures() > injected0;
        if (st == ORL_OK && f) {
            /* q_values allocates nothing: it succeeds with every allocation refused */
            double Q[NS][NA];
            orl_alloc_fail_after(-1);
            orl_alloc_fail_after(0);
            const uint64_t before = orl_alloc_injected_failures();
            orl_batch b = {0};
            int32_t st_ids[NS], st_lens[NS];
            for (int k = 0; k < NS; k++) {
                st_ids[k] = k;
                st_lens[k] = 1;
            }
            b.capacity = b.size = NS;
            b.window = 1;
            b.states = st_ids;
            b.state_len = st_lens;
            float q[NS * NA];
            assert_orl_ok(orl_fqe_q_values(f, &b, q));
            assert_int_equal(orl_alloc_injected_failures(), before);
            orl_alloc_fail_after(-1);
            tiny_read_q(f, Q);
            orl_fqe_free(f);
            if (!injected) break;
            continue;
        }
        orl_alloc_fail_after(-1);
        assert_true(injected);
        assert_int_equal(st, ORL_E_NOMEM);
        assert_null(f);
        assert_int_equal(orl_alloc_live_blocks(), live0);
        failures++;
    }
    orl_alloc_fail_after(-1);
    assert_int_equal(orl_alloc_live_blocks(), live0);
    print_message("%d allocation failures, each ORL_E_NOMEM with nothing leaked\n", failures);
    assert_true(failures >= 8);
    orl_dataset_free(m.ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reaches_policy_evaluation),
        cmocka_unit_test(test_gamma0_is_the_mean_reward),
        cmocka_unit_test(test_minibatch_reaches_policy_evaluation),
        cmocka_unit_test(test_deterministic_per_seed),
        cmocka_unit_test(test_every_encoder),
        cmocka_unit_test(test_bad_settings),
        cmocka_unit_test(test_callback_failures),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
