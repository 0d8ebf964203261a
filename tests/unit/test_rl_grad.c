/* Gradient checks for the RL networks: the weighted fused softmax-CE, the
 * gathered Q rows, the tiled argmax, and the whole SQN / SNQN / SAC / SA2C
 * loss of rl_net against central finite differences, parameter by parameter
 * (Q heads, CE head and through the GRU encoder into the embeddings). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "core/alloc.h"
#include "core/pool.h"
#include "core/rng.h"
#include "models/q_head.h"
#include "models/rl_net_internal.h"
#include "nn/kgemm.h"
#include "nn/linear_argmax.h"
#include "nn/linear_rows.h"
#include "nn/softmax_ce.h"

static void fill(float *x, size_t n, float scale, orl_rng *r)
{
    for (size_t i = 0; i < n; i++) x[i] = scale * (2.0f * orl_rng_uniform(r) - 1.0f);
}

static int close_enough(double analytic, double numeric, double atol, double rtol)
{
    return fabs(analytic - numeric) <= atol + rtol * fabs(numeric);
}

/* ---------------------------------------------------------------- weighted CE */

static double naive_weighted_ce(const float *h, const float *w, const float *b, const int32_t *t,
                                const float *rw, int B, int H, int I, double *rows)
{
    double loss = 0.0;
    double *z = malloc(sizeof(double) * (size_t)I);
    assert_non_null(z);
    for (int r = 0; r < B; r++) {
        double m = -INFINITY;
        for (int i = 0; i < I; i++) {
            double s = b[i];
            for (int k = 0; k < H; k++) s += (double)h[r * H + k] * w[(size_t)i * H + k];
            z[i] = s;
            m = s > m ? s : m;
        }
        double sum = 0.0;
        for (int i = 0; i < I; i++) sum += exp(z[i] - m);
        double ce = m + log(sum) - z[t[r]];
        if (rows) rows[r] = ce;
        loss += (rw ? rw[r] : 1.0) * ce;
    }
    free(z);
    return loss / B;
}

/* The weighted two-call form against central differences, on the path that
 * recomputes the logits in pass 2 (recompute 1) and the one that keeps them
 * from pass 1 (-1), for one tile and for several (with a partial last tile
 * spread over two threads). Large catalogues check every `stride`-th entry. */
static void weighted_ce_case(int I, int recompute, size_t stride)
{
    enum { B = 5, H = 4 };
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    orl_rng r;
    orl_rng_init(&r, 11, 0);
    float h[B * H], rw[B] = {0.5f, 0.0f, 2.0f, -0.3f, 1.0f};
    float *w = malloc(sizeof(float) * (size_t)I * H), *b = malloc(sizeof(float) * (size_t)I);
    float *dw = malloc(sizeof(float) * (size_t)I * H), *db = malloc(sizeof(float) * (size_t)I);
    float *dw1 = malloc(sizeof(float) * (size_t)I * H), *db1 = malloc(sizeof(float) * (size_t)I);
    assert_true(w && b && dw && db && dw1 && db1);
    int32_t t[B] = {0, I - 1, 5, 5, I / 2};
    fill(h, B * H, 1.0f, &r);
    fill(w, (size_t)I * H, 1.0f, &r);
    fill(b, (size_t)I, 0.5f, &r);
    orl_ce_dims d = {B, H, I, recompute};
    float *scratch = orl_aligned_alloc(sizeof(float) * orl_softmax_ce_scratch_floats(d, 2));
    assert_non_null(scratch);
    float rows[B], dh[B * H];
    float mean = orl_softmax_ce_forward(pool, h, w, b, t, d, scratch, rows);
    double nrows[B];
    double ref = naive_weighted_ce(h, w, b, t, NULL, B, H, I, nrows);
    assert_true(fabs(mean - ref) < 1e-5);
    for (int i = 0; i < B; i++) assert_true(fabs(rows[i] - nrows[i]) < 1e-5);
    orl_softmax_ce_backward(pool, h, w, b, t, rw, d, dh, dw, db, scratch);

    const double eps = 1e-3;
    float *sets[3] = {h, w, b}, *grads[3] = {dh, dw, db};
    size_t sizes[3] = {B * H, (size_t)I * H, (size_t)I};
    for (int s = 0; s < 3; s++)
        for (size_t i = 0; i < sizes[s]; i += (s == 0 ? 1 : stride)) {
            float keep = sets[s][i];
            sets[s][i] = keep + (float)eps;
            double lp = naive_weighted_ce(h, w, b, t, rw, B, H, I, NULL);
            sets[s][i] = keep - (float)eps;
            double lm = naive_weighted_ce(h, w, b, t, rw, B, H, I, NULL);
            sets[s][i] = keep;
            double fd = (lp - lm) / (2 * eps);
            if (!close_enough(grads[s][i], fd, 1e-4, 1e-3))
                fail_msg("I %d recompute %d tensor %d index %zu: analytic %g, numeric %g", I,
                         recompute, s, i, (double)grads[s][i], fd);
        }
    /* The one-call form (with its fused bias gradient) still equals forward +
     * unweighted backward. */
    float dh1[B * H];
    float loss1 = orl_softmax_ce(pool, h, w, b, t, d, dh1, dw1, db1, scratch, NULL, NULL, NULL);
    assert_true(fabs(loss1 - ref) < 1e-5);
    float ones[B] = {1, 1, 1, 1, 1};
    orl_softmax_ce_forward(pool, h, w, b, t, d, scratch, NULL);
    orl_softmax_ce_backward(pool, h, w, b, t, ones, d, dh, dw, db, scratch);
    for (size_t i = 0; i < (size_t)I * H; i++) assert_true(fabs(dw[i] - dw1[i]) < 1e-6);
    for (int i = 0; i < I; i++) assert_true(fabs(db[i] - db1[i]) < 1e-6);
    for (int i = 0; i < B * H; i++) assert_true(fabs(dh[i] - dh1[i]) < 1e-6);
    orl_aligned_free(scratch);
    free(w);
    free(b);
    free(dw);
    free(db);
    free(dw1);
    free(db1);
    orl_pool_free(pool);
}

static void test_weighted_ce_matches_finite_differences(void **state)
{
    (void)state;
    weighted_ce_case(37, 1, 1);
    weighted_ce_case(37, -1, 1);
    weighted_ce_case(1100, 1, 13);
    weighted_ce_case(1100, -1, 13);
}

/* ---------------------------------------------------------------- Q rows */

static double rows_objective(const float *h, const float *w, const float *bias, const int32_t *idx,
                             const float *coef, orl_linear_rows_dims d)
{
    float out[64];
    orl_linear_rows_forward(out, h, w, bias, idx, d);
    double s = 0.0;
    for (int i = 0; i < d.batch * d.k; i++) s += (double)coef[i] * out[i];
    return s;
}

static void test_linear_rows_forward_and_gradients(void **state)
{
    (void)state;
    enum { B = 3, K = 4, H = 5, I = 6 };
    orl_rng r;
    orl_rng_init(&r, 3, 0);
    float h[B * H], w[I * H], bias[I], g[B * K];
    int32_t idx[B * K] = {0, 5, 5, 2, 1, 1, 3, 0, 4, 5, 2, 2}; /* repeats accumulate */
    fill(h, B * H, 1.0f, &r);
    fill(w, I * H, 1.0f, &r);
    fill(bias, I, 1.0f, &r);
    fill(g, B * K, 1.0f, &r);
    orl_linear_rows_dims d = {B, K, H};
    float out[B * K];
    orl_linear_rows_forward(out, h, w, bias, idx, d);
    for (int b = 0; b < B; b++)
        for (int j = 0; j < K; j++) {
            double s = bias[idx[b * K + j]];
            for (int c = 0; c < H; c++) s += (double)w[idx[b * K + j] * H + c] * h[b * H + c];
            assert_true(fabs(out[b * K + j] - s) < 1e-5);
        }
    float dh[B * H] = {0}, dw[I * H] = {0}, db[I] = {0};
    orl_linear_rows_backward(dh, dw, db, g, h, w, idx, d);
    const double eps = 1e-2; /* the objective is linear in each tensor */
    float *sets[3] = {h, w, bias}, *grads[3] = {dh, dw, db};
    size_t sizes[3] = {B * H, I * H, I};
    for (int s = 0; s < 3; s++)
        for (size_t i = 0; i < sizes[s]; i++) {
            float keep = sets[s][i];
            sets[s][i] = keep + (float)eps;
            double lp = rows_objective(h, w, bias, idx, g, d);
            sets[s][i] = keep - (float)eps;
            double lm = rows_objective(h, w, bias, idx, g, d);
            sets[s][i] = keep;
            assert_true(close_enough(grads[s][i], (lp - lm) / (2 * eps), 1e-4, 1e-3));
        }
}

/* ---------------------------------------------------------------- argmax */

static void test_linear_argmax_matches_naive_with_ties(void **state)
{
    (void)state;
    enum { B = 7, H = 6, I = 1500 }; /* three tiles, split over two threads */
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    orl_rng r;
    orl_rng_init(&r, 5, 0);
    float *w = malloc(sizeof(float) * I * H), *bias = malloc(sizeof(float) * I);
    float h[B * H];
    fill(w, (size_t)I * H, 1.0f, &r);
    fill(bias, I, 1.0f, &r);
    fill(h, B * H, 1.0f, &r);
    /* Items 1400 and 200 and 700 identical: whichever wins, the lowest id. */
    memcpy(w + 700 * H, w + 1400 * H, sizeof(float) * H);
    memcpy(w + 200 * H, w + 1400 * H, sizeof(float) * H);
    bias[700] = bias[200] = bias[1400] = 50.0f;
    float *scratch = orl_aligned_alloc(sizeof(float) * orl_linear_argmax_scratch_floats(B, H, 2));
    int32_t idx[B];
    float mx[B];
    /* On the AVX-512 kernel (when the CPU has it) and on the CBLAS fallback. */
    for (int run = 0; run < 4; run++) {
        const int with_bias = run & 1;
        orl_kgemm_force_blas(run >> 1);
        const float *bb = with_bias ? bias : NULL;
        orl_linear_argmax(pool, h, w, bb, B, H, I, idx, mx, scratch);
        for (int b = 0; b < B; b++) {
            float best = -INFINITY;
            int arg = -1;
            for (int i = 0; i < I; i++) {
                float s = 0.0f;
                for (int c = 0; c < H; c++) s += h[b * H + c] * w[i * H + c];
                s += bb ? bb[i] : 0.0f;
                if (s > best + 1e-4f) {
                    best = s;
                    arg = i;
                }
            }
            assert_int_equal(idx[b], arg);
            assert_true(fabs(mx[b] - best) < 1e-3);
            if (with_bias) assert_int_equal(idx[b], 200);
        }
    }
    orl_kgemm_force_blas(0);
    orl_aligned_free(scratch);
    free(w);
    free(bias);
    orl_pool_free(pool);
}

/* ---------------------------------------------------------------- encoder */

/* The length-sorted batch encoder (rows reordered so each GRU step runs only
 * the live histories) equals the one-history path, row by row. */
static void test_length_sorted_encoder_matches_single_histories(void **state)
{
    (void)state;
    enum { B = 13, T = 5 };
    orl_gru4rec_dims d = {20, 6, 7, T};
    orl_param_spec specs[ORL_GRU4REC_N_PARAMS];
    orl_gru4rec_param_specs(d, specs);
    orl_params p;
    assert_orl_ok(orl_params_init(&p, specs, ORL_GRU4REC_N_PARAMS, 0));
    orl_rng r;
    orl_rng_init(&r, 8, 0);
    orl_gru4rec_init(&p, d, &r);
    fill(orl_params_at(&p, p.value, ORL_GRU4REC_EMB), 21 * 6, 1.0f, &r);
    int32_t states[B * T], lens[B];
    for (int b = 0; b < B; b++) {
        lens[b] = 1 + (int32_t)orl_rng_below(&r, T);
        for (int t = 0; t < T; t++)
            states[b * T + t] = t < lens[b] ? (int32_t)orl_rng_below(&r, 20) : 20;
    }
    for (int threads = 1; threads <= 3; threads++) {
        orl_pool *pool = NULL;
        assert_orl_ok(orl_pool_create(threads, &pool));
        float *block = orl_aligned_alloc(sizeof(float) * orl_gru4rec_work_floats(d, B));
        orl_gru4rec_work w;
        orl_gru4rec_work_bind(&w, block, d, B);
        float hidden[B * 7], one[7];
        float *scratch = orl_aligned_alloc(sizeof(float) * orl_gru4rec_one_floats(d));
        orl_gru4rec_forward(pool, &p, d, &w, states, lens, B, hidden);
        for (int b = 0; b < B; b++) {
            orl_gru4rec_encode_one(&p, d, states + b * T, lens[b], scratch, one);
            for (int k = 0; k < 7; k++) assert_true(fabs(hidden[b * 7 + k] - one[k]) < 1e-5);
        }
        orl_aligned_free(scratch);
        orl_aligned_free(block);
        orl_pool_free(pool);
    }
    orl_params_free(&p);
}

/* ---------------------------------------------------------------- rl loss */

enum { TB = 4, TI = 7, TT = 3 };

typedef struct rl_case {
    orl_rl_net *net;
    int32_t states[TB * TT], lens[TB], actions[TB], next_states[TB * TT], next_lens[TB];
    float rewards[TB], behaviour[TB];
    uint8_t done[TB];
    int32_t neg[TB * 10];
    orl_rl_inputs in;
} rl_case;

static void make_case(rl_case *c, int algorithm, int n_neg, uint64_t seed)
{
    orl_rl_net_config cfg = orl_rl_net_config_default(TI, algorithm);
    cfg.embed_dim = 4;
    cfg.hidden_dim = 5;
    cfg.window = TT;
    cfg.max_batch = TB;
    cfg.n_neg = n_neg;
    cfg.weight = 0.7f;
    cfg.adv_clip_lo = -10.0f; /* keep every advantage live in the check */
    cfg.ips_smooth = 0.5f;
    assert_orl_ok(orl_rl_net_create(&cfg, seed, 1, &c->net));
    orl_rng r;
    orl_rng_init(&r, seed, 9);
    /* Larger Q heads so that the TD terms carry real gradient. */
    for (int k = 0; k < 2; k++) {
        orl_params *p = &c->net->qn[k];
        fill(orl_params_at(p, p->value, ORL_Q_HEAD_W), TI * 5, 1.0f, &r);
        fill(orl_params_at(p, p->value, ORL_Q_HEAD_B), TI, 1.0f, &r);
        fill(orl_params_at(p, p->value, ORL_GRU4REC_EMB), (TI + 1) * 4, 0.8f, &r);
    }
    static const int32_t lens[TB] = {1, 2, 3, 3};
    for (int b = 0; b < TB; b++) {
        c->lens[b] = lens[b];
        c->actions[b] = (int32_t)orl_rng_below(&r, TI);
        for (int t = 0; t < TT; t++)
            c->states[b * TT + t] = t < lens[b] ? (int32_t)orl_rng_below(&r, TI) : TI;
        /* next state: the action appended, last TT items */
        int32_t seq[TT + 1];
        int n = 0;
        for (int t = 0; t < lens[b]; t++) seq[n++] = c->states[b * TT + t];
        seq[n++] = c->actions[b];
        int first = n > TT ? n - TT : 0;
        c->next_lens[b] = n - first;
        for (int t = 0; t < TT; t++)
            c->next_states[b * TT + t] = t < n - first ? seq[first + t] : TI;
        c->rewards[b] = b % 2 ? 1.0f : 0.2f;
        c->done[b] = (uint8_t)(b == 2);
        c->behaviour[b] = 0.05f + 0.1f * (float)b;
    }
    if (n_neg) orl_rl_net_sample_negatives(c->net, c->actions, TB, c->neg);
    orl_rl_inputs in = {c->states,    c->lens, c->actions,   c->rewards, c->next_states,
                        c->next_lens, c->done, c->behaviour, TB};
    c->in = in;
}

/* Loss at the current parameters; grads cleared first. */
static float eval_loss(rl_case *c, int main_net, int phase, const int32_t *neg, const float *fixed,
                       int32_t *a_star_copy)
{
    for (int k = 0; k < 2; k++) memset(c->net->qn[k].grad, 0, sizeof(float) * c->net->qn[k].count);
    orl_rl_losses l;
    assert_orl_ok(orl_rl_net_loss_grad(c->net, main_net, phase, &c->in, neg, fixed, &l));
    if (a_star_copy) {
        memcpy(a_star_copy, c->net->a_star, sizeof(int32_t) * TB);
        memcpy(a_star_copy + TB, c->net->a_star_c, sizeof(int32_t) * TB);
    }
    return l.total;
}

/* Checks every parameter of the main network; returns how many were
 * compared (coordinates where an argmax flipped under the perturbation are
 * skipped: the target is piecewise constant there). */
static int check_rl_gradient(rl_case *c, int main_net, int phase, int use_neg, int fixed_zero_ce)
{
    const int32_t *neg = use_neg ? c->neg : NULL;
    float fixed[TB];
    const float *fixed_ptr = NULL;
    if (fixed_zero_ce) {
        memset(fixed, 0, sizeof fixed);
        fixed_ptr = fixed;
    } else if (phase) {
        /* The weights are stop-gradient: freeze them at their current value. */
        eval_loss(c, main_net, phase, neg, NULL, NULL);
        memcpy(fixed, c->net->ce_w, sizeof fixed);
        fixed_ptr = fixed;
        float live = eval_loss(c, main_net, phase, neg, NULL, NULL);
        float frozen = eval_loss(c, main_net, phase, neg, fixed_ptr, NULL);
        assert_true(fabs(live - frozen) < 1e-6);
    }
    orl_params *p = &c->net->qn[main_net];
    int32_t a0[2 * TB], ap[2 * TB], am[2 * TB];
    eval_loss(c, main_net, phase, neg, fixed_ptr, a0);
    float *grad = malloc(sizeof(float) * p->count);
    memcpy(grad, p->grad, sizeof(float) * p->count);
    /* The target network never receives gradient. */
    const orl_params *pt = &c->net->qn[1 - main_net];
    for (size_t i = 0; i < pt->count; i++) assert_true(pt->grad[i] == 0.0f);

    const double eps = 2e-3;
    int compared = 0, nonzero = 0;
    for (int v = 0; v < p->n_views; v++) {
        const orl_param_view *view = &p->views[v];
        for (size_t i = 0; i < view->rows * view->cols; i++) {
            float *x = p->value + view->offset + i;
            float keep = *x;
            *x = keep + (float)eps;
            double lp = eval_loss(c, main_net, phase, neg, fixed_ptr, ap);
            *x = keep - (float)eps;
            double lm = eval_loss(c, main_net, phase, neg, fixed_ptr, am);
            *x = keep;
            if (memcmp(ap, a0, sizeof a0) || memcmp(am, a0, sizeof a0)) continue;
            double fd = (lp - lm) / (2 * eps);
            double an = grad[view->offset + i];
            if (!close_enough(an, fd, 2e-3, 2e-2))
                fail_msg("%s[%zu]: analytic %g, numeric %g", view->name, i, an, fd);
            compared++;
            nonzero += fabs(an) > 1e-4;
        }
    }
    free(grad);
    assert_true(nonzero > compared / 4); /* the check is not vacuous */
    return compared;
}

static size_t store_floats(const orl_params *p)
{
    size_t n = 0;
    for (int v = 0; v < p->n_views; v++) n += p->views[v].rows * p->views[v].cols;
    return n;
}

static void test_sqn_loss_gradient(void **state)
{
    (void)state;
    rl_case c;
    make_case(&c, ORL_RL_SQN, 10, 21);
    for (int main_net = 0; main_net < 2; main_net++) {
        int n = check_rl_gradient(&c, main_net, 0, 0, 0);
        assert_true((size_t)n > store_floats(&c.net->qn[0]) * 9 / 10);
    }
    orl_rl_net_free(c.net);
}

static void test_td_loss_gradient_alone_reaches_encoder(void **state)
{
    (void)state;
    rl_case c;
    make_case(&c, ORL_RL_SQN, 10, 22);
    /* CE weights 0: the loss is the TD loss only. */
    check_rl_gradient(&c, 0, 0, 0, 1);
    eval_loss(&c, 0, 0, NULL, (float[TB]){0, 0, 0, 0}, NULL);
    const orl_params *p = &c.net->qn[0];
    double q = 0.0, enc = 0.0, ce = 0.0;
    const float *g = p->grad;
    for (size_t i = 0; i < TI * 5; i++) {
        q += fabs(orl_params_at(p, (float *)g, ORL_Q_HEAD_W)[i]);
        ce += fabs(orl_params_at(p, (float *)g, ORL_CE_HEAD_W)[i]);
    }
    for (size_t i = 0; i < 15 * 5; i++)
        enc += fabs(orl_params_at(p, (float *)g, ORL_GRU4REC_W_HH)[i]);
    assert_true(q > 1e-3);
    assert_true(enc > 1e-5);
    assert_true(ce == 0.0);
    orl_rl_net_free(c.net);
}

static void test_snqn_loss_gradient(void **state)
{
    (void)state;
    rl_case c;
    make_case(&c, ORL_RL_SNQN, 3, 23);
    check_rl_gradient(&c, 1, 0, 1, 0);
    orl_rl_net_free(c.net);
}

static void test_sac_weighted_loss_gradient(void **state)
{
    (void)state;
    rl_case c;
    make_case(&c, ORL_RL_SAC, 10, 24);
    check_rl_gradient(&c, 0, 1, 0, 0);
    /* SAC's CE weight is Q_main(s, a). */
    eval_loss(&c, 0, 1, NULL, NULL, NULL);
    for (int b = 0; b < TB; b++) assert_true(c.net->ce_w[b] == c.net->q_val[b]);
    orl_rl_net_free(c.net);
}

static void test_sa2c_weighted_loss_gradient_and_advantage(void **state)
{
    (void)state;
    rl_case c;
    make_case(&c, ORL_RL_SA2C, 3, 25);
    check_rl_gradient(&c, 0, 1, 1, 0);
    /* The weights: clipped advantage times the ips of the given behaviour. */
    orl_rl_net *net = c.net;
    net->cfg.adv_clip_lo = 0.0f;
    net->cfg.adv_clip_hi = 0.05f;
    eval_loss(&c, 1, 1, c.neg, NULL, NULL);
    int clipped_lo = 0, clipped_hi = 0;
    for (int b = 0; b < TB; b++) {
        const float *q = net->q_val + b * 4;
        double adv = q[0] - (q[0] + q[1] + q[2] + q[3]) / 4.0;
        clipped_lo += adv < 0.0;
        clipped_hi += adv > 0.05;
        adv = adv < 0.0 ? 0.0 : (adv > 0.05 ? 0.05 : adv);
        double ratio = exp(-(double)net->row_ce[b]) / c.behaviour[b];
        ratio = ratio < 0.1 ? 0.1 : (ratio > 10.0 ? 10.0 : ratio);
        double want = adv * pow(ratio, 0.5);
        assert_true(fabs(net->ce_w[b] - want) < 1e-5 * (1.0 + fabs(want)));
    }
    assert_true(clipped_lo + clipped_hi > 0);
    /* The TD targets: y- = r_neg + gamma Q_target(s, argmax Q_main(s, .)). */
    for (int b = 0; b < TB; b++)
        assert_true(fabs(net->y_neg[b] - (0.0f + 0.5f * net->q_tc[b])) < 1e-6);
    orl_rl_net_free(c.net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weighted_ce_matches_finite_differences),
        cmocka_unit_test(test_linear_rows_forward_and_gradients),
        cmocka_unit_test(test_linear_argmax_matches_naive_with_ties),
        cmocka_unit_test(test_length_sorted_encoder_matches_single_histories),
        cmocka_unit_test(test_sqn_loss_gradient),
        cmocka_unit_test(test_td_loss_gradient_alone_reaches_encoder),
        cmocka_unit_test(test_snqn_loss_gradient),
        cmocka_unit_test(test_sac_weighted_loss_gradient),
        cmocka_unit_test(test_sa2c_weighted_loss_gradient_and_advantage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
