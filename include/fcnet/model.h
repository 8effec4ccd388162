/* FullyConnectedNet (and TwoLayerNet, its one-hidden-layer case):
 *   {affine - [batchnorm|layernorm] - relu - [dropout]} x (L-1) - affine - softmax.
 * Parameters, gradients and batchnorm running statistics live in contiguous slabs with
 * named views; activations live in a workspace sized for a batch size. */
#ifndef FCNET_MODEL_H
#define FCNET_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "fcnet/config.h"
#include "fcnet/layers.h"
#include "fcnet/real.h"
#include "fcnet/rng.h"
#include "fcnet/status.h"

#define FC_MAX_LAYERS (FC_MAX_HIDDEN + 1)
/* Elements of the input layer's dW per block when fc_model_loss_update makes it block by
 * block (about 256 KB: a block of dW, W and the optimizer state stay in L2 together);
 * the rows per block are this over the layer's width, a multiple of 32, at least 32. */
#define FC_DW_BLOCK_ELEMS 65536

struct fc_model {
    int L;                        /* number of affine layers */
    int dims[FC_MAX_LAYERS + 1];  /* dims[0] = D input, dims[L] = C classes */
    enum fc_norm norm;
    double keep;                  /* dropout keep probability, 1 = none */
    double reg;
    /* slabs (owned) */
    fc_real *params, *grads;      /* nparams each */
    size_t nparams;
    fc_real *running;             /* batchnorm running mean/var, nrunning (0 if none) */
    size_t nrunning;
    /* views into params / grads (same offsets); gamma/beta/running only for
     * i < L-1 and norm != NONE, else NULL. */
    fc_real *W[FC_MAX_LAYERS], *b[FC_MAX_LAYERS];
    fc_real *gamma[FC_MAX_LAYERS], *beta[FC_MAX_LAYERS];
    fc_real *dW[FC_MAX_LAYERS], *db[FC_MAX_LAYERS];
    fc_real *dgamma[FC_MAX_LAYERS], *dbeta[FC_MAX_LAYERS];
    fc_real *running_mean[FC_MAX_LAYERS], *running_var[FC_MAX_LAYERS];
};

/* Allocate and initialise from a config: every W ~ N(0, weight_scale^2) drawn from rng in
 * layer order (W1 row-major, W2, ...), b = 0, gamma = 1, beta = 0, running mean 0, var 1.
 * On failure the model is left safe to free. */
enum fc_status fc_model_init(struct fc_model *m, const struct fc_config *c, struct fc_rng *rng);
void fc_model_free(struct fc_model *m);

/* Name and view of parameter i (0 <= i < fc_model_num_tensors): "W1", "b1", "gamma1", ...
 * rows/cols give its shape ((D, M) for W, (1, M) for vectors). */
int fc_model_num_tensors(const struct fc_model *m);
struct fc_tensor_view {
    char name[16];
    fc_real *data, *grad;
    int rows, cols;
};
void fc_model_tensor(const struct fc_model *m, int i, struct fc_tensor_view *view);

/* Activations and caches for batches of up to N rows. Owned by the caller, one per batch
 * size in use; a model may have several (train batch, evaluation batch). */
struct fc_workspace {
    int N;
    fc_real *slab;              /* all buffers below point into it */
    size_t nslab;
    fc_real *h[FC_MAX_LAYERS];  /* output of hidden layer i (N, dims[i+1]); h[L-1] = scores */
    fc_real *a[FC_MAX_LAYERS], *xhat[FC_MAX_LAYERS], *inv_std[FC_MAX_LAYERS];
    fc_real *mask[FC_MAX_LAYERS];
    fc_real *dh0, *dh1;         /* ping-pong gradient buffers (N, max dim) */
    int dw_rows;                /* rows of the input layer's dW per block */
    fc_real *dw_block;          /* (dw_rows, dims[1]) rows of the input layer's dW */
    struct fc_affine_relu_cache ar[FC_MAX_LAYERS];       /* hidden layers, no norm */
    struct fc_affine_norm_relu_cache anr[FC_MAX_LAYERS]; /* hidden layers with norm */
    struct fc_dropout_cache drop[FC_MAX_LAYERS];
    struct fc_affine_cache out;                          /* the last affine layer */
};
enum fc_status fc_workspace_init(struct fc_workspace *ws, const struct fc_model *m, int N);
void fc_workspace_free(struct fc_workspace *ws);

/* Forward pass of n <= ws->N rows x: (n, D). Returns a pointer to the scores (n, C)
 * inside ws (valid until the next call). mode TEST: no dropout, batchnorm uses running
 * statistics. rng is used only for dropout in train mode (may be NULL otherwise). */
const fc_real *fc_model_forward(struct fc_model *m, struct fc_workspace *ws, const fc_real *x,
                                int n, enum fc_mode mode, struct fc_rng *rng);

/* Train-mode loss and gradients: forward, softmax loss + 0.5 * reg * sum ||W||^2, and
 * backward into m->grads (overwritten). Returns the loss. x: (n, D), y: (n). */
double fc_model_loss(struct fc_model *m, struct fc_workspace *ws, const fc_real *x,
                     const uint8_t *y, int n, struct fc_rng *rng);

/* Same as fc_model_loss but with an explicit mode (the assignment's loss(X, y) in test
 * mode uses running batchnorm statistics and no dropout). Grads are still computed. */
double fc_model_loss_mode(struct fc_model *m, struct fc_workspace *ws, const fc_real *x,
                          const uint8_t *y, int n, enum fc_mode mode, struct fc_rng *rng);

/* Called by fc_model_loss_update during backward as soon as the gradient of a range
 * [off, off + count) of m->params (dW, db and, with a norm, dgamma and dbeta, L2 term
 * included) is final and backward no longer needs those parameters. grad: (count), the
 * gradient of that range; valid only during the call (the input layer's dW is made in
 * row blocks in a workspace scratch buffer, so m->grads does not hold it). */
typedef void (*fc_layer_grads_fn)(void *user, size_t off, size_t count, const fc_real *grad);
/* Optional: offered each layer's weights W (D, M) = params[off, off + D M) with their
 * gradient's factors, dW = x^T dout + reg W (x: (N, D) row stride ldx, dout: (N, M)),
 * before dW is made (and after dx, which reads W, is done). Returns 1 when it has used them
 * (and added sum W^2 of the weights it was offered to *sq when reg != 0); 0 to have dW
 * made and handed to grads. */
typedef int (*fc_layer_outer_fn)(void *user, size_t off, const fc_real *x, int ldx,
                                 const fc_real *dout, int N, int D, int M, fc_real reg,
                                 double *sq);
/* Where fc_model_loss_update hands the gradients: grads is required, outer may be NULL. */
struct fc_grad_sink {
    fc_layer_grads_fn grads;
    fc_layer_outer_fn outer;
    void *user;
};

/* fc_model_loss (train mode) that hands each layer's gradients to sink as they become final,
 * last layer first, so an optimizer can update the layer while they are still in cache.
 * When the data loss is not finite, nothing is back-propagated or handed over and the
 * non-finite loss is returned. */
double fc_model_loss_update(struct fc_model *m, struct fc_workspace *ws, const fc_real *x,
                            const uint8_t *y, int n, struct fc_rng *rng,
                            const struct fc_grad_sink *sink);

/* Predicted class per row (argmax of the scores): pred: (n). Test mode, in chunks of
 * ws->N rows. */
void fc_model_predict(struct fc_model *m, struct fc_workspace *ws, const fc_real *x, int n,
                      int *pred);

#endif
