/* The per-step inputs of the estimators, from a model and a dataset: every
 * event is one logged step; its state (the clicks before it) is scored by
 * the model in blocks (the batch-scoring paths), the scores become pi(.|s)
 * by the policy rule, and pi meets the logged item, the reward model and,
 * when asked, the behaviour model's softmax. Blocks are split over threads;
 * each thread keeps its own scratch and clock per phase. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/model_impl.h"
#include "api/ope_impl.h"
#include "core/alloc.h"
#include "core/pool.h"
#include "data/dataset.h"
#include "data/transitions.h"

enum { BLOCK = 64 };

double ope_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct worker {
    orl_batch batch;
    uint64_t ids[BLOCK];
    int32_t *states, *lens; /* the target's window */
    float *scores, *probs, *qrow;
    int32_t *top_ids; /* sparse rules: [BLOCK x top] */
    float *top_scores;
    void *scratch;
    size_t scratch_bytes;
    int32_t *bstates, *blens; /* the behaviour model's window */
    float *bscores;
    void *bscratch;
    size_t bscratch_bytes;
    ope_timing t;
    int status;
    char message[512];
} worker;

typedef struct job {
    uint32_t top;  /* > 0: the rule is greedy / epsilon and only the model's top items matter */
    double mean_q; /* the context-free model's mean over the catalogue (epsilon over it all) */
    const orl_dataset *ds;
    const ope_collect_spec *s;
    ope_arrays *out;
    worker *w;
} job;

/* Dataset states -> the last `window` items known to m (left-aligned, padded with m's pad id). */
static void translate(const orl_model *m, const int32_t *map, const orl_batch *b, uint32_t ds_items,
                      size_t nb, int32_t *states, int32_t *lens)
{
    const uint32_t T = m->encoder.window, W = b->window;
    for (size_t r = 0; r < nb; r++) {
        int32_t tmp[1024];
        uint32_t n = 0;
        for (int32_t j = 0; j < b->state_len[r] && j < 1024; j++) {
            int32_t id = b->states[r * W + (size_t)j];
            if (id < 0 || (uint32_t)id >= ds_items) continue; /* padding */
            int32_t mid = map[id];
            if (mid >= 0) tmp[n++] = mid;
        }
        uint32_t first = n > T ? n - T : 0;
        for (uint32_t k = 0; k < T; k++)
            states[r * T + k] = first + k < n ? tmp[first + k] : (int32_t)m->n_items;
        lens[r] = n - first ? (int32_t)(n - first) : 1;
    }
}

/* Full score rows [nb x I] as the one-history calls score them. */
static int score(const orl_model *m, const int32_t *states, const int32_t *lens, size_t nb,
                 void *scratch, size_t bytes, float *rows)
{
    if (orl_model_scores_plainly(m))
        return orl_sl_net_scores(m->net, states, lens, (int)nb, scratch, bytes, rows);
    int s = ORL_OK;
    for (size_t i = 0; s == ORL_OK && i < nb; i++)
        s = orl_model_score_row(m, states + i * m->encoder.window, lens[i], rows + i * m->n_items,
                                NULL);
    return s;
}

/* sum_i p[i] q[i]: 16 float lanes per block of 1024 (the compiler vectorises
 * the lanes), each block's sum added in double, so the rounding stays near
 * float's for a block and the catalogue-long sum does not drift. */
static double dot(const float *p, const float *q, size_t n)
{
    double total = 0.0;
    for (size_t b = 0; b < n; b += 1024) {
        size_t e = n - b < 1024 ? n : b + 1024;
        float acc[16] = {0};
        size_t i = b;
        for (; i + 16 <= e; i += 16)
            for (int j = 0; j < 16; j++) acc[j] += p[i + (size_t)j] * q[i + (size_t)j];
        double s = 0.0;
        for (int j = 0; j < 16; j++) s += acc[j];
        for (; i < e; i++) s += (double)p[i] * (double)q[i];
        total += s;
    }
    return total;
}

/* The model's top j->top items (ids, best first, ties by lower id) of each row. */
static int top_items(const orl_model *m, worker *w, size_t nb, uint32_t k)
{
    if (orl_model_scores_plainly(m))
        return orl_sl_net_topk(m->net, w->states, w->lens, (int)nb, (int)k, w->scratch,
                               w->scratch_bytes, w->top_ids, w->top_scores);
    int s = ORL_OK;
    for (size_t r = 0; s == ORL_OK && r < nb; r++)
        s = orl_model_rule_topk(m, w->states + r * m->encoder.window, w->lens[r], k,
                                w->top_ids + r * k, w->top_scores + r * k, NULL);
    return s;
}

/* Greedy and epsilon rules from the top items alone: pi = (1 - eps) on the
 * top item + eps spread over the top_k items (or the whole catalogue), as
 * orl_policy_probs_from_scores puts it (ties by lower id in both). */
static double sparse_pi(const job *j, const int32_t *top, int32_t a)
{
    const orl_policy_rule *r = &j->s->rule;
    double eps = r->kind == ORL_POLICY_EPSILON ? r->epsilon : 0.0;
    double p = a == top[0] ? 1.0 - eps : 0.0;
    if (eps > 0 && r->top_k == 0) return p + eps / (double)j->s->model->n_items;
    for (uint32_t i = 0; eps > 0 && i < j->top; i++)
        if (top[i] == a) p += eps / (double)j->top;
    return p;
}

/* sum_a pi(a|s) q(a) for the sparse rules over the q of one row. */
static double sparse_value(const job *j, const int32_t *top, const float *q, double mean_q)
{
    const orl_policy_rule *r = &j->s->rule;
    double eps = r->kind == ORL_POLICY_EPSILON ? r->epsilon : 0.0;
    double v = (1.0 - eps) * q[top[0]];
    if (eps > 0 && r->top_k == 0) return v + eps * mean_q;
    for (uint32_t i = 0; eps > 0 && i < j->top; i++) v += eps / (double)j->top * q[top[i]];
    return v;
}

/* V of row r under q: the full pi row or the sparse rule. */
static double row_value(const job *j, const worker *w, size_t r, const float *q)
{
    const size_t I = j->s->model->n_items;
    if (!j->top) return dot(w->probs + r * I, q, I);
    double mean_q = 0.0;
    if (j->s->rule.kind == ORL_POLICY_EPSILON && j->s->rule.top_k == 0) {
        for (size_t i = 0; i < I; i++) mean_q += q[i];
        mean_q /= (double)I;
    }
    return sparse_value(j, w->top_ids + r * j->top, q, mean_q);
}

static void sparse_steps(const job *j, const worker *w, uint64_t b0, size_t nb)
{
    const ope_collect_spec *s = j->s;
    ope_arrays *o = j->out;
    for (size_t r = 0; r < nb; r++) {
        uint64_t e = b0 + r;
        const int32_t *top = w->top_ids + r * j->top;
        int32_t a = s->to_model[w->batch.actions[r]];
        o->reward[e] = w->batch.rewards[r];
        o->pi[e] = a >= 0 ? sparse_pi(j, top, a) : 0.0;
        if (!s->behaviour) o->beta[e] = w->batch.propensities[r];
        if (s->item_q) {
            o->v[e] = sparse_value(j, top, s->item_q, j->mean_q);
            o->q[e] = a >= 0 ? s->item_q[a] : 0.0;
        }
    }
}

static int block(job *j, worker *w, uint64_t b0, size_t nb)
{
    const ope_collect_spec *s = j->s;
    const orl_model *m = s->model;
    const size_t I = m->n_items;
    const uint32_t ds_items = orl_dataset_item_count(j->ds);
    ope_arrays *o = j->out;
    for (size_t r = 0; r < nb; r++) w->ids[r] = b0 + r;
    double t0 = ope_now();
    ORL_TRY(orl_dataset_fill_batch(j->ds, w->ids, nb, &w->batch));
    translate(m, s->to_model, &w->batch, ds_items, nb, w->states, w->lens);
    if (j->top) {
        ORL_TRY(top_items(m, w, nb, j->top));
        double t1 = ope_now();
        sparse_steps(j, w, b0, nb);
        w->t.scoring += t1 - t0;
        w->t.policy += ope_now() - t1;
    } else {
        ORL_TRY(score(m, w->states, w->lens, nb, w->scratch, w->scratch_bytes, w->scores));
        double t1 = ope_now();
        ORL_TRY(orl_policy_probs_rows(&s->rule, w->scores, nb, I, w->probs));
        double t2 = ope_now();
        for (size_t r = 0; r < nb; r++) {
            uint64_t e = b0 + r;
            int32_t a = s->to_model[w->batch.actions[r]];
            o->reward[e] = w->batch.rewards[r];
            o->pi[e] = a >= 0 ? w->probs[r * I + (size_t)a] : 0.0;
            if (!s->behaviour) o->beta[e] = w->batch.propensities[r];
            if (s->item_q) {
                o->v[e] = dot(w->probs + r * I, s->item_q, I);
                o->q[e] = a >= 0 ? s->item_q[a] : 0.0;
            }
        }
        w->t.scoring += t1 - t0;
        w->t.policy += t2 - t1;
        w->t.reward_model += ope_now() - t2;
    }
    double t2 = ope_now();
    if (s->q_rows) {
        ORL_TRY(s->q_rows(s->q_ctx, w->ids, nb, w->qrow));
        for (size_t r = 0; r < nb; r++) {
            int32_t a = s->to_model[w->batch.actions[r]];
            o->v[b0 + r] = row_value(j, w, r, w->qrow + r * I);
            o->q[b0 + r] = a >= 0 ? w->qrow[r * I + (size_t)a] : 0.0;
        }
    }
    if (s->qs_rows) {
        ORL_TRY(s->qs_rows(s->qs_ctx, w->ids, nb, w->qrow));
        for (size_t r = 0; r < nb; r++) {
            int32_t a = s->to_model[w->batch.actions[r]];
            o->v_seq[b0 + r] = row_value(j, w, r, w->qrow + r * I);
            o->q_seq[b0 + r] = a >= 0 ? w->qrow[r * I + (size_t)a] : 0.0;
        }
    }
    double t3 = ope_now();
    if (s->behaviour) {
        const orl_model *bm = s->behaviour;
        const size_t IB = bm->n_items;
        translate(bm, s->to_behaviour, &w->batch, ds_items, nb, w->bstates, w->blens);
        ORL_TRY(score(bm, w->bstates, w->blens, nb, w->bscratch, w->bscratch_bytes, w->bscores));
        for (size_t r = 0; r < nb; r++) {
            /* beta(a|s): the softmax of the supervised head's scores. */
            const float *z = w->bscores + r * IB;
            int32_t a = s->to_behaviour[w->batch.actions[r]];
            float mx = z[0];
            for (size_t i = 1; i < IB; i++) mx = z[i] > mx ? z[i] : mx;
            double sum = 0.0;
            for (size_t i = 0; i < IB; i++) sum += exp((double)(z[i] - mx));
            j->out->beta[b0 + r] = a >= 0 ? exp((double)(z[a] - mx)) / sum : 0.0;
        }
    }
    double t4 = ope_now();
    w->t.reward_model += t3 - t2;
    w->t.behaviour += t4 - t3;
    return ORL_OK;
}

static void range_fn(void *ctx, size_t begin, size_t end, int thread)
{
    job *j = ctx;
    worker *w = &j->w[thread];
    for (size_t b = begin; b < end && w->status == ORL_OK; b += BLOCK) {
        size_t nb = end - b < BLOCK ? end - b : BLOCK;
        int s = block(j, w, b, nb);
        if (s != ORL_OK) {
            w->status = s;
            snprintf(w->message, sizeof w->message, "%s", orl_last_error());
        }
    }
}

static void free_worker(worker *w)
{
    orl_batch_free(&w->batch);
    orl_free(w->states);
    orl_free(w->scores);
    orl_free(w->probs);
    orl_free(w->top_ids);
    orl_free(w->top_scores);
    orl_free(w->qrow);
    orl_aligned_free(w->scratch);
    orl_free(w->bstates);
    orl_free(w->bscores);
    orl_aligned_free(w->bscratch);
}

static int init_worker(worker *w, const orl_dataset *ds, const ope_collect_spec *s, uint32_t top)
{
    const orl_model *m = s->model;
    const size_t I = m->n_items, T = m->encoder.window;
    ORL_TRY(orl_batch_init(&w->batch, BLOCK, orl_dataset_window(ds)));
    w->states = orl_malloc(sizeof(int32_t) * BLOCK * (T + 1));
    w->lens = w->states ? w->states + BLOCK * T : NULL;
    /* Full rows only where the rule needs them (softmax), top items otherwise. */
    w->scores = top ? NULL : orl_malloc(sizeof(float) * BLOCK * I);
    w->probs = top ? NULL : orl_malloc(sizeof(float) * BLOCK * I);
    w->top_ids = top ? orl_malloc(sizeof(int32_t) * BLOCK * top) : NULL;
    w->top_scores = top ? orl_malloc(sizeof(float) * BLOCK * top) : NULL;
    w->qrow = s->q_rows || s->qs_rows ? orl_malloc(sizeof(float) * BLOCK * I) : NULL;
    w->scratch_bytes = orl_sl_net_scratch_bytes(m->net, BLOCK);
    w->scratch = orl_aligned_alloc(w->scratch_bytes);
    int ok = w->states && (top ? w->top_ids && w->top_scores : w->scores && w->probs) &&
             w->scratch && (w->qrow || !(s->q_rows || s->qs_rows));
    if (ok && s->behaviour) {
        const orl_model *bm = s->behaviour;
        w->bstates = orl_malloc(sizeof(int32_t) * BLOCK * (bm->encoder.window + 1));
        w->blens = w->bstates ? w->bstates + BLOCK * bm->encoder.window : NULL;
        w->bscores = orl_malloc(sizeof(float) * BLOCK * bm->n_items);
        w->bscratch_bytes = orl_sl_net_scratch_bytes(bm->net, BLOCK);
        w->bscratch = orl_aligned_alloc(w->bscratch_bytes);
        ok = w->bstates && w->bscores && w->bscratch;
    }
    return ok ? ORL_OK : orl_fail(ORL_E_NOMEM, "estimate value: out of memory for scoring scratch");
}

void ope_arrays_free(ope_arrays *a)
{
    orl_free(a->reward);
    memset(a, 0, sizeof *a);
}

static int alloc_arrays(ope_arrays *a, uint64_t n)
{
    memset(a, 0, sizeof *a);
    a->reward = orl_calloc(7 * (size_t)n, sizeof(double));
    if (!a->reward)
        return orl_fail(ORL_E_NOMEM, "estimate value: out of memory for %llu steps",
                        (unsigned long long)n);
    a->n = n;
    a->beta = a->reward + n;
    a->pi = a->beta + n;
    a->q = a->pi + n;
    a->v = a->q + n;
    a->q_seq = a->v + n;
    a->v_seq = a->q_seq + n;
    return ORL_OK;
}

int ope_collect(const orl_dataset *ds, const ope_collect_spec *s, ope_arrays *out,
                ope_timing *timing)
{
    uint64_t n = orl_dataset_transition_count(ds);
    ORL_TRY(alloc_arrays(out, n));
    orl_pool *pool = NULL;
    int st = orl_pool_create(s->threads, &pool);
    int nt = st == ORL_OK ? orl_pool_threads(pool) : 0;
    worker *w = st == ORL_OK ? orl_calloc((size_t)nt, sizeof *w) : NULL;
    if (st == ORL_OK && !w) st = orl_fail(ORL_E_NOMEM, "estimate value: out of memory");
    /* Greedy and epsilon rules need the model's top items only (the batch top-K path,
     * through the half-precision screen where the model has one). */
    const orl_policy_rule *rule = &s->rule;
    uint32_t top = 0;
    if (!s->full_rows && rule->kind == ORL_POLICY_GREEDY) top = 1;
    if (!s->full_rows && rule->kind == ORL_POLICY_EPSILON)
        top = rule->top_k && rule->epsilon > 0 ? rule->top_k : 1;
    if (top > 4096) top = 0;
    double mean_q = 0.0;
    for (uint32_t i = 0; s->item_q && i < s->model->n_items; i++) mean_q += s->item_q[i];
    if (s->item_q) mean_q /= (double)s->model->n_items;
    for (int i = 0; st == ORL_OK && i < nt; i++) st = init_worker(&w[i], ds, s, top);
    if (st == ORL_OK) {
        job j = {top, mean_q, ds, s, out, w};
        orl_pool_parallel_for(pool, (size_t)n, range_fn, &j);
        for (int i = 0; st == ORL_OK && i < nt; i++)
            if (w[i].status != ORL_OK) st = orl_fail(w[i].status, "%s", w[i].message);
        for (int i = 0; i < nt; i++) {
            timing->scoring += w[i].t.scoring / nt;
            timing->policy += w[i].t.policy / nt;
            timing->reward_model += w[i].t.reward_model / nt;
            timing->behaviour += w[i].t.behaviour / nt;
        }
    }
    for (int i = 0; w && i < nt; i++) free_worker(&w[i]);
    orl_free(w);
    orl_pool_free(pool);
    if (st != ORL_OK) ope_arrays_free(out);
    return st;
}
