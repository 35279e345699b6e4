// The forecast preview's Web Worker: fits Prophet on the device (gridcast's pure-Rust
// optimizer, compiled to wasm) so the page stays responsive.
//
// In:  {id, kind: "read", csv: Uint8Array}: the readings checked and charted, before fitting
//      {id, kind: "fit", csv, preset: "default"|"seed", days, artifact?: Uint8Array}
//      (with an artifact: its history plus the CSV's readings, refit with its own arguments)
// Out: {id, readings} for "read"; {id, progress: text} ..., then {id, result} for "fit";
//      {id, kind, error: text} when either fails

import init, { fitCsv, readCsv, refitWithReadings } from "./pkg-fit/gridcast_js.js";

const ready = init({ module_or_path: new URL("./pkg-fit/gridcast_js_bg.wasm", import.meta.url) });

self.onmessage = async (event) => {
  const { id, kind, csv, preset, days, artifact } = event.data;
  const progress = (text) => self.postMessage({ id, progress: text });
  try {
    if (kind === "read") {
      await ready;
      self.postMessage({ id, readings: readCsv(csv) });
      return;
    }
    progress("Loading the forecasting code…");
    await ready;
    progress(artifact ? "Adding the readings to your model and fitting again…" : "Fitting a Prophet model to the readings…");
    const result = artifact ? refitWithReadings(artifact, csv, days) : fitCsv(csv, preset, days);
    progress("Done");
    self.postMessage({ id, result }, [result.artifact.buffer]);
  } catch (e) {
    self.postMessage({ id, kind, error: String(e?.message ?? e) });
  }
};
