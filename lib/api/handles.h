/* The structs behind the public handles that live in the api layer. */
#ifndef ORL_API_HANDLES_H
#define ORL_API_HANDLES_H

#include "api/handle.h"
#include "models/spec.h"

struct orl_encoder {
    orl_handle_tag tag;
    orl_encoder_spec spec;
};

struct orl_genmodel {
    orl_handle_tag tag;
    orl_genmodel_spec spec;
};

struct orl_qnet {
    orl_handle_tag tag;
    orl_qnet_spec spec;
};

#endif
