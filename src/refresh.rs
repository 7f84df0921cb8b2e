//! Refresh with one request in flight per tab: concurrent callers wait for the same result
//! (SECURITY.md rule 16). The transport is a trait so this is tested natively with a fake.

use crate::oauth::{self, Session, TokenError};
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use std::cell::RefCell;
use std::rc::Rc;

/// An HTTP answer: status, body text, and `Retry-After` in seconds when the browser could
/// read it (a cross-origin server must list it in `Access-Control-Expose-Headers`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HttpReply {
    pub status: u16,
    pub body: String,
    pub retry_after_s: Option<f64>,
}

/// The first automatic retry after a failed refresh waits about this long…
pub const BACKOFF_FIRST_MS: f64 = 2_000.0;
/// …doubling up to this.
pub const BACKOFF_MAX_MS: f64 = 300_000.0;
/// A `slow_down` or 429 without `Retry-After` waits at least this (the relay's window).
pub const SLOW_DOWN_MS: f64 = 60_000.0;

/// What the once-a-second check should do about the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// Nothing yet (not due, or backing off).
    Wait,
    /// Send a refresh now.
    Refresh,
    /// Refreshing failed and the access token has expired since: stop trying on our own
    /// and ask the person (Retry / Sign in again).
    Stalled,
}

/// Automatic refresh after failures: exponential backoff with jitter, `Retry-After` and
/// `slow_down` honoured, and no automatic attempt once the token has expired after a
/// failure, so a tab whose identity service is down does not send a request a second
/// (and behind the relay, spend everyone's allowance).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AutoRefresh {
    /// Failures since the last success.
    pub failures: u32,
    /// No automatic attempt before this time.
    pub not_before_ms: f64,
}

impl AutoRefresh {
    /// Whether to refresh now, wait, or give up until the person acts.
    pub fn due(&self, session: &Session, now_ms: f64) -> Due {
        if session.refresh_token.is_none() {
            return Due::Wait;
        }
        if !session.refresh_due_ms().is_some_and(|d| now_ms >= d) {
            return Due::Wait;
        }
        // An expired token with no failure yet is a tab that slept: one attempt is fair.
        if self.failures > 0 && session.is_expired(now_ms) {
            return Due::Stalled;
        }
        if now_ms < self.not_before_ms {
            return Due::Wait;
        }
        Due::Refresh
    }

    /// Records a failed refresh at `now_ms`; returns the delay before the next attempt.
    /// `jitter` is in `[0, 1)`.
    pub fn failed(
        &mut self,
        now_ms: f64,
        error: &TokenError,
        retry_after_s: Option<f64>,
        jitter: f64,
    ) -> f64 {
        self.failures = self.failures.saturating_add(1);
        let base =
            (BACKOFF_FIRST_MS * 2f64.powi(self.failures.min(20) as i32 - 1)).min(BACKOFF_MAX_MS);
        // Equal jitter: between half and all of the step, so tabs that failed together
        // do not retry together.
        let mut delay = base * (0.5 + 0.5 * jitter.clamp(0.0, 1.0));
        let slow_down = matches!(error, TokenError::Refused { error, .. } if error == "slow_down")
            || matches!(error, TokenError::Refused { status: 429, .. });
        match retry_after_s.filter(|s| s.is_finite() && *s >= 0.0) {
            Some(s) => delay = delay.max(s.min(3_600.0) * 1000.0),
            None if slow_down => delay = delay.max(SLOW_DOWN_MS),
            None => {}
        }
        self.not_before_ms = now_ms + delay;
        delay
    }

    /// A refresh succeeded (or the person signed in again): start afresh.
    pub fn reset(&mut self) {
        *self = AutoRefresh::default();
    }
}

/// A failed refresh, with the server's `Retry-After` when it sent one.
#[derive(Clone, Debug, PartialEq)]
pub struct RefreshFailure {
    pub error: TokenError,
    pub retry_after_s: Option<f64>,
}

impl From<TokenError> for RefreshFailure {
    fn from(error: TokenError) -> Self {
        RefreshFailure {
            error,
            retry_after_s: None,
        }
    }
}

/// POSTs a form-encoded body. `Err` is a network or CORS failure (no HTTP answer).
pub trait Transport {
    fn post_form(
        &self,
        url: &str,
        body: String,
    ) -> LocalBoxFuture<'static, Result<HttpReply, String>>;
}

/// The shared run of a [`SingleFlight`]: a future every caller can await (and clone).
pub type Flight<V> = Shared<LocalBoxFuture<'static, V>>;

/// Runs at most one future at a time; callers arriving while it runs share its output.
/// The run frees the slot itself when it finishes, so it does not depend on any caller still
/// waiting (spawn a clone of the [`Flight`] to drive it whatever happens to the callers).
pub struct SingleFlight<V: Clone + 'static> {
    slot: Rc<RefCell<Option<Flight<V>>>>,
}

impl<V: Clone + 'static> Default for SingleFlight<V> {
    fn default() -> Self {
        SingleFlight {
            slot: Rc::new(RefCell::new(None)),
        }
    }
}

impl<V: Clone + 'static> SingleFlight<V> {
    /// Whether a run is in flight.
    pub fn busy(&self) -> bool {
        self.slot.borrow().is_some()
    }

    /// Joins the run in flight, or starts `make()` if none is.
    pub fn run(&self, make: impl FnOnce() -> LocalBoxFuture<'static, V>) -> Flight<V> {
        if let Some(f) = self.slot.borrow().as_ref() {
            return f.clone();
        }
        let slot = self.slot.clone();
        let inner = make();
        let fut = async move {
            let out = inner.await;
            slot.borrow_mut().take();
            out
        }
        .boxed_local()
        .shared();
        *self.slot.borrow_mut() = Some(fut.clone());
        fut
    }
}

/// Exchanges the session's refresh token for a new token set.
pub async fn refresh_session<T: Transport>(
    transport: &T,
    session: &Session,
    now_ms: f64,
) -> Result<Session, RefreshFailure> {
    let Some(refresh_token) = session.refresh_token.as_deref() else {
        return Err(
            TokenError::InvalidGrant(Some("the server issued no refresh token".into())).into(),
        );
    };
    let reply = transport
        .post_form(
            &session.token_url,
            oauth::refresh_body(&session.client_id, refresh_token),
        )
        .await
        .map_err(TokenError::Network)?;
    let tokens = oauth::parse_token_response(reply.status, &reply.body, &session.granted_scopes)
        .map_err(|error| RefreshFailure {
            error,
            retry_after_s: reply.retry_after_s,
        })?;
    Ok(session.refreshed(tokens, now_ms))
}

/// One refresher per tab: `refresh` joins a refresh in flight instead of starting another.
pub struct Refresher<T: Transport + Clone + 'static> {
    transport: T,
    flight: Rc<SingleFlight<Result<Session, RefreshFailure>>>,
}

impl<T: Transport + Clone + 'static> Clone for Refresher<T> {
    fn clone(&self) -> Self {
        Refresher {
            transport: self.transport.clone(),
            flight: self.flight.clone(),
        }
    }
}

impl<T: Transport + Clone + 'static> Refresher<T> {
    pub fn new(transport: T) -> Self {
        Refresher {
            transport,
            flight: Rc::new(SingleFlight::default()),
        }
    }

    pub fn busy(&self) -> bool {
        self.flight.busy()
    }

    /// Joins the refresh in flight, or starts one from `session`. `apply` sees the outcome
    /// once, when the run ends, before any caller does: deciding there (keep or revoke, sign
    /// out on `invalid_grant`) cannot race between callers of the same run.
    pub fn refresh(
        &self,
        session: Session,
        now_ms: f64,
        apply: impl FnOnce(&Result<Session, RefreshFailure>) + 'static,
    ) -> Flight<Result<Session, RefreshFailure>> {
        let transport = self.transport.clone();
        self.flight.run(move || {
            async move {
                let out = refresh_session(&transport, &session, now_ms).await;
                apply(&out);
                out
            }
            .boxed_local()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, PageContext};
    use crate::oauth::parse_token_response;
    use futures::channel::oneshot;
    use futures::executor::LocalPool;
    use futures::task::LocalSpawnExt;
    use std::cell::Cell;

    /// A fake token endpoint: answers with a rotated token set, counting calls, after the
    /// test releases it (so concurrent callers really overlap).
    #[derive(Clone)]
    struct Fake {
        calls: Rc<Cell<u32>>,
        gate: Rc<RefCell<Vec<oneshot::Sender<()>>>>,
        reply: Rc<RefCell<Result<HttpReply, String>>>,
    }

    impl Transport for Fake {
        fn post_form(
            &self,
            _url: &str,
            body: String,
        ) -> LocalBoxFuture<'static, Result<HttpReply, String>> {
            self.calls.set(self.calls.get() + 1);
            assert!(body.contains("grant_type=refresh_token"));
            let (tx, rx) = oneshot::channel();
            self.gate.borrow_mut().push(tx);
            let reply = self.reply.borrow().clone();
            async move {
                let _ = rx.await;
                reply
            }
            .boxed_local()
        }
    }

    fn fake(reply: Result<HttpReply, String>) -> Fake {
        Fake {
            calls: Rc::new(Cell::new(0)),
            gate: Rc::new(RefCell::new(Vec::new())),
            reply: Rc::new(RefCell::new(reply)),
        }
    }

    fn session() -> Session {
        let page = PageContext {
            origin: "http://127.0.0.1:8080".into(),
            base_path: "/".into(),
        };
        let c = parse(r#"{"client_id":"cid"}"#, &page).unwrap();
        let t = parse_token_response(
            200,
            r#"{"access_token":"a1","token_type":"bearer","expires_in":60,"refresh_token":"r1"}"#,
            &[],
        )
        .unwrap();
        Session::new(t, &c, &["read".into()], 0.0, None, None)
    }

    fn ok_reply() -> Result<HttpReply, String> {
        Ok(HttpReply {
            status: 200,
            body: r#"{"access_token":"a2","token_type":"bearer","expires_in":60,"refresh_token":"r2","scope":"openid read"}"#.into(),
            retry_after_s: None,
        })
    }

    #[test]
    fn concurrent_callers_share_one_request() {
        let t = fake(ok_reply());
        let refresher = Rc::new(Refresher::new(t.clone()));
        let results = Rc::new(RefCell::new(Vec::new()));
        let mut pool = LocalPool::new();
        for _ in 0..5 {
            let (r, out) = (refresher.clone(), results.clone());
            pool.spawner()
                .spawn_local(async move {
                    let v = r.refresh(session(), 1000.0, |_| {}).await;
                    out.borrow_mut().push(v);
                })
                .unwrap();
        }
        pool.run_until_stalled();
        assert_eq!(t.calls.get(), 1, "one request for five callers");
        assert!(refresher.busy());
        for tx in t.gate.borrow_mut().drain(..) {
            let _ = tx.send(());
        }
        pool.run_until_stalled();
        let results = results.borrow();
        assert_eq!(results.len(), 5);
        for r in results.iter() {
            let s = r.as_ref().unwrap();
            assert_eq!(s.access_token, "a2");
            assert_eq!(s.refresh_token.as_deref(), Some("r2"));
        }
        assert!(!refresher.busy());
        // The next refresh is a new request.
        let r2 = refresher.clone();
        pool.spawner()
            .spawn_local(async move {
                let _ = r2.refresh(session(), 2000.0, |_| {}).await;
            })
            .unwrap();
        pool.run_until_stalled();
        assert_eq!(t.calls.get(), 2);
    }

    /// Runs `fut` to completion, releasing the fake endpoint once it has been called.
    fn drive<R: 'static>(t: &Fake, fut: impl std::future::Future<Output = R> + 'static) -> R {
        let mut pool = LocalPool::new();
        let out = Rc::new(RefCell::new(None));
        let o = out.clone();
        pool.spawner()
            .spawn_local(async move { *o.borrow_mut() = Some(fut.await) })
            .unwrap();
        pool.run_until_stalled();
        for tx in t.gate.borrow_mut().drain(..) {
            let _ = tx.send(());
        }
        pool.run_until_stalled();
        let r = out.borrow_mut().take();
        r.expect("the future finished")
    }

    #[test]
    fn invalid_grant_and_network_failures_are_typed() {
        let t = fake(Ok(HttpReply {
            status: 400,
            body: r#"{"error":"invalid_grant"}"#.into(),
            retry_after_s: None,
        }));
        let refresher = Refresher::new(t.clone());
        let out = drive(&t, async move {
            refresher.refresh(session(), 0.0, |_| {}).await
        });
        assert_eq!(out, Err(TokenError::InvalidGrant(None).into()));

        let t = fake(Err("TypeError: Failed to fetch".into()));
        let refresher = Refresher::new(t.clone());
        let out = drive(&t, async move {
            refresher.refresh(session(), 0.0, |_| {}).await
        });
        assert!(matches!(
            out,
            Err(RefreshFailure {
                error: TokenError::Network(_),
                ..
            })
        ));
    }

    #[test]
    fn no_refresh_token_means_sign_in_again() {
        let mut s = session();
        s.refresh_token = None;
        let t = fake(ok_reply());
        let out = futures::executor::block_on(refresh_session(&t, &s, 0.0));
        assert!(matches!(
            out,
            Err(RefreshFailure {
                error: TokenError::InvalidGrant(_),
                ..
            })
        ));
        assert_eq!(t.calls.get(), 0);
    }

    /// A session whose 5 s token was received at 0 (refresh due at 4 s, expiry at 5 s).
    fn short_session() -> Session {
        let mut s = session();
        s.expires_ms = Some(5_000.0);
        s.lifetime_s = Some(5.0);
        s
    }

    fn network() -> TokenError {
        TokenError::Network("TypeError: Failed to fetch".into())
    }

    #[test]
    fn failures_back_off_and_stop_once_the_token_has_expired() {
        let s = short_session();
        let mut auto = AutoRefresh::default();
        assert_eq!(auto.due(&s, 3_000.0), Due::Wait, "not due yet");
        assert_eq!(auto.due(&s, 4_000.0), Due::Refresh);
        // The endpoint is down: each failure waits longer (jitter 0 = half the step).
        assert_eq!(auto.failed(4_000.0, &network(), None, 0.0), 1_000.0);
        assert_eq!(auto.due(&s, 4_500.0), Due::Wait, "backing off");
        // Expired after a failure: no more automatic attempts, ever, until the person acts.
        for now in [5_000.0, 9_000.0, 60_000.0, 3_600_000.0] {
            assert_eq!(auto.due(&s, now), Due::Stalled, "{now}");
        }
        auto.reset();
        assert_eq!(auto, AutoRefresh::default());
        // A longer-lived token gets several spaced attempts before it expires.
        let long = session(); // 60 s: due at 48 s
        let mut auto = AutoRefresh::default();
        let mut sent = Vec::new();
        let mut now = 0.0;
        while now < 120_000.0 {
            match auto.due(&long, now) {
                Due::Refresh => {
                    sent.push(now);
                    auto.failed(now, &network(), None, 0.5);
                }
                Due::Stalled => break,
                Due::Wait => {}
            }
            now += 1_000.0;
        }
        assert_eq!(sent, vec![48_000.0, 50_000.0, 53_000.0, 59_000.0]);
        assert_eq!(auto.due(&long, now), Due::Stalled);
        // A tab that slept past expiry without failing still gets its one attempt.
        assert_eq!(AutoRefresh::default().due(&s, 60_000.0), Due::Refresh);
    }

    #[test]
    fn backoff_doubles_to_five_minutes_and_honours_retry_after_and_slow_down() {
        let mut auto = AutoRefresh::default();
        let steps: Vec<f64> = (0..12)
            .map(|_| auto.failed(0.0, &network(), None, 1.0 - f64::EPSILON))
            .map(|d| d.round())
            .collect();
        assert_eq!(
            &steps[..5],
            &[2_000.0, 4_000.0, 8_000.0, 16_000.0, 32_000.0]
        );
        assert!(steps.iter().all(|d| *d <= BACKOFF_MAX_MS));
        assert_eq!(steps[11], BACKOFF_MAX_MS);
        // Retry-After wins when longer.
        let mut auto = AutoRefresh::default();
        assert_eq!(auto.failed(1_000.0, &network(), Some(30.0), 0.0), 30_000.0);
        assert_eq!(auto.not_before_ms, 31_000.0);
        // The relay's 429 slow_down without Retry-After: a minute.
        let slow = TokenError::Refused {
            status: 429,
            error: "slow_down".into(),
            description: None,
        };
        assert_eq!(
            AutoRefresh::default().failed(0.0, &slow, None, 0.0),
            SLOW_DOWN_MS
        );
        // Nonsense Retry-After is ignored.
        assert_eq!(
            AutoRefresh::default().failed(0.0, &network(), Some(f64::NAN), 0.0),
            1_000.0
        );
    }

    #[test]
    fn retry_after_reaches_the_failure() {
        let t = fake(Ok(HttpReply {
            status: 429,
            body: r#"{"error":"slow_down","error_description":"wait"}"#.into(),
            retry_after_s: Some(42.0),
        }));
        let refresher = Refresher::new(t.clone());
        let out = drive(&t, async move {
            refresher.refresh(session(), 0.0, |_| {}).await
        });
        let f = out.unwrap_err();
        assert_eq!(f.retry_after_s, Some(42.0));
        assert!(matches!(f.error, TokenError::Refused { status: 429, .. }));
    }

    #[test]
    fn the_outcome_is_applied_once_by_the_run_not_by_each_caller() {
        let t = fake(ok_reply());
        let refresher = Rc::new(Refresher::new(t.clone()));
        let applied = Rc::new(Cell::new(0));
        let mut pool = LocalPool::new();
        for _ in 0..4 {
            let (r, a) = (refresher.clone(), applied.clone());
            pool.spawner()
                .spawn_local(async move {
                    let _ = r
                        .refresh(session(), 1000.0, move |_| a.set(a.get() + 1))
                        .await;
                })
                .unwrap();
        }
        pool.run_until_stalled();
        for tx in t.gate.borrow_mut().drain(..) {
            let _ = tx.send(());
        }
        pool.run_until_stalled();
        assert_eq!(t.calls.get(), 1);
        assert_eq!(
            applied.get(),
            1,
            "four callers, one application of the outcome"
        );
    }

    #[test]
    fn a_run_whose_callers_are_gone_still_finishes_and_frees_the_slot() {
        let t = fake(ok_reply());
        let refresher = Refresher::new(t.clone());
        let applied = Rc::new(Cell::new(0));
        let a = applied.clone();
        let run = refresher.refresh(session(), 0.0, move |_| a.set(a.get() + 1));
        // The page that asked is left: its future is dropped, but the run is driven on its own.
        let mut pool = LocalPool::new();
        pool.spawner().spawn_local(run.clone().map(|_| ())).unwrap();
        drop(run);
        pool.run_until_stalled();
        assert!(refresher.busy());
        for tx in t.gate.borrow_mut().drain(..) {
            let _ = tx.send(());
        }
        pool.run_until_stalled();
        assert_eq!(applied.get(), 1, "the outcome was applied");
        assert!(!refresher.busy(), "the slot is free for the next refresh");
    }
}
