#include "eval/metrics.h"

#include <math.h>
#include <string.h>

#include "core/error.h"

const uint32_t orl_eval_ks[ORL_EVAL_NUM_K] = {5, 10, 20};

uint32_t orl_eval_rank(const float *scores, uint32_t n_items, uint32_t target)
{
    float t = scores[target];
    if (!isfinite(t)) return n_items;
    uint32_t rank = 0;
    for (uint32_t j = 0; j < n_items; j++) rank += scores[j] > t;
    return rank;
}

void orl_eval_accum_init(orl_eval_accum *acc)
{
    memset(acc, 0, sizeof *acc);
}

void orl_eval_accum_merge(orl_eval_accum *acc, const orl_eval_accum *other)
{
    for (int c = 0; c < ORL_EVAL_NUM_CLASSES; c++) {
        for (int r = 0; r < ORL_EVAL_MAX_K; r++) acc->rank_count[c][r] += other->rank_count[c][r];
        acc->steps[c] += other->steps[c];
        acc->nonfinite[c] += other->nonfinite[c];
    }
}

int orl_eval_accumulate(orl_eval_accum *acc, const float *scores, size_t batch, uint32_t n_items,
                        const int32_t *targets, const uint8_t *is_purchase)
{
    for (size_t i = 0; i < batch; i++)
        if (targets[i] < 0 || (uint32_t)targets[i] >= n_items)
            return orl_fail(ORL_E_OUT_OF_RANGE, "evaluation step %zu: item %d outside [0, %u)", i,
                            targets[i], n_items);
    for (size_t i = 0; i < batch; i++) {
        const float *row = scores + i * (size_t)n_items;
        int c = is_purchase[i] ? ORL_EVAL_PURCHASE : ORL_EVAL_CLICK;
        acc->steps[c]++;
        if (!isfinite(row[targets[i]])) {
            acc->nonfinite[c]++;
            continue;
        }
        uint32_t rank = orl_eval_rank(row, n_items, (uint32_t)targets[i]);
        if (rank < ORL_EVAL_MAX_K) acc->rank_count[c][rank]++;
    }
    return ORL_OK;
}

void orl_eval_finalize(const orl_eval_accum *acc, uint32_t n_items, orl_eval_metrics *out)
{
    memset(out, 0, sizeof *out);
    out->n_items = n_items;
    for (int c = 0; c < ORL_EVAL_NUM_CLASSES; c++) {
        out->count[c] = acc->steps[c];
        out->nonfinite[c] = acc->nonfinite[c];
        double denom = acc->steps[c] > 0 ? (double)acc->steps[c] : 1.0;
        for (int k = 0; k < ORL_EVAL_NUM_K; k++) {
            double hits = 0.0, gain = 0.0;
            for (uint32_t r = 0; r < orl_eval_ks[k]; r++) {
                hits += (double)acc->rank_count[c][r];
                gain += (double)acc->rank_count[c][r] / log2((double)r + 2.0);
            }
            out->hr[k][c] = hits / denom;
            out->ndcg[k][c] = gain / denom;
        }
    }
    for (int k = 0; k < ORL_EVAL_NUM_K; k++) out->ks[k] = orl_eval_ks[k];
}
