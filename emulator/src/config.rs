//! Everything the emulator's behaviour depends on: credentials, status
//! timings, fault injection, scripted outcomes, latency, the clock.
//! `Config::default()` suits a demo (a few seconds per create);
//! `Config::for_tests()` makes every transition instantaneous.

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::faults::FaultKind;

/// Emulator configuration. All fields are public; start from `Default` or
/// `for_tests()` and override what you need.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port. Default `127.0.0.1:0`.
    pub listen: SocketAddr,
    /// Accepted AccessKey ID. Default `emulator`.
    pub access_key_id: String,
    /// Its secret. Default `emulator-secret`.
    pub access_key_secret: String,
    /// More accepted `(id, secret)` pairs.
    pub extra_access_keys: Vec<(String, String)>,
    /// Valid STS tokens (`SecurityToken` / `x-acs-security-token`).
    /// `None` (default) accepts any non-empty token.
    pub security_tokens: Option<Vec<String>>,
    /// How far `Timestamp` / `x-acs-date` may be from the wall clock, both
    /// ways. Default 31 minutes (help page: valid 31 minutes after generation).
    pub timestamp_window: Duration,
    /// Duration of every transitional status.
    pub timings: Timings,
    /// Probability in `0.0..=1.0` that an API request (Describe polls included) is faulted.
    pub fault_rate: f64,
    /// Seed of the fault generator (same seed + same request order = same faults).
    pub fault_seed: u64,
    /// Restrict random faults to these actions; empty = every action.
    pub fault_actions: Vec<String>,
    /// Kinds of random faults to draw from; empty = all kinds.
    pub fault_kinds: Vec<FaultKind>,
    /// Probability that a random fault strikes after the request was processed
    /// (side effect done, answer lost or replaced). Default 0.5.
    pub fault_after_ratio: f64,
    /// Scripted create/update outcomes for caches.
    pub rules: Vec<OutcomeRule>,
    /// Image templates created at start.
    pub templates: Vec<TemplateSeed>,
    /// Extra delay before every API request is processed.
    pub latency: Duration,
    /// Clock driving the state machines (signatures are checked against the wall clock).
    pub clock: Clock,
    /// How long a `Failed` image cache stays visible. Default 1 day (documented).
    pub failed_image_cache_retention: Duration,
    /// Answer a no-op UpdateDataCache with `NoNeedUpdate` (default) instead of success.
    pub data_cache_no_need_update: bool,
    /// Describe `DataSource.Options` as the whole `{"options":..,"type":..}`
    /// object instead of the options map alone (default false).
    pub data_source_options_whole: bool,
    /// Resource group assigned when a request names none.
    pub default_resource_group_id: String,
    /// How many entries `GET /_emulator/requests` keeps.
    pub request_log_limit: usize,
    /// RAM roles STS `AssumeRole` / `AssumeRoleWithOIDC` know.
    pub roles: Vec<RoleSeed>,
    /// OIDC provider ARN `AssumeRoleWithOIDC` accepts.
    pub oidc_provider_arn: String,
    /// OIDC token `AssumeRoleWithOIDC` accepts (`None`: none).
    pub oidc_token: Option<String>,
    /// OIDC tokens answered with `AuthenticationFail.OIDCToken.Expired`.
    pub oidc_expired_tokens: Vec<String>,
    /// RAM role of the emulated ECS instance (metadata endpoint); `None`: no role.
    pub ecs_role_name: Option<String>,
    /// Lifetime of the instance role's credentials. Default 6 hours.
    pub ecs_credential_lifetime: Duration,
    /// Refuse IMDSv2 (`PUT /latest/api/token` answers 403), so clients fall back to IMDSv1.
    pub imds_v2_disabled: bool,
    /// Lifetime of credentials served at `/credentials-uri`. Default 1 hour.
    pub credentials_uri_lifetime: Duration,
}

/// A RAM role STS knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSeed {
    /// `acs:ram::<account>:role/<name>`.
    pub arn: String,
    /// Longest session, seconds (3600 to 43200). Default 3600.
    pub max_session_duration: u64,
    /// ExternalId the trust policy requires, if any.
    pub external_id: Option<String>,
}

impl RoleSeed {
    /// A role with a 1-hour maximum session and no ExternalId.
    pub fn new(arn: impl Into<String>) -> Self {
        RoleSeed {
            arn: arn.into(),
            max_session_duration: 3600,
            external_id: None,
        }
    }
}

/// Dwell time of each transitional status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timings {
    /// Image cache `Preparing`.
    pub image_cache_preparing: Duration,
    /// Image cache `Creating`.
    pub image_cache_creating: Duration,
    /// Image cache `Updating`.
    pub image_cache_updating: Duration,
    /// Data cache `Creating`.
    pub data_cache_creating: Duration,
    /// Data cache `Loading`.
    pub data_cache_loading: Duration,
    /// Data cache `Updating`.
    pub data_cache_updating: Duration,
    /// Every running phase of an image pipeline execution.
    pub pipeline_phase: Duration,
    /// `CANCELLING` before `CANCELLED`.
    pub pipeline_cancelling: Duration,
}

impl Timings {
    /// Every status lasts `step`.
    pub fn uniform(step: Duration) -> Self {
        Timings {
            image_cache_preparing: step,
            image_cache_creating: step,
            image_cache_updating: step,
            data_cache_creating: step,
            data_cache_loading: step,
            data_cache_updating: step,
            pipeline_phase: step,
            pipeline_cancelling: step,
        }
    }

    /// Instantaneous transitions: objects are reported in their first status by
    /// the call that created them and in their final one on the next access.
    pub fn zero() -> Self {
        Self::uniform(Duration::ZERO)
    }
}

impl Default for Timings {
    fn default() -> Self {
        Self::uniform(Duration::from_secs(1))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            access_key_id: "emulator".into(),
            access_key_secret: "emulator-secret".into(),
            extra_access_keys: Vec::new(),
            security_tokens: None,
            timestamp_window: Duration::from_secs(31 * 60),
            timings: Timings::default(),
            fault_rate: 0.0,
            fault_seed: 0,
            fault_actions: Vec::new(),
            fault_kinds: Vec::new(),
            fault_after_ratio: 0.5,
            rules: Vec::new(),
            templates: Vec::new(),
            latency: Duration::ZERO,
            clock: Clock::system(),
            failed_image_cache_retention: Duration::from_secs(86_400),
            data_cache_no_need_update: true,
            data_source_options_whole: false,
            default_resource_group_id: "rg-acfmemulator0default".into(),
            request_log_limit: 1000,
            roles: Vec::new(),
            oidc_provider_arn: "acs:ram::1234567890123456:oidc-provider/emulator".into(),
            oidc_token: None,
            oidc_expired_tokens: Vec::new(),
            ecs_role_name: None,
            ecs_credential_lifetime: Duration::from_secs(6 * 3600),
            imds_v2_disabled: false,
            credentials_uri_lifetime: Duration::from_secs(3600),
        }
    }
}

impl Config {
    /// Test configuration: every status duration is zero, everything else default.
    pub fn for_tests() -> Self {
        Config {
            timings: Timings::zero(),
            ..Config::default()
        }
    }

    /// The AccessKey secret for an id, if known.
    pub fn secret_for(&self, id: &str) -> Option<&str> {
        if id == self.access_key_id {
            return Some(&self.access_key_secret);
        }
        self.extra_access_keys
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, s)| s.as_str())
    }
}

/// Which resource kind a rule scripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// ECI image caches.
    ImageCache,
    /// ECI data caches.
    DataCache,
}

/// Which transition a rule scripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleOn {
    /// The creation (`Preparing/Creating` or `Creating/Loading`).
    Create,
    /// An update that reloads data (`Updating`).
    Update,
}

/// A scripted ending of a transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Creation fails (`Failed`). On an update rule it means `UpdateFailed`.
    Failed,
    /// Update fails (`UpdateFailed`). On a create rule it means `Failed`.
    UpdateFailed,
    /// Stays in its transitional status forever.
    Stuck,
}

/// Scripted outcome for caches whose name contains `name_contains`.
/// The first matching rule wins; rules are matched when the transition starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeRule {
    /// Resource kind.
    pub kind: RuleKind,
    /// Substring of the cache name; empty matches every cache.
    #[serde(default)]
    pub name_contains: String,
    /// Transition.
    pub on: RuleOn,
    /// What happens.
    pub outcome: Outcome,
    /// Failure message (Warning event); a default is used when empty.
    #[serde(default)]
    pub message: String,
}

/// First rule matching `kind`, `on` and `name`.
pub fn find_rule<'a>(
    rules: &'a [OutcomeRule],
    kind: RuleKind,
    on: RuleOn,
    name: &str,
) -> Option<&'a OutcomeRule> {
    rules
        .iter()
        .find(|r| r.kind == kind && r.on == on && name.contains(&r.name_contains))
}

/// Scripted end of every execution of an image template.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PipelineOutcome {
    /// All phases pass.
    #[default]
    Success,
    /// The build fails at the end of `BUILDING` (no image).
    Failed,
    /// The image is built, the tests fail at the end of `TESTING`.
    TestFailed,
    /// Distribution partly fails; ends after `RELEASING`.
    PartitionSuccess,
    /// Never leaves `BUILDING` (until cancelled).
    Stuck,
}

impl PipelineOutcome {
    /// Parse `SUCCESS`, `failed`, `test_failed`, ... (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().replace('-', "_").as_str() {
            "SUCCESS" => Self::Success,
            "FAILED" => Self::Failed,
            "TEST_FAILED" => Self::TestFailed,
            "PARTITION_SUCCESS" => Self::PartitionSuccess,
            "STUCK" => Self::Stuck,
            _ => return None,
        })
    }
}

/// An image template to seed (also the JSON of `POST /_emulator/templates`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplateSeed {
    /// Template name.
    pub name: String,
    /// Region. Default `cn-hangzhou`.
    pub region_id: String,
    /// Outcome of every execution.
    pub outcome: PipelineOutcome,
    /// Final `Message` (and `ErrorInfo` on failure); a default is used when empty.
    pub message: String,
    /// The template has test commands (adds `TESTING`).
    pub test_content: bool,
    /// The template has repair settings (adds `REPAIRING`).
    pub repair: bool,
    /// Regions the image is copied to.
    pub to_regions: Vec<String>,
}

impl Default for TemplateSeed {
    fn default() -> Self {
        TemplateSeed {
            name: "emulator-template".into(),
            region_id: "cn-hangzhou".into(),
            outcome: PipelineOutcome::Success,
            message: String::new(),
            test_content: false,
            repair: false,
            to_regions: Vec::new(),
        }
    }
}

impl TemplateSeed {
    /// A template with a name and an outcome, other fields default.
    pub fn new(name: impl Into<String>, outcome: PipelineOutcome) -> Self {
        TemplateSeed {
            name: name.into(),
            outcome,
            ..Default::default()
        }
    }
}
