//! Models in memory: loaded on first use, shared, bounded by count and by
//! bytes, least recently used evicted. Concurrent requests for a model that
//! is not loaded yet wait for one load; a failed load is not remembered (the
//! next request tries again), so a corrupt artifact fails only its requests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use gridcast_model::{read_artifact, read_model_json, AnswerSeed, ArtifactLimits, ProphetModel};
use lru::LruCache;
use tokio::sync::OnceCell;

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

/// The heap a parsed model holds, counted field by field (every number is an
/// 8-byte value in a vector; strings by their length), plus the struct.
/// `tests/resident_bytes.rs` checks it against a counting allocator.
pub fn resident_bytes(model: &ProphetModel) -> u64 {
    let h = &model.history;
    let p = &model.params;
    let numbers = h.ds.len()
        + h.y.len()
        + h.floor.len()
        + h.t.len()
        + h.y_scaled.len()
        + h.cap.as_ref().map_or(0, Vec::len)
        + h.cap_scaled.as_ref().map_or(0, Vec::len)
        + model.history_dates.len()
        + model.changepoints.len()
        + model.changepoints_t.len()
        + p.delta.len()
        + p.beta.len()
        + p.trend.len();
    let string = |s: &String| s.len() + std::mem::size_of::<String>();
    let components: usize = model
        .component_columns
        .components
        .iter()
        .map(|(name, indicator)| string(name) + indicator.len() + std::mem::size_of::<Vec<u8>>())
        .sum();
    let modes: usize = model
        .component_modes
        .additive
        .iter()
        .chain(&model.component_modes.multiplicative)
        .map(string)
        .sum();
    let seasonalities: usize = model
        .seasonalities
        .iter()
        .map(|s| s.name.len() + std::mem::size_of_val(s))
        .sum();
    let kwargs = model.fit_kwargs.to_string().len() * 4;
    (std::mem::size_of::<ProphetModel>()
        + numbers * 8
        + components
        + modes
        + seasonalities
        + kwargs
        + model.prophet_version.len()) as u64
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

/// Unpacks (unless `is_model_json`) and parses artifact bytes within
/// `limits` (blocking: run it on a forecast worker).
pub fn parse_artifact(
    bytes: &[u8],
    is_model_json: bool,
    name: &str,
    source: String,
    limits: &ArtifactLimits,
) -> Result<LoadedModel, LoadError> {
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
    let model = read_model_json(json).map_err(|e| corrupt(e.to_string()))?;
    Ok(LoadedModel::new(model, json, source))
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
            if let Some(model) = inner.lru.get(key) {
                self.metrics.model_cache_hit.inc();
                return Ok(model.clone());
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
