//! Sign-in credentials that every replica honours, with no shared database:
//! the session token carries the sign-in's claims, MACed with a key the
//! replicas share (`serve --session-key-file`), and the access key id and
//! secret access key are derived from the token with the same key. A replica
//! that has never seen the sign-in — or has restarted since — checks the MAC,
//! derives the secret and verifies the SigV4 signature as for any principal.
//!
//! ```text
//! session token      gc1.<base64url(claims JSON)>.<base64url(HMAC(key, "session token" ‖ claims))>
//! access key id      ASIA + base32(HMAC(key, "access key id" ‖ claims))[..16]
//! secret access key  base64(HMAC(key, "secret access key" ‖ claims))
//! ```
//!
//! Rotation: tokens are made with the current key and accepted under it or
//! under one previous, verification-only key, so a rolling restart onto a new
//! key signs nobody out. Sign-out is not in the token: see `revocations`.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2_v11::Sha256;
use subtle::ConstantTimeEq;

/// The shortest session key accepted: 256 bits.
pub const MIN_KEY_BYTES: usize = 32;
/// The longest session token accepted (a token carries the claims).
pub const MAX_TOKEN_BYTES: usize = 4096;
/// What every token starts with.
pub const TOKEN_PREFIX: &str = "gc1.";

type HmacSha256 = Hmac<Sha256>;

/// A key that makes and checks session tokens.
#[derive(Clone)]
pub struct SessionKey {
    bytes: Vec<u8>,
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(..)")
    }
}

/// Why a session key file cannot be used; the server refuses to start.
#[derive(Debug, thiserror::Error)]
pub enum SessionKeyError {
    /// Missing or unreadable.
    #[error("session key file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// Fewer bytes than [`MIN_KEY_BYTES`].
    #[error("session key file {}: {len} bytes, but at least {MIN_KEY_BYTES} random bytes are needed (e.g. `head -c 32 /dev/urandom > {}`)", path.display(), path.display())]
    TooShort {
        /// The file.
        path: PathBuf,
        /// Its length (without a final newline).
        len: usize,
    },
}

impl SessionKey {
    /// The key in `path`: its bytes, without a final newline, at least
    /// [`MIN_KEY_BYTES`] of them.
    pub fn load(path: &Path) -> Result<Self, SessionKeyError> {
        let mut bytes = std::fs::read(path).map_err(|source| SessionKeyError::Read {
            path: path.to_owned(),
            source,
        })?;
        while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            bytes.pop();
        }
        if bytes.len() < MIN_KEY_BYTES {
            return Err(SessionKeyError::TooShort {
                path: path.to_owned(),
                len: bytes.len(),
            });
        }
        Ok(Self { bytes })
    }

    /// A fresh random key (sign-ins then last only as long as this process).
    pub fn random() -> Self {
        let mut bytes = vec![0; MIN_KEY_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self { bytes }
    }

    fn mac(&self, purpose: &str, payload: &str) -> [u8; 32] {
        let mut mac = HmacSha256::new_from_slice(&self.bytes).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(payload.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn access_key_id(&self, payload: &str) -> String {
        format!("ASIA{}", base32(&self.mac("access key id", payload)[..10]))
    }

    fn secret_access_key(&self, payload: &str) -> String {
        STANDARD_NO_PAD.encode(self.mac("secret access key", payload))
    }
}

/// RFC 4648 base32 (no padding) of 5-byte groups.
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len() * 8 / 5);
    for group in bytes.chunks(5) {
        let mut bits = group.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        bits <<= 8 * (5 - group.len());
        for i in (0..8).rev() {
            out.push(ALPHABET[((bits >> (5 * i)) & 31) as usize] as char);
        }
    }
    out
}

/// What a sign-in may do, carried in its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// The customer who signed in.
    pub customer: String,
    /// TargetModel patterns these credentials may invoke and download.
    pub target_models: Vec<String>,
    /// Unix seconds these credentials were issued (sign-in or refresh).
    pub issued: i64,
    /// Unix seconds after which they are refused.
    pub expires: i64,
    /// The sign-in they belong to (refreshes keep it; sign-out revokes it).
    pub sign_in: String,
    /// Unix seconds of the sign-in (refreshes never reach past a limit from it).
    pub started: i64,
    /// These credentials' own random id: two refreshes in one second still
    /// get different keys.
    pub nonce: String,
}

/// `bytes` random bytes as hex.
pub fn random_id(bytes: usize) -> String {
    let mut id = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut id);
    hex::encode(id)
}

impl Claims {
    /// A new sign-in's claims, with a fresh random sign-in id.
    pub fn sign_in(customer: &str, target_models: Vec<String>, now: i64, lifetime: i64) -> Self {
        Self {
            customer: customer.to_owned(),
            target_models,
            issued: now,
            expires: now + lifetime,
            sign_in: random_id(16),
            started: now,
            nonce: random_id(8),
        }
    }
}

/// Credentials made from claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// `ASIA…`, derived from the token.
    pub access_key_id: String,
    /// Derived from the token; never stored anywhere.
    pub secret_access_key: String,
    /// The token (`gc1.…`).
    pub session_token: String,
}

/// Why a session token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a gridcast session token (or over [`MAX_TOKEN_BYTES`]).
    #[error("the session token is not one this endpoint issues")]
    Malformed,
    /// Its MAC matches neither the current nor the previous key: tampered
    /// with, or made with another key.
    #[error("the session token was not issued with this endpoint's session key")]
    NotOurs,
    /// The access key id is not the one derived from the token.
    #[error("the access key id does not belong to the session token")]
    WrongAccessKey,
    /// Past its expiry.
    #[error("the session token has expired")]
    Expired,
}

/// The current key (makes and checks tokens) and, while rotating, the
/// previous one (checks only).
#[derive(Debug, Clone)]
pub struct SessionKeys {
    current: SessionKey,
    previous: Option<SessionKey>,
}

impl SessionKeys {
    /// Keys for making with `current` and checking with it or `previous`.
    pub fn new(current: SessionKey, previous: Option<SessionKey>) -> Self {
        Self { current, previous }
    }

    /// Credentials carrying `claims`, made with the current key.
    pub fn issue(&self, claims: &Claims) -> Issued {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialize"));
        let mac = URL_SAFE_NO_PAD.encode(self.current.mac("session token", &payload));
        Issued {
            access_key_id: self.current.access_key_id(&payload),
            secret_access_key: self.current.secret_access_key(&payload),
            session_token: format!("{TOKEN_PREFIX}{payload}.{mac}"),
        }
    }

    /// Whether `token` looks like one of ours (cheap; no key involved).
    pub fn is_session_token(token: &str) -> bool {
        token.starts_with(TOKEN_PREFIX)
    }

    /// Checks `token` presented with `access_key_id` at `now`: its claims and
    /// the secret access key the request must be signed with.
    pub fn verify(
        &self,
        access_key_id: &str,
        token: &str,
        now: i64,
    ) -> Result<(Claims, String), TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Malformed);
        }
        let rest = token
            .strip_prefix(TOKEN_PREFIX)
            .ok_or(TokenError::Malformed)?;
        let (payload, mac) = rest.split_once('.').ok_or(TokenError::Malformed)?;
        let mac = URL_SAFE_NO_PAD
            .decode(mac)
            .map_err(|_| TokenError::Malformed)?;
        let key = std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .find(|k| bool::from(k.mac("session token", payload).ct_eq(&mac)))
            .ok_or(TokenError::NotOurs)?;
        let expected = key.access_key_id(payload);
        if !bool::from(expected.as_bytes().ct_eq(access_key_id.as_bytes())) {
            return Err(TokenError::WrongAccessKey);
        }
        let claims: Claims = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(TokenError::Malformed)?;
        if claims.expires <= now {
            return Err(TokenError::Expired);
        }
        Ok((claims, key.secret_access_key(payload)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SessionKey {
        SessionKey {
            bytes: vec![byte; 32],
        }
    }

    fn claims() -> Claims {
        Claims::sign_in("42", vec!["42.tar.gz".into()], 1_000, 3600)
    }

    #[test]
    fn a_token_verifies_with_its_key_and_gives_the_same_secret() {
        let keys = SessionKeys::new(key(1), None);
        let c = claims();
        let issued = keys.issue(&c);
        assert!(issued.access_key_id.starts_with("ASIA") && issued.access_key_id.len() == 20);
        assert!(SessionKeys::is_session_token(&issued.session_token));
        let (got, secret) = keys
            .verify(&issued.access_key_id, &issued.session_token, 2_000)
            .unwrap();
        assert_eq!(got, c);
        assert_eq!(secret, issued.secret_access_key);
        // Another sign-in of the same customer is another key pair.
        let other = keys.issue(&claims());
        assert_ne!(other.access_key_id, issued.access_key_id);
        assert_ne!(other.secret_access_key, issued.secret_access_key);
    }

    #[test]
    fn tampered_claims_are_refused() {
        let keys = SessionKeys::new(key(1), None);
        let issued = keys.issue(&claims());
        let (payload, mac) = issued.session_token[4..].split_once('.').unwrap();
        // Widen the patterns and push the expiry out, keeping the old MAC.
        let mut c: Claims =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        c.target_models = vec!["*".into()];
        c.expires += 86_400;
        let forged = format!(
            "{TOKEN_PREFIX}{}.{mac}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap())
        );
        assert_eq!(
            keys.verify(&issued.access_key_id, &forged, 2_000),
            Err(TokenError::NotOurs)
        );
        let mut flipped = issued.session_token.clone().into_bytes();
        let at = flipped.len() - 3;
        flipped[at] = if flipped[at] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            keys.verify(
                &issued.access_key_id,
                std::str::from_utf8(&flipped).unwrap(),
                2_000
            ),
            Err(TokenError::NotOurs)
        );
        for bad in ["", "gc1.", "gc1.abc", "gc1.abc.!!", "v0.abc.def"] {
            assert_eq!(
                keys.verify(&issued.access_key_id, bad, 2_000),
                Err(TokenError::Malformed),
                "{bad:?}"
            );
        }
        let long = format!("{TOKEN_PREFIX}{}", "A".repeat(MAX_TOKEN_BYTES));
        assert_eq!(keys.verify("ASIA", &long, 0), Err(TokenError::Malformed));
        assert!(!SessionKeys::is_session_token("c42-token"));
    }

    /// A valid token of exactly MAX_TOKEN_BYTES verifies; the next length a
    /// token can have (base64 without padding never ends a 4n+1 length) does not.
    #[test]
    fn tokens_up_to_the_size_limit_verify_and_longer_ones_do_not() {
        let keys = SessionKeys::new(key(1), None);
        let padded = |len: usize| {
            let mut c = claims();
            c.target_models = vec!["p".repeat(len)];
            keys.issue(&c)
        };
        let length_of = |len: usize| padded(len).session_token.len();
        let at = (0..MAX_TOKEN_BYTES)
            .find(|&n| length_of(n) == MAX_TOKEN_BYTES)
            .unwrap();
        let issued = padded(at);
        assert!(keys
            .verify(&issued.access_key_id, &issued.session_token, 2_000)
            .is_ok());
        let past = padded(at + 1);
        assert_eq!(past.session_token.len(), MAX_TOKEN_BYTES + 2);
        assert_eq!(
            keys.verify(&past.access_key_id, &past.session_token, 2_000),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn another_key_or_another_access_key_is_refused() {
        let issued = SessionKeys::new(key(1), None).issue(&claims());
        let other = SessionKeys::new(key(2), None);
        assert_eq!(
            other.verify(&issued.access_key_id, &issued.session_token, 2_000),
            Err(TokenError::NotOurs)
        );
        let ours = SessionKeys::new(key(1), None);
        let stranger = ours.issue(&claims());
        assert_eq!(
            ours.verify(&stranger.access_key_id, &issued.session_token, 2_000),
            Err(TokenError::WrongAccessKey)
        );
    }

    #[test]
    fn expired_tokens_are_refused() {
        let keys = SessionKeys::new(key(1), None);
        let issued = keys.issue(&claims());
        let at = |now| keys.verify(&issued.access_key_id, &issued.session_token, now);
        assert!(at(1_000 + 3599).is_ok());
        assert_eq!(at(1_000 + 3600), Err(TokenError::Expired));
    }

    #[test]
    fn rotation_accepts_the_previous_key_and_issues_with_the_new_one() {
        let old = SessionKeys::new(key(1), None);
        let before = old.issue(&claims());
        let rotating = SessionKeys::new(key(2), Some(key(1)));
        let (_, secret) = rotating
            .verify(&before.access_key_id, &before.session_token, 2_000)
            .unwrap();
        assert_eq!(secret, before.secret_access_key);
        let after = rotating.issue(&claims());
        assert!(SessionKeys::new(key(2), None)
            .verify(&after.access_key_id, &after.session_token, 2_000)
            .is_ok());
        // Once the old key is dropped, its tokens end.
        assert_eq!(
            SessionKeys::new(key(2), None).verify(
                &before.access_key_id,
                &before.session_token,
                2_000
            ),
            Err(TokenError::NotOurs)
        );
        assert_eq!(
            old.verify(&after.access_key_id, &after.session_token, 2_000),
            Err(TokenError::NotOurs)
        );
    }

    #[test]
    fn key_files_that_are_missing_short_or_unreadable_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let missing = SessionKey::load(&dir.path().join("nope")).unwrap_err();
        assert!(matches!(missing, SessionKeyError::Read { .. }));
        assert!(missing.to_string().contains("No such file"), "{missing}");
        let short = dir.path().join("short");
        std::fs::write(&short, format!("{}\n", "k".repeat(31))).unwrap();
        let err = SessionKey::load(&short).unwrap_err();
        assert!(
            matches!(err, SessionKeyError::TooShort { len: 31, .. }),
            "{err}"
        );
        assert!(
            err.to_string().contains("at least 32 random bytes"),
            "{err}"
        );
        // A directory cannot be read as a key (root reads any file whatever its mode).
        let err = SessionKey::load(dir.path()).unwrap_err();
        assert!(matches!(err, SessionKeyError::Read { .. }), "{err}");
        let good = dir.path().join("good");
        std::fs::write(&good, format!("{}\n", "k".repeat(32))).unwrap();
        let a = SessionKeys::new(SessionKey::load(&good).unwrap(), None);
        std::fs::write(&good, "k".repeat(32)).unwrap();
        let b = SessionKeys::new(SessionKey::load(&good).unwrap(), None);
        let issued = a.issue(&claims());
        assert!(
            b.verify(&issued.access_key_id, &issued.session_token, 2_000)
                .is_ok(),
            "a final newline is not part of the key"
        );
    }

    #[test]
    fn base32_is_rfc_4648() {
        assert_eq!(base32(b"fooba"), "MZXW6YTB");
        assert_eq!(base32(&[0xff; 10]), "7777777777777777");
        // RFC 4648's vectors, partial groups included (an access key id is
        // the start of the base32 of 32 bytes): the same characters, where
        // the RFC pads with `=` these carry zero bits.
        for (input, rfc) in [
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("foobar", "MZXW6YTBOI======"),
        ] {
            let ours = base32(input.as_bytes());
            let data = rfc.trim_end_matches('=');
            assert_eq!(&ours[..data.len()], data, "{input}");
            assert_eq!(ours.len(), rfc.len(), "{input}");
            assert!(
                ours[data.len()..].bytes().all(|b| b == b'A'),
                "{input}: {ours}"
            );
        }
    }
}
