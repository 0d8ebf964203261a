/* A policy store of known weights for tests and benchmarks of model scoring:
 * the encoder and CE head of a fresh GRU4Rec sl_net, a Q head and, with k > 0,
 * k ensemble heads whose mean the Q head is. ce = 0 leaves the CE head out (a
 * Q-only policy). Header-only (static inline): no test framework needed. */
#ifndef ORL_TESTS_POLICY_STORE_H
#define ORL_TESTS_POLICY_STORE_H

#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "models/ce_head.h"
#include "models/q_head.h"
#include "models/sl_net.h"
#include "nn/params.h"

/* Random weights in [-scale/2, scale/2). */
static inline void policy_store_fill(float *x, size_t n, float scale, orl_rng *r)
{
    for (size_t i = 0; i < n; i++) x[i] = scale * (orl_rng_uniform(r) - 0.5f);
}

/* The store (free with policy_store_free), or NULL when something failed. */
static inline orl_params *policy_store_new(int n_items, int dim, int k, int ce, uint64_t seed)
{
    orl_sl_net_config cfg = orl_sl_net_config_default(n_items);
    cfg.embed_dim = cfg.hidden_dim = dim;
    orl_sl_net *net = NULL;
    if (orl_sl_net_create(&cfg, seed, 1, &net) != 0) return NULL;
    const orl_params *src = orl_sl_net_params_const(net);
    orl_param_spec specs[ORL_PARAM_MAX_VIEWS];
    int n = 0;
    for (int i = 0; i < src->n_views && n < ORL_PARAM_MAX_VIEWS - 4; i++) {
        const orl_param_view *v = &src->views[i];
        if (!ce && (strcmp(v->name, ORL_CE_HEAD_W) == 0 || strcmp(v->name, ORL_CE_HEAD_B) == 0))
            continue;
        specs[n++] = (orl_param_spec){v->name, v->rows, v->cols};
    }
    const size_t I = (size_t)n_items, H = (size_t)dim;
    specs[n++] = (orl_param_spec){ORL_Q_HEAD_W, I, H};
    specs[n++] = (orl_param_spec){ORL_Q_HEAD_B, 1, I};
    if (k) {
        specs[n++] = (orl_param_spec){ORL_Q_ENSEMBLE_W, (size_t)k * I, H};
        specs[n++] = (orl_param_spec){ORL_Q_ENSEMBLE_B, (size_t)k * I, 1};
    }
    orl_params *p = calloc(1, sizeof *p);
    if (!p || orl_params_init(p, specs, n, 0) != 0) {
        free(p);
        orl_sl_net_free(net);
        return NULL;
    }
    for (int i = 0; i < p->n_views; i++) {
        const orl_param_view *v = orl_params_find(src, p->views[i].name);
        if (v)
            memcpy(p->value + p->views[i].offset, src->value + v->offset,
                   sizeof(float) * v->rows * v->cols);
    }
    orl_sl_net_free(net);
    orl_rng r;
    orl_rng_init(&r, seed, 9);
    float *qw = orl_params_at(p, p->value, ORL_Q_HEAD_W);
    float *qb = orl_params_at(p, p->value, ORL_Q_HEAD_B);
    if (!k) {
        policy_store_fill(qw, I * H, 1.0f, &r);
        policy_store_fill(qb, I, 0.1f, &r);
        return p;
    }
    float *ew = orl_params_at(p, p->value, ORL_Q_ENSEMBLE_W);
    float *eb = orl_params_at(p, p->value, ORL_Q_ENSEMBLE_B);
    policy_store_fill(ew, (size_t)k * I * H, 1.0f, &r);
    policy_store_fill(eb, (size_t)k * I, 0.2f, &r);
    for (size_t i = 0; i < I * H; i++) {
        float s = 0;
        for (int h = 0; h < k; h++) s += ew[(size_t)h * I * H + i];
        qw[i] = s / (float)k;
    }
    for (size_t i = 0; i < I; i++) {
        float s = 0;
        for (int h = 0; h < k; h++) s += eb[(size_t)h * I + i];
        qb[i] = s / (float)k;
    }
    return p;
}

static inline void policy_store_free(orl_params *p)
{
    if (!p) return;
    orl_params_free(p);
    free(p);
}

#endif
