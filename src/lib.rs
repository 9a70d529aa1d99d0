//! terraform-provider-aliyun: a Terraform provider for Alibaba Cloud ECI image and
//! data caches and ECS image pipeline executions.
//!
//! Layers, top-down (dependencies point down only):
//! - `server`: the gRPC plugin server (handshake, TLS, tfplugin6); the only place
//!   protobuf types live.
//! - `driver`: validate / plan / apply / read / import, written once for all resources.
//! - `tf`: values, types, schemas, diagnostics, codecs (knows nothing of Alibaba).
//! - `resources`: the provider, its configuration, one file per resource.
//! - `aliyun`: the signed Alibaba Cloud API client (knows nothing of Terraform).

pub mod aliyun;
pub mod docgen;
pub mod driver;
pub mod resources;
pub mod server;
pub mod tf;

use std::sync::Arc;

/// The provider the binary serves. Called once per process, inside the async runtime.
///
/// The generic driver over the Alibaba Cloud resources.
pub fn provider_server() -> Arc<dyn tf::protocol::ProviderServer> {
    Arc::new(driver::Driver::new(resources::AliyunProvider))
}
