/* A BCQ model's external G in its file: G's encoder under "generative.*"
 * keys (as the model's own encoder is stored, plus its JSON as
 * "generative_encoder") and its weights as the f32 blob "generative.weights".
 * Written only for models with G, so other files are unchanged; on load every
 * key is required once one is present (a file is untrusted input). */
#include <string.h>

#include "api/model_impl.h"
#include "core/error.h"

#define GEN "generative."

int orl_model_put_generative(orl_container_writer *w, const orl_model *m)
{
    if (!m->g_net) return ORL_OK;
    const orl_params *p = orl_sl_net_params_const(m->g_net);
    size_t bad = orl_params_first_nonfinite(p);
    if (bad != p->count)
        return orl_fail(ORL_E_NUMERIC, "saving model: G's weight %zu is not finite", bad);
    const orl_encoder_spec *e = &m->g_encoder;
    char json[1024];
    size_t len = 0;
    int s = orl_encoder_spec_json(e, json, sizeof json, &len);
    if (s == ORL_OK) s = orl_container_put_string(w, "generative_encoder", json);
    if (s == ORL_OK) s = orl_container_put_string(w, GEN "architecture", e->architecture);
    if (s == ORL_OK) s = orl_container_put_u32(w, GEN "embed_dim", e->embed_dim);
    if (s == ORL_OK) s = orl_container_put_u32(w, GEN "hidden_dim", e->hidden_dim);
    if (s == ORL_OK) s = orl_container_put_u32(w, GEN "window", e->window);
    if (s == ORL_OK) s = orl_model_put_encoder_keys(w, GEN, e);
    if (s == ORL_OK)
        s = orl_container_add_blob_view(w, GEN "weights", ORL_DTYPE_F32, p->value, p->count);
    return s;
}

/* Every key the writer puts: each must be there. */
static const char *const required[] = {
    "generative_encoder",  GEN "architecture",         GEN "embed_dim",         GEN "hidden_dim",
    GEN "window",          GEN "enc.dropout",          GEN "enc.num_blocks",    GEN "enc.num_heads",
    GEN "enc.num_filters", GEN "enc.filter_heights",   GEN "enc.num_v_filters", GEN "enc.dilations",
    GEN "enc.kernel_size", GEN "enc.independent_init", "bcq_threshold"};

static int has_any(const orl_container_reader *r)
{
    orl_blob_view b;
    return orl_container_has(r, "generative_encoder") || orl_container_has(r, GEN "architecture") ||
           orl_container_get_blob(r, GEN "weights", &b) == ORL_OK;
}

int orl_model_get_generative(const orl_container_reader *r, orl_model *m)
{
    if (!has_any(r)) return ORL_OK;
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!orl_container_has(r, required[i]))
            return orl_fail(ORL_E_FORMAT, "model file: the generative model lacks '%s'",
                            required[i]);
    orl_encoder_spec e;
    orl_encoder_spec_default(&e);
    const char *arch = NULL;
    size_t len = 0;
    ORL_TRY(orl_container_get_string(r, GEN "architecture", &arch, &len));
    if (len == 0 || len >= sizeof e.architecture)
        return orl_fail(ORL_E_FORMAT, "model file: G's architecture name has %zu bytes", len);
    memcpy(e.architecture, arch, len + 1);
    ORL_TRY(orl_container_get_u32(r, GEN "embed_dim", &e.embed_dim));
    ORL_TRY(orl_container_get_u32(r, GEN "hidden_dim", &e.hidden_dim));
    ORL_TRY(orl_container_get_u32(r, GEN "window", &e.window));
    ORL_TRY(orl_model_get_encoder_keys(r, GEN, &e));
    if (orl_encoder_spec_resolve(&e) != ORL_OK)
        return orl_fail(ORL_E_FORMAT, "model file: G's encoder: %s", orl_last_error());
    orl_blob_view weights;
    int s = orl_container_get_blob_typed(r, GEN "weights", ORL_DTYPE_F32, UINT64_MAX, &weights);
    if (s == ORL_E_NOT_FOUND)
        return orl_fail(ORL_E_FORMAT, "model file: the generative model lacks its weights");
    ORL_TRY(s);
    ORL_TRY(orl_container_check_finite(r, GEN "weights"));
    return orl_model_set_generative(m, &e, weights.data, (size_t)weights.count);
}
