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

static double dot(const float *p, const float *q, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)p[i] * (double)q[i];
    return s;
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
    if (s->q_rows) {
        ORL_TRY(s->q_rows(s->q_ctx, w->ids, nb, w->qrow));
        for (size_t r = 0; r < nb; r++) {
            int32_t a = s->to_model[w->batch.actions[r]];
            o->v[b0 + r] = dot(w->probs + r * I, w->qrow + r * I, I);
            o->q[b0 + r] = a >= 0 ? w->qrow[r * I + (size_t)a] : 0.0;
        }
    }
    if (s->qs_rows) {
        ORL_TRY(s->qs_rows(s->qs_ctx, w->ids, nb, w->qrow));
        for (size_t r = 0; r < nb; r++) {
            int32_t a = s->to_model[w->batch.actions[r]];
            o->v_seq[b0 + r] = dot(w->probs + r * I, w->qrow + r * I, I);
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
    w->t.scoring += t1 - t0;
    w->t.policy += t2 - t1;
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
    orl_free(w->qrow);
    orl_aligned_free(w->scratch);
    orl_free(w->bstates);
    orl_free(w->bscores);
    orl_aligned_free(w->bscratch);
}

static int init_worker(worker *w, const orl_dataset *ds, const ope_collect_spec *s)
{
    const orl_model *m = s->model;
    const size_t I = m->n_items, T = m->encoder.window;
    ORL_TRY(orl_batch_init(&w->batch, BLOCK, orl_dataset_window(ds)));
    w->states = orl_malloc(sizeof(int32_t) * BLOCK * (T + 1));
    w->lens = w->states ? w->states + BLOCK * T : NULL;
    w->scores = orl_malloc(sizeof(float) * BLOCK * I);
    w->probs = orl_malloc(sizeof(float) * BLOCK * I);
    w->qrow = s->q_rows || s->qs_rows ? orl_malloc(sizeof(float) * BLOCK * I) : NULL;
    w->scratch_bytes = orl_sl_net_scratch_bytes(m->net, BLOCK);
    w->scratch = orl_aligned_alloc(w->scratch_bytes);
    int ok =
        w->states && w->scores && w->probs && w->scratch && (w->qrow || !(s->q_rows || s->qs_rows));
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
    for (int i = 0; st == ORL_OK && i < nt; i++) st = init_worker(&w[i], ds, s);
    if (st == ORL_OK) {
        job j = {ds, s, out, w};
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
