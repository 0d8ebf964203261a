/* rl_net's fast training paths against the plain ones they replace, bit for
 * bit: the sparse optimiser step (CE head's Adam inside the output layer's
 * pass 2, row-sparse embedding and Q head Adam) against the dense Adam over
 * both stores; the double-Q targets of s' and s in one argmax pass and one
 * target encode of 2B rows against two calls of B), over warm-up and weighted
 * phases (SA2C's second optimiser), with several CE tiles and two threads. */
#include <math.h>
#include <string.h>

#include "test_support.h"

#include "core/alloc.h"
#include "models/rl_net_internal.h"
#include "nn/kgemm.h"

enum { B = 24, T = 4, I = 1100 };

typedef struct batch {
    int32_t s[B * T], ls[B], a[B], ns[B * T], lns[B];
    float r[B];
    uint8_t d[B];
} batch;

/* Transitions with s' = s + a (or the window slid by one when s is full). */
static void make_batch(batch *x, uint32_t salt)
{
    for (int b = 0; b < B; b++) {
        int len = 1 + (int)((b * 5u + salt) % T);
        x->ls[b] = len;
        x->a[b] = (int32_t)((b * 37u + salt * 11u) % I);
        for (int t = 0; t < T; t++)
            x->s[b * T + t] = t < len ? (int32_t)((b * 13u + 7u * t + salt) % I) : I;
        int nl = len < T ? len + 1 : T;
        x->lns[b] = nl;
        for (int t = 0; t < T; t++) {
            int32_t v;
            if (len < T)
                v = t < len ? x->s[b * T + t] : (t == len ? x->a[b] : I);
            else
                v = t < T - 1 ? x->s[b * T + t + 1] : x->a[b];
            x->ns[b * T + t] = v;
        }
        x->r[b] = (b % 3 == 0) ? 1.0f : 0.2f;
        x->d[b] = (uint8_t)(b % 7 == 6);
    }
}

static orl_rl_net *make_net(int algorithm)
{
    orl_rl_net_config c = orl_rl_net_config_default(I, algorithm);
    c.embed_dim = 16;
    c.hidden_dim = 16;
    c.window = T;
    c.max_batch = B;
    c.n_neg = 3;
    c.warmup_steps = 4;
    c.ips_smooth = 1.0f;
    orl_rl_net *net = NULL;
    assert_orl_ok(orl_rl_net_create(&c, 42, 2, &net));
    if (algorithm == ORL_RL_SA2C) {
        static float beta[I];
        for (int i = 0; i < I; i++) beta[i] = 1.0f / (float)I;
        assert_orl_ok(orl_rl_net_set_behaviour(net, beta));
    }
    return net;
}

static void assert_same_floats(const float *a, const float *b, size_t n, const char *what)
{
    if (memcmp(a, b, sizeof(float) * n) == 0) return;
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof(float)) != 0)
            fail_msg("%s differs at %zu: %.9g vs %.9g", what, i, (double)a[i], (double)b[i]);
}

/* Trains `fast` and `plain` side by side and demands identical losses,
 * parameters, moments and step counts after every step. */
static void run_side_by_side(orl_rl_net *fast, orl_rl_net *plain, int steps)
{
    batch x;
    for (int s = 0; s < steps; s++) {
        make_batch(&x, (uint32_t)s);
        orl_rl_losses lf, lp;
        assert_orl_ok(
            orl_rl_net_train_step(fast, x.s, x.ls, x.a, x.r, x.ns, x.lns, x.d, B, 0.01f, &lf));
        assert_orl_ok(
            orl_rl_net_train_step(plain, x.s, x.ls, x.a, x.r, x.ns, x.lns, x.d, B, 0.01f, &lp));
        assert_int_equal(lf.main_net, lp.main_net);
        assert_int_equal(lf.phase, lp.phase);
        assert_memory_equal(&lf.total, &lp.total, sizeof(float));
        assert_memory_equal(&lf.td, &lp.td, sizeof(float));
        assert_memory_equal(&lf.ce_weight, &lp.ce_weight, sizeof(float));
        for (int k = 0; k < 2; k++) {
            const orl_params *a = &fast->qn[k], *b = &plain->qn[k];
            assert_int_equal(a->step, b->step);
            assert_same_floats(a->value, b->value, a->count, "value");
            assert_same_floats(a->m, b->m, a->count, "m");
            assert_same_floats(a->v, b->v, a->count, "v");
            assert_int_equal(fast->step2[k], plain->step2[k]);
            if (fast->m2[k]) {
                assert_same_floats(fast->m2[k], plain->m2[k], a->count, "m2");
                assert_same_floats(fast->v2[k], plain->v2[k], a->count, "v2");
            }
        }
    }
}

static void test_sparse_adam_equals_dense(void **state)
{
    (void)state;
    for (int alg = 0; alg < 4; alg++) {
        orl_rl_net *fast = make_net(alg), *plain = make_net(alg);
        plain->dense_adam = 1;
        run_side_by_side(fast, plain, 10);
        /* Some rows of the Q head and the embedding were never touched, yet
         * moved (their moments decay): the sparse path must not skip them. */
        orl_rl_net_free(fast);
        orl_rl_net_free(plain);
    }
}

static void test_joint_targets_equal_separate(void **state)
{
    (void)state;
    if (!orl_kgemm_native()) {
        /* CBLAS rounds by the row count: joint calls differ in the last bits. */
        print_message("skipped: bit equality needs the AVX-512 kernel\n");
        skip();
    }
    for (int alg = 0; alg < 4; alg++) {
        orl_rl_net *fast = make_net(alg), *plain = make_net(alg);
        plain->separate_targets = 1;
        run_side_by_side(fast, plain, 8);
        /* The targets themselves, after the last step. */
        assert_memory_equal(fast->a_star_c, plain->a_star_c, sizeof(int32_t) * 2 * B);
        assert_memory_equal(fast->q_tc, plain->q_tc, sizeof(float) * 2 * B);
        orl_rl_net_free(fast);
        orl_rl_net_free(plain);
    }
}

static void test_all_fast_paths_equal_the_plain_step(void **state)
{
    (void)state;
    if (!orl_kgemm_native()) {
        /* CBLAS rounds by the row count: joint calls differ in the last bits. */
        print_message("skipped: bit equality needs the AVX-512 kernel\n");
        skip();
    }
    for (int alg = 0; alg < 4; alg++) {
        orl_rl_net *fast = make_net(alg), *plain = make_net(alg);
        plain->separate_targets = 1;
        plain->dense_adam = 1;
        run_side_by_side(fast, plain, 8);
        orl_rl_net_free(fast);
        orl_rl_net_free(plain);
    }
}

/* orl_gru4rec_step from the encodings of histories of length len equals
 * encoding the histories of length len + 1, bit for bit, at the bench's sizes
 * (E = H = 64) with 2 threads on the AVX-512 kernel; to rounding on the CBLAS
 * fallback (whose blocking depends on the row count). */
static void check_step_equals_longer_encode(int force_blas)
{
    enum { N = 37, W = 6, NI = 300 };
    orl_gru4rec_dims d = {NI, 64, 64, W};
    orl_param_spec specs[ORL_GRU4REC_N_PARAMS];
    orl_gru4rec_param_specs(d, specs);
    orl_params p;
    assert_orl_ok(orl_params_init(&p, specs, ORL_GRU4REC_N_PARAMS, 0));
    orl_rng rng;
    orl_rng_init(&rng, 9, 0);
    orl_gru4rec_init(&p, d, &rng);
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    orl_kgemm_force_blas(force_blas);
    float *block = orl_aligned_alloc(sizeof(float) * orl_gru4rec_work_floats(d, N));
    float *scratch = orl_aligned_alloc(sizeof(float) * orl_gru4rec_step_floats(d, N));
    float *h = orl_aligned_alloc(sizeof(float) * N * 64 * 3);
    assert_non_null(block);
    assert_non_null(scratch);
    assert_non_null(h);
    orl_gru4rec_work w;
    orl_gru4rec_work_bind(&w, block, d, N);
    int32_t s[N * W], ls[N], ns[N * W], lns[N], next[N];
    for (int b = 0; b < N; b++) {
        ls[b] = 1 + b % (W - 1);
        lns[b] = ls[b] + 1;
        next[b] = (b * 31 + 5) % NI;
        for (int t = 0; t < W; t++) {
            s[b * W + t] = t < ls[b] ? (b * 17 + t * 13) % NI : NI;
            ns[b * W + t] = t < ls[b] ? s[b * W + t] : (t == ls[b] ? next[b] : NI);
        }
    }
    float *h_s = h, *h_step = h + N * 64, *h_long = h + 2 * N * 64;
    orl_gru4rec_forward(pool, &p, d, &w, s, ls, N, h_s);
    orl_gru4rec_step(pool, &p, d, &w, h_s, next, N, h_step, scratch);
    orl_gru4rec_forward(pool, &p, d, &w, ns, lns, N, h_long);
    if (orl_kgemm_native() && !force_blas) {
        assert_memory_equal(h_step, h_long, sizeof(float) * N * 64);
    } else {
        /* CBLAS blocks by the row count: the last bits may differ. */
        for (int i = 0; i < N * 64; i++) assert_true(fabsf(h_step[i] - h_long[i]) < 1e-6f);
    }
    /* The step depends on its inputs: a different item gives another state. */
    next[0] = (next[0] + 1) % NI;
    orl_gru4rec_step(pool, &p, d, &w, h_s, next, 1, h_step, scratch);
    assert_memory_not_equal(h_step, h_long, sizeof(float) * 64);
    orl_kgemm_force_blas(0);
    orl_aligned_free(block);
    orl_aligned_free(scratch);
    orl_aligned_free(h);
    orl_pool_free(pool);
    orl_params_free(&p);
}

static void test_gru_step_equals_encoding_the_longer_history(void **state)
{
    (void)state;
    check_step_equals_longer_encode(0);
    check_step_equals_longer_encode(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gru_step_equals_encoding_the_longer_history),
        cmocka_unit_test(test_sparse_adam_equals_dense),
        cmocka_unit_test(test_joint_targets_equal_separate),
        cmocka_unit_test(test_all_fast_paths_equal_the_plain_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
