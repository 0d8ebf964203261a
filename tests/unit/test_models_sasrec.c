/* The SASRec encoder (models/sasrec*.c) behind the encoder interface:
 * (0) its inference equals a literal dense transcription of the peer's
 *     network (every position, the reference's masks, in double);
 * (a) its gradient against finite differences through the whole network,
 *     dropout on, identical with and without a 2-thread pool;
 * (b) single-history inference equals the batch inference bit for bit;
 * (c) every bad setting is refused with a message naming the field;
 * (d) every algorithm trains it through the public API, and the model it
 *     exports records it and reloads with the same top-10. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/pool.h"
#include "models/encoder.h"
#include "nn/kgemm.h"
#include "nn/params.h"
#include "nn_test_util.h"
#include "encoder_test_util.h"
#include "test_support.h"

/* DIM 16: the products take orl_kgemm's and orl_matvec's AVX-512 paths where
 * the CPU has them; test_fallback_products forces the CBLAS one. */
enum { N_ITEMS = 12, WINDOW = 5, DIM = 16, MAX_B = 40, SAS_NAME = 32 };

/* An encoder, its store (random weights of order 1, so that every path
 * carries gradient) and a workspace. The feed-forward's hidden units sit
 * far from the ReLU's kink (bias 3, small weights; unit 0 always off), where
 * finite differences are clean. */
typedef struct net {
    orl_enc e;
    orl_params p;
    void *work;
} net;

static void net_init(net *n, uint32_t blocks, uint32_t heads, float dropout, int max_batch)
{
    orl_encoder_spec s;
    orl_encoder_spec_default(&s);
    strcpy(s.architecture, "sasrec");
    s.embed_dim = s.hidden_dim = DIM;
    s.window = WINDOW;
    s.num_blocks = blocks;
    s.num_heads = heads;
    s.dropout = dropout;
    assert_orl_ok(orl_enc_init(&n->e, &s, N_ITEMS));
    orl_param_spec specs[ORL_PARAM_MAX_VIEWS];
    orl_param_name names[ORL_PARAM_MAX_VIEWS];
    const int np = orl_enc_n_params(&n->e);
    n->e.cls->param_specs(&n->e, specs, names);
    assert_string_equal(specs[0].name, ORL_ENC_EMB);
    assert_orl_ok(orl_params_init(&n->p, specs, np, 1));
    orl_rng r;
    orl_rng_init(&r, 3, 0);
    n->e.cls->init(&n->p, &n->e, &r);
    for (int v = 0; v < n->p.n_views; v++) {
        const orl_param_view *pv = &n->p.views[v];
        float *x = n->p.value + pv->offset;
        const int gamma = strstr(pv->name, ".g") != NULL, b1 = strstr(pv->name, ".b1") != NULL;
        const float scale = strstr(pv->name, ".w1") ? 0.2f : 0.6f;
        for (size_t i = 0; i < pv->rows * pv->cols; i++)
            x[i] = gamma ? 1.0f + 0.3f * orl_rng_normal(&r) : scale * orl_rng_normal(&r);
        if (b1)
            for (size_t i = 0; i < pv->cols; i++) x[i] = i == 0 ? -3.0f : 3.0f;
    }
    n->work = orl_aligned_alloc(n->e.cls->work_bytes(&n->e, max_batch));
    n->e.cls->work_bind(n->work, &n->e, max_batch);
}

static void net_free(net *n)
{
    orl_aligned_free(n->work);
    orl_params_free(&n->p);
}

/* Histories of every length 1..WINDOW, right-padded with N_ITEMS, and an
 * empty one (length 1, padding only: the start of a session). */
static void histories(int B, uint64_t seed, int32_t *states, int32_t *lens)
{
    orl_rng r;
    orl_rng_init(&r, seed, 1);
    for (int b = 0; b < B; b++) {
        lens[b] = 1 + (b * 7 + (int)seed) % WINDOW;
        for (int t = 0; t < WINDOW; t++)
            states[b * WINDOW + t] = t < lens[b] ? (int32_t)orl_rng_below(&r, N_ITEMS) : N_ITEMS;
    }
    if (B > 3) states[3 * WINDOW] = N_ITEMS, lens[3] = 1;
}

typedef struct grad_ctx {
    net *n;
    orl_pool *pool;
    int B;
    int32_t states[MAX_B * WINDOW], lens[MAX_B];
    float out[MAX_B * DIM], r[MAX_B * DIM];
} grad_ctx;

/* sum(out * R) of a training forward whose dropout is drawn afresh from the
 * same seed each time. */
static double enc_loss(void *p)
{
    grad_ctx *c = p;
    orl_rng drop;
    orl_rng_init(&drop, 77, 0);
    c->n->e.cls->forward(c->pool, &c->n->p, &c->n->e, c->n->work, c->states, c->lens, c->B, &drop,
                         c->out);
    double s = 0;
    for (int i = 0; i < c->B * DIM; i++) s += (double)c->out[i] * c->r[i];
    return s;
}

static void gradient(grad_ctx *c)
{
    memset(c->n->p.grad, 0, sizeof(float) * c->n->p.count);
    enc_loss(c);
    c->n->e.cls->backward(c->pool, &c->n->p, &c->n->e, c->n->work, c->states, c->lens, c->B, c->r);
}

/* The smallest relative error of the central and both one-sided
 * differences of step eps against g: next to a ReLU kink (closer than eps)
 * the central difference is off, the one-sided one away from it is not. */
static double fd_err(grad_ctx *c, float *x, float g, float eps, double floor)
{
    const float keep = *x;
    const double l0 = enc_loss(c);
    *x = keep + eps;
    const double lp = enc_loss(c);
    *x = keep - eps;
    const double lm = enc_loss(c);
    *x = keep;
    const double e = (double)eps, fd[3] = {(lp - lm) / (2 * e), (lp - l0) / e, (l0 - lm) / e};
    double best = 1e30;
    for (int k = 0; k < 3; k++)
        best = fmin(best, fabs(fd[k] - g) / (fabs(fd[k]) + fabs(g) + floor));
    return best;
}

/* nn_check_grad's test, made robust to the ReLU's kinks: four steps, each
 * with a floor that absorbs its float noise (~1e-6 / step), and the best of
 * their central and one-sided differences is kept; a wrong gradient is off
 * in all of them. Returns the worst accepted error. */
static double check_fd(const char *what, grad_ctx *c, float *param, const float *grad, size_t n,
                       size_t samples)
{
    static const float steps[4] = {1e-2f, 3e-3f, 1e-3f, 3e-4f};
    static const double floors[4] = {1e-2, 2e-2, 5e-2, 0.2};
    orl_rng r;
    orl_rng_init(&r, 99, n);
    double worst = 0.0;
    int nonzero = 0;
    for (size_t s = 0; s < (samples < n ? samples : n); s++) {
        size_t i = samples < n ? (size_t)orl_rng_below64(&r, n) : s;
        double err = 1.0;
        for (int k = 0; k < 4; k++)
            err = fmin(err, fd_err(c, param + i, grad[i], steps[k], floors[k]));
        if (err > 2e-2)
            print_error("%s[%zu]: analytic %.6g (rel err %.3g)\n", what, i, grad[i], err);
        assert_true(err <= 2e-2);
        worst = fmax(worst, err);
        nonzero += fabsf(grad[i]) > 1e-6f;
    }
    assert_true(nonzero > 0); /* a check over zero gradients proves nothing */
    return worst;
}

static void check_encoder_gradient(uint32_t blocks, uint32_t heads, float dropout)
{
    net n;
    enum { B = 21 };
    net_init(&n, blocks, heads, dropout, B);
    grad_ctx c = {.n = &n, .pool = NULL, .B = B};
    histories(B, 5, c.states, c.lens);
    orl_rng r;
    orl_rng_init(&r, 9, 0);
    nn_fill_normal(c.r, B * DIM, 1.0f, &r);
    gradient(&c);
    float *g1 = malloc(sizeof(float) * n.p.count), *out1 = malloc(sizeof c.out);
    memcpy(g1, n.p.grad, sizeof(float) * n.p.count);
    memcpy(out1, c.out, sizeof c.out);
    /* The same with two threads, bit for bit. */
    assert_orl_ok(orl_pool_create(2, &c.pool));
    gradient(&c);
    assert_memory_equal(out1, c.out, sizeof c.out);
    assert_memory_equal(g1, n.p.grad, sizeof(float) * n.p.count);
    /* Every tensor against finite differences (the embedding: the rows used). */
    unsigned char used[N_ITEMS + 1] = {0};
    n.e.cls->mark_touched(&n.e, n.work, c.states, c.lens, B, used);
    assert_false(used[N_ITEMS]); /* padding gets no gradient (the reference's * mask) */
    for (size_t i = 0; i < (size_t)DIM; i++)
        assert_true(n.p.grad[orl_params_find(&n.p, ORL_ENC_EMB)->offset + N_ITEMS * DIM + i] ==
                    0.0f);
    double worst = 0;
    for (int v = 0; v < n.p.n_views; v++) {
        const orl_param_view *pv = &n.p.views[v];
        if (!strcmp(pv->name, ORL_ENC_EMB)) {
            for (int id = 0; id < N_ITEMS; id++) {
                const size_t o = pv->offset + (size_t)id * DIM;
                if (!used[id]) { /* untouched rows get nothing */
                    for (int k = 0; k < DIM; k++) assert_true(n.p.grad[o + k] == 0.0f);
                    continue;
                }
                worst = fmax(worst, check_fd("emb row", &c, n.p.value + o, n.p.grad + o, DIM, 4));
            }
            continue;
        }
        if (strstr(pv->name, ".bk")) { /* the softmax ignores a shift of all scores: 0 */
            for (size_t i = 0; i < pv->cols; i++)
                assert_true(fabsf(n.p.grad[pv->offset + i]) < 1e-5f);
            continue;
        }
        worst = fmax(worst, check_fd(pv->name, &c, n.p.value + pv->offset, n.p.grad + pv->offset,
                                     pv->rows * pv->cols, 12));
    }
    print_message("sasrec %u block(s), %u head(s), dropout %.1f: worst relative error %.2g\n",
                  blocks, heads, (double)dropout, worst);
    orl_pool_free(c.pool);
    free(g1);
    free(out1);
    net_free(&n);
}

static void test_gradient_matches_finite_differences(void **state)
{
    (void)state;
    check_encoder_gradient(1, 1, 0.0f);
    check_encoder_gradient(1, 2, 0.3f);
    check_encoder_gradient(2, 2, 0.3f);
}

/* The state reads positions < len only, and the single-history inference
 * gives exactly the batch inference's bits, wherever the history sits in
 * whatever batch, with or without a pool. */
static void test_single_equals_batch_bit_for_bit(void **state)
{
    (void)state;
    net n;
    net_init(&n, 2, 2, 0.1f, MAX_B);
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    void *one = orl_aligned_alloc(n.e.cls->one_bytes(&n.e));
    const int sizes[] = {1, 2, 7, MAX_B};
    for (int s = 0; s < 4; s++) {
        const int B = sizes[s];
        int32_t states[MAX_B * WINDOW], lens[MAX_B];
        float out[MAX_B * DIM], single[DIM];
        histories(B, (uint64_t)s + 1, states, lens);
        for (int b = 0; b < B; b++) /* garbage past the length: never read */
            for (int t = lens[b]; t < WINDOW; t++) states[b * WINDOW + t] = (b + t) % N_ITEMS;
        n.e.cls->forward(s % 2 ? pool : NULL, &n.p, &n.e, n.work, states, lens, B, NULL, out);
        for (int b = 0; b < B; b++) {
            int32_t st[WINDOW];
            for (int t = 0; t < WINDOW; t++) st[t] = t < lens[b] ? states[b * WINDOW + t] : N_ITEMS;
            n.e.cls->encode_one(&n.p, &n.e, st, lens[b], one, single);
            assert_memory_equal(single, out + b * DIM, sizeof single);
        }
    }
    /* Without dropout a training forward (other products) agrees closely. */
    {
        net z;
        net_init(&z, 2, 2, 0.0f, MAX_B);
        int32_t states[MAX_B * WINDOW], lens[MAX_B];
        float a[MAX_B * DIM], b[MAX_B * DIM];
        histories(MAX_B, 9, states, lens);
        orl_rng drop;
        orl_rng_init(&drop, 1, 0);
        z.e.cls->forward(pool, &z.p, &z.e, z.work, states, lens, MAX_B, &drop, a);
        z.e.cls->forward(NULL, &z.p, &z.e, z.work, states, lens, MAX_B, NULL, b);
        for (int i = 0; i < MAX_B * DIM; i++) assert_float_equal(a[i], b[i], 1e-4);
        net_free(&z);
    }
    /* Lengths 1, WINDOW and between appear above; say so. */
    int32_t lens[MAX_B], states[MAX_B * WINDOW];
    histories(MAX_B, 4, states, lens);
    int seen[WINDOW + 1] = {0};
    for (int b = 0; b < MAX_B; b++) seen[lens[b]] = 1;
    for (int l = 1; l <= WINDOW; l++) assert_true(seen[l]);
    orl_aligned_free(one);
    orl_pool_free(pool);
    net_free(&n);
}

/* ---- The peer's SASRec transcribed literally (seqrec_torch.py, eval mode):
 * every one of the WINDOW positions, padding included, in double, with the
 * reference's masks (key: the row sums to 0; query: LN(x) sums to non-0;
 * masked scores -2^32 + 1). */

static const float *tensor(const net *n, const char *name)
{
    return orl_params_at(&n->p, n->p.value, name);
}

static void ln_d(double *y, const double *x, const float *g, const float *b)
{
    double mean = 0, var = 0;
    for (int k = 0; k < DIM; k++) mean += x[k] / DIM;
    for (int k = 0; k < DIM; k++) var += (x[k] - mean) * (x[k] - mean) / DIM;
    for (int k = 0; k < DIM; k++) y[k] = g[k] * (x[k] - mean) / sqrt(var + 1e-8) + b[k];
}

/* y [T x DIM] = x W^T + b */
static void dense_d(double *y, const double *x, const float *w, const float *b)
{
    for (int t = 0; t < WINDOW; t++)
        for (int o = 0; o < DIM; o++) {
            double s = b[o];
            for (int i = 0; i < DIM; i++) s += x[t * DIM + i] * w[o * DIM + i];
            y[t * DIM + o] = s;
        }
}

static void peer_forward(const net *n, const int32_t *st, int len, double *out)
{
    const int heads = (int)n->e.spec.num_heads, dh = DIM / heads;
    double x[WINDOW * DIM], q[WINDOW * DIM], Q[WINDOW * DIM], K[WINDOW * DIM], V[WINDOW * DIM];
    double a[WINDOW * DIM], f[WINDOW * DIM], h[WINDOW * DIM], y[WINDOW * DIM], m[WINDOW];
    const float *emb = tensor(n, ORL_ENC_EMB), *pos = tensor(n, "sas.pos");
    for (int t = 0; t < WINDOW; t++) {
        m[t] = st[t] != N_ITEMS;
        for (int k = 0; k < DIM; k++)
            x[t * DIM + k] = ((double)emb[st[t] * DIM + k] + pos[t * DIM + k]) * m[t];
    }
    for (int l = 0; l < (int)n->e.spec.num_blocks; l++) {
        char nm[SAS_NAME], *suffix = nm + snprintf(nm, sizeof nm, "sas.b%d.", l);
#define W(s) (strcpy(suffix, s), tensor(n, nm))
        const float *lqg = W("lnq.g"), *lqb = W("lnq.b"), *lfg = W("lnf.g"), *lfb = W("lnf.b");
        for (int t = 0; t < WINDOW; t++) ln_d(q + t * DIM, x + t * DIM, lqg, lqb);
        dense_d(Q, q, W("wq"), W("bq"));
        dense_d(K, x, W("wk"), W("bk"));
        dense_d(V, x, W("wv"), W("bv"));
        memset(a, 0, sizeof a);
        for (int i = 0; i < WINDOW; i++) {
            double qsum = 0;
            for (int k = 0; k < DIM; k++) qsum += q[i * DIM + k];
            for (int hd = 0; hd < heads; hd++) {
                double sc[WINDOW], mx = -INFINITY, z = 0;
                for (int j = 0; j < WINDOW; j++) {
                    double ksum = 0, d = 0;
                    for (int k = 0; k < DIM; k++) ksum += x[j * DIM + k];
                    for (int k = 0; k < dh; k++)
                        d += Q[i * DIM + hd * dh + k] * K[j * DIM + hd * dh + k];
                    sc[j] = (ksum == 0 || j > i) ? -4294967295.0 : d / sqrt((double)dh);
                    mx = fmax(mx, sc[j]);
                }
                for (int j = 0; j < WINDOW; j++) z += exp(sc[j] - mx);
                for (int j = 0; j < WINDOW; j++)
                    for (int k = 0; k < dh; k++)
                        a[i * DIM + hd * dh + k] +=
                            exp(sc[j] - mx) / z * (qsum != 0) * V[j * DIM + hd * dh + k];
            }
        }
        for (int i = 0; i < WINDOW * DIM; i++) a[i] += q[i];
        for (int t = 0; t < WINDOW; t++) ln_d(f + t * DIM, a + t * DIM, lfg, lfb);
        dense_d(h, f, W("w1"), W("b1"));
        for (int i = 0; i < WINDOW * DIM; i++) h[i] = h[i] > 0 ? h[i] : 0;
        dense_d(y, h, W("w2"), W("b2"));
#undef W
        for (int t = 0; t < WINDOW; t++)
            for (int k = 0; k < DIM; k++) x[t * DIM + k] = (y[t * DIM + k] + f[t * DIM + k]) * m[t];
    }
    ln_d(out, x + (len - 1) * DIM, tensor(n, "sas.ln.g"), tensor(n, "sas.ln.b"));
}

static void test_matches_a_dense_transcription_of_the_peer(void **state)
{
    (void)state;
    const uint32_t blocks[3] = {1, 2, 2}, heads[3] = {1, 1, 4};
    for (int c = 0; c < 3; c++) {
        net n;
        net_init(&n, blocks[c], heads[c], 0.1f, MAX_B);
        int32_t states[MAX_B * WINDOW], lens[MAX_B];
        float out[MAX_B * DIM];
        histories(MAX_B, (uint64_t)c + 3, states, lens);
        n.e.cls->forward(NULL, &n.p, &n.e, n.work, states, lens, MAX_B, NULL, out);
        double worst = 0;
        for (int b = 0; b < MAX_B; b++) {
            double ref[DIM];
            peer_forward(&n, states + b * WINDOW, lens[b], ref);
            for (int k = 0; k < DIM; k++) {
                worst = fmax(worst, fabs(out[b * DIM + k] - ref[k]));
                assert_float_equal(out[b * DIM + k], ref[k], 1e-4 * (1 + fabs(ref[k])));
            }
        }
        print_message("%u block(s), %u head(s): largest difference to the transcription %.2g\n",
                      blocks[c], heads[c], worst);
        net_free(&n);
    }
}

/* The same checks with every orl_kgemm product through CBLAS. */
static void test_fallback_products(void **state)
{
    orl_kgemm_force_blas(1);
    check_encoder_gradient(2, 2, 0.3f);
    test_single_equals_batch_bit_for_bit(state);
    orl_kgemm_force_blas(0);
}

static void test_settings_are_checked(void **state)
{
    (void)state;
    orl_encoder_spec base;
    orl_encoder_spec_default(&base);
    strcpy(base.architecture, "sasrec");
    base.dropout = -1.0f;
    orl_encoder_spec s = base;
    assert_orl_ok(orl_encoder_spec_resolve(&s)); /* the reference's defaults */
    assert_int_equal(s.num_blocks, 1);
    assert_int_equal(s.num_heads, 1);
    assert_float_equal(s.dropout, 0.1f, 0);
    s = base, s.num_blocks = 9;
    expect_spec_refused(s, "num_blocks");
    s = base, s.num_heads = 65;
    expect_spec_refused(s, "num_heads");
    s = base, s.num_heads = 3; /* does not divide 64 */
    expect_spec_refused(s, "num_heads");
    s = base, s.embed_dim = 32;
    expect_spec_refused(s, "embed_dim");
    s = base, s.hidden_dim = 0;
    expect_spec_refused(s, "hidden_dim");
    s = base, s.window = 0;
    expect_spec_refused(s, "window");
    s = base, s.dropout = 1.0f;
    expect_spec_refused(s, "dropout");
    s = base, s.num_blocks = 8, s.num_heads = 64, s.dropout = 0.0f;
    assert_orl_ok(orl_encoder_spec_resolve(&s));
    /* The same through the public setters; a refused value leaves the encoder as it was. */
    orl_encoder_params ep;
    orl_encoder_params_init(&ep);
    ep.architecture = "sasrec";
    orl_encoder *enc = NULL;
    assert_orl_ok(orl_encoder_create(&ep, &enc));
    assert_int_equal(orl_encoder_set_int(enc, "num_heads", 3), ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), "num_heads"));
    assert_int_equal(orl_encoder_set_int(enc, "num_blocks", 9), ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), "num_blocks"));
    assert_orl_ok(orl_encoder_set_int(enc, "num_heads", 4));
    char json[512];
    size_t len = 0;
    assert_orl_ok(orl_encoder_config_json(enc, json, sizeof json, &len));
    assert_non_null(strstr(json, "\"num_heads\":4"));
    assert_non_null(strstr(json, "\"num_blocks\":1"));
    orl_encoder_free(enc);
    ep.embed_dim = 32;
    assert_int_equal(orl_encoder_create(&ep, &enc), ORL_E_OUT_OF_RANGE);
}

static void top10(const orl_model *m, int64_t *items, float *scores)
{
    int64_t h[4] = {3, 16, 21, 6};
    assert_orl_ok(orl_model_recommend(m, h, 4, 10, items, scores, NULL));
}

static void test_every_algorithm_trains_saves_and_reloads(void **state)
{
    (void)state;
    orl_dataset *ds = orl_test_chain_dataset(30, 200, 7, 5, 1);
    const char *algos[] = {"sl", "sqn", "sac", "snqn", "sa2c"};
    for (int a = 0; a < 5; a++) {
        orl_encoder_params ep;
        orl_encoder_params_init(&ep);
        ep.architecture = "sasrec";
        ep.embed_dim = ep.hidden_dim = 16;
        orl_encoder *enc = NULL;
        assert_orl_ok(orl_encoder_create(&ep, &enc));
        assert_orl_ok(orl_encoder_set_int(enc, "num_blocks", 2));
        assert_orl_ok(orl_encoder_set_int(enc, "num_heads", 2));
        orl_qnet *q = NULL;
        if (a > 0) assert_orl_ok(orl_qnet_create(NULL, &q));
        orl_trainer_params tp;
        orl_trainer_params_init(&tp);
        tp.algorithm = algos[a];
        tp.epochs = 2;
        tp.batch_size = 64;
        tp.threads = 2;
        orl_trainer *t = NULL;
        assert_orl_ok(orl_trainer_create(&tp, enc, NULL, q, &t));
        orl_encoder_free(enc);
        orl_qnet_free(q);
        assert_orl_ok(orl_trainer_fit(t, ds, NULL));
        orl_model *m = NULL, *back = NULL;
        assert_orl_ok(orl_trainer_export_model(t, &m));
        char path[512];
        orl_test_tmp_path("sasrec_model.orl", path, sizeof path);
        assert_orl_ok(orl_model_save(m, path));
        assert_orl_ok(orl_model_load(path, &back));
        char info[4096];
        size_t len = 0;
        assert_orl_ok(orl_model_info_json(back, info, sizeof info, &len));
        assert_non_null(strstr(info, "sasrec"));
        int64_t i1[10], i2[10];
        float s1[10], s2[10];
        top10(m, i1, s1);
        top10(back, i2, s2);
        assert_memory_equal(i1, i2, sizeof i1);
        assert_memory_equal(s1, s2, sizeof s1);
        /* Trained, not degenerate: the chain's next item comes first. */
        print_message("%s: top-1 %lld (the chain says %d)\n", algos[a], (long long)i1[0],
                      (6 * 5 + 1) % 30);
        orl_model_free(back);
        orl_model_free(m);
        orl_trainer_free(t);
    }
    orl_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_a_dense_transcription_of_the_peer),
        cmocka_unit_test(test_gradient_matches_finite_differences),
        cmocka_unit_test(test_single_equals_batch_bit_for_bit),
        cmocka_unit_test(test_fallback_products),
        cmocka_unit_test(test_settings_are_checked),
        cmocka_unit_test(test_every_algorithm_trains_saves_and_reloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
