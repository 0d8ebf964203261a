/* The GRU4Rec + CE network: whole-network gradient, learning, determinism,
 * allocation discipline, inference consistency across paths and threads. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "models/ce_head.h"
#include "models/gru4rec.h"
#include "models/sl_net.h"
#include "models/topk.h"
#include "nn/dropout.h"
#include "nn_test_util.h"
#include "test_support.h"

/* Random histories: left-aligned, padded with n_items. */
static void random_batch(orl_rng *r, int n_items, int window, int batch, int32_t *states,
                         int32_t *lens, int32_t *actions)
{
    for (int b = 0; b < batch; b++) {
        lens[b] = 1 + (int32_t)orl_rng_below(r, (uint32_t)window);
        for (int t = 0; t < window; t++)
            states[b * window + t] =
                t < lens[b] ? (int32_t)orl_rng_below(r, (uint32_t)n_items) : n_items;
        if (actions) actions[b] = (int32_t)orl_rng_below(r, (uint32_t)n_items);
    }
}

/* The rule to learn: the next item is the last one + 1 (mod n_items). */
static void successor_batch(orl_rng *r, int n_items, int window, int batch, int32_t *states,
                            int32_t *lens, int32_t *actions)
{
    for (int b = 0; b < batch; b++) {
        lens[b] = 1 + (int32_t)orl_rng_below(r, (uint32_t)window);
        int start = (int)orl_rng_below(r, (uint32_t)n_items);
        for (int t = 0; t < window; t++)
            states[b * window + t] = t < lens[b] ? (start + t) % n_items : n_items;
        actions[b] = (start + lens[b]) % n_items;
    }
}

/* ---- whole network: embedding -> GRU -> dropout (fixed mask) -> CE ---- */
enum { NI = 23, NE = 4, NH = 5, NT = 4, NB = 6 };

typedef struct net_ctx {
    orl_params p;
    orl_gru4rec_dims d;
    orl_gru4rec_work w;
    float *block, *hidden, *hdrop, *mask, *dh, *ce;
    int32_t states[NB * NT], lens[NB], actions[NB];
} net_ctx;

static double net_loss(void *c_)
{
    net_ctx *c = c_;
    orl_gru4rec_forward(NULL, &c->p, c->d, &c->w, c->states, c->lens, NB, c->hidden);
    orl_dropout_forward(c->hdrop, c->hidden, c->mask, NB * NH);
    orl_ce_dims cd = {NB, NH, NI, 0};
    return orl_softmax_ce(NULL, c->hdrop, orl_params_at(&c->p, c->p.value, ORL_CE_HEAD_W),
                          orl_params_at(&c->p, c->p.value, ORL_CE_HEAD_B), c->actions, cd, NULL,
                          NULL, NULL, c->ce, NULL, NULL, NULL);
}

static void test_whole_network_gradient(void **state)
{
    (void)state;
    net_ctx c;
    memset(&c, 0, sizeof c);
    c.d = (orl_gru4rec_dims){NI, NE, NH, NT};
    orl_param_spec specs[ORL_GRU4REC_N_PARAMS + ORL_CE_HEAD_N_PARAMS];
    orl_gru4rec_param_specs(c.d, specs);
    orl_ce_head_param_specs(NI, NH, specs + ORL_GRU4REC_N_PARAMS);
    assert_orl_ok(orl_params_init(&c.p, specs, 7, 1));
    orl_rng r;
    orl_rng_init(&r, 11, 0);
    orl_gru4rec_init(&c.p, c.d, &r);
    orl_ce_head_init(&c.p, NI, NH, &r);
    /* Larger weights than the reference init, so every path carries signal. */
    for (size_t i = 0; i < c.p.count; i++) c.p.value[i] *= 6.0f;
    for (int i = 0; i < (NI + 1) * NE; i++)
        c.p.value[c.p.views[0].offset + (size_t)i] = 0.5f * orl_rng_normal(&r);
    float *hb = orl_params_at(&c.p, c.p.value, ORL_CE_HEAD_B);
    for (int i = 0; i < NI; i++) hb[i] = 0.3f * orl_rng_normal(&r);
    random_batch(&r, NI, NT, NB, c.states, c.lens, c.actions);
    c.states[0] = NI; /* an empty history: one padding token, as the reference */
    c.lens[0] = 1;
    orl_ce_dims cd = {NB, NH, NI, 0};
    size_t wf = orl_gru4rec_work_floats(c.d, NB), ce = orl_softmax_ce_scratch_floats(cd, 1);
    c.block = orl_aligned_alloc(sizeof(float) * (wf + 4 * 64 + ce));
    orl_gru4rec_work_bind(&c.w, c.block, c.d, NB);
    c.hidden = c.block + wf;
    c.hdrop = c.hidden + 64;
    c.mask = c.hdrop + 64;
    c.dh = c.mask + 64;
    c.ce = c.dh + 64;
    orl_dropout_mask(c.mask, NB * NH, 0.3f, &r);

    net_loss(&c);
    orl_ce_head_train(NULL, &c.p, NI, NH, c.hdrop, c.actions, NB, c.dh, c.ce, NULL, NULL, NULL);
    orl_dropout_backward(c.dh, c.dh, c.mask, NB * NH);
    orl_gru4rec_backward(NULL, &c.p, c.d, &c.w, c.lens, NB, c.dh);
    for (int v = 0; v < c.p.n_views; v++) {
        const orl_param_view *pv = &c.p.views[v];
        nn_check_grad(pv->name, net_loss, &c, c.p.value + pv->offset, c.p.grad + pv->offset,
                      pv->rows * pv->cols, 60, 1e-2f, 2e-2, 1e-3);
    }
    /* The padding row got gradient from the empty history. */
    float *ge = orl_params_at(&c.p, c.p.grad, ORL_GRU4REC_EMB) + (size_t)NI * NE;
    assert_true(fabsf(ge[0]) + fabsf(ge[1]) + fabsf(ge[2]) + fabsf(ge[3]) > 0);
    orl_aligned_free(c.block);
    orl_params_free(&c.p);
}

/* ---- the net ---- */
static orl_sl_net *make_net(int n_items, int threads, uint64_t seed, float dropout, int max_batch)
{
    orl_sl_net_config cfg = orl_sl_net_config_default(n_items);
    cfg.embed_dim = 16;
    cfg.hidden_dim = 16;
    cfg.window = 5;
    cfg.dropout = dropout;
    cfg.max_batch = max_batch;
    orl_sl_net *net = NULL;
    assert_orl_ok(orl_sl_net_create(&cfg, seed, threads, &net));
    return net;
}

static void test_reference_initialisation(void **state)
{
    (void)state;
    orl_sl_net_config cfg = orl_sl_net_config_default(3000);
    assert_int_equal(cfg.embed_dim, 64);
    assert_int_equal(cfg.window, 10);
    orl_sl_net *net = NULL;
    assert_orl_ok(orl_sl_net_create(&cfg, 1, 1, &net));
    const orl_params *p = orl_sl_net_params_const(net);
    const orl_param_view *e = orl_params_find(p, ORL_GRU4REC_EMB);
    assert_int_equal(e->rows, 3001); /* + padding row */
    double s = 0, s2 = 0;
    size_t n = e->rows * e->cols;
    for (size_t i = 0; i < n; i++) {
        double x = p->value[e->offset + i];
        s += x;
        s2 += x * x;
    }
    assert_true(fabs(sqrt(s2 / n) - 0.01) < 0.0005 && fabs(s / n) < 0.0005);
    const orl_param_view *g = orl_params_find(p, ORL_GRU4REC_W_HH);
    float mx = 0;
    for (size_t i = 0; i < g->rows * g->cols; i++) mx = fmaxf(mx, fabsf(p->value[g->offset + i]));
    assert_true(mx <= 0.125f && mx > 0.12f); /* U(-1/sqrt(64), 1/sqrt(64)) */
    const orl_param_view *w = orl_params_find(p, ORL_CE_HEAD_W);
    float bound = sqrtf(6.0f / (64 + 3000)), wmx = 0;
    for (size_t i = 0; i < w->rows * w->cols; i++) wmx = fmaxf(wmx, fabsf(p->value[w->offset + i]));
    assert_true(wmx <= bound && wmx > 0.99f * bound);
    const float *hb = orl_params_at(p, p->value, ORL_CE_HEAD_B);
    for (int i = 0; i < 3000; i++) assert_true(hb[i] == 0.0f);
    orl_sl_net_free(net);
}

static void test_create_survives_every_allocation_failure(void **state)
{
    (void)state;
    int64_t base = orl_alloc_live_blocks();
    orl_sl_net_config cfg = orl_sl_net_config_default(40);
    cfg.max_batch = 8;
    int failures = 0;
    for (int64_t n = 0;; n++) {
        orl_sl_net *net = NULL;
        orl_alloc_fail_after(n);
        int s = orl_sl_net_create(&cfg, 1, 2, &net);
        orl_alloc_fail_after(-1);
        if (s == ORL_OK) {
            orl_sl_net_free(net);
            break;
        }
        assert_int_equal(s, ORL_E_NOMEM);
        assert_null(net);
        assert_int_equal(orl_alloc_live_blocks(), base);
        failures++;
    }
    assert_true(failures >= 7); /* net, pool (3), params (4), workspace */
    assert_int_equal(orl_alloc_live_blocks(), base);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    orl_sl_net *net = NULL;
    orl_sl_net_config cfg = orl_sl_net_config_default(0);
    assert_int_equal(orl_sl_net_create(&cfg, 1, 1, &net), ORL_E_OUT_OF_RANGE);
    cfg = orl_sl_net_config_default(10);
    cfg.dropout = 1.0f;
    assert_int_equal(orl_sl_net_create(&cfg, 1, 1, &net), ORL_E_OUT_OF_RANGE);
    cfg.dropout = 0.0f;
    cfg.window = 0;
    assert_int_equal(orl_sl_net_create(&cfg, 1, 1, &net), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_sl_net_create(NULL, 1, 1, &net), ORL_E_INVALID_ARGUMENT);
    assert_null(net);

    net = make_net(10, 1, 1, 0.0f, 4);
    int32_t st[4 * 5], lens[4], act[4];
    orl_rng r;
    orl_rng_init(&r, 1, 0);
    random_batch(&r, 10, 5, 4, st, lens, act);
    const orl_params *p = orl_sl_net_params_const(net);
    float *before = malloc(sizeof(float) * p->count);
    memcpy(before, p->value, sizeof(float) * p->count);
    float loss = -1;
    assert_int_equal(orl_sl_net_train_step(net, st, lens, act, 5, 0.01f, &loss),
                     ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_sl_net_train_step(net, st, lens, act, 0, 0.01f, &loss),
                     ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_sl_net_train_step(net, st, lens, act, 4, 0.0f, &loss), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_sl_net_train_step(net, NULL, lens, act, 4, 0.01f, &loss),
                     ORL_E_INVALID_ARGUMENT);
    act[2] = 10; /* the padding id is not an action */
    assert_int_equal(orl_sl_net_train_step(net, st, lens, act, 4, 0.01f, &loss),
                     ORL_E_OUT_OF_RANGE);
    act[2] = 3;
    lens[1] = 6;
    assert_int_equal(orl_sl_net_train_step(net, st, lens, act, 4, 0.01f, &loss),
                     ORL_E_OUT_OF_RANGE);
    lens[1] = 2;
    st[7] = 11;
    assert_int_equal(orl_sl_net_train_step(net, st, lens, act, 4, 0.01f, &loss),
                     ORL_E_OUT_OF_RANGE);
    st[7] = -1;
    assert_int_equal(orl_sl_net_train_step(net, st, lens, act, 4, 0.01f, &loss),
                     ORL_E_OUT_OF_RANGE);
    assert_true(loss == -1.0f);
    assert_memory_equal(before, p->value, sizeof(float) * p->count);
    assert_int_equal(p->step, 0);
    /* Inference: scratch too small, k out of range, candidate out of range. */
    st[7] = 10;
    char small[16];
    float h[16];
    assert_int_equal(orl_sl_net_encode(net, st, lens, 1, small, sizeof small, h),
                     ORL_E_BUFFER_TOO_SMALL);
    size_t bytes = orl_sl_net_scratch_bytes(net, 4);
    void *scr = malloc(bytes);
    int32_t ids[4];
    float sc[11];
    assert_int_equal(orl_sl_net_topk(net, st, lens, 1, 11, scr, bytes, ids, sc),
                     ORL_E_OUT_OF_RANGE);
    int32_t cand[2] = {3, 10};
    assert_int_equal(orl_sl_net_score_candidates(net, st, lens, 1, cand, 2, scr, bytes, sc),
                     ORL_E_OUT_OF_RANGE);
    free(scr);
    free(before);
    orl_sl_net_free(net);
}

static void test_nonfinite_loss_is_refused(void **state)
{
    (void)state;
    orl_sl_net *net = make_net(30, 2, 3, 0.0f, 8);
    orl_params *p = orl_sl_net_params(net);
    float *hb = orl_params_at(p, p->value, ORL_CE_HEAD_B);
    hb[4] = INFINITY;
    float *before = malloc(sizeof(float) * p->count);
    memcpy(before, p->value, sizeof(float) * p->count);
    int32_t st[8 * 5], lens[8], act[8];
    orl_rng r;
    orl_rng_init(&r, 2, 0);
    random_batch(&r, 30, 5, 8, st, lens, act);
    float loss = 0;
    assert_int_equal(orl_sl_net_train_step(net, st, lens, act, 8, 0.01f, &loss), ORL_E_NUMERIC);
    assert_memory_equal(before, p->value, sizeof(float) * p->count);
    /* A later healthy step still works from clean gradients. */
    hb[4] = 0.0f;
    assert_orl_ok(orl_sl_net_train_step(net, st, lens, act, 8, 0.01f, &loss));
    assert_true(isfinite(loss));
    free(before);
    orl_sl_net_free(net);
}

static void test_train_step_never_allocates(void **state)
{
    (void)state;
    orl_sl_net *net = make_net(700, 2, 5, 0.2f, 64);
    int32_t st[64 * 5], lens[64], act[64];
    orl_rng r;
    orl_rng_init(&r, 3, 0);
    random_batch(&r, 700, 5, 64, st, lens, act);
    float loss;
    assert_orl_ok(orl_sl_net_train_step(net, st, lens, act, 64, 0.01f, &loss));
    int64_t live = orl_alloc_live_blocks();
    uint64_t injected = orl_alloc_injected_failures();
    orl_alloc_fail_after(0); /* the very next allocation would fail */
    for (int i = 0; i < 3; i++)
        assert_orl_ok(orl_sl_net_train_step(net, st, lens, act, 64 - i * 20, 0.01f, &loss));
    orl_alloc_fail_after(-1);
    assert_int_equal(orl_alloc_injected_failures(), injected);
    assert_int_equal(orl_alloc_live_blocks(), live);
    orl_sl_net_free(net);
}

static void run_steps(orl_sl_net *net, int steps, uint64_t data_seed, int n_items)
{
    enum { B = 48 };
    int32_t st[B * 5], lens[B], act[B];
    orl_rng r;
    orl_rng_init(&r, data_seed, 0);
    for (int s = 0; s < steps; s++) {
        random_batch(&r, n_items, 5, B, st, lens, act);
        float loss;
        assert_orl_ok(orl_sl_net_train_step(net, st, lens, act, B, 0.01f, &loss));
    }
}

static void test_same_seed_and_threads_give_identical_params(void **state)
{
    (void)state;
    orl_sl_net *a = make_net(1500, 2, 42, 0.1f, 48), *b = make_net(1500, 2, 42, 0.1f, 48);
    orl_sl_net *c = make_net(1500, 2, 43, 0.1f, 48);
    run_steps(a, 8, 9, 1500);
    run_steps(b, 8, 9, 1500);
    run_steps(c, 8, 9, 1500);
    const orl_params *pa = orl_sl_net_params_const(a), *pb = orl_sl_net_params_const(b);
    assert_memory_equal(pa->value, pb->value, sizeof(float) * pa->count);
    assert_memory_equal(pa->m, pb->m, sizeof(float) * pa->count);
    assert_int_equal(pa->step, 8);
    assert_memory_not_equal(pa->value, orl_sl_net_params_const(c)->value,
                            sizeof(float) * pa->count);
    orl_sl_net_free(a);
    orl_sl_net_free(b);
    orl_sl_net_free(c);
}

static void test_learns_successor_rule(void **state)
{
    (void)state;
    enum { I = 60, B = 64, T = 5 };
    orl_sl_net *net = make_net(I, 2, 7, 0.0f, B);
    int32_t st[B * T], lens[B], act[B];
    orl_rng r;
    orl_rng_init(&r, 8, 0);
    float first = 0, loss = 0;
    for (int s = 0; s < 300; s++) {
        successor_batch(&r, I, T, B, st, lens, act);
        assert_orl_ok(orl_sl_net_train_step(net, st, lens, act, B, 0.01f, &loss));
        if (s == 0) first = loss;
    }
    assert_true(first > 3.9f); /* ~log(60) at the start */
    assert_true(loss < 0.5f);
    /* Held-out histories: top-1 accuracy vs the popularity baseline (uniform
     * targets here: any fixed ranking hits 1 / I). */
    size_t bytes = orl_sl_net_scratch_bytes(orl_sl_net_params_const(net) ? net : net, B);
    void *scr = malloc(bytes);
    int32_t top[B];
    float sc[B];
    int hits = 0, pop_hits = 0;
    for (int rep = 0; rep < 4; rep++) {
        successor_batch(&r, I, T, B, st, lens, act);
        assert_orl_ok(orl_sl_net_topk(net, st, lens, B, 1, scr, bytes, top, sc));
        for (int b = 0; b < B; b++) {
            hits += top[b] == act[b];
            pop_hits += act[b] == 0;
        }
    }
    assert_true(hits >= 0.95 * 4 * B);
    assert_true(hits > 10 * (pop_hits + 1));
    free(scr);
    orl_sl_net_free(net);
}

/* ---- inference consistency ---- */
typedef struct infer_job {
    const orl_sl_net *net;
    const int32_t *st, *lens;
    int n, k;
    int32_t *ids;
    float *scores;
    int status;
} infer_job;

static void *infer_thread(void *arg)
{
    infer_job *j = arg;
    size_t bytes = orl_sl_net_scratch_bytes(j->net, 1);
    void *scr = malloc(bytes);
    j->status = 0;
    for (int rep = 0; rep < 3; rep++)
        for (int i = 0; i < j->n && j->status == 0; i++)
            j->status = orl_sl_net_topk(j->net, j->st + i * 5, j->lens + i, 1, j->k, scr, bytes,
                                        j->ids + i * j->k, j->scores + i * j->k);
    free(scr);
    return NULL;
}

static int cmp_desc(const void *a, const void *b)
{
    const float *x = a, *y = b;
    return (x[0] < y[0]) - (x[0] > y[0]);
}

static void test_inference_paths_agree(void **state)
{
    (void)state;
    enum { I = 900, N = 45, K = 10 };
    orl_sl_net *net = make_net(I, 2, 13, 0.0f, 64);
    run_steps(net, 5, 4, I); /* trained a little: scores no longer near-uniform */
    int32_t st[N * 5], lens[N];
    orl_rng r;
    orl_rng_init(&r, 21, 0);
    random_batch(&r, I, 5, N, st, lens, NULL);
    size_t bytes = orl_sl_net_scratch_bytes(net, N);
    void *scr = malloc(bytes);
    float *all = malloc(sizeof(float) * N * I), *one = malloc(sizeof(float) * I);
    assert_orl_ok(orl_sl_net_scores(net, st, lens, N, scr, bytes, all));
    float hid[N * 16], h1[16];
    assert_orl_ok(orl_sl_net_encode(net, st, lens, N, scr, bytes, hid));
    int32_t ids[N * K];
    float tsc[N * K];
    assert_orl_ok(orl_sl_net_topk(net, st, lens, N, K, scr, bytes, ids, tsc));
    int32_t ids_nosc[N * K];
    assert_orl_ok(orl_sl_net_topk(net, st, lens, N, K, scr, bytes, ids_nosc, NULL));
    assert_memory_equal(ids, ids_nosc, sizeof ids);
    float *pairs = malloc(sizeof(float) * 2 * I);
    for (int i = 0; i < N; i++) {
        /* batched == single history, bit for bit (issue 20) */
        assert_orl_ok(orl_sl_net_scores(net, st + i * 5, lens + i, 1, scr, bytes, one));
        assert_orl_ok(orl_sl_net_encode(net, st + i * 5, lens + i, 1, scr, bytes, h1));
        assert_memory_equal(h1, hid + i * 16, sizeof h1);
        assert_memory_equal(one, all + (size_t)i * I, sizeof(float) * I);
        /* top-k == the head of a full sort of the same scores */
        const float *row = all + (size_t)i * I;
        for (int j = 0; j < I; j++) {
            pairs[2 * j] = row[j];
            pairs[2 * j + 1] = (float)j;
        }
        qsort(pairs, I, 2 * sizeof(float), cmp_desc);
        for (int k = 0; k < K; k++) {
            assert_true(tsc[i * K + k] == pairs[2 * k]);
            assert_true(row[ids[i * K + k]] == pairs[2 * k]);
            if (k > 0) assert_true(tsc[i * K + k] <= tsc[i * K + k - 1]);
        }
        /* candidates == those entries of the full scores */
        int32_t cand[5] = {0, 17, I - 1, 17, 400};
        float cs[5];
        assert_orl_ok(
            orl_sl_net_score_candidates(net, st + i * 5, lens + i, 1, cand, 5, scr, bytes, cs));
        for (int c = 0; c < 5; c++) assert_memory_equal(&cs[c], &one[cand[c]], sizeof(float));
    }
    /* Two threads scoring on one const net == one thread, bitwise. */
    int32_t ref_ids[N * K], t_ids[2][N * K];
    float ref_sc[N * K], t_sc[2][N * K];
    infer_job ref = {net, st, lens, N, K, ref_ids, ref_sc, -1};
    infer_thread(&ref);
    assert_int_equal(ref.status, 0);
    pthread_t th[2];
    infer_job jobs[2];
    for (int t = 0; t < 2; t++) {
        jobs[t] = (infer_job){net, st, lens, N, K, t_ids[t], t_sc[t], -1};
        pthread_create(&th[t], NULL, infer_thread, &jobs[t]);
    }
    for (int t = 0; t < 2; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(jobs[t].status, 0);
        assert_memory_equal(t_ids[t], ref_ids, sizeof ref_ids);
        assert_memory_equal(t_sc[t], ref_sc, sizeof ref_sc);
    }
    free(pairs);
    free(all);
    free(one);
    free(scr);
    orl_sl_net_free(net);
}

/* train_step fuses Adam into the output layer's pass 2; the result must be
 * the plain sequence forward, backward, Adam over the whole store. */
static void test_fused_step_equals_plain_composition(void **state)
{
    (void)state;
    enum { I = 1300, B = 32, T = 5 };
    orl_sl_net *net = make_net(I, 2, 17, 0.0f, B);
    const orl_params *np = orl_sl_net_params_const(net);
    orl_gru4rec_dims d = {I, 16, 16, T};
    orl_param_spec specs[7];
    orl_gru4rec_param_specs(d, specs);
    orl_ce_head_param_specs(I, 16, specs + 5);
    orl_params q;
    assert_orl_ok(orl_params_init(&q, specs, 7, 1));
    assert_int_equal(q.count, np->count);
    memcpy(q.value, np->value, sizeof(float) * q.count);
    orl_ce_dims cd = {B, 16, I, 0};
    size_t wf = orl_gru4rec_work_floats(d, B);
    float *block =
        orl_aligned_alloc(sizeof(float) * (wf + 2 * B * 16 + orl_softmax_ce_scratch_floats(cd, 1)));
    orl_gru4rec_work w;
    orl_gru4rec_work_bind(&w, block, d, B);
    float *hid = block + wf, *dh = hid + B * 16, *ce = dh + B * 16;
    int32_t st[B * T], lens[B], act[B];
    orl_rng r;
    orl_rng_init(&r, 5, 0);
    orl_adam_config ac = orl_adam_defaults();
    for (int step = 0; step < 3; step++) {
        random_batch(&r, I, T, B, st, lens, act);
        float loss_net, loss_plain;
        assert_orl_ok(orl_sl_net_train_step(net, st, lens, act, B, 0.01f, &loss_net));
        orl_gru4rec_forward(NULL, &q, d, &w, st, lens, B, hid);
        loss_plain = orl_ce_head_train(NULL, &q, I, 16, hid, act, B, dh, ce, NULL, NULL, NULL);
        orl_gru4rec_backward(NULL, &q, d, &w, lens, B, dh);
        orl_adam_step(NULL, &q, &ac, 1);
        assert_true(fabsf(loss_net - loss_plain) < 1e-5f);
    }
    double worst = 0;
    for (size_t i = 0; i < q.count; i++) worst = fmax(worst, fabs(q.value[i] - np->value[i]));
    assert_true(worst < 1e-5);
    assert_int_equal(np->step, 3);
    orl_aligned_free(block);
    orl_params_free(&q);
    orl_sl_net_free(net);
}

static void test_topk_ties_prefer_lower_ids(void **state)
{
    (void)state;
    float s[8] = {1, 3, 3, NAN, 2, 3, 0, 2};
    int32_t ids[8];
    float out[8];
    orl_topk(s, 8, 5, ids, out);
    int32_t want[5] = {1, 2, 5, 4, 7};
    assert_memory_equal(ids, want, sizeof want);
    orl_topk(s, 8, 8, ids, out); /* k == n: NaN last */
    assert_true(ids[7] == 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_network_gradient),
        cmocka_unit_test(test_reference_initialisation),
        cmocka_unit_test(test_create_survives_every_allocation_failure),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_nonfinite_loss_is_refused),
        cmocka_unit_test(test_train_step_never_allocates),
        cmocka_unit_test(test_same_seed_and_threads_give_identical_params),
        cmocka_unit_test(test_learns_successor_rule),
        cmocka_unit_test(test_inference_paths_agree),
        cmocka_unit_test(test_fused_step_equals_plain_composition),
        cmocka_unit_test(test_topk_ties_prefer_lower_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
