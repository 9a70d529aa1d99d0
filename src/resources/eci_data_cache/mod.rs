//! `aliyun_eci_data_cache`: an ECI data cache, a disk snapshot holding data (a model
//! from a hub, a NAS or OSS directory, a URL) that instances mount to start fast.
//!
//! API actions (ECI `2018-08-08`): CreateDataCache, DescribeDataCaches,
//! UpdateDataCache, DeleteDataCache, and TagResources / UntagResources for tags.
//!
//! Import ID: the cache ID, e.g. `edc-bp15l4vvys94oo1abcde`.
//!
//! Users write plain option keys (`repoId = "..."`); the client adds the `#len#`
//! prefix on the wire and strips it on read, so plans never show it.
//!
//! DescribeDataCaches never returns these, so they are kept from state (null after
//! an import): `security_group_id`, `vswitch_id`, `eip_instance_id`,
//! `eip_create_param`. `retention_days` neither, but after an import it is
//! recovered from `expire_date_time` − `creation_time` when that is whole days.

mod mapping;

use std::time::Duration;

use crate::aliyun::eci::{DataCache, DeleteDataCacheRequest, ResourceType, DATA_CACHE_NOT_FOUND};
use crate::aliyun::{ApiError, CallContext, Client, ClientToken};
use crate::resources::common::{
    api_cx, create_error, event_messages, events_attribute, id_with_prefix, import_id,
    tags_attribute, warn_failed_cache,
};
use crate::resources::eci_cache::{CacheKind, EciCache};
use crate::resources::lifecycle::{self, Change, Deletable, Goal};
use crate::resources::wait::Watched;
use crate::tf::provider::{Existence, PlanChange};
use crate::tf::validators::{IntBetween, Matches, OneOf, StringLength};
use crate::tf::{
    Attribute, AttributePath, Block, Cx, Diagnostics, Nesting, Resource, Schema, Type, Value,
};
pub(crate) use mapping::reported;
use mapping::{changes, from_api, to_create};

/// The resource type name.
pub const TYPE_NAME: &str = "aliyun_eci_data_cache";

/// Data source types the API accepts.
pub const DATA_SOURCE_TYPES: &[&str] = &["URL", "NAS", "OSS", "SNAPSHOT"];

/// Arguments whose change makes UpdateDataCache load the data again (a new
/// snapshot, a new temporary instance, new events): the emulator's model of the
/// API, the only changes that move the snapshot and the status.
const RELOADED_BY: &[&str] = &[
    "size",
    "data_source",
    "security_group_id",
    "vswitch_id",
    "eip_instance_id",
    "eip_create_param",
];

/// The schema: arguments first, then what the API reports.
pub fn schema() -> Schema {
    let data_source = Block::new("Where the data comes from.")
        .attr(
            "type",
            Attribute::required(Type::String)
                .doc("Kind of source.")
                .validate(OneOf(DATA_SOURCE_TYPES)),
        )
        .attr(
            "options",
            Attribute::optional(Type::map(Type::String)).doc(
                "Options of the source, with plain keys. `URL` with a model hub: `repoSource` \
                 (e.g. `HuggingFace/Model`), `repoId`, optionally `revision`; plain `URL`: `url`; \
                 `NAS`: `server`, `path`, `vers`, `options`. Keys are passed through unchanged.",
            ),
        );

    let eip = Block::new(
        "Create a new elastic IP and bind it to the temporary instance (conflicts with \
         `eip_instance_id`).",
    )
    .attr(
        "bandwidth",
        Attribute::optional(Type::Number)
            .doc("Bandwidth in Mbit/s (API default 5).")
            .validate(IntBetween(1, 10000)),
    )
    .attr(
        "common_bandwidth_package",
        Attribute::optional(Type::String)
            .doc("Shared bandwidth package ID (`cbwp-...`).")
            .validate(id_with_prefix(
                "cbwp-",
                "a bandwidth package ID such as `cbwp-abc`",
            )),
    )
    .attr(
        "internet_charge_type",
        Attribute::optional(Type::String)
            .doc("Billing of the EIP.")
            .validate(OneOf(&["PayByBandwidth", "PayByTraffic"])),
    )
    .attr(
        "public_ip_address_pool_id",
        Attribute::optional(Type::String).doc("IP address pool ID (`pippool-...`)."),
    )
    .attr(
        "isp",
        Attribute::optional(Type::String)
            .doc("Line type (API default `BGP`).")
            .validate(OneOf(&["BGP", "BGP_PRO"])),
    );

    let block = Block::new(
        "An ECI data cache: a snapshot of data (a model from Hugging Face or ModelScope, a NAS or \
         OSS directory, a file from a URL) that elastic container instances mount, so they do not \
         download it at start-up. Updated in place with `UpdateDataCache`, except `bucket` and \
         `path`.",
    )
    .attr(
        "id",
        Attribute::computed(Type::String)
            .stable()
            .doc("The data cache ID (`edc-...`)."),
    )
    .attr(
        "path",
        Attribute::required(Type::String)
            .replace_on_change()
            .doc(
                "Path of the cache inside its bucket, e.g. `/model/sd21`.",
            )
            .validate(Matches::new(
                "/.{0,1023}",
                "an absolute path such as `/model/sd21`",
            )),
    )
    .attr(
        "bucket",
        Attribute::optional_computed(Type::String)
            .replace_on_change()
            .default_value("default")
            .doc(
                "Bucket that groups caches; `eci-system` is reserved.",
            )
            .validate(Matches::new(
                "[A-Za-z0-9][A-Za-z0-9._-]{0,127}",
                "a bucket name of letters, digits, `.`, `_` and `-`",
            )),
    )
    .attr(
        "name",
        Attribute::optional_computed(Type::String)
            .stable()
            .doc("Name of the data cache.")
            .validate(StringLength(1, 128)),
    )
    .attr(
        "size",
        Attribute::optional_computed(Type::Number)
            .stable()
            .doc(
                "Size of the cache disk in GiB (the API default is 20). Creation fails if the data \
                 does not fit.",
            )
            .validate(IntBetween(20, 32768)),
    )
    .attr(
        "retention_days",
        Attribute::optional(Type::Number)
            .doc(
                "Days after creation when the cache expires and is deleted. Unset: it never \
                 expires.",
            )
            .validate(IntBetween(1, 3650)),
    )
    .attr(
        "security_group_id",
        Attribute::optional(Type::String)
            .never_returned()
            .doc(
                "Security group of the temporary instance that loads the data.",
            )
            .validate(id_with_prefix(
                "sg-",
                "a security group ID such as `sg-abc`",
            )),
    )
    .attr(
        "vswitch_id",
        Attribute::optional(Type::String)
            .never_returned()
            .doc("vSwitch of the temporary instance.")
            .validate(Matches::new(
                "vsw-[a-z0-9]+(,vsw-[a-z0-9]+){0,9}",
                "one to ten vSwitch IDs such as `vsw-abc`, separated by commas",
            )),
    )
    .attr(
        "eip_instance_id",
        Attribute::optional(Type::String)
            .never_returned()
            .doc(
                "Existing elastic IP to bind to the temporary instance (conflicts with \
                 `eip_create_param`).",
            )
            .validate(id_with_prefix("eip-", "an EIP ID such as `eip-abc`")),
    )
    .attr(
        "resource_group_id",
        Attribute::optional_computed(Type::String)
            .stable()
            .doc(
                "Resource group of the cache; the account's default group when unset.",
            )
            .validate(id_with_prefix(
                "rg-",
                "a resource group ID such as `rg-abc`",
            )),
    )
    .attr("tags", tags_attribute("data cache"))
    .block_limited("data_source", Nesting::List, data_source, 1, 1)
    .block_limited(
        "eip_create_param",
        Nesting::List,
        eip.never_returned(),
        0,
        1,
    )
    // What the API reports.
    .attr(
        "status",
        Attribute::computed(Type::String)
            .changed_by(RELOADED_BY)
            .doc(
                "`Creating`, `Loading`, `Available`, `Failed`, `Updating` or `UpdateFailed`. While \
                 it is `UpdateFailed`, plans warn that the data may not be the data configured.",
            ),
    )
    .attr(
        "progress",
        Attribute::computed(Type::String)
            .changed_by(RELOADED_BY)
            .doc("Progress of the load, e.g. `100%`."),
    )
    .attr(
        "snapshot_id",
        Attribute::computed(Type::String)
            .changed_by(RELOADED_BY)
            .doc("ID of the snapshot that holds the data."),
    )
    .attr(
        "flash_snapshot_id",
        Attribute::computed(Type::String)
            .changed_by(RELOADED_BY)
            .doc("ID of the local snapshot."),
    )
    .attr(
        "container_group_id",
        Attribute::computed(Type::String)
            .changed_by(RELOADED_BY)
            .doc(
                "ID of the temporary instance that loaded the data.",
            ),
    )
    .attr(
        "creation_time",
        Attribute::computed(Type::String)
            .stable()
            .doc("When the cache was created (UTC)."),
    )
    .attr(
        "expire_date_time",
        Attribute::computed(Type::String)
            .changed_by(&["retention_days"])
            .doc("When the cache expires (with `retention_days`)."),
    )
    .attr(
        "last_matched_time",
        Attribute::computed(Type::String)
            .changed_by(&[])
            .doc("Last time an instance used this cache."),
    )
    .attr(
        "region_id",
        Attribute::computed(Type::String)
            .stable()
            .doc("Region of the cache."),
    )
    .attr("events", events_attribute("cache").changed_by(RELOADED_BY));

    Schema::new(block).with_timeouts(&[
        ("create", Duration::from_secs(60 * 60)),
        ("update", Duration::from_secs(60 * 60)),
        ("delete", Duration::from_secs(20 * 60)),
    ])
}

/// The bucket the service keeps for itself.
const RESERVED_BUCKET: &str = "eci-system";

/// The resource.
pub struct DataCacheResource;

#[async_trait::async_trait]
impl Resource<Client> for DataCacheResource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    /// UpdateDataCache has no way to clear a retention (an absent `RetentionDays`
    /// changes nothing), so removing it would plan an update that silently does
    /// nothing: say so, as `aliyun_eci_image_cache` does. (A failed reload is
    /// reported at refresh, see `warn_if_failed`.)
    fn modify_plan(&self, plan: PlanChange<'_>) {
        let Some(prior) = plan.prior else { return };
        if !prior.attr("retention_days").is_null() && plan.config.attr("retention_days").is_null() {
            plan.diags.warn_at(
                AttributePath::root("retention_days"),
                "Retention cannot be removed",
                "The API cannot clear a data cache's retention period: the cache keeps its current expiry \
                 (`expire_date_time`). Set a larger `retention_days`, or replace the cache to remove it.",
            );
        }
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if config.str_attr("bucket") == Some(RESERVED_BUCKET) {
            diags.error_at(
                AttributePath::root("bucket"),
                "Reserved bucket",
                format!("The bucket `{RESERVED_BUCKET}` is reserved by the service; choose another name."),
            );
        }
        let has_eip_params = config
            .attr("eip_create_param")
            .as_list()
            .is_some_and(|l| !l.is_empty());
        // An unknown `eip_instance_id` (a variable at validate) may turn out null: it is
        // judged again at plan, once known. The error points at the attribute, which
        // Terraform can show in the configuration (a path to a whole block it cannot).
        if config.attr("eip_instance_id").is_known_non_null() && has_eip_params {
            diags.error_at(
                AttributePath::root("eip_instance_id"),
                "Conflicting arguments",
                "Bind an existing elastic IP with `eip_instance_id` or create one with `eip_create_param`, not both.",
            );
        }
        if let Some(source) = config.attr("data_source").as_list().and_then(|l| l.first()) {
            validate_options(source, diags);
        }
    }

    fn import(&self, id: &str, state: &mut Value, diags: &mut Diagnostics) {
        import_id(
            id,
            "edc-",
            "edc-bp15l4vvys94oo1abcde",
            "aliyun_eci_data_caches",
            state,
            diags,
        );
    }

    async fn create(
        &self,
        cx: &Cx<Client>,
        _config: &Value,
        state: &mut Value,
        diags: &mut Diagnostics,
    ) {
        let token = ClientToken::generate();
        let id = match cx
            .client
            .create_data_cache(&to_create(state), &token, &api_cx(cx))
            .await
        {
            Ok(created) => created.data_cache_id,
            Err(e) => return create_error(diags, "data cache", state.str_attr("path"), &e),
        };
        lifecycle::created::<Kind>(cx, &id, (DataCache::READY, DataCache::FAILED), state, diags)
            .await;
    }

    async fn read(&self, cx: &Cx<Client>, state: &mut Value, diags: &mut Diagnostics) -> Existence {
        lifecycle::read::<Kind>(cx, state, diags).await
    }

    async fn update(
        &self,
        cx: &Cx<Client>,
        prior: &Value,
        _config: &Value,
        state: &mut Value,
        diags: &mut Diagnostics,
    ) {
        let Some(id) = lifecycle::id_of(prior) else {
            return;
        };
        let change = changes(&id, prior, state).map(|req| {
            // Only a new data source, size or network reloads the data (Updating, then
            // Available or UpdateFailed). A name, retention or resource group applies at
            // once and leaves the status as it was, UpdateFailed included: waiting for
            // Available after one would report an earlier failure as this update's.
            let reloads = req.data_source.is_some()
                || req.size.is_some()
                || req.security_group_id.is_some()
                || req.v_switch_id.is_some()
                || req.eip_instance_id.is_some()
                || req.eip_create_param.is_some();
            Change {
                send: move || async move {
                    let token = ClientToken::generate();
                    cx.client
                        .update_data_cache(&req, &token, &api_cx(cx))
                        .await
                        .map(drop)
                },
                goal: if reloads { Goal::Ready } else { Goal::Settled },
            }
        });
        lifecycle::update::<Kind, _, _>(
            cx,
            prior,
            state,
            Some(ResourceType::DataCache),
            change,
            diags,
        )
        .await;
    }

    async fn delete(&self, cx: &Cx<Client>, state: &Value, diags: &mut Diagnostics) {
        lifecycle::delete::<Kind>(cx, state, diags).await;
    }
}

/// Data caches as the shared lifecycle sees them.
type Kind = CacheKind<DataCache>;

impl EciCache for DataCache {
    const NAME: &'static str = "Data cache";
    /// Updates and deletes are refused while a cache is Creating, Loading or Updating.
    const SETTLED: &'static [&'static str] = &["Available", "UpdateFailed", "Failed"];
    const READY: &'static [&'static str] = &["Available"];
    const FAILED: &'static [&'static str] = &["Failed", "UpdateFailed"];

    fn flatten(&self, state: &mut Value) {
        from_api(state, self);
    }

    fn warn(&self, diags: &mut Diagnostics) {
        warn_if_failed(self, diags);
    }
}

impl Deletable for Kind {
    const NOT_FOUND: &'static [&'static str] = DATA_CACHE_NOT_FOUND;

    async fn send_delete(
        client: &Client,
        id: &str,
        token: &ClientToken,
        api: &CallContext,
    ) -> Result<(), ApiError> {
        let req = DeleteDataCacheRequest {
            data_cache_id: id.to_string(),
            bucket: None,
            path: None,
        };
        client.delete_data_cache(&req, token, api).await.map(drop)
    }
}

impl Watched for DataCache {
    fn status(&self) -> &str {
        &self.status
    }
    fn failure_detail(&self) -> String {
        event_messages(&self.events)
    }
}

/// A failed reload leaves the cache `UpdateFailed` while Describe already reports
/// the new values, so the refresh after a failed update matches the configuration
/// and the plan says "No changes": without this warning the failure would be
/// forgotten at the next plan. Same for a cache whose creation failed outside
/// Terraform's view (imported, or not tainted).
fn warn_if_failed(cache: &DataCache, diags: &mut Diagnostics) {
    let id = &cache.data_cache_id;
    let events = event_messages(&cache.events);
    let said = if events.is_empty() {
        String::new()
    } else {
        format!(" The service said: {events}")
    };
    match cache.status.as_str() {
        "UpdateFailed" => diags.warn(
            "The last update of this data cache failed",
            format!(
                "Data cache {id} is UpdateFailed: the data was not reloaded.{said}\n\nChange the data source \
                 or size to try again, or replace the cache (`terraform apply -replace=...`)."
            ),
        ),
        "Failed" => warn_failed_cache(diags, "Data cache", id, &cache.events),
        _ => {}
    }
}

/// Checks the option keys where the documentation is certain, and catches keys
/// written with the wire prefix (`#6#repoId`) that the provider adds itself.
fn validate_options(source: &Value, diags: &mut Diagnostics) {
    let path = AttributePath::root("data_source").index(0).attr("options");
    let Some(options) = source.attr("options").as_map() else {
        return;
    };
    for key in options.keys() {
        if key.is_empty() {
            diags.error_at(
                path.clone(),
                "Invalid option key",
                "Option keys cannot be empty.",
            );
        } else if key.starts_with('#') {
            diags.error_at(
                path.key(key),
                "Write plain option keys",
                format!(
                    "Write {:?} without the `#N#` prefix; the provider adds it on the wire.",
                    strip_prefix(key)
                ),
            );
        }
    }
    let has = |k: &str| options.contains_key(k);
    match source.str_attr("type") {
        Some("URL") if has("repoSource") && !has("repoId") => {
            diags.error_at(path, "Missing option", "A model hub source (`repoSource`) also needs `repoId`, e.g. `stabilityai/stable-diffusion-2-1`.")
        }
        Some("URL") if !has("repoSource") && !has("url") && !has("repoId") => diags.error_at(
            path,
            "Missing option",
            "A `URL` source needs `url`, or `repoSource` and `repoId` for a model hub.",
        ),
        Some("NAS") if !has("server") => {
            diags.error_at(path, "Missing option", "A `NAS` source needs `server` (the NAS mount target).")
        }
        _ => {}
    }
}

fn strip_prefix(key: &str) -> &str {
    key.strip_prefix('#')
        .and_then(|r| r.split_once('#'))
        .map_or(key, |(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_keys_are_caught_with_the_plain_key_suggested() {
        let source = Value::object([
            ("type", Value::from("URL")),
            (
                "options",
                Value::str_map([("#10#repoSource", "HuggingFace/Model"), ("repoId", "x/y")]),
            ),
        ]);
        let mut d = Diagnostics::new();
        validate_options(&source, &mut d);
        assert_eq!(d.0.len(), 1, "{d:?}");
        assert!(d.0[0].detail.contains("\"repoSource\""));
    }

    #[test]
    fn hub_source_needs_a_repo_id() {
        let source = Value::object([
            ("type", Value::from("URL")),
            (
                "options",
                Value::str_map([("repoSource", "HuggingFace/Model")]),
            ),
        ]);
        let mut d = Diagnostics::new();
        validate_options(&source, &mut d);
        assert!(d.has_errors());
        let ok = Value::object([
            ("type", Value::from("OSS")),
            ("options", Value::str_map([("bucket", "b")])),
        ]);
        let mut d = Diagnostics::new();
        validate_options(&ok, &mut d);
        assert!(d.is_empty(), "unknown types pass through");
    }
}
