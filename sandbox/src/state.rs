//! In-memory state shared by both servers. One mutex, never held across an await.

use crate::data::Dataset;
use crate::{AppType, Options};
use rand::Rng;
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Authorization codes live 30 seconds, as PagerDuty's.
pub const CODE_TTL: Duration = Duration::from_secs(30);
/// A sign-in page left open longer than this must start again.
pub const PENDING_TTL: Duration = Duration::from_secs(15 * 60);

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
    /// The grant family the first redemption created (for replay revocation).
    pub redeemed_family: Option<String>,
}

/// One authorization (PagerDuty's delegation): all tokens that descend from one code.
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

/// The rate-limit window of one app and user.
#[derive(Clone, Debug)]
pub struct Window {
    pub start: Instant,
    pub count: u32,
}

#[derive(Default)]
pub struct Inner {
    pub pending: HashMap<String, Pending>,
    pub codes: HashMap<String, Code>,
    pub families: HashMap<String, Family>,
    pub access: HashMap<String, Access>,
    /// Every refresh token ever issued, with its family.
    pub refresh: HashMap<String, String>,
    pub windows: HashMap<(String, String), Window>,
}

/// Everything both servers share.
pub struct Sandbox {
    pub options: Options,
    pub data: Dataset,
    /// Scopes the registered app may be granted (besides `openid`).
    pub app_scopes: HashSet<String>,
    inner: Mutex<Inner>,
}

impl Sandbox {
    pub fn new(options: Options) -> Sandbox {
        let data = Dataset::generate(options.seed, options.services, options.users.max(2));
        let app_scopes = match options.app_type {
            AppType::Classic => ["read", "write"].iter().map(|s| s.to_string()).collect(),
            AppType::Scoped => options
                .app_scopes
                .split_whitespace()
                .map(str::to_string)
                .collect(),
        };
        Sandbox {
            options,
            data,
            app_scopes,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The state, even if a panicking request poisoned the lock.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A random URL-safe string of `len` characters.
pub fn random_string(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A token shaped like PagerDuty's: `pdus+_0XXXXXX_<uuid>` (kind 0 access, 1 refresh).
pub fn pd_token(kind: u8) -> String {
    let hex = || {
        let mut rng = rand::thread_rng();
        (0..32)
            .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
            .collect::<String>()
    };
    let h = hex();
    format!(
        "pdus+_{kind}{}_{}-{}-{}-{}-{}",
        random_string(6).to_uppercase(),
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}
