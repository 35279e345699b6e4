// Shared by the browser tests: a trained demo endpoint started with the
// gridcast CLI, and Debian's Chromium driven by playwright-core.
import { spawn, execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const root = resolve(import.meta.dirname, "../..");
export const gridcast = process.env.GRIDCAST_BIN ?? join(root, "target/debug/gridcast");
export const dist = process.env.GRIDCAST_DIST ?? join(root, "dist");
export const shots = process.env.GRIDCAST_SCREENSHOTS ?? join(root, "target/e2e-screenshots");
mkdirSync(shots, { recursive: true });

/** Trains `customers` seed-style models and adds a login per id in `logins`. */
export function trainedModels(customers, logins) {
  const dir = mkdtempSync(join(tmpdir(), "gridcast-e2e-"));
  const run = (...args) => execFileSync(gridcast, args, { stdio: ["pipe", "pipe", "pipe"] });
  run("generate", "--customers", String(customers), "--out", join(dir, "e.csv"));
  run("process", "--input", join(dir, "e.csv"), "--output", join(dir, "data"));
  run("train", "--input", join(dir, "data"), "--output", join(dir, "models"), "--preset", "seed");
  return withLogins(dir, logins);
}

/** Adds a login per id in `logins` and the operator's keys (auth.json) to `dir`. */
function withLogins(dir, logins) {
  for (const [id, password] of Object.entries(logins)) {
    execFileSync(gridcast, ["users", "add", "--users", join(dir, "users.json"), "--customer", id], {
      input: password + "\n",
      stdio: ["pipe", "pipe", "pipe"],
    });
  }
  writeFileSync(
    join(dir, "auth.json"),
    JSON.stringify({ principals: [{ access_key_id: "AKIDOPERATOR", secret_access_key: "operator-secret", target_models: ["*"] }] }),
  );
  return dir;
}

/**
 * Python Prophet's temperature model (prophet-ext `temp_regressor`: regressors temperature and
 * heating, history to 2023-12-31) as customer 0's artifact, and `feed.csv`, the covariates feed:
 * the fixture's future temperature and heating for the first `days` days of 2024.
 */
export function regressorModels(logins, days) {
  const dir = mkdtempSync(join(tmpdir(), "gridcast-e2e-"));
  const ext = join(root, "../shared/fixtures/prophet-ext");
  mkdirSync(join(dir, "models"));
  copyFileSync(join(ext, "models/temp_regressor.tar.gz"), join(dir, "models/0.tar.gz"));
  const future = readFileSync(join(ext, "future/temp_regressor.csv"), "utf8").trim().split("\n");
  writeFileSync(join(dir, "feed.csv"), future.slice(0, days + 1).join("\n") + "\n");
  return withLogins(dir, logins);
}

/**
 * Python Prophet's US weather model (crates/gridcast-client/tests/holidays: temperature, weekly, US
 * holidays, history to 2023-12-20) as customer 0's artifact, and `feed.csv`: its future temperature
 * for the first `days` days (over Christmas and New Year's).
 */
export function holidayModels(logins, days) {
  const dir = mkdtempSync(join(tmpdir(), "gridcast-e2e-"));
  const fixture = join(root, "crates/gridcast-client/tests/holidays");
  mkdirSync(join(dir, "models"));
  copyFileSync(join(fixture, "us_weather.tar.gz"), join(dir, "models/0.tar.gz"));
  const { future } = JSON.parse(readFileSync(join(fixture, "us_weather.json"), "utf8"));
  const rows = future.ds.slice(0, days).map((d, i) => `${d},${future.temperature[i]}`);
  writeFileSync(join(dir, "feed.csv"), ["ds,temperature", ...rows].join("\n") + "\n");
  return withLogins(dir, logins);
}

/** Starts `gridcast serve` on `port` (0: any) and resolves with its URL. */
export function serve(dir, port = 0, extra = []) {
  const child = spawn(
    gridcast,
    ["serve", "--port", String(port), "--models", join(dir, "models"), "--users", join(dir, "users.json"),
     "--auth", join(dir, "auth.json"), "--www", dist, ...extra],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((ok, fail) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) ok({ url: m[1], stop: () => stopped(child) });
    });
    child.on("exit", (code) => fail(new Error(`gridcast serve exited ${code}: ${out}`)));
  });
}

function stopped(child) {
  return new Promise((ok) => {
    if (child.exitCode !== null) return ok();
    child.removeAllListeners("exit");
    child.on("exit", () => ok());
    child.kill("SIGTERM");
  });
}

/** Debian's Chromium, headless, with the flags a closed network needs. */
export async function browser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

/** Saves a screenshot as a test artifact. */
export async function shot(page, name) {
  const path = join(shots, name + ".png");
  await page.screenshot({ path, fullPage: true });
  return path;
}

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".css": "text/css", ".svg": "image/svg+xml" };

/** A static file server for `root` (a host page on another origin than the endpoint). */
/**
 * dist served statically with a host page at `path` showing one widget for customer 0 over `days`
 * days (the dashboard example's credentials script, signing in with `password`).
 */
export function oneWidgetHost(path, days, password) {
  const dashboard = readFileSync(join(dist, "examples/dashboard.html"), "utf8").replace(
    /<main>[\s\S]*<\/main>/,
    `<main><section class="host"><gridcast-forecast customer="0" days="${days}"></gridcast-forecast></section></main>`,
  );
  return staticServer(dist, { [path]: dashboard, "/examples/demo-logins.json": JSON.stringify({ 0: password }) });
}

export async function staticServer(root, extra = {}) {
  const { createServer } = await import("node:http");
  const { readFile } = await import("node:fs/promises");
  const { extname, normalize } = await import("node:path");
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    try {
      const body = extra[path] ?? (await readFile(join(root, path.endsWith("/") ? path + "index.html" : path)));
      res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}`, stop: () => new Promise((ok) => server.close(ok)) };
}

/** Runs the gridcast CLI and returns its standard output. */
export function cli(...args) {
  return execFileSync(gridcast, args, { stdio: ["pipe", "pipe", "pipe"] }).toString();
}

/** Runs axe-core (WCAG 2.1 A and AA rules) on the page; returns the serious and critical violations. */
export async function accessibilityProblems(page) {
  await page.addScriptTag({ path: join(root, "tests/e2e/node_modules/axe-core/axe.min.js") });
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}
