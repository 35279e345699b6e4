// Runs the edge handler under Node (20+) for local use:
//
//   GRIDCAST_ENDPOINT_URL=http://127.0.0.1:8080 AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
//     node dist/edge/serve.mjs [--port 8787]
//
// A tiny adapter from node:http to the handler's fetch(request, env); env is process.env.
// Prints "gridcast edge listening on http://127.0.0.1:PORT" once it accepts requests.

import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import edge, { ready } from "./handler.mjs";

const args = process.argv.slice(2);
const portArg = args.indexOf("--port");
const port = Number(portArg >= 0 ? args[portArg + 1] : (process.env.PORT ?? 8787));
const host = process.env.GRIDCAST_HOST ?? "127.0.0.1";

await ready(readFileSync(new URL("../pkg-edge/gridcast_js_bg.wasm", import.meta.url)));

const server = createServer(async (req, res) => {
  try {
    const request = new Request(new URL(req.url, `http://${req.headers.host ?? host}`), { method: req.method, headers: req.headers });
    const response = await edge.fetch(request, process.env);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (e) {
    res.writeHead(500, { "content-type": "application/json", "x-amzn-errortype": "InternalFailure" });
    res.end(JSON.stringify({ message: `edge handler failed: ${e?.message ?? e}` }));
  }
});
server.listen(port, host, () => {
  console.log(`gridcast edge listening on http://${host}:${server.address().port}`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
