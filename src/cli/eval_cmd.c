/* fcsweep eval FILE.h5: reload a model file and print its val and test accuracy on the
 * same split, next to the values stored at training time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "fcnet/fcnet.h"

int fc_cmd_eval(int argc, char **argv)
{
    const char *path = NULL, *data = NULL;
    struct fc_model_file f = {0};
    struct fc_dataset ds = {0};
    struct fc_workspace ws = {0};
    fc_real *xbuf = NULL;
    int rc = 1;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            printf("usage: fcsweep eval FILE.h5 [--data DIR]\n"
                   "Reloads a model file (from train --save or a sweep trial) and prints its\n"
                   "val and test accuracy, recomputed, next to the values stored in the file.\n");
            return 0;
        } else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data = argv[++i];
        } else if (argv[i][0] != '-' && !path) {
            path = argv[i];
        } else {
            fprintf(stderr, "fcsweep: error: eval: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: fcsweep eval FILE.h5 [--data DIR]\n");
        return 2;
    }
    if (fc_h5_model_load(path, &f) != FC_OK) goto cleanup;
    const struct fc_config *c = &f.config;
    if (fc_cifar_load(&ds, fc_cli_data_dir(data), c->num_train, c->num_val, c->num_test) != FC_OK)
        goto cleanup;
    if (fc_workspace_init(&ws, &f.model, 1000) != FC_OK) goto cleanup;
    xbuf = malloc((size_t)1000 * ds.D * sizeof(fc_real));
    if (!xbuf) goto cleanup;
    /* the model's own mean image, as stored */
    double val = fc_check_accuracy(&f.model, &ws, &ds.val, f.mean, NULL, ds.val.n, xbuf);
    double test = ds.test.n ? fc_check_accuracy(&f.model, &ws, &ds.test, f.mean, NULL, ds.test.n, xbuf) : -1;
    printf("%s: val acc: %f; test acc: %f\n", path, val, test);
    printf("stored at training: best val acc: %f; test acc: %f (status %s)\n",
           f.result.best_val_acc, f.result.test_acc, f.trial_status);
    int same = fabs(val - f.result.best_val_acc) < 1e-12 && fabs(test - f.result.test_acc) < 1e-12;
    printf("%s\n", same ? "match" : "MISMATCH");
    rc = same ? 0 : 4;
cleanup:
    free(xbuf);
    fc_workspace_free(&ws);
    fc_dataset_free(&ds);
    fc_model_file_free(&f);
    return rc;
}
