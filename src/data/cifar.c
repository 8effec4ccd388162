/* CIFAR-10 binary loader and minibatch gather.
 *
 * Reads dir/data_batch_1..5.bin and dir/test_batch.bin, each a sequence of 3073-byte records
 * (1 label byte, 3072 pixel bytes), with any number of records per file: the official archive
 * (10000 per file) and ours (10000 per train file, 5000 test) load the same way. The train
 * and val splits are taken from the training files in order (batch 1 first), the test split
 * from the start of test_batch.bin. Images stay uint8: fc_gather converts a minibatch to
 * fc_real and subtracts the mean image on the fly.
 *
 * It deliberately does not shuffle, augment or keep a float copy of the dataset (a float
 * copy of 49000 images is 600 MB per MPI rank). */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fcnet/data.h"
#include "util/clones.h"

#define NUM_TRAIN_FILES 5
#define CHUNK_RECORDS 256 /* records per fread: 786 KB */

static const char *const default_class_names[FC_CIFAR_C] = {
    "airplane", "automobile", "bird", "cat", "deer",
    "dog",      "frog",       "horse", "ship", "truck"};

/* One input file: its path and how many records it holds. */
struct cifar_file {
    char path[4096];
    long records;
};

/* Path dir/name into out; FC_STATUS_IO if it does not fit. */
static enum fc_status join_path(char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size) {
        fc_log(FC_LOG_ERROR, "data path too long: %s/%s\n", dir, name);
        return FC_STATUS_IO;
    }
    return FC_OK;
}

/* Size check: the file must exist and hold a whole number of records. */
static enum fc_status probe_file(struct cifar_file *f)
{
    struct stat st;
    if (stat(f->path, &st) != 0) {
        fc_log(FC_LOG_ERROR,
               "cannot open CIFAR-10 file %s: %s (expected a multiple of %d bytes, "
               "e.g. %ld for 10000 records; run scripts/setup-data.sh or pass --data DIR)\n",
               f->path, strerror(errno), FC_CIFAR_RECORD, 10000L * FC_CIFAR_RECORD);
        return FC_STATUS_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        fc_log(FC_LOG_ERROR, "CIFAR-10 file %s is not a regular file\n", f->path);
        return FC_STATUS_IO;
    }
    long size = (long)st.st_size;
    if (size == 0 || size % FC_CIFAR_RECORD != 0) {
        long whole = size / FC_CIFAR_RECORD;
        fc_log(FC_LOG_ERROR,
               "CIFAR-10 file %s has %ld bytes, expected a non-zero multiple of %d "
               "(1 label + 3072 pixel bytes per record, e.g. %ld for 10000 records; the "
               "nearest whole sizes are %ld and %ld): the file is truncated or not CIFAR-10 "
               "binary; "
               "re-run scripts/setup-data.sh\n",
               f->path, size, FC_CIFAR_RECORD, 10000L * FC_CIFAR_RECORD,
               whole * FC_CIFAR_RECORD, (whole + 1) * FC_CIFAR_RECORD);
        return FC_STATUS_BAD_DATA;
    }
    f->records = size / FC_CIFAR_RECORD;
    return FC_OK;
}

/* Allocate a split of n images (x: (n, D), y: (n)); n may be 0. */
static enum fc_status split_alloc(struct fc_split *s, int n)
{
    s->n = 0;
    s->x = malloc((size_t)(n > 0 ? n : 1) * FC_CIFAR_D);
    s->y = malloc((size_t)(n > 0 ? n : 1));
    if (s->x == NULL || s->y == NULL) {
        fc_log(FC_LOG_ERROR, "out of memory for %d CIFAR-10 images (%zu MB)\n", n,
               (size_t)n * FC_CIFAR_RECORD >> 20);
        return FC_STATUS_NOMEM;
    }
    s->n = n;
    return FC_OK;
}

/* Read the first `count` records of f, routing record k (counted from `first_index`, the
 * global index of the file's first record) to dst[k - lo] for each destination
 * [lo, lo + n). chunk: scratch of CHUNK_RECORDS records. */
struct route {
    struct fc_split *split;
    long lo; /* global index of split row 0 */
};
static enum fc_status read_records(const struct cifar_file *f, long first_index, long count,
                                   const struct route *routes, int nroutes, uint8_t *chunk)
{
    enum fc_status st = FC_OK;
    FILE *fp = fopen(f->path, "rb");
    if (fp == NULL) {
        fc_log(FC_LOG_ERROR, "cannot open CIFAR-10 file %s: %s\n", f->path, strerror(errno));
        return FC_STATUS_IO;
    }
    long done = 0;
    while (done < count) {
        long want = count - done < CHUNK_RECORDS ? count - done : CHUNK_RECORDS;
        size_t got = fread(chunk, FC_CIFAR_RECORD, (size_t)want, fp);
        if (got != (size_t)want) {
            if (ferror(fp)) {
                fc_log(FC_LOG_ERROR, "read error in CIFAR-10 file %s: %s\n", f->path,
                       strerror(errno));
                st = FC_STATUS_IO;
            } else {
                fc_log(FC_LOG_ERROR,
                       "CIFAR-10 file %s ended after %ld records, expected %ld (%ld bytes): "
                       "the file is truncated; re-run scripts/setup-data.sh\n",
                       f->path, done + (long)got, f->records, f->records * FC_CIFAR_RECORD);
                st = FC_STATUS_BAD_DATA;
            }
            goto cleanup;
        }
        for (long k = 0; k < want; k++) {
            const uint8_t *rec = chunk + (size_t)k * FC_CIFAR_RECORD;
            long g = first_index + done + k;
            if (rec[0] >= FC_CIFAR_C) {
                fc_log(FC_LOG_ERROR,
                       "CIFAR-10 file %s: record %ld has label %d, expected 0..9 "
                       "(3073-byte records: 1 label + 3072 pixels): not CIFAR-10 binary\n",
                       f->path, done + k, rec[0]);
                st = FC_STATUS_BAD_DATA;
                goto cleanup;
            }
            for (int r = 0; r < nroutes; r++) {
                struct fc_split *s = routes[r].split;
                long row = g - routes[r].lo;
                if (row >= 0 && row < s->n) {
                    s->y[row] = rec[0];
                    memcpy(s->x + (size_t)row * FC_CIFAR_D, rec + 1, FC_CIFAR_D);
                }
            }
        }
        done += want;
    }

cleanup:
    fclose(fp);
    return st;
}

/* Class names from dir/batches.meta.txt (one per line, blank lines ignored); the standard
 * names when the file is absent or does not hold exactly 10 names. */
static void load_class_names(struct fc_dataset *ds, const char *dir)
{
    char path[4096];
    char line[256];
    char names[FC_CIFAR_C][32];
    int count = 0;
    FILE *fp = NULL;

    for (int c = 0; c < FC_CIFAR_C; c++) {
        snprintf(ds->class_names[c], sizeof ds->class_names[c], "%s", default_class_names[c]);
    }
    if (join_path(path, sizeof path, dir, "batches.meta.txt") != FC_OK) goto cleanup;
    fp = fopen(path, "r");
    if (fp == NULL) goto cleanup; /* optional file */
    while (fgets(line, sizeof line, fp) != NULL) {
        size_t len = strlen(line);
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
                           line[len - 1] == ' ' || line[len - 1] == '\t')) {
            line[--len] = '\0';
        }
        if (len == 0) continue;
        if (count == FC_CIFAR_C) {
            count++;
            break;
        }
        if (len >= sizeof names[count]) len = sizeof names[count] - 1; /* truncate */
        memcpy(names[count], line, len);
        names[count][len] = '\0';
        count++;
    }
    if (count != FC_CIFAR_C) {
        fc_log(FC_LOG_WARN, "%s holds %s10 class names; using the standard names\n", path,
               count > FC_CIFAR_C ? "more than " : "fewer than ");
        goto cleanup;
    }
    memcpy(ds->class_names, names, sizeof names);

cleanup:
    if (fp != NULL) fclose(fp);
}

enum fc_status fc_cifar_load(struct fc_dataset *ds, const char *dir, int num_train, int num_val,
                             int num_test)
{
    enum fc_status st = FC_OK;
    struct cifar_file files[NUM_TRAIN_FILES + 1];
    uint8_t *chunk = NULL;
    double *sum = NULL;

    FC_ASSERT(ds != NULL && dir != NULL);
    memset(ds, 0, sizeof *ds);
    ds->D = FC_CIFAR_D;
    ds->C = FC_CIFAR_C;

    if (num_train < 1 || num_val < 0 || num_test < 0) {
        fc_log(FC_LOG_ERROR,
               "invalid data split num_train=%d num_val=%d num_test=%d "
               "(need num_train >= 1, the others >= 0)\n",
               num_train, num_val, num_test);
        st = FC_STATUS_BAD_CONFIG;
        goto cleanup;
    }

    /* Every file must exist and hold whole records before anything is read. */
    for (int i = 0; i <= NUM_TRAIN_FILES; i++) {
        char name[32];
        if (i < NUM_TRAIN_FILES) {
            snprintf(name, sizeof name, "data_batch_%d.bin", i + 1);
        } else {
            snprintf(name, sizeof name, "test_batch.bin");
        }
        st = join_path(files[i].path, sizeof files[i].path, dir, name);
        if (st != FC_OK) goto cleanup;
        st = probe_file(&files[i]);
        if (st != FC_OK) goto cleanup;
    }

    long total_train = 0;
    for (int i = 0; i < NUM_TRAIN_FILES; i++) total_train += files[i].records;
    long need = (long)num_train + num_val;
    if (total_train < need) {
        fc_log(FC_LOG_ERROR,
               "CIFAR-10 training files %s .. data_batch_5.bin hold %ld records in total, "
               "need num_train + num_val = %ld (at least %ld bytes, %d bytes per record)\n",
               files[0].path, total_train, need, need * FC_CIFAR_RECORD, FC_CIFAR_RECORD);
        st = FC_STATUS_BAD_DATA;
        goto cleanup;
    }
    const struct cifar_file *test_file = &files[NUM_TRAIN_FILES];
    if (test_file->records < num_test) {
        fc_log(FC_LOG_ERROR,
               "CIFAR-10 file %s holds %ld records (%ld bytes), need num_test = %d "
               "(at least %ld bytes)\n",
               test_file->path, test_file->records, test_file->records * FC_CIFAR_RECORD,
               num_test, (long)num_test * FC_CIFAR_RECORD);
        st = FC_STATUS_BAD_DATA;
        goto cleanup;
    }

    st = split_alloc(&ds->train, num_train);
    if (st == FC_OK) st = split_alloc(&ds->val, num_val);
    if (st == FC_OK) st = split_alloc(&ds->test, num_test);
    if (st != FC_OK) goto cleanup;
    chunk = malloc((size_t)CHUNK_RECORDS * FC_CIFAR_RECORD);
    sum = calloc(FC_CIFAR_D, sizeof *sum);
    ds->mean = malloc(FC_CIFAR_D * sizeof *ds->mean);
    if (chunk == NULL || sum == NULL || ds->mean == NULL) {
        fc_log(FC_LOG_ERROR, "out of memory while loading CIFAR-10\n");
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }

    /* Training files in order: global record index g; train = [0, num_train),
     * val = [num_train, num_train + num_val). Read only as far as needed. */
    const struct route trainval[2] = {{&ds->train, 0}, {&ds->val, num_train}};
    long first = 0;
    for (int i = 0; i < NUM_TRAIN_FILES && first < need; i++) {
        long count = need - first < files[i].records ? need - first : files[i].records;
        st = read_records(&files[i], first, count, trainval, 2, chunk);
        if (st != FC_OK) goto cleanup;
        first += files[i].records;
    }
    const struct route test_route[1] = {{&ds->test, 0}};
    st = read_records(test_file, 0, num_test, test_route, 1, chunk);
    if (st != FC_OK) goto cleanup;

    /* mean[j] = (1/num_train) sum_i train.x[i, j]. The sums are integers below 2^53, so the
     * double accumulation is exact and the order does not matter. */
    for (int i = 0; i < num_train; i++) {
        const uint8_t *row = ds->train.x + (size_t)i * FC_CIFAR_D;
        for (int j = 0; j < FC_CIFAR_D; j++) sum[j] += row[j];
    }
    for (int j = 0; j < FC_CIFAR_D; j++) ds->mean[j] = (fc_real)(sum[j] / num_train);

    load_class_names(ds, dir);

cleanup:
    free(chunk);
    free(sum);
    if (st != FC_OK) fc_dataset_free(ds);
    return st;
}

void fc_dataset_free(struct fc_dataset *ds)
{
    if (ds == NULL) return;
    free(ds->train.x);
    free(ds->train.y);
    free(ds->val.x);
    free(ds->val.y);
    free(ds->test.x);
    free(ds->test.y);
    free(ds->mean);
    memset(ds, 0, sizeof *ds);
}

FC_CLONES void fc_gather(fc_real *out, const uint8_t *x, const int *idx, int n, int D,
                         const fc_real *mean)
{
    /* out: (n, D), x: (rows, D) uint8, idx: (n) row numbers into x (NULL: 0..n-1),
     * mean: (D). out[i, j] = x[idx[i], j] - mean[j]. */
    for (int i = 0; i < n; i++) {
        const uint8_t *src = x + (size_t)(idx != NULL ? idx[i] : i) * (size_t)D;
        fc_real *dst = out + (size_t)i * (size_t)D;
        for (int j = 0; j < D; j++) dst[j] = (fc_real)src[j] - mean[j];
    }
}

void fc_sample_batch(fc_real *x, uint8_t *y, int *idx, const struct fc_split *s, int n, int D,
                     const fc_real *mean, struct fc_rng *rng)
{
    for (int i = 0; i < n; i++) {
        idx[i] = (int)fc_rng_below(rng, (uint64_t)s->n);
        y[i] = s->y[idx[i]];
    }
    fc_gather(x, s->x, idx, n, D, mean);
}
