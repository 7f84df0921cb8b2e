//! Refresh with one request in flight per tab: concurrent callers wait for the same result
//! (SECURITY.md rule 16). The transport is a trait so this is tested natively with a fake.

use crate::oauth::{self, Session, TokenError};
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use std::cell::RefCell;
use std::rc::Rc;

/// An HTTP answer: status and body text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    pub body: String,
}

/// POSTs a form-encoded body. `Err` is a network or CORS failure (no HTTP answer).
pub trait Transport {
    fn post_form(
        &self,
        url: &str,
        body: String,
    ) -> LocalBoxFuture<'static, Result<HttpReply, String>>;
}

/// Runs at most one future at a time; callers arriving while it runs share its output.
pub struct SingleFlight<V: Clone + 'static> {
    slot: RefCell<Option<Shared<LocalBoxFuture<'static, V>>>>,
}

impl<V: Clone + 'static> Default for SingleFlight<V> {
    fn default() -> Self {
        SingleFlight {
            slot: RefCell::new(None),
        }
    }
}

impl<V: Clone + 'static> SingleFlight<V> {
    /// Whether a run is in flight.
    pub fn busy(&self) -> bool {
        self.slot.borrow().is_some()
    }

    /// Joins the run in flight, or starts `make()` if none is.
    pub async fn run(&self, make: impl FnOnce() -> LocalBoxFuture<'static, V>) -> V {
        let fut = {
            let mut slot = self.slot.borrow_mut();
            match slot.as_ref() {
                Some(f) => f.clone(),
                None => {
                    let f = make().shared();
                    *slot = Some(f.clone());
                    f
                }
            }
        };
        let out = fut.clone().await;
        let mut slot = self.slot.borrow_mut();
        if slot.as_ref().is_some_and(|f| f.ptr_eq(&fut)) {
            *slot = None;
        }
        out
    }
}

/// Exchanges the session's refresh token for a new token set.
pub async fn refresh_session<T: Transport>(
    transport: &T,
    session: &Session,
    now_ms: f64,
) -> Result<Session, TokenError> {
    let Some(refresh_token) = session.refresh_token.as_deref() else {
        return Err(TokenError::InvalidGrant(Some(
            "the server issued no refresh token".into(),
        )));
    };
    let reply = transport
        .post_form(
            &session.token_url,
            oauth::refresh_body(&session.client_id, refresh_token),
        )
        .await
        .map_err(TokenError::Network)?;
    let tokens = oauth::parse_token_response(reply.status, &reply.body, &session.granted_scopes)?;
    Ok(session.refreshed(tokens, now_ms))
}

/// One refresher per tab: `refresh` joins a refresh in flight instead of starting another.
pub struct Refresher<T: Transport + Clone + 'static> {
    transport: T,
    flight: Rc<SingleFlight<Result<Session, TokenError>>>,
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

    pub async fn refresh(&self, session: Session, now_ms: f64) -> Result<Session, TokenError> {
        let transport = self.transport.clone();
        self.flight
            .run(move || {
                async move { refresh_session(&transport, &session, now_ms).await }.boxed_local()
            })
            .await
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
                    let v = r.refresh(session(), 1000.0).await;
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
                let _ = r2.refresh(session(), 2000.0).await;
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
        }));
        let refresher = Refresher::new(t.clone());
        let out = drive(&t, async move { refresher.refresh(session(), 0.0).await });
        assert_eq!(out, Err(TokenError::InvalidGrant(None)));

        let t = fake(Err("TypeError: Failed to fetch".into()));
        let refresher = Refresher::new(t.clone());
        let out = drive(&t, async move { refresher.refresh(session(), 0.0).await });
        assert!(matches!(out, Err(TokenError::Network(_))));
    }

    #[test]
    fn no_refresh_token_means_sign_in_again() {
        let mut s = session();
        s.refresh_token = None;
        let t = fake(ok_reply());
        let out = futures::executor::block_on(refresh_session(&t, &s, 0.0));
        assert!(matches!(out, Err(TokenError::InvalidGrant(_))));
        assert_eq!(t.calls.get(), 0);
    }
}
