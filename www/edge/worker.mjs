// gridcast's edge handler as a Cloudflare Workers module worker (workerd).
//
//   cd dist/edge && npx wrangler deploy        # wrangler.toml beside this file
//
// workerd does not compile WebAssembly from bytes at run time, so the wasm is imported as a
// module (wrangler bundles `*.wasm` imports as compiled modules) and instantiated from it.
// Configuration comes from the Worker's vars and secrets (see wrangler.toml).

import wasm from "../pkg-edge/gridcast_js_bg.wasm";
import * as gridcast from "../pkg-edge/gridcast_js.js";
import { createHandler } from "./handler.mjs";

const handler = createHandler(gridcast);
let ready;

export default {
  async fetch(request, env) {
    ready ??= gridcast.default({ module_or_path: wasm });
    await ready;
    return handler.fetch(request, env);
  },
};
