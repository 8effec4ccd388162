/* TwoLayerNet and FullyConnectedNet: the assignment's reference scores and losses,
 * initialisation, and float64 gradient checks of the whole net (reg, batchnorm, layernorm,
 * dropout). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <float.h>

#include <cmocka.h>

#include "fcnet/model.h"
#include "fcnet/optim.h"
#include "testutil.h"

static void make_config(struct fc_config *c, enum fc_model_kind kind, int D, const int *hidden,
                        int nh, int C, double ws, double reg)
{
    fc_config_defaults(c, kind);
    c->input_dim = D;
    c->num_classes = C;
    c->num_hidden = nh;
    for (int i = 0; i < nh; i++) c->hidden_dims[i] = hidden[i];
    c->weight_scale = ws;
    c->reg = reg;
}

static void test_two_layer_reference(void **state)
{
    (void)state;
    enum { D = 5, H = 50, C = 7, N = 3 };
    struct fc_config c;
    struct fc_model m;
    struct fc_workspace ws;
    struct fc_rng rng;
    int hid[1] = {H};
    make_config(&c, FC_MODEL_TWO, D, hid, 1, C, 1e-3, 0.0);
    fc_rng_seed(&rng, 0);
    assert_int_equal(fc_model_init(&m, &c, &rng), FC_OK);
    assert_int_equal(fc_workspace_init(&ws, &m, N), FC_OK);
    linspace(m.W[0], -0.7, 0.3, D * H);
    linspace(m.b[0], -0.1, 0.9, H);
    linspace(m.W[1], -0.3, 0.4, H * C);
    linspace(m.b[1], -0.9, 0.1, C);
    /* X = linspace(-5.5, 4.5, N*D) reshaped (D, N), transposed */
    fc_real lin[N * D], X[N * D];
    linspace(lin, -5.5, 4.5, N * D);
    for (int d = 0; d < D; d++)
        for (int n = 0; n < N; n++) X[n * D + d] = lin[d * N + n];
    const double ref[N * C] = {
        11.53165108, 12.2917344,  13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096,
        12.05769098, 12.74614105, 13.43459113, 14.1230412,  14.81149128, 15.49994135, 16.18839143,
        12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319};
    const fc_real *scores = fc_model_forward(&m, &ws, X, N, FC_MODE_TEST, NULL);
    double diff = 0;
    for (int i = 0; i < N * C; i++) diff += fabs(scores[i] - ref[i]);
    print_message("scores: sum |diff| = %.3g\n", diff);
    assert_true(diff < 1e-6);
    const uint8_t y[N] = {0, 5, 1};
    double loss = fc_model_loss(&m, &ws, X, y, N, &rng);
    print_message("loss reg 0: %.10f\n", loss);
    assert_true(fabs(loss - 3.4702243556) < 1e-10);
    m.reg = 1.0;
    loss = fc_model_loss(&m, &ws, X, y, N, &rng);
    print_message("loss reg 1: %.10f\n", loss);
    assert_true(fabs(loss - 26.5948426952) < 1e-10);
    fc_workspace_free(&ws);
    fc_model_free(&m);
}

static void test_two_layer_init(void **state)
{
    (void)state;
    struct fc_config c;
    struct fc_model m;
    struct fc_rng rng;
    int hid[1] = {50};
    make_config(&c, FC_MODEL_TWO, 5, hid, 1, 7, 1e-3, 0.0);
    fc_rng_seed(&rng, 1);
    assert_int_equal(fc_model_init(&m, &c, &rng), FC_OK);
    for (int l = 0; l < 2; l++) {
        size_t n = (size_t)m.dims[l] * m.dims[l + 1];
        double s = 0, ss = 0;
        for (size_t i = 0; i < n; i++) {
            s += m.W[l][i];
            ss += (double)m.W[l][i] * m.W[l][i];
        }
        double sd = sqrt(ss / n - (s / n) * (s / n));
        print_message("W%d std %.6f\n", l + 1, sd);
        assert_true(fabs(sd - 1e-3) < 1e-4);
        for (int j = 0; j < m.dims[l + 1]; j++) assert_true(m.b[l][j] == 0.0);
    }
    fc_model_free(&m);
}

/* ---- whole-net gradient check ---------------------------------------------------------- */
struct netctx {
    struct fc_model *m;
    struct fc_workspace *ws;
    fc_real *X;
    uint8_t *y;
    int N;
};
static double f_net(void *p)
{
    struct netctx *c = p;
    struct fc_rng r;
    fc_rng_seed(&r, 123); /* the same dropout mask at every evaluation */
    return fc_model_loss(c->m, c->ws, c->X, c->y, c->N, &r);
}

static void gradcheck_net(enum fc_model_kind kind, const int *hidden, int nh, int D, int C, int N,
                          double ws_scale, double reg, enum fc_norm norm, double keep,
                          double tol, double *init_loss)
{
    struct fc_config c;
    struct fc_model m;
    struct fc_workspace ws;
    struct fc_rng rng;
    make_config(&c, kind, D, hidden, nh, C, ws_scale, reg);
    c.normalization = norm;
    c.dropout = keep;
    fc_rng_seed(&rng, 231);
    assert_int_equal(fc_model_init(&m, &c, &rng), FC_OK);
    assert_int_equal(fc_workspace_init(&ws, &m, N), FC_OK);
    fc_real *X = malloc((size_t)N * D * sizeof *X), *num = malloc(m.nparams * sizeof *num);
    uint8_t *y = malloc((size_t)N);
    for (int i = 0; i < N * D; i++) X[i] = (fc_real)fc_rng_normal(&rng);
    for (int i = 0; i < N; i++) y[i] = (uint8_t)fc_rng_below(&rng, (uint64_t)C);
    struct netctx ctx = {&m, &ws, X, y, N};
    double loss = f_net(&ctx);
    /* batchnorm over N = 2 rows is nearly degenerate (xhat = +-1): its third derivatives
     * are large, so a smaller step keeps the truncation error of the differences down */
    const double h = norm == FC_NORM_BATCHNORM ? 1e-6 : 1e-5;
    if (init_loss) *init_loss = loss;
    /* analytic gradients of this exact point: m.grads is overwritten by each loss call,
     * so keep a copy */
    fc_real *ana = malloc(m.nparams * sizeof *ana);
    memcpy(ana, m.grads, m.nparams * sizeof *ana);
    for (int t = 0; t < fc_model_num_tensors(&m); t++) {
        struct fc_tensor_view v;
        fc_model_tensor(&m, t, &v);
        size_t n = (size_t)v.rows * v.cols, off = (size_t)(v.grad - m.grads);
        numeric_grad(num, v.data, n, f_net, &ctx, h);
        double e = rel_error(ana + off, num, n);
        const double lim = tol;
        /* An entry passes on relative error, or when |analytic - numeric| is within the
         * roundoff bound of centred differences, 2 eps |f| / h (about 5e-11 here): entries
         * whose true gradient is ~1e-5 or exactly 0 (biases before batchnorm) cannot be
         * resolved better than that by any step size, as the assignment's own notes say. */
        double atol = 2 * DBL_EPSILON * fabs(loss) / h;
        size_t bad = 0;
        for (size_t q = 0; q < n; q++) {
            double a = ana[off + q], b = num[q], d = fabs(a - b);
            if (d / fmax(1e-8, fabs(a) + fabs(b)) > lim && d > atol) {
                print_message("    %s[%zu] analytic %.12g numeric %.12g\n", v.name, q, a, b);
                bad++;
            }
        }
        print_message("  %s rel error %.3g (limit %.0e; %zu entries outside both bounds)\n",
                      v.name, e, lim, bad);
        assert_int_equal(bad, 0);
    }
    free(ana);
    free(X);
    free(num);
    free(y);
    fc_workspace_free(&ws);
    fc_model_free(&m);
}

static void test_two_layer_gradcheck(void **state)
{
    (void)state;
    int hid[1] = {50};
    for (int k = 0; k < 2; k++) {
        double reg = k ? 0.7 : 0.0;
        print_message("TwoLayerNet reg %g\n", reg);
        gradcheck_net(FC_MODEL_TWO, hid, 1, 5, 7, 3, 1e-1, reg, FC_NORM_NONE, 1.0, 1e-7, NULL);
    }
}

static const int FC_HID[2] = {20, 30};

static void test_fc_gradcheck_reg(void **state)
{
    (void)state;
    double loss0;
    print_message("FC [20, 30] reg 0\n");
    gradcheck_net(FC_MODEL_FC, FC_HID, 2, 15, 10, 2, 5e-2, 0.0, FC_NORM_NONE, 1.0, 1e-7, &loss0);
    print_message("initial loss %.4f\n", loss0);
    assert_true(fabs(loss0 - 2.30) < 0.05);
    print_message("FC [20, 30] reg 3.14\n");
    gradcheck_net(FC_MODEL_FC, FC_HID, 2, 15, 10, 2, 5e-2, 3.14, FC_NORM_NONE, 1.0, 1e-7, NULL);
}

static void gradcheck_norm(enum fc_norm norm)
{
    for (int k = 0; k < 2; k++) {
        double reg = k ? 3.14 : 0.0;
        print_message("FC [20, 30] %s reg %g\n", fc_norm_name(norm), reg);
        gradcheck_net(FC_MODEL_FC, FC_HID, 2, 15, 10, 2, 5e-2, reg, norm, 1.0, 1e-7, NULL);
    }
}
static void test_fc_gradcheck_batchnorm(void **s) { (void)s; gradcheck_norm(FC_NORM_BATCHNORM); }
static void test_fc_gradcheck_layernorm(void **s) { (void)s; gradcheck_norm(FC_NORM_LAYERNORM); }

static void test_fc_gradcheck_dropout(void **state)
{
    (void)state;
    const double keeps[] = {1.0, 0.75, 0.5};
    for (int k = 0; k < 3; k++) {
        print_message("FC [20, 30] dropout keep %g\n", keeps[k]);
        gradcheck_net(FC_MODEL_FC, FC_HID, 2, 15, 10, 2, 5e-2, 0.0, FC_NORM_NONE, keeps[k], 1e-7, NULL);
    }
}

/* The fused step (each layer, and the input layer's dW block by block, handed to the
 * optimizer during backward) equals loss + gradients + a whole-slab update, exactly. */
/* Training through the optimizer's sink (each layer updated during backward) against
 * fc_model_loss + fc_optim_step over the whole slab: 3 steps with dropout, L2 and each
 * norm, for every rule. adam, rmsprop and sgd_momentum take the same path through the
 * rule's loop (dW made, the input layer's in row blocks): parameters bit for bit equal.
 * sgd runs as one GEMM per layer from x and dout (fc_optim_update_outer): the same
 * arithmetic rounded differently, so equal to 1e-12; with o->outer = 0 bit for bit. */
static void test_fused_update_matches(void **state)
{
    (void)state;
    /* a first hidden layer of 1024 makes dW blocks of 64 rows: D = 300 spans five
     * (4 x 64 + 44), so the block offsets and the partial last block are exercised */
    enum { D = 300, N = 7 };
    const int hid[2] = {1024, 12};
    const enum fc_norm norms[3] = {FC_NORM_NONE, FC_NORM_BATCHNORM, FC_NORM_LAYERNORM};
    for (int variant = 0; variant < 5; variant++)
    for (int k = 0; k < 3; k++) {
        const enum fc_update_rule rule = variant < 4 ? (enum fc_update_rule)variant : FC_RULE_SGD;
        const int outer = variant < 4, exact = rule != FC_RULE_SGD || !outer;
        struct fc_config c;
        struct fc_model a, b;
        struct fc_workspace wa, wb;
        struct fc_optim oa, ob;
        struct fc_rng ra, rb;
        make_config(&c, FC_MODEL_FC, D, hid, 2, 10, 5e-2, 0.3);
        c.normalization = norms[k];
        c.dropout = 0.8;
        c.update_rule = rule;
        c.learning_rate = 1e-2;
        fc_rng_seed(&ra, 9);
        fc_rng_seed(&rb, 9);
        assert_int_equal(fc_model_init(&a, &c, &ra), FC_OK);
        assert_int_equal(fc_model_init(&b, &c, &rb), FC_OK);
        assert_int_equal(fc_workspace_init(&wa, &a, N), FC_OK);
        assert_int_equal(fc_workspace_init(&wb, &b, N), FC_OK);
        assert_int_equal(wb.dw_rows, 64);
        assert_int_equal(fc_optim_init(&oa, &c, a.nparams), FC_OK);
        assert_int_equal(fc_optim_init(&ob, &c, b.nparams), FC_OK);
        ob.outer = outer;
        fc_real X[N * D];
        uint8_t y[N];
        struct fc_rng rx;
        fc_rng_seed(&rx, 10);
        for (int i = 0; i < N * D; i++) X[i] = (fc_real)fc_rng_normal(&rx);
        for (int i = 0; i < N; i++) y[i] = (uint8_t)(i % 10);
        struct fc_optim_target u = {&ob, b.params};
        const struct fc_grad_sink sink = fc_optim_sink(&u);
        for (int step = 0; step < 3; step++) {
            double la = fc_model_loss(&a, &wa, X, y, N, &ra);
            fc_optim_step(&oa, a.params, a.grads);
            fc_optim_begin_step(&ob);
            double lb = fc_model_loss_update(&b, &wb, X, y, N, &rb, &sink);
            /* the L2 sum of the input layer is added block by block: same terms, another
             * association, so the loss may differ in its last bits (and from step 2 on,
             * with sgd's GEMM, by what its parameters differ) */
            assert_true(fabs(la - lb) <= (exact ? 1e-13 : 1e-11) * fabs(la));
        }
        if (exact) {
            assert_memory_equal(a.params, b.params, a.nparams * sizeof(fc_real));
        } else {
            double e = 0, moved = 0;
            struct fc_model f;
            struct fc_rng rf;
            fc_rng_seed(&rf, 9);
            assert_int_equal(fc_model_init(&f, &c, &rf), FC_OK);
            for (size_t i = 0; i < a.nparams; i++) {
                double d = fabs(a.params[i] - b.params[i]), mv = fabs(a.params[i] - f.params[i]);
                if (d > e) e = d;
                if (mv > moved) moved = mv;
            }
            print_message("sgd as a GEMM, norm %d: max |difference| %.3g, largest update %.3g\n",
                          k, e, moved);
            assert_true(moved > 1e-3); /* training moved the parameters */
            assert_true(e <= 1e-12 * moved);
            fc_model_free(&f);
        }
        if (a.nrunning && exact)
            assert_memory_equal(a.running, b.running, a.nrunning * sizeof(fc_real));
        else if (a.nrunning)
            assert_true(rel_error(a.running, b.running, a.nrunning) <= 1e-10);
        fc_optim_free(&oa);
        fc_optim_free(&ob);
        fc_workspace_free(&wa);
        fc_workspace_free(&wb);
        fc_model_free(&a);
        fc_model_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_layer_reference),
        cmocka_unit_test(test_two_layer_init),
        cmocka_unit_test(test_two_layer_gradcheck),
        cmocka_unit_test(test_fc_gradcheck_reg),
        cmocka_unit_test(test_fc_gradcheck_batchnorm),
        cmocka_unit_test(test_fc_gradcheck_layernorm),
        cmocka_unit_test(test_fc_gradcheck_dropout),
        cmocka_unit_test(test_fused_update_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
