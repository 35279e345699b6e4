//! The access log, off the request path: a request hands its line's fields
//! to a bounded channel and goes on; one writer thread formats and writes
//! them (stderr by default) in batches: it drains the channel, flushes, and
//! sleeps [`BATCH_INTERVAL`] before it looks again, so under load a request
//! never has to wake it (waking a parked writer per line was an eighth of a
//! request's CPU); an idle writer waits for the next line. When
//! the writer falls behind and the channel is full, the line is dropped and
//! counted (`AccessLogDropped` in `/metrics`), and the writer says how many
//! it lost in the log itself before its next line, so nothing goes missing
//! unnoticed.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::extract::Request;
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::IntCounter;

/// Lines waiting for the writer at most (about 1 s of requests at full load).
pub const CAPACITY: usize = 64 * 1024;

/// How long the writer sleeps after writing out a batch: a line reaches the
/// log at most this much later than without batching, and a busy server
/// wakes the writer at most this often rather than once per request.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(10);

/// One request as the log tells it.
#[derive(Debug)]
pub struct Entry {
    /// When the answer was ready.
    pub at: SystemTime,
    /// The request's method.
    pub method: Method,
    /// Its path (no query).
    pub path: String,
    /// The answer's status.
    pub status: u16,
    /// Time from the request's arrival to its answer.
    pub latency: Duration,
    /// `x-amzn-RequestId`.
    pub request_id: Option<HeaderValue>,
}

impl Entry {
    /// The line written for it (no newline).
    pub fn line(&self) -> String {
        let mut out = Vec::new();
        self.write(&mut out, &mut Stamp::default())
            .expect("writing to memory");
        String::from_utf8(out).expect("the line is UTF-8")
    }

    /// Writes the line (no newline) to `out`, its time's second from `stamp`.
    fn write(&self, out: &mut impl Write, stamp: &mut Stamp) -> std::io::Result<()> {
        let (second, micros) = stamp.of(self.at);
        let id = self
            .request_id
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        write!(
            out,
            "{second}.{micros:06}Z  INFO access: method={} path={} status={} latency={} μs request_id={}",
            self.method,
            self.path.escape_debug(),
            self.status,
            self.latency.as_micros(),
            id
        )
    }
}

/// The text of the second lines were last written in
/// (`2025-12-01T17:00:00`): a busy log formats a date once a second, not
/// once a line.
#[derive(Debug, Default)]
struct Stamp {
    second: Option<i64>,
    text: String,
}

impl Stamp {
    /// `at`'s second as text and its microseconds (truncated, as chrono's
    /// `%.6f`).
    fn of(&mut self, at: SystemTime) -> (&str, u32) {
        let at = chrono::DateTime::<chrono::Utc>::from(at);
        let second = at.timestamp();
        if self.second != Some(second) {
            self.text = at.format("%Y-%m-%dT%H:%M:%S").to_string();
            self.second = Some(second);
        }
        (&self.text, at.timestamp_subsec_micros())
    }
}

/// The sending side, shared by every request.
#[derive(Clone)]
pub struct AccessLog {
    sender: SyncSender<Entry>,
    dropped: IntCounter,
    /// Dropped since the writer last said so.
    unreported: Arc<AtomicU64>,
}

impl std::fmt::Debug for AccessLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessLog")
            .field("dropped", &self.dropped.get())
            .finish()
    }
}

impl AccessLog {
    /// A log of at most `capacity` waiting lines, written to `out` by a
    /// thread of its own (which ends when every [`AccessLog`] clone is gone);
    /// `dropped` counts the lines a full channel turned away.
    pub fn start(
        capacity: usize,
        out: Box<dyn Write + Send>,
        dropped: IntCounter,
    ) -> std::io::Result<Self> {
        let (sender, receiver) = sync_channel(capacity);
        let unreported = Arc::new(AtomicU64::new(0));
        let pending = unreported.clone();
        std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || write_lines(&receiver, out, &pending))?;
        Ok(Self {
            sender,
            dropped,
            unreported,
        })
    }

    /// Hands a line to the writer; counts it dropped when the channel is full.
    pub fn record(&self, entry: Entry) {
        match self.sender.try_send(entry) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.dropped.inc();
                self.unreported.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// The writer thread: whatever has arrived, flushed, then a
/// [`BATCH_INTERVAL`] of sleep; blocks only when nothing waits.
fn write_lines(receiver: &Receiver<Entry>, out: Box<dyn Write + Send>, unreported: &AtomicU64) {
    let mut out = std::io::BufWriter::with_capacity(16 * 1024, out);
    let mut stamp = Stamp::default();
    while let Ok(first) = receiver.recv() {
        let mut next = Some(first);
        while let Some(entry) = next {
            let lost = unreported.swap(0, Ordering::Relaxed);
            if lost > 0 {
                let _ = writeln!(
                    out,
                    "{}  WARN access: {lost} access log line(s) dropped: the writer fell behind (see AccessLogDropped)",
                    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ")
                );
            }
            let _ = entry.write(&mut out, &mut stamp);
            let _ = out.write_all(b"\n");
            next = receiver.try_recv().ok();
        }
        let _ = out.flush();
        std::thread::sleep(BATCH_INTERVAL);
    }
    let _ = out.flush();
}

/// The middleware: times the request and records its line once answered.
pub async fn layer(log: AccessLog, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let request_id = request.headers().get("x-amzn-requestid").cloned();
    let response = next.run(request).await;
    log.record(Entry {
        at: SystemTime::now(),
        method,
        path,
        status: response.status().as_u16(),
        latency: started.elapsed(),
        request_id,
    });
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Condvar, Mutex};

    fn entry(status: u16) -> Entry {
        Entry {
            at: SystemTime::UNIX_EPOCH + Duration::from_micros(1_764_608_400_123_456),
            method: Method::POST,
            path: "/endpoints/e/invocations".into(),
            status,
            latency: Duration::from_micros(812),
            request_id: Some(HeaderValue::from_static("abc-1")),
        }
    }

    /// A sink that holds the writer until `open` is set, then collects.
    #[derive(Clone, Default)]
    struct Gate {
        /// (open, a write is waiting, what was written)
        state: Arc<(Mutex<(bool, bool, Vec<u8>)>, Condvar)>,
    }

    impl Gate {
        fn open(&self) {
            self.state.0.lock().unwrap().0 = true;
            self.state.1.notify_all();
        }
        fn wait_until_held(&self) {
            let (lock, changed) = &*self.state;
            drop(changed.wait_while(lock.lock().unwrap(), |s| !s.1).unwrap());
        }
        fn text(&self) -> String {
            String::from_utf8(self.state.0.lock().unwrap().2.clone()).unwrap()
        }
    }

    impl Write for Gate {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let (lock, changed) = &*self.state;
            let mut s = lock.lock().unwrap();
            s.1 = true;
            changed.notify_all();
            let mut s = changed.wait_while(s, |s| !s.0).unwrap();
            s.2.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_say_what_was_asked_and_answered() {
        assert_eq!(
            entry(200).line(),
            "2025-12-01T17:00:00.123456Z  INFO access: method=POST \
             path=/endpoints/e/invocations status=200 latency=812 μs request_id=abc-1"
        );
    }

    #[test]
    fn a_kept_second_is_written_only_within_that_second() {
        let mut stamp = Stamp::default();
        let mut e = entry(200);
        let base = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_608_400);
        for (micros, expected) in [
            (999_999, "2025-12-01T17:00:00.999999Z"),
            (1_000_000, "2025-12-01T17:00:01.000000Z"),
            (1_000_042, "2025-12-01T17:00:01.000042Z"),
            (0, "2025-12-01T17:00:00.000000Z"),
        ] {
            e.at = base + Duration::from_micros(micros);
            let mut out = Vec::new();
            e.write(&mut out, &mut stamp).unwrap();
            let line = String::from_utf8(out).unwrap();
            assert!(line.starts_with(expected), "{line}");
            assert_eq!(line, e.line());
        }
    }

    #[test]
    fn a_full_channel_drops_and_counts_and_the_log_says_so() {
        let gate = Gate::default();
        let dropped = IntCounter::new("AccessLogDropped", "test").unwrap();
        let log = AccessLog::start(2, Box::new(gate.clone()), dropped.clone()).unwrap();
        // The writer takes the first line and is held writing it out.
        log.record(entry(200));
        gate.wait_until_held();
        // Two more wait in the channel; the other seven are turned away.
        for status in 201..210 {
            log.record(entry(status));
        }
        assert_eq!(dropped.get(), 7);
        gate.open();
        drop(log); // the writer ends once it has written what it holds
        let mut text = String::new();
        for _ in 0..2000 {
            text = gate.text();
            if text.lines().count() == 4 {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].contains("status=200"), "{text}");
        assert!(
            lines[1].contains("WARN access: 7 access log line(s) dropped"),
            "{text}"
        );
        assert!(lines[2].contains("status=201"), "{text}");
        assert!(lines[3].contains("status=202"), "{text}");
        assert_eq!(dropped.get(), 7);
    }
}
