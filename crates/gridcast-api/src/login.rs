//! Sign-in: `POST /auth/login`'s body and the temporary credentials it
//! answers with (also `/auth/refresh`'s answer, and the shape a host page
//! hands the widget, which STS's credentials fit too).

use serde::{Deserialize, Serialize};

/// `POST /auth/login`'s body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// The customer signing in.
    pub customer_id: String,
    /// Their password.
    pub password: String,
}

/// Temporary credentials: what `/auth/login` and `/auth/refresh` answer
/// (every field set), or STS's credentials a host gives the widget (the
/// keys, token and expiry only).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoginReply {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Session token.
    #[serde(default)]
    pub session_token: Option<String>,
    /// RFC 3339 expiry.
    #[serde(default)]
    pub expiration: Option<String>,
    /// The customer signed in.
    #[serde(default)]
    pub customer_id: Option<String>,
    /// The one TargetModel these credentials may invoke.
    #[serde(default)]
    pub target_model: Option<String>,
    /// The endpoint's name.
    #[serde(default)]
    pub endpoint_name: Option<String>,
    /// The endpoint's SigV4 region.
    #[serde(default)]
    pub region: Option<String>,
}

impl std::fmt::Debug for LoginReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginReply")
            .field("access_key_id", &self.access_key_id)
            .field("customer_id", &self.customer_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

impl LoginReply {
    /// Reads an answer (or a host's credentials).
    pub fn parse(body: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(body)
            .map_err(|e| format!("the sign-in answer is not understood: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_reads_back_and_never_prints_its_secret() {
        let reply = LoginReply {
            access_key_id: "ASIAX".into(),
            secret_access_key: "very-secret".into(),
            session_token: Some("t".into()),
            expiration: Some("2026-11-26T15:00:00Z".into()),
            customer_id: Some("42".into()),
            target_model: Some("42.tar.gz".into()),
            endpoint_name: Some("gridcast".into()),
            region: Some("us-east-1".into()),
        };
        let text = serde_json::to_string(&reply).unwrap();
        assert!(text.contains(r#""SecretAccessKey":"very-secret""#), "{text}");
        assert_eq!(LoginReply::parse(text.as_bytes()).unwrap(), reply);
        assert!(!format!("{reply:?}").contains("very-secret"));
        // STS's shape: keys, token, expiry.
        let sts = LoginReply::parse(br#"{"AccessKeyId":"A","SecretAccessKey":"S"}"#).unwrap();
        assert_eq!(sts.customer_id, None);
        assert!(LoginReply::parse(b"{}").unwrap_err().contains("not understood"));
    }
}
