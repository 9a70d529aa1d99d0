//! `aliyun_eci_data_cache` under the real `terraform`, against the emulator:
//! create with every CreateDataCache parameter, import, each kind of in-place
//! update (checked on the wire), replacement, drift, failures and timeouts.

use std::collections::BTreeMap;
use std::time::Duration;

use aliyun_emulator::{Config, Outcome, OutcomeRule, RuleKind, RuleOn, Timings};

use terraform_provider_aliyun::resources::eci_data_cache;

use crate::acc::{action, Acc};

const ADDR: &str = "aliyun_eci_data_cache.c";

/// Every argument of the resource, each set to something other than its default.
const V1: &str = r#"resource "aliyun_eci_data_cache" "c" {
  path              = "/model/sd21"
  bucket            = "models"
  name              = "sd21"
  size              = 40
  retention_days    = 7
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
  resource_group_id = "rg-acc0001"
  tags              = { team = "ml", env = "test" }

  data_source {
    type = "URL"
    options = {
      repoSource = "HuggingFace/Model"
      repoId     = "stabilityai/stable-diffusion-2-1"
    }
  }

  eip_create_param {
    bandwidth                 = 10
    common_bandwidth_package  = "cbwp-acc0001"
    internet_charge_type      = "PayByTraffic"
    public_ip_address_pool_id = "pippool-acc0001"
    isp                       = "BGP"
  }
}
"#;

/// `V1` with each `(from, to)` replacement applied; panics if `from` is absent,
/// so a test cannot silently apply the configuration it started with.
fn edit(config: &str, edits: &[(&str, &str)]) -> String {
    let mut out = config.to_string();
    for (from, to) in edits {
        assert!(out.contains(from), "{from:?} is not in the configuration");
        out = out.replacen(from, to, 1);
    }
    out
}

/// The option parameters of a request: wire key → value.
fn option_params(params: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    params
        .iter()
        .filter(|(k, _)| k.starts_with("DataSource.Options."))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Keys of `params` other than the ones every call carries (signature, region...).
fn sent_fields(params: &BTreeMap<String, String>) -> Vec<String> {
    const COMMON: &[&str] = &[
        "AccessKeyId",
        "Action",
        "ClientToken",
        "Format",
        "RegionId",
        "Signature",
        "SignatureMethod",
        "SignatureNonce",
        "SignatureVersion",
        "Timestamp",
        "Version",
        "DataCacheId",
    ];
    params
        .keys()
        .filter(|k| !COMMON.contains(&k.as_str()))
        .cloned()
        .collect()
}

#[test]
fn create_sends_every_parameter_reads_everything_back_and_imports() {
    let t = Acc::new();
    let actions = t.apply(V1);
    assert_eq!(action(&actions, ADDR), ["create"]);
    assert_eq!(t.calls("CreateDataCache"), 1);

    let sent = t.last_request("CreateDataCache");
    let want = [
        ("Path", "/model/sd21"),
        ("Bucket", "models"),
        ("Name", "sd21"),
        ("Size", "40"),
        ("RetentionDays", "7"),
        ("SecurityGroupId", "sg-acc0001"),
        ("VSwitchId", "vsw-acc0001"),
        ("ResourceGroupId", "rg-acc0001"),
        ("DataSource.Type", "URL"),
        ("DataSource.Options.#10#repoSource", "HuggingFace/Model"),
        (
            "DataSource.Options.#6#repoId",
            "stabilityai/stable-diffusion-2-1",
        ),
        ("EipCreateParam.Bandwidth", "10"),
        ("EipCreateParam.CommonBandwidthPackage", "cbwp-acc0001"),
        ("EipCreateParam.InternetChargeType", "PayByTraffic"),
        ("EipCreateParam.PublicIpAddressPoolId", "pippool-acc0001"),
        ("EipCreateParam.ISP", "BGP"),
    ];
    for (k, v) in want {
        assert_eq!(sent.get(k).map(String::as_str), Some(v), "{k} in {sent:?}");
    }
    assert_eq!(
        option_params(&sent).len(),
        2,
        "only prefixed option keys: {sent:?}"
    );
    let tags: BTreeMap<&str, &str> = (1..=2)
        .map(|i| {
            (
                sent[&format!("Tag.{i}.Key")].as_str(),
                sent[&format!("Tag.{i}.Value")].as_str(),
            )
        })
        .collect();
    assert_eq!(tags, BTreeMap::from([("env", "test"), ("team", "ml")]));
    assert!(
        sent.get("ClientToken").is_some_and(|t| !t.is_empty()),
        "a ClientToken makes the create idempotent: {sent:?}"
    );

    // Every attribute DescribeDataCaches returns is in state, options with plain keys.
    let r = t.resource(ADDR);
    assert!(t.attr(ADDR, "id").starts_with("edc-"));
    assert_eq!(r["status"], "Available");
    assert_eq!(r["progress"], "100%");
    assert_eq!(r["region_id"], "cn-hangzhou");
    assert_eq!(r["bucket"], "models");
    assert_eq!(r["size"], 40);
    assert_eq!(r["resource_group_id"], "rg-acc0001");
    for computed in [
        "snapshot_id",
        "flash_snapshot_id",
        "container_group_id",
        "creation_time",
        "expire_date_time",
    ] {
        assert!(
            r[computed].as_str().is_some_and(|s| !s.is_empty()),
            "{computed} is read back: {r:#}"
        );
    }
    assert_eq!(
        r["data_source"][0]["options"],
        serde_json::json!({"repoSource": "HuggingFace/Model", "repoId": "stabilityai/stable-diffusion-2-1"})
    );
    let events = r["events"].as_array().expect("events");
    assert!(
        events.iter().any(|e| e["reason"] == "Created"),
        "the creation event is read back: {events:?}"
    );
    assert_eq!(r["tags"], serde_json::json!({"team": "ml", "env": "test"}));

    t.import_verify_schema(ADDR, &eci_data_cache::schema());
    t.destroy();
    assert_eq!(t.calls("DeleteDataCache"), 1);
}

#[test]
fn defaults_are_planned_and_read_back() {
    let t = Acc::new();
    let minimal = r#"resource "aliyun_eci_data_cache" "c" {
  path = "/data/plain"
  data_source {
    type    = "URL"
    options = { url = "https://www.example.com/model.bin" }
  }
}
"#;
    t.apply(minimal);
    let r = t.resource(ADDR);
    assert_eq!(r["bucket"], "default");
    assert_eq!(r["size"], 20, "the API's default size is read back");
    assert!(r["name"].is_null(), "no name set, none read: {r:#}");
    assert!(r["resource_group_id"]
        .as_str()
        .is_some_and(|s| s.starts_with("rg-")));
    assert!(r["tags"].is_null());
    let sent = t.last_request("CreateDataCache");
    assert_eq!(
        option_params(&sent),
        BTreeMap::from([(
            "DataSource.Options.#3#url".to_string(),
            "https://www.example.com/model.bin".to_string()
        )])
    );
    for absent in [
        "Name",
        "Size",
        "RetentionDays",
        "SecurityGroupId",
        "EipInstanceId",
    ] {
        assert!(
            !sent.contains_key(absent),
            "{absent} is not sent when unset: {sent:?}"
        );
    }
    t.import_verify_schema(ADDR, &eci_data_cache::schema());
    t.destroy();
}

#[test]
fn a_repeated_apply_calls_no_update() {
    let t = Acc::new();
    t.apply(V1);
    let describes = t.calls("DescribeDataCaches");
    let actions = t.apply(V1);
    assert_eq!(action(&actions, ADDR), ["no-op"]);
    for write in [
        "CreateDataCache",
        "UpdateDataCache",
        "TagResources",
        "UntagResources",
        "DeleteDataCache",
    ] {
        let want = u64::from(write == "CreateDataCache");
        assert_eq!(t.calls(write), want, "{write} calls after a no-op apply");
    }
    assert!(
        t.calls("DescribeDataCaches") > describes,
        "refreshes read the cache"
    );
    t.destroy();
}

#[test]
fn metadata_changes_update_in_place_sending_only_them() {
    let t = Acc::new();
    t.apply(V1);
    let id = t.attr(ADDR, "id");
    let expiry = t.attr(ADDR, "expire_date_time");
    let changed = edit(
        V1,
        &[
            (
                r#"name              = "sd21""#,
                r#"name              = "sd21-v2""#,
            ),
            ("size              = 40", "size              = 60"),
            ("retention_days    = 7", "retention_days    = 30"),
            ("rg-acc0001", "rg-acc0002"),
        ],
    );
    let actions = t.apply(&changed);
    assert_eq!(action(&actions, ADDR), ["update"]);
    assert_eq!(t.attr(ADDR, "id"), id, "updated in place");
    assert_eq!(t.calls("UpdateDataCache"), 1);
    let sent = t.last_request("UpdateDataCache");
    assert_eq!(sent.get("DataCacheId"), Some(&id), "{sent:?}");
    assert_eq!(
        sent_fields(&sent),
        ["Name", "ResourceGroupId", "RetentionDays", "Size"],
        "only what changed is sent: {sent:?}"
    );
    assert_eq!(sent["ResourceGroupId"], "rg-acc0002");
    assert_eq!(sent["Name"], "sd21-v2");
    assert_eq!(sent["Size"], "60");
    assert_eq!(sent["RetentionDays"], "30");
    let r = t.resource(ADDR);
    assert_eq!(r["name"], "sd21-v2");
    assert_eq!(r["size"], 60);
    assert_eq!(r["resource_group_id"], "rg-acc0002");
    assert_ne!(
        r["expire_date_time"],
        expiry.as_str(),
        "the new expiry is read back"
    );
    assert_eq!(r["status"], "Available");
    assert_eq!(t.calls("CreateDataCache"), 1);
    t.destroy();
}

#[test]
fn data_source_option_changes_update_in_place_with_prefixed_keys() {
    let t = Acc::new();
    t.apply(V1);
    let id = t.attr(ADDR, "id");
    let snapshot = t.attr(ADDR, "snapshot_id");
    let changed = edit(
        V1,
        &[(
            r#"repoId     = "stabilityai/stable-diffusion-2-1""#,
            r#"repoId     = "stabilityai/stable-diffusion-xl-base-1.0"
      revision   = "main""#,
        )],
    );
    let actions = t.apply(&changed);
    assert_eq!(action(&actions, ADDR), ["update"]);
    assert_eq!(t.attr(ADDR, "id"), id);
    let sent = t.last_request("UpdateDataCache");
    assert_eq!(
        option_params(&sent),
        BTreeMap::from([
            (
                "DataSource.Options.#10#repoSource".to_string(),
                "HuggingFace/Model".to_string()
            ),
            (
                "DataSource.Options.#6#repoId".to_string(),
                "stabilityai/stable-diffusion-xl-base-1.0".to_string()
            ),
            (
                "DataSource.Options.#8#revision".to_string(),
                "main".to_string()
            ),
        ]),
        "the whole options map, every key prefixed: {sent:?}"
    );
    assert!(
        !sent_fields(&sent)
            .iter()
            .any(|k| ["Name", "Size", "SecurityGroupId", "RetentionDays"].contains(&k.as_str())),
        "unchanged values are not sent: {sent:?}"
    );
    let r = t.resource(ADDR);
    assert_eq!(
        r["data_source"][0]["options"]["revision"], "main",
        "plain keys in state: {r:#}"
    );
    assert_ne!(
        t.attr(ADDR, "snapshot_id"),
        snapshot,
        "the data was reloaded"
    );

    // Dropping an option sends the remaining map; switching the type sends it too.
    let nas = edit(
        V1,
        &[(
            r#"type = "URL"
    options = {
      repoSource = "HuggingFace/Model"
      repoId     = "stabilityai/stable-diffusion-2-1"
    }"#,
            r#"type = "NAS"
    options = {
      server = "abc.cn-hangzhou.nas.aliyuncs.com"
      path   = "/"
    }"#,
        )],
    );
    let actions = t.apply(&nas);
    assert_eq!(action(&actions, ADDR), ["update"]);
    assert_eq!(t.attr(ADDR, "id"), id);
    let sent = t.last_request("UpdateDataCache");
    assert_eq!(sent.get("DataSource.Type").map(String::as_str), Some("NAS"));
    assert_eq!(
        option_params(&sent).keys().collect::<Vec<_>>(),
        ["DataSource.Options.#4#path", "DataSource.Options.#6#server"]
    );
    assert_eq!(t.calls("UpdateDataCache"), 2);
    t.destroy();
}

#[test]
fn tag_changes_use_the_tag_apis_only() {
    let t = Acc::new();
    t.apply(V1);
    let id = t.attr(ADDR, "id");
    let retagged = edit(
        V1,
        &[(
            r#"{ team = "ml", env = "test" }"#,
            r#"{ team = "platform", owner = "sre" }"#,
        )],
    );
    let actions = t.apply(&retagged);
    assert_eq!(action(&actions, ADDR), ["update"]);
    assert_eq!(t.attr(ADDR, "id"), id);
    assert_eq!(
        t.calls("UpdateDataCache"),
        0,
        "tags alone need no UpdateDataCache"
    );
    assert_eq!(t.calls("TagResources"), 1);
    assert_eq!(t.calls("UntagResources"), 1);
    let tagged = t.last_request("TagResources");
    assert_eq!(
        tagged.get("ResourceType").map(String::as_str),
        Some("DataCache")
    );
    assert_eq!(tagged.get("ResourceId.1"), Some(&id));
    let untagged = t.last_request("UntagResources");
    assert_eq!(untagged.get("TagKey.1").map(String::as_str), Some("env"));
    assert!(
        !untagged.contains_key("TagKey.2"),
        "only env is removed: {untagged:?}"
    );
    assert_eq!(
        t.resource(ADDR)["tags"],
        serde_json::json!({"team": "platform", "owner": "sre"})
    );
    // Removing every tag.
    let none = edit(
        V1,
        &[(r#"  tags              = { team = "ml", env = "test" }"#, "")],
    );
    t.apply(&none);
    assert!(t.resource(ADDR)["tags"].is_null());
    assert_eq!(t.calls("UntagResources"), 2);
    assert_eq!(t.calls("UpdateDataCache"), 0);
    t.destroy();
}

#[test]
fn network_changes_update_in_place() {
    let t = Acc::new();
    t.apply(V1);
    let id = t.attr(ADDR, "id");
    let moved = edit(
        V1,
        &[
            ("sg-acc0001", "sg-acc0002"),
            ("vsw-acc0001", "vsw-acc0002"),
            (
                "bandwidth                 = 10",
                "bandwidth                 = 20",
            ),
        ],
    );
    let actions = t.apply(&moved);
    assert_eq!(action(&actions, ADDR), ["update"]);
    assert_eq!(t.attr(ADDR, "id"), id);
    let sent = t.last_request("UpdateDataCache");
    assert_eq!(
        sent.get("SecurityGroupId").map(String::as_str),
        Some("sg-acc0002")
    );
    assert_eq!(
        sent.get("VSwitchId").map(String::as_str),
        Some("vsw-acc0002")
    );
    assert_eq!(
        sent.get("EipCreateParam.Bandwidth").map(String::as_str),
        Some("20")
    );
    for unchanged in ["Name", "Size", "RetentionDays", "DataSource.Type"] {
        assert!(
            !sent.contains_key(unchanged),
            "{unchanged} was sent: {sent:?}"
        );
    }
    // From a new EIP to an existing one.
    let eip = edit(
        &moved,
        &[(
            r#"  eip_create_param {
    bandwidth                 = 20
    common_bandwidth_package  = "cbwp-acc0001"
    internet_charge_type      = "PayByTraffic"
    public_ip_address_pool_id = "pippool-acc0001"
    isp                       = "BGP"
  }"#,
            r#"  eip_instance_id = "eip-acc0001""#,
        )],
    );
    let actions = t.apply(&eip);
    assert_eq!(action(&actions, ADDR), ["update"]);
    assert_eq!(t.attr(ADDR, "id"), id);
    let sent = t.last_request("UpdateDataCache");
    assert_eq!(
        sent.get("EipInstanceId").map(String::as_str),
        Some("eip-acc0001")
    );
    assert_eq!(sent_fields(&sent), ["EipInstanceId"], "{sent:?}");
    assert_eq!(t.calls("UpdateDataCache"), 2);
    t.destroy();
}

#[test]
fn a_path_change_replaces_the_cache() {
    let t = Acc::new();
    t.apply(V1);
    let old = t.attr(ADDR, "id");
    let moved = edit(V1, &[("/model/sd21", "/model/sdxl")]);
    let actions = t.apply(&moved);
    assert_eq!(action(&actions, ADDR), ["delete", "create"]);
    assert_ne!(t.attr(ADDR, "id"), old, "replaced");
    assert_eq!(t.resource(ADDR)["path"], "/model/sdxl");
    assert_eq!(t.calls("UpdateDataCache"), 0);
    assert_eq!(t.calls("DeleteDataCache"), 1);
    let caches = t.emu.state()["data_caches"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(caches.len(), 1, "the old cache was deleted: {caches:?}");
    t.destroy();
}

#[test]
fn a_bucket_change_replaces_the_cache() {
    let t = Acc::new();
    t.apply(V1);
    let old = t.attr(ADDR, "id");
    let moved = edit(V1, &[(r#""models""#, r#""models-v2""#)]);
    let actions = t.apply(&moved);
    assert_eq!(action(&actions, ADDR), ["delete", "create"]);
    assert_ne!(t.attr(ADDR, "id"), old, "replaced");
    assert_eq!(t.resource(ADDR)["bucket"], "models-v2");
    assert_eq!(t.calls("UpdateDataCache"), 0);
    let caches = t.emu.state()["data_caches"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(caches.len(), 1, "the old cache was deleted: {caches:?}");
    t.destroy();
}

#[test]
fn a_cache_deleted_out_of_band_is_planned_for_creation() {
    let t = Acc::new();
    t.apply(V1);
    let id = t.attr(ADDR, "id");
    assert!(t.emu.delete_object(&id));
    let actions = t.plan_actions();
    assert_eq!(action(&actions, ADDR), ["create"]);
    t.apply(V1);
    assert_ne!(t.attr(ADDR, "id"), id);
    assert_eq!(t.calls("CreateDataCache"), 2);
    t.destroy();
}

#[test]
fn an_out_of_band_option_change_is_planned_back_in_place() {
    let t = Acc::new();
    t.apply(V1);
    let id = t.attr(ADDR, "id");
    assert!(t.emu.patch_object(
        &id,
        serde_json::json!({"Name": "renamed-in-console", "LastMatchedTime": "2030-01-02T03:04:05Z",
            "DataSource": {"Type": "URL", "Options": {"repoSource": "HuggingFace/Model", "repoId": "other/model"}}})
    ));
    let actions = t.plan_actions();
    assert_eq!(action(&actions, ADDR), ["update"]);
    t.apply(V1);
    assert_eq!(t.attr(ADDR, "id"), id);
    assert_eq!(t.attr(ADDR, "name"), "sd21");
    assert_eq!(
        t.attr(ADDR, "last_matched_time"),
        "2030-01-02T03:04:05Z",
        "read back"
    );
    let sent = t.last_request("UpdateDataCache");
    assert_eq!(
        sent.get("DataSource.Options.#6#repoId").map(String::as_str),
        Some("stabilityai/stable-diffusion-2-1")
    );
    t.destroy();
}

#[test]
fn a_failed_creation_quotes_the_events_and_taints_the_cache() {
    let t = Acc::new();
    t.emu.add_rule(OutcomeRule {
        kind: RuleKind::DataCache,
        name_contains: "broken".into(),
        on: RuleOn::Create,
        outcome: Outcome::Failed,
        message: "The data does not fit: 40 GiB needed, 20 GiB allocated.".into(),
    });
    let broken = edit(V1, &[(r#""sd21""#, r#""broken-sd21""#)]);
    let out = t.apply_fails(&broken);
    assert!(
        out.contains("The data does not fit: 40 GiB needed, 20 GiB allocated."),
        "the event message is quoted: {out}"
    );
    assert!(out.contains("Failed"), "the status is named: {out}");
    let id = t.attr(ADDR, "id");
    assert!(id.starts_with("edc-"), "the failed cache is kept in state");
    assert!(t.tainted(ADDR), "and tainted");
    assert_eq!(t.attr(ADDR, "status"), "Failed");
    // The next plan replaces it; fixing the name creates a good one.
    let actions = t.plan_actions();
    assert_eq!(action(&actions, ADDR), ["delete", "create"]);
    t.apply(V1);
    assert_ne!(t.attr(ADDR, "id"), id);
    assert!(!t.tainted(ADDR));
    t.destroy();
}

#[test]
fn a_create_that_never_finishes_times_out_and_taints_the_cache() {
    let t = Acc::new();
    t.emu.add_rule(OutcomeRule {
        kind: RuleKind::DataCache,
        name_contains: "stuck".into(),
        on: RuleOn::Create,
        outcome: Outcome::Stuck,
        message: String::new(),
    });
    let stuck = edit(
        V1,
        &[
            (r#""sd21""#, r#""stuck-sd21""#),
            (
                "  eip_create_param {",
                "  timeouts {\n    create = \"2s\"\n  }\n\n  eip_create_param {",
            ),
        ],
    );
    let started = std::time::Instant::now();
    let out = t.apply_fails(&stuck);
    let took = started.elapsed();
    assert!(out.contains("timed out after 2s"), "{out}");
    assert!(out.contains("Loading"), "the last status is named: {out}");
    assert!(took < Duration::from_secs(30), "gave up in time: {took:?}");
    assert!(t.tainted(ADDR));
    // The wait polled adaptively: more than once, far fewer than a busy loop.
    let polls = t.calls("DescribeDataCaches");
    assert!((3..=20).contains(&polls), "{polls} polls in 2 s");
}

#[test]
fn a_create_waits_through_creating_and_loading() {
    let mut config = Config::for_tests();
    config.timings = Timings {
        data_cache_creating: Duration::from_millis(300),
        data_cache_loading: Duration::from_millis(600),
        ..Timings::zero()
    };
    let t = Acc::with_config(config);
    let started = std::time::Instant::now();
    t.apply(V1);
    assert_eq!(t.attr(ADDR, "status"), "Available");
    assert!(started.elapsed() >= Duration::from_millis(900));
    t.destroy();
}

/// API calls per lifecycle step, printed as a table (`--nocapture`) and bounded,
/// so that a change making any step chattier fails here.
#[test]
fn api_calls_per_lifecycle_step() {
    let t = Acc::new();
    let mut rows = Vec::new();
    let mut step = |name: &str, run: &dyn Fn()| {
        let before = t.call_counts();
        run();
        let after = t.call_counts();
        let diff: BTreeMap<String, u64> = after
            .iter()
            .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0)))
            .filter(|(_, v)| *v > 0)
            .collect();
        rows.push((name.to_string(), diff));
    };
    step("create", &|| {
        t.write_config(V1);
        t.ws.terraform(&["apply", "-input=false", "-auto-approve"]);
    });
    step("no-op apply", &|| {
        t.ws.terraform(&["apply", "-input=false", "-auto-approve"]);
    });
    step("update", &|| {
        t.write_config(&edit(
            V1,
            &[("size              = 40", "size              = 60")],
        ));
        t.ws.terraform(&["apply", "-input=false", "-auto-approve"]);
    });
    step("destroy", &|| {
        t.ws.terraform(&["destroy", "-input=false", "-auto-approve"]);
    });
    println!("aliyun_eci_data_cache API calls per step:");
    for (name, calls) in &rows {
        println!("  {name:<12} {calls:?}");
    }
    let of = |step: usize, action: &str| rows[step].1.get(action).copied().unwrap_or(0);
    assert_eq!(of(0, "CreateDataCache"), 1);
    assert!(of(0, "DescribeDataCaches") <= 3, "{rows:?}");
    assert_eq!(
        rows[1].1.keys().collect::<Vec<_>>(),
        ["DescribeDataCaches"],
        "{rows:?}"
    );
    assert_eq!(of(1, "DescribeDataCaches"), 1, "one refresh: {rows:?}");
    assert_eq!(of(2, "UpdateDataCache"), 1);
    assert!(of(2, "DescribeDataCaches") <= 3, "{rows:?}");
    assert_eq!(of(3, "DeleteDataCache"), 1);
    assert!(of(3, "DescribeDataCaches") <= 4, "{rows:?}");
}

#[test]
fn a_timeouts_change_alone_calls_no_api() {
    let t = Acc::new();
    t.apply(V1);
    let longer = edit(
        V1,
        &[(
            "  eip_create_param {",
            "  timeouts {\n    update = \"90m\"\n  }\n\n  eip_create_param {",
        )],
    );
    let actions = t.apply(&longer);
    assert_eq!(action(&actions, ADDR), ["update"]);
    for write in ["UpdateDataCache", "TagResources", "UntagResources"] {
        assert_eq!(
            t.calls(write),
            0,
            "{write} was called for a timeouts change"
        );
    }
    t.destroy();
}

#[test]
fn removing_the_retention_warns_that_the_api_cannot_clear_it() {
    let t = Acc::new();
    t.apply(V1);
    let out = t.apply_output(&edit(V1, &[("  retention_days    = 7\n", "")]));
    assert!(out.contains("Retention cannot be removed"), "{out}");
    assert_eq!(t.calls("UpdateDataCache"), 0, "nothing to send");
    assert!(t.resource(ADDR)["retention_days"].is_null());
    t.expect_empty_plan(&[]);
    t.destroy();
}

#[test]
fn options_described_as_the_whole_data_source_read_back_the_same() {
    // The service may describe `DataSource.Options` as `{"options":..,"type":..}`.
    let mut config = Config::for_tests();
    config.data_source_options_whole = true;
    let t = Acc::with_config(config);
    t.apply(V1);
    assert_eq!(
        t.resource(ADDR)["data_source"][0]["options"]["repoId"],
        "stabilityai/stable-diffusion-2-1"
    );
    t.import_verify_schema(ADDR, &eci_data_cache::schema());
    t.destroy();
}

#[test]
fn a_failed_update_is_an_error_and_the_next_plan_says_so() {
    let t = Acc::new();
    t.emu.add_rule(OutcomeRule {
        kind: RuleKind::DataCache,
        name_contains: "sd21".into(),
        on: RuleOn::Update,
        outcome: Outcome::UpdateFailed,
        message: "Pulling revision main failed: 404 Not Found.".into(),
    });
    t.apply(V1);
    let id = t.attr(ADDR, "id");
    let bigger = edit(V1, &[("size              = 40", "size              = 60")]);
    let out = t.apply_fails(&bigger);
    assert!(
        out.contains("Pulling revision main failed: 404 Not Found."),
        "{out}"
    );
    assert!(out.contains("UpdateFailed"), "{out}");
    assert_eq!(t.attr(ADDR, "id"), id, "an update failure never replaces");
    // Describe already reports the new size, so the next plan has nothing to change:
    // it must at least say that the cache is in a failed state, and why.
    let out = t.ws.terraform(&["plan", "-input=false", "-no-color"]);
    let out = crate::acc::unwrap_output(&out);
    assert!(
        out.contains("The last update of this data cache failed"),
        "{out}"
    );
    assert!(
        out.contains("Pulling revision main failed: 404 Not Found."),
        "{out}"
    );
}
