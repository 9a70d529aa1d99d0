//! The traits a provider author implements.
//!
//! A resource writes only its schema and create/read/update/delete (plus optional
//! validation, plan and import hooks). The driver (`crate::driver`) owns every
//! protocol invariant: decoding, defaults, which computed values become unknown,
//! replacement, write-only handling, timeouts, partial state on errors.
//!
//! Resources work on dynamic [`Value`] objects shaped by their schema, read with
//! the total accessors of [`Value`] (`str_attr`, `i64_attr`, ...), so no resource
//! code can panic on a null or unknown value.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::tf::diagnostics::Diagnostics;
use crate::tf::path::AttributePath;
use crate::tf::schema::Schema;
use crate::tf::value::Value;

/// The context of one operation: the configured client, the deadline from the
/// resource's `timeouts`, and the token that `StopProvider` cancels.
pub struct Cx<C> {
    /// What the provider's `configure` produced (the API client).
    pub client: Arc<C>,
    /// When the operation must give up (from `timeouts`), if any.
    pub deadline: Option<tokio::time::Instant>,
    /// The operation's timeout as configured, for messages ("timed out after 5s").
    pub timeout: Option<Duration>,
    /// Cancelled when Terraform asks the provider to stop (Ctrl-C).
    pub cancel: CancellationToken,
    /// The object was imported and not applied since: a read may recover values
    /// the API returns only indirectly (state holds nothing better yet).
    pub imported: bool,
}

impl<C> Clone for Cx<C> {
    fn clone(&self) -> Self {
        Cx {
            client: self.client.clone(),
            deadline: self.deadline,
            timeout: self.timeout,
            cancel: self.cancel.clone(),
            imported: self.imported,
        }
    }
}

/// Whether the remote object still exists after a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existence {
    /// It exists; the state was refreshed.
    Exists,
    /// It is gone; Terraform will plan to create it again.
    Gone,
}

/// What a resource's plan hook may adjust after the generic plan.
pub struct PlanChange<'a> {
    /// Prior state; `None` when creating.
    pub prior: Option<&'a Value>,
    /// The object was imported and not applied since: null values the API never
    /// returns are unknown, not unset (see `Replace::UnlessAdopting`).
    pub adopting: bool,
    /// The configuration.
    pub config: &'a Value,
    /// The planned state, already planned generically.
    pub planned: &'a mut Value,
    /// Attribute paths forcing replacement (the driver sorts and de-duplicates).
    pub requires_replace: &'a mut Vec<AttributePath>,
    /// Problems.
    pub diags: &'a mut Diagnostics,
}

/// A managed resource type.
#[async_trait::async_trait]
pub trait Resource<C>: Send + Sync + 'static {
    /// The type name, e.g. `aliyun_eci_image_cache`.
    fn type_name(&self) -> &'static str;
    /// Its schema (called once; the driver caches it).
    fn schema(&self) -> Schema;
    /// Cross-attribute checks on a configuration that may hold unknowns
    /// (attribute validators have already run).
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    /// Adjusts a plan that is not a destroy (after the generic planning).
    fn modify_plan(&self, _plan: PlanChange<'_>) {}
    /// Creates the object. `state` starts as the planned state: set `id` as soon as
    /// the API returns it, so that on error the driver keeps the object in state
    /// (tainted) rather than forgetting it. Unknowns left at the end become null.
    async fn create(&self, cx: &Cx<C>, config: &Value, state: &mut Value, diags: &mut Diagnostics);
    /// Refreshes `state` (the current state) from the API.
    async fn read(&self, cx: &Cx<C>, state: &mut Value, diags: &mut Diagnostics) -> Existence;
    /// Applies the change from `prior` to the planned state. `state` starts as the
    /// planned state. On error the driver returns `prior`, so nothing half-applied
    /// is recorded as done and the next plan proposes the change again.
    async fn update(
        &self,
        cx: &Cx<C>,
        prior: &Value,
        config: &Value,
        state: &mut Value,
        diags: &mut Diagnostics,
    );
    /// Deletes the object. "Already gone" is success.
    async fn delete(&self, cx: &Cx<C>, state: &Value, diags: &mut Diagnostics);
    /// Turns an import ID into a state for the following read. `state` starts as
    /// an object of nulls; the default sets `id`.
    fn import(&self, id: &str, state: &mut Value, _diags: &mut Diagnostics) {
        state.set_attr("id", id);
    }
}

/// A data source type.
#[async_trait::async_trait]
pub trait DataSource<C>: Send + Sync + 'static {
    /// The type name, e.g. `aliyun_eci_image_caches`.
    fn type_name(&self) -> &'static str;
    /// Its schema.
    fn schema(&self) -> Schema;
    /// Cross-attribute checks.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    /// Reads. `state` starts as the configuration; fill in the computed attributes.
    async fn read(&self, cx: &Cx<C>, state: &mut Value, diags: &mut Diagnostics);
}

/// The provider: its configuration and its resource types.
#[async_trait::async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What configuration produces and every operation receives (the API client).
    type Client: Send + Sync + 'static;
    /// The provider block's schema.
    fn schema(&self) -> Schema;
    /// Checks on the provider block (may hold unknowns).
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    /// Builds the client from the provider block. Must not call the network.
    async fn configure(&self, config: &Value, diags: &mut Diagnostics) -> Option<Self::Client>;
    /// The resource types.
    fn resources(&self) -> Vec<Arc<dyn Resource<Self::Client>>>;
    /// The data source types.
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Self::Client>>>;
}
