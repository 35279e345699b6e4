// On-device Prophet, in one go: gridcast's wasm (dist/pkg-fit's fitCsv, dist/pkg-edge's
// forecastArtifact) against the same Rust natively (cargo bench -p gridcast-js --bench
// on_device) and against augurs JS 0.10.2 with its wasmstan optimizer, on the same CSVs,
// in the same runtimes: Node and headless Chromium.
//
//   cd bench && npm ci && cd .. && make portal
//   node bench/on-device.mjs [--runs 15] [--warmup 5] [--no-native] [--no-browser] [--json out.json]
//                            [--cases seed_trend_only,daily_auto]
//
// Cases: every fixture in ../shared/fixtures/prophet (fit on all rows but the holdout, the
// case's Prophet arguments, a 30-day forecast with 1,000 samples; forecasts of 7, 30 and 90
// days from Python's own model.json); augurs runs the two cases it is configured for.
// Each figure is a median over the runs after the warm-up; "cold" is the first call.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { augursRuns, gridcastRuns } from "./on-device-runs.mjs";

const root = resolve(import.meta.dirname, "..");
const { values: opt } = parseArgs({
  options: {
    runs: { type: "string", default: "15" },
    warmup: { type: "string", default: "5" },
    dist: { type: "string", default: join(root, "dist") },
    fixtures: { type: "string", default: join(root, "../shared/fixtures/prophet") },
    "no-native": { type: "boolean", default: false },
    "no-browser": { type: "boolean", default: false },
    json: { type: "string" },
    cases: { type: "string" },
  },
});
const runs = Number(opt.runs);
const warmup = Number(opt.warmup);
const tmp = mkdtempSync(join(tmpdir(), "gridcast-on-device-"));

// augurs' options for the cases of issue 19 (Prophet's defaults; the seed's trend only).
const AUGURS = {
  daily_auto: {},
  seed_trend_only: Object.fromEntries([["seasonalityMode", "multiplicative"],
    ...["yearly", "weekly", "daily"].map((s) => [`${s}Seasonality`, { type: "manual", enabled: false }])]),
};

function cases() {
  const only = opt.cases?.split(",");
  const ids = readdirSync(join(opt.fixtures, "expected")).map((f) => f.replace(/\.json$/, "")).sort();
  return ids.filter((id) => !only || only.includes(id)).map((id) => {
    const e = JSON.parse(readFileSync(join(opt.fixtures, "expected", `${id}.json`)));
    const lines = readFileSync(join(opt.fixtures, "data", `${id}.csv`), "utf8").trimEnd().split("\n");
    const csvPath = join(tmp, `${id}.csv`);
    writeFileSync(csvPath, lines.slice(0, lines.length - e.period).join("\n") + "\n");
    const config = { ...e.kwargs };
    if (e.extra === "monthly") config.seasonalities = [{ name: "monthly", period: 30.5, fourier_order: 5 }];
    if (e.extra === "cap") config.cap = e.cap;
    return {
      id,
      rows: e.train_rows,
      csvPath,
      csv: new Uint8Array(readFileSync(csvPath)),
      config: JSON.stringify(config),
      days: 30,
      artifactPath: join(opt.fixtures, "models", `${id}.tar.gz`),
      artifact: new Uint8Array(readFileSync(join(opt.fixtures, "models", `${id}.tar.gz`))),
      forecastDays: [7, 30, 90],
      augurs: AUGURS[id] ?? null,
    };
  });
}

function native(all) {
  const spec = join(tmp, "cases.json");
  writeFileSync(spec, JSON.stringify({
    runs, warmup,
    cases: all.map((c) => ({ id: c.id, csv: c.csvPath, config: c.config, days: c.days, artifact: c.artifactPath, forecastDays: c.forecastDays })),
  }));
  const out = execFileSync("cargo", ["bench", "-q", "-p", "gridcast-js", "--bench", "on_device", "--", spec], {
    cwd: root, stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24,
  });
  return JSON.parse(out.toString().trim().split("\n").at(-1));
}

async function node(all) {
  const load = async (dir) => {
    const m = await import(join(opt.dist, dir, "gridcast_js.js"));
    await m.default({ module_or_path: readFileSync(join(opt.dist, dir, "gridcast_js_bg.wasm")) });
    return m;
  };
  const gridcast = await gridcastRuns(await load("pkg-fit"), await load("pkg-edge"), all, runs, warmup);
  const prophet = await import("@bsull/augurs/prophet");
  await prophet.default({ module_or_path: readFileSync(join(import.meta.dirname, "node_modules/@bsull/augurs/prophet_bg.wasm")) });
  const { optimizer } = await import("@bsull/augurs-prophet-wasmstan");
  return { gridcast, augurs: augursRuns(prophet.Prophet, optimizer, all, runs, warmup) };
}

// The page imports the same modules through an import map; files come from dist/ and bench/.
async function chromium(all) {
  const { browser, staticServer } = await import("../tests/e2e/harness.mjs");
  const site = join(tmp, "site");
  const modules = join(import.meta.dirname, "node_modules");
  execFileSync("mkdir", ["-p", site]);
  for (const [name, target] of [["pkg-edge", join(opt.dist, "pkg-edge")], ["pkg-fit", join(opt.dist, "pkg-fit")],
    ["on-device-runs.mjs", join(import.meta.dirname, "on-device-runs.mjs")], ["modules", modules]]) {
    symlinkSync(target, join(site, name));
  }
  const shim = "/modules/@bytecodealliance/preview2-shim/lib/browser";
  const imports = Object.fromEntries(["cli", "clocks", "filesystem", "io", "random"].map((m) => [`@bytecodealliance/preview2-shim/${m}`, `${shim}/${m}.js`]));
  writeFileSync(join(site, "index.html"), `<!doctype html><meta charset="utf-8"><title>bench</title>
<script type="importmap">${JSON.stringify({ imports })}</script>`);
  const host = await staticServer(site);
  const chrome = await browser();
  try {
    const page = await chrome.newPage();
    page.on("pageerror", (e) => console.error("page:", e.message));
    await page.goto(`${host.url}/index.html`);
    const data = all.map((c) => ({ ...c, csv: [...c.csv], artifact: [...c.artifact] }));
    return await page.evaluate(async ({ data, runs, warmup }) => {
      const cases = data.map((c) => ({ ...c, csv: new Uint8Array(c.csv), artifact: new Uint8Array(c.artifact) }));
      const load = async (dir) => {
        const m = await import(`/${dir}/gridcast_js.js`);
        await m.default({ module_or_path: `/${dir}/gridcast_js_bg.wasm` });
        return m;
      };
      const { gridcastRuns, augursRuns } = await import("/on-device-runs.mjs");
      const gridcast = await gridcastRuns(await load("pkg-fit"), await load("pkg-edge"), cases, runs, warmup);
      const prophet = await import("/modules/@bsull/augurs/prophet.js");
      await prophet.default();
      const { optimizer } = await import("/modules/@bsull/augurs-prophet-wasmstan/prophet-wasmstan.js");
      return { gridcast, augurs: augursRuns(prophet.Prophet, optimizer, cases, runs, warmup) };
    }, { data, runs, warmup });
  } finally {
    await chrome.close();
    await host.stop();
  }
}

const ms = (v) => (v === undefined ? "—" : v < 10 ? v.toFixed(2) : v.toFixed(1));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(1)}×` : "—");

function report(all, results) {
  const runtimes = Object.keys(results).filter((k) => k !== "native");
  const n = results.native;
  console.log(`\nfit: fitCsv (parse, fit, 30-day forecast × 1,000 samples, chart; the artifact on demand), median of ${runs} after ${warmup} warm-up; ms`);
  console.log(["case", "rows", "native fit", ...runtimes.flatMap((r) => [`${r} fit`, "÷native", `${r} fitCsv (fastest)`, "cold"])].join(" | "));
  for (const c of all) {
    const cells = [c.id, c.rows, ms(n?.[c.id]?.fit.fitMs)];
    for (const r of runtimes) {
      const g = results[r].gridcast[c.id].fit;
      cells.push(ms(g.fitMs), ratio(g.fitMs, n?.[c.id]?.fit.fitMs), `${ms(g.totalMs)} (${ms(g.minMs)})`, ms(g.coldMs));
    }
    console.log(cells.join(" | "));
  }
  console.log("\nstages (ms): parse / fit / forecast / chart / artifact / bindings = whole call");
  for (const c of all) {
    const line = (name, s) => `${c.id.padEnd(16)} ${name.padEnd(8)} ${["parseMs", "fitMs", "forecastMs", "chartMs", "artifactMs", "bindingsMs"].map((k) => ms(s[k])).join(" / ")} = ${ms(s.totalMs)}`;
    if (n) console.log(line("native", n[c.id].fit));
    for (const r of runtimes) console.log(line(r, results[r].gridcast[c.id].fit));
  }
  console.log("\nartifact on demand: model.artifact() after fitCsv (model.json, tar, gzip: the download); ms");
  for (const c of all) {
    const cells = runtimes.map((r) => { const a = results[r].gridcast[c.id].artifact; return `${r} ${a ? `${ms(a.totalMs)} (${ms(a.minMs)})` : "— (in fitCsv)"}`; });
    console.log(`${c.id.padEnd(16)} ${cells.join(" | ")}`);
  }
  console.log("\nforecast-only: forecastArtifact (unpack, model.json, forecast × 1,000 samples, rows) of Python's model; ms");
  console.log(["case", "days", "native (fastest)", ...runtimes.flatMap((r) => [`${r} (fastest)`, "÷native", `${r} unpack/json/forecast/rows`])].join(" | "));
  for (const c of all) {
    for (const d of c.forecastDays) {
      const nf = n?.[c.id]?.forecast[d];
      const cells = [c.id, d, nf ? `${ms(nf.totalMs)} (${ms(nf.minMs)})` : "—"];
      for (const r of runtimes) {
        const f = results[r].gridcast[c.id].forecast[d];
        cells.push(`${ms(f.totalMs)} (${ms(f.minMs)})`, ratio(f.totalMs, nf?.totalMs), ["unpackMs", "modelJsonMs", "forecastMs", "rowsMs"].map((k) => ms(f[k])).join("/"));
      }
      console.log(cells.join(" | "));
    }
  }
  console.log("\naugurs JS 0.10.2 + wasmstan (parse, fit, predict 30 days) against gridcast's fitCsv, same runtime; ms");
  console.log(["case", ...runtimes.flatMap((r) => [`${r} augurs (fastest)`, `${r} gridcast`, "augurs ÷ gridcast"])].join(" | "));
  for (const c of all.filter((c) => c.augurs)) {
    const cells = [c.id];
    for (const r of runtimes) {
      const a = results[r].augurs[c.id].fit;
      const g = results[r].gridcast[c.id].fit;
      cells.push(`${ms(a.totalMs)} (${ms(a.minMs)})`, `${ms(g.totalMs)} (${ms(g.minMs)})`, `${ratio(a.totalMs, g.totalMs)} (${ratio(a.minMs, g.minMs)})`);
    }
    console.log(cells.join(" | "));
  }
}

const all = cases();
const results = {};
if (!opt["no-native"]) results.native = native(all);
results.node = await node(all);
if (!opt["no-browser"]) {
  try {
    results.chromium = await chromium(all);
  } catch (e) {
    console.error(`Chromium left out: ${e.message} (cd tests/e2e && npm ci; Debian's chromium)`);
  }
}
report(all, results);
if (opt.json) writeFileSync(opt.json, JSON.stringify(results, null, 1));
