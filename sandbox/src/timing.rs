//! PagerDuty's timing, per sandbox: writes that lists show only after `--visibility-lag-ms`
//! (its eventual consistency, reference §12.4), and the account lock that user creates take,
//! which concurrent creates can fail to get (`--lock-contention`, reference §12.1), and new
//! services that refuse integrations for a while (`--integration-create-lag-ms`, §11).

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
    /// `--integration-create-lag-ms`: how long a new service refuses integrations, and
    /// until when each new service does.
    young: Duration,
    young_until: Mutex<HashMap<String, Instant>>,
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

    /// New services refuse integrations for `ms` milliseconds.
    pub fn with_young_services(mut self, ms: u64) -> Timing {
        self.young = Duration::from_millis(ms);
        self
    }

    /// Records that service `id` was created at `now`.
    pub fn service_created(&self, id: &str, now: Instant) {
        if self.young.is_zero() {
            return;
        }
        let mut young = self.young_until.lock().unwrap_or_else(|p| p.into_inner());
        young.retain(|_, until| *until > now);
        young.insert(id.to_string(), now + self.young);
    }

    /// Whether service `id` is too new, at `now`, to take an integration.
    pub fn service_too_new(&self, id: &str, now: Instant) -> bool {
        let young = self.young_until.lock().unwrap_or_else(|p| p.into_inner());
        young.get(id).is_some_and(|until| *until > now)
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
