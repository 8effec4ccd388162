/* The one module that includes cblas.h: GEMM on fc_real, row-major, and OpenBLAS
 * runtime controls. Does not: choose the OpenBLAS kernel (OPENBLAS_CORETYPE is read at
 * library load time; cli/ sets it before the program starts, see cli/cpu.c). */
#include <cblas.h>

#include "fcnet/tensor.h"

void fc_gemm(int ta, int tb, int M, int N, int K, fc_real alpha, const fc_real *A, int lda,
             const fc_real *B, int ldb, fc_real beta, fc_real *C, int ldc)
{
#ifdef FC_DOUBLE
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

const char *fc_blas_corename(void) { return openblas_get_corename(); }
void fc_blas_set_threads(int n) { openblas_set_num_threads(n); }
int fc_blas_get_threads(void) { return openblas_get_num_threads(); }
