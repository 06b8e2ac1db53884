// The app's entry: routes a path to its page module, keeps the header and the sync line current,
// and turns same-origin link clicks into in-page navigation (deep links load the same page).
import { me, onSession, signOut, start } from './api.js';
import { h, replace } from './dom.js';
import { onLive, startLive, stopLive } from './live.js';
import { flush, onQueue, pendingCount } from './offline.js';
import { isOffline, onNetwork } from './cache.js';
import { mountSearchBox } from './search-box.js';
import ROUTE_LIST from './routes.json' with { type: 'json' };

// The app's paths, one list shared with the server (which answers the page at each of them):
// `{name}` is one path segment, handed to the page as a parameter.
const ROUTES = ROUTE_LIST.map(({ path, page, options }) => [
  new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^/}]+\}/g, '([^/]+)')}$`),
  () => import(`./pages/${page}.js`),
  options,
]);

const main = document.getElementById('main');
let cleanup = null;
let rendering = 0;
// A page may keep itself for some paths (a roadmap and its topics' URLs): `stay(path)` true.
let stay = null;

// Back and Forward keep the place: each history entry remembers its scroll position, restored
// once its page has rendered.
window.history.scrollRestoration = 'manual';
let scrollTimer = null;
function rememberScroll() {
  clearTimeout(scrollTimer);
  window.history.replaceState({ ...(window.history.state || {}), scrollY: window.scrollY }, '');
}
window.addEventListener('scroll', () => {
  clearTimeout(scrollTimer);
  scrollTimer = setTimeout(rememberScroll, 150);
}, { passive: true });

/** Goes to `path` inside the app. */
export function navigate(path) {
  if (path !== window.location.pathname + window.location.search) {
    rememberScroll();
    window.history.pushState(null, '', path);
  }
  if (stay && stay(window.location.pathname)) return;
  render(true);
}

async function render(focus) {
  const ticket = ++rendering;
  if (cleanup) cleanup();
  cleanup = null;
  stay = null;
  const path = window.location.pathname;
  const route = ROUTES.find(([re]) => re.test(path));
  renderNav();
  if (!route) {
    document.title = 'Page not found · Roadmaps';
    replace(main, h('div', { class: 'view not-found' },
      h('h1', { text: 'Page not found' }),
      h('p', { text: `There is no page at ${path}. It may have moved, or the link has a typo.` }),
      h('p', { class: 'row' }, h('a', { class: 'button', href: '/', text: 'Go to the roadmaps' }),
        me() ? h('a', { href: '/dashboard', text: 'Your dashboard' }) : null)));
    document.documentElement.dataset.notFound = 'true';
    return;
  }
  delete document.documentElement.dataset.notFound;
  const [re, load, options] = route;
  const params = (path.match(re) || []).slice(1).map(decodeURIComponent);
  let page;
  try {
    page = await load();
  } catch (e) {
    // The server was upgraded under an open page: its files moved to a new version. Reload once.
    // (Offline, it did not move: say so instead of reloading into the browser's error page.)
    if (isOffline()) {
      replace(main, h('h1', { text: 'Offline' }), h('p', { role: 'alert', text: 'This page has not been opened on this device before. It will load when the connection returns.' }));
      return;
    }
    if (!sessionStorage.getItem('roadmap.reloaded')) {
      sessionStorage.setItem('roadmap.reloaded', '1');
      window.location.reload();
      return;
    }
    throw e;
  }
  sessionStorage.removeItem('roadmap.reloaded');
  if (ticket !== rendering) return;
  // Each page renders into a view of its own: a page still loading when the learner moves on
  // writes into a detached element, and its listeners are dropped by the next render.
  const view = h('div', { class: 'view' }, h('p', { class: 'muted', text: 'Loading…' }));
  replace(main, view);
  const ctx = { navigate, params, options: options || {}, live: (fn) => onLive(fn), queue: (fn) => onQueue(fn) };
  ctx.stay = (fn) => {
    if (ticket === rendering) stay = fn;
  };
  const teardowns = [];
  let stale = false;
  ctx.on = (unsubscribe) => (stale ? unsubscribe() : teardowns.push(unsubscribe));
  cleanup = () => {
    stale = true;
    teardowns.forEach((fn) => fn());
  };
  try {
    await page.render(view, ctx);
  } catch (e) {
    const offline = e && e.name === 'OfflineError';
    replace(view, h('h1', { text: offline ? 'Offline' : 'Something went wrong' }), h('p', { role: 'alert', text: String(e && e.message ? e.message : e) }));
  }
  if (ticket !== rendering) return;
  if (focus) main.focus({ preventScroll: true });
  const state = window.history.state;
  window.scrollTo(0, state && typeof state.scrollY === 'number' ? state.scrollY : 0);
}

function renderNav() {
  const nav = document.getElementById('nav-user');
  const user = me();
  if (!user) {
    // Signing in or up comes back here (not to the form it started from).
    const here = window.location.pathname + window.location.search;
    const next = /^\/(signin|signup)$/.test(window.location.pathname) || here === '/' ? '' : `?next=${encodeURIComponent(here)}`;
    replace(nav, h('a', { href: `/signin${next}`, text: 'Sign in' }), h('a', { href: `/signup${next}`, text: 'Sign up' }));
    return;
  }
  replace(
    nav,
    h('a', { href: '/dashboard', text: 'Dashboard' }),
    h('a', { href: '/review', text: 'Review' }),
    h('a', { href: `/u/${encodeURIComponent(user.username)}`, text: `@${user.username}` }),
    h('a', { href: '/settings', text: 'Settings' }),
    h('button', {
      type: 'button',
      class: 'link',
      text: 'Sign out',
      onclick: async () => {
        stopLive();
        await signOut();
        navigate('/');
      },
    }),
  );
}

function renderSync(pending) {
  const line = document.getElementById('sync');
  if (!pending) {
    replace(line);
    line.classList.remove('waiting');
    return;
  }
  const what = pending === 1 ? '1 change' : `${pending} changes`;
  const why = isOffline() ? 'offline; they will be sent when the connection returns' : 'sending…';
  replace(line, `${what} pending: ${why}`);
  line.classList.add('waiting');
}

document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest('a[href]');
  if (!link || link.target || link.hasAttribute('download')) return;
  const url = new URL(link.href, window.location.href);
  if (url.origin !== window.location.origin || url.pathname.startsWith('/graphql') || url.hash) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});

window.addEventListener('popstate', () => {
  clearTimeout(scrollTimer);
  if (stay && stay(window.location.pathname)) {
    const state = window.history.state;
    if (state && typeof state.scrollY === 'number') window.scrollTo(0, state.scrollY);
    return;
  }
  render(true);
});

// Offline (a request failed on the network, or the browser says so): a banner says what still
// works, until the server answers again.
const banner = h('div', { id: 'offline', class: 'offline-banner', role: 'status' });
document.getElementById('sync').before(banner);
function renderOffline(offline) {
  replace(banner, offline ? 'Offline: pages you opened before are shown as this device saved them; your changes are kept and sent when the connection returns.' : null);
  banner.classList.toggle('shown', offline);
}
onNetwork((offline) => {
  renderOffline(offline);
  renderSync(pendingCount());
});
renderOffline(isOffline());
window.addEventListener('online', () => renderSync(pendingCount()));
window.addEventListener('offline', () => renderSync(pendingCount()));

onQueue((event) => {
  if (event.kind === 'queue') renderSync(event.pending);
});

let lastUser = null;
onSession((user) => {
  renderNav();
  const id = user ? user.id : null;
  if (id === lastUser) return;
  lastUser = id;
  if (user) {
    startLive();
    flush();
    renderSync(pendingCount());
  } else {
    stopLive();
    renderSync(0);
  }
});

mountSearchBox(navigate);

(async () => {
  await start();
  lastUser = me() ? me().id : null;
  renderNav();
  if (me()) {
    startLive();
    flush();
    renderSync(pendingCount());
  }
  await render(false);
  document.documentElement.dataset.ready = 'true';
  // Once the first page shows (not before: its install fetches every file of the app): every
  // page's module, so moving to another page works offline, and the service worker, which
  // keeps the page and its files on this device for a reload offline (see sw.js).
  setTimeout(() => {
    ROUTES.forEach(([, load]) => load().catch(() => {}));
    if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
  }, 1000);
})();
