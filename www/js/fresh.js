// fresh.js - when a vehicle's value is stale.
//
// A value is marked stale only when it is older than twice its vehicle's
// reporting period: a car parked for the night that reports every 30
// minutes is not stale at 20 minutes, one driving that reports every 10 s
// is at a minute. The API does not say a vehicle's period, so it is read
// from the vehicle's latest samples (its telemetry, newest first): the
// longest gap between two of the latest RECENT samples, or, when the
// latest sample says the vehicle is parked, between two of the latest
// PARKED (a parked vehicle reports seldom, and its last drive's samples
// come close together). A vehicle whose samples are too few has no known
// period, and nothing of it is marked. Values younger than twice
// MIN_PERIOD_S are never stale, so the samples are only asked for a
// vehicle once one of its values is that old (one request per vehicle
// for the page's life).
//
// Where a mark shows, STALE_NOTE explains it (pages put it beside, and in
// the mark's title). keepLive() keeps a page's values current: its polls,
// and its ages ticking between them.

import * as api from './api.js';
import { age } from './fmt.js';

export const MIN_PERIOD_S = 10;
const RECENT = 10;
const PARKED = 50;

export const STALE_NOTE = 'Stale: older than twice this vehicle\'s reporting period (the longest gap between its latest samples), so it has missed reports: it may be out of coverage or switched off.';

/*
 * When the vehicle last reported, by a Status: the newest time its values
 * were measured (the status's own updatedAt is when it was stored, which
 * an upload of old samples makes recent).
 */
export function lastReport(st) {
	if (!st)
		return null;
	const times = [st.lastPosition && st.lastPosition.properties && st.lastPosition.properties.createdAt,
		st.odometer && st.odometer.createdAt, st.kinetic && st.kinetic.createdAt, st.doorsState && st.doorsState.createdAt,
		st.ignition && st.ignition.createdAt, ...(st.energies || []).map((e) => e.createdAt)].filter((t) => Number.isFinite(Date.parse(t)));
	return times.length ? times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a)) : st.updatedAt || null;
}

/* The reporting period in seconds read from samples (Telemetry items, any order), or null when too few. */
export function periodOf(samples) {
	const ts = samples.map((s) => ({ t: Date.parse(s.createdAt), moving: s.vehicle && s.vehicle.kinetic ? s.vehicle.kinetic.moving : undefined }))
		.filter((s) => Number.isFinite(s.t)).sort((a, b) => b.t - a.t);
	if (ts.length < 2)
		return null;
	const window = ts.slice(0, ts[0].moving === false ? PARKED : RECENT);
	let gap = 0;
	for (let i = 1; i < window.length; i++)
		gap = Math.max(gap, (window[i - 1].t - window[i].t) / 1000);
	return Math.max(MIN_PERIOD_S, gap);
}

/*
 * The staleness of face f's vehicles: learn(pairs) with [vid, time of
 * its newest value] asks the samples of those old enough (once each) and
 * calls changed() when a period is known; isStale(vid, t) says whether a
 * value of time t is stale now; period(vid) the period in s (or null).
 */
export function staleness(f, changed = () => {}) {
	const periods = new Map();      /* vid -> seconds, null (unknown), or a promise while asked */
	const old = (t, s) => Number.isFinite(Date.parse(t)) && (Date.now() - Date.parse(t)) / 1000 > 2 * s;
	return {
		learn(pairs) {
			for (const [vid, t] of pairs) {
				if (periods.has(vid) || !old(t, MIN_PERIOD_S))
					continue;
				periods.set(vid, api.get(`${f.vehicle(vid)}/telemetry?pageSize=${PARKED}`).then((page) => {
					periods.set(vid, periodOf(api.items(page)));
					changed(vid);
				}, () => periods.set(vid, null)));
			}
		},
		period(vid) {
			const p = periods.get(vid);
			return typeof p === 'number' ? p : null;
		},
		isStale(vid, t) {
			const p = this.period(vid);
			return p !== null && old(t, p);
		},
	};
}

/*
 * A page kept live: poll() then draw() every `every` ms (the next one
 * once the last is done), and the ages in el (`.age[data-t]`, ", stale"
 * kept after a marked one) moving on every second; failed(e) for a poll
 * that failed (an ended session is on its way to the login page). Answers
 * the function that stops it all.
 */
export function keepLive(el, every, poll, draw, failed = () => {}) {
	let halted = false, timer = null;
	const tick = async () => {
		if (halted)
			return;
		try {
			await poll();
			if (!halted)
				draw();
		} catch (e) {
			if (!(e instanceof api.SessionEnded) && !halted)
				failed(e);
		}
		if (!halted)
			timer = setTimeout(tick, every);
	};
	timer = setTimeout(tick, every);
	const ages = setInterval(() => {
		for (const a of el.querySelectorAll('.age[data-t]'))
			a.textContent = age(a.dataset.t) + (a.classList.contains('stale') ? ', stale' : '');
	}, 1000);
	return () => {
		halted = true;
		clearTimeout(timer);
		clearInterval(ages);
	};
}

export const CHANGED_NOTE = 'Changed since the last poll';

/*
 * Mark the values a poll changed. In el, every cell (sel: "dd" for cards,
 * "td" for table rows) of an element with data-vid is keyed by its
 * vehicle and its label (the dt before a dd; a td's column), and compared
 * by its text without ages and addresses (which move by themselves) with
 * `before`, what the last call returned (nothing is marked on the first
 * draw). A changed cell gets the class "changed" (a highlight that fades)
 * and CHANGED_NOTE as its title. Answers the values for the next call.
 */
export function markChanged(el, sel, before) {
	const seen = new Map();
	for (const holder of el.querySelectorAll('[data-vid]')) {
		holder.querySelectorAll(sel).forEach((cell, i) => {
			const label = sel === 'dd' && cell.previousElementSibling ? cell.previousElementSibling.textContent : String(i);
			const copy = cell.cloneNode(true);
			for (const x of copy.querySelectorAll('.age, .address'))
				x.remove();
			const key = `${holder.dataset.vid}|${label}`;
			const text = copy.textContent.replace(/\s+/g, ' ').trim();
			seen.set(key, text);
			if (before && before.has(key) && before.get(key) !== text) {
				cell.classList.add('changed');
				if (!cell.title)
					cell.title = CHANGED_NOTE;
			}
		});
	}
	return seen;
}
