//! Admission to a scarce resource (forecast workers, password checks): at
//! most `holders` at once, at most `max_waiting` queued behind them, and
//! everyone past that is turned away at once rather than piling up.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A bounded number of holders and a bounded queue.
#[derive(Debug)]
pub struct Admission {
    holders: Arc<Semaphore>,
    capacity: usize,
    waiting: AtomicUsize,
    max_waiting: usize,
}

/// The queue was full: come back later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

/// Decrements the waiting count however the wait ends (also when cancelled).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Admission {
    /// `holders` at once (at least one), `max_waiting` queued.
    pub fn new(holders: usize, max_waiting: usize) -> Self {
        let capacity = holders.max(1);
        Self {
            holders: Arc::new(Semaphore::new(capacity)),
            capacity,
            waiting: AtomicUsize::new(0),
            max_waiting,
        }
    }

    /// A place, at once if one is free, else after waiting in the queue;
    /// [`Full`] when the queue is full too. Dropping the permit frees the place.
    pub async fn enter(&self) -> Result<OwnedSemaphorePermit, Full> {
        if let Ok(permit) = self.holders.clone().try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(Full);
        }
        let _waiting = Waiting(&self.waiting);
        self.holders.clone().acquire_owned().await.map_err(|_| Full)
    }

    /// Whether nobody holds or waits for a place.
    pub fn is_idle(&self) -> bool {
        self.holders.available_permits() == self.capacity
            && self.waiting.load(Ordering::SeqCst) == 0
    }

    /// `(holding, waiting)` now.
    pub fn load(&self) -> (usize, usize) {
        (
            self.capacity - self.holders.available_permits(),
            self.waiting.load(Ordering::SeqCst),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn holders_then_a_bounded_queue_then_full() {
        let a = Arc::new(Admission::new(2, 1));
        let p1 = a.enter().await.unwrap();
        let _p2 = a.enter().await.unwrap();
        assert_eq!(a.load(), (2, 0));
        let queued = tokio::spawn({
            let a = a.clone();
            async move { a.enter().await.map(|_| ()) }
        });
        while a.load().1 == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            a.enter().await.unwrap_err(),
            Full,
            "one waits, the next is refused"
        );
        drop(p1);
        assert_eq!(queued.await.unwrap(), Ok(()));
        assert_eq!(a.load(), (1, 0));
    }

    #[tokio::test]
    async fn a_cancelled_wait_leaves_the_queue() {
        let a = Admission::new(1, 1);
        let _held = a.enter().await.unwrap();
        let wait = a.enter();
        let timed_out = tokio::time::timeout(std::time::Duration::from_millis(10), wait).await;
        assert!(timed_out.is_err());
        assert_eq!(a.load(), (1, 0));
        assert!(!a.is_idle());
    }
}
