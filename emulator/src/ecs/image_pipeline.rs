//! ECS image templates (`ip-…`) and their executions (`exec-…`):
//! CreateImagePipeline, DescribeImagePipelines, DeleteImagePipeline,
//! StartImagePipelineExecution, DescribeImagePipelineExecutions,
//! CancelImagePipelineExecution. Facts and choices: docs/development/api-reference.md,
//! «Image pipeline execution».
//!
//! ```text
//! PREPARING ─► [REPAIRING] ─► BUILDING ─► [TESTING] ─► DISTRIBUTING ─► RELEASING ─► SUCCESS | PARTITION_SUCCESS
//!                               │ FAILED      └─► TEST_FAILED
//! any running status ─(Cancel)─► CANCELLING ─► CANCELLED
//! ```
//! The template's scripted outcome decides the ending; `STUCK` never leaves
//! `BUILDING`. `REPAIRING` appears when the template has repair settings,
//! `TESTING` when it has test content (or is scripted to fail its tests).
//! `DISTRIBUTING` always runs: even without target regions the new image is
//! published in its own region (our choice: the documentation only defines the
//! status).

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::clock::{format_utc, ms, parse_utc, ser_opt_utc, ser_utc, Millis};
use crate::config::{PipelineOutcome, TemplateSeed, Timings};
use crate::error::{ApiResult, EmuError};
use crate::kind::{stored_fields, Kind, Tagging};
use crate::params::Params;
use crate::routes::{r, Route, ECS_VERSION};
use crate::tags::{self, Product, Tag};
use crate::world::{new_id, paginate, Body, Call, Settings, World, ALNUM, HEX};

/// Execution statuses (see docs/development/api-reference.md, «Image pipeline execution»).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecStatus {
    /// Creating temporary resources.
    Preparing,
    /// Repairing the source image.
    Repairing,
    /// Building.
    Building,
    /// Testing the new image.
    Testing,
    /// Copying/sharing the image.
    Distributing,
    /// Releasing temporary resources.
    Releasing,
    /// Done.
    Success,
    /// Image built, distribution or cleanup partly failed.
    PartitionSuccess,
    /// Build failed.
    Failed,
    /// Tests failed.
    TestFailed,
    /// Cancellation running.
    Cancelling,
    /// Cancelled.
    Cancelled,
}

const ALL_STATUSES: [ExecStatus; 12] = [
    ExecStatus::Preparing,
    ExecStatus::Repairing,
    ExecStatus::Building,
    ExecStatus::Testing,
    ExecStatus::Distributing,
    ExecStatus::Releasing,
    ExecStatus::Success,
    ExecStatus::PartitionSuccess,
    ExecStatus::Failed,
    ExecStatus::TestFailed,
    ExecStatus::Cancelling,
    ExecStatus::Cancelled,
];

impl ExecStatus {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preparing => "PREPARING",
            Self::Repairing => "REPAIRING",
            Self::Building => "BUILDING",
            Self::Testing => "TESTING",
            Self::Distributing => "DISTRIBUTING",
            Self::Releasing => "RELEASING",
            Self::Success => "SUCCESS",
            Self::PartitionSuccess => "PARTITION_SUCCESS",
            Self::Failed => "FAILED",
            Self::TestFailed => "TEST_FAILED",
            Self::Cancelling => "CANCELLING",
            Self::Cancelled => "CANCELLED",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        ALL_STATUSES.iter().copied().find(|st| st.as_str() == s)
    }

    /// Whether the execution is over.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Success
                | Self::PartitionSuccess
                | Self::Failed
                | Self::TestFailed
                | Self::Cancelled
        )
    }
}

/// An image template with every stored field.
#[derive(Clone, Debug, Serialize)]
pub struct ImagePipeline {
    /// Creation order.
    pub seq: u64,
    /// `ip-…`.
    pub image_pipeline_id: String,
    /// Region.
    pub region_id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// `IMAGE`, `IMAGE_FAMILY` or `OSS`.
    pub base_image_type: String,
    /// Base image or family.
    pub base_image: String,
    /// Build commands.
    pub build_content: String,
    /// Test commands (adds `TESTING`).
    pub test_content: String,
    /// Instance type of the intermediate instance.
    pub instance_type: String,
    /// GiB.
    pub system_disk_size: i64,
    /// Mbit/s.
    pub internet_max_bandwidth_out: i64,
    /// vSwitch.
    pub v_switch_id: String,
    /// Release the instance when the build fails.
    pub delete_instance_on_failure: bool,
    /// Target regions.
    pub to_region_ids: Vec<String>,
    /// Accounts to share with.
    pub add_accounts: Vec<String>,
    /// Repair mode (adds `REPAIRING`).
    pub repair_mode: String,
    /// Repair items.
    pub repair_items: Vec<String>,
    /// Deprecated top-level `ImageName` (as sent).
    pub image_name: String,
    /// Deprecated top-level `ImageFamily` (as sent).
    pub image_family: String,
    /// Deprecated top-level `NvmeSupport` (as sent).
    pub nvme_support: String,
    /// `ImageOptions`, in Describe's shape.
    pub image_options: Value,
    /// `AdvancedOptions`, in Describe's shape.
    pub advanced_options: Value,
    /// `ImageSecurityOptions`, in Describe's shape.
    pub image_security_options: Value,
    /// `ImportImageOptions`, in Describe's shape.
    pub import_image_options: Value,
    /// Resource group.
    pub resource_group_id: String,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Creation time.
    #[serde(serialize_with = "ser_utc")]
    pub creation_time: Millis,
    /// Scripted ending of every execution.
    pub outcome: PipelineOutcome,
    /// Final message (ErrorInfo on failure).
    pub message: String,
    /// Seeded through the emulator's own API (`Config::templates`,
    /// `POST /_emulator/templates`), not created through CreateImagePipeline.
    #[serde(skip)]
    pub seeded: bool,
}

impl ImagePipeline {
    /// Build from a seed.
    pub fn from_seed(seed: &TemplateSeed, seq: u64, now: Millis, rg: &str) -> Self {
        ImagePipeline {
            seq,
            image_pipeline_id: new_id("ip-", 20, ALNUM),
            region_id: seed.region_id.clone(),
            name: seed.name.clone(),
            description: String::new(),
            base_image_type: "IMAGE".into(),
            base_image: "aliyun_3_x64_20G_alibase_20240528.vhd".into(),
            build_content: "RUN echo build".into(),
            test_content: if seed.test_content {
                "RUN echo test".into()
            } else {
                String::new()
            },
            instance_type: "ecs.g7.large".into(),
            system_disk_size: 40,
            internet_max_bandwidth_out: 0,
            v_switch_id: String::new(),
            delete_instance_on_failure: true,
            to_region_ids: seed.to_regions.clone(),
            add_accounts: Vec::new(),
            repair_mode: if seed.repair {
                "Standard".into()
            } else {
                String::new()
            },
            repair_items: Vec::new(),
            image_name: String::new(),
            image_family: String::new(),
            nvme_support: String::new(),
            image_options: json!({}),
            advanced_options: json!({}),
            image_security_options: json!({}),
            import_image_options: json!({}),
            resource_group_id: rg.into(),
            tags: Vec::new(),
            creation_time: now,
            outcome: seed.outcome,
            message: seed.message.clone(),
            seeded: true,
        }
    }

    /// Running phases of an execution of this template.
    fn phases(&self) -> Vec<ExecStatus> {
        let mut p = vec![ExecStatus::Preparing];
        if !self.repair_mode.is_empty() || !self.repair_items.is_empty() {
            p.push(ExecStatus::Repairing);
        }
        p.push(ExecStatus::Building);
        if !self.test_content.is_empty() || self.outcome == PipelineOutcome::TestFailed {
            p.push(ExecStatus::Testing);
        }
        p.push(ExecStatus::Distributing);
        p.push(ExecStatus::Releasing);
        p
    }

    /// DescribeImagePipelines item.
    pub fn describe(&self) -> Value {
        json!({
            "ImagePipelineId": self.image_pipeline_id,
            "Name": self.name,
            "Description": self.description,
            "BaseImageType": self.base_image_type,
            "BaseImage": self.base_image,
            "BuildContent": self.build_content,
            "TestContent": self.test_content,
            "InstanceType": self.instance_type,
            "SystemDiskSize": self.system_disk_size,
            "InternetMaxBandwidthOut": self.internet_max_bandwidth_out,
            "VSwitchId": self.v_switch_id,
            "DeleteInstanceOnFailure": self.delete_instance_on_failure,
            "RepairMode": self.repair_mode,
            "ImageName": self.image_name,
            "ImageFamily": self.image_family,
            "NvmeSupport": self.nvme_support,
            "RepairItems": {"RepairItem": self.repair_items},
            "ImageOptions": self.image_options,
            "AdvancedOptions": self.advanced_options,
            "ImageSecurityOptions": self.image_security_options,
            "ImportImageOptions": self.import_image_options,
            "CreationTime": format_utc(self.creation_time),
            "ResourceGroupId": self.resource_group_id,
            "ToRegionIds": {"ToRegionId": self.to_region_ids},
            "AddAccounts": {"AddAccount": self.add_accounts},
            "Tags": tags::ecs_json(&self.tags),
        })
    }

    /// Overwrite a field: Describe names plus `Outcome` and `Message` (the script).
    pub fn patch(&mut self, field: &str, v: &Value) -> Result<(), String> {
        let s = || {
            v.as_str()
                .map(str::to_string)
                .ok_or(format!("{field} must be a string"))
        };
        match field {
            "Name" => self.name = s()?,
            "Description" => self.description = s()?,
            "BuildContent" => self.build_content = s()?,
            "TestContent" => self.test_content = s()?,
            "RepairMode" => self.repair_mode = s()?,
            "ResourceGroupId" => self.resource_group_id = s()?,
            "RegionId" => self.region_id = s()?,
            "Outcome" => {
                self.outcome = PipelineOutcome::parse(&s()?).ok_or("unknown pipeline outcome")?
            }
            "Message" => self.message = s()?,
            "ToRegionIds" => {
                let list = v.get("ToRegionId").unwrap_or(v);
                self.to_region_ids = serde_json::from_value(list.clone())
                    .map_err(|_| "ToRegionIds must be a list of strings")?
            }
            "Tags" => {
                self.tags = tags::from_json(v).ok_or("Tags must be {Tag:[{TagKey,TagValue}]}")?
            }
            other => return Err(format!("{other} is not a patchable image pipeline field")),
        }
        Ok(())
    }
}

/// One execution with every stored field.
#[derive(Clone, Debug, Serialize)]
pub struct Execution {
    /// Creation order.
    pub seq: u64,
    /// `exec-…`.
    pub execution_id: String,
    /// Template.
    pub image_pipeline_id: String,
    /// Region.
    pub region_id: String,
    /// Status.
    pub status: ExecStatus,
    /// When the current status was entered.
    #[serde(serialize_with = "ser_utc")]
    pub status_since: Millis,
    /// Planned running phases.
    pub phases: Vec<ExecStatus>,
    /// Creation time.
    #[serde(serialize_with = "ser_utc")]
    pub creation_time: Millis,
    /// Last status change.
    #[serde(serialize_with = "ser_utc")]
    pub modified_time: Millis,
    /// `m-…` once BUILDING completed.
    pub image_id: Option<String>,
    /// Progress/output text.
    pub message: String,
    /// Failure code.
    pub error_code: String,
    /// Failure detail.
    pub error_info: String,
    /// Resource group.
    pub resource_group_id: String,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Scripted ending (copied from the template at start).
    pub outcome: PipelineOutcome,
    /// Scripted final message.
    pub outcome_message: String,
    /// Target regions (for messages).
    pub to_region_ids: Vec<String>,
    /// When cancellation was requested.
    #[serde(serialize_with = "ser_opt_utc")]
    pub cancel_requested: Option<Millis>,
}

impl Execution {
    /// Advance to `now`.
    pub fn advance(&mut self, now: Millis, t: &Timings) {
        loop {
            if self.status.is_terminal() {
                break;
            }
            if self.status == ExecStatus::Cancelling {
                let end = self.status_since + ms(t.pipeline_cancelling);
                if now < end {
                    break;
                }
                self.message = "The execution was cancelled.".into();
                self.enter(ExecStatus::Cancelled, end);
                continue;
            }
            if self.status == ExecStatus::Building && self.outcome == PipelineOutcome::Stuck {
                break;
            }
            let end = self.status_since + ms(t.pipeline_phase);
            if now < end {
                break;
            }
            match self.status {
                ExecStatus::Building if self.outcome == PipelineOutcome::Failed => {
                    self.finish_failed(
                        ExecStatus::Failed,
                        "ImageBuild.Failed",
                        "The build command exited with a non-zero code.",
                        end,
                    );
                    continue;
                }
                ExecStatus::Building => {
                    self.image_id = Some(new_id("m-", 20, ALNUM));
                }
                ExecStatus::Testing if self.outcome == PipelineOutcome::TestFailed => {
                    self.finish_failed(
                        ExecStatus::TestFailed,
                        "ImageTest.Failed",
                        "The test command exited with a non-zero code.",
                        end,
                    );
                    continue;
                }
                ExecStatus::Releasing => {
                    let image = self.image_id.clone().unwrap_or_default();
                    if self.outcome == PipelineOutcome::PartitionSuccess {
                        self.finish_failed(
                            ExecStatus::PartitionSuccess,
                            "ImageDistribute.PartialFailed",
                            &format!("The image {image} was created but could not be copied to every target region."),
                            end,
                        );
                    } else {
                        self.message = if self.outcome_message.is_empty() {
                            format!("The image {image} was created successfully.")
                        } else {
                            self.outcome_message.clone()
                        };
                        self.enter(ExecStatus::Success, end);
                    }
                    continue;
                }
                _ => {}
            }
            let pos = self.phases.iter().position(|p| *p == self.status);
            let next = pos
                .and_then(|i| self.phases.get(i + 1))
                .copied()
                .unwrap_or(ExecStatus::Releasing);
            self.message = self.phase_message(next);
            self.enter(next, end);
        }
    }

    fn enter(&mut self, status: ExecStatus, at: Millis) {
        self.status = status;
        self.status_since = at;
        self.modified_time = at;
    }

    fn finish_failed(&mut self, status: ExecStatus, code: &str, default: &str, at: Millis) {
        let info = if self.outcome_message.is_empty() {
            default.to_string()
        } else {
            self.outcome_message.clone()
        };
        self.error_code = code.into();
        self.error_info = info.clone();
        self.message = info;
        self.enter(status, at);
    }

    fn phase_message(&self, phase: ExecStatus) -> String {
        let image = self.image_id.as_deref().unwrap_or_default();
        match phase {
            ExecStatus::Preparing => "Creating the intermediate instance.".into(),
            ExecStatus::Repairing => "Repairing the source image.".into(),
            ExecStatus::Building => "Running the build commands and creating the image.".into(),
            ExecStatus::Testing => format!("Running the test commands against image {image}."),
            ExecStatus::Distributing if self.to_region_ids.is_empty() => {
                format!("Publishing image {image}.")
            }
            ExecStatus::Distributing => format!(
                "Copying image {image} to {}.",
                self.to_region_ids.join(", ")
            ),
            ExecStatus::Releasing => "Releasing temporary resources.".into(),
            other => other.as_str().into(),
        }
    }

    /// DescribeImagePipelineExecutions item.
    pub fn describe(&self) -> Value {
        json!({
            "ExecutionId": self.execution_id,
            "ImagePipelineId": self.image_pipeline_id,
            "Status": self.status.as_str(),
            "ImageId": self.image_id.clone().unwrap_or_default(),
            "CreationTime": format_utc(self.creation_time),
            "ModifiedTime": format_utc(self.modified_time),
            "Message": self.message,
            "ErrorCode": self.error_code,
            "ErrorInfo": self.error_info,
            "ResourceGroupId": self.resource_group_id,
            "Tags": tags::ecs_json(&self.tags),
        })
    }

    /// Overwrite one Describe field (out-of-band drift).
    pub fn patch(&mut self, field: &str, v: &Value, now: Millis) -> Result<(), String> {
        let s = || {
            v.as_str()
                .map(str::to_string)
                .ok_or(format!("{field} must be a string"))
        };
        match field {
            "Status" => {
                let st = ExecStatus::parse(&s()?).ok_or("unknown execution status")?;
                self.enter(st, now);
            }
            "ImageId" => self.image_id = Some(s()?),
            "Message" => self.message = s()?,
            "ErrorCode" => self.error_code = s()?,
            "ErrorInfo" => self.error_info = s()?,
            "ResourceGroupId" => self.resource_group_id = s()?,
            "ImagePipelineId" => self.image_pipeline_id = s()?,
            "CreationTime" => {
                self.creation_time = v
                    .as_str()
                    .and_then(parse_utc)
                    .ok_or("CreationTime must be a yyyy-MM-ddTHH:mm:ssZ time")?
            }
            "ModifiedTime" => {
                self.modified_time = v
                    .as_str()
                    .and_then(parse_utc)
                    .ok_or("ModifiedTime must be a yyyy-MM-ddTHH:mm:ssZ time")?
            }
            "Tags" => {
                self.tags = tags::from_json(v).ok_or("Tags must be {Tag:[{TagKey,TagValue}]}")?
            }
            other => return Err(format!("{other} is not a patchable execution field")),
        }
        Ok(())
    }
}

fn pipeline_not_found(id: &str) -> EmuError {
    EmuError::new(
        404,
        "InvalidImagePipeline.NotFound",
        format!("The specified image pipeline {id} does not exist."),
    )
}

fn max_results(p: &Params) -> ApiResult<usize> {
    Ok(p.int_in("MaxResults", 1, 500)?.unwrap_or(50) as usize)
}

/// StartImagePipelineExecution.
pub fn start(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    let pipeline_id = p.required("ImagePipelineId")?.to_string();
    let tags = tags::parse(p, "Tag", Product::Ecs)?;
    let pipeline = w
        .pipelines
        .iter()
        .find(|t| t.image_pipeline_id == pipeline_id && t.region_id == region)
        .ok_or_else(|| pipeline_not_found(&pipeline_id))?
        .clone();
    if let Some(running) = w
        .executions
        .iter()
        .find(|e| e.image_pipeline_id == pipeline_id && !e.status.is_terminal())
    {
        return Err(EmuError::new(
            403,
            "InvalidImagePipeline.HasRunningExecution",
            format!(
                "The image pipeline {pipeline_id} already has a running execution {}.",
                running.execution_id
            ),
        ));
    }
    let phases = pipeline.phases();
    let mut exec = Execution {
        seq: w.next_seq(),
        execution_id: new_id("exec-", 20, HEX),
        image_pipeline_id: pipeline_id,
        region_id: region,
        status: ExecStatus::Preparing,
        status_since: call.now,
        phases,
        creation_time: call.now,
        modified_time: call.now,
        image_id: None,
        message: String::new(),
        error_code: String::new(),
        error_info: String::new(),
        resource_group_id: pipeline.resource_group_id.clone(),
        tags,
        outcome: pipeline.outcome,
        outcome_message: pipeline.message.clone(),
        to_region_ids: pipeline.to_region_ids.clone(),
        cancel_requested: None,
    };
    exec.message = exec.phase_message(ExecStatus::Preparing);
    let mut body = Body::new();
    body.insert("ExecutionId".into(), json!(exec.execution_id));
    w.executions.push(exec);
    Ok(body)
}

/// CancelImagePipelineExecution.
pub fn cancel(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    let id = p.required("ExecutionId")?.to_string();
    let e = w
        .executions
        .iter_mut()
        .find(|e| e.execution_id == id && e.region_id == region)
        .ok_or_else(|| {
            EmuError::new(
                404,
                "InvalidImagePipelineExecution.NotFound",
                "The specified image pipeline execution does not exist!",
            )
        })?;
    if e.status.is_terminal() {
        return Err(EmuError::new(
            400,
            "InvalidStatus.CancelFailed",
            "Failed to cancel execution,status is success, failed or cancelled.",
        ));
    }
    // Already cancelling: accepted, nothing changes.
    if e.status != ExecStatus::Cancelling {
        e.cancel_requested = Some(call.now);
        e.message = "Cancelling the execution.".into();
        e.enter(ExecStatus::Cancelling, call.now);
    }
    Ok(Body::new())
}

/// DescribeImagePipelineExecutions.
pub fn describe_executions(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    let pipeline = p.opt("ImagePipelineId");
    let exec = p.opt("ExecutionId");
    let statuses: Vec<ExecStatus> = match p.opt("Status") {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|s| {
                ExecStatus::parse(s.trim()).ok_or_else(|| {
                    EmuError::invalid_value("Status", &format!("unknown status {s}"))
                })
            })
            .collect::<ApiResult<_>>()?,
    };
    let filter = tags::parse_filter(p, "Tag")?;
    let limit = max_results(p)?;
    let eq = |f: &Option<String>, v: &str| f.as_ref().is_none_or(|f| f == v);
    let found: Vec<&Execution> = w
        .executions
        .iter()
        .filter(|e| e.region_id == region)
        .filter(|e| eq(&pipeline, &e.image_pipeline_id) && eq(&exec, &e.execution_id))
        .filter(|e| statuses.is_empty() || statuses.contains(&e.status))
        .filter(|e| tags::matches(&e.tags, &filter))
        .collect();
    let page = paginate(found, |e| e.seq, "exec", p.str("NextToken"), limit)?;
    let mut body = Body::new();
    body.insert(
        "ImagePipelineExecution".into(),
        json!({"ImagePipelineExecutionSet": page.items.iter().map(|e| e.describe()).collect::<Vec<_>>()}),
    );
    body.insert("NextToken".into(), json!(page.next_token));
    body.insert("MaxResults".into(), json!(limit));
    body.insert("TotalCount".into(), json!(page.total));
    Ok(body)
}

/// CreateImagePipeline (executions of API-created templates succeed unless
/// the template is patched with an `Outcome`).
pub fn create_pipeline(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    let base_type = p.required("BaseImageType")?.to_string();
    if !["IMAGE", "IMAGE_FAMILY", "OSS"].contains(&base_type.as_str()) {
        return Err(EmuError::invalid_value(
            "BaseImageType",
            "allowed values are IMAGE, IMAGE_FAMILY, OSS",
        ));
    }
    let base_image = p.opt("BaseImage").unwrap_or_default();
    if base_type != "OSS" && base_image.is_empty() {
        return Err(EmuError::missing("BaseImage"));
    }
    let name = p.opt("Name");
    if let Some(n) = &name {
        let len = n.chars().count();
        if !(2..=128).contains(&len) || !n.chars().next().is_some_and(char::is_alphabetic) {
            return Err(EmuError::invalid_value(
                "Name",
                "2 to 128 characters starting with a letter",
            ));
        }
    }
    let text = |n: &str, max: usize, min: usize| -> ApiResult<String> {
        let v = p.opt(n).unwrap_or_default();
        if !v.is_empty() && (v.len() > max || v.chars().count() < min) {
            return Err(EmuError::invalid_value(
                n,
                &format!("{min} to {max} characters"),
            ));
        }
        Ok(v)
    };
    let description = text("Description", 256, 2)?;
    let build_content = text("BuildContent", 16 * 1024, 0)?;
    let test_content = text("TestContent", 16 * 1024, 0)?;
    let tags = tags::parse(p, "Tag", Product::Ecs)?;
    let import_image_options = import_image_options(p)?;
    if base_type == "OSS" && import_image_options.get("DiskDeviceMappings").is_none() {
        return Err(EmuError::missing(
            "ImportImageOptions.DiskDeviceMappings.1.OSSObject",
        ));
    }
    let id = new_id("ip-", 20, ALNUM);
    let pipeline = ImagePipeline {
        seq: w.next_seq(),
        image_pipeline_id: id.clone(),
        region_id: region,
        name: name.unwrap_or_else(|| id.clone()),
        description,
        base_image_type: base_type,
        base_image,
        build_content,
        test_content,
        instance_type: p.opt("InstanceType").unwrap_or_default(),
        system_disk_size: p.int_in("SystemDiskSize", 20, 500)?.unwrap_or(40),
        internet_max_bandwidth_out: p.int_in("InternetMaxBandwidthOut", 0, 100)?.unwrap_or(0),
        v_switch_id: p.opt("VSwitchId").unwrap_or_default(),
        delete_instance_on_failure: p.bool("DeleteInstanceOnFailure")?.unwrap_or(true),
        to_region_ids: p.list("ToRegionId", 20)?,
        add_accounts: p.list("AddAccount", 20)?,
        repair_mode: p.opt("RepairMode").unwrap_or_default(),
        repair_items: p.list("RepairItem", 20)?,
        image_name: p.opt("ImageName").unwrap_or_default(),
        image_family: p.opt("ImageFamily").unwrap_or_default(),
        nvme_support: p.opt("NvmeSupport").unwrap_or_default(),
        image_options: image_options(p)?,
        advanced_options: advanced_options(p)?,
        image_security_options: object(p, "ImageSecurityOptions", &["SecurityScanMode"]),
        import_image_options,
        resource_group_id: p
            .opt("ResourceGroupId")
            .unwrap_or_else(|| w.settings.default_resource_group_id.clone()),
        tags,
        creation_time: call.now,
        outcome: PipelineOutcome::Success,
        message: String::new(),
        seeded: false,
    };
    w.pipelines.push(pipeline);
    let mut body = Body::new();
    body.insert("ImagePipelineId".into(), json!(id));
    Ok(body)
}

/// `{"Member": value}` for each of `members` sent below `prefix` (strings, as sent).
fn object(p: &Params, prefix: &str, members: &[&str]) -> Value {
    let mut o = Map::new();
    for m in members {
        if let Some(v) = p.opt(&format!("{prefix}.{m}")) {
            o.insert((*m).to_string(), json!(v));
        }
    }
    Value::Object(o)
}

/// `ImageOptions.*` as Describe returns it (`ImageTags.ImageTag[] {TagKey, TagValue}`).
fn image_options(p: &Params) -> ApiResult<Value> {
    let mut o = object(
        p,
        "ImageOptions",
        &["ImageName", "ImageFamily", "Description"],
    );
    let features = object(p, "ImageOptions.ImageFeatures", &["NvmeSupport"]);
    let image_tags = tags::parse(p, "ImageOptions.ImageTags", Product::Ecs)?;
    let m = o.as_object_mut().expect("an object");
    if features.as_object().is_some_and(|f| !f.is_empty()) {
        m.insert("ImageFeatures".into(), features);
    }
    m.insert(
        "ImageTags".into(),
        json!({"ImageTag": image_tags.iter().map(|t| json!({"TagKey": t.key, "TagValue": t.value})).collect::<Vec<_>>()}),
    );
    Ok(o)
}

/// `AdvancedOptions.*` as Describe returns it (`RetainCloudAssistant` a boolean).
fn advanced_options(p: &Params) -> ApiResult<Value> {
    let mut o = object(p, "AdvancedOptions", &["ImageNameSuffix"]);
    if let Some(b) = p.bool("AdvancedOptions.RetainCloudAssistant")? {
        o.as_object_mut()
            .expect("an object")
            .insert("RetainCloudAssistant".into(), json!(b));
    }
    Ok(o)
}

/// `ImportImageOptions.*` as Describe returns it: disk mappings wrapped in
/// `DiskDeviceMappings.DiskDeviceMapping[]`, tags in
/// `ImportImageTags.ImportImageTag[] {Key, Value}` (the SDK's response model).
fn import_image_options(p: &Params) -> ApiResult<Value> {
    const PREFIX: &str = "ImportImageOptions";
    let mut o = object(
        p,
        PREFIX,
        &[
            "ImageName",
            "Description",
            "OSType",
            "Platform",
            "Architecture",
            "BootMode",
            "LicenseType",
            "RoleName",
            "RetentionStrategy",
        ],
    );
    let m = o.as_object_mut().expect("an object");
    if let Some(b) = p.bool(&format!("{PREFIX}.RetainImportedImage"))? {
        m.insert("RetainImportedImage".into(), json!(b));
    }
    let features = object(
        p,
        &format!("{PREFIX}.Features"),
        &["NvmeSupport", "ImdsSupport"],
    );
    if features.as_object().is_some_and(|f| !f.is_empty()) {
        m.insert("Features".into(), features);
    }
    let mut disks = Vec::new();
    for node in p.objects(&format!("{PREFIX}.DiskDeviceMappings"), 17)? {
        let mut d = Map::new();
        for f in ["OSSBucket", "OSSObject", "Format"] {
            if let Some(v) = node.field(f) {
                d.insert(f.into(), json!(v));
            }
        }
        if let Some(size) = node.field("DiskImageSize") {
            let size: i64 = size.parse().map_err(|_| {
                EmuError::invalid_value(
                    "ImportImageOptions.DiskDeviceMappings.N.DiskImageSize",
                    "an integer",
                )
            })?;
            d.insert("DiskImageSize".into(), json!(size));
        }
        disks.push(Value::Object(d));
    }
    if !disks.is_empty() {
        m.insert(
            "DiskDeviceMappings".into(),
            json!({ "DiskDeviceMapping": disks }),
        );
    }
    let import_tags = tags::parse(p, &format!("{PREFIX}.ImportImageTags"), Product::Ecs)?;
    if !import_tags.is_empty() {
        m.insert(
            "ImportImageTags".into(),
            json!({"ImportImageTag": import_tags.iter().map(|t| json!({"Key": t.key, "Value": t.value})).collect::<Vec<_>>()}),
        );
    }
    Ok(o)
}

/// DescribeImagePipelines.
pub fn describe_pipelines(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    let ids = p.list("ImagePipelineId", 20)?;
    let name = p.opt("Name");
    let rg = p.opt("ResourceGroupId");
    let filter = tags::parse_filter(p, "Tag")?;
    let limit = max_results(p)?;
    let found: Vec<&ImagePipeline> = w
        .pipelines
        .iter()
        .filter(|t| t.region_id == region)
        .filter(|t| ids.is_empty() || ids.contains(&t.image_pipeline_id))
        .filter(|t| name.as_ref().is_none_or(|n| *n == t.name))
        .filter(|t| rg.as_ref().is_none_or(|r| *r == t.resource_group_id))
        .filter(|t| tags::matches(&t.tags, &filter))
        .collect();
    let page = paginate(found, |t| t.seq, "ip", p.str("NextToken"), limit)?;
    let mut body = Map::new();
    body.insert(
        "ImagePipeline".into(),
        json!({"ImagePipelineSet": page.items.iter().map(|t| t.describe()).collect::<Vec<_>>()}),
    );
    body.insert("NextToken".into(), json!(page.next_token));
    body.insert("MaxResults".into(), json!(limit));
    body.insert("TotalCount".into(), json!(page.total));
    Ok(body)
}

/// DeleteImagePipeline: its executions go with it. Refused while one of them
/// runs (`InvalidImagePipeline.HasRunningExecution`, 403, as the API's help
/// page documents: only terminal executions allow the delete).
pub fn delete_pipeline(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    let id = p.required("ImagePipelineId")?.to_string();
    if !w
        .pipelines
        .iter()
        .any(|t| t.image_pipeline_id == id && t.region_id == region)
    {
        return Err(pipeline_not_found(&id));
    }
    if let Some(running) = w
        .executions
        .iter()
        .find(|e| e.image_pipeline_id == id && !e.status.is_terminal())
    {
        return Err(EmuError::new(
            403,
            "InvalidImagePipeline.HasRunningExecution",
            format!(
                "The image pipeline {id} has a running execution {} ({}).",
                running.execution_id,
                running.status.as_str()
            ),
        ));
    }
    w.pipelines.retain(|t| t.image_pipeline_id != id);
    w.executions.retain(|e| e.image_pipeline_id != id);
    Ok(Body::new())
}

impl Kind for ImagePipeline {
    const STATE_KEY: &'static str = "image_pipelines";
    const ROUTES: &'static [Route] = &[
        r("CreateImagePipeline", ECS_VERSION, true, create_pipeline),
        r(
            "DescribeImagePipelines",
            ECS_VERSION,
            false,
            describe_pipelines,
        ),
        r("DeleteImagePipeline", ECS_VERSION, false, delete_pipeline),
    ];
    const TAGGING: Option<Tagging> = Some(Tagging {
        version: ECS_VERSION,
        resource_type: "imagepipeline",
    });

    stored_fields!(image_pipeline_id);
    fn patch(&mut self, field: &str, v: &Value, _: Millis) -> Result<(), String> {
        self.patch(field, v)
    }
    fn seeded(&self) -> bool {
        self.seeded
    }
}

impl Kind for Execution {
    const STATE_KEY: &'static str = "executions";
    const ROUTES: &'static [Route] = &[
        r("StartImagePipelineExecution", ECS_VERSION, true, start),
        r(
            "DescribeImagePipelineExecutions",
            ECS_VERSION,
            false,
            describe_executions,
        ),
        r("CancelImagePipelineExecution", ECS_VERSION, false, cancel),
    ];

    stored_fields!(execution_id);
    fn owner_id(&self) -> Option<&str> {
        Some(&self.image_pipeline_id)
    }
    fn advance(&mut self, now: Millis, s: &Settings) {
        self.advance(now, &s.timings);
    }
    fn patch(&mut self, field: &str, v: &Value, now: Millis) -> Result<(), String> {
        self.patch(field, v, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::config::Config;
    use crate::world::test_call as call;
    use crate::world::Settings;
    use std::time::Duration;

    fn world() -> World {
        let mut c = Config::for_tests();
        c.timings = Timings::uniform(Duration::from_secs(1));
        World::new(
            Settings::from_config(&c),
            Clock::manual_at(1_717_243_200_000),
        )
    }

    fn seed(w: &mut World, s: TemplateSeed) -> String {
        let seq = w.next_seq();
        let t = ImagePipeline::from_seed(&s, seq, w.clock.now(), "rg-x");
        let id = t.image_pipeline_id.clone();
        w.pipelines.push(t);
        id
    }

    fn start_exec(w: &mut World, ip: &str) -> String {
        call(
            w,
            start,
            &[("RegionId", "cn-hangzhou"), ("ImagePipelineId", ip)],
        )
        .unwrap()["ExecutionId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Statuses seen second by second until terminal (or `max` steps).
    fn trace(w: &mut World, id: &str, max: usize) -> Vec<&'static str> {
        let mut seen = Vec::new();
        for _ in 0..max {
            w.sweep();
            let e = w.executions.iter().find(|e| e.execution_id == id).unwrap();
            seen.push(e.status.as_str());
            if e.status.is_terminal() {
                break;
            }
            w.clock.advance(Duration::from_secs(1));
        }
        seen
    }

    #[test]
    fn success_path_with_optional_phases() {
        let mut w = world();
        let ip = seed(
            &mut w,
            TemplateSeed {
                test_content: true,
                repair: true,
                to_regions: vec!["cn-beijing".into()],
                ..TemplateSeed::new("t", PipelineOutcome::Success)
            },
        );
        let id = start_exec(&mut w, &ip);
        assert!(id.starts_with("exec-") && id[5..].bytes().all(|b| HEX.contains(&b)));
        assert_eq!(
            trace(&mut w, &id, 20),
            [
                "PREPARING",
                "REPAIRING",
                "BUILDING",
                "TESTING",
                "DISTRIBUTING",
                "RELEASING",
                "SUCCESS"
            ]
        );
        let e = &w.executions[0];
        assert!(e.image_id.as_deref().unwrap().starts_with("m-"));
        assert!(e.error_code.is_empty());
    }

    #[test]
    fn image_appears_after_building_and_failures_set_error_fields() {
        let mut w = world();
        let ip = seed(&mut w, TemplateSeed::new("plain", PipelineOutcome::Success));
        let id = start_exec(&mut w, &ip);
        assert_eq!(
            trace(&mut w, &id, 3),
            ["PREPARING", "BUILDING", "DISTRIBUTING"]
        );
        assert!(w.executions[0].image_id.is_some());

        for (outcome, end, code, image) in [
            (
                PipelineOutcome::Failed,
                "FAILED",
                "ImageBuild.Failed",
                false,
            ),
            (
                PipelineOutcome::TestFailed,
                "TEST_FAILED",
                "ImageTest.Failed",
                true,
            ),
            (
                PipelineOutcome::PartitionSuccess,
                "PARTITION_SUCCESS",
                "ImageDistribute.PartialFailed",
                true,
            ),
        ] {
            let ip = seed(
                &mut w,
                TemplateSeed {
                    message: "boom".into(),
                    ..TemplateSeed::new("x", outcome)
                },
            );
            let id = start_exec(&mut w, &ip);
            let t = trace(&mut w, &id, 20);
            assert_eq!(*t.last().unwrap(), end);
            let e = w.executions.iter().find(|e| e.execution_id == id).unwrap();
            assert_eq!(e.error_code, code);
            assert_eq!(e.error_info, "boom");
            assert_eq!(e.image_id.is_some(), image, "{end}");
        }
    }

    #[test]
    fn one_running_execution_per_template_and_cancel_rules() {
        let mut w = world();
        let ip = seed(&mut w, TemplateSeed::new("s", PipelineOutcome::Stuck));
        let id = start_exec(&mut w, &ip);
        let e = call(
            &mut w,
            start,
            &[("RegionId", "cn-hangzhou"), ("ImagePipelineId", &ip)],
        )
        .unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str()),
            (403, "InvalidImagePipeline.HasRunningExecution")
        );
        assert!(e.message.contains(&id));
        w.clock.advance(Duration::from_secs(3600));
        assert_eq!(trace(&mut w, &id, 1), ["BUILDING"]);
        let c = [("RegionId", "cn-hangzhou"), ("ExecutionId", id.as_str())];
        call(&mut w, cancel, &c).unwrap();
        call(&mut w, cancel, &c).unwrap();
        assert_eq!(trace(&mut w, &id, 5), ["CANCELLING", "CANCELLED"]);
        let e = call(&mut w, cancel, &c).unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str()),
            (400, "InvalidStatus.CancelFailed")
        );
        let e = call(
            &mut w,
            cancel,
            &[("RegionId", "cn-hangzhou"), ("ExecutionId", "exec-0")],
        )
        .unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str()),
            (404, "InvalidImagePipelineExecution.NotFound")
        );
        // A new execution may start once the previous one is over.
        start_exec(&mut w, &ip);
        let e = call(
            &mut w,
            start,
            &[("RegionId", "cn-hangzhou"), ("ImagePipelineId", "ip-none")],
        )
        .unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str()),
            (404, "InvalidImagePipeline.NotFound")
        );
    }

    #[test]
    fn describe_filters_shape_and_delete_cascade() {
        let mut w = world();
        let ip = seed(&mut w, TemplateSeed::new("a", PipelineOutcome::Success));
        let ip2 = seed(&mut w, TemplateSeed::new("b", PipelineOutcome::Stuck));
        let r = ("RegionId", "cn-hangzhou");
        let id = call(
            &mut w,
            start,
            &[
                r,
                ("ImagePipelineId", &ip),
                ("Tag.1.Key", "k"),
                ("Tag.1.Value", "v"),
            ],
        )
        .unwrap()["ExecutionId"]
            .as_str()
            .unwrap()
            .to_string();
        start_exec(&mut w, &ip2);
        let b = call(&mut w, describe_executions, &[r, ("ExecutionId", &id)]).unwrap();
        let set = &b["ImagePipelineExecution"]["ImagePipelineExecutionSet"];
        assert_eq!(set[0]["Tags"]["Tag"][0]["TagKey"], "k");
        assert_eq!(set[0]["ImageId"], "");
        assert_eq!(b["MaxResults"], 50);
        let b = call(
            &mut w,
            describe_executions,
            &[r, ("Status", "BUILDING,SUCCESS"), ("Tag.1.Key", "k")],
        )
        .unwrap();
        assert_eq!(b["TotalCount"], 0);
        let b = call(&mut w, describe_executions, &[r, ("Status", "PREPARING")]).unwrap();
        assert_eq!(b["TotalCount"], 2);
        let b = call(&mut w, describe_executions, &[r, ("MaxResults", "1")]).unwrap();
        assert!(!b["NextToken"].as_str().unwrap().is_empty());
        assert_eq!(
            call(&mut w, describe_executions, &[r, ("MaxResults", "501")])
                .unwrap_err()
                .code,
            "InvalidParameter"
        );
        assert_eq!(
            call(&mut w, describe_executions, &[r, ("Status", "DONE")])
                .unwrap_err()
                .code,
            "InvalidParameter"
        );
        let b = call(
            &mut w,
            describe_executions,
            &[r, ("ExecutionId", "exec-none")],
        )
        .unwrap();
        assert_eq!(
            b["ImagePipelineExecution"]["ImagePipelineExecutionSet"],
            json!([])
        );
        // Refused while its build runs, accepted once it has finished.
        let refused = call(&mut w, delete_pipeline, &[r, ("ImagePipelineId", &ip)]).unwrap_err();
        assert_eq!(
            (refused.status, refused.code.as_str()),
            (403, "InvalidImagePipeline.HasRunningExecution")
        );
        assert!(refused.message.contains(&id), "{refused:?}");
        w.clock.advance(Duration::from_secs(3600));
        call(&mut w, delete_pipeline, &[r, ("ImagePipelineId", &ip)]).unwrap();
        assert_eq!(w.executions.len(), 1);
        assert_eq!(
            call(&mut w, delete_pipeline, &[r, ("ImagePipelineId", &ip)])
                .unwrap_err()
                .code,
            "InvalidImagePipeline.NotFound"
        );
    }

    #[test]
    fn create_and_describe_pipelines() {
        let mut w = world();
        let r = ("RegionId", "cn-hangzhou");
        assert_eq!(
            call(&mut w, create_pipeline, &[r]).unwrap_err().code,
            "MissingParameter"
        );
        assert_eq!(
            call(&mut w, create_pipeline, &[r, ("BaseImageType", "IMAGE")])
                .unwrap_err()
                .code,
            "MissingParameter"
        );
        let id = call(
            &mut w,
            create_pipeline,
            &[
                r,
                ("BaseImageType", "IMAGE"),
                ("BaseImage", "m-base"),
                ("Name", "tpl"),
                ("TestContent", "RUN true"),
                ("ToRegionId.1", "cn-beijing"),
            ],
        )
        .unwrap()["ImagePipelineId"]
            .as_str()
            .unwrap()
            .to_string();
        let b = call(&mut w, describe_pipelines, &[r, ("ImagePipelineId.1", &id)]).unwrap();
        let item = &b["ImagePipeline"]["ImagePipelineSet"][0];
        assert_eq!(item["Name"], "tpl");
        assert_eq!(item["ToRegionIds"]["ToRegionId"], json!(["cn-beijing"]));
        assert_eq!(item["Tags"]["Tag"], json!([]));
        let exec = start_exec(&mut w, &id);
        assert!(trace(&mut w, &exec, 20).contains(&"TESTING"));
    }

    #[test]
    fn every_create_field_is_stored_and_described() {
        let mut w = world();
        let r = ("RegionId", "cn-hangzhou");
        let oss = [r, ("BaseImageType", "OSS")];
        assert_eq!(
            call(&mut w, create_pipeline, &oss).unwrap_err().code,
            "MissingParameter",
            "an OSS base needs its disk images"
        );
        let id = call(
            &mut w,
            create_pipeline,
            &[
                r,
                ("BaseImageType", "OSS"),
                ("ImportImageOptions.DiskDeviceMappings.1.OSSBucket", "b"),
                (
                    "ImportImageOptions.DiskDeviceMappings.1.OSSObject",
                    "o.qcow2",
                ),
                (
                    "ImportImageOptions.DiskDeviceMappings.1.DiskImageSize",
                    "40",
                ),
                ("ImportImageOptions.Features.NvmeSupport", "supported"),
                ("ImportImageOptions.OSType", "linux"),
                ("ImportImageOptions.RetainImportedImage", "true"),
                ("ImportImageOptions.ImportImageTags.1.Key", "k"),
                ("ImportImageOptions.ImportImageTags.1.Value", "v"),
                ("ImageOptions.ImageName", "web"),
                ("ImageOptions.ImageFeatures.NvmeSupport", "auto"),
                ("ImageOptions.ImageTags.1.Key", "a"),
                ("ImageOptions.ImageTags.1.Value", "b"),
                ("AdvancedOptions.RetainCloudAssistant", "false"),
                ("ImageSecurityOptions.SecurityScanMode", "NONE"),
                ("RepairMode", "Customized"),
                ("RepairItem.1", "grub"),
                ("ImageFamily", "fam"),
                ("NvmeSupport", "auto"),
            ],
        )
        .unwrap()["ImagePipelineId"]
            .as_str()
            .unwrap()
            .to_string();
        let b = call(&mut w, describe_pipelines, &[r, ("ImagePipelineId.1", &id)]).unwrap();
        let item = &b["ImagePipeline"]["ImagePipelineSet"][0];
        let import = &item["ImportImageOptions"];
        assert_eq!(
            import["DiskDeviceMappings"]["DiskDeviceMapping"],
            json!([{"OSSBucket": "b", "OSSObject": "o.qcow2", "DiskImageSize": 40}])
        );
        assert_eq!(import["Features"]["NvmeSupport"], "supported");
        assert_eq!(import["RetainImportedImage"], true);
        assert_eq!(
            import["ImportImageTags"]["ImportImageTag"],
            json!([{"Key": "k", "Value": "v"}])
        );
        let options = &item["ImageOptions"];
        assert_eq!(options["ImageName"], "web");
        assert_eq!(options["ImageFeatures"]["NvmeSupport"], "auto");
        assert_eq!(
            options["ImageTags"]["ImageTag"],
            json!([{"TagKey": "a", "TagValue": "b"}])
        );
        assert_eq!(item["AdvancedOptions"]["RetainCloudAssistant"], false);
        assert_eq!(item["ImageSecurityOptions"]["SecurityScanMode"], "NONE");
        assert_eq!(item["RepairItems"]["RepairItem"], json!(["grub"]));
        assert_eq!(
            (&item["ImageFamily"], &item["NvmeSupport"]),
            (&json!("fam"), &json!("auto"))
        );
        assert_eq!(item["DeleteInstanceOnFailure"], true);
        assert_eq!(item["SystemDiskSize"], 40);
    }
}
