/* orl_model_estimate_value: the off-policy estimators of lib/eval/ope.h on a
 * model and logged sessions. The checks come first (catalogue, propensities),
 * then the behaviour and reward models, one scoring pass over every logged
 * step (ope_collect.c), and each estimator with its interval over sessions. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/model_impl.h"
#include "api/ope_impl.h"
#include "core/alloc.h"
#include "data/dataset.h"
#include "data/transitions.h"
#include "models/pl_inclusion.h"
#include "offlinerl/offlinerl.h"

static const char FN[] = "orl_model_estimate_value";

/* "step 12 (session 'abc', position 3)" for event e. */
static void step_name(const orl_dataset *ds, uint64_t e, char *buf, size_t len)
{
    uint64_t s = orl_dataset_session_of(ds, e);
    char key[ORL_KEY_MAX_LEN + 1];
    orl_keymap_text(&ds->sessions, ds->sess_key[s], key, sizeof key);
    snprintf(buf, len, "step %llu (session '%s', position %llu)", (unsigned long long)e, key,
             (unsigned long long)(e - ds->sess_off[s]));
}

/* map[dataset id] = m's id of the same key, or -1. */
int ope_item_map(const orl_model *m, const orl_dataset *ds, int32_t **out)
{
    uint32_t n = orl_dataset_item_count(ds);
    int32_t *map = orl_malloc(sizeof(int32_t) * (n ? n : 1));
    if (!map) return orl_fail(ORL_E_NOMEM, "%s: out of memory", FN);
    char key[ORL_KEY_MAX_LEN + 1];
    for (uint32_t i = 0; i < n; i++) {
        size_t len = orl_dataset_item_text(ds, i, key, sizeof key);
        uint32_t id;
        map[i] = orl_keymap_find_str(&m->items, key, len, &id) ? (int32_t)id : -1;
    }
    *out = map;
    return ORL_OK;
}

/* The logged items must be in the catalogue of `what`. For the target model
 * (r not NULL) a few unknown items are allowed — the model can never show
 * them, so the target gives them probability 0 — with a warning; when more
 * than half of the logged steps are unknown the dataset is taken to come from
 * another catalogue. A behaviour model (r NULL) must know every logged item:
 * it has to give each one a propensity. */
static int check_catalogue(const orl_dataset *ds, const int32_t *map, const char *what,
                           orl_ope_result *r)
{
    uint64_t steps = 0, items = 0, first = 0;
    uint32_t n = orl_dataset_item_count(ds);
    for (uint32_t i = 0; i < n; i++) items += map[i] < 0;
    for (uint64_t e = 0; e < ds->n; e++)
        if (map[ds->ev_item[e]] < 0 && steps++ == 0) first = e;
    if (!steps) return ORL_OK;
    char key[ORL_KEY_MAX_LEN + 1], where[ORL_KEY_MAX_LEN + 96];
    orl_dataset_item_text(ds, (uint32_t)ds->ev_item[first], key, sizeof key);
    step_name(ds, first, where, sizeof where);
    if (r && 2 * steps <= ds->n)
        return ope_result_warn(r,
                               "%llu of %llu logged steps (%llu items, the first '%s' at %s) have "
                               "an item %s does not know: the target policy gives them "
                               "probability 0",
                               (unsigned long long)steps, (unsigned long long)ds->n,
                               (unsigned long long)items, key, where, what);
    return orl_fail(ORL_E_STATE,
                    "%s: %llu of %llu logged steps (%llu items, the first '%s' at %s) have an "
                    "item %s does not know: the dataset comes from another catalogue%s",
                    FN, (unsigned long long)steps, (unsigned long long)ds->n,
                    (unsigned long long)items, key, where, what,
                    r ? " (more than half of the steps)" : "");
}

/* Logged propensities: present, finite, in (0, 1]. */
static int check_logged(const orl_dataset *ds)
{
    if (!ds->ev_prop)
        return orl_fail(ORL_E_STATE,
                        "%s: the dataset has no logging propensities; give them when loading, or "
                        "set params->behaviour to ORL_OPE_BEHAVIOUR_MODEL (with behaviour_model) "
                        "or ORL_OPE_BEHAVIOUR_FIT",
                        FN);
    for (uint64_t e = 0; e < ds->n; e++) {
        float p = ds->ev_prop[e];
        if (p > 0.0f && p <= 1.0f) continue;
        char where[ORL_KEY_MAX_LEN + 96];
        step_name(ds, e, where, sizeof where);
        return orl_fail(ORL_E_STATE,
                        "%s: the logging propensity of %s is %g; propensities must be in (0, 1] "
                        "(or use another params->behaviour)",
                        FN, where, (double)p);
    }
    return ORL_OK;
}

static int check_beta(const orl_dataset *ds, const double *beta, const char *source)
{
    for (uint64_t e = 0; e < ds->n; e++) {
        if (beta[e] > 0.0 && isfinite(beta[e])) continue;
        char where[ORL_KEY_MAX_LEN + 96];
        step_name(ds, e, where, sizeof where);
        return orl_fail(ORL_E_STATE, "%s: %s gives %s the propensity %g", FN, source, where,
                        beta[e]);
    }
    return ORL_OK;
}

/* The context-free reward model: each model item's mean logged reward,
 * shrunk towards the overall mean by one step's worth. */
static int item_means(const orl_model *m, const orl_dataset *ds, const int32_t *map, float **out)
{
    double *sum = orl_calloc(2 * (size_t)m->n_items, sizeof(double));
    float *q = orl_malloc(sizeof(float) * m->n_items);
    if (!sum || !q) {
        orl_free(sum);
        orl_free(q);
        return orl_fail(ORL_E_NOMEM, "%s: out of memory", FN);
    }
    double *cnt = sum + m->n_items, total = 0.0;
    if (ope_display_k(ds) == 1) { /* every display, clicked or not */
        ope_display_item_means(ds, map, m->n_items, sum, cnt, q);
        orl_free(sum);
        *out = q;
        return ORL_OK;
    }
    for (uint64_t e = 0; e < ds->n; e++) {
        double r = orl_dataset_event_reward(ds, e);
        total += r;
        int32_t a = map[ds->ev_item[e]];
        if (a >= 0) sum[a] += r, cnt[a] += 1.0;
    }
    double mean = ds->n ? total / (double)ds->n : 0.0;
    for (uint32_t i = 0; i < m->n_items; i++) q[i] = (float)((sum[i] + mean) / (cnt[i] + 1.0));
    orl_free(sum);
    *out = q;
    return ORL_OK;
}

/* A supervised model fitted on the dataset: the behaviour policy's estimate. */
static int fit_behaviour(const orl_dataset *ds, const orl_ope_params *p, orl_model **out)
{
    orl_encoder *enc = NULL;
    if (!p->fqe_encoder) {
        orl_encoder_params ep;
        orl_encoder_params_init(&ep);
        ORL_TRY(orl_encoder_create(&ep, &enc));
    }
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = p->fqe_epochs;
    tp.seed = p->seed;
    tp.threads = p->threads;
    orl_trainer *t = NULL;
    int s = orl_trainer_create(&tp, p->fqe_encoder ? p->fqe_encoder : enc, NULL, NULL, &t);
    if (s == ORL_OK) s = orl_trainer_fit(t, ds, NULL);
    if (s == ORL_OK) s = orl_trainer_export_model(t, out);
    if (s != ORL_OK) orl_fail_context("%s: fitting the behaviour model", FN);
    /* after the message: freeing may clear the error state, never s */
    orl_trainer_free(t);
    orl_encoder_free(enc);
    return s;
}

typedef struct plan {
    uint8_t want[64];
    int explicit_list, need_q, need_qseq;
    orl_model *owned_behaviour; /* fitted or re-headed: ours to free */
    const orl_model *behaviour;
    int32_t *to_model, *to_behaviour;
    int32_t *to_ds; /* the model's id -> dataset id, or -1 (for FQE) */
    float *item_q;
    uint32_t k;                    /* items per display (0: the events are the steps) */
    ope_fqe *fqe_reward, *fqe_seq; /* gamma 0 and gamma (the same one when gamma is 0) */
} plan;

static void plan_free(plan *p)
{
    if (p->fqe_seq != p->fqe_reward) ope_fqe_free(p->fqe_seq);
    ope_fqe_free(p->fqe_reward);
    orl_free(p->to_ds);
    orl_model_free(p->owned_behaviour);
    orl_free(p->to_model);
    orl_free(p->to_behaviour);
    orl_free(p->item_q);
}

static uint64_t longest_session(const orl_dataset *ds)
{
    uint64_t m = 0;
    for (uint64_t s = 0; s < ds->n_sessions; s++)
        if (ds->sess_off[s + 1] - ds->sess_off[s] > m) m = ds->sess_off[s + 1] - ds->sess_off[s];
    return m;
}

/* Which estimators run, and what they need; a warning for each one left out. */
static int choose(const orl_ope_params *p, const orl_dataset *ds, uint32_t k, plan *pl,
                  orl_ope_result *r)
{
    ORL_TRY(ope_params_select(p->estimators, pl->want, &pl->explicit_list, FN));
    int multi = longest_session(ds) > 1;
    if (k) { /* display sessions */
        multi = 0;
        for (uint64_t i = 1; i < ds->disp.n && !multi; i++)
            multi = ds->disp.dsess[i] == ds->disp.dsess[i - 1];
    }
    for (size_t i = 0; i < orl_ope_estimator_count(); i++) {
        const orl_ope_estimator *e = orl_ope_estimator_at(i);
        if (!pl->want[i]) continue;
        if (k > 1 && !(e->needs & ORL_OPE_SLATE)) {
            if (pl->explicit_list)
                return orl_fail(ORL_E_STATE,
                                "%s: estimator '%s' needs one item per logged step; these logs "
                                "show slates of %u (use iips or pseudo_inverse)",
                                FN, e->name, (unsigned)k);
            pl->want[i] = 0;
            continue;
        }
        if ((e->needs & ORL_OPE_SLATE) && k <= 1) {
            /* Slates need a display table with several items per display. */
            if (pl->explicit_list)
                return orl_fail(ORL_E_STATE,
                                "%s: estimator '%s' needs slates (a display table with several "
                                "items shown per step); the dataset has none",
                                FN, e->name);
            pl->want[i] = 0;
            continue;
        }
        if (e->per_session && !multi && !pl->explicit_list) {
            pl->want[i] = 0;
            continue; /* one step per session: the per-step forms say it all */
        }
        pl->need_q |= (e->needs & ORL_OPE_NEEDS_Q) != 0;
        pl->need_qseq |= (e->needs & ORL_OPE_NEEDS_QSEQ) != 0;
    }
    return ORL_OK;
}

static int prepare_behaviour(const orl_model *model, const orl_dataset *ds, const orl_ope_params *p,
                             plan *pl, orl_ope_result *r)
{
    if (p->behaviour == ORL_OPE_BEHAVIOUR_LOGGED)
        return pl->k ? ope_check_display_props(ds, pl->k, FN) : check_logged(ds);
    if (p->behaviour == ORL_OPE_BEHAVIOUR_FIT && pl->k) {
        /* The displays say what the logger showed, clicked or not: the
         * impression model's softmax estimates its single-draw probabilities
         * (a model of the clicks would estimate the click distribution), and
         * with slates K x that softmax the inclusion probabilities. */
        uint64_t shown = 0;
        ORL_TRY(ope_fit_impressions(ds, p, &shown, &pl->owned_behaviour));
        pl->behaviour = pl->owned_behaviour;
        ORL_TRY(ope_result_warn(r,
                                "%s from an impression model fitted on these logs' displays (%llu "
                                "shown items, %u epochs%s): the estimates inherit its error, and "
                                "are confounded where the logger used what the click history does "
                                "not show",
                                pl->k > 1 ? "inclusion probabilities" : "propensities",
                                (unsigned long long)shown, (unsigned)p->fqe_epochs,
                                pl->k > 1 ? "; inclusion = K x its softmax" : ""));
    } else if (p->behaviour == ORL_OPE_BEHAVIOUR_FIT) {
        ORL_TRY(fit_behaviour(ds, p, &pl->owned_behaviour));
        pl->behaviour = pl->owned_behaviour;
        ORL_TRY(ope_result_warn(r,
                                "propensities from a supervised model fitted on these logs "
                                "(%u epochs): the estimates inherit its error",
                                (unsigned)p->fqe_epochs));
    } else {
        uint32_t head = 0;
        ORL_TRY(orl_model_head(p->behaviour_model, &head));
        pl->behaviour = p->behaviour_model;
        if (head != ORL_HEAD_SUPERVISED) {
            int s =
                orl_model_with_head(p->behaviour_model, ORL_HEAD_SUPERVISED, &pl->owned_behaviour);
            if (s != ORL_OK)
                return orl_fail_context("%s: params->behaviour_model has no supervised head", FN);
            pl->behaviour = pl->owned_behaviour;
        }
    }
    (void)model;
    ORL_TRY(ope_item_map(pl->behaviour, ds, &pl->to_behaviour));
    return check_catalogue(ds, pl->to_behaviour, "the behaviour model", NULL);
}

/* The interval params->interval asks for, over sessions. */
static int interval(orl_ope_sessions_fn fn, const void *ctx, uint64_t n_sessions,
                    const orl_ope_params *p, int threads, orl_ope_interval *iv)
{
    if (p->interval == ORL_OPE_INTERVAL_NORMAL)
        return orl_ope_interval_normal(fn, ctx, n_sessions, p->confidence, iv);
    if (p->interval == ORL_OPE_INTERVAL_BCA)
        return orl_ope_interval_bca(fn, ctx, n_sessions, p->bootstrap_samples, p->confidence,
                                    p->seed, threads, iv);
    return orl_ope_interval_bootstrap(fn, ctx, n_sessions, p->bootstrap_samples, p->confidence,
                                      p->seed, threads, iv);
}

/* One estimator's value, interval and diagnostics into e. */
static int estimate(const orl_ope_estimator *est, const orl_ope_steps *d, const orl_ope_config *c,
                    const orl_ope_params *p, int threads, orl_ope_estimate *e, ope_timing *t)
{
    memset(e, 0, sizeof *e);
    e->struct_size = sizeof *e;
    snprintf(e->estimator, sizeof e->estimator, "%s", est->name);
    orl_ope_bound b = {d, c, est->value};
    orl_ope_interval iv;
    double t0 = ope_now();
    ORL_TRY(interval(orl_ope_on_steps, &b, d->n_sessions, p, threads, &iv));
    double t1 = ope_now();
    orl_ope_diag g;
    est->diag(d, c, &g);
    t->intervals += t1 - t0;
    t->estimators += ope_now() - t1;
    e->value = iv.value;
    e->ci_low = iv.low;
    e->ci_high = iv.high;
    e->std_error = iv.std_error;
    e->ess = g.ess;
    e->clipped_share = g.clipped_share;
    e->per_session = est->per_session;
    e->n_steps = orl_ope_n_steps(d);
    e->n_sessions = d->n_sessions;
    double scale = est->per_session ? 1.0 : (double)e->n_steps / (double)e->n_sessions;
    e->session_value = scale * e->value;
    e->session_ci_low = scale * e->ci_low;
    e->session_ci_high = scale * e->ci_high;
    return ORL_OK;
}

/* FQE with gamma 0 (the per-step forms' reward model) and with params->gamma
 * (the sequential forms'): one fit when they are the same. */
static int fit_fqe(const orl_dataset *ds, const orl_ope_params *p, const ope_collect_spec *spec,
                   plan *pl, orl_ope_result *r)
{
    const orl_model *m = spec->model;
    pl->to_ds = orl_malloc(sizeof(int32_t) * m->n_items);
    if (!pl->to_ds) return orl_fail(ORL_E_NOMEM, "%s: out of memory", FN);
    for (uint32_t i = 0; i < m->n_items; i++) pl->to_ds[i] = -1;
    for (uint32_t d = 0; d < orl_dataset_item_count(ds); d++)
        if (pl->to_model[d] >= 0) pl->to_ds[pl->to_model[d]] = (int32_t)d;
    int reward = pl->need_q && p->reward_model == ORL_OPE_REWARD_FQE;
    double lost = 0.0;
    if (reward) ORL_TRY(ope_fqe_fit(ds, p, 0.0, spec, pl->to_ds, &pl->fqe_reward, &lost));
    if (pl->need_qseq && reward && p->gamma == 0.0) {
        pl->fqe_seq = pl->fqe_reward;
    } else if (pl->need_qseq) {
        ORL_TRY(ope_fqe_fit(ds, p, p->gamma, spec, pl->to_ds, &pl->fqe_seq, &lost));
        if (lost > 0.0)
            ORL_TRY(ope_result_warn(r,
                                    "FQE: on %.1f%% of the states the target puts probability on "
                                    "items these logs never show; FQE spreads it over the logged "
                                    "items",
                                    100.0 * lost));
    }
    return ORL_OK;
}

/* A slate estimator's value, interval and ESS into e (values per display). */
static int estimate_slate(const orl_ope_estimator *est, const orl_ope_slates *sl,
                          const orl_ope_params *p, int threads, orl_ope_estimate *e, ope_timing *t)
{
    memset(e, 0, sizeof *e);
    e->struct_size = sizeof *e;
    snprintf(e->estimator, sizeof e->estimator, "%s", est->name);
    orl_ope_sessions_fn fn =
        strcmp(est->name, "iips") == 0 ? orl_ope_slate_iips_fn : orl_ope_slate_pi_fn;
    orl_ope_interval iv;
    double t0 = ope_now();
    ORL_TRY(interval(fn, sl, sl->n_sessions, p, threads, &iv));
    t->intervals += ope_now() - t0;
    e->value = iv.value, e->ci_low = iv.low, e->ci_high = iv.high, e->std_error = iv.std_error;
    e->ess = orl_ope_slate_ess(sl);
    e->n_steps = sl->sess_off[sl->n_sessions];
    e->n_sessions = sl->n_sessions;
    double scale = (double)e->n_steps / (double)e->n_sessions;
    e->session_value = scale * e->value;
    e->session_ci_low = scale * e->ci_low;
    e->session_ci_high = scale * e->ci_high;
    return ORL_OK;
}

static int run(const orl_model *model, const orl_dataset *ds, const orl_ope_params *p,
               const orl_policy_rule *rule, orl_ope_result *r)
{
    double start = ope_now();
    plan pl;
    memset(&pl, 0, sizeof pl);
    pl.k = ope_display_k(ds);
    if (pl.k == UINT32_MAX) pl.k = ope_display_kmax(ds); /* slates of different sizes */
    /* Slates with a stochastic target or a behaviour model: inclusion
     * probabilities of PL slates (models/pl_inclusion.h), up to its K. */
    if (pl.k > ORL_PL_MAX_K &&
        (rule->kind != ORL_POLICY_GREEDY || p->behaviour != ORL_OPE_BEHAVIOUR_LOGGED))
        return orl_fail(ORL_E_UNSUPPORTED,
                        "%s: displays of up to %u items; slates with a stochastic policy or "
                        "without logged inclusion probabilities take at most %u",
                        FN, (unsigned)pl.k, (unsigned)ORL_PL_MAX_K);
    int s = choose(p, ds, pl.k, &pl, r);
    if (s == ORL_OK) s = ope_item_map(model, ds, &pl.to_model);
    if (s == ORL_OK) s = check_catalogue(ds, pl.to_model, "the model", r);
    double t0 = ope_now();
    if (s == ORL_OK) s = prepare_behaviour(model, ds, p, &pl, r);
    r->timing.behaviour += ope_now() - t0;
    int item_mean = p->reward_model == ORL_OPE_REWARD_ITEM_MEAN;
    if (s == ORL_OK && pl.need_q && item_mean) s = item_means(model, ds, pl.to_model, &pl.item_q);
    ope_collect_spec spec = {model,
                             pl.to_model,
                             *rule,
                             pl.behaviour,
                             pl.to_behaviour,
                             pl.item_q,
                             NULL,
                             NULL,
                             NULL,
                             NULL,
                             p->threads,
                             0,
                             NULL,
                             0};
    /* The fitted impression model's softmax estimates inclusion / K (cross-entropy
     * on every shown item): pos_beta = K p, with no assumption on how the logger
     * drew its slates; a given model is a single-draw p (PL inclusion). */
    spec.impression_rate = pl.k > 1 && p->behaviour == ORL_OPE_BEHAVIOUR_FIT;
    t0 = ope_now();
    if (s == ORL_OK && (pl.need_qseq || (pl.need_q && !item_mean)))
        s = fit_fqe(ds, p, &spec, &pl, r);
    r->timing.fqe_fit += ope_now() - t0;
    spec.to_ds = pl.to_ds;
    if (pl.need_q && !item_mean) spec.q_rows = ope_fqe_q_rows, spec.q_ctx = pl.fqe_reward;
    if (pl.need_qseq) spec.qs_rows = ope_fqe_q_rows, spec.qs_ctx = pl.fqe_seq;
    ope_arrays a;
    ope_disp_arrays da;
    memset(&a, 0, sizeof a);
    memset(&da, 0, sizeof da);
    if (s == ORL_OK) {
        if (pl.k) {
            s = ope_collect_displays(ds, &spec, &da, &r->timing);
            /* The display arrays in the step arrays' places. */
            a.n = da.n, a.reward = da.reward, a.beta = da.beta, a.pi = da.pi, a.q = da.q;
            a.v = da.v, a.q_seq = da.q_seq, a.v_seq = da.v_seq;
        } else {
            s = ope_collect(ds, &spec, &a, &r->timing);
        }
    }
    if (s == ORL_OK && pl.behaviour && pl.k == 1)
        for (uint64_t i = 0; s == ORL_OK && i < da.n; i++)
            if (!(da.beta[i] > 0.0))
                s = orl_fail(ORL_E_STATE,
                             "%s: the behaviour model gives display %llu the "
                             "propensity %g",
                             FN, (unsigned long long)i, da.beta[i]);
    if (s == ORL_OK && pl.behaviour && pl.k > 1) {
        if (p->behaviour == ORL_OPE_BEHAVIOUR_MODEL)
            s = ope_result_warn(r,
                                "inclusion probabilities from params->behaviour_model's softmax, "
                                "assuming the logger drew each slate by Plackett-Luce from it");
        if (s == ORL_OK && da.unknown_shown)
            s = ope_result_warn(r,
                                "%llu of %llu shown items are not in the behaviour model's "
                                "catalogue (never clicked): the target cannot show them either, "
                                "their weight is 0",
                                (unsigned long long)da.unknown_shown,
                                (unsigned long long)ds->disp.n_shown);
    }
    if (s == ORL_OK && pl.behaviour && !pl.k)
        s = check_beta(ds, a.beta,
                       p->behaviour == ORL_OPE_BEHAVIOUR_FIT ? "the fitted behaviour model"
                                                             : "params->behaviour_model");
    orl_ope_steps d = {pl.k ? da.n_sessions : ds->n_sessions,
                       pl.k ? da.sess_off : ds->sess_off,
                       a.reward,
                       a.beta,
                       a.pi,
                       pl.need_q ? a.q : NULL,
                       pl.need_q ? a.v : NULL,
                       pl.need_qseq ? a.q_seq : NULL,
                       pl.need_qseq ? a.v_seq : NULL};
    orl_ope_slates sl = {da.n_sessions, da.sess_off, da.slot_off,
                         da.pos_reward, da.pos_pi,   da.pos_beta};
    orl_ope_config c = {p->clip, p->switch_threshold, p->gamma};
    for (size_t i = 0; s == ORL_OK && i < orl_ope_estimator_count(); i++) {
        if (!pl.want[i]) continue;
        const orl_ope_estimator *est = orl_ope_estimator_at(i);
        orl_ope_estimate e;
        int threads = p->threads ? p->threads : orl_cpu_count();
        if (est->needs & ORL_OPE_SLATE)
            s = estimate_slate(est, &sl, p, threads, &e, &r->timing);
        else
            s = estimate(est, &d, &c, p, threads, &e, &r->timing);
        if (s == ORL_OK) s = ope_result_add(r, &e);
        if (s == ORL_OK && isfinite(e.value) && e.ci_high - e.ci_low <= 1e-6 * fabs(e.value) &&
            (est->value == orl_ope_dm || est->value == orl_ope_fqe))
            s = ope_result_warn(r,
                                "%s's interval has no width: its model gives every session the "
                                "same value (the interval leaves the model's own error out)",
                                est->name);
        if (s == ORL_OK && !isfinite(e.value))
            s = ope_result_warn(r,
                                "%s is not finite: the weights overflowed or are all zero (the "
                                "target never takes a logged action)",
                                est->name);
    }
    if (s == ORL_OK) {
        r->n_steps = pl.k ? da.n : ds->n;
        r->n_sessions = pl.k ? da.n_sessions : ds->n_sessions;
        snprintf(r->behaviour, sizeof r->behaviour, "%s",
                 p->behaviour == ORL_OPE_BEHAVIOUR_LOGGED  ? "logged"
                 : p->behaviour == ORL_OPE_BEHAVIOUR_MODEL ? "model"
                                                           : "fit");
        snprintf(r->reward_model, sizeof r->reward_model, "%s",
                 !pl.need_q                                    ? "none"
                 : p->reward_model == ORL_OPE_REWARD_ITEM_MEAN ? "item_mean"
                                                               : "fqe");
        ope_policy_text(rule, r->policy, sizeof r->policy);
        r->interval = p->interval;
        r->samples = p->bootstrap_samples;
        r->confidence = p->confidence;
        r->timing.total = ope_now() - start;
    }
    if (pl.k)
        ope_disp_arrays_free(&da);
    else
        ope_arrays_free(&a);
    plan_free(&pl);
    return s;
}

ORL_API int orl_model_estimate_value(const orl_model *model, const orl_dataset *ds,
                                     const orl_ope_params *params, orl_ope_result **out)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(out);
    orl_ope_params defaults;
    orl_ope_params_init(&defaults);
    const orl_ope_params *p = params ? params : &defaults;
    orl_policy_rule rule;
    ORL_TRY(ope_params_check(p, &rule, FN));
    if (!ds->finalized) return orl_fail(ORL_E_STATE, "%s: the dataset is not finalized", FN);
    if (ds->n == 0) return orl_fail(ORL_E_STATE, "%s: the dataset has no events", FN);
    if (orl_policy_rule_check_items(&rule, model->n_items) != ORL_OK)
        return orl_fail_context("%s: params->policy", FN);
    orl_ope_result *r = NULL;
    ORL_TRY(ope_result_new(&r));
    int s = run(model, ds, p, &rule, r);
    if (s != ORL_OK) {
        orl_ope_result_free(r);
        return s;
    }
    *out = r;
    return ORL_OK;
}
