// Talking to the server: GraphQL over HTTP at /graphql, and the session.
//
// The access token lives in this module's memory only. The refresh token lives in an HttpOnly
// cookie scoped to /auth (see the README's "Web app"): on start, and before the access token
// expires, POST /auth/refresh rotates it and hands back a fresh access token. Tabs share the
// cookie, so refreshes take a cross-tab lock: two tabs never present the same (single-use) token.
// Query answers are kept on the device and handed back while offline (see cache.js).
import { copyOf, forgetCopies, isQuery, keep, noteReachable, OfflineError } from './cache.js';

let accessToken = null;
let expiresAt = 0;
let viewer = null; // { id, username, displayName, role }
let timer = null;
const listeners = new Set();

/** The signed-in user, or null. */
export function me() {
  return viewer;
}

/** The access token (for the WebSocket's connection_init), or null. */
export function token() {
  return accessToken;
}

/** Calls `fn(viewer)` on every sign-in, sign-out and refresh of the user; returns an unsubscriber. */
export function onSession(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function announce() {
  for (const fn of listeners) fn(viewer);
}

/** The token's lifetime in ms from its own claims (`exp - iat`), or null. */
function lifetimeOf(jwt) {
  try {
    const claims = JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return (claims.exp - claims.iat) * 1000;
  } catch (e) {
    return null;
  }
}

function adopt(session) {
  accessToken = session.accessToken;
  // Counted on this device's clock, which may not agree with the server's.
  const lifetime = lifetimeOf(session.accessToken);
  expiresAt = lifetime ? Date.now() + lifetime : Date.parse(session.accessTokenExpiresAt) || Date.now() + 60_000;
  clearTimeout(timer);
  // Refresh a minute before expiry (half-way for lifetimes under two minutes).
  const left = expiresAt - Date.now();
  const delay = Math.max(5_000, left > 120_000 ? left - 60_000 : left / 2);
  timer = setTimeout(() => refresh().catch(() => {}), delay);
}

// Who was signed in on this device (id, username, display name, role), kept so that a page
// opened with no connection still knows whose saved copies to show; dropped when the session
// ends. Never a token: the session itself stays in the HttpOnly cookie.
const REMEMBERED = 'roadmap.viewer';

function remember(user) {
  try {
    if (user) localStorage.setItem(REMEMBERED, JSON.stringify(user));
    else localStorage.removeItem(REMEMBERED);
  } catch (e) {
    // Storage refused (full, or disabled): offline starts show the signed-out copies.
  }
}

function remembered() {
  try {
    const user = JSON.parse(localStorage.getItem(REMEMBERED) || 'null');
    return user && typeof user.id === 'string' ? user : null;
  } catch (e) {
    return null;
  }
}

function forget() {
  accessToken = null;
  expiresAt = 0;
  viewer = null;
  remember(null);
  clearTimeout(timer);
}

async function withLock(fn) {
  if (navigator.locks && navigator.locks.request) {
    return navigator.locks.request('roadmap-session', fn);
  }
  return fn();
}

async function postAuth(path, body) {
  return fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body || {}),
  });
}

let refreshing = null;
// True while refresh() itself asks who the user is: that request must not refresh again.
let insideRefresh = false;

// While an operation that replaces or ends the session runs (changing the password, deleting the
// account), the cookie's token is about to be revoked. A refresh asked for meanwhile (the live
// socket, closed by that very revocation, asks for one) waits for it and uses what it left: a
// refresh that ran first would present a revoked token and sign this device out.
let settling = null;

/** Runs `op` (an async function that replaces or ends the session); see `settling`. */
export async function changingSession(op) {
  const run = op();
  settling = run.catch(() => {});
  try {
    return await run;
  } finally {
    settling = null;
  }
}

/**
 * Exchanges the cookie for a fresh access token. Resolves true when signed in, false when there
 * is no session; throws when the server could not be reached (the session may still be good).
 */
export async function refresh() {
  if (settling) {
    const before = accessToken;
    await settling;
    if (!accessToken) return false;
    if (accessToken !== before) return true;
  }
  return refreshNow();
}

// The refresh itself; gql() calls it directly, since a changingSession op's own requests must
// not wait for that op.
function refreshNow() {
  if (!refreshing) {
    refreshing = withLock(async () => {
      const resp = await postAuth('/auth/refresh');
      // 204: no session cookie at all; 401: the session is over.
      if (resp.status === 204 || resp.status === 401) {
        const had = viewer !== null;
        forget();
        if (had) announce();
        return false;
      }
      if (!resp.ok) throw new Error(`refresh answered ${resp.status}`);
      adopt(await resp.json());
      if (!viewer) {
        insideRefresh = true;
        try {
          await loadViewer();
        } finally {
          insideRefresh = false;
        }
      }
      return true;
    }).finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function loadViewer() {
  const result = await gql('query Viewer { me { id username displayName role } }');
  viewer = (result.data && result.data.me) || null;
  remember(viewer);
  announce();
}

/** On page start: signed in again from the cookie, when there is one. */
export async function start() {
  try {
    await refresh();
  } catch (e) {
    // Offline or the server is away: the user who was signed in here sees what this device
    // saved for them; the first request that reaches the server refreshes the session.
    viewer = remembered();
  }
  return viewer;
}

/**
 * Runs a GraphQL operation. `opts.body` sends those exact bytes (a queued change's retry must
 * be byte-identical), `opts.idempotencyKey` adds the Idempotency-Key header. Resolves to the
 * answer's JSON with `status` added; rejects when the network failed.
 */
export async function gql(query, variables, opts) {
  const options = opts || {};
  const body = options.body || JSON.stringify({ query, variables: variables || {} });
  if (accessToken && !insideRefresh && expiresAt - Date.now() < 15_000) {
    await refreshNow().catch(() => {});
  } else if (viewer && !accessToken && !insideRefresh) {
    // Started offline: the session is still to be fetched.
    await refreshNow().catch(() => {});
  }
  const send = async () => {
    const headers = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    };
    if (accessToken) headers.authorization = `Bearer ${accessToken}`;
    if (options.idempotencyKey) headers['idempotency-key'] = `"${options.idempotencyKey}"`;
    const resp = await fetch('/graphql', { method: 'POST', headers, body, credentials: 'same-origin' });
    let json;
    try {
      json = await resp.json();
    } catch (e) {
      json = { errors: [{ message: `The server answered ${resp.status}`, extensions: { code: 'HTTP' } }] };
    }
    json.status = resp.status;
    return json;
  };
  let result;
  try {
    result = await send();
  } catch (e) {
    // The network is down: a query answers from the copy kept on this device, if any.
    noteReachable(false);
    const copy = isQuery(body) ? copyOf(viewer ? viewer.id : 'anon', body) : null;
    if (copy) return copy;
    throw new OfflineError();
  }
  noteReachable(true);
  if (isQuery(body) && result.status === 200) keep(viewer ? viewer.id : 'anon', body, result);
  const unauthenticated = (result.errors || []).some((e) => e.extensions && e.extensions.code === 'UNAUTHENTICATED');
  if (unauthenticated && accessToken && !insideRefresh) {
    if (await refreshNow().catch(() => false)) result = await send();
  }
  return result;
}

export const AUTH_FIELDS = 'accessToken accessTokenExpiresAt refreshToken user { id username displayName role }';

/** Signs in or up (`kind`: 'signIn' | 'signUp'); resolves to the GraphQL answer. */
export async function authenticate(kind, input) {
  const op = kind === 'signUp' ? 'SignUp' : 'SignIn';
  const type = kind === 'signUp' ? 'SignUpInput' : 'SignInInput';
  const result = await gql(`mutation ${op}($input: ${type}!) { ${kind}(input: $input) { ${AUTH_FIELDS} } }`, { input });
  const payload = result.data && result.data[kind];
  if (!payload) return result;
  return (await keepSession(payload)) || result;
}

/**
 * Keeps the session of an `AuthPayload` (sign-in, sign-up, changePassword): hands its refresh
 * token to the cookie at once (it is rotated there: this copy is spent). Resolves to null, or to
 * an answer with an error when the session could not be kept.
 */
export async function keepSession(payload) {
  const resp = await withLock(() => postAuth('/auth/session', { refreshToken: payload.refreshToken }));
  if (!resp.ok) {
    return { errors: [{ message: 'Signed in, but the session could not be kept; try again', extensions: {} }] };
  }
  adopt(await resp.json());
  viewer = payload.user;
  remember(viewer);
  announce();
  return null;
}

/** Ends this session (the cookie's) and forgets the tokens. */
export async function signOut() {
  await withLock(() => postAuth('/auth/signout')).catch(() => {});
  if (viewer) forgetCopies(viewer.id);
  forget();
  announce();
}
