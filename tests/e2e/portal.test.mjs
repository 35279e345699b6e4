// The portal end to end in a real browser: sign in, usage chart, a forecast
// from the endpoint, the endpoint stopped (forecast on the device), the page
// reloaded with no network (service worker + IndexedDB) and a forecast again.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { browser, serve, shot, trainedModels } from "./harness.mjs";

let dir, server, server2, chrome;
before(async () => {
  dir = trainedModels(3, { 1: "customer-1-secret" });
  server = await serve(dir);
  server2 = await serve(dir);
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
  await server?.stop();
  await server2?.stop();
});

async function forecastRows(page) {
  return page.$$eval(".forecast tbody tr", (rows) =>
    rows.map((r) => [...r.children].map((c) => c.textContent)),
  );
}

async function requestForecast(page, days, source) {
  await page.fill("#horizon", String(days));
  await page.click(".forecast button[type=submit]");
  await page.waitForSelector(`#forecast-source[data-source=${source}]`, { timeout: 15000 });
  await page.waitForFunction((n) => document.querySelectorAll(".forecast tbody tr").length === n, days);
  return forecastRows(page);
}

test("sign in, forecast online, then on the device, then offline after a reload", async () => {
  const context = await chrome.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(server.url + "/");
  await page.evaluate(() => navigator.serviceWorker.ready);

  // A wrong password is told as such, and says what to do.
  await page.fill("#customer-id", "1");
  await page.fill("#password", "not-it");
  await page.click(".sign-in button[type=submit]");
  const wrong = await page.waitForSelector(".sign-in [role=alert]");
  assert.match(await wrong.textContent(), /Wrong customer id or password.*Check the customer id/);
  await shot(page, "00-wrong-password");

  await page.fill("#password", "customer-1-secret");
  await page.click(".sign-in button[type=submit]");
  await page.waitForSelector(".usage svg polyline.history");
  assert.equal(await page.textContent(".who"), "Customer 1");
  const totals = await page.$$eval(".total .figure", (f) => f.map((x) => Number(x.textContent)));
  assert.equal(totals.length, 2);
  assert.ok(totals[0] > 0 && totals[1] > totals[0], `totals ${totals}`);
  await shot(page, "01-usage");

  const online = await requestForecast(page, 14, "endpoint");
  assert.equal(online.length, 14);
  assert.match(await page.textContent("#forecast-source"), /forecast service.*trained on readings up to 2022-12-24/);
  assert.ok(await page.$(".usage svg polygon.band"), "the chart shows the uncertainty band");
  const csv = decodeURIComponent((await page.getAttribute("a[download]", "href")).split(",")[1]);
  assert.equal(csv.split("\n")[0], "ds,yhat,yhat_lower,yhat_upper");
  assert.equal(csv.trim().split("\n").length, 15);
  await shot(page, "02-forecast-online");

  // The first sign-in's download was checked by the on-device engine (a second wasm module);
  // a visit whose model is current (304) shows it from the facts kept beside it, without it.
  const engineLoads = () => page.evaluate(() => performance.getEntriesByType("resource").filter((r) => r.name.includes("/pkg-engine/")).length);
  assert.ok((await engineLoads()) > 0, "the new download was checked by the engine module");
  await page.reload();
  await page.waitForSelector(".usage svg polyline.history");
  await page.waitForLoadState("networkidle");
  assert.equal(await engineLoads(), 0, "no engine module for a current model");
  assert.deepEqual(await page.$$eval(".total .figure", (f) => f.map((x) => Number(x.textContent))), totals);

  // The endpoint goes away: the same forecast comes from this device.
  await server.stop();
  const device = await requestForecast(page, 14, "device");
  assert.equal(online[0].length, 4, "date, forecast and the band's two bounds");
  assert.deepEqual(device, online, "same dates, forecast and uncertainty band");
  assert.match(await page.textContent("#forecast-source"), /this device \(offline\).*cannot be reached/s);
  await shot(page, "03-forecast-on-device");

  // No network at all: the service worker serves the app, IndexedDB the model.
  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector(".usage svg polyline.history");
  const offline = await requestForecast(page, 7, "device");
  assert.deepEqual(offline.map((r) => r[1]), online.slice(0, 7).map((r) => r[1]));
  await shot(page, "04-offline-reload");

  // A phone-sized screen: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than a phone`);
  await shot(page, "05-phone");
  assert.deepEqual(errors, []);
  await context.close();
});

test("an operator points the portal at an endpoint and forecasts with access keys", async () => {
  const context = await chrome.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  await page.goto(server2.url + "/");
  await page.click("text=Settings");
  // Every field is checked, with the reason shown.
  await page.fill("#region", "US East");
  await page.click("text=Save endpoint");
  assert.match(await page.textContent(".settings [role=alert]"), /region "US East" must look like us-east-1/);
  await page.fill("#region", "us-east-1");
  await page.fill("#keys-customer", "2");
  await page.fill("#access-key", "AKIDOPERATOR");
  await page.fill("#secret-key", "operator-secret");
  await page.click("text=Use these keys");
  await page.waitForSelector(".usage svg polyline.history");
  assert.equal(await page.textContent(".who"), "Customer 2");
  const rows = await requestForecast(page, 3, "endpoint");
  assert.equal(rows.length, 3);
  // Typed keys are a session too: never in localStorage.
  const local = await page.evaluate(() => JSON.stringify({ ...localStorage }));
  assert.ok(!local.includes("operator-secret"), "the typed secret key is in localStorage");
  assert.ok(await page.evaluate(() => JSON.stringify({ ...sessionStorage }).includes("operator-secret")), "typed keys live in sessionStorage");
  await shot(page, "06-operator-keys");
  // Wrong keys: told what to check.
  await page.click("text=Sign out");
  await page.click("text=Settings");
  await page.fill("#keys-customer", "2");
  await page.fill("#access-key", "AKIDOPERATOR");
  await page.fill("#secret-key", "not-the-secret");
  await page.click("text=Use these keys");
  await page.fill("#horizon", "3");
  await page.click(".forecast button[type=submit]");
  const refused = await page.waitForSelector(".forecast [role=alert]");
  assert.match(await refused.textContent(), /refused the credentials.*Check the access keys and the region/s);
  await shot(page, "07-wrong-keys");
  await context.close();
});
