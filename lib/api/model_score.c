/* Scoring beyond one head: BCQ's constrained rule (Q over the items G allows,
 * the rest after them in G's order) and an ensemble's mean, lower and upper
 * confidence bounds with the heads' standard deviation. One history at a
 * time, over the whole catalogue; plain models never come here for speed,
 * but every model gives the same scores here as on its fast path. */
#include <math.h>
#include <string.h>

#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "nn/vmath.h"

int orl_model_scores_with_ensemble(const orl_model *m)
{
    return m->head == ORL_HEAD_Q && m->n_ensemble > 0;
}

int orl_model_scores_plainly(const orl_model *m)
{
    if (m->head == ORL_HEAD_CONSTRAINED) return 0;
    return !(orl_model_scores_with_ensemble(m) && m->score_rule != ORL_SCORE_MEAN);
}

size_t orl_model_ensemble_floats(const orl_model *m, uint32_t n_heads)
{
    return (size_t)n_heads * orl_model_head_floats(m);
}

int orl_model_set_ensemble(orl_model *m, uint32_t n_heads, const float *heads, size_t count)
{
    if (n_heads < 2 || n_heads > 32)
        return orl_fail(ORL_E_FORMAT, "model: an ensemble of %u heads (2..32 expected)", n_heads);
    if (count != orl_model_ensemble_floats(m, n_heads))
        return orl_fail(ORL_E_FORMAT, "model: the ensemble has %zu values, expected %zu", count,
                        orl_model_ensemble_floats(m, n_heads));
    m->ensemble = orl_malloc(sizeof(float) * count);
    if (!m->ensemble) return orl_fail(ORL_E_NOMEM, "model: out of memory");
    memcpy(m->ensemble, heads, sizeof(float) * count);
    m->n_ensemble = n_heads;
    return ORL_OK;
}

/* z [I] = G's scores in, the constrained scores out; q [I] = Q's scores. */
static void constrained(float *z, const float *q, size_t I, float threshold)
{
    float zmax = -INFINITY;
    for (size_t i = 0; i < I; i++) zmax = z[i] > zmax ? z[i] : zmax;
    /* Allowed: G(a)/max G > threshold, i.e. z_a - max z > log(threshold)
     * (threshold 0: every item). */
    const float bar = threshold > 0.0f ? logf(threshold) : -INFINITY;
    float qmin = INFINITY;
    for (size_t i = 0; i < I; i++)
        if (z[i] - zmax > bar && q[i] < qmin) qmin = q[i];
    for (size_t i = 0; i < I; i++) {
        float d = z[i] - zmax;
        z[i] = d > bar ? q[i] : qmin - 1.0f + d;
    }
}

/* scores [I]: the mean head's scores in, the rule's out; std [I] or NULL.
 * tmp [K x I]: each head's scores. */
static void ensemble(const orl_model *m, const float *h, float *scores, float *std, float *tmp)
{
    const size_t I = m->n_items, H = orl_model_state_dim(m), K = m->n_ensemble;
    const float *w = m->ensemble, *b = m->ensemble + K * I * H;
    for (size_t k = 0; k < K; k++) orl_matvec(tmp + k * I, w + k * I * H, h, b + k * I, I, H);
    const float sign = m->score_rule == ORL_SCORE_LCB   ? -1.0f
                       : m->score_rule == ORL_SCORE_UCB ? 1.0f
                                                        : 0.0f;
    for (size_t i = 0; i < I; i++) {
        double mean = 0.0, var = 0.0;
        for (size_t k = 0; k < K; k++) mean += tmp[k * I + i];
        mean /= (double)K;
        for (size_t k = 0; k < K; k++) {
            double d = tmp[k * I + i] - mean;
            var += d * d;
        }
        float sd = (float)sqrt(var / (double)K);
        if (std) std[i] = sd;
        if (sign != 0.0f) scores[i] += sign * m->kappa * sd;
    }
}

int orl_model_score_row(const orl_model *m, const int32_t *state, int32_t len, float *scores,
                        float *std)
{
    const int ens = orl_model_scores_with_ensemble(m);
    if (std && !ens)
        return orl_fail(ORL_E_STATE, "the model does not score with an ensemble of Q heads "
                                     "(train with rem or sqn_rem; orl_model_with_score_rule)");
    const size_t I = m->n_items, H = orl_model_state_dim(m);
    size_t tmp_floats = ens ? (size_t)m->n_ensemble * I : (m->head == ORL_HEAD_CONSTRAINED ? I : 0);
    size_t bytes = orl_sl_net_scratch_bytes(m->net, 1);
    void *scratch = orl_aligned_alloc(bytes);
    float *h = orl_malloc(sizeof(float) * H);
    float *tmp = orl_malloc(sizeof(float) * (tmp_floats ? tmp_floats : 1));
    int s = ORL_OK;
    if (!scratch || !h || !tmp) s = orl_fail(ORL_E_NOMEM, "scoring: out of memory");
    if (s == ORL_OK) s = orl_sl_net_encode(m->net, state, &len, 1, scratch, bytes, h);
    if (s == ORL_OK) {
        /* The active head's scores: the same orl_matvec as the fast top-K path. */
        const orl_params *p = orl_sl_net_params_const(m->net);
        orl_ce_head_scores(p, (int)I, (int)H, h, 1, scores);
        if (m->head == ORL_HEAD_CONSTRAINED && m->g_net) {
            /* The net is Q; G has its own encoder and head. */
            s = orl_model_generative_scores(m, state, len, tmp);
            if (s == ORL_OK) {
                constrained(tmp, scores, I, m->bcq_threshold);
                memcpy(scores, tmp, sizeof(float) * I);
            }
        } else if (m->head == ORL_HEAD_CONSTRAINED) {
            orl_matvec(tmp, m->other_head, h, m->other_head + I * H, I, H);
            constrained(scores, tmp, I, m->bcq_threshold);
        } else if (ens && (std || m->score_rule != ORL_SCORE_MEAN)) {
            ensemble(m, h, scores, std, tmp);
        }
    }
    orl_aligned_free(scratch);
    orl_free(h);
    orl_free(tmp);
    return s;
}
