/* The network shape the public orl_encoder / orl_genmodel handles describe.
 * Plain values, copied into trainers and models. */
#ifndef ORL_MODELS_SPEC_H
#define ORL_MODELS_SPEC_H

#include <stdint.h>

enum { ORL_ARCH_NAME_MAX = 32 };

typedef struct orl_encoder_spec {
    char architecture[ORL_ARCH_NAME_MAX]; /* "gru4rec" */
    uint32_t embed_dim;
    uint32_t hidden_dim;
    uint32_t window;
    float dropout;
} orl_encoder_spec;

typedef struct orl_genmodel_spec {
    char kind[ORL_ARCH_NAME_MAX]; /* "softmax" */
} orl_genmodel_spec;

typedef struct orl_qnet_spec {
    float gamma;
} orl_qnet_spec;

void orl_encoder_spec_default(orl_encoder_spec *spec);
/* Checks ranges and the architecture name; ORL_OK or an error with a message. */
int orl_encoder_spec_validate(const orl_encoder_spec *spec);
void orl_genmodel_spec_default(orl_genmodel_spec *spec);
int orl_genmodel_spec_validate(const orl_genmodel_spec *spec);

#endif
