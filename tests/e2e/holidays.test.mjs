// A country-holidays model (Python Prophet's US weather model: temperature, weekly cycle, US
// holidays) in the portal and the widget. Devices carry no holiday tables: each fetches the model's
// country table (signed GET /endpoints/{name}/holidays/{TargetModel}) when it syncs the artifact
// and keeps it beside it in IndexedDB, so with the endpoint stopped it forecasts Christmas and New
// Year's as the endpoint (and Python) does. A device that never got the table says so rather than
// forecast without the holidays.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { browser, serve, shot, oneWidgetHost, holidayModels } from "./harness.mjs";

const PASSWORD = "customer-0-secret";
// The feed has the model's temperature for its first 14 days: 2023-12-21 to 2024-01-03.
const DAYS = 14;
const python = JSON.parse(
  readFileSync(resolve(import.meta.dirname, "../../crates/gridcast-client/tests/holidays/us_weather.json"), "utf8"),
);

let dir, server, port, host, chrome;
const withFeed = () => ["--future-covariates", join(dir, "feed.csv")];
before(async () => {
  dir = holidayModels({ 0: PASSWORD }, DAYS);
  server = await serve(dir, 0, withFeed());
  port = new URL(server.url).port;
  host = await oneWidgetHost("/examples/holidays.html", DAYS, PASSWORD);
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
  await host?.stop();
  await server?.stop();
});

async function signIn(page) {
  await page.goto(server.url + "/");
  await page.fill("#customer-id", "0");
  await page.fill("#password", PASSWORD);
  await page.click(".sign-in button[type=submit]");
  await page.waitForSelector(".usage svg polyline.history");
}

/** Asks for DAYS days and waits for `DAYS` rows from `source`. */
async function forecast(page, source) {
  await page.fill("#horizon", String(DAYS));
  await page.click(".forecast button[type=submit]");
  await page.waitForFunction(
    ([source, rows]) =>
      document.querySelector(`#forecast-source[data-source=${source}]`) &&
      document.querySelectorAll(".forecast tbody tr").length === rows,
    [source, DAYS],
    { timeout: 15000 },
  );
  return page.$$eval(".forecast tbody tr", (trs) => trs.map((r) => [...r.children].map((c) => c.textContent)));
}

/** Restarts the endpoint (after a test stopped it). */
async function restart() {
  server = await serve(dir, port, withFeed());
}

test("the portal forecasts a US-holidays model offline from the holiday table it kept: Christmas as the endpoint and Python", async () => {
  const context = await chrome.newContext();
  const page = await context.newPage();
  const tables = [];
  page.on("response", (r) => r.url().includes("/holidays/") && tables.push(r.status()));
  await signIn(page);
  const online = await forecast(page, "endpoint");
  assert.deepEqual(tables, [200], "the table was fetched once, with the artifact");
  // The usage chart marks the holidays the model knows, in the readings and the forecast.
  const markers = () => page.$$eval(".usage svg line.holiday title", (ts) => ts.map((t) => t.textContent));
  await page.waitForFunction(() => document.querySelectorAll(".usage svg line.holiday").length > 0, null, { timeout: 10000 });
  const marked = await markers();
  for (const h of ["Thanksgiving Day, 2023-11-23", "Christmas Day, 2023-12-25", "New Year's Day, 2024-01-01"]) {
    assert.ok(marked.includes(h), `${h} in ${marked}`);
  }
  assert.equal(await page.textContent(".usage figcaption .key.holiday"), "Holiday");
  await server.stop();
  try {
    const device = await forecast(page, "device");
    assert.deepEqual(device, online, "the device's rows are the endpoint's");
    assert.deepEqual(await markers(), marked, "offline, the kept table marks the same holidays");
    const christmas = device.find((r) => r[0].startsWith("2023-12-25"));
    const i = python.future.ds.indexOf("2023-12-25");
    assert.ok(Math.abs(Number(christmas[1]) - python.yhat[i]) <= 0.05, `${christmas[1]} vs Python's ${python.yhat[i]}`);
    assert.ok(python.holidays[i] < -50, "Christmas lowers Python's forecast");
    await shot(page, "33-holidays-offline");
  } finally {
    await restart();
  }
  await context.close();
});

test("a device that never got the holiday table says so offline rather than forecast without the holidays", async () => {
  const context = await chrome.newContext();
  const page = await context.newPage();
  await page.route("**/holidays/**", (route) => route.abort());
  await signIn(page);
  await forecast(page, "endpoint");
  await server.stop();
  try {
    await page.click(".forecast button[type=submit]");
    await page.waitForFunction(() => /holiday table/.test(document.querySelector(".forecast [role=alert]")?.textContent ?? ""), null, { timeout: 15000 });
    const text = await page.textContent(".forecast [role=alert]");
    assert.match(text, /This device has no holiday table for US, which the model needs to forecast/);
    assert.equal(await page.$("#forecast-source[data-source=device]"), null, "no device forecast shown");
    await shot(page, "34-holidays-offline-no-table");
  } finally {
    await restart();
  }
  await context.close();
});

test("the widget forecasts a US-holidays model from the kept table when the endpoint stops", async () => {
  const context = await chrome.newContext();
  const page = await context.newPage();
  const rows = () => page.$eval("gridcast-forecast", (el) => [...el.shadowRoot.querySelectorAll("table tr:has(td)")].map((tr) => tr.textContent));
  const settled = (source) => page.waitForFunction((source) => document.querySelector("gridcast-forecast")?.shadowRoot?.querySelector(`.source[data-source=${source}]`), source, { timeout: 20000 });
  await page.goto(`${host.url}/examples/holidays.html?endpoint=${encodeURIComponent(server.url)}`);
  await settled("endpoint");
  const online = await rows();
  assert.ok(online.length > 0 && online.some((r) => r.includes("2023-12-25")), online.join("\n"));
  await server.stop();
  try {
    await page.reload();
    await settled("device");
    assert.deepEqual(await rows(), online, "the device's rows are the endpoint's");
    const marked = await page.$eval("gridcast-forecast", (el) => [...el.shadowRoot.querySelectorAll("svg line.holiday title")].map((t) => t.textContent));
    assert.ok(marked.includes("Christmas Day, 2023-12-25"), `the widget's chart marks Christmas: ${marked}`);
    await shot(page, "35-holidays-widget-offline");
  } finally {
    await restart();
  }
  await context.close();
});
