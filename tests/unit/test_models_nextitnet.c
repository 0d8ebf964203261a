/* NextItNet behind the encoder interface: gradients through the whole
 * encoder against finite differences (and the same bits on 1, 2 or 3
 * threads), encode_one equal bit for bit to the batch forward, every bad
 * setting refused by name, and every algorithm through the public API. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/pool.h"
#include "core/rng.h"
#include "models/encoder.h"
#include "nn/kgemm.h"
#include "nn_test_util.h"
#include "encoder_test_util.h"
#include "test_support.h"

/* ---- a bare encoder over its own store ---- */

typedef struct rig {
    orl_enc e;
    orl_params p;
    void *block, *work;
    int max_batch;
} rig;

static void rig_init(rig *r, int H, int window, const uint32_t *dil, int n_dil, int n_items,
                     float dropout, int max_batch)
{
    orl_encoder_spec s;
    orl_encoder_spec_default(&s);
    strcpy(s.architecture, "nextitnet");
    s.embed_dim = s.hidden_dim = (uint32_t)H;
    s.window = (uint32_t)window;
    s.dropout = dropout;
    s.n_dilations = (uint32_t)n_dil;
    memcpy(s.dilations, dil, sizeof(uint32_t) * (size_t)n_dil);
    assert_orl_ok(orl_enc_init(&r->e, &s, n_items));
    orl_param_spec specs[ORL_PARAM_MAX_VIEWS];
    orl_param_name names[ORL_PARAM_MAX_VIEWS];
    r->e.cls->param_specs(&r->e, specs, names);
    assert_orl_ok(orl_params_init(&r->p, specs, orl_enc_n_params(&r->e), 1));
    orl_rng rng;
    orl_rng_init(&rng, 7, 0);
    r->e.cls->init(&r->p, &r->e, &rng);
    r->max_batch = max_batch;
    r->block = orl_aligned_alloc(r->e.cls->work_bytes(&r->e, max_batch));
    assert_non_null(r->block);
    r->work = r->e.cls->work_bind(r->block, &r->e, max_batch);
}

static void rig_free(rig *r)
{
    orl_aligned_free(r->block);
    orl_params_free(&r->p);
}

/* Every tensor but the embedding away from its initial values (tied
 * kernels, unit gammas, zero biases), so each gradient is exercised. */
static void perturb(rig *r, float emb_scale, uint64_t seed)
{
    orl_rng rng;
    orl_rng_init(&rng, seed, 0);
    for (int v = 0; v < r->p.n_views; v++) {
        const orl_param_view *pv = &r->p.views[v];
        float *x = r->p.value + pv->offset;
        const size_t n = pv->rows * pv->cols;
        const int is_gamma = strstr(pv->name, "ln_g") != NULL;
        const float scale = v == 0 ? emb_scale : 0.3f;
        for (size_t i = 0; i < n; i++)
            x[i] = (is_gamma ? 1.0f : 0.0f) + scale * orl_rng_normal(&rng);
    }
}

/* Random histories: lengths in [1, T], ids random, right-padded with the
 * padding id. */
static void histories(int32_t *states, int32_t *lens, int B, int T, int n_items, orl_rng *rng)
{
    for (int b = 0; b < B; b++) {
        lens[b] = 1 + (int32_t)orl_rng_below(rng, (uint32_t)T);
        for (int t = 0; t < T; t++)
            states[b * T + t] =
                t < lens[b] ? (int32_t)orl_rng_below(rng, (uint32_t)n_items) : (int32_t)n_items;
    }
}

/* ---- (a) gradients ---- */

enum { GB = 6, GT = 6, GH = 16, G_ITEMS = 7 };

typedef struct grad_ctx {
    rig r;
    orl_pool *pool;
    int32_t states[GB * GT], lens[GB];
    float weights[GB * GH], out[GB * GH];
} grad_ctx;

static double grad_loss(void *p)
{
    grad_ctx *c = p;
    orl_rng drop;
    orl_rng_init(&drop, 5, 0); /* the same dropout mask at every evaluation */
    c->r.e.cls->forward(c->pool, &c->r.p, &c->r.e, c->r.work, c->states, c->lens, GB, &drop,
                        c->out);
    double s = 0;
    for (int i = 0; i < GB * GH; i++) s += (double)c->out[i] * c->weights[i];
    return s;
}

static void backward_into_grad(grad_ctx *c)
{
    memset(c->r.p.grad, 0, sizeof(float) * c->r.p.count);
    grad_loss(c);
    c->r.e.cls->backward(c->pool, &c->r.p, &c->r.e, c->r.work, c->states, c->lens, GB, c->weights);
}

/* Central differences, leaving out the entries whose step crosses a ReLU
 * kink (the one-sided differences disagree): some are bound to, since a
 * kernel column moves one channel of every row. Float forward passes put
 * ~1e-6 of noise in the loss, hence eps 3e-3 and the floor. Over seeds 3-7
 * the worst error was 0.03-0.045 and at most 4% of entries sat at a kink. */
static void check_tensor(const char *name, grad_ctx *c, float *x, const float *g, size_t n)
{
    const float eps = 3e-3f;
    const double floor = 1e-2, tol = 6e-2;
    double worst = 0.0;
    size_t kinks = 0;
    for (size_t i = 0; i < n; i++) {
        const float keep = x[i];
        const double l0 = grad_loss(c);
        x[i] = keep + eps;
        const double lp = grad_loss(c);
        x[i] = keep - eps;
        const double lm = grad_loss(c);
        x[i] = keep;
        const double fwd = (lp - l0) / eps, bwd = (l0 - lm) / eps, fd = 0.5 * (fwd + bwd);
        if (fabs(fwd - bwd) > 0.05 * (fabs(fwd) + fabs(bwd)) + floor) {
            kinks++;
            continue;
        }
        const double err = fabs(fd - g[i]) / (fabs(fd) + fabs(g[i]) + floor);
        if (err > worst) worst = err;
        if (err > tol)
            print_error("%s[%zu]: analytic %.6g, finite difference %.6g (rel err %.3g)\n", name, i,
                        g[i], fd, err);
    }
    print_message("%-16s worst rel err %.3g, %zu of %zu entries at a kink\n", name, worst, kinks,
                  n);
    assert_true(worst <= tol);
    assert_true(kinks * 4 <= n); /* most entries are checked */
}

static void test_gradients_through_the_encoder(void **state)
{
    (void)state;
    static grad_ctx c;
    const uint32_t dil[2] = {1, 2};
    rig_init(&c.r, GH, GT, dil, 2, G_ITEMS, 0.25f, GB);
    perturb(&c.r, 1.0f, 3);
    c.pool = NULL;
    orl_rng rng;
    orl_rng_init(&rng, 1, 0);
    histories(c.states, c.lens, GB, GT, G_ITEMS, &rng);
    /* a full window, an empty history, a padding id inside a history */
    c.lens[0] = GT;
    for (int t = 0; t < GT; t++) c.states[t] = t % G_ITEMS;
    c.lens[1] = 1;
    for (int t = 0; t < GT; t++) c.states[GT + t] = G_ITEMS;
    c.lens[2] = 3;
    c.states[2 * GT + 1] = G_ITEMS;
    nn_fill_normal(c.weights, GB * GH, 1.0f, &rng);

    backward_into_grad(&c);
    float *grad1 = malloc(sizeof(float) * c.r.p.count);
    memcpy(grad1, c.r.p.grad, sizeof(float) * c.r.p.count);
    for (int v = 0; v < c.r.p.n_views; v++) {
        const orl_param_view *pv = &c.r.p.views[v];
        const size_t n = pv->rows * pv->cols;
        check_tensor(pv->name, &c, c.r.p.value + pv->offset, grad1 + pv->offset, n);
    }
    /* The padding row gets nothing (the reference's * mask). */
    const orl_param_view *ev = &c.r.p.views[0];
    for (int i = 0; i < GH; i++) assert_true(grad1[ev->offset + (size_t)G_ITEMS * GH + i] == 0.0f);
    /* The same bits on 2 and 3 threads. */
    for (int threads = 2; threads <= 3; threads++) {
        assert_orl_ok(orl_pool_create(threads, &c.pool));
        backward_into_grad(&c);
        assert_memory_equal(grad1, c.r.p.grad, sizeof(float) * c.r.p.count);
        orl_pool_free(c.pool);
        c.pool = NULL;
    }
    free(grad1);
    rig_free(&c.r);
}

/* A wider batch at the default shape: the pool's parts hold many
 * histories; gradients and touched rows do not depend on the threads. */
static void test_gradients_do_not_depend_on_threads(void **state)
{
    (void)state;
    enum { B = 37, T = 10, H = 32, I = 50 };
    const uint32_t dil[6] = {1, 2, 1, 2, 1, 2};
    rig r;
    rig_init(&r, H, T, dil, 6, I, 0.1f, B);
    perturb(&r, 0.5f, 9);
    orl_rng rng;
    orl_rng_init(&rng, 2, 0);
    static int32_t states[B * T], lens[B];
    static float d_out[B * H], out[B * H], out1[B * H];
    histories(states, lens, B, T, I, &rng);
    nn_fill_normal(d_out, B * H, 1.0f, &rng);
    float *grad1 = malloc(sizeof(float) * r.p.count);
    unsigned char touched1[I + 1], touched[I + 1];
    for (int threads = 1; threads <= 3; threads++) {
        orl_pool *pool = NULL;
        if (threads > 1) assert_orl_ok(orl_pool_create(threads, &pool));
        orl_rng drop;
        orl_rng_init(&drop, 4, 0);
        memset(r.p.grad, 0, sizeof(float) * r.p.count);
        r.e.cls->forward(pool, &r.p, &r.e, r.work, states, lens, B, &drop,
                         threads == 1 ? out1 : out);
        r.e.cls->backward(pool, &r.p, &r.e, r.work, states, lens, B, d_out);
        memset(threads == 1 ? touched1 : touched, 0, sizeof touched);
        r.e.cls->mark_touched(&r.e, r.work, states, lens, B, threads == 1 ? touched1 : touched);
        if (threads == 1) {
            memcpy(grad1, r.p.grad, sizeof(float) * r.p.count);
        } else {
            assert_memory_equal(out1, out, sizeof out);
            assert_memory_equal(grad1, r.p.grad, sizeof(float) * r.p.count);
            assert_memory_equal(touched1, touched, sizeof touched);
        }
        orl_pool_free(pool);
    }
    /* Touched: exactly the items of the histories. */
    unsigned char want[I + 1] = {0};
    for (int b = 0; b < B; b++)
        for (int t = 0; t < lens[b]; t++)
            if (states[b * T + t] != I) want[states[b * T + t]] = 1;
    assert_memory_equal(want, touched1, sizeof want);
    free(grad1);
    rig_free(&r);
}

/* The reference's initialisation: embedding N(0, 0.01); kernels truncated
 * N(0, 0.02), one draw shared by every conv of every network (tied) or one
 * each (independent); biases and betas 0, gammas 1. */
static void test_initialisation(void **state)
{
    (void)state;
    const uint32_t dil[3] = {1, 2, 4};
    rig a, b;
    rig_init(&a, 32, 10, dil, 3, 100, 0.0f, 1);
    rig_init(&b, 32, 10, dil, 3, 100, 0.0f, 1);
    orl_rng rng;
    orl_rng_init(&rng, 99, 0); /* another network's stream */
    b.e.cls->init(&b.p, &b.e, &rng);
    assert_int_equal(a.p.n_views, 1 + 4 * 6);
    const orl_param_view *k0 = &a.p.views[1];
    const size_t nk = k0->rows * k0->cols;
    assert_int_equal(k0->rows, 3 * 32);
    double sum2 = 0;
    for (size_t i = 0; i < nk; i++) {
        const float w = a.p.value[k0->offset + i];
        assert_true(fabsf(w) <= 0.04f);
        sum2 += (double)w * w;
    }
    const double sd = sqrt(sum2 / (double)nk); /* 0.02 * 0.88, truncated at 2 sd */
    assert_true(sd > 0.016 && sd < 0.019);
    for (int v = 1; v < a.p.n_views; v++) {
        const orl_param_view *pv = &a.p.views[v];
        const float *x = a.p.value + pv->offset;
        if (v % 4 == 1) { /* kernels: all the first one's, in both networks */
            assert_memory_equal(x, a.p.value + k0->offset, sizeof(float) * nk);
            assert_memory_equal(x, b.p.value + k0->offset, sizeof(float) * nk);
        }
        for (size_t i = 0; v % 4 != 1 && i < pv->cols; i++)
            assert_true(x[i] == (v % 4 == 3 ? 1.0f : 0.0f));
    }
    /* the embeddings differ, as their streams do */
    assert_true(memcmp(a.p.value, b.p.value, sizeof(float) * 32) != 0);
    double e2 = 0;
    const size_t ne = a.p.views[0].rows * a.p.views[0].cols;
    for (size_t i = 0; i < ne; i++) e2 += (double)a.p.value[i] * a.p.value[i];
    assert_true(fabs(sqrt(e2 / (double)ne) - 0.01) < 0.001);
    /* independent: every kernel its own draw */
    a.e.spec.independent_init = 1;
    a.e.cls->init(&a.p, &a.e, &rng);
    assert_true(memcmp(a.p.value + a.p.views[1].offset, a.p.value + a.p.views[5].offset,
                       sizeof(float) * nk) != 0);
    rig_free(&a);
    rig_free(&b);
}

/* ---- (b) encode_one == the inference forward, bit for bit ---- */

static void check_one_equals_batch(int H, uint64_t seed)
{
    enum { T = 10, I = 60, MAXB = 64 };
    const uint32_t dil[6] = {1, 2, 1, 2, 1, 2};
    rig r;
    rig_init(&r, H, T, dil, 6, I, 0.3f, MAXB);
    perturb(&r, 0.5f, seed);
    void *one = orl_aligned_alloc(orl_enc_round64(r.e.cls->one_bytes(&r.e)));
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    orl_rng rng;
    orl_rng_init(&rng, seed, 1);
    static int32_t states[MAXB * T], lens[MAXB];
    static float out[MAXB * 4096], single[4096];
    const int sizes[4] = {1, 3, 17, MAXB};
    const int test_lens[5] = {1, 1, 4, 7, T};
    for (int si = 0; si < 4; si++)
        for (int li = 0; li < 5; li++) {
            const int B = sizes[si];
            histories(states, lens, B, T, I, &rng);
            const int at = (int)orl_rng_below(&rng, (uint32_t)B);
            int32_t *h = states + at * T;
            lens[at] = test_lens[li];
            for (int t = 0; t < T; t++)
                h[t] = t < lens[at] ? (int32_t)orl_rng_below(&rng, I) : (int32_t)I;
            if (li == 0) h[0] = I; /* the empty history */
            r.e.cls->encode_one(&r.p, &r.e, h, lens[at], one, single);
            for (int use_pool = 0; use_pool < 2; use_pool++) {
                r.e.cls->forward(use_pool ? pool : NULL, &r.p, &r.e, r.work, states, lens, B, NULL,
                                 out);
                assert_memory_equal(single, out + (size_t)at * H, sizeof(float) * (size_t)H);
            }
            if (li == 0)
                for (int i = 0; i < H; i++) assert_true(single[i] == 0.0f);
        }
    orl_pool_free(pool);
    orl_aligned_free(one);
    rig_free(&r);
}

static void test_encode_one_equals_the_batch_forward(void **state)
{
    (void)state;
    check_one_equals_batch(64, 1);
    check_one_equals_batch(24, 2); /* the plain loop (H % 16 != 0) */
    orl_kgemm_force_blas(1);       /* and at H = 64 */
    check_one_equals_batch(64, 3);
    orl_kgemm_force_blas(0);
}

/* ---- (c) settings ---- */

typedef void (*spec_edit)(orl_encoder_spec *s);
static void kernel_1(orl_encoder_spec *s)
{
    s->kernel_size = 1;
}
static void kernel_17(orl_encoder_spec *s)
{
    s->kernel_size = 17;
}
static void too_many_blocks(orl_encoder_spec *s)
{
    s->n_dilations = ORL_ENC_MAX_DILATIONS + 1;
}
static void zero_dilation(orl_encoder_spec *s)
{
    s->n_dilations = 3;
    s->dilations[0] = s->dilations[1] = 1;
    s->dilations[2] = 0;
}
static void huge_dilation(orl_encoder_spec *s)
{
    s->n_dilations = 1;
    s->dilations[0] = 1025;
}
static void init_2(orl_encoder_spec *s)
{
    s->independent_init = 2;
}
static void embed_32(orl_encoder_spec *s)
{
    s->embed_dim = 32;
}
static void dropout_1(orl_encoder_spec *s)
{
    s->dropout = 1.0f;
}

static void test_bad_settings_name_their_field(void **state)
{
    (void)state;
    const struct {
        spec_edit edit;
        const char *field;
    } cases[] = {
        {kernel_1, "kernel_size"},        {kernel_17, "kernel_size"},
        {too_many_blocks, "n_dilations"}, {zero_dilation, "dilations[2]"},
        {huge_dilation, "dilations[0]"},  {init_2, "independent_init"},
        {embed_32, "hidden_dim"},         {dropout_1, "dropout"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        orl_encoder_spec s;
        orl_encoder_spec_default(&s);
        strcpy(s.architecture, "nextitnet");
        cases[i].edit(&s);
        expect_spec_refused(s, cases[i].field);
    }
    /* Zero fields take the defaults; the largest settings resolve. */
    orl_encoder_spec s;
    orl_encoder_spec_default(&s);
    strcpy(s.architecture, "nextitnet");
    s.dropout = -1.0f;
    assert_orl_ok(orl_encoder_spec_resolve(&s));
    const uint32_t def[6] = {1, 2, 1, 2, 1, 2};
    assert_int_equal(s.n_dilations, 6);
    assert_memory_equal(s.dilations, def, sizeof def);
    assert_int_equal(s.kernel_size, 3);
    assert_int_equal(s.independent_init, 0);
    assert_true(s.dropout == 0.0f);
    s.n_dilations = ORL_ENC_MAX_DILATIONS;
    for (int i = 0; i < ORL_ENC_MAX_DILATIONS; i++) s.dilations[i] = 1024;
    s.kernel_size = 16;
    s.independent_init = 1;
    assert_orl_ok(orl_encoder_spec_resolve(&s));
    /* Through the public setters. */
    orl_encoder_params ep;
    orl_encoder_params_init(&ep);
    ep.architecture = "nextitnet";
    orl_encoder *enc = NULL;
    assert_orl_ok(orl_encoder_create(&ep, &enc));
    assert_int_equal(orl_encoder_set_int(enc, "kernel_size", 1), ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), "kernel_size"));
    assert_int_equal(orl_encoder_set_int(enc, "independent_init", 2), ORL_E_OUT_OF_RANGE);
    assert_orl_ok(orl_encoder_set_int(enc, "kernel_size", 4));
    const int32_t d[3] = {1, 4, 2};
    assert_orl_ok(orl_encoder_set_int_list(enc, "dilations", d, 3));
    assert_int_equal(orl_encoder_set_int(enc, "hidden_dim", 32), ORL_E_OUT_OF_RANGE);
    char json[512];
    size_t len = 0;
    assert_orl_ok(orl_encoder_config_json(enc, json, sizeof json, &len));
    assert_non_null(strstr(json, "\"dilations\":[1,4,2],\"kernel_size\":4,\"independent_init\":0"));
    assert_non_null(strstr(json, "\"dropout\":0,"));
    orl_encoder_free(enc);
    /* The most blocks fit the tensor limit of a two-network RL trainer. (One
     * setter at a time cannot change embed_dim = hidden_dim: set both in the
     * params.) */
    int32_t many[ORL_ENC_MAX_DILATIONS];
    for (int i = 0; i < ORL_ENC_MAX_DILATIONS; i++) many[i] = 1 + i % 8;
    ep.embed_dim = ep.hidden_dim = 8;
    assert_orl_ok(orl_encoder_create(&ep, &enc));
    assert_orl_ok(orl_encoder_set_int_list(enc, "dilations", many, ORL_ENC_MAX_DILATIONS));
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sa2c";
    orl_trainer *t = NULL;
    assert_orl_ok(orl_trainer_create(&tp, enc, NULL, NULL, &t));
    orl_trainer_free(t);
    orl_encoder_free(enc);
}

/* ---- (d) every algorithm through the public API ---- */

static orl_dataset *sim_dataset(void)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.n_items = 40;
    sp.seed = 3;
    orl_sim *sim = NULL;
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    assert_orl_ok(orl_sim_generate(sim, 150, ds));
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_sim_free(sim);
    return ds;
}

static void top10(const orl_model *m, const int64_t *h, size_t n, int64_t *items, float *scores)
{
    assert_orl_ok(orl_model_recommend(m, h, n, 10, items, scores, NULL));
}

static void test_every_algorithm_trains_saves_and_reloads(void **state)
{
    (void)state;
    orl_dataset *ds = sim_dataset();
    orl_encoder_params ep;
    orl_encoder_params_init(&ep);
    ep.architecture = "nextitnet";
    ep.embed_dim = ep.hidden_dim = 16;
    orl_encoder *enc = NULL;
    assert_orl_ok(orl_encoder_create(&ep, &enc));
    const int32_t dil[2] = {1, 2};
    assert_orl_ok(orl_encoder_set_int_list(enc, "dilations", dil, 2));
    const char *algos[] = {"sl", "sqn", "sac", "snqn", "sa2c"};
    const int64_t hist[] = {3, 17, 5, 9, 1, 30, 2, 11, 4, 8, 21, 6};
    for (size_t a = 0; a < sizeof algos / sizeof algos[0]; a++) {
        orl_trainer_params tp;
        orl_trainer_params_init(&tp);
        tp.algorithm = algos[a];
        tp.epochs = 1;
        tp.batch_size = 64;
        tp.threads = 2;
        tp.seed = 11;
        orl_trainer *t = NULL;
        assert_orl_ok(orl_trainer_create(&tp, enc, NULL, NULL, &t));
        assert_orl_ok(orl_trainer_fit(t, ds, NULL));
        orl_model *m = NULL, *loaded = NULL;
        assert_orl_ok(orl_trainer_export_model(t, &m));
        char path[512];
        orl_test_tmp_path("nextitnet_model.orl", path, sizeof path);
        assert_orl_ok(orl_model_save(m, path));
        assert_orl_ok(orl_model_load(path, &loaded));
        char info[4096];
        size_t len = 0;
        assert_orl_ok(orl_model_info_json(loaded, info, sizeof info, &len));
        assert_non_null(strstr(info, "\"nextitnet\""));
        /* Histories of every length, up to past the window. */
        int64_t batch_items[13 * 10];
        float batch_scores[13 * 10];
        size_t offsets[14];
        static int64_t flat[100];
        size_t at = 0;
        for (size_t n = 0; n <= 12; n++) {
            offsets[n] = at;
            memcpy(flat + at, hist, sizeof(int64_t) * n);
            at += n;
        }
        offsets[13] = at;
        assert_orl_ok(
            orl_model_recommend_batch(loaded, 13, flat, offsets, 10, batch_items, batch_scores));
        for (size_t n = 0; n <= 12; n++) {
            int64_t i1[10], i2[10];
            float s1[10], s2[10];
            top10(m, hist, n, i1, s1);
            top10(loaded, hist, n, i2, s2);
            assert_memory_equal(i1, i2, sizeof i1);
            assert_memory_equal(s1, s2, sizeof s1);
            assert_true(isfinite(s1[0]));
            /* Batch scoring: the same items; the heads' batch and single
             * paths round apart (the states are equal, test (b)). */
            assert_memory_equal(i1, batch_items + n * 10, sizeof i1);
            for (int k = 0; k < 10; k++) assert_float_equal(s1[k], batch_scores[n * 10 + k], 1e-5);
        }
        orl_model_free(loaded);
        orl_model_free(m);
        orl_trainer_free(t);
    }
    orl_encoder_free(enc);
    orl_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradients_through_the_encoder),
        cmocka_unit_test(test_gradients_do_not_depend_on_threads),
        cmocka_unit_test(test_initialisation),
        cmocka_unit_test(test_encode_one_equals_the_batch_forward),
        cmocka_unit_test(test_bad_settings_name_their_field),
        cmocka_unit_test(test_every_algorithm_trains_saves_and_reloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
