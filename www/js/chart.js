// chart.js - a line chart in SVG: one series over time, with its axes.
//
// Small on purpose: a trip's speed or energy along the way is one line.
// The chart is an <svg role="img"> with a title and a summary for screen
// readers (range, minimum, maximum); the numbers themselves are in the
// page beside it (the trip's replay, trip.js). A cursor shows the value
// at a moment: svg.cvAt(t) puts it at the sample nearest to t (and
// answers that sample); the pointer over the chart moves it, and tells
// opts.onPick(t) when given (the replay follows), so that hovering a
// chart gives its values.

const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs, text) {
	const e = document.createElementNS(NS, name);
	for (const [k, v] of Object.entries(attrs || {}))
		e.setAttribute(k, String(v));
	if (text !== undefined)
		e.textContent = text;
	return e;
}

function ticks(lo, hi, n) {
	if (hi <= lo)
		return [lo];
	const raw = (hi - lo) / n;
	const mag = 10 ** Math.floor(Math.log10(raw));
	const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
	const out = [];
	for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step)
		out.push(Number(v.toFixed(6)));
	return out;
}

/*
 * points: [{ t: ms, v: number }] (any order); opts: title, unit, color,
 * cls. Answers the <svg> element (or a <p> when there is nothing to draw).
 */
export function lineChart(points, { title, unit = '', color = '#0b3d91', cls = 'cv-chart', width = 640, height = 200, onPick = null } = {}) {
	const pts = points.filter((p) => Number.isFinite(p.v) && Number.isFinite(p.t)).sort((a, b) => a.t - b.t);
	if (pts.length < 2) {
		const p = document.createElement('p');
		p.className = 'muted';
		p.textContent = `${title}: not enough data to draw.`;
		return p;
	}
	const m = { l: 48, r: 12, t: 24, b: 28 };
	const t0 = pts[0].t, t1 = pts[pts.length - 1].t;
	let lo = Math.min(...pts.map((p) => p.v)), hi = Math.max(...pts.map((p) => p.v));
	if (hi === lo) {
		hi += 1;
		lo = Math.max(0, lo - 1);
	}
	const x = (t) => m.l + ((t - t0) / (t1 - t0 || 1)) * (width - m.l - m.r);
	const y = (v) => height - m.b - ((v - lo) / (hi - lo)) * (height - m.t - m.b);
	const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, class: cls, role: 'img' });
	svg.dataset.t0 = new Date(t0).toISOString();
	svg.dataset.t1 = new Date(t1).toISOString();
	const vmin = Math.min(...pts.map((p) => p.v)), vmax = Math.max(...pts.map((p) => p.v));
	svg.append(el('title', {}, `${title}: from ${vmin.toFixed(1)} to ${vmax.toFixed(1)} ${unit}, ${pts.length} samples`));
	svg.append(el('text', { x: m.l, y: 14, class: 'chart-title' }, `${title}${unit ? ` (${unit})` : ''}`));
	for (const v of ticks(lo, hi, 4)) {
		svg.append(el('line', { x1: m.l, x2: width - m.r, y1: y(v), y2: y(v), class: 'grid' }));
		svg.append(el('text', { x: m.l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, String(v)));
	}
	const fmt = (t) => new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
	for (const t of [t0, (t0 + t1) / 2, t1])
		svg.append(el('text', { x: x(t), y: height - 8, 'text-anchor': t === t0 ? 'start' : t === t1 ? 'end' : 'middle', class: 'tick' }, fmt(t)));
	const d = pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join('');
	svg.append(el('path', { d, fill: 'none', stroke: color, 'stroke-width': 2, class: 'series', 'vector-effect': 'non-scaling-stroke' }));
	const cursor = el('g', { class: 'cursor', visibility: 'hidden' });
	const cline = el('line', { y1: m.t, y2: height - m.b, stroke: '#111', 'stroke-dasharray': '3 3' });
	const dot = el('circle', { r: 4, fill: color, stroke: '#fff', 'stroke-width': 1.5 });
	const label = el('text', { y: m.t - 8, class: 'cursor-value' });
	cursor.append(cline, dot, label);
	svg.append(cursor);
	const tfmt = (t) => new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
	/* the cursor at the sample nearest to t; answers it */
	svg.cvAt = (t) => {
		const p = nearest(pts, t);
		const px = x(p.t);
		cline.setAttribute('x1', px);
		cline.setAttribute('x2', px);
		dot.setAttribute('cx', px);
		dot.setAttribute('cy', y(p.v));
		label.setAttribute('x', px);
		label.setAttribute('text-anchor', px > width / 2 ? 'end' : 'start');
		label.textContent = `${Number(p.v.toFixed(1))}${unit ? ` ${unit}` : ''} at ${tfmt(p.t)}`;
		cursor.setAttribute('visibility', 'visible');
		return p;
	};
	svg.addEventListener('pointermove', (ev) => {
		const r = svg.getBoundingClientRect();
		const px = ((ev.clientX - r.left) / r.width) * width;
		const t = Math.min(t1, Math.max(t0, t0 + ((px - m.l) / (width - m.l - m.r)) * (t1 - t0)));
		if (onPick)
			onPick(t);
		else
			svg.cvAt(t);
	});
	return svg;
}

/* The point of pts (sorted by t) nearest to t. */
export function nearest(pts, t) {
	let lo = 0, hi = pts.length - 1;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (pts[mid].t < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && t - pts[lo - 1].t < pts[lo].t - t ? pts[lo - 1] : pts[lo];
}
