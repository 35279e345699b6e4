//! AWS's SigV4 test suite (`../shared/fixtures/sigv4`): every signed request
//! verifies at its timestamp, and changing any one thing about it — method,
//! path, query, a signed header, the body, the date, the signature, the
//! secret — makes it fail. Also: our signer reproduces every suite signature,
//! and the plain signer (no aws-sigv4) every one without a query.

use std::path::{Path, PathBuf};

use gridcast_signing::{
    parse_authorization, sign_plain_request, sign_request, verify_request, Credentials,
    OutgoingRequest, PathRules, RequestParts, Scope, VerifyError,
};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

struct Case {
    name: String,
    method: String,
    path_and_query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    credentials: Credentials,
    region: String,
    service: String,
    now: i64,
    normalize: bool,
}

fn suite_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/sigv4");
    assert!(dir.is_dir(), "SigV4 suite missing at {}", dir.display());
    dir
}

/// Percent-encodes what a client would not send raw (spaces, non-ASCII).
fn wire_path(raw: &str) -> String {
    let mut out = String::new();
    for b in raw.bytes() {
        if b.is_ascii_graphic() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn load(dir: &Path) -> Case {
    let ctx: Value =
        serde_json::from_slice(&std::fs::read(dir.join("context.json")).unwrap()).unwrap();
    let text = std::fs::read(dir.join("header-signed-request.txt")).unwrap();
    let text = String::from_utf8(text).unwrap();
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let request_line = lines.next().unwrap();
    let (method, rest) = request_line.split_once(' ').unwrap();
    let target = rest.rsplit_once(" HTTP/").unwrap().0;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().unwrap();
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else {
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    let creds = &ctx["credentials"];
    let mut credentials = Credentials::new(
        creds["access_key_id"].as_str().unwrap(),
        creds["secret_access_key"].as_str().unwrap(),
    );
    if let Some(token) = creds["token"].as_str() {
        credentials = credentials.with_session_token(token);
    }
    let now = chrono::DateTime::parse_from_rfc3339(ctx["timestamp"].as_str().unwrap())
        .unwrap()
        .timestamp();
    Case {
        name: dir.file_name().unwrap().to_string_lossy().into_owned(),
        method: method.to_owned(),
        path_and_query: wire_path(target),
        headers,
        body: body.as_bytes().to_vec(),
        credentials,
        region: ctx["region"].as_str().unwrap().to_owned(),
        service: ctx["service"].as_str().unwrap().to_owned(),
        now,
        normalize: ctx["normalize"].as_bool().unwrap(),
    }
}

fn cases() -> Vec<Case> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(suite_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("header-signed-request.txt").is_file())
        .collect();
    dirs.sort();
    assert_eq!(
        dirs.len(),
        SUITE_CASES,
        "expected AWS's whole SigV4 suite in {}",
        suite_dir().display()
    );
    dirs.iter().map(|d| load(d)).collect()
}

/// The cases in AWS's SigV4 suite (`../shared/fixtures/sigv4`).
const SUITE_CASES: usize = 38;

/// The suite cases our signer cannot reproduce, and why: the signer follows
/// SageMaker Runtime's rules (normalised paths, the wire path encoded again,
/// the session token always signed); the verifier checks all 38 cases.
const NOT_SIGNER_CASES: &[(&str, &str)] = &[
    ("get-relative-relative-unnormalized", UNNORMALIZED),
    ("get-relative-unnormalized", UNNORMALIZED),
    ("get-slash-dot-slash-unnormalized", UNNORMALIZED),
    ("get-slash-pointless-dot-unnormalized", UNNORMALIZED),
    ("get-slash-unnormalized", UNNORMALIZED),
    ("get-slashes-unnormalized", UNNORMALIZED),
    ("get-space-unnormalized", UNNORMALIZED),
    ("get-space-normalized", ENCODED_ONCE),
    ("get-utf8", ENCODED_ONCE),
    ("get-vanilla-query-order-encoded", ENCODED_ONCE),
    ("get-vanilla-utf8-query", ENCODED_ONCE),
    ("post-sts-header-after", TOKEN_UNSIGNED),
];
const UNNORMALIZED: &str = "S3's rules: the path is not normalised (the signer always normalises)";
const ENCODED_ONCE: &str =
    "the suite encodes the path once; SageMaker's clients encode the wire path again";
const TOKEN_UNSIGNED: &str =
    "the session token is added after signing (verified; the signer always signs it)";

/// Why our signer cannot make `case`'s signature, if it cannot.
fn not_a_signer_case(case: &Case, authorization: &str) -> Option<&'static str> {
    if !case.normalize {
        Some(UNNORMALIZED)
    } else if case.path_and_query.contains('%') {
        Some(ENCODED_ONCE)
    } else if case.credentials.session_token.is_some()
        && !authorization.contains("x-amz-security-token")
    {
        Some(TOKEN_UNSIGNED)
    } else {
        None
    }
}

fn header_map(headers: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(
            HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn check(case: &Case) -> Result<(), VerifyError> {
    let headers = header_map(&case.headers);
    let auth = parse_authorization(headers.get("authorization").unwrap().to_str().unwrap())?;
    let parts = RequestParts {
        method: &case.method,
        path_and_query: &case.path_and_query,
        headers: &headers,
        body: &case.body,
    };
    // The suite's request paths are raw (a literal space, UTF-8) and their
    // canonical form encodes them once, so on the wire — where we verify —
    // that is single encoding of the wire path. SageMaker clients encode twice.
    let rules = PathRules {
        normalize: case.normalize,
        double_encode: false,
    };
    verify_request(
        &parts,
        &auth,
        &case.credentials,
        &case.region,
        &case.service,
        case.now,
        rules,
    )
}

#[test]
fn every_suite_request_verifies_at_its_timestamp() {
    let cases = cases();
    for case in &cases {
        assert_eq!(check(case), Ok(()), "{}", case.name);
    }
    assert_eq!(cases.len(), SUITE_CASES);
}

#[test]
fn every_one_field_tampering_is_rejected() {
    for case in cases() {
        let name = &case.name;
        let mut tampered: Vec<(&str, Case)> = Vec::new();
        let again = || load(&suite_dir().join(name));
        tampered.push((
            "method",
            Case {
                method: if case.method == "GET" {
                    "POST".into()
                } else {
                    "GET".into()
                },
                ..again()
            },
        ));
        tampered.push((
            "path",
            Case {
                path_and_query: format!("/x{}", case.path_and_query),
                ..again()
            },
        ));
        let query = if case.path_and_query.contains('?') {
            "&extra=1"
        } else {
            "?extra=1"
        };
        tampered.push((
            "query",
            Case {
                path_and_query: format!("{}{query}", case.path_and_query),
                ..again()
            },
        ));
        tampered.push((
            "body",
            Case {
                body: [case.body.as_slice(), b"!"].concat(),
                ..again()
            },
        ));
        let signed: Vec<String> = parse_authorization(
            &case
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
                .unwrap()
                .1,
        )
        .unwrap()
        .signed_header_names()
        .map(str::to_owned)
        .collect();
        for header in &signed {
            let mut c = again();
            let slot = c
                .headers
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case(header))
                .unwrap();
            slot.1 = if header == "x-amz-date" {
                "20150830T123601Z".into()
            } else {
                format!("{}x", slot.1)
            };
            tampered.push(("signed header", c));
        }
        let mut c = again();
        let auth = c
            .headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .unwrap();
        let last = auth.1.pop().unwrap();
        auth.1.push(if last == '0' { '1' } else { '0' });
        tampered.push(("signature", c));
        let mut c = again();
        c.credentials.secret_access_key.push('x');
        tampered.push(("secret", c));
        let mut c = again();
        c.region = "eu-west-1".into();
        tampered.push(("region", c));
        for (what, c) in tampered {
            assert!(
                check(&c).is_err(),
                "{name}: changing the {what} was not noticed"
            );
        }
        // Five minutes of skew either way is the limit: 300 s passes, 301 s
        // does not, on both sides.
        let late = Case {
            now: case.now + 301,
            ..again()
        };
        assert!(
            matches!(check(&late), Err(VerifyError::Expired { .. })),
            "{name}"
        );
        let early = Case {
            now: case.now - 301,
            ..again()
        };
        assert!(
            matches!(check(&early), Err(VerifyError::NotYetCurrent { .. })),
            "{name}"
        );
        for skew in [-300, 300] {
            assert_eq!(
                check(&Case {
                    now: case.now + skew,
                    ..again()
                }),
                Ok(()),
                "{name}: {skew} s of skew"
            );
        }
    }
}

/// Another region or another service alone is the wrong scope (not just a
/// signature that happens not to match).
#[test]
fn the_scope_is_checked_part_by_part() {
    let case = load(&suite_dir().join("get-vanilla"));
    for (region, service) in [("eu-west-1", "service"), ("us-east-1", "sagemaker")] {
        let c = Case {
            region: region.into(),
            service: service.into(),
            ..load(&suite_dir().join("get-vanilla"))
        };
        assert_eq!(
            check(&c),
            Err(VerifyError::WrongScope {
                expected: format!("{region}/{service}"),
                found: format!("{}/{}", case.region, case.service),
            })
        );
    }
}

/// The skew errors say what AWS says, with the times in AWS's format.
#[test]
fn skew_errors_name_the_times_like_aws() {
    let late = Case {
        now: load(&suite_dir().join("get-vanilla")).now + 301,
        ..load(&suite_dir().join("get-vanilla"))
    };
    assert_eq!(
        check(&late).unwrap_err().to_string(),
        "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z \
         (20150830T124101Z - 5 min.)"
    );
    let early = Case {
        now: late.now - 602,
        ..load(&suite_dir().join("get-vanilla"))
    };
    assert_eq!(
        check(&early).unwrap_err().to_string(),
        "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z \
         (20150830T123059Z + 5 min.)"
    );
}

#[test]
fn our_signer_makes_the_suite_signatures() {
    let (mut compared, mut plain_compared, mut skipped) = (0, 0, Vec::new());
    for case in cases() {
        let theirs = case
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .unwrap()
            .1
            .clone();
        if let Some(reason) = not_a_signer_case(&case, &theirs) {
            skipped.push((case.name.clone(), reason));
            continue;
        }
        let unsigned: Vec<(&str, &str)> = case
            .headers
            .iter()
            .filter(|(n, _)| {
                let n = n.to_ascii_lowercase();
                n != "authorization" && n != "x-amz-date" && n != "x-amz-security-token"
            })
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let host = unsigned
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("host"))
            .unwrap()
            .1;
        let url = format!("https://{host}{}", case.path_and_query);
        let outgoing = OutgoingRequest {
            method: &case.method,
            url: &url,
            headers: &unsigned,
            body: &case.body,
        };
        let scope = Scope {
            region: &case.region,
            service: &case.service,
        };
        let added = sign_request(&outgoing, &case.credentials, scope, case.now).unwrap();
        let ours = added
            .iter()
            .find(|(n, _)| n == "authorization")
            .unwrap()
            .1
            .clone();
        assert_eq!(ours, theirs, "{}", case.name);
        compared += 1;
        // The signer without aws-sigv4: the same headers, or (a query) refused.
        match sign_plain_request(&outgoing, &case.credentials, scope, case.now) {
            Ok(plain) => {
                assert_eq!(plain, added, "plain: {}", case.name);
                plain_compared += 1;
            }
            Err(_) => assert!(case.path_and_query.contains('?'), "plain: {}", case.name),
        }
    }
    assert_eq!(
        plain_compared, 21,
        "the suite's signer cases without a query"
    );
    let mut expected: Vec<(String, &str)> = NOT_SIGNER_CASES
        .iter()
        .map(|&(name, why)| (name.to_owned(), why))
        .collect();
    expected.sort();
    skipped.sort();
    assert_eq!(skipped, expected, "the cases the signer skips, and why");
    assert_eq!(compared, SUITE_CASES - NOT_SIGNER_CASES.len());
}
