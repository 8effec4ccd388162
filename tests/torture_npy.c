/* torture_npy: the .npy reader and writer (src/io/npy.c).
 *
 * Valid files come from numpy itself (tests/fixtures/npy, made by
 * tests/fixtures/make_npy_fixtures.py): every dtype, both byte orders, format 1.0 and 2.0.
 * Malformed files are written by this program into a temporary folder: bad magic,
 * truncated header and data, wrong dtype or shape, Fortran order, huge declared shapes. Each
 * must give FC_STATUS_BAD_DATA (or FC_STATUS_IO when missing) and one logged error. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fcnet/io.h"
#include "fcnet/npy_input.h"
#include "fcnet/status.h"

#ifndef FC_NPY_FIXTURES
#error "FC_NPY_FIXTURES (the fixture folder) must be defined by the build"
#endif

struct state {
    char dir[64];     /* temporary folder */
    int nerrors;      /* error messages logged since the last reset */
    char last[512];   /* last error message */
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
    if (!s) return -1;
    snprintf(s->dir, sizeof s->dir, "/tmp/torture_npy.XXXXXX");
    if (!mkdtemp(s->dir)) {
        free(s);
        return -1;
    }
    fc_log_set_sink(sink, s);
    *st = s;
    return 0;
}

static int teardown(void **st)
{
    struct state *s = *st;
    char cmd[128];
    fc_log_set_sink(NULL, NULL);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", s->dir);
    free(s);
    return 0;
}

static void fixture(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", FC_NPY_FIXTURES, name);
}

/* Write bytes to dir/name; path into out. */
static void write_file(struct state *s, const char *name, const void *bytes, size_t n, char *out,
                       size_t outsz)
{
    snprintf(out, outsz, "%s/%s", s->dir, name);
    FILE *fp = fopen(out, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(bytes, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

/* A version 1.0 file with the given header dict (padded to 64) and n data bytes of 0x11. */
static void write_npy(struct state *s, const char *name, const char *dict, size_t ndata, char *out,
                      size_t outsz)
{
    size_t dl = strlen(dict);
    size_t total = (10 + dl + 1 + 63) / 64 * 64;
    size_t hlen = total - 10;
    unsigned char *buf = malloc(total + ndata);
    assert_non_null(buf);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)(hlen & 0xff);
    buf[9] = (unsigned char)(hlen >> 8);
    memset(buf + 10, ' ', hlen);
    memcpy(buf + 10, dict, dl);
    buf[total - 1] = '\n';
    memset(buf + total, 0x11, ndata);
    write_file(s, name, buf, total + ndata, out, outsz);
    free(buf);
}

/* Read path expecting failure st; check one error was logged that mentions `needle`. */
static void expect_fail(struct state *s, const char *path, enum fc_status want, const char *needle)
{
    struct fc_npy a;
    s->nerrors = 0;
    s->last[0] = '\0';
    enum fc_status st = fc_npy_read(path, &a);
    if (st != want) fail_msg("%s: status %d, expected %d (last message: %s)", path, st, want, s->last);
    assert_int_equal(s->nerrors, 1);
    assert_null(a.data);
    if (needle && !strstr(s->last, needle))
        fail_msg("%s: message \"%s\" lacks \"%s\"", path, s->last, needle);
    assert_non_null(strstr(s->last, path));
    fc_npy_free(&a);
}

/* ---- valid files ------------------------------------------------------------------ */

static void check_floats(const char *name, enum fc_npy_dtype dt, int ndim, const long *shape)
{
    char path[512];
    struct fc_npy a;
    fixture(path, sizeof path, name);
    assert_int_equal(fc_npy_read(path, &a), FC_OK);
    assert_int_equal(a.dtype, dt);
    assert_int_equal(a.ndim, ndim);
    long count = 1;
    for (int i = 0; i < ndim; i++) {
        assert_int_equal(a.shape[i], shape[i]);
        count *= shape[i];
    }
    assert_int_equal(a.count, count);
    for (long i = 0; i < count; i++) {
        double want = (double)i * 0.25 - 1.0;
        double got = dt == FC_NPY_F32 ? (double)((float *)a.data)[i] : ((double *)a.data)[i];
        if (got != want) fail_msg("%s[%ld] = %g, expected %g", name, i, got, want);
    }
    fc_npy_free(&a);
    assert_null(a.data);
}

static void test_f4_both_orders(void **st)
{
    (void)st;
    const long shape[] = {3, 5};
    check_floats("f4le_3x5.npy", FC_NPY_F32, 2, shape);
    check_floats("f4be_3x5.npy", FC_NPY_F32, 2, shape);
}

static void test_f8_both_orders(void **st)
{
    (void)st;
    const long shape[] = {2, 2, 2};
    check_floats("f8le_2x2x2.npy", FC_NPY_F64, 3, shape);
    check_floats("f8be_2x2x2.npy", FC_NPY_F64, 3, shape);
}

static void test_version2(void **st)
{
    (void)st;
    const long shape[] = {4, 3};
    check_floats("f4le_v2_4x3.npy", FC_NPY_F32, 2, shape);
}

static void test_u1(void **st)
{
    (void)st;
    char path[512];
    struct fc_npy a;
    fixture(path, sizeof path, "u1_2x3x4.npy");
    assert_int_equal(fc_npy_read(path, &a), FC_OK);
    assert_int_equal(a.dtype, FC_NPY_U8);
    assert_int_equal(a.ndim, 3);
    assert_int_equal(a.count, 24);
    for (int i = 0; i < 24; i++) assert_int_equal(((uint8_t *)a.data)[i], i);
    fc_npy_free(&a);

    fixture(path, sizeof path, "u1_scalar.npy");
    assert_int_equal(fc_npy_read(path, &a), FC_OK);
    assert_int_equal(a.ndim, 0);
    assert_int_equal(a.count, 1);
    assert_int_equal(((uint8_t *)a.data)[0], 7);
    fc_npy_free(&a);
}

static void test_i8_and_empty(void **st)
{
    (void)st;
    char path[512];
    struct fc_npy a;
    fixture(path, sizeof path, "i8le_5.npy");
    assert_int_equal(fc_npy_read(path, &a), FC_OK);
    assert_int_equal(a.dtype, FC_NPY_I64);
    assert_int_equal(a.count, 5);
    for (int i = 0; i < 5; i++) assert_int_equal(((int64_t *)a.data)[i], i);
    fc_npy_free(&a);

    fixture(path, sizeof path, "i8le_0.npy");
    assert_int_equal(fc_npy_read(path, &a), FC_OK);
    assert_int_equal(a.ndim, 1);
    assert_int_equal(a.shape[0], 0);
    assert_int_equal(a.count, 0);
    fc_npy_free(&a);
    fc_npy_free(NULL);
}

/* ---- writer ------------------------------------------------------------------------ */

static void test_write_roundtrip(void **st)
{
    struct state *s = *st;
    char path[128];
    const int64_t v[] = {3, -1, 9, INT64_MAX, INT64_MIN, 0, 7};
    const long ns[] = {0, 1, 7};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        struct fc_npy a;
        unsigned char pre[10];
        snprintf(path, sizeof path, "%s/pred%ld.npy", s->dir, ns[k]);
        assert_int_equal(fc_npy_write_i64(path, v, ns[k]), FC_OK);
        /* preamble + header is a multiple of 64 bytes and ends in '\n' */
        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        assert_int_equal(fread(pre, 1, 10, fp), 10);
        size_t hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
        assert_int_equal((10 + hlen) % 64, 0);
        assert_int_equal(fseek(fp, (long)(10 + hlen - 1), SEEK_SET), 0);
        assert_int_equal(fgetc(fp), '\n');
        assert_int_equal(fseek(fp, 0, SEEK_END), 0);
        assert_int_equal(ftell(fp), (long)(10 + hlen + 8 * (size_t)ns[k]));
        fclose(fp);

        assert_int_equal(fc_npy_read(path, &a), FC_OK);
        assert_int_equal(a.dtype, FC_NPY_I64);
        assert_int_equal(a.ndim, 1);
        assert_int_equal(a.shape[0], ns[k]);
        for (long i = 0; i < ns[k]; i++) assert_true(((int64_t *)a.data)[i] == v[i]);
        fc_npy_free(&a);
    }
    /* unwritable place: FC_STATUS_IO, a message */
    s->nerrors = 0;
    snprintf(path, sizeof path, "%s/no/such/dir/p.npy", s->dir);
    assert_int_equal(fc_npy_write_i64(path, v, 3), FC_STATUS_IO);
    assert_int_equal(s->nerrors, 1);
}

/* ---- malformed files --------------------------------------------------------------- */

static void test_missing(void **st)
{
    struct state *s = *st;
    char path[128];
    snprintf(path, sizeof path, "%s/does_not_exist.npy", s->dir);
    expect_fail(s, path, FC_STATUS_IO, "cannot open");
}

static void test_bad_magic(void **st)
{
    struct state *s = *st;
    char path[128], src[512];
    write_file(s, "text.npy", "hello, this is not an array at all\n", 35, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "magic");
    write_file(s, "short.npy", "\x93NUM", 4, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "too short");
    write_file(s, "empty.npy", "", 0, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "too short");

    /* a real file with one magic byte changed */
    fixture(src, sizeof src, "f4le_3x5.npy");
    FILE *fp = fopen(src, "rb");
    assert_non_null(fp);
    unsigned char buf[512];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    buf[3] = 'X';
    write_file(s, "magic.npy", buf, n, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "magic");
    /* unknown format version */
    buf[3] = 'M';
    buf[6] = 9;
    write_file(s, "version.npy", buf, n, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "version 9.0");
}

static void test_truncated_header(void **st)
{
    struct state *s = *st;
    char path[128], src[512];
    unsigned char buf[512];
    fixture(src, sizeof src, "f4le_3x5.npy");
    FILE *fp = fopen(src, "rb");
    assert_non_null(fp);
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    assert_true(n > 128);
    write_file(s, "hdr50.npy", buf, 50, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "truncated .npy header");
    write_file(s, "hdr9.npy", buf, 9, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "too short");
    /* version 2.0 with a 4 GiB header length */
    unsigned char v2[16] = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0xff, 0xff, 0xff, 0xff, '{', '}',
                            ' ', '\n'};
    write_file(s, "hdrhuge.npy", v2, sizeof v2, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "implausibly large");
    /* a dict cut short inside the declared header (closing brace missing) */
    write_npy(s, "hdrcut.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, ", 12, path,
              sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "shape");
}

static void test_truncated_data(void **st)
{
    struct state *s = *st;
    char path[128], src[512];
    unsigned char buf[512];
    fixture(src, sizeof src, "f4le_3x5.npy");
    FILE *fp = fopen(src, "rb");
    assert_non_null(fp);
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    write_file(s, "data-1.npy", buf, n - 1, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "truncated data");
    write_file(s, "data-all.npy", buf, 128, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "truncated data");
}

static void test_wrong_dtype(void **st)
{
    struct state *s = *st;
    char path[512];
    fixture(path, sizeof path, "i4_3.npy");
    expect_fail(s, path, FC_STATUS_BAD_DATA, "'<i4' is not supported");
    fixture(path, sizeof path, "c8_2.npy");
    expect_fail(s, path, FC_STATUS_BAD_DATA, "not supported");
    fixture(path, sizeof path, "struct_2.npy");
    expect_fail(s, path, FC_STATUS_BAD_DATA, "not a simple type");
    char p2[128];
    write_npy(s, "b1.npy", "{'descr': '|b1', 'fortran_order': False, 'shape': (4,), }", 4, p2,
              sizeof p2);
    expect_fail(s, p2, FC_STATUS_BAD_DATA, "not supported");
    write_npy(s, "f4noorder.npy", "{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }", 4,
              p2, sizeof p2);
    expect_fail(s, p2, FC_STATUS_BAD_DATA, "not supported");
}

static void test_fortran(void **st)
{
    struct state *s = *st;
    char path[512];
    fixture(path, sizeof path, "f4_fortran_3x5.npy");
    expect_fail(s, path, FC_STATUS_BAD_DATA, "Fortran order");
}

static void test_huge_shape(void **st)
{
    struct state *s = *st;
    char path[128];
    /* product overflows a long */
    write_npy(s, "overflow.npy",
              "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
              16, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "overflows");
    /* count fits but count * itemsize does not */
    write_npy(s, "bytes.npy",
              "{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775807,), }", 16,
              path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "truncated data");
    /* plausible but far larger than the file */
    write_npy(s, "big.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (5000, 3, 32, 32), }",
              100, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "truncated data");
    /* a dimension that does not fit a long at all, a negative one, too many dimensions */
    write_npy(s, "digits.npy",
              "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }",
              16, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "shape");
    write_npy(s, "neg.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }", 16,
              path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "shape");
    write_npy(s, "ndim9.npy",
              "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 16,
              path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "shape");
}

static void test_malformed_dict(void **st)
{
    struct state *s = *st;
    char path[128];
    write_npy(s, "noshape.npy", "{'descr': '<f4', 'fortran_order': False, }", 16, path,
              sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "'shape'");
    write_npy(s, "extra.npy",
              "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1, }", 16, path,
              sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "unexpected key 'x'");
    write_npy(s, "garbage.npy", "[1, 2, 3]", 16, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "malformed");
    write_npy(s, "order.npy", "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }", 16,
              path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "malformed");
    write_npy(s, "tail.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } junk",
              16, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "malformed");
    /* a NUL byte inside the header */
    unsigned char buf[80];
    memcpy(buf, "\x93NUMPY\x01\x00\x46\x00", 10);
    memset(buf + 10, ' ', 70);
    buf[10] = '{';
    buf[11] = '\0';
    buf[79] = '\n';
    write_file(s, "nul.npy", buf, sizeof buf, path, sizeof path);
    expect_fail(s, path, FC_STATUS_BAD_DATA, "NUL");
}

/* ---- input checks for predict ------------------------------------------------------ */

static void test_check_input(void **st)
{
    struct state *s = *st;
    struct fc_npy a;
    int N = -1, raw = -1;
    memset(&a, 0, sizeof a);

    a.dtype = FC_NPY_U8;
    a.ndim = 4;
    a.shape[0] = 5000, a.shape[1] = 3, a.shape[2] = 32, a.shape[3] = 32;
    assert_int_equal(fc_npy_check_input(&a, "x.npy", 3072, &N, &raw), FC_OK);
    assert_int_equal(N, 5000);
    assert_int_equal(raw, 1);

    a.dtype = FC_NPY_F64;
    a.ndim = 2;
    a.shape[0] = 7, a.shape[1] = 3072;
    assert_int_equal(fc_npy_check_input(&a, "x.npy", 3072, &N, &raw), FC_OK);
    assert_int_equal(N, 7);
    assert_int_equal(raw, 0);
    a.shape[0] = 0;
    assert_int_equal(fc_npy_check_input(&a, "x.npy", 3072, &N, &raw), FC_OK);
    assert_int_equal(N, 0);

    /* wrong shapes: (N, 32, 32, 3), (N, 3071), (3072,), (N, 3, 32, 32) for a D=10 model */
    s->nerrors = 0;
    a.dtype = FC_NPY_F32;
    a.ndim = 4;
    a.shape[0] = 5, a.shape[1] = 32, a.shape[2] = 32, a.shape[3] = 3;
    assert_int_equal(fc_npy_check_input(&a, "x.npy", 3072, &N, &raw), FC_STATUS_BAD_DATA);
    assert_non_null(strstr(s->last, "(5, 32, 32, 3)"));
    a.ndim = 2;
    a.shape[1] = 3071;
    assert_int_equal(fc_npy_check_input(&a, "x.npy", 3072, &N, &raw), FC_STATUS_BAD_DATA);
    a.ndim = 1;
    a.shape[0] = 3072;
    assert_int_equal(fc_npy_check_input(&a, "x.npy", 3072, &N, &raw), FC_STATUS_BAD_DATA);
    assert_non_null(strstr(s->last, "(3072,)"));
    a.ndim = 4;
    a.shape[0] = 5, a.shape[1] = 3, a.shape[2] = 32, a.shape[3] = 32;
    assert_int_equal(fc_npy_check_input(&a, "x.npy", 10, &N, &raw), FC_STATUS_BAD_DATA);
    assert_non_null(strstr(s->last, "(N, 10)"));
    /* wrong dtype */
    a.dtype = FC_NPY_I64;
    assert_int_equal(fc_npy_check_input(&a, "x.npy", 3072, &N, &raw), FC_STATUS_BAD_DATA);
    assert_non_null(strstr(s->last, "int64"));
    assert_int_equal(s->nerrors, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f4_both_orders),
        cmocka_unit_test(test_f8_both_orders),
        cmocka_unit_test(test_version2),
        cmocka_unit_test(test_u1),
        cmocka_unit_test(test_i8_and_empty),
        cmocka_unit_test(test_write_roundtrip),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_truncated_header),
        cmocka_unit_test(test_truncated_data),
        cmocka_unit_test(test_wrong_dtype),
        cmocka_unit_test(test_fortran),
        cmocka_unit_test(test_huge_shape),
        cmocka_unit_test(test_malformed_dict),
        cmocka_unit_test(test_check_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
