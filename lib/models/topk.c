#include "models/topk.h"

#include <math.h>

/* Heap order: the root is the WORST kept entry (lowest score; among equal
 * scores the higher id). */
static int worse(float sa, int32_t ia, float sb, int32_t ib)
{
    return sa < sb || (sa == sb && ia > ib);
}

static void sift_down(float *s, int32_t *id, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && worse(s[l], id[l], s[m], id[m])) m = l;
        if (r < n && worse(s[r], id[r], s[m], id[m])) m = r;
        if (m == i) return;
        float ts = s[i];
        s[i] = s[m];
        s[m] = ts;
        int32_t ti = id[i];
        id[i] = id[m];
        id[m] = ti;
        i = m;
    }
}

void orl_topk(const float *scores, size_t n, size_t k, int32_t *out_ids, float *out_scores)
{
    /* The heap lives in the caller's output arrays; sorted at the end. */
    float *hs = out_scores;
    if (k == 0) return;
    size_t filled = 0;
    for (size_t j = 0; j < n; j++) {
        float v = scores[j];
        if (isnan(v)) v = -INFINITY;
        if (filled < k) {
            hs[filled] = v;
            out_ids[filled] = (int32_t)j;
            filled++;
            if (filled == k)
                for (size_t i = k / 2; i-- > 0;) sift_down(hs, out_ids, k, i);
        } else if (v > hs[0]) { /* equal scores never displace: ids ascend */
            hs[0] = v;
            out_ids[0] = (int32_t)j;
            sift_down(hs, out_ids, k, 0);
        }
    }
    /* Heap sort: repeatedly move the worst to the end -> best first. */
    for (size_t end = k; end > 1; end--) {
        float ts = hs[0];
        hs[0] = hs[end - 1];
        hs[end - 1] = ts;
        int32_t ti = out_ids[0];
        out_ids[0] = out_ids[end - 1];
        out_ids[end - 1] = ti;
        sift_down(hs, out_ids, end - 1, 0);
    }
}
