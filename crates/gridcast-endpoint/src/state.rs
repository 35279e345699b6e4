//! What `gridcast serve` was asked to do and everything the handlers share.

use std::path::PathBuf;
use std::sync::Arc;

use gridcast_store::Location;

use crate::admission::Admission;
use crate::answers::AnswerCache;
use crate::artifact_source::{ArtifactSource, DiskCache};
use crate::body::BodyBudget;
use crate::compute::ComputePool;
use crate::covariates::CovariatesFeed;
use crate::credentials::Principals;
use crate::limits::ServerLimits;
use crate::login::{LoginLimiter, Users};
use crate::metrics::Metrics;
use crate::model_cache::{CacheLimits, ModelCache};
use crate::session_token::SessionKeys;
use crate::sessions::Sessions;

/// What `gridcast serve` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where `<TargetModel>` artifacts live (a directory or `s3://bucket/prefix`).
    pub models: Location,
    /// Local copies of S3 artifacts and the parsed form of every artifact
    /// loaded: directory and byte budget.
    pub disk_cache: (PathBuf, u64),
    /// The one endpoint name this server answers to.
    pub endpoint_name: String,
    /// The SigV4 region.
    pub region: String,
    /// Model cache limits.
    pub limits: CacheLimits,
    /// Limits under load: connections, timeouts, workers, queues, bodies.
    pub server: ServerLimits,
    /// Static files served at `/` (the portal).
    pub www: Option<PathBuf>,
    /// Enables the SageMaker MME container routes (`/models`), loading only
    /// from below this directory (SageMaker's `/opt/ml/models`).
    pub container_root: Option<PathBuf>,
    /// Customer logins for `/auth/login`.
    pub users: Option<PathBuf>,
    /// The keys sign-ins' session tokens are made and checked with (shared
    /// by the replicas: `--session-key-file`).
    pub session_keys: SessionKeys,
    /// Where sign-outs are shared (by default `.gridcast/sessions` in the model store).
    pub sessions: Location,
    /// The future covariates feed (a CSV path or `s3://` URL) and its key
    /// column, if any (`--future-covariates`, `--covariates-key`).
    pub future_covariates: Option<(String, Option<String>)>,
    /// The customers' processed readings (`<id>.csv` beside where the
    /// TargetModels' names put them; `--readings`), for forecasts against
    /// what happened.
    pub readings: Option<Location>,
}

/// Unix seconds.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Everything the handlers share.
pub struct AppState {
    /// Configuration.
    pub config: Config,
    /// Callers.
    pub principals: Principals,
    /// Models in memory.
    pub cache: ModelCache,
    /// Answers already computed.
    pub answers: Arc<AnswerCache>,
    /// Where artifacts come from.
    pub artifacts: ArtifactSource,
    /// Where model loads and forecasts run.
    pub compute: ComputePool,
    /// Bytes buffered before a signature is checked.
    pub bodies: BodyBudget,
    /// Metrics.
    pub metrics: Metrics,
    /// Customer logins.
    pub users: Option<Users>,
    /// Sign-in sessions: their tokens and sign-outs.
    pub sessions: Sessions,
    /// Sign-in attempt limits (per replica).
    pub login_limiter: LoginLimiter,
    /// Concurrent password checks.
    pub password_checks: Admission,
    /// The time.
    pub clock: Clock,
    /// Future values of regressors the requests leave out.
    pub covariates: Option<Arc<CovariatesFeed>>,
}

/// The state as handlers see it.
pub type SharedState = Arc<AppState>;

impl AppState {
    /// State with the system clock.
    pub fn new(
        config: Config,
        principals: Principals,
        users: Option<Users>,
    ) -> std::io::Result<Self> {
        let metrics = Metrics::new();
        // S3 artifacts' copies (required), and every loaded artifact's
        // parsed form (local artifacts load without one if need be).
        let disk = match DiskCache::new(config.disk_cache.0.clone(), config.disk_cache.1) {
            Ok(disk) => Some(disk),
            Err(e) if matches!(config.models, Location::Local(_)) => {
                tracing::warn!(dir = %config.disk_cache.0.display(), error = %e, "no disk cache: models load without parsed forms");
                None
            }
            Err(e) => return Err(e),
        };
        let server = &config.server;
        let covariates = match &config.future_covariates {
            Some((url, key)) => Some(Arc::new(
                CovariatesFeed::new(url, key.clone(), server.covariates)
                    .map_err(std::io::Error::other)?,
            )),
            None => None,
        };
        Ok(Self {
            covariates,
            artifacts: ArtifactSource::new(config.models.clone(), disk, server.artifact_bytes),
            cache: ModelCache::new(config.limits, metrics.clone()),
            answers: Arc::new(AnswerCache::new(server.answer_cache_bytes)),
            compute: ComputePool::new(server),
            bodies: BodyBudget::new(server.unauthenticated_body_bytes, server.body_read_timeout),
            password_checks: Admission::new(server.password_checks, server.password_queue),
            sessions: Sessions::new(config.session_keys.clone(), config.sessions.clone()),
            login_limiter: LoginLimiter::default(),
            principals,
            metrics,
            users,
            clock: Arc::new(system_clock),
            config,
        })
    }
}

/// Unix seconds from the system clock.
pub fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
