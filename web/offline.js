// Status changes, notes and favourites go through one queue kept in localStorage: each is sent
// with an Idempotency-Key (statuses and notes also with their `at`, when the learner made them)
// and retried with the same bytes until the server answers. A change made while the network is
// down waits here and is sent on reconnect, in the order it was made; a retry of one whose answer
// was lost runs once on the server. The page shows what is pending (and counts it at once).
import { gql, me } from './api.js';

const SET_STATUS = `mutation SetStatus($topicId: ID!, $status: ProgressStatus!, $at: DeviceTime) {
  setTopicStatus(topicId: $topicId, status: $status, at: $at) {
    status
    topic { id }
    progress { done learning skipped total percentDone percentComplete roadmap { id } }
  }
}`;

const SET_NOTE = `mutation SetNote($topicId: ID!, $note: String, $at: DeviceTime) {
  setTopicNote(topicId: $topicId, note: $note, at: $at) { note }
}`;

const FAVORITE = `mutation Fav($id: ID!) { favoriteRoadmap(roadmapId: $id) { favorite } }`;
const UNFAVORITE = `mutation Unfav($id: ID!) { unfavoriteRoadmap(roadmapId: $id) { favorite } }`;

const listeners = new Set();
let flushing = false;
let retryTimer = null;

function storageKey() {
  const user = me();
  return user ? `roadmap.queue.${user.id}` : null;
}

function load() {
  const key = storageKey();
  if (!key) return [];
  try {
    return JSON.parse(localStorage.getItem(key) || '[]');
  } catch (e) {
    return [];
  }
}

function save(queue) {
  const key = storageKey();
  if (key) localStorage.setItem(key, JSON.stringify(queue));
  emit({ kind: 'queue', pending: queue.length });
}

function emit(event) {
  for (const fn of listeners) fn(event);
}

/** `fn({kind: 'queue', pending})` when the queue changes, `fn({kind: 'applied', result})` per answer. */
export function onQueue(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** How many changes wait to be sent. */
export function pendingCount() {
  return load().length;
}

/** The kind of a queued entry (entries queued before notes and favourites were are statuses). */
export function kindOf(entry) {
  return entry.kind || 'status';
}

/** The statuses still queued, by topic id (the newest wins): what the page should show. */
export function pendingStatuses() {
  const out = {};
  for (const entry of load()) if (kindOf(entry) === 'status') out[entry.topicId] = entry.status;
  return out;
}

/** The notes still queued, by topic id (the newest wins). */
export function pendingNotes() {
  const out = {};
  for (const entry of load()) if (entry.kind === 'note') out[entry.topicId] = entry.note;
  return out;
}

/** The favourite still queued for `roadmapId` (true or false), or undefined. */
export function pendingFavorite(roadmapId) {
  let out;
  for (const entry of load()) if (entry.kind === 'favorite' && entry.roadmapId === roadmapId) out = entry.favorite;
  return out;
}

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Queues a status change made now, and tries to send it. */
export function setStatus(topicId, status) {
  const at = new Date().toISOString();
  const body = JSON.stringify({ query: SET_STATUS, variables: { topicId, status, at } });
  enqueue({ kind: 'status', topicId, status, at, body });
}

/** Queues a note (empty clears it) written now, and tries to send it. */
export function setNote(topicId, note) {
  const at = new Date().toISOString();
  const body = JSON.stringify({ query: SET_NOTE, variables: { topicId, note, at } });
  enqueue({ kind: 'note', topicId, note, at, body });
}

/** Queues adding (`favorite` true) or removing a favourite, and tries to send it. */
export function setFavorite(roadmapId, favorite) {
  const body = JSON.stringify({ query: favorite ? FAVORITE : UNFAVORITE, variables: { id: roadmapId } });
  enqueue({ kind: 'favorite', roadmapId, favorite, at: new Date().toISOString(), body });
}

function enqueue(entry) {
  const queue = load();
  queue.push({ key: newKey(), ...entry });
  save(queue);
  flush();
}

/** Sends the queued changes in order; stops at the first that cannot be sent now. */
export async function flush() {
  if (flushing || !me()) return;
  flushing = true;
  clearTimeout(retryTimer);
  try {
    for (;;) {
      const queue = load();
      if (!queue.length) break;
      const entry = queue[0];
      let result;
      try {
        result = await gql(null, null, { body: entry.body, idempotencyKey: entry.key });
      } catch (e) {
        break; // the network is down: keep it for later
      }
      // Not run (server away, rate-limited, still running): try again later, same key and bytes.
      if (result.status >= 500 || result.status === 429 || result.status === 409) break;
      // The session is over (signed out elsewhere): keep it for when the learner signs in again.
      const codes = (result.errors || []).map((e) => e.extensions && e.extensions.code);
      if (codes.includes('UNAUTHENTICATED') || codes.includes('SERVICE_UNAVAILABLE')) break;
      const now = load();
      save(now.filter((e) => e.key !== entry.key));
      emit({ kind: 'applied', entry, result });
    }
  } finally {
    flushing = false;
  }
  if (load().length) retryTimer = setTimeout(flush, 3_000);
}

window.addEventListener('online', () => flush());
