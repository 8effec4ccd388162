/* fcsweep: the command-line program. Dispatches to the subcommands, selects the OpenBLAS
 * kernel before anything else runs, and owns the process exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "fcnet/tensor.h"

#ifndef FC_DEFAULT_DATA_DIR
#define FC_DEFAULT_DATA_DIR "data/cifar-10-batches-bin"
#endif

const char *fc_cli_data_dir(const char *flag_value)
{
    struct stat st;
    if (flag_value && *flag_value) return flag_value;
    const char *env = getenv("CIFAR10_DIR");
    if (env && *env) return env;
    if (stat(FC_DEFAULT_DATA_DIR, &st) == 0) return FC_DEFAULT_DATA_DIR;
    return "data/cifar-10-batches-bin";
}

void fc_cli_print_blas(void)
{
    printf("BLAS: OpenBLAS %s kernels (%s), %d thread(s)\n", fc_blas_corename(),
           fc_cli_blas_note(), fc_blas_get_threads());
    printf("GEMM: %s\n", fc_gemm_backend());
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fcsweep COMMAND [options]\n"
            "\n"
            "commands:\n"
            "  train     train one net on CIFAR-10 (fcsweep train --help)\n"
            "  eval      reload a model file and print its val and test accuracy\n"
            "  sweep     hyperparameter search with MPI: mpirun -np P fcsweep sweep SPEC.yaml\n"
            "  predict   write the predicted class of every row of a .npy file\n"
            "  report    tables and plots of a sweep or a model file\n"
            "\n"
            "  --version   version, the BLAS kernel and the GEMM library in use\n"
            "  --help      this text\n"
            "\n"
            "environment:\n"
            "  CIFAR10_DIR          the data folder when --data is not given\n"
            "  OPENBLAS_CORETYPE    your OpenBLAS kernel; else fcsweep picks the best for the CPU\n"
            "  FCSWEEP_LIBXSMM=0    every GEMM to OpenBLAS, none to libxsmm\n");
}

int main(int argc, char **argv)
{
    fc_cli_select_blas_core(argv);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("fcsweep %s (fc_real = %s)\n", FC_VERSION, FC_REAL_NAME);
        fc_cli_print_blas();
        return 0;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"train", fc_cmd_train},
                {"eval", fc_cmd_eval},
                {"sweep", fc_cmd_sweep},
                {"predict", fc_cmd_predict},
                {"report", fc_cmd_report}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(cmd, cmds[i].name) == 0) return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "fcsweep: error: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
