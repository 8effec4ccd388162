/* xoshiro256** generator seeded with splitmix64, uniform / bounded / normal draws.
 * Does not: provide a global state; every caller passes its own struct fc_rng. */
#include <math.h>

#include "fcnet/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void fc_rng_seed(struct fc_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&x);
    rng->has_spare = 0;
    rng->spare = 0.0;
}

uint64_t fc_seed_mix(uint64_t a, uint64_t b)
{
    uint64_t x = a ^ 0x6a09e667f3bcc909ULL;
    uint64_t h = splitmix64(&x);
    x = h ^ b;
    return splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t fc_rng_u64(struct fc_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double fc_rng_uniform(struct fc_rng *rng) { return (double)(fc_rng_u64(rng) >> 11) * 0x1.0p-53; }

uint64_t fc_rng_below(struct fc_rng *rng, uint64_t n)
{
    /* rejection sampling: draw until the value falls in the largest multiple of n */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do {
        r = fc_rng_u64(rng);
    } while (r >= limit);
    return r % n;
}

double fc_rng_normal(struct fc_rng *rng)
{
    /* Box-Muller: two uniforms give two independent normals; the second is kept */
    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare;
    }
    double u1, u2;
    do {
        u1 = fc_rng_uniform(rng);
    } while (u1 <= 0.0);
    u2 = fc_rng_uniform(rng);
    double r = sqrt(-2.0 * log(u1));
    double th = 6.283185307179586 * u2;
    rng->spare = r * sin(th);
    rng->has_spare = 1;
    return r * cos(th);
}
