/* Constructing and releasing orl_model. */
#include <stdio.h>
#include <string.h>

#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/error.h"

static orl_sl_net_config net_config(const orl_encoder_spec *enc, uint32_t n_items)
{
    orl_sl_net_config cfg = orl_sl_net_config_default((int)n_items);
    cfg.embed_dim = (int)enc->embed_dim;
    cfg.hidden_dim = (int)enc->hidden_dim;
    cfg.window = (int)enc->window;
    cfg.dropout = 0.0f;
    cfg.max_batch = 1;
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
    ORL_TRY(orl_keymap_reserve(dst, src->count));
    for (uint32_t i = 0; i < src->count; i++) ORL_TRY(orl_keymap_append_from(dst, src, i));
    return ORL_OK;
}

size_t orl_model_weight_count(const orl_model *model)
{
    return orl_sl_net_params_const(model->net)->count;
}

static void model_destroy(orl_model *m)
{
    orl_sl_net_free(m->net);
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
        orl_sl_net_config cfg = net_config(encoder, n_items);
        s = orl_sl_net_create(&cfg, 0, 1, &m->net);
    }
    if (s == ORL_OK) {
        orl_params *p = orl_sl_net_params(m->net);
        if (policy)
            s = copy_by_name(p, policy);
        else if (p->count != n_weights)
            s = orl_fail(ORL_E_FORMAT, "model: %zu weights given, the architecture has %zu",
                         n_weights, p->count);
        else
            memcpy(p->value, weights, n_weights * sizeof(float));
    }
    if (s != ORL_OK) {
        if (s == ORL_E_NOMEM || orl_last_status() == ORL_E_NOMEM) s = ORL_E_NOMEM;
        model_destroy(m);
        return s;
    }
    *out = m;
    return ORL_OK;
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
