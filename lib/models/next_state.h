/* Whether a transition's next state is its state followed by its action (the
 * session went on without the window sliding): the next state's encoding is
 * then one encoder step from the state's (encoders with a `step`). Shared by
 * the networks that encode next states (rl_net, tq_net). */
#ifndef ORL_MODELS_NEXT_STATE_H
#define ORL_MODELS_NEXT_STATE_H

#include <stdint.h>
#include <string.h>

/* Rows b of states / next_states [B x T] with lengths lens / next_lens. */
static inline int orl_next_state_extends(const int32_t *states, const int32_t *lens,
                                         const int32_t *next_states, const int32_t *next_lens,
                                         const int32_t *actions, int b, int T)
{
    const int len = lens[b];
    if (next_lens[b] != len + 1) return 0;
    const int32_t *s = states + (size_t)b * T, *n = next_states + (size_t)b * T;
    return memcmp(s, n, sizeof(int32_t) * (size_t)len) == 0 && n[len] == actions[b];
}

#endif
