//! The verifier's fast path: the canonical request of an ordinary signed
//! request (what every AWS SDK sends to InvokeEndpoint) written straight
//! into one buffer, and the day's signing key derived once per thread
//! instead of per request. Anything out of the ordinary — a path that
//! normalisation or encoding would change, a query string, an unsorted
//! header list, an unusual date text — gives `None` and the request is
//! checked through aws-sigv4 as before; tests check both give the same
//! signature.

use std::cell::RefCell;
use std::time::SystemTime;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::authorization::Authorization;
use crate::credentials::Credentials;
use crate::plain::{
    push_hex, push_trimmed, signature as hex_signature, signing_key as derive_key, string_to_sign,
};
use crate::sign::Scope;

/// A request's fields the canonical request is made of.
pub(crate) struct Signable<'a> {
    /// `POST`, ...
    pub method: &'a str,
    /// Path and query as received.
    pub path_and_query: &'a str,
    /// The signed headers' values, in the signed list's order, aws-sigv4's
    /// own additions (`x-amz-date`, the session token) left out.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body.
    pub body: &'a [u8],
    /// `X-Amz-Date` as sent.
    pub date_time: &'a str,
    /// The same instant.
    pub time: SystemTime,
}

/// The signature aws-sigv4 would compute for `request`, or `None` when the
/// request is not of the ordinary shape this path handles.
pub(crate) fn signature(
    request: &Signable<'_>,
    auth: &Authorization<'_>,
    credentials: &Credentials,
    region: &str,
    service: &str,
) -> Option<String> {
    let canonical = canonical_request(request, auth, credentials)?;
    let scope_date = request.date_time.get(..8)?;
    let scope = Scope { region, service };
    let to_sign = string_to_sign(request.date_time, scope_date, scope, &canonical);
    let key = signing_key(credentials, scope_date, scope);
    Some(hex_signature(&key, to_sign.as_bytes()))
}

/// The canonical request, when the request's shape needs no normalisation.
fn canonical_request(
    request: &Signable<'_>,
    auth: &Authorization<'_>,
    credentials: &Credentials,
) -> Option<String> {
    let path = request.path_and_query;
    if !plain_path(path) || !plain_date_time(request.date_time) {
        return None;
    }
    // aws-sigv4 sorts the names it signs; a client list already sorted and
    // without repeats is the same list.
    let names = auth.signed_header_names();
    if !names.clone().zip(names.clone().skip(1)).all(|(a, b)| a < b) {
        return None;
    }
    let mut out = String::with_capacity(512 + path.len());
    out.push_str(request.method);
    out.push('\n');
    out.push_str(path);
    out.push_str("\n\n");
    let mut given = request.headers.iter().peekable();
    for name in names {
        out.push_str(name);
        out.push(':');
        match name {
            "x-amz-date" => out.push_str(request.date_time),
            "x-amz-security-token" => out.push_str(credentials.session_token.as_deref()?),
            _ => {
                let start = out.len();
                let mut first = true;
                while let Some((_, value)) = given.next_if(|(n, _)| *n == name) {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    push_trimmed(&mut out, value);
                }
                if first || (name == "host" && !plain_host(&out[start..])) {
                    return None;
                }
            }
        }
        out.push('\n');
    }
    if given.next().is_some() {
        return None;
    }
    out.push('\n');
    out.push_str(auth.signed_headers);
    out.push('\n');
    push_hex(&mut out, &Sha256::digest(request.body));
    Some(out)
}

/// A path that aws-sigv4's normalisation and double encoding leave as it
/// is: absolute, only unreserved characters and `/`, no `.` (so no dot
/// segments), no empty segment, no query.
fn plain_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.contains("//")
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~' | b'/'))
}

/// `YYYYMMDDTHHMMSSZ` exactly, as aws-sigv4 writes the signing time.
fn plain_date_time(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit)
}

/// A host (and port) that makes a URL aws-sigv4 parses; it signs the
/// header's text as it is.
fn plain_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        && port.is_none_or(|p| p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok())
}

/// Signing keys this thread derived lately: a principal's key changes once
/// a day, so a handful covers every caller of a busy thread.
const KEPT_KEYS: usize = 16;

struct KeptKey {
    access_key_id: String,
    secret: String,
    date: String,
    region: String,
    service: String,
    key: [u8; 32],
}

impl KeptKey {
    /// Whether this is the key of `date` and `scope`.
    fn is_for(&self, date: &str, scope: Scope<'_>) -> bool {
        self.date == date && self.region == scope.region && self.service == scope.service
    }
}

thread_local! {
    static KEYS: RefCell<Vec<KeptKey>> = const { RefCell::new(Vec::new()) };
}

/// `kSigning` for the credentials and scope, derived on first use a day.
fn signing_key(credentials: &Credentials, date: &str, scope: Scope<'_>) -> [u8; 32] {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        let found = keys.iter().position(|k| {
            k.access_key_id == credentials.access_key_id
                && k.is_for(date, scope)
                && bool::from(
                    k.secret
                        .as_bytes()
                        .ct_eq(credentials.secret_access_key.as_bytes()),
                )
        });
        if let Some(i) = found {
            let key = keys[i].key;
            // Most recent first.
            keys[..=i].rotate_right(1);
            return key;
        }
        let key = derive_key(&credentials.secret_access_key, date, scope);
        keys.truncate(KEPT_KEYS - 1);
        keys.insert(
            0,
            KeptKey {
                access_key_id: credentials.access_key_id.clone(),
                secret: credentials.secret_access_key.clone(),
                date: date.to_owned(),
                region: scope.region.to_owned(),
                service: scope.service.to_owned(),
                key,
            },
        );
        key
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{aws_sigv4_signature, PathRules};
    use crate::{parse_authorization, sign_request, OutgoingRequest, Scope};

    const TIME: i64 = 1_764_608_400; // 2025-12-01T17:00:00Z

    /// Signs a request with our signer, then checks that the fast path
    /// gives what aws-sigv4 gives (`Some`), or declines (`None`).
    fn fast_and_slow(
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        credentials: &Credentials,
    ) -> (Option<String>, String) {
        let host = headers
            .iter()
            .find(|(n, _)| *n == "host")
            .map_or("h", |h| h.1);
        let url = format!("https://{host}{path}");
        let body = br#"{"period": 7}"#;
        let request = OutgoingRequest {
            method,
            url: &url,
            headers,
            body,
        };
        let scope = Scope {
            region: "us-east-1",
            service: "sagemaker",
        };
        let added = sign_request(&request, credentials, scope, TIME).unwrap();
        let authorization = &added.iter().find(|(n, _)| n == "authorization").unwrap().1;
        let date = added
            .iter()
            .find(|(n, _)| n == "x-amz-date")
            .unwrap()
            .1
            .clone();
        let auth = parse_authorization(authorization).unwrap();
        let given: Vec<(&str, &str)> = auth
            .signed_header_names()
            .filter(|n| *n != "x-amz-date" && *n != "x-amz-security-token")
            .flat_map(|n| headers.iter().filter(move |(h, _)| *h == n).copied())
            .collect();
        let signable = Signable {
            method,
            path_and_query: path,
            headers: &given,
            body,
            date_time: &date,
            time: crate::sign::system_time(TIME).unwrap(),
        };
        let slow = aws_sigv4_signature(
            &signable,
            &auth,
            credentials,
            "us-east-1",
            "sagemaker",
            PathRules::SAGEMAKER,
        )
        .unwrap();
        assert_eq!(
            slow.as_bytes(),
            auth.signature,
            "aws-sigv4 verifies what we signed"
        );
        let fast = signature(&signable, &auth, credentials, "us-east-1", "sagemaker");
        (fast, slow)
    }

    #[test]
    fn ordinary_requests_get_aws_sigv4s_signature_from_the_fast_path() {
        let plain = Credentials::new("AKIDEXAMPLE", "secret");
        let temporary = Credentials::new("ASIAEXAMPLE", "other").with_session_token("tok/en+=");
        let invoke = [
            ("content-type", "application/json"),
            ("host", "127.0.0.1:8080"),
            ("x-amzn-sagemaker-target-model", "42.tar.gz"),
        ];
        let spaced = [
            ("accept", "  application/json ,  text/plain  "),
            ("host", "runtime.sagemaker.us-east-1.amazonaws.com"),
            ("x-custom", "a\tb   c"),
        ];
        for credentials in [&plain, &temporary] {
            for _ in 0..2 {
                // the second time with the signing key kept
                for headers in [&invoke[..], &spaced[..]] {
                    let (fast, slow) =
                        fast_and_slow("POST", "/endpoints/e-1/invocations", headers, credentials);
                    assert_eq!(fast.as_deref(), Some(slow.as_str()));
                }
            }
        }
        // Another secret under the same key id is not given the kept key.
        let rotated = Credentials::new("AKIDEXAMPLE", "rotated");
        let (fast, slow) = fast_and_slow("POST", "/endpoints/e/invocations", &invoke, &rotated);
        assert_eq!(fast.as_deref(), Some(slow.as_str()));
    }

    #[test]
    fn unusual_requests_are_left_to_aws_sigv4() {
        let credentials = Credentials::new("AKIDEXAMPLE", "secret");
        let host = [("host", "h")];
        for path in ["/models/42.tar.gz", "/a//b", "/a%2Fb", "/p?b=2&a=1"] {
            let (fast, _) = fast_and_slow("GET", path, &host, &credentials);
            assert_eq!(fast, None, "{path}");
        }
    }

    #[test]
    fn header_values_are_trimmed_like_sigv4() {
        let mut out = String::new();
        push_trimmed(&mut out, "  a   b \t c  ");
        assert_eq!(out, "a b \t c");
    }

    #[test]
    fn only_plain_paths_and_dates_take_the_fast_path() {
        assert!(plain_path("/endpoints/my-endpoint/invocations"));
        for path in ["/a/./b", "/a/../b", "//a", "/a%20b", "/a?x=1", "a", "/a.b"] {
            assert!(!plain_path(path), "{path}");
        }
        assert!(plain_date_time("20261201T170000Z"));
        for date in [
            "2026121T170000Z",
            "20261201 170000Z",
            "+2026121T170000Z",
            "20261201T1700000",
        ] {
            assert!(!plain_date_time(date), "{date}");
        }
        assert!(plain_host("runtime.sagemaker.us-east-1.amazonaws.com"));
        assert!(plain_host("127.0.0.1:8080"));
        for host in ["", ":80", "a:", "a:99999", "a b", "[::1]:80", "a:+1"] {
            assert!(!plain_host(host), "{host}");
        }
    }
}
