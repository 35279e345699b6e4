// Weather models at the edge, under each runtime it ships for (node.test.mjs, workerd.test.mjs,
// deno.test.mjs). A regressor model (Python Prophet's temperature model): online the endpoint
// fills the temperature from its covariates feed; the edge keeps the covariates it last received
// beside the artifact (signed GET /endpoints/{name}/covariates/{TargetModel}), and with the
// endpoint stopped forecasts from them — the endpoint's own rows and band for the days they cover,
// and for the days after them no rows, a 200 naming them (`uncovered`) or a 503 when not even the
// first is covered. A US-holidays model (Python Prophet's, crates/gridcast-client/tests/holidays):
// the edge fetches the model's holiday table with the artifact (signed GET
// /endpoints/{name}/holidays/{TargetModel}) and forecasts Christmas offline as the endpoint does.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { serve, regressorModels, holidayModels } from "../e2e/harness.mjs";
import { KEYS } from "./suite.mjs";

// The feed has the model's temperature and heating for its first 10 days.
const COVERED = 10;

const day = (iso, n) => new Date(Date.parse(iso) + n * 86_400_000).toISOString().slice(0, 10);

/** GET `path` from `edge`. */
async function get(edge, path) {
  const r = await fetch(edge.url + path);
  const body = await r.text();
  return { status: r.status, source: r.headers.get("x-gridcast-source"), kind: r.headers.get("x-amzn-errortype"), body, json: () => JSON.parse(body) };
}

function assertSameRows(actual, expected, what) {
  assert.deepEqual(actual.map((r) => r.ds), expected.map((r) => r.ds), what);
  for (const [i, r] of actual.entries()) {
    for (const c of ["yhat", "yhat_lower", "yhat_upper"]) {
      assert.ok(Math.abs(r[c] - expected[i][c]) <= 1e-9 * Math.abs(expected[i][c]), `${what}: row ${i} ${c}: ${r[c]} vs ${expected[i][c]}`);
    }
  }
}

/** Runs the weather cases against `start(env) → {url, stop()}` (see suite.mjs's edgeSuite). */
export function weatherSuite(runtime, start) {
  let dir, endpoint, port, edge;
  before(async () => {
    dir = regressorModels({}, COVERED);
    endpoint = await serve(dir, 0, ["--future-covariates", join(dir, "feed.csv")]);
    port = new URL(endpoint.url).port;
    edge = await start({ GRIDCAST_ENDPOINT_URL: endpoint.url, ...KEYS });
  });
  after(async () => {
    await edge?.stop();
    await endpoint?.stop();
  });

  test(`${runtime}: a weather model forecasts offline from the covariates the edge kept, and names the days without`, async () => {
    const online = await get(edge, `/forecast/0?days=${COVERED}`);
    assert.equal(online.status, 200, online.body);
    assert.equal(online.source, "endpoint");
    const rows = online.json().forecast;
    assert.equal(rows.length, COVERED);
    assert.equal(online.json().uncovered, undefined);
    // Past the feed the endpoint refuses rather than guess the temperature.
    const beyond = await get(edge, `/forecast/0?days=${COVERED + 2}`);
    assert.equal(beyond.status, 400, beyond.body);
    assert.match(beyond.json().message, /temperature/);
    assert.match(beyond.json().message, new RegExp(`none for ${day("2024-01-01", COVERED)}`));

    await endpoint.stop();
    try {
      const same = await get(edge, `/forecast/0?days=${COVERED}`);
      assert.equal(same.status, 200, same.body);
      assert.equal(same.source, "device");
      assertSameRows(same.json().forecast, rows, "device vs endpoint");
      const last = rows[COVERED - 1].ds;
      const longer = await get(edge, `/forecast/0?days=${COVERED + 4}`);
      assert.equal(longer.status, 200, longer.body);
      assert.equal(longer.source, "device");
      const answer = longer.json();
      assert.equal(answer.forecast.length, COVERED, "only the covered days");
      assert.equal(answer.forecast.at(-1).ds, last);
      assert.deepEqual(answer.uncovered.columns, ["temperature", "heating"]);
      assert.equal(answer.uncovered.from, day(last, 1));
      assert.equal(answer.uncovered.to, day(last, 4));
      assert.equal(answer.uncovered.message, `This device has no temperature or heating forecast for ${day(last, 1)} to ${day(last, 4)}, so those dates are not forecast`);

      // A customer never asked for before the outage: nothing kept.
      const unknown = await get(edge, "/forecast/1?days=3");
      assert.equal(unknown.status, 503, unknown.body);
      assert.equal(unknown.kind, "ServiceUnavailable");
    } finally {
      endpoint = await serve(dir, port, ["--future-covariates", join(dir, "feed.csv")]);
    }
  });

  test(`${runtime}: a US-holidays model forecasts Christmas offline from the holiday table the edge kept`, async () => {
    const days = 14;
    const hdir = holidayModels({}, days);
    let hendpoint = await serve(hdir, 0, ["--future-covariates", join(hdir, "feed.csv")]);
    const hedge = await start({ GRIDCAST_ENDPOINT_URL: hendpoint.url, ...KEYS });
    try {
      const online = await get(hedge, `/forecast/0?days=${days}`);
      assert.equal(online.status, 200, online.body);
      assert.equal(online.source, "endpoint");
      const rows = online.json().forecast;
      assert.ok(rows.some((r) => r.ds === "2023-12-25"), JSON.stringify(rows.map((r) => r.ds)));
      await hendpoint.stop();
      hendpoint = null;
      const offline = await get(hedge, `/forecast/0?days=${days}`);
      assert.equal(offline.status, 200, offline.body);
      assert.equal(offline.source, "device");
      assertSameRows(offline.json().forecast, rows, "device vs endpoint");
    } finally {
      await hedge.stop();
      await hendpoint?.stop();
    }
  });
}
