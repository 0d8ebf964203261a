/* Causal multi-head scaled dot-product attention over one left-aligned
 * sequence (SASRec's multihead_attention): query i at position p attends the
 * keys 0..p that are not padding, per head h of width dh = dim / heads,
 *   a_j = softmax_j(q_p,h . k_j,h / sqrt(dh)),  out_p,h = sum_j a_j drop_j v_j,h.
 * A padding query gets a zero row. The caller projects q, k and v.
 *
 * The masks are the item masks of the sequence: the reference tests
 * sum(x_j) != 0 for keys and sum(q_p) != 0 for queries, which equals the item
 * mask except on rows whose floats happen to sum to exactly 0 (padding rows
 * are exactly 0; a padding query's row is zeroed by the model afterwards). */
#ifndef ORL_NN_ATTENTION_H
#define ORL_NN_ATTENTION_H

typedef struct orl_attn_dims {
    int len;    /* keys and values: positions 0 .. len - 1 */
    int n_q;    /* queries: the last n_q positions, len - n_q .. len - 1 */
    int dim;    /* model width, heads * head width */
    int heads;  /* divides dim */
    int stride; /* floats per (query, head) row of probs and drop, >= len */
} orl_attn_dims;

/* out [n_q x dim]; probs [n_q x heads x stride] keeps the softmax (entries
 * j <= p, zero for padding keys) for the backward pass; q [n_q x dim],
 * k, v [len x dim]; mask [len] (1 item, 0 padding; NULL: all items); drop
 * [n_q x heads x stride] inverted-dropout factors of the weights (NULL:
 * none). */
void orl_attn_forward(float *out, float *probs, const float *q, const float *k, const float *v,
                      const float *mask, const float *drop, orl_attn_dims d);

/* Given d_out [n_q x dim]: d_q [n_q x dim], d_k and d_v [len x dim] are
 * overwritten. scratch: stride floats. */
void orl_attn_backward(float *d_q, float *d_k, float *d_v, float *scratch, const float *d_out,
                       const float *probs, const float *q, const float *k, const float *v,
                       const float *mask, const float *drop, orl_attn_dims d);

#endif
