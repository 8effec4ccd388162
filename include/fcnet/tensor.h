/* The one place BLAS is reached: GEMM on fc_real and OpenBLAS runtime facts. */
#ifndef FCNET_TENSOR_H
#define FCNET_TENSOR_H

#include "fcnet/real.h"

/* C (M, N) = alpha * op(A) op(B) + beta * C, row-major; ta/tb: 0 = as is, 1 = transposed.
 * lda/ldb/ldc are the row strides of A, B, C as stored. */
void fc_gemm(int ta, int tb, int M, int N, int K, fc_real alpha, const fc_real *A, int lda,
             const fc_real *B, int ldb, fc_real beta, fc_real *C, int ldc);
/* OpenBLAS kernel family in use ("SkylakeX", "Haswell", "Prescott", ...). */
const char *fc_blas_corename(void);
void fc_blas_set_threads(int n);
int fc_blas_get_threads(void);
/* libxsmm for the batch-sized products it covers (built with it, float, one BLAS thread):
 * fc_gemm_libxsmm(1) turns it on (the default), 0 off; returns whether it is on now
 * (fc_gemm_backend says whether the BLAS threads let it run). Without libxsmm in the build
 * it is never used and this returns 0. */
int fc_gemm_libxsmm(int on);
/* What fc_gemm runs on now (it depends on the BLAS threads), for --version and run
 * headers, e.g. "OpenBLAS" or "libxsmm 1.17 for batch-sized products, OpenBLAS for the
 * rest". */
const char *fc_gemm_backend(void);

#endif
