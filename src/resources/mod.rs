//! The Alibaba Cloud provider: its configuration and one file per resource.
//!
//! Adding a resource or data source is one file plus one line in
//! [`AliyunProvider::resources`] or [`AliyunProvider::data_sources`].

use std::sync::Arc;

use crate::aliyun::{Client, ClientConfig};
use crate::tf::{DataSource, Diagnostics, Provider, Resource, Schema, Value};

pub mod common;
pub mod eci_cache;
pub mod eci_data_cache;
pub mod eci_data_caches;
pub mod eci_image_cache;
pub mod eci_image_caches;
pub mod ecs_image_pipeline;
pub mod ecs_image_pipeline_execution;
pub mod ecs_image_pipeline_executions;
pub mod ecs_image_pipelines;
pub mod lifecycle;
pub mod provider_config;
pub mod provider_credentials;
pub mod wait;

/// The provider.
pub struct AliyunProvider;

#[async_trait::async_trait]
impl Provider for AliyunProvider {
    type Client = Client;

    fn schema(&self) -> Schema {
        provider_config::schema()
    }

    async fn configure(&self, config: &Value, diags: &mut Diagnostics) -> Option<Client> {
        let settings = provider_config::resolve(config, |name| std::env::var(name).ok(), diags)?;
        // One chain per provider block: aliases never share a credential.
        let mut client_config = ClientConfig::new(settings.region, settings.credentials.build());
        client_config.eci_endpoint = settings.eci_endpoint;
        client_config.ecs_endpoint = settings.ecs_endpoint;
        client_config.user_agent =
            concat!("terraform-provider-aliyun/", env!("CARGO_PKG_VERSION")).to_string();
        if let Some(t) = settings.connect_timeout {
            client_config.connect_timeout = t;
        }
        if let Some(t) = settings.read_timeout {
            client_config.request_timeout = t;
        }
        client_config.fixed_token_hint =
            " (in the provider block: `assume_role`, `assume_role_with_oidc`, \
            `ecs_role_name`, `credentials_uri` or a `profile` of those modes)"
                .into();
        if let Some(retries) = settings.max_retries {
            client_config.retry.max_attempts = retries + 1;
        }
        match Client::new(client_config) {
            Ok(client) => Some(client),
            Err(e) => {
                diags.error("Invalid provider configuration", e.to_string());
                None
            }
        }
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<Client>>> {
        vec![
            Arc::new(eci_image_cache::ImageCacheResource),
            Arc::new(eci_data_cache::DataCacheResource),
            Arc::new(ecs_image_pipeline_execution::ImagePipelineExecutionResource),
            Arc::new(ecs_image_pipeline::ImagePipelineResource),
        ]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Client>>> {
        vec![
            Arc::new(eci_image_caches::ImageCachesDataSource),
            Arc::new(eci_data_caches::DataCachesDataSource),
            Arc::new(ecs_image_pipeline_executions::ImagePipelineExecutionsDataSource),
            Arc::new(ecs_image_pipelines::ImagePipelinesDataSource),
        ]
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_schema_follows_the_protocol_rules() {
        crate::driver::assert_schemas_valid(&super::AliyunProvider);
    }
}
