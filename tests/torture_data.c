/* torture_data: the CIFAR-10 loader and fc_gather (src/data/cifar.c).
 *
 * Without arguments: small fake CIFAR-10 folders written into a temporary folder (a few
 * records per file, labels and pixels given by formulas of the record number), checked
 * exactly: split boundaries across files, labels, pixels, the mean image, class names; and
 * the bad inputs (missing, truncated, wrong-sized, empty files, a bad label byte, too few
 * records, a bad split) each give the right status and exactly one message naming the file.
 *
 * With `--real DIR`: the standard split of the real data in DIR (label `slow`); exits 77
 * (skipped) when DIR does not hold the data. */
#define _POSIX_C_SOURCE 200809L

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

#include "fcnet/data.h"
#include "fcnet/status.h"

#define NFILES 6 /* data_batch_1..5, test_batch */

static const char *const FILE_NAMES[NFILES] = {
    "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
    "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};

/* Records per file of the default fake set: 15 training records, 4 test records. */
static const int DEFAULT_COUNTS[NFILES] = {3, 2, 4, 1, 5, 4};

struct state {
    char dir[64];
    int nerrors, nwarnings;
    char last[1024];
    struct fc_dataset ds;
};

static void sink(enum fc_log_level level, const char *msg, void *user)
{
    struct state *s = user;
    if (level == FC_LOG_ERROR) {
        s->nerrors++;
        snprintf(s->last, sizeof s->last, "%s", msg);
    } else if (level == FC_LOG_WARN) {
        s->nwarnings++;
    }
}

/* Fake content: training record g (counted over batch 1..5), test record k. */
static uint8_t train_label(long g) { return (uint8_t)((g * 7 + 3) % 10); }
static uint8_t train_pixel(long g, int j) { return (uint8_t)((g * 31 + j * 7) % 256); }
static uint8_t test_label(long k) { return (uint8_t)((k * 3 + 1) % 10); }
static uint8_t test_pixel(long k, int j) { return (uint8_t)((k * 13 + j * 5 + 100) % 256); }

static void path_of(char *out, size_t size, const struct state *s, const char *name)
{
    snprintf(out, size, "%s/%s", s->dir, name);
}

/* Write the six files with counts[f] records each. */
static void write_fake(const struct state *s, const int *counts)
{
    uint8_t rec[FC_CIFAR_RECORD];
    long g = 0;
    for (int f = 0; f < NFILES; f++) {
        char path[128];
        path_of(path, sizeof path, s, FILE_NAMES[f]);
        FILE *fp = fopen(path, "wb");
        assert_non_null(fp);
        for (int k = 0; k < counts[f]; k++) {
            int is_test = f == NFILES - 1;
            rec[0] = is_test ? test_label(k) : train_label(g);
            for (int j = 0; j < FC_CIFAR_D; j++)
                rec[1 + j] = is_test ? test_pixel(k, j) : train_pixel(g, j);
            assert_int_equal(fwrite(rec, 1, sizeof rec, fp), sizeof rec);
            if (!is_test) g++;
        }
        assert_int_equal(fclose(fp), 0);
    }
}

static void write_text(const struct state *s, const char *name, const char *text)
{
    char path[128];
    path_of(path, sizeof path, s, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static void truncate_to(const struct state *s, const char *name, long size)
{
    char path[128];
    path_of(path, sizeof path, s, name);
    assert_int_equal(truncate(path, size), 0);
}

static int setup(void **st)
{
    struct state *s = calloc(1, sizeof *s);
    if (s == NULL) return -1;
    snprintf(s->dir, sizeof s->dir, "/tmp/torture_data.XXXXXX");
    if (mkdtemp(s->dir) == NULL) {
        free(s);
        return -1;
    }
    fc_log_set_sink(sink, s);
    write_fake(s, DEFAULT_COUNTS);
    *st = s;
    return 0;
}

static int teardown(void **st)
{
    struct state *s = *st;
    char path[128];
    fc_dataset_free(&s->ds);
    for (int f = 0; f < NFILES; f++) {
        path_of(path, sizeof path, s, FILE_NAMES[f]);
        unlink(path);
    }
    path_of(path, sizeof path, s, "batches.meta.txt");
    unlink(path);
    rmdir(s->dir);
    fc_log_set_sink(NULL, NULL);
    free(s);
    return 0;
}

/* The dataset must be all zero after a failed load. */
static void assert_zeroed(const struct fc_dataset *ds)
{
    assert_null(ds->train.x);
    assert_null(ds->val.x);
    assert_null(ds->test.x);
    assert_null(ds->mean);
    assert_int_equal(ds->train.n + ds->val.n + ds->test.n, 0);
}

/* Load expecting failure `want`, exactly one error message that names `file` and
 * contains `also` (may be NULL). */
static void expect_failure(struct state *s, int num_train, int num_val, int num_test,
                           enum fc_status want, const char *file, const char *also)
{
    s->nerrors = 0;
    s->last[0] = '\0';
    enum fc_status st = fc_cifar_load(&s->ds, s->dir, num_train, num_val, num_test);
    assert_int_equal(st, want);
    assert_int_equal(s->nerrors, 1);
    if (file != NULL) {
        char path[128];
        path_of(path, sizeof path, s, file);
        if (strstr(s->last, path) == NULL) fail_msg("message does not name %s: %s", path, s->last);
    }
    if (also != NULL && strstr(s->last, also) == NULL)
        fail_msg("message lacks '%s': %s", also, s->last);
    assert_zeroed(&s->ds);
}

/* ---- valid folders ------------------------------------------------------------------- */

/* train = records 0..6 (ends inside data_batch_3), val = 7..12 (spans batches 3, 4 and 5),
 * test = the first 3 test records; every byte and the mean checked exactly. */
static void test_load_small(void **st)
{
    struct state *s = *st;
    struct fc_dataset *ds = &s->ds;
    const int num_train = 7, num_val = 6, num_test = 3;
    assert_int_equal(fc_cifar_load(ds, s->dir, num_train, num_val, num_test), FC_OK);
    assert_int_equal(s->nerrors, 0);
    assert_int_equal(ds->D, FC_CIFAR_D);
    assert_int_equal(ds->C, FC_CIFAR_C);
    assert_int_equal(ds->train.n, num_train);
    assert_int_equal(ds->val.n, num_val);
    assert_int_equal(ds->test.n, num_test);
    for (int i = 0; i < num_train; i++) {
        assert_int_equal(ds->train.y[i], train_label(i));
        for (int j = 0; j < FC_CIFAR_D; j++)
            assert_int_equal(ds->train.x[(size_t)i * FC_CIFAR_D + j], train_pixel(i, j));
    }
    for (int i = 0; i < num_val; i++) {
        assert_int_equal(ds->val.y[i], train_label(num_train + i));
        for (int j = 0; j < FC_CIFAR_D; j++)
            assert_int_equal(ds->val.x[(size_t)i * FC_CIFAR_D + j], train_pixel(num_train + i, j));
    }
    for (int k = 0; k < num_test; k++) {
        assert_int_equal(ds->test.y[k], test_label(k));
        for (int j = 0; j < FC_CIFAR_D; j++)
            assert_int_equal(ds->test.x[(size_t)k * FC_CIFAR_D + j], test_pixel(k, j));
    }
    /* mean over the train split only: integer column sum / 7, rounded once to fc_real */
    for (int j = 0; j < FC_CIFAR_D; j++) {
        long sum = 0;
        for (int i = 0; i < num_train; i++) sum += train_pixel(i, j);
        assert_true(ds->mean[j] == (fc_real)((double)sum / num_train));
    }
    /* pixel 0: records 0..6 give 0, 31, 62, 93, 124, 155, 186 -> 651 / 7 = 93 */
    assert_true(ds->mean[0] == (fc_real)93.0);
    /* no batches.meta.txt: the standard names */
    assert_string_equal(ds->class_names[0], "airplane");
    assert_string_equal(ds->class_names[9], "truck");
}

/* Every training record used, no val and no test split. */
static void test_load_all_records(void **st)
{
    struct state *s = *st;
    assert_int_equal(fc_cifar_load(&s->ds, s->dir, 15, 0, 0), FC_OK);
    assert_int_equal(s->ds.train.n, 15);
    assert_int_equal(s->ds.val.n, 0);
    assert_int_equal(s->ds.test.n, 0);
    assert_int_equal(s->ds.train.y[14], train_label(14));
    assert_int_equal(s->ds.train.x[14L * FC_CIFAR_D + 3071], train_pixel(14, 3071));
    fc_dataset_free(&s->ds);
    /* and every test record */
    assert_int_equal(fc_cifar_load(&s->ds, s->dir, 1, 14, 4), FC_OK);
    assert_int_equal(s->ds.test.y[3], test_label(3));
    assert_int_equal(s->ds.val.y[13], train_label(14));
    /* one training image: the mean is that image */
    for (int j = 0; j < FC_CIFAR_D; j++) assert_true(s->ds.mean[j] == (fc_real)train_pixel(0, j));
}

/* The official layout (same count in every file) loads the same way. */
static void test_load_equal_counts(void **st)
{
    struct state *s = *st;
    const int counts[NFILES] = {4, 4, 4, 4, 4, 4};
    write_fake(s, counts);
    assert_int_equal(fc_cifar_load(&s->ds, s->dir, 17, 3, 4), FC_OK);
    assert_int_equal(s->ds.val.y[2], train_label(19));
    assert_int_equal(s->ds.val.x[2L * FC_CIFAR_D + 100], train_pixel(19, 100));
}

static void test_class_names_file(void **st)
{
    struct state *s = *st;
    write_text(s, "batches.meta.txt",
               "zero\r\none\r\ntwo\r\nthree\r\nfour\r\nfive\r\nsix\r\nseven\r\neight\r\n"
               "a-name-longer-than-thirty-one-characters\r\n\r\n\n");
    assert_int_equal(fc_cifar_load(&s->ds, s->dir, 2, 1, 1), FC_OK);
    assert_string_equal(s->ds.class_names[0], "zero");
    assert_string_equal(s->ds.class_names[8], "eight");
    assert_string_equal(s->ds.class_names[9], "a-name-longer-than-thirty-one-c");
    assert_int_equal(s->nwarnings, 0);
    fc_dataset_free(&s->ds);

    /* three names: a warning and the standard names */
    write_text(s, "batches.meta.txt", "a\nb\nc\n");
    assert_int_equal(fc_cifar_load(&s->ds, s->dir, 2, 1, 1), FC_OK);
    assert_int_equal(s->nwarnings, 1);
    assert_string_equal(s->ds.class_names[3], "cat");
}

/* ---- bad inputs ---------------------------------------------------------------------- */

static void test_missing_train_file(void **st)
{
    struct state *s = *st;
    char path[128];
    path_of(path, sizeof path, s, "data_batch_5.bin");
    assert_int_equal(unlink(path), 0);
    expect_failure(s, 7, 6, 3, FC_STATUS_IO, "data_batch_5.bin", "setup-data");
}

static void test_missing_test_file(void **st)
{
    struct state *s = *st;
    char path[128];
    path_of(path, sizeof path, s, "test_batch.bin");
    assert_int_equal(unlink(path), 0);
    expect_failure(s, 7, 6, 3, FC_STATUS_IO, "test_batch.bin", NULL);
}

static void test_missing_dir(void **st)
{
    struct state *s = *st;
    s->nerrors = 0;
    assert_int_equal(fc_cifar_load(&s->ds, "/nonexistent/cifar", 1, 1, 1), FC_STATUS_IO);
    assert_int_equal(s->nerrors, 1);
    assert_non_null(strstr(s->last, "/nonexistent/cifar/data_batch_1.bin"));
}

/* data_batch_3 cut in the middle of its third record: names the file and the sizes. */
static void test_truncated_file(void **st)
{
    struct state *s = *st;
    truncate_to(s, "data_batch_3.bin", 2L * FC_CIFAR_RECORD + 1000);
    expect_failure(s, 7, 6, 3, FC_STATUS_BAD_DATA, "data_batch_3.bin", "3073");
    assert_non_null(strstr(s->last, "7146 bytes"));
}

static void test_wrong_size_test_file(void **st)
{
    struct state *s = *st;
    truncate_to(s, "test_batch.bin", 4L * FC_CIFAR_RECORD + 1);
    expect_failure(s, 7, 6, 3, FC_STATUS_BAD_DATA, "test_batch.bin", "3073");
}

static void test_empty_file(void **st)
{
    struct state *s = *st;
    truncate_to(s, "data_batch_2.bin", 0);
    expect_failure(s, 7, 6, 3, FC_STATUS_BAD_DATA, "data_batch_2.bin", "0 bytes");
}

/* A label byte of 10 in record 1 of data_batch_2 (global record 4, inside the train split). */
static void test_bad_label(void **st)
{
    struct state *s = *st;
    char path[128];
    path_of(path, sizeof path, s, "data_batch_2.bin");
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, FC_CIFAR_RECORD, SEEK_SET), 0);
    assert_int_equal(fputc(10, fp), 10);
    assert_int_equal(fclose(fp), 0);
    expect_failure(s, 7, 6, 3, FC_STATUS_BAD_DATA, "data_batch_2.bin", "label 10");
}

static void test_too_few_train_records(void **st)
{
    struct state *s = *st;
    /* 15 training records: 15 + 1 is one too many */
    expect_failure(s, 15, 1, 0, FC_STATUS_BAD_DATA, "data_batch_1.bin", "15 records");
}

static void test_too_few_test_records(void **st)
{
    struct state *s = *st;
    expect_failure(s, 7, 6, 5, FC_STATUS_BAD_DATA, "test_batch.bin", "4 records");
}

static void test_bad_split(void **st)
{
    struct state *s = *st;
    expect_failure(s, 0, 6, 3, FC_STATUS_BAD_CONFIG, NULL, "num_train");
    expect_failure(s, 7, -1, 3, FC_STATUS_BAD_CONFIG, NULL, "num_val");
}

static void test_free_zeroed(void **st)
{
    (void)st;
    struct fc_dataset ds;
    memset(&ds, 0, sizeof ds);
    fc_dataset_free(&ds);
    fc_dataset_free(&ds);
    fc_dataset_free(NULL);
    assert_zeroed(&ds);
}

/* ---- fc_gather ----------------------------------------------------------------------- */

static void test_gather(void **st)
{
    (void)st;
    enum { ROWS = 4, D = 5 };
    const uint8_t x[ROWS * D] = {0,  1,  2,  3,  4,  10,  20,  30,  40,  50,
                                 255, 0, 128, 7, 9, 100, 101, 102, 103, 104};
    const fc_real mean[D] = {(fc_real)0.5, (fc_real)-1.25, 0, 100, (fc_real)254.75};
    const int idx[3] = {3, 0, 3};
    fc_real out[ROWS * D];

    fc_gather(out, x, NULL, ROWS, D, mean);
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < D; j++) assert_true(out[i * D + j] == (fc_real)x[i * D + j] - mean[j]);
    assert_true(out[2 * D + 0] == (fc_real)254.5);
    assert_true(out[0 * D + 1] == (fc_real)2.25);

    fc_gather(out, x, idx, 3, D, mean);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < D; j++)
            assert_true(out[i * D + j] == (fc_real)x[idx[i] * D + j] - mean[j]);
    assert_true(out[0 * D + 4] == (fc_real)(104 - 254.75));
    assert_true(out[1 * D + 3] == (fc_real)(3 - 100));
}

/* ---- the real data (--real DIR) -------------------------------------------------------- */

static const char *g_real_dir;

/* The reference numbers below were computed independently with numpy 1.24 from the files in
 * data/cifar-10-batches-bin (the copy from ../shared/data/cifar-10-binary.tar.xz):
 *   tr = concatenate of np.fromfile(data_batch_i.bin, uint8).reshape(-1, 3073), i = 1..5
 *   te = np.fromfile(test_batch.bin, uint8).reshape(-1, 3073)
 *   X, y = tr[:49000, 1:], tr[:49000, 0]; Xv, yv = tr[49000:50000, 1:], ...; Xt, yt = te[:1000]
 *   y[:10], yv[:5], yt[:5]; y.sum(), yv.sum(), yt.sum(); X.sum(dtype=uint64) (and Xv, Xt);
 *   m = X.mean(axis=0, dtype=float64) printed with repr() at pixels 0, 1, 1024, 2048, 3071.
 * A user's official archive holds other images (ours are JPEG-decoded and shuffled, and its
 * test_batch.bin has 5000 records, the official one 10000), so these values are checked only
 * for this copy; the split sizes and the mean (against an integer column sum) always. */
static void test_real_split(void **st)
{
    (void)st;
    struct fc_dataset ds;
    memset(&ds, 0, sizeof ds);
    assert_int_equal(fc_cifar_load(&ds, g_real_dir, 49000, 1000, 1000), FC_OK);
    assert_int_equal(ds.train.n, 49000);
    assert_int_equal(ds.val.n, 1000);
    assert_int_equal(ds.test.n, 1000);

    /* mean: integer column sums over the 49000 train images, divided once */
    unsigned long long *col = calloc(FC_CIFAR_D, sizeof *col);
    assert_non_null(col);
    for (size_t i = 0; i < 49000; i++)
        for (int j = 0; j < FC_CIFAR_D; j++) col[j] += ds.train.x[i * FC_CIFAR_D + j];
    for (int j = 0; j < FC_CIFAR_D; j++) assert_true(ds.mean[j] == (fc_real)((double)col[j] / 49000));
    free(col);

    char path[4096];
    struct stat sb;
    snprintf(path, sizeof path, "%s/test_batch.bin", g_real_dir);
    assert_int_equal(stat(path, &sb), 0);
    if (sb.st_size != 5000L * FC_CIFAR_RECORD) {
        printf("torture_data: %s is not the project's copy (5000 test records): "
               "only the split sizes and the mean were checked\n", g_real_dir);
        fc_dataset_free(&ds);
        return;
    }

    const uint8_t y10[10] = {7, 3, 6, 6, 4, 7, 7, 8, 6, 7};
    const uint8_t yv5[5] = {5, 5, 3, 2, 0};
    const uint8_t yt5[5] = {0, 7, 2, 9, 7};
    assert_memory_equal(ds.train.y, y10, 10);
    assert_memory_equal(ds.val.y, yv5, 5);
    assert_memory_equal(ds.test.y, yt5, 5);

    const struct fc_split *splits[3] = {&ds.train, &ds.val, &ds.test};
    const long label_sums[3] = {220434, 4566, 4398};
    const unsigned long long pixel_sums[3] = {18169330889ULL, 368382048ULL, 374718618ULL};
    for (int k = 0; k < 3; k++) {
        long ls = 0;
        unsigned long long ps = 0;
        for (int i = 0; i < splits[k]->n; i++) ls += splits[k]->y[i];
        for (size_t i = 0; i < (size_t)splits[k]->n * FC_CIFAR_D; i++) ps += splits[k]->x[i];
        assert_int_equal(ls, label_sums[k]);
        assert_true(ps == pixel_sums[k]);
    }
    const uint8_t x0[4] = {136, 134, 134, 135};
    assert_memory_equal(ds.train.x, x0, 4);
    assert_int_equal(ds.train.x[48999L * FC_CIFAR_D + 3071], 230);
    assert_int_equal(ds.val.x[0], 19);
    assert_int_equal(ds.val.x[999L * FC_CIFAR_D + 3071], 156);
    assert_int_equal(ds.test.x[0], 226);
    assert_int_equal(ds.test.x[999L * FC_CIFAR_D + 3071], 11);

    const int mj[5] = {0, 1, 1024, 2048, 3071};
    const double mv[5] = {130.77061224489796, 130.22597959183673, 136.00620408163266,
                          132.0604693877551, 113.98579591836734};
    for (int k = 0; k < 5; k++) assert_true(ds.mean[mj[k]] == (fc_real)mv[k]);

    assert_string_equal(ds.class_names[0], "airplane");
    assert_string_equal(ds.class_names[9], "truck");
    fc_dataset_free(&ds);
}

static int run_real(const char *dir)
{
    char path[4096];
    struct stat sb;
    snprintf(path, sizeof path, "%s/data_batch_1.bin", dir);
    if (stat(path, &sb) != 0) {
        printf("torture_data: no CIFAR-10 data in %s (run scripts/setup-data.sh or set "
               "FC_TEST_DATA_DIR): skipped\n", dir);
        return 77;
    }
    g_real_dir = dir;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_real_split)};
    return cmocka_run_group_tests_name("torture_data_real", tests, NULL, NULL);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--real") == 0) return run_real(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: %s [--real CIFAR10_DIR]\n", argv[0]);
        return 2;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_all_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_equal_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_class_names_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_train_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_test_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_size_test_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_label, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_few_train_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_few_test_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_split, setup, teardown),
        cmocka_unit_test(test_free_zeroed),
        cmocka_unit_test(test_gather),
    };
    return cmocka_run_group_tests_name("torture_data", tests, NULL, NULL);
}
