//! `aliyun_eci_image_caches`: lists image caches, with every filter of
//! DescribeImageCaches plus `name_regex`; all pages are fetched.

use crate::aliyun::eci::{DescribeImageCachesRequest, ImageCache};
use crate::aliyun::Client;
use crate::resources::common::{
    api_cx, api_error, id_with_prefix, item_type, name_matches, name_regex, name_regex_attribute,
    set_list_outputs, tags_from,
};
use crate::resources::eci_image_cache;
use crate::tf::validators::{IntBetween, SizeBetween};
use crate::tf::{Attribute, Block, Cx, DataSource, Diagnostics, Schema, Type, Value};

/// The data source type name.
pub const TYPE_NAME: &str = "aliyun_eci_image_caches";

/// The data source.
pub struct ImageCachesDataSource;

fn item_names() -> Vec<&'static str> {
    eci_image_cache::reported(&ImageCache::default())
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

#[async_trait::async_trait]
impl DataSource<Client> for ImageCachesDataSource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let item = item_type(&eci_image_cache::schema(), &item_names());
        Schema::new(
            Block::new(
                "Lists ECI image caches of the provider's region, optionally filtered. All pages \
                 are read.",
            )
            .attr(
                "image_cache_id",
                Attribute::optional(Type::String)
                    .doc("Only the cache with this ID.")
                    .validate(id_with_prefix(
                        "imc-",
                        "an image cache ID such as `imc-abc`",
                    )),
            )
            .attr(
                "image_cache_name",
                Attribute::optional(Type::String).doc("Only caches with this exact name."),
            )
            .attr(
                "snapshot_id",
                Attribute::optional(Type::String).doc("Only the cache with this snapshot."),
            )
            .attr(
                "image",
                Attribute::optional(Type::String)
                    .doc("Only caches that contain this image, e.g. `nginx`."),
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
            .attr(
                "match_images",
                Attribute::optional(Type::list(Type::String))
                    .doc("Return the caches that best match these images (layer matching).")
                    .validate(SizeBetween(1, 100)),
            )
            .attr(
                "image_full_match",
                Attribute::optional(Type::Bool)
                    .doc("With `match_images`: only caches containing all layers of the images."),
            )
            .attr(
                "image_match_count",
                Attribute::optional(Type::Number)
                    .doc("With `match_images`: how many fully matching caches to return.")
                    .validate(IntBetween(1, 100)),
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
        let req = DescribeImageCachesRequest {
            image_cache_id: state.str_attr("image_cache_id").map(str::to_string),
            image_cache_name: state.str_attr("image_cache_name").map(str::to_string),
            snapshot_id: state.str_attr("snapshot_id").map(str::to_string),
            image: state.str_attr("image").map(str::to_string),
            resource_group_id: state.str_attr("resource_group_id").map(str::to_string),
            tag: tags_from(state.attr("tags")),
            match_image: state.str_list_attr("match_images").unwrap_or_default(),
            image_full_match: state.bool_attr("image_full_match"),
            image_match_count_request: state.i64_attr("image_match_count"),
            ..Default::default()
        };
        let caches = match cx.client.describe_all_image_caches(&req, &api_cx(cx)).await {
            Ok(c) => c,
            Err(e) => return api_error(diags, "Could not list image caches", &e),
        };
        let regex = name_regex(state);
        let items = caches
            .iter()
            .filter(|c| name_matches(regex.as_ref(), &c.image_cache_name))
            .map(eci_image_cache::reported)
            .collect();
        set_list_outputs(state, "caches", items, Some("image_cache_name"));
    }
}
