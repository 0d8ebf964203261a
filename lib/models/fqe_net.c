/* fqe_net: configuration, creation, the loss, the training step with its
 * optimiser and target copy, and Q values for whole rows. */
#include "models/fqe_net.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/blas.h"
#include "core/error.h"
#include "models/fqe_net_internal.h"
#include "models/q_head.h"
#include "models/sparse_adam.h"
#include "nn/adam.h"
#include "nn/linear_rows.h"

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

int orl_fqe_net_check_config(const orl_fqe_net_config *c)
{
#define BAD(...) return orl_fail(ORL_E_OUT_OF_RANGE, "fqe_net: " __VA_ARGS__)
    if (c->n_items < 1 || c->n_items > (1 << 28))
        BAD("n_items %d is outside [1, 2^28]", c->n_items);
    if (c->max_batch < 1 || c->max_batch > 65536)
        BAD("max_batch %d is outside [1, 65536]", c->max_batch);
    if (!(c->gamma >= 0.0f && c->gamma <= 1.0f))
        BAD("gamma %g is outside [0, 1]", (double)c->gamma);
    if (c->target_update < 1) BAD("target_update %lld must be >= 1", (long long)c->target_update);
#undef BAD
    return ORL_OK;
}

/* Floats of the training workspace, and its carving when base != NULL. */
static size_t workspace(orl_fqe_net *net, float *base)
{
    const orl_enc *e = &net->enc;
    const size_t B = (size_t)net->cfg.max_batch, H = (size_t)e->state_dim, Bp = round16(B);
    const size_t wb = orl_enc_round64(e->cls->work_bytes(e, (int)B)) / sizeof(float);
    const size_t sizes[] = {wb, wb, Bp * H, Bp * H, Bp * H, Bp * H, Bp, Bp, Bp, Bp};
    enum { N = sizeof sizes / sizeof sizes[0] };
    float *p[N];
    size_t total = 0;
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
        net->pw = p[5];
        net->pb = p[6];
        net->q_sa = p[7];
        net->g = p[8];
        net->y = p[9];
    }
    return total;
}

/* Encoder then Q head, from one seeded stream; the target starts as a copy. */
static int init_stores(orl_fqe_net *net, uint64_t seed)
{
    const int I = net->cfg.n_items, H = net->enc.state_dim;
    const int n_enc = orl_enc_n_params(&net->enc);
    orl_param_spec specs[ORL_PARAM_MAX_VIEWS];
    orl_param_name names[ORL_PARAM_MAX_VIEWS];
    if (n_enc + ORL_Q_HEAD_N_PARAMS > ORL_PARAM_MAX_VIEWS)
        return orl_fail(ORL_E_OUT_OF_RANGE, "fqe_net: %d encoder tensors exceed the limit", n_enc);
    net->enc.cls->param_specs(&net->enc, specs, names);
    orl_q_head_param_specs(I, H, specs + n_enc);
    const int np = n_enc + ORL_Q_HEAD_N_PARAMS;
    ORL_TRY(orl_params_init(&net->on, specs, np, 1));
    ORL_TRY(orl_params_init(&net->tgt, specs, np, 0));
    orl_rng rng;
    orl_rng_init(&rng, seed, 0);
    net->enc.cls->init(&net->on, &net->enc, &rng);
    orl_q_head_init(&net->on, I, H, &rng);
    memcpy(net->tgt.value, net->on.value, sizeof(float) * net->on.count);
    return ORL_OK;
}

int orl_fqe_net_create(const orl_fqe_net_config *cfg, uint64_t seed, int threads, orl_fqe_net **out)
{
    if (!cfg || !out) return orl_fail(ORL_E_INVALID_ARGUMENT, "fqe_net_create: NULL argument");
    ORL_TRY(orl_fqe_net_check_config(cfg));
    orl_encoder_spec spec = cfg->encoder;
    if (!spec.architecture[0]) orl_encoder_spec_default(&spec);
    /* GRU4Rec's dropout is applied by the net on the state (encoder.h); a
     * regression target has no use for it (as tq_net). */
    if (strcmp(spec.architecture, "gru4rec") == 0) spec.dropout = 0.0f;
    orl_enc enc;
    ORL_TRY(orl_enc_init(&enc, &spec, cfg->n_items));
    orl_fqe_net *net = orl_calloc(1, sizeof *net);
    if (!net) return orl_fail(ORL_E_NOMEM, "fqe_net_create: out of memory");
    net->cfg = *cfg;
    net->cfg.encoder = enc.spec;
    net->enc = enc;
    int status = orl_pool_create(threads, &net->pool);
    if (status == ORL_OK) status = init_stores(net, seed);
    if (status == ORL_OK) {
        net->touched_emb = orl_calloc((size_t)cfg->n_items + 1, 1);
        net->touched_q = orl_calloc((size_t)cfg->n_items, 1);
        if (!net->touched_emb || !net->touched_q)
            status = orl_fail(ORL_E_NOMEM, "fqe_net_create: out of memory for the optimiser");
    }
    if (status == ORL_OK) {
        net->block = orl_aligned_alloc(sizeof(float) * workspace(net, NULL));
        if (!net->block)
            status = orl_fail(ORL_E_NOMEM, "fqe_net_create: out of memory for the workspace");
        else
            workspace(net, net->block);
    }
    if (status != ORL_OK) {
        orl_fqe_net_free(net);
        return status;
    }
    orl_rng_init(&net->drop_rng, seed, 2);
    net->dropout = enc.cls->state_dropout ? NULL : &net->drop_rng;
    *out = net;
    return ORL_OK;
}

void orl_fqe_net_free(orl_fqe_net *net)
{
    if (!net) return;
    orl_aligned_free(net->block);
    orl_free(net->touched_emb);
    orl_free(net->touched_q);
    orl_params_free(&net->on);
    orl_params_free(&net->tgt);
    orl_pool_free(net->pool);
    orl_free(net);
}

static int check_states(const orl_fqe_net *net, const int32_t *states, const int32_t *lens,
                        size_t n, const char *what)
{
    const int T = (int)net->enc.spec.window, I = net->cfg.n_items;
    for (size_t b = 0; b < n; b++) {
        if (lens[b] < 1 || lens[b] > T)
            return orl_fail(ORL_E_OUT_OF_RANGE, "%s %zu: length %d is outside [1, %d]", what, b,
                            (int)lens[b], T);
        for (int t = 0; t < T; t++) {
            const int32_t id = states[b * (size_t)T + (size_t)t];
            if (id < 0 || id > I)
                return orl_fail(ORL_E_OUT_OF_RANGE,
                                "%s %zu, position %d: item id %d is outside [0, %d]", what, b, t,
                                (int)id, I);
        }
    }
    return ORL_OK;
}

static int check_batch(const orl_fqe_net *net, const orl_fqe_inputs *in)
{
    ORL_TRY(check_states(net, in->states, in->lens, (size_t)in->batch, "history"));
    ORL_TRY(check_states(net, in->next_states, in->next_lens, (size_t)in->batch, "next history"));
    for (int b = 0; b < in->batch; b++) {
        if (in->actions[b] < 0 || in->actions[b] >= net->cfg.n_items)
            return orl_fail(ORL_E_OUT_OF_RANGE, "transition %d: action %d is outside [0, %d)", b,
                            (int)in->actions[b], net->cfg.n_items);
        if (!isfinite(in->rewards[b]))
            return orl_fail(ORL_E_OUT_OF_RANGE, "transition %d: the reward is not finite", b);
    }
    return ORL_OK;
}

/* y_b = r_b + gamma sum_a' pi(a' | s'_b) Q_target(s'_b, a') for rows not done. */
static void targets(orl_fqe_net *net, const orl_fqe_inputs *in)
{
    const int B = in->batch, H = net->enc.state_dim, I = net->cfg.n_items;
    const float gamma = net->cfg.gamma;
    int live = 0;
    for (int b = 0; b < B; b++) live |= !in->done[b];
    if (gamma == 0.0f || !live) {
        for (int b = 0; b < B; b++) net->y[b] = in->rewards[b];
        return;
    }
    const orl_params *tg = &net->tgt;
    /* The target in inference mode: Q_target is what the estimate reads. */
    net->enc.cls->forward(net->pool, tg, &net->enc, net->work_ng, in->next_states, in->next_lens, B,
                          NULL, net->h_next);
    const float *w = orl_params_at(tg, tg->value, ORL_Q_HEAD_W);
    const float *bias = orl_params_at(tg, tg->value, ORL_Q_HEAD_B);
    orl_sgemm_pool(net->pool, 0, 0, B, H, I, 1.0f, in->next_probs, I, w, H, 0.0f, net->pw, H);
    orl_sgemv(0, B, I, 1.0f, in->next_probs, I, bias, 0.0f, net->pb);
    for (int b = 0; b < B; b++) {
        if (in->done[b]) {
            net->y[b] = in->rewards[b];
            continue;
        }
        const float *pw = net->pw + (size_t)b * H, *hn = net->h_next + (size_t)b * H;
        float e = net->pb[b];
        for (int j = 0; j < H; j++) e += pw[j] * hn[j];
        net->y[b] = in->rewards[b] + gamma * e;
    }
}

int orl_fqe_net_loss_grad(orl_fqe_net *net, const orl_fqe_inputs *in, float *out_loss)
{
    const int B = in->batch, H = net->enc.state_dim;
    orl_params *on = &net->on;
    targets(net, in);
    net->enc.cls->forward(net->pool, on, &net->enc, net->work, in->states, in->lens, B,
                          net->dropout, net->h);
    const float *w = orl_params_at(on, on->value, ORL_Q_HEAD_W);
    const orl_linear_rows_dims d = {B, 1, H};
    orl_linear_rows_forward(net->q_sa, net->h, w, orl_params_at(on, on->value, ORL_Q_HEAD_B),
                            in->actions, d);
    double sum = 0.0;
    for (int b = 0; b < B; b++) {
        const float e = net->q_sa[b] - net->y[b];
        sum += 0.5 * (double)e * (double)e;
        net->g[b] = e / (float)B;
    }
    const float loss = (float)(sum / B);
    if (!isfinite(loss)) return orl_fail(ORL_E_NUMERIC, "fqe: the loss is not finite");
    memset(net->d_h, 0, sizeof(float) * (size_t)B * (size_t)H);
    orl_linear_rows_backward(net->d_h, orl_params_at(on, on->grad, ORL_Q_HEAD_W),
                             orl_params_at(on, on->grad, ORL_Q_HEAD_B), net->g, net->h, w,
                             in->actions, d);
    net->enc.cls->backward(net->pool, on, &net->enc, net->work, in->states, in->lens, B, net->d_h);
    if (out_loss) *out_loss = loss;
    return ORL_OK;
}

/* Adam with the dense update's exact result: the embedding rows the batch
 * read and the Q head's logged rows take the row-sparse form. */
static void adam(orl_fqe_net *net, const orl_fqe_inputs *in, float lr)
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
    memset(net->touched_emb, 0, I + 1);
    net->enc.cls->mark_touched(&net->enc, net->work, in->states, in->lens, in->batch,
                               net->touched_emb);
    memset(net->touched_q, 0, I);
    for (int b = 0; b < in->batch; b++) net->touched_q[in->actions[b]] = 1;
    const orl_sparse_rows sparse[] = {{ORL_ENC_EMB, 0, net->touched_emb},
                                      {ORL_Q_HEAD_W, 0, net->touched_q},
                                      {ORL_Q_HEAD_B, 1, net->touched_q}}; /* [1 x I] */
    orl_adam_step_sparse(net->pool, p, &k, sparse, 3);
}

int orl_fqe_net_train_step(orl_fqe_net *net, const int32_t *states, const int32_t *lens,
                           const int32_t *actions, const float *rewards, const int32_t *next_states,
                           const int32_t *next_lens, const uint8_t *done, const float *next_probs,
                           int batch, float lr, float *out_loss)
{
    if (!net || !states || !lens || !actions || !rewards || !next_states || !next_lens || !done)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "fqe_net_train_step: NULL argument");
    if (!next_probs && net->cfg.gamma > 0.0f)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "fqe_net_train_step: next_probs is NULL with gamma %g > 0",
                        (double)net->cfg.gamma);
    if (batch < 1 || batch > net->cfg.max_batch)
        return orl_fail(ORL_E_OUT_OF_RANGE, "fqe_net_train_step: batch size %d is outside [1, %d]",
                        batch, net->cfg.max_batch);
    if (!(lr > 0.0f) || !isfinite(lr))
        return orl_fail(ORL_E_OUT_OF_RANGE, "fqe_net_train_step: learning rate %g must be > 0",
                        (double)lr);
    const orl_fqe_inputs in = {states,    lens, actions,    rewards, next_states,
                               next_lens, done, next_probs, batch};
    ORL_TRY(check_batch(net, &in));
    orl_rng drop_rng = net->drop_rng; /* a refused step leaves the net as it was */
    float loss;
    int status = orl_fqe_net_loss_grad(net, &in, &loss);
    if (status != ORL_OK) {
        net->drop_rng = drop_rng;
        return status;
    }
    adam(net, &in, lr);
    net->steps++;
    if (net->steps % net->cfg.target_update == 0) {
        memcpy(net->tgt.value, net->on.value, sizeof(float) * net->on.count);
        net->syncs++;
    }
    if (out_loss) *out_loss = loss;
    return ORL_OK;
}

size_t orl_fqe_net_q_scratch_bytes(const orl_fqe_net *net)
{
    const orl_enc *e = &net->enc;
    const size_t B = (size_t)net->cfg.max_batch;
    return orl_enc_round64(e->cls->work_bytes(e, (int)B)) +
           sizeof(float) * round16(B) * (size_t)e->state_dim;
}

int orl_fqe_net_q_values(const orl_fqe_net *net, orl_pool *pool, const int32_t *states,
                         const int32_t *lens, size_t n, void *scratch, float *out_q)
{
    if (!net || (n && (!states || !lens || !scratch || !out_q)))
        return orl_fail(ORL_E_INVALID_ARGUMENT, "fqe_net_q_values: NULL argument");
    ORL_TRY(check_states(net, states, lens, n, "history"));
    const orl_enc *e = &net->enc;
    const size_t B = (size_t)net->cfg.max_batch, T = e->spec.window, I = (size_t)net->cfg.n_items;
    const int H = e->state_dim;
    void *work = e->cls->work_bind(scratch, e, (int)B);
    float *h = (float *)(void *)((char *)scratch + orl_enc_round64(e->cls->work_bytes(e, (int)B)));
    const orl_params *on = &net->on;
    const float *w = orl_params_at(on, on->value, ORL_Q_HEAD_W);
    const float *bias = orl_params_at(on, on->value, ORL_Q_HEAD_B);
    for (size_t r0 = 0; r0 < n; r0 += B) {
        const int nb = (int)(n - r0 < B ? n - r0 : B);
        e->cls->forward(pool, on, e, work, states + r0 * T, lens + r0, nb, NULL, h);
        float *q = out_q + r0 * I;
        for (int b = 0; b < nb; b++) memcpy(q + (size_t)b * I, bias, sizeof(float) * I);
        orl_sgemm_pool(pool, 0, 1, nb, (int)I, H, 1.0f, h, H, w, H, 1.0f, q, (int)I);
    }
    return ORL_OK;
}

const orl_fqe_net_config *orl_fqe_net_get_config(const orl_fqe_net *net)
{
    return &net->cfg;
}

const orl_enc *orl_fqe_net_encoder(const orl_fqe_net *net)
{
    return &net->enc;
}

orl_pool *orl_fqe_net_pool(orl_fqe_net *net)
{
    return net->pool;
}

orl_params *orl_fqe_net_online(orl_fqe_net *net)
{
    return &net->on;
}

const orl_params *orl_fqe_net_target(const orl_fqe_net *net)
{
    return &net->tgt;
}

int64_t orl_fqe_net_steps(const orl_fqe_net *net)
{
    return net->steps;
}

int64_t orl_fqe_net_target_syncs(const orl_fqe_net *net)
{
    return net->syncs;
}
