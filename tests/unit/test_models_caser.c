/* The Caser encoder (models/caser.c): the whole encoder against finite
 * differences (training forward, fixed dropout) and bit-identical gradients
 * with and without a pool; the state against a literal transcription of the
 * peer's Caser.forward; encode_one bit-identical to the batch forward inside
 * batches of any size; the initialisation; every setting's defaults and
 * range checks; and every algorithm through the public API, with a model
 * file round trip. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/pool.h"
#include "core/rng.h"
#include "models/encoder.h"
#include "nn/kgemm.h"
#include "nn/params.h"
#include "nn_test_util.h"
#include "encoder_test_util.h"
#include "test_support.h"

/* ---- an encoder with its store and workspace ---- */

typedef struct fix {
    orl_enc e;
    orl_params p;
    void *block, *work, *one;
    int max_batch;
} fix;

static orl_encoder_spec caser_spec(uint32_t E, uint32_t T, uint32_t F, const uint32_t *heights,
                                   uint32_t nh, uint32_t V, float dropout)
{
    orl_encoder_spec s;
    memset(&s, 0, sizeof s);
    strcpy(s.architecture, "caser");
    s.embed_dim = s.hidden_dim = E;
    s.window = T;
    s.num_filters = F;
    s.n_heights = nh;
    for (uint32_t k = 0; k < nh; k++) s.filter_heights[k] = heights[k];
    s.num_v_filters = V;
    s.dropout = dropout;
    return s;
}

/* emb_scale > 0 redraws the embedding N(0, emb_scale): the reference's 0.01
 * leaves the conv values within rounding of one another. */
static void fix_init(fix *f, const orl_encoder_spec *spec, int n_items, int max_batch,
                     float emb_scale, uint64_t seed)
{
    memset(f, 0, sizeof *f);
    assert_orl_ok(orl_enc_init(&f->e, spec, n_items));
    orl_param_spec specs[ORL_PARAM_MAX_VIEWS];
    orl_param_name names[ORL_PARAM_MAX_VIEWS];
    f->e.cls->param_specs(&f->e, specs, names);
    assert_orl_ok(orl_params_init(&f->p, specs, orl_enc_n_params(&f->e), 1));
    orl_rng rng;
    orl_rng_init(&rng, seed, 0);
    f->e.cls->init(&f->p, &f->e, &rng);
    if (emb_scale > 0) {
        const orl_param_view *v = orl_params_find(&f->p, ORL_ENC_EMB);
        nn_fill_normal(f->p.value + v->offset, v->rows * v->cols, emb_scale, &rng);
    }
    f->max_batch = max_batch;
    f->block = orl_aligned_alloc(f->e.cls->work_bytes(&f->e, max_batch));
    f->one = orl_aligned_alloc(f->e.cls->one_bytes(&f->e));
    assert_non_null(f->block);
    assert_non_null(f->one);
    f->work = f->e.cls->work_bind(f->block, &f->e, max_batch);
}

static void fix_free(fix *f)
{
    orl_aligned_free(f->block);
    orl_aligned_free(f->one);
    orl_params_free(&f->p);
}

/* n histories of window T over n_items: lengths cycle 1..T, every 4th
 * length-1 history is empty (all padding, the first state of a session). */
static void random_histories(orl_rng *r, int n, int T, int n_items, int32_t *states, int32_t *lens)
{
    for (int b = 0; b < n; b++) {
        int len = 1 + b % T;
        lens[b] = len;
        for (int t = 0; t < T; t++)
            states[b * T + t] = t < len ? (int32_t)orl_rng_below(r, (uint32_t)n_items) : n_items;
        if (len == 1 && b % 4 == 0) states[b * T] = n_items;
    }
}

/* ---- (a) gradients ---- */

enum { GB = 6, GT = 6, GI = 12 };

typedef struct grad_ctx {
    fix *f;
    orl_pool *pool;
    int32_t states[GB * GT], lens[GB];
    float r[GB * 256], out[GB * 256];
} grad_ctx;

/* sum(out * r) of a training forward with the same dropout draw every time. */
static double grad_loss(void *p)
{
    grad_ctx *c = p;
    orl_rng drop;
    orl_rng_init(&drop, 77, 3);
    c->f->e.cls->forward(c->pool, &c->f->p, &c->f->e, c->f->work, c->states, c->lens, GB, &drop,
                         c->out);
    double s = 0;
    for (int i = 0; i < GB * c->f->e.state_dim; i++) s += (double)c->out[i] * c->r[i];
    return s;
}

static void grad_setup(grad_ctx *c, fix *f)
{
    /* Full; a repeat; empty; a repeated pair (tied windows); two short ones. */
    const int32_t P = GI;
    const int32_t st[GB][GT] = {{1, 2, 3, 4, 5, 6}, {7, 7, 3, P, P, P},  {P, P, P, P, P, P},
                                {2, 9, 2, 9, P, P}, {11, 0, P, P, P, P}, {5, P, P, P, P, P}};
    const int32_t ln[GB] = {6, 3, 1, 4, 2, 1};
    memset(c, 0, sizeof *c);
    c->f = f;
    memcpy(c->states, st, sizeof st);
    memcpy(c->lens, ln, sizeof ln);
    orl_rng r;
    orl_rng_init(&r, 31, 0);
    nn_fill_normal(c->r, (size_t)GB * f->e.state_dim, 1.0f, &r);
}

/* Zeroed gradients, one forward and backward with `pool`; the gradient
 * buffer is copied to `grad`, the output to `out`. */
static void run_grad(grad_ctx *c, orl_pool *pool, float *grad, float *out)
{
    fix *f = c->f;
    c->pool = pool;
    memset(f->p.grad, 0, sizeof(float) * f->p.count);
    grad_loss(c);
    f->e.cls->backward(pool, &f->p, &f->e, f->work, c->states, c->lens, GB, c->r);
    memcpy(grad, f->p.grad, sizeof(float) * f->p.count);
    memcpy(out, c->out, sizeof(float) * GB * f->e.state_dim);
}

/* seed: of the weights; one whose differences cross no kink of a max or a
 * ReLU (the analytic gradient is right there too, the difference is not). */
static void check_encoder_gradients(const orl_encoder_spec *spec, uint64_t seed)
{
    fix f;
    fix_init(&f, spec, GI, GB, 1.0f, seed);
    assert_true(f.e.state_dim <= 256);
    grad_ctx c;
    grad_setup(&c, &f);
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    float *g1 = malloc(sizeof(float) * f.p.count), *g2 = malloc(sizeof(float) * f.p.count);
    float o1[GB * 256], o2[GB * 256];
    run_grad(&c, pool, g2, o2);
    run_grad(&c, NULL, g1, o1);
    /* The pool changes nothing, bit for bit. */
    assert_memory_equal(o1, o2, sizeof(float) * GB * f.e.state_dim);
    assert_memory_equal(g1, g2, sizeof(float) * f.p.count);
    /* The padding row gets nothing (the reference's * mask). */
    const orl_param_view *ev = orl_params_find(&f.p, ORL_ENC_EMB);
    for (size_t j = 0; j < ev->cols; j++) assert_true(g1[ev->offset + GI * ev->cols + j] == 0.0f);
    /* mark_touched flags exactly the rows with gradient (ids of the batch). */
    unsigned char touched[GI + 1];
    memset(touched, 0, sizeof touched);
    f.e.cls->mark_touched(&f.e, f.work, c.states, c.lens, GB, touched);
    for (int id = 0; id <= GI; id++) {
        int nonzero = 0;
        for (size_t j = 0; j < ev->cols; j++) nonzero |= g1[ev->offset + id * ev->cols + j] != 0;
        assert_int_equal(touched[id], nonzero);
    }
    /* Every tensor against finite differences. */
    for (int v = 0; v < f.p.n_views; v++) {
        const orl_param_view *pv = &f.p.views[v];
        nn_check_grad(pv->name, grad_loss, &c, f.p.value + pv->offset, g1 + pv->offset,
                      pv->rows * pv->cols, 300, 1e-3f, 2e-2, 1e-2);
    }
    /* backward adds to what is there. */
    run_grad(&c, NULL, g1, o1);
    f.e.cls->backward(NULL, &f.p, &f.e, f.work, c.states, c.lens, GB, c.r);
    for (size_t i = 0; i < f.p.count; i++)
        assert_float_equal(f.p.grad[i], 2.0f * g1[i], 1e-5 * (1.0 + fabs(g1[i])));
    free(g1);
    free(g2);
    orl_pool_free(pool);
    fix_free(&f);
}

static void test_encoder_gradients(void **state)
{
    (void)state;
    /* The AVX-512 kernel path (E, h F multiples of 16), heights 1 (ties on a
     * repeated item) to the whole window, dropout on. */
    const uint32_t h1[3] = {1, 3, GT};
    orl_encoder_spec a = caser_spec(16, GT, 16, h1, 3, 2, 0.25f);
    check_encoder_gradients(&a, 3);
    /* Odd sizes (the BLAS path), no dropout. */
    const uint32_t h2[2] = {2, 4};
    orl_encoder_spec b = caser_spec(5, GT, 3, h2, 2, 1, 0.0f);
    check_encoder_gradients(&b, 4);
}

/* ---- (b) the state: the peer's formula, batch == one ---- */

/* The peer's Caser.forward on one history, in double: x = emb[s] * mask as a
 * T x E image, conv1d + b, ReLU, amax over time per height; relu(x^T wv + bv)
 * per vertical filter; concatenated. */
static void peer_state(const fix *f, const int32_t *s, double *out)
{
    const orl_encoder_spec *sp = &f->e.spec;
    const int T = (int)sp->window, E = (int)sp->embed_dim, F = (int)sp->num_filters;
    const int V = (int)sp->num_v_filters;
    const float *emb = orl_params_at(&f->p, f->p.value, ORL_ENC_EMB);
    double x[1024];
    for (int t = 0; t < T; t++)
        for (int e = 0; e < E; e++)
            x[t * E + e] = s[t] == f->e.n_items ? 0.0 : emb[(size_t)s[t] * E + e];
    int o = 0;
    for (uint32_t k = 0; k < sp->n_heights; k++) {
        const int h = (int)sp->filter_heights[k];
        char name[32];
        snprintf(name, sizeof name, "caser.h%u.w", k);
        const float *w = orl_params_at(&f->p, f->p.value, name);
        snprintf(name, sizeof name, "caser.h%u.b", k);
        const float *b = orl_params_at(&f->p, f->p.value, name);
        for (int fi = 0; fi < F; fi++) {
            double best = -INFINITY;
            for (int p = 0; p + h <= T; p++) {
                double c = b[fi];
                for (int t = 0; t < h; t++)
                    for (int e = 0; e < E; e++) c += x[(p + t) * E + e] * w[e * h * F + t * F + fi];
                c = c > 0 ? c : 0;
                best = c > best ? c : best;
            }
            out[o++] = best;
        }
    }
    const float *wv = orl_params_at(&f->p, f->p.value, "caser.v.w");
    const float *bv = orl_params_at(&f->p, f->p.value, "caser.v.b");
    for (int v = 0; v < V; v++)
        for (int e = 0; e < E; e++) {
            double c = bv[v];
            for (int t = 0; t < T; t++) c += x[t * E + e] * wv[v * T + t];
            out[o++] = c > 0 ? c : 0;
        }
}

enum { NH = 200, MAXB = 64 };

static void check_batch_equals_one(const orl_encoder_spec *spec, int n_items)
{
    fix f;
    fix_init(&f, spec, n_items, MAXB, 0.5f, 9);
    const int T = (int)f.e.spec.window, S = f.e.state_dim;
    int32_t *states = malloc(sizeof(int32_t) * NH * T), lens[NH];
    orl_rng r;
    orl_rng_init(&r, 17, 0);
    random_histories(&r, NH, T, n_items, states, lens);
    float *out = malloc(sizeof(float) * MAXB * S), *one = malloc(sizeof(float) * S);
    double *ref = malloc(sizeof(double) * S);
    /* The peer's formula. */
    for (int i = 0; i < NH; i++) {
        f.e.cls->encode_one(&f.p, &f.e, states + i * T, lens[i], f.one, one);
        peer_state(&f, states + i * T, ref);
        for (int j = 0; j < S; j++) assert_float_equal(one[j], ref[j], 1e-4 * (1 + fabs(ref[j])));
    }
    /* Inside batches of several sizes, with and without a pool. */
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    const int sizes[] = {1, 2, 7, 33, MAXB};
    for (int use_pool = 0; use_pool < 2; use_pool++)
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
            for (int start = 0; start + sizes[si] <= NH; start += 3 * sizes[si] + 1) {
                const int B = sizes[si];
                f.e.cls->forward(use_pool ? pool : NULL, &f.p, &f.e, f.work, states + start * T,
                                 lens + start, B, NULL, out);
                for (int b = 0; b < B; b++) {
                    const int i = start + b;
                    f.e.cls->encode_one(&f.p, &f.e, states + i * T, lens[i], f.one, one);
                    assert_memory_equal(out + (size_t)b * S, one, sizeof(float) * S);
                }
            }
    /* A training forward is the same state times its dropout mask. */
    float *train = malloc(sizeof(float) * MAXB * S);
    orl_rng drop;
    orl_rng_init(&drop, 5, 0);
    f.e.cls->forward(pool, &f.p, &f.e, f.work, states, lens, MAXB, &drop, train);
    f.e.cls->forward(NULL, &f.p, &f.e, f.work, states, lens, MAXB, NULL, out);
    const float keep = 1.0f / (1.0f - f.e.spec.dropout);
    int zeros = 0;
    for (int i = 0; i < MAXB * S; i++) {
        zeros += train[i] == 0.0f && out[i] != 0.0f;
        assert_true(train[i] == 0.0f || train[i] == out[i] * keep);
    }
    const double rate = (double)zeros / (MAXB * S);
    print_message("dropout %.2f: %.3f of the nonzero state values dropped\n",
                  (double)f.e.spec.dropout, rate);
    if (f.e.spec.dropout > 0)
        assert_true(fabs(rate - f.e.spec.dropout) < 0.05);
    else
        assert_int_equal(zeros, 0);
    free(train);
    orl_pool_free(pool);
    free(states);
    free(out);
    free(one);
    free(ref);
    fix_free(&f);
}

static void test_state_is_the_peers_and_batch_equals_one(void **state)
{
    (void)state;
    orl_encoder_spec d;
    memset(&d, 0, sizeof d);
    strcpy(d.architecture, "caser");
    d.embed_dim = d.hidden_dim = 64;
    d.window = 10;
    d.dropout = -1; /* every default: F 16, heights 2 3 4, V 1, dropout 0.1 */
    check_batch_equals_one(&d, 300);
    /* The same on the CBLAS path (one product per history there). */
    orl_kgemm_force_blas(1);
    check_batch_equals_one(&d, 300);
    orl_kgemm_force_blas(0);
    const uint32_t h[3] = {1, 2, 5};
    orl_encoder_spec odd = caser_spec(5, 5, 3, h, 3, 2, 0.3f);
    check_batch_equals_one(&odd, 40);
}

/* The reference initialisation: embedding N(0, 0.01), filters truncated
 * N(0, 0.1) (|w| <= 0.2, std 0.1 * 0.880), biases 0.1. */
static void test_initialisation(void **state)
{
    (void)state;
    orl_encoder_spec d;
    memset(&d, 0, sizeof d);
    strcpy(d.architecture, "caser");
    d.embed_dim = d.hidden_dim = 64;
    d.window = 10;
    d.dropout = -1;
    fix f;
    fix_init(&f, &d, 2000, 1, 0, 1);
    assert_int_equal(f.e.state_dim, 112);
    assert_int_equal(f.p.n_views, 9);
    const char *order[9] = {ORL_ENC_EMB,  "caser.h0.w", "caser.h0.b", "caser.h1.w", "caser.h1.b",
                            "caser.h2.w", "caser.h2.b", "caser.v.w",  "caser.v.b"};
    const size_t shape[9][2] = {{2001, 64}, {64, 32}, {1, 16}, {64, 48}, {1, 16},
                                {64, 64},   {1, 16},  {1, 10}, {1, 1}};
    for (int v = 0; v < 9; v++) {
        assert_string_equal(f.p.views[v].name, order[v]);
        assert_int_equal(f.p.views[v].rows, shape[v][0]);
        assert_int_equal(f.p.views[v].cols, shape[v][1]);
        const float *x = f.p.value + f.p.views[v].offset;
        const size_t n = shape[v][0] * shape[v][1];
        double s = 0, s2 = 0, mx = 0;
        for (size_t i = 0; i < n; i++) {
            s += x[i];
            s2 += (double)x[i] * x[i];
            mx = fabs(x[i]) > mx ? fabs(x[i]) : mx;
        }
        const double mean = s / n, sd = sqrt(s2 / n - mean * mean);
        if (v == 0) {
            assert_true(fabs(sd - 0.01) < 0.0005 && fabs(mean) < 0.0005);
        } else if (shape[v][0] == 1 && strchr(order[v], 'b')) {
            for (size_t i = 0; i < n; i++) assert_true(x[i] == 0.1f);
        } else {
            assert_true(mx <= 0.2f);
            if (n >= 1000) assert_true(fabs(sd - 0.088) < 0.006 && fabs(mean) < 0.01);
        }
    }
    fix_free(&f);
}

/* ---- (c) settings ---- */

static void test_settings_defaults_and_ranges(void **state)
{
    (void)state;
    orl_encoder_spec s;
    memset(&s, 0, sizeof s);
    strcpy(s.architecture, "caser");
    s.embed_dim = s.hidden_dim = 64;
    s.window = 10;
    s.dropout = -1;
    orl_encoder_spec r = s;
    assert_orl_ok(orl_encoder_spec_resolve(&r));
    assert_int_equal(r.num_filters, 16);
    assert_int_equal(r.num_v_filters, 1);
    assert_int_equal(r.n_heights, 3);
    assert_int_equal(r.filter_heights[0], 2);
    assert_int_equal(r.filter_heights[2], 4);
    assert_true(r.dropout == 0.1f);
    orl_encoder_spec again = r; /* resolving is idempotent */
    assert_orl_ok(orl_encoder_spec_resolve(&again));
    assert_memory_equal(&again, &r, sizeof r);
    /* Default heights that a short window holds. */
    r = s;
    r.window = 3;
    assert_orl_ok(orl_encoder_spec_resolve(&r));
    assert_int_equal(r.n_heights, 2);
    r = s;
    r.window = 1;
    assert_orl_ok(orl_encoder_spec_resolve(&r));
    assert_int_equal(r.n_heights, 1);
    assert_int_equal(r.filter_heights[0], 1);
    /* Limits accepted. */
    r = s;
    r.num_filters = 1024;
    r.num_v_filters = 64;
    r.n_heights = 8;
    for (int k = 0; k < 8; k++) r.filter_heights[k] = k == 0 ? 10 : 1;
    assert_orl_ok(orl_encoder_spec_resolve(&r));
    /* Every bad value names its field. */
    r = s;
    r.num_filters = 1025;
    expect_spec_refused(r, "num_filters");
    r = s;
    r.num_v_filters = 65;
    expect_spec_refused(r, "num_v_filters");
    r = s;
    r.n_heights = 9;
    expect_spec_refused(r, "filter_heights");
    r = s;
    r.n_heights = 2;
    r.filter_heights[0] = 3;
    r.filter_heights[1] = 0;
    expect_spec_refused(r, "filter_heights[1]");
    r = s;
    r.n_heights = 1;
    r.filter_heights[0] = 11;
    expect_spec_refused(r, "filter_heights[0]");
    r = s;
    r.dropout = 1.0f;
    expect_spec_refused(r, "dropout");
    r = s;
    r.dropout = NAN;
    expect_spec_refused(r, "dropout");
    r = s;
    r.embed_dim = 0;
    expect_spec_refused(r, "embed_dim");
    r = s;
    r.window = 0;
    expect_spec_refused(r, "window");

    /* The same through the public encoder. */
    orl_encoder_params ep;
    orl_encoder_params_init(&ep);
    ep.architecture = "caser";
    orl_encoder *enc = NULL;
    assert_orl_ok(orl_encoder_create(&ep, &enc));
    assert_int_equal(orl_encoder_set_int(enc, "num_filters", 2000), ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), "num_filters"));
    assert_int_equal(orl_encoder_set_int(enc, "num_v_filters", 65), ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), "num_v_filters"));
    const int32_t bad[2] = {2, 11}, good[2] = {1, 5};
    assert_int_equal(orl_encoder_set_int_list(enc, "filter_heights", bad, 2), ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), "filter_heights"));
    assert_orl_ok(orl_encoder_set_int_list(enc, "filter_heights", good, 2));
    assert_orl_ok(orl_encoder_set_int(enc, "num_filters", 8));
    assert_orl_ok(orl_encoder_set_int(enc, "num_v_filters", 2));
    assert_orl_ok(orl_encoder_set_float(enc, "dropout", 0.2));
    char json[512];
    size_t len = 0;
    assert_orl_ok(orl_encoder_config_json(enc, json, sizeof json, &len));
    print_message("%s\n", json);
    assert_non_null(strstr(json, "\"architecture\":\"caser\""));
    assert_non_null(strstr(json, "\"num_filters\":8"));
    assert_non_null(strstr(json, "\"filter_heights\":[1,5]"));
    assert_non_null(strstr(json, "\"num_v_filters\":2"));
    orl_encoder_free(enc);
}

/* ---- (d) the public API, every algorithm ---- */

static orl_dataset *sim_logs(void)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.n_items = 60;
    sp.n_clusters = 6;
    sp.seed = 4;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    assert_orl_ok(orl_sim_generate(sim, 150, ds));
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_sim_free(sim);
    return ds;
}

static void top10(const orl_model *m, int64_t *items, float *scores)
{
    const int64_t h[4][3] = {{3, 17, 5}, {40, 0, 0}, {8, 8, 21}, {59, 1, 30}};
    const size_t lens[4] = {3, 1, 3, 2};
    for (int i = 0; i < 4; i++)
        assert_orl_ok(
            orl_model_recommend(m, h[i], lens[i], 10, items + 10 * i, scores + 10 * i, NULL));
    /* The empty history too. */
    assert_orl_ok(orl_model_recommend(m, NULL, 0, 10, items + 40, scores + 40, NULL));
}

static void test_every_algorithm_through_the_api(void **state)
{
    (void)state;
    orl_dataset *ds = sim_logs();
    const char *algos[] = {"sl", "sqn", "sac", "snqn", "sa2c"};
    for (int a = 0; a < 5; a++) {
        orl_encoder_params ep;
        orl_encoder_params_init(&ep);
        ep.architecture = "caser";
        ep.embed_dim = ep.hidden_dim = 16;
        orl_encoder *enc = NULL;
        assert_orl_ok(orl_encoder_create(&ep, &enc));
        assert_orl_ok(orl_encoder_set_int(enc, "num_filters", 8));
        orl_trainer_params tp;
        orl_trainer_params_init(&tp);
        tp.algorithm = algos[a];
        tp.epochs = 2;
        tp.batch_size = 64;
        tp.threads = 2;
        tp.seed = 3;
        orl_trainer *t = NULL;
        assert_orl_ok(orl_trainer_create(&tp, enc, NULL, NULL, &t));
        orl_encoder_free(enc);
        if (a == 2 || a == 4) /* SAC, SA2C: reach the weighted phase */
            assert_orl_ok(orl_trainer_set_float(t, "warmup_steps", 5));
        assert_orl_ok(orl_trainer_fit(t, ds, NULL));
        orl_model *m = NULL, *loaded = NULL;
        assert_orl_ok(orl_trainer_export_model(t, &m));
        char path[512];
        char name[64];
        snprintf(name, sizeof name, "caser_%s.orlm", algos[a]);
        orl_test_tmp_path(name, path, sizeof path);
        assert_orl_ok(orl_model_save(m, path));
        assert_orl_ok(orl_model_load(path, &loaded));
        char info[4096];
        size_t len = 0;
        assert_orl_ok(orl_model_info_json(loaded, info, sizeof info, &len));
        assert_non_null(strstr(info, "caser"));
        if (a == 0) print_message("%s\n", info);
        int64_t i1[50], i2[50];
        float s1[50], s2[50];
        top10(m, i1, s1);
        top10(loaded, i2, s2);
        assert_memory_equal(i1, i2, sizeof i1);
        assert_memory_equal(s1, s2, sizeof s1);
        for (int i = 0; i < 50; i++) assert_true(isfinite(s1[i]));
        print_message("%-4s top item after [3, 17, 5]: %lld (score %.3f)\n", algos[a],
                      (long long)i1[0], (double)s1[0]);
        orl_model_free(loaded);
        orl_model_free(m);
        orl_trainer_free(t);
    }
    orl_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoder_gradients),
        cmocka_unit_test(test_state_is_the_peers_and_batch_equals_one),
        cmocka_unit_test(test_initialisation),
        cmocka_unit_test(test_settings_defaults_and_ranges),
        cmocka_unit_test(test_every_algorithm_through_the_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
