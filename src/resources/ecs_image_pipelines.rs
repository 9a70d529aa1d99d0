//! `aliyun_ecs_image_pipelines`: lists image templates, with every filter of
//! DescribeImagePipelines (IDs, exact name, resource group, tags) plus
//! `name_regex`; all pages are fetched.

use crate::aliyun::ecs::{DescribeImagePipelinesRequest, ImagePipeline};
use crate::aliyun::Client;
use crate::resources::common::{
    api_cx, api_error, id_with_prefix, item_type, name_matches, name_regex, name_regex_attribute,
    set_list_outputs, tags_from,
};
use crate::resources::ecs_image_pipeline;
use crate::tf::validators::{Each, SizeBetween};
use crate::tf::{Attribute, Block, Cx, DataSource, Diagnostics, Schema, Type, Value};

/// The data source type name.
pub const TYPE_NAME: &str = "aliyun_ecs_image_pipelines";

/// The data source.
pub struct ImagePipelinesDataSource;

fn item_names() -> Vec<&'static str> {
    ecs_image_pipeline::reported(&ImagePipeline::default())
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

#[async_trait::async_trait]
impl DataSource<Client> for ImagePipelinesDataSource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let item = item_type(&ecs_image_pipeline::schema(), &item_names());
        Schema::new(
            Block::new(
                "Lists ECS image templates of the provider's region, optionally filtered. \
                 All pages are read.",
            )
            .attr(
                "image_pipeline_ids",
                Attribute::optional(Type::list(Type::String))
                    .doc("Only the templates with these IDs (1 to 20).")
                    .validate(SizeBetween(1, 20))
                    .validate(Each(id_with_prefix(
                        "ip-",
                        "an image template ID such as `ip-abc`",
                    ))),
            )
            .attr(
                "name",
                Attribute::optional(Type::String).doc("Only templates with this exact name."),
            )
            .attr(
                "resource_group_id",
                Attribute::optional(Type::String)
                    .doc("Only templates in this resource group.")
                    .validate(id_with_prefix(
                        "rg-",
                        "a resource group ID such as `rg-abc`",
                    )),
            )
            .attr(
                "tags",
                Attribute::optional(Type::map(Type::String))
                    .doc("Only templates with all these tags.")
                    .validate(SizeBetween(0, 20)),
            )
            .attr("name_regex", name_regex_attribute())
            .attr(
                "ids",
                Attribute::computed(Type::list(Type::String)).doc("IDs of the templates found."),
            )
            .attr(
                "names",
                Attribute::computed(Type::list(Type::String))
                    .doc("Names of the templates found, in the order of `ids`."),
            )
            .attr(
                "pipelines",
                Attribute::computed(Type::list(item))
                    .doc("The templates found, with every attribute the API reports."),
            ),
        )
    }

    async fn read(&self, cx: &Cx<Client>, state: &mut Value, diags: &mut Diagnostics) {
        let req = DescribeImagePipelinesRequest {
            image_pipeline_id: state
                .str_list_attr("image_pipeline_ids")
                .unwrap_or_default(),
            name: state.str_attr("name").map(str::to_string),
            resource_group_id: state.str_attr("resource_group_id").map(str::to_string),
            tag: tags_from(state.attr("tags")),
            ..Default::default()
        };
        let found = match cx
            .client
            .describe_all_image_pipelines(&req, &api_cx(cx))
            .await
        {
            Ok(f) => f,
            Err(e) => return api_error(diags, "Could not list image templates", &e),
        };
        let regex = name_regex(state);
        let items = found
            .iter()
            .filter(|p| name_matches(regex.as_ref(), &p.name))
            .map(ecs_image_pipeline::reported)
            .collect();
        set_list_outputs(state, "pipelines", items, Some("name"));
    }
}
