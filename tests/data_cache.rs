//! `aliyun_eci_data_cache` under the real `terraform`, against the emulator:
//! create with every CreateDataCache parameter, import, each kind of in-place
//! update (checked on the wire), replacement, drift, failures and timeouts,
//! written as steps (`acc::Step`): planned actions, the exact calls each step sends.
//!
//! Also runs in real-cloud mode (`ALIYUN_ACC_REAL=1`, see `acc::real`): names start
//! with `tf-acc-`, every cache is tagged `tf-acc = "true"`, account objects are
//! placeholders (`rg-acc0001`, `vsw-acc0002`, `eip-acc0001`, `cbwp-acc0001`,
//! `pippool-acc0001`...; without a value, the arguments naming them are left out
//! of the configuration and the tests changing them are skipped), and what only the
//! emulator knows (a step's calls and requests, scripted failures, out-of-band
//! edits, timings) is skipped and reported.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aliyun_emulator::{Config, Outcome, OutcomeRule, RuleKind, RuleOn, Timings};

use terraform_provider_aliyun::resources::eci_data_cache;

use crate::acc::real::RealCloud;
use crate::acc::{edit, skip_emulator_only_test, Acc, Step};

const ADDR: &str = "aliyun_eci_data_cache.c";

/// Every argument of the resource, each set to something other than its default.
const V1: &str = r#"resource "aliyun_eci_data_cache" "c" {
  path              = "/model/sd21"
  bucket            = "models"
  name              = "tf-acc-sd21"
  size              = 40
  retention_days    = 7
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
  resource_group_id = "rg-acc0001"
  tags              = { team = "ml", env = "test", "tf-acc" = "true" }

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

const RESOURCE_GROUP: &str = "  resource_group_id = \"rg-acc0001\"\n";

const EIP: &str = r#"
  eip_create_param {
    bandwidth                 = 10
    common_bandwidth_package  = "cbwp-acc0001"
    internet_charge_type      = "PayByTraffic"
    public_ip_address_pool_id = "pippool-acc0001"
    isp                       = "BGP"
  }
"#;

/// Whether the placeholder has a value: always against the emulator; in
/// real-cloud mode when the account's setting is given.
fn account_has(placeholder: &str) -> bool {
    RealCloud::from_env().is_none_or(|real| real.has(placeholder))
}

/// In real-cloud mode, a directory `/tf-acc-<run>-<test>/` unique to this test in
/// this run (a path is unique in its bucket, and the account is shared by the tests
/// running at the same time); `dir` against the test's own emulator.
fn dir(dir: &str) -> String {
    if RealCloud::from_env().is_none() {
        return dir.to_string();
    }
    static RUN: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    let run = RUN.get_or_init(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        now.expect("clock").subsec_nanos() ^ std::process::id()
    });
    let test = std::thread::current().name().unwrap_or("test").to_string();
    let test = test.rsplit("::").next().unwrap_or_default().to_string();
    let hash = test
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!("/tf-acc-{run:08x}-{hash:08x}/")
}

/// `V1` in a directory of this test's own (see [`dir`]), less the arguments naming
/// account objects this account has not given (in real-cloud mode): its resource
/// group, the EIP's bandwidth package and pool.
fn v1() -> String {
    let model = dir("/model/");
    let mut edits = vec![("/model/", model.as_str())];
    if !account_has("rg-acc0001") {
        edits.push((RESOURCE_GROUP, ""));
    }
    if !(account_has("cbwp-acc0001") && account_has("pippool-acc0001")) {
        edits.push((EIP, ""));
    }
    edit(V1, &edits)
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

/// The data cache `id` is no longer returned by the API.
fn gone(t: &Acc, id: &str) {
    let found = t.block_on(t.client().describe_data_cache(id, &Default::default()));
    let found = found.expect("describe the old cache");
    assert!(found.is_none(), "{id} still exists: {found:?}");
}

/// The region of the test's world.
fn region() -> String {
    RealCloud::from_env().map_or_else(|| "cn-hangzhou".to_string(), |r| r.region)
}

#[test]
fn create_sends_every_parameter_reads_everything_back_and_imports() {
    let t = Acc::new();
    let v1 = v1();
    t.run(
        Step::new(&v1)
            .plans(ADDR, &["create"])
            .calls("CreateDataCache", 1)
            .sends(
                "CreateDataCache",
                &[
                    ("Path", "/model/sd21"),
                    ("Bucket", "models"),
                    ("Name", "tf-acc-sd21"),
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
                ],
            )
            .omits("CreateDataCache", &["Tag.4.Key"])
            .check(|t| {
                if !t.emulator_only("the CreateDataCache request's options, tags and token") {
                    return;
                }
                let sent = t.last_request("CreateDataCache");
                assert_eq!(
                    option_params(&sent).len(),
                    2,
                    "only prefixed option keys: {sent:?}"
                );
                let tags: BTreeMap<&str, &str> = (1..=3)
                    .map(|i| {
                        (
                            sent[&format!("Tag.{i}.Key")].as_str(),
                            sent[&format!("Tag.{i}.Value")].as_str(),
                        )
                    })
                    .collect();
                assert_eq!(
                    tags,
                    BTreeMap::from([("env", "test"), ("team", "ml"), ("tf-acc", "true")])
                );
                assert!(
                    sent.get("ClientToken").is_some_and(|t| !t.is_empty()),
                    "a ClientToken makes the create idempotent: {sent:?}"
                );
            })
            // Every attribute DescribeDataCaches returns is in state, options with
            // plain keys.
            .check(|t| {
                let r = t.resource(ADDR);
                assert!(t.attr(ADDR, "id").starts_with("edc-"));
                assert_eq!(r["status"], "Available");
                assert_eq!(r["progress"], "100%");
                assert_eq!(r["region_id"], region().as_str());
                assert_eq!(r["bucket"], "models");
                assert_eq!(r["size"], 40);
                if account_has("rg-acc0001") {
                    assert_eq!(r["resource_group_id"], t.substitute("rg-acc0001").as_str());
                }
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
                if t.emulator_only("the emulator's event reason `Created`") {
                    assert!(
                        events.iter().any(|e| e["reason"] == "Created"),
                        "the creation event is read back: {events:?}"
                    );
                }
                assert_eq!(
                    r["tags"],
                    serde_json::json!({"team": "ml", "env": "test", "tf-acc": "true"})
                );
            }),
    );
    t.import_verify_schema(ADDR, &eci_data_cache::schema());
    let deletes = if t.is_real() {
        0
    } else {
        t.calls("DeleteDataCache")
    };
    t.destroy();
    if t.emulator_only("one DeleteDataCache on destroy") {
        assert_eq!(t.calls("DeleteDataCache") - deletes, 1);
    }
}

#[test]
fn defaults_are_planned_and_read_back() {
    let t = Acc::new();
    // In real-cloud mode the cache carries the tf-acc tag (the sweeper finds it by it).
    let tags = if t.is_real() {
        "  tags = { \"tf-acc\" = \"true\" }\n"
    } else {
        ""
    };
    let dir = dir("/data/");
    let minimal = format!(
        r#"resource "aliyun_eci_data_cache" "c" {{
  path = "{dir}plain"
{tags}  data_source {{
    type    = "URL"
    options = {{ url = "https://www.example.com/model.bin" }}
  }}
}}
"#
    );
    t.run(
        Step::new(minimal)
            .plans(ADDR, &["create"])
            .calls("CreateDataCache", 1)
            .omits(
                "CreateDataCache",
                &[
                    "Name",
                    "Size",
                    "RetentionDays",
                    "SecurityGroupId",
                    "EipInstanceId",
                ],
            )
            .check(|t| {
                let r = t.resource(ADDR);
                assert_eq!(r["bucket"], "default");
                assert_eq!(r["size"], 20, "the API's default size is read back");
                assert!(r["name"].is_null(), "no name set, none read: {r:#}");
                assert!(r["resource_group_id"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("rg-")));
                if t.is_real() {
                    assert_eq!(r["tags"], serde_json::json!({"tf-acc": "true"}));
                } else {
                    assert!(r["tags"].is_null());
                }
                if t.emulator_only("the CreateDataCache request's options") {
                    let sent = t.last_request("CreateDataCache");
                    assert_eq!(
                        option_params(&sent),
                        BTreeMap::from([(
                            "DataSource.Options.#3#url".to_string(),
                            "https://www.example.com/model.bin".to_string()
                        )])
                    );
                }
            }),
    );
    t.import_verify_schema(ADDR, &eci_data_cache::schema());
    t.destroy();
}

#[test]
fn a_repeated_apply_calls_no_update() {
    let t = Acc::new();
    t.run(Step::new(v1()).calls("CreateDataCache", 1));
    let describes = if t.is_real() {
        0
    } else {
        t.calls("DescribeDataCaches")
    };
    // No write at all: the step refuses any call it does not name.
    t.run(Step::new(v1()).plans(ADDR, &["no-op"]).check(move |t| {
        if t.emulator_only("refreshes read the cache (call counts)") {
            assert!(
                t.calls("DescribeDataCaches") > describes,
                "refreshes read the cache"
            );
        }
    }));
    t.destroy();
}

#[test]
fn metadata_changes_update_in_place_sending_only_them() {
    let t = Acc::new();
    if t.skip_without(&["rg-acc0001", "rg-acc0002"]) {
        return;
    }
    t.run(Step::new(v1()).calls("CreateDataCache", 1));
    let id = t.attr(ADDR, "id");
    let expiry = t.attr(ADDR, "expire_date_time");
    let changed = edit(
        &v1(),
        &[
            (
                r#"name              = "tf-acc-sd21""#,
                r#"name              = "tf-acc-sd21-v2""#,
            ),
            ("size              = 40", "size              = 60"),
            ("retention_days    = 7", "retention_days    = 30"),
            ("rg-acc0001", "rg-acc0002"),
        ],
    );
    t.run(
        Step::new(changed)
            .plans(ADDR, &["update"])
            .calls("UpdateDataCache", 1)
            .sends(
                "UpdateDataCache",
                &[
                    ("DataCacheId", id.as_str()),
                    ("ResourceGroupId", "rg-acc0002"),
                    ("Name", "tf-acc-sd21-v2"),
                    ("Size", "60"),
                    ("RetentionDays", "30"),
                ],
            )
            .check(|t| {
                if t.emulator_only("only what changed is sent") {
                    let sent = t.last_request("UpdateDataCache");
                    assert_eq!(
                        sent_fields(&sent),
                        ["Name", "ResourceGroupId", "RetentionDays", "Size"],
                        "only what changed is sent: {sent:?}"
                    );
                }
            })
            .check(move |t| {
                assert_eq!(t.attr(ADDR, "id"), id, "updated in place");
                let r = t.resource(ADDR);
                assert_eq!(r["name"], "tf-acc-sd21-v2");
                assert_eq!(r["size"], 60);
                assert_eq!(r["resource_group_id"], t.substitute("rg-acc0002").as_str());
                assert_ne!(
                    r["expire_date_time"],
                    expiry.as_str(),
                    "the new expiry is read back"
                );
                assert_eq!(r["status"], "Available");
            }),
    );
    t.destroy();
}

#[test]
fn data_source_option_changes_update_in_place_with_prefixed_keys() {
    let t = Acc::new();
    t.run(Step::new(v1()).calls("CreateDataCache", 1));
    let id = t.attr(ADDR, "id");
    let snapshot = t.attr(ADDR, "snapshot_id");
    let changed = edit(
        &v1(),
        &[(
            r#"repoId     = "stabilityai/stable-diffusion-2-1""#,
            r#"repoId     = "stabilityai/stable-diffusion-xl-base-1.0"
      revision   = "main""#,
        )],
    );
    let same = id.clone();
    t.run(
        Step::new(changed)
            .plans(ADDR, &["update"])
            .calls("UpdateDataCache", 1)
            .sends(
                "UpdateDataCache",
                &[
                    ("DataSource.Options.#10#repoSource", "HuggingFace/Model"),
                    (
                        "DataSource.Options.#6#repoId",
                        "stabilityai/stable-diffusion-xl-base-1.0",
                    ),
                    ("DataSource.Options.#8#revision", "main"),
                ],
            )
            // Unchanged values are not sent.
            .omits(
                "UpdateDataCache",
                &["Name", "Size", "SecurityGroupId", "RetentionDays"],
            )
            .check(|t| {
                if t.emulator_only("the whole options map is sent, every key prefixed") {
                    let sent = t.last_request("UpdateDataCache");
                    assert_eq!(
                        option_params(&sent).len(),
                        3,
                        "the whole options map, every key prefixed: {sent:?}"
                    );
                }
            })
            .check(move |t| {
                assert_eq!(t.attr(ADDR, "id"), same);
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
            }),
    );

    // Dropping an option sends the remaining map; switching the type sends it too.
    if t.emulator_only("switching to a NAS source (needs a NAS file system)") {
        let nas = edit(
            &v1(),
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
        t.run(
            Step::new(nas)
                .plans(ADDR, &["update"])
                .calls("UpdateDataCache", 1)
                .sends("UpdateDataCache", &[("DataSource.Type", "NAS")])
                .check(move |t| {
                    assert_eq!(t.attr(ADDR, "id"), id);
                    let sent = t.last_request("UpdateDataCache");
                    assert_eq!(
                        option_params(&sent).keys().collect::<Vec<_>>(),
                        ["DataSource.Options.#4#path", "DataSource.Options.#6#server"]
                    );
                }),
        );
    }
    t.destroy();
}

#[test]
fn tag_changes_use_the_tag_apis_only() {
    let t = Acc::new();
    t.run(Step::new(v1()).calls("CreateDataCache", 1));
    let id = t.attr(ADDR, "id");
    let retagged = edit(
        &v1(),
        &[(
            r#"{ team = "ml", env = "test", "tf-acc" = "true" }"#,
            r#"{ team = "platform", owner = "sre", "tf-acc" = "true" }"#,
        )],
    );
    // Tags alone need no UpdateDataCache (the step refuses any write it does not name).
    let same = id.clone();
    t.run(
        Step::new(retagged)
            .plans(ADDR, &["update"])
            .calls("TagResources", 1)
            .calls("UntagResources", 1)
            .sends(
                "TagResources",
                &[("ResourceType", "DataCache"), ("ResourceId.1", id.as_str())],
            )
            .sends("UntagResources", &[("TagKey.1", "env")])
            // Only env is removed.
            .omits("UntagResources", &["TagKey.2"])
            .check(move |t| {
                assert_eq!(t.attr(ADDR, "id"), same);
                assert_eq!(
                    t.resource(ADDR)["tags"],
                    serde_json::json!({"team": "platform", "owner": "sre", "tf-acc": "true"})
                );
            }),
    );
    // Removing every tag (not in real-cloud mode: the sweeper finds objects by it).
    if t.emulator_only("removing every tag, the tf-acc tag included") {
        let none = edit(
            &v1(),
            &[(
                "  tags              = { team = \"ml\", env = \"test\", \"tf-acc\" = \"true\" }\n",
                "",
            )],
        );
        t.run(
            Step::new(none)
                .plans(ADDR, &["update"])
                .calls("UntagResources", 1)
                .check(|t| assert!(t.resource(ADDR)["tags"].is_null())),
        );
    }
    t.destroy();
}

#[test]
fn network_changes_update_in_place() {
    let t = Acc::new();
    if t.skip_without(&[
        "sg-acc0002",
        "vsw-acc0002",
        "eip-acc0001",
        "cbwp-acc0001",
        "pippool-acc0001",
    ]) {
        return;
    }
    t.run(Step::new(v1()).calls("CreateDataCache", 1));
    let id = t.attr(ADDR, "id");
    let moved = edit(
        &v1(),
        &[
            ("sg-acc0001", "sg-acc0002"),
            ("vsw-acc0001", "vsw-acc0002"),
            (
                "bandwidth                 = 10",
                "bandwidth                 = 20",
            ),
        ],
    );
    let same = id.clone();
    t.run(
        Step::new(&moved)
            .plans(ADDR, &["update"])
            .calls("UpdateDataCache", 1)
            .sends(
                "UpdateDataCache",
                &[
                    ("SecurityGroupId", "sg-acc0002"),
                    ("VSwitchId", "vsw-acc0002"),
                    ("EipCreateParam.Bandwidth", "20"),
                ],
            )
            .omits(
                "UpdateDataCache",
                &["Name", "Size", "RetentionDays", "DataSource.Type"],
            )
            .check(move |t| assert_eq!(t.attr(ADDR, "id"), same)),
    );
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
    t.run(
        Step::new(eip)
            .plans(ADDR, &["update"])
            .calls("UpdateDataCache", 1)
            .sends("UpdateDataCache", &[("EipInstanceId", "eip-acc0001")])
            .check(|t| {
                if t.emulator_only("only the EIP is sent") {
                    let sent = t.last_request("UpdateDataCache");
                    assert_eq!(sent_fields(&sent), ["EipInstanceId"], "{sent:?}");
                }
            })
            .check(move |t| assert_eq!(t.attr(ADDR, "id"), id)),
    );
    t.destroy();
}

/// A step from `v1()` to `changed` replaces the cache: one delete, one create, no
/// update, and the old cache is gone.
fn replaced(t: &Acc, changed: String, check: impl Fn(&Acc) + 'static) {
    t.run(Step::new(v1()).calls("CreateDataCache", 1));
    let old = t.attr(ADDR, "id");
    t.run(
        Step::new(changed)
            .plans(ADDR, &["delete", "create"])
            .calls("DeleteDataCache", 1)
            .calls("CreateDataCache", 1)
            .check(move |t| {
                assert_ne!(t.attr(ADDR, "id"), old, "replaced");
                gone(t, &old);
                if t.emulator_only("the emulator holds one data cache") {
                    let caches = t.emu.state()["data_caches"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    assert_eq!(caches.len(), 1, "the old cache was deleted: {caches:?}");
                }
            })
            .check(check),
    );
    t.destroy();
}

#[test]
fn a_path_change_replaces_the_cache() {
    let t = Acc::new();
    let moved = edit(&v1(), &[("/sd21\"", "/sdxl\"")]);
    let path = format!("{}sdxl", dir("/model/"));
    replaced(&t, moved, move |t| {
        assert_eq!(t.resource(ADDR)["path"], path.as_str())
    });
}

#[test]
fn a_bucket_change_replaces_the_cache() {
    let t = Acc::new();
    let moved = edit(&v1(), &[(r#""models""#, r#""models-v2""#)]);
    replaced(&t, moved, |t| {
        assert_eq!(t.resource(ADDR)["bucket"], "models-v2")
    });
}

#[test]
fn a_cache_deleted_out_of_band_is_planned_for_creation() {
    if skip_emulator_only_test("deletes the cache behind Terraform's back (emulator world)") {
        return;
    }
    let t = Acc::new();
    t.run(Step::new(V1).calls("CreateDataCache", 1));
    let id = t.attr(ADDR, "id");
    assert!(t.emu.delete_object(&id));
    t.run(
        Step::new(V1)
            .plans(ADDR, &["create"])
            .calls("CreateDataCache", 1)
            .check(move |t| assert_ne!(t.attr(ADDR, "id"), id)),
    );
    t.destroy();
}

#[test]
fn an_out_of_band_option_change_is_planned_back_in_place() {
    if skip_emulator_only_test("edits the cache behind Terraform's back (emulator world)") {
        return;
    }
    let t = Acc::new();
    t.run(Step::new(V1).calls("CreateDataCache", 1));
    let id = t.attr(ADDR, "id");
    assert!(t.emu.patch_object(
        &id,
        serde_json::json!({"Name": "renamed-in-console", "LastMatchedTime": "2030-01-02T03:04:05Z",
            "DataSource": {"Type": "URL", "Options": {"repoSource": "HuggingFace/Model", "repoId": "other/model"}}})
    ));
    t.run(
        Step::new(V1)
            .plans(ADDR, &["update"])
            .calls("UpdateDataCache", 1)
            .sends(
                "UpdateDataCache",
                &[
                    ("Name", "tf-acc-sd21"),
                    (
                        "DataSource.Options.#6#repoId",
                        "stabilityai/stable-diffusion-2-1",
                    ),
                ],
            )
            .check(move |t| {
                assert_eq!(t.attr(ADDR, "id"), id);
                assert_eq!(t.attr(ADDR, "name"), "tf-acc-sd21");
                assert_eq!(
                    t.attr(ADDR, "last_matched_time"),
                    "2030-01-02T03:04:05Z",
                    "read back"
                );
            }),
    );
    t.destroy();
}

#[test]
fn a_failed_creation_quotes_the_events_and_taints_the_cache() {
    if skip_emulator_only_test("a creation scripted to fail (emulator rule)") {
        return;
    }
    let t = Acc::new();
    t.emu.add_rule(OutcomeRule {
        kind: RuleKind::DataCache,
        name_contains: "broken".into(),
        on: RuleOn::Create,
        outcome: Outcome::Failed,
        message: "The data does not fit: 40 GiB needed, 20 GiB allocated.".into(),
    });
    let broken = edit(V1, &[(r#""tf-acc-sd21""#, r#""tf-acc-broken-sd21""#)]);
    t.run(
        Step::new(broken)
            .plans(ADDR, &["create"])
            .calls("CreateDataCache", 1)
            // The event message is quoted, the status named.
            .fails_with("The data does not fit: 40 GiB needed, 20 GiB allocated.")
            .fails_with("Failed")
            .check(|t| {
                let id = t.attr(ADDR, "id");
                assert!(id.starts_with("edc-"), "the failed cache is kept in state");
                assert!(t.tainted(ADDR), "and tainted");
                assert_eq!(t.attr(ADDR, "status"), "Failed");
            }),
    );
    let id = t.attr(ADDR, "id");
    // The next plan replaces it; fixing the name creates a good one.
    t.run(
        Step::new(V1)
            .plans(ADDR, &["delete", "create"])
            .calls("DeleteDataCache", 1)
            .calls("CreateDataCache", 1)
            .check(move |t| {
                assert_ne!(t.attr(ADDR, "id"), id);
                assert!(!t.tainted(ADDR));
            }),
    );
    t.destroy();
}

#[test]
fn a_create_that_never_finishes_times_out_and_taints_the_cache() {
    if skip_emulator_only_test("a creation scripted never to finish (emulator rule)") {
        return;
    }
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
            (r#""tf-acc-sd21""#, r#""tf-acc-stuck-sd21""#),
            (
                "  eip_create_param {",
                "  timeouts {\n    create = \"2s\"\n  }\n\n  eip_create_param {",
            ),
        ],
    );
    let started = Instant::now();
    t.run(
        Step::new(stuck)
            .plans(ADDR, &["create"])
            .calls("CreateDataCache", 1)
            .fails_with("timed out after 2s")
            // The last status is named.
            .fails_with("Loading")
            .check(|t| {
                assert!(t.tainted(ADDR));
                // The wait polled adaptively: more than once, far fewer than a busy loop.
                let polls = t.calls("DescribeDataCaches");
                assert!((3..=20).contains(&polls), "{polls} polls in 2 s");
            }),
    );
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "gave up in time: {took:?}");
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
    let started = Instant::now();
    t.run(
        Step::new(v1())
            .plans(ADDR, &["create"])
            .calls("CreateDataCache", 1)
            .check(|t| assert_eq!(t.attr(ADDR, "status"), "Available")),
    );
    if t.emulator_only("the emulator's creating and loading timings") {
        assert!(started.elapsed() >= Duration::from_millis(900));
    }
    t.destroy();
}

/// DescribeDataCaches calls of a create step: the wait after CreateDataCache reads
/// the cache until it settles, the last re-plan refreshes it.
const CREATE_DESCRIBES: u64 = 2;
/// Of an update step: the plan's refresh, the wait for the cache to settle before
/// UpdateDataCache, the wait after it (whose answer is read back), the last
/// re-plan's refresh.
const UPDATE_DESCRIBES: u64 = 4;

/// API calls per lifecycle step (each step's plan, apply and both re-plans), printed
/// as a table (`--nocapture`) and counted exactly, so that a change making any step
/// chattier fails here.
#[test]
fn api_calls_per_lifecycle_step() {
    if skip_emulator_only_test("counts API calls (emulator log)") {
        return;
    }
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
    // A refresh reads the cache once; the wait after a write reads it until it settles.
    step("create", &|| {
        t.run(
            Step::new(V1)
                .plans(ADDR, &["create"])
                .calls("CreateDataCache", 1)
                .calls("DescribeDataCaches", CREATE_DESCRIBES),
        );
    });
    step("no-op apply", &|| {
        t.run(
            Step::new(V1)
                .plans(ADDR, &["no-op"])
                .calls("DescribeDataCaches", 2),
        );
    });
    step("update", &|| {
        t.run(
            Step::new(edit(
                V1,
                &[("size              = 40", "size              = 60")],
            ))
            .plans(ADDR, &["update"])
            .calls("UpdateDataCache", 1)
            .calls("DescribeDataCaches", UPDATE_DESCRIBES),
        );
    });
    step("destroy", &|| t.destroy());
    println!("aliyun_eci_data_cache API calls per step (plan, apply, re-plans):");
    for (name, calls) in &rows {
        println!("  {name:<12} {calls:?}");
    }
    // The no-op step: one refresh for its plan, one for the last re-plan, nothing else.
    assert_eq!(
        rows[1].1.keys().collect::<Vec<_>>(),
        ["DescribeDataCaches"],
        "{rows:?}"
    );
    let of = |step: usize, action: &str| rows[step].1.get(action).copied().unwrap_or(0);
    // Destroy: the plan's refresh, the delete (the refreshed state says the cache
    // is settled, so no wait before it) and one Describe that finds it gone.
    assert_eq!(of(3, "DeleteDataCache"), 1);
    assert_eq!(of(3, "DescribeDataCaches"), 2, "{rows:?}");
}

#[test]
fn a_timeouts_change_alone_calls_no_api() {
    let t = Acc::new();
    t.run(Step::new(v1()).calls("CreateDataCache", 1));
    let longer = edit(
        &v1(),
        &[(
            "  data_source {",
            "  timeouts {\n    update = \"90m\"\n  }\n\n  data_source {",
        )],
    );
    // No UpdateDataCache, TagResources or UntagResources: the step refuses any write.
    t.run(Step::new(longer).plans(ADDR, &["update"]));
    t.destroy();
}

#[test]
fn removing_the_retention_warns_that_the_api_cannot_clear_it() {
    let t = Acc::new();
    t.run(Step::new(v1()).calls("CreateDataCache", 1));
    // Nothing to send: no UpdateDataCache (the step refuses any write).
    t.run(
        Step::new(edit(&v1(), &[("  retention_days    = 7\n", "")]))
            .plans(ADDR, &["update"])
            .prints("Retention cannot be removed")
            .check(|t| assert!(t.resource(ADDR)["retention_days"].is_null())),
    );
    t.destroy();
}

#[test]
fn options_described_as_the_whole_data_source_read_back_the_same() {
    if skip_emulator_only_test("a variant of the service's answers (emulator setting)") {
        return;
    }
    // The service may describe `DataSource.Options` as `{"options":..,"type":..}`.
    let mut config = Config::for_tests();
    config.data_source_options_whole = true;
    let t = Acc::with_config(config);
    t.run(
        Step::new(V1)
            .plans(ADDR, &["create"])
            .calls("CreateDataCache", 1)
            .check(|t| {
                assert_eq!(
                    t.resource(ADDR)["data_source"][0]["options"]["repoId"],
                    "stabilityai/stable-diffusion-2-1"
                )
            }),
    );
    t.import_verify_schema(ADDR, &eci_data_cache::schema());
    t.destroy();
}

#[test]
fn a_failed_update_is_an_error_and_the_next_plan_says_so() {
    if skip_emulator_only_test("an update scripted to fail (emulator rule)") {
        return;
    }
    let t = Acc::new();
    t.emu.add_rule(OutcomeRule {
        kind: RuleKind::DataCache,
        name_contains: "sd21".into(),
        on: RuleOn::Update,
        outcome: Outcome::UpdateFailed,
        message: "Pulling revision main failed: 404 Not Found.".into(),
    });
    t.run(Step::new(V1).calls("CreateDataCache", 1));
    let id = t.attr(ADDR, "id");
    let bigger = edit(V1, &[("size              = 40", "size              = 60")]);
    let same = id.clone();
    t.run(
        Step::new(&bigger)
            .plans(ADDR, &["update"])
            .calls("UpdateDataCache", 1)
            .fails_with("Pulling revision main failed: 404 Not Found.")
            .fails_with("UpdateFailed")
            .check(move |t| {
                assert_eq!(t.attr(ADDR, "id"), same, "an update failure never replaces")
            }),
    );
    // Describe already reports the new size, so the next plan has nothing to change:
    // it must at least say that the cache is in a failed state, and why.
    t.run(
        Step::new(&bigger)
            .plans(ADDR, &["no-op"])
            .prints("The last update of this data cache failed")
            .prints("Pulling revision main failed: 404 Not Found.")
            .check(move |t| assert_eq!(t.attr(ADDR, "id"), id)),
    );
}
