//! `tf-acc-sweep` against an emulator reached only through its URL, seeded with
//! what failed acceptance runs leave behind (objects named `tf-acc-*` or tagged
//! `tf-acc=true`) next to objects that are not the tests' and must survive.

use std::collections::BTreeMap;
use std::process::{Command, Output};
use std::time::Duration;

use aliyun_emulator::{Config, PipelineOutcome, TemplateSeed, Timings};
use terraform_provider_aliyun::aliyun::{
    CallContext, ClientToken, CreateDataCacheRequest, CreateImageCacheRequest, DataSource,
    StartImagePipelineExecutionRequest, Tag,
};

use crate::acc::Acc;

fn sweep(t: &Acc, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tf-acc-sweep"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "emulator")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "emulator-secret")
        .env("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou")
        .env("ALIYUN_ACC_ENDPOINT", t.emu.endpoint())
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
    });

    // A dry run lists the leftovers, deletes nothing, and says something is left.
    let out = sweep(&t, &[]);
    let listing = text(&out);
    assert_eq!(out.status.code(), Some(1), "{listing}");
    assert!(
        listing.contains("2 image cache(s), 1 data cache(s), 1 running image build(s)"),
        "{listing}"
    );
    for name in [
        "tf-acc-left-by-name",
        "left-by-tag",
        "tf-acc-data",
        "build-marked",
    ] {
        assert!(listing.contains(&ids[name]), "{name} not listed: {listing}");
    }
    for name in ["keep-me", "keep-data", "build-other"] {
        assert!(!listing.contains(&ids[name]), "{name} listed: {listing}");
    }
    assert_eq!(t.calls("DeleteImageCache") + t.calls("DeleteDataCache"), 0);

    // With --yes it removes them and waits until they are gone.
    let out = sweep(&t, &["--yes", "--timeout", "60"]);
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
    let status = |id: &str| {
        t.block_on(c.describe_image_pipeline_execution(id, &cx))
            .expect("describe")
            .expect("the build exists")
            .status
    };
    assert_eq!(status(&ids["build-marked"]), "CANCELLED");
    assert_ne!(status(&ids["build-other"]), "CANCELLED");

    // A second run finds nothing.
    let out = sweep(&t, &["--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("0 image cache(s), 0 data cache(s), 0 running image build(s)"),
        "{}",
        text(&out)
    );
}
