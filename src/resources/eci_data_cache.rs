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
//! `eip_create_param`, `retention_days`.

use std::time::Duration;

use crate::resources::common::{events_attribute, id_with_prefix, tags_attribute};
use crate::tf::validators::{IntBetween, Matches, OneOf, StringLength};
use crate::tf::{Attribute, Block, Nesting, Schema, Type};

/// The resource type name.
pub const TYPE_NAME: &str = "aliyun_eci_data_cache";

/// Data source types the API accepts.
pub const DATA_SOURCE_TYPES: &[&str] = &["URL", "NAS", "OSS", "SNAPSHOT"];

/// The schema: arguments first, then what the API reports.
pub fn schema() -> Schema {
    let data_source = Block::new("Where the data comes from.")
        .attr("type", Attribute::required(Type::String).doc("Kind of source.").validate(OneOf(DATA_SOURCE_TYPES)))
        .attr("options", Attribute::optional(Type::map(Type::String)).doc(
            "Options of the source, with plain keys. `URL` with a model hub: `repoSource` (e.g. `HuggingFace/Model`), \
             `repoId`, optionally `revision`; plain `URL`: `url`; `NAS`: `server`, `path`, `vers`, `options`. \
             Keys are passed through unchanged.",
        ));

    let eip = Block::new("Create a new elastic IP and bind it to the temporary instance (conflicts with `eip_instance_id`).")
        .attr("bandwidth", Attribute::optional(Type::Number).doc("Bandwidth in Mbit/s (API default 5).").validate(IntBetween(1, 10000)))
        .attr("common_bandwidth_package", Attribute::optional(Type::String).doc("Shared bandwidth package ID (`cbwp-...`).")
            .validate(id_with_prefix("cbwp-", "a bandwidth package ID such as `cbwp-abc`")))
        .attr("internet_charge_type", Attribute::optional(Type::String).doc("Billing of the EIP.")
            .validate(OneOf(&["PayByBandwidth", "PayByTraffic"])))
        .attr("public_ip_address_pool_id", Attribute::optional(Type::String).doc("IP address pool ID (`pippool-...`)."))
        .attr("isp", Attribute::optional(Type::String).doc("Line type (API default `BGP`).").validate(OneOf(&["BGP", "BGP_PRO"])));

    let block = Block::new(
        "An ECI data cache: a snapshot of data (a model from Hugging Face or ModelScope, a NAS or OSS directory, \
         a file from a URL) that elastic container instances mount, so they do not download it at start-up. \
         Updated in place with `UpdateDataCache`, except `bucket` and `path`.",
    )
    .attr("id", Attribute::computed(Type::String).stable().doc("The data cache ID (`edc-...`)."))
    .attr("path", Attribute::required(Type::String).replace_on_change()
        .doc("Path of the cache inside its bucket, e.g. `/model/sd21`.")
        .validate(Matches::new("/.{0,1023}", "an absolute path such as `/model/sd21`")))
    .attr("bucket", Attribute::optional_computed(Type::String).replace_on_change()
        .default_value("default")
        .doc("Bucket that groups caches; `eci-system` is reserved.")
        .validate(Matches::new("[A-Za-z0-9][A-Za-z0-9._-]{0,127}", "a bucket name of letters, digits, `.`, `_` and `-`")))
    .attr("name", Attribute::optional_computed(Type::String).stable().doc("Name of the data cache.").validate(StringLength(1, 128)))
    .attr("size", Attribute::optional_computed(Type::Number).stable()
        .doc("Size of the cache disk in GiB (the API default is 20). Creation fails if the data does not fit.")
        .validate(IntBetween(20, 32768)))
    .attr("retention_days", Attribute::optional(Type::Number)
        .doc("Days after creation when the cache expires and is deleted. Unset: it never expires.")
        .validate(IntBetween(1, 3650)))
    .attr("security_group_id", Attribute::optional(Type::String)
        .doc("Security group of the temporary instance that loads the data.")
        .validate(id_with_prefix("sg-", "a security group ID such as `sg-abc`")))
    .attr("vswitch_id", Attribute::optional(Type::String)
        .doc("vSwitch of the temporary instance.")
        .validate(Matches::new("vsw-[a-z0-9]+(,vsw-[a-z0-9]+){0,9}", "one to ten vSwitch IDs such as `vsw-abc`, separated by commas")))
    .attr("eip_instance_id", Attribute::optional(Type::String)
        .doc("Existing elastic IP to bind to the temporary instance (conflicts with `eip_create_param`).")
        .validate(id_with_prefix("eip-", "an EIP ID such as `eip-abc`")))
    .attr("resource_group_id", Attribute::optional_computed(Type::String).stable()
        .doc("Resource group of the cache; the account's default group when unset.")
        .validate(id_with_prefix("rg-", "a resource group ID such as `rg-abc`")))
    .attr("tags", tags_attribute("data cache"))
    .block_limited("data_source", Nesting::List, data_source, 1, 1)
    .block_limited("eip_create_param", Nesting::List, eip, 0, 1)
    // What the API reports.
    .attr("status", Attribute::computed(Type::String)
        .doc("`Creating`, `Loading`, `Available`, `Failed`, `Updating` or `UpdateFailed`."))
    .attr("progress", Attribute::computed(Type::String).doc("Progress of the load, e.g. `100%`."))
    .attr("snapshot_id", Attribute::computed(Type::String).doc("ID of the snapshot that holds the data."))
    .attr("flash_snapshot_id", Attribute::computed(Type::String).doc("ID of the local snapshot."))
    .attr("container_group_id", Attribute::computed(Type::String).doc("ID of the temporary instance that loaded the data."))
    .attr("creation_time", Attribute::computed(Type::String).stable().doc("When the cache was created (UTC)."))
    .attr("expire_date_time", Attribute::computed(Type::String).doc("When the cache expires (with `retention_days`)."))
    .attr("last_matched_time", Attribute::computed(Type::String).doc("Last time an instance used this cache."))
    .attr("region_id", Attribute::computed(Type::String).stable().doc("Region of the cache."))
    .attr("events", events_attribute("cache"));

    Schema::new(block).with_timeouts(&[
        ("create", Duration::from_secs(60 * 60)),
        ("update", Duration::from_secs(60 * 60)),
        ("delete", Duration::from_secs(20 * 60)),
    ])
}
