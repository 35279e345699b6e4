// The edge handler under Node: answers from the endpoint, then — endpoint stopped — from its
// cached artifact; bad ids and horizons get 400s; it never forwards an unsigned request.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { join } from "node:path";
import { dist, serve, trainedModels } from "./harness.mjs";

const KEYS = { AWS_ACCESS_KEY_ID: "AKIDOPERATOR", AWS_SECRET_ACCESS_KEY: "operator-secret" };

/** Starts `node dist/edge/serve.mjs` with `env`; resolves with its URL. */
function startEdge(env) {
  const child = spawn(process.execPath, [join(dist, "edge/serve.mjs"), "--port", "0"], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((ok, fail) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) ok({ url: m[1], stop: () => child.kill("SIGTERM") });
    });
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => fail(new Error(`edge exited ${code}: ${out}`)));
  });
}

let dir, endpoint, edges = [];
before(async () => {
  dir = trainedModels(2, {});
  endpoint = await serve(dir);
});
after(async () => {
  for (const e of edges) e.stop();
  await endpoint?.stop();
});

test("answers from the endpoint, then from its cached artifact when the endpoint is down", async () => {
  const edge = await startEdge({ GRIDCAST_ENDPOINT_URL: endpoint.url, ...KEYS });
  edges.push(edge);
  const online = await fetch(`${edge.url}/forecast/1?days=5`);
  assert.equal(online.status, 200, await online.clone().text());
  assert.equal(online.headers.get("x-gridcast-source"), "endpoint");
  assert.equal(online.headers.get("access-control-allow-origin"), "*");
  const a = await online.json();
  assert.equal(a.customer, "1");
  assert.equal(a.forecast.length, 5);
  assert.equal(a.forecast[0].ds, "2022-12-25");

  // Another customer never asked for before the outage has nothing cached: a 503.
  await endpoint.stop();
  const offline = await fetch(`${edge.url}/forecast/1?days=5`);
  assert.equal(offline.status, 200);
  assert.equal(offline.headers.get("x-gridcast-source"), "device");
  const b = await offline.json();
  assert.deepEqual(b.forecast.map((r) => r.ds), a.forecast.map((r) => r.ds));
  for (const [i, row] of b.forecast.entries()) {
    for (const column of ["yhat", "yhat_lower", "yhat_upper"]) {
      // The same band as the endpoint's (one seed), to pandas' 10 decimals.
      assert.ok(Math.abs(row[column] - a.forecast[i][column]) <= 1e-9 * Math.max(1, Math.abs(row[column])), `${column} ${i}`);
    }
  }
  const unknown = await fetch(`${edge.url}/forecast/0?days=5`);
  assert.equal(unknown.status, 503);
  assert.equal(unknown.headers.get("x-amzn-errortype"), "ServiceUnavailable");
  assert.ok((await unknown.json()).message);
  endpoint = await serve(dir);
});

test("bad customer ids and horizons are 400s in SageMaker's shape; other routes 404", async () => {
  const edge = await startEdge({ GRIDCAST_ENDPOINT_URL: endpoint.url, ...KEYS });
  edges.push(edge);
  for (const path of ["/forecast/..%2Fetc?days=3", "/forecast/a%20b?days=3", "/forecast/1?days=0", "/forecast/1?days=91", "/forecast/1?days=seven"]) {
    const r = await fetch(edge.url + path);
    assert.equal(r.status, 400, path);
    assert.equal(r.headers.get("x-amzn-errortype"), "ValidationError", path);
    assert.ok((await r.json()).message.length > 10, path);
  }
  const missing = await fetch(`${edge.url}/forecast/999?days=3`);
  assert.equal(missing.status, 400);
  assert.match((await missing.json()).message, /no such artifact/);
  assert.equal((await fetch(`${edge.url}/nope`)).status, 404);
  assert.equal((await fetch(`${edge.url}/forecast/1`, { method: "POST" })).status, 405);
});

test("every request it forwards is SigV4-signed; without keys it forwards nothing", async () => {
  const seen = [];
  const recorder = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(503, { "content-type": "application/json", "x-amzn-errortype": "ServiceUnavailable" });
    res.end(JSON.stringify({ message: "recorder" }));
  });
  await new Promise((ok) => recorder.listen(0, "127.0.0.1", ok));
  const upstream = `http://127.0.0.1:${recorder.address().port}`;
  try {
    const signed = await startEdge({ GRIDCAST_ENDPOINT_URL: upstream, ...KEYS });
    edges.push(signed);
    const r = await fetch(`${signed.url}/forecast/1?days=3`);
    assert.equal(r.status, 503);
    assert.ok(seen.length >= 1);
    for (const h of seen) {
      assert.match(h.authorization ?? "", /^AWS4-HMAC-SHA256 Credential=AKIDOPERATOR\/\d{8}\/us-east-1\/sagemaker\/aws4_request, SignedHeaders=.*host.*x-amz-date.*, Signature=[0-9a-f]{64}$/);
      assert.match(h["x-amz-date"] ?? "", /^\d{8}T\d{6}Z$/);
    }
    const before = seen.length;
    const unsigned = await startEdge({ GRIDCAST_ENDPOINT_URL: upstream });
    edges.push(unsigned);
    const u = await fetch(`${unsigned.url}/forecast/1?days=3`);
    assert.equal(u.status, 500);
    assert.equal(u.headers.get("x-amzn-errortype"), "InternalFailure");
    assert.match((await u.json()).message, /AWS_ACCESS_KEY_ID/);
    assert.equal(seen.length, before, "nothing was forwarded");
  } finally {
    recorder.close();
  }
});
