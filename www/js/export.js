// export.js - a trip's track as GPX 1.1 or GeoJSON, saved by the browser.

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
