//! ECS generic tag APIs (`2014-05-26`): TagResources, UntagResources and
//! ListTagResources, for `ResourceType` `imagepipeline` (image templates, the
//! resource name of their ARN `acs:ecs:{region}:{account}:imagepipeline/{id}`).
//! They act on the same tag set DescribeImagePipelines returns. ECS answers an
//! unknown ID with `InvalidResourceId.NotFound` (404) and lists tags as
//! `TagResources.TagResource[] {ResourceId, ResourceType, TagKey, TagValue}`.

use serde_json::{json, Value};

use crate::error::{ApiResult, EmuError};
use crate::tags::{self, Product, Tag};
use crate::world::{paginate, Body, Call, World};

/// The only ECS resource type the emulator tags.
const IMAGE_PIPELINE: &str = "imagepipeline";

fn check_type(call: &Call<'_>) -> ApiResult<()> {
    match call.params.required("ResourceType")? {
        IMAGE_PIPELINE => Ok(()),
        other => Err(EmuError::invalid_value(
            "ResourceType",
            &format!("{other} is not supported by the emulator ({IMAGE_PIPELINE})"),
        )),
    }
}

/// `(seq, id, &mut tags)` of every image template in a region.
fn resources<'a>(w: &'a mut World, region: &str) -> Vec<(u64, String, &'a mut Vec<Tag>)> {
    w.pipelines
        .iter_mut()
        .filter(|p| p.region_id == region)
        .map(|p| (p.seq, p.image_pipeline_id.clone(), &mut p.tags))
        .collect()
}

fn resource_ids(call: &Call<'_>) -> ApiResult<Vec<String>> {
    let ids = call.params.list("ResourceId", 50)?;
    if ids.is_empty() {
        return Err(EmuError::missing("ResourceId.1"));
    }
    Ok(ids)
}

fn not_found(id: &str) -> EmuError {
    EmuError::new(
        404,
        "InvalidResourceId.NotFound",
        format!("The specified ResourceIds {id} are not found."),
    )
}

/// TagResources: add or overwrite tags on every listed template (all or nothing).
pub fn tag_resources(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let region = call.params.required("RegionId")?.to_string();
    check_type(call)?;
    let ids = resource_ids(call)?;
    let new = tags::parse(call.params, "Tag", Product::Ecs)?;
    if new.is_empty() {
        return Err(EmuError::missing("Tag.1.Key"));
    }
    let mut all = resources(w, &region);
    for id in &ids {
        let (_, _, t) = all
            .iter()
            .find(|(_, rid, _)| rid == id)
            .ok_or_else(|| not_found(id))?;
        tags::check_total(t, &new)?;
    }
    for (_, rid, t) in all.iter_mut() {
        if ids.contains(rid) {
            tags::merge(t, &new);
        }
    }
    Ok(Body::new())
}

/// UntagResources: remove `TagKey.N` (or every tag with `All=true`).
pub fn untag_resources(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let region = call.params.required("RegionId")?.to_string();
    check_type(call)?;
    let ids = resource_ids(call)?;
    let keys = call.params.list("TagKey", 20)?;
    let all_tags = call.params.bool("All")?.unwrap_or(false);
    let mut all = resources(w, &region);
    tags::untag(&mut all, &ids, &keys, all_tags, not_found)?;
    Ok(Body::new())
}

/// ListTagResources: one entry per (template, tag), ECS-wrapped.
pub fn list_tag_resources(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    check_type(call)?;
    let ids = p.list("ResourceId", 50)?;
    let filter = tags::parse_filter(p, "Tag")?;
    let mut entries: Vec<(u64, Value)> = Vec::new();
    for (seq, id, t) in resources(w, &region) {
        if (!ids.is_empty() && !ids.contains(&id)) || !tags::matches(t, &filter) {
            continue;
        }
        for (i, tag) in t.iter().enumerate() {
            entries.push((
                seq * 100 + i as u64,
                json!({"ResourceId": id, "ResourceType": IMAGE_PIPELINE, "TagKey": tag.key, "TagValue": tag.value}),
            ));
        }
    }
    let page = paginate(entries, |e| e.0, "tag", p.str("NextToken"), 50)?;
    let mut body = Body::new();
    body.insert(
        "TagResources".into(),
        json!({"TagResource": page.items.into_iter().map(|e| e.1).collect::<Vec<_>>()}),
    );
    body.insert("NextToken".into(), json!(page.next_token));
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::config::Config;
    use crate::ecs::image_pipeline::create_pipeline;
    use crate::params::Params;
    use crate::world::Settings;

    fn call(
        w: &mut World,
        f: fn(&mut World, &Call<'_>) -> ApiResult<Body>,
        pairs: &[(&str, &str)],
    ) -> ApiResult<Body> {
        let params = Params::from_pairs(pairs.iter().copied()).unwrap();
        let now = w.clock.now();
        f(
            w,
            &Call {
                params: &params,
                access_key_id: "ak",
                now,
            },
        )
    }

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
