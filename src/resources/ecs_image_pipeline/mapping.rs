//! Mapping between Terraform values and the ECS image template API: the create
//! request and the attributes Describe reports. Pure functions, so each is
//! unit-tested without the network.
//!
//! Read-back rules, so that re-plans are empty:
//! - an empty string, list or map from the API reads as null, and an option block
//!   the API returns empty reads as no block;
//! - a value equivalent to the one in state (null ≡ empty, sets in any order) keeps
//!   the state's spelling, so `tags = {}` or an empty `image_options {}` block
//!   never shows a change;
//! - `to_region_ids`, `add_accounts` and `repair_items` are sets: their order means
//!   nothing to the service.

use crate::aliyun::ecs::{
    AdvancedOptions, CreateImagePipelineRequest, DiskDeviceMapping, ImageFeatures, ImageOptions,
    ImagePipeline, ImageSecurityOptions, ImportFeatures, ImportImageOptions,
};
use crate::aliyun::Tag;
use crate::resources::common::{non_empty, tags_from, tags_value};
use crate::tf::Value;

fn str_of(v: &Value, name: &str) -> Option<String> {
    v.str_attr(name).map(str::to_string)
}

fn strings(v: &Value, name: &str) -> Vec<String> {
    v.str_list_attr(name).unwrap_or_default()
}

/// The single element of an optional `List` block (max 1), if present.
fn block<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.attr(name).as_list().and_then(|l| l.first())
}

pub(super) fn to_create(planned: &Value) -> CreateImagePipelineRequest {
    CreateImagePipelineRequest {
        base_image_type: str_of(planned, "base_image_type").unwrap_or_default(),
        base_image: str_of(planned, "base_image"),
        name: str_of(planned, "name"),
        description: str_of(planned, "description"),
        build_content: str_of(planned, "build_content"),
        test_content: str_of(planned, "test_content"),
        instance_type: str_of(planned, "instance_type"),
        system_disk_size: planned.i64_attr("system_disk_size"),
        internet_max_bandwidth_out: planned.i64_attr("internet_max_bandwidth_out"),
        v_switch_id: str_of(planned, "vswitch_id"),
        delete_instance_on_failure: planned.bool_attr("delete_instance_on_failure"),
        to_region_id: strings(planned, "to_region_ids"),
        add_account: strings(planned, "add_accounts"),
        repair_mode: str_of(planned, "repair_mode"),
        repair_item: strings(planned, "repair_items"),
        resource_group_id: str_of(planned, "resource_group_id"),
        tag: tags_from(planned.attr("tags")),
        image_name: str_of(planned, "image_name"),
        image_family: str_of(planned, "image_family"),
        nvme_support: str_of(planned, "nvme_support"),
        image_options: block(planned, "image_options").map(|o| ImageOptions {
            image_name: str_of(o, "image_name"),
            image_family: str_of(o, "image_family"),
            description: str_of(o, "description"),
            image_features: str_of(o, "nvme_support").map(|n| ImageFeatures {
                nvme_support: Some(n),
            }),
            image_tags: tags_from(o.attr("image_tags")),
        }),
        advanced_options: block(planned, "advanced_options").map(|o| AdvancedOptions {
            image_name_suffix: str_of(o, "image_name_suffix"),
            retain_cloud_assistant: o.bool_attr("retain_cloud_assistant"),
        }),
        image_security_options: block(planned, "image_security_options").map(|o| {
            ImageSecurityOptions {
                security_scan_mode: str_of(o, "security_scan_mode"),
            }
        }),
        import_image_options: block(planned, "import_image_options").map(import_options),
    }
}

fn import_options(o: &Value) -> ImportImageOptions {
    let disks = o
        .attr("disk_device_mappings")
        .as_list()
        .unwrap_or_default()
        .iter()
        .map(|d| DiskDeviceMapping {
            oss_bucket: str_of(d, "oss_bucket"),
            oss_object: str_of(d, "oss_object"),
            format: str_of(d, "format"),
            disk_image_size: d.i64_attr("disk_image_size"),
        })
        .collect();
    let nvme = str_of(o, "nvme_support");
    let imds = str_of(o, "imds_support");
    ImportImageOptions {
        disk_device_mappings: disks,
        features: (nvme.is_some() || imds.is_some()).then_some(ImportFeatures {
            nvme_support: nvme,
            imds_support: imds,
        }),
        image_name: str_of(o, "image_name"),
        description: str_of(o, "description"),
        os_type: str_of(o, "os_type"),
        platform: str_of(o, "platform"),
        architecture: str_of(o, "architecture"),
        boot_mode: str_of(o, "boot_mode"),
        license_type: str_of(o, "license_type"),
        role_name: str_of(o, "role_name"),
        retain_imported_image: o.bool_attr("retain_imported_image"),
        retention_strategy: str_of(o, "retention_strategy"),
        import_image_tags: tags_from(o.attr("import_image_tags")),
    }
}

fn opt_str(s: &Option<String>) -> Value {
    s.as_deref().map_or(Value::Null, non_empty)
}

fn opt<T: Into<Value> + Copy>(v: Option<T>) -> Value {
    v.map_or(Value::Null, Into::into)
}

fn set(items: &[String]) -> Value {
    if items.is_empty() {
        Value::Null
    } else {
        Value::str_set(items.iter().cloned())
    }
}

fn tag_map(tags: &[Tag]) -> Value {
    tags_value(tags, &Value::Null)
}

/// A `List` block (max 1) from its attributes: no block when all are null.
fn option_block(attrs: Vec<(&'static str, Value)>) -> Value {
    if attrs.iter().all(|(_, v)| is_empty(v)) {
        Value::List(Vec::new())
    } else {
        Value::List(vec![Value::object(attrs)])
    }
}

/// Every attribute DescribeImagePipelines reports, by attribute name (shared with
/// the `aliyun_ecs_image_pipelines` data source).
pub(crate) fn reported(p: &ImagePipeline) -> Vec<(&'static str, Value)> {
    let o = &p.image_options;
    let image_options = option_block(vec![
        ("image_name", non_empty(&o.image_name)),
        ("image_family", non_empty(&o.image_family)),
        ("description", non_empty(&o.description)),
        ("nvme_support", opt_str(&o.image_features.nvme_support)),
        ("image_tags", tag_map(&o.image_tags)),
    ]);
    let a = &p.advanced_options;
    let advanced_options = option_block(vec![
        ("image_name_suffix", opt_str(&a.image_name_suffix)),
        ("retain_cloud_assistant", opt(a.retain_cloud_assistant)),
    ]);
    let image_security_options = option_block(vec![(
        "security_scan_mode",
        opt_str(&p.image_security_options.security_scan_mode),
    )]);
    let i = &p.import_image_options;
    let disks: Vec<Value> = i
        .disk_device_mappings
        .iter()
        .map(|d| {
            Value::object([
                ("oss_bucket", opt_str(&d.oss_bucket)),
                ("oss_object", opt_str(&d.oss_object)),
                ("format", opt_str(&d.format)),
                ("disk_image_size", opt(d.disk_image_size)),
            ])
        })
        .collect();
    let import_image_options = option_block(vec![
        ("disk_device_mappings", Value::List(disks)),
        ("image_name", non_empty(&i.image_name)),
        ("description", non_empty(&i.description)),
        ("os_type", non_empty(&i.os_type)),
        ("platform", non_empty(&i.platform)),
        ("architecture", non_empty(&i.architecture)),
        ("boot_mode", non_empty(&i.boot_mode)),
        ("license_type", non_empty(&i.license_type)),
        ("role_name", non_empty(&i.role_name)),
        ("retain_imported_image", opt(i.retain_imported_image)),
        ("retention_strategy", non_empty(&i.retention_strategy)),
        ("nvme_support", opt_str(&i.features.nvme_support)),
        ("imds_support", opt_str(&i.features.imds_support)),
        ("import_image_tags", tag_map(&i.import_image_tags)),
    ]);
    vec![
        ("id", Value::from(p.image_pipeline_id.as_str())),
        ("name", non_empty(&p.name)),
        ("description", non_empty(&p.description)),
        ("base_image_type", non_empty(&p.base_image_type)),
        ("base_image", non_empty(&p.base_image)),
        ("build_content", non_empty(&p.build_content)),
        ("test_content", non_empty(&p.test_content)),
        ("instance_type", non_empty(&p.instance_type)),
        ("system_disk_size", opt(p.system_disk_size)),
        (
            "internet_max_bandwidth_out",
            opt(p.internet_max_bandwidth_out),
        ),
        ("vswitch_id", non_empty(&p.v_switch_id)),
        (
            "delete_instance_on_failure",
            opt(p.delete_instance_on_failure),
        ),
        ("to_region_ids", set(&p.to_region_ids)),
        ("add_accounts", set(&p.add_accounts)),
        ("repair_mode", non_empty(&p.repair_mode)),
        ("repair_items", set(&p.repair_items)),
        ("image_name", non_empty(&p.image_name)),
        ("image_family", non_empty(&p.image_family)),
        ("nvme_support", non_empty(&p.nvme_support)),
        ("resource_group_id", non_empty(&p.resource_group_id)),
        ("tags", tag_map(&p.tags)),
        ("image_options", image_options),
        ("advanced_options", advanced_options),
        ("image_security_options", image_security_options),
        ("import_image_options", import_image_options),
        ("creation_time", non_empty(&p.creation_time)),
    ]
}

/// Copies what DescribeImagePipelines returns into `state`, keeping the state's
/// spelling of equivalent values (see the module doc).
pub(super) fn from_api(state: &mut Value, p: &ImagePipeline) {
    for (name, value) in reported(p) {
        if !equivalent(state.attr(name), &value) {
            state.set_attr(name, value);
        }
    }
}

/// Null, an empty collection, a collection of empty blocks, or a block whose attributes are all empty.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::List(l) | Value::Set(l) => l.iter().all(is_empty),
        Value::Map(m) => m.is_empty(),
        Value::Object(o) => o.values().all(is_empty),
        _ => false,
    }
}

/// Equality where null and empty collections are the same, and sets ignore order.
pub(super) fn equivalent(a: &Value, b: &Value) -> bool {
    if is_empty(a) && is_empty(b) {
        return true;
    }
    match (a, b) {
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equivalent(p, q))
        }
        (Value::Set(x), Value::Set(y)) => {
            x.len() == y.len()
                && x.iter().all(|p| y.iter().any(|q| equivalent(p, q)))
                && y.iter().all(|q| x.iter().any(|p| equivalent(p, q)))
        }
        (Value::Object(x), Value::Object(y)) => x
            .keys()
            .chain(y.keys())
            .all(|k| equivalent(a.attr(k), b.attr(k))),
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| equivalent(v, w)))
        }
        _ => a.semantic_eq(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aliyun::ecs::{ImageOptionsInfo, ImportImageOptionsInfo};
    use crate::aliyun::params::to_pairs;

    fn planned() -> Value {
        Value::object([
            ("base_image_type", Value::from("IMAGE")),
            ("base_image", Value::from("m-base")),
            ("name", Value::Unknown),
            ("system_disk_size", Value::from(60)),
            ("delete_instance_on_failure", Value::Unknown),
            (
                "to_region_ids",
                Value::str_set(["cn-beijing", "cn-shanghai"]),
            ),
            ("repair_items", Value::Null),
            ("tags", Value::str_map([("team", "images")])),
            (
                "image_options",
                Value::List(vec![Value::object([
                    ("image_name", Value::from("web")),
                    ("nvme_support", Value::from("auto")),
                    ("image_tags", Value::str_map([("os", "alinux")])),
                ])]),
            ),
            ("advanced_options", Value::List(vec![])),
            ("import_image_options", Value::Null),
        ])
    }

    #[test]
    fn create_sends_what_is_set_and_nothing_unknown() {
        let pairs = to_pairs(&to_create(&planned())).unwrap();
        let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "BaseImageType",
                "BaseImage",
                "SystemDiskSize",
                "ToRegionId.1",
                "ToRegionId.2",
                "Tag.1.Key",
                "Tag.1.Value",
                "ImageOptions.ImageName",
                "ImageOptions.ImageFeatures.NvmeSupport",
                "ImageOptions.ImageTags.1.Key",
                "ImageOptions.ImageTags.1.Value",
            ],
            "unknown (name, delete_instance_on_failure) and empty blocks are not sent"
        );
    }

    #[test]
    fn import_options_flatten_disks_features_and_tags() {
        let o = Value::object([
            (
                "disk_device_mappings",
                Value::List(vec![Value::object([
                    ("oss_bucket", Value::from("b")),
                    ("oss_object", Value::from("o.raw")),
                    ("disk_image_size", Value::from(40)),
                ])]),
            ),
            ("os_type", Value::from("linux")),
            ("imds_support", Value::from("v2")),
            ("retain_imported_image", Value::from(false)),
            ("import_image_tags", Value::str_map([("k", "v")])),
        ]);
        let req = CreateImagePipelineRequest {
            base_image_type: "OSS".into(),
            import_image_options: Some(import_options(&o)),
            ..Default::default()
        };
        let pairs = to_pairs(&req).unwrap();
        let get = |n: &str| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert_eq!(
            get("ImportImageOptions.DiskDeviceMappings.1.OSSBucket"),
            Some("b")
        );
        assert_eq!(
            get("ImportImageOptions.DiskDeviceMappings.1.DiskImageSize"),
            Some("40")
        );
        assert_eq!(get("ImportImageOptions.OSType"), Some("linux"));
        assert_eq!(get("ImportImageOptions.Features.ImdsSupport"), Some("v2"));
        assert_eq!(get("ImportImageOptions.Features.NvmeSupport"), None);
        assert_eq!(get("ImportImageOptions.RetainImportedImage"), Some("false"));
        assert_eq!(get("ImportImageOptions.ImportImageTags.1.Key"), Some("k"));
    }

    fn described() -> ImagePipeline {
        ImagePipeline {
            image_pipeline_id: "ip-1".into(),
            name: "golden".into(),
            base_image_type: "IMAGE".into(),
            base_image: "m-base".into(),
            system_disk_size: Some(60),
            delete_instance_on_failure: Some(true),
            to_region_ids: vec!["cn-shanghai".into(), "cn-beijing".into()],
            image_options: ImageOptionsInfo {
                image_name: "web".into(),
                image_features: ImageFeatures {
                    nvme_support: Some("auto".into()),
                },
                image_tags: vec![Tag::new("os", "alinux")],
                ..Default::default()
            },
            import_image_options: ImportImageOptionsInfo::default(),
            tags: vec![Tag::new("acs:system", "x")],
            ..Default::default()
        }
    }

    #[test]
    fn read_back_reports_options_as_blocks_and_empty_as_null() {
        let r: std::collections::BTreeMap<_, _> = reported(&described()).into_iter().collect();
        assert_eq!(r["name"], Value::from("golden"));
        assert_eq!(r["description"], Value::Null);
        assert_eq!(r["system_disk_size"], Value::from(60));
        assert_eq!(r["delete_instance_on_failure"], Value::from(true));
        assert!(r["to_region_ids"].semantic_eq(&Value::str_set(["cn-beijing", "cn-shanghai"])));
        assert_eq!(r["add_accounts"], Value::Null);
        assert_eq!(r["tags"], Value::Null, "system tags are not the user's");
        assert_eq!(r["advanced_options"], Value::List(vec![]));
        assert_eq!(r["import_image_options"], Value::List(vec![]));
        let options = &r["image_options"].as_list().unwrap()[0];
        assert_eq!(options.attr("image_name"), &Value::from("web"));
        assert_eq!(options.attr("nvme_support"), &Value::from("auto"));
        assert_eq!(
            options.attr("image_tags"),
            &Value::str_map([("os", "alinux")])
        );
        assert_eq!(options.attr("description"), &Value::Null);
    }

    #[test]
    fn equivalent_values_keep_the_state_spelling() {
        let mut state = Value::object([
            ("tags", Value::Map(Default::default())),
            (
                "to_region_ids",
                Value::str_set(["cn-beijing", "cn-shanghai"]),
            ),
            (
                "advanced_options",
                Value::List(vec![Value::object([
                    ("image_name_suffix", Value::Null),
                    ("retain_cloud_assistant", Value::Null),
                ])]),
            ),
            ("name", Value::from("old")),
        ]);
        let before = state.clone();
        from_api(&mut state, &described());
        assert_eq!(state.attr("tags"), before.attr("tags"), "tags = {{}} stays");
        assert_eq!(
            state.attr("to_region_ids"),
            before.attr("to_region_ids"),
            "set order kept"
        );
        assert_eq!(
            state.attr("advanced_options"),
            before.attr("advanced_options"),
            "an empty block stays"
        );
        assert_eq!(
            state.attr("name"),
            &Value::from("golden"),
            "a real change is read"
        );
    }

    #[test]
    fn deprecated_top_level_fields_round_trip() {
        let planned = Value::object([
            ("base_image_type", Value::from("IMAGE")),
            ("image_name", Value::from("legacy")),
            ("image_family", Value::from("fam")),
            ("nvme_support", Value::from("unsupported")),
        ]);
        let pairs = to_pairs(&to_create(&planned)).unwrap();
        for (k, v) in [
            ("ImageName", "legacy"),
            ("ImageFamily", "fam"),
            ("NvmeSupport", "unsupported"),
        ] {
            assert!(
                pairs.contains(&(k.to_string(), v.to_string())),
                "{k}: {pairs:?}"
            );
        }
        let p = ImagePipeline {
            image_name: "legacy".into(),
            image_family: "fam".into(),
            nvme_support: "unsupported".into(),
            ..Default::default()
        };
        let r: std::collections::BTreeMap<_, _> = reported(&p).into_iter().collect();
        assert_eq!(r["image_name"], Value::from("legacy"));
        assert_eq!(r["image_family"], Value::from("fam"));
        assert_eq!(r["nvme_support"], Value::from("unsupported"));
        assert_eq!(
            r["image_options"],
            Value::List(vec![]),
            "not mixed into the block"
        );
    }

    #[test]
    fn equivalence_rules() {
        assert!(equivalent(&Value::Null, &Value::List(vec![])));
        assert!(equivalent(&Value::Map(Default::default()), &Value::Null));
        assert!(!equivalent(&Value::Null, &Value::from("")));
        assert!(!equivalent(
            &Value::str_set(["a"]),
            &Value::str_set(["a", "b"])
        ));
        assert!(!equivalent(&Value::from(1), &Value::from(2)));
    }
}
