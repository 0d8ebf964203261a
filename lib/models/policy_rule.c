/* The target policy rule: probabilities from scores (greedy, softmax in
 * double, epsilon over a deterministic top-K), one row or many. */
#include "models/policy_rule.h"

#include <math.h>
#include <stdint.h>

#include "core/error.h"

int orl_policy_rule_check(const orl_policy_rule *r)
{
    if (!r) return orl_fail(ORL_E_INVALID_ARGUMENT, "policy rule: 'rule' must not be NULL");
    if (r->struct_size < sizeof *r)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "policy rule: rule->struct_size = %zu is smaller than %zu; fill the rule "
                        "with orl_policy_rule_init()",
                        r->struct_size, sizeof *r);
    switch (r->kind) {
    case ORL_POLICY_GREEDY:
        return ORL_OK;
    case ORL_POLICY_SOFTMAX:
        if (!(isfinite(r->temperature) && r->temperature > 0))
            return orl_fail(ORL_E_OUT_OF_RANGE,
                            "policy rule: temperature = %g must be finite and > 0", r->temperature);
        return ORL_OK;
    case ORL_POLICY_EPSILON:
        if (!(r->epsilon >= 0 && r->epsilon <= 1))
            return orl_fail(ORL_E_OUT_OF_RANGE, "policy rule: epsilon = %g is outside [0, 1]",
                            r->epsilon);
        return ORL_OK;
    default:
        return orl_fail(ORL_E_OUT_OF_RANGE,
                        "policy rule: kind = %d is not a policy kind (0 greedy, 1 softmax, 2 "
                        "epsilon)",
                        (int)r->kind);
    }
}

int orl_policy_rule_check_items(const orl_policy_rule *r, size_t n)
{
    ORL_TRY(orl_policy_rule_check(r));
    if (n == 0) return orl_fail(ORL_E_OUT_OF_RANGE, "policy rule: the catalogue is empty");
    if (r->kind == ORL_POLICY_EPSILON && r->top_k > n)
        return orl_fail(ORL_E_OUT_OF_RANGE,
                        "policy rule: top_k = %u is above the catalogue size %zu (0 spreads "
                        "epsilon over the whole catalogue)",
                        r->top_k, n);
    return ORL_OK;
}

/* The top score's index (ties: the lowest index) after checking for NaN. */
static int argmax(const float *s, size_t n, size_t *out)
{
    size_t best = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(s[i])) return orl_fail(ORL_E_NUMERIC, "policy rule: item %zu has a NaN score", i);
        if (s[i] > s[best]) best = i;
    }
    *out = best;
    return ORL_OK;
}

static void softmax(double t, const float *s, size_t n, float top, float *out)
{
    if (isinf(top)) { /* every score -inf (all tie), or some +inf (they share the top) */
        size_t ties = 0;
        for (size_t i = 0; i < n; i++) ties += s[i] == top;
        for (size_t i = 0; i < n; i++) out[i] = s[i] == top ? (float)(1.0 / (double)ties) : 0.0f;
        return;
    }
    double z = 0;
    for (size_t i = 0; i < n; i++) z += exp(((double)s[i] - top) / t);
    for (size_t i = 0; i < n; i++) out[i] = (float)(exp(((double)s[i] - top) / t) / z);
}

static void swap_f(float *a, float *b)
{
    float t = *a;
    *a = *b;
    *b = t;
}

/* The k-th smallest (0-based) of a[n] (no NaN), reordering a: quickselect
 * with a median-of-three pivot and a three-way partition (ties are cheap). */
static float kth_smallest(float *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n;
    for (;;) {
        if (hi - lo == 1) return a[lo];
        float x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi - 1];
        float pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            if (a[i] < pivot)
                swap_f(&a[lt++], &a[i++]);
            else if (a[i] > pivot)
                swap_f(&a[i], &a[--gt]);
            else
                i++;
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return pivot;
    }
}

/* (1 - eps) on the top item and eps / K on each of the K best (ties: lower
 * index first). out serves as scratch for the K-th best score. */
static void epsilon_top_k(double eps, size_t k, const float *s, size_t n, size_t top, float *out)
{
    const float share = (float)(eps / (double)k);
    if (k == n) {
        for (size_t i = 0; i < n; i++) out[i] = share;
    } else {
        for (size_t i = 0; i < n; i++) out[i] = s[i];
        const float bar = kth_smallest(out, n, n - k); /* the K-th best score */
        size_t above = 0;
        for (size_t i = 0; i < n; i++) above += s[i] > bar;
        size_t ties_in = k - above; /* tied with the bar: the lowest indices get in */
        for (size_t i = 0; i < n; i++) {
            int in = s[i] > bar || (s[i] == bar && ties_in > 0);
            if (s[i] == bar && in) ties_in--;
            out[i] = in ? share : 0.0f;
        }
    }
    out[top] = (float)(1.0 - eps + eps / (double)k);
}

static int probs_row(const orl_policy_rule *r, const float *s, size_t n, float *out)
{
    size_t top = 0;
    ORL_TRY(argmax(s, n, &top));
    switch (r->kind) {
    case ORL_POLICY_SOFTMAX:
        softmax(r->temperature, s, n, s[top], out);
        break;
    case ORL_POLICY_EPSILON:
        epsilon_top_k(r->epsilon, r->top_k ? r->top_k : n, s, n, top, out);
        break;
    default: /* greedy */
        for (size_t i = 0; i < n; i++) out[i] = 0.0f;
        out[top] = 1.0f;
    }
    return ORL_OK;
}

int orl_policy_probs_from_scores(const orl_policy_rule *r, const float *scores, size_t n,
                                 float *out_probs)
{
    ORL_TRY(orl_policy_rule_check_items(r, n));
    if (!scores || !out_probs)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "policy rule: scores and out_probs must not be NULL");
    return probs_row(r, scores, n, out_probs);
}

int orl_policy_probs_rows(const orl_policy_rule *r, const float *scores, size_t rows, size_t n,
                          float *out_probs)
{
    return orl_policy_probs_rows_pool(r, scores, rows, n, NULL, out_probs);
}

enum { MAX_POOL_THREADS = 256 };

typedef struct rows_job {
    const orl_policy_rule *r;
    const float *scores;
    size_t n;
    float *out;
    size_t first_bad[MAX_POOL_THREADS]; /* per thread: its lowest failing row, or SIZE_MAX */
} rows_job;

static void rows_chunk(void *ctx, size_t begin, size_t end, int thread)
{
    rows_job *j = ctx;
    for (size_t row = begin; row < end; row++)
        if (probs_row(j->r, j->scores + row * j->n, j->n, j->out + row * j->n) != ORL_OK) {
            if (row < j->first_bad[thread]) j->first_bad[thread] = row;
        }
}

int orl_policy_probs_rows_pool(const orl_policy_rule *r, const float *scores, size_t rows, size_t n,
                               orl_pool *pool, float *out_probs)
{
    ORL_TRY(orl_policy_rule_check_items(r, n));
    if (rows == 0) return ORL_OK;
    if (!scores || !out_probs)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "policy rule: scores and out_probs must not be NULL");
    if (rows > SIZE_MAX / n)
        return orl_fail(ORL_E_OUT_OF_RANGE, "policy rule: %zu rows of %zu items overflow", rows, n);
    if (!pool) {
        for (size_t row = 0; row < rows; row++)
            ORL_TRY(probs_row(r, scores + row * n, n, out_probs + row * n));
        return ORL_OK;
    }
    rows_job j = {r, scores, n, out_probs, {0}};
    for (int t = 0; t < MAX_POOL_THREADS; t++) j.first_bad[t] = SIZE_MAX;
    orl_pool_parallel_for(pool, rows, rows_chunk, &j);
    size_t bad = SIZE_MAX;
    for (int t = 0; t < MAX_POOL_THREADS; t++) bad = j.first_bad[t] < bad ? j.first_bad[t] : bad;
    /* Workers' messages stay on their threads: the failing row again, here. */
    if (bad != SIZE_MAX) return probs_row(r, scores + bad * n, n, out_probs + bad * n);
    return ORL_OK;
}

size_t orl_policy_draw(const float *p, size_t n, double u)
{
    double total = 0;
    size_t last = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] > 0) {
            total += p[i];
            last = i;
        }
    double x = u * total;
    for (size_t i = 0; i < n; i++) {
        if (!(p[i] > 0)) continue;
        if (x < p[i]) return i;
        x -= p[i];
    }
    return last; /* rounding left x at the end */
}
