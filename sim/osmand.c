/* osmand.c - a simulated phone's fixes (see osmand.h). */
#include "config.h"
#include "osmand.h"
#include "cvtime.h"

#include <string.h>

/* The fields of query and form mode, after "id=" (the device id: url-safe, as cvctl makes it). */
static void fields(struct cv_buf *b, const char *id, const struct cv_sample *s, bool seconds)
{
	cv_buf_addf(b, "id=%s", id);
	if (seconds)
		cv_buf_addf(b, "&timestamp=%lld", (long long)(s->at / 1000));
	else
		cv_buf_addf(b, "&timestamp=%lld", (long long)s->at);
	cv_buf_addf(b, "&lat=%.7f&lon=%.7f", s->lat_e7 / 1e7, s->lon_e7 / 1e7);
	if (CV_HAS(s, CV_G_KIN))
		cv_buf_addf(b, "&speed=%.3f", s->speed_dkmh / 10.0 / 1.852);
	cv_buf_addf(b, "&bearing=%u&altitude=%d&accuracy=5.0&batt=80", (unsigned)s->heading, (int)s->alt_m);
}

bool sim_osm_request(enum sim_osm_mode mode, const char *id, const struct cv_sample *s, struct cv_buf *path,
		     struct cv_buf *body, const char **method, const char **ctype)
{
	char iso[CV_TIME_STRLEN];

	if (!CV_HAS(s, CV_G_POS))
		return false;
	cv_buf_add(path, "/osmand", 7);
	switch (mode) {
	case SIM_OSM_QUERY:
		*method = "GET";
		*ctype = NULL;
		cv_buf_add(path, "?", 1);
		fields(path, id, s, false);
		break;
	case SIM_OSM_FORM:
		*method = "POST";
		*ctype = "application/x-www-form-urlencoded";
		fields(body, id, s, s->at % 1000 == 0);
		cv_buf_addf(body, "&battery_health=good");
		break;
	default:
		*method = "POST";
		*ctype = "application/json";
		cv_time_fmt(s->at, iso);
		cv_buf_addf(body, "{\"location\":{\"timestamp\":\"%s\",\"coords\":{\"latitude\":%.7f,\"longitude\":%.7f,"
			    "\"accuracy\":5,\"speed\":%.2f,\"heading\":%u,\"altitude\":%d},\"is_moving\":%s,"
			    "\"odometer\":0,\"event\":\"motionchange\",\"battery\":{\"level\":0.8,\"is_charging\":false},"
			    "\"activity\":{\"type\":\"in_vehicle\"},\"extras\":{},"
			    "\"_\":\"&id=%s&lat=%.7f&lon=%.7f&timestamp=%s&\"},\"device_id\":\"%s\"}",
			    iso, s->lat_e7 / 1e7, s->lon_e7 / 1e7, CV_HAS(s, CV_G_KIN) ? s->speed_dkmh / 36.0 : -1.0,
			    (unsigned)s->heading, (int)s->alt_m,
			    CV_HAS(s, CV_G_KIN) && s->speed_dkmh > 0 ? "true" : "false",
			    id, s->lat_e7 / 1e7, s->lon_e7 / 1e7, iso, id);
		break;
	}
	return true;
}
