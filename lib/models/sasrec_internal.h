/* SASRec behind the encoder interface (sasrec.c): what its forward
 * (sasrec_fwd.c) and backward (sasrec_bwd.c) share.
 *
 * The network, as the peer's SASRec (seqrec_torch.py) on a history of
 * length L (positions 0..L-1 hold the items, padding after them):
 *   x = dropout(emb[s] + pos) * m                       (m: 1 item, 0 padding)
 *   per block: q = LN_q(x); a = attention(q Wq, x Wk, x Wv) (causal)
 *              x' = dropout(a) + q;  f = LN_f(x')
 *              x = (dropout(W2 dropout(relu(W1 f))) + f) * m
 *   state = LN(x) at position L - 1.
 * Positions >= L never reach position L - 1 (causal attention, position-wise
 * layers), so only the L real positions of each history are computed: the
 * tokens of a batch are packed, history b owning tokens off[b] .. off[b+1]-1.
 * The last block needs its queries (LN_q, Q, attention, feed-forward) only
 * at each history's last token; its keys and values at every token. */
#ifndef ORL_MODELS_SASREC_INTERNAL_H
#define ORL_MODELS_SASREC_INTERNAL_H

#include <stdint.h>

#include "models/encoder.h"

enum {
    SAS_MAX_BLOCKS = 8,
    SAS_MAX_HEADS = 64,
    /* Training splits the batch into units of this many histories: every
     * product's shape depends on the batch only, never on the thread count. */
    SAS_UNIT_ROWS = 16
};

/* The tensors of one block, in the order of the parameter specs. */
enum {
    SAS_LNQ_G,
    SAS_LNQ_B,
    SAS_WQ,
    SAS_BQ,
    SAS_WK,
    SAS_BK,
    SAS_WV,
    SAS_BV,
    SAS_LNF_G,
    SAS_LNF_B,
    SAS_W1,
    SAS_B1,
    SAS_W2,
    SAS_B2,
    SAS_BLOCK_TENSORS
};

/* Pointers to every tensor in one buffer of the store (value or grad). */
typedef struct sas_ptrs {
    float *emb, *pos, *ln_g, *ln_b;
    float *blk[SAS_MAX_BLOCKS][SAS_BLOCK_TENSORS];
} sas_ptrs;

/* One block's activations. Query rows ("nq") are every token for the
 * blocks before the last, and one row per history (its last token) for the
 * last block; k and v always cover every token. */
typedef struct sas_block {
    float *out;            /* [nq x H] the block's output */
    float *qin, *qstat;    /* LN_q of the queries [nq x H], mean / rstd [2 nq] */
    float *qp, *kp, *vp;   /* [nq x H], [tok x H], [tok x H] */
    float *prob, *d_att;   /* [nq x heads x T] softmax, its dropout factors */
    float *xr, *fstat, *f; /* attention + q [nq x H], LN_f stats, LN_f output */
    float *h1;             /* [nq x H] dropout(relu(f W1^T + b1)) */
    float *d_h1, *d_y;     /* [nq x H] dropout factors of h1 and of the output */
} sas_block;

/* The matrices of a block, in the order of their packed transposes. */
enum { SAS_PACK_Q, SAS_PACK_K, SAS_PACK_V, SAS_PACK_1, SAS_PACK_2, SAS_PACKED };

typedef struct sas_work {
    int max_batch, max_tok;
    /* The last forward: its batch, tokens, histories per unit, dropout. */
    int batch, n_tok, unit_rows, dropout_on;
    uint64_t drop_seed; /* unit u draws its dropout from stream (drop_seed, u) */
    float *wt;          /* training: [blocks x SAS_PACKED x H x H] W^T for orl_kgemm */
    int32_t *off;       /* [max_batch + 1] first token of each history */
    int32_t *last;      /* [max_batch] its last token */
    int32_t *ids;       /* [tok] item id of each token */
    float *tmask;       /* [tok] 1 item, 0 padding */
    float *x0, *d_x0;   /* [tok x H] block 0's input, its dropout factors */
    float *lnstat;      /* [2 max_batch] final LN stats */
    sas_block blk[SAS_MAX_BLOCKS];
    /* Backward: gradients of one block at a time. */
    float *g_a, *g_b;                  /* [tok x H] alternate out / in gradients */
    float *dqp, *dz1, *dy, *df, *dqin; /* [nq_max x H] */
    float *dkp, *dvp;                  /* [tok x H] */
    float *ascr;                       /* [max_batch x T] attention backward scratch */
} sas_work;

typedef struct sas_dims {
    int H, heads, T, blocks;
    float dropout;
} sas_dims;

#define SAS_LN_EPS 1e-8f /* utility.normalize's epsilon */

sas_dims orl_sas_dims(const orl_enc *e);
/* Fills *out with the tensors of `buffer` (p->value or p->grad). */
void orl_sas_ptrs(const orl_params *p, float *buffer, int blocks, sas_ptrs *out);
/* Carves a work struct and its arrays for max_batch histories from `block`
 * (NULL: only sizes it); returns the bytes used. Without `training` it holds
 * the inference forward only (no dropout, packed weights or gradients). */
size_t orl_sas_work_layout(void *block, const orl_enc *e, int max_batch, int training);

/* sasrec_fwd.c: the encoder's forward (training when `dropout` is given) and
 * the single-history inference, which runs the same per-history code. */
void orl_sas_forward(orl_pool *pool, const orl_params *p, const orl_enc *e, sas_work *w,
                     const int32_t *states, const int32_t *lens, int batch, orl_rng *dropout,
                     float *out);
void orl_sas_encode_one(const orl_params *p, const orl_enc *e, const int32_t *state, int32_t len,
                        void *scratch, float *out);
/* sasrec_bwd.c: adds the gradient of the last forward on w to p->grad. */
void orl_sas_backward(orl_pool *pool, orl_params *p, const orl_enc *e, sas_work *w,
                      const float *d_out);

#endif
