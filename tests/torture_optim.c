/* Update rules against the assignment's checks (N, D = 4, 5), every entry compared with
 * the float64 reference of tests/fixtures/gen_optim_ref.py, plus struct fc_optim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fcnet/optim.h"
#include "fixtures/optim_ref.h"
#include "testutil.h"

enum { N = 4, D = 5, ND = N * D };

static void check_all(const fc_real *got, const double *ref, const char *what)
{
    fc_real r[ND];
    for (int i = 0; i < ND; i++) r[i] = (fc_real)ref[i];
    double e = rel_error(got, r, ND);
    print_message("%s rel error %.3g\n", what, e);
    assert_true(e <= 1e-7);
}

static void setup_wdw(fc_real *w, fc_real *dw)
{
    linspace(w, -0.4, 0.6, ND);
    linspace(dw, -0.6, 0.4, ND);
}

static void test_sgd_momentum(void **s)
{
    (void)s;
    fc_real w[ND], dw[ND], v[ND];
    setup_wdw(w, dw);
    linspace(v, 0.6, 0.9, ND);
    fc_sgd_momentum_step(w, v, dw, ND, 1e-3, 0.9);
    check_all(w, REF_MOMENTUM_W, "sgd_momentum next_w");
    check_all(v, REF_MOMENTUM_V, "sgd_momentum velocity");
    /* the quoted entries */
    assert_true(fabs(w[0] - 0.1406) < 1e-12 && fabs(w[ND - 1] - 1.4096) < 1e-12);
    assert_true(fabs(v[ND - 1] - 0.8096) < 1e-12);
}

static void test_rmsprop(void **s)
{
    (void)s;
    fc_real w[ND], dw[ND], cache[ND];
    setup_wdw(w, dw);
    linspace(cache, 0.6, 0.9, ND);
    fc_rmsprop_step(w, cache, dw, ND, 1e-2, 0.99, 1e-8);
    check_all(w, REF_RMSPROP_W, "rmsprop next_w");
    check_all(cache, REF_RMSPROP_CACHE, "rmsprop cache");
    assert_true(fabs(w[0] - -0.39223849) < 1e-8 && fabs(w[ND - 1] - 0.59576619) < 1e-8);
    assert_true(fabs(cache[ND - 1] - 0.8926) < 1e-12);
}

static void test_adam(void **s)
{
    (void)s;
    fc_real w[ND], dw[ND], m[ND], v[ND];
    setup_wdw(w, dw);
    linspace(m, 0.6, 0.9, ND);
    linspace(v, 0.7, 0.5, ND);
    /* t = 5 in the config; the step increments it before use */
    fc_adam_step(w, m, v, dw, ND, 1e-2, 0.9, 0.999, 1e-8, 6);
    check_all(w, REF_ADAM_W, "adam next_w");
    check_all(m, REF_ADAM_M, "adam m");
    check_all(v, REF_ADAM_V, "adam v");
    assert_true(fabs(w[0] - -0.40094747) < 1e-8 && fabs(w[ND - 1] - 0.59801459) < 1e-8);
    assert_true(fabs(m[ND - 1] - 0.85) < 1e-12 && fabs(v[ND - 1] - 0.49966) < 1e-12);
}

static void test_sgd(void **s)
{
    (void)s;
    fc_real w[ND], dw[ND], ref[ND];
    setup_wdw(w, dw);
    for (int i = 0; i < ND; i++) ref[i] = w[i] - 1e-2 * dw[i];
    fc_sgd_step(w, dw, ND, 1e-2);
    assert_true(rel_error(w, ref, ND) <= 1e-15);
}

/* struct fc_optim increments t before use and keeps its state across steps: two steps
 * through it equal two direct kernel calls with t = 1, 2. */
static void test_optim_struct_adam(void **s)
{
    (void)s;
    struct fc_config c;
    struct fc_optim o;
    fc_config_defaults(&c, FC_MODEL_FC);
    c.update_rule = FC_RULE_ADAM;
    c.learning_rate = 1e-2;
    fc_real w[ND], dw[ND], w2[ND], m[ND] = {0}, v[ND] = {0};
    setup_wdw(w, dw);
    memcpy(w2, w, sizeof w);
    assert_int_equal(fc_optim_init(&o, &c, ND), FC_OK);
    fc_optim_step(&o, w, dw);
    fc_optim_step(&o, w, dw);
    assert_int_equal(o.t, 2);
    fc_adam_step(w2, m, v, dw, ND, 1e-2, 0.9, 0.999, 1e-8, 1);
    fc_adam_step(w2, m, v, dw, ND, 1e-2, 0.9, 0.999, 1e-8, 2);
    assert_memory_equal(w, w2, sizeof w);
    fc_optim_free(&o);
    fc_optim_free(&o); /* safe twice */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd),
        cmocka_unit_test(test_sgd_momentum),
        cmocka_unit_test(test_rmsprop),
        cmocka_unit_test(test_adam),
        cmocka_unit_test(test_optim_struct_adam),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
