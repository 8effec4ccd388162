/* relu: out = max(0, x), elementwise over n values (any shape).
 * Backward: dx = dout where out > 0, else 0 (out > 0 iff x > 0, so only out is kept).
 * In place is allowed both ways (out == x, dx == dout). */
#include "fcnet/layers.h"
#include "fcnet/status.h"

void fc_relu_forward(fc_real *out, struct fc_relu_cache *cache, const fc_real *x, size_t n)
{
    FC_ASSERT(out && x);
    for (size_t i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0;
    if (cache) {
        cache->out = out;
        cache->n = n;
    }
}

void fc_relu_backward(fc_real *dx, const fc_real *dout, const struct fc_relu_cache *cache)
{
    FC_ASSERT(dx && dout && cache);
    const fc_real *out = cache->out;
    for (size_t i = 0; i < cache->n; i++) dx[i] = out[i] > 0 ? dout[i] : 0;
}
