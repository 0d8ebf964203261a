/* OFFLINERL_NO_AMX: a host that sets it before the library's first use gets
 * no AMX (and no arch_prctl request), and the Q argmax still answers through
 * the fp32 path. Its own process: the readiness is decided once. */
#include <stdlib.h>

#include "test_support.h"

#include "core/alloc.h"
#include "core/cpu.h"
#include "core/pool.h"
#include "nn/argmax_amx.h"
#include "nn/linear_argmax.h"

static void test_opt_out_disables_the_screen(void **state)
{
    (void)state;
    assert_int_equal(setenv("OFFLINERL_NO_AMX", "1", 1), 0);
    assert_int_equal(orl_cpu_amx_bf16_ready(), 0);
    enum { B = 3, H = 16, I = 1500 };
    static float h[B * H], w[I * H], b[I];
    for (int k = 0; k < B * H; k++) h[k] = (float)(k % 7) - 3.0f;
    for (int k = 0; k < I * H; k++) w[k] = (float)((k * 37) % 101) * 0.01f - 0.5f;
    for (int k = 0; k < I; k++) b[k] = 0.0f;
    b[1234] = 100.0f; /* the answer for every row */
    float *scratch = orl_aligned_alloc(sizeof(float) * orl_linear_argmax_scratch_floats(B, H, 1));
    assert_non_null(scratch);
    int32_t idx[B] = {-1, -1, -1};
    assert_int_equal(orl_argmax_amx(NULL, h, w, b, B, H, I, idx, NULL, scratch), 0);
    assert_int_equal(idx[0], -1); /* declined: untouched */
    orl_linear_argmax(NULL, h, w, b, B, H, I, idx, NULL, scratch);
    for (int r = 0; r < B; r++) assert_int_equal(idx[r], 1234);
    orl_aligned_free(scratch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_opt_out_disables_the_screen)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
