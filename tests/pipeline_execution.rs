//! `aliyun_ecs_image_pipeline_execution` under the real `terraform`, against the
//! emulator: builds that succeed, fail, partly succeed, run on after apply, get
//! cancelled on destroy, collide with a running build, are replaced and imported.

use std::collections::BTreeMap;
use std::time::Duration;

use aliyun_emulator::{Config, PipelineOutcome, TemplateSeed, Timings};
use serde_json::Value as Json;

use terraform_provider_aliyun::resources::ecs_image_pipeline_execution;

use crate::acc::{action, Acc};

const ADDR: &str = "aliyun_ecs_image_pipeline_execution.b";

/// A build of `template`, with `extra` lines in the block.
fn build(template: &str, extra: &str) -> String {
    format!(
        r#"resource "aliyun_ecs_image_pipeline_execution" "b" {{
  image_pipeline_id = "{template}"
{extra}
}}
"#
    )
}

/// A template whose builds end with `outcome` and `message`.
fn template(t: &Acc, outcome: PipelineOutcome, message: &str) -> String {
    t.emu.seed_template(TemplateSeed {
        message: message.into(),
        ..TemplateSeed::new("golden", outcome)
    })
}

/// The emulator's record of execution `id`.
fn execution(t: &Acc, id: &str) -> Json {
    t.emu.state()["executions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["execution_id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("execution {id} is not in the emulator"))
}

/// Emulator timings where each build phase lasts `phase` (and cancelling `cancel`).
fn slow(phase: Duration, cancel: Duration) -> Config {
    let mut config = Config::for_tests();
    config.timings = Timings {
        pipeline_phase: phase,
        pipeline_cancelling: cancel,
        ..Timings::zero()
    };
    config
}

#[test]
fn a_successful_build_waits_for_the_image_and_imports() {
    let t = Acc::new();
    let ip = template(&t, PipelineOutcome::Success, "");
    let config = build(
        &ip,
        r#"  triggers = { app_version = "1.4.2" }
  tags     = { team = "images" }"#,
    );
    let actions = t.apply(&config);
    assert_eq!(action(&actions, ADDR), ["create"]);
    let r = t.resource(ADDR);
    let id = t.attr(ADDR, "id");
    assert!(id.starts_with("exec-"), "{r:#}");
    assert_eq!(r["status"], "SUCCESS");
    assert!(
        r["image_id"].as_str().is_some_and(|s| s.starts_with("m-")),
        "{r:#}"
    );
    assert!(
        r["message"].as_str().is_some_and(|m| m.contains("created")),
        "{r:#}"
    );
    for time in ["creation_time", "modified_time"] {
        assert!(
            r[time].as_str().is_some_and(|s| s.ends_with('Z')),
            "{time}: {r:#}"
        );
    }
    assert!(r["resource_group_id"]
        .as_str()
        .is_some_and(|s| s.starts_with("rg-")));
    assert!(
        r["error_code"].is_null() && r["error_info"].is_null(),
        "{r:#}"
    );
    assert_eq!(r["tags"], serde_json::json!({"team": "images"}));
    assert_eq!(r["wait_for_completion"], true);

    assert_eq!(t.calls("StartImagePipelineExecution"), 1);
    let sent = t.last_request("StartImagePipelineExecution");
    assert_eq!(sent.get("ImagePipelineId"), Some(&ip));
    assert!(
        sent.get("ClientToken").is_some_and(|c| !c.is_empty()),
        "{sent:?}"
    );
    assert_eq!(sent.get("Tag.1.Key").map(String::as_str), Some("team"));
    assert_eq!(execution(&t, &id)["status"], "SUCCESS");

    t.import_verify_schema(ADDR, &ecs_image_pipeline_execution::schema());
    assert_eq!(
        t.calls("StartImagePipelineExecution"),
        1,
        "an import adopts the build, it never starts another"
    );
}

#[test]
fn a_failed_build_is_an_error_quoting_its_message_and_stays_tainted() {
    let t = Acc::new();
    let ip = template(
        &t,
        PipelineOutcome::Failed,
        "Step 3/7: make returned exit code 2.",
    );
    let out = t.apply_fails(&build(&ip, ""));
    assert!(
        out.contains(
            "it reached status FAILED: Step 3/7: make returned exit code 2 (ImageBuild.Failed)."
        ),
        "the status, the message once and the code: {out}"
    );
    let id = t.attr(ADDR, "id");
    assert!(t.tainted(ADDR), "the failed build is kept, tainted");
    let r = t.resource(ADDR);
    assert_eq!(r["status"], "FAILED");
    assert_eq!(r["error_code"], "ImageBuild.Failed");
    assert!(out.contains(&id), "the execution is named: {out}");
    // The next plan starts a new build in its place.
    let actions = t.plan_actions();
    assert_eq!(action(&actions, ADDR), ["delete", "create"]);
}

#[test]
fn a_test_failure_is_an_error_and_keeps_the_image_id() {
    let t = Acc::new();
    let ip = t.emu.seed_template(TemplateSeed {
        message: "Test 'nginx -t' failed.".into(),
        test_content: true,
        ..TemplateSeed::new("tested", PipelineOutcome::TestFailed)
    });
    let out = t.apply_fails(&build(&ip, ""));
    assert!(out.contains("Test 'nginx -t' failed"), "{out}");
    assert!(out.contains("TEST_FAILED"), "{out}");
    assert!(t.tainted(ADDR));
    let r = t.resource(ADDR);
    assert_eq!(r["status"], "TEST_FAILED");
    assert!(
        r["image_id"].as_str().is_some_and(|s| s.starts_with("m-")),
        "the image that failed its tests is recorded: {r:#}"
    );
}

#[test]
fn a_partial_success_is_a_warning() {
    let t = Acc::new();
    let ip = template(&t, PipelineOutcome::PartitionSuccess, "");
    let out = t.apply_output(&build(&ip, ""));
    assert!(out.contains("Warning"), "{out}");
    assert!(out.contains("partly succeeded"), "{out}");
    assert!(
        out.contains("could not be copied"),
        "the cloud's message is quoted: {out}"
    );
    assert!(!t.tainted(ADDR));
    let r = t.resource(ADDR);
    assert_eq!(r["status"], "PARTITION_SUCCESS");
    assert!(r["image_id"].as_str().is_some_and(|s| s.starts_with("m-")));
    assert!(
        out.contains(r["image_id"].as_str().unwrap()),
        "the image is named: {out}"
    );
    t.expect_empty_plan(&[]);
}

#[test]
fn without_waiting_apply_returns_while_the_build_runs() {
    let t = Acc::with_config(slow(Duration::from_secs(10), Duration::ZERO));
    let ip = template(&t, PipelineOutcome::Success, "");
    let started = std::time::Instant::now();
    t.apply(&build(&ip, "  wait_for_completion = false"));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "did not wait for the 4 phases of 10 s: {:?}",
        started.elapsed()
    );
    let r = t.resource(ADDR);
    let status = r["status"].as_str().unwrap();
    assert!(
        ["PREPARING", "BUILDING", "DISTRIBUTING", "RELEASING"].contains(&status),
        "still running: {r:#}"
    );
    assert_eq!(r["wait_for_completion"], false);
}

#[test]
fn destroying_a_running_build_cancels_it_and_waits_for_cancelled() {
    let t = Acc::with_config(slow(Duration::ZERO, Duration::from_millis(1500)));
    let ip = template(&t, PipelineOutcome::Stuck, "");
    t.apply(&build(&ip, "  wait_for_completion = false"));
    let id = t.attr(ADDR, "id");
    assert_eq!(t.attr(ADDR, "status"), "BUILDING");
    let describes = t.calls("DescribeImagePipelineExecutions");
    t.destroy();
    assert_eq!(t.calls("CancelImagePipelineExecution"), 1);
    let cancel = t.last_request("CancelImagePipelineExecution");
    assert_eq!(cancel.get("ExecutionId"), Some(&id));
    assert_eq!(
        execution(&t, &id)["status"],
        "CANCELLED",
        "destroy returned only once the build was cancelled"
    );
    assert!(
        t.calls("DescribeImagePipelineExecutions") >= describes + 3,
        "refresh, the check before cancelling, then polls until CANCELLED"
    );
}

#[test]
fn destroying_a_finished_build_only_forgets_it() {
    let t = Acc::new();
    let ip = template(&t, PipelineOutcome::Success, "");
    t.apply(&build(&ip, ""));
    let id = t.attr(ADDR, "id");
    t.destroy();
    assert_eq!(t.calls("CancelImagePipelineExecution"), 0);
    assert_eq!(
        execution(&t, &id)["status"],
        "SUCCESS",
        "the build is untouched"
    );
    let state = t.ws.terraform_json(&["show", "-json"]);
    assert!(
        state["values"]["root_module"]["resources"].is_null(),
        "nothing left in state: {state:#}"
    );
}

#[test]
fn a_triggers_change_starts_a_new_build() {
    let t = Acc::new();
    let ip = template(&t, PipelineOutcome::Success, "");
    t.apply(&build(&ip, r#"  triggers = { app_version = "1.4.2" }"#));
    let first = t.attr(ADDR, "id");
    let first_image = t.attr(ADDR, "image_id");
    let actions = t.apply(&build(&ip, r#"  triggers = { app_version = "1.5.0" }"#));
    assert_eq!(action(&actions, ADDR), ["delete", "create"]);
    let second = t.attr(ADDR, "id");
    assert_ne!(second, first, "a new execution");
    assert_ne!(t.attr(ADDR, "image_id"), first_image, "a new image");
    assert_eq!(t.calls("StartImagePipelineExecution"), 2);
    assert_eq!(
        t.calls("CancelImagePipelineExecution"),
        0,
        "the first had finished"
    );
    // Adding a trigger to a build that had none is a change too.
    t.apply(&build(&ip, ""));
    let third = t.attr(ADDR, "id");
    let actions = t.apply(&build(&ip, r#"  triggers = { app_version = "2.0.0" }"#));
    assert_eq!(action(&actions, ADDR), ["delete", "create"]);
    assert_ne!(t.attr(ADDR, "id"), third);
    // Changing only wait_for_completion starts nothing.
    let actions = t.apply(&build(
        &ip,
        "  triggers = { app_version = \"2.0.0\" }\n  wait_for_completion = false",
    ));
    assert_eq!(action(&actions, ADDR), ["update"]);
    assert_eq!(t.calls("StartImagePipelineExecution"), 4);
}

#[test]
fn a_second_build_of_a_busy_template_names_the_running_one() {
    let t = Acc::new();
    let ip = template(&t, PipelineOutcome::Stuck, "");
    t.apply(&build(&ip, "  wait_for_completion = false"));
    let running = t.attr(ADDR, "id");
    let two = format!(
        "{}\n{}",
        build(&ip, "  wait_for_completion = false"),
        build(&ip, "").replace("\"b\"", "\"second\"")
    );
    let out = t.apply_fails(&two);
    assert!(out.contains("already building"), "{out}");
    assert!(
        out.contains(&running),
        "the running execution is named: {out}"
    );
    assert!(out.contains(&ip), "the template is named: {out}");
    let state = t.ws.terraform_json(&["show", "-json"]);
    let addresses: Vec<&str> = state["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["address"].as_str())
        .collect();
    assert_eq!(
        addresses,
        [ADDR],
        "nothing was created for the second build"
    );
}

#[test]
fn a_build_started_without_waiting_is_imported_and_adopted() {
    let t = Acc::with_config(slow(Duration::from_secs(30), Duration::ZERO));
    let ip = template(&t, PipelineOutcome::Success, "");
    t.apply(&build(&ip, "  wait_for_completion = false"));
    t.import_verify_schema(ADDR, &ecs_image_pipeline_execution::schema());
}

/// API calls per lifecycle step, printed as a table (`--nocapture`) and bounded.
#[test]
fn api_calls_per_lifecycle_step() {
    let t = Acc::new();
    let ip = template(&t, PipelineOutcome::Success, "");
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
        t.write_config(&build(&ip, ""));
        t.ws.terraform(&["apply", "-input=false", "-auto-approve"]);
    });
    step("no-op apply", &|| {
        t.ws.terraform(&["apply", "-input=false", "-auto-approve"]);
    });
    step("update", &|| {
        t.write_config(&build(&ip, "  wait_for_completion = false"));
        t.ws.terraform(&["apply", "-input=false", "-auto-approve"]);
    });
    step("destroy", &|| {
        t.ws.terraform(&["destroy", "-input=false", "-auto-approve"]);
    });
    println!("aliyun_ecs_image_pipeline_execution API calls per step:");
    for (name, calls) in &rows {
        println!("  {name:<12} {calls:?}");
    }
    let of = |step: usize, action: &str| rows[step].1.get(action).copied().unwrap_or(0);
    assert_eq!(of(0, "StartImagePipelineExecution"), 1);
    assert!(of(0, "DescribeImagePipelineExecutions") <= 3, "{rows:?}");
    assert_eq!(of(1, "DescribeImagePipelineExecutions"), 1, "{rows:?}");
    assert_eq!(rows[1].1.len(), 1, "{rows:?}");
    assert!(of(2, "DescribeImagePipelineExecutions") <= 2, "{rows:?}");
    assert_eq!(of(2, "StartImagePipelineExecution"), 0);
    assert_eq!(of(3, "CancelImagePipelineExecution"), 0);
    assert!(of(3, "DescribeImagePipelineExecutions") <= 2, "{rows:?}");
}

#[test]
fn a_build_that_outlives_its_timeout_is_tainted_then_cancelled_when_replaced() {
    let t = Acc::new();
    let ip = template(&t, PipelineOutcome::Stuck, "");
    let config = build(&ip, "  timeouts {\n    create = \"2s\"\n  }");
    let out = t.apply_fails(&config);
    assert!(out.contains("timed out after 2s"), "{out}");
    assert!(out.contains("last status: BUILDING"), "{out}");
    let stuck = t.attr(ADDR, "id");
    assert!(t.tainted(ADDR));
    assert_eq!(execution(&t, &stuck)["status"], "BUILDING", "still running");
    // The template is fixed; the next apply replaces the build: the stuck one is
    // cancelled first (one build at a time), then a new one runs to the end.
    assert!(t
        .emu
        .patch_object(&ip, serde_json::json!({"Outcome": "SUCCESS"})));
    let actions = t.apply(&config);
    assert_eq!(action(&actions, ADDR), ["delete", "create"]);
    assert_eq!(t.calls("CancelImagePipelineExecution"), 1);
    assert_eq!(execution(&t, &stuck)["status"], "CANCELLED");
    assert_ne!(t.attr(ADDR, "id"), stuck);
    assert_eq!(t.attr(ADDR, "status"), "SUCCESS");
}
