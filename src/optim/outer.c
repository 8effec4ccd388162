/* The input layer's update without materialising its weight gradient.
 *   x: (N, D) row stride ldx   dout: (N, M)   w, s1, s2: (D, M)
 *   g = x^T dout + reg w  (D, M), then the update rule on w, s1, s2 (see optim.c)
 * The input layer's dW is ~90% of a typical net's parameters (3072 x H). Made by a GEMM
 * it is written, read back by the update and written again; here each 8 x 48 tile of g
 * is summed over the batch in registers and the rule is applied to it there, so w, m, v
 * are streamed once per step and that traffic overlaps the tile's FMAs (the next tile's
 * rows are prefetched while the current one is summed).
 * Float and AVX-512F only (the CPU is asked at run time); elsewhere fc_optim_update_outer
 * returns 0 and the caller makes g with a GEMM. The rule arithmetic is the scalar
 * loops' own, in the same order; only the sum over the batch is ordered differently
 * from the GEMM's, so results agree to float rounding.
 * Does not: allocate, or touch anything outside w, s1, s2 and *sq. */
#include <math.h>

#include "fcnet/optim.h"

#if !defined(FC_DOUBLE) && defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define TR 8  /* tile rows (rows of x^T = input features) */
#define TZ 3  /* tile columns in 16-float vectors: 48 columns */

struct rule_consts {
    enum fc_update_rule rule;
    __m512 a, reg, p1, p1c, p2, p2c, c1, c2, e;
};

#define FC_AVX512 __attribute__((target("avx512f"), always_inline)) static inline

/* The rule on 16 (masked) parameters whose gradient sum (without L2) is acc. */
FC_AVX512 void apply(const struct rule_consts *k, __m512 acc, float *w, float *s1, float *s2,
                     __mmask16 mk, __m512 *sq)
{
    __m512 wv = _mm512_maskz_loadu_ps(mk, w);
    __m512 g = acc;
    if (sq) {
        *sq = _mm512_add_ps(*sq, _mm512_mul_ps(wv, wv));
        g = _mm512_add_ps(acc, _mm512_mul_ps(k->reg, wv));
    }
    switch (k->rule) {
    case FC_RULE_SGD: /* w -= a g */
        wv = _mm512_sub_ps(wv, _mm512_mul_ps(k->a, g));
        break;
    case FC_RULE_SGD_MOMENTUM: { /* v = mu v - a g; w += v */
        __m512 v = _mm512_maskz_loadu_ps(mk, s1);
        v = _mm512_sub_ps(_mm512_mul_ps(k->p1, v), _mm512_mul_ps(k->a, g));
        _mm512_mask_storeu_ps(s1, mk, v);
        wv = _mm512_add_ps(wv, v);
        break;
    }
    case FC_RULE_RMSPROP: { /* c = d c + (1 - d) g g; w -= a g / (sqrt(c) + e) */
        __m512 c = _mm512_maskz_loadu_ps(mk, s1);
        c = _mm512_add_ps(_mm512_mul_ps(k->p1, c), _mm512_mul_ps(_mm512_mul_ps(k->p1c, g), g));
        _mm512_mask_storeu_ps(s1, mk, c);
        __m512 den = _mm512_add_ps(_mm512_sqrt_ps(c), k->e);
        wv = _mm512_sub_ps(wv, _mm512_div_ps(_mm512_mul_ps(k->a, g), den));
        break;
    }
    case FC_RULE_ADAM: { /* m = b1 m + (1-b1) g; v = b2 v + (1-b2) g g;
                            w -= a (m c1) / (sqrt(v c2) + e) */
        __m512 m = _mm512_maskz_loadu_ps(mk, s1), v = _mm512_maskz_loadu_ps(mk, s2);
        m = _mm512_add_ps(_mm512_mul_ps(k->p1, m), _mm512_mul_ps(k->p1c, g));
        v = _mm512_add_ps(_mm512_mul_ps(k->p2, v), _mm512_mul_ps(_mm512_mul_ps(k->p2c, g), g));
        _mm512_mask_storeu_ps(s1, mk, m);
        _mm512_mask_storeu_ps(s2, mk, v);
        __m512 den = _mm512_add_ps(_mm512_sqrt_ps(_mm512_mul_ps(v, k->c2)), k->e);
        wv = _mm512_sub_ps(wv, _mm512_div_ps(_mm512_mul_ps(k->a, _mm512_mul_ps(m, k->c1)), den));
        break;
    }
    }
    _mm512_mask_storeu_ps(w, mk, wv);
}

/* One tile: R (8 or 1) rows (r0..) x NZ vectors of columns (c0..), the last vector masked
 * by mlast. The 8 x NZ sums are named variables, not an array, so that they stay in
 * registers. pf: row starts of the next tile in w, s1, s2 (npf of them); one cache line
 * of those is prefetched per batch row. */
#define ACC_DECL(r) __m512 a##r##0 = _mm512_setzero_ps(), a##r##1 = a##r##0, a##r##2 = a##r##0;
#define ACC_ROW(r)                                                                             \
    {                                                                                          \
        __m512 xv = _mm512_set1_ps(xb[r]);                                                     \
        a##r##0 = _mm512_fmadd_ps(xv, d0, a##r##0);                                            \
        if (NZ > 1) a##r##1 = _mm512_fmadd_ps(xv, d1, a##r##1);                                \
        if (NZ > 2) a##r##2 = _mm512_fmadd_ps(xv, d2, a##r##2);                                \
    }
#define ACC_SAVE(r) acc[r][0] = a##r##0, acc[r][1] = a##r##1, acc[r][2] = a##r##2;

FC_AVX512 void tile(const struct rule_consts *k, const float *x, int ldx, const float *dout,
                    int N, int M, int r0, int R, int c0, int NZ, __mmask16 mlast, float *w,
                    float *s1, float *s2, __m512 *sq, const char *const *pf, int npf)
{
    ACC_DECL(0) ACC_DECL(1) ACC_DECL(2) ACC_DECL(3) ACC_DECL(4) ACC_DECL(5) ACC_DECL(6)
    ACC_DECL(7)
    const __mmask16 m0 = NZ == 1 ? mlast : 0xFFFF, m1 = NZ == 2 ? mlast : 0xFFFF;
    const float *xb = x, *db = dout; /* x: column r0 of the batch; dout: this panel */
    for (int b = 0; b < N; b++, xb += ldx, db += 16 * TZ) {
        if (b < 4 * npf) _mm_prefetch(pf[b >> 2] + 64 * (b & 3), _MM_HINT_T0);
        __m512 d0 = _mm512_maskz_loadu_ps(m0, db), d1 = d0, d2 = d0;
        if (NZ > 1) d1 = _mm512_maskz_loadu_ps(m1, db + 16);
        if (NZ > 2) d2 = _mm512_maskz_loadu_ps(mlast, db + 32);
        ACC_ROW(0)
        if (R > 1) {
            ACC_ROW(1) ACC_ROW(2) ACC_ROW(3) ACC_ROW(4) ACC_ROW(5) ACC_ROW(6) ACC_ROW(7)
        }
    }
    __m512 acc[TR][TZ];
    ACC_SAVE(0) ACC_SAVE(1) ACC_SAVE(2) ACC_SAVE(3) ACC_SAVE(4) ACC_SAVE(5) ACC_SAVE(6)
    ACC_SAVE(7)
    for (int r = 0; r < R; r++) {
        size_t o = (size_t)(r0 + r) * M + c0;
        for (int z = 0; z < NZ; z++)
            apply(k, acc[r][z], w + o + 16 * z, s1 ? s1 + o + 16 * z : NULL,
                  s2 ? s2 + o + 16 * z : NULL, z == NZ - 1 ? mlast : 0xFFFF, sq);
    }
}

/* The tile shapes used, each compiled with constant R and NZ. */
#define TILE(R, NZ)                                                                            \
    __attribute__((target("avx512f"), noinline)) static void tile_##R##_##NZ(                  \
        const struct rule_consts *k, const float *x, int ldx, const float *dout, int N, int M, \
        int r0, int c0, __mmask16 mlast, float *w, float *s1, float *s2, __m512 *sq,          \
        const char *const *pf, int npf)                                                        \
    {                                                                                          \
        tile(k, x, ldx, dout, N, M, r0, R, c0, NZ, mlast, w, s1, s2, sq, pf, npf);            \
    }
TILE(8, 3)
TILE(8, 2)
TILE(8, 1)
TILE(1, 3)
TILE(1, 2)
TILE(1, 1)
typedef void (*tile_fn)(const struct rule_consts *, const float *, int, const float *, int, int,
                        int, int, __mmask16, float *, float *, float *, __m512 *,
                        const char *const *, int);

/* Two repacks into scratch, so that the tiles read memory in order:
 *   dp: dout in panels of 48 columns, (panels, N, 48), the last one zero-padded;
 *   xp: batch columns r0..r0 + 15 of x, (N, 16): in x they are ldx floats apart, and
 *       with ldx = 3072 all N of them fall into the same L1 cache set. */
__attribute__((target("avx512f"))) static double run(const struct rule_consts *k, int want_sq,
                                                     const float *x, int ldx, const float *dout,
                                                     int N, int D, int M, float *w, float *s1,
                                                     float *s2, float *scratch)
{
    static const tile_fn fns[2][3] = {{tile_8_1, tile_8_2, tile_8_3}, {tile_1_1, tile_1_2, tile_1_3}};
    const int W = 16 * TZ, np = (M + W - 1) / W;
    float *dp = scratch, *xp = scratch + (size_t)np * N * W;
    for (int p = 0; p < np; p++) {
        const int c0 = p * W, cols = M - c0 < W ? M - c0 : W;
        for (int b = 0; b < N; b++) {
            const float *src = dout + (size_t)b * M + c0;
            float *dst = dp + ((size_t)p * N + b) * W;
            for (int z = 0; z < TZ; z++) {
                int n = cols - 16 * z;
                __mmask16 mz = n >= 16 ? 0xFFFF : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
                _mm512_storeu_ps(dst + 16 * z, _mm512_maskz_loadu_ps(mz, src + 16 * z));
            }
        }
    }
    double sq_total = 0;
    for (int r0 = 0; r0 < D; r0 += TR) {
        const int R = D - r0 < TR ? 1 : TR;
        if (r0 % 16 == 0) {
            int nc = D - r0 < 16 ? D - r0 : 16;
            __mmask16 mc = (__mmask16)((1u << nc) - 1);
            for (int b = 0; b < N; b++)
                _mm512_storeu_ps(xp + 16 * b, _mm512_maskz_loadu_ps(mc, x + (size_t)b * ldx + r0));
        }
        const float *xr = xp + r0 % 16;
        if (R == 1) { /* the last D % 8 rows one at a time */
            for (int r = r0; r < D; r++, xr++)
                for (int c0 = 0; c0 < M; c0 += W) {
                    int cols = M - c0 < W ? M - c0 : W, nz = (cols + 15) / 16;
                    __mmask16 ml = (__mmask16)((1u << (cols - 16 * (nz - 1))) - 1);
                    __m512 sq = _mm512_setzero_ps();
                    fns[1][nz - 1](k, xr, 16, dp + (size_t)(c0 / W) * N * W, N, M, r, c0, ml, w, s1, s2,
                                   want_sq ? &sq : NULL, NULL, 0);
                    if (want_sq) sq_total += _mm512_reduce_add_ps(sq);
                }
            break;
        }
        __m512 sq = _mm512_setzero_ps();
        for (int c0 = 0; c0 < M; c0 += W) {
            int cols = M - c0 < W ? M - c0 : W, nz = (cols + 15) / 16;
            __mmask16 ml = (__mmask16)((1u << (cols - 16 * (nz - 1))) - 1);
            /* prefetch the next tile: the next columns of these rows, else the next rows */
            int nr0 = r0, nc0 = c0 + W;
            if (nc0 >= M) nr0 += TR, nc0 = 0;
            const char *pf[3 * TR];
            int npf = 0;
            if (nr0 + TR <= D)
                for (int r = 0; r < TR; r++) {
                    size_t o = (size_t)(nr0 + r) * M + nc0;
                    pf[npf++] = (const char *)(w + o);
                    if (s1) pf[npf++] = (const char *)(s1 + o);
                    if (s2) pf[npf++] = (const char *)(s2 + o);
                }
            fns[0][nz - 1](k, xr, 16, dp + (size_t)(c0 / W) * N * W, N, M, r0, c0, ml, w, s1, s2, want_sq ? &sq : NULL,
                           pf, npf);
        }
        if (want_sq) sq_total += _mm512_reduce_add_ps(sq);
    }
    return sq_total;
}

__attribute__((target("avx512f"))) static double update(const struct fc_optim *o, float *w,
                                                        const float *x, int ldx,
                                                        const float *dout, int N, int D, int M,
                                                        float reg, float *s1, float *s2,
                                                        float *scratch)
{
    struct rule_consts k;
    k.rule = o->rule;
    k.a = _mm512_set1_ps((float)o->lr);
    k.reg = _mm512_set1_ps(reg);
    k.e = _mm512_set1_ps((float)o->epsilon);
    k.p1 = k.p1c = k.p2 = k.p2c = k.c1 = k.c2 = _mm512_setzero_ps();
    switch (o->rule) {
    case FC_RULE_SGD: break;
    case FC_RULE_SGD_MOMENTUM: k.p1 = _mm512_set1_ps((float)o->momentum); break;
    case FC_RULE_RMSPROP:
        k.p1 = _mm512_set1_ps((float)o->decay_rate);
        k.p1c = _mm512_set1_ps((float)(1 - o->decay_rate));
        break;
    case FC_RULE_ADAM: /* the constants exactly as fc_adam_step makes them */
        k.p1 = _mm512_set1_ps((float)o->beta1);
        k.p1c = _mm512_set1_ps((float)(1 - o->beta1));
        k.p2 = _mm512_set1_ps((float)o->beta2);
        k.p2c = _mm512_set1_ps((float)(1 - o->beta2));
        k.c1 = _mm512_set1_ps((float)(1.0 / (1.0 - pow(o->beta1, (double)o->t))));
        k.c2 = _mm512_set1_ps((float)(1.0 / (1.0 - pow(o->beta2, (double)o->t))));
        break;
    }
    return run(&k, reg != 0, x, ldx, dout, N, D, M, w, s1, s2, scratch);
}

int fc_optim_update_outer(struct fc_optim *o, fc_real *params, size_t off, const fc_real *x,
                          int ldx, const fc_real *dout, int N, int D, int M, fc_real reg,
                          fc_real *scratch, size_t scratch_n, double *sq)
{
    const size_t need = (size_t)N * ((size_t)(M + 16 * TZ - 1) / (16 * TZ) * 16 * TZ + 16);
    if (!o->outer || scratch_n < need || !__builtin_cpu_supports("avx512f")) return 0;
    FC_ASSERT(off + (size_t)D * M <= o->n && N > 0 && D > 0 && M > 0 && ldx >= D);
    FC_ASSERT(o->rule != FC_RULE_ADAM || o->t > 0);
    float *s1 = o->s1 ? o->s1 + off : NULL, *s2 = o->s2 ? o->s2 + off : NULL;
    double s = update(o, params + off, x, ldx, dout, N, D, M, reg, s1, s2, scratch);
    if (sq) *sq += s;
    return 1;
}

int fc_optim_outer_available(void) { return __builtin_cpu_supports("avx512f"); }

#else

int fc_optim_update_outer(struct fc_optim *o, fc_real *params, size_t off, const fc_real *x,
                          int ldx, const fc_real *dout, int N, int D, int M, fc_real reg,
                          fc_real *scratch, size_t scratch_n, double *sq)
{
    (void)o, (void)params, (void)off, (void)x, (void)ldx, (void)dout, (void)N, (void)D;
    (void)M, (void)reg, (void)scratch, (void)scratch_n, (void)sq;
    return 0;
}

int fc_optim_outer_available(void) { return 0; }

#endif
