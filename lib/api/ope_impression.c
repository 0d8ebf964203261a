/* The behaviour model of slate logs without inclusion probabilities: an
 * impression model, the supervised network trained with cross-entropy on
 * every shown item of every display (the state is the click history before
 * the display, as the estimators see it), so that its softmax estimates the
 * logging policy's single-draw probabilities p, under which the slate is a
 * Plackett-Luce draw. A click model (trained on the clicks) would estimate
 * what users pick, not what the logger showed. Exported as an orl_model over
 * the dataset's catalogue, as the trainer exports one. */
#include <string.h>

#include "api/handles.h"
#include "api/model_impl.h"
#include "api/ope_impl.h"
#include "core/alloc.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "data/displays.h"
#include "models/sl_net.h"

enum { IMP_BATCH = 256 };
#define IMP_LR 0.01f /* the trainer's default step (the one-item fit's) */

typedef struct imp_fit {
    uint64_t *disp;  /* per example: its display */
    int32_t *item;   /* per example: the shown item */
    uint32_t *order; /* shuffled example indices */
    uint64_t ids[IMP_BATCH];
    int32_t *states, lens[IMP_BATCH], actions[IMP_BATCH];
    orl_sl_net *net;
} imp_fit;

static void imp_free(imp_fit *f)
{
    orl_free(f->disp);
    orl_free(f->item);
    orl_free(f->order);
    orl_free(f->states);
    orl_sl_net_free(f->net);
}

static int epochs(imp_fit *f, const orl_dataset *ds, uint32_t n_ex, uint32_t window,
                  const orl_ope_params *p)
{
    orl_rng rng;
    orl_rng_init(&rng, p->seed, 0x1a9e5510u);
    for (uint32_t e = 0; e < p->fqe_epochs; e++) {
        orl_rng_shuffle_u32(&rng, f->order, n_ex);
        for (uint32_t b = 0; b < n_ex; b += IMP_BATCH) {
            uint32_t nb = n_ex - b < IMP_BATCH ? n_ex - b : IMP_BATCH;
            for (uint32_t r = 0; r < nb; r++) {
                f->ids[r] = f->disp[f->order[b + r]];
                f->actions[r] = f->item[f->order[b + r]];
            }
            ORL_TRY(orl_dataset_fill_display_states(ds, f->ids, nb, window, f->states, f->lens));
            float loss;
            ORL_TRY(orl_sl_net_train_step(f->net, f->states, f->lens, f->actions, (int)nb, IMP_LR,
                                          &loss));
        }
    }
    return ORL_OK;
}

int ope_fit_impressions(const orl_dataset *ds, const orl_ope_params *p, uint64_t *out_examples,
                        orl_model **out)
{
    const orl_displays *d = &ds->disp;
    const uint32_t n = orl_dataset_item_count(ds), window = orl_dataset_window(ds);
    uint64_t n_ex = 0;
    for (uint64_t l = 0; l < d->n_shown; l++) n_ex += d->item[l] >= 0;
    if (n_ex == 0 || n == 0)
        return orl_fail(ORL_E_STATE,
                        "fitting the impression model: no display shows an item of the "
                        "dataset's catalogue");
    if (n_ex > UINT32_MAX)
        return orl_fail(ORL_E_UNSUPPORTED, "fitting the impression model: %llu shown items",
                        (unsigned long long)n_ex);
    orl_encoder_spec spec;
    if (p->fqe_encoder)
        spec = p->fqe_encoder->spec;
    else
        orl_encoder_spec_default(&spec);
    spec.window = window; /* the states are the dataset's */
    ORL_TRY(orl_encoder_spec_resolve(&spec));
    orl_sl_net_config cfg = orl_sl_net_config_default((int)n);
    cfg.embed_dim = (int)spec.embed_dim;
    cfg.hidden_dim = (int)spec.hidden_dim;
    cfg.window = (int)window;
    cfg.dropout = 0.0f;
    cfg.max_batch = IMP_BATCH;
    cfg.encoder = spec;
    imp_fit f;
    memset(&f, 0, sizeof f);
    f.disp = orl_malloc(sizeof(uint64_t) * n_ex);
    f.item = orl_malloc(sizeof(int32_t) * n_ex);
    f.order = orl_malloc(sizeof(uint32_t) * n_ex);
    f.states = orl_malloc(sizeof(int32_t) * IMP_BATCH * window);
    if (!f.disp || !f.item || !f.order || !f.states) {
        imp_free(&f);
        return orl_fail(ORL_E_NOMEM, "fitting the impression model: out of memory");
    }
    uint64_t x = 0;
    for (uint64_t i = 0; i < d->n; i++)
        for (uint64_t l = d->off[i]; l < d->off[i + 1]; l++)
            if (d->item[l] >= 0) f.disp[x] = i, f.item[x++] = d->item[l];
    for (uint32_t i = 0; i < (uint32_t)n_ex; i++) f.order[i] = i;
    int s = orl_sl_net_create(&cfg, p->seed, p->threads, &f.net);
    if (s == ORL_OK) s = epochs(&f, ds, (uint32_t)n_ex, window, p);
    if (s == ORL_OK)
        s = orl_model_build(&spec, n, "sl", NULL, &ds->items, orl_sl_net_params_const(f.net), NULL,
                            0, out);
    imp_free(&f);
    if (s != ORL_OK) return orl_fail_context("fitting the impression model");
    *out_examples = n_ex;
    return ORL_OK;
}
