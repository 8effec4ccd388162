/* Update rules as single loops over flat arrays, and struct fc_optim that owns their state.
 *   w, dw, v, cache, m: (n) each.
 * sgd:          w -= lr dw
 * sgd_momentum: v = mu v - lr dw; w += v
 * rmsprop:      cache = d cache + (1 - d) dw^2; w -= lr dw / (sqrt(cache) + eps)
 * adam:         t incremented before use; m = b1 m + (1 - b1) dw; v = b2 v + (1 - b2) dw^2;
 *               w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * The loops are compiled for several instruction sets and picked at load time
 * (target_clones), so one binary is fast on old and new x86 CPUs.
 * sgd can also run as one GEMM straight from a layer's x and dout (fc_optim_update_outer).
 * Does not: clip, schedule or decay (the solver multiplies lr by lr_decay per epoch). */
#include <math.h>
#include <stdlib.h>

#include "fcnet/optim.h"
#include "fcnet/tensor.h"
#include "util/clones.h"

#ifdef FC_DOUBLE
#define fc_sqrt sqrt
#else
#define fc_sqrt sqrtf
#endif


FC_CLONES void fc_sgd_step(fc_real *restrict w, const fc_real *restrict dw, size_t n, double lr)
{
    const fc_real a = (fc_real)lr;
    for (size_t i = 0; i < n; i++) w[i] -= a * dw[i];
}

FC_CLONES void fc_sgd_momentum_step(fc_real *restrict w, fc_real *restrict v, const fc_real *restrict dw, size_t n,
                                    double lr, double mu)
{
    const fc_real a = (fc_real)lr, m = (fc_real)mu;
    for (size_t i = 0; i < n; i++) {
        v[i] = m * v[i] - a * dw[i];
        w[i] += v[i];
    }
}

FC_CLONES void fc_rmsprop_step(fc_real *restrict w, fc_real *restrict cache, const fc_real *restrict dw, size_t n,
                               double lr, double decay, double eps)
{
    const fc_real a = (fc_real)lr, d = (fc_real)decay, d1 = (fc_real)(1 - decay), e = (fc_real)eps;
    for (size_t i = 0; i < n; i++) {
        cache[i] = d * cache[i] + d1 * dw[i] * dw[i];
        w[i] -= a * dw[i] / (fc_sqrt(cache[i]) + e);
    }
}

FC_CLONES void fc_adam_step(fc_real *restrict w, fc_real *restrict m, fc_real *restrict v, const fc_real *restrict dw, size_t n,
                            double lr, double b1, double b2, double eps, long t)
{
    const fc_real a = (fc_real)lr, e = (fc_real)eps;
    const fc_real B1 = (fc_real)b1, B1c = (fc_real)(1 - b1), B2 = (fc_real)b2,
                  B2c = (fc_real)(1 - b2);
    const fc_real c1 = (fc_real)(1.0 / (1.0 - pow(b1, (double)t)));
    const fc_real c2 = (fc_real)(1.0 / (1.0 - pow(b2, (double)t)));
    for (size_t i = 0; i < n; i++) {
        m[i] = B1 * m[i] + B1c * dw[i];
        v[i] = B2 * v[i] + B2c * dw[i] * dw[i];
        w[i] -= a * (m[i] * c1) / (fc_sqrt(v[i] * c2) + e);
    }
}

enum fc_status fc_optim_init(struct fc_optim *o, const struct fc_config *c, size_t n)
{
    o->rule = c->update_rule;
    o->lr = c->learning_rate;
    o->momentum = c->momentum;
    o->decay_rate = c->decay_rate;
    o->beta1 = c->beta1;
    o->beta2 = c->beta2;
    o->epsilon = c->epsilon;
    o->t = 0;
    o->n = n;
    o->s1 = o->s2 = NULL;
    o->outer = 1;
    if (o->rule != FC_RULE_SGD) {
        o->s1 = calloc(n, sizeof(fc_real));
        if (!o->s1) goto nomem;
    }
    if (o->rule == FC_RULE_ADAM) {
        o->s2 = calloc(n, sizeof(fc_real));
        if (!o->s2) goto nomem;
    }
    return FC_OK;
nomem:
    fc_log(FC_LOG_ERROR, "out of memory allocating optimizer state for %zu parameters\n", n);
    fc_optim_free(o);
    return FC_STATUS_NOMEM;
}

void fc_optim_free(struct fc_optim *o)
{
    if (!o) return;
    free(o->s1);
    free(o->s2);
    o->s1 = o->s2 = NULL;
}

void fc_optim_begin_step(struct fc_optim *o)
{
    if (o->rule == FC_RULE_ADAM) o->t++;
}

void fc_optim_update(struct fc_optim *o, fc_real *params, const fc_real *grad, size_t off,
                     size_t count)
{
    FC_ASSERT(off + count <= o->n);
    fc_real *w = params + off;
    const fc_real *dw = grad;
    switch (o->rule) {
    case FC_RULE_SGD: fc_sgd_step(w, dw, count, o->lr); break;
    case FC_RULE_SGD_MOMENTUM: fc_sgd_momentum_step(w, o->s1 + off, dw, count, o->lr, o->momentum); break;
    case FC_RULE_RMSPROP:
        fc_rmsprop_step(w, o->s1 + off, dw, count, o->lr, o->decay_rate, o->epsilon);
        break;
    case FC_RULE_ADAM:
        FC_ASSERT(o->t > 0);
        fc_adam_step(w, o->s1 + off, o->s2 + off, dw, count, o->lr, o->beta1, o->beta2, o->epsilon,
                     o->t);
        break;
    }
}

void fc_optim_update_cb(void *user, size_t off, size_t count, const fc_real *grad)
{
    struct fc_optim_target *t = user;
    fc_optim_update(t->opt, t->params, grad, off, count);
}

int fc_optim_update_outer(struct fc_optim *o, fc_real *params, size_t off, const fc_real *x,
                          int ldx, const fc_real *dout, int N, int D, int M, fc_real reg,
                          double *sq)
{
    if (!o->outer || o->rule != FC_RULE_SGD) return 0;
    const size_t n = (size_t)D * M;
    FC_ASSERT(off + n <= o->n && N > 0 && D > 0 && M > 0 && ldx >= D);
    fc_real *w = params + off;
    if (reg != 0 && sq) {
        double s = 0;
        for (size_t i = 0; i < n; i++) s += (double)w[i] * w[i];
        *sq += s;
    }
    /* w = beta w + alpha x^T dout */
    fc_gemm(1, 0, D, M, N, (fc_real)-o->lr, x, ldx, dout, M, (fc_real)(1 - o->lr * reg), w, M);
    return 1;
}

int fc_optim_outer_cb(void *user, size_t off, const fc_real *x, int ldx, const fc_real *dout,
                      int N, int D, int M, fc_real reg, double *sq)
{
    struct fc_optim_target *t = user;
    return fc_optim_update_outer(t->opt, t->params, off, x, ldx, dout, N, D, M, reg, sq);
}

struct fc_grad_sink fc_optim_sink(struct fc_optim_target *t)
{
    return (struct fc_grad_sink){fc_optim_update_cb, fc_optim_outer_cb, t};
}

void fc_optim_step(struct fc_optim *o, fc_real *params, const fc_real *grads)
{
    fc_optim_begin_step(o);
    fc_optim_update(o, params, grads, 0, o->n);
}
