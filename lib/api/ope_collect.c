/* The per-step inputs of the estimators, from a model and a dataset: every
 * event is one logged step; its state (the items before it) is scored by the
 * target model (ope_target.c), pi meets the logged item and the reward
 * models, and, when asked, the behaviour model's softmax gives beta. Blocks
 * are split over threads; each thread keeps its own scratch and clock per
 * phase. */
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

double ope_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct worker {
    orl_batch batch;
    uint64_t ids[OPE_BLOCK];
    ope_scorer target, behaviour;
    float *qrow; /* [OPE_BLOCK x model items] from a reward model by state */
    float *qds;  /* [OPE_BLOCK x dataset items]: its scratch */
    ope_timing t;
    int status;
    char message[512];
} worker;

typedef struct job {
    double mean_q; /* the context-free model's mean over the catalogue */
    const orl_dataset *ds;
    const ope_collect_spec *s;
    ope_arrays *out;
    worker *w;
} job;

/* q of model item m from a dataset-order row (items the dataset lacks: its mean). */
static double q_of(const ope_collect_spec *s, const float *qds, uint32_t D, int32_t m, double *mean)
{
    if (s->to_ds[m] >= 0) return qds[s->to_ds[m]];
    if (isnan(*mean)) {
        double sum = 0.0;
        for (uint32_t d = 0; d < D; d++) sum += qds[d];
        *mean = D ? sum / D : 0.0;
    }
    return *mean;
}

/* V of row r from a dataset-order Q row, for the rules that read the top items. */
static double sparse_value(const ope_collect_spec *s, const ope_scorer *t, size_t r,
                           const float *qds, uint32_t D)
{
    const int32_t *top = t->top_ids + r * t->top;
    double mean = NAN, eps = s->rule.kind == ORL_POLICY_EPSILON ? s->rule.epsilon : 0.0;
    double v = (1.0 - eps) * q_of(s, qds, D, top[0], &mean);
    if (eps > 0 && s->rule.top_k == 0) {
        double sum = 0.0;
        for (uint32_t m = 0; m < s->model->n_items; m++) sum += q_of(s, qds, D, (int32_t)m, &mean);
        return v + eps * sum / s->model->n_items;
    }
    for (uint32_t i = 0; eps > 0 && i < t->top; i++)
        v += eps / (double)t->top * q_of(s, qds, D, top[i], &mean);
    return v;
}

/* q and V of the rows from a reward model by state (FQE) into q[], v[]. */
static int model_by_state(job *j, worker *w, ope_q_rows_fn fn, void *ctx, uint64_t b0, size_t nb,
                          double *q, double *v)
{
    const ope_collect_spec *s = j->s;
    const size_t I = s->model->n_items;
    const uint32_t D = orl_dataset_item_count(j->ds);
    int sparse = w->target.top > 0;
    ORL_TRY(fn(ctx, &w->batch, w->qds, sparse ? NULL : w->qrow));
    for (size_t r = 0; r < nb; r++) {
        const float *row = w->qds + r * D;
        q[b0 + r] = row[w->batch.actions[r]]; /* the logged item, a dataset id */
        v[b0 + r] = sparse ? sparse_value(s, &w->target, r, row, D)
                           : ope_scorer_value(&w->target, r, w->qrow + r * I, NAN);
    }
    return ORL_OK;
}

static int block(job *j, worker *w, uint64_t b0, size_t nb)
{
    const ope_collect_spec *s = j->s;
    ope_arrays *o = j->out;
    for (size_t r = 0; r < nb; r++) w->ids[r] = b0 + r;
    double t0 = ope_now();
    ORL_TRY(orl_dataset_fill_batch(j->ds, w->ids, nb, &w->batch));
    w->t.scoring += ope_now() - t0;
    ORL_TRY(ope_scorer_run(&w->target, &w->batch, 0, nb, 0, &w->t.scoring, &w->t.policy));
    double t1 = ope_now();
    for (size_t r = 0; r < nb; r++) {
        uint64_t e = b0 + r;
        int32_t a = s->to_model[w->batch.actions[r]];
        o->reward[e] = w->batch.rewards[r];
        o->pi[e] = ope_scorer_pi(&w->target, r, a);
        if (!s->behaviour) o->beta[e] = w->batch.propensities[r];
        if (s->item_q) {
            o->v[e] = ope_scorer_value(&w->target, r, s->item_q, j->mean_q);
            o->q[e] = a >= 0 ? s->item_q[a] : 0.0;
        }
    }
    if (s->q_rows) ORL_TRY(model_by_state(j, w, s->q_rows, s->q_ctx, b0, nb, o->q, o->v));
    if (s->qs_rows)
        ORL_TRY(model_by_state(j, w, s->qs_rows, s->qs_ctx, b0, nb, o->q_seq, o->v_seq));
    double t2 = ope_now();
    w->t.reward_model += t2 - t1;
    if (s->behaviour) {
        double unused = 0.0;
        ORL_TRY(ope_scorer_run(&w->behaviour, &w->batch, 0, nb, 0, &unused, &unused));
        for (size_t r = 0; r < nb; r++)
            o->beta[b0 + r] = ope_scorer_pi(&w->behaviour, r, s->to_behaviour[w->batch.actions[r]]);
        w->t.behaviour += ope_now() - t2;
    }
    return ORL_OK;
}

static void range_fn(void *ctx, size_t begin, size_t end, int thread)
{
    job *j = ctx;
    worker *w = &j->w[thread];
    for (size_t b = begin; b < end && w->status == ORL_OK; b += OPE_BLOCK) {
        size_t nb = end - b < OPE_BLOCK ? end - b : OPE_BLOCK;
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
    ope_scorer_free(&w->target);
    ope_scorer_free(&w->behaviour);
    orl_free(w->qrow);
    orl_free(w->qds);
}

static int init_worker(worker *w, const orl_dataset *ds, const ope_collect_spec *s)
{
    const uint32_t ds_items = orl_dataset_item_count(ds);
    ORL_TRY(orl_batch_init(&w->batch, OPE_BLOCK, orl_dataset_window(ds)));
    uint32_t top = s->full_rows ? 0 : ope_sparse_top(&s->rule, s->model->n_items);
    ORL_TRY(ope_scorer_init(&w->target, s->model, s->to_model, ds_items, &s->rule, top));
    /* Softmax targets: sums instead of probability rows, unless a reward
     * model by state needs the rows for V. */
    if (!s->full_rows && !s->q_rows && !s->qs_rows) ORL_TRY(ope_scorer_fuse(&w->target, s->item_q));
    if (s->behaviour) {
        /* beta(a|s) = the softmax of the behaviour model's supervised scores. */
        orl_policy_rule soft;
        orl_policy_rule_init(&soft);
        soft.kind = ORL_POLICY_SOFTMAX;
        soft.temperature = 1.0;
        ORL_TRY(ope_scorer_init(&w->behaviour, s->behaviour, s->to_behaviour, ds_items, &soft, 0));
        if (!s->full_rows) ORL_TRY(ope_scorer_fuse(&w->behaviour, NULL));
    }
    if (s->q_rows || s->qs_rows) {
        w->qrow = orl_malloc(sizeof(float) * OPE_BLOCK * s->model->n_items); /* full rows only */
        w->qds = orl_malloc(sizeof(float) * OPE_BLOCK * (ds_items ? ds_items : 1));
        if (!w->qrow || !w->qds) return orl_fail(ORL_E_NOMEM, "estimate value: out of memory");
    }
    return ORL_OK;
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
    double mean_q = 0.0;
    for (uint32_t i = 0; s->item_q && i < s->model->n_items; i++) mean_q += s->item_q[i];
    if (s->item_q) mean_q /= (double)s->model->n_items;
    for (int i = 0; st == ORL_OK && i < nt; i++) st = init_worker(&w[i], ds, s);
    if (st == ORL_OK) {
        job j = {mean_q, ds, s, out, w};
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
