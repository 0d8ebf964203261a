/* Scoring beyond one head: BCQ's constrained rule (Q over the items G allows,
 * the rest after them in G's order) and an ensemble's mean, lower and upper
 * confidence bounds with the heads' standard deviation. One history at a
 * time, over the whole catalogue; plain models never come here for speed,
 * but every model gives the same scores here as on its fast path. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "models/q_head.h"
#include "models/topk.h"
#include "nn/vmath.h"

int orl_model_scores_with_ensemble(const orl_model *m)
{
    return m->head == ORL_HEAD_Q && m->n_ensemble > 0;
}

int orl_model_scores_plainly(const orl_model *m)
{
    if (m->baseline) return 0; /* no net: orl_model_score_row */
    if (m->head == ORL_HEAD_CONSTRAINED) return 0;
    return !(orl_model_scores_with_ensemble(m) && m->score_rule != ORL_SCORE_MEAN);
}

size_t orl_model_ensemble_floats(const orl_model *m, uint32_t n_heads)
{
    return (size_t)n_heads * orl_model_head_floats(m);
}

int orl_model_set_ensemble(orl_model *m, uint32_t n_heads, const float *heads, size_t count)
{
    if (n_heads < 2 || n_heads > ORL_Q_ENSEMBLE_MAX)
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

/* Item i's score by the head (w [I x H], b [I]) for state h: orl_matvec of one
 * row, the same arithmetic as a full pass (its per-row sums do not depend on
 * the number of rows), so the fast paths below give the full row's bits. */
static float row_score(const float *w, const float *b, const float *h, size_t H, size_t i)
{
    float out;
    orl_matvec(&out, w + i * H, h, b + i, 1, H);
    return out;
}

/* The std over the ensemble's heads of item i: from each head's score `hs`
 * (stride I) when given, else computed. Population form (divided by K). */
static float ens_std(const orl_model *m, const float *h, size_t i, const float *hs)
{
    const size_t I = m->n_items, H = orl_model_state_dim(m), K = m->n_ensemble;
    const float *w = m->ensemble, *b = m->ensemble + K * I * H;
    float v[ORL_Q_ENSEMBLE_MAX];
    for (size_t k = 0; k < K; k++)
        v[k] = hs ? hs[k * I + i] : row_score(w + k * I * H, b + k * I, h, H, i);
    double mean = 0.0, var = 0.0;
    for (size_t k = 0; k < K; k++) mean += v[k];
    mean /= (double)K;
    for (size_t k = 0; k < K; k++) var += (v[k] - mean) * (v[k] - mean);
    return (float)sqrt(var / (double)K);
}

/* -1, 0 or +1: the multiple of kappa * std the rule adds to the mean. */
static float rule_sign(const orl_model *m)
{
    return m->score_rule == ORL_SCORE_LCB ? -1.0f : m->score_rule == ORL_SCORE_UCB ? 1.0f : 0.0f;
}

/* z [I] = G's scores in, the constrained scores out. Q (head qw [I x H], qb
 * [I] on state h) is computed for the allowed items only (few pass a
 * threshold): one catalogue pass in all. q [I], ids [I]: scratch. */
static void constrained(const orl_model *m, const float *qw, const float *qb, const float *h,
                        float *z, float *q, int32_t *ids)
{
    const size_t I = m->n_items, H = orl_model_state_dim(m);
    float zmax = -INFINITY;
    for (size_t i = 0; i < I; i++) zmax = z[i] > zmax ? z[i] : zmax;
    /* Allowed: G(a)/max G > threshold, i.e. z_a - max z > log(threshold)
     * (threshold 0: every item). */
    const float bar = m->bcq_threshold > 0.0f ? logf(m->bcq_threshold) : -INFINITY;
    float qmin = INFINITY;
    size_t n = 0;
    for (size_t i = 0; i < I; i++)
        if (z[i] - zmax > bar) {
            q[n] = row_score(qw, qb, h, H, i);
            qmin = q[n] < qmin ? q[n] : qmin;
            ids[n++] = (int32_t)i;
        }
    for (size_t i = 0; i < I; i++) {
        float d = z[i] - zmax;
        if (!(d > bar)) z[i] = qmin - 1.0f + d;
    }
    for (size_t j = 0; j < n; j++) z[ids[j]] = q[j];
}

/* scores [I]: the mean head's scores in, the rule's out; std [I] or NULL.
 * tmp [K x I]: each head's scores (one full pass per head). */
static void ensemble(const orl_model *m, const float *h, float *scores, float *std, float *tmp)
{
    const size_t I = m->n_items, H = orl_model_state_dim(m), K = m->n_ensemble;
    const float *w = m->ensemble, *b = m->ensemble + K * I * H;
    for (size_t k = 0; k < K; k++) orl_matvec(tmp + k * I, w + k * I * H, h, b + k * I, I, H);
    const float sign = rule_sign(m);
    for (size_t i = 0; i < I; i++) {
        float sd = ens_std(m, h, i, tmp);
        if (std) std[i] = sd;
        if (sign != 0.0f) scores[i] += sign * m->kappa * sd;
    }
}

/* h [H]: the encoded state of one history (the net's one-history path). */
static int encode(const orl_model *m, const int32_t *state, int32_t len, float *h)
{
    size_t bytes = orl_sl_net_scratch_bytes(m->net, 1);
    void *scratch = orl_aligned_alloc(bytes);
    if (!scratch) return orl_fail(ORL_E_NOMEM, "scoring: out of memory");
    int s = orl_sl_net_encode(m->net, state, &len, 1, scratch, bytes, h);
    orl_aligned_free(scratch);
    return s;
}

int orl_model_score_row(const orl_model *m, const int32_t *state, int32_t len, float *scores,
                        float *std)
{
    const int ens = orl_model_scores_with_ensemble(m);
    if (std && !ens)
        return orl_fail(ORL_E_STATE, "the model does not score with an ensemble of Q heads "
                                     "(train with rem or sqn_rem; orl_model_with_score_rule)");
    if (m->baseline) {
        orl_model_baseline_row(m, state, len, scores);
        return ORL_OK;
    }
    const size_t I = m->n_items, H = orl_model_state_dim(m);
    size_t tmp_floats = ens ? (size_t)m->n_ensemble * I : (m->head == ORL_HEAD_CONSTRAINED ? I : 0);
    float *h = orl_malloc(sizeof(float) * H);
    float *tmp = orl_malloc(sizeof(float) * (tmp_floats ? tmp_floats : 1));
    int s = h && tmp ? encode(m, state, len, h) : orl_fail(ORL_E_NOMEM, "scoring: out of memory");
    const orl_params *p = orl_sl_net_params_const(m->net);
    if (s == ORL_OK && m->head == ORL_HEAD_CONSTRAINED && m->g_net) {
        /* The host's G has its own network (z into scores); Q is the net's head, computed
         * for the allowed items only. */
        s = orl_model_generative_scores(m, state, len, scores);
    } else if (s == ORL_OK) {
        /* The active head's scores: the same orl_matvec as the fast top-K path. */
        orl_ce_head_scores(p, (int)I, (int)H, h, 1, scores);
    }
    if (s == ORL_OK && m->head == ORL_HEAD_CONSTRAINED) {
        /* G in scores; Q in other_head, or with the host's G in the net's head. */
        int32_t *ids = orl_malloc(sizeof(int32_t) * I);
        if (!ids)
            s = orl_fail(ORL_E_NOMEM, "scoring: out of memory");
        else if (m->g_net)
            constrained(m, orl_params_at(p, p->value, ORL_CE_HEAD_W),
                        orl_params_at(p, p->value, ORL_CE_HEAD_B), h, scores, tmp, ids);
        else
            constrained(m, m->other_head, m->other_head + I * H, h, scores, tmp, ids);
        orl_free(ids);
    } else if (s == ORL_OK && ens && (std || m->score_rule != ORL_SCORE_MEAN)) {
        ensemble(m, h, scores, std, tmp);
    }
    orl_free(h);
    orl_free(tmp);
    return s;
}

/* The active head's (or mean head's) score of item i. */
static float head_score(const orl_model *m, const float *h, size_t i)
{
    const orl_params *p = orl_sl_net_params_const(m->net);
    return row_score(orl_params_at(p, p->value, ORL_CE_HEAD_W),
                     orl_params_at(p, p->value, ORL_CE_HEAD_B), h, orl_model_state_dim(m), i);
}

int orl_model_score_items(const orl_model *m, const int32_t *state, int32_t len, const int32_t *ids,
                          size_t n, float *scores, float *std)
{
    const int ens = orl_model_scores_with_ensemble(m);
    if (std && !ens)
        return orl_fail(ORL_E_STATE, "the model does not score with an ensemble of Q heads");
    const size_t I = m->n_items, H = orl_model_state_dim(m);
    if (!ens) { /* the constrained rule needs the whole catalogue's G */
        float *all = orl_malloc(sizeof(float) * I);
        if (!all) return orl_fail(ORL_E_NOMEM, "scoring: out of memory");
        int s = orl_model_score_row(m, state, len, all, NULL);
        for (size_t j = 0; s == ORL_OK && j < n; j++) scores[j] = all[ids[j]];
        orl_free(all);
        return s;
    }
    /* An ensemble: each candidate on its own, K + 1 rows. */
    float *h = orl_malloc(sizeof(float) * H);
    if (!h) return orl_fail(ORL_E_NOMEM, "scoring: out of memory");
    int s = encode(m, state, len, h);
    const float sign = rule_sign(m);
    for (size_t j = 0; s == ORL_OK && j < n; j++) {
        float sd = ens_std(m, h, (size_t)ids[j], NULL);
        scores[j] = head_score(m, h, (size_t)ids[j]);
        if (sign != 0.0f) scores[j] += sign * m->kappa * sd;
        if (std) std[j] = sd;
    }
    orl_free(h);
    return s;
}

static int cmp_id(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Top-k by the lower bound without scoring every head over the catalogue:
 * mean - kappa std <= mean, so once the k-th best bound is above the next
 * item's mean no later item can enter. Items are visited by descending mean
 * (the best `reach` of them), then pushed in id order so that ties break by
 * the lower id as everywhere else. 0 = done, 1 = fall back to the full pass. */
static int lcb_topk_pruned(const orl_model *m, const float *h, const float *mean, uint32_t k,
                           int32_t *ids, float *scores, float *std)
{
    const size_t I = m->n_items;
    const size_t reach = (size_t)k * 8 + 64;
    if (reach + 1 >= I) return 1;
    float *ms = orl_malloc(sizeof(float) * (reach + 1));
    int32_t *order = orl_malloc(sizeof(int32_t) * (reach + 1));
    float *bar_s = orl_malloc(sizeof(float) * k), *lcb = orl_malloc(sizeof(float) * I);
    int32_t *bar_id = orl_malloc(sizeof(int32_t) * k);
    int done = 0;
    if (ms && order && bar_s && lcb && bar_id) {
        orl_topk_heap by_mean, bar;
        orl_topk_init(&by_mean, reach + 1, ms, order);
        for (size_t i = 0; i < I; i++) orl_topk_push(&by_mean, mean[i], (int32_t)i);
        orl_topk_finish(&by_mean); /* descending mean */
        orl_topk_init(&bar, k, bar_s, bar_id);
        size_t visited = 0;
        for (; visited < reach; visited++) {
            if (bar.filled == k && ms[visited] < bar.min) {
                done = 1;
                break;
            }
            size_t i = (size_t)order[visited];
            lcb[i] = mean[i] - m->kappa * ens_std(m, h, i, NULL);
            orl_topk_push(&bar, lcb[i], (int32_t)i);
        }
        /* Unvisited items have a mean <= ms[reach]: below the bar, or fall back. */
        if (!done) done = bar.filled == k && ms[reach] < bar.min;
        if (done) {
            qsort(order, visited, sizeof *order, cmp_id);
            orl_topk_heap best;
            orl_topk_init(&best, k, scores, ids);
            for (size_t j = 0; j < visited; j++) orl_topk_push(&best, lcb[order[j]], order[j]);
            orl_topk_finish(&best);
            for (uint32_t j = 0; std && j < k; j++) std[j] = ens_std(m, h, (size_t)ids[j], NULL);
        }
    }
    orl_free(ms);
    orl_free(order);
    orl_free(bar_s);
    orl_free(bar_id);
    orl_free(lcb);
    return !done;
}

int orl_model_rule_topk(const orl_model *m, const int32_t *state, int32_t len, uint32_t k,
                        int32_t *ids, float *scores, float *std)
{
    const int ens = orl_model_scores_with_ensemble(m);
    if (std && !ens)
        return orl_fail(ORL_E_STATE, "the model does not score with an ensemble of Q heads");
    const size_t I = m->n_items, H = m->baseline ? 1 : orl_model_state_dim(m);
    float *h = orl_malloc(sizeof(float) * H), *all = orl_malloc(sizeof(float) * I);
    if (m->baseline) { /* no state to encode: the full row */
        int s = h && all ? ORL_OK : orl_fail(ORL_E_NOMEM, "scoring: out of memory");
        if (s == ORL_OK) {
            orl_model_baseline_row(m, state, len, all);
            orl_topk_heap heap;
            orl_topk_init(&heap, k, scores, ids);
            for (size_t i = 0; i < I; i++) orl_topk_push(&heap, all[i], (int32_t)i);
            orl_topk_finish(&heap);
        }
        orl_free(h);
        orl_free(all);
        return s;
    }
    int s = h && all ? encode(m, state, len, h) : orl_fail(ORL_E_NOMEM, "scoring: out of memory");
    int full = 1;
    if (s == ORL_OK && ens && m->score_rule != ORL_SCORE_UCB) {
        orl_ce_head_scores(orl_sl_net_params_const(m->net), (int)I, (int)H, h, 1, all);
        if (m->score_rule == ORL_SCORE_MEAN) { /* the mean's top-k; std of those k only */
            orl_topk_heap heap;
            orl_topk_init(&heap, k, scores, ids);
            for (size_t i = 0; i < I; i++) orl_topk_push(&heap, all[i], (int32_t)i);
            orl_topk_finish(&heap);
            for (uint32_t j = 0; std && j < k; j++) std[j] = ens_std(m, h, (size_t)ids[j], NULL);
            full = 0;
        } else {
            full = lcb_topk_pruned(m, h, all, k, ids, scores, std);
        }
    }
    if (s == ORL_OK && full) {
        float *sd_all = std ? orl_malloc(sizeof(float) * I) : NULL;
        s = std && !sd_all ? orl_fail(ORL_E_NOMEM, "scoring: out of memory")
                           : orl_model_score_row(m, state, len, all, sd_all);
        if (s == ORL_OK) {
            orl_topk_heap heap;
            orl_topk_init(&heap, k, scores, ids);
            for (size_t i = 0; i < I; i++) orl_topk_push(&heap, all[i], (int32_t)i);
            orl_topk_finish(&heap);
            for (uint32_t j = 0; std && j < k; j++) std[j] = sd_all[ids[j]];
        }
        orl_free(sd_all);
    }
    orl_free(h);
    orl_free(all);
    return s;
}
