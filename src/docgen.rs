//! Registry documentation (`docs/`) rendered from the schemas and the example files.
//!
//! Schema descriptions are the one source of the docs, so they cannot drift from the
//! code: a unit test renders every page and fails when `docs/` differs; run
//! `UPDATE_DOCS=1 cargo test --lib docgen` to rewrite them.

use std::fmt::Write;

use crate::tf::schema::{Block, Nesting, Presence};
use crate::tf::{Provider, Schema, Type};

/// One page: its path under `docs/` and its Markdown.
pub struct Page {
    /// e.g. `resources/eci_image_cache.md`
    pub path: String,
    /// The Markdown text.
    pub text: String,
}

/// Every page of the provider, given a way to read example files (`examples/...`).
pub fn pages<P: Provider>(
    provider: &P,
    read_example: impl Fn(&str) -> Option<String>,
) -> Vec<Page> {
    let mut pages = vec![Page {
        path: "index.md".into(),
        text: render_index(&provider.schema(), read_example("provider/provider.tf")),
    }];
    for r in provider.resources() {
        let name = r.type_name();
        let text = render(
            name,
            "Resource",
            &r.schema(),
            read_example(&format!("resources/{name}/resource.tf")),
            read_example(&format!("resources/{name}/import.sh")),
        );
        pages.push(Page {
            path: format!("resources/{}.md", short(name)),
            text,
        });
    }
    for d in provider.data_sources() {
        let name = d.type_name();
        let text = render(
            name,
            "Data Source",
            &d.schema(),
            read_example(&format!("data-sources/{name}/data-source.tf")),
            None,
        );
        pages.push(Page {
            path: format!("data-sources/{}.md", short(name)),
            text,
        });
    }
    pages
}

/// The type name without the provider prefix (`aliyun_eci_image_cache` → `eci_image_cache`).
fn short(type_name: &str) -> &str {
    type_name.strip_prefix("aliyun_").unwrap_or(type_name)
}

fn subcategory(type_name: &str) -> &'static str {
    if short(type_name).starts_with("ecs_") {
        "ECS"
    } else {
        "ECI"
    }
}

fn first_sentence(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match s.find(". ") {
        Some(i) => s[..=i].to_string(),
        None => s,
    }
}

fn render_index(schema: &Schema, example: Option<String>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "---\npage_title: \"Provider: Alibaba Cloud (aliyun)\"\ndescription: |-\n  {}\n---\n\n# aliyun Provider\n\n{}\n\n",
        first_sentence(&schema.block.description),
        schema.block.description
    );
    out.push_str(
        "Plans are exact: a second plan after an apply is empty, an update sends only what changed, and \
         values the API never returns (security groups, vSwitches, credentials) are kept from state, so an \
         imported resource is adopted in place, never replaced. Every API call is retried on throttling and \
         server errors with jittered backoff, and every create carries a `ClientToken`, so retries never \
         create duplicates.\n\n",
    );
    if let Some(ex) = example {
        let _ = write!(
            out,
            "## Example Usage\n\n```terraform\n{}\n```\n\n",
            ex.trim_end()
        );
    }
    out.push_str(
        "## Authentication\n\n\
         Credentials are looked for in this order; the first source found is used:\n\n\
         1. In the provider block: `access_key` + `secret_key` (+ `security_token`), then \
         `assume_role_with_oidc`, `profile`, `credentials_uri`, `ecs_role_name`.\n\
         2. In the environment, in the same order: the AccessKey of the first family that has both an id \
         and a secret (`ALIBABA_CLOUD_ACCESS_KEY_ID`/`_SECRET`/`_SECURITY_TOKEN`, then `ALICLOUD_ACCESS_KEY`/\
         `ALICLOUD_SECRET_KEY`/`ALICLOUD_SECURITY_TOKEN`, then `ALIBABACLOUD_ACCESS_KEY_ID`/`_SECRET`/\
         `_SECURITY_TOKEN`); `ALIBABA_CLOUD_ROLE_ARN` + `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` + \
         `ALIBABA_CLOUD_OIDC_TOKEN_FILE`; `ALIBABA_CLOUD_PROFILE` (or `ALICLOUD_PROFILE`); \
         `ALIBABA_CLOUD_CREDENTIALS_URI`; `ALIBABA_CLOUD_ECS_METADATA` (or `ALICLOUD_ECS_ROLE_NAME`).\n\
         3. The `current` profile of `~/.aliyun/config.json`.\n\
         4. The SDKs' INI file `~/.alibabacloud/credentials.ini` (or `credentials`, or \
         `ALIBABA_CLOUD_CREDENTIALS_FILE`), section `ALIBABA_CLOUD_PROFILE` or `default`.\n\n\
         `assume_role` then assumes its role with whichever credential was found, and keeps that source live. \
         With nothing found, the provider fails with one error listing what it tried. Static credentials cause \
         no network call; the other sources are fetched at the first API call and renewed before they expire \
         (a quarter of their lifetime before, between 3 and 15 minutes), and again if the cloud refuses them as \
         expired, so waits longer than a session succeed. A fixed `security_token` cannot be renewed. Each \
         provider block (alias) has its own credential. Configuring the provider makes no network call.\n\n",
    );
    out.push_str("## Schema\n\n");
    render_block(&mut out, &schema.block, "");
    out
}

fn render(
    type_name: &str,
    kind: &str,
    schema: &Schema,
    example: Option<String>,
    import: Option<String>,
) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "---\npage_title: \"{type_name} {kind} - terraform-provider-aliyun\"\nsubcategory: \"{}\"\ndescription: |-\n  {}\n---\n\n# {type_name} ({kind})\n\n{}\n\n",
        subcategory(type_name),
        first_sentence(&schema.block.description),
        schema.block.description
    );
    if let Some(ex) = example {
        let _ = write!(
            out,
            "## Example Usage\n\n```terraform\n{}\n```\n\n",
            ex.trim_end()
        );
    }
    out.push_str("## Schema\n\n");
    render_block(&mut out, &schema.block, "");
    if kind == "Resource" {
        render_plan_table(&mut out, &schema.block);
    }
    if let Some(import) = import {
        let _ = write!(
            out,
            "## Import\n\nImport is supported using the following syntax:\n\n```shell\n{}\n```\n",
            import.trim_end()
        );
    }
    out
}

/// Which in-place changes make each read-only value unknown in a plan: what a
/// `replace_triggered_by` or another resource's argument keyed on it will see.
fn render_plan_table(out: &mut String, block: &Block) {
    let rows: Vec<String> = block
        .attributes
        .iter()
        .filter(|(_, a)| a.presence == Presence::Computed)
        .map(|(name, a)| {
            let when = match &a.changed_by {
                _ if a.stable => "never: kept from state".to_string(),
                Some(t) if t.is_empty() => {
                    "never by an update (a refresh reads its new value)".to_string()
                }
                Some(t) => t
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                None => "any argument".to_string(),
            };
            format!("| `{name}` | {when} |")
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "## Read-only values in plans\n\nAn in-place update plans a read-only value as \
         `(known after apply)` only when it changes an argument that can change that value; \
         otherwise the plan keeps the value from state, so references to it (for example \
         `replace_triggered_by`) do not see a change.\n\n\
         | Attribute | Unknown in plans that change |\n|---|---|\n{}\n\n",
        rows.join("\n")
    );
}

fn type_label(t: &Type) -> String {
    match t {
        Type::Bool => "Boolean".into(),
        Type::Number => "Number".into(),
        Type::String => "String".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(e) => format!("List of {}", type_label(e)),
        Type::Set(e) => format!("Set of {}", type_label(e)),
        Type::Map(e) => format!("Map of {}", type_label(e)),
        Type::Object(_) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

/// Writes a block's attributes grouped as Required / Optional / Read-Only, then its nested blocks.
fn render_block(out: &mut String, block: &Block, prefix: &str) {
    type Wanted = fn(Presence) -> bool;
    let groups: [(&str, Wanted); 3] = [
        ("Required", |p| p == Presence::Required),
        ("Optional", |p| {
            matches!(p, Presence::Optional | Presence::OptionalComputed)
        }),
        ("Read-Only", |p| p == Presence::Computed),
    ];
    for (title, wanted) in groups {
        let mut lines: Vec<String> = block
            .attributes
            .iter()
            .filter(|(_, a)| wanted(a.presence))
            .map(|(name, a)| {
                let mut flags = vec![type_label(&a.ty)];
                if a.sensitive {
                    flags.push("Sensitive".into());
                }
                if a.write_only {
                    flags.push("Write-only".into());
                }
                if a.deprecated.is_some() {
                    flags.push("Deprecated".into());
                }
                format!("- `{name}` ({}) {}", flags.join(", "), a.full_description())
            })
            .collect();
        let required_block = |nb: &crate::tf::schema::NestedBlock| nb.min_items > 0;
        let wanted_blocks: Option<bool> = match title {
            "Required" => Some(true),
            "Optional" => Some(false),
            _ => None,
        };
        if let Some(want_required) = wanted_blocks {
            let blocks = block
                .blocks
                .iter()
                .filter(|(_, nb)| required_block(nb) == want_required);
            lines.extend(blocks.map(|(name, nb)| {
                let anchor = format!("nestedblock--{prefix}{name}");
                let count = match (nb.nesting, nb.max_items) {
                    (Nesting::Single, _) | (_, 1) => "Block".to_string(),
                    (_, 0) => "Block List".to_string(),
                    (_, max) => format!("Block List, Max: {max}"),
                };
                let count = if nb.min_items > 0 {
                    count.replace("Block", &format!("Block, Min: {}", nb.min_items))
                } else {
                    count
                };
                let mut description = nb.block.description.trim_end().to_string();
                if nb.block.never_returned {
                    description = format!("{description} {}", crate::tf::schema::NEVER_RETURNED);
                }
                format!(
                    "- `{name}` ({count}) {description} (see [below for nested schema](#{anchor}))"
                )
            }));
            lines.sort();
        }
        if !lines.is_empty() {
            let _ = write!(out, "### {title}\n\n{}\n\n", lines.join("\n"));
        }
    }
    for (name, nb) in &block.blocks {
        let _ = write!(out, "<a id=\"nestedblock--{prefix}{name}\"></a>\n### Nested Schema for `{prefix}{name}`\n\n");
        render_block(out, &nb.block, &format!("{prefix}{name}."));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::AliyunProvider;
    use std::path::Path;

    #[test]
    fn docs_are_up_to_date() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let pages = pages(&AliyunProvider, |p| {
            std::fs::read_to_string(root.join("examples").join(p)).ok()
        });
        let update = std::env::var_os("UPDATE_DOCS").is_some();
        let mut stale = Vec::new();
        for page in &pages {
            let path = root.join("docs").join(&page.path);
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &page.text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(page.text.as_str()) {
                stale.push(page.path.clone());
            }
            assert!(
                page.text.len() < 500_000,
                "{} is over the Registry's 500 KB limit",
                page.path
            );
        }
        assert!(
            stale.is_empty(),
            "docs/ is stale for {stale:?}; run `UPDATE_DOCS=1 cargo test --lib docgen`"
        );
    }

    #[test]
    fn every_resource_page_has_an_example_and_every_attribute_a_description() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for page in pages(&AliyunProvider, |p| {
            std::fs::read_to_string(root.join("examples").join(p)).ok()
        }) {
            if page.path.starts_with("resources/") {
                assert!(
                    page.text.contains("## Example Usage") && page.text.contains("## Import"),
                    "{}",
                    page.path
                );
            }
            assert!(
                !page.text.contains(") \n"),
                "an attribute without description in {}",
                page.path
            );
        }
    }
}
