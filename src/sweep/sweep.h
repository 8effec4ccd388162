/* Running a sweep over MPI: called by `fcsweep sweep` on every rank between MPI_Init_thread
 * (MPI_THREAD_FUNNELED at least) and MPI_Finalize.
 *
 * Rank 0 is the coordinator in its main thread (the only thread that calls MPI) and trains
 * trials in a second thread; every other rank trains in its main thread. A rank asks for
 * work by sending the result of its previous trial; the coordinator answers with the next
 * pending trial id or -1 (no more work). See README "Sweeps" for the protocol, the
 * results layout and resume. */
#ifndef FC_SWEEP_SWEEP_H
#define FC_SWEEP_SWEEP_H

#include <signal.h>

#include "fcnet/status.h"

struct fc_sweep_opts {
    const char *spec_path;                /* read by rank 0 */
    const char *out_dir;                  /* NULL: results/<spec name> */
    const char *data_dir;                 /* CIFAR-10 folder */
    const volatile sig_atomic_t *stop;    /* set by a signal handler: stop handing out work */
    int dry_run;                          /* parse, expand, print the trials; no training */
    int local_trainer;                    /* 1: rank 0 trains too (needs a second thread) */
    const char *resume_hint;              /* command line printed when interrupted */
};

/* Run (or resume) the sweep. Every rank returns the same status: FC_OK, FC_STATUS_INTERRUPTED
 * (stopped by *stop; the sweep file is written and the sweep can be resumed), or the first
 * failure (bad spec, unreadable data, results folder in use by another spec, ...), which has
 * been logged once. */
enum fc_status fc_sweep_run(const struct fc_sweep_opts *o);

#endif
