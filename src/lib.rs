//! terraform-provider-aliyun: a Terraform provider for Alibaba Cloud ECI image and
//! data caches and ECS image pipeline executions.
//!
//! Layers, and what each imports from the others (an arrow is a `use`):
//!
//! ```text
//! server    ─► tf                    main.rs ─► server::run(provider_server)
//! driver    ─► tf                    provider_server (below) ─► driver, resources
//! resources ─► tf, aliyun
//! docgen    ─► tf, resources
//! tf        ─► (no other layer)
//! aliyun    ─► (no other layer)
//! ```
//!
//! - `server`: the gRPC plugin server (handshake, TLS, tfplugin6); the only place
//!   protobuf types live. Imports only `tf`: it calls the `tf::protocol::ProviderServer`
//!   trait object it is given.
//! - `driver`: validate / plan / apply / read / import, written once for all resources:
//!   a `ProviderServer` over any `tf::provider::Provider`. Imports only `tf`.
//! - `tf`: values, types, schemas, diagnostics, codecs and those two traits. Imports no
//!   other layer (knows nothing of Alibaba).
//! - `resources`: the provider (a `tf::provider::Provider`), its configuration, one module
//!   per resource. Imports `tf` and `aliyun` (its unit tests also use `driver` helpers).
//! - `aliyun`: the signed Alibaba Cloud API client. Imports no other layer (knows nothing
//!   of Terraform).
//! - `docgen`: writes `docs/` from the schemas. Imports `tf` and `resources`.
//!
//! [`provider_server`] (below) joins `driver` and `resources`; `main.rs` hands it to
//! `server::run`. Unit tests in `conventions.rs` hold `tf`, `aliyun`, `server` and
//! `driver` to this graph.

pub mod aliyun;
#[cfg(test)]
mod conventions;
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
