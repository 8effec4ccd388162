/* torture_gemm: fc_gemm on float (src/tensor/gemm.c), with libxsmm on and off.
 *
 * Every shape the training step uses, plus strips with and without a remainder, sub-matrix
 * strides, beta 0 and 1, and the cases libxsmm must leave to OpenBLAS (transposed B,
 * alpha != 1, beta other than 0 or 1, one BLAS thread only). Each result is checked
 * element by element against a double-precision product, within the float rounding bound
 * of a K-term dot product. After a libxsmm product the vector registers' upper halves
 * must be clean (XGETBV(1)), or every SSE loop after it runs slowly. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fcnet/tensor.h"

struct shape {
    int ta, tb, M, N, K;
    float alpha, beta;
    int pad; /* extra columns in every leading dimension: strided sub-matrices */
};

/* the training step's products and their neighbours */
static const struct shape SHAPES[] = {
    {0, 0, 100, 300, 3072, 1, 1, 0},  /* input-layer forward, bias in C: 64-wide strips + 44 */
    {0, 0, 100, 100, 3072, 1, 1, 0},  /* TwoLayerNet forward: one strip + 36 */
    {0, 0, 100, 128, 3072, 1, 0, 0},  /* strips with no remainder */
    {0, 0, 100, 200, 300, 1, 1, 0},   /* small layers, whole */
    {0, 0, 100, 10, 50, 1, 1, 0},     /* scores */
    {0, 0, 7, 5, 3, 1, 0, 3},         /* tiny, strided */
    {1, 0, 192, 300, 100, 1, 0, 2880}, /* input-layer dW rows block: lda = D */
    {1, 0, 300, 200, 100, 1, 0, 0},   /* small-layer dW */
    {1, 0, 3072, 100, 100, 1, 0, 0},  /* whole input-layer dW */
    {1, 0, 3072, 100, 100, -1e-3f, 1, 0}, /* sgd as a GEMM: alpha != 1, OpenBLAS */
    {1, 0, 300, 200, 100, -1e-3f, 0.99f, 0}, /* beta not 0 or 1: OpenBLAS */
    {0, 1, 100, 300, 200, 1, 0, 0},   /* dx = dout W^T: transposed B, OpenBLAS */
    {0, 0, 1000, 30, 600, 1, 1, 0},   /* evaluation batch: OpenBLAS */
};

static uint32_t g_seed = 12345;
static float urand(void)
{
    g_seed = g_seed * 1664525u + 1013904223u;
    return (float)(g_seed >> 8) / 16777216.0f - 0.5f;
}

/* 1 when the AVX upper state is in use (XINUSE bit 2), 0 when clean, -1 unknown */
static int avx_upper_dirty(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    unsigned a, b, c, d;
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (!(c & (1u << 27))) return -1; /* no OSXSAVE */
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(13), "c"(1));
    if (!(a & (1u << 2))) return -1; /* no XGETBV with ECX = 1 */
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(1));
    return (lo >> 2) & 1;
#else
    return -1;
#endif
}

/* fc_gemm against a double reference; returns the worst error in units of the bound */
static double check_shape(const struct shape *s)
{
    const int ar = s->ta ? s->K : s->M, ac = s->ta ? s->M : s->K; /* A as stored */
    const int br = s->tb ? s->N : s->K, bc = s->tb ? s->K : s->N;
    const int lda = ac + s->pad, ldb = bc + s->pad, ldc = s->N + s->pad;
    float *A = malloc(sizeof(float) * (size_t)ar * lda), *B = malloc(sizeof(float) * (size_t)br * ldb);
    float *C = malloc(sizeof(float) * (size_t)s->M * ldc), *C0 = malloc(sizeof(float) * (size_t)s->M * ldc);
    assert_non_null(A);
    assert_non_null(B);
    assert_non_null(C);
    assert_non_null(C0);
    for (size_t i = 0; i < (size_t)ar * lda; i++) A[i] = urand();
    for (size_t i = 0; i < (size_t)br * ldb; i++) B[i] = urand();
    for (size_t i = 0; i < (size_t)s->M * ldc; i++) C0[i] = C[i] = urand();
    fc_gemm(s->ta, s->tb, s->M, s->N, s->K, s->alpha, A, lda, B, ldb, s->beta, C, ldc);
    double worst = 0;
    for (int i = 0; i < s->M; i++) {
        for (int j = 0; j < ldc; j++) {
            const size_t at = (size_t)i * ldc + j;
            if (j >= s->N) { /* padding: untouched */
                assert_true(C[at] == C0[at]);
                continue;
            }
            double ref = 0, mag = 0;
            for (int k = 0; k < s->K; k++) {
                const double a = s->ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                const double b = s->tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                ref += a * b;
                mag += fabs(a * b);
            }
            ref = s->alpha * ref + s->beta * C0[at];
            mag = fabs(s->alpha) * mag + fabs(s->beta * C0[at]);
            /* float summation of K terms: |error| <= ~K eps sum|a b|; allow 2 K eps + 1 ulp */
            const double bound = (2.0 * s->K + 2) * 5.96e-8 * mag + 1e-30;
            const double e = fabs(C[at] - ref) / bound;
            if (e > worst) worst = e;
        }
    }
    free(A);
    free(B);
    free(C);
    free(C0);
    return worst;
}

static void run_all(int libxsmm)
{
    const int on = fc_gemm_libxsmm(libxsmm);
    print_message("libxsmm %s: %s\n", libxsmm ? "asked" : "off", fc_gemm_backend());
    assert_true(libxsmm || !on);
    for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++) {
        const struct shape *s = &SHAPES[i];
        const double worst = check_shape(s);
        if (worst > 1) print_message("ta %d tb %d %dx%dx%d: error %.2f of the bound\n", s->ta, s->tb,
                                     s->M, s->N, s->K, worst);
        assert_true(worst <= 1);
        /* whichever library ran it, no dirty upper state is left behind */
        assert_true(avx_upper_dirty() != 1);
    }
    fc_gemm_libxsmm(1);
}

/* run_all at the given number of BLAS threads, restoring the caller's afterwards */
static void run_at_threads(int threads, int libxsmm)
{
    const int before = fc_blas_get_threads();
    fc_blas_set_threads(threads);
    run_all(libxsmm);
    /* at several threads libxsmm steps aside: OpenBLAS runs threaded */
    if (threads > 1 && fc_blas_get_threads() == threads)
        assert_non_null(strstr(fc_gemm_backend(), "OpenBLAS"));
    fc_blas_set_threads(before);
}

static void test_one_thread_libxsmm(void **st)
{
    (void)st;
    run_at_threads(1, 1);
}

static void test_one_thread_openblas(void **st)
{
    (void)st;
    run_at_threads(1, 0);
}

static void test_two_threads(void **st)
{
    (void)st;
    run_at_threads(2, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_thread_libxsmm),
        cmocka_unit_test(test_one_thread_openblas),
        cmocka_unit_test(test_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
