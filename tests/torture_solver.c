/* Solver on the real CIFAR-10 (float32 library): overfitting 50 images with a 3-layer and
 * a 5-layer net, histories, determinism, divergence and stop requests.
 * Usage: torture_solver DATA_DIR (exit 77 = skipped when DATA_DIR has no CIFAR-10). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fcnet/fcnet.h"

static const char *g_dir;
static struct fc_dataset g_small; /* 50 train, 1000 val, 0 test */

static int setup(void **state)
{
    (void)state;
    fc_log_set_level(FC_LOG_WARN);
    return fc_cifar_load(&g_small, g_dir, 50, 1000, 0) == FC_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    fc_dataset_free(&g_small);
    return 0;
}

static void small_config(struct fc_config *c, const int *hidden, int nh, double ws, double lr)
{
    fc_config_defaults(c, FC_MODEL_FC);
    c->num_hidden = nh;
    for (int i = 0; i < nh; i++) c->hidden_dims[i] = hidden[i];
    c->weight_scale = ws;
    c->learning_rate = lr;
    c->update_rule = FC_RULE_SGD;
    c->batch_size = 25;
    c->num_epochs = 20;
    c->num_train = 50;
    c->num_test = 0;
    c->seed = 231;
}

static double run(const struct fc_config *c, struct fc_result *r, enum fc_status expect)
{
    struct fc_model m;
    struct fc_rng rng;
    fc_rng_seed(&rng, c->seed);
    assert_int_equal(fc_model_init(&m, c, &rng), FC_OK);
    struct fc_solver_opts o = {0};
    assert_int_equal(fc_solver_train(&m, &g_small, c, &o, &rng, r), expect);
    double best_train = 0;
    for (int e = 0; e <= r->num_epochs_done; e++)
        if (r->train_acc_history[e] > best_train) best_train = r->train_acc_history[e];
    fc_model_free(&m);
    return best_train;
}

/* The assignment: a 3-layer net overfits 50 images in 20 epochs (weight_scale 1e-2,
 * learning rate 1e-2), and so does a 5-layer one (weight_scale 1e-1, learning rate 1e-3). */
static void test_overfit_three_layer(void **s)
{
    (void)s;
    struct fc_config c;
    struct fc_result r;
    const int h[2] = {100, 100};
    small_config(&c, h, 2, 1e-2, 1e-2);
    double acc = run(&c, &r, FC_OK);
    print_message("3-layer: best train acc %.3f, final loss %.4f\n", acc, r.loss_history[r.num_iterations - 1]);
    assert_true(acc == 1.0);
    /* 2 iterations per epoch, 20 epochs; epoch 0 .. 20 accuracies */
    assert_int_equal(r.num_iterations, 40);
    assert_int_equal(r.num_epochs_done, 20);
    assert_true(r.loss_history[0] > 2.0 && r.loss_history[39] < 0.5);
    fc_result_free(&r);
}

static void test_overfit_five_layer(void **s)
{
    (void)s;
    struct fc_config c;
    struct fc_result r;
    const int h[4] = {100, 100, 100, 100};
    small_config(&c, h, 4, 1e-1, 1e-3);
    double acc = run(&c, &r, FC_OK);
    print_message("5-layer: best train acc %.3f\n", acc);
    assert_true(acc == 1.0);
    fc_result_free(&r);
}

/* Same seed, same histories, bit for bit (the sweep's determinism rests on this). */
static void test_deterministic(void **s)
{
    (void)s;
    struct fc_config c;
    struct fc_result a, b;
    const int h[2] = {50, 40};
    small_config(&c, h, 2, 5e-2, 1e-3);
    c.update_rule = FC_RULE_ADAM;
    c.normalization = FC_NORM_BATCHNORM;
    c.dropout = 0.8;
    c.num_epochs = 3;
    run(&c, &a, FC_OK);
    run(&c, &b, FC_OK);
    assert_int_equal(a.num_iterations, b.num_iterations);
    assert_memory_equal(a.loss_history, b.loss_history, sizeof(double) * (size_t)a.num_iterations);
    assert_memory_equal(a.val_acc_history, b.val_acc_history, sizeof(double) * 4);
    fc_result_free(&a);
    fc_result_free(&b);
}

/* A learning rate far too large makes the loss non-finite: stopped, reported diverged. */
static void test_diverged(void **s)
{
    (void)s;
    struct fc_config c;
    struct fc_result r;
    const int h[2] = {100, 100};
    small_config(&c, h, 2, 1e-1, 1e3);
    run(&c, &r, FC_STATUS_DIVERGED);
    assert_int_equal(r.status, FC_STATUS_DIVERGED);
    assert_true(r.num_iterations < 40);
    assert_non_null(strstr(r.message, "loss became"));
    fc_result_free(&r);
}

/* A stop request before training ends the run at once, as interrupted. */
static void test_stop_flag(void **s)
{
    (void)s;
    struct fc_config c;
    struct fc_result r;
    struct fc_model m;
    struct fc_rng rng;
    const int h[1] = {20};
    small_config(&c, h, 1, 1e-2, 1e-2);
    fc_rng_seed(&rng, 1);
    assert_int_equal(fc_model_init(&m, &c, &rng), FC_OK);
    static volatile sig_atomic_t stop = 1;
    struct fc_solver_opts o = {.stop = &stop};
    assert_int_equal(fc_solver_train(&m, &g_small, &c, &o, &rng, &r), FC_STATUS_INTERRUPTED);
    assert_int_equal(r.num_iterations, 0);
    fc_result_free(&r);
    fc_model_free(&m);
}

/* Every malloc/calloc/realloc in the process is counted, the libraries' (OpenBLAS,
 * libxsmm, HDF5) as well as fcnet's: the test defines the three, which takes precedence over
 * libc's for the program and every shared library, and hands each call to glibc's own entry
 * point. (Not under AddressSanitizer, which must see every allocation itself.) */
static long g_allocs;
#ifndef __SANITIZE_ADDRESS__
#define FC_COUNT_ALLOCS 1
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void *malloc(size_t n)
{
    g_allocs++;
    return __libc_malloc(n);
}
void *calloc(size_t n, size_t size)
{
    g_allocs++;
    return __libc_calloc(n, size);
}
void *realloc(void *p, size_t n)
{
    g_allocs++;
    return __libc_realloc(p, n);
}
#endif

/* A training step allocates nothing: gather, forward, backward and the fused update only
 * use the buffers made before the loop; nor do OpenBLAS and libxsmm (once a kernel is
 * made) at one thread. */
static void test_no_allocation_in_step(void **s)
{
    (void)s;
#ifndef FC_COUNT_ALLOCS
    skip();
#endif
    struct fc_config c;
    struct fc_model m;
    struct fc_workspace ws;
    struct fc_optim opt;
    struct fc_rng rng;
    const int h[2] = {64, 32};
    /* one BLAS thread, as in sweeps: OpenBLAS's threaded driver mallocs a 512 KB job
     * buffer on every call, which is OpenBLAS's own business and not the step's */
    const int threads = fc_blas_get_threads();
    fc_blas_set_threads(1);
    small_config(&c, h, 2, 5e-2, 1e-3);
    c.update_rule = FC_RULE_ADAM;
    c.normalization = FC_NORM_BATCHNORM;
    c.dropout = 0.8;
    fc_rng_seed(&rng, 3);
    assert_int_equal(fc_model_init(&m, &c, &rng), FC_OK);
    assert_int_equal(fc_workspace_init(&ws, &m, c.batch_size), FC_OK);
    assert_int_equal(fc_optim_init(&opt, &c, m.nparams), FC_OK);
    const int B = c.batch_size, D = g_small.D;
    fc_real *xb = malloc(sizeof(fc_real) * (size_t)B * D);
    uint8_t yb[25];
    int idx[25];
    struct fc_optim_target target = {&opt, m.params};
    const struct fc_grad_sink sink = fc_optim_sink(&target);
    long before = 0;
    for (int step = 0; step < 21; step++) {
        if (step == 1) before = g_allocs; /* after one warm-up step */
        fc_sample_batch(xb, yb, idx, &g_small.train, B, D, g_small.mean, &rng);
        fc_optim_begin_step(&opt);
        double loss = fc_model_loss_update(&m, &ws, xb, yb, B, &rng, &sink);
        assert_true(isfinite(loss));
    }
    print_message("allocations during 20 steps: %ld (the setup made %ld)\n", g_allocs - before, before);
    assert_true(before > 0); /* the counting works: setup allocated */
    assert_int_equal(g_allocs - before, 0);
    fc_blas_set_threads(threads);
    free(xb);
    fc_optim_free(&opt);
    fc_workspace_free(&ws);
    fc_model_free(&m);
}

int main(int argc, char **argv)
{
    struct stat st;
    char probe[4096];
    g_dir = argc > 1 ? argv[1] : "data/cifar-10-batches-bin";
    snprintf(probe, sizeof probe, "%s/data_batch_1.bin", g_dir);
    if (stat(probe, &st) != 0) {
        fprintf(stderr, "skipped: no CIFAR-10 in %s (run scripts/setup-data.sh)\n", g_dir);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overfit_three_layer),
        cmocka_unit_test(test_overfit_five_layer),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_diverged),
        cmocka_unit_test(test_stop_flag),
        cmocka_unit_test(test_no_allocation_in_step),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
