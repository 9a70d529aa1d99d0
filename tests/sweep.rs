//! `tf-acc-sweep` against an emulator reached only through its URL, seeded with
//! what failed acceptance runs leave behind (objects named `tf-acc-*` or tagged
//! `tf-acc=true`) next to objects that are not the tests' and must survive: caches,
//! running builds and image templates (the account's build template is never
//! swept, whatever its name).

use std::collections::BTreeMap;
use std::process::{Command, Output};
use std::time::Duration;

use aliyun_emulator::{Config, PipelineOutcome, TemplateSeed, Timings};
use terraform_provider_aliyun::aliyun::{
    CallContext, ClientToken, CreateDataCacheRequest, CreateImageCacheRequest,
    CreateImagePipelineRequest, DataSource, StartImagePipelineExecutionRequest, Tag,
};

use crate::acc::Acc;

/// Runs the sweeper; `keep` is the account's build template
/// (`ALIYUN_ACC_IMAGE_TEMPLATE_ID`).
fn sweep(t: &Acc, keep: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tf-acc-sweep"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "emulator")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "emulator-secret")
        .env("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou")
        .env("ALIYUN_ACC_ENDPOINT", t.emu.endpoint())
        .env("ALIYUN_ACC_IMAGE_TEMPLATE_ID", keep)
        .output()
        .expect("run tf-acc-sweep")
}

fn text(out: &Output) -> String {
    format!(
        "status {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_sweeper_deletes_only_marked_leftovers_and_waits_for_them() {
    // Every status lasts a moment, and a cancel takes longer than the sweeper's
    // first poll (1 s), so it has to wait.
    let t = Acc::with_config(Config {
        timings: Timings {
            pipeline_cancelling: Duration::from_millis(1500),
            ..Timings::uniform(Duration::from_millis(300))
        },
        ..Config::default()
    });
    // One running build per template: two templates whose builds never end.
    let stuck = |name: &str| {
        t.emu
            .seed_template(TemplateSeed::new(name, PipelineOutcome::Stuck))
    };
    let templates = [stuck("stuck-1"), stuck("stuck-2")];
    // A template of the tests' whose (untagged) build never ends: the build is
    // cancelled so that the template can go; and the account's build template,
    // named like the tests' objects, which must stay.
    let stuck_marked = stuck("tf-acc-stuck");
    let account = stuck("tf-acc-account");
    let c = t.client();
    let cx = CallContext::default();
    let marked = || vec![Tag::new("tf-acc", "true")];
    let mut ids = BTreeMap::new();
    t.block_on(async {
        for (name, tag) in [
            ("tf-acc-left-by-name", vec![]),
            ("left-by-tag", marked()),
            ("keep-me", vec![Tag::new("team", "web")]),
        ] {
            let req = CreateImageCacheRequest {
                image_cache_name: name.into(),
                security_group_id: Some("sg-sweep0001".into()),
                v_switch_id: Some("vsw-sweep0001".into()),
                image: vec!["nginx:1.25".into()],
                tag,
                ..Default::default()
            };
            let token = ClientToken::generate();
            let r = c.create_image_cache(&req, &token, &cx);
            ids.insert(name, r.await.expect("seed").image_cache_id);
        }
        for (name, tag) in [("tf-acc-data", marked()), ("keep-data", vec![])] {
            let req = CreateDataCacheRequest {
                name: Some(name.into()),
                bucket: Some("default".into()),
                path: Some(format!("/{name}")),
                data_source: Some(DataSource {
                    source_type: "URL".into(),
                    options: BTreeMap::from([("url".into(), "https://example.com/m".into())]),
                }),
                tag,
                ..Default::default()
            };
            let token = ClientToken::generate();
            let r = c.create_data_cache(&req, &token, &cx);
            ids.insert(name, r.await.expect("seed").data_cache_id);
        }
        for (i, (name, tag)) in [("build-marked", marked()), ("build-other", vec![])]
            .into_iter()
            .enumerate()
        {
            let req = StartImagePipelineExecutionRequest {
                image_pipeline_id: templates[i].clone(),
                tag,
            };
            let token = ClientToken::generate();
            let r = c.start_image_pipeline_execution(&req, &token, &cx);
            ids.insert(name, r.await.expect("seed").execution_id);
        }
        let req = StartImagePipelineExecutionRequest {
            image_pipeline_id: stuck_marked.clone(),
            tag: vec![],
        };
        let token = ClientToken::generate();
        let r = c.start_image_pipeline_execution(&req, &token, &cx);
        ids.insert("build-of-marked", r.await.expect("seed").execution_id);
        for (name, tag) in [
            ("tf-acc-tpl-by-name", vec![]),
            ("tpl-by-tag", marked()),
            ("keep-tpl", vec![Tag::new("team", "web")]),
        ] {
            let req = CreateImagePipelineRequest {
                base_image_type: "IMAGE_FAMILY".into(),
                base_image: Some("acs:alibaba_cloud_linux_3_2104_lts_x64".into()),
                name: Some(name.into()),
                tag,
                ..Default::default()
            };
            let token = ClientToken::generate();
            let r = c.create_image_pipeline(&req, &token, &cx);
            ids.insert(name, r.await.expect("seed").image_pipeline_id);
        }
    });
    ids.insert("tf-acc-stuck", stuck_marked);
    ids.insert("tf-acc-account", account.clone());

    // A dry run lists the leftovers, deletes nothing, and says something is left.
    let out = sweep(&t, &account, &[]);
    let listing = text(&out);
    assert_eq!(out.status.code(), Some(1), "{listing}");
    assert!(
        listing.contains(
            "2 image cache(s), 1 data cache(s), 2 running image build(s), 3 image template(s)"
        ),
        "{listing}"
    );
    for name in [
        "tf-acc-left-by-name",
        "left-by-tag",
        "tf-acc-data",
        "build-marked",
        "build-of-marked",
        "tf-acc-stuck",
        "tf-acc-tpl-by-name",
        "tpl-by-tag",
    ] {
        assert!(
            listing.contains(&format!(" {} ", ids[name])),
            "{name} not listed: {listing}"
        );
    }
    for name in ["keep-me", "keep-data", "build-other", "keep-tpl"] {
        assert!(!listing.contains(&ids[name]), "{name} listed: {listing}");
    }
    assert!(
        listing.contains(&format!(
            "the account's build template {account} is never swept"
        )),
        "{listing}"
    );
    assert!(
        !listing.contains(&format!("image template {account}")),
        "{listing}"
    );
    assert_eq!(
        t.calls("DeleteImageCache") + t.calls("DeleteDataCache") + t.calls("DeleteImagePipeline"),
        0
    );

    // With --yes it removes them and waits until they are gone.
    let out = sweep(&t, &account, &["--yes", "--timeout", "60"]);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("waiting: "), "{log}");
    assert!(log.contains("all gone"), "{log}");
    let state = t.emu.state();
    let names = |kind: &str, field: &str| -> Vec<String> {
        state[kind]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o[field].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(
        names("image_caches", "image_cache_name"),
        ["keep-me"],
        "{state:#}"
    );
    assert_eq!(names("data_caches", "name"), ["keep-data"], "{state:#}");
    let mut templates = names("image_pipelines", "name");
    templates.sort();
    assert_eq!(
        templates,
        ["keep-tpl", "stuck-1", "stuck-2", "tf-acc-account"],
        "{state:#}"
    );
    // The template with a running build was refused until its build was cancelled.
    let refused = t
        .requests("DeleteImagePipeline")
        .iter()
        .filter(|r| r.code.as_deref() == Some("InvalidImagePipeline.HasRunningExecution"))
        .count();
    assert!(refused >= 1, "{:?}", t.requests("DeleteImagePipeline"));
    let status = |id: &str| {
        t.block_on(c.describe_image_pipeline_execution(id, &cx))
            .expect("describe")
            .expect("the build exists")
            .status
    };
    assert_eq!(status(&ids["build-marked"]), "CANCELLED");
    // Deleted with its template: no longer returned.
    let gone = t.block_on(c.describe_image_pipeline_execution(&ids["build-of-marked"], &cx));
    assert_eq!(gone.expect("describe"), None);
    assert_ne!(status(&ids["build-other"]), "CANCELLED");

    // A second run finds nothing.
    let out = sweep(&t, &account, &["--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(
            "0 image cache(s), 0 data cache(s), 0 running image build(s), 0 image template(s)"
        ),
        "{}",
        text(&out)
    );
}
