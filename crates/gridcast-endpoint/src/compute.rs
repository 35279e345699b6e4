//! The forecast workers: model loads and forecasts run here, never on the
//! threads that answer requests, so `/ping` and cached answers stay fast
//! while every worker is busy.
//!
//! A fixed pool of threads (one per core by default, at a lower scheduling
//! priority than the request threads) behind two admissions: the pool's own
//! (a bounded queue, then 503) and one per caller (at most half the workers,
//! then a short queue, then 429), so one caller cannot take every worker.
//! A panic in the work is caught and becomes that request's error.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use crate::admission::Admission;
use crate::limits::ServerLimits;

/// Why work did not run (or did not finish).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComputeError {
    /// Every worker is busy and the queue is full.
    #[error("every forecast worker is busy and {0} requests are waiting; retry shortly")]
    Busy(usize),
    /// This caller already has its share of the workers and of the queue.
    #[error(
        "{0} forecasts of yours are already running or waiting; wait for them before sending more"
    )]
    CallerBusy(usize),
    /// The work panicked (a bug, or a model no bound foresaw).
    #[error("the model failed: {0}")]
    Panicked(String),
}

/// The pool.
pub struct ComputePool {
    threads: rayon::ThreadPool,
    workers: Admission,
    max_waiting: usize,
    callers: Mutex<HashMap<String, Arc<Admission>>>,
    per_caller: (usize, usize),
}

/// Lowers the calling thread's scheduling priority (Linux: per-thread nice),
/// so request threads get a core first when every worker forecasts.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its arguments; 0 names the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

/// Frees the caller's admission from the map once nobody uses it.
struct CallerGuard<'a> {
    pool: &'a ComputePool,
    caller: String,
}

impl Drop for CallerGuard<'_> {
    fn drop(&mut self) {
        let mut callers = self.pool.callers.lock().expect("not poisoned");
        if callers
            .get(&self.caller)
            .is_some_and(|a| Arc::strong_count(a) == 1 && a.is_idle())
        {
            callers.remove(&self.caller);
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

impl ComputePool {
    /// A pool with the workers and queues of `limits`.
    pub fn new(limits: &ServerLimits) -> Self {
        let threads = rayon::ThreadPoolBuilder::new()
            .num_threads(limits.forecast_workers.max(1))
            .thread_name(|i| format!("forecast-{i}"))
            .start_handler(|_| lower_priority())
            .build()
            .expect("the forecast threads start");
        Self {
            threads,
            workers: Admission::new(limits.forecast_workers, limits.forecast_queue),
            max_waiting: limits.forecast_queue,
            callers: Mutex::default(),
            per_caller: (limits.per_caller_forecasts, limits.per_caller_queue),
        }
    }

    /// Runs `work` on a worker for `caller` (an access key id) and returns
    /// its result. Dropping the future (a time limit) leaves the work to
    /// finish on its worker, which it holds until then.
    pub async fn run<T: Send + 'static>(
        &self,
        caller: &str,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ComputeError> {
        let (per, queue) = self.per_caller;
        let mine = {
            let mut callers = self.callers.lock().expect("not poisoned");
            callers
                .entry(caller.to_owned())
                .or_insert_with(|| Arc::new(Admission::new(per, queue)))
                .clone()
        };
        let guard = CallerGuard {
            pool: self,
            caller: caller.to_owned(),
        };
        let own = mine
            .enter()
            .await
            .map_err(|_| ComputeError::CallerBusy(per + queue))?;
        let worker = self
            .workers
            .enter()
            .await
            .map_err(|_| ComputeError::Busy(self.max_waiting))?;
        drop(mine);
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.threads.spawn(move || {
            let out = catch_unwind(AssertUnwindSafe(work));
            drop((own, worker));
            let _ = tx.send(out);
        });
        let out = rx
            .await
            .map_err(|_| ComputeError::Panicked("the worker stopped".into()))?;
        drop(guard);
        out.map_err(|payload| ComputeError::Panicked(panic_message(payload.as_ref())))
    }

    /// `(workers busy, requests waiting)`.
    pub fn load(&self) -> (usize, usize) {
        self.workers.load()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn pool(workers: usize) -> Arc<ComputePool> {
        let mut limits = ServerLimits::with_workers(workers);
        limits.forecast_queue = 1;
        limits.per_caller_queue = 1;
        Arc::new(ComputePool::new(&limits))
    }

    #[tokio::test]
    async fn panics_are_the_requests_error_and_the_worker_stays() {
        let p = pool(1);
        let err = p.run("a", || -> u32 { panic!("boom") }).await.unwrap_err();
        assert_eq!(err, ComputeError::Panicked("boom".into()));
        assert_eq!(p.run("a", || 7).await, Ok(7));
        assert_eq!(p.load(), (0, 0));
        assert!(
            p.callers.lock().unwrap().is_empty(),
            "idle callers are forgotten"
        );
    }

    #[tokio::test]
    async fn one_caller_gets_half_the_workers_and_a_short_queue() {
        let p = pool(2);
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = Arc::new(Mutex::new(wait));
        let blocker = |wait: Arc<Mutex<std::sync::mpsc::Receiver<()>>>| {
            move || {
                wait.lock().unwrap().recv().unwrap();
            }
        };
        let running = tokio::spawn({
            let (p, w) = (p.clone(), wait.clone());
            async move { p.run("greedy", blocker(w)).await }
        });
        while p.load().0 == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let queued = tokio::spawn({
            let (p, w) = (p.clone(), wait.clone());
            async move { p.run("greedy", blocker(w)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(
            p.run("greedy", || ()).await,
            Err(ComputeError::CallerBusy(2)),
            "one running, one queued, the third refused"
        );
        // Another caller still finds the second worker.
        assert_eq!(p.run("other", || 1).await, Ok(1));
        release.send(()).unwrap();
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(()));
        assert_eq!(queued.await.unwrap(), Ok(()));
    }
}
