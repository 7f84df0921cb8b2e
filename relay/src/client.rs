//! Who sent a request: the connection's peer, or behind a trusted proxy the client that
//! proxy saw, read from `X-Forwarded-For` only as far as trusted proxies wrote it. Proxies
//! are trusted by address block ([`Cidr`]).

use axum::extract::{ConnectInfo, Request};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// An address block such as `10.0.0.0/8` or `fd00::/8`; a bare address is a block of one
/// (`/32` or `/128`). Bits past the prefix are ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// True when `ip` lies in the block (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (differing, bits) = match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a) ^ u32::from(b)), 32),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a) ^ u128::from(b), 128),
            _ => return false,
        };
        // No differing bit within the prefix (a /0 prefix shifts everything out).
        differing
            .checked_shr(bits - u32::from(self.prefix))
            .unwrap_or(0)
            == 0
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        let bad =
            || format!("{s} is not an IP address or CIDR block (such as 127.0.0.1 or 10.0.0.0/8)");
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr = IpAddr::from_str(addr).map_err(|_| bad())?.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?
            }
            Some(_) => return Err(bad()),
        };
        Ok(Cidr { addr, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// The address `req` is counted against (see [`client_address`]). A request without a
/// connection address (a test calling the router directly) counts as from 127.0.0.1.
pub(crate) fn address_of(req: &Request, trusted: &[Cidr]) -> IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    // Several header lines are one list; a line that is not text is an entry that is no
    // address.
    let lines: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or("?"))
        .collect();
    let header = (!lines.is_empty()).then(|| lines.join(","));
    client_address(peer, header.as_deref(), trusted)
}

/// The address a request is counted against: the rightmost `X-Forwarded-For` entry that is
/// not a trusted proxy, read only when the connection's peer is a trusted proxy (everything
/// left of that entry was written by the client and can say anything). Otherwise, and when
/// no such entry exists (every entry trusted, or an entry that is no address comes first),
/// the connection's own address: the one address no client writes. The usual rule (e.g.
/// realclientip-go's rightmost trusted-range strategy falling back to the remote address);
/// before, every-entry-trusted gave the leftmost entry and a non-address the nearest trusted
/// hop, both of which a client inside a trusted range writes itself, so it could pick its
/// own window.
///
/// A host inside a trusted range is believed as a proxy: it can still name any untrusted
/// address as its client. Trust only your proxies' addresses.
pub(crate) fn client_address(
    peer: IpAddr,
    forwarded_for: Option<&str>,
    trusted: &[Cidr],
) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    let peer = peer.to_canonical();
    let Some(header) = forwarded_for.filter(|_| is_trusted(peer)) else {
        return peer;
    };
    for entry in header.rsplit(',').map(str::trim).filter(|e| !e.is_empty()) {
        match forwarded_entry(entry) {
            Some(ip) if is_trusted(ip) => continue,
            Some(ip) => return ip,
            None => return peer,
        }
    }
    peer
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn forwarded_entry(entry: &str) -> Option<IpAddr> {
    let ip = IpAddr::from_str(entry)
        .ok()
        .or_else(|| SocketAddr::from_str(entry).ok().map(|a| a.ip()))
        .or_else(|| {
            let inside = entry.strip_prefix('[')?.strip_suffix(']')?;
            IpAddr::from_str(inside).ok()
        })?;
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn cidrs(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|c| c.parse().unwrap()).collect()
    }

    #[test]
    fn cidr_blocks_parse_and_match() {
        let c: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(c.contains(ip("10.0.0.1")) && c.contains(ip("10.255.255.255")));
        assert!(!c.contains(ip("11.0.0.0")) && !c.contains(ip("9.255.255.255")));
        assert!(
            c.contains(ip("::ffff:10.1.2.3")),
            "IPv4-mapped counts as IPv4"
        );
        assert!(
            !c.contains(ip("::a00:1")),
            "an IPv6 address is not in an IPv4 block"
        );
        // A bare address is a block of one.
        let one: Cidr = "127.0.0.1".parse().unwrap();
        assert_eq!(one.to_string(), "127.0.0.1/32");
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let v6: Cidr = "::1".parse().unwrap();
        assert_eq!(v6.to_string(), "::1/128");
        assert!(v6.contains(ip("::1")) && !v6.contains(ip("::2")));
        assert!(!v6.contains(ip("127.0.0.1")));
        let net: Cidr = "fd00:ab::/32".parse().unwrap();
        assert!(net.contains(ip("fd00:ab:ffff::1")) && !net.contains(ip("fd00:ac::1")));
        // Odd prefixes, bits past the prefix, and the whole space.
        let odd: Cidr = "192.168.1.77/25".parse().unwrap();
        assert!(odd.contains(ip("192.168.1.0")) && odd.contains(ip("192.168.1.127")));
        assert!(!odd.contains(ip("192.168.1.128")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("255.255.255.255")) && !all.contains(ip("::1")));
        let all6: Cidr = "::/0".parse().unwrap();
        assert!(all6.contains(ip("ffff::1")) && all6.contains(ip("::1")));
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/-1",
            "10.0.0.0/8/8",
            "10.0.0/8",
            "10.0.0.0 /8",
            "localhost",
            "example.com/8",
            "[::1]",
        ] {
            let err = bad.parse::<Cidr>().unwrap_err();
            assert!(err.starts_with(bad), "{bad}: {err}");
        }
    }

    #[test]
    fn the_client_is_the_rightmost_address_no_trusted_proxy_wrote() {
        let trusted = cidrs(&["127.0.0.1", "10.0.0.0/8", "::1"]);
        let pick = |peer: &str, xff: Option<&str>| client_address(ip(peer), xff, &trusted);
        // No header, or a peer that is no trusted proxy: the connection's address.
        assert_eq!(pick("127.0.0.1", None), ip("127.0.0.1"));
        assert_eq!(pick("192.0.2.1", Some("203.0.113.7")), ip("192.0.2.1"));
        assert_eq!(pick("192.0.2.1", Some("10.0.0.1")), ip("192.0.2.1"));
        // From the proxy: its own entry, whatever the client put in front of it.
        assert_eq!(pick("127.0.0.1", Some("203.0.113.7")), ip("203.0.113.7"));
        assert_eq!(
            pick("127.0.0.1", Some("198.51.100.1, 1.1.1.1,203.0.113.7")),
            ip("203.0.113.7")
        );
        // Through a chain of trusted proxies: past every trusted hop.
        assert_eq!(
            pick(
                "127.0.0.1",
                Some("198.51.100.1, 203.0.113.7, 10.1.1.1, 10.2.2.2")
            ),
            ip("203.0.113.7")
        );
        // Every entry trusted: no untrusted address, so the connection's own (a host inside a
        // trusted range writes whatever it likes to the left of its own address).
        assert_eq!(
            pick("127.0.0.1", Some("10.9.9.9, 10.1.1.1")),
            ip("127.0.0.1")
        );
        assert_eq!(pick("10.1.1.1", Some("10.9.9.9")), ip("10.1.1.1"));
        // An entry that is no address before any untrusted one: the connection's address too,
        // not a trusted hop a client could have written.
        assert_eq!(
            pick("127.0.0.1", Some("198.51.100.1, unknown, 10.1.1.1")),
            ip("127.0.0.1")
        );
        assert_eq!(
            pick("127.0.0.1", Some("unknown, 10.7.7.7, 10.1.1.1")),
            ip("127.0.0.1")
        );
        assert_eq!(pick("127.0.0.1", Some("unknown")), ip("127.0.0.1"));
        assert_eq!(pick("127.0.0.1", Some("")), ip("127.0.0.1"));
        // Ports, brackets, IPv6 and IPv4-mapped addresses.
        assert_eq!(
            pick("127.0.0.1", Some("203.0.113.7:5555")),
            ip("203.0.113.7")
        );
        assert_eq!(pick("::1", Some("[2001:db8::7]:443")), ip("2001:db8::7"));
        assert_eq!(pick("::1", Some("[2001:db8::7]")), ip("2001:db8::7"));
        assert_eq!(pick("::1", Some("2001:db8::7")), ip("2001:db8::7"));
        assert_eq!(
            pick("::ffff:127.0.0.1", Some("::ffff:203.0.113.7")),
            ip("203.0.113.7")
        );
        assert_eq!(pick("::ffff:192.0.2.1", None), ip("192.0.2.1"));
        // Nothing trusted: the header never counts.
        assert_eq!(
            client_address(ip("127.0.0.1"), Some("203.0.113.7"), &[]),
            ip("127.0.0.1")
        );
    }
}
