/* FQE (lib/eval/fqe.h) for orl_model_estimate_value, on the steps the
 * estimators read: the events, or on display logs (one item per display) the
 * displays, clicked or not. The target policy's pi(.|s') for FQE's targets
 * comes from the model under the rule (ope_target.c), moved into the
 * dataset's item order; and Q rows for the logged steps. FQE knows the
 * dataset's items only: the target's probability on items the dataset never
 * mentions is left out and the rest renormalised (a row with nothing left is
 * uniform), which the result's warning counts. */
#include <math.h>
#include <string.h>

#include "api/handles.h"
#include "api/model_impl.h"
#include "api/ope_impl.h"
#include "core/alloc.h"
#include "data/dataset.h"
#include "eval/fqe.h"

struct ope_fqe {
    orl_fqe *fqe;
    const int32_t *to_ds; /* the model's id -> dataset id, or -1 */
    uint32_t ds_items, n_model;
};

typedef struct policy_ctx {
    ope_scorer sc;
    const int32_t *to_ds;
    uint32_t ds_items;
    uint64_t rows, lost_rows; /* rows with probability on items outside the dataset */
} policy_ctx;

/* One row of pi in the dataset's order, renormalised over its items. */
static void scatter_row(policy_ctx *c, size_t r, float *out)
{
    const ope_scorer *s = &c->sc;
    memset(out, 0, sizeof(float) * c->ds_items);
    double kept = 0.0;
    if (s->top) {
        const int32_t *top = s->top_ids + r * s->top;
        double eps = s->rule.kind == ORL_POLICY_EPSILON ? s->rule.epsilon : 0.0;
        if (eps > 0 && s->rule.top_k == 0)
            for (uint32_t d = 0; d < c->ds_items; d++) out[d] = (float)(eps / s->m->n_items);
        for (uint32_t i = 0; i < s->top; i++) {
            int32_t d = c->to_ds[top[i]];
            if (d >= 0) out[d] = (float)ope_scorer_pi(s, r, top[i]);
        }
    } else {
        const float *p = s->probs + r * s->m->n_items;
        for (uint32_t m = 0; m < s->m->n_items; m++)
            if (c->to_ds[m] >= 0) out[c->to_ds[m]] = p[m];
    }
    for (uint32_t d = 0; d < c->ds_items; d++) kept += out[d];
    c->rows++;
    if (kept < 1.0 - 1e-4) c->lost_rows++;
    if (kept <= 0.0) {
        for (uint32_t d = 0; d < c->ds_items; d++) out[d] = 1.0f / (float)c->ds_items;
        return;
    }
    for (uint32_t d = 0; d < c->ds_items; d++) out[d] = (float)(out[d] / kept);
}

static int policy_rows(void *ctx, const orl_batch *b, int use_next, float *out)
{
    policy_ctx *c = ctx;
    double unused = 0.0;
    for (size_t r0 = 0; r0 < b->size; r0 += OPE_BLOCK) {
        size_t nb = b->size - r0 < OPE_BLOCK ? b->size - r0 : OPE_BLOCK;
        ORL_TRY(ope_scorer_run(&c->sc, b, r0, nb, use_next, &unused, &unused));
        for (size_t r = 0; r < nb; r++) scatter_row(c, r, out + (r0 + r) * c->ds_items);
    }
    return ORL_OK;
}

int ope_fqe_fit(const orl_dataset *ds, const orl_ope_params *p, double gamma,
                const ope_collect_spec *spec, const int32_t *to_ds, ope_fqe **out,
                double *lost_share)
{
    orl_fqe_settings fs;
    orl_fqe_settings_init(&fs);
    fs.encoder = p->fqe_encoder ? &p->fqe_encoder->spec : NULL;
    fs.gamma = gamma;
    fs.epochs = p->fqe_epochs;
    fs.batch = p->fqe_batch;
    fs.learning_rate = p->fqe_learning_rate;
    fs.seed = p->seed;
    fs.threads = p->threads;
    /* On display logs the logged steps are the displays, clicked or not: FQE's
     * too. A target copy every 1000 steps left a log of 10,000 sessions (about
     * 120 steps an epoch) with no backup at all, Q = the next reward: ten
     * copies an epoch give the backups sessions of several steps need. Event
     * logs keep the fixed period (their results stay as they were). */
    const int displays = ope_display_k(ds) == 1;
    if (displays) fs.target_syncs_per_epoch = 10;
    ope_fqe *f = orl_calloc(1, sizeof *f);
    if (!f) return orl_fail(ORL_E_NOMEM, "estimate value: out of memory");
    f->to_ds = to_ds;
    f->ds_items = orl_dataset_item_count(ds);
    f->n_model = spec->model->n_items;
    policy_ctx c;
    memset(&c, 0, sizeof c);
    c.to_ds = to_ds;
    c.ds_items = f->ds_items;
    int s = ORL_OK;
    if (gamma > 0) {
        uint32_t top = ope_sparse_top(&spec->rule, spec->model->n_items);
        s = ope_scorer_init(&c.sc, spec->model, spec->to_model, f->ds_items, &spec->rule, top);
    }
    if (s == ORL_OK)
        s = (displays ? orl_fqe_fit_displays : orl_fqe_fit)(ds, &fs, gamma > 0 ? policy_rows : NULL,
                                                            &c, &f->fqe);
    ope_scorer_free(&c.sc);
    if (s != ORL_OK) {
        orl_free(f);
        return orl_fail_context("estimate value: FQE (gamma %g)", gamma);
    }
    *lost_share = c.rows ? (double)c.lost_rows / (double)c.rows : 0.0;
    *out = f;
    return ORL_OK;
}

void ope_fqe_free(ope_fqe *f)
{
    if (!f) return;
    orl_fqe_free(f->fqe);
    orl_free(f);
}

int ope_fqe_q_rows(void *ctx, const orl_batch *b, float *qds, float *out_q)
{
    const ope_fqe *f = ctx;
    const uint32_t n_model = f->n_model;
    ORL_TRY(orl_fqe_q_values(f->fqe, b, qds));
    if (!out_q) return ORL_OK; /* the dataset's order is enough */
    /* Into the model's order; the model's items the dataset lacks get the row's mean. */
    for (size_t r = 0; r < b->size; r++) {
        const float *src = qds + r * f->ds_items;
        float *dst = out_q + r * n_model;
        double mean = 0.0;
        for (uint32_t d = 0; d < f->ds_items; d++) mean += src[d];
        mean /= f->ds_items ? f->ds_items : 1;
        for (uint32_t m = 0; m < n_model; m++)
            dst[m] = f->to_ds[m] >= 0 ? src[f->to_ds[m]] : (float)mean;
    }
    return ORL_OK;
}
