//! `pd-sandbox`: reads the command line, binds the two ports, says where everything is, and
//! serves the identity service and the REST API until Ctrl-C.

use clap::Parser;
use pd_sandbox::data::{
    ADMIN_EMAIL, OFFBOARDING_PEOPLE, PASSWORD, RESPONDER_EMAIL, ROLE_EMAILS, STUB_PLACES, SUBDOMAIN,
};
use pd_sandbox::{api_app, identity_app, try_sandbox, Options};
use std::net::SocketAddr;

#[tokio::main]
async fn main() {
    let mut options = Options::parse();
    if let Err(e) = options.validate() {
        eprintln!("pd-sandbox: {e}");
        std::process::exit(2);
    }
    let bind = |port| async move {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("pd-sandbox: cannot listen on {addr}: {e}");
                std::process::exit(1);
            }
        }
    };
    let identity = bind(options.identity_port).await;
    let api = bind(options.api_port).await;
    // The ports actually bound (port 0 picks one), so that the id_token's aud and iss, the
    // discovery document and the API's links name the URLs the sandbox serves.
    if let Ok(a) = identity.local_addr() {
        options.identity_port = a.port();
    }
    if let Ok(a) = api.local_addr() {
        options.api_port = a.port();
    }
    let shared = match try_sandbox(options.clone()) {
        Ok(shared) => shared,
        Err(e) => {
            eprintln!("pd-sandbox: {e}");
            std::process::exit(2);
        }
    };
    pd_sandbox::jwt::keys();
    println!("pd-sandbox: a local stand-in for PagerDuty");
    println!(
        "  identity service  {}   (authorize, token, revoke, JWKS)",
        options.identity_url()
    );
    println!("  REST API v2       {}", options.api_url());
    println!(
        "  app               {:?} client_id={} redirect_uri={}",
        options.app_type,
        options.client_id,
        options.redirect_uris.join(", ")
    );
    println!(
        "  account           subdomain {SUBDOMAIN}, region {} (id_token aud {}, region {})",
        options.region.code(),
        options.api_url(),
        options.region.claim()
    );
    println!("  id_token iss      {}", options.issuer());
    if !options.callback_params.is_empty() {
        let names: Vec<&str> = options.callback_params.iter().map(|p| p.name()).collect();
        println!("  callback adds     {}", names.join(", "));
    }
    match (&options.state_file, shared.loaded_state) {
        (Some(path), true) => println!(
            "  data              loaded state from {} ({} users, {} services)",
            path.display(),
            shared.data().users.len(),
            shared.data().services.len()
        ),
        _ => println!(
            "  data              {} services, {} users (seed {})",
            shared.data().services.len(),
            shared.data().users.len(),
            options.seed
        ),
    }
    println!(
        "  on call           {} escalation policies, {} schedules; GET gives layers {}",
        shared.data().policies.len(),
        shared.data().schedules.len(),
        match options.schedule_layer_order {
            pd_sandbox::LayerOrder::Reversed => "in the opposite order to PUT (as PagerDuty)",
            pd_sandbox::LayerOrder::Same => "in the order PUT takes them",
        }
    );
    if let Some(path) = &options.state_file {
        println!(
            "  state file        {} (saved after every write)",
            path.display()
        );
    }
    println!("  sign in as        {ADMIN_EMAIL} (sees everything) or {RESPONDER_EMAIL} (team only), password {PASSWORD}");
    // The generated users that carry the other roles have known addresses (data/seed.rs).
    for (role, email) in ROLE_EMAILS {
        if shared.data().user_by_email(email).is_some() {
            println!("                    {email} ({role})");
        }
    }
    if options.scenario == Some(pd_sandbox::Scenario::Offboarding) {
        println!("  scenario          offboarding: people who are hard to take out (password {PASSWORD})");
        for (what, _, email) in OFFBOARDING_PEOPLE {
            if shared.data().user_by_email(email).is_some() {
                println!("                    {email} ({what})");
            }
        }
        println!(
            "                    deleted users' stubs in {}",
            STUB_PLACES.join(", ")
        );
    }
    let shutdown = || async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let a = axum::serve(identity, identity_app(shared.clone())).with_graceful_shutdown(shutdown());
    let b = axum::serve(api, api_app(shared)).with_graceful_shutdown(shutdown());
    let (ra, rb) = tokio::join!(a, b);
    if let Err(e) = ra.and(rb) {
        eprintln!("pd-sandbox: server error: {e}");
        std::process::exit(1);
    }
    println!("pd-sandbox: stopped");
}
