/*
 * rng.h - the simulator's own pseudo-random numbers: xoshiro256** seeded
 * through splitmix64. Never rand(): the same seed must give the same
 * vehicles on every libc.
 *
 * A struct sim_rng is a plain value (no memory to free); copy it to fork a
 * stream. sim_rng_derive() makes an independent stream from a seed and a
 * string, so that a vehicle's stream depends on its VIN only, not on the
 * order of the vehicles file. Not for secrets.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

struct sim_rng {
	uint64_t s[4];
};

/* Seed the generator from one 64-bit value. */
void sim_rng_init(struct sim_rng *r, uint64_t seed);
/* Seed from a seed and a string (e.g. a VIN); NUL-terminated. */
void sim_rng_derive(struct sim_rng *r, uint64_t seed, const char *what);
/* A stateless hash of two values, for shared randomness (the weather). */
uint64_t sim_rng_hash(uint64_t a, uint64_t b);

uint64_t sim_rng_next(struct sim_rng *r);
/* Uniform in [0, 1). */
double sim_rng_unit(struct sim_rng *r);
/* Uniform in [lo, hi). */
double sim_rng_range(struct sim_rng *r, double lo, double hi);
/* Uniform integer in [0, n); n > 0. */
uint32_t sim_rng_below(struct sim_rng *r, uint32_t n);
/* true with probability p. */
int sim_rng_chance(struct sim_rng *r, double p);
/* Normal with mean 0 and deviation 1 (Box-Muller). */
double sim_rng_normal(struct sim_rng *r);

#endif
