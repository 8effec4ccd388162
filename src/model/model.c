/* FullyConnectedNet: parameter slabs, initialisation, forward, loss + backward, predict.
 *   {affine - [batchnorm|layernorm] - relu - [dropout]} x (L-1) - affine - softmax
 * dims[0] = D, dims[1..L-1] = hidden sizes, dims[L] = C. TwoLayerNet is L = 2.
 * Does not: keep optimizer state (optim/) or histories (solver/). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcnet/model.h"

static int has_norm(const struct fc_model *m, int i) { return m->norm != FC_NORM_NONE && i < m->L - 1; }

enum fc_status fc_model_init(struct fc_model *m, const struct fc_config *c, struct fc_rng *rng)
{
    FC_ASSERT(m && c && rng);
    memset(m, 0, sizeof *m);
    enum fc_status st = fc_config_validate(c);
    if (st != FC_OK) return st;
    m->L = c->num_hidden + 1;
    m->dims[0] = c->input_dim;
    for (int i = 0; i < c->num_hidden; i++) m->dims[i + 1] = c->hidden_dims[i];
    m->dims[m->L] = c->num_classes;
    m->norm = c->normalization;
    m->keep = c->dropout;
    m->reg = c->reg;

    size_t np = 0, nr = 0;
    for (int i = 0; i < m->L; i++) {
        size_t D = (size_t)m->dims[i], M = (size_t)m->dims[i + 1];
        np += D * M + M;
        if (has_norm(m, i)) np += 2 * M;
        if (has_norm(m, i) && m->norm == FC_NORM_BATCHNORM) nr += 2 * M;
    }
    m->nparams = np;
    m->nrunning = nr;
    m->params = calloc(np, sizeof(fc_real));
    m->grads = calloc(np, sizeof(fc_real));
    m->running = nr ? calloc(nr, sizeof(fc_real)) : NULL;
    if (!m->params || !m->grads || (nr && !m->running)) {
        fc_log(FC_LOG_ERROR, "out of memory allocating a model of %zu parameters\n", np);
        fc_model_free(m);
        return FC_STATUS_NOMEM;
    }
    /* views: W1 b1 [gamma1 beta1] W2 b2 ... in one slab; grads at the same offsets */
    size_t off = 0, roff = 0;
    for (int i = 0; i < m->L; i++) {
        size_t D = (size_t)m->dims[i], M = (size_t)m->dims[i + 1];
        m->W[i] = m->params + off;
        m->dW[i] = m->grads + off;
        off += D * M;
        m->b[i] = m->params + off;
        m->db[i] = m->grads + off;
        off += M;
        if (has_norm(m, i)) {
            m->gamma[i] = m->params + off;
            m->dgamma[i] = m->grads + off;
            off += M;
            m->beta[i] = m->params + off;
            m->dbeta[i] = m->grads + off;
            off += M;
            for (size_t j = 0; j < M; j++) m->gamma[i][j] = 1;
            if (m->norm == FC_NORM_BATCHNORM) {
                m->running_mean[i] = m->running + roff;
                m->running_var[i] = m->running + roff + M;
                roff += 2 * M;
                for (size_t j = 0; j < M; j++) m->running_var[i][j] = 1;
            }
        }
    }
    /* W ~ N(0, weight_scale^2), drawn layer by layer in row-major order */
    for (int i = 0; i < m->L; i++) {
        size_t n = (size_t)m->dims[i] * (size_t)m->dims[i + 1];
        for (size_t k = 0; k < n; k++) m->W[i][k] = (fc_real)(c->weight_scale * fc_rng_normal(rng));
    }
    return FC_OK;
}

void fc_model_free(struct fc_model *m)
{
    if (!m) return;
    free(m->params);
    free(m->grads);
    free(m->running);
    m->params = m->grads = m->running = NULL;
}

int fc_model_num_tensors(const struct fc_model *m)
{
    int n = 2 * m->L;
    if (m->norm != FC_NORM_NONE) n += 2 * (m->L - 1);
    return n;
}

void fc_model_tensor(const struct fc_model *m, int idx, struct fc_tensor_view *v)
{
    FC_ASSERT(idx >= 0 && idx < fc_model_num_tensors(m));
    for (int i = 0; i < m->L; i++) {
        int per = has_norm(m, i) ? 4 : 2;
        if (idx >= per) {
            idx -= per;
            continue;
        }
        int M = m->dims[i + 1];
        static const char *const names[] = {"W", "b", "gamma", "beta"};
        snprintf(v->name, sizeof v->name, "%s%d", names[idx], i + 1);
        fc_real *const p[] = {m->W[i], m->b[i], m->gamma[i], m->beta[i]};
        fc_real *const g[] = {m->dW[i], m->db[i], m->dgamma[i], m->dbeta[i]};
        v->data = p[idx];
        v->grad = g[idx];
        v->rows = idx == 0 ? m->dims[i] : 1;
        v->cols = M;
        return;
    }
}

enum fc_status fc_workspace_init(struct fc_workspace *ws, const struct fc_model *m, int N)
{
    FC_ASSERT(ws && m && N > 0);
    memset(ws, 0, sizeof *ws);
    ws->N = N;
    size_t maxd = 0, total = 0;
    for (int i = 0; i < m->L; i++) {
        size_t M = (size_t)m->dims[i + 1];
        if (M > maxd) maxd = M;
        total += (size_t)N * M;                             /* h */
        if (has_norm(m, i)) total += 2 * (size_t)N * M + (M > (size_t)N ? M : (size_t)N); /* a, xhat, inv_std */
        if (m->keep < 1 && i < m->L - 1) total += (size_t)N * M; /* mask */
    }
    total += 2 * (size_t)N * maxd;                     /* dh0, dh1 */
    int rows = (FC_DW_BLOCK_ELEMS / m->dims[1]) / 32 * 32;
    ws->dw_rows = rows < 32 ? 32 : rows;
    total += (size_t)ws->dw_rows * m->dims[1];         /* dw_block */
    ws->slab = malloc(total * sizeof(fc_real));
    if (!ws->slab) {
        fc_log(FC_LOG_ERROR, "out of memory allocating a workspace for batch %d\n", N);
        return FC_STATUS_NOMEM;
    }
    ws->nslab = total;
    fc_real *p = ws->slab;
    for (int i = 0; i < m->L; i++) {
        size_t M = (size_t)m->dims[i + 1];
        ws->h[i] = p;
        p += (size_t)N * M;
        if (has_norm(m, i)) {
            ws->a[i] = p;
            p += (size_t)N * M;
            ws->xhat[i] = p;
            p += (size_t)N * M;
            ws->inv_std[i] = p;
            p += M > (size_t)N ? M : (size_t)N;
        }
        if (m->keep < 1 && i < m->L - 1) {
            ws->mask[i] = p;
            p += (size_t)N * M;
        }
    }
    ws->dh0 = p;
    p += (size_t)N * maxd;
    ws->dh1 = p;
    p += (size_t)N * maxd;
    ws->dw_block = p;
    return FC_OK;
}

void fc_workspace_free(struct fc_workspace *ws)
{
    if (!ws) return;
    free(ws->slab);
    ws->slab = NULL;
}

const fc_real *fc_model_forward(struct fc_model *m, struct fc_workspace *ws, const fc_real *x,
                                int n, enum fc_mode mode, struct fc_rng *rng)
{
    FC_ASSERT(m && ws && x && n > 0 && n <= ws->N);
    const fc_real *in = x;
    for (int i = 0; i < m->L - 1; i++) {
        int D = m->dims[i], M = m->dims[i + 1];
        if (has_norm(m, i))
            fc_affine_norm_relu_forward(ws->h[i], &ws->anr[i], ws->a[i], ws->xhat[i],
                                        ws->inv_std[i], in, m->W[i], m->b[i], m->gamma[i],
                                        m->beta[i], m->running_mean[i], m->running_var[i], n, D,
                                        M, m->norm, mode);
        else
            fc_affine_relu_forward(ws->h[i], &ws->ar[i], in, m->W[i], m->b[i], n, D, M);
        if (m->keep < 1)
            fc_dropout_forward(ws->h[i], &ws->drop[i], ws->mask[i], ws->h[i], (size_t)n * M,
                               m->keep, mode, rng);
        in = ws->h[i];
    }
    int last = m->L - 1;
    fc_affine_forward(ws->h[last], &ws->out, in, m->W[last], m->b[last], n, m->dims[last],
                      m->dims[m->L]);
    return ws->h[last];
}

/* Offset and length of layer i's parameters [W b (gamma beta)] in the slabs. */
static void layer_range(const struct fc_model *m, int i, size_t *off, size_t *count)
{
    *off = (size_t)(m->W[i] - m->params);
    size_t end = i + 1 < m->L ? (size_t)(m->W[i + 1] - m->params) : m->nparams;
    *count = end - *off;
}

/* L2 on k weights: dw += reg w; returns sum w^2 (double). */
static double add_l2(const struct fc_model *m, const fc_real *w, fc_real *dw, size_t k)
{
    if (m->reg == 0) return 0;
    double sq = 0;
    const fc_real reg = (fc_real)m->reg;
    for (size_t j = 0; j < k; j++) {
        sq += (double)w[j] * w[j];
        dw[j] += reg * w[j];
    }
    return sq;
}

/* Layer i's gradients to the sink, after its backward ran without making dW: the sink's
 * outer callback may update W straight from x^T dout (+ L2); if it declines, dW is made,
 * for the input layer (the largest) a row block at a time in ws->dw_block, each block
 * handed over while in cache, else whole into m->dW[i]. Then b (gamma, beta), which
 * follow W in the slab. Returns sum W^2 when reg != 0. */
static double hand_over(struct fc_model *m, struct fc_workspace *ws,
                        const struct fc_grad_sink *sink, int i, const struct fc_affine_cache *ac,
                        const fc_real *dout)
{
    const int D = m->dims[i], M = m->dims[i + 1];
    size_t off, count;
    layer_range(m, i, &off, &count);
    const size_t nw = (size_t)D * M;
    double sq = 0;
    const int used = sink->outer &&
                     sink->outer(sink->user, off, ac->x, D, dout, ac->N, D, M, (fc_real)m->reg, &sq);
    if (!used && i == 0) {
        for (int r0 = 0; r0 < D; r0 += ws->dw_rows) {
            int nr = D - r0 < ws->dw_rows ? D - r0 : ws->dw_rows;
            size_t boff = (size_t)r0 * M, bn = (size_t)nr * M;
            fc_affine_backward_dw_rows(ws->dw_block, dout, ac, r0, nr);
            sq += add_l2(m, m->W[i] + boff, ws->dw_block, bn);
            sink->grads(sink->user, off + boff, bn, ws->dw_block);
        }
    } else if (!used) {
        fc_affine_backward_dw_rows(m->dW[i], dout, ac, 0, D);
        sq += add_l2(m, m->W[i], m->dW[i], nw);
        sink->grads(sink->user, off, nw, m->dW[i]);
    }
    sink->grads(sink->user, off + nw, count - nw, m->grads + off + nw);
    return sq;
}

static double loss_impl(struct fc_model *m, struct fc_workspace *ws, const fc_real *x,
                        const uint8_t *y, int n, enum fc_mode mode, struct fc_rng *rng,
                        const struct fc_grad_sink *sink)
{
    FC_ASSERT(y && (!sink || sink->grads));
    const fc_real *scores = fc_model_forward(m, ws, x, n, mode, rng);
    const int L = m->L;
    double loss = fc_softmax_loss(ws->dh0, scores, y, n, m->dims[L]);
    if (!isfinite(loss)) return loss;

    /* backward: dh0 holds d scores; the gradient ping-pongs between dh0 and dh1. Layer i
     * is handed to the sink once its gradients are final and dx (which reads W_i) is done. */
    double sq = 0;
    fc_real *cur = ws->dh1, *other = ws->dh0;
    for (int i = L - 1; i >= 0; i--) {
        const int D = m->dims[i], M = m->dims[i + 1];
        fc_real *dx = i == 0 ? NULL : (i == L - 1 ? cur : other); /* none for the images */
        const fc_real *dout; /* the gradient w.r.t. the affine output once backward is done */
        const struct fc_affine_cache *ac;
        /* with a sink, dW is left to hand_over */
        fc_real *dw = sink ? NULL : m->dW[i];
        if (i == L - 1) {
            fc_affine_backward(dx, dw, m->db[i], ws->dh0, &ws->out);
            dout = ws->dh0, ac = &ws->out;
        } else {
            if (m->keep < 1) fc_dropout_backward(cur, cur, &ws->drop[i]);
            if (has_norm(m, i)) {
                fc_affine_norm_relu_backward(dx, dw, m->db[i], m->dgamma[i], m->dbeta[i], cur,
                                             cur, &ws->anr[i]);
                ac = &ws->anr[i].affine;
            } else {
                fc_affine_relu_backward(dx, dw, m->db[i], cur, cur, &ws->ar[i]);
                ac = &ws->ar[i].affine;
            }
            dout = cur;
            fc_real *t = cur;
            cur = other;
            other = t;
        }
        if (sink) sq += hand_over(m, ws, sink, i, ac, dout);
        else sq += add_l2(m, m->W[i], m->dW[i], (size_t)D * M);
    }
    /* L2 on the weights only: loss += 0.5 reg sum W^2 (dW += reg W was added above) */
    return loss + 0.5 * m->reg * sq;
}

double fc_model_loss_mode(struct fc_model *m, struct fc_workspace *ws, const fc_real *x,
                          const uint8_t *y, int n, enum fc_mode mode, struct fc_rng *rng)
{
    return loss_impl(m, ws, x, y, n, mode, rng, NULL);
}

double fc_model_loss(struct fc_model *m, struct fc_workspace *ws, const fc_real *x,
                     const uint8_t *y, int n, struct fc_rng *rng)
{
    return loss_impl(m, ws, x, y, n, FC_MODE_TRAIN, rng, NULL);
}

double fc_model_loss_update(struct fc_model *m, struct fc_workspace *ws, const fc_real *x,
                            const uint8_t *y, int n, struct fc_rng *rng,
                            const struct fc_grad_sink *sink)
{
    return loss_impl(m, ws, x, y, n, FC_MODE_TRAIN, rng, sink);
}

void fc_model_predict(struct fc_model *m, struct fc_workspace *ws, const fc_real *x, int n,
                      int *pred)
{
    const int D = m->dims[0], C = m->dims[m->L];
    for (int s = 0; s < n; s += ws->N) {
        int k = n - s < ws->N ? n - s : ws->N;
        const fc_real *sc = fc_model_forward(m, ws, x + (size_t)s * D, k, FC_MODE_TEST, NULL);
        for (int r = 0; r < k; r++) {
            const fc_real *row = sc + (size_t)r * C;
            int best = 0;
            for (int c = 1; c < C; c++)
                if (row[c] > row[best]) best = c;
            pred[s + r] = best;
        }
    }
}
