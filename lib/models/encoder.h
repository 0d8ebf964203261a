/* One interface for every sequence encoder (DESIGN.md §2): a network maps a
 * batch of histories to state vectors, and the heads and algorithms above it
 * see only this interface. One file per encoder implements an
 * orl_encoder_class (gru4rec.c, sasrec.c, caser.c, nextitnet.c); encoder.c
 * lists them.
 *
 * Conventions every class keeps:
 * - histories are states [B x window], left-aligned and right-padded with the
 *   padding id n_items, and lens [B] in [1, window] (inputs are trusted: the
 *   nets above validate them);
 * - the item embedding is the tensor ORL_ENC_EMB [(n_items + 1) x embed_dim]
 *   in the caller's orl_params store, the other tensors are the class's own;
 * - no allocation inside forward, backward, step or encode_one: the caller
 *   gives a workspace of work_bytes (training / batches) or one_bytes (one
 *   history), 64-byte aligned;
 * - forward with a dropout RNG is a training forward (dropout on, masks drawn
 *   serially from the RNG then kept in the workspace for backward); with
 *   NULL it is the deterministic inference forward;
 * - backward ADDS the gradient of the last forward on the same workspace to
 *   p->grad, given d_out [B x state_dim]. */
#ifndef ORL_MODELS_ENCODER_H
#define ORL_MODELS_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"
#include "core/rng.h"
#include "models/spec.h"
#include "nn/params.h"

#define ORL_ENC_EMB "emb"

typedef struct orl_encoder_class orl_encoder_class;

/* An encoder of one resolved spec over one catalogue: plain values. */
typedef struct orl_enc {
    const orl_encoder_class *cls;
    orl_encoder_spec spec; /* resolved: no "default" left in it */
    int n_items;           /* the padding id is n_items */
    int state_dim;         /* size of the state vector the heads read */
} orl_enc;

/* A parameter name buffer (specs point into an array of these). */
typedef char orl_param_name[ORL_PARAM_NAME_MAX];

struct orl_encoder_class {
    const char *name;
    /* 1 when the net applies spec.dropout to the state vector itself (GRU4Rec,
     * as the 0.1.0 networks); 0 when the encoder applies its own dropout. */
    int state_dropout;
    /* Fill the kind's defaults into zero / negative fields, then check ranges:
     * ORL_OK or ORL_E_OUT_OF_RANGE naming the field (message via orl_fail). */
    int (*resolve)(orl_encoder_spec *s);
    int (*state_dim)(const orl_encoder_spec *s);
    /* Number of tensors (embedding included), then their specs; names are
     * written into names[i] and specs[i].name points there. */
    int (*n_params)(const orl_encoder_spec *s);
    void (*param_specs)(const orl_enc *e, orl_param_spec *specs, orl_param_name *names);
    /* The reference initialisation of every encoder tensor from `rng`. */
    void (*init)(orl_params *p, const orl_enc *e, orl_rng *rng);
    /* Training / batch workspace for up to max_batch histories. work_bind
     * carves it (the returned handle lives inside `block`). */
    size_t (*work_bytes)(const orl_enc *e, int max_batch);
    void *(*work_bind)(void *block, const orl_enc *e, int max_batch);
    void (*forward)(orl_pool *pool, const orl_params *p, const orl_enc *e, void *work,
                    const int32_t *states, const int32_t *lens, int batch, orl_rng *dropout,
                    float *out);
    void (*backward)(orl_pool *pool, orl_params *p, const orl_enc *e, void *work,
                     const int32_t *states, const int32_t *lens, int batch, const float *d_out);
    /* touched[id] = 1 for every embedding row the last backward wrote to
     * (n_items + 1 entries; others left as they are). */
    void (*mark_touched)(const orl_enc *e, const void *work, const int32_t *states,
                         const int32_t *lens, int batch, unsigned char *touched);
    /* Inference on a const store, no pool, one history (state has window
     * entries). */
    size_t (*one_bytes)(const orl_enc *e);
    void (*encode_one)(const orl_params *p, const orl_enc *e, const int32_t *state, int32_t len,
                       void *scratch, float *out);
    /* Optional batch inference (NULL when forward with a NULL dropout already
     * gives encode_one's states bit for bit, as SASRec, Caser and NextItNet
     * do): states of n <= 64 histories, each equal to encode_one's for it
     * alone, bit for bit. scratch: rows_bytes(e, n), 64-byte aligned. */
    size_t (*rows_bytes)(const orl_enc *e, int n);
    void (*encode_rows)(const orl_params *p, const orl_enc *e, const int32_t *states,
                        const int32_t *lens, int n, void *scratch, float *out);
    /* Optional next-state shortcut (NULL when the encoder has none): the
     * state after one more item, h_next[r] from h_prev[r] and ids[r],
     * bit-identical to encoding the extended history. `work` is only read;
     * its last forward must have used the same store. */
    size_t (*step_bytes)(const orl_enc *e, int n);
    void (*step)(orl_pool *pool, const orl_params *p, const orl_enc *e, const void *work,
                 const float *h_prev, const int32_t *ids, int n, float *h_next, void *scratch);
};

/* The class called `name`, or NULL; and the comma-separated names. */
const orl_encoder_class *orl_encoder_class_find(const char *name);
const char *orl_encoder_class_names(void);

/* Resolves and checks `spec` for a catalogue of n_items and fills *e.
 * ORL_OK, ORL_E_UNSUPPORTED, ORL_E_OUT_OF_RANGE (e untouched on failure). */
int orl_enc_init(orl_enc *e, const orl_encoder_spec *spec, int n_items);

/* Tensor count and specs of the encoder (helpers over the class). */
int orl_enc_n_params(const orl_enc *e);

/* Byte sizes rounded up to 64 so that carved blocks stay aligned. */
static inline size_t orl_enc_round64(size_t bytes)
{
    return (bytes + 63) & ~(size_t)63;
}

extern const orl_encoder_class orl_encoder_gru4rec;
extern const orl_encoder_class orl_encoder_sasrec;
extern const orl_encoder_class orl_encoder_caser;
extern const orl_encoder_class orl_encoder_nextitnet;

#endif
