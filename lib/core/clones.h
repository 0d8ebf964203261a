/* ORL_CLONES: compile a function for AVX2 (x86-64-v3) and the baseline, the
 * loader picking one at run time (the portable fallback stays). Element-wise
 * loops only: ISO C does no FMA contraction, so every clone rounds alike. Not
 * under the sanitizers: their instrumented ifunc resolvers run before the
 * runtime is initialised (ThreadSanitizer crashes at load time). */
#ifndef ORL_CORE_CLONES_H
#define ORL_CORE_CLONES_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define ORL_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define ORL_CLONES
#endif

#endif
