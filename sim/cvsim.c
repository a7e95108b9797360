/*
 * cvsim - the vehicle simulator: drives vehicles through the vehicle link
 * of a cvapi server, over HTTP only. See cvsim(1).
 *
 * Exit status: 0 success, 1 failure (one line on stderr), 2 bad usage.
 */
#include "config.h"
#include "run.h"
#include "tkdev.h"
#include "cvtime.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VEHICLES 100000
#define DAY_MS (24LL * 3600 * 1000)
/* With --speedup above 1 the live clock starts this far back, so that it can run ahead. */
#define LIVE_LEAD_MS (6LL * 3600 * 1000)

static const char usage_text[] =
	"Usage: cvsim --vehicles FILE [--days D] [--live] [OPTIONS]\n"
	"Drive simulated vehicles through a cvapi server's vehicle link.\n"
	"\n"
	"  --vehicles FILE  one vehicle a line: VIN ENERGY CREDENTIAL [osmand:ID|teltonika:IMEI] [battery:KWH]\n"
	"                   [tank:L] [style:calm|normal|sporty] (cvctl demo --vehicles FILE; the device: cvctl\n"
	"                   vehicle add --device; by default the energy's capacities and a style from the seed)\n"
	"  --protocol P     link (default): every vehicle uploads through the vehicle link; osmand: a\n"
	"                   vehicle with an OsmAnd device sends its positions as a phone would (/osmand);\n"
	"                   teltonika: a vehicle with a Teltonika device speaks Codec 8/8E to cvteltonika\n"
	"  --teltonika HOST:PORT  cvteltonika's address (default: --url's host, port 5027)\n"
	"  --url URL        the server (default http://127.0.0.1:8080)\n"
	"  --seed N         the simulation's seed, 0 to 2^63-1 (default 1)\n"
	"  --days D         write D days of history, ending now, as fast as possible (1-365)\n"
	"  --end TIME       the history ends at TIME (RFC 3339, not in the future) instead of now\n"
	"  --batch N        samples per upload in fast mode, 1-1000 (default 500)\n"
	"  --parallel N     concurrent uploads in fast mode, 1-64 (default 2)\n"
	"  --live           then keep the vehicles driving in real time until SIGINT or SIGTERM\n"
	"  --speedup X      live time runs X times faster, 0.1-10000 (default 1)\n"
	"  --no-commands    live: take no remote commands\n"
	"  --parked         live: the vehicles stay where they are parked (a driving one parks, then stays)\n"
	"  --awake S        live: seconds a vehicle stays awake after its last exchange, as the server's\n"
	"                   CVAPI_REMOTE_AWAKE (default 180)\n"
	"  --exec-delay MS  live: every command takes MS ms to carry out (default: each type's own)\n"
	"  --offline VIN    live: this vehicle is out of coverage (repeatable, up to 16)\n"
	"  --quiet          no summary, no progress; errors only\n"
	"  --help           this text;  --version  the version\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("cvsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see cvsim --help)\n", stderr);
	return 2;
}

/* ---- the vehicles file -------------------------------------------------- */

static bool cred_ok(const char *s, size_t n)
{
	if (n == 0 || n > SIM_CRED_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

/* Split line into up to max fields separated by blanks; returns how many there were. */
static size_t split(char *line, const char **field, size_t *len, size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		size_t k;

		p += strspn(p, " \t");
		if (!*p)
			return n;
		k = strcspn(p, " \t");
		if (n < max) {
			field[n] = p;
			len[n] = k;
		}
		n++;
		p += k;
	}
}

static int by_vin(const void *a, const void *b)
{
	return strcmp(((const struct sim_car *)a)->vin, ((const struct sim_car *)b)->vin);
}

#define MAX_FIELDS 7    /* VIN ENERGY CREDENTIAL, a device, battery:, tank:, style: */

/*
 * One of the optional fields of a line (after the credential) into c: a
 * device, a capacity, a style. NULL, or why it is refused.
 */
static const char *read_extra(const char *f, size_t n, struct sim_car *c, unsigned *seen)
{
	static const char *const kinds[] = { "osmand:", "teltonika:", "battery:", "tank:", "style:" };
	char val[SIM_DEVICE_MAX + 1];
	const char *v;
	size_t k, vn;

	for (k = 0; k < CV_ARRAY_LEN(kinds); k++)
		if (n > strlen(kinds[k]) && !strncmp(f, kinds[k], strlen(kinds[k])))
			break;
	if (k == CV_ARRAY_LEN(kinds))
		return "a device is osmand:ID or teltonika:IMEI, and the other fields after the credential battery:KWH, "
		       "tank:L and style:STYLE";
	v = f + strlen(kinds[k]);
	vn = n - strlen(kinds[k]);
	if (*seen & (k < 2 ? 3u : 1u << k))
		return k < 2 ? "a vehicle has one device" : "a field is given twice";
	*seen |= 1u << k;
	if (k == 1 && (vn != SIM_TK_IMEI_LEN || strspn(v, "0123456789") < vn))
		return "a Teltonika device is teltonika:IMEI (15 digits)";
	if (k == 0 && (vn > SIM_DEVICE_MAX ||
		       strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") < vn))
		return "a device is osmand:ID (1 to 64 of A-Z a-z 0-9 . _ -) or teltonika:IMEI";
	if (vn > SIM_DEVICE_MAX)
		return "a value is too long";
	memcpy(val, v, vn);
	val[vn] = '\0';
	switch (k) {
	case 0:
	case 1:
		memcpy(c->device, val, vn + 1);
		c->teltonika = k == 1;
		return NULL;
	case 2:
		if (!cv_capacity_applies(CV_CAP_BATTERY, c->energy))
			return "battery: is for electric and phev vehicles";
		return cv_capacity_parse(CV_CAP_BATTERY, val, &c->spec.battery_wh) ?
		       "battery:KWH takes kWh above 0 and up to 300, one decimal at most" : NULL;
	case 3:
		if (!cv_capacity_applies(CV_CAP_TANK, c->energy))
			return "tank: is for petrol, diesel and phev vehicles";
		return cv_capacity_parse(CV_CAP_TANK, val, &c->spec.tank_cl) ?
		       "tank:L takes litres above 0 and up to 200, one decimal at most" : NULL;
	default:
		for (int st = 0; st < SIM_STYLE_COUNT; st++)
			if (!strcmp(val, sim_style_names[st])) {
				c->spec.has_style = true;
				c->spec.style = (enum sim_style)st;
				return NULL;
			}
		return "the style is calm, normal or sporty";
	}
}

/* Read FILE into *cars (a new array you free); 0 or 1 with the reason printed. */
static int read_vehicles(const char *path, struct sim_car **cars, size_t *count)
{
	FILE *f = fopen(path, "r");
	struct sim_car *c = NULL, *sorted;
	size_t n = 0, cap = 0, lineno = 0, linecap = 0;
	char *line = NULL;
	ssize_t got;

	if (!f) {
		fprintf(stderr, "cvsim: cannot read %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((got = getline(&line, &linecap, f)) >= 0) {
		const char *field[MAX_FIELDS], *why;
		size_t len[MAX_FIELDS], nf;
		unsigned seen = 0;
		int e = -1;

		lineno++;
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = '\0';
		nf = split(line, field, len, MAX_FIELDS);
		if (nf == 0 || field[0][0] == '#')
			continue;
		if (nf < 3 || nf > MAX_FIELDS) {
			fprintf(stderr, "cvsim: %s:%zu: expected VIN ENERGY CREDENTIAL [osmand:ID|teltonika:IMEI] "
				"[battery:KWH] [tank:L] [style:STYLE]\n", path, lineno);
			goto fail;
		}
		if (!cv_vin_ok(field[0], len[0])) {
			fprintf(stderr, "cvsim: %s:%zu: a VIN is 17 digits and capitals but I, O, Q\n", path, lineno);
			goto fail;
		}
		for (int k = 0; k < CV_ENERGY_COUNT; k++)
			if (strlen(cv_energy_names[k]) == len[1] && !strncmp(cv_energy_names[k], field[1], len[1]))
				e = k;
		if (e < 0) {
			fprintf(stderr, "cvsim: %s:%zu: the energy is petrol, diesel, electric or phev\n", path, lineno);
			goto fail;
		}
		if (!cred_ok(field[2], len[2])) {
			fprintf(stderr, "cvsim: %s:%zu: bad credential (1 to %d printable characters)\n", path, lineno,
				SIM_CRED_MAX);
			goto fail;
		}
		if (n == MAX_VEHICLES) {
			fprintf(stderr, "cvsim: %s: more than %d vehicles\n", path, MAX_VEHICLES);
			goto fail;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			c = cv_realloc(c, cap * sizeof(*c));
		}
		memset(&c[n], 0, sizeof(c[n]));
		memcpy(c[n].vin, field[0], len[0]);
		c[n].energy = (enum cv_energy)e;
		memcpy(c[n].cred, field[2], len[2]);
		for (size_t i = 3; i < nf; i++)
			if ((why = read_extra(field[i], len[i], &c[n], &seen)) != NULL) {
				fprintf(stderr, "cvsim: %s:%zu: %s\n", path, lineno, why);
				goto fail;
			}
		n++;
	}
	if (ferror(f)) {
		fprintf(stderr, "cvsim: cannot read %s: %s\n", path, strerror(errno));
		goto fail;
	}
	if (n == 0) {
		fprintf(stderr, "cvsim: %s: no vehicles\n", path);
		goto fail;
	}
	sorted = cv_malloc(n * sizeof(*sorted));
	memcpy(sorted, c, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), by_vin);
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(sorted[i].vin, sorted[i - 1].vin)) {
			fprintf(stderr, "cvsim: %s: vehicle %s is listed twice\n", path, sorted[i].vin);
			free(sorted);
			goto fail;
		}
	}
	free(sorted);
	free(line);
	fclose(f);
	*cars = c;
	*count = n;
	return 0;
fail:
	free(line);
	free(c);
	fclose(f);
	return 1;
}

/* ---- options ------------------------------------------------------------ */

static bool url_ok(const char *s)
{
	size_t n = strlen(s);

	if (n > 1000 || (strncmp(s, "http://", 7) && strncmp(s, "https://", 8)))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return n > (size_t)(s[4] == 's' ? 8 : 7);
}

static bool parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double d;

	if (!*s || *s == ' ')
		return false;
	errno = 0;
	d = strtod(s, &end);
	if (errno || *end || !isfinite(d) || d < min || d > max)
		return false;
	*out = d;
	return true;
}

/*
 * cvteltonika's host and port: addr ("HOST:PORT", "[V6]:PORT"), or the
 * host of url and 5027. 0, or -1 when malformed.
 */
static int tk_address(const char *addr, const char *url, char *host, size_t hsz, char *port, size_t psz)
{
	const char *h, *colon, *end;
	size_t hl;

	if (addr) {
		colon = strrchr(addr, ':');
		if (!colon || colon == addr || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
			return -1;
		h = addr;
		hl = (size_t)(colon - addr);
		if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
			h++;
			hl -= 2;
		}
		if (hl >= hsz || cv_strlcpy(port, colon + 1, psz))
			return -1;
		memcpy(host, h, hl);
		host[hl] = '\0';
		return 0;
	}
	h = strstr(url, "://");
	h = h ? h + 3 : url;
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end)
			return -1;
		h++;
	} else {
		end = h + strcspn(h, ":/");
	}
	hl = (size_t)(end - h);
	if (!hl || hl >= hsz)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	return cv_strlcpy(port, "5027", psz) ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const char *const with_value[] = {
		"--url", "--vehicles", "--seed", "--days", "--end", "--batch", "--speedup", "--parallel", "--awake", "--exec-delay",
		"--offline", "--protocol", "--teltonika", NULL,
	};
	struct sim_opts o = { .url = "http://127.0.0.1:8080", .seed = 1, .batch = 500, .speedup = 1.0, .parallel = 2,
			      .awake_ms = 180000, .exec_delay_ms = -1 };
	const char *vehicles = NULL, *tk_addr = NULL;
	char tk_host[256], tk_port[16];
	bool speedup_given = false, parallel_given = false, live_only = false, end_given = false;
	struct sim_car *cars = NULL;
	struct sim_vehicle *veh = NULL;
	struct sim_road road;
	struct sigaction sa;
	int64_t now, start, end, end_at = 0;
	size_t n = 0;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq;
		char name[32];
		size_t len;
		int64_t v;

		if (!strcmp(a, "--help")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (!strcmp(a, "--version")) {
			printf("cvsim (cvapi) %s\n", PACKAGE_VERSION);
			return 0;
		}
		if (!strcmp(a, "--live")) {
			o.live = true;
			continue;
		}
		if (!strcmp(a, "--quiet")) {
			o.quiet = true;
			continue;
		}
		if (!strcmp(a, "--parked")) {
			o.parked = true;
			live_only = true;
			continue;
		}
		if (!strcmp(a, "--no-commands")) {
			o.no_commands = true;
			live_only = true;
			continue;
		}
		/* the others take a value: "--name value" or "--name=value" */
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		if (len >= sizeof(name))
			return usage_error("unknown option %s", a);
		memcpy(name, a, len);
		name[len] = '\0';
		{
			const char *const *w;

			for (w = with_value; *w; w++)
				if (!strcmp(*w, name))
					break;
			if (!*w || strncmp(a, "--", 2))
				return usage_error(a[0] == '-' ? "unknown option %s" : "unexpected argument %s", a);
		}
		if (eq) {
			val = eq + 1;
		} else {
			if (i + 1 >= argc)
				return usage_error("%s needs a value", a);
			val = argv[++i];
		}
		if (!strcmp(name, "--url")) {
			if (!url_ok(val))
				return usage_error("--url takes an http:// or https:// URL, not %s", val);
			o.url = val;
		} else if (!strcmp(name, "--vehicles")) {
			if (!*val)
				return usage_error("--vehicles needs a file");
			vehicles = val;
		} else if (!strcmp(name, "--seed")) {
			if (cv_parse_i64(val, 0, INT64_MAX, &v))
				return usage_error("--seed takes an integer from 0 to 2^63-1, not %s", val);
			o.seed = (uint64_t)v;
		} else if (!strcmp(name, "--days")) {
			if (cv_parse_i64(val, 1, 365, &v))
				return usage_error("--days takes a number of days from 1 to 365, not %s", val);
			o.days = (int)v;
		} else if (!strcmp(name, "--end")) {
			if (cv_time_parse(val, &end_at))
				return usage_error("--end takes an RFC 3339 time, such as 2026-01-31T00:00:00Z, not %s", val);
			end_given = true;
		} else if (!strcmp(name, "--batch")) {
			if (cv_parse_i64(val, 1, CV_MAX_SAMPLES, &v))
				return usage_error("--batch takes 1 to 1000 samples, not %s", val);
			o.batch = (int)v;
		} else if (!strcmp(name, "--parallel")) {
			if (cv_parse_i64(val, 1, 64, &v))
				return usage_error("--parallel takes 1 to 64 workers, not %s", val);
			o.parallel = (int)v;
			parallel_given = true;
		} else if (!strcmp(name, "--awake")) {
			if (cv_parse_i64(val, 0, 3600, &v))
				return usage_error("--awake takes 0 to 3600 seconds, not %s", val);
			o.awake_ms = v * 1000;
			live_only = true;
		} else if (!strcmp(name, "--exec-delay")) {
			if (cv_parse_i64(val, 0, 60000, &v))
				return usage_error("--exec-delay takes 0 to 60000 ms, not %s", val);
			o.exec_delay_ms = v;
			live_only = true;
		} else if (!strcmp(name, "--offline")) {
			if (strlen(val) != 17)
				return usage_error("--offline takes a VIN (17 characters), not %s", val);
			if (o.noffline == sizeof(o.offline) / sizeof(o.offline[0]))
				return usage_error("--offline: at most %zu vehicles", sizeof(o.offline) / sizeof(o.offline[0]));
			o.offline[o.noffline++] = val;
			live_only = true;
		} else if (!strcmp(name, "--protocol")) {
			if (strcmp(val, "link") && strcmp(val, "osmand") && strcmp(val, "teltonika"))
				return usage_error("--protocol takes link, osmand or teltonika, not %s", val);
			o.osmand = !strcmp(val, "osmand");
			o.teltonika = !strcmp(val, "teltonika");
		} else if (!strcmp(name, "--teltonika")) {
			tk_addr = val;
		} else if (!strcmp(name, "--speedup")) {
			if (!parse_double(val, 0.1, 10000.0, &o.speedup))
				return usage_error("--speedup takes a factor from 0.1 to 10000, not %s", val);
			speedup_given = true;
		}
	}
	if (!vehicles)
		return usage_error("--vehicles FILE is required");
	if (tk_addr && !o.teltonika)
		return usage_error("--teltonika only applies to --protocol teltonika");
	if (o.teltonika && tk_address(tk_addr, o.url, tk_host, sizeof(tk_host), tk_port, sizeof(tk_port)))
		return usage_error("--teltonika takes HOST:PORT, not %s", tk_addr ? tk_addr : o.url);
	o.tk_host = tk_host;
	o.tk_port = tk_port;
	if (!o.days && !o.live)
		return usage_error("nothing to do: give --days D, --live or both");
	if (speedup_given && !o.live)
		return usage_error("--speedup only applies to --live");
	if (live_only && !o.live)
		return usage_error("--no-commands, --parked, --awake, --exec-delay and --offline only apply to --live");
	if (parallel_given && !o.days)
		return usage_error("--parallel only applies to --days");
	if (end_given && (!o.days || o.live))
		return usage_error("--end only applies to --days, without --live");

	now = cv_now_ms();
	if (end_given && end_at > now) {
		char t[CV_TIME_STRLEN];

		cv_time_fmt(now, t);
		return usage_error("--end is in the future (the time is %s)", t);
	}
	if (read_vehicles(vehicles, &cars, &n))
		return 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		fprintf(stderr, "cvsim: cannot initialise libcurl\n");
		free(cars);
		return 1;
	}

	/*
	 * History starts at midnight UTC, D days before its end (now, or
	 * --end), so that two runs on the same day with the same seed send the
	 * same samples, and a run with --end at a midnight sends exactly D
	 * days, whatever the time of day. With a speedup the
	 * live part starts LIVE_LEAD_MS in the past, where the history stops.
	 */
	end = end_given ? end_at : o.live && o.speedup > 1.0 ? now - LIVE_LEAD_MS : now;
	start = o.days ? ((end_given ? end_at : now) / DAY_MS - o.days) * DAY_MS : end;
	sim_road_init(&road, o.seed);
	veh = cv_calloc(n, sizeof(*veh));
	for (size_t i = 0; i < n; i++)
		sim_vehicle_init(&veh[i], &road, o.seed, cars[i].vin, cars[i].energy, &cars[i].spec, start);

	rc = 0;
	if (o.days)
		rc = sim_run_fast(&o, cars, veh, n, end, &stop_flag);
	if (!rc && o.live && !stop_flag)
		rc = sim_run_live(&o, cars, veh, n, end, &stop_flag);

	for (size_t i = 0; i < n; i++)
		sim_vehicle_release(&veh[i]);
	free(veh);
	sim_road_release(&road);
	free(cars);
	curl_global_cleanup();
	return rc;
}
