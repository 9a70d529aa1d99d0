//! Secrets stay secret: the AccessKey secret, the STS token and registry passwords
//! (and, for every credential source, temporary secrets and tokens, OIDC tokens and
//! metadata answers) never appear in what Terraform prints (with `TF_LOG=trace`, which includes the
//! provider's own logs), nor in the error of a failed call whose server echoes the
//! signed request, and a write-only password never reaches the state file.
//!
//! Every secret is unique to the test and built around a random core of 32 hex
//! digits. The search is for that core, so a secret is found in whatever encoding
//! keeps letters and digits together (as is, percent-encoded once or twice, JSON-
//! or form-escaped), not only in the forms the provider knows to scrub.
//!
//! Written as steps (`acc::Step`). In real-cloud mode (`ALIYUN_ACC_REAL=1`, see
//! `acc::real`) the AccessKey secret and STS token searched for are the account's
//! (the search is for the whole value), the registry passwords still the test's;
//! what only the emulator shows (what reached the API, the server's echo of the
//! signed string) is skipped and reported, and so is the test of the emulator's
//! STS, OIDC, metadata and credentials URI.

use std::cell::RefCell;
use std::rc::Rc;

use aliyun_emulator::Config;

use crate::acc::{edit, skip_emulator_only_test, Acc, Step};

/// One secret: its full value and the core searched for.
struct Secret {
    value: String,
    core: String,
}

impl Secret {
    /// `what` names the secret in failure messages; the value mixes in characters
    /// that every encoding changes, so an encoded leak is a different string.
    fn new(what: &str) -> Secret {
        let core = uuid::Uuid::new_v4().simple().to_string();
        Secret {
            value: format!("{what}/{core}+tail=="),
            core,
        }
    }

    /// A secret given from outside (the account's): searched for whole.
    fn given(value: String) -> Secret {
        Secret {
            core: value.clone(),
            value,
        }
    }
}

/// The secrets of one test, with names for failure messages.
struct Secrets {
    secret_key: Secret,
    token: Secret,
    password: Secret,
    password_wo: Secret,
}

impl Secrets {
    fn new() -> Secrets {
        Secrets {
            secret_key: Secret::new("access-key-secret"),
            token: Secret::new("sts-token"),
            password: Secret::new("registry-password"),
            password_wo: Secret::new("registry-password-wo"),
        }
    }

    fn all(&self) -> [(&'static str, &Secret); 4] {
        [
            ("the AccessKey secret", &self.secret_key),
            ("the STS token", &self.token),
            ("the registry password", &self.password),
            ("the write-only registry password", &self.password_wo),
        ]
    }
}

const ACCESS_KEY_ID: &str = "LTAI-secrets-test";
const ADDR: &str = "aliyun_eci_image_cache.c";

/// An emulator accepting only `secrets`' AccessKey secret and STS token; in
/// real-cloud mode, the account, whose secret (and token, if it has one) then
/// replace the test's in `secrets`.
fn emulator(secrets: &mut Secrets) -> Acc {
    let mut t = Acc::with_config(Config {
        access_key_id: ACCESS_KEY_ID.into(),
        access_key_secret: secrets.secret_key.value.clone(),
        security_tokens: Some(vec![secrets.token.value.clone()]),
        ..Config::for_tests()
    });
    if t.is_real() {
        let (_, secret, token) = t.credentials();
        secrets.secret_key = Secret::given(secret);
        if let Some(token) = token {
            secrets.token = Secret::given(token);
        }
    }
    t.ws.env("TF_LOG", "trace").env("TF_LOG_PROVIDER", "trace");
    t
}

/// The provider block signing with `secret_key` (and the STS token), no retries.
fn provider(t: &Acc, secrets: &Secrets, secret_key: &str) -> String {
    if t.is_real() {
        let block = t.provider_block_with(None, Some(secret_key));
        return edit(
            &block,
            &[(
                "provider \"aliyun\" {\n",
                "provider \"aliyun\" {\n  max_retries = 0\n",
            )],
        );
    }
    let endpoint = t.emu.endpoint();
    format!(
        r#"provider "aliyun" {{
  region         = "cn-hangzhou"
  access_key     = "{ACCESS_KEY_ID}"
  secret_key     = "{secret_key}"
  security_token = "{token}"
  max_retries    = 0
  endpoints {{
    eci = "{endpoint}"
    ecs = "{endpoint}"
  }}
}}
"#,
        token = secrets.token.value,
    )
}

/// The provider signing with `secret_key`, and an image cache with one registry
/// password of each kind (for servers its public images do not need: the
/// passwords only have to reach the API).
fn config(t: &Acc, secrets: &Secrets, secret_key: &str) -> String {
    format!(
        r#"{}
resource "aliyun_eci_image_cache" "c" {{
  image_cache_name  = "tf-acc-private"
  images            = ["nginx:1.25", "busybox:1.36"]
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
  tags              = {{ "tf-acc" = "true" }}
  image_registry_credential {{
    server    = "registry.example.com"
    user_name = "ci"
    password  = "{password}"
  }}
  image_registry_credential {{
    server              = "mirror.example.com"
    user_name           = "ci"
    password_wo         = "{password_wo}"
    password_wo_version = 1
  }}
}}
"#,
        provider(t, secrets, secret_key),
        password = secrets.password.value,
        password_wo = secrets.password_wo.value,
    )
}

impl Secrets {
    /// `(what, core)` of each secret.
    fn cores(&self) -> Vec<(String, String)> {
        self.all()
            .into_iter()
            .map(|(what, s)| (what.to_string(), s.core.clone()))
            .collect()
    }
}

/// A check that what a step printed holds none of `cores` (see [`assert_absent`]).
fn no_secret_in(cores: Vec<(String, String)>) -> impl Fn(&str) + 'static {
    move |printed| assert_absent(printed, &cores, "what terraform printed")
}

/// Runs terraform (trace logs on) and returns everything it printed, after
/// checking that no secret is in it.
fn run_clean(t: &Acc, secrets: &Secrets, args: &[&str], must_succeed: bool) -> String {
    let out = if must_succeed {
        t.ws.terraform(args)
    } else {
        t.ws.terraform_fails(args)
    };
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_no_secret(
        &text,
        secrets,
        &format!("the output of terraform {}", args.join(" ")),
    );
    text
}

fn assert_no_secret(text: &str, secrets: &Secrets, place: &str) {
    for (what, s) in secrets.all() {
        if let Some(at) = text.find(&s.core) {
            let from = text[..at]
                .char_indices()
                .rev()
                .nth(200)
                .map_or(0, |(i, _)| i);
            let to = (at + s.core.len() + 200).min(text.len());
            let to = (to..=text.len())
                .find(|i| text.is_char_boundary(*i))
                .unwrap_or(text.len());
            panic!("{what} appears in {place}:\n...{}...", &text[from..to]);
        }
    }
}

#[test]
fn secrets_stay_out_of_logs_and_the_write_only_password_out_of_state() {
    let mut secrets = Secrets::new();
    let t = emulator(&mut secrets);
    let config = config(&t, &secrets, &secrets.secret_key.value);

    let (password, password_wo) = (
        secrets.password.value.clone(),
        secrets.password_wo.value.clone(),
    );
    t.run(
        Step::new(config.as_str())
            .own_provider()
            .plans(ADDR, &["create"])
            .calls("CreateImageCache", 1)
            .output_check(no_secret_in(secrets.cores()))
            // The search looked at the right text: trace logs of Terraform and of the
            // provider.
            .output_check(|printed| {
                for (what, needle) in [
                    ("Terraform's trace log", "[TRACE]"),
                    ("the provider's debug log", "CreateImageCache: attempt 1"),
                    ("the provider's RPC log", "rpc=ApplyResourceChange"),
                ] {
                    assert!(
                        printed.contains(needle),
                        "{what} ({needle:?}) is missing:\n{printed}"
                    );
                }
            })
            .check(move |t| {
                // Both passwords and the token did reach the API.
                if t.emulator_only("the passwords reached the API (emulator state)") {
                    let state = t.emu.state().to_string();
                    for s in [&password, &password_wo] {
                        assert!(
                            state.contains(s.as_str()),
                            "the emulator never received a password: {state}"
                        );
                    }
                }
            }),
    );
    // A refresh-only apply.
    t.run(
        Step::new(config)
            .own_provider()
            .plan_args(&["-refresh-only"])
            .output_check(no_secret_in(secrets.cores())),
    );

    let tfstate = t.ws.read("terraform.tfstate");
    assert!(
        !tfstate.contains(&secrets.password_wo.core),
        "the write-only password is in terraform.tfstate:\n{tfstate}"
    );
    for s in [&secrets.secret_key, &secrets.token] {
        assert!(
            !tfstate.contains(&s.core),
            "a credential is in terraform.tfstate"
        );
    }
    // `password` is sensitive but, unlike `password_wo`, kept in state by design.
    assert!(tfstate.contains(&secrets.password.value));

    run_clean(
        &t,
        &secrets,
        &["destroy", "-input=false", "-auto-approve"],
        true,
    );
    // Nor in any state written on the way (the backup holds the state before destroy).
    for file in ["terraform.tfstate", "terraform.tfstate.backup"] {
        let text = t.ws.read(file);
        for s in [&secrets.password_wo, &secrets.secret_key, &secrets.token] {
            assert!(!text.contains(&s.core), "{file} holds a secret:\n{text}");
        }
    }
}

#[test]
fn a_rejected_signature_does_not_echo_secrets() {
    let mut secrets = Secrets::new();
    let t = emulator(&mut secrets);
    // The provider signs with a secret the API does not know.
    let wrong = Secret::new("wrong-secret");
    let (token, password, password_wo) = (
        secrets.token.core.clone(),
        secrets.password.core.clone(),
        secrets.password_wo.core.clone(),
    );
    t.run(
        Step::new(config(&t, &secrets, &wrong.value))
            .own_provider()
            .plans(ADDR, &["create"])
            .fails_with("SignatureDoesNotMatch")
            .fails_with("CreateImageCache")
            .output_check(no_secret_in(secrets.cores()))
            .output_check(no_secret_in(vec![(
                "the AccessKey secret the provider signed with".into(),
                wrong.core.clone(),
            )]))
            .check(move |t| {
                // The server did echo them: its message carries the string it signed,
                // with the token and both passwords in it, so the provider had
                // something to scrub.
                if !t.emulator_only("the server's echo of the signed string (request log)") {
                    return;
                }
                let echoed = t
                    .emu
                    .requests()
                    .into_iter()
                    .filter_map(|r| r.message)
                    .find(|m| m.contains("string to sign"))
                    .unwrap_or_else(|| {
                        panic!("no SignatureDoesNotMatch answer: {}", t.emulator_report())
                    });
                for core in [&token, &password, &password_wo] {
                    assert!(
                        echoed.contains(core.as_str()),
                        "the server's message lacks a secret: {echoed}"
                    );
                }
                assert!(t.emu.state()["image_caches"]
                    .as_array()
                    .is_none_or(Vec::is_empty));
            }),
    );
}

#[test]
fn credentials_from_the_environment_stay_secret_too() {
    let mut secrets = Secrets::new();
    let mut t = emulator(&mut secrets);
    let wrong = Secret::new("wrong-env-secret");
    let (id, _, token) = t.credentials();
    let (id, token) = if t.is_real() {
        (id, token)
    } else {
        (ACCESS_KEY_ID.to_string(), Some(secrets.token.value.clone()))
    };
    t.ws.env("ALIBABA_CLOUD_ACCESS_KEY_ID", &id)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", &wrong.value);
    if let Some(token) = &token {
        t.ws.env("ALIBABA_CLOUD_SECURITY_TOKEN", token);
    }
    // The provider block names no credential: they come from the environment.
    let block: String = provider(&t, &secrets, "unused")
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            !["access_key", "secret_key", "security_token"]
                .iter()
                .any(|k| l.starts_with(k))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    t.run(
        Step::new(block + "\ndata \"aliyun_eci_image_caches\" \"all\" {\n}\n")
            .own_provider()
            .plan_only()
            .fails_with("SignatureDoesNotMatch")
            .output_check(no_secret_in(secrets.cores()))
            .output_check(no_secret_in(vec![(
                "the AccessKey secret the provider signed with".into(),
                wrong.core.clone(),
            )]))
            // The refused call is not an answered one.
            .calls("DescribeImageCaches", 0)
            .check(|t| {
                if t.emulator_only("the call reached the API (request log)") {
                    assert!(
                        !t.emu.requests().is_empty(),
                        "the call reached the emulator"
                    );
                }
            }),
    );
}

/// Fails if any `(what, core)` appears in `text`.
fn assert_absent(text: &str, cores: &[(String, String)], place: &str) {
    for (what, core) in cores {
        if let Some(at) = text.find(core.as_str()) {
            let from = at.saturating_sub(200);
            let to = (at + core.len() + 200).min(text.len());
            panic!(
                "{what} appears in {place}:\n...{}...",
                String::from_utf8_lossy(&text.as_bytes()[from..to])
            );
        }
    }
}

/// The random part of an emulator-issued secret (`sts-secret-<hex>`, `CAIS<hex>`).
fn core_of(value: &str) -> String {
    value
        .trim_start_matches("sts-secret-")
        .trim_start_matches("CAIS")
        .to_string()
}

#[test]
fn sts_secrets_oidc_tokens_and_metadata_uri_and_process_answers_stay_secret() {
    // See: issue 8. Five aliases: assume_role over a static key, OIDC with the
    // token in the block, the ECS role through the metadata endpoint, a
    // credentials URI, and an external process (through a profile).
    if skip_emulator_only_test("the emulator's STS, OIDC, metadata and credentials URI") {
        return;
    }
    let secrets = Secrets::new();
    let oidc = Secret::new("oidc-token");
    let account = "1234567890123456";
    let mut t = Acc::with_config(Config {
        access_key_id: ACCESS_KEY_ID.into(),
        access_key_secret: secrets.secret_key.value.clone(),
        roles: vec![
            aliyun_emulator::RoleSeed::new(format!("acs:ram::{account}:role/deploy")),
            aliyun_emulator::RoleSeed::new(format!("acs:ram::{account}:role/ci")),
        ],
        oidc_provider_arn: format!("acs:ram::{account}:oidc-provider/ci"),
        oidc_token: Some(oidc.value.clone()),
        ecs_role_name: Some("EcsRunner".into()),
        ..Config::for_tests()
    });
    let endpoint = t.emu.endpoint();
    t.ws.env("TF_LOG", "trace")
        .env("TF_LOG_PROVIDER", "trace")
        .env("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", &endpoint);
    let provider = |alias: &str, body: &str| {
        format!(
            r#"provider "aliyun" {{
  alias       = "{alias}"
  region      = "cn-hangzhou"
  max_retries = 0
  endpoints {{
    eci = "{endpoint}"
    ecs = "{endpoint}"
    sts = "{endpoint}"
  }}
{body}
}}

resource "aliyun_eci_image_cache" "{alias}" {{
  provider          = aliyun.{alias}
  image_cache_name  = "tf-acc-{alias}"
  images            = ["nginx:1.25"]
  security_group_id = "sg-acc0001"
  vswitch_id        = "vsw-acc0001"
  tags              = {{ "tf-acc" = "true" }}
}}
"#
        )
    };
    let config = format!(
        "{}\n{}\n{}\n{}\n{}",
        provider(
            "sts",
            &format!(
                "  access_key = \"{ACCESS_KEY_ID}\"\n  secret_key = \"{}\"\n  assume_role {{\n    role_arn = \"acs:ram::{account}:role/deploy\"\n  }}",
                secrets.secret_key.value
            )
        ),
        provider(
            "oidc",
            &format!(
                "  assume_role_with_oidc {{\n    oidc_provider_arn = \"acs:ram::{account}:oidc-provider/ci\"\n    oidc_token = \"{}\"\n    role_arn = \"acs:ram::{account}:role/ci\"\n  }}",
                oidc.value
            )
        ),
        provider("ecs", "  ecs_role_name = \"EcsRunner\""),
        provider(
            "uri",
            &format!("  credentials_uri = \"{endpoint}/credentials-uri\""),
        ),
        provider("ext", "  profile = \"ext\""),
    );
    // The external process prints a credential the emulator issued.
    let (ext_id, ext_secret, ext_token, ext_exp) = t.emu.issue_session("external", 3600);
    let script = t.ws.path().join("get-creds.sh");
    t.ws.write(
        "get-creds.sh",
        &format!(
            "#!/bin/sh\necho '{{\"mode\":\"StsToken\",\"access_key_id\":\"{ext_id}\",\"access_key_secret\":\"{ext_secret}\",\"sts_token\":\"{ext_token}\",\"expiration\":\"{ext_exp}\"}}'\n"
        ),
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    t.ws.write(
        ".aliyun/config.json",
        &serde_json::json!({"profiles": [{"name": "ext", "mode": "External", "process_command": script.display().to_string()}]})
            .to_string(),
    );
    // What the step printed, searched once the emulator's sessions are known.
    let printed = Rc::new(RefCell::new(String::new()));
    let sink = Rc::clone(&printed);
    let mut step = Step::new(config)
        .own_provider()
        .calls("CreateImageCache", 5)
        // Every source was used, once in each provider process that calls the API
        // (the apply's and the refreshing re-plan's).
        .calls("AssumeRole", 2)
        .calls("AssumeRoleWithOIDC", 2)
        .calls("ImdsToken", 2)
        .calls("ImdsCredentials", 2)
        .calls("CredentialsUri", 2)
        .output_check(move |text| sink.borrow_mut().push_str(text));
    for alias in ["sts", "oidc", "ecs", "uri", "ext"] {
        step = step.plans(&format!("aliyun_eci_image_cache.{alias}"), &["create"]);
    }
    t.run(step);
    let printed = printed.borrow();
    let mut cores = vec![
        (
            "the AccessKey secret".to_string(),
            secrets.secret_key.core.clone(),
        ),
        ("the OIDC token".to_string(), oidc.core.clone()),
    ];
    for s in t.emu.sessions() {
        cores.push((
            format!("the secret of {}", s.access_key_id),
            core_of(&s.secret),
        ));
        cores.push((
            format!("the token of {}", s.access_key_id),
            core_of(&s.token),
        ));
    }
    assert!(cores.len() >= 12, "{cores:?}");
    // The external process's credential signed its cache.
    assert!(t
        .emu
        .requests()
        .iter()
        .any(|r| r.access_key_id.as_deref() == Some(ext_id.as_str())));
    // The search looks at the right text: the provider's own trace log is there.
    assert!(printed.contains("rpc=ApplyResourceChange"), "{printed}");
    assert!(
        printed.contains("credentials: got STS."),
        "the provider's credential log is missing:\n{printed}"
    );
    assert_absent(&printed, &cores, "what terraform printed");
    assert_absent(&t.ws.read("terraform.tfstate"), &cores, "terraform.tfstate");
    // Nor in the emulator's own request log (the OIDC token is masked there too).
    let log = serde_json::to_string(&t.emu.requests()).unwrap();
    assert_absent(&log, &cores, "the emulator's request log");

    // Destroy starts fresh provider processes, which fetch everything again.
    let destroy =
        t.ws.terraform(&["destroy", "-input=false", "-auto-approve"]);
    assert_absent(
        &String::from_utf8_lossy(&destroy.stderr),
        &cores,
        "the output of destroy",
    );
}
