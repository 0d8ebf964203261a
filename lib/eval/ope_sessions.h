/* Estimators that are a mean of one number per session (PDIS, sequential DR, FQE). */
#ifndef ORL_EVAL_OPE_SESSIONS_H
#define ORL_EVAL_OPE_SESSIONS_H

#include "eval/ope.h"

typedef double (*orl_ope_session_value_fn)(const orl_ope_steps *d, const orl_ope_config *c,
                                           uint64_t session);
/* sum_i sw_i x_i / sum_i sw_i; pseudo-values x_i. */
int orl_ope_session_mean(const orl_ope_steps *d, const orl_ope_config *c, const double *sw,
                         orl_ope_session_value_fn x, double *out, double *pseudo);

#endif
