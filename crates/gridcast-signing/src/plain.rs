//! Signing the requests a client builds itself, without aws-sigv4: the
//! canonical request written straight into one buffer (as the verifier's
//! fast path in [`crate::canonical`] does), with aws-sigv4's default
//! settings — the path normalised and encoded again, `host`, `x-amz-date`
//! and the session token signed, no payload header.
//!
//! The browser builds (portal, widget, edge handler) sign only requests
//! they made: an http(s) URL without query or fragment, a handful of
//! headers. For those this gives aws-sigv4's signature byte for byte
//! (gridcast-client's tests sign every request it builds both ways), and
//! leaves aws-sigv4, `http`'s header table and their URI parser out of the
//! wasm. Anything else is a [`SigningError`], never another signature.

use std::fmt::Write;

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::credentials::Credentials;
use crate::encode::percent_encode;
use crate::sign::{OutgoingRequest, Scope, SigningError};

/// What aws-sigv4 percent-encodes (again) in a path is `aws-smithy-http`'s
/// greedy label set: every character but unreserved ones and `/`, which
/// [`percent_encode`] keeps.
const PATH_KEEPS: &[u8] = b"/";

/// Headers aws-sigv4's default settings never sign.
const EXCLUDED: [&str; 4] = [
    "authorization",
    "user-agent",
    "x-amzn-trace-id",
    "transfer-encoding",
];

/// Signs `request` at `unix_seconds` as [`crate::sign_request`] does and
/// returns the same headers in the same order (`x-amz-date`,
/// `authorization`, and `x-amz-security-token` for temporary credentials).
/// URLs with a query, a fragment or user info, and header values with
/// control characters, are refused.
pub fn sign_plain_request(
    request: &OutgoingRequest<'_>,
    credentials: &Credentials,
    scope: Scope<'_>,
    unix_seconds: i64,
) -> Result<Vec<(String, String)>, SigningError> {
    let date_time = amz_date_time(unix_seconds)?;
    let (host, path) = split_url(request.url)?;
    let mut headers = Vec::with_capacity(request.headers.len() + 3);
    for (name, value) in request.headers {
        let name = name.to_ascii_lowercase();
        if !EXCLUDED.contains(&name.as_str()) && !added_here(&name) {
            headers.push((name, header_value(value)?));
        }
    }
    if !headers.iter().any(|(n, _)| n == "host") {
        headers.push(("host".into(), host.to_owned()));
    }
    headers.push(("x-amz-date".into(), date_time.clone()));
    if let Some(token) = &credentials.session_token {
        headers.push(("x-amz-security-token".into(), header_value(token)?));
    }
    sort_by_name(&mut headers);
    let (canonical, signed_headers) = canonical_request(
        request.method,
        &canonical_path(path),
        &headers,
        request.body,
    );
    let date = &date_time[..8];
    let to_sign = string_to_sign(&date_time, date, scope, &canonical);
    let key = signing_key(&credentials.secret_access_key, date, scope);
    let signature = signature(&key, to_sign.as_bytes());
    let Scope { region, service } = scope;
    let mut added = vec![
        ("x-amz-date".to_owned(), date_time.clone()),
        (
            "authorization".to_owned(),
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{date}/{region}/{service}/aws4_request, \
                 SignedHeaders={signed_headers}, Signature={signature}",
                credentials.access_key_id
            ),
        ),
    ];
    if let Some(token) = &credentials.session_token {
        added.push(("x-amz-security-token".to_owned(), token.clone()));
    }
    Ok(added)
}

/// The headers the signer sets itself (the request's copies are replaced).
fn added_here(name: &str) -> bool {
    name == "x-amz-date" || name == "x-amz-security-token"
}

/// `YYYYMMDDTHHMMSSZ` of Unix seconds.
fn amz_date_time(unix_seconds: i64) -> Result<String, SigningError> {
    use chrono::{Datelike, Timelike};
    let time = (unix_seconds >= 0)
        .then(|| chrono::DateTime::from_timestamp(unix_seconds, 0))
        .flatten()
        .ok_or_else(|| SigningError::new("time before 1970"))?;
    let mut text = String::with_capacity(16);
    write!(
        text,
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        time.year(),
        time.month(),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
    .expect("writing to a String");
    Ok(text)
}

/// The `host` value (the authority without a default port) and the path of
/// an `http(s)://authority/path` URL.
fn split_url(url: &str) -> Result<(&str, &str), SigningError> {
    let unusual = || SigningError::new(format!("not a plain http(s) URL: {url:?}"));
    let (rest, default_port) = if let Some(rest) = url.strip_prefix("https://") {
        (rest, ":443")
    } else if let Some(rest) = url.strip_prefix("http://") {
        (rest, ":80")
    } else {
        return Err(unusual());
    };
    if rest.contains(['?', '#', '@']) || !rest.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(unusual());
    }
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.is_empty() {
        return Err(unusual());
    }
    Ok((
        authority.strip_suffix(default_port).unwrap_or(authority),
        path,
    ))
}

/// Appends `bytes` as lower-case hex (no temporary string), digit by digit:
/// `hex::encode_to_slice` and `from_utf8` would each bring an `expect` (and
/// their errors' `Debug`) into the browser builds.
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(2 * bytes.len());
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
}

/// A header value as SigV4 canonicalises it; control characters (but tab)
/// are refused, as `http`'s header values refuse them.
fn header_value(value: &str) -> Result<String, SigningError> {
    if value.bytes().any(|b| (b < b' ' && b != b'\t') || b == 0x7f) {
        return Err(SigningError::new("a header value has a control character"));
    }
    let mut out = String::with_capacity(value.len());
    push_trimmed(&mut out, value);
    Ok(out)
}

/// The path as aws-sigv4 signs it: dot segments and empty segments removed
/// (RFC 3986 5.2.4, a trailing slash kept), then percent-encoded again.
fn canonical_path(path: &str) -> String {
    let normalized = if !path.contains('.') && !path.contains("//") {
        if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        }
    } else {
        remove_dot_segments(path)
    };
    percent_encode(&normalized, PATH_KEEPS)
}

fn remove_dot_segments(path: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            other => kept.push(other),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    for segment in &kept {
        out.push('/');
        out.push_str(segment);
    }
    let ends_with_slash = ["/", "/.", "/./", "/..", "/../"]
        .iter()
        .any(|s| path.ends_with(s));
    if out.is_empty() || (ends_with_slash && !out.ends_with('/')) {
        out.push('/');
    }
    out
}

/// Sorts `headers` by name, stably: repeated names keep their order, as in
/// aws-sigv4's HeaderMap. By insertion, for a request's handful of headers:
/// the standard library's stable sort is about 4.5 KB of wasm in the browser
/// builds for this one call.
fn sort_by_name(headers: &mut [(String, String)]) {
    for i in 1..headers.len() {
        let mut j = i;
        while j > 0 && headers[j - 1].0 > headers[j].0 {
            headers.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// The canonical request of sorted, canonical `headers`, and its signed
/// header list.
fn canonical_request(
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (String, String) {
    let mut out = String::with_capacity(512 + path.len());
    let mut names = String::with_capacity(128);
    out.push_str(method);
    out.push('\n');
    out.push_str(path);
    out.push_str("\n\n");
    let mut i = 0;
    while i < headers.len() {
        let name = &headers[i].0;
        out.push_str(name);
        out.push(':');
        let mut first = true;
        while i < headers.len() && &headers[i].0 == name {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&headers[i].1);
            i += 1;
        }
        out.push('\n');
        if !names.is_empty() {
            names.push(';');
        }
        names.push_str(name);
    }
    out.push('\n');
    out.push_str(&names);
    out.push('\n');
    push_hex(&mut out, &Sha256::digest(body));
    (out, names)
}

/// SigV4's string to sign for `canonical` at `date_time` (`date` its first
/// eight characters).
pub(crate) fn string_to_sign(
    date_time: &str,
    date: &str,
    scope: Scope<'_>,
    canonical: &str,
) -> String {
    let mut to_sign = String::with_capacity(160);
    to_sign.push_str("AWS4-HMAC-SHA256\n");
    to_sign.push_str(date_time);
    to_sign.push('\n');
    for part in [
        date,
        "/",
        scope.region,
        "/",
        scope.service,
        "/aws4_request\n",
    ] {
        to_sign.push_str(part);
    }
    push_hex(&mut to_sign, &Sha256::digest(canonical.as_bytes()));
    to_sign
}

type HmacSha256 = hmac::Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any size");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `kSigning` of `secret` for `date` (`YYYYMMDD`) and `scope`.
pub(crate) fn signing_key(secret: &str, date: &str, scope: Scope<'_>) -> [u8; 32] {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, scope.region.as_bytes());
    let k_service = hmac(&k_region, scope.service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// The hex signature of `to_sign` with `key`.
pub(crate) fn signature(key: &[u8], to_sign: &[u8]) -> String {
    let mut hex = String::with_capacity(64);
    push_hex(&mut hex, &hmac(key, to_sign));
    hex
}

/// A header value as SigV4 canonicalises it: spaces trimmed at both ends,
/// runs of spaces inside made one (other whitespace is kept).
pub(crate) fn push_trimmed(out: &mut String, value: &str) {
    let value = value.trim_matches(' ');
    // What every SDK sends: no run of spaces, so the text as it is.
    if !value.contains("  ") {
        out.push_str(value);
        return;
    }
    let mut space = false;
    for c in value.chars() {
        if c == ' ' {
            if space {
                continue;
            }
            space = true;
        } else {
            space = false;
        }
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign_request;

    const TIME: i64 = 1_764_608_400; // 2025-12-01T17:00:00Z

    /// The hex digits as the `hex` crate writes them: every byte, and lengths
    /// around the 32-byte chunks the old loop used.
    #[test]
    fn push_hex_is_hex_encode() {
        let every: Vec<u8> = (0..=255).collect();
        for len in [0, 1, 31, 32, 33, 64, 65, 256] {
            let bytes: Vec<u8> = every
                .iter()
                .cycle()
                .skip(len * 7)
                .take(len)
                .copied()
                .collect();
            let mut out = String::from("x");
            push_hex(&mut out, &bytes);
            assert_eq!(out, format!("x{}", hex::encode(&bytes)));
        }
    }

    /// The insertion sort against the standard library's stable sort, on
    /// every arrangement of names with repeats (values mark the order).
    #[test]
    fn headers_sort_as_a_stable_sort() {
        let names = ["b", "a", "x-amz-date", "a", "host", "b", "content-type"];
        for start in 0..names.len() {
            for len in 0..=names.len() - start {
                for rotate in 0..len.max(1) {
                    let mut picked: Vec<(String, String)> = names[start..start + len]
                        .iter()
                        .enumerate()
                        .map(|(i, n)| (n.to_string(), i.to_string()))
                        .collect();
                    picked.rotate_left(rotate);
                    let mut expected = picked.clone();
                    expected.sort_by(|a, b| a.0.cmp(&b.0));
                    sort_by_name(&mut picked);
                    assert_eq!(picked, expected);
                }
            }
        }
    }

    fn both(method: &str, url: &str, headers: &[(&str, &str)], credentials: &Credentials) {
        let request = OutgoingRequest {
            method,
            url,
            headers,
            body: br#"{"period": 7}"#,
        };
        let scope = Scope {
            region: "eu-west-1",
            service: "sagemaker",
        };
        let ours = sign_plain_request(&request, credentials, scope, TIME).unwrap();
        let theirs = sign_request(&request, credentials, scope, TIME).unwrap();
        assert_eq!(ours, theirs, "{method} {url} {headers:?}");
    }

    #[test]
    fn plain_requests_get_aws_sigv4s_headers() {
        let plain = Credentials::new("AKIDEXAMPLE", "secret");
        let temporary = Credentials::new("ASIAEXAMPLE", "other").with_session_token("tok/en+= x");
        let urls = [
            "http://127.0.0.1:8080/endpoints/gridcast/invocations",
            "https://e.example/endpoints/gridcast/models/c/7.tar.gz",
            "https://e.example:443/base/endpoints/e/models/a%2Fb/x%20y.tar.gz",
            "http://e.example:80/endpoints/e/readings/42.tar.gz",
            "http://e.example:8443/p/./q/../r//s/",
            "https://E.Example/a:b,c;d=e!f$g&h'i(j)k*l+m%C3%A9",
            "https://e.example",
            "https://e.example/..",
            "http://[::1]:8080/x",
        ];
        let header_sets: [&[(&str, &str)]; 3] = [
            &[("content-type", "application/json")],
            &[
                ("accept", "  application/json ,  text/plain  "),
                ("x-amzn-sagemaker-target-model", "c/7 é.tar.gz"),
                ("if-none-match", "\"abc\""),
                ("Content-Type", "a\tb   c"),
            ],
            &[
                ("user-agent", "x"),
                ("x-amz-date", "old"),
                ("accept", "a"),
                ("accept", "b"),
            ],
        ];
        for credentials in [&plain, &temporary] {
            for url in urls {
                for headers in header_sets {
                    both("POST", url, headers, credentials);
                    both("GET", url, headers, credentials);
                }
            }
        }
    }

    #[test]
    fn unusual_requests_are_refused_not_signed_otherwise() {
        let credentials = Credentials::new("AKIDEXAMPLE", "secret");
        let scope = Scope {
            region: "us-east-1",
            service: "sagemaker",
        };
        for (url, headers) in [
            ("https://h/p?a=1", &[][..]),
            ("https://h/p#f", &[]),
            ("https://u@h/p", &[]),
            ("ftp://h/p", &[]),
            ("https:///p", &[]),
            ("https://h/a b", &[]),
            ("https://h/p", &[("x-a", "a\nb")][..]),
        ] {
            let request = OutgoingRequest {
                method: "GET",
                url,
                headers,
                body: b"",
            };
            assert!(
                sign_plain_request(&request, &credentials, scope, TIME).is_err(),
                "{url}"
            );
        }
        let request = OutgoingRequest {
            method: "GET",
            url: "https://h/p",
            headers: &[],
            body: b"",
        };
        assert!(sign_plain_request(&request, &credentials, scope, -1).is_err());
    }
}
