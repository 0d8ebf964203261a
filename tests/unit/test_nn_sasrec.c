/* The causal attention layer of SASRec (nn/attention.h): gradients against
 * finite differences (every query or only the last ones, padding keys and a
 * padding query, dropout on the weights), and what it computes on a
 * hand-checkable case. */
#include <math.h>
#include <string.h>

#include "nn/attention.h"
#include "nn/dropout.h"
#include "nn_test_util.h"
#include "test_support.h"

enum { LEN = 6, DIM = 8, HEADS = 2, STRIDE = 7 };

typedef struct attn_ctx {
    orl_attn_dims d;
    float q[LEN * DIM], k[LEN * DIM], v[LEN * DIM], r[LEN * DIM], out[LEN * DIM];
    float probs[LEN * HEADS * STRIDE], drop[LEN * HEADS * STRIDE], mask[LEN];
    int use_drop;
} attn_ctx;

static double attn_loss(void *p)
{
    attn_ctx *c = p;
    orl_attn_forward(c->out, c->probs, c->q, c->k, c->v, c->mask, c->use_drop ? c->drop : NULL,
                     c->d);
    double s = 0;
    for (int i = 0; i < c->d.n_q * DIM; i++) s += (double)c->out[i] * c->r[i];
    return s;
}

static void check(int n_q, int use_drop, const float *mask)
{
    attn_ctx c;
    memset(&c, 0, sizeof c);
    c.d = (orl_attn_dims){LEN, n_q, DIM, HEADS, STRIDE};
    c.use_drop = use_drop;
    orl_rng rng;
    orl_rng_init(&rng, 11, (uint64_t)n_q * 2 + (uint64_t)use_drop);
    nn_fill_normal(c.q, n_q * DIM, 1.0f, &rng);
    nn_fill_normal(c.k, LEN * DIM, 1.0f, &rng);
    nn_fill_normal(c.v, LEN * DIM, 1.0f, &rng);
    nn_fill_normal(c.r, n_q * DIM, 1.0f, &rng);
    memcpy(c.mask, mask, sizeof c.mask);
    orl_dropout_mask(c.drop, LEN * HEADS * STRIDE, 0.3f, &rng);
    attn_loss(&c);
    float dq[LEN * DIM], dk[LEN * DIM], dv[LEN * DIM], scr[STRIDE];
    /* Garbage in the outputs: the backward overwrites them. */
    for (int i = 0; i < LEN * DIM; i++) dq[i] = dk[i] = dv[i] = 7.0f;
    orl_attn_backward(dq, dk, dv, scr, c.r, c.probs, c.q, c.k, c.v, c.mask,
                      use_drop ? c.drop : NULL, c.d);
    double worst =
        nn_check_grad("attn.q", attn_loss, &c, c.q, dq, (size_t)n_q * DIM, 1000, 1e-2f, 1e-2, 1e-2);
    double wk = nn_check_grad("attn.k", attn_loss, &c, c.k, dk, LEN * DIM, 1000, 1e-2f, 1e-2, 1e-2);
    double wv = nn_check_grad("attn.v", attn_loss, &c, c.v, dv, LEN * DIM, 1000, 1e-2f, 1e-2, 1e-2);
    worst = fmax(worst, fmax(wk, wv));
    print_message("attention n_q %d dropout %d: worst relative error %.2g\n", n_q, use_drop, worst);
    /* Padding keys and queries neither give nor get anything. */
    for (int j = 0; j < LEN; j++)
        if (mask[j] == 0.0f)
            for (int k = 0; k < DIM; k++) {
                assert_true(dk[j * DIM + k] == 0.0f && dv[j * DIM + k] == 0.0f);
                int i = j - (LEN - n_q);
                if (i >= 0) assert_true(dq[i * DIM + k] == 0.0f && c.out[i * DIM + k] == 0.0f);
            }
}

static void test_attention_gradients(void **state)
{
    (void)state;
    const float all[LEN] = {1, 1, 1, 1, 1, 1};
    const float holes[LEN] = {1, 0, 1, 1, 0, 1}; /* padding keys, and query 4 padding */
    for (int drop = 0; drop < 2; drop++) {
        check(LEN, drop, all);
        check(LEN, drop, holes);
        check(1, drop, all);
        check(2, drop, holes);
    }
}

/* One head, two keys: the weights are the softmax of q.k / sqrt(dim), only
 * past keys count, and the first query sees its own key alone. */
static void test_attention_by_hand(void **state)
{
    (void)state;
    enum { L = 2, D = 2 };
    float q[L * D] = {1, 0, 0.5f, 2}, k[L * D] = {2, 0, 0, 1}, v[L * D] = {1, 2, 3, 4};
    float out[L * D], probs[L * L];
    orl_attn_forward(out, probs, q, k, v, NULL, NULL, (orl_attn_dims){L, L, D, 1, L});
    assert_float_equal(out[0], 1.0f, 1e-6);
    assert_float_equal(out[1], 2.0f, 1e-6);
    double s0 = 0.5 * 2 / sqrt(2.0), s1 = 2.0 * 1 / sqrt(2.0);
    double a0 = exp(s0) / (exp(s0) + exp(s1)), a1 = 1 - a0;
    assert_float_equal(probs[L + 0], a0, 1e-6);
    assert_float_equal(out[2], a0 * 1 + a1 * 3, 1e-5);
    assert_float_equal(out[3], a0 * 2 + a1 * 4, 1e-5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attention_gradients),
        cmocka_unit_test(test_attention_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
