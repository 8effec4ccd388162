/* fcsweep predict: the predicted class of every row of a .npy file, from the best trial of
 * a sweep folder, a chosen trial, or one model file of `fcsweep train --save`.
 *
 * uint8 inputs are raw pixels and get the model's own mean image subtracted (fc_gather);
 * float inputs are taken as already preprocessed. Rows are converted and evaluated in
 * batches, so memory stays at one uint8/float copy of the input plus one batch of fc_real.
 * The output is an int64 .npy of shape (N,); --zip also packs it the way the assignment's
 * zip_fun does, using the zip program. No accuracy is computed: the labels are elsewhere. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/report_sweep.h"
#include "cli/report_util.h"
#include "fcnet/clock.h"
#include "fcnet/data.h"
#include "fcnet/io.h"
#include "fcnet/model.h"
#include "fcnet/npy_input.h"
#include "fcnet/status.h"

#define DEFAULT_OUT "output/phase_1/prediction.npy"
#define DEFAULT_BATCH 500

struct predict_args {
    const char *model;   /* sweep folder or model file */
    const char *input;
    const char *out;
    const char *zip_out; /* NULL: derived from out */
    long trial;          /* -1: best */
    int zip;
    int batch;
};

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: fcsweep predict MODEL --input X.npy [--trial ID] [--out FILE.npy]\n"
            "                       [--zip] [--zip-out FILE.zip] [--batch N]\n"
            "\n"
            "MODEL is a sweep folder (results/NAME: its best trial, or --trial ID) or a model\n"
            "file written by `fcsweep train --save` or a sweep.\n"
            "  --input X.npy    uint8 (N, 3, 32, 32) or (N, 3072): raw pixels (the model's mean\n"
            "                   image is subtracted); float32/float64 of the same shapes: already\n"
            "                   preprocessed\n"
            "  --out FILE.npy   int64 (N,) predicted classes (default " DEFAULT_OUT ")\n"
            "  --zip            also write prediction_<folder>.zip next to the output's folder\n"
            "                   (default output/prediction_phase_1.zip), holding the .npy\n"
            "  --zip-out F.zip  write the zip there (implies --zip)\n"
            "  --batch N        rows per evaluation batch (default %d)\n",
            DEFAULT_BATCH);
}

static int parse_long(const char *s, long *v)
{
    char *end = NULL;
    long x = strtol(s, &end, 10);
    if (!*s || *end) return 0;
    *v = x;
    return 1;
}

/* 0 on success, else the exit status (2 for usage errors, 0 for --help). */
static int parse_args(int argc, char **argv, struct predict_args *a, int *help)
{
    a->trial = -1;
    a->out = DEFAULT_OUT;
    a->batch = DEFAULT_BATCH;
    *help = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = strcmp(o, "--input") == 0 || strcmp(o, "--out") == 0 ||
                    strcmp(o, "--trial") == 0 || strcmp(o, "--zip-out") == 0 ||
                    strcmp(o, "--batch") == 0;
        if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
            *help = 1;
            return 0;
        }
        if (takes && !val) {
            fc_log(FC_LOG_ERROR, "predict: %s needs a value\n", o);
            return 2;
        }
        if (strcmp(o, "--input") == 0) {
            a->input = val;
        } else if (strcmp(o, "--out") == 0) {
            a->out = val;
        } else if (strcmp(o, "--zip-out") == 0) {
            a->zip_out = val;
            a->zip = 1;
        } else if (strcmp(o, "--trial") == 0) {
            if (!parse_long(val, &a->trial) || a->trial < 0) {
                fc_log(FC_LOG_ERROR, "predict: --trial takes a trial id (>= 0), not '%s'\n", val);
                return 2;
            }
        } else if (strcmp(o, "--batch") == 0) {
            long b = 0;
            if (!parse_long(val, &b) || b < 1 || b > 100000) {
                fc_log(FC_LOG_ERROR, "predict: --batch takes 1..100000 rows, not '%s'\n", val);
                return 2;
            }
            a->batch = (int)b;
        } else if (strcmp(o, "--zip") == 0) {
            a->zip = 1;
            continue;
        } else if (o[0] == '-') {
            fc_log(FC_LOG_ERROR, "predict: unknown option '%s' (see fcsweep predict --help)\n", o);
            return 2;
        } else if (!a->model) {
            a->model = o;
            continue;
        } else {
            fc_log(FC_LOG_ERROR, "predict: unexpected argument '%s'\n", o);
            return 2;
        }
        i++; /* the option's value */
    }
    if (!a->model || !a->input) {
        fc_log(FC_LOG_ERROR, "predict: %s is required (see fcsweep predict --help)\n",
               !a->model ? "a sweep folder or model file" : "--input X.npy");
        return 2;
    }
    return 0;
}

/* The zip next to the output's folder: out = output/phase_1/prediction.npy gives
 * output/prediction_phase_1.zip (the assignment's layout). */
static void default_zip_path(const char *out, char *zip, size_t size)
{
    char dir[1024], parent[1024], leaf[200];
    fc_report_dirname(out, dir, sizeof dir);
    fc_report_basename(dir, leaf, sizeof leaf);
    if (strcmp(dir, ".") == 0 || strcmp(leaf, "..") == 0 || leaf[0] == '\0') {
        snprintf(zip, size, "prediction.zip");
        return;
    }
    fc_report_dirname(dir, parent, sizeof parent);
    snprintf(zip, size, "%s/prediction_%s.zip", parent, leaf);
}

static enum fc_status write_zip(const char *npy, const char *zip)
{
    char dir[1024];
    fc_report_dirname(zip, dir, sizeof dir);
    enum fc_status st = fc_mkdir_p(dir);
    if (st != FC_OK) return st;
    /* zip adds to an existing archive: start from none */
    if (remove(zip) != 0 && fc_is_dir(zip)) {
        fc_log(FC_LOG_ERROR, "%s: is a folder, cannot write the zip there\n", zip);
        return FC_STATUS_IO;
    }
    char *argv[] = {"zip", "-j", "-q", (char *)zip, (char *)npy, NULL};
    return fc_report_spawn(argv, 1, "install it with: sudo apt-get install zip");
}

/* Resolve MODEL (+ --trial) to a model file path; prints nothing on success. */
static enum fc_status resolve_model(const struct predict_args *a, char *path, size_t size)
{
    enum fc_status st = FC_OK;
    struct fc_report_sweep sw;
    memset(&sw, 0, sizeof sw);

    if (!fc_is_dir(a->model)) {
        if (a->trial >= 0) {
            fc_log(FC_LOG_ERROR,
                   "predict: --trial needs a sweep folder, but %s is a single model file\n",
                   a->model);
            return FC_STATUS_BAD_CONFIG;
        }
        snprintf(path, size, "%s", a->model);
        return FC_OK;
    }
    st = fc_report_sweep_load(a->model, &sw);
    if (st != FC_OK) goto cleanup;
    const struct fc_report_trial *t = NULL;
    if (a->trial >= 0) {
        t = fc_report_sweep_find(&sw, a->trial);
    } else if (sw.best_id >= 0) {
        t = fc_report_sweep_find(&sw, sw.best_id);
    } else {
        fc_log(FC_LOG_ERROR, "%s: no trial of this sweep finished ok; nothing to predict with\n",
               a->model);
    }
    if (!t) {
        st = FC_STATUS_BAD_CONFIG;
        goto cleanup;
    }
    if (!t->path[0]) {
        fc_log(FC_LOG_ERROR, "%s: trial %ld left no model file (status %s)\n", a->model, t->id,
               t->status);
        st = FC_STATUS_IO;
        goto cleanup;
    }
    snprintf(path, size, "%s", t->path);

cleanup:
    fc_report_sweep_free(&sw);
    return st;
}

int fc_cmd_predict(int argc, char **argv)
{
    int rc = 1, help = 0;
    enum fc_status st = FC_OK;
    struct predict_args a;
    struct fc_model_file *mf = NULL;
    struct fc_npy x;
    struct fc_workspace ws;
    int ws_ready = 0;
    fc_real *xbuf = NULL;
    int *pred = NULL;
    int64_t *out = NULL;
    char model_path[1280], dir[1280], zip[1280];

    memset(&a, 0, sizeof a);
    memset(&x, 0, sizeof x);
    memset(&ws, 0, sizeof ws);
    rc = parse_args(argc, argv, &a, &help);
    if (help) {
        usage(stdout);
        return 0;
    }
    if (rc != 0) return rc;
    rc = 1;

    double t0 = fc_clock_seconds();
    st = resolve_model(&a, model_path, sizeof model_path);
    if (st != FC_OK) goto cleanup;
    mf = calloc(1, sizeof *mf);
    if (!mf) {
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }
    st = fc_h5_model_load(model_path, mf);
    if (st != FC_OK) goto cleanup;
    if (mf->trial_status[0] && strcmp(mf->trial_status, "ok") != 0)
        fc_log(FC_LOG_WARN, "%s: this trial's status is '%s'; its predictions may be poor\n",
               model_path, mf->trial_status);
    int D = mf->model.dims[0], C = mf->model.dims[mf->model.L];
    if (mf->D != D || !mf->mean) {
        fc_log(FC_LOG_ERROR, "%s: the mean image (%d values) does not match the model input (%d)\n",
               model_path, mf->D, D);
        st = FC_STATUS_FORMAT;
        goto cleanup;
    }

    st = fc_npy_read(a.input, &x);
    if (st != FC_OK) goto cleanup;
    int N = 0, raw = 0;
    st = fc_npy_check_input(&x, a.input, D, &N, &raw);
    if (st != FC_OK) goto cleanup;
    double t_load = fc_clock_seconds();

    int B = N < a.batch ? (N > 0 ? N : 1) : a.batch;
    st = fc_workspace_init(&ws, &mf->model, B);
    if (st != FC_OK) goto cleanup;
    ws_ready = 1;
    xbuf = malloc((size_t)B * (size_t)D * sizeof *xbuf);
    pred = malloc((size_t)B * sizeof *pred);
    out = malloc((size_t)(N > 0 ? N : 1) * sizeof *out);
    if (!xbuf || !pred || !out) {
        fc_log(FC_LOG_ERROR, "predict: out of memory for %d rows\n", N);
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }

    long hist[64] = {0};
    for (int i0 = 0; i0 < N; i0 += B) {
        int n = N - i0 < B ? N - i0 : B;
        size_t off = (size_t)i0 * (size_t)D;
        if (raw) {
            fc_gather(xbuf, (const uint8_t *)x.data + off, NULL, n, D, mf->mean);
        } else if (x.dtype == FC_NPY_F32) {
            const float *src = (const float *)x.data + off;
            for (size_t k = 0; k < (size_t)n * (size_t)D; k++) xbuf[k] = (fc_real)src[k];
        } else {
            const double *src = (const double *)x.data + off;
            for (size_t k = 0; k < (size_t)n * (size_t)D; k++) xbuf[k] = (fc_real)src[k];
        }
        fc_model_predict(&mf->model, &ws, xbuf, n, pred);
        for (int k = 0; k < n; k++) {
            out[i0 + k] = pred[k];
            if (pred[k] >= 0 && pred[k] < 64) hist[pred[k]]++;
        }
    }
    double t_pred = fc_clock_seconds();

    fc_report_dirname(a.out, dir, sizeof dir);
    st = fc_mkdir_p(dir);
    if (st != FC_OK) goto cleanup;
    st = fc_npy_write_i64(a.out, out, N);
    if (st != FC_OK) goto cleanup;
    if (a.zip) {
        if (a.zip_out)
            snprintf(zip, sizeof zip, "%s", a.zip_out);
        else
            default_zip_path(a.out, zip, sizeof zip);
        st = write_zip(a.out, zip);
        if (st != FC_OK) goto cleanup;
    }

    /* summary */
    printf("model      %s\n", model_path);
    if (mf->trial_id >= 0)
        printf("trial      %ld (best val acc %.4f", mf->trial_id, mf->result.best_val_acc);
    else
        printf("trial      - (fcsweep train; best val acc %.4f", mf->result.best_val_acc);
    if (mf->result.test_acc >= 0) printf(", test acc %.4f", mf->result.test_acc);
    printf(")\n");
    printf("input      %s: %s %s, N = %d\n", a.input, fc_npy_dtype_name(x.dtype),
           raw ? "raw pixels, model mean image subtracted" : "taken as preprocessed", N);
    printf("output     %s (int64, shape (%d,))\n", a.out, N);
    if (a.zip) printf("zip        %s\n", zip);
    printf("time       %.3f s load, %.3f s predict (%.0f images/s)\n", t_load - t0,
           t_pred - t_load, N > 0 && t_pred > t_load ? N / (t_pred - t_load) : 0.0);
    printf("predicted classes:\n");
    for (int c = 0; c < C && c < 64; c++) {
        const char *name = c < FC_CIFAR_C && mf->class_names[c][0] ? mf->class_names[c] : "";
        printf("  %2d %-12s %6ld  %5.1f%%\n", c, name, hist[c], N ? 100.0 * hist[c] / N : 0.0);
    }
    rc = 0;

cleanup:
    if (st != FC_OK)
        fc_log(FC_LOG_ERROR, "predict failed (%s)\n", fc_status_str(st));
    free(out);
    free(pred);
    free(xbuf);
    if (ws_ready) fc_workspace_free(&ws);
    fc_npy_free(&x);
    if (mf) fc_model_file_free(mf);
    free(mf);
    return rc;
}
