//! Sign-in credentials: the temporary ones `/auth/login` returns, or keys an
//! operator typed into the settings panel.

use gridcast_api::LoginReply;
use gridcast_signing::Credentials;
use serde::{Deserialize, Serialize};

/// Refresh temporary credentials this long before they expire.
pub const REFRESH_BEFORE_SECONDS: i64 = 10 * 60;

/// Whose credentials the client signs with, and for what.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Session {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Session token of temporary credentials.
    #[serde(default)]
    pub session_token: Option<String>,
    /// RFC 3339 expiry of temporary credentials.
    #[serde(default)]
    pub expiration: Option<String>,
    /// The customer whose model this session forecasts.
    pub customer_id: String,
    /// The TargetModel the endpoint allows (login sessions).
    #[serde(default)]
    pub target_model: Option<String>,
    /// The endpoint's name as the endpoint reported it (login sessions).
    #[serde(default)]
    pub endpoint_name: Option<String>,
    /// The endpoint's region as the endpoint reported it (login sessions).
    #[serde(default)]
    pub region: Option<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("access_key_id", &self.access_key_id)
            .field("customer_id", &self.customer_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session from `/auth/login`'s (or `/auth/refresh`'s) JSON answer,
    /// [`LoginReply`] with every field set: read straight into a session
    /// (one deserializer in the portal's wasm; the test below holds the two
    /// shapes together).
    /// An `Expiration` that is not an RFC 3339 time is refused here: the
    /// client would not know when the credentials stop working.
    pub fn from_login_reply(body: &[u8]) -> Result<Self, String> {
        let session: Self = serde_json::from_slice(body)
            .map_err(|e| format!("the sign-in answer is not understood: {e}"))?;
        match session.expiry() {
            Expiry::Unreadable(e) => Err(format!(
                "the sign-in answer is not understood: Expiration {e:?} is not an RFC 3339 time"
            )),
            _ => Ok(session),
        }
    }

    /// A session for `customer_id` from sign-in (or STS) credentials.
    pub fn from_reply(reply: LoginReply, customer_id: String) -> Self {
        Self {
            access_key_id: reply.access_key_id,
            secret_access_key: reply.secret_access_key,
            session_token: reply.session_token.filter(|t| !t.is_empty()),
            expiration: reply.expiration,
            customer_id,
            target_model: reply.target_model,
            endpoint_name: reply.endpoint_name,
            region: reply.region,
        }
    }

    /// Long-term or STS keys an operator entered for `customer_id`.
    pub fn with_keys(
        customer_id: impl Into<String>,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: session_token.filter(|t| !t.is_empty()),
            expiration: None,
            customer_id: customer_id.into(),
            target_model: None,
            endpoint_name: None,
            region: None,
        }
    }

    /// The signing credentials.
    pub fn credentials(&self) -> Credentials {
        let c = Credentials::new(&self.access_key_id, &self.secret_access_key);
        match &self.session_token {
            Some(t) => c.with_session_token(t),
            None => c,
        }
    }

    /// When the credentials stop working.
    fn expiry(&self) -> Expiry<'_> {
        match self.expiration.as_deref() {
            None => Expiry::Never,
            Some(e) => gridcast_model::parse_rfc3339(e).map_or(Expiry::Unreadable(e), Expiry::At),
        }
    }

    /// Unix seconds of expiry (`None`: does not expire, or the expiry is
    /// unreadable, which [`Session::expired`] treats as expired).
    pub fn expires_at(&self) -> Option<i64> {
        match self.expiry() {
            Expiry::At(e) => Some(e),
            Expiry::Never | Expiry::Unreadable(_) => None,
        }
    }

    /// Whether the credentials no longer work at `now`. A kept session whose
    /// `Expiration` is not an RFC 3339 time (edited, or from another build)
    /// counts as expired, so the customer signs in again rather than signing
    /// with credentials of unknown life.
    pub fn expired(&self, now: i64) -> bool {
        match self.expiry() {
            Expiry::Never => false,
            Expiry::At(e) => e <= now,
            Expiry::Unreadable(_) => true,
        }
    }

    /// Whether it is time to ask `/auth/refresh` for new credentials.
    pub fn refresh_due(&self, now: i64) -> bool {
        self.target_model.is_some()
            && self
                .expires_at()
                .is_some_and(|e| e.saturating_sub(now) <= REFRESH_BEFORE_SECONDS)
    }
}

/// A session's `Expiration`, read.
enum Expiry<'a> {
    /// Long-term or typed keys: no `Expiration`.
    Never,
    /// Unix seconds.
    At(i64),
    /// Not an RFC 3339 time (the text as given).
    Unreadable(&'a str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_reply_expiry_and_refresh() {
        let body = br#"{"AccessKeyId":"ASIAX","SecretAccessKey":"s","SessionToken":"t",
            "Expiration":"2026-11-26T15:00:00Z","CustomerId":"42","TargetModel":"42.tar.gz",
            "EndpointName":"gridcast","Region":"us-east-1"}"#;
        let s = Session::from_login_reply(body).unwrap();
        let exp = s.expires_at().unwrap();
        assert_eq!(exp, 1_795_705_200);
        assert!(!s.expired(exp - 1) && s.expired(exp));
        assert!(!s.refresh_due(exp - REFRESH_BEFORE_SECONDS - 1));
        assert!(s.refresh_due(exp - REFRESH_BEFORE_SECONDS));
        assert_eq!(s.credentials().session_token.as_deref(), Some("t"));
        assert!(
            !format!("{s:?}").contains("SecretAccessKey") && !format!("{s:?}").contains("\"s\"")
        );
        assert!(Session::from_login_reply(b"{}")
            .unwrap_err()
            .contains("not understood"));
    }

    #[test]
    fn a_session_is_the_login_reply_shape() {
        let reply = LoginReply {
            access_key_id: "ASIAX".into(),
            secret_access_key: "s".into(),
            session_token: Some("t".into()),
            expiration: Some("2026-11-26T15:00:00Z".into()),
            customer_id: Some("42".into()),
            target_model: Some("42.tar.gz".into()),
            endpoint_name: Some("gridcast".into()),
            region: Some("us-east-1".into()),
        };
        let wire = serde_json::to_vec(&reply).unwrap();
        let session = Session::from_login_reply(&wire).unwrap();
        assert_eq!(session, Session::from_reply(reply.clone(), "42".into()));
        let back: LoginReply = serde_json::from_slice(&serde_json::to_vec(&session).unwrap()).unwrap();
        assert_eq!(back, reply);
    }

    #[test]
    fn an_unreadable_expiration_is_refused_or_expired() {
        let body = br#"{"AccessKeyId":"ASIAX","SecretAccessKey":"s","SessionToken":"t",
            "Expiration":"next tuesday","CustomerId":"42","TargetModel":"42.tar.gz"}"#;
        let e = Session::from_login_reply(body).unwrap_err();
        assert!(e.contains("\"next tuesday\" is not an RFC 3339 time"), "{e}");
        // A kept session with such a text (edited storage, another build): expired.
        let mut kept = Session::with_keys("42", "ASIAX", "s", Some("t".into()));
        kept.expiration = Some("2026-13-01T00:00:00Z".into());
        kept.target_model = Some("42.tar.gz".into());
        assert!(kept.expired(i64::MIN) && kept.expires_at().is_none());
        assert!(!kept.refresh_due(0));
    }

    #[test]
    fn typed_keys_never_expire_or_refresh() {
        let s = Session::with_keys("7", "AKID", "secret", Some(String::new()));
        assert_eq!(s.session_token, None);
        assert!(!s.expired(i64::MAX) && !s.refresh_due(i64::MAX));
    }
}
