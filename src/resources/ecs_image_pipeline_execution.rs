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

use crate::aliyun::ecs::{
    CancelImagePipelineExecutionRequest, DescribeImagePipelineExecutionsRequest,
    ImagePipelineExecution, StartImagePipelineExecutionRequest, EXECUTION_NOT_FOUND,
};
use crate::aliyun::{ApiError, CallContext, Client, ClientToken};
use crate::resources::common::{
    api_cx, api_error, id_with_prefix, import_id, non_empty, tags_attribute, tags_from, tags_value,
};
use crate::resources::lifecycle::{self, RemoteKind};
use crate::resources::wait::{WaitError, Watched};
use crate::tf::provider::{Existence, PlanChange};
use crate::tf::{Attribute, Block, Cx, Diagnostics, Resource, Schema, Type, Value};

/// The resource type name.
pub const TYPE_NAME: &str = "aliyun_ecs_image_pipeline_execution";

/// The schema: arguments first, then what the API reports.
pub fn schema() -> Schema {
    let block = Block::new(
        "An ECS image build: one execution of an image template (`ip-...`). By default `terraform \
         apply` waits until the build is finished and exposes the new image's ID. Changing \
         `image_pipeline_id`, `triggers` or `tags` starts a new build. Destroying the resource \
         cancels a build that is still running; a finished build is only removed from state (its \
         image stays).",
    )
    .attr(
        "id",
        Attribute::computed(Type::String)
            .stable()
            .doc("The execution ID (`exec-...`)."),
    )
    .attr(
        "image_pipeline_id",
        Attribute::required(Type::String)
            .replace_on_change()
            .doc("The image template to run.")
            .validate(id_with_prefix(
                "ip-",
                "an image template ID such as `ip-abc`",
            )),
    )
    .attr(
        "wait_for_completion",
        Attribute::optional_computed(Type::Bool)
            .never_returned()
            .default_value(true)
            .doc(
                "Wait until the build is finished. With `false`, apply returns once the build is \
                 under way (`image_id` is then filled in by later refreshes).",
            ),
    )
    .attr(
        "triggers",
        Attribute::optional(Type::map(Type::String))
            .never_returned()
            .replace_unless_adopting()
            .doc(
                "Arbitrary values; changing any of them starts a new build (like \
                 `terraform_data`'s `triggers_replace`).",
            ),
    )
    .attr("tags", tags_attribute("execution").replace_on_change())
    // What the API reports.
    .attr(
        "status",
        Attribute::computed(Type::String).doc(
            "`PREPARING`, `REPAIRING`, `BUILDING`, `TESTING`, `DISTRIBUTING`, `RELEASING`, \
             `SUCCESS`, `PARTITION_SUCCESS`, `FAILED`, `TEST_FAILED`, `CANCELLING` or `CANCELLED`.",
        ),
    )
    .attr(
        "image_id",
        Attribute::computed(Type::String).doc("ID of the image the build produced (`m-...`)."),
    )
    .attr(
        "message",
        Attribute::computed(Type::String).doc("Output of the build task."),
    )
    .attr(
        "error_code",
        Attribute::computed(Type::String).doc("Failure code when the build failed."),
    )
    .attr(
        "error_info",
        Attribute::computed(Type::String).doc("Failure detail when the build failed."),
    )
    .attr(
        "resource_group_id",
        Attribute::computed(Type::String).doc("Resource group of the execution."),
    )
    .attr(
        "creation_time",
        Attribute::computed(Type::String)
            .stable()
            .doc("When the build started (UTC)."),
    )
    .attr(
        "modified_time",
        Attribute::computed(Type::String).doc("Last status change (UTC)."),
    );

    Schema::new(block).with_timeouts(&[
        ("create", Duration::from_secs(2 * 60 * 60)),
        ("delete", Duration::from_secs(30 * 60)),
    ])
}

/// What a build reports as it runs: fixed once it has finished.
const REPORTED_BY_THE_BUILD: &[&str] = &[
    "status",
    "image_id",
    "message",
    "error_code",
    "error_info",
    "resource_group_id",
    "modified_time",
];

/// Builds that ended well.
const SUCCEEDED: &[&str] = &["SUCCESS", "PARTITION_SUCCESS"];
/// Builds that ended badly.
const FAILED: &[&str] = &["FAILED", "TEST_FAILED", "CANCELLED"];
/// Every terminal status.
const TERMINAL: &[&str] = &[
    "SUCCESS",
    "PARTITION_SUCCESS",
    "FAILED",
    "TEST_FAILED",
    "CANCELLED",
];
/// Statuses that show a build is under way (for `wait_for_completion = false`).
const STARTED: &[&str] = &[
    "PREPARING",
    "REPAIRING",
    "BUILDING",
    "TESTING",
    "DISTRIBUTING",
    "RELEASING",
    "CANCELLING",
    "SUCCESS",
    "PARTITION_SUCCESS",
    "FAILED",
    "TEST_FAILED",
    "CANCELLED",
];

/// The resource.
pub struct ImagePipelineExecutionResource;

#[async_trait::async_trait]
impl Resource<Client> for ImagePipelineExecutionResource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    /// After an import, `triggers` is null (the API never returns it) and so is
    /// `wait_for_completion` (see [`from_api`]). Filling `triggers` in then adopts the
    /// build instead of starting a new one; on a build this provider started (where
    /// `wait_for_completion` is always set) adding triggers is a change and replaces.
    fn modify_plan(&self, plan: PlanChange<'_>) {
        let Some(prior) = plan.prior else { return };
        // A finished build never changes again: an in-place update (`wait_for_completion`)
        // keeps what it reported known, so nothing keyed on `image_id` sees a change.
        if TERMINAL.contains(&prior.str_attr("status").unwrap_or_default()) {
            for name in REPORTED_BY_THE_BUILD {
                if plan.planned.attr(name).is_unknown() {
                    plan.planned.set_attr(name, prior.attr(name).clone());
                }
            }
        }
    }

    fn import(&self, id: &str, state: &mut Value, diags: &mut Diagnostics) {
        import_id(
            id,
            "exec-",
            "exec-5fb8facb8ed7427c1234",
            "aliyun_ecs_image_pipeline_executions",
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
        let api = api_cx(cx);
        let pipeline = state
            .str_attr("image_pipeline_id")
            .unwrap_or_default()
            .to_string();
        let req = StartImagePipelineExecutionRequest {
            image_pipeline_id: pipeline.clone(),
            tag: tags_from(state.attr("tags")),
        };
        let id = match cx
            .client
            .start_image_pipeline_execution(&req, &ClientToken::generate(), &api)
            .await
        {
            Ok(started) => started.execution_id,
            Err(e) if e.is_code("InvalidImagePipeline.HasRunningExecution") => {
                let running = running_execution(cx, &pipeline).await;
                return diags.error(
                    format!("Image template {pipeline} is already building"),
                    format!(
                        "A template runs one build at a time, and {} is still running. Wait for it to finish \
                         (or cancel it), then apply again.\n\n{e}",
                        running.as_deref().map_or("another execution".to_string(), |r| format!("execution {r}")),
                    ),
                );
            }
            Err(e) => {
                return api_error(
                    diags,
                    format!("Could not start a build of image template {pipeline}"),
                    &e,
                )
            }
        };
        // Recorded at once: from here on an error keeps the execution in state (tainted).
        state.set_attr("id", id.as_str());
        let wait_all = state.bool_attr("wait_for_completion").unwrap_or(true);
        let (done, failed): (&[&str], &[&str]) = if wait_all {
            (SUCCEEDED, FAILED)
        } else {
            (STARTED, &[])
        };
        match lifecycle::wait_until::<Kind>(cx, &id, done, failed).await {
            Ok(exec) => {
                from_api(state, &exec);
                if exec.status == "PARTITION_SUCCESS" {
                    diags.warn(
                        format!("Build {id} partly succeeded"),
                        format!(
                            "Image {} was created, but distributing it or cleaning up partly failed: {}",
                            exec.image_id,
                            exec.failure_detail()
                        ),
                    );
                }
            }
            Err(e) => {
                lifecycle::refresh_best_effort::<Kind>(cx, &id, state).await;
                diags.error(
                    format!("Build {id} of image template {pipeline} did not succeed"),
                    format!("{e}."),
                );
            }
        }
    }

    async fn read(&self, cx: &Cx<Client>, state: &mut Value, diags: &mut Diagnostics) -> Existence {
        lifecycle::read::<Kind>(cx, state, diags).await
    }

    /// Only `wait_for_completion` and `timeouts` change in place; neither calls the API
    /// beyond a refresh.
    async fn update(
        &self,
        cx: &Cx<Client>,
        prior: &Value,
        _config: &Value,
        state: &mut Value,
        diags: &mut Diagnostics,
    ) {
        lifecycle::reread::<Kind>(cx, prior, state, diags).await;
    }

    /// Cancels a build that is still running and waits until it is CANCELLED; a
    /// finished build is only forgotten (executions cannot be deleted).
    async fn delete(&self, cx: &Cx<Client>, state: &Value, diags: &mut Diagnostics) {
        let Some(id) = state.str_attr("id").map(str::to_string) else {
            return;
        };
        let api = api_cx(cx);
        let exec = match cx.client.describe_image_pipeline_execution(&id, &api).await {
            Ok(Some(exec)) => exec,
            Ok(None) => return,
            Err(e) => return api_error(diags, format!("Could not read build {id}"), &e),
        };
        if TERMINAL.contains(&exec.status.as_str()) {
            return;
        }
        let req = CancelImagePipelineExecutionRequest {
            execution_id: id.clone(),
        };
        match cx.client.cancel_image_pipeline_execution(&req, &api).await {
            Ok(_) => {}
            // It finished or vanished between the read and the cancel: nothing left to stop.
            Err(e)
                if e.is_code_in(EXECUTION_NOT_FOUND) || e.is_code("InvalidStatus.CancelFailed") =>
            {
                return
            }
            Err(e) => return api_error(diags, format!("Could not cancel build {id}"), &e),
        }
        match lifecycle::wait_until::<Kind>(cx, &id, TERMINAL, &[]).await {
            Ok(_) | Err(WaitError::Gone) => {}
            Err(e) => diags.error(
                format!("Build {id} was not cancelled"),
                format!("Waiting for status CANCELLED: {e}."),
            ),
        }
    }
}

impl Watched for ImagePipelineExecution {
    fn status(&self) -> &str {
        &self.status
    }
    /// The message, the error detail when it says something else, and the code:
    /// `Step 3 failed (ImageBuild.Failed)`. The service often repeats the detail as
    /// the message, and both usually end with a full stop, so they are not simply
    /// joined ("x.: CODE: x.").
    fn failure_detail(&self) -> String {
        let trim = |s: &str| s.trim().trim_end_matches('.').to_string();
        let (message, info) = (trim(&self.message), trim(&self.error_info));
        let mut texts: Vec<String> = Vec::new();
        for t in [message, info] {
            if !t.is_empty() && !texts.contains(&t) {
                texts.push(t);
            }
        }
        let text = if texts.is_empty() {
            "the service gave no message".to_string()
        } else {
            texts.join("; ")
        };
        match self.error_code.trim() {
            "" => text,
            code => format!("{text} ({code})"),
        }
    }
}

/// The ID of the execution currently running on `pipeline`, to name it in errors.
async fn running_execution(cx: &Cx<Client>, pipeline: &str) -> Option<String> {
    let req = DescribeImagePipelineExecutionsRequest {
        image_pipeline_id: Some(pipeline.to_string()),
        status: Some(
            "PREPARING,REPAIRING,BUILDING,TESTING,DISTRIBUTING,RELEASING,CANCELLING".to_string(),
        ),
        ..Default::default()
    };
    let api = CallContext::with_timeout(Duration::from_secs(10));
    let found = cx
        .client
        .describe_all_image_pipeline_executions(&req, &api)
        .await
        .ok()?;
    found.into_iter().next().map(|e| e.execution_id)
}

/// Builds as the shared lifecycle sees them.
struct Kind;

impl RemoteKind for Kind {
    type Object = ImagePipelineExecution;
    const NAME: &'static str = "Build";
    const SETTLED: &'static [&'static str] = TERMINAL;
    const READY: &'static [&'static str] = SUCCEEDED;
    const FAILED: &'static [&'static str] = FAILED;

    async fn describe(
        client: &Client,
        id: &str,
        api: &CallContext,
    ) -> Result<Option<ImagePipelineExecution>, ApiError> {
        client.describe_image_pipeline_execution(id, api).await
    }

    fn flatten(state: &mut Value, exec: &ImagePipelineExecution) {
        from_api(state, exec);
    }
}

/// Every attribute DescribeImagePipelineExecutions reports, by attribute name
/// (shared with the `aliyun_ecs_image_pipeline_executions` data source).
pub(crate) fn reported(e: &ImagePipelineExecution) -> Vec<(&'static str, Value)> {
    vec![
        ("id", Value::from(e.execution_id.as_str())),
        (
            "image_pipeline_id",
            Value::from(e.image_pipeline_id.as_str()),
        ),
        ("tags", tags_value(&e.tags, &Value::Null)),
        ("status", Value::from(e.status.as_str())),
        ("image_id", non_empty(&e.image_id)),
        ("message", non_empty(&e.message)),
        ("error_code", non_empty(&e.error_code)),
        ("error_info", non_empty(&e.error_info)),
        ("resource_group_id", non_empty(&e.resource_group_id)),
        ("creation_time", non_empty(&e.creation_time)),
        ("modified_time", non_empty(&e.modified_time)),
    ]
}

/// Copies what DescribeImagePipelineExecutions returns into `state`.
fn from_api(state: &mut Value, e: &ImagePipelineExecution) {
    let tags = tags_value(&e.tags, state.attr("tags"));
    for (name, value) in reported(e) {
        state.set_attr(name, value);
    }
    // `wait_for_completion` is left as it is: null after an import; the plan
    // after the import fills in the default.
    state.set_attr("tags", tags);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::objects::full_object;
    use crate::tf::value::with_strict_names;

    /// Every attribute name the mapping reads or writes is in the schema.
    #[test]
    fn the_mapping_names_only_attributes_of_the_schema() {
        let mut state = full_object(&schema().block);
        with_strict_names(|| from_api(&mut state, &ImagePipelineExecution::default()));
    }

    #[test]
    fn every_attribute_is_read_back_computed_or_marked_never_returned() {
        let read_back: Vec<&str> = reported(&ImagePipelineExecution::default())
            .iter()
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(
            crate::driver::unaccounted(&schema().block, &read_back),
            Vec::<String>::new()
        );
    }

    fn exec(message: &str, code: &str, info: &str) -> ImagePipelineExecution {
        ImagePipelineExecution {
            message: message.into(),
            error_code: code.into(),
            error_info: info.into(),
            ..Default::default()
        }
    }

    #[test]
    fn failure_detail_says_each_thing_once() {
        assert_eq!(
            exec("Step 3 failed.", "ImageBuild.Failed", "Step 3 failed.").failure_detail(),
            "Step 3 failed (ImageBuild.Failed)"
        );
        assert_eq!(
            exec("Building.", "E", "disk full").failure_detail(),
            "Building; disk full (E)"
        );
        assert_eq!(
            exec("", "", "").failure_detail(),
            "the service gave no message"
        );
    }
}
