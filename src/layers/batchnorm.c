/* batchnorm over the batch, per feature.
 *   x, out, xhat: (N, D)   gamma, beta, running_mean, running_var, inv_std: (D)
 * Train: mu = mean_n x, var = mean_n (x - mu)^2 (biased), inv_std = 1 / sqrt(var + eps),
 *   xhat = (x - mu) inv_std, out = gamma xhat + beta,
 *   running = momentum running + (1 - momentum) batch statistic.
 * Test: the same with the running statistics.
 * Backward (train mode), with dbeta = sum_n dout, dgamma = sum_n dout xhat:
 *   dx = gamma inv_std / N (N dout - dbeta - xhat dgamma)      (derivation: doc/backward.md)
 * Work is done FC_COL_BLOCK columns at a time with double accumulators on the stack. */
#include <math.h>

#include "fcnet/layers.h"
#include "fcnet/status.h"
#include "layers/internal.h"

void fc_batchnorm_forward(fc_real *out, struct fc_batchnorm_cache *cache, fc_real *xhat,
                          fc_real *inv_std, const fc_real *x, const fc_real *gamma,
                          const fc_real *beta, fc_real *running_mean, fc_real *running_var,
                          int N, int D, double eps, double momentum, enum fc_mode mode)
{
    FC_ASSERT(out && xhat && inv_std && x && gamma && beta && running_mean && running_var);
    FC_ASSERT(N > 0 && D > 0 && out != x);
    double mu[FC_COL_BLOCK], var[FC_COL_BLOCK];
    for (int j0 = 0; j0 < D; j0 += FC_COL_BLOCK) {
        int nb = D - j0 < FC_COL_BLOCK ? D - j0 : FC_COL_BLOCK;
        if (mode == FC_MODE_TRAIN) {
            for (int j = 0; j < nb; j++) mu[j] = var[j] = 0;
            for (int n = 0; n < N; n++) {
                const fc_real *xr = x + (size_t)n * D + j0;
                for (int j = 0; j < nb; j++) mu[j] += xr[j];
            }
            for (int j = 0; j < nb; j++) mu[j] /= N;
            for (int n = 0; n < N; n++) {
                const fc_real *xr = x + (size_t)n * D + j0;
                for (int j = 0; j < nb; j++) {
                    double d = xr[j] - mu[j];
                    var[j] += d * d;
                }
            }
            for (int j = 0; j < nb; j++) {
                var[j] /= N;
                running_mean[j0 + j] =
                    (fc_real)(momentum * running_mean[j0 + j] + (1 - momentum) * mu[j]);
                running_var[j0 + j] =
                    (fc_real)(momentum * running_var[j0 + j] + (1 - momentum) * var[j]);
            }
        } else {
            for (int j = 0; j < nb; j++) {
                mu[j] = running_mean[j0 + j];
                var[j] = running_var[j0 + j];
            }
        }
        fc_real m[FC_COL_BLOCK], is[FC_COL_BLOCK];
        for (int j = 0; j < nb; j++) {
            m[j] = (fc_real)mu[j];
            is[j] = inv_std[j0 + j] = (fc_real)(1.0 / sqrt(var[j] + eps));
        }
        const fc_real *g = gamma + j0, *bt = beta + j0;
        for (int n = 0; n < N; n++) {
            size_t off = (size_t)n * D + j0;
            const fc_real *xr = x + off;
            fc_real *hr = xhat + off, *orow = out + off;
            for (int j = 0; j < nb; j++) {
                hr[j] = (xr[j] - m[j]) * is[j];
                orow[j] = g[j] * hr[j] + bt[j];
            }
        }
    }
    if (cache) {
        cache->xhat = xhat;
        cache->inv_std = inv_std;
        cache->gamma = gamma;
        cache->N = N;
        cache->D = D;
    }
}

void fc_batchnorm_backward(fc_real *dx, fc_real *dgamma, fc_real *dbeta, const fc_real *dout,
                           const struct fc_batchnorm_cache *cache)
{
    FC_ASSERT(dx && dgamma && dbeta && dout && cache);
    const int N = cache->N, D = cache->D;
    const fc_real *xhat = cache->xhat, *inv_std = cache->inv_std, *gamma = cache->gamma;
    fc_column_sums(dbeta, dgamma, dout, xhat, N, D);
    /* dx = k (N dout - dbeta - xhat dgamma), k = gamma inv_std / N; dx may alias dout */
    for (int j0 = 0; j0 < D; j0 += FC_COL_BLOCK) {
        int nb = D - j0 < FC_COL_BLOCK ? D - j0 : FC_COL_BLOCK;
        fc_real k[FC_COL_BLOCK];
        const fc_real *b = dbeta + j0, *gg = dgamma + j0;
        for (int j = 0; j < nb; j++) k[j] = (fc_real)((double)gamma[j0 + j] * inv_std[j0 + j] / N);
        for (int n = 0; n < N; n++) {
            size_t off = (size_t)n * D + j0;
            const fc_real *gr = dout + off, *hr = xhat + off;
            fc_real *dr = dx + off;
            for (int j = 0; j < nb; j++) dr[j] = k[j] * ((fc_real)N * gr[j] - b[j] - hr[j] * gg[j]);
        }
    }
}
