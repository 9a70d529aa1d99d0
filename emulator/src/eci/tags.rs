//! ECI generic tag APIs: TagResources, UntagResources, ListTagResources for
//! `ResourceType` `ImageCache` and `DataCache`. They act on the same tag sets
//! that DescribeImageCaches / DescribeDataCaches return.

use serde_json::{json, Value};

use crate::error::{ApiResult, EmuError};
use crate::tags::{self, Product, Tag};
use crate::world::{paginate, Body, Call, World};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    ImageCache,
    DataCache,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::ImageCache => "ImageCache",
            Kind::DataCache => "DataCache",
        }
    }
}

fn kind(call: &Call<'_>) -> ApiResult<Kind> {
    match call.params.required("ResourceType")? {
        "ImageCache" => Ok(Kind::ImageCache),
        "DataCache" => Ok(Kind::DataCache),
        // ContainerGroup and VirtualNode exist on the real API but not here.
        other => Err(EmuError::invalid_value(
            "ResourceType",
            &format!("{other} is not supported by the emulator (ImageCache, DataCache)"),
        )),
    }
}

/// `(seq, id, &mut tags)` of every resource of a kind in a region.
fn resources<'a>(w: &'a mut World, k: Kind, region: &str) -> Vec<(u64, String, &'a mut Vec<Tag>)> {
    match k {
        Kind::ImageCache => w
            .image_caches
            .iter_mut()
            .filter(|c| c.region_id == region)
            .map(|c| (c.seq, c.image_cache_id.clone(), &mut c.tags))
            .collect(),
        Kind::DataCache => w
            .data_caches
            .iter_mut()
            .filter(|c| c.region_id == region)
            .map(|c| (c.seq, c.data_cache_id.clone(), &mut c.tags))
            .collect(),
    }
}

fn resource_ids(call: &Call<'_>) -> ApiResult<Vec<String>> {
    let ids = call.params.list("ResourceId", 100)?;
    if ids.is_empty() {
        return Err(EmuError::missing("ResourceId.1"));
    }
    Ok(ids)
}

fn not_found(id: &str) -> EmuError {
    EmuError::new(
        404,
        "InvalidResourceId.NotFound",
        format!("The specified resource {id} is not found."),
    )
}

/// TagResources: add or overwrite tags on every listed resource (all or nothing).
pub fn tag_resources(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let region = call.params.required("RegionId")?.to_string();
    let k = kind(call)?;
    let ids = resource_ids(call)?;
    let new = tags::parse(call.params, "Tag", Product::Eci)?;
    if new.is_empty() {
        return Err(EmuError::missing("Tag.1.Key"));
    }
    let mut all = resources(w, k, &region);
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
    let k = kind(call)?;
    let ids = resource_ids(call)?;
    let keys = call.params.list("TagKey", 20)?;
    let all_tags = call.params.bool("All")?.unwrap_or(false);
    let mut all = resources(w, k, &region);
    tags::untag(&mut all, &ids, &keys, all_tags, not_found)?;
    Ok(Body::new())
}

/// ListTagResources: one entry per (resource, tag).
pub fn list_tag_resources(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let region = p.required("RegionId")?.to_string();
    let k = kind(call)?;
    let ids = p.list("ResourceId", 100)?;
    let filter = tags::parse_filter(p, "Tag")?;
    // `Limit` is a string in the API; no range is published: 1..=100, default 20.
    let limit = p.int_in("Limit", 1, 100)?.unwrap_or(20) as usize;
    let mut entries: Vec<(u64, Value)> = Vec::new();
    for (seq, id, t) in resources(w, k, &region) {
        if !ids.is_empty() && !ids.contains(&id) {
            continue;
        }
        if !tags::matches(t, &filter) {
            continue;
        }
        for (i, tag) in t.iter().enumerate() {
            entries.push((
                seq * 100 + i as u64,
                json!({"ResourceId": id, "ResourceType": k.name(), "TagKey": tag.key, "TagValue": tag.value}),
            ));
        }
    }
    let page = paginate(entries, |e| e.0, "tag", p.str("NextToken"), limit)?;
    let mut body = Body::new();
    body.insert(
        "TagResources".into(),
        Value::Array(page.items.into_iter().map(|e| e.1).collect()),
    );
    body.insert("NextToken".into(), json!(page.next_token));
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::config::Config;
    use crate::eci::image_cache;
    use crate::params::Params;
    use crate::world::Settings;

    fn call(
        w: &mut World,
        f: fn(&mut World, &Call<'_>) -> ApiResult<Body>,
        pairs: &[(&str, &str)],
    ) -> ApiResult<Body> {
        let params = Params::from_pairs(pairs.iter().copied()).unwrap();
        w.sweep();
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
