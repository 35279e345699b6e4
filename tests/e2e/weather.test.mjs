// A regressor model (Python Prophet's temperature model) in the portal and the widget: online the
// endpoint fills temperature and heating from its covariates feed. Each keeps the covariates it
// last received beside the artifact (IndexedDB) and with the endpoint stopped forecasts from
// them — the endpoint's rows for the days they cover, and for the days after them no rows and a
// sentence naming them. The portal does the same; without any kept covariates its device
// forecasts nothing and says which days it lacks.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { browser, serve, shot, oneWidgetHost, regressorModels } from "./harness.mjs";

const PASSWORD = "customer-0-secret";
// The feed has the model's temperature and heating for its first 10 days.
const COVERED = 10;

let dir, server, port, host, chrome;
const withFeed = () => ["--future-covariates", join(dir, "feed.csv")];
before(async () => {
  dir = regressorModels({ 0: PASSWORD }, COVERED);
  server = await serve(dir, 0, withFeed());
  port = new URL(server.url).port;
  host = await oneWidgetHost("/examples/weather.html", COVERED, PASSWORD);
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
  await host?.stop();
  await server?.stop();
});


async function signIn(page) {
  await page.fill("#customer-id", "0");
  await page.fill("#password", PASSWORD);
  await page.click(".sign-in button[type=submit]");
  await page.waitForSelector(".usage svg polyline.history");
}

/** Asks for `days` and waits for an answer from `source` with `rows` rows. */
async function forecast(page, days, source, rows = days) {
  await page.fill("#horizon", String(days));
  await page.click(".forecast button[type=submit]");
  await page.waitForFunction(
    ([source, days, rows]) =>
      document.querySelector(`#forecast-source[data-source=${source}]`) &&
      document.querySelector(".forecast caption")?.textContent.startsWith(`Forecast, ${rows} rows`) &&
      document.querySelectorAll(".forecast tbody tr").length === rows &&
      (rows === days) === !document.querySelector("#forecast-uncovered"),
    [source, days, rows],
    { timeout: 15000 },
  );
  return page.$$eval(".forecast tbody tr", (trs) => trs.map((r) => [...r.children].map((c) => c.textContent)));
}

const day = (iso, n) => new Date(Date.parse(iso) + n * 86_400_000).toISOString().slice(0, 10);

test("the portal forecasts a regressor model offline from the covariates it kept, only the days they cover", async () => {
  const context = await chrome.newContext();
  const page = await context.newPage();
  await page.goto(server.url + "/");
  await signIn(page);
  const online = await forecast(page, COVERED, "endpoint");
  await server.stop();
  try {
    const device = await forecast(page, COVERED, "device");
    assert.deepEqual(device, online, "the device's rows are the endpoint's");
    const last = online.at(-1)[0];
    const partial = await forecast(page, COVERED + 4, "device", COVERED);
    assert.deepEqual(partial, online);
    assert.equal(
      await page.textContent("#forecast-uncovered"),
      `This device has no temperature or heating forecast for ${day(last, 1)} to ${day(last, 4)}, so those dates are not forecast.`,
    );
    await shot(page, "30-regressor-offline-uncovered-days");
  } finally {
    server = await serve(dir, port, withFeed());
  }
  await context.close();
});

test("without covariates kept, the portal's device forecast says which days it lacks rather than guess", async () => {
  await server.stop();
  server = await serve(dir, port, []); // no feed: nothing to fill the temperature with, nothing to keep
  const context = await chrome.newContext();
  const page = await context.newPage();
  try {
    await page.goto(server.url + "/");
    await signIn(page);
    await page.fill("#horizon", "5");
    await page.click(".forecast button[type=submit]");
    await page.waitForSelector(".forecast [role=alert]");
    assert.match(await page.textContent(".forecast [role=alert]"), /needs future values of temperature/);
    await server.stop();
    await page.click(".forecast button[type=submit]");
    await page.waitForFunction(() => /This device has no/.test(document.querySelector(".forecast [role=alert]")?.textContent ?? ""), null, { timeout: 15000 });
    const text = await page.textContent(".forecast [role=alert]");
    assert.match(text, /This device has no temperature or heating forecast for 2024-01-01 to 2024-01-05, so those dates are not forecast/);
    assert.equal(await page.$$eval(".forecast tbody tr", (r) => r.length), 0);
    await shot(page, "31-regressor-offline-no-covariates");
  } finally {
    server = await serve(dir, port, withFeed());
  }
  await context.close();
});

test("the widget forecasts a weather model from kept covariates when the endpoint stops, and names the days without", async () => {
  const context = await chrome.newContext();
  const page = await context.newPage();
  const widget = (what) => page.$eval("gridcast-forecast", (el, what) => {
    const root = el.shadowRoot;
    return what === "rows"
      ? [...root.querySelectorAll("table tr:has(td)")].map((tr) => tr.textContent)
      : { source: root.querySelector(".source")?.dataset.source, uncovered: root.querySelector(".note.uncovered")?.textContent ?? null, error: root.querySelector("[role=alert]")?.textContent ?? null };
  }, what);
  const settled = (source) => page.waitForFunction((source) => document.querySelector("gridcast-forecast")?.shadowRoot?.querySelector(`.source[data-source=${source}]`), source, { timeout: 20000 });
  await page.goto(`${host.url}/examples/weather.html?endpoint=${encodeURIComponent(server.url)}`);
  await settled("endpoint");
  const online = await widget("rows");
  assert.equal(online.length, 7, "the widget's table shows a week");
  assert.deepEqual(await widget("state"), { source: "endpoint", uncovered: null, error: null });

  await server.stop();
  try {
    await page.reload();
    await settled("device");
    assert.deepEqual(await widget("rows"), online, "the device's rows are the endpoint's");
    assert.equal((await widget("state")).uncovered, null);
    await page.$eval("gridcast-forecast", (el, days) => el.setAttribute("days", String(days)), COVERED + 3);
    await page.waitForFunction(() => document.querySelector("gridcast-forecast").shadowRoot.querySelector(".note.uncovered"), null, { timeout: 20000 });
    const state = await widget("state");
    assert.equal(state.source, "device");
    assert.match(state.uncovered, /^This device has no temperature or heating forecast for \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d, so those dates are not forecast\.$/);
    assert.deepEqual(await widget("rows"), online);
    await shot(page, "32-weather-widget-offline");
  } finally {
    server = await serve(dir, port, withFeed());
  }
  await context.close();
});
