//! `PlanResourceChange`, in terraform-plugin-framework's order:
//!
//! 1. destroy (proposed null) plans null, and nothing else runs;
//! 2. planned = proposed, with `default`s for computed attributes the
//!    configuration leaves null, and write-only attributes nulled;
//! 3. computed attributes the configuration leaves null become unknown on create,
//!    and on update only if something else changed (`stable` ones keep their prior
//!    value, and those with `changed_by` keep it unless one of their arguments
//!    changed). If nothing changed, planned = prior exactly, so a re-plan is empty
//!    even when a set arrives in another order;
//! 4. `requires_replace` from the attributes' `replace` behaviour;
//! 5. the resource's `modify_plan`; then paths are sorted and de-duplicated.
//!
//! Nested blocks are planned element by element: a list element pairs with the
//! configuration element at its index, a set element with the configuration
//! element carrying the same configured values.

use super::objects::{
    differs_ignoring_timeouts, instances, instances_mut, null_write_only, TIMEOUTS,
};
use super::{decode, encode, log_done, private, Driver};
use crate::tf::path::AttributePath;
use crate::tf::protocol::{PlanResourceChangeRequest, PlanResourceChangeResponse};
use crate::tf::provider::PlanChange;
use crate::tf::schema::{Block, NestedBlock, Nesting, Presence, Replace, Schema};
use crate::tf::value::with_strict_names;
use crate::tf::{Provider, Value};

impl<P: Provider> Driver<P> {
    pub(super) fn plan(&self, req: PlanResourceChangeRequest) -> PlanResourceChangeResponse {
        const RPC: &str = "PlanResourceChange";
        let mut resp = PlanResourceChangeResponse {
            planned_private: req.prior_private.clone(),
            ..Default::default()
        };
        let diags = &mut resp.diagnostics;
        let Some(r) = self.resource(&req.type_name, diags) else {
            return resp;
        };
        let prior = decode(&req.prior_state, &r.ty, "prior state", diags);
        let proposed = decode(&req.proposed_new_state, &r.ty, "proposed new state", diags);
        let config = decode(&req.config, &r.ty, "configuration", diags);
        let (Some(prior), Some(proposed), Some(config)) = (prior, proposed, config) else {
            return resp;
        };

        let adopting = private::is_imported(&req.prior_private);
        let (mut planned, mut requires_replace) =
            plan_values(&r.schema, &prior, proposed, &config, adopting);
        if !planned.is_null() {
            with_strict_names(|| {
                r.imp.modify_plan(PlanChange {
                    prior: (!prior.is_null()).then_some(&prior),
                    adopting,
                    config: &config,
                    planned: &mut planned,
                    requires_replace: &mut requires_replace,
                    diags,
                });
            });
            // The hook may not break the invariants Terraform checks.
            null_write_only(&r.schema.block, &mut planned);
            requires_replace.sort();
            requires_replace.dedup();
        }
        resp.planned_state = encode(&planned, &r.ty, diags);
        resp.requires_replace = requires_replace;
        log_done(RPC, &resp.diagnostics);
        resp
    }
}

/// The generic plan: steps 1 to 4 of the module doc.
pub(super) fn plan_values(
    schema: &Schema,
    prior: &Value,
    proposed: Value,
    config: &Value,
    adopting: bool,
) -> (Value, Vec<AttributePath>) {
    if proposed.is_null() {
        return (Value::Null, Vec::new());
    }
    let block = &schema.block;
    let mut planned = proposed;
    apply_defaults(block, config, &mut planned);
    null_write_only(block, &mut planned);
    if prior.is_null() {
        mark_computed_unknown(block, config, &mut planned);
    } else if differs_ignoring_timeouts(prior, &planned) {
        mark_computed_unknown(block, config, &mut planned);
        keep_values_the_change_cannot_move(block, prior, &mut planned);
    } else {
        // Nothing to do remotely: keep the prior state byte for byte (set order
        // included), carrying over only a changed `timeouts` block.
        let timeouts = planned.attr(TIMEOUTS).clone();
        planned = prior.clone();
        if block.blocks.contains_key(TIMEOUTS) {
            planned.set_attr(TIMEOUTS, timeouts);
        }
    }
    let requires_replace = if prior.is_null() {
        Vec::new()
    } else {
        replace_paths(block, prior, &planned, adopting)
    };
    (planned, requires_replace)
}

/// Plans `default` for computed attributes whose configuration is null.
fn apply_defaults(block: &Block, config: &Value, planned: &mut Value) {
    for (name, attr) in &block.attributes {
        if let Some(default) = &attr.default {
            if attr.is_computed() && config.attr(name).is_null() {
                planned.set_attr(name, default.clone());
            }
        }
    }
    for_each_block_instance(block, config, planned, apply_defaults);
}

/// Marks computed attributes the configuration leaves null (and that have no
/// default) unknown; `stable` ones keep a non-null planned (prior) value.
fn mark_computed_unknown(block: &Block, config: &Value, planned: &mut Value) {
    for (name, attr) in &block.attributes {
        if !attr.is_computed() || attr.default.is_some() || !config.attr(name).is_null() {
            continue;
        }
        if attr.stable && planned.attr(name).is_known_non_null() {
            continue;
        }
        planned.set_attr(name, Value::Unknown);
    }
    for_each_block_instance(block, config, planned, mark_computed_unknown);
}

/// Restores the prior value of computed attributes whose `changed_by` arguments
/// are all unchanged: the update cannot change them, so they stay known.
fn keep_values_the_change_cannot_move(block: &Block, prior: &Value, planned: &mut Value) {
    for (name, attr) in &block.attributes {
        let Some(triggers) = &attr.changed_by else {
            continue;
        };
        let moved = triggers.iter().any(|t| match block.blocks.get(*t) {
            // Computed values inside a block were just marked unknown: compare what
            // the configuration decides.
            Some(nb) => !without_computed(&nb.block, nb.nesting, prior.attr(t))
                .semantic_eq(&without_computed(&nb.block, nb.nesting, planned.attr(t))),
            None => !prior.attr(t).semantic_eq(planned.attr(t)),
        });
        if !moved && planned.attr(name).is_unknown() {
            planned.set_attr(name, prior.attr(name).clone());
        }
    }
}

/// A nested block's value with its computed-only attributes nulled, recursively.
fn without_computed(block: &Block, nesting: Nesting, v: &Value) -> Value {
    let mut v = v.clone();
    for inst in instances_mut(nesting, &mut v) {
        for (name, attr) in &block.attributes {
            if attr.presence == Presence::Computed {
                inst.set_attr(name, Value::Null);
            }
        }
        for (name, nb) in &block.blocks {
            let inner = without_computed(&nb.block, nb.nesting, inst.attr(name));
            inst.set_attr(name, inner);
        }
    }
    v
}

/// Calls `f(block, config element, planned element)` for every instance of every
/// nested block of `planned`.
fn for_each_block_instance(
    block: &Block,
    config: &Value,
    planned: &mut Value,
    f: fn(&Block, &Value, &mut Value),
) {
    for (name, nb) in &block.blocks {
        let config_value = config.attr(name);
        let Some(value) = planned.attr_mut(name) else {
            continue;
        };
        let configs = instances(nb.nesting, config_value);
        let pairs: Vec<Option<usize>> = match nb.nesting {
            Nesting::Single => vec![Some(0)],
            Nesting::List => (0..instances(nb.nesting, value).len()).map(Some).collect(),
            Nesting::Set => pair_set_elements(&nb.block, configs, instances(nb.nesting, value)),
        };
        for (inst, pair) in instances_mut(nb.nesting, value).iter_mut().zip(pairs) {
            let c = match nb.nesting {
                Nesting::Single => config_value,
                _ => pair.and_then(|i| configs.get(i)).unwrap_or(&Value::Null),
            };
            f(&nb.block, c, inst);
        }
    }
}

/// For each planned set element, the index of its configuration element: the
/// first unused one whose configured values it carries, else the same index.
fn pair_set_elements(block: &Block, configs: &[Value], planned: &[Value]) -> Vec<Option<usize>> {
    let mut used = vec![false; configs.len()];
    let mut pairs: Vec<Option<usize>> = planned
        .iter()
        .map(|p| {
            let i =
                (0..configs.len()).find(|&i| !used[i] && carries_config(block, &configs[i], p))?;
            used[i] = true;
            Some(i)
        })
        .collect();
    for (i, pair) in pairs.iter_mut().enumerate() {
        if pair.is_none() && used.get(i) == Some(&false) {
            used[i] = true;
            *pair = Some(i);
        }
    }
    pairs
}

/// True when `planned` holds every value `config` sets (computed attributes the
/// configuration leaves null may hold anything).
fn carries_config(block: &Block, config: &Value, planned: &Value) -> bool {
    let attrs_match = block.attributes.iter().all(|(name, attr)| {
        let c = config.attr(name);
        (attr.is_computed() && c.is_null()) || attr.write_only || c.semantic_eq(planned.attr(name))
    });
    attrs_match
        && block.blocks.iter().all(|(name, nb)| {
            let (c, p) = (config.attr(name), planned.attr(name));
            let (cs, ps) = (instances(nb.nesting, c), instances(nb.nesting, p));
            cs.len() == ps.len()
                && match nb.nesting {
                    Nesting::Set => ps
                        .iter()
                        .all(|p| cs.iter().any(|c| carries_config(&nb.block, c, p))),
                    _ => cs
                        .iter()
                        .zip(ps)
                        .all(|(c, p)| carries_config(&nb.block, c, p)),
                }
        })
}

/// Paths whose change forces replacement: top-level attributes by name, and a
/// nested block by its own name when a replacing attribute inside it changed
/// (element indexes mean nothing to Terraform for sets, so the block is named).
fn replace_paths(
    block: &Block,
    prior: &Value,
    planned: &Value,
    adopting: bool,
) -> Vec<AttributePath> {
    let mut paths = Vec::new();
    for (name, attr) in &block.attributes {
        if replaces(attr.replace, prior.attr(name), planned.attr(name), adopting) {
            paths.push(AttributePath::root(name));
        }
    }
    for (name, nb) in &block.blocks {
        if block_replaces(nb, prior.attr(name), planned.attr(name), adopting) {
            paths.push(AttributePath::root(name));
        }
    }
    paths
}

fn replaces(replace: Replace, prior: &Value, planned: &Value, adopting: bool) -> bool {
    match replace {
        Replace::Never => false,
        Replace::Always => !prior.semantic_eq(planned),
        // Filling in a value the API never returned (null after an import) adopts
        // the object instead of replacing it.
        Replace::UnlessAdopting => {
            let adopted = adopting && prior.is_null();
            !adopted && !prior.semantic_eq(planned)
        }
    }
}

/// True when a replacing attribute of one block instance changed.
fn instance_replaces(block: &Block, prior: &Value, planned: &Value, adopting: bool) -> bool {
    planned.is_unknown()
        || block.attributes.iter().any(|(name, attr)| {
            replaces(attr.replace, prior.attr(name), planned.attr(name), adopting)
        })
        || block
            .blocks
            .iter()
            .any(|(name, nb)| block_replaces(nb, prior.attr(name), planned.attr(name), adopting))
}

fn block_replaces(nb: &NestedBlock, prior: &Value, planned: &Value, adopting: bool) -> bool {
    if !has_replace(&nb.block) {
        return false;
    }
    if planned.is_unknown() {
        return true;
    }
    let none = &Value::Null;
    match nb.nesting {
        Nesting::Single => instance_replaces(&nb.block, prior, planned, adopting),
        Nesting::List => {
            let (ps, ns) = (instances(nb.nesting, prior), instances(nb.nesting, planned));
            (0..ps.len().max(ns.len())).any(|i| {
                instance_replaces(
                    &nb.block,
                    ps.get(i).unwrap_or(none),
                    ns.get(i).unwrap_or(none),
                    adopting,
                )
            })
        }
        Nesting::Set => {
            // Sets have no pairing: every element must find a counterpart that
            // does not replace, or be replaceable-free on its own.
            let (ps, ns) = (instances(nb.nesting, prior), instances(nb.nesting, planned));
            let planned_ok = ns.iter().all(|n| {
                ps.iter()
                    .any(|p| !instance_replaces(&nb.block, p, n, adopting))
                    || !instance_replaces(&nb.block, none, n, adopting)
            });
            let prior_ok = ps.iter().all(|p| {
                ns.iter()
                    .any(|n| !instance_replaces(&nb.block, p, n, adopting))
                    || !instance_replaces(&nb.block, p, none, adopting)
            });
            !(planned_ok && prior_ok)
        }
    }
}

fn has_replace(block: &Block) -> bool {
    block
        .attributes
        .values()
        .any(|a| a.replace != Replace::Never)
        || block.blocks.values().any(|nb| has_replace(&nb.block))
}

#[cfg(test)]
mod tests;
