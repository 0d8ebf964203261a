#include "api/handle.h"

const char *orl_handle_kind(uint32_t tag)
{
    switch (tag) {
    case ORL_TAG_DATASET:
        return "orl_dataset";
    case ORL_TAG_ENCODER:
        return "orl_encoder";
    case ORL_TAG_QNET:
        return "orl_qnet";
    case ORL_TAG_GENMODEL:
        return "orl_genmodel";
    case ORL_TAG_TRAINER:
        return "orl_trainer";
    case ORL_TAG_MODEL:
        return "orl_model";
    case ORL_TAG_SIM:
        return "orl_sim";
    case ORL_TAG_OPE_RESULT:
        return "orl_ope_result";
    default:
        return "unknown";
    }
}
