/* fcsweep train: one training run on CIFAR-10 with the seed's log lines, ending with the
 * best val and test accuracy, optionally saved as an HDF5 model file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "fcnet/fcnet.h"

struct train_opts {
    const char *save, *data;
    int threads, quiet, help;
};

static int train_extra(const char *name, const char *value, void *user)
{
    struct train_opts *o = user;
    if (strcmp(name, "save") == 0) o->save = value;
    else if (strcmp(name, "data") == 0) o->data = value;
    else if (strcmp(name, "quiet") == 0) o->quiet = 1;
    else if (strcmp(name, "help") == 0) o->help = 1;
    else if (strcmp(name, "threads") == 0) {
        char *end = NULL;
        long n = strtol(value, &end, 10);
        if (!*value || *end || n < 0 || n > 1024) {
            fprintf(stderr, "fcsweep: error: --threads takes a count >= 0 (0 = all cores)\n");
            return 2;
        }
        o->threads = (int)n;
    }
    return 0;
}

/* Fail before training, not after it, when --save cannot be written. */
static int save_dir_ok(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == dir) dir[1] = '\0';
    else *slash = '\0';
    if (access(dir, W_OK) != 0) {
        fprintf(stderr, "fcsweep: error: --save %s: folder %s does not exist or is not writable\n",
                path, dir);
        return 0;
    }
    return 1;
}

static const char *const TRAIN_FLAGS[] = {"save=", "data=", "threads=", "quiet", "help", NULL};

static void train_help(void)
{
    struct fc_config two;
    fc_config_defaults(&two, FC_MODEL_TWO);
    printf("usage: fcsweep train [--model two|fc] [options]\n\n"
           "Trains TwoLayerNet (--model two) or FullyConnectedNet (--model fc) on CIFAR-10 and\n"
           "prints the Solver's log, then the best val and test accuracy.\n\n"
           "hyperparameters (defaults of --model two; --model fc: --hidden-dims 100,100,\n"
           "--weight-scale 0.01; adam's default --learning-rate is 0.001):\n");
    fc_cli_print_config_help(&two);
    printf("\nother options:\n"
           "  --save FILE            write the model, config and histories to an HDF5 file\n"
           "  --data DIR             CIFAR-10 binary folder (default: $CIFAR10_DIR, then\n"
           "                         the folder scripts/setup-data.sh unpacks to)\n"
           "  --threads N            BLAS threads, 0 = all cores (default: 0)\n"
           "  --quiet                no per-iteration log\n");
}

int fc_cmd_train(int argc, char **argv)
{
    struct train_opts o = {0};
    struct fc_config c;
    struct fc_dataset ds = {0};
    struct fc_model m = {0};
    struct fc_result r = {0};
    struct fc_rng rng;
    int rc = 1;

    if (fc_cli_parse_config(argc, argv, &c, train_extra, TRAIN_FLAGS, &o) != 0) return 2;
    if (o.help) {
        train_help();
        return 0;
    }
    if (fc_config_validate(&c) != FC_OK) return 2;
    if (o.save && !save_dir_ok(o.save)) return 2;
    if (o.threads > 0) fc_blas_set_threads(o.threads);
    fc_cli_print_blas();

    const char *dir = fc_cli_data_dir(o.data);
    if (fc_cifar_load(&ds, dir, c.num_train, c.num_val, c.num_test) != FC_OK) goto cleanup;
    fc_rng_seed(&rng, c.seed);
    if (fc_model_init(&m, &c, &rng) != FC_OK) goto cleanup;
    char dims[256];
    fc_config_get(&c, "hidden_dims", dims, sizeof dims);
    printf("model %s hidden [%s] norm %s keep %g reg %g weight_scale %g; %s lr %g decay %g; "
           "%d epochs, batch %d; %d train / %d val / %d test images\n",
           fc_model_kind_name(c.model), dims, fc_norm_name(c.normalization), c.dropout, c.reg,
           c.weight_scale, fc_rule_name(c.update_rule), c.learning_rate, c.lr_decay,
           c.num_epochs, c.batch_size, ds.train.n, ds.val.n, ds.test.n);

    struct fc_solver_opts so = {.verbose = !o.quiet};
    enum fc_status st = fc_solver_train(&m, &ds, &c, &so, &rng, &r);
    if (st == FC_STATUS_DIVERGED) fc_log(FC_LOG_WARN, "training diverged: %s\n", r.message);
    else if (st != FC_OK) goto cleanup;
    printf("best val acc: %f (epoch %d); test acc: %f; %.1f s\n", r.best_val_acc, r.best_epoch,
           r.test_acc, r.seconds);
    if (o.save) {
        if (fc_h5_model_save(o.save, &c, &m, &r, ds.mean, ds.D,
                             (const char(*)[32])ds.class_names, -1) != FC_OK)
            goto cleanup;
        printf("saved %s\n", o.save);
    }
    rc = st == FC_OK ? 0 : 3;
cleanup:
    fc_result_free(&r);
    fc_model_free(&m);
    fc_dataset_free(&ds);
    return rc;
}
