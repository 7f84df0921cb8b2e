use clap::Parser;
use pd_token_relay::{app, read_credentials_json, Relay, RelayConfig};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Holds a PagerDuty Scoped OAuth app's client secret and forwards only the token and
/// revoke requests of one client id. The secret comes from PD_CLIENT_SECRET, a file or the
/// credentials JSON PagerDuty offers at app registration: never from a flag, which other
/// users of the machine could read from the process list.
#[derive(Parser, Debug)]
#[command(name = "pd-token-relay", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "PD_RELAY_LISTEN", default_value = "127.0.0.1:8790")]
    listen: SocketAddr,
    /// PagerDuty's identity service (or a sandbox).
    #[arg(
        long,
        env = "PD_IDENTITY_URL",
        default_value = "https://identity.pagerduty.com"
    )]
    identity_url: String,
    /// The one client id this relay serves.
    #[arg(long, env = "PD_CLIENT_ID")]
    client_id: Option<String>,
    /// An origin allowed to call the relay (e.g. https://intranet.example). Repeatable.
    #[arg(
        long = "allow-origin",
        env = "PD_RELAY_ALLOW_ORIGIN",
        value_delimiter = ','
    )]
    allow_origins: Vec<String>,
    /// A file holding the client secret.
    #[arg(long)]
    client_secret_file: Option<String>,
    /// The JSON file PagerDuty offers at app registration (client id and secret).
    #[arg(long)]
    credentials_json: Option<String>,
    /// Requests per client address per minute.
    #[arg(long, default_value_t = 60)]
    rate_limit: usize,
    /// Upstream timeout in seconds.
    #[arg(long, default_value_t = 10)]
    timeout_secs: u64,
    /// Take the client address from X-Forwarded-For (only behind your own proxy).
    #[arg(long)]
    trust_forwarded_for: bool,
}

fn fail(msg: &str) -> ! {
    eprintln!("pd-token-relay: {msg}");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let (mut client_id, mut secret) = (args.client_id.clone(), None);
    if let Some(path) = &args.credentials_json {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| fail(&format!("cannot read {path}: {e}")));
        let (id, s) = read_credentials_json(&text).unwrap_or_else(|e| fail(&e));
        client_id = client_id.or(id);
        secret = s;
    }
    if let Some(path) = &args.client_secret_file {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| fail(&format!("cannot read {path}: {e}")));
        secret = Some(text.trim().to_string());
    }
    if let Ok(s) = std::env::var("PD_CLIENT_SECRET") {
        secret = secret.or(Some(s));
    }
    let client_id = client_id.filter(|c| !c.is_empty()).unwrap_or_else(|| {
        fail("--client-id (or PD_CLIENT_ID, or --credentials-json) is required")
    });
    let secret = secret.filter(|s| !s.is_empty()).unwrap_or_else(|| {
        fail("no client secret: set PD_CLIENT_SECRET, --client-secret-file or --credentials-json")
    });
    if args.allow_origins.is_empty() {
        fail("--allow-origin is required: the origin your pdscope page is served from");
    }
    let identity = args.identity_url.trim_end_matches('/').to_string();
    let loopback = identity.starts_with("http://127.")
        || identity.starts_with("http://localhost")
        || identity.starts_with("http://[::1]");
    if !identity.starts_with("https://") && !loopback {
        fail("--identity-url must be https (plain http only on loopback)");
    }
    let config = RelayConfig {
        identity_url: identity.clone(),
        client_id: client_id.clone(),
        client_secret: secret,
        allow_origins: args.allow_origins.clone(),
        per_minute: args.rate_limit.max(1),
        upstream_timeout: Duration::from_secs(args.timeout_secs.max(1)),
        trust_forwarded_for: args.trust_forwarded_for,
    };
    let relay =
        Relay::new(config, Arc::new(|line| eprintln!("{line}"))).unwrap_or_else(|e| fail(&e));
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .unwrap_or_else(|e| fail(&format!("cannot listen on {}: {e}", args.listen)));
    println!(
        "pd-token-relay: http://{} -> {identity} for client {client_id}, origins {}",
        args.listen,
        args.allow_origins.join(", ")
    );
    let serve = axum::serve(
        listener,
        app(relay).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    if let Err(e) = serve.await {
        fail(&format!("server error: {e}"));
    }
}
