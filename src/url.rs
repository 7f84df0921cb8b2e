//! The few URL operations the app needs, without pulling a full URL crate into the wasm
//! bundle: origins, loopback checks, percent-encoding and query strings.

use std::fmt;

/// The scheme, host and port of an absolute `http(s)` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    /// Lower-case; IPv6 hosts keep their brackets.
    pub host: String,
    /// `None` when the URL gives no port.
    pub port: Option<u16>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default = match self.scheme.as_str() {
            "https" => Some(443),
            "http" => Some(80),
            _ => None,
        };
        match self.port {
            Some(p) if Some(p) != default => write!(f, "{}://{}:{}", self.scheme, self.host, p),
            _ => write!(f, "{}://{}", self.scheme, self.host),
        }
    }
}

/// Parses the origin of an absolute `http:` or `https:` URL. Anything else is `None`.
pub fn parse_origin(url: &str) -> Option<Origin> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (inside, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse::<u16>().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        (format!("[{}]", inside.to_ascii_lowercase()), port)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h.to_ascii_lowercase(), Some(p.parse::<u16>().ok()?)),
            None => (authority.to_ascii_lowercase(), None),
        }
    };
    if host.is_empty()
        || host
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || "-._[]:".contains(c)))
    {
        return None;
    }
    Some(Origin { scheme, host, port })
}

/// The origin of `url` as the browser would print it, or `None`.
pub fn origin_of(url: &str) -> Option<String> {
    parse_origin(url).map(|o| o.to_string())
}

/// Loopback hosts, where plain http never leaves the machine: exactly `localhost`, `[::1]`
/// and 127.0.0.0/8 written as four decimal octets (a host as [`parse_origin`] gives it,
/// lower-case). Names that only start or end like one (`127.0.0.1.nip.io`, `app.localhost`)
/// are resolved by whoever owns them and are not loopback. The app (config URLs) and
/// pd-token-relay (`--identity-url`) share this one rule for plain http.
pub fn is_loopback(host: &str) -> bool {
    let octet = |o: &str| {
        (1..=3).contains(&o.len())
            && o.bytes().all(|b| b.is_ascii_digit())
            && o.parse::<u8>().is_ok()
    };
    host == "localhost"
        || host == "[::1]"
        || host
            .strip_prefix("127.")
            .is_some_and(|r| r.split('.').count() == 3 && r.split('.').all(octet))
}

/// Percent-encodes everything but RFC 3986 unreserved characters. Used for every form and
/// query value (PagerDuty tokens contain `+`, which a form decoder would turn into a space).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An id as one segment of a path (`/services/{id}`), percent-encoded; `None` for an empty id
/// and for a dot segment (`.`, `..`), which URL parsers resolve, even written `%2E%2E`, so
/// `/services/..` would name another API path.
pub fn segment(id: &str) -> Option<String> {
    (!matches!(id, "" | "." | "..")).then(|| encode(id))
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space). Invalid escapes are
/// kept literally; invalid UTF-8 is replaced, never a panic.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match bytes.get(i + 1..i + 3) {
                Some(h) if h.iter().all(u8::is_ascii_hexdigit) => {
                    let hi = (h[0] as char).to_digit(16).unwrap_or(0) as u8;
                    let lo = (h[1] as char).to_digit(16).unwrap_or(0) as u8;
                    out.push(hi * 16 + lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Builds `k=v&k=v` with every key and value encoded.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Parses a query string (with or without the leading `?`) into decoded pairs, in order.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// Normalises a base path to start and end with `/` (`""` and `/` both give `/`).
pub fn normalise_base(path: &str) -> String {
    let trimmed = path.trim().trim_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        format!("/{trimmed}/")
    }
}

/// The router's base: the base path without its trailing slash (`""` at the root).
pub fn router_base(base_path: &str) -> String {
    normalise_base(base_path).trim_end_matches('/').to_string()
}

/// Strips the base path from a location path, giving the app route (always starting `/`).
/// `None` when the location is outside the base.
pub fn app_path<'a>(base_path: &str, location: &'a str) -> Option<&'a str> {
    let base = router_base(base_path);
    let rest = location.strip_prefix(base.as_str())?;
    if rest.is_empty() {
        Some("/")
    } else if rest.starts_with('/') {
        Some(rest)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let o = parse_origin("HTTPS://Identity.PagerDuty.com/oauth/token?x=1").unwrap();
        assert_eq!(o.to_string(), "https://identity.pagerduty.com");
        assert_eq!(
            origin_of("http://127.0.0.1:8788/x").as_deref(),
            Some("http://127.0.0.1:8788")
        );
        assert_eq!(origin_of("https://h:443/").as_deref(), Some("https://h"));
        assert_eq!(
            origin_of("http://[::1]:9/").as_deref(),
            Some("http://[::1]:9")
        );
        // The host the URL really names, not a loopback-looking prefix of it.
        for (url, host) in [
            ("http://127.0.0.1.nip.io/x", "127.0.0.1.nip.io"),
            ("http://localhost.evil.example:80", "localhost.evil.example"),
            ("http://LocalHost:8080", "localhost"),
        ] {
            assert_eq!(parse_origin(url).unwrap().host, host, "{url}");
        }
        for bad in [
            "",
            "/relative",
            "http://127.0.0.1@evil.example/",
            "http://localhost:1\\@evil.example/",
            "ftp://h/",
            "https://",
            "https://user@h/",
            "https://h:99999/",
            "https://h:x/",
            "javascript:alert(1)",
            "https://a b/",
            "https://[::1/",
            "https://h\u{0}/",
            "https://<h>/",
        ] {
            assert_eq!(parse_origin(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn loopback() {
        for h in [
            "localhost",
            "127.0.0.1",
            "127.1.2.3",
            "127.255.0.01",
            "[::1]",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        // Exactly `localhost`, 127.0.0.0/8 as four decimal octets and [::1]: names that merely
        // start or end like one resolve wherever their owner wants.
        for h in [
            "app.localhost",
            "localhost.evil.com",
            "localhost.",
            "127.0.0.1.evil.com",
            "127.0.0.1.nip.io",
            "127.0.0.+1",
            "127.0.0.",
            "127.0.0",
            "127.0.0.256",
            "127.0.0.0001",
            "127.1",
            "10.0.0.1",
            "128.0.0.1",
            "0127.0.0.1",
            "[::2]",
            "[::ffff:127.0.0.1]",
            "::1",
            "",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn encoding_round_trips_pagerduty_tokens() {
        let token = "pdus+_0XBPWQQ_b2b2060b/=&?é";
        let enc = encode(token);
        assert_eq!(enc, "pdus%2B_0XBPWQQ_b2b2060b%2F%3D%26%3F%C3%A9");
        assert_eq!(decode(&enc), token);
        assert_eq!(decode("a+b%20c"), "a b c");
        // Malformed escapes never panic and are kept.
        assert_eq!(decode("%"), "%");
        assert_eq!(decode("%zz%4"), "%zz%4");
        assert_eq!(decode("%+1"), "% 1");
        assert_eq!(decode("%C3"), "\u{FFFD}");
        assert_eq!(decode("%é1"), "%é1");
        assert_eq!(form(&[("code", "a+b"), ("x y", "")]), "code=a%2Bb&x%20y=");
        assert_eq!(
            parse_query("?code=a%2Bb&state=s&flag&=v"),
            vec![
                ("code".into(), "a+b".into()),
                ("state".into(), "s".into()),
                ("flag".into(), String::new()),
                (String::new(), "v".into())
            ]
        );
    }

    #[test]
    fn base_paths() {
        assert_eq!(normalise_base(""), "/");
        assert_eq!(normalise_base("/"), "/");
        assert_eq!(normalise_base("/tools/pdscope"), "/tools/pdscope/");
        assert_eq!(normalise_base("tools/pdscope/"), "/tools/pdscope/");
        assert_eq!(router_base("/"), "");
        assert_eq!(router_base("/tools/pdscope/"), "/tools/pdscope");
        assert_eq!(app_path("/", "/services/P1"), Some("/services/P1"));
        assert_eq!(app_path("/tools/pdscope/", "/tools/pdscope"), Some("/"));
        assert_eq!(
            app_path("/tools/pdscope/", "/tools/pdscope/callback"),
            Some("/callback")
        );
        assert_eq!(
            app_path("/tools/pdscope/", "/tools/pdscopex/callback"),
            None
        );
        assert_eq!(app_path("/tools/pdscope/", "/other"), None);
    }
}
