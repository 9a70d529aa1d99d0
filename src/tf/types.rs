//! The cty type system as Terraform sees it.
//!
//! Decoding a `DynamicValue` is driven by the type because the wire format is lossy
//! (lists, sets and tuples are all msgpack arrays).

use std::collections::BTreeMap;

/// A cty type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// `bool`
    Bool,
    /// `number` (arbitrary precision in cty; we carry `f64`/`i64`).
    Number,
    /// `string`
    String,
    /// `list(T)`
    List(Box<Type>),
    /// `set(T)`
    Set(Box<Type>),
    /// `map(T)`
    Map(Box<Type>),
    /// `object({...})`; every attribute is always present on the wire.
    Object(BTreeMap<String, Type>),
    /// `tuple([...])`
    Tuple(Vec<Type>),
    /// `dynamic`: the wire carries `[type-json, value]`.
    Dynamic,
}

impl Type {
    /// `list(T)`.
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }
    /// `set(T)`.
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }
    /// `map(T)`.
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }
    /// `object({...})` from `(name, type)` pairs.
    pub fn object<I, S>(attrs: I) -> Type
    where
        I: IntoIterator<Item = (S, Type)>,
        S: Into<String>,
    {
        Type::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The JSON form Terraform expects in `Schema.Attribute.type`, e.g. `["list","string"]`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{json, Value as J};
        match self {
            Type::Bool => json!("bool"),
            Type::Number => json!("number"),
            Type::String => json!("string"),
            Type::Dynamic => json!("dynamic"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Tuple(ts) => json!(["tuple", J::Array(ts.iter().map(Type::to_json).collect())]),
            Type::Object(attrs) => {
                let m: serde_json::Map<String, J> = attrs
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect();
                json!(["object", J::Object(m)])
            }
        }
    }

    /// Parses the JSON form (used by `dynamic` values on the wire).
    pub fn from_json(v: &serde_json::Value) -> Option<Type> {
        use serde_json::Value as J;
        match v {
            J::String(s) => match s.as_str() {
                "bool" => Some(Type::Bool),
                "number" => Some(Type::Number),
                "string" => Some(Type::String),
                "dynamic" => Some(Type::Dynamic),
                _ => None,
            },
            J::Array(a) if a.len() == 2 => {
                let kind = a[0].as_str()?;
                match kind {
                    "list" => Some(Type::list(Type::from_json(&a[1])?)),
                    "set" => Some(Type::set(Type::from_json(&a[1])?)),
                    "map" => Some(Type::map(Type::from_json(&a[1])?)),
                    "tuple" => Some(Type::Tuple(
                        a[1].as_array()?
                            .iter()
                            .map(Type::from_json)
                            .collect::<Option<_>>()?,
                    )),
                    "object" => Some(Type::Object(
                        a[1].as_object()?
                            .iter()
                            .map(|(k, v)| Some((k.clone(), Type::from_json(v)?)))
                            .collect::<Option<_>>()?,
                    )),
                    _ => None,
                }
            }
            // `["object", {...}, [optional attrs]]` appears in type constraints; accept it.
            J::Array(a) if a.len() == 3 && a[0] == "object" => {
                Type::from_json(&J::Array(a[..2].to_vec()))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let t = Type::object([
            ("a", Type::String),
            ("b", Type::list(Type::map(Type::Number))),
            ("c", Type::Tuple(vec![Type::Bool, Type::Dynamic])),
            ("d", Type::set(Type::String)),
        ]);
        let j = t.to_json();
        assert_eq!(
            j.to_string(),
            r#"["object",{"a":"string","b":["list",["map","number"]],"c":["tuple",["bool","dynamic"]],"d":["set","string"]}]"#
        );
        assert_eq!(Type::from_json(&j), Some(t));
    }
}
