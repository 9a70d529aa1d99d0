//! Credentials the way production runs Terraform (see: issue 8): every source
//! and every way of naming it, driven through the real `terraform` against the
//! emulator's STS, ECS metadata and credentials URI. Each row creates and
//! destroys an image cache and asserts which AccessKey signed the ECI calls
//! (the assumed role's, never the source key's).
//!
//! Temporary credentials issued by the emulator read `STS.<role>.<n>`, so the
//! request log says which identity signed: `STS.deploy.*` is the role
//! `acs:ram::1234567890123456:role/deploy`, `STS.ecs-EcsRunner.*` the instance
//! role, `STS.uri.*` the credentials URI.
//!
//! Written as steps (`acc::Step`). In real-cloud mode (`ALIYUN_ACC_REAL=1`, see
//! `acc::real`) the rows that need no fake (the account's AccessKey pair in the
//! provider block, in each family of environment variables, in an `AK` profile and
//! in the SDKs' INI file) create and destroy a cache in the account, and so do the
//! tests of what happens without any credential or without a metadata server;
//! which key signed is the emulator's to say (skipped and reported), and every
//! test of the emulator's STS, metadata, credentials URI or clock is skipped.

use std::cell::RefCell;
use std::os::unix::fs::PermissionsExt;
use std::rc::Rc;
use std::time::{Duration, Instant};

use aliyun_emulator::{Config, Handle, RoleSeed, Timings};

use crate::acc::{skip_emulator_only_test, unwrap_text, Acc, Step};

const ACCOUNT: &str = "1234567890123456";
const OIDC_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.emulator-oidc-token.c2lnbmF0dXJl";
const EXPIRED_OIDC_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.expired-oidc-token.c2lnbmF0dXJl";
const ADDR: &str = "aliyun_eci_image_cache.c";

fn role(name: &str) -> String {
    format!("acs:ram::{ACCOUNT}:role/{name}")
}

/// Emulator settings every credentials test starts from.
fn emulator_config() -> Config {
    let mut extid = RoleSeed::new(role("partner"));
    extid.external_id = Some("abcd1234".into());
    let mut long = RoleSeed::new(role("deploy"));
    long.max_session_duration = 43200;
    Config {
        roles: vec![
            long,
            RoleSeed::new(role("ci")),
            RoleSeed::new(role("chained")),
            extid,
        ],
        oidc_provider_arn: format!("acs:ram::{ACCOUNT}:oidc-provider/ci"),
        oidc_token: Some(OIDC_TOKEN.into()),
        oidc_expired_tokens: vec![EXPIRED_OIDC_TOKEN.into()],
        ecs_role_name: Some("EcsRunner".into()),
        ..Config::for_tests()
    }
}

/// A test's emulator with the profile file, the OIDC token files and an
/// external credential process in the workspace (`HOME` is the workspace).
fn setup(config: Config) -> Acc {
    let mut t = Acc::with_config(config);
    let emu = t.emu.endpoint();
    // The AccessKey pair of the `ak` profile and the INI file's `[default]`: the
    // emulator's, or the account's.
    let (key_id, key_secret, _) = t.credentials();
    let (sts_id, sts_secret, sts_token, sts_exp) = t.emu.issue_session(&role("static"), 3600);
    let (ext_id, ext_secret, ext_token, ext_exp) = t.emu.issue_session(&role("external"), 3600);
    let script = t.ws.path().join("get-creds.sh");
    t.ws.write(
        "get-creds.sh",
        &format!(
            "#!/bin/sh\ncat <<'EOF'\n{{\"mode\":\"StsToken\",\"access_key_id\":\"{ext_id}\",\"access_key_secret\":\"{ext_secret}\",\"sts_token\":\"{ext_token}\",\"expiration\":\"{ext_exp}\"}}\nEOF\n"
        ),
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let token_file = t.ws.path().join("oidc-token");
    t.ws.write("oidc-token", OIDC_TOKEN);
    t.ws.write("expired-oidc-token", EXPIRED_OIDC_TOKEN);
    let profiles = serde_json::json!({
        "current": "role",
        "meta_path": "",
        "profiles": [
            {"name": "ak", "mode": "AK", "access_key_id": key_id, "access_key_secret": key_secret, "region_id": "cn-hangzhou"},
            {"name": "sts", "mode": "StsToken", "access_key_id": sts_id, "access_key_secret": sts_secret, "sts_token": sts_token, "sts_expiration": sts_exp},
            {"name": "role", "mode": "RamRoleArn", "access_key_id": "emulator", "access_key_secret": "emulator-secret",
             "ram_role_arn": role("deploy"), "ram_session_name": "tf", "expired_seconds": 3600, "sts_region": "cn-shanghai"},
            {"name": "chain", "mode": "ChainableRamRoleArn", "source_profile": "role", "ram_role_arn": role("chained"), "ram_session_name": "tf-chain"},
            {"name": "ecs", "mode": "EcsRamRole"},
            {"name": "ecs-named", "mode": "EcsRamRole", "ram_role_name": "EcsRunner"},
            {"name": "oidc", "mode": "OIDC", "oidc_provider_arn": format!("acs:ram::{ACCOUNT}:oidc-provider/ci"),
             "oidc_token_file": token_file.display().to_string(), "ram_role_arn": role("ci"), "ram_session_name": "tf"},
            {"name": "ext", "mode": "External", "process_command": format!("'{}' --account prod", script.display())},
            {"name": "uri", "mode": "CredentialsURI", "credentials_uri": format!("{emu}/credentials-uri?user=tf")},
            {"name": "sso", "mode": "CloudSSO", "cloud_sso_sign_in_url": "https://signin.example.com/login", "access_token": "x"},
            {"name": "odd", "mode": "RsaKeyPair"}
        ]
    });
    t.ws.write(".aliyun/config.json", &profiles.to_string());
    t.ws.write(
        ".alibabacloud/credentials.ini",
        &format!(
            "[default]\ntype = access_key\naccess_key_id = {key_id}\naccess_key_secret = {key_secret}  # the test's\n\
             [inirole]\ntype = ram_role_arn\naccess_key_id = emulator\naccess_key_secret = emulator-secret\n\
             role_arn = {}\nrole_session_name = tf-ini\n",
            role("deploy")
        ),
    );
    t.ws.env("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", &emu);
    t
}

/// The provider block: region, the emulator's endpoints (STS included), and
/// `body`; in real-cloud mode, the account's region and endpoints.
fn provider(t: &Acc, alias: Option<&str>, body: &str) -> String {
    let alias = alias.map_or(String::new(), |a| format!("  alias = \"{a}\"\n"));
    let (region, endpoints) = match t.real_cloud() {
        Some(real) => (
            real.region.clone(),
            vec![
                ("eci", real.eci_endpoint.clone()),
                ("ecs", real.ecs_endpoint.clone()),
            ],
        ),
        None => {
            let emu = t.emu.endpoint();
            (
                "cn-hangzhou".to_string(),
                vec![
                    ("eci", Some(emu.clone())),
                    ("ecs", Some(emu.clone())),
                    ("sts", Some(emu)),
                ],
            )
        }
    };
    let endpoints: String = endpoints
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("    {k} = \"{v}\"\n")))
        .collect();
    format!(
        r#"provider "aliyun" {{
{alias}  region      = "{region}"
  max_retries = 2
  endpoints {{
{endpoints}  }}
{body}
}}
"#
    )
}

fn cache(name: &str, provider: Option<&str>) -> String {
    let provider = provider.map_or(String::new(), |p| format!("  provider = aliyun.{p}\n"));
    format!(
        r#"resource "aliyun_eci_image_cache" "{name}" {{
{provider}  image_cache_name  = "tf-acc-{name}"
  images            = ["nginx:1.25"]
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
  tags              = {{ "tf-acc" = "true" }}
}}
"#
    )
}

/// The configuration of most tests: the provider with `provider_body`, one cache.
fn main_tf(t: &Acc, provider_body: &str) -> String {
    format!("{}\n{}", provider(t, None, provider_body), cache("c", None))
}

/// Credential fetches: how many a step makes depends on how many provider
/// processes Terraform starts, which the tests of sources do not count.
const CREDENTIAL_CALLS: &[&str] = &[
    "AssumeRole",
    "AssumeRoleWithOIDC",
    "CredentialsUri",
    "ImdsCredentials",
    "ImdsRoleName",
    "ImdsSupport",
    "ImdsToken",
];

/// The AccessKeys that signed `action`, in order.
fn signers(t: &Acc, action: &str) -> Vec<String> {
    t.requests(action)
        .into_iter()
        .filter_map(|r| r.access_key_id)
        .collect()
}

/// A step creating the cache of [`main_tf`] with `provider_body`, which
/// `expect_prefix` signs; then destroy, signed by it too.
fn create_and_destroy(t: &Acc, provider_body: &str, expect_prefix: &'static str) {
    t.run(
        Step::new(main_tf(t, provider_body))
            .own_provider()
            .plans(ADDR, &["create"])
            .calls("CreateImageCache", 1)
            .may_call(CREDENTIAL_CALLS)
            .check(move |t| {
                if t.emulator_only("which AccessKey signed the create (request log)") {
                    let created = signers(t, "CreateImageCache");
                    assert!(
                        created.len() == 1 && created[0].starts_with(expect_prefix),
                        "CreateImageCache was signed by {created:?}, expected {expect_prefix}*\n{}",
                        t.emulator_report()
                    );
                }
            }),
    );
    t.destroy();
    if t.emulator_only("which AccessKey signed the delete (request log)") {
        let deleted = signers(t, "DeleteImageCache");
        assert!(
            !deleted.is_empty() && deleted.iter().all(|k| k.starts_with(expect_prefix)),
            "DeleteImageCache was signed by {deleted:?}, expected {expect_prefix}*"
        );
        assert_eq!(t.emu.object_count(), 0, "{}", t.emulator_report());
    }
}

type Row = (&'static str, fn(&mut Acc) -> (String, &'static str));

/// The issue's table. Each row: a name, and a setup returning the provider
/// block body and the expected signer prefix.
fn rows() -> Vec<Row> {
    vec![
        // static key / static STS token: block, each env family
        ("static key, block", |t| {
            let (id, secret, _) = t.credentials();
            (
                format!("  access_key = \"{id}\"\n  secret_key = \"{secret}\""),
                "emulator",
            )
        }),
        ("static key, ALIBABA_CLOUD_*", |t| {
            let (id, secret, _) = t.credentials();
            t.ws.env("ALIBABA_CLOUD_ACCESS_KEY_ID", &id)
                .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", &secret);
            (String::new(), "emulator")
        }),
        ("static key, ALICLOUD_*", |t| {
            let (id, secret, _) = t.credentials();
            t.ws.env("ALICLOUD_ACCESS_KEY", &id)
                .env("ALICLOUD_SECRET_KEY", &secret);
            (String::new(), "emulator")
        }),
        ("static key, ALIBABACLOUD_*", |t| {
            let (id, secret, _) = t.credentials();
            t.ws.env("ALIBABACLOUD_ACCESS_KEY_ID", &id)
                .env("ALIBABACLOUD_ACCESS_KEY_SECRET", &secret);
            (String::new(), "emulator")
        }),
        ("static STS token, block", |t| {
            let (id, secret, token, _) = t.emu.issue_session(&role("static"), 3600);
            (format!("  access_key = \"{id}\"\n  secret_key = \"{secret}\"\n  security_token = \"{token}\""), "STS.static.")
        }),
        ("static STS token, ALIBABA_CLOUD_*", |t| {
            let (id, secret, token, _) = t.emu.issue_session(&role("static"), 3600);
            t.ws.env("ALIBABA_CLOUD_ACCESS_KEY_ID", &id)
                .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", &secret)
                .env("ALIBABA_CLOUD_SECURITY_TOKEN", &token);
            (String::new(), "STS.static.")
        }),
        ("static STS token, ALICLOUD_*", |t| {
            let (id, secret, token, _) = t.emu.issue_session(&role("static"), 3600);
            t.ws.env("ALICLOUD_ACCESS_KEY", &id)
                .env("ALICLOUD_SECRET_KEY", &secret)
                .env("ALICLOUD_SECURITY_TOKEN", &token);
            (String::new(), "STS.static.")
        }),
        // profile file, each supported mode, via `profile`
        ("profile AK", |_| ("  profile = \"ak\"".into(), "emulator")),
        ("profile StsToken", |_| {
            ("  profile = \"sts\"".into(), "STS.static.")
        }),
        ("profile RamRoleArn", |_| {
            ("  profile = \"role\"".into(), "STS.deploy.")
        }),
        ("profile ChainableRamRoleArn", |_| {
            ("  profile = \"chain\"".into(), "STS.chained.")
        }),
        ("profile EcsRamRole (discovered role name)", |_| {
            ("  profile = \"ecs\"".into(), "STS.ecs-EcsRunner.")
        }),
        ("profile EcsRamRole (ram_role_name)", |_| {
            ("  profile = \"ecs-named\"".into(), "STS.ecs-EcsRunner.")
        }),
        ("profile OIDC", |_| {
            ("  profile = \"oidc\"".into(), "STS.ci.")
        }),
        ("profile External", |_| {
            ("  profile = \"ext\"".into(), "STS.external.")
        }),
        ("profile CredentialsURI", |_| {
            ("  profile = \"uri\"".into(), "STS.uri.")
        }),
        // ... via ALIBABA_CLOUD_PROFILE and `current`
        ("profile via ALIBABA_CLOUD_PROFILE", |t| {
            t.ws.env("ALIBABA_CLOUD_PROFILE", "chain");
            (String::new(), "STS.chained.")
        }),
        ("profile via current", |_| (String::new(), "STS.deploy.")),
        // the SDKs' INI file: [default], and a section named by ALIBABA_CLOUD_PROFILE
        ("INI file, [default]", |t| {
            t.ws.env("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true");
            (String::new(), "emulator")
        }),
        ("INI file, ALIBABA_CLOUD_PROFILE section", |t| {
            t.ws.env("ALIBABA_CLOUD_PROFILE", "inirole");
            (String::new(), "STS.deploy.")
        }),
        // assume_role over a static key, a profile, the ECS role
        ("assume_role over a static key", |_| {
            (
            format!("  access_key = \"emulator\"\n  secret_key = \"emulator-secret\"\n  assume_role {{\n    role_arn = \"{}\"\n    session_name = \"tf-run\"\n    external_id = \"abcd1234\"\n    policy = jsonencode({{Version = \"1\", Statement = [{{Action = [\"eci:*\"], Effect = \"Allow\", Resource = [\"*\"]}}]}})\n  }}", role("partner")),
            "STS.partner.",
        )
        }),
        ("assume_role over a profile", |_| {
            (
                format!(
                    "  profile = \"ak\"\n  assume_role {{\n    role_arn = \"{}\"\n  }}",
                    role("deploy")
                ),
                "STS.deploy.",
            )
        }),
        ("assume_role over a RamRoleArn profile (chained)", |_| {
            (
                format!(
                    "  profile = \"role\"\n  assume_role {{\n    role_arn = \"{}\"\n  }}",
                    role("chained")
                ),
                "STS.chained.",
            )
        }),
        ("assume_role over the ECS role", |_| {
            (
            format!("  ecs_role_name = \"EcsRunner\"\n  assume_role {{\n    role_arn = \"{}\"\n  }}", role("deploy")),
            "STS.deploy.",
        )
        }),
        // assume_role_with_oidc: block, env triple
        ("assume_role_with_oidc block", |t| {
            let file = t.ws.path().join("oidc-token").display().to_string();
            (
                format!("  assume_role_with_oidc {{\n    oidc_provider_arn = \"acs:ram::{ACCOUNT}:oidc-provider/ci\"\n    oidc_token_file = \"{file}\"\n    role_arn = \"{}\"\n    role_session_name = \"gh-run\"\n  }}", role("ci")),
                "STS.ci.",
            )
        }),
        ("assume_role_with_oidc env triple", |t| {
            let file = t.ws.path().join("oidc-token").display().to_string();
            t.ws.env("ALIBABA_CLOUD_ROLE_ARN", &role("ci"))
                .env(
                    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                    &format!("acs:ram::{ACCOUNT}:oidc-provider/ci"),
                )
                .env("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &file);
            (String::new(), "STS.ci.")
        }),
        // ECS RAM role: ecs_role_name (discovery and the IMDSv1 fallback have their own tests)
        ("ecs_role_name", |_| {
            (
                "  ecs_role_name = \"EcsRunner\"".into(),
                "STS.ecs-EcsRunner.",
            )
        }),
        ("ALIBABA_CLOUD_ECS_METADATA", |t| {
            t.ws.env("ALIBABA_CLOUD_ECS_METADATA", "EcsRunner");
            (String::new(), "STS.ecs-EcsRunner.")
        }),
        // credentials URI: argument, env (profile above)
        ("credentials_uri", |t| {
            (
                format!(
                    "  credentials_uri = \"{}/credentials-uri\"",
                    t.emu.endpoint()
                ),
                "STS.uri.",
            )
        }),
        ("ALIBABA_CLOUD_CREDENTIALS_URI", |t| {
            let uri = format!("{}/credentials-uri?user=tf", t.emu.endpoint());
            t.ws.env("ALIBABA_CLOUD_CREDENTIALS_URI", &uri);
            (String::new(), "STS.uri.")
        }),
    ]
}

/// The rows that need no fake: an account's AccessKey pair, named each way.
const ACCOUNT_ROWS: &[&str] = &[
    "static key, block",
    "static key, ALIBABA_CLOUD_*",
    "static key, ALICLOUD_*",
    "static key, ALIBABACLOUD_*",
    "profile AK",
    "INI file, [default]",
];

/// Runs `rows` on a few threads; every failing row is reported by name. In
/// real-cloud mode only [`ACCOUNT_ROWS`] run (the others are reported skipped),
/// and none if the account's credentials carry an STS token.
fn run_rows(rows: Vec<Row>, config: fn() -> Config) {
    let rows: Vec<Row> = if crate::acc::real::enabled() {
        let probe = Acc::new();
        let (_, _, token) = probe.credentials();
        rows.into_iter()
            .filter(|(name, _)| {
                let runs = token.is_none() && ACCOUNT_ROWS.contains(name);
                runs || probe.emulator_only(&format!(
                    "row {name:?} (the emulator's STS, metadata, URI or an AccessKey pair)"
                ))
            })
            .collect()
    } else {
        rows
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    // Workers carry the test's name, which skip reports quote.
    let test = std::thread::current().name().unwrap_or("rows").to_string();
    std::thread::scope(|s| {
        for _ in 0..3 {
            let worker = std::thread::Builder::new().name(test.clone());
            let spawned = worker.spawn_scoped(s, || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some((name, f)) = rows.get(i) else { break };
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let mut t = setup(config());
                    let (body, prefix) = f(&mut t);
                    create_and_destroy(&t, &body, prefix);
                }));
                if let Err(e) = result {
                    let msg = e
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("row {name:?}: {msg}"));
                }
            });
            spawned.expect("start a worker thread");
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} row(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_source_and_every_way_to_name_it() {
    run_rows(rows(), emulator_config);
}

#[test]
fn imdsv2_refused_falls_back_to_imdsv1() {
    if skip_emulator_only_test("the emulator's metadata service") {
        return;
    }
    let t = setup(Config {
        imds_v2_disabled: true,
        ..emulator_config()
    });
    create_and_destroy(&t, "  ecs_role_name = \"EcsRunner\"", "STS.ecs-EcsRunner.");
    let token = t.requests("ImdsToken");
    assert!(
        !token.is_empty() && token.iter().all(|r| r.status == 403),
        "{token:?}"
    );
    let creds = t.requests("ImdsCredentials");
    assert!(
        !creds.is_empty()
            && creds
                .iter()
                .all(|r| r.params["token"] == "absent" && r.status == 200),
        "{creds:?}"
    );
}

#[test]
fn imdsv2_is_used_when_available_and_the_role_name_discovered() {
    if skip_emulator_only_test("the emulator's metadata service") {
        return;
    }
    let t = setup(emulator_config());
    create_and_destroy(&t, "  profile = \"ecs\"", "STS.ecs-EcsRunner.");
    for action in ["ImdsRoleName", "ImdsCredentials"] {
        let reqs = t.requests(action);
        assert!(
            !reqs.is_empty()
                && reqs
                    .iter()
                    .all(|r| r.params["token"] == "present" && r.status == 200),
            "{action}: {reqs:?}"
        );
    }
    // Lazy and once per provider process that calls the API: the step's apply and
    // its refreshing re-plan (its plan of a create and its plan without refresh
    // call nothing), then the destroy's two (refresh, then delete); each fetches
    // the credential once.
    assert_eq!(t.calls("ImdsCredentials"), 4, "{}", t.emulator_report());
}

#[test]
fn two_aliases_with_two_profiles_keep_their_own_identity() {
    if skip_emulator_only_test("a RamRoleArn profile assumes a role of the emulator's STS") {
        return;
    }
    let t = setup(emulator_config());
    t.run(
        Step::new(format!(
            "{}\n{}\n{}\n{}",
            provider(&t, Some("dev"), "  profile = \"ak\""),
            provider(&t, Some("prod"), "  profile = \"role\""),
            cache("dev", Some("dev")),
            cache("prod", Some("prod")),
        ))
        .own_provider()
        .plans("aliyun_eci_image_cache.dev", &["create"])
        .plans("aliyun_eci_image_cache.prod", &["create"])
        .calls("CreateImageCache", 2)
        .may_call(CREDENTIAL_CALLS)
        .check(|t| {
            for (name, prefix) in [("tf-acc-dev", "emulator"), ("tf-acc-prod", "STS.deploy.")] {
                let signer = t
                    .requests("CreateImageCache")
                    .into_iter()
                    .find(|r| r.params.get("ImageCacheName").map(String::as_str) == Some(name))
                    .and_then(|r| r.access_key_id)
                    .unwrap_or_default();
                assert!(
                    signer.starts_with(prefix),
                    "cache {name} signed by {signer:?}, expected {prefix}*"
                );
            }
        }),
    );
    t.destroy();
    assert_eq!(t.emu.object_count(), 0);
}

#[test]
fn static_credentials_and_untouched_plans_call_nothing() {
    if skip_emulator_only_test("assume_role against the emulator's STS") {
        return;
    }
    let t = setup(emulator_config());
    let body = format!(
        "  profile = \"ak\"\n  assume_role {{\n    role_arn = \"{}\"\n  }}",
        role("deploy")
    );
    // A network source is configured, but a plan with nothing to refresh needs no credential.
    t.run(
        Step::new(provider(&t, None, &body))
            .own_provider()
            .plan_only()
            .calls("AssumeRole", 0),
    );
    // The first API call of a provider process assumes the role once, for every
    // call of that process: the apply's, then the refreshing re-plan's.
    t.run(
        Step::new(main_tf(&t, &body))
            .own_provider()
            .plans(ADDR, &["create"])
            .calls("CreateImageCache", 1)
            .calls("AssumeRole", 2)
            .check(|t| assert!(t.calls("DescribeImageCaches") >= 1)),
    );
    t.destroy();
}

// ---------------------------------------------------------------- long waits

/// An image cache whose creation takes 2 hours on the emulator's manual clock,
/// which the test advances 1 minute every 100 ms while `terraform apply` waits.
fn long_wait(credential_lifetime: Duration) -> Acc {
    let mut timings = Timings::zero();
    timings.image_cache_creating = Duration::from_secs(2 * 3600);
    setup(Config {
        timings,
        clock: aliyun_emulator::Clock::manual(),
        ecs_credential_lifetime: credential_lifetime,
        ..emulator_config()
    })
}

/// For a step's `during_apply`: once the cache is created, advances the clock 1
/// minute every 100 ms until the cache is Ready (2 hours, some 12 seconds).
fn run_the_clock(emu: &Handle) {
    let clock = emu.clock();
    let start = Instant::now();
    while emu.calls("CreateImageCache") < 1 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the apply never created the cache"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    while emu.state()["image_caches"][0]["status"] != "Ready" {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "the cache is not Ready after {:?}",
            start.elapsed()
        );
        clock.advance(Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// How many credentials the emulator issued for `role` (its `STS.<role>.` prefix).
fn issued(emu: &Handle, prefix: &str) -> usize {
    emu.sessions()
        .iter()
        .filter(|s| s.access_key_id.starts_with(prefix))
        .count()
}

/// Requests of `action` (or of any, given `None`) refused as expired.
fn expired(emu: &Handle, action: Option<&str>) -> usize {
    emu.requests()
        .iter()
        .filter(|r| action.is_none() || r.action.as_deref() == action)
        .filter(|r| r.code.as_deref() == Some("InvalidSecurityToken.Expired"))
        .count()
}

#[test]
fn a_two_hour_wait_survives_expiry_of_15_minute_credentials() {
    if skip_emulator_only_test("two hours on the emulator's clock, its STS and metadata") {
        return;
    }
    type LongCase = (&'static str, fn(&Acc) -> String, &'static str, &'static str);
    let cases: Vec<LongCase> = vec![
        (
            "assume_role",
            |_| {
                format!("  access_key = \"emulator\"\n  secret_key = \"emulator-secret\"\n  assume_role {{\n    role_arn = \"{}\"\n    session_expiration = 900\n  }}", role("deploy"))
            },
            "AssumeRole",
            "STS.deploy.",
        ),
        (
            "assume_role_with_oidc",
            |t| {
                format!("  assume_role_with_oidc {{\n    oidc_provider_arn = \"acs:ram::{ACCOUNT}:oidc-provider/ci\"\n    oidc_token_file = \"{}\"\n    role_arn = \"{}\"\n    session_expiration = 900\n  }}", t.ws.path().join("oidc-token").display(), role("ci"))
            },
            "AssumeRoleWithOIDC",
            "STS.ci.",
        ),
        (
            "ECS RAM role",
            |_| "  ecs_role_name = \"EcsRunner\"".into(),
            "ImdsCredentials",
            "STS.ecs-EcsRunner.",
        ),
        (
            "assume_role over the ECS role (the source expires too)",
            |_| {
                format!("  ecs_role_name = \"EcsRunner\"\n  assume_role {{\n    role_arn = \"{}\"\n    session_expiration = 900\n  }}", role("deploy"))
            },
            "AssumeRole",
            "STS.deploy.",
        ),
    ];
    let report = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for (name, body, counted, prefix) in &cases {
            let report = &report;
            s.spawn(move || {
                let t = long_wait(Duration::from_secs(900));
                let (name, prefix) = (*name, *prefix);
                t.run(
                    Step::new(main_tf(&t, &body(&t)))
                        .own_provider()
                        .plans(ADDR, &["create"])
                        .calls("CreateImageCache", 1)
                        .may_call(CREDENTIAL_CALLS)
                        .during_apply(move |emu| {
                            run_the_clock(emu);
                            // Counted when the cache is Ready, before the re-plans fetch
                            // credentials of their own. The wait spans 8 lifetimes; the
                            // provider polls every few seconds (while the clock runs 10
                            // minutes a second), and every poll that finds its credential
                            // expired renews it: at least 3 renewals.
                            let credentials = issued(emu, prefix);
                            assert!(credentials >= 4, "{name}: only {credentials} credentials issued");
                            if name.starts_with("assume_role over the ECS role") {
                                // The source stayed live: the instance role's credential was
                                // renewed when AssumeRole found it expired (the official
                                // provider freezes it).
                                let base = issued(emu, "STS.ecs-EcsRunner.");
                                let refused = expired(emu, Some("AssumeRole"));
                                assert!(base >= 2 && refused >= 1, "{name}: {base} instance credentials, {refused} refused AssumeRole");
                            }
                        })
                        .check(move |t| assert_eq!(t.attr(ADDR, "status"), "Ready", "{name}")),
                );
                let calls = t.calls(counted);
                let credentials = issued(&t.emu, prefix);
                let expired = expired(&t.emu, None);
                report.lock().unwrap().push(format!(
                    "{name}: {calls} {counted} calls, {credentials} credentials issued, {expired} requests refused as expired (each renewed and retried)"
                ));
                t.destroy();
            });
        }
    });
    for line in report.into_inner().unwrap() {
        eprintln!("long wait: {line}");
    }
}

#[test]
fn a_long_wait_on_a_static_sts_token_fails_with_the_expiry_message_and_keeps_the_cache() {
    if skip_emulator_only_test("two hours on the emulator's clock, a token it issued") {
        return;
    }
    let t = long_wait(Duration::from_secs(900));
    let (id, secret, token, _) = t.emu.issue_session(&role("static"), 900);
    let body = format!(
        "  access_key = \"{id}\"\n  secret_key = \"{secret}\"\n  security_token = \"{token}\""
    );
    t.run(
        Step::new(main_tf(&t, &body))
            .own_provider()
            .plans(ADDR, &["create"])
            .calls("CreateImageCache", 1)
            .during_apply(run_the_clock)
            .fails_with("InvalidSecurityToken.Expired")
            .fails_with("static STS token")
            .fails_with("cannot be renewed")
            .fails_with("assume_role")
            .output_check(move |printed| {
                assert!(!printed.contains(&secret) && !printed.contains(&token));
            })
            .check(|t| {
                // The cache is in the state (tainted), not lost.
                assert!(t.tainted(ADDR), "the cache should be tainted in state");
                assert!(t.attr(ADDR, "id").starts_with("imc-"));
            }),
    );
}

// ---------------------------------------------------------------- errors

/// A step with the provider body `body` that must fail (at plan or apply) with an
/// error; returns what it printed, on one line.
fn fails(t: &Acc, body: &str) -> String {
    let printed = Rc::new(RefCell::new(String::new()));
    let sink = Rc::clone(&printed);
    t.run(
        Step::new(main_tf(t, body))
            .own_provider()
            .fails_with("Error: ")
            .may_call(CREDENTIAL_CALLS)
            .output_check(move |text| sink.borrow_mut().push_str(text)),
    );
    let text = unwrap_text(&printed.borrow());
    text
}

fn one_error(text: &str) {
    assert_eq!(
        text.matches("Error: ").count(),
        1,
        "expected exactly one error:\n{text}"
    );
}

#[test]
fn no_credentials_anywhere_is_one_error_listing_what_was_tried() {
    let t = Acc::with_config(emulator_config());
    let text = fails(&t, "");
    one_error(&text);
    assert!(
        text.contains("No Alibaba Cloud credentials found"),
        "{text}"
    );
    assert!(
        text.contains("with provider[\"registry.terraform.io/aliyun-rs/aliyun\"]"),
        "{text}"
    );
    let mut at = 0;
    for step in [
        "1. `access_key`",
        "2. `assume_role_with_oidc`",
        "3. `profile`",
        "6. AccessKey variables",
        "config.json does not exist",
    ] {
        at += text[at..]
            .find(step)
            .unwrap_or_else(|| panic!("{step:?} missing or out of order:\n{text}"));
    }
    if t.emulator_only("nothing reached the API (request log)") {
        assert!(t.emu.requests().is_empty(), "nothing reached the emulator");
    }
}

#[test]
fn error_cases_are_one_readable_diagnostic_each() {
    if skip_emulator_only_test("profiles, roles and tokens of the emulator's STS") {
        return;
    }
    type ErrorCase = (
        &'static str,
        fn(&mut Acc) -> String,
        &'static [&'static str],
    );
    let cases: Vec<ErrorCase> = vec![
        (
            "missing profile",
            |_| "  profile = \"nope\"".into(),
            &["profile \"nope\" is not in", "ak, sts"],
        ),
        (
            "unsupported mode",
            |_| "  profile = \"sso\"".into(),
            &["profile \"sso\"", "CloudSSO", "assume_role"],
        ),
        (
            "unsupported legacy mode",
            |_| "  profile = \"odd\"".into(),
            &["profile \"odd\"", "RsaKeyPair"],
        ),
        (
            "wrong role ARN",
            |_| {
                format!(
                    "  profile = \"ak\"\n  assume_role {{\n    role_arn = \"{}\"\n  }}",
                    role("nosuchrole")
                )
            },
            &[
                "EntityNotExist.Role",
                "AssumeRole acs:ram::1234567890123456:role/nosuchrole",
                "CreateImageCache",
            ],
        ),
        (
            "missing ExternalId",
            |_| {
                format!(
                    "  profile = \"ak\"\n  assume_role {{\n    role_arn = \"{}\"\n  }}",
                    role("partner")
                )
            },
            &["NoPermission", "ExternalId"],
        ),
        (
            "expired OIDC token",
            |t| {
                format!("  assume_role_with_oidc {{\n    oidc_provider_arn = \"acs:ram::{ACCOUNT}:oidc-provider/ci\"\n    oidc_token_file = \"{}\"\n    role_arn = \"{}\"\n  }}", t.ws.path().join("expired-oidc-token").display(), role("ci"))
            },
            &[
                "AuthenticationFail.OIDCToken.Expired",
                "AssumeRoleWithOIDC acs:ram::1234567890123456:role/ci",
            ],
        ),
        (
            "credentials URI answering garbage",
            |t| {
                format!(
                    "  credentials_uri = \"{}/credentials-uri?garbage=1\"",
                    t.emu.endpoint()
                )
            },
            &["credentials URI", "not the expected JSON"],
        ),
    ];
    for (name, body, needles) in cases {
        let mut t = setup(emulator_config());
        let body = body(&mut t);
        let text = fails(&t, &body);
        one_error(&text);
        for n in needles {
            assert!(text.contains(n), "{name}: {n:?} missing from:\n{text}");
        }
        assert!(
            !text.contains("emulator-secret")
                && !text.contains(OIDC_TOKEN)
                && !text.contains(EXPIRED_OIDC_TOKEN),
            "{name}: a secret leaked:\n{text}"
        );
        assert_eq!(t.calls("CreateImageCache"), 0, "{name}");
    }
}

#[test]
fn metadata_unreachable_fails_within_seconds_at_the_documented_address() {
    // No ALIBABA_CLOUD_ECS_METADATA_ENDPOINT: the provider goes to 100.100.100.200,
    // which is not there off ECS.
    let t = Acc::with_config(emulator_config());
    let started = Instant::now();
    let text = fails(&t, "  ecs_role_name = \"EcsRunner\"");
    let took = started.elapsed();
    one_error(&text);
    assert!(
        text.contains("ECS RAM role EcsRunner") && text.contains("100.100.100.200"),
        "{text}"
    );
    assert!(took < Duration::from_secs(20), "took {took:?}:\n{text}");
    eprintln!("metadata unreachable: terraform apply failed after {took:?}");
}

#[test]
fn metadata_that_never_answers_fails_within_seconds() {
    // A listener that accepts connections (the kernel does) but never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut t = Acc::with_config(emulator_config());
    t.ws.env(
        "ALIBABA_CLOUD_ECS_METADATA_ENDPOINT",
        &format!("http://{}", silent.local_addr().unwrap()),
    );
    let started = Instant::now();
    let text = fails(&t, "  ecs_role_name = \"EcsRunner\"");
    let took = started.elapsed();
    one_error(&text);
    assert!(
        text.contains("ECS RAM role EcsRunner") && text.contains("timed out"),
        "{text}"
    );
    assert!(took < Duration::from_secs(20), "took {took:?}:\n{text}");
    eprintln!("metadata silent: terraform apply failed after {took:?}");
    drop(silent);
}

#[test]
fn imdsv2_refused_with_imdsv1_disabled_is_an_error_without_any_get() {
    if skip_emulator_only_test("the emulator's metadata service") {
        return;
    }
    let mut t = setup(Config {
        imds_v2_disabled: true,
        ..emulator_config()
    });
    t.ws.env("ALIBABA_CLOUD_IMDSV1_DISABLED", "true");
    let text = fails(&t, "  ecs_role_name = \"EcsRunner\"");
    one_error(&text);
    assert!(text.contains("IMDSv1 is disabled"), "{text}");
    assert_eq!(t.calls("ImdsToken"), 1);
    assert_eq!(t.calls("ImdsCredentials") + t.calls("ImdsRoleName"), 0);
}
