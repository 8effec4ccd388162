/* Private helpers shared by the layer kernels. */
#ifndef FC_LAYERS_INTERNAL_H
#define FC_LAYERS_INTERNAL_H

#include "fcnet/real.h"

/* Columns handled per block by the column reductions (double accumulators on the stack,
 * so kernels need no allocation). */
#define FC_COL_BLOCK 256

/* Column sums of a (N, D) gradient, accumulated in double:
 *   dsum[j] = sum_n dout[n, j]; and when dprod is not NULL, dprod[j] = sum_n dout[n, j] xhat[n, j].
 * db of affine (dprod NULL), dbeta and dgamma of batchnorm and layernorm. */
void fc_column_sums(fc_real *dsum, fc_real *dprod, const fc_real *dout, const fc_real *xhat,
                    int N, int D);

#endif
