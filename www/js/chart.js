// chart.js - charts in SVG: a line over time (lineChart), and bars per
// period (barChart), with their axes.
//
// Small on purpose: a trip's speed or energy along the way, a charging
// session's level or power, is one line; a summary's distance or energy
// per period one or two series of bars.
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
export function lineChart(points, { title, unit = '', color = '#0b3d91', cls = 'cv-chart', width = 640, height = 216, onPick = null } = {}) {
	const pts = points.filter((p) => Number.isFinite(p.v) && Number.isFinite(p.t)).sort((a, b) => a.t - b.t);
	if (pts.length < 2) {
		const p = document.createElement('p');
		p.className = 'muted';
		p.textContent = `${title}: not enough data to draw.`;
		return p;
	}
	/* the title on the first line, the cursor's value on the second: apart wherever the cursor is */
	const m = { l: 48, r: 12, t: 40, b: 28 };
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
	const label = el('text', { y: m.t - 10, class: 'cursor-value' });
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

/*
 * Bars per group: groups [{ label, title, values: { key: number|null } }]
 * drawn left to right; opts: title, unit, series [{ key, name, color }]
 * (one bar each per group, side by side; a legend when more than one),
 * cls. A bar's <title> says its group, series and value; the <svg> is an
 * img whose title sums the chart up (the page's table has the numbers).
 * Answers the <svg> element (or a <p> when every value is missing).
 */
export function barChart(groups, { title, unit = '', series = [], cls = 'cv-chart cv-bars', width = 640, height = 220 } = {}) {
	const vals = groups.flatMap((g) => series.map((s) => g.values[s.key])).filter((v) => Number.isFinite(v));
	if (!groups.length || !vals.length) {
		const p = document.createElement('p');
		p.className = 'muted';
		p.textContent = `${title}: nothing to draw.`;
		return p;
	}
	const m = { l: 48, r: 12, t: series.length > 1 ? 40 : 24, b: 28 };
	const hi = Math.max(...vals) || 1;
	const y = (v) => height - m.b - (v / hi) * (height - m.t - m.b);
	const slot = (width - m.l - m.r) / groups.length;
	const bar = Math.max(1, Math.min(40, (slot * 0.8) / series.length));
	const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, class: cls, role: 'img' });
	const unitText = unit ? ` ${unit}` : '';
	const lo = Math.min(...vals);
	svg.append(el('title', {}, `${title}: ${groups.length} periods, from ${Number(lo.toFixed(1))} to ${Number(hi.toFixed(1))}${unitText}`));
	svg.append(el('text', { x: m.l, y: 14, class: 'chart-title' }, `${title}${unit ? ` (${unit})` : ''}`));
	if (series.length > 1)
		series.forEach((s, i) => {
			const x = m.l + i * 150;
			svg.append(el('rect', { x, y: 22, width: 10, height: 10, fill: s.color }));
			svg.append(el('text', { x: x + 14, y: 31, class: 'tick legend' }, s.name));
		});
	for (const v of ticks(0, hi, 4)) {
		svg.append(el('line', { x1: m.l, x2: width - m.r, y1: y(v), y2: y(v), class: 'grid' }));
		svg.append(el('text', { x: m.l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, String(v)));
	}
	/* group labels: as many as fit (about one per 60 px), the last always */
	const every = Math.max(1, Math.ceil(groups.length / Math.floor((width - m.l - m.r) / 60)));
	groups.forEach((g, gi) => {
		const x0 = m.l + gi * slot + (slot - bar * series.length) / 2;
		series.forEach((s, si) => {
			const v = g.values[s.key];
			if (!Number.isFinite(v))
				return;
			const r = el('rect', { x: x0 + si * bar, y: y(v), width: Math.max(1, bar - 1), height: Math.max(0, y(0) - y(v)), fill: s.color, class: `bar bar-${s.key}` });
			r.dataset.v = String(v);
			r.append(el('title', {}, `${g.title || g.label}: ${s.name} ${Number(v.toFixed(1))}${unitText}`));
			svg.append(r);
		});
		if ((groups.length - 1 - gi) % every === 0)
			svg.append(el('text', { x: m.l + gi * slot + slot / 2, y: height - 8, 'text-anchor': 'middle', class: 'tick' }, g.label));
	});
	svg.append(el('line', { x1: m.l, x2: width - m.r, y1: y(0), y2: y(0), stroke: '#6b7280' }));
	return svg;
}
