//! The protocol's schema rules, checked before Terraform sees a schema.
//!
//! Terraform rejects some schemas outright and misbehaves on others (a default on
//! a non-computed attribute makes every plan inconsistent with the configuration).
//! [`check_schema`] names each problem; `GetProviderSchema` reports them as
//! diagnostics, and [`assert_schemas_valid`] lets a unit test walk every
//! registered schema.

use crate::tf::msgpack;
use crate::tf::path::AttributePath;
use crate::tf::provider::Provider;
use crate::tf::schema::{Block, Nesting, Presence, Replace, Schema};

/// Meta-arguments Terraform reserves in every resource and data source block.
const RESERVED: &[&str] = &[
    "connection",
    "count",
    "depends_on",
    "for_each",
    "lifecycle",
    "provider",
    "provisioner",
];

/// Every way `schema` breaks the protocol's rules, one sentence each, naming the
/// attribute. Empty when the schema is fine.
pub fn check_schema(schema: &Schema) -> Vec<String> {
    let mut problems = Vec::new();
    let block = &schema.block;
    for name in block.attributes.keys().chain(block.blocks.keys()) {
        if RESERVED.contains(&name.as_str()) {
            problems.push(format!(
                "`{name}`: reserved by Terraform as a meta-argument"
            ));
        }
    }
    check_block(block, &AttributePath::empty(), false, &mut problems);
    problems
}

/// The top-level attributes and blocks of `block` that are neither in `read_back`
/// (what the resource copies from the API), nor computed, nor marked
/// `never_returned`, nor `timeouts`: each one is a value a refresh would silently
/// keep from state without the schema saying so. Resources test that it is empty.
pub fn unaccounted(block: &Block, read_back: &[&str]) -> Vec<String> {
    let attrs = block
        .attributes
        .iter()
        .filter(|(_, a)| !a.is_computed() && !a.never_returned)
        .map(|(n, _)| n);
    let blocks = block
        .blocks
        .iter()
        .filter(|(n, b)| !b.block.never_returned && n.as_str() != "timeouts")
        .map(|(n, _)| n);
    attrs
        .chain(blocks)
        .filter(|n| !read_back.contains(&n.as_str()))
        .cloned()
        .collect()
}

fn check_block(block: &Block, path: &AttributePath, in_set: bool, out: &mut Vec<String>) {
    for (name, a) in &block.attributes {
        let p = path.attr(name);
        let mut problem = |msg: &str| out.push(format!("`{p}`: {msg}"));
        if !valid_name(name) {
            problem("names are lowercase letters, digits and underscores, starting with a letter");
        }
        if block.blocks.contains_key(name) {
            problem("is both an attribute and a nested block");
        }
        if a.description.trim().is_empty() {
            problem("has no description (descriptions are the user documentation)");
        }
        if a.write_only && a.is_computed() {
            problem("write-only attributes cannot be computed");
        }
        if a.write_only && in_set {
            problem("write-only attributes cannot be inside a set block");
        }
        if a.write_only && a.replace != Replace::Never {
            problem("write-only attributes are never in state, so they cannot force replacement");
        }
        if a.stable && !a.is_computed() {
            problem("`stable` only applies to computed attributes");
        }
        if a.never_returned && a.presence == Presence::Computed {
            problem("`never_returned` applies to arguments: a computed value comes from the API");
        }
        if let Some(triggers) = &a.changed_by {
            if !a.is_computed() {
                problem("`changed_by` only applies to computed attributes");
            }
            for t in triggers {
                if !block.attributes.contains_key(*t) && !block.blocks.contains_key(*t) {
                    problem(&format!(
                        "`changed_by` names `{t}`, which this block does not have"
                    ));
                }
            }
        }
        if let Some(d) = &a.default {
            if !a.is_computed() {
                problem("a default needs a computed presence, or Terraform sees a plan that differs from the configuration");
            }
            if d.is_null() || !d.is_fully_known() || msgpack::encode(d, &a.ty).is_err() {
                problem("the default is not a known value of the attribute's type");
            }
        }
    }
    for (name, nb) in &block.blocks {
        let p = path.attr(name);
        let mut problem = |msg: &str| out.push(format!("`{p}`: {msg}"));
        if !valid_name(name) {
            problem("names are lowercase letters, digits and underscores, starting with a letter");
        }
        if nb.min_items < 0 || nb.max_items < 0 {
            problem("item limits cannot be negative");
        }
        if nb.max_items > 0 && nb.min_items > nb.max_items {
            problem("min_items is larger than max_items");
        }
        if nb.nesting == Nesting::Single && (nb.min_items > 1 || nb.max_items > 1) {
            problem("a single block holds at most one item");
        }
        check_block(&nb.block, &p, in_set || nb.nesting == Nesting::Set, out);
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Panics with every problem of `schema`, naming it `what`. For unit tests.
pub fn assert_schema_valid(what: &str, schema: &Schema) {
    let problems = check_schema(schema);
    assert!(
        problems.is_empty(),
        "{what} breaks the protocol's schema rules:\n- {}",
        problems.join("\n- ")
    );
}

/// Panics with every problem of every schema `provider` registers: its own, each
/// resource's and each data source's, and duplicate type names. For unit tests:
/// `assert_schemas_valid(&MyProvider::default())`.
pub fn assert_schemas_valid<P: Provider>(provider: &P) {
    let mut schemas = vec![("provider", provider.schema(), "provider")];
    schemas.extend(
        provider
            .resources()
            .iter()
            .map(|r| (r.type_name(), r.schema(), "resource")),
    );
    schemas.extend(
        provider
            .data_sources()
            .iter()
            .map(|d| (d.type_name(), d.schema(), "data source")),
    );
    let mut problems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (name, schema, kind) in schemas {
        problems.extend(
            check_schema(&schema)
                .into_iter()
                .map(|p| format!("{name}: {p}")),
        );
        if !seen.insert((kind, name)) {
            problems.push(format!("{name}: registered twice as a {kind}"));
        }
    }
    assert!(
        problems.is_empty(),
        "schemas break the protocol's rules:\n- {}",
        problems.join("\n- ")
    );
}

#[cfg(test)]
mod tests {
    use super::super::testing::{FakeClient, FakeProvider, FakeResource};
    use super::*;
    use crate::tf::provider::{DataSource, Resource};
    use crate::tf::schema::Attribute;
    use crate::tf::types::Type;
    use std::time::Duration;

    fn doc(a: Attribute) -> Attribute {
        a.doc("Something.")
    }

    #[test]
    fn a_good_schema_has_no_problems() {
        let s = Schema::new(
            Block::new("A thing.")
                .attr("id", doc(Attribute::computed(Type::String)).stable())
                .attr(
                    "size",
                    doc(Attribute::optional_computed(Type::Number)).default_value(20i64),
                )
                .attr(
                    "password",
                    doc(Attribute::optional(Type::String)).write_only(),
                )
                .block(
                    "cred",
                    Nesting::List,
                    Block::new("c").attr("server", doc(Attribute::required(Type::String))),
                ),
        )
        .with_timeouts(&[("create", Duration::from_secs(60))]);
        assert_eq!(check_schema(&s), Vec::<String>::new());
    }

    #[test]
    fn each_rule_names_the_attribute() {
        let s = Schema::new(
            Block::new("")
                .attr("count", doc(Attribute::optional(Type::String)))
                .attr("nodoc", Attribute::optional(Type::String))
                .attr(
                    "wo",
                    doc(Attribute::optional_computed(Type::String)).write_only(),
                )
                .attr(
                    "def",
                    doc(Attribute::optional(Type::String)).default_value("x"),
                )
                .attr(
                    "badtype",
                    doc(Attribute::optional_computed(Type::Number)).default_value("x"),
                )
                .attr("stab", doc(Attribute::optional(Type::String)).stable())
                .attr(
                    "moved",
                    doc(Attribute::computed(Type::String)).changed_by(&["stab", "nmae"]),
                )
                .attr("Bad-Name", doc(Attribute::optional(Type::String)))
                .block_limited(
                    "creds",
                    Nesting::Set,
                    Block::new("").attr("pw", doc(Attribute::optional(Type::String)).write_only()),
                    3,
                    2,
                )
                .block_limited("one", Nesting::Single, Block::new(""), 0, 2),
        );
        let problems = check_schema(&s).join("\n");
        for expected in [
            "`count`: reserved",
            "`nodoc`: has no description",
            "`wo`: write-only attributes cannot be computed",
            "`def`: a default needs a computed presence",
            "`badtype`: the default is not a known value",
            "`stab`: `stable` only applies",
            "`moved`: `changed_by` names `nmae`, which this block does not have",
            "`Bad-Name`: names are",
            "`creds.pw`: write-only attributes cannot be inside a set block",
            "`creds`: min_items is larger",
            "`one`: a single block holds at most one item",
        ] {
            assert!(
                problems.contains(expected),
                "missing {expected:?} in:\n{problems}"
            );
        }
    }

    #[test]
    fn the_fake_provider_passes_and_duplicates_are_caught() {
        let fake = FakeProvider {
            thing: Default::default(),
        };
        assert_schemas_valid(&fake);
        let result = std::panic::catch_unwind(|| assert_schemas_valid(&Twice));
        let message = *result.unwrap_err().downcast::<String>().unwrap();
        assert!(
            message.contains("fake_thing: registered twice as a resource"),
            "{message}"
        );
    }

    /// Registers the same resource type twice.
    struct Twice;

    #[async_trait::async_trait]
    impl Provider for Twice {
        type Client = FakeClient;
        fn schema(&self) -> Schema {
            Schema::new(Block::new("Twice."))
        }
        async fn configure(
            &self,
            _: &crate::tf::Value,
            _: &mut crate::tf::Diagnostics,
        ) -> Option<FakeClient> {
            None
        }
        fn resources(&self) -> Vec<std::sync::Arc<dyn Resource<FakeClient>>> {
            let r = std::sync::Arc::new(FakeResource::default());
            vec![r.clone(), r]
        }
        fn data_sources(&self) -> Vec<std::sync::Arc<dyn DataSource<FakeClient>>> {
            Vec::new()
        }
    }
}
