/* `fcsweep sweep SPEC.yaml [--out DIR] [--data DIR] [--dry-run]`: a hyperparameter sweep
 * over MPI ranks (see src/sweep/sweep.h). This file owns what a library must not touch:
 * MPI_Init/Finalize, argv, signal handlers, the BLAS thread count, and the exit status.
 * Does not: parse the spec or run trials (src/sweep). */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <mpi.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "fcnet/status.h"
#include "fcnet/tensor.h"
#include "sweep/sweep.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void mpi_abort_hook(void) { MPI_Abort(MPI_COMM_WORLD, 3); }

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mpirun -np P fcsweep sweep SPEC.yaml [--out DIR] [--data DIR] [--dry-run]\n"
            "\n"
            "Run (or resume) the hyperparameter sweep described by SPEC.yaml on P ranks; every\n"
            "rank trains, rank 0 also hands out the trials. Results: DIR/trial_NNNN.h5 (one model\n"
            "file per trial, `fcsweep eval` reads it) and DIR/sweep.h5 (spec, summary, links).\n"
            "\n"
            "  --out DIR     results folder (default results/<spec name>)\n"
            "  --data DIR    CIFAR-10 binary folder (default $CIFAR10_DIR, then data/cifar-10-batches-bin)\n"
            "  --dry-run     check the spec and list its trials; train nothing\n"
            "\n"
            "Rerunning the same command continues a killed or stopped sweep. SIGTERM, SIGINT or\n"
            "SIGUSR1 (mpirun forwards SIGUSR1 to the ranks) stop it cleanly, ready to resume.\n");
}

int fc_cmd_sweep(int argc, char **argv)
{
    struct fc_sweep_opts o;
    struct sigaction sa;
    const char *data_flag = NULL;
    char resume[8192];
    int i, provided = 0, rank = 0, size = 1, rc, bad_args = 0, help = 0;
    size_t used;
    enum fc_status st;

    memset(&o, 0, sizeof o);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) help = 1;
        else if (strcmp(argv[i], "--dry-run") == 0) o.dry_run = 1;
        else if ((strcmp(argv[i], "--out") == 0 || strcmp(argv[i], "--data") == 0) && i + 1 < argc) {
            if (argv[i][2] == 'o') o.out_dir = argv[++i];
            else data_flag = argv[++i];
        } else if (argv[i][0] != '-' && !o.spec_path) o.spec_path = argv[i];
        else bad_args = i;
    }

    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "fcsweep: error: MPI_Init_thread failed\n");
        return 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    fc_set_abort_hook(mpi_abort_hook);

    if (help || bad_args || !o.spec_path) {
        if (rank == 0) {
            if (bad_args) fprintf(stderr, "fcsweep: error: sweep: unexpected argument '%s'\n", argv[bad_args]);
            else if (!help) fprintf(stderr, "fcsweep: error: sweep: no spec file given\n");
            usage(help ? stdout : stderr);
        }
        MPI_Finalize();
        return help ? 0 : 2;
    }

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART; /* a file being written is not cut short by the signal */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);

    /* one BLAS thread per rank: P ranks fill P cores, and histories do not depend on P */
    fc_blas_set_threads(1);
    if (rank == 0) fc_cli_print_blas();

    o.data_dir = fc_cli_data_dir(data_flag);
    o.stop = &g_stop;
    o.local_trainer = provided >= MPI_THREAD_FUNNELED;
    if (!o.local_trainer && rank == 0)
        fc_log(FC_LOG_WARN, "MPI gives no thread support: rank 0 only coordinates, one core idles\n");
    used = (size_t)snprintf(resume, sizeof resume, "mpirun -np %d fcsweep", size);
    for (i = 0; i < argc && used < sizeof resume; i++)
        used += (size_t)snprintf(resume + used, sizeof resume - used, " %s", argv[i]);
    o.resume_hint = resume;

    st = fc_sweep_run(&o);
    MPI_Finalize();
    if (st == FC_OK || st == FC_STATUS_INTERRUPTED) rc = 0;
    else if (st == FC_STATUS_BAD_CONFIG) rc = 2;
    else rc = 1;
    return rc;
}
