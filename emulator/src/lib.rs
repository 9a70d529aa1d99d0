//! A local emulator of the Alibaba Cloud RPC APIs used by
//! terraform-provider-aliyun: ECI image caches, ECI data caches (with their
//! tag APIs) and ECS image pipeline executions (with templates).
//!
//! # Contents
//!
//! - [Starting it](#starting-it)
//! - [What it checks](#what-it-checks)
//! - [Resource models](#resource-models)
//! - [Steering it](#steering-it)
//! - [Module map](#module-map)
//!
//! # Starting it
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use aliyun_emulator::{Config, Emulator};
//! let emu = Emulator::start(Config::for_tests()).await?;   // 127.0.0.1:<free port>
//! let endpoint = emu.endpoint();                            // "http://127.0.0.1:PORT"
//! // ... point a client at `endpoint` with AccessKey `emulator` / `emulator-secret` ...
//! assert_eq!(emu.calls("CreateImageCache"), 0);
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! One server on loopback answers ECI, ECS and STS on path `/`, routed on
//! `Action` + `Version` (`x-acs-action` / `x-acs-version` for v3 requests),
//! and the ECS metadata paths (`/latest/...`) and a credentials URI
//! (`/credentials-uri`) on the same port ([`metadata`]).
//! The server runs on the caller's tokio runtime and stops when the
//! [`Handle`] is shut down or dropped.
//!
//! # What it checks
//!
//! Every API request must be signed, with v1 (HMAC-SHA1) or v3
//! (`ACS3-HMAC-SHA256`); timestamps are checked against the wall clock
//! (31-minute window), nonces cannot be replayed, unknown keys get
//! `InvalidAccessKeyId.NotFound`. Parameters are decoded from the query string
//! and a form body, rebuilt into lists, objects and maps ([`params`]) and
//! validated with Alibaba error codes. Answers are JSON when `Format=json`
//! (any case) or for v3, XML otherwise.
//!
//! # Resource models
//!
//! Each kind is a plain state machine advanced lazily to the clock's time on
//! every access ([`world::World::sweep`]); durations come from
//! [`Timings`], endings from [`OutcomeRule`]s and template outcomes:
//!
//! - image caches: `Preparing → Creating → Ready | Failed`, `Updating → Ready | UpdateFailed`;
//! - data caches: `Creating → Loading → Available | Failed`, `Updating → Available | UpdateFailed`;
//! - executions: `PREPARING → [REPAIRING] → BUILDING → [TESTING] → DISTRIBUTING → RELEASING → …`.
//!
//! A kind joins the emulator in one place: its module implements
//! [`kind::Kind`] (actions, state key, tags, clock, drift, reset) and takes
//! one line in the registry at the end of [`kind`].
//!
//! # Steering it
//!
//! Faults (throttling, 500, 503, dropped connections; before or after the
//! side effect) by rate and seed or scripted per action ([`faults`]);
//! latency; scripted outcomes; out-of-band deletes and patches; the
//! `/_emulator/` HTTP API ([`inspect`]) and the same operations on [`Handle`].
//!
//! # Module map
//!
//! | Module | Owns |
//! |---|---|
//! | [`config`] | `Config`, timings, rules, template seeds |
//! | [`rpc`] | the extractor: decoding, signature v1/v3, timestamp, nonce |
//! | [`signature`] | pure v1/v3 computations (test vectors V0–V8: `docs/development/api-reference.md`) |
//! | [`params`] | `Name.N…` / `#len#key` → structured parameters |
//! | [`error`], [`response`] | Alibaba-shaped errors and JSON/XML rendering |
//! | [`routes`] | `(Action, Version)` → handler lookup; actions of no single kind |
//! | [`kind`] | the `Kind` trait and the one table registering every kind |
//! | [`eci`], [`ecs`] | one state machine + handlers per resource kind |
//! | [`tags`], [`tag_api`] | tag rules shared by all kinds; the tag APIs written once |
//! | [`world`] | settings, the objects of every kind, ClientToken records, pagination |
//! | [`faults`], [`clock`] | fault injection, injectable clock |
//! | [`sts`] | STS `AssumeRole` / `AssumeRoleWithOIDC`, temporary credentials and their expiry |
//! | [`metadata`] | ECS instance metadata (IMDSv2/v1 RAM role credentials), credentials URI |
//! | [`server`], [`inspect`] | accept loop and RPC entry, `/_emulator/` API |
//! | [`cli`] | command-line parsing of the `aliyun-emulator` binary |

#![warn(missing_docs)]

pub mod cli;
pub mod clock;
pub mod config;
pub mod eci;
pub mod ecs;
pub mod error;
pub mod faults;
pub mod inspect;
pub mod kind;
pub mod metadata;
pub mod params;
pub mod response;
pub mod routes;
pub mod rpc;
pub mod server;
pub mod signature;
pub mod sts;
pub mod tag_api;
pub mod tags;
pub mod world;

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use clock::Clock;
pub use config::{
    Config, Outcome, OutcomeRule, PipelineOutcome, RoleSeed, RuleKind, RuleOn, TemplateSeed,
    Timings,
};
pub use error::EmuError;
pub use faults::{Fault, FaultKind, FaultPhase, FaultSettings, ScriptedFault};
pub use server::{CallCounts, LogEntry};

use server::Shared;

/// Entry point.
pub struct Emulator;

impl Emulator {
    /// Bind `config.listen`, seed `config.templates`, and serve on the current
    /// tokio runtime until the returned handle is shut down or dropped.
    pub async fn start(config: Config) -> std::io::Result<Handle> {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let templates = config.templates.clone();
        let shared = Arc::new(Shared::new(config));
        let template_ids = {
            let mut inner = shared.lock();
            templates
                .iter()
                .map(|t| inspect::seed_template(&mut inner, t))
                .collect()
        };
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(server::serve(
            listener,
            server::router(shared.clone()),
            stop_rx,
        ));
        Ok(Handle {
            addr,
            shared,
            stop,
            task: Some(task),
            template_ids,
        })
    }
}

/// A running emulator. `Send + Sync`; dropping it stops the server.
pub struct Handle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    template_ids: Vec<String>,
}

impl Handle {
    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Verified requests that reached `action` (faulted ones included).
    pub fn calls(&self, action: &str) -> u64 {
        self.shared
            .lock()
            .calls
            .received
            .get(action)
            .copied()
            .unwrap_or(0)
    }

    /// Received / faulted / succeeded counts per action.
    pub fn call_counts(&self) -> CallCounts {
        self.shared.lock().calls.clone()
    }

    /// Recent requests (secrets masked), oldest first.
    pub fn requests(&self) -> Vec<LogEntry> {
        self.shared.lock().log.iter().cloned().collect()
    }

    /// Same JSON as `GET /_emulator/state`.
    pub fn state(&self) -> Value {
        inspect::state_json(&mut self.shared.lock())
    }

    /// Objects of every kind currently stored that were created through the
    /// cloud API (templates seeded through the emulator are not counted).
    pub fn object_count(&self) -> usize {
        let mut inner = self.shared.lock();
        inner.world.sweep();
        inner.world.object_count()
    }

    /// Ids of the templates seeded from `Config::templates`, in order.
    pub fn template_ids(&self) -> &[String] {
        &self.template_ids
    }

    /// Create an image template; returns its `ip-` id.
    pub fn seed_template(&self, t: TemplateSeed) -> String {
        inspect::seed_template(&mut self.shared.lock(), &t)
    }

    /// Add a scripted outcome rule (matched after the existing ones).
    pub fn add_rule(&self, r: OutcomeRule) {
        self.shared.lock().world.settings.rules.push(r);
    }

    /// Remove every scripted outcome rule. Objects keep the outcome they drew
    /// when their transition started; later transitions end normally.
    pub fn clear_rules(&self) {
        self.shared.lock().world.settings.rules.clear();
    }

    /// Change the random fault rate and seed (restarts the sequence).
    pub fn set_faults(&self, rate: f64, seed: u64) {
        self.shared.lock().faults.set(rate, seed);
    }

    /// Replace every random-fault setting at once: rate, seed, actions, kinds and
    /// the share of faults that strike after processing (e.g. an outage of one
    /// action: rate 1, that action, `Unavailable` only).
    pub fn set_fault_settings(&self, settings: &FaultSettings) {
        self.shared.lock().faults.apply(settings);
    }

    /// Restrict random faults to these actions (empty = all).
    pub fn set_fault_actions(&self, actions: &[&str]) {
        let mut inner = self.shared.lock();
        let mut s = inner.faults.settings();
        s.actions = actions.iter().map(|a| a.to_string()).collect();
        inner.faults.apply(&s);
    }

    /// Queue a fault for the next request to `action` (`""` = any action).
    pub fn push_fault(&self, action: &str, fault: Fault) {
        self.shared.lock().faults.push(ScriptedFault {
            action: action.to_string(),
            fault,
        });
    }

    /// Remove any object by id (templates take their executions along).
    pub fn delete_object(&self, id: &str) -> bool {
        let mut inner = self.shared.lock();
        inner.world.sweep();
        inner.world.delete_object(id)
    }

    /// Overwrite Describe fields of an object (`{"ImageCacheName":"x"}`,
    /// `{"Status":"Ready"}`). `false` if the id is unknown or a field is invalid.
    pub fn patch_object(&self, id: &str, fields: Value) -> bool {
        let mut inner = self.shared.lock();
        inner.world.sweep();
        matches!(inner.world.patch_object(id, &fields), Ok(true))
    }

    /// Issue a temporary credential for `role` lasting `seconds` on the
    /// emulator's clock, as if STS had (for tests that need a fixed STS token).
    /// Returns `(AccessKeyId, AccessKeySecret, SecurityToken, Expiration)`.
    pub fn issue_session(&self, role: &str, seconds: i64) -> (String, String, String, String) {
        let mut inner = self.shared.lock();
        let now = inner.world.clock.now();
        let s = inner.world.identity.issue(role, "test", now, seconds);
        (
            s.access_key_id,
            s.secret,
            s.token,
            clock::format_utc(s.expires_at),
        )
    }

    /// Every temporary credential issued so far (without secrets), oldest first.
    pub fn sessions(&self) -> Vec<sts::Session> {
        let inner = self.shared.lock();
        let mut v: Vec<sts::Session> = inner.world.identity.sessions.values().cloned().collect();
        v.sort_by_key(|s| (s.issued_at, s.access_key_id.clone()));
        v
    }

    /// The resource clock (advance it to fast-forward transitions and expiry).
    pub fn clock(&self) -> Clock {
        self.shared.config.clock.clone()
    }

    /// Forget objects, templates, counters, request log, ClientTokens and
    /// nonces. Configuration, rules and fault settings stay.
    pub fn reset(&self) {
        self.shared.lock().reset();
    }

    /// Stop serving and wait for the accept loop to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn handle_is_send_and_sync() {
        assert_send_sync::<Handle>();
    }
}
