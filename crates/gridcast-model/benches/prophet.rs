//! `cargo bench -p gridcast-model --bench prophet`: fit and forecast time per
//! Python Prophet reference case (median of repeated runs), beside Python's
//! own fit time recorded in the fixture.

use std::time::{Duration, Instant};

use gridcast_model::{
    fit, future_frame, predict, read_artifact, read_model_json, ArtifactLimits, ForecastOptions,
};

#[path = "../tests/common/mod.rs"]
mod common;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    // Warm up, then time each run.
    std::hint::black_box(f());
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    println!(
        "{:<16} {:>6} {:>12} {:>12} {:>9} {:>18}",
        "case", "rows", "fit (ms)", "python (ms)", "speed-up", "forecast 7x1000 (ms)"
    );
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
        let opts = ForecastOptions {
            seed: Some(1),
            ..Default::default()
        };
        let fc_time = time(200, || predict(&model, &rows, &opts).unwrap());
        let python = case.expected["fit_seconds"].as_f64().unwrap() * 1000.0;
        let ms = fit_time.as_secs_f64() * 1000.0;
        println!(
            "{:<16} {:>6} {:>12.3} {:>12.1} {:>8.1}x {:>18.3}",
            id,
            train.len(),
            ms,
            python,
            python / ms,
            fc_time.as_secs_f64() * 1000.0
        );
    }
}
