//! PagerDuty's timing, per sandbox: writes that lists show only after `--visibility-lag-ms`
//! (its eventual consistency, reference §12.4), and the account lock that user creates take,
//! which concurrent creates can fail to get (`--lock-contention`, reference §12.1).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a user create holds the account lock under `--lock-contention`, so that creates
/// sent together overlap as they do on PagerDuty.
pub const LOCK_HOLD: Duration = Duration::from_millis(50);

/// What lists do not show yet, and the user creates under way.
#[derive(Debug, Default)]
pub struct Timing {
    lag: Duration,
    /// By key (see `Timing::key`): when lists start to show the write.
    hidden: Mutex<HashMap<String, Instant>>,
    creating: AtomicUsize,
}

/// A user create under way; dropping it ends it.
#[derive(Debug)]
pub struct Creating<'a> {
    timing: &'a Timing,
    /// Whether another create was under way when this one began.
    pub contended: bool,
}

impl Drop for Creating<'_> {
    fn drop(&mut self) {
        self.timing.creating.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Timing {
    /// Lists show writes `lag_ms` milliseconds after them.
    pub fn new(lag_ms: u64) -> Timing {
        Timing {
            lag: Duration::from_millis(lag_ms),
            ..Timing::default()
        }
    }

    /// The key of an object of `kind` (`service`, `user`, `integration`, `member`) with
    /// `ids` (a member: the team's and the user's).
    pub fn key(kind: &str, ids: &[&str]) -> String {
        format!("{kind}:{}", ids.join(":"))
    }

    fn hidden(&self) -> MutexGuard<'_, HashMap<String, Instant>> {
        self.hidden.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a write of `key` at `now`: lists show it from `now` + the lag.
    pub fn written(&self, key: String, now: Instant) {
        if self.lag.is_zero() {
            return;
        }
        let mut hidden = self.hidden();
        hidden.retain(|_, from| *from > now);
        hidden.insert(key, now + self.lag);
    }

    /// Whether lists show `key` at `now`.
    pub fn visible(&self, key: &str, now: Instant) -> bool {
        if self.lag.is_zero() {
            return true;
        }
        self.hidden().get(key).is_none_or(|from| *from <= now)
    }

    /// Begins a user create.
    pub fn begin_create(&self) -> Creating<'_> {
        let before = self.creating.fetch_add(1, Ordering::SeqCst);
        Creating {
            timing: self,
            contended: before > 0,
        }
    }
}
