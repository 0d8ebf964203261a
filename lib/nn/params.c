#include "nn/params.h"

#include <math.h>

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

static size_t round_up16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

static float *zeroed_buffer(size_t count)
{
    float *b = orl_aligned_alloc(count * sizeof(float));
    if (b) memset(b, 0, count * sizeof(float));
    return b;
}

int orl_params_init(orl_params *p, const orl_param_spec *specs, int n_specs, int with_training)
{
    if (!p || !specs || n_specs <= 0 || n_specs > ORL_PARAM_MAX_VIEWS)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_params_init: bad arguments");
    orl_params tmp;
    memset(&tmp, 0, sizeof tmp);
    size_t offset = 0;
    for (int i = 0; i < n_specs; i++) {
        const orl_param_spec *s = &specs[i];
        if (!s->name || strlen(s->name) >= ORL_PARAM_NAME_MAX || s->rows == 0 || s->cols == 0)
            return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_params_init: bad spec %d", i);
        if (s->rows > SIZE_MAX / 8 / s->cols)
            return orl_fail(ORL_E_OUT_OF_RANGE, "orl_params_init: tensor '%s' is too large",
                            s->name);
        for (int j = 0; j < i; j++)
            if (strcmp(specs[j].name, s->name) == 0)
                return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_params_init: duplicate name '%s'",
                                s->name);
        orl_param_view *v = &tmp.views[i];
        strcpy(v->name, s->name);
        v->rows = s->rows;
        v->cols = s->cols;
        v->offset = offset;
        offset += round_up16(s->rows * s->cols);
    }
    tmp.n_views = n_specs;
    tmp.count = offset;
    tmp.value = zeroed_buffer(offset);
    if (!tmp.value) goto nomem;
    if (with_training) {
        tmp.grad = zeroed_buffer(offset);
        tmp.m = zeroed_buffer(offset);
        tmp.v = zeroed_buffer(offset);
        if (!tmp.grad || !tmp.m || !tmp.v) goto nomem;
    }
    *p = tmp;
    return ORL_OK;
nomem:
    orl_params_free(&tmp);
    return orl_fail(ORL_E_NOMEM, "orl_params_init: out of memory for %zu parameters", offset);
}

void orl_params_free(orl_params *p)
{
    if (!p) return;
    orl_aligned_free(p->value);
    orl_aligned_free(p->grad);
    orl_aligned_free(p->m);
    orl_aligned_free(p->v);
    memset(p, 0, sizeof *p);
}

const orl_param_view *orl_params_find(const orl_params *p, const char *name)
{
    for (int i = 0; i < p->n_views; i++)
        if (strcmp(p->views[i].name, name) == 0) return &p->views[i];
    return NULL;
}

float *orl_params_at(const orl_params *p, float *buffer, const char *name)
{
    const orl_param_view *v = orl_params_find(p, name);
    return (v && buffer) ? buffer + v->offset : NULL;
}

size_t orl_params_first_nonfinite(const orl_params *p)
{
    for (size_t i = 0; i < p->count; i++)
        if (!isfinite(p->value[i])) return i;
    return p->count;
}
