/* relu: out = max(0, x), elementwise over n values (any shape).
 * Backward: dx = dout where out > 0, else 0 (out > 0 iff x > 0, so only out is kept).
 * In place is allowed both ways (out == x, dx == dout). */
#include "fcnet/layers.h"
#include "fcnet/status.h"
#include "util/clones.h"

FC_CLONES static void relu(fc_real *out, const fc_real *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fc_real v = x[i];
        out[i] = v > 0 ? v : 0;
    }
}

/* the loads are unconditional so the select vectorises (blend), in place or not */
FC_CLONES static void relu_grad(fc_real *dx, const fc_real *dout, const fc_real *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fc_real g = dout[i];
        dx[i] = out[i] > 0 ? g : 0;
    }
}

void fc_relu_forward(fc_real *out, struct fc_relu_cache *cache, const fc_real *x, size_t n)
{
    FC_ASSERT(out && x);
    relu(out, x, n);
    if (cache) {
        cache->out = out;
        cache->n = n;
    }
}

void fc_relu_backward(fc_real *dx, const fc_real *dout, const struct fc_relu_cache *cache)
{
    FC_ASSERT(dx && dout && cache);
    relu_grad(dx, dout, cache->out, cache->n);
}
