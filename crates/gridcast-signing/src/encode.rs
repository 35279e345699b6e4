//! Percent-encoding as the signer and the client's URLs need it: every byte
//! but RFC 3986's unreserved characters (letters, digits, `-._~`) and the
//! ones a caller keeps (`/` in a whole path), as `%XX` with uppercase hex —
//! what the `percent-encoding` crate's `utf8_percent_encode` gives with
//! `NON_ALPHANUMERIC` less those (the tests hold the two equal), in a loop
//! small enough for the browser builds.

/// `s` with every byte but the unreserved characters and `keep` written as
/// `%XX` (uppercase hex; a non-ASCII character is each of its UTF-8 bytes).
pub fn percent_encode(s: &str, keep: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

    use super::percent_encode;

    const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    const PATH: &AsciiSet = &UNRESERVED.remove(b'/');

    #[test]
    fn encodes_as_the_percent_encoding_crate() {
        let mut texts: Vec<String> = (0u8..=127).map(|b| char::from(b).to_string()).collect();
        texts.extend(
            ["", "/endpoints/gridcast/models/c/7.tar.gz", "a b/c%2Fd?e#f", "ünï/çødé €𝄞", "..//./x~y_z-"]
                .map(str::to_owned),
        );
        texts.push((0u8..=127).map(char::from).collect());
        for t in &texts {
            assert_eq!(percent_encode(t, b""), utf8_percent_encode(t, UNRESERVED).to_string(), "{t:?}");
            assert_eq!(percent_encode(t, b"/"), utf8_percent_encode(t, PATH).to_string(), "{t:?} as a path");
        }
    }
}
