//! The on-device fit and forecast natively, stage by stage: the native half
//! of `bench/on-device.mjs`, which writes the cases and runs this as
//! `cargo bench -p gridcast-js --bench on_device -- CASES.json`.
//!
//! CASES.json: `{"runs": N, "warmup": W, "cases": [{"id", "csv" (a path),
//! "config" (prophet.json's text), "days", "artifact" (a path),
//! "forecastDays": [..]}]}`. Prints one JSON object: per case the median
//! of each stage over `runs` (after `warmup`), in ms, as `fitCsv` and
//! `forecastArtifact` report them, the median whole call (`totalMs`) and the
//! fastest (`minMs`).

use std::sync::OnceLock;
use std::time::Instant;

use gridcast_js::stages::{self, Clock};
use serde_json::{json, Value};

fn clock() -> Clock {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now);
    || START.get().unwrap().elapsed().as_secs_f64() * 1000.0
}

/// Each field's median over the runs, the median whole call (`totalMs`) and
/// the fastest (`minMs`).
fn medians(runs: Vec<(Value, f64)>) -> Value {
    let mut out = serde_json::Map::new();
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    if let Some(Value::Object(first)) = runs.first().map(|r| &r.0) {
        for key in first.keys() {
            let v = runs.iter().map(|(s, _)| s[key].as_f64().unwrap()).collect();
            out.insert(key.clone(), json!(median(v)));
        }
    }
    let totals: Vec<f64> = runs.iter().map(|r| r.1).collect();
    let fastest = totals.iter().copied().fold(f64::INFINITY, f64::min);
    out.insert("minMs".into(), json!(fastest));
    out.insert("totalMs".into(), json!(median(totals)));
    Value::Object(out)
}

fn repeat(n: usize, warmup: usize, clock: Clock, mut f: impl FnMut() -> Value) -> Value {
    for _ in 0..warmup {
        f();
    }
    medians(
        (0..n)
            .map(|_| {
                let t0 = clock();
                let stages = f();
                (stages, clock() - t0)
            })
            .collect(),
    )
}

fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .expect("usage: on_device CASES.json (bench/on-device.mjs writes it)");
    let spec: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let runs = spec["runs"].as_u64().unwrap_or(15) as usize;
    let warmup = spec["warmup"].as_u64().unwrap_or(3) as usize;
    let clock = clock();
    let mut out = serde_json::Map::new();
    for case in spec["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let csv = std::fs::read(case["csv"].as_str().unwrap()).unwrap();
        let config = stages::config(case["config"].as_str().unwrap()).unwrap();
        let days = case["days"].as_u64().unwrap() as u32;
        let fit = repeat(runs, warmup, clock, || {
            let a = stages::fit_csv(&csv, &config, days, Some(1), clock).unwrap();
            serde_json::to_value(&a.stages).unwrap()
        });
        let artifact = std::fs::read(case["artifact"].as_str().unwrap()).unwrap();
        let mut forecasts = serde_json::Map::new();
        for d in case["forecastDays"].as_array().unwrap() {
            let d = d.as_u64().unwrap() as u32;
            let f = repeat(runs, warmup, clock, || {
                let a = stages::forecast_artifact(&artifact, d, Some(1), clock).unwrap();
                serde_json::to_value(&a.stages).unwrap()
            });
            forecasts.insert(d.to_string(), f);
        }
        out.insert(id.into(), json!({ "fit": fit, "forecast": forecasts }));
    }
    println!("{}", Value::Object(out));
}
