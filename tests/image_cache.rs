//! `aliyun_eci_image_cache` under the real `terraform`, against the emulator:
//! create, each kind of in-place update, replacement, import, drift, no-op applies.
//!
//! Also runs in real-cloud mode (`ALIYUN_ACC_REAL=1`, see `acc::real`): names start
//! with `tf-acc-`, every cache is tagged `tf-acc = "true"`, and what only the emulator
//! knows is guarded by `emulator_only`.

use crate::acc::{action, skip_emulator_only_test, Acc};

/// Attributes DescribeImageCaches never returns (null after an import).
const NOT_RETURNED: &[&str] = &[
    "security_group_id",
    "vswitch_id",
    "zone_id",
    "eip_instance_id",
    "retention_days",
    "auto_match_image_cache",
    "image_registry_credential",
    "acr_registry_info",
    "flash",
    "standard_copy_count",
    "flash_copy_count",
    "annotations",
    "plain_http_registries",
    "insecure_registries",
    "os_type",
];

const ADDR: &str = "aliyun_eci_image_cache.c";

fn cache(body: &str) -> String {
    format!(
        r#"resource "aliyun_eci_image_cache" "c" {{
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
{body}
}}
"#
    )
}

const V1: &str = r#"
  image_cache_name = "tf-acc-web"
  images           = ["nginx:1.25", "redis:7"]
  retention_days   = 7
  tags             = { team = "web", env = "test", "tf-acc" = "true" }
"#;

#[test]
fn create_import_and_destroy() {
    let t = Acc::new();
    let actions = t.apply(&cache(V1));
    assert_eq!(action(&actions, ADDR), ["create"]);
    assert_eq!(t.attr(ADDR, "status"), "Ready");
    assert!(t.attr(ADDR, "id").starts_with("imc-"));
    assert!(t.attr(ADDR, "snapshot_id").starts_with("s-"));
    if t.emulator_only("one CreateImageCache call") {
        assert_eq!(t.calls("CreateImageCache"), 1);
    }
    t.import_verify(ADDR, NOT_RETURNED);
    t.destroy();
}

#[test]
fn a_repeated_apply_calls_no_update() {
    let t = Acc::new();
    t.apply(&cache(V1));
    let emulator = t.emulator_only("no write call on a no-op apply (call counts)");
    let describes = if emulator {
        t.calls("DescribeImageCaches")
    } else {
        0
    };
    let actions = t.apply(&cache(V1));
    assert_eq!(action(&actions, ADDR), ["no-op"]);
    if emulator {
        for write in ["UpdateImageCache", "TagResources", "UntagResources"] {
            assert_eq!(t.calls(write), 0, "{write} was called by a no-op apply");
        }
        assert_eq!(t.calls("CreateImageCache"), 1);
        assert!(
            t.calls("DescribeImageCaches") > describes,
            "refreshes read the cache"
        );
    }
    t.destroy();
}

#[test]
fn metadata_changes_update_in_place_without_repull() {
    let t = Acc::new();
    t.apply(&cache(V1));
    let id = t.attr(ADDR, "id");
    let renamed = V1
        .replace("\"tf-acc-web\"", "\"tf-acc-web-renamed\"")
        .replace("retention_days   = 7", "retention_days   = 30");
    let actions = t.apply(&cache(&renamed));
    assert_eq!(action(&actions, ADDR), ["update"]);
    assert_eq!(t.attr(ADDR, "id"), id, "updated in place");
    assert_eq!(t.attr(ADDR, "image_cache_name"), "tf-acc-web-renamed");
    if !t.emulator_only("one UpdateImageCache with only the changed fields") {
        t.destroy();
        return;
    }
    assert_eq!(t.calls("UpdateImageCache"), 1);
    let sent = last_request(&t, "UpdateImageCache");
    assert!(
        sent.contains("ImageCacheName") && sent.contains("RetentionDays"),
        "{sent}"
    );
    assert!(
        !sent.contains("Image.1"),
        "a metadata change must not re-pull the images: {sent}"
    );
    assert!(
        !sent.contains("SecurityGroupId"),
        "unchanged values are not sent: {sent}"
    );
    t.destroy();
}

#[test]
fn image_changes_repull_in_place() {
    let t = Acc::new();
    t.apply(&cache(V1));
    let id = t.attr(ADDR, "id");
    let more = V1.replace(
        r#"["nginx:1.25", "redis:7"]"#,
        r#"["nginx:1.27", "redis:7", "busybox"]"#,
    );
    let actions = t.apply(&cache(&more));
    assert_eq!(action(&actions, ADDR), ["update"]);
    assert_eq!(t.attr(ADDR, "id"), id);
    let emulator = t.emulator_only("the whole image list is sent, once (request log)");
    if emulator {
        assert_eq!(t.calls("UpdateImageCache"), 1);
        let sent = last_request(&t, "UpdateImageCache");
        assert!(
            sent.contains("Image.3"),
            "the whole image list is sent: {sent}"
        );
    }
    // Reordering the images is no change at all.
    let reordered = more.replace(
        r#"["nginx:1.27", "redis:7", "busybox"]"#,
        r#"["busybox", "nginx:1.27", "redis:7"]"#,
    );
    let actions = t.apply(&cache(&reordered));
    assert_eq!(action(&actions, ADDR), ["no-op"]);
    if emulator {
        assert_eq!(t.calls("UpdateImageCache"), 1);
    }
    t.destroy();
}

#[test]
fn tag_changes_use_the_tag_apis_only() {
    let t = Acc::new();
    t.apply(&cache(V1));
    let retagged = V1.replace(
        r#"{ team = "web", env = "test", "tf-acc" = "true" }"#,
        r#"{ team = "platform", owner = "sre", "tf-acc" = "true" }"#,
    );
    let actions = t.apply(&cache(&retagged));
    assert_eq!(action(&actions, ADDR), ["update"]);
    if t.emulator_only("tags change through TagResources/UntagResources only (call counts)") {
        assert_eq!(
            t.calls("UpdateImageCache"),
            0,
            "tags alone need no UpdateImageCache"
        );
        assert_eq!(t.calls("TagResources"), 1);
        assert_eq!(t.calls("UntagResources"), 1);
    }
    let tags = &t.resource(ADDR)["tags"];
    assert_eq!(
        tags,
        &serde_json::json!({"team": "platform", "owner": "sre", "tf-acc": "true"})
    );
    // Removing every tag (not in real-cloud mode: the sweeper finds objects by it).
    if t.emulator_only("removing every tag, the tf-acc tag included") {
        let untagged = V1.replace(
            r#"  tags             = { team = "web", env = "test", "tf-acc" = "true" }"#,
            "",
        );
        t.apply(&cache(&untagged));
        assert!(t.resource(ADDR)["tags"].is_null());
    }
    t.destroy();
}

#[test]
fn network_and_size_changes_update_in_place() {
    let t = Acc::new();
    if t.skip_without(&["sg-acc0002"]) {
        return;
    }
    t.apply(&cache(V1));
    let id = t.attr(ADDR, "id");
    let bigger = cache(V1).replace("sg-acc0001", "sg-acc0002").replace(
        "retention_days   = 7",
        "retention_days   = 7\n  image_cache_size = 40",
    );
    let actions = t.apply(&bigger);
    assert_eq!(action(&actions, ADDR), ["update"]);
    assert_eq!(t.attr(ADDR, "id"), id);
    assert_eq!(t.resource(ADDR)["image_cache_size"], 40);
    if t.emulator_only("the network change re-sends the images (request log)") {
        let sent = last_request(&t, "UpdateImageCache");
        assert!(
            sent.contains("SecurityGroupId")
                && sent.contains("ImageCacheSize")
                && sent.contains("Image.1"),
            "{sent}"
        );
    }
    t.destroy();
}

#[test]
fn a_zone_change_replaces_the_cache() {
    let t = Acc::new();
    if t.skip_without(&["cn-hangzhou-g", "cn-hangzhou-h"]) {
        return;
    }
    t.apply(&cache(&format!("{V1}  zone_id = \"cn-hangzhou-g\"\n")));
    let old = t.attr(ADDR, "id");
    let actions = t.apply(&cache(&format!("{V1}  zone_id = \"cn-hangzhou-h\"\n")));
    assert_eq!(action(&actions, ADDR), ["delete", "create"]);
    assert_ne!(t.attr(ADDR, "id"), old, "replaced");
    let gone = t.block_on(t.client().describe_image_cache(&old, &Default::default()));
    assert_eq!(
        gone.expect("describe the old cache"),
        None,
        "the old cache was deleted"
    );
    t.destroy();
}

#[test]
fn a_cache_deleted_out_of_band_is_planned_for_creation() {
    if skip_emulator_only_test("deletes the cache behind Terraform's back (emulator world)") {
        return;
    }
    let t = Acc::new();
    t.apply(&cache(V1));
    let id = t.attr(ADDR, "id");
    assert!(t.emu.delete_object(&id));
    let actions = t.plan_actions();
    assert_eq!(action(&actions, ADDR), ["create"]);
    t.apply(&cache(V1));
    assert_ne!(t.attr(ADDR, "id"), id);
    t.destroy();
}

#[test]
fn an_out_of_band_rename_is_planned_back_in_place() {
    if skip_emulator_only_test("renames the cache behind Terraform's back (emulator world)") {
        return;
    }
    let t = Acc::new();
    t.apply(&cache(V1));
    let id = t.attr(ADDR, "id");
    assert!(t.emu.patch_object(
        &id,
        serde_json::json!({"ImageCacheName": "renamed-in-console"})
    ));
    let actions = t.plan_actions();
    assert_eq!(action(&actions, ADDR), ["update"]);
    t.apply(&cache(V1));
    assert_eq!(t.attr(ADDR, "image_cache_name"), "tf-acc-web");
    t.destroy();
}

/// The parameters of the last request for `action` the emulator logged, as text.
fn last_request(t: &Acc, action: &str) -> String {
    let log = t.emu.requests();
    log.iter()
        .rev()
        .find(|r| r.action.as_deref() == Some(action))
        .map(|r| format!("{:?}", r.params))
        .unwrap_or_else(|| panic!("no {action} request in {log:?}"))
}
