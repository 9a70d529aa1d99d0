//! `ValidateResourceConfig`, `ValidateDataResourceConfig`, `ValidateProviderConfig`.
//!
//! The configuration may hold unknowns (values from other resources): validators
//! see only known, non-null values, and block counts are checked only when known,
//! so nothing is rejected before it can be judged. A required argument that is
//! known to be null is rejected here: Terraform itself accepts an explicit `null`.

use super::objects::{walk, Visit};
use super::{decode, log_done, Driver};
use crate::tf::path::AttributePath;
use crate::tf::protocol::{DynamicValue, ValidateConfigRequest};
use crate::tf::schema::{Attribute, Block, Nesting, Presence};
use crate::tf::value::with_strict_names;
use crate::tf::{Diagnostics, Provider, Value};

impl<P: Provider> Driver<P> {
    pub(super) fn validate_resource(&self, req: ValidateConfigRequest) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if let Some(r) = self.resource(&req.type_name, &mut diags) {
            if let Some(config) = decode(&req.config, &r.ty, "configuration", &mut diags) {
                let allowed = req.client_capabilities.write_only_attributes_allowed;
                validate_config(&r.schema.block, &config, allowed, &mut diags);
                with_strict_names(|| r.imp.validate(&config, &mut diags));
            }
        }
        log_done("ValidateResourceConfig", &diags);
        diags
    }

    pub(super) fn validate_data_source(&self, req: ValidateConfigRequest) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if let Some(d) = self.data_source(&req.type_name, &mut diags) {
            if let Some(config) = decode(&req.config, &d.ty, "configuration", &mut diags) {
                let allowed = req.client_capabilities.write_only_attributes_allowed;
                validate_config(&d.schema.block, &config, allowed, &mut diags);
                with_strict_names(|| d.imp.validate(&config, &mut diags));
            }
        }
        log_done("ValidateDataResourceConfig", &diags);
        diags
    }

    pub(super) fn validate_provider(&self, config: DynamicValue) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let block = &self.provider_schema.block;
        if let Some(config) = decode(
            &config,
            &block.value_type(),
            "provider configuration",
            &mut diags,
        ) {
            // This RPC carries no client capabilities; write-only provider
            // attributes never reach state, so there is nothing to refuse.
            validate_config(block, &config, true, &mut diags);
            self.provider.validate(&config, &mut diags);
        }
        log_done("ValidateProviderConfig", &diags);
        diags
    }
}

/// The schema-driven checks on a configuration, shared by every validate RPC and
/// by `ConfigureProvider`.
pub(super) fn validate_config(
    block: &Block,
    config: &Value,
    write_only_allowed: bool,
    diags: &mut Diagnostics,
) {
    walk(
        block,
        config,
        &AttributePath::empty(),
        &mut |visit| match visit {
            Visit::Attribute { path, attr, value } => {
                if !value.is_null() {
                    check_attribute(path, attr, value, write_only_allowed, diags);
                } else if attr.presence == Presence::Required {
                    // Terraform only checks that a required argument is written; `= null`
                    // (or a null variable, or `-generate-config-out` output) passes it.
                    let detail = format!(
                        "`{path}` is required, but its value is null. Set it to a value \
                         (a null variable or a conditional that yields null also leaves it unset)."
                    );
                    diags.error_at(path, "Missing required argument", detail);
                }
            }
            Visit::Block { path, block, value } => {
                if block.block.deprecated
                    && !value.is_null()
                    && instances_count(block.nesting, value) != Some(0)
                {
                    diags.warn_at(
                        path.clone(),
                        "Deprecated block",
                        format!("`{path}` is deprecated."),
                    );
                }
                let Some(n) = instances_count(block.nesting, value) else {
                    return;
                };
                let name = path.to_string();
                if block.min_items > 0 && n < block.min_items {
                    let detail = format!(
                        "At least {} `{name}` block(s) are required, found {n}.",
                        block.min_items
                    );
                    diags.error_at(path, "Too few blocks", detail);
                } else if block.max_items > 0 && n > block.max_items {
                    let detail = format!(
                        "At most {} `{name}` block(s) are allowed, found {n}.",
                        block.max_items
                    );
                    diags.error_at(path, "Too many blocks", detail);
                }
            }
        },
    );
}

/// How many blocks the configuration holds, when that is known.
fn instances_count(nesting: Nesting, v: &Value) -> Option<i64> {
    match (nesting, v) {
        (_, Value::Unknown) => None,
        (Nesting::Single, v) => Some(i64::from(!v.is_null())),
        (_, v) => v.as_list().map(|l| l.len() as i64).or(Some(0)),
    }
}

/// `value` is set (non-null, maybe unknown).
fn check_attribute(
    path: AttributePath,
    attr: &Attribute,
    value: &Value,
    write_only_allowed: bool,
    diags: &mut Diagnostics,
) {
    if attr.presence == Presence::Computed {
        let detail = format!("`{path}` is set by the provider and cannot be configured. Remove it from the configuration.");
        diags.error_at(path, "Read-only attribute", detail);
        return;
    }
    if let Some(msg) = &attr.deprecated {
        diags.warn_at(path.clone(), "Deprecated attribute", msg.clone());
    }
    if attr.write_only && !write_only_allowed {
        let detail = format!("`{path}` is write-only, which needs Terraform 1.11 or later.");
        diags.error_at(path.clone(), "Write-only attribute not supported", detail);
    }
    if !value.is_known() {
        return;
    }
    for v in &attr.validators {
        let mut found = Diagnostics::new();
        v.validate(&path, value, &mut found);
        // Validator messages quote the value; secrets must not reach the UI.
        if attr.sensitive || attr.write_only {
            for d in &mut found.0 {
                d.detail = format!(
                    "`{path}` is invalid (its value is hidden because it is sensitive). {}",
                    v.description()
                );
            }
        }
        diags.extend(found);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::tf::protocol::{ClientCapabilities, ProviderServer, ValidateConfigRequest};
    use crate::tf::{Severity, Value};

    fn request(config: Value, write_only_allowed: bool) -> ValidateConfigRequest {
        ValidateConfigRequest {
            type_name: "fake_thing".into(),
            config: dv(&config),
            client_capabilities: ClientCapabilities {
                write_only_attributes_allowed: write_only_allowed,
                ..Default::default()
            },
        }
    }

    #[tokio::test]
    async fn a_valid_config_has_no_diagnostics() {
        let (driver, _) = driver();
        let config = thing(&[("name", "a".into()), ("password", "secret".into())]);
        assert_eq!(
            driver
                .validate_resource_config(request(config, true))
                .await
                .0,
            vec![]
        );
    }

    #[tokio::test]
    async fn an_explicit_null_for_a_required_argument_is_an_error_on_it() {
        let (driver, _) = driver();
        let null_name = thing(&[("name", Value::Null)]);
        let d = driver
            .validate_resource_config(request(null_name, true))
            .await;
        assert_eq!(paths(&d), ["name"]);
        assert_eq!(d.0[0].summary, "Missing required argument");
        // An unknown value may still turn out set: judged again at plan.
        let unknown_name = thing(&[("name", Value::Unknown)]);
        let d = driver
            .validate_resource_config(request(unknown_name, true))
            .await;
        assert!(d.is_empty(), "{d:?}");
        // Inside a nested block too.
        let config = thing(&[
            ("name", "a".into()),
            ("cred", Value::Set(vec![cred("ok.io", None)])),
        ]);
        let mut config = config;
        if let Some(Value::Set(creds)) = config.attr_mut("cred") {
            creds[0].set_attr("server", Value::Null);
        }
        let d = driver.validate_resource_config(request(config, true)).await;
        assert_eq!(d.0.len(), 1, "{d:?}");
        assert_eq!(d.0[0].summary, "Missing required argument");
    }

    #[tokio::test]
    async fn validators_run_inside_nested_blocks_with_paths() {
        let (driver, _) = driver();
        let config = thing(&[
            ("name", "a".into()),
            (
                "cred",
                Value::Set(vec![cred("ok.io", None), cred("", None)]),
            ),
            (
                "rule",
                Value::List(vec![rule(80, None), rule(70_000, None)]),
            ),
        ]);
        let d = driver.validate_resource_config(request(config, true)).await;
        assert_eq!(paths(&d), ["cred[1].server", "rule[1].port"]);
    }

    #[tokio::test]
    async fn unknown_and_null_values_are_not_validated() {
        let (driver, _) = driver();
        let config = thing(&[
            ("name", Value::Unknown),
            ("rule", Value::List(vec![rule(80, None), Value::Unknown])),
            ("cred", Value::Unknown),
        ]);
        assert!(driver
            .validate_resource_config(request(config, true))
            .await
            .is_empty());
    }

    #[tokio::test]
    async fn block_counts_are_checked_when_known() {
        let (driver, _) = driver();
        let rules = (0..4).map(|p| rule(p + 1, None)).collect();
        let config = thing(&[("name", "a".into()), ("rule", Value::List(rules))]);
        let d = driver.validate_resource_config(request(config, true)).await;
        assert_eq!(paths(&d), ["rule"]);
        assert_eq!(d.0[0].summary, "Too many blocks");
    }

    #[tokio::test]
    async fn deprecated_write_only_and_read_only_attributes() {
        let (driver, _) = driver();
        let config = thing(&[
            ("name", "a".into()),
            ("legacy", "x".into()),
            ("password", "secret".into()),
            ("status", "ready".into()),
        ]);
        let d = driver
            .validate_resource_config(request(config, false))
            .await;
        let got: Vec<_> = d
            .iter()
            .map(|d| (d.severity, d.attribute.as_ref().unwrap().to_string()))
            .collect();
        assert_eq!(
            got,
            [
                (Severity::Warning, "legacy".to_string()),
                (Severity::Error, "password".to_string()),
                (Severity::Error, "status".to_string()),
            ]
        );
    }

    #[tokio::test]
    async fn sensitive_values_never_appear_in_diagnostics() {
        let (driver, _) = driver();
        let config = thing(&[
            ("name", "a".into()),
            ("password", "hunter2-but-way-too-long".into()),
        ]);
        let d = driver.validate_resource_config(request(config, true)).await;
        assert_eq!(paths(&d), ["password"]);
        assert!(!format!("{d:?}").contains("hunter2"), "{d:?}");
    }

    #[tokio::test]
    async fn the_resource_hook_runs_and_decode_errors_are_reported() {
        let (driver, _) = driver();
        let d = driver
            .validate_resource_config(request(thing(&[("name", "invalid".into())]), true))
            .await;
        assert_eq!(d.0.len(), 1, "{d:?}");
        let mut req = request(Value::Null, true);
        req.config = crate::tf::protocol::DynamicValue::msgpack(vec![
            0x81, 0xa4, b'n', b'a', b'm', b'e', 0x01,
        ]);
        assert!(driver.validate_resource_config(req).await.has_errors());
        let mut req = request(Value::Null, true);
        req.type_name = "fake_nothing".into();
        assert!(driver.validate_resource_config(req).await.has_errors());
    }

    #[tokio::test]
    async fn data_source_and_provider_configs_are_validated() {
        let (driver, _) = driver();
        let req = ValidateConfigRequest {
            type_name: "fake_info".into(),
            config: info_dv(Value::from("")),
            ..Default::default()
        };
        assert_eq!(
            paths(&driver.validate_data_resource_config(req).await),
            ["name"]
        );
        let d = driver
            .validate_provider_config(provider_config(Value::from("mars")).config)
            .await;
        assert_eq!(paths(&d), ["region"]);
    }
}
