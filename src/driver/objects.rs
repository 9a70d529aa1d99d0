//! Helpers over values shaped by a schema [`Block`]: building, cleaning and
//! walking them. Everything here is total: a value that does not have the
//! expected shape is left alone (the codec reports it when encoding).

use crate::tf::path::AttributePath;
use crate::tf::schema::{Attribute, Block, NestedBlock, Nesting};
use crate::tf::value::Value;

/// An object of nulls conforming to `block`: nested list and set blocks are empty
/// (Terraform never sends null for them), single blocks are null.
pub fn null_object(block: &Block) -> Value {
    let mut v = Value::object(Vec::<(String, Value)>::new());
    conform(block, &mut v);
    v
}

/// An object of nulls with one element in every nested block, recursively: a
/// value on which code that names every attribute (mappings, under
/// [`with_strict_names`](crate::tf::value::with_strict_names)) can be exercised.
pub fn full_object(block: &Block) -> Value {
    let mut v = null_object(block);
    for (name, nb) in &block.blocks {
        let inner = full_object(&nb.block);
        let value = match nb.nesting {
            Nesting::Single => inner,
            Nesting::List => Value::List(vec![inner]),
            Nesting::Set => Value::Set(vec![inner]),
        };
        v.set_attr(name, value);
    }
    v
}

/// Makes an object hold every attribute and block of `block`: missing ones become
/// null (empty for list and set blocks), recursively. Extra attributes are kept,
/// so that encoding reports them instead of hiding a resource's typo.
pub fn conform(block: &Block, v: &mut Value) {
    if let Value::Map(m) = v {
        *v = Value::Object(std::mem::take(m));
    }
    let Value::Object(m) = v else { return };
    for name in block.attributes.keys() {
        m.entry(name.clone()).or_insert(Value::Null);
    }
    for (name, nb) in &block.blocks {
        let e = m.entry(name.clone()).or_insert(Value::Null);
        if e.is_null() {
            *e = empty_block_value(nb.nesting);
        }
        for inst in instances_mut(nb.nesting, e) {
            conform(&nb.block, inst);
        }
    }
}

fn empty_block_value(nesting: Nesting) -> Value {
    match nesting {
        Nesting::Single => Value::Null,
        Nesting::List => Value::List(Vec::new()),
        Nesting::Set => Value::Set(Vec::new()),
    }
}

/// The object values of a nested block's value: the block itself for `Single`,
/// the elements for `List` and `Set`; nothing when null or unknown.
pub fn instances(nesting: Nesting, v: &Value) -> &[Value] {
    match (nesting, v) {
        (Nesting::Single, Value::Object(_)) => std::slice::from_ref(v),
        (Nesting::List | Nesting::Set, Value::List(l) | Value::Set(l)) => l,
        _ => &[],
    }
}

/// Mutable form of [`instances`].
pub fn instances_mut(nesting: Nesting, v: &mut Value) -> &mut [Value] {
    match nesting {
        Nesting::Single if matches!(v, Value::Object(_)) => std::slice::from_mut(v),
        Nesting::List | Nesting::Set => match v {
            Value::List(l) | Value::Set(l) => l,
            _ => &mut [],
        },
        Nesting::Single => &mut [],
    }
}

/// The paths of the unknown values inside `v` (the outermost one of each).
pub fn unknown_paths(v: &Value) -> Vec<AttributePath> {
    fn go(v: &Value, path: AttributePath, out: &mut Vec<AttributePath>) {
        match v {
            Value::Unknown => out.push(path),
            Value::List(l) | Value::Set(l) => {
                for (i, e) in l.iter().enumerate() {
                    go(e, path.index(i), out);
                }
            }
            Value::Object(m) => {
                for (k, e) in m {
                    go(e, path.attr(k), out);
                }
            }
            Value::Map(m) => {
                for (k, e) in m {
                    go(e, path.key(k), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    go(v, AttributePath::empty(), &mut out);
    out
}

/// Replaces every unknown inside `v` with null (results must be wholly known).
pub fn unknowns_to_null(v: &mut Value) {
    match v {
        Value::Unknown => *v = Value::Null,
        Value::List(l) | Value::Set(l) => l.iter_mut().for_each(unknowns_to_null),
        Value::Map(m) | Value::Object(m) => m.values_mut().for_each(unknowns_to_null),
        _ => {}
    }
}

/// Nulls every write-only attribute, recursively: they are never planned or stored.
pub fn null_write_only(block: &Block, v: &mut Value) {
    let Value::Object(m) = v else { return };
    for (name, attr) in &block.attributes {
        if attr.write_only {
            if let Some(e) = m.get_mut(name) {
                *e = Value::Null;
            }
        }
    }
    for (name, nb) in &block.blocks {
        if let Some(e) = m.get_mut(name) {
            for inst in instances_mut(nb.nesting, e) {
                null_write_only(&nb.block, inst);
            }
        }
    }
}

/// Makes a result acceptable as state: wholly known (unknowns left by the resource
/// become null), write-only attributes null, every attribute present.
pub fn finish(block: &Block, v: &mut Value) {
    unknowns_to_null(v);
    null_write_only(block, v);
    conform(block, v);
}

/// The name of the block the driver adds for `Schema::with_timeouts`.
pub const TIMEOUTS: &str = "timeouts";

/// True when `a` and `b` differ (sets compared as sets), not counting `timeouts`:
/// changing a timeout alone is not a change to the remote object.
pub fn differs_ignoring_timeouts(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let strip = |m: &std::collections::BTreeMap<String, Value>| {
                let mut m = m.clone();
                m.remove(TIMEOUTS);
                Value::Object(m)
            };
            !strip(x).semantic_eq(&strip(y))
        }
        _ => !a.semantic_eq(b),
    }
}

/// One step of [`walk`].
pub enum Visit<'a> {
    /// An attribute and its value (null when the enclosing block is absent).
    Attribute {
        /// Where it is, e.g. `cred[0].server` (set elements by received index).
        path: AttributePath,
        /// Its schema.
        attr: &'a Attribute,
        /// Its value.
        value: &'a Value,
    },
    /// A nested block's whole value (object, list or set), before its content.
    Block {
        /// Where it is.
        path: AttributePath,
        /// Its schema.
        block: &'a NestedBlock,
        /// Its value.
        value: &'a Value,
    },
}

/// Visits every attribute and nested block of `value`, depth first, in schema order.
/// The attributes of a block instance are visited only when the instance is a known
/// object: a null single block has none, and an unknown one may have any.
pub fn walk<'a>(
    block: &'a Block,
    value: &'a Value,
    path: &AttributePath,
    f: &mut dyn FnMut(Visit<'a>),
) {
    for (name, attr) in &block.attributes {
        f(Visit::Attribute {
            path: path.attr(name),
            attr,
            value: value.attr(name),
        });
    }
    for (name, nb) in &block.blocks {
        let p = path.attr(name);
        let v = value.attr(name);
        f(Visit::Block {
            path: p.clone(),
            block: nb,
            value: v,
        });
        match nb.nesting {
            Nesting::Single if matches!(v, Value::Object(_)) => walk(&nb.block, v, &p, f),
            Nesting::Single => {}
            Nesting::List | Nesting::Set => {
                for (i, e) in instances(nb.nesting, v).iter().enumerate() {
                    if matches!(e, Value::Object(_)) {
                        walk(&nb.block, e, &p.index(i), f);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::schema::Attribute;
    use crate::tf::types::Type;

    fn block() -> Block {
        let inner = Block::new("inner")
            .attr("server", Attribute::required(Type::String))
            .attr("secret", Attribute::optional(Type::String).write_only());
        Block::new("top")
            .attr("id", Attribute::computed(Type::String))
            .attr("pw", Attribute::optional(Type::String).write_only())
            .block("one", Nesting::Single, inner.clone())
            .block("many", Nesting::List, inner.clone())
            .block(
                "set",
                Nesting::Set,
                Block::new("s").attr("x", Attribute::optional(Type::Bool)),
            )
    }

    #[test]
    fn null_object_has_empty_collections_for_blocks() {
        let v = null_object(&block());
        assert_eq!(
            v,
            Value::object([
                ("id", Value::Null),
                ("pw", Value::Null),
                ("one", Value::Null),
                ("many", Value::List(vec![])),
                ("set", Value::Set(vec![])),
            ])
        );
    }

    #[test]
    fn conform_fills_nested_elements_and_keeps_extras() {
        let mut v = Value::object([
            (
                "many",
                Value::List(vec![Value::object([("server", Value::from("a"))])]),
            ),
            ("typo", Value::Bool(true)),
        ]);
        conform(&block(), &mut v);
        let many = v.attr("many").as_list().unwrap();
        assert_eq!(many[0].attr("secret"), &Value::Null);
        assert!(many[0].as_map().unwrap().contains_key("secret"));
        assert_eq!(v.attr("typo"), &Value::Bool(true));
        assert_eq!(v.attr("set"), &Value::Set(vec![]));
    }

    #[test]
    fn write_only_and_unknowns_are_nulled_recursively() {
        let el = Value::object([("server", Value::from("a")), ("secret", Value::from("s"))]);
        let mut v = Value::object([
            ("id", Value::Unknown),
            ("pw", Value::from("p")),
            ("one", el.clone()),
            ("many", Value::List(vec![el.clone(), Value::Unknown])),
            ("set", Value::Set(vec![])),
        ]);
        null_write_only(&block(), &mut v);
        unknowns_to_null(&mut v);
        let cleaned = Value::object([("server", Value::from("a")), ("secret", Value::Null)]);
        assert_eq!(v.attr("pw"), &Value::Null);
        assert_eq!(v.attr("id"), &Value::Null);
        assert_eq!(v.attr("one"), &cleaned);
        assert_eq!(v.attr("many"), &Value::List(vec![cleaned, Value::Null]));
    }

    #[test]
    fn walk_reports_paths_in_hcl_form() {
        let el = |s: &str| Value::object([("server", Value::from(s)), ("secret", Value::Null)]);
        let v = Value::object([
            ("many", Value::List(vec![el("a"), el("b")])),
            ("one", el("c")),
        ]);
        let mut seen = Vec::new();
        walk(&block(), &v, &AttributePath::empty(), &mut |visit| {
            if let Visit::Attribute { path, value, .. } = visit {
                if let Some(s) = value.as_str() {
                    seen.push(format!("{path}={s}"));
                }
            }
        });
        assert_eq!(
            seen,
            ["many[0].server=a", "many[1].server=b", "one.server=c"]
        );
    }

    #[test]
    fn timeouts_do_not_count_as_a_difference() {
        let a = Value::object([("x", Value::from(1i64)), (TIMEOUTS, Value::Null)]);
        let mut b = a.clone();
        b.set_attr(TIMEOUTS, Value::object([("create", Value::from("5m"))]));
        assert!(!differs_ignoring_timeouts(&a, &b));
        b.set_attr("x", 2i64);
        assert!(differs_ignoring_timeouts(&a, &b));
    }
}
