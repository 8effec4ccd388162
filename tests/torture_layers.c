/* Layers: the assignment's reference values and float64 gradient checks of every
 * backward (affine, relu, sandwiches, softmax, svm, dropout, batchnorm, layernorm). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fcnet/layers.h"
#include "testutil.h"

#define H 1e-5

static void randn(fc_real *x, size_t n, struct fc_rng *r, double scale)
{
    for (size_t i = 0; i < n; i++) x[i] = (fc_real)(scale * fc_rng_normal(r));
}

static void test_affine_forward_reference(void **state)
{
    (void)state;
    /* x (2, 4, 5, 6) used as (2, 120); w (120, 3); b (3) */
    fc_real x[240], w[360], b[3], out[6];
    linspace(x, -0.1, 0.5, 240);
    linspace(w, -0.2, 0.3, 360);
    linspace(b, -0.3, 0.1, 3);
    struct fc_affine_cache cache;
    fc_affine_forward(out, &cache, x, w, b, 2, 120, 3);
    const fc_real ref[6] = {1.49834967, 1.70660132, 1.91485297, 3.25553199, 3.5141327, 3.77273342};
    assert_true(rel_error(out, ref, 6) <= 1e-8);
}

static void test_relu_forward_reference(void **state)
{
    (void)state;
    fc_real x[12], out[12];
    linspace(x, -0.5, 0.5, 12);
    struct fc_relu_cache cache;
    fc_relu_forward(out, &cache, x, 12);
    const fc_real ref[12] = {0, 0, 0, 0, 0, 0, 0.04545455, 0.13636364, 0.22727273, 0.31818182,
                             0.40909091, 0.5};
    assert_true(rel_error(out, ref, 12) <= 5e-8);
    for (int i = 0; i < 6; i++) assert_true(out[i] == 0.0);
}

/* ---- a generic gradient check: f = sum(layer(x, params) * dout) --------------------- */
enum which { L_AFFINE, L_RELU, L_AFFINE_RELU, L_BN, L_LN, L_AFFINE_BN_RELU, L_AFFINE_LN_RELU, L_DROPOUT };

struct lctx {
    enum which kind;
    int N, D, M;
    fc_real *x, *w, *b, *gamma, *beta, *out, *dout, *a, *xhat, *inv, *rm, *rv, *mask;
    double p;
    uint64_t seed;
    struct fc_affine_cache ac;
    struct fc_relu_cache rc;
    struct fc_affine_relu_cache arc;
    struct fc_batchnorm_cache bc;
    struct fc_layernorm_cache lc;
    struct fc_affine_norm_relu_cache anr;
    struct fc_dropout_cache dc;
};

static size_t out_len(const struct lctx *c)
{
    switch (c->kind) {
    case L_AFFINE: case L_AFFINE_RELU: case L_AFFINE_BN_RELU: case L_AFFINE_LN_RELU:
        return (size_t)c->N * c->M;
    default: return (size_t)c->N * c->D;
    }
}

static void run_forward(struct lctx *c)
{
    struct fc_rng rng;
    switch (c->kind) {
    case L_AFFINE: fc_affine_forward(c->out, &c->ac, c->x, c->w, c->b, c->N, c->D, c->M); break;
    case L_RELU: fc_relu_forward(c->out, &c->rc, c->x, (size_t)c->N * c->D); break;
    case L_AFFINE_RELU:
        fc_affine_relu_forward(c->out, &c->arc, c->x, c->w, c->b, c->N, c->D, c->M);
        break;
    case L_BN:
        fc_batchnorm_forward(c->out, &c->bc, c->xhat, c->inv, c->x, c->gamma, c->beta, c->rm, c->rv,
                             c->N, c->D, 1e-5, 0.9, FC_MODE_TRAIN);
        break;
    case L_LN:
        fc_layernorm_forward(c->out, &c->lc, c->xhat, c->inv, c->x, c->gamma, c->beta, c->N, c->D, 1e-5);
        break;
    case L_AFFINE_BN_RELU:
    case L_AFFINE_LN_RELU:
        fc_affine_norm_relu_forward(c->out, &c->anr, c->a, c->xhat, c->inv, c->x, c->w, c->b,
                                    c->gamma, c->beta, c->rm, c->rv, c->N, c->D, c->M,
                                    c->kind == L_AFFINE_BN_RELU ? FC_NORM_BATCHNORM : FC_NORM_LAYERNORM,
                                    FC_MODE_TRAIN);
        break;
    case L_DROPOUT:
        fc_rng_seed(&rng, c->seed); /* the same mask at every evaluation */
        fc_dropout_forward(c->out, &c->dc, c->mask, c->x, (size_t)c->N * c->D, c->p, FC_MODE_TRAIN, &rng);
        break;
    }
}

static double f_layer(void *p)
{
    struct lctx *c = p;
    run_forward(c);
    return dot(c->out, c->dout, out_len(c));
}

static int g_sparse_cols;

/* Check dx (and dw, db, dgamma, dbeta where the layer has them) against numeric ones. */
static void gradcheck_layer(enum which kind, int N, int D, int M, double tol)
{
    struct fc_rng r;
    fc_rng_seed(&r, 231 + (uint64_t)kind);
    struct lctx c = {.kind = kind, .N = N, .D = D, .M = M, .p = 0.7, .seed = 7};
    size_t big = (size_t)N * (D > M ? D : M) + (size_t)(D > M ? D : M) + N;
    fc_real *buf = calloc(24 * big + 4 * (size_t)D * M, sizeof(fc_real));
    fc_real *p = buf;
#define TAKE(ptr, n) (ptr = p, p += (n))
    TAKE(c.x, (size_t)N * D); TAKE(c.w, (size_t)D * M); TAKE(c.b, M); TAKE(c.gamma, big);
    TAKE(c.beta, big); TAKE(c.out, big); TAKE(c.dout, big); TAKE(c.a, big); TAKE(c.xhat, big);
    TAKE(c.inv, big); TAKE(c.rm, big); TAKE(c.rv, big); TAKE(c.mask, big);
    fc_real *dx, *dw, *db, *dg, *dbt, *num, *scratch;
    TAKE(dx, big); TAKE(dw, (size_t)D * M + big); TAKE(db, big); TAKE(dg, big); TAKE(dbt, big);
    TAKE(num, (size_t)D * M + big); TAKE(scratch, big);
#undef TAKE
    randn(c.x, (size_t)N * D, &r, 2.0);
    for (size_t i = 0; i < (size_t)N * D; i++) c.x[i] += (fc_real)0.5; /* mean shift, like real data */
    randn(c.w, (size_t)D * M, &r, 0.5);
    randn(c.b, M, &r, 0.5);
    randn(c.gamma, big, &r, 1.0);
    randn(c.beta, big, &r, 1.0);
    for (size_t i = 0; i < big; i++) c.rv[i] = 1;
    randn(c.dout, big, &r, 1.0);
    if (g_sparse_cols) {
        /* wide layers: upstream gradient only in a few columns around the column-block
         * boundaries, so f stays small and the centred differences stay exact enough */
        int W = (int)(out_len(&c) / (size_t)N);
        for (int n = 0; n < N; n++)
            for (int j = 0; j < W; j++)
                if (!(j == 0 || j == 255 || j == 256 || j == W - 1)) c.dout[(size_t)n * W + j] = 0;
    }

    run_forward(&c);
    switch (kind) {
    case L_AFFINE: fc_affine_backward(dx, dw, db, c.dout, &c.ac); break;
    case L_RELU: fc_relu_backward(dx, c.dout, &c.rc); break;
    case L_AFFINE_RELU: fc_affine_relu_backward(dx, dw, db, scratch, c.dout, &c.arc); break;
    case L_BN: fc_batchnorm_backward(dx, dg, dbt, c.dout, &c.bc); break;
    case L_LN: fc_layernorm_backward(dx, dg, dbt, c.dout, &c.lc); break;
    case L_AFFINE_BN_RELU:
    case L_AFFINE_LN_RELU:
        fc_affine_norm_relu_backward(dx, dw, db, dg, dbt, scratch, c.dout, &c.anr);
        break;
    case L_DROPOUT: fc_dropout_backward(dx, c.dout, &c.dc); break;
    }
    numeric_grad(num, c.x, (size_t)N * D, f_layer, &c, H);
    double e = rel_error(dx, num, (size_t)N * D);
    print_message("layer %d N=%d D=%d M=%d: dx rel error %.3g\n", kind, N, D, M, e);
    assert_true(e <= tol);
    int has_w = kind == L_AFFINE || kind == L_AFFINE_RELU || kind == L_AFFINE_BN_RELU || kind == L_AFFINE_LN_RELU;
    int has_g = kind == L_BN || kind == L_LN || kind == L_AFFINE_BN_RELU || kind == L_AFFINE_LN_RELU;
    int G = has_w ? M : D;
    if (has_w) {
        numeric_grad(num, c.w, (size_t)D * M, f_layer, &c, H);
        e = rel_error(dw, num, (size_t)D * M);
        print_message("  dw rel error %.3g\n", e);
        assert_true(e <= tol);
        numeric_grad(num, c.b, M, f_layer, &c, H);
        e = rel_error(db, num, M);
        print_message("  db rel error %.3g\n", e);
        assert_true(e <= tol);
    }
    if (has_g) {
        numeric_grad(num, c.gamma, G, f_layer, &c, H);
        e = rel_error(dg, num, G);
        print_message("  dgamma rel error %.3g\n", e);
        assert_true(e <= tol);
        numeric_grad(num, c.beta, G, f_layer, &c, H);
        e = rel_error(dbt, num, G);
        print_message("  dbeta rel error %.3g\n", e);
        assert_true(e <= tol);
    }
    free(buf);
}

static void test_affine_backward(void **s) { (void)s; gradcheck_layer(L_AFFINE, 10, 6, 5, 1e-8); }
static void test_relu_backward(void **s) { (void)s; gradcheck_layer(L_RELU, 10, 10, 1, 1e-8); }
static void test_affine_relu_backward(void **s) { (void)s; gradcheck_layer(L_AFFINE_RELU, 2, 12, 10, 1e-8); }
static void test_batchnorm_backward(void **s) { (void)s; gradcheck_layer(L_BN, 4, 5, 1, 1e-7); }
static void test_layernorm_backward(void **s) { (void)s; gradcheck_layer(L_LN, 4, 5, 1, 1e-7); }
static void test_affine_bn_relu_backward(void **s) { (void)s; gradcheck_layer(L_AFFINE_BN_RELU, 4, 6, 5, 1e-7); }
static void test_affine_ln_relu_backward(void **s) { (void)s; gradcheck_layer(L_AFFINE_LN_RELU, 4, 6, 5, 1e-7); }
static void test_dropout_backward(void **s) { (void)s; gradcheck_layer(L_DROPOUT, 10, 10, 1, 1e-8); }
/* edge shapes: one sample, one feature, one output; wide blocks past FC_COL_BLOCK */
static void test_edge_shapes(void **s)
{
    (void)s;
    gradcheck_layer(L_AFFINE, 1, 1, 1, 1e-8);
    gradcheck_layer(L_AFFINE_RELU, 1, 3, 1, 1e-8);
    gradcheck_layer(L_LN, 1, 3, 1, 1e-7);
    g_sparse_cols = 1;
    gradcheck_layer(L_BN, 5, 300, 1, 1e-7);
    gradcheck_layer(L_AFFINE, 3, 2, 300, 1e-8);
    g_sparse_cols = 0;
}

/* ---- losses --------------------------------------------------------------------------- */
struct lossctx {
    fc_real *x;
    uint8_t *y;
    int N, C, svm;
};
static double f_loss(void *p)
{
    struct lossctx *c = p;
    return c->svm ? fc_svm_loss(NULL, c->x, c->y, c->N, c->C) : fc_softmax_loss(NULL, c->x, c->y, c->N, c->C);
}

static void check_loss(int svm, double expect, double within)
{
    enum { N = 50, C = 10 };
    struct fc_rng r;
    fc_rng_seed(&r, 231);
    fc_real x[N * C], dx[N * C], num[N * C];
    uint8_t y[N];
    randn(x, N * C, &r, 0.001);
    for (int i = 0; i < N; i++) y[i] = (uint8_t)fc_rng_below(&r, C);
    double loss = svm ? fc_svm_loss(dx, x, y, N, C) : fc_softmax_loss(dx, x, y, N, C);
    print_message("%s loss %.6f (expect %.4f)\n", svm ? "svm" : "softmax", loss, expect);
    assert_true(fabs(loss - expect) <= within);
    struct lossctx c = {x, y, N, C, svm};
    numeric_grad(num, x, N * C, f_loss, &c, 1e-4); /* smooth: a larger step, less roundoff */
    double e = rel_error(dx, num, N * C);
    print_message("  dx rel error %.3g\n", e);
    assert_true(e <= 1e-8);
}
static void test_svm_loss(void **s) { (void)s; check_loss(1, 9.0, 0.01); }
static void test_softmax_loss(void **s) { (void)s; check_loss(0, 2.3026, 0.001); }

/* ---- dropout behaviour ------------------------------------------------------------------ */
static void test_dropout_modes(void **s)
{
    (void)s;
    enum { n = 500 * 500 };
    fc_real *x = malloc(n * sizeof *x), *out = malloc(n * sizeof *out), *mask = malloc(n * sizeof *mask);
    struct fc_rng r;
    fc_rng_seed(&r, 1);
    for (int i = 0; i < n; i++) x[i] = (fc_real)(fc_rng_normal(&r) + 10);
    const double ps[] = {0.25, 0.4, 0.7};
    for (int k = 0; k < 3; k++) {
        struct fc_dropout_cache c;
        fc_dropout_forward(out, &c, mask, x, n, ps[k], FC_MODE_TRAIN, &r);
        double mx = 0, mo = 0, zeros = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            mo += out[i];
            zeros += out[i] == 0;
        }
        /* inverted dropout keeps the mean; the fraction zeroed is 1 - p */
        assert_true(fabs(mo / mx - 1) < 0.01);
        assert_true(fabs(zeros / n - (1 - ps[k])) < 0.01);
        fc_dropout_forward(out, &c, mask, x, n, ps[k], FC_MODE_TEST, &r);
        for (int i = 0; i < n; i++) assert_true(out[i] == x[i]);
    }
    free(x);
    free(out);
    free(mask);
}

/* ---- batchnorm statistics --------------------------------------------------------------- */
static void test_batchnorm_forward_stats(void **s)
{
    (void)s;
    enum { N = 200, D = 3 };
    struct fc_rng r;
    fc_rng_seed(&r, 2);
    fc_real x[N * D], out[N * D], xhat[N * D], inv[D], rm[D] = {0}, rv[D] = {1, 1, 1};
    fc_real gamma[D] = {1, 2, 3}, beta[D] = {11, 12, 13};
    for (int i = 0; i < N * D; i++) x[i] = (fc_real)(5 + 3 * fc_rng_normal(&r));
    struct fc_batchnorm_cache c;
    fc_batchnorm_forward(out, &c, xhat, inv, x, gamma, beta, rm, rv, N, D, 1e-5, 0.9, FC_MODE_TRAIN);
    for (int j = 0; j < D; j++) {
        double m = 0, v = 0;
        for (int n = 0; n < N; n++) m += out[n * D + j];
        m /= N;
        for (int n = 0; n < N; n++) v += (out[n * D + j] - m) * (out[n * D + j] - m);
        assert_true(fabs(m - beta[j]) < 1e-9);
        assert_true(fabs(sqrt(v / N) - gamma[j]) < 1e-5);
    }
    /* running averages after many train steps approach the data's statistics (mean 5, var 9) */
    fc_real rm2[D] = {0}, rv2[D] = {1, 1, 1};
    for (int t = 0; t < 200; t++) {
        for (int i = 0; i < N * D; i++) x[i] = (fc_real)(5 + 3 * fc_rng_normal(&r));
        fc_batchnorm_forward(out, &c, xhat, inv, x, gamma, beta, rm2, rv2, N, D, 1e-5, 0.9, FC_MODE_TRAIN);
    }
    for (int j = 0; j < D; j++) {
        assert_true(fabs(rm2[j] - 5) < 0.3);
        assert_true(fabs(rv2[j] - 9) < 1.5);
    }
    /* test mode uses the running statistics: mean of the output ~ beta */
    fc_batchnorm_forward(out, &c, xhat, inv, x, gamma, beta, rm2, rv2, N, D, 1e-5, 0.9, FC_MODE_TEST);
    for (int j = 0; j < D; j++) {
        double m = 0;
        for (int n = 0; n < N; n++) m += out[n * D + j];
        assert_true(fabs(m / N - beta[j]) < 0.5 * gamma[j]);
        assert_true(inv[j] == (fc_real)(1.0 / sqrt(rv2[j] + 1e-5)));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_affine_forward_reference),
        cmocka_unit_test(test_relu_forward_reference),
        cmocka_unit_test(test_affine_backward),
        cmocka_unit_test(test_relu_backward),
        cmocka_unit_test(test_affine_relu_backward),
        cmocka_unit_test(test_batchnorm_backward),
        cmocka_unit_test(test_layernorm_backward),
        cmocka_unit_test(test_affine_bn_relu_backward),
        cmocka_unit_test(test_affine_ln_relu_backward),
        cmocka_unit_test(test_dropout_backward),
        cmocka_unit_test(test_edge_shapes),
        cmocka_unit_test(test_svm_loss),
        cmocka_unit_test(test_softmax_loss),
        cmocka_unit_test(test_dropout_modes),
        cmocka_unit_test(test_batchnorm_forward_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
