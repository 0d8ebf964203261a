/* Finite-difference gradient checks for every layer and the loss, plus the
 * kernels they rest on. Objectives are L = sum(out * R) for a fixed random R. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/pool.h"
#include "nn/dropout.h"
#include "nn/embedding.h"
#include "nn/gru.h"
#include "nn/kgemm.h"
#include "nn/linear.h"
#include "nn/softmax_ce.h"
#include "nn/vmath.h"
#include "nn_test_util.h"
#include "test_support.h"

static double dot_d(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

static void test_fast_exp_matches_libm(void **state)
{
    (void)state;
    double worst = 0;
    for (float x = -80.0f; x < 80.0f; x += 0.01234f) {
        double rel = fabs(orl_fast_expf(x) - exp((double)x)) / exp((double)x);
        if (rel > worst) worst = rel;
    }
    assert_true(worst < 5e-7);
    assert_true(orl_fast_expf(-1000.0f) < 1e-37f);
    float z[37], b[37];
    for (int i = 0; i < 37; i++) {
        z[i] = (float)i * 0.5f - 9.0f;
        b[i] = (float)(i % 3);
    }
    double ref = 0;
    for (int i = 0; i < 37; i++) ref += exp((double)z[i] + b[i] - 3.0);
    assert_true(fabs(orl_vec_sumexp_bias(z, b, 37, 3.0f) - ref) < 1e-5 * ref);
    float mx = -INFINITY;
    for (int i = 0; i < 37; i++) mx = z[i] + b[i] > mx ? z[i] + b[i] : mx;
    assert_true(orl_vec_max_bias(z, b, 37) == mx);
    float t[5] = {-30.0f, -1.0f, 0.0f, 0.5f, 30.0f};
    orl_vec_tanh(t, 5);
    assert_true(fabsf(t[0] + 1.0f) < 1e-6f && fabsf(t[4] - 1.0f) < 1e-6f);
    assert_true(fabsf(t[1] - tanhf(-1.0f)) < 1e-6f && fabsf(t[3] - tanhf(0.5f)) < 1e-6f);
}

/* ---- embedding ---- */
typedef struct emb_ctx {
    float *table, *out, *r;
    const int32_t *ids;
    size_t n, dim;
} emb_ctx;

static double emb_loss(void *p)
{
    emb_ctx *c = p;
    orl_embedding_forward(c->out, c->ids, c->n, c->table, c->dim);
    return dot_d(c->out, c->r, c->n * c->dim);
}

static void test_embedding_gradient(void **state)
{
    (void)state;
    enum { ROWS = 7, DIM = 5, N = 9 };
    const int32_t ids[N] = {0, 3, 3, 6, 1, 3, 0, 2, 5}; /* repeats must accumulate */
    float table[ROWS * DIM], out[N * DIM], r[N * DIM], grad[ROWS * DIM];
    orl_rng rng;
    orl_rng_init(&rng, 1, 0);
    nn_fill_normal(table, ROWS * DIM, 1.0f, &rng);
    nn_fill_normal(r, N * DIM, 1.0f, &rng);
    memset(grad, 0, sizeof grad);
    orl_embedding_backward(grad, r, ids, N, DIM);
    emb_ctx c = {table, out, r, ids, N, DIM};
    nn_check_grad("embedding", emb_loss, &c, table, grad, ROWS * DIM, ROWS * DIM, 1e-2f, 1e-3,
                  1e-3);
    /* Row 4 is never used: its gradient is exactly zero. */
    for (int k = 0; k < DIM; k++) assert_true(grad[4 * DIM + k] == 0.0f);
}

/* ---- linear ---- */
typedef struct lin_ctx {
    float *in, *w, *b, *out, *r;
    orl_linear_dims d;
} lin_ctx;

static double lin_loss(void *p)
{
    lin_ctx *c = p;
    orl_linear_forward(NULL, c->out, c->in, c->w, c->b, c->d);
    return dot_d(c->out, c->r, (size_t)c->d.n * c->d.out_dim);
}

static void test_linear_gradient(void **state)
{
    (void)state;
    orl_linear_dims d = {6, 5, 4};
    float in[30], w[20], b[4], out[24], r[24], din[30], dw[20], db[4];
    orl_rng rng;
    orl_rng_init(&rng, 2, 0);
    nn_fill_normal(in, 30, 1.0f, &rng);
    nn_fill_normal(w, 20, 1.0f, &rng);
    nn_fill_normal(b, 4, 1.0f, &rng);
    nn_fill_normal(r, 24, 1.0f, &rng);
    orl_linear_backward(NULL, din, dw, db, r, in, w, d, 0);
    lin_ctx c = {in, w, b, out, r, d};
    nn_check_grad("linear.in", lin_loss, &c, in, din, 30, 30, 1e-2f, 1e-3, 1e-3);
    nn_check_grad("linear.w", lin_loss, &c, w, dw, 20, 20, 1e-2f, 1e-3, 1e-3);
    nn_check_grad("linear.b", lin_loss, &c, b, db, 4, 4, 1e-2f, 1e-3, 1e-3);
    /* accumulate adds to what is there */
    float dw2[20];
    memcpy(dw2, dw, sizeof dw);
    orl_linear_backward(NULL, NULL, dw2, NULL, r, in, w, d, 1);
    for (int i = 0; i < 20; i++) assert_true(fabsf(dw2[i] - 2.0f * dw[i]) < 1e-5f);
}

/* ---- dropout ---- */
static void test_dropout_mask_and_gradient(void **state)
{
    (void)state;
    enum { N = 20000 };
    float *mask = orl_malloc(sizeof(float) * N);
    orl_rng rng;
    orl_rng_init(&rng, 3, 0);
    orl_dropout_mask(mask, N, 0.25f, &rng);
    int zeros = 0;
    for (int i = 0; i < N; i++) {
        assert_true(mask[i] == 0.0f || fabsf(mask[i] - 1.0f / 0.75f) < 1e-6f);
        zeros += mask[i] == 0.0f;
    }
    assert_true(zeros > N * 0.23 && zeros < N * 0.27);
    /* With the mask fixed the layer is linear: d_in = d_out * mask exactly,
     * which is its finite difference too. */
    float in[8], out[8], d_out[8], d_in[8];
    orl_rng_init(&rng, 4, 0);
    nn_fill_normal(in, 8, 1.0f, &rng);
    nn_fill_normal(d_out, 8, 1.0f, &rng);
    orl_dropout_forward(out, in, mask, 8);
    orl_dropout_backward(d_in, d_out, mask, 8);
    for (int i = 0; i < 8; i++) {
        float e = 1e-2f, keep = in[i];
        float o1, o2;
        in[i] = keep + e;
        orl_dropout_forward(&o1, in + i, mask + i, 1);
        in[i] = keep - e;
        orl_dropout_forward(&o2, in + i, mask + i, 1);
        in[i] = keep;
        assert_true(fabsf((o1 - o2) / (2 * e) * d_out[i] - d_in[i]) < 1e-3f);
        assert_true(out[i] == in[i] * mask[i]);
    }
    /* Same seed, same mask. */
    float *again = orl_malloc(sizeof(float) * N);
    orl_rng_init(&rng, 3, 0);
    orl_dropout_mask(again, N, 0.25f, &rng);
    assert_memory_equal(mask, again, sizeof(float) * N);
    orl_free(again);
    orl_free(mask);
}

/* ---- GRU ---- */
enum { GB = 5, GT = 4, GE = 3, GH = 4 };

typedef struct gru_ctx {
    orl_pool *pool;
    float *x, *w_ih, *w_hh, *b_ih, *b_hh, *out, *r;
    int32_t lens[GB];
    orl_gru_cache cache;
} gru_ctx;

static orl_gru_dims gdims(void)
{
    orl_gru_dims d = {GB, GT, GE, GH};
    return d;
}

static double gru_loss(void *p)
{
    gru_ctx *c = p;
    orl_gru_weights w = {c->w_ih, c->w_hh, c->b_ih, c->b_hh};
    orl_gru_forward(c->pool, c->out, c->x, c->lens, w, gdims(), &c->cache);
    return dot_d(c->out, c->r, GB * GH);
}

/* Plain torch.nn.GRU recurrence in double for one row. */
static void gru_reference(const gru_ctx *c, int b, double *h)
{
    for (int k = 0; k < GH; k++) h[k] = 0;
    for (int t = 0; t < c->lens[b]; t++) {
        const float *x = c->x + ((size_t)t * GB + b) * GE;
        double gi[3 * GH], gh[3 * GH], hn[GH];
        for (int j = 0; j < 3 * GH; j++) {
            gi[j] = c->b_ih[j];
            gh[j] = c->b_hh[j];
            for (int k = 0; k < GE; k++) gi[j] += c->w_ih[j * GE + k] * (double)x[k];
            for (int k = 0; k < GH; k++) gh[j] += c->w_hh[j * GH + k] * h[k];
        }
        for (int k = 0; k < GH; k++) {
            double r = 1 / (1 + exp(-(gi[k] + gh[k])));
            double z = 1 / (1 + exp(-(gi[GH + k] + gh[GH + k])));
            double n = tanh(gi[2 * GH + k] + r * gh[2 * GH + k]);
            hn[k] = (1 - z) * n + z * h[k];
        }
        memcpy(h, hn, sizeof hn);
    }
}

static void run_gru_check(int threads)
{
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(threads, &pool));
    float x[GT * GB * GE], w_ih[3 * GH * GE], w_hh[3 * GH * GH], b_ih[3 * GH], b_hh[3 * GH];
    float out[GB * GH], r[GB * GH], dx[GT * GB * GE];
    float gw_ih[3 * GH * GE] = {0}, gw_hh[3 * GH * GH] = {0}, gb_ih[3 * GH] = {0},
                         gb_hh[3 * GH] = {0};
    orl_rng rng;
    orl_rng_init(&rng, 5, 0);
    nn_fill_normal(x, sizeof x / 4, 1.0f, &rng);
    nn_fill_normal(w_ih, sizeof w_ih / 4, 0.6f, &rng);
    nn_fill_normal(w_hh, sizeof w_hh / 4, 0.6f, &rng);
    nn_fill_normal(b_ih, sizeof b_ih / 4, 0.3f, &rng);
    nn_fill_normal(b_hh, sizeof b_hh / 4, 0.3f, &rng);
    nn_fill_normal(r, sizeof r / 4, 1.0f, &rng);
    float *block = orl_aligned_alloc(sizeof(float) * orl_gru_cache_floats(gdims()));
    gru_ctx c = {pool, x, w_ih, w_hh, b_ih, b_hh, out, r, {3, 1, 4, 2, 3}, {0}};
    orl_gru_cache_bind(&c.cache, block, gdims());
    gru_loss(&c);
    /* Forward equals the plain recurrence, stopped at each row's length. */
    for (int b = 0; b < GB; b++) {
        double h[GH];
        gru_reference(&c, b, h);
        for (int k = 0; k < GH; k++) assert_true(fabs(out[b * GH + k] - h[k]) < 1e-5);
    }
    orl_gru_weights w = {w_ih, w_hh, b_ih, b_hh};
    orl_gru_grads g = {gw_ih, gw_hh, gb_ih, gb_hh};
    orl_gru_backward(pool, dx, g, r, x, c.lens, w, gdims(), &c.cache);
    nn_check_grad("gru.x", gru_loss, &c, x, dx, sizeof x / 4, 1000, 1e-2f, 1e-2, 1e-3);
    nn_check_grad("gru.w_ih", gru_loss, &c, w_ih, gw_ih, sizeof w_ih / 4, 1000, 1e-2f, 1e-2, 1e-3);
    nn_check_grad("gru.w_hh", gru_loss, &c, w_hh, gw_hh, sizeof w_hh / 4, 1000, 1e-2f, 1e-2, 1e-3);
    nn_check_grad("gru.b_ih", gru_loss, &c, b_ih, gb_ih, sizeof b_ih / 4, 1000, 1e-2f, 1e-2, 1e-3);
    nn_check_grad("gru.b_hh", gru_loss, &c, b_hh, gb_hh, sizeof b_hh / 4, 1000, 1e-2f, 1e-2, 1e-3);
    /* Inputs past a row's length have no influence and zero gradient. */
    for (int b = 0; b < GB; b++)
        for (int t = c.lens[b]; t < GT; t++)
            for (int k = 0; k < GE; k++) assert_true(dx[((size_t)t * GB + b) * GE + k] == 0.0f);
    /* The one-history path agrees with the batched one. */
    gru_loss(&c); /* out for the unperturbed weights */
    float xs[GT * GE], one[GH], *scr = orl_malloc(sizeof(float) * orl_gru_one_floats(gdims()));
    for (int b = 0; b < GB; b++) {
        for (int t = 0; t < GT; t++) memcpy(xs + t * GE, x + ((size_t)t * GB + b) * GE, GE * 4);
        orl_gru_encode_one(one, xs, c.lens[b], w, gdims(), scr);
        for (int k = 0; k < GH; k++) assert_true(fabsf(one[k] - out[b * GH + k]) < 1e-5f);
    }
    orl_free(scr);
    orl_aligned_free(block);
    orl_pool_free(pool);
}

static void test_gru_gradient_variable_lengths(void **state)
{
    (void)state;
    run_gru_check(1);
    run_gru_check(2); /* rows split over threads */
    orl_kgemm_force_blas(1);
    run_gru_check(2);
    orl_kgemm_force_blas(0);
}

/* ---- fused softmax cross-entropy ---- */
typedef struct ce_ctx {
    orl_pool *pool;
    float *h, *w, *b, *scratch;
    const int32_t *targets;
    orl_ce_dims d;
} ce_ctx;

static double ce_loss(void *p)
{
    ce_ctx *c = p;
    return orl_softmax_ce(c->pool, c->h, c->w, c->b, c->targets, c->d, NULL, NULL, NULL, c->scratch,
                          NULL, NULL, NULL);
}

/* Double-precision 3-step reference: logits, log-softmax, gradients. */
static void ce_reference(const ce_ctx *c, double *loss, double *dh, double *dw, double *db)
{
    const int B = c->d.batch, H = c->d.hidden, I = c->d.n_items;
    double *z = calloc((size_t)I, sizeof(double));
    *loss = 0;
    memset(dh, 0, sizeof(double) * B * H);
    memset(dw, 0, sizeof(double) * I * H);
    memset(db, 0, sizeof(double) * I);
    for (int r = 0; r < B; r++) {
        double m = -INFINITY, s = 0;
        for (int i = 0; i < I; i++) {
            z[i] = c->b[i] + dot_d(c->h + r * H, c->w + (size_t)i * H, H);
            if (z[i] > m) m = z[i];
        }
        for (int i = 0; i < I; i++) s += exp(z[i] - m);
        double lse = m + log(s);
        *loss += (lse - z[c->targets[r]]) / B;
        for (int i = 0; i < I; i++) {
            double g = (exp(z[i] - lse) - (i == c->targets[r])) / B;
            db[i] += g;
            for (int k = 0; k < H; k++) {
                dw[(size_t)i * H + k] += g * c->h[r * H + k];
                dh[r * H + k] += g * c->w[(size_t)i * H + k];
            }
        }
    }
    free(z);
}

static void run_ce_check(int threads, int B, int H, int I, float wscale, int recompute)
{
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(threads, &pool));
    orl_ce_dims d = {B, H, I, recompute};
    float *h = orl_malloc(sizeof(float) * B * H), *w = orl_malloc(sizeof(float) * I * H);
    float *b = orl_malloc(sizeof(float) * I), *dh = orl_malloc(sizeof(float) * B * H);
    float *dw = orl_malloc(sizeof(float) * I * H), *db = orl_malloc(sizeof(float) * I);
    float *scratch = orl_aligned_alloc(sizeof(float) * orl_softmax_ce_scratch_floats(d, threads));
    int32_t *targets = orl_malloc(sizeof(int32_t) * B);
    orl_rng rng;
    orl_rng_init(&rng, 6, (uint64_t)I);
    nn_fill_normal(h, (size_t)B * H, 1.0f, &rng);
    nn_fill_normal(w, (size_t)I * H, wscale, &rng);
    nn_fill_normal(b, (size_t)I, 0.5f, &rng);
    for (int r = 0; r < B; r++) targets[r] = (int32_t)orl_rng_below(&rng, (uint32_t)I);
    targets[0] = I - 1; /* a target in the last, partial tile */
    ce_ctx c = {pool, h, w, b, scratch, targets, d};
    float loss = orl_softmax_ce(pool, h, w, b, targets, d, dh, dw, db, scratch, NULL, NULL, NULL);
    double rl, *rdh = malloc(sizeof(double) * B * H), *rdw = malloc(sizeof(double) * I * H),
               *rdb = malloc(sizeof(double) * I);
    ce_reference(&c, &rl, rdh, rdw, rdb);
    assert_true(fabs(loss - rl) < 1e-4 * (1 + fabs(rl)));
    for (int i = 0; i < B * H; i++) assert_true(fabs(dh[i] - rdh[i]) < 1e-5 + 1e-3 * fabs(rdh[i]));
    for (size_t i = 0; i < (size_t)I * H; i++)
        assert_true(fabs(dw[i] - rdw[i]) < 1e-6 + 1e-3 * fabs(rdw[i]));
    for (int i = 0; i < I; i++) assert_true(fabs(db[i] - rdb[i]) < 1e-6 + 1e-3 * fabs(rdb[i]));
    /* And against finite differences of the fused loss itself. */
    nn_check_grad("ce.h", ce_loss, &c, h, dh, (size_t)B * H, 40, 1e-2f, 1e-2, 1e-2);
    if (wscale < 1.0f) { /* peaked softmaxes leave w, b gradients ~0 almost everywhere */
        nn_check_grad("ce.w", ce_loss, &c, w, dw, (size_t)I * H, 40, 1e-2f, 2e-2, 1e-2);
        nn_check_grad("ce.b", ce_loss, &c, b, db, (size_t)I, 40, 1e-2f, 2e-2, 1e-2);
    }
    free(rdh);
    free(rdw);
    free(rdb);
    orl_free(targets);
    orl_aligned_free(scratch);
    orl_free(h);
    orl_free(w);
    orl_free(b);
    orl_free(dh);
    orl_free(dw);
    orl_free(db);
    orl_pool_free(pool);
}

static void test_softmax_ce_fused_gradient(void **state)
{
    (void)state;
    run_ce_check(1, 7, 5, 37, 0.5f, 0);     /* one partial tile */
    run_ce_check(1, 9, 8, 1300, 0.5f, 0);   /* several tiles */
    run_ce_check(2, 9, 8, 1300, 0.5f, 0);   /* tiles split over threads */
    run_ce_check(3, 4, 3, 600, 0.5f, 0);    /* more threads than full tiles */
    run_ce_check(2, 6, 4, 1100, 8.0f, 0);   /* logits spanning > 100 nats */
    run_ce_check(2, 13, 64, 1100, 0.3f, 0); /* the reference's hidden size: native kernels */
    run_ce_check(1, 7, 16, 530, 0.3f, 0);
    /* The same with the logits recomputed in pass 2 (large-catalogue path). */
    run_ce_check(1, 9, 8, 1300, 0.5f, 1);
    run_ce_check(2, 13, 64, 1100, 0.3f, 1);
    run_ce_check(3, 4, 3, 600, 0.5f, 1);
    /* And through the CBLAS fallback (CPUs without AVX-512). */
    orl_kgemm_force_blas(1);
    run_ce_check(2, 13, 64, 1100, 0.3f, 0);
    run_ce_check(2, 13, 64, 1100, 0.3f, 1);
    orl_kgemm_force_blas(0);
}

static void test_softmax_ce_nonfinite_loss_leaves_gradients(void **state)
{
    (void)state;
    orl_ce_dims d = {2, 2, 3, 0};
    float h[4] = {1, 2, NAN, 0}, w[6] = {1, 0, 0, 1, 1, 1}, b[3] = {0};
    float dh[4] = {7, 7, 7, 7}, dw[6] = {7, 7, 7, 7, 7, 7}, db[3] = {7, 7, 7};
    int32_t t[2] = {0, 2};
    float *scratch = orl_aligned_alloc(sizeof(float) * orl_softmax_ce_scratch_floats(d, 1));
    float loss = orl_softmax_ce(NULL, h, w, b, t, d, dh, dw, db, scratch, NULL, NULL, NULL);
    assert_false(isfinite(loss));
    for (int i = 0; i < 6; i++) assert_true(dw[i] == 7.0f);
    assert_true(dh[0] == 7.0f && db[2] == 7.0f);
    orl_aligned_free(scratch);
}

/* Regression: scratch sized for the configured batch must also hold a smaller
 * batch's call. At 25,008 items 256 rows of logits (25.6 MB) are recomputed,
 * but the 21 rows of an epoch's last batch are kept (2.1 MB), which used to
 * write past the scratch: a crash in CE training on the 25,000-item set. A
 * canary after the exact size catches any overrun, with or without ASan. */
static void test_softmax_ce_small_last_batch_stays_in_scratch(void **state)
{
    (void)state;
    enum { B = 256, SMALL = 21, H = 8, I = 25008, CANARY = 4096 };
    orl_ce_dims full = {B, H, I, 0}, last = {SMALL, H, I, 0};
    orl_pool *pool = NULL;
    assert_int_equal(orl_pool_create(2, &pool), ORL_OK);
    size_t n = orl_softmax_ce_scratch_floats(full, 2);
    float *scratch = orl_aligned_alloc(sizeof(float) * (n + CANARY));
    float *w = orl_aligned_alloc(sizeof(float) * (size_t)I * H);
    float *dw = orl_aligned_alloc(sizeof(float) * (size_t)I * H);
    float *bias = calloc(I, sizeof(float)), *db = calloc(I, sizeof(float));
    float h[SMALL * H], dh[SMALL * H];
    int32_t t[SMALL];
    assert_non_null(scratch);
    assert_non_null(w);
    assert_non_null(dw);
    assert_non_null(bias);
    assert_non_null(db);
    orl_rng r;
    orl_rng_init(&r, 5, 0);
    for (size_t i = 0; i < (size_t)I * H; i++)
        w[i] = 0.1f * (float)(orl_rng_uniform_double(&r) - 0.5);
    for (int i = 0; i < SMALL * H; i++) h[i] = (float)(orl_rng_uniform_double(&r) - 0.5);
    for (int i = 0; i < SMALL; i++) t[i] = (int32_t)orl_rng_below(&r, I);
    for (size_t i = 0; i < CANARY; i++) scratch[n + i] = -7.25f;
    float loss = orl_softmax_ce(pool, h, w, bias, t, last, dh, dw, db, scratch, NULL, NULL, NULL);
    assert_true(isfinite(loss));
    for (size_t i = 0; i < CANARY; i++) assert_true(scratch[n + i] == -7.25f);
    /* The two-call form (SAC, SA2C) keeps logits between its calls too. */
    float rows[SMALL];
    orl_softmax_ce_forward(pool, h, w, bias, t, last, scratch, rows);
    orl_softmax_ce_backward(pool, h, w, bias, t, NULL, last, dh, dw, db, scratch);
    for (size_t i = 0; i < CANARY; i++) assert_true(scratch[n + i] == -7.25f);
    orl_aligned_free(scratch);
    orl_aligned_free(w);
    orl_aligned_free(dw);
    free(bias);
    free(db);
    orl_pool_free(pool);
}

/* orl_kgemm against a naive product in every stride form and edge shape. */
static void test_kgemm_matches_naive(void **state)
{
    (void)state;
    const int shapes[][3] = {{1, 16, 1},     {6, 64, 64}, {7, 80, 33},    {13, 48, 5},
                             {256, 64, 200}, {5, 17, 9},  {192, 64, 300}, {3, 128, 2}};
    orl_rng r;
    orl_rng_init(&r, 77, 0);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * (n + 3));
        float *c = malloc(sizeof(float) * m * (n + 5)), *c0 = malloc(sizeof(float) * m * (n + 5));
        nn_fill_normal(a, (size_t)m * k, 1.0f, &r);
        nn_fill_normal(b, (size_t)k * (n + 3), 1.0f, &r);
        nn_fill_normal(c0, (size_t)m * (n + 5), 1.0f, &r);
        for (int trans = 0; trans < 2; trans++)
            for (int acc = 0; acc < 2; acc++) {
                memcpy(c, c0, sizeof(float) * m * (n + 5));
                int a_rs = trans ? 1 : k, a_ps = trans ? m : 1;
                orl_kgemm(m, n, k, a, a_rs, a_ps, b, n + 3, c, n + 5, acc);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double want = acc ? c0[i * (n + 5) + j] : 0.0;
                        for (int p = 0; p < k; p++)
                            want += (double)a[i * a_rs + p * a_ps] * b[p * (n + 3) + j];
                        assert_true(fabs(c[i * (n + 5) + j] - want) < 1e-4 * (1 + fabs(want)));
                    }
                    for (int j = n; j < n + 5; j++) /* nothing past N is touched */
                        assert_true(c[i * (n + 5) + j] == c0[i * (n + 5) + j]);
                }
            }
        free(a);
        free(b);
        free(c);
        free(c0);
    }
    print_message("kgemm native kernel: %s\n", orl_kgemm_native() ? "AVX-512" : "CBLAS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_exp_matches_libm),
        cmocka_unit_test(test_kgemm_matches_naive),
        cmocka_unit_test(test_embedding_gradient),
        cmocka_unit_test(test_linear_gradient),
        cmocka_unit_test(test_dropout_mask_and_gradient),
        cmocka_unit_test(test_gru_gradient_variable_lengths),
        cmocka_unit_test(test_softmax_ce_fused_gradient),
        cmocka_unit_test(test_softmax_ce_nonfinite_loss_leaves_gradients),
        cmocka_unit_test(test_softmax_ce_small_last_batch_stays_in_scratch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
