//! `cargo bench -p gridcast-model --bench prophet`: fit and forecast time per
//! case (medians of repeated runs in this process): the Python Prophet
//! reference cases (`../shared/fixtures/prophet`), then the cases laid out as
//! prophet-ext is (`data/`, `config/`, `future/`) in every directory of
//! `GRIDCAST_BENCH_CASES` (colon-separated; default: the prophet-ext
//! fixtures): fit from `config/<id>.json`, forecast of `future/<id>.csv`.
//!
//! Prints `case rows fit_ms fit_cpu_ms forecast_ms` lines: wall time and the
//! thread's CPU time (on a shared machine the second is the steadier).

use std::time::{Duration, Instant};

use gridcast_model::{
    fit, future_frame, predict, read_artifact, read_model_json, ArtifactLimits, ForecastOptions,
    Frame, ProphetConfig,
};

#[path = "../tests/common/mod.rs"]
mod common;

/// This thread's CPU time.
fn cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Median wall and CPU time of `runs` runs after a warm-up.
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    std::hint::black_box(f());
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (t, c) = (Instant::now(), cpu_time());
        std::hint::black_box(f());
        wall.push(t.elapsed());
        cpu.push(cpu_time() - c);
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(median(wall)), ms(median(cpu)))
}

fn row(id: &str, rows: usize, fit: (f64, f64), forecast: (f64, f64)) {
    println!(
        "{id:<18} {rows:>6} {:>10.3} {:>10.3} {:>12.3}",
        fit.0, fit.1, forecast.0
    );
}

fn main() {
    println!(
        "{:<18} {:>6} {:>10} {:>10} {:>12}",
        "case", "rows", "fit (ms)", "fit cpu", "forecast (ms)"
    );
    let opts = ForecastOptions {
        seed: Some(1),
        ..Default::default()
    };
    for id in common::CASES {
        let case = common::Case::load(id);
        let train = case.training();
        let fit_time = time(30, || fit(&train, &case.config).unwrap());
        let model = read_model_json(
            &read_artifact(&case.artifact, &ArtifactLimits::default())
                .unwrap()
                .model_json,
        )
        .unwrap();
        let rows = future_frame(&model, 7, None).unwrap();
        let fc_time = time(200, || predict(&model, &rows, &opts).unwrap());
        row(id, train.len(), fit_time, fc_time);
    }
    let dirs = std::env::var("GRIDCAST_BENCH_CASES")
        .unwrap_or_else(|_| common::ext::ext_fixtures().display().to_string());
    for dir in dirs.split(':').filter(|d| !d.is_empty()) {
        config_cases(std::path::Path::new(dir), &opts);
    }
}

/// prophet-ext-style cases: the rows fitted are those with a value; the
/// forecast is of the case's future rows.
fn config_cases(dir: &std::path::Path, opts: &ForecastOptions) {
    let mut ids: Vec<String> = std::fs::read_dir(dir.join("config"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_string()))
        .collect();
    ids.sort();
    for id in ids {
        let read =
            |sub: &str, ext: &str| std::fs::read(dir.join(format!("{sub}/{id}.{ext}"))).unwrap();
        let text = String::from_utf8(read("config", "json")).unwrap();
        let config = match ProphetConfig::from_json(&text) {
            Ok(config) => config,
            // gridcast fits MAP only: an MCMC case is forecast only.
            Err(e) if e.field == "mcmc_samples" => continue,
            Err(e) => panic!("{id}: {e}"),
        };
        let data = Frame::from_csv(&read("data", "csv")).unwrap();
        let future = Frame::from_csv(&read("future", "csv")).unwrap();
        let model = fit(&data, &config).unwrap().model;
        let runs = if data.len() > 2_000 { 10 } else { 30 };
        let fit_time = time(runs, || fit(&data, &config).unwrap());
        let fc_time = time(50, || predict(&model, &future, opts).unwrap());
        row(&id, data.observed(), fit_time, fc_time);
    }
}
