//! The seam between the app and its second WebAssembly module (`importer/`), loaded only
//! when someone opens Import or the token inspector: it keeps the first load small.
//!
//! The app owns the session: the module never refreshes tokens itself, so there is one
//! refresh (one rotation of the refresh token) for both. The app hands the module one
//! JavaScript function, `host(method, argument)`, made by [`host_function`] and read by
//! [`Host`]:
//!
//! | method | answer |
//! |---|---|
//! | `apiUrl()` | the REST API base, or `undefined` |
//! | `token()` | the current access token, or `undefined` when signed out |
//! | `session()` | the session as JSON for the token inspector, its refresh token masked; `undefined` when signed out |
//! | `refresh()` | a promise of `true` once the token was refreshed (a 401 asks for one), else of why not, in words |
//! | `granted()`, `requested()` | the session's scopes, space-separated |
//! | `scoped()` | whether the app registration is a Scoped OAuth app |
//! | `role()`, `who()` | the signed-in person's PagerDuty role and name, in words |
//! | `signIn(scopes)` | starts a sign-in asking for these extra scopes, back to Import |
//! | `rescope(scopes)` | starts a sign-in asking for exactly these scopes, back to the token inspector |
//! | `signOut()` | revokes the tokens and signs out (after the calling event is done) |

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The importer's view of the app (see the module's table).
#[derive(Clone, Debug)]
pub struct Host(pub js_sys::Function);

impl Host {
    fn call(&self, name: &str, arg: &JsValue) -> JsValue {
        self.0
            .call2(&JsValue::NULL, &name.into(), arg)
            .unwrap_or(JsValue::UNDEFINED)
    }
    fn text(&self, name: &str) -> Option<String> {
        self.call(name, &JsValue::UNDEFINED)
            .as_string()
            .filter(|s| !s.is_empty())
    }
    fn words(&self, name: &str) -> Vec<String> {
        self.text(name)
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default()
    }
    pub fn api_url(&self) -> Option<String> {
        self.text("apiUrl")
    }
    pub fn token(&self) -> Option<String> {
        self.text("token")
    }
    /// Asks the app to refresh the session; `true` when a new token came.
    pub async fn refresh(&self) -> bool {
        self.refresh_why().await.is_ok()
    }
    pub fn granted(&self) -> Vec<String> {
        self.words("granted")
    }
    pub fn requested(&self) -> Vec<String> {
        self.words("requested")
    }
    pub fn scoped(&self) -> bool {
        self.call("scoped", &JsValue::UNDEFINED)
            .as_bool()
            .unwrap_or(false)
    }
    pub fn role(&self) -> Option<String> {
        self.text("role")
    }
    pub fn who(&self) -> String {
        self.text("who")
            .unwrap_or_else(|| "the signed-in user".into())
    }
    pub fn sign_in(&self, scopes: &[String]) {
        self.call("signIn", &scopes.join(" ").into());
    }
    /// The session for the token inspector (its refresh token masked by the app).
    pub fn session(&self) -> Option<crate::oauth::Session> {
        use crate::json::FromJson;
        crate::json::parse(&self.text("session")?)
            .and_then(|v| crate::oauth::Session::from_json(&v))
    }
    /// Asks the app to refresh the session: why not, in words, when no new token came.
    pub async fn refresh_why(&self) -> Result<(), String> {
        let answer = match self
            .call("refresh", &JsValue::UNDEFINED)
            .dyn_into::<js_sys::Promise>()
        {
            Ok(p) => wasm_bindgen_futures::JsFuture::from(p).await.ok(),
            Err(_) => None,
        };
        match answer {
            Some(v) if v.as_bool() == Some(true) => Ok(()),
            Some(v) => Err(v.as_string().unwrap_or_else(|| "no answer".into())),
            None => Err("the app did not answer".into()),
        }
    }
    /// Starts a sign-in asking for exactly `scopes`, back to the token inspector.
    pub fn rescope(&self, scopes: &[String]) {
        self.call("rescope", &scopes.join(" ").into());
    }
    pub fn sign_out(&self) {
        self.call("signOut", &JsValue::UNDEFINED);
    }
}

/// The host function from the app's answer to `(method, argument)` (one closure, kept for
/// the page's life: the importer stays loaded once opened).
pub fn host_function(answer: Box<dyn Fn(String, JsValue) -> JsValue>) -> js_sys::Function {
    Closure::wrap(answer).into_js_value().unchecked_into()
}
