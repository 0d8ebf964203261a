/* Caser's vertical convolution (Tang & Wang 2018; the SQN / SA2C references'
 * Caser.py): V filters of height T (the window) and width 1, i.e. per filter
 * a weighted sum of the history's rows, per embedding dimension, + bias, ReLU:
 *   out[v][e] = relu(b[v] + sum_t w[v][t] x[t][e]).
 * Only the first n rows of x are stored; the others are zero (padding) and
 * add nothing. */
#ifndef ORL_NN_VCONV_H
#define ORL_NN_VCONV_H

typedef struct orl_vconv_dims {
    int window, embed, filters; /* T, E, V */
} orl_vconv_dims;

/* out [V x E] of one history with n stored rows (0 <= n <= T); w [V x T]. */
void orl_vconv_forward(float *out, const float *x, int n, const float *w, const float *b,
                       orl_vconv_dims d);
/* Adds the gradients of one history: dx [n x E], dw [V x T] (columns t < n:
 * the padding rows' share is zero) and db [V]. */
void orl_vconv_backward(float *dx, float *dw, float *db, const float *d_out, const float *out,
                        const float *x, int n, const float *w, orl_vconv_dims d);

#endif
