// summary.js - a vehicle's trips and charging sessions added up per day,
// week or month (cvapi's extension, doc/api.md "Efficiency by period"),
// on either face (face.js): week by week unless the address says
// otherwise (?period=day|week|month, links with the current one marked).
// A table, newest first (the periods as the API gives them: the last 7
// days, 8 weeks or 6 months), and bar charts, oldest on the left, of the
// distance and of the energy used and charged. Periods are the API's:
// UTC days, ISO weeks from Monday, calendar months, so their dates are
// written in UTC.

import * as api from '../api.js';
import { html, raw, num, hours, per100km, energyAmount, isElectric } from '../fmt.js';
import { barChart } from '../chart.js';
import { vehiclePicker } from '../listing.js';

export const PERIODS = { day: 'Day by day', week: 'Week by week', month: 'Month by month' };

const utc = (t, opts) => new Date(t).toLocaleDateString(undefined, { timeZone: 'UTC', ...opts });

/* A period in words: long for the table ("3–9 Jun 2024"), short for a chart's axis ("3 Jun"). */
export function periodText(kind, p, short = false) {
	const last = Date.parse(p.endedAt) - 86400000;
	if (kind === 'month')
		return utc(p.startedAt, short ? { month: 'short' } : { month: 'long', year: 'numeric' });
	if (kind === 'day')
		return utc(p.startedAt, short ? { day: 'numeric', month: 'short' } : { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
	return short ? utc(p.startedAt, { day: 'numeric', month: 'short' })
		: `${utc(p.startedAt, { day: 'numeric', month: 'short' })} – ${utc(last, { day: 'numeric', month: 'short', year: 'numeric' })}`;
}

/* The energies the periods speak of, Electric first. */
function energyTypes(periods) {
	const types = new Set(periods.flatMap((p) => (p.energies || []).map((e) => e.type)));
	return ['Electric', 'Fuel'].filter((t) => types.has(t));
}

/* What a period's trips used of one energy: kWh or L with the capacity, else points of the level. */
function usedText(e) {
	if (!e)
		return '–';
	if (e.energyUsed != null)
		return energyAmount(e.type, e.energyUsed);
	return `${num(e.consumption, 1)} % of the ${isElectric(e.type) ? 'battery' : 'tank'}`;
}

export async function render(view, args, ctx) {
	const vid = args[0] ? encodeURIComponent(args[0]) : '';
	const f = ctx.face;
	const period = PERIODS[ctx.query.get('period')] ? ctx.query.get('period') : 'week';
	const href = (id, p) => `${f.href('summary', id)}${p && p !== 'week' ? `?period=${p}` : ''}`;
	view.innerHTML = html`<h1>Summary</h1>
<div class="filters"><div id="picker"></div></div>
<nav class="periods" aria-label="Periods">${Object.entries(PERIODS).map(([k, text]) =>
		html`<a class="button${k === period ? '' : ' secondary'}" href="${href(vid, k)}"${raw(k === period ? ' aria-current="page"' : '')}>${text}</a>`)}</nav>
<div id="summary" aria-live="polite"></div>
<p class="muted">Days, weeks (from Monday) and months are counted in UTC. A trip or a charging session counts in the period it started in; parked time is the rest of the period, up to now. Energy is in kWh or litres once the vehicle's capacity is known, else in points of the battery or tank.</p>`.raw;
	const vehicles = await vehiclePicker(f, view.querySelector('#picker'), vid, (id) => href(id, period));
	if (!vid) {
		if (!vehicles.length) {
			view.querySelector('#summary').textContent = 'No vehicle in this account yet.';
			return;
		}
		location.replace(href(vehicles[0].id, period));
		return;
	}
	const out = view.querySelector('#summary');
	let s;
	try {
		s = await api.get(`${f.vehicle(vid)}/summary?period=${period}`);
	} catch (e) {
		ctx.showError(out, e);
		return;
	}
	const periods = s.periods || [];
	if (!periods.length) {
		out.innerHTML = '<p>No period to show.</p>';
		return;
	}
	const types = energyTypes(periods);
	const energy = (p, t) => (p.energies || []).find((e) => e.type === t);
	const name = (t) => (isElectric(t) ? 'Battery' : 'Fuel');
	const now = Date.now();
	out.innerHTML = html`
<div class="table-wrap"><table class="summary">
  <caption>${PERIODS[period]}, newest first: ${periods.length} ${period}s</caption>
  <thead><tr><th scope="col">${period === 'day' ? 'Day' : period === 'week' ? 'Week' : 'Month'}</th><th scope="col">Trips</th><th scope="col">Distance</th>
    <th scope="col">Driving</th><th scope="col">Parked</th><th scope="col">Charging sessions</th><th scope="col">Charging time</th><th scope="col">Energy charged</th>
    ${types.map((t) => html`<th scope="col">${name(t)} used</th><th scope="col">${name(t)} per 100 km</th>`)}</tr></thead>
  <tbody>${periods.map((p) => html`<tr class="period" data-start="${p.startedAt}">
    <th scope="row">${periodText(period, p)}${Date.parse(p.endedAt) > now ? raw(' <span class="pill">so far</span>') : ''}</th>
    <td class="trips">${num(p.trips)}</td><td class="distance">${num(p.distance, 1)} km</td>
    <td class="driving">${hours(p.drivingTime)}</td><td class="parked">${hours(p.parkedTime)}</td>
    <td class="charges">${num(p.charges)}</td><td class="charging">${hours(p.chargingTime)}</td>
    <td class="charged">${p.energyCharged != null ? `${num(p.energyCharged, 1)} kWh` : '–'}</td>
    ${types.map((t) => html`<td class="used-${t}">${usedText(energy(p, t))}</td><td class="per100-${t}">${per100km(t, energy(p, t) && energy(p, t).avgConsumption) || '–'}</td>`)}
  </tr>`)}</tbody>
</table></div>
<div id="summary-charts"></div>`.raw;
	const oldestFirst = [...periods].reverse();
	const groups = (value) => oldestFirst.map((p) => ({ label: periodText(period, p, true), title: periodText(period, p), values: value(p) }));
	const charts = view.querySelector('#summary-charts');
	charts.append(barChart(groups((p) => ({ distance: p.distance })), {
		title: 'Distance', unit: 'km', series: [{ key: 'distance', name: 'Distance', color: '#0b3d91' }], cls: 'cv-chart cv-bars chart-distance',
	}));
	if (types.includes('Electric') || periods.some((p) => p.charges))
		charts.append(barChart(groups((p) => ({ used: energy(p, 'Electric') ? energy(p, 'Electric').energyUsed : null, charged: p.energyCharged })), {
			title: 'Battery energy', unit: 'kWh', cls: 'cv-chart cv-bars chart-battery',
			series: [{ key: 'used', name: 'Used on trips', color: '#b45309' }, { key: 'charged', name: 'Charged', color: '#15803d' }],
		}));
	if (types.includes('Fuel'))
		charts.append(barChart(groups((p) => ({ used: energy(p, 'Fuel') ? energy(p, 'Fuel').energyUsed : null })), {
			title: 'Fuel used', unit: 'L', cls: 'cv-chart cv-bars chart-fuel', series: [{ key: 'used', name: 'Fuel used', color: '#b45309' }],
		}));
	return undefined;
}
