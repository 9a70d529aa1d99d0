//! Dynamic Terraform values.
//!
//! Null and unknown are states of every value, as in cty: ask before converting
//! ([`Value::is_known`], [`Value::is_fully_known`]); the `as_*` accessors return
//! `None` for null, unknown and mismatched kinds, so resource code never panics on
//! a value it did not expect.

use std::collections::BTreeMap;

/// A Terraform value. Objects carry every attribute of their type.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// Null of whatever type the position has.
    #[default]
    Null,
    /// Not known until apply (msgpack extension 0, or a refined unknown, ext 12).
    Unknown,
    /// A boolean.
    Bool(bool),
    /// A number. Integral values in `i64` range round-trip exactly.
    Number(f64),
    /// A string.
    String(String),
    /// A list or tuple.
    List(Vec<Value>),
    /// A set. Elements are kept in the order received; equality is order-insensitive
    /// via [`Value::semantic_eq`].
    Set(Vec<Value>),
    /// A map.
    Map(BTreeMap<String, Value>),
    /// An object (or a single nested block).
    Object(BTreeMap<String, Value>),
}

static NULL: Value = Value::Null;

#[cfg(debug_assertions)]
thread_local! {
    static STRICT_NAMES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with attribute names checked (debug builds; release builds just run
/// `f`): reading or writing an attribute that an object does not have panics,
/// naming it. Objects the driver hands to resources carry every attribute of their
/// schema, so a missing one is a misspelt name, which would otherwise read as null
/// and write nothing Terraform can see. The driver runs the synchronous hooks
/// (validate, plan, import) this way, and resources' mapping tests do the same.
pub fn with_strict_names<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(debug_assertions)]
    {
        let before = STRICT_NAMES.with(|s| s.replace(true));
        let out = f();
        STRICT_NAMES.with(|s| s.set(before));
        out
    }
    #[cfg(not(debug_assertions))]
    f()
}

/// Panics (strict mode only) when `m` lacks attribute `name`.
fn check_name(m: &BTreeMap<String, Value>, name: &str) {
    #[cfg(debug_assertions)]
    if !m.contains_key(name) && STRICT_NAMES.with(std::cell::Cell::get) {
        let known: Vec<&str> = m.keys().map(String::as_str).collect();
        panic!("no attribute `{name}` in this object (it has {known:?}): a misspelt name?");
    }
    #[cfg(not(debug_assertions))]
    let _ = (m, name);
}

impl Value {
    /// True unless null or unknown.
    pub fn is_known_non_null(&self) -> bool {
        !matches!(self, Value::Null | Value::Unknown)
    }
    /// True for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    /// True for [`Value::Unknown`] (this value only, not nested ones).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }
    /// True unless this value itself is unknown.
    pub fn is_known(&self) -> bool {
        !self.is_unknown()
    }
    /// True when neither this value nor anything inside it is unknown.
    pub fn is_fully_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(v) | Value::Set(v) => v.iter().all(Value::is_fully_known),
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_fully_known),
            _ => true,
        }
    }

    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    /// The bool, if this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// The number, if this is a known number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }
    /// The number as an integer, if it is a known integral number in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n)
                if n.fract() == 0.0 && *n >= i64::MIN as f64 && *n <= i64::MAX as f64 =>
            {
                Some(*n as i64)
            }
            _ => None,
        }
    }
    /// Elements of a known list, set or tuple.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) => Some(v),
            _ => None,
        }
    }
    /// Entries of a known map or object.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }
    /// Mutable entries of a known map or object.
    pub fn as_map_mut(&mut self) -> Option<&mut BTreeMap<String, Value>> {
        match self {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Attribute `name` of an object; null when this is not an object or lacks it.
    pub fn attr(&self, name: &str) -> &Value {
        match self {
            Value::Object(m) => {
                check_name(m, name);
                m.get(name).unwrap_or(&NULL)
            }
            _ => &NULL,
        }
    }
    /// Sets attribute `name` of an object (no-op on non-objects).
    pub fn set_attr(&mut self, name: &str, v: impl Into<Value>) {
        if let Value::Object(m) = self {
            check_name(m, name);
            m.insert(name.to_string(), v.into());
        }
    }
    /// Mutable attribute `name` of an object.
    pub fn attr_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self {
            Value::Object(m) => {
                check_name(m, name);
                m.get_mut(name)
            }
            _ => None,
        }
    }

    /// String attribute `name`, if known and non-null.
    pub fn str_attr(&self, name: &str) -> Option<&str> {
        self.attr(name).as_str()
    }
    /// Integer attribute `name`, if known and non-null.
    pub fn i64_attr(&self, name: &str) -> Option<i64> {
        self.attr(name).as_i64()
    }
    /// Bool attribute `name`, if known and non-null.
    pub fn bool_attr(&self, name: &str) -> Option<bool> {
        self.attr(name).as_bool()
    }
    /// A list/set of strings attribute; known non-string elements are skipped.
    pub fn str_list_attr(&self, name: &str) -> Option<Vec<String>> {
        self.attr(name).as_list().map(|v| {
            v.iter()
                .filter_map(|e| e.as_str().map(str::to_string))
                .collect()
        })
    }
    /// A map of strings attribute.
    pub fn str_map_attr(&self, name: &str) -> Option<BTreeMap<String, String>> {
        self.attr(name).as_map().map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
    }

    /// A list of strings.
    pub fn str_list<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
        Value::List(items.into_iter().map(|s| Value::String(s.into())).collect())
    }
    /// A set of strings.
    pub fn str_set<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
        Value::Set(items.into_iter().map(|s| Value::String(s.into())).collect())
    }
    /// A map of strings.
    pub fn str_map<I: IntoIterator<Item = (K, V)>, K: Into<String>, V: Into<String>>(
        items: I,
    ) -> Value {
        Value::Map(
            items
                .into_iter()
                .map(|(k, v)| (k.into(), Value::String(v.into())))
                .collect(),
        )
    }
    /// An object from `(name, value)` pairs.
    pub fn object<I: IntoIterator<Item = (K, Value)>, K: Into<String>>(items: I) -> Value {
        Value::Object(items.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Equality where sets compare as sets (order-insensitive), recursively.
    pub fn semantic_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Set(a), Value::Set(b)) => {
                a.len() == b.len()
                    && a.iter().all(|x| b.iter().any(|y| x.semantic_eq(y)))
                    && b.iter().all(|y| a.iter().any(|x| x.semantic_eq(y)))
            }
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.semantic_eq(y))
            }
            (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, x)| b.get(k).is_some_and(|y| x.semantic_eq(y)))
            }
            (Value::Number(a), Value::Number(b)) => a == b,
            _ => self == other,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::String(s.clone())
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n as f64)
    }
}
impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Number(n as f64)
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Number(n as f64)
    }
}
impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "no attribute `image_cahce_name`")]
    fn a_misspelt_attribute_name_panics_in_strict_mode() {
        let v = Value::object([("image_cache_name", Value::from("web"))]);
        with_strict_names(|| v.attr("image_cahce_name").is_null());
    }

    #[test]
    fn outside_strict_mode_a_missing_attribute_reads_as_null() {
        let v = Value::object([("a", Value::from("x"))]);
        assert!(v.attr("b").is_null());
        assert_eq!(with_strict_names(|| v.str_attr("a")), Some("x"));
    }

    #[test]
    fn accessors_are_total() {
        let v = Value::object([
            ("s", Value::from("x")),
            ("n", Value::from(20i64)),
            ("u", Value::Unknown),
            ("l", Value::str_set(["b", "a"])),
        ]);
        assert_eq!(v.str_attr("s"), Some("x"));
        assert_eq!(v.i64_attr("n"), Some(20));
        assert_eq!(v.str_attr("u"), None);
        assert_eq!(v.str_attr("missing"), None);
        assert!(!v.is_fully_known());
        assert_eq!(Value::Null.attr("x"), &Value::Null);
        assert_eq!(Value::Number(1.5).as_i64(), None);
    }

    #[test]
    fn sets_compare_without_order() {
        assert!(Value::str_set(["a", "b"]).semantic_eq(&Value::str_set(["b", "a"])));
        assert!(!Value::str_set(["a", "b"]).semantic_eq(&Value::str_set(["a", "c"])));
        assert!(!Value::str_list(["a", "b"]).semantic_eq(&Value::str_list(["b", "a"])));
    }
}
