//! Async work whose answer lands in a signal: the app's small stand-in for `LocalResource`
//! (which costs an async reactive node per answer type in the release's wasm).
//!
//! The signal holds `None` until the first answer. A newer run supersedes an older one: an
//! answer that arrives after a newer run started is dropped, and an answer for a page that is
//! gone is dropped too (its signal is disposed).

use leptos::prelude::*;
use std::future::Future;

/// Runs `work` once and stores its answer.
pub fn spawn_into<T, F>(work: F) -> RwSignal<Option<T>>
where
    T: Send + Sync + 'static,
    F: Future<Output = T> + 'static,
{
    let out = RwSignal::new(None);
    leptos::task::spawn_local(async move {
        let answer = work.await;
        let _ = out.try_set(Some(answer));
    });
    out
}

/// Runs `work(key())` now and again whenever `key()` changes (it is tracked); the last run's
/// answer wins. The previous answer stays on show until the next one arrives.
pub fn load_keyed<K, T, F>(
    key: impl Fn() -> K + 'static,
    work: impl Fn(K) -> F + 'static,
) -> RwSignal<Option<T>>
where
    K: 'static,
    T: Send + Sync + 'static,
    F: Future<Output = T> + 'static,
{
    let out = RwSignal::new(None);
    let latest = StoredValue::new(0u64);
    Effect::new(move |_| {
        let run = latest.get_value() + 1;
        latest.set_value(run);
        let work = work(key());
        leptos::task::spawn_local(async move {
            let answer = work.await;
            if latest.try_get_value() == Some(run) {
                let _ = out.try_set(Some(answer));
            }
        });
    });
    out
}
