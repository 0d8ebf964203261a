/* The dilated causal convolution of NextItNet (nn/dilated_conv.h): the
 * forward against the formula written out, gradients against finite
 * differences, and the same bits for a sequence alone, in a batch, and with
 * the parameter gradient split over channel ranges. Run at H = 16 (the
 * AVX-512 kernel where the CPU has it) and H = 5 (the plain loop). */
#include <string.h>

#include "core/rng.h"
#include "nn/dilated_conv.h"
#include "nn/kgemm.h"
#include "nn_test_util.h"
#include "test_support.h"

/* Three sequences of lengths 5, 3, 1, time-major: steps have 3, 2, 2, 1, 1
 * rows. */
enum { STEPS = 5, SEQS = 3, ROWS = 9, MAX_H = 16, K = 3 };
static const int32_t start[STEPS] = {0, 3, 5, 7, 8};
static const int32_t count[STEPS] = {3, 2, 2, 1, 1};
static const int lens[SEQS] = {5, 3, 1};

static int row_of(int seq, int t)
{
    return start[t] + seq;
}

typedef struct conv_ctx {
    orl_dconv_dims d;
    float in[ROWS * MAX_H], w[K * MAX_H * MAX_H], b[MAX_H], r[ROWS * MAX_H], out[ROWS * MAX_H];
} conv_ctx;

static orl_dconv_seqs all_seqs(void)
{
    return (orl_dconv_seqs){start, count, STEPS, 0, SEQS};
}

static double conv_loss(void *p)
{
    conv_ctx *c = p;
    orl_dconv_forward(c->out, c->in, c->w, c->b, c->d, all_seqs());
    double s = 0;
    for (int i = 0; i < ROWS * c->d.h; i++) s += (double)c->out[i] * c->r[i];
    return s;
}

static void fill(conv_ctx *c, int h, int dilation, uint64_t seed)
{
    memset(c, 0, sizeof *c);
    c->d = (orl_dconv_dims){h, K, dilation};
    orl_rng rng;
    orl_rng_init(&rng, seed, 0);
    nn_fill_normal(c->in, ROWS * h, 1.0f, &rng);
    nn_fill_normal(c->w, K * h * h, 0.5f, &rng);
    nn_fill_normal(c->b, h, 0.5f, &rng);
    nn_fill_normal(c->r, ROWS * h, 1.0f, &rng);
}

static void check_forward_formula(int h, int dilation)
{
    conv_ctx c;
    fill(&c, h, dilation, 3);
    conv_loss(&c);
    for (int s = 0; s < SEQS; s++)
        for (int t = 0; t < lens[s]; t++)
            for (int o = 0; o < h; o++) {
                double want = c.b[o];
                for (int j = 0; j < K; j++) {
                    int src = t - (K - 1 - j) * dilation;
                    if (src < 0) continue;
                    for (int i = 0; i < h; i++)
                        want += (double)c.in[row_of(s, src) * h + i] * c.w[(j * h + i) * h + o];
                }
                assert_float_equal(c.out[row_of(s, t) * h + o], want, 1e-4);
            }
}

static void test_forward_is_the_causal_dilated_conv(void **state)
{
    (void)state;
    for (int dil = 1; dil <= 3; dil++) {
        check_forward_formula(MAX_H, dil);
        check_forward_formula(5, dil);
    }
}

static void check_gradients(int h, int dilation)
{
    conv_ctx c;
    fill(&c, h, dilation, 11 + (uint64_t)h);
    float w_t[K * MAX_H * MAX_H], d_in[ROWS * MAX_H];
    float d_w[K * MAX_H * MAX_H] = {0}, d_b[MAX_H] = {0};
    for (int q = 0; q < K; q++) orl_dconv_pack_t(w_t, c.w, c.d, q);
    orl_dconv_backward_data(d_in, c.r, w_t, c.d, all_seqs(), 0);
    orl_dconv_backward_params(d_w, d_b, c.r, c.in, c.d, all_seqs(), 0, h);
    const size_t nin = (size_t)ROWS * h, nw = (size_t)K * h * h;
    nn_check_grad("dconv.in", conv_loss, &c, c.in, d_in, nin, nin, 1e-2f, 1e-2, 1e-3);
    nn_check_grad("dconv.w", conv_loss, &c, c.w, d_w, nw, nw, 1e-2f, 1e-2, 1e-3);
    nn_check_grad("dconv.b", conv_loss, &c, c.b, d_b, (size_t)h, (size_t)h, 1e-2f, 1e-2, 1e-3);
    /* accumulate adds to what is there */
    float d_in2[ROWS * MAX_H];
    for (size_t i = 0; i < nin; i++) d_in2[i] = 1.0f;
    orl_dconv_backward_data(d_in2, c.r, w_t, c.d, all_seqs(), 1);
    for (size_t i = 0; i < nin; i++) assert_float_equal(d_in2[i], d_in[i] + 1.0f, 1e-5);
    /* Channel ranges of the parameter gradient give the same bits. */
    float d_w2[K * MAX_H * MAX_H] = {0}, d_b2[MAX_H] = {0};
    orl_dconv_backward_params(d_w2, d_b2, c.r, c.in, c.d, all_seqs(), 0, h / 3);
    orl_dconv_backward_params(d_w2, d_b2, c.r, c.in, c.d, all_seqs(), h / 3, h);
    assert_memory_equal(d_w, d_w2, sizeof(float) * nw);
    assert_memory_equal(d_b, d_b2, sizeof(float) * (size_t)h);
}

static void test_gradients_match_finite_differences(void **state)
{
    (void)state;
    for (int dil = 1; dil <= 2; dil++) {
        check_gradients(MAX_H, dil);
        check_gradients(5, dil);
    }
}

/* Each sequence computed alone (its own time-major layout) and as the
 * sequence range [seq, seq + 1) of the batch gives the batch's bits. */
static void check_one(const conv_ctx *c, int seq)
{
    const int h = c->d.h, len = lens[seq];
    int32_t st1[STEPS], cn1[STEPS];
    float in1[STEPS * MAX_H] = {0}, out1[STEPS * MAX_H], part[ROWS * MAX_H];
    for (int t = 0; t < len; t++) {
        st1[t] = t;
        cn1[t] = 1;
        memcpy(in1 + t * h, c->in + row_of(seq, t) * h, sizeof(float) * (size_t)h);
    }
    orl_dconv_forward(out1, in1, c->w, c->b, c->d, (orl_dconv_seqs){st1, cn1, len, 0, 1});
    orl_dconv_forward(part, c->in, c->w, c->b, c->d,
                      (orl_dconv_seqs){start, count, STEPS, seq, seq + 1});
    for (int t = 0; t < len; t++) {
        const float *want = c->out + row_of(seq, t) * h;
        assert_memory_equal(out1 + t * h, want, sizeof(float) * (size_t)h);
        assert_memory_equal(part + row_of(seq, t) * h, want, sizeof(float) * (size_t)h);
    }
}

static void check_alone_equals_batch(int h)
{
    conv_ctx c;
    fill(&c, h, 2, 21);
    conv_loss(&c);
    for (int seq = 0; seq < SEQS; seq++) check_one(&c, seq);
}

static void test_a_sequence_gets_the_same_bits_alone(void **state)
{
    (void)state;
    check_alone_equals_batch(MAX_H);
    check_alone_equals_batch(5);
    /* and on the plain loop where the AVX-512 kernel would run */
    orl_kgemm_force_blas(1);
    check_alone_equals_batch(MAX_H);
    check_gradients(MAX_H, 1);
    orl_kgemm_force_blas(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_is_the_causal_dilated_conv),
        cmocka_unit_test(test_gradients_match_finite_differences),
        cmocka_unit_test(test_a_sequence_gets_the_same_bits_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
