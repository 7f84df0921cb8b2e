//! In-memory state shared by both servers. One mutex, never held across an await.

use crate::data::Dataset;
use crate::options::{AppType, Options, Scenario};
use crate::timing::Timing;
use rand::Rng;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// Authorization codes live 30 seconds, as PagerDuty's.
pub const CODE_TTL: Duration = Duration::from_secs(30);
/// A code is remembered this long after it was issued, so that a replay after its 30 seconds
/// still revokes the tokens its first use issued, and a late exchange is told it expired.
pub const CODE_KEEP: Duration = Duration::from_secs(5 * 60);
/// A sign-in page left open longer than this must start again.
pub const PENDING_TTL: Duration = Duration::from_secs(15 * 60);
/// At most this many sign-in attempts wait for sign-in and consent.
pub const MAX_PENDING: usize = 10_000;
/// At most this many authorization codes are remembered.
pub const MAX_CODES: usize = 10_000;
/// At most this many access tokens, and as many refresh tokens, are remembered.
pub const MAX_TOKENS: usize = 10_000;

/// A validated authorize request waiting for sign-in and consent.
#[derive(Clone, Debug)]
pub struct Pending {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    /// Set once the person has signed in.
    pub user_id: Option<String>,
    pub created: Instant,
}

/// An issued authorization code.
#[derive(Clone, Debug)]
pub struct Code {
    pub client_id: String,
    pub redirect_uri: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub code_challenge: Option<String>,
    pub issued: Instant,
    /// The sign-in session, the id_token's `sid`.
    pub sid: String,
    /// The grant family the first redemption created (for replay revocation).
    pub redeemed_family: Option<String>,
}

/// One authorization (PagerDuty's delegation): all tokens that descend from one code. Its id
/// is the id_token's `delegation_id`.
#[derive(Clone, Debug)]
pub struct Family {
    pub client_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub revoked: bool,
    /// The only refresh token of the family that still works.
    pub current_refresh: String,
    pub rotations: u32,
}

#[derive(Clone, Debug)]
pub struct Access {
    pub family: String,
    pub expires: Instant,
    pub revoked: bool,
}

/// An issued refresh token.
#[derive(Clone, Debug)]
pub struct Refresh {
    pub family: String,
    pub issued: Instant,
}

/// The rate-limit window of one app and user.
#[derive(Clone, Debug)]
pub struct Window {
    pub start: Instant,
    pub count: u32,
}

/// The length of a rate-limit window.
pub const RATE_WINDOW: Duration = Duration::from_secs(60);
/// Expired entries are looked for at most this often (and whenever a map is full).
const PRUNE_EVERY: Duration = Duration::from_secs(1);

/// Every map here grows with requests, so each is pruned and capped (see `prune`); inserts go
/// through `add_pending`, `add_code` and `add_tokens`.
#[derive(Default)]
pub struct Inner {
    /// Sign-in attempts, by the random id in the sign-in form: kept `PENDING_TTL`, at most
    /// `MAX_PENDING` (an unauthenticated `GET /oauth/authorize` adds one).
    pub pending: HashMap<String, Pending>,
    /// Kept `CODE_KEEP` after issue, at most `MAX_CODES`.
    pub codes: HashMap<String, Code>,
    /// Kept while not revoked and while its current refresh token or an access token is kept.
    pub families: HashMap<String, Family>,
    /// Kept until expired or revoked, at most `MAX_TOKENS`.
    pub access: HashMap<String, Access>,
    /// Refresh tokens, the rotated ones too (reusing one revokes its family). They do not
    /// expire: each is kept while its family lives, at most `MAX_TOKENS` in all.
    pub refresh: HashMap<String, Refresh>,
    /// By app and user: bounded by the seeded users (there is one registered app); a window
    /// older than `RATE_WINDOW` counts as none and is dropped.
    pub windows: HashMap<(String, String), Window>,
    /// When expired entries were last dropped.
    last_prune: Option<Instant>,
}

impl Inner {
    /// Adds a sign-in attempt; the oldest go first when `MAX_PENDING` are waiting.
    pub fn add_pending(&mut self, now: Instant, id: String, pending: Pending) {
        self.prune_if_due(now, self.pending.len() >= MAX_PENDING);
        make_room(&mut self.pending, MAX_PENDING, |p| p.created);
        self.pending.insert(id, pending);
    }

    /// Adds an authorization code; the oldest go first when `MAX_CODES` are kept.
    pub fn add_code(&mut self, now: Instant, code: String, grant: Code) {
        self.prune_if_due(now, self.codes.len() >= MAX_CODES);
        make_room(&mut self.codes, MAX_CODES, |c| c.issued);
        self.codes.insert(code, grant);
    }

    /// Adds an access token and a refresh token of `family` (already in `families`); the
    /// oldest of each go first when `MAX_TOKENS` are kept.
    pub fn add_tokens(
        &mut self,
        now: Instant,
        family: &str,
        (access, expires): (String, Instant),
        refresh: String,
    ) {
        let full = self.access.len() >= MAX_TOKENS || self.refresh.len() >= MAX_TOKENS;
        self.prune_if_due(now, full);
        make_room(&mut self.access, MAX_TOKENS, |a| a.expires);
        make_room(&mut self.refresh, MAX_TOKENS, |r| r.issued);
        self.access.insert(
            access,
            Access {
                family: family.to_string(),
                expires,
                revoked: false,
            },
        );
        self.refresh.insert(
            refresh,
            Refresh {
                family: family.to_string(),
                issued: now,
            },
        );
    }

    /// Prunes when a map is `full` or the last pruning is `PRUNE_EVERY` old, so that a
    /// request costs no full scan.
    fn prune_if_due(&mut self, now: Instant, full: bool) {
        let due = self
            .last_prune
            .is_none_or(|t| now.saturating_duration_since(t) >= PRUNE_EVERY);
        if full || due {
            self.prune(now);
        }
    }

    /// Drops every entry that can no longer be used.
    fn prune(&mut self, now: Instant) {
        self.last_prune = Some(now);
        let age = |t: Instant| now.saturating_duration_since(t);
        self.pending.retain(|_, p| age(p.created) < PENDING_TTL);
        self.codes.retain(|_, c| age(c.issued) < CODE_KEEP);
        self.windows.retain(|_, w| age(w.start) < RATE_WINDOW);
        // A revoked family's tokens all fail; unknown ones fail the same way.
        self.families.retain(|_, f| !f.revoked);
        let families = &self.families;
        self.access
            .retain(|_, a| !a.revoked && a.expires > now && families.contains_key(&a.family));
        // A family none of whose tokens is kept any more can never be used again.
        let used: HashSet<&String> = self.access.values().map(|a| &a.family).collect();
        let refresh = &self.refresh;
        self.families
            .retain(|id, f| used.contains(id) || refresh.contains_key(&f.current_refresh));
        let families = &self.families;
        self.refresh.retain(|_, r| families.contains_key(&r.family));
    }
}

/// When `map` holds `cap` entries, drops the oldest tenth by `born`, so that a flood pays one
/// scan per `cap / 10` inserts.
fn make_room<V>(map: &mut HashMap<String, V>, cap: usize, born: impl Fn(&V) -> Instant) {
    if map.len() < cap {
        return;
    }
    let drop = map.len() + 1 - cap + cap / 10;
    let mut ages: Vec<(Instant, &String)> = map.iter().map(|(k, v)| (born(v), k)).collect();
    ages.select_nth_unstable(drop - 1);
    let oldest: Vec<String> = ages[..drop].iter().map(|(_, k)| (*k).clone()).collect();
    for k in oldest {
        map.remove(&k);
    }
}

/// Everything the two servers share.
pub type Shared = Arc<Sandbox>;

/// Builds the shared state (seeded data, signing key) from options; panics on a damaged
/// `--state-file` (see `try_sandbox`).
pub fn sandbox(options: Options) -> Shared {
    Arc::new(Sandbox::new(options))
}

/// Builds the shared state like `sandbox`, but answers an error naming the state file when
/// `--state-file` names one that cannot be read or parsed.
pub fn try_sandbox(options: Options) -> Result<Shared, String> {
    Sandbox::try_new(options).map(Arc::new)
}

/// Everything both servers share.
pub struct Sandbox {
    pub options: Options,
    /// The account, changed by the REST API's writes. Never locked while `inner` is wanted
    /// (the order is `inner`, then `data`).
    data: RwLock<Dataset>,
    /// Scopes the registered app may be granted (besides `openid`).
    pub app_scopes: HashSet<String>,
    inner: Mutex<Inner>,
    /// How far `now()` runs ahead of the real clock, in milliseconds (see `advance`).
    skew_ms: AtomicU64,
    /// Whether the account was loaded from `--state-file` (rather than seeded).
    pub loaded_state: bool,
    /// Held while the state file is written, so that saves do not interleave.
    save_lock: Mutex<()>,
    /// What lists do not show yet, and the user creates under way.
    pub timing: Timing,
}

/// How many entries each map that grows with requests holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MapSizes {
    pub pending: usize,
    pub codes: usize,
    pub families: usize,
    pub access: usize,
    pub refresh: usize,
    pub windows: usize,
}

impl Sandbox {
    /// Builds the sandbox; panics where `try_new` answers an error (a damaged state file).
    pub fn new(options: Options) -> Sandbox {
        Sandbox::try_new(options).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Builds the sandbox: the account comes from `--state-file` when that file exists, else
    /// it is seeded. A state file that cannot be read or parsed is an error naming it.
    pub fn try_new(options: Options) -> Result<Sandbox, String> {
        let loaded = match &options.state_file {
            Some(path) => load_state(path)?,
            None => None,
        };
        let loaded_state = loaded.is_some();
        let data = loaded.unwrap_or_else(|| {
            let mut data = Dataset::generate(options.seed, options.services, options.users.max(2));
            if options.scenario == Some(Scenario::Offboarding) {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or_default();
                data.seed_offboarding(options.seed, now);
            }
            data
        });
        let app_scopes = match options.app_type {
            AppType::Classic => ["read", "write"].iter().map(|s| s.to_string()).collect(),
            AppType::Scoped => options
                .app_scopes
                .split_whitespace()
                .map(str::to_string)
                .collect(),
        };
        Ok(Sandbox {
            timing: Timing::new(options.visibility_lag_ms)
                .with_young_services(options.integration_create_lag_ms),
            options,
            data: RwLock::new(data),
            app_scopes,
            inner: Mutex::new(Inner::default()),
            skew_ms: AtomicU64::new(0),
            loaded_state,
            save_lock: Mutex::new(()),
        })
    }

    /// Saves the account to `--state-file`, if given: to `PATH.tmp`, then renamed over `PATH`,
    /// so that a crash never leaves half a file.
    pub fn save_state(&self) -> Result<(), String> {
        let Some(path) = &self.options.state_file else {
            return Ok(());
        };
        let _saving = self.save_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut json = serde_json::to_string_pretty(&*self.data())
            .map_err(|e| format!("cannot save state to {}: {e}", path.display()))?;
        json.push('\n');
        let mut tmp = path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(json.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| format!("cannot save state to {}: {e}", path.display()))
    }

    /// The sandbox's clock: the real one, moved forward by `advance`.
    pub fn now(&self) -> Instant {
        Instant::now() + Duration::from_millis(self.skew_ms.load(Ordering::Relaxed))
    }

    /// The sandbox's wall clock, in seconds since the Unix epoch, moved forward by `advance`
    /// as `now` is (incidents' one-month window and the times writes stamp on them; who is on
    /// call now, which layers have ended, which overrides are past).
    pub fn now_secs(&self) -> i64 {
        let real = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        real + (self.skew_ms.load(Ordering::Relaxed) / 1000) as i64
    }

    /// Moves the sandbox's clock forward (tests use it to expire codes, tokens and sign-ins).
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.skew_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// The sizes of the maps that grow with requests.
    pub fn map_sizes(&self) -> MapSizes {
        let inner = self.lock();
        MapSizes {
            pending: inner.pending.len(),
            codes: inner.codes.len(),
            families: inner.families.len(),
            access: inner.access.len(),
            refresh: inner.refresh.len(),
            windows: inner.windows.len(),
        }
    }

    /// The account, to read.
    pub fn data(&self) -> RwLockReadGuard<'_, Dataset> {
        self.data.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The account, to change.
    pub fn data_mut(&self) -> RwLockWriteGuard<'_, Dataset> {
        self.data.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The state, even if a panicking request poisoned the lock.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The account in the state file at `path`, or `None` when there is no such file.
fn load_state(path: &Path) -> Result<Option<Dataset>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read state file {}: {e}", path.display())),
    };
    let data: Dataset = serde_json::from_str(&text)
        .map_err(|e| format!("state file {} is not a saved account: {e}", path.display()))?;
    data.check()
        .map_err(|e| format!("state file {} is not consistent: {e}", path.display()))?;
    Ok(Some(data))
}

/// A random URL-safe string of `len` characters.
pub fn random_string(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A random id shaped like a UUID (PagerDuty's `delegation_id`, `jti`, token suffixes).
pub fn uuid() -> String {
    let mut rng = rand::thread_rng();
    let h: String = (0..32)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// A token shaped like PagerDuty's: `pdus+_0XXXXXX_<uuid>` (kind 0 access, 1 refresh).
pub fn pd_token(kind: u8) -> String {
    format!("pdus+_{kind}{}_{}", random_string(6).to_uppercase(), uuid())
}
