//! Fetching every row of a classic-paginated PagerDuty list: the first page asks for
//! `total=true`, the rest are planned from the total and fetched with bounded concurrency,
//! retried with backoff on 429 and 5xx, and merged in PagerDuty's order without duplicates.
//! Pure: the transport and the clock are a trait, tested natively with a fake.

use crate::api::ApiError;
use crate::json::FromJson;
use crate::models::{parse_page, Service, User};
use futures::future::LocalBoxFuture;
use futures::stream::{self, StreamExt};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// PagerDuty refuses `offset + limit` above this.
pub const OFFSET_CEILING: u64 = 10_000;
/// The largest page PagerDuty serves.
pub const PAGE_SIZE: u64 = 100;
/// Pages asked for at once. A full listing of 10,000 rows is 100 requests, far inside
/// PagerDuty's 960 a minute; a 429 still backs off (see [`backoff_ms`]). Two more than the
/// six connections a browser opens to one host over HTTP/1.1: the browser holds the extra
/// two and sends one the moment a connection is free, rather than after the page has read
/// the answer that freed it (measured with `scripts/bench.sh lists`: 10,000 users median
/// 1335 ms, against 1578 ms with six and 1414 ms with ten). Over HTTP/2 they share one
/// connection.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Tries per page before giving up on a retryable error.
pub const MAX_TRIES: u32 = 6;

/// What the fetcher needs from the outside world.
pub trait PageSource {
    /// GETs an API path with its query (e.g. `/services?limit=100&offset=0`).
    fn get(&self, path_and_query: String) -> LocalBoxFuture<'static, Result<Value, ApiError>>;
    /// Waits `ms` milliseconds.
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'static, ()>;
    /// A number in `[0, 1)` for backoff jitter.
    fn jitter(&self) -> f64;
}

/// Rows with an id, for de-duplication.
pub trait HasId {
    fn id(&self) -> &str;
}
impl HasId for Service {
    fn id(&self) -> &str {
        &self.id
    }
}
impl HasId for User {
    fn id(&self) -> &str {
        &self.id
    }
}
impl HasId for crate::models::TeamMember {
    fn id(&self) -> &str {
        &self.user_id
    }
}

/// Any listed object as PagerDuty sent it: one paging instantiation serves every list a
/// bulk job or the audit reads (each a type of its own would each cost the module a copy).
#[derive(Clone)]
pub struct Raw(pub Value);

impl FromJson for Raw {
    fn from_json(v: &Value) -> Option<Raw> {
        v.is_object().then(|| Raw(v.clone()))
    }
}

impl HasId for Raw {
    /// The object's id; a team member (`{"user":…,"role":…}`) is known by its user's.
    fn id(&self) -> &str {
        self.0
            .get("id")
            .or_else(|| self.0.get("user").and_then(|u| u.get("id")))
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// The `rows` that read as `T`.
pub fn items<T: FromJson>(rows: &[Raw]) -> Vec<T> {
    rows.iter().filter_map(|r| T::from_json(&r.0)).collect()
}

/// The offsets still to fetch after a first page of `page_size` rows, given `total`, never
/// asking past the ceiling.
pub fn plan_offsets(total: u64, page_size: u64) -> Vec<u64> {
    let page_size = page_size.max(1);
    let reachable = total.min(OFFSET_CEILING);
    (1..)
        .map(|i| i * page_size)
        .take_while(|o| *o < reachable && o + page_size <= OFFSET_CEILING)
        .collect()
}

/// How long to wait before retry number `attempt` (1-based): PagerDuty's `ratelimit-reset`
/// when the browser could read it, otherwise exponential backoff with jitter, capped.
pub fn backoff_ms(attempt: u32, err: &ApiError, jitter: f64) -> u64 {
    if let ApiError::RateLimited { reset_s: Some(s) } = err {
        return (*s).clamp(1, 60) * 1000;
    }
    let base = 500u64.saturating_mul(1 << attempt.min(6));
    let jittered = base as f64 * (0.5 + jitter.clamp(0.0, 1.0));
    (jittered as u64).min(20_000)
}

/// Everything a listing produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Listing<T> {
    pub rows: Vec<T>,
    /// What PagerDuty says the list holds.
    pub total: u64,
    /// Rows past the 10,000 ceiling that could not be listed this way.
    pub not_listed: u64,
    /// Rows PagerDuty returned that could not be read (see [`skipped_note`]).
    pub skipped: u64,
}

/// The line under a table when some rows could not be read.
pub fn skipped_note(skipped: u64) -> String {
    format!(
        "{} {} PagerDuty returned could not be read",
        crate::numfmt::group(skipped),
        if skipped == 1 { "row" } else { "rows" }
    )
}

fn with_paging(base: &str, limit: u64, offset: u64, total: bool) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    let mut q = format!("{base}{sep}limit={limit}&offset={offset}");
    if total {
        q.push_str("&total=true");
    }
    q
}

async fn page_with_retry<S: PageSource, T: FromJson>(
    src: &S,
    url: String,
    key: &str,
) -> Result<crate::models::ListPage<T>, ApiError> {
    let v = get_with_retry(src, url.clone()).await?;
    parse_page(&v, key).map_err(|detail| ApiError::Malformed {
        endpoint: url.split('?').next().unwrap_or(&url).to_string(),
        detail,
    })
}

/// GETs `url`, trying again after a 429, a 5xx or a network error (with backoff), up to
/// [`MAX_TRIES`] times.
pub async fn get_with_retry<S: PageSource>(src: &S, url: String) -> Result<Value, ApiError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match src.get(url.clone()).await {
            Ok(v) => return Ok(v),
            Err(e) if e.retryable() && attempt < MAX_TRIES => {
                src.sleep(backoff_ms(attempt, &e, src.jitter())).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Fetches every row of `base` (a path with optional filters). `progress(loaded, total)`
/// is called after each page.
pub async fn fetch_all<T, S>(
    src: &S,
    base: &str,
    key: &str,
    concurrency: usize,
    mut progress: impl FnMut(u64, u64),
) -> Result<Listing<T>, ApiError>
where
    T: HasId + Clone + FromJson,
    S: PageSource,
{
    let first = page_with_retry::<S, T>(src, with_paging(base, PAGE_SIZE, 0, true), key).await?;
    let page_size = if first.limit == 0 {
        PAGE_SIZE
    } else {
        first.limit
    };
    let total = first.total.unwrap_or(first.items.len() as u64);
    let mut pages: BTreeMap<u64, Vec<T>> = BTreeMap::new();
    let mut loaded = first.items.len() as u64 + first.skipped;
    let mut skipped = first.skipped;
    progress(loaded, total);
    let more = first.more;
    pages.insert(0, first.items);
    let offsets = if more || total > page_size {
        plan_offsets(total, page_size)
    } else {
        Vec::new()
    };
    let mut results = stream::iter(offsets)
        .map(|offset| {
            let url = with_paging(base, page_size, offset, false);
            async move { (offset, page_with_retry::<S, T>(src, url, key).await) }
        })
        .buffer_unordered(concurrency.max(1));
    while let Some((offset, page)) = results.next().await {
        let page = page?;
        loaded += page.items.len() as u64 + page.skipped;
        skipped += page.skipped;
        progress(loaded.min(total), total);
        pages.insert(offset, page.items);
    }
    let mut seen = BTreeSet::new();
    let rows: Vec<T> = pages
        .into_values()
        .flatten()
        .filter(|r| seen.insert(r.id().to_string()))
        .collect();
    Ok(Listing {
        not_listed: total.saturating_sub(rows.len() as u64 + skipped),
        total,
        rows,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use std::cell::{Cell, RefCell};
    use std::future::Future;
    use std::pin::Pin;
    use std::rc::Rc;
    use std::task::{Context, Poll};

    /// Completes after being polled `n` times: lets the fake reorder completions.
    struct Yield(u32);
    impl Future for Yield {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 == 0 {
                Poll::Ready(())
            } else {
                self.0 -= 1;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }

    /// A fake PagerDuty list of `rows` services, with injected faults and reordering.
    #[derive(Clone)]
    struct Fake {
        rows: u64,
        /// Offsets that fail (status) the first `n` times they are asked.
        faults: Rc<RefCell<Vec<(u64, u16, u32)>>>,
        requests: Rc<RefCell<Vec<String>>>,
        in_flight: Rc<Cell<usize>>,
        max_in_flight: Rc<Cell<usize>>,
        slept: Rc<RefCell<Vec<u64>>>,
        /// Extra row ids that PagerDuty returns twice (data shifting between pages).
        duplicate_at: Option<u64>,
    }

    fn fake(rows: u64) -> Fake {
        Fake {
            rows,
            faults: Rc::new(RefCell::new(Vec::new())),
            requests: Rc::new(RefCell::new(Vec::new())),
            in_flight: Rc::new(Cell::new(0)),
            max_in_flight: Rc::new(Cell::new(0)),
            slept: Rc::new(RefCell::new(Vec::new())),
            duplicate_at: None,
        }
    }

    fn param(url: &str, name: &str) -> Option<u64> {
        url.split(['?', '&'])
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse().ok())
    }

    impl PageSource for Fake {
        fn get(&self, url: String) -> LocalBoxFuture<'static, Result<Value, ApiError>> {
            self.requests.borrow_mut().push(url.clone());
            let me = self.clone();
            Box::pin(async move {
                me.in_flight.set(me.in_flight.get() + 1);
                me.max_in_flight
                    .set(me.max_in_flight.get().max(me.in_flight.get()));
                let limit = param(&url, "limit").unwrap();
                let offset = param(&url, "offset").unwrap();
                // Later pages finish sooner: completions arrive out of order.
                Yield((20 - (offset / limit) % 20) as u32).await;
                me.in_flight.set(me.in_flight.get() - 1);
                assert!(
                    offset + limit <= OFFSET_CEILING,
                    "asked past the ceiling: {url}"
                );
                let mut faults = me.faults.borrow_mut();
                if let Some(f) = faults.iter_mut().find(|f| f.0 == offset && f.2 > 0) {
                    f.2 -= 1;
                    return Err(match f.1 {
                        429 => ApiError::RateLimited { reset_s: None },
                        s => ApiError::Server {
                            status: s,
                            endpoint: "/services".into(),
                        },
                    });
                }
                let end = (offset + limit).min(me.rows);
                let mut ids: Vec<u64> = (offset..end).collect();
                if me.duplicate_at == Some(offset) && offset > 0 {
                    ids.insert(0, offset - 1);
                }
                let items: Vec<Value> = ids
                    .iter()
                    .map(|i| serde_json::json!({"id": format!("P{i:05}"), "name": format!("svc {i}")}))
                    .collect();
                let total = url.contains("total=true").then_some(me.rows);
                Ok(
                    serde_json::json!({"services": items, "limit": limit, "offset": offset,
                    "more": end < me.rows, "total": total}),
                )
            })
        }
        fn sleep(&self, ms: u64) -> LocalBoxFuture<'static, ()> {
            self.slept.borrow_mut().push(ms);
            Box::pin(async {})
        }
        fn jitter(&self) -> f64 {
            0.5
        }
    }

    fn ids(l: &Listing<Service>) -> Vec<String> {
        l.rows.iter().map(|r| r.id.clone()).collect()
    }

    fn expected(n: u64) -> Vec<String> {
        (0..n).map(|i| format!("P{i:05}")).collect()
    }

    #[test]
    fn every_row_once_in_order_despite_reordering_and_faults() {
        let f = fake(2_345);
        f.faults
            .borrow_mut()
            .extend([(300, 429, 2), (700, 503, 1), (1200, 502, 3), (0, 500, 1)]);
        let mut progress = Vec::new();
        let l: Listing<Service> = block_on(fetch_all(
            &f,
            "/services?include[]=teams",
            "services",
            4,
            |a, b| progress.push((a, b)),
        ))
        .unwrap();
        assert_eq!(ids(&l), expected(2_345));
        assert_eq!((l.total, l.not_listed), (2_345, 0));
        assert!(
            f.max_in_flight.get() <= 4 && f.max_in_flight.get() > 1,
            "bounded concurrency: {}",
            f.max_in_flight.get()
        );
        assert_eq!(
            f.requests
                .borrow()
                .iter()
                .filter(|u| u.contains("total=true"))
                .count(),
            2,
            "first page (retried once) asks total"
        );
        assert!(f
            .requests
            .borrow()
            .iter()
            .all(|u| u.starts_with("/services?include[]=teams&limit=100&offset=")));
        assert_eq!(f.slept.borrow().len(), 7, "one backoff per injected fault");
        assert_eq!(progress.last(), Some(&(2_345, 2_345)));
        assert!(progress.windows(2).all(|w| w[0].0 <= w[1].0));
    }

    #[test]
    fn small_empty_and_single_lists() {
        for n in [0, 1, 99, 100, 101] {
            let f = fake(n);
            let l: Listing<Service> =
                block_on(fetch_all(&f, "/services", "services", 4, |_, _| {})).unwrap();
            assert_eq!(ids(&l), expected(n), "{n} rows");
            assert_eq!(f.requests.borrow().len() as u64, n.div_ceil(100).max(1));
        }
    }

    #[test]
    fn duplicates_from_shifting_data_are_dropped() {
        let mut f = fake(450);
        f.duplicate_at = Some(200);
        let l: Listing<Service> =
            block_on(fetch_all(&f, "/services", "services", 4, |_, _| {})).unwrap();
        assert_eq!(ids(&l), expected(450));
    }

    #[test]
    fn past_the_ceiling_nothing_is_truncated_silently() {
        let f = fake(12_345);
        let l: Listing<Service> =
            block_on(fetch_all(&f, "/services", "services", 4, |_, _| {})).unwrap();
        assert_eq!(l.rows.len(), 10_000);
        assert_eq!(l.total, 12_345);
        assert_eq!(l.not_listed, 2_345);
        assert_eq!(plan_offsets(12_345, 100).last(), Some(&9_900));
        assert_eq!(plan_offsets(250, 100), vec![100, 200]);
        assert_eq!(plan_offsets(100, 100), Vec::<u64>::new());
        assert_eq!(plan_offsets(10_000, 30).last(), Some(&9_960));
    }

    #[test]
    fn persistent_failures_and_non_retryable_errors_stop_with_the_error() {
        let f = fake(500);
        f.faults.borrow_mut().push((200, 503, 100));
        let r: Result<Listing<Service>, _> =
            block_on(fetch_all(&f, "/services", "services", 4, |_, _| {}));
        assert_eq!(
            r.unwrap_err(),
            ApiError::Server {
                status: 503,
                endpoint: "/services".into()
            }
        );
        assert_eq!(
            f.requests
                .borrow()
                .iter()
                .filter(|u| u.contains("offset=200"))
                .count() as u32,
            MAX_TRIES
        );

        struct Forbidden;
        impl PageSource for Forbidden {
            fn get(&self, _: String) -> LocalBoxFuture<'static, Result<Value, ApiError>> {
                Box::pin(async {
                    Err(ApiError::MissingScope {
                        required: vec!["services.read".into()],
                        granted: vec![],
                    })
                })
            }
            fn sleep(&self, _: u64) -> LocalBoxFuture<'static, ()> {
                Box::pin(async {})
            }
            fn jitter(&self) -> f64 {
                0.0
            }
        }
        let r: Result<Listing<Service>, _> =
            block_on(fetch_all(&Forbidden, "/services", "services", 4, |_, _| {}));
        assert!(matches!(r, Err(ApiError::MissingScope { .. })));
    }

    #[test]
    fn a_row_that_cannot_be_read_is_skipped_and_counted_not_fatal() {
        struct OneBadRow;
        impl PageSource for OneBadRow {
            fn get(&self, url: String) -> LocalBoxFuture<'static, Result<Value, ApiError>> {
                let first = url.contains("offset=0");
                Box::pin(async move {
                    Ok(if first {
                        serde_json::json!({"services": [{"id": "P1"}, 7], "limit": 2,
                            "offset": 0, "more": true, "total": 4})
                    } else {
                        serde_json::json!({"services": [{"id": "P3"}, {"id": "P4"}],
                            "limit": 2, "offset": 2, "more": false, "total": 4})
                    })
                })
            }
            fn sleep(&self, _: u64) -> LocalBoxFuture<'static, ()> {
                Box::pin(async {})
            }
            fn jitter(&self) -> f64 {
                0.0
            }
        }
        let l: Listing<Service> =
            block_on(fetch_all(&OneBadRow, "/services", "services", 2, |_, _| {})).unwrap();
        assert_eq!(ids(&l), vec!["P1", "P3", "P4"]);
        assert_eq!(l.skipped, 1);
        assert_eq!(
            l.not_listed, 0,
            "a skipped row is not a row past the ceiling"
        );
        assert_eq!(
            skipped_note(1),
            "1 row PagerDuty returned could not be read"
        );
        assert_eq!(
            skipped_note(2_000),
            "2,000 rows PagerDuty returned could not be read"
        );
    }

    #[test]
    fn backoff_uses_ratelimit_reset_when_readable_and_is_bounded() {
        assert_eq!(
            backoff_ms(1, &ApiError::RateLimited { reset_s: Some(7) }, 0.3),
            7_000
        );
        assert_eq!(
            backoff_ms(1, &ApiError::RateLimited { reset_s: Some(600) }, 0.3),
            60_000
        );
        let s = ApiError::Server {
            status: 500,
            endpoint: String::new(),
        };
        assert_eq!(backoff_ms(1, &s, 0.5), 1_000);
        assert_eq!(backoff_ms(2, &s, 0.0), 1_000);
        assert_eq!(backoff_ms(30, &s, 1.0), 20_000);
    }
}
