//! Reusable attribute validators.
//!
//! A validator is a small value with a description (appended to the attribute's
//! documentation) and a check. Validators see only known, non-null values: the
//! driver skips null and unknown ones, so a value computed from another resource
//! is checked at plan time once known, never rejected early.

use crate::tf::diagnostics::Diagnostics;
use crate::tf::path::AttributePath;
use crate::tf::value::Value;

/// Checks one attribute value.
pub trait Validator: Send + Sync {
    /// One sentence for the docs, e.g. "Must be between 1 and 100 characters."
    fn description(&self) -> String;
    /// Adds an error at `path` when `value` (known, non-null) is invalid.
    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics);
}

fn invalid(diags: &mut Diagnostics, path: &AttributePath, detail: String) {
    diags.error_at(path.clone(), "Invalid attribute value", detail);
}

/// String length in characters, inclusive bounds.
pub struct StringLength(pub usize, pub usize);
impl Validator for StringLength {
    fn description(&self) -> String {
        if self.0 == self.1 {
            format!("Must be {} characters long.", self.0)
        } else {
            format!("Must be between {} and {} characters long.", self.0, self.1)
        }
    }
    fn validate(&self, path: &AttributePath, v: &Value, diags: &mut Diagnostics) {
        if let Some(s) = v.as_str() {
            let n = s.chars().count();
            if n < self.0 || n > self.1 {
                invalid(
                    diags,
                    path,
                    format!("`{path}` is {n} characters long. {}", self.description()),
                );
            }
        }
    }
}

/// One of a fixed set of strings.
pub struct OneOf(pub &'static [&'static str]);
impl Validator for OneOf {
    fn description(&self) -> String {
        let quoted: Vec<String> = self.0.iter().map(|s| format!("`{s}`")).collect();
        format!("Must be one of {}.", quoted.join(", "))
    }
    fn validate(&self, path: &AttributePath, v: &Value, diags: &mut Diagnostics) {
        if let Some(s) = v.as_str() {
            if !self.0.contains(&s) {
                invalid(
                    diags,
                    path,
                    format!("`{path}` is {s:?}. {}", self.description()),
                );
            }
        }
    }
}

/// An integer within inclusive bounds.
pub struct IntBetween(pub i64, pub i64);
impl Validator for IntBetween {
    fn description(&self) -> String {
        format!("Must be a whole number between {} and {}.", self.0, self.1)
    }
    fn validate(&self, path: &AttributePath, v: &Value, diags: &mut Diagnostics) {
        if let Some(n) = v.as_f64() {
            let ok = v.as_i64().is_some_and(|i| i >= self.0 && i <= self.1);
            if !ok {
                invalid(
                    diags,
                    path,
                    format!("`{path}` is {n}. {}", self.description()),
                );
            }
        }
    }
}

/// Element count of a known list, set or map, inclusive bounds.
pub struct SizeBetween(pub usize, pub usize);
impl Validator for SizeBetween {
    fn description(&self) -> String {
        format!("Must have between {} and {} elements.", self.0, self.1)
    }
    fn validate(&self, path: &AttributePath, v: &Value, diags: &mut Diagnostics) {
        let n = match v {
            Value::List(l) | Value::Set(l) => l.len(),
            Value::Map(m) => m.len(),
            _ => return,
        };
        if n < self.0 || n > self.1 {
            invalid(
                diags,
                path,
                format!("`{path}` has {n} elements. {}", self.description()),
            );
        }
    }
}

/// Matches a regular expression (whole string); `what` explains the rule in words.
pub struct Matches {
    re: regex_lite::Regex,
    what: &'static str,
}
impl Matches {
    /// `pattern` is anchored automatically.
    pub fn new(pattern: &str, what: &'static str) -> Self {
        let re = regex_lite::Regex::new(&format!("^(?:{pattern})$"))
            .expect("validator pattern is valid");
        Matches { re, what }
    }
}
impl Validator for Matches {
    fn description(&self) -> String {
        format!("Must be {}.", self.what)
    }
    fn validate(&self, path: &AttributePath, v: &Value, diags: &mut Diagnostics) {
        if let Some(s) = v.as_str() {
            if !self.re.is_match(s) {
                invalid(
                    diags,
                    path,
                    format!("`{path}` is {s:?}. {}", self.description()),
                );
            }
        }
    }
}

/// A Go-style duration (`30s`, `10m`, `1h30m`).
pub struct DurationString;
impl Validator for DurationString {
    fn description(&self) -> String {
        "Must be a duration longer than zero such as `30s`, `10m` or `1h30m`.".into()
    }
    fn validate(&self, path: &AttributePath, v: &Value, diags: &mut Diagnostics) {
        if let Some(s) = v.as_str() {
            // A zero timeout would fail every operation before its first call.
            if crate::tf::schema::parse_duration(s).is_none_or(|d| d.is_zero()) {
                invalid(
                    diags,
                    path,
                    format!("`{path}` is {s:?}. {}", self.description()),
                );
            }
        }
    }
}

/// Applies a validator to every element of a list/set, or every value of a map.
pub struct Each<V>(pub V);
impl<V: Validator> Validator for Each<V> {
    fn description(&self) -> String {
        format!("Each element: {}", self.0.description())
    }
    fn validate(&self, path: &AttributePath, v: &Value, diags: &mut Diagnostics) {
        match v {
            Value::List(l) | Value::Set(l) => {
                for (i, e) in l.iter().enumerate() {
                    if e.is_known_non_null() {
                        self.0.validate(&path.index(i), e, diags);
                    }
                }
            }
            Value::Map(m) => {
                for (k, e) in m {
                    if e.is_known_non_null() {
                        self.0.validate(&path.key(k), e, diags);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(v: &dyn Validator, value: Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        v.validate(&AttributePath::root("a"), &value, &mut d);
        d
    }

    #[test]
    fn validators_point_at_the_attribute() {
        let d = check(&IntBetween(1, 3650), Value::from(4000i64));
        assert!(d.has_errors());
        assert_eq!(d.0[0].attribute, Some(AttributePath::root("a")));
        assert!(!check(&IntBetween(1, 3650), Value::from(7i64)).has_errors());
        assert!(check(&IntBetween(1, 10), Value::Number(1.5)).has_errors());
        assert!(check(&StringLength(1, 3), Value::from("abcd")).has_errors());
        assert!(check(&OneOf(&["URL", "NAS"]), Value::from("FTP")).has_errors());
        assert!(check(&SizeBetween(1, 2), Value::str_list(Vec::<String>::new())).has_errors());
        assert!(check(
            &Matches::new("sg-[a-z0-9]+", "a security group ID"),
            Value::from("xx")
        )
        .has_errors());
        assert!(!check(
            &Matches::new("sg-[a-z0-9]+", "a security group ID"),
            Value::from("sg-1")
        )
        .has_errors());
        let d = check(&Each(StringLength(1, 2)), Value::str_map([("k", "abc")]));
        assert_eq!(d.0[0].attribute, Some(AttributePath::root("a").key("k")));
    }
}
