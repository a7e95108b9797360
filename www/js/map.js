// map.js - maps with Leaflet (Debian's libjs-leaflet, served at /javascript/).
//
// Tiles come from console.json ("tiles", "attribution"; OpenStreetMap's
// by default, "" for none; README.md says how a host serves its own).
// Everything cvapi draws is a vector (circle markers, polylines), so with
// no tile server reachable the map still shows positions and tracks on
// its plain background, and says so: a view asks for TILES_PROBES tiles
// first and for more only once one has loaded; when they all fail it
// drops its tile layer (no more requests) and puts SAY.noTiles on the
// map. Every map has a scale bar; a popup gives its place's coordinates,
// and its address when console.json has a `geocoder` (geo.js). If
// Leaflet itself cannot be loaded, a map says so in words and the pages
// keep working; console.json and Leaflet that could not be fetched for an
// outage are fetched again when the server answers (api.js), never taken
// for missing.

import { esc } from './fmt.js';
import { SAY } from './errors.js';
import { coordsText, address, knownAddress } from './geo.js';
import { answers, serverDown, outageStatus } from './api.js';

let leaflet = null;
let config = null;

const DEFAULT_CONFIG = {
	tiles: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
	attribution: '&copy; OpenStreetMap contributors',
	maxZoom: 19,
	geocoder: '',
};
const LEAFLET = '/javascript/leaflet/leaflet.esm.min.js';
export const TILES_PROBES = 2;

/* What went wrong with a static file the console needs: 'missing' (the server says so), or 'outage'. */
async function whyMissing(url) {
	if (!await answers())
		return 'outage';
	try {
		const res = await fetch(url, { method: 'HEAD', cache: 'no-store' });
		return outageStatus(res.status) ? 'outage' : 'missing';
	} catch {
		return 'outage';
	}
}

/* console.json over the defaults; fetched again after an outage, the defaults only when it is not there. */
export async function consoleConfig() {
	if (!config) {
		config = (async () => {
			for (;;) {
				let res = null;
				try {
					res = await fetch('console.json', { cache: 'no-cache' });
				} catch { /* below */ }
				if (res && res.ok) {
					try {
						return { ...DEFAULT_CONFIG, ...await res.json() };
					} catch {
						return { ...DEFAULT_CONFIG };
					}
				}
				if (res && !outageStatus(res.status))
					return { ...DEFAULT_CONFIG };
				await serverDown();
			}
		})();
	}
	return config;
}

/* Leaflet's module, or null when the server does not have it; an outage waits for the server. */
async function loadLeaflet() {
	if (!leaflet) {
		/* (index.html preloads both, and links the stylesheet) */
		leaflet = (async () => {
			for (;;) {
				try {
					return await import(LEAFLET);
				} catch {
					if (await whyMissing(LEAFLET) === 'missing')
						return null;
					await serverDown();
				}
			}
		})();
	}
	return leaflet;
}

/* Start loading Leaflet and console.json now, so that a page's map is ready sooner. */
export function warmUp() {
	loadLeaflet();
	consoleConfig();
}

/*
 * A tile layer that asks for TILES_PROBES tiles, and for the others (as
 * many as Leaflet wants) once one of them has loaded; when all of them
 * failed it calls unavailable(): the first failures of a view are all it
 * costs when no tile server answers. A probe Leaflet takes off the map
 * before it came (the view moved) leaves its place to another.
 */
function gatedTiles(L, cfg, unavailable) {
	let loaded = 0, failed = 0, gaveUp = false;
	const flying = new Set();
	const waiting = [];
	/* tiles Leaflet took off the map (a view moved from: no parent any more) fly no more */
	function prune() {
		for (const t of flying)
			if (!t.parentNode)
				flying.delete(t);
	}
	function next() {
		prune();
		while (waiting.length && !gaveUp && (loaded || flying.size + failed < TILES_PROBES)) {
			const start = waiting.shift();
			start();
		}
	}
	const Gated = L.TileLayer.extend({
		createTile(coords, done) {
			const tile = document.createElement('img');
			tile.alt = '';
			tile.setAttribute('role', 'presentation');
			const url = this.getTileUrl(coords);
			prune();
			const start = (queued) => {
				if (gaveUp || (queued && !tile.parentNode))
					return;
				flying.add(tile);
				tile.onload = () => {
					flying.delete(tile);
					loaded++;
					next();
					done(null, tile);
				};
				tile.onerror = (e) => {
					flying.delete(tile);
					if (gaveUp)
						return;
					if (!loaded && ++failed >= TILES_PROBES) {
						gaveUp = true;
						waiting.length = 0;
						unavailable();
						return;
					}
					next();
					done(e, tile);
				};
				tile.src = url;
			};
			if (loaded || flying.size + failed < TILES_PROBES)
				start(false);
			else
				waiting.push(() => start(true));
			return tile;
		},
	});
	const layer = new Gated(cfg.tiles, { attribution: cfg.attribution, maxZoom: cfg.maxZoom || 19 });
	layer.on('tileunload', next);
	return layer;
}

/* A popup's HTML: its text, the place's coordinates, and a line for the address (filled when the geocoder answers). */
function placeHtml(text, c) {
	const a = knownAddress(c);
	return `<div class="cv-popup">${text ? `<b>${esc(text)}</b><br>` : ''}<span class="cv-coords">${esc(coordsText(c))}</span>` +
		`<span class="cv-address">${a ? esc(a) : ''}</span></div>`;
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
		el.textContent = SAY.noLeaflet;
		const none = () => none;
		return { ok: false, vehicle: none, moveTo: none, track: none, point: none, circle: none, fit: none, show: none, clear: none, onClick: none, onMove: none,
			center: () => null, tilesOk: () => false, leaflet: null, map: null };
	}
	const map = L.map(el, { zoomControl: true, attributionControl: true }).setView([48.8566, 2.3522], 11);
	L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
	let tilesOk = !!cfg.tiles;
	if (cfg.tiles) {
		const tiles = gatedTiles(L, cfg, () => {
			tilesOk = false;
			map.removeLayer(tiles);
			const Note = L.Control.extend({
				onAdd() {
					const d = L.DomUtil.create('div', 'cv-map-note');
					d.setAttribute('role', 'note');
					d.textContent = SAY.noTiles;
					return d;
				},
			});
			new Note({ position: 'topright' }).addTo(map);
			el.classList.add('map-no-tiles');
		});
		/* after the page's first drawing and fit (in the same turn as makeMap's answer): no tiles asked for a view left at once */
		setTimeout(() => {
			if (tilesOk)
				tiles.addTo(map);
		}, 0);
	}
	const layer = L.featureGroup().addTo(map);
	const ll = (c) => [c[1], c[0]];
	/* a popup with the place's coordinates (the marker's own, moved or not), and its address once the geocoder answered */
	function placePopup(m, coords, text) {
		m.cvCoords = coords;
		m.bindPopup(() => placeHtml(text, m.cvCoords));
		if (cfg.geocoder)
			m.on('popupopen', async (e) => {
				const a = await address(cfg.geocoder, m.cvCoords);
				const slot = e.popup.getElement() && e.popup.getElement().querySelector('.cv-address');
				if (a && slot) {
					slot.textContent = a;
					e.popup.update();
				}
			});
	}
	const api = {
		ok: true,
		leaflet: L,
		map,
		layer,
		config: cfg,
		/* are tiles shown (false: none configured, or they failed) */
		tilesOk: () => tilesOk,
		/* a vehicle at [lon, lat], labelled; its popup says title and where it is */
		vehicle(coords, text, { cls = '', title = text } = {}) {
			const m = L.circleMarker(ll(coords), { radius: 9, weight: 2, color: '#0b3d91', fillColor: '#3b82f6', fillOpacity: 0.9, className: `cv-marker cv-vehicle ${cls}` });
			/* Leaflet puts these strings into innerHTML: escaped */
			m.bindTooltip(esc(text), { permanent: true, direction: 'right', offset: [10, 0], className: 'cv-label' });
			placePopup(m, coords, title);
			m.addTo(layer);
			return m;
		},
		/* marker m (of vehicle() or point()) moved to [lon, lat]: its popup, open or not, says where it is now */
		moveTo(m, coords) {
			const was = m.cvCoords;
			if (was && was[0] === coords[0] && was[1] === coords[1])
				return;
			m.cvCoords = coords;
			m.setLatLng(ll(coords));
			if (m.isPopupOpen())
				m.getPopup().update();
		},
		/* a polyline of [lon, lat] points */
		track(points, { cls = 'cv-track', color = '#c2410c' } = {}) {
			const p = L.polyline(points.map(ll), { color, weight: 4, opacity: 0.85, className: cls });
			p.addTo(layer);
			return p;
		},
		/* a small point (start, stop, alert): text its tooltip, a permanent label with label, and its popup */
		point(coords, text, { cls = '', color = '#15803d', label = false } = {}) {
			const m = L.circleMarker(ll(coords), { radius: 7, weight: 2, color: '#111', fillColor: color, fillOpacity: 1, className: `cv-marker ${cls}` });
			if (text)
				m.bindTooltip(esc(text), label ? { permanent: true, direction: 'top', offset: [0, -6], className: 'cv-label cv-point-label' } : { direction: 'top' });
			placePopup(m, coords, text);
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
		/* show one thing drawn (a circle, a marker) */
		show(thing, maxZoom = 15) {
			const b = thing.getBounds ? thing.getBounds() : L.latLngBounds([thing.getLatLng()]);
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
		/* fn([lon, lat]) as the pointer moves over the map */
		onMove(fn) {
			map.on('mousemove', (e) => fn([e.latlng.lng, e.latlng.lat]));
		},
		/* the [lon, lat] at the map's centre */
		center() {
			const c = map.getCenter();
			return [c.lng, c.lat];
		},
	};
	return api;
}
