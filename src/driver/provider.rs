//! `GetProviderSchema` and `ConfigureProvider`.

use std::sync::{Arc, PoisonError};

use super::objects::unknown_paths;
use super::{decode, log_done, validate::validate_config, ClientSlot, Driver};
use crate::tf::protocol::{ConfigureProviderRequest, ProviderSchema};
use crate::tf::{Diagnostics, Provider};

impl<P: Provider> Driver<P> {
    /// Every schema, plus the problems [`super::check_schema`] found in them.
    pub(super) fn provider_schema(&self) -> ProviderSchema {
        ProviderSchema {
            provider: Some(self.provider_schema.clone()),
            resources: self
                .resources
                .iter()
                .map(|(k, r)| (k.clone(), r.schema.clone()))
                .collect(),
            data_sources: self
                .data_sources
                .iter()
                .map(|(k, d)| (k.clone(), d.schema.clone()))
                .collect(),
            diagnostics: self.schema_diags.clone(),
        }
    }

    /// Validates the provider block again (Terraform may skip the validate RPC
    /// in some flows), builds the client and keeps it for later operations.
    pub(super) async fn configure(&self, req: ConfigureProviderRequest) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let block = &self.provider_schema.block;
        let Some(config) = decode(
            &req.config,
            &block.value_type(),
            "provider configuration",
            &mut diags,
        ) else {
            return diags;
        };
        validate_config(block, &config, true, &mut diags);
        self.provider.validate(&config, &mut diags);
        if diags.has_errors() {
            return diags;
        }
        if !config.is_fully_known() {
            // During plan the block may depend on other resources; Terraform sends it
            // again, known, before applying. Until then only operations that need the
            // API fail, each naming what is unknown.
            let unknown = unknown_paths(&config);
            *self.client.write().unwrap_or_else(PoisonError::into_inner) =
                ClientSlot::NotKnownYet(unknown);
            log_done("ConfigureProvider", &diags);
            return diags;
        }
        match self.provider.configure(&config, &mut diags).await {
            Some(client) => {
                *self.client.write().unwrap_or_else(PoisonError::into_inner) =
                    ClientSlot::Ready(Arc::new(client));
            }
            None if !diags.has_errors() => diags.error(
                "Provider configuration failed",
                "The provider could not be configured and gave no reason. This is a bug in the provider.",
            ),
            None => {}
        }
        log_done("ConfigureProvider", &diags);
        diags
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::ClientSlot;
    use crate::tf::protocol::{ConfigureProviderRequest, ProviderServer};
    use crate::tf::Value;

    #[tokio::test]
    async fn schema_lists_everything_without_problems() {
        let (driver, _) = driver();
        let s = driver.schema();
        assert!(s.provider.is_some());
        assert!(s.resources.contains_key("fake_thing"));
        assert!(s.data_sources.contains_key("fake_info"));
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    }

    #[tokio::test]
    async fn configure_validates_then_stores_the_client() {
        let (driver, _) = driver();
        let bad = provider_config(Value::from("mars"));
        let d = driver.configure_provider(bad).await;
        assert_eq!(paths(&d), ["region"]);
        assert!(matches!(
            *driver.client.read().unwrap(),
            ClientSlot::Unconfigured
        ));

        let refused = provider_config(Value::from("cn-beijing"));
        let d = driver.configure_provider(refused).await;
        assert!(d.has_errors(), "the fake refuses cn-beijing");

        let d = driver
            .configure_provider(provider_config(Value::Null))
            .await;
        assert!(d.is_empty(), "{d:?}");
        assert!(matches!(
            *driver.client.read().unwrap(),
            ClientSlot::Ready(_)
        ));
    }

    #[tokio::test]
    async fn an_unknown_provider_block_fails_only_operations_that_need_the_api() {
        let (driver, thing) = driver();
        let d = driver
            .configure_provider(provider_config(Value::Unknown))
            .await;
        assert!(d.is_empty(), "configure itself succeeds: {d:?}");
        let err = match driver.cx(&thing_schema(), &Value::Null, "read") {
            Err(d) => d,
            Ok(_) => panic!("no client while the block is unknown"),
        };
        assert_eq!(err.0[0].summary, "Provider configuration not known yet");
        assert!(err.0[0].detail.contains("`region`"), "{}", err.0[0].detail);
        assert!(thing.knobs.lock().unwrap().calls.is_empty());
        // Known again (as at apply): configured for real.
        let d = driver
            .configure_provider(provider_config(Value::Null))
            .await;
        assert!(d.is_empty(), "{d:?}");
        assert!(driver.cx(&thing_schema(), &Value::Null, "read").is_ok());
    }

    #[tokio::test]
    async fn configure_reports_undecodable_config() {
        let (driver, _) = driver();
        let req = ConfigureProviderRequest {
            config: crate::tf::protocol::DynamicValue::msgpack(vec![0x81, 0xa1, b'x', 0xc0]),
            ..Default::default()
        };
        let d = driver.configure_provider(req).await;
        assert_eq!(paths(&d), ["x"]);
    }
}
