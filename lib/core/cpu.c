/* One CPU feature check for every kernel that picks a path at run time. */
#define _GNU_SOURCE 1 /* syscall() */
#include "core/cpu.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define ORL_CPU_X86 1
#include <cpuid.h>
#endif
#if defined(ORL_CPU_X86) && defined(__x86_64__) && defined(__linux__)
#define ORL_CPU_LINUX_AMX 1
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

int orl_cpu_has_avx512f(void)
{
#ifdef ORL_CPU_X86
    static int state = -1; /* benign race: every thread stores the same value */
    int s = __atomic_load_n(&state, __ATOMIC_RELAXED);
    if (s < 0) {
        __builtin_cpu_init();
        s = __builtin_cpu_supports("avx512f") ? 1 : 0;
        __atomic_store_n(&state, s, __ATOMIC_RELAXED);
    }
    return s;
#else
    return 0;
#endif
}

#ifdef ORL_CPU_LINUX_AMX
enum {
    LEAF7_EDX_AMX_BF16 = 1u << 22,
    LEAF7_EDX_AMX_TILE = 1u << 24,
    XCR0_TILE = (1u << 17) | (1u << 18), /* XTILECFG | XTILEDATA */
    ARCH_REQ_XCOMP_PERM = 0x1023,
    XFEATURE_XTILEDATA = 18
};

static int amx_probe(void)
{
    /* The host's opt-out, read once: a process under a seccomp filter that
     * kills on arch_prctl, or one that wants no larger signal frames. */
    const char *off = getenv("OFFLINERL_NO_AMX");
    if (off && *off && strcmp(off, "0") != 0) return 0;
    unsigned a, b, c, d;
    if (!orl_cpu_has_avx512f() || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if ((d & (LEAF7_EDX_AMX_BF16 | LEAF7_EDX_AMX_TILE)) !=
        (LEAF7_EDX_AMX_BF16 | LEAF7_EDX_AMX_TILE))
        return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0)); /* OSXSAVE implied by AVX-512 */
    if ((lo & XCR0_TILE) != XCR0_TILE) return 0;
    /* The kernel keeps tile data off until the process asks (Linux >= 5.16). */
    return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}
#endif

int orl_cpu_amx_bf16_ready(void)
{
#ifdef ORL_CPU_LINUX_AMX
    static int state = -1; /* a race asks the kernel twice, which is harmless */
    int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
    if (s < 0) {
        s = amx_probe();
        __atomic_store_n(&state, s, __ATOMIC_RELEASE);
    }
    return s;
#else
    return 0;
#endif
}
