// listing.js - what a vehicle's pages share: the vehicle picker (its
// trips, its charging sessions, its summary), and for its lists (trips,
// charging sessions) the date filter and the API's own paging links.
//
// openList() draws a list page's head and reads its page of items. A
// list's address is its page's (face.js) with a query: `from` and `to`
// (local dates, `to` included) for the filter, `at` for a page the API
// linked to (its path, kept as the API wrote it: the console never builds
// a pageToken). The filter becomes the API's `timestamps` on the items'
// start; an `at` that is not under the list's own path is ignored (an
// address edited by hand reads the first page instead).

import * as api from './api.js';
import { html, raw, esc, dayStart, vehicleName } from './fmt.js';
import { vehiclesOf } from './face.js';
import { fieldErrors } from './errors.js';

/*
 * The vehicle picker of face f in el (a label and a select), current the
 * vehicle shown; choosing another goes to hrefOf(its id). Answers the
 * vehicles.
 */
export async function vehiclePicker(f, el, current, hrefOf) {
	const vehicles = await vehiclesOf(f);
	el.innerHTML = html`<label for="vehicle">Vehicle</label>
<select id="vehicle">${vehicles.map((v) => html`<option value="${v.id}"${raw(v.id === current ? ' selected' : '')}>${vehicleName(v, true)}</option>`)}</select>`.raw;
	el.querySelector('select').onchange = (ev) => {
		location.hash = hrefOf(ev.target.value);
	};
	return vehicles;
}

/* The filter's form: a picker's slot, From and To (included), Show. */
function filterForm(id) {
	return `<form class="filters" id="${id}">
  <div id="picker"></div>
  <div><label for="from">From</label><input type="date" id="from" name="from" value=""></div>
  <div><label for="to">To (included)</label><input type="date" id="to" name="to" value=""></div>
  <button type="submit">Show</button>
</form>`;
}

/* The form filled from query q; Show goes to href with the dates chosen. */
function wireFilter(form, q, href) {
	form.from.value = q.get('from') || '';
	form.to.value = q.get('to') || '';
	form.onsubmit = (ev) => {
		ev.preventDefault();
		const p = new URLSearchParams();
		if (form.from.value)
			p.set('from', form.from.value);
		if (form.to.value)
			p.set('to', form.to.value);
		location.hash = `${href}?${p}`;
	};
}

/* What a refused period is said as, next to the To field (errors.js fieldErrors). */
function periodField(form) {
	return {
		path: 'timestamps', field: form.to,
		text: form.from.value && form.to.value && form.to.value < form.from.value
			? 'The period ends before it starts: pick an end on or after the start.' : 'Pick the dates of the period again.',
	};
}

/* The path of the page to read: the API's link in `at`, else the first page of base filtered by q's dates. */
function pagePath(base, q, pageSize) {
	const at = q.get('at');
	if (at && at.startsWith(base))
		return at;
	const p = new URLSearchParams({ pageSize: String(pageSize) });
	const from = dayStart(q.get('from'));
	let to = dayStart(q.get('to'));
	if (to)
		to = new Date(Date.parse(to) + 86400000).toISOString();
	if (from || to)
		p.set('timestamps', `${from || ''}/${to || ''}`);
	return `${base}?${p}`;
}

/* The pager under a list: First, Previous and Next as the API's page links them, kept in the address (href, query q). */
function pager(page, q, href) {
	const nav = (name, text) => {
		const l = api.link(page, name);
		if (!l)
			return '';
		const p = new URLSearchParams(q);
		p.set('at', l);
		return html`<a class="button secondary" href="${href}?${p.toString()}" rel="${name}">${text}</a>`.raw;
	};
	return raw(`<div class="pager">${nav('first', 'First')}${nav('prev', 'Previous')}${nav('next', 'Next')}</div>`);
}

/*
 * A vehicle's list page in view (ctx as app.js gives it, args[0] the
 * vehicle): its heading `title`, the picker and the date filter (form
 * formId), then the page of the vehicle's `path` (under face.vehicle) the
 * address asks for, pageSize items. Without a vehicle in the address it
 * goes to pick(vehicles)'s page. A period the API refuses is said next to
 * the dates. Answers { vid, page, list (the element for the items),
 * vehicles, pager (html) }, or null when there is nothing to draw.
 */
export async function openList(view, args, ctx, { name, title, path, pageSize, formId, listId, pick = (vs) => vs[0] }) {
	const vid = args[0] ? encodeURIComponent(args[0]) : '';
	const q = ctx.query;
	const f = ctx.face;
	view.innerHTML = `<h1>${esc(title)}</h1>
${filterForm(formId)}
<div id="${listId}" aria-live="polite"></div>`;
	const list = view.querySelector(`#${listId}`);
	const vehicles = await vehiclePicker(f, view.querySelector('#picker'), vid, (id) => f.href(name, id));
	if (!vid) {
		if (vehicles.length)
			location.replace(f.href(name, pick(vehicles).id));
		else
			list.textContent = 'No vehicle in this account yet.';
		return null;
	}
	const form = view.querySelector(`#${formId}`);
	wireFilter(form, q, f.href(name, vid));
	try {
		const page = await api.get(pagePath(`${f.vehicle(vid)}/${path}`, q, pageSize));
		return { vid, page, list, vehicles, pager: pager(page, q, f.href(name, vid)) };
	} catch (e) {
		fieldErrors(list).show(e, [periodField(form)]);
		return null;
	}
}
