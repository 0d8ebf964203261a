#include "models/q_head.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "models/ce_head.h"

void orl_q_head_param_specs(int n_items, int hidden, orl_param_spec *specs)
{
    specs[0] = (orl_param_spec){ORL_Q_HEAD_W, (size_t)n_items, (size_t)hidden};
    specs[1] = (orl_param_spec){ORL_Q_HEAD_B, 1, (size_t)n_items};
}

void orl_q_head_init(orl_params *p, int n_items, int hidden, orl_rng *rng)
{
    float *w = orl_params_at(p, p->value, ORL_Q_HEAD_W);
    float bound = sqrtf(6.0f / (float)(hidden + n_items));
    for (size_t i = 0; i < (size_t)n_items * (size_t)hidden; i++)
        w[i] = bound * (2.0f * orl_rng_uniform(rng) - 1.0f);
    memset(orl_params_at(p, p->value, ORL_Q_HEAD_B), 0, sizeof(float) * (size_t)n_items);
}

static orl_param_view *find_mut(orl_params *p, const char *name)
{
    for (int i = 0; i < p->n_views; i++)
        if (strcmp(p->views[i].name, name) == 0) return &p->views[i];
    return NULL;
}

int orl_q_head_as_ce_view(const orl_params *src, orl_params *dst)
{
    orl_params v = *src;
    v.grad = v.m = v.v = NULL;
    orl_param_view *cw = find_mut(&v, ORL_CE_HEAD_W), *cb = find_mut(&v, ORL_CE_HEAD_B);
    orl_param_view *qw = find_mut(&v, ORL_Q_HEAD_W), *qb = find_mut(&v, ORL_Q_HEAD_B);
    if (!cw || !cb || !qw || !qb)
        return orl_fail(ORL_E_NOT_FOUND, "q_head_as_ce_view: the store lacks a CE or Q head");
    size_t ow = cw->offset, ob = cb->offset;
    cw->offset = qw->offset;
    cb->offset = qb->offset;
    qw->offset = ow;
    qb->offset = ob;
    *dst = v;
    return ORL_OK;
}
