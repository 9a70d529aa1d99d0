//! Attribute paths: where in a resource a value or a diagnostic lives.

use std::fmt;

/// One step of an [`AttributePath`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// An object attribute or nested block by name.
    Attr(String),
    /// A map element by key.
    Key(String),
    /// A list or tuple element by index.
    Index(i64),
}

/// A path such as `image_registry_credential[0].password`, built immutably.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttributePath(pub Vec<Step>);

impl AttributePath {
    /// The empty path (the resource itself).
    pub fn empty() -> Self {
        AttributePath(Vec::new())
    }
    /// A path starting at top-level attribute `name`.
    pub fn root(name: &str) -> Self {
        AttributePath(vec![Step::Attr(name.to_string())])
    }
    /// This path followed by attribute `name`.
    pub fn attr(&self, name: &str) -> Self {
        self.with(Step::Attr(name.to_string()))
    }
    /// This path followed by map key `key`.
    pub fn key(&self, key: &str) -> Self {
        self.with(Step::Key(key.to_string()))
    }
    /// This path followed by list index `i`.
    pub fn index(&self, i: usize) -> Self {
        self.with(Step::Index(i as i64))
    }
    fn with(&self, step: Step) -> Self {
        let mut steps = self.0.clone();
        steps.push(step);
        AttributePath(steps)
    }
    /// True for the empty path.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// HCL form, for logs and messages: `a.b[0]["k"]`.
impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Attr(n) if i == 0 => write!(f, "{n}")?,
                Step::Attr(n) => write!(f, ".{n}")?,
                Step::Key(k) => write!(f, "[{k:?}]")?,
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_hcl() {
        let p = AttributePath::root("image_registry_credential")
            .index(0)
            .attr("password");
        assert_eq!(p.to_string(), "image_registry_credential[0].password");
        assert_eq!(
            AttributePath::root("tags").key("env").to_string(),
            "tags[\"env\"]"
        );
    }
}
