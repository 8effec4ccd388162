/* The one module that includes cblas.h: GEMM on fc_real, row-major, and OpenBLAS
 * runtime controls. Does not: choose the OpenBLAS kernel (OPENBLAS_CORETYPE is read at
 * library load time; cli/ sets it before the program starts, see cli/cpu.c).
 *
 * With libxsmm (FC_HAVE_LIBXSMM, float build, one BLAS thread), the products libxsmm's JIT
 * kernels cover go to them instead: they read both operands in place, where OpenBLAS packs
 * both on every call, which at batch 100 costs it 10-25% on these shapes. libxsmm's
 * kernels need alpha = 1, beta 0 or 1 and no transposed A in its column-major terms (our
 * row-major tb); everything else, and any shape it declines, stays with OpenBLAS. */
#include <cblas.h>

#include "fcnet/tensor.h"

#if defined(FC_HAVE_LIBXSMM) && !defined(FC_DOUBLE)
#include <libxsmm.h>

static int g_xsmm_on = 1;

/* libxsmm's JIT kernels return with the upper halves of the vector registers dirty (no
 * vzeroupper). Until they are cleared, every legacy-SSE instruction after them (our
 * baseline-compiled loops, libm's exp) pays a merge dependency: softmax's exp ran 5x
 * slower. (On a CPU without AVX its kernels are SSE and there is nothing to clear.) */
__attribute__((target("avx"))) static void vzeroupper(void) { __builtin_ia32_vzeroupper(); }
static void zero_upper(void)
{
    if (__builtin_cpu_supports("avx")) vzeroupper();
}

/* Row-major C(MxN) = op(A)(MxK) op(B)(KxN) is column-major C^T = op(B)^T op(A)^T over the
 * same memory: libxsmm gets m = N, n = M, its "a" = B, its "b" = A, and a transposed A
 * (ta, the weight gradient x^T dout) becomes its TRANS_B. */
static int xsmm_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                     const float *B, int ldb, float beta, float *C, int ldc)
{
    if (!g_xsmm_on || tb || alpha != 1.0f || (beta != 0.0f && beta != 1.0f)) return 0;
    if (openblas_get_num_threads() != 1) return 0; /* libxsmm runs on one thread */
    /* batch-sized products only: the batch is M (forward) or K (weight gradient); large
     * products, evaluation batches of 1000 among them, keep OpenBLAS's blocking */
    if ((ta ? K : M) > 512 || N > 1024) return 0;
    const int flags = (beta == 0.0f ? LIBXSMM_GEMM_FLAG_BETA_0 : 0) |
                      (ta ? LIBXSMM_GEMM_FLAG_TRANS_B : 0);
    const int prefetch = LIBXSMM_GEMM_PREFETCH_NONE;
    const float one = 1.0f;
    const libxsmm_blasint n = M, k = K, xlda = ldb, xldb = lda, xldc = ldc;
    /* A wide B (the input layer's W) streams from L3 once per block of C's rows if taken
     * whole; in column strips of 64 each strip (K x 64) stays in L2 across all rows. */
    const int strip = (!ta && (long)K * N > 65536 && N > 64) ? 64 : N;
    const libxsmm_blasint m = strip, mr = N % strip;
    libxsmm_smmfunction f = libxsmm_smmdispatch(m, n, k, &xlda, &xldb, &xldc, &one, &beta,
                                                &flags, &prefetch);
    libxsmm_smmfunction g = mr ? libxsmm_smmdispatch(mr, n, k, &xlda, &xldb, &xldc, &one,
                                                     &beta, &flags, &prefetch)
                               : NULL;
    if (!f || (mr && !g)) return 0;
    int j = 0;
    for (; j + strip <= N; j += strip) f(B + j, A, C + j);
    if (mr) g(B + j, A, C + j);
    zero_upper();
    return 1;
}
#endif

void fc_gemm(int ta, int tb, int M, int N, int K, fc_real alpha, const fc_real *A, int lda,
             const fc_real *B, int ldb, fc_real beta, fc_real *C, int ldc)
{
#ifdef FC_DOUBLE
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
#ifdef FC_HAVE_LIBXSMM
    if (xsmm_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)) return;
#endif
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

#if defined(FC_HAVE_LIBXSMM) && !defined(FC_DOUBLE)
int fc_gemm_libxsmm(int on)
{
    g_xsmm_on = on != 0;
    return g_xsmm_on;
}
const char *fc_gemm_backend(void)
{
    if (!g_xsmm_on) return "OpenBLAS (libxsmm turned off)";
    if (openblas_get_num_threads() != 1) return "OpenBLAS (libxsmm runs at one BLAS thread only)";
    return "libxsmm " LIBXSMM_VERSION " for batch-sized products, OpenBLAS for the rest";
}
#else
int fc_gemm_libxsmm(int on)
{
    (void)on;
    return 0;
}
const char *fc_gemm_backend(void) { return "OpenBLAS"; }
#endif

const char *fc_blas_corename(void) { return openblas_get_corename(); }
void fc_blas_set_threads(int n) { openblas_set_num_threads(n); }
int fc_blas_get_threads(void) { return openblas_get_num_threads(); }
