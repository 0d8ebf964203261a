/* orl_encoder and orl_genmodel: validated descriptions of a network's shape. */
#include <string.h>

#include "api/handle.h"
#include "api/handles.h"
#include "core/alloc.h"
#include "models/spec.h"
#include "offlinerl/encoder.h"

/* Copy a name parameter into a fixed field, refusing what does not fit. */
static int copy_name(char *dst, size_t cap, const char *src, const char *what)
{
    size_t n = strnlen(src, cap);
    if (n == cap)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s name is longer than %zu bytes", what, cap - 1);
    memcpy(dst, src, n + 1);
    return ORL_OK;
}

ORL_API void orl_encoder_params_init(orl_encoder_params *params)
{
    if (!params) return;
    orl_encoder_spec spec;
    orl_encoder_spec_default(&spec);
    memset(params, 0, sizeof *params);
    params->struct_size = sizeof *params;
    params->architecture = "gru4rec";
    params->embed_dim = spec.embed_dim;
    params->hidden_dim = spec.hidden_dim;
    params->window = spec.window;
    params->dropout = spec.dropout;
}

ORL_API int orl_encoder_create(const orl_encoder_params *params, orl_encoder **out)
{
    ORL_CHECK_NOT_NULL(out);
    orl_encoder_spec spec;
    orl_encoder_spec_default(&spec);
    if (params) {
        if (params->struct_size < sizeof *params)
            return orl_fail(ORL_E_INVALID_ARGUMENT,
                            "orl_encoder_create: params->struct_size is %zu, expected %zu (call "
                            "orl_encoder_params_init)",
                            params->struct_size, sizeof *params);
        if (params->architecture)
            ORL_TRY(copy_name(spec.architecture, sizeof spec.architecture, params->architecture,
                              "architecture"));
        spec.embed_dim = params->embed_dim;
        spec.hidden_dim = params->hidden_dim;
        spec.window = params->window;
        spec.dropout = params->dropout;
    }
    ORL_TRY(orl_encoder_spec_validate(&spec));
    orl_encoder *enc = orl_calloc(1, sizeof *enc);
    if (!enc) return orl_fail(ORL_E_NOMEM, "orl_encoder_create: out of memory");
    enc->tag.tag = ORL_TAG_ENCODER;
    enc->spec = spec;
    *out = enc;
    return ORL_OK;
}

ORL_API void orl_encoder_free(orl_encoder *encoder)
{
    if (!encoder || encoder->tag.tag != ORL_TAG_ENCODER) return;
    encoder->tag.tag = ORL_TAG_FREED;
    orl_free(encoder);
}

ORL_API void orl_genmodel_params_init(orl_genmodel_params *params)
{
    if (!params) return;
    memset(params, 0, sizeof *params);
    params->struct_size = sizeof *params;
    params->kind = "softmax";
}

ORL_API int orl_genmodel_create(const orl_genmodel_params *params, orl_genmodel **out)
{
    ORL_CHECK_NOT_NULL(out);
    orl_genmodel_spec spec;
    orl_genmodel_spec_default(&spec);
    if (params) {
        if (params->struct_size < sizeof *params)
            return orl_fail(ORL_E_INVALID_ARGUMENT,
                            "orl_genmodel_create: params->struct_size is %zu, expected %zu (call "
                            "orl_genmodel_params_init)",
                            params->struct_size, sizeof *params);
        if (params->kind) ORL_TRY(copy_name(spec.kind, sizeof spec.kind, params->kind, "kind"));
    }
    ORL_TRY(orl_genmodel_spec_validate(&spec));
    orl_genmodel *gen = orl_calloc(1, sizeof *gen);
    if (!gen) return orl_fail(ORL_E_NOMEM, "orl_genmodel_create: out of memory");
    gen->tag.tag = ORL_TAG_GENMODEL;
    gen->spec = spec;
    *out = gen;
    return ORL_OK;
}

ORL_API void orl_genmodel_free(orl_genmodel *genmodel)
{
    if (!genmodel || genmodel->tag.tag != ORL_TAG_GENMODEL) return;
    genmodel->tag.tag = ORL_TAG_FREED;
    orl_free(genmodel);
}

ORL_API void orl_qnet_params_init(orl_qnet_params *params)
{
    if (!params) return;
    memset(params, 0, sizeof *params);
    params->struct_size = sizeof *params;
    params->gamma = 0.5f;
}

ORL_API int orl_qnet_create(const orl_qnet_params *params, orl_qnet **out)
{
    ORL_CHECK_NOT_NULL(out);
    orl_qnet_params p;
    orl_qnet_params_init(&p);
    if (params) {
        if (params->struct_size < sizeof *params)
            return orl_fail(ORL_E_INVALID_ARGUMENT,
                            "orl_qnet_create: params->struct_size is %zu, expected %zu (call "
                            "orl_qnet_params_init)",
                            params->struct_size, sizeof *params);
        p = *params;
    }
    if (!(p.gamma >= 0.0f && p.gamma < 1.0f))
        return orl_fail(ORL_E_OUT_OF_RANGE, "orl_qnet_create: gamma %g is outside [0, 1)",
                        (double)p.gamma);
    orl_qnet *q = orl_calloc(1, sizeof *q);
    if (!q) return orl_fail(ORL_E_NOMEM, "orl_qnet_create: out of memory");
    q->tag.tag = ORL_TAG_QNET;
    q->spec.gamma = p.gamma;
    *out = q;
    return ORL_OK;
}

ORL_API void orl_qnet_free(orl_qnet *qnet)
{
    if (!qnet || qnet->tag.tag != ORL_TAG_QNET) return;
    qnet->tag.tag = ORL_TAG_FREED;
    orl_free(qnet);
}
