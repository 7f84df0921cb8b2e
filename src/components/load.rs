//! The one way a page shows an answer from PagerDuty: loading, then the error with its way
//! forward, or the data.

use crate::api::ApiError;
use crate::components::api_error::ApiErrorView;
use leptos::prelude::*;

/// The view a [`Loaded`] shows; one type for every answer type, so the reactive rendering
/// behind it is compiled once in the release, not once per page.
type Shown = Box<dyn Fn() -> AnyView + Send + Sync>;

/// Shows `loading` until `data` holds an answer, then the error where it happened (with
/// [`ApiErrorView`]), or `children` with the data. A newer answer replaces the view.
#[component]
pub fn Loaded<S, T, F, V>(
    /// The answer, `None` until it arrives: the signal [`crate::task`] fills, or any other.
    data: S,
    /// Shown until the answer arrives (by default a "Loading…" status line).
    #[prop(optional, into)]
    loading: Option<ViewFn>,
    /// The data's view.
    children: F,
) -> impl IntoView
where
    S: Get<Value = Option<Result<T, ApiError>>> + Send + Sync + 'static,
    T: 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let loading = loading.unwrap_or_else(|| ViewFn::from(loading_line));
    let shown: Shown = Box::new(move || match data.get() {
        None => loading.run(),
        Some(Err(error)) => error_view(error),
        Some(Ok(value)) => children(value).into_any(),
    });
    shown
}

fn loading_line() -> impl IntoView {
    view! { <p role="status">"Loading…"</p> }
}

fn error_view(error: ApiError) -> AnyView {
    view! { <ApiErrorView error=error /> }.into_any()
}
