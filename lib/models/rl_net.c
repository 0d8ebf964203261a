/* rl_net: configuration, creation, the training step and the policy views.
 * The losses themselves are in rl_net_loss.c. */
#include "models/rl_net.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/error.h"
#include "models/ce_head.h"
#include "models/q_head.h"
#include "models/rl_net_internal.h"
#include "nn/adam.h"
#include "nn/linear_argmax.h"

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

static const struct {
    int id;
    const char *name;
} algos[] = {{ORL_RL_SQN, "sqn"},        {ORL_RL_SAC, "sac"}, {ORL_RL_SNQN, "snqn"},
             {ORL_RL_SA2C, "sa2c"},      {ORL_RL_CQL, "cql"}, {ORL_RL_SQN_CQL, "sqn_cql"},
             {ORL_RL_SQN_REM, "sqn_rem"}};
enum { N_ALGOS = sizeof algos / sizeof algos[0] };

const char *orl_rl_algo_name(int algorithm)
{
    for (int i = 0; i < N_ALGOS; i++)
        if (algos[i].id == algorithm) return algos[i].name;
    return NULL;
}

int orl_rl_algo_from_name(const char *name, int *out_algorithm)
{
    for (int i = 0; name && i < N_ALGOS; i++)
        if (strcmp(name, algos[i].name) == 0) {
            *out_algorithm = algos[i].id;
            return ORL_OK;
        }
    return orl_fail(ORL_E_NOT_FOUND,
                    "unknown RL algorithm '%s' (sqn, sac, snqn, sa2c, cql, sqn_cql, sqn_rem)",
                    name ? name : "(null)");
}

orl_rl_net_config orl_rl_net_config_default(int n_items, int algorithm)
{
    orl_rl_net_config c;
    memset(&c, 0, sizeof c);
    c.n_items = n_items;
    c.embed_dim = 64;
    c.hidden_dim = 64;
    c.window = 10;
    c.max_batch = 256;
    c.algorithm = algorithm;
    c.gamma = 0.5f;
    c.n_neg = 10;
    c.r_neg = 0.0f;
    c.warmup_steps = 15000;
    c.lr2 = 0.001f;
    c.adv_clip_lo = 0.0f;
    c.adv_clip_hi = 10.0f;
    c.weight = 1.0f;
    c.ips_smooth = 0.0f;
    c.ips_clip_lo = 0.1f;
    c.ips_clip_hi = 10.0f;
    c.cql_alpha = 1.0f;
    c.q_heads = 4;
    c.vpq_c = 0.0f;
    return c;
}

static int has_negatives(const orl_rl_net_config *c)
{
    return c->algorithm == ORL_RL_SNQN || c->algorithm == ORL_RL_SA2C;
}

int orl_rl_net_check_config(const orl_rl_net_config *c)
{
#define BAD(...) return orl_fail(ORL_E_OUT_OF_RANGE, "rl_net: " __VA_ARGS__)
    if (!orl_rl_algo_name(c->algorithm))
        BAD("algorithm %d is not one of 0..3, 10..12", c->algorithm);
    if (c->n_items < (has_negatives(c) ? 2 : 1) || c->n_items > (1 << 28))
        BAD("n_items %d is outside [%d, 2^28]", c->n_items, has_negatives(c) ? 2 : 1);
    if (c->embed_dim < 1 || c->embed_dim > 4096 || c->hidden_dim < 1 || c->hidden_dim > 4096)
        BAD("embed_dim %d / hidden_dim %d outside [1, 4096]", c->embed_dim, c->hidden_dim);
    if (c->window < 1 || c->window > 1024) BAD("window %d is outside [1, 1024]", c->window);
    if (c->max_batch < 0 || c->max_batch > 65536)
        BAD("max_batch %d is outside [0, 65536]", c->max_batch);
    if (!(c->gamma >= 0.0f && c->gamma <= 1.0f))
        BAD("gamma %g is outside [0, 1]", (double)c->gamma);
    if (c->n_neg < 1 || c->n_neg > 1000) BAD("n_neg %d is outside [1, 1000]", c->n_neg);
    if (!isfinite(c->r_neg)) BAD("r_neg must be finite");
    if (c->warmup_steps < 0) BAD("warmup_steps %lld must be >= 0", (long long)c->warmup_steps);
    if (!(c->lr2 > 0.0f) || !isfinite(c->lr2)) BAD("lr2 %g must be > 0", (double)c->lr2);
    if (isnan(c->adv_clip_lo) || isnan(c->adv_clip_hi) || c->adv_clip_lo > c->adv_clip_hi ||
        c->adv_clip_lo == INFINITY || c->adv_clip_hi == -INFINITY)
        BAD("advantage clip [%g, %g] is not a range", (double)c->adv_clip_lo,
            (double)c->adv_clip_hi);
    if (!(c->weight >= 0.0f) || !isfinite(c->weight))
        BAD("weight %g must be >= 0", (double)c->weight);
    if (!(c->ips_smooth >= 0.0f && c->ips_smooth <= 10.0f))
        BAD("ips_smooth %g is outside [0, 10]", (double)c->ips_smooth);
    if (!(c->ips_clip_lo > 0.0f) || !(c->ips_clip_lo <= c->ips_clip_hi) ||
        !isfinite(c->ips_clip_hi))
        BAD("ips clip [%g, %g] must satisfy 0 < lo <= hi < inf", (double)c->ips_clip_lo,
            (double)c->ips_clip_hi);
    if (!(c->cql_alpha >= 0.0f && c->cql_alpha <= 1e6f))
        BAD("cql_alpha %g is outside [0, 1e6]", (double)c->cql_alpha);
    if (c->algorithm == ORL_RL_SQN_REM && (c->q_heads < 2 || c->q_heads > ORL_Q_ENSEMBLE_MAX))
        BAD("q_heads %d is outside [2, %d]", c->q_heads, ORL_Q_ENSEMBLE_MAX);
    if (!(c->vpq_c >= 0.0f && c->vpq_c <= 1e6f))
        BAD("vpq_c %g is outside [0, 1e6]", (double)c->vpq_c);
#undef BAD
    return ORL_OK;
}

/* Floats of the training workspace, and its carving when base != NULL. */
static size_t workspace(orl_rl_net *net, float *base)
{
    const int B = net->cfg.max_batch, H = net->enc.state_dim;
    const orl_enc *e = &net->enc;
    const int threads = orl_pool_threads(net->pool);
    const size_t K = (size_t)(has_negatives(&net->cfg) ? net->cfg.n_neg : 0), K1 = K + 1;
    const size_t bh = round16((size_t)B * H), b1 = round16((size_t)B);
    const size_t bk1 = round16((size_t)B * K1), bk = round16((size_t)B * (K ? K : 1));
    orl_ce_dims ce = {B, H, net->cfg.n_items, 0};
    /* Encodes without gradient and the argmax take both s' and s (2B rows)
     * in one call for algorithms with negatives. */
    const int B2 = 2 * B, T = net->cfg.window;
    size_t sizes[] = {orl_enc_round64(e->cls->work_bytes(e, B)) / sizeof(float),
                      orl_enc_round64(e->cls->work_bytes(e, B2)) / sizeof(float),
                      2 * bh, /* h: main network on s, then on s' */
                      bh,
                      2 * bh,
                      round16(orl_softmax_ce_scratch_floats(ce, threads)),
                      round16(orl_linear_argmax_scratch_floats(B2, H, threads)),
                      bk1,
                      bk1,
                      bk1,
                      2 * b1, /* a_star_c, then a_star */
                      2 * b1, /* q_tc, then q_tp1 */
                      b1,
                      b1,
                      b1,
                      b1,
                      bk,
                      round16((size_t)B2 * T), /* states2 */
                      round16((size_t)B2),     /* lens2 */
                      b1,
                      b1,
                      b1,
                      2 * bh,
                      e->cls->step ? orl_enc_round64(e->cls->step_bytes(e, B)) / sizeof(float) : 0};
    enum { N = sizeof sizes / sizeof sizes[0] };
    size_t total = 0;
    float *p[N];
    for (int i = 0; i < N; i++) {
        p[i] = base ? base + total : NULL;
        total += sizes[i];
    }
    if (base) {
        net->work = e->cls->work_bind(p[0], e, B);
        net->work_ng = e->cls->work_bind(p[1], e, B2);
        net->h = p[2];
        net->d_h = p[3];
        net->h_aux = p[4];
        net->ce_scratch = p[5];
        net->argmax_scratch = p[6];
        net->q_idx = (int32_t *)(void *)p[7];
        net->q_val = p[8];
        net->q_grad = p[9];
        net->a_star_c = net->a_star = (int32_t *)(void *)p[10];
        net->q_tc = net->q_tp1 = p[11];
        net->y = p[12];
        net->y_neg = p[13];
        net->row_ce = p[14];
        net->ce_w = p[15];
        net->neg = (int32_t *)(void *)p[16];
        net->states2 = (int32_t *)(void *)p[17];
        net->lens2 = (int32_t *)(void *)p[18];
        net->ext_rows = (int32_t *)(void *)p[19];
        net->ext_ids = (int32_t *)(void *)p[20];
        net->oth_rows = (int32_t *)(void *)p[21];
        net->h_ext = p[22];
        net->step_scratch = p[23];
    }
    return total;
}

static void init_view(orl_rl_net *net, struct orl_sl_net *v)
{
    memset(v, 0, sizeof *v);
    v->cfg.n_items = net->cfg.n_items;
    v->cfg.embed_dim = net->cfg.embed_dim;
    v->cfg.hidden_dim = net->cfg.hidden_dim;
    v->cfg.window = net->cfg.window;
    v->cfg.max_batch = net->cfg.max_batch;
    v->cfg.encoder = net->enc.spec;
    v->enc = net->enc;
}

int orl_rl_net_create(const orl_rl_net_config *cfg, uint64_t seed, int threads, orl_rl_net **out)
{
    if (!cfg || !out) return orl_fail(ORL_E_INVALID_ARGUMENT, "rl_net_create: NULL argument");
    ORL_TRY(orl_rl_net_check_config(cfg));
    orl_encoder_spec spec = cfg->encoder;
    if (!spec.architecture[0]) orl_encoder_spec_default(&spec);
    spec.embed_dim = (uint32_t)cfg->embed_dim;
    spec.hidden_dim = (uint32_t)cfg->hidden_dim;
    spec.window = (uint32_t)cfg->window;
    if (strcmp(spec.architecture, "gru4rec") == 0) spec.dropout = 0.0f; /* none in 0.1.0 */
    orl_enc enc;
    ORL_TRY(orl_enc_init(&enc, &spec, cfg->n_items));
    const int n_enc = orl_enc_n_params(&enc);
    const int rem = cfg->algorithm == ORL_RL_SQN_REM;
    const int NP = n_enc + ORL_CE_HEAD_N_PARAMS + ORL_Q_HEAD_N_PARAMS + (rem ? 2 : 0);
    if (NP > ORL_PARAM_MAX_VIEWS)
        return orl_fail(ORL_E_OUT_OF_RANGE, "rl_net_create: %d tensors exceed the limit %d", NP,
                        ORL_PARAM_MAX_VIEWS);
    orl_rl_net *net = orl_calloc(1, sizeof *net);
    if (!net) return orl_fail(ORL_E_NOMEM, "rl_net_create: out of memory");
    net->cfg = *cfg;
    net->cfg.encoder = enc.spec;
    if (net->cfg.max_batch == 0) net->cfg.max_batch = 256;
    const int I = cfg->n_items, H = enc.state_dim;
    net->enc = enc;
    int status = orl_pool_create(threads, &net->pool);
    if (status != ORL_OK) goto fail;

    orl_param_spec specs[ORL_PARAM_MAX_VIEWS];
    orl_param_name names[ORL_PARAM_MAX_VIEWS];
    enc.cls->param_specs(&net->enc, specs, names);
    orl_ce_head_param_specs(I, H, specs + n_enc);
    orl_q_head_param_specs(I, H, specs + n_enc + ORL_CE_HEAD_N_PARAMS);
    if (rem)
        orl_rl_rem_param_specs(net, specs + n_enc + ORL_CE_HEAD_N_PARAMS + ORL_Q_HEAD_N_PARAMS);
    for (int k = 0; k < 2; k++) {
        status = orl_params_init(&net->qn[k], specs, NP, 1);
        if (status != ORL_OK) goto fail;
        if (cfg->algorithm == ORL_RL_SA2C) {
            size_t bytes = sizeof(float) * net->qn[k].count;
            net->m2[k] = orl_aligned_alloc(bytes);
            net->v2[k] = orl_aligned_alloc(bytes);
            if (!net->m2[k] || !net->v2[k]) {
                status = orl_fail(ORL_E_NOMEM, "rl_net_create: out of memory for Adam moments");
                goto fail;
            }
            memset(net->m2[k], 0, bytes);
            memset(net->v2[k], 0, bytes);
        }
        orl_rng rng;
        orl_rng_init(&rng, seed, (uint64_t)k);
        enc.cls->init(&net->qn[k], &net->enc, &rng);
        orl_ce_head_init(&net->qn[k], I, H, &rng);
        orl_q_head_init(&net->qn[k], I, H, &rng);
        if (rem) orl_rl_rem_init(net, &net->qn[k], &rng); /* after: the others' draws stay */
    }
    net->block = orl_aligned_alloc(sizeof(float) * workspace(net, NULL));
    if (!net->block) {
        status = orl_fail(ORL_E_NOMEM, "rl_net_create: out of memory for the training workspace");
        goto fail;
    }
    workspace(net, net->block);
    const size_t n_ext = orl_rl_cql_floats(net) + orl_rl_rem_floats(net);
    if (n_ext) { /* zeroed: the mix gradient is kept clear between steps */
        net->ext_block = orl_aligned_alloc(sizeof(float) * n_ext);
        if (!net->ext_block) {
            status =
                orl_fail(ORL_E_NOMEM, "rl_net_create: out of memory for the training workspace");
            goto fail;
        }
        memset(net->ext_block, 0, sizeof(float) * n_ext);
        orl_rl_rem_bind(net, orl_rl_cql_bind(net, net->ext_block));
    }
    net->touched_emb = orl_calloc((size_t)I + 1, 1);
    net->touched_q = orl_calloc((size_t)I * (size_t)(rem ? cfg->q_heads : 1), 1);
    if (!net->touched_emb || !net->touched_q) {
        status = orl_fail(ORL_E_NOMEM, "rl_net_create: out of memory for the training workspace");
        goto fail;
    }
    orl_rng_init(&net->coin, seed, 2);
    orl_rng_init(&net->neg_rng, seed, 3);
    orl_rng_init(&net->drop_rng, seed, 4);
    orl_rng_init(&net->rem_rng, seed, 5);
    net->dropout = enc.cls->state_dropout ? NULL : &net->drop_rng;

    init_view(net, &net->view_ce);
    net->view_ce.params = net->qn[0];
    net->view_ce.params.grad = net->view_ce.params.m = net->view_ce.params.v = NULL;
    init_view(net, &net->view_q);
    status = orl_q_head_as_ce_view(&net->qn[0], &net->view_q.params);
    if (status != ORL_OK) goto fail;
    *out = net;
    return ORL_OK;
fail:
    orl_rl_net_free(net);
    return status;
}

void orl_rl_net_free(orl_rl_net *net)
{
    if (!net) return;
    orl_aligned_free(net->block);
    orl_aligned_free(net->ext_block);
    orl_free(net->touched_emb);
    orl_free(net->touched_q);
    for (int k = 0; k < 2; k++) {
        orl_params_free(&net->qn[k]);
        orl_aligned_free(net->m2[k]);
        orl_aligned_free(net->v2[k]);
    }
    orl_free(net->behaviour);
    orl_pool_free(net->pool);
    orl_free(net);
}

const orl_rl_net_config *orl_rl_net_get_config(const orl_rl_net *net)
{
    return &net->cfg;
}

const orl_enc *orl_rl_net_encoder(const orl_rl_net *net)
{
    return &net->enc;
}

int64_t orl_rl_net_steps(const orl_rl_net *net)
{
    return net->steps;
}

orl_params *orl_rl_net_params(orl_rl_net *net, int which)
{
    return which == 0 || which == 1 ? &net->qn[which] : NULL;
}

const orl_params *orl_rl_net_params_const(const orl_rl_net *net, int which)
{
    return which == 0 || which == 1 ? &net->qn[which] : NULL;
}

/* The mean of sqn_rem's heads is a cache of QN_1's: written through the
 * const pointer (the net is never a const object). */
static void refresh_mean(const orl_rl_net *net)
{
    if (!net->mean_stale) return;
    orl_rl_net *mut = (orl_rl_net *)net;
    orl_rl_rem_refresh_mean(mut, 0);
    mut->mean_stale = 0;
}

const orl_params *orl_rl_net_policy_params(const orl_rl_net *net)
{
    refresh_mean(net);
    return &net->qn[0];
}

const orl_sl_net *orl_rl_net_policy(const orl_rl_net *net, int head)
{
    refresh_mean(net);
    if (head == ORL_RL_HEAD_CE) return &net->view_ce;
    if (head == ORL_RL_HEAD_Q) return &net->view_q;
    return NULL;
}

void orl_rl_net_set_timing(orl_rl_net *net, orl_rl_net_timing *t)
{
    net->timing = t;
}

int orl_rl_net_set_behaviour(orl_rl_net *net, const float *item_probs)
{
    if (!net) return orl_fail(ORL_E_INVALID_ARGUMENT, "rl_net_set_behaviour: NULL net");
    const int I = net->cfg.n_items;
    if (!item_probs) {
        orl_free(net->behaviour);
        net->behaviour = NULL;
        return ORL_OK;
    }
    for (int i = 0; i < I; i++)
        if (!(item_probs[i] > 0.0f) || !isfinite(item_probs[i]))
            return orl_fail(ORL_E_OUT_OF_RANGE,
                            "rl_net_set_behaviour: item %d has probability %g (must be > 0)", i,
                            (double)item_probs[i]);
    if (!net->behaviour) {
        net->behaviour = orl_malloc(sizeof(float) * (size_t)I);
        if (!net->behaviour) return orl_fail(ORL_E_NOMEM, "rl_net_set_behaviour: out of memory");
    }
    memcpy(net->behaviour, item_probs, sizeof(float) * (size_t)I);
    return ORL_OK;
}

void orl_rl_net_sample_negatives(orl_rl_net *net, const int32_t *actions, int batch, int32_t *neg)
{
    const int K = net->cfg.n_neg;
    const uint32_t I = (uint32_t)net->cfg.n_items;
    /* Uniform over the I - 1 other items in one draw: skip over the action. */
    for (int b = 0; b < batch; b++)
        for (int j = 0; j < K; j++) {
            uint32_t x = orl_rng_below(&net->neg_rng, I - 1);
            neg[(size_t)b * K + j] = (int32_t)(x >= (uint32_t)actions[b] ? x + 1 : x);
        }
}

static int check_batch(const orl_rl_net *net, const orl_rl_inputs *in)
{
    const int I = net->cfg.n_items;
    ORL_TRY(orl_sl_net_check_states(&net->view_ce, in->states, in->lens, in->batch));
    if (orl_sl_net_check_states(&net->view_ce, in->next_states, in->next_lens, in->batch) != ORL_OK)
        return orl_fail_context("next states");
    for (int b = 0; b < in->batch; b++) {
        if (in->actions[b] < 0 || in->actions[b] >= I)
            return orl_fail(ORL_E_OUT_OF_RANGE, "transition %d: action %d is outside [0, %d)", b,
                            (int)in->actions[b], I);
        if (!isfinite(in->rewards[b]))
            return orl_fail(ORL_E_OUT_OF_RANGE, "transition %d: the reward is not finite", b);
        if (in->behaviour && (!(in->behaviour[b] > 0.0f) || !isfinite(in->behaviour[b])))
            return orl_fail(ORL_E_OUT_OF_RANGE,
                            "transition %d: behaviour probability %g must be > 0", b,
                            (double)in->behaviour[b]);
    }
    return ORL_OK;
}

int orl_rl_net_train_step_ex(orl_rl_net *net, const int32_t *states, const int32_t *lens,
                             const int32_t *actions, const float *rewards,
                             const int32_t *next_states, const int32_t *next_lens,
                             const uint8_t *done, const float *behaviour, int batch, float lr,
                             orl_rl_losses *out_losses)
{
    if (!net || !states || !lens || !actions || !rewards || !next_states || !next_lens || !done)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "rl_net_train_step: NULL argument");
    if (batch < 1 || batch > net->cfg.max_batch)
        return orl_fail(ORL_E_OUT_OF_RANGE, "rl_net_train_step: batch size %d is outside [1, %d]",
                        batch, net->cfg.max_batch);
    if (!(lr > 0.0f) || !isfinite(lr))
        return orl_fail(ORL_E_OUT_OF_RANGE, "rl_net_train_step: learning rate %g must be > 0",
                        (double)lr);
    orl_rl_inputs in = {states,    lens, actions,   rewards, next_states,
                        next_lens, done, behaviour, batch};
    ORL_TRY(check_batch(net, &in));

    /* Draw the coin and the negatives from copies: a refused step leaves the
     * net exactly as it was. */
    orl_rng coin = net->coin, neg_rng = net->neg_rng, drop_rng = net->drop_rng;
    orl_rng rem_rng = net->rem_rng;
    if (net->cfg.algorithm == ORL_RL_SQN_REM) orl_rl_rem_draw(net, &net->rem_rng);
    const int main_net = (int)orl_rng_below(&net->coin, 2);
    const int negs = has_negatives(&net->cfg);
    if (negs) orl_rl_net_sample_negatives(net, actions, batch, net->neg);
    const int alg = net->cfg.algorithm;
    const int phase =
        (alg == ORL_RL_SAC || alg == ORL_RL_SA2C) && net->steps >= net->cfg.warmup_steps;
    orl_params *p = &net->qn[main_net];
    orl_params pa = *p; /* the store with the moments of the optimiser in use */
    orl_adam_config ac = orl_adam_defaults();
    ac.lr = lr;
    const int second = phase && alg == ORL_RL_SA2C;
    if (second) {
        /* The second optimiser: same parameters and gradients, own moments. */
        pa.m = net->m2[main_net];
        pa.v = net->v2[main_net];
        pa.step = net->step2[main_net];
        ac.lr = net->cfg.lr2;
    }
    /* Sparse path: the CE head's Adam runs in the output layer's pass 2. */
    orl_rl_head_adam hc;
    if (!net->dense_adam) {
        hc.k = orl_adam_begin_step(&pa, &ac);
        hc.p = &pa;
        hc.w = orl_params_find(p, ORL_CE_HEAD_W)->offset;
        hc.b = orl_params_find(p, ORL_CE_HEAD_B)->offset;
        hc.H = (size_t)net->enc.state_dim;
        net->ce_hook = orl_rl_net_ce_adam_tile;
        net->ce_hook_ctx = &hc;
        /* CQL: the Q head's dense gradient, its Adam in the CQL pass 2. */
        net->q_adam = hc.k;
        net->q_adam_in_pass2 = orl_rl_has_cql(alg);
    }
    orl_rl_losses losses;
    int status =
        orl_rl_net_loss_grad(net, main_net, phase, &in, negs ? net->neg : NULL, NULL, &losses);
    net->ce_hook = NULL;
    net->ce_hook_ctx = NULL;
    const int q_done = net->q_adam_in_pass2;
    net->q_adam_in_pass2 = 0;
    if (status != ORL_OK) { /* pass 2 never ran: nothing was updated */
        net->coin = coin;
        net->neg_rng = neg_rng;
        net->drop_rng = drop_rng;
        net->rem_rng = rem_rng;
        return status;
    }
    double t0 = 0.0;
    if (net->timing) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        t0 = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
    }
    if (net->dense_adam)
        orl_adam_step(net->pool, &pa, &ac, 1);
    else
        orl_rl_net_adam_sparse(net, &pa, &hc.k, batch, batch * (negs ? net->cfg.n_neg + 1 : 1),
                               q_done);
    if (second)
        net->step2[main_net] = pa.step;
    else
        p->step = pa.step;
    if (net->timing) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        net->timing->adam += (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec - t0;
        net->timing->steps++;
    }
    net->steps++;
    if (alg == ORL_RL_SQN_REM) net->mean_stale = 1;
    if (out_losses) *out_losses = losses;
    return ORL_OK;
}

int orl_rl_net_train_step(orl_rl_net *net, const int32_t *states, const int32_t *lens,
                          const int32_t *actions, const float *rewards, const int32_t *next_states,
                          const int32_t *next_lens, const uint8_t *done, int batch, float lr,
                          orl_rl_losses *out_losses)
{
    return orl_rl_net_train_step_ex(net, states, lens, actions, rewards, next_states, next_lens,
                                    done, NULL, batch, lr, out_losses);
}
