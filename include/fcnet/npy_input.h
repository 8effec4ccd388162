/* Checking a .npy array (fc_npy_read) as a batch of model inputs, for fcsweep predict. */
#ifndef FCNET_NPY_INPUT_H
#define FCNET_NPY_INPUT_H

#include "fcnet/io.h"
#include "fcnet/status.h"

/* Accept a as N input rows of D values: dtype uint8 (raw pixels: the caller subtracts the
 * model's mean image), float32 or float64 (already preprocessed), shape (N, D) or, when
 * D = 3072, (N, 3, 32, 32) (CIFAR-10 channel-major images). On success *N is the row
 * count and *raw is 1 for uint8, 0 for floats. Otherwise FC_STATUS_BAD_DATA with one
 * logged message naming path, the shape / dtype found and the ones expected. */
enum fc_status fc_npy_check_input(const struct fc_npy *a, const char *path, int D, int *N,
                                  int *raw);

/* Text form of a dtype ("uint8", "float32", "float64", "int64"); never NULL. */
const char *fc_npy_dtype_name(enum fc_npy_dtype dt);

#endif
