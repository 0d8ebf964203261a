/* One user's session: relevance, click / purchase / leave probabilities and
 * the satisfaction and interest dynamics. */
#include <math.h>
#include <string.h>

#include "sim/sim.h"

static inline float sigmoid(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

void orl_sim_session_start(const orl_sim_world *w, orl_sim_session *s, uint32_t user)
{
    memset(s, 0, sizeof *s);
    s->user = user;
    s->last_click = ORL_SIM_NO_ITEM;
    s->last_shown_cluster = ORL_SIM_NO_ITEM;
    memcpy(s->interest, w->user_taste + (size_t)user * w->dim, w->dim * sizeof(float));
}

static int is_successor(const orl_sim_world *w, uint32_t of, uint32_t item)
{
    if (of == ORL_SIM_NO_ITEM) return 0;
    const uint32_t *sc = w->succ + (size_t)of * ORL_SIM_N_SUCC;
    return sc[0] == item || sc[1] == item || sc[2] == item;
}

static inline float click_logit(const orl_sim_world *w, const orl_sim_session *s, uint32_t item,
                                float *out_rel)
{
    const orl_sim_params *p = &w->p;
    const float *v = w->item_vec + (size_t)item * w->dim;
    float rel = 0;
    for (uint32_t k = 0; k < w->dim; k++) rel += s->interest[k] * v[k];
    float zc = p->click_bias + p->click_relevance * rel + p->click_appeal * w->item_appeal[item] +
               p->click_satisfaction * s->sat;
    if (is_successor(w, s->last_click, item)) zc += p->click_successor;
    *out_rel = rel;
    return zc;
}

float orl_sim_click_logit(const orl_sim_world *w, const orl_sim_session *s, uint32_t item)
{
    float rel;
    return click_logit(w, s, item, &rel);
}

void orl_sim_response_probs_of(const orl_sim_world *w, const orl_sim_session *s, uint32_t item,
                               orl_sim_response_probs *out)
{
    const orl_sim_params *p = &w->p;
    float rel;
    float zc = click_logit(w, s, item, &rel);
    float zp = p->purchase_bias + p->purchase_quality * w->item_quality[item] +
               p->purchase_satisfaction * s->sat;
    out->relevance = rel;
    out->p_click = sigmoid(zc);
    out->p_purchase = sigmoid(zp);
}

float orl_sim_next_sat(const orl_sim_world *w, const orl_sim_session *s, uint32_t item,
                       int response)
{
    const orl_sim_params *p = &w->p;
    uint32_t c = w->item_cluster[item];
    float variety = (s->last_shown_cluster == ORL_SIM_NO_ITEM || c == s->last_shown_cluster)
                        ? (s->last_shown_cluster == ORL_SIM_NO_ITEM ? 0.0f : -1.0f)
                        : 1.0f;
    float next = p->sat_decay * s->sat + p->sat_variety * variety;
    if (response != ORL_SIM_SKIP) next += p->sat_quality * w->item_quality[item];
    /* Keep it bounded whatever the coefficients, so logits stay finite. */
    return fminf(fmaxf(next, -50.0f), 50.0f);
}

float orl_sim_reward_of(const orl_sim_world *w, int response)
{
    return response == ORL_SIM_PURCHASE ? w->p.reward_purchase
           : response == ORL_SIM_CLICK  ? w->p.reward_click
                                        : 0.0f;
}

int orl_sim_step(const orl_sim_world *w, orl_sim_session *s, uint32_t item, orl_rng *rng,
                 int *out_leaves)
{
    float u_click = orl_rng_uniform(rng), u_buy = orl_rng_uniform(rng);
    float u_leave = orl_rng_uniform(rng);
    orl_sim_response_probs pr;
    orl_sim_response_probs_of(w, s, item, &pr);
    int response = ORL_SIM_SKIP;
    if (u_click < pr.p_click) response = u_buy < pr.p_purchase ? ORL_SIM_PURCHASE : ORL_SIM_CLICK;
    orl_sim_apply_response(w, s, item, response, u_leave, out_leaves);
    return response;
}

void orl_sim_apply_response(const orl_sim_world *w, orl_sim_session *s, uint32_t item, int response,
                            float u_leave, int *out_leaves)
{
    const orl_sim_params *p = &w->p;
    s->sat = orl_sim_next_sat(w, s, item, response);
    s->last_shown_cluster = w->item_cluster[item];
    s->steps++;
    if (response != ORL_SIM_SKIP) {
        const float *v = w->item_vec + (size_t)item * w->dim;
        const float a = p->interest_drift;
        for (uint32_t k = 0; k < w->dim; k++) s->interest[k] += a * (v[k] - s->interest[k]);
        s->last_click = item;
    }
    float zl = (float)w->leave_logit - p->leave_satisfaction * s->sat;
    if (response == ORL_SIM_SKIP) zl += p->leave_skip;
    *out_leaves = s->steps >= p->max_steps || (s->steps >= p->min_steps && u_leave < sigmoid(zl));
}
