//! Small types shared by the ECI and ECS actions.

use serde::{Deserialize, Serialize};

use super::de;

/// A resource tag. Sent as `Tag.N.Key` / `Tag.N.Value`; read from ECI's
/// `{Key, Value}` and ECS's `{TagKey, TagValue}` alike.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Tag {
    /// Tag key.
    #[serde(alias = "TagKey", deserialize_with = "de::string")]
    pub key: String,
    /// Tag value (may be empty).
    #[serde(alias = "TagValue", deserialize_with = "de::string")]
    pub value: String,
}

impl Tag {
    /// A tag from key and value.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// The answer of actions that return nothing but their `RequestId`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ack {
    /// `RequestId` of the answer.
    pub request_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_read_both_spellings_and_flatten_as_key_value() {
        let eci: Tag = serde_json::from_str(r#"{"Key":"env","Value":"prod"}"#).unwrap();
        let ecs: Tag = serde_json::from_str(r#"{"TagKey":"env","TagValue":"prod"}"#).unwrap();
        assert_eq!(eci, ecs);
        assert_eq!(eci, Tag::new("env", "prod"));
        #[derive(Serialize)]
        struct R {
            #[serde(rename = "Tag")]
            tag: Vec<Tag>,
        }
        let got = crate::aliyun::params::to_pairs(&R { tag: vec![eci] }).unwrap();
        assert_eq!(
            got,
            vec![
                ("Tag.1.Key".to_string(), "env".to_string()),
                ("Tag.1.Value".to_string(), "prod".to_string())
            ]
        );
    }
}
