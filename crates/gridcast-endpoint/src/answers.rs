//! Forecast answers already computed, every model and horizon together,
//! least recently used dropped first past a byte budget. An answer is
//! deterministic given its model and horizon (the simulation is seeded from
//! the model's bytes), so a kept answer is exactly what computing it again
//! would give; long horizons are kept like short ones. Concurrent requests
//! for an answer being computed wait for that computation.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use lru::LruCache;
use tokio::sync::OnceCell;

use crate::error::ApiError;

/// Which answer: the model (cache key and the seed from its bytes) and the horizon.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnswerKey {
    /// The model's cache key (a TargetModel or `/models/{name}`).
    pub model: String,
    /// The model's seed, so a changed artifact never gets an old answer.
    pub model_seed: u64,
    /// Rows.
    pub period: usize,
    /// What else the answer depends on: the request's future values and the
    /// covariates feed's version (0 for the seed's `{"period": N}` of a
    /// model that needs only dates).
    pub inputs: u64,
}

type Slot = Arc<OnceCell<Result<Bytes, ApiError>>>;

struct Inner {
    lru: LruCache<AnswerKey, Bytes>,
    bytes: u64,
    computing: HashMap<AnswerKey, Slot>,
}

/// Removes a finished (or abandoned) computation's slot, unless another
/// took its place.
struct Forget<'a> {
    cache: &'a AnswerCache,
    key: &'a AnswerKey,
    slot: &'a Slot,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        let mut inner = self.cache.inner.lock().expect("not poisoned");
        if inner
            .computing
            .get(self.key)
            .is_some_and(|s| Arc::ptr_eq(s, self.slot))
        {
            inner.computing.remove(self.key);
        }
    }
}

/// The kept answers.
pub struct AnswerCache {
    max_bytes: u64,
    inner: Mutex<Inner>,
}

impl AnswerCache {
    /// An empty cache holding at most `max_bytes` of answers.
    pub fn new(max_bytes: u64) -> Self {
        Self {
            max_bytes,
            inner: Mutex::new(Inner {
                lru: LruCache::unbounded(),
                bytes: 0,
                computing: HashMap::new(),
            }),
        }
    }

    /// The kept answer, if any.
    pub fn get(&self, key: &AnswerKey) -> Option<Bytes> {
        self.inner
            .lock()
            .expect("not poisoned")
            .lru
            .get(key)
            .cloned()
    }

    /// Keeps an answer (one larger than the whole budget is not kept).
    pub fn insert(&self, key: AnswerKey, answer: Bytes) {
        let size = answer.len() as u64;
        if size > self.max_bytes {
            return;
        }
        let mut inner = self.inner.lock().expect("not poisoned");
        inner.bytes += size;
        if let Some(old) = inner.lru.put(key, answer) {
            inner.bytes -= old.len() as u64;
        }
        while inner.bytes > self.max_bytes {
            let Some((_, dropped)) = inner.lru.pop_lru() else {
                break;
            };
            inner.bytes -= dropped.len() as u64;
        }
    }

    /// The kept answer, or the one `compute` gives (shared with concurrent
    /// callers for the same key). `compute` is expected to [`insert`] its
    /// answer itself, from the worker, so that an answer whose request timed
    /// out is still kept; failures are never kept.
    ///
    /// [`insert`]: AnswerCache::insert
    pub async fn get_or_compute<F>(&self, key: &AnswerKey, compute: F) -> Result<Bytes, ApiError>
    where
        F: Future<Output = Result<Bytes, ApiError>>,
    {
        let slot = {
            let mut inner = self.inner.lock().expect("not poisoned");
            if let Some(answer) = inner.lru.get(key) {
                return Ok(answer.clone());
            }
            inner.computing.entry(key.clone()).or_default().clone()
        };
        // Forgets the slot however this ends, a time limit included.
        let _forget = Forget {
            cache: self,
            key,
            slot: &slot,
        };
        slot.get_or_init(|| compute).await.clone()
    }

    /// `(answers, bytes)` kept.
    pub fn usage(&self) -> (usize, u64) {
        let inner = self.inner.lock().expect("not poisoned");
        (inner.lru.len(), inner.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn key(period: usize) -> AnswerKey {
        AnswerKey {
            model: "42.tar.gz".into(),
            model_seed: 1,
            period,
            inputs: 0,
        }
    }

    #[test]
    fn the_budget_drops_the_least_recently_used() {
        let cache = AnswerCache::new(10);
        cache.insert(key(1), Bytes::from_static(b"aaaa"));
        cache.insert(key(2), Bytes::from_static(b"bbbb"));
        assert!(cache.get(&key(1)).is_some());
        cache.insert(key(3), Bytes::from_static(b"cccc"));
        assert_eq!(cache.usage(), (2, 8));
        assert!(cache.get(&key(2)).is_none(), "2 was least recently used");
        cache.insert(key(4), Bytes::from(vec![0u8; 11]));
        assert!(cache.get(&key(4)).is_none(), "over the whole budget");
        assert_eq!(cache.usage(), (2, 8));
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_computation_and_failures_are_not_kept() {
        let cache = Arc::new(AnswerCache::new(1 << 20));
        let runs = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (cache, runs) = (cache.clone(), runs.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_compute(&key(7), async {
                            runs.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            let answer = Bytes::from_static(b"{}");
                            cache.insert(key(7), answer.clone());
                            Ok(answer)
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), Bytes::from_static(b"{}"));
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        let failed = cache
            .get_or_compute(&key(8), async { Err(ApiError::model("no")) })
            .await;
        assert!(failed.is_err());
        assert!(cache.get(&key(8)).is_none());
        assert!(cache.inner.lock().unwrap().computing.is_empty());
        // A computation abandoned by its request's time limit leaves no slot.
        let abandoned = tokio::time::timeout(
            std::time::Duration::from_millis(10),
            cache.get_or_compute(&key(9), std::future::pending()),
        )
        .await;
        assert!(abandoned.is_err());
        assert!(cache.inner.lock().unwrap().computing.is_empty());
    }
}
