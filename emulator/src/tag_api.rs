//! The generic tag APIs (`TagResources`, `UntagResources`,
//! `ListTagResources`), written once for every product. A product supplies a
//! [`TagApi`] (its limits, messages and listing shape); the kinds they reach
//! are the ones whose [`Kind::TAGGING`](crate::kind::Kind::TAGGING) names the
//! product's version, found through the registry ([`crate::kind`]). They act
//! on the same tag sets the kinds' Describe actions return.

use serde_json::{json, Value};

use crate::error::{ApiResult, EmuError};
use crate::kind::{resource_types, TagSets};
use crate::tags::{self, Product};
use crate::world::{paginate, Body, Call, World};

/// Page size of `ListTagResources`.
#[derive(Clone, Copy, Debug)]
pub enum ListLimit {
    /// Read from `Limit` (a string in the API), within `1..=max`.
    Param {
        /// Largest accepted `Limit`.
        max: i64,
        /// When `Limit` is absent.
        default: i64,
    },
    /// Always this many.
    Fixed(usize),
}

/// What differs between the products' tag APIs.
#[derive(Debug)]
pub struct TagApi {
    /// API version serving the actions.
    pub version: &'static str,
    /// Which tag value rule applies.
    pub product: Product,
    /// Most `ResourceId.N` per request.
    pub max_ids: usize,
    /// The error for an unknown resource id.
    pub not_found: fn(&str) -> EmuError,
    /// Page size of ListTagResources.
    pub list_limit: ListLimit,
    /// ListTagResources wraps its list in an object under this key (ECS), or
    /// returns it bare (`None`, ECI).
    pub list_wrapper: Option<&'static str>,
}

impl TagApi {
    /// The resources of the requested type in the requested region.
    fn resources<'w>(
        &self,
        w: &'w mut World,
        call: &Call<'_>,
    ) -> ApiResult<(&'static str, TagSets<'w>)> {
        let region = call.params.required("RegionId")?;
        let ty = call.params.required("ResourceType")?;
        let types = resource_types(self.version);
        match types.iter().find(|t| **t == ty) {
            Some(t) => Ok((
                t,
                w.objects
                    .tagged(self.version, t, region)
                    .unwrap_or_default(),
            )),
            None => Err(EmuError::invalid_value(
                "ResourceType",
                &format!(
                    "{ty} is not supported by the emulator ({})",
                    types.join(", ")
                ),
            )),
        }
    }

    fn resource_ids(&self, call: &Call<'_>) -> ApiResult<Vec<String>> {
        let ids = call.params.list("ResourceId", self.max_ids)?;
        if ids.is_empty() {
            return Err(EmuError::missing("ResourceId.1"));
        }
        Ok(ids)
    }
}

/// Defines the three route handlers `tag_resources`, `untag_resources` and
/// `list_tag_resources` of a product's tag API (a `static TagApi`). The
/// calling module imports `World`, `Call`, `ApiResult` and `Body`.
macro_rules! handlers {
    ($api:path) => {
        /// TagResources: add or overwrite tags on every listed resource (all or nothing).
        pub fn tag_resources(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
            $crate::tag_api::tag_resources(&$api, w, call)
        }

        /// UntagResources: remove `TagKey.N` (or every tag with `All=true`).
        pub fn untag_resources(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
            $crate::tag_api::untag_resources(&$api, w, call)
        }

        /// ListTagResources: one entry per (resource, tag).
        pub fn list_tag_resources(w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
            $crate::tag_api::list_tag_resources(&$api, w, call)
        }
    };
}
pub(crate) use handlers;

/// TagResources: add or overwrite tags on every listed resource (all or nothing).
pub fn tag_resources(api: &TagApi, w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let (_, mut all) = api.resources(w, call)?;
    let ids = api.resource_ids(call)?;
    let new = tags::parse(call.params, "Tag", api.product)?;
    if new.is_empty() {
        return Err(EmuError::missing("Tag.1.Key"));
    }
    for id in &ids {
        let (_, _, t) = all
            .iter()
            .find(|(_, rid, _)| rid == id)
            .ok_or_else(|| (api.not_found)(id))?;
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
pub fn untag_resources(api: &TagApi, w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let (_, mut all) = api.resources(w, call)?;
    let ids = api.resource_ids(call)?;
    let keys = call.params.list("TagKey", 20)?;
    let all_tags = call.params.bool("All")?.unwrap_or(false);
    tags::untag(&mut all, &ids, &keys, all_tags, api.not_found)?;
    Ok(Body::new())
}

/// ListTagResources: one entry per (resource, tag).
pub fn list_tag_resources(api: &TagApi, w: &mut World, call: &Call<'_>) -> ApiResult<Body> {
    let p = call.params;
    let (ty, all) = api.resources(w, call)?;
    let ids = p.list("ResourceId", api.max_ids)?;
    let filter = tags::parse_filter(p, "Tag")?;
    let limit = match api.list_limit {
        ListLimit::Param { max, default } => p.int_in("Limit", 1, max)?.unwrap_or(default) as usize,
        ListLimit::Fixed(n) => n,
    };
    let mut entries: Vec<(u64, Value)> = Vec::new();
    for (seq, id, t) in all {
        if (!ids.is_empty() && !ids.contains(&id)) || !tags::matches(t, &filter) {
            continue;
        }
        for (i, tag) in t.iter().enumerate() {
            entries.push((
                seq * 100 + i as u64,
                json!({"ResourceId": id, "ResourceType": ty, "TagKey": tag.key, "TagValue": tag.value}),
            ));
        }
    }
    let page = paginate(entries, |e| e.0, "tag", p.str("NextToken"), limit)?;
    let list = Value::Array(page.items.into_iter().map(|e| e.1).collect());
    let mut body = Body::new();
    body.insert(
        "TagResources".into(),
        match api.list_wrapper {
            Some(key) => json!({ key: list }),
            None => list,
        },
    );
    body.insert("NextToken".into(), json!(page.next_token));
    Ok(body)
}
