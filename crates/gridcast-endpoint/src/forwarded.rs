//! The client a request comes from when it reaches us through proxies the
//! operator trusts (`serve --trusted-proxies`): the sign-in limiter counts
//! failures per client address, and behind a proxy or load balancer the
//! connection's address is the proxy's, so one brute-forcer would lock out
//! everyone behind it.
//!
//! Only a connection from a trusted address is believed about who it
//! forwards. Its `X-Forwarded-For` (every such header, in order: what nginx's
//! `$proxy_add_x_forwarded_for` and HAProxy's `option forwardfor` append) is
//! read from the right, skipping trusted hops; the first address that is not
//! trusted is the client. Entries left of it were written by the client and
//! are never read. A connection from an untrusted address is its own client,
//! whatever it sends; a trusted one with no header, or whose nearest untrusted
//! entry is not an address, counts as the proxy itself (the strictest
//! reading: everyone behind it shares its limits).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The header proxies append the address they were reached from to.
const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The proxies whose `X-Forwarded-For` is believed (none by default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Whether `ip` is one of them (an IPv4-mapped IPv6 address as its IPv4).
    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Whether none is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The client of a request from `peer` (the connection's address;
    /// `None` in process) with `headers`.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let hops = headers
            .get_all(X_FORWARDED_FOR)
            .iter()
            .rev()
            .flat_map(|value| value.as_bytes().rsplit(|&b| b == b','));
        let mut client = peer;
        for hop in hops {
            let Some(ip) = forwarded_address(hop) else {
                return Some(peer);
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        Some(client)
    }
}

/// One `X-Forwarded-For` entry as an address (`None` when it is not one).
fn forwarded_address(entry: &[u8]) -> Option<IpAddr> {
    std::str::from_utf8(entry).ok()?.trim().parse().ok()
}

/// `off` (or nothing) for none, else the comma-separated addresses and
/// CIDR blocks.
impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("off");
        }
        let list: Vec<String> = self.0.iter().map(IpNet::to_string).collect();
        f.write_str(&list.join(","))
    }
}

/// `off`, or addresses and CIDR blocks separated by commas
/// (`10.0.0.0/8,127.0.0.1,fd00::/8`).
impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() || text == "off" {
            return Ok(Self::default());
        }
        text.split(',')
            .map(proxy)
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

/// One trusted address or block.
fn proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map(|net| net.trunc())
        .map_err(|_| {
            format!("{text:?} is not an address or CIDR block (e.g. 10.0.0.0/8, 127.0.0.1, fd00::/8), nor `off`")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(X_FORWARDED_FOR, HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    fn client(trusted: &str, peer: &str, values: &[&str]) -> IpAddr {
        let trusted: TrustedProxies = trusted.parse().unwrap();
        trusted.client(Some(ip(peer)), &forwarded(values)).unwrap()
    }

    #[test]
    fn only_a_trusted_peer_is_believed_and_only_from_the_right() {
        // Nobody trusted: the header is ignored.
        assert_eq!(client("off", "10.0.0.5", &["203.0.113.7"]), ip("10.0.0.5"));
        // An untrusted peer forging the header is its own client.
        assert_eq!(
            client("10.0.0.0/8", "198.51.100.9", &["203.0.113.7"]),
            ip("198.51.100.9")
        );
        assert_eq!(
            client("10.0.0.0/8", "10.0.0.5", &["203.0.113.7"]),
            ip("203.0.113.7")
        );
        // What the client wrote itself (left of the proxy's entry) is not read.
        assert_eq!(
            client("10.0.0.0/8", "10.0.0.5", &["1.1.1.1, 203.0.113.7"]),
            ip("203.0.113.7")
        );
        // Two trusted hops (an ingress behind a load balancer), across headers.
        assert_eq!(
            client(
                "10.0.0.0/8",
                "10.0.0.5",
                &["1.1.1.1, 203.0.113.7", "10.0.0.9"]
            ),
            ip("203.0.113.7")
        );
        // IPv6 clients and IPv4-mapped peers.
        assert_eq!(
            client("127.0.0.1", "::ffff:127.0.0.1", &["2001:db8::1"]),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn a_trusted_peer_without_a_readable_client_counts_as_itself() {
        assert_eq!(client("10.0.0.0/8", "10.0.0.5", &[]), ip("10.0.0.5"));
        assert_eq!(
            client("10.0.0.0/8", "10.0.0.5", &["1.1.1.1, not-an-ip"]),
            ip("10.0.0.5")
        );
        assert_eq!(
            client("10.0.0.0/8", "10.0.0.5", &["1.1.1.1,"]),
            ip("10.0.0.5")
        );
        // Every hop trusted: the farthest one.
        assert_eq!(
            client("10.0.0.0/8", "10.0.0.5", &["10.1.1.1, 10.0.0.9"]),
            ip("10.1.1.1")
        );
        // In process there is no connection and no client.
        let trusted: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        assert_eq!(trusted.client(None, &forwarded(&["203.0.113.7"])), None);
    }

    #[test]
    fn the_list_reads_addresses_blocks_and_off() {
        let list: TrustedProxies = " 10.0.0.0/8, 127.0.0.1 ,fd00::/8".parse().unwrap();
        assert_eq!(list.to_string(), "10.0.0.0/8,127.0.0.1/32,fd00::/8");
        assert_eq!(
            "10.1.2.3/8".parse::<TrustedProxies>().unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert!("off".parse::<TrustedProxies>().unwrap().is_empty());
        let err = "10.0.0.0/8,proxy.internal"
            .parse::<TrustedProxies>()
            .unwrap_err();
        assert!(
            err.contains("\"proxy.internal\" is not an address or CIDR block"),
            "{err}"
        );
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
    }
}
