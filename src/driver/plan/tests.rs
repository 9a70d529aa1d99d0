//! Plan tables: prior state and configuration in, planned state and replace paths out.
//! The proposed state is built from them the way Terraform builds it.

use super::super::testing::*;
use super::plan_values;
use crate::tf::protocol::{PlanResourceChangeRequest, ProviderServer};
use crate::tf::Value;

const U: Value = Value::Unknown;

fn with(v: &Value, attrs: &[(&str, Value)]) -> Value {
    let mut v = v.clone();
    for (k, a) in attrs {
        v.set_attr(k, a.clone());
    }
    v
}

fn cred_state(server: &str, token: Value) -> Value {
    with(&cred(server, None), &[("token", token)])
}

fn rule_state(port: i64, proto: &str, id: Value) -> Value {
    with(&rule(port, Some(proto)), &[("rule_id", id)])
}

/// The state after creating `config()`.
fn state() -> Value {
    thing(&[
        ("id", "thing-1".into()),
        ("name", "a".into()),
        ("zone", "z1".into()),
        ("image", "img1".into()),
        ("size", 20i64.into()),
        ("status", "ready".into()),
        ("arn", "arn:thing-1".into()),
        ("revision", "rev-1".into()),
        (
            "cred",
            Value::Set(vec![
                cred_state("a.io", "tok-a.io".into()),
                cred_state("b.io", "tok-b.io".into()),
            ]),
        ),
        (
            "rule",
            Value::List(vec![rule_state(80, "tcp", "r-80".into())]),
        ),
    ])
}

fn config() -> Value {
    thing(&[
        ("name", "a".into()),
        ("zone", "z1".into()),
        ("image", "img1".into()),
        (
            "cred",
            Value::Set(vec![cred("a.io", None), cred("b.io", None)]),
        ),
        ("rule", Value::List(vec![rule(80, None)])),
    ])
}

/// `state()` after a change: computed values unknown except the stable `id` and `arn`.
fn changed_state(attrs: &[(&str, Value)]) -> Value {
    let base = with(
        &state(),
        &[
            ("status", U),
            (
                "cred",
                Value::Set(vec![cred_state("a.io", U), cred_state("b.io", U)]),
            ),
            ("rule", Value::List(vec![rule_state(80, "tcp", U)])),
        ],
    );
    with(&base, attrs)
}

struct Case {
    name: &'static str,
    prior: Value,
    config: Value,
    planned: Value,
    replace: &'static [&'static str],
    /// The prior object was imported and not applied since.
    adopting: bool,
}

fn cases() -> Vec<Case> {
    let timeouts = Value::object([
        ("create", "5m".into()),
        ("update", Value::Null),
        ("delete", Value::Null),
        ("read", Value::Null),
    ]);
    vec![
        Case {
            name: "create: computed unknown, defaults planned, nested too",
            prior: Value::Null,
            config: thing(&[
                ("name", "a".into()),
                ("rule", Value::List(vec![rule(80, None)])),
            ]),
            planned: thing(&[
                ("id", U),
                ("name", "a".into()),
                ("size", 20i64.into()),
                ("status", U),
                ("arn", U),
                ("revision", U),
                ("rule", Value::List(vec![rule_state(80, "tcp", U)])),
            ]),
            replace: &[],
            adopting: false,
        },
        Case {
            name: "no change: planned is prior exactly",
            prior: state(),
            config: config(),
            planned: state(),
            replace: &[],
            adopting: false,
        },
        Case {
            name: "set in another order: no change",
            prior: state(),
            config: with(
                &config(),
                &[(
                    "cred",
                    Value::Set(vec![cred("b.io", None), cred("a.io", None)]),
                )],
            ),
            planned: state(),
            replace: &[],
            adopting: false,
        },
        Case {
            name: "in-place update: a value changed only by `tags` stays known",
            prior: state(),
            config: with(&config(), &[("legacy", "x".into())]),
            planned: changed_state(&[("legacy", "x".into())]),
            replace: &[],
            adopting: false,
        },
        Case {
            name: "in-place update: a change to one of its `changed_by` makes it unknown",
            prior: state(),
            config: with(&config(), &[("tags", Value::str_map([("k", "v")]))]),
            planned: changed_state(&[("tags", Value::str_map([("k", "v")])), ("revision", U)]),
            replace: &[],
            adopting: false,
        },
        Case {
            name: "in-place update: only non-stable computed become unknown",
            prior: state(),
            config: with(&config(), &[("name", "b".into())]),
            planned: changed_state(&[("name", "b".into())]),
            replace: &[],
            adopting: false,
        },
        Case {
            name: "replace_on_change attribute",
            prior: state(),
            config: with(&config(), &[("zone", "z2".into())]),
            planned: changed_state(&[("zone", "z2".into())]),
            replace: &["zone"],
            adopting: false,
        },
        Case {
            name: "replace_on_change attribute removed",
            prior: state(),
            config: with(&config(), &[("zone", Value::Null)]),
            planned: changed_state(&[("zone", Value::Null)]),
            replace: &["zone"],
            adopting: false,
        },
        Case {
            name: "replace_unless_adopting: adoption after import",
            prior: with(&state(), &[("image", Value::Null)]),
            config: config(),
            planned: changed_state(&[]),
            replace: &[],
            adopting: true,
        },
        Case {
            name: "replace_unless_adopting: filling in a value on a created object replaces",
            prior: with(&state(), &[("image", Value::Null)]),
            config: config(),
            planned: changed_state(&[]),
            replace: &["image"],
            adopting: false,
        },
        Case {
            name: "replace_unless_adopting: a real change replaces",
            prior: state(),
            config: with(&config(), &[("image", "img2".into())]),
            planned: changed_state(&[("image", "img2".into())]),
            replace: &["image"],
            adopting: false,
        },
        Case {
            name: "replacing attribute in a list block names the block",
            prior: state(),
            config: with(&config(), &[("rule", Value::List(vec![rule(81, None)]))]),
            planned: changed_state(&[
                ("rule", Value::List(vec![rule_state(81, "tcp", U)])),
                ("revision", U),
            ]),
            replace: &["rule"],
            adopting: false,
        },
        Case {
            name: "non-replacing attribute in a list block",
            prior: state(),
            config: with(
                &config(),
                &[("rule", Value::List(vec![rule(80, Some("udp"))]))],
            ),
            planned: changed_state(&[
                ("rule", Value::List(vec![rule_state(80, "udp", U)])),
                ("revision", U),
            ]),
            replace: &[],
            adopting: false,
        },
        Case {
            name: "set element added: its computed values unknown",
            prior: state(),
            config: with(
                &config(),
                &[(
                    "cred",
                    Value::Set(vec![
                        cred("a.io", None),
                        cred("b.io", None),
                        cred("c.io", None),
                    ]),
                )],
            ),
            planned: changed_state(&[(
                "cred",
                Value::Set(vec![
                    cred_state("a.io", U),
                    cred_state("b.io", U),
                    cred_state("c.io", U),
                ]),
            )]),
            replace: &[],
            adopting: false,
        },
        Case {
            name: "write-only value is planned null and is no change",
            prior: state(),
            config: with(&config(), &[("password", "pw".into())]),
            planned: state(),
            replace: &[],
            adopting: false,
        },
        Case {
            name: "timeouts alone change nothing else",
            prior: state(),
            config: with(&config(), &[("timeouts", timeouts.clone())]),
            planned: with(&state(), &[("timeouts", timeouts)]),
            replace: &[],
            adopting: false,
        },
        Case {
            name: "removing an optional+computed value plans its default",
            prior: with(&state(), &[("size", 50i64.into())]),
            config: config(),
            planned: changed_state(&[("size", 20i64.into())]),
            replace: &[],
            adopting: false,
        },
        Case {
            name: "unknown configuration value",
            prior: state(),
            config: with(&config(), &[("name", U)]),
            planned: changed_state(&[("name", U)]),
            replace: &[],
            adopting: false,
        },
        Case {
            name: "destroy plans null",
            prior: state(),
            config: Value::Null,
            planned: Value::Null,
            replace: &[],
            adopting: false,
        },
    ]
}

#[test]
fn plan_table() {
    let schema = thing_schema();
    for c in cases() {
        let proposed = proposed(&schema.block, &c.prior, &c.config);
        let (planned, replace) = plan_values(&schema, &c.prior, proposed, &c.config, c.adopting);
        assert_eq!(planned, c.planned, "{}", c.name);
        let replace: Vec<String> = replace.iter().map(ToString::to_string).collect();
        assert_eq!(replace, c.replace, "{}", c.name);
    }
}

#[test]
fn set_element_pairs_with_its_own_configuration() {
    // The planned set arrives in another order than the configuration: each element
    // must still get its own config (here: `user` set on b.io only).
    let schema = thing_schema();
    let config = with(
        &config(),
        &[(
            "cred",
            Value::Set(vec![cred("a.io", None), cred("b.io", Some("u"))]),
        )],
    );
    let proposed = with(
        &proposed(&schema.block, &state(), &config),
        &[(
            "cred",
            Value::Set(vec![
                with(
                    &cred_state("b.io", "tok-b.io".into()),
                    &[("user", "u".into())],
                ),
                cred_state("a.io", "tok-a.io".into()),
            ]),
        )],
    );
    let (planned, _) = plan_values(&schema, &state(), proposed, &config, false);
    let creds = planned.attr("cred").as_list().unwrap();
    assert_eq!(creds[0].str_attr("user"), Some("u"));
    assert_eq!(creds[0].attr("token"), &U);
    assert_eq!(creds[1].attr("token"), &U);
}

#[tokio::test]
async fn the_rpc_runs_the_hook_sorts_paths_and_echoes_private() {
    let (driver, _) = driver();
    let config = with(&config(), &[("name", "hook".into()), ("zone", "z2".into())]);
    let req = PlanResourceChangeRequest {
        type_name: "fake_thing".into(),
        prior_state: dv(&state()),
        proposed_new_state: dv(&proposed(&thing_schema().block, &state(), &config)),
        config: dv(&config),
        prior_private: b"token-123".to_vec(),
        ..Default::default()
    };
    let resp = driver.plan_resource_change(req).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let paths: Vec<String> = resp
        .requires_replace
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(paths, ["name", "zone"]);
    assert_eq!(resp.planned_private, b"token-123");
    let planned = undv(resp.planned_state.as_ref().unwrap());
    assert_eq!(
        planned,
        changed_state(&[("name", "hook".into()), ("zone", "z2".into())])
    );
}

#[tokio::test]
async fn the_rpc_plans_destroy_as_null_and_reports_bad_input() {
    let (driver, _) = driver();
    let req = PlanResourceChangeRequest {
        type_name: "fake_thing".into(),
        prior_state: dv(&state()),
        proposed_new_state: dv(&Value::Null),
        config: dv(&Value::Null),
        ..Default::default()
    };
    let resp = driver.plan_resource_change(req.clone()).await;
    assert_eq!(undv(resp.planned_state.as_ref().unwrap()), Value::Null);
    assert!(resp.requires_replace.is_empty());

    let mut bad = req;
    bad.proposed_new_state.msgpack = vec![0x81, 0xa4, b'n', b'a', b'm', b'e', 0xc0];
    let resp = driver.plan_resource_change(bad).await;
    assert!(resp.planned_state.is_none());
    assert_eq!(
        paths(&resp.diagnostics),
        ["arn"],
        "the first missing attribute is named"
    );
}
