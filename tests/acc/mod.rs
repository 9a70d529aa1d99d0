//! Acceptance steps in the style of terraform-plugin-testing, against the emulator.
//!
//! A test is a series of [`Step`]s run by [`Acc::run`], the only way this harness
//! applies a configuration: `plan -out` (its actions checked), `apply` of that plan,
//! then `plan -refresh=false` and `plan` must both be empty, then the step's exact
//! API calls and checks. So no test can forget the invariants that make plans exact. Each test gets its own
//! emulator (in process, on loopback) and its own workspace, so tests run in parallel.
//!
//! With `ALIYUN_ACC_REAL=1` the same steps run against Alibaba Cloud or an endpoint
//! given by URL (see [`real`]): emulator-only assertions are skipped and reported.

pub mod real;

use std::collections::BTreeMap;

use aliyun_emulator::{Config, Emulator, Handle, LogEntry};
use serde_json::Value as Json;
use terraform_provider_aliyun::aliyun::{Client, ClientConfig, Credentials};
use terraform_provider_aliyun::tf::Schema;

use crate::util::{Workspace, REQUIRED_PROVIDERS};
pub use real::skip_emulator_only_test;
use real::RealCloud;

mod step;
pub use step::{edit, Step};
// s14-steps-c
pub use step::unwrap_text;

/// A test's world: an emulator and a Terraform workspace using it.
pub struct Acc {
    /// The emulator.
    pub emu: Handle,
    /// The workspace.
    pub ws: Workspace,
    config: std::cell::RefCell<String>,
    // Set in real-cloud mode (`ALIYUN_ACC_REAL=1`): the provider then talks to it,
    // and `emu` (still started, so the field exists) is never reached.
    real: Option<RealCloud>,
    // Runs the emulator's server; dropped last.
    _rt: tokio::runtime::Runtime,
}

/// What one planned resource change does, as `show -json` says (`["update"]`, `["delete","create"]`...).
pub type Actions = BTreeMap<String, Vec<String>>;

impl Acc {
    /// With the emulator's test settings (every status change is immediate).
    pub fn new() -> Acc {
        Acc::with_config(Config::for_tests())
    }

    /// With the given emulator settings.
    pub fn with_config(config: Config) -> Acc {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let emu = rt
            .block_on(Emulator::start(config))
            .expect("start the emulator");
        Acc {
            emu,
            ws: Workspace::new(),
            config: Default::default(),
            real: RealCloud::from_env(),
            _rt: rt,
        }
    }

    /// The provider block pointing at this test's emulator (or, in real-cloud
    /// mode, at the account).
    pub fn provider_block(&self) -> String {
        match &self.real {
            Some(real) => real.provider_block(),
            None => provider_block(&self.emu.endpoint()),
        }
    }

    /// Whether this test runs against the real cloud (`ALIYUN_ACC_REAL=1`).
    pub fn is_real(&self) -> bool {
        self.real.is_some()
    }

    /// Guards an assertion only the emulator can answer (call counts, request
    /// parameters, its state): true against the emulator; in real-cloud mode false,
    /// after reporting `SKIPPED (emulator-only assertion): TEST: what`.
    pub fn emulator_only(&self, what: &str) -> bool {
        if self.is_real() {
            real::report_skip("emulator-only assertion", what);
            false
        } else {
            true
        }
    }

    /// In real-cloud mode, true (after reporting the test as skipped) when one of
    /// the configuration placeholders (`sg-acc0002`, `cn-hangzhou-g`...) has no value
    /// for this account; the test then returns. Always false against the emulator.
    pub fn skip_without(&self, placeholders: &[&str]) -> bool {
        let Some(real) = &self.real else {
            return false;
        };
        let missing: Vec<&str> = placeholders
            .iter()
            .copied()
            .filter(|p| !real.has(p))
            .collect();
        if missing.is_empty() {
            return false;
        }
        real::report_skip(
            "needs account settings",
            &format!("no value for {}", missing.join(", ")),
        );
        true
    }

    /// `config` as it is sent: placeholders replaced by the account's IDs in
    /// real-cloud mode, unchanged against the emulator.
    pub fn substitute(&self, config: &str) -> String {
        match &self.real {
            Some(real) => real.substitute(config),
            None => config.to_string(),
        }
    }

    /// Writes `main.tf`: required providers, the provider block, and `config`.
    pub fn write_config(&self, config: &str) {
        let text = format!(
            "{REQUIRED_PROVIDERS}\n{}\n{}\n",
            self.provider_block(),
            self.substitute(config)
        );
        self.ws.write("main.tf", &text);
        *self.config.borrow_mut() = text;
        self.check_plan_marked();
    }

    /// Writes `main.tf` with the required providers and `config` only: the
    /// configuration brings its own provider block(s).
    pub fn write_config_without_provider(&self, config: &str) {
        let text = format!("{REQUIRED_PROVIDERS}\n{config}\n");
        self.ws.write("main.tf", &text);
        *self.config.borrow_mut() = text;
    }

    /// In real-cloud mode, every resource in the state must carry the `tf-acc-`
    /// name prefix and the `tf-acc` tag, or the sweeper could not find it.
    fn check_marked(&self) {
        if self.is_real() {
            let state = self.ws.terraform_json(&["show", "-json"]);
            if let Err(e) = real::check_marked(&state["values"]["root_module"]) {
                panic!("an object of this test is not marked for the sweeper: {e}");
            }
        }
    }

    /// In real-cloud mode, before anything is created: the plan of the files just
    /// written must mark every object (a test not ported to the mode fails here,
    /// without leaving an object the sweeper cannot find). A plan that fails is left
    /// to the test (nothing is created by it).
    fn check_plan_marked(&self) {
        if !self.is_real() {
            return;
        }
        let args = ["plan", "-input=false", "-out=acc-check.tfplan"];
        if !self.ws.terraform_unchecked(&args).status.success() {
            return;
        }
        let plan = self
            .ws
            .terraform_json(&["show", "-json", "acc-check.tfplan"]);
        let _ = std::fs::remove_file(self.ws.path().join("acc-check.tfplan"));
        if let Err(e) = real::check_marked(&plan["planned_values"]["root_module"]) {
            panic!("this test would create an object not marked for the sweeper: {e}");
        }
    }

    /// `plan -out=tfplan` of the current files, and the action of every resource change.
    pub fn plan_actions(&self) -> Actions {
        self.ws.terraform(&["plan", "-input=false", "-out=tfplan"]);
        let plan = self.ws.terraform_json(&["show", "-json", "tfplan"]);
        step::actions_of(&plan)
    }

    /// The state's attribute values of `address`.
    pub fn resource(&self, address: &str) -> Json {
        resource_values(&self.ws, address)
    }

    /// Whether `address` is tainted in the state (`terraform show -json`).
    pub fn tainted(&self, address: &str) -> bool {
        let state = self.ws.terraform_json(&["show", "-json"]);
        let resources = state["values"]["root_module"]["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let r = resources
            .iter()
            .find(|r| r["address"] == address)
            .unwrap_or_else(|| panic!("{address} is not in the state: {state:#}"));
        r["tainted"].as_bool().unwrap_or(false)
    }

    /// One attribute of `address` as a string (panics if missing or not a string).
    pub fn attr(&self, address: &str, name: &str) -> String {
        let values = self.resource(address);
        values[name]
            .as_str()
            .unwrap_or_else(|| panic!("{address}.{name} is not a string: {}", values[name]))
            .to_string()
    }

    /// [`Acc::import_verify`] with the attributes `schema` marks `never_returned`.
    pub fn import_verify_schema(&self, address: &str, schema: &Schema) {
        self.import_verify(address, &schema.block.never_returned_names());
    }

    /// Import verification in a fresh directory with the same configuration: the
    /// imported state must equal the original for every attribute the API returns,
    /// hold null (or nothing) for the ones in `not_returned`, and the plan that fills
    /// those in must adopt the object in place (never replace it). After that adoption
    /// is applied, the state equals the original attribute for attribute and both plans
    /// are empty.
    pub fn import_verify(&self, address: &str, not_returned: &[&str]) {
        let original = self.resource(address);
        let id = original["id"]
            .as_str()
            .expect("the resource has an id")
            .to_string();
        let fresh = Workspace::new();
        fresh.write("main.tf", &self.config.borrow());
        fresh.terraform(&["import", "-input=false", address, &id]);
        let imported = resource_values(&fresh, address);
        for (name, want) in original.as_object().expect("object") {
            let got = &imported[name];
            if name == "timeouts" {
                continue;
            }
            if not_returned.contains(&name.as_str()) {
                assert!(
                    is_empty(got),
                    "{address}.{name} should be unknown (null) after import, got {got}"
                );
            } else {
                assert_eq!(got, want, "{address}.{name} differs after import");
            }
        }
        let plan = {
            fresh.terraform(&["plan", "-input=false", "-out=tfplan"]);
            fresh.terraform_json(&["show", "-json", "tfplan"])
        };
        for rc in plan["resource_changes"].as_array().into_iter().flatten() {
            let actions: Vec<&str> = rc["change"]["actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            assert!(
                actions == ["update"] || actions == ["no-op"],
                "after import {} plans {actions:?}, not an in-place adoption",
                rc["address"]
            );
        }
        fresh.terraform(&["apply", "-input=false", "tfplan"]);
        let adopted = resource_values(&fresh, address);
        for (name, want) in original.as_object().unwrap() {
            if name != "timeouts" {
                assert_eq!(
                    &adopted[name], want,
                    "{address}.{name} differs after import and adoption"
                );
            }
        }
        for extra in [&["-refresh=false"][..], &[][..]] {
            let mut args = vec!["plan", "-input=false", "-detailed-exitcode"];
            args.extend_from_slice(extra);
            let out = fresh.terraform_unchecked(&args);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                fresh.report("plan after import is not empty", &args, &out)
            );
        }
    }

    /// `terraform destroy`, then the emulator must hold no object of any kind
    /// but those the test seeded through the emulator and finished builds (a
    /// finished build cannot be deleted: destroy forgets it); in real-cloud
    /// mode: no cache of this state may be returned any more.
    pub fn destroy(&self) {
        if let Some(real) = &self.real {
            let state = self.ws.terraform_json(&["show", "-json"]);
            let ids: Vec<(String, String)> = state["values"]["root_module"]["resources"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| r["mode"] == "managed")
                .filter_map(|r| {
                    Some((
                        r["type"].as_str()?.to_string(),
                        r["values"]["id"].as_str()?.to_string(),
                    ))
                })
                .collect();
            self.ws
                .terraform(&["destroy", "-input=false", "-auto-approve"]);
            let client = real.client();
            let cx = terraform_provider_aliyun::aliyun::CallContext::default();
            for (ty, id) in ids {
                let left = match ty.as_str() {
                    "aliyun_eci_image_cache" => self
                        .block_on(client.describe_image_cache(&id, &cx))
                        .map(|c| c.map(|c| c.status)),
                    "aliyun_eci_data_cache" => self
                        .block_on(client.describe_data_cache(&id, &cx))
                        .map(|c| c.map(|c| c.status)),
                    // Image templates too (they have no status: there or not).
                    "aliyun_ecs_image_pipeline" => self
                        .block_on(client.describe_image_pipeline(&id, &cx))
                        .map(|p| p.map(|p| format!("template {:?}", p.name))),
                    _ => continue,
                };
                match left {
                    Ok(None) => {}
                    Ok(Some(status)) => panic!("{ty} {id} still exists ({status}) after destroy"),
                    Err(e) => panic!("cannot check that {ty} {id} is gone: {e}"),
                }
            }
            let local = self.emu.call_counts().received;
            assert!(
                local.is_empty(),
                "real-cloud mode reached the local emulator: {local:?}"
            );
            return;
        }
        self.ws
            .terraform(&["destroy", "-input=false", "-auto-approve"]);
        /// Whether `obj` (of the emulator kind listed under `state_key`) may outlive
        /// `terraform destroy`: objects the test seeded through the emulator's own API
        /// (templates), and finished builds (the API cannot delete a build; only its
        /// template's deletion takes it along).
        fn left_after_destroy(state_key: &str, obj: &Json) -> bool {
            const FINISHED: &[&str] = &[
                "SUCCESS",
                "PARTITION_SUCCESS",
                "FAILED",
                "TEST_FAILED",
                "CANCELLED",
            ];
            obj["seeded"] == true
                || (state_key == "executions"
                    && FINISHED.contains(&obj["status"].as_str().unwrap_or_default()))
        }
        // Every kind the emulator registers, so a new kind is checked too.
        let state = self.emu.state();
        for kind in aliyun_emulator::kind::KINDS {
            for obj in state[kind.state_key].as_array().into_iter().flatten() {
                assert!(
                    left_after_destroy(kind.state_key, obj),
                    "{} left in the emulator after destroy: {obj}",
                    kind.state_key
                );
            }
        }
    }

    /// Panics in real-cloud mode: emulator-only assertions must be guarded by
    /// [`Acc::emulator_only`] (never answered from an idle local emulator).
    fn emulator_view(&self, what: &str) {
        assert!(
            !self.is_real(),
            "{what} is only known to the emulator: guard the assertion with \
             `if t.emulator_only(\"...\")`"
        );
    }

    /// Calls the emulator received for `action`.
    pub fn calls(&self, action: &str) -> u64 {
        self.emulator_view("a call count");
        self.emu.calls(action)
    }

    /// Calls received per action, for the actions that were called at all.
    pub fn call_counts(&self) -> BTreeMap<String, u64> {
        self.emulator_view("a call count");
        self.emu.call_counts().received
    }

    /// Every request the emulator logged for `action`, oldest first.
    pub fn requests(&self, action: &str) -> Vec<LogEntry> {
        self.emulator_view("the request log");
        self.emu
            .requests()
            .into_iter()
            .filter(|r| r.action.as_deref() == Some(action))
            .collect()
    }

    /// The parameters of the last request for `action` (panics if there was none).
    pub fn last_request(&self, action: &str) -> BTreeMap<String, String> {
        self.requests(action)
            .pop()
            .map(|r| r.params)
            .unwrap_or_else(|| panic!("no {action} request in {:?}", self.emu.requests()))
    }

    /// An API client signed for this test's emulator (to seed objects), or for
    /// the account in real-cloud mode.
    pub fn client(&self) -> Client {
        if let Some(real) = &self.real {
            return real.client();
        }
        let mut config = ClientConfig::new(
            "cn-hangzhou",
            Credentials::new("emulator", "emulator-secret"),
        );
        config.eci_endpoint = Some(self.emu.endpoint());
        config.ecs_endpoint = Some(self.emu.endpoint());
        Client::new(config).expect("client configuration")
    }

    /// Runs `future` to completion on this test's runtime (for client calls).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self._rt.block_on(future)
    }

    /// The emulator's view, appended to failure reports.
    pub fn emulator_report(&self) -> String {
        if self.is_real() {
            return "--- real-cloud mode: no emulator view ---\n".to_string();
        }
        format!(
            "--- emulator calls ---\n{:?}\n--- emulator state ---\n{:#}\n",
            self.emu.call_counts(),
            self.emu.state()
        )
    }
}

/// The provider block for an emulator at `endpoint`.
pub fn provider_block(endpoint: &str) -> String {
    format!(
        r#"provider "aliyun" {{
  region     = "cn-hangzhou"
  access_key = "emulator"
  secret_key = "emulator-secret"
  endpoints {{
    eci = "{endpoint}"
    ecs = "{endpoint}"
  }}
}}
"#
    )
}

fn resource_values(ws: &Workspace, address: &str) -> Json {
    let state = ws.terraform_json(&["show", "-json"]);
    let resources = state["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    resources
        .into_iter()
        .find(|r| r["address"] == address)
        .map(|r| r["values"].clone())
        .unwrap_or_else(|| panic!("{address} is not in the state: {state:#}"))
}

fn is_empty(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::Array(a) => a.is_empty(),
        Json::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Terraform's stdout and stderr as one line of text: diagnostics are boxed
/// (`│`) and wrapped at 78 columns, so a message is only found whole once the
/// box is removed and the lines are joined.
pub fn unwrap_output(out: &std::process::Output) -> String {
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .map(|l| l.trim().trim_start_matches(['│', '╷', '╵']).trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Actions of `address` in `actions`, for assertions.
pub fn action<'a>(actions: &'a Actions, address: &str) -> Vec<&'a str> {
    actions
        .get(address)
        .map(|a| a.iter().map(String::as_str).collect())
        .unwrap_or_default()
}
