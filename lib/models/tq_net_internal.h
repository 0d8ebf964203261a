/* The tq_net struct and its two losses, shared by tq_net*.c and the tests. */
#ifndef ORL_MODELS_TQ_NET_INTERNAL_H
#define ORL_MODELS_TQ_NET_INTERNAL_H

#include "core/pool.h"
#include "core/rng.h"
#include "models/encoder.h"
#include "models/q_head.h"
#include "models/tq_net.h"

/* One batch of transitions, already validated. */
typedef struct orl_tq_inputs {
    const int32_t *states, *lens, *actions;
    const float *rewards;
    const int32_t *next_states, *next_lens;
    const uint8_t *done;
    int batch;
} orl_tq_inputs;

struct orl_tq_net {
    orl_tq_config cfg;
    orl_enc enc;
    orl_params on;         /* online: value, grad, Adam moments */
    orl_params tgt;        /* target: value only, same layout */
    const orl_params *gen; /* BCQ's fixed G or NULL */
    orl_enc gen_enc;       /* its encoder */
    void *gen_work;        /* its forward workspace */
    orl_params exp;        /* REM's export store (value only); unused by BCQ */
    int64_t exp_at;        /* steps when exp was last refreshed (-1: never) */
    orl_pool *pool;
    orl_rng alpha_rng; /* REM's mixture draws */
    orl_rng drop_rng;  /* dropout masks of encoders with their own dropout */
    orl_rng *dropout;  /* &drop_rng for those encoders, NULL otherwise */
    int64_t steps, syncs;
    float log_thr;                   /* BCQ: log(threshold); -INFINITY at 0 (every item allowed) */
    float alpha[ORL_Q_ENSEMBLE_MAX]; /* REM: this step's mixture */

    unsigned char *touched_emb; /* [I + 1] embedding rows with a gradient this step */
    unsigned char *touched_q;   /* [K x I] Q head rows with a gradient this step */
    int dense_adam;             /* tests: 1 = the plain dense Adam */
    float *block;               /* the training workspace, sized once for max_batch */
    void *work, *work_ng;       /* online forward on s (kept for backward); no-grad encodes */
    float *h, *d_h, *h_next;    /* [Bp x H], Bp = B rounded up to 16 */
    float *zbuf, *qbuf;         /* BCQ: [I x Bp] G logits, Q values (transposed) */
    float *ht;                  /* BCQ: [H x Bp] a batch of states transposed */
    float *col_a, *col_b;       /* BCQ: [Bp] per-row maxima, logsumexps */
    /* BCQ's next-state shortcut (tq_net_next.c) */
    int32_t *ext_rows, *ext_ids, *oth_rows; /* [B] */
    float *h_ext;                           /* [2B x H] */
    int32_t *states2, *lens2;               /* [B x window], [B] */
    float *step_scratch;                    /* the encoder's step_bytes(B) */
    float *h_gen;                           /* BCQ with a fixed G: [Bp x Hg] its states of s' */
    float *col_tmp;                         /* BCQ: [threads x 2 Bp] */
    float *w_mix, *b_mix;                   /* REM: the target's mixed head [I x H], [I] */
    float *argmax_scratch;                  /* REM */
    int32_t *a_next, *q_idx;                /* [B] next actions; [B x K] gathered ensemble rows */
    float *q_val, *q_grad;                  /* [B x K] */
    float *q_next, *y, *row_ce, *row_reg;   /* [B] */
};

/* The loss of the batch at the current online and target weights; gradients
 * are ADDED to net->on.grad, which must be zero. REM uses net->alpha as it
 * is (the step draws it first). ORL_OK, or ORL_E_NUMERIC with no gradient
 * written. */
int orl_tq_bcq_loss_grad(orl_tq_net *net, const orl_tq_inputs *in, orl_tq_losses *out);
int orl_tq_rem_loss_grad(orl_tq_net *net, const orl_tq_inputs *in, orl_tq_losses *out);
/* out [B x H] = the encoding of s' by store p (the online one), given h_s its
 * encoding of s by the last forward on net->work. Uses work_ng and d_h. */
void orl_tq_encode_next(orl_tq_net *net, const orl_params *p, const float *h_s,
                        const orl_tq_inputs *in, float *out);
/* alpha_k = u_k / sum u, u ~ U(0, 1)^K from alpha_rng. */
void orl_tq_rem_draw_alpha(orl_tq_net *net);
/* REM's export store from the online one: encoder, ensemble, mean head. */
void orl_tq_rem_refresh_export(orl_tq_net *net);
/* Tensor specs of REM's online (export = 0) or export (1) store after the
 * encoder's n_enc specs; returns the total count. */
int orl_tq_rem_head_specs(const orl_tq_net *net, orl_param_spec *specs, int n_enc, int export_);

/* Huber with delta 1 and its derivative in e. */
static inline float orl_tq_huber(float e, float *d)
{
    float a = e < 0 ? -e : e;
    *d = a <= 1.0f ? e : (e < 0 ? -1.0f : 1.0f);
    return a <= 1.0f ? 0.5f * e * e : a - 0.5f;
}

#endif
