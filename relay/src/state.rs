//! The relay's shared state, built once at start: the configuration, the HTTP client that
//! calls PagerDuty, the rate limiter, the page check and the log sink. `app()` hands each layer its part.

use crate::access_log::LogSink;
use crate::limit::Limiter;
use crate::options::RelayConfig;
use crate::origin::PagePolicy;
use std::sync::Arc;

/// Shared state: configuration, HTTP client, rate windows and the log sink.
pub struct Relay {
    pub config: RelayConfig,
    /// Calls PagerDuty's identity service: the configured timeout, and no redirects (a 307
    /// would send the form, secret included, to wherever it points).
    pub(crate) http: reqwest::Client,
    pub(crate) limiter: Arc<Limiter>,
    /// Which pages may use the relay.
    pub(crate) page: Arc<PagePolicy>,
    pub(crate) log: LogSink,
}

impl Relay {
    /// The state for `config`, logging to `log`; fails only when the HTTP client cannot be
    /// built.
    pub fn new(config: RelayConfig, log: LogSink) -> Result<Arc<Relay>, String> {
        let http = reqwest::Client::builder()
            .timeout(config.upstream_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Arc::new(Relay {
            limiter: Arc::new(Limiter::new(&config)),
            page: Arc::new(PagePolicy::new(&config)),
            config,
            http,
            log,
        }))
    }

    /// How many client addresses the rate limiter currently remembers.
    pub fn tracked_addresses(&self) -> usize {
        self.limiter.tracked_addresses()
    }
}
