// Live updates: a hand-written client of the graphql-transport-ws protocol (it is small:
// connection_init → connection_ack, subscribe, next / error / complete, ping → pong) for
// `myProgressChanged`, so a change made on another device shows here as it is committed.
import { me, refresh, token } from './api.js';

const SUBSCRIPTION = `subscription Live { myProgressChanged {
  kind roadmapId
  changes { topicId to }
  note { topicId note }
  progress { done learning skipped total percentDone percentComplete }
} }`;

let socket = null;
let wanted = false;
let backoff = 500;
let retryTimer = null;
const listeners = new Set();

/** Calls `fn(change)` for every pushed change, and `fn({ kind: 'RESYNC' })` after a reconnect. */
export function onLive(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(change) {
  for (const fn of listeners) fn(change);
}

function url() {
  const u = new URL('/graphql', window.location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.href;
}

function schedule() {
  clearTimeout(retryTimer);
  if (!wanted) return;
  retryTimer = setTimeout(connect, backoff);
  backoff = Math.min(backoff * 2, 8_000);
}

let connectedOnce = false;

function connect() {
  if (!wanted || socket || !token()) return;
  const ws = new WebSocket(url(), 'graphql-transport-ws');
  socket = ws;
  let used = null;
  ws.addEventListener('open', () => {
    used = token();
    ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${used}` } }));
  });
  ws.addEventListener('message', (event) => {
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (msg.type === 'connection_ack') {
      backoff = 500;
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION } }));
      const root = document.documentElement;
      root.dataset.live = 'on';
      root.dataset.liveConnections = String((Number(root.dataset.liveConnections) || 0) + 1);
      // Anything missed while disconnected: the page reloads what it shows.
      if (connectedOnce) emit({ kind: 'RESYNC' });
      connectedOnce = true;
    } else if (msg.type === 'next' && msg.payload && msg.payload.data) {
      emit(msg.payload.data.myProgressChanged);
    } else if (msg.type === 'ping') {
      ws.send(JSON.stringify({ type: 'pong' }));
    }
  });
  ws.addEventListener('close', async (event) => {
    if (socket === ws) socket = null;
    delete document.documentElement.dataset.live;
    if (!wanted) return;
    if ((event.code === 4403 || event.code === 4401) && token() === used) {
      // The token expired or was revoked (and was not renewed meanwhile): a fresh one, or we
      // are signed out.
      const ok = await refresh().catch(() => true);
      if (!ok) return;
    }
    schedule();
  });
}

/** Keeps the subscription open while someone is signed in. */
export function startLive() {
  wanted = Boolean(me());
  if (wanted) connect();
}

/** Closes the subscription (on sign-out). */
export function stopLive() {
  wanted = false;
  connectedOnce = false;
  clearTimeout(retryTimer);
  if (socket) socket.close(1000);
  socket = null;
}

window.addEventListener('online', () => {
  backoff = 500;
  if (wanted && !socket) connect();
});
