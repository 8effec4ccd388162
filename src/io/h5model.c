/* The HDF5 model file: one self-describing file per trained model (layout in
 * doc/hdf5-layout.md), readable with h5dump or h5py and no code of ours.
 *
 * Root attributes identify the file (format, format_version, dtype) and hold the outcome of
 * training; /config holds one attribute per hyperparameter key of the config table; /params,
 * /bn, /data and /history hold the arrays. Saving is atomic (path.tmp.<pid>, then rename);
 * loading checks the identity attributes first and every array's shape against the model
 * rebuilt from the stored config.
 *
 * It deliberately does not create directories, convert between float32 and float64 files
 * (a mismatch is reported), or let HDF5 print its own error stack: failures go through
 * fc_log with the file named. This is the only file that includes hdf5.h. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "fcnet/io.h"

#ifndef FC_VERSION
#define FC_VERSION "unknown"
#endif

#ifdef FC_DOUBLE
#define REAL_FILE_TYPE H5T_IEEE_F64LE
#define REAL_MEM_TYPE H5T_NATIVE_DOUBLE
#else
#define REAL_FILE_TYPE H5T_IEEE_F32LE
#define REAL_MEM_TYPE H5T_NATIVE_FLOAT
#endif

/* H5Pset_file_locking appeared in 1.10.7 and 1.12.1. */
#define FC_H5_HAS_FILE_LOCKING                                                         \
    ((H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 10 && H5_VERS_RELEASE >= 7) ||            \
     (H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 12 && H5_VERS_RELEASE >= 1) ||            \
     (H5_VERS_MAJOR == 1 && H5_VERS_MINOR >= 13) || H5_VERS_MAJOR > 1)

static const char *const default_class_names[FC_CIFAR_C] = {
    "airplane", "automobile", "bird", "cat", "deer",
    "dog",      "frog",       "horse", "ship", "truck"};

/* The file being written or read, for messages. */
struct h5ctx {
    const char *path;
};

/* ---- HDF5 plumbing ----------------------------------------------------------------- */

static void close_attr(hid_t *id) { if (*id >= 0) H5Aclose(*id); *id = H5I_INVALID_HID; }
static void close_data(hid_t *id) { if (*id >= 0) H5Dclose(*id); *id = H5I_INVALID_HID; }
static void close_space(hid_t *id) { if (*id >= 0) H5Sclose(*id); *id = H5I_INVALID_HID; }
static void close_type(hid_t *id) { if (*id >= 0) H5Tclose(*id); *id = H5I_INVALID_HID; }
static void close_group(hid_t *id) { if (*id >= 0) H5Gclose(*id); *id = H5I_INVALID_HID; }

/* Innermost description on HDF5's error stack (the most specific one), then clear it. */
struct h5err {
    char text[200];
};
static herr_t h5err_walk(unsigned n, const H5E_error2_t *e, void *user)
{
    struct h5err *out = user;
    if (n == 0 && e->desc != NULL) snprintf(out->text, sizeof out->text, "%s", e->desc);
    return 0;
}
static const char *h5_detail(struct h5err *err)
{
    snprintf(err->text, sizeof err->text, "unknown HDF5 error");
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, h5err_walk, err);
    H5Eclear2(H5E_DEFAULT);
    return err->text;
}

/* Variable-length UTF-8 string type (h5py reads it as str). */
static hid_t vlen_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return t;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* File access: close every object with the file (error paths), and ignore file locking
 * where the file system does not support it (Lustre, NFS on clusters). */
static hid_t make_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return fapl;
    if (H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        H5Pclose(fapl);
        return H5I_INVALID_HID;
    }
#if FC_H5_HAS_FILE_LOCKING
    if (H5Pset_file_locking(fapl, 1, 1) < 0) H5Eclear2(H5E_DEFAULT);
#endif
    return fapl;
}

/* ---- writing ----------------------------------------------------------------------- */

/* Attribute name on loc: a scalar (n == 0) or a 1-D array of n values. */
static enum fc_status put_attr(const struct h5ctx *cx, hid_t loc, const char *where,
                               const char *name, hid_t ftype, hid_t mtype, hsize_t n,
                               const void *buf)
{
    enum fc_status st = FC_OK;
    hid_t space = n > 0 ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    hid_t attr = H5I_INVALID_HID;
    if (space >= 0) attr = H5Acreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (space < 0 || attr < 0 || H5Awrite(attr, mtype, buf) < 0) {
        struct h5err err;
        fc_log(FC_LOG_ERROR, "cannot write attribute %s%s in %s: %s\n", where, name, cx->path,
               h5_detail(&err));
        st = FC_STATUS_IO;
    }
    close_attr(&attr);
    close_space(&space);
    return st;
}

static enum fc_status put_attr_str(const struct h5ctx *cx, hid_t loc, const char *where,
                                   const char *name, const char *value)
{
    hid_t t = vlen_string_type();
    enum fc_status st = put_attr(cx, loc, where, name, t, t, 0, &value);
    close_type(&t);
    return st;
}
static enum fc_status put_attr_i64(const struct h5ctx *cx, hid_t loc, const char *where,
                                   const char *name, int64_t v)
{
    return put_attr(cx, loc, where, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 0, &v);
}
static enum fc_status put_attr_u64(const struct h5ctx *cx, hid_t loc, const char *where,
                                   const char *name, uint64_t v)
{
    return put_attr(cx, loc, where, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, &v);
}
static enum fc_status put_attr_f64(const struct h5ctx *cx, hid_t loc, const char *where,
                                   const char *name, double v)
{
    return put_attr(cx, loc, where, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &v);
}

/* Dataset name in loc of the given rank and shape; a zero-sized one is created empty. */
static enum fc_status put_dataset(const struct h5ctx *cx, hid_t loc, const char *where,
                                  const char *name, hid_t ftype, hid_t mtype, int rank,
                                  const hsize_t *dims, const void *buf)
{
    enum fc_status st = FC_OK;
    hsize_t count = 1;
    for (int k = 0; k < rank; k++) count *= dims[k];
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5I_INVALID_HID;
    if (space >= 0) d = H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (space < 0 || d < 0 ||
        (count > 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)) {
        struct h5err err;
        fc_log(FC_LOG_ERROR, "cannot write dataset %s%s in %s: %s\n", where, name, cx->path,
               h5_detail(&err));
        st = FC_STATUS_IO;
    }
    close_data(&d);
    close_space(&space);
    return st;
}

static enum fc_status put_group(const struct h5ctx *cx, hid_t file, const char *name, hid_t *g)
{
    *g = H5Gcreate2(file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (*g < 0) {
        struct h5err err;
        fc_log(FC_LOG_ERROR, "cannot create group %s in %s: %s\n", name, cx->path,
               h5_detail(&err));
        return FC_STATUS_IO;
    }
    return FC_OK;
}

/* "ok" | "diverged" | "interrupted" | "failed" */
static const char *trial_status_name(enum fc_status s)
{
    switch (s) {
    case FC_OK: return "ok";
    case FC_STATUS_DIVERGED: return "diverged";
    case FC_STATUS_INTERRUPTED: return "interrupted";
    default: return "failed";
    }
}
static enum fc_status trial_status_value(const char *name)
{
    if (strcmp(name, "ok") == 0) return FC_OK;
    if (strcmp(name, "diverged") == 0) return FC_STATUS_DIVERGED;
    if (strcmp(name, "interrupted") == 0) return FC_STATUS_INTERRUPTED;
    return FC_STATUS_INTERNAL;
}

/* Parse "300,200,150" (fc_config_get's text for a dims key) into v; returns the count. */
static int parse_dims(const char *text, int64_t *v, int max)
{
    int n = 0;
    const char *s = text;
    while (*s != '\0' && n < max) {
        char *end = NULL;
        long x = strtol(s, &end, 10);
        if (end == s) break;
        v[n++] = x;
        s = end;
        while (*s == ',' || *s == ' ') s++;
    }
    return n;
}

/* /config: one attribute per key of the config table. */
static enum fc_status write_config(const struct h5ctx *cx, hid_t g, const struct fc_config *c)
{
    enum fc_status st = FC_OK;
    char text[512];
    for (int i = 0; i < fc_config_num_keys() && st == FC_OK; i++) {
        const struct fc_key_info *k = fc_config_key(i);
        switch (k->type) {
        case FC_KEY_INT:
            st = put_attr_i64(cx, g, "/config/", k->name,
                              (int64_t)fc_config_get_number(c, k->name));
            break;
        case FC_KEY_REAL:
            st = put_attr_f64(cx, g, "/config/", k->name, fc_config_get_number(c, k->name));
            break;
        case FC_KEY_ENUM:
            fc_config_get(c, k->name, text, (int)sizeof text);
            st = put_attr_str(cx, g, "/config/", k->name, text);
            break;
        case FC_KEY_U64:
            fc_config_get(c, k->name, text, (int)sizeof text);
            st = put_attr_u64(cx, g, "/config/", k->name, (uint64_t)strtoull(text, NULL, 10));
            break;
        case FC_KEY_DIMS: {
            int64_t dims[FC_MAX_HIDDEN];
            fc_config_get(c, k->name, text, (int)sizeof text);
            int n = parse_dims(text, dims, FC_MAX_HIDDEN);
            if (n < 1) {
                fc_log(FC_LOG_ERROR, "cannot save %s: hyperparameter '%s' is empty\n", cx->path,
                       k->name);
                st = FC_STATUS_BAD_CONFIG;
                break;
            }
            st = put_attr(cx, g, "/config/", k->name, H5T_STD_I64LE, H5T_NATIVE_INT64,
                          (hsize_t)n, dims);
            break;
        }
        }
    }
    return st;
}

/* Shape of parameter view v as stored: W as (rows, cols), vectors as (cols). */
static int tensor_shape(const struct fc_tensor_view *v, hsize_t *dims)
{
    if (v->name[0] == 'W') {
        dims[0] = (hsize_t)v->rows;
        dims[1] = (hsize_t)v->cols;
        return 2;
    }
    dims[0] = (hsize_t)v->rows * (hsize_t)v->cols;
    return 1;
}

/* The parent directory of path must exist: saving never creates directories. */
static enum fc_status check_parent_dir(const char *path)
{
    enum fc_status st = FC_OK;
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    struct stat sb;
    if (slash == NULL || slash == path) return FC_OK;
    dir = malloc((size_t)(slash - path) + 1);
    if (dir == NULL) {
        fc_log(FC_LOG_ERROR, "out of memory while saving %s\n", path);
        return FC_STATUS_NOMEM;
    }
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fc_log(FC_LOG_ERROR, "cannot save model file %s: directory %s does not exist "
               "(create it first)\n", path, dir);
        st = FC_STATUS_IO;
    }
    free(dir);
    return st;
}

enum fc_status fc_h5_model_save(const char *path, const struct fc_config *c,
                                const struct fc_model *m, const struct fc_result *r,
                                const fc_real *mean, int D,
                                const char (*class_names)[32], long trial_id)
{
    enum fc_status st = FC_OK;
    struct h5ctx cx = {path};
    char *tmp = NULL;
    hid_t fapl = H5I_INVALID_HID, file = H5I_INVALID_HID, g = H5I_INVALID_HID;
    hid_t strtype = H5I_INVALID_HID;
    int tmp_exists = 0;

    FC_ASSERT(path != NULL && c != NULL && m != NULL && r != NULL && mean != NULL && D > 0);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

    st = check_parent_dir(path);
    if (st != FC_OK) goto cleanup;
    size_t tmp_size = strlen(path) + 32;
    tmp = malloc(tmp_size);
    if (tmp == NULL) {
        fc_log(FC_LOG_ERROR, "out of memory while saving %s\n", path);
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }
    snprintf(tmp, tmp_size, "%s.tmp.%ld", path, (long)getpid());
    cx.path = tmp;

    fapl = make_fapl();
    if (fapl >= 0) file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (file < 0) {
        struct h5err err;
        fc_log(FC_LOG_ERROR, "cannot create model file %s: %s\n", tmp, h5_detail(&err));
        st = FC_STATUS_IO;
        goto cleanup;
    }
    tmp_exists = 1;

    /* root: identity and outcome */
    const char *status = trial_status_name(r->status);
    int epochs = r->val_acc_history != NULL && r->train_acc_history != NULL
                     ? r->num_epochs_done + 1 : 0;
    int iters = r->loss_history != NULL ? r->num_iterations : 0;
    if (st == FC_OK) st = put_attr_str(&cx, file, "/", "format", FC_H5_FORMAT);
    if (st == FC_OK) st = put_attr_i64(&cx, file, "/", "format_version", FC_H5_FORMAT_VERSION);
    if (st == FC_OK) st = put_attr_str(&cx, file, "/", "dtype", FC_REAL_NAME);
    if (st == FC_OK) st = put_attr_str(&cx, file, "/", "fcsweep_version", FC_VERSION);
    if (st == FC_OK) st = put_attr_u64(&cx, file, "/", "seed", c->seed);
    if (st == FC_OK) st = put_attr_i64(&cx, file, "/", "trial_id", trial_id);
    if (st == FC_OK) st = put_attr_str(&cx, file, "/", "status", status);
    if (st == FC_OK) st = put_attr_str(&cx, file, "/", "message", r->message);
    if (st == FC_OK) st = put_attr_f64(&cx, file, "/", "best_val_acc", r->best_val_acc);
    if (st == FC_OK) st = put_attr_i64(&cx, file, "/", "best_epoch", r->best_epoch);
    if (st == FC_OK) st = put_attr_f64(&cx, file, "/", "test_acc", r->test_acc);
    if (st == FC_OK) st = put_attr_f64(&cx, file, "/", "seconds", r->seconds);
    if (st == FC_OK) st = put_attr_i64(&cx, file, "/", "epochs_run", epochs > 0 ? epochs - 1 : 0);
    if (st == FC_OK) st = put_attr_i64(&cx, file, "/", "num_iterations", iters);
    if (st != FC_OK) goto cleanup;

    st = put_group(&cx, file, "config", &g);
    if (st == FC_OK) st = write_config(&cx, g, c);
    close_group(&g);
    if (st != FC_OK) goto cleanup;

    /* /params: W as (rows, cols), b / gamma / beta as vectors, in fc_real */
    st = put_group(&cx, file, "params", &g);
    for (int i = 0; st == FC_OK && i < fc_model_num_tensors(m); i++) {
        struct fc_tensor_view v;
        hsize_t dims[2];
        fc_model_tensor(m, i, &v);
        int rank = tensor_shape(&v, dims);
        st = put_dataset(&cx, g, "/params/", v.name, REAL_FILE_TYPE, REAL_MEM_TYPE, rank, dims,
                         v.data);
    }
    close_group(&g);
    if (st != FC_OK) goto cleanup;

    /* /bn: running statistics of each hidden layer (batchnorm only) */
    if (m->norm == FC_NORM_BATCHNORM) {
        st = put_group(&cx, file, "bn", &g);
        for (int i = 0; st == FC_OK && i < m->L - 1; i++) {
            char name[32];
            hsize_t n = (hsize_t)m->dims[i + 1];
            snprintf(name, sizeof name, "running_mean%d", i + 1);
            st = put_dataset(&cx, g, "/bn/", name, REAL_FILE_TYPE, REAL_MEM_TYPE, 1, &n,
                             m->running_mean[i]);
            if (st != FC_OK) break;
            snprintf(name, sizeof name, "running_var%d", i + 1);
            st = put_dataset(&cx, g, "/bn/", name, REAL_FILE_TYPE, REAL_MEM_TYPE, 1, &n,
                             m->running_var[i]);
        }
        close_group(&g);
        if (st != FC_OK) goto cleanup;
    }

    /* /data: mean image (D) and the 10 class names */
    st = put_group(&cx, file, "data", &g);
    if (st == FC_OK) {
        hsize_t n = (hsize_t)D;
        st = put_dataset(&cx, g, "/data/", "mean_image", REAL_FILE_TYPE, REAL_MEM_TYPE, 1, &n,
                         mean);
    }
    if (st == FC_OK) {
        const char *names[FC_CIFAR_C];
        hsize_t n = FC_CIFAR_C;
        for (int k = 0; k < FC_CIFAR_C; k++)
            names[k] = class_names != NULL ? class_names[k] : default_class_names[k];
        strtype = vlen_string_type();
        st = put_dataset(&cx, g, "/data/", "class_names", strtype, strtype, 1, &n, names);
    }
    close_group(&g);
    if (st != FC_OK) goto cleanup;

    /* /history: float64 whatever fc_real is */
    st = put_group(&cx, file, "history", &g);
    if (st == FC_OK) {
        hsize_t n = (hsize_t)iters;
        st = put_dataset(&cx, g, "/history/", "loss", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n,
                         r->loss_history);
    }
    if (st == FC_OK) {
        hsize_t n = (hsize_t)epochs;
        st = put_dataset(&cx, g, "/history/", "train_acc", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                         1, &n, r->train_acc_history);
    }
    if (st == FC_OK) {
        hsize_t n = (hsize_t)epochs;
        st = put_dataset(&cx, g, "/history/", "val_acc", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1,
                         &n, r->val_acc_history);
    }
    close_group(&g);
    if (st != FC_OK) goto cleanup;

    herr_t closed = H5Fclose(file);
    file = H5I_INVALID_HID;
    if (closed < 0) {
        struct h5err err;
        fc_log(FC_LOG_ERROR, "cannot finish model file %s: %s\n", tmp, h5_detail(&err));
        st = FC_STATUS_IO;
        goto cleanup;
    }
    /* data on disk before the rename, so a crash leaves the old file or the new one */
    int fd = open(tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        fc_log(FC_LOG_ERROR, "cannot write model file %s to disk: %s\n", tmp, strerror(errno));
        if (fd >= 0) close(fd);
        st = FC_STATUS_IO;
        goto cleanup;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        fc_log(FC_LOG_ERROR, "cannot rename %s to %s: %s\n", tmp, path, strerror(errno));
        st = FC_STATUS_IO;
        goto cleanup;
    }
    tmp_exists = 0;

cleanup:
    close_type(&strtype);
    close_group(&g);
    if (file >= 0) H5Fclose(file);
    if (fapl >= 0) H5Pclose(fapl);
    if (tmp_exists) remove(tmp);
    free(tmp);
    return st;
}

/* ---- reading ----------------------------------------------------------------------- */

static enum fc_status missing(const struct h5ctx *cx, const char *what, const char *where,
                              const char *name)
{
    fc_log(FC_LOG_ERROR, "model file %s: %s %s%s is missing; the file is incomplete or was not "
           "written by fcsweep\n", cx->path, what, where, name);
    return FC_STATUS_FORMAT;
}

/* Read n strings (fixed or variable length) from an attribute (is_attr) or a dataset into
 * out[n][size], truncating long ones. ftype: the object's type. */
static herr_t read_strings(hid_t obj, int is_attr, hid_t ftype, size_t n, char *out,
                           size_t size)
{
    herr_t rc = -1;
    hid_t mtype = H5I_INVALID_HID;
    char **ptrs = NULL;
    char *fixed = NULL;

    if (H5Tis_variable_str(ftype) > 0) {
        mtype = vlen_string_type();
        ptrs = calloc(n, sizeof *ptrs);
        if (mtype < 0 || ptrs == NULL) goto cleanup;
        rc = is_attr ? H5Aread(obj, mtype, ptrs)
                     : H5Dread(obj, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs);
        for (size_t k = 0; k < n; k++) {
            if (rc >= 0) snprintf(out + k * size, size, "%s", ptrs[k] != NULL ? ptrs[k] : "");
            if (ptrs[k] != NULL) H5free_memory(ptrs[k]);
        }
    } else {
        size_t len = H5Tget_size(ftype);
        if (len == 0) goto cleanup;
        /* same size, padding and character set as stored: read the bytes as they are,
         * then end each string at its first NUL (NULLTERM / NULLPAD) or drop trailing
         * spaces (SPACEPAD) */
        mtype = H5Tcopy(ftype);
        fixed = malloc(n * len + 1);
        if (mtype < 0 || fixed == NULL) goto cleanup;
        int spacepad = H5Tget_strpad(ftype) == H5T_STR_SPACEPAD;
        rc = is_attr ? H5Aread(obj, mtype, fixed)
                     : H5Dread(obj, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed);
        for (size_t k = 0; rc >= 0 && k < n; k++) {
            size_t m = 0;
            while (m < len && fixed[k * len + m] != '\0') m++;
            while (spacepad && m > 0 && fixed[k * len + m - 1] == ' ') m--;
            if (m >= size) m = size - 1;
            memcpy(out + k * size, fixed + k * len, m);
            out[k * size + m] = '\0';
        }
    }

cleanup:
    free(ptrs);
    free(fixed);
    close_type(&mtype);
    return rc;
}

/* Open attribute name of loc and check its type class and element count (want_n: exact
 * count, or -1 for 1..max_n elements). */
static enum fc_status open_attr(const struct h5ctx *cx, hid_t loc, const char *where,
                                const char *name, int want_string, long want_n, long max_n,
                                hid_t *attr, hid_t *ftype, long *count)
{
    enum fc_status st = FC_OK;
    hid_t space = H5I_INVALID_HID;
    *attr = H5I_INVALID_HID;
    *ftype = H5I_INVALID_HID;
    if (H5Aexists(loc, name) <= 0) return missing(cx, "attribute", where, name);
    *attr = H5Aopen(loc, name, H5P_DEFAULT);
    if (*attr >= 0) *ftype = H5Aget_type(*attr);
    if (*ftype >= 0) space = H5Aget_space(*attr);
    if (space < 0) {
        struct h5err err;
        fc_log(FC_LOG_ERROR, "model file %s: cannot read attribute %s%s: %s\n", cx->path, where,
               name, h5_detail(&err));
        st = FC_STATUS_IO;
        goto cleanup;
    }
    H5T_class_t cls = H5Tget_class(*ftype);
    int ok_class = want_string ? cls == H5T_STRING : (cls == H5T_INTEGER || cls == H5T_FLOAT);
    long n = (long)H5Sget_simple_extent_npoints(space);
    int ok_count = want_n >= 0 ? n == want_n : (n >= 1 && n <= max_n);
    if (!ok_class || !ok_count) {
        fc_log(FC_LOG_ERROR, "model file %s: attribute %s%s should be %s with %s%ld "
               "element(s), found %s with %ld element(s)\n", cx->path, where, name,
               want_string ? "a string" : "a number", want_n >= 0 ? "" : "up to ",
               want_n >= 0 ? want_n : max_n,
               cls == H5T_STRING ? "a string" : (cls == H5T_INTEGER || cls == H5T_FLOAT)
                                                    ? "a number" : "another type", n);
        st = FC_STATUS_FORMAT;
        goto cleanup;
    }
    *count = n;

cleanup:
    close_space(&space);
    if (st != FC_OK) {
        close_type(ftype);
        close_attr(attr);
    }
    return st;
}

static enum fc_status get_attr_str(const struct h5ctx *cx, hid_t loc, const char *where,
                                   const char *name, char *buf, size_t size)
{
    hid_t attr, ftype;
    long n;
    enum fc_status st = open_attr(cx, loc, where, name, 1, 1, 1, &attr, &ftype, &n);
    if (st != FC_OK) return st;
    if (read_strings(attr, 1, ftype, 1, buf, size) < 0) {
        struct h5err err;
        fc_log(FC_LOG_ERROR, "model file %s: cannot read attribute %s%s: %s\n", cx->path, where,
               name, h5_detail(&err));
        st = FC_STATUS_FORMAT;
    }
    close_type(&ftype);
    close_attr(&attr);
    return st;
}

/* Numeric attribute (scalar when max_n == 1) converted to mtype; *n gets the count. */
static enum fc_status get_attr_num(const struct h5ctx *cx, hid_t loc, const char *where,
                                   const char *name, hid_t mtype, long max_n, void *out, long *n)
{
    hid_t attr, ftype;
    long count = 0;
    enum fc_status st =
        open_attr(cx, loc, where, name, 0, max_n == 1 ? 1 : -1, max_n, &attr, &ftype, &count);
    if (st != FC_OK) return st;
    if (H5Aread(attr, mtype, out) < 0) {
        struct h5err err;
        fc_log(FC_LOG_ERROR, "model file %s: cannot read attribute %s%s as a number: %s\n",
               cx->path, where, name, h5_detail(&err));
        st = FC_STATUS_FORMAT;
    }
    if (n != NULL) *n = count;
    close_type(&ftype);
    close_attr(&attr);
    return st;
}
static enum fc_status get_attr_i64(const struct h5ctx *cx, hid_t loc, const char *where,
                                   const char *name, int64_t *v)
{
    return get_attr_num(cx, loc, where, name, H5T_NATIVE_INT64, 1, v, NULL);
}
static enum fc_status get_attr_f64(const struct h5ctx *cx, hid_t loc, const char *where,
                                   const char *name, double *v)
{
    return get_attr_num(cx, loc, where, name, H5T_NATIVE_DOUBLE, 1, v, NULL);
}

static enum fc_status open_group(const struct h5ctx *cx, hid_t file, const char *name, hid_t *g)
{
    *g = H5I_INVALID_HID;
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return missing(cx, "group", "/", name);
    *g = H5Gopen2(file, name, H5P_DEFAULT);
    if (*g < 0) {
        struct h5err err;
        fc_log(FC_LOG_ERROR, "model file %s: cannot open group /%s: %s\n", cx->path, name,
               h5_detail(&err));
        return FC_STATUS_FORMAT;
    }
    return FC_OK;
}

/* Open dataset name and get its shape (rank <= 2) and type class. */
static enum fc_status open_dataset(const struct h5ctx *cx, hid_t g, const char *where,
                                   const char *name, hid_t *d, int *rank, hsize_t *dims,
                                   H5T_class_t *cls)
{
    enum fc_status st = FC_OK;
    hid_t space = H5I_INVALID_HID, ftype = H5I_INVALID_HID;
    *d = H5I_INVALID_HID;
    if (H5Lexists(g, name, H5P_DEFAULT) <= 0) return missing(cx, "dataset", where, name);
    *d = H5Dopen2(g, name, H5P_DEFAULT);
    if (*d >= 0) space = H5Dget_space(*d);
    if (space >= 0) ftype = H5Dget_type(*d);
    if (ftype < 0) {
        struct h5err err;
        fc_log(FC_LOG_ERROR, "model file %s: cannot open dataset %s%s: %s\n", cx->path, where,
               name, h5_detail(&err));
        st = FC_STATUS_FORMAT;
        goto cleanup;
    }
    *rank = H5Sget_simple_extent_ndims(space);
    if (*rank < 0 || *rank > 2) {
        fc_log(FC_LOG_ERROR, "model file %s: dataset %s%s has %d dimensions, expected 1 or 2\n",
               cx->path, where, name, *rank);
        st = FC_STATUS_FORMAT;
        goto cleanup;
    }
    H5Sget_simple_extent_dims(space, dims, NULL);
    *cls = H5Tget_class(ftype);

cleanup:
    close_type(&ftype);
    close_space(&space);
    if (st != FC_OK) close_data(d);
    return st;
}

/* Read a numeric dataset that must have exactly shape (dims[0]) or (dims[0], dims[1]). */
static enum fc_status get_dataset(const struct h5ctx *cx, hid_t g, const char *where,
                                  const char *name, hid_t mtype, int rank, const hsize_t *dims,
                                  void *buf)
{
    enum fc_status st;
    hid_t d;
    int frank = 0;
    hsize_t fdims[2] = {0, 0};
    H5T_class_t cls;
    st = open_dataset(cx, g, where, name, &d, &frank, fdims, &cls);
    if (st != FC_OK) return st;
    if (frank != rank || fdims[0] != dims[0] || (rank == 2 && fdims[1] != dims[1]) ||
        (cls != H5T_FLOAT && cls != H5T_INTEGER)) {
        char want[64], got[64];
        if (rank == 2) snprintf(want, sizeof want, "(%llu, %llu)", (unsigned long long)dims[0],
                                (unsigned long long)dims[1]);
        else snprintf(want, sizeof want, "(%llu,)", (unsigned long long)dims[0]);
        if (frank == 2) snprintf(got, sizeof got, "(%llu, %llu)", (unsigned long long)fdims[0],
                                 (unsigned long long)fdims[1]);
        else snprintf(got, sizeof got, "(%llu,)", (unsigned long long)fdims[0]);
        fc_log(FC_LOG_ERROR, "model file %s: dataset %s%s has shape %s%s, expected %s numbers "
               "for the model described by /config\n", cx->path, where, name, got,
               cls != H5T_FLOAT && cls != H5T_INTEGER ? " and is not numeric" : "", want);
        st = FC_STATUS_FORMAT;
    } else if (dims[0] * (rank == 2 ? dims[1] : 1) > 0 &&
               H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        struct h5err err;
        fc_log(FC_LOG_ERROR, "model file %s: cannot read dataset %s%s: %s\n", cx->path, where,
               name, h5_detail(&err));
        st = FC_STATUS_IO;
    }
    close_data(&d);
    return st;
}

/* Read a 1-D float64 dataset of any length into a new array (*out, owned by the caller). */
static enum fc_status get_history(const struct h5ctx *cx, hid_t g, const char *name,
                                  double **out, long *n)
{
    enum fc_status st;
    hid_t d;
    int rank = 0;
    hsize_t dims[2] = {0, 0};
    H5T_class_t cls;
    *out = NULL;
    *n = 0;
    st = open_dataset(cx, g, "/history/", name, &d, &rank, dims, &cls);
    if (st != FC_OK) return st;
    close_data(&d);
    if (rank != 1) {
        fc_log(FC_LOG_ERROR, "model file %s: dataset /history/%s should be 1-D\n", cx->path,
               name);
        return FC_STATUS_FORMAT;
    }
    *out = malloc((dims[0] > 0 ? dims[0] : 1) * sizeof **out);
    if (*out == NULL) {
        fc_log(FC_LOG_ERROR, "out of memory reading %s\n", cx->path);
        return FC_STATUS_NOMEM;
    }
    *n = (long)dims[0];
    return get_dataset(cx, g, "/history/", name, H5T_NATIVE_DOUBLE, 1, dims, *out);
}

/* /config: rebuild the config through fc_config_set from each key's attribute. */
static enum fc_status read_config(const struct h5ctx *cx, hid_t g, struct fc_config *c)
{
    enum fc_status st = FC_OK;
    char text[512];
    fc_config_defaults(c, FC_MODEL_FC);
    for (int i = 0; i < fc_config_num_keys() && st == FC_OK; i++) {
        const struct fc_key_info *k = fc_config_key(i);
        switch (k->type) {
        case FC_KEY_INT: {
            int64_t v = 0;
            st = get_attr_i64(cx, g, "/config/", k->name, &v);
            snprintf(text, sizeof text, "%" PRId64, v);
            break;
        }
        case FC_KEY_U64: {
            uint64_t v = 0;
            st = get_attr_num(cx, g, "/config/", k->name, H5T_NATIVE_UINT64, 1, &v, NULL);
            snprintf(text, sizeof text, "%" PRIu64, v);
            break;
        }
        case FC_KEY_REAL: {
            double v = 0;
            st = get_attr_f64(cx, g, "/config/", k->name, &v);
            snprintf(text, sizeof text, "%.17g", v);
            break;
        }
        case FC_KEY_ENUM:
            st = get_attr_str(cx, g, "/config/", k->name, text, sizeof text);
            break;
        case FC_KEY_DIMS: {
            int64_t v[FC_MAX_HIDDEN];
            long n = 0;
            st = get_attr_num(cx, g, "/config/", k->name, H5T_NATIVE_INT64, FC_MAX_HIDDEN, v,
                              &n);
            int off = 0;
            text[0] = '\0';
            for (long j = 0; st == FC_OK && j < n && off < (int)sizeof text; j++)
                off += snprintf(text + off, sizeof text - (size_t)off, j ? ",%" PRId64 : "%" PRId64,
                                v[j]);
            break;
        }
        }
        if (st == FC_OK && fc_config_set(c, k->name, text) != FC_OK) {
            fc_log(FC_LOG_ERROR, "model file %s: attribute /config/%s = '%s' is not accepted\n",
                   cx->path, k->name, text);
            st = FC_STATUS_FORMAT;
        }
    }
    if (st == FC_OK && fc_config_validate(c) != FC_OK) {
        fc_log(FC_LOG_ERROR, "model file %s: /config holds an invalid configuration (above)\n",
               cx->path);
        st = FC_STATUS_FORMAT;
    }
    return st;
}

/* HDF5 files start with this signature (at offset 0 unless a user block precedes it). */
static int has_hdf5_signature(const char *head, size_t n)
{
    static const char sig[8] = {'\211', 'H', 'D', 'F', '\r', '\n', '\032', '\n'};
    return n >= 8 && memcmp(head, sig, 8) == 0;
}

enum fc_status fc_h5_model_load(const char *path, struct fc_model_file *f)
{
    enum fc_status st = FC_OK;
    struct h5ctx cx = {path};
    hid_t fapl = H5I_INVALID_HID, file = H5I_INVALID_HID, g = H5I_INVALID_HID;
    hid_t d = H5I_INVALID_HID, ftype = H5I_INVALID_HID;
    char text[256];
    char head[8];
    size_t nhead = 0;
    FILE *fp = NULL;

    FC_ASSERT(path != NULL && f != NULL);
    memset(f, 0, sizeof *f);
    f->trial_id = -1;
    f->result.test_acc = -1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

    fp = fopen(path, "rb");
    if (fp == NULL) {
        fc_log(FC_LOG_ERROR, "cannot open model file %s: %s\n", path, strerror(errno));
        st = FC_STATUS_IO;
        goto cleanup;
    }
    nhead = fread(head, 1, sizeof head, fp);
    fclose(fp);
    fp = NULL;

    fapl = make_fapl();
    if (fapl >= 0) file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (file < 0) {
        struct h5err err;
        const char *detail = h5_detail(&err);
        if (!has_hdf5_signature(head, nhead)) {
            fc_log(FC_LOG_ERROR, "%s is not an HDF5 file (expected a model file written by "
                   "fcsweep train --save)\n", path);
            st = FC_STATUS_FORMAT;
        } else {
            fc_log(FC_LOG_ERROR, "cannot open HDF5 file %s: %s (truncated or damaged?)\n", path,
                   detail);
            st = FC_STATUS_IO;
        }
        goto cleanup;
    }

    /* identity: format, version, dtype */
    if (H5Aexists(file, "format") <= 0 ||
        get_attr_str(&cx, file, "/", "format", text, sizeof text) != FC_OK ||
        strcmp(text, FC_H5_FORMAT) != 0) {
        fc_log(FC_LOG_ERROR, "%s is an HDF5 file but not an fcsweep model file (its root "
               "attribute 'format' is not \"%s\")\n", path, FC_H5_FORMAT);
        st = FC_STATUS_FORMAT;
        goto cleanup;
    }
    int64_t version = 0;
    st = get_attr_i64(&cx, file, "/", "format_version", &version);
    if (st != FC_OK) goto cleanup;
    if (version != FC_H5_FORMAT_VERSION) {
        fc_log(FC_LOG_ERROR, "model file %s has format_version %" PRId64 "; this fcsweep "
               "(%s) reads version %d: use the fcsweep that wrote it\n", path, version,
               FC_VERSION, FC_H5_FORMAT_VERSION);
        st = FC_STATUS_FORMAT;
        goto cleanup;
    }
    st = get_attr_str(&cx, file, "/", "dtype", text, sizeof text);
    if (st != FC_OK) goto cleanup;
    if (strcmp(text, FC_REAL_NAME) != 0) {
        fc_log(FC_LOG_ERROR, "model file %s holds %s parameters but this build of fcnet "
               "uses %s: load it with the matching library (fcnet is float32, fcnet64 "
               "float64)\n", path, text, FC_REAL_NAME);
        st = FC_STATUS_FORMAT;
        goto cleanup;
    }

    /* outcome */
    int64_t i64 = 0;
    if (st == FC_OK) st = get_attr_i64(&cx, file, "/", "trial_id", &i64);
    f->trial_id = (long)i64;
    if (st == FC_OK) st = get_attr_str(&cx, file, "/", "status", f->trial_status,
                                       sizeof f->trial_status);
    if (st == FC_OK) st = get_attr_str(&cx, file, "/", "message", f->message, sizeof f->message);
    if (st == FC_OK) st = get_attr_f64(&cx, file, "/", "best_val_acc", &f->result.best_val_acc);
    if (st == FC_OK) st = get_attr_i64(&cx, file, "/", "best_epoch", &i64);
    f->result.best_epoch = (int)i64;
    if (st == FC_OK) st = get_attr_f64(&cx, file, "/", "test_acc", &f->result.test_acc);
    if (st == FC_OK) st = get_attr_f64(&cx, file, "/", "seconds", &f->result.seconds);
    int64_t epochs_run = 0, num_iterations = 0;
    if (st == FC_OK) st = get_attr_i64(&cx, file, "/", "epochs_run", &epochs_run);
    if (st == FC_OK) st = get_attr_i64(&cx, file, "/", "num_iterations", &num_iterations);
    if (st != FC_OK) goto cleanup;
    f->result.status = trial_status_value(f->trial_status);
    snprintf(f->result.message, sizeof f->result.message, "%s", f->message);

    /* config, then the model it describes */
    st = open_group(&cx, file, "config", &g);
    if (st == FC_OK) st = read_config(&cx, g, &f->config);
    close_group(&g);
    if (st != FC_OK) goto cleanup;
    struct fc_rng rng;
    fc_rng_seed(&rng, 0);
    st = fc_model_init(&f->model, &f->config, &rng);
    if (st != FC_OK) goto cleanup;

    const struct fc_model *m = &f->model;
    st = open_group(&cx, file, "params", &g);
    for (int i = 0; st == FC_OK && i < fc_model_num_tensors(m); i++) {
        struct fc_tensor_view v;
        hsize_t dims[2];
        fc_model_tensor(m, i, &v);
        int rank = tensor_shape(&v, dims);
        st = get_dataset(&cx, g, "/params/", v.name, REAL_MEM_TYPE, rank, dims, v.data);
    }
    close_group(&g);
    if (st != FC_OK) goto cleanup;

    if (m->norm == FC_NORM_BATCHNORM) {
        st = open_group(&cx, file, "bn", &g);
        for (int i = 0; st == FC_OK && i < m->L - 1; i++) {
            char name[32];
            hsize_t n = (hsize_t)m->dims[i + 1];
            snprintf(name, sizeof name, "running_mean%d", i + 1);
            st = get_dataset(&cx, g, "/bn/", name, REAL_MEM_TYPE, 1, &n, m->running_mean[i]);
            if (st != FC_OK) break;
            snprintf(name, sizeof name, "running_var%d", i + 1);
            st = get_dataset(&cx, g, "/bn/", name, REAL_MEM_TYPE, 1, &n, m->running_var[i]);
        }
        close_group(&g);
        if (st != FC_OK) goto cleanup;
    }

    /* /data: the mean image must match the model's input, then the class names */
    st = open_group(&cx, file, "data", &g);
    if (st != FC_OK) goto cleanup;
    hsize_t n_in = (hsize_t)m->dims[0];
    f->mean = malloc((size_t)n_in * sizeof *f->mean);
    if (f->mean == NULL) {
        fc_log(FC_LOG_ERROR, "out of memory reading %s\n", path);
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }
    st = get_dataset(&cx, g, "/data/", "mean_image", REAL_MEM_TYPE, 1, &n_in, f->mean);
    if (st != FC_OK) goto cleanup;
    f->D = (int)n_in;
    int rank = 0;
    hsize_t dims[2] = {0, 0};
    H5T_class_t cls;
    st = open_dataset(&cx, g, "/data/", "class_names", &d, &rank, dims, &cls);
    if (st != FC_OK) goto cleanup;
    if (rank != 1 || dims[0] != FC_CIFAR_C || cls != H5T_STRING) {
        fc_log(FC_LOG_ERROR, "model file %s: /data/class_names should hold %d strings\n", path,
               FC_CIFAR_C);
        st = FC_STATUS_FORMAT;
        goto cleanup;
    }
    ftype = H5Dget_type(d);
    if (ftype < 0 || read_strings(d, 0, ftype, FC_CIFAR_C, &f->class_names[0][0],
                                  sizeof f->class_names[0]) < 0) {
        struct h5err err;
        fc_log(FC_LOG_ERROR, "model file %s: cannot read /data/class_names: %s\n", path,
               h5_detail(&err));
        st = FC_STATUS_FORMAT;
        goto cleanup;
    }
    close_type(&ftype);
    close_data(&d);
    close_group(&g);

    /* /history: lengths must agree with the root counters */
    long nloss = 0, ntrain = 0, nval = 0;
    struct fc_result *r = &f->result;
    st = open_group(&cx, file, "history", &g);
    if (st == FC_OK) st = get_history(&cx, g, "loss", &r->loss_history, &nloss);
    if (st == FC_OK) st = get_history(&cx, g, "train_acc", &r->train_acc_history, &ntrain);
    if (st == FC_OK) st = get_history(&cx, g, "val_acc", &r->val_acc_history, &nval);
    if (st != FC_OK) goto cleanup;
    if (nloss != num_iterations || ntrain != nval || (nval > 0 && nval != epochs_run + 1)) {
        fc_log(FC_LOG_ERROR, "model file %s: /history holds %ld losses and %ld / %ld "
               "accuracies, but num_iterations = %" PRId64 " and epochs_run = %" PRId64 "\n",
               path, nloss, ntrain, nval, num_iterations, epochs_run);
        st = FC_STATUS_FORMAT;
        goto cleanup;
    }
    r->num_iterations = (int)nloss;
    r->num_epochs_done = (int)epochs_run;

cleanup:
    close_type(&ftype);
    close_data(&d);
    close_group(&g);
    if (file >= 0) H5Fclose(file);
    if (fapl >= 0) H5Pclose(fapl);
    if (st != FC_OK) fc_model_file_free(f);
    return st;
}

void fc_model_file_free(struct fc_model_file *f)
{
    if (f == NULL) return;
    fc_model_free(&f->model);
    fc_result_free(&f->result);
    free(f->mean);
    memset(f, 0, sizeof *f);
    f->trial_id = -1;
}
