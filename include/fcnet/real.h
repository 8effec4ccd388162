/* fc_real: the one floating type of the library, chosen at compile time.
 *
 * The same sources build two libraries: fcnet (float, for training) and fcnet64
 * (FC_DOUBLE defined, for gradient checks). Only this header and src/tensor map
 * fc_real to BLAS / HDF5 / MPI types. */
#ifndef FCNET_REAL_H
#define FCNET_REAL_H

#ifdef FC_DOUBLE
typedef double fc_real;
#define FC_REAL_NAME "float64"
#else
typedef float fc_real;
#define FC_REAL_NAME "float32"
#endif

#endif
