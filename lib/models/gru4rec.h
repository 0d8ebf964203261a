/* The GRU4Rec encoder: item embedding + one GRU over the window, giving the
 * hidden state at each history's true length. Matches the reference
 * (sqn_torch.py, --gru torch): embedding (n_items + 1) x E ~ N(0, 0.01) with the
 * padding id n_items, torch.nn.GRU gates and init U(-1/sqrt(H), 1/sqrt(H)).
 * Parameters live in a caller's orl_params under the names below. */
#ifndef ORL_MODELS_GRU4REC_H
#define ORL_MODELS_GRU4REC_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"
#include "core/rng.h"
#include "nn/gru.h"
#include "nn/params.h"

#define ORL_GRU4REC_EMB  "emb" /* = ORL_ENC_EMB */
#define ORL_GRU4REC_W_IH "gru.w_ih"
#define ORL_GRU4REC_W_HH "gru.w_hh"
#define ORL_GRU4REC_B_IH "gru.b_ih"
#define ORL_GRU4REC_B_HH "gru.b_hh"
enum { ORL_GRU4REC_N_PARAMS = 5 };

typedef struct orl_gru4rec_dims {
    int n_items, embed_dim, hidden_dim, window;
} orl_gru4rec_dims;

/* Writes the ORL_GRU4REC_N_PARAMS tensor specs into specs[]. */
void orl_gru4rec_param_specs(orl_gru4rec_dims d, orl_param_spec *specs);
/* Reference initialisation from `rng`. */
void orl_gru4rec_init(orl_params *p, orl_gru4rec_dims d, orl_rng *rng);

/* Activations of one training batch shape, sized once. */
typedef struct orl_gru4rec_work {
    float *x;        /* [T x B x E] gathered embeddings, time-major */
    float *dx;       /* [T x B x E] */
    int32_t *ids;    /* [T x B] item ids, time-major, rows in `perm` order */
    int32_t *perm;   /* [B] batch row of each GRU row (see gru4rec.c) */
    int32_t *lens_p; /* [B] lengths in GRU row order */
    float *hid_p;    /* [B x H] GRU output in GRU row order */
    float *dh_p;     /* [B x H] */
    orl_gru_cache cache;
    int max_batch;
} orl_gru4rec_work;

size_t orl_gru4rec_work_floats(orl_gru4rec_dims d, int max_batch);
/* Carve a 64-byte aligned block of orl_gru4rec_work_floats floats. */
void orl_gru4rec_work_bind(orl_gru4rec_work *w, float *block, orl_gru4rec_dims d, int max_batch);

/* hidden [B x H] from states [B x window] (ids in [0, n_items], padding
 * n_items) and lens [B] in [1, window]; inputs are trusted. */
void orl_gru4rec_forward(orl_pool *pool, const orl_params *p, orl_gru4rec_dims d,
                         orl_gru4rec_work *w, const int32_t *states, const int32_t *lens, int batch,
                         float *hidden);
/* Adds the gradients of the last forward's batch to p->grad, given d_hidden. */
void orl_gru4rec_backward(orl_pool *pool, orl_params *p, orl_gru4rec_dims d, orl_gru4rec_work *w,
                          const int32_t *lens, int batch, const float *d_hidden);

/* The state after one more item: h_next[r] = one GRU step from h_prev[r]
 * [n x H] with input item ids[r] (in [0, n_items]), bit-identical to encoding
 * the history extended by that item. `w` is only read: its last forward must
 * have used the same store `p` (it holds the transposed GRU weights), and it
 * stays valid for that forward's backward. scratch: orl_gru4rec_step_floats. */
size_t orl_gru4rec_step_floats(orl_gru4rec_dims d, int n);
void orl_gru4rec_step(orl_pool *pool, const orl_params *p, orl_gru4rec_dims d,
                      const orl_gru4rec_work *w, const float *h_prev, const int32_t *ids, int n,
                      float *h_next, float *scratch);

/* touched[id] = 1 for every embedding row the last backward wrote to
 * (touched has n_items + 1 entries; others are left as they are). */
void orl_gru4rec_mark_touched(const orl_gru4rec_work *w, int batch, unsigned char *touched);

/* Inference on a const store, no pool: one history. scratch holds
 * orl_gru4rec_one_floats(d) floats. */
size_t orl_gru4rec_one_floats(orl_gru4rec_dims d);
void orl_gru4rec_encode_one(const orl_params *p, orl_gru4rec_dims d, const int32_t *state,
                            int32_t len, float *scratch, float *hidden);

#endif
