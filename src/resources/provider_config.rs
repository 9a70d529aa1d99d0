//! The `provider "aliyun"` block: region, credentials, endpoints, retries.
//!
//! Every setting falls back to the environment, under the names of Alibaba's own
//! tools (`ALIBABA_CLOUD_*`) and of the official Terraform provider (`ALICLOUD_*`),
//! so users of either need no change. Nothing here calls the network. The
//! credential arguments and their order of precedence live in
//! [`provider_credentials`](super::provider_credentials).

use crate::aliyun::SourceSpec;
use crate::resources::common::region_id;
use crate::resources::provider_credentials;
use crate::tf::validators::{IntBetween, Matches, Validator};
use crate::tf::{Attribute, AttributePath, Block, Diagnostics, Nesting, Schema, Type, Value};

/// Environment variables consulted for each setting, in order.
const REGION_ENV: &[&str] = &[
    "ALIBABA_CLOUD_REGION_ID",
    "ALIBABA_CLOUD_REGION",
    "ALICLOUD_REGION",
    "ALICLOUD_REGION_ID",
    "ALIBABACLOUD_REGION_ID",
];

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
        )
        .attr(
            "sts",
            Attribute::optional(Type::String)
                .doc("STS endpoint (host or URL), same as `sts_endpoint`.")
                .validate(Matches::new(
                    r"^(https?://)?[A-Za-z0-9.-]+(:[0-9]+)?/?$",
                    "a host or an `http(s)://host[:port]` URL",
                )),
        );
    let block = Block::new(
        "Alibaba Cloud: ECI image and data caches, ECS image builds.",
    )
    .attr(
        "region",
        Attribute::optional(Type::String)
            .doc(
                "Region, e.g. `cn-hangzhou`. Default: `ALIBABA_CLOUD_REGION_ID`, \
                 `ALIBABA_CLOUD_REGION`, `ALICLOUD_REGION`, then the `region_id` of the profile in \
                 use.",
            )
            .validate(region_id()),
    )
    .attr(
        "access_key",
        Attribute::optional(Type::String).doc(
            "AccessKey ID. Credentials are looked for in this order, the first found wins: \
             `access_key` + `secret_key`, `assume_role_with_oidc`, `profile`, `credentials_uri`, \
             `ecs_role_name` in the block; then the AccessKey variables of the first family that \
             has both (`ALIBABA_CLOUD_ACCESS_KEY_ID`/`_SECRET`/`_SECURITY_TOKEN`, then \
             `ALICLOUD_ACCESS_KEY`/`ALICLOUD_SECRET_KEY`/`ALICLOUD_SECURITY_TOKEN`, then \
             `ALIBABACLOUD_ACCESS_KEY_ID`/`_SECRET`/`_SECURITY_TOKEN`), the OIDC variables, the \
             profile variables, the credentials URI variables, the ECS role variables; then the \
             `current` profile of the profile file; finally the SDKs' INI file \
             (`~/.alibabacloud/credentials.ini`, section `ALIBABA_CLOUD_PROFILE` or `default`). \
             `assume_role` then wraps whichever was found.",
        ),
    )
    .attr(
        "secret_key",
        Attribute::optional(Type::String)
            .sensitive()
            .doc("AccessKey secret (with `access_key`)."),
    )
    .attr(
        "security_token",
        Attribute::optional(Type::String).sensitive().doc(
            "STS security token, with temporary credentials. A fixed token cannot be renewed: a \
             run longer than its session fails; use `assume_role`, `assume_role_with_oidc`, \
             `ecs_role_name`, `credentials_uri` or a role profile for long runs.",
        ),
    )
    .attr(
        "max_retries",
        Attribute::optional(Type::Number)
            .doc(
                "How many times one API call is retried on throttling, server errors and network \
                 errors (default 11). Retries back off exponentially with jitter and stop at the \
                 operation's timeout.",
            )
            .validate(IntBetween(0, 100)),
    )
    .attr(
        "client_connect_timeout",
        Attribute::optional(Type::Number)
            .doc(
                "How long to wait for a connection to an API endpoint, in milliseconds (default \
                 10000). A failed connection is retried within the operation's time limit.",
            )
            .validate(IntBetween(100, 600_000)),
    )
    .attr(
        "client_read_timeout",
        Attribute::optional(Type::Number)
            .doc(
                "How long to wait for the answer to one API request, in milliseconds (default \
                 30000). A request that times out is retried within the operation's time limit; a \
                 refresh or a data source read gives up after one minute in all, so an endpoint \
                 that never answers fails the plan instead of hanging it.",
            )
            .validate(IntBetween(100, 600_000)),
    )
    .block_limited("endpoints", Nesting::List, endpoints, 0, 1);
    Schema::new(provider_credentials::add_schema(block))
}

/// The provider settings after environment fallbacks.
#[derive(Clone)]
pub struct Settings {
    /// Region ID.
    pub region: String,
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
    /// Where the credentials come from (described; nothing fetched yet).
    pub credentials: SourceSpec,
}

/// Secrets are never printed.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("region", &self.region)
            .field("eci_endpoint", &self.eci_endpoint)
            .field("ecs_endpoint", &self.ecs_endpoint)
            .field("max_retries", &self.max_retries)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("credentials", &self.credentials.describe())
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
    let region =
        pick("region", REGION_ENV).or_else(|| provider_credentials::profile_region(config, &env));
    let Some(region) = region else {
        diags.error_at(
            AttributePath::root("region"),
            "Missing region",
            "Set `region` in the provider block, or the environment variable ALIBABA_CLOUD_REGION_ID \
             (ALIBABA_CLOUD_REGION and ALICLOUD_REGION also work), e.g. `cn-hangzhou`.",
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
    let credentials = provider_credentials::resolve(config, &env, &region, diags)?;
    Some(Settings {
        region,
        credentials,
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
        for block in schema().block.blocks.keys() {
            m.insert(block.clone(), Value::List(vec![]));
        }
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    }

    fn static_id(s: &Settings) -> String {
        match &s.credentials {
            SourceSpec::Static(c) => c.access_key_id.clone(),
            other => panic!("not static: {other:?}"),
        }
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
            (s.region.as_str(), static_id(&s).as_str()),
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
            let SourceSpec::Static(c) = &s.credentials else {
                panic!("{s:?}")
            };
            assert_eq!(c.security_token.as_ref().map(|t| t.expose()), Some("t"));
            assert_eq!(c.access_key_secret.expose(), "s");
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
