//! Who may use the relay: the pdscope page at one of the `--allow-origin` origins. As
//! middleware on the two forwarding routes, inside the rate limit (a refused request still
//! costs its sender) and before the body is read, it refuses a request whose `Origin` is
//! missing or not exactly an allowed origin, and one the browser marks `Sec-Fetch-Site:
//! cross-site` unless the relay was told the page lives on another site.
//!
//! What this can and cannot do: a browser always sends `Origin` on a POST and a page cannot
//! change it, so another web page (and any script in a browser) is refused whatever CORS
//! would have let it read. A program outside a browser writes whatever headers it likes, so
//! it only has to copy the allowed origin: the check raises the bar for drive-by use, it is no
//! authentication. A stolen refresh token stays redeemable by whoever can set a header, until
//! PagerDuty rotates or expires it.

use crate::error::RelayError;
use crate::options::RelayConfig;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The request header in which a browser says where a request comes from relative to its
/// target (Fetch Metadata): `same-origin`, `same-site`, `cross-site` or `none`.
const SEC_FETCH_SITE: &str = "sec-fetch-site";

/// The allowed page origins and whether the page may be on another site than the relay.
pub(crate) struct PagePolicy {
    origins: Vec<String>,
    allow_cross_site: bool,
}

impl PagePolicy {
    pub(crate) fn new(config: &RelayConfig) -> PagePolicy {
        PagePolicy {
            origins: config.allow_origins.clone(),
            allow_cross_site: config.allow_cross_site,
        }
    }

    /// `Ok` for a request from the page: one `Origin`, byte for byte an allowed origin (as the
    /// browser serializes it: no path, no trailing slash, lower-case), and not `cross-site`
    /// unless allowed (nor `none`, which no page's fetch sends). A browser without Fetch Metadata sends no `Sec-Fetch-Site`: that passes.
    fn check(&self, headers: &HeaderMap) -> Result<(), RelayError> {
        let mut origins = headers.get_all(header::ORIGIN).iter();
        let origin = match (origins.next(), origins.next()) {
            (Some(o), None) => o.as_bytes(),
            _ => return Err(RelayError::NotFromPage),
        };
        if !self.origins.iter().any(|o| o.as_bytes() == origin) {
            return Err(RelayError::NotFromPage);
        }
        // What a page's fetch sends: `same-origin` or `same-site`, and `cross-site` from a page
        // on another site than the relay. `none` (typed in the address bar) or anything else
        // is not the page.
        for site in headers.get_all(SEC_FETCH_SITE) {
            match site.as_bytes() {
                b"same-origin" | b"same-site" => {}
                b"cross-site" if self.allow_cross_site => {}
                _ => return Err(RelayError::OtherSite),
            }
        }
        Ok(())
    }
}

/// The middleware: passes a request from the page on, refuses any other with 403.
pub(crate) async fn from_page(
    State(policy): State<Arc<PagePolicy>>,
    req: Request,
    next: Next,
) -> Result<Response, RelayError> {
    policy.check(req.headers())?;
    Ok(next.run(req).await)
}
