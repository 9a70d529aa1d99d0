//! Every file under `examples/` is checked against the built provider: the
//! resource, data source and provider examples pass `terraform validate`, each
//! `import.sh` imports a real object of its resource at the address it names,
//! and the quick start is applied against the emulator, re-planned empty and
//! destroyed. A file of a kind this module does not know fails the inventory
//! test, so a new example cannot go unchecked.
//!
//! In real-cloud mode (`ALIYUN_ACC_REAL=1`, see `acc::real`) the files are still
//! validated and the provider example configures from the account's credentials in
//! the environment; the import examples (objects seeded through the emulator, an
//! image template built to order) and the quick start (written for the local
//! emulator: its credentials and URL) are skipped and reported.

use std::path::{Path, PathBuf};

use aliyun_emulator::{PipelineOutcome, TemplateSeed};
use terraform_provider_aliyun::aliyun::{
    CallContext, ClientToken, CreateDataCacheRequest, CreateImageCacheRequest,
    CreateImagePipelineRequest, DataSource, StartImagePipelineExecutionRequest,
};

use crate::acc::{provider_block, skip_emulator_only_test, Acc, Step};
use crate::util::{Workspace, REQUIRED_PROVIDERS};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Every file under `examples/`, relative to it, sorted.
fn example_files() -> Vec<String> {
    let root = examples_dir();
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read examples/").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(&root).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(examples_dir().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The files matching `<kind>/*/<file>`, as (type directory, relative path).
fn per_type(kind: &str, file: &str) -> Vec<(String, String)> {
    example_files()
        .into_iter()
        .filter_map(|f| {
            let parts: Vec<&str> = f.split('/').collect();
            (parts.len() == 3 && parts[0] == kind && parts[2] == file)
                .then(|| (parts[1].to_string(), f.clone()))
        })
        .collect()
}

/// The provider's resource and data source type names, as Terraform sees them.
fn provider_types() -> (Vec<String>, Vec<String>) {
    let ws = Workspace::new();
    ws.write("main.tf", REQUIRED_PROVIDERS);
    let schema = ws.terraform_json(&["providers", "schema", "-json"]);
    let p = &schema["provider_schemas"]["registry.terraform.io/aliyun-rs/aliyun"];
    let names = |k: &str| -> Vec<String> {
        p[k].as_object()
            .unwrap_or_else(|| panic!("no {k} in {schema:#}"))
            .keys()
            .cloned()
            .collect()
    };
    (names("resource_schemas"), names("data_source_schemas"))
}

/// `terraform validate` of `example` (plus `extra` files) in a fresh workspace.
fn validate(example: &str, extra: &[(&str, &str)]) {
    let ws = Workspace::new();
    ws.write("example.tf", &read(example));
    for (name, text) in extra {
        ws.write(name, text);
    }
    let out = ws.terraform_unchecked(&["validate"]);
    assert!(
        out.status.success(),
        "{}",
        ws.report(
            &format!("examples/{example} is not valid"),
            &["validate"],
            &out
        )
    );
}

#[test]
fn every_example_file_is_of_a_checked_kind() {
    let files = example_files();
    assert!(!files.is_empty());
    let (resources, data_sources) = provider_types();
    for f in &files {
        let parts: Vec<&str> = f.split('/').collect();
        let checked = match parts.as_slice() {
            ["resources", ty, "resource.tf" | "import.sh"] => {
                assert!(resources.contains(&ty.to_string()), "{f}: no resource {ty}");
                true
            }
            ["data-sources", ty, "data-source.tf"] => {
                assert!(
                    data_sources.contains(&ty.to_string()),
                    "{f}: no data source {ty}"
                );
                true
            }
            ["provider", "provider.tf"] | ["quickstart", "main.tf"] => true,
            _ => false,
        };
        assert!(
            checked,
            "examples/{f} is checked by no test in tests/examples.rs"
        );
    }
    // Every resource and data source has an example (the Registry shows them).
    for ty in &resources {
        assert!(
            files.contains(&format!("resources/{ty}/resource.tf")),
            "no example for resource {ty}"
        );
        assert!(
            files.contains(&format!("resources/{ty}/import.sh")),
            "no import example for resource {ty}"
        );
    }
    for ty in &data_sources {
        assert!(
            files.contains(&format!("data-sources/{ty}/data-source.tf")),
            "no example for data source {ty}"
        );
    }
}

#[test]
fn resource_examples_validate() {
    let examples = per_type("resources", "resource.tf");
    assert!(!examples.is_empty());
    for (ty, f) in examples {
        assert!(
            read(&f).contains(&format!("resource \"{ty}\"")),
            "examples/{f} does not declare a {ty}"
        );
        validate(&f, &[("versions.tf", REQUIRED_PROVIDERS)]);
    }
}

#[test]
fn data_source_examples_validate() {
    let examples = per_type("data-sources", "data-source.tf");
    assert!(!examples.is_empty());
    for (ty, f) in examples {
        assert!(
            read(&f).contains(&format!("data \"{ty}\"")),
            "examples/{f} does not declare a {ty}"
        );
        validate(&f, &[("versions.tf", REQUIRED_PROVIDERS)]);
    }
}

#[test]
fn provider_example_validates_and_configures() {
    validate("provider/provider.tf", &[]);
    // With credentials from the environment, as its comment says, it configures and
    // plans (nothing to do) against the emulator (or the account).
    let t = Acc::new();
    let mut ws = Workspace::new();
    let example = read("provider/provider.tf");
    assert!(example.contains("provider \"aliyun\""));
    // The example has no endpoints; an override file adds them (and, for an account,
    // its region) without editing it.
    let (region, endpoints) = match t.real_cloud() {
        Some(real) => (
            Some(real.region.clone()),
            (real.eci_endpoint.clone(), real.ecs_endpoint.clone()),
        ),
        None => (None, (Some(t.emu.endpoint()), Some(t.emu.endpoint()))),
    };
    let hcl = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    let mut block = String::from("provider \"aliyun\" {\n");
    if let Some(region) = &region {
        block += &format!("  region = {}\n", hcl(region));
    }
    block += "  endpoints {\n";
    for (name, endpoint) in [("eci", &endpoints.0), ("ecs", &endpoints.1)] {
        if let Some(e) = endpoint {
            block += &format!("    {name} = {}\n", hcl(e));
        }
    }
    block += "  }\n}\n";
    let (id, secret, token) = t.credentials();
    ws.write("main.tf", &example)
        .write("provider_override.tf", &block)
        .write("probe.tf", "data \"aliyun_eci_data_caches\" \"probe\" {}\n");
    ws.env("ALIBABA_CLOUD_ACCESS_KEY_ID", &id)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", &secret);
    if let Some(token) = &token {
        ws.env("ALIBABA_CLOUD_SECURITY_TOKEN", token);
    }
    ws.terraform(&["plan", "-input=false"]);
    if t.emulator_only("the plan's call reached the emulator (call counts)") {
        assert!(
            t.calls("DescribeDataCaches") >= 1,
            "the provider configured from the environment reached the emulator"
        );
    }
}

/// Creates an object of resource type `ty` in the emulator and returns its ID.
fn seed(t: &Acc, ty: &str) -> String {
    let c = t.client();
    let cx = CallContext::with_timeout(std::time::Duration::from_secs(30));
    t.block_on(async {
        match ty {
            "aliyun_eci_image_cache" => {
                let req = CreateImageCacheRequest {
                    image_cache_name: "example".into(),
                    image: vec!["nginx:1.25".into()],
                    ..Default::default()
                };
                c.create_image_cache(&req, &ClientToken::generate(), &cx)
                    .await
                    .unwrap()
                    .image_cache_id
            }
            "aliyun_eci_data_cache" => {
                let req = CreateDataCacheRequest {
                    path: Some("/example".into()),
                    data_source: Some(DataSource {
                        source_type: "URL".into(),
                        options: [("url".to_string(), "https://example.com".to_string())].into(),
                    }),
                    ..Default::default()
                };
                c.create_data_cache(&req, &ClientToken::generate(), &cx)
                    .await
                    .unwrap()
                    .data_cache_id
            }
            "aliyun_ecs_image_pipeline_execution" => {
                let template = t
                    .emu
                    .seed_template(TemplateSeed::new("example", PipelineOutcome::Success));
                let req = StartImagePipelineExecutionRequest {
                    image_pipeline_id: template,
                    tag: Vec::new(),
                };
                c.start_image_pipeline_execution(&req, &ClientToken::generate(), &cx)
                    .await
                    .unwrap()
                    .execution_id
            }
            "aliyun_ecs_image_pipeline" => {
                let req = CreateImagePipelineRequest {
                    base_image_type: "IMAGE".into(),
                    base_image: Some("m-example".into()),
                    ..Default::default()
                };
                c.create_image_pipeline(&req, &ClientToken::generate(), &cx)
                    .await
                    .unwrap()
                    .image_pipeline_id
            }
            other => panic!("teach tests/examples.rs to create a {other} for its import example"),
        }
    })
}

#[test]
fn import_examples_import_a_real_object_at_their_address() {
    if skip_emulator_only_test("imports objects seeded through the emulator") {
        return;
    }
    let examples = per_type("resources", "import.sh");
    assert!(!examples.is_empty());
    for (ty, f) in examples {
        let line = read(&f);
        let words: Vec<&str> = line.split_whitespace().collect();
        let [terraform, import, address, example_id] = words[..] else {
            panic!("examples/{f} is not `terraform import ADDRESS ID`: {line:?}");
        };
        assert_eq!((terraform, import), ("terraform", "import"), "examples/{f}");
        let (addr_type, name) = address.split_once('.').expect("ADDRESS is TYPE.NAME");
        assert_eq!(addr_type, ty, "examples/{f} imports another type");
        let resource_tf = format!("resources/{ty}/resource.tf");
        assert!(
            read(&resource_tf).contains(&format!("resource \"{ty}\" \"{name}\"")),
            "examples/{f} imports {address}, which examples/{resource_tf} does not declare"
        );

        let t = Acc::new();
        let id = seed(&t, &ty);
        let prefix = &id[..=id.find('-').unwrap()];
        assert!(
            example_id.starts_with(prefix)
                && example_id[prefix.len()..]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
            "examples/{f}: {example_id} does not look like an ID such as {id}"
        );
        let mut ws = Workspace::new();
        ws.env("TF_VAR_registry_password", "example-password");
        ws.write("main.tf", &read(&resource_tf)).write(
            "provider.tf",
            &format!(
                "{REQUIRED_PROVIDERS}\n{}",
                provider_block(&t.emu.endpoint())
            ),
        );
        ws.terraform(&["import", "-input=false", address, &id]);
        let state = ws.terraform_json(&["show", "-json"]);
        let imported = &state["values"]["root_module"]["resources"][0];
        assert_eq!(imported["address"], address, "{state:#}");
        assert_eq!(imported["values"]["id"], id.as_str(), "{state:#}");
    }
}

#[test]
fn the_quickstart_applies_replans_empty_and_destroys() {
    if skip_emulator_only_test("the quick start is written for the local emulator") {
        return;
    }
    let mut t = Acc::new();
    let endpoint = t.emu.endpoint();
    // What `-var endpoint=...` passes, for every command.
    t.ws.env("TF_VAR_endpoint", &endpoint);
    let mut step = Step::new(read("quickstart/main.tf"))
        .verbatim()
        .plan_check(|plan| {
            let changes = plan["resource_changes"].as_array().map_or(0, Vec::len);
            assert_eq!(changes, 4, "four resources: {plan:#}");
        })
        .calls("CreateImageCache", 1)
        .calls("CreateDataCache", 1)
        .calls("CreateImagePipeline", 1)
        .calls("StartImagePipelineExecution", 1)
        .check(|t| {
            let outputs = t.ws.terraform_json(&["output", "-json"]);
            assert_eq!(
                outputs["image_cache"]["value"]["status"], "Ready",
                "{outputs:#}"
            );
            assert_eq!(
                outputs["data_cache"]["value"]["status"], "Available",
                "{outputs:#}"
            );
            assert!(
                outputs["golden_image_id"]["value"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("m-")),
                "{outputs:#}"
            );
            // The build ran from the template the quick start created, not a
            // seeded one.
            let template = outputs["image_template_id"]["value"]
                .as_str()
                .unwrap_or_default();
            assert!(template.starts_with("ip-"), "{outputs:#}");
            assert_eq!(
                t.last_request("StartImagePipelineExecution")
                    .get("ImagePipelineId")
                    .map(String::as_str),
                Some(template)
            );
        });
    for address in [
        "aliyun_eci_image_cache.web",
        "aliyun_eci_data_cache.model",
        "aliyun_ecs_image_pipeline.golden",
        "aliyun_ecs_image_pipeline_execution.golden",
    ] {
        step = step.plans(address, &["create"]);
    }
    t.run(step);
    t.destroy();
    assert_eq!(
        t.emu.state()["image_pipelines"],
        serde_json::json!([]),
        "the template is deleted with the rest"
    );
    let state = t.ws.terraform_json(&["show", "-json"]);
    assert!(
        state["values"]["root_module"]["resources"].is_null(),
        "{state:#}"
    );
}
