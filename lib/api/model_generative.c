/* BCQ with a generative model the host trained before: G's own network
 * (encoder and CE head) beside the model's Q network. The constrained rule
 * reads G's scores from it; orl_model_with_head(ORL_HEAD_SUPERVISED) gives
 * G alone, scoring exactly as the host's model did. */
#include <string.h>

#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "models/ce_head.h"

int orl_model_set_generative(orl_model *m, const orl_encoder_spec *g_encoder, const float *weights,
                             size_t n_weights)
{
    /* Both networks read the same state rows, so they must share the window. */
    if (g_encoder->window != m->encoder.window)
        return orl_fail(ORL_E_FORMAT, "model: G's window is %u but the model's is %u",
                        g_encoder->window, m->encoder.window);
    orl_sl_net_config cfg = orl_model_net_config(g_encoder, m->n_items);
    orl_sl_net *g = NULL;
    ORL_TRY(orl_sl_net_create(&cfg, 0, 1, &g));
    orl_params *p = orl_sl_net_params(g);
    int s = ORL_OK;
    if (p->count != n_weights)
        s = orl_fail(ORL_E_FORMAT, "model: G has %zu weights, its architecture has %zu", n_weights,
                     p->count);
    if (s == ORL_OK) {
        memcpy(p->value, weights, sizeof(float) * n_weights);
        s = orl_sl_net_prepare_scoring(g);
    }
    if (s != ORL_OK) {
        orl_sl_net_free(g);
        return s;
    }
    orl_sl_net_free(m->g_net);
    m->g_net = g;
    m->g_encoder = *g_encoder;
    return ORL_OK;
}

int orl_model_copy_generative(orl_model *m, const orl_model *src)
{
    if (!src->g_net) return ORL_OK;
    const orl_params *p = orl_sl_net_params_const(src->g_net);
    return orl_model_set_generative(m, &src->g_encoder, p->value, p->count);
}

int orl_model_generative_alone(const orl_model *m, orl_model **out)
{
    const orl_params *p = orl_sl_net_params_const(m->g_net);
    return orl_model_build(&m->g_encoder, m->n_items, m->algorithm, m->config_json, &m->items, NULL,
                           p->value, p->count, out);
}

int orl_model_generative_scores(const orl_model *m, const int32_t *state, int32_t len, float *z)
{
    const size_t H = (size_t)orl_sl_net_encoder(m->g_net)->state_dim;
    size_t bytes = orl_sl_net_scratch_bytes(m->g_net, 1);
    void *scratch = orl_aligned_alloc(bytes);
    float *h = orl_malloc(sizeof(float) * H);
    int s = ORL_OK;
    if (!scratch || !h) s = orl_fail(ORL_E_NOMEM, "scoring: out of memory");
    if (s == ORL_OK) s = orl_sl_net_encode(m->g_net, state, &len, 1, scratch, bytes, h);
    if (s == ORL_OK)
        orl_ce_head_scores(orl_sl_net_params_const(m->g_net), (int)m->n_items, (int)H, h, 1, z);
    orl_aligned_free(scratch);
    orl_free(h);
    return s;
}
