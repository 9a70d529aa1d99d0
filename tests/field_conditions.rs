//! What real repositories do in their first week, each of which once broke exact
//! or safe plans: provider settings from other resources, silent endpoints,
//! outages during waits, downstream references to computed values, create-only
//! values added later, equivalent image spellings, explicit nulls. Written as
//! steps (`acc::Step`).
//!
//! Also runs in real-cloud mode (`ALIYUN_ACC_REAL=1`, see `acc::real`): names start
//! with `tf-acc-`, every cache is tagged `tf-acc = "true"`; tests that need the
//! emulator (faults, out-of-band patches, its timings, its URL as a value) are
//! skipped and reported, and so are the assertions only it can answer.

use std::time::{Duration, Instant};

use aliyun_emulator::{Config, FaultKind, FaultSettings, Handle, Timings};

use crate::acc::{edit, skip_emulator_only_test, unwrap_output, unwrap_text, Acc, Step};

const CACHE: &str = "aliyun_eci_image_cache.c";
const TAGS: &str = r#"  tags              = { "tf-acc" = "true" }"#;

fn image_cache(extra: &str) -> String {
    format!(
        r#"resource "aliyun_eci_image_cache" "c" {{
  image_cache_name  = "tf-acc-web"
  images            = ["nginx:1.25"]
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
{TAGS}
{extra}
}}
"#
    )
}

/// A provider block whose endpoints come from another resource: unknown while
/// that resource is planned for creation (or replacement).
fn provider_from_resource(endpoint: &str, generation: u32) -> String {
    format!(
        r#"resource "terraform_data" "ep" {{
  input            = "{endpoint}"
  triggers_replace = "{generation}"
}}

provider "aliyun" {{
  region     = "cn-hangzhou"
  access_key = "emulator"
  secret_key = "emulator-secret"
  endpoints {{
    eci = terraform_data.ep.output
    ecs = terraform_data.ep.output
  }}
}}
"#
    )
}

#[test]
fn provider_endpoints_from_another_resource() {
    if skip_emulator_only_test("the provider's endpoints are the emulator's URL, from a resource") {
        return;
    }
    let t = Acc::new();
    let endpoint = t.emu.endpoint();
    let config = |generation| provider_from_resource(&endpoint, generation) + &image_cache("");
    // Plan with the endpoint unknown, then apply: Terraform configures the
    // provider again once terraform_data is created.
    t.run(
        Step::new(config(1))
            .own_provider()
            .plans(CACHE, &["create"])
            .plans("terraform_data.ep", &["create"])
            .calls("CreateImageCache", 1),
    );

    // Replacing terraform_data makes the endpoint unknown again while the cache
    // exists: a refresh cannot reach the API and says why, naming the setting.
    t.run(
        Step::new(config(2))
            .own_provider()
            .plan_only()
            .fails_with("Provider configuration not known yet")
            .fails_with("`endpoints[0].eci`")
            .fails_with("apply -target")
            // No call with an unknown endpoint.
            .calls("DescribeImageCaches", 0),
    );
    // Without a refresh, the plan needs no API: only terraform_data is replaced.
    t.run(
        Step::new(config(2))
            .own_provider()
            .plan_args(&["-refresh=false"])
            .plan_only()
            .plans("terraform_data.ep", &["delete", "create"])
            .plans(CACHE, &["no-op"])
            .prints("1 to add, 0 to change, 1 to destroy")
            .calls("DescribeImageCaches", 0),
    );

    // Destroy with the state's (known) endpoint works.
    t.write_config_without_provider(&config(1));
    t.destroy();
}

/// A TCP endpoint that accepts connections and never answers (a paused server,
/// a black-holing proxy). Connections are held until the test ends.
fn silent_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_refresh_against_a_silent_endpoint_ends_with_a_clear_error() {
    let t = Acc::new();
    let config = image_cache("")
        + r#"
data "aliyun_eci_image_caches" "all" {}
"#;
    t.run(
        Step::new(config.as_str())
            .plans(CACHE, &["create"])
            .calls("CreateImageCache", 1),
    );

    let silent = silent_endpoint();
    let start = Instant::now();
    t.run(
        Step::new(t.provider_block_with(Some(&silent), None) + &config)
            .own_provider()
            .plan_only()
            // The error names the endpoint.
            .fails_with(&silent)
            .fails_with("Could not read image cache")
            .fails_with("did not answer")
            .fails_with("client_read_timeout"),
    );
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(120),
        "the plan took {took:?} against a silent endpoint"
    );
    t.write_config(&config);
    t.destroy();
}

/// A cache and two things keyed on its snapshot, the way a container group
/// built from the cache would be.
fn cache_with_downstream(name: &str, tags: &str, images: &str) -> String {
    format!(
        r#"resource "aliyun_eci_image_cache" "c" {{
  image_cache_name  = "{name}"
  images            = {images}
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
  tags              = {tags}
}}

resource "terraform_data" "keyed" {{
  triggers_replace = aliyun_eci_image_cache.c.snapshot_id
}}

resource "terraform_data" "follows" {{
  input = aliyun_eci_image_cache.c.container_group_id
  lifecycle {{
    replace_triggered_by = [aliyun_eci_image_cache.c.snapshot_id]
  }}
}}
"#
    )
}

#[test]
fn a_tag_or_name_change_keeps_the_snapshot_known_downstream() {
    let t = Acc::new();
    let v1 = cache_with_downstream(
        "tf-acc-web",
        r#"{ team = "a", "tf-acc" = "true" }"#,
        r#"["nginx:1.25"]"#,
    );
    t.run(
        Step::new(v1.as_str())
            .plans(CACHE, &["create"])
            .calls("CreateImageCache", 1),
    );
    let snapshot = t.attr(CACHE, "snapshot_id");

    // Metadata and tags: the cache is updated in place, nothing downstream moves.
    let v2 = edit(
        &v1,
        &[
            ("\"tf-acc-web\"", "\"tf-acc-web2\""),
            ("team = \"a\"", "team = \"b\""),
        ],
    );
    let (planned, kept) = (snapshot.clone(), snapshot.clone());
    t.run(
        Step::new(v2.as_str())
            .plans(CACHE, &["update"])
            .plans("terraform_data.keyed", &["no-op"])
            .plans("terraform_data.follows", &["no-op"])
            .plan_check(move |plan| {
                let after = planned_after(plan, CACHE);
                for known in [
                    "snapshot_id",
                    "container_group_id",
                    "status",
                    "progress",
                    "events",
                    "creation_time",
                ] {
                    assert!(
                        !after_unknown(plan, CACHE, known),
                        "{known} is planned unknown for a tag and name change: {after}"
                    );
                }
                assert_eq!(after["snapshot_id"], planned.as_str());
            })
            .calls("UpdateImageCache", 1)
            .calls("TagResources", 1)
            .check(move |t| assert_eq!(t.attr(CACHE, "snapshot_id"), kept)),
    );

    // A new image list re-pulls: a new snapshot, and what is keyed on it follows.
    let v3 = edit(
        &v2,
        &[(r#"["nginx:1.25"]"#, r#"["nginx:1.25", "redis:7"]"#)],
    );
    t.run(
        Step::new(v3)
            .plans(CACHE, &["update"])
            .plans("terraform_data.keyed", &["delete", "create"])
            .plans("terraform_data.follows", &["delete", "create"])
            .calls("UpdateImageCache", 1)
            .check(move |t| assert_ne!(t.attr(CACHE, "snapshot_id"), snapshot)),
    );
    t.destroy();
}

/// The planned values of `address` in a `show -json` plan.
fn planned_after<'a>(plan: &'a serde_json::Value, address: &str) -> &'a serde_json::Value {
    resource_change(plan, address)
        .map(|rc| &rc["change"]["after"])
        .unwrap_or(&serde_json::Value::Null)
}

/// Whether the plan marks `attr` of `address` as known only after apply.
fn after_unknown(plan: &serde_json::Value, address: &str, attr: &str) -> bool {
    resource_change(plan, address)
        .map(|rc| rc["change"]["after_unknown"][attr] == serde_json::Value::Bool(true))
        .unwrap_or(false)
}

fn resource_change<'a>(
    plan: &'a serde_json::Value,
    address: &str,
) -> Option<&'a serde_json::Value> {
    plan["resource_changes"]
        .as_array()?
        .iter()
        .find(|rc| rc["address"] == address)
}

#[test]
fn a_create_only_value_added_later_replaces_a_created_cache_and_adopts_an_imported_one() {
    let t = Acc::new();
    if t.skip_without(&["cn-hangzhou-g"]) {
        return;
    }
    t.run(
        Step::new(image_cache(""))
            .plans(CACHE, &["create"])
            .calls("CreateImageCache", 1),
    );
    let id = t.attr(CACHE, "id");

    // On the cache Terraform created, `zone_id` null means "created without one":
    // the API cannot change it, so setting it replaces the cache.
    let zoned = image_cache(r#"  zone_id = "cn-hangzhou-g""#);
    t.run(
        Step::new(zoned.as_str())
            .plan_only()
            .plans(CACHE, &["delete", "create"]),
    );

    // Imported (in another workspace, same object), the same null means "unknown":
    // the first plan adopts in place...
    let fresh = crate::util::Workspace::new();
    let write_fresh = |config: &str| {
        fresh.write(
            "main.tf",
            &format!(
                "{}\n{}\n{}",
                crate::util::REQUIRED_PROVIDERS,
                t.provider_block(),
                t.substitute(config)
            ),
        );
    };
    write_fresh(&zoned);
    fresh.terraform(&["import", "-input=false", CACHE, &id]);
    fresh.terraform(&["plan", "-input=false", "-out=tfplan"]);
    let plan = fresh.terraform_json(&["show", "-json", "tfplan"]);
    let rc = resource_change(&plan, CACHE).expect("the cache is in the plan");
    assert_eq!(rc["change"]["actions"], serde_json::json!(["update"]));
    fresh.terraform(&["apply", "-input=false", "tfplan"]);
    if t.emulator_only("no second create (call counts)") {
        assert_eq!(t.calls("CreateImageCache"), 1);
    }

    // ...and once applied, it is a cache like any other.
    write_fresh(&image_cache(
        "  zone_id = \"cn-hangzhou-g\"\n  annotations = \"a\"",
    ));
    fresh.terraform(&["plan", "-input=false", "-out=tfplan"]);
    let plan = fresh.terraform_json(&["show", "-json", "tfplan"]);
    let rc = resource_change(&plan, CACHE).expect("the cache is in the plan");
    assert_eq!(
        rc["change"]["actions"],
        serde_json::json!(["delete", "create"])
    );
    t.destroy();
}

/// Turns on an outage of `action` (every call answers 503 ServiceUnavailable)
/// once `started` returns true, for `length`; then the API answers again.
fn outage_of(
    emu: &Handle,
    action: &str,
    length: Duration,
    started: impl Fn(&Handle) -> bool,
) -> Duration {
    let begin = Instant::now();
    while !started(emu) {
        assert!(
            begin.elapsed() < Duration::from_secs(120),
            "the outage never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    emu.set_fault_settings(&FaultSettings {
        rate: 1.0,
        actions: vec![action.to_string()],
        kinds: vec![FaultKind::Unavailable],
        after_ratio: Some(0.0),
        ..Default::default()
    });
    let from = Instant::now();
    std::thread::sleep(length);
    emu.set_fault_settings(&FaultSettings::default());
    from.elapsed()
}

#[test]
fn a_45s_outage_during_the_create_wait_ends_in_a_created_untainted_cache() {
    if skip_emulator_only_test("an outage of the API (fault injection) and the emulator's timings")
    {
        return;
    }
    let t = Acc::with_config(Config {
        timings: Timings {
            image_cache_creating: Duration::from_secs(5),
            ..Timings::zero()
        },
        ..Config::for_tests()
    });
    // Default timeouts (create: 1h).
    t.run(
        Step::new(image_cache(""))
            .plans(CACHE, &["create"])
            .calls("CreateImageCache", 1)
            .during_apply(|emu| {
                let outage = outage_of(emu, "DescribeImageCaches", Duration::from_secs(45), |e| {
                    e.calls("CreateImageCache") >= 1
                });
                assert!(outage >= Duration::from_secs(45));
                // The apply cannot end during the outage: these calls are the wait's.
                let faulted = emu.call_counts();
                assert!(
                    faulted.received["DescribeImageCaches"] > 10,
                    "the wait kept checking through the outage: {faulted:?}"
                );
            })
            .check(|t| {
                assert!(!t.tainted(CACHE), "the cache is tainted after an outage");
                assert_eq!(t.attr(CACHE, "status"), "Ready");
            }),
    );

    // The same outage during a destroy: the delete call succeeds, the wait for
    // the cache to disappear rides through.
    std::thread::scope(|s| {
        let outage = s.spawn(|| {
            outage_of(
                &t.emu,
                "DescribeImageCaches",
                Duration::from_secs(45),
                |e| e.calls("DeleteImageCache") >= 1,
            )
        });
        t.destroy();
        outage.join().expect("the outage thread")
    });
}

#[test]
fn system_tags_the_cloud_adds_are_not_planned_for_removal() {
    if skip_emulator_only_test("the cloud's system tags are patched into the emulator's cache") {
        return;
    }
    let t = Acc::new();
    let config = edit(
        &image_cache(""),
        &[(
            r#"{ "tf-acc" = "true" }"#,
            r#"{ team = "web", "tf-acc" = "true" }"#,
        )],
    );
    t.run(
        Step::new(config.as_str())
            .plans(CACHE, &["create"])
            .calls("CreateImageCache", 1)
            .calls("TagResources", 0),
    );
    let id = t.attr(CACHE, "id");
    // The real API may return tags its services own (`acs:*`, `aliyun*`).
    assert!(t.emu.patch_object(
        &id,
        serde_json::json!({ "Tags": [
            { "Key": "team", "Value": "web" },
            { "Key": "tf-acc", "Value": "true" },
            { "Key": "acs:rm:rgId", "Value": "rg-acc" },
            { "Key": "aliyun-created-by", "Value": "eci" }
        ]})
    ));
    // Nothing to do: no UntagResources (no write at all).
    t.run(
        Step::new(config)
            .plans(CACHE, &["no-op"])
            .calls("UntagResources", 0),
    );
    t.destroy();
}

#[test]
fn a_cache_that_became_failed_is_a_warning_at_every_plan() {
    if skip_emulator_only_test("the cache's status is patched to Failed in the emulator") {
        return;
    }
    let t = Acc::new();
    t.run(
        Step::new(image_cache(""))
            .plans(CACHE, &["create"])
            .calls("CreateImageCache", 1),
    );
    let id = t.attr(CACHE, "id");
    assert!(t
        .emu
        .patch_object(&id, serde_json::json!({ "Status": "Failed" })));
    t.run(
        Step::new(image_cache(""))
            .plan_only()
            .prints(&format!("Warning: Image cache {id} failed"))
            .prints("apply -replace"),
    );
    t.destroy();
}

/// Processes whose parent is `parent` and whose name starts with `name`.
#[cfg(target_os = "linux")]
fn children_named(parent: u32, name: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces, so split at the last ')'.
        let Some((head, tail)) = stat.rsplit_once(')') else {
            continue;
        };
        let comm = head.split_once('(').map(|(_, c)| c).unwrap_or_default();
        let ppid = tail
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(parent) && name.starts_with(comm) {
            found.push(pid);
        }
    }
    found
}

#[cfg(target_os = "linux")]
#[test]
fn the_provider_exits_when_terraform_is_killed() {
    use std::process::Stdio;
    if skip_emulator_only_test("kills terraform while the emulator holds a cache in Creating") {
        return;
    }
    let t = Acc::with_config(Config {
        timings: Timings {
            image_cache_creating: Duration::from_secs(600),
            ..Timings::zero()
        },
        ..Config::for_tests()
    });
    t.write_config(&image_cache(""));
    let mut terraform =
        t.ws.command(&["apply", "-input=false", "-auto-approve", "-no-color"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start terraform");
    let start = Instant::now();
    while t.calls("DescribeImageCaches") < 1 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the apply never reached the wait"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The kernel truncates process names to 15 bytes.
    let providers = children_named(terraform.id(), "terraform-provider-aliyun");
    assert_eq!(providers.len(), 1, "one provider process under terraform");
    let provider = providers[0];
    terraform.kill().expect("kill -9 terraform");
    terraform.wait().expect("reap terraform");
    let killed = Instant::now();
    while std::path::Path::new(&format!("/proc/{provider}/stat")).exists()
        && !std::fs::read_to_string(format!("/proc/{provider}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
    {
        assert!(
            killed.elapsed() < Duration::from_secs(10),
            "the provider (pid {provider}) still runs {:?} after terraform was killed",
            killed.elapsed()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_invalid_import_id_is_refused_with_an_example_and_no_call() {
    let t = Acc::new();
    t.write_config(&image_cache(""));
    let out =
        t.ws.terraform_fails(&["import", "-input=false", "-no-color", CACHE, "web"]);
    let text = unwrap_output(&out);
    assert!(
        text.contains("Invalid import ID") && text.contains("imc-bp195erqe9o2pb09abcd"),
        "{text}"
    );
    if t.emulator_only("no API call (call counts)") {
        assert!(
            t.call_counts().is_empty(),
            "no API call: {:?}",
            t.call_counts()
        );
    }
}

#[test]
fn refused_credentials_are_reported_in_full_once_and_sent_once() {
    let t = Acc::new();
    let caches: String = (0..6)
        .map(|i| {
            format!(
                r#"resource "aliyun_eci_image_cache" "c{i}" {{
  image_cache_name  = "tf-acc-web{i}"
  images            = ["nginx:1.25"]
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
{TAGS}
}}
"#
            )
        })
        .collect();
    t.run(Step::new(caches.as_str()).calls("CreateImageCache", 6));
    let before = if t.is_real() {
        0
    } else {
        t.emu.requests().len()
    };

    let wrong = t.provider_block_with(None, Some("not-the-secret"));
    t.run(
        Step::new(wrong + &caches)
            .own_provider()
            .plan_only()
            .fails_with("SignatureDoesNotMatch (HTTP")
            .output_check(|printed| {
                let text = unwrap_text(printed);
                let full = text.matches("SignatureDoesNotMatch (HTTP").count();
                let short = text.matches("refused the provider's credentials").count();
                assert_eq!(full, 1, "the cloud's answer is quoted once: {text}");
                assert_eq!(short, 5, "the other refreshes point at it: {text}");
            })
            .check(move |t| {
                if t.emulator_only("one request with the refused key (request log)") {
                    assert_eq!(
                        t.emu.requests().len() - before,
                        1,
                        "one request with the refused key"
                    );
                }
            }),
    );
    t.write_config(&caches);
    t.destroy();
}

#[test]
fn tf_log_debug_shows_each_rpc_once_in_our_words() {
    let mut t = Acc::new();
    t.ws.env("TF_LOG", "debug");
    t.run(
        Step::new("data \"aliyun_eci_image_caches\" \"all\" {}\n")
            .plan_only()
            .output_check(|log| {
                let ours: Vec<&str> = log
                    .lines()
                    .filter(|l| l.contains("provider.terraform-provider-aliyun:"))
                    .collect();
                let reads = ours
                    .iter()
                    .filter(|l| l.contains("ReadDataSource"))
                    .filter(|l| !l.contains("DescribeImageCaches"))
                    .count();
                assert_eq!(reads, 1, "one line for the RPC: {ours:#?}");
                for noise in ["type_name=:", "Some(\"", " received"] {
                    assert!(
                        !ours.iter().any(|l| l.contains(noise)),
                        "{noise:?} in the debug log: {ours:#?}"
                    );
                }
            }),
    );
}

#[test]
fn a_create_whose_outcome_is_unknown_says_so() {
    if skip_emulator_only_test("a fault after the create was done (fault injection)") {
        return;
    }
    let t = Acc::new();
    t.emu.set_fault_settings(&FaultSettings {
        rate: 1.0,
        actions: vec!["CreateImageCache".to_string()],
        kinds: vec![FaultKind::Unavailable],
        after_ratio: Some(1.0),
        ..Default::default()
    });
    let provider = edit(
        &t.provider_block(),
        &[(
            "  region     = \"cn-hangzhou\"",
            "  region     = \"cn-hangzhou\"\n  max_retries = 1",
        )],
    );
    t.run(
        Step::new(provider + &image_cache(""))
            .own_provider()
            .plans(CACHE, &["create"])
            .fails_with("The image cache may have been created: the outcome is unknown")
            .fails_with("named \"tf-acc-web\"")
            // The first attempt and its retry (with the same ClientToken).
            .calls("CreateImageCache", 2)
            .check(|t| {
                // It was: the fault struck after the emulator created it (once: the
                // retry carried the same ClientToken).
                assert_eq!(
                    t.emu.state()["image_caches"].as_array().map(Vec::len),
                    Some(1)
                );
            }),
    );
}
