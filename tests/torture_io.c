/* torture_io: the HDF5 model file (src/io/h5model.c).
 *
 * `torture_io FIXTURES`: cmocka tests. Save -> load round trips (fc with batchnorm, two-layer,
 * layernorm with an empty history) compare the config key by key, the parameters, running
 * statistics and mean image bit for bit, the histories, class names and outcome. Bad inputs:
 * a missing directory, a destination that cannot be replaced, a missing file, a text file, a
 * truncated model, and the foreign / other-version / other-dtype HDF5 files in FIXTURES
 * (made with h5py by tests/fixtures/make_h5_fixtures.py) each give the right status and one
 * message naming the file, with no temporary file left behind.
 *
 * Two helper modes for tests/check_h5model.py (h5py reads what we write, and we reject what
 * it damages):
 *   torture_io --write-sample FILE   save the sample model described in sample_model()
 *   torture_io --load FILE           load FILE; exit 0 if it loads, 1 if not (message on
 *                                    stderr) */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fcnet/config.h"
#include "fcnet/io.h"
#include "fcnet/model.h"
#include "fcnet/rng.h"
#include "fcnet/solver.h"
#include "fcnet/status.h"

/* ---- the sample model: every value a simple formula, so check_h5model.py can recompute
 * it with numpy. Keep the two in sync. ------------------------------------------------- */

#define SAMPLE_D 12

struct sample {
    struct fc_config config;
    struct fc_model model;
    struct fc_result result;
    fc_real mean[SAMPLE_D];
    char class_names[FC_CIFAR_C][32];
};

/* Parameter tensor t (fc_model_tensor order), flat element e:
 * ((t * 7919 + e * 104729) mod 2001 - 1000) * 5e-5, rounded to fc_real. */
static fc_real sample_param(int t, long e)
{
    return (fc_real)((double)((t * 7919L + e * 104729L) % 2001 - 1000) * 5e-5);
}

/* kind: 0 = fc [6, 5] batchnorm adam, 1 = two-layer sgd, 2 = fc [7] layernorm with an
 * empty history and a failed status. */
static void sample_model(struct sample *s, int kind)
{
    static const char *const fc_keys[][2] = {
        {"model", "fc"},          {"hidden_dims", "6,5"},     {"input_dim", "12"},
        {"num_classes", "4"},     {"weight_scale", "0.02"},   {"reg", "0.123"},
        {"dropout", "0.75"},      {"normalization", "batchnorm"}, {"update_rule", "adam"},
        {"learning_rate", "5.123456789e-4"}, {"lr_decay", "0.95"}, {"num_epochs", "2"},
        {"batch_size", "3"},      {"num_train", "20"},        {"num_val", "5"},
        {"num_test", "5"},        {"num_train_samples", "10"}, {"print_every", "1"},
        {"seed", "12345678901234567"}, {"beta2", "0.9990000000000001"}};
    static const char *const two_keys[][2] = {
        {"model", "two"}, {"hidden_dims", "9"}, {"input_dim", "12"}, {"num_classes", "3"},
        {"learning_rate", "1e-3"}, {"lr_decay", "0.8"}, {"update_rule", "sgd"},
        {"num_train", "30"}, {"num_val", "2"}, {"num_test", "0"}, {"seed", "7"},
        {"batch_size", "10"}};
    static const char *const ln_keys[][2] = {
        {"model", "fc"}, {"hidden_dims", "7"}, {"input_dim", "12"}, {"num_classes", "5"},
        {"normalization", "layernorm"}, {"update_rule", "rmsprop"}, {"decay_rate", "0.9"},
        {"num_train", "10"}, {"num_val", "1"}, {"batch_size", "10"}};
    const char *const(*keys)[2] = kind == 0 ? fc_keys : kind == 1 ? two_keys : ln_keys;
    size_t nkeys = kind == 0   ? sizeof fc_keys / sizeof fc_keys[0]
                   : kind == 1 ? sizeof two_keys / sizeof two_keys[0]
                               : sizeof ln_keys / sizeof ln_keys[0];

    memset(s, 0, sizeof *s);
    fc_config_defaults(&s->config, kind == 1 ? FC_MODEL_TWO : FC_MODEL_FC);
    for (size_t k = 0; k < nkeys; k++)
        assert_int_equal(fc_config_set(&s->config, keys[k][0], keys[k][1]), FC_OK);
    assert_int_equal(fc_config_validate(&s->config), FC_OK);

    struct fc_rng rng;
    fc_rng_seed(&rng, 99);
    assert_int_equal(fc_model_init(&s->model, &s->config, &rng), FC_OK);
    for (int t = 0; t < fc_model_num_tensors(&s->model); t++) {
        struct fc_tensor_view v;
        fc_model_tensor(&s->model, t, &v);
        for (long e = 0; e < (long)v.rows * v.cols; e++) v.data[e] = sample_param(t, e);
    }
    for (int i = 0; i < s->model.L - 1 && s->model.norm == FC_NORM_BATCHNORM; i++) {
        for (int e = 0; e < s->model.dims[i + 1]; e++) {
            s->model.running_mean[i][e] = (fc_real)((e % 17) * 0.125 - 1 + i);
            s->model.running_var[i][e] = (fc_real)(1 + (e % 13) * 0.0625 + i);
        }
    }
    for (int e = 0; e < SAMPLE_D; e++) s->mean[e] = (fc_real)((e % 256) * 0.5 + 0.25);
    for (int c = 0; c < FC_CIFAR_C; c++) snprintf(s->class_names[c], 32, "class-%d", c);
    snprintf(s->class_names[3], 32, "caf\xc3\xa9"); /* UTF-8 */

    struct fc_result *r = &s->result;
    r->test_acc = -1;
    if (kind == 2) {
        r->status = FC_STATUS_NOMEM; /* stored as "failed" */
        snprintf(r->message, sizeof r->message, "out of memory before training");
        return;
    }
    int iters = kind == 0 ? 7 : 5, epochs = kind == 0 ? 2 : 0;
    r->loss_history = malloc((size_t)iters * sizeof(double));
    r->train_acc_history = malloc((size_t)(epochs + 1) * sizeof(double));
    r->val_acc_history = malloc((size_t)(epochs + 1) * sizeof(double));
    assert_non_null(r->loss_history);
    assert_non_null(r->train_acc_history);
    assert_non_null(r->val_acc_history);
    for (int k = 0; k < iters; k++) r->loss_history[k] = 2.3 - 0.01 * k;
    for (int k = 0; k <= epochs; k++) {
        r->train_acc_history[k] = 0.1 + 0.2 * k;
        r->val_acc_history[k] = 0.1 + 0.15 * k;
    }
    r->num_iterations = iters;
    r->num_epochs_done = epochs;
    r->best_val_acc = r->val_acc_history[epochs];
    r->best_epoch = epochs;
    r->test_acc = kind == 0 ? 0.35 : -1;
    r->seconds = 1.5;
    r->status = kind == 0 ? FC_OK : FC_STATUS_DIVERGED;
    if (kind == 1) snprintf(r->message, sizeof r->message, "loss became nan at iteration 5");
}

static void sample_free(struct sample *s)
{
    fc_model_free(&s->model);
    fc_result_free(&s->result);
}

static enum fc_status sample_save(const char *path, const struct sample *s, long trial_id)
{
    return fc_h5_model_save(path, &s->config, &s->model, &s->result, s->mean, SAMPLE_D,
                            (const char(*)[32])s->class_names, trial_id);
}

/* ---- fixture ----------------------------------------------------------------------------- */

static const char *g_fixtures;

struct state {
    char dir[64];
    int nerrors;
    char last[1024];
    struct sample sample;
    struct fc_model_file file;
};

static void sink(enum fc_log_level level, const char *msg, void *user)
{
    struct state *s = user;
    if (level == FC_LOG_ERROR) {
        s->nerrors++;
        snprintf(s->last, sizeof s->last, "%s", msg);
    }
}

static int setup(void **st)
{
    struct state *s = calloc(1, sizeof *s);
    if (s == NULL) return -1;
    snprintf(s->dir, sizeof s->dir, "/tmp/torture_io.XXXXXX");
    if (mkdtemp(s->dir) == NULL) {
        free(s);
        return -1;
    }
    fc_log_set_sink(sink, s);
    *st = s;
    return 0;
}

/* Remove every file of the temporary folder (and one level of subfolders). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    if (d == NULL) return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0) remove_tree(path);
    }
    closedir(d);
    rmdir(dir);
}

static int teardown(void **st)
{
    struct state *s = *st;
    sample_free(&s->sample);
    fc_model_file_free(&s->file);
    remove_tree(s->dir);
    fc_log_set_sink(NULL, NULL);
    free(s);
    return 0;
}

static void path_of(char *out, size_t size, const struct state *s, const char *name)
{
    snprintf(out, size, "%s/%s", s->dir, name);
}

/* Number of entries of dir whose name contains ".tmp." */
static int count_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

/* ---- round trips ------------------------------------------------------------------------- */

/* Everything saved comes back: config key by key, arrays bit for bit. */
static void assert_same(const struct sample *a, const struct fc_model_file *f, long trial_id)
{
    for (int i = 0; i < fc_config_num_keys(); i++) {
        const char *key = fc_config_key(i)->name;
        char va[512], vb[512];
        fc_config_get(&a->config, key, va, sizeof va);
        fc_config_get(&f->config, key, vb, sizeof vb);
        if (strcmp(va, vb) != 0) fail_msg("config key %s: saved '%s', loaded '%s'", key, va, vb);
        double na = fc_config_get_number(&a->config, key);
        double nb = fc_config_get_number(&f->config, key);
        assert_memory_equal(&na, &nb, sizeof na);
    }
    assert_true(f->config.seed == a->config.seed);

    const struct fc_model *m = &a->model, *g = &f->model;
    assert_int_equal(g->L, m->L);
    assert_memory_equal(g->dims, m->dims, sizeof m->dims);
    assert_int_equal(g->norm, m->norm);
    assert_int_equal(g->nparams, m->nparams);
    assert_memory_equal(g->params, m->params, m->nparams * sizeof(fc_real));
    assert_int_equal(g->nrunning, m->nrunning);
    if (m->nrunning > 0) assert_memory_equal(g->running, m->running, m->nrunning * sizeof(fc_real));

    assert_int_equal(f->D, SAMPLE_D);
    assert_memory_equal(f->mean, a->mean, sizeof a->mean);
    for (int c = 0; c < FC_CIFAR_C; c++) assert_string_equal(f->class_names[c], a->class_names[c]);

    const struct fc_result *r = &a->result, *q = &f->result;
    int iters = r->loss_history != NULL ? r->num_iterations : 0;
    int epochs = r->val_acc_history != NULL ? r->num_epochs_done + 1 : 0;
    assert_int_equal(q->num_iterations, iters);
    assert_int_equal(q->num_epochs_done, epochs > 0 ? r->num_epochs_done : 0);
    assert_non_null(q->loss_history);
    assert_non_null(q->train_acc_history);
    assert_non_null(q->val_acc_history);
    if (iters > 0) assert_memory_equal(q->loss_history, r->loss_history, iters * sizeof(double));
    if (epochs > 0) {
        assert_memory_equal(q->train_acc_history, r->train_acc_history, epochs * sizeof(double));
        assert_memory_equal(q->val_acc_history, r->val_acc_history, epochs * sizeof(double));
    }
    assert_true(q->best_val_acc == r->best_val_acc);
    assert_int_equal(q->best_epoch, r->best_epoch);
    assert_true(q->test_acc == r->test_acc);
    assert_true(q->seconds == r->seconds);
    assert_string_equal(q->message, r->message);
    assert_string_equal(f->message, r->message);
    assert_int_equal(f->trial_id, trial_id);
}

static void test_roundtrip_fc_batchnorm(void **st)
{
    struct state *s = *st;
    char path[128];
    path_of(path, sizeof path, s, "fc.h5");
    sample_model(&s->sample, 0);
    assert_int_equal(sample_save(path, &s->sample, -1), FC_OK);
    assert_int_equal(count_temp_files(s->dir), 0);
    assert_int_equal(fc_h5_model_load(path, &s->file), FC_OK);
    assert_int_equal(s->nerrors, 0);
    assert_same(&s->sample, &s->file, -1);
    assert_string_equal(s->file.trial_status, "ok");
    assert_int_equal(s->file.result.status, FC_OK);
    /* spot values: the seed above 2^53 and a learning rate that %g would round */
    assert_true(s->file.config.seed == 12345678901234567ULL);
    assert_true(s->file.config.learning_rate == 5.123456789e-4);
    assert_true(s->file.config.beta2 == 0.9990000000000001);
    assert_int_equal(s->file.config.hidden_dims[1], 5);
    assert_true(s->file.model.running_var[1][2] == (fc_real)(1 + 2 * 0.0625 + 1));
}

static void test_roundtrip_two_layer(void **st)
{
    struct state *s = *st;
    char path[128];
    path_of(path, sizeof path, s, "two.h5");
    sample_model(&s->sample, 1);
    assert_int_equal(sample_save(path, &s->sample, 42), FC_OK);
    assert_int_equal(fc_h5_model_load(path, &s->file), FC_OK);
    assert_same(&s->sample, &s->file, 42);
    assert_string_equal(s->file.trial_status, "diverged");
    assert_int_equal(s->file.result.status, FC_STATUS_DIVERGED);
    assert_int_equal(s->file.model.L, 2);
    assert_int_equal(s->file.model.nrunning, 0);
}

static void test_roundtrip_empty_history(void **st)
{
    struct state *s = *st;
    char path[128];
    path_of(path, sizeof path, s, "ln.h5");
    sample_model(&s->sample, 2);
    assert_int_equal(sample_save(path, &s->sample, 7), FC_OK);
    assert_int_equal(fc_h5_model_load(path, &s->file), FC_OK);
    assert_same(&s->sample, &s->file, 7);
    assert_string_equal(s->file.trial_status, "failed");
    assert_int_equal(s->file.result.num_iterations, 0);
    assert_int_equal(s->file.model.norm, FC_NORM_LAYERNORM);
}

/* Saving over an existing file replaces it. */
static void test_overwrite(void **st)
{
    struct state *s = *st;
    char path[128];
    path_of(path, sizeof path, s, "model.h5");
    sample_model(&s->sample, 1);
    assert_int_equal(sample_save(path, &s->sample, 1), FC_OK);
    sample_free(&s->sample);
    sample_model(&s->sample, 0);
    assert_int_equal(sample_save(path, &s->sample, 2), FC_OK);
    assert_int_equal(fc_h5_model_load(path, &s->file), FC_OK);
    assert_same(&s->sample, &s->file, 2);
    assert_int_equal(count_temp_files(s->dir), 0);
}

static void test_free_zeroed(void **st)
{
    (void)st;
    struct fc_model_file f;
    memset(&f, 0, sizeof f);
    fc_model_file_free(&f);
    fc_model_file_free(&f);
    fc_model_file_free(NULL);
    assert_null(f.mean);
}

/* ---- bad inputs ------------------------------------------------------------------------ */

static void expect_load_failure(struct state *s, const char *path, enum fc_status want,
                                const char *also)
{
    s->nerrors = 0;
    s->last[0] = '\0';
    enum fc_status st = fc_h5_model_load(path, &s->file);
    if (st != want)
        fail_msg("loading %s: status '%s', expected '%s' (%s)", path, fc_status_str(st),
                 fc_status_str(want), s->last);
    assert_int_equal(s->nerrors, 1);
    if (strstr(s->last, path) == NULL) fail_msg("message does not name %s: %s", path, s->last);
    if (also != NULL && strstr(s->last, also) == NULL)
        fail_msg("message lacks '%s': %s", also, s->last);
    assert_null(s->file.mean);
    assert_null(s->file.model.params);
    assert_null(s->file.result.loss_history);
}

static void test_save_missing_dir(void **st)
{
    struct state *s = *st;
    char path[128];
    path_of(path, sizeof path, s, "no/such/dir/model.h5");
    sample_model(&s->sample, 1);
    s->nerrors = 0;
    assert_int_equal(sample_save(path, &s->sample, -1), FC_STATUS_IO);
    assert_int_equal(s->nerrors, 1);
    assert_non_null(strstr(s->last, "no/such/dir"));
    assert_non_null(strstr(s->last, "does not exist"));
    assert_int_equal(count_temp_files(s->dir), 0);
}

/* The destination is a non-empty directory: rename fails, the temporary file is removed. */
static void test_save_cannot_replace(void **st)
{
    struct state *s = *st;
    char path[128], inner[160];
    path_of(path, sizeof path, s, "adir.h5");
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(inner, sizeof inner, "%s/keep", path);
    FILE *fp = fopen(inner, "w");
    assert_non_null(fp);
    fclose(fp);
    sample_model(&s->sample, 1);
    s->nerrors = 0;
    assert_int_equal(sample_save(path, &s->sample, -1), FC_STATUS_IO);
    assert_int_equal(s->nerrors, 1);
    assert_non_null(strstr(s->last, path));
    assert_int_equal(count_temp_files(s->dir), 0);
}

static void test_load_missing(void **st)
{
    struct state *s = *st;
    char path[128];
    path_of(path, sizeof path, s, "absent.h5");
    expect_load_failure(s, path, FC_STATUS_IO, "No such file");
}

static void test_load_not_hdf5(void **st)
{
    struct state *s = *st;
    char path[128];
    path_of(path, sizeof path, s, "text.h5");
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("this is not an HDF5 file\n", fp);
    fclose(fp);
    expect_load_failure(s, path, FC_STATUS_FORMAT, "not an HDF5 file");
}

static void test_load_empty_file(void **st)
{
    struct state *s = *st;
    char path[128];
    path_of(path, sizeof path, s, "empty.h5");
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    expect_load_failure(s, path, FC_STATUS_FORMAT, "not an HDF5 file");
}

/* A saved model cut in half (the HDF5 signature survives): an error, no crash. */
static void test_load_truncated(void **st)
{
    struct state *s = *st;
    char path[128];
    struct stat sb;
    path_of(path, sizeof path, s, "cut.h5");
    sample_model(&s->sample, 0);
    assert_int_equal(sample_save(path, &s->sample, -1), FC_OK);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(truncate(path, sb.st_size / 2), 0);
    s->nerrors = 0;
    enum fc_status st2 = fc_h5_model_load(path, &s->file);
    assert_true(st2 == FC_STATUS_IO || st2 == FC_STATUS_FORMAT);
    assert_true(s->nerrors >= 1);
    assert_non_null(strstr(s->last, path));
    assert_null(s->file.mean);
    assert_null(s->file.model.params);
}

static void fixture_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/h5/%s", g_fixtures, name);
}

static void test_load_foreign(void **st)
{
    struct state *s = *st;
    char path[512];
    fixture_path(path, sizeof path, "foreign.h5");
    expect_load_failure(s, path, FC_STATUS_FORMAT, "not an fcsweep model");
}

static void test_load_other_version(void **st)
{
    struct state *s = *st;
    char path[512];
    fixture_path(path, sizeof path, "version2.h5");
    expect_load_failure(s, path, FC_STATUS_FORMAT, "format_version 2");
}

static void test_load_other_dtype(void **st)
{
    struct state *s = *st;
    char path[512];
    fixture_path(path, sizeof path, "dtype_float16.h5");
    expect_load_failure(s, path, FC_STATUS_FORMAT, "float16");
}

/* ---- helper modes for check_h5model.py ----------------------------------------------- */

static void write_sample_mode(void **st)
{
    (void)st;
    struct sample s;
    sample_model(&s, 0);
    assert_int_equal(sample_save(g_fixtures, &s, -1), FC_OK);
    sample_free(&s);
}

static int load_mode(const char *path)
{
    struct fc_model_file f;
    enum fc_status st = fc_h5_model_load(path, &f);
    printf("%s\n", fc_status_str(st));
    fc_model_file_free(&f);
    return st == FC_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-sample") == 0) {
        /* runs under cmocka for its asserts; the path travels in g_fixtures */
        g_fixtures = argv[2];
        const struct CMUnitTest one[] = {cmocka_unit_test(write_sample_mode)};
        return cmocka_run_group_tests_name("write_sample", one, NULL, NULL);
    }
    if (argc == 3 && strcmp(argv[1], "--load") == 0) return load_mode(argv[2]);
    if (argc != 2) {
        fprintf(stderr, "usage: %s FIXTURES_DIR | --write-sample FILE | --load FILE\n", argv[0]);
        return 2;
    }
    g_fixtures = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip_fc_batchnorm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_two_layer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_empty_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overwrite, setup, teardown),
        cmocka_unit_test(test_free_zeroed),
        cmocka_unit_test_setup_teardown(test_save_missing_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_cannot_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_not_hdf5, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_foreign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_other_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_other_dtype, setup, teardown),
    };
    return cmocka_run_group_tests_name("torture_io", tests, NULL, NULL);
}
