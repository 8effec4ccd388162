/* Private helpers shared by the layer kernels. */
#ifndef FC_LAYERS_INTERNAL_H
#define FC_LAYERS_INTERNAL_H

#include "fcnet/real.h"

/* Columns handled per block by the column reductions (double accumulators on the stack,
 * so kernels need no allocation). */
#define FC_COL_BLOCK 256

#endif
