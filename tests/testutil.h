/* Helpers shared by the cmocka programs: linspace, the assignment's rel_error, and
 * centred-difference numerical gradients (used with the float64 library). */
#ifndef FC_TESTS_TESTUTIL_H
#define FC_TESTS_TESTUTIL_H

#include <math.h>
#include <stddef.h>

#include "fcnet/real.h"

/* x[i] = lo + i (hi - lo) / (n - 1), as numpy.linspace */
static inline void linspace(fc_real *x, double lo, double hi, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] = (fc_real)(n > 1 ? lo + (hi - lo) * (double)i / (double)(n - 1) : lo);
}

/* max |x - y| / max(1e-8, |x| + |y|), as the assignment's rel_error */
static inline double rel_error(const fc_real *x, const fc_real *y, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)x[i] - (double)y[i]);
        double s = fabs((double)x[i]) + fabs((double)y[i]);
        double r = d / (s > 1e-8 ? s : 1e-8);
        if (r > m) m = r;
    }
    return m;
}

/* grad[i] = (f(x + h e_i) - f(x - h e_i)) / 2h, with x modified in place and restored. */
typedef double (*scalar_fn)(void *ctx);
static inline void numeric_grad(fc_real *grad, fc_real *x, size_t n, scalar_fn f, void *ctx, double h)
{
    for (size_t i = 0; i < n; i++) {
        fc_real old = x[i];
        x[i] = (fc_real)(old + h);
        double fp = f(ctx);
        x[i] = (fc_real)(old - h);
        double fm = f(ctx);
        x[i] = old;
        grad[i] = (fc_real)((fp - fm) / (2 * h));
    }
}

/* Fourth-order centred differences:
 * grad[i] = (-f(x + 2h) + 8 f(x + h) - 8 f(x - h) + f(x - 2h)) / 12h. Whole nets have
 * losses of order 1 and gradient entries down to 1e-5, where the two-point formula's
 * roundoff alone gives relative errors of 1e-6; this one allows a 10x larger step. */
static inline void numeric_grad4(fc_real *grad, fc_real *x, size_t n, scalar_fn f, void *ctx, double h)
{
    for (size_t i = 0; i < n; i++) {
        fc_real old = x[i];
        double v[4];
        const double k[4] = {2, 1, -1, -2};
        for (int j = 0; j < 4; j++) {
            x[i] = (fc_real)(old + k[j] * h);
            v[j] = f(ctx);
        }
        x[i] = old;
        grad[i] = (fc_real)((-v[0] + 8 * v[1] - 8 * v[2] + v[3]) / (12 * h));
    }
}

static inline double dot(const fc_real *a, const fc_real *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

#endif
