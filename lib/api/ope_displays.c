/* Logged steps from the display table (data/displays.h): every display,
 * clicked or not, is one logged step, its state the click history before it.
 * With one item per display the step's action is that item, its propensity
 * the single-draw beta, its reward the display's; with slates (K > 1) each
 * position carries the target's and the logging policy's inclusion
 * probabilities of the item shown there and the position's reward (the
 * display's, on the clicked slot), for the slate estimators. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/model_impl.h"
#include "api/ope_impl.h"
#include "core/alloc.h"
#include "core/pool.h"
#include "data/dataset.h"
#include "data/displays.h"
#include "data/transitions.h"
#include "models/pl_inclusion.h"

typedef struct dworker {
    orl_batch batch;
    uint64_t ids[OPE_BLOCK];
    ope_scorer target, behaviour;
    float *qrow, *qds; /* reward models by state: model order, dataset order */
    ope_timing t;
    ope_slate_work slate; /* slates with a stochastic target or a behaviour model */
    uint64_t unknown_shown;
    int status;
    char message[512];
} dworker;

typedef struct djob {
    const orl_dataset *ds;
    const ope_collect_spec *s;
    ope_disp_arrays *out;
    dworker *w;
    uint32_t k; /* items per display */
    double mean_q;
} djob;

/* q and V from a reward model by state (FQE), in the dataset's order: the
 * shown item (-1: not in the dataset: the row's mean) and the target's V. */
static int by_state(djob *j, dworker *w, ope_q_rows_fn fn, void *ctx, uint64_t b0, size_t nb,
                    double *q, double *v)
{
    const orl_displays *d = &j->ds->disp;
    const ope_collect_spec *s = j->s;
    const uint32_t D = orl_dataset_item_count(j->ds);
    const size_t I = s->model->n_items;
    ORL_TRY(fn(ctx, &w->batch, w->qds, w->qrow));
    for (size_t r = 0; r < nb; r++) {
        const float *row = w->qds + r * D;
        int32_t it = d->item[d->off[b0 + r]];
        double mean = 0.0;
        for (uint32_t x = 0; x < D; x++) mean += row[x];
        mean /= D ? D : 1;
        q[b0 + r] = it >= 0 ? row[it] : mean;
        v[b0 + r] = ope_scorer_value(&w->target, r, w->qrow + r * I, NAN);
    }
    return ORL_OK;
}

/* Slates under a behaviour model: each shown item's inclusion probability in
 * a PL slate from the model's softmax (the logger's assumed single-draw p).
 * An item the model does not know (the dataset's catalogue lacks it) gets 1:
 * the target never shows it either (pos_pi 0), so its weight is 0. */
static int slate_behaviour(djob *j, dworker *w, uint64_t b0, size_t nb)
{
    const orl_displays *d = &j->ds->disp;
    const ope_collect_spec *s = j->s;
    const size_t I = s->behaviour->n_items;
    for (size_t r = 0; r < nb; r++) {
        const uint64_t e = b0 + r, p0 = d->off[e];
        const uint32_t K = (uint32_t)(d->off[e + 1] - p0);
        int32_t shown[ORL_PL_MAX_K];
        for (uint32_t l = 0; l < K; l++) {
            int32_t it = d->item[p0 + l];
            shown[l] = it >= 0 ? s->to_behaviour[it] : -1;
        }
        double *beta = j->out->pos_beta + p0;
        const float *prow = w->behaviour.probs + r * I;
        if (s->impression_rate) {
            for (uint32_t l = 0; l < K; l++) {
                double v = shown[l] >= 0 ? (double)K * prow[shown[l]] : 0.0;
                beta[l] = v < 1.0 ? v : 1.0;
            }
        } else {
            ope_slate_inclusion(&w->slate, prow, w->behaviour.scores + r * I, (uint32_t)I, shown, K,
                                beta);
        }
        for (uint32_t l = 0; l < K; l++) {
            if (shown[l] < 0) {
                if (j->out->pos_pi[p0 + l] > 0.0)
                    return orl_fail(ORL_E_STATE,
                                    "estimate value: display %llu shows at position %u an item "
                                    "the behaviour model does not know",
                                    (unsigned long long)e, l);
                beta[l] = 1.0;
                w->unknown_shown++;
            } else if (!(beta[l] > 0.0)) {
                return orl_fail(ORL_E_STATE,
                                "estimate value: the behaviour model gives display %llu's item at "
                                "position %u the inclusion probability %g",
                                (unsigned long long)e, l, beta[l]);
            }
        }
    }
    return ORL_OK;
}

static int dblock(djob *j, dworker *w, uint64_t b0, size_t nb)
{
    const orl_displays *d = &j->ds->disp;
    const ope_collect_spec *s = j->s;
    ope_disp_arrays *o = j->out;
    for (size_t r = 0; r < nb; r++) w->ids[r] = b0 + r;
    double t0 = ope_now();
    ORL_TRY(orl_dataset_fill_display_states(j->ds, w->ids, nb, w->batch.window, w->batch.states,
                                            w->batch.state_len));
    w->batch.size = nb;
    for (size_t r = 0; r < nb; r++) {
        int32_t it = d->item[d->off[b0 + r]];
        w->batch.actions[r] = it >= 0 ? it : 0; /* read only through the map below */
    }
    w->t.scoring += ope_now() - t0;
    ORL_TRY(ope_scorer_run(&w->target, &w->batch, 0, nb, 0, &w->t.scoring, &w->t.policy));
    double t1 = ope_now(), slate_t = 0.0; /* a stochastic target's slates: policy time */
    for (size_t r = 0; r < nb; r++) {
        uint64_t e = b0 + r, p0 = d->off[e];
        o->reward[e] = d->reward[e];
        if (j->k > 1) {
            const uint32_t K = (uint32_t)(d->off[e + 1] - p0);
            int32_t shown[ORL_PL_MAX_K];
            for (uint32_t l = 0; l < K; l++) {
                int32_t it = d->item[p0 + l];
                shown[l] = it >= 0 ? s->to_model[it] : -1;
                o->pos_beta[p0 + l] = d->incl[p0 + l];
                o->pos_reward[p0 + l] = d->slot[e] == (int16_t)l ? d->reward[e] : 0.0;
            }
            if (w->target.top) {
                /* Greedy: the target's slate is its top K, inclusion 1 for those items. */
                const int32_t *top = w->target.top_ids + r * w->target.top;
                for (uint32_t l = 0; l < K; l++) {
                    double in = 0.0;
                    for (uint32_t i = 0; shown[l] >= 0 && i < K; i++) in += top[i] == shown[l];
                    o->pos_pi[p0 + l] = in;
                }
            } else {
                /* A stochastic rule: the rollout's slate (a PL draw from its probabilities). */
                const size_t I = s->model->n_items;
                const double ts = ope_now();
                ope_slate_inclusion(&w->slate, w->target.probs + r * I, w->target.scores + r * I,
                                    (uint32_t)I, shown, K, o->pos_pi + p0);
                slate_t += ope_now() - ts;
            }
            continue;
        }
        int32_t it = d->item[p0], a = it >= 0 ? s->to_model[it] : -1;
        o->pi[e] = ope_scorer_pi(&w->target, r, a);
        if (!s->behaviour) o->beta[e] = d->beta[p0];
        if (s->item_q) {
            o->v[e] = ope_scorer_value(&w->target, r, s->item_q, j->mean_q);
            o->q[e] = a >= 0 ? s->item_q[a] : j->mean_q;
        }
    }
    if (j->k == 1 && s->q_rows) ORL_TRY(by_state(j, w, s->q_rows, s->q_ctx, b0, nb, o->q, o->v));
    if (j->k == 1 && s->qs_rows)
        ORL_TRY(by_state(j, w, s->qs_rows, s->qs_ctx, b0, nb, o->q_seq, o->v_seq));
    w->t.reward_model += ope_now() - t1 - slate_t;
    w->t.policy += slate_t;
    if (s->behaviour && j->k > 1) {
        double t2 = ope_now(), unused = 0.0;
        ORL_TRY(ope_scorer_run(&w->behaviour, &w->batch, 0, nb, 0, &unused, &unused));
        ORL_TRY(slate_behaviour(j, w, b0, nb));
        w->t.behaviour += ope_now() - t2;
    }
    if (s->behaviour && j->k == 1) {
        double t2 = ope_now(), unused = 0.0;
        ORL_TRY(ope_scorer_run(&w->behaviour, &w->batch, 0, nb, 0, &unused, &unused));
        for (size_t r = 0; r < nb; r++) {
            int32_t it = d->item[d->off[b0 + r]];
            o->beta[b0 + r] = ope_scorer_pi(&w->behaviour, r, it >= 0 ? s->to_behaviour[it] : -1);
        }
        w->t.behaviour += ope_now() - t2;
    }
    return ORL_OK;
}

static void drange(void *ctx, size_t begin, size_t end, int thread)
{
    djob *j = ctx;
    dworker *w = &j->w[thread];
    for (size_t b = begin; b < end && w->status == ORL_OK; b += OPE_BLOCK) {
        size_t nb = end - b < OPE_BLOCK ? end - b : OPE_BLOCK;
        int st = dblock(j, w, b, nb);
        if (st != ORL_OK) {
            w->status = st;
            snprintf(w->message, sizeof w->message, "%s", orl_last_error());
        }
    }
}

void ope_disp_arrays_free(ope_disp_arrays *a)
{
    orl_free(a->sess_off);
    orl_free(a->reward);
    orl_free(a->slot_off);
    orl_free(a->pos_pi);
    memset(a, 0, sizeof *a);
}

/* Sessions: runs of equal display session (displays are ordered by it). */
static int alloc_disp(ope_disp_arrays *a, const orl_displays *d, uint32_t k)
{
    memset(a, 0, sizeof *a);
    a->n = d->n;
    a->n_sessions = d->n_dsess;
    a->k = k;
    a->sess_off = orl_calloc(d->n_dsess + 1, sizeof(uint64_t));
    a->reward = orl_calloc(7 * (size_t)d->n, sizeof(double));
    if (k > 1) {
        a->slot_off = orl_malloc(sizeof(uint64_t) * (d->n + 1));
        a->pos_pi = orl_calloc(3 * (size_t)d->n_shown, sizeof(double));
    }
    if (!a->sess_off || !a->reward || (k > 1 && (!a->slot_off || !a->pos_pi))) {
        ope_disp_arrays_free(a);
        return orl_fail(ORL_E_NOMEM, "estimate value: out of memory for %llu displays",
                        (unsigned long long)d->n);
    }
    a->beta = a->reward + d->n;
    a->pi = a->beta + d->n;
    a->q = a->pi + d->n;
    a->v = a->q + d->n;
    a->q_seq = a->v + d->n;
    a->v_seq = a->q_seq + d->n;
    if (k > 1) {
        a->pos_beta = a->pos_pi + d->n_shown;
        a->pos_reward = a->pos_beta + d->n_shown;
        for (uint64_t i = 0; i <= d->n; i++) a->slot_off[i] = d->off[i];
    }
    /* sess_off[g] = the first display of display session g; closed with n. */
    uint64_t g = 0;
    for (uint64_t i = 0; i < d->n; i++)
        while (g <= d->dsess[i]) a->sess_off[g++] = i;
    while (g <= d->n_dsess) a->sess_off[g++] = d->n;
    return ORL_OK;
}

uint32_t ope_display_kmax(const orl_dataset *ds)
{
    const orl_displays *d = &ds->disp;
    uint32_t k = 0;
    for (uint64_t i = 0; i < d->n; i++)
        if (d->off[i + 1] - d->off[i] > k) k = (uint32_t)(d->off[i + 1] - d->off[i]);
    return k;
}

uint32_t ope_display_k(const orl_dataset *ds)
{
    const orl_displays *d = &ds->disp;
    if (!d->n) return 0;
    uint32_t k = (uint32_t)(d->off[1] - d->off[0]);
    for (uint64_t i = 1; i < d->n; i++)
        if (d->off[i + 1] - d->off[i] != k) return UINT32_MAX; /* mixed sizes */
    return k;
}

int ope_collect_displays(const orl_dataset *ds, const ope_collect_spec *s, ope_disp_arrays *out,
                         ope_timing *timing)
{
    const orl_displays *d = &ds->disp;
    uint32_t k = ope_display_k(ds);
    if (k == UINT32_MAX) k = ope_display_kmax(ds); /* slates of different sizes */
    ORL_TRY(alloc_disp(out, d, k));
    orl_pool *pool = NULL;
    int st = orl_pool_create(s->threads, &pool);
    int nt = st == ORL_OK ? orl_pool_threads(pool) : 0;
    dworker *w = st == ORL_OK ? orl_calloc((size_t)nt, sizeof *w) : NULL;
    if (st == ORL_OK && !w) st = orl_fail(ORL_E_NOMEM, "estimate value: out of memory");
    uint32_t top = s->full_rows ? 0 : ope_sparse_top(&s->rule, s->model->n_items);
    if (k > 1) top = s->rule.kind == ORL_POLICY_GREEDY ? k : 0; /* stochastic: full rows */
    const uint32_t n_slate = s->behaviour && s->behaviour->n_items > s->model->n_items
                                 ? s->behaviour->n_items
                                 : s->model->n_items;
    double mean_q = 0.0;
    for (uint32_t i = 0; s->item_q && i < s->model->n_items; i++) mean_q += s->item_q[i];
    if (s->item_q) mean_q /= (double)s->model->n_items;
    for (int i = 0; st == ORL_OK && i < nt; i++) {
        st = orl_batch_init(&w[i].batch, OPE_BLOCK, orl_dataset_window(ds));
        if (st == ORL_OK)
            st = ope_scorer_init(&w[i].target, s->model, s->to_model, orl_dataset_item_count(ds),
                                 &s->rule, top);
        /* One item per display: softmax sums instead of probability rows
         * (ope_collect.c), unless a reward model by state needs the rows. */
        if (st == ORL_OK && k == 1 && !s->full_rows && !s->q_rows && !s->qs_rows)
            st = ope_scorer_fuse(&w[i].target, s->item_q);
        if (st == ORL_OK && (s->q_rows || s->qs_rows)) {
            w[i].qrow = orl_malloc(sizeof(float) * OPE_BLOCK * s->model->n_items);
            w[i].qds = orl_malloc(sizeof(float) * OPE_BLOCK * (orl_dataset_item_count(ds) + 1));
            if (!w[i].qrow || !w[i].qds)
                st = orl_fail(ORL_E_NOMEM, "estimate value: out of memory");
        }
        if (st == ORL_OK && k > 1 && (s->behaviour || !top))
            st = ope_slate_work_init(&w[i].slate, n_slate);
        if (st == ORL_OK && s->behaviour) {
            orl_policy_rule soft;
            orl_policy_rule_init(&soft);
            soft.kind = ORL_POLICY_SOFTMAX;
            st = ope_scorer_init(&w[i].behaviour, s->behaviour, s->to_behaviour,
                                 orl_dataset_item_count(ds), &soft, 0);
            /* Slates read the behaviour's probability rows (inclusion). */
            if (st == ORL_OK && k == 1 && !s->full_rows)
                st = ope_scorer_fuse(&w[i].behaviour, NULL);
        }
    }
    if (st == ORL_OK) {
        djob j = {ds, s, out, w, k, mean_q};
        orl_pool_parallel_for(pool, (size_t)d->n, drange, &j);
        for (int i = 0; st == ORL_OK && i < nt; i++)
            if (w[i].status != ORL_OK) st = orl_fail(w[i].status, "%s", w[i].message);
        for (int i = 0; i < nt; i++) {
            timing->scoring += w[i].t.scoring / nt;
            timing->policy += w[i].t.policy / nt;
            timing->reward_model += w[i].t.reward_model / nt;
            timing->behaviour += w[i].t.behaviour / nt;
            out->unknown_shown += w[i].unknown_shown;
        }
    }
    for (int i = 0; w && i < nt; i++) {
        orl_batch_free(&w[i].batch);
        orl_free(w[i].qrow);
        orl_free(w[i].qds);
        ope_scorer_free(&w[i].target);
        ope_scorer_free(&w[i].behaviour);
        ope_slate_work_free(&w[i].slate);
    }
    orl_free(w);
    orl_pool_free(pool);
    if (st != ORL_OK) ope_disp_arrays_free(out);
    return st;
}

/* The logged propensities of the displays: present, in (0, 1] (the shown item's
 * single-draw probability with one item per display, the inclusion probability
 * with slates). */
int ope_check_display_props(const orl_dataset *ds, uint32_t k, const char *fn)
{
    const orl_displays *d = &ds->disp;
    const float *p = k > 1 ? d->incl : d->beta;
    for (uint64_t i = 0; i < d->n; i++)
        for (uint64_t l = d->off[i]; l < d->off[i + 1]; l++) {
            if (p[l] > 0.0f && p[l] <= 1.0f) continue;
            return orl_fail(ORL_E_STATE,
                            "%s: display %llu (display session %llu, position %llu) has the "
                            "logging %s %g; it must be in (0, 1]%s",
                            fn, (unsigned long long)i, (unsigned long long)d->dsess[i],
                            (unsigned long long)(l - d->off[i]),
                            k > 1 ? "inclusion probability" : "propensity", (double)p[l],
                            isnan(p[l]) ? " (the logs give none: set params->behaviour)" : "");
        }
    return ORL_OK;
}

/* The context-free reward model from the displays: each item's mean reward
 * over the displays that showed it (clicked or not), shrunk towards the
 * overall mean by one display; q in the model's order. */
void ope_display_item_means(const orl_dataset *ds, const int32_t *to_model, uint32_t n_model,
                            double *sum, double *cnt, float *q)
{
    const orl_displays *d = &ds->disp;
    double total = 0.0;
    for (uint64_t i = 0; i < d->n; i++) {
        total += d->reward[i];
        int32_t it = d->item[d->off[i]], a = it >= 0 ? to_model[it] : -1;
        if (a >= 0) sum[a] += d->reward[i], cnt[a] += 1.0;
    }
    double mean = d->n ? total / (double)d->n : 0.0;
    for (uint32_t m = 0; m < n_model; m++) q[m] = (float)((sum[m] + mean) / (cnt[m] + 1.0));
}
