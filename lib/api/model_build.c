/* Constructing and releasing orl_model. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "models/ce_head.h"
#include "models/q_head.h"

orl_sl_net_config orl_model_net_config(const orl_encoder_spec *enc, uint32_t n_items)
{
    orl_sl_net_config cfg = orl_sl_net_config_default((int)n_items);
    cfg.embed_dim = (int)enc->embed_dim;
    cfg.hidden_dim = (int)enc->hidden_dim;
    cfg.window = (int)enc->window;
    cfg.dropout = 0.0f; /* inference only */
    cfg.max_batch = 1;
    cfg.encoder = *enc;
    return cfg;
}

/* Every key as text, for the functions that hand out string keys. */
static int build_item_text(orl_model *m)
{
    size_t total = 0;
    for (uint32_t i = 0; i < m->n_items; i++) total += orl_keymap_text(&m->items, i, NULL, 0) + 1;
    m->item_text_arena = orl_malloc(total ? total : 1);
    m->item_text = orl_calloc(m->n_items ? m->n_items : 1, sizeof *m->item_text);
    if (!m->item_text_arena || !m->item_text) return orl_fail(ORL_E_NOMEM, "model: out of memory");
    char *p = m->item_text_arena;
    for (uint32_t i = 0; i < m->n_items; i++) {
        size_t len = orl_keymap_text(&m->items, i, p, total - (size_t)(p - m->item_text_arena));
        m->item_text[i] = p;
        if (orl_keymap_is_str(&m->items, i)) m->has_str_keys = 1;
        p += len + 1;
    }
    return ORL_OK;
}

static int copy_keymap(orl_keymap *dst, const orl_keymap *src)
{
    orl_keymap_init(dst);
    /* the keymap returns bare statuses: the message is ours to set */
    int s = orl_keymap_reserve(dst, src->count);
    for (uint32_t i = 0; s == ORL_OK && i < src->count; i++)
        s = orl_keymap_append_from(dst, src, i);
    if (s == ORL_E_NOMEM)
        return orl_fail(s, "model: out of memory copying %u item keys", src->count);
    return s == ORL_OK ? ORL_OK : orl_fail(s, "model: cannot copy %u item keys", src->count);
}

size_t orl_model_weight_count(const orl_model *model)
{
    if (model->baseline) return model->n_items; /* one count per item */
    return orl_sl_net_params_const(model->net)->count;
}

size_t orl_model_scratch_bytes(const orl_model *m, int rows)
{
    return m->net ? orl_sl_net_scratch_bytes(m->net, rows) : 64;
}

size_t orl_model_state_dim(const orl_model *m)
{
    const orl_encoder_class *cls = orl_encoder_class_find(m->encoder.architecture);
    return cls ? (size_t)cls->state_dim(&m->encoder) : (size_t)m->encoder.hidden_dim;
}

size_t orl_model_head_floats(const orl_model *m)
{
    return (size_t)m->n_items * orl_model_state_dim(m) + m->n_items;
}

/* Copy rows x cols floats of tensor `name` of store p to dst. */
static void copy_tensor_out(const orl_params *p, const char *name, float *dst)
{
    const orl_param_view *v = orl_params_find(p, name);
    memcpy(dst, p->value + v->offset, sizeof(float) * v->rows * v->cols);
}

static void copy_tensor_in(orl_params *p, const char *name, const float *src)
{
    const orl_param_view *v = orl_params_find(p, name);
    memcpy(p->value + v->offset, src, sizeof(float) * v->rows * v->cols);
}

/* Keep the policy's Q head (when it has one) as the model's other head. */
static int take_q_head(orl_model *m, const orl_params *policy)
{
    const orl_param_view *w = orl_params_find(policy, ORL_Q_HEAD_W);
    const orl_param_view *b = orl_params_find(policy, ORL_Q_HEAD_B);
    if (!w || !b) return ORL_OK;
    size_t n = orl_model_head_floats(m);
    if (w->rows * w->cols + b->rows * b->cols != n)
        return orl_fail(ORL_E_FORMAT, "model: the Q head has the wrong shape");
    m->other_head = orl_malloc(sizeof(float) * n);
    if (!m->other_head) return orl_fail(ORL_E_NOMEM, "model: out of memory");
    m->other_head_count = n;
    copy_tensor_out(policy, ORL_Q_HEAD_W, m->other_head);
    copy_tensor_out(policy, ORL_Q_HEAD_B, m->other_head + w->rows * w->cols);
    return ORL_OK;
}

/* Keep the policy's ensemble of Q heads (when it has one). */
static int take_ensemble(orl_model *m, const orl_params *policy)
{
    const orl_param_view *w = orl_params_find(policy, ORL_Q_ENSEMBLE_W);
    const orl_param_view *b = orl_params_find(policy, ORL_Q_ENSEMBLE_B);
    if (!w || !b) return ORL_OK;
    const size_t I = m->n_items, H = orl_model_state_dim(m);
    if (w->cols != H || w->rows % I || b->rows * b->cols != w->rows)
        return orl_fail(ORL_E_FORMAT, "model: the ensemble of Q heads has the wrong shape");
    uint32_t K = (uint32_t)(w->rows / I);
    float *tmp = orl_malloc(sizeof(float) * orl_model_ensemble_floats(m, K));
    if (!tmp) return orl_fail(ORL_E_NOMEM, "model: out of memory");
    copy_tensor_out(policy, ORL_Q_ENSEMBLE_W, tmp);
    copy_tensor_out(policy, ORL_Q_ENSEMBLE_B, tmp + (size_t)K * I * H);
    int s = orl_model_set_ensemble(m, K, tmp, orl_model_ensemble_floats(m, K));
    orl_free(tmp);
    return s;
}

/* A policy without a supervised head (cql, rem): its Q head, named as the
 * head the net scores with. */
static int q_only_view(const orl_params *policy, orl_params **out)
{
    *out = NULL;
    if (orl_params_find(policy, ORL_CE_HEAD_W) || !orl_params_find(policy, ORL_Q_HEAD_W))
        return ORL_OK;
    orl_params *v = orl_malloc(sizeof *v);
    if (!v) return orl_fail(ORL_E_NOMEM, "model: out of memory");
    *v = *policy;
    for (int i = 0; i < v->n_views; i++) {
        if (strcmp(v->views[i].name, ORL_Q_HEAD_W) == 0)
            snprintf(v->views[i].name, sizeof v->views[i].name, "%s", ORL_CE_HEAD_W);
        else if (strcmp(v->views[i].name, ORL_Q_HEAD_B) == 0)
            snprintf(v->views[i].name, sizeof v->views[i].name, "%s", ORL_CE_HEAD_B);
    }
    *out = v;
    return ORL_OK;
}

int orl_model_set_other_head(orl_model *m, uint32_t head, const float *other, size_t count)
{
    if (count != orl_model_head_floats(m))
        return orl_fail(ORL_E_FORMAT, "model: the second head has %zu values, expected %zu", count,
                        orl_model_head_floats(m));
    m->other_head = orl_malloc(sizeof(float) * count);
    if (!m->other_head) return orl_fail(ORL_E_NOMEM, "model: out of memory");
    memcpy(m->other_head, other, sizeof(float) * count);
    m->other_head_count = count;
    m->head = head;
    return ORL_OK;
}

static void model_destroy(orl_model *m)
{
    orl_free(m->other_head);
    orl_free(m->ensemble);
    orl_free(m->baseline_counts);
    orl_free(m->baseline_pop);
    orl_sl_net_free(m->net);
    orl_sl_net_free(m->g_net);
    orl_keymap_free(&m->items);
    orl_free(m->item_text);
    orl_free(m->item_text_arena);
    orl_free(m->config_json);
    m->tag.tag = ORL_TAG_FREED;
    orl_free(m);
}

/* Copy every tensor of dst from the same-named tensor of src. */
static int copy_by_name(orl_params *dst, const orl_params *src)
{
    for (int i = 0; i < dst->n_views; i++) {
        const orl_param_view *d = &dst->views[i];
        const orl_param_view *v = orl_params_find(src, d->name);
        if (!v || v->rows != d->rows || v->cols != d->cols)
            return orl_fail(ORL_E_FORMAT, "model: the policy has no tensor '%s' of %zu x %zu",
                            d->name, d->rows, d->cols);
        memcpy(dst->value + d->offset, src->value + v->offset, sizeof(float) * d->rows * d->cols);
    }
    return ORL_OK;
}

int orl_model_build(const orl_encoder_spec *encoder, uint32_t n_items, const char *algorithm,
                    const char *config_json, const orl_keymap *items, const orl_params *policy,
                    const float *weights, size_t n_weights, orl_model **out)
{
    if (items->count != n_items)
        return orl_fail(ORL_E_FORMAT, "model: catalogue has %u keys for %u items", items->count,
                        n_items);
    orl_model *m = orl_calloc(1, sizeof *m);
    if (!m) return orl_fail(ORL_E_NOMEM, "model: out of memory");
    m->tag.tag = ORL_TAG_MODEL;
    m->bcq_threshold = -1.0f;
    m->encoder = *encoder;
    m->n_items = n_items;
    snprintf(m->algorithm, sizeof m->algorithm, "%s", algorithm);
    orl_keymap_init(&m->items);
    int s = ORL_OK;
    if (config_json && !(m->config_json = orl_strdup(config_json)))
        s = orl_fail(ORL_E_NOMEM, "model: out of memory");
    if (s == ORL_OK) s = copy_keymap(&m->items, items);
    if (s == ORL_OK) s = build_item_text(m);
    if (s == ORL_OK) {
        orl_sl_net_config cfg = orl_model_net_config(encoder, n_items);
        s = orl_sl_net_create(&cfg, 0, 1, &m->net);
    }
    if (s == ORL_OK) {
        orl_params *p = orl_sl_net_params(m->net);
        if (policy) {
            orl_params *q_only = NULL;
            s = q_only_view(policy, &q_only);
            if (s == ORL_OK && q_only) {
                s = copy_by_name(p, q_only);
                m->head = ORL_HEAD_Q;
            } else if (s == ORL_OK) {
                s = copy_by_name(p, policy);
                if (s == ORL_OK) s = take_q_head(m, policy);
            }
            if (s == ORL_OK) s = take_ensemble(m, policy);
            orl_free(q_only);
        } else if (p->count != n_weights)
            s = orl_fail(ORL_E_FORMAT, "model: %zu weights given, the architecture has %zu",
                         n_weights, p->count);
        else
            memcpy(p->value, weights, n_weights * sizeof(float));
    }
    if (s == ORL_OK) s = orl_sl_net_prepare_scoring(m->net);
    if (s != ORL_OK) {
        if (s == ORL_E_NOMEM || orl_last_status() == ORL_E_NOMEM) s = ORL_E_NOMEM;
        model_destroy(m);
        return s;
    }
    *out = m;
    return ORL_OK;
}

int orl_model_build_baseline(uint32_t kind, uint32_t window, const orl_keymap *items,
                             const int64_t *counts, const char *config_json, orl_model **out)
{
    static const char *const names[] = {"popularity", "repeat"};
    if (kind > ORL_BASELINE_REPEAT)
        return orl_fail(ORL_E_FORMAT, "model: baseline kind %u is not a baseline", kind);
    if (window < 1 || window > 1024)
        return orl_fail(ORL_E_FORMAT, "model: a baseline's window %u is outside [1, 1024]", window);
    const uint32_t n = items->count;
    for (uint32_t i = 0; i < n; i++)
        if (counts[i] < 0) return orl_fail(ORL_E_FORMAT, "model: item %u has a negative count", i);
    orl_model *m = orl_calloc(1, sizeof *m);
    if (!m) return orl_fail(ORL_E_NOMEM, "model: out of memory");
    m->tag.tag = ORL_TAG_MODEL;
    m->bcq_threshold = -1.0f;
    orl_encoder_spec_default(&m->encoder);
    snprintf(m->encoder.architecture, sizeof m->encoder.architecture, "baseline");
    m->encoder.embed_dim = m->encoder.hidden_dim = 0;
    m->encoder.window = window;
    m->n_items = n;
    m->baseline = kind + 1;
    snprintf(m->algorithm, sizeof m->algorithm, "%s", names[kind]);
    orl_keymap_init(&m->items);
    int s = ORL_OK;
    if (config_json && !(m->config_json = orl_strdup(config_json)))
        s = orl_fail(ORL_E_NOMEM, "model: out of memory");
    if (s == ORL_OK) s = copy_keymap(&m->items, items);
    if (s == ORL_OK) s = build_item_text(m);
    if (s == ORL_OK) {
        m->baseline_counts = orl_malloc(sizeof(int64_t) * (n ? n : 1));
        m->baseline_pop = orl_malloc(sizeof(float) * (n ? n : 1));
        if (!m->baseline_counts || !m->baseline_pop)
            s = orl_fail(ORL_E_NOMEM, "model: out of memory");
    }
    if (s != ORL_OK) {
        if (s == ORL_E_NOMEM || orl_last_status() == ORL_E_NOMEM) s = ORL_E_NOMEM;
        model_destroy(m);
        return s;
    }
    for (uint32_t i = 0; i < n; i++) {
        m->baseline_counts[i] = counts[i];
        m->baseline_pop[i] = counts[i] > 0 ? (float)log((double)counts[i]) : -INFINITY;
    }
    *out = m;
    return ORL_OK;
}

/* The active head's weights and bias, as one block, out of the net. */
static void active_head_out(const orl_model *m, float *dst)
{
    const orl_params *p = orl_sl_net_params_const(m->net);
    copy_tensor_out(p, ORL_CE_HEAD_W, dst);
    copy_tensor_out(p, ORL_CE_HEAD_B, dst + (size_t)m->n_items * orl_model_state_dim(m));
}

ORL_API int orl_model_head_count(const orl_model *model, uint32_t *out_count)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out_count);
    *out_count = model->other_head || model->g_net ? 2 : 1;
    return ORL_OK;
}

ORL_API int orl_model_head(const orl_model *model, uint32_t *out_head)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out_head);
    *out_head = model->head;
    return ORL_OK;
}

/* The supervised and Q heads' blocks of a model (NULL where it has none):
 * the active one is in the net, the other in other_head. */
static void head_blocks(const orl_model *m, const float *active, const float **sup, const float **q)
{
    int q_active = m->head == ORL_HEAD_Q;
    *sup = q_active ? m->other_head : active;
    *q = q_active ? active : m->other_head;
    if (!m->other_head) {
        if (q_active)
            *sup = NULL;
        else
            *q = NULL;
    }
}

/* A copy of `model` scoring with `head` (and, for an ensemble, `rule` and
 * `kappa`); every head, the ensemble and the BCQ threshold travel with it. */
int orl_model_derive(const orl_model *model, uint32_t head, uint32_t rule, float kappa,
                     orl_model **out)
{
    if (model->baseline) /* one head, no rule: a copy */
        return orl_model_build_baseline(model->baseline - 1, model->encoder.window, &model->items,
                                        model->baseline_counts, model->config_json, out);
    const orl_params *p = orl_sl_net_params_const(model->net);
    orl_model *m = NULL;
    ORL_TRY(orl_model_build(&model->encoder, model->n_items, model->algorithm, model->config_json,
                            &model->items, NULL, p->value, p->count, &m));
    m->bcq_threshold = model->bcq_threshold;
    m->score_rule = rule;
    m->kappa = kappa;
    int s = ORL_OK;
    size_t n = orl_model_head_floats(model);
    float *active = orl_malloc(sizeof(float) * n);
    if (!active) s = orl_fail(ORL_E_NOMEM, "deriving a model: out of memory");
    if (s == ORL_OK) s = orl_model_copy_generative(m, model);
    if (s == ORL_OK && model->n_ensemble)
        s = orl_model_set_ensemble(m, model->n_ensemble, model->ensemble,
                                   orl_model_ensemble_floats(model, model->n_ensemble));
    if (s == ORL_OK && model->other_head) {
        active_head_out(model, active);
        const float *sup, *q;
        head_blocks(model, active, &sup, &q);
        /* The constrained rule reads G from the net and Q from other_head. */
        const float *new_active = head == ORL_HEAD_Q ? q : sup;
        const float *new_other = head == ORL_HEAD_Q ? sup : q;
        s = orl_model_set_other_head(m, head, new_other, n);
        if (s == ORL_OK && new_active != active) {
            orl_params *mp = orl_sl_net_params(m->net);
            copy_tensor_in(mp, ORL_CE_HEAD_W, new_active);
            copy_tensor_in(mp, ORL_CE_HEAD_B,
                           new_active + (size_t)m->n_items * orl_model_state_dim(m));
            s = orl_sl_net_prepare_scoring(m->net); /* the head changed */
        }
    } else {
        m->head = head;
    }
    orl_free(active);
    if (s != ORL_OK) {
        orl_model_free(m);
        return s;
    }
    *out = m;
    return ORL_OK;
}

ORL_API int orl_model_with_head(const orl_model *model, uint32_t head, orl_model **out)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out);
    if (head > ORL_HEAD_CONSTRAINED)
        return orl_fail(ORL_E_OUT_OF_RANGE, "orl_model_with_head: head %u is not a head", head);
    if (head == ORL_HEAD_CONSTRAINED &&
        !(model->bcq_threshold >= 0.0f && (model->other_head || model->g_net)))
        return orl_fail(ORL_E_NOT_FOUND,
                        "orl_model_with_head: the constrained rule needs a model trained with bcq");
    /* BCQ with a host's G: the supervised head is G's own network. */
    if (model->g_net && head == ORL_HEAD_SUPERVISED) return orl_model_generative_alone(model, out);
    if (model->g_net) return orl_model_derive(model, head, model->score_rule, model->kappa, out);
    int is_q = model->head == ORL_HEAD_Q, want_q = head == ORL_HEAD_Q;
    if (is_q != want_q && !model->other_head)
        return orl_fail(ORL_E_NOT_FOUND, "orl_model_with_head: this model has no %s head",
                        want_q ? "Q" : "supervised");
    return orl_model_derive(model, head, model->score_rule, model->kappa, out);
}

ORL_API void orl_model_free(orl_model *model)
{
    if (!model || model->tag.tag != ORL_TAG_MODEL) return;
    model_destroy(model);
}

size_t orl_model_history_state(const orl_model *model, const int64_t *keys,
                               const char *const *str_keys, size_t n, int32_t *state,
                               int32_t *out_len)
{
    const uint32_t window = model->encoder.window;
    size_t skipped = 0;
    /* Walk backwards to find the last `window` known items, then lay them out oldest first. */
    uint32_t found = 0;
    int32_t tmp[1024];
    for (size_t i = n; i-- > 0;) {
        uint32_t id;
        int known = str_keys ? orl_keymap_find_str(&model->items, str_keys[i],
                                                   str_keys[i] ? strlen(str_keys[i]) : 0, &id)
                             : orl_keymap_find_int(&model->items, keys[i], &id);
        if (str_keys && !str_keys[i]) known = 0;
        if (!known) {
            skipped++;
            continue;
        }
        if (found < window) tmp[found++] = (int32_t)id;
    }
    for (uint32_t k = 0; k < window; k++)
        state[k] = k < found ? tmp[found - 1 - k] : (int32_t)model->n_items;
    *out_len = found ? (int32_t)found : 1;
    return skipped;
}
