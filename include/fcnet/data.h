/* CIFAR-10 in the official binary layout: records of 1 label byte + 3072 pixel bytes
 * (1024 red, 1024 green, 1024 blue, each 32x32 row-major), any number of records per file.
 * Images stay uint8 in memory (150 MB for 49000); minibatches are converted to fc_real
 * with the mean image subtracted by fc_gather. */
#ifndef FCNET_DATA_H
#define FCNET_DATA_H

#include <stdint.h>

#include "fcnet/real.h"
#include "fcnet/rng.h"
#include "fcnet/status.h"

#define FC_CIFAR_D 3072
#define FC_CIFAR_C 10
#define FC_CIFAR_RECORD 3073

struct fc_split {
    int n;
    uint8_t *x; /* (n, D), owned by the dataset */
    uint8_t *y; /* (n) */
};

struct fc_dataset {
    int D, C;
    struct fc_split train, val, test;
    fc_real *mean;          /* (D): mean training image, accumulated in double */
    char class_names[FC_CIFAR_C][32];
};

/* Load dir/data_batch_1..5.bin and dir/test_batch.bin (and batches.meta.txt when present):
 * train = first num_train training images, val = the next num_val, test = first num_test
 * test images. Missing, truncated or wrong-sized files: FC_STATUS_IO / FC_STATUS_BAD_DATA
 * with one logged message naming the file and the expected size. */
enum fc_status fc_cifar_load(struct fc_dataset *ds, const char *dir, int num_train, int num_val,
                             int num_test);
void fc_dataset_free(struct fc_dataset *ds);

/* out (n, D) = x[idx[i]] - mean; idx NULL means rows 0..n-1. */
void fc_gather(fc_real *out, const uint8_t *x, const int *idx, int n, int D, const fc_real *mean);

/* The Solver's minibatch: n rows of s drawn uniformly with replacement from rng.
 * idx: (n) the rows drawn, y: (n) their labels, x: (n, D) their pixels minus mean. */
void fc_sample_batch(fc_real *x, uint8_t *y, int *idx, const struct fc_split *s, int n, int D,
                     const fc_real *mean, struct fc_rng *rng);

#endif
