//! The protocol surface in plain Rust: one request/response pair per RPC of
//! tfplugin6 that the provider serves, and the [`ProviderServer`] trait.
//!
//! The gRPC server (`crate::server`) converts protobuf messages to these structs
//! and back, and calls [`ProviderServer`]; the generic driver (`crate::driver`)
//! implements it. Values stay encoded here ([`DynamicValue`]): only the driver
//! knows the schemas needed to decode them.

use std::collections::BTreeMap;

use crate::tf::diagnostics::Diagnostics;
use crate::tf::path::AttributePath;
use crate::tf::schema::Schema;

/// An encoded value: msgpack normally, JSON in a few places.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DynamicValue {
    /// msgpack encoding (what Terraform sends and expects).
    pub msgpack: Vec<u8>,
    /// JSON encoding (rare).
    pub json: Vec<u8>,
}

impl DynamicValue {
    /// A msgpack-encoded value.
    pub fn msgpack(bytes: Vec<u8>) -> Self {
        DynamicValue {
            msgpack: bytes,
            json: Vec::new(),
        }
    }
}

/// Raw stored state, as in `UpgradeResourceState` (JSON; flatmap is legacy).
#[derive(Debug, Clone, Default)]
pub struct RawState {
    /// JSON state.
    pub json: Vec<u8>,
    /// Legacy flatmap state.
    pub flatmap: BTreeMap<String, String>,
}

/// What Terraform says it supports.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientCapabilities {
    /// Terraform may receive deferred responses (we never defer).
    pub deferral_allowed: bool,
    /// Write-only attributes may be set (Terraform >= 1.11).
    pub write_only_attributes_allowed: bool,
}

/// Everything `GetProviderSchema` returns.
#[derive(Debug, Clone, Default)]
pub struct ProviderSchema {
    /// The provider configuration schema.
    pub provider: Option<Schema>,
    /// Resource schemas by type name.
    pub resources: BTreeMap<String, Schema>,
    /// Data source schemas by type name.
    pub data_sources: BTreeMap<String, Schema>,
    /// Problems building the schema.
    pub diagnostics: Diagnostics,
}

/// `ConfigureProvider`.
#[derive(Debug, Clone, Default)]
pub struct ConfigureProviderRequest {
    /// Terraform's version string.
    pub terraform_version: String,
    /// The provider block.
    pub config: DynamicValue,
    /// Capabilities.
    pub client_capabilities: ClientCapabilities,
}

/// `ValidateResourceConfig` / `ValidateDataResourceConfig`.
#[derive(Debug, Clone, Default)]
pub struct ValidateConfigRequest {
    /// Resource or data source type.
    pub type_name: String,
    /// Configuration; may contain unknowns.
    pub config: DynamicValue,
    /// Capabilities.
    pub client_capabilities: ClientCapabilities,
}

/// `UpgradeResourceState`.
#[derive(Debug, Clone, Default)]
pub struct UpgradeResourceStateRequest {
    /// Resource type.
    pub type_name: String,
    /// Schema version the state was written with.
    pub version: i64,
    /// The stored state.
    pub raw_state: RawState,
}

/// Answer to `UpgradeResourceState`.
#[derive(Debug, Clone, Default)]
pub struct UpgradeResourceStateResponse {
    /// The state in the current schema (msgpack).
    pub upgraded_state: Option<DynamicValue>,
    /// Problems.
    pub diagnostics: Diagnostics,
}

/// `ReadResource`.
#[derive(Debug, Clone, Default)]
pub struct ReadResourceRequest {
    /// Resource type.
    pub type_name: String,
    /// Current state.
    pub current_state: DynamicValue,
    /// Private data from the last apply.
    pub private: Vec<u8>,
    /// Capabilities.
    pub client_capabilities: ClientCapabilities,
}

/// Answer to `ReadResource`.
#[derive(Debug, Clone, Default)]
pub struct ReadResourceResponse {
    /// New state; a null value means the object is gone.
    pub new_state: Option<DynamicValue>,
    /// Problems.
    pub diagnostics: Diagnostics,
    /// Private data, echoed.
    pub private: Vec<u8>,
}

/// `PlanResourceChange`.
#[derive(Debug, Clone, Default)]
pub struct PlanResourceChangeRequest {
    /// Resource type.
    pub type_name: String,
    /// Prior state (null when creating).
    pub prior_state: DynamicValue,
    /// Terraform's proposal: config merged with prior computed values.
    pub proposed_new_state: DynamicValue,
    /// Configuration (null when destroying).
    pub config: DynamicValue,
    /// Private data from the prior state.
    pub prior_private: Vec<u8>,
    /// Capabilities.
    pub client_capabilities: ClientCapabilities,
}

/// Answer to `PlanResourceChange`.
#[derive(Debug, Clone, Default)]
pub struct PlanResourceChangeResponse {
    /// The planned state.
    pub planned_state: Option<DynamicValue>,
    /// Attribute changes that force replacement.
    pub requires_replace: Vec<AttributePath>,
    /// Private data carried to apply.
    pub planned_private: Vec<u8>,
    /// Problems.
    pub diagnostics: Diagnostics,
}

/// `ApplyResourceChange`.
#[derive(Debug, Clone, Default)]
pub struct ApplyResourceChangeRequest {
    /// Resource type.
    pub type_name: String,
    /// Prior state (null when creating).
    pub prior_state: DynamicValue,
    /// Planned state (null when destroying).
    pub planned_state: DynamicValue,
    /// Configuration (carries write-only values).
    pub config: DynamicValue,
    /// Private data from plan.
    pub planned_private: Vec<u8>,
}

/// Answer to `ApplyResourceChange`.
#[derive(Debug, Clone, Default)]
pub struct ApplyResourceChangeResponse {
    /// The new state (null after a delete). On error: the partial state, so a
    /// remote object that exists is never forgotten.
    pub new_state: Option<DynamicValue>,
    /// Private data to store.
    pub private: Vec<u8>,
    /// Problems.
    pub diagnostics: Diagnostics,
}

/// `ImportResourceState`.
#[derive(Debug, Clone, Default)]
pub struct ImportResourceStateRequest {
    /// Resource type.
    pub type_name: String,
    /// The import ID the user gave.
    pub id: String,
    /// Capabilities.
    pub client_capabilities: ClientCapabilities,
}

/// One imported object.
#[derive(Debug, Clone, Default)]
pub struct ImportedResource {
    /// Resource type.
    pub type_name: String,
    /// Its state (Terraform reads it next).
    pub state: DynamicValue,
    /// Private data.
    pub private: Vec<u8>,
}

/// Answer to `ImportResourceState`.
#[derive(Debug, Clone, Default)]
pub struct ImportResourceStateResponse {
    /// The imported objects (exactly one for us).
    pub imported_resources: Vec<ImportedResource>,
    /// Problems.
    pub diagnostics: Diagnostics,
}

/// `ReadDataSource`.
#[derive(Debug, Clone, Default)]
pub struct ReadDataSourceRequest {
    /// Data source type.
    pub type_name: String,
    /// Configuration.
    pub config: DynamicValue,
    /// Capabilities.
    pub client_capabilities: ClientCapabilities,
}

/// Answer to `ReadDataSource`.
#[derive(Debug, Clone, Default)]
pub struct ReadDataSourceResponse {
    /// The data source's state.
    pub state: Option<DynamicValue>,
    /// Problems.
    pub diagnostics: Diagnostics,
}

/// What the gRPC server calls. Every user-caused problem is a diagnostic in the
/// response; methods never fail otherwise.
#[async_trait::async_trait]
pub trait ProviderServer: Send + Sync + 'static {
    /// `GetProviderSchema` (also used for `GetMetadata`).
    fn schema(&self) -> ProviderSchema;
    /// `ValidateProviderConfig`.
    async fn validate_provider_config(&self, config: DynamicValue) -> Diagnostics;
    /// `ConfigureProvider`.
    async fn configure_provider(&self, req: ConfigureProviderRequest) -> Diagnostics;
    /// `ValidateResourceConfig`.
    async fn validate_resource_config(&self, req: ValidateConfigRequest) -> Diagnostics;
    /// `ValidateDataResourceConfig`.
    async fn validate_data_resource_config(&self, req: ValidateConfigRequest) -> Diagnostics;
    /// `UpgradeResourceState`.
    async fn upgrade_resource_state(
        &self,
        req: UpgradeResourceStateRequest,
    ) -> UpgradeResourceStateResponse;
    /// `ReadResource`.
    async fn read_resource(&self, req: ReadResourceRequest) -> ReadResourceResponse;
    /// `PlanResourceChange`.
    async fn plan_resource_change(
        &self,
        req: PlanResourceChangeRequest,
    ) -> PlanResourceChangeResponse;
    /// `ApplyResourceChange`.
    async fn apply_resource_change(
        &self,
        req: ApplyResourceChangeRequest,
    ) -> ApplyResourceChangeResponse;
    /// `ImportResourceState`.
    async fn import_resource_state(
        &self,
        req: ImportResourceStateRequest,
    ) -> ImportResourceStateResponse;
    /// `ReadDataSource`.
    async fn read_data_source(&self, req: ReadDataSourceRequest) -> ReadDataSourceResponse;
    /// `StopProvider`: cancel every in-flight wait and return promptly.
    async fn stop(&self);
}
