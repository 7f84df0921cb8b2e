//! The command line: every option of `pd-sandbox` (also `pd-sandbox --help`), the kinds of app
//! and region it names, and the checks clap cannot express.

use clap::{Parser, ValueEnum};
use pdscope::url::origin_of;

/// The kind of PagerDuty OAuth app the sandbox registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AppType {
    /// Classic User OAuth: scopes `read`/`write`; PKCE required without a secret.
    Classic,
    /// Scoped OAuth: per-object scopes; a confidential client (secret AND PKCE).
    Scoped,
}

/// The service region of the sandbox's account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Region {
    /// United States (PagerDuty's api.pagerduty.com).
    Us,
    /// Europe (PagerDuty's api.eu.pagerduty.com).
    Eu,
}

impl Region {
    /// The name PagerDuty uses in `service_region` and `as_account-{us|eu}.…`.
    pub fn code(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
        }
    }

    /// The id_token's `region` claim. PagerDuty documents `UnitedStates`; the EU value is
    /// undocumented, so `Europe` is a guess and the app must not depend on it (it should take
    /// the region from `aud`).
    pub fn claim(self) -> &'static str {
        match self {
            Region::Us => "UnitedStates",
            Region::Eu => "Europe",
        }
    }
}

/// A parameter the redirect back from consent carries only when `--callback-params` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CallbackParam {
    /// The account's subdomain.
    #[value(name = "subdomain")]
    Subdomain,
    /// `us` or `eu`, following --region.
    #[value(name = "service_region")]
    ServiceRegion,
}

impl CallbackParam {
    /// The query parameter's name.
    pub fn name(self) -> &'static str {
        match self {
            CallbackParam::Subdomain => "subdomain",
            CallbackParam::ServiceRegion => "service_region",
        }
    }
}

/// Whether incident writes need a `From` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FromHeader {
    /// As PagerDuty's spec marks it: a write without one answers 400 code 2016.
    Required,
    /// As python-pagerduty observed with a user's token: the token's user acts.
    Optional,
}

/// What `assignments` in an incident update does to the incident's assignees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum IncidentAssignments {
    /// The named people become the assignees.
    Replace,
    /// The named people are added to the assignees.
    Add,
}

/// What a team role other than a fixed role's gets: admins and owners are always managers,
/// stakeholders always observers (reference §12.2); which PagerDuty does is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FixedTeamRoles {
    /// 400 in PagerDuty's envelope, the stricter guess.
    Refuse,
    /// The fixed role is kept and the request answers success.
    Ignore,
}

/// The abilities the seeded account has (PagerDuty's `GET /abilities` example, as before):
/// `--without-ability` takes some away, `--with-ability` adds others.
pub const DEFAULT_ABILITIES: &[&str] = &[
    "teams",
    "read_only_users",
    "service_support_hours",
    "urgencies",
];

/// The order `GET` gives a schedule's layers in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LayerOrder {
    /// The opposite of the order `PUT`/`POST` take (PagerDuty's known quirk: its own scripts
    /// and Terraform provider reverse the layers of a GET before writing them back).
    Reversed,
    /// The order `PUT`/`POST` take.
    Same,
}

/// What `DELETE /users/{id}` does with the user's assigned open incidents (reference §10.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Offboarding {
    /// PagerDuty's default setting ("Fail"): 400 while the user has assigned open incidents.
    Fail,
    /// The setting "Automatically restart the incidents on their escalation policy" (plans
    /// with the `offboarding` feature): the delete succeeds and each incident the user was
    /// the only assignee of goes back to its policy's first level.
    Reassign,
}

/// What `DELETE /users/{id}` does while the user is in a schedule layer or a policy rule
/// (which PagerDuty accounts refuse and which leave stubs is unknown, reference §10.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DeleteReferenced {
    /// 400, the stricter guess.
    Refuse,
    /// The delete succeeds and the user stays in those rules and layers as a deleted user's
    /// stub (`self: null`, `deleted_at`).
    Stub,
}

/// What keeps a user on a team: `DELETE /teams/{id}/users/{uid}` answers 400 while they
/// belong to an escalation policy of the team (reference §10.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TeamRemovalBlock {
    /// A direct target of a rule, or a member of a live layer of a schedule a rule targets
    /// (the stricter guess: Terraform finds the blocking policies through `/oncalls`).
    TargetsAndSchedules,
    /// Only a direct target of a rule.
    Targets,
}

/// A seeded account to practise on, instead of the default one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// An account where leaving is hard (`data/scenario.rs`).
    Offboarding,
}

/// Command-line options (also `pd-sandbox --help`).
#[derive(Clone, Debug, Parser)]
#[command(
    name = "pd-sandbox",
    version,
    about = "A local stand-in for PagerDuty's identity service and REST API v2",
    after_help = "Seeded accounts: admin@example.com (sees everything) and responder@example.com \
(sees only their team's services); with 8 users or more also owner@, user@, limited@, \
observer@, stakeholder@ and limited-stakeholder@example.com; password `sandbox`."
)]
pub struct Options {
    /// Port of the identity service (sign-in, consent, /oauth/token, /oauth/revoke).
    #[arg(long, default_value_t = 8788)]
    pub identity_port: u16,
    /// Port of the REST API v2.
    #[arg(long, default_value_t = 8789)]
    pub api_port: u16,
    /// The registered OAuth client id.
    #[arg(long, default_value = "pdscope-local")]
    pub client_id: String,
    /// A registered redirect URI, matched exactly. May be given more than once.
    #[arg(
        long = "redirect-uri",
        default_value = "http://127.0.0.1:8080/callback"
    )]
    pub redirect_uris: Vec<String>,
    /// Classic User OAuth or Scoped OAuth.
    #[arg(long, value_enum, default_value_t = AppType::Classic)]
    pub app_type: AppType,
    /// The client secret (required for a scoped app; optional for classic).
    #[arg(long)]
    pub client_secret: Option<String>,
    /// The scopes a scoped app was registered with, space-separated.
    #[arg(long, default_value = "services.read users.read")]
    pub app_scopes: String,
    /// How many services to seed.
    #[arg(long, default_value_t = 300)]
    pub services: usize,
    /// How many users to seed (at least 2: the admin and the responder).
    #[arg(long, default_value_t = 300)]
    pub users: usize,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Access token lifetime in seconds (default: classic 30 days, scoped 1 day).
    #[arg(long)]
    pub token_ttl: Option<u64>,
    /// Added latency per REST API request (CORS preflights included), in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Fraction (0..1) of REST API requests that fail with 500, 502 or 503.
    #[arg(long, default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Fraction (0..1) of REST API writes that are applied and then answered 502, as a lost
    /// response: a client that retries blindly creates duplicates.
    #[arg(long, default_value_t = 0.0)]
    pub lost_response_rate: f64,
    /// REST API requests per minute per app per user.
    #[arg(long, default_value_t = 960)]
    pub rate_limit: u32,
    /// Let browsers read the ratelimit-* headers (Access-Control-Expose-Headers).
    #[arg(long)]
    pub expose_rate_limit_headers: bool,
    /// Do not echo `state` on the redirect back (PagerDuty does not promise to).
    #[arg(long)]
    pub drop_state: bool,
    /// Also put these on the redirect back after consent, comma-separated. PagerDuty sends
    /// only `code` (and `state`); its docs once showed `subdomain`, and its web app reads both.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        value_name = "subdomain,service_region"
    )]
    pub callback_params: Vec<CallbackParam>,
    /// The account's service region: the id_token's `region` (and `acr`/`amr`), and
    /// `service_region` under --callback-params.
    #[arg(long, value_enum, default_value_t = Region::Us)]
    pub region: Region,
    /// The id_token `iss` and the discovery document's `issuer` [default:
    /// <identity URL>/global/oauth/anonymous]. PagerDuty's live discovery is said to name
    /// https://app.pagerduty.com/global/oauth/anonymous.
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// Answer 401 on the REST API with a text/plain body, as PagerDuty has been seen to,
    /// instead of the JSON error envelope.
    #[arg(long = "plain-401")]
    pub plain_401: bool,
    /// With a Scoped token, `include[]=teams` needs `teams.read` and
    /// `include[]=contact_methods` / `include[]=notification_rules` need
    /// `users:contact_methods.read`, as PagerDuty has been seen to ask for the included
    /// objects' scopes (terraform-provider-pagerduty #1078). Off: the endpoint's scope is enough.
    #[arg(long)]
    pub strict_includes: bool,
    /// The order of a schedule's layers on GET: `reversed` (PagerDuty's quirk, reference
    /// §10.3) or `same` as PUT takes them.
    #[arg(long, value_enum, default_value_t = LayerOrder::Reversed)]
    pub schedule_layer_order: LayerOrder,
    /// A schedule PUT that leaves out one of its layers ends that layer now. Without it the
    /// layer is kept as it was, still on call (layers are never deleted; what PagerDuty does
    /// is unknown, and Terraform ends such layers itself).
    #[arg(long)]
    pub end_omitted_layers: bool,
    /// Accept a schedule layer with no users (unknown on PagerDuty: `users` is required, with
    /// no minimum). Without it such a layer is refused with 400.
    #[arg(long)]
    pub allow_empty_layers: bool,
    /// A PUT of a policy or schedule may name a deleted user's stub already in it, which is
    /// kept. Without it that id is refused like any unknown user (unknown on PagerDuty).
    #[arg(long)]
    pub keep_deleted_user_stubs: bool,
    /// Keep the account (users, contact methods, notification rules, teams, services,
    /// escalation policies, schedules) in this JSON file: loaded on start when it exists (then --services,
    /// --users and --seed are not applied), saved after every successful write.
    #[arg(long, value_name = "PATH")]
    pub state_file: Option<std::path::PathBuf>,
    /// Full User licenses on the account (every role but the two stakeholder roles takes one):
    /// past them a user create, or a role change from a stakeholder role, answers PagerDuty's
    /// "License is not available". The default is in effect unlimited.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub licenses: u64,
    /// Put a new integration's `integration_key` in the answer to `POST
    /// /services/{id}/integrations` too. Whether PagerDuty's 201 carries it is unknown (its spec
    /// has no such field; Terraform reads it with a GET after the create): by default only
    /// GETs show it.
    #[arg(long)]
    pub integration_key_on_create: bool,
    /// For this many milliseconds after a service is created, `POST
    /// /services/{id}/integrations` on it answers 400, as PagerDuty can right after the
    /// create (Terraform retries that 400 for two minutes; PagerDuty's message is unknown).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub integration_create_lag_ms: u64,
    /// Whether `PUT /incidents` and `PUT /incidents/{id}` need a `From` header naming a user
    /// of the account: PagerDuty's spec marks it required; python-pagerduty says a user's
    /// token does not need it.
    #[arg(long, value_enum, default_value_t = FromHeader::Required)]
    pub from_header: FromHeader,
    /// Whether `assignments` in an incident update replaces the assignees or adds to them
    /// (PagerDuty's spec: "Assign the incident to these assignees"; which it is, is unknown).
    #[arg(long, value_enum, default_value_t = IncidentAssignments::Replace)]
    pub incident_assignments: IncidentAssignments,
    /// A team role other than the fixed one for an admin or owner (always `manager`) or a
    /// stakeholder (always `observer`): `refuse` answers 400, `ignore` keeps the fixed role and
    /// answers success. Which PagerDuty does is unknown.
    #[arg(long, value_enum, default_value_t = FixedTeamRoles::Refuse)]
    pub fixed_team_roles: FixedTeamRoles,
    /// Abilities the account lacks, comma-separated (of `teams`, `read_only_users`,
    /// `service_support_hours`, `urgencies`): `GET /abilities` omits them and what needs them
    /// answers PagerDuty's 402.
    #[arg(long, value_delimiter = ',', value_name = "ABILITY,…")]
    pub without_ability: Vec<String>,
    /// Abilities the account has besides the default ones, comma-separated (e.g.
    /// `advanced_permissions`, which roles `observer` and `restricted_access` need).
    #[arg(long, value_delimiter = ',', value_name = "ABILITY,…")]
    pub with_ability: Vec<String>,
    /// Lists and `query` searches show a new service, user, integration or team member only
    /// this many milliseconds after the write, as PagerDuty's eventual consistency; reads by id
    /// show it at once.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub visibility_lag_ms: u64,
    /// Fraction (0..1) of user creates, made while another is under way, that fail with
    /// PagerDuty's account-lock answer (400, "could not be locked").
    #[arg(long, value_name = "F", default_value_t = 0.0)]
    pub lock_contention: f64,
    /// Fraction (0..1) of REST API requests answered with a bare 429: no headers, no body.
    #[arg(long = "bare-429-rate", value_name = "F", default_value_t = 0.0)]
    pub bare_429_rate: f64,
    /// `DELETE /users/{id}` of a user with assigned open incidents: `fail` answers 400
    /// (PagerDuty's default offboarding setting), `reassign` restarts them on their policy.
    #[arg(long, value_enum, default_value_t = Offboarding::Fail)]
    pub offboarding: Offboarding,
    /// `DELETE /users/{id}` of a user still in a schedule layer or a policy rule: `refuse`
    /// answers 400, `stub` leaves a deleted user's stub there (unknown which PagerDuty does).
    #[arg(long, value_enum, default_value_t = DeleteReferenced::Refuse)]
    pub delete_referenced: DeleteReferenced,
    /// What keeps a user on a team (PagerDuty: "User cannot be removed as they belong to an
    /// escalation policy on this team"): a policy of the team naming them directly or through
    /// a schedule, or (`targets`) only directly. Which PagerDuty means is unknown.
    #[arg(long, value_enum, default_value_t = TeamRemovalBlock::TargetsAndSchedules)]
    pub team_removal_blocked_by: TeamRemovalBlock,
    /// Seed this scenario on top of the account: `offboarding` adds people who are hard to
    /// take out (printed on start).
    #[arg(long, value_enum)]
    pub scenario: Option<Scenario>,
}

impl Options {
    /// Options as parsed from an empty command line (for tests).
    pub fn defaults() -> Options {
        Options::parse_from(["pd-sandbox"])
    }

    pub fn identity_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.identity_port)
    }

    pub fn api_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.api_port)
    }

    /// The `iss` of id_tokens and the discovery document's `issuer`: `--issuer`, or one
    /// shaped like PagerDuty's on the sandbox's identity service.
    pub fn issuer(&self) -> String {
        self.issuer
            .clone()
            .unwrap_or_else(|| format!("{}/global/oauth/anonymous", self.identity_url()))
    }

    pub fn token_ttl_secs(&self) -> u64 {
        self.token_ttl.unwrap_or(match self.app_type {
            AppType::Classic => 30 * 24 * 3600,
            AppType::Scoped => 24 * 3600,
        })
    }

    /// The account's abilities, in `GET /abilities` order.
    pub fn abilities(&self) -> Vec<String> {
        let mut all: Vec<String> = DEFAULT_ABILITIES
            .iter()
            .map(|a| a.to_string())
            .chain(self.with_ability.iter().cloned())
            .filter(|a| !self.without_ability.contains(a))
            .collect();
        let mut seen = std::collections::HashSet::new();
        all.retain(|a| seen.insert(a.clone()));
        all
    }

    /// Whether the account has `ability`.
    pub fn has_ability(&self, ability: &str) -> bool {
        self.abilities().iter().any(|a| a == ability)
    }

    /// Checks combinations clap cannot express.
    pub fn validate(&self) -> Result<(), String> {
        if self.app_type == AppType::Scoped && self.client_secret.is_none() {
            return Err("--app-type scoped needs --client-secret: PagerDuty treats Scoped OAuth apps as confidential clients".into());
        }
        if self.users < 2 {
            return Err("--users must be at least 2 (the admin and the responder)".into());
        }
        if !(0.0..=1.0).contains(&self.fail_rate) {
            return Err("--fail-rate must be between 0 and 1".into());
        }
        if !(0.0..=1.0).contains(&self.lost_response_rate) {
            return Err("--lost-response-rate must be between 0 and 1".into());
        }
        for (name, f) in [
            ("--lock-contention", self.lock_contention),
            ("--bare-429-rate", self.bare_429_rate),
        ] {
            if !(0.0..=1.0).contains(&f) {
                return Err(format!("{name} must be between 0 and 1"));
            }
        }
        if self.rate_limit == 0 {
            return Err("--rate-limit must be at least 1".into());
        }
        if let Some(issuer) = &self.issuer {
            if origin_of(issuer).is_none() {
                return Err(format!("--issuer {issuer} is not an absolute http(s) URL"));
            }
        }
        for uri in &self.redirect_uris {
            if origin_of(uri).is_none() {
                return Err(format!(
                    "--redirect-uri {uri} is not an absolute http(s) URL"
                ));
            }
        }
        Ok(())
    }
}
