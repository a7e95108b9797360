/* road.c - generated road network and routing (see road.h). */
#include "road.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define M_PER_DEG_LAT 110574.0
#define M_PER_DEG_LON_EQ 111320.0
#define NONE UINT32_MAX

/* The city grid: spacing and the radius of the disc it fills. */
#define CITY_SPACING 320.0
#define CITY_HALF 14
#define CITY_RADIUS 4600.0
/* The ring road. */
#define RING_RADIUS 5300.0
#define RING_NODES 52
/* Town grids. */
#define TOWN_SIDE 6
#define TOWN_SPACING 260.0
/* Highways: a node every so many metres. */
#define HIGHWAY_STEP 1500.0

static const struct {
	const char *name;
	double lat, lon;
} town_places[SIM_MAX_TOWNS] = {
	{ "Versailles", 48.8049, 2.1204 },
	{ "Saint-Germain-en-Laye", 48.8989, 2.0938 },
	{ "Cergy", 49.0364, 2.0761 },
	{ "Roissy-en-France", 49.0036, 2.5167 },
	{ "Meaux", 48.9601, 2.8788 },
	{ "Evry", 48.6239, 2.4294 },
};

static double lon_scale(void)
{
	return M_PER_DEG_LON_EQ * cos(SIM_CENTRE_LAT * M_PI / 180.0);
}

void sim_road_to_ll(double x, double y, double *lat, double *lon)
{
	*lat = SIM_CENTRE_LAT + y / M_PER_DEG_LAT;
	*lon = SIM_CENTRE_LON + x / lon_scale();
}

static void from_ll(double lat, double lon, double *x, double *y)
{
	*x = (lon - SIM_CENTRE_LON) * lon_scale();
	*y = (lat - SIM_CENTRE_LAT) * M_PER_DEG_LAT;
}

double sim_road_alt(const struct sim_road *r, double x, double y)
{
	double alt = 33.0;

	for (size_t i = 0; i < r->nhills; i++) {
		const struct sim_hill *h = &r->hills[i];
		double dx = x - h->x, dy = y - h->y;

		alt += h->h * exp(-(dx * dx + dy * dy) / (2.0 * h->w * h->w));
	}
	return alt < 30.0 ? 30.0 : alt > 130.0 ? 130.0 : alt;
}

double sim_road_bearing(const struct sim_road *r, uint32_t a, uint32_t b)
{
	double dx = r->nodes[b].x - r->nodes[a].x, dy = r->nodes[b].y - r->nodes[a].y;
	double deg = atan2(dx, dy) * 180.0 / M_PI;

	return deg < 0 ? deg + 360.0 : deg;
}

uint32_t sim_road_other(const struct sim_road *r, uint32_t e, uint32_t n)
{
	return r->edges[e].a == n ? r->edges[e].b : r->edges[e].a;
}

/* ---- construction ------------------------------------------------------- */

struct builder {
	struct sim_road *r;
	size_t node_cap, edge_cap;
	struct sim_rng rng;
};

static uint32_t add_node(struct builder *b, double x, double y, uint8_t area)
{
	struct sim_road *r = b->r;
	struct sim_node *n;

	if (r->nnodes == b->node_cap) {
		b->node_cap = b->node_cap ? b->node_cap * 2 : 1024;
		r->nodes = cv_realloc(r->nodes, b->node_cap * sizeof(*r->nodes));
	}
	n = &r->nodes[r->nnodes];
	memset(n, 0, sizeof(*n));
	n->x = x;
	n->y = y;
	n->area = area;
	return (uint32_t)r->nnodes++;
}

static void add_edge(struct builder *b, uint32_t a, uint32_t c, enum sim_road_class cls, int limit)
{
	struct sim_road *r = b->r;
	struct sim_edge *e;
	double dx, dy;

	if (a == c || a == NONE || c == NONE)
		return;
	if (r->nedges == b->edge_cap) {
		b->edge_cap = b->edge_cap ? b->edge_cap * 2 : 2048;
		r->edges = cv_realloc(r->edges, b->edge_cap * sizeof(*r->edges));
	}
	dx = r->nodes[c].x - r->nodes[a].x;
	dy = r->nodes[c].y - r->nodes[a].y;
	e = &r->edges[r->nedges++];
	e->a = a;
	e->b = c;
	e->len = sqrt(dx * dx + dy * dy);
	if (e->len < 1.0)
		e->len = 1.0;
	e->cls = (uint8_t)cls;
	e->limit = (uint8_t)limit;
}

static int pick_limit(struct builder *b, const int *choices, size_t n)
{
	return choices[sim_rng_below(&b->rng, (uint32_t)n)];
}

/* A square grid of side 2*half+1 around (cx, cy), rotated by angle, kept within radius. */
struct grid {
	int half;
	uint32_t *id;   /* (2*half+1)^2 node ids, NONE where outside the disc */
};

static uint32_t *grid_at(struct grid *g, int i, int j)
{
	int side = 2 * g->half + 1;

	return &g->id[(size_t)(i + g->half) * (size_t)side + (size_t)(j + g->half)];
}

static bool grid_has(struct grid *g, int i, int j)
{
	return i >= -g->half && i <= g->half && j >= -g->half && j <= g->half && *grid_at(g, i, j) != NONE;
}

/*
 * Lay the grid's nodes, then its edges: every `every`-th line (from `phase`)
 * is an arterial, the others streets; each line keeps one speed limit.
 */
static void build_grid(struct builder *b, struct grid *g, double cx, double cy, double spacing,
		       double radius, uint8_t area, int every, int phase, const int *street, size_t nstreet,
		       const int *art, size_t nart)
{
	int side = 2 * g->half + 1;
	double angle = sim_rng_range(&b->rng, -0.21, 0.21);
	double ca = cos(angle), sa = sin(angle);
	int *row_limit = cv_calloc((size_t)side, sizeof(int));
	int *col_limit = cv_calloc((size_t)side, sizeof(int));

	g->id = cv_malloc((size_t)side * (size_t)side * sizeof(uint32_t));
	for (int i = -g->half; i <= g->half; i++) {
		for (int j = -g->half; j <= g->half; j++) {
			double u = j * spacing + sim_rng_range(&b->rng, -0.11, 0.11) * spacing;
			double v = i * spacing + sim_rng_range(&b->rng, -0.11, 0.11) * spacing;

			if (hypot(j * spacing, i * spacing) > radius) {
				*grid_at(g, i, j) = NONE;
				continue;
			}
			*grid_at(g, i, j) = add_node(b, cx + u * ca - v * sa, cy + u * sa + v * ca, area);
		}
	}
	for (int k = 0; k < side; k++) {
		bool arterial = ((k - g->half) % every + every) % every == phase;

		row_limit[k] = arterial ? -pick_limit(b, art, nart) : pick_limit(b, street, nstreet);
		arterial = ((k - g->half + 1) % every + every) % every == phase;
		col_limit[k] = arterial ? -pick_limit(b, art, nart) : pick_limit(b, street, nstreet);
	}
	/* negative limits mark arterial lines */
	for (int i = -g->half; i <= g->half; i++) {
		for (int j = -g->half; j <= g->half; j++) {
			int rl = row_limit[i + g->half], cl = col_limit[j + g->half];

			if (!grid_has(g, i, j))
				continue;
			if (grid_has(g, i, j + 1))
				add_edge(b, *grid_at(g, i, j), *grid_at(g, i, j + 1),
					 rl < 0 ? SIM_ARTERIAL : SIM_STREET, abs(rl));
			if (grid_has(g, i + 1, j))
				add_edge(b, *grid_at(g, i, j), *grid_at(g, i + 1, j),
					 cl < 0 ? SIM_ARTERIAL : SIM_STREET, abs(cl));
		}
	}
	free(col_limit);
	free(row_limit);
}

static double dist2(const struct sim_road *r, uint32_t a, double x, double y)
{
	double dx = r->nodes[a].x - x, dy = r->nodes[a].y - y;

	return dx * dx + dy * dy;
}

static uint32_t nearest_in(const struct sim_road *r, uint32_t first, uint32_t count, double x, double y)
{
	uint32_t best = first;

	for (uint32_t i = first; i < first + count; i++)
		if (dist2(r, i, x, y) < dist2(r, best, x, y))
			best = i;
	return best;
}

/* Join the outer ends of the city's arterial lines to the ring. */
static void join_ring(struct builder *b, uint32_t ring0)
{
	struct sim_road *r = b->r;
	size_t n = r->nedges;
	uint8_t *arterials = cv_calloc(r->city_count, 1);

	for (size_t e = 0; e < n; e++) {
		if (r->edges[e].cls != SIM_ARTERIAL)
			continue;
		arterials[r->edges[e].a]++;
		arterials[r->edges[e].b]++;
	}
	/* an outer end: one arterial edge only, near the edge of the disc */
	for (uint32_t a = 0; a < r->city_count; a++) {
		if (arterials[a] == 1 && hypot(r->nodes[a].x, r->nodes[a].y) > CITY_RADIUS - 3 * CITY_SPACING) {
			uint32_t ring = nearest_in(r, ring0, RING_NODES, r->nodes[a].x, r->nodes[a].y);

			add_edge(b, a, ring, SIM_ARTERIAL, 50);
		}
	}
	free(arterials);
}

static void build_highway(struct builder *b, uint32_t from, uint32_t to)
{
	struct sim_road *r = b->r;
	double x0 = r->nodes[from].x, y0 = r->nodes[from].y;
	double x1 = r->nodes[to].x, y1 = r->nodes[to].y;
	double d = hypot(x1 - x0, y1 - y0);
	int steps = (int)ceil(d / HIGHWAY_STEP);
	double amp = sim_rng_range(&b->rng, 200.0, 900.0) * (sim_rng_chance(&b->rng, 0.5) ? 1 : -1);
	double waves = sim_rng_chance(&b->rng, 0.5) ? 1.0 : 2.0;
	double px = -(y1 - y0) / d, py = (x1 - x0) / d;   /* unit normal */
	uint32_t prev = from;

	if (steps < 2)
		steps = 2;
	for (int k = 1; k < steps; k++) {
		double f = (double)k / steps;
		double off = amp * sin(M_PI * f * waves) * (waves > 1.5 ? 0.5 : 1.0);
		double x = x0 + (x1 - x0) * f + px * off, y = y0 + (y1 - y0) * f + py * off;
		uint32_t n = add_node(b, x, y, SIM_AREA_ROAD);

		add_edge(b, prev, n, SIM_HIGHWAY, hypot(x, y) < 9000.0 ? 110 : 130);
		prev = n;
	}
	/* the slip road into the town */
	add_edge(b, prev, to, SIM_ARTERIAL, 70);
}

static void finish(struct sim_road *r)
{
	uint32_t *fill;

	for (size_t i = 0; i < r->nnodes; i++) {
		struct sim_node *n = &r->nodes[i];

		sim_road_to_ll(n->x, n->y, &n->lat, &n->lon);
		n->alt = sim_road_alt(r, n->x, n->y);
	}
	r->adj_start = cv_calloc(r->nnodes + 1, sizeof(uint32_t));
	r->adj_edge = cv_malloc(2 * r->nedges * sizeof(uint32_t));
	for (size_t e = 0; e < r->nedges; e++) {
		struct sim_edge *ed = &r->edges[e];

		r->adj_start[ed->a + 1]++;
		r->adj_start[ed->b + 1]++;
		for (int k = 0; k < 2; k++) {
			struct sim_node *n = &r->nodes[k ? ed->b : ed->a];

			if (n->degree < 255)
				n->degree++;
			if (ed->cls > n->cls)
				n->cls = ed->cls;
		}
	}
	for (size_t i = 0; i < r->nnodes; i++)
		r->adj_start[i + 1] += r->adj_start[i];
	fill = cv_malloc(r->nnodes * sizeof(uint32_t));
	memcpy(fill, r->adj_start, r->nnodes * sizeof(uint32_t));
	for (size_t e = 0; e < r->nedges; e++) {
		r->adj_edge[fill[r->edges[e].a]++] = (uint32_t)e;
		r->adj_edge[fill[r->edges[e].b]++] = (uint32_t)e;
	}
	free(fill);
}

void sim_road_init(struct sim_road *r, uint64_t seed)
{
	static const int city_street[] = { 30, 30, 30, 50 };
	static const int city_art[] = { 50, 50, 70 };
	static const int town_street[] = { 30, 50, 50 };
	static const int town_art[] = { 50 };
	static const int ring_limits[] = { 70, 80, 90 };
	struct builder b = { r, 0, 0, { { 0 } } };
	struct grid g = { CITY_HALF, NULL };
	uint32_t ring0;
	int ring_limit = 0;

	memset(r, 0, sizeof(*r));
	sim_rng_derive(&b.rng, seed, "roads");

	/* hills: Montmartre where it is, the others from the seed */
	r->hills[r->nhills++] = (struct sim_hill){ -700.0, 3600.0, 95.0, 650.0 };
	while (r->nhills < CV_ARRAY_LEN(r->hills)) {
		struct sim_hill h;

		h.x = sim_rng_range(&b.rng, -40000.0, 40000.0);
		h.y = sim_rng_range(&b.rng, -40000.0, 40000.0);
		h.h = sim_rng_range(&b.rng, 20.0, 90.0);
		h.w = sim_rng_range(&b.rng, 1500.0, 7000.0);
		/* keep the river valley in the middle of Paris low */
		if (hypot(h.x, h.y) < 3000.0)
			continue;
		r->hills[r->nhills++] = h;
	}

	/* the city grid */
	build_grid(&b, &g, 0.0, 0.0, CITY_SPACING, CITY_RADIUS, SIM_AREA_CITY, 4,
		   (int)sim_rng_below(&b.rng, 4), city_street, CV_ARRAY_LEN(city_street),
		   city_art, CV_ARRAY_LEN(city_art));
	r->city_count = (uint32_t)r->nnodes;

	/* the ring road */
	ring0 = (uint32_t)r->nnodes;
	for (int k = 0; k < RING_NODES; k++) {
		double a = 2.0 * M_PI * k / RING_NODES;
		double rad = RING_RADIUS + sim_rng_range(&b.rng, -120.0, 120.0) + 350.0 * sin(2.0 * a);

		add_node(&b, rad * sin(a), rad * cos(a), SIM_AREA_ROAD);
	}
	for (int k = 0; k < RING_NODES; k++) {
		if (k % (RING_NODES / 4) == 0)
			ring_limit = pick_limit(&b, ring_limits, CV_ARRAY_LEN(ring_limits));
		add_edge(&b, ring0 + (uint32_t)k, ring0 + (uint32_t)((k + 1) % RING_NODES), SIM_RING, ring_limit);
	}
	join_ring(&b, ring0);
	free(g.id);

	/* the towns and their highways */
	for (size_t t = 0; t < SIM_MAX_TOWNS; t++) {
		struct sim_town *town = &r->towns[r->ntowns];
		struct grid tg = { TOWN_SIDE / 2, NULL };
		uint32_t entry, ring;

		town->name = town_places[t].name;
		from_ll(town_places[t].lat, town_places[t].lon, &town->x, &town->y);
		town->first = (uint32_t)r->nnodes;
		build_grid(&b, &tg, town->x, town->y, TOWN_SPACING, 1e9, (uint8_t)(r->ntowns + 1), 3, 0,
			   town_street, CV_ARRAY_LEN(town_street), town_art, CV_ARRAY_LEN(town_art));
		free(tg.id);
		town->count = (uint32_t)r->nnodes - town->first;
		r->ntowns++;
		entry = nearest_in(r, town->first, town->count, 0.0, 0.0);
		ring = nearest_in(r, ring0, RING_NODES, town->x, town->y);
		build_highway(&b, ring, entry);
	}
	finish(r);
}

void sim_road_release(struct sim_road *r)
{
	free(r->nodes);
	free(r->edges);
	free(r->adj_start);
	free(r->adj_edge);
	memset(r, 0, sizeof(*r));
}

/* ---- routing ------------------------------------------------------------ */

void sim_route_init(struct sim_route *rt)
{
	memset(rt, 0, sizeof(*rt));
}

void sim_route_release(struct sim_route *rt)
{
	free(rt->nodes);
	free(rt->edges);
	memset(rt, 0, sizeof(*rt));
}

struct heap_item {
	double cost;
	uint32_t node;
};

struct heap {
	struct heap_item *a;
	size_t n, cap;
};

static void heap_push(struct heap *h, double cost, uint32_t node)
{
	size_t i;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 256;
		h->a = cv_realloc(h->a, h->cap * sizeof(*h->a));
	}
	i = h->n++;
	while (i > 0 && h->a[(i - 1) / 2].cost > cost) {
		h->a[i] = h->a[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->a[i].cost = cost;
	h->a[i].node = node;
}

static struct heap_item heap_pop(struct heap *h)
{
	struct heap_item top = h->a[0], last = h->a[--h->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->a[c + 1].cost < h->a[c].cost)
			c++;
		if (h->a[c].cost >= last.cost)
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	if (h->n)
		h->a[i] = last;
	return top;
}

/* Seconds to drive edge e, plus a little for the junction at its end. */
static double edge_cost(const struct sim_road *r, uint32_t e, uint32_t to)
{
	const struct sim_edge *ed = &r->edges[e];
	double t = ed->len / (ed->limit / 3.6);

	if (r->nodes[to].degree >= 3 && r->nodes[to].cls <= SIM_ARTERIAL)
		t += ed->cls == SIM_STREET ? 8.0 : 4.0;
	return t;
}

enum cv_err sim_road_route(const struct sim_road *r, uint32_t from, uint32_t to, struct sim_route *rt)
{
	double *cost = cv_malloc(r->nnodes * sizeof(double));
	uint32_t *via = cv_malloc(r->nnodes * sizeof(uint32_t));   /* edge we came by */
	struct heap h = { NULL, 0, 0 };
	size_t n = 1;

	for (size_t i = 0; i < r->nnodes; i++) {
		cost[i] = INFINITY;
		via[i] = NONE;
	}
	cost[from] = 0;
	heap_push(&h, 0, from);
	while (h.n) {
		struct heap_item it = heap_pop(&h);

		if (it.cost > cost[it.node])
			continue;
		if (it.node == to)
			break;
		for (uint32_t k = r->adj_start[it.node]; k < r->adj_start[it.node + 1]; k++) {
			uint32_t e = r->adj_edge[k], m = sim_road_other(r, e, it.node);
			double c = it.cost + edge_cost(r, e, m);

			if (c < cost[m]) {
				cost[m] = c;
				via[m] = e;
				heap_push(&h, c, m);
			}
		}
	}
	free(h.a);
	if (!isfinite(cost[to])) {
		free(cost);
		free(via);
		return CV_ENOTFOUND;
	}
	for (uint32_t m = to; m != from; m = sim_road_other(r, via[m], m))
		n++;
	if (n > rt->cap) {
		rt->cap = n;
		rt->nodes = cv_realloc(rt->nodes, n * sizeof(uint32_t));
		rt->edges = cv_realloc(rt->edges, n * sizeof(uint32_t));
	}
	rt->n = n;
	rt->length = 0;
	rt->nodes[n - 1] = to;
	for (size_t i = n - 1; i > 0; i--) {
		uint32_t e = via[rt->nodes[i]];

		rt->edges[i - 1] = e;
		rt->nodes[i - 1] = sim_road_other(r, e, rt->nodes[i]);
		rt->length += r->edges[e].len;
	}
	free(cost);
	free(via);
	return CV_OK;
}
