/* layernorm over the features of each sample; the same in train and test.
 *   x, out, xhat: (N, D)   gamma, beta: (D)   inv_std: (N)
 * Forward per row n: mu = mean_j x, var = mean_j (x - mu)^2, xhat = (x - mu) inv_std,
 *   out = gamma xhat + beta.
 * Backward, with g = dout * gamma (per row):
 *   dx = inv_std / D (D g - sum_j g - xhat sum_j g xhat); dgamma = sum_n dout xhat,
 *   dbeta = sum_n dout. Sums in double. */
#include <math.h>

#include "fcnet/layers.h"
#include "fcnet/status.h"
#include "layers/internal.h"

void fc_layernorm_forward(fc_real *out, struct fc_layernorm_cache *cache, fc_real *xhat,
                          fc_real *inv_std, const fc_real *x, const fc_real *gamma,
                          const fc_real *beta, int N, int D, double eps)
{
    FC_ASSERT(out && xhat && inv_std && x && gamma && beta && N > 0 && D > 0 && out != x);
    for (int n = 0; n < N; n++) {
        const fc_real *xr = x + (size_t)n * D;
        fc_real *hr = xhat + (size_t)n * D, *orow = out + (size_t)n * D;
        double s = 0, ss = 0;
        for (int j = 0; j < D; j++) s += xr[j];
        double mu = s / D;
        for (int j = 0; j < D; j++) {
            double d = xr[j] - mu;
            ss += d * d;
        }
        fc_real is = (fc_real)(1.0 / sqrt(ss / D + eps)), m = (fc_real)mu;
        inv_std[n] = is;
        for (int j = 0; j < D; j++) {
            hr[j] = (xr[j] - m) * is;
            orow[j] = gamma[j] * hr[j] + beta[j];
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

void fc_layernorm_backward(fc_real *dx, fc_real *dgamma, fc_real *dbeta, const fc_real *dout,
                           const struct fc_layernorm_cache *cache)
{
    FC_ASSERT(dx && dgamma && dbeta && dout && cache);
    const int N = cache->N, D = cache->D;
    const fc_real *xhat = cache->xhat, *inv_std = cache->inv_std, *gamma = cache->gamma;
    /* parameter gradients first: dx may alias dout */
    fc_column_sums(dbeta, dgamma, dout, xhat, N, D);
    for (int n = 0; n < N; n++) {
        const fc_real *gr = dout + (size_t)n * D, *hr = xhat + (size_t)n * D;
        fc_real *dr = dx + (size_t)n * D;
        double s = 0, sh = 0;
        for (int j = 0; j < D; j++) {
            double g = (double)gr[j] * gamma[j];
            s += g;
            sh += g * hr[j];
        }
        fc_real k = (fc_real)(inv_std[n] / (double)D), a = (fc_real)s, c = (fc_real)sh;
        for (int j = 0; j < D; j++) dr[j] = k * ((fc_real)D * gr[j] * gamma[j] - a - hr[j] * c);
    }
}
