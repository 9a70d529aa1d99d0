//! Schemas, declared as tables with their plan behaviour.
//!
//! An attribute carries everything the generic driver needs to plan it (presence,
//! replacement, stability of computed values, defaults, validators) and everything the
//! docs need (a Markdown description), so no resource computes its own diff and the
//! docs cannot drift from the code.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::tf::types::Type;
use crate::tf::validators::Validator;
use crate::tf::value::Value;

/// Whether the user sets an attribute, the provider does, or both.
/// Illegal combinations (required + computed) cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// The user must set it.
    Required,
    /// The user may set it; null when not set.
    Optional,
    /// Only the provider sets it.
    Computed,
    /// The user may set it; otherwise the provider (or the API) chooses the value.
    OptionalComputed,
}

/// When a change to an attribute forces a replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Replace {
    /// Changes are applied in place.
    #[default]
    Never,
    /// Any change replaces the resource.
    Always,
    /// A change replaces the resource, except filling in a null value of an
    /// object Terraform imported and has not applied since. Used for create-only
    /// values the API never returns: after an import they are null, and the first
    /// plan that fills them in adopts the object in place; on an object Terraform
    /// created, null means "not set at creation", so setting it later replaces it.
    UnlessAdopting,
}

/// What the docs say of a value the API never returns.
pub const NEVER_RETURNED: &str =
    "The API never returns it: it is kept from the configuration (after an import it is unknown until set).";

/// One attribute.
#[derive(Clone)]
pub struct Attribute {
    /// Its type.
    pub ty: Type,
    /// Who sets it.
    pub presence: Presence,
    /// Markdown description (the user documentation).
    pub description: String,
    /// Redacted in Terraform's UI.
    pub sensitive: bool,
    /// Write-only (Terraform >= 1.11): never stored in state.
    pub write_only: bool,
    /// Deprecation message shown when the attribute is set.
    pub deprecated: Option<String>,
    /// Replacement behaviour.
    pub replace: Replace,
    /// For computed attributes: keep the prior value in plans instead of marking it
    /// unknown when something else changes (terraform-plugin-framework's
    /// `UseStateForUnknown`).
    pub stable: bool,
    /// For computed attributes: the arguments (attributes or blocks of the same
    /// block) whose change can change this value. On an update that changes none
    /// of them the plan keeps the prior value known, so downstream references
    /// (`replace_triggered_by`, other resources' arguments) do not see a change
    /// the API call cannot make. `None`: any change may change it.
    pub changed_by: Option<Vec<&'static str>>,
    /// The API never returns it: it is kept from the configuration, and null after
    /// an import until the configuration sets it. Documented, and import tests
    /// expect it null.
    pub never_returned: bool,
    /// Value planned when the configuration leaves the attribute null
    /// (requires a computed presence).
    pub default: Option<Value>,
    /// Validators run on known, non-null configuration values.
    pub validators: Vec<Arc<dyn Validator>>,
}

impl std::fmt::Debug for Attribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attribute")
            .field("ty", &self.ty)
            .field("presence", &self.presence)
            .field("sensitive", &self.sensitive)
            .field("write_only", &self.write_only)
            .field("replace", &self.replace)
            .field("stable", &self.stable)
            .field("changed_by", &self.changed_by)
            .field("default", &self.default)
            .finish_non_exhaustive()
    }
}

impl Attribute {
    /// An attribute of type `ty` with the given presence.
    pub fn new(ty: Type, presence: Presence) -> Self {
        Attribute {
            ty,
            presence,
            description: String::new(),
            sensitive: false,
            write_only: false,
            deprecated: None,
            replace: Replace::Never,
            stable: false,
            changed_by: None,
            never_returned: false,
            default: None,
            validators: Vec::new(),
        }
    }
    /// Required attribute.
    pub fn required(ty: Type) -> Self {
        Self::new(ty, Presence::Required)
    }
    /// Optional attribute.
    pub fn optional(ty: Type) -> Self {
        Self::new(ty, Presence::Optional)
    }
    /// Computed attribute.
    pub fn computed(ty: Type) -> Self {
        Self::new(ty, Presence::Computed)
    }
    /// Optional attribute the provider fills in when unset.
    pub fn optional_computed(ty: Type) -> Self {
        Self::new(ty, Presence::OptionalComputed)
    }
    /// Sets the Markdown description.
    pub fn doc(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self
    }
    /// Marks it sensitive.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    /// Marks it write-only.
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }
    /// Marks it deprecated.
    pub fn deprecated(mut self, msg: impl Into<String>) -> Self {
        self.deprecated = Some(msg.into());
        self
    }
    /// Any change replaces the resource.
    pub fn replace_on_change(mut self) -> Self {
        self.replace = Replace::Always;
        self
    }
    /// A change replaces the resource, except filling in a value an import left null.
    pub fn replace_unless_adopting(mut self) -> Self {
        self.replace = Replace::UnlessAdopting;
        self
    }
    /// Keeps the prior computed value in plans.
    pub fn stable(mut self) -> Self {
        self.stable = true;
        self
    }
    /// Only a change to one of `arguments` can change this computed value on an
    /// update (see [`Attribute::changed_by`]); `&[]`: updates never change it.
    pub fn changed_by(mut self, arguments: &[&'static str]) -> Self {
        self.changed_by = Some(arguments.to_vec());
        self
    }
    /// The API never returns it (see [`Attribute::never_returned`]).
    pub fn never_returned(mut self) -> Self {
        self.never_returned = true;
        self
    }
    /// Planned value when the configuration is null.
    pub fn default_value(mut self, v: impl Into<Value>) -> Self {
        self.default = Some(v.into());
        self
    }
    /// Adds a validator.
    pub fn validate(mut self, v: impl Validator + 'static) -> Self {
        self.validators.push(Arc::new(v));
        self
    }
    /// True for `Required`, `Optional` and `OptionalComputed`.
    pub fn is_configurable(&self) -> bool {
        self.presence != Presence::Computed
    }
    /// True for `Computed` and `OptionalComputed`.
    pub fn is_computed(&self) -> bool {
        matches!(
            self.presence,
            Presence::Computed | Presence::OptionalComputed
        )
    }
    /// The description with the behaviour the driver enforces appended, for docs
    /// and for Terraform's schema (`terraform providers schema -json`).
    pub fn full_description(&self) -> String {
        let mut d = self.description.trim_end().to_string();
        let mut extra: Vec<String> = Vec::new();
        for v in &self.validators {
            extra.push(v.description());
        }
        if let Some(def) = &self.default {
            extra.push(format!("Defaults to `{}`.", display_value(def)));
        }
        match self.replace {
            Replace::Always => extra.push("Changing this replaces the resource.".into()),
            Replace::UnlessAdopting => extra.push(
                "Changing this replaces the resource (filling it in after an import does not)."
                    .into(),
            ),
            Replace::Never => {}
        }
        if self.never_returned {
            extra.push(NEVER_RETURNED.into());
        }
        for e in extra {
            if !d.is_empty() && !d.ends_with('.') && !d.ends_with(')') {
                d.push('.');
            }
            if !d.is_empty() {
                d.push(' ');
            }
            d.push_str(&e);
        }
        d
    }
}

fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => format!("{v:?}"),
    }
}

/// How a nested block repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most one; null when absent.
    Single,
    /// Ordered list of blocks.
    List,
    /// Unordered set of blocks.
    Set,
}

/// A nested block.
#[derive(Debug, Clone)]
pub struct NestedBlock {
    /// How it repeats.
    pub nesting: Nesting,
    /// Its content.
    pub block: Block,
    /// Minimum count (0 = optional).
    pub min_items: i64,
    /// Maximum count (0 = unlimited).
    pub max_items: i64,
}

/// A block: attributes and nested blocks.
#[derive(Debug, Clone, Default)]
pub struct Block {
    /// Attributes by name.
    pub attributes: BTreeMap<String, Attribute>,
    /// Nested blocks by name.
    pub blocks: BTreeMap<String, NestedBlock>,
    /// Markdown description.
    pub description: String,
    /// Deprecated block.
    pub deprecated: bool,
    /// As a nested block: the API never returns it (see [`Attribute::never_returned`]).
    pub never_returned: bool,
}

impl Block {
    /// An empty block with a description.
    pub fn new(description: impl Into<String>) -> Self {
        Block {
            description: description.into(),
            ..Default::default()
        }
    }
    /// As a nested block, the API never returns it (see [`Attribute::never_returned`]).
    pub fn never_returned(mut self) -> Self {
        self.never_returned = true;
        self
    }
    /// Names of the attributes and nested blocks the API never returns.
    pub fn never_returned_names(&self) -> Vec<&str> {
        let attrs = self.attributes.iter().filter(|(_, a)| a.never_returned);
        let blocks = self.blocks.iter().filter(|(_, b)| b.block.never_returned);
        attrs
            .map(|(n, _)| n.as_str())
            .chain(blocks.map(|(n, _)| n.as_str()))
            .collect()
    }
    /// Adds an attribute.
    pub fn attr(mut self, name: &str, a: Attribute) -> Self {
        self.attributes.insert(name.to_string(), a);
        self
    }
    /// Adds a nested block.
    pub fn block(mut self, name: &str, nesting: Nesting, block: Block) -> Self {
        self.blocks.insert(
            name.to_string(),
            NestedBlock {
                nesting,
                block,
                min_items: 0,
                max_items: 0,
            },
        );
        self
    }
    /// Adds a nested block with count limits.
    pub fn block_limited(
        mut self,
        name: &str,
        nesting: Nesting,
        block: Block,
        min: i64,
        max: i64,
    ) -> Self {
        self.blocks.insert(
            name.to_string(),
            NestedBlock {
                nesting,
                block,
                min_items: min,
                max_items: max,
            },
        );
        self
    }
    /// The cty object type of this block's values.
    pub fn value_type(&self) -> Type {
        let mut attrs: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|(k, a)| (k.clone(), a.ty.clone()))
            .collect();
        for (k, nb) in &self.blocks {
            let inner = nb.block.value_type();
            let t = match nb.nesting {
                Nesting::Single => inner,
                Nesting::List => Type::list(inner),
                Nesting::Set => Type::set(inner),
            };
            attrs.insert(k.clone(), t);
        }
        Type::Object(attrs)
    }
}

/// A resource, data source or provider schema.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Schema version for state upgrades.
    pub version: i64,
    /// The top-level block.
    pub block: Block,
    /// Operations with a `timeouts` entry and their defaults, e.g. `("create", 60 min)`.
    /// When non-empty the schema has a `timeouts` block with one optional string per entry.
    pub timeouts: Vec<(&'static str, Duration)>,
}

impl Schema {
    /// A version-0 schema from a block.
    pub fn new(block: Block) -> Self {
        Schema {
            version: 0,
            block,
            timeouts: Vec::new(),
        }
    }
    /// Adds a `timeouts` block with these operations and defaults.
    pub fn with_timeouts(mut self, ops: &[(&'static str, Duration)]) -> Self {
        let mut tb =
            Block::new("Time limits for operations, as durations such as `30s`, `10m` or `2h`.");
        for (op, d) in ops {
            tb = tb.attr(
                op,
                Attribute::optional(Type::String)
                    .doc(format!(
                        "How long to wait for the {op} operation (default `{}`).",
                        format_duration(*d)
                    ))
                    .validate(crate::tf::validators::DurationString),
            );
        }
        self.block.blocks.insert(
            "timeouts".to_string(),
            NestedBlock {
                nesting: Nesting::Single,
                block: tb,
                min_items: 0,
                max_items: 0,
            },
        );
        self.timeouts = ops.to_vec();
        self
    }
    /// The cty type of values of this schema.
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }
    /// The default timeout for `op`, if the schema declares one.
    pub fn default_timeout(&self, op: &str) -> Option<Duration> {
        self.timeouts
            .iter()
            .find(|(o, _)| *o == op)
            .map(|(_, d)| *d)
    }
}

/// Parses Go-style durations as users write them in `timeouts`: `30s`, `10m`, `1h30m`, `500ms`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += n * factor;
    }
    // Too large for a `Duration` (e.g. `99999999999999999999h`) is invalid, not a panic.
    Duration::try_from_secs_f64(total).ok()
}

/// Formats a duration the way users write it (`60m`, `30s`).
pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    if d.subsec_millis() != 0 {
        format!("{}ms", d.as_millis())
    } else if s > 0 && s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else if s > 0 && s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("5x"), None);
        // Bad input found by the bad-input corpus: used to panic in `from_secs_f64`.
        assert_eq!(parse_duration("99999999999999999999999h"), None);
        assert_eq!(parse_duration("."), None);
        assert_eq!(format_duration(Duration::from_secs(3600)), "1h");
        assert_eq!(format_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(format_duration(Duration::from_secs(600)), "10m");
    }

    #[test]
    fn block_type_includes_nested_blocks() {
        let b = Block::new("")
            .attr("name", Attribute::required(Type::String))
            .block(
                "cred",
                Nesting::Set,
                Block::new("").attr("server", Attribute::required(Type::String)),
            );
        assert_eq!(
            b.value_type(),
            Type::object([
                ("cred", Type::set(Type::object([("server", Type::String)]))),
                ("name", Type::String)
            ])
        );
    }

    #[test]
    fn description_states_behaviour() {
        let a = Attribute::optional(Type::String)
            .doc("The zone")
            .replace_on_change();
        assert_eq!(
            a.full_description(),
            "The zone. Changing this replaces the resource."
        );
    }
}
