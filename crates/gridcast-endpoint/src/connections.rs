//! The connections the accept loop lets in: at most `max_connections` at
//! once, and at most `max_connections_per_address` from one client address
//! (see [`ConnectionsPerAddress`]). A connection over either limit is closed
//! as soon as it is accepted; every refusal is counted (`ConnectionsRefused`
//! in `/metrics`, by limit) and a warning is logged at most once per
//! [`WARN_EVERY`] for each limit, with how many were refused since the last,
//! so a client hammering a limit cannot flood the log.
//!
//! The count per address holds an entry only for an address with an open
//! connection (removed when its last one closes), and only connections that
//! hold one of the `max_connections` permits count, so it never holds more
//! than `max_connections` entries. Its lock is held only to change a count,
//! never across an await.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use prometheus::IntCounter;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::limits::{ConnectionsPerAddress, ServerLimits};
use crate::metrics::Metrics;

/// Least time between two warnings about one limit.
pub const WARN_EVERY: Duration = Duration::from_secs(10);

/// A client address as the limit per address counts it: an IPv4 address
/// (an IPv4-mapped IPv6 address is its IPv4 address), or an IPv6 /64 (one
/// subscriber's block: whoever has one address of it has them all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientAddress {
    /// An IPv4 address.
    V4(u32),
    /// The first 64 bits of an IPv6 address.
    V6Prefix(u64),
}

impl From<IpAddr> for ClientAddress {
    fn from(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => Self::V4(u32::from(v4)),
            IpAddr::V6(v6) => Self::V6Prefix((u128::from(v6) >> 64) as u64),
        }
    }
}

/// Open connections by client address, at most `limit` from each.
#[derive(Debug)]
pub struct PerAddress {
    limit: NonZeroUsize,
    /// Every count is at least 1: an address whose last connection closed
    /// is removed.
    open: Mutex<HashMap<ClientAddress, usize>>,
}

/// One connection counted against its address until dropped.
#[derive(Debug)]
pub struct AddressPermit {
    counts: Arc<PerAddress>,
    address: ClientAddress,
}

impl PerAddress {
    /// No connections yet, at most `limit` from each address.
    pub fn new(limit: NonZeroUsize) -> Arc<Self> {
        Arc::new(Self {
            limit,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// Counts a connection from `ip`, or `None` when its address already
    /// has `limit` open.
    pub fn try_acquire(self: &Arc<Self>, ip: IpAddr) -> Option<AddressPermit> {
        let address = ClientAddress::from(ip);
        let mut open = self.lock();
        let count = open.entry(address).or_insert(0);
        if *count >= self.limit.get() {
            return None;
        }
        *count += 1;
        Some(AddressPermit {
            counts: self.clone(),
            address,
        })
    }

    /// Connections open from `ip`'s address.
    pub fn open_from(&self, ip: IpAddr) -> usize {
        self.lock()
            .get(&ClientAddress::from(ip))
            .copied()
            .unwrap_or(0)
    }

    /// Addresses with a connection open (entries held).
    pub fn addresses(&self) -> usize {
        self.lock().len()
    }

    fn release(&self, address: ClientAddress) {
        let mut open = self.lock();
        if let Some(count) = open.get_mut(&address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&address);
            }
        }
    }

    /// The counts stay consistent whatever panicked elsewhere: nothing
    /// panics while the lock is held.
    fn lock(&self) -> MutexGuard<'_, HashMap<ClientAddress, usize>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for AddressPermit {
    fn drop(&mut self) {
        self.counts.release(self.address);
    }
}

/// A connection let in, holding its place under both limits until dropped.
#[derive(Debug)]
pub struct ConnectionPermit {
    // Dropped first (fields drop in order): an address's count never
    // outlives the connection's place under `max_connections`.
    _address: Option<AddressPermit>,
    _place: OwnedSemaphorePermit,
}

/// Both limits as the accept loop holds them.
#[derive(Debug)]
pub struct Connections {
    places: Arc<Semaphore>,
    per_address: Option<Arc<PerAddress>>,
    over_max: Refusals,
    over_per_address: Refusals,
}

impl Connections {
    /// The limits of `limits`, refusals counted in `metrics`.
    pub fn new(limits: &ServerLimits, metrics: &Metrics) -> Self {
        let refused = |limit| metrics.connections_refused.with_label_values(&[limit]);
        let (per_address, per_address_limit) = match limits.max_connections_per_address {
            ConnectionsPerAddress::AtMost(n) => (Some(PerAddress::new(n)), n.get()),
            ConnectionsPerAddress::Unlimited => (None, limits.max_connections),
        };
        Self {
            places: Arc::new(Semaphore::new(limits.max_connections)),
            per_address,
            over_max: Refusals::new(
                "max_connections",
                limits.max_connections,
                refused("max_connections"),
            ),
            over_per_address: Refusals::new(
                "max_connections_per_address",
                per_address_limit,
                refused("max_connections_per_address"),
            ),
        }
    }

    /// A place for a connection from `remote`, or `None` (counted, and
    /// warned about at most once per [`WARN_EVERY`]) when it is over a limit.
    pub fn admit(&mut self, remote: SocketAddr) -> Option<ConnectionPermit> {
        let Ok(place) = self.places.clone().try_acquire_owned() else {
            self.over_max.refused(remote, Instant::now());
            return None;
        };
        let address = match &self.per_address {
            None => None,
            Some(counts) => match counts.try_acquire(remote.ip()) {
                Some(permit) => Some(permit),
                None => {
                    self.over_per_address.refused(remote, Instant::now());
                    return None;
                }
            },
        };
        Some(ConnectionPermit {
            _address: address,
            _place: place,
        })
    }
}

/// The refusals of one limit: each counted, a warning at most once per
/// [`WARN_EVERY`].
#[derive(Debug)]
struct Refusals {
    limit: &'static str,
    value: usize,
    counter: IntCounter,
    last_warning: Option<Instant>,
    unreported: u64,
}

impl Refusals {
    fn new(limit: &'static str, value: usize, counter: IntCounter) -> Self {
        Self {
            limit,
            value,
            counter,
            last_warning: None,
            unreported: 0,
        }
    }

    fn refused(&mut self, remote: SocketAddr, now: Instant) {
        self.counter.inc();
        if let Some(refused) = self.warning_due(now) {
            tracing::warn!(%remote, limit = self.limit, value = self.value,
                refused_since_last_warning = refused,
                "connection limit reached; closing (one warning per 10 s at most)");
        }
    }

    /// Counts a refusal at `now`; the refusals not yet reported, this one
    /// included, when a warning is due.
    fn warning_due(&mut self, now: Instant) -> Option<u64> {
        self.unreported += 1;
        if self
            .last_warning
            .is_some_and(|last| now.duration_since(last) < WARN_EVERY)
        {
            return None;
        }
        self.last_warning = Some(now);
        Some(std::mem::take(&mut self.unreported))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn per_address(limit: usize) -> Arc<PerAddress> {
        PerAddress::new(NonZeroUsize::new(limit).unwrap())
    }

    #[test]
    fn an_address_gets_its_limit_then_a_place_per_connection_closed() {
        let counts = per_address(3);
        let mut held: Vec<_> = (0..3)
            .map(|_| counts.try_acquire(ip("10.0.0.1")).expect("under the limit"))
            .collect();
        assert!(counts.try_acquire(ip("10.0.0.1")).is_none(), "past 3");
        assert_eq!(
            counts.open_from(ip("10.0.0.1")),
            3,
            "a refusal counts nothing"
        );
        // Other addresses are not held to 10.0.0.1's count.
        let other = counts.try_acquire(ip("10.0.0.2")).expect("another address");
        assert_eq!(counts.addresses(), 2);
        held.pop();
        assert_eq!(counts.open_from(ip("10.0.0.1")), 2);
        held.push(counts.try_acquire(ip("10.0.0.1")).expect("a place again"));
        assert!(counts.try_acquire(ip("10.0.0.1")).is_none());
        // Entries go with their last connection.
        drop(other);
        assert_eq!(counts.addresses(), 1);
        drop(held);
        assert_eq!(counts.addresses(), 0);
        assert_eq!(counts.open_from(ip("10.0.0.1")), 0);
        assert!(counts.try_acquire(ip("10.0.0.1")).is_some());
        assert_eq!(counts.addresses(), 0, "the permit above was dropped");
    }

    #[test]
    fn ipv4_mapped_ipv6_is_its_ipv4_address_and_ipv6_counts_by_its_64() {
        let counts = per_address(2);
        let _a = counts.try_acquire(ip("192.0.2.7")).unwrap();
        let _b = counts.try_acquire(ip("::ffff:192.0.2.7")).unwrap();
        assert!(counts.try_acquire(ip("192.0.2.7")).is_none());
        assert!(counts.try_acquire(ip("::ffff:192.0.2.7")).is_none());
        // Other IPv4 addresses, mapped or not, are others.
        let _c = counts.try_acquire(ip("::ffff:192.0.2.8")).unwrap();
        let _d = counts.try_acquire(ip("2001:db8::1")).unwrap();
        let _e = counts.try_acquire(ip("2001:db8::ffff:1")).unwrap();
        assert!(counts.try_acquire(ip("2001:db8::2")).is_none(), "same /64");
        assert!(counts.try_acquire(ip("2001:db8:0:1::1")).is_some());
        assert_eq!(counts.addresses(), 3);
    }

    fn limits(max: usize, per_address: ConnectionsPerAddress) -> ServerLimits {
        ServerLimits {
            max_connections: max,
            max_connections_per_address: per_address,
            ..ServerLimits::with_workers(1)
        }
    }

    fn at(text: &str) -> SocketAddr {
        SocketAddr::new(ip(text), 40_000)
    }

    fn refused(metrics: &Metrics, limit: &str) -> u64 {
        metrics
            .connections_refused
            .with_label_values(&[limit])
            .get()
    }

    #[test]
    fn entries_never_outnumber_the_connections_and_refusals_are_counted_by_limit() {
        let metrics = Metrics::new();
        let per_address = ConnectionsPerAddress::AtMost(NonZeroUsize::new(2).unwrap());
        let mut connections = Connections::new(&limits(3, per_address), &metrics);
        let counts = connections.per_address.clone().unwrap();
        let a = connections.admit(at("10.0.0.1")).unwrap();
        let b = connections.admit(at("10.0.0.1")).unwrap();
        assert!(connections.admit(at("10.0.0.1")).is_none());
        assert_eq!(refused(&metrics, "max_connections_per_address"), 1);
        // The refusal above gave its place back: 10.0.0.2 gets the third.
        let c = connections.admit(at("10.0.0.2")).unwrap();
        assert!(connections.admit(at("10.0.0.3")).is_none(), "3 in all");
        assert_eq!(refused(&metrics, "max_connections"), 1);
        assert_eq!(counts.addresses(), 2, "a refused address holds no entry");
        drop((a, c));
        assert_eq!(counts.addresses(), 1);
        drop(b);
        assert_eq!(counts.addresses(), 0);
        let _all: Vec<_> = (1..=3)
            .map(|i| connections.admit(at(&format!("10.0.1.{i}"))).unwrap())
            .collect();
        assert_eq!(counts.addresses(), 3);
    }

    #[test]
    fn unlimited_per_address_leaves_only_max_connections() {
        let metrics = Metrics::new();
        let mut connections =
            Connections::new(&limits(3, ConnectionsPerAddress::Unlimited), &metrics);
        let _held: Vec<_> = (0..3)
            .map(|_| connections.admit(at("10.0.0.1")).unwrap())
            .collect();
        assert!(connections.admit(at("10.0.0.1")).is_none());
        assert_eq!(refused(&metrics, "max_connections"), 1);
        assert_eq!(refused(&metrics, "max_connections_per_address"), 0);
    }

    #[test]
    fn a_warning_at_most_every_ten_seconds_with_the_refusals_since_the_last() {
        let mut refusals = Refusals::new("test", 1, IntCounter::new("t", "t").unwrap());
        let start = Instant::now();
        let after = |ms| start + Duration::from_millis(ms);
        assert_eq!(refusals.warning_due(after(0)), Some(1), "the first at once");
        for ms in [1, 500, 9_999] {
            assert_eq!(refusals.warning_due(after(ms)), None);
        }
        assert_eq!(refusals.warning_due(after(10_000)), Some(4));
        assert_eq!(refusals.warning_due(after(10_001)), None);
        assert_eq!(refusals.warning_due(after(60_000)), Some(2));
    }
}
