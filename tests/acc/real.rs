//! The real-cloud switch of the acceptance harness.
//!
//! With `ALIYUN_ACC_REAL=1` the acceptance tests run against Alibaba Cloud (or any
//! endpoint given by URL) instead of a per-test emulator. Settings, all from the
//! environment (see "Testing against Alibaba Cloud" in the README):
//!
//! | Variable | What |
//! |---|---|
//! | `ALIYUN_ACC_REAL` | `1` turns the mode on; unset or anything else leaves the emulator |
//! | `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` | credentials (required) |
//! | `ALIBABA_CLOUD_SECURITY_TOKEN` | STS token (optional) |
//! | `ALIBABA_CLOUD_REGION_ID` | region (required) |
//! | `ALIYUN_ACC_SECURITY_GROUP_ID`, `ALIYUN_ACC_VSWITCH_ID` | network of every cache (required) |
//! | `ALIYUN_ACC_IMAGE_TEMPLATE_ID` | an ECS image template for build tests (optional) |
//! | `ALIYUN_ACC_SECURITY_GROUP_ID_2`, `ALIYUN_ACC_ZONE_ID`, `ALIYUN_ACC_ZONE_ID_2` | for the network and zone change tests (optional: skipped without) |
//! | `ALIYUN_ACC_ENDPOINT` | one URL for both ECI and ECS (e.g. an emulator started apart); or `ALIYUN_ACC_ECI_ENDPOINT` / `ALIYUN_ACC_ECS_ENDPOINT` |
//!
//! Test configurations name placeholders (`sg-acc0001`, `vsw-acc0001`, `sg-acc0002`,
//! zones `cn-hangzhou-g`/`cn-hangzhou-h`) that this mode replaces with the account's
//! IDs. Assertions only an emulator can answer (call counts, request parameters,
//! out-of-band changes, fault injection, the clock) are wrapped in
//! [`Acc::emulator_only`](super::Acc::emulator_only) or, for a whole test,
//! [`skip_emulator_only_test`]: in this mode they are not run and a line
//! `SKIPPED (emulator-only assertion): TEST: WHAT` (or `(emulator-only test)`, or
//! `(needs account settings)` for a test whose optional settings are missing) is
//! written to the terminal (not captured by the test runner), which
//! `scripts/acc-real.sh` counts and reports apart from the passes. Every object a test creates must have a name starting with [`PREFIX`] and
//! the tag [`TAG_KEY`]`=true`; the harness checks it after every apply, so that
//! `tf-acc-sweep` can find whatever a failed run leaves behind.

use std::io::Write as _;

/// The name prefix of every object an acceptance test creates.
pub const PREFIX: &str = "tf-acc-";
/// The tag every object an acceptance test creates carries, with value `true`.
pub const TAG_KEY: &str = "tf-acc";

/// The account and endpoints of a real-cloud run.
#[derive(Clone)]
pub struct RealCloud {
    /// Region of every call.
    pub region: String,
    pub(super) access_key_id: String,
    pub(super) access_key_secret: String,
    pub(super) security_token: Option<String>,
    /// ECI endpoint URL (None: the region's public endpoint).
    pub eci_endpoint: Option<String>,
    /// ECS endpoint URL.
    pub ecs_endpoint: Option<String>,
    /// `ALIYUN_ACC_IMAGE_TEMPLATE_ID`.
    pub image_template_id: Option<String>,
    /// Placeholder in test configurations → the account's value.
    pub(super) substitutions: Vec<(&'static str, Option<String>)>,
}

impl std::fmt::Debug for RealCloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RealCloud")
            .field("region", &self.region)
            .field("eci_endpoint", &self.eci_endpoint)
            .field("ecs_endpoint", &self.ecs_endpoint)
            .finish_non_exhaustive()
    }
}

/// Whether `ALIYUN_ACC_REAL=1`.
pub fn enabled() -> bool {
    std::env::var("ALIYUN_ACC_REAL").as_deref() == Ok("1")
}

impl RealCloud {
    /// The settings when the switch is on, `None` when it is off. Panics with the
    /// list of missing variables when it is on but incomplete.
    pub fn from_env() -> Option<RealCloud> {
        if !enabled() {
            return None;
        }
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let mut missing = Vec::new();
        let mut need = |k: &'static str| {
            get(k).unwrap_or_else(|| {
                missing.push(k);
                String::new()
            })
        };
        let access_key_id = need("ALIBABA_CLOUD_ACCESS_KEY_ID");
        let access_key_secret = need("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
        let region = need("ALIBABA_CLOUD_REGION_ID");
        let sg = need("ALIYUN_ACC_SECURITY_GROUP_ID");
        let vsw = need("ALIYUN_ACC_VSWITCH_ID");
        assert!(
            missing.is_empty(),
            "ALIYUN_ACC_REAL=1 needs {} (see \"Testing against Alibaba Cloud\" in the README)",
            missing.join(", ")
        );
        let endpoint = get("ALIYUN_ACC_ENDPOINT");
        Some(RealCloud {
            region,
            access_key_id,
            access_key_secret,
            security_token: get("ALIBABA_CLOUD_SECURITY_TOKEN"),
            eci_endpoint: get("ALIYUN_ACC_ECI_ENDPOINT").or_else(|| endpoint.clone()),
            ecs_endpoint: get("ALIYUN_ACC_ECS_ENDPOINT").or(endpoint),
            image_template_id: get("ALIYUN_ACC_IMAGE_TEMPLATE_ID"),
            substitutions: vec![
                ("sg-acc0001", Some(sg)),
                ("vsw-acc0001", Some(vsw)),
                ("sg-acc0002", get("ALIYUN_ACC_SECURITY_GROUP_ID_2")),
                ("cn-hangzhou-g", get("ALIYUN_ACC_ZONE_ID")),
                ("cn-hangzhou-h", get("ALIYUN_ACC_ZONE_ID_2")),
            ],
        })
    }

    /// The provider block for this account. The secret is written only to the
    /// workspace's `main.tf` (never printed: failure reports list file names only).
    pub fn provider_block(&self) -> String {
        let hcl = |s: &str| serde_json::Value::String(s.to_string()).to_string();
        let mut b = format!(
            "provider \"aliyun\" {{\n  region     = {}\n  access_key = {}\n  secret_key = {}\n",
            hcl(&self.region),
            hcl(&self.access_key_id),
            hcl(&self.access_key_secret)
        );
        if let Some(t) = &self.security_token {
            b += &format!("  security_token = {}\n", hcl(t));
        }
        if self.eci_endpoint.is_some() || self.ecs_endpoint.is_some() {
            b += "  endpoints {\n";
            if let Some(e) = &self.eci_endpoint {
                b += &format!("    eci = {}\n", hcl(e));
            }
            if let Some(e) = &self.ecs_endpoint {
                b += &format!("    ecs = {}\n", hcl(e));
            }
            b += "  }\n";
        }
        b + "}\n"
    }

    /// `config` with the placeholders replaced by the account's IDs. Panics on a
    /// placeholder without a value (the test should have called `skip_without`).
    pub fn substitute(&self, config: &str) -> String {
        let mut out = config.to_string();
        for (placeholder, value) in &self.substitutions {
            if !out.contains(placeholder) {
                continue;
            }
            match value {
                Some(v) => out = out.replace(placeholder, v),
                None => panic!(
                    "the configuration uses {placeholder}, which has no value in this account \
                     (guard the test with skip_without)"
                ),
            }
        }
        out
    }

    /// Whether the placeholder `placeholder` has a value.
    pub fn has(&self, placeholder: &str) -> bool {
        self.substitutions
            .iter()
            .any(|(p, v)| *p == placeholder && v.is_some())
    }

    /// An API client for this account.
    pub fn client(&self) -> terraform_provider_aliyun::aliyun::Client {
        use terraform_provider_aliyun::aliyun::{Client, ClientConfig, Credentials};
        let mut creds =
            Credentials::new(self.access_key_id.clone(), self.access_key_secret.clone());
        if let Some(t) = &self.security_token {
            creds = creds.with_security_token(t.clone());
        }
        let mut config = ClientConfig::new(self.region.clone(), creds);
        config.eci_endpoint = self.eci_endpoint.clone();
        config.ecs_endpoint = self.ecs_endpoint.clone();
        Client::new(config).expect("client configuration")
    }
}

/// Writes `SKIPPED (KIND): TEST: WHAT` straight to the terminal (the test
/// runner captures `println!`, not the stderr handle).
pub fn report_skip(kind: &str, what: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_string();
    // One write of the whole line: `writeln!` on unbuffered stderr writes each
    // piece apart, and another thread's "test ... ok" could land in between.
    let line = format!("SKIPPED ({kind}): {test}: {what}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// For a test that only an emulator can run (fault injection, clock, out-of-band
/// changes): true, after reporting it as skipped, in real-cloud mode; the test then
/// returns at once. False (run it) against the emulator.
pub fn skip_emulator_only_test(what: &str) -> bool {
    if enabled() {
        report_skip("emulator-only test", what);
        true
    } else {
        false
    }
}

/// Checks the resources of a `root_module` of `terraform show -json` (the state's
/// `values`, or a plan's `planned_values`): each has a name with [`PREFIX`] (where
/// it has a name) and the tag [`TAG_KEY`]`=true`.
pub fn check_marked(root_module: &serde_json::Value) -> Result<(), String> {
    let resources = root_module["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for r in resources {
        if r["mode"] != "managed" {
            continue;
        }
        let address = r["address"].as_str().unwrap_or_default();
        let v = &r["values"];
        for name_attr in ["image_cache_name", "name"] {
            if let Some(name) = v[name_attr].as_str() {
                if !name.starts_with(PREFIX) {
                    return Err(format!(
                        "{address}.{name_attr} = {name:?} does not start with {PREFIX:?}"
                    ));
                }
            }
        }
        if v["tags"][TAG_KEY] != "true" {
            return Err(format!(
                "{address} has no tag {TAG_KEY} = \"true\" (tags: {})",
                v["tags"]
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> RealCloud {
        RealCloud {
            region: "cn-shanghai".into(),
            access_key_id: "LTAI-test".into(),
            access_key_secret: "not-printed".into(),
            security_token: None,
            eci_endpoint: Some("http://127.0.0.1:1".into()),
            ecs_endpoint: None,
            image_template_id: None,
            substitutions: vec![
                ("sg-acc0001", Some("sg-real".into())),
                ("vsw-acc0001", Some("vsw-real".into())),
                ("sg-acc0002", None),
            ],
        }
    }

    #[test]
    fn placeholders_become_the_accounts_ids() {
        let a = account();
        assert_eq!(
            a.substitute(
                r#"security_group_id = "sg-acc0001"
vswitch_id = "vsw-acc0001""#
            ),
            "security_group_id = \"sg-real\"\nvswitch_id = \"vsw-real\""
        );
        assert!(a.has("sg-acc0001") && !a.has("sg-acc0002"));
        let missing = std::panic::catch_unwind(|| a.substitute("\"sg-acc0002\""));
        assert!(
            missing.is_err(),
            "a placeholder without a value must not reach the cloud"
        );
    }

    #[test]
    fn the_provider_block_names_the_account_and_its_endpoints() {
        let b = account().provider_block();
        assert!(b.contains("region     = \"cn-shanghai\""), "{b}");
        assert!(b.contains("eci = \"http://127.0.0.1:1\""), "{b}");
        assert!(!b.contains("ecs ="), "no ECS override: {b}");
        assert!(!b.contains("security_token"), "{b}");
        assert!(format!("{:?}", account()).contains("cn-shanghai"));
        assert!(!format!("{:?}", account()).contains("not-printed"));
    }

    #[test]
    fn unmarked_objects_are_refused() {
        let state = |values: serde_json::Value| {
            serde_json::json!({"resources": [
                {"mode": "managed", "address": "aliyun_eci_image_cache.c", "values": values},
                {"mode": "data", "address": "data.x.y", "values": {"name": "anything"}}
            ]})
        };
        let ok = state(
            serde_json::json!({"image_cache_name": "tf-acc-web", "tags": {"tf-acc": "true"}}),
        );
        assert_eq!(check_marked(&ok), Ok(()));
        let unnamed =
            state(serde_json::json!({"image_cache_name": "web", "tags": {"tf-acc": "true"}}));
        assert!(check_marked(&unnamed)
            .unwrap_err()
            .contains("does not start with"));
        let untagged = state(serde_json::json!({"name": "tf-acc-data", "tags": {"team": "ml"}}));
        assert!(check_marked(&untagged)
            .unwrap_err()
            .contains("no tag tf-acc"));
        let no_tags = state(serde_json::json!({"execution_id": "exec-1", "tags": null}));
        assert!(check_marked(&no_tags).is_err());
    }
}
