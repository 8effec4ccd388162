/* One-run speed benchmark: single-thread sgemm peak, then one training epoch (49000 images,
 * batch 100, training steps only: gather + forward + backward + update) for the four
 * configs of the speed issue, with images/s, achieved GFLOP/s and the fraction of the
 * sgemm peak. FLOPs counted are the GEMM FLOPs actually performed (2 M N K each: forward,
 * dW, and dx for every layer but the first, which needs none).
 * Each config trains 2 epochs and reports the faster (and the mean, which compare.sh sets
 * against the PyTorch anchor's mean over as many epochs). The peak is the best of 3 runs,
 * measured right before and right after each config; the larger of the two is the config's
 * peak, since the shared host's speed drifts within seconds.
 * Usage: bench_epoch DATA_DIR [CONFIG ...]   (configs: two five100 seedbest bn)
 * A config named with "-unfused" (e.g. two-unfused) turns the optimizer's update from the
 * gradient's factors off (fc_optim.outer = 0): every dW is made and the rule applied
 * after, to compare the two in one run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "fcnet/clock.h"
#include "fcnet/fcnet.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double sgemm_peak(void)
{
    const int n = 2048;
    fc_real *a = malloc(sizeof(fc_real) * n * n), *b = malloc(sizeof(fc_real) * n * n),
            *c = malloc(sizeof(fc_real) * n * n);
    for (long i = 0; i < (long)n * n; i++) {
        a[i] = (fc_real)((i % 7) - 3) * 0.1f;
        b[i] = (fc_real)((i % 5) - 2) * 0.1f;
    }
    double best = 1e30;
    for (int r = 0; r < 4; r++) {
        double t = fc_clock_seconds();
        fc_gemm(0, 0, n, n, n, 1, a, n, b, n, 0, c, n);
        t = fc_clock_seconds() - t;
        if (r > 0 && t < best) best = t; /* first run warms up */
    }
    free(a);
    free(b);
    free(c);
    return 2.0 * n * n * (double)n / best / 1e9;
}

struct cfg {
    const char *name;
    const char *args[8][2];
};

static const struct cfg CONFIGS[] = {
    {"two", {{"model", "two"}, {"hidden_dims", "100"}, {"weight_scale", "1e-3"}, {"update_rule", "sgd"}, {"learning_rate", "1e-3"}}},
    {"five100", {{"model", "fc"}, {"hidden_dims", "100,100,100,100,100"}, {"weight_scale", "5e-2"}, {"update_rule", "adam"}, {"learning_rate", "1e-3"}}},
    {"seedbest", {{"model", "fc"}, {"hidden_dims", "300,200,150,80,50"}, {"weight_scale", "2e-2"}, {"update_rule", "adam"}, {"learning_rate", "5e-4"}}},
    {"bn", {{"model", "fc"}, {"hidden_dims", "100,100,100,100,100"}, {"weight_scale", "5e-2"}, {"update_rule", "adam"}, {"learning_rate", "1e-3"}, {"normalization", "batchnorm"}, {"dropout", "0.9"}}},
};

#define EPOCHS 2

static int run_config(const struct cfg *cf, int fused, const struct fc_dataset *ds)
{
    const double before = sgemm_peak();
    struct fc_config c;
    fc_config_defaults(&c, FC_MODEL_FC);
    for (int i = 0; i < 8 && cf->args[i][0]; i++)
        if (fc_config_set(&c, cf->args[i][0], cf->args[i][1]) != FC_OK) return 1;
    struct fc_model m;
    struct fc_workspace ws;
    struct fc_optim opt;
    struct fc_rng rng;
    fc_rng_seed(&rng, 0);
    if (fc_model_init(&m, &c, &rng) || fc_workspace_init(&ws, &m, c.batch_size) ||
        fc_optim_init(&opt, &c, m.nparams))
        return 1;
    opt.outer = fused;
    const int B = c.batch_size, D = ds->D, iters = ds->train.n / B;
    fc_real *xb = malloc(sizeof(fc_real) * B * D);
    uint8_t *yb = malloc(B);
    int *idx = malloc(sizeof(int) * B);
    double flops = 0;
    for (int l = 0; l < m.L; l++) {
        double mnk = 2.0 * B * m.dims[l] * m.dims[l + 1];
        flops += mnk * (l == 0 ? 2 : 3); /* forward, dW, dx (not for the input layer) */
    }
    struct fc_optim_target u = {&opt, m.params}; /* the Solver's fused step */
    const struct fc_grad_sink sink = fc_optim_sink(&u);
    double loss = 0, t = 1e30, cpu = 0, sum = 0;
    /* EPOCHS epochs, the fastest reported: the machine is shared and timings are noisy */
    for (int e = 0; e < EPOCHS; e++) {
        double t0 = fc_clock_seconds(), c0 = cpu_now();
        for (int it = 0; it < iters; it++) {
            fc_sample_batch(xb, yb, idx, &ds->train, B, D, ds->mean, &rng);
            fc_optim_begin_step(&opt);
            loss = fc_model_loss_update(&m, &ws, xb, yb, B, &rng, &sink);
        }
        double te = fc_clock_seconds() - t0;
        sum += te;
        if (te < t) {
            t = te;
            cpu = cpu_now() - c0;
        }
    }
    /* the host's speed drifts within seconds: measure the peak again after the epochs and
     * set the epoch against the larger of the two, so a quiet spell cannot inflate the % */
    const double after = sgemm_peak(), peak = after > before ? after : before;
    double gf = flops * iters / t / 1e9;
    char name[32];
    snprintf(name, sizeof name, "%s%s", cf->name, fused ? "" : "-unfused");
    printf("%-13s %7.3f s/epoch %7.0f img/s %6.1f GFLOP/s %5.1f%% of peak | mean %.3f s, cpu %.3f s, "
           "loss %.3f, peak %.1f before / %.1f after\n",
           name, t, iters * B / t, gf, 100 * gf / peak, sum / EPOCHS, cpu, loss, before, after);
    free(xb);
    free(yb);
    free(idx);
    fc_optim_free(&opt);
    fc_workspace_free(&ws);
    fc_model_free(&m);
    return 0;
}

int main(int argc, char **argv)
{
    fc_cli_select_blas_core(argv); /* the kernel fcsweep itself would use */
    if (argc < 2) {
        fprintf(stderr, "usage: bench_epoch DATA_DIR [two|five100|seedbest|bn[-unfused] ...]\n");
        return 2;
    }
    fc_blas_set_threads(1);
    struct fc_dataset ds = {0};
    if (fc_cifar_load(&ds, argv[1], 49000, 1000, 0) != FC_OK) return 1;
    printf("OpenBLAS core %s (%s), 1 thread\n", fc_blas_corename(), fc_cli_blas_note());
    printf("sgemm 2048^3 single-thread peak: best of 3, measured right before and right after "
           "each config; the larger of the two is the config's peak\n");
    int rc = 0;
    const size_t ncfg = sizeof CONFIGS / sizeof CONFIGS[0];
    if (argc == 2)
        for (size_t k = 0; k < ncfg; k++) rc |= run_config(&CONFIGS[k], 1, &ds);
    for (int a = 2; a < argc; a++) { /* in the order given */
        static const char suffix[] = "-unfused";
        const size_t slen = sizeof suffix - 1;
        size_t len = strlen(argv[a]), k;
        const int fused = !(len > slen && strcmp(argv[a] + len - slen, suffix) == 0);
        if (!fused) len -= slen; /* the config's name is the first len characters */
        for (k = 0; k < ncfg; k++)
            if (strlen(CONFIGS[k].name) == len && strncmp(argv[a], CONFIGS[k].name, len) == 0)
                break;
        if (k == ncfg) {
            fprintf(stderr, "bench_epoch: unknown config '%s'\n", argv[a]);
            rc = 2;
            continue;
        }
        rc |= run_config(&CONFIGS[k], fused, &ds);
    }
    fc_dataset_free(&ds);
    return rc;
}
