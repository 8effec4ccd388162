/* multiclass SVM (hinge) loss with margin 1.
 *   x: (N, C) scores, y: (N) labels, dx: (N, C)
 * margin[n, c] = max(0, x[n, c] - x[n, y_n] + 1) for c != y_n; loss = 1/N sum margins;
 * dx[n, c] = [margin > 0] / N for c != y_n, dx[n, y_n] = -(number of positive margins) / N. */
#include "fcnet/layers.h"
#include "fcnet/status.h"

double fc_svm_loss(fc_real *dx, const fc_real *x, const uint8_t *y, int N, int C)
{
    FC_ASSERT(x && y && N > 0 && C > 0);
    double loss = 0;
    for (int n = 0; n < N; n++) {
        const fc_real *xr = x + (size_t)n * C;
        FC_ASSERT(y[n] < C);
        double correct = xr[y[n]];
        int positive = 0;
        for (int c = 0; c < C; c++) {
            double m = c == y[n] ? 0 : xr[c] - correct + 1.0;
            if (m > 0) {
                loss += m;
                positive++;
            }
            if (dx) dx[(size_t)n * C + c] = m > 0 ? (fc_real)(1.0 / N) : 0;
        }
        if (dx) dx[(size_t)n * C + y[n]] = (fc_real)(-(double)positive / N);
    }
    return loss / N;
}
