/* The online network's encoding of s' from its encoding of s: where s' is s
 * followed by the action (the window did not slide), one encoder step
 * (bit-identical to a full encode, encoder.h); the other rows are encoded
 * from scratch. Saves one of BCQ's three encodes for GRU4Rec. */
#include <string.h>

#include "models/next_state.h"

#include "models/tq_net_internal.h"

/* 1 when s'_b is s_b followed by the action. */
static int extends(const orl_tq_inputs *in, int b, int T)
{
    return orl_next_state_extends(in->states, in->lens, in->next_states, in->next_lens, in->actions,
                                  b, T);
}

void orl_tq_encode_next(orl_tq_net *net, const orl_params *p, const float *h_s,
                        const orl_tq_inputs *in, float *out)
{
    const int B = in->batch, H = net->enc.state_dim, T = (int)net->enc.spec.window;
    const orl_encoder_class *ec = net->enc.cls;
    const size_t hb = sizeof(float) * (size_t)H;
    if (!ec->step) {
        ec->forward(net->pool, p, &net->enc, net->work_ng, in->next_states, in->next_lens, B,
                    net->dropout, out);
        return;
    }
    int n_ext = 0, n_oth = 0;
    for (int b = 0; b < B; b++) {
        if (extends(in, b, T)) {
            net->ext_rows[n_ext] = b;
            net->ext_ids[n_ext] = in->actions[b];
            memcpy(net->h_ext + (size_t)n_ext * H, h_s + (size_t)b * H, hb);
            n_ext++;
        } else {
            net->oth_rows[n_oth] = b;
            memcpy(net->states2 + (size_t)n_oth * T, in->next_states + (size_t)b * T,
                   sizeof(int32_t) * (size_t)T);
            net->lens2[n_oth] = in->next_lens[b];
            n_oth++;
        }
    }
    float *stepped = net->h_ext + (size_t)B * H;
    if (n_ext)
        ec->step(net->pool, p, &net->enc, net->work, net->h_ext, net->ext_ids, n_ext, stepped,
                 net->step_scratch);
    for (int r = 0; r < n_ext; r++)
        memcpy(out + (size_t)net->ext_rows[r] * H, stepped + (size_t)r * H, hb);
    if (n_oth) { /* d_h is free until the backward pass */
        ec->forward(net->pool, p, &net->enc, net->work_ng, net->states2, net->lens2, n_oth,
                    net->dropout, net->d_h);
        for (int r = 0; r < n_oth; r++)
            memcpy(out + (size_t)net->oth_rows[r] * H, net->d_h + (size_t)r * H, hb);
    }
}
