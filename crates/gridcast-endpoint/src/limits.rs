//! Every limit the endpoint holds under load, in one place, with its default.
//! `docs/security.md` lists them with the test that holds each.

use std::fmt;
use std::num::NonZeroUsize;
use std::str::FromStr;
use std::time::Duration;

use crate::covariates::FeedLimits;

use gridcast_model::ArtifactLimits;

use crate::forwarded::TrustedProxies;

/// The limits of a running endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLimits {
    /// Open connections at once; more are accepted and closed at once.
    pub max_connections: usize,
    /// Open connections one client address may hold at once; more are
    /// accepted and closed at once.
    pub max_connections_per_address: ConnectionsPerAddress,
    /// Proxies whose `X-Forwarded-For` names the client the sign-in limits
    /// count (none: every client is the connection's address).
    pub trusted_proxies: TrustedProxies,
    /// Time a client has to send a request's headers, counted from when the
    /// server starts waiting for them: on a new connection and between the
    /// requests of a kept-alive one (so it is also the idle timeout).
    pub header_read_timeout: Duration,
    /// Time a client has to send a request's body once its headers arrived.
    pub body_read_timeout: Duration,
    /// Time an answer's write may make no progress (the client stopped
    /// reading) before the connection is closed.
    pub write_stall_timeout: Duration,
    /// Bytes of request bodies buffered, all requests together, before their
    /// signature has been checked (or for unsigned routes).
    pub unauthenticated_body_bytes: usize,
    /// Threads forecasting and loading models at once.
    pub forecast_workers: usize,
    /// Forecasts (and model loads) queued for a worker; more get 503.
    pub forecast_queue: usize,
    /// Workers one caller (access key) may hold at once.
    pub per_caller_forecasts: usize,
    /// A caller's forecasts queued behind its own; more get 429.
    pub per_caller_queue: usize,
    /// An invocation's whole time: queueing, loading, forecasting (SageMaker's
    /// contract is 60 s).
    pub invocation_timeout: Duration,
    /// Password checks (argon2id, 19 MiB each) at once.
    pub password_checks: usize,
    /// Sign-ins queued for a password check; more get 503.
    pub password_queue: usize,
    /// Bytes of forecast answers kept, every model and horizon together.
    pub answer_cache_bytes: u64,
    /// Largest artifact file (compressed), checked before it is read.
    pub artifact_bytes: u64,
    /// What unpacking one artifact may cost.
    pub artifact: ArtifactLimits,
    /// How big the future covariates feed may be (bytes, rows, columns).
    pub covariates: FeedLimits,
    /// How often the feed is checked for changes.
    pub covariates_poll: Duration,
}

/// How many connections one client address may hold open at once (an IPv4
/// address, or an IPv6 /64: one subscriber's block; an IPv4-mapped IPv6
/// address counts as its IPv4 address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionsPerAddress {
    /// At most this many; more are accepted and closed at once.
    AtMost(NonZeroUsize),
    /// No limit per address, only `max_connections`: for a server behind a
    /// proxy or load balancer (SageMaker's front end included), where every
    /// connection comes from its few addresses.
    Unlimited,
}

impl ConnectionsPerAddress {
    /// The default: one eighth of the default 512 connections, so one
    /// address alone cannot take them all (a browser opens at most 6 to a
    /// server; 64 is ten busy browsers behind one NAT address).
    pub const DEFAULT: Self = Self::AtMost(NonZeroUsize::new(64).unwrap());
}

impl Default for ConnectionsPerAddress {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// `off` for [`ConnectionsPerAddress::Unlimited`], else the number.
impl fmt::Display for ConnectionsPerAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AtMost(n) => write!(f, "{n}"),
            Self::Unlimited => f.write_str("off"),
        }
    }
}

/// A positive number, or `off`.
impl FromStr for ConnectionsPerAddress {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("off") {
            return Ok(Self::Unlimited);
        }
        text.parse::<NonZeroUsize>()
            .map(Self::AtMost)
            .map_err(|_| format!("`{text}` is not a number of connections (1 or more) or `off`"))
    }
}

/// The forecast workers by default: one per core the process may use.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

impl ServerLimits {
    /// The defaults, with `workers` forecast workers (one caller may hold half
    /// of them, rounded up, so others always find one free when there are two
    /// or more).
    pub fn with_workers(workers: usize) -> Self {
        let workers = workers.max(1);
        Self {
            max_connections: 512,
            max_connections_per_address: ConnectionsPerAddress::default(),
            trusted_proxies: TrustedProxies::default(),
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            write_stall_timeout: Duration::from_secs(30),
            unauthenticated_body_bytes: 64 << 20,
            forecast_workers: workers,
            forecast_queue: 64,
            per_caller_forecasts: workers.div_ceil(2),
            per_caller_queue: 4,
            invocation_timeout: Duration::from_secs(60),
            password_checks: 2,
            password_queue: 16,
            answer_cache_bytes: 64 << 20,
            artifact_bytes: 32 << 20,
            // A model.json costs up to ~16× its size while it is parsed
            // (once per worker at most), and 16 MiB holds ~100,000 history
            // rows (eleven years hourly).
            artifact: ArtifactLimits {
                max_entries: 32,
                max_model_json: 16 << 20,
                max_total: 32 << 20,
            },
            covariates: FeedLimits::default(),
            covariates_poll: Duration::from_secs(5),
        }
    }
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self::with_workers(default_workers())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_per_address_read_as_a_positive_number_or_off() {
        let at_most = |n| ConnectionsPerAddress::AtMost(NonZeroUsize::new(n).unwrap());
        assert_eq!("1".parse(), Ok(at_most(1)));
        assert_eq!("512".parse(), Ok(at_most(512)));
        assert_eq!("off".parse(), Ok(ConnectionsPerAddress::Unlimited));
        assert_eq!("OFF".parse(), Ok(ConnectionsPerAddress::Unlimited));
        for bad in ["0", "-1", "", "none", "6 4"] {
            let refused = bad.parse::<ConnectionsPerAddress>().unwrap_err();
            assert!(refused.contains(&format!("`{bad}`")), "{refused}");
        }
        for limit in [at_most(7), ConnectionsPerAddress::Unlimited] {
            assert_eq!(limit.to_string().parse(), Ok(limit));
        }
        assert_eq!(
            ServerLimits::default().max_connections_per_address,
            at_most(64)
        );
    }
}
