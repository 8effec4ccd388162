/* softmax cross-entropy loss.
 *   x: (N, C) scores, y: (N) labels, dx: (N, C)
 * p = exp(x - max) / sum exp(x - max) per row; loss = -1/N sum_n log p[n, y_n];
 * dx = (p - onehot(y)) / N. Row sums and the loss accumulate in double. */
#include <math.h>

#include "fcnet/layers.h"
#include "fcnet/status.h"

double fc_softmax_loss(fc_real *dx, const fc_real *x, const uint8_t *y, int N, int C)
{
    FC_ASSERT(x && y && N > 0 && C > 0);
    double loss = 0;
    for (int n = 0; n < N; n++) {
        const fc_real *xr = x + (size_t)n * C;
        FC_ASSERT(y[n] < C);
        double mx = xr[0];
        for (int c = 1; c < C; c++) mx = xr[c] > mx ? xr[c] : mx;
        double z = 0;
        for (int c = 0; c < C; c++) z += exp(xr[c] - mx);
        double logz = log(z);
        loss -= (xr[y[n]] - mx) - logz;
        if (dx) {
            fc_real *dr = dx + (size_t)n * C;
            for (int c = 0; c < C; c++) dr[c] = (fc_real)(exp(xr[c] - mx - logz) / N);
            dr[y[n]] -= (fc_real)(1.0 / N);
        }
    }
    return loss / N;
}
