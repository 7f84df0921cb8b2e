//! The seam between the app and its second WebAssembly module (`ondemand/`: Import and the
//! token inspector, loaded only when someone opens them, so the first load stays small).
//!
//! The app owns the session: the module never refreshes tokens itself, so there is one
//! refresh (one rotation of the refresh token) for both. The app hands the module one
//! JavaScript function, `host(method, argument)`, made by [`host_function`]; the module calls
//! it with a [`HostCall`]'s name. The app calls the module's entry points by [`Entry`]. Both
//! sides name the calls through these enums, never by hand-written strings:
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
//! | `timeline()` | the recorded sign-in steps as JSON (secrets masked), for the token inspector |
//! | `reloadConfig(said)` | reloads the configuration (a client id imported or forgotten in this tab) and tells the person `said`; the only call answered on the setup screen |

/// What the module may ask the app (see the module's table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostCall {
    ApiUrl,
    Token,
    Session,
    Timeline,
    Refresh,
    Granted,
    Requested,
    Scoped,
    Role,
    Who,
    /// The signed-in person's e-mail exactly as PagerDuty has it (for `From`).
    Email,
    SignIn,
    Rescope,
    SignOut,
    ReloadConfig,
}

impl HostCall {
    pub const ALL: [HostCall; 15] = [
        HostCall::ApiUrl,
        HostCall::Token,
        HostCall::Session,
        HostCall::Timeline,
        HostCall::Refresh,
        HostCall::Granted,
        HostCall::Requested,
        HostCall::Scoped,
        HostCall::Role,
        HostCall::Who,
        HostCall::Email,
        HostCall::SignIn,
        HostCall::Rescope,
        HostCall::SignOut,
        HostCall::ReloadConfig,
    ];

    /// The name that crosses the seam.
    pub fn name(self) -> &'static str {
        match self {
            HostCall::ApiUrl => "apiUrl",
            HostCall::Token => "token",
            HostCall::Session => "session",
            HostCall::Timeline => "timeline",
            HostCall::Refresh => "refresh",
            HostCall::Granted => "granted",
            HostCall::Requested => "requested",
            HostCall::Scoped => "scoped",
            HostCall::Role => "role",
            HostCall::Who => "who",
            HostCall::Email => "email",
            HostCall::SignIn => "signIn",
            HostCall::Rescope => "rescope",
            HostCall::SignOut => "signOut",
            HostCall::ReloadConfig => "reloadConfig",
        }
    }

    /// The call a name names; `None` for anything else (answered with `undefined`).
    pub fn from_name(name: &str) -> Option<HostCall> {
        HostCall::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// The module's entry points, exported by `ondemand/src/lib.rs` under these names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// `mount(el, host)`: the Import page into `el`.
    Mount,
    /// `unmount()`: the Import page goes, a run in progress is cancelled.
    Unmount,
    /// `mount_token(el, host)`: the token inspector into `el` (a new one replaces the last).
    MountToken,
    /// `unmount_token()`: the token inspector goes.
    UnmountToken,
    /// `export_for_import(kind, host)`: a promise of what was exported, in words.
    ExportForImport,
    /// `export_routing_keys(host)`: a promise of what was exported, in words.
    ExportRoutingKeys,
    /// `mount_user_extras(el, host, user_id)`: the user page's notification rules and team
    /// roles (what an import writes) into `el` (a new one replaces the last).
    MountUserExtras,
    /// `unmount_user_extras()`: they go.
    UnmountUserExtras,
    /// `mount_credentials(el, host)`: the credentials file picker into `el` (the setup screen,
    /// the home page's "Use another PagerDuty app").
    MountCredentials,
    /// `unmount_credentials()`: it goes.
    UnmountCredentials,
    /// `offboard_soon(emails)`: the Import page opens on offboarding with a file of these
    /// people (one e-mail a line) checked, when it is next shown.
    OffboardSoon,
    /// `mount_audit(el, host)`: the Audit page into `el` (a new one replaces the last).
    MountAudit,
    /// `unmount_audit()`: it goes.
    UnmountAudit,
}

impl Entry {
    /// The exported function's name.
    pub fn name(self) -> &'static str {
        match self {
            Entry::Mount => "mount",
            Entry::Unmount => "unmount",
            Entry::MountToken => "mount_token",
            Entry::UnmountToken => "unmount_token",
            Entry::ExportForImport => "export_for_import",
            Entry::ExportRoutingKeys => "export_routing_keys",
            Entry::MountUserExtras => "mount_user_extras",
            Entry::UnmountUserExtras => "unmount_user_extras",
            Entry::MountCredentials => "mount_credentials",
            Entry::UnmountCredentials => "unmount_credentials",
            Entry::OffboardSoon => "offboard_soon",
            Entry::MountAudit => "mount_audit",
            Entry::UnmountAudit => "unmount_audit",
        }
    }

    /// The entry that removes what a mounting entry mounted (itself for the others).
    pub fn unmount(self) -> Entry {
        match self {
            Entry::Mount => Entry::Unmount,
            Entry::MountToken => Entry::UnmountToken,
            Entry::MountUserExtras => Entry::UnmountUserExtras,
            Entry::MountCredentials => Entry::UnmountCredentials,
            Entry::MountAudit => Entry::UnmountAudit,
            other => other,
        }
    }
}

/// The host function from the app's answer to `(call, argument)` (one closure, kept for the
/// page's life). A name that is no [`HostCall`] is answered with `undefined`.
#[cfg(target_arch = "wasm32")]
pub fn host_function(
    answer: Box<dyn Fn(HostCall, wasm_bindgen::JsValue) -> wasm_bindgen::JsValue>,
) -> js_sys::Function {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    let f = move |name: String, arg: JsValue| match HostCall::from_name(&name) {
        Some(call) => answer(call, arg),
        None => JsValue::UNDEFINED,
    };
    Closure::<dyn Fn(String, JsValue) -> JsValue>::new(f)
        .into_js_value()
        .unchecked_into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_crosses_the_seam_by_its_own_name() {
        for c in HostCall::ALL {
            assert_eq!(HostCall::from_name(c.name()), Some(c));
        }
        let mut names: Vec<&str> = HostCall::ALL.iter().map(|c| c.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), HostCall::ALL.len(), "names are unique");
        assert_eq!(HostCall::from_name("mount_token"), None);
        assert_eq!(HostCall::from_name("Token"), None);
    }
}
