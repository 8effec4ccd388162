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

#endif
