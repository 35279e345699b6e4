//! Failed sign-ins, counted so that guessing is slow and a stranger cannot
//! lock a customer out:
//!
//! - per customer id and client address: [`MAX_FAILED_PER_ID_AND_ADDRESS`];
//! - per client address (IPv6 by /64), whatever the ids: [`MAX_FAILED_PER_ADDRESS`];
//! - per customer id, whatever the addresses: [`MAX_FAILED_PER_ID`];
//!
//! each in a window of [`LOGIN_WINDOW_SECONDS`] from the first failure. An
//! address the id signed in from successfully in the last
//! [`KNOWN_ADDRESS_SECONDS`] is held only to the first limit, so other
//! people's failures never lock a customer out where they signed in before.
//!
//! An attempt is reserved (counted as a failure) before its password is
//! checked and given back only when the password was right or was never
//! checked, so concurrent guesses cannot all slip under a limit.

use std::net::IpAddr;
use std::sync::Mutex;

use lru::LruCache;

/// Failed attempts allowed per customer id and client address.
pub const MAX_FAILED_PER_ID_AND_ADDRESS: u32 = 5;
/// Failed attempts allowed per client address (one password tried on many ids).
pub const MAX_FAILED_PER_ADDRESS: u32 = 20;
/// Failed attempts allowed per customer id from all addresses together.
pub const MAX_FAILED_PER_ID: u32 = 50;
/// The window of every limit, from its first failure.
pub const LOGIN_WINDOW_SECONDS: i64 = 300;
/// How long a successful sign-in makes its address known for that id.
pub const KNOWN_ADDRESS_SECONDS: i64 = 30 * 86_400;
/// Most counters and known addresses remembered (least recently used go).
const MAX_ENTRIES: usize = 100_000;

/// A client address as the limits count it: IPv4, or an IPv6 /64 (one
/// subscriber's block), or unknown (in-process requests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Address {
    V4(u32),
    V6Prefix(u64),
    Unknown,
}

fn address(ip: Option<IpAddr>) -> Address {
    match ip.map(|ip| ip.to_canonical()) {
        Some(IpAddr::V4(v4)) => Address::V4(u32::from(v4)),
        Some(IpAddr::V6(v6)) => Address::V6Prefix((u128::from(v6) >> 64) as u64),
        None => Address::Unknown,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Pair(String, Address),
    Address(Address),
    Id(String),
}

impl Key {
    fn limit(&self) -> u32 {
        match self {
            Key::Pair(..) => MAX_FAILED_PER_ID_AND_ADDRESS,
            Key::Address(_) => MAX_FAILED_PER_ADDRESS,
            Key::Id(_) => MAX_FAILED_PER_ID,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    count: u32,
    since: i64,
}

struct Inner {
    failures: LruCache<Key, Window>,
    known: LruCache<(String, Address), i64>,
}

/// Which limit refused a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This id from this address.
    IdFromAddress,
    /// This address, whatever the id.
    Address,
    /// This id from addresses it never signed in from.
    Id,
}

impl Refusal {
    /// For people.
    pub fn message(self, customer: &str) -> String {
        match self {
            Refusal::IdFromAddress => format!(
                "Too many failed sign-ins for customer {customer} from this address; try again in a few minutes"
            ),
            Refusal::Address => {
                "Too many failed sign-ins from this address; try again in a few minutes".into()
            }
            Refusal::Id => format!(
                "Too many failed sign-ins for customer {customer}; try again in a few minutes from an address you signed in from before"
            ),
        }
    }
}

/// The failed-sign-in counters.
pub struct LoginLimiter {
    inner: Mutex<Inner>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        let cap = std::num::NonZeroUsize::new(MAX_ENTRIES).expect("non-zero");
        Self {
            inner: Mutex::new(Inner {
                failures: LruCache::new(cap),
                known: LruCache::new(cap),
            }),
        }
    }
}

impl std::fmt::Debug for LoginLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginLimiter")
    }
}

/// A reserved attempt: counted as a failure unless [`Attempt::succeeded`],
/// and given back if dropped before the password was checked.
#[must_use]
pub struct Attempt<'a> {
    limiter: &'a LoginLimiter,
    keys: Vec<Key>,
    pair: (String, Address),
    settled: bool,
}

impl Inner {
    fn count(&mut self, key: &Key, now: i64) -> u32 {
        match self.failures.get(key) {
            Some(w) if now - w.since < LOGIN_WINDOW_SECONDS => w.count,
            _ => 0,
        }
    }

    fn add(&mut self, key: &Key, now: i64) {
        match self.failures.get_mut(key) {
            Some(w) if now - w.since < LOGIN_WINDOW_SECONDS => w.count += 1,
            _ => {
                self.failures.put(
                    key.clone(),
                    Window {
                        count: 1,
                        since: now,
                    },
                );
            }
        }
    }

    fn give_back(&mut self, key: &Key) {
        if let Some(w) = self.failures.get_mut(key) {
            w.count = w.count.saturating_sub(1);
        }
    }
}

impl LoginLimiter {
    /// Reserves an attempt for `customer` from `client` at `now`, or says
    /// which limit it is over.
    pub fn begin(
        &self,
        customer: &str,
        client: Option<IpAddr>,
        now: i64,
    ) -> Result<Attempt<'_>, Refusal> {
        let addr = address(client);
        let pair = (customer.to_owned(), addr);
        let mut inner = self.inner.lock().expect("not poisoned");
        let known = inner
            .known
            .get(&pair)
            .is_some_and(|t| now - t < KNOWN_ADDRESS_SECONDS);
        let mut keys = vec![Key::Pair(customer.to_owned(), addr)];
        if !known {
            keys.push(Key::Address(addr));
            keys.push(Key::Id(customer.to_owned()));
        }
        for key in &keys {
            if inner.count(key, now) >= key.limit() {
                return Err(match key {
                    Key::Pair(..) => Refusal::IdFromAddress,
                    Key::Address(_) => Refusal::Address,
                    Key::Id(_) => Refusal::Id,
                });
            }
        }
        for key in &keys {
            inner.add(key, now);
        }
        Ok(Attempt {
            limiter: self,
            keys,
            pair,
            settled: false,
        })
    }
}

impl Attempt<'_> {
    /// The password was wrong: the attempt stays counted.
    pub fn failed(mut self) {
        self.settled = true;
    }

    /// The password was right: this address is known for the id from now
    /// on, the pair's failures are forgotten, and the attempt given back.
    pub fn succeeded(mut self, now: i64) {
        let mut inner = self.limiter.inner.lock().expect("not poisoned");
        for key in &self.keys {
            match key {
                Key::Pair(..) => {
                    inner.failures.pop(key);
                }
                other => inner.give_back(other),
            }
        }
        inner.known.put(self.pair.clone(), now);
        self.settled = true;
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let mut inner = self.limiter.inner.lock().expect("not poisoned");
        for key in &self.keys {
            inner.give_back(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn the_pair_limit_at_the_threshold_and_one_past() {
        let l = LoginLimiter::default();
        for _ in 0..MAX_FAILED_PER_ID_AND_ADDRESS {
            l.begin("42", ip("10.0.0.1"), 100).unwrap().failed();
        }
        assert_eq!(
            l.begin("42", ip("10.0.0.1"), 100).err(),
            Some(Refusal::IdFromAddress)
        );
        // Another address, another id, a later window: unaffected.
        l.begin("42", ip("10.0.0.2"), 100).unwrap().failed();
        l.begin("43", ip("10.0.0.1"), 100).unwrap().failed();
        assert!(l
            .begin("42", ip("10.0.0.1"), 100 + LOGIN_WINDOW_SECONDS)
            .is_ok());
    }

    #[test]
    fn reservations_count_before_the_password_is_checked() {
        let l = LoginLimiter::default();
        let pending: Vec<_> = (0..MAX_FAILED_PER_ID_AND_ADDRESS)
            .map(|_| l.begin("42", ip("10.0.0.1"), 100).unwrap())
            .collect();
        assert!(
            l.begin("42", ip("10.0.0.1"), 100).is_err(),
            "five in flight"
        );
        drop(pending); // never checked (say, the queue was full): given back
        let ok = l.begin("42", ip("10.0.0.1"), 100).unwrap();
        ok.succeeded(100);
        for _ in 0..MAX_FAILED_PER_ID_AND_ADDRESS {
            l.begin("42", ip("10.0.0.1"), 100).unwrap().failed();
        }
        assert!(l.begin("42", ip("10.0.0.1"), 100).is_err());
    }

    #[test]
    fn strangers_cannot_lock_a_customer_out_where_they_signed_in_before() {
        let l = LoginLimiter::default();
        l.begin("42", ip("192.0.2.7"), 100).unwrap().succeeded(100);
        // Fifty failures from many addresses lock the id everywhere else...
        for i in 0..MAX_FAILED_PER_ID {
            let from = format!("10.0.{}.{}", i / 200, i % 200);
            l.begin("42", ip(&from), 100).unwrap().failed();
        }
        assert_eq!(l.begin("42", ip("10.9.9.9"), 100).err(), Some(Refusal::Id));
        // ...but not where the customer signed in before.
        assert!(l.begin("42", ip("192.0.2.7"), 100).is_ok());
    }

    /// After a window passes, failures count in a new window from zero, and
    /// five of them lock the pair again.
    #[test]
    fn each_window_counts_afresh_and_locks_again() {
        let l = LoginLimiter::default();
        for _ in 0..MAX_FAILED_PER_ID_AND_ADDRESS {
            l.begin("42", ip("10.0.0.1"), 100).unwrap().failed();
        }
        assert!(
            l.begin("42", ip("10.0.0.1"), 100 + 299).is_err(),
            "299 s on"
        );
        let later = 100 + 300;
        for _ in 0..MAX_FAILED_PER_ID_AND_ADDRESS {
            l.begin("42", ip("10.0.0.1"), later).unwrap().failed();
        }
        assert_eq!(
            l.begin("42", ip("10.0.0.1"), later).err(),
            Some(Refusal::IdFromAddress)
        );
    }

    /// A successful sign-in makes its address known for 30 days, to the second.
    #[test]
    fn a_known_address_is_known_for_30_days() {
        assert_eq!(KNOWN_ADDRESS_SECONDS, 2_592_000, "30 days");
        let l = LoginLimiter::default();
        l.begin("42", ip("192.0.2.7"), 100).unwrap().succeeded(100);
        let last_second = 100 + 2_592_000 - 1;
        for i in 0..MAX_FAILED_PER_ID {
            let from = format!("10.0.{}.{}", i / 200, i % 200);
            l.begin("42", ip(&from), last_second).unwrap().failed();
        }
        l.begin("42", ip("192.0.2.7"), last_second)
            .expect("still known")
            .failed();
        assert_eq!(
            l.begin("42", ip("192.0.2.7"), last_second + 1).err(),
            Some(Refusal::Id),
            "30 days on, the address is a stranger's"
        );
    }

    #[test]
    fn debug_shows_no_counters() {
        assert_eq!(format!("{:?}", LoginLimiter::default()), "LoginLimiter");
    }

    #[test]
    fn the_address_limit_counts_every_id_and_ipv6_by_its_64() {
        let l = LoginLimiter::default();
        for i in 0..MAX_FAILED_PER_ADDRESS {
            let from = format!("2001:db8::{i:x}");
            l.begin(&format!("x{i}"), ip(&from), 100).unwrap().failed();
        }
        assert_eq!(
            l.begin("y", ip("2001:db8::ffff"), 100).err(),
            Some(Refusal::Address)
        );
        assert!(l.begin("y", ip("2001:db8:0:1::1"), 100).is_ok());
    }
}
