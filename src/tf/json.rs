//! The JSON codec used for stored state (`UpgradeResourceState.raw_state.json`).
//!
//! Stored state was written by an older build of the provider, so decoding is
//! lenient where schemas evolve: a missing attribute decodes as null and an
//! attribute the schema no longer has is dropped (removing an attribute never
//! breaks existing state). Scalars are converted the way cty converts them:
//! numbers may be strings, and strings may be stored as numbers or bools.
//! `dynamic` values are `{"value": ..., "type": ...}` as cty writes them.
//!
//! Encoding is strict (every attribute, nothing extra, no unknowns), like
//! [`crate::tf::msgpack::encode`].

use std::collections::BTreeMap;

use serde_json::Value as J;

use crate::tf::msgpack::{as_wire_int, implied_type, parse_number, type_name, DecodeError};
use crate::tf::path::Step;
use crate::tf::types::Type;
use crate::tf::value::Value;

/// Decodes JSON state as a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    // serde_json caps nesting at 128 levels, which bounds the recursion below.
    let j: J = serde_json::from_slice(bytes)
        .map_err(|e| DecodeError::new(&[], format!("invalid JSON: {e}")))?;
    from_json(&j, ty, &mut Vec::new())
}

/// Encodes `value` as JSON of type `ty`.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, DecodeError> {
    let j = to_json(value, ty, &mut Vec::new())?;
    serde_json::to_vec(&j).map_err(|e| DecodeError::new(&[], e.to_string()))
}

fn from_json(j: &J, ty: &Type, path: &mut Vec<Step>) -> Result<Value, DecodeError> {
    let v = match (j, ty) {
        (J::Null, _) => Value::Null,
        (J::Object(m), Type::Dynamic) => {
            let t = m
                .get("type")
                .and_then(Type::from_json)
                .ok_or_else(|| DecodeError::new(path, "a dynamic value needs a valid \"type\""))?;
            from_json(m.get("value").unwrap_or(&J::Null), &t, path)?
        }
        (J::Bool(b), Type::Bool) => Value::Bool(*b),
        (J::String(s), Type::Bool) if s == "true" || s == "false" => Value::Bool(s == "true"),
        (J::Number(n), Type::Number) => {
            Value::Number(n.as_f64().ok_or_else(|| expected(path, ty))?)
        }
        (J::String(s), Type::Number) => {
            Value::Number(parse_number(s).ok_or_else(|| expected(path, ty))?)
        }
        (J::String(s), Type::String) => Value::String(s.clone()),
        (J::Number(n), Type::String) => Value::String(n.to_string()),
        (J::Bool(b), Type::String) => Value::String(b.to_string()),
        (J::Array(a), Type::List(t) | Type::Set(t)) => {
            let items = elements(a.iter().map(|e| (e, &**t)), path)?;
            match ty {
                Type::Set(_) => Value::Set(items),
                _ => Value::List(items),
            }
        }
        (J::Array(a), Type::Tuple(ts)) if a.len() == ts.len() => {
            Value::List(elements(a.iter().zip(ts), path)?)
        }
        (J::Object(m), Type::Map(t)) => {
            let mut out = BTreeMap::new();
            for (k, e) in m {
                path.push(Step::Key(k.clone()));
                out.insert(k.clone(), from_json(e, t, path)?);
                path.pop();
            }
            Value::Map(out)
        }
        (J::Object(m), Type::Object(attrs)) => {
            let mut out = BTreeMap::new();
            for (k, t) in attrs {
                path.push(Step::Attr(k.clone()));
                let v = match m.get(k) {
                    Some(e) => from_json(e, t, path)?,
                    None => Value::Null,
                };
                out.insert(k.clone(), v);
                path.pop();
            }
            Value::Object(out)
        }
        (_, ty) => return Err(expected(path, ty)),
    };
    Ok(v)
}

fn elements<'a>(
    items: impl Iterator<Item = (&'a J, &'a Type)>,
    path: &mut Vec<Step>,
) -> Result<Vec<Value>, DecodeError> {
    let mut out = Vec::new();
    for (i, (e, t)) in items.enumerate() {
        path.push(Step::Index(i as i64));
        out.push(from_json(e, t, path)?);
        path.pop();
    }
    Ok(out)
}

fn expected(path: &[Step], ty: &Type) -> DecodeError {
    DecodeError::new(path, format!("{} is required", type_name(ty)))
}

fn to_json(v: &Value, ty: &Type, path: &mut Vec<Step>) -> Result<J, DecodeError> {
    let j = match (v, ty) {
        (Value::Unknown, _) => {
            return Err(DecodeError::new(path, "unknown values cannot be stored"))
        }
        (Value::Null, _) => J::Null,
        (v, Type::Dynamic) => {
            let t = implied_type(v);
            serde_json::json!({ "value": to_json(v, &t, path)?, "type": t.to_json() })
        }
        (Value::Bool(b), Type::Bool) => J::Bool(*b),
        (Value::Number(n), Type::Number) => match as_wire_int(*n) {
            Some(i) => J::from(i),
            None => serde_json::Number::from_f64(*n)
                .map(J::Number)
                .ok_or_else(|| DecodeError::new(path, "infinite numbers cannot be stored"))?,
        },
        (Value::String(s), Type::String) => J::String(s.clone()),
        (Value::List(items) | Value::Set(items), Type::List(t) | Type::Set(t)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, e) in items.iter().enumerate() {
                path.push(Step::Index(i as i64));
                out.push(to_json(e, t, path)?);
                path.pop();
            }
            J::Array(out)
        }
        (Value::List(items) | Value::Set(items), Type::Tuple(ts)) if items.len() == ts.len() => {
            let mut out = Vec::with_capacity(items.len());
            for (i, (e, t)) in items.iter().zip(ts).enumerate() {
                path.push(Step::Index(i as i64));
                out.push(to_json(e, t, path)?);
                path.pop();
            }
            J::Array(out)
        }
        (Value::Map(m) | Value::Object(m), Type::Map(t)) => {
            let mut out = serde_json::Map::new();
            for (k, e) in m {
                path.push(Step::Key(k.clone()));
                out.insert(k.clone(), to_json(e, t, path)?);
                path.pop();
            }
            J::Object(out)
        }
        (Value::Map(m) | Value::Object(m), Type::Object(attrs)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                path.push(Step::Attr(extra.clone()));
                return Err(DecodeError::new(path, "unsupported attribute"));
            }
            let mut out = serde_json::Map::new();
            for (k, t) in attrs {
                path.push(Step::Attr(k.clone()));
                let e = m
                    .get(k)
                    .ok_or_else(|| DecodeError::new(path, "attribute missing"))?;
                out.insert(k.clone(), to_json(e, t, path)?);
                path.pop();
            }
            J::Object(out)
        }
        (_, ty) => return Err(expected(path, ty)),
    };
    Ok(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_type() -> Type {
        Type::object([
            ("id", Type::String),
            ("size", Type::Number),
            ("on", Type::Bool),
            ("tags", Type::map(Type::String)),
            ("zones", Type::set(Type::String)),
            ("pair", Type::Tuple(vec![Type::String, Type::Number])),
            ("any", Type::Dynamic),
            ("cred", Type::list(Type::object([("server", Type::String)]))),
        ])
    }

    #[test]
    fn round_trips_state() {
        let v = Value::object([
            ("id", Value::from("c-1")),
            ("size", Value::Number(20.5)),
            ("on", Value::Bool(true)),
            ("tags", Value::str_map([("env", "prod")])),
            ("zones", Value::str_set(["b", "a"])),
            (
                "pair",
                Value::List(vec![Value::from("x"), Value::from(-3i64)]),
            ),
            ("any", Value::object([("k", Value::str_list(["v"]))])),
            (
                "cred",
                Value::List(vec![Value::object([("server", Value::from("r.io"))])]),
            ),
        ]);
        let bytes = encode(&v, &state_type()).unwrap();
        assert_eq!(decode(&bytes, &state_type()), Ok(v));
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.contains(
                r#""any":{"type":["object",{"k":["tuple",["string"]]}],"value":{"k":["v"]}}"#
            ),
            "{text}"
        );
        assert!(text.contains(r#""pair":["x",-3]"#), "{text}");
    }

    #[test]
    fn old_state_decodes_leniently() {
        // `removed` is no longer in the schema; `zones`, `tags`... were added since.
        let old = br#"{"id":"c-1","size":"30","on":"true","removed":{"deep":[1]},
                       "cred":[{"server":"r.io","old_field":1}],"pair":["x","2"]}"#;
        let v = decode(old, &state_type()).unwrap();
        assert_eq!(v.str_attr("id"), Some("c-1"));
        assert_eq!(v.i64_attr("size"), Some(30));
        assert_eq!(v.bool_attr("on"), Some(true));
        assert_eq!(v.attr("zones"), &Value::Null);
        assert_eq!(v.attr("removed"), &Value::Null);
        assert_eq!(
            v.attr("cred"),
            &Value::List(vec![Value::object([("server", Value::from("r.io"))])])
        );
        assert_eq!(
            v.attr("pair").as_list().map(|l| l[1].clone()),
            Some(Value::from(2i64))
        );
        // Strings stored as numbers or bools, as cty converts them.
        let v = decode(br#"{"id":12,"on":false}"#, &state_type()).unwrap();
        assert_eq!(v.str_attr("id"), Some("12"));
    }

    #[test]
    fn errors_carry_the_path() {
        let e = decode(br#"{"cred":[{"server":["no"]}]}"#, &state_type()).unwrap_err();
        assert_eq!(e.path.to_string(), "cred[0].server");
        assert_eq!(e.message, "a string is required");
        let e = decode(br#"{"size":"big"}"#, &state_type()).unwrap_err();
        assert_eq!(e.path.to_string(), "size");
        assert!(decode(b"{", &state_type()).is_err());
        assert!(decode(br#"{"any":{"value":1}}"#, &state_type()).is_err());
        let e = encode(
            &Value::object([("id", Value::Unknown)]),
            &Type::object([("id", Type::String)]),
        );
        assert_eq!(e.unwrap_err().path.to_string(), "id");
    }
}
