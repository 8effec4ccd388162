/* Picks the OpenBLAS kernel for this CPU. Debian's OpenBLAS 0.3.21 does not recognise
 * recent Intel CPUs and falls back to its generic SSE3 (Prescott) kernels, 6x slower.
 * OpenBLAS reads OPENBLAS_CORETYPE once, when it is loaded, so the only robust fix from
 * inside the program is to set the variable and re-execute ourselves before doing
 * anything else. A user's own OPENBLAS_CORETYPE always wins.
 * Does not: touch anything when the detected kernel already matches the CPU.
 * Also here, as the program's first step: FCSWEEP_LIBXSMM=0 turns libxsmm off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "fcnet/tensor.h"

#define REEXEC_MARK "FCSWEEP_CORETYPE_REEXEC"
#define SELECTED_MARK "FCSWEEP_CORETYPE_SELECTED"

/* 1 = SSE-only kernels, 2 = AVX, 3 = AVX2+FMA, 4 = AVX-512 */
static int core_level(const char *name)
{
    static const struct {
        const char *name;
        int level;
    } tab[] = {{"SkylakeX", 4}, {"Cooperlake", 4}, {"SapphireRapids", 4}, {"Haswell", 3},
               {"Zen", 3},      {"Sandybridge", 2}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(name, tab[i].name) == 0) return tab[i].level;
    return 1;
}

static const char *cpu_best_core(int *level)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")) {
        *level = 4;
        return "SkylakeX";
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        *level = 3;
        return "Haswell";
    }
    if (__builtin_cpu_supports("avx")) {
        *level = 2;
        return "Sandybridge";
    }
#endif
    *level = 1;
    return NULL;
}

static char g_blas_note[160];

void fc_cli_select_blas_core(char **argv)
{
    const char *xsmm = getenv("FCSWEEP_LIBXSMM"); /* 0: every GEMM to OpenBLAS */
    if (xsmm && strcmp(xsmm, "0") == 0) fc_gemm_libxsmm(0);
    const char *user = getenv("OPENBLAS_CORETYPE");
    const char *mark = getenv(REEXEC_MARK);
    const char *got = fc_blas_corename();
    int want_level;
    const char *want = cpu_best_core(&want_level);

    if (mark) {
        /* second life after our re-exec: check that OpenBLAS took the kernel */
        unsetenv(REEXEC_MARK);
        const char *mine = getenv(SELECTED_MARK);
        if (!mine && user)
            snprintf(g_blas_note, sizeof g_blas_note, "OPENBLAS_CORETYPE=%s set by the user", user);
        else if (!mine)
            snprintf(g_blas_note, sizeof g_blas_note, "detected by OpenBLAS");
        else if (strcasecmp(got, mine) != 0)
            snprintf(g_blas_note, sizeof g_blas_note,
                     "warning: asked OpenBLAS for %s, it runs %s", mine, got);
        else
            snprintf(g_blas_note, sizeof g_blas_note, "selected by fcsweep for this CPU");
        if (mine) {
            unsetenv("OPENBLAS_CORETYPE"); /* child processes decide for themselves */
            unsetenv(SELECTED_MARK);
        }
        return;
    }
    /* sweeps run one BLAS thread per rank: with OPENBLAS_NUM_THREADS=1 at load time the
     * pthread OpenBLAS starts no worker threads at all (none left idling beside a rank) */
    int one_thread = argv[1] && strcmp(argv[1], "sweep") == 0 && !getenv("OPENBLAS_NUM_THREADS");
    int better_core = !user && want && core_level(got) < want_level;
    if (user) snprintf(g_blas_note, sizeof g_blas_note, "OPENBLAS_CORETYPE=%s set by the user", user);
    else snprintf(g_blas_note, sizeof g_blas_note, "detected by OpenBLAS");
    if (!one_thread && !better_core) return;
    if (one_thread) setenv("OPENBLAS_NUM_THREADS", "1", 1);
    if (better_core) {
        setenv("OPENBLAS_CORETYPE", want, 1);
        setenv(SELECTED_MARK, want, 1);
    }
    setenv(REEXEC_MARK, "1", 1);
    execv("/proc/self/exe", argv);
    /* exec failed: carry on as loaded, and say so */
    if (better_core) unsetenv("OPENBLAS_CORETYPE");
    unsetenv(REEXEC_MARK);
    snprintf(g_blas_note, sizeof g_blas_note, "detected by OpenBLAS; could not re-exec%s%s",
             better_core ? " to select " : "", better_core ? want : "");
}

const char *fc_cli_blas_note(void) { return g_blas_note; }
