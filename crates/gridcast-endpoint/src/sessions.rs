//! Sign-in sessions as principals, the same on every replica: a sign-in or a
//! refresh is a session token ([`crate::session_token`]) made with the shared
//! key; a request signed with one becomes a [`Principal`] once its token
//! checks out and its sign-in is not revoked ([`crate::revocations`]).
//! Nothing about a sign-in is kept in memory, so a restarted replica, or one
//! that never saw the sign-in, honours it just the same.
//!
//! Login limits stay per replica (see `login::limiter`): behind `R` replicas
//! an id gets at most `R ×` its allowance of wrong passwords per window.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use gridcast_signing::Credentials;
use gridcast_store::Location;

use crate::credentials::{
    Principal, SignInSession, MAX_SESSION_SECONDS, TEMPORARY_CREDENTIALS_SECONDS,
};
use crate::error::ApiError;
use crate::revocations::Revocations;
use crate::session_token::{random_id, Claims, SessionKeys, TokenError};

/// Sign-in sessions: the keys their tokens are made with and the sign-outs.
#[derive(Debug)]
pub struct Sessions {
    keys: SessionKeys,
    revocations: Arc<Revocations>,
    /// Whether the shared sign-outs have been read once (until then a token
    /// might be one signed out elsewhere, so tokens are refused).
    read_once: Arc<AtomicBool>,
}

fn principal(claims: &Claims, access_key_id: String, secret: String, token: String) -> Principal {
    Principal {
        credentials: Credentials::new(access_key_id, secret).with_session_token(token),
        expiration: Some(claims.expires),
        target_models: claims.target_models.clone(),
        session: Some(SignInSession {
            id: claims.sign_in.clone(),
            started: claims.started,
            customer: claims.customer.clone(),
        }),
    }
}

impl Sessions {
    /// Sessions made with `keys`, sign-outs shared through `store`.
    pub fn new(keys: SessionKeys, store: Location) -> Self {
        Self {
            keys,
            revocations: Arc::new(Revocations::new(store)),
            read_once: Arc::default(),
        }
    }

    fn issue(&self, claims: &Claims) -> Principal {
        let issued = self.keys.issue(claims);
        principal(
            claims,
            issued.access_key_id,
            issued.secret_access_key,
            issued.session_token,
        )
    }

    /// Credentials of a new sign-in of `customer`, for `target_models`.
    pub fn sign_in(&self, customer: &str, target_models: Vec<String>, now: i64) -> Principal {
        self.issue(&Claims::sign_in(
            customer,
            target_models,
            now,
            TEMPORARY_CREDENTIALS_SECONDS,
        ))
    }

    /// New credentials for the sign-in `old` belongs to: the same patterns,
    /// never past [`MAX_SESSION_SECONDS`] from the sign-in.
    pub fn refresh(&self, old: &Principal, now: i64) -> Result<Principal, ApiError> {
        let session = old.session.as_ref().ok_or_else(|| {
            ApiError::validation(
                "only sign-in sessions can be refreshed or signed out; these are configured keys",
            )
        })?;
        let end = session.started + MAX_SESSION_SECONDS;
        if now >= end {
            return Err(ApiError::expired_token());
        }
        Ok(self.issue(&Claims {
            customer: session.customer.clone(),
            target_models: old.target_models.clone(),
            issued: now,
            expires: (now + TEMPORARY_CREDENTIALS_SECONDS).min(end),
            sign_in: session.id.clone(),
            started: session.started,
            nonce: random_id(8),
        }))
    }

    /// The principal of a request signed with `access_key_id` and carrying
    /// `token`, in AWS's 403 types: an unknown, forged, foreign or signed-out
    /// token is `UnrecognizedClientException`, an old one `ExpiredTokenException`.
    pub fn principal(
        &self,
        access_key_id: &str,
        token: Option<&str>,
        now: i64,
    ) -> Result<Principal, ApiError> {
        let token = token
            .filter(|t| SessionKeys::is_session_token(t))
            .ok_or_else(ApiError::unrecognized_client)?;
        let (claims, secret) =
            self.keys
                .verify(access_key_id, token, now)
                .map_err(|e| match e {
                    TokenError::Expired => ApiError::expired_token(),
                    _ => ApiError::unrecognized_client(),
                })?;
        if !self.read_once.load(Ordering::Acquire) {
            return Err(ApiError::unavailable(
                "sign-ins cannot be checked until the sign-outs have been read from the model store; retry in a moment",
            ));
        }
        if self.revocations.is_revoked(&claims.sign_in) {
            return Err(ApiError::unrecognized_client());
        }
        Ok(principal(
            &claims,
            access_key_id.to_owned(),
            secret,
            token.to_owned(),
        ))
    }

    /// Signs out the sign-in `p` belongs to, on every replica: here at once,
    /// elsewhere within a few seconds — or a 503 saying it could not be shared.
    pub async fn sign_out(&self, p: &Principal) -> Result<(), ApiError> {
        let session = p.session.as_ref().ok_or_else(|| {
            ApiError::validation(
                "only sign-in sessions can be signed out; these are configured keys",
            )
        })?;
        self.revocations
            .revoke(&session.id, session.started + MAX_SESSION_SECONDS)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "a sign-out could not be written to the model store");
                ApiError::unavailable(format!(
                    "signed out on this server only: the sign-out could not be shared ({e}); sign out again"
                ))
            })
    }

    /// Reads the sign-outs once (so a restarted replica knows them before it
    /// serves), then keeps polling them.
    pub async fn start(&self, clock: impl Fn() -> i64 + Send + Sync + 'static) {
        let clock = Arc::new(clock);
        match self.revocations.refresh(clock()).await {
            Ok(n) => {
                self.read_once.store(true, Ordering::Release);
                tracing::info!(revoked = n, store = %self.revocations.store(), "sign-outs read");
            }
            Err(e) => {
                tracing::warn!(error = %e, "sign-outs could not be read; sign-ins are refused until they are")
            }
        }
        let read_once = self.read_once.clone();
        self.revocations.spawn_polling(
            move || clock(),
            move || {
                read_once.store(true, Ordering::Release);
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session_token::SessionKey;

    fn sessions(dir: &std::path::Path, key: &str) -> Sessions {
        std::fs::write(dir.join(key), key.repeat(32)).unwrap();
        let keys = SessionKeys::new(SessionKey::load(&dir.join(key)).unwrap(), None);
        Sessions::new(keys, Location::Local(dir.join("sessions")))
    }

    fn use_of(s: &Sessions, p: &Principal, now: i64) -> Result<Principal, ApiError> {
        s.principal(
            &p.credentials.access_key_id,
            p.credentials.session_token.as_deref(),
            now,
        )
    }

    #[tokio::test]
    async fn a_token_is_a_principal_on_any_replica_until_it_is_signed_out() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (sessions(dir.path(), "k"), sessions(dir.path(), "k"));
        a.start(|| 1_000).await;
        b.start(|| 1_000).await;
        let p = a.sign_in("42", vec!["42.tar.gz".into()], 1_000);
        let on_b = use_of(&b, &p, 1_010).unwrap();
        assert_eq!(on_b.credentials, p.credentials);
        assert_eq!(on_b.session.as_ref().unwrap().customer, "42");
        // The patterns travel in the token: another model is not allowed.
        assert!(on_b.may_invoke("42.tar.gz") && !on_b.may_invoke("7.tar.gz"));
        let refreshed = b.refresh(&on_b, 1_500).unwrap();
        assert_eq!(
            refreshed.expiration,
            Some(1_500 + TEMPORARY_CREDENTIALS_SECONDS)
        );
        assert_eq!(refreshed.session, on_b.session);
        a.sign_out(&refreshed).await.unwrap();
        for (s, who) in [(&a, &p), (&a, &refreshed)] {
            assert_eq!(
                use_of(s, who, 1_600).unwrap_err().kind,
                "UnrecognizedClientException"
            );
        }
        // b learns of it when it next reads the shared sign-outs.
        assert!(use_of(&b, &p, 1_600).is_ok());
        b.revocations.refresh(1_600).await.unwrap();
        assert_eq!(
            use_of(&b, &p, 1_600).unwrap_err().kind,
            "UnrecognizedClientException"
        );
        // The sign-out is kept until the sign-in would have ended anyway (12
        // hours after it), to the second, then pruned.
        let end = 1_000 + MAX_SESSION_SECONDS;
        assert_eq!(b.revocations.refresh(end).await.unwrap(), 1);
        assert_eq!(b.revocations.refresh(end + 1).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn refused_tokens_get_aws_error_types() {
        let dir = tempfile::tempdir().unwrap();
        let s = sessions(dir.path(), "k");
        let p = s.sign_in("42", vec!["42.tar.gz".into()], 1_000);
        // Before the sign-outs are read, no token is trusted.
        assert_eq!(
            use_of(&s, &p, 1_000).unwrap_err().kind,
            "ServiceUnavailable"
        );
        s.start(|| 1_000).await;
        assert!(use_of(&s, &p, 1_000).is_ok());
        assert_eq!(
            use_of(&s, &p, 1_000 + 3600).unwrap_err().kind,
            "ExpiredTokenException"
        );
        let other = sessions(dir.path(), "j");
        other.start(|| 1_000).await;
        assert_eq!(
            use_of(&other, &p, 1_000).unwrap_err().kind,
            "UnrecognizedClientException"
        );
        for token in [None, Some("not ours"), Some("gc1.x.y")] {
            let err = s
                .principal(&p.credentials.access_key_id, token, 1_000)
                .unwrap_err();
            assert_eq!(err.kind, "UnrecognizedClientException");
        }
        // Credentials last an hour; no refresh reaches past 12 hours from the sign-in.
        assert_eq!(p.expiration, Some(1_000 + 3_600));
        let late = s.refresh(&p, 1_000 + 43_200 - 60).unwrap();
        assert_eq!(late.expiration, Some(1_000 + 43_200));
        let last = s.refresh(&p, 1_000 + 43_200 - 1).unwrap();
        assert_eq!(last.expiration, Some(1_000 + 43_200), "the last second");
        assert_eq!(
            s.refresh(&p, 1_000 + 43_200).unwrap_err().kind,
            "ExpiredTokenException"
        );
    }
}
