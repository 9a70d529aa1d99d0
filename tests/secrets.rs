//! Secrets stay secret: the AccessKey secret, the STS token and registry passwords
//! never appear in what Terraform prints (with `TF_LOG=trace`, which includes the
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
