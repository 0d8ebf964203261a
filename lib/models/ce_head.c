#include "models/ce_head.h"

#include <math.h>
#include <string.h>

#include "core/blas.h"
#include "nn/kgemm.h"
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
    orl_ce_dims d = {batch, hidden, n_items, 0};
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
    for (int r = 0; r < n; r++)
        orl_matvec(out + (size_t)r * n_items, w, h + (size_t)r * hidden, b, (size_t)n_items,
                   (size_t)hidden);
}

size_t orl_ce_head_scores_t_floats(int hidden, int n)
{
    size_t np = ((size_t)n + 15) & ~(size_t)15;
    return np * (size_t)hidden + np * ORL_CE_HEAD_CHUNK;
}

void orl_ce_head_scores_t(const orl_params *p, int n_items, int hidden, const float *h, int n,
                          size_t i0, size_t i1, float *work, float **out_chunk, int *out_ld)
{
    /* S^T [items x n] = W [items x H] h^T [H x n]: the catalogue is the long
     * side, so it is the kernel's M; histories (padded to 16) are its N. */
    const float *w = orl_params_at(p, p->value, ORL_CE_HEAD_W);
    const float *b = orl_params_at(p, p->value, ORL_CE_HEAD_B);
    int np = (n + 15) & ~15;
    float *ht = work, *chunk = work + (size_t)np * hidden;
    for (int k = 0; k < hidden; k++)
        for (int r = 0; r < np; r++)
            ht[(size_t)k * np + r] = r < n ? h[(size_t)r * hidden + k] : 0.0f;
    int m = (int)(i1 - i0);
    orl_kgemm(m, np, hidden, w + i0 * (size_t)hidden, hidden, 1, ht, np, chunk, np, 0);
    for (int i = 0; i < m; i++) {
        float bi = b[i0 + (size_t)i];
        float *row = chunk + (size_t)i * np;
        for (int r = 0; r < n; r++) row[r] += bi;
    }
    *out_chunk = chunk;
    *out_ld = np;
    (void)n_items;
}

void orl_ce_head_candidates(const orl_params *p, int hidden, const float *h, const int32_t *ids,
                            size_t n_ids, float *out)
{
    const float *w = orl_params_at(p, p->value, ORL_CE_HEAD_W);
    const float *b = orl_params_at(p, p->value, ORL_CE_HEAD_B);
    for (size_t c = 0; c < n_ids; c++)
        out[c] = orl_vec_dot(w + (size_t)ids[c] * (size_t)hidden, h, (size_t)hidden) + b[ids[c]];
}
