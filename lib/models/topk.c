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

void orl_topk_init(orl_topk_heap *h, size_t k, float *scores, int32_t *ids)
{
    h->s = scores;
    h->id = ids;
    h->k = k;
    h->filled = 0;
    h->min = -INFINITY;
}

void orl_topk_push_slow(orl_topk_heap *h, float v, int32_t id)
{
    if (isnan(v)) v = -INFINITY;
    if (h->filled < h->k) {
        h->s[h->filled] = v;
        h->id[h->filled] = id;
        if (++h->filled == h->k) {
            for (size_t i = h->k / 2; i-- > 0;) sift_down(h->s, h->id, h->k, i);
            h->min = h->s[0];
        }
    } else if (v > h->s[0]) {
        h->s[0] = v;
        h->id[0] = id;
        sift_down(h->s, h->id, h->k, 0);
        h->min = h->s[0];
    }
}

void orl_topk_finish(orl_topk_heap *h)
{
    size_t k = h->filled;
    if (k < h->k) /* fewer pushes than k: heapify what there is */
        for (size_t i = k / 2; i-- > 0;) sift_down(h->s, h->id, k, i);
    for (size_t end = k; end > 1; end--) {
        float ts = h->s[0];
        h->s[0] = h->s[end - 1];
        h->s[end - 1] = ts;
        int32_t ti = h->id[0];
        h->id[0] = h->id[end - 1];
        h->id[end - 1] = ti;
        sift_down(h->s, h->id, end - 1, 0);
    }
}

void orl_topk(const float *scores, size_t n, size_t k, int32_t *out_ids, float *out_scores)
{
    if (k == 0) return;
    orl_topk_heap h;
    orl_topk_init(&h, k, out_scores, out_ids);
    for (size_t j = 0; j < n; j++) orl_topk_push(&h, scores[j], (int32_t)j);
    orl_topk_finish(&h);
}
