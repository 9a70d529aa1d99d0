//! `aliyun_eci_image_cache` under the real `terraform`, against the emulator:
//! create, each kind of in-place update, replacement, import, drift, no-op applies,
//! written as steps (`acc::Step`): planned actions, the exact calls each step sends.
//!
//! Also runs in real-cloud mode (`ALIYUN_ACC_REAL=1`, see `acc::real`): names start
//! with `tf-acc-`, every cache is tagged `tf-acc = "true"`, and what only the emulator
//! knows (a step's calls and requests, out-of-band edits) is skipped and reported.

use terraform_provider_aliyun::resources::eci_image_cache;

use crate::acc::{edit, skip_emulator_only_test, Acc, Step};

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
    t.run(
        Step::new(cache(V1))
            .plans(ADDR, &["create"])
            .calls("CreateImageCache", 1)
            .calls("TagResources", 0)
            .check(|t| {
                assert_eq!(t.attr(ADDR, "status"), "Ready");
                assert!(t.attr(ADDR, "id").starts_with("imc-"));
                assert!(t.attr(ADDR, "snapshot_id").starts_with("s-"));
            }),
    );
    t.import_verify_schema(ADDR, &eci_image_cache::schema());
    t.destroy();
}

#[test]
fn a_repeated_apply_calls_no_update() {
    let t = Acc::new();
    t.run(Step::new(cache(V1)).calls("CreateImageCache", 1));
    let describes = if t.is_real() {
        0
    } else {
        t.calls("DescribeImageCaches")
    };
    // No write at all: the step refuses any call it does not name.
    t.run(
        Step::new(cache(V1))
            .plans(ADDR, &["no-op"])
            .check(move |t| {
                if t.emulator_only("refreshes read the cache (call counts)") {
                    let now = t.calls("DescribeImageCaches");
                    assert!(now > describes, "refreshes read the cache");
                }
            }),
    );
    t.destroy();
}

#[test]
fn metadata_changes_update_in_place_without_repull() {
    let t = Acc::new();
    t.run(Step::new(cache(V1)).calls("CreateImageCache", 1));
    let id = t.attr(ADDR, "id");
    let renamed = edit(
        V1,
        &[
            (
                "image_cache_name = \"tf-acc-web\"",
                "image_cache_name = \"tf-acc-web-renamed\"",
            ),
            ("retention_days   = 7", "retention_days   = 30"),
        ],
    );
    t.run(
        Step::new(cache(&renamed))
            .plans(ADDR, &["update"])
            .calls("UpdateImageCache", 1)
            .sends(
                "UpdateImageCache",
                &[
                    ("ImageCacheName", "tf-acc-web-renamed"),
                    ("RetentionDays", "30"),
                ],
            )
            // A metadata change does not re-pull; unchanged values are not sent.
            .omits("UpdateImageCache", &["Image.1", "SecurityGroupId"])
            .check(move |t| {
                assert_eq!(t.attr(ADDR, "id"), id, "updated in place");
                assert_eq!(t.attr(ADDR, "image_cache_name"), "tf-acc-web-renamed");
            }),
    );
    t.destroy();
}

#[test]
fn image_changes_repull_in_place() {
    let t = Acc::new();
    t.run(Step::new(cache(V1)).calls("CreateImageCache", 1));
    let id = t.attr(ADDR, "id");
    let more = edit(
        V1,
        &[(
            r#"["nginx:1.25", "redis:7"]"#,
            r#"["nginx:1.27", "redis:7", "busybox"]"#,
        )],
    );
    t.run(
        Step::new(cache(&more))
            .plans(ADDR, &["update"])
            .calls("UpdateImageCache", 1)
            // The whole image list is sent.
            .sends_names("UpdateImageCache", &["Image.1", "Image.2", "Image.3"])
            .omits("UpdateImageCache", &["Image.4"])
            .check(move |t| assert_eq!(t.attr(ADDR, "id"), id)),
    );
    // Reordering the images is no change at all.
    let reordered = edit(
        &more,
        &[(
            r#"["nginx:1.27", "redis:7", "busybox"]"#,
            r#"["busybox", "nginx:1.27", "redis:7"]"#,
        )],
    );
    t.run(Step::new(cache(&reordered)).plans(ADDR, &["no-op"]));
    t.destroy();
}

#[test]
fn tag_changes_use_the_tag_apis_only() {
    let t = Acc::new();
    t.run(Step::new(cache(V1)).calls("CreateImageCache", 1));
    let retagged = edit(
        V1,
        &[(
            r#"{ team = "web", env = "test", "tf-acc" = "true" }"#,
            r#"{ team = "platform", owner = "sre", "tf-acc" = "true" }"#,
        )],
    );
    // Tags alone need no UpdateImageCache.
    t.run(
        Step::new(cache(&retagged))
            .plans(ADDR, &["update"])
            .calls("TagResources", 1)
            .calls("UntagResources", 1)
            .sends("UntagResources", &[("TagKey.1", "env")])
            .omits("UntagResources", &["TagKey.2"])
            .check(|t| {
                let tags = &t.resource(ADDR)["tags"];
                assert_eq!(
                    tags,
                    &serde_json::json!({"team": "platform", "owner": "sre", "tf-acc": "true"})
                );
            }),
    );
    // Removing every tag (not in real-cloud mode: the sweeper finds objects by it).
    if t.emulator_only("removing every tag, the tf-acc tag included") {
        let tags = r#"  tags             = { team = "web", env = "test", "tf-acc" = "true" }"#;
        let untagged = edit(V1, &[(tags, "")]);
        t.run(
            Step::new(cache(&untagged))
                .plans(ADDR, &["update"])
                .calls("UntagResources", 1)
                .check(|t| assert!(t.resource(ADDR)["tags"].is_null())),
        );
    }
    t.destroy();
}

#[test]
fn network_and_size_changes_update_in_place() {
    let t = Acc::new();
    if t.skip_without(&["sg-acc0002"]) {
        return;
    }
    t.run(Step::new(cache(V1)).calls("CreateImageCache", 1));
    let id = t.attr(ADDR, "id");
    let bigger = edit(
        &cache(V1),
        &[
            ("sg-acc0001", "sg-acc0002"),
            (
                "retention_days   = 7",
                "retention_days   = 7\n  image_cache_size = 40",
            ),
        ],
    );
    t.run(
        Step::new(bigger)
            .plans(ADDR, &["update"])
            .calls("UpdateImageCache", 1)
            .sends(
                "UpdateImageCache",
                &[("SecurityGroupId", "sg-acc0002"), ("ImageCacheSize", "40")],
            )
            .sends_names("UpdateImageCache", &["Image.1", "Image.2"])
            .check(move |t| {
                assert_eq!(t.attr(ADDR, "id"), id);
                assert_eq!(t.resource(ADDR)["image_cache_size"], 40);
            }),
    );
    t.destroy();
}

#[test]
fn a_zone_change_replaces_the_cache() {
    let t = Acc::new();
    if t.skip_without(&["cn-hangzhou-g", "cn-hangzhou-h"]) {
        return;
    }
    let zoned = |z: &str| cache(&format!("{V1}  zone_id = \"{z}\"\n"));
    t.run(Step::new(zoned("cn-hangzhou-g")).calls("CreateImageCache", 1));
    let old = t.attr(ADDR, "id");
    t.run(
        Step::new(zoned("cn-hangzhou-h"))
            .plans(ADDR, &["delete", "create"])
            .calls("DeleteImageCache", 1)
            .calls("CreateImageCache", 1)
            .check(move |t| {
                assert_ne!(t.attr(ADDR, "id"), old, "replaced");
                let client = t.client();
                let cx = Default::default();
                let gone = t.block_on(client.describe_image_cache(&old, &cx));
                let gone = gone.expect("describe the old cache");
                assert_eq!(gone, None, "the old cache was deleted");
            }),
    );
    t.destroy();
}

/// Destroy trusts a settled status in the refreshed state and deletes at once; a
/// state that was not refreshed may be wrong: the cache is being updated, the
/// delete is refused, and the provider waits until it settles and deletes again.
#[test]
fn a_cache_busy_behind_a_stale_state_is_deleted_once_it_settles() {
    if skip_emulator_only_test("makes the cache busy behind Terraform's back (emulator world)") {
        return;
    }
    let mut config = aliyun_emulator::Config::for_tests();
    config.timings.image_cache_updating = std::time::Duration::from_secs(3);
    let t = Acc::with_config(config);
    t.run(Step::new(cache(V1)).calls("CreateImageCache", 1));
    assert_eq!(t.attr(ADDR, "status"), "Ready");
    let id = t.attr(ADDR, "id");
    assert!(t
        .emu
        .patch_object(&id, serde_json::json!({"Status": "Updating"})));
    let deletes = t.calls("DeleteImageCache");
    t.ws.terraform(&["destroy", "-refresh=false", "-input=false", "-auto-approve"]);
    assert_eq!(
        t.calls("DeleteImageCache") - deletes,
        2,
        "refused while updating, then sent again once Ready"
    );
    let left = t.emu.state()["image_caches"].as_array().map_or(0, Vec::len);
    assert_eq!(left, 0, "the cache is deleted");
}

#[test]
fn a_cache_deleted_out_of_band_is_planned_for_creation() {
    if skip_emulator_only_test("deletes the cache behind Terraform's back (emulator world)") {
        return;
    }
    let t = Acc::new();
    t.run(Step::new(cache(V1)).calls("CreateImageCache", 1));
    let id = t.attr(ADDR, "id");
    assert!(t.emu.delete_object(&id));
    t.run(
        Step::new(cache(V1))
            .plans(ADDR, &["create"])
            .calls("CreateImageCache", 1)
            .check(move |t| assert_ne!(t.attr(ADDR, "id"), id)),
    );
    t.destroy();
}

#[test]
fn an_out_of_band_rename_is_planned_back_in_place() {
    if skip_emulator_only_test("renames the cache behind Terraform's back (emulator world)") {
        return;
    }
    let t = Acc::new();
    t.run(Step::new(cache(V1)).calls("CreateImageCache", 1));
    let id = t.attr(ADDR, "id");
    assert!(t.emu.patch_object(
        &id,
        serde_json::json!({"ImageCacheName": "renamed-in-console"})
    ));
    t.run(
        Step::new(cache(V1))
            .plans(ADDR, &["update"])
            .calls("UpdateImageCache", 1)
            .sends("UpdateImageCache", &[("ImageCacheName", "tf-acc-web")])
            .check(|t| assert_eq!(t.attr(ADDR, "image_cache_name"), "tf-acc-web")),
    );
    t.destroy();
}
