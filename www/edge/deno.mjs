// gridcast's edge handler under Deno:
//
//   cd dist/edge && deno task serve          # deno.json beside this file: the permissions it needs
//
// Deno compiles the wasm from bytes, read beside the glue. The handler sees only the variables
// it reads (the --allow-env list), never the whole environment.

import * as gridcast from "../pkg-edge/gridcast_js.js";
import { createHandler } from "./handler.mjs";

/** The variables the handler reads (see handler.mjs). */
export const VARIABLES = [
  "GRIDCAST_ENDPOINT_URL", "GRIDCAST_REGION", "GRIDCAST_ENDPOINT_NAME", "GRIDCAST_TARGET_TEMPLATE",
  "GRIDCAST_TIMEOUT_MS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
];

await gridcast.default({ module_or_path: await Deno.readFile(new URL("../pkg-edge/gridcast_js_bg.wasm", import.meta.url)) });
const readable = (name) => Deno.permissions.querySync({ name: "env", variable: name }).state === "granted";
const env = Object.fromEntries(VARIABLES.filter(readable).flatMap((name) => {
  const value = Deno.env.get(name);
  return value === undefined ? [] : [[name, value]];
}));
const handler = createHandler(gridcast);

export default {
  fetch: (request) => handler.fetch(request, env),
};
