//! `aliyun_ecs_image_pipeline` and `aliyun_ecs_image_pipelines` under the real
//! `terraform`, against the emulator: create and read-back of every argument,
//! import, tags changed in place, replacement on any other change, destroy while a
//! build runs, and the data source; written as steps (`acc::Step`): planned
//! actions, the exact calls each step sends.
//!
//! Also runs in real-cloud mode (`ALIYUN_ACC_REAL=1`, see `acc::real`): templates
//! are named `tf-acc-*` and tagged `tf-acc = "true"`, built on a public image family
//! and the account's vSwitch (`vsw-acc0001`); creating a template costs nothing (no
//! build runs). What only the emulator knows or has (a step's calls and requests,
//! its records, scripted build timings, resource groups and accounts it invents) is
//! skipped and reported.

use std::time::{Duration, Instant};

use aliyun_emulator::{Config, Timings};
use serde_json::{json, Value as Json};
use terraform_provider_aliyun::aliyun::{
    CallContext, ClientToken, StartImagePipelineExecutionRequest,
};

use crate::acc::{edit, skip_emulator_only_test, Acc, Step};

const ADDR: &str = "aliyun_ecs_image_pipeline.t";

/// DescribeImagePipelines returns every argument: nothing is null after an import.
const NOT_RETURNED: &[&str] = &[];

/// A public image family: a valid base in every account and in the emulator.
const FAMILY: &str = "acs:alibaba_cloud_linux_3_2104_lts_x64";

/// A template with `extra` lines in the block, tagged `tf-acc` (unless `extra`
/// sets the tags itself).
fn template(extra: &str) -> String {
    let tags = if extra.contains("tags") {
        ""
    } else {
        "  tags            = { \"tf-acc\" = \"true\" }\n"
    };
    format!(
        r#"resource "aliyun_ecs_image_pipeline" "t" {{
  base_image_type = "IMAGE_FAMILY"
  base_image      = "{FAMILY}"
{tags}{extra}
}}
"#
    )
}

/// A resource group and a shared account that exist only in the emulator: real-cloud
/// runs leave them out of [`FULL`].
const RESOURCE_GROUP: &str = "  resource_group_id          = \"rg-images0001\"\n";
const ADD_ACCOUNTS: &str = "  add_accounts               = [\"1234567890\"]\n";

/// Everything the SDK's create model has for an image base (OSS has its own test).
const FULL: &str = r#"  name                       = "tf-acc-golden-web"
  description                = "Alibaba Cloud Linux 3 with nginx"
  build_content              = "RUN yum install -y nginx"
  test_content               = "RUN nginx -t"
  instance_type              = "ecs.g7.large"
  system_disk_size           = 60
  internet_max_bandwidth_out = 10
  vswitch_id                 = "vsw-acc0001"
  delete_instance_on_failure = false
  to_region_ids              = ["cn-shanghai", "cn-beijing"]
  add_accounts               = ["1234567890"]
  repair_mode                = "Customized"
  repair_items               = ["grub", "fstab"]
  resource_group_id          = "rg-images0001"
  tags                       = { team = "images", env = "prod", "tf-acc" = "true" }
  image_options {
    image_name   = "tf-acc-golden-web"
    image_family = "tf-acc-golden"
    description  = "nginx on Alibaba Cloud Linux"
    nvme_support = "auto"
    image_tags   = { app = "web" }
  }
  advanced_options {
    image_name_suffix      = "timestamp"
    retain_cloud_assistant = true
  }
  image_security_options {
    security_scan_mode = "NONE"
  }"#;

/// The emulator's record of template `id`.
fn stored(t: &Acc, id: &str) -> Json {
    t.emu.state()["image_pipelines"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["image_pipeline_id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("template {id} is not in the emulator"))
}

fn template_count(t: &Acc) -> usize {
    t.emu.state()["image_pipelines"]
        .as_array()
        .map_or(0, Vec::len)
}

/// Whether the API still returns template `id` (through the client: the emulator
/// or the account).
fn template_exists(t: &Acc, id: &str) -> bool {
    let c = t.client();
    t.block_on(c.describe_image_pipeline(id, &CallContext::default()))
        .expect("describe the template")
        .is_some()
}

/// Starts a build of `template` outside Terraform; returns its ID.
fn start_build(t: &Acc, template: &str) -> String {
    let c = t.client();
    let req = StartImagePipelineExecutionRequest {
        image_pipeline_id: template.to_string(),
        tag: Vec::new(),
    };
    let cx = CallContext::with_timeout(Duration::from_secs(30));
    t.block_on(c.start_image_pipeline_execution(&req, &ClientToken::generate(), &cx))
        .expect("start a build")
        .execution_id
}

fn execution_status(t: &Acc, id: &str) -> Option<String> {
    t.emu.state()["executions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["execution_id"] == id)
        .map(|e| e["status"].as_str().unwrap_or_default().to_string())
}

/// Emulator settings where each build phase lasts `phase`.
fn slow_builds(phase: Duration) -> Config {
    let mut config = Config::for_tests();
    config.timings = Timings {
        pipeline_phase: phase,
        pipeline_cancelling: Duration::from_millis(200),
        ..Timings::zero()
    };
    config
}

#[test]
fn create_sends_every_argument_reads_everything_back_and_imports() {
    let t = Acc::new();
    let emulator = t.emulator_only("a resource group and a shared account of the emulator's");
    let full = if emulator {
        FULL.to_string()
    } else {
        edit(FULL, &[(RESOURCE_GROUP, ""), (ADD_ACCOUNTS, "")])
    };
    let mut step = Step::new(template(&full))
        .plans(ADDR, &["create"])
        // One create, with every argument on the wire; the tags go with it.
        .calls("CreateImagePipeline", 1)
        .sends(
            "CreateImagePipeline",
            &[
                ("Name", "tf-acc-golden-web"),
                ("BaseImageType", "IMAGE_FAMILY"),
                ("BaseImage", FAMILY),
                ("BuildContent", "RUN yum install -y nginx"),
                ("TestContent", "RUN nginx -t"),
                ("InstanceType", "ecs.g7.large"),
                ("SystemDiskSize", "60"),
                ("InternetMaxBandwidthOut", "10"),
                ("VSwitchId", "vsw-acc0001"),
                ("DeleteInstanceOnFailure", "false"),
                ("AddAccount.1", "1234567890"),
                ("RepairMode", "Customized"),
                ("ResourceGroupId", "rg-images0001"),
                ("ImageOptions.ImageName", "tf-acc-golden-web"),
                ("ImageOptions.ImageFamily", "tf-acc-golden"),
                ("ImageOptions.ImageFeatures.NvmeSupport", "auto"),
                ("ImageOptions.ImageTags.1.Key", "app"),
                ("AdvancedOptions.ImageNameSuffix", "timestamp"),
                ("AdvancedOptions.RetainCloudAssistant", "true"),
                ("ImageSecurityOptions.SecurityScanMode", "NONE"),
            ],
        )
        .sends_names(
            "CreateImagePipeline",
            &["ClientToken", "ToRegionId.2", "RepairItem.2", "Tag.3.Key"],
        )
        .omits(
            "CreateImagePipeline",
            &["ToRegionId.3", "RepairItem.3", "Tag.4.Key", "AddAccount.2"],
        )
        .check(move |t| {
            let r = t.resource(ADDR);
            assert!(t.attr(ADDR, "id").starts_with("ip-"), "{r:#}");
            for (name, want) in [
                ("name", json!("tf-acc-golden-web")),
                ("base_image_type", json!("IMAGE_FAMILY")),
                ("base_image", json!(FAMILY)),
                ("system_disk_size", json!(60)),
                ("internet_max_bandwidth_out", json!(10)),
                ("delete_instance_on_failure", json!(false)),
                ("repair_mode", json!("Customized")),
                (
                    "tags",
                    json!({"team": "images", "env": "prod", "tf-acc": "true"}),
                ),
            ] {
                assert_eq!(r[name], want, "{name}: {r:#}");
            }
            if emulator {
                assert_eq!(r["resource_group_id"], "rg-images0001", "{r:#}");
                assert_eq!(r["add_accounts"], json!(["1234567890"]), "{r:#}");
            }
            let mut regions: Vec<&str> = r["to_region_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            regions.sort();
            assert_eq!(regions, ["cn-beijing", "cn-shanghai"]);
            assert_eq!(r["image_options"][0]["image_tags"], json!({"app": "web"}));
            assert_eq!(r["image_options"][0]["nvme_support"], "auto");
            assert_eq!(r["advanced_options"][0]["retain_cloud_assistant"], true);
            assert_eq!(r["image_security_options"][0]["security_scan_mode"], "NONE");
            assert_eq!(r["import_image_options"], json!([]));
            assert!(
                r["creation_time"]
                    .as_str()
                    .is_some_and(|s| s.ends_with('Z')),
                "{r:#}"
            );
        });
    if emulator {
        step = step.check(|t| {
            let sent = t.last_request("CreateImagePipeline");
            assert!(sent["ClientToken"].len() >= 16, "a client token: {sent:?}");
            let id = t.attr(ADDR, "id");
            assert_eq!(stored(t, &id)["v_switch_id"], "vsw-acc0001");
        });
    }
    t.run(step);

    t.import_verify(ADDR, NOT_RETURNED);
    if t.emulator_only("an import creates no template (call count)") {
        assert_eq!(
            t.calls("CreateImagePipeline"),
            1,
            "an import adopts the template, it never creates another"
        );
    }
    t.destroy();
}

#[test]
fn api_defaults_are_read_back_and_replan_empty() {
    if skip_emulator_only_test(
        "a template named by the API after its ID cannot carry the tf-acc- name prefix",
    ) {
        return;
    }
    let t = Acc::new();
    t.run(
        Step::new(template(""))
            .plans(ADDR, &["create"])
            .calls("CreateImagePipeline", 1)
            // What the API chooses is not sent.
            .omits(
                "CreateImagePipeline",
                &[
                    "Name",
                    "SystemDiskSize",
                    "DeleteInstanceOnFailure",
                    "ResourceGroupId",
                ],
            )
            .check(|t| {
                let r = t.resource(ADDR);
                let id = t.attr(ADDR, "id");
                assert_eq!(r["name"], id.as_str(), "the API names it after its ID");
                assert_eq!(r["system_disk_size"], 40);
                assert_eq!(r["internet_max_bandwidth_out"], 0);
                assert_eq!(r["delete_instance_on_failure"], true);
                assert!(r["resource_group_id"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("rg-")));
                assert!(r["to_region_ids"].is_null(), "{r:#}");
            }),
    );
    t.import_verify(ADDR, NOT_RETURNED);
    t.destroy();
}

#[test]
fn empty_values_read_back_as_written_and_never_replace() {
    if skip_emulator_only_test("empty tags: a real template must carry the tf-acc tag") {
        return;
    }
    let t = Acc::new();
    // Empty collections and an empty block: the API returns nothing for them, and
    // the re-plans after apply are empty.
    let empty = "  tags = {}\n  to_region_ids = []\n  advanced_options {}";
    t.run(
        Step::new(template(empty))
            .plans(ADDR, &["create"])
            .calls("CreateImagePipeline", 1)
            .check(|t| {
                let r = t.resource(ADDR);
                assert_eq!(r["tags"], json!({}));
                assert_eq!(r["to_region_ids"], json!([]));
            }),
    );
    let id = t.attr(ADDR, "id");
    // Null and empty mean the same to the API: switching never replaces, and
    // sends nothing (the step refuses any write it does not name).
    let none = template("  tags = null");
    t.run(Step::new(none).plans(ADDR, &["update"]));
    t.run(
        Step::new(template(empty))
            .plans(ADDR, &["update"])
            .check(move |t| assert_eq!(t.attr(ADDR, "id"), id)),
    );
    t.destroy();
}

#[test]
fn an_oss_base_image_sends_and_reads_back_its_import_options() {
    if skip_emulator_only_test(
        "imports from an OSS bucket with a RAM role that only the emulator pretends to have",
    ) {
        return;
    }
    let t = Acc::new();
    let config = r#"resource "aliyun_ecs_image_pipeline" "t" {
  name            = "tf-acc-oss"
  base_image_type = "OSS"
  build_content   = "RUN echo imported"
  tags            = { "tf-acc" = "true" }
  import_image_options {
    os_type               = "linux"
    platform              = "Ubuntu"
    architecture          = "x86_64"
    boot_mode             = "UEFI"
    license_type          = "BYOL"
    role_name             = "AliyunECSImageImportDefaultRole"
    retain_imported_image = false
    image_name            = "ubuntu-import"
    nvme_support          = "supported"
    imds_support          = "v2"
    import_image_tags     = { source = "oss" }
    disk_device_mappings {
      oss_bucket      = "images"
      oss_object      = "ubuntu.qcow2"
      format          = "QCOW2"
      disk_image_size = 40
    }
    disk_device_mappings {
      oss_bucket = "images"
      oss_object = "data.raw"
    }
  }
}
"#;
    t.run(
        Step::new(config)
            .plans(ADDR, &["create"])
            .calls("CreateImagePipeline", 1)
            .omits("CreateImagePipeline", &["BaseImage"])
            .sends(
                "CreateImagePipeline",
                &[
                    (
                        "ImportImageOptions.DiskDeviceMappings.1.OSSObject",
                        "ubuntu.qcow2",
                    ),
                    (
                        "ImportImageOptions.DiskDeviceMappings.1.DiskImageSize",
                        "40",
                    ),
                    (
                        "ImportImageOptions.DiskDeviceMappings.2.OSSObject",
                        "data.raw",
                    ),
                    ("ImportImageOptions.Features.ImdsSupport", "v2"),
                    ("ImportImageOptions.OSType", "linux"),
                    ("ImportImageOptions.RetainImportedImage", "false"),
                    ("ImportImageOptions.ImportImageTags.1.Value", "oss"),
                ],
            )
            .check(|t| {
                let r = t.resource(ADDR);
                let import = &r["import_image_options"][0];
                assert_eq!(import["disk_device_mappings"][1]["oss_object"], "data.raw");
                assert_eq!(import["disk_device_mappings"][1]["format"], Json::Null);
                assert_eq!(import["import_image_tags"], json!({"source": "oss"}));
                assert_eq!(import["retain_imported_image"], false);
            }),
    );
    t.import_verify(ADDR, NOT_RETURNED);
    t.destroy();
}

#[test]
fn tags_change_in_place_with_tag_calls_only() {
    let t = Acc::new();
    let name = "  name = \"tf-acc-tags\"\n";
    let v1 = template(&format!(
        "{name}  tags = {{ a = \"1\", b = \"2\", \"tf-acc\" = \"true\" }}"
    ));
    t.run(
        Step::new(v1.clone())
            .plans(ADDR, &["create"])
            .calls("CreateImagePipeline", 1),
    );
    let id = t.attr(ADDR, "id");
    let v2 = edit(&v1, &[(r#"a = "1", b = "2","#, r#"b = "3", c = "4","#)]);
    // Only the tag calls write: the step refuses any other.
    let same = id.clone();
    t.run(
        Step::new(v2.clone())
            .plans(ADDR, &["update"])
            .calls("TagResources", 1)
            .calls("UntagResources", 1)
            .sends(
                "UntagResources",
                &[
                    ("ResourceType", "imagepipeline"),
                    ("ResourceId.1", &id),
                    ("TagKey.1", "a"),
                ],
            )
            .omits("UntagResources", &["TagKey.2", "ResourceId.2"])
            .sends(
                "TagResources",
                &[
                    ("ResourceType", "imagepipeline"),
                    ("ResourceId.1", &id),
                    ("Tag.1.Key", "b"),
                    ("Tag.1.Value", "3"),
                    ("Tag.2.Key", "c"),
                    ("Tag.2.Value", "4"),
                ],
            )
            .omits("TagResources", &["Tag.3.Key"])
            .check(move |t| {
                assert_eq!(t.attr(ADDR, "id"), same, "the same template");
                assert_eq!(
                    t.resource(ADDR)["tags"],
                    json!({"b": "3", "c": "4", "tf-acc": "true"})
                );
                if t.emulator_only("the emulator's record of the tags") {
                    let mut tags = stored(t, &same)["tags"].as_array().unwrap().clone();
                    tags.sort_by_key(|t| t["key"].as_str().unwrap_or_default().to_string());
                    assert_eq!(
                        tags,
                        [
                            json!({"key": "b", "value": "3"}),
                            json!({"key": "c", "value": "4"}),
                            json!({"key": "tf-acc", "value": "true"})
                        ]
                    );
                }
            }),
    );
    // Removing every tag only untags (not in real-cloud mode: the sweeper finds
    // templates by the tf-acc tag).
    if t.emulator_only("removing every tag, the tf-acc tag included") {
        let untagged = edit(
            &v2,
            &[(r#"  tags = { b = "3", c = "4", "tf-acc" = "true" }"#, "")],
        );
        t.run(
            Step::new(untagged)
                .plans(ADDR, &["update"])
                .calls("UntagResources", 1)
                .calls("TagResources", 0)
                .sends_names("UntagResources", &["TagKey.1", "TagKey.2", "TagKey.3"])
                .check(move |t| {
                    assert!(t.resource(ADDR)["tags"].is_null());
                    assert_eq!(stored(t, &id)["tags"], json!([]));
                }),
        );
    }
    t.destroy();
}

#[test]
fn any_other_change_replaces_the_template() {
    let t = Acc::new();
    let base = template(
        "  name = \"tf-acc-replace\"\n  build_content = \"RUN echo one\"\n  image_options {\n    image_name = \"one\"\n  }",
    );
    t.run(
        Step::new(base.clone())
            .plans(ADDR, &["create"])
            .calls("CreateImagePipeline", 1),
    );
    let first = t.attr(ADDR, "id");
    // Each replacement creates the new template, deletes the old one and nothing
    // else (no JoinResourceGroup, no tag call).
    let replaced = |config: String, old: String| {
        Step::new(config)
            .plans(ADDR, &["delete", "create"])
            .calls("CreateImagePipeline", 1)
            .calls("DeleteImagePipeline", 1)
            .calls("JoinResourceGroup", 0)
            .sends("DeleteImagePipeline", &[("ImagePipelineId", &old)])
            .check(move |t| {
                assert_ne!(t.attr(ADDR, "id"), old, "a new template");
                assert!(
                    !template_exists(t, &old),
                    "the old template {old} is deleted"
                );
                if t.emulator_only("the emulator holds one template") {
                    assert_eq!(template_count(t), 1, "each old template was deleted");
                }
            })
    };
    // A top-level argument.
    let two = edit(&base, &[("echo one", "echo two")]);
    t.run(
        replaced(two.clone(), first.clone())
            .check(|t| assert_eq!(t.attr(ADDR, "build_content"), "RUN echo two")),
    );
    let second = t.attr(ADDR, "id");
    // An argument inside a block.
    let block = edit(&two, &[("\"one\"", "\"two\"")]);
    t.run(replaced(block.clone(), second));
    // The resource group: image templates cannot move between groups.
    if t.emulator_only("a second resource group of the emulator's") {
        let third = t.attr(ADDR, "id");
        let grouped = edit(
            &block,
            &[(
                "  name = \"tf-acc-replace\"",
                "  name = \"tf-acc-replace\"\n  resource_group_id = \"rg-other0001\"",
            )],
        );
        t.run(replaced(grouped, third));
    }
    t.destroy();
}

#[test]
fn destroy_waits_for_a_running_build_then_deletes() {
    if skip_emulator_only_test("scripted build phases of 1 s") {
        return;
    }
    let t = Acc::with_config(slow_builds(Duration::from_secs(1)));
    t.run(
        Step::new(template(""))
            .plans(ADDR, &["create"])
            .calls("CreateImagePipeline", 1),
    );
    let id = t.attr(ADDR, "id");
    let build = start_build(&t, &id);
    assert_eq!(execution_status(&t, &build).as_deref(), Some("PREPARING"));
    let started = Instant::now();
    t.ws.terraform(&["destroy", "-input=false", "-auto-approve"]);
    let took = started.elapsed();
    assert_eq!(template_count(&t), 0, "the template is deleted");
    assert_eq!(
        execution_status(&t, &build),
        None,
        "its finished build went with it"
    );
    let deletes = t.requests("DeleteImagePipeline");
    assert!(deletes.len() >= 2, "{deletes:?}");
    assert_eq!(
        deletes[0].code.as_deref(),
        Some("InvalidImagePipeline.HasRunningExecution"),
        "the first delete is refused while the build runs"
    );
    assert_eq!(deletes.last().unwrap().status, 200);
    assert!(
        deletes[..deletes.len() - 1]
            .iter()
            .all(|d| d.code.as_deref() == Some("InvalidImagePipeline.HasRunningExecution")),
        "{deletes:?}"
    );
    assert_eq!(
        t.calls("CancelImagePipelineExecution"),
        0,
        "the provider never cancels a build it did not start"
    );
    assert!(
        took >= Duration::from_secs(2),
        "waited for the build's phases: {took:?}"
    );
}

#[test]
fn destroy_that_times_out_names_the_running_build_and_keeps_the_template() {
    if skip_emulator_only_test("a build scripted never to end") {
        return;
    }
    let t = Acc::with_config(slow_builds(Duration::from_secs(1)));
    let config = template("  timeouts {\n    delete = \"3s\"\n  }");
    t.run(
        Step::new(config)
            .plans(ADDR, &["create"])
            .calls("CreateImagePipeline", 1),
    );
    let id = t.attr(ADDR, "id");
    assert!(t.emu.patch_object(&id, json!({"Outcome": "STUCK"})));
    let build = start_build(&t, &id);
    let out =
        t.ws.terraform_fails(&["destroy", "-input=false", "-auto-approve", "-no-color"]);
    let out = crate::acc::unwrap_output(&out);
    assert!(
        out.contains(&format!("build {build} of it is running")),
        "{out}"
    );
    assert!(out.contains("cancel it"), "says what to do: {out}");
    assert!(
        out.contains("InvalidImagePipeline.HasRunningExecution"),
        "quotes the cloud: {out}"
    );
    assert_eq!(template_count(&t), 1);
    assert_eq!(t.attr(ADDR, "id"), id, "still in state");
    // Once the build is cancelled, destroy goes through.
    let c = t.client();
    let cx = CallContext::with_timeout(Duration::from_secs(30));
    let req = terraform_provider_aliyun::aliyun::CancelImagePipelineExecutionRequest {
        execution_id: build,
    };
    t.block_on(c.cancel_image_pipeline_execution(&req, &cx))
        .expect("cancel");
    t.ws.terraform(&["destroy", "-input=false", "-auto-approve"]);
    assert_eq!(template_count(&t), 0);
}

#[test]
fn a_build_managed_with_its_template_is_cancelled_before_the_template_is_deleted() {
    if skip_emulator_only_test("scripted build phases of 30 s") {
        return;
    }
    let t = Acc::with_config(slow_builds(Duration::from_secs(30)));
    let config = format!(
        "{}\nresource \"aliyun_ecs_image_pipeline_execution\" \"b\" {{\n  image_pipeline_id = aliyun_ecs_image_pipeline.t.id\n  wait_for_completion = false\n}}\n",
        template("")
    );
    let exec = "aliyun_ecs_image_pipeline_execution.b";
    t.run(
        Step::new(config)
            .plans(ADDR, &["create"])
            .plans(exec, &["create"])
            .calls("CreateImagePipeline", 1)
            .calls("StartImagePipelineExecution", 1),
    );
    let build = t.attr(exec, "id");
    t.ws.terraform(&["destroy", "-input=false", "-auto-approve"]);
    assert_eq!(t.calls("CancelImagePipelineExecution"), 1);
    assert_eq!(template_count(&t), 0);
    let deletes = t.requests("DeleteImagePipeline");
    assert_eq!(
        deletes.len(),
        1,
        "the build was over before the delete: {deletes:?}"
    );
    assert_eq!(execution_status(&t, &build), None);
}

#[test]
fn the_data_source_filters_by_ids_name_regex_tags_and_group() {
    let t = Acc::new();
    let emulator = t.emulator_only("a resource group of the emulator's, and its filter");
    let group = "  resource_group_id = \"rg-other0001\"\n";
    let three = format!(
        r#"resource "aliyun_ecs_image_pipeline" "a" {{
  name            = "tf-acc-ds-golden-a"
  base_image_type = "IMAGE_FAMILY"
  base_image      = "{FAMILY}"
  tags            = {{ team = "images", "tf-acc" = "true" }}
}}
resource "aliyun_ecs_image_pipeline" "b" {{
  name            = "tf-acc-ds-golden-b"
  base_image_type = "IMAGE_FAMILY"
  base_image      = "acs:alibaba_cloud_linux_3"
{group}  tags            = {{ team = "images", "tf-acc" = "true" }}
}}
resource "aliyun_ecs_image_pipeline" "c" {{
  name            = "tf-acc-ds-other-c"
  base_image_type = "IMAGE_FAMILY"
  base_image      = "{FAMILY}"
  tags            = {{ "tf-acc" = "true" }}
}}
"#
    );
    let three = if emulator {
        three
    } else {
        edit(&three, &[(group, "")])
    };
    let addr = |n: &str| format!("aliyun_ecs_image_pipeline.{n}");
    let mut step = Step::new(three.clone()).calls("CreateImagePipeline", 3);
    for n in ["a", "b", "c"] {
        step = step.plans(&addr(n), &["create"]);
    }
    t.run(step);
    let id = |n: &str| t.attr(&addr(n), "id");
    let (a, b, c) = (id("a"), id("b"), id("c"));
    let tagged_in_group = if emulator {
        r#"
data "aliyun_ecs_image_pipelines" "tagged_in_group" {
  tags              = { team = "images" }
  resource_group_id = "rg-other0001"
  depends_on        = [aliyun_ecs_image_pipeline.b]
}
output "tagged_in_group" { value = data.aliyun_ecs_image_pipelines.tagged_in_group.ids }
"#
    } else {
        ""
    };
    // Unfiltered, the emulator's region holds these three only; an account holds
    // other templates, some of them created and deleted by other tests meanwhile.
    let all_filter = if emulator {
        ""
    } else {
        "  name_regex = \"^tf-acc-ds-\"\n"
    };
    let lookups = format!(
        r#"{three}
data "aliyun_ecs_image_pipelines" "all" {{
{all_filter}  depends_on = [aliyun_ecs_image_pipeline.a, aliyun_ecs_image_pipeline.b, aliyun_ecs_image_pipeline.c]
}}
data "aliyun_ecs_image_pipelines" "golden" {{
  name_regex = "^tf-acc-ds-golden-"
  depends_on = [aliyun_ecs_image_pipeline.a, aliyun_ecs_image_pipeline.b, aliyun_ecs_image_pipeline.c]
}}
data "aliyun_ecs_image_pipelines" "by_id_and_name" {{
  image_pipeline_ids = ["{a}", "{c}"]
  name               = "tf-acc-ds-other-c"
  depends_on         = [aliyun_ecs_image_pipeline.c]
}}
output "all" {{ value = data.aliyun_ecs_image_pipelines.all.ids }}
output "golden" {{ value = data.aliyun_ecs_image_pipelines.golden.names }}
output "by_id_and_name" {{ value = data.aliyun_ecs_image_pipelines.by_id_and_name.pipelines }}
{tagged_in_group}"#
    );
    // Reads only: the templates are unchanged and nothing is written.
    let mut step = Step::new(lookups);
    for n in ["a", "b", "c"] {
        step = step.plans(&addr(n), &["no-op"]);
    }
    t.run(step);
    let out = t.ws.terraform_json(&["output", "-json"]);
    let sorted = |v: &Json| {
        let mut l: Vec<String> = serde_json::from_value(v.clone()).unwrap();
        l.sort();
        l
    };
    let mut ours = vec![a.clone(), b.clone(), c.clone()];
    ours.sort();
    assert_eq!(sorted(&out["all"]["value"]), ours);
    assert_eq!(
        sorted(&out["golden"]["value"]),
        ["tf-acc-ds-golden-a", "tf-acc-ds-golden-b"]
    );
    let items = out["by_id_and_name"]["value"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["id"], c.as_str());
    assert_eq!(items[0]["base_image"], FAMILY);
    if emulator {
        assert_eq!(out["tagged_in_group"]["value"], json!([b]));
        let sent = t.last_request("DescribeImagePipelines");
        assert!(
            sent.keys().all(|k| !k.starts_with("ImagePipelineId.3")),
            "{sent:?}"
        );
        let filtered = t.requests("DescribeImagePipelines").into_iter().any(|r| {
            r.params.get("ImagePipelineId.2") == Some(&c)
                && r.params.get("Name").map(String::as_str) == Some("tf-acc-ds-other-c")
        });
        assert!(filtered, "the IDs and the name are API filters");
    }
    t.destroy();
}
