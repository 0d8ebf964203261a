/* orl_model_info_json: what a model is, for hosts and for `orl eval`. */
#include <stdio.h>
#include <string.h>

#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/numtext.h"

ORL_API int orl_model_info_json(const orl_model *model, char *buf, size_t buf_len, size_t *out_len)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out_len);
    if (!buf && buf_len)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_model_info_json: buf is NULL");
    const char *config = model->config_json ? model->config_json : "null";
    /* Every setting of the encoder (its architecture's own ones included); the top-level
     * architecture and sizes stay for the hosts that read them (0.1.0). */
    char encoder[1024];
    size_t enc_len = 0;
    if (orl_encoder_spec_json(&model->encoder, encoder, sizeof encoder, &enc_len) != ORL_OK)
        strcpy(encoder, "null"); /* cannot happen: the JSON of a spec fits in 1 KiB */
    /* How it scores: head, BCQ threshold, ensemble and rule. */
    static const char *const heads[] = {"supervised", "q", "constrained"};
    static const char *const rules[] = {"mean", "lcb", "ucb"};
    char scoring[256], num[2][32];
    orl_float_text(num[0], sizeof num[0], model->bcq_threshold);
    orl_float_text(num[1], sizeof num[1], model->kappa);
    snprintf(scoring, sizeof scoring,
             "\"head\":\"%s\",\"heads\":%d,\"bcq_threshold\":%s,\"ensemble_heads\":%u,"
             "\"score_rule\":\"%s\",\"kappa\":%s%s",
             heads[model->head <= 2 ? model->head : 0], model->other_head || model->g_net ? 2 : 1,
             model->bcq_threshold >= 0.0f ? num[0] : "null", model->n_ensemble,
             rules[model->score_rule <= 2 ? model->score_rule : 0], num[1],
             /* BCQ with the host's G: G has its own encoder (its own architecture). */
             model->g_net ? ",\"generative\":\"external\"" : "");
    const char *fmt = "{\"architecture\":\"%s\",\"embed_dim\":%u,\"hidden_dim\":%u,\"window\":%u,"
                      "\"n_items\":%u,\"algorithm\":\"%s\",\"parameters\":%zu,"
                      "\"string_keys\":%s,\"library_version\":\"%s\",\"encoder\":%s,"
                      "\"training_config\":%s,%s}";
    int n =
        snprintf(NULL, 0, fmt, model->encoder.architecture, model->encoder.embed_dim,
                 model->encoder.hidden_dim, model->encoder.window, model->n_items, model->algorithm,
                 orl_model_weight_count(model), model->has_str_keys ? "true" : "false",
                 orl_version_string(), encoder, config, scoring);
    if (n < 0) return orl_fail(ORL_E_INTERNAL, "orl_model_info_json: formatting failed");
    *out_len = (size_t)n + 1;
    ORL_OUT_BUFFER(buf, buf_len, (size_t)n + 1);
    snprintf(buf, buf_len, fmt, model->encoder.architecture, model->encoder.embed_dim,
             model->encoder.hidden_dim, model->encoder.window, model->n_items, model->algorithm,
             orl_model_weight_count(model), model->has_str_keys ? "true" : "false",
             orl_version_string(), encoder, config, scoring);
    return ORL_OK;
}
