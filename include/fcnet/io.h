/* Files: the self-describing HDF5 model file (see README "HDF5 layout"), and NumPy .npy. */
#ifndef FCNET_IO_H
#define FCNET_IO_H

#include <stdint.h>

#include "fcnet/config.h"
#include "fcnet/data.h"
#include "fcnet/model.h"
#include "fcnet/solver.h"
#include "fcnet/status.h"

#define FC_H5_FORMAT "fcsweep-model"
#define FC_H5_FORMAT_VERSION 1

/* Everything a model file holds. Loading fills all of it (owned; fc_model_file_free). */
struct fc_model_file {
    struct fc_config config;
    struct fc_model model;
    struct fc_result result;
    fc_real *mean;                 /* (D) */
    int D;
    char class_names[FC_CIFAR_C][32];
    char trial_status[16];         /* "ok" | "diverged" | "failed" */
    char message[256];
    long trial_id;                 /* -1 for fcsweep train */
};
void fc_model_file_free(struct fc_model_file *f);

/* Write path atomically (path.tmp.<pid> then rename). mean: (D). trial_id -1 for a
 * single training run. */
enum fc_status fc_h5_model_save(const char *path, const struct fc_config *c,
                                const struct fc_model *m, const struct fc_result *r,
                                const fc_real *mean, int D,
                                const char (*class_names)[32], long trial_id);
/* Read a model file; FC_STATUS_IO (unreadable), FC_STATUS_FORMAT (not ours / other
 * version) with a logged message naming the file. */
enum fc_status fc_h5_model_load(const char *path, struct fc_model_file *f);

/* NumPy .npy: a C-order array of dtype u1, <f4, >f4, <f8, >f8, <i8 ... */
enum fc_npy_dtype { FC_NPY_U8, FC_NPY_F32, FC_NPY_F64, FC_NPY_I64 };
struct fc_npy {
    enum fc_npy_dtype dtype;
    int ndim;
    long shape[8];
    long count;     /* product of shape */
    void *data;     /* owned, converted to native byte order */
};
enum fc_status fc_npy_read(const char *path, struct fc_npy *a);
void fc_npy_free(struct fc_npy *a);
/* Write an int64 vector (n) as shape (n,). */
enum fc_status fc_npy_write_i64(const char *path, const int64_t *v, long n);

#endif
