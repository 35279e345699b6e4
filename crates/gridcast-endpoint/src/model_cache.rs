//! Models in memory: loaded on first use, shared, bounded by count and by
//! bytes, least recently used evicted. Concurrent requests for a model that
//! is not loaded yet wait for one load; a failed load is not remembered (the
//! next request tries again), so a corrupt artifact fails only its requests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use gridcast_model::{
    read_artifact, read_model_json, read_parsed_form, write_parsed_form, AnswerSeed,
    ArtifactLimits, ColumnValues, ProphetModel,
};
use lru::LruCache;
use tokio::sync::OnceCell;

use crate::artifact_source::ParsedFormFile;
use crate::compute::ComputeError;
use crate::metrics::Metrics;

/// A model ready to forecast.
#[derive(Debug)]
pub struct LoadedModel {
    /// The model.
    pub model: ProphetModel,
    /// Memory charged against `--max-memory`: the parsed model's size
    /// ([`resident_bytes`]).
    pub bytes: u64,
    /// Where it came from (a path or an `s3://` URL).
    pub source: String,
    /// Seeds the uncertainty simulation (from the model.json's bytes), so
    /// the same model and horizon always give the same answer, here and on
    /// a device that forecasts from the same artifact.
    pub seed: AnswerSeed,
}

/// The heap a parsed model holds, counted field by field from each
/// vector's and string's capacity, plus the struct (`fit_kwargs`, a JSON
/// value kept verbatim, by four times its text).
/// `tests/resident_bytes.rs` checks it against a counting allocator.
pub fn resident_bytes(model: &ProphetModel) -> u64 {
    fn vec<T>(v: &Vec<T>) -> usize {
        v.capacity() * std::mem::size_of::<T>()
    }
    fn text(s: &String) -> usize {
        s.capacity()
    }
    let h = &model.history;
    let p = &model.params;
    let numbers = vec(&h.ds)
        + vec(&h.y)
        + vec(&h.floor)
        + vec(&h.t)
        + vec(&h.y_scaled)
        + h.cap.as_ref().map_or(0, vec)
        + h.cap_scaled.as_ref().map_or(0, vec)
        + vec(&model.history_dates)
        + vec(&model.changepoints)
        + vec(&model.changepoints_t)
        + vec(&p.draws)
        + p.draws
            .iter()
            .map(|d| vec(&d.delta) + vec(&d.beta))
            .sum::<usize>()
        + vec(&p.lp)
        + vec(&p.trend)
        + p.trend.iter().map(vec).sum::<usize>()
        + vec(&p.sampler)
        + p.sampler
            .iter()
            .map(|(name, v)| text(name) + vec(v))
            .sum::<usize>();
    let extra_columns = vec(&h.columns)
        + h.columns
            .iter()
            .map(|(name, values)| {
                text(name)
                    + match values {
                        ColumnValues::Numbers(v) => vec(v),
                        ColumnValues::Booleans(v) => vec(v),
                    }
            })
            .sum::<usize>();
    let holidays = &model.holidays;
    let holiday_text = holidays.frame.as_ref().map_or(0, |rows| {
        vec(rows) + rows.iter().map(|r| text(&r.name)).sum::<usize>()
    }) + holidays.country.as_ref().map_or(0, text)
        + holidays.train_names.as_ref().map_or(0, |names| {
            vec(names) + names.iter().map(text).sum::<usize>()
        });
    let regressors = vec(&model.extra_regressors)
        + model
            .extra_regressors
            .iter()
            .map(|r| text(&r.name) + r.predictor_spec.to_string().len() * 4)
            .sum::<usize>();
    let components = &model.component_columns.components;
    let columns = vec(components)
        + components
            .iter()
            .map(|(name, indicator)| text(name) + vec(indicator))
            .sum::<usize>();
    let modes = &model.component_modes;
    let mode_names = vec(&modes.additive)
        + vec(&modes.multiplicative)
        + modes
            .additive
            .iter()
            .chain(&modes.multiplicative)
            .map(text)
            .sum::<usize>();
    let seasonalities = vec(&model.seasonalities)
        + model
            .seasonalities
            .iter()
            .map(|s| text(&s.name) + s.condition_name.as_ref().map_or(0, text))
            .sum::<usize>();
    let kwargs = model.fit_kwargs.to_string().len() * 4;
    (std::mem::size_of::<ProphetModel>()
        + numbers
        + columns
        + mode_names
        + seasonalities
        + extra_columns
        + holiday_text
        + regressors
        + kwargs
        + text(&model.prophet_version)) as u64
}

impl LoadedModel {
    /// Wraps a parsed model.
    pub fn new(model: ProphetModel, model_json: &[u8], source: String) -> Self {
        Self {
            bytes: resident_bytes(&model),
            model,
            source,
            seed: AnswerSeed::of_model_json(model_json),
        }
    }

    /// Wraps a model read from its parsed form (whose model.json had `seed`).
    pub fn with_seed(model: ProphetModel, seed: AnswerSeed, source: String) -> Self {
        Self {
            bytes: resident_bytes(&model),
            model,
            source,
            seed,
        }
    }

    /// The uncertainty simulation's seed for a horizon.
    pub fn answer_seed(&self, period: usize) -> u64 {
        self.seed.for_horizon(period)
    }
}

/// Why a model could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// No artifact at that path.
    #[error("no model artifact {0}")]
    NotFound(String),
    /// The artifact exists but is not a loadable model.
    #[error("cannot load {name}: {problem}")]
    Corrupt {
        /// The model.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// The model store could not be reached (after retries).
    #[error("model store unavailable for {name}: {problem}")]
    Unavailable {
        /// The model.
        name: String,
        /// What happened.
        problem: String,
    },
    /// The forecast workers refused or failed the load.
    #[error(transparent)]
    Compute(#[from] ComputeError),
    /// The model alone is bigger than the memory budget.
    #[error("model {name} needs {bytes} bytes, more than the {budget} bytes of model memory")]
    TooBig {
        /// The model.
        name: String,
        /// Its size.
        bytes: u64,
        /// The budget.
        budget: u64,
    },
}

/// Limits of the cache.
#[derive(Debug, Clone, Copy)]
pub struct CacheLimits {
    /// Most models in memory.
    pub max_models: usize,
    /// Most bytes of models in memory.
    pub max_bytes: u64,
}

type Slot = Arc<OnceCell<Result<Arc<LoadedModel>, LoadError>>>;

struct Inner {
    lru: LruCache<String, Arc<LoadedModel>>,
    bytes: u64,
    loading: HashMap<String, Slot>,
}

/// The model cache.
pub struct ModelCache {
    limits: CacheLimits,
    inner: Mutex<Inner>,
    metrics: Metrics,
}

/// Below this size a model.json's load leaves the heaps as they are (the
/// next load reuses them); from it up, and after an artifact refused while
/// unpacking (a bomb stopped at its limit), the heaps are trimmed.
pub const SMALL_MODEL_JSON: usize = 1 << 20;

/// Unpacks (unless `is_model_json`) and parses artifact bytes within
/// `limits` (blocking: run it on a forecast worker); the memory the parse
/// used is given back before this returns when the model.json was large.
pub fn parse_artifact(
    bytes: &[u8],
    is_model_json: bool,
    name: &str,
    source: String,
    limits: &ArtifactLimits,
) -> Result<LoadedModel, LoadError> {
    // Declared first, dropped last: after the archive and the parse are freed.
    let mut trim = crate::memory::TrimOnDrop::new();
    let corrupt = |problem: String| LoadError::Corrupt {
        name: name.to_owned(),
        problem,
    };
    let unpacked;
    let json: &[u8] = if is_model_json {
        if bytes.len() as u64 > limits.max_model_json {
            return Err(corrupt(format!(
                "model.json is {} bytes, more than {}",
                bytes.len(),
                limits.max_model_json
            )));
        }
        bytes
    } else {
        unpacked = read_artifact(bytes, limits).map_err(|e| corrupt(e.to_string()))?;
        &unpacked.model_json
    };
    if json.len() < SMALL_MODEL_JSON {
        trim.skip();
    }
    read_model_json(json)
        .map(|m| LoadedModel::new(m, json, source))
        .map_err(|e| corrupt(e.to_string()))
}

/// [`parse_artifact`] of an artifact's bytes, through its parsed form
/// (blocking: run it on a forecast worker): the model in `parsed` when that
/// was written for exactly these bytes and decodes to a valid model;
/// otherwise (none yet, stale, another version, damaged) the artifact is
/// parsed and `parsed` rewritten. Either way the same model.
pub fn load_artifact(
    bytes: &[u8],
    parsed: Option<&ParsedFormFile>,
    name: &str,
    source: String,
    limits: &ArtifactLimits,
) -> Result<LoadedModel, LoadError> {
    let Some(file) = parsed else {
        return parse_artifact(bytes, false, name, source, limits);
    };
    if let Some(form) = file.read(limits.max_model_json) {
        match read_parsed_form(&form, bytes, file.key()) {
            Ok((model, seed)) => return Ok(LoadedModel::with_seed(model, seed, source)),
            Err(e) => tracing::debug!(model = name, error = %e, "parsed form not used"),
        }
    }
    let loaded = parse_artifact(bytes, false, name, source, limits)?;
    file.write(&write_parsed_form(
        &loaded.model,
        loaded.seed,
        bytes,
        file.key(),
    ));
    Ok(loaded)
}

/// Most bytes (artifact and parsed form together) read, checked and decoded
/// in one trip to tokio's blocking pool (where `tokio::fs` reads files)
/// rather than on a forecast worker: hashing and decoding them takes about a
/// tenth of a millisecond (SHA-256 at over a GB/s), and the load then waits
/// behind no forecast. A seed model's two files are about 25 kB.
pub const INLINE_PARSED_FORM_BYTES: u64 = 256 << 10;

/// The model from its parsed form, read and decoded off the forecast
/// workers, when the artifact and the parsed form are small (together at
/// most [`INLINE_PARSED_FORM_BYTES`]) and the parsed form is of exactly these
/// artifact bytes; `None`: load it on a forecast worker ([`load_artifact`]).
pub async fn load_small_parsed_form(
    bytes: &Bytes,
    parsed: Option<&ParsedFormFile>,
    name: &str,
    source: String,
) -> Option<LoadedModel> {
    let room = INLINE_PARSED_FORM_BYTES.checked_sub(bytes.len() as u64)?;
    let (file, bytes, name) = (parsed?.clone(), bytes.clone(), name.to_owned());
    let decode = move || match read_parsed_form(&file.read(room)?, &bytes, file.key()) {
        Ok((model, seed)) => Some(LoadedModel::with_seed(model, seed, source)),
        Err(e) => {
            tracing::debug!(model = name, error = %e, "parsed form not used");
            None
        }
    };
    tokio::task::spawn_blocking(decode).await.ok().flatten()
}

impl ModelCache {
    /// An empty cache.
    pub fn new(limits: CacheLimits, metrics: Metrics) -> Self {
        let inner = Inner {
            lru: LruCache::unbounded(),
            bytes: 0,
            loading: HashMap::new(),
        };
        Self {
            limits,
            inner: Mutex::new(inner),
            metrics,
        }
    }

    /// The model named `key`, loaded by `load` if it is not in memory
    /// (concurrent callers for the same key share one load).
    pub async fn get<F>(&self, key: &str, load: F) -> Result<Arc<LoadedModel>, LoadError>
    where
        F: std::future::Future<Output = Result<LoadedModel, LoadError>>,
    {
        let slot = {
            let mut inner = self.inner.lock().expect("not poisoned");
            if let Some(model) = self.hit_locked(&mut inner, key) {
                return Ok(model);
            }
            inner.loading.entry(key.to_owned()).or_default().clone()
        };
        self.metrics.model_cache_miss.inc();
        let waited = Instant::now();
        let metrics = self.metrics.clone();
        let result = slot
            .get_or_init(|| async move {
                let started = Instant::now();
                let loaded = load.await;
                metrics
                    .model_loading_time
                    .observe(started.elapsed().as_secs_f64());
                loaded.map(Arc::new)
            })
            .await
            .clone();
        self.metrics
            .model_loading_wait_time
            .observe(waited.elapsed().as_secs_f64());
        let mut inner = self.inner.lock().expect("not poisoned");
        if inner
            .loading
            .get(key)
            .is_some_and(|s| Arc::ptr_eq(s, &slot))
        {
            inner.loading.remove(key);
            if let Ok(model) = &result {
                self.insert_locked(&mut inner, key.to_owned(), model.clone());
            }
        }
        result
    }

    /// The model `key` if in memory, counted as a hit and made most recent
    /// like [`ModelCache::get`]'s; `None` (nothing counted) otherwise. Lets
    /// a caller skip building its load when the model is there.
    pub fn hit(&self, key: &str) -> Option<Arc<LoadedModel>> {
        let mut inner = self.inner.lock().expect("not poisoned");
        self.hit_locked(&mut inner, key)
    }

    fn hit_locked(&self, inner: &mut Inner, key: &str) -> Option<Arc<LoadedModel>> {
        let model = inner.lru.get(key)?.clone();
        self.metrics.model_cache_hit.inc();
        Some(model)
    }

    /// Puts a loaded model in (the container contract's `POST /models`);
    /// fails when it cannot fit even after evicting every other model.
    pub fn insert(&self, key: String, model: Arc<LoadedModel>) -> Result<(), LoadError> {
        if model.bytes > self.limits.max_bytes {
            return Err(LoadError::TooBig {
                name: key,
                bytes: model.bytes,
                budget: self.limits.max_bytes,
            });
        }
        let mut inner = self.inner.lock().expect("not poisoned");
        self.insert_locked(&mut inner, key, model);
        Ok(())
    }

    fn insert_locked(&self, inner: &mut Inner, key: String, model: Arc<LoadedModel>) {
        inner.bytes += model.bytes;
        if let Some(old) = inner.lru.put(key.clone(), model) {
            inner.bytes -= old.bytes;
        }
        while inner.lru.len() > 1
            && (inner.lru.len() > self.limits.max_models || inner.bytes > self.limits.max_bytes)
        {
            let started = Instant::now();
            let Some((evicted, model)) = inner.lru.pop_lru() else {
                break;
            };
            inner.bytes -= model.bytes;
            drop(model); // in-flight requests keep their Arc until they finish
            self.metrics
                .model_unloading_time
                .observe(started.elapsed().as_secs_f64());
            tracing::debug!(model = %evicted, "evicted");
        }
        self.metrics.loaded_model_count.set(inner.lru.len() as i64);
    }

    /// Whether `key` is in memory (without touching its recency).
    pub fn contains(&self, key: &str) -> bool {
        self.inner.lock().expect("not poisoned").lru.contains(key)
    }

    /// The model `key` if in memory.
    pub fn peek(&self, key: &str) -> Option<Arc<LoadedModel>> {
        self.inner
            .lock()
            .expect("not poisoned")
            .lru
            .peek(key)
            .cloned()
    }

    /// Unloads `key`; whether it was loaded.
    pub fn remove(&self, key: &str) -> bool {
        let started = Instant::now();
        let mut inner = self.inner.lock().expect("not poisoned");
        let removed = inner.lru.pop(key);
        if let Some(model) = &removed {
            inner.bytes -= model.bytes;
            self.metrics
                .model_unloading_time
                .observe(started.elapsed().as_secs_f64());
        }
        self.metrics.loaded_model_count.set(inner.lru.len() as i64);
        removed.is_some()
    }

    /// Names and sources of the models in memory, most recently used first.
    pub fn list(&self) -> Vec<(String, String)> {
        let inner = self.inner.lock().expect("not poisoned");
        inner
            .lru
            .iter()
            .map(|(k, v)| (k.clone(), v.source.clone()))
            .collect()
    }

    /// `(models, bytes)` in memory.
    pub fn usage(&self) -> (usize, u64) {
        let inner = self.inner.lock().expect("not poisoned");
        (inner.lru.len(), inner.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn seed_model() -> (ProphetModel, Vec<u8>) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/prophet/models/seed_trend_only.tar.gz");
        let artifact = read_artifact(&std::fs::read(path).unwrap(), &Default::default()).unwrap();
        (
            read_model_json(&artifact.model_json).unwrap(),
            artifact.model_json,
        )
    }

    fn loaded() -> LoadedModel {
        let (model, json) = seed_model();
        LoadedModel::new(model, &json, "test".into())
    }

    fn cache(max_models: usize, max_bytes: u64) -> ModelCache {
        ModelCache::new(
            CacheLimits {
                max_models,
                max_bytes,
            },
            Metrics::new(),
        )
    }

    #[tokio::test]
    async fn concurrent_gets_share_one_load_and_failures_are_not_kept() {
        let cache = Arc::new(cache(10, 1 << 30));
        let loads = Arc::new(AtomicUsize::new(0));
        let gets: Vec<_> = (0..8)
            .map(|_| {
                let (cache, loads) = (cache.clone(), loads.clone());
                tokio::spawn(async move {
                    cache
                        .get("42", async {
                            loads.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            Ok(loaded())
                        })
                        .await
                        .map(|m| m.seed)
                })
            })
            .collect();
        for g in gets {
            assert!(g.await.unwrap().is_ok());
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        assert_eq!(cache.usage().0, 1);
        let broken = || async {
            Err(LoadError::Corrupt {
                name: "7".into(),
                problem: "no".into(),
            })
        };
        assert!(cache.get("7", broken()).await.is_err());
        assert!(cache.get("7", broken()).await.is_err());
        assert!(
            !cache.contains("7"),
            "a failed load is tried again next time"
        );
        assert!(cache.get("7", async { Ok(loaded()) }).await.is_ok());
    }

    #[tokio::test]
    async fn the_least_recently_used_go_first_by_count_and_by_bytes() {
        let one = loaded().bytes;
        let by_count = cache(2, 1 << 30);
        for key in ["a", "b"] {
            by_count.get(key, async { Ok(loaded()) }).await.unwrap();
        }
        by_count
            .get("a", async { unreachable!("in memory") })
            .await
            .unwrap();
        by_count.get("c", async { Ok(loaded()) }).await.unwrap();
        assert_eq!(by_count.usage(), (2, 2 * one));
        assert!(by_count.contains("a") && by_count.contains("c") && !by_count.contains("b"));

        let by_bytes = cache(10, 2 * one);
        for key in ["a", "b", "c"] {
            by_bytes.get(key, async { Ok(loaded()) }).await.unwrap();
        }
        assert_eq!(by_bytes.usage(), (2, 2 * one));
        assert!(!by_bytes.contains("a"));
        assert!(by_bytes.remove("b") && !by_bytes.remove("b"));
        assert_eq!(by_bytes.usage(), (1, one));
        assert_eq!(by_bytes.list(), vec![("c".to_owned(), "test".to_owned())]);
    }

    #[test]
    fn a_model_bigger_than_the_budget_is_refused_and_charged_its_parsed_size() {
        let model = loaded();
        let (parsed, json) = seed_model();
        assert_eq!(model.bytes, resident_bytes(&parsed));
        assert!(model.bytes > 0 && model.bytes != json.len() as u64);
        let small = cache(10, model.bytes - 1);
        assert!(matches!(
            small.insert("m".into(), Arc::new(model)),
            Err(LoadError::TooBig { .. })
        ));
        let fits = cache(10, loaded().bytes);
        assert!(fits.insert("m".into(), Arc::new(loaded())).is_ok());
        assert!(fits.peek("m").is_some());
    }

    #[test]
    fn artifacts_past_the_limits_are_refused() {
        let (_, json) = seed_model();
        let limits = ArtifactLimits {
            max_model_json: json.len() as u64,
            ..Default::default()
        };
        assert!(parse_artifact(&json, true, "m", "s".into(), &limits).is_ok());
        let tight = ArtifactLimits {
            max_model_json: json.len() as u64 - 1,
            ..Default::default()
        };
        assert!(matches!(
            parse_artifact(&json, true, "m", "s".into(), &tight),
            Err(LoadError::Corrupt { .. })
        ));
    }
}
