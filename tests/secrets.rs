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

use aliyun_emulator::Config;

use crate::acc::Acc;
use crate::util::REQUIRED_PROVIDERS;

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

/// An emulator accepting only `secrets`' AccessKey secret and STS token.
fn emulator(secrets: &Secrets) -> Acc {
    let mut t = Acc::with_config(Config {
        access_key_id: ACCESS_KEY_ID.into(),
        access_key_secret: secrets.secret_key.value.clone(),
        security_tokens: Some(vec![secrets.token.value.clone()]),
        ..Config::for_tests()
    });
    t.ws.env("TF_LOG", "trace").env("TF_LOG_PROVIDER", "trace");
    t
}

/// `main.tf`: the provider signing with `secret_key` and `secrets.token`, and an
/// image cache with one registry password of each kind.
fn config(t: &Acc, secrets: &Secrets, secret_key: &str) -> String {
    let endpoint = t.emu.endpoint();
    format!(
        r#"{REQUIRED_PROVIDERS}
provider "aliyun" {{
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

resource "aliyun_eci_image_cache" "c" {{
  image_cache_name  = "private"
  images            = ["registry.example.com/team/app:v1", "mirror.example.com/team/tool:v2"]
  security_group_id = "sg-secrets1"
  vswitch_id        = "vsw-secrets1"
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
        token = secrets.token.value,
        password = secrets.password.value,
        password_wo = secrets.password_wo.value,
    )
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
    let secrets = Secrets::new();
    let t = emulator(&secrets);
    t.ws.write("main.tf", &config(&t, &secrets, &secrets.secret_key.value));

    let plan = run_clean(&t, &secrets, &["plan", "-input=false", "-out=tfplan"], true);
    let apply = run_clean(&t, &secrets, &["apply", "-input=false", "tfplan"], true);
    run_clean(&t, &secrets, &["plan", "-input=false"], true);
    run_clean(
        &t,
        &secrets,
        &["apply", "-input=false", "-auto-approve", "-refresh-only"],
        true,
    );

    // The search looked at the right text: trace logs of Terraform and of the provider.
    for (what, text, needle) in [
        ("Terraform's trace log", &plan, "[TRACE]"),
        (
            "the provider's debug log",
            &apply,
            "CreateImageCache: attempt 1",
        ),
        ("the provider's RPC log", &apply, "rpc=ApplyResourceChange"),
    ] {
        assert!(
            text.contains(needle),
            "{what} ({needle:?}) is missing:\n{text}"
        );
    }
    // Both passwords and the token did reach the API.
    let state = t.emu.state().to_string();
    for s in [&secrets.password, &secrets.password_wo] {
        assert!(
            state.contains(&s.value),
            "the emulator never received a password: {state}"
        );
    }
    assert_eq!(t.calls("CreateImageCache"), 1, "{}", t.emulator_report());

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
    let secrets = Secrets::new();
    let t = emulator(&secrets);
    // The provider signs with a secret the emulator does not know.
    let wrong = Secret::new("wrong-secret");
    t.ws.write("main.tf", &config(&t, &secrets, &wrong.value));

    let out = run_clean(
        &t,
        &secrets,
        &["apply", "-input=false", "-auto-approve"],
        false,
    );
    assert!(
        !out.contains(&wrong.core),
        "the AccessKey secret the provider signed with appears in the failed apply:\n{out}"
    );
    assert!(out.contains("SignatureDoesNotMatch"), "{out}");
    assert!(out.contains("CreateImageCache"), "{out}");

    // The server did echo them: its message carries the string it signed, with the
    // token and both passwords in it, so the provider had something to scrub.
    let echoed = t
        .emu
        .requests()
        .into_iter()
        .filter_map(|r| r.message)
        .find(|m| m.contains("string to sign"))
        .unwrap_or_else(|| panic!("no SignatureDoesNotMatch answer: {}", t.emulator_report()));
    for s in [&secrets.token, &secrets.password, &secrets.password_wo] {
        assert!(
            echoed.contains(&s.core),
            "the server's message lacks a secret: {echoed}"
        );
    }
    assert!(t.emu.state()["image_caches"]
        .as_array()
        .is_none_or(Vec::is_empty));
}

#[test]
fn credentials_from_the_environment_stay_secret_too() {
    let secrets = Secrets::new();
    let mut t = emulator(&secrets);
    let wrong = Secret::new("wrong-env-secret");
    t.ws.env("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", &wrong.value)
        .env("ALIBABA_CLOUD_SECURITY_TOKEN", &secrets.token.value);
    let endpoint = t.emu.endpoint();
    t.ws.write(
        "main.tf",
        &format!(
            r#"{REQUIRED_PROVIDERS}
provider "aliyun" {{
  region      = "cn-hangzhou"
  max_retries = 0
  endpoints {{
    eci = "{endpoint}"
    ecs = "{endpoint}"
  }}
}}

data "aliyun_eci_image_caches" "all" {{
}}
"#
        ),
    );
    let out = run_clean(&t, &secrets, &["plan", "-input=false"], false);
    assert!(
        !out.contains(&wrong.core),
        "the AccessKey secret appears:\n{out}"
    );
    assert!(out.contains("SignatureDoesNotMatch"), "{out}");
    assert_eq!(t.calls("DescribeImageCaches"), 0, "{}", t.emulator_report());
    assert!(
        !t.emu.requests().is_empty(),
        "the call reached the emulator"
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
  image_cache_name  = "{alias}"
  images            = ["nginx:1.25"]
  security_group_id = "sg-secrets1"
  vswitch_id        = "vsw-secrets1"
}}
"#
        )
    };
    let config = format!(
        "{REQUIRED_PROVIDERS}\n{}\n{}\n{}\n{}\n{}",
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
    t.ws.write("main.tf", &config);
    let mut outputs = Vec::new();
    for args in [
        &["apply", "-input=false", "-auto-approve"][..],
        &["plan", "-input=false"][..],
    ] {
        let out = t.ws.terraform(args);
        outputs.push(format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // Every source was used.
    for action in [
        "AssumeRole",
        "AssumeRoleWithOIDC",
        "ImdsCredentials",
        "CredentialsUri",
    ] {
        assert!(t.calls(action) >= 1, "{action}: {}", t.emulator_report());
    }
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
    assert!(
        outputs[0].contains("rpc=ApplyResourceChange"),
        "{}",
        outputs[0]
    );
    assert!(
        outputs[0].contains("credentials: got STS."),
        "the provider's credential log is missing:\n{}",
        outputs[0]
    );
    for (i, text) in outputs.iter().enumerate() {
        assert_absent(text, &cores, &format!("the output of command {i}"));
    }
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
