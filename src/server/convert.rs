//! Conversions between the generated tfplugin6 messages and the plain `tf` types.
//!
//! Requests become `tf::protocol` structs, responses become protobuf messages. A
//! missing message field (proto3 leaves it `None`) converts to the empty value, as
//! Terraform's own SDKs do: Terraform may omit a `DynamicValue` that is null.

use crate::server::proto::tfplugin6 as pb;
use crate::tf::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::tf::path::{AttributePath, Step};
use crate::tf::protocol::{self as tp, DynamicValue};
use crate::tf::schema::{Attribute, Block, Nesting, Presence, Schema};

// ---- values and capabilities ----

impl From<Option<pb::DynamicValue>> for DynamicValue {
    fn from(v: Option<pb::DynamicValue>) -> Self {
        let v = v.unwrap_or_default();
        DynamicValue {
            msgpack: v.msgpack,
            json: v.json,
        }
    }
}

impl From<DynamicValue> for pb::DynamicValue {
    fn from(v: DynamicValue) -> Self {
        pb::DynamicValue {
            msgpack: v.msgpack,
            json: v.json,
        }
    }
}

fn value(v: Option<DynamicValue>) -> Option<pb::DynamicValue> {
    v.map(Into::into)
}

impl From<Option<pb::ClientCapabilities>> for tp::ClientCapabilities {
    fn from(c: Option<pb::ClientCapabilities>) -> Self {
        let c = c.unwrap_or_default();
        tp::ClientCapabilities {
            deferral_allowed: c.deferral_allowed,
            write_only_attributes_allowed: c.write_only_attributes_allowed,
        }
    }
}

/// What we tell Terraform about ourselves (same answer in GetMetadata and
/// GetProviderSchema).
pub fn server_capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        // Destroys are planned by the provider too (the driver answers null).
        plan_destroy: true,
        // Schemas never depend on configuration, so Terraform may cache them and
        // skip GetProviderSchema in the other processes of one command.
        get_provider_schema_optional: true,
        move_resource_state: false,
    }
}

// ---- diagnostics and paths ----

impl From<&AttributePath> for pb::AttributePath {
    fn from(p: &AttributePath) -> Self {
        use pb::attribute_path::{step::Selector, Step as PbStep};
        let steps =
            p.0.iter()
                .map(|s| PbStep {
                    selector: Some(match s {
                        Step::Attr(n) => Selector::AttributeName(n.clone()),
                        Step::Key(k) => Selector::ElementKeyString(k.clone()),
                        Step::Index(i) => Selector::ElementKeyInt(*i),
                    }),
                })
                .collect();
        pb::AttributePath { steps }
    }
}

impl From<Diagnostic> for pb::Diagnostic {
    fn from(d: Diagnostic) -> Self {
        let severity = match d.severity {
            Severity::Error => pb::diagnostic::Severity::Error,
            Severity::Warning => pb::diagnostic::Severity::Warning,
        };
        pb::Diagnostic {
            severity: severity as i32,
            summary: d.summary,
            detail: d.detail,
            attribute: d.attribute.as_ref().map(Into::into),
        }
    }
}

/// Diagnostics as protobuf.
pub fn diagnostics(d: Diagnostics) -> Vec<pb::Diagnostic> {
    d.0.into_iter().map(Into::into).collect()
}

/// One error diagnostic, for RPCs this provider does not support.
pub fn error(summary: &str, detail: impl Into<String>) -> Vec<pb::Diagnostic> {
    diagnostics(Diagnostics::from_error(summary, detail))
}

// ---- schemas ----

impl From<&Schema> for pb::Schema {
    fn from(s: &Schema) -> Self {
        pb::Schema {
            version: s.version,
            block: Some(block(&s.block)),
        }
    }
}

fn block(b: &Block) -> pb::schema::Block {
    use pb::schema::nested_block::NestingMode;
    let block_types = b
        .blocks
        .iter()
        .map(|(name, nb)| pb::schema::NestedBlock {
            type_name: name.clone(),
            block: Some(block(&nb.block)),
            nesting: match nb.nesting {
                Nesting::Single => NestingMode::Single,
                Nesting::List => NestingMode::List,
                Nesting::Set => NestingMode::Set,
            } as i32,
            min_items: nb.min_items,
            max_items: nb.max_items,
        })
        .collect();
    pb::schema::Block {
        version: 0,
        attributes: b.attributes.iter().map(|(n, a)| attribute(n, a)).collect(),
        block_types,
        description: b.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: b.deprecated,
    }
}

fn attribute(name: &str, a: &Attribute) -> pb::schema::Attribute {
    let (required, optional, computed) = match a.presence {
        Presence::Required => (true, false, false),
        Presence::Optional => (false, true, false),
        Presence::Computed => (false, false, true),
        Presence::OptionalComputed => (false, true, true),
    };
    pb::schema::Attribute {
        name: name.to_string(),
        r#type: a.ty.to_json().to_string().into_bytes(),
        nested_type: None,
        description: a.full_description(),
        required,
        optional,
        computed,
        sensitive: a.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: a.deprecated.is_some(),
        write_only: a.write_only,
    }
}

impl From<tp::ProviderSchema> for pb::get_provider_schema::Response {
    fn from(s: tp::ProviderSchema) -> Self {
        let map = |m: &std::collections::BTreeMap<String, Schema>| {
            m.iter().map(|(k, v)| (k.clone(), v.into())).collect()
        };
        // Terraform expects a provider schema even when the provider has no settings.
        let provider = s
            .provider
            .as_ref()
            .map(Into::into)
            .unwrap_or_else(|| (&Schema::new(Block::default())).into());
        pb::get_provider_schema::Response {
            provider: Some(provider),
            resource_schemas: map(&s.resources),
            data_source_schemas: map(&s.data_sources),
            functions: Default::default(),
            ephemeral_resource_schemas: Default::default(),
            diagnostics: diagnostics(s.diagnostics),
            provider_meta: None,
            server_capabilities: Some(server_capabilities()),
        }
    }
}

impl From<tp::ProviderSchema> for pb::get_metadata::Response {
    fn from(s: tp::ProviderSchema) -> Self {
        use pb::get_metadata::{DataSourceMetadata, ResourceMetadata};
        pb::get_metadata::Response {
            server_capabilities: Some(server_capabilities()),
            diagnostics: diagnostics(s.diagnostics),
            data_sources: s
                .data_sources
                .into_keys()
                .map(|type_name| DataSourceMetadata { type_name })
                .collect(),
            resources: s
                .resources
                .into_keys()
                .map(|type_name| ResourceMetadata { type_name })
                .collect(),
            functions: Vec::new(),
            ephemeral_resources: Vec::new(),
        }
    }
}

// ---- requests ----

impl From<pb::configure_provider::Request> for tp::ConfigureProviderRequest {
    fn from(r: pb::configure_provider::Request) -> Self {
        tp::ConfigureProviderRequest {
            terraform_version: r.terraform_version,
            config: r.config.into(),
            client_capabilities: r.client_capabilities.into(),
        }
    }
}

impl From<pb::validate_resource_config::Request> for tp::ValidateConfigRequest {
    fn from(r: pb::validate_resource_config::Request) -> Self {
        tp::ValidateConfigRequest {
            type_name: r.type_name,
            config: r.config.into(),
            client_capabilities: r.client_capabilities.into(),
        }
    }
}

impl From<pb::validate_data_resource_config::Request> for tp::ValidateConfigRequest {
    fn from(r: pb::validate_data_resource_config::Request) -> Self {
        tp::ValidateConfigRequest {
            type_name: r.type_name,
            config: r.config.into(),
            client_capabilities: tp::ClientCapabilities::default(),
        }
    }
}

impl From<pb::upgrade_resource_state::Request> for tp::UpgradeResourceStateRequest {
    fn from(r: pb::upgrade_resource_state::Request) -> Self {
        let raw = r.raw_state.unwrap_or_default();
        tp::UpgradeResourceStateRequest {
            type_name: r.type_name,
            version: r.version,
            raw_state: tp::RawState {
                json: raw.json,
                flatmap: raw.flatmap.into_iter().collect(),
            },
        }
    }
}

impl From<pb::read_resource::Request> for tp::ReadResourceRequest {
    fn from(r: pb::read_resource::Request) -> Self {
        tp::ReadResourceRequest {
            type_name: r.type_name,
            current_state: r.current_state.into(),
            private: r.private,
            client_capabilities: r.client_capabilities.into(),
        }
    }
}

impl From<pb::plan_resource_change::Request> for tp::PlanResourceChangeRequest {
    fn from(r: pb::plan_resource_change::Request) -> Self {
        tp::PlanResourceChangeRequest {
            type_name: r.type_name,
            prior_state: r.prior_state.into(),
            proposed_new_state: r.proposed_new_state.into(),
            config: r.config.into(),
            prior_private: r.prior_private,
            client_capabilities: r.client_capabilities.into(),
        }
    }
}

impl From<pb::apply_resource_change::Request> for tp::ApplyResourceChangeRequest {
    fn from(r: pb::apply_resource_change::Request) -> Self {
        tp::ApplyResourceChangeRequest {
            type_name: r.type_name,
            prior_state: r.prior_state.into(),
            planned_state: r.planned_state.into(),
            config: r.config.into(),
            planned_private: r.planned_private,
        }
    }
}

impl From<pb::import_resource_state::Request> for tp::ImportResourceStateRequest {
    fn from(r: pb::import_resource_state::Request) -> Self {
        tp::ImportResourceStateRequest {
            type_name: r.type_name,
            id: r.id,
            client_capabilities: r.client_capabilities.into(),
        }
    }
}

impl From<pb::read_data_source::Request> for tp::ReadDataSourceRequest {
    fn from(r: pb::read_data_source::Request) -> Self {
        tp::ReadDataSourceRequest {
            type_name: r.type_name,
            config: r.config.into(),
            client_capabilities: r.client_capabilities.into(),
        }
    }
}

// ---- responses ----

impl From<tp::UpgradeResourceStateResponse> for pb::upgrade_resource_state::Response {
    fn from(r: tp::UpgradeResourceStateResponse) -> Self {
        pb::upgrade_resource_state::Response {
            upgraded_state: value(r.upgraded_state),
            diagnostics: diagnostics(r.diagnostics),
        }
    }
}

impl From<tp::ReadResourceResponse> for pb::read_resource::Response {
    fn from(r: tp::ReadResourceResponse) -> Self {
        pb::read_resource::Response {
            new_state: value(r.new_state),
            diagnostics: diagnostics(r.diagnostics),
            private: r.private,
            deferred: None,
        }
    }
}

impl From<tp::PlanResourceChangeResponse> for pb::plan_resource_change::Response {
    fn from(r: tp::PlanResourceChangeResponse) -> Self {
        pb::plan_resource_change::Response {
            planned_state: value(r.planned_state),
            requires_replace: r.requires_replace.iter().map(Into::into).collect(),
            planned_private: r.planned_private,
            diagnostics: diagnostics(r.diagnostics),
            legacy_type_system: false,
            deferred: None,
        }
    }
}

impl From<tp::ApplyResourceChangeResponse> for pb::apply_resource_change::Response {
    fn from(r: tp::ApplyResourceChangeResponse) -> Self {
        pb::apply_resource_change::Response {
            new_state: value(r.new_state),
            private: r.private,
            diagnostics: diagnostics(r.diagnostics),
            legacy_type_system: false,
        }
    }
}

impl From<tp::ImportResourceStateResponse> for pb::import_resource_state::Response {
    fn from(r: tp::ImportResourceStateResponse) -> Self {
        pb::import_resource_state::Response {
            imported_resources: r
                .imported_resources
                .into_iter()
                .map(|i| pb::import_resource_state::ImportedResource {
                    type_name: i.type_name,
                    state: Some(i.state.into()),
                    private: i.private,
                })
                .collect(),
            diagnostics: diagnostics(r.diagnostics),
            deferred: None,
        }
    }
}

impl From<tp::ReadDataSourceResponse> for pb::read_data_source::Response {
    fn from(r: tp::ReadDataSourceResponse) -> Self {
        pb::read_data_source::Response {
            state: value(r.state),
            diagnostics: diagnostics(r.diagnostics),
            deferred: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::types::Type;

    fn sample_schema() -> Schema {
        Schema::new(
            Block::new("A thing.")
                .attr(
                    "id",
                    Attribute::computed(Type::String).doc("Identifier").stable(),
                )
                .attr(
                    "zone",
                    Attribute::optional(Type::String)
                        .doc("The zone")
                        .replace_on_change(),
                )
                .attr(
                    "size",
                    Attribute::optional_computed(Type::Number).deprecated("use x"),
                )
                .attr("name", Attribute::required(Type::String))
                .attr(
                    "password",
                    Attribute::optional(Type::String).sensitive().write_only(),
                )
                .block(
                    "cred",
                    Nesting::Set,
                    Block::new("Credentials.")
                        .attr("tags", Attribute::optional(Type::map(Type::String))),
                ),
        )
    }

    #[test]
    fn schema_attributes_carry_presence_type_and_docs() {
        let s: pb::Schema = (&sample_schema()).into();
        let b = s.block.unwrap();
        assert_eq!(b.description, "A thing.");
        assert_eq!(b.description_kind, pb::StringKind::Markdown as i32);
        let names: Vec<&str> = b.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["id", "name", "password", "size", "zone"]);
        let get = |n: &str| b.attributes.iter().find(|a| a.name == n).unwrap();

        let id = get("id");
        assert!(id.computed && !id.optional && !id.required);
        assert_eq!(id.r#type, br#""string""#);
        let size = get("size");
        assert!(size.optional && size.computed && size.deprecated);
        assert_eq!(size.r#type, br#""number""#);
        assert!(get("name").required);
        let pw = get("password");
        assert!(pw.sensitive && pw.write_only && pw.optional);
        assert_eq!(
            get("zone").description,
            "The zone. Changing this replaces the resource."
        );

        let nb = &b.block_types[0];
        assert_eq!(nb.type_name, "cred");
        assert_eq!(
            nb.nesting,
            pb::schema::nested_block::NestingMode::Set as i32
        );
        let inner = nb.block.as_ref().unwrap();
        assert_eq!(inner.attributes[0].r#type, br#"["map","string"]"#);
    }

    #[test]
    fn diagnostics_carry_paths() {
        let mut d = Diagnostics::new();
        d.error_at(
            AttributePath::root("cred").index(2).attr("tags").key("k"),
            "Bad",
            "very bad",
        );
        d.warn("Hmm", "");
        let pbd = diagnostics(d);
        assert_eq!(pbd[0].severity, pb::diagnostic::Severity::Error as i32);
        assert_eq!(pbd[1].severity, pb::diagnostic::Severity::Warning as i32);
        assert!(pbd[1].attribute.is_none());
        use pb::attribute_path::step::Selector;
        let steps: Vec<Selector> = pbd[0]
            .attribute
            .clone()
            .unwrap()
            .steps
            .into_iter()
            .map(|s| s.selector.unwrap())
            .collect();
        assert_eq!(
            steps,
            [
                Selector::AttributeName("cred".into()),
                Selector::ElementKeyInt(2),
                Selector::AttributeName("tags".into()),
                Selector::ElementKeyString("k".into()),
            ]
        );
    }

    #[test]
    fn provider_schema_and_metadata_agree() {
        let mut ps = tp::ProviderSchema::default();
        ps.resources.insert("aliyun_a".into(), sample_schema());
        ps.data_sources.insert("aliyun_b".into(), sample_schema());
        let full: pb::get_provider_schema::Response = ps.clone().into();
        let meta: pb::get_metadata::Response = ps.into();
        assert!(
            full.provider.is_some(),
            "an empty provider schema is still sent"
        );
        assert_eq!(full.server_capabilities, meta.server_capabilities);
        let caps = full.server_capabilities.unwrap();
        assert!(caps.plan_destroy && caps.get_provider_schema_optional);
        assert_eq!(meta.resources[0].type_name, "aliyun_a");
        assert_eq!(meta.data_sources[0].type_name, "aliyun_b");
        assert!(full.resource_schemas.contains_key("aliyun_a"));
    }

    #[test]
    fn missing_values_become_empty() {
        let r: tp::PlanResourceChangeRequest = pb::plan_resource_change::Request {
            type_name: "t".into(),
            proposed_new_state: Some(pb::DynamicValue {
                msgpack: vec![0xc0],
                json: vec![],
            }),
            ..Default::default()
        }
        .into();
        assert_eq!(r.prior_state, DynamicValue::default());
        assert_eq!(r.proposed_new_state.msgpack, vec![0xc0]);
    }
}
