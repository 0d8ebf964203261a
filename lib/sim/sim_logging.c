/* The logging policy: epsilon-uniform, successors of the last click, and a
 * softmax over popularity + user taste + same-cluster bonus. The softmax
 * factorises as P(cluster) * P(item | cluster), so a step costs
 * O(n_clusters) and the exact propensity of any item costs O(1). */
#include <math.h>

#include "sim/sim.h"

static const double succ_weight[ORL_SIM_N_SUCC] = {0.5, 0.3, 0.2};

static void update_cluster_p(const orl_sim_world *w, orl_sim_logctx *ctx)
{
    const uint32_t nc = w->n_clusters;
    double mx = -INFINITY;
    for (uint32_t c = 0; c < nc; c++) {
        double lw = ctx->base_lw[c] + (c == ctx->last_cluster ? w->cluster_boost_factor : 0.0);
        ctx->cluster_p[c] = lw;
        if (lw > mx) mx = lw;
    }
    double z = 0;
    for (uint32_t c = 0; c < nc; c++) z += (ctx->cluster_p[c] = exp(ctx->cluster_p[c] - mx));
    for (uint32_t c = 0; c < nc; c++) ctx->cluster_p[c] /= z;
}

void orl_sim_logctx_init(const orl_sim_world *w, orl_sim_logctx *ctx, uint32_t user,
                         double *scratch)
{
    const uint32_t d = w->dim;
    const float *taste = w->user_taste + (size_t)user * d;
    const double tw = (double)w->p.log_taste_weight / w->p.log_temperature;
    ctx->user = user;
    ctx->last_item = ORL_SIM_NO_ITEM;
    ctx->last_cluster = ORL_SIM_NO_ITEM;
    ctx->base_lw = scratch;
    ctx->cluster_p = scratch + w->n_clusters;
    for (uint32_t c = 0; c < w->n_clusters; c++) {
        const float *cen = w->center + (size_t)c * d;
        float dot = 0;
        for (uint32_t k = 0; k < d; k++) dot += taste[k] * cen[k];
        ctx->base_lw[c] = w->cluster_z[c] + tw * dot;
    }
    update_cluster_p(w, ctx);
}

void orl_sim_logctx_set_last(const orl_sim_world *w, orl_sim_logctx *ctx, uint32_t item)
{
    uint32_t c = w->item_cluster[item];
    ctx->last_item = item;
    if (c == ctx->last_cluster) return;
    ctx->last_cluster = c;
    if (w->cluster_boost_factor != 0.0) update_cluster_p(w, ctx);
}

double orl_sim_log_prob(const orl_sim_world *w, const orl_sim_logctx *ctx, uint32_t item)
{
    const double eps = w->p.log_epsilon;
    double ps = ctx->last_item == ORL_SIM_NO_ITEM ? 0.0 : (double)w->p.log_successor_prob;
    double succ = 0;
    if (ps > 0) {
        const uint32_t *s = w->succ + (size_t)ctx->last_item * ORL_SIM_N_SUCC;
        for (int k = 0; k < ORL_SIM_N_SUCC; k++)
            if (s[k] == item) succ += succ_weight[k];
    }
    double soft = ctx->cluster_p[w->item_cluster[item]] * w->item_in_cluster[item];
    return eps / w->n_items + (1.0 - eps) * (ps * succ + (1.0 - ps) * soft);
}

static uint32_t sample_softmax(const orl_sim_world *w, const orl_sim_logctx *ctx, orl_rng *rng)
{
    double u = orl_rng_uniform_double(rng);
    uint32_t c = 0, last_nonzero = 0;
    for (; c < w->n_clusters; c++) {
        if (ctx->cluster_p[c] > 0) last_nonzero = c;
        if (u < ctx->cluster_p[c]) break;
        u -= ctx->cluster_p[c];
    }
    if (c == w->n_clusters) c = last_nonzero; /* rounding left u just above the total */
    /* First position whose within-cluster CDF exceeds v. */
    double v = orl_rng_uniform_double(rng);
    uint32_t lo = w->cluster_start[c], hi = w->cluster_start[c + 1] - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (w->cluster_cdf[mid] > v)
            hi = mid;
        else
            lo = mid + 1;
    }
    return w->cluster_items[lo];
}

uint32_t orl_sim_log_sample(const orl_sim_world *w, const orl_sim_logctx *ctx, orl_rng *rng,
                            double *out_prob)
{
    uint32_t item;
    if (orl_rng_uniform_double(rng) < w->p.log_epsilon) {
        item = orl_rng_below(rng, w->n_items);
    } else if (ctx->last_item != ORL_SIM_NO_ITEM &&
               orl_rng_uniform_double(rng) < w->p.log_successor_prob) {
        double u = orl_rng_uniform_double(rng);
        int k = u < succ_weight[0] ? 0 : u < succ_weight[0] + succ_weight[1] ? 1 : 2;
        item = w->succ[(size_t)ctx->last_item * ORL_SIM_N_SUCC + k];
    } else {
        item = sample_softmax(w, ctx, rng);
    }
    *out_prob = orl_sim_log_prob(w, ctx, item);
    return item;
}
