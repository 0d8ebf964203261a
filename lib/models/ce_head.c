#include "models/ce_head.h"

#include <math.h>
#include <string.h>

#include "core/blas.h"
#include "nn/vmath.h"

void orl_ce_head_param_specs(int n_items, int hidden, orl_param_spec *specs)
{
    specs[0] = (orl_param_spec){ORL_CE_HEAD_W, (size_t)n_items, (size_t)hidden};
    specs[1] = (orl_param_spec){ORL_CE_HEAD_B, 1, (size_t)n_items};
}

void orl_ce_head_init(orl_params *p, int n_items, int hidden, orl_rng *rng)
{
    float *w = orl_params_at(p, p->value, ORL_CE_HEAD_W);
    float bound = sqrtf(6.0f / (float)(hidden + n_items));
    for (size_t i = 0; i < (size_t)n_items * (size_t)hidden; i++)
        w[i] = bound * (2.0f * orl_rng_uniform(rng) - 1.0f);
    memset(orl_params_at(p, p->value, ORL_CE_HEAD_B), 0, sizeof(float) * (size_t)n_items);
}

float orl_ce_head_train(orl_pool *pool, orl_params *p, int n_items, int hidden, const float *h,
                        const int32_t *targets, int batch, float *d_hidden, float *scratch,
                        orl_ce_timing *timing, orl_ce_tile_fn on_tile, void *tile_ctx)
{
    orl_ce_dims d = {batch, hidden, n_items};
    return orl_softmax_ce(pool, h, orl_params_at(p, p->value, ORL_CE_HEAD_W),
                          orl_params_at(p, p->value, ORL_CE_HEAD_B), targets, d, d_hidden,
                          orl_params_at(p, p->grad, ORL_CE_HEAD_W),
                          orl_params_at(p, p->grad, ORL_CE_HEAD_B), scratch, timing, on_tile,
                          tile_ctx);
}

void orl_ce_head_scores(const orl_params *p, int n_items, int hidden, const float *h, int n,
                        float *out)
{
    const float *w = orl_params_at(p, p->value, ORL_CE_HEAD_W);
    const float *b = orl_params_at(p, p->value, ORL_CE_HEAD_B);
    if (n == 1) {
        memcpy(out, b, sizeof(float) * (size_t)n_items);
        orl_sgemv(0, n_items, hidden, 1.0f, w, hidden, h, 1.0f, out);
        return;
    }
    for (int r = 0; r < n; r++)
        memcpy(out + (size_t)r * n_items, b, sizeof(float) * (size_t)n_items);
    orl_sgemm(0, 1, n, n_items, hidden, 1.0f, h, hidden, w, hidden, 1.0f, out, n_items);
}

void orl_ce_head_candidates(const orl_params *p, int hidden, const float *h, const int32_t *ids,
                            size_t n_ids, float *out)
{
    const float *w = orl_params_at(p, p->value, ORL_CE_HEAD_W);
    const float *b = orl_params_at(p, p->value, ORL_CE_HEAD_B);
    for (size_t c = 0; c < n_ids; c++)
        out[c] = orl_vec_dot(w + (size_t)ids[c] * (size_t)hidden, h, (size_t)hidden) + b[ids[c]];
}
