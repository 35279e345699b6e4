//! Reading request bodies: bounded per request (413 past the route's limit,
//! from the Content-Length before anything is read, or as chunks arrive),
//! bounded in time (408), and bounded for all requests together while
//! nobody has proven who sent them: every byte buffered before a signature
//! is checked takes a share of one budget, and a request that finds the
//! budget spent gets 503 at once.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap};
use http_body_util::BodyExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// The budget of bytes buffered by requests not yet authenticated.
#[derive(Debug, Clone)]
pub struct BodyBudget {
    bytes: Arc<Semaphore>,
    total: usize,
    timeout: Duration,
}

/// A body read under the budget; its share is returned when this is dropped
/// (or [`Unproven::proven`] is called).
#[derive(Debug)]
pub struct Unproven {
    /// The bytes.
    pub bytes: Bytes,
    _share: Option<OwnedSemaphorePermit>,
}

impl Unproven {
    /// The sender is authenticated: its bytes leave the budget.
    pub fn proven(self) -> Bytes {
        self.bytes
    }
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}

/// A body as its chunks arrive: one chunk is kept as it came (no copy),
/// more are joined.
#[derive(Default)]
enum Whole {
    #[default]
    Empty,
    One(Bytes),
    Joined(Vec<u8>),
}

impl Whole {
    fn len(&self) -> usize {
        match self {
            Whole::Empty => 0,
            Whole::One(b) => b.len(),
            Whole::Joined(v) => v.len(),
        }
    }

    /// Adds a chunk; `reserved` is the declared length (0 if none).
    fn push(&mut self, data: Bytes, reserved: usize) {
        *self = match std::mem::take(self) {
            Whole::Empty => Whole::One(data),
            Whole::One(first) => {
                let mut joined = Vec::with_capacity(reserved.max(first.len() + data.len()));
                joined.extend_from_slice(&first);
                joined.extend_from_slice(&data);
                Whole::Joined(joined)
            }
            Whole::Joined(mut joined) => {
                joined.extend_from_slice(&data);
                Whole::Joined(joined)
            }
        };
    }

    fn into_bytes(self) -> Bytes {
        match self {
            Whole::Empty => Bytes::new(),
            Whole::One(b) => b,
            Whole::Joined(v) => Bytes::from(v),
        }
    }
}

impl BodyBudget {
    /// A budget of `total` bytes; each body must arrive within `timeout`.
    pub fn new(total: usize, timeout: Duration) -> Self {
        let total = total.min(Semaphore::MAX_PERMITS);
        Self {
            bytes: Arc::new(Semaphore::new(total)),
            total,
            timeout,
        }
    }

    /// Bytes of the budget in use now.
    pub fn in_use(&self) -> usize {
        self.total - self.bytes.available_permits()
    }

    fn spent(&self) -> ApiError {
        ApiError::unavailable(format!(
            "the server is reading {} bytes of unauthenticated requests, its limit; retry shortly",
            self.total
        ))
    }

    fn take(&self, share: &mut Option<OwnedSemaphorePermit>, bytes: usize) -> Result<(), ApiError> {
        if bytes == 0 {
            return Ok(());
        }
        let n = u32::try_from(bytes).map_err(|_| self.spent())?;
        let more = self
            .bytes
            .clone()
            .try_acquire_many_owned(n)
            .map_err(|_| self.spent())?;
        match share {
            Some(held) => held.merge(more),
            None => *share = Some(more),
        }
        Ok(())
    }

    /// Reads a whole body of at most `limit` bytes under the budget.
    pub async fn read(
        &self,
        body: Body,
        headers: &HeaderMap,
        limit: usize,
    ) -> Result<Unproven, ApiError> {
        let declared = declared_length(headers);
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(ApiError::too_large(limit));
        }
        let mut share = None;
        // A declared length is reserved whole before reading; a chunked body
        // takes its share chunk by chunk.
        let reserved = declared.unwrap_or(0) as usize;
        self.take(&mut share, reserved)?;
        let read = async {
            let mut body = body;
            let mut whole = Whole::default();
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| {
                    ApiError::validation(format!("the request body could not be read: {e}"))
                })?;
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                let read = whole.len();
                if read + data.len() > limit {
                    return Err(ApiError::too_large(limit));
                }
                let beyond = (read + data.len()).saturating_sub(reserved.max(read));
                self.take(&mut share, beyond)?;
                whole.push(data, reserved);
            }
            Ok(whole.into_bytes())
        };
        let bytes = tokio::time::timeout(self.timeout, read)
            .await
            .map_err(|_| ApiError::request_timeout(self.timeout))??;
        Ok(Unproven {
            bytes,
            _share: share,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(length: Option<usize>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(n) = length {
            h.insert(header::CONTENT_LENGTH, n.to_string().parse().unwrap());
        }
        h
    }

    fn chunked(chunks: Vec<Vec<u8>>) -> Body {
        let stream = futures_util::stream::iter(
            chunks
                .into_iter()
                .map(|c| Ok::<_, std::io::Error>(Bytes::from(c))),
        );
        Body::from_stream(stream)
    }

    #[tokio::test]
    async fn limits_hold_at_the_byte_with_and_without_a_length() {
        let budget = BodyBudget::new(1 << 20, Duration::from_secs(5));
        let exact = budget
            .read(Body::from(vec![1u8; 100]), &headers(Some(100)), 100)
            .await
            .unwrap();
        assert_eq!(exact.bytes.len(), 100);
        assert_eq!(budget.in_use(), 100, "held until proven or dropped");
        assert_eq!(exact.proven().len(), 100);
        assert_eq!(budget.in_use(), 0);
        let over = budget
            .read(Body::from(vec![1u8; 101]), &headers(Some(101)), 100)
            .await
            .unwrap_err();
        assert_eq!(over.status, 413);
        let ok = budget
            .read(chunked(vec![vec![0; 60], vec![0; 40]]), &headers(None), 100)
            .await
            .unwrap();
        assert_eq!(ok.bytes.len(), 100);
        drop(ok);
        let over = budget
            .read(chunked(vec![vec![0; 60], vec![0; 41]]), &headers(None), 100)
            .await
            .unwrap_err();
        assert_eq!(over.status, 413);
        assert_eq!(budget.in_use(), 0);
    }

    #[tokio::test]
    async fn bodies_in_any_number_of_chunks_come_back_byte_for_byte() {
        let budget = BodyBudget::new(1 << 20, Duration::from_secs(5));
        let text: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        for cuts in [
            vec![],
            vec![0],
            vec![1000],
            vec![7],
            vec![3, 500],
            vec![1, 2, 999],
        ] {
            let mut chunks = Vec::new();
            let mut from = 0;
            for &to in cuts.iter().chain(&[1000]) {
                chunks.push(text[from..to].to_vec());
                from = to;
            }
            for declared in [None, Some(1000)] {
                let read = budget
                    .read(chunked(chunks.clone()), &headers(declared), 1000)
                    .await
                    .unwrap();
                assert_eq!(read.bytes, text, "cut at {cuts:?}, declared {declared:?}");
            }
        }
        let empty = budget.read(Body::empty(), &headers(None), 10).await;
        assert!(empty.unwrap().bytes.is_empty());
        assert_eq!(budget.in_use(), 0);
    }

    #[tokio::test]
    async fn the_budget_is_shared_and_refuses_when_spent() {
        let budget = BodyBudget::new(150, Duration::from_secs(5));
        let first = budget
            .read(Body::from(vec![1u8; 100]), &headers(Some(100)), 1000)
            .await
            .unwrap();
        let second = budget
            .read(Body::from(vec![1u8; 100]), &headers(Some(100)), 1000)
            .await
            .unwrap_err();
        assert_eq!(
            (second.status.as_u16(), second.kind),
            (503, "ServiceUnavailable")
        );
        let chunks = budget
            .read(
                chunked(vec![vec![0; 40], vec![0; 40]]),
                &headers(None),
                1000,
            )
            .await
            .unwrap_err();
        assert_eq!(chunks.status, 503);
        drop(first);
        assert_eq!(budget.in_use(), 0);
    }

    #[tokio::test]
    async fn a_body_that_does_not_arrive_in_time_is_408() {
        let budget = BodyBudget::new(1000, Duration::from_millis(50));
        let never =
            Body::from_stream(futures_util::stream::pending::<Result<Bytes, std::io::Error>>());
        let err = budget
            .read(never, &headers(Some(10)), 100)
            .await
            .unwrap_err();
        assert_eq!(err.status, 408);
        assert_eq!(budget.in_use(), 0);
    }
}
