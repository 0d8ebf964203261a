/* What the CPU can run, detected once per process. */
#ifndef ORL_CORE_CPU_H
#define ORL_CORE_CPU_H

/* 1 when the CPU runs AVX-512F (the hand-written kernels of nn and models use
 * it), else 0. Cached after the first call; safe from any thread. */
int orl_cpu_has_avx512f(void);

#endif
