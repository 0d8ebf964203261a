/* orl_fit: set up an instance and the fit's buffers, then per epoch one pass
 * of steps over a shuffled order and the epoch's close (check, validate,
 * record, report). */
#include "train/fit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "data/transitions.h"
#include "train/diverged.h"
#include "train/popularity.h"

void orl_fit_state_init(orl_fit_state *st)
{
    memset(st, 0, sizeof *st);
    orl_keymap_init(&st->items);
    orl_fit_history_init(&st->history);
}

static void drop_instance(orl_fit_state *st)
{
    if (st->instance) st->algo->destroy(st->instance);
    st->instance = NULL;
    st->fitted = 0;
}

void orl_fit_state_free(orl_fit_state *st)
{
    drop_instance(st);
    orl_keymap_free(&st->items);
    orl_fit_history_free(&st->history);
}

const orl_params *orl_fit_policy(const orl_fit_state *st)
{
    return st->instance ? st->algo->policy_params(st->instance) : NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The exported model needs the training catalogue after the dataset is gone. */
static int copy_items(orl_keymap *dst, const orl_dataset *ds)
{
    orl_keymap_free(dst);
    orl_keymap_init(dst);
    ORL_TRY(orl_keymap_reserve(dst, ds->items.count));
    for (uint32_t i = 0; i < ds->items.count; i++)
        ORL_TRY(orl_keymap_append_from(dst, &ds->items, i));
    return ORL_OK;
}

/* One fit in progress: its inputs and the buffers it frees at the end. */
typedef struct fit_run {
    orl_fit_state *st;
    const orl_fit_config *cfg;
    const orl_dataset *train;
    const orl_fit_hooks *hooks;
    uint64_t n; /* transitions */
    float *pop;
    uint64_t *order;
    orl_batch batch;
    orl_fit_progress pr;
    double t0;
} fit_run;

/* A fresh instance (the old one is dropped first) and the fit's buffers. */
static int setup(fit_run *r)
{
    orl_fit_state *st = r->st;
    const orl_fit_config *cfg = r->cfg;
    drop_instance(st);
    st->algo = cfg->algo;
    ORL_TRY(copy_items(&st->items, r->train));
    st->n_items = orl_dataset_item_count(r->train);

    int hs = orl_fit_history_reset(&st->history, cfg->epochs);
    r->pop = orl_item_popularity(r->train);
    r->order = orl_malloc(sizeof(uint64_t) * r->n);
    int s = (!r->pop || !r->order || hs != ORL_OK)
                ? orl_fail(ORL_E_NOMEM, "orl_trainer_fit: out of memory")
                : orl_batch_init(&r->batch, cfg->batch_size, cfg->encoder->window);
    const uint64_t steps_per_epoch = (r->n + cfg->batch_size - 1) / cfg->batch_size;
    const orl_algo_context ctx = {.encoder = cfg->encoder,
                                  .n_items = st->n_items,
                                  .max_batch = cfg->batch_size,
                                  .seed = cfg->seed,
                                  .threads = cfg->threads,
                                  .settings = cfg->algo_settings,
                                  .item_popularity = r->pop,
                                  .total_steps = steps_per_epoch * cfg->epochs,
                                  .generative = cfg->generative,
                                  .generative_encoder = cfg->generative_encoder};
    if (s == ORL_OK) s = cfg->algo->create(&ctx, &st->instance);
    if (s == ORL_OK && cfg->algo->prepare) s = cfg->algo->prepare(st->instance, r->train);
    r->pr.epochs = cfg->epochs;
    r->pr.total_steps = steps_per_epoch * cfg->epochs;
    return s;
}

static int report(const fit_run *r)
{
    const orl_fit_hooks *h = r->hooks;
    return h->progress && h->progress(&r->pr, h->progress_user) != 0;
}

/* The flag is cleared by the step it stops, so a later fit starts clean. */
static int interrupted(const orl_fit_hooks *h)
{
    return h->interrupt && atomic_exchange(h->interrupt, 0);
}

/* One pass over a shuffled order of the transitions: a step and a report per batch. */
static int run_steps(fit_run *r, uint32_t epoch)
{
    const orl_fit_config *cfg = r->cfg;
    const uint32_t batch = cfg->batch_size;
    orl_fit_progress *pr = &r->pr;
    int s = orl_dataset_epoch_order(r->train, cfg->seed, epoch, r->order);
    double loss_sum = 0, e0 = now_s();
    uint64_t done = 0;
    pr->epoch = epoch + 1;
    pr->validation = NULL;
    pr->end_of_epoch = 0;
    for (uint64_t off = 0; s == ORL_OK && off < r->n; off += batch) {
        if (interrupted(r->hooks))
            return orl_fail(ORL_E_CANCELLED, "training interrupted at epoch %u, step %llu",
                            epoch + 1, (unsigned long long)pr->step);
        size_t nb = (size_t)(r->n - off < batch ? r->n - off : batch);
        s = orl_dataset_fill_batch(r->train, r->order + off, nb, &r->batch);
        orl_step_losses losses = {NAN, NAN, NAN};
        if (s == ORL_OK)
            s = cfg->algo->step(r->st->instance, &r->batch, cfg->learning_rate, &losses);
        if (s != ORL_OK) {
            if (s == ORL_E_NUMERIC)
                orl_fail_context("epoch %u, step %llu (lower the learning rate?)", epoch + 1,
                                 (unsigned long long)pr->step + 1);
            return s;
        }
        done += nb;
        loss_sum += (double)losses.loss * (double)nb;
        pr->step++;
        pr->loss = losses.loss;
        pr->epoch_loss = (float)(loss_sum / (double)done);
        double now = now_s();
        pr->transitions_per_s = (double)done / (now - e0 > 1e-9 ? now - e0 : 1e-9);
        pr->elapsed_s = now - r->t0;
        r->st->fitted = 1; /* weights exist from here on (a cancelled fit can be exported) */
        if (report(r))
            s = orl_fail(ORL_E_CANCELLED,
                         "training cancelled by the progress callback at "
                         "epoch %u, step %llu",
                         epoch + 1, (unsigned long long)pr->step);
    }
    return s;
}

/* The end of an epoch: check the weights, validate, record, report. */
static int close_epoch(fit_run *r, uint32_t epoch)
{
    /* The loss of each step is checked before its update; the updates
     * themselves are checked here, once per epoch (one pass over the weights). */
    char when[64];
    snprintf(when, sizeof when, "orl_trainer_fit: after epoch %u", epoch + 1);
    ORL_TRY(orl_fit_check_weights(orl_fit_policy(r->st), when));
    const orl_fit_hooks *h = r->hooks;
    orl_fit_progress *pr = &r->pr;
    orl_eval_result vres;
    if (h->validate) {
        ORL_TRY(h->validate(h->validate_user, &vres));
        pr->validation = &vres;
    }
    pr->end_of_epoch = 1;
    pr->elapsed_s = now_s() - r->t0;
    orl_epoch_record *rec = orl_fit_history_push(&r->st->history);
    if (!rec) return orl_fail(ORL_E_INTERNAL, "orl_fit: more epochs than the history has room for");
    rec->epoch = epoch + 1;
    rec->loss = pr->epoch_loss;
    rec->transitions_per_s = pr->transitions_per_s;
    rec->elapsed_s = pr->elapsed_s;
    rec->has_validation = h->validate != NULL;
    if (h->validate) rec->validation = vres;
    if (r->st->algo->epoch_stats) r->st->algo->epoch_stats(r->st->instance, &rec->algo_stats);
    orl_log(ORL_LOG_INFO, "epoch %u/%u: loss %.4f, %.0f transitions/s", epoch + 1, pr->epochs,
            (double)pr->epoch_loss, pr->transitions_per_s);
    int s = ORL_OK;
    if (report(r))
        s = orl_fail(ORL_E_CANCELLED,
                     "training cancelled by the progress callback after "
                     "epoch %u",
                     epoch + 1);
    pr->validation = NULL; /* vres ends here */
    return s;
}

int orl_fit(orl_fit_state *st, const orl_fit_config *cfg, const orl_dataset *train,
            const orl_fit_hooks *hooks)
{
    fit_run r;
    memset(&r, 0, sizeof r);
    r.st = st;
    r.cfg = cfg;
    r.train = train;
    r.hooks = hooks;
    r.n = orl_dataset_transition_count(train);
    int s = setup(&r);
    r.t0 = now_s();
    for (uint32_t epoch = 0; s == ORL_OK && epoch < cfg->epochs; epoch++) {
        s = run_steps(&r, epoch);
        if (s == ORL_OK) s = close_epoch(&r, epoch);
    }
    orl_batch_free(&r.batch);
    orl_free(r.order);
    orl_free(r.pop);
    /* A cancelled fit keeps its weights; a failed one may hold garbage. */
    if (s != ORL_OK && s != ORL_E_CANCELLED) drop_instance(st);
    return s;
}
