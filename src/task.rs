//! Async work whose answer lands in a signal: the app's small stand-in for `LocalResource`
//! (which costs an async reactive node per answer type in the release's wasm).
//!
//! The signal holds `None` until the first answer. A newer run supersedes an older one, and
//! leaving the page ends them all: a superseded or abandoned run is aborted, which drops its
//! future (so it starts no further request: a 100-page listing stops at once) and aborts its
//! browser requests in flight through the [`Abort`] it was given.

use futures::future::{AbortHandle, Abortable, LocalBoxFuture};
use leptos::prelude::*;
use std::future::Future;

/// One run's cancellation: the browser's `AbortSignal` for its fetches. Cheap to clone.
#[derive(Clone, Default)]
pub struct Abort(Option<web_sys::AbortSignal>);

impl Abort {
    /// The signal to hand to a fetch (`None` where the browser has no `AbortController`).
    pub fn signal(&self) -> Option<&web_sys::AbortSignal> {
        self.0.as_ref()
    }
}

/// Aborts the future and the browser requests of one run.
struct Stop {
    handle: AbortHandle,
    controller: Option<web_sys::AbortController>,
}

impl Stop {
    fn stop(&self) {
        self.handle.abort();
        if let Some(c) = &self.controller {
            c.abort();
        }
    }
}

/// Spawns `make(abort)` as a run that [`Stop::stop`] ends; `done` gets its answer.
fn spawn_run<T, F>(make: impl FnOnce(Abort) -> F, done: impl FnOnce(T) + 'static) -> Stop
where
    T: 'static,
    F: Future<Output = T> + 'static,
{
    let controller = web_sys::AbortController::new().ok();
    let abort = Abort(controller.as_ref().map(|c| c.signal()));
    let work = make(abort);
    // Boxed, so the abortable spawn below exists once in the release, not once per page.
    let run: LocalBoxFuture<'static, ()> = Box::pin(async move { done(work.await) });
    Stop {
        handle: spawn_abortable(run),
        controller,
    }
}

fn spawn_abortable(run: LocalBoxFuture<'static, ()>) -> AbortHandle {
    let (handle, registration) = AbortHandle::new_pair();
    leptos::task::spawn_local(async move {
        let _ = Abortable::new(run, registration).await;
    });
    handle
}

/// Stops the run held in `slot` when the page goes. The handle lives in the page's arena so
/// that (not being `Send`) it can reach `on_cleanup`, which runs before the arena is dropped.
fn stop_on_cleanup(slot: StoredValue<Option<Stop>, LocalStorage>) {
    on_cleanup(move || {
        if let Some(Some(run)) = slot.try_update_value(Option::take) {
            run.stop();
        }
    });
}

/// Runs `work(abort)` once and stores its answer; leaving the page aborts it.
pub fn spawn_into<T, F>(work: impl FnOnce(Abort) -> F) -> RwSignal<Option<T>>
where
    T: Send + Sync + 'static,
    F: Future<Output = T> + 'static,
{
    let out = RwSignal::new(None);
    let stop = spawn_run(work, move |answer| {
        let _ = out.try_set(Some(answer));
    });
    stop_on_cleanup(StoredValue::new_local(Some(stop)));
    out
}

/// Runs `work(key(), abort)` now and again whenever `key()` changes (it is tracked); a new
/// run aborts the one before, and leaving the page aborts the last. The previous answer
/// stays on show until the next one arrives.
pub fn load_keyed<K, T, F>(
    key: impl Fn() -> K + 'static,
    work: impl Fn(K, Abort) -> F + 'static,
) -> RwSignal<Option<T>>
where
    K: 'static,
    T: Send + Sync + 'static,
    F: Future<Output = T> + 'static,
{
    let out = RwSignal::new(None);
    let current: StoredValue<Option<Stop>, LocalStorage> = StoredValue::new_local(None);
    Effect::new(move |_| {
        let k = key();
        let stop = spawn_run(
            |abort| work(k, abort),
            move |answer| {
                let _ = out.try_set(Some(answer));
            },
        );
        if let Some(Some(old)) = current.try_update_value(|c| c.replace(stop)) {
            old.stop();
        }
    });
    stop_on_cleanup(current);
    out
}
