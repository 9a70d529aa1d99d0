//! ECS generic tag APIs (`2014-05-26`): TagResources, UntagResources and
//! ListTagResources, for the `ResourceType`s the ECS kinds register
//! (`imagepipeline`: image templates, the resource name of their ARN
//! `acs:ecs:{region}:{account}:imagepipeline/{id}`). They act on the same tag
//! set DescribeImagePipelines returns. ECS answers an unknown ID with
//! `InvalidResourceId.NotFound` (404) and lists tags as
//! `TagResources.TagResource[] {ResourceId, ResourceType, TagKey, TagValue}`.

use crate::error::{ApiResult, EmuError};
use crate::routes::ECS_VERSION;
use crate::tag_api::{self, ListLimit, TagApi};
use crate::tags::Product;
use crate::world::{Body, Call, World};

fn not_found(id: &str) -> EmuError {
    EmuError::new(
        404,
        "InvalidResourceId.NotFound",
        format!("The specified ResourceIds {id} are not found."),
    )
}

/// ECS's tag API: up to 50 ids, pages of 50, the listing wrapped in `TagResource`.
pub static ECS_TAGS: TagApi = TagApi {
    version: ECS_VERSION,
    product: Product::Ecs,
    max_ids: 50,
    not_found,
    list_limit: ListLimit::Fixed(50),
    list_wrapper: Some("TagResource"),
};

tag_api::handlers!(ECS_TAGS);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::config::Config;
    use crate::ecs::image_pipeline::create_pipeline;
    use crate::world::test_call as call;
    use crate::world::Settings;
    use serde_json::json;

    #[test]
    fn image_templates_are_tagged_untagged_and_listed() {
        let c = Config::for_tests();
        let mut w = World::new(Settings::from_config(&c), Clock::manual_at(0));
        let r = ("RegionId", "cn-hangzhou");
        let created = call(
            &mut w,
            create_pipeline,
            &[
                r,
                ("BaseImageType", "IMAGE"),
                ("BaseImage", "m-1"),
                ("Tag.1.Key", "a"),
                ("Tag.1.Value", "1"),
            ],
        )
        .unwrap();
        let id = created["ImagePipelineId"].as_str().unwrap().to_string();
        let t = ("ResourceType", "imagepipeline");
        let rid = ("ResourceId.1", id.as_str());
        call(
            &mut w,
            tag_resources,
            &[r, t, rid, ("Tag.1.Key", "b"), ("Tag.1.Value", "2")],
        )
        .unwrap();
        call(&mut w, untag_resources, &[r, t, rid, ("TagKey.1", "a")]).unwrap();
        let listed = call(&mut w, list_tag_resources, &[r, t, rid]).unwrap();
        assert_eq!(
            listed["TagResources"]["TagResource"],
            json!([{"ResourceId": id, "ResourceType": "imagepipeline", "TagKey": "b", "TagValue": "2"}])
        );
        let err = call(
            &mut w,
            tag_resources,
            &[r, t, ("ResourceId.1", "ip-nope"), ("Tag.1.Key", "k")],
        )
        .unwrap_err();
        assert_eq!(err.code, "InvalidResourceId.NotFound");
        let err = call(
            &mut w,
            tag_resources,
            &[r, ("ResourceType", "instance"), rid, ("Tag.1.Key", "k")],
        )
        .unwrap_err();
        assert_eq!(err.status, 400);
    }
}
