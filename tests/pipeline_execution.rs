//! `aliyun_ecs_image_pipeline_execution` under the real `terraform`, against the
//! emulator: builds that succeed, fail, partly succeed, run on after apply, get
//! cancelled on destroy, collide with a running build, are replaced and imported;
//! written as steps (`acc::Step`): planned actions, the exact calls each step sends.
//!
//! In real-cloud mode (`ALIYUN_ACC_REAL=1`, see `acc::real`) the builds use the
//! account's template (`ALIYUN_ACC_IMAGE_TEMPLATE_ID`), which must build
//! successfully; tests of scripted outcomes (failures, timings) are emulator-only.
//! Every build is tagged `tf-acc = "true"`.

use std::time::Duration;

use aliyun_emulator::{Config, PipelineOutcome, TemplateSeed, Timings};

use terraform_provider_aliyun::resources::ecs_image_pipeline_execution;

use crate::acc::{action, edit, skip_emulator_only_test, Acc, Step};

const ADDR: &str = "aliyun_ecs_image_pipeline_execution.b";

/// A build of `template`, with `extra` lines in the block, tagged `tf-acc` (unless
/// `extra` sets the tags itself).
fn build(template: &str, extra: &str) -> String {
    let tags = if extra.contains("tags") {
        ""
    } else {
        "  tags = { \"tf-acc\" = \"true\" }\n"
    };
    format!(
        r#"resource "aliyun_ecs_image_pipeline_execution" "b" {{
  image_pipeline_id = "{template}"
{tags}{extra}
}}
"#
    )
}

/// Held by a real-cloud test while it uses the account's template: a template runs
/// one build at a time, so those tests take turns.
static ACCOUNT_TEMPLATE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A template whose builds succeed: seeded in the emulator, or the account's
/// `ALIYUN_ACC_IMAGE_TEMPLATE_ID` in real-cloud mode, with the turn to use it
/// (`None`, reported as skipped, when the account has none).
fn golden(t: &Acc) -> Option<(String, Option<std::sync::MutexGuard<'static, ()>>)> {
    if !t.is_real() {
        return Some((template(t, PipelineOutcome::Success, ""), None));
    }
    let id = t.real_cloud().and_then(|r| r.image_template_id.clone());
    if id.is_none() {
        crate::acc::real::report_skip("needs account settings", "no ALIYUN_ACC_IMAGE_TEMPLATE_ID");
    }
    let turn = ACCOUNT_TEMPLATE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    id.map(|id| (id, Some(turn)))
}

/// The status of execution `id`, as the API returns it.
fn status(t: &Acc, id: &str) -> String {
    t.block_on(
        t.client()
            .describe_image_pipeline_execution(id, &Default::default()),
    )
    .expect("describe the execution")
    .unwrap_or_else(|| panic!("execution {id} is not returned"))
    .status
}

/// A template whose builds end with `outcome` and `message`.
fn template(t: &Acc, outcome: PipelineOutcome, message: &str) -> String {
    t.emu.seed_template(TemplateSeed {
        message: message.into(),
        ..TemplateSeed::new("golden", outcome)
    })
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
    let Some((ip, _turn)) = golden(&t) else {
        return;
    };
    let config = build(
        &ip,
        r#"  triggers = { app_version = "1.4.2" }
  tags     = { team = "images", "tf-acc" = "true" }"#,
    );
    // One start, with a client token and the tags.
    t.run(
        Step::new(config)
            .plans(ADDR, &["create"])
            .calls("StartImagePipelineExecution", 1)
            .sends(
                "StartImagePipelineExecution",
                &[("ImagePipelineId", &ip), ("Tag.1.Key", "team")],
            )
            .sends_names("StartImagePipelineExecution", &["ClientToken"]),
    );
    let r = t.resource(ADDR);
    let id = t.attr(ADDR, "id");
    assert!(id.starts_with("exec-"), "{r:#}");
    assert_eq!(r["status"], "SUCCESS");
    assert!(
        r["image_id"].as_str().is_some_and(|s| s.starts_with("m-")),
        "{r:#}"
    );
    if t.emulator_only("the emulator's success message") {
        assert!(
            r["message"].as_str().is_some_and(|m| m.contains("created")),
            "{r:#}"
        );
    }
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
    assert_eq!(
        r["tags"],
        serde_json::json!({"team": "images", "tf-acc": "true"})
    );
    assert_eq!(r["wait_for_completion"], true);

    let emulator = t.emulator_only("a non-empty ClientToken");
    if emulator {
        let sent = t.last_request("StartImagePipelineExecution");
        assert!(sent["ClientToken"].len() >= 16, "{sent:?}");
    }
    assert_eq!(status(&t, &id), "SUCCESS");

    t.import_verify_schema(ADDR, &ecs_image_pipeline_execution::schema());
    if t.emulator_only("an import starts no build (call count)") {
        assert_eq!(
            t.calls("StartImagePipelineExecution"),
            1,
            "an import adopts the build, it never starts another"
        );
    }
}

#[test]
fn a_failed_build_is_an_error_quoting_its_message_and_stays_tainted() {
    if skip_emulator_only_test("a scripted FAILED build") {
        return;
    }
    let t = Acc::new();
    let ip = template(
        &t,
        PipelineOutcome::Failed,
        "Step 3/7: make returned exit code 2.",
    );
    // The status, the message once and the code.
    let out = t.run(
        Step::new(build(&ip, ""))
            .plans(ADDR, &["create"])
            .calls("StartImagePipelineExecution", 1)
            .fails_with(
                "it reached status FAILED: Step 3/7: make returned exit code 2 (ImageBuild.Failed).",
            ),
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
    if skip_emulator_only_test("a scripted TEST_FAILED build") {
        return;
    }
    let t = Acc::new();
    let ip = t.emu.seed_template(TemplateSeed {
        message: "Test 'nginx -t' failed.".into(),
        test_content: true,
        ..TemplateSeed::new("tested", PipelineOutcome::TestFailed)
    });
    t.run(
        Step::new(build(&ip, ""))
            .plans(ADDR, &["create"])
            .calls("StartImagePipelineExecution", 1)
            .fails_with("Test 'nginx -t' failed")
            .fails_with("TEST_FAILED"),
    );
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
    if skip_emulator_only_test("a scripted PARTITION_SUCCESS build") {
        return;
    }
    let t = Acc::new();
    let ip = template(&t, PipelineOutcome::PartitionSuccess, "");
    // The re-plans after the apply are empty (the step checks them).
    let out = t.run(
        Step::new(build(&ip, ""))
            .plans(ADDR, &["create"])
            .calls("StartImagePipelineExecution", 1),
    );
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
}

#[test]
fn without_waiting_apply_returns_while_the_build_runs() {
    let t = Acc::with_config(slow(Duration::from_secs(10), Duration::ZERO));
    let Some((ip, _turn)) = golden(&t) else {
        return;
    };
    let started = std::time::Instant::now();
    t.run(
        Step::new(build(&ip, "  wait_for_completion = false"))
            .plans(ADDR, &["create"])
            .calls("StartImagePipelineExecution", 1),
    );
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
    if t.is_real() {
        t.destroy(); // cancels the build
    }
}

#[test]
fn destroying_a_running_build_cancels_it_and_waits_for_cancelled() {
    let t = Acc::with_config(slow(Duration::ZERO, Duration::from_millis(1500)));
    let (ip, _turn) = if t.is_real() {
        let Some(golden) = golden(&t) else { return };
        golden
    } else {
        (template(&t, PipelineOutcome::Stuck, ""), None)
    };
    t.run(
        Step::new(build(&ip, "  wait_for_completion = false"))
            .plans(ADDR, &["create"])
            .calls("StartImagePipelineExecution", 1),
    );
    let id = t.attr(ADDR, "id");
    if t.emulator_only("the build is BUILDING right after the start (scripted phases)") {
        assert_eq!(t.attr(ADDR, "status"), "BUILDING");
    }
    let emulator = t.emulator_only("one CancelImagePipelineExecution, then polls (call counts)");
    let describes = if emulator {
        t.calls("DescribeImagePipelineExecutions")
    } else {
        0
    };
    t.destroy();
    if emulator {
        assert_eq!(t.calls("CancelImagePipelineExecution"), 1);
        let cancel = t.last_request("CancelImagePipelineExecution");
        assert_eq!(cancel.get("ExecutionId"), Some(&id));
    }
    assert_eq!(
        status(&t, &id),
        "CANCELLED",
        "destroy returned only once the build was cancelled"
    );
    if emulator {
        assert!(
            t.calls("DescribeImagePipelineExecutions") >= describes + 3,
            "refresh, the check before cancelling, then polls until CANCELLED"
        );
    }
}

#[test]
fn destroying_a_finished_build_only_forgets_it() {
    let t = Acc::new();
    let Some((ip, _turn)) = golden(&t) else {
        return;
    };
    t.run(
        Step::new(build(&ip, ""))
            .plans(ADDR, &["create"])
            .calls("StartImagePipelineExecution", 1),
    );
    let id = t.attr(ADDR, "id");
    t.destroy();
    if t.emulator_only("no CancelImagePipelineExecution call") {
        assert_eq!(t.calls("CancelImagePipelineExecution"), 0);
    }
    assert_eq!(status(&t, &id), "SUCCESS", "the build is untouched");
    let state = t.ws.terraform_json(&["show", "-json"]);
    assert!(
        state["values"]["root_module"]["resources"].is_null(),
        "nothing left in state: {state:#}"
    );
}

#[test]
fn a_triggers_change_starts_a_new_build() {
    let t = Acc::new();
    let Some((ip, _turn)) = golden(&t) else {
        return;
    };
    let v1 = build(&ip, r#"  triggers = { app_version = "1.4.2" }"#);
    t.run(
        Step::new(v1.clone())
            .plans(ADDR, &["create"])
            .calls("StartImagePipelineExecution", 1),
    );
    let first = t.attr(ADDR, "id");
    let first_image = t.attr(ADDR, "image_id");
    // A new build; the first had finished, so none is cancelled.
    t.run(
        Step::new(edit(&v1, &[("1.4.2", "1.5.0")]))
            .plans(ADDR, &["delete", "create"])
            .calls("StartImagePipelineExecution", 1)
            .calls("CancelImagePipelineExecution", 0)
            .check(move |t| {
                assert_ne!(t.attr(ADDR, "id"), first, "a new execution");
                assert_ne!(t.attr(ADDR, "image_id"), first_image, "a new image");
            }),
    );
    // Adding a trigger to a build that had none is a change too.
    let none = build(&ip, "");
    t.run(
        Step::new(none.clone())
            .plans(ADDR, &["delete", "create"])
            .calls("StartImagePipelineExecution", 1),
    );
    let third = t.attr(ADDR, "id");
    let v3 = build(&ip, r#"  triggers = { app_version = "2.0.0" }"#);
    t.run(
        Step::new(v3.clone())
            .plans(ADDR, &["delete", "create"])
            .calls("StartImagePipelineExecution", 1)
            .check(move |t| assert_ne!(t.attr(ADDR, "id"), third)),
    );
    // Changing only wait_for_completion starts nothing (the step refuses any write).
    let fourth = t.attr(ADDR, "id");
    t.run(
        Step::new(edit(
            &v3,
            &[(
                "app_version = \"2.0.0\" }",
                "app_version = \"2.0.0\" }\n  wait_for_completion = false",
            )],
        ))
        .plans(ADDR, &["update"])
        .check(move |t| assert_eq!(t.attr(ADDR, "id"), fourth)),
    );
}

#[test]
fn a_second_build_of_a_busy_template_names_the_running_one() {
    let t = Acc::new();
    // In real-cloud mode the account's build runs for minutes: long enough.
    let (ip, _turn) = if t.is_real() {
        let Some(golden) = golden(&t) else { return };
        golden
    } else {
        (template(&t, PipelineOutcome::Stuck, ""), None)
    };
    let one = build(&ip, "  wait_for_completion = false");
    t.run(
        Step::new(one.clone())
            .plans(ADDR, &["create"])
            .calls("StartImagePipelineExecution", 1),
    );
    let running = t.attr(ADDR, "id");
    let second = edit(&build(&ip, ""), &[("\"b\"", "\"second\"")]);
    // The second start is refused: one start sent, and it fails.
    let out = t.run(
        Step::new(format!("{one}\n{second}"))
            .plans(ADDR, &["no-op"])
            .plans("aliyun_ecs_image_pipeline_execution.second", &["create"])
            .calls("StartImagePipelineExecution", 1)
            .fails_with("already building"),
    );
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
    if t.is_real() {
        t.destroy(); // cancels the running build
    }
}

#[test]
fn a_build_started_without_waiting_is_imported_and_adopted() {
    // The import is compared with the state attribute for attribute: a real build
    // moves on between the two reads; the emulator holds it in one phase for 30 s.
    if skip_emulator_only_test("a build held in one phase while it is imported") {
        return;
    }
    let t = Acc::with_config(slow(Duration::from_secs(30), Duration::ZERO));
    let Some((ip, _turn)) = golden(&t) else {
        return;
    };
    t.run(
        Step::new(build(&ip, "  wait_for_completion = false"))
            .plans(ADDR, &["create"])
            .calls("StartImagePipelineExecution", 1),
    );
    t.import_verify_schema(ADDR, &ecs_image_pipeline_execution::schema());
}

/// API calls per lifecycle step, counted exactly (reads included) and printed as
/// a table (`--nocapture`). Each step is plan, apply of that plan, `plan
/// -refresh=false` and `plan`: two refreshing plans read the build once each.
#[test]
fn api_calls_per_lifecycle_step() {
    if skip_emulator_only_test("API call counts per step") {
        return;
    }
    let t = Acc::new();
    let ip = template(&t, PipelineOutcome::Success, "");
    let describe = "DescribeImagePipelineExecutions";
    let mut rows = Vec::new();
    let mut step = |name: &str, run: &dyn Fn()| {
        let before = t.call_counts();
        run();
        let after = t.call_counts();
        let diff: Vec<(String, u64)> = after
            .iter()
            .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0)))
            .filter(|(_, v)| *v > 0)
            .collect();
        rows.push((name.to_string(), diff));
    };
    // Create: the start, one read (the emulator's test builds end at once), and
    // the re-plan's refresh.
    step("create", &|| {
        t.run(
            Step::new(build(&ip, ""))
                .plans(ADDR, &["create"])
                .calls("StartImagePipelineExecution", 1)
                .calls(describe, 2),
        );
    });
    // Nothing to do: the two refreshes only.
    step("no-op", &|| {
        t.run(
            Step::new(build(&ip, ""))
                .plans(ADDR, &["no-op"])
                .calls(describe, 2),
        );
    });
    // wait_for_completion only: no start, the refreshes and one read after update.
    step("update", &|| {
        t.run(
            Step::new(build(&ip, "  wait_for_completion = false"))
                .plans(ADDR, &["update"])
                .calls(describe, 3),
        );
    });
    step("destroy", &|| {
        t.ws.terraform(&["destroy", "-input=false", "-auto-approve"]);
    });
    println!("aliyun_ecs_image_pipeline_execution API calls per step:");
    for (name, calls) in &rows {
        println!("  {name:<8} {calls:?}");
    }
    // A finished build is forgotten: no cancel; the refresh, then the check that
    // finds it finished.
    assert_eq!(
        rows[3].1,
        [(describe.to_string(), 2)],
        "destroy sends reads only: {rows:?}"
    );
}

#[test]
fn a_build_that_outlives_its_timeout_is_tainted_then_cancelled_when_replaced() {
    if skip_emulator_only_test("a build scripted never to end") {
        return;
    }
    let t = Acc::new();
    let ip = template(&t, PipelineOutcome::Stuck, "");
    let config = build(&ip, "  timeouts {\n    create = \"2s\"\n  }");
    t.run(
        Step::new(config.clone())
            .plans(ADDR, &["create"])
            .calls("StartImagePipelineExecution", 1)
            .fails_with("timed out after 2s")
            .fails_with("last status: BUILDING"),
    );
    let stuck = t.attr(ADDR, "id");
    assert!(t.tainted(ADDR));
    assert_eq!(status(&t, &stuck), "BUILDING", "still running");
    // The template is fixed; the next apply replaces the build: the stuck one is
    // cancelled first (one build at a time), then a new one runs to the end.
    assert!(t
        .emu
        .patch_object(&ip, serde_json::json!({"Outcome": "SUCCESS"})));
    t.run(
        Step::new(config)
            .plans(ADDR, &["delete", "create"])
            .calls("CancelImagePipelineExecution", 1)
            .calls("StartImagePipelineExecution", 1)
            .sends("CancelImagePipelineExecution", &[("ExecutionId", &stuck)])
            .check(move |t| {
                assert_eq!(status(t, &stuck), "CANCELLED");
                assert_ne!(t.attr(ADDR, "id"), stuck);
                assert_eq!(t.attr(ADDR, "status"), "SUCCESS");
            }),
    );
}
