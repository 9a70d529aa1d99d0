//! What real repositories do in their first week, each of which once broke exact
//! or safe plans: provider settings from other resources, silent endpoints,
//! outages during waits, downstream references to computed values, create-only
//! values added later, equivalent image spellings, explicit nulls.

use std::time::{Duration, Instant};

use aliyun_emulator::{Config, FaultKind, FaultSettings, Handle, Timings};

use crate::acc::{action, unwrap_output, Acc};

const CACHE: &str = "aliyun_eci_image_cache.c";

fn image_cache(extra: &str) -> String {
    format!(
        r#"resource "aliyun_eci_image_cache" "c" {{
  image_cache_name  = "web"
  images            = ["nginx:1.25"]
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
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
    let t = Acc::new();
    let endpoint = t.emu.endpoint();
    // Plan with the endpoint unknown, then apply: Terraform configures the
    // provider again once terraform_data is created.
    t.write_config_without_provider(&(provider_from_resource(&endpoint, 1) + &image_cache("")));
    let actions = t.apply_files();
    assert_eq!(action(&actions, CACHE), ["create"]);
    assert_eq!(action(&actions, "terraform_data.ep"), ["create"]);
    assert_eq!(t.calls("CreateImageCache"), 1);

    // Replacing terraform_data makes the endpoint unknown again while the cache
    // exists: a refresh cannot reach the API and says why, naming the setting.
    let describes = t.calls("DescribeImageCaches");
    t.write_config_without_provider(&(provider_from_resource(&endpoint, 2) + &image_cache("")));
    let out = t.ws.terraform_fails(&["plan", "-input=false", "-no-color"]);
    let text = unwrap_output(&out);
    assert!(
        text.contains("Provider configuration not known yet")
            && text.contains("`endpoints[0].eci`")
            && text.contains("apply -target"),
        "{text}"
    );
    assert_eq!(
        t.calls("DescribeImageCaches"),
        describes,
        "no call with an unknown endpoint"
    );
    // Without a refresh, the plan needs no API: only terraform_data is replaced.
    let out =
        t.ws.terraform(&["plan", "-input=false", "-no-color", "-refresh=false"]);
    let text = unwrap_output(&out);
    assert!(
        text.contains("1 to add, 0 to change, 1 to destroy"),
        "{text}"
    );

    // Destroy with the state's (known) endpoint works.
    t.write_config_without_provider(&(provider_from_resource(&endpoint, 1) + &image_cache("")));
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

fn provider_at(endpoint: &str) -> String {
    crate::acc::provider_block(endpoint)
}

#[test]
fn a_refresh_against_a_silent_endpoint_ends_with_a_clear_error() {
    let t = Acc::new();
    let config = image_cache("")
        + r#"
data "aliyun_eci_image_caches" "all" {}
"#;
    t.write_config_without_provider(&(provider_at(&t.emu.endpoint()) + &config));
    t.apply_files();

    let silent = silent_endpoint();
    t.write_config_without_provider(&(provider_at(&silent) + &config));
    let start = Instant::now();
    let out = t.ws.terraform_fails(&["plan", "-input=false", "-no-color"]);
    let took = start.elapsed();
    let text = unwrap_output(&out);
    assert!(
        took < Duration::from_secs(120),
        "the plan took {took:?} against a silent endpoint"
    );
    assert!(
        text.contains(&silent),
        "the error names the endpoint: {text}"
    );
    assert!(
        text.contains("Could not read image cache") && text.contains("did not answer"),
        "{text}"
    );
    assert!(text.contains("client_read_timeout"), "{text}");
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
    let v1 = cache_with_downstream("web", r#"{ team = "a" }"#, r#"["nginx:1.25"]"#);
    t.apply(&v1);
    let snapshot = t.attr(CACHE, "snapshot_id");

    // Metadata and tags: the cache is updated in place, nothing downstream moves.
    let v2 = cache_with_downstream("web2", r#"{ team = "b" }"#, r#"["nginx:1.25"]"#);
    t.write_config(&v2);
    let plan = t.plan_json();
    let after = planned_after(&plan, CACHE);
    for known in [
        "snapshot_id",
        "container_group_id",
        "status",
        "progress",
        "events",
        "creation_time",
    ] {
        assert!(
            !after_unknown(&plan, CACHE, known),
            "{known} is planned unknown for a tag and name change: {after}"
        );
    }
    assert_eq!(after["snapshot_id"], snapshot.as_str());
    let actions = t.apply(&v2);
    assert_eq!(action(&actions, CACHE), ["update"]);
    assert_eq!(action(&actions, "terraform_data.keyed"), ["no-op"]);
    assert_eq!(action(&actions, "terraform_data.follows"), ["no-op"]);
    assert_eq!(t.attr(CACHE, "snapshot_id"), snapshot);
    assert_eq!(t.calls("UpdateImageCache"), 1);

    // A new image list re-pulls: a new snapshot, and what is keyed on it follows.
    let v3 = cache_with_downstream("web2", r#"{ team = "b" }"#, r#"["nginx:1.25", "redis:7"]"#);
    let actions = t.apply(&v3);
    assert_eq!(action(&actions, CACHE), ["update"]);
    assert_eq!(
        action(&actions, "terraform_data.keyed"),
        ["delete", "create"]
    );
    assert_eq!(
        action(&actions, "terraform_data.follows"),
        ["delete", "create"]
    );
    assert_ne!(t.attr(CACHE, "snapshot_id"), snapshot);
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
    t.apply(&image_cache(""));
    let id = t.attr(CACHE, "id");

    // On the cache Terraform created, `zone_id` null means "created without one":
    // the API cannot change it, so setting it replaces the cache.
    t.write_config(&image_cache(r#"  zone_id = "cn-hangzhou-g""#));
    let actions = t.plan_actions();
    assert_eq!(action(&actions, CACHE), ["delete", "create"]);

    // Imported, the same null means "unknown": the first plan adopts in place...
    let fresh = crate::util::Workspace::new();
    fresh.write(
        "main.tf",
        &format!(
            "{}\n{}\n{}",
            crate::util::REQUIRED_PROVIDERS,
            t.provider_block(),
            image_cache(r#"  zone_id = "cn-hangzhou-g""#)
        ),
    );
    fresh.terraform(&["import", "-input=false", CACHE, &id]);
    fresh.terraform(&["plan", "-input=false", "-out=tfplan"]);
    let plan = fresh.terraform_json(&["show", "-json", "tfplan"]);
    let rc = resource_change(&plan, CACHE).expect("the cache is in the plan");
    assert_eq!(rc["change"]["actions"], serde_json::json!(["update"]));
    fresh.terraform(&["apply", "-input=false", "tfplan"]);
    assert_eq!(t.calls("CreateImageCache"), 1);

    // ...and once applied, it is a cache like any other.
    fresh.write(
        "main.tf",
        &format!(
            "{}\n{}\n{}",
            crate::util::REQUIRED_PROVIDERS,
            t.provider_block(),
            image_cache("  zone_id = \"cn-hangzhou-g\"\n  annotations = \"a\"")
        ),
    );
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
    let t = Acc::with_config(Config {
        timings: Timings {
            image_cache_creating: Duration::from_secs(5),
            ..Timings::zero()
        },
        ..Config::for_tests()
    });
    let config = image_cache("");
    t.write_config(&config);
    let outage = std::thread::scope(|s| {
        let outage = s.spawn(|| {
            outage_of(
                &t.emu,
                "DescribeImageCaches",
                Duration::from_secs(45),
                |e| e.calls("CreateImageCache") >= 1,
            )
        });
        // Default timeouts (create: 1h).
        t.ws.terraform(&["apply", "-input=false", "-auto-approve", "-no-color"]);
        outage.join().expect("the outage thread")
    });
    assert!(outage >= Duration::from_secs(45));
    assert!(!t.tainted(CACHE), "the cache is tainted after an outage");
    assert_eq!(t.attr(CACHE, "status"), "Ready");
    assert_eq!(t.calls("CreateImageCache"), 1);
    let faulted = t.emu.call_counts();
    assert!(
        faulted.received["DescribeImageCaches"] > 10,
        "the wait kept checking through the outage: {faulted:?}"
    );
    t.expect_empty_plan(&[]);

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
    let t = Acc::new();
    let config = image_cache(r#"  tags = { team = "web" }"#);
    t.apply(&config);
    let id = t.attr(CACHE, "id");
    // The real API may return tags its services own (`acs:*`, `aliyun*`).
    assert!(t.emu.patch_object(
        &id,
        serde_json::json!({ "Tags": [
            { "Key": "team", "Value": "web" },
            { "Key": "acs:rm:rgId", "Value": "rg-acc" },
            { "Key": "aliyun-created-by", "Value": "eci" }
        ]})
    ));
    t.expect_empty_plan(&[]);
    assert_eq!(t.calls("UntagResources"), 0);
    t.destroy();
}

#[test]
fn a_cache_that_became_failed_is_a_warning_at_every_plan() {
    let t = Acc::new();
    t.apply(&image_cache(""));
    let id = t.attr(CACHE, "id");
    assert!(t
        .emu
        .patch_object(&id, serde_json::json!({ "Status": "Failed" })));
    let out = t.ws.terraform(&["plan", "-input=false", "-no-color"]);
    let text = unwrap_output(&out);
    assert!(
        text.contains(&format!("Warning: Image cache {id} failed"))
            && text.contains("apply -replace"),
        "{text}"
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
    assert!(
        t.call_counts().is_empty(),
        "no API call: {:?}",
        t.call_counts()
    );
}

#[test]
fn refused_credentials_are_reported_in_full_once_and_sent_once() {
    let t = Acc::new();
    let caches: String = (0..6)
        .map(|i| {
            format!(
                r#"resource "aliyun_eci_image_cache" "c{i}" {{
  image_cache_name  = "web{i}"
  images            = ["nginx:1.25"]
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
}}
"#
            )
        })
        .collect();
    t.apply(&caches);
    let before = t.emu.requests().len();

    let wrong =
        crate::acc::provider_block(&t.emu.endpoint()).replace("emulator-secret", "not-the-secret");
    t.write_config_without_provider(&(wrong + &caches));
    let out = t.ws.terraform_fails(&["plan", "-input=false", "-no-color"]);
    let text = unwrap_output(&out);
    let full = text.matches("SignatureDoesNotMatch (HTTP").count();
    let short = text.matches("refused the provider's credentials").count();
    assert_eq!(full, 1, "the cloud's answer is quoted once: {text}");
    assert_eq!(short, 5, "the other refreshes point at it: {text}");
    assert_eq!(
        t.emu.requests().len() - before,
        1,
        "one request with the refused key"
    );
}

#[test]
fn tf_log_debug_shows_each_rpc_once_in_our_words() {
    let mut t = Acc::new();
    t.write_config(
        r#"data "aliyun_eci_image_caches" "all" {}
"#,
    );
    t.ws.env("TF_LOG", "debug");
    let out = t.ws.terraform(&["plan", "-input=false", "-no-color"]);
    let log = String::from_utf8_lossy(&out.stderr);
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
}

#[test]
fn a_create_whose_outcome_is_unknown_says_so() {
    let t = Acc::new();
    t.emu.set_fault_settings(&FaultSettings {
        rate: 1.0,
        actions: vec!["CreateImageCache".to_string()],
        kinds: vec![FaultKind::Unavailable],
        after_ratio: Some(1.0),
        ..Default::default()
    });
    let provider = t.provider_block().replace(
        "  region     = \"cn-hangzhou\"",
        "  region     = \"cn-hangzhou\"\n  max_retries = 1",
    );
    t.write_config_without_provider(&(provider + &image_cache("")));
    let out =
        t.ws.terraform_fails(&["apply", "-input=false", "-auto-approve", "-no-color"]);
    let text = unwrap_output(&out);
    assert!(
        text.contains("The image cache may have been created: the outcome is unknown")
            && text.contains("named \"web\""),
        "{text}"
    );
    // It was: the fault struck after the emulator created it (once: the retry
    // carried the same ClientToken).
    assert_eq!(
        t.emu.state()["image_caches"].as_array().map(Vec::len),
        Some(1)
    );
}
