/* The parameter store: every trainable tensor of a network lives in ONE
 * contiguous 64-byte aligned float buffer, with named views into it. The
 * gradients and the Adam moments mirror that layout, so the optimiser is one
 * loop, a model file is one blob and copying a network is one memcpy. */
#ifndef ORL_NN_PARAMS_H
#define ORL_NN_PARAMS_H

#include <stddef.h>
#include <stdint.h>

enum { ORL_PARAM_NAME_MAX = 32, ORL_PARAM_MAX_VIEWS = 160 };

/* One named tensor: `rows x cols` floats at `offset` (a multiple of 16 floats,
 * i.e. 64 bytes) in every mirrored buffer. A vector has rows == 1. */
typedef struct orl_param_view {
    char name[ORL_PARAM_NAME_MAX];
    size_t offset;
    size_t rows, cols;
} orl_param_view;

typedef struct orl_params {
    float *value; /* all parameters */
    float *grad;  /* same layout; NULL for an inference-only store */
    float *m, *v; /* Adam first and second moments; NULL without an optimiser */
    size_t count; /* floats in each buffer, padding included */
    int64_t step; /* optimiser steps taken (Adam's t) */
    int n_views;
    orl_param_view views[ORL_PARAM_MAX_VIEWS];
} orl_params;

/* What a network asks for: a name and a shape. */
typedef struct orl_param_spec {
    const char *name;
    size_t rows, cols;
} orl_param_spec;

/* Lay out and allocate (zeroed) the value buffer and, when `with_training` is
 * nonzero, the gradient and both moment buffers. ORL_OK, ORL_E_INVALID_ARGUMENT
 * (bad spec, duplicate or long name), ORL_E_NOMEM; `p` is zeroed on failure. */
int orl_params_init(orl_params *p, const orl_param_spec *specs, int n_specs, int with_training);
void orl_params_free(orl_params *p);

/* The view called `name`, or NULL. */
const orl_param_view *orl_params_find(const orl_params *p, const char *name);
/* Start of the tensor `name` in `buffer` (value, grad, m or v of this store). */
float *orl_params_at(const orl_params *p, float *buffer, const char *name);

/* Index of the first NaN or infinite value of the store, or p->count when
 * every value is finite (padding is zero, so it never counts). */
size_t orl_params_first_nonfinite(const orl_params *p);

#endif
