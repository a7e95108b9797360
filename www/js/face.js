// face.js - which face of the API a page reads, and its addresses.
//
// The pages that show one vehicle's data (trips, a trip, alerts,
// collisions, remote control) serve both roles: a driver reads the user
// face (/connectedcar/v4/user/vehicles/VID), a fleet manager the fleet
// face of one fleet (/connectedcar/v3/fleets/FID/vehicles/VID). A page
// asks its face for every path and every link it makes, never writes
// either itself, so that a fleet manager's page never reads the user face
// (its token would be refused) nor links to a driver's page.
//
// The console's addresses (app.js): a driver's pages are #/PAGE/ARGS; a
// fleet manager's are #/f/FID/PAGE/ARGS, the fleet's overview
// #/fleets/FID.

import * as api from './api.js';

const enc = encodeURIComponent;

/* The face of a driver (fid null) or of a fleet manager's fleet fid. */
export function face(fid) {
	if (!fid) {
		return {
			fleet: false,
			fid: null,
			vehicles: `${api.B2C}/user/vehicles`,
			vehicle: (vid) => `${api.B2C}/user/vehicles/${vid}`,
			href: (page, ...args) => `#/${[page, ...args].map(enc).join('/')}`,
			home: '#/fleet',
		};
	}
	const base = `${api.B2B}/fleets/${enc(fid)}`;
	return {
		fleet: true,
		fid,
		base,
		vehicles: `${base}/vehicles`,
		vehicle: (vid) => `${base}/vehicles/${vid}`,
		href: (page, ...args) => `#/f/${[fid, page, ...args].map(enc).join('/')}`,
		home: `#/fleets/${enc(fid)}`,
	};
}

/* Every vehicle of the face (all pages of the list). */
export function vehiclesOf(f) {
	return api.all(`${f.vehicles}?pageSize=60`);
}
