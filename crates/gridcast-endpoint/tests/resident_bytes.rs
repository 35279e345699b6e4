//! The model cache charges each model its parsed size: `resident_bytes`
//! against what a counting allocator sees the parsed model hold, for every
//! reference model (a history from 80 to 1,440 rows; holidays, regressors,
//! conditions, MCMC draws) and one of 20,000 rows.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use gridcast_endpoint::model_cache::resident_bytes;
use gridcast_model::{read_artifact, read_model_json, write_model_json};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call forwards to the system allocator unchanged; only the
// byte count is recorded.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::SeqCst);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::SeqCst);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::SeqCst);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn fixtures(set: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../../shared/fixtures/{set}/models"))
}

/// Heap bytes the parsed model holds (a box, so the struct itself counts).
fn measured(json: &[u8]) -> (u64, u64) {
    let before = LIVE.load(Ordering::SeqCst);
    let model = Box::new(read_model_json(json).unwrap());
    let held = LIVE.load(Ordering::SeqCst) - before;
    let estimate = resident_bytes(&model);
    drop(model);
    (held as u64, estimate)
}

#[test]
fn the_charge_is_the_parsed_size_within_five_percent() {
    let mut jsons = Vec::new();
    // The seed's subset, then holidays, regressors, conditions and MCMC draws.
    let entries = std::fs::read_dir(fixtures("prophet"))
        .unwrap()
        .chain(std::fs::read_dir(fixtures("prophet-ext")).unwrap())
        .map(|e| e.unwrap().path());
    for path in entries {
        let bytes = std::fs::read(path).unwrap();
        jsons.push(
            read_artifact(&bytes, &Default::default())
                .unwrap()
                .model_json,
        );
    }
    // A long history: the seed model's rows repeated, hourly.
    let mut long = read_model_json(&jsons[0]).unwrap();
    let n = 20_000;
    let first = long.history.ds[0];
    long.history_dates = (0..n).map(|i| first + i * 3600).collect();
    let h = &mut long.history;
    h.ds = long.history_dates.clone();
    h.y = vec![1.0; n as usize];
    h.floor = vec![0.0; n as usize];
    h.t = (0..n).map(|i| i as f64 / (n - 1) as f64).collect();
    h.y_scaled = vec![0.5; n as usize];
    long.params.trend = vec![vec![0.5; n as usize]];
    long.t_scale = (n - 1) as f64 * 3600.0;
    jsons.push(write_model_json(&long).into_bytes());
    for json in &jsons {
        let (held, estimate) = measured(json);
        let ratio = estimate as f64 / held as f64;
        assert!(
            (0.95..=1.05).contains(&ratio),
            "estimate {estimate} for {held} bytes held ({} bytes of model.json)",
            json.len()
        );
    }
}
