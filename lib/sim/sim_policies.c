/* Pickers: the logging, random and popularity baselines, host scores, and
 * the oracles that see the hidden user state. */
#include <math.h>

#include "core/error.h"
#include "sim/sim_rollout.h"
#include "sim/sim_slate.h"

/* The K best items by v (ties to the lowest key): first among the items not
 * shown this session (all items when allow_shown), then, if fewer than K
 * are, the best of the shown ones. O(n_items K). */
static void top_k(const orl_sim_world *w, const orl_sim_pick_state *st, const float *v,
                  int allow_shown, uint32_t K, uint32_t *out)
{
    uint32_t got = 0;
    for (int pass = 0; pass < 2 && got < K; pass++) {
        const uint32_t base = got;
        for (uint32_t i = 0; i < w->n_items; i++) {
            int shown = !allow_shown && orl_sim_was_shown(st, i);
            if (shown != pass) continue; /* pass 0: allowed items, pass 1: the shown rest */
            if (got - base == K - base && !(v[i] > v[out[K - 1]])) continue;
            uint32_t j = got - base < K - base ? got++ : K - 1; /* slot to fill */
            while (j > base && v[i] > v[out[j - 1]]) {
                out[j] = out[j - 1];
                j--;
            }
            out[j] = i;
        }
    }
}

int orl_sim_pick_logging(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                         orl_rng *rng, uint32_t *out_item)
{
    (void)ctx;
    const uint32_t K = w->p.slate_size;
    if (K == 1) {
        double prob;
        *out_item = orl_sim_log_sample(w, st->logctx, rng, &prob);
        return ORL_OK;
    }
    double beta[ORL_SIM_MAX_SLATE];
    orl_sim_log_probs_all(w, st->logctx, st->scratch);
    orl_sim_pl_sample(st->scratch, w->n_items, K, rng, out_item, beta);
    return ORL_OK;
}

int orl_sim_pick_random(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                        orl_rng *rng, uint32_t *out_item)
{
    (void)ctx;
    (void)st;
    const uint32_t K = w->p.slate_size;
    for (uint32_t k = 0; k < K; k++) { /* K distinct: redraw a repeat */
        uint32_t i;
        int again;
        do {
            i = orl_rng_below(rng, w->n_items);
            again = 0;
            for (uint32_t j = 0; j < k; j++) again |= out_item[j] == i;
        } while (again);
        out_item[k] = i;
    }
    return ORL_OK;
}

int orl_sim_pick_popularity(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                            orl_rng *rng, uint32_t *out_item)
{
    (void)ctx;
    (void)rng;
    const uint32_t K = w->p.slate_size;
    if (K == 1) {
        *out_item = w->pop_order[0]; /* every item shown: start over */
        for (uint32_t k = 0; k < w->n_items; k++)
            if (!orl_sim_was_shown(st, w->pop_order[k])) {
                *out_item = w->pop_order[k];
                break;
            }
        return ORL_OK;
    }
    uint32_t got = 0; /* the most popular not shown, then the most popular shown */
    for (int pass = 0; pass < 2 && got < K; pass++)
        for (uint32_t k = 0; k < w->n_items && got < K; k++)
            if (orl_sim_was_shown(st, w->pop_order[k]) == pass) out_item[got++] = w->pop_order[k];
    return ORL_OK;
}

/* Slates: the K best allowed items, or a Plackett-Luce draw from the
 * softmax of the scores over the allowed items (then the shown rest). */
static int choose_slate(const orl_sim_world *w, const orl_sim_pick_state *st, const float *scores,
                        orl_rng *rng, uint32_t *out)
{
    const uint32_t n = w->n_items, K = w->p.slate_size;
    for (uint32_t i = 0; i < n; i++)
        if (isnan(scores[i]))
            return orl_fail(ORL_E_NUMERIC, "rollout: the policy gave item %u a NaN score",
                            (unsigned)i);
    const int allow_shown = w->p.rollout_repeat;
    top_k(w, st, scores, allow_shown, K, out);
    const double t = w->p.rollout_temperature;
    const double top = scores[out[0]];
    if (!(t > 0 && isfinite(top))) return ORL_OK;
    /* Allowed set: the items top_k drew from (not shown, unless too few). */
    uint32_t n_allowed = 0;
    for (uint32_t i = 0; i < n; i++) n_allowed += allow_shown || !orl_sim_was_shown(st, i);
    const int use_all = n_allowed < K;
    double *e = st->scratch; /* exp((s - top) / t), 0 for items not allowed */
    double z = 0;
    for (uint32_t i = 0; i < n; i++) {
        int ok = use_all || allow_shown || !orl_sim_was_shown(st, i);
        z += (e[i] = ok ? exp((scores[i] - top) / t) : 0.0);
    }
    for (uint32_t k = 0; k < K; k++) {
        double u = orl_rng_uniform_double(rng) * z;
        uint32_t pick = UINT32_MAX, last = UINT32_MAX;
        for (uint32_t i = 0; i < n; i++) {
            if (e[i] <= 0) continue;
            last = i;
            if (u < e[i]) {
                pick = i;
                break;
            }
            u -= e[i];
        }
        if (pick == UINT32_MAX) pick = last;
        out[k] = pick;
        z -= e[pick];
        e[pick] = 0;
        if (!(z > 0)) { /* rounding or underflow: recount what is left */
            z = 0;
            for (uint32_t i = 0; i < n; i++) z += e[i];
            if (!(z > 0)) { /* every weight left underflowed: the best remaining in order */
                for (uint32_t i = 0; i < n; i++) {
                    int taken = 0;
                    for (uint32_t j = 0; j <= k; j++) taken |= out[j] == i;
                    e[i] = taken || !(use_all || allow_shown || !orl_sim_was_shown(st, i))
                               ? 0.0
                               : exp((scores[i] - top) / t) + 1e-300;
                    z += e[i];
                }
            }
        }
    }
    return ORL_OK;
}

int orl_sim_choose_from_scores(const orl_sim_world *w, const orl_sim_pick_state *st,
                               const float *scores, orl_rng *rng, uint32_t *out_item)
{
    if (w->p.slate_size > 1) return choose_slate(w, st, scores, rng, out_item);
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
    const uint32_t K = w->p.slate_size;
    uint32_t best = 0;
    float best_v = -INFINITY;
    int allow_shown = s->steps >= w->n_items;
    float *values = K > 1 ? (float *)st->scratch : NULL; /* n floats fit in n doubles */
    for (uint32_t i = 0; i < w->n_items; i++) {
        if (K == 1 && !allow_shown && orl_sim_was_shown(st, i)) continue;
        orl_sim_response_probs pr;
        orl_sim_response_probs_of(w, s, i, &pr);
        float v = pr.p_click;
        if (o->kind == ORL_SIM_ORACLE_VALUE) {
            float gain = pr.p_click * orl_sim_next_sat(w, s, i, ORL_SIM_CLICK) +
                         (1 - pr.p_click) * orl_sim_next_sat(w, s, i, ORL_SIM_SKIP) - s->sat;
            v = pr.p_click * (rc + pr.p_purchase * rp) + o->sat_weight * gain;
        }
        if (values) {
            values[i] = v;
            continue;
        }
        if (v > best_v) {
            best_v = v;
            best = i;
        }
    }
    if (values) {
        top_k(w, st, values, 0, K, out_item);
        return ORL_OK;
    }
    *out_item = best;
    return ORL_OK;
}
