//! Acceptance tests as steps, in the spirit of terraform-plugin-testing's
//! `TestStep` with plan checks: a step is a configuration, the action Terraform
//! must plan for each resource, the API calls the step must send (counted exactly,
//! parameters matched by exact name), and checks on the state afterwards.
//! [`Acc::run`](super::Acc::run) applies it with the usual invariants (plan, apply
//! that plan, both re-plans empty).

use std::collections::BTreeMap;

use super::{action, Acc};

/// `config` with each `(from, to)` replaced; `from` must occur exactly once, so a
/// test never edits nothing (a typo) or the wrong line.
pub fn edit(config: &str, edits: &[(&str, &str)]) -> String {
    let mut out = config.to_string();
    for (from, to) in edits {
        let found = out.matches(from).count();
        assert_eq!(found, 1, "{from:?} occurs {found} times in:\n{out}");
        out = out.replacen(from, to, 1);
    }
    out
}

/// What the last request of an action must carry.
struct Sent {
    action: String,
    with: Vec<(String, Option<String>)>,
    without: Vec<String>,
}

/// A check run on the world after a step.
type Check = Box<dyn Fn(&Acc)>;

/// One acceptance step.
pub struct Step {
    config: String,
    actions: Vec<(String, Vec<String>)>,
    calls: Vec<(String, u64)>,
    sent: Vec<Sent>,
    checks: Vec<Check>,
    // s14-steps-c: what the step runs and expects beyond "plan, apply, empty re-plans".
    run: RunSpec,
}

impl Step {
    /// A step applying `config` (below the provider block).
    pub fn new(config: impl Into<String>) -> Step {
        Step {
            config: config.into(),
            actions: Vec::new(),
            calls: Vec::new(),
            sent: Vec::new(),
            checks: Vec::new(),
            run: RunSpec::default(),
        }
    }

    /// The plan's actions for `address` (`["update"]`, `["delete", "create"]`...).
    pub fn plans(mut self, address: &str, actions: &[&str]) -> Step {
        let actions = actions.iter().map(|a| a.to_string()).collect();
        self.actions.push((address.to_string(), actions));
        self
    }

    /// The step sends `action` exactly `n` times. Writes (every action but
    /// `Describe*` and `List*`) not named by any `calls` must not be sent at all.
    pub fn calls(mut self, action: &str, n: u64) -> Step {
        self.calls.push((action.to_string(), n));
        self
    }

    /// The last `action` request carries these parameters, by exact name, with
    /// these values.
    pub fn sends(mut self, action: &str, params: &[(&str, &str)]) -> Step {
        let with = params
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect();
        self.sent.push(Sent {
            action: action.to_string(),
            with,
            without: Vec::new(),
        });
        self
    }

    /// The last `action` request carries parameters of these exact names.
    pub fn sends_names(mut self, action: &str, names: &[&str]) -> Step {
        let with = names.iter().map(|k| (k.to_string(), None)).collect();
        self.sent.push(Sent {
            action: action.to_string(),
            with,
            without: Vec::new(),
        });
        self
    }

    /// The last `action` request carries no parameter of these exact names.
    pub fn omits(mut self, action: &str, names: &[&str]) -> Step {
        self.sent.push(Sent {
            action: action.to_string(),
            with: Vec::new(),
            without: names.iter().map(|k| k.to_string()).collect(),
        });
        self
    }

    /// A check on the world after the step (state, emulator).
    pub fn check(mut self, f: impl Fn(&Acc) + 'static) -> Step {
        self.checks.push(Box::new(f));
        self
    }
}

fn is_write(action: &str) -> bool {
    !(action.starts_with("Describe") || action.starts_with("List"))
}

impl Acc {
    /// Runs `step`: plan (its actions must match), apply that plan, both re-plans
    /// empty, then the call counts, the requests sent and the checks. Returns what
    /// Terraform printed, as one line ([`unwrap_text`]), for assertions on values
    /// known only afterwards (an ID in an error, say).
    pub fn run(&self, step: Step) -> String {
        // Calls and requests are the emulator's to count; in real-cloud mode the
        // step checks plans and state only, and reports the rest as skipped.
        let real = self.is_real();
        if real {
            // Even a step naming no call checks that it sends no write.
            self.emulator_only("the step's API calls and requests");
        }
        let before = if real {
            BTreeMap::new()
        } else {
            self.step_call_counts(&step)
        };
        let printed = self.run_commands(&step);
        if real {
            for check in &step.checks {
                check(self);
            }
            return printed;
        }
        let after = self.step_call_counts(&step);
        let delta =
            |a: &str| after.get(a).copied().unwrap_or(0) - before.get(a).copied().unwrap_or(0);
        let named: BTreeMap<&str, u64> = step.calls.iter().map(|(a, n)| (a.as_str(), *n)).collect();
        for (a, n) in &named {
            assert_eq!(delta(a), *n, "{a} calls during the step ({after:?})");
        }
        for a in after
            .keys()
            .filter(|a| is_write(a) && !named.contains_key(a.as_str()))
            .filter(|a| !step.run.may_call.contains(a))
        {
            assert_eq!(
                delta(a),
                0,
                "{a} was sent but the step expects no such call"
            );
        }
        for sent in &step.sent {
            let params = self.last_request(&sent.action);
            for (name, value) in &sent.with {
                let got = params.get(name);
                assert!(
                    got.is_some(),
                    "{} has no parameter {name}: {params:?}",
                    sent.action
                );
                if let Some(want) = value {
                    assert_eq!(got, Some(want), "{}'s {name}", sent.action);
                }
            }
            for name in &sent.without {
                assert!(
                    !params.contains_key(name),
                    "{} sends {name} but must not: {params:?}",
                    sent.action
                );
            }
        }
        for check in &step.checks {
            check(self);
        }
        printed
    }
}

#[test]
fn edits_must_match_exactly_once() {
    assert_eq!(
        edit("a = 1\nb = 2\n", &[("b = 2", "b = 3")]),
        "a = 1\nb = 3\n"
    );
    let twice = std::panic::catch_unwind(|| edit("x\nx\n", &[("x", "y")]));
    assert!(twice.is_err(), "an ambiguous edit is refused");
    let missing = std::panic::catch_unwind(|| edit("x\n", &[("z", "y")]));
    assert!(missing.is_err(), "an edit that matches nothing is refused");
}

// ---------------------------------------------------------------- s14-steps-c
// Steps beyond "plan, apply, both re-plans empty": a configuration bringing its
// own provider block (`own_provider`) or being a whole file (`verbatim`), extra
// plan arguments (`plan_args`), a plan-only step (`plan_only`), a step that must
// fail with a diagnostic (`fails_with`), what Terraform prints (`prints`,
// `output_check`), checks on the saved plan (`plan_check`), something run while
// the apply runs (`during_apply`: an outage starting once a create is sent), call
// counts under random faults (`counts_answered`) and writes a step may send any
// number of times (`may_call`). Every step's commands run through one path,
// `Acc::run_commands`. And for tests that move the credentials elsewhere:
// `Acc::provider_block_with`, `Acc::credentials`, `Acc::real_cloud`.

use aliyun_emulator::Handle;
use serde_json::Value as Json;

use super::Actions;

/// A check on the saved plan (`terraform show -json tfplan`).
type PlanCheck = Box<dyn Fn(&Json)>;
/// A check on what Terraform printed.
type OutputCheck = Box<dyn Fn(&str)>;
/// Run on a thread while the apply runs.
type DuringApply = Box<dyn Fn(&Handle) + Send + Sync>;

/// What a [`Step`] runs and expects beyond its configuration, actions, calls and checks.
#[derive(Default)]
struct RunSpec {
    own_provider: bool,
    /// The configuration is the whole `main.tf`.
    verbatim: bool,
    plan_args: Vec<String>,
    /// Plan only: nothing is applied.
    plan_only: bool,
    /// The step must fail (at plan, or at apply unless plan-only), and what
    /// Terraform printed contains each of these.
    fails: Option<Vec<String>>,
    prints: Vec<String>,
    plan_checks: Vec<PlanCheck>,
    output_checks: Vec<OutputCheck>,
    during_apply: Option<DuringApply>,
    /// `calls` counts answers (received minus injected faults).
    answered: bool,
    /// Writes the step may send any number of times.
    may_call: Vec<String>,
}

impl Step {
    /// The configuration brings its own `provider "aliyun"` block(s): the harness
    /// writes none above it (placeholders are still substituted in real-cloud mode).
    pub fn own_provider(mut self) -> Step {
        self.run.own_provider = true;
        self
    }

    /// The configuration is a whole `main.tf` (its own `terraform` and `provider`
    /// blocks, as an example file is): the harness adds nothing to it
    /// (placeholders are still substituted in real-cloud mode).
    pub fn verbatim(mut self) -> Step {
        self.run.verbatim = true;
        self
    }

    /// Extra arguments of the step's plan (`-refresh=false`, `-refresh-only`...);
    /// the apply applies that plan.
    pub fn plan_args(mut self, args: &[&str]) -> Step {
        self.run
            .plan_args
            .extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// The step only plans: actions, plan checks, output and calls are checked,
    /// nothing is applied.
    pub fn plan_only(mut self) -> Step {
        self.run.plan_only = true;
        self
    }

    /// The step must fail (its plan, when it is [`Step::plan_only`]; else its plan
    /// or its apply), and what Terraform printed (one line, see [`unwrap_text`])
    /// contains `needle` (call again for more). No re-plan follows a failure; when
    /// the plan fails, the step may name no planned actions nor plan checks.
    pub fn fails_with(mut self, needle: &str) -> Step {
        self.run
            .fails
            .get_or_insert_with(Vec::new)
            .push(needle.to_string());
        self
    }

    /// What Terraform printed during the step (plan, apply, re-plans; unwrapped as
    /// for [`Step::fails_with`]) contains `needle`: a warning, a summary line.
    pub fn prints(mut self, needle: &str) -> Step {
        self.run.prints.push(needle.to_string());
        self
    }

    /// A check on the step's saved plan, as `terraform show -json tfplan` prints it.
    pub fn plan_check(mut self, f: impl Fn(&Json) + 'static) -> Step {
        self.run.plan_checks.push(Box::new(f));
        self
    }

    /// A check on everything Terraform printed during the step (stdout and stderr
    /// of every command, as printed: [`unwrap_text`] makes it one line).
    pub fn output_check(mut self, f: impl Fn(&str) + 'static) -> Step {
        self.run.output_checks.push(Box::new(f));
        self
    }

    /// Runs `f` on a thread while the apply runs (e.g. an outage once the create
    /// was sent); the step waits for it to end before the re-plans. Emulator-only.
    pub fn during_apply(mut self, f: impl Fn(&Handle) + Send + Sync + 'static) -> Step {
        self.run.during_apply = Some(Box::new(f));
        self
    }
}

/// Terraform's output as one line of text, as [`super::unwrap_output`] makes it:
/// diagnostics are boxed (`│`) and wrapped at 78 columns, so a message is only
/// found whole once the box is removed and the lines are joined.
pub fn unwrap_text(text: &str) -> String {
    text.lines()
        .map(|l| l.trim().trim_start_matches(['│', '╷', '╵']).trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Step {
    /// The step's [`Step::calls`] count the calls answered (received minus those
    /// answered with an injected fault), so a step under random faults still names
    /// exact figures: one answer per logical operation, whatever the retries.
    pub fn counts_answered(mut self) -> Step {
        self.run.answered = true;
        self
    }

    /// The step may send each of `actions` any number of times (credential
    /// fetches, say, whose count depends on how many provider processes Terraform
    /// starts and is not what the test is about); every other write must still be
    /// named by [`Step::calls`].
    pub fn may_call(mut self, actions: &[&str]) -> Step {
        self.run
            .may_call
            .extend(actions.iter().map(|a| a.to_string()));
        self
    }
}

/// The actions of every resource change of a `show -json` plan.
pub(super) fn actions_of(plan: &Json) -> Actions {
    let changes = plan["resource_changes"].as_array().into_iter().flatten();
    changes
        .map(|rc| {
            let actions = rc["change"]["actions"].as_array().into_iter().flatten();
            (
                rc["address"].as_str().unwrap_or_default().to_string(),
                actions
                    .map(|a| a.as_str().unwrap_or_default().to_string())
                    .collect(),
            )
        })
        .collect()
}

impl Acc {
    /// The Terraform commands of `step`: write its configuration, plan, apply (or
    /// not), re-plan; checks the actions, the plan, the outcome and the output.
    fn run_commands(&self, step: &Step) -> String {
        let spec = &step.run;
        let config = self.substitute(&step.config);
        if spec.verbatim {
            self.ws.write("main.tf", &config);
            *self.config.borrow_mut() = config;
        } else if spec.own_provider {
            self.write_config_without_provider(&config);
        } else {
            self.write_config_without_provider(&format!("{}\n{config}", self.provider_block()));
        }
        // A step that applies must not create an object the sweeper cannot find
        // (real-cloud mode); a plan-only step creates nothing.
        if !spec.plan_only {
            self.check_plan_marked();
        }
        let mut printed = String::new();
        let mut unwrapped = Vec::new();
        let mut record = |out: &std::process::Output| {
            let text = format!(
                "{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            unwrapped.push(unwrap_text(&text));
            printed += &text;
            printed += "\n";
        };
        let failing = spec.fails.is_some();
        let mut args = vec!["plan", "-input=false", "-no-color", "-out=tfplan"];
        args.extend(spec.plan_args.iter().map(String::as_str));
        let out = self.ws.terraform_unchecked(&args);
        record(&out);
        if !out.status.success() {
            let report = self.ws.report("the step's plan failed", &args, &out);
            assert!(failing, "{report}{}", self.emulator_report());
            assert!(
                step.actions.is_empty() && spec.plan_checks.is_empty(),
                "the step expects a plan (actions or plan checks): {report}"
            );
        } else {
            let plan = self.ws.terraform_json(&["show", "-json", "tfplan"]);
            let planned = actions_of(&plan);
            for (address, want) in &step.actions {
                let got = action(&planned, address);
                assert_eq!(got, *want, "planned actions of {address}: {planned:?}");
            }
            for check in &spec.plan_checks {
                check(&plan);
            }
            assert!(
                !(failing && spec.plan_only),
                "{}",
                self.ws
                    .report("the step's plan should have failed", &args, &out)
            );
            if !spec.plan_only {
                let out = self.apply_saved_plan(spec.during_apply.as_deref());
                record(&out);
                let args = ["apply", "-input=false", "-no-color", "tfplan"];
                if failing {
                    assert!(
                        !out.status.success(),
                        "{}",
                        self.ws
                            .report("the step's apply should have failed", &args, &out)
                    );
                } else {
                    assert!(
                        out.status.success(),
                        "{}{}",
                        self.ws.report("the step's apply failed", &args, &out),
                        self.emulator_report()
                    );
                    self.check_marked();
                    for extra in [&["-refresh=false"][..], &[][..]] {
                        let mut args = vec!["plan", "-input=false", "-no-color"];
                        args.push("-detailed-exitcode");
                        args.extend_from_slice(extra);
                        let out = self.ws.terraform_unchecked(&args);
                        record(&out);
                        assert!(
                            out.status.code() == Some(0),
                            "{}{}",
                            self.ws.report("expected an empty plan", &args, &out),
                            self.emulator_report()
                        );
                    }
                }
            }
        }
        let text = unwrapped.join("\n");
        if let Some(needles) = &spec.fails {
            for needle in needles {
                assert!(
                    text.contains(needle.as_str()),
                    "the step failed without {needle:?}:\n{text}"
                );
            }
        }
        for needle in &spec.prints {
            assert!(
                text.contains(needle.as_str()),
                "the step did not print {needle:?}:\n{text}"
            );
        }
        for check in &spec.output_checks {
            check(&printed);
        }
        text
    }

    /// The provider block of this run (the emulator's or the account's
    /// credentials) with both endpoints set to `endpoint` and, given `secret_key`,
    /// that secret instead of the right one.
    pub fn provider_block_with(&self, endpoint: Option<&str>, secret_key: Option<&str>) -> String {
        match &self.real {
            Some(real) => {
                let mut real = real.clone();
                if let Some(e) = endpoint {
                    real.eci_endpoint = Some(e.to_string());
                    real.ecs_endpoint = Some(e.to_string());
                }
                if let Some(s) = secret_key {
                    real.access_key_secret = s.to_string();
                }
                real.provider_block()
            }
            None => {
                let block = super::provider_block(endpoint.unwrap_or(&self.emu.endpoint()));
                match secret_key {
                    Some(s) => block.replace("\"emulator-secret\"", &format!("{s:?}")),
                    None => block,
                }
            }
        }
    }

    /// The account and endpoints of a real-cloud run (`None` against the emulator).
    pub fn real_cloud(&self) -> Option<&super::real::RealCloud> {
        self.real.as_ref()
    }

    /// The AccessKey ID, secret and STS token this run signs with (the emulator's,
    /// or the account's in real-cloud mode), for tests that put them somewhere
    /// else (environment, profile file) or search Terraform's output for them.
    /// Never print them.
    pub fn credentials(&self) -> (String, String, Option<String>) {
        match &self.real {
            Some(real) => (
                real.access_key_id.clone(),
                real.access_key_secret.clone(),
                real.security_token.clone(),
            ),
            None => ("emulator".into(), "emulator-secret".into(), None),
        }
    }

    /// Calls per action, as the step counts them (see [`Step::counts_answered`]).
    fn step_call_counts(&self, step: &Step) -> BTreeMap<String, u64> {
        if !step.run.answered {
            return self.call_counts();
        }
        let counts = self.emu.call_counts();
        let faulted = |a: &str| counts.faulted.get(a).copied().unwrap_or(0);
        counts
            .received
            .iter()
            .map(|(a, n)| (a.clone(), n - faulted(a)))
            .collect()
    }

    /// `apply tfplan`, with `during` running on a thread meanwhile.
    fn apply_saved_plan(
        &self,
        during: Option<&(dyn Fn(&Handle) + Send + Sync)>,
    ) -> std::process::Output {
        let args = ["apply", "-input=false", "-no-color", "tfplan"];
        let Some(during) = during else {
            return self.ws.terraform_unchecked(&args);
        };
        assert!(
            !self.is_real(),
            "during_apply acts on the emulator: skip the test in real-cloud mode"
        );
        let emu = &self.emu;
        std::thread::scope(|s| {
            let side = s.spawn(move || during(emu));
            let out = self.ws.terraform_unchecked(&args);
            side.join().expect("the step's during_apply thread");
            out
        })
    }
}

#[test]
fn terraform_data_creates_no_object_to_mark() {
    let state = serde_json::json!({"resources": [
        {"mode": "managed", "type": "terraform_data", "address": "terraform_data.x",
         "values": {"id": "x"}},
        {"mode": "managed", "type": "aliyun_eci_image_cache", "address": "aliyun_eci_image_cache.c",
         "values": {"image_cache_name": "tf-acc-web", "tags": {"tf-acc": "true"}}}
    ]});
    assert_eq!(super::real::check_marked(&state), Ok(()));
    let untagged = serde_json::json!({"resources": [
        {"mode": "managed", "type": "aliyun_eci_image_cache", "address": "aliyun_eci_image_cache.c",
         "values": {"image_cache_name": "tf-acc-web"}}
    ]});
    assert!(super::real::check_marked(&untagged).is_err());
}
