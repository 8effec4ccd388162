/* FC_CLONES: compile a hot elementwise loop for AVX-512, AVX2 and baseline x86-64 and let
 * the loader pick the version for the CPU (GCC target_clones / ifunc). One binary stays
 * portable across cluster nodes and still uses wide vectors where they exist. Results are
 * the same IEEE operations in every version (no -ffast-math). */
#ifndef FC_UTIL_CLONES_H
#define FC_UTIL_CLONES_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define FC_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define FC_CLONES
#endif

#endif
