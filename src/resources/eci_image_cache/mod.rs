//! `aliyun_eci_image_cache`: an ECI image cache, a disk snapshot holding
//! pre-pulled container images so that elastic container instances start fast.
//!
//! API actions (ECI `2018-08-08`): CreateImageCache, DescribeImageCaches,
//! UpdateImageCache, DeleteImageCache, and TagResources / UntagResources for tags.
//!
//! Import ID: the cache ID, e.g. `imc-bp195erqe9o2pb09abcd`.
//!
//! DescribeImageCaches never returns these, so they are kept from state (null
//! after an import; filling them in adopts an imported cache in place, see
//! `Replace::UnlessAdopting`): `security_group_id`, `vswitch_id`, `zone_id`,
//! `eip_instance_id`, `auto_match_image_cache`, `image_registry_credential`,
//! `acr_registry_info`, `flash`, `standard_copy_count`, `flash_copy_count`,
//! `annotations`, `plain_http_registries`, `insecure_registries`, `os_type`.
//! `retention_days` neither, but after an import it is recovered from
//! `expire_date_time` − `creation_time` when that is whole days.

mod mapping;

use std::time::Duration;

use crate::aliyun::eci::{
    DeleteImageCacheRequest, ImageCache, ResourceType, IMAGE_CACHE_NOT_FOUND,
};
use crate::aliyun::{ApiError, CallContext, Client, ClientToken};
use crate::resources::common::{
    api_cx, create_error, event_messages, events_attribute, id_with_prefix, import_id,
    plan_computed_unknown, tags_attribute, warn_failed_cache,
};
use crate::resources::eci_cache::{CacheKind, EciCache};
use crate::resources::lifecycle::{self, Change, Deletable, Goal};
use crate::resources::wait::Watched;
use crate::tf::provider::{Existence, PlanChange};
use crate::tf::validators::{
    Each, IntBetween, Matches, OneOf, SizeBetween, StringLength, Validator,
};
use crate::tf::{
    Attribute, AttributePath, Block, Cx, Diagnostics, Nesting, Resource, Schema, Type, Value,
};
pub(crate) use mapping::reported;
use mapping::{changes, from_api, to_create};

/// The resource type name.
pub const TYPE_NAME: &str = "aliyun_eci_image_cache";

/// Arguments whose change makes UpdateImageCache pull the images again (a new
/// snapshot, a new temporary instance, new events): the emulator's model of the
/// API, the only changes that move the snapshot and the status.
const REPULLED_BY: &[&str] = &[
    "images",
    "image_registry_credential",
    "acr_registry_info",
    "image_cache_size",
    "flash",
    "standard_copy_count",
    "flash_copy_count",
    "auto_match_image_cache",
    "security_group_id",
    "vswitch_id",
    "eip_instance_id",
];

/// The schema: arguments first, then what the API reports.
pub fn schema() -> Schema {
    let credential = Block::new(
        "Credentials for a private image registry (at most 10).",
    )
    .attr(
        "server",
        Attribute::required(Type::String)
            .doc(
                "Registry address without `http://` or `https://`, e.g. `registry.example.com`.",
            )
            .validate(Matches::new(
                "[^/:]+(:[0-9]+)?(/.*)?",
                "a registry address without a scheme",
            )),
    )
    .attr(
        "user_name",
        Attribute::required(Type::String)
            .doc("User name for the registry.")
            .validate(StringLength(1, 128)),
    )
    .attr(
        "password",
        Attribute::optional(Type::String).sensitive().doc(
            "Password for the registry. Stored in state (sensitive); prefer `password_wo` with \
             Terraform 1.11 or later.",
        ),
    )
    .attr(
        "password_wo",
        Attribute::optional(Type::String)
            .sensitive()
            .write_only()
            .doc(
                "Write-only password (Terraform 1.11 or later): sent to the API, never stored in \
                 state. Change `password_wo_version` to send a new one.",
            ),
    )
    .attr(
        "password_wo_version",
        Attribute::optional(Type::Number).doc(
            "Any number; changing it sends `password_wo` again.",
        ),
    );

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
            .replace_unless_adopting()
            .doc("ARN of the RAM role in the ECI account, for cross-account pulls."),
    )
    .attr(
        "arn_user",
        Attribute::optional(Type::String)
            .replace_unless_adopting()
            .doc("ARN of the RAM role in the ACR account, for cross-account pulls."),
    );

    let block = Block::new(
        "An ECI image cache: a snapshot of pre-pulled container images that elastic container \
         instances start from, so large images do not have to be pulled at start-up. Most \
         arguments are updated in place with `UpdateImageCache`; changing `images` re-pulls them.",
    )
    .attr(
        "id",
        Attribute::computed(Type::String)
            .stable()
            .doc("The image cache ID (`imc-...`)."),
    )
    .attr(
        "image_cache_name",
        Attribute::required(Type::String)
            .doc("Name of the image cache.")
            .validate(StringLength(1, 128)),
    )
    .attr(
        "images",
        Attribute::required(Type::set(Type::String))
            .doc(
                "Container images to cache, as full references such as `nginx:1.25` or \
                 `registry.example.com/team/app:v1`. The order does not matter.",
            )
            .validate(SizeBetween(1, 100))
            .validate(Each(StringLength(1, 1024)))
            .validate(DistinctImages),
    )
    .attr(
        "security_group_id",
        Attribute::required(Type::String)
            .never_returned()
            .doc("Security group of the temporary instance that pulls the images.")
            .validate(id_with_prefix(
                "sg-",
                "a security group ID such as `sg-abc`",
            )),
    )
    .attr(
        "vswitch_id",
        Attribute::required(Type::String)
            .never_returned()
            .doc("vSwitch of the temporary instance; up to 10 IDs separated by commas.")
            .validate(Matches::new(
                "vsw-[a-z0-9]+(,vsw-[a-z0-9]+){0,9}",
                "one to ten vSwitch IDs such as `vsw-abc`, separated by commas",
            )),
    )
    .attr(
        "zone_id",
        Attribute::optional(Type::String)
            .never_returned()
            .replace_unless_adopting()
            .doc("Zone of the temporary instance, e.g. `cn-hangzhou-g`.")
            .validate(Matches::new(
                "[a-z]{2,}(-[a-z0-9]+)+",
                "a zone ID such as `cn-hangzhou-g`",
            )),
    )
    .attr(
        "eip_instance_id",
        Attribute::optional(Type::String)
            .never_returned()
            .doc(
                "Elastic IP to bind to the temporary instance, to pull public images when the VPC \
                 has no NAT gateway.",
            )
            .validate(id_with_prefix("eip-", "an EIP ID such as `eip-abc`")),
    )
    .attr(
        "resource_group_id",
        Attribute::optional_computed(Type::String)
            .stable()
            .doc("Resource group of the cache; the account's default group when unset.")
            .validate(id_with_prefix(
                "rg-",
                "a resource group ID such as `rg-abc`",
            )),
    )
    .attr(
        "image_cache_size",
        Attribute::optional_computed(Type::Number)
            .stable()
            .doc(
                "Size of the cache disk in GiB (the API default is 20). Creation fails if the \
                 images do not fit.",
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
        "auto_match_image_cache",
        Attribute::optional(Type::Bool)
            .never_returned()
            .doc("Reuse layers of existing caches to speed up creation."),
    )
    .attr(
        "flash",
        Attribute::optional(Type::Bool).never_returned().doc(
            "Instant image cache: a local snapshot is made first, so the cache is usable sooner.",
        ),
    )
    .attr(
        "standard_copy_count",
        Attribute::optional(Type::Number)
            .never_returned()
            .doc(
                "Number of regular snapshot copies (about one per 1,000 instances started at \
                 once).",
            )
            .validate(IntBetween(1, 100)),
    )
    .attr(
        "flash_copy_count",
        Attribute::optional(Type::Number)
            .never_returned()
            .doc("Number of local snapshot copies (with `flash`).")
            .validate(IntBetween(1, 100)),
    )
    .attr(
        "elimination_strategy",
        Attribute::optional(Type::String)
            .doc(
                "`LRU` lets the service delete least recently used caches when the cache quota is \
                 reached; unset: never evicted.",
            )
            .validate(OneOf(&["LRU"])),
    )
    .attr(
        "annotations",
        Attribute::optional(Type::String)
            .never_returned()
            .replace_unless_adopting()
            .doc("Opaque annotations passed to the service at creation."),
    )
    .attr(
        "plain_http_registries",
        Attribute::optional(Type::set(Type::String))
            .never_returned()
            .replace_unless_adopting()
            .doc("Registries to pull from over plain HTTP."),
    )
    .attr(
        "insecure_registries",
        Attribute::optional(Type::set(Type::String))
            .never_returned()
            .replace_unless_adopting()
            .doc("Registries whose TLS certificates are not verified."),
    )
    .attr(
        "os_type",
        Attribute::optional(Type::String)
            .never_returned()
            .replace_unless_adopting()
            .doc(
                "Operating system of the images (`Windows` is an invitational preview; the API \
                 default is `Linux`).",
            )
            .validate(OneOf(&["Linux", "Windows"])),
    )
    .attr("tags", tags_attribute("image cache"))
    .block_limited(
        "image_registry_credential",
        Nesting::List,
        credential.never_returned(),
        0,
        10,
    )
    .block_limited(
        "acr_registry_info",
        Nesting::List,
        acr.never_returned(),
        0,
        20,
    )
    // What the API reports.
    .attr(
        "status",
        Attribute::computed(Type::String)
            .changed_by(REPULLED_BY)
            .doc(
                "`Preparing`, `Creating`, `Ready`, `Failed`, `Updating` or `UpdateFailed`. After \
                 `UpdateFailed` the next apply pulls the images again.",
            ),
    )
    .attr(
        "progress",
        Attribute::computed(Type::String)
            .changed_by(REPULLED_BY)
            .doc("Progress of the snapshot, e.g. `100%`."),
    )
    .attr(
        "snapshot_id",
        Attribute::computed(Type::String)
            .changed_by(REPULLED_BY)
            .doc("ID of the snapshot that holds the images."),
    )
    .attr(
        "flash_snapshot_id",
        Attribute::computed(Type::String)
            .changed_by(REPULLED_BY)
            .doc("ID of the temporary local snapshot (with `flash`)."),
    )
    .attr(
        "container_group_id",
        Attribute::computed(Type::String)
            .changed_by(REPULLED_BY)
            .doc("ID of the temporary instance that pulled the images."),
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
            .doc("Last time an instance was created from this cache."),
    )
    .attr(
        "region_id",
        Attribute::computed(Type::String)
            .stable()
            .doc("Region of the cache."),
    )
    .attr("events", events_attribute("cache").changed_by(REPULLED_BY));

    Schema::new(block).with_timeouts(&[
        ("create", Duration::from_secs(60 * 60)),
        ("update", Duration::from_secs(60 * 60)),
        ("delete", Duration::from_secs(20 * 60)),
    ])
}

/// No two entries of `images` name the same image: the API stores one of them,
/// so the cache could never match a configuration listing both.
struct DistinctImages;

impl Validator for DistinctImages {
    fn description(&self) -> String {
        "Two spellings of one image (`nginx`, `nginx:latest`, `docker.io/library/nginx:latest`) \
         may not both be listed."
            .into()
    }

    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        let mut seen: Vec<(String, &str)> = Vec::new();
        for image in value
            .as_list()
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
        {
            let canonical = mapping::normalize_image(image);
            match seen.iter().find(|(c, _)| *c == canonical) {
                Some((_, first)) => diags.error_at(
                    path.clone(),
                    "The same image twice",
                    format!(
                        "{first:?} and {image:?} name the same image ({canonical}). List it once."
                    ),
                ),
                None => seen.push((canonical, image)),
            }
        }
    }
}

/// The resource.
pub struct ImageCacheResource;

#[async_trait::async_trait]
impl Resource<Client> for ImageCacheResource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        for (i, cred) in config
            .attr("image_registry_credential")
            .as_list()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let (pw, wo) = (cred.attr("password"), cred.attr("password_wo"));
            let path = AttributePath::root("image_registry_credential").index(i);
            // Unknown values may turn out null: judged again at plan, once known.
            if pw.is_known_non_null() && wo.is_known_non_null() {
                diags.error_at(
                    path.attr("password_wo"),
                    "Conflicting arguments",
                    "Set `password` or `password_wo`, not both.",
                );
            } else if pw.is_null() && wo.is_null() {
                diags.error_at(
                    path.attr("password"),
                    "Missing password",
                    "Each registry credential needs `password` or `password_wo`.",
                );
            }
        }
    }

    fn modify_plan(&self, plan: PlanChange<'_>) {
        let Some(prior) = plan.prior else { return };
        if prior.str_attr("status") == Some("UpdateFailed") {
            // The cloud accepted the last update, then failed to pull: Describe already
            // reports the new values, so the configuration matches, yet the cache holds
            // stale data. Plan the update again (it re-pulls, see `changes`), as
            // Terraform replaces a cache whose create failed.
            plan_computed_unknown(&schema(), plan.config, plan.planned);
            plan.diags.warn_at(
                AttributePath::root("status"),
                "Retrying a failed update",
                format!(
                    "Image cache {} is UpdateFailed: its last update did not complete. \
                     Applying pulls its images again.",
                    prior.str_attr("id").unwrap_or_default()
                ),
            );
        }
        if !prior.attr("retention_days").is_null() && plan.config.attr("retention_days").is_null() {
            plan.diags.warn_at(
                AttributePath::root("retention_days"),
                "Retention cannot be removed",
                "The API cannot clear a cache's retention period: the cache keeps its current expiry \
                 (`expire_date_time`). Set a larger `retention_days`, or replace the cache to remove it.",
            );
        }
    }

    fn import(&self, id: &str, state: &mut Value, diags: &mut Diagnostics) {
        import_id(
            id,
            "imc-",
            "imc-bp195erqe9o2pb09abcd",
            "aliyun_eci_image_caches",
            state,
            diags,
        );
    }

    async fn create(
        &self,
        cx: &Cx<Client>,
        config: &Value,
        state: &mut Value,
        diags: &mut Diagnostics,
    ) {
        let token = ClientToken::generate();
        let req = to_create(state, config);
        let id = match cx
            .client
            .create_image_cache(&req, &token, &api_cx(cx))
            .await
        {
            Ok(created) => created.image_cache_id,
            Err(e) => {
                return create_error(diags, "image cache", state.str_attr("image_cache_name"), &e)
            }
        };
        lifecycle::created::<Kind>(
            cx,
            &id,
            (ImageCache::READY, ImageCache::FAILED),
            state,
            diags,
        )
        .await;
    }

    async fn read(&self, cx: &Cx<Client>, state: &mut Value, diags: &mut Diagnostics) -> Existence {
        lifecycle::read::<Kind>(cx, state, diags).await
    }

    async fn update(
        &self,
        cx: &Cx<Client>,
        prior: &Value,
        config: &Value,
        state: &mut Value,
        diags: &mut Diagnostics,
    ) {
        let Some(id) = lifecycle::id_of(prior) else {
            return;
        };
        let request = changes(&id, prior, state, config);
        // Whether the update re-pulls (Updating, then Ready or UpdateFailed) or only
        // applies metadata, the cache ends Ready: a metadata change keeps the status.
        let change = request.map(|req| Change {
            send: move || async move {
                let api = api_cx(cx);
                let token = ClientToken::generate();
                cx.client
                    .update_image_cache(&req, &token, &api)
                    .await
                    .map(drop)
            },
            goal: Goal::Ready,
        });
        lifecycle::update::<Kind, _, _>(
            cx,
            prior,
            state,
            Some(ResourceType::ImageCache),
            change,
            diags,
        )
        .await;
    }

    async fn delete(&self, cx: &Cx<Client>, state: &Value, diags: &mut Diagnostics) {
        lifecycle::delete::<Kind>(cx, state, diags).await;
    }
}

/// Image caches as the shared lifecycle sees them.
type Kind = CacheKind<ImageCache>;

impl EciCache for ImageCache {
    const NAME: &'static str = "Image cache";
    /// Updates and deletes are refused while a cache is Preparing, Creating or Updating.
    const SETTLED: &'static [&'static str] = &["Ready", "UpdateFailed", "Failed"];
    const READY: &'static [&'static str] = &["Ready"];
    const FAILED: &'static [&'static str] = &["Failed", "UpdateFailed"];

    fn flatten(&self, state: &mut Value) {
        from_api(state, self);
    }

    fn warn(&self, diags: &mut Diagnostics) {
        if self.status == "Failed" {
            warn_failed_cache(diags, Self::NAME, &self.image_cache_id, &self.events);
        }
    }
}

impl Deletable for Kind {
    const NOT_FOUND: &'static [&'static str] = IMAGE_CACHE_NOT_FOUND;

    async fn send_delete(
        client: &Client,
        id: &str,
        token: &ClientToken,
        api: &CallContext,
    ) -> Result<(), ApiError> {
        let req = DeleteImageCacheRequest {
            image_cache_id: id.to_string(),
        };
        client.delete_image_cache(&req, token, api).await.map(drop)
    }
}

impl Watched for ImageCache {
    fn status(&self) -> &str {
        &self.status
    }
    fn failure_detail(&self) -> String {
        event_messages(&self.events)
    }
}
