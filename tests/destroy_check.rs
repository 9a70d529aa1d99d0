//! `Acc::destroy` in emulator mode checks every kind the emulator registers:
//! objects the test seeded through the emulator and finished builds may stay,
//! anything else left behind fails the test.

use std::panic::{catch_unwind, AssertUnwindSafe};

use aliyun_emulator::{PipelineOutcome, TemplateSeed};
use terraform_provider_aliyun::aliyun::{CallContext, ClientToken, CreateImagePipelineRequest};

use crate::acc::real::skip_emulator_only_test;
use crate::acc::{Acc, Step};

#[test]
fn destroy_keeps_seeded_templates_and_finished_builds_and_fails_on_any_other_object() {
    if skip_emulator_only_test("reads the emulator's objects after destroy") {
        return;
    }
    let t = Acc::new();
    let seeded = t
        .emu
        .seed_template(TemplateSeed::new("golden", PipelineOutcome::Success));
    t.run(
        Step::new(format!(
            "resource \"aliyun_ecs_image_pipeline_execution\" \"b\" {{\n  image_pipeline_id = \"{seeded}\"\n}}\n"
        ))
        .plans("aliyun_ecs_image_pipeline_execution.b", &["create"])
        .calls("StartImagePipelineExecution", 1),
    );
    let build = t.attr("aliyun_ecs_image_pipeline_execution.b", "id");
    t.destroy();
    let state = t.emu.state();
    assert_eq!(state["image_pipelines"][0]["image_pipeline_id"], seeded);
    assert_eq!(state["image_pipelines"][0]["seeded"], true, "{state:#}");
    assert_eq!(state["executions"][0]["execution_id"], build.as_str());

    // A template created through the cloud API is nobody's seed: a leftover.
    let cx = CallContext::with_timeout(std::time::Duration::from_secs(30));
    let req = CreateImagePipelineRequest {
        base_image_type: "IMAGE".into(),
        base_image: Some("m-base".into()),
        ..Default::default()
    };
    let c = t.client();
    let left = t
        .block_on(c.create_image_pipeline(&req, &ClientToken::generate(), &cx))
        .expect("create a template")
        .image_pipeline_id;
    let panic = catch_unwind(AssertUnwindSafe(|| t.destroy()))
        .expect_err("destroy must fail on the template left behind");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("image_pipelines left in the emulator after destroy")
            && message.contains(&left)
            && !message.contains(&seeded),
        "{message}"
    );
}
