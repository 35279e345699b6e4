// The forecast's components (Prophet's plot_components: trend, holidays, each seasonality, the
// regressors' effect; multiplicative ones in percent) for Python Prophet's US weather model
// (temperature, weekly cycle, US holidays): online they are the columns of the endpoint's own
// answer to the same request, and with the endpoint stopped the device shows the same ones.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { browser, serve, shot, holidayModels } from "./harness.mjs";

const PASSWORD = "customer-0-secret";
const DAYS = 14;
// plot_components' panels in its order, by the predict column each shows.
const PANELS = ["trend", "holidays", "weekly", "yearly", "daily", "extra_regressors_additive", "extra_regressors_multiplicative"];

let dir, server, port, chrome;
const withFeed = () => ["--future-covariates", join(dir, "feed.csv")];
before(async () => {
  dir = holidayModels({ 0: PASSWORD }, DAYS);
  server = await serve(dir, 0, withFeed());
  port = new URL(server.url).port;
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
  await server?.stop();
});

/** Asks for DAYS days, waits for the answer from `source` and shows the components. */
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
}

/** The components table: its columns (predict column, header) and its rows. */
const components = (page) =>
  page.$eval("#forecast-components table", (t) => ({
    columns: [...t.querySelectorAll("thead th[data-component]")].map((th) => [th.dataset.component, th.textContent]),
    rows: [...t.querySelectorAll("tbody tr")].map((tr) => [...tr.children].map((c) => c.textContent)),
  }));

test("the forecast panel shows the model's components, the endpoint's answer's columns, online and offline", async () => {
  const context = await chrome.newContext();
  const page = await context.newPage();
  await page.goto(server.url + "/");
  await page.fill("#customer-id", "0");
  await page.fill("#password", PASSWORD);
  await page.click(".sign-in button[type=submit]");
  await page.waitForSelector(".usage svg polyline.history");
  const answered = page.waitForResponse((r) => /\/endpoints\/[^/]+\/invocations$/.test(new URL(r.url()).pathname));
  await forecast(page, "endpoint");
  const answer = await (await answered).json();
  // The view appears once the model is on the device (it knows each component's mode), closed.
  await page.waitForSelector("#forecast-components summary", { timeout: 15000 });
  assert.equal(await page.isVisible("#forecast-components table"), false);
  await page.click("#forecast-components summary");
  await page.waitForSelector("#forecast-components table", { state: "visible" });
  const online = await components(page);

  const expected = PANELS.filter((c) => c in answer);
  assert.deepEqual(online.columns.map(([c]) => c), expected, "each plot_components panel the answer has, none other");
  assert.ok(expected.includes("holidays") && expected.includes("extra_regressors_additive"), "holidays and temperature");
  const header = Object.fromEntries(online.columns);
  assert.equal(header.trend, "Trend (kWh)");
  assert.equal(header.extra_regressors_additive, "Regressors (temperature) (kWh)");
  const rows = Object.keys(answer.ds);
  assert.equal(online.rows.length, DAYS);
  online.rows.forEach((row, i) => {
    assert.equal(row[0], new Date(answer.ds[rows[i]]).toISOString().slice(0, 10));
    expected.forEach((c, j) => {
      const scale = header[c].endsWith("(%)") ? 100 : 1;
      assert.equal(row[j + 1], (answer[c][rows[i]] * scale).toFixed(1), `${c} on ${row[0]}`);
    });
  });
  // Christmas Day is a US holiday: its effect is there, on no ordinary day.
  const christmas = online.rows.find((r) => r[0] === "2023-12-25");
  assert.notEqual(christmas[1 + expected.indexOf("holidays")], "0.0");
  assert.equal(online.rows[0][1 + expected.indexOf("holidays")], "0.0");
  await shot(page, "40-forecast-components");

  await server.stop();
  try {
    await forecast(page, "device");
    assert.deepEqual(await components(page), online, "the device's components are the endpoint's");
    await page.click("#forecast-components summary");
    await page.waitForSelector("#forecast-components table", { state: "hidden" });
  } finally {
    server = await serve(dir, port, withFeed());
  }
  await context.close();
});
