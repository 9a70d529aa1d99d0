//! `aliyun_ecs_image_pipeline_executions`: lists image builds, with every filter of
//! DescribeImagePipelineExecutions; all pages are fetched. Executions have no
//! names, so there is no `name_regex`: filter by template, status or tags.

use crate::aliyun::ecs::{DescribeImagePipelineExecutionsRequest, ImagePipelineExecution};
use crate::aliyun::Client;
use crate::resources::common::{
    api_cx, api_error, id_with_prefix, item_type, set_list_outputs, tags_from,
};
use crate::resources::ecs_image_pipeline_execution;
use crate::tf::validators::{Each, OneOf, SizeBetween};
use crate::tf::{Attribute, Block, Cx, DataSource, Diagnostics, Schema, Type, Value};

/// The data source type name.
pub const TYPE_NAME: &str = "aliyun_ecs_image_pipeline_executions";

/// Every status an execution can have.
const STATUSES: &[&str] = &[
    "PREPARING",
    "REPAIRING",
    "BUILDING",
    "TESTING",
    "DISTRIBUTING",
    "RELEASING",
    "SUCCESS",
    "PARTITION_SUCCESS",
    "FAILED",
    "TEST_FAILED",
    "CANCELLING",
    "CANCELLED",
];

/// The data source.
pub struct ImagePipelineExecutionsDataSource;

fn item_names() -> Vec<&'static str> {
    ecs_image_pipeline_execution::reported(&ImagePipelineExecution::default())
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

#[async_trait::async_trait]
impl DataSource<Client> for ImagePipelineExecutionsDataSource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let item = item_type(&ecs_image_pipeline_execution::schema(), &item_names());
        Schema::new(
            Block::new(
                "Lists ECS image builds (executions of image templates) of the provider's region. \
                 All pages are read.",
            )
            .attr(
                "image_pipeline_id",
                Attribute::optional(Type::String)
                    .doc("Only builds of this image template.")
                    .validate(id_with_prefix(
                        "ip-",
                        "an image template ID such as `ip-abc`",
                    )),
            )
            .attr(
                "execution_id",
                Attribute::optional(Type::String)
                    .doc("Only the build with this ID.")
                    .validate(id_with_prefix(
                        "exec-",
                        "an execution ID such as `exec-abc`",
                    )),
            )
            .attr(
                "statuses",
                Attribute::optional(Type::list(Type::String))
                    .doc("Only builds in one of these statuses.")
                    .validate(Each(OneOf(STATUSES))),
            )
            .attr(
                "tags",
                Attribute::optional(Type::map(Type::String))
                    .doc("Only builds with all these tags.")
                    .validate(SizeBetween(0, 20)),
            )
            .attr(
                "ids",
                Attribute::computed(Type::list(Type::String)).doc("IDs of the builds found."),
            )
            .attr(
                "executions",
                Attribute::computed(Type::list(item))
                    .doc("The builds found, with every attribute the API reports."),
            ),
        )
    }

    async fn read(&self, cx: &Cx<Client>, state: &mut Value, diags: &mut Diagnostics) {
        let req = DescribeImagePipelineExecutionsRequest {
            image_pipeline_id: state.str_attr("image_pipeline_id").map(str::to_string),
            execution_id: state.str_attr("execution_id").map(str::to_string),
            status: state
                .str_list_attr("statuses")
                .filter(|s| !s.is_empty())
                .map(|s| s.join(",")),
            tag: tags_from(state.attr("tags")),
            ..Default::default()
        };
        let found = match cx
            .client
            .describe_all_image_pipeline_executions(&req, &api_cx(cx))
            .await
        {
            Ok(f) => f,
            Err(e) => return api_error(diags, "Could not list image builds", &e),
        };
        let items = found
            .iter()
            .map(ecs_image_pipeline_execution::reported)
            .collect();
        set_list_outputs(state, "executions", items, None);
    }
}
