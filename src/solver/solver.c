/* The Solver of the assignment: random minibatches (with replacement) each iteration,
 * num_train / batch_size iterations per epoch, lr *= lr_decay after each epoch, train / val
 * accuracy after the first iteration and after every epoch, best-val parameters kept and
 * restored. Log lines are exactly the seed's.
 * Does not: allocate inside the training loop (all buffers are made before it), read
 * files, or print except through fc_log. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcnet/clock.h"
#include "fcnet/optim.h"
#include "fcnet/solver.h"

void fc_result_free(struct fc_result *r)
{
    if (!r) return;
    free(r->loss_history);
    free(r->train_acc_history);
    free(r->val_acc_history);
    r->loss_history = r->train_acc_history = r->val_acc_history = NULL;
}

double fc_check_accuracy(struct fc_model *m, struct fc_workspace *ws, const struct fc_split *s,
                         const fc_real *mean, const int *idx, int n, fc_real *xbuf)
{
    int pred[1024];
    long correct = 0;
    const int D = m->dims[0];
    FC_ASSERT(ws->N <= 1024);
    for (int start = 0; start < n; start += ws->N) {
        int k = n - start < ws->N ? n - start : ws->N;
        if (idx) {
            fc_gather(xbuf, s->x, idx + start, k, D, mean);
        } else {
            fc_gather(xbuf, s->x + (size_t)start * D, NULL, k, D, mean);
        }
        fc_model_predict(m, ws, xbuf, k, pred);
        for (int r = 0; r < k; r++) {
            int row = idx ? idx[start + r] : start + r;
            correct += pred[r] == s->y[row];
        }
    }
    return n ? (double)correct / n : 0.0;
}

enum fc_status fc_solver_train(struct fc_model *m, const struct fc_dataset *ds,
                               const struct fc_config *c, const struct fc_solver_opts *opts,
                               struct fc_rng *rng, struct fc_result *r)
{
    const double t0 = fc_clock_seconds();
    const int D = m->dims[0], B = c->batch_size;
    const int num_train = ds->train.n;
    const int ipe = num_train / B > 1 ? num_train / B : 1;
    const int num_iterations = c->num_epochs * ipe;
    const int ntr = c->num_train_samples < num_train ? c->num_train_samples : num_train;
    const int nval = c->num_val_samples > 0 && c->num_val_samples < ds->val.n ? c->num_val_samples
                                                                               : ds->val.n;
    const int eval_batch = opts && opts->eval_batch > 0 ? opts->eval_batch : 1000;
    const int verbose = opts && opts->verbose;
    enum fc_status st = FC_OK;
    struct fc_optim opt = {0};
    struct fc_workspace ws = {0}, ews = {0};
    fc_real *xb = NULL, *xeval = NULL, *best = NULL;
    uint8_t *yb = NULL;
    int *bidx = NULL, *tidx = NULL, *vidx = NULL;

    FC_ASSERT(m && ds && c && rng && r && D == ds->D);
    memset(r, 0, sizeof *r);
    r->test_acc = -1;
    r->status = FC_OK;
    r->loss_history = calloc((size_t)num_iterations, sizeof(double));
    r->train_acc_history = calloc((size_t)c->num_epochs + 2, sizeof(double));
    r->val_acc_history = calloc((size_t)c->num_epochs + 2, sizeof(double));
    xb = malloc((size_t)B * D * sizeof(fc_real));
    xeval = malloc((size_t)eval_batch * D * sizeof(fc_real));
    best = malloc((m->nparams + m->nrunning) * sizeof(fc_real));
    yb = malloc((size_t)B);
    bidx = malloc((size_t)B * sizeof(int));
    tidx = malloc((size_t)ntr * sizeof(int));
    vidx = malloc((size_t)nval * sizeof(int));
    if (!r->loss_history || !r->train_acc_history || !r->val_acc_history || !xb || !xeval ||
        !best || !yb || !bidx || !tidx || !vidx) {
        fc_log(FC_LOG_ERROR, "out of memory setting up the solver\n");
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }
    if ((st = fc_optim_init(&opt, c, m->nparams)) != FC_OK) goto cleanup;
    if ((st = fc_workspace_init(&ws, m, B)) != FC_OK) goto cleanup;
    if ((st = fc_workspace_init(&ews, m, eval_batch)) != FC_OK) goto cleanup;

    r->best_val_acc = -1;
    int epoch = 0;
    struct fc_optim_target target = {&opt, m->params}; /* layers are updated during backward */
    const struct fc_grad_sink sink = fc_optim_sink(&target);
    for (int t = 0; t < num_iterations; t++) {
        if (opts && opts->stop && *opts->stop) {
            st = FC_STATUS_INTERRUPTED;
            snprintf(r->message, sizeof r->message, "interrupted at iteration %d of %d", t + 1,
                     num_iterations);
            break;
        }
        /* one step: a random minibatch (with replacement), loss, gradients, update */
        fc_sample_batch(xb, yb, bidx, &ds->train, B, D, ds->mean, rng);
        fc_optim_begin_step(&opt);
        double loss = fc_model_loss_update(m, &ws, xb, yb, B, rng, &sink);
        r->loss_history[t] = loss;
        r->num_iterations = t + 1;
        if (!isfinite(loss)) {
            st = FC_STATUS_DIVERGED;
            snprintf(r->message, sizeof r->message, "loss became %f at iteration %d", loss, t + 1);
            if (verbose) fc_log(FC_LOG_INFO, "(Iteration %d / %d) loss: %f\n", t + 1, num_iterations, loss);
            break;
        }
        if (verbose && t % c->print_every == 0)
            fc_log(FC_LOG_INFO, "(Iteration %d / %d) loss: %f\n", t + 1, num_iterations, loss);

        int epoch_end = (t + 1) % ipe == 0;
        if (epoch_end) {
            epoch++;
            opt.lr *= c->lr_decay;
        }
        if (t == 0 || t == num_iterations - 1 || epoch_end) {
            /* train accuracy on a fresh random subsample (with replacement), val on all */
            const int *ti = NULL;
            if (num_train > ntr) {
                for (int i = 0; i < ntr; i++) tidx[i] = (int)fc_rng_below(rng, (uint64_t)num_train);
                ti = tidx;
            }
            const int *vi = NULL;
            if (ds->val.n > nval) {
                for (int i = 0; i < nval; i++) vidx[i] = (int)fc_rng_below(rng, (uint64_t)ds->val.n);
                vi = vidx;
            }
            double tr = fc_check_accuracy(m, &ews, &ds->train, ds->mean, ti, ntr, xeval);
            double va = fc_check_accuracy(m, &ews, &ds->val, ds->mean, vi, nval, xeval);
            int e = r->num_epochs_done = epoch;
            r->train_acc_history[e] = tr;
            r->val_acc_history[e] = va;
            if (verbose)
                fc_log(FC_LOG_INFO, "(Epoch %d / %d) train acc: %f; val_acc: %f\n", epoch,
                       c->num_epochs, tr, va);
            if (va > r->best_val_acc) {
                r->best_val_acc = va;
                r->best_epoch = epoch;
                memcpy(best, m->params, m->nparams * sizeof(fc_real));
                if (m->nrunning)
                    memcpy(best + m->nparams, m->running, m->nrunning * sizeof(fc_real));
            }
        }
    }
    /* restore the best-val parameters (and the batchnorm statistics of that epoch) */
    if (r->best_val_acc >= 0) {
        memcpy(m->params, best, m->nparams * sizeof(fc_real));
        if (m->nrunning) memcpy(m->running, best + m->nparams, m->nrunning * sizeof(fc_real));
        if (ds->test.n > 0)
            r->test_acc = fc_check_accuracy(m, &ews, &ds->test, ds->mean, NULL, ds->test.n, xeval);
    } else {
        r->best_val_acc = 0;
    }

cleanup:
    r->status = st;
    r->seconds = fc_clock_seconds() - t0;
    fc_optim_free(&opt);
    fc_workspace_free(&ws);
    fc_workspace_free(&ews);
    free(xb);
    free(xeval);
    free(best);
    free(yb);
    free(bidx);
    free(tidx);
    free(vidx);
    return st;
}
