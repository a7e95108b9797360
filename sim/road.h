/*
 * road.h - the simulator's generated road network and its router.
 *
 * No map data is downloaded: around the real centre of Paris (48.8566 N,
 * 2.3522 E, so that map tiles line up) sim_road_init() builds from a seed a
 * slightly rotated and jittered street grid (30-50 km/h) crossed by
 * arterials (50-70 km/h), a ring road (70-90 km/h) joined to the arterials,
 * and highways (110-130 km/h) to six nearby towns at their real places,
 * each with a small street grid of its own. Altitudes come from a smooth
 * field of hills (30-130 m). The same seed gives the same network.
 *
 * Coordinates: x metres east and y metres north of the centre, and the
 * matching WGS 84 latitude and longitude (an equirectangular projection,
 * good to a few metres over 50 km).
 *
 * Ownership: a struct sim_road owns its arrays; sim_road_release() frees
 * them. A network is read-only once built, so threads may route on it
 * concurrently. A struct sim_route owns its arrays too (sim_route_release).
 * No I/O anywhere in this module.
 */
#ifndef SIM_ROAD_H
#define SIM_ROAD_H

#include "cv.h"
#include "rng.h"

#define SIM_CENTRE_LAT 48.8566
#define SIM_CENTRE_LON 2.3522

enum sim_road_class { SIM_STREET, SIM_ARTERIAL, SIM_RING, SIM_HIGHWAY, SIM_CLASS_COUNT };

/* Where a node is: the city grid, a town grid (1..), or on a ring or highway. */
#define SIM_AREA_CITY 0
#define SIM_AREA_ROAD 255
#define SIM_MAX_TOWNS 6

struct sim_node {
	double x, y;          /* metres east, north of the centre */
	double lat, lon;      /* degrees */
	double alt;           /* metres */
	uint8_t area;         /* SIM_AREA_CITY, a town number, or SIM_AREA_ROAD */
	uint8_t cls;          /* the highest enum sim_road_class through the node */
	uint8_t degree;       /* number of edges */
};

struct sim_edge {
	uint32_t a, b;        /* node indices; edges are two-way */
	double len;           /* metres */
	uint8_t cls;          /* enum sim_road_class */
	uint8_t limit;        /* speed limit, km/h */
};

struct sim_hill {
	double x, y, h, w;    /* centre, height and width in metres */
};

struct sim_town {
	const char *name;
	double x, y;          /* centre */
	uint32_t first, count;/* its grid nodes: [first, first + count) */
};

struct sim_road {
	struct sim_node *nodes;
	size_t nnodes;
	struct sim_edge *edges;
	size_t nedges;
	uint32_t *adj_start;  /* node i's edges: adj_edge[adj_start[i] .. adj_start[i + 1]) */
	uint32_t *adj_edge;
	uint32_t city_count;  /* nodes [0, city_count) are the city grid */
	struct sim_town towns[SIM_MAX_TOWNS];
	size_t ntowns;
	struct sim_hill hills[8];
	size_t nhills;
};

/* A path: nodes[0..n), edges[i] joins nodes[i] and nodes[i + 1]. */
struct sim_route {
	uint32_t *nodes;
	uint32_t *edges;
	size_t n;
	size_t cap;
	double length;        /* metres */
};

/* Build the network for seed; never fails (memory failures abort). */
void sim_road_init(struct sim_road *r, uint64_t seed);
void sim_road_release(struct sim_road *r);

/* Altitude in metres at (x, y), in [30, 130]. */
double sim_road_alt(const struct sim_road *r, double x, double y);
/* Latitude and longitude of (x, y). */
void sim_road_to_ll(double x, double y, double *lat, double *lon);
/* Compass bearing in degrees [0, 360) from node a to node b. */
double sim_road_bearing(const struct sim_road *r, uint32_t a, uint32_t b);
/* The other end of edge e seen from node n. */
uint32_t sim_road_other(const struct sim_road *r, uint32_t e, uint32_t n);

void sim_route_init(struct sim_route *rt);
void sim_route_release(struct sim_route *rt);
/*
 * The quickest path from `from` to `to` (travel time at the limits, with a
 * small cost per junction) into rt, replacing what it held. from == to
 * gives a path of one node. CV_ENOTFOUND if `to` cannot be reached (never
 * happens on a network from sim_road_init()).
 */
enum cv_err sim_road_route(const struct sim_road *r, uint32_t from, uint32_t to, struct sim_route *rt);

#endif
