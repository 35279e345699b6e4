// Starting the edge handler under the real runtimes, from what `make portal` put in dist/:
// dist/edge/serve.mjs under Node, dist/edge/worker.mjs + wrangler.toml under `wrangler dev --local`
// (workerd), and dist/edge/deno.mjs under `deno serve`. Each run works on a copy of dist/edge and dist/pkg-edge, so wrangler's state
// (.wrangler/) never lands in dist.
import { spawn } from "node:child_process";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { dist } from "../e2e/harness.mjs";
import { answering, freePort } from "./suite.mjs";

const bin = resolve(import.meta.dirname, "node_modules/.bin");

function copyOfDist() {
  const dir = mkdtempSync(join(tmpdir(), "gridcast-edge-"));
  cpSync(join(dist, "edge"), join(dir, "edge"), { recursive: true });
  cpSync(join(dist, "pkg-edge"), join(dir, "pkg-edge"), { recursive: true });
  return dir;
}

function started(child, url, log, dir) {
  let exit = null;
  child.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  child.on("exit", (code, signal) => (exit = `${code ?? signal}: ${log.join("").slice(-2000)}`));
  return answering(url, 60_000, () => exit).then(() => ({
    url,
    stop: () =>
      new Promise((ok) => {
        if (child.exitCode !== null || child.signalCode !== null) return ok();
        child.on("exit", () => ok());
        // The whole process group: wrangler runs workerd as a child.
        process.kill(-child.pid, "SIGTERM");
      }),
  }));
}

function spawnLogged(command, args, options) {
  const log = [];
  const child = spawn(command, args, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (d) => log.push(String(d)));
  child.stderr.on("data", (d) => log.push(String(d)));
  return { child, log };
}

/**
 * `launch()` again (a fresh copy, fresh ports) when the runtime lost a port `freePort()` found to
 * another process before it could bind it (a race no probe can close: wrangler's and workerd's own
 * helpers bind loopback ports too); any other failure is the test's.
 */
async function onFreePorts(launch, tries = 3) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch();
    } catch (e) {
      const lostPort = /already in use|EADDRINUSE|AddrInUse/i.test(String(e?.message));
      if (!lostPort || attempt >= tries) throw e;
    }
  }
}

/** `wrangler dev --local` (workerd) on dist/edge's wrangler.toml, with `env` as --var bindings. */
export function startWorkerd(env) {
  return onFreePorts(() => launchWorkerd(env));
}

async function launchWorkerd(env) {
  const dir = copyOfDist();
  const [port, inspector] = [await freePort(), await freePort()];
  const vars = Object.entries(env).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const { child, log } = spawnLogged(join(bin, "wrangler"),
    ["dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector),
     "--show-interactive-dev-session=false", "--log-level", "warn", ...vars],
    {
      cwd: join(dir, "edge"),
      env: { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: join(dir, "config"), WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "true" },
    });
  return started(child, `http://127.0.0.1:${port}`, log, dir);
}

/** `deno task serve` (dist/edge/deno.json's command and permissions) on a free port, `env` as its environment. */
export function startDeno(env) {
  return onFreePorts(() => launchDeno(env));
}

async function launchDeno(env) {
  const dir = copyOfDist();
  const port = await freePort();
  const task = JSON.parse(readFileSync(join(dir, "edge/deno.json"), "utf8")).tasks.serve.split(/\s+/);
  assert.equal(task[0], "deno");
  const args = task.slice(1).map((a, i, all) => (all[i - 1] === "--port" ? String(port) : a));
  const { child, log } = spawnLogged(join(bin, "deno"), args, {
    cwd: join(dir, "edge"),
    env: { PATH: process.env.PATH, HOME: dir, DENO_DIR: join(dir, "deno"), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...env },
  });
  return started(child, `http://127.0.0.1:${port}`, log, dir);
}

/** `node dist/edge/serve.mjs` on a free port, `env` as its environment. */
export function startNode(env) {
  return onFreePorts(() => launchNode(env));
}

async function launchNode(env) {
  const dir = copyOfDist();
  const port = await freePort();
  const { child, log } = spawnLogged(process.execPath, [join(dir, "edge/serve.mjs"), "--port", String(port)], {
    env: { PATH: process.env.PATH, ...env },
  });
  return started(child, `http://127.0.0.1:${port}`, log, dir);
}
