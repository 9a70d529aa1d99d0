//! The `provider "aliyun"` block: region, credentials, endpoints, retries.
//!
//! Every setting falls back to the environment, under the names of Alibaba's own
//! tools (`ALIBABA_CLOUD_*`) and of the official Terraform provider (`ALICLOUD_*`),
//! so users of either need no change. Nothing here calls the network.

use crate::resources::common::region_id;
use crate::tf::validators::{IntBetween, Matches, Validator};
use crate::tf::{Attribute, AttributePath, Block, Diagnostics, Nesting, Schema, Type, Value};

/// Environment variables consulted for each setting, in order.
const REGION_ENV: &[&str] = &["ALIBABA_CLOUD_REGION_ID", "ALICLOUD_REGION"];
const ACCESS_KEY_ENV: &[&str] = &["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY"];
const SECRET_KEY_ENV: &[&str] = &["ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY"];
const SECURITY_TOKEN_ENV: &[&str] = &["ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN"];

/// The provider block's schema.
pub fn schema() -> Schema {
    let url = || Matches::new("https?://[^\\s]+", "an `http://` or `https://` URL");
    let endpoints = Block::new("Custom API endpoints, e.g. the local emulator's URL.")
        .attr(
            "eci",
            Attribute::optional(Type::String)
                .doc("ECI endpoint URL; default `https://eci.<region>.aliyuncs.com`.")
                .validate(url()),
        )
        .attr(
            "ecs",
            Attribute::optional(Type::String)
                .doc("ECS endpoint URL; default `https://ecs.<region>.aliyuncs.com`.")
                .validate(url()),
        );
    let block = Block::new("Alibaba Cloud: ECI image and data caches, ECS image builds.")
        .attr("region", Attribute::optional(Type::String)
            .doc("Region, e.g. `cn-hangzhou`. Default: `ALIBABA_CLOUD_REGION_ID` or `ALICLOUD_REGION`.")
            .validate(region_id()))
        .attr("access_key", Attribute::optional(Type::String)
            .doc("AccessKey ID. Default: `ALIBABA_CLOUD_ACCESS_KEY_ID` or `ALICLOUD_ACCESS_KEY`."))
        .attr("secret_key", Attribute::optional(Type::String).sensitive()
            .doc("AccessKey secret. Default: `ALIBABA_CLOUD_ACCESS_KEY_SECRET` or `ALICLOUD_SECRET_KEY`."))
        .attr("security_token", Attribute::optional(Type::String).sensitive()
            .doc("STS security token, with temporary credentials. Default: `ALIBABA_CLOUD_SECURITY_TOKEN` or `ALICLOUD_SECURITY_TOKEN`."))
        .attr("max_retries", Attribute::optional(Type::Number)
            .doc("How many times one API call is retried on throttling, server errors and network errors (default 11). \
                  Retries back off exponentially with jitter and stop at the operation's timeout.")
            .validate(IntBetween(0, 100)))
        .attr("client_connect_timeout", Attribute::optional(Type::Number)
            .doc("How long to wait for a connection to an API endpoint, in milliseconds (default 10000). \
                  A failed connection is retried within the operation's time limit.")
            .validate(IntBetween(100, 600_000)))
        .attr("client_read_timeout", Attribute::optional(Type::Number)
            .doc("How long to wait for the answer to one API request, in milliseconds (default 30000). \
                  A request that times out is retried within the operation's time limit; a refresh or \
                  a data source read gives up after one minute in all, so an endpoint that never \
                  answers fails the plan instead of hanging it.")
            .validate(IntBetween(100, 600_000)))
        .block_limited("endpoints", Nesting::List, endpoints, 0, 1);
    Schema::new(block)
}

/// The provider settings after environment fallbacks.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// Region ID.
    pub region: String,
    /// AccessKey ID.
    pub access_key: String,
    /// AccessKey secret.
    pub secret_key: String,
    /// STS token.
    pub security_token: Option<String>,
    /// ECI endpoint override.
    pub eci_endpoint: Option<String>,
    /// ECS endpoint override.
    pub ecs_endpoint: Option<String>,
    /// Most attempts per call.
    pub max_retries: Option<u32>,
    /// Connect timeout of one request.
    pub connect_timeout: Option<std::time::Duration>,
    /// Timeout of one request's answer.
    pub read_timeout: Option<std::time::Duration>,
}

/// Secrets are never printed.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("region", &self.region)
            .field("access_key", &self.access_key)
            .field("secret_key", &"***")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "***"),
            )
            .field("eci_endpoint", &self.eci_endpoint)
            .field("ecs_endpoint", &self.ecs_endpoint)
            .field("max_retries", &self.max_retries)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .finish()
    }
}

/// Resolves the provider block against the environment (`env` looks a variable up).
/// Returns `None` with diagnostics when something required is missing.
pub fn resolve(
    config: &Value,
    env: impl Fn(&str) -> Option<String>,
    diags: &mut Diagnostics,
) -> Option<Settings> {
    let pick = |attr: &str, names: &[&str]| -> Option<String> {
        config
            .str_attr(attr)
            .map(str::to_string)
            .or_else(|| names.iter().find_map(|n| env(n).filter(|v| !v.is_empty())))
    };
    let region = pick("region", REGION_ENV);
    let access_key = pick("access_key", ACCESS_KEY_ENV);
    let secret_key = pick("secret_key", SECRET_KEY_ENV);
    let security_token = pick("security_token", SECURITY_TOKEN_ENV);

    if access_key.is_none() || secret_key.is_none() {
        let missing = match (&access_key, &secret_key) {
            (None, None) => "an AccessKey ID and secret",
            (None, Some(_)) => "an AccessKey ID",
            _ => "an AccessKey secret",
        };
        diags.error(
            "Missing Alibaba Cloud credentials",
            format!(
                "The provider needs {missing}. Set `access_key` and `secret_key` in the provider block, \
                 or the environment variables ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET \
                 (ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY also work)."
            ),
        );
    }
    let Some(region) = region else {
        diags.error_at(
            AttributePath::root("region"),
            "Missing region",
            "Set `region` in the provider block, or the environment variable ALIBABA_CLOUD_REGION_ID \
             (ALICLOUD_REGION also works), e.g. `cn-hangzhou`.",
        );
        return None;
    };
    // A region from the block was validated with the schema; one from the environment was not.
    if config.attr("region").is_null() {
        let mut d = Diagnostics::new();
        region_id().validate(
            &AttributePath::root("region"),
            &Value::from(&region),
            &mut d,
        );
        if d.has_errors() {
            diags.error_at(
                AttributePath::root("region"),
                "Invalid region",
                format!("The region {region:?} from the environment is not a region ID such as `cn-hangzhou`."),
            );
            return None;
        }
    }
    let endpoints = config
        .attr("endpoints")
        .as_list()
        .and_then(|l| l.first())
        .cloned()
        .unwrap_or_default();
    Some(Settings {
        region,
        access_key: access_key?,
        secret_key: secret_key?,
        security_token,
        eci_endpoint: endpoints.str_attr("eci").map(str::to_string),
        ecs_endpoint: endpoints.str_attr("ecs").map(str::to_string),
        max_retries: config.i64_attr("max_retries").map(|n| n as u32),
        connect_timeout: millis(config, "client_connect_timeout"),
        read_timeout: millis(config, "client_read_timeout"),
    })
}

/// A number of milliseconds from the block (validated to be positive).
fn millis(config: &Value, name: &str) -> Option<std::time::Duration> {
    let ms = config.i64_attr(name)?;
    Some(std::time::Duration::from_millis(u64::try_from(ms).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut m: std::collections::BTreeMap<String, Value> = schema()
            .block
            .attributes
            .keys()
            .map(|k| (k.clone(), Value::Null))
            .collect();
        m.insert("endpoints".into(), Value::List(vec![]));
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    }

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn block_wins_over_environment() {
        let mut d = Diagnostics::new();
        let s = resolve(
            &config(&[
                ("region", "cn-beijing".into()),
                ("access_key", "AK".into()),
                ("secret_key", "SK".into()),
            ]),
            env(&[("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou")]),
            &mut d,
        )
        .unwrap();
        assert!(d.is_empty());
        assert_eq!(
            (s.region.as_str(), s.access_key.as_str()),
            ("cn-beijing", "AK")
        );
    }

    #[test]
    fn both_environment_families_work() {
        for vars in [
            [
                ("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou"),
                ("ALIBABA_CLOUD_ACCESS_KEY_ID", "a"),
                ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s"),
                ("ALIBABA_CLOUD_SECURITY_TOKEN", "t"),
            ],
            [
                ("ALICLOUD_REGION", "cn-hangzhou"),
                ("ALICLOUD_ACCESS_KEY", "a"),
                ("ALICLOUD_SECRET_KEY", "s"),
                ("ALICLOUD_SECURITY_TOKEN", "t"),
            ],
        ] {
            let mut d = Diagnostics::new();
            let s = resolve(&config(&[]), env(&vars), &mut d).unwrap();
            assert_eq!(s.security_token.as_deref(), Some("t"));
            assert_eq!(s.secret_key, "s");
        }
    }

    #[test]
    fn missing_credentials_give_one_diagnostic_naming_both_ways() {
        let mut d = Diagnostics::new();
        assert!(resolve(
            &config(&[("region", "cn-hangzhou".into())]),
            env(&[]),
            &mut d
        )
        .is_none());
        assert_eq!(d.0.len(), 1);
        assert!(
            d.0[0].detail.contains("access_key")
                && d.0[0].detail.contains("ALIBABA_CLOUD_ACCESS_KEY_ID")
        );
    }

    #[test]
    fn secrets_are_not_printed() {
        let mut d = Diagnostics::new();
        let s = resolve(
            &config(&[
                ("region", "cn-hangzhou".into()),
                ("access_key", "AK".into()),
                ("secret_key", "TOPSECRET".into()),
                ("security_token", "STSTOKEN".into()),
            ]),
            env(&[]),
            &mut d,
        )
        .unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("TOPSECRET") && !printed.contains("STSTOKEN"));
    }
}
