//! `/token`: the token inspector. Everything about the current token, masked until asked.
//!
//! It lives in the second WebAssembly module with the importer (it is the largest view, and
//! most visits never open it): the app loads the module when `/token` is opened and calls
//! [`mount`] with its host function (`crate::host`). The session shown is the app's, read
//! through the host each second and after every action; refreshing, signing out and signing
//! in again are the app's too, so there is one session and one refresh for the tab.

use crate::components::CopyButton;
use crate::host::Host;
use leptos::prelude::*;
use pdscope::api::{self, ApiError};
use pdscope::inspect::{self, ScopeStatus, Step};
use pdscope::jwt;
use pdscope::oauth::Session;
use pdscope::timefmt;
use std::time::Duration;

/// The inspector's view of the app: its host, and the session and the sign-in timeline as
/// last read.
#[derive(Clone, Copy)]
struct TokenCtx {
    host: StoredValue<Host, LocalStorage>,
    session: RwSignal<Option<Session>>,
    timeline: RwSignal<Vec<Step>>,
}

impl TokenCtx {
    /// Reads the session and the timeline again; views re-render only for what changed.
    /// Does nothing once the inspector is gone (a refresh may land after it was left).
    fn sync(&self) {
        let Some((now, steps)) = self.host.try_with_value(|h| (h.session(), h.timeline())) else {
            return;
        };
        if self.session.try_with_untracked(|s| *s != now) == Some(true) {
            self.session.try_set(now);
        }
        if self.timeline.try_with_untracked(|t| *t != steps) == Some(true) {
            self.timeline.try_set(steps);
        }
    }
    /// The session as it is now (not tracked).
    fn current(&self) -> Option<Session> {
        self.sync();
        self.session.try_get_untracked().flatten()
    }
    /// Asks the app to refresh, then reads the session again.
    async fn refresh(&self) -> Result<(), String> {
        let Some(host) = self.host.try_get_value() else {
            return Err("the token inspector was closed".into());
        };
        let r = host.refresh_why().await;
        self.sync();
        r
    }
}

/// Mounts the token inspector into `el`; `host` is the app's session (`crate::host`).
pub fn mount(
    el: web_sys::HtmlElement,
    host: js_sys::Function,
) -> leptos::mount::UnmountHandle<impl Mountable> {
    leptos::mount::mount_to(el, move || {
        let host = Host(host);
        provide_context(TokenCtx {
            session: RwSignal::new(host.session()),
            timeline: RwSignal::new(host.timeline()),
            host: StoredValue::new_local(host),
        });
        view! { <Inspector /> }
    })
}

/// Endpoints offered by "Try it".
const ENDPOINTS: &[&str] = &[
    "/users/me",
    "/services?limit=1",
    "/users?limit=1",
    "/services?limit=1&total=true",
];
/// Scopes offered by "Sign in again with more scopes" for Scoped OAuth apps.
const SCOPED_CHOICES: &[&str] = &[
    "services.read",
    "users.read",
    "teams.read",
    "escalation_policies.read",
    "schedules.read",
    "oncalls.read",
    "incidents.read",
    "users:contact_methods.read",
];

/// A scope name with a line-break opportunity after each `:`, `.` and `_` (and nowhere
/// else): `users:contact_methods.write` may wrap as `users:contact_` / `methods.write`.
fn breakable(scope: &str) -> impl IntoView {
    let mut parts = vec![String::new()];
    for c in scope.chars() {
        if let Some(last) = parts.last_mut() {
            last.push(c);
        }
        if matches!(c, ':' | '.' | '_') {
            parts.push(String::new());
        }
    }
    parts
        .into_iter()
        .map(|p| view! { {p}<wbr /> })
        .collect_view()
}

/// A JWT's decoded parts, or why it is not one.
#[component]
pub fn JwtView(
    /// Which token.
    label: &'static str,
    /// The token text.
    token: String,
) -> impl IntoView {
    match jwt::decode(&token) {
        Ok(d) => view! {
            <details>
                <summary>{format!("{label}: JWT, decoded locally, signature not verified")}</summary>
                <h3>"Header"</h3>
                <pre tabindex="0"><code>{serde_json::to_string_pretty(&d.header).unwrap_or_default()}</code></pre>
                <h3>"Claims"</h3>
                <table>
                    <thead><tr><th scope="col">"Claim"</th><th scope="col">"Value"</th></tr></thead>
                    <tbody>
                        {inspect::claim_rows(&d.claims).into_iter().map(|(k, v)| view! {
                            <tr><td><code>{k}</code></td><td>{v}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        }
        .into_any(),
        Err(e) => view! {
            <p>{format!("{label}: opaque ({e}); PagerDuty's access tokens carry no readable claims, so what the token response said is shown instead.")}</p>
        }
        .into_any(),
    }
}

#[component]
fn Inspector() -> impl IntoView {
    let ctx = expect_context::<TokenCtx>();
    let now = RwSignal::new(js_sys::Date::now());
    let tick = move || {
        now.set(js_sys::Date::now());
        ctx.sync();
    };
    if let Ok(h) = set_interval_with_handle(tick, Duration::from_secs(1)) {
        on_cleanup(move || h.clear());
    }
    let revealed = RwSignal::new(false);
    let refresh_result = RwSignal::new(None::<String>);
    let session = move || ctx.session.get();

    let token_card = move || {
        session().map(|s| {
            let full = s.access_token.clone();
            // The token as it is when copied (a refresh may have replaced the one on show).
            let copy_token = Callback::new(move |_| ctx.current().map(|s| s.access_token));
            view! {
                <section class="card">
                    <h1>"Token"</h1>
                    <dl class="facts">
                        <dt>"Access token"</dt>
                        <dd>
                            <code class="token">{move || if revealed.get() { full.clone() } else { inspect::mask(&full) }}</code>
                            " "
                            <button on:click=move |_| revealed.update(|r| *r = !*r)>
                                {move || if revealed.get() { "Hide" } else { "Reveal" }}
                            </button>
                            " "
                            <CopyButton label="Copy" text=copy_token />
                        </dd>
                        <dt>"Token type"</dt><dd>{s.token_type.clone()}</dd>
                        <dt>"Client id"</dt><dd><code>{s.client_id.clone()}</code></dd>
                        <dt>"Region"</dt><dd>{match (s.region, s.region_source) {
                            (Some(r), Some(src)) => format!("{}, {}", r.label(), src.label()),
                            (Some(r), None) => r.label().to_string(),
                            (None, _) => "unknown: neither config.json, the sign-in answer nor the id_token named it".into(),
                        }}</dd>
                        <dt>"API host"</dt><dd><code>{s.api_url.clone().unwrap_or_else(|| "unknown".into())}</code></dd>
                        // (Masked by the app: the inspector never holds the refresh token.)
                        <dt>"Refresh token"</dt><dd>{match s.refresh_token.clone() {
                            Some(t) => view! { <code>{t}</code> }.into_any(),
                            None => "none".into_any(),
                        }}</dd>
                    </dl>
                </section>
            }
        })
    };

    let expiry_card = move || {
        session().map(|s| {
            let n = now.get();
            let expires = s.expires_ms;
            view! {
                <section class="card">
                    <h2>"Expiry and refresh"</h2>
                    <dl class="facts">
                        <dt>"Received"</dt><dd>{timefmt::iso(s.received_ms)}</dd>
                        <dt>"Expires"</dt><dd>{expires.map(timefmt::iso).unwrap_or_else(|| "not stated by the server".into())}</dd>
                        <dt>"Time left"</dt>
                        <dd class=if s.is_expired(n) { "error" } else { "" }>
                            {expires.map(|e| timefmt::countdown(e - n)).unwrap_or_else(|| "unknown".into())}
                        </dd>
                        <dt>"Next automatic refresh"</dt>
                        <dd>{match (s.refresh_due_ms(), &s.refresh_token) {
                            (Some(d), Some(_)) => format!("{} (in {})", timefmt::iso(d), timefmt::countdown(d - n)),
                            (_, None) => "never: no refresh token".into(),
                            (None, _) => "not scheduled: no expiry known".into(),
                        }}</dd>
                        <dt>"Rotations so far"</dt><dd>{s.rotations}</dd>
                        <dt>"Last refresh"</dt><dd>{s.last_refresh.clone().unwrap_or_else(|| "none yet".into())}</dd>
                    </dl>
                </section>
            }
        })
    };

    let scopes_card = move || {
        session().map(|s| {
            let rows = inspect::scope_diff(&s.requested_scopes, &s.granted_scopes);
            let missing = s.missing_scopes();
            view! {
                <section class="card">
                    <h2>"Scopes"</h2>
                    {(!missing.is_empty()).then(|| view! {
                        <p class="warnings">{format!("PagerDuty granted fewer scopes than requested. Missing: {}.", missing.join(", "))}</p>
                    })}
                    // Cards at phone width, like the lists; a scope breaks only after its `:`,
                    // `.` or `_`, never mid-word.
                    <div class="list">
                    <table class="scopes">
                        <thead><tr><th scope="col">"Scope"</th><th scope="col">"Status"</th><th scope="col">"Meaning"</th><th scope="col">"Unlocks"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|(scope, st)| {
                                let status = match st {
                                    ScopeStatus::Granted => "granted",
                                    ScopeStatus::Missing => "requested, not granted",
                                    ScopeStatus::Added => "granted, not requested",
                                };
                                let pages = inspect::pages_unlocked(&scope).join(", ");
                                view! {
                                    <tr>
                                        <td data-col="Scope"><code>{breakable(&scope)}</code></td>
                                        <td data-col="Status">{status}</td>
                                        <td data-col="Meaning">{inspect::describe_scope(&scope)}</td>
                                        <td data-col="Unlocks">{if pages.is_empty() { "—".to_string() } else { pages }}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                </section>
            }
        })
    };

    let id_card = move || {
        session().map(|s| {
            let claims = s.id_claims().unwrap_or_default();
            let get = |k: &str| claims.get(k).map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())).unwrap_or_else(|| "—".into());
            view! {
                <section class="card">
                    <h2>"Account"</h2>
                    <dl class="facts">
                        <dt>"Subdomain"</dt><dd>{s.subdomain.clone().unwrap_or_else(|| get("subdomain"))}</dd>
                        <dt>"Region claim"</dt><dd>{get("region")}</dd>
                        <dt>"Account id"</dt><dd>{get("account_id")}</dd>
                        <dt>"User id"</dt><dd>{get("user_id")}</dd>
                    </dl>
                    <JwtView label="Access token" token=s.access_token.clone() />
                    {s.id_token.clone().map(|t| view! { <JwtView label="id_token" token=t /> })}
                </section>
            }
        })
    };

    let offered: Vec<&'static str> = if ctx.host.with_value(Host::scoped) {
        SCOPED_CHOICES.to_vec()
    } else {
        vec!["read", "write"]
    };
    // Starts from what is granted now, so signing in again never silently drops a scope.
    let granted = ctx
        .session
        .get_untracked()
        .map(|s| s.granted_scopes)
        .unwrap_or_default();
    let choices = inspect::rescope_choices(&offered, &granted);
    let chosen = RwSignal::new(
        choices
            .iter()
            .filter(|c| c.checked)
            .map(|c| c.scope.clone())
            .collect::<Vec<_>>(),
    );
    let actions = view! {
        <section class="card">
            <h2>"Actions"</h2>
            <div class="actions">
                <button on:click=move |_| {
                    refresh_result.set(Some("Refreshing…".into()));
                    leptos::task::spawn_local(async move {
                        let r = ctx.refresh().await;
                        refresh_result.set(Some(match r {
                            Ok(()) => "Refreshed: new access and refresh tokens.".into(),
                            Err(e) => format!("Refresh failed: {e}"),
                        }));
                    });
                }>"Refresh now"</button>
                <button on:click=move |_| ctx.host.with_value(Host::sign_out)>"Revoke and sign out"</button>
            </div>
            <p role="status" aria-live="polite">{move || refresh_result.get()}</p>
            <fieldset>
                <legend>"Sign in again with more scopes"</legend>
                {choices.into_iter().map(|c| {
                    let c2 = c.scope.clone();
                    view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=c.checked on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|v| { v.retain(|x| x != &c2); if on { v.push(c2.clone()); } });
                            } />
                            " " <code>{c.scope.clone()}</code>
                            {c.note.map(|n| view! { " " <span class="muted">{format!("({n})")}</span> })}
                        </label>
                    }
                }).collect_view()}
                <div class="actions">
                    <button class="primary" title="Choose at least one scope" disabled=move || chosen.with(Vec::is_empty) on:click=move |_| {
                        let scopes = chosen.get_untracked();
                        if !scopes.is_empty() {
                            ctx.host.with_value(|h| h.rescope(&scopes));
                        }
                    }>
                        "Sign in again with these scopes"
                    </button>
                </div>

            </fieldset>
        </section>
    };

    view! {
        {token_card}
        {expiry_card}
        {scopes_card}
        <TryIt />
        {id_card}
        {actions}
        <Timeline />
    }
}

/// The result of a "Send".
#[derive(Clone, Debug)]
struct Sent {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    explanation: Option<String>,
}

async fn send(ctx: TokenCtx, session: Session, endpoint: String) -> Result<Sent, ApiError> {
    let api_url = session.api_url.clone().ok_or(ApiError::NoApiUrl)?;
    let resp = pdscope::client::signed_get(&format!("{api_url}{endpoint}"), &session.access_token)
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    let status = resp.status();
    let headers = ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"]
        .iter()
        .map(|h| {
            let v = resp
                .headers()
                .get(h)
                .unwrap_or_else(|| "not readable (the API does not expose it to browsers)".into());
            (h.to_string(), v)
        })
        .collect();
    let text = resp.text().await.unwrap_or_default();
    let explanation = (!(200..300).contains(&status))
        .then(|| api::classify(status, &text, &endpoint, None).to_string());
    if status == 401 {
        let _ = ctx.refresh().await;
    }
    let body = pdscope::json::parse(&text)
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(text);
    Ok(Sent {
        status,
        headers,
        body,
        explanation,
    })
}

/// "Try it": a ready curl command and an in-browser Send.
#[component]
fn TryIt() -> impl IntoView {
    let ctx = expect_context::<TokenCtx>();
    let endpoint = RwSignal::new(ENDPOINTS[0].to_string());
    let result = RwSignal::new(None::<Result<Sent, ApiError>>);
    let curl_masked = move || {
        ctx.session.get().map(|s| {
            inspect::curl_command(
                s.api_url.as_deref().unwrap_or("https://api.pagerduty.com"),
                &endpoint.get(),
                &inspect::mask(&s.access_token),
            )
        })
    };
    view! {
        <section class="card">
            <h2>"Try it"</h2>
            <label>
                "Endpoint "
                <select on:change=move |ev| endpoint.set(event_target_value(&ev))>
                    {ENDPOINTS.iter().map(|e| view! { <option value=*e>{*e}</option> }).collect_view()}
                </select>
            </label>
            <pre tabindex="0"><code>{curl_masked}</code></pre>
            <div class="actions">
                <CopyButton label="Copy curl (with the token)" text=Callback::new(move |_| {
                    ctx.current().map(|s| inspect::curl_command(
                        s.api_url.as_deref().unwrap_or("https://api.pagerduty.com"),
                        &endpoint.get_untracked(),
                        &s.access_token,
                    ))
                }) />
                <button class="primary" on:click=move |_| {
                    let Some(s) = ctx.current() else { return };
                    let e = endpoint.get_untracked();
                    leptos::task::spawn_local(async move { result.set(Some(send(ctx, s, e).await)); });
                }>"Send"</button>
            </div>
            <div role="status" aria-live="polite">
                {move || result.get().map(|r| match r {
                    Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    Ok(sent) => view! {
                        <p><strong>{format!("HTTP {}", sent.status)}</strong></p>
                        {sent.explanation.map(|x| view! { <p class="warnings">{x}</p> })}
                        <dl class="facts">
                            {sent.headers.into_iter().map(|(k, v)| view! { <dt><code>{k}</code></dt><dd>{v}</dd> }).collect_view()}
                        </dl>
                        <pre class="body" tabindex="0"><code>{sent.body}</code></pre>
                    }.into_any(),
                })}
            </div>
        </section>
    }
}

/// The steps of the flow, secrets masked, for people learning OAuth.
#[component]
fn Timeline() -> impl IntoView {
    let ctx = expect_context::<TokenCtx>();
    let steps = move || ctx.timeline.get();
    view! {
        <section class="card">
            <h2>"How this token was obtained"</h2>
            <ol class="timeline">
                {move || steps().into_iter().map(|s| view! {
                    <li>
                        <strong>{s.title}</strong>
                        " "
                        <span class="muted">{timefmt::iso(s.at_ms)}</span>
                        <pre tabindex="0"><code>{s.detail}</code></pre>
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}
