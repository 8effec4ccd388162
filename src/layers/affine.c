/* affine layer: out = x w + b.
 *   x: (N, D)  w: (D, M)  b: (M)  out: (N, M)
 * Backward: dw = x^T dout (D, M), db = sum_n dout (M), dx = dout w^T (N, D).
 * Does not: copy x; the cache borrows x and w, which must live until backward. */
#include "fcnet/layers.h"
#include "fcnet/status.h"
#include "fcnet/tensor.h"
#include "layers/internal.h"

void fc_affine_forward(fc_real *out, struct fc_affine_cache *cache, const fc_real *x,
                       const fc_real *w, const fc_real *b, int N, int D, int M)
{
    FC_ASSERT(out && x && w && b && N > 0 && D > 0 && M > 0);
    /* out[n, :] = b, then out += x w (GEMM with beta = 1 fuses the bias add) */
    for (int n = 0; n < N; n++) {
        fc_real *o = out + (size_t)n * M;
        for (int j = 0; j < M; j++) o[j] = b[j];
    }
    fc_gemm(0, 0, N, M, D, 1, x, D, w, M, 1, out, M);
    if (cache) {
        cache->x = x;
        cache->w = w;
        cache->N = N;
        cache->D = D;
        cache->M = M;
    }
}

void fc_affine_backward(fc_real *dx, fc_real *dw, fc_real *db, const fc_real *dout,
                        const struct fc_affine_cache *cache)
{
    FC_ASSERT(db && dout && cache);
    int N = cache->N, D = cache->D, M = cache->M;
    /* dw (D, M) = x^T (D, N) dout (N, M) */
    if (dw) fc_gemm(1, 0, D, M, N, 1, cache->x, D, dout, M, 0, dw, M);
    /* db (M) = column sums of dout */
    fc_column_sums(db, NULL, dout, NULL, N, M);
    /* dx (N, D) = dout (N, M) w^T (M, D) */
    if (dx) fc_gemm(0, 1, N, D, M, 1, dout, M, cache->w, M, 0, dx, D);
}

void fc_affine_backward_dw_rows(fc_real *dw_rows, const fc_real *dout,
                                const struct fc_affine_cache *cache, int r0, int nr)
{
    FC_ASSERT(dw_rows && dout && cache && r0 >= 0 && nr > 0 && r0 + nr <= cache->D);
    /* columns r0.. of x (N, D) are rows r0.. of x^T: A = x + r0 with row stride D */
    fc_gemm(1, 0, nr, cache->M, cache->N, 1, cache->x + r0, cache->D, dout, cache->M, 0, dw_rows,
            cache->M);
}
