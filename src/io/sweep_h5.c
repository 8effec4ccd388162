/* The sweep file sweep.h5 (layout in fcnet/sweep_io.h): attributes, the spec text, one
 * compound summary table with a field per config key, and external links to the trial
 * model files. Written whole and atomically each time (it is small: one row per trial).
 * Does not: read the trial files themselves, or decide what a trial's status is. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "fcnet/sweep_io.h"

#define STATUS_LEN 16
#define FILE_LEN 64
#define ENUM_LEN 128

/* One field of the summary row: name, HDF5 type, offset in the packed row. */
struct field {
    const char *name;
    hid_t type;     /* owned copy */
    size_t offset, size;
    const struct fc_key_info *key; /* NULL for the fixed columns */
};

struct layout {
    int n;
    struct field *f;
    size_t row_size;
};

static void layout_free(struct layout *l)
{
    int i;
    if (!l->f) return;
    for (i = 0; i < l->n; i++)
        if (l->f[i].type >= 0) H5Tclose(l->f[i].type);
    free(l->f);
    l->f = NULL;
}

static hid_t str_type(size_t len)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return t;
    H5Tset_size(t, len);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    return t;
}

static void add_field(struct layout *l, const char *name, hid_t type, const struct fc_key_info *key)
{
    struct field *f = &l->f[l->n++];
    f->name = name;
    f->type = type;
    f->size = type >= 0 ? H5Tget_size(type) : 0;
    f->offset = l->row_size;
    f->key = key;
    l->row_size += f->size;
}

static int layout_init(struct layout *l)
{
    int i, nk = fc_config_num_keys();
    memset(l, 0, sizeof *l);
    l->f = calloc((size_t)(7 + nk), sizeof *l->f);
    if (!l->f) return 0;
    add_field(l, "id", H5Tcopy(H5T_NATIVE_INT64), NULL);
    add_field(l, "status", str_type(STATUS_LEN), NULL);
    add_field(l, "best_val_acc", H5Tcopy(H5T_NATIVE_DOUBLE), NULL);
    add_field(l, "epochs_run", H5Tcopy(H5T_NATIVE_INT32), NULL);
    add_field(l, "seconds", H5Tcopy(H5T_NATIVE_DOUBLE), NULL);
    add_field(l, "rank", H5Tcopy(H5T_NATIVE_INT32), NULL);
    add_field(l, "file", str_type(FILE_LEN), NULL);
    for (i = 0; i < nk; i++) {
        const struct fc_key_info *k = fc_config_key(i);
        hid_t t;
        switch (k->type) {
        case FC_KEY_INT: t = H5Tcopy(H5T_NATIVE_INT64); break;
        case FC_KEY_REAL: t = H5Tcopy(H5T_NATIVE_DOUBLE); break;
        case FC_KEY_U64: t = H5Tcopy(H5T_NATIVE_UINT64); break;
        default: t = str_type(ENUM_LEN); break;
        }
        add_field(l, k->name, t, k);
    }
    for (i = 0; i < l->n; i++)
        if (l->f[i].type < 0) return 0;
    return 1;
}

static hid_t compound_type(const struct layout *l)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, l->row_size);
    int i;
    if (t < 0) return t;
    for (i = 0; i < l->n; i++) {
        if (H5Tinsert(t, l->f[i].name, l->f[i].offset, l->f[i].type) < 0) {
            H5Tclose(t);
            return -1;
        }
    }
    return t;
}

static void pack_row(const struct layout *l, const struct fc_sweep_row *r, unsigned char *dst)
{
    int i;
    for (i = 0; i < l->n; i++) {
        const struct field *f = &l->f[i];
        unsigned char *p = dst + f->offset;
        int64_t i64;
        int32_t i32;
        uint64_t u64;
        double d;
        char s[ENUM_LEN];
        memset(s, 0, sizeof s);
        if (!f->key) {
            if (strcmp(f->name, "id") == 0) { i64 = r->id; memcpy(p, &i64, 8); }
            else if (strcmp(f->name, "status") == 0) { snprintf(s, STATUS_LEN, "%s", r->status); memcpy(p, s, STATUS_LEN); }
            else if (strcmp(f->name, "best_val_acc") == 0) { d = r->best_val_acc; memcpy(p, &d, 8); }
            else if (strcmp(f->name, "epochs_run") == 0) { i32 = r->epochs_run; memcpy(p, &i32, 4); }
            else if (strcmp(f->name, "seconds") == 0) { d = r->seconds; memcpy(p, &d, 8); }
            else if (strcmp(f->name, "rank") == 0) { i32 = r->rank; memcpy(p, &i32, 4); }
            else { snprintf(s, FILE_LEN, "%s", r->file); memcpy(p, s, FILE_LEN); }
            continue;
        }
        switch (f->key->type) {
        case FC_KEY_INT: i64 = (int64_t)fc_config_get_number(&r->config, f->name); memcpy(p, &i64, 8); break;
        case FC_KEY_REAL: d = fc_config_get_number(&r->config, f->name); memcpy(p, &d, 8); break;
        case FC_KEY_U64:
            u64 = strcmp(f->name, "seed") == 0 ? r->config.seed
                                               : (uint64_t)fc_config_get_number(&r->config, f->name);
            memcpy(p, &u64, 8);
            break;
        default: fc_config_get(&r->config, f->name, s, ENUM_LEN); memcpy(p, s, ENUM_LEN); break;
        }
    }
}

/* Inverse of pack_row; the config is rebuilt through fc_config_set, the model kind first. */
static void unpack_row(const struct layout *l, const unsigned char *src, struct fc_sweep_row *r)
{
    int i, pass;
    memset(r, 0, sizeof *r);
    fc_config_defaults(&r->config, FC_MODEL_FC);
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < l->n; i++) {
            const struct field *f = &l->f[i];
            const unsigned char *p = src + f->offset;
            int64_t i64;
            int32_t i32;
            uint64_t u64;
            double d;
            char s[ENUM_LEN + 1];
            int is_model = strcmp(f->name, "model") == 0;
            if ((pass == 0) != is_model) continue;
            memset(s, 0, sizeof s);
            if (!f->key) {
                if (strcmp(f->name, "id") == 0) { memcpy(&i64, p, 8); r->id = (long)i64; }
                else if (strcmp(f->name, "status") == 0) { memcpy(s, p, STATUS_LEN); snprintf(r->status, sizeof r->status, "%.15s", s); }
                else if (strcmp(f->name, "best_val_acc") == 0) memcpy(&r->best_val_acc, p, 8);
                else if (strcmp(f->name, "epochs_run") == 0) { memcpy(&i32, p, 4); r->epochs_run = i32; }
                else if (strcmp(f->name, "seconds") == 0) memcpy(&r->seconds, p, 8);
                else if (strcmp(f->name, "rank") == 0) { memcpy(&i32, p, 4); r->rank = i32; }
                else { memcpy(s, p, FILE_LEN); snprintf(r->file, sizeof r->file, "%.63s", s); }
                continue;
            }
            switch (f->key->type) {
            case FC_KEY_INT: memcpy(&i64, p, 8); snprintf(s, sizeof s, "%lld", (long long)i64); break;
            case FC_KEY_REAL: memcpy(&d, p, 8); snprintf(s, sizeof s, "%.17g", d); break;
            case FC_KEY_U64: memcpy(&u64, p, 8); snprintf(s, sizeof s, "%llu", (unsigned long long)u64); break;
            default: memcpy(s, p, ENUM_LEN); break;
            }
            if (is_model) {
                struct fc_config tmp = r->config;
                if (fc_config_set(&tmp, "model", s) == FC_OK) fc_config_defaults(&r->config, tmp.model);
            } else if (s[0]) {
                fc_config_set(&r->config, f->name, s);
            }
        }
    }
}

static int attr_str(hid_t loc, const char *name, const char *value)
{
    hid_t t = str_type(strlen(value) + 1), sp = H5Screate(H5S_SCALAR), a = -1;
    int ok = 0;
    if (t < 0 || sp < 0) goto cleanup;
    a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) goto cleanup;
    ok = H5Awrite(a, t, value) >= 0;
cleanup:
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    return ok;
}

static int attr_num(hid_t loc, const char *name, hid_t type, const void *value)
{
    hid_t sp = H5Screate(H5S_SCALAR), a = -1;
    int ok = 0;
    if (sp < 0) return 0;
    a = H5Acreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a >= 0) ok = H5Awrite(a, type, value) >= 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return ok;
}

static int read_attr_str(hid_t loc, const char *name, char *out, size_t size)
{
    hid_t a = -1, ft = -1, mt = -1;
    char *buf = NULL;
    size_t n;
    int ok = 0;
    out[0] = '\0';
    if (H5Aexists(loc, name) <= 0) return 0;
    a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) goto cleanup;
    ft = H5Aget_type(a);
    if (ft < 0 || H5Tget_class(ft) != H5T_STRING || H5Tis_variable_str(ft) > 0) goto cleanup;
    n = H5Tget_size(ft);
    mt = str_type(n + 1);
    buf = calloc(n + 2, 1);
    if (mt < 0 || !buf || H5Aread(a, mt, buf) < 0) goto cleanup;
    snprintf(out, size, "%s", buf);
    ok = 1;
cleanup:
    free(buf);
    if (mt >= 0) H5Tclose(mt);
    if (ft >= 0) H5Tclose(ft);
    if (a >= 0) H5Aclose(a);
    return ok;
}

static int read_attr_num(hid_t loc, const char *name, hid_t type, void *out)
{
    hid_t a;
    int ok;
    if (H5Aexists(loc, name) <= 0) return 0;
    a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return 0;
    ok = H5Aread(a, type, out) >= 0;
    H5Aclose(a);
    return ok;
}

/* Folder part of path ("." if none) into dir. */
static void dir_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, size, ".");
    else if (slash == path) snprintf(dir, size, "/");
    else snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

enum fc_status fc_sweep_h5_write(const char *path, const struct fc_sweep_record *rec)
{
    char tmp[4200], dir[4096], full[4400];
    struct layout l = {0, NULL, 0};
    hid_t file = -1, sp = -1, ds = -1, ct = -1, st = -1, grp = -1;
    H5E_auto2_t old_func = NULL;
    void *old_data = NULL;
    unsigned char *buf = NULL;
    enum fc_status status = FC_STATUS_IO;
    long i, num_done = 0;
    int64_t best = rec->best_trial, ntr = rec->num_trials, ndone;
    double best_val = -1;
    uint32_t version = FC_SWEEP_FORMAT_VERSION;
    const char *best_file = "";

    H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    dir_of(path, dir, sizeof dir);
    if (!layout_init(&l)) {
        status = FC_STATUS_INTERNAL;
        goto cleanup;
    }
    file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0) goto cleanup;

    for (i = 0; i < rec->num_trials; i++)
        if (strcmp(rec->rows[i].status, "ok") == 0 || strcmp(rec->rows[i].status, "diverged") == 0) num_done++;
    ndone = num_done;
    if (best >= 0 && best < rec->num_trials) {
        best_val = rec->rows[best].best_val_acc;
        best_file = rec->rows[best].file;
    }
    if (!attr_str(file, "format", FC_SWEEP_FORMAT) || !attr_num(file, "format_version", H5T_NATIVE_UINT32, &version)
        || !attr_str(file, "name", rec->name) || !attr_str(file, "method", rec->method)
        || !attr_str(file, "metric", rec->metric) || !attr_num(file, "seed", H5T_NATIVE_UINT64, &rec->seed)
        || !attr_num(file, "num_trials", H5T_NATIVE_INT64, &ntr)
        || !attr_num(file, "num_done", H5T_NATIVE_INT64, &ndone)
        || !attr_num(file, "best_trial", H5T_NATIVE_INT64, &best)
        || !attr_num(file, "best_val_acc", H5T_NATIVE_DOUBLE, &best_val)
        || !attr_str(file, "best_file", best_file))
        goto cleanup;

    /* /spec: the YAML text */
    {
        const char *text = rec->spec_text ? rec->spec_text : "";
        st = str_type(strlen(text) + 1);
        sp = H5Screate(H5S_SCALAR);
        if (st < 0 || sp < 0) goto cleanup;
        ds = H5Dcreate2(file, "spec", st, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (ds < 0 || H5Dwrite(ds, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, text) < 0) goto cleanup;
        H5Dclose(ds);
        ds = -1;
        H5Sclose(sp);
        sp = -1;
    }

    /* /summary */
    {
        hsize_t dims[1];
        dims[0] = (hsize_t)rec->num_trials;
        buf = calloc((size_t)(rec->num_trials ? rec->num_trials : 1), l.row_size);
        ct = compound_type(&l);
        sp = H5Screate_simple(1, dims, NULL);
        if (!buf) {
            status = FC_STATUS_NOMEM;
            goto cleanup;
        }
        if (ct < 0 || sp < 0) goto cleanup;
        for (i = 0; i < rec->num_trials; i++) pack_row(&l, &rec->rows[i], buf + (size_t)i * l.row_size);
        ds = H5Dcreate2(file, "summary", ct, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (ds < 0 || H5Dwrite(ds, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) goto cleanup;
    }

    /* /trials: external links to the trial files that exist */
    grp = H5Gcreate2(file, "trials", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (grp < 0) goto cleanup;
    for (i = 0; i < rec->num_trials; i++) {
        const struct fc_sweep_row *r = &rec->rows[i];
        char link[32];
        if (!r->file[0]) continue;
        snprintf(full, sizeof full, "%s/%s", dir, r->file);
        if (access(full, R_OK) != 0) continue;
        snprintf(link, sizeof link, "trial_%04ld", r->id);
        if (H5Lcreate_external(r->file, "/", grp, link, H5P_DEFAULT, H5P_DEFAULT) < 0) goto cleanup;
    }
    H5Gclose(grp);
    grp = -1;
    H5Dclose(ds);
    ds = -1;
    if (H5Fclose(file) < 0) {
        file = -1;
        goto cleanup;
    }
    file = -1;
    if (rename(tmp, path) != 0) goto cleanup;
    status = FC_OK;
cleanup:
    if (grp >= 0) H5Gclose(grp);
    if (ds >= 0) H5Dclose(ds);
    if (sp >= 0) H5Sclose(sp);
    if (ct >= 0) H5Tclose(ct);
    if (st >= 0) H5Tclose(st);
    if (file >= 0) H5Fclose(file);
    free(buf);
    layout_free(&l);
    if (status != FC_OK) {
        remove(tmp);
        fc_log(FC_LOG_ERROR, "%s: cannot write the sweep file (%s); check the folder exists and is writable\n",
               path, fc_status_str(status));
    }
    H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
    return status;
}

enum fc_status fc_sweep_h5_read(const char *path, struct fc_sweep_record *rec)
{
    struct layout l = {0, NULL, 0};
    hid_t file = -1, ds = -1, ft = -1, mt = -1, sp = -1, ct = -1;
    H5E_auto2_t old_func = NULL;
    void *old_data = NULL;
    unsigned char *buf = NULL;
    enum fc_status status = FC_STATUS_IO;
    char format[64];
    uint32_t version = 0;
    int64_t best = -1;
    long i;

    memset(rec, 0, sizeof *rec);
    rec->best_trial = -1;
    H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (access(path, R_OK) != 0 || H5Fis_hdf5(path) <= 0) {
        fc_log(FC_LOG_ERROR, "%s: not a readable HDF5 file\n", path);
        goto cleanup;
    }
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) {
        fc_log(FC_LOG_ERROR, "%s: cannot open\n", path);
        goto cleanup;
    }
    status = FC_STATUS_FORMAT;
    if (!read_attr_str(file, "format", format, sizeof format) || strcmp(format, FC_SWEEP_FORMAT) != 0
        || !read_attr_num(file, "format_version", H5T_NATIVE_UINT32, &version)
        || version != FC_SWEEP_FORMAT_VERSION) {
        fc_log(FC_LOG_ERROR, "%s: not a sweep file of format %s version %d\n", path, FC_SWEEP_FORMAT,
               FC_SWEEP_FORMAT_VERSION);
        goto cleanup;
    }
    read_attr_str(file, "name", rec->name, sizeof rec->name);
    read_attr_str(file, "method", rec->method, sizeof rec->method);
    read_attr_str(file, "metric", rec->metric, sizeof rec->metric);
    read_attr_num(file, "seed", H5T_NATIVE_UINT64, &rec->seed);
    read_attr_num(file, "best_trial", H5T_NATIVE_INT64, &best);
    rec->best_trial = (long)best;

    ds = H5Dopen2(file, "spec", H5P_DEFAULT);
    if (ds < 0) goto bad;
    ft = H5Dget_type(ds);
    if (ft < 0 || H5Tget_class(ft) != H5T_STRING || H5Tis_variable_str(ft) > 0) goto bad;
    {
        size_t n = H5Tget_size(ft);
        mt = str_type(n + 1);
        rec->spec_text = calloc(n + 2, 1);
        if (!rec->spec_text) {
            status = FC_STATUS_NOMEM;
            goto cleanup;
        }
        if (mt < 0 || H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rec->spec_text) < 0) goto bad;
    }
    H5Tclose(mt);
    mt = -1;
    H5Tclose(ft);
    ft = -1;
    H5Dclose(ds);
    ds = -1;

    if (!layout_init(&l)) {
        status = FC_STATUS_INTERNAL;
        goto cleanup;
    }
    ds = H5Dopen2(file, "summary", H5P_DEFAULT);
    if (ds < 0) goto bad;
    sp = H5Dget_space(ds);
    {
        hsize_t dims[1] = {0};
        if (sp < 0 || H5Sget_simple_extent_ndims(sp) != 1) goto bad;
        H5Sget_simple_extent_dims(sp, dims, NULL);
        rec->num_trials = (long)dims[0];
    }
    ct = compound_type(&l);
    buf = calloc((size_t)(rec->num_trials ? rec->num_trials : 1), l.row_size);
    rec->rows = calloc((size_t)(rec->num_trials ? rec->num_trials : 1), sizeof *rec->rows);
    if (!buf || !rec->rows) {
        status = FC_STATUS_NOMEM;
        goto cleanup;
    }
    if (ct < 0 || H5Dread(ds, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) goto bad;
    for (i = 0; i < rec->num_trials; i++) unpack_row(&l, buf + (size_t)i * l.row_size, &rec->rows[i]);
    status = FC_OK;
    goto cleanup;
bad:
    fc_log(FC_LOG_ERROR, "%s: the sweep file is damaged or of another layout (spec/summary unreadable)\n", path);
cleanup:
    if (ct >= 0) H5Tclose(ct);
    if (sp >= 0) H5Sclose(sp);
    if (mt >= 0) H5Tclose(mt);
    if (ft >= 0) H5Tclose(ft);
    if (ds >= 0) H5Dclose(ds);
    if (file >= 0) H5Fclose(file);
    free(buf);
    layout_free(&l);
    if (status != FC_OK) fc_sweep_record_free(rec);
    H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
    return status;
}

void fc_sweep_record_free(struct fc_sweep_record *rec)
{
    if (!rec) return;
    free(rec->spec_text);
    free(rec->rows);
    memset(rec, 0, sizeof *rec);
    rec->best_trial = -1;
}
