// ecoaching.js - a trip's eco-coaching scores in words (the B2C operation
// `.../trips/{tid}/ecoaching`, doc/api.md "Eco-coaching"; a driver's
// face only: the fleet face has no such operation).
//
// Each category the API scored is shown with its name in words, its score
// out of 10 with a word for it (excellent to very poor), a bar (<meter>,
// named by the category) and a sentence on what it measures; Global
// ("Overall") first. A category the API left out is not shown as a score:
// a note under the scores names those this trip gave too little data for,
// with what each needs, and says that air conditioning and tyre pressure
// are never scored (the vehicle link carries nothing of them). The words
// follow doc/ecoaching.md, the method's description; its thresholds are
// the defaults, which a host may change.

import { html, num } from './fmt.js';

/* [category, its name, what it measures, what it needs when left out] in the API's order (the schema's) */
export const CATEGORIES = [
	['Global', 'Overall', 'The mean of the scores below; acceleration, braking and speed count twice as much as the others.', ''],
	['Acceleration', 'Acceleration', 'Harsh accelerations per 100 km (3 m/s² or more, about 11 km/h gained in a second): on a trip of 20 km or less each one costs 2.5 points.',
		'speeds reported at most 5 s apart over 1 km or more'],
	['Break', 'Braking', 'Harsh braking per 100 km, counted as accelerations are: anticipating saves braking, and energy.',
		'speeds reported at most 5 s apart over 1 km or more'],
	['ColdEngine', 'Cold engine', 'The extra fuel a cold engine burns, from the outside temperature and the trip\'s length: short trips in the cold score low.',
		'an engine burning fuel (a fuel level) and the outside temperature'],
	['Slope', 'Climbing', 'Time spent climbing hard (1 m/s or more upwards): letting the speed drop on a climb saves energy.',
		'altitudes from a 3D position fix over a minute of driving'],
	['Speed', 'Speed', 'Time driven above 110 km/h, weighing more up to 150 km/h: the air\'s drag grows with the square of the speed. 130 km/h throughout scores 5.',
		'a minute of driving measured'],
	['StartStop', 'Idling', 'Time standing still with the engine on, in stops of a minute or more: half of the trip idling scores 0.',
		'the ignition reported, and a minute measured'],
];
const NAME = Object.fromEntries(CATEGORIES.map(([c, n]) => [c, n]));

/* A score out of 10 in a word. */
export function scoreWord(s) {
	return s >= 9 ? 'excellent' : s >= 7 ? 'good' : s >= 5 ? 'fair' : s >= 3 ? 'poor' : 'very poor';
}

/* The scores of an ECoaching answer as HTML (fmt.js html): the scored categories, then what is not scored. */
export function scoresHtml(eco) {
	const scores = new Map((eco.scores || []).filter((s) => NAME[s.category]).map((s) => [s.category, s.score]));
	const scored = CATEGORIES.filter(([c]) => scores.has(c));
	const missing = CATEGORIES.filter(([c]) => c !== 'Global' && !scores.has(c));
	const never = 'Air conditioning and tyre pressure are never scored: the vehicle reports nothing of them.';
	const list = scored.length ? html`<ul class="eco-scores">${scored.map(([c, name, what]) => {
		const s = scores.get(c);
		return html`<li class="eco-score${c === 'Global' ? ' eco-global' : ''}" data-category="${c}">
  <span class="eco-name" id="eco-${c}">${name}</span>
  <meter min="0" max="10" low="5" high="7" optimum="10" value="${s}" aria-labelledby="eco-${c}" aria-describedby="eco-${c}-score"></meter>
  <span class="eco-value" id="eco-${c}-score"><b>${num(s, 1)}</b> out of 10, ${scoreWord(s)}</span>
  <span class="eco-what muted">${what}</span>
</li>`;
	})}</ul>` : html`<p class="eco-none">This trip gave too little data to be scored.</p>`;
	const notes = missing.length
		? html`<p class="muted eco-missing">Not scored for this trip, for lack of data: ${missing.map(([c, name, , needs], i) => html`${i ? '; ' : ''}<span data-category="${c}">${name.toLowerCase()} (it needs ${needs})</span>`)}. ${never}</p>`
		: html`<p class="muted eco-missing">${never}</p>`;
	return html`${list}${notes}`;
}
