/* Every handle struct starts with an orl_handle_tag, so a handle of the wrong
 * kind, or one already freed, is caught cheaply at the API boundary. */
#ifndef ORL_API_HANDLE_H
#define ORL_API_HANDLE_H

#include <stdint.h>

#include "core/error.h"

enum {
    ORL_TAG_DATASET = 0x4f524c44u,    /* "ORLD" */
    ORL_TAG_ENCODER = 0x4f524c45u,    /* "ORLE" */
    ORL_TAG_QNET = 0x4f524c51u,       /* "ORLQ" */
    ORL_TAG_GENMODEL = 0x4f524c47u,   /* "ORLG" */
    ORL_TAG_TRAINER = 0x4f524c54u,    /* "ORLT" */
    ORL_TAG_MODEL = 0x4f524c4du,      /* "ORLM" */
    ORL_TAG_SIM = 0x4f524c53u,        /* "ORLS" */
    ORL_TAG_OPE_RESULT = 0x4f524c56u, /* "ORLV" */
    ORL_TAG_FREED = 0xdeadf7eeu
};

typedef struct orl_handle_tag {
    uint32_t tag;
} orl_handle_tag;

/* Check a handle argument of an exported function: non-NULL and of the
 * expected kind. A freed handle is detected while its memory is still mapped
 * (best effort: use after free stays undefined behaviour). */
#define ORL_CHECK_HANDLE(h, expected)                                                              \
    do {                                                                                           \
        if ((h) == NULL)                                                                           \
            return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: '%s' must not be NULL", __func__, #h);    \
        if (((const orl_handle_tag *)(const void *)(h))->tag != (expected))                        \
            return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: '%s' is not a valid %s handle%s",         \
                            __func__, #h, orl_handle_kind(expected),                               \
                            ((const orl_handle_tag *)(const void *)(h))->tag == ORL_TAG_FREED      \
                                ? " (already freed)"                                               \
                                : "");                                                             \
    } while (0)

const char *orl_handle_kind(uint32_t tag);

#endif
