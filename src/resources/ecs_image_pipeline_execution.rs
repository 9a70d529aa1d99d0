//! `aliyun_ecs_image_pipeline_execution`: one run of an ECS image template (an
//! image build), from start to the finished image.
//!
//! API actions (ECS `2014-05-26`): StartImagePipelineExecution,
//! DescribeImagePipelineExecutions, CancelImagePipelineExecution.
//!
//! Import ID: the execution ID, e.g. `exec-5fb8facb8ed7427c1234`.
//!
//! Unlike the official provider's resource, create waits (by default) until the
//! build is finished and exposes the image it produced; destroy cancels a build
//! that is still running. An execution cannot be deleted through the API: destroying
//! a finished one only removes it from state (the image it built stays).

use std::time::Duration;

use crate::resources::common::{id_with_prefix, tags_attribute};
use crate::tf::{Attribute, Block, Schema, Type};

/// The resource type name.
pub const TYPE_NAME: &str = "aliyun_ecs_image_pipeline_execution";

/// The schema: arguments first, then what the API reports.
pub fn schema() -> Schema {
    let block = Block::new(
        "An ECS image build: one execution of an image template (`ip-...`). By default `terraform apply` \
         waits until the build is finished and exposes the new image's ID. Changing `image_pipeline_id`, \
         `triggers` or `tags` starts a new build. Destroying the resource cancels a build that is still \
         running; a finished build is only removed from state (its image stays).",
    )
    .attr("id", Attribute::computed(Type::String).stable().doc("The execution ID (`exec-...`)."))
    .attr("image_pipeline_id", Attribute::required(Type::String).replace_on_change()
        .doc("The image template to run.")
        .validate(id_with_prefix("ip-", "an image template ID such as `ip-abc`")))
    .attr("wait_for_completion", Attribute::optional_computed(Type::Bool).default_value(true)
        .doc("Wait until the build is finished. With `false`, apply returns once the build is under way \
              (`image_id` is then filled in by later refreshes)."))
    .attr("triggers", Attribute::optional(Type::map(Type::String)).replace_on_change()
        .doc("Arbitrary values; changing any of them starts a new build (like `terraform_data`'s `triggers_replace`)."))
    .attr("tags", tags_attribute("execution").replace_on_change())
    // What the API reports.
    .attr("status", Attribute::computed(Type::String).doc(
        "`PREPARING`, `REPAIRING`, `BUILDING`, `TESTING`, `DISTRIBUTING`, `RELEASING`, `SUCCESS`, \
         `PARTITION_SUCCESS`, `FAILED`, `TEST_FAILED`, `CANCELLING` or `CANCELLED`.",
    ))
    .attr("image_id", Attribute::computed(Type::String).doc("ID of the image the build produced (`m-...`)."))
    .attr("message", Attribute::computed(Type::String).doc("Output of the build task."))
    .attr("error_code", Attribute::computed(Type::String).doc("Failure code when the build failed."))
    .attr("error_info", Attribute::computed(Type::String).doc("Failure detail when the build failed."))
    .attr("resource_group_id", Attribute::computed(Type::String).doc("Resource group of the execution."))
    .attr("creation_time", Attribute::computed(Type::String).stable().doc("When the build started (UTC)."))
    .attr("modified_time", Attribute::computed(Type::String).doc("Last status change (UTC)."));

    Schema::new(block).with_timeouts(&[
        ("create", Duration::from_secs(2 * 60 * 60)),
        ("delete", Duration::from_secs(30 * 60)),
    ])
}
