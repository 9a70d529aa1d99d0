//! ECI generic tag APIs: TagResources, UntagResources, ListTagResources for
//! the `ResourceType`s the ECI kinds register (`ImageCache`, `DataCache`).
//! They act on the same tag sets that DescribeImageCaches / DescribeDataCaches
//! return. ContainerGroup and VirtualNode exist on the real API but not here.

use crate::error::{ApiResult, EmuError};
use crate::routes::ECI_VERSION;
use crate::tag_api::{self, ListLimit, TagApi};
use crate::tags::Product;
use crate::world::{Body, Call, World};

fn not_found(id: &str) -> EmuError {
    EmuError::new(
        404,
        "InvalidResourceId.NotFound",
        format!("The specified resource {id} is not found."),
    )
}

/// ECI's tag API: up to 100 ids; `Limit` is a string in the API and no range
/// is published: 1..=100, default 20; the listing is a bare array.
pub static ECI_TAGS: TagApi = TagApi {
    version: ECI_VERSION,
    product: Product::Eci,
    max_ids: 100,
    not_found,
    list_limit: ListLimit::Param {
        max: 100,
        default: 20,
    },
    list_wrapper: None,
};

tag_api::handlers!(ECI_TAGS);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::config::Config;
    use crate::eci::image_cache;
    use crate::world::test_call as call;
    use crate::world::Settings;

    #[test]
    fn tag_untag_list_round_trip() {
        let mut w = World::new(Settings::from_config(&Config::for_tests()), Clock::manual());
        let id = call(
            &mut w,
            image_cache::create,
            &[
                ("RegionId", "r"),
                ("ImageCacheName", "n"),
                ("Image.1", "x"),
                ("Tag.1.Key", "a"),
                ("Tag.1.Value", "1"),
            ],
        )
        .unwrap()["ImageCacheId"]
            .as_str()
            .unwrap()
            .to_string();
        let base = [
            ("RegionId", "r"),
            ("ResourceType", "ImageCache"),
            ("ResourceId.1", id.as_str()),
        ];
        let mut p = base.to_vec();
        p.extend([
            ("Tag.1.Key", "b"),
            ("Tag.1.Value", "2"),
            ("Tag.2.Key", "a"),
            ("Tag.2.Value", "9"),
        ]);
        call(&mut w, tag_resources, &p).unwrap();
        let b = call(&mut w, list_tag_resources, &base).unwrap();
        assert_eq!(b["TagResources"].as_array().unwrap().len(), 2);
        assert_eq!(b["TagResources"][0]["TagValue"], "9");
        // Describe sees the same tags.
        let d = call(&mut w, image_cache::describe, &[("RegionId", "r")]).unwrap();
        assert_eq!(d["ImageCaches"][0]["Tags"].as_array().unwrap().len(), 2);
        let mut p = base.to_vec();
        p.push(("TagKey.1", "a"));
        call(&mut w, untag_resources, &p).unwrap();
        assert_eq!(w.image_caches[0].tags.len(), 1);
        let mut p = base.to_vec();
        p.push(("All", "true"));
        call(&mut w, untag_resources, &p).unwrap();
        assert!(w.image_caches[0].tags.is_empty());
        let e = call(
            &mut w,
            tag_resources,
            &[
                ("RegionId", "r"),
                ("ResourceType", "DataCache"),
                ("ResourceId.1", id.as_str()),
                ("Tag.1.Key", "k"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str()),
            (404, "InvalidResourceId.NotFound")
        );
        let e = call(
            &mut w,
            list_tag_resources,
            &[("RegionId", "r"), ("ResourceType", "Pod")],
        )
        .unwrap_err();
        assert_eq!(e.code, "InvalidParameter");
    }
}
