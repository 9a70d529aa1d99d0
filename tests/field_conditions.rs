//! What real repositories do in their first week, each of which once broke exact
//! or safe plans: provider settings from other resources, silent endpoints,
//! outages during waits, downstream references to computed values, create-only
//! values added later, equivalent image spellings, explicit nulls.

use std::time::{Duration, Instant};

use crate::acc::{action, unwrap_output, Acc};

const CACHE: &str = "aliyun_eci_image_cache.c";

fn image_cache(extra: &str) -> String {
    format!(
        r#"resource "aliyun_eci_image_cache" "c" {{
  image_cache_name  = "web"
  images            = ["nginx:1.25"]
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
{extra}
}}
"#
    )
}

/// A provider block whose endpoints come from another resource: unknown while
/// that resource is planned for creation (or replacement).
fn provider_from_resource(endpoint: &str, generation: u32) -> String {
    format!(
        r#"resource "terraform_data" "ep" {{
  input            = "{endpoint}"
  triggers_replace = "{generation}"
}}

provider "aliyun" {{
  region     = "cn-hangzhou"
  access_key = "emulator"
  secret_key = "emulator-secret"
  endpoints {{
    eci = terraform_data.ep.output
    ecs = terraform_data.ep.output
  }}
}}
"#
    )
}

#[test]
fn provider_endpoints_from_another_resource() {
    let t = Acc::new();
    let endpoint = t.emu.endpoint();
    // Plan with the endpoint unknown, then apply: Terraform configures the
    // provider again once terraform_data is created.
    t.write_config_without_provider(&(provider_from_resource(&endpoint, 1) + &image_cache("")));
    let actions = t.apply_files();
    assert_eq!(action(&actions, CACHE), ["create"]);
    assert_eq!(action(&actions, "terraform_data.ep"), ["create"]);
    assert_eq!(t.calls("CreateImageCache"), 1);

    // Replacing terraform_data makes the endpoint unknown again while the cache
    // exists: a refresh cannot reach the API and says why, naming the setting.
    let describes = t.calls("DescribeImageCaches");
    t.write_config_without_provider(&(provider_from_resource(&endpoint, 2) + &image_cache("")));
    let out = t.ws.terraform_fails(&["plan", "-input=false", "-no-color"]);
    let text = unwrap_output(&out);
    assert!(
        text.contains("Provider configuration not known yet")
            && text.contains("`endpoints[0].eci`")
            && text.contains("apply -target"),
        "{text}"
    );
    assert_eq!(
        t.calls("DescribeImageCaches"),
        describes,
        "no call with an unknown endpoint"
    );
    // Without a refresh, the plan needs no API: only terraform_data is replaced.
    let out =
        t.ws.terraform(&["plan", "-input=false", "-no-color", "-refresh=false"]);
    let text = unwrap_output(&out);
    assert!(
        text.contains("1 to add, 0 to change, 1 to destroy"),
        "{text}"
    );

    // Destroy with the state's (known) endpoint works.
    t.write_config_without_provider(&(provider_from_resource(&endpoint, 1) + &image_cache("")));
    t.destroy();
}

/// A TCP endpoint that accepts connections and never answers (a paused server,
/// a black-holing proxy). Connections are held until the test ends.
fn silent_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    format!("http://{addr}")
}

fn provider_at(endpoint: &str) -> String {
    crate::acc::provider_block(endpoint)
}

#[test]
fn a_refresh_against_a_silent_endpoint_ends_with_a_clear_error() {
    let t = Acc::new();
    let config = image_cache("")
        + r#"
data "aliyun_eci_image_caches" "all" {}
"#;
    t.write_config_without_provider(&(provider_at(&t.emu.endpoint()) + &config));
    t.apply_files();

    let silent = silent_endpoint();
    t.write_config_without_provider(&(provider_at(&silent) + &config));
    let start = Instant::now();
    let out = t.ws.terraform_fails(&["plan", "-input=false", "-no-color"]);
    let took = start.elapsed();
    let text = unwrap_output(&out);
    assert!(
        took < Duration::from_secs(120),
        "the plan took {took:?} against a silent endpoint"
    );
    assert!(
        text.contains(&silent),
        "the error names the endpoint: {text}"
    );
    assert!(
        text.contains("Could not read image cache") && text.contains("did not answer"),
        "{text}"
    );
    assert!(text.contains("client_read_timeout"), "{text}");
}
