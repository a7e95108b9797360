// deliveries.js - a webhook's delivery log (doc/api.md, "The delivery
// log", beyond the official API): one row per attempt, newest first, a
// page at a time through the API's own `next` links: when, how many
// events it carried, and whether they were delivered, in words (a
// failure with its reason, the HTTP status when there was an answer).

import * as api from './api.js';
import { html, when, num } from './fmt.js';

export const PAGE = 20;

const OUTCOMES = {
	Delivered: 'Delivered',
	Failed: 'Failed, to be tried again',
	GivenUp: 'Given up',
	Dropped: 'Not sent',
};

/* An entry's outcome in words, with why when it was not delivered. */
export function outcomeText(d) {
	const what = OUTCOMES[d.outcome] || d.outcome;
	if (d.outcome === 'Delivered')
		return d.status ? `${what} (HTTP ${d.status})` : what;
	return d.error ? `${what}: ${d.error}` : what;
}

/* The log at path (the first page) drawn into el; its pager reads the next pages in place. */
export async function deliveryLog(el, path, ctx) {
	const start = path.includes('?') ? path : `${path}?pageSize=${PAGE}`;
	const show = async (at) => {
		el.innerHTML = '<p class="muted">Loading the deliveries…</p>';
		let page;
		try {
			page = await api.get(at);
		} catch (e) {
			el.innerHTML = '';
			ctx.showError(el, e);
			return;
		}
		const list = api.items(page);
		if (!list.length) {
			el.innerHTML = '<p class="deliveries-none">Nothing fired yet (or nothing in the last 3 days the log keeps).</p>';
			return;
		}
		const next = api.link(page, 'next');
		const first = at === start ? null : start;
		el.innerHTML = html`<div class="table-wrap"><table class="deliveries"><caption>${page.total} deliveries and attempts, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Events</th><th scope="col">Outcome</th><th scope="col">Attempt</th></tr></thead>
<tbody>${list.map((d) => html`<tr class="delivery ${d.outcome}" data-outcome="${d.outcome}"><td>${when(d.at)}</td><td>${num(d.events)}</td>
<td>${outcomeText(d)}</td><td>${num(d.attempt)}</td></tr>`)}</tbody></table></div>
<div class="pager">${first ? html`<button type="button" class="secondary" data-at="${first}">Newest</button>` : ''}${next ? html`<button type="button" class="secondary" data-at="${next}" rel="next">Older</button>` : ''}</div>`.raw;
	};
	el.onclick = (ev) => {
		const b = ev.target.closest('button[data-at]');
		if (b)
			show(b.dataset.at);
	};
	await show(start);
}
