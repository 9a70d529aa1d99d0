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
    /// empty, then the call counts, the requests sent and the checks. Returns the
    /// apply's output as one line (see [`unwrap_output`](super::unwrap_output)),
    /// to look for warnings.
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
            self.call_counts()
        };
        self.write_config(&step.config);
        let planned = self.plan_actions();
        for (address, want) in &step.actions {
            let got = action(&planned, address);
            assert_eq!(got, *want, "planned actions of {address}: {planned:?}");
        }
        let out = self
            .ws
            .terraform(&["apply", "-input=false", "-no-color", "tfplan"]);
        self.expect_empty_plan(&["-refresh=false"]);
        self.expect_empty_plan(&[]);
        if real {
            for check in &step.checks {
                check(self);
            }
            return super::unwrap_output(&out);
        }
        self.check_requests(&step, &before);
        for check in &step.checks {
            check(self);
        }
        super::unwrap_output(&out)
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

// --- s14-steps-b: steps whose apply must fail; the request checks of a step ---

/// A step whose apply must fail, made by [`Step::fails_with`] and run by
/// [`Acc::run_fails`].
pub struct FailingStep {
    step: Step,
    texts: Vec<String>,
}

impl Step {
    /// The apply of this step must fail, and its output (diagnostics unboxed and
    /// joined into one line, see [`unwrap_output`](super::unwrap_output)) must
    /// contain `text`. Run it with [`Acc::run_fails`].
    pub fn fails_with(self, text: &str) -> FailingStep {
        FailingStep {
            step: self,
            texts: vec![text.to_string()],
        }
    }
}

impl FailingStep {
    /// The output must contain `text` as well.
    pub fn fails_with(mut self, text: &str) -> FailingStep {
        self.texts.push(text.to_string());
        self
    }
}

impl Acc {
    /// Runs a step whose apply must fail: plan (its actions must match), apply that
    /// plan, which must fail with every expected text in its output; then the call
    /// counts, the requests sent (emulator only) and the checks, as [`Acc::run`].
    /// The re-plans are not checked: a failed apply leaves work to do. Returns the
    /// output as one line, for assertions on values known only afterwards.
    pub fn run_fails(&self, failing: FailingStep) -> String {
        let FailingStep { step, texts } = failing;
        let real = self.is_real();
        if real {
            self.emulator_only("the step's API calls and requests");
        }
        let before = if real {
            BTreeMap::new()
        } else {
            self.call_counts()
        };
        self.write_config(&step.config);
        let planned = self.plan_actions();
        for (address, want) in &step.actions {
            let got = action(&planned, address);
            assert_eq!(got, *want, "planned actions of {address}: {planned:?}");
        }
        let out = self
            .ws
            .terraform_fails(&["apply", "-input=false", "-no-color", "tfplan"]);
        let out = super::unwrap_output(&out);
        for text in &texts {
            assert!(
                out.contains(text.as_str()),
                "the failed apply does not say {text:?}: {out}"
            );
        }
        if !real {
            self.check_requests(&step, &before);
        }
        for check in &step.checks {
            check(self);
        }
        out
    }

    /// The calls `step` names were sent exactly as often as it says since
    /// `before`, no write it does not name was sent, and the last requests carry
    /// (or omit) the parameters it names. Emulator only.
    fn check_requests(&self, step: &Step, before: &BTreeMap<String, u64>) {
        let after = self.call_counts();
        let delta =
            |a: &str| after.get(a).copied().unwrap_or(0) - before.get(a).copied().unwrap_or(0);
        let named: BTreeMap<&str, u64> = step.calls.iter().map(|(a, n)| (a.as_str(), *n)).collect();
        for (a, n) in &named {
            assert_eq!(delta(a), *n, "{a} calls during the step ({after:?})");
        }
        for a in after
            .keys()
            .filter(|a| is_write(a) && !named.contains_key(a.as_str()))
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
    }
}
