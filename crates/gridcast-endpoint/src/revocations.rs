//! Sign-outs that every replica honours: a revoked sign-in is an empty
//! object `{until}.{sign_in}.revoked` in a folder of the model store
//! (`.gridcast/sessions/` beside the models unless `serve --sessions` says
//! otherwise). The replica that signs a customer out refuses the sign-in at
//! once; every replica lists the folder every [`POLL_EVERY`] (and before it
//! serves), so all refuse it within a few seconds. `until` is when the sign-in
//! would have ended anyway (its start plus the longest session): after that
//! the entry is pruned, from memory and from the store, and the folder stays
//! as small as the sign-outs of the last hours.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use gridcast_store::{Location, StoreError};

/// How often each replica reads the revocations.
pub const POLL_EVERY: Duration = Duration::from_secs(2);
/// The folder, relative to the model store, when none is given.
pub const DEFAULT_FOLDER: &str = ".gridcast/sessions";
const SUFFIX: &str = ".revoked";

/// The revoked sign-ins this replica knows, and where they are shared.
#[derive(Debug)]
pub struct Revocations {
    store: Location,
    /// Sign-in id → Unix seconds until which it is refused.
    revoked: Mutex<HashMap<String, i64>>,
    /// The latest clock reading a refresh pruned against: a refresh that read
    /// the clock earlier (a poll racing a later one) prunes against this, so
    /// it cannot bring back what the later one pruned.
    pruned_through: AtomicI64,
}

fn object_name(sign_in: &str, until: i64) -> String {
    format!("{until}.{sign_in}{SUFFIX}")
}

/// `(sign_in, until)` of an object name; `None` for anything else.
fn parse_name(name: &str) -> Option<(String, i64)> {
    let (until, sign_in) = name.strip_suffix(SUFFIX)?.split_once('.')?;
    let valid = !sign_in.is_empty()
        && sign_in.len() <= 64
        && sign_in.bytes().all(|b| b.is_ascii_hexdigit());
    Some((sign_in.to_owned(), until.parse().ok()?)).filter(|_| valid)
}

impl Revocations {
    /// Revocations shared through `store`.
    pub fn new(store: Location) -> Self {
        Self {
            store,
            revoked: Mutex::default(),
            pruned_through: AtomicI64::new(i64::MIN),
        }
    }

    /// Where they are shared.
    pub fn store(&self) -> &Location {
        &self.store
    }

    /// Whether `sign_in` was signed out (here, or on a replica, as of the last poll).
    pub fn is_revoked(&self, sign_in: &str) -> bool {
        self.revoked
            .lock()
            .expect("not poisoned")
            .contains_key(sign_in)
    }

    /// Signs `sign_in` out until `until`: refused here at once, and by the
    /// other replicas once the object is written (the error says it was not).
    pub async fn revoke(&self, sign_in: &str, until: i64) -> Result<(), StoreError> {
        self.revoked
            .lock()
            .expect("not poisoned")
            .insert(sign_in.to_owned(), until);
        self.store
            .put(&object_name(sign_in, until), Bytes::new())
            .await
    }

    /// Reads the shared revocations and prunes those past `now`; returns how
    /// many are in force.
    pub async fn refresh(&self, now: i64) -> Result<usize, StoreError> {
        let names = match self.store.list(SUFFIX).await {
            Ok(names) => names,
            // A local folder nobody has signed out into yet.
            Err(StoreError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        let mut expired = Vec::new();
        {
            let mut revoked = self.revoked.lock().expect("not poisoned");
            let now = self
                .pruned_through
                .fetch_max(now, Ordering::AcqRel)
                .max(now);
            for (sign_in, until) in names.iter().filter_map(|n| parse_name(n)) {
                if until < now {
                    expired.push(object_name(&sign_in, until));
                } else {
                    revoked.insert(sign_in, until);
                }
            }
            revoked.retain(|_, until| *until >= now);
        }
        for name in expired {
            // Any replica may prune; a lost race is not an error.
            self.store.delete(&name).await?;
        }
        Ok(self.revoked.lock().expect("not poisoned").len())
    }

    /// Polls every [`POLL_EVERY`] for as long as the runtime runs, calling
    /// `read` after each successful poll.
    pub fn spawn_polling(
        self: &Arc<Self>,
        now: impl Fn() -> i64 + Send + 'static,
        read: impl Fn() + Send + 'static,
    ) {
        let revocations = Arc::clone(self);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(POLL_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                match revocations.refresh(now()).await {
                    Ok(_) => read(),
                    Err(e) => {
                        tracing::warn!(error = %e, store = %revocations.store, "reading the revoked sign-ins failed; retrying")
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_strangers_are_ignored() {
        let name = object_name("0a1b", 1_700_000_000);
        assert_eq!(name, "1700000000.0a1b.revoked");
        assert_eq!(parse_name(&name), Some(("0a1b".into(), 1_700_000_000)));
        for other in [
            "x.revoked",
            "1.revoked",
            "1..revoked",
            "1.zz.revoked",
            "1.0a.json",
            "a.0a.revoked",
        ] {
            assert_eq!(parse_name(other), None, "{other}");
        }
    }

    #[tokio::test]
    async fn every_replica_sees_a_revocation_and_expired_ones_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let store = Location::Local(dir.path().join("sessions"));
        let (a, b) = (
            Revocations::new(store.clone()),
            Revocations::new(store.clone()),
        );
        assert_eq!(b.refresh(100).await.unwrap(), 0, "no folder yet");
        a.revoke("aa", 1_000).await.unwrap();
        a.revoke("bb", 150).await.unwrap();
        assert!(a.is_revoked("aa") && !b.is_revoked("aa"));
        assert_eq!(b.refresh(100).await.unwrap(), 2);
        assert!(b.is_revoked("aa") && b.is_revoked("bb"));
        // Past bb's end: pruned here and from the store.
        assert_eq!(b.refresh(200).await.unwrap(), 1);
        assert!(!b.is_revoked("bb") && b.is_revoked("aa"));
        assert_eq!(store.list(SUFFIX).await.unwrap(), ["1000.aa.revoked"]);
        assert_eq!(a.refresh(200).await.unwrap(), 1);
        assert!(!a.is_revoked("bb"));
    }

    #[tokio::test]
    async fn a_refresh_with_an_earlier_clock_does_not_bring_back_a_pruned_sign_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = Location::Local(dir.path().join("sessions"));
        let r = Revocations::new(store.clone());
        r.revoke("aa", 1_000).await.unwrap();
        assert_eq!(r.refresh(1_001).await.unwrap(), 0, "pruned");
        // A poll that read the clock before that refresh, and listed the
        // folder before the object was deleted, sees it again.
        store
            .put(&object_name("aa", 1_000), Bytes::new())
            .await
            .unwrap();
        assert_eq!(r.refresh(900).await.unwrap(), 0);
        assert!(!r.is_revoked("aa"));
        assert!(
            store.list(SUFFIX).await.unwrap().is_empty(),
            "pruned from the store too"
        );
    }
}
