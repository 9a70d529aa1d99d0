//! The generic resource driver: validate, plan, apply, read, import and upgrade,
//! written once for every resource.
//!
//! [`Driver`] implements [`ProviderServer`] on top of a [`Provider`]: it decodes
//! values with the cached schemas, enforces the protocol's invariants (defaults,
//! which computed values become unknown, replacement, write-only nulling,
//! timeouts, partial state on errors) and calls the author's hooks. It knows
//! nothing of gRPC (`crate::server`) nor of any cloud.
//!
//! One file per RPC family: `validate.rs`, `plan.rs`, `apply.rs`, `read.rs` (read,
//! import, upgrade), `data.rs` (data sources) and `provider.rs` (schema,
//! configure); [`objects`] holds value helpers and `check.rs` the schema rules
//! ([`check_schema`]). Tests sit beside each, on the fake provider of `testing.rs`.

mod apply;
mod check;
mod data;
pub mod objects;
mod plan;
mod private;
mod provider;
mod read;
#[cfg(test)]
mod testing;
mod validate;

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use tokio_util::sync::CancellationToken;

pub use check::{assert_schema_valid, assert_schemas_valid, check_schema, unaccounted};

use crate::tf::protocol::{self, DynamicValue, ProviderServer};
use crate::tf::provider::{Cx, DataSource, Provider, Resource};
use crate::tf::schema::{parse_duration, Schema};
use crate::tf::{json, msgpack, Diagnostics, Type, Value};

/// A registered resource or data source with its schema, computed once.
struct Registered<T: ?Sized> {
    imp: Arc<T>,
    schema: Schema,
    ty: Type,
}

impl<T: ?Sized> Registered<T> {
    fn new(imp: Arc<T>, schema: Schema) -> Self {
        let ty = schema.value_type();
        Registered { imp, schema, ty }
    }
}

/// Serves the Terraform protocol for a [`Provider`].
pub struct Driver<P: Provider> {
    provider: P,
    provider_schema: Schema,
    resources: BTreeMap<String, Registered<dyn Resource<P::Client>>>,
    data_sources: BTreeMap<String, Registered<dyn DataSource<P::Client>>>,
    /// Problems found in the schemas, reported by `GetProviderSchema`.
    schema_diags: Diagnostics,
    /// Set by `ConfigureProvider`; every later operation gets a clone.
    client: RwLock<ClientSlot<P::Client>>,
    /// Tripped by `StopProvider`; cloned into every [`Cx`].
    stop: CancellationToken,
}

impl<P: Provider> Driver<P> {
    /// Caches every schema of `provider` and checks them against the protocol's rules.
    pub fn new(provider: P) -> Self {
        let provider_schema = provider.schema();
        let mut schema_diags = Diagnostics::new();
        report_schema(&mut schema_diags, "the provider", &provider_schema);
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| (r.type_name(), r.schema(), r));
        let resources = register("resource", resources, &mut schema_diags);
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| (d.type_name(), d.schema(), d));
        let data_sources = register("data source", data_sources, &mut schema_diags);
        Driver {
            provider,
            provider_schema,
            resources,
            data_sources,
            schema_diags,
            client: RwLock::new(ClientSlot::Unconfigured),
            stop: CancellationToken::new(),
        }
    }

    fn resource(
        &self,
        type_name: &str,
        diags: &mut Diagnostics,
    ) -> Option<&Registered<dyn Resource<P::Client>>> {
        let r = self.resources.get(type_name);
        if r.is_none() {
            diags.error(
                "Unknown resource type",
                format!("This provider has no resource type `{type_name}`."),
            );
        }
        r
    }

    fn data_source(
        &self,
        type_name: &str,
        diags: &mut Diagnostics,
    ) -> Option<&Registered<dyn DataSource<P::Client>>> {
        let d = self.data_sources.get(type_name);
        if d.is_none() {
            diags.error(
                "Unknown data source type",
                format!("This provider has no data source type `{type_name}`."),
            );
        }
        d
    }

    /// The context of one operation: the configured client, the deadline from
    /// `timeouts.<op>` in `state` (or the schema's default; reads that have none
    /// get [`DEFAULT_READ_TIMEOUT`]) and the stop token.
    fn cx(&self, schema: &Schema, state: &Value, op: &str) -> Result<Cx<P::Client>, Diagnostics> {
        let slot = self.client.read().unwrap_or_else(PoisonError::into_inner);
        let client =
            match &*slot {
                ClientSlot::Ready(client) => client.clone(),
                ClientSlot::Unconfigured => return Err(Diagnostics::from_error(
                    "Provider not configured",
                    "The provider was asked to reach the API before ConfigureProvider succeeded. \
                     Check the provider block for errors reported earlier.",
                )),
                ClientSlot::NotKnownYet(unknown) => {
                    return Err(Diagnostics::from_error(
                        "Provider configuration not known yet",
                        not_known_yet_detail(unknown),
                    ))
                }
            };
        let timeout = state
            .attr(objects::TIMEOUTS)
            .str_attr(op)
            .and_then(parse_duration)
            .or_else(|| schema.default_timeout(op))
            .or((op == "read").then_some(DEFAULT_READ_TIMEOUT));
        Ok(Cx {
            client,
            deadline: timeout.map(|t| tokio::time::Instant::now() + t),
            timeout,
            cancel: self.stop.clone(),
            imported: false,
        })
    }
}

/// How long a refresh or a data source read may take, retries included, when the
/// schema sets no `read` timeout: an endpoint that accepts connections and never
/// answers must end a plan with an error, not hang a CI job.
pub const DEFAULT_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// What `ConfigureProvider` left for later operations.
enum ClientSlot<C> {
    /// Not configured (yet), or configuration failed.
    Unconfigured,
    /// The provider block holds values known only after apply (a resource's
    /// output): plans that create or change only new objects need no client, and
    /// Terraform configures again with known values before applying.
    NotKnownYet(Vec<crate::tf::AttributePath>),
    /// Configured.
    Ready(Arc<C>),
}

/// Why an operation cannot reach the API while the provider block is unknown.
fn not_known_yet_detail(unknown: &[crate::tf::AttributePath]) -> String {
    let names: Vec<String> = unknown
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| format!("`{p}`"))
        .collect();
    let what = match names.len() {
        0 => "The provider block depends".to_string(),
        1 => format!("{} in the provider block depends", names[0]),
        _ => format!("{} in the provider block depend", names.join(", ")),
    };
    format!(
        "{what} on values known only after apply (such as another resource's attributes), \
         but this operation must call the API during the plan. Apply the resources the \
         provider block depends on first (`terraform apply -target=ADDRESS`), or give the \
         provider block values known at plan time (variables, locals, data sources)."
    )
}

/// Caches each type's schema by name; the first of two with one name wins.
fn register<T: ?Sized>(
    kind: &str,
    items: impl Iterator<Item = (&'static str, Schema, Arc<T>)>,
    diags: &mut Diagnostics,
) -> BTreeMap<String, Registered<T>> {
    let mut out = BTreeMap::new();
    for (name, schema, imp) in items {
        report_schema(diags, name, &schema);
        if out.contains_key(name) {
            diags.error(
                format!("Duplicate {kind} type"),
                format!("`{name}` is registered twice."),
            );
            continue;
        }
        out.insert(name.to_string(), Registered::new(imp, schema));
    }
    out
}

fn report_schema(diags: &mut Diagnostics, what: &str, schema: &Schema) {
    for problem in check_schema(schema) {
        diags.error(format!("Invalid schema for {what}"), problem);
    }
}

/// Decodes a value Terraform sent; problems become diagnostics on the attribute.
/// An empty `DynamicValue` is null.
fn decode(dv: &DynamicValue, ty: &Type, what: &str, diags: &mut Diagnostics) -> Option<Value> {
    let result = if !dv.msgpack.is_empty() {
        msgpack::decode(&dv.msgpack, ty)
    } else if !dv.json.is_empty() {
        json::decode(&dv.json, ty)
    } else {
        Ok(Value::Null)
    };
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            let detail = format!(
                "Terraform sent a {what} that does not match the schema: {}.",
                e.message
            );
            push_at(diags, e.path, format!("Invalid {what}"), detail);
            None
        }
    }
}

/// Encodes a value for Terraform; a value that does not fit the schema is a
/// provider bug, reported on the attribute.
fn encode(v: &Value, ty: &Type, diags: &mut Diagnostics) -> Option<DynamicValue> {
    match msgpack::encode(v, ty) {
        Ok(bytes) => Some(DynamicValue::msgpack(bytes)),
        Err(e) => {
            let detail = format!("The provider produced a value that does not match its schema: {}. This is a bug in the provider.", e.message);
            push_at(diags, e.path, "Provider produced an invalid value", detail);
            None
        }
    }
}

fn push_at(
    diags: &mut Diagnostics,
    path: crate::tf::AttributePath,
    summary: impl Into<String>,
    detail: String,
) {
    if path.is_empty() {
        diags.error(summary, detail);
    } else {
        diags.error_at(path, summary, detail);
    }
}

/// Counts the diagnostics of an RPC in the log (values never appear in logs:
/// they may be sensitive). The server logs the RPC itself.
fn log_done(rpc: &str, diags: &Diagnostics) {
    let errors = diags
        .iter()
        .filter(|d| d.severity == crate::tf::Severity::Error)
        .count();
    let warnings = diags.0.len() - errors;
    if errors + warnings > 0 {
        log::debug!("{rpc}: {errors} error(s), {warnings} warning(s)");
    }
}

#[async_trait::async_trait]
impl<P: Provider> ProviderServer for Driver<P> {
    fn schema(&self) -> protocol::ProviderSchema {
        self.provider_schema()
    }
    async fn validate_provider_config(&self, config: DynamicValue) -> Diagnostics {
        self.validate_provider(config)
    }
    async fn configure_provider(&self, req: protocol::ConfigureProviderRequest) -> Diagnostics {
        self.configure(req).await
    }
    async fn validate_resource_config(&self, req: protocol::ValidateConfigRequest) -> Diagnostics {
        self.validate_resource(req)
    }
    async fn validate_data_resource_config(
        &self,
        req: protocol::ValidateConfigRequest,
    ) -> Diagnostics {
        self.validate_data_source(req)
    }
    async fn upgrade_resource_state(
        &self,
        req: protocol::UpgradeResourceStateRequest,
    ) -> protocol::UpgradeResourceStateResponse {
        self.upgrade(req)
    }
    async fn read_resource(
        &self,
        req: protocol::ReadResourceRequest,
    ) -> protocol::ReadResourceResponse {
        self.read(req).await
    }
    async fn plan_resource_change(
        &self,
        req: protocol::PlanResourceChangeRequest,
    ) -> protocol::PlanResourceChangeResponse {
        self.plan(req)
    }
    async fn apply_resource_change(
        &self,
        req: protocol::ApplyResourceChangeRequest,
    ) -> protocol::ApplyResourceChangeResponse {
        self.apply(req).await
    }
    async fn import_resource_state(
        &self,
        req: protocol::ImportResourceStateRequest,
    ) -> protocol::ImportResourceStateResponse {
        self.import(req)
    }
    async fn read_data_source(
        &self,
        req: protocol::ReadDataSourceRequest,
    ) -> protocol::ReadDataSourceResponse {
        self.read_data(req).await
    }
    async fn stop(&self) {
        self.stop.cancel();
    }
}
