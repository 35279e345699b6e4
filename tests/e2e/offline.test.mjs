// What the portal keeps in the browser, and when it forecasts on the device:
// after a signed session the service worker's cache holds the app and never
// an endpoint, sign-in, container, ping or metrics answer; secrets are in
// sessionStorage only (never localStorage) and gone after sign-out; an
// endpoint that answers after 5 s (a delaying proxy) is given up at 4 s and
// the device forecasts.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createServer, request as forward } from "node:http";
import { join } from "node:path";
import { browser, serve, shot, trainedModels } from "./harness.mjs";

const PASSWORD = "customer-1-secret";
const NEVER_CACHED = [/^\/endpoints\//, /^\/auth\//, /^\/models(\/|$)/, /^\/ping$/, /^\/metrics$/];
const INVOCATION_DELAY_MS = 5000;

let dir, server, proxy, chrome;
before(async () => {
  dir = trainedModels(2, { 1: PASSWORD });
  // With the MME container routes, so that GET /models answers 200 (cacheable, were it not excluded).
  mkdirSync(join(dir, "container"));
  server = await serve(dir, 0, ["--container-root", join(dir, "container")]);
  proxy = await delayingProxy(server.url, INVOCATION_DELAY_MS);
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
  await proxy?.stop();
  await server?.stop();
});

/**
 * Forwards everything to `target` unchanged (the Host header too, which the
 * signature covers), holding InvokeEndpoint calls back for `delayMs` while
 * `slow` is set. Counts the invocations it received and answered.
 */
async function delayingProxy(target, delayMs) {
  const upstream = new URL(target);
  const state = { slow: false, received: 0, answered: 0 };
  const held = new Set();
  const http = createServer((req, res) => {
    const invocation = req.method === "POST" && /^\/endpoints\/[^/]+\/invocations$/.test(req.url);
    const body = [];
    req.on("data", (c) => body.push(c));
    req.on("end", () => {
      if (invocation) state.received += 1;
      const send = () => {
        const out = forward(
          { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode, answer.headers);
            answer.pipe(res);
            answer.on("end", () => invocation && (state.answered += 1));
          },
        );
        out.on("error", () => res.destroy());
        out.end(Buffer.concat(body));
      };
      if (!(invocation && state.slow)) return send();
      const timer = setTimeout(() => { held.delete(timer); send(); }, delayMs);
      held.add(timer);
    });
  });
  await new Promise((ok) => http.listen(0, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${http.address().port}`,
    state,
    stop: () => new Promise((ok) => {
      for (const timer of held) clearTimeout(timer);
      http.closeAllConnections();
      http.close(ok);
    }),
  };
}

async function signIn(page) {
  const login = page.waitForResponse((r) => new URL(r.url()).pathname === "/auth/login" && r.status() === 200);
  await page.fill("#customer-id", "1");
  await page.fill("#password", PASSWORD);
  await page.click(".sign-in button[type=submit]");
  const reply = await (await login).json();
  await page.waitForSelector(".usage svg polyline.history");
  return reply;
}

async function requestForecast(page, days, source, timeout = 15000) {
  await page.fill("#horizon", String(days));
  await page.click(".forecast button[type=submit]");
  await page.waitForSelector(`#forecast-source[data-source=${source}]`, { timeout });
  await page.waitForFunction((n) => document.querySelectorAll(".forecast tbody tr").length === n, days);
  return page.$$eval(".forecast tbody tr", (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
}

/** Every URL path in every Cache Storage cache of the page's origin. */
function cachedPaths(page) {
  return page.evaluate(async () => {
    const paths = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const r of await cache.keys()) paths.push(new URL(r.url).pathname);
    }
    return paths;
  });
}

function storage(page, kind) {
  return page.evaluate((kind) => {
    const s = window[kind];
    return Object.fromEntries([...Array(s.length).keys()].map((i) => [s.key(i), s.getItem(s.key(i))]));
  }, kind);
}

test("after a signed session the service worker has cached the app, no API answer, and secrets are in sessionStorage only", async () => {
  const context = await chrome.newContext();
  const page = await context.newPage();
  await page.goto(server.url + "/");
  await page.evaluate(() => navigator.serviceWorker.ready);
  // The worker controls the page from the next load on; reload so every fetch goes through it.
  await page.reload();
  assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller), "the service worker controls the page");

  const reply = await signIn(page);
  const secrets = { password: PASSWORD, secret: reply.SecretAccessKey, token: reply.SessionToken };
  for (const [what, value] of Object.entries(secrets)) assert.ok(value?.length >= 8, `the sign-in gave a ${what}`);
  const rows = await requestForecast(page, 7, "endpoint");
  assert.equal(rows.length, 7);
  // GETs of every never-cached kind through the worker (the portal's signed artifact download
  // went the same way): /ping, /metrics and /models answer 200, and still none is kept.
  const statuses = await page.evaluate(async () => {
    const paths = ["/ping", "/metrics", "/models", "/models/1.tar.gz", "/endpoints/gridcast/models/1.tar.gz", "/auth/login"];
    return Promise.all(paths.map(async (p) => [p, (await fetch(p)).status]));
  });
  for (const ok of ["/ping", "/metrics", "/models"]) assert.equal(Object.fromEntries(statuses)[ok], 200, JSON.stringify(statuses));

  const paths = await cachedPaths(page);
  assert.ok(paths.includes("/"), `the app shell is cached: ${paths}`);
  assert.ok(paths.some((p) => p.endsWith(".wasm")), `the wasm is cached: ${paths}`);
  const forbidden = paths.filter((p) => NEVER_CACHED.some((re) => re.test(p)));
  assert.deepEqual(forbidden, [], "never cached");
  // And no cached body carries a secret.
  const bodies = await page.evaluate(async () => {
    const out = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const r of await cache.keys()) out.push(await (await cache.match(r)).text());
    }
    return out.join("\n");
  });
  for (const [what, value] of Object.entries(secrets)) assert.ok(!bodies.includes(value), `the ${what} is in the cache`);

  // localStorage: settings only, no secret; sessionStorage: this tab's session.
  const local = await storage(page, "localStorage");
  const session = await storage(page, "sessionStorage");
  const localText = JSON.stringify(local);
  for (const [what, value] of Object.entries(secrets)) assert.ok(!localText.includes(value), `the ${what} is in localStorage`);
  for (const key of Object.keys(local)) assert.equal(key, "gridcast.settings", `unexpected localStorage key ${key}`);
  assert.ok(JSON.stringify(session).includes(reply.SecretAccessKey), "the session lives in sessionStorage");
  await shot(page, "20-signed-session-storage");

  await page.click("text=Sign out");
  await page.waitForSelector(".sign-in");
  const afterSignOut = JSON.stringify([await storage(page, "sessionStorage"), await storage(page, "localStorage")]);
  for (const [what, value] of Object.entries(secrets)) assert.ok(!afterSignOut.includes(value), `the ${what} outlives sign-out`);
  await context.close();
});

test("an endpoint that answers after 5 seconds is given up at 4 and the device forecasts", async () => {
  const context = await chrome.newContext();
  const page = await context.newPage();
  await page.goto(proxy.url + "/");
  await signIn(page); // through the proxy: the artifact is stored on the device
  const online = await requestForecast(page, 7, "endpoint");
  assert.equal(proxy.state.received, 1);

  proxy.state.slow = true;
  const asked = Date.now();
  const device = await requestForecast(page, 7, "device", 15000);
  const waited = Date.now() - asked;
  assert.equal(proxy.state.received, 2, "the slow invocation reached the endpoint");
  assert.equal(proxy.state.answered, 1, "the device answered before the endpoint did");
  assert.ok(waited >= 4000 && waited < INVOCATION_DELAY_MS, `the device answered after ${waited} ms: not after the 4 s limit, before the endpoint`);
  assert.match(await page.textContent("#forecast-source"), /this device.*did not answer within 4 seconds/s);
  assert.deepEqual(device.map((r) => [r[0], r[1]]), online.map((r) => [r[0], r[1]]), "same dates and yhat");
  await shot(page, "21-slow-endpoint-device-forecast");
  await context.close();
});
