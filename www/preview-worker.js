// The forecast preview's Web Worker: fits and backtests Prophet on the device (gridcast's
// pure-Rust optimizer, compiled to wasm) so the page stays responsive.
//
// The messages are gridcast-api's WorkerRequest (JSON text) and WorkerReply (as an object)
// (crates/gridcast-api/src/preview.rs); this file only relays them to gridcast-js's previewMessage:
// In:  {id, request: "<WorkerRequest JSON>", csv: Uint8Array, artifact?: Uint8Array}
// Out: {id, reply: WorkerReply, artifact?: Uint8Array}, progress first, the result last

import init, { previewMessage } from "./pkg-fit/gridcast_js.js";

const ready = init({ module_or_path: new URL("./pkg-fit/gridcast_js_bg.wasm", import.meta.url) });

self.onmessage = async (event) => {
  const { id, request, csv, artifact } = event.data;
  const post = (reply, bytes) => self.postMessage({ id, reply, artifact: bytes }, bytes ? [bytes.buffer] : []);
  try {
    await ready;
  } catch (e) {
    // The one reply not made in Rust: the wasm itself did not load.
    const message = `the forecasting code did not load: ${e?.message ?? e}`;
    post({ failed: { request: "read", code: "worker", message, columns: [] } });
    return;
  }
  previewMessage(request, csv, artifact, post);
};
