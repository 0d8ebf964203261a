/* Inclusion probabilities of shown items under a policy's slate: the K items
 * are a Plackett-Luce draw from the policy's single-draw probabilities and,
 * once the positive mass is used up (fewer than K items with p > 0), the
 * best-scoring items not yet placed: exactly what orl_sim_pick_policy does
 * in a rollout, so that an estimate and the simulator's truth are about one
 * policy. The draw's part is models/pl_inclusion.h's fast form. */
#include <math.h>
#include <string.h>

#include "api/ope_impl.h"
#include "core/alloc.h"
#include "models/pl_inclusion.h"

int ope_slate_work_init(ope_slate_work *w, uint32_t n)
{
    memset(w, 0, sizeof *w);
    w->n = n;
    w->p = orl_malloc(sizeof(double) * (n ? n : 1));
    w->big = orl_malloc(sizeof(double) * ((size_t)n + ORL_PL_MAX_K * ORL_PL_MAX_K));
    w->mark = orl_calloc(n ? n : 1, 1);
    if (w->p && w->big && w->mark) return ORL_OK;
    ope_slate_work_free(w);
    return orl_fail(ORL_E_NOMEM, "estimate value: out of memory for slate scratch");
}

void ope_slate_work_free(ope_slate_work *w)
{
    orl_free(w->p);
    orl_free(w->big);
    orl_free(w->mark);
    memset(w, 0, sizeof *w);
}

void ope_slate_inclusion(ope_slate_work *w, const float *probs, const float *scores, uint32_t n,
                         const int32_t *shown, uint32_t K, double *out)
{
    uint32_t positive = 0, listed[ORL_PL_MAX_K], m = 0;
    double z = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        double v = probs[i] > 0.0f ? (double)probs[i] : 0.0;
        w->p[i] = v;
        z += v;
        positive += v > 0.0;
    }
    if (positive >= K) {
        for (uint32_t i = 0; i < n; i++) w->p[i] /= z;
        for (uint32_t l = 0; l < K; l++)
            if (shown[l] >= 0) listed[m++] = (uint32_t)shown[l];
        double incl[ORL_PL_MAX_K];
        orl_pl_inclusion_fast(w->p, n, K, listed, m, ORL_PL_FAST_TAU, w->mark, w->big, incl, NULL);
        m = 0;
        for (uint32_t l = 0; l < K; l++) out[l] = shown[l] >= 0 ? incl[m++] : 0.0;
        return;
    }
    /* Every positive item, then the best-scoring others (ties: lower index),
     * as the rollout fills the slate: inclusion 1 or 0. */
    for (uint32_t i = 0; i < n; i++) w->mark[i] = w->p[i] > 0.0;
    for (uint32_t k = positive; k < K && k < n; k++) {
        uint32_t best = UINT32_MAX;
        for (uint32_t i = 0; i < n; i++)
            if (!w->mark[i] && (best == UINT32_MAX || scores[i] > scores[best])) best = i;
        w->mark[best] = 1;
    }
    for (uint32_t l = 0; l < K; l++) out[l] = shown[l] >= 0 && w->mark[shown[l]] ? 1.0 : 0.0;
    memset(w->mark, 0, n);
}
