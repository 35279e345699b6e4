// gridcast's edge handler: a standard `fetch(request, env)` (the shape Workers and Deno use).
//
//   GET /forecast/{customer}?days=N  →  {"customer", "source", "forecast": [{ds, yhat, yhat_lower, yhat_upper}],
//                                        "uncovered"?: {message, from, to, columns}}  (days without covariates)
//
// It signs InvokeEndpoint to env.GRIDCAST_ENDPOINT_URL with env.AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN), so browsers never hold AWS keys; keeps each
// customer's artifact in memory; and when the endpoint is down or slower than
// env.GRIDCAST_TIMEOUT_MS (3000) answers from its own Prophet forecast. `x-gridcast-source`
// says which (endpoint | device). Errors have SageMaker's shape. Optional env:
// GRIDCAST_REGION, GRIDCAST_ENDPOINT_NAME, GRIDCAST_TARGET_TEMPLATE.
//
// `createHandler(gridcast)` takes the wasm-bindgen module (initialised); runtimes that can
// import the wasm directly use the default export after `await ready(wasmSource)`.

import * as gridcastModule from "../pkg-edge/gridcast_js.js";

const ROUTE = /^\/forecast\/([^/]+)$/;

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "access-control-allow-origin": "*", ...headers },
  });
}

export function createHandler(gridcast) {
  return {
    async fetch(request, env = {}) {
      const url = new URL(request.url);
      if (request.method === "OPTIONS") {
        return new Response(null, {
          status: 204,
          headers: { "access-control-allow-origin": "*", "access-control-allow-methods": "GET, OPTIONS", "access-control-max-age": "600" },
        });
      }
      const match = url.pathname.match(ROUTE);
      if (!match) {
        return json(404, { message: `no route for ${request.method} ${url.pathname}; use GET /forecast/{customer}?days=N` }, { "x-amzn-errortype": "ResourceNotFound" });
      }
      if (request.method !== "GET") {
        return json(405, { message: `${request.method} is not allowed; use GET` }, { "x-amzn-errortype": "ValidationError", allow: "GET, OPTIONS" });
      }
      let customer;
      try {
        customer = decodeURIComponent(match[1]);
      } catch {
        return json(400, { message: "the customer id is not valid percent-encoding" }, { "x-amzn-errortype": "ValidationError" });
      }
      const answer = await gridcast.edgeForecast(env, customer, url.searchParams.get("days") ?? "7");
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    },
  };
}

let ready_;
/** Initialises the wasm from `source` (bytes, a WebAssembly.Module, or a URL; default: beside the glue). */
export function ready(source) {
  ready_ ??= gridcastModule.default(source === undefined ? undefined : { module_or_path: source });
  return ready_;
}

const handler = createHandler(gridcastModule);
export default {
  async fetch(request, env) {
    await ready(env?.GRIDCAST_WASM);
    return handler.fetch(request, env);
  },
};
