// The service worker: a page opened before opens again with no connection, even on a reload or a
// new tab. The server answers this file at /sw.js (the whole site is its scope) with this build's
// version and file list filled in; a new build is a new worker, which drops the old files.
//
// - The app's files (`/app/<version>/…`, immutable) come from the device once kept.
// - A page (a navigation) comes from the network; when the network fails, the shell kept at
//   install answers instead, and the app shows what this device saved (cache.js) with its
//   "offline" banner.
// - Everything else (GraphQL, /auth, badges) is not touched: the app handles its own offline.
const VERSION = '{{version}}';
const FILES = {{files}};
const CACHE = `roadmap-app-${VERSION}`;
const SHELL = '/';

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll([SHELL, ...FILES]);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith('roadmap-app-') && n !== CACHE).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

async function page(request) {
  try {
    return await fetch(request);
  } catch (e) {
    const shell = await caches.match(SHELL, { cacheName: CACHE });
    if (shell) return shell;
    throw e;
  }
}

async function file(request) {
  const kept = await caches.match(request, { cacheName: CACHE });
  return kept || fetch(request);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith(`/app/${VERSION}/`)) {
    event.respondWith(file(request));
  }
});
