/* Scores of a linear layer for up to 64 inputs at once, scanned in registers:
 * for items i in [0, n_items) and inputs r in [0, n),
 *   S(i, r) = W[i] . x_r + b[i]
 * computed in tiles of 6 items x n inputs that never leave the registers
 * unless some S(i, r) beats its bar: then fn(ctx, i, S(i, 0..n-1)) is called
 * (items in increasing order) and may raise the bars. This is the top-K of a
 * batch over a catalogue without writing the n x I score matrix anywhere
 * (it is the one full-catalogue pass; a chunked matrix costs a store and two
 * reloads of every score through L2, and the bandwidth two threads share).
 *
 * Arithmetic: per score, acc = 0, acc = fma(W[i][p], x_r[p], acc) for p in
 * order, then acc + b[i] (as orl_kgemm followed by a bias add, bit for bit).
 * "Beats" is !(S <= bar[r]): a NaN always reaches fn. Runs in the calling
 * thread; AVX-512 when the CPU has it (orl_kgemm_native), else chunks of
 * ORL_KSCAN_CHUNK items through orl_kgemm into `work`, then the bias. */
#ifndef ORL_NN_KGEMM_SCAN_H
#define ORL_NN_KGEMM_SCAN_H

#include <stddef.h>
#include <stdint.h>

/* The portable path's rows per orl_kgemm call: ORL_CE_HEAD_CHUNK's value, so
 * that both see the same CBLAS calls. */
enum { ORL_KSCAN_MAX_N = 64, ORL_KSCAN_CHUNK = 1024 };

typedef void (*orl_kscan_fn)(void *ctx, int32_t item, const float *scores);

/* Floats of `work` for inputs of dimension `hidden`. */
size_t orl_kgemm_scan_work_floats(int hidden);

/* x [n x hidden] row-major, n in [1, 64]; w [n_items x hidden]; b [n_items];
 * bar [n] read again after every fn call. */
void orl_kgemm_scan(int n_items, int hidden, const float *w, const float *b, const float *x, int n,
                    const float *bar, orl_kscan_fn fn, void *ctx, float *work);

#endif
