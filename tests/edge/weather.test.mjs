// The edge handler (under Node) with a regressor model (Python Prophet's temperature model): online the endpoint fills the temperature
// from its covariates feed; the edge keeps the covariates it last received beside the artifact
// (signed GET /endpoints/{name}/covariates/{TargetModel}), and with the endpoint stopped forecasts
// from them — the endpoint's own rows and band for the days they cover, and for the days after
// them no rows, a 200 naming them (`uncovered`) or a 503 when not even the first is covered.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { serve, regressorModels } from "../e2e/harness.mjs";
import { startNode } from "./runtimes.mjs";
import { KEYS } from "./suite.mjs";

// The feed has the model's temperature and heating for its first 10 days.
const COVERED = 10;

let dir, endpoint, port, edge;
before(async () => {
  dir = regressorModels({}, COVERED);
  endpoint = await serve(dir, 0, ["--future-covariates", join(dir, "feed.csv")]);
  port = new URL(endpoint.url).port;
  edge = await startNode({ GRIDCAST_ENDPOINT_URL: endpoint.url, ...KEYS });
});
after(async () => {
  await edge?.stop();
  await endpoint?.stop();
});

async function get(path) {
  const r = await fetch(edge.url + path);
  const body = await r.text();
  return { status: r.status, source: r.headers.get("x-gridcast-source"), kind: r.headers.get("x-amzn-errortype"), body, json: () => JSON.parse(body) };
}

const day = (iso, n) => new Date(Date.parse(iso) + n * 86_400_000).toISOString().slice(0, 10);

test("node: a weather model forecasts offline from the covariates the edge kept, and names the days without", async () => {
  const online = await get(`/forecast/0?days=${COVERED}`);
  assert.equal(online.status, 200, online.body);
  assert.equal(online.source, "endpoint");
  const rows = online.json().forecast;
  assert.equal(rows.length, COVERED);
  assert.equal(online.json().uncovered, undefined);
  // Past the feed the endpoint refuses rather than guess the temperature.
  const beyond = await get(`/forecast/0?days=${COVERED + 2}`);
  assert.equal(beyond.status, 400, beyond.body);
  assert.match(beyond.json().message, /temperature/);
  assert.match(beyond.json().message, new RegExp(`none for ${day("2024-01-01", COVERED)}`));

  await endpoint.stop();
  try {
    const same = await get(`/forecast/0?days=${COVERED}`);
    assert.equal(same.status, 200, same.body);
    assert.equal(same.source, "device");
    assert.deepEqual(same.json().forecast.map((r) => r.ds), rows.map((r) => r.ds));
    for (const [i, r] of same.json().forecast.entries()) {
      for (const c of ["yhat", "yhat_lower", "yhat_upper"]) {
        assert.ok(Math.abs(r[c] - rows[i][c]) <= 1e-9 * Math.abs(rows[i][c]), `row ${i} ${c}: ${r[c]} vs ${rows[i][c]}`);
      }
    }
    const last = rows[COVERED - 1].ds;
    const longer = await get(`/forecast/0?days=${COVERED + 4}`);
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
    const unknown = await get("/forecast/1?days=3");
    assert.equal(unknown.status, 503, unknown.body);
    assert.equal(unknown.kind, "ServiceUnavailable");
  } finally {
    endpoint = await serve(dir, port, ["--future-covariates", join(dir, "feed.csv")]);
  }
});
