// The portal's service worker (ARCHITECTURE.md): network first, the cache when offline; the
// app shell is precached on install. Forecast and sign-in calls are never cached.

const CACHE = "gridcast-shell-v2";
// demo-logins.json: the demo's passwords (make run), never kept.
const NEVER = [/^\/endpoints\//, /^\/auth\//, /^\/models(\/|$)/, /^\/ping$/, /^\/metrics$/, /\/demo-logins\.json$/];

function scopePath(path) {
  const base = new URL(self.registration.scope).pathname;
  return path.startsWith(base) ? "/" + path.slice(base.length) : path;
}

async function precache() {
  const cache = await caches.open(CACHE);
  const index = new URL("./", self.registration.scope).href;
  const response = await fetch(index, { cache: "no-store" });
  if (!response.ok) throw new Error("cannot fetch the app shell: " + response.status);
  const html = await response.clone().text();
  await cache.put(index, response);
  // The on-device engine, which the page imports only when it needs it.
  const assets = new Set(["pkg-engine/gridcast_js.js", "pkg-engine/gridcast_js_bg.wasm"].map((p) => new URL(p, index).href));
  for (const m of html.matchAll(/(?:href|src)="([^"]+)"/g)) {
    const url = new URL(m[1], index);
    if (url.origin === self.location.origin) assets.add(url.href);
  }
  await cache.addAll([...assets]);
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (NEVER.some((re) => re.test(scopePath(url.pathname)))) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(request);
        if (response.ok) await cache.put(request, response.clone());
        return response;
      } catch (offline) {
        const key = request.mode === "navigate" ? new URL("./", self.registration.scope).href : request;
        // ignoreVary: the endpoint varies on Origin (CORS), and module scripts
        // send one while the precache did not.
        const cached = await cache.match(key, { ignoreSearch: request.mode === "navigate", ignoreVary: true });
        if (cached) return cached;
        throw offline;
      }
    })(),
  );
});
