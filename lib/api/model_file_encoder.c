/* The encoder's kind-specific settings in a model file's metadata. Files
 * written before they existed (0.1.0: GRU4Rec only) have none of these keys
 * and get the 0.1.0 defaults. */
#include <stdio.h>
#include <string.h>

#include "api/model_impl.h"
#include "core/error.h"

static int put_list(orl_container_writer *w, const char *key, const uint32_t *v, uint32_t n)
{
    int32_t tmp[ORL_ENC_MAX_DILATIONS];
    for (uint32_t i = 0; i < n; i++) tmp[i] = (int32_t)v[i];
    return orl_container_put_i32_array(w, key, tmp, n);
}

/* key = prefix + name, in buf. */
static const char *pkey(char *buf, size_t len, const char *prefix, const char *name)
{
    snprintf(buf, len, "%s%s", prefix, name);
    return buf;
}

int orl_model_put_encoder_keys(orl_container_writer *w, const char *prefix,
                               const orl_encoder_spec *e)
{
    char k[64];
#define K(name) pkey(k, sizeof k, prefix, name)
    int s = orl_container_put_f64(w, K("enc.dropout"), (double)e->dropout);
    if (s == ORL_OK) s = orl_container_put_u32(w, K("enc.num_blocks"), e->num_blocks);
    if (s == ORL_OK) s = orl_container_put_u32(w, K("enc.num_heads"), e->num_heads);
    if (s == ORL_OK) s = orl_container_put_u32(w, K("enc.num_filters"), e->num_filters);
    if (s == ORL_OK) s = put_list(w, K("enc.filter_heights"), e->filter_heights, e->n_heights);
    if (s == ORL_OK) s = orl_container_put_u32(w, K("enc.num_v_filters"), e->num_v_filters);
    if (s == ORL_OK) s = put_list(w, K("enc.dilations"), e->dilations, e->n_dilations);
    if (s == ORL_OK) s = orl_container_put_u32(w, K("enc.kernel_size"), e->kernel_size);
    if (s == ORL_OK) s = orl_container_put_u32(w, K("enc.independent_init"), e->independent_init);
#undef K
    return s;
}

int orl_model_put_encoder(orl_container_writer *w, const orl_encoder_spec *e)
{
    char json[1024];
    size_t len = 0;
    int s = orl_encoder_spec_json(e, json, sizeof json, &len);
    if (s == ORL_OK) s = orl_container_put_string(w, "encoder", json);
    if (s == ORL_OK) s = orl_model_put_encoder_keys(w, "", e);
    return s;
}

static int get_u32(const orl_container_reader *r, const char *key, uint32_t *out)
{
    return orl_container_has(r, key) ? orl_container_get_u32(r, key, out) : ORL_OK;
}

static int get_list(const orl_container_reader *r, const char *key, uint32_t *v, uint32_t *n,
                    uint32_t cap)
{
    if (!orl_container_has(r, key)) return ORL_OK;
    const int32_t *vals = NULL;
    size_t count = 0;
    ORL_TRY(orl_container_get_i32_array(r, key, &vals, &count));
    if (count > cap)
        return orl_fail(ORL_E_FORMAT, "model file: %s has %zu entries, at most %u", key, count,
                        cap);
    for (size_t i = 0; i < count; i++) {
        if (vals[i] < 1) return orl_fail(ORL_E_FORMAT, "model file: %s holds %d", key, vals[i]);
        v[i] = (uint32_t)vals[i];
    }
    *n = (uint32_t)count;
    return ORL_OK;
}

int orl_model_get_encoder_keys(const orl_container_reader *r, const char *prefix,
                               orl_encoder_spec *e)
{
    char k[64];
#define K(name) pkey(k, sizeof k, prefix, name)
    if (orl_container_has(r, K("enc.dropout"))) {
        double d = 0.0;
        ORL_TRY(orl_container_get_f64(r, k, &d));
        if (!(d >= 0.0 && d < 1.0))
            return orl_fail(ORL_E_FORMAT, "model file: %s %g is outside [0, 1)", k, d);
        e->dropout = (float)d;
    }
    ORL_TRY(get_u32(r, K("enc.num_blocks"), &e->num_blocks));
    ORL_TRY(get_u32(r, K("enc.num_heads"), &e->num_heads));
    ORL_TRY(get_u32(r, K("enc.num_filters"), &e->num_filters));
    ORL_TRY(get_list(r, K("enc.filter_heights"), e->filter_heights, &e->n_heights,
                     ORL_ENC_MAX_HEIGHTS));
    ORL_TRY(get_u32(r, K("enc.num_v_filters"), &e->num_v_filters));
    ORL_TRY(get_list(r, K("enc.dilations"), e->dilations, &e->n_dilations, ORL_ENC_MAX_DILATIONS));
    ORL_TRY(get_u32(r, K("enc.kernel_size"), &e->kernel_size));
    ORL_TRY(get_u32(r, K("enc.independent_init"), &e->independent_init));
#undef K
    return ORL_OK;
}

int orl_model_get_encoder(const orl_container_reader *r, orl_encoder_spec *e)
{
    return orl_model_get_encoder_keys(r, "", e);
}
