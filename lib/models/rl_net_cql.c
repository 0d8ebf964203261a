/* The CQL(H) term of cql and sqn_cql (Kumar et al. 2020, discrete):
 * alpha * mean_b (logsumexp_a Q(s_b, a) - Q(s_b, a_b)). That is the
 * cross-entropy of the Q head's values as logits at the logged action, so it
 * runs on the fused softmax-CE kernels (never holding B x I Q values beyond
 * what the kernel keeps), weighted by alpha per row. Its Q head gradient is
 * dense; the TD rows are added and the head's Adam applied tile by tile in
 * pass 2 (the CE head's trick), so the head is streamed once per step. */
#include <string.h>

#include "models/q_head.h"
#include "models/rl_net_internal.h"
#include "nn/softmax_ce.h"

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

size_t orl_rl_cql_floats(const orl_rl_net *net)
{
    if (!orl_rl_has_cql(net->cfg.algorithm)) return 0;
    const size_t B = (size_t)net->cfg.max_batch, H = (size_t)net->enc.state_dim;
    const orl_ce_dims ce = {(int)B, (int)H, net->cfg.n_items, 0};
    return round16(orl_softmax_ce_scratch_floats(ce, orl_pool_threads(net->pool))) +
           2 * round16(B) + round16(B * H);
}

float *orl_rl_cql_bind(orl_rl_net *net, float *base)
{
    if (!orl_rl_has_cql(net->cfg.algorithm)) return base;
    const size_t B = (size_t)net->cfg.max_batch, H = (size_t)net->enc.state_dim;
    const orl_ce_dims ce = {(int)B, (int)H, net->cfg.n_items, 0};
    net->q_scratch = base;
    base += round16(orl_softmax_ce_scratch_floats(ce, orl_pool_threads(net->pool)));
    net->row_cql = base;
    base += round16(B);
    net->cql_w = base;
    base += round16(B);
    net->dq_h = base;
    return base + round16(B * H);
}

float orl_rl_cql_forward(orl_rl_net *net, const float *q_w, const float *q_b,
                         const orl_rl_inputs *in)
{
    const orl_ce_dims d = {in->batch, net->enc.state_dim, net->cfg.n_items, 0};
    return orl_softmax_ce_forward(net->pool, net->h, q_w, q_b, in->actions, d, net->q_scratch,
                                  net->row_cql);
}

typedef struct q_tile_ctx {
    orl_rl_net *net;
    orl_params *p;
    const int32_t *actions;
    size_t w, b, H;
    int batch;
} q_tile_ctx;

/* Pass 2 hook on items [i0, i0 + n): their CQL gradient rows are written;
 * add the TD rows (dL/dQ(s_b, a_b) h_b) in batch order, then Adam. */
static void q_tile(void *ctx, size_t i0, size_t n)
{
    const q_tile_ctx *c = ctx;
    orl_params *p = c->p;
    const size_t H = c->H;
    for (int r = 0; r < c->batch; r++) {
        const size_t a = (size_t)c->actions[r];
        if (a - i0 >= n) continue; /* unsigned: also a < i0 */
        const float g = c->net->q_grad[r], *h = c->net->h + (size_t)r * H;
        float *dw = p->grad + c->w + a * H;
        for (size_t k = 0; k < H; k++) dw[k] += g * h[k];
        p->grad[c->b + a] += g;
    }
    if (!c->net->q_adam_in_pass2) return;
    const size_t ow = c->w + i0 * H, ob = c->b + i0;
    /* The kernel overwrites these gradients every step: no clearing. */
    orl_adam_update(&c->net->q_adam, p->value + ow, p->grad + ow, p->m + ow, p->v + ow, n * H, 0);
    orl_adam_update(&c->net->q_adam, p->value + ob, p->grad + ob, p->m + ob, p->v + ob, n, 0);
}

void orl_rl_cql_backward(orl_rl_net *net, orl_params *p, const orl_rl_inputs *in)
{
    const int B = in->batch, H = net->enc.state_dim;
    const float *q_w = orl_params_at(p, p->value, ORL_Q_HEAD_W);
    const float *q_b = orl_params_at(p, p->value, ORL_Q_HEAD_B);
    /* The TD term's dL/dh reads the Q rows before pass 2's Adam moves them. */
    for (int r = 0; r < B; r++) {
        const float g = net->q_grad[r], *w = q_w + (size_t)in->actions[r] * H;
        float *dh = net->d_h + (size_t)r * H;
        for (int k = 0; k < H; k++) dh[k] += g * w[k];
    }
    for (int r = 0; r < B; r++) net->cql_w[r] = net->cfg.cql_alpha;
    q_tile_ctx ctx = {net,
                      p,
                      in->actions,
                      orl_params_find(p, ORL_Q_HEAD_W)->offset,
                      orl_params_find(p, ORL_Q_HEAD_B)->offset,
                      (size_t)H,
                      B};
    const orl_ce_dims d = {B, H, net->cfg.n_items, 0};
    orl_softmax_ce_backward_ex(net->pool, net->h, q_w, q_b, in->actions, net->cql_w, d, net->dq_h,
                               orl_params_at(p, p->grad, ORL_Q_HEAD_W),
                               orl_params_at(p, p->grad, ORL_Q_HEAD_B), net->q_scratch, q_tile,
                               &ctx);
    for (size_t i = 0; i < (size_t)B * H; i++) net->d_h[i] += net->dq_h[i];
}
