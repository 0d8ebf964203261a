/* orl_kgemm_pack_t, the transposed packing of an output layer's weight tile
 * (nn/softmax_ce.c, nn/linear_argmax.c): the 16 x 16 register transposes give
 * the same bytes as the plain loop, for tiles with and without a ragged end
 * and zero padding columns. */
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "nn/kgemm.h"

static void pack_reference(float *dst, int ld, const float *w, int nt, int k)
{
    for (int p = 0; p < k; p++)
        for (int i = 0; i < ld; i++) dst[(size_t)p * ld + i] = i < nt ? w[(size_t)i * k + p] : 0.0f;
}

static void test_pack_equals_plain_transpose(void **state)
{
    (void)state;
    const int ks[] = {64, 16, 48, 20, 3};
    const int nts[] = {512, 1, 15, 16, 17, 100, 511};
    for (size_t a = 0; a < sizeof ks / sizeof ks[0]; a++)
        for (size_t b = 0; b < sizeof nts / sizeof nts[0]; b++)
            for (int extra = 0; extra <= 16; extra += 16) {
                const int k = ks[a], nt = nts[b], ld = ((nt + 15) & ~15) + extra;
                float *w = malloc(sizeof(float) * (size_t)nt * k);
                float *got = malloc(sizeof(float) * (size_t)k * ld);
                float *want = malloc(sizeof(float) * (size_t)k * ld);
                assert_non_null(w);
                assert_non_null(got);
                assert_non_null(want);
                for (int i = 0; i < nt * k; i++) w[i] = (float)i * 0.5f - 3.0f;
                for (int i = 0; i < k * ld; i++) got[i] = 12345.0f; /* every float written */
                orl_kgemm_pack_t(got, ld, w, nt, k);
                pack_reference(want, ld, w, nt, k);
                assert_memory_equal(got, want, sizeof(float) * (size_t)k * ld);
                free(w);
                free(got);
                free(want);
            }
}

static void test_pack_on_the_blas_path_too(void **state)
{
    (void)state;
    enum { K = 64, NT = 37, LD = 48 };
    static float w[NT * K], got[K * LD], want[K * LD];
    for (int i = 0; i < NT * K; i++) w[i] = (float)(i % 97) - 40.0f;
    orl_kgemm_force_blas(1);
    orl_kgemm_pack_t(got, LD, w, NT, K);
    orl_kgemm_force_blas(0);
    pack_reference(want, LD, w, NT, K);
    assert_memory_equal(got, want, sizeof got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack_equals_plain_transpose),
        cmocka_unit_test(test_pack_on_the_blas_path_too),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
