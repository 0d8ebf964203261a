/* Plackett-Luce slates of the logging policy, their exact propensities (the
 * inclusion integral), and the user's choice among the shown items. */
#include "sim/sim_slate.h"

#include "models/pl_inclusion.h"

#include <math.h>
#include <string.h>

#define P_FLOOR 1e-300

void orl_sim_log_probs_all(const orl_sim_world *w, const orl_sim_logctx *ctx, double *p)
{
    for (uint32_t i = 0; i < w->n_items; i++) {
        double v = orl_sim_log_prob(w, ctx, i);
        p[i] = v > P_FLOOR ? v : P_FLOOR;
    }
}

void orl_sim_pl_sample(const double *p, uint32_t n, uint32_t K, orl_rng *rng, uint32_t *items,
                       double *beta)
{
    double taken = 0; /* mass of the items already placed */
    for (uint32_t k = 0; k < K; k++) {
        double left = 1.0 - taken;
        if (!(left > 0)) { /* rounding: recompute the mass left exactly */
            left = 0;
            for (uint32_t i = 0; i < n; i++) left += p[i];
            for (uint32_t j = 0; j < k; j++) left -= p[items[j]];
        }
        double u = orl_rng_uniform_double(rng) * left;
        uint32_t pick = UINT32_MAX, last = UINT32_MAX;
        for (uint32_t i = 0; i < n; i++) {
            int placed = 0;
            for (uint32_t j = 0; j < k && !placed; j++) placed = items[j] == i;
            if (placed) continue;
            last = i;
            if (u < p[i]) {
                pick = i;
                break;
            }
            u -= p[i];
        }
        if (pick == UINT32_MAX) pick = last; /* u ran past the end by rounding */
        items[k] = pick;
        beta[k] = p[pick];
        taken += p[pick];
    }
}

void orl_sim_pl_sample_weights(const float *w, size_t n, uint32_t K, orl_rng *rng, size_t *out)
{
    double left = 0;
    for (size_t i = 0; i < n; i++) left += w[i] > 0 ? (double)w[i] : 0.0;
    for (uint32_t k = 0; k < K; k++) {
        double u = orl_rng_uniform_double(rng) * left;
        size_t pick = SIZE_MAX, last = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
            int placed = 0;
            for (uint32_t j = 0; j < k && !placed; j++) placed = out[j] == i;
            if (placed || !(w[i] > 0)) continue;
            last = i;
            if (u < (double)w[i]) {
                pick = i;
                break;
            }
            u -= (double)w[i];
        }
        if (pick == SIZE_MAX) pick = last; /* rounding ran past the end */
        if (pick == SIZE_MAX) {            /* no positive weight left: lowest unused */
            for (size_t i = 0; i < n && pick == SIZE_MAX; i++) {
                int placed = 0;
                for (uint32_t j = 0; j < k && !placed; j++) placed = out[j] == i;
                if (!placed) pick = i;
            }
        } else {
            left -= (double)w[pick];
            if (left < 0) left = 0;
        }
        out[k] = pick;
    }
}

double orl_sim_pl_slate_prob(const double *beta, uint32_t K)
{
    double prob = 1, taken = 0;
    for (uint32_t k = 0; k < K; k++) {
        double left = 1.0 - taken;
        prob *= left > 0 ? beta[k] / left : 1.0;
        taken += beta[k];
    }
    return prob > 1 ? 1 : prob;
}

void orl_sim_pl_inclusion(const double *p, uint32_t n, uint32_t K, const uint32_t *items,
                          uint32_t m, uint8_t *mark, double *out)
{
    orl_pl_inclusion_step(p, n, K, items, m, mark, out, ORL_PL_STEP);
}

void orl_sim_pl_inclusion_step(const double *p, uint32_t n, uint32_t K, const uint32_t *items,
                               uint32_t m, uint8_t *mark, double *out, double h)
{
    orl_pl_inclusion_step(p, n, K, items, m, mark, out, h);
}

void orl_sim_choice_probs(const orl_sim_world *w, const orl_sim_session *s, const uint32_t *items,
                          uint32_t K, double *out)
{
    const double pb = w->p.position_bias;
    double mx = 0; /* the no-click option's logit */
    for (uint32_t k = 0; k < K; k++) {
        out[k] = (double)orl_sim_click_logit(w, s, items[k]) - pb * log((double)(k + 1));
        if (out[k] > mx) mx = out[k];
    }
    double z = exp(-mx);
    for (uint32_t k = 0; k < K; k++) z += (out[k] = exp(out[k] - mx));
    for (uint32_t k = 0; k < K; k++) out[k] /= z;
    out[K] = exp(-mx) / z;
}

int orl_sim_step_slate(const orl_sim_world *w, orl_sim_session *s, const uint32_t *items,
                       uint32_t K, orl_rng *rng, int *out_leaves, int *out_slot)
{
    if (K == 1) {
        int r = orl_sim_step(w, s, items[0], rng, out_leaves);
        *out_slot = r == ORL_SIM_SKIP ? -1 : 0;
        return r;
    }
    float u_click = orl_rng_uniform(rng), u_buy = orl_rng_uniform(rng);
    float u_leave = orl_rng_uniform(rng);
    double probs[ORL_SIM_MAX_SLATE + 1];
    orl_sim_choice_probs(w, s, items, K, probs);
    int slot = -1;
    double cum = 0;
    for (uint32_t k = 0; k < K && slot < 0; k++)
        if ((double)u_click < (cum += probs[k])) slot = (int)k;
    int response = ORL_SIM_SKIP;
    uint32_t item = items[slot < 0 ? 0 : slot];
    if (slot >= 0) {
        orl_sim_response_probs pr;
        orl_sim_response_probs_of(w, s, item, &pr);
        response = u_buy < pr.p_purchase ? ORL_SIM_PURCHASE : ORL_SIM_CLICK;
    }
    orl_sim_apply_response(w, s, item, response, u_leave, out_leaves);
    *out_slot = slot;
    return response;
}
