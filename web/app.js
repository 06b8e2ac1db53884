// The app's entry: routes a path to its page module, keeps the header and the sync line current,
// and turns same-origin link clicks into in-page navigation (deep links load the same page).
import { me, onSession, signOut, start } from './api.js';
import { h, replace } from './dom.js';
import { onLive, startLive, stopLive } from './live.js';
import { flush, onQueue, pendingCount } from './offline.js';

const ROUTES = [
  [/^\/$/, () => import('./pages/catalogue.js')],
  [/^\/signin$/, () => import('./pages/auth.js'), { mode: 'signin' }],
  [/^\/signup$/, () => import('./pages/auth.js'), { mode: 'signup' }],
  [/^\/dashboard$/, () => import('./pages/dashboard.js')],
  [/^\/roadmaps\/([^/]+)$/, () => import('./pages/roadmap.js')],
  [/^\/edit\/([^/]+)$/, () => import('./pages/edit.js')],
  [/^\/teams\/([^/]+)$/, () => import('./pages/team.js')],
  [/^\/u\/([^/]+)$/, () => import('./pages/profile.js')],
];

const main = document.getElementById('main');
let cleanup = null;
let rendering = 0;

/** Goes to `path` inside the app. */
export function navigate(path) {
  if (path !== window.location.pathname + window.location.search) {
    window.history.pushState(null, '', path);
  }
  render(true);
}

async function render(focus) {
  const ticket = ++rendering;
  if (cleanup) cleanup();
  cleanup = null;
  const path = window.location.pathname;
  const route = ROUTES.find(([re]) => re.test(path));
  if (!route) {
    document.title = 'Not found · Roadmaps';
    replace(main, h('h1', { text: 'Page not found' }), h('p', null, h('a', { href: '/', text: 'Back to the roadmaps' })));
    return;
  }
  const [re, load, options] = route;
  const params = (path.match(re) || []).slice(1).map(decodeURIComponent);
  let page;
  try {
    page = await load();
  } catch (e) {
    // The server was upgraded under an open page: its files moved to a new version. Reload once.
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
    replace(view, h('h1', { text: 'Something went wrong' }), h('p', { role: 'alert', text: String(e && e.message ? e.message : e) }));
  }
  if (focus && ticket === rendering) main.focus();
}

function renderNav() {
  const nav = document.getElementById('nav-user');
  const user = me();
  if (!user) {
    replace(nav, h('a', { href: '/signin', text: 'Sign in' }), h('a', { href: '/signup', text: 'Sign up' }));
    return;
  }
  replace(
    nav,
    h('a', { href: '/dashboard', text: 'Dashboard' }),
    h('a', { href: `/u/${encodeURIComponent(user.username)}`, text: `@${user.username}` }),
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
  const why = navigator.onLine ? 'sending…' : 'offline; they will be sent when the connection returns';
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

window.addEventListener('popstate', () => render(true));
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
})();
