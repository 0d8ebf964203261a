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
    /* ORL_HEAD_CONSTRAINED (BCQ): the net holds G, other_head holds Q; with
     * g_net (below) the net holds Q and G is g_net. */
    float bcq_threshold; /* G's ratio threshold in [0, 1); < 0 = not a BCQ model */
    /* An ensemble of Q heads (REM): K heads' weights [K*I x H] then biases
     * [K*I]; the Q head (active or other) is their mean. score_rule and kappa
     * apply when the model scores with the Q head. */
    uint32_t n_ensemble;
    float *ensemble;
    uint32_t score_rule;
    float kappa;
    /* BCQ with a G the host trained before (model_generative.c): G's own
     * network (its encoder and CE head), or NULL. With it the net holds the Q
     * network (its encoder, the Q head under the CE head names), other_head is
     * NULL and head is ORL_HEAD_CONSTRAINED or ORL_HEAD_Q. */
    orl_sl_net *g_net;
    orl_encoder_spec g_encoder;
    /* A baseline (model_baseline.c): no network (net is NULL); it scores with
     * its training counts. baseline = 1 + ORL_BASELINE_*, 0 for a network. */
    uint32_t baseline;
    int64_t *baseline_counts; /* [I] training events per item */
    float *baseline_pop;      /* [I] log(count), -inf for 0 */
};

/* Scratch bytes of the net's scoring of `rows` states (a small block for a
 * baseline, which has no net). */
size_t orl_model_scratch_bytes(const orl_model *m, int rows);

/* Baselines (model_baseline.c). A model of `kind` (ORL_BASELINE_*) over a
 * catalogue (copied) with per-item training counts (copied), reading the last
 * `window` items of a history. ORL_E_FORMAT (a negative count), ORL_E_NOMEM. */
int orl_model_build_baseline(uint32_t kind, uint32_t window, const orl_keymap *items,
                             const int64_t *counts, const char *config_json, orl_model **out);
/* A baseline's scores of one state (as orl_model_score_row). */
void orl_model_baseline_row(const orl_model *m, const int32_t *state, int32_t len, float *scores);
/* A baseline's kind and counts in a model file, and back. */
int orl_model_put_baseline(orl_container_writer *w, const orl_model *m);
int orl_model_load_baseline(const orl_container_reader *r, orl_model **out);
/* The catalogue in a model file (model_file.c): keys and string flags. */
int orl_model_write_catalogue(orl_container_writer *w, const orl_model *m);
int orl_model_read_catalogue(const orl_container_reader *r, uint32_t n_items, orl_keymap *items);

/* ORL_E_OUT_OF_RANGE unless 1 <= k <= min(catalogue, 65536); the message
 * starts with fn when it is not NULL. */
int orl_model_check_k(const orl_model *m, uint32_t k, const char *fn);
/* 1 when scoring is the net's own head alone (no BCQ rule, no std, no LCB/UCB). */
int orl_model_scores_plainly(const orl_model *m);
/* 1 when the model scores with its ensemble (head Q and heads kept). */
int orl_model_scores_with_ensemble(const orl_model *m);
/* Scores (and, when std is not NULL, std over the ensemble) of one state
 * over the whole catalogue by the model's rule: scores [I], std [I]. Works
 * for every model (plain ones give their head's scores). ORL_OK, ORL_E_NOMEM,
 * ORL_E_STATE (std asked of a model without ensemble scoring). */
int orl_model_score_row(const orl_model *m, const int32_t *state, int32_t len, float *scores,
                        float *std);
/* A copy of `model` scoring with `head`, `rule` and `kappa` (checked by the
 * caller); heads, ensemble, BCQ threshold and g_net travel with it. */
int orl_model_derive(const orl_model *model, uint32_t head, uint32_t rule, float kappa,
                     orl_model **out);
/* The rule's scores (and std) of the items ids [n] of one state: per item for
 * an ensemble (K + 1 rows each), through the full row otherwise. Same values
 * as orl_model_score_row. ORL_OK, ORL_E_NOMEM, ORL_E_STATE. */
int orl_model_score_items(const orl_model *m, const int32_t *state, int32_t len, const int32_t *ids,
                          size_t n, float *scores, float *std);
/* The rule's top-k (ties by lower id) of one state, with the std of each when
 * std is not NULL: the mean's top-k needs one catalogue pass, the lower bound
 * prunes by the mean (exact), the others score the full row. Same values as
 * orl_model_score_row. ORL_OK, ORL_E_NOMEM, ORL_E_STATE. */
int orl_model_rule_topk(const orl_model *m, const int32_t *state, int32_t len, uint32_t k,
                        int32_t *ids, float *scores, float *std);
/* Floats of the ensemble (K heads' weights and biases). */
size_t orl_model_ensemble_floats(const orl_model *m, uint32_t n_heads);
/* Give a freshly built model its ensemble (copied). ORL_E_FORMAT, ORL_E_NOMEM. */
int orl_model_set_ensemble(orl_model *m, uint32_t n_heads, const float *heads, size_t count);

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
/* The BCQ threshold, the ensemble and the score rule in model metadata
 * (model_file_scoring.c); absent keys leave the model as built. */
int orl_model_put_scoring(orl_container_writer *w, const orl_model *m);
int orl_model_get_scoring(const orl_container_reader *r, orl_model *m);
/* Floats of the state vector the heads read (hidden_dim for GRU4Rec). */
size_t orl_model_state_dim(const orl_model *model);

/* The inference-only sl_net config of an encoder over n_items (model_build.c). */
orl_sl_net_config orl_model_net_config(const orl_encoder_spec *enc, uint32_t n_items);

/* Give a model G's network (model_generative.c): built from G's encoder spec
 * and one blob in sl_net layout (copied). G's window must be the model's.
 * ORL_E_FORMAT (shape), ORL_E_NOMEM; the model is unchanged on failure. */
int orl_model_set_generative(orl_model *m, const orl_encoder_spec *g_encoder, const float *weights,
                             size_t n_weights);
/* Copy src's G (if any) into m. */
int orl_model_copy_generative(orl_model *m, const orl_model *src);
/* A model of G alone (its encoder and head, scoring with the supervised
 * head), for orl_model_with_head(ORL_HEAD_SUPERVISED) of a model with g_net. */
int orl_model_generative_alone(const orl_model *m, orl_model **out);
/* z [I]: G's scores of one state (scratch sized by the caller's helper). */
int orl_model_generative_scores(const orl_model *m, const int32_t *state, int32_t len, float *z);
/* G's encoder and weights in model metadata (model_file_generative.c);
 * nothing is written or read for models without a g_net. */
int orl_model_put_generative(orl_container_writer *w, const orl_model *m);
int orl_model_get_generative(const orl_container_reader *r, orl_model *m);
/* The encoder's settings under a key prefix ("" for the model's own). */
int orl_model_put_encoder_keys(orl_container_writer *w, const char *prefix,
                               const orl_encoder_spec *encoder);
int orl_model_get_encoder_keys(const orl_container_reader *r, const char *prefix,
                               orl_encoder_spec *encoder);

/* Give a freshly built model its second head (copied) and say which is active. */
int orl_model_set_other_head(orl_model *m, uint32_t head, const float *other, size_t count);

/* Map a history of keys (int64 when str_keys is NULL) into one state row:
 * the last `window` known items, left-aligned, padded with n_items. Returns
 * the number of unknown keys skipped; *out_len in [1, window]. */
size_t orl_model_history_state(const orl_model *model, const int64_t *keys,
                               const char *const *str_keys, size_t n, int32_t *state,
                               int32_t *out_len);

#endif
