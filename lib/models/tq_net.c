/* tq_net: configuration, creation, the training step with its optimiser and
 * target update, and the stores. The losses are in tq_net_bcq.c and
 * tq_net_rem.c. */
#include "models/tq_net.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "models/ce_head.h"
#include "models/sparse_adam.h"
#include "models/tq_net_internal.h"
#include "nn/adam.h"
#include "nn/linear_argmax.h"

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

int orl_tq_check_config(const orl_tq_config *c)
{
#define BAD(...) return orl_fail(ORL_E_OUT_OF_RANGE, "tq_net: " __VA_ARGS__)
    if (c->algorithm != ORL_TQ_BCQ && c->algorithm != ORL_TQ_REM)
        BAD("algorithm %d is not bcq (0) or rem (1)", c->algorithm);
    if (c->n_items < 1 || c->n_items > (1 << 28))
        BAD("n_items %d is outside [1, 2^28]", c->n_items);
    if (c->max_batch < 1 || c->max_batch > 65536)
        BAD("max_batch %d is outside [1, 65536]", c->max_batch);
    if (!(c->gamma >= 0.0f && c->gamma <= 1.0f))
        BAD("gamma %g is outside [0, 1]", (double)c->gamma);
    if (!(c->threshold >= 0.0f && c->threshold < 1.0f))
        BAD("threshold %g is outside [0, 1)", (double)c->threshold);
    if (!(c->reg >= 0.0f) || !isfinite(c->reg)) BAD("reg %g must be >= 0", (double)c->reg);
    if (c->algorithm == ORL_TQ_REM && (c->heads < 2 || c->heads > ORL_Q_ENSEMBLE_MAX))
        BAD("heads %d is outside [2, %d]", c->heads, ORL_Q_ENSEMBLE_MAX);
    if (c->target_update < 1) BAD("target_update %lld must be >= 1", (long long)c->target_update);
    if (!(c->tau >= 0.0f && c->tau <= 1.0f)) BAD("tau %g is outside [0, 1]", (double)c->tau);
#undef BAD
    return ORL_OK;
}

/* Floats of the training workspace, and its carving when base != NULL. */
static size_t workspace(orl_tq_net *net, float *base)
{
    const orl_enc *e = &net->enc;
    const size_t B = (size_t)net->cfg.max_batch, H = (size_t)e->state_dim;
    const size_t I = (size_t)net->cfg.n_items, Bp = round16(B);
    const int bcq = net->cfg.algorithm == ORL_TQ_BCQ;
    const size_t K = bcq ? 1 : (size_t)net->cfg.heads, b1 = round16(B);
    const orl_enc *ge = &net->gen_enc;
    const size_t Hg = net->gen ? (size_t)ge->state_dim : 0, Hx = Hg > H ? Hg : H;
    const int threads = orl_pool_threads(net->pool);
    size_t sizes[] = {
        orl_enc_round64(e->cls->work_bytes(e, (int)B)) / sizeof(float),
        orl_enc_round64(e->cls->work_bytes(e, (int)B)) / sizeof(float),
        Bp * H,
        Bp * H,
        Bp * H,
        bcq ? I * Bp : 0,
        bcq ? I * Bp : 0,
        bcq ? 0 : round16(I * H),
        bcq ? 0 : round16(I),
        bcq ? 0 : round16(orl_linear_argmax_scratch_floats((int)B, (int)H, threads)),
        b1,
        round16(B * K),
        round16(B * K),
        round16(B * K),
        b1,
        b1,
        b1,
        b1,
        bcq ? Hx * Bp : 0,
        Bp,
        Bp,
        bcq ? (size_t)threads * 2 * Bp : 0,
        net->gen ? orl_enc_round64(ge->cls->work_bytes(ge, (int)B)) / sizeof(float) : 0,
        Bp * Hg,
        bcq ? b1 : 0,
        bcq ? b1 : 0,
        bcq ? b1 : 0,
        bcq ? 2 * Bp * H : 0,
        bcq ? round16(B * (size_t)e->spec.window) : 0,
        bcq ? b1 : 0,
        bcq && e->cls->step ? orl_enc_round64(e->cls->step_bytes(e, (int)B)) / sizeof(float) : 0};
    enum { N = sizeof sizes / sizeof sizes[0] };
    size_t total = 0;
    float *p[N];
    for (int i = 0; i < N; i++) {
        p[i] = base ? base + total : NULL;
        total += sizes[i];
    }
    if (base) {
        net->work = e->cls->work_bind(p[0], e, (int)B);
        net->work_ng = e->cls->work_bind(p[1], e, (int)B);
        net->h = p[2];
        net->d_h = p[3];
        net->h_next = p[4];
        net->zbuf = p[5];
        net->qbuf = p[6];
        net->w_mix = p[7];
        net->b_mix = p[8];
        net->argmax_scratch = p[9];
        net->a_next = (int32_t *)(void *)p[10];
        net->q_idx = (int32_t *)(void *)p[11];
        net->q_val = p[12];
        net->q_grad = p[13];
        net->q_next = p[14];
        net->y = p[15];
        net->row_ce = p[16];
        net->row_reg = p[17];
        net->ht = p[18];
        net->col_a = p[19];
        net->col_b = p[20];
        net->col_tmp = p[21];
        net->gen_work = net->gen ? ge->cls->work_bind(p[22], ge, (int)B) : NULL;
        net->h_gen = p[23];
        net->ext_rows = (int32_t *)(void *)p[24];
        net->ext_ids = (int32_t *)(void *)p[25];
        net->oth_rows = (int32_t *)(void *)p[26];
        net->h_ext = p[27];
        net->states2 = (int32_t *)(void *)p[28];
        net->lens2 = (int32_t *)(void *)p[29];
        net->step_scratch = p[30];
    }
    return total;
}

/* The online store's layout and initial values (from one seeded stream, in
 * the order encoder, then G and Q for BCQ, the K heads for REM). */
static int init_stores(orl_tq_net *net, uint64_t seed)
{
    const int I = net->cfg.n_items, H = net->enc.state_dim;
    const int n_enc = orl_enc_n_params(&net->enc);
    orl_param_spec specs[ORL_PARAM_MAX_VIEWS];
    orl_param_name names[ORL_PARAM_MAX_VIEWS];
    if (n_enc + 6 > ORL_PARAM_MAX_VIEWS)
        return orl_fail(ORL_E_OUT_OF_RANGE, "tq_net: %d encoder tensors exceed the limit", n_enc);
    net->enc.cls->param_specs(&net->enc, specs, names);
    int np = n_enc;
    if (net->cfg.algorithm == ORL_TQ_BCQ && net->gen) {
        orl_q_head_param_specs(I, H, specs + n_enc);
        np += ORL_Q_HEAD_N_PARAMS;
    } else if (net->cfg.algorithm == ORL_TQ_BCQ) {
        orl_ce_head_param_specs(I, H, specs + n_enc);
        orl_q_head_param_specs(I, H, specs + n_enc + ORL_CE_HEAD_N_PARAMS);
        np += ORL_CE_HEAD_N_PARAMS + ORL_Q_HEAD_N_PARAMS;
    } else {
        np = orl_tq_rem_head_specs(net, specs, n_enc, 0);
    }
    ORL_TRY(orl_params_init(&net->on, specs, np, 1));
    ORL_TRY(orl_params_init(&net->tgt, specs, np, 0));
    orl_rng rng;
    orl_rng_init(&rng, seed, 0);
    net->enc.cls->init(&net->on, &net->enc, &rng);
    if (net->cfg.algorithm == ORL_TQ_BCQ) {
        if (!net->gen) orl_ce_head_init(&net->on, I, H, &rng);
        orl_q_head_init(&net->on, I, H, &rng);
    } else {
        /* Each head Xavier-uniform on its own, zero bias (the store is zeroed). */
        float *w = orl_params_at(&net->on, net->on.value, ORL_Q_ENSEMBLE_W);
        const float bound = sqrtf(6.0f / (float)(H + I));
        for (size_t i = 0; i < (size_t)net->cfg.heads * I * H; i++)
            w[i] = bound * (2.0f * orl_rng_uniform(&rng) - 1.0f);
        np = orl_tq_rem_head_specs(net, specs, n_enc, 1);
        ORL_TRY(orl_params_init(&net->exp, specs, np, 0));
    }
    memcpy(net->tgt.value, net->on.value, sizeof(float) * net->on.count);
    return ORL_OK;
}

/* The fixed G's encoder, and a check that its store has every tensor that
 * encoder and a CE head over this catalogue need, in their shapes. */
static int init_generative(orl_tq_net *net)
{
    const orl_tq_config *c = &net->cfg;
    orl_encoder_spec gs = c->generative_encoder;
    if (!gs.architecture[0]) orl_encoder_spec_default(&gs);
    ORL_TRY(orl_enc_init(&net->gen_enc, &gs, c->n_items));
    const int n = orl_enc_n_params(&net->gen_enc);
    orl_param_spec specs[ORL_PARAM_MAX_VIEWS];
    orl_param_name names[ORL_PARAM_MAX_VIEWS];
    if (n + ORL_CE_HEAD_N_PARAMS > ORL_PARAM_MAX_VIEWS)
        return orl_fail(ORL_E_OUT_OF_RANGE, "bcq: the generative encoder has too many tensors");
    net->gen_enc.cls->param_specs(&net->gen_enc, specs, names);
    orl_ce_head_param_specs(c->n_items, net->gen_enc.state_dim, specs + n);
    for (int i = 0; i < n + ORL_CE_HEAD_N_PARAMS; i++) {
        const orl_param_view *v = orl_params_find(c->generative, specs[i].name);
        if (!v || v->rows != specs[i].rows || v->cols != specs[i].cols)
            return orl_fail(ORL_E_INVALID_ARGUMENT,
                            "bcq: the generative model has no tensor '%s' of %zu x %zu",
                            specs[i].name, specs[i].rows, specs[i].cols);
    }
    net->gen = c->generative;
    return ORL_OK;
}

int orl_tq_net_create(const orl_tq_config *cfg, uint64_t seed, int threads, orl_tq_net **out)
{
    if (!cfg || !out) return orl_fail(ORL_E_INVALID_ARGUMENT, "tq_net_create: NULL argument");
    ORL_TRY(orl_tq_check_config(cfg));
    orl_encoder_spec spec = cfg->encoder;
    if (!spec.architecture[0]) orl_encoder_spec_default(&spec);
    if (strcmp(spec.architecture, "gru4rec") == 0) spec.dropout = 0.0f; /* as rl_net */
    orl_enc enc;
    ORL_TRY(orl_enc_init(&enc, &spec, cfg->n_items));
    orl_tq_net *net = orl_calloc(1, sizeof *net);
    if (!net) return orl_fail(ORL_E_NOMEM, "tq_net_create: out of memory");
    net->cfg = *cfg;
    net->cfg.encoder = enc.spec;
    net->enc = enc;
    net->exp_at = -1;
    net->log_thr = cfg->threshold > 0.0f ? logf(cfg->threshold) : -INFINITY;
    int status = orl_pool_create(threads, &net->pool);
    if (status == ORL_OK && cfg->algorithm == ORL_TQ_BCQ && cfg->generative)
        status = init_generative(net);
    if (status == ORL_OK) status = init_stores(net, seed);
    if (status == ORL_OK) {
        const size_t K = cfg->algorithm == ORL_TQ_BCQ ? 1 : (size_t)cfg->heads;
        net->touched_emb = orl_calloc((size_t)cfg->n_items + 1, 1);
        net->touched_q = orl_calloc(K * (size_t)cfg->n_items, 1);
        if (!net->touched_emb || !net->touched_q)
            status = orl_fail(ORL_E_NOMEM, "tq_net_create: out of memory for the optimiser");
    }
    if (status == ORL_OK) {
        net->block = orl_aligned_alloc(sizeof(float) * workspace(net, NULL));
        if (!net->block)
            status = orl_fail(ORL_E_NOMEM, "tq_net_create: out of memory for the workspace");
        else
            workspace(net, net->block);
    }
    if (status != ORL_OK) {
        orl_tq_net_free(net);
        return status;
    }
    orl_rng_init(&net->alpha_rng, seed, 1);
    orl_rng_init(&net->drop_rng, seed, 2);
    net->dropout = enc.cls->state_dropout ? NULL : &net->drop_rng;
    *out = net;
    return ORL_OK;
}

void orl_tq_net_free(orl_tq_net *net)
{
    if (!net) return;
    orl_aligned_free(net->block);
    orl_free(net->touched_emb);
    orl_free(net->touched_q);
    orl_params_free(&net->on);
    orl_params_free(&net->tgt);
    orl_params_free(&net->exp);
    orl_pool_free(net->pool);
    orl_free(net);
}

static int check_states(const orl_tq_net *net, const int32_t *states, const int32_t *lens, int n,
                        const char *what)
{
    const int T = (int)net->enc.spec.window, I = net->cfg.n_items;
    for (int b = 0; b < n; b++) {
        if (lens[b] < 1 || lens[b] > T)
            return orl_fail(ORL_E_OUT_OF_RANGE, "%s %d: length %d is outside [1, %d]", what, b,
                            (int)lens[b], T);
        for (int t = 0; t < T; t++) {
            int32_t id = states[(size_t)b * T + t];
            if (id < 0 || id > I)
                return orl_fail(ORL_E_OUT_OF_RANGE,
                                "%s %d, position %d: item id %d is outside [0, %d]", what, b, t,
                                (int)id, I);
        }
    }
    return ORL_OK;
}

static int check_batch(const orl_tq_net *net, const orl_tq_inputs *in)
{
    ORL_TRY(check_states(net, in->states, in->lens, in->batch, "history"));
    ORL_TRY(check_states(net, in->next_states, in->next_lens, in->batch, "next history"));
    for (int b = 0; b < in->batch; b++) {
        if (in->actions[b] < 0 || in->actions[b] >= net->cfg.n_items)
            return orl_fail(ORL_E_OUT_OF_RANGE, "transition %d: action %d is outside [0, %d)", b,
                            (int)in->actions[b], net->cfg.n_items);
        if (!isfinite(in->rewards[b]))
            return orl_fail(ORL_E_OUT_OF_RANGE, "transition %d: the reward is not finite", b);
    }
    return ORL_OK;
}

typedef struct polyak_ctx {
    float *tgt;
    const float *on;
    float tau;
} polyak_ctx;

static void polyak_range(void *ctx, size_t begin, size_t end, int thread)
{
    const polyak_ctx *c = ctx;
    (void)thread;
    for (size_t i = begin; i < end; i++) c->tgt[i] += c->tau * (c->on[i] - c->tgt[i]);
}

/* After a step: Polyak every step when tau > 0, else a hard copy every
 * target_update steps. */
static void update_target(orl_tq_net *net)
{
    if (net->cfg.tau > 0.0f) {
        polyak_ctx c = {net->tgt.value, net->on.value, net->cfg.tau};
        orl_pool_parallel_for(net->pool, net->on.count, polyak_range, &c);
    } else if (net->steps % net->cfg.target_update == 0) {
        memcpy(net->tgt.value, net->on.value, sizeof(float) * net->on.count);
        net->syncs++;
    }
}

/* Adam on the online store with exactly the dense update's result: the
 * embedding and the gathered Q rows (BCQ's Q head, REM's K heads) take the
 * row-sparse form (rows without a gradient get the zero-gradient update
 * without reading it), the rest the dense one; gradients are cleared. */
static void adam(orl_tq_net *net, const orl_tq_inputs *in, float lr)
{
    orl_adam_config ac = orl_adam_defaults();
    ac.lr = lr;
    orl_params *p = &net->on;
    if (net->dense_adam) {
        orl_adam_step(net->pool, p, &ac, 1);
        return;
    }
    const orl_adam_step_consts k = orl_adam_begin_step(p, &ac);
    const size_t I = (size_t)net->cfg.n_items;
    const int bcq = net->cfg.algorithm == ORL_TQ_BCQ, K = bcq ? 1 : net->cfg.heads;
    const char *rw = bcq ? ORL_Q_HEAD_W : ORL_Q_ENSEMBLE_W,
               *rb = bcq ? ORL_Q_HEAD_B : ORL_Q_ENSEMBLE_B;
    memset(net->touched_emb, 0, I + 1);
    net->enc.cls->mark_touched(&net->enc, net->work, in->states, in->lens, in->batch,
                               net->touched_emb);
    memset(net->touched_q, 0, (size_t)K * I);
    for (int b = 0; b < in->batch; b++)
        for (int h = 0; h < K; h++) net->touched_q[(size_t)h * I + (size_t)in->actions[b]] = 1;
    const orl_sparse_rows sparse[] = {{ORL_ENC_EMB, 0, net->touched_emb},
                                      {rw, 0, net->touched_q},
                                      {rb, 1, net->touched_q}}; /* one float per row */
    orl_adam_step_sparse(net->pool, p, &k, sparse, 3);
}

int orl_tq_net_train_step(orl_tq_net *net, const int32_t *states, const int32_t *lens,
                          const int32_t *actions, const float *rewards, const int32_t *next_states,
                          const int32_t *next_lens, const uint8_t *done, int batch, float lr,
                          orl_tq_losses *out)
{
    if (!net || !states || !lens || !actions || !rewards || !next_states || !next_lens || !done)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "tq_net_train_step: NULL argument");
    if (batch < 1 || batch > net->cfg.max_batch)
        return orl_fail(ORL_E_OUT_OF_RANGE, "tq_net_train_step: batch size %d is outside [1, %d]",
                        batch, net->cfg.max_batch);
    if (!(lr > 0.0f) || !isfinite(lr))
        return orl_fail(ORL_E_OUT_OF_RANGE, "tq_net_train_step: learning rate %g must be > 0",
                        (double)lr);
    orl_tq_inputs in = {states, lens, actions, rewards, next_states, next_lens, done, batch};
    ORL_TRY(check_batch(net, &in));
    /* Draws come from copies: a refused step leaves the net as it was. */
    orl_rng alpha_rng = net->alpha_rng, drop_rng = net->drop_rng;
    orl_tq_losses l;
    int status;
    if (net->cfg.algorithm == ORL_TQ_BCQ) {
        status = orl_tq_bcq_loss_grad(net, &in, &l);
    } else {
        orl_tq_rem_draw_alpha(net);
        status = orl_tq_rem_loss_grad(net, &in, &l);
    }
    if (status != ORL_OK) {
        net->alpha_rng = alpha_rng;
        net->drop_rng = drop_rng;
        return status;
    }
    adam(net, &in, lr);
    net->steps++;
    update_target(net);
    if (out) *out = l;
    return ORL_OK;
}

const orl_params *orl_tq_net_policy(const orl_tq_net *net)
{
    if (net->cfg.algorithm == ORL_TQ_BCQ) return &net->on;
    if (net->exp_at != net->steps) {
        /* The export cache is refreshed lazily: the mean head costs a pass over
         * the K heads, which only exports need. */
        orl_tq_net *mut = (orl_tq_net *)net;
        orl_tq_rem_refresh_export(mut);
        mut->exp_at = net->steps;
    }
    return &net->exp;
}

orl_params *orl_tq_net_online(orl_tq_net *net)
{
    return &net->on;
}

const orl_params *orl_tq_net_target(const orl_tq_net *net)
{
    return &net->tgt;
}

int64_t orl_tq_net_steps(const orl_tq_net *net)
{
    return net->steps;
}

int64_t orl_tq_net_target_syncs(const orl_tq_net *net)
{
    return net->syncs;
}
