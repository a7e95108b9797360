/* rng.c - xoshiro256** and splitmix64 (see rng.h). */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void sim_rng_init(struct sim_rng *r, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

void sim_rng_derive(struct sim_rng *r, uint64_t seed, const char *what)
{
	/* FNV-1a of the string, mixed with the seed */
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)what; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	sim_rng_init(r, sim_rng_hash(seed, h));
}

uint64_t sim_rng_hash(uint64_t a, uint64_t b)
{
	uint64_t x = a ^ rotl(b, 17) ^ 0x5851f42d4c957f2dULL;

	splitmix64(&x);
	return splitmix64(&x) ^ b;
}

uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s;
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

double sim_rng_unit(struct sim_rng *r)
{
	return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

double sim_rng_range(struct sim_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * sim_rng_unit(r);
}

uint32_t sim_rng_below(struct sim_rng *r, uint32_t n)
{
	return (uint32_t)(sim_rng_unit(r) * n) % n;
}

int sim_rng_chance(struct sim_rng *r, double p)
{
	return sim_rng_unit(r) < p;
}

double sim_rng_normal(struct sim_rng *r)
{
	double u = 1.0 - sim_rng_unit(r);   /* (0, 1] */
	double v = sim_rng_unit(r);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}
