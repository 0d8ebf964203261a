/* A 16 x 16 block of 32-bit lanes transposed in AVX-512 registers, shared by
 * the kernels that pack weight tiles (nn/kgemm.c, nn/argmax_amx.c). Include
 * only from x86-64 GCC/Clang code, after <immintrin.h>. */
#ifndef ORL_NN_TRANSPOSE16_H
#define ORL_NN_TRANSPOSE16_H

#include <immintrin.h>

/* dst[c * 16 + r] = rows[r][c]: one 16 x 16 block transposed in registers
 * (unpack within 128-bit lanes, then two rounds of lane shuffles). */
__attribute__((target("avx512f"), always_inline)) static inline void orl_transpose16(__m512 r[16])
{
    __m512 t[16], u[16], v[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        u[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    /* u[4q + c] holds, per 128-bit lane L, column 4L + c of rows 4q..4q+3. */
    for (int h = 0; h < 2; h++)
        for (int c = 0; c < 4; c++) {
            v[8 * h + c] = _mm512_shuffle_f32x4(u[8 * h + c], u[8 * h + 4 + c], 0x88);
            v[8 * h + 4 + c] = _mm512_shuffle_f32x4(u[8 * h + c], u[8 * h + 4 + c], 0xDD);
        }
    /* v[8h + c]: columns c and c + 8; v[8h + 4 + c]: columns c + 4 and c + 12
     * (rows 8h..8h+7). */
    for (int c = 0; c < 4; c++) {
        r[c] = _mm512_shuffle_f32x4(v[c], v[8 + c], 0x88);
        r[c + 8] = _mm512_shuffle_f32x4(v[c], v[8 + c], 0xDD);
        r[c + 4] = _mm512_shuffle_f32x4(v[4 + c], v[12 + c], 0x88);
        r[c + 12] = _mm512_shuffle_f32x4(v[4 + c], v[12 + c], 0xDD);
    }
}

#endif
