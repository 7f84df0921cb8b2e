//! The rate limit, as middleware on the two forwarding routes: a sliding window of requests
//! per client address per minute. It runs before the body is read, so a refused request
//! (too many, too large, not a form, another client's) still costs its sender.

use crate::client::{self, Cidr};
use crate::error::RelayError;
use crate::options::RelayConfig;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The rate limit's window.
const WINDOW: Duration = Duration::from_secs(60);

/// The limiter's state: the windows and what it needs to know to fill them.
pub(crate) struct Limiter {
    windows: Mutex<Windows>,
    per_minute: usize,
    max_tracked: usize,
    trusted_proxies: Vec<Cidr>,
}

impl Limiter {
    pub(crate) fn new(config: &RelayConfig) -> Limiter {
        Limiter {
            windows: Mutex::new(Windows::default()),
            per_minute: config.per_minute,
            max_tracked: config.max_tracked,
            trusted_proxies: config.trusted_proxies.clone(),
        }
    }

    /// How many client addresses the limiter currently remembers.
    pub(crate) fn tracked_addresses(&self) -> usize {
        self.windows.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Sliding-window limit: `Ok` when `ip` may make another request now, else the wait.
    fn admit(&self, ip: IpAddr) -> Result<(), Duration> {
        self.windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .admit(
                rate_key(ip),
                Instant::now(),
                self.per_minute,
                self.max_tracked,
            )
    }
}

/// The middleware: counts the request against its client's window, and answers
/// `429 slow_down` with `Retry-After` when the window is full.
pub(crate) async fn limit(
    State(limiter): State<Arc<Limiter>>,
    req: Request,
    next: Next,
) -> Result<Response, RelayError> {
    let ip = client::address_of(&req, &limiter.trusted_proxies);
    limiter.admit(ip).map_err(RelayError::SlowDown)?;
    Ok(next.run(req).await)
}

/// Per-address sliding windows with bounded memory. An address whose newest request is a
/// window old has nothing left to remember and is dropped; beyond the cap the least recently
/// seen address goes first. Both use an index ordered by last request, so no request scans
/// the map: each costs O(log n).
#[derive(Default)]
struct Windows {
    hits: HashMap<IpAddr, VecDeque<Instant>>,
    /// `(newest request, address)` for every address in `hits`.
    by_last_seen: BTreeSet<(Instant, IpAddr)>,
}

impl Windows {
    /// `Ok` when `ip` may make another request at `now` (then it is counted); otherwise how
    /// long until its window has room again.
    fn admit(
        &mut self,
        ip: IpAddr,
        now: Instant,
        per_minute: usize,
        cap: usize,
    ) -> Result<(), Duration> {
        while let Some(&(seen, idle)) = self.by_last_seen.first() {
            if now.saturating_duration_since(seen) < WINDOW {
                break;
            }
            self.by_last_seen.pop_first();
            self.hits.remove(&idle);
        }
        if let Some(w) = self.hits.get_mut(&ip) {
            while w
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
            {
                w.pop_front();
            }
            if w.len() >= per_minute {
                let oldest = w.front().copied().unwrap_or(now);
                return Err(WINDOW.saturating_sub(now.saturating_duration_since(oldest)));
            }
            if let Some(&last) = w.back() {
                self.by_last_seen.remove(&(last, ip));
            }
            w.push_back(now);
        } else {
            if per_minute == 0 {
                return Err(WINDOW);
            }
            while self.hits.len() >= cap.max(1) {
                let Some((_, oldest)) = self.by_last_seen.pop_first() else {
                    break;
                };
                self.hits.remove(&oldest);
            }
            self.hits.insert(ip, VecDeque::from([now]));
        }
        self.by_last_seen.insert((now, ip));
        Ok(())
    }

    fn len(&self) -> usize {
        self.hits.len()
    }
}

/// The address a request is counted under: IPv4 as is, IPv6 by its /64, which one
/// subscriber usually holds whole (so rotating within it does not escape the limit).
fn rate_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_is_counted_by_its_64_and_ipv4_by_its_address() {
        assert_eq!(
            rate_key(ip("2001:db8:1:2:aaaa::1")),
            rate_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            rate_key(ip("2001:db8:1:2::1")),
            rate_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(rate_key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_ne!(rate_key(ip("192.0.2.7")), rate_key(ip("192.0.2.8")));
    }

    #[test]
    fn idle_addresses_are_forgotten_and_the_oldest_go_first_at_the_cap() {
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let (a, b, c, d) = (
            ip("192.0.2.1"),
            ip("192.0.2.2"),
            ip("192.0.2.3"),
            ip("192.0.2.4"),
        );
        let mut w = Windows::default();
        // The sliding window itself.
        assert!(w.admit(a, at(0), 2, 3).is_ok());
        assert!(w.admit(a, at(1), 2, 3).is_ok());
        assert!(w.admit(a, at(59), 2, 3).is_err(), "two a minute");
        assert_eq!(
            w.admit(a, at(59), 2, 3),
            Err(Duration::from_secs(1)),
            "room again when the request at 0 leaves the window"
        );
        assert!(
            w.admit(a, at(60), 2, 3).is_ok(),
            "the first request left the window"
        );
        assert!(w.admit(a, at(60), 2, 3).is_err());
        // At the cap the least recently seen address is forgotten, not the newest.
        assert!(w.admit(b, at(61), 2, 3).is_ok());
        assert!(w.admit(c, at(62), 2, 3).is_ok());
        assert!(w.admit(a, at(63), 2, 3).is_ok());
        assert!(
            w.admit(b, at(64), 2, 3).is_ok(),
            "b seen again: now newer than c"
        );
        assert!(w.admit(d, at(65), 2, 3).is_ok());
        assert_eq!(w.len(), 3);
        assert!(!w.hits.contains_key(&c), "c was the least recently seen");
        assert!(w.hits.contains_key(&a) && w.hits.contains_key(&b));
        assert!(w.admit(b, at(66), 2, 3).is_err(), "b's window survived");
        // A minute after its newest request an address is gone, without any cap.
        assert!(w.admit(ip("192.0.2.9"), at(64 + 60), 2, 1000).is_ok());
        assert_eq!(
            w.len(),
            2,
            "a (last seen at 63) and b (64) forgotten; d (65) kept"
        );
        assert!(w.hits.contains_key(&d));
        assert!(w.admit(ip("192.0.2.9"), at(65 + 60 + 59), 2, 1000).is_ok());
        assert_eq!(w.len(), 1);
        assert_eq!(w.by_last_seen.len(), w.hits.len());
    }
}
