//! `gridcast serve`.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use gridcast_endpoint::credentials::Principals;
use gridcast_endpoint::forwarded::TrustedProxies;
use gridcast_endpoint::limits::{default_workers, ConnectionsPerAddress, ServerLimits};
use gridcast_endpoint::login::Users;
use gridcast_endpoint::model_cache::CacheLimits;
use gridcast_endpoint::revocations::DEFAULT_FOLDER;
use gridcast_endpoint::server::serve;
use gridcast_endpoint::session_token::{SessionKey, SessionKeyError, SessionKeys};
use gridcast_endpoint::state::{system_clock, AppState, Config};
use gridcast_store::Location;

/// Serve the models as a SageMaker-compatible multi-model endpoint.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where `<TargetModel>` artifacts live (`42.tar.gz`, `company_a/7.tar.gz`):
    /// a directory or `s3://bucket/prefix` (AWS credentials from the environment;
    /// AWS_ENDPOINT_URL for S3-compatible stores).
    #[arg(long, default_value = "/opt/ml/models")]
    models: String,
    /// Local copies of artifacts from S3 (revalidated by ETag on every load)
    /// and the parsed form of every artifact loaded (a faster cold load of
    /// the same bytes next time).
    #[arg(long)]
    disk_cache: Option<PathBuf>,
    /// Most bytes of local copies.
    #[arg(long, default_value_t = 10 << 30)]
    disk_cache_bytes: u64,
    /// Principals allowed to invoke (access keys and TargetModel patterns).
    /// Without it, every signed request is refused.
    #[arg(long)]
    auth: Option<PathBuf>,
    /// Customer logins for `/auth/login` (see `gridcast users add`).
    #[arg(long)]
    users: Option<PathBuf>,
    /// The endpoint name in `/endpoints/{name}/invocations`.
    #[arg(long, default_value = "gridcast")]
    endpoint_name: String,
    /// The SigV4 region.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Address to listen on (`0.0.0.0` in a container).
    #[arg(long, env = "GRIDCAST_HOST", default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on (SageMaker containers use 8080).
    #[arg(long, env = "GRIDCAST_PORT", default_value_t = 8080)]
    port: u16,
    /// Most models kept in memory.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    max_models: u64,
    /// Most bytes of models kept in memory (their parsed size).
    #[arg(long, default_value_t = 1 << 30)]
    max_memory: u64,
    /// Threads that load models and forecast (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=256))]
    forecast_workers: Option<u64>,
    /// Forecasts queued for a worker before more get 503.
    #[arg(long, default_value_t = 64)]
    forecast_queue: usize,
    /// Seconds an invocation may take, queueing included (SageMaker's 60 at most).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=60))]
    invocation_timeout: u64,
    /// Open connections at once; more are closed as soon as accepted.
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: u64,
    /// Open connections one client address (IPv4, or IPv6 /64) may hold; more
    /// are closed as soon as accepted. `off` behind a proxy or load balancer
    /// (SageMaker, a Kubernetes Ingress, HAProxy, nginx): every connection
    /// then comes from its few addresses, so limit per client there instead.
    #[arg(
        long,
        env = "GRIDCAST_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = ConnectionsPerAddress::DEFAULT,
        value_name = "N|off"
    )]
    max_connections_per_address: ConnectionsPerAddress,
    /// Proxies (addresses and CIDR blocks, comma-separated) whose
    /// `X-Forwarded-For` names the client: the sign-in limits then count
    /// the client behind them, not the proxy. Only your own proxies' block
    /// (the ingress pods', the load balancer's): a trusted address can
    /// claim to forward anyone. Default `off`.
    #[arg(
        long,
        env = "GRIDCAST_TRUSTED_PROXIES",
        default_value = "off",
        value_name = "LIST|off"
    )]
    trusted_proxies: TrustedProxies,
    /// Seconds a client has to send a request's headers (also the keep-alive idle time).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    header_timeout: u64,
    /// Seconds an answer's write may make no progress before the connection is closed.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=300))]
    write_timeout: u64,
    /// The key sign-ins' session tokens are made and checked with: at least
    /// 32 random bytes (`head -c 32 /dev/urandom > session.key`), the same file
    /// on every replica. Without it, a random key: sign-ins then last only as
    /// long as this process and other replicas do not know them.
    #[arg(long, env = "GRIDCAST_SESSION_KEY_FILE")]
    session_key_file: Option<PathBuf>,
    /// While rotating keys: the previous key, still accepted, never used to issue.
    #[arg(
        long,
        env = "GRIDCAST_SESSION_PREVIOUS_KEY_FILE",
        requires = "session_key_file"
    )]
    session_previous_key_file: Option<PathBuf>,
    /// Where sign-outs are shared between replicas: a directory or
    /// `s3://bucket/prefix` (default: `.gridcast/sessions` in --models).
    #[arg(long)]
    sessions: Option<String>,
    /// Static files to serve at `/` (the built portal).
    #[arg(long)]
    www: Option<PathBuf>,
    /// Enable the SageMaker MME container routes (`/models`), loading only
    /// from below this directory. `/opt/ml/models` when SAGEMAKER_MULTI_MODEL=true.
    #[arg(long, env = "GRIDCAST_CONTAINER_ROOT")]
    container_root: Option<PathBuf>,
    /// Future values of the models' regressors (the daily weather forecast):
    /// a CSV, local or `s3://bucket/key.csv`, of `ds` and columns, optionally
    /// keyed by customer or group (`customer_id`, `customer` or `group`, or
    /// --covariates-key). Fills what a request leaves out; reread when it
    /// changes (a bad row is logged with its line and the previous feed stays).
    #[arg(long)]
    future_covariates: Option<String>,
    /// The feed's key column (a customer id, or a folder of TargetModels).
    #[arg(long, requires = "future_covariates")]
    covariates_key: Option<String>,
    /// The customers' processed readings (`gridcast process`'s `<id>.csv`),
    /// a directory or `s3://bucket/prefix`: a signed-in customer's readings
    /// after their model's training end, against its forecast for those
    /// days (`GET /endpoints/{name}/readings/{TargetModel}`).
    #[arg(long)]
    readings: Option<String>,
    /// Seconds between checks of the feed for changes.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    covariates_poll: u64,
}

fn server_limits(args: &Args) -> ServerLimits {
    let workers = args
        .forecast_workers
        .map_or_else(default_workers, |n| n as usize);
    let mut limits = ServerLimits::with_workers(workers);
    limits.forecast_queue = args.forecast_queue;
    limits.invocation_timeout = Duration::from_secs(args.invocation_timeout);
    limits.max_connections = args.max_connections as usize;
    limits.max_connections_per_address = args.max_connections_per_address;
    limits.trusted_proxies = args.trusted_proxies.clone();
    limits.header_read_timeout = Duration::from_secs(args.header_timeout);
    limits.write_stall_timeout = Duration::from_secs(args.write_timeout);
    limits.covariates_poll = Duration::from_secs(args.covariates_poll);
    limits
}

/// The session keys, or a random one (with a warning) when no file is given.
fn session_keys(args: &Args) -> Result<SessionKeys, SessionKeyError> {
    let Some(path) = &args.session_key_file else {
        tracing::warn!("no --session-key-file: sign-ins end when this server stops and other replicas refuse them");
        return Ok(SessionKeys::new(SessionKey::random(), None));
    };
    let previous = args
        .session_previous_key_file
        .as_deref()
        .map(SessionKey::load)
        .transpose()?;
    Ok(SessionKeys::new(SessionKey::load(path)?, previous))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let session_keys = session_keys(&args)?;
    let server = server_limits(&args);
    gridcast_endpoint::memory::tune_allocator(server.forecast_workers + server.password_checks);
    let in_sagemaker =
        std::env::var("SAGEMAKER_MULTI_MODEL").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    let container_root = args
        .container_root
        .or_else(|| in_sagemaker.then(|| PathBuf::from("/opt/ml/models")));
    let principals = match &args.auth {
        Some(path) => Principals::load(path)?,
        None => {
            tracing::warn!("no --auth file: every signed InvokeEndpoint request will be refused");
            Principals::default()
        }
    };
    let users = args.users.as_deref().map(Users::load).transpose()?;
    let models = Location::parse(&args.models)?;
    let sessions = match &args.sessions {
        Some(location) => Location::parse(location)?,
        None => models.child(DEFAULT_FOLDER),
    };
    let disk_cache = args
        .disk_cache
        .unwrap_or_else(|| std::env::temp_dir().join("gridcast-artifacts"));
    let config = Config {
        models,
        disk_cache: (disk_cache, args.disk_cache_bytes),
        endpoint_name: args.endpoint_name,
        region: args.region,
        limits: CacheLimits {
            max_models: args.max_models as usize,
            max_bytes: args.max_memory,
        },
        server,
        www: args.www,
        container_root,
        users: args.users,
        session_keys,
        sessions,
        future_covariates: args.future_covariates.map(|url| (url, args.covariates_key)),
        readings: args.readings.as_deref().map(Location::parse).transpose()?,
    };
    let state = Arc::new(
        AppState::new(config, principals, users).context("preparing the artifact disk cache")?,
    );
    // SageMaker inference pipelines tell the container its port this way.
    let port = std::env::var("SAGEMAKER_BIND_TO_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(args.port);
    let addr = SocketAddr::new(args.host, port);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime
        .block_on(async {
            // Sign-outs known before the first request.
            state.sessions.start(system_clock).await;
            // The feed must parse before the first request; then it is watched.
            if let Some(feed) = &state.covariates {
                feed.reload().await.context("reading --future-covariates")?;
                feed.clone().watch(state.config.server.covariates_poll);
            }
            let listener = tokio::net::TcpListener::bind(addr).await?;
            // One line on stdout for people and scripts (`--port 0` picks a free port).
            println!(
                "gridcast endpoint listening on http://{}",
                listener.local_addr()?
            );
            serve(state, listener).await?;
            anyhow::Ok(())
        })
        .with_context(|| format!("serving on {addr}"))?;
    Ok(ExitCode::SUCCESS)
}
