/* What the CPU can run, detected once per process. */
#ifndef ORL_CORE_CPU_H
#define ORL_CORE_CPU_H

/* 1 when the CPU runs AVX-512F (the hand-written kernels of nn and models use
 * it), else 0. Cached after the first call; safe from any thread. */
int orl_cpu_has_avx512f(void);

/* 1 when this process may run AMX bf16 tile instructions (and AVX-512F):
 * the CPU has AMX-TILE and AMX-BF16, the OS saves the tile state, and on
 * Linux the kernel granted the process its tile data (arch_prctl
 * ARCH_REQ_XCOMP_PERM, asked for once per process by the first call; the
 * grant covers every thread). Else 0, also when the environment variable
 * OFFLINERL_NO_AMX is set to anything but "" or "0" at the first call (then
 * no request is made). Safe from any thread. */
int orl_cpu_amx_bf16_ready(void);

#endif
