// The edge handler's behaviour, run under each runtime it ships for (workerd.test.mjs, deno.test.mjs):
// the endpoint's answer relayed, the device's fallback with the endpoint stopped (the same rows and the
// same uncertainty band), SageMaker-shaped errors, and the edge's keys in no response — not even when
// the endpoint quotes them back.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { gridcast, serve, trainedModels } from "../e2e/harness.mjs";

export const KEYS = { AWS_ACCESS_KEY_ID: "AKIDOPERATOR", AWS_SECRET_ACCESS_KEY: "operator-secret" };

/** A free loopback port (runtimes that cannot be told port 0). */
export function freePort() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Polls `url` until it answers (any status) or `ms` pass. */
export async function answering(url, ms, exited) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`the runtime exited: ${exited()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

/** A ustar header for a regular file. */
function tarHeader(name, size) {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  for (const [at, field] of [[100, "0000644"], [108, "0000000"], [116, "0000000"], [124, size.toString(8).padStart(11, "0")], [136, "00000000000"]]) {
    h.write(`${field}\0`, at);
  }
  h.fill(" ", 148, 156);
  h.write("0", 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  const sum = h.reduce((a, b) => a + b, 0);
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return h;
}

/** A real artifact whose archive inflates to more than ArtifactLimits::max_total (96 MiB): its
 *  model.json, then `code/pad` of 96 MiB of zeros (about 100 KB gzipped). */
function inflatesTooFar(artifact) {
  const tar = gunzipSync(artifact);
  const size = parseInt(tar.subarray(124, 136).toString(), 8);
  assert.equal(tar.subarray(0, 10).toString(), "model.json");
  const model = tar.subarray(0, 512 + Math.ceil(size / 512) * 512);
  const pad = 96 << 20;
  return gzipSync(Buffer.concat([model, tarHeader("code/pad", pad), Buffer.alloc(pad), Buffer.alloc(1024)]), { level: 1 });
}

/** pandas JSON (the endpoint's answer) as edge rows. */
function pandasRows(text) {
  const v = JSON.parse(text);
  return Object.keys(v.ds).map((k) => ({
    ds: new Date(v.ds[k]).toISOString().slice(0, 10),
    yhat: v.yhat[k],
    yhat_lower: v.yhat_lower[k],
    yhat_upper: v.yhat_upper[k],
  }));
}

function assertSameForecast(actual, expected, what) {
  assert.deepEqual(actual.map((r) => r.ds), expected.map((r) => r.ds), what);
  for (const [i, row] of actual.entries()) {
    for (const column of ["yhat", "yhat_lower", "yhat_upper"]) {
      const [a, b] = [row[column], expected[i][column]];
      // The endpoint's pandas JSON has 10 decimals.
      assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: row ${i} ${column} ${a} vs ${b}`);
    }
  }
}

/**
 * Runs the suite against `start(env) → {url, stop()}`, which starts the runtime with the edge
 * handler configured by `env` (the Worker's vars/secrets, Deno's environment).
 */
export function edgeSuite(runtime, start) {
  const responses = [];
  const edges = [];
  let dir, endpoint, port;

  /** GET through an edge, keeping every answer for the keys check. */
  async function get(edge, path, init) {
    const r = await fetch(edge.url + path, init);
    const body = await r.text();
    responses.push({ path, headers: JSON.stringify([...r.headers]), body });
    return { status: r.status, headers: r.headers, body, json: () => JSON.parse(body) };
  }

  async function edge(env) {
    const e = await start(env);
    edges.push(e);
    return e;
  }

  before(async () => {
    dir = trainedModels(2, {});
    endpoint = await serve(dir);
    port = new URL(endpoint.url).port;
  });
  after(async () => {
    for (const e of edges) await e.stop();
    await endpoint?.stop();
  });

  let online;
  test(`${runtime}: relays the endpoint's answer`, async () => {
    const a = await edge({ GRIDCAST_ENDPOINT_URL: endpoint.url, ...KEYS });
    const r = await get(a, "/forecast/1?days=5");
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers.get("x-gridcast-source"), "endpoint");
    assert.equal(r.headers.get("access-control-allow-origin"), "*");
    assert.equal(r.json().customer, "1");
    online = r.json().forecast;
    const direct = execFileSync(gridcast, ["invoke", "--endpoint-url", endpoint.url, "--customer", "1", "--period", "5"], {
      env: { ...process.env, ...KEYS },
    }).toString();
    assertSameForecast(online, pandasRows(direct), "the edge's rows are the endpoint's");
    assert.equal(online[0].ds, "2022-12-25");

    // Errors in SageMaker's shape, while the endpoint is up.
    for (const path of ["/forecast/..%2Fetc?days=3", "/forecast/a%20b?days=3", "/forecast/1?days=0", "/forecast/1?days=91", "/forecast/1?days=seven", "/forecast/%E0%A4%A?days=3"]) {
      const bad = await get(a, path);
      assert.equal(bad.status, 400, path);
      assert.equal(bad.headers.get("x-amzn-errortype"), "ValidationError", path);
      assert.ok(bad.json().message.length > 10, path);
    }
    const missing = await get(a, "/forecast/999?days=3");
    assert.equal(missing.status, 400);
    assert.equal(missing.headers.get("x-amzn-errortype"), "ValidationError");
    assert.match(missing.json().message, /no such artifact/);
    const route = await get(a, "/nope");
    assert.equal(route.status, 404);
    assert.equal(route.headers.get("x-amzn-errortype"), "ResourceNotFound");
    const post = await get(a, "/forecast/1", { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("x-amzn-errortype"), "ValidationError");
  });

  test(`${runtime}: with the endpoint stopped, the device answers the same forecast and band`, async () => {
    const [a] = edges;
    await endpoint.stop();
    try {
      const r = await get(a, "/forecast/1?days=5");
      assert.equal(r.status, 200, r.body);
      assert.equal(r.headers.get("x-gridcast-source"), "device");
      assertSameForecast(r.json().forecast, online, "the device's forecast is the endpoint's");
      // A customer never asked for before the outage has nothing cached.
      const unknown = await get(a, "/forecast/0?days=5");
      assert.equal(unknown.status, 503);
      assert.equal(unknown.headers.get("x-amzn-errortype"), "ServiceUnavailable");
      assert.ok(unknown.json().message);
    } finally {
      endpoint = await serve(dir, port);
    }
  });

  test(`${runtime}: keeps no artifact that inflates past the archive limit`, async () => {
    // An endpoint that answers every invocation and serves customer 1 a real artifact, customer 2
    // the same model padded to inflate past 96 MiB; then goes down.
    const artifact = readFileSync(join(import.meta.dirname, "../../../shared/fixtures/prophet/models/seed_trend_only.tar.gz"));
    const bomb = inflatesTooFar(artifact);
    const answer = JSON.stringify({ ds: { 0: Date.UTC(2023, 0, 1) }, yhat: { 0: 1 }, yhat_lower: { 0: 0 }, yhat_upper: { 0: 2 } });
    let down = false;
    const fake = createServer((req, res) => {
      if (down) return req.socket.destroy();
      const model = req.url.match(/\/models\/(\d+)\.tar\.gz$/);
      if (req.method === "GET" && model) {
        res.writeHead(200, { "content-type": "application/gzip", etag: `"${model[1]}"` });
        return res.end(model[1] === "2" ? bomb : artifact);
      }
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(answer);
    });
    await new Promise((ok) => fake.listen(0, "127.0.0.1", ok));
    try {
      const e = await edge({ GRIDCAST_ENDPOINT_URL: `http://127.0.0.1:${fake.address().port}`, ...KEYS });
      for (const customer of ["1", "2"]) {
        const r = await get(e, `/forecast/${customer}?days=1`);
        assert.equal(r.status, 200, r.body);
        assert.equal(r.headers.get("x-gridcast-source"), "endpoint");
      }
      down = true;
      const kept = await get(e, "/forecast/1?days=3");
      assert.equal(kept.status, 200, kept.body);
      assert.equal(kept.headers.get("x-gridcast-source"), "device");
      const refused = await get(e, "/forecast/2?days=3");
      assert.equal(refused.status, 503, refused.body);
      assert.equal(refused.headers.get("x-amzn-errortype"), "ServiceUnavailable");
    } finally {
      fake.closeAllConnections();
      fake.close();
    }
  });

  test(`${runtime}: signs every request it forwards, forwards none unsigned, and never answers with its keys`, async () => {
    // An endpoint that refuses the edge's keys and quotes its Authorization back, as some do.
    const seen = [];
    const recorder = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(403, { "content-type": "application/json", "x-amzn-errortype": "InvalidSignatureException" });
      res.end(JSON.stringify({ message: `The request signature we calculated does not match: ${req.headers.authorization}` }));
    });
    await new Promise((ok) => recorder.listen(0, "127.0.0.1", ok));
    const upstream = `http://127.0.0.1:${recorder.address().port}`;
    try {
      const signed = await edge({ GRIDCAST_ENDPOINT_URL: upstream, ...KEYS });
      const r = await get(signed, "/forecast/1?days=3");
      assert.equal(r.status, 500, r.body);
      assert.equal(r.headers.get("x-amzn-errortype"), "InternalFailure");
      assert.match(r.json().message, /signature we calculated.*\[the edge's credentials\]/);
      assert.ok(seen.length >= 1);
      for (const h of seen) {
        assert.match(h.authorization ?? "", /^AWS4-HMAC-SHA256 Credential=AKIDOPERATOR\/\d{8}\/us-east-1\/sagemaker\/aws4_request, SignedHeaders=.*host.*x-amz-date.*, Signature=[0-9a-f]{64}$/);
        assert.match(h["x-amz-date"] ?? "", /^\d{8}T\d{6}Z$/);
      }
      const forwarded = seen.length;
      const unsigned = await edge({ GRIDCAST_ENDPOINT_URL: upstream });
      const u = await get(unsigned, "/forecast/1?days=3");
      assert.equal(u.status, 500);
      assert.equal(u.headers.get("x-amzn-errortype"), "InternalFailure");
      assert.match(u.json().message, /AWS_ACCESS_KEY_ID/);
      assert.equal(seen.length, forwarded, "nothing was forwarded unsigned");
    } finally {
      recorder.close();
    }
    assert.ok(responses.length >= 18);
    for (const { path, headers, body } of responses) {
      for (const secret of Object.values(KEYS)) {
        assert.ok(!headers.includes(secret) && !body.includes(secret), `${path} answered with ${secret}`);
      }
    }
  });
}
