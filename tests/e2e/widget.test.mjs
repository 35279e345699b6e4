// The embeddable widget and the forecast preview in a real browser.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { accessibilityProblems, browser, cli, dist, serve, shot, staticServer, trainedModels } from "./harness.mjs";

const fixtures = resolve(import.meta.dirname, "../../../shared/fixtures/prophet");
let dir, server, host, chrome;
before(async () => {
  const logins = { 1: "customer-1-demo", 2: "customer-2-demo" };
  dir = trainedModels(3, logins);
  server = await serve(dir);
  // The demo's logins beside the example, as `make run` writes them (dist has none).
  host = await staticServer(dist, { "/examples/demo-logins.json": JSON.stringify(logins) });
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
  await server?.stop();
  await host?.stop();
});

async function widgetStates(page) {
  return page.$$eval("gridcast-forecast", (els) =>
    els.map((el) => {
      const root = el.shadowRoot;
      return {
        source: root.querySelector(".source")?.dataset.source ?? null,
        rows: root.querySelectorAll("table tr:has(td)").length,
        table: [...root.querySelectorAll("table tr:has(td)")].map((tr) => tr.textContent),
        chart: !!root.querySelector("svg polyline.history") && !!root.querySelector("svg polygon.band"),
        error: root.querySelector("[role=alert]")?.textContent ?? null,
        theme: root.querySelector(".card")?.className,
      };
    }),
  );
}

async function waitForWidgets(page, source) {
  await page.waitForFunction(
    (source) => [...document.querySelectorAll("gridcast-forecast")].every((el) => el.shadowRoot?.querySelector(`.source[data-source=${source}]`)),
    source,
    { timeout: 20000 },
  );
}

test("two widgets on a dashboard chart forecasts, and keep doing so from the device when the endpoint stops", async () => {
  const context = await chrome.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // The host page is on its own origin; the widgets call the endpoint across origins.
  const dashboard = `${host.url}/examples/dashboard.html?endpoint=${encodeURIComponent(server.url)}`;
  await page.goto(dashboard);
  await waitForWidgets(page, "endpoint");
  let states = await widgetStates(page);
  assert.equal(states.length, 2);
  for (const s of states) assert.ok(s.chart && s.rows === 7 && !s.error, JSON.stringify(s));
  assert.match(states[1].theme, /dark/);
  // One shell (pkg/) for both widgets; their first downloads were checked by the on-device
  // engine, a second wasm module (pkg-engine/), loaded once.
  const loads = (dir) => page.evaluate((dir) => performance.getEntriesByType("resource").filter((r) => r.name.endsWith(`/${dir}/gridcast_js_bg.wasm`)).length, dir);
  assert.equal(await loads("pkg"), 1);
  assert.equal(await loads("pkg-engine"), 1, "the new downloads were checked by the engine module");
  // The host's styles do not reach into the widgets.
  const bg = await page.$eval("gridcast-forecast", (el) => getComputedStyle(el.shadowRoot.querySelector("table")).backgroundColor);
  assert.notEqual(bg, "rgb(255, 255, 0)");
  assert.deepEqual(await accessibilityProblems(page), []);
  await shot(page, "10-dashboard-online");

  const online = states;
  const tables = async () => (await widgetStates(page)).map((s) => s.table);
  // A visit whose models are current (304) charts them from the facts kept beside them: no engine.
  const currentVisit = async () => {
    await page.reload();
    await waitForWidgets(page, "endpoint");
    await page.waitForLoadState("networkidle");
    assert.deepEqual(await tables(), online.map((s) => s.table));
  };
  await currentVisit();
  assert.equal(await loads("pkg-engine"), 0, "no engine module for current models");
  // Models kept without their facts (as the widget kept them before its shell) are read by the
  // engine once, and kept with them.
  await page.evaluate(() => new Promise((ok, fail) => {
    const open = indexedDB.open("gridcast");
    open.onerror = () => fail(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction("artifacts", "readwrite");
      tx.objectStore("artifacts").openCursor().onsuccess = (e) => {
        const cursor = e.target.result;
        if (!cursor) return;
        const { facts, ...record } = cursor.value;
        cursor.update(record);
        cursor.continue();
      };
      tx.oncomplete = () => ok(open.result.close());
      tx.onerror = () => fail(tx.error);
    };
  }));
  await currentVisit();
  assert.equal(await loads("pkg-engine"), 1, "facts read again by the engine");
  await currentVisit();
  assert.equal(await loads("pkg-engine"), 0, "and kept");

  await server.stop();
  await page.reload();
  await waitForWidgets(page, "device");
  states = await widgetStates(page);
  for (const s of states) assert.ok(s.chart && s.rows === 7 && !s.error, JSON.stringify(s));
  // The device draws the endpoint's band: the tables do not move.
  assert.deepEqual(states.map((s) => s.table), online.map((s) => s.table));
  assert.equal(await loads("pkg-engine"), 1, "the device forecasts with the engine module");
  const note = await page.$eval("gridcast-forecast", (el) => el.shadowRoot.querySelector(".note").textContent);
  assert.match(note, /cannot be reached.*Forecasts come from this device/);
  await shot(page, "11-dashboard-endpoint-stopped");
  assert.deepEqual(errors, []);
  server = await serve(dir); // for the other tests
  await context.close();
});

test("bad widget attributes are shown, not swallowed", async () => {
  const context = await chrome.newContext();
  const page = await context.newPage();
  await page.goto(`${host.url}/examples/dashboard.html`);
  await page.evaluate(() => {
    const w = document.createElement("gridcast-forecast");
    w.id = "bad";
    w.setAttribute("customer", "../etc");
    w.setAttribute("days", "365");
    w.setAttribute("theme", "neon");
    document.body.append(w);
  });
  const text = await page.waitForFunction(() => document.querySelector("#bad").shadowRoot.querySelector("[role=alert]")?.textContent);
  const message = await text.jsonValue();
  assert.match(message, /customer="\.\.\/etc"/);
  assert.match(message, /days="365"/);
  assert.match(message, /theme="neon"/);
  await context.close();
});

test("the preview fits a CSV on the device like the native fit, and its artifact forecasts the same natively", async () => {
  const context = await chrome.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/#preview`);
  const csv = join(fixtures, "data/seed_trend_only.csv");
  await page.setInputFiles("#readings-file", csv);
  await page.waitForSelector("#preview-readings svg polyline.history");
  await page.selectOption("#preview-preset", "seed");
  await page.fill("#preview-days", "10");
  await page.click("text=Fit and forecast");
  await page.waitForSelector("#preview-result");
  const browserYhat = await page.$$eval("#preview-result tbody tr", (rows) => rows.map((r) => Number(r.dataset.yhat)));
  assert.equal(browserYhat.length, 10);
  await shot(page, "12-preview-fitted");

  const work = mkdtempSync(join(tmpdir(), "gridcast-preview-"));
  const nativeArtifact = join(work, "native.tar.gz");
  cli("fit", "--data", csv, "--seed-preset", "--out", nativeArtifact);
  const yhatOf = (artifact) => {
    const v = JSON.parse(cli("forecast", "--model", artifact, "--period", "10", "--seed", "1"));
    return Object.keys(v.yhat).sort((a, b) => a - b).map((k) => v.yhat[k]);
  };
  const native = yhatOf(nativeArtifact);
  const yScale = Math.max(...readFileSync(csv, "utf8").trim().split("\n").map((l) => Math.abs(Number(l.split(",")[1]))));
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(browserYhat[i] - native[i]) <= 1e-6 * yScale, `row ${i}: ${browserYhat[i]} vs ${native[i]}`);

  await page.fill("#model-name", "preview-42");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#save-model")]);
  assert.equal(download.suggestedFilename(), "preview-42.tar.gz");
  const saved = join(work, "preview-42.tar.gz");
  await download.saveAs(saved);
  const fromSaved = yhatOf(saved);
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(fromSaved[i] - browserYhat[i]) <= 1e-6 * yScale, `saved row ${i}`);

  // A bad file names its line.
  const bad = join(work, "bad.csv");
  writeFileSync(bad, "2022-01-01,1\n2022-01-02,lots\n");
  await page.setInputFiles("#readings-file", bad);
  const alert = await page.waitForSelector(".preview [role=alert]");
  assert.match(await alert.textContent(), /bad\.csv cannot be read.*line 2/s);

  // Dropping a file works like picking one.
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(["ds,y\n2022-01-01,5\n2022-01-02,6\n2022-01-03,7\n"], "dropped.csv", { type: "text/csv" }));
    document.querySelector("label.drop").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  const dropped = await page.waitForSelector("#preview-readings");
  assert.match(await dropped.textContent(), /3 readings from 2022-01-01 to 2022-01-03/);
  await context.close();
});

test("a signed-in customer adds readings to their model and fits it again on the device", async () => {
  const context = await chrome.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  await page.fill("#customer-id", "1");
  await page.fill("#password", "customer-1-demo");
  await page.click(".sign-in button[type=submit]");
  await page.waitForSelector(".usage svg polyline.history");
  await page.click("text=Forecast preview");
  const work = mkdtempSync(join(tmpdir(), "gridcast-refit-"));
  const recent = join(work, "recent.csv");
  writeFileSync(recent, "ds,y\n2022-12-25,900\n2022-12-26,910\n2022-12-27,905\n");
  await page.setInputFiles("#readings-file", recent);
  await page.waitForSelector("#preview-readings");
  await page.check("#preview-from-model");
  await page.fill("#preview-days", "5");
  await page.click("text=Fit and forecast");
  const result = await page.waitForSelector("#preview-result");
  // The model's 358 readings plus the three new ones, fitted again.
  assert.match(await result.textContent(), /Fitted 361 readings on this device.*readings up to 2022-12-27/s);
  const first = await page.$eval("#preview-result tbody tr th", (th) => th.textContent);
  assert.equal(first, "2022-12-28");
  await shot(page, "13-refit-with-new-readings");
  // The refitted model saved on demand: model.json in a tar.gz, trained through the new readings.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#save-model")]);
  const saved = join(work, "refitted.tar.gz");
  await download.saveAs(saved);
  assert.match(execFileSync("tar", ["-tzf", saved], { encoding: "utf8" }), /^model\.json$/m);
  const yhat = await page.$$eval("#preview-result tbody tr", (rows) => rows.map((r) => Number(r.dataset.yhat)));
  const v = JSON.parse(cli("forecast", "--model", saved, "--period", "5", "--seed", "1"));
  const fromSaved = Object.keys(v.yhat).sort((a, b) => a - b).map((k) => v.yhat[k]);
  assert.equal(fromSaved.length, 5);
  fromSaved.forEach((y, i) => assert.ok(Math.abs(y - yhat[i]) <= 1e-6 * 1000, `saved row ${i}: ${y} vs ${yhat[i]}`));
  await context.close();
});
