/* Update rules. Each kernel is one loop over a flat array of n parameters; the state
 * arrays (velocity, cache, m, v) have the same length and are updated in place. */
#ifndef FCNET_OPTIM_H
#define FCNET_OPTIM_H

#include <stddef.h>

#include "fcnet/config.h"
#include "fcnet/model.h"
#include "fcnet/real.h"
#include "fcnet/status.h"

/* w -= lr * dw */
void fc_sgd_step(fc_real *w, const fc_real *dw, size_t n, double lr);
/* v = mu * v - lr * dw; w += v */
void fc_sgd_momentum_step(fc_real *w, fc_real *v, const fc_real *dw, size_t n, double lr,
                          double mu);
/* cache = decay * cache + (1 - decay) * dw^2; w -= lr * dw / (sqrt(cache) + eps) */
void fc_rmsprop_step(fc_real *w, fc_real *cache, const fc_real *dw, size_t n, double lr,
                     double decay, double eps);
/* Adam; t is the step number AFTER increment (first call t = 1):
 * m = b1 m + (1-b1) dw; v = b2 v + (1-b2) dw^2; mhat = m/(1-b1^t); vhat = v/(1-b2^t);
 * w -= lr * mhat / (sqrt(vhat) + eps) */
void fc_adam_step(fc_real *w, fc_real *m, fc_real *v, const fc_real *dw, size_t n, double lr,
                  double b1, double b2, double eps, long t);

/* An optimizer over one parameter slab: rule, its settings and owned state. */
struct fc_optim {
    enum fc_update_rule rule;
    double lr, momentum, decay_rate, beta1, beta2, epsilon;
    long t;
    size_t n;
    fc_real *s1, *s2; /* velocity / cache / m, and v (adam); owned, zero-initialised */
    int outer;        /* let fc_optim_update_outer work (default 1; 0: always decline) */
};
enum fc_status fc_optim_init(struct fc_optim *o, const struct fc_config *c, size_t n);
void fc_optim_free(struct fc_optim *o);
/* One update of params (n) with grads (n): fc_optim_begin_step, then fc_optim_update over
 * the whole range. */
void fc_optim_step(struct fc_optim *o, fc_real *params, const fc_real *grads);
/* A step in pieces: begin_step once (adam's t += 1), then update every range [off, off +
 * count) of the parameters exactly once, in any order (the state arrays use the same
 * offsets). grad: (count), the gradient of params[off, off + count). */
void fc_optim_begin_step(struct fc_optim *o);
void fc_optim_update(struct fc_optim *o, fc_real *params, const fc_real *grad, size_t off,
                     size_t count);

/* The update of a weight block w (D, M) = params[off, off + D M) straight from its
 * gradient's factors, g = x^T dout + reg w (x: (N, D) with row stride ldx, dout: (N, M)),
 * without making g. sgd only: w = (1 - lr reg) w - lr x^T dout is one GEMM with
 * alpha = -lr and beta = 1 - lr reg, so neither g nor a pass over it exists (the same
 * arithmetic as fc_sgd_step on g, rounded differently). Adds sum w^2 (w before the update)
 * to *sq when reg != 0. Returns 1 when done; 0 for the other rules or when o->outer is 0,
 * touching nothing: then the caller makes g and calls fc_optim_update. */
int fc_optim_update_outer(struct fc_optim *o, fc_real *params, size_t off, const fc_real *x,
                          int ldx, const fc_real *dout, int N, int D, int M, fc_real reg,
                          double *sq);

/* fc_optim_update as a callback for fc_model_loss_update (fc_layer_grads_fn): user points
 * to a struct fc_optim_target naming the optimizer and the parameter slab. */
struct fc_optim_target {
    struct fc_optim *opt;
    fc_real *params;
};
void fc_optim_update_cb(void *user, size_t off, size_t count, const fc_real *grad);
/* fc_optim_update_outer as a callback (fc_layer_outer_fn), user as above. */
int fc_optim_outer_cb(void *user, size_t off, const fc_real *x, int ldx, const fc_real *dout,
                      int N, int D, int M, fc_real reg, double *sq);
/* The sink that trains with t: both callbacks above, user = t. */
struct fc_grad_sink fc_optim_sink(struct fc_optim_target *t);

#endif
