#include "models/sl_net.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/error.h"
#include "models/sl_net_internal.h"
#include "nn/dropout.h"

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

orl_sl_net_config orl_sl_net_config_default(int n_items)
{
    orl_sl_net_config c;
    memset(&c, 0, sizeof c);
    c.n_items = n_items;
    c.embed_dim = 64;
    c.hidden_dim = 64;
    c.window = 10;
    c.max_batch = 256;
    orl_encoder_spec_default(&c.encoder);
    return c;
}

static int check_config(const orl_sl_net_config *c)
{
    if (c->n_items < 1 || c->n_items > (1 << 28))
        return orl_fail(ORL_E_OUT_OF_RANGE, "sl_net: n_items %d is outside [1, 2^28]", c->n_items);
    if (c->embed_dim < 1 || c->embed_dim > 4096 || c->hidden_dim < 1 || c->hidden_dim > 4096)
        return orl_fail(ORL_E_OUT_OF_RANGE,
                        "sl_net: embed_dim %d / hidden_dim %d outside [1, 4096]", c->embed_dim,
                        c->hidden_dim);
    if (c->window < 1 || c->window > 1024)
        return orl_fail(ORL_E_OUT_OF_RANGE, "sl_net: window %d is outside [1, 1024]", c->window);
    if (!(c->dropout >= 0.0f && c->dropout < 1.0f))
        return orl_fail(ORL_E_OUT_OF_RANGE, "sl_net: dropout %g is outside [0, 1)",
                        (double)c->dropout);
    if (c->max_batch < 0 || c->max_batch > 65536)
        return orl_fail(ORL_E_OUT_OF_RANGE, "sl_net: max_batch %d is outside [0, 65536]",
                        c->max_batch);
    return ORL_OK;
}

int orl_sl_net_config_encoder(const orl_sl_net_config *cfg, orl_enc *out)
{
    orl_encoder_spec spec = cfg->encoder;
    if (!spec.architecture[0]) orl_encoder_spec_default(&spec);
    spec.embed_dim = (uint32_t)cfg->embed_dim;
    spec.hidden_dim = (uint32_t)cfg->hidden_dim;
    spec.window = (uint32_t)cfg->window;
    spec.dropout = cfg->dropout;
    return orl_enc_init(out, &spec, cfg->n_items);
}

int orl_sl_net_create(const orl_sl_net_config *cfg, uint64_t seed, int threads, orl_sl_net **out)
{
    if (!cfg || !out) return orl_fail(ORL_E_INVALID_ARGUMENT, "sl_net_create: NULL argument");
    ORL_TRY(check_config(cfg));
    orl_enc enc;
    ORL_TRY(orl_sl_net_config_encoder(cfg, &enc));
    orl_sl_net *net = orl_calloc(1, sizeof *net);
    if (!net) return orl_fail(ORL_E_NOMEM, "sl_net_create: out of memory");
    net->cfg = *cfg;
    net->cfg.encoder = enc.spec;
    if (net->cfg.max_batch == 0) net->cfg.max_batch = 256;
    net->enc = enc;
    const int B = net->cfg.max_batch, H = enc.state_dim;
    int status = orl_pool_create(threads, &net->pool);
    if (status != ORL_OK) goto fail;

    const int n_enc = orl_enc_n_params(&enc), n_specs = n_enc + ORL_CE_HEAD_N_PARAMS;
    orl_param_spec specs[ORL_PARAM_MAX_VIEWS];
    orl_param_name names[ORL_PARAM_MAX_VIEWS];
    if (n_specs > ORL_PARAM_MAX_VIEWS) {
        status = orl_fail(ORL_E_OUT_OF_RANGE, "sl_net_create: %d tensors exceed the limit %d",
                          n_specs, ORL_PARAM_MAX_VIEWS);
        goto fail;
    }
    enc.cls->param_specs(&enc, specs, names);
    orl_ce_head_param_specs(cfg->n_items, H, specs + n_enc);
    status = orl_params_init(&net->params, specs, n_specs, 1);
    if (status != ORL_OK) goto fail;

    orl_ce_dims ce = {B, H, cfg->n_items, 0};
    size_t bh = round16((size_t)B * H);
    size_t work = orl_enc_round64(enc.cls->work_bytes(&enc, B)) / sizeof(float);
    size_t ce_floats = orl_softmax_ce_scratch_floats(ce, orl_pool_threads(net->pool));
    net->block = orl_aligned_alloc(sizeof(float) * (work + 4 * bh + ce_floats));
    if (!net->block) {
        status = orl_fail(ORL_E_NOMEM, "sl_net_create: out of memory for the training workspace");
        goto fail;
    }
    net->touched = orl_calloc((size_t)cfg->n_items + 1, 1);
    if (!net->touched) {
        status = orl_fail(ORL_E_NOMEM, "sl_net_create: out of memory for the training workspace");
        goto fail;
    }
    float *p = net->block;
    net->work = enc.cls->work_bind(p, &net->enc, B);
    p += work;
    net->hidden = p;
    net->hidden_drop = p + bh;
    net->d_hidden = p + 2 * bh;
    net->mask = p + 3 * bh;
    net->ce_scratch = p + 4 * bh;

    orl_rng rng;
    orl_rng_init(&rng, seed, 0);
    enc.cls->init(&net->params, &net->enc, &rng);
    orl_ce_head_init(&net->params, cfg->n_items, H, &rng);
    orl_rng_init(&net->dropout_rng, seed, 1);
    *out = net;
    return ORL_OK;
fail:
    orl_sl_net_free(net);
    return status;
}

void orl_sl_net_free(orl_sl_net *net)
{
    if (!net) return;
    orl_head_screen_free(net->screen);
    orl_aligned_free(net->block);
    orl_free(net->touched);
    orl_params_free(&net->params);
    orl_pool_free(net->pool);
    orl_free(net);
}

const orl_sl_net_config *orl_sl_net_get_config(const orl_sl_net *net)
{
    return &net->cfg;
}

const orl_enc *orl_sl_net_encoder(const orl_sl_net *net)
{
    return &net->enc;
}

orl_params *orl_sl_net_params(orl_sl_net *net)
{
    return &net->params;
}

const orl_params *orl_sl_net_params_const(const orl_sl_net *net)
{
    return &net->params;
}

void orl_sl_net_set_timing(orl_sl_net *net, orl_sl_net_timing *t)
{
    net->timing = t;
}

int orl_sl_net_check_states(const orl_sl_net *net, const int32_t *states, const int32_t *lens,
                            int n)
{
    const int T = net->cfg.window, I = net->cfg.n_items;
    for (int b = 0; b < n; b++) {
        if (lens[b] < 1 || lens[b] > T)
            return orl_fail(ORL_E_OUT_OF_RANGE, "history %d: length %d is outside [1, %d]", b,
                            (int)lens[b], T);
        for (int t = 0; t < T; t++) {
            int32_t id = states[(size_t)b * T + t];
            if (id < 0 || id > I)
                return orl_fail(ORL_E_OUT_OF_RANGE,
                                "history %d, position %d: item id %d is outside [0, %d]", b, t,
                                (int)id, I);
        }
    }
    return ORL_OK;
}

typedef struct head_adam_ctx {
    orl_adam_step_consts k;
    orl_params *p;
    size_t w, b, H; /* offsets of head.w and head.b */
} head_adam_ctx;

/* Adam on the head's rows [i0, i0 + n): weights and bias. Its gradients are
 * overwritten every step, so they need no clearing. */
static void head_adam(void *ctx, size_t i0, size_t n)
{
    const head_adam_ctx *c = ctx;
    orl_params *p = c->p;
    size_t ow = c->w + i0 * c->H, ob = c->b + i0;
    orl_adam_update(&c->k, p->value + ow, p->grad + ow, p->m + ow, p->v + ow, n * c->H, 0);
    orl_adam_update(&c->k, p->value + ob, p->grad + ob, p->m + ob, p->v + ob, n, 0);
}

int orl_sl_net_train_step(orl_sl_net *net, const int32_t *states, const int32_t *lens,
                          const int32_t *actions, int batch_size, float lr, float *out_loss)
{
    if (!net || !states || !lens || !actions)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "sl_net_train_step: NULL argument");
    const int B = batch_size, H = net->enc.state_dim, I = net->cfg.n_items;
    if (B < 1 || B > net->cfg.max_batch)
        return orl_fail(ORL_E_OUT_OF_RANGE, "sl_net_train_step: batch size %d is outside [1, %d]",
                        B, net->cfg.max_batch);
    if (!(lr > 0.0f) || !isfinite(lr))
        return orl_fail(ORL_E_OUT_OF_RANGE, "sl_net_train_step: learning rate %g must be > 0",
                        (double)lr);
    ORL_TRY(orl_sl_net_check_states(net, states, lens, B));
    orl_sl_net_drop_screen(net); /* the weights are about to change */
    for (int b = 0; b < B; b++)
        if (actions[b] < 0 || actions[b] >= I)
            return orl_fail(ORL_E_OUT_OF_RANGE, "transition %d: action %d is outside [0, %d)", b,
                            (int)actions[b], I);

    orl_sl_net_timing *tm = net->timing;
    double t0 = tm ? now_s() : 0.0, t1 = 0.0;
    const orl_encoder_class *ec = net->enc.cls;
    const int state_dropout = ec->state_dropout && net->cfg.dropout > 0.0f;
    ec->forward(net->pool, &net->params, &net->enc, net->work, states, lens, B,
                ec->state_dropout ? NULL : &net->dropout_rng, net->hidden);
    const float *h = net->hidden;
    size_t bh = (size_t)B * H;
    if (state_dropout) {
        orl_dropout_mask(net->mask, bh, net->cfg.dropout, &net->dropout_rng);
        orl_dropout_forward(net->hidden_drop, net->hidden, net->mask, bh);
        h = net->hidden_drop;
    }
    if (tm) {
        t1 = now_s();
        tm->encode_fwd += t1 - t0;
    }
    /* Adam runs fused into the output layer's pass 2, tile by tile, while the
     * tile's weights and gradients are in cache; the encoder's part follows. */
    orl_adam_config ac = orl_adam_defaults();
    ac.lr = lr;
    orl_params *p = &net->params;
    int64_t step_before = p->step;
    head_adam_ctx hc;
    hc.k = orl_adam_begin_step(p, &ac);
    hc.p = p;
    hc.w = orl_params_find(p, ORL_CE_HEAD_W)->offset;
    hc.b = orl_params_find(p, ORL_CE_HEAD_B)->offset;
    hc.H = (size_t)H;
    orl_ce_timing ct;
    memset(&ct, 0, sizeof ct);
    float loss = orl_ce_head_train(net->pool, p, I, H, h, actions, B, net->d_hidden,
                                   net->ce_scratch, tm ? &ct : NULL, head_adam, &hc);
    if (tm) {
        t0 = now_s();
        tm->head_pass1 += ct.pass1;
        tm->head_pass2 += ct.pass2;
        tm->head_fwd_gemm += ct.fwd_gemm;
        tm->head_softmax += ct.softmax;
        tm->head_bwd_gemm += ct.bwd_gemm;
        tm->head_adam += ct.tile_hook;
    }
    if (!isfinite(loss)) {
        p->step = step_before; /* pass 2 never ran: nothing was updated */
        return orl_fail(ORL_E_NUMERIC, "sl_net_train_step: the loss is not finite (%g)",
                        (double)loss);
    }
    if (state_dropout) orl_dropout_backward(net->d_hidden, net->d_hidden, net->mask, bh);
    ec->backward(net->pool, &net->params, &net->enc, net->work, states, lens, B, net->d_hidden);
    if (tm) {
        t1 = now_s();
        tm->encode_bwd += t1 - t0;
    }
    /* The encoder's tensors come first in the store; the head's are done. The
     * embedding's gradient is zero outside the rows of this batch. */
    const orl_param_view *ev = orl_params_find(p, ORL_ENC_EMB);
    memset(net->touched, 0, (size_t)I + 1);
    ec->mark_touched(&net->enc, net->work, states, lens, B, net->touched);
    orl_adam_update_rows(net->pool, p, &hc.k, ev->offset, ev->rows, ev->cols, net->touched);
    size_t enc_end = hc.w < hc.b ? hc.w : hc.b, emb_end = ev->offset + ev->rows * ev->cols;
    orl_adam_update_range(net->pool, p, &hc.k, 0, ev->offset, 1);
    orl_adam_update_range(net->pool, p, &hc.k, emb_end, enc_end, 1);
    if (tm) {
        tm->adam += now_s() - t1;
        tm->steps++;
    }
    if (out_loss) *out_loss = loss;
    return ORL_OK;
}
