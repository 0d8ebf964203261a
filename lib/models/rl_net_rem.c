/* sqn_rem's Q head: a REM ensemble of K heads (Agarwal et al. 2020) per
 * network, "qens.w" [K*I x H] (head k's rows at k*I) and "qens.b" [K*I x 1].
 * One draw alpha per step mixes both networks' heads: sum_k alpha_k Q^k is a
 * linear layer with W_mix = sum_k alpha_k W_k, so the single-head machinery
 * (argmax, gathered rows) runs on the main network's mix (formed once per
 * step) and on the target's mix at the gathered rows only. The gradient of
 * the mix is row-sparse (the logged actions); head k's rows get alpha_k of
 * it, and the sparse Adam keeps touching only those rows. VPQ (Gao et al.
 * 2022) shrinks the bootstrap by 1 / (1 + c std_k Q_tgt^k(s', a*)). */
#include <math.h>
#include <string.h>

#include "models/q_head.h"
#include "models/rl_net_internal.h"

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

size_t orl_rl_rem_floats(const orl_rl_net *net)
{
    if (net->cfg.algorithm != ORL_RL_SQN_REM) return 0;
    const size_t I = (size_t)net->cfg.n_items, H = (size_t)net->enc.state_dim;
    return 3 * round16(I * H) + 3 * round16(I) + round16((size_t)net->cfg.max_batch);
}

float *orl_rl_rem_bind(orl_rl_net *net, float *base)
{
    if (net->cfg.algorithm != ORL_RL_SQN_REM) return base;
    const size_t I = (size_t)net->cfg.n_items, H = (size_t)net->enc.state_dim;
    for (int k = 0; k < 2; k++) {
        net->mix_w[k] = base;
        base += round16(I * H);
        net->mix_b[k] = base;
        base += round16(I);
    }
    net->mix_gw = base;
    base += round16(I * H);
    net->mix_gb = base;
    base += round16(I);
    net->vpq_w = base;
    return base + round16((size_t)net->cfg.max_batch);
}

void orl_rl_rem_param_specs(const orl_rl_net *net, orl_param_spec *specs)
{
    const size_t KI = (size_t)net->cfg.q_heads * (size_t)net->cfg.n_items;
    specs[0] = (orl_param_spec){ORL_Q_ENSEMBLE_W, KI, (size_t)net->enc.state_dim};
    specs[1] = (orl_param_spec){ORL_Q_ENSEMBLE_B, KI, 1};
}

void orl_rl_rem_init(orl_rl_net *net, orl_params *p, orl_rng *rng)
{
    const int I = net->cfg.n_items, H = net->enc.state_dim, K = net->cfg.q_heads;
    float *w = orl_params_at(p, p->value, ORL_Q_ENSEMBLE_W);
    /* Each head as the single Q head: Xavier-uniform over (H, I), in turn. */
    const float bound = sqrtf(6.0f / (float)(H + I));
    for (size_t i = 0; i < (size_t)K * I * H; i++)
        w[i] = bound * (2.0f * orl_rng_uniform(rng) - 1.0f);
    memset(orl_params_at(p, p->value, ORL_Q_ENSEMBLE_B), 0, sizeof(float) * (size_t)K * I);
    orl_rl_rem_refresh_mean(net, p == &net->qn[1]);
}

void orl_rl_rem_draw(orl_rl_net *net, orl_rng *rng)
{
    const int K = net->cfg.q_heads;
    float u[ORL_Q_ENSEMBLE_MAX], sum = 0.0f;
    for (int k = 0; k < K; k++) {
        u[k] = orl_rng_uniform(rng);
        sum += u[k];
    }
    /* sum > 0 unless every draw is exactly 0: then equal weights. */
    for (int k = 0; k < K; k++) net->rem_alpha[k] = sum > 0.0f ? u[k] / sum : 1.0f / (float)K;
}

/* out = sum_k c_k head_k (then / K when mean) for rows [begin, end). */
typedef struct mix_job {
    const float *w, *b;
    float *out_w, *out_b;
    const float *c; /* NULL: the mean */
    size_t I, H;
    int K;
} mix_job;

static void mix_row(const mix_job *j, size_t i)
{
    const size_t H = j->H, I = j->I;
    float *o = j->out_w + i * H;
    const float c0 = j->c ? j->c[0] : 1.0f;
    for (size_t h = 0; h < H; h++) o[h] = c0 * j->w[i * H + h];
    float ob = c0 * j->b[i];
    for (int k = 1; k < j->K; k++) {
        const float ck = j->c ? j->c[k] : 1.0f, *wk = j->w + ((size_t)k * I + i) * H;
        for (size_t h = 0; h < H; h++) o[h] += ck * wk[h];
        ob += ck * j->b[(size_t)k * I + i];
    }
    if (!j->c) { /* the mean: the sum in head order, divided by K */
        for (size_t h = 0; h < H; h++) o[h] /= (float)j->K;
        ob /= (float)j->K;
    }
    j->out_b[i] = ob;
}

static void mix_range(void *ctx, size_t begin, size_t end, int thread_index)
{
    (void)thread_index;
    for (size_t i = begin; i < end; i++) mix_row(ctx, i);
}

static mix_job job_of(orl_rl_net *net, int which, float *out_w, float *out_b, const float *c)
{
    orl_params *p = &net->qn[which];
    mix_job j = {orl_params_at(p, p->value, ORL_Q_ENSEMBLE_W),
                 orl_params_at(p, p->value, ORL_Q_ENSEMBLE_B),
                 out_w,
                 out_b,
                 c,
                 (size_t)net->cfg.n_items,
                 (size_t)net->enc.state_dim,
                 net->cfg.q_heads};
    return j;
}

void orl_rl_rem_mix(orl_rl_net *net, int which)
{
    mix_job j = job_of(net, which, net->mix_w[which], net->mix_b[which], net->rem_alpha);
    orl_pool_parallel_for(net->pool, j.I, mix_range, &j);
}

void orl_rl_rem_mix_rows(orl_rl_net *net, int which, const int32_t *idx, int n)
{
    mix_job j = job_of(net, which, net->mix_w[which], net->mix_b[which], net->rem_alpha);
    for (int r = 0; r < n; r++) mix_row(&j, (size_t)idx[r]);
}

void orl_rl_rem_refresh_mean(orl_rl_net *net, int which)
{
    orl_params *p = &net->qn[which];
    mix_job j = job_of(net, which, orl_params_at(p, p->value, ORL_Q_HEAD_W),
                       orl_params_at(p, p->value, ORL_Q_HEAD_B), NULL);
    /* Inline, not on the pool: readers of the policy call this (once per
     * export), and the pool takes one parallel_for at a time. */
    orl_pool_parallel_for(NULL, j.I, mix_range, &j);
}

void orl_rl_rem_vpq(orl_rl_net *net, int tgt, const float *h_tgt, int B)
{
    const orl_params *p = &net->qn[tgt];
    const size_t I = (size_t)net->cfg.n_items, H = (size_t)net->enc.state_dim;
    const int K = net->cfg.q_heads;
    const float *w = orl_params_at(p, p->value, ORL_Q_ENSEMBLE_W);
    const float *bias = orl_params_at(p, p->value, ORL_Q_ENSEMBLE_B);
    for (int r = 0; r < B; r++) {
        const size_t a = (size_t)net->a_star[r];
        const float *h = h_tgt + (size_t)r * H;
        double q[ORL_Q_ENSEMBLE_MAX], mean = 0.0, var = 0.0;
        for (int k = 0; k < K; k++) {
            const float *wk = w + ((size_t)k * I + a) * H;
            float s = bias[(size_t)k * I + a];
            for (size_t i = 0; i < H; i++) s += wk[i] * h[i];
            q[k] = s;
            mean += s;
        }
        mean /= K;
        for (int k = 0; k < K; k++) var += (q[k] - mean) * (q[k] - mean);
        /* std with ddof 0; no gradient flows through the weight. */
        const float wt = (float)(1.0 / (1.0 + (double)net->cfg.vpq_c * sqrt(var / K)));
        net->vpq_w[r] = wt;
        net->q_tp1[r] *= wt;
    }
}

void orl_rl_rem_distribute(orl_rl_net *net, int main_net, const int32_t *idx, int n)
{
    orl_params *p = &net->qn[main_net];
    const size_t I = (size_t)net->cfg.n_items, H = (size_t)net->enc.state_dim;
    float *gw = orl_params_at(p, p->grad, ORL_Q_ENSEMBLE_W);
    float *gb = orl_params_at(p, p->grad, ORL_Q_ENSEMBLE_B);
    for (int r = 0; r < n; r++) {
        /* A repeated id finds its mix row already moved and cleared. */
        const size_t a = (size_t)idx[r];
        float *gm = net->mix_gw + a * H;
        for (int k = 0; k < net->cfg.q_heads; k++) {
            const float c = net->rem_alpha[k];
            float *g = gw + ((size_t)k * I + a) * H;
            for (size_t h = 0; h < H; h++) g[h] += c * gm[h];
            gb[(size_t)k * I + a] += c * net->mix_gb[a];
        }
        memset(gm, 0, sizeof(float) * H);
        net->mix_gb[a] = 0.0f;
    }
}
