//! `aliyun_ecs_image_pipeline`: an ECS image template (`ip-...`), the recipe an
//! image build (`aliyun_ecs_image_pipeline_execution`) runs: base image, build and
//! test commands, the temporary instance, and where the new image goes.
//!
//! API actions (ECS `2014-05-26`): CreateImagePipeline, DescribeImagePipelines,
//! DeleteImagePipeline, and TagResources / UntagResources with `ResourceType`
//! `imagepipeline` for tags.
//!
//! Import ID: the template ID, e.g. `ip-2ze5tsl5bp6nf2b3abcd`.
//!
//! Facts the code relies on:
//!
//! - The arguments are the fields of the official ECS SDK's CreateImagePipeline
//!   request model (7.11.8), but for the account-owner ones and `ClientToken`
//!   (generated once per create by the client). DescribeImagePipelines returns
//!   every one of them, so nothing is kept from state and an import reads
//!   everything back.
//! - There is no update action: every argument replaces the template, except
//!   `tags` (TagResources / UntagResources). `resource_group_id` replaces too:
//!   JoinResourceGroup's resource types do not include image templates.
//! - A template has no status: Describe returning it means it exists and is usable.
//! - DeleteImagePipeline is refused (`InvalidImagePipeline.HasRunningExecution`,
//!   403) while a build of the template runs; it succeeds once every build is in a
//!   terminal status, and takes the finished builds with it. Destroy then **waits**
//!   for the running build to finish (within the delete timeout) and deletes again;
//!   it never cancels a build on its own: the build may belong to someone else, and
//!   a build managed by the same configuration is destroyed (so cancelled) first,
//!   since it references the template. A timeout names the build to wait for or
//!   cancel.

mod mapping;

use std::time::Duration;

use crate::aliyun::ecs::{
    DeleteImagePipelineRequest, DescribeImagePipelineExecutionsRequest, EcsTagResourcesRequest,
    EcsUntagResourcesRequest, ImagePipeline, ImagePipelineExecution, IMAGE_PIPELINE_NOT_FOUND,
    IMAGE_PIPELINE_RESOURCE_TYPE,
};
use crate::aliyun::{ApiError, CallContext, Client, ClientToken};
use crate::resources::common::{
    api_cx, api_error, create_error, id_with_prefix, import_id, region_id, tag_changes,
    tags_attribute,
};
use crate::resources::lifecycle::{self, RemoteKind};
use crate::resources::wait::{self, Watched};
use crate::tf::path::Step;
use crate::tf::provider::{Existence, PlanChange};
use crate::tf::validators::{Each, IntBetween, Matches, OneOf, SizeBetween, StringLength};
use crate::tf::{
    Attribute, AttributePath, Block, Cx, Diagnostics, Nesting, Resource, Schema, Type, Value,
};
pub(crate) use mapping::reported;
use mapping::{equivalent, from_api, to_create};

/// The resource type name.
pub const TYPE_NAME: &str = "aliyun_ecs_image_pipeline";

/// Kinds of base image.
pub const BASE_IMAGE_TYPES: &[&str] = &["IMAGE", "IMAGE_FAMILY", "OSS"];

/// Build statuses in which a build still runs (DeleteImagePipeline is refused).
const RUNNING: &str = "PREPARING,REPAIRING,BUILDING,TESTING,DISTRIBUTING,RELEASING,CANCELLING";

/// NVMe support values of the produced image.
const NVME: &[&str] = &["supported", "unsupported", "auto"];

/// 16 KB: the limit of `build_content` and `test_content`.
const CONTENT_MAX: usize = 16 * 1024;

fn replacing(a: Attribute) -> Attribute {
    a.replace_on_change()
}

// Values the API fills in when unset (`optional_computed`) use `changed_by(&[])`:
// only a replacement can change them, so an in-place update (tags) keeps them
// known, null included (an unset `instance_type` reads back empty).

/// The schema: arguments first, then what the API reports.
pub fn schema() -> Schema {
    let image_options = Block::new("Properties of the image a build produces.")
        .attr(
            "image_name",
            replacing(Attribute::optional(Type::String))
                .doc("Name prefix of the image (a build adds a suffix).")
                .validate(StringLength(2, 64)),
        )
        .attr(
            "image_family",
            replacing(Attribute::optional(Type::String))
                .doc("Image family the image joins.")
                .validate(StringLength(2, 128)),
        )
        .attr(
            "description",
            replacing(Attribute::optional(Type::String))
                .doc("Description of the image.")
                .validate(StringLength(2, 256)),
        )
        .attr(
            "nvme_support",
            replacing(Attribute::optional(Type::String))
                .doc("NVMe support of the image (`ImageFeatures.NvmeSupport`).")
                .validate(OneOf(NVME)),
        )
        .attr(
            "image_tags",
            replacing(tags_attribute("image")).doc("Tags of the image, as a map of key to value."),
        );

    let advanced_options = Block::new("Advanced settings of a build.")
        .attr(
            "image_name_suffix",
            replacing(Attribute::optional(Type::String))
                .doc("Suffix of the image name (e.g. `timestamp`)."),
        )
        .attr(
            "retain_cloud_assistant",
            replacing(Attribute::optional(Type::Bool))
                .doc("Keep the Cloud Assistant agent in the image."),
        );

    let image_security_options = Block::new("Security settings of the produced image.").attr(
        "security_scan_mode",
        replacing(Attribute::optional(Type::String))
            .doc("Security scan of the image (`SecurityScanMode`)."),
    );

    let disk = Block::new("One disk image in OSS.")
        .attr(
            "oss_bucket",
            replacing(Attribute::optional(Type::String)).doc("OSS bucket holding the disk image."),
        )
        .attr(
            "oss_object",
            replacing(Attribute::optional(Type::String)).doc("OSS object of the disk image."),
        )
        .attr(
            "format",
            replacing(Attribute::optional(Type::String))
                .doc("Format of the disk image: `RAW`, `VHD`, `QCOW2`..."),
        )
        .attr(
            "disk_image_size",
            replacing(Attribute::optional(Type::Number))
                .doc("Size of the disk image in GiB.")
                .validate(IntBetween(1, 32768)),
        );
    let import_image_options = Block::new(
        "How the base image is imported from OSS (required with `base_image_type = \"OSS\"`).",
    )
    .block_limited("disk_device_mappings", Nesting::List, disk, 1, 17)
    .attr(
        "image_name",
        replacing(Attribute::optional(Type::String)).doc("Name of the imported image."),
    )
    .attr(
        "description",
        replacing(Attribute::optional(Type::String)).doc("Description of the imported image."),
    )
    .attr(
        "os_type",
        replacing(Attribute::optional(Type::String))
            .doc("Operating system type.")
            .validate(OneOf(&["linux", "windows"])),
    )
    .attr(
        "platform",
        replacing(Attribute::optional(Type::String))
            .doc("Distribution, e.g. `Aliyun`, `Ubuntu`, `CentOS`."),
    )
    .attr(
        "architecture",
        replacing(Attribute::optional(Type::String))
            .doc("Architecture.")
            .validate(OneOf(&["x86_64", "arm64"])),
    )
    .attr(
        "boot_mode",
        replacing(Attribute::optional(Type::String))
            .doc("Boot mode.")
            .validate(OneOf(&["BIOS", "UEFI", "UEFI-Preferred"])),
    )
    .attr(
        "license_type",
        replacing(Attribute::optional(Type::String))
            .doc("License type.")
            .validate(OneOf(&["Auto", "Aliyun", "BYOL"])),
    )
    .attr(
        "role_name",
        replacing(Attribute::optional(Type::String))
            .doc("RAM role the service assumes to read the objects."),
    )
    .attr(
        "retain_imported_image",
        replacing(Attribute::optional(Type::Bool)).doc("Keep the imported image after the build."),
    )
    .attr(
        "retention_strategy",
        replacing(Attribute::optional(Type::String))
            .doc("What to do with the imported image (`RetentionStrategy`)."),
    )
    .attr(
        "nvme_support",
        replacing(Attribute::optional(Type::String))
            .doc("NVMe support of the imported image (`Features.NvmeSupport`).")
            .validate(OneOf(NVME)),
    )
    .attr(
        "imds_support",
        replacing(Attribute::optional(Type::String))
            .doc("Metadata service support (`Features.ImdsSupport`).")
            .validate(OneOf(&["v1", "v2"])),
    )
    .attr(
        "import_image_tags",
        replacing(tags_attribute("imported image")),
    );

    let block = Block::new(
        "An ECS image template: the base image, the build and test commands, the temporary \
         instance that runs them, and where the image goes. Run it with \
         `aliyun_ecs_image_pipeline_execution`. The API has no update: changing any argument but \
         `tags` replaces the template. Destroying it waits for a build that is still running to \
         finish (the API refuses the delete until then).",
    )
    .attr(
        "id",
        Attribute::computed(Type::String)
            .stable()
            .doc("The template ID (`ip-...`)."),
    )
    .attr(
        "name",
        replacing(Attribute::optional_computed(Type::String))
            .changed_by(&[])
            .doc("Name of the template; the template ID when unset.")
            .validate(Matches::new(
                r"[a-zA-Z\x{4e00}-\x{9fa5}][a-zA-Z0-9\x{4e00}-\x{9fa5}:_.-]{1,127}",
                "2 to 128 letters, Chinese characters, digits, `:`, `_`, `.` or `-`, \
                 starting with a letter or Chinese character",
            )),
    )
    .attr(
        "description",
        replacing(Attribute::optional(Type::String))
            .doc("Description of the template.")
            .validate(StringLength(2, 256)),
    )
    .attr(
        "base_image_type",
        replacing(Attribute::required(Type::String))
            .doc(
                "Kind of base image: `IMAGE` (an image ID), `IMAGE_FAMILY` (the latest image \
                 of a family) or `OSS` (disk images imported from OSS, see \
                 `import_image_options`).",
            )
            .validate(OneOf(BASE_IMAGE_TYPES)),
    )
    .attr(
        "base_image",
        replacing(Attribute::optional(Type::String))
            .doc(
                "The image ID (`IMAGE`) or family name (`IMAGE_FAMILY`); \
                 not used with `OSS`.",
            )
            .validate(StringLength(1, 128)),
    )
    .attr(
        "build_content",
        replacing(Attribute::optional(Type::String))
            .doc("Build commands (Dockerfile-like: `RUN`, `ENV`, `COPY`...), at most 16 KB.")
            .validate(StringLength(0, CONTENT_MAX)),
    )
    .attr(
        "test_content",
        replacing(Attribute::optional(Type::String))
            .doc(
                "Test commands run against the new image, at most 16 KB; \
                 a failing test ends the build in `TEST_FAILED`.",
            )
            .validate(StringLength(0, CONTENT_MAX)),
    )
    .attr(
        "instance_type",
        replacing(Attribute::optional_computed(Type::String))
            .changed_by(&[])
            .doc(
                "Instance type of the temporary instance; \
                 the service picks a small one when unset.",
            ),
    )
    .attr(
        "system_disk_size",
        replacing(Attribute::optional_computed(Type::Number))
            .changed_by(&[])
            .doc("System disk of the temporary instance, in GiB (the API default is 40).")
            .validate(IntBetween(20, 500)),
    )
    .attr(
        "internet_max_bandwidth_out",
        replacing(Attribute::optional_computed(Type::Number))
            .changed_by(&[])
            .doc(
                "Outbound bandwidth of the temporary instance, in Mbit/s \
                 (the API default is 0: no public IP).",
            )
            .validate(IntBetween(0, 100)),
    )
    .attr(
        "vswitch_id",
        replacing(Attribute::optional_computed(Type::String))
            .changed_by(&[])
            .doc(
                "vSwitch of the temporary instance; \
                 the service creates a VPC and vSwitch when unset.",
            )
            .validate(id_with_prefix("vsw-", "a vSwitch ID such as `vsw-abc`")),
    )
    .attr(
        "delete_instance_on_failure",
        replacing(Attribute::optional_computed(Type::Bool))
            .changed_by(&[])
            .doc(
                "Release the temporary instance when a build fails \
                 (the API default is `true`).",
            ),
    )
    .attr(
        "to_region_ids",
        replacing(Attribute::optional(Type::set(Type::String)))
            .doc(
                "Regions the image is copied to (up to 20); \
                 only the template's region when unset.",
            )
            .validate(SizeBetween(0, 20))
            .validate(Each(region_id())),
    )
    .attr(
        "add_accounts",
        replacing(Attribute::optional(Type::set(Type::String)))
            .doc("Alibaba Cloud account IDs the image is shared with (up to 20).")
            .validate(SizeBetween(0, 20))
            .validate(Each(Matches::new("[0-9]{1,20}", "an account ID of digits"))),
    )
    .attr(
        "repair_mode",
        replacing(Attribute::optional(Type::String))
            .doc(
                "Repair of the base image before the build: `Standard`, `All`, \
                 or `Customized` (with `repair_items`).",
            )
            .validate(OneOf(&["Standard", "All", "Customized"])),
    )
    .attr(
        "repair_items",
        replacing(Attribute::optional(Type::set(Type::String)))
            .doc("Repair items for `repair_mode = \"Customized\"`, e.g. `grub`, `fstab`, `virtio`.")
            .validate(SizeBetween(0, 20)),
    )
    .attr(
        "image_name",
        replacing(Attribute::optional(Type::String))
            .deprecated("Use image_options.image_name.")
            .doc(
                "Name prefix of the produced image \
                 (the API's deprecated top-level `ImageName`).",
            ),
    )
    .attr(
        "image_family",
        replacing(Attribute::optional(Type::String))
            .deprecated("Use image_options.image_family.")
            .doc(
                "Family of the produced image \
                 (the API's deprecated top-level `ImageFamily`).",
            ),
    )
    .attr(
        "nvme_support",
        replacing(Attribute::optional(Type::String))
            .deprecated("Use image_options.nvme_support.")
            .doc(
                "NVMe support of the produced image \
                 (the API's deprecated top-level `NvmeSupport`).",
            )
            .validate(OneOf(NVME)),
    )
    .attr(
        "resource_group_id",
        replacing(Attribute::optional_computed(Type::String))
            .changed_by(&[])
            .doc(
                "Resource group of the template; the account's default group when unset. \
                 Changing it replaces the template (image templates cannot move between groups).",
            )
            .validate(id_with_prefix(
                "rg-",
                "a resource group ID such as `rg-abc`",
            )),
    )
    .attr(
        "tags",
        tags_attribute("template")
            .doc("Tags of the template, as a map of key to value (changed in place)."),
    )
    .block_limited("image_options", Nesting::List, image_options, 0, 1)
    .block_limited("advanced_options", Nesting::List, advanced_options, 0, 1)
    .block_limited(
        "image_security_options",
        Nesting::List,
        image_security_options,
        0,
        1,
    )
    .block_limited(
        "import_image_options",
        Nesting::List,
        import_image_options,
        0,
        1,
    )
    // What the API reports.
    .attr(
        "creation_time",
        Attribute::computed(Type::String)
            .stable()
            .doc("When the template was created (UTC)."),
    );

    Schema::new(block).with_timeouts(&[
        ("create", Duration::from_secs(10 * 60)),
        ("delete", Duration::from_secs(2 * 60 * 60)),
    ])
}

/// The resource.
pub struct ImagePipelineResource;

#[async_trait::async_trait]
impl Resource<Client> for ImagePipelineResource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_base_image(config, diags);
    }

    /// Null and empty (`[]`, `{}`, an empty block) send the same request, so going
    /// from one to the other never replaces: the update only reads the template.
    fn modify_plan(&self, plan: PlanChange<'_>) {
        let Some(prior) = plan.prior else { return };
        let planned = &*plan.planned;
        plan.requires_replace
            .retain(|path| match path.0.as_slice() {
                [Step::Attr(n)] => !equivalent(prior.attr(n), planned.attr(n)),
                _ => true,
            });
    }

    fn import(&self, id: &str, state: &mut Value, diags: &mut Diagnostics) {
        import_id(
            id,
            "ip-",
            "ip-2ze5tsl5bp6nf2b3abcd",
            "aliyun_ecs_image_pipelines",
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
        // One token for every retry of this create: a retry cannot make a second template.
        let token = ClientToken::generate();
        let id = match cx
            .client
            .create_image_pipeline(&to_create(state), &token, &api_cx(cx))
            .await
        {
            Ok(created) => created.image_pipeline_id,
            Err(e) => return create_error(diags, "image template", state.str_attr("name"), &e),
        };
        lifecycle::created::<Kind>(cx, &id, (Kind::READY, Kind::FAILED), state, diags).await;
    }

    async fn read(&self, cx: &Cx<Client>, state: &mut Value, diags: &mut Diagnostics) -> Existence {
        lifecycle::read::<Kind>(cx, state, diags).await
    }

    /// Only `tags` (and `timeouts`) change in place: UntagResources for removed
    /// keys, TagResources for new or changed ones, then one read.
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
        if let Err(e) = apply_tags(&cx.client, &id, prior, state, &api_cx(cx)).await {
            return api_error(
                diags,
                format!("Could not update the tags of image template {id}"),
                &e,
            );
        }
        lifecycle::reread::<Kind>(cx, prior, state, diags).await;
    }

    /// Deletes the template; while a build of it runs, waits for the build to end
    /// and deletes again (see the module doc), then waits until it is gone.
    async fn delete(&self, cx: &Cx<Client>, state: &Value, diags: &mut Diagnostics) {
        let Some(id) = lifecycle::id_of(state) else {
            return;
        };
        let api = api_cx(cx);
        let req = DeleteImagePipelineRequest {
            image_pipeline_id: id.clone(),
        };
        loop {
            match cx.client.delete_image_pipeline(&req, &api).await {
                Ok(_) => break,
                Err(e) if e.is_code_in(IMAGE_PIPELINE_NOT_FOUND) => return,
                Err(e) if e.is_code("InvalidImagePipeline.HasRunningExecution") => {
                    let running = || running_build(&cx.client, &id, &api);
                    match wait::until_gone(cx, running).await {
                        // No build runs any more: delete again.
                        Ok(()) => continue,
                        Err(wait_error) => {
                            // The operation's deadline has passed: a short call of its own.
                            let lookup = CallContext::with_timeout(Duration::from_secs(10));
                            let build = running_build(&cx.client, &id, &lookup)
                                .await
                                .ok()
                                .flatten()
                                .map_or("a build".to_string(), |b| {
                                    format!("build {}", b.execution_id)
                                });
                            return diags.error(
                                format!("Image template {id} could not be deleted: {build} of it is running"),
                                format!(
                                    "The API refuses to delete a template while one of its builds runs, so the \
                                     provider waited for it to finish: {wait_error}.\n\nWait for {build} to finish, \
                                     or cancel it (destroy its `aliyun_ecs_image_pipeline_execution`, or call \
                                     CancelImagePipelineExecution), then destroy again; or raise the `delete` \
                                     timeout.\n\n{e}"
                                ),
                            );
                        }
                    }
                }
                Err(e) => {
                    return api_error(diags, format!("Could not delete image template {id}"), &e)
                }
            }
        }
        if let Err(e) = wait::until_gone(cx, || Kind::describe(&cx.client, &id, &api)).await {
            wait::report(diags, Kind::NAME, &id, "deleted", "it to disappear", &e);
        }
    }
}

/// The first build of template `id` that still runs, if any.
async fn running_build(
    client: &Client,
    id: &str,
    api: &CallContext,
) -> Result<Option<ImagePipelineExecution>, ApiError> {
    let req = DescribeImagePipelineExecutionsRequest {
        image_pipeline_id: Some(id.to_string()),
        status: Some(RUNNING.to_string()),
        ..Default::default()
    };
    let found = client
        .describe_all_image_pipeline_executions(&req, api)
        .await;
    // The template vanished meanwhile: nothing runs.
    match found {
        Err(e) if e.is_code_in(IMAGE_PIPELINE_NOT_FOUND) => Ok(None),
        other => other.map(|all| all.into_iter().next()),
    }
}

/// Tags of template `id` from `prior` to `planned`: removals first, then additions.
async fn apply_tags(
    client: &Client,
    id: &str,
    prior: &Value,
    planned: &Value,
    api: &CallContext,
) -> Result<(), ApiError> {
    let (add, remove) = tag_changes(prior.attr("tags"), planned.attr("tags"));
    if !remove.is_empty() {
        let req = EcsUntagResourcesRequest {
            resource_type: IMAGE_PIPELINE_RESOURCE_TYPE.to_string(),
            resource_id: vec![id.to_string()],
            tag_key: remove,
        };
        client.ecs_untag_resources(&req, api).await?;
    }
    if !add.is_empty() {
        let req = EcsTagResourcesRequest {
            resource_type: IMAGE_PIPELINE_RESOURCE_TYPE.to_string(),
            resource_id: vec![id.to_string()],
            tag: add,
        };
        client.ecs_tag_resources(&req, api).await?;
    }
    Ok(())
}

/// `base_image` goes with `IMAGE` and `IMAGE_FAMILY`, `import_image_options` with
/// `OSS`. Unknown values (variables) are judged again at plan, once known.
fn validate_base_image(config: &Value, diags: &mut Diagnostics) {
    let Some(kind) = config.str_attr("base_image_type") else {
        return;
    };
    let base = config.attr("base_image");
    let imports = config.attr("import_image_options");
    let has_imports = imports.as_list().is_some_and(|l| !l.is_empty());
    let at = AttributePath::root("base_image_type");
    if kind == "OSS" {
        if base.is_known_non_null() {
            diags.error_at(
                AttributePath::root("base_image"),
                "Base image not used",
                "With `base_image_type = \"OSS\"` the base image comes from `import_image_options`; remove `base_image`.",
            );
        }
        if imports.is_known() && !has_imports {
            diags.error_at(
                at,
                "Missing import_image_options",
                "With `base_image_type = \"OSS\"` add an `import_image_options` block with at least one \
                 `disk_device_mappings` block (the OSS bucket and object of the disk image).",
            );
        }
    } else {
        if base.is_null() {
            diags.error_at(
                at.clone(),
                "Missing base_image",
                format!(
                    "With `base_image_type = \"{kind}\"` set `base_image` to the {}.",
                    if kind == "IMAGE" {
                        "image ID"
                    } else {
                        "image family name"
                    }
                ),
            );
        }
        if has_imports {
            diags.error_at(
                at,
                "import_image_options not used",
                format!("`import_image_options` only applies to `base_image_type = \"OSS\"`, not {kind:?}."),
            );
        }
    }
}

/// Templates as the shared lifecycle sees them.
struct Kind;

/// A template has no status: one that Describe returns exists and is usable.
const AVAILABLE: &str = "Available";

impl RemoteKind for Kind {
    type Object = ImagePipeline;
    const NAME: &'static str = "Image template";
    const SETTLED: &'static [&'static str] = &[AVAILABLE];
    const READY: &'static [&'static str] = &[AVAILABLE];
    const FAILED: &'static [&'static str] = &[];

    async fn describe(
        client: &Client,
        id: &str,
        api: &CallContext,
    ) -> Result<Option<ImagePipeline>, ApiError> {
        client.describe_image_pipeline(id, api).await
    }

    fn flatten(state: &mut Value, p: &ImagePipeline) {
        from_api(state, p);
    }
}

impl Watched for ImagePipeline {
    fn status(&self) -> &str {
        AVAILABLE
    }
    fn failure_detail(&self) -> String {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::object([
            ("base_image_type", Value::Null),
            ("base_image", Value::Null),
            ("import_image_options", Value::List(vec![])),
        ]);
        for (k, x) in pairs {
            v.set_attr(k, x.clone());
        }
        v
    }

    fn errors(config: &Value) -> Vec<String> {
        let mut d = Diagnostics::new();
        validate_base_image(config, &mut d);
        d.0.iter().map(|x| x.summary.clone()).collect()
    }

    #[test]
    fn base_image_goes_with_its_type() {
        assert_eq!(
            errors(&config(&[("base_image_type", "IMAGE".into())])),
            ["Missing base_image"]
        );
        assert!(errors(&config(&[
            ("base_image_type", "IMAGE".into()),
            ("base_image", "m-1".into())
        ]))
        .is_empty());
        assert_eq!(
            errors(&config(&[
                ("base_image_type", "OSS".into()),
                ("base_image", "m-1".into())
            ])),
            ["Base image not used", "Missing import_image_options"]
        );
        // A variable is judged at plan, once known.
        assert!(errors(&config(&[
            ("base_image_type", "OSS".into()),
            ("base_image", Value::Unknown),
            ("import_image_options", Value::Unknown)
        ]))
        .is_empty());
        assert!(errors(&config(&[("base_image_type", Value::Unknown)])).is_empty());
    }

    #[test]
    fn the_name_rule_accepts_chinese_and_refuses_urls() {
        let s = schema();
        let mut d = Diagnostics::new();
        let name = &s.block.attributes["name"];
        for ok in ["golden-image", "模板1", "a:b_c.d"] {
            for v in &name.validators {
                v.validate(&AttributePath::root("name"), &Value::from(ok), &mut d);
            }
        }
        assert!(d.is_empty(), "{d:?}");
        for bad in ["1abc", "a", "http://x"] {
            let mut d = Diagnostics::new();
            for v in &name.validators {
                v.validate(&AttributePath::root("name"), &Value::from(bad), &mut d);
            }
            assert!(d.has_errors(), "{bad} passes");
        }
    }
}
