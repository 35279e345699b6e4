// The accuracy panel in a real browser: a fleet trained with
// --cross-validate and served with --readings (the processed CSVs, whose
// last 7 days the seed's training held out). The panel says how far off
// forecasts are 1, 7 and 30 days ahead from the customer's backtest, and
// charts the readings since the training end against the forecast for them.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { browser, gridcast, serve, shot } from "./harness.mjs";

let dir, server, chrome;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "gridcast-accuracy-"));
  const run = (...args) => execFileSync(gridcast, args, { stdio: ["pipe", "pipe", "pipe"] });
  run("generate", "--customers", "2", "--out", join(dir, "e.csv"));
  run("process", "--input", join(dir, "e.csv"), "--output", join(dir, "data"));
  run("train", "--input", join(dir, "data"), "--output", join(dir, "models"), "--preset", "seed",
    "--cross-validate", "horizon=30 days,period=60 days");
  for (const id of ["0", "1"]) {
    execFileSync(gridcast, ["users", "add", "--users", join(dir, "users.json"), "--customer", id], {
      input: `customer-${id}-secret\n`,
      stdio: ["pipe", "pipe", "pipe"],
    });
  }
  writeFileSync(join(dir, "auth.json"), JSON.stringify({ principals: [] }));
  // Customer 0 has neither a backtest nor readings.
  rmSync(join(dir, "models", "0.backtest.json"));
  rmSync(join(dir, "data", "0.csv"));
  server = await serve(dir, 0, ["--readings", join(dir, "data")]);
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
  await server?.stop();
});

async function signIn(page, id) {
  await page.goto(server.url + "/");
  await page.fill("#customer-id", id);
  await page.fill("#password", `customer-${id}-secret`);
  await page.click(".sign-in button[type=submit]");
  await page.waitForSelector(".usage svg polyline.history");
}

/** The backtest row nearest each horizon, as the panel should say it. */
function expectedFigures(served) {
  const m = served.backtest.metrics;
  const seen = new Set();
  const lines = [];
  for (const wanted of [1, 7, 30]) {
    let best = 0;
    m.horizon_days.forEach((h, i) => {
      if (Math.abs(h - wanted) < Math.abs(m.horizon_days[best] - wanted)) best = i;
    });
    if (seen.has(best)) continue;
    seen.add(best);
    const days = Math.round(m.horizon_days[best]);
    lines.push(`${days} day${days === 1 ? "" : "s"} ahead: within ±${m.mae[best].toFixed(1)} kWh ` +
      `(${(m.smape[best] * 100).toFixed(0)} %) on average`);
  }
  return lines;
}

test("the accuracy panel and the forecast against what happened", async () => {
  const context = await chrome.newContext({ viewport: { width: 1100, height: 1400 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await signIn(page, "1");

  await page.waitForSelector("#accuracy ul.accuracy li");
  const figures = await page.$$eval("#accuracy li", (li) => li.map((x) => x.textContent));
  const served = JSON.parse(readFileSync(join(dir, "models", "1.backtest.json"), "utf8"));
  assert.ok(served.backtest.cutoffs > 0, "customer 1 was backtested");
  assert.deepEqual(figures, expectedFigures(served));
  assert.equal(figures.length, 3, "1, 7 and 30 days ahead");

  // The seed trains on all but the last 7 days: those 7 are the actuals.
  const chart = await page.waitForSelector("#accuracy svg polyline.history");
  const points = (await chart.getAttribute("points")).trim().split(/\s+/);
  assert.equal(points.length, 7, "the 7 readings after the training end");
  assert.ok(await page.$("#accuracy svg polyline.forecast-line"), "the forecast for those days");
  assert.ok(await page.$("#accuracy svg polygon.band"), "with its band");
  assert.match(await page.getAttribute("#accuracy svg", "aria-label"), /2022-12-25/);
  await shot(page, "20-accuracy");

  // Another customer with neither: the panel says so plainly.
  await page.click("text=Sign out");
  await signIn(page, "0");
  await page.waitForFunction(() => document.querySelectorAll("#accuracy .hint").length === 2);
  const hints = await page.$$eval("#accuracy .hint", (h) => h.map((x) => x.textContent));
  assert.deepEqual(hints, ["No accuracy figures for your model yet.", "No readings since your model was trained yet."]);
  await shot(page, "21-accuracy-none");
  assert.deepEqual(errors, []);
  await context.close();
});
