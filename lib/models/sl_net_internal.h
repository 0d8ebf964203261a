/* The sl_net struct, shared by its training (sl_net.c) and inference
 * (sl_net_infer.c) files only. */
#ifndef ORL_MODELS_SL_NET_INTERNAL_H
#define ORL_MODELS_SL_NET_INTERNAL_H

#include "core/pool.h"
#include "core/rng.h"
#include "models/head_screen.h"
#include "models/sl_net.h"

struct orl_sl_net {
    orl_sl_net_config cfg;
    orl_enc enc; /* the encoder; heads read enc.state_dim floats per history */
    orl_params params;
    orl_pool *pool;
    orl_rng dropout_rng;
    float *block; /* every training activation, sized once for max_batch */
    void *work;   /* the encoder's training workspace, inside block */
    float *hidden, *hidden_drop, *d_hidden, *mask, *ce_scratch;
    orl_sl_net_timing *timing;
    unsigned char *touched;  /* [n_items + 1] embedding rows with a gradient this step */
    orl_head_screen *screen; /* fp16 screen for one-history top-K, or NULL */
};

/* Validation shared by training and inference; ORL_E_OUT_OF_RANGE with a
 * message naming the first bad entry. */
int orl_sl_net_check_states(const orl_sl_net *net, const int32_t *states, const int32_t *lens,
                            int n);

#endif
