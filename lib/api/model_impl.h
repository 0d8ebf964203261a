/* The orl_model handle: an immutable, trained policy. Built by a trainer's
 * export or by loading a model file; scored from any number of threads. */
#ifndef ORL_API_MODEL_IMPL_H
#define ORL_API_MODEL_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "api/handle.h"
#include "data/keymap.h"
#include "io/container.h"
#include "models/sl_net.h"
#include "models/spec.h"
#include "offlinerl/model.h"

struct orl_model {
    orl_handle_tag tag;
    orl_encoder_spec encoder;
    uint32_t n_items;
    char algorithm[ORL_ARCH_NAME_MAX];
    char *config_json; /* the training configuration, as the trainer reported it */
    orl_keymap items;  /* catalogue: dense id <-> external key */
    int has_str_keys;  /* some item keys are strings: orl_model_recommend refuses */
    char **item_text;  /* per id: its key as text (for the _str functions) */
    char *item_text_arena;
    orl_sl_net *net; /* inference only after construction */
    /* Models trained with a Q head carry both heads: the net scores with `head`
     * (ORL_HEAD_SUPERVISED or ORL_HEAD_Q) and the other one waits in other_head
     * ([I x H] weights then [I] bias), for orl_model_with_head(). */
    uint32_t head;
    float *other_head;
    size_t other_head_count;
};

/* Build a model from a policy's weights (copied) and a catalogue (copied):
 * from a parameter store, copying its tensors by name (a store with more
 * tensors, such as an RL network's Q head, is fine), or, when policy is NULL,
 * from one blob in the model's own layout (a model file). config_json may be
 * NULL. ORL_OK, ORL_E_FORMAT (layout mismatch), ORL_E_NOMEM; *out untouched on
 * failure. */
int orl_model_build(const orl_encoder_spec *encoder, uint32_t n_items, const char *algorithm,
                    const char *config_json, const orl_keymap *items, const orl_params *policy,
                    const float *weights, size_t n_weights, orl_model **out);

/* The number of floats a model of this shape has (its weight blob). */
size_t orl_model_weight_count(const orl_model *model);

/* Floats of one head: weights [I x H] and bias [I]. */
size_t orl_model_head_floats(const orl_model *model);
/* The encoder's settings in model metadata (model_file_encoder.c). */
int orl_model_put_encoder(orl_container_writer *w, const orl_encoder_spec *encoder);
/* Reads the keys present into *encoder (absent keys leave it as it is). */
int orl_model_get_encoder(const orl_container_reader *r, orl_encoder_spec *encoder);
/* Floats of the state vector the heads read (hidden_dim for GRU4Rec). */
size_t orl_model_state_dim(const orl_model *model);

/* Give a freshly built model its second head (copied) and say which is active. */
int orl_model_set_other_head(orl_model *m, uint32_t head, const float *other, size_t count);

/* Map a history of keys (int64 when str_keys is NULL) into one state row:
 * the last `window` known items, left-aligned, padded with n_items. Returns
 * the number of unknown keys skipped; *out_len in [1, window]. */
size_t orl_model_history_state(const orl_model *model, const int64_t *keys,
                               const char *const *str_keys, size_t n, int32_t *state,
                               int32_t *out_len);

#endif
