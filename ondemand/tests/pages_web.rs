//! Browser tests of the on-demand module's pages (Import, the token inspector's views),
//! mounted with a host function like the one the app hands them.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use pdscope::host::{host_function, HostCall};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

#[path = "../../tests/common/mod.rs"]
mod common;

wasm_bindgen_test_configure!(run_in_browser);

/// A host with no session (signed out): the check works without one.
fn signed_out_host() -> js_sys::Function {
    host_function(Box::new(|call: HostCall, _| match call {
        HostCall::Refresh => js_sys::Promise::resolve(&JsValue::FALSE).into(),
        HostCall::Scoped => JsValue::FALSE,
        _ => JsValue::UNDEFINED,
    }))
}

fn click(el: &web_sys::HtmlElement, text: &str) {
    let buttons = el.get_elements_by_tag_name("button");
    let b = (0..buttons.length())
        .filter_map(|i| buttons.item(i))
        .find(|b| b.text_content().as_deref() == Some(text))
        .unwrap_or_else(|| panic!("no button {text}"));
    b.unchecked_into::<web_sys::HtmlElement>().click();
}

/// Pastes `text` into the page's CSV box and presses "Check pasted text".
async fn paste_and_check(el: &web_sys::HtmlElement, text: &str) {
    let textarea: web_sys::HtmlTextAreaElement = el
        .query_selector("textarea")
        .unwrap()
        .unwrap()
        .unchecked_into();
    textarea.set_value(text);
    textarea
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    click(el, "Check pasted text");
    common::sleep(50).await;
}

#[wasm_bindgen_test]
async fn hostile_csv_text_is_shown_as_text_and_every_problem_named() {
    let el = common::container();
    let _h = pdscope_ondemand::pages::bulk::mount(el.clone(), signed_out_host());
    let hostile = "name,email,role\n\"<img src=x onerror=alert(1)>\",\"<b>x</b>@example.com\",<script>alert(2)</script>\nAda,ada@example.com,Responder\n";
    paste_and_check(&el, hostile).await;
    let text = el.text_content().unwrap();
    assert!(
        text.contains("pasted text: read as pdscope users. 2 users: 1 ready, 1 with problems."),
        "{text}"
    );
    assert!(
        text.contains("<script>alert(2)</script>\" is not a PagerDuty role"),
        "{text}"
    );
    assert!(text.contains("<b>x</b>@example.com"), "{text}");
    // Text, not markup: no element came from the file.
    assert!(el.query_selector("img").unwrap().is_none());
    assert!(el.query_selector("script").unwrap().is_none());
    assert!(el.query_selector("td b").unwrap().is_none());
    // Signed out, the plan step asks for sign-in rather than failing.
    assert!(
        text.contains("Sign in to compare the file with your PagerDuty account."),
        "{text}"
    );
}

#[wasm_bindgen_test]
async fn a_file_that_is_not_csv_says_why() {
    let el = common::container();
    let _h = pdscope_ondemand::pages::bulk::mount(el.clone(), signed_out_host());
    paste_and_check(&el, "name,title\nAda,SRE\n").await;
    let alert = el.query_selector("[role=alert]").unwrap().unwrap();
    assert!(
        alert
            .text_content()
            .unwrap()
            .contains("pasted text: The file has no email column."),
        "{:?}",
        alert.text_content()
    );
}

#[wasm_bindgen_test]
fn jwts_are_decoded_locally_and_opaque_tokens_say_so() {
    let el = common::container();
    // {"alg":"RS256"} . {"exp":1646086260,"sub":"<b>x</b>"}
    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE2NDYwODYyNjAsInN1YiI6IjxiPng8L2I-In0.sig";
    let _h = leptos::mount::mount_to(el.clone(), move || {
        view! {
            <pdscope_ondemand::pages::token::JwtView label="id_token" token=jwt.to_string() />
            <pdscope_ondemand::pages::token::JwtView label="Access token" token="pdus+_0XBPWQQ_b2b2060b".to_string() />
        }
    });
    let text = el.text_content().unwrap();
    assert!(
        text.contains("id_token: JWT, decoded locally, signature not verified"),
        "{text}"
    );
    assert!(
        text.contains("2022-02-28 22:11:00 UTC (1646086260)"),
        "{text}"
    );
    assert!(text.contains("<b>x</b>"), "claims are text: {text}");
    assert!(
        el.query_selector("b").unwrap().is_none(),
        "claims never become markup"
    );
    assert!(text.contains("Access token: opaque"), "{text}");
}

fn texts(el: &web_sys::HtmlElement, selector: &str) -> Vec<String> {
    let list = el.query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.text_content().unwrap_or_default())
        .collect()
}

#[wasm_bindgen_test]
async fn the_plan_filters_by_action_changes_first_and_the_search_skips_the_action() {
    use pdscope::bulk::filter::PLAN_ORDER;
    use pdscope::components::table::Columns;
    const COLUMNS: Columns = &[
        ("line", "line"),
        ("row", "row"),
        ("status", "action"),
        ("what", "what it will do"),
    ];
    let el = common::container();
    let row = |l: &str, k: &str, a: &str, w: &str| vec![l.into(), k.into(), a.into(), w.into()];
    let rows = vec![
        row("2", "haddad@example.com", "unchanged", ""),
        row("3", "bo@example.com", "add", "join team Ops"),
        row(
            "4",
            "cy@example.com",
            "create",
            "Gives Global Admin: create Cy",
        ),
    ];
    let _h = leptos::mount::mount_to(el.clone(), move || {
        view! {
            <pdscope_ondemand::pages::bulk::rows::FilteredTable
                label="Plan" columns=COLUMNS rows=rows classes=vec!["", "", "attention"]
                order=PLAN_ORDER noun="plan" />
        }
    });
    common::sleep(10).await;
    // Changes first: create, add, then unchanged.
    assert_eq!(
        texts(&el, "tbody td[data-col=row]"),
        ["cy@example.com", "bo@example.com", "haddad@example.com"]
    );
    assert_eq!(
        texts(&el, "tr.attention td[data-col=row]"),
        ["cy@example.com"]
    );
    // Typing "add" finds Haddad, not the row being added.
    let search: web_sys::HtmlInputElement = el
        .query_selector("input[type=search]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    search.set_value("add");
    search
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    common::sleep(10).await;
    assert_eq!(texts(&el, "tbody td[data-col=row]"), ["haddad@example.com"]);
    search.set_value("");
    search
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    // The filter picks the action, with how many rows have it.
    let select: web_sys::HtmlSelectElement = el
        .query_selector("select")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(
        texts(&el, "option"),
        ["all (3)", "create (1)", "add (1)", "unchanged (1)"]
    );
    select.set_value("add");
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    common::sleep(10).await;
    assert_eq!(texts(&el, "tbody td[data-col=row]"), ["bo@example.com"]);
    // At phone width the table reads as cards, like the lists.
    assert!(el.query_selector(".list .table-wrap").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn the_templates_example_rows_are_refused() {
    let el = common::container();
    let _h = pdscope_ondemand::pages::bulk::mount(el.clone(), signed_out_host());
    paste_and_check(&el, &pdscope::bulk::template(pdscope::bulk::Kind::Users)).await;
    let text = el.text_content().unwrap();
    assert!(
        text.contains("2 users: 0 ready, 2 with problems."),
        "{text}"
    );
    assert!(
        text.contains(
            "this is the template's example row; replace it with a real person or delete it"
        ),
        "{text}"
    );
}

#[wasm_bindgen_test]
async fn suggested_values_are_offered_and_used() {
    let el = common::container();
    let _h = pdscope_ondemand::pages::bulk::mount(el.clone(), signed_out_host());
    paste_and_check(
        &el,
        "name,email,role,country_code,phone_number\nAda,ada@example.com,Responer,44,07700 900123\n",
    )
    .await;
    let text = el.text_content().unwrap();
    assert!(text.contains("did you mean Responder?"), "{text}");
    assert!(text.contains("pdscope proposes 2 values"), "{text}");
    click(&el, "Use the suggested values");
    common::sleep(50).await;
    let text = el.text_content().unwrap();
    assert!(
        text.contains("pasted text (suggested values): read as pdscope users. 1 user: 1 ready, 0 with problems."),
        "{text}"
    );
    assert!(!text.contains("Use the suggested values"), "{text}");
}

/// A signed-in host whose API is the fixture files under `ondemand/tests/fixtures/api` (the
/// test server serves them and ignores the query string).
fn fixture_host() -> js_sys::Function {
    let api = format!(
        "{}/tests/fixtures/api",
        web_sys::window().unwrap().location().origin().unwrap()
    );
    host_function(Box::new(move |call: HostCall, _| match call {
        HostCall::ApiUrl => JsValue::from(api.clone()),
        HostCall::Token => JsValue::from("t"),
        HostCall::Refresh => js_sys::Promise::resolve(&JsValue::FALSE).into(),
        _ => JsValue::UNDEFINED,
    }))
}

#[wasm_bindgen_test]
async fn the_user_page_shows_the_notification_rules_and_team_roles_an_import_writes() {
    let el = common::container();
    let _h = pdscope_ondemand::pages::user::mount(el.clone(), fixture_host(), "U1".into());
    assert!(el
        .text_content()
        .unwrap()
        .contains("Reading the notification rules"));
    for _ in 0..100 {
        if el.text_content().unwrap_or_default().contains("Team roles") {
            break;
        }
        common::sleep(20).await;
    }
    assert_eq!(
        texts(&el, "tbody tr"),
        vec![
            "after 3 minuteshighphone +44 7700900123",
            "at oncelowemail ada@example.com",
            "Payments <b>x</b>responder",
        ]
    );
    assert!(
        el.query_selector("td b").unwrap().is_none(),
        "names stay text"
    );
}

#[wasm_bindgen_test]
fn a_missing_scope_is_named_and_the_rest_still_shows() {
    use pdscope::api::ApiError;
    use pdscope_ondemand::pages::user::{extras_view, not_shown, Extras};
    let el = common::container();
    let lacks = ApiError::MissingScope {
        required: vec!["users:contact_methods.read".into()],
        granted: vec!["users.read".into()],
    };
    let x = Extras {
        who: ("<b>Ana</b>".into(), "ana+x@example.com".into()),
        rules: Err(not_shown("Notification rules", &lacks)),
        roles: Ok(vec![("Payments".into(), None)]),
    };
    let _h = leptos::mount::mount_to(el.clone(), move || extras_view(x.clone()));
    let alert = el.query_selector("[role=alert]").unwrap().unwrap();
    assert_eq!(
        alert.text_content().unwrap(),
        "Notification rules are not shown: this token lacks users:contact_methods.read. The token page can sign in again with it."
    );
    assert_eq!(
        texts(&el, "tbody tr"),
        vec!["Paymentsnot listed among its members"]
    );
    // "Offboard…" names the person as text and carries the e-mail encoded.
    let link = el.query_selector("a[href^='../import']").unwrap().unwrap();
    assert_eq!(link.text_content().unwrap(), "Offboard <b>Ana</b>…");
    assert_eq!(
        link.get_attribute("href").unwrap(),
        "../import?offboard=ana%2Bx%40example.com"
    );
    assert!(el.query_selector("b").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn a_routing_key_shows_dots_until_revealed() {
    use pdscope::bulk::services::keys::Key;
    let el = common::container();
    let key = "0123456789abcdef0123456789abcdef";
    let _h = leptos::mount::mount_to(el.clone(), move || {
        view! {
            <pdscope_ondemand::components::MaskedKey
                secret=Key::new(key.to_string())
                label="routing key of Web".to_string()
            />
        }
    });
    common::sleep(20).await;
    let code = || {
        el.query_selector("code")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap()
    };
    assert_eq!(code(), "•".repeat(32));
    assert!(!el.inner_html().contains(key), "{}", el.inner_html());
    let button = el.query_selector("button").unwrap().unwrap();
    assert_eq!(
        button.get_attribute("aria-label").as_deref(),
        Some("Reveal routing key of Web")
    );
    click(&el, "Reveal");
    common::sleep(20).await;
    assert_eq!(code(), key);
    click(&el, "Hide");
    common::sleep(20).await;
    assert_eq!(code(), "•".repeat(32));
}

/// An account with a hostile name in every kind of object the Audit page shows, a person
/// nothing pages and a deleted user's placeholder.
fn hostile_account() -> pdscope::audit::account::Account {
    use pdscope::audit::account::{Account, Service, User};
    use pdscope::bulk::offboard::oncall::{self, Policy};
    use pdscope::json::FromJson;
    use serde_json::json;
    let bad = "<img src=x onerror=alert(1)>";
    let user = |id: &str, name: &str, role: &str| {
        User::from_json(&json!({"id": id, "name": name, "email": format!("{id}@example.com"), "role": role,
            "html_url": format!("https://acme.pagerduty.com/users/{id}"),
            "contact_methods": [{"id": "C1", "type": "email_contact_method", "address": "<b>x</b>@example.com"}],
            "notification_rules": [{"id": "R1", "urgency": "high", "contact_method": {"id": "C1", "type": "email_contact_method_reference"}}]}))
        .unwrap()
    };
    Account {
        users: vec![user("PU1", bad, "admin"), user("PU2", "Ada", "limited_user")],
        teams: Default::default(),
        team_roles: Default::default(),
        services: vec![Service::from_json(&json!({"id": "PS1", "name": bad, "html_url": "javascript:alert(2)",
            "escalation_policy": {"id": "PP1"}, "teams": [], "integrations": []})).unwrap()],
        policies: vec![Policy::from_json(&json!({"id": "PP1", "name": bad, "escalation_rules": [
            {"id": "R", "targets": [{"id": "PU1", "type": "user_reference", "self": "https://x"}]},
            {"id": "R2", "targets": [{"id": "PGONE01", "type": "user_reference", "summary": format!("{bad} Former"), "self": null, "deleted_at": "2025-11-03T16:20:00Z"}]}]})).unwrap()],
        schedules: vec![oncall::schedule(&json!({"id": "PX1", "name": "Nights", "schedule_layers": []}), 0.0).unwrap()],
        licences: Err("PagerDuty did not let this token read the licences".into()),
        cut: vec![],
    }
}

#[wasm_bindgen_test]
async fn the_audit_shows_hostile_names_as_text_filters_by_finding_and_links_replace_to_offboarding()
{
    let el = common::container();
    let audit = pdscope::audit::audit(&hostile_account());
    let _h = leptos::mount::mount_to(el.clone(), move || {
        pdscope_ondemand::pages::audit::audit_view(audit)
    });
    common::sleep(30).await;
    let text = el.text_content().unwrap();
    assert!(text.contains("<img src=x onerror=alert(1)>"), "{text}");
    assert!(text.contains("<b>x</b>@example.com"));
    assert!(
        el.query_selector("img").unwrap().is_none(),
        "no element from a name"
    );
    assert!(el.query_selector("b").unwrap().is_none());
    assert!(
        text.contains("did not let this token read the licences"),
        "the refusal is said"
    );
    // Only https links: the service's javascript: URL is in no href.
    assert!(!el.inner_html().contains("javascript:"));
    // The people table links each row to the person's page.
    let people = el
        .query_selector("[aria-label='People table']")
        .unwrap()
        .unwrap();
    let links = people.query_selector_all("a").unwrap();
    assert_eq!(links.length(), 2);
    assert_eq!(
        links
            .item(1)
            .unwrap()
            .unchecked_into::<web_sys::Element>()
            .get_attribute("href")
            .as_deref(),
        Some("/users/PU2")
    );
    // "Admins" keeps only the admin.
    let select: web_sys::HtmlSelectElement = el
        .query_selector("select")
        .unwrap()
        .unwrap()
        .unchecked_into();
    select.set_value("Admins");
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    common::sleep(30).await;
    let rows = people.query_selector_all("tbody tr").unwrap();
    assert_eq!(rows.length(), 1);
    assert!(rows
        .item(0)
        .unwrap()
        .text_content()
        .unwrap()
        .contains("PU1@example.com"));
    // Replace… names the placeholder's id for the offboarding file.
    let replace = el.query_selector(".placeholders a").unwrap().unwrap();
    assert_eq!(
        replace.get_attribute("href").as_deref(),
        Some("/import?offboard=PGONE01")
    );
    assert_eq!(
        replace.text_content().unwrap(),
        "Replace <img src=x onerror=alert(1)> Former…"
    );
}
