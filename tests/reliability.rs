//! Reliability under the real `terraform`, against the emulator: injected faults on
//! every call, timeouts, asynchronous failures reported by the cloud, drift made out
//! of band, and Ctrl-C in the middle of a long wait.
//!
//! What each test proves is the contract users rely on: the state always names every
//! object that exists remotely (nothing orphaned, nothing duplicated), errors quote
//! what the cloud said, and the next apply converges. Written as steps
//! (`acc::Step`).
//!
//! In real-cloud mode (`ALIYUN_ACC_REAL=1`, see `acc::real`) the drift test runs
//! (its console changes go through the API) without its check of the whole remote
//! world; every other test is skipped and reported: each needs what only the
//! emulator can do (inject faults, fail or stall an object on purpose, time a wait
//! it controls). Configurations still follow the mode's rules (`tf-acc-` names,
//! the `tf-acc` tag, placeholder network IDs).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aliyun_emulator::{Config, Outcome, OutcomeRule, RuleKind, RuleOn, Timings};
use serde_json::Value as Json;

use crate::acc::{edit, skip_emulator_only_test, unwrap_text, Acc, Step};

// ---------------------------------------------------------------- helpers

/// Ids of every resource instance in the state, by address.
fn state_ids(t: &Acc) -> Vec<(String, String)> {
    let state = t.ws.terraform_json(&["show", "-json"]);
    state["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some((
                r["address"].as_str()?.to_string(),
                r["values"]["id"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// `(id, name)` of every cache the emulator holds (image caches and data caches).
fn emulator_caches(t: &Acc) -> Vec<(String, String)> {
    let state = t.emu.state();
    let mut caches = Vec::new();
    for (kind, id, name) in [
        ("image_caches", "image_cache_id", "image_cache_name"),
        ("data_caches", "data_cache_id", "name"),
    ] {
        for obj in state[kind].as_array().into_iter().flatten() {
            let text = |f: &str| obj[f].as_str().unwrap_or_default().to_string();
            caches.push((text(id), text(name)));
        }
    }
    caches
}

/// The values of `address` in the (refreshed) prior state of a saved plan.
fn prior_values(plan: &Json, address: &str) -> Json {
    plan["prior_state"]["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["address"] == address)
        .map(|r| r["values"].clone())
        .unwrap_or_else(|| panic!("{address} is not in the plan's prior state: {plan:#}"))
}

fn image_cache(label: &str, name: &str, extra: &str) -> String {
    format!(
        r#"resource "aliyun_eci_image_cache" "{label}" {{
  image_cache_name  = "{name}"
  images            = ["nginx:1.25"]
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
  tags              = {{ "tf-acc" = "true" }}
{extra}
}}
"#
    )
}

fn data_cache(label: &str, name: &str) -> String {
    format!(
        r#"resource "aliyun_eci_data_cache" "{label}" {{
  name              = "{name}"
  path              = "/rel/{name}"
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
  tags              = {{ "tf-acc" = "true" }}
  data_source {{
    type    = "URL"
    options = {{ repoSource = "HuggingFace/Model", repoId = "org/{name}" }}
  }}
}}
"#
    )
}

// ---------------------------------------------------------------- 1. faults

/// Caches of each kind in the fault run.
const FAULT_COUNT: usize = 50;

/// 100 caches created, updated and destroyed under a 30 % fault rate on every call
/// (throttling, 500, 503, dropped connections; half of them after the emulator did
/// the work, so the answer is lost): every apply succeeds, the emulator holds
/// exactly the caches in the state, re-plans are empty, and destroy leaves nothing.
#[test]
fn a_hundred_caches_under_thirty_percent_faults() {
    if skip_emulator_only_test("30 % of the calls fail on purpose (fault injection)") {
        return;
    }
    let started = Instant::now();
    let mut t = Acc::with_config(Config {
        fault_rate: 0.3,
        fault_seed: 20_260_801,
        request_log_limit: 100_000,
        ..Config::for_tests()
    });
    for cmd in ["plan", "apply", "destroy"] {
        t.ws.env(&format!("TF_CLI_ARGS_{cmd}"), "-parallelism=50");
    }
    let config = |images: &str, tags: &str, revision: &str| {
        format!(
            r#"
resource "aliyun_eci_image_cache" "img" {{
  count             = {FAULT_COUNT}
  image_cache_name  = "tf-acc-fault-img-${{count.index}}"
  images            = {images}
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
  tags              = {tags}
}}

resource "aliyun_eci_data_cache" "data" {{
  count             = {FAULT_COUNT}
  name              = "tf-acc-fault-data-${{count.index}}"
  path              = "/fault/${{count.index}}"
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
  tags              = {{ "tf-acc" = "true" }}
  data_source {{
    type    = "URL"
    options = {{
      repoSource = "HuggingFace/Model"
      repoId     = "org/model-${{count.index}}"
      revision   = "{revision}"
    }}
  }}
}}
"#
        )
    };
    // Every resource planned `actions`, and no other change.
    let every = |step: Step, actions: &'static [&'static str]| {
        let step = (0..FAULT_COUNT).fold(step, |step, i| {
            step.plans(&format!("aliyun_eci_image_cache.img[{i}]"), actions)
                .plans(&format!("aliyun_eci_data_cache.data[{i}]"), actions)
        });
        step.plan_check(|plan| {
            let changes = plan["resource_changes"].as_array().map_or(0, Vec::len);
            assert_eq!(changes, 2 * FAULT_COUNT, "one change per resource");
        })
    };
    // Calls count answers: retries of faulted calls are accounted for at the end.
    let n = FAULT_COUNT as u64;
    t.run(
        every(
            Step::new(config(
                r#"["nginx:1.25"]"#,
                r#"{ run = "faults", "tf-acc" = "true" }"#,
                "v1",
            )),
            &["create"],
        )
        .counts_answered()
        .calls("CreateImageCache", n)
        .calls("CreateDataCache", n),
    );
    // Every cache updated in place: the image caches re-pull and change tags (one
    // TagResources and one UntagResources each), the data caches reload.
    t.run(
        every(
            Step::new(config(
                r#"["nginx:1.25", "redis:7"]"#,
                r#"{ phase = "update", "tf-acc" = "true" }"#,
                "v2",
            )),
            &["update"],
        )
        .counts_answered()
        .calls("UpdateImageCache", n)
        .calls("TagResources", n)
        .calls("UntagResources", n)
        .calls("UpdateDataCache", n),
    );

    // Exactly the objects in the state: no duplicate from a retried create whose
    // answer was lost, no orphan, nothing missing.
    let in_state: BTreeSet<String> = state_ids(&t).into_iter().map(|(_, id)| id).collect();
    assert_eq!(in_state.len(), 2 * FAULT_COUNT, "one id per resource");
    let remote = emulator_caches(&t);
    let remote_set: BTreeSet<String> = remote.iter().map(|(id, _)| id.clone()).collect();
    // Every configured cache has its own name: two remote caches with one name
    // are one logical create done twice.
    let names: BTreeSet<&str> = remote.iter().map(|(_, name)| name.as_str()).collect();
    let duplicates = remote.len() - names.len();
    let orphans: Vec<&String> = remote_set.difference(&in_state).collect();
    let missing: Vec<&String> = in_state.difference(&remote_set).collect();
    println!(
        "after apply: {} caches in the state, {} in the emulator; {duplicates} duplicates, \
         {} orphans, {} missing",
        in_state.len(),
        remote.len(),
        orphans.len(),
        missing.len()
    );
    assert_eq!(duplicates, 0, "duplicates in the emulator: {remote:?}");
    assert!(orphans.is_empty(), "orphaned caches: {orphans:?}");
    assert!(
        missing.is_empty(),
        "ids in the state but not remote: {missing:?}"
    );

    t.destroy();

    // The figures of the whole run (create, update, their re-plans, destroy).
    let counts = t.emu.call_counts();
    // Creates, updates, tag changes and deletes: one logical operation per cache.
    // Status checks: each real answer is one (the provider wanted that many).
    let logical = |action: &str| -> Option<u64> {
        (!action.starts_with("Describe")).then_some(FAULT_COUNT as u64)
    };
    println!("fault run: {} caches, fault rate 0.3", 2 * FAULT_COUNT);
    println!(
        "{:<22} {:>6} {:>7} {:>8} {:>8}",
        "action", "calls", "faults", "logical", "retries"
    );
    let (mut calls, mut faults, mut retries) = (0, 0, 0);
    for (action, &received) in &counts.received {
        let faulted = counts.faulted.get(action).copied().unwrap_or(0);
        let answered = received - faulted;
        let ops = logical(action).unwrap_or(answered);
        println!(
            "{action:<22} {received:>6} {faulted:>7} {ops:>8} {:>8}",
            received - ops
        );
        calls += received;
        faults += faulted;
        retries += received - ops;
        // Every fault was retried, and the retries of a write ended with exactly one
        // real answer (for a create or update whose answer was lost: the replay of
        // the first one, by its ClientToken).
        assert_eq!(
            answered, ops,
            "{action}: one real answer per logical operation"
        );
    }
    // Creates and updates whose answer was lost after the emulator did the work: the
    // retries that would have made duplicates, or failed on a cache busy with the
    // first attempt, without a reused ClientToken.
    let lost = |prefix: &str| {
        t.emu
            .requests()
            .iter()
            .filter(|r| {
                r.action.as_deref().is_some_and(|a| a.starts_with(prefix))
                    && r.fault.as_deref().is_some_and(|f| f.ends_with("/after"))
            })
            .count()
    };
    let (lost_creates, lost_updates) = (lost("Create"), lost("Update"));
    println!(
        "total: {calls} calls, {faults} faults injected ({lost_creates} creates and {lost_updates} \
         updates done remotely whose answer was lost), {retries} retries, {duplicates} duplicates, \
         {} orphans; {:.1} s",
        orphans.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(faults > 200, "faults were injected: {counts:?}");
    assert!(
        lost_creates > 0 && lost_updates > 0,
        "no create or no update lost its answer: the run proves less than it claims"
    );
}

// ---------------------------------------------------------------- 2. timeouts

/// A cache that never leaves `Creating` against `timeouts { create = "5s" }`: the
/// apply fails naming the timeout and the status, the state keeps the cache
/// (tainted) with its id, and once the cloud has finished, the next apply of the
/// same configuration replaces it and deletes the old one.
#[test]
fn a_create_timeout_keeps_the_cache_tainted_and_the_next_apply_replaces_it() {
    if skip_emulator_only_test("a cache kept in Creating on purpose (emulator rule)") {
        return;
    }
    let t = Acc::with_config(Config {
        rules: vec![OutcomeRule {
            kind: RuleKind::ImageCache,
            name_contains: "stuck".into(),
            on: RuleOn::Create,
            outcome: Outcome::Stuck,
            message: String::new(),
        }],
        ..Config::for_tests()
    });
    const ADDR: &str = "aliyun_eci_image_cache.slow";
    let timeouts = "  timeouts {\n    create = \"5s\"\n  }\n";
    let config = image_cache("slow", "tf-acc-web-stuck", timeouts);
    let started = Instant::now();
    t.run(
        Step::new(config.as_str())
            .plans(ADDR, &["create"])
            // The error names the timeout and the status.
            .fails_with("timed out after 5s")
            .fails_with("last status: Creating")
            .calls("CreateImageCache", 1)
            .check(|t| {
                let id = t.attr(ADDR, "id");
                assert!(id.starts_with("imc-"), "{id}");
                assert_eq!(
                    t.attr(ADDR, "status"),
                    "Creating",
                    "the state says what the cloud said"
                );
                assert!(
                    t.tainted(ADDR),
                    "a cache that did not become Ready is tainted"
                );
                assert_eq!(emulator_caches(t).len(), 1);
            }),
    );
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(60),
        "the 5 s timeout ended the wait ({took:?})"
    );
    let id = t.attr(ADDR, "id");

    // The cloud finishes that cache late and creates the next ones at once: the
    // next apply of the same configuration replaces the tainted cache and deletes
    // the old one.
    assert!(t
        .emu
        .patch_object(&id, serde_json::json!({"Status": "Ready"})));
    t.emu.clear_rules();
    t.run(
        Step::new(config)
            .plans(ADDR, &["delete", "create"])
            .calls("DeleteImageCache", 1)
            .calls("CreateImageCache", 1)
            .check(move |t| {
                let new_id = t.attr(ADDR, "id");
                assert_ne!(new_id, id);
                assert_eq!(t.attr(ADDR, "status"), "Ready");
                let remote: Vec<String> =
                    emulator_caches(t).into_iter().map(|(id, _)| id).collect();
                assert_eq!(
                    remote,
                    [new_id],
                    "the old cache was deleted, nothing orphaned"
                );
            }),
    );
    t.destroy();
}

// ---------------------------------------------------------------- 3. asynchronous failures

/// A rule making caches named `*name_contains*` fail `on` a transition with `message`.
fn failing(kind: RuleKind, name_contains: &str, on: RuleOn, message: &str) -> OutcomeRule {
    OutcomeRule {
        kind,
        name_contains: name_contains.into(),
        on,
        outcome: if on == RuleOn::Create {
            Outcome::Failed
        } else {
            Outcome::UpdateFailed
        },
        message: message.into(),
    }
}

/// The cloud says `Failed` after accepting the create: the error quotes its event
/// message, and the state keeps the cache (tainted) with status `Failed` and the
/// events, so nothing is orphaned and the next apply replaces it.
#[test]
fn an_image_cache_that_fails_to_create_quotes_the_cloud_and_stays_in_state() {
    if skip_emulator_only_test("a cache made to fail on purpose (emulator rule)") {
        return;
    }
    const WHY: &str = "Failed to pull image registry.example.com/team/app:v1: unauthorized";
    let t = Acc::with_config(Config {
        rules: vec![failing(RuleKind::ImageCache, "broken", RuleOn::Create, WHY)],
        ..Config::for_tests()
    });
    const ADDR: &str = "aliyun_eci_image_cache.app";
    let broken = image_cache("app", "tf-acc-app-broken", "");
    t.run(
        Step::new(broken.as_str())
            .plans(ADDR, &["create"])
            // The error quotes the cloud's event.
            .fails_with("reached status Failed")
            .fails_with(WHY)
            .calls("CreateImageCache", 1)
            .check(|t| {
                assert_eq!(t.attr(ADDR, "status"), "Failed");
                let events = t.resource(ADDR)["events"].to_string();
                assert!(events.contains(WHY), "events recorded: {events}");
                assert!(t.tainted(ADDR));
            }),
    );
    let id = t.attr(ADDR, "id");

    // Fixed configuration: the failed cache is replaced and deleted.
    t.run(
        Step::new(edit(&broken, &[("tf-acc-app-broken", "tf-acc-app")]))
            .plans(ADDR, &["delete", "create"])
            .calls("DeleteImageCache", 1)
            .calls("CreateImageCache", 1)
            .check(move |t| {
                let remote: Vec<String> =
                    emulator_caches(t).into_iter().map(|(id, _)| id).collect();
                assert_eq!(
                    remote,
                    [t.attr(ADDR, "id")],
                    "the failed cache {id} was deleted"
                );
            }),
    );
    t.destroy();
}

/// An update the cloud accepts and then reports `UpdateFailed`: the error quotes its
/// event message, the state records the status, and the next plan proposes the
/// update again; applying it (the cloud now succeeding) converges.
#[test]
fn an_update_that_fails_remotely_is_reported_and_retried() {
    if skip_emulator_only_test("an update made to fail on purpose (emulator rule)") {
        return;
    }
    const WHY: &str = "Failed to pull image nginx:9.99: manifest unknown";
    let t = Acc::with_config(Config {
        rules: vec![failing(RuleKind::ImageCache, "web", RuleOn::Update, WHY)],
        ..Config::for_tests()
    });
    const ADDR: &str = "aliyun_eci_image_cache.web";
    let config = image_cache("web", "tf-acc-web", "");
    t.run(
        Step::new(config.as_str())
            .plans(ADDR, &["create"])
            .calls("CreateImageCache", 1),
    );
    let id = t.attr(ADDR, "id");

    let newer = edit(&config, &[("nginx:1.25", "nginx:9.99")]);
    let same = id.clone();
    t.run(
        Step::new(newer.as_str())
            .plans(ADDR, &["update"])
            // The error quotes the cloud's event.
            .fails_with("reached status UpdateFailed")
            .fails_with(WHY)
            .calls("UpdateImageCache", 1)
            .check(move |t| {
                assert_eq!(t.attr(ADDR, "id"), same, "an update never replaces");
                assert!(!t.tainted(ADDR), "a failed update does not taint");
            }),
    );
    let snapshot = t.attr(ADDR, "snapshot_id");

    // Describe already reports the new image list, so the configuration matches the
    // refreshed state; the plan must still propose the update again, from the state
    // as it is and from the state refreshed (which records UpdateFailed).
    t.run(
        Step::new(newer.as_str())
            .plan_args(&["-refresh=false"])
            .plan_only()
            .plans(ADDR, &["update"]),
    );
    t.run(
        Step::new(newer.as_str())
            .plan_only()
            .plans(ADDR, &["update"])
            .plan_check(|plan| {
                assert_eq!(
                    prior_values(plan, ADDR)["status"],
                    "UpdateFailed",
                    "the refreshed state records the cloud's status"
                );
            }),
    );

    // The cloud pulls fine now: the retry converges.
    t.emu.clear_rules();
    t.run(
        Step::new(newer)
            .plans(ADDR, &["update"])
            // One retry.
            .calls("UpdateImageCache", 1)
            .check(move |t| {
                assert_eq!(t.attr(ADDR, "id"), id);
                assert_eq!(t.attr(ADDR, "status"), "Ready");
                assert_ne!(
                    t.attr(ADDR, "snapshot_id"),
                    snapshot,
                    "the images were pulled again"
                );
                assert_eq!(
                    t.resource(ADDR)["images"],
                    serde_json::json!(["nginx:9.99"])
                );
            }),
    );
    t.destroy();
}

/// A data cache whose reload fails remotely: the error quotes the cloud, and since
/// the API does not reload unchanged data, every later plan warns that the cache
/// is UpdateFailed instead of looking settled. A rename is not held up by the
/// earlier failure, and a new data source loads the data again.
#[test]
fn a_data_cache_update_that_fails_remotely_is_reported_and_flagged() {
    if skip_emulator_only_test("a reload made to fail on purpose (emulator rule)") {
        return;
    }
    const WHY: &str = "Failed to download org/data: repository not found";
    let t = Acc::with_config(Config {
        rules: vec![failing(RuleKind::DataCache, "data", RuleOn::Update, WHY)],
        ..Config::for_tests()
    });
    const ADDR: &str = "aliyun_eci_data_cache.data";
    let v1 = data_cache("data", "tf-acc-data");
    t.run(
        Step::new(v1.as_str())
            .plans(ADDR, &["create"])
            .calls("CreateDataCache", 1),
    );
    let v2 = edit(&v1, &[("org/tf-acc-data", "org/tf-acc-data-v2")]);
    t.run(
        Step::new(v2.as_str())
            .plans(ADDR, &["update"])
            // The error quotes the cloud's event.
            .fails_with("reached status UpdateFailed")
            .fails_with(WHY)
            .calls("UpdateDataCache", 1),
    );
    // The plan warns.
    t.run(
        Step::new(v2.as_str())
            .plan_only()
            .prints("The last update of this data cache failed")
            .plan_check(|plan| assert_eq!(prior_values(plan, ADDR)["status"], "UpdateFailed")),
    );

    // The cloud works again. A rename alone (metadata: nothing reloads) succeeds.
    t.emu.clear_rules();
    let renamed = edit(
        &v2,
        &[(
            "name              = \"tf-acc-data\"",
            "name = \"tf-acc-data-renamed\"",
        )],
    );
    t.run(
        Step::new(renamed.as_str())
            .plans(ADDR, &["update"])
            .calls("UpdateDataCache", 1)
            .check(|t| assert_eq!(t.attr(ADDR, "name"), "tf-acc-data-renamed")),
    );
    // As the warning advises, a changed data source loads the data again.
    t.run(
        Step::new(edit(
            &renamed,
            &[("org/tf-acc-data-v2", "org/tf-acc-data-v3")],
        ))
        .plans(ADDR, &["update"])
        .calls("UpdateDataCache", 1)
        .check(|t| assert_eq!(t.attr(ADDR, "status"), "Available")),
    );
    t.destroy();
}

/// An image build that ends FAILED: the error quotes the execution's message, and
/// the state keeps the execution (tainted) with its status and error.
#[test]
fn an_image_build_that_fails_quotes_the_execution_message() {
    if skip_emulator_only_test("a build made to fail on purpose (emulator template)") {
        return;
    }
    const WHY: &str = "Step 3/5: RUN make install: exit status 2";
    let t = Acc::with_config(Config {
        templates: vec![aliyun_emulator::TemplateSeed {
            message: WHY.into(),
            ..aliyun_emulator::TemplateSeed::new("golden", aliyun_emulator::PipelineOutcome::Failed)
        }],
        ..Config::for_tests()
    });
    const ADDR: &str = "aliyun_ecs_image_pipeline_execution.build";
    let template = t.emu.template_ids()[0].clone();
    t.run(
        Step::new(format!(
            "resource \"aliyun_ecs_image_pipeline_execution\" \"build\" {{\n  image_pipeline_id = \"{template}\"\n  tags              = {{ \"tf-acc\" = \"true\" }}\n}}\n"
        ))
        .plans(ADDR, &["create"])
        // The error names the status and the code.
        .fails_with("reached status FAILED")
        .fails_with("ImageBuild.Failed")
        .output_check(|printed| {
            let output = unwrap_text(printed);
            assert_eq!(
                output.matches(WHY).count(),
                1,
                "the execution's message, quoted once: {output}"
            );
        })
        .calls("StartImagePipelineExecution", 1)
        .check(|t| {
            let build = t.resource(ADDR);
            assert_eq!(build["status"], "FAILED");
            assert_eq!(build["error_info"], WHY);
            assert_eq!(build["error_code"], "ImageBuild.Failed");
            assert!(build["image_id"].is_null(), "no image: {build}");
            assert!(
                t.tainted(ADDR),
                "a failed build is tainted, so the next apply builds again"
            );
        }),
    );
    t.ws.terraform(&["destroy", "-input=false", "-auto-approve"]);
}

// ---------------------------------------------------------------- 4. drift

/// What the console does, through the API (as a user would, so it also runs
/// against an account), waiting for the object to settle or go before the next
/// plan.
mod console {
    use std::time::{Duration, Instant};

    use terraform_provider_aliyun::aliyun::{
        CallContext, ClientToken, DeleteDataCacheRequest, DeleteImageCacheRequest,
        UpdateDataCacheRequest, UpdateImageCacheRequest,
    };

    use crate::acc::Acc;

    fn cx() -> CallContext {
        CallContext::with_timeout(Duration::from_secs(60))
    }

    /// Polls `status` (None: gone) until `done` says so, for up to 30 minutes.
    fn wait(what: &str, status: impl Fn() -> Option<String>, done: impl Fn(Option<&str>) -> bool) {
        let start = Instant::now();
        loop {
            let now = status();
            if done(now.as_deref()) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(1800),
                "{what}: still {now:?} after {:?}",
                start.elapsed()
            );
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    fn image_status(t: &Acc, id: &str) -> Option<String> {
        let (client, cx) = (t.client(), cx());
        let cache = t.block_on(client.describe_image_cache(id, &cx));
        cache.expect("describe the image cache").map(|c| c.status)
    }

    fn data_status(t: &Acc, id: &str) -> Option<String> {
        let (client, cx) = (t.client(), cx());
        let cache = t.block_on(client.describe_data_cache(id, &cx));
        cache.expect("describe the data cache").map(|c| c.status)
    }

    pub fn delete_image_cache(t: &Acc, id: &str) {
        let req = DeleteImageCacheRequest {
            image_cache_id: id.to_string(),
        };
        let (client, token, cx) = (t.client(), ClientToken::generate(), cx());
        t.block_on(client.delete_image_cache(&req, &token, &cx))
            .expect("delete the image cache");
        wait(id, || image_status(t, id), |s| s.is_none());
    }

    pub fn delete_data_cache(t: &Acc, id: &str) {
        let req = DeleteDataCacheRequest {
            data_cache_id: id.to_string(),
            bucket: None,
            path: None,
        };
        let (client, token, cx) = (t.client(), ClientToken::generate(), cx());
        t.block_on(client.delete_data_cache(&req, &token, &cx))
            .expect("delete the data cache");
        wait(id, || data_status(t, id), |s| s.is_none());
    }

    /// Replaces the image list (the cache pulls it again).
    pub fn set_images(t: &Acc, id: &str, images: &[&str]) {
        let req = UpdateImageCacheRequest {
            image_cache_id: id.to_string(),
            image: images.iter().map(|i| i.to_string()).collect(),
            ..Default::default()
        };
        let (client, token, cx) = (t.client(), ClientToken::generate(), cx());
        t.block_on(client.update_image_cache(&req, &token, &cx))
            .expect("update the image cache");
        wait(id, || image_status(t, id), |s| s == Some("Ready"));
    }

    pub fn rename_data_cache(t: &Acc, id: &str, name: &str) {
        let req = UpdateDataCacheRequest {
            data_cache_id: id.to_string(),
            name: Some(name.to_string()),
            ..Default::default()
        };
        let (client, token, cx) = (t.client(), ClientToken::generate(), cx());
        t.block_on(client.update_data_cache(&req, &token, &cx))
            .expect("rename the data cache");
        wait(id, || data_status(t, id), |s| s == Some("Available"));
    }
}

/// Caches deleted or changed in the console: the plan proposes to create the
/// missing one and to put changed values back in place, without errors, and
/// applying that converges (both re-plans empty).
#[test]
fn out_of_band_deletes_and_changes_are_planned_back() {
    const IMG: &str = "aliyun_eci_image_cache.img";
    const DATA: &str = "aliyun_eci_data_cache.data";
    let t = Acc::new();
    let config =
        image_cache("img", "tf-acc-drift-img", "") + &data_cache("data", "tf-acc-drift-data");
    t.run(
        Step::new(config.as_str())
            .plans(IMG, &["create"])
            .plans(DATA, &["create"])
            .calls("CreateImageCache", 1)
            .calls("CreateDataCache", 1),
    );
    let (img, data) = (t.attr(IMG, "id"), t.attr(DATA, "id"));

    // The data cache deleted, the image list of the image cache changed.
    console::delete_data_cache(&t, &data);
    console::set_images(&t, &img, &["nginx:1.24"]);
    t.run(
        Step::new(config.as_str())
            .plans(DATA, &["create"])
            .plans(IMG, &["update"])
            .calls("CreateDataCache", 1)
            .calls("UpdateImageCache", 1)
            .check(move |t| {
                assert_eq!(t.attr(IMG, "id"), img, "updated in place");
                assert_eq!(t.resource(IMG)["images"], serde_json::json!(["nginx:1.25"]));
            }),
    );
    let (img, data) = (t.attr(IMG, "id"), t.attr(DATA, "id"));

    // The image cache deleted, the data cache renamed.
    console::delete_image_cache(&t, &img);
    console::rename_data_cache(&t, &data, "tf-acc-renamed-in-console");
    t.run(
        Step::new(config)
            .plans(IMG, &["create"])
            .plans(DATA, &["update"])
            .calls("CreateImageCache", 1)
            .calls("UpdateDataCache", 1)
            .check(move |t| {
                assert_eq!(t.attr(DATA, "id"), data, "updated in place");
                assert_eq!(t.attr(DATA, "name"), "tf-acc-drift-data");
            }),
    );

    if t.emulator_only("nothing orphaned (the emulator's whole world)") {
        let mut remote: Vec<String> = emulator_caches(&t).into_iter().map(|(id, _)| id).collect();
        let mut in_state: Vec<String> = state_ids(&t).into_iter().map(|(_, id)| id).collect();
        remote.sort();
        in_state.sort();
        assert_eq!(remote, in_state, "nothing orphaned");
    }
    t.destroy();
}

// ---------------------------------------------------------------- 5. interrupt

/// Ctrl-C while an image cache spends a minute in `Creating`: Terraform's
/// StopProvider ends the wait at once, terraform exits within seconds, and the
/// state keeps every id created so far (the image cache tainted, the data cache
/// that finished as it is).
#[cfg(unix)]
#[test]
fn ctrl_c_during_a_long_wait_returns_promptly_and_keeps_the_ids() {
    use std::process::Stdio;
    if skip_emulator_only_test("Ctrl-C timed against a wait the emulator controls") {
        return;
    }

    const IMG: &str = "aliyun_eci_image_cache.slow";
    const DATA: &str = "aliyun_eci_data_cache.fast";
    let t = Acc::with_config(Config {
        timings: Timings {
            image_cache_creating: Duration::from_secs(60),
            ..Timings::zero()
        },
        ..Config::for_tests()
    });
    t.write_config(&(image_cache("slow", "tf-acc-slow", "") + &data_cache("fast", "tf-acc-fast")));
    let log = std::fs::File::create(t.ws.path().join("apply.log")).expect("log file");
    let mut child =
        t.ws.command(&["apply", "-input=false", "-auto-approve", "-no-color"])
            .stdout(Stdio::from(log.try_clone().expect("log file")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start terraform");

    // Wait until the provider is polling a cache in Creating and the data cache is done.
    let ready = Instant::now();
    loop {
        let state = t.emu.state();
        let creating = state["image_caches"][0]["status"] == "Creating";
        // With zero timings the first status check of the data cache finds it
        // Available: its create is over once the provider has made that check.
        let loaded = t.calls("DescribeDataCaches") >= 1;
        if creating && loaded && t.calls("DescribeImageCaches") >= 1 {
            break;
        }
        if ready.elapsed() > Duration::from_secs(60) || child.try_wait().ok().flatten().is_some() {
            let _ = child.kill();
            panic!(
                "the apply never reached the wait:\n{}\n{}",
                t.ws.read("apply.log"),
                t.emulator_report()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let signalled = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for terraform") {
            break status;
        }
        if signalled.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!(
                "terraform did not exit after Ctrl-C:\n{}",
                t.ws.read("apply.log")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let latency = signalled.elapsed();
    let output = unwrap_text(&t.ws.read("apply.log"));
    println!("Ctrl-C to terraform's exit: {} ms", latency.as_millis());
    assert!(!status.success(), "an interrupted apply fails: {output}");
    assert!(
        latency < Duration::from_secs(10),
        "terraform took {latency:?} to exit after Ctrl-C (the cache would take a minute): {output}"
    );
    assert!(
        output.contains("interrupted by Terraform") && output.contains("last status: Creating"),
        "the error says the wait was interrupted and where it stood: {output}"
    );

    // Every id created so far is in the state and exists remotely.
    let img = t.attr(IMG, "id");
    assert!(t.tainted(IMG), "the unfinished cache is tainted");
    assert_eq!(t.attr(IMG, "status"), "Creating");
    assert_eq!(t.attr(DATA, "status"), "Available");
    assert!(!t.tainted(DATA));
    let mut remote: Vec<String> = emulator_caches(&t).into_iter().map(|(id, _)| id).collect();
    let mut in_state: Vec<String> = state_ids(&t).into_iter().map(|(_, id)| id).collect();
    remote.sort();
    in_state.sort();
    assert_eq!(remote, in_state, "nothing orphaned");
    assert!(remote.contains(&img));

    // The cloud finishes; nothing is left behind.
    assert!(t
        .emu
        .patch_object(&img, serde_json::json!({"Status": "Ready"})));
    t.destroy();
}
