//! `aliyun_eci_data_caches`: lists data caches, with every filter of
//! DescribeDataCaches plus `name_regex`; all pages are fetched.

use crate::aliyun::eci::{DataCache, DescribeDataCachesRequest};
use crate::aliyun::Client;
use crate::resources::common::{
    api_cx, api_error, item_type, name_matches, name_regex, name_regex_attribute, set_list_outputs,
    tags_from,
};
use crate::resources::eci_data_cache;
use crate::tf::validators::SizeBetween;
use crate::tf::{Attribute, Block, Cx, DataSource, Diagnostics, Schema, Type, Value};

/// The data source type name.
pub const TYPE_NAME: &str = "aliyun_eci_data_caches";

/// The data source.
pub struct DataCachesDataSource;

fn item_names() -> Vec<&'static str> {
    eci_data_cache::reported(&DataCache::default())
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

#[async_trait::async_trait]
impl DataSource<Client> for DataCachesDataSource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let item = item_type(&eci_data_cache::schema(), &item_names());
        Schema::new(
            Block::new(
                "Lists ECI data caches of the provider's region, optionally filtered. All pages \
                 are read.",
            )
            .attr(
                "data_cache_ids",
                Attribute::optional(Type::list(Type::String))
                    .doc("Only the caches with these IDs.")
                    .validate(SizeBetween(1, 100)),
            )
            .attr(
                "bucket",
                Attribute::optional(Type::String).doc("Only caches in this bucket."),
            )
            .attr(
                "path",
                Attribute::optional(Type::String).doc("Only the cache at this path."),
            )
            .attr(
                "resource_group_id",
                Attribute::optional(Type::String).doc("Only caches in this resource group."),
            )
            .attr(
                "tags",
                Attribute::optional(Type::map(Type::String))
                    .doc("Only caches with all these tags.")
                    .validate(SizeBetween(0, 20)),
            )
            .attr("name_regex", name_regex_attribute())
            .attr(
                "ids",
                Attribute::computed(Type::list(Type::String)).doc("IDs of the caches found."),
            )
            .attr(
                "names",
                Attribute::computed(Type::list(Type::String))
                    .doc("Names of the caches found, in the order of `ids`."),
            )
            .attr(
                "caches",
                Attribute::computed(Type::list(item))
                    .doc("The caches found, with every attribute the API reports."),
            ),
        )
    }

    async fn read(&self, cx: &Cx<Client>, state: &mut Value, diags: &mut Diagnostics) {
        let req = DescribeDataCachesRequest {
            data_cache_id: state.str_list_attr("data_cache_ids").unwrap_or_default(),
            bucket: state.str_attr("bucket").map(str::to_string),
            path: state.str_attr("path").map(str::to_string),
            resource_group_id: state.str_attr("resource_group_id").map(str::to_string),
            tag: tags_from(state.attr("tags")),
            ..Default::default()
        };
        let caches = match cx.client.describe_all_data_caches(&req, &api_cx(cx)).await {
            Ok(c) => c,
            Err(e) => return api_error(diags, "Could not list data caches", &e),
        };
        let regex = name_regex(state);
        let items = caches
            .iter()
            .filter(|c| name_matches(regex.as_ref(), &c.name))
            .map(eci_data_cache::reported)
            .collect();
        set_list_outputs(state, "caches", items, Some("name"));
    }
}
