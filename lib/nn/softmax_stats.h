/* Softmax statistics of score rows without their probability rows: for each
 * of up to 64 rows (lanes), the running max m of its scores z, S = sum_i
 * exp((z_i - m) / T) and Sq = sum_i exp((z_i - m) / T) q_i, folded in a
 * chunk of items at a time (online softmax: when a chunk raises m, S and Sq
 * are rescaled by exp((m_old - m_new) / T)). Then p_i = exp((z_i - m) / T) /
 * S (the float difference first: nearly exact, so small temperatures keep
 * their accuracy) and sum_i p_i q_i = Sq / S: one exp (orl_fast_expf's) per
 * score, the scores read twice while a chunk is in cache.
 *
 * Chunks are item-major, as orl_gemm_fma_t writes them: z[i * ldz + r]
 * is item i's score for row r. Each chunk's terms are summed in float per
 * lane, in item order, and added to the running sums in double, so a row's
 * statistics depend on its own scores and the chunking alone (not on which
 * rows share a call). Runs in the calling thread. */
#ifndef ORL_NN_SOFTMAX_STATS_H
#define ORL_NN_SOFTMAX_STATS_H

#include <stddef.h>
#include <stdint.h>

enum { ORL_SOFTMAX_STATS_MAX_N = 64 };

typedef struct orl_softmax_stats {
    int n;       /* rows (lanes), 1 .. 64 */
    float inv_t; /* 1 / temperature */
    float max[ORL_SOFTMAX_STATS_MAX_N];
    double sum[ORL_SOFTMAX_STATS_MAX_N], sumq[ORL_SOFTMAX_STATS_MAX_N];
    uint8_t nan[ORL_SOFTMAX_STATS_MAX_N]; /* a NaN score was seen */
} orl_softmax_stats;

void orl_softmax_stats_init(orl_softmax_stats *s, int n, float inv_t);
/* Fold items [0, rows) of chunk z (ldz >= n) into s; q [rows] (the chunk's
 * items) or NULL (Sq stays 0). The AVX-512 path when the CPU has it and ldz
 * is a multiple of 16, else the portable one. */
void orl_softmax_stats_add(orl_softmax_stats *s, const float *z, size_t ldz, size_t rows,
                           const float *q);
/* The portable path itself (tests compare the two). */
void orl_softmax_stats_add_portable(orl_softmax_stats *s, const float *z, size_t ldz, size_t rows,
                                    const float *q);
/* 1 when row r's statistics define its softmax: a finite max whose m / T is
 * finite and no NaN score; else the caller applies the rule to the row. */
int orl_softmax_stats_defined(const orl_softmax_stats *s, int r);

#endif
