// export.js - a trip's track as GPX 1.1, GeoJSON or CSV, saved by the browser.
//
// CSV (RFC 4180: a header line, CRLF line ends, fields quoted only when
// they need it): one row per position, in time order, with the values the
// vehicle had then (its latest sample at or before the position: speed,
// battery and fuel levels), empty where it had none.

function xml(s) {
	return String(s).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
}

/* positions: GeoJSON Point Features (wayPoints) in time order */
export function gpx(trip, positions, name) {
	const pts = positions.map((f) => {
		const [lon, lat, alt] = f.geometry.coordinates;
		const ele = alt !== undefined ? `<ele>${alt}</ele>` : '';
		const time = f.properties && f.properties.createdAt ? `<time>${xml(f.properties.createdAt)}</time>` : '';
		return `      <trkpt lat="${lat}" lon="${lon}">${ele}${time}</trkpt>`;
	});
	return `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="cvapi console" xmlns="http://www.topografix.com/GPX/1/1">
  <metadata><name>${xml(name)}</name><time>${xml(trip.startedAt || '')}</time></metadata>
  <trk>
    <name>${xml(name)}</name>
    <trkseg>
${pts.join('\n')}
    </trkseg>
  </trk>
</gpx>
`;
}

export function geojson(trip, positions, name) {
	return JSON.stringify({
		type: 'FeatureCollection',
		features: [{
			type: 'Feature',
			geometry: { type: 'LineString', coordinates: positions.map((f) => f.geometry.coordinates) },
			properties: {
				name, tripId: trip.id, startedAt: trip.startedAt, stoppedAt: trip.stoppedAt,
				distance: trip.distance, duration: trip.duration,
				times: positions.map((f) => f.properties && f.properties.createdAt),
			},
		}],
	}, null, 1);
}

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
function field(v) {
	const t = v === undefined || v === null ? '' : String(v);
	return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/* positions: GeoJSON Point Features (wayPoints); samples: Telemetry items (any order) */
export function csv(positions, samples) {
	const ss = samples.map((s) => {
		const v = s.vehicle || {};
		const level = (type) => ((v.energies || []).find((e) => e.type === type) || {}).level;
		return { t: Date.parse(s.createdAt), speed: v.kinetic ? v.kinetic.speed : undefined, battery: level('Electric'), fuel: level('Fuel') };
	}).filter((s) => Number.isFinite(s.t)).sort((a, b) => a.t - b.t);
	const rows = [['time', 'latitude', 'longitude', 'altitude_m', 'speed_kmh', 'battery_percent', 'fuel_percent']];
	let i = -1;
	for (const f of positions) {
		const time = f.properties && f.properties.createdAt;
		const t = Date.parse(time);
		while (i + 1 < ss.length && ss[i + 1].t <= t)
			i++;
		const s = i >= 0 ? ss[i] : {};
		const [lon, lat, alt] = f.geometry.coordinates;
		rows.push([time, lat, lon, alt, s.speed, s.battery, s.fuel]);
	}
	return rows.map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

/* Offer text as a file to save. */
export function download(filename, type, text) {
	const url = URL.createObjectURL(new Blob([text], { type }));
	const a = document.createElement('a');
	a.href = url;
	a.download = filename;
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10000);
}
