/* Pickers: the logging, random and popularity baselines, host scores, and
 * the oracles that see the hidden user state. */
#include <math.h>

#include "core/error.h"
#include "sim/sim_rollout.h"

int orl_sim_pick_logging(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                         orl_rng *rng, uint32_t *out_item)
{
    (void)ctx;
    double prob;
    *out_item = orl_sim_log_sample(w, st->logctx, rng, &prob);
    return ORL_OK;
}

int orl_sim_pick_random(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                        orl_rng *rng, uint32_t *out_item)
{
    (void)ctx;
    (void)st;
    *out_item = orl_rng_below(rng, w->n_items);
    return ORL_OK;
}

int orl_sim_pick_popularity(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                            orl_rng *rng, uint32_t *out_item)
{
    (void)ctx;
    (void)rng;
    *out_item = w->pop_order[0]; /* every item shown: start over */
    for (uint32_t k = 0; k < w->n_items; k++)
        if (!orl_sim_was_shown(st, w->pop_order[k])) {
            *out_item = w->pop_order[k];
            break;
        }
    return ORL_OK;
}

int orl_sim_choose_from_scores(const orl_sim_world *w, const orl_sim_pick_state *st,
                               const float *scores, orl_rng *rng, uint32_t *out_item)
{
    const uint32_t n = w->n_items;
    int allow_shown = w->p.rollout_repeat || st->session->steps >= n;
    uint32_t best = ORL_SIM_NO_ITEM;
    for (uint32_t i = 0; i < n; i++) {
        if (isnan(scores[i]))
            return orl_fail(ORL_E_NUMERIC, "rollout: the policy gave item %u a NaN score",
                            (unsigned)i);
        if (!allow_shown && orl_sim_was_shown(st, i)) continue;
        if (best == ORL_SIM_NO_ITEM || scores[i] > scores[best]) best = i;
    }
    if (best == ORL_SIM_NO_ITEM) { /* every item already shown (steps counted repeats) */
        allow_shown = 1;
        best = 0;
        for (uint32_t i = 1; i < n; i++)
            if (scores[i] > scores[best]) best = i;
    }
    const double t = w->p.rollout_temperature;
    const double top = scores[best];
    if (t > 0 && isfinite(top)) {
        double z = 0;
        for (uint32_t i = 0; i < n; i++)
            if (allow_shown || !orl_sim_was_shown(st, i)) z += exp((scores[i] - top) / t);
        double u = orl_rng_uniform_double(rng) * z;
        for (uint32_t i = 0; i < n; i++) {
            if (!allow_shown && orl_sim_was_shown(st, i)) continue;
            double e = exp((scores[i] - top) / t);
            if (u < e) {
                best = i;
                break;
            }
            u -= e;
        }
    }
    *out_item = best;
    return ORL_OK;
}

int orl_sim_pick_scores(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                        orl_rng *rng, uint32_t *out_item)
{
    orl_sim_score_picker *sp = ctx;
    int rc = sp->fn(st->history_len ? st->history : NULL, st->history_len, sp->scores, w->n_items,
                    sp->user_data);
    if (rc != 0) return orl_fail(ORL_E_CANCELLED, "rollout: the policy callback returned %d", rc);
    return orl_sim_choose_from_scores(w, st, sp->scores, rng, out_item);
}

int orl_sim_pick_oracle(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                        orl_rng *rng, uint32_t *out_item)
{
    (void)rng;
    const orl_sim_oracle *o = ctx;
    const orl_sim_session *s = st->session;
    const float rc = w->p.reward_click, rp = w->p.reward_purchase;
    uint32_t best = 0;
    float best_v = -INFINITY;
    int allow_shown = s->steps >= w->n_items;
    for (uint32_t i = 0; i < w->n_items; i++) {
        if (!allow_shown && orl_sim_was_shown(st, i)) continue;
        orl_sim_response_probs pr;
        orl_sim_response_probs_of(w, s, i, &pr);
        float v = pr.p_click;
        if (o->kind == ORL_SIM_ORACLE_VALUE) {
            float gain = pr.p_click * orl_sim_next_sat(w, s, i, ORL_SIM_CLICK) +
                         (1 - pr.p_click) * orl_sim_next_sat(w, s, i, ORL_SIM_SKIP) - s->sat;
            v = pr.p_click * (rc + pr.p_purchase * rp) + o->sat_weight * gain;
        }
        if (v > best_v) {
            best_v = v;
            best = i;
        }
    }
    *out_item = best;
    return ORL_OK;
}
