//! ECS (`2014-05-26`) actions: image pipeline executions, and the image
//! pipelines (templates) they run from.
//!
//! StartImagePipelineExecution, DescribeImagePipelineExecutions and
//! CancelImagePipelineExecution carry every documented parameter of
//! the official SDK models (except the deprecated `TemplateTag`; see
//! docs/development/api-reference.md, «Image pipeline execution»);
//! CreateImagePipeline and DescribeImagePipelines carry every field of the
//! official ECS SDK's models (7.11.8), for `aliyun_ecs_image_pipeline`; ECS
//! TagResources / UntagResources tag image templates.
//!
//! ECS wraps response arrays (`ImagePipelineExecution.ImagePipelineExecutionSet`,
//! `Tags.Tag[] {TagKey, TagValue}`); the structs here expose plain `Vec`s.

use serde::{Deserialize, Serialize};

use super::client::{CallContext, Client, Product};
use super::de;
use super::error::ApiError;
use super::paginate::{collect_all, Page};
use super::token::ClientToken;
use super::types::{Ack, Tag};

/// Page size used by the `*_all` helpers when the request sets none
/// (the API allows 1–500).
const DEFAULT_MAX_RESULTS: u32 = 100;

/// The code with which a call addressing one image template says it does not
/// exist (documented for StartImagePipelineExecution, answered by
/// DeleteImagePipeline and a DescribeImagePipelineExecutions filtered on it).
pub const IMAGE_PIPELINE_NOT_FOUND: &[&str] = &["InvalidImagePipeline.NotFound"];

/// The code with which CancelImagePipelineExecution says the build does not exist.
pub const EXECUTION_NOT_FOUND: &[&str] = &["InvalidImagePipelineExecution.NotFound"];

/// StartImagePipelineExecution parameters (`ClientToken` is separate).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartImagePipelineExecutionRequest {
    /// Template to run (`ip-...`).
    pub image_pipeline_id: String,
    /// Tags of the execution (up to 20).
    pub tag: Vec<Tag>,
}

/// StartImagePipelineExecution answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct StartImagePipelineExecutionResponse {
    /// `RequestId`.
    pub request_id: String,
    /// The new execution (`exec-...`).
    pub execution_id: String,
}

/// DescribeImagePipelineExecutions filters and paging.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeImagePipelineExecutionsRequest {
    /// Template filter.
    pub image_pipeline_id: Option<String>,
    /// Execution filter.
    pub execution_id: Option<String>,
    /// Comma-separated statuses, e.g. `BUILDING,DISTRIBUTING`.
    pub status: Option<String>,
    /// Token of the page to fetch.
    pub next_token: Option<String>,
    /// Page size (1–500, default 50).
    pub max_results: Option<u32>,
    /// Tag filter.
    pub tag: Vec<Tag>,
}

/// One image build run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImagePipelineExecution {
    /// `exec-...`.
    pub execution_id: String,
    /// `ip-...`.
    pub image_pipeline_id: String,
    /// `PREPARING`, `BUILDING`, ..., `SUCCESS`, `FAILED`, `CANCELLED`.
    pub status: String,
    /// The image produced (empty until it exists).
    pub image_id: String,
    /// Creation time.
    #[serde(deserialize_with = "de::time")]
    pub creation_time: String,
    /// Last status change.
    #[serde(deserialize_with = "de::time")]
    pub modified_time: String,
    /// Progress or output text.
    #[serde(deserialize_with = "de::string")]
    pub message: String,
    /// Failure code, when failed.
    #[serde(deserialize_with = "de::string")]
    pub error_code: String,
    /// Failure detail, when failed.
    #[serde(deserialize_with = "de::string")]
    pub error_info: String,
    /// Resource group.
    pub resource_group_id: String,
    /// Tags (unwrapped from `Tags.Tag[]`).
    #[serde(deserialize_with = "de::list")]
    pub tags: Vec<Tag>,
}

/// DescribeImagePipelineExecutions answer (one page).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeImagePipelineExecutionsResponse {
    /// `RequestId`.
    pub request_id: String,
    /// Token of the next page (empty on the last).
    pub next_token: String,
    /// Page size used.
    #[serde(deserialize_with = "de::opt_i64")]
    pub max_results: Option<i64>,
    /// Number of matching executions.
    #[serde(deserialize_with = "de::opt_i64")]
    pub total_count: Option<i64>,
    /// Executions of this page (unwrapped from
    /// `ImagePipelineExecution.ImagePipelineExecutionSet`).
    #[serde(rename = "ImagePipelineExecution", deserialize_with = "de::list")]
    pub executions: Vec<ImagePipelineExecution>,
}

/// CancelImagePipelineExecution parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CancelImagePipelineExecutionRequest {
    /// The execution to cancel.
    pub execution_id: String,
}

/// `ImageOptions.*` of CreateImagePipeline.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageOptions {
    /// Name (prefix) of the produced image.
    pub image_name: Option<String>,
    /// Image family.
    pub image_family: Option<String>,
    /// Image description.
    pub description: Option<String>,
    /// `ImageFeatures.NvmeSupport` (`supported`, `unsupported`, `auto`).
    pub image_features: Option<ImageFeatures>,
    /// Tags of the produced image (`ImageTags.N`).
    pub image_tags: Vec<Tag>,
}

/// `ImageOptions.ImageFeatures.*`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImageFeatures {
    /// NVMe support of the image.
    #[serde(deserialize_with = "de::opt_string")]
    pub nvme_support: Option<String>,
}

/// `AdvancedOptions.*` of CreateImagePipeline (also returned by Describe).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AdvancedOptions {
    /// Suffix added to the image name.
    #[serde(deserialize_with = "de::opt_string")]
    pub image_name_suffix: Option<String>,
    /// Keep Cloud Assistant in the image.
    #[serde(deserialize_with = "de::opt_bool")]
    pub retain_cloud_assistant: Option<bool>,
}

/// `ImageSecurityOptions.*` of CreateImagePipeline (also returned by Describe).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImageSecurityOptions {
    /// Security scan of the produced image.
    #[serde(deserialize_with = "de::opt_string")]
    pub security_scan_mode: Option<String>,
}

/// `ImportImageOptions.*` of CreateImagePipeline (for an `OSS` base image).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImportImageOptions {
    /// Disk images in OSS (`DiskDeviceMappings.N`).
    pub disk_device_mappings: Vec<DiskDeviceMapping>,
    /// `Features.*`.
    pub features: Option<ImportFeatures>,
    /// Name of the imported image.
    pub image_name: Option<String>,
    /// Description of the imported image.
    pub description: Option<String>,
    /// Operating system type (`linux`, `windows`).
    #[serde(rename = "OSType")]
    pub os_type: Option<String>,
    /// Distribution, e.g. `Aliyun`, `Ubuntu`.
    pub platform: Option<String>,
    /// `x86_64`, `arm64`.
    pub architecture: Option<String>,
    /// `BIOS`, `UEFI`, `UEFI-Preferred`.
    pub boot_mode: Option<String>,
    /// `Auto`, `Aliyun`, `BYOL`.
    pub license_type: Option<String>,
    /// RAM role used to read the OSS objects.
    pub role_name: Option<String>,
    /// Keep the imported image after the build.
    pub retain_imported_image: Option<bool>,
    /// What to do with the imported image.
    pub retention_strategy: Option<String>,
    /// Tags of the imported image (`ImportImageTags.N`).
    pub import_image_tags: Vec<Tag>,
}

/// One `ImportImageOptions.DiskDeviceMappings.N`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DiskDeviceMapping {
    /// OSS bucket.
    #[serde(rename = "OSSBucket", deserialize_with = "de::opt_string")]
    pub oss_bucket: Option<String>,
    /// OSS object.
    #[serde(rename = "OSSObject", deserialize_with = "de::opt_string")]
    pub oss_object: Option<String>,
    /// `RAW`, `VHD`, `QCOW2`...
    #[serde(deserialize_with = "de::opt_string")]
    pub format: Option<String>,
    /// Size of the disk image in GiB.
    #[serde(deserialize_with = "de::opt_i64")]
    pub disk_image_size: Option<i64>,
}

/// `ImportImageOptions.Features.*`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImportFeatures {
    /// NVMe support.
    #[serde(deserialize_with = "de::opt_string")]
    pub nvme_support: Option<String>,
    /// Metadata service support (`v1`, `v2`).
    #[serde(deserialize_with = "de::opt_string")]
    pub imds_support: Option<String>,
}

/// CreateImagePipeline parameters: every field of the official SDK's request
/// model but the account-owner ones (`ClientToken` is separate). The top-level
/// `ImageName`, `ImageFamily` and `NvmeSupport` are deprecated by
/// `ImageOptions.*` but still accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateImagePipelineRequest {
    /// `IMAGE`, `IMAGE_FAMILY` or `OSS` (required).
    pub base_image_type: String,
    /// Image ID or family name.
    pub base_image: Option<String>,
    /// Template name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Build commands (Dockerfile-like, ≤ 16 KB).
    pub build_content: Option<String>,
    /// Test commands.
    pub test_content: Option<String>,
    /// Instance type of the intermediate instance.
    pub instance_type: Option<String>,
    /// System disk size in GiB (20–500).
    pub system_disk_size: Option<i64>,
    /// Outbound bandwidth, Mbit/s (0–100).
    pub internet_max_bandwidth_out: Option<i64>,
    /// vSwitch of the intermediate instance.
    pub v_switch_id: Option<String>,
    /// Release the instance when the build fails (default true).
    pub delete_instance_on_failure: Option<bool>,
    /// Regions to copy the image to (`ToRegionId.N`).
    pub to_region_id: Vec<String>,
    /// Accounts to share the image with (`AddAccount.N`).
    pub add_account: Vec<String>,
    /// Repair mode of the source image.
    pub repair_mode: Option<String>,
    /// Repair items (`RepairItem.N`).
    pub repair_item: Vec<String>,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Tags of the template.
    pub tag: Vec<Tag>,
    /// Deprecated: name prefix of the produced image.
    pub image_name: Option<String>,
    /// Deprecated: family of the produced image.
    pub image_family: Option<String>,
    /// Deprecated: NVMe support of the produced image.
    pub nvme_support: Option<String>,
    /// Options of the produced image.
    pub image_options: Option<ImageOptions>,
    /// Advanced options.
    pub advanced_options: Option<AdvancedOptions>,
    /// Security scan of the produced image.
    pub image_security_options: Option<ImageSecurityOptions>,
    /// Import settings for an `OSS` base image.
    pub import_image_options: Option<ImportImageOptions>,
}

/// CreateImagePipeline answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateImagePipelineResponse {
    /// `RequestId`.
    pub request_id: String,
    /// The new template (`ip-...`).
    pub image_pipeline_id: String,
}

/// DescribeImagePipelines filters and paging.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeImagePipelinesRequest {
    /// Template IDs (`ImagePipelineId.N`, up to 20).
    pub image_pipeline_id: Vec<String>,
    /// Name filter.
    pub name: Option<String>,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Tag filter.
    pub tag: Vec<Tag>,
    /// Page size (1–500).
    pub max_results: Option<u32>,
    /// Token of the page to fetch.
    pub next_token: Option<String>,
}

/// `ImageOptions` as DescribeImagePipelines returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImageOptionsInfo {
    /// Name (prefix) of the produced image.
    #[serde(deserialize_with = "de::string")]
    pub image_name: String,
    /// Image family.
    #[serde(deserialize_with = "de::string")]
    pub image_family: String,
    /// Image description.
    #[serde(deserialize_with = "de::string")]
    pub description: String,
    /// `ImageFeatures.NvmeSupport`.
    pub image_features: ImageFeatures,
    /// Tags of the produced image (unwrapped from `ImageTags.ImageTag[]`).
    #[serde(deserialize_with = "de::list")]
    pub image_tags: Vec<Tag>,
}

/// `ImportImageOptions` as DescribeImagePipelines returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImportImageOptionsInfo {
    /// Disk images (unwrapped from `DiskDeviceMappings.DiskDeviceMapping[]`).
    #[serde(deserialize_with = "de::list")]
    pub disk_device_mappings: Vec<DiskDeviceMapping>,
    /// `Features.*`.
    pub features: ImportFeatures,
    /// Name of the imported image.
    #[serde(deserialize_with = "de::string")]
    pub image_name: String,
    /// Description of the imported image.
    #[serde(deserialize_with = "de::string")]
    pub description: String,
    /// Operating system type.
    #[serde(rename = "OSType", deserialize_with = "de::string")]
    pub os_type: String,
    /// Distribution.
    #[serde(deserialize_with = "de::string")]
    pub platform: String,
    /// Architecture.
    #[serde(deserialize_with = "de::string")]
    pub architecture: String,
    /// Boot mode.
    #[serde(deserialize_with = "de::string")]
    pub boot_mode: String,
    /// License type.
    #[serde(deserialize_with = "de::string")]
    pub license_type: String,
    /// RAM role.
    #[serde(deserialize_with = "de::string")]
    pub role_name: String,
    /// Keep the imported image.
    #[serde(deserialize_with = "de::opt_bool")]
    pub retain_imported_image: Option<bool>,
    /// Retention strategy.
    #[serde(deserialize_with = "de::string")]
    pub retention_strategy: String,
    /// Tags of the imported image (unwrapped from `ImportImageTags.ImportImageTag[]`).
    #[serde(deserialize_with = "de::list")]
    pub import_image_tags: Vec<Tag>,
}

/// An image template as DescribeImagePipelines returns it (every field of the
/// official SDK's response model).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImagePipeline {
    /// `ip-...`.
    pub image_pipeline_id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// `IMAGE`, `IMAGE_FAMILY` or `OSS`.
    pub base_image_type: String,
    /// Base image.
    pub base_image: String,
    /// Build commands.
    pub build_content: String,
    /// Test commands.
    pub test_content: String,
    /// Instance type.
    pub instance_type: String,
    /// System disk size in GiB.
    #[serde(deserialize_with = "de::opt_i64")]
    pub system_disk_size: Option<i64>,
    /// Outbound bandwidth in Mbit/s.
    #[serde(deserialize_with = "de::opt_i64")]
    pub internet_max_bandwidth_out: Option<i64>,
    /// vSwitch.
    #[serde(rename = "VSwitchId")]
    pub v_switch_id: String,
    /// Release the instance when a build fails.
    #[serde(deserialize_with = "de::opt_bool")]
    pub delete_instance_on_failure: Option<bool>,
    /// Creation time.
    #[serde(deserialize_with = "de::time")]
    pub creation_time: String,
    /// Target regions (unwrapped from `ToRegionIds.ToRegionId[]`).
    #[serde(rename = "ToRegionIds", deserialize_with = "de::string_list")]
    pub to_region_ids: Vec<String>,
    /// Shared accounts (unwrapped from `AddAccounts.AddAccount[]`).
    #[serde(rename = "AddAccounts", deserialize_with = "de::string_list")]
    pub add_accounts: Vec<String>,
    /// Repair mode.
    #[serde(deserialize_with = "de::string")]
    pub repair_mode: String,
    /// Repair items (unwrapped from `RepairItems.RepairItem[]`).
    #[serde(rename = "RepairItems", deserialize_with = "de::string_list")]
    pub repair_items: Vec<String>,
    /// Deprecated top-level image name.
    #[serde(deserialize_with = "de::string")]
    pub image_name: String,
    /// Deprecated top-level image family.
    #[serde(deserialize_with = "de::string")]
    pub image_family: String,
    /// Deprecated top-level NVMe support.
    #[serde(deserialize_with = "de::string")]
    pub nvme_support: String,
    /// Options of the produced image.
    pub image_options: ImageOptionsInfo,
    /// Advanced options.
    pub advanced_options: AdvancedOptions,
    /// Security scan options.
    pub image_security_options: ImageSecurityOptions,
    /// Import settings (OSS base image).
    pub import_image_options: ImportImageOptionsInfo,
    /// Resource group.
    pub resource_group_id: String,
    /// Tags (unwrapped from `Tags.Tag[]`).
    #[serde(deserialize_with = "de::list")]
    pub tags: Vec<Tag>,
}

/// DescribeImagePipelines answer (one page).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeImagePipelinesResponse {
    /// `RequestId`.
    pub request_id: String,
    /// Token of the next page.
    pub next_token: String,
    /// Page size used.
    #[serde(deserialize_with = "de::opt_i64")]
    pub max_results: Option<i64>,
    /// Number of matching templates.
    #[serde(deserialize_with = "de::opt_i64")]
    pub total_count: Option<i64>,
    /// Templates (unwrapped from `ImagePipeline.ImagePipelineSet`).
    #[serde(rename = "ImagePipeline", deserialize_with = "de::list")]
    pub pipelines: Vec<ImagePipeline>,
}

/// ECS TagResources parameters (`ResourceType` in ECS's lower-case names, e.g.
/// [`IMAGE_PIPELINE_RESOURCE_TYPE`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EcsTagResourcesRequest {
    /// Type of the resources.
    pub resource_type: String,
    /// Resource IDs (`ResourceId.N`).
    pub resource_id: Vec<String>,
    /// Tags to add or overwrite (up to 20).
    pub tag: Vec<Tag>,
}

/// ECS UntagResources parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EcsUntagResourcesRequest {
    /// Type of the resources.
    pub resource_type: String,
    /// Resource IDs.
    pub resource_id: Vec<String>,
    /// Keys to remove (`TagKey.N`, up to 20).
    pub tag_key: Vec<String>,
}

/// ECS `ResourceType` of image templates: the resource name in the template's
/// ARN (`acs:ecs:{region}:{account}:imagepipeline/{id}`). The SDK's comment on
/// TagResources lists older types only; ECS names every type this way.
pub const IMAGE_PIPELINE_RESOURCE_TYPE: &str = "imagepipeline";

/// DeleteImagePipeline parameters (deletes the template's finished executions
/// too; refused with `InvalidImagePipeline.HasRunningExecution` while one runs).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteImagePipelineRequest {
    /// The template to delete.
    pub image_pipeline_id: String,
}

impl Client {
    /// StartImagePipelineExecution. Reuse `token` for every retry of this
    /// logical start, so a retry cannot start a second build.
    pub async fn start_image_pipeline_execution(
        &self,
        req: &StartImagePipelineExecutionRequest,
        token: &ClientToken,
        cx: &CallContext,
    ) -> Result<StartImagePipelineExecutionResponse, ApiError> {
        self.call(
            Product::Ecs,
            "StartImagePipelineExecution",
            req,
            Some(token),
            cx,
        )
        .await
    }

    /// DescribeImagePipelineExecutions, one page.
    pub async fn describe_image_pipeline_executions(
        &self,
        req: &DescribeImagePipelineExecutionsRequest,
        cx: &CallContext,
    ) -> Result<DescribeImagePipelineExecutionsResponse, ApiError> {
        self.call(
            Product::Ecs,
            "DescribeImagePipelineExecutions",
            req,
            None,
            cx,
        )
        .await
    }

    /// DescribeImagePipelineExecutions, every page (`max_results` defaults
    /// to 100).
    pub async fn describe_all_image_pipeline_executions(
        &self,
        req: &DescribeImagePipelineExecutionsRequest,
        cx: &CallContext,
    ) -> Result<Vec<ImagePipelineExecution>, ApiError> {
        collect_all("DescribeImagePipelineExecutions", |token| {
            let page_req = DescribeImagePipelineExecutionsRequest {
                max_results: req.max_results.or(Some(DEFAULT_MAX_RESULTS)),
                next_token: token,
                ..req.clone()
            };
            async move {
                let page = self
                    .describe_image_pipeline_executions(&page_req, cx)
                    .await?;
                Ok(Page::new(page.executions, page.next_token))
            }
        })
        .await
    }

    /// The execution with this ID, or `None` when it is not returned (its
    /// template was deleted, or it never existed).
    pub async fn describe_image_pipeline_execution(
        &self,
        execution_id: &str,
        cx: &CallContext,
    ) -> Result<Option<ImagePipelineExecution>, ApiError> {
        let req = DescribeImagePipelineExecutionsRequest {
            execution_id: Some(execution_id.to_owned()),
            ..Default::default()
        };
        let page = self.describe_image_pipeline_executions(&req, cx).await?;
        Ok(page
            .executions
            .into_iter()
            .find(|e| e.execution_id == execution_id))
    }

    /// CancelImagePipelineExecution (no `ClientToken`: the API has none; a
    /// repeated cancel while `CANCELLING` is accepted). An unknown ID fails with
    /// one of [`EXECUTION_NOT_FOUND`].
    pub async fn cancel_image_pipeline_execution(
        &self,
        req: &CancelImagePipelineExecutionRequest,
        cx: &CallContext,
    ) -> Result<Ack, ApiError> {
        self.call(Product::Ecs, "CancelImagePipelineExecution", req, None, cx)
            .await
    }

    /// CreateImagePipeline.
    pub async fn create_image_pipeline(
        &self,
        req: &CreateImagePipelineRequest,
        token: &ClientToken,
        cx: &CallContext,
    ) -> Result<CreateImagePipelineResponse, ApiError> {
        self.call(Product::Ecs, "CreateImagePipeline", req, Some(token), cx)
            .await
    }

    /// DescribeImagePipelines, one page.
    pub async fn describe_image_pipelines(
        &self,
        req: &DescribeImagePipelinesRequest,
        cx: &CallContext,
    ) -> Result<DescribeImagePipelinesResponse, ApiError> {
        self.call(Product::Ecs, "DescribeImagePipelines", req, None, cx)
            .await
    }

    /// DescribeImagePipelines, every page (`max_results` defaults to 100).
    pub async fn describe_all_image_pipelines(
        &self,
        req: &DescribeImagePipelinesRequest,
        cx: &CallContext,
    ) -> Result<Vec<ImagePipeline>, ApiError> {
        collect_all("DescribeImagePipelines", |token| {
            let page_req = DescribeImagePipelinesRequest {
                max_results: req.max_results.or(Some(DEFAULT_MAX_RESULTS)),
                next_token: token,
                ..req.clone()
            };
            async move {
                let page = self.describe_image_pipelines(&page_req, cx).await?;
                Ok(Page::new(page.pipelines, page.next_token))
            }
        })
        .await
    }

    /// The template with this ID, or `None` when it is not returned (an unknown
    /// ID yields an empty set, not an error).
    pub async fn describe_image_pipeline(
        &self,
        image_pipeline_id: &str,
        cx: &CallContext,
    ) -> Result<Option<ImagePipeline>, ApiError> {
        let req = DescribeImagePipelinesRequest {
            image_pipeline_id: vec![image_pipeline_id.to_owned()],
            ..Default::default()
        };
        let page = self.describe_image_pipelines(&req, cx).await?;
        Ok(page
            .pipelines
            .into_iter()
            .find(|p| p.image_pipeline_id == image_pipeline_id))
    }

    /// ECS TagResources (adds or overwrites the given tags).
    pub async fn ecs_tag_resources(
        &self,
        req: &EcsTagResourcesRequest,
        cx: &CallContext,
    ) -> Result<Ack, ApiError> {
        self.call(Product::Ecs, "TagResources", req, None, cx).await
    }

    /// ECS UntagResources.
    pub async fn ecs_untag_resources(
        &self,
        req: &EcsUntagResourcesRequest,
        cx: &CallContext,
    ) -> Result<Ack, ApiError> {
        self.call(Product::Ecs, "UntagResources", req, None, cx)
            .await
    }

    /// DeleteImagePipeline. An unknown ID fails with one of
    /// [`IMAGE_PIPELINE_NOT_FOUND`]; callers deleting treat that as done.
    pub async fn delete_image_pipeline(
        &self,
        req: &DeleteImagePipelineRequest,
        cx: &CallContext,
    ) -> Result<Ack, ApiError> {
        self.call(Product::Ecs, "DeleteImagePipeline", req, None, cx)
            .await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::aliyun::params::to_pairs;

    #[test]
    fn start_request_matches_vector_v4_business_parameters() {
        let req = StartImagePipelineExecutionRequest {
            image_pipeline_id: "ip-2ze5tsl5bp6nf2b3****".into(),
            tag: vec![Tag::new("TestKey", "Test Value")],
        };
        assert_eq!(
            to_pairs(&req).unwrap(),
            vec![
                (
                    "ImagePipelineId".to_string(),
                    "ip-2ze5tsl5bp6nf2b3****".to_string()
                ),
                ("Tag.1.Key".to_string(), "TestKey".to_string()),
                ("Tag.1.Value".to_string(), "Test Value".to_string()),
            ]
        );
    }

    #[test]
    fn executions_unwrap_ecs_arrays_and_tags() {
        let body = json!({
            "RequestId": "R",
            "NextToken": "t2",
            "MaxResults": 50,
            "TotalCount": "2",
            "ImagePipelineExecution": {"ImagePipelineExecutionSet": [
                {
                    "ExecutionId": "exec-1",
                    "ImagePipelineId": "ip-1",
                    "Status": "BUILDING",
                    "CreationTime": "2020-11-24T06:00:00Z",
                    "Tags": {"Tag": [{"TagKey": "k", "TagValue": "v"}]}
                },
                {"ExecutionId": "exec-2", "Tags": {"Tag": []}}
            ]}
        });
        let resp: DescribeImagePipelineExecutionsResponse = serde_json::from_value(body).unwrap();
        assert_eq!(resp.total_count, Some(2));
        assert_eq!(resp.executions.len(), 2);
        assert_eq!(resp.executions[0].tags, [Tag::new("k", "v")]);
        assert!(resp.executions[1].tags.is_empty());
        let empty: DescribeImagePipelineExecutionsResponse = serde_json::from_value(
            json!({"RequestId": "R", "ImagePipelineExecution": {"ImagePipelineExecutionSet": []}}),
        )
        .unwrap();
        assert!(empty.executions.is_empty());
    }

    #[test]
    fn pipelines_unwrap_region_and_account_lists() {
        let body = json!({
            "ImagePipeline": {"ImagePipelineSet": [{
                "ImagePipelineId": "ip-1",
                "ToRegionIds": {"ToRegionId": ["cn-beijing"]},
                "AddAccounts": {"AddAccount": [1234567]},
                "SystemDiskSize": "40"
            }]}
        });
        let resp: DescribeImagePipelinesResponse = serde_json::from_value(body).unwrap();
        let p = &resp.pipelines[0];
        assert_eq!(p.to_region_ids, ["cn-beijing"]);
        assert_eq!(p.add_accounts, ["1234567"]);
        assert_eq!(p.system_disk_size, Some(40));
    }

    #[test]
    fn create_pipeline_flattens_nested_options() {
        let req = CreateImagePipelineRequest {
            base_image_type: "IMAGE".into(),
            base_image: Some("m-1".into()),
            to_region_id: vec!["cn-beijing".into()],
            image_options: Some(ImageOptions {
                image_name: Some("img".into()),
                image_features: Some(ImageFeatures {
                    nvme_support: Some("auto".into()),
                }),
                image_tags: vec![Tag::new("a", "b")],
                ..Default::default()
            }),
            ..Default::default()
        };
        let names: Vec<String> = to_pairs(&req)
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            names,
            [
                "BaseImageType",
                "BaseImage",
                "ToRegionId.1",
                "ImageOptions.ImageName",
                "ImageOptions.ImageFeatures.NvmeSupport",
                "ImageOptions.ImageTags.1.Key",
                "ImageOptions.ImageTags.1.Value",
            ]
        );
    }
}
