//! The app as this module sees it: every question about the session goes through the host
//! function the app hands over (`pdscope::host`), named by [`HostCall`].

use pdscope::host::HostCall;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The app as this module sees it: its session, through the host function (`pdscope::host`).
#[derive(Clone, Debug)]
pub struct Host(pub js_sys::Function);

impl Host {
    fn call(&self, call: HostCall, arg: &JsValue) -> JsValue {
        self.0
            .call2(&JsValue::NULL, &call.name().into(), arg)
            .unwrap_or(JsValue::UNDEFINED)
    }
    fn text(&self, call: HostCall) -> Option<String> {
        self.call(call, &JsValue::UNDEFINED)
            .as_string()
            .filter(|s| !s.is_empty())
    }
    fn words(&self, call: HostCall) -> Vec<String> {
        self.text(call)
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default()
    }
    pub fn api_url(&self) -> Option<String> {
        self.text(HostCall::ApiUrl)
    }
    pub fn token(&self) -> Option<String> {
        self.text(HostCall::Token)
    }
    /// Asks the app to refresh the session; `true` when a new token came.
    pub async fn refresh(&self) -> bool {
        self.refresh_why().await.is_ok()
    }
    pub fn granted(&self) -> Vec<String> {
        self.words(HostCall::Granted)
    }
    pub fn requested(&self) -> Vec<String> {
        self.words(HostCall::Requested)
    }
    pub fn scoped(&self) -> bool {
        self.call(HostCall::Scoped, &JsValue::UNDEFINED)
            .as_bool()
            .unwrap_or(false)
    }
    pub fn role(&self) -> Option<String> {
        self.text(HostCall::Role)
    }
    pub fn who(&self) -> String {
        self.text(HostCall::Who)
            .unwrap_or_else(|| "the signed-in user".into())
    }
    /// The signed-in person's e-mail as PagerDuty has it, for the `From` header PagerDuty
    /// wants on incident updates (never parsed out of a name someone may choose).
    pub fn email(&self) -> Option<String> {
        self.text(HostCall::Email)
    }
    pub fn sign_in(&self, scopes: &[String]) {
        self.call(HostCall::SignIn, &scopes.join(" ").into());
    }
    /// The session for the token inspector (its refresh token masked by the app).
    pub fn session(&self) -> Option<pdscope::oauth::Session> {
        use pdscope::json::FromJson;
        pdscope::json::parse(&self.text(HostCall::Session)?)
            .and_then(|v| pdscope::oauth::Session::from_json(&v))
    }
    /// Asks the app to refresh the session: why not, in words, when no new token came.
    pub async fn refresh_why(&self) -> Result<(), String> {
        let answer = match self
            .call(HostCall::Refresh, &JsValue::UNDEFINED)
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
        self.call(HostCall::Rescope, &scopes.join(" ").into());
    }
    /// The recorded steps of the last sign-in (secrets masked by the app).
    pub fn timeline(&self) -> Vec<pdscope::inspect::Step> {
        use pdscope::json::FromJson;
        self.text(HostCall::Timeline)
            .and_then(|t| pdscope::json::parse(&t))
            .and_then(|v| v.as_array().cloned())
            .map(|a| {
                a.iter()
                    .filter_map(pdscope::inspect::Step::from_json)
                    .collect()
            })
            .unwrap_or_default()
    }
    /// Asks the app to reload its configuration (a client id was imported or forgotten in
    /// this tab) and to tell the person `said`.
    pub fn reload_config(&self, said: &str) {
        self.call(HostCall::ReloadConfig, &said.into());
    }
    pub fn sign_out(&self) {
        self.call(HostCall::SignOut, &JsValue::UNDEFINED);
    }
}
