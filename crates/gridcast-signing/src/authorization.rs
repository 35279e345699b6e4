//! The `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` header.

use crate::verify::VerifyError;

/// A parsed SigV4 `Authorization` header, borrowing the header's text (no
/// allocation per request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization<'a> {
    /// The access key id of the credential scope.
    pub access_key_id: &'a str,
    /// Scope date, `YYYYMMDD`.
    pub date: &'a str,
    /// Scope region.
    pub region: &'a str,
    /// Scope service.
    pub service: &'a str,
    /// The `SignedHeaders=` list as sent: lower-case names, none empty,
    /// separated by `;`, in the client's order (see
    /// [`Authorization::signed_header_names`]).
    pub signed_headers: &'a str,
    /// The signature's 64 hex digits, lower case.
    pub signature: [u8; 64],
}

impl<'a> Authorization<'a> {
    /// The signed header names, in the client's order.
    pub fn signed_header_names(&self) -> std::str::Split<'a, char> {
        self.signed_headers.split(';')
    }

    /// Whether `name` (lower case) is one of the signed headers.
    pub fn signs(&self, name: &str) -> bool {
        self.signed_header_names().any(|h| h == name)
    }
}

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Parses an `Authorization` header value.
pub fn parse_authorization(value: &str) -> Result<Authorization<'_>, VerifyError> {
    let malformed = |why: &str| VerifyError::Malformed(why.to_owned());
    let rest = value
        .strip_prefix(ALGORITHM)
        .ok_or_else(|| malformed("the Authorization header is not AWS4-HMAC-SHA256"))?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        } else if !part.is_empty() {
            return Err(malformed("unexpected part in the Authorization header"));
        }
    }
    let credential = credential.ok_or_else(|| malformed("Authorization lacks Credential="))?;
    let signed = signed.ok_or_else(|| malformed("Authorization lacks SignedHeaders="))?;
    let signature = signature.ok_or_else(|| malformed("Authorization lacks Signature="))?;
    let mut scope = credential.split('/');
    let (Some(key), Some(date), Some(region), Some(service), Some(terminator), None) = (
        scope.next(),
        scope.next(),
        scope.next(),
        scope.next(),
        scope.next(),
        scope.next(),
    ) else {
        return Err(malformed(
            "Credential is not key/date/region/service/aws4_request",
        ));
    };
    if terminator != "aws4_request"
        || key.is_empty()
        || date.len() != 8
        || !date.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(malformed(
            "Credential is not key/YYYYMMDD/region/service/aws4_request",
        ));
    }
    let signature: [u8; 64] = signature
        .as_bytes()
        .try_into()
        .ok()
        .filter(|s: &[u8; 64]| s.iter().all(u8::is_ascii_hexdigit))
        .ok_or_else(|| malformed("Signature is not 64 hex digits"))?;
    if signed
        .split(';')
        .any(|h| h.is_empty() || h.bytes().any(|b| b.is_ascii_uppercase()))
    {
        return Err(malformed(
            "SignedHeaders must be lower-case names separated by ';'",
        ));
    }
    Ok(Authorization {
        access_key_id: key,
        date,
        region,
        service,
        signed_headers: signed,
        signature: signature.map(|b| b.to_ascii_lowercase()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let a = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        )
        .unwrap();
        assert_eq!(a.access_key_id, "AKIDEXAMPLE");
        assert_eq!(
            (a.date, a.region, a.service),
            ("20150830", "us-east-1", "service")
        );
        assert_eq!(
            a.signed_header_names().collect::<Vec<_>>(),
            ["host", "x-amz-date"]
        );
        assert!(a.signs("host") && a.signs("x-amz-date") && !a.signs("hos"));
        // Upper-case hex digits are taken, and compared lower case.
        let upper = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host, Signature=5FA00FA31553B73EBF1942676E86291E8372FF2A2260956D9B8AAE1D763FBF31",
        )
        .unwrap();
        assert_eq!(
            &upper.signature,
            b"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        for bad in [
            "",
            "Bearer x",
            "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/service/aws4_request, SignedHeaders=host",
            "AWS4-HMAC-SHA256 Credential=AK/2015/us-east-1/service/aws4_request, SignedHeaders=host, Signature=00",
            "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/aws4_request, SignedHeaders=host, Signature=00",
        ] {
            assert!(matches!(parse_authorization(bad), Err(VerifyError::Malformed(_))), "{bad}");
        }
    }

    /// Each rule alone rejects the header (one thing wrong at a time).
    #[test]
    fn every_rule_rejects_on_its_own() {
        let good = |credential: &str, signed: &str, signature: &str| {
            format!("AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders={signed}, Signature={signature}")
        };
        let (credential, signed, signature) = (
            "AK/20150830/us-east-1/service/aws4_request",
            "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        );
        assert!(parse_authorization(&good(credential, signed, signature)).is_ok());
        // An empty part (a trailing comma) is allowed, an unknown one is not.
        assert!(parse_authorization(&(good(credential, signed, signature) + ",")).is_ok());
        let cases = [
            (
                good(credential, signed, signature) + ", Extra=1",
                "unexpected part",
            ),
            (
                good(
                    "AK/20150830/us-east-1/service/aws4_requesX",
                    signed,
                    signature,
                ),
                "terminator",
            ),
            (
                good(
                    "/20150830/us-east-1/service/aws4_request",
                    signed,
                    signature,
                ),
                "empty key",
            ),
            (
                good(
                    "AK/2015083/us-east-1/service/aws4_request",
                    signed,
                    signature,
                ),
                "7-digit date",
            ),
            (
                good(
                    "AK/201508301/us-east-1/service/aws4_request",
                    signed,
                    signature,
                ),
                "9-digit date",
            ),
            (
                good(
                    "AK/2015083x/us-east-1/service/aws4_request",
                    signed,
                    signature,
                ),
                "non-digit date",
            ),
            (good(credential, signed, &signature[1..]), "63 hex digits"),
            (
                good(credential, signed, &format!("{}g", &signature[1..])),
                "a non-hex digit",
            ),
            (
                good(credential, "host;;x-amz-date", signature),
                "an empty header name",
            ),
            (
                good(credential, "Host;x-amz-date", signature),
                "an upper-case header name",
            ),
        ];
        for (header, what) in cases {
            assert!(
                matches!(parse_authorization(&header), Err(VerifyError::Malformed(_))),
                "{what} accepted: {header}"
            );
        }
    }
}
