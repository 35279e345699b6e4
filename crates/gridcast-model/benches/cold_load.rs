//! `cargo bench -p gridcast-model --bench cold_load`: what a cold load of a
//! model costs the endpoint (issue 16's "≤ 1 ms median"), per Python Prophet
//! reference artifact (`../shared/fixtures/prophet/models`) and every
//! artifact path given after `--` (e.g. `target/demo/weather-models/42.tar.gz`):
//! reading the file from the page cache (the baseline), unpacking it (gunzip +
//! tar), parsing its model.json, and the whole load; then the load through
//! the endpoint's parsed form (artifact/parsed.rs): decoding it alone, and the
//! whole load (reading the artifact and the parsed form's file, checking and
//! decoding it). Medians of repeated runs in this process, in milliseconds,
//! the whole load as a multiple of the read, and the two loads' ratio.

use std::time::{Duration, Instant};

use gridcast_model::{
    read_artifact, read_model_json, read_parsed_form, write_parsed_form, AnswerSeed,
    ArtifactLimits, ParsedFormKey,
};

#[path = "../tests/common/mod.rs"]
mod common;

const RUNS: usize = 500;

/// Median wall time of `RUNS` runs of `f` after a warm-up, in ms.
fn median_ms<T>(mut f: impl FnMut() -> T) -> f64 {
    std::hint::black_box(f());
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2].as_secs_f64() * 1000.0
}

fn main() {
    let limits = ArtifactLimits::default();
    println!(
        "{:<18} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8}",
        "case",
        "bytes",
        "read",
        "unpack",
        "parse",
        "load",
        "load/read",
        "decode",
        "via-parsed",
        "speedup"
    );
    let scratch = std::env::temp_dir().join(format!("cold_load-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let fixtures = common::CASES.iter().map(|id| {
        let path = common::fixtures().join(format!("models/{id}.tar.gz"));
        (id.to_string(), path)
    });
    // cargo bench passes `--bench` to a harness-less bench: flags are not paths.
    let given = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(|a| {
            let path = std::path::PathBuf::from(&a);
            let name = path
                .file_name()
                .map_or(a.clone(), |n| n.to_string_lossy().into_owned());
            (name, path)
        });
    for (id, path) in fixtures.chain(given) {
        let bytes = std::fs::read(&path).unwrap();
        let json = read_artifact(&bytes, &limits).unwrap().model_json;
        let read = median_ms(|| std::fs::read(&path).unwrap());
        let unpack = median_ms(|| read_artifact(&bytes, &limits).unwrap());
        let parse = median_ms(|| read_model_json(&json).unwrap());
        let load = median_ms(|| {
            let file = std::fs::read(&path).unwrap();
            read_model_json(&read_artifact(&file, &limits).unwrap().model_json).unwrap()
        });
        let model = read_model_json(&json).unwrap();
        let key = ParsedFormKey::new([1; 32]);
        let form = write_parsed_form(&model, AnswerSeed::of_model_json(&json), &bytes, &key);
        let form_path = scratch.join(format!("{id}.parsed"));
        std::fs::write(&form_path, &form).unwrap();
        let decode = median_ms(|| read_parsed_form(&form, &bytes, &key).unwrap());
        let via_parsed = median_ms(|| {
            let file = std::fs::read(&path).unwrap();
            read_parsed_form(&std::fs::read(&form_path).unwrap(), &file, &key).unwrap()
        });
        println!(
            "{id:<18} {:>9} {read:>9.3} {unpack:>9.3} {parse:>9.3} {load:>9.3} {:>9.1} {decode:>9.3} {via_parsed:>9.3} {:>8.1}",
            bytes.len(),
            load / read,
            load / via_parsed
        );
    }
    std::fs::remove_dir_all(&scratch).unwrap();
}
