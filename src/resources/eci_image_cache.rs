//! `aliyun_eci_image_cache`: an ECI image cache, a disk snapshot holding
//! pre-pulled container images so that elastic container instances start fast.
//!
//! API actions (ECI `2018-08-08`): CreateImageCache, DescribeImageCaches,
//! UpdateImageCache, DeleteImageCache, and TagResources / UntagResources for tags.
//!
//! Import ID: the cache ID, e.g. `imc-bp195erqe9o2pb09abcd`.
//!
//! DescribeImageCaches never returns these, so they are kept from state (null
//! after an import; filling them in adopts the cache in place, see `Replace::UnlessPriorNull`):
//! `security_group_id`, `vswitch_id`, `zone_id`, `eip_instance_id`,
//! `retention_days`, `auto_match_image_cache`, `image_registry_credential`,
//! `acr_registry_info`, `flash`, `standard_copy_count`, `flash_copy_count`,
//! `annotations`, `plain_http_registries`, `insecure_registries`, `os_type`.

use std::time::Duration;

use crate::resources::common::{events_attribute, id_with_prefix, tags_attribute};
use crate::tf::validators::{Each, IntBetween, Matches, OneOf, SizeBetween, StringLength};
use crate::tf::{Attribute, Block, Nesting, Schema, Type};

/// The resource type name.
pub const TYPE_NAME: &str = "aliyun_eci_image_cache";

/// The schema: arguments first, then what the API reports.
pub fn schema() -> Schema {
    let credential = Block::new("Credentials for a private image registry (at most 10).")
        .attr("server", Attribute::required(Type::String)
            .doc("Registry address without `http://` or `https://`, e.g. `registry.example.com`.")
            .validate(Matches::new("[^/:]+(:[0-9]+)?(/.*)?", "a registry address without a scheme")))
        .attr("user_name", Attribute::required(Type::String).doc("User name for the registry.").validate(StringLength(1, 128)))
        .attr("password", Attribute::optional(Type::String).sensitive()
            .doc("Password for the registry. Stored in state (sensitive); prefer `password_wo` with Terraform 1.11 or later."))
        .attr("password_wo", Attribute::optional(Type::String).sensitive().write_only()
            .doc("Write-only password (Terraform 1.11 or later): sent to the API, never stored in state. \
                  Change `password_wo_version` to send a new one."))
        .attr("password_wo_version", Attribute::optional(Type::Number)
            .doc("Any number; changing it sends `password_wo` again."));

    let acr = Block::new(
        "An ACR Enterprise Edition instance to pull from without a password (at most 20).",
    )
    .attr(
        "instance_id",
        Attribute::required(Type::String)
            .doc("ACR Enterprise Edition instance ID, e.g. `cri-abc`.")
            .validate(id_with_prefix(
                "cri-",
                "an ACR instance ID such as `cri-abc`",
            )),
    )
    .attr(
        "instance_name",
        Attribute::optional(Type::String).doc("Name of the ACR instance."),
    )
    .attr(
        "region_id",
        Attribute::optional(Type::String).doc("Region of the ACR instance."),
    )
    .attr(
        "domains",
        Attribute::optional(Type::set(Type::String))
            .doc("Domains of the instance to use; default all of them.")
            .validate(SizeBetween(1, 100)),
    )
    .attr(
        "arn_service",
        Attribute::optional(Type::String)
            .replace_unless_prior_null()
            .doc("ARN of the RAM role in the ECI account, for cross-account pulls."),
    )
    .attr(
        "arn_user",
        Attribute::optional(Type::String)
            .replace_unless_prior_null()
            .doc("ARN of the RAM role in the ACR account, for cross-account pulls."),
    );

    let block = Block::new(
        "An ECI image cache: a snapshot of pre-pulled container images that elastic container instances \
         start from, so large images do not have to be pulled at start-up. Most arguments are updated in \
         place with `UpdateImageCache`; changing `images` re-pulls them.",
    )
    .attr("id", Attribute::computed(Type::String).stable().doc("The image cache ID (`imc-...`)."))
    .attr("image_cache_name", Attribute::required(Type::String).doc("Name of the image cache.").validate(StringLength(1, 128)))
    .attr("images", Attribute::required(Type::set(Type::String))
        .doc("Container images to cache, as full references such as `nginx:1.25` or \
              `registry.example.com/team/app:v1`. The order does not matter.")
        .validate(SizeBetween(1, 100))
        .validate(Each(StringLength(1, 1024))))
    .attr("security_group_id", Attribute::required(Type::String)
        .doc("Security group of the temporary instance that pulls the images.")
        .validate(id_with_prefix("sg-", "a security group ID such as `sg-abc`")))
    .attr("vswitch_id", Attribute::required(Type::String)
        .doc("vSwitch of the temporary instance; up to 10 IDs separated by commas.")
        .validate(Matches::new("vsw-[a-z0-9]+(,vsw-[a-z0-9]+){0,9}", "one to ten vSwitch IDs such as `vsw-abc`, separated by commas")))
    .attr("zone_id", Attribute::optional(Type::String).replace_unless_prior_null()
        .doc("Zone of the temporary instance, e.g. `cn-hangzhou-g`.")
        .validate(Matches::new("[a-z]{2,}(-[a-z0-9]+)+", "a zone ID such as `cn-hangzhou-g`")))
    .attr("eip_instance_id", Attribute::optional(Type::String)
        .doc("Elastic IP to bind to the temporary instance, to pull public images when the VPC has no NAT gateway.")
        .validate(id_with_prefix("eip-", "an EIP ID such as `eip-abc`")))
    .attr("resource_group_id", Attribute::optional_computed(Type::String).stable()
        .doc("Resource group of the cache; the account's default group when unset.")
        .validate(id_with_prefix("rg-", "a resource group ID such as `rg-abc`")))
    .attr("image_cache_size", Attribute::optional_computed(Type::Number).stable()
        .doc("Size of the cache disk in GiB (the API default is 20). Creation fails if the images do not fit.")
        .validate(IntBetween(20, 32768)))
    .attr("retention_days", Attribute::optional(Type::Number)
        .doc("Days after creation when the cache expires and is deleted. Unset: it never expires.")
        .validate(IntBetween(1, 3650)))
    .attr("auto_match_image_cache", Attribute::optional(Type::Bool)
        .doc("Reuse layers of existing caches to speed up creation."))
    .attr("flash", Attribute::optional(Type::Bool)
        .doc("Instant image cache: a local snapshot is made first, so the cache is usable sooner."))
    .attr("standard_copy_count", Attribute::optional(Type::Number)
        .doc("Number of regular snapshot copies (about one per 1,000 instances started at once).")
        .validate(IntBetween(1, 100)))
    .attr("flash_copy_count", Attribute::optional(Type::Number)
        .doc("Number of local snapshot copies (with `flash`).")
        .validate(IntBetween(1, 100)))
    .attr("elimination_strategy", Attribute::optional(Type::String)
        .doc("`LRU` lets the service delete least recently used caches when the cache quota is reached; unset: never evicted.")
        .validate(OneOf(&["LRU"])))
    .attr("annotations", Attribute::optional(Type::String).replace_unless_prior_null()
        .doc("Opaque annotations passed to the service at creation."))
    .attr("plain_http_registries", Attribute::optional(Type::set(Type::String)).replace_unless_prior_null()
        .doc("Registries to pull from over plain HTTP."))
    .attr("insecure_registries", Attribute::optional(Type::set(Type::String)).replace_unless_prior_null()
        .doc("Registries whose TLS certificates are not verified."))
    .attr("os_type", Attribute::optional(Type::String).replace_unless_prior_null()
        .doc("Operating system of the images (`Windows` is an invitational preview; the API default is `Linux`).")
        .validate(OneOf(&["Linux", "Windows"])))
    .attr("tags", tags_attribute("image cache"))
    .block_limited("image_registry_credential", Nesting::List, credential, 0, 10)
    .block_limited("acr_registry_info", Nesting::List, acr, 0, 20)
    // What the API reports.
    .attr("status", Attribute::computed(Type::String)
        .doc("`Preparing`, `Creating`, `Ready`, `Failed`, `Updating` or `UpdateFailed`."))
    .attr("progress", Attribute::computed(Type::String).doc("Progress of the snapshot, e.g. `100%`."))
    .attr("snapshot_id", Attribute::computed(Type::String).doc("ID of the snapshot that holds the images."))
    .attr("flash_snapshot_id", Attribute::computed(Type::String).doc("ID of the temporary local snapshot (with `flash`)."))
    .attr("container_group_id", Attribute::computed(Type::String).doc("ID of the temporary instance that pulled the images."))
    .attr("creation_time", Attribute::computed(Type::String).stable().doc("When the cache was created (UTC)."))
    .attr("expire_date_time", Attribute::computed(Type::String).doc("When the cache expires (with `retention_days`)."))
    .attr("last_matched_time", Attribute::computed(Type::String).doc("Last time an instance was created from this cache."))
    .attr("region_id", Attribute::computed(Type::String).stable().doc("Region of the cache."))
    .attr("events", events_attribute("cache"));

    Schema::new(block).with_timeouts(&[
        ("create", Duration::from_secs(60 * 60)),
        ("update", Duration::from_secs(60 * 60)),
        ("delete", Duration::from_secs(20 * 60)),
    ])
}
