//! `aliyun_ecs_image_pipeline` and `aliyun_ecs_image_pipelines` under the real
//! `terraform`, against the emulator: create and read-back of every argument,
//! import, tags changed in place, replacement on any other change, destroy while a
//! build runs, and the data source.

use std::time::{Duration, Instant};

use aliyun_emulator::{Config, Timings};
use serde_json::{json, Value as Json};
use terraform_provider_aliyun::aliyun::{
    CallContext, ClientToken, StartImagePipelineExecutionRequest,
};

use crate::acc::{action, unwrap_output, Acc};

const ADDR: &str = "aliyun_ecs_image_pipeline.t";

/// DescribeImagePipelines returns every argument: nothing is null after an import.
const NOT_RETURNED: &[&str] = &[];

/// A template with `extra` lines in the block.
fn template(extra: &str) -> String {
    format!(
        r#"resource "aliyun_ecs_image_pipeline" "t" {{
  base_image_type = "IMAGE"
  base_image      = "m-base0001"
{extra}
}}
"#
    )
}

/// Everything the SDK's create model has for an image base (OSS has its own test).
const FULL: &str = r#"  name                       = "golden-web"
  description                = "Alibaba Cloud Linux 3 with nginx"
  build_content              = "RUN yum install -y nginx"
  test_content               = "RUN nginx -t"
  instance_type              = "ecs.g7.large"
  system_disk_size           = 60
  internet_max_bandwidth_out = 10
  vswitch_id                 = "vsw-build0001"
  delete_instance_on_failure = false
  to_region_ids              = ["cn-shanghai", "cn-beijing"]
  add_accounts               = ["1234567890"]
  repair_mode                = "Customized"
  repair_items               = ["grub", "fstab"]
  resource_group_id          = "rg-images0001"
  tags                       = { team = "images", env = "prod" }
  image_options {
    image_name   = "golden-web"
    image_family = "golden"
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
    let actions = t.apply(&template(FULL));
    assert_eq!(action(&actions, ADDR), ["create"]);
    let r = t.resource(ADDR);
    let id = t.attr(ADDR, "id");
    assert!(id.starts_with("ip-"), "{r:#}");
    for (name, want) in [
        ("name", json!("golden-web")),
        ("base_image_type", json!("IMAGE")),
        ("base_image", json!("m-base0001")),
        ("system_disk_size", json!(60)),
        ("internet_max_bandwidth_out", json!(10)),
        ("delete_instance_on_failure", json!(false)),
        ("repair_mode", json!("Customized")),
        ("resource_group_id", json!("rg-images0001")),
        ("tags", json!({"team": "images", "env": "prod"})),
    ] {
        assert_eq!(r[name], want, "{name}: {r:#}");
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

    // One create, with a client token and every argument on the wire.
    assert_eq!(t.calls("CreateImagePipeline"), 1);
    let sent = t.last_request("CreateImagePipeline");
    assert!(sent.get("ClientToken").is_some_and(|c| !c.is_empty()));
    for (param, want) in [
        ("Name", "golden-web"),
        ("BuildContent", "RUN yum install -y nginx"),
        ("TestContent", "RUN nginx -t"),
        ("InstanceType", "ecs.g7.large"),
        ("SystemDiskSize", "60"),
        ("InternetMaxBandwidthOut", "10"),
        ("VSwitchId", "vsw-build0001"),
        ("DeleteInstanceOnFailure", "false"),
        ("AddAccount.1", "1234567890"),
        ("RepairMode", "Customized"),
        ("ResourceGroupId", "rg-images0001"),
        ("ImageOptions.ImageName", "golden-web"),
        ("ImageOptions.ImageFamily", "golden"),
        ("ImageOptions.ImageFeatures.NvmeSupport", "auto"),
        ("ImageOptions.ImageTags.1.Key", "app"),
        ("AdvancedOptions.ImageNameSuffix", "timestamp"),
        ("AdvancedOptions.RetainCloudAssistant", "true"),
        ("ImageSecurityOptions.SecurityScanMode", "NONE"),
    ] {
        assert_eq!(
            sent.get(param).map(String::as_str),
            Some(want),
            "{param}: {sent:?}"
        );
    }
    for param in ["ToRegionId.2", "RepairItem.2", "Tag.2.Key"] {
        assert!(sent.contains_key(param), "{param}: {sent:?}");
    }
    assert_eq!(stored(&t, &id)["v_switch_id"], "vsw-build0001");

    t.import_verify(ADDR, NOT_RETURNED);
    assert_eq!(
        t.calls("CreateImagePipeline"),
        1,
        "an import adopts the template, it never creates another"
    );
}

#[test]
fn api_defaults_are_read_back_and_replan_empty() {
    let t = Acc::new();
    t.apply(&template(""));
    let r = t.resource(ADDR);
    let id = t.attr(ADDR, "id");
    assert_eq!(r["name"], id.as_str(), "the API names it after its ID");
    assert_eq!(r["system_disk_size"], 40);
    assert_eq!(r["internet_max_bandwidth_out"], 0);
    assert_eq!(r["delete_instance_on_failure"], true);
    assert!(r["resource_group_id"]
        .as_str()
        .is_some_and(|s| s.starts_with("rg-")));
    assert!(r["tags"].is_null() && r["to_region_ids"].is_null(), "{r:#}");
    let sent = t.last_request("CreateImagePipeline");
    for param in [
        "Name",
        "SystemDiskSize",
        "DeleteInstanceOnFailure",
        "ResourceGroupId",
    ] {
        assert!(
            !sent.contains_key(param),
            "{param} is the API's to choose: {sent:?}"
        );
    }
    t.import_verify(ADDR, NOT_RETURNED);
}

#[test]
fn empty_values_read_back_as_written_and_never_replace() {
    let t = Acc::new();
    // Empty collections and an empty block: the API returns nothing for them, and
    // the re-plans after apply are empty.
    let empty = "  tags = {}\n  to_region_ids = []\n  advanced_options {}";
    t.apply(&template(empty));
    let r = t.resource(ADDR);
    assert_eq!(r["tags"], json!({}));
    assert_eq!(r["to_region_ids"], json!([]));
    let id = t.attr(ADDR, "id");
    // Null and empty mean the same to the API: switching never replaces.
    let actions = t.apply(&template(""));
    assert_ne!(action(&actions, ADDR), ["delete", "create"]);
    let actions = t.apply(&template(empty));
    assert_ne!(action(&actions, ADDR), ["delete", "create"]);
    assert_eq!(t.attr(ADDR, "id"), id);
    assert_eq!(t.calls("CreateImagePipeline"), 1);
}

#[test]
fn an_oss_base_image_sends_and_reads_back_its_import_options() {
    let t = Acc::new();
    let config = r#"resource "aliyun_ecs_image_pipeline" "t" {
  base_image_type = "OSS"
  build_content   = "RUN echo imported"
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
    t.apply(config);
    let sent = t.last_request("CreateImagePipeline");
    assert!(!sent.contains_key("BaseImage"), "{sent:?}");
    for (param, want) in [
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
    ] {
        assert_eq!(
            sent.get(param).map(String::as_str),
            Some(want),
            "{param}: {sent:?}"
        );
    }
    let r = t.resource(ADDR);
    let import = &r["import_image_options"][0];
    assert_eq!(import["disk_device_mappings"][1]["oss_object"], "data.raw");
    assert_eq!(import["disk_device_mappings"][1]["format"], Json::Null);
    assert_eq!(import["import_image_tags"], json!({"source": "oss"}));
    assert_eq!(import["retain_imported_image"], false);
    t.import_verify(ADDR, NOT_RETURNED);
}

#[test]
fn tags_change_in_place_with_tag_calls_only() {
    let t = Acc::new();
    t.apply(&template(r#"  tags = { a = "1", b = "2" }"#));
    let id = t.attr(ADDR, "id");
    let before = t.call_counts();
    let actions = t.apply(&template(r#"  tags = { b = "3", c = "4" }"#));
    assert_eq!(action(&actions, ADDR), ["update"]);
    assert_eq!(t.attr(ADDR, "id"), id, "the same template");
    let after = t.call_counts();
    let changed: Vec<&str> = after
        .iter()
        .filter(|(a, n)| before.get(*a) != Some(n))
        .map(|(a, _)| a.as_str())
        .filter(|a| !a.starts_with("Describe"))
        .collect();
    assert_eq!(
        changed,
        ["TagResources", "UntagResources"],
        "only the tag calls write: {before:?} -> {after:?}"
    );
    let untag = t.last_request("UntagResources");
    assert_eq!(
        untag.get("ResourceType").map(String::as_str),
        Some("imagepipeline")
    );
    assert_eq!(untag.get("ResourceId.1"), Some(&id));
    assert_eq!(untag.get("TagKey.1").map(String::as_str), Some("a"));
    assert!(!untag.contains_key("TagKey.2"), "{untag:?}");
    let tag = t.last_request("TagResources");
    assert_eq!(
        tag.get("ResourceType").map(String::as_str),
        Some("imagepipeline")
    );
    let sent: Vec<(&str, &str)> = (1..=2)
        .map(|n| {
            (
                tag[&format!("Tag.{n}.Key")].as_str(),
                tag[&format!("Tag.{n}.Value")].as_str(),
            )
        })
        .collect();
    assert_eq!(sent, [("b", "3"), ("c", "4")]);
    assert!(!tag.contains_key("Tag.3.Key"), "{tag:?}");
    assert_eq!(
        stored(&t, &id)["tags"],
        json!([{"key": "b", "value": "3"}, {"key": "c", "value": "4"}])
    );
    // Removing every tag only untags.
    let tagged = t.calls("TagResources");
    t.apply(&template(""));
    assert_eq!(t.calls("TagResources"), tagged);
    assert_eq!(t.calls("UntagResources"), 2);
    assert_eq!(stored(&t, &id)["tags"], json!([]));
    assert_eq!(t.calls("CreateImagePipeline"), 1);
    assert_eq!(t.calls("DeleteImagePipeline"), 0);
}

#[test]
fn any_other_change_replaces_the_template() {
    let t = Acc::new();
    let base =
        "  build_content = \"RUN echo one\"\n  image_options {\n    image_name = \"one\"\n  }";
    t.apply(&template(base));
    let first = t.attr(ADDR, "id");
    // A top-level argument.
    let actions = t.apply(&template(&base.replace("echo one", "echo two")));
    assert_eq!(action(&actions, ADDR), ["delete", "create"]);
    let second = t.attr(ADDR, "id");
    assert_ne!(second, first);
    assert_eq!(t.attr(ADDR, "build_content"), "RUN echo two");
    // An argument inside a block.
    let actions = t.apply(&template(
        &base
            .replace("echo one", "echo two")
            .replace("\"one\"", "\"two\""),
    ));
    assert_eq!(action(&actions, ADDR), ["delete", "create"]);
    assert_ne!(t.attr(ADDR, "id"), second);
    // The resource group: image templates cannot move between groups.
    let actions = t.apply(&template(&format!(
        "{}\n  resource_group_id = \"rg-other0001\"",
        base.replace("echo one", "echo two")
            .replace("\"one\"", "\"two\"")
    )));
    assert_eq!(action(&actions, ADDR), ["delete", "create"]);
    assert_eq!(t.calls("CreateImagePipeline"), 4);
    assert_eq!(t.calls("DeleteImagePipeline"), 3);
    assert_eq!(template_count(&t), 1, "each old template was deleted");
    assert_eq!(t.calls("JoinResourceGroup"), 0);
}

#[test]
fn destroy_waits_for_a_running_build_then_deletes() {
    let t = Acc::with_config(slow_builds(Duration::from_secs(1)));
    t.apply(&template(""));
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
    let t = Acc::with_config(slow_builds(Duration::from_secs(1)));
    let config = template("  timeouts {\n    delete = \"3s\"\n  }");
    t.apply(&config);
    let id = t.attr(ADDR, "id");
    assert!(t.emu.patch_object(&id, json!({"Outcome": "STUCK"})));
    let build = start_build(&t, &id);
    let out =
        t.ws.terraform_fails(&["destroy", "-input=false", "-auto-approve", "-no-color"]);
    let out = unwrap_output(&out);
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
    let t = Acc::with_config(slow_builds(Duration::from_secs(30)));
    let config = format!(
        "{}\nresource \"aliyun_ecs_image_pipeline_execution\" \"b\" {{\n  image_pipeline_id = aliyun_ecs_image_pipeline.t.id\n  wait_for_completion = false\n}}\n",
        template("")
    );
    t.apply(&config);
    let build = t.attr("aliyun_ecs_image_pipeline_execution.b", "id");
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
    let three = r#"resource "aliyun_ecs_image_pipeline" "a" {
  name            = "golden-a"
  base_image_type = "IMAGE"
  base_image      = "m-base0001"
  tags            = { team = "images" }
}
resource "aliyun_ecs_image_pipeline" "b" {
  name              = "golden-b"
  base_image_type   = "IMAGE_FAMILY"
  base_image        = "acs:alibaba_cloud_linux_3"
  resource_group_id = "rg-other0001"
  tags              = { team = "images" }
}
resource "aliyun_ecs_image_pipeline" "c" {
  name            = "other-c"
  base_image_type = "IMAGE"
  base_image      = "m-base0001"
}
"#;
    t.apply(three);
    let id = |n: &str| t.attr(&format!("aliyun_ecs_image_pipeline.{n}"), "id");
    let (a, b, c) = (id("a"), id("b"), id("c"));
    let lookups = format!(
        r#"{three}
data "aliyun_ecs_image_pipelines" "all" {{
  depends_on = [aliyun_ecs_image_pipeline.a, aliyun_ecs_image_pipeline.b, aliyun_ecs_image_pipeline.c]
}}
data "aliyun_ecs_image_pipelines" "golden" {{
  name_regex = "^golden-"
  depends_on = [aliyun_ecs_image_pipeline.a, aliyun_ecs_image_pipeline.b, aliyun_ecs_image_pipeline.c]
}}
data "aliyun_ecs_image_pipelines" "tagged_in_group" {{
  tags              = {{ team = "images" }}
  resource_group_id = "rg-other0001"
  depends_on        = [aliyun_ecs_image_pipeline.b]
}}
data "aliyun_ecs_image_pipelines" "by_id_and_name" {{
  image_pipeline_ids = ["{a}", "{c}"]
  name               = "other-c"
  depends_on         = [aliyun_ecs_image_pipeline.c]
}}
output "all" {{ value = data.aliyun_ecs_image_pipelines.all.ids }}
output "golden" {{ value = data.aliyun_ecs_image_pipelines.golden.names }}
output "tagged_in_group" {{ value = data.aliyun_ecs_image_pipelines.tagged_in_group.ids }}
output "by_id_and_name" {{ value = data.aliyun_ecs_image_pipelines.by_id_and_name.pipelines }}
"#
    );
    t.apply(&lookups);
    let out = t.ws.terraform_json(&["output", "-json"]);
    let sorted = |v: &Json| {
        let mut l: Vec<String> = serde_json::from_value(v.clone()).unwrap();
        l.sort();
        l
    };
    let mut all = vec![a.clone(), b.clone(), c.clone()];
    all.sort();
    assert_eq!(sorted(&out["all"]["value"]), all);
    assert_eq!(sorted(&out["golden"]["value"]), ["golden-a", "golden-b"]);
    assert_eq!(out["tagged_in_group"]["value"], json!([b]));
    let items = out["by_id_and_name"]["value"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["id"], c.as_str());
    assert_eq!(items[0]["base_image"], "m-base0001");
    let sent = t.last_request("DescribeImagePipelines");
    assert!(
        sent.keys().all(|k| !k.starts_with("ImagePipelineId.3")),
        "{sent:?}"
    );
    let filtered = t.requests("DescribeImagePipelines").into_iter().any(|r| {
        r.params.get("ImagePipelineId.2") == Some(&c)
            && r.params.get("Name").map(String::as_str) == Some("other-c")
    });
    assert!(filtered, "the IDs and the name are API filters");
}
