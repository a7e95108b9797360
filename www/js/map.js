// map.js - maps with Leaflet (Debian's libjs-leaflet, served at /javascript/).
//
// Tiles come from console.json ("tiles", "attribution"; OpenStreetMap's
// by default, "" for none). Everything cvapi draws is a vector (circle
// markers, polylines), so with no tile server reachable the map still
// shows positions and tracks on its plain background. If Leaflet itself
// cannot be loaded, a map says so in words and the pages keep working.

import { esc } from './fmt.js';

let leaflet = null;
let config = null;

const DEFAULT_CONFIG = {
	tiles: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
	attribution: '&copy; OpenStreetMap contributors',
	maxZoom: 19,
};

export async function consoleConfig() {
	if (!config) {
		config = { ...DEFAULT_CONFIG };
		try {
			const res = await fetch('console.json', { cache: 'no-cache' });
			if (res.ok)
				Object.assign(config, await res.json());
		} catch { /* the defaults */ }
	}
	return config;
}

async function loadLeaflet() {
	if (!leaflet) {
		/* (index.html preloads both, and links the stylesheet) */
		leaflet = import('/javascript/leaflet/leaflet.esm.min.js').catch(() => null);
	}
	return leaflet;
}

/* Start loading Leaflet and console.json now, so that a page's map is ready sooner. */
export function warmUp() {
	loadLeaflet();
	consoleConfig();
}

/*
 * A map in element el: answers an object with the few drawing operations
 * the pages use, or one whose operations do nothing when Leaflet is missing.
 */
export async function makeMap(el, { label = 'Map' } = {}) {
	const [L, cfg] = await Promise.all([loadLeaflet(), consoleConfig()]);
	el.classList.add('map');
	el.setAttribute('role', 'region');
	el.setAttribute('aria-label', label);
	if (!L) {
		el.classList.add('map-missing');
		el.textContent = 'No map: Leaflet is not installed on the server (package libjs-leaflet).';
		const none = () => none;
		return { ok: false, vehicle: none, track: none, point: none, circle: none, fit: none, clear: none, onClick: none, leaflet: null, map: null };
	}
	const map = L.map(el, { zoomControl: true, attributionControl: true }).setView([48.8566, 2.3522], 11);
	if (cfg.tiles)
		L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxZoom: cfg.maxZoom || 19 }).addTo(map);
	const layer = L.featureGroup().addTo(map);
	const ll = (c) => [c[1], c[0]];
	const api = {
		ok: true,
		leaflet: L,
		map,
		layer,
		/* a vehicle at [lon, lat], labelled; onClick(vehicle) */
		vehicle(coords, text, { cls = '', title = text } = {}) {
			const m = L.circleMarker(ll(coords), { radius: 9, weight: 2, color: '#0b3d91', fillColor: '#3b82f6', fillOpacity: 0.9, className: `cv-marker cv-vehicle ${cls}` });
			/* Leaflet puts these strings into innerHTML: escaped */
			m.bindTooltip(esc(text), { permanent: true, direction: 'right', offset: [10, 0], className: 'cv-label' });
			m.bindPopup(esc(title));
			m.addTo(layer);
			return m;
		},
		/* a polyline of [lon, lat] points */
		track(points, { cls = 'cv-track', color = '#c2410c' } = {}) {
			const p = L.polyline(points.map(ll), { color, weight: 4, opacity: 0.85, className: cls });
			p.addTo(layer);
			return p;
		},
		/* a small point: start, stop, alert */
		point(coords, text, { cls = '', color = '#15803d' } = {}) {
			const m = L.circleMarker(ll(coords), { radius: 7, weight: 2, color: '#111', fillColor: color, fillOpacity: 1, className: `cv-marker ${cls}` });
			if (text)
				m.bindTooltip(esc(text), { direction: 'top' });
			m.addTo(layer);
			return m;
		},
		circle(coords, radiusM, { cls = 'cv-zone', color = '#7c3aed' } = {}) {
			const c = L.circle(ll(coords), { radius: radiusM, color, weight: 2, fillOpacity: 0.15, className: cls });
			c.addTo(layer);
			return c;
		},
		/* show everything drawn (or keep the view when nothing is) */
		fit(maxZoom = 15) {
			const b = layer.getBounds();
			if (b.isValid())
				map.fitBounds(b.pad(0.15), { maxZoom, animate: false });
		},
		clear() {
			layer.clearLayers();
		},
		/* fn([lon, lat]) on a click of the map */
		onClick(fn) {
			map.on('click', (e) => fn([e.latlng.lng, e.latlng.lat]));
		},
	};
	return api;
}
