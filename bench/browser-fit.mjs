// On-device fit time in Chromium: Prophet on two years of daily readings, fitted by the
// preview's wasm (dist/pkg-fit) in a page, timed with performance.now(). Budget: ≤ 100 ms.
//
//   node bench/browser-fit.mjs [runs]     (after `make portal`; uses target/debug/gridcast)
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { browser, cli, dist, staticServer } from "../tests/e2e/harness.mjs";

const runs = Number(process.argv[2] ?? 21);
const dir = mkdtempSync(join(tmpdir(), "gridcast-bench-"));
cli("generate", "--customers", "1", "--start", "2021-01-01", "--end", "2022-12-31", "--out", join(dir, "e.csv"));
cli("process", "--input", join(dir, "e.csv"), "--output", join(dir, "data"));
const csv = [...readFileSync(join(dir, "data/0.csv"))];

const host = await staticServer(dist);
const chrome = await browser();
const page = await chrome.newPage();
await page.goto(`${host.url}/examples/dashboard.html`);
const result = await page.evaluate(async ({ csv, runs }) => {
  const gc = await import("/pkg-fit/gridcast_js.js");
  await gc.default({ module_or_path: "/pkg-fit/gridcast_js_bg.wasm" });
  const bytes = new Uint8Array(csv);
  const out = {};
  for (const preset of ["seed", "default"]) {
    const wall = [];
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = gc.fitCsv(bytes, preset, 30, 1);
      wall.push(performance.now() - t0);
      rows = r.readings;
      r.model?.free();
    }
    wall.sort((a, b) => a - b);
    out[preset] = { rows, first: wall[0], median: wall[Math.floor(runs / 2)], max: wall[runs - 1] };
  }
  return out;
}, { csv, runs });
await chrome.close();
await host.stop();
for (const [preset, r] of Object.entries(result)) {
  console.log(`${preset.padEnd(8)} ${r.rows} rows: median ${r.median.toFixed(1)} ms, min ${r.first.toFixed(1)} ms, max ${r.max.toFixed(1)} ms (fit + 30-day forecast; the artifact on demand, ${runs} runs)`);
}
