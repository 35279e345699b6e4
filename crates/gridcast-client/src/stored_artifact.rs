//! The customer's artifact as the device keeps it, with the entity tag it
//! was downloaded with, so the device can forecast with no network and later
//! downloads are conditional (in IndexedDB, [`crate::artifact_store`], or in
//! an edge instance's memory).

/// A stored artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredArtifact {
    /// `{customer}.tar.gz` bytes.
    pub bytes: Vec<u8>,
    /// The download's `ETag`.
    pub etag: Option<String>,
    /// When it was stored (device clock, Unix milliseconds).
    pub saved_at_ms: f64,
    /// The future covariates received for its model (the endpoint's CSV;
    /// empty: none).
    pub covariates: Vec<u8>,
    /// Their `ETag`.
    pub covariates_etag: Option<String>,
    /// The country holiday table its model needs (`data/<CODE>.bin`; empty:
    /// none).
    pub holidays: Vec<u8>,
    /// Its model's facts as the engine read them (`ModelFacts`' JSON; empty:
    /// none, as in builds with the engine in process).
    pub facts: Vec<u8>,
}

