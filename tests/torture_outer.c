/* fc_optim_update_outer (float32 library): the input layer's update made from x and dout
 * in registers must equal the reference path, a GEMM for g = x^T dout + reg w followed by
 * fc_optim_update, for every rule, with and without L2, on shapes that exercise full and
 * partial tiles (D % 8, M % 16 and M % 48 not 0), over several steps so the rule state
 * matters. x and dout hold small dyadic numbers (k/8, k/64), so every order of summing
 * x^T dout gives the same float exactly, and the kernel's rule arithmetic must then match
 * the scalar loops bit for bit. Also: a whole net trained through the sink with and
 * without the kernel (there the sums differ in their last bits, so a float tolerance).
 * On a CPU without AVX-512F the kernel does not exist and the tests are skipped. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fcnet/model.h"
#include "fcnet/optim.h"
#include "fcnet/rng.h"
#include "fcnet/tensor.h"

/* max |a - b| over max |b| (the largest entry sets the scale of float rounding) */
static double scaled_diff(const float *a, const float *b, size_t n)
{
    double d = 0, s = 1e-30;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - b[i]);
        if (e > d) d = e;
        if (fabs(b[i]) > s) s = fabs(b[i]);
    }
    return d / s;
}

static void fill(float *p, size_t n, struct fc_rng *r, double scale)
{
    for (size_t i = 0; i < n; i++) p[i] = (float)(scale * fc_rng_normal(r));
}

/* k / den with integer k in [-lim, lim]: products and their sums are exact in float */
static void fill_dyadic(float *p, size_t n, struct fc_rng *r, int lim, float den)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (float)((long)(fc_rng_uniform(r) * (2 * lim + 1)) - lim) / den;
}

static void check_shape(int N, int D, int M, enum fc_update_rule rule, double reg)
{
    struct fc_config c;
    fc_config_defaults(&c, FC_MODEL_FC);
    c.update_rule = rule;
    c.learning_rate = 1e-2;
    const size_t n = (size_t)D * M, nscratch = (size_t)N * (M + 64);
    struct fc_optim oa, ob;
    assert_int_equal(fc_optim_init(&oa, &c, n), FC_OK);
    assert_int_equal(fc_optim_init(&ob, &c, n), FC_OK);
    float *wa = malloc(n * 4), *wb = malloc(n * 4), *g = malloc(n * 4);
    float *x = malloc((size_t)N * D * 4), *dout = malloc((size_t)N * M * 4);
    float *scratch = malloc(nscratch * 4);
    assert_non_null(wa && wb && g && x && dout && scratch);
    struct fc_rng r;
    fc_rng_seed(&r, (uint64_t)(N * 7919 + D * 131 + M));
    fill(wa, n, &r, 0.05);
    memcpy(wb, wa, n * 4);
    for (int step = 0; step < 3; step++) {
        fill_dyadic(x, (size_t)N * D, &r, 16, 8);
        fill_dyadic(dout, (size_t)N * M, &r, 32, 64);
        /* reference: g = x^T dout + reg w, then the scalar rule */
        fc_optim_begin_step(&oa);
        fc_gemm(1, 0, D, M, N, 1, x, D, dout, M, 0, g, M);
        double sq_ref = 0;
        if (reg != 0)
            for (size_t i = 0; i < n; i++) {
                sq_ref += (double)wa[i] * wa[i];
                g[i] += (float)reg * wa[i];
            }
        fc_optim_update(&oa, wa, g, 0, n);
        /* fused */
        fc_optim_begin_step(&ob);
        double sq = 0;
        assert_int_equal(fc_optim_update_outer(&ob, wb, 0, x, D, dout, N, D, M, (float)reg,
                                               scratch, nscratch, &sq),
                         1);
        if (reg != 0) assert_true(fabs(sq - sq_ref) <= 1e-6 * sq_ref);
        else assert_true(sq == 0);
    }
    print_message("N %d D %d M %d rule %d reg %g: w, state bit for bit\n", N, D, M, rule, reg);
    assert_memory_equal(wb, wa, n * 4);
    if (oa.s1) assert_memory_equal(ob.s1, oa.s1, n * 4);
    if (oa.s2) assert_memory_equal(ob.s2, oa.s2, n * 4);
    fc_optim_free(&oa);
    fc_optim_free(&ob);
    free(wa), free(wb), free(g), free(x), free(dout), free(scratch);
}

static int no_kernel(void)
{
    if (fc_optim_outer_available()) return 0;
    print_message("no AVX-512F on this CPU: fc_optim_update_outer has no kernel here\n");
    return 1;
}

static void test_rules_and_shapes(void **s)
{
    (void)s;
    if (no_kernel()) skip();
    static const int shapes[][3] = {{100, 3072, 300}, {7, 37, 13}, {3, 21, 49}, {1, 9, 16},
                                    {50, 64, 97},     {2, 8, 48},  {5, 17, 100}};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
        for (int rule = FC_RULE_SGD; rule <= FC_RULE_ADAM; rule++)
            for (int with_reg = 0; with_reg < 2; with_reg++)
                check_shape(shapes[k][0], shapes[k][1], shapes[k][2], (enum fc_update_rule)rule,
                            with_reg ? 0.3 : 0);
}

/* Too little scratch or o->outer = 0: returns 0 and touches nothing. */
static void test_declines(void **s)
{
    (void)s;
    if (no_kernel()) skip();
    struct fc_config c;
    fc_config_defaults(&c, FC_MODEL_FC);
    c.update_rule = FC_RULE_ADAM;
    enum { N = 4, D = 16, M = 20 };
    struct fc_optim o;
    assert_int_equal(fc_optim_init(&o, &c, D * M), FC_OK);
    fc_optim_begin_step(&o);
    float w[D * M], w0[D * M], x[N * D], dout[N * M], scratch[N * (M + 64)];
    for (int i = 0; i < D * M; i++) w[i] = w0[i] = (float)i;
    for (int i = 0; i < N * D; i++) x[i] = 1;
    for (int i = 0; i < N * M; i++) dout[i] = 1;
    double sq = 0;
    assert_int_equal(fc_optim_update_outer(&o, w, 0, x, D, dout, N, D, M, 0, scratch, N * M, &sq), 0);
    o.outer = 0;
    assert_int_equal(fc_optim_update_outer(&o, w, 0, x, D, dout, N, D, M, 0, scratch,
                                           N * (M + 64), &sq), 0);
    assert_memory_equal(w, w0, sizeof w);
    for (int i = 0; i < D * M; i++) assert_true(o.s1[i] == 0 && o.s2[i] == 0);
    o.outer = 1;
    assert_int_equal(fc_optim_update_outer(&o, w, 0, x, D, dout, N, D, M, 0, scratch,
                                           N * (M + 64), &sq), 1);
    assert_true(w[0] != w0[0]);
    fc_optim_free(&o);
}

/* A whole net (batchnorm, dropout, L2) trained 5 steps through fc_optim_sink, once with
 * the kernel and once with o->outer = 0 (dW in blocks): same losses and parameters to
 * float rounding. sgd_momentum: its update is smooth in g (adam's and rmsprop's first
 * steps are ~lr sign(g), which rounding can flip where g ~ 0; the exact test above covers
 * them). */
static void test_model_paths_agree(void **s)
{
    (void)s;
    if (no_kernel()) skip();
    enum { N = 20, D = 75 };
    struct fc_config c;
    fc_config_defaults(&c, FC_MODEL_FC);
    c.input_dim = D;
    c.num_classes = 10;
    c.num_hidden = 2;
    c.hidden_dims[0] = 50;
    c.hidden_dims[1] = 30;
    c.weight_scale = 5e-2;
    c.reg = 0.1;
    c.dropout = 0.9;
    c.normalization = FC_NORM_BATCHNORM;
    c.update_rule = FC_RULE_SGD_MOMENTUM;
    c.learning_rate = 1e-1;
    struct fc_model m[2];
    struct fc_workspace ws[2];
    struct fc_optim o[2];
    struct fc_rng r[2];
    for (int k = 0; k < 2; k++) {
        fc_rng_seed(&r[k], 5);
        assert_int_equal(fc_model_init(&m[k], &c, &r[k]), FC_OK);
        assert_int_equal(fc_workspace_init(&ws[k], &m[k], N), FC_OK);
        assert_int_equal(fc_optim_init(&o[k], &c, m[k].nparams), FC_OK);
    }
    o[1].outer = 0;
    float X[N * D];
    uint8_t y[N];
    struct fc_rng rx;
    fc_rng_seed(&rx, 6);
    for (int step = 0; step < 5; step++) {
        for (int i = 0; i < N * D; i++) X[i] = (float)fc_rng_normal(&rx);
        for (int i = 0; i < N; i++) y[i] = (uint8_t)((i * 7 + step) % 10);
        double loss[2];
        for (int k = 0; k < 2; k++) {
            struct fc_optim_target t = {&o[k], m[k].params};
            const struct fc_grad_sink sink = fc_optim_sink(&t);
            fc_optim_begin_step(&o[k]);
            loss[k] = fc_model_loss_update(&m[k], &ws[k], X, y, N, &r[k], &sink);
        }
        print_message("step %d loss %.7f %.7f\n", step, loss[0], loss[1]);
        assert_true(fabs(loss[0] - loss[1]) <= 1e-5 * fabs(loss[1]));
    }
    double d = scaled_diff(m[0].params, m[1].params, m[0].nparams);
    print_message("parameters: max difference %.2g of the largest\n", d);
    assert_true(d <= 1e-5);
    /* and training moved them: the comparison is not of two untouched copies */
    struct fc_model fresh;
    struct fc_rng rf;
    fc_rng_seed(&rf, 5);
    assert_int_equal(fc_model_init(&fresh, &c, &rf), FC_OK);
    assert_true(scaled_diff(m[0].params, fresh.params, fresh.nparams) > 1e-3);
    fc_model_free(&fresh);
    for (int k = 0; k < 2; k++) {
        fc_optim_free(&o[k]);
        fc_workspace_free(&ws[k]);
        fc_model_free(&m[k]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_and_shapes),
        cmocka_unit_test(test_declines),
        cmocka_unit_test(test_model_paths_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
