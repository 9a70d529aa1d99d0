//! Tag rules shared by every resource kind: parsing `Tag.N.Key`/`Tag.N.Value`,
//! validation (`InvalidTagKey.Malformed`, `InvalidTagValue.Malformed`,
//! `Duplicate.TagKey`), merge semantics, filters, and the two JSON shapes
//! (ECI `[{Key,Value}]`, ECS `{Tag:[{TagKey,TagValue}]}`).

use serde::Serialize;
use serde_json::{json, Value};

use crate::error::{ApiResult, EmuError};
use crate::params::Params;

/// Most tags a request (or a resource) may carry.
pub const MAX_TAGS: usize = 20;

/// One tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tag {
    /// Key.
    pub key: String,
    /// Value (may be empty).
    pub value: String,
}

/// Which product's value rule applies. ECI documents the same prohibitions for
/// keys and values (no `aliyun`/`acs:` prefix); ECS only forbids `acs:` for
/// values (documented for StartImagePipelineExecution's `Tag.N.Value`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Product {
    /// ECI rules.
    Eci,
    /// ECS rules.
    Ecs,
}

fn has_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.contains("http://") || l.contains("https://")
}

/// Validate a tag key.
pub fn check_key(key: &str) -> ApiResult<()> {
    let l = key.to_ascii_lowercase();
    if key.trim().is_empty()
        || key.chars().count() > 128
        || l.starts_with("aliyun")
        || l.starts_with("acs:")
        || has_url(key)
    {
        return Err(EmuError::new(
            400,
            "InvalidTagKey.Malformed",
            "The specified Tag.N.Key is not valid. Tag keys cannot be empty or null, support up to 128 characters, cannot start with \"aliyun\" or \"acs:\", and cannot contain \"http://\" or \"https://\".",
        ));
    }
    Ok(())
}

/// Validate a tag value.
pub fn check_value(value: &str, product: Product) -> ApiResult<()> {
    let l = value.to_ascii_lowercase();
    let bad_prefix = match product {
        Product::Eci => l.starts_with("aliyun") || l.starts_with("acs:"),
        Product::Ecs => l.starts_with("acs:"),
    };
    if value.chars().count() > 128 || bad_prefix || has_url(value) {
        return Err(EmuError::new(
            400,
            "InvalidTagValue.Malformed",
            "The specified Tag.N.Value is not valid. Tag values support up to 128 characters, and cannot contain \"http://\" or \"https://\".",
        ));
    }
    Ok(())
}

/// Parse and validate `<name>.N.Key` / `<name>.N.Value` (N ≤ 20).
pub fn parse(params: &Params, name: &str, product: Product) -> ApiResult<Vec<Tag>> {
    let mut tags: Vec<Tag> = Vec::new();
    for node in params.objects(name, MAX_TAGS)? {
        let key = node.field("Key").unwrap_or_default().to_string();
        let value = node.field("Value").unwrap_or_default().to_string();
        check_key(&key)?;
        check_value(&value, product)?;
        if tags.iter().any(|t| t.key == key) {
            return Err(EmuError::new(
                400,
                "Duplicate.TagKey",
                "The Tag.N.Key contain duplicate key.",
            ));
        }
        tags.push(Tag { key, value });
    }
    Ok(tags)
}

/// Upsert `new` into `existing`; returns whether anything changed.
pub fn merge(existing: &mut Vec<Tag>, new: &[Tag]) -> bool {
    let mut changed = false;
    for t in new {
        match existing.iter_mut().find(|e| e.key == t.key) {
            Some(e) if e.value == t.value => {}
            Some(e) => {
                e.value = t.value.clone();
                changed = true;
            }
            None => {
                existing.push(t.clone());
                changed = true;
            }
        }
    }
    changed
}

/// UntagResources on `resources` (`(order, id, tags)` of one region and type):
/// every ID must exist (`not_found` names the first missing one); then the keys
/// are removed from each, or every tag when no key is given and `All` is set
/// (without both, nothing is removed).
pub fn untag(
    resources: &mut [(u64, String, &mut Vec<Tag>)],
    ids: &[String],
    keys: &[String],
    all_tags: bool,
    not_found: impl Fn(&str) -> EmuError,
) -> ApiResult<()> {
    if let Some(missing) = ids
        .iter()
        .find(|id| !resources.iter().any(|(_, r, _)| r == *id))
    {
        return Err(not_found(missing));
    }
    for (_, rid, t) in resources.iter_mut() {
        if !ids.contains(rid) {
            continue;
        }
        if keys.is_empty() {
            if all_tags {
                t.clear();
            }
        } else {
            t.retain(|tag| !keys.contains(&tag.key));
        }
    }
    Ok(())
}

/// Whether merging `new` would change `existing`.
pub fn would_change(existing: &[Tag], new: &[Tag]) -> bool {
    let mut copy = existing.to_vec();
    merge(&mut copy, new)
}

/// Reject a tag set that would exceed the per-resource cap after a merge.
pub fn check_total(existing: &[Tag], new: &[Tag]) -> ApiResult<()> {
    let mut copy = existing.to_vec();
    merge(&mut copy, new);
    if copy.len() > MAX_TAGS {
        return Err(EmuError::invalid(format!(
            "A resource can have at most {MAX_TAGS} tags."
        )));
    }
    Ok(())
}

/// A `Tag.N` filter: key, and value when one was given.
pub type TagFilter = (String, Option<String>);

/// Parse `Tag.N.Key`/`Tag.N.Value` used as a Describe filter.
pub fn parse_filter(params: &Params, name: &str) -> ApiResult<Vec<TagFilter>> {
    params
        .objects(name, MAX_TAGS)?
        .into_iter()
        .map(|n| {
            let key = n.field("Key").unwrap_or_default();
            if key.is_empty() {
                return Err(EmuError::missing(&format!("{name}.N.Key")));
            }
            Ok((key.to_string(), n.field("Value").map(str::to_string)))
        })
        .collect()
}

/// AND of all filters; a filter without a value only needs the key.
pub fn matches(tags: &[Tag], filters: &[TagFilter]) -> bool {
    filters.iter().all(|(k, v)| {
        tags.iter()
            .any(|t| &t.key == k && v.as_ref().is_none_or(|v| &t.value == v))
    })
}

/// ECI shape: `[{"Key":..,"Value":..}]`.
pub fn eci_json(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| json!({"Key": t.key, "Value": t.value}))
            .collect(),
    )
}

/// ECS shape: `{"Tag":[{"TagKey":..,"TagValue":..}]}`.
pub fn ecs_json(tags: &[Tag]) -> Value {
    json!({"Tag": tags.iter().map(|t| json!({"TagKey": t.key, "TagValue": t.value})).collect::<Vec<_>>()})
}

/// Parse tags from a JSON value in either shape (used by `PATCH /_emulator/objects`).
pub fn from_json(v: &Value) -> Option<Vec<Tag>> {
    let list = match v {
        Value::Array(a) => a,
        Value::Object(o) => o.get("Tag")?.as_array()?,
        _ => return None,
    };
    list.iter()
        .map(|t| {
            let key = t.get("Key").or_else(|| t.get("TagKey"))?.as_str()?;
            let value = t
                .get("Value")
                .or_else(|| t.get("TagValue"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            Some(Tag {
                key: key.to_string(),
                value: value.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)], product: Product) -> ApiResult<Vec<Tag>> {
        let mut flat = Vec::new();
        for (i, (k, v)) in pairs.iter().enumerate() {
            flat.push((format!("Tag.{}.Key", i + 1), k.to_string()));
            flat.push((format!("Tag.{}.Value", i + 1), v.to_string()));
        }
        parse(
            &Params::new(flat.into_iter().collect()).unwrap(),
            "Tag",
            product,
        )
    }

    #[test]
    fn key_rules() {
        let long = "k".repeat(129);
        for bad in [
            "",
            " ",
            "aliyun-x",
            "Aliyun",
            "acs:x",
            "a http://x",
            "https://",
            &long,
        ] {
            assert_eq!(
                tags(&[(bad, "v")], Product::Eci).unwrap_err().code,
                "InvalidTagKey.Malformed",
                "{bad:?}"
            );
        }
        assert!(tags(&[(&"k".repeat(128), "")], Product::Eci).is_ok());
    }

    #[test]
    fn value_rules_per_product() {
        for bad in ["acs:x", "http://x", &"v".repeat(129)] {
            for p in [Product::Eci, Product::Ecs] {
                assert_eq!(
                    tags(&[("k", bad)], p).unwrap_err().code,
                    "InvalidTagValue.Malformed"
                );
            }
        }
        assert!(tags(&[("k", "aliyun-v")], Product::Eci).is_err());
        assert!(tags(&[("k", "aliyun-v")], Product::Ecs).is_ok());
        assert!(tags(&[("k", "")], Product::Eci).is_ok());
    }

    #[test]
    fn duplicates_and_caps() {
        assert_eq!(
            tags(&[("a", "1"), ("a", "2")], Product::Eci)
                .unwrap_err()
                .code,
            "Duplicate.TagKey"
        );
        let many: Vec<(String, String)> = (0..21).map(|i| (format!("k{i}"), "v".into())).collect();
        let refs: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            tags(&refs, Product::Eci).unwrap_err().code,
            "InvalidParameter"
        );
        let missing_key = Params::from_pairs([("Tag.1.Value", "v")]).unwrap();
        assert_eq!(
            parse(&missing_key, "Tag", Product::Eci).unwrap_err().code,
            "InvalidTagKey.Malformed"
        );
    }

    #[test]
    fn merge_and_filters() {
        let mut existing = vec![Tag {
            key: "a".into(),
            value: "1".into(),
        }];
        let new = tags(&[("a", "1")], Product::Eci).unwrap();
        assert!(!would_change(&existing, &new));
        let new = tags(&[("a", "2"), ("b", "")], Product::Eci).unwrap();
        assert!(merge(&mut existing, &new));
        assert_eq!(existing.len(), 2);
        assert!(matches(&existing, &[("a".into(), Some("2".into()))]));
        assert!(matches(&existing, &[("b".into(), None)]));
        assert!(!matches(
            &existing,
            &[("a".into(), Some("2".into())), ("c".into(), None)]
        ));
        assert_eq!(from_json(&ecs_json(&existing)).unwrap(), existing);
        assert_eq!(from_json(&eci_json(&existing)).unwrap(), existing);
    }
}
