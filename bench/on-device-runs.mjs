// The timed runs of bench/on-device.mjs, shared by Node and the Chromium page: plain
// functions over already-loaded modules and plain data (no file or network access).
//
// A case: {id, csv: Uint8Array (the training rows), config: prophet.json text, days,
//          artifact: Uint8Array (Python's model), forecastDays: [..], augurs: options | null}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Each numeric field's median over the runs (objects of ms), the fastest whole call and the
 *  first (cold) one's. */
function summary(runs, cold) {
  const out = { coldMs: cold, minMs: Math.min(...runs.map((r) => r.totalMs)) };
  for (const key of Object.keys(runs[0])) out[key] = median(runs.map((r) => r[key]));
  return out;
}

function repeat(runs, warmup, call) {
  const cold = call().totalMs;
  for (let i = 1; i < warmup; i++) call();
  return summary(Array.from({ length: runs }, call), cold);
}

/** One call's stages as the wasm timed them, and as JavaScript did: the whole call, and the
 *  rest of it ("bindings": converting the answer, copying bytes). */
function staged(call) {
  const t0 = performance.now();
  const { stages, model } = call();
  const totalMs = performance.now() - t0;
  model?.free();
  const inside = Object.values(stages).reduce((a, b) => a + b, 0);
  return { ...stages, bindingsMs: totalMs - inside, totalMs };
}

/** The artifact written on demand from a fitted model (`fitCsv`'s `model.artifact()`, the
 *  preview's download), timed alone; none from a build whose `fitCsv` wrote it every time. */
function saved(fitPkg, c, runs, warmup) {
  const { model } = fitPkg.fitCsv(c.csv, c.config, c.days, 1);
  if (!model) return undefined;
  const out = repeat(runs, warmup, () => {
    const t0 = performance.now();
    const bytes = model.artifact();
    if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) throw new Error("the artifact is not gzip");
    return { totalMs: performance.now() - t0 };
  });
  model.free();
  return out;
}

/** gridcast's wasm: `fitCsv` (parse, fit, forecast, chart), the artifact on demand and
 *  `forecastArtifact`. pkg-edge links no inflater: its `forecastArtifact` takes the tar, which
 *  its `gunzipArtifact` (the runtime's DecompressionStream) makes once per case, untimed; so its
 *  unpack stage is the tar alone. */
export async function gridcastRuns(fitPkg, forecastPkg, cases, runs, warmup) {
  const out = {};
  for (const c of cases) {
    const fit = repeat(runs, warmup, () => staged(() => fitPkg.fitCsv(c.csv, c.config, c.days, 1)));
    const artifact = saved(fitPkg, c, runs, warmup);
    const forecast = {};
    const input = forecastPkg.gunzipArtifact ? await forecastPkg.gunzipArtifact(c.artifact) : c.artifact;
    for (const days of c.forecastDays) {
      forecast[days] = repeat(runs, warmup, () => staged(() => forecastPkg.forecastArtifact(input, days, 1)));
    }
    out[c.id] = { fit, artifact, forecast };
  }
  return out;
}

/** The CSV's rows as augurs takes them: seconds and values. */
function readings(csv) {
  const ds = [];
  const y = [];
  for (const line of new TextDecoder().decode(csv).split("\n")) {
    if (!line) continue;
    const [t, v] = line.split(",");
    ds.push(Date.parse(t.length === 10 ? `${t}T00:00:00Z` : `${t.replace(" ", "T")}Z`) / 1000);
    y.push(Number(v));
  }
  return { ds, y };
}

/** augurs JS: the same CSV parsed, `Prophet.fit`, then `predict` of `days` future days. */
export function augursRuns(Prophet, optimizer, cases, runs, warmup) {
  const out = {};
  for (const c of cases.filter((c) => c.augurs)) {
    out[c.id] = {
      fit: repeat(runs, warmup, () => {
        const t0 = performance.now();
        const data = readings(c.csv);
        const p = new Prophet({ optimizer, ...c.augurs });
        const t1 = performance.now();
        p.fit(data);
        const t2 = performance.now();
        const future = p.makeFutureDataframe(c.days, { includeHistory: false });
        const pred = p.predict(future);
        const t3 = performance.now();
        if (pred.yhat.point.length !== c.days) throw new Error(`augurs gave ${pred.yhat.point.length} rows`);
        p.free();
        return { parseMs: t1 - t0, fitMs: t2 - t1, forecastMs: t3 - t2, totalMs: t3 - t0 };
      }),
    };
  }
  return out;
}
