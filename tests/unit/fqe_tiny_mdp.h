/* The tiny MDP that test_fqe_fit.c (event transitions) and
 * test_fqe_displays.c (display steps) both log: window 1, 4 items, the state
 * is the last clicked item (PAD at a session's start); the tables, the fixed
 * stochastic target pi as FQE's policy callback, FQE's settings for an exact
 * full-batch fit, and reading Q back. */
#ifndef ORL_TEST_FQE_TINY_MDP_H
#define ORL_TEST_FQE_TINY_MDP_H

#include <math.h>

#include "core/error.h"
#include "core/rng.h"
#include "data/transitions.h"
#include "eval/fqe.h"
#include "test_support.h"

enum { NA = 4, NS = NA + 1, PAD = NA, MAXLEN = 30 };
static const double GAMMA = 0.8;

/* Mean reward and end probability of (s, a); s = PAD is a session's start. */
static const double MEAN_R[NS][NA] = {{0.1, 1.0, 0.3, 0.0},
                                      {0.8, 0.0, 0.2, 0.5},
                                      {0.0, 0.4, 1.0, 0.1},
                                      {0.6, 0.1, 0.0, 0.9},
                                      {0.2, 0.5, 0.1, 0.3}};
static const double END[NS][NA] = {{0.1, 0.3, 0.2, 0.1},
                                   {0.2, 0.1, 0.3, 0.2},
                                   {0.1, 0.2, 0.1, 0.4},
                                   {0.3, 0.1, 0.2, 0.1},
                                   {0.1, 0.1, 0.1, 0.1}};
/* The logging policy: every action in every state. */
static const double BETA[NS][NA] = {{0.25, 0.25, 0.25, 0.25},
                                    {0.4, 0.2, 0.2, 0.2},
                                    {0.1, 0.3, 0.3, 0.3},
                                    {0.2, 0.2, 0.4, 0.2},
                                    {0.3, 0.3, 0.2, 0.2}};
/* The target policy: stochastic, far from greedy. */
static const double PI[NS][NA] = {{0.6, 0.1, 0.2, 0.1},
                                  {0.1, 0.5, 0.3, 0.1},
                                  {0.5, 0.2, 0.1, 0.2},
                                  {0.2, 0.5, 0.2, 0.1},
                                  {0.25, 0.25, 0.25, 0.25}};

static inline int tiny_draw(orl_rng *g, const double *p, int n)
{
    double u = orl_rng_uniform(g), c = 0.0;
    for (int i = 0; i < n - 1; i++)
        if (u < (c += p[i])) return i;
    return n - 1;
}

/* pi(. | s) from the table (with window 1 the state is its one item); ctx is
 * an int call counter, or NULL. */
static inline int tiny_table_policy(void *ctx, const orl_batch *b, int use_next, float *out)
{
    if (ctx) ++*(int *)ctx;
    const int32_t *st = use_next ? b->next_states : b->states;
    for (size_t r = 0; r < b->size; r++) {
        const int s = st[r * b->window];
        if (s < 0 || s > PAD) return orl_fail(ORL_E_OUT_OF_RANGE, "test policy: state %d", s);
        for (int a = 0; a < NA; a++) out[r * NA + a] = (float)PI[s][a];
    }
    return ORL_OK;
}

/* FQE settings for an exact fit: batch = the whole log, so each step takes the
 * exact empirical gradient. */
static inline void tiny_settings(orl_fqe_settings *s, double gamma, uint64_t seed, uint32_t batch)
{
    static orl_encoder_spec enc;
    orl_fqe_settings_init(s);
    orl_encoder_spec_default(&enc);
    enc.embed_dim = enc.hidden_dim = 16;
    enc.window = 1;
    s->encoder = &enc;
    s->gamma = gamma;
    s->epochs = 800;
    s->batch = batch;
    s->learning_rate = 0.01f;
    s->target_update = 10;
    s->seed = seed;
    s->threads = 1;
}

/* Q of every (s, a) from orl_fqe_q_values, one row per state. */
static inline void tiny_read_q(const orl_fqe *f, double Q[NS][NA])
{
    orl_batch b;
    assert_orl_ok(orl_batch_init(&b, NS, 1));
    b.size = NS;
    for (int s = 0; s < NS; s++) {
        b.states[s] = s;
        b.state_len[s] = 1;
    }
    float q[NS * NA];
    assert_orl_ok(orl_fqe_q_values(f, &b, q));
    for (int s = 0; s < NS; s++)
        for (int a = 0; a < NA; a++) Q[s][a] = q[s * NA + a];
    orl_batch_free(&b);
}

static inline double tiny_max_abs(double A[NS][NA], double B[NS][NA])
{
    double m = 0.0;
    for (int s = 0; s < NS; s++)
        for (int a = 0; a < NA; a++) m = fmax(m, fabs(A[s][a] - B[s][a]));
    return m;
}

#endif
