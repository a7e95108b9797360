// chart.js - a line chart in SVG: one series over time, with its axes.
//
// Small on purpose: a trip's speed or energy along the way is one line.
// The chart is an <svg role="img"> with a title and a summary for screen
// readers (range, minimum, maximum); the numbers themselves are in the
// page beside it.

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
export function lineChart(points, { title, unit = '', color = '#0b3d91', cls = 'cv-chart', width = 640, height = 200 } = {}) {
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
	return svg;
}
