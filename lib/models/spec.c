#include "models/spec.h"

#include <string.h>

#include "core/error.h"

void orl_encoder_spec_default(orl_encoder_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    strcpy(spec->architecture, "gru4rec");
    spec->embed_dim = 64;
    spec->hidden_dim = 64;
    spec->window = 10;
    spec->dropout = 0.0f;
}

int orl_encoder_spec_validate(const orl_encoder_spec *spec)
{
    if (strcmp(spec->architecture, "gru4rec") != 0)
        return orl_fail(ORL_E_UNSUPPORTED,
                        "encoder architecture '%s' is not supported (available: gru4rec)",
                        spec->architecture);
    if (spec->embed_dim < 1 || spec->embed_dim > 4096)
        return orl_fail(ORL_E_OUT_OF_RANGE, "embed_dim %u is outside [1, 4096]", spec->embed_dim);
    if (spec->hidden_dim < 1 || spec->hidden_dim > 4096)
        return orl_fail(ORL_E_OUT_OF_RANGE, "hidden_dim %u is outside [1, 4096]", spec->hidden_dim);
    if (spec->window < 1 || spec->window > 1024)
        return orl_fail(ORL_E_OUT_OF_RANGE, "window %u is outside [1, 1024]", spec->window);
    if (!(spec->dropout >= 0.0f && spec->dropout < 1.0f))
        return orl_fail(ORL_E_OUT_OF_RANGE, "dropout %g is outside [0, 1)", (double)spec->dropout);
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
