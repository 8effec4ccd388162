/* inverted dropout with KEEP probability p (0 < p <= 1), elementwise over n values.
 * Train: mask = (u < p) / p with u ~ U[0, 1) from the caller's rng, out = x * mask.
 * Test, or p == 1: the identity. Backward: dx = dout * mask.
 * Does not: own the mask; the caller's workspace holds it until backward. */
#include "fcnet/layers.h"
#include "fcnet/status.h"

void fc_dropout_forward(fc_real *out, struct fc_dropout_cache *cache, fc_real *mask,
                        const fc_real *x, size_t n, double p, enum fc_mode mode,
                        struct fc_rng *rng)
{
    FC_ASSERT(out && x && cache && p > 0 && p <= 1);
    cache->n = n;
    if (mode == FC_MODE_TEST || p >= 1) {
        cache->mask = NULL;
        if (out != x)
            for (size_t i = 0; i < n; i++) out[i] = x[i];
        return;
    }
    FC_ASSERT(mask && rng);
    const fc_real scale = (fc_real)(1.0 / p);
    /* 32-bit uniform draws: two per 64-bit output, compared against p scaled to 2^32 */
    const uint64_t thresh = (uint64_t)(p * 4294967296.0);
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        uint64_t r = fc_rng_u64(rng);
        mask[i] = (r & 0xffffffffu) < thresh ? scale : 0;
        mask[i + 1] = (r >> 32) < thresh ? scale : 0;
    }
    if (i < n) mask[i] = (fc_rng_u64(rng) & 0xffffffffu) < thresh ? scale : 0;
    for (size_t j = 0; j < n; j++) out[j] = x[j] * mask[j];
    cache->mask = mask;
}

void fc_dropout_backward(fc_real *dx, const fc_real *dout, const struct fc_dropout_cache *cache)
{
    FC_ASSERT(dx && dout && cache);
    if (!cache->mask) {
        if (dx != dout)
            for (size_t i = 0; i < cache->n; i++) dx[i] = dout[i];
        return;
    }
    for (size_t i = 0; i < cache->n; i++) dx[i] = dout[i] * cache->mask[i];
}
