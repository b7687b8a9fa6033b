// Service worker for advocates' offline visits (registered only from advocates' pages).
// The server puts `FILES` (the built CSS and offline code) and `PAGE` (the offline plan page) above this.
// It keeps no one's data: the plan and the outbox are encrypted in IndexedDB by the page, and the keys to
// them live here in memory only, so a reload without a signal can open the plan again. When the browser stops
// this worker, the keys are gone until the advocate has a signal and is signed in again.
/* global FILES, PAGE */
const CACHE = 'advocate-offline-v1'
const PLAN = /^\/people\/\d+\/plan(\/|$)/
const WORDS = /^\/offline\/words\//
const keys = new Map()

// The offline page (in the advocate's language of the moment), today's built files and the words of that language
// (`words`: the address the page that asked names), and nothing older.
async function keep (words) {
  const kept = [PAGE, ...FILES, ...(words ? [new URL(words, self.location.origin).pathname] : [])]
  const cache = await caches.open(CACHE)
  await cache.addAll(kept)
  for (const request of await cache.keys()) {
    if (!kept.includes(new URL(request.url).pathname)) await cache.delete(request)
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(keep().then(() => self.skipWaiting()))
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  )
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  if (request.mode === 'navigate' && PLAN.test(url.pathname)) {
    // Network first: online, the page is the server's, always fresh; without a signal, the offline page.
    event.respondWith(fetch(request).catch(() => caches.match(PAGE).then((page) => page || Response.error())))
  } else if (FILES.includes(url.pathname) || WORDS.test(url.pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)))
  }
})

self.addEventListener('message', (event) => {
  const { type, visit, key } = event.data || {}
  if (type === 'key') keys.set(visit, key)
  // A plan taken (again): the offline page is kept afresh, in the language the advocate now uses.
  if (type === 'refresh') event.waitUntil(keep(event.data.words))
  if (type === 'forget') {
    keys.clear()
    event.waitUntil(caches.delete(CACHE))
  }
  // Asked by a page that has just loaded (also keeps the worker running while a page is open).
  if (type === 'keys' && event.ports[0]) event.ports[0].postMessage(new Map(keys))
})

// Background Sync (Chromium only, never relied on): the signal is back, so any open page sends its outbox.
self.addEventListener('sync', (event) => {
  if (event.tag !== 'offline-outbox') return
  event.waitUntil(self.clients.matchAll({ type: 'window' }).then((pages) => pages.forEach((page) => page.postMessage({ type: 'send' }))))
})
