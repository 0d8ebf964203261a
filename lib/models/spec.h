/* The network shape the public orl_encoder / orl_genmodel handles describe.
 * Plain values, copied into trainers and models. */
#ifndef ORL_MODELS_SPEC_H
#define ORL_MODELS_SPEC_H

#include <stddef.h>
#include <stdint.h>

enum { ORL_ARCH_NAME_MAX = 32, ORL_ENC_MAX_HEIGHTS = 8, ORL_ENC_MAX_DILATIONS = 16 };

/* An encoder's kind and every setting of every kind. Zero in a kind-specific
 * field means "the kind's default" until orl_encoder_spec_resolve fills it. */
typedef struct orl_encoder_spec {
    char architecture[ORL_ARCH_NAME_MAX]; /* "gru4rec", "sasrec", "caser", "nextitnet" */
    uint32_t embed_dim;
    uint32_t hidden_dim;
    uint32_t window;
    float dropout; /* < 0: the kind's default (GRU4Rec 0, SASRec and Caser 0.1) */
    /* SASRec */
    uint32_t num_blocks, num_heads;
    /* Caser: num_filters horizontal filters of each height in filter_heights
     * (n_heights of them), num_v_filters vertical filters of height window. */
    uint32_t num_filters, n_heights, filter_heights[ORL_ENC_MAX_HEIGHTS], num_v_filters;
    /* NextItNet: one residual block per dilation d (convs at d and 2d). */
    uint32_t n_dilations, dilations[ORL_ENC_MAX_DILATIONS], kernel_size;
    uint32_t independent_init; /* NextItNet: 0 = every conv kernel from one draw (the reference), 1
                                  = one draw each */
} orl_encoder_spec;

typedef struct orl_genmodel_spec {
    char kind[ORL_ARCH_NAME_MAX]; /* "softmax" */
} orl_genmodel_spec;

typedef struct orl_qnet_spec {
    float gamma;
} orl_qnet_spec;

/* GRU4Rec 64/64/10, no dropout: the 0.1.0 default. */
void orl_encoder_spec_default(orl_encoder_spec *spec);
/* Fills the kind's defaults into the zero / negative fields, then checks every
 * range: ORL_OK, ORL_E_UNSUPPORTED (unknown kind) or ORL_E_OUT_OF_RANGE with a
 * message naming the field. */
int orl_encoder_spec_resolve(orl_encoder_spec *spec);
/* orl_encoder_spec_resolve on a copy: checks without changing `spec`. */
int orl_encoder_spec_validate(const orl_encoder_spec *spec);
/* The resolved spec as one JSON object (kind and every setting it uses), for
 * model metadata and configuration read-back. buf_len in, *out_len = bytes
 * with the NUL out; ORL_E_BUFFER_TOO_SMALL when short (buf may be NULL),
 * without touching the last error. */
int orl_encoder_spec_json(const orl_encoder_spec *spec, char *buf, size_t buf_len, size_t *out_len);
void orl_genmodel_spec_default(orl_genmodel_spec *spec);
int orl_genmodel_spec_validate(const orl_genmodel_spec *spec);

#endif
