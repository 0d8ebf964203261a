/* The Q head: Linear(H -> n_items) giving Q(s, a) for every item, on the same
 * encoder as the CE head. Reference init (sqn_torch.py): Xavier-uniform
 * weights, zero bias. Parameters "qhead.w" [I x H] and "qhead.b" [I]. */
#ifndef ORL_MODELS_Q_HEAD_H
#define ORL_MODELS_Q_HEAD_H

#include "core/rng.h"
#include "nn/params.h"

#define ORL_Q_HEAD_W "qhead.w"
#define ORL_Q_HEAD_B "qhead.b"
enum { ORL_Q_HEAD_N_PARAMS = 2 };

/* An ensemble of K Q heads (REM): "qens.w" [K*I x H] (head k's rows at k*I)
 * and "qens.b" [K*I x 1]. A policy store that has them also carries their
 * mean as ORL_Q_HEAD_W / ORL_Q_HEAD_B; the model keeps all K for the
 * uncertainty scores (std over heads). */
#define ORL_Q_ENSEMBLE_W "qens.w"
#define ORL_Q_ENSEMBLE_B "qens.b"
enum { ORL_Q_ENSEMBLE_MAX = 32 };

void orl_q_head_param_specs(int n_items, int hidden, orl_param_spec *specs);
void orl_q_head_init(orl_params *p, int n_items, int hidden, orl_rng *rng);

/* A shallow copy of `src` (same buffers, no gradient or moments) in which the
 * names ORL_CE_HEAD_W / ORL_CE_HEAD_B denote the Q head's tensors: code that
 * scores with "the CE head" (sl_net inference) then scores with Q values.
 * ORL_E_NOT_FOUND when src has no Q head or no CE head. */
int orl_q_head_as_ce_view(const orl_params *src, orl_params *dst);

#endif
