/* Layers: each a forward that fills its output and a typed cache, and a backward that
 * takes the upstream gradient and the cache and writes the gradients.
 *
 * Conventions (as llm.c): outputs, cache, inputs, parameters, sizes. Kernels never allocate:
 * every buffer, including what a cache points to, is owned by the caller (a model's
 * workspace). Caches hold borrowed pointers. Backward OVERWRITES dx and the parameter
 * gradients (the net is a chain; nothing accumulates). All arrays are row-major. */
#ifndef FCNET_LAYERS_H
#define FCNET_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "fcnet/real.h"
#include "fcnet/rng.h"

enum fc_mode { FC_MODE_TRAIN, FC_MODE_TEST };

/* ---- affine: out = x w + b ---------------------------------------------------------
 * x: (N, D) (an (N, d1, ..., dk) input is used as (N, D), D = d1*...*dk), w: (D, M),
 * b: (M), out: (N, M). */
struct fc_affine_cache {
    const fc_real *x, *w;
    int N, D, M;
};
void fc_affine_forward(fc_real *out, struct fc_affine_cache *cache, const fc_real *x,
                       const fc_real *w, const fc_real *b, int N, int D, int M);
/* dout: (N, M) -> dx: (N, D) (may be NULL: not computed, e.g. for the input layer),
 * dw: (D, M) (may be NULL: not computed here, see fc_affine_backward_dw_rows), db: (M). */
void fc_affine_backward(fc_real *dx, fc_real *dw, fc_real *db, const fc_real *dout,
                        const struct fc_affine_cache *cache);
/* Rows [r0, r0 + nr) of dw = x^T dout: dw_rows: (nr, M) = x[:, r0:r0+nr]^T (nr, N) dout (N, M).
 * Lets a caller produce dw a cache-sized block at a time and consume each block at once. */
void fc_affine_backward_dw_rows(fc_real *dw_rows, const fc_real *dout,
                                const struct fc_affine_cache *cache, int r0, int nr);

/* ---- relu: out = max(0, x) ------------------------------------------------------------
 * x, out: (n) elements; out may equal x (in place). The cache keeps `out` (out > 0 iff
 * x > 0), so `out` must stay untouched until backward. dx may equal dout. */
struct fc_relu_cache {
    const fc_real *out;
    size_t n;
};
void fc_relu_forward(fc_real *out, struct fc_relu_cache *cache, const fc_real *x, size_t n);
void fc_relu_backward(fc_real *dx, const fc_real *dout, const struct fc_relu_cache *cache);

/* ---- dropout (inverted): p is the KEEP probability, 0 < p <= 1 -------------------------
 * Train: mask_i = (u_i < p) / p, out = x * mask; test (or p == 1): out = x.
 * mask: (n) caller-owned scratch written in train mode. out may equal x; dx may equal dout. */
struct fc_dropout_cache {
    const fc_real *mask; /* NULL when the layer was the identity */
    size_t n;
};
void fc_dropout_forward(fc_real *out, struct fc_dropout_cache *cache, fc_real *mask,
                        const fc_real *x, size_t n, double p, enum fc_mode mode,
                        struct fc_rng *rng);
void fc_dropout_backward(fc_real *dx, const fc_real *dout, const struct fc_dropout_cache *cache);

/* ---- batchnorm over the batch, per feature -------------------------------------------
 * x, out: (N, D); gamma, beta, running_mean, running_var: (D).
 * Train: mean/var of the batch (biased var), xhat = (x - mean) / sqrt(var + eps),
 * out = gamma * xhat + beta, running = momentum * running + (1 - momentum) * batch.
 * Test: xhat uses the running statistics. xhat: (N, D) and inv_std: (D) are caller-owned
 * scratch kept for backward. out may not alias x. */
struct fc_batchnorm_cache {
    const fc_real *xhat, *inv_std, *gamma;
    int N, D;
};
void fc_batchnorm_forward(fc_real *out, struct fc_batchnorm_cache *cache, fc_real *xhat,
                          fc_real *inv_std, const fc_real *x, const fc_real *gamma,
                          const fc_real *beta, fc_real *running_mean, fc_real *running_var,
                          int N, int D, double eps, double momentum, enum fc_mode mode);
/* Backward of train-mode batchnorm. dout: (N, D) -> dx: (N, D), dgamma, dbeta: (D).
 * dx may equal dout. */
void fc_batchnorm_backward(fc_real *dx, fc_real *dgamma, fc_real *dbeta, const fc_real *dout,
                           const struct fc_batchnorm_cache *cache);

/* ---- layernorm over the features, per sample; same in train and test -----------------
 * x, out: (N, D); gamma, beta: (D); xhat: (N, D), inv_std: (N) caller-owned scratch. */
struct fc_layernorm_cache {
    const fc_real *xhat, *inv_std, *gamma;
    int N, D;
};
void fc_layernorm_forward(fc_real *out, struct fc_layernorm_cache *cache, fc_real *xhat,
                          fc_real *inv_std, const fc_real *x, const fc_real *gamma,
                          const fc_real *beta, int N, int D, double eps);
void fc_layernorm_backward(fc_real *dx, fc_real *dgamma, fc_real *dbeta, const fc_real *dout,
                           const struct fc_layernorm_cache *cache);

/* ---- losses: x: (N, C) scores, y: (N) labels in [0, C). Return the loss averaged over N
 * (accumulated in double); dx: (N, C) gradient of that loss (may be NULL). ------------- */
double fc_softmax_loss(fc_real *dx, const fc_real *x, const uint8_t *y, int N, int C);
/* Multiclass SVM with margin 1. */
double fc_svm_loss(fc_real *dx, const fc_real *x, const uint8_t *y, int N, int C);

/* ---- sandwich layers ------------------------------------------------------------------
 * affine_relu: out = relu(x w + b). out: (N, M) holds the relu output; the affine output
 * is computed in place in `out`. dout: (N, M); scratch: (N, M) caller buffer for the
 * gradient w.r.t. the affine output (may equal dout); it holds that gradient on return.
 * dw may be NULL, as in fc_affine_backward. */
struct fc_affine_relu_cache {
    struct fc_affine_cache affine;
    struct fc_relu_cache relu;
};
void fc_affine_relu_forward(fc_real *out, struct fc_affine_relu_cache *cache, const fc_real *x,
                            const fc_real *w, const fc_real *b, int N, int D, int M);
void fc_affine_relu_backward(fc_real *dx, fc_real *dw, fc_real *db, fc_real *scratch,
                             const fc_real *dout, const struct fc_affine_relu_cache *cache);

enum fc_norm { FC_NORM_NONE = 0, FC_NORM_BATCHNORM, FC_NORM_LAYERNORM };

/* affine_norm_relu: out = relu(norm(x w + b)), norm = batchnorm or layernorm.
 * a: (N, M) affine output scratch, xhat: (N, M), inv_std: (M) for batchnorm or (N) for
 * layernorm; out: (N, M). running_mean/var only for batchnorm (else NULL). */
struct fc_affine_norm_relu_cache {
    enum fc_norm norm;
    struct fc_affine_cache affine;
    struct fc_batchnorm_cache bn;
    struct fc_layernorm_cache ln;
    struct fc_relu_cache relu;
};
void fc_affine_norm_relu_forward(fc_real *out, struct fc_affine_norm_relu_cache *cache,
                                 fc_real *a, fc_real *xhat, fc_real *inv_std, const fc_real *x,
                                 const fc_real *w, const fc_real *b, const fc_real *gamma,
                                 const fc_real *beta, fc_real *running_mean,
                                 fc_real *running_var, int N, int D, int M, enum fc_norm norm,
                                 enum fc_mode mode);
/* scratch: (N, M) buffer (may equal dout). dw may be NULL, as in fc_affine_backward. */
void fc_affine_norm_relu_backward(fc_real *dx, fc_real *dw, fc_real *db, fc_real *dgamma,
                                  fc_real *dbeta, fc_real *scratch, const fc_real *dout,
                                  const struct fc_affine_norm_relu_cache *cache);

#define FC_BN_EPS 1e-5
#define FC_BN_MOMENTUM 0.9

#endif
