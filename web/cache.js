// Offline copies of what the learner read: the answer to every query (never a mutation) is kept
// in localStorage under the signed-in user's id (or "anon"), and handed back when the network is
// down, marked `offline: true`. At most KEEP answers per user, the oldest dropped first; a
// sign-out drops the user's copies. Also tracks whether the server can be reached, for the
// page's "offline" banner: a request that failed on the network says offline, one that got an
// answer says online.

const KEEP = 40;
const PREFIX = 'roadmap.copy.';
const listeners = new Set();
let reachable = navigator.onLine !== false;

/** An error a page can show as it is: the network is down and no copy was kept. */
export class OfflineError extends Error {
  constructor() {
    super('You are offline, and this page has not been opened on this device before. It will load when the connection returns.');
    this.name = 'OfflineError';
  }
}

/** Whether the app believes it is offline. */
export function isOffline() {
  return !reachable || navigator.onLine === false;
}

/** `fn(offline)` whenever that belief changes; returns an unsubscriber. */
export function onNetwork(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function announce() {
  const offline = isOffline();
  for (const fn of listeners) fn(offline);
}

/** The network answered (true) or failed (false). */
export function noteReachable(ok) {
  if (reachable === ok) return;
  reachable = ok;
  announce();
}

window.addEventListener('offline', announce);
window.addEventListener('online', () => {
  reachable = true;
  announce();
});

/** FNV-1a over the request body: the copy's name. */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16);
}

function indexKey(owner) {
  return `${PREFIX}${owner}.index`;
}

function readIndex(owner) {
  try {
    const list = JSON.parse(localStorage.getItem(indexKey(owner)) || '[]');
    return Array.isArray(list) ? list : [];
  } catch (e) {
    return [];
  }
}

/** Whether `body` (a GraphQL request's JSON) is a query whose answer may be kept. */
export function isQuery(body) {
  try {
    const { query } = JSON.parse(body);
    return typeof query === 'string' && /^\s*(query\b|\{)/.test(query);
  } catch (e) {
    return false;
  }
}

/** Keeps `result`, the answer to `body`, for `owner`. Best effort: a full storage drops old copies. */
export function keep(owner, body, result) {
  if (!result || !result.data || result.errors) return;
  const name = hash(body);
  const index = readIndex(owner).filter((n) => n !== name);
  index.push(name);
  const text = JSON.stringify({ body, result });
  for (let attempt = 0; attempt < 3; attempt += 1) {
    while (index.length > KEEP) localStorage.removeItem(`${PREFIX}${owner}.${index.shift()}`);
    try {
      localStorage.setItem(`${PREFIX}${owner}.${name}`, text);
      localStorage.setItem(indexKey(owner), JSON.stringify(index));
      return;
    } catch (e) {
      // Storage full: drop the older half and try again.
      const drop = index.splice(0, Math.max(1, Math.floor((index.length - 1) / 2)));
      drop.forEach((n) => localStorage.removeItem(`${PREFIX}${owner}.${n}`));
      index.push(...(index.includes(name) ? [] : [name]));
    }
  }
}

/** The kept answer to `body` for `owner`, marked `offline: true`, or null. */
export function copyOf(owner, body) {
  try {
    const kept = JSON.parse(localStorage.getItem(`${PREFIX}${owner}.${hash(body)}`) || 'null');
    if (!kept || kept.body !== body) return null;
    return { ...kept.result, offline: true };
  } catch (e) {
    return null;
  }
}

/** Drops every copy kept for `owner` (on sign-out). */
export function forgetCopies(owner) {
  readIndex(owner).forEach((n) => localStorage.removeItem(`${PREFIX}${owner}.${n}`));
  localStorage.removeItem(indexKey(owner));
}
