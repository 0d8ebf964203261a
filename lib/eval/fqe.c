/* orl_fqe: settings, the fit loop (epoch orders, batches, the target
 * policy's probabilities, one fqe_net step each) and Q values. */
#include "eval/fqe.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/rng.h"
#include "data/display_steps.h"
#include "models/fqe_net.h"

struct orl_fqe {
    orl_fqe_net *net;
    uint32_t n_items, window;
    int64_t steps;
    double last_loss;
    void *q_scratch;      /* q_values' workspace, sized once */
    pthread_mutex_t lock; /* q_values: one call at a time on the pool and the workspace */
};

void orl_fqe_settings_init(orl_fqe_settings *s)
{
    if (!s) return;
    memset(s, 0, sizeof *s);
    s->gamma = 0.0;
    s->epochs = 3;
    s->batch = 256;
    s->learning_rate = 1e-3f;
    s->target_update = 1000;
}

int orl_fqe_settings_check(const orl_fqe_settings *s)
{
    if (!s) return orl_fail(ORL_E_INVALID_ARGUMENT, "fqe: NULL settings");
#define BAD(...) return orl_fail(ORL_E_OUT_OF_RANGE, "fqe settings: " __VA_ARGS__)
    if (!(s->gamma >= 0.0 && s->gamma <= 1.0)) BAD("gamma %g is outside [0, 1]", s->gamma);
    if (s->epochs < 1 || s->epochs > 10000) BAD("epochs %u is outside [1, 10000]", s->epochs);
    if (s->batch < 1 || s->batch > 65536) BAD("batch %u is outside [1, 65536]", s->batch);
    if (!(s->learning_rate > 0.0f && s->learning_rate <= 1.0f))
        BAD("learning_rate %g is outside (0, 1]", (double)s->learning_rate);
    if (s->target_update < 1) BAD("target_update must be >= 1");
    if (s->target_syncs_per_epoch > 1000000)
        BAD("target_syncs_per_epoch %u is outside [0, 1000000]", s->target_syncs_per_epoch);
    if (s->threads < 0 || s->threads > 256) BAD("threads %d is outside [0, 256]", s->threads);
#undef BAD
    if (s->encoder) {
        /* window 0 takes the dataset's at fit (checked there again with it) */
        orl_encoder_spec e = *s->encoder;
        if (e.window == 0) e.window = 10;
        if (orl_encoder_spec_validate(&e) != ORL_OK)
            return orl_fail_context("fqe settings: encoder");
    }
    return ORL_OK;
}

/* The encoder of the settings with the dataset's window (0 in the spec takes it). */
static int encoder_for(const orl_fqe_settings *s, uint32_t window, orl_encoder_spec *out)
{
    if (s->encoder) {
        *out = *s->encoder;
        if (out->window == 0) out->window = window;
        if (out->window != window)
            return orl_fail(ORL_E_OUT_OF_RANGE,
                            "fqe settings: encoder.window %u differs from the dataset's window %u",
                            out->window, window);
        if (orl_encoder_spec_validate(out) != ORL_OK)
            return orl_fail_context("fqe settings: encoder");
    } else {
        orl_encoder_spec_default(out);
        out->window = window;
    }
    return ORL_OK;
}

/* Sum of a row and whether every entry lies in [0, 1] (NaN does not): eight
 * partial sums and a flag, so the compiler vectorises it without fast-math. */
static float row_sum(const float *p, size_t n, int *bad)
{
    float acc[8] = {0};
    int out = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) {
            acc[j] += p[i + (size_t)j];
            out |= !(p[i + (size_t)j] >= 0.0f && p[i + (size_t)j] <= 1.0f);
        }
    for (; i < n; i++) {
        acc[0] += p[i];
        out |= !(p[i] >= 0.0f && p[i] <= 1.0f);
    }
    *bad = out;
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* Rows of pi(. | s') that the step reads (transitions not done) must be
 * distributions. */
static int check_probs(const orl_batch *b, const float *probs, size_t I)
{
    for (size_t r = 0; r < b->size; r++) {
        if (b->done[r]) continue;
        const float *p = probs + r * I;
        int bad;
        const float sum = row_sum(p, I, &bad);
        for (size_t i = 0; bad && i < I; i++)
            if (!(p[i] >= 0.0f && p[i] <= 1.0f))
                return orl_fail(ORL_E_OUT_OF_RANGE,
                                "fqe: the target policy gave probability %g to item %zu in row %zu",
                                (double)p[i], i, r);
        if (!(fabsf(sum - 1.0f) <= 1e-3f))
            return orl_fail(ORL_E_OUT_OF_RANGE,
                            "fqe: the target policy's row %zu sums to %.6g, not 1", r, (double)sum);
    }
    return ORL_OK;
}

/* Where the transitions come from: the events (ids NULL: 0 .. n-1) or the
 * displays ids[0 .. n) (data/display_steps.h). One fit loop reads both. */
typedef struct source {
    uint64_t n;
    uint64_t *ids; /* displays; owned */
} source;

/* The fit's buffers, sized once. */
typedef struct fit_bufs {
    uint64_t *order;
    orl_batch batch;
    float *probs;
} fit_bufs;

static void bufs_free(fit_bufs *f)
{
    orl_free(f->order);
    orl_batch_free(&f->batch);
    orl_free(f->probs);
}

/* The epoch's order: the events' as orl_dataset_epoch_order; the displays
 * shuffled by the same generator (seed, stream = epoch). */
static int epoch_order(const orl_dataset *ds, const source *src, uint64_t seed, uint32_t epoch,
                       uint64_t *order)
{
    if (!src->ids) return orl_dataset_epoch_order(ds, seed, epoch, order);
    orl_rng rng;
    orl_rng_init(&rng, seed ^ 0x6a09e667f3bcc909ull, epoch);
    memcpy(order, src->ids, sizeof(uint64_t) * src->n);
    for (uint64_t i = src->n; i > 1; i--) {
        uint64_t j = orl_rng_below64(&rng, i), x = order[i - 1];
        order[i - 1] = order[j];
        order[j] = x;
    }
    return ORL_OK;
}

static int one_epoch(orl_fqe *f, const orl_dataset *ds, const source *src,
                     const orl_fqe_settings *s, uint32_t epoch, orl_fqe_policy_fn pi, void *pi_ctx,
                     fit_bufs *bf)
{
    const uint64_t n = src->n;
    const size_t B = bf->batch.capacity;
    const int use_pi = s->gamma > 0.0;
    ORL_TRY(epoch_order(ds, src, s->seed, epoch, bf->order));
    double loss_sum = 0.0;
    for (uint64_t off = 0; off < n; off += B) {
        const size_t nb = (size_t)(n - off < B ? n - off : B);
        orl_batch *b = &bf->batch;
        ORL_TRY(src->ids ? orl_dataset_fill_display_batch(ds, bf->order + off, nb, b)
                         : orl_dataset_fill_batch(ds, bf->order + off, nb, b));
        int st = ORL_OK;
        if (use_pi) {
            st = pi(pi_ctx, b, 1, bf->probs);
            if (st > 0)
                st = orl_fail(ORL_E_CANCELLED, "fqe: the target policy callback returned %d", st);
            if (st == ORL_OK) st = check_probs(b, bf->probs, f->n_items);
        }
        float loss = 0.0f;
        if (st == ORL_OK)
            st = orl_fqe_net_train_step(
                f->net, b->states, b->state_len, b->actions, b->rewards, b->next_states,
                b->next_len, b->done, use_pi ? bf->probs : NULL, (int)nb, s->learning_rate, &loss);
        if (st != ORL_OK)
            return orl_fail_context("fqe: epoch %u, step %lld", epoch + 1, (long long)f->steps + 1);
        f->steps++;
        loss_sum += (double)loss * (double)nb;
    }
    f->last_loss = loss_sum / (double)n;
    orl_log(ORL_LOG_INFO, "fqe: epoch %u/%u: loss %.6g", epoch + 1, s->epochs, f->last_loss);
    return ORL_OK;
}

/* The fit on the transitions of src (settings checked, n > 0). */
static int fit(const orl_dataset *ds, const source *src, const orl_fqe_settings *s,
               orl_fqe_policy_fn pi, void *pi_ctx, orl_fqe **out)
{
    const uint64_t n = src->n;
    const uint32_t I = orl_dataset_item_count(ds), window = orl_dataset_window(ds);
    orl_fqe_net_config nc;
    memset(&nc, 0, sizeof nc);
    nc.n_items = (int)I;
    nc.max_batch = (int)(n < s->batch ? n : s->batch);
    nc.gamma = (float)s->gamma;
    nc.target_update = s->target_update;
    if (s->target_syncs_per_epoch > 0) {
        const uint64_t per_epoch = (n + (uint64_t)nc.max_batch - 1) / (uint64_t)nc.max_batch;
        const uint64_t period =
            (per_epoch + s->target_syncs_per_epoch - 1) / s->target_syncs_per_epoch;
        if (period < (uint64_t)nc.target_update) nc.target_update = (int64_t)(period ? period : 1);
    }
    ORL_TRY(encoder_for(s, window, &nc.encoder));

    orl_fqe *f = orl_calloc(1, sizeof *f);
    if (!f) return orl_fail(ORL_E_NOMEM, "orl_fqe_fit: out of memory");
    f->n_items = I;
    f->window = window;
    fit_bufs bf;
    memset(&bf, 0, sizeof bf);
    int st = orl_fqe_net_create(&nc, s->seed, s->threads, &f->net);
    if (st == ORL_OK) st = orl_batch_init(&bf.batch, (size_t)nc.max_batch, window);
    if (st == ORL_OK && !(f->q_scratch = orl_aligned_alloc(orl_fqe_net_q_scratch_bytes(f->net))))
        st = orl_fail(ORL_E_NOMEM, "orl_fqe_fit: out of memory for the scoring workspace");
    if (st == ORL_OK) {
        bf.order = orl_malloc(sizeof(uint64_t) * n);
        if (s->gamma > 0.0) bf.probs = orl_malloc(sizeof(float) * (size_t)nc.max_batch * I);
        if (!bf.order || (s->gamma > 0.0 && !bf.probs))
            st = orl_fail(ORL_E_NOMEM, "orl_fqe_fit: out of memory for %llu transitions",
                          (unsigned long long)n);
    }
    for (uint32_t e = 0; st == ORL_OK && e < s->epochs; e++)
        st = one_epoch(f, ds, src, s, e, pi, pi_ctx, &bf);
    bufs_free(&bf);
    if (st == ORL_OK && pthread_mutex_init(&f->lock, NULL) != 0)
        st = orl_fail(ORL_E_THREAD, "orl_fqe_fit: cannot create a mutex");
    if (st != ORL_OK) {
        orl_aligned_free(f->q_scratch);
        orl_fqe_net_free(f->net);
        orl_free(f);
        return st;
    }
    *out = f;
    return ORL_OK;
}

/* The checks both entry points share; *s becomes the defaults when NULL. */
static int check_args(const orl_dataset *ds, const orl_fqe_settings **s, orl_fqe_settings *defaults,
                      orl_fqe_policy_fn pi, orl_fqe **out, const char *fn)
{
    if (!ds || !out) return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: NULL dataset or out", fn);
    orl_fqe_settings_init(defaults);
    if (!*s) *s = defaults;
    ORL_TRY(orl_fqe_settings_check(*s));
    if (!pi && (*s)->gamma > 0.0)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: pi is NULL with gamma %g > 0 (the target needs pi(. | s'))", fn,
                        (*s)->gamma);
    return ORL_OK;
}

int orl_fqe_fit(const orl_dataset *ds, const orl_fqe_settings *s, orl_fqe_policy_fn pi,
                void *pi_ctx, orl_fqe **out)
{
    orl_fqe_settings defaults;
    ORL_TRY(check_args(ds, &s, &defaults, pi, out, "orl_fqe_fit"));
    const source src = {orl_dataset_transition_count(ds), NULL};
    if (src.n == 0)
        return orl_fail(ORL_E_STATE, "orl_fqe_fit: the dataset is empty or not finalized");
    return fit(ds, &src, s, pi, pi_ctx, out);
}

int orl_fqe_fit_displays(const orl_dataset *ds, const orl_fqe_settings *s, orl_fqe_policy_fn pi,
                         void *pi_ctx, orl_fqe **out)
{
    orl_fqe_settings defaults;
    ORL_TRY(check_args(ds, &s, &defaults, pi, out, "orl_fqe_fit_displays"));
    source src = {0, NULL};
    ORL_TRY(orl_dataset_display_steps(ds, &src.ids, &src.n));
    if (src.n == 0)
        return orl_fail(ORL_E_STATE,
                        "orl_fqe_fit_displays: the dataset has no display of one item in its "
                        "catalogue");
    int st = fit(ds, &src, s, pi, pi_ctx, out);
    orl_free(src.ids);
    return st;
}

int orl_fqe_q_values(const orl_fqe *f, const orl_batch *b, float *out_q)
{
    if (!f || !b || !out_q)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_fqe_q_values: NULL argument");
    if (b->window != f->window)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "orl_fqe_q_values: the batch's window %u is not the model's %u", b->window,
                        f->window);
    if (b->size == 0) return ORL_OK;
    if (!b->states || !b->state_len)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_fqe_q_values: the batch has no states");
    orl_fqe *mut = (orl_fqe *)f; /* the lock, the pool and the workspace, never the weights */
    pthread_mutex_lock(&mut->lock);
    int st = orl_fqe_net_q_values(f->net, orl_fqe_net_pool(mut->net), b->states, b->state_len,
                                  b->size, mut->q_scratch, out_q);
    pthread_mutex_unlock(&mut->lock);
    return st;
}

uint32_t orl_fqe_n_items(const orl_fqe *f)
{
    return f ? f->n_items : 0;
}

int64_t orl_fqe_steps(const orl_fqe *f)
{
    return f ? f->steps : 0;
}

int64_t orl_fqe_target_syncs(const orl_fqe *f)
{
    return f ? orl_fqe_net_target_syncs(f->net) : 0;
}

double orl_fqe_last_epoch_loss(const orl_fqe *f)
{
    return f ? f->last_loss : NAN;
}

void orl_fqe_free(orl_fqe *f)
{
    if (!f) return;
    pthread_mutex_destroy(&f->lock);
    orl_aligned_free(f->q_scratch);
    orl_fqe_net_free(f->net);
    orl_free(f);
}
