//! Who may call the endpoint: principals from `auth.json` (IAM-style, with
//! the TargetModel patterns each may invoke, like IAM's
//! `sagemaker:TargetModel` condition). Sign-ins' temporary credentials are
//! principals too, made from their session token (see `sessions`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use gridcast_signing::Credentials;
use serde::Deserialize;

/// Longest life of login credentials.
pub const TEMPORARY_CREDENTIALS_SECONDS: i64 = 3600;
/// How long refreshes may extend a sign-in.
pub const MAX_SESSION_SECONDS: i64 = 12 * 3600;

/// One principal as `auth.json` writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrincipalEntry {
    access_key_id: String,
    secret_access_key: String,
    #[serde(default)]
    session_token: Option<String>,
    /// RFC 3339, e.g. `2026-12-01T00:00:00Z`.
    #[serde(default)]
    expiration: Option<String>,
    target_models: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthFile {
    principals: Vec<PrincipalEntry>,
}

/// A caller: credentials, when they expire, what they may invoke.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The key pair (and session token).
    pub credentials: Credentials,
    /// Unix seconds after which the credentials are refused.
    pub expiration: Option<i64>,
    /// TargetModel patterns (`*` matches any run of characters).
    pub target_models: Vec<String>,
    /// For temporary credentials: the sign-in they belong to (refreshes keep
    /// it, so a session cannot outlive [`MAX_SESSION_SECONDS`] and sign-out
    /// revokes all of its keys).
    pub session: Option<SignInSession>,
}

/// The sign-in a temporary principal descends from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInSession {
    /// The sign-in's id (random; sign-out revokes it).
    pub id: String,
    /// Unix seconds of the sign-in.
    pub started: i64,
    /// The customer who signed in.
    pub customer: String,
}

impl Principal {
    /// Whether any of the principal's patterns matches `target`.
    pub fn may_invoke(&self, target: &str) -> bool {
        self.target_models
            .iter()
            .any(|p| pattern_matches(p, target))
    }
}

/// IAM's string-like matching: `*` is any run of characters (also `/`),
/// `?` any one character; everything else literal.
pub fn pattern_matches(pattern: &str, text: &str) -> bool {
    // The common patterns without a walk (or its two allocations): `*`
    // alone, and a literal name.
    if !pattern.is_empty() && pattern.bytes().all(|b| b == b'*') {
        return true;
    }
    if !pattern.contains(['*', '?']) {
        return pattern == text;
    }
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut i, mut j) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while j < t.len() {
        // A `*` in the pattern is always a wildcard, also against a `*` in the text.
        if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if i < p.len() && (p[i] == '?' || p[i] == t[j]) {
            i += 1;
            j += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

/// Why `auth.json` or the users file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    /// Unreadable or unwritable.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Not the expected JSON, or a bad entry.
    #[error("{path}: {problem}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        problem: String,
    },
}

/// The configured principals (`auth.json`), by access key id.
#[derive(Debug, Default)]
pub struct Principals {
    configured: HashMap<String, Arc<Principal>>,
}

impl Principals {
    /// Reads `auth.json`.
    pub fn load(path: &Path) -> Result<Self, ConfigFileError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ConfigFileError::Io {
            path: name.clone(),
            source,
        })?;
        Self::from_json(&bytes).map_err(|problem| ConfigFileError::Invalid {
            path: name,
            problem,
        })
    }

    /// Parses the `auth.json` document.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let file: AuthFile = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let mut configured = HashMap::new();
        for (i, p) in file.principals.into_iter().enumerate() {
            let expiration = match &p.expiration {
                Some(text) => Some(
                    chrono::DateTime::parse_from_rfc3339(text)
                        .map_err(|_| {
                            format!("principals[{i}].expiration: {text:?} is not RFC 3339")
                        })?
                        .timestamp(),
                ),
                None => None,
            };
            if p.access_key_id.is_empty() || p.secret_access_key.is_empty() {
                return Err(format!(
                    "principals[{i}]: empty access_key_id or secret_access_key"
                ));
            }
            let mut credentials = Credentials::new(&p.access_key_id, &p.secret_access_key);
            credentials.session_token = p.session_token;
            let principal = Principal {
                session: None,
                credentials,
                expiration,
                target_models: p.target_models,
            };
            if configured
                .insert(p.access_key_id.clone(), Arc::new(principal))
                .is_some()
            {
                return Err(format!(
                    "principals[{i}]: access_key_id {:?} appears twice",
                    p.access_key_id
                ));
            }
        }
        Ok(Self { configured })
    }

    /// The configured principal with this access key id (shared: a
    /// request does not copy its keys and patterns).
    pub fn lookup(&self, access_key_id: &str) -> Option<Arc<Principal>> {
        self.configured.get(access_key_id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_work_like_iam_string_like() {
        assert!(pattern_matches("*", "company_a/42.tar.gz"));
        assert!(pattern_matches("42.tar.gz", "42.tar.gz"));
        assert!(!pattern_matches("42.tar.gz", "420.tar.gz"));
        assert!(pattern_matches("company_a/*", "company_a/x/y.tar.gz"));
        assert!(!pattern_matches("company_a/*", "company_b/1.tar.gz"));
        assert!(pattern_matches("4?.tar.gz", "42.tar.gz"));
        assert!(pattern_matches("*.tar.gz", "a.tar.gz"));
        assert!(!pattern_matches("*.tar.gz", "a.tar.gzz"));
        assert!(pattern_matches("a*b*c", "aXXbYYc"));
        assert!(!pattern_matches("a*b*c", "aXXbYY"));
        // A TargetModel may hold a literal `*`: the pattern's `*` still matches any run.
        assert!(pattern_matches("*", "*a.tar.gz"));
        assert!(pattern_matches("company_a/*", "company_a/**.tar.gz"));
        assert!(!pattern_matches("*.tar.gz", "*.tar.gzz"));
    }

    /// Every pattern and text over a small alphabet (with literal `*` and
    /// `?` in the text) agrees with a plain recursive definition.
    #[test]
    fn patterns_agree_with_the_definition_everywhere_small() {
        fn by_definition(p: &[char], t: &[char]) -> bool {
            match p.split_first() {
                None => t.is_empty(),
                Some(('*', rest)) => (0..=t.len()).any(|k| by_definition(rest, &t[k..])),
                Some((c, rest)) => t
                    .split_first()
                    .is_some_and(|(x, tail)| (*c == '?' || c == x) && by_definition(rest, tail)),
            }
        }
        fn all(alphabet: &[char], max: usize) -> Vec<String> {
            let mut out = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..max {
                last = last
                    .iter()
                    .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                    .collect();
                out.extend(last.iter().cloned());
            }
            out
        }
        let texts = all(&['a', 'b', '*', '?'], 5);
        for p in all(&['a', '*', '?'], 4) {
            let pc: Vec<char> = p.chars().collect();
            for t in &texts {
                let tc: Vec<char> = t.chars().collect();
                assert_eq!(
                    pattern_matches(&p, t),
                    by_definition(&pc, &tc),
                    "{p:?} on {t:?}"
                );
            }
        }
    }

    #[test]
    fn loads_auth_json_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.json");
        std::fs::write(
            &path,
            br#"{"principals": [{"access_key_id": "AKIDF", "secret_access_key": "s", "target_models": ["*"]}]}"#,
        )
        .unwrap();
        let p = Principals::load(&path).unwrap();
        assert!(p.lookup("AKIDF").unwrap().may_invoke("42.tar.gz"));
        assert!(matches!(
            Principals::load(&dir.path().join("missing.json")),
            Err(ConfigFileError::Io { .. })
        ));
        std::fs::write(&path, b"{").unwrap();
        assert!(matches!(
            Principals::load(&path),
            Err(ConfigFileError::Invalid { .. })
        ));
    }

    #[test]
    fn an_empty_key_or_secret_alone_is_refused() {
        for (key, secret) in [("", "s"), ("A", "")] {
            let doc = format!(
                r#"{{"principals": [{{"access_key_id": "{key}", "secret_access_key": "{secret}", "target_models": []}}]}}"#
            );
            let err = Principals::from_json(doc.as_bytes()).unwrap_err();
            assert!(
                err.contains("empty access_key_id or secret_access_key"),
                "{err}"
            );
        }
    }

    #[test]
    fn loads_principals() {
        let p = Principals::from_json(
            br#"{"principals": [
                {"access_key_id": "AKIDADMIN", "secret_access_key": "s1", "target_models": ["*"]},
                {"access_key_id": "AKIDC42", "secret_access_key": "s2", "session_token": "t",
                 "expiration": "2026-12-01T00:00:00Z", "target_models": ["42.tar.gz", "company_a/*"]}]}"#,
        )
        .unwrap();
        let c42 = p.lookup("AKIDC42").unwrap();
        assert_eq!(c42.expiration, Some(1_796_083_200));
        assert!(c42.may_invoke("company_a/7.tar.gz") && !c42.may_invoke("43.tar.gz"));
        assert!(p.lookup("AKIDNOPE").is_none());
        assert!(p.lookup("AKIDADMIN").unwrap().session.is_none());
        for bad in [
            &br#"{"principals": [{"access_key_id": "A", "secret_access_key": "s", "target_models": [], "extra": 1}]}"#[..],
            br#"{"principals": [{"access_key_id": "A", "secret_access_key": "s", "expiration": "soon", "target_models": []}]}"#,
            br#"{"principals": [{"access_key_id": "A", "secret_access_key": "s", "target_models": []},
                                {"access_key_id": "A", "secret_access_key": "t", "target_models": []}]}"#,
        ] {
            assert!(Principals::from_json(bad).is_err());
        }
    }
}
