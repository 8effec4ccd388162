/* Explicit random state: xoshiro256** seeded through splitmix64. All randomness of the
 * library (init, dropout, minibatches, config sampling) comes from one of these. */
#ifndef FCNET_RNG_H
#define FCNET_RNG_H

#include <stdint.h>

struct fc_rng {
    uint64_t s[4];
    int has_spare;   /* Box-Muller second value cached */
    double spare;
};

void fc_rng_seed(struct fc_rng *rng, uint64_t seed);
/* Mix two 64-bit values into a well-spread seed (sweep seed, trial id -> trial seed). */
uint64_t fc_seed_mix(uint64_t a, uint64_t b);
uint64_t fc_rng_u64(struct fc_rng *rng);
/* Uniform in [0, 1) with 53 random bits. */
double fc_rng_uniform(struct fc_rng *rng);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t fc_rng_below(struct fc_rng *rng, uint64_t n);
/* Standard normal N(0, 1). */
double fc_rng_normal(struct fc_rng *rng);

#endif
