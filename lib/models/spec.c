#include "models/spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/encoder.h"

void orl_encoder_spec_default(orl_encoder_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    strcpy(spec->architecture, "gru4rec");
    spec->embed_dim = 64;
    spec->hidden_dim = 64;
    spec->window = 10;
    spec->dropout = 0.0f;
}

int orl_encoder_spec_resolve(orl_encoder_spec *spec)
{
    const orl_encoder_class *cls = orl_encoder_class_find(spec->architecture);
    if (!cls)
        return orl_fail(ORL_E_UNSUPPORTED,
                        "encoder architecture '%.*s' is not supported (available: %s)",
                        ORL_ARCH_NAME_MAX, spec->architecture, orl_encoder_class_names());
    if (spec->embed_dim < 1 || spec->embed_dim > 4096)
        return orl_fail(ORL_E_OUT_OF_RANGE, "embed_dim %u is outside [1, 4096]", spec->embed_dim);
    if (spec->hidden_dim < 1 || spec->hidden_dim > 4096)
        return orl_fail(ORL_E_OUT_OF_RANGE, "hidden_dim %u is outside [1, 4096]", spec->hidden_dim);
    if (spec->window < 1 || spec->window > 1024)
        return orl_fail(ORL_E_OUT_OF_RANGE, "window %u is outside [1, 1024]", spec->window);
    if (spec->dropout != spec->dropout || spec->dropout >= 1.0f)
        return orl_fail(ORL_E_OUT_OF_RANGE, "dropout %g is outside [0, 1)", (double)spec->dropout);
    return cls->resolve(spec);
}

int orl_encoder_spec_validate(const orl_encoder_spec *spec)
{
    orl_encoder_spec copy = *spec;
    return orl_encoder_spec_resolve(&copy);
}

/* The shortest decimal text that reads back as the same float (0.1, not
 * 0.100000001), as a person would write it. */
static void float_text(char *dst, size_t cap, float v)
{
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(dst, cap, "%.*g", digits, (double)v);
        if (strtof(dst, NULL) == v) return;
    }
}

/* Appends "key":[v, ...] for the n values. */
static size_t put_list(char *dst, size_t cap, const char *key, const uint32_t *v, uint32_t n)
{
    size_t len = (size_t)snprintf(dst, cap, ",\"%s\":[", key);
    for (uint32_t i = 0; i < n; i++)
        len += (size_t)snprintf(len < cap ? dst + len : NULL, len < cap ? cap - len : 0, "%s%u",
                                i ? "," : "", v[i]);
    len += (size_t)snprintf(len < cap ? dst + len : NULL, len < cap ? cap - len : 0, "]");
    return len;
}

int orl_encoder_spec_json(const orl_encoder_spec *spec, char *buf, size_t buf_len, size_t *out_len)
{
    char tmp[1024], dropout[32];
    const size_t cap = sizeof tmp;
    float_text(dropout, sizeof dropout, spec->dropout);
    size_t n = (size_t)snprintf(tmp, cap,
                                "{\"architecture\":\"%.*s\",\"embed_dim\":%u,\"hidden_dim\":%u,"
                                "\"window\":%u,\"dropout\":%s",
                                ORL_ARCH_NAME_MAX, spec->architecture, spec->embed_dim,
                                spec->hidden_dim, spec->window, dropout);
    if (strcmp(spec->architecture, "sasrec") == 0) {
        n += (size_t)snprintf(tmp + n, cap - n, ",\"num_blocks\":%u,\"num_heads\":%u",
                              spec->num_blocks, spec->num_heads);
    } else if (strcmp(spec->architecture, "caser") == 0) {
        n += (size_t)snprintf(tmp + n, cap - n, ",\"num_filters\":%u", spec->num_filters);
        n += put_list(tmp + n, cap - n, "filter_heights", spec->filter_heights, spec->n_heights);
        n += (size_t)snprintf(tmp + n, cap - n, ",\"num_v_filters\":%u", spec->num_v_filters);
    } else if (strcmp(spec->architecture, "nextitnet") == 0) {
        n += put_list(tmp + n, cap - n, "dilations", spec->dilations, spec->n_dilations);
        n += (size_t)snprintf(tmp + n, cap - n, ",\"kernel_size\":%u,\"independent_init\":%u",
                              spec->kernel_size, spec->independent_init);
    }
    n += (size_t)snprintf(tmp + n, cap - n, "}");
    if (out_len) *out_len = n + 1;
    if (!buf || buf_len < n + 1) return ORL_E_BUFFER_TOO_SMALL; /* the caller says why */
    memcpy(buf, tmp, n + 1);
    return ORL_OK;
}

void orl_genmodel_spec_default(orl_genmodel_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    strcpy(spec->kind, "softmax");
}

int orl_genmodel_spec_validate(const orl_genmodel_spec *spec)
{
    if (strcmp(spec->kind, "softmax") != 0)
        return orl_fail(ORL_E_UNSUPPORTED,
                        "genmodel kind '%s' is not supported (available: softmax)", spec->kind);
    return ORL_OK;
}
