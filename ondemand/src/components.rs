//! The on-demand pages' shared pieces: copying to the clipboard, and a secret (an access
//! token, a routing key) shown masked until someone reveals it.

use leptos::prelude::*;

/// Copies `text` to the clipboard; the reason when the browser would not.
async fn copy(text: String) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let navigator = web_sys::window()
        .ok_or_else(|| "no browser window".to_string())?
        .navigator();
    // Only pages on https or localhost get a clipboard; elsewhere it is undefined.
    let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into())
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null())
        .ok_or_else(|| {
            "this browser offers no clipboard to pages that are not on https or localhost"
                .to_string()
        })?;
    let clipboard: web_sys::Clipboard = clipboard.unchecked_into();
    wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text))
        .await
        .map(|_| ())
        .map_err(|_| {
            "the browser refused (this tab may need focus, or the site the clipboard permission)"
                .to_string()
        })
}

/// A "Copy" button that says whether it worked.
#[component]
pub fn CopyButton(
    /// The button text.
    label: &'static str,
    /// Makes the text to copy when clicked.
    text: Callback<(), Option<String>>,
) -> impl IntoView {
    let outcome = RwSignal::new(None::<Result<(), String>>);
    view! {
        <button on:click=move |_| {
            let Some(t) = text.run(()) else { return };
            leptos::task::spawn_local(async move { outcome.set(Some(copy(t).await)); });
        }>{label}</button>
        " "
        <span role="status" aria-live="polite" class=move || match outcome.get() {
            Some(Err(_)) => "error",
            _ => "muted",
        }>
            {move || outcome.get().map(|o| match o {
                Ok(()) => "Copied".to_string(),
                Err(e) => format!("Could not copy: {e}. Select the text and copy it by hand."),
            })}
        </span>
    }
}

/// A secret shown as dots until Reveal, with Copy: revealing or copying it is a deliberate
/// act (a routing key opens incidents on its service for whoever holds it).
#[component]
pub fn MaskedKey(
    /// The secret.
    secret: pdscope::bulk::services::keys::Key,
    /// What it is, for the buttons' accessible names ("routing key of Checkout").
    label: String,
) -> impl IntoView {
    let revealed = RwSignal::new(false);
    let shown = secret.clone();
    let text = Callback::new(move |_| Some(secret.expose().to_string()));
    let verb = move || if revealed.get() { "Hide" } else { "Reveal" };
    view! {
        <code class="token">{move || if revealed.get() { shown.expose().to_string() } else { shown.masked() }}</code>
        " "
        <button aria-label=move || format!("{} {label}", verb()) on:click=move |_| revealed.update(|r| *r = !*r)>
            {verb}
        </button>
        " "
        <CopyButton label="Copy" text=text />
    }
}
