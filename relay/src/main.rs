//! The pd-token-relay binary: reads its options from flags, environment and files (the secret
//! never from a flag), refuses unsafe ones with exit status 2, and serves the relay's router.

use clap::Parser;
use pd_token_relay::{
    app, check_allow_origin, check_identity_url, read_credentials_json, Cidr, Relay, RelayConfig,
    DEFAULT_MAX_TRACKED,
};
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
    /// The page is on another site than the relay (another registrable domain, or http
    /// against https), so its browser marks requests `Sec-Fetch-Site: cross-site`. Without
    /// this flag such requests are refused, even from an allowed origin.
    #[arg(long, env = "PD_RELAY_ALLOW_CROSS_SITE")]
    allow_cross_site: bool,
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
    /// Seconds a request body may take to arrive whole (a token request is a few hundred
    /// bytes). Every request is answered within this plus the upstream timeout plus 5 s.
    #[arg(long, default_value_t = 5)]
    body_timeout_secs: u64,
    /// A proxy in front of the relay (an address or CIDR block, e.g. 127.0.0.1 or
    /// 10.0.0.0/8). Repeatable. Only from these is X-Forwarded-For believed, and its client
    /// address is the rightmost entry that is not one of them (none: the connection's own).
    /// Every host in these blocks is believed as a proxy: name only your proxies.
    #[arg(
        long = "trusted-proxy",
        value_name = "CIDR",
        env = "PD_RELAY_TRUSTED_PROXY",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<Cidr>,
    /// Removed: it believed the leftmost X-Forwarded-For entry, which the client writes.
    #[arg(long, hide = true)]
    trust_forwarded_for: bool,
}

fn fail(msg: &str) -> ! {
    eprintln!("pd-token-relay: {msg}");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if args.trust_forwarded_for {
        fail(
            "--trust-forwarded-for was removed: it believed the leftmost X-Forwarded-For entry, \
             which the client writes. Use --trusted-proxy CIDR (repeatable) with your proxy's \
             address, e.g. --trusted-proxy 127.0.0.1, and have the proxy set X-Forwarded-For",
        );
    }
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
    for origin in &args.allow_origins {
        check_allow_origin(origin).unwrap_or_else(|e| fail(&e));
    }
    let identity = check_identity_url(&args.identity_url).unwrap_or_else(|e| fail(&e));
    let upstream_timeout = Duration::from_secs(args.timeout_secs.max(1));
    let body_timeout = Duration::from_secs(args.body_timeout_secs.max(1));
    let config = RelayConfig {
        identity_url: identity.clone(),
        client_id: client_id.clone(),
        client_secret: secret,
        allow_origins: args.allow_origins.clone(),
        per_minute: args.rate_limit.max(1),
        upstream_timeout,
        trusted_proxies: args.trusted_proxies.clone(),
        max_tracked: DEFAULT_MAX_TRACKED,
        allow_cross_site: args.allow_cross_site,
        body_timeout,
        // A backstop: the body and upstream timeouts answer first, with their own errors.
        request_timeout: body_timeout + upstream_timeout + Duration::from_secs(5),
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
