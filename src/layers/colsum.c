/* Column reductions shared by the layers' backward passes (see internal.h).
 *   dout, xhat: (N, D)   dsum, dprod: (D)
 * FC_COL_BLOCK columns at a time, double accumulators on the stack: no allocation. */
#include <stddef.h>

#include "fcnet/status.h"
#include "layers/internal.h"

void fc_column_sums(fc_real *dsum, fc_real *dprod, const fc_real *dout, const fc_real *xhat,
                    int N, int D)
{
    FC_ASSERT(dsum && dout && (!dprod || xhat));
    double sb[FC_COL_BLOCK], sg[FC_COL_BLOCK];
    for (int j0 = 0; j0 < D; j0 += FC_COL_BLOCK) {
        int nb = D - j0 < FC_COL_BLOCK ? D - j0 : FC_COL_BLOCK;
        for (int j = 0; j < nb; j++) sb[j] = sg[j] = 0;
        for (int n = 0; n < N; n++) {
            const fc_real *g = dout + (size_t)n * D + j0;
            for (int j = 0; j < nb; j++) sb[j] += g[j];
            if (dprod) {
                const fc_real *h = xhat + (size_t)n * D + j0;
                for (int j = 0; j < nb; j++) sg[j] += (double)g[j] * h[j];
            }
        }
        for (int j = 0; j < nb; j++) dsum[j0 + j] = (fc_real)sb[j];
        if (dprod)
            for (int j = 0; j < nb; j++) dprod[j0 + j] = (fc_real)sg[j];
    }
}
