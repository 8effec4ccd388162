/* The Solver: minibatch training with an update rule, learning-rate decay per epoch,
 * loss/accuracy histories, and the best-validation parameters kept and restored. */
#ifndef FCNET_SOLVER_H
#define FCNET_SOLVER_H

#include <signal.h>

#include "fcnet/config.h"
#include "fcnet/data.h"
#include "fcnet/model.h"
#include "fcnet/status.h"

/* Histories and outcome of one training run. Arrays are owned (fc_result_free). */
struct fc_result {
    double *loss_history;      /* (num_iterations_run) */
    double *train_acc_history; /* (epochs_run + 1): epoch 0 .. epochs_run */
    double *val_acc_history;
    int num_iterations, num_epochs_done; /* lengths: num_iterations, num_epochs_done + 1 */
    double best_val_acc;
    int best_epoch;
    double test_acc;           /* of the restored best parameters, -1 if not measured */
    double seconds;            /* wall time of training */
    enum fc_status status;     /* FC_OK, FC_STATUS_DIVERGED, FC_STATUS_INTERRUPTED, ... */
    char message[256];
};
void fc_result_free(struct fc_result *r);

struct fc_solver_opts {
    int verbose;                       /* print the seed's log lines */
    const volatile sig_atomic_t *stop; /* non-NULL: training stops when *stop becomes non-zero */
    int eval_batch;                    /* rows per evaluation batch (0: 1000) */
};

/* Train m on ds with c (update rule, lr, epochs, ...). rng drives minibatch sampling,
 * the train-accuracy subsample and dropout. On return the model holds the best-val
 * parameters (and batchnorm statistics of that epoch), r holds the histories and
 * test accuracy. Returns r->status: FC_OK, FC_STATUS_DIVERGED (non-finite loss: stopped),
 * FC_STATUS_INTERRUPTED (*stop set), or FC_STATUS_NOMEM. */
enum fc_status fc_solver_train(struct fc_model *m, const struct fc_dataset *ds,
                               const struct fc_config *c, const struct fc_solver_opts *opts,
                               struct fc_rng *rng, struct fc_result *r);

/* Accuracy of m on split rows (test mode), evaluated in batches of ws->N rows;
 * idx selects rows (NULL: all n). */
double fc_check_accuracy(struct fc_model *m, struct fc_workspace *ws, const struct fc_split *s,
                         const fc_real *mean, const int *idx, int n, fc_real *xbuf);

#endif
