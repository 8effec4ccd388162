/* sandwich layers built from the kernels above:
 *   affine_relu:       x (N, D) -> affine (N, M) -> relu (N, M)
 *   affine_norm_relu:  x (N, D) -> affine (N, M) -> batchnorm|layernorm -> relu (N, M)
 * Backward runs the pieces in reverse; scratch (N, M) carries the gradient between them. */
#include "fcnet/layers.h"
#include "fcnet/status.h"

void fc_affine_relu_forward(fc_real *out, struct fc_affine_relu_cache *cache, const fc_real *x,
                            const fc_real *w, const fc_real *b, int N, int D, int M)
{
    FC_ASSERT(cache);
    fc_affine_forward(out, &cache->affine, x, w, b, N, D, M);
    fc_relu_forward(out, &cache->relu, out, (size_t)N * M);
}

void fc_affine_relu_backward(fc_real *dx, fc_real *dw, fc_real *db, fc_real *scratch,
                             const fc_real *dout, const struct fc_affine_relu_cache *cache)
{
    FC_ASSERT(scratch && cache);
    fc_relu_backward(scratch, dout, &cache->relu);
    fc_affine_backward(dx, dw, db, scratch, &cache->affine);
}

void fc_affine_norm_relu_forward(fc_real *out, struct fc_affine_norm_relu_cache *cache,
                                 fc_real *a, fc_real *xhat, fc_real *inv_std, const fc_real *x,
                                 const fc_real *w, const fc_real *b, const fc_real *gamma,
                                 const fc_real *beta, fc_real *running_mean,
                                 fc_real *running_var, int N, int D, int M, enum fc_norm norm,
                                 enum fc_mode mode)
{
    FC_ASSERT(cache && (norm == FC_NORM_BATCHNORM || norm == FC_NORM_LAYERNORM));
    cache->norm = norm;
    fc_affine_forward(a, &cache->affine, x, w, b, N, D, M);
    if (norm == FC_NORM_BATCHNORM)
        fc_batchnorm_forward(out, &cache->bn, xhat, inv_std, a, gamma, beta, running_mean,
                             running_var, N, M, FC_BN_EPS, FC_BN_MOMENTUM, mode);
    else
        fc_layernorm_forward(out, &cache->ln, xhat, inv_std, a, gamma, beta, N, M, FC_BN_EPS);
    fc_relu_forward(out, &cache->relu, out, (size_t)N * M);
}

void fc_affine_norm_relu_backward(fc_real *dx, fc_real *dw, fc_real *db, fc_real *dgamma,
                                  fc_real *dbeta, fc_real *scratch, const fc_real *dout,
                                  const struct fc_affine_norm_relu_cache *cache)
{
    FC_ASSERT(scratch && cache);
    fc_relu_backward(scratch, dout, &cache->relu);
    if (cache->norm == FC_NORM_BATCHNORM)
        fc_batchnorm_backward(scratch, dgamma, dbeta, scratch, &cache->bn);
    else
        fc_layernorm_backward(scratch, dgamma, dbeta, scratch, &cache->ln);
    fc_affine_backward(dx, dw, db, scratch, &cache->affine);
}
