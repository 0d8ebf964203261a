/* pi(.|s) of a model under a policy rule for rows of a batch of transitions
 * (their states or their next states): the model's full score rows through
 * orl_policy_probs_rows; for greedy and epsilon rules, the model's top items
 * alone (the batch top-K path, with its half-precision screen where the model
 * has one; ids and scores bit-identical to the full pass); for softmax rules
 * once fused (ope_scorer_fuse), no rows at all: each row's online softmax
 * sums, folded from the net's score chunks while they are in cache. */
#include <math.h>
#include <string.h>

#include "api/model_impl.h"
#include "api/ope_impl.h"
#include "core/alloc.h"
#include "models/sl_net.h"
#include "nn/softmax_stats.h"
#include "nn/vmath.h"

uint32_t ope_sparse_top(const orl_policy_rule *r, uint32_t n_items)
{
    uint32_t top = 0;
    if (r->kind == ORL_POLICY_GREEDY) top = 1;
    if (r->kind == ORL_POLICY_EPSILON) top = r->top_k && r->epsilon > 0 ? r->top_k : 1;
    return top <= 4096 && top <= n_items ? top : 0;
}

int ope_scorer_init(ope_scorer *s, const orl_model *m, const int32_t *to_model, uint32_t ds_items,
                    const orl_policy_rule *rule, uint32_t top)
{
    memset(s, 0, sizeof *s);
    s->m = m;
    s->to_model = to_model;
    s->ds_items = ds_items;
    s->rule = *rule;
    s->top = top;
    const size_t I = m->n_items, T = m->encoder.window;
    s->states = orl_malloc(sizeof(int32_t) * OPE_BLOCK * (T + 1));
    s->lens = s->states ? s->states + OPE_BLOCK * T : NULL;
    if (top) {
        s->top_ids = orl_malloc(sizeof(int32_t) * OPE_BLOCK * top);
        s->top_scores = orl_malloc(sizeof(float) * OPE_BLOCK * top);
    } else {
        s->scores = orl_malloc(sizeof(float) * OPE_BLOCK * I);
        s->probs = orl_malloc(sizeof(float) * OPE_BLOCK * I);
    }
    /* A baseline has no network (it scores row by row, no scratch). */
    s->scratch_bytes = m->net ? orl_sl_net_scratch_bytes(m->net, OPE_BLOCK) : 0;
    s->scratch = m->net ? orl_aligned_alloc(s->scratch_bytes) : NULL;
    int ok = s->states && (s->scratch || !m->net) &&
             (top ? s->top_ids && s->top_scores : s->scores && s->probs);
    if (ok) return ORL_OK;
    ope_scorer_free(s);
    return orl_fail(ORL_E_NOMEM, "estimate value: out of memory for scoring scratch");
}

int ope_scorer_fuse(ope_scorer *s, const float *fuse_q)
{
    const orl_model *m = s->m;
    if (s->rule.kind != ORL_POLICY_SOFTMAX || s->top || !m->net || !orl_model_scores_plainly(m))
        return ORL_OK;
    size_t H = (size_t)orl_sl_net_state_dim(m->net);
    s->hidden = orl_malloc(sizeof(float) * OPE_BLOCK * (H + 1));
    s->fuse_sum = orl_malloc(sizeof(double) * OPE_BLOCK * 2);
    if (!s->hidden || !s->fuse_sum)
        return orl_fail(ORL_E_NOMEM, "estimate value: out of memory for scoring scratch");
    s->fuse_max = s->hidden + OPE_BLOCK * H;
    s->fuse_sumq = s->fuse_sum + OPE_BLOCK;
    /* The probability rows serve only blocks the sums do not define. */
    orl_free(s->scores);
    orl_free(s->probs);
    s->scores = s->probs = NULL;
    s->fuse_q = fuse_q;
    s->fused = 1;
    return ORL_OK;
}

void ope_scorer_free(ope_scorer *s)
{
    orl_free(s->hidden);
    orl_free(s->fuse_sum);
    orl_free(s->states);
    orl_free(s->top_ids);
    orl_free(s->top_scores);
    orl_free(s->scores);
    orl_free(s->probs);
    orl_aligned_free(s->scratch);
    memset(s, 0, sizeof *s);
}

/* Dataset states -> the last `window` items known to the model (left-aligned,
 * padded with its pad id). */
static void translate(ope_scorer *s, const orl_batch *b, size_t r0, size_t nb, int use_next)
{
    const orl_model *m = s->m;
    const uint32_t T = m->encoder.window, W = b->window;
    const int32_t *st = use_next ? b->next_states : b->states;
    const int32_t *ln = use_next ? b->next_len : b->state_len;
    for (size_t r = 0; r < nb; r++) {
        int32_t tmp[1024];
        uint32_t n = 0;
        for (int32_t j = 0; j < ln[r0 + r] && j < 1024; j++) {
            int32_t id = st[(r0 + r) * W + (size_t)j];
            if (id < 0 || (uint32_t)id >= s->ds_items) continue; /* padding */
            int32_t mid = s->to_model[id];
            if (mid >= 0) tmp[n++] = mid;
        }
        uint32_t first = n > T ? n - T : 0;
        for (uint32_t k = 0; k < T; k++)
            s->states[r * T + k] = first + k < n ? tmp[first + k] : (int32_t)m->n_items;
        s->lens[r] = n - first ? (int32_t)(n - first) : 1;
    }
}

/* Full score rows [nb x I] as the one-history calls score them. */
static int score_rows(ope_scorer *s, size_t nb)
{
    const orl_model *m = s->m;
    if (orl_model_scores_plainly(m))
        return orl_sl_net_scores(m->net, s->states, s->lens, (int)nb, s->scratch, s->scratch_bytes,
                                 s->scores);
    int st = ORL_OK;
    for (size_t i = 0; st == ORL_OK && i < nb; i++)
        st = orl_model_score_row(m, s->states + i * m->encoder.window, s->lens[i],
                                 s->scores + i * m->n_items, NULL);
    return st;
}

/* The model's top `top` items (best first, ties by lower id) of each row. */
static int top_items(ope_scorer *s, size_t nb)
{
    const orl_model *m = s->m;
    const uint32_t k = s->top;
    if (orl_model_scores_plainly(m))
        return orl_sl_net_topk(m->net, s->states, s->lens, (int)nb, (int)k, s->scratch,
                               s->scratch_bytes, s->top_ids, s->top_scores);
    int st = ORL_OK;
    for (size_t r = 0; st == ORL_OK && r < nb; r++)
        st = orl_model_rule_topk(m, s->states + r * m->encoder.window, s->lens[r], k,
                                 s->top_ids + r * k, s->top_scores + r * k, NULL);
    return st;
}

/* softmax(scores / T) with the vectorised exp of nn/vmath.h (about 5e-6
 * relative to the double-precision rule, far below any estimator's error and
 * ten times faster over a large catalogue); rows with an infinite or NaN
 * score go through the rule itself, which defines those cases. */
static int fast_softmax_rows(ope_scorer *s, size_t nb)
{
    const size_t I = s->m->n_items;
    const float inv_t = (float)(1.0 / s->rule.temperature);
    for (size_t r = 0; r < nb; r++) {
        const float *z = s->scores + r * I;
        float *p = s->probs + r * I;
        float top = orl_vec_max_bias(z, NULL, I);
        int finite = isfinite(top);
        for (size_t i = 0; finite && i < I; i++) finite = !isnan(z[i]);
        if (!finite || !isfinite(top * inv_t)) {
            ORL_TRY(orl_policy_probs_from_scores(&s->rule, z, I, p));
            continue;
        }
        for (size_t i = 0; i < I; i++) p[i] = z[i] * inv_t;
        float shift = top * inv_t, sum = orl_vec_sumexp_bias(p, NULL, I, shift);
        orl_vec_exp_bias_scale(p, NULL, I, shift, 1.0f / sum);
    }
    return ORL_OK;
}

typedef struct fuse_ctx {
    orl_softmax_stats st;
    const float *q;
    double seconds; /* in the sums (the policy's share of the time) */
} fuse_ctx;

static void fold_chunk(void *ctx, int row0, int m, size_t item0, size_t items, const float *z,
                       size_t ldz)
{
    (void)row0;
    (void)m;
    fuse_ctx *c = ctx;
    double t0 = ope_now();
    orl_softmax_stats_add(&c->st, z, ldz, items, c->q ? c->q + item0 : NULL);
    c->seconds += ope_now() - t0;
}

/* The softmax sums of the block's rows, the scores folded chunk by chunk as
 * the net computes them; 0 in *defined when some row needs the rule. */
static int fused_rows(ope_scorer *s, size_t nb, int *defined, double *t_policy)
{
    fuse_ctx c;
    c.q = s->fuse_q;
    c.seconds = 0.0;
    orl_softmax_stats_init(&c.st, (int)nb, (float)(1.0 / s->rule.temperature));
    ORL_TRY(orl_sl_net_scores_chunked(s->m->net, s->states, s->lens, (int)nb, s->scratch,
                                      s->scratch_bytes, s->hidden, fold_chunk, &c));
    *t_policy += c.seconds;
    *defined = 1;
    for (size_t r = 0; r < nb; r++) {
        *defined &= orl_softmax_stats_defined(&c.st, (int)r) && c.st.sum[r] > 0.0;
        s->fuse_max[r] = c.st.max[r];
        s->fuse_sum[r] = c.st.sum[r];
        s->fuse_sumq[r] = c.st.sumq[r];
    }
    return ORL_OK;
}

int ope_scorer_run(ope_scorer *s, const orl_batch *b, size_t r0, size_t nb, int use_next,
                   double *t_scoring, double *t_policy)
{
    double t0 = ope_now();
    translate(s, b, r0, nb, use_next);
    s->rows_block = 0;
    if (s->fused) {
        int defined = 0;
        double t_sums = 0.0;
        ORL_TRY(fused_rows(s, nb, &defined, &t_sums));
        *t_scoring += ope_now() - t0 - t_sums;
        *t_policy += t_sums;
        if (defined) return ORL_OK;
        /* An infinite or NaN score: the block through the rows and the rule. */
        const size_t I = s->m->n_items;
        if (!s->scores) s->scores = orl_malloc(sizeof(float) * OPE_BLOCK * I);
        if (!s->probs) s->probs = orl_malloc(sizeof(float) * OPE_BLOCK * I);
        if (!s->scores || !s->probs)
            return orl_fail(ORL_E_NOMEM, "estimate value: out of memory for score rows");
        s->rows_block = 1;
        t0 = ope_now();
    }
    if (s->top) {
        ORL_TRY(top_items(s, nb));
        *t_scoring += ope_now() - t0;
        return ORL_OK;
    }
    ORL_TRY(score_rows(s, nb));
    double t1 = ope_now();
    if (s->rule.kind == ORL_POLICY_SOFTMAX)
        ORL_TRY(fast_softmax_rows(s, nb));
    else
        ORL_TRY(orl_policy_probs_rows(&s->rule, s->scores, nb, s->m->n_items, s->probs));
    *t_scoring += t1 - t0;
    *t_policy += ope_now() - t1;
    return ORL_OK;
}

double ope_dot(const float *p, const float *q, size_t n)
{
    /* 16 float lanes per block of 1024 (vectorised), each block's sum added in double. */
    double total = 0.0;
    for (size_t b = 0; b < n; b += 1024) {
        size_t e = n - b < 1024 ? n : b + 1024;
        float acc[16] = {0};
        size_t i = b;
        for (; i + 16 <= e; i += 16)
            for (int j = 0; j < 16; j++) acc[j] += p[i + (size_t)j] * q[i + (size_t)j];
        double sum = 0.0;
        for (int j = 0; j < 16; j++) sum += acc[j];
        for (; i < e; i++) sum += (double)p[i] * (double)q[i];
        total += sum;
    }
    return total;
}

/* epsilon of the rule (0 for greedy). */
static double eps_of(const ope_scorer *s)
{
    return s->rule.kind == ORL_POLICY_EPSILON ? s->rule.epsilon : 0.0;
}

double ope_scorer_pi(const ope_scorer *s, size_t r, int32_t a)
{
    if (a < 0) return 0.0;
    if (s->fused && !s->rows_block) {
        const size_t H = (size_t)orl_sl_net_state_dim(s->m->net);
        float z = orl_sl_net_head_score(s->m->net, s->hidden + r * H, a);
        float x = (z - s->fuse_max[r]) * (float)(1.0 / s->rule.temperature);
        return (double)orl_fast_expf(x) / s->fuse_sum[r];
    }
    if (!s->top) return s->probs[r * s->m->n_items + (size_t)a];
    /* (1 - eps) on the top item + eps over the top_k items or the catalogue. */
    const int32_t *top = s->top_ids + r * s->top;
    double eps = eps_of(s), p = a == top[0] ? 1.0 - eps : 0.0;
    if (eps > 0 && s->rule.top_k == 0) return p + eps / (double)s->m->n_items;
    for (uint32_t i = 0; eps > 0 && i < s->top; i++)
        if (top[i] == a) p += eps / (double)s->top;
    return p;
}

double ope_scorer_value(const ope_scorer *s, size_t r, const float *q, double mean_q)
{
    const size_t I = s->m->n_items;
    if (s->fused && !s->rows_block) return q == s->fuse_q ? s->fuse_sumq[r] / s->fuse_sum[r] : NAN;
    if (!s->top) return ope_dot(s->probs + r * I, q, I);
    const int32_t *top = s->top_ids + r * s->top;
    double eps = eps_of(s), v = (1.0 - eps) * q[top[0]];
    if (eps > 0 && s->rule.top_k == 0) {
        if (isnan(mean_q)) {
            mean_q = 0.0;
            for (size_t i = 0; i < I; i++) mean_q += q[i];
            mean_q /= (double)I;
        }
        return v + eps * mean_q;
    }
    for (uint32_t i = 0; eps > 0 && i < s->top; i++) v += eps / (double)s->top * q[top[i]];
    return v;
}
