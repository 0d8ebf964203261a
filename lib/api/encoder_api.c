/* orl_encoder and orl_genmodel: validated descriptions of a network's shape. */
#include <stddef.h>
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
    params->dropout = -1.0f; /* the architecture's default */
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
    ORL_TRY(orl_encoder_spec_resolve(&spec));
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

/* The integer settings: key, field, the architecture it belongs to (NULL =
 * every one), and the values the API passes on. Zero in a kind-specific field
 * means "the kind's default" to orl_encoder_spec_resolve, so a setter must
 * refuse it where 0 is not a value of its own (every key but the flag
 * independent_init); the kind's resolve checks the finer upper bounds. */
typedef struct int_key {
    const char *key, *arch;
    size_t offset;
    int min, max;
} int_key;

static const int_key int_keys[] = {
    {"embed_dim", NULL, offsetof(orl_encoder_spec, embed_dim), 1, 65536},
    {"hidden_dim", NULL, offsetof(orl_encoder_spec, hidden_dim), 1, 65536},
    {"window", NULL, offsetof(orl_encoder_spec, window), 1, 65536},
    {"num_blocks", "sasrec", offsetof(orl_encoder_spec, num_blocks), 1, 65536},
    {"num_heads", "sasrec", offsetof(orl_encoder_spec, num_heads), 1, 65536},
    {"num_filters", "caser", offsetof(orl_encoder_spec, num_filters), 1, 65536},
    {"num_v_filters", "caser", offsetof(orl_encoder_spec, num_v_filters), 1, 65536},
    {"kernel_size", "nextitnet", offsetof(orl_encoder_spec, kernel_size), 1, 65536},
    {"independent_init", "nextitnet", offsetof(orl_encoder_spec, independent_init), 0, 1},
};

static int unknown_key(const orl_encoder *e, const char *key)
{
    return orl_fail(ORL_E_UNKNOWN_KEY,
                    "encoder setting '%s' does not exist for %s (integers: embed_dim, hidden_dim, "
                    "window; sasrec: num_blocks, num_heads; caser: num_filters, num_v_filters, "
                    "filter_heights; nextitnet: kernel_size, independent_init, dilations; float: "
                    "dropout)",
                    key, e->spec.architecture);
}

/* Applies `next` when it resolves; the encoder is unchanged otherwise. */
static int commit(orl_encoder *e, orl_encoder_spec *next)
{
    ORL_TRY(orl_encoder_spec_resolve(next));
    e->spec = *next;
    return ORL_OK;
}

ORL_API int orl_encoder_set_int(orl_encoder *encoder, const char *key, int64_t value)
{
    ORL_CHECK_HANDLE(encoder, ORL_TAG_ENCODER);
    ORL_CHECK_NOT_NULL(key);
    for (size_t i = 0; i < sizeof int_keys / sizeof int_keys[0]; i++) {
        const int_key *k = &int_keys[i];
        if (strcmp(k->key, key) != 0) continue;
        if (k->arch && strcmp(k->arch, encoder->spec.architecture) != 0) break;
        if (value < k->min || value > k->max)
            return orl_fail(ORL_E_OUT_OF_RANGE, "encoder %s %lld is outside [%d, %d]", key,
                            (long long)value, k->min, k->max);
        orl_encoder_spec next = encoder->spec;
        *(uint32_t *)(void *)((char *)&next + k->offset) = (uint32_t)value;
        return commit(encoder, &next);
    }
    return unknown_key(encoder, key);
}

ORL_API int orl_encoder_set_float(orl_encoder *encoder, const char *key, double value)
{
    ORL_CHECK_HANDLE(encoder, ORL_TAG_ENCODER);
    ORL_CHECK_NOT_NULL(key);
    if (strcmp(key, "dropout") != 0) return unknown_key(encoder, key);
    if (!(value >= 0.0 && value < 1.0))
        return orl_fail(ORL_E_OUT_OF_RANGE, "encoder dropout %g is outside [0, 1)", value);
    orl_encoder_spec next = encoder->spec;
    next.dropout = (float)value;
    return commit(encoder, &next);
}

ORL_API int orl_encoder_set_int_list(orl_encoder *encoder, const char *key, const int32_t *values,
                                     size_t count)
{
    ORL_CHECK_HANDLE(encoder, ORL_TAG_ENCODER);
    ORL_CHECK_NOT_NULL(key);
    if (count && !values)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_encoder_set_int_list: values is NULL");
    orl_encoder_spec next = encoder->spec;
    uint32_t *dst, *n, cap;
    if (strcmp(key, "filter_heights") == 0 && strcmp(next.architecture, "caser") == 0) {
        dst = next.filter_heights, n = &next.n_heights, cap = ORL_ENC_MAX_HEIGHTS;
    } else if (strcmp(key, "dilations") == 0 && strcmp(next.architecture, "nextitnet") == 0) {
        dst = next.dilations, n = &next.n_dilations, cap = ORL_ENC_MAX_DILATIONS;
    } else {
        return unknown_key(encoder, key);
    }
    if (count < 1 || count > cap)
        return orl_fail(ORL_E_OUT_OF_RANGE, "encoder %s: %zu values, expected 1..%u", key, count,
                        cap);
    for (size_t i = 0; i < count; i++) {
        if (values[i] < 1 || (uint32_t)values[i] > next.window)
            return orl_fail(ORL_E_OUT_OF_RANGE, "encoder %s[%zu] = %d is outside [1, window %u]",
                            key, i, (int)values[i], next.window);
        dst[i] = (uint32_t)values[i];
    }
    *n = (uint32_t)count;
    return commit(encoder, &next);
}

ORL_API int orl_encoder_config_json(const orl_encoder *encoder, char *buf, size_t buf_len,
                                    size_t *out_len)
{
    ORL_CHECK_HANDLE(encoder, ORL_TAG_ENCODER);
    ORL_CHECK_NOT_NULL(out_len);
    if (!buf && buf_len)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_encoder_config_json: buf is NULL");
    size_t need = 0;
    (void)orl_encoder_spec_json(&encoder->spec, NULL, 0, &need);
    *out_len = need;
    ORL_OUT_BUFFER(buf, buf_len, need);
    return orl_encoder_spec_json(&encoder->spec, buf, buf_len, out_len);
}
