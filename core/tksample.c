/* tksample.c - a Teltonika record as a vehicle sample (see tksample.h). */
#include "tksample.h"

#include <string.h>

#define SPEED_MAX_DKMH 5000
#define ODO_MAX_HM 2000000u
#define BATT_MAX_MV 30000u

bool cv_tk_sample(const struct cv_tk_record *r, struct cv_sample *s)
{
	uint64_t v;
	uint32_t m;
	bool on;

	memset(s, 0, sizeof(*s));
	s->at = r->at_ms;
	if (r->valid) {
		int32_t alt = r->alt_m;

		s->lat_e7 = r->lat_e7;
		s->lon_e7 = r->lon_e7;
		s->alt_m = alt < -500 ? -500 : alt > 9000 ? 9000 : alt;
		s->heading = r->angle > 360 ? 360 : r->angle;
		s->fix = r->sats >= 4 ? CV_FIX_3D : CV_FIX_2D;
		s->pos_type = CV_POS_ACQUIRE;
		s->has |= 1u << CV_G_POS;
		s->speed_dkmh = (uint16_t)(r->speed_kmh * 10u > SPEED_MAX_DKMH ? SPEED_MAX_DKMH : r->speed_kmh * 10u);
		s->has |= 1u << CV_G_KIN;
	} else if (cv_tk_io_uint(r, CV_TK_IO_CAN_SPEED, &v) && v <= 255) {
		s->speed_dkmh = (uint16_t)(v * 10 > SPEED_MAX_DKMH ? SPEED_MAX_DKMH : v * 10);
		s->has |= 1u << CV_G_KIN;
	}
	if ((cv_tk_can_mileage_m(r, &m) || cv_tk_odometer_m(r, &m)) && m / 100 <= ODO_MAX_HM) {
		s->odo_hm = m / 100;
		s->has |= 1u << CV_G_ODO;
	}
	if (cv_tk_ignition(r, &on)) {
		s->ignition = on ? CV_IGN_START : CV_IGN_STOP;
		s->has |= 1u << CV_G_IGN;
	}
	if (cv_tk_ext_voltage_mv(r, &m) && m <= BATT_MAX_MV) {
		s->batt_mv = (uint16_t)m;
		s->has |= 1u << CV_G_BATT12;
	}
	return s->has != 0;
}
