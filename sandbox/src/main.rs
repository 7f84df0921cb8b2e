use clap::Parser;
use pd_sandbox::data::{ADMIN_EMAIL, PASSWORD, RESPONDER_EMAIL};
use pd_sandbox::{api_app, identity_app, sandbox, Options};
use std::net::SocketAddr;

#[tokio::main]
async fn main() {
    let options = Options::parse();
    if let Err(e) = options.validate() {
        eprintln!("pd-sandbox: {e}");
        std::process::exit(2);
    }
    let shared = sandbox(options.clone());
    pd_sandbox::jwt::keys();
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
    let (ip, ap) = (
        identity.local_addr().map(|a| a.port()).unwrap_or(0),
        api.local_addr().map(|a| a.port()).unwrap_or(0),
    );
    println!("pd-sandbox: a local stand-in for PagerDuty");
    println!("  identity service  http://127.0.0.1:{ip}   (authorize, token, revoke, JWKS)");
    println!("  REST API v2       http://127.0.0.1:{ap}");
    println!(
        "  app               {:?} client_id={} redirect_uri={}",
        options.app_type,
        options.client_id,
        options.redirect_uris.join(", ")
    );
    println!(
        "  data              {} services, {} users (seed {})",
        shared.data.services.len(),
        shared.data.users.len(),
        options.seed
    );
    println!("  sign in as        {ADMIN_EMAIL} (sees everything) or {RESPONDER_EMAIL} (team only), password {PASSWORD}");
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
