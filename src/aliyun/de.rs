//! Lenient decoding of response bodies.
//!
//! The services (and old documentation samples) are loose with JSON types:
//! integers arrive as `"20"`, a one-element list as a bare string, ECS wraps
//! arrays in an object named after the singular
//! (`{"ImagePipelineExecutionSet": [..]}`), `DataSource.Options` is a JSON
//! *string* holding either the map or the whole data source, and timestamps
//! may lack seconds. The helpers here absorb all of that once, so response
//! structs stay plain `#[derive(Deserialize)]` with a `deserialize_with` on
//! the odd fields.
//!
//! [`drop_nulls`] runs on every body first, so an explicit `null` behaves
//! like an absent member and `#[serde(default)]` applies.

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Removes every object member whose value is `null`, recursively.
pub(crate) fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// An integer given as a number or a decimal string; `""` is absent.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("expected an integer, got {s:?}"))),
        other => Err(D::Error::custom(format!(
            "expected an integer, got {other}"
        ))),
    }
}

/// A string given as a string, a number or a boolean.
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(scalar_to_string(Value::deserialize(d)?).unwrap_or_default())
}

/// An optional string: absent, `null` and `""` are `None`.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(scalar_to_string(Value::deserialize(d)?).filter(|s| !s.is_empty()))
}

/// A boolean given as a boolean or as `"true"` / `"false"`; `""` is absent.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => Err(D::Error::custom(format!("expected a boolean, got {s:?}"))),
        },
        other => Err(D::Error::custom(format!("expected a boolean, got {other}"))),
    }
}

/// A timestamp, normalised to `yyyy-MM-ddTHH:mm:ssZ` (see [`normalize_time`]).
pub(crate) fn time<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(normalize_time(&string(d)?))
}

/// Adds the missing seconds to a UTC timestamp written to the minute
/// (`2023-06-16T02:43Z` → `2023-06-16T02:43:00Z`); anything else is returned
/// unchanged.
pub fn normalize_time(s: &str) -> String {
    let Some(body) = s.strip_suffix('Z') else {
        return s.to_owned();
    };
    match body.split_once('T') {
        Some((_, clock)) if clock.matches(':').count() == 1 => format!("{body}:00Z"),
        _ => s.to_owned(),
    }
}

/// A list of strings given as an array, a single string, or an ECS wrapper.
pub(crate) fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(unwrap_list(Value::deserialize(d)?)
        .into_iter()
        .filter_map(scalar_to_string)
        .collect())
}

/// A list of objects given as an array, a single object, or an ECS wrapper
/// (`{"Tag": [..]}`, `{"ImagePipelineExecutionSet": [..]}`).
pub(crate) fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    unwrap_list(Value::deserialize(d)?)
        .into_iter()
        .map(|item| serde_json::from_value(item).map_err(D::Error::custom))
        .collect()
}

/// `DataSource.Options`: a JSON string (or object) holding either the map
/// itself or `{"options": {..}, "type": ..}`; keys lose any `#len#` prefix.
pub(crate) fn options_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(options_from(Value::deserialize(d)?))
}

fn options_from(value: Value) -> BTreeMap<String, String> {
    match value {
        Value::String(s) if s.trim().is_empty() => BTreeMap::new(),
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(parsed @ Value::Object(_)) => options_from(parsed),
            _ => {
                log::warn!("DataSource.Options is not a JSON object; ignoring it");
                BTreeMap::new()
            }
        },
        Value::Object(map) => {
            // The whole data source: its `options` member is an object (or a
            // JSON string of one). A NAS map has an `options` *key* whose
            // value is a plain mount-option string, which is not unwrapped.
            let inner = map.iter().find_map(|(k, v)| {
                if !k.eq_ignore_ascii_case("options") {
                    return None;
                }
                match v {
                    Value::Object(_) => Some(v.clone()),
                    Value::String(s) => match serde_json::from_str::<Value>(s) {
                        Ok(obj @ Value::Object(_)) => Some(obj),
                        _ => None,
                    },
                    _ => None,
                }
            });
            if let Some(inner) = inner {
                return options_from(inner);
            }
            map.into_iter()
                .filter_map(|(k, v)| {
                    let v = match v {
                        Value::Null => return None,
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    Some((strip_len_prefix(&k).to_owned(), v))
                })
                .collect()
        }
        _ => BTreeMap::new(),
    }
}

/// `#10#repoSource` → `repoSource` when the length matches; else unchanged.
pub(crate) fn strip_len_prefix(key: &str) -> &str {
    let Some(rest) = key.strip_prefix('#') else {
        return key;
    };
    let Some((len, name)) = rest.split_once('#') else {
        return key;
    };
    match len.parse::<usize>() {
        Ok(n) if n == name.len() => name,
        _ => key,
    }
}

fn scalar_to_string(v: Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

fn unwrap_list(v: Value) -> Vec<Value> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(items) => items,
        Value::String(s) if s.is_empty() => Vec::new(),
        Value::Object(map) if map.is_empty() => Vec::new(),
        Value::Object(map) if map.len() == 1 => {
            let (_, inner) = map.iter().next().expect("one member");
            if inner.is_array() || inner.is_object() {
                let inner = inner.clone();
                unwrap_list(inner)
            } else {
                vec![Value::Object(map)]
            }
        }
        other => vec![other],
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Deserialize, Debug, PartialEq, Default)]
    #[serde(rename_all = "PascalCase", default)]
    struct Item {
        key: String,
    }

    #[derive(Deserialize, Debug, Default)]
    #[serde(rename_all = "PascalCase", default)]
    struct Probe {
        #[serde(deserialize_with = "opt_i64")]
        size: Option<i64>,
        #[serde(deserialize_with = "string_list")]
        images: Vec<String>,
        #[serde(deserialize_with = "list")]
        items: Vec<Item>,
        #[serde(deserialize_with = "options_map")]
        options: BTreeMap<String, String>,
        #[serde(deserialize_with = "time")]
        when: String,
        name: String,
    }

    fn probe(mut v: Value) -> Probe {
        drop_nulls(&mut v);
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn integers_as_numbers_or_strings() {
        assert_eq!(probe(json!({"Size": 20})).size, Some(20));
        assert_eq!(probe(json!({"Size": "20"})).size, Some(20));
        assert_eq!(probe(json!({"Size": " 7 "})).size, Some(7));
        assert_eq!(probe(json!({"Size": ""})).size, None);
        assert_eq!(probe(json!({"Size": null})).size, None);
        assert_eq!(probe(json!({})).size, None);
        let mut bad = json!({"Size": "big"});
        drop_nulls(&mut bad);
        assert!(serde_json::from_value::<Probe>(bad).is_err());
    }

    #[test]
    fn string_lists_accept_one_string_arrays_and_wrappers() {
        assert_eq!(probe(json!({"Images": "nginx"})).images, ["nginx"]);
        assert_eq!(probe(json!({"Images": ["a", "b"]})).images, ["a", "b"]);
        assert_eq!(
            probe(json!({"Images": {"Image": ["a", 1]}})).images,
            ["a", "1"]
        );
        assert!(probe(json!({"Images": ""})).images.is_empty());
        assert!(probe(json!({"Images": null})).images.is_empty());
    }

    #[test]
    fn object_lists_unwrap_ecs_wrappers() {
        let one = Item { key: "a".into() };
        assert_eq!(probe(json!({"Items": [{"Key": "a"}]})).items, [one]);
        assert_eq!(
            probe(json!({"Items": {"ItemSet": [{"Key": "a"}, {"Key": "b"}]}}))
                .items
                .len(),
            2
        );
        assert_eq!(
            probe(json!({"Items": {"Item": {"Key": "x"}}})).items.len(),
            1
        );
        assert_eq!(probe(json!({"Items": {"Key": "single"}})).items.len(), 1);
        assert!(probe(json!({"Items": {"ItemSet": []}})).items.is_empty());
        assert!(probe(json!({"Items": {"ItemSet": null}})).items.is_empty());
        assert!(probe(json!({"Items": {}})).items.is_empty());
    }

    #[test]
    fn options_from_every_known_shape() {
        let expected = BTreeMap::from([
            ("repoId".to_string(), "x/y".to_string()),
            ("repoSource".to_string(), "HuggingFace/Model".to_string()),
        ]);
        let shapes = [
            json!({"Options": "{\"repoId\":\"x/y\",\"repoSource\":\"HuggingFace/Model\"}"}),
            json!({"Options": "{\"options\":{\"repoId\":\"x/y\",\"repoSource\":\"HuggingFace/Model\"},\"type\":\"URL\"}"}),
            json!({"Options": {"repoId": "x/y", "repoSource": "HuggingFace/Model"}}),
            json!({"Options": {"#6#repoId": "x/y", "#10#repoSource": "HuggingFace/Model"}}),
            json!({"Options": {"options": "{\"repoId\":\"x/y\",\"repoSource\":\"HuggingFace/Model\"}"}}),
        ];
        for shape in shapes {
            assert_eq!(probe(shape.clone()).options, expected, "{shape}");
        }
        assert!(probe(json!({"Options": ""})).options.is_empty());
        assert!(probe(json!({"Options": "not json"})).options.is_empty());
    }

    #[test]
    fn nas_options_key_is_not_mistaken_for_the_wrapper() {
        let nas = json!({"Options": "{\"server\":\"nas.example.com\",\"path\":\"/\",\"vers\":\"3\",\"options\":\"nolock,proto=tcp\"}"});
        let got = probe(nas).options;
        assert_eq!(got.len(), 4);
        assert_eq!(got["options"], "nolock,proto=tcp");
        let wrapped = json!({"Options": "{\"options\":{\"server\":\"s\",\"options\":\"nolock\"},\"type\":\"NAS\"}"});
        let got = probe(wrapped).options;
        assert_eq!(
            got,
            BTreeMap::from([
                ("options".to_string(), "nolock".to_string()),
                ("server".to_string(), "s".to_string())
            ])
        );
    }

    #[test]
    fn times_with_or_without_seconds() {
        assert_eq!(
            probe(json!({"When": "2023-06-16T02:43Z"})).when,
            "2023-06-16T02:43:00Z"
        );
        assert_eq!(
            probe(json!({"When": "2023-06-16T02:43:07Z"})).when,
            "2023-06-16T02:43:07Z"
        );
        assert_eq!(probe(json!({"When": ""})).when, "");
        assert_eq!(normalize_time("garbage"), "garbage");
    }

    #[test]
    fn nulls_behave_like_absent_members() {
        let p = probe(json!({"Name": null, "Items": [{"Key": null}]}));
        assert_eq!(p.name, "");
        assert_eq!(p.items, [Item::default()]);
    }

    #[test]
    fn length_prefix_is_only_stripped_when_it_matches() {
        assert_eq!(strip_len_prefix("#3#url"), "url");
        assert_eq!(strip_len_prefix("#3#a.b"), "a.b");
        assert_eq!(strip_len_prefix("#4#url"), "#4#url");
        assert_eq!(strip_len_prefix("#x#url"), "#x#url");
        assert_eq!(strip_len_prefix("url"), "url");
    }
}
