//! The bad-input corpus (`tests/bad_input/*.tf`): one invalid configuration per
//! file, each run through the real `terraform` against a per-test emulator.
//!
//! A corpus file starts with comment lines the runner reads:
//!
//! ```text
//! # expect: <text on the attribute's line> | <fragment of the error>
//! # phase: plan            (optional: validate (default), plan or apply)
//! ```
//!
//! - `validate`: `terraform validate` fails.
//! - `plan`: the value is unknown to `validate` (a variable, another resource's
//!   argument), so `validate` passes and `terraform plan` fails.
//! - `apply`: the value is unknown until another resource is created, so `validate`
//!   and `plan` pass and `terraform apply` fails when Terraform checks the value
//!   again, before the provider is asked to create anything.
//!
//! Whatever the phase, the failure must be an error diagnostic holding the fragment
//! whose source location (`on main.tf line N`) is a line holding the attribute, so
//! the user is pointed at what to fix; the provider must not crash; and the
//! emulator must have received no request at all.
//!
//! The corpus file is written as `main.tf` unchanged (`__EMULATOR__` becomes the
//! emulator's URL), so line numbers are those of the file; `providers.tf` holds
//! `required_providers` and, unless the file has its own, the provider block.

use std::path::PathBuf;
use std::process::Output;

use crate::acc::{provider_block, Acc};
use crate::util::REQUIRED_PROVIDERS;

/// When the error must appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Validate,
    Plan,
    Apply,
}

/// One corpus file.
#[derive(Debug)]
struct Case {
    name: String,
    text: String,
    /// Text that the line Terraform points at must contain (the attribute).
    attribute: String,
    /// Text the error diagnostic must contain (whitespace-insensitive).
    fragment: String,
    phase: Phase,
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input")
}

fn load(name: &str) -> Case {
    let path = corpus_dir().join(format!("{name}.tf"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let header = |key: &str| {
        text.lines()
            .filter_map(|l| l.strip_prefix('#'))
            .filter_map(|l| l.trim().strip_prefix(key))
            .map(|v| v.trim().to_string())
            .next()
    };
    let expect = header("expect:").unwrap_or_else(|| panic!("{name}.tf has no `# expect:` line"));
    let (attribute, fragment) = expect
        .split_once('|')
        .unwrap_or_else(|| panic!("{name}.tf: `# expect: attribute | fragment`, got {expect:?}"));
    let phase = match header("phase:").as_deref() {
        None | Some("validate") => Phase::Validate,
        Some("plan") => Phase::Plan,
        Some("apply") => Phase::Apply,
        Some(other) => panic!("{name}.tf: unknown phase {other:?}"),
    };
    Case {
        name: name.to_string(),
        attribute: attribute.trim().to_string(),
        fragment: fragment.trim().to_string(),
        phase,
        text,
    }
}

/// Runs one corpus file and checks everything the module doc promises.
fn run(name: &str) {
    let case = load(name);
    let t = Acc::new();
    let endpoint = t.emu.endpoint();
    let main = case.text.replace("__EMULATOR__", &endpoint);
    t.ws.write("main.tf", &main);
    let provider = if main.contains("provider \"aliyun\"") {
        String::new()
    } else {
        provider_block(&endpoint)
    };
    t.ws.write("providers.tf", &format!("{REQUIRED_PROVIDERS}\n{provider}"));

    let validate = ["validate", "-no-color"];
    let plan = ["plan", "-no-color", "-input=false"];
    let apply = ["apply", "-no-color", "-input=false", "-auto-approve"];
    let (args, out): (&[&str], Output) = match case.phase {
        Phase::Validate => (&validate, t.ws.terraform_fails(&validate)),
        Phase::Plan => {
            t.ws.terraform(&validate);
            (&plan, t.ws.terraform_fails(&plan))
        }
        Phase::Apply => {
            t.ws.terraform(&validate);
            t.ws.terraform(&plan);
            (&apply, t.ws.terraform_fails(&apply))
        }
    };
    let report =
        || t.ws.report(&format!("bad input {}", case.name), args, &out) + &t.emulator_report();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    for crash in ["panic:", "plugin crashed", "Plugin did not respond"] {
        assert!(
            !text.contains(crash),
            "the provider crashed ({crash}):\n{}",
            report()
        );
    }
    let Some(diag) = error_with(&text, &case.fragment) else {
        panic!(
            "no error diagnostic contains {:?}:\n{}",
            case.fragment,
            report()
        );
    };
    let line = source_line(&diag).unwrap_or_else(|| {
        panic!(
            "the error does not point into main.tf:\n{diag}\n{}",
            report()
        )
    });
    let shown = main.lines().nth(line - 1).unwrap_or_default();
    assert!(
        shown.contains(&case.attribute),
        "the error points at main.tf line {line} ({shown:?}), not at {:?}:\n{diag}\n{}",
        case.attribute,
        report()
    );
    let requests = t.emu.requests();
    assert!(
        requests.is_empty(),
        "bad input reached the API: {requests:?}\n{}",
        report()
    );
}

/// The first `Error:` diagnostic of Terraform's `-no-color` output that contains
/// `fragment`, whitespace-normalised (Terraform wraps long details).
fn error_with(output: &str, fragment: &str) -> Option<String> {
    let mut blocks: Vec<String> = Vec::new();
    let mut in_error = false;
    for line in output.lines() {
        if line.starts_with("Error: ") {
            blocks.push(String::new());
            in_error = true;
        } else if line.starts_with("Warning: ") {
            in_error = false;
        }
        if in_error {
            if let Some(b) = blocks.last_mut() {
                b.push_str(line);
                b.push('\n');
            }
        }
    }
    let want = squash(fragment);
    blocks.into_iter().find(|b| squash(b).contains(&want))
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `N` of the diagnostic's `on main.tf line N` (1-based).
fn source_line(diag: &str) -> Option<usize> {
    let rest = diag.split("on main.tf line ").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|n| *n > 0)
}

/// One `#[test]` per corpus file, and the list of names.
macro_rules! corpus {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run(stringify!($name));
            }
        )*
        const CASES: &[&str] = &[$(stringify!($name)),*];
    };
}

corpus! {
    // aliyun_eci_image_cache
    image_cache_size_below_minimum,
    image_cache_size_above_maximum,
    image_cache_size_fractional,
    image_cache_retention_over_ten_years,
    image_cache_too_many_tags,
    image_cache_tag_key_aliyun_prefix,
    image_cache_tag_key_too_long,
    image_cache_images_empty,
    image_cache_images_over_100,
    image_cache_image_empty_string,
    image_cache_name_empty,
    image_cache_name_null,
    image_cache_security_group_null,
    image_cache_vswitch_null_from_variable,
    image_cache_images_equivalent,
    image_cache_images_latest_twice,
    image_cache_timeouts_zero,
    image_cache_security_group_malformed,
    image_cache_vswitch_malformed,
    image_cache_eip_malformed,
    image_cache_resource_group_malformed,
    image_cache_zone_malformed,
    image_cache_os_type_unknown,
    image_cache_copy_count_zero,
    image_cache_password_and_password_wo,
    image_cache_credential_without_password,
    image_cache_registry_server_with_scheme,
    image_cache_acr_instance_malformed,
    image_cache_timeouts_not_a_duration,
    image_cache_timeouts_overflow,
    image_cache_size_from_variable,
    image_cache_retention_from_resource,
    image_cache_tags_from_locals,
    image_cache_images_from_variable,
    image_cache_password_conflict_from_variable,
    image_cache_retention_after_create,
    // aliyun_eci_data_cache
    data_cache_size_below_minimum,
    data_cache_retention_over_ten_years,
    data_cache_tag_key_acs_prefix,
    data_cache_tag_value_acs_prefix,
    data_cache_reserved_bucket,
    data_cache_bucket_malformed,
    data_cache_path_relative,
    data_cache_path_null,
    data_cache_option_key_prefixed,
    data_cache_unknown_source_type,
    data_cache_nas_without_server,
    data_cache_eip_id_and_create_param,
    data_cache_eip_bandwidth_zero,
    data_cache_security_group_malformed,
    data_cache_vswitch_malformed,
    data_cache_eip_malformed,
    data_cache_resource_group_malformed,
    data_cache_timeouts_negative,
    data_cache_reserved_bucket_from_variable,
    data_cache_eip_conflict_from_variable,
    data_cache_source_type_from_variable,
    // aliyun_ecs_image_pipeline_execution
    pipeline_template_malformed,
    pipeline_tag_value_with_url,
    pipeline_tag_key_with_url,
    pipeline_too_many_tags,
    pipeline_timeouts_days,
    pipeline_template_from_variable,
    // aliyun_ecs_image_pipeline
    image_pipeline_base_image_missing,
    image_pipeline_base_image_null_from_variable,
    image_pipeline_oss_without_import_options,
    image_pipeline_system_disk_too_small,
    image_pipeline_name_starts_with_digit,
    // data sources
    image_caches_bad_name_regex,
    data_caches_bad_name_regex,
    image_caches_id_malformed,
    image_caches_match_images_empty,
    image_caches_match_count_zero,
    data_caches_too_many_tags,
    data_caches_ids_empty,
    pipeline_executions_unknown_status,
    pipeline_executions_template_malformed,
    pipeline_executions_id_malformed,
    image_pipelines_ids_empty,
    image_caches_name_regex_from_variable,
    unknown_data_source_type,
    // the provider block
    provider_region_malformed,
    provider_region_with_underscore,
    provider_max_retries_over_100,
    provider_endpoint_without_scheme,
    provider_region_from_variable,
    provider_assume_role_arn_malformed,
    provider_session_expiration_too_short,
    provider_credentials_uri_without_scheme,
    provider_oidc_provider_arn_malformed,
}

#[test]
fn every_corpus_file_has_a_test() {
    let mut files: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("the corpus directory")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".tf").map(str::to_string)
        })
        .collect();
    files.sort();
    let mut cases: Vec<String> = CASES.iter().map(|s| s.to_string()).collect();
    cases.sort();
    assert_eq!(
        files, cases,
        "tests/bad_input/*.tf and the corpus! list differ"
    );
    for name in CASES {
        load(name);
    }
}

#[test]
fn the_runner_reads_terraform_diagnostics() {
    let output = "Warning: Provider development overrides are in effect\n\nblah\n\
        Error: Invalid tag key\n\n  with aliyun_eci_image_cache.c,\n  on main.tf line 9, in resource \"x\" \"c\":\n\
        \x20  9:     \"aliyun:team\" = \"web\"\n\nTag key \"aliyun:team\" cannot start with `aliyun` or\n`acs:` (reserved).\n";
    let diag = error_with(output, "cannot start with `aliyun` or `acs:`").expect("found");
    assert_eq!(source_line(&diag), Some(9));
    assert!(
        error_with(output, "Provider development").is_none(),
        "warnings are not errors"
    );
    assert!(error_with(output, "not there").is_none());
}

/// Values that may still turn out null are not judged before they are known: the
/// conflict checks wait for plan instead of rejecting a null variable at validate.
#[test]
fn values_that_may_be_null_are_not_rejected_early() {
    let t = Acc::new();
    t.write_config(
        r#"
variable "eip" {
  type    = string
  default = null
}

variable "registry_password" {
  type      = string
  default   = null
  sensitive = true
}

resource "aliyun_eci_data_cache" "d" {
  path            = "/model/sd21"
  eip_instance_id = var.eip
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
  eip_create_param {
    bandwidth = 5
  }
}

resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["registry.example.com/team/app:v1"]
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
  image_registry_credential {
    server      = "registry.example.com"
    user_name   = "ci"
    password    = var.registry_password
    password_wo = "write-only-password"
  }
}
"#,
    );
    t.ws.terraform(&["validate", "-no-color"]);
    t.ws.terraform(&["plan", "-no-color", "-input=false"]);
    assert!(t.emu.requests().is_empty(), "{}", t.emulator_report());
}
