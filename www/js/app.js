// app.js - the console's shell: routing, the login page, the status line.
//
// Pages are addressed by the URL's fragment (#/fleet, #/trips/VID, ...), so
// that a reload, the back button and a bookmark all work without any
// server-side routing. A page module exports render(view, params, ctx)
// and may answer a function that stops what it started (polling).
//
// Each address belongs to one role: a driver's pages (#/PAGE/...) read
// the user face (B2C), a fleet manager's (#/fleets, #/fleets/FID and
// #/f/FID/PAGE/...) the fleet face (B2B) of one fleet; the pages that
// show a vehicle's data serve both, through the face they are given
// (face.js). A session that opens an address of the other role (a
// bookmark, a link passed on) is taken to its own home page, session
// kept, and told so on the status line: the page is never drawn, since
// its reads would be refused with 401 and end the session. The login form
// offers the role last logged in with (kept in localStorage: a
// preference, not a secret), else the role of the page it returns to.
//
// Outages (api.js): while the server cannot be reached one banner says so
// above the page, and goes when it answers. A page whose module failed to
// load (an outage during a page change) is loaded again when the server
// answers, and a page whose drawing met an outage (a write it needed) is
// drawn again then; a module that fails with the server answering is
// tried again with the back-off, twice, before the page says it is broken.

import * as api from './api.js';
import { esc } from './fmt.js';
import { explain, SAY } from './errors.js';
import { warmUp } from './map.js';
import { face } from './face.js';

const PAGES = {
	fleet: () => import('./pages/fleet.js'),
	trips: () => import('./pages/trips.js'),
	trip: () => import('./pages/trip.js'),
	alerts: () => import('./pages/alerts.js'),
	monitors: () => import('./pages/monitors.js'),
	remote: () => import('./pages/remote.js'),
	charges: () => import('./pages/charges.js'),
	charge: () => import('./pages/charge.js'),
	summary: () => import('./pages/summary.js'),
	fleets: () => import('./pages/fleets.js'),
};
/* the role of each page at #/PAGE, the pages a fleet manager has under #/f/FID/, each role's home page and name */
const ROLE = { fleet: 'user', trips: 'user', trip: 'user', alerts: 'user', monitors: 'user', remote: 'user', charges: 'user', charge: 'user', summary: 'user', fleets: 'fleet' };
const FLEET_PAGES = new Set(['trips', 'trip', 'alerts', 'monitors', 'remote', 'charges', 'charge', 'summary']);
const HOME = { user: 'fleet', fleet: 'fleets' };
const ROLE_NAME = { user: 'a driver\'s', fleet: 'a fleet manager\'s' };
const ROLE_KEY = 'cvapi.role';
const FLEET_KEY = 'cvapi.fleet';
const USER_NAV = [['fleet', 'Vehicles'], ['trips', 'Trips'], ['charges', 'Charging'], ['summary', 'Summary'], ['alerts', 'Alerts'], ['monitors', 'Monitors']];
const FLEET_NAV = [['trips', 'Trips'], ['charges', 'Charging'], ['summary', 'Summary'], ['alerts', 'Alerts'], ['monitors', 'Monitors']];

const view = document.getElementById('view');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const statusLine = document.getElementById('status');
const banner = document.getElementById('offline');
let stop = null;
let generation = 0;
/* said on the status line until a page is drawn (a page may first move on, as #/fleets to its only fleet) */
let pendingNote = null;

function lastRole() {
	try {
		return localStorage.getItem(ROLE_KEY);
	} catch {
		return null;
	}
}

function keepRole(kind) {
	try {
		localStorage.setItem(ROLE_KEY, kind);
	} catch { /* storage refused: the form offers the default */ }
}

/* The status line: what the console is waiting for, or what went wrong. */
export function say(text, kind = 'info') {
	statusLine.textContent = text || '';
	statusLine.className = text ? `status ${kind}` : 'status';
}

/* A failed call, told on the page in the console's words (errors.js; opts as explain's). */
export function showError(where, e, opts) {
	if (e instanceof api.SessionEnded)
		return;
	const p = document.createElement('p');
	p.className = 'error';
	p.setAttribute('role', 'alert');
	p.textContent = explain(e, opts);
	(where || view).append(p);
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

/*
 * A page's module, loaded again after an outage until it comes, or null
 * when the person moved on meanwhile. (Chromium, Firefox and Safari send
 * a failed dynamic import again; none keeps the failure.)
 */
async function loadPage(page, mine) {
	for (let attempt = 0; ; attempt++) {
		try {
			return await PAGES[page]();
		} catch (e) {
			if (mine !== generation)
				return null;
			if (!await api.answers())
				await api.serverDown();
			else if (attempt >= 2)
				throw e;
			else
				await sleep(api.BACKOFF_MS[attempt]);
			if (mine !== generation)
				return null;
		}
	}
}

/* The address: its page's name, arguments and query, and the fleet (fid) and role (role) it belongs to. */
function parseHash() {
	const h = location.hash.replace(/^#\/?/, '');
	const [path, query = ''] = h.split('?');
	let parts = [];
	try {
		parts = path.split('/').filter(Boolean).map(decodeURIComponent);
	} catch { /* a malformed address: the home page */ }
	const q = new URLSearchParams(query);
	if (parts[0] === 'f' && parts.length >= 3 && FLEET_PAGES.has(parts[2]))
		return { name: parts[2], args: parts.slice(3), query: q, fid: parts[1], role: 'fleet' };
	if (parts[0] === 'fleets')
		return { name: 'fleets', args: parts.slice(1), query: q, fid: parts[1] || null, role: 'fleet' };
	return { name: parts[0] || '', args: parts.slice(1), query: q, fid: null, role: PAGES[parts[0]] ? ROLE[parts[0]] : null };
}

/* The fleet a fleet manager last opened (its pages' menu), kept for the tab. */
function currentFleet(fid) {
	try {
		if (fid)
			sessionStorage.setItem(FLEET_KEY, fid);
		return sessionStorage.getItem(FLEET_KEY);
	} catch {
		return fid || null;
	}
}

function renderNav(s) {
	const { name: cur, fid } = parseHash();
	let links = [];
	if (s && s.kind === 'user')
		links = USER_NAV.map(([name, text]) => [`#/${name}`, text, cur === name]);
	if (s && s.kind === 'fleet') {
		const f = currentFleet(fid);
		links = [['#/fleets' + (f ? `/${encodeURIComponent(f)}` : ''), 'Fleet', cur === 'fleets']];
		if (f)
			links.push(...FLEET_NAV.map(([name, text]) => [face(f).href(name), text, cur === name]));
	}
	nav.innerHTML = links.map(([href, text, here]) =>
		`<a href="${esc(href)}"${here ? ' aria-current="page"' : ''}>${esc(text)}</a>`).join('');
	who.innerHTML = s ? `<span>${esc(s.login)}${s.kind === 'fleet' ? ' (fleet manager)' : ''}</span> <button type="button" id="logout">Log out</button>` : '';
	if (s)
		document.getElementById('logout').onclick = async () => {
			try {
				sessionStorage.removeItem(FLEET_KEY);
			} catch { /* nothing kept */ }
			await api.logout();
			location.hash = '#/login';
		};
}

/* Why a login failed, in words: a lockout or a rate limit says how long to wait. */
function loginProblem(e) {
	if (e instanceof api.Unreachable)
		return SAY.loginUnreachable;
	if (e instanceof api.ApiError && e.status === 429)
		return explain(e);
	if (e instanceof api.ApiError && e.status < 500)
		return 'Wrong user name or password.';
	return `The server could not log you in: ${explain(e)}`;
}

/* The role the login form offers: the last one used, else that of the page it returns to. */
function offeredRole(next) {
	const last = lastRole();
	if (last === 'user' || last === 'fleet')
		return last;
	const m = /^#\/([^/?]*)/.exec(next || '');
	return (m && (m[1] === 'f' ? 'fleet' : ROLE[m[1]])) || 'user';
}

function loginPage(query) {
	const role = offeredRole(query.get('next'));
	document.title = 'Log in - cvapi console';
	view.innerHTML = `
<section class="login">
  <h1>Log in</h1>
  ${query.get('expired') ? '<p class="notice" role="status">Your session has ended. Log in again to go back where you were.</p>' : ''}
  <form id="login-form">
    <fieldset>
      <legend>Account</legend>
      <label><input type="radio" name="kind" value="user"${role === 'user' ? ' checked' : ''}> Driver (connected car account)</label>
      <label><input type="radio" name="kind" value="fleet"${role === 'fleet' ? ' checked' : ''}> Fleet manager</label>
    </fieldset>
    <label for="login">User name</label>
    <input id="login" name="login" autocomplete="username" required>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit">Log in</button>
    <p id="login-error" class="error" role="alert" hidden></p>
  </form>
  <p class="muted">The demo: <kbd>demo</kbd> / <kbd>demo</kbd>, and the fleet manager <kbd>fleet</kbd> / <kbd>fleet</kbd>.</p>
</section>`;
	const form = document.getElementById('login-form');
	document.getElementById('login').focus();
	form.onsubmit = async (ev) => {
		ev.preventDefault();
		const err = document.getElementById('login-error');
		err.hidden = true;
		const f = new FormData(form);
		const button = form.querySelector('button[type=submit]');
		button.disabled = true;
		try {
			if (f.get('kind') === 'fleet')
				await api.loginFleet(f.get('login'), f.get('password'));
			else
				await api.loginUser(f.get('login'), f.get('password'));
			keepRole(f.get('kind'));
			const next = query.get('next');
			location.hash = next && next.startsWith('#/') && !next.startsWith('#/login') ? next : f.get('kind') === 'fleet' ? '#/fleets' : '#/fleet';
		} catch (e) {
			err.textContent = loginProblem(e);
			err.hidden = false;
			button.disabled = false;
		}
	};
}

async function route() {
	const mine = ++generation;
	if (stop) {
		try { stop(); } catch { /* nothing to stop */ }
		stop = null;
	}
	say(pendingNote || '');
	const here = location.hash;
	const s = api.session();
	const { name, args, query, fid, role } = parseHash();
	renderNav(s);
	if (name === 'login' || !s) {
		if (name !== 'login') {
			location.replace(`#/login?next=${encodeURIComponent(location.hash || '#/')}`);
			return;
		}
		pendingNote = null;
		loginPage(query);
		return;
	}
	/* a page of this role, else the role's home page; another role's page is said so */
	if (role !== s.kind) {
		if (role)
			pendingNote = `That page is ${ROLE_NAME[role]}: here is your home page as ${s.kind === 'fleet' ? 'a fleet manager' : 'a driver'}.`;
		const f = s.kind === 'fleet' && currentFleet(null);
		location.replace(f ? face(f).home : `#/${HOME[s.kind]}`);
		return;
	}
	const page = name;
	view.innerHTML = '<p class="muted" aria-live="polite">Loading…</p>';
	warmUp();
	/*
	 * Each page draws into its own box: a page still waiting for an answer
	 * when the person moves on writes into a box no longer shown, never
	 * into the next page (pages look their elements up in their box).
	 */
	const box = document.createElement('div');
	try {
		const mod = await loadPage(page, mine);
		if (mine !== generation)
			return;
		view.replaceChildren(box);
		const cleanup = await mod.render(box, args, { query, session: s, face: face(fid), say, showError, current: () => mine === generation });
		if (mine === generation)
			stop = typeof cleanup === 'function' ? cleanup : null;
		else if (typeof cleanup === 'function')
			cleanup();
		if (mine === generation && location.hash === here)
			pendingNote = null;
	} catch (e) {
		if (mine !== generation)
			return;
		if (e instanceof api.Unreachable) {
			/* the page is drawn again once the server answers */
			await api.serverDown();
			if (mine === generation)
				route();
			return;
		}
		view.replaceChildren(box);
		pendingNote = null;
		if (e instanceof api.ApiError || e instanceof api.SessionEnded)
			showError(box, e);
		else
			box.innerHTML = `<p class="error" role="alert">${esc(SAY.pageBroken)}</p>`;
	}
	const h1 = view.querySelector('h1');
	if (h1) {
		document.title = `${h1.textContent} - cvapi console`;
		h1.tabIndex = -1;
		h1.focus({ preventScroll: true });
	}
}

api.setHooks({
	sessionEnded() {
		const here = location.hash;
		if (!here.startsWith('#/login'))
			location.hash = `#/login?expired=1&next=${encodeURIComponent(here || '#/')}`;
	},
	waiting(text) {
		say(text, 'wait');
	},
	reachable(ok) {
		banner.textContent = ok ? '' : SAY.unreachable;
		banner.hidden = ok;
	},
});
window.addEventListener('hashchange', route);
document.getElementById('skip').onclick = () => view.focus();
route();
