// The forecast preview's backtest and regressors, on the device, against the native CLI.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { browser, cli, dist, shot, staticServer } from "./harness.mjs";

const fixtures = resolve(import.meta.dirname, "../../../shared/fixtures/prophet");
let host, chrome, work;
before(async () => {
  host = await staticServer(dist);
  chrome = await browser();
  work = mkdtempSync(join(tmpdir(), "gridcast-preview-"));
});
after(async () => {
  await chrome?.close();
  await host?.stop();
});

/** Every text #preview-progress shows, recorded as the page changes. */
async function recordProgress(page) {
  await page.evaluate(() => {
    window.progressSeen = [];
    new MutationObserver(() => {
      const p = document.querySelector("#preview-progress");
      if (p && p.textContent !== window.progressSeen.at(-1)) window.progressSeen.push(p.textContent);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

const close = (a, b, what) => assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test("the preview backtests a CSV in its worker with progress per cutoff, as gridcast cross-validate does", async () => {
  const page = await (await chrome.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
  await page.goto(`${host.url}/index.html#preview`);
  const csv = join(fixtures, "data/seed_trend_only.csv");
  await page.setInputFiles("#readings-file", csv);
  await page.waitForSelector("#preview-readings");
  await page.selectOption("#preview-preset", "seed");
  assert.equal(await page.inputValue("#backtest-horizon"), "30 days");
  await recordProgress(page);
  await page.click("#backtest");
  const table = await page.waitForSelector("#backtest-result, .preview [role=alert]", { timeout: 60000 });
  assert.equal(await table.getAttribute("id"), "backtest-result", await table.textContent());
  const shown = await page.$$eval("#backtest-result tbody tr", (rows) => rows.map((r) => ({ ...r.dataset })));
  const cutoffs = Number(await table.getAttribute("data-cutoffs"));
  const progress = await page.evaluate(() => window.progressSeen);
  await shot(page, "14-preview-backtest");

  // The native backtest of the same file and settings (seed 0 for the intervals, as the page).
  const rowsCsv = join(work, "cv.csv");
  const native = JSON.parse(cli("cross-validate", "--data", csv, "--preset", "seed", "--horizon", "30 days", "--seed", "0", "--out", rowsCsv));
  const nativeCutoffs = new Set(readFileSync(rowsCsv, "utf8").trim().split("\n").slice(1).map((l) => l.split(",").at(-1)));
  assert.equal(cutoffs, nativeCutoffs.size);
  assert.ok(cutoffs > 10, `${cutoffs} cutoffs`);
  // Progress per cutoff, up to the last.
  assert.ok(progress.includes(`Cutoff ${cutoffs} of ${cutoffs} forecast`), JSON.stringify(progress));
  assert.ok(progress.some((p) => /^Cutoff [1-9]\d* of \d+ forecast$/.test(p) && !p.startsWith(`Cutoff ${cutoffs} `)), JSON.stringify(progress));
  assert.equal(shown.length, 5);
  assert.equal(Number(shown.at(-1).h), 30);
  for (const row of shown) {
    const n = native.find((r) => r.horizon === Number(row.h));
    assert.ok(n, `horizon ${row.h} is in the native metrics`);
    for (const m of ["mae", "rmse", "smape", "coverage"]) close(Number(row[m]), n[m], `${m} at ${row.h} days`);
  }

  // A history too short for the horizon: a typed error, named.
  await page.fill("#backtest-horizon", "200 days");
  await page.click("#backtest");
  const alert = await page.waitForSelector(".preview [role=alert]");
  assert.equal(await alert.getAttribute("data-code"), "no_cutoff_after_initial");
  assert.match(await alert.textContent(), /The backtest failed.*initial/s);
  await page.fill("#backtest-horizon", "30 days");
  await page.fill("#backtest-initial", "abc");
  await page.click("#backtest");
  await page.waitForSelector(".preview [role=alert][data-code=arguments]");
});

test("extra columns become regressors with a country's holidays, forecast from the rows past the readings", async () => {
  const page = await (await chrome.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } })).newPage();
  await page.goto(`${host.url}/index.html#preview`);
  // 120 days driven by temperature, then 10 days with temperature and no reading.
  const lines = ["ds,y,temperature"];
  const day = (i) => new Date(Date.UTC(2022, 0, 1 + i)).toISOString().slice(0, 10);
  const temp = (i) => 10 + 8 * Math.sin(i / 9) + (i % 5);
  for (let i = 0; i < 120; i++) lines.push(`${day(i)},${(200 + 6 * temp(i) + (i % 3)).toFixed(3)},${temp(i).toFixed(2)}`);
  for (let i = 120; i < 130; i++) lines.push(`${day(i)},,${temp(i).toFixed(2)}`);
  const csv = join(work, "weather.csv");
  writeFileSync(csv, lines.join("\n") + "\n");
  await page.setInputFiles("#readings-file", csv);
  const readings = await page.waitForSelector("#preview-readings");
  assert.match(await readings.textContent(), /120 readings.*Extra columns: temperature\./s);
  await page.check("#preview-regressors");
  await page.fill("#preview-country", "US");
  await page.fill("#preview-days", "10");
  await page.click("text=Fit and forecast");
  const result = await page.waitForSelector("#preview-result, .preview [role=alert]", { timeout: 60000 });
  assert.match(await result.textContent(), /regressors: temperature; US holidays/);
  const rows = await page.$$eval("#preview-result tbody tr", (rs) => rs.map((r) => [r.querySelector("th").textContent, Number(r.dataset.yhat)]));
  assert.deepEqual(rows.map((r) => r[0]), [...Array(10).keys()].map((i) => day(120 + i)));

  // The same fit natively, forecast with the same future temperatures.
  const config = join(work, "prophet.json");
  writeFileSync(config, JSON.stringify({ regressors: [{ name: "temperature" }], country_holidays: "US" }));
  const artifact = join(work, "weather.tar.gz");
  cli("fit", "--data", csv, "--config", config, "--out", artifact);
  const future = join(work, "future.csv");
  writeFileSync(future, ["ds,temperature", ...lines.slice(121).map((l) => `${l.split(",")[0]},${l.split(",")[2]}`)].join("\n") + "\n");
  const v = JSON.parse(cli("forecast", "--model", artifact, "--future", future, "--seed", "1"));
  const native = Object.keys(v.yhat).sort((a, b) => a - b).map((k) => v.yhat[k]);
  rows.forEach(([ds, yhat], i) => assert.ok(Math.abs(yhat - native[i]) <= 1e-6 * 300, `${ds}: ${yhat} vs ${native[i]}`));
  await shot(page, "15-preview-regressors");

  // The fit wrote no artifact: "Save" asks the worker for it, and the download is a tar.gz
  // with model.json that forecasts natively as the page did.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#save-model")]);
  assert.equal(download.suggestedFilename(), "weather.tar.gz");
  const saved = join(work, "saved-weather.tar.gz");
  await download.saveAs(saved);
  assert.match(execFileSync("tar", ["-tzf", saved], { encoding: "utf8" }), /^model\.json$/m);
  const s = JSON.parse(cli("forecast", "--model", saved, "--future", future, "--seed", "1"));
  const fromSaved = Object.keys(s.yhat).sort((a, b) => a - b).map((k) => s.yhat[k]);
  rows.forEach(([ds, yhat], i) => assert.ok(Math.abs(yhat - fromSaved[i]) <= 1e-6 * 300, `saved ${ds}: ${yhat} vs ${fromSaved[i]}`));

  // More days than the file has temperatures for: which column, which dates, nothing extrapolated.
  await page.fill("#preview-days", "15");
  await page.click("text=Fit and forecast");
  const alert = await page.waitForSelector(".preview [role=alert]");
  assert.equal(await alert.getAttribute("data-code"), "future_values_missing");
  assert.match(await alert.textContent(), /temperature.*2022-05-11 to 2022-05-15 \(5 rows\)/s);
});
